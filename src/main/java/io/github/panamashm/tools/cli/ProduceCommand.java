// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.PosixException;
import io.github.panamashm.internal.posix.Errno;
import io.github.panamashm.tools.traffic.SizeRange;
import io.github.panamashm.tools.traffic.TrafficPattern;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.FanOutMode;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.WaitPolicy;
import io.github.panamashm.ring.RingClosedException;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.ring.RingTruncatedException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code produce}: sends messages into a ring, with the same flags and summary as the C shm-producer. */
@Command(name = "produce", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Send messages into a ring.", "The C program target/native/shm-producer takes the same flags "
                + "and prints the same summary: sent=N seconds=S msgs_per_s=R checksum=HEX."})
final class ProduceCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private PeerOptions peer;

    private String name;
    private WaitPolicy policy;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1000000",
            description = "How many messages to send (default: ${DEFAULT-VALUE}).")
    private String count;

    @Option(names = "--size", paramLabel = "BYTES|MIN-MAX", defaultValue = "64",
            description = "Each message's length, or a range over which the lengths spread (default: ${DEFAULT-VALUE}).")
    private String size;

    @Option(names = "--pattern",
            description = "Send the verifiable test pattern (docs/PROTOCOL.md §12); needs --size of at least 16.")
    private boolean pattern;

    @Option(names = "--id", paramLabel = "N", description = "The producer's id in the pattern (default: the process id).")
    private String id;

    @Option(names = "--timeout-ms", paramLabel = "MS",
            description = "Stop when the ring stays full this long (default: wait for space for ever).")
    private String timeoutMs;

    @Option(names = "--create", description = "Create the ring; refused if it exists.")
    private boolean create;

    @Option(names = "--slots", paramLabel = "N", description = "With --create: the slot count, a power of two from 2 "
            + "to 2^30 (default: 1024).")
    private String slots;

    @Option(names = "--max-size", paramLabel = "BYTES",
            description = "With --create: the largest message the ring takes (default: the upper end of --size).")
    private String maxSize;

    @Option(names = "--single-producer", description = "With --create: admit one producer at a time.")
    private boolean singleProducer;

    @Option(names = "--single-consumer", description = "With --create: admit one consumer at a time.")
    private boolean singleConsumer;

    @Option(names = "--fanout", arity = "0..1", paramLabel = "MODE", fallbackValue = "block",
            description = "With --create: a fan-out ring, in which every consumer reads every message (one producer);"
                    + " MODE block (the default: the slowest consumer gates the producer) or overwrite (the producer"
                    + " never waits; a lapped consumer skips what was overwritten, counted).")
    private String fanOut;

    @Option(names = "--mode", paramLabel = "OCTAL",
            description = "With --create: the permission bits of the ring's objects (default: 0600).")
    private String mode;

    @Option(names = "--close", description = "Close the ring for writing when done: consumers drain it, then end.")
    private boolean close;

    @Override
    public Integer call() throws InterruptedException {
        Flags flags = new Flags(spec);
        name = peer.ring(flags);
        long total = flags.u64("--count", count);
        SizeRange sizes = flags.size(size);
        int producerId = id == null ? (int) ProcessHandle.current().pid() : (int) flags.u32("--id", id, 10);
        long timeout = timeoutMs == null ? -1 : flags.millis("--timeout-ms", timeoutMs);
        long wait = peer.waitMillis(flags);
        policy = peer.waitPolicy(flags);
        boolean createOnly = slots != null || maxSize != null || singleProducer || singleConsumer || fanOut != null
                || mode != null;
        if (createOnly && !create) {
            throw flags.bad("--slots, --max-size, --single-*, --fanout, --mode need --create");
        }
        FanOutMode fanOutMode = fanOut == null ? null : switch (fanOut) {
            case "block" -> FanOutMode.BLOCK;
            case "overwrite" -> FanOutMode.OVERWRITE;
            default -> throw flags.bad("--fanout must be block or overwrite");
        };
        if (fanOutMode != null && singleConsumer) {
            throw flags.bad("--fanout is for any number of consumers, each reading the whole stream: leave out --single-consumer");
        }
        if (sizes.max() > MAX_PAYLOAD) {
            throw flags.bad("--size above the largest message a ring can take (2^30 = 1073741824 bytes)");
        }
        if (pattern && sizes.min() < TrafficPattern.HEADER_SIZE) {
            throw flags.bad("--pattern needs --size of at least " + TrafficPattern.HEADER_SIZE);
        }
        long largest = maxSize == null ? Math.max(1, sizes.max()) : flags.u32("--max-size", maxSize, 10);
        long slotCount = slots == null ? 1024 : flags.u32("--slots", slots, 10);
        int permissions = mode == null ? 0600 : (int) flags.u32("--mode", mode, 8);
        if (permissions == 0) {
            permissions = 0600; // as in C, where a zero mode means the default
        }
        if (create && largest < sizes.max()) {
            throw flags.bad("--max-size below the upper end of --size");
        }
        if (create && (slotCount < 2 || Long.bitCount(slotCount) != 1 || slotCount > 1 << 30)) {
            throw flags.bad("--slots must be a power of two from 2 to 2^30");
        }
        if (create && largest > MAX_PAYLOAD) {
            throw flags.bad("--max-size above the largest message a ring can take");
        }
        if (create && ((permissions & ~0777) != 0 || (permissions & 0600) != 0600)) {
            throw flags.bad("--mode takes permission bits up to 0777 that let the owner read and write, e.g. 0600");
        }
        Main.StopSignal stop = Main.StopSignal.onShutdown();
        try {
            Ring ring;
            if (create) {
                try {
                    RingSpec ringSpec = RingSpec.of((int) slotCount, (int) largest).singleProducer(singleProducer)
                            .singleConsumer(singleConsumer).mode(permissions);
                    ring = Ring.create(name, fanOutMode != null ? ringSpec.fanOut(fanOutMode) : ringSpec);
                } catch (PosixException e) {
                    if (e.errno() == Errno.EEXIST) {
                        throw new IllegalStateException("ring " + name + " exists already (leave out --create to use it,"
                                + " or remove it with: panama-shm rm " + name + ")", e);
                    }
                    throw e;
                }
            } else {
                ring = PeerOptions.open(name, wait, stop);
            }
            return send(ring, total, sizes, producerId, timeout, stop, spec.commandLine().getOut());
        } finally {
            stop.finished();
        }
    }

    private static final int MAX_PAYLOAD = 1 << 30;

    private int send(Ring ring, long count, SizeRange sizes, int id, long timeoutMs, Main.StopSignal stop,
                     PrintWriter out) throws InterruptedException {
        try (ring; Producer producer = ring.producer(policy)) {
            long checksum = 0;
            long sent = 0;
            long first = 0;
            long last = 0;
            boolean complete = true;
            boolean truncated = false;
            Progress progressLine = Progress.of("produce", "sent", peer.progress);
            try {
                for (long seq = 0; seq < count && !stop.requested(); seq++) {
                    MemorySegment slot = claim(producer, sizes.lengthOf(id, seq), timeoutMs, stop, progressLine, sent);
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
                    progressLine.update(sent);
                }
            } catch (RingClosedException e) {
                progressLine.finish();
                System.err.println("produce: " + e.getMessage() + "; stopping");
                complete = false;
            } catch (RingTruncatedException | InternalError fault) {
                if (!(fault instanceof RingTruncatedException) && !ring.isTruncated()) {
                    throw fault;
                }
                progressLine.finish();
                System.err.println("produce: ring " + name + " was truncated by another process");
                truncated = true;
            }
            progressLine.finish();
            if (stop.requested()) {
                System.err.println("produce: ring " + name + ": interrupted, stopping");
            }
            if (close && !truncated) {
                ring.closeForWriting();
            }
            progressLine.finish();
            out.println(summary(sent, (last - first) / 1e9, checksum));
            out.flush();
            return truncated ? Main.EXIT_TRUNCATED : complete && !stop.requested() ? Main.EXIT_DONE : Main.EXIT_INCOMPLETE;
        } finally {
            if (peer.unlinkOnExit) {
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
        return claim(producer, length, timeoutMs, stop, null, 0);
    }

    /**
     * Claims in slices, so that a stop request is seen; after each slice that found no space, the
     * progress line (if any) says that the ring is full, so that a blocked producer does not look hung.
     */
    static MemorySegment claim(Producer producer, int length, long timeoutMs, Main.StopSignal stop, Progress progress,
                               long sent) throws InterruptedException {
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
            if (progress != null) {
                progress.waiting(sent, "ring full, waiting for space");
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
