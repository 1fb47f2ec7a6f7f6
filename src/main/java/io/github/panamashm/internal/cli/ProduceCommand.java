// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.cli;

import io.github.panamashm.internal.traffic.SizeRange;
import io.github.panamashm.internal.traffic.TrafficPattern;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingClosedException;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.ring.RingTruncatedException;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** {@code produce}: sends messages into a ring, with the same flags and summary as the C shm-producer. */
final class ProduceCommand {

    static final String USAGE = """
            produce --ring NAME [--count N] [--size BYTES|MIN-MAX] [--pattern] [--id N] [--timeout-ms MS]
                    [--wait-ms MS] [--create --slots N [--max-size BYTES] [--single-producer] [--single-consumer]
                    [--mode OCTAL]] [--close] [--unlink-on-exit]""";

    private static final Set<String> VALUED = Set.of("--ring", "--count", "--size", "--id", "--timeout-ms", "--wait-ms",
            "--slots", "--max-size", "--mode");
    private static final Set<String> SWITCHES = Set.of("--pattern", "--create", "--single-producer", "--single-consumer",
            "--close", "--unlink-on-exit");

    private ProduceCommand() {
    }

    static int run(List<String> args, Main.StopSignal stop, PrintStream out) throws InterruptedException {
        Options options = Options.parse(args, VALUED, SWITCHES);
        String name = options.required("--ring");
        long count = options.number("--count", 1_000_000);
        SizeRange sizes = SizeRange.parse(options.string("--size", "64"));
        boolean pattern = options.has("--pattern");
        if (pattern && sizes.min() < TrafficPattern.HEADER_SIZE) {
            throw new Options.UsageException("--pattern needs --size of at least " + TrafficPattern.HEADER_SIZE);
        }
        int id = (int) options.number("--id", ProcessHandle.current().pid());
        long timeoutMs = options.number("--timeout-ms", -1);
        if (!options.has("--create")) {
            for (String createOnly : List.of("--slots", "--max-size", "--single-producer", "--single-consumer", "--mode")) {
                if (options.has(createOnly)) {
                    throw new Options.UsageException(createOnly + " needs --create");
                }
            }
        }
        Ring ring = options.has("--create")
                ? Ring.create(name, new RingSpec((int) options.number("--slots", 1024),
                        (int) options.number("--max-size", sizes.max()), options.has("--single-producer"),
                        options.has("--single-consumer"), 64, options.octal("--mode", 0600)))
                : Ring.open(name, Duration.ofMillis(options.number("--wait-ms", 0)));
        try (ring; Producer producer = ring.producer()) {
            long checksum = 0;
            long sent = 0;
            long first = 0;
            long last = 0;
            boolean complete = true;
            boolean truncated = false;
            try {
                for (long seq = 0; seq < count && !stop.requested(); seq++) {
                    MemorySegment slot = claim(producer, sizes.lengthOf(id, seq), timeoutMs, stop);
                    if (slot == null) {
                        if (!stop.requested()) {
                            System.err.println("produce: no space in ring " + name + " for " + timeoutMs + " ms; stopping");
                        }
                        complete = false;
                        break;
                    }
                    if (pattern) {
                        TrafficPattern.fill(slot, id, seq);
                        checksum += TrafficPattern.checksum(id, seq);
                    } else {
                        slot.fill((byte) 0);
                    }
                    producer.commit();
                    last = System.nanoTime();
                    if (sent++ == 0) {
                        first = last;
                    }
                }
            } catch (RingClosedException e) {
                System.err.println("produce: " + e.getMessage() + "; stopping");
                complete = false;
            } catch (RingTruncatedException | InternalError fault) {
                if (!(fault instanceof RingTruncatedException) && !ring.isTruncated()) {
                    throw fault;
                }
                System.err.println("produce: ring " + name + " was truncated by another process");
                truncated = true;
            }
            if (stop.requested()) {
                System.err.println("produce: ring " + name + ": interrupted, stopping");
            }
            if (options.has("--close") && !truncated) {
                ring.closeForWriting();
            }
            out.println(summary(sent, (last - first) / 1e9, checksum));
            return truncated ? Main.EXIT_TRUNCATED : complete && !stop.requested() ? Main.EXIT_DONE : Main.EXIT_INCOMPLETE;
        } finally {
            if (options.has("--unlink-on-exit")) {
                Ring.unlink(name);
            }
        }
    }

    /**
     * Claims space, waiting up to {@code timeoutMs} (for ever if negative) in short slices, so that a
     * stop request (SIGTERM, Ctrl-C) is noticed while the ring is full. Null if none came.
     */
    static MemorySegment claim(Producer producer, int length, long timeoutMs, Main.StopSignal stop)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs < 0 ? Long.MAX_VALUE / 2_000_000 : timeoutMs);
        while (!stop.requested()) {
            long remaining = deadline - System.nanoTime();
            long index = producer.claim(length, Duration.ofNanos(Math.max(0, Math.min(remaining, SLICE_NANOS))));
            if (index >= 0) {
                return producer.buffer().asSlice(index, length);
            }
            if (remaining <= SLICE_NANOS) {
                return null;
            }
        }
        return null;
    }

    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /** The producer's summary line, as the C shm-producer prints it. */
    static String summary(long sent, double seconds, long checksum) {
        return String.format(Locale.ROOT, "sent=%d seconds=%.3f msgs_per_s=%.0f checksum=%016x",
                sent, seconds, seconds > 0 ? sent / seconds : 0.0, checksum);
    }
}
