// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The command line every Java bench side takes:
 * {@code ROLE --name NAME --size BYTES --count N [--warmup W] [--slots S] [--batch B] [--samples FILE]
 * [--timeout-ms T]}, plus the side-specific switches ({@code --key}) and valued options
 * ({@code --key value}) that a side declares; anything else is rejected.
 *
 * <p>Also the exit statuses the sides share, and the overall deadline that {@code --timeout-ms} sets,
 * counted from the moment the arguments were parsed.
 */
final class SideArgs {

    static final int EXIT_OK = 0;
    static final int EXIT_ERRORS = 1;
    static final int EXIT_SETUP = 2;
    static final int EXIT_TIMEOUT = 3;

    static final int MIN_SIZE = 8;
    static final int MAX_SIZE = 65536;

    /** What a side does: the first two are the throughput pair, the last two the latency pair. */
    enum Role {
        PRODUCE, CONSUME, PING, PONG;

        /** The receiving side of each pair creates the channel and prints {@code ready}. */
        boolean creates() {
            return this == CONSUME || this == PONG;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Set<String> COMMON_OPTIONS =
            Set.of("name", "size", "count", "warmup", "slots", "batch", "samples", "timeout-ms", "consumer");

    final Role role;
    final String name;
    final int size;
    final long count;
    final long warmup;
    final int slots;
    final int batch;
    /** Where {@code ping} writes its raw round trips, one integer of nanoseconds a line; null: nowhere. */
    final Path samples;
    final long timeoutMs;
    /** In a fan-out scenario, which receiver this is: 0 makes the channel, the others join it. */
    final int consumer;
    /** {@link System#nanoTime()} at which the side gives up. */
    final long deadlineNanos;

    private final Set<String> declaredFlags;
    private final Set<String> declaredOptions;
    private final Set<String> flags;
    private final Map<String, String> options;

    private SideArgs(Role role, Map<String, String> values, Set<String> flags,
            Set<String> declaredFlags, Set<String> declaredOptions) {
        this.role = role;
        this.declaredFlags = declaredFlags;
        this.declaredOptions = declaredOptions;
        this.flags = flags;
        this.options = values;
        name = required(values, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("--name must not be empty");
        }
        size = (int) number(values, "size", null, MIN_SIZE, MAX_SIZE);
        count = number(values, "count", null, 1, Long.MAX_VALUE / 4);
        long defaultWarmup = role == Role.PING || role == Role.PONG ? count / 10 : count / 5;
        warmup = number(values, "warmup", defaultWarmup, 0, Long.MAX_VALUE / 4);
        slots = (int) number(values, "slots", 4096L, 1, Integer.MAX_VALUE);
        batch = (int) number(values, "batch", 1L, 1, Integer.MAX_VALUE);
        String samplesFile = values.get("samples");
        samples = samplesFile == null ? null : Path.of(samplesFile);
        timeoutMs = number(values, "timeout-ms", 60_000L, 1, TimeUnit.DAYS.toMillis(365));
        consumer = (int) number(values, "consumer", 0L, 0, 255);
        deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    }

    /**
     * Parses {@code argv}. {@code extraFlags} and {@code extraOptions} name, without the leading
     * dashes, the switches and valued options the calling side understands beyond the common ones.
     *
     * @throws IllegalArgumentException saying what is wrong with the command line
     */
    static SideArgs parse(String[] argv, Set<String> extraFlags, Set<String> extraOptions) {
        if (argv.length == 0 || argv[0].startsWith("--")) {
            throw new IllegalArgumentException("the first argument must be the role: produce, consume, ping or pong");
        }
        Role role = parseRole(argv[0]);
        Map<String, String> values = new HashMap<>();
        Set<String> flags = new HashSet<>();
        for (int i = 1; i < argv.length; i++) {
            String arg = argv[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new IllegalArgumentException("unexpected argument \"" + arg + "\"");
            }
            String key = arg.substring(2);
            if (extraFlags.contains(key)) {
                if (!flags.add(key)) {
                    throw new IllegalArgumentException(arg + " given twice");
                }
            } else if (COMMON_OPTIONS.contains(key) || extraOptions.contains(key)) {
                if (i + 1 >= argv.length) {
                    throw new IllegalArgumentException(arg + " needs a value");
                }
                if (values.put(key, argv[++i]) != null) {
                    throw new IllegalArgumentException(arg + " given twice");
                }
            } else {
                throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        return new SideArgs(role, values, flags, Set.copyOf(extraFlags), Set.copyOf(extraOptions));
    }

    /** {@link #parse}, or on a bad command line: the problem and the usage on stderr, exit status 2. */
    static SideArgs parseOrExit(String side, String[] argv, Set<String> extraFlags, Set<String> extraOptions) {
        try {
            return parse(argv, extraFlags, extraOptions);
        } catch (IllegalArgumentException e) {
            System.err.println(side + ": " + e.getMessage());
            System.err.println(usage(side, extraFlags, extraOptions));
            System.exit(EXIT_SETUP);
            throw new AssertionError("unreachable");
        }
    }

    static String usage(String side, Set<String> extraFlags, Set<String> extraOptions) {
        StringBuilder usage = new StringBuilder("usage: ").append(side)
                .append(" produce|consume|ping|pong --name NAME --size BYTES --count N [--warmup W] [--slots S]")
                .append(" [--batch B] [--samples FILE] [--timeout-ms T]");
        extraFlags.stream().sorted().forEach(flag -> usage.append(" [--").append(flag).append(']'));
        extraOptions.stream().sorted().forEach(option -> usage.append(" [--").append(option).append(" VALUE]"));
        return usage.toString();
    }

    /** Whether the side-declared switch {@code --key} was given. */
    boolean flag(String key) {
        if (!declaredFlags.contains(key)) {
            throw new IllegalArgumentException("--" + key + " is not a declared switch");
        }
        return flags.contains(key);
    }

    /** The value of the side-declared option {@code --key}, or {@code fallback} when not given. */
    String option(String key, String fallback) {
        if (!declaredOptions.contains(key)) {
            throw new IllegalArgumentException("--" + key + " is not a declared option");
        }
        return options.getOrDefault(key, fallback);
    }

    /** Messages (throughput) or round trips (latency) in all: warmup and measured. */
    long total() {
        return warmup + count;
    }

    /** Whether the {@code --timeout-ms} deadline has passed. */
    boolean pastDeadline() {
        return System.nanoTime() - deadlineNanos >= 0;
    }

    private static Role parseRole(String arg) {
        for (Role role : Role.values()) {
            if (role.toString().equals(arg)) {
                return role;
            }
        }
        throw new IllegalArgumentException("unknown role \"" + arg + "\": use produce, consume, ping or pong");
    }

    private static String required(Map<String, String> values, String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return value;
    }

    private static long number(Map<String, String> values, String key, Long fallback, long min, long max) {
        String value = fallback == null ? required(values, key) : values.get(key);
        if (value == null) {
            return fallback;
        }
        long number;
        try {
            number = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " takes a whole number, not \"" + value + "\"");
        }
        if (number < min || number > max) {
            throw new IllegalArgumentException("--" + key + " must be between " + min + " and " + max + ", not " + number);
        }
        return number;
    }
}
