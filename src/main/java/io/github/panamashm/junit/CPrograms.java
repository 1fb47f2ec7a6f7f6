// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.junit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The C side of panama-shm for tests of projects that depend only on the artifact: the jar carries
 * the C header ({@code panama_shm.h}) and the sources of the C consumer and producer, and this class
 * builds them with the system's C compiler ({@code $CC}, else {@code cc}) into a cache directory,
 * once per version of those sources, and returns the program to start with {@link Peers}:
 * {@snippet :
 * Peer consumer = peers.start(CPrograms.consumer(), "--ring", ring.name(), "--timeout-ms", "30000");
 * }
 * {@link #compile(Path)} builds a C peer of your own against the same header.
 *
 * <p>The cache is {@code $XDG_CACHE_HOME/panama-shm}, else {@code ~/.cache/panama-shm}, or the
 * directory the system property {@code panamashm.cache.dir} names. Programs are built under a
 * temporary name and moved into place, so test JVMs running side by side share the cache safely.
 * Safe for use from several threads.
 */
public final class CPrograms {

    private static final String SOURCES = "/io/github/panamashm/junit/c-sources/";
    /** What the jar carries: the header, the test-traffic header, the programs and their helper. */
    private static final List<String> FILES = List.of("panama_shm.h", "panama_shm_traffic.h", "shm_cli.h",
            "shm-consumer.c", "shm-producer.c");
    private static final long COMPILE_TIMEOUT_SECONDS = 120;

    private static Path sources;

    private CPrograms() {
    }

    /**
     * The C consumer ({@code shm-consumer}: {@code --ring NAME}, {@code --count}, {@code --verify},
     * {@code --timeout-ms}, ...; {@code --help} lists them), built on first use.
     *
     * @return the program
     * @throws IllegalStateException if it cannot be built (no C compiler, a compile error), saying why
     */
    public static Path consumer() {
        return program("shm-consumer");
    }

    /**
     * The C producer ({@code shm-producer}: {@code --ring NAME}, {@code --count}, {@code --pattern},
     * {@code --create}, ...; {@code --help} lists them), built on first use.
     *
     * @return the program
     * @throws IllegalStateException if it cannot be built (no C compiler, a compile error), saying why
     */
    public static Path producer() {
        return program("shm-producer");
    }

    /**
     * The directory holding {@code panama_shm.h} (and {@code panama_shm_traffic.h}), for a build of
     * your own: {@code cc -I DIR ...}.
     *
     * @return the directory, in the cache
     * @throws IllegalStateException if the cache cannot be written
     */
    public static synchronized Path includeDirectory() {
        // again if the cache moved (panamashm.cache.dir) or was cleaned since
        if (sources == null || !sources.startsWith(cacheRoot()) || !Files.isRegularFile(sources.resolve(FILES.getFirst()))) {
            sources = unpack();
        }
        return sources;
    }

    /**
     * Builds a C program of your own, one source file that includes {@code panama_shm.h}, as C11 with
     * warnings as errors, into the cache: once per content of the file and of every header it
     * includes (its own next to it too: the cache key is the preprocessed source).
     *
     * @param source the C file, e.g. {@code Path.of("src/test/c/my_consumer.c")}
     * @return the program
     * @throws IllegalStateException if it cannot be built, with the compiler's messages
     */
    public static Path compile(Path source) {
        if (!Files.isRegularFile(source)) {
            throw new IllegalStateException("no C source " + source);
        }
        Path include = includeDirectory();
        String preprocessed;
        try {
            Files.createDirectories(include.resolve("bin"));
            preprocessed = ToolRun.run(List.of(compiler(), "-E", "-D_GNU_SOURCE", "-I" + include,
                    source.toAbsolutePath().toString()), include.resolve("bin"), COMPILE_TIMEOUT_SECONDS,
                    "cannot build " + source, "install a C compiler, e.g. Debian's gcc, or set CC");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build " + source + " in " + include, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building " + source, e);
        }
        String name = source.getFileName().toString().replaceFirst("\\.c$", "");
        Path program = include.resolve("bin").resolve(name + "-" + hash(List.of(preprocessed, include.toString())));
        return build(program, include, source);
    }

    private static synchronized Path program(String name) {
        Path include = includeDirectory();
        return build(include.resolve("bin").resolve(name), include, include.resolve(name + ".c"));
    }

    /** Compiles {@code source} to {@code program} unless it is there: under a temporary name, then moved. */
    private static Path build(Path program, Path include, Path source) {
        if (Files.isExecutable(program)) {
            return program;
        }
        String compiler = compiler();
        try {
            Files.createDirectories(program.getParent());
            Path partial = Files.createTempFile(program.getParent(), program.getFileName().toString(), ".partial");
            List<String> command = new ArrayList<>(List.of(compiler, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror",
                    "-D_GNU_SOURCE", "-DPANAMA_SHM_VERSION=\"" + version() + "\"", "-I" + include, "-o", partial.toString(),
                    source.toAbsolutePath().toString()));
            try {
                ToolRun.run(command, program.getParent(), COMPILE_TIMEOUT_SECONDS, "cannot build " + program.getFileName()
                        + " from " + source, "install a C compiler, e.g. Debian's gcc, or set CC");
            } catch (IllegalStateException e) {
                Files.deleteIfExists(partial);
                throw e;
            }
            try {
                Files.move(partial, program, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, program, StandardCopyOption.REPLACE_EXISTING);
            }
            return program;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build " + program.getFileName() + " in " + program.getParent(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building " + program.getFileName(), e);
        }
    }

    /** The C compiler: {@code $CC}, else {@code cc}. */
    static String compiler() {
        return System.getenv().getOrDefault("CC", "cc");
    }

    /** Writes the sources the jar carries into the cache, in a directory named after their content. */
    private static Path unpack() {
        List<String> contents = new ArrayList<>();
        for (String file : FILES) {
            try (InputStream in = CPrograms.class.getResourceAsStream(SOURCES + file)) {
                if (in == null) {
                    throw new IllegalStateException("this panama-shm jar carries no " + file + " (" + SOURCES + ")");
                }
                contents.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + " from the panama-shm jar", e);
            }
        }
        Path directory = cacheRoot().resolve("c-" + hash(contents));
        try {
            Files.createDirectories(directory);
            for (int i = 0; i < FILES.size(); i++) {
                Path target = directory.resolve(FILES.get(i));
                if (!Files.exists(target)) { // the same content whoever wrote it: the name is its hash
                    Path partial = Files.createTempFile(directory, FILES.get(i), ".partial");
                    Files.writeString(partial, contents.get(i));
                    Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the C sources into the cache " + directory + ": " + e.getMessage()
                    + " (the system property panamashm.cache.dir names another place)", e);
        }
        return directory;
    }

    /** This jar's version, which the C programs' --version prints as the Maven build's do. */
    private static String version() {
        try (InputStream in = CPrograms.class.getResourceAsStream("/io/github/panamashm/version.properties")) {
            java.util.Properties properties = new java.util.Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown").replaceAll("[^A-Za-z0-9._+-]", "");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static Path cacheRoot() {
        String chosen = System.getProperty("panamashm.cache.dir");
        if (chosen != null && !chosen.isBlank()) {
            return Path.of(chosen);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("panama-shm");
    }

    private static String hash(List<String> parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                digest.update(part.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
