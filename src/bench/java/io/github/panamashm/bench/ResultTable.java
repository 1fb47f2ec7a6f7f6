// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The report's tables: medians (and min-max over rounds) per scenario and size. */
final class ResultTable {

    private ResultTable() {
    }

    static List<String> lines(BenchPlan plan, BenchResults results) {
        List<String> lines = new ArrayList<>();
        List<Scenario> throughput = plan.scenarios(Scenario.Kind.THROUGHPUT);
        if (!throughput.isEmpty()) {
            lines.add("throughput: messages/s, median of the rounds (min-max over rounds); higher is better");
            lines.add(String.format(Locale.ROOT, "  %-20s %6s  %10s  %-23s %s", "scenario", "size", "median", "min-max",
                    "rounds"));
            for (Scenario scenario : throughput) {
                for (int size : plan.sizes(scenario)) {
                    BenchStats s = results.stats(scenario.name(), size, BenchResults.MSGS_PER_S);
                    lines.add(String.format(Locale.ROOT, "  %-20s %6d  %10s  %-23s %s", scenario.name(), size,
                            rate(s.median()), s.usable() ? rate(s.min()) + " - " + rate(s.max()) : "", rounds(s)));
                }
            }
            lines.add("");
        }
        List<Scenario> latency = plan.scenarios(Scenario.Kind.LATENCY);
        if (!latency.isEmpty()) {
            lines.add("latency: ping-pong round trip, median over rounds of each percentile (min-max of p50 over"
                    + " rounds); lower is better");
            lines.add(String.format(Locale.ROOT, "  %-28s %5s  %9s %9s %9s %9s  %-21s %s", "scenario", "size", "p50",
                    "p99", "p99.9", "max", "p50 min-max", "rounds"));
            for (Scenario scenario : latency) {
                for (int size : plan.sizes(scenario)) {
                    String name = scenario.name();
                    BenchStats p50 = results.stats(name, size, BenchResults.P50);
                    lines.add(String.format(Locale.ROOT, "  %-28s %5d  %9s %9s %9s %9s  %-21s %s", name, size,
                            nanos(p50.median()), nanos(results.stats(name, size, BenchResults.P99).median()),
                            nanos(results.stats(name, size, BenchResults.P999).median()),
                            nanos(results.stats(name, size, BenchResults.MAX).median()),
                            p50.usable() ? nanos(p50.min()) + " - " + nanos(p50.max()) : "", rounds(p50)));
                }
            }
            lines.add("");
        }
        List<Scenario> idle = plan.scenarios(Scenario.Kind.IDLE_CPU);
        if (!idle.isEmpty()) {
            lines.add("idle CPU: ms on CPU per 10 s of a consumer with nothing to consume (default wait policy),"
                    + " the waiting thread and the whole process; lower is better");
            for (Scenario scenario : idle) {
                BenchStats waiter = results.stats(scenario.name(), BenchCounts.IDLE_SIZE, BenchResults.IDLE_WAITER_CPU_MS);
                BenchStats s = results.stats(scenario.name(), BenchCounts.IDLE_SIZE, BenchResults.IDLE_CPU_MS);
                lines.add(String.format(Locale.ROOT, "  %-20s %10s  %10s  %s", scenario.name(),
                        waiter.usable() ? String.format(Locale.ROOT, "%.1f ms", waiter.median()) : "-",
                        s.usable() ? String.format(Locale.ROOT, "%.1f ms", s.median()) : "-", rounds(s)));
            }
            lines.add("");
        }
        return lines;
    }

    private static String rounds(BenchStats stats) {
        if (stats.ok() == 0 && stats.failed() == 0) {
            return "not run";
        }
        if (stats.ok() == 0) {
            return "FAILED (" + stats.failed() + " of " + stats.failed() + ")";
        }
        return stats.ok() + (stats.failed() > 0 ? " (" + stats.failed() + " FAILED)" : "");
    }

    /** 25.31M, 812.4k, 950 */
    static String rate(double perSecond) {
        if (Double.isNaN(perSecond)) {
            return "-";
        }
        if (perSecond >= 1e9) {
            return String.format(Locale.ROOT, "%.2fG", perSecond / 1e9);
        }
        if (perSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", perSecond / 1e6);
        }
        if (perSecond >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", perSecond);
    }

    /** 412ns, 55.2us, 1.23ms (ASCII, for any terminal) */
    static String nanos(double ns) {
        if (Double.isNaN(ns)) {
            return "-";
        }
        if (ns < 10_000) {
            return String.format(Locale.ROOT, "%.0fns", ns);
        }
        if (ns < 10_000_000) {
            return String.format(Locale.ROOT, "%.1fus", ns / 1e3);
        }
        if (ns < 10_000_000_000.0) {
            return String.format(Locale.ROOT, "%.2fms", ns / 1e6);
        }
        return String.format(Locale.ROOT, "%.2fs", ns / 1e9);
    }
}
