// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.time.Duration;
import java.util.List;

/**
 * Every size, count and time limit of the benchmark, in one place.
 *
 * <p>Throughput runs are sized to last about 0.5-1.5 s at the expected speed, plus a warm-up of 40 % of
 * the count that the sides do not time (the JIT of the Java sides compiles during it):
 * <pre>
 *   size     FAST (shm rings, uds-batch)   SLOW (pipe, textbook, uds batch 1)
 *      8     5,000,000                     1,000,000
 *     64     5,000,000 (+2,000,000 warm-up) 1,000,000 (+400,000 warm-up)
 *    512     5,000,000                     1,000,000
 *   4096       781,250                       244,140
 *  65536        50,000                        20,000
 * </pre>
 * that is {@code clamp(BYTES / size, MIN, MAX)} per pace. Latency runs are 50,000 round trips when both
 * sides spin and 10,000 when they block (about 55 us each), after a warm-up of 20,000 or 5,000.
 */
final class BenchCounts {

    /** Sizes measured when {@code --sizes} is not given. */
    static final List<Integer> DEFAULT_SIZES = List.of(8, 64, 512, 4096, 65536);
    /** {@code --quick} measures this size only. */
    static final int QUICK_SIZE = 64;
    /** The size the targets compare. */
    static final int TARGET_SIZE = 64;
    /** Latency scenarios run at the requested sizes up to this one. */
    static final int MAX_LATENCY_SIZE = 4096;
    static final int DEFAULT_ROUNDS = 5;
    static final int MIN_ROUNDS = 5;
    static final int MIN_SIZE = 8;
    static final int MAX_SIZE = 1 << 20;

    private static final long FAST_BYTES = 3_200_000_000L;
    private static final long FAST_MIN = 50_000;
    private static final long FAST_MAX = 5_000_000;
    private static final long SLOW_BYTES = 1_000_000_000L;
    private static final long SLOW_MIN = 20_000;
    private static final long SLOW_MAX = 1_000_000;
    private static final double WARMUP_FRACTION = 0.4;

    private static final long SPIN_ROUND_TRIPS = 50_000;
    private static final long SPIN_WARMUP = 20_000;
    private static final long BLOCKING_ROUND_TRIPS = 10_000;
    private static final long BLOCKING_WARMUP = 5_000;

    private static final long RING_BYTES = 32L << 20;
    private static final long FANOUT_BYTES = 32L << 20;
    private static final int MIN_SLOTS = 16;
    private static final int MAX_SLOTS = 4096;

    /** Idle CPU: one consume message that never comes. */
    static final long IDLE_COUNT = 1;
    static final int IDLE_SIZE = 64;
    /**
     * Time between {@code ready} and the first CPU sample: long enough for the JIT to finish compiling
     * what start-up ran, since idle means after that. Then the window between the two samples.
     */
    static final Duration IDLE_SETTLE = Duration.ofSeconds(45);
    static final Duration IDLE_WINDOW = Duration.ofSeconds(10);
    /**
     * Idle-CPU goal: at most this many ms of CPU per {@link #IDLE_WINDOW} for the waiting thread, what
     * the ring costs (a C consumer's whole process needs about that); the JVM's own threads are shown,
     * not judged.
     */
    static final double IDLE_GOAL_MS = 2;
    /** Rounds of the idle-CPU scenarios (each takes about a minute). */
    static final int IDLE_ROUNDS = 1;

    /** How long the receiver may take to print {@code ready}. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    /**
     * How long one run may take from the sender's start until both sides exited
     * ({@code -Dpanamashm.bench.run.timeout.s} changes it, for tests of the orchestrator).
     */
    static final Duration RUN_TIMEOUT = Duration.ofSeconds(Long.getLong("panamashm.bench.run.timeout.s", 60));
    /** Passed to the sides as {@code --timeout-ms}: how long they may wait for their peer. */
    static final long SIDE_TIMEOUT_MS = 30_000;
    /** Passed to the idle consumer as {@code --timeout-ms}: longer than the whole measurement. */
    static final long IDLE_SIDE_TIMEOUT_MS = 120_000;
    /** Between SIGTERM and SIGKILL. */
    static final Duration KILL_GRACE = Duration.ofSeconds(2);
    /** A guess used for the progress line's time estimate before the first run finished. */
    static final Duration TYPICAL_RUN = Duration.ofSeconds(2);

    /**
     * The counts of one run.
     *
     * @param count  measured messages or round trips
     * @param warmup messages or round trips before the measurement
     * @param slots  ring slots (a power of two)
     */
    record Params(long count, long warmup, int slots) {
    }

    private BenchCounts() {
    }

    static Params of(Scenario scenario, int size) {
        int slots = scenario.fanOut() ? fanOutSlots(size) : slots(size);
        return switch (scenario.kind()) {
            case THROUGHPUT -> {
                long count = scenario.pace() == Scenario.Pace.FAST
                        ? clamp(FAST_BYTES / size, FAST_MIN, FAST_MAX)
                        : clamp(SLOW_BYTES / size, SLOW_MIN, SLOW_MAX);
                yield new Params(count, Math.round(count * WARMUP_FRACTION), slots);
            }
            case LATENCY -> scenario.pace() == Scenario.Pace.FAST
                    ? new Params(SPIN_ROUND_TRIPS, SPIN_WARMUP, slots)
                    : new Params(BLOCKING_ROUND_TRIPS, BLOCKING_WARMUP, slots);
            case IDLE_CPU -> new Params(IDLE_COUNT, 0, slots);
        };
    }

    /**
     * Fan-out rings hold what Aeron IPC's default publication window does (half its 64 MiB term):
     * {@code 32 MiB / size} messages, at most 2^20, rounded down to a power of two. On 2 CPUs the
     * consumers of a fan-out run take turns on a CPU, and a producer can go on only as far ahead of one
     * that is off it as its buffer reaches: with 4096 slots it stalls within a millisecond.
     */
    static int fanOutSlots(int size) {
        long bySize = Math.max(MIN_SLOTS, Math.min(1 << 20, FANOUT_BYTES / size));
        return Integer.highestOneBit((int) bySize);
    }

    /** {@code min(4096, max(16, 32 MiB / size))}, rounded down to a power of two. */
    static int slots(int size) {
        long bySize = Math.max(MIN_SLOTS, Math.min(MAX_SLOTS, RING_BYTES / size));
        return Integer.highestOneBit((int) bySize);
    }

    private static long clamp(long value, long min, long max) {
        return Math.max(min, Math.min(max, value));
    }
}
