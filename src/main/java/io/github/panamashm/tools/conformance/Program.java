// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One process a scenario runs, the peer's or a reference program, with its output (stdout and
 * stderr) in a file rather than a pipe, so that a program that writes a lot never blocks on it.
 */
final class Program implements AutoCloseable {

    private static final Pattern PRODUCER = Pattern.compile("sent=(\\d+) .*checksum=([0-9a-f]{16})");
    private static final Pattern CONSUMER = Pattern.compile("received=(\\d+) lost=(\\d+) duplicated=(\\d+) "
            + "out_of_order=(\\d+) corrupt=(\\d+) .*checksum=([0-9a-f]{16})");

    private final String label;
    private final Process process;
    private final Path output;

    private Program(String label, Process process, Path output) {
        this.label = label;
        this.process = process;
        this.output = output;
    }

    static Program start(String label, List<String> command, Path output) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            return new Program(label, process, output);
        } catch (IOException e) {
            throw new Failure("cannot start the " + label + " (" + String.join(" ", command) + "): " + e.getMessage());
        }
    }

    /** What the scenario calls it: "peer consumer", "C producer", ... */
    String label() {
        return label;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the exit until {@code deadline} (System.nanoTime); false if it is still running then. */
    boolean awaitExit(long deadline) throws InterruptedException {
        return process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    int exitStatus() {
        return process.exitValue();
    }

    /** SIGKILL, to the process and whatever it started (a wrapper script's JVM). */
    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** SIGSTOP, then waits until the process is stopped (its state in /proc/PID/stat is T). */
    void stop(Signals signals) {
        signals.send("STOP", process.pid());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (process.isAlive() && state() != 'T' && System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
    }

    /** SIGCONT. */
    void resume(Signals signals) {
        signals.send("CONT", process.pid());
    }

    /** SIGTERM: a producer or consumer stops at its next slice and prints its summary (§12). */
    void terminate(Signals signals) {
        signals.send("TERM", process.pid());
    }

    private char state() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException | RuntimeException e) {
            return '?'; // exited meanwhile
        }
    }

    /** The producer's summary line, parsed; a failure naming the program if it printed none. */
    ProducerSummary producerSummary() {
        Matcher m = lastMatch(PRODUCER);
        return new ProducerSummary(Long.parseLong(m.group(1)), Long.parseUnsignedLong(m.group(2), 16));
    }

    /** The consumer's summary line, parsed; a failure naming the program if it printed none. */
    ConsumerSummary consumerSummary() {
        Matcher m = lastMatch(CONSUMER);
        return new ConsumerSummary(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)), Long.parseLong(m.group(5)), Long.parseUnsignedLong(m.group(6), 16));
    }

    private Matcher lastMatch(Pattern pattern) {
        List<String> lines = output().lines().toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            Matcher m = pattern.matcher(lines.get(i));
            if (m.find()) {
                return m;
            }
        }
        throw new Failure("the " + label + " printed no summary line (docs/PROTOCOL.md §12)" + tail());
    }

    String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last lines of its output, as evidence: "; its last output: ...". */
    String tail() {
        List<String> lines = output().strip().lines().toList();
        if (lines.isEmpty()) {
            return "; it printed nothing";
        }
        return "; its last output: " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    /** {@code sent=N ... checksum=HEX}. */
    record ProducerSummary(long sent, long checksum) {
    }

    /** {@code received=N lost=N duplicated=N out_of_order=N corrupt=N ... checksum=HEX}. */
    record ConsumerSummary(long received, long lost, long duplicated, long outOfOrder, long corrupt, long checksum) {

        boolean clean() {
            return lost == 0 && duplicated == 0 && outOfOrder == 0 && corrupt == 0;
        }

        @Override
        public String toString() {
            return String.format("received=%d lost=%d duplicated=%d out_of_order=%d corrupt=%d checksum=%016x",
                    received, lost, duplicated, outOfOrder, corrupt, checksum);
        }
    }
}
