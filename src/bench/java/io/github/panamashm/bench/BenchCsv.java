// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * results.csv (one row per run and metric; a failed run is one row {@code failed,1}) and summary.csv
 * (per scenario, size and metric: median, min, max, rounds measured and failed).
 */
final class BenchCsv {

    private BenchCsv() {
    }

    static void writeResults(Path file, BenchResults results) throws IOException {
        List<String> rows = new ArrayList<>();
        rows.add("scenario,size,round,metric,value");
        for (BenchResults.Record record : results.records()) {
            BenchPlan.Run run = record.run();
            String prefix = run.scenario().name() + "," + run.size() + "," + run.round() + ",";
            if (!record.outcome().ok()) {
                rows.add(prefix + BenchResults.FAILED + ",1");
                continue;
            }
            for (Map.Entry<String, Double> metric : record.outcome().metrics().entrySet()) {
                rows.add(prefix + metric.getKey() + "," + number(metric.getValue()));
            }
        }
        Files.write(file, rows, StandardCharsets.UTF_8);
    }

    static void writeSummary(Path file, BenchPlan plan, BenchResults results) throws IOException {
        List<String> rows = new ArrayList<>();
        rows.add("scenario,size,metric,median,min,max,rounds,failed_rounds");
        for (Scenario scenario : plan.scenarios()) {
            for (int size : plan.sizes(scenario)) {
                List<String> metrics = results.metrics(scenario.name(), size);
                if (metrics.isEmpty() && results.ran(scenario.name(), size)) {
                    metrics = List.of(primary(scenario));
                }
                for (String metric : metrics) {
                    BenchStats s = results.stats(scenario.name(), size, metric);
                    rows.add(String.join(",", scenario.name(), Integer.toString(size), metric, number(s.median()),
                            number(s.min()), number(s.max()), Integer.toString(s.ok()), Integer.toString(s.failed())));
                }
            }
        }
        Files.write(file, rows, StandardCharsets.UTF_8);
    }

    /** The metric a failed-only scenario is listed under. */
    private static String primary(Scenario scenario) {
        return switch (scenario.kind()) {
            case THROUGHPUT -> BenchResults.MSGS_PER_S;
            case LATENCY -> BenchResults.P50;
            case IDLE_CPU -> BenchResults.IDLE_CPU_MS;
        };
    }

    /** Plain decimal, at most 3 decimals, no exponent; NaN as empty. */
    static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "";
        }
        return BigDecimal.valueOf(value).setScale(3, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
}
