// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import io.github.panamashm.bench.SideFailure.SetupException;
import io.github.panamashm.bench.SideFailure.Stopped;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.agrona.BitUtil;
import org.agrona.IoUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastBufferDescriptor;
import org.agrona.concurrent.broadcast.BroadcastReceiver;
import org.agrona.concurrent.broadcast.BroadcastTransmitter;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The Agrona competitor: an {@link OneToOneRingBuffer} in a file under {@code /dev/shm}, used the
 * way its best users use it. The producer claims space with {@code tryClaim}, writes the message
 * in place and commits it (zero copy), busy-spinning while the ring is full; the consumer drains
 * with {@code read(handler, 256)} and busy-spins while it is empty. Ping and pong use two rings,
 * {@code NAME.ab} (ping to pong) and {@code NAME.ba} (pong to ping).
 *
 * <p>The ring holds {@code --slots} messages: its capacity is the next power of two of
 * {@code slots * align(size + 8, 8)} bytes, plus Agrona's trailer. The creating side
 * ({@code consume}, {@code pong}) makes the file, faults every page in and prints {@code ready};
 * the other waits up to 5 s for the file to reach its full length.
 *
 * <p>{@code --broadcast}: Agrona's broadcast buffer instead, for fan-out: a {@link BroadcastTransmitter}
 * that never waits ({@code transmit} copies each message in; the API has no claim), and receivers
 * ({@code --consumer 0} makes the file, the others map it) that each read every message they are not
 * lapped on, with {@link BroadcastReceiver#receiveNext()}, a copy, and {@link BroadcastReceiver#validate()}
 * after it, as the receiver's documentation asks (its CopyBroadcastReceiver does the same, but throws
 * when a copy was overwritten, where a benchmark has to go on).
 */
public final class AgronaSide {

    private static final String SIDE = "AgronaSide";
    private static final int MSG_TYPE_ID = 1;
    private static final int READ_LIMIT = 256;
    /** Loops look at the stop flag and the deadline once every this many turns. */
    private static final int CHECK_MASK = 1023;
    private static final long ATTACH_WAIT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final int PAGE = 4096;

    private static final SideLife life = new SideLife(SIDE, () -> { });

    private final SideArgs args;
    private final boolean broadcast;
    private final int fileLength;

    private AgronaSide(SideArgs args) throws SetupException {
        this.args = args;
        this.broadcast = args.flag("broadcast");
        this.fileLength = broadcast ? broadcastFileLength(args.size, args.slots) : ringFileLength(args.size, args.slots);
    }

    public static void main(String[] argv) {
        SideArgs args = SideArgs.parseOrExit(SIDE, argv, Set.of("broadcast"), Set.of());
        int status;
        try {
            status = new AgronaSide(args).run();
        } catch (SetupException | IOException e) {
            System.err.println(SIDE + " " + args.role + ": " + e.getMessage());
            status = SideArgs.EXIT_SETUP;
        } catch (Stopped e) {
            System.err.println(SIDE + " " + args.role + ": " + e.getMessage());
            status = SideArgs.EXIT_TIMEOUT;
        } catch (RuntimeException | OutOfMemoryError e) {
            System.err.println(SIDE + " " + args.role + ": failed: " + e);
            status = SideArgs.EXIT_SETUP;
        }
        life.exit(status);
    }

    private int run() throws SetupException, IOException {
        return switch (args.role) {
            case PRODUCE -> broadcast ? transmit() : produce();
            case CONSUME -> broadcast ? receiveBroadcast() : consume();
            case PING -> ping();
            case PONG -> pong();
        };
    }

    private int transmit() throws SetupException {
        MappedByteBuffer file = attach(ringPath(""));
        try {
            BroadcastTransmitter transmitter = new BroadcastTransmitter(new UnsafeBuffer(file));
            UnsafeBuffer message = new UnsafeBuffer(new byte[args.size]);
            int size = args.size;
            long total = args.total();
            for (long seq = 0; seq < total; seq++) {
                Payload.fill(message, 0, size, seq);
                transmitter.transmit(MSG_TYPE_ID, message, 0, size); // never waits: slow receivers are lapped
                if ((seq & CHECK_MASK) == 0) {
                    checkStop("sent", seq, total);
                }
            }
            System.out.println("result sent=" + total);
            return SideArgs.EXIT_OK;
        } finally {
            IoUtil.unmap(file);
        }
    }

