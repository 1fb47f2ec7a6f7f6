// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

/**
 * The measured round trips of {@code ping}: an HdrHistogram of 3 significant digits for the
 * percentiles, and the raw samples for the {@code --samples} file. Both are allocated up front, so
 * {@link #record} never allocates.
 */
final class Latency {

    /** Longer round trips are recorded in the histogram as this (the raw sample keeps the truth). */
    static final long HIGHEST_TRACKABLE_NS = TimeUnit.MINUTES.toNanos(10);

    private final Histogram histogram = new Histogram(1, HIGHEST_TRACKABLE_NS, 3);
    private final long[] samples;
    private int recorded;

    Latency(long rounds) {
        if (rounds < 0 || rounds > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cannot keep " + rounds + " round trips in memory");
        }
        samples = new long[(int) rounds];
    }

    /** Records one round trip of {@code nanos}. */
    void record(long nanos) {
        samples[recorded++] = nanos;
        histogram.recordValue(Math.min(Math.max(nanos, 0), HIGHEST_TRACKABLE_NS));
    }

    int recorded() {
        return recorded;
    }

    /** {@code result rounds=<n> p50_ns=<> p99_ns=<> p999_ns=<> max_ns=<>}. */
    String resultLine() {
        return "result rounds=" + recorded
                + " p50_ns=" + histogram.getValueAtPercentile(50.0)
                + " p99_ns=" + histogram.getValueAtPercentile(99.0)
                + " p999_ns=" + histogram.getValueAtPercentile(99.9)
                + " max_ns=" + histogram.getMaxValue();
    }

    /** Writes the raw round trips, in the order measured, one integer of nanoseconds a line. */
    void writeSamples(Path file) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            for (int i = 0; i < recorded; i++) {
                out.write(Long.toString(samples[i]));
                out.write('\n');
            }
        }
    }
}
