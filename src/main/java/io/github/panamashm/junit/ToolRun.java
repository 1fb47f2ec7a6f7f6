// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.junit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a build tool (the C compiler, readelf) to its end, within a time limit, keeping what it printed. */
final class ToolRun {

    private ToolRun() {
    }

    /**
     * Runs {@code command} in {@code directory}; its messages go to a file there, so that a tool that
     * hangs cannot outlast the limit by holding a pipe.
     *
     * @return what it printed (stdout and stderr)
     * @throws IllegalStateException if it cannot start, runs too long, or exits non-zero; the message
     *                               says {@code what} failed, with the command and its output
     * @throws IOException if the directory cannot be written
     */
    static String run(List<String> command, Path directory, long timeoutSeconds, String what, String install)
            throws IOException, InterruptedException {
        Path messages = Files.createTempFile(directory, "tool", ".log");
        try {
            Process process;
            try {
                process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                        .redirectOutput(messages.toFile()).start();
            } catch (IOException e) {
                throw new IllegalStateException(what + ": cannot run '" + command.getFirst() + "' (" + install + "): "
                        + e.getMessage(), e);
            }
            boolean done = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!done) {
                process.destroyForcibly().waitFor();
            }
            String output = Files.readString(messages, StandardCharsets.UTF_8);
            if (!done || process.exitValue() != 0) {
                throw new IllegalStateException(what + " (" + String.join(" ", command)
                        + (done ? "" : ", stopped after " + timeoutSeconds + " s") + "):\n" + output.strip());
            }
            return output;
        } finally {
            Files.deleteIfExists(messages);
        }
    }
}
