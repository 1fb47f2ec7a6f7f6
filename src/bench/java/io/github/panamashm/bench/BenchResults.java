// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every run's measurements, failures and notes, as they come in; medians on request. */
final class BenchResults {

    static final String MSGS_PER_S = "msgs_per_s";
    static final String P50 = "p50_ns";
    static final String P99 = "p99_ns";
    static final String P999 = "p999_ns";
    static final String MAX = "max_ns";
    static final String SAMPLES = "samples";
    static final String IDLE_CPU_MS = "cpu_ms_per_10s";
    static final String IDLE_STAT_CPU_MS = "stat_cpu_ms_per_10s";
    /** The idle consumer's waiting thread alone: what the ring costs, without the JVM's own threads. */
    static final String IDLE_WAITER_CPU_MS = "waiter_cpu_ms_per_10s";
    /** The metric of a failed run's row in results.csv (value 1). */
    static final String FAILED = "failed";

    /**
     * What one run produced.
     *
     * @param metrics by name, in order; empty when the run failed
     * @param failure why the run failed (with the sides' output), or null
     * @param notes   things worth a line in the report that did not fail the run
     */
    record Outcome(Map<String, Double> metrics, String failure, List<String> notes) {

        Outcome {
            metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
            notes = List.copyOf(notes);
        }

        static Outcome failed(String failure, List<String> notes) {
            return new Outcome(Map.of(), failure, notes);
        }

        boolean ok() {
            return failure == null;
        }
    }

    /** One finished run. */
    record Record(BenchPlan.Run run, Outcome outcome, double seconds) {
    }

    private final List<Record> records = new ArrayList<>();

    void add(BenchPlan.Run run, Outcome outcome, double seconds) {
        records.add(new Record(run, outcome, seconds));
    }

    List<Record> records() {
        return List.copyOf(records);
    }

    List<Record> failures() {
        return records.stream().filter(r -> !r.outcome().ok()).toList();
    }

    /** Whether {@code scenario} ran at {@code size} at all. */
    boolean ran(String scenario, int size) {
        return records.stream().anyMatch(r -> matches(r, scenario, size));
    }

    /** The metric over the rounds of {@code scenario} at {@code size}; failed rounds are counted, not measured. */
    BenchStats stats(String scenario, int size, String metric) {
        List<Double> values = new ArrayList<>();
        int failed = 0;
        for (Record record : records) {
            if (matches(record, scenario, size)) {
                if (!record.outcome().ok()) {
                    failed++;
                } else if (record.outcome().metrics().containsKey(metric)) {
                    values.add(record.outcome().metrics().get(metric));
                }
            }
        }
        return BenchStats.of(values, failed);
    }

    /** The metrics measured for {@code scenario} at {@code size}, in first-seen order. */
    List<String> metrics(String scenario, int size) {
        List<String> metrics = new ArrayList<>();
        for (Record record : records) {
            if (matches(record, scenario, size)) {
                for (String metric : record.outcome().metrics().keySet()) {
                    if (!metrics.contains(metric)) {
                        metrics.add(metric);
                    }
                }
            }
        }
        return metrics;
    }

    private static boolean matches(Record record, String scenario, int size) {
        return record.run().scenario().name().equals(scenario) && record.run().size() == size;
    }
}
