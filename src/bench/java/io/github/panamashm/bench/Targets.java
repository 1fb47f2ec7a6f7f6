// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The named targets: ratios of 64-byte medians of the same benchmark run, each with a goal the ratio
 * must reach. Throughput ratios are ours over theirs; latency ratios theirs over ours, so that higher is
 * better everywhere. The idle-CPU targets are the goal (2 ms per 10 s) over the waiting thread's CPU time,
 * and over the ring's share of an idle Java consumer's CPU ({@link #idleFloorLine}).
 * Figures are ratios printed the same way without a goal: they measure this machine (its kernel's
 * copies and wake-ups) more than the ring, so they are reported, not judged.
 */
final class Targets {

    /**
     * A median: {@code metric} of {@code scenario} at 64 bytes.
     */
    record Input(String scenario, String metric) {
    }

    /**
     * @param name        as printed
     * @param goal        as printed; the ratio must be at least this (null for a figure)
     * @param numerator   over
     * @param denominator (null for the idle-CPU targets, whose numerator is the CPU time)
     */
    record Target(String name, String goal, Input numerator, Input denominator) {

        List<Input> inputs() {
            return denominator == null ? List.of(numerator) : List.of(numerator, denominator);
        }

        boolean idle() {
            return denominator == null;
        }

        boolean figure() {
            return goal == null;
        }
    }

    /** The ring's share of an idle Java consumer's CPU, judged in {@link #idleFloorLine}. */
    static final String IDLE_RING_SHARE = "idle-java-ring-share";

    static final List<Target> ALL = List.of(
            ratio("spsc64-java-vs-agrona", "2.0", "pshm-java-spsc", "agrona", BenchResults.MSGS_PER_S),
            ratio("spsc64-java-vs-c", "0.9", "pshm-java-spsc", "pshm-c-spsc", BenchResults.MSGS_PER_S),
            ratio("mpmc64-java-vs-agrona", "1.0", "pshm-java-mpmc", "agrona", BenchResults.MSGS_PER_S),
            ratio("spsc64-java-to-c-vs-c", "0.9", "pshm-java-to-c", "pshm-c-spsc", BenchResults.MSGS_PER_S),
            ratio("spsc64-c-to-java-vs-c", "0.9", "pshm-c-to-java", "pshm-c-spsc", BenchResults.MSGS_PER_S),
            ratio("typed64-java-to-c-vs-untyped", "1.0", "pshm-typed-java-to-c", "pshm-java-to-c", BenchResults.MSGS_PER_S),
            ratio("spsc64-c-vs-cring", "1.0", "pshm-c-spsc", "cring", BenchResults.MSGS_PER_S),
            ratio("copy64-vs-claim", "0.9", "pshm-java-copy", "pshm-java-spsc", BenchResults.MSGS_PER_S),
            ratio("batch64-java-vs-cring-batch", "0.8", "pshm-java-batch", "cring-batch", BenchResults.MSGS_PER_S),
            ratio("batch64-java-vs-uds", null, "pshm-java-batch", "uds-batch", BenchResults.MSGS_PER_S),
            ratio("pingpong-java-vs-agrona", "1.0", "pingpong-agrona", "pingpong-pshm-java-spin", BenchResults.P50),
            ratio("pingpong-java-vs-pshm-c", "0.9", "pingpong-pshm-c-spin", "pingpong-pshm-java-spin", BenchResults.P50),
            ratio("pingpong-java-vs-c", "0.9", "pingpong-cring", "pingpong-pshm-java-spin", BenchResults.P50),
            ratio("pingpong-wait-p99-vs-spin-p99", "0.5", "pingpong-pshm-java-spin", "pingpong-pshm-java-standard",
                    BenchResults.P99),
            ratio("pingpong-blocking-vs-uds", "1.4", "pingpong-uds", "pingpong-pshm-java-sleep", BenchResults.P50),
            ratio("blocking-vs-spin", "0.8", "pshm-java-sleep", "pshm-java-spsc", BenchResults.MSGS_PER_S),
            ratio("spsc64-java-vs-textbook", null, "pshm-java-spsc", "textbook", BenchResults.MSGS_PER_S),
            new Target("idle-cpu-java", "1", new Input("idle-cpu-java", BenchResults.IDLE_WAITER_CPU_MS), null),
            new Target("idle-cpu-c", "1", new Input("idle-cpu-c", BenchResults.IDLE_WAITER_CPU_MS), null));

    private Targets() {
    }

    /**
     * One line per target: {@code target NAME ratio=X.XX goal=Y met|missed} ({@code figure NAME ratio=X.XX}
     * for a figure), or a {@code note:} line for one whose scenarios did not run.
     */
    static List<String> lines(BenchResults results) {
        List<String> lines = new ArrayList<>();
        for (Target target : ALL) {
            lines.add(line(target, results));
        }
        idleFloorLine(results).ifPresent(lines::add);
        return lines;
    }

    /**
     * The idle Java consumer against a JVM without a ring ({@code idle-cpu-jvm-floor}), same run: the
     * JVM's own floor is that JVM less its once-a-second thread, and the ring's share is what the
     * consumer's whole JVM uses above it (its waiting thread, and whatever else the ring makes the JVM
     * do), judged against the same 2 ms per 10 s as the waiting thread. {@code wake_ms} is what a
     * thread that only wakes once a second costs any Java program here (the floor JVM's thread).
     */
    static Optional<String> idleFloorLine(BenchResults results) {
        int size = BenchCounts.IDLE_SIZE;
        if (!results.ran("idle-cpu-java", size) || !results.ran("idle-cpu-jvm-floor", size)) {
            return Optional.empty();
        }
        BenchStats java = results.stats("idle-cpu-java", size, BenchResults.IDLE_CPU_MS);
        BenchStats floor = results.stats("idle-cpu-jvm-floor", size, BenchResults.IDLE_CPU_MS);
        BenchStats wake = results.stats("idle-cpu-jvm-floor", size, BenchResults.IDLE_WAITER_CPU_MS);
        if (!java.usable() || !floor.usable() || !wake.usable()) {
            return Optional.of("target " + IDLE_RING_SHARE + " ratio=NaN goal=1 missed (an idle scenario failed)");
        }
        double jvmFloor = floor.median() - wake.median();
        return Optional.of(idleLine(IDLE_RING_SHARE, java.median() - jvmFloor) + String.format(Locale.ROOT,
                " wake_ms=%.1f (the consumer's JVM %.1f ms, a JVM without a ring %.1f ms of which its once-a-second"
                + " thread %.1f)", wake.median(), java.median(), floor.median(), wake.median()));
    }

    /** An idle-CPU target's line: the goal (2 ms per 10 s) over {@code actualMs}, which must reach 1. */
    private static String idleLine(String name, double actualMs) {
        double ratio = actualMs <= 0 ? Double.POSITIVE_INFINITY : BenchCounts.IDLE_GOAL_MS / actualMs;
        return "target " + name + " ratio=" + format(ratio) + " goal=1 " + (ratio >= 1 ? "met" : "missed")
                + String.format(Locale.ROOT, " actual_ms=%.1f", actualMs);
    }

    static String line(Target target, BenchResults results) {
        int size = target.idle() ? BenchCounts.IDLE_SIZE : BenchCounts.TARGET_SIZE;
        for (Input input : target.inputs()) {
            if (!results.ran(input.scenario(), size)) {
                return "note: " + (target.figure() ? "figure " : "target ") + target.name() + " skipped: scenario " + input.scenario() + " did not run at "
                        + size + " bytes (--only or --sizes)";
            }
        }
        String judged = target.figure() ? "" : " goal=" + target.goal();
        for (Input input : target.inputs()) {
            BenchStats stats = results.stats(input.scenario(), size, input.metric());
            if (stats.failed() > 0 || !stats.usable()) {
                String how = stats.ok() == 0 ? "" : " in " + stats.failed() + " of " + (stats.failed() + stats.ok()) + " rounds";
                return (target.figure() ? "figure " : "target ") + target.name() + " ratio=NaN" + judged
                        + (target.figure() ? "" : " missed") + " (scenario " + input.scenario() + " failed" + how + ")";
            }
        }
        double numerator = results.stats(target.numerator().scenario(), size, target.numerator().metric()).median();
        if (target.idle()) {
            return idleLine(target.name(), numerator);
        }
        double denominator = results.stats(target.denominator().scenario(), size, target.denominator().metric()).median();
        double ratio = numerator / denominator;
        if (target.figure()) {
            return "figure " + target.name() + " ratio=" + format(ratio);
        }
        return "target " + target.name() + " ratio=" + format(ratio) + " goal=" + target.goal() + " "
                + (ratio >= Double.parseDouble(target.goal()) ? "met" : "missed");
    }

    /**
     * Two decimals, rounded down, so that the printed ratio is at least the goal exactly when the ratio is
     * ({@code 1.996} prints as {@code 1.99}, missing a goal of 2).
     */
    static String format(double ratio) {
        if (Double.isNaN(ratio)) {
            return "NaN";
        }
        if (Double.isInfinite(ratio)) {
            return ratio > 0 ? "inf" : "-inf";
        }
        return BigDecimal.valueOf(ratio).setScale(2, RoundingMode.FLOOR).toPlainString();
    }

    private static Target ratio(String name, String goal, String numerator, String denominator, String metric) {
        return new Target(name, goal, new Input(numerator, metric), new Input(denominator, metric));
    }
}
