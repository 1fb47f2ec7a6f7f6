// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.tools.traffic.SizeRange;
import io.github.panamashm.tools.traffic.TrafficVerifier;
import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingFormatException;
import io.github.panamashm.ring.RingTruncatedException;
import io.github.panamashm.ring.WaitPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code consume}: takes messages from a ring, with the same flags and summary as the C shm-consumer. */
@Command(name = "consume", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Take messages from a ring.", "The C program target/native/shm-consumer takes the same flags "
                + "and prints the same summary: received=N lost=N duplicated=N out_of_order=N corrupt=N seconds=S "
                + "msgs_per_s=R checksum=HEX.",
                "Exit status 1 if any message was lost, duplicated, out of order or damaged."})
final class ConsumeCommand implements Callable<Integer> {

    /** Longest single wait, so that Ctrl-C and --timeout-ms are noticed promptly. */
    private static final Duration POLL_SLICE = Duration.ofMillis(200);
    private static final int BATCH = 256;

    @Spec
    private CommandSpec spec;

    @Mixin
    private PeerOptions peer;

    private String name;

    @Option(names = "--count", paramLabel = "N",
            description = "Stop after this many messages (default: until the ring is closed for writing and drained).")
    private String count;

    @Option(names = {"--verify", "--pattern"},
            description = "Check each message against the test pattern (docs/PROTOCOL.md §12) and count faults.")
    private boolean verify;

    @Option(names = "--shared", description = "Other consumers take part of the stream: gaps in it are not losses"
            + " (not on a fan-out ring, where every consumer reads the whole stream).")
    private boolean shared;

    @Option(names = "--size", paramLabel = "BYTES|MIN-MAX",
            description = "The lengths the producer sent: any other length counts as corrupt.")
    private String size;

    @Option(names = "--timeout-ms", paramLabel = "MS",
            description = "Stop when nothing arrives this long (default: wait for ever).")
    private String timeoutMs;

    @Override
    public Integer call() throws InterruptedException {
        Flags flags = new Flags(spec);
        name = peer.ring(flags);
        long total = count == null ? -1 : flags.u64("--count", count);
        long timeoutNanos = timeoutMs == null ? -1 : Duration.ofMillis(flags.millis("--timeout-ms", timeoutMs)).toNanos();
        long wait = peer.waitMillis(flags);
        WaitPolicy policy = peer.waitPolicy(flags);
        SizeRange sizes = size == null ? null : flags.size(size);
        PrintWriter out = spec.commandLine().getOut();
        TrafficVerifier verifier = new TrafficVerifier(shared, total, sizes);
        Main.StopSignal stop = Main.StopSignal.onShutdown();
        boolean attached = false;
        boolean truncated = false;
        try (Ring ring = PeerOptions.open(name, wait, stop);
             Consumer consumer = ring.consumer(policy)) {
            attached = true;
            if (shared && ring.isFanOut()) {
                attached = false;
                throw flags.bad("ring " + name + " is a fan-out ring: every consumer reads the whole stream, so --shared"
                        + " does not apply");
            }
            Progress progressLine = Progress.of("consume", "received", peer.progress);
            try {
                truncated = !consume(name, ring, consumer, total, verify, timeoutNanos, verifier, stop, progressLine);
            } finally {
                progressLine.finish();
            }
        } finally {
            stop.finished();
            if (attached) {
                out.println(verifier.summary()); // also when stopped by a signal or an error
                out.flush();
            }
            if (peer.unlinkOnExit) {
                Ring.unlink(name);
            }
        }
        return truncated ? Main.EXIT_TRUNCATED : verifier.isClean() ? Main.EXIT_DONE : Main.EXIT_INCOMPLETE;
    }

    /** Receives until done, stopped or idle too long; false if the ring was truncated under it. */
    private static boolean consume(String name, Ring ring, Consumer consumer, long count, boolean verify,
                                   long timeoutNanos, TrafficVerifier verifier, Main.StopSignal stop,
                                   Progress progress) throws InterruptedException {
        try {
            long idleSince = System.nanoTime();
            while (!stop.requested() && (count < 0 || verifier.received() < count)) {
                progress.update(verifier.received());
                int limit = (int) (count < 0 ? BATCH : Math.min(BATCH, count - verifier.received()));
                int handled;
                try {
                    handled = consumer.poll((buffer, index, length) -> verifier.accept(buffer.asSlice(index, length), verify),
                            limit, POLL_SLICE);
                } catch (RingTruncatedException truncated) {
                    throw truncated; // not one slot: the whole ring is gone
                } catch (RingFormatException corruptedSlot) {
                    progress.finish(); // a line of its own; progress goes on below it
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
                    progress.finish();
                    System.err.println("consume: nothing arrived in ring " + name + " for "
                            + Duration.ofNanos(timeoutNanos).toMillis() + " ms; stopping");
                    break;
                }
            }
            if (stop.requested()) {
                progress.finish();
                System.err.println("consume: ring " + name + ": interrupted, stopping");
            }
            return true;
        } catch (RingTruncatedException | InternalError fault) {
            if (!(fault instanceof RingTruncatedException) && !ring.isTruncated()) {
                throw fault;
            }
            progress.finish();
            System.err.println("consume: ring " + name + " was truncated by another process");
            return false;
        }
    }
}
