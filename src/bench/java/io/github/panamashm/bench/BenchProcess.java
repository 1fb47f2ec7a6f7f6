// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One running side: its stdout is read line by line for {@code ready} and the {@code result} line, the
 * last lines of its stdout and stderr are kept for error messages.
 */
final class BenchProcess {

    private static final int KEPT_LINES = 200;
    private static final Duration READER_JOIN = Duration.ofSeconds(5);

    private final String label;
    private final List<String> command;
    private final Process process;
    private final BenchCleanup cleanup;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Deque<String> stdout = new ArrayDeque<>();
    private final Deque<String> stderr = new ArrayDeque<>();
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private volatile String result;
    private volatile boolean stopped;

    private BenchProcess(String label, List<String> command, Process process, BenchCleanup cleanup) {
        this.label = label;
        this.command = command;
        this.process = process;
        this.cleanup = cleanup;
        this.stdoutReader = reader(process.getInputStream(), this::onStdout, label + "-out");
        this.stderrReader = reader(process.getErrorStream(), line -> keep(stderr, line), label + "-err");
    }

    /**
     * Starts {@code command} with stdin from /dev/null.
     *
     * @param label "receiver" or "sender", for messages
     */
    static BenchProcess start(String label, List<String> command, BenchCleanup cleanup) throws IOException {
        Process process = new ProcessBuilder(command).redirectInput(new File("/dev/null")).start();
        cleanup.started(process);
        return new BenchProcess(label, command, process, cleanup);
    }

    String label() {
        return label;
    }

    List<String> command() {
        return command;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until the side printed {@code ready}; false if it exited first or {@code timeout} passed. */
    boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ready.await(20, TimeUnit.MILLISECONDS)) {
                return true;
            }
            if (!process.isAlive()) {
                stdoutReader.join(READER_JOIN.toMillis()); // it may have printed ready just before exiting
                return ready.getCount() == 0;
            }
        }
        return ready.getCount() == 0;
    }

    /** Completes when the side exited. */
    CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /** The exit status; only after the side exited. */
    int exitStatus() {
        return process.exitValue();
    }

    /** After the side exited: waits until its output has been read to the end. */
    void drain() throws InterruptedException {
        stdoutReader.join(READER_JOIN.toMillis());
        stderrReader.join(READER_JOIN.toMillis());
        cleanup.ended(process);
    }

    /** Kills the side if it still runs (SIGTERM, then SIGKILL) and reads the rest of its output. */
    void stop() throws InterruptedException {
        if (process.isAlive()) {
            stopped = true;
            BenchCleanup.kill(process);
        }
        drain();
    }

    /** The last line starting with {@code result }, or null. */
    String resultLine() {
        return result;
    }

    /**
     * The command (the class path abbreviated; commands.txt has it), exit status and the kept output, for a
     * failure message.
     */
    String describe() {
        List<String> shown = new ArrayList<>(command);
        int cp = shown.indexOf("-cp");
        if (cp >= 0 && cp + 1 < shown.size()) {
            shown.set(cp + 1, "CLASSPATH");
        }
        StringBuilder text = new StringBuilder();
        text.append("    ").append(label).append(" (pid ").append(process.pid()).append("): ")
                .append(BenchEnv.shellWords(shown)).append('\n');
        text.append("    ").append(label).append(" exit status: ")
                .append(process.isAlive() ? "still running" : process.exitValue()
                        + (stopped ? " (stopped by the benchmark)" : "")).append('\n');
        append(text, "stderr", stderr);
        append(text, "stdout", stdout);
        return text.toString();
    }

    private static void append(StringBuilder text, String stream, Deque<String> lines) {
        synchronized (lines) {
            if (lines.isEmpty()) {
                text.append("    (no ").append(stream).append(")\n");
                return;
            }
            text.append("    ").append(stream).append(lines.size() == KEPT_LINES ? " (last " + KEPT_LINES + " lines)" : "")
                    .append(":\n");
            for (String line : lines) {
                text.append("      | ").append(line).append('\n');
            }
        }
    }

    private void onStdout(String line) {
        String trimmed = line.strip();
        if (trimmed.equals("ready")) {
            ready.countDown();
        } else if (trimmed.startsWith("result ")) {
            result = trimmed;
        }
        keep(stdout, line);
    }

    private static void keep(Deque<String> lines, String line) {
        synchronized (lines) {
            if (lines.size() == KEPT_LINES) {
                lines.removeFirst();
            }
            lines.addLast(line);
        }
    }

    private static Thread reader(InputStream stream, Consumer<String> sink, String name) {
        return Thread.ofPlatform().daemon().name(name).start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                // the process went away; what was read is kept
            }
        });
    }
}