    private int receiveBroadcast() throws SetupException, IOException {
        MappedByteBuffer file = args.consumer == 0 ? create(ringPath("")) : attach(ringPath(""));
        try {
            BroadcastReceiver receiver = new BroadcastReceiver(new UnsafeBuffer(file));
            MutableDirectBuffer buffer = receiver.buffer();
            UnsafeBuffer copy = new UnsafeBuffer(new byte[args.size]);
            int size = args.size;
            long total = args.total();
            StreamCount stream = new StreamCount(args.warmup, total);
            int turns = 0;
            SideLife.ready();
            while (!stream.complete()) {
                if (!receiver.receiveNext()) {
                    Thread.onSpinWait();
                    if ((++turns & CHECK_MASK) == 0) {
                        checkStop("received", stream.received, total);
                    }
                    continue;
                }
                int length = receiver.length();
                boolean sized = receiver.typeId() == MSG_TYPE_ID && length == size;
                if (sized) {
                    copy.putBytes(0, buffer, receiver.offset(), length);
                }
                if (!receiver.validate()) {
                    continue; // overwritten while copied: lapped, the next receiveNext catches up
                }
                long seq = sized ? Payload.sequence(copy, 0) : -1;
                stream.accept(seq, sized && Payload.verify(copy, 0, size, seq));
            }
            System.out.println(stream.resultLine(true));
            return stream.exitStatus(true);
        } finally {
            IoUtil.unmap(file);
        }
    }

