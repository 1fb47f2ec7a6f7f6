// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.bench.SideFailure.Stopped;
import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.FanOutMode;
import io.github.panamashm.ring.MessageHandler;
import io.github.panamashm.ring.MessageType;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.ring.WaitPolicy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The panama-shm Java side of the benchmark, used as the README recommends: zero-copy claims (one
 * message per claim, or {@code --batch B} per {@code claimBatch}), consumers draining with
 * {@code poll(handler, 256)}. {@code --spsc} makes a single-producer/single-consumer ring (otherwise
 * the default multi-producer/multi-consumer one); {@code --wait spin|standard|sleep} picks the wait
 * policy of both sides. Ping and pong use two rings, {@code NAME.ab} and {@code NAME.ba}.
 * {@code --copy} measures the copy path instead: the producer writes each message into a buffer of its
 * own and sends it ({@code send(segment, offset, length, timeout)}), the consumer receives each into a
 * buffer of its own ({@code receive(segment, timeout)}).
 * {@code --fanout block|overwrite} makes a fan-out ring: consumer 0 ({@code --consumer}) creates it,
 * the others open it, and each receives the whole stream (overwrite: what it was not lapped on).
 */
public final class PshmSide {

    private static final String SIDE = "PshmSide";
    private static final int POLL_LIMIT = 256;
    /**
     * Waiting calls wait this long at most, then the deadline is looked at. Long, because each call
     * starts its wait policy afresh (the standard one spins and yields before it sleeps): an idle
     * side should stay asleep. SIGTERM ends the JVM through the shutdown hook whatever it waits for.
     */
    private static final Duration SLICE = Duration.ofSeconds(10);

    private static final List<String> created = new CopyOnWriteArrayList<>();
    private static volatile boolean stop;

    private final SideArgs args;
    private final WaitPolicy policy;
    private final boolean spsc;
    /** --typed: the message type of every message, as the C side describes it; else null. */
    private final MessageType type;
    /** --fanout: the fan-out mode, or null for a work queue. */
    private final FanOutMode fanOut;

    private PshmSide(SideArgs args) {
        this.args = args;
        this.spsc = args.flag("spsc");
        this.type = !args.flag("typed") ? null : MessageType.of(args.size > 8
                ? MemoryLayout.structLayout(JAVA_LONG.withName("seq"),
                        MemoryLayout.sequenceLayout(args.size - 8, JAVA_BYTE).withName("data")).withName("bench")
                : MemoryLayout.structLayout(JAVA_LONG.withName("seq")).withName("bench"));
        this.fanOut = switch (args.option("fanout", "none")) {
            case "none" -> null;
            case "block" -> FanOutMode.BLOCK;
            case "overwrite" -> FanOutMode.OVERWRITE;
            default -> throw new IllegalArgumentException("--fanout must be block or overwrite");
        };
        this.policy = switch (args.option("wait", "standard")) {
            case "spin" -> WaitPolicy.busySpin();
            case "standard" -> WaitPolicy.standard();
            case "sleep" -> WaitPolicy.sleep();
            default -> throw new IllegalArgumentException("--wait must be spin, standard or sleep");
        };
    }

