// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.cli;

import io.github.panamashm.internal.traffic.SizeRange;
import io.github.panamashm.internal.traffic.TrafficVerifier;
import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingFormatException;
import io.github.panamashm.ring.RingTruncatedException;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** {@code consume}: takes messages from a ring, with the same flags and summary as the C shm-consumer. */
final class ConsumeCommand {

    static final String USAGE = """
            consume --ring NAME [--count N] [--verify] [--shared] [--size BYTES|MIN-MAX] [--timeout-ms MS]
                    [--wait-ms MS] [--unlink-on-exit]""";

    private static final Set<String> VALUED = Set.of("--ring", "--count", "--size", "--timeout-ms", "--wait-ms");
    private static final Set<String> SWITCHES = Set.of("--verify", "--pattern", "--shared", "--unlink-on-exit");
    /** Longest single wait, so that Ctrl-C and --timeout-ms are noticed promptly. */
    private static final Duration POLL_SLICE = Duration.ofMillis(200);
    private static final int BATCH = 256;

    private ConsumeCommand() {
    }

    static int run(List<String> args, Main.StopSignal stop, PrintStream out) throws InterruptedException {
        Options options = Options.parse(args, VALUED, SWITCHES);
        String name = options.required("--ring");
        long count = options.number("--count", -1);
        boolean verify = options.has("--verify") || options.has("--pattern");
        long timeoutNanos = Duration.ofMillis(options.number("--timeout-ms", -1)).toNanos();
        SizeRange sizes = options.has("--size") ? SizeRange.parse(options.string("--size", "")) : null;
        TrafficVerifier verifier = new TrafficVerifier(options.has("--shared"), count, sizes);
        boolean attached = false;
        boolean truncated = false;
        try (Ring ring = Ring.open(name, Duration.ofMillis(options.number("--wait-ms", 0)));
             Consumer consumer = ring.consumer()) {
            attached = true;
            truncated = !consume(name, ring, consumer, count, verify, timeoutNanos, verifier, stop);
        } finally {
            if (attached) {
                out.println(verifier.summary()); // also when stopped by a signal or an error
            }
            if (options.has("--unlink-on-exit")) {
                Ring.unlink(name);
            }
        }
        return truncated ? Main.EXIT_TRUNCATED : verifier.isClean() ? Main.EXIT_DONE : Main.EXIT_INCOMPLETE;
    }

    /** Receives until done, stopped or idle too long; false if the ring was truncated under it. */
    private static boolean consume(String name, Ring ring, Consumer consumer, long count, boolean verify,
                                   long timeoutNanos, TrafficVerifier verifier, Main.StopSignal stop)
            throws InterruptedException {
        try {
            long idleSince = System.nanoTime();
            while (!stop.requested() && (count < 0 || verifier.received() < count)) {
                int limit = (int) (count < 0 ? BATCH : Math.min(BATCH, count - verifier.received()));
                int handled;
                try {
                    handled = consumer.poll((buffer, index, length) -> verifier.accept(buffer.asSlice(index, length), verify),
                            limit, POLL_SLICE);
                } catch (RingTruncatedException truncated) {
                    throw truncated; // not one slot: the whole ring is gone
                } catch (RingFormatException corruptedSlot) {
                    System.err.println("consume: " + corruptedSlot.getMessage());
                    verifier.countCorrupt();
                    continue;
                }
                if (handled == Consumer.END_OF_STREAM) {
                    break;
                }
                long now = System.nanoTime();
                if (handled > 0) {
                    idleSince = now;
                } else if (timeoutNanos >= 0 && now - idleSince >= timeoutNanos) {
                    System.err.println("consume: nothing arrived in ring " + name + " for "
                            + Duration.ofNanos(timeoutNanos).toMillis() + " ms; stopping");
                    break;
                }
            }
            if (stop.requested()) {
                System.err.println("consume: ring " + name + ": interrupted, stopping");
            }
            return true;
        } catch (RingTruncatedException | InternalError fault) {
            if (!(fault instanceof RingTruncatedException) && !ring.isTruncated()) {
                throw fault;
            }
            System.err.println("consume: ring " + name + " was truncated by another process");
            return false;
        }
    }
}
