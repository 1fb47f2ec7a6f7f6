// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts real processes for cross-process tests: the compiled C programs and second JVMs running a
 * main class of the project or its tests. Output is merged into one stream and kept.
 */
public final class Processes {

    private Processes() {
    }

    /** A program the build compiled from C into {@code target/native}. */
    public static Path nativeProgram(String name) {
        Path program = Path.of(requiredProperty("panamashm.native.dir"), name);
        if (!Files.isExecutable(program)) {
            throw new IllegalStateException("C program not built: " + program + " (run the Maven build)");
        }
        return program;
    }

    /** The command line that runs {@code mainClass} in a new JVM like the one running the tests. */
    public static List<String> javaCommand(Class<?> mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-cp");
        command.add(requiredProperty("panamashm.classes.dir") + java.io.File.pathSeparator
                + requiredProperty("panamashm.test.classes.dir") + java.io.File.pathSeparator
                + location(picocli.CommandLine.class)); // the command line's parser
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        return command;
    }

    private static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Started start(List<String> command) {
        try {
            return new Started(new ProcessBuilder(command).redirectErrorStream(true).start(), command);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Runs {@code command} to completion (at most {@code timeoutSeconds}) and returns its exit code and output. */
    public static Finished run(List<String> command, long timeoutSeconds) {
        return start(command).await(timeoutSeconds);
    }

    private static String requiredProperty(String key) {
        String value = System.getProperty(key);
        if (value == null) {
            throw new IllegalStateException("system property " + key + " is not set; run the tests through Maven");
        }
        return value;
    }

    /** A running process whose merged output is collected on a background thread. */
    public static final class Started implements AutoCloseable {
        private final Process process;
        private final List<String> command;
        private final StringBuffer output = new StringBuffer();
        private final Thread reader;

        private Started(Process process, List<String> command) {
            this.process = process;
            this.command = command;
            this.reader = Thread.ofVirtual().start(() -> {
                try (var in = process.inputReader(StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        output.append(line).append('\n');
                    }
                } catch (IOException ignored) {
                    // the process went away; what was read is kept
                }
            });
        }

        public Process process() {
            return process;
        }

        /** Output so far. */
        public String output() {
            return output.toString();
        }

        /** Waits until the output contains {@code text}; false if the process ended or time ran out first. */
        public boolean awaitOutput(String text, long timeoutSeconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (!output().contains(text)) {
                if (System.nanoTime() - deadline > 0 || (!process.isAlive() && !reader.isAlive())) {
                    return output().contains(text);
                }
                Thread.sleep(5);
            }
            return true;
        }

        public Finished await(long timeoutSeconds) {
            try {
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                    reader.join(5_000);
                    throw new AssertionError("timed out after " + timeoutSeconds + " s: " + command
                            + "\noutput:\n" + output());
                }
                reader.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + command, e);
            }
            return new Finished(process.exitValue(), output(), command);
        }

        /**
         * Stops the process if it still runs: SIGTERM first, so that it can clean up (remove its rings),
         * then SIGKILL for it and anything it started.
         */
        @Override
        public void close() {
            if (!process.isAlive()) {
                return;
            }
            process.toHandle().destroy();
            try {
                if (process.waitFor(5, TimeUnit.SECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    public record Finished(int exitCode, String output, List<String> command) {
        public Finished requireSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("exit code " + exitCode + " from " + command + "\noutput:\n" + output);
            }
            return this;
        }
    }
}
