// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.testing;

import io.github.panamashm.junit.Peer;
import io.github.panamashm.junit.PeerResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The command lines of this project's real processes for cross-process tests, the compiled C
 * programs and second JVMs running a main class of the project or its tests, started as the JUnit
 * kit's {@link Peer}s (output merged and kept).
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

    /** Starts {@code command}; the caller stops it (try-with-resources). */
    public static Peer start(List<String> command) {
        return Peer.start(command);
    }

    /** Runs {@code command} to completion (at most {@code timeoutSeconds}) and returns its exit code and output. */
    public static PeerResult run(List<String> command, long timeoutSeconds) {
        try (Peer peer = Peer.start(command)) {
            return peer.awaitExit(Duration.ofSeconds(timeoutSeconds));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + command, e);
        }
    }

    private static String requiredProperty(String key) {
        String value = System.getProperty(key);
        if (value == null) {
            throw new IllegalStateException("system property " + key + " is not set; run the tests through Maven");
        }
        return value;
    }
}
