// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The progress line on stderr: refreshed in place ({@code \r}) on a terminal, otherwise one line per
 * finished run. Failures are printed in full, on lines of their own.
 */
final class BenchProgress {

    private final PrintStream err;
    private final boolean terminal;
    private final BenchPlan plan;
    private final int total;
    private final long start = System.nanoTime();
    private int done;
    private double pairSeconds;
    private int pairs;
    private int width;

    BenchProgress(PrintStream err, BenchPlan plan) {
        Console console = System.console();
        this.err = err;
        this.terminal = console != null && console.isTerminal();
        this.plan = plan;
        this.total = plan.runs().size();
    }

    /** Before a run: on a terminal, shows what is running now. */
    void starting(BenchPlan.Run run) {
        if (terminal) {
            show(prefix(done + 1, run) + "running...");
        }
    }

    /** After a run: its result, or its failure in full. */
    void finished(BenchPlan.Run run, BenchResults.Outcome outcome, double seconds) {
        done++;
        if (run.scenario().kind() != Scenario.Kind.IDLE_CPU) {
            pairSeconds += seconds;
            pairs++;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        String text = prefix(done, run) + (outcome.ok() ? summary(outcome) : "FAILED")
                + String.format(Locale.ROOT, " (%.1f s)", seconds)
                + "  elapsed " + clock(elapsed) + (done < total ? ", about " + clock(secondsLeft()) + " left" : "");
        if (terminal) {
            show(text);
        } else {
            err.println(text);
        }
        if (!outcome.ok()) {
            if (terminal) {
                err.println();
                width = 0;
            }
            err.println("panama-shm bench: " + run.scenario().name() + " " + run.size() + " B round " + run.round()
                    + " failed: " + outcome.failure());
        }
        err.flush();
    }

    /** Ends the refreshed line. */
    void close() {
        if (terminal && width > 0) {
            err.println();
            err.flush();
        }
    }

    /** The remaining runs at the average duration so far (idle-CPU runs at their fixed 12+ s). */
    private double secondsLeft() {
        double perPair = pairs == 0 ? BenchCounts.TYPICAL_RUN.toSeconds() : pairSeconds / pairs;
        double left = 0;
        for (BenchPlan.Run run : plan.runs().subList(done, total)) {
            left += run.scenario().kind() == Scenario.Kind.IDLE_CPU ? BenchPlan.IDLE_RUN_SECONDS : perPair;
        }
        return left;
    }

    private String prefix(int number, BenchPlan.Run run) {
        int digits = Integer.toString(total).length();
        return String.format(Locale.ROOT, "[%" + digits + "d/%d] round %d  %-28s %6d B  ", number, total, run.round(),
                run.scenario().name(), run.size());
    }

    private static String summary(BenchResults.Outcome outcome) {
        var m = outcome.metrics();
        if (m.containsKey(BenchResults.MSGS_PER_S)) {
            return ResultTable.rate(m.get(BenchResults.MSGS_PER_S)) + " msgs/s";
        }
        if (m.containsKey(BenchResults.P50)) {
            return "p50 " + ResultTable.nanos(m.get(BenchResults.P50)) + " p99 " + ResultTable.nanos(m.get(BenchResults.P99));
        }
        if (m.containsKey(BenchResults.IDLE_CPU_MS)) {
            return String.format(Locale.ROOT, "%.1f ms CPU per 10 s idle, %s in the waiting thread",
                    m.get(BenchResults.IDLE_CPU_MS), m.containsKey(BenchResults.IDLE_WAITER_CPU_MS)
                            ? String.format(Locale.ROOT, "%.1f ms", m.get(BenchResults.IDLE_WAITER_CPU_MS)) : "?");
        }
        return "ok";
    }

    private void show(String text) {
        String padded = text.length() < width ? text + " ".repeat(width - text.length()) : text;
        err.print("\r" + padded);
        err.flush();
        width = text.length();
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? s / 60 + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s" : s + "s";
    }
}