    public static void main(String[] argv) {
        SideArgs args = SideArgs.parseOrExit(SIDE, argv, Set.of("spsc", "typed", "no-ring", "copy"), Set.of("wait", "fanout"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop = true;
            created.forEach(Ring::unlink);
        }, "pshm-side-cleanup"));
        int status;
        try {
            status = new PshmSide(args).run();
        } catch (Stopped e) {
            System.err.println(SIDE + " " + args.role + ": " + e.getMessage());
            status = SideArgs.EXIT_TIMEOUT;
        } catch (Exception | OutOfMemoryError e) {
            System.err.println(SIDE + " " + args.role + ": failed: " + e);
            status = SideArgs.EXIT_SETUP;
        } finally {
            created.forEach(Ring::unlink);
        }
        System.out.flush();
        Runtime.getRuntime().halt(status); // the cleanup ran above; skip the hook's second pass
    }

    private int run() throws Exception {
        return switch (args.role) {
            case PRODUCE -> produce();
            case CONSUME -> consume();
            case PING -> ping();
            case PONG -> pong();
        };
    }

    private Ring create(String name) {
        RingSpec spec = (type != null ? RingSpec.of(args.slots, type) : RingSpec.of(args.slots, args.size))
                .singleProducer(spsc).singleConsumer(spsc);
        if (fanOut != null) {
            spec = RingSpec.of(args.slots, args.size).fanOut(fanOut);
        }
        Ring ring = Ring.create(name, spec);
        created.add(name);
        return ring;
    }

    private Ring open(String name) {
        return Ring.open(name, Duration.ofSeconds(5), type);
    }

    private void checkStop(String what, long done, long total) throws Stopped {
        if (stop || args.pastDeadline()) {
            throw new Stopped((stop ? "stopped" : "timed out") + " (" + what + " " + done + " of " + total + ")");
        }
    }

    // ---- throughput ----------------------------------------------------------------------------

    private int produce() throws Exception {
        long total = args.total();
        int size = args.size;
        int batch = args.batch;
        try (Ring ring = open(args.name); Producer producer = ring.producer(policy)) {
            if (args.flag("copy")) {
                return produceCopies(producer, total, size);
            }
            MemorySegment buffer = producer.buffer();
            long seq = 0;
            while (seq < total) {
                int n = batch == 1 ? (producer.claim(size, SLICE) < 0 ? 0 : 1)
                        : producer.claimBatch((int) Math.min(batch, total - seq), size, SLICE);
                for (int i = 0; i < n; i++) {
                    Payload.fill(buffer, producer.batchIndex(i), size, seq + i);
                }
                if (n > 0) {
                    producer.commit();
                    seq += n;
                }
                if (n == 0 || (seq & 1023) < n) {
                    checkStop("sent", seq, total);
                }
            }
        }
        System.out.println("result sent=" + total);
        return SideArgs.EXIT_OK;
    }

    /** {@code --copy}: each message is written into a buffer of the producer's own, then sent (copied in). */
    private int produceCopies(Producer producer, long total, int size) throws Exception {
        MemorySegment message = Arena.ofAuto().allocate(size, Long.BYTES);
        for (long seq = 0; seq < total; seq++) {
            Payload.fill(message, 0, size, seq);
            while (!producer.send(message, 0, size, SLICE)) {
                checkStop("sent", seq, total);
            }
            if ((seq & 1023) == 0) {
                checkStop("sent", seq, total);
            }
        }
        System.out.println("result sent=" + total);
        return SideArgs.EXIT_OK;
    }

    private int consume() throws Exception {
        if (args.flag("no-ring")) {
            return idleWithoutRing();
        }
        long total = args.total();
        if (fanOut == FanOutMode.OVERWRITE) {
            return consumeLossy(total);
        }
        Receiver receiver = new Receiver(args.size, args.warmup, total);
        Thread.currentThread().setName(SideLife.WAITER_THREAD); // also the native name the idle-CPU run reads
        try (Ring ring = args.consumer == 0 ? create(args.name) : Ring.open(args.name, Duration.ofSeconds(5));
             Consumer consumer = ring.consumer(policy)) {
            SideLife.ready();
            if (args.flag("copy")) {
                receiveCopies(consumer, receiver, total);
            } else {
                while (receiver.received < total) {
                    if (consumer.poll(receiver, POLL_LIMIT, SLICE) <= 0) {
                        checkStop("received", receiver.received, total);
                    }
                }
            }
        }
        double seconds = (receiver.endNanos - receiver.startNanos) / 1e9;
        System.out.println(String.format(Locale.ROOT, "result msgs=%d seconds=%.6f msgs_per_s=%.0f errors=%d",
                args.count, seconds, args.count / seconds, receiver.errors));
        return receiver.errors == 0 ? SideArgs.EXIT_OK : SideArgs.EXIT_ERRORS;
    }

    /** {@code --copy}: each message is received into a buffer of the consumer's own (copied out), then checked there. */
    private void receiveCopies(Consumer consumer, Receiver receiver, long total) throws Exception {
        MemorySegment message = Arena.ofAuto().allocate(Math.max(args.size, 1), Long.BYTES);
        while (receiver.received < total) {
            int length = consumer.receive(message, SLICE);
            if (length >= 0) {
                receiver.onMessage(message, 0, length);
            } else {
                checkStop("received", receiver.received, total);
            }
        }
    }

    /**
     * {@code --no-ring}: the idle-CPU floor. The same JVM with no ring; its waiting thread wakes once a
     * second, as an idle consumer's does (the longest a waiter stays in the C library before it looks at
     * interrupts, close and dead peers), and does nothing else: the JVM's own CPU is the rest
     * of the process, and that thread is what waking once a second costs any Java thread here.
     */
    private int idleWithoutRing() throws Stopped {
        Thread.currentThread().setName(SideLife.WAITER_THREAD);
        SideLife.ready();
        while (true) {
            LockSupport.parkNanos(NamedSemaphore.WAIT_SLICE.toNanos());
            checkStop("idle", 0, args.total());
        }
    }

    /**
     * An overwrite-mode fan-out consumer: messages arrive in order with gaps where it was lapped; it
     * reads until the last one, and its rate counts the messages it received, measured from the first
     * one past the warm-up. The consumer's own count of what it skipped must equal the gaps.
     */
    private int consumeLossy(long total) throws Exception {
        StreamCount stream = new StreamCount(args.warmup, total);
        int size = args.size;
        MessageHandler count = (buffer, index, length) -> {
            long seq = length >= Payload.SEQ_BYTES ? Payload.sequence(buffer, index) : -1;
            stream.accept(seq, length == size && Payload.verify(buffer, index, size, seq));
        };
        try (Ring ring = args.consumer == 0 ? create(args.name) : Ring.open(args.name, Duration.ofSeconds(5));
             Consumer consumer = ring.consumer(policy)) {
            SideLife.ready();
            while (!stream.complete()) {
                if (consumer.poll(count, POLL_LIMIT, SLICE) <= 0) {
                    checkStop("received", stream.received, total);
                }
            }
            if (consumer.messagesLost() != stream.gaps) {
                stream.errors++;
                System.err.println(SIDE + " consume: it counted " + consumer.messagesLost() + " lost, the sequence"
                        + " numbers show " + stream.gaps);
            }
        }
        System.out.println(stream.resultLine(true));
        return stream.exitStatus(true);
    }

    /** Verifies and counts messages; the clock starts at the first measured one. */
    private static final class Receiver implements MessageHandler {
        private final int size;
        private final long warmup;
        private final long total;
        long received;
        long errors;
        long startNanos;
        long endNanos;

        Receiver(int size, long warmup, long total) {
            this.size = size;
            this.warmup = warmup;
            this.total = total;
        }

        @Override
        public void onMessage(MemorySegment buffer, long index, int length) {
            if (length != size || !Payload.verify(buffer, index, size, received)) {
                errors++;
            }
            if (received == warmup) {
                startNanos = System.nanoTime();
            }
            if (++received == total) {
                endNanos = System.nanoTime();
            }
        }
    }

    // ---- latency -------------------------------------------------------------------------------

    private int ping() throws Exception {
        long total = args.total();
        Latency latency = new Latency(args.count);
        Echo reply = new Echo(null);
        try (Ring out = open(args.name + ".ab"); Ring in = open(args.name + ".ba");
             Producer producer = out.producer(policy); Consumer consumer = in.consumer(policy)) {
            MemorySegment buffer = producer.buffer();
            for (long seq = 0; seq < total; seq++) {
                long start = System.nanoTime();
                long index;
                while ((index = producer.claim(args.size, SLICE)) < 0) {
                    checkStop("round trips", seq, total);
                }
                Payload.fill(buffer, index, args.size, seq);
                producer.commit();
                reply.expected = seq;
                while (consumer.poll(reply, 1, SLICE) <= 0) {
                    checkStop("round trips", seq, total);
                }
                long rtt = System.nanoTime() - start;
                if (seq >= args.warmup) {
                    latency.record(rtt);
                }
            }
        }
        if (reply.errors > 0) {
            System.err.println(SIDE + " ping: " + reply.errors + " echoes did not match");
        }
        if (args.samples != null) {
            latency.writeSamples(args.samples);
        }
        System.out.println(latency.resultLine());
        return reply.errors == 0 ? SideArgs.EXIT_OK : SideArgs.EXIT_ERRORS;
    }

    private int pong() throws Exception {
        long total = args.total();
        try (Ring in = create(args.name + ".ab"); Ring out = create(args.name + ".ba");
             Consumer consumer = in.consumer(policy); Producer producer = out.producer(policy)) {
            Echo echo = new Echo(producer);
            SideLife.ready();
            while (echo.echoed < total) {
                if (consumer.poll(echo, 1, SLICE) <= 0) {
                    checkStop("echoes", echo.echoed, total);
                }
            }
        }
        return SideArgs.EXIT_OK;
    }

    /** pong: copies each message into the other ring; ping: checks the reply. */
    private static final class Echo implements MessageHandler {
        private final Producer producer;
        long expected;
        long echoed;
        long errors;

        Echo(Producer producer) {
            this.producer = producer;
        }

        @Override
        public void onMessage(MemorySegment buffer, long index, int length) {
            if (producer == null) {
                if (!Payload.verify(buffer, index, length, expected)) {
                    errors++;
                }
                return;
            }
            try {
                long at;
                while ((at = producer.claim(length, SLICE)) < 0) {
                    if (stop) {
                        throw new IllegalStateException("stopped");
                    }
                }
                MemorySegment.copy(buffer, index, producer.buffer(), at, length);
                producer.commit();
                echoed++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
