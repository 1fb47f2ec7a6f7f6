// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The runs of one benchmark, in order: round by round, and within a round size by size, every selected
 * scenario once (competitors interleaved); the idle-CPU scenarios in the first round(s) only.
 *
 * @param scenarios       the selected scenarios
 * @param throughputSizes the sizes of the throughput scenarios
 * @param latencySizes    the sizes of the latency scenarios (those of the throughput ones up to 4096)
 * @param rounds          rounds of the throughput and latency scenarios
 * @param runs            every run, in order
 */
record BenchPlan(List<Scenario> scenarios, List<Integer> throughputSizes, List<Integer> latencySizes, int rounds,
                 List<Run> runs) {

    /** About how long an idle-CPU run takes: ready, settle, window, kill. */
    static final long IDLE_RUN_SECONDS = BenchCounts.IDLE_SETTLE.plus(BenchCounts.IDLE_WINDOW).toSeconds() + 1;

    /**
     * One run.
     *
     * @param number unique in this benchmark, from 1; names the run's channel
     * @param round  from 1
     */
    record Run(int number, int round, Scenario scenario, int size) {
    }

    static BenchPlan of(BenchOptions options) {
        Pattern only = options.only();
        List<Scenario> scenarios = Scenario.ALL.stream()
                .filter(s -> only == null || only.matcher(s.name()).find())
                .toList();
        List<Integer> latencySizes = options.sizes().stream().filter(s -> s <= BenchCounts.MAX_LATENCY_SIZE).toList();
        int idleRounds = Math.min(BenchCounts.IDLE_ROUNDS, options.rounds());
        List<Run> runs = new ArrayList<>();
        for (int round = 1; round <= options.rounds(); round++) {
            for (int size : options.sizes()) {
                for (Scenario scenario : scenarios) {
                    boolean measured = switch (scenario.kind()) {
                        case THROUGHPUT -> true;
                        case LATENCY -> latencySizes.contains(size);
                        case IDLE_CPU -> false;
                    };
                    if (measured) {
                        runs.add(new Run(runs.size() + 1, round, scenario, size));
                    }
                }
            }
            if (round <= idleRounds) {
                for (Scenario scenario : scenarios) {
                    if (scenario.kind() == Scenario.Kind.IDLE_CPU) {
                        runs.add(new Run(runs.size() + 1, round, scenario, BenchCounts.IDLE_SIZE));
                    }
                }
            }
        }
        return new BenchPlan(scenarios, options.sizes(), latencySizes, options.rounds(), List.copyOf(runs));
    }

    List<Scenario> scenarios(Scenario.Kind kind) {
        return scenarios.stream().filter(s -> s.kind() == kind).toList();
    }

    /** The sizes {@code scenario} runs at. */
    List<Integer> sizes(Scenario scenario) {
        return switch (scenario.kind()) {
            case THROUGHPUT -> throughputSizes;
            case LATENCY -> latencySizes;
            case IDLE_CPU -> List.of(BenchCounts.IDLE_SIZE);
        };
    }

    /** A rough duration of the whole plan in seconds, for the header. */
    long estimatedSeconds() {
        long seconds = 0;
        for (Run run : runs) {
            seconds += run.scenario().kind() == Scenario.Kind.IDLE_CPU
                    ? IDLE_RUN_SECONDS : BenchCounts.TYPICAL_RUN.toSeconds();
        }
        return seconds;
    }
}
