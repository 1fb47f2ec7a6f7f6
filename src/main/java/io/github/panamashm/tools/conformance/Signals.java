// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.conformance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * Sends signals through one shell that stays up, whose {@code kill} is a builtin: a SIGSTOP and a
 * SIGCONT cost a pipe's round trip rather than starting a process each, so that a peer can be
 * stopped thousands of times until it is caught holding a position.
 */
final class Signals implements AutoCloseable {

    private final Process shell;
    private final Writer commands;
    private final BufferedReader replies;

    Signals() throws IOException {
        shell = new ProcessBuilder("/bin/sh", "-c", "while read -r sig pid; do kill -s \"$sig\" \"$pid\" 2>/dev/null; "
                + "echo $?; done").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        commands = new OutputStreamWriter(shell.getOutputStream(), StandardCharsets.US_ASCII);
        replies = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.US_ASCII));
    }

    /** Sends {@code signal} (e.g. "STOP") to {@code pid}; false if there is no such process any more. */
    synchronized boolean send(String signal, long pid) {
        try {
            commands.write(signal + " " + pid + "\n");
            commands.flush();
            return "0".equals(replies.readLine());
        } catch (IOException e) {
            throw new Failure("cannot send SIG" + signal + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        shell.destroyForcibly();
    }
}
