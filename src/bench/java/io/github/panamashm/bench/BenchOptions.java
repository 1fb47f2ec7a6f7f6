// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The command line of {@code panama-shm bench}.
 *
 * @param quick  64-byte messages only
 * @param rounds rounds of every scenario (at least 5)
 * @param sizes  message sizes, ascending
 * @param only   scenarios whose name this finds, or null for all
 * @param out    where the CSV files and the chart go
 */
record BenchOptions(boolean quick, int rounds, List<Integer> sizes, Pattern only, Path out) {

    static final String USAGE = """
            usage: panama-shm bench [--quick] [--rounds N] [--sizes 8,64,512,4096,65536] [--only REGEX] [--out DIR]
              --quick        64-byte messages only (about 10 minutes on 2 CPUs; all sizes about 35)
              --rounds N     rounds of every scenario, interleaved round-robin (default 5, at least 5)
              --sizes LIST   message sizes in bytes for throughput; latency uses those up to 4096
              --only REGEX   only the scenarios whose name contains a match, e.g. --only 'agrona|spsc'
              --out DIR      where results.csv, summary.csv, chart.svg and report.txt go (default target/bench)
            """;

    /** A malformed command line (exit status 2). */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** Thrown for {@code --help}. */
    static final class HelpRequested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super("help");
        }
    }

    static BenchOptions parse(List<String> args) {
        boolean quick = false;
        Integer rounds = null;
        List<Integer> sizes = null;
        Pattern only = null;
        Path out = Path.of("target", "bench");
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String flag = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                flag = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (flag) {
                case "--help", "-h" -> throw new HelpRequested();
                case "--quick" -> {
                    if (value != null) {
                        throw new UsageException("--quick takes no value");
                    }
                    quick = true;
                }
                case "--rounds", "--sizes", "--only", "--out" -> {
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new UsageException(flag + " needs a value");
                        }
                        value = args.get(++i);
                    }
                    switch (flag) {
                        case "--rounds" -> rounds = rounds(value);
                        case "--sizes" -> sizes = sizes(value);
                        case "--only" -> only = regex(value);
                        default -> out = Path.of(value);
                    }
                }
                default -> throw new UsageException("unknown option " + arg);
            }
        }
        if (quick && sizes != null) {
            throw new UsageException("--quick measures 64-byte messages only; leave out --sizes or --quick");
        }
        if (quick) {
            sizes = List.of(BenchCounts.QUICK_SIZE);
        }
        return new BenchOptions(quick, rounds == null ? BenchCounts.DEFAULT_ROUNDS : rounds,
                sizes == null ? BenchCounts.DEFAULT_SIZES : sizes, only, out);
    }

    private static int rounds(String value) {
        int rounds = number("--rounds", value);
        if (rounds < BenchCounts.MIN_ROUNDS) {
            throw new UsageException("--rounds must be at least " + BenchCounts.MIN_ROUNDS + " (medians of fewer"
                    + " rounds are not worth comparing), not " + rounds);
        }
        return rounds;
    }

    private static List<Integer> sizes(String value) {
        TreeSet<Integer> sizes = new TreeSet<>();
        for (String part : value.split(",", -1)) {
            int size = number("--sizes", part.strip());
            if (size < BenchCounts.MIN_SIZE || size > BenchCounts.MAX_SIZE) {
                throw new UsageException("--sizes: " + size + " is outside " + BenchCounts.MIN_SIZE + ".."
                        + BenchCounts.MAX_SIZE + " bytes");
            }
            sizes.add(size);
        }
        return List.copyOf(sizes);
    }

    private static Pattern regex(String value) {
        try {
            return Pattern.compile(value);
        } catch (PatternSyntaxException e) {
            throw new UsageException("--only: not a regular expression: " + e.getDescription() + " in \"" + value + "\"");
        }
    }

    private static int number(String flag, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " takes whole numbers, not \"" + value + "\"");
        }
    }
}
