// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.junit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An external program that a test started through {@link Peers}: a C consumer, another JVM, any
 * command. Its standard output and error are collected, merged, as it runs. The extension stops it
 * when the test ends if it is still running ({@link #close()}), and puts its output into the test
 * report. {@link #start(List)} starts one outside the extension, for try-with-resources.
 */
public final class Peer implements AutoCloseable {

    private final List<String> command;
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;

    Peer(List<String> command) {
        this.command = List.copyOf(command);
        try {
            this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        this.reader = Thread.ofVirtual().start(() -> {
            try (var in = process.inputReader(StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.append(line).append('\n');
                }
            } catch (IOException gone) {
                // the process went away: what was read is kept
            }
        });
    }

    /**
     * Starts {@code command} outside any test's {@link Peers}: the caller stops it, e.g. with
     * try-with-resources.
     *
     * @param command the program and its arguments
     * @return the running peer
     * @throws UncheckedIOException if it cannot be started
     */
    public static Peer start(List<String> command) {
        return new Peer(command);
    }

    /**
     * The command line it runs.
     *
     * @return the program and its arguments
     */
    public List<String> command() {
        return command;
    }

    /**
     * The process, e.g. to send it a signal with {@code process().toHandle().destroy()}.
     *
     * @return the running (or ended) process
     */
    public Process process() {
        return process;
    }

    /**
     * Its output so far, standard output and error merged.
     *
     * @return the text it printed up to now
     */
    public String output() {
        return output.toString();
    }

    /**
     * Waits until its output contains {@code text}, e.g. a line saying it is ready.
     *
     * @param text    what to wait for
     * @param timeout how long to wait at most
     * @return true if the text appeared; false if the process ended or the time ran out first
     * @throws InterruptedException if the thread is interrupted while it waits
     */
    public boolean awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!output().contains(text)) {
            if (System.nanoTime() - deadline > 0 || (!process.isAlive() && !reader.isAlive())) {
                return output().contains(text);
            }
            Thread.sleep(5);
        }
        return true;
    }

    /**
     * Waits for it to exit and returns how it ended. If it does not exit in time it is killed, and
     * the call fails with its output.
     *
     * @param timeout how long to wait at most
     * @return its exit status and output
     * @throws InterruptedException if the thread is interrupted while it waits
     * @throws AssertionError if it did not exit within {@code timeout}
     */
    public PeerResult awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            kill();
            throw new AssertionError("peer " + command + " did not exit within " + timeout + "; its output:\n"
                    + output());
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        String text = output();
        if (reader.isAlive()) { // a process it started still holds its output open
            text += "\n(output cut short: a process it started still holds its output open)\n";
        }
        return new PeerResult(process.exitValue(), text);
    }

    /** Kills it (SIGKILL) and its descendants, if still running. */
    public void kill() {
        List<ProcessHandle> descendants = process.descendants().toList(); // before it dies: then they are orphans
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * Stops it if it still runs: SIGTERM first, so that it can clean up (print its summary, remove
     * its rings), then, after five seconds, SIGKILL for it and anything it started.
     */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        List<ProcessHandle> descendants = process.descendants().toList(); // e.g. the JVM a script started
        process.toHandle().destroy();
        descendants.forEach(ProcessHandle::destroy);
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public String toString() {
        return "peer " + command + (process.isAlive() ? " (running)" : " (exit " + process.exitValue() + ")");
    }
}
