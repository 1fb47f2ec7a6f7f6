// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.util.List;

/**
 * The median, minimum and maximum of one metric over the rounds of one scenario and size.
 *
 * @param median NaN when no round succeeded
 * @param ok     rounds that produced the metric
 * @param failed rounds that failed
 */
record BenchStats(double median, double min, double max, int ok, int failed) {

    static BenchStats of(List<Double> values, int failed) {
        if (values.isEmpty()) {
            return new BenchStats(Double.NaN, Double.NaN, Double.NaN, 0, failed);
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new BenchStats(median(sorted), sorted[0], sorted[sorted.length - 1], sorted.length, failed);
    }

    /** The median of ascending {@code sorted}: the middle value, or the mean of the two middle ones. */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    boolean usable() {
        return ok > 0;
    }
}
