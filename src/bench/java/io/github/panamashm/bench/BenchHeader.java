// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The top of the report: when, the exact command, the machine, how the sides run, and the plan with its counts. */
final class BenchHeader {

    private BenchHeader() {
    }

    static List<String> lines(BenchOptions options, BenchPlan plan, BenchEnv env, BenchMachine machine, List<String> args) {
        List<String> lines = new ArrayList<>();
        lines.add("panama-shm bench, " + OffsetDateTime.now().withNano(0));
        lines.add("command: panama-shm bench" + (args.isEmpty() ? "" : " " + BenchEnv.shellWords(args)));
        lines.add(machine.describe());
        lines.add("java sides: " + env.java() + " " + String.join(" ", BenchEnv.JVM_FLAGS) + " -cp <this JVM's class path>");
        lines.add("native sides: " + env.nativeDir());
        lines.add("scenarios" + (options.only() == null ? "" : " (" + plan.scenarios().size() + " of " + Scenario.ALL.size()
                + ", --only " + options.only().pattern() + ")") + ": sender -> receiver, flags of both sides");
        for (Scenario scenario : plan.scenarios()) {
            lines.add(String.format(Locale.ROOT, "  %-28s %s", scenario.name(), scenario.pairing()));
        }
        lines.add("plan: " + String.join("; ", kinds(plan)));
        lines.add(String.format(Locale.ROOT, "  %d rounds, competitors interleaved round-robin; %d runs, roughly %d min%s",
                plan.rounds(), plan.runs().size(), Math.max(1, Math.round(plan.estimatedSeconds() / 60.0)),
                options.quick() ? " (--quick: 64-byte messages only)" : ""));
        lines.addAll(counts(plan));
        lines.add("every side's exact command line: " + options.out().resolve("commands.txt"));
        lines.add("");
        return lines;
    }

    private static List<String> kinds(BenchPlan plan) {
        List<String> parts = new ArrayList<>();
        int throughput = plan.scenarios(Scenario.Kind.THROUGHPUT).size();
        if (throughput > 0) {
            parts.add(count(throughput, "throughput scenario") + " at " + sizes(plan.throughputSizes()));
        }
        int latency = plan.scenarios(Scenario.Kind.LATENCY).size();
        if (latency > 0) {
            parts.add(count(latency, "latency scenario") + " at " + (plan.latencySizes().isEmpty()
                    ? "no size (latency runs at the sizes up to " + BenchCounts.MAX_LATENCY_SIZE + " B only)"
                    : sizes(plan.latencySizes())));
        }
        int idle = plan.scenarios(Scenario.Kind.IDLE_CPU).size();
        if (idle > 0) {
            parts.add(count(idle, "idle-CPU scenario") + " (" + BenchCounts.IDLE_ROUNDS + " round, "
                    + BenchCounts.IDLE_SETTLE.toSeconds() + " s settle + " + BenchCounts.IDLE_WINDOW.toSeconds()
                    + " s measured)");
        }
        return parts;
    }

    /** Messages or round trips per run (+ warm-up) of each speed class, and the ring slots, from {@link BenchCounts}. */
    private static List<String> counts(BenchPlan plan) {
        Map<String, List<Scenario>> groups = new LinkedHashMap<>();
        for (Scenario scenario : plan.scenarios()) {
            if (scenario.kind() != Scenario.Kind.IDLE_CPU) {
                groups.computeIfAbsent(scenario.kind() + " " + scenario.pace(), k -> new ArrayList<>()).add(scenario);
            }
        }
        List<String> lines = new ArrayList<>();
        if (!groups.isEmpty()) {
            lines.add("counts per run (+ warm-up the sides do not time):");
        }
        for (List<Scenario> group : groups.values()) {
            Scenario first = group.getFirst();
            String what = first.kind() == Scenario.Kind.THROUGHPUT
                    ? (first.pace() == Scenario.Pace.FAST ? "throughput, fast, msgs" : "throughput, slow, msgs")
                    : (first.pace() == Scenario.Pace.FAST ? "latency, spinning, round trips" : "latency, blocking, round trips");
            String perSize = plan.sizes(first).stream().map(size -> {
                BenchCounts.Params p = BenchCounts.of(first, size);
                return String.format(Locale.ROOT, "%d B %,d (+%,d)", size, p.count(), p.warmup());
            }).collect(Collectors.joining(", "));
            if (!perSize.isEmpty()) {
                lines.add("  " + what + ": " + perSize);
                lines.add("    " + group.stream().map(Scenario::name).collect(Collectors.joining(" ")));
            }
        }
        lines.add("ring slots: " + plan.throughputSizes().stream()
                .map(size -> size + " B " + BenchCounts.slots(size)).collect(Collectors.joining(", ")));
        return lines;
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static String sizes(List<Integer> sizes) {
        return sizes.stream().map(String::valueOf).collect(Collectors.joining(", ")) + " B";
    }
}