    private int produce() throws SetupException, IOException {
        MappedByteBuffer file = attach(ringPath(""));
        try {
            RingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(file));
            AtomicBuffer buffer = ring.buffer();
            int size = args.size;
            long total = args.total();
            int spins = 0;
            for (long seq = 0; seq < total; seq++) {
                int index;
                while ((index = ring.tryClaim(MSG_TYPE_ID, size)) < 0) {
                    Thread.onSpinWait();
                    if ((++spins & CHECK_MASK) == 0) {
                        checkStop("sent", seq, total);
                    }
                }
                Payload.fill(buffer, index, size, seq);
                ring.commit(index);
                if ((seq & CHECK_MASK) == 0) {
                    checkStop("sent", seq, total);
                }
            }
            System.out.println("result sent=" + total);
            return SideArgs.EXIT_OK;
        } finally {
            IoUtil.unmap(file);
        }
    }

    private int consume() throws SetupException, IOException {
        MappedByteBuffer file = create(ringPath(""));
        try {
            RingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(file));
            Receiver receiver = new Receiver(args.size, args.warmup, args.total());
            SideLife.ready();
            long total = args.total();
            int turns = 0;
            while (receiver.received < total) {
                if (ring.read(receiver, READ_LIMIT) == 0) {
                    Thread.onSpinWait();
                }
                if ((++turns & CHECK_MASK) == 0) {
                    checkStop("received", receiver.received, total);
                }
            }
            double seconds = (receiver.endNanos - receiver.startNanos) / 1e9;
            System.out.println(String.format(Locale.ROOT, "result msgs=%d seconds=%.6f msgs_per_s=%.0f errors=%d",
                    args.count, seconds, args.count / seconds, receiver.errors));
            return receiver.errors == 0 ? SideArgs.EXIT_OK : SideArgs.EXIT_ERRORS;
        } finally {
            IoUtil.unmap(file);
        }
    }

    private int ping() throws SetupException, IOException {
        Latency latency = new Latency(args.count);
        MappedByteBuffer outFile = attach(ringPath(".ab"));
        MappedByteBuffer inFile = null;
        try {
            inFile = attach(ringPath(".ba"));
            RingBuffer out = new OneToOneRingBuffer(new UnsafeBuffer(outFile));
            RingBuffer in = new OneToOneRingBuffer(new UnsafeBuffer(inFile));
            AtomicBuffer outBuffer = out.buffer();
            Echoed echoed = new Echoed(args.size);
            int size = args.size;
            long total = args.total();
            long errors = 0;
            int spins = 0;
            for (long round = 0; round < total; round++) {
                long start = System.nanoTime();
                int index;
                while ((index = out.tryClaim(MSG_TYPE_ID, size)) < 0) {
                    Thread.onSpinWait();
                    if ((++spins & CHECK_MASK) == 0) {
                        checkStop("round trips", round, total);
                    }
                }
                Payload.fill(outBuffer, index, size, round);
                out.commit(index);
                echoed.expected = round;
                while (in.read(echoed, READ_LIMIT) == 0) {
                    Thread.onSpinWait();
                    if ((++spins & CHECK_MASK) == 0) {
                        checkStop("round trips", round, total);
                    }
                }
                long end = System.nanoTime();
                if (!echoed.ok) {
                    errors++;
                }
                if (round >= args.warmup) {
                    latency.record(end - start);
                }
                if ((round & CHECK_MASK) == 0) {
                    checkStop("round trips", round, total);
                }
            }
            System.out.println(latency.resultLine());
            if (args.samples != null) {
                latency.writeSamples(args.samples);
            }
            if (errors != 0) {
                System.err.println(SIDE + " ping: " + errors + " echoed messages failed verification");
                return SideArgs.EXIT_ERRORS;
            }
            return SideArgs.EXIT_OK;
        } finally {
            IoUtil.unmap(outFile);
            if (inFile != null) {
                IoUtil.unmap(inFile);
            }
        }
    }

    private int pong() throws SetupException, IOException {
        MappedByteBuffer inFile = create(ringPath(".ab"));
        MappedByteBuffer outFile = null;
        try {
            outFile = create(ringPath(".ba"));
            RingBuffer in = new OneToOneRingBuffer(new UnsafeBuffer(inFile));
            Echo echo = new Echo(new OneToOneRingBuffer(new UnsafeBuffer(outFile)), this);
            SideLife.ready();
            long total = args.total();
            int turns = 0;
            while (echo.echoed < total) {
                if (in.read(echo, READ_LIMIT) == 0) {
                    Thread.onSpinWait();
                }
                if ((++turns & CHECK_MASK) == 0) {
                    checkStop("echoed", echo.echoed, total);
                }
            }
            return SideArgs.EXIT_OK;
        } finally {
            IoUtil.unmap(inFile);
            if (outFile != null) {
                IoUtil.unmap(outFile);
            }
        }
    }

    /** Counts and verifies what {@code consume} receives; the clock runs from message {@code warmup} to the last. */
    private static final class Receiver implements MessageHandler {
        private final int size;
        private final long warmup;
        private final long total;
        long received;
        long expected;
        long errors;
        long startNanos;
        long endNanos;

        Receiver(int size, long warmup, long total) {
            this.size = size;
            this.warmup = warmup;
            this.total = total;
        }

        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            if (received == warmup) {
                startNanos = System.nanoTime();
            }
            if (msgTypeId != MSG_TYPE_ID || length != size || !Payload.verify(buffer, index, size, expected)) {
                errors++;
                if (length >= Payload.SEQ_BYTES) {
                    expected = Payload.sequence(buffer, index);
                }
            }
            expected++;
            if (++received == total) {
                endNanos = System.nanoTime();
            }
        }
    }

    /** What {@code ping} gets back: whether the echo is the message it sent. */
    private static final class Echoed implements MessageHandler {
        private final int size;
        long expected;
        boolean ok;

        Echoed(int size) {
            this.size = size;
        }

        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            ok = msgTypeId == MSG_TYPE_ID && length == size && Payload.verify(buffer, index, size, expected);
        }
    }

    /** {@code pong}: copies each message as it is into the ring back to {@code ping}. */
    private static final class Echo implements MessageHandler {
        private final RingBuffer out;
        private final AtomicBuffer outBuffer;
        private final AgronaSide side;
        long echoed;

        Echo(RingBuffer out, AgronaSide side) {
            this.out = out;
            this.outBuffer = out.buffer();
            this.side = side;
        }

        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            int claimed;
            int spins = 0;
            while ((claimed = out.tryClaim(msgTypeId, length)) < 0) {
                Thread.onSpinWait();
                if ((++spins & CHECK_MASK) == 0) {
                    side.checkStop("echoed", echoed, side.args.total());
                }
            }
            outBuffer.putBytes(claimed, buffer, index, length);
            out.commit(claimed);
            echoed++;
        }
    }

    /** The ring file's length for messages of {@code size} bytes and {@code slots} of them. */
    private static int ringFileLength(int size, int slots) throws SetupException {
        long record = BitUtil.align(size + RecordDescriptor.HEADER_LENGTH, RecordDescriptor.ALIGNMENT);
        long capacity = BitUtil.findNextPositivePowerOfTwo(slots * record);
        if (capacity > 1 << 30) {
            throw new SetupException("--slots " + slots + " of " + size + "-byte messages need a ring of " + capacity
                    + " bytes; Agrona takes at most " + (1 << 30));
        }
        if (size > Math.max(RecordDescriptor.HEADER_LENGTH, capacity >> 3)) {
            throw new SetupException("--slots " + slots + " is too few: Agrona's OneToOneRingBuffer of " + capacity
                    + " bytes takes messages of up to " + (capacity >> 3) + " bytes (capacity / 8), not " + size);
        }
        return (int) capacity + RingBufferDescriptor.TRAILER_LENGTH;
    }

    /** The broadcast buffer file's length: {@code slots} records of {@code size} bytes, a power of two, and the trailer. */
    private static int broadcastFileLength(int size, int slots) throws SetupException {
        long record = BitUtil.align(size + org.agrona.concurrent.broadcast.RecordDescriptor.HEADER_LENGTH,
                org.agrona.concurrent.broadcast.RecordDescriptor.RECORD_ALIGNMENT);
        long capacity = BitUtil.findNextPositivePowerOfTwo(slots * record);
        if (capacity > 1 << 30) {
            throw new SetupException("--slots " + slots + " of " + size + "-byte messages need a broadcast buffer of "
                    + capacity + " bytes; this benchmark maps at most " + (1 << 30));
        }
        return (int) capacity + BroadcastBufferDescriptor.TRAILER_LENGTH;
    }

    private Path ringPath(String suffix) throws SetupException {
        String file = args.name.startsWith("/") ? args.name.substring(1) : args.name;
        if (file.isEmpty() || file.contains("/")) {
            throw new SetupException("--name must be a file name under /dev/shm such as /pshm-bench-1, not \""
                    + args.name + "\"");
        }
        return Path.of("/dev/shm", file + suffix);
    }

    /** Makes a new ring file, zero as new files are, with every page faulted in (as IoUtil.mapNewFile does). */
    private static MappedByteBuffer create(Path path, int length) throws SetupException, IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            life.created(path);
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
            for (int i = 0; i < length; i += PAGE) {
                map.put(i, (byte) 0);
            }
            return map;
        } catch (FileAlreadyExistsException e) {
            throw new SetupException(path + " already exists (left over from an earlier run? delete it)");
        }
    }

    private MappedByteBuffer create(Path path) throws SetupException, IOException {
        return create(path, fileLength);
    }

    /** Maps the ring file another process creates, waiting up to 5 s for it to exist at its full length. */
    private MappedByteBuffer attach(Path path) throws SetupException {
        long giveUp = System.nanoTime() + ATTACH_WAIT_NS;
        long seen = -1;
        IOException problem = null;
        while (true) {
            try {
                seen = Files.size(path);
                problem = null;
                if (seen == fileLength) {
                    return IoUtil.mapExistingFile(path.toFile(), "ring " + path);
                }
            } catch (NoSuchFileException e) {
                seen = -1;
                problem = null;
            } catch (IOException e) {
                // also what IoUtil.mapExistingFile throws (unchecked), e.g. when the file went in between
                problem = e;
            }
            if (life.stopped() || args.pastDeadline()) {
                throw new Stopped(stopReason() + " waiting for " + path);
            }
            if (System.nanoTime() - giveUp >= 0) {
                if (problem != null) {
                    throw new SetupException("cannot map " + path + ": " + problem);
                }
                throw new SetupException(seen < 0
                        ? "no ring at " + path + " after 5 s"
                        : path + " is " + seen + " bytes, not " + fileLength + " (same --size and --slots on both sides?)");
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stopped("interrupted while waiting for " + path);
            }
        }
    }

    /** Throws {@link Stopped} once the process is being stopped or the deadline has passed. */
    private void checkStop(String what, long done, long total) {
        if (life.stopped() || args.pastDeadline()) {
            throw new Stopped(stopReason() + " (" + what + " " + done + " of " + total + ")");
        }
    }

    private String stopReason() {
        return life.stopped() ? "stopped" : "timed out after " + args.timeoutMs + " ms";
    }
}
