package io.github.panamashm.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;

import static io.github.panamashm.ring.RingLayout.INT;
import static io.github.panamashm.ring.RingLayout.LONG;

/**
 * Puts messages into a {@link Ring}. Each message goes to exactly one consumer; the messages of
 * one producer reach any single consumer in the order sent.
 *
 * <ul>
 *   <li>{@code offer} never waits: false when the ring is full;</li>
 *   <li>{@code send} waits for space (for ever, or up to a timeout: then false);</li>
 *   <li>{@link #claim}/{@link #tryClaim} then {@link #commit()} write in place, without a copy.</li>
 * </ul>
 * A message larger than {@link Ring#maxMessageSize()} is refused with
 * {@link IllegalArgumentException}; a ring closed for writing with {@link RingClosedException}.
 * The uncontended path neither allocates nor makes a system call: the doorbell is rung only when a
 * consumer announced that it sleeps. A producer is for one thread at a time.
 */
public final class Producer implements AutoCloseable, Ring.Peer {

    private final Ring ring;
    private final MemorySegment segment;
    private final PeerEntry peer;
    private final boolean single;
    private final int pid;
    private long claimedPosition = -1;
    private volatile boolean closed;

    Producer(Ring ring, int peerIndex) {
        this.ring = ring;
        this.segment = ring.segment();
        this.peer = new PeerEntry(ring, peerIndex);
        this.single = ring.isSingleProducer();
        this.pid = (int) ProcessHandle.current().pid();
    }

    // ---- copy in ---------------------------------------------------------------------------

    /** Sends {@code message} if there is space now; returns false if the ring is full. */
    public boolean offer(MemorySegment message) {
        try {
            return sendNanos(message, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting offer cannot be interrupted", e);
        }
    }

    public boolean offer(byte[] message) {
        return offer(message, 0, message.length);
    }

    public boolean offer(byte[] message, int offset, int length) {
        try {
            return sendNanos(message, offset, length, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting offer cannot be interrupted", e);
        }
    }

    /** Sends the buffer's remaining bytes if there is space now; advances its position if sent. */
    public boolean offer(ByteBuffer message) {
        try {
            return sendNanos(message, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting offer cannot be interrupted", e);
        }
    }

    /** Sends {@code message}, waiting as long as the ring is full. */
    public void send(MemorySegment message) throws InterruptedException {
        sendNanos(message, -1);
    }

    public void send(byte[] message) throws InterruptedException {
        sendNanos(message, 0, message.length, -1);
    }

    public void send(ByteBuffer message) throws InterruptedException {
        sendNanos(message, -1);
    }

    /** Sends {@code message}, waiting up to {@code timeout} for space; false if the time ran out. */
    public boolean send(MemorySegment message, Duration timeout) throws InterruptedException {
        return sendNanos(message, Ring.timeoutNanos(timeout));
    }

    public boolean send(byte[] message, Duration timeout) throws InterruptedException {
        return sendNanos(message, 0, message.length, Ring.timeoutNanos(timeout));
    }

    public boolean send(ByteBuffer message, Duration timeout) throws InterruptedException {
        return sendNanos(message, Ring.timeoutNanos(timeout));
    }

    private boolean sendNanos(MemorySegment message, long timeoutNanos) throws InterruptedException {
        int length = checkedLength(message.byteSize());
        long position = claimPosition(length, timeoutNanos);
        if (position < 0) {
            return false;
        }
        try {
            MemorySegment.copy(message, 0, segment, payloadOffset(position), length);
        } catch (Throwable e) {
            publishSkip(position); // e.g. the source's arena closed: never leave a position claimed
            throw e;
        }
        publish(position);
        return true;
    }

    private boolean sendNanos(byte[] message, int offset, int length, long timeoutNanos) throws InterruptedException {
        java.util.Objects.checkFromIndexSize(offset, length, message.length);
        checkedLength(length);
        long position = claimPosition(length, timeoutNanos);
        if (position < 0) {
            return false;
        }
        MemorySegment.copy(message, offset, segment, ValueLayout.JAVA_BYTE, payloadOffset(position), length);
        publish(position);
        return true;
    }

    private boolean sendNanos(ByteBuffer message, long timeoutNanos) throws InterruptedException {
        int length = checkedLength(message.remaining());
        long position = claimPosition(length, timeoutNanos);
        if (position < 0) {
            return false;
        }
        try {
            if (message.hasArray()) {
                MemorySegment.copy(message.array(), message.arrayOffset() + message.position(), segment,
                        ValueLayout.JAVA_BYTE, payloadOffset(position), length);
            } else {
                MemorySegment.copy(MemorySegment.ofBuffer(message), 0, segment, payloadOffset(position), length);
            }
        } catch (Throwable e) {
            publishSkip(position);
            throw e;
        }
        message.position(message.position() + length);
        publish(position);
        return true;
    }

    // ---- zero copy -------------------------------------------------------------------------

    /**
     * Claims space for a message of {@code length} bytes, waiting as long as the ring is full, and
     * returns the slot's memory to write it into. {@link #commit()} publishes it; until then
     * consumers wait at this position, so commit promptly.
     */
    public MemorySegment claim(int length) throws InterruptedException {
        return claimNanos(length, -1);
    }

    /** As {@link #claim(int)}, but returns null instead of waiting if the ring is full. */
    public MemorySegment tryClaim(int length) {
        try {
            return claimNanos(length, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting claim cannot be interrupted", e);
        }
    }

    /** As {@link #claim(int)}, waiting up to {@code timeout}; null if the time ran out. */
    public MemorySegment claim(int length, Duration timeout) throws InterruptedException {
        return claimNanos(length, Ring.timeoutNanos(timeout));
    }

    private MemorySegment claimNanos(int length, long timeoutNanos) throws InterruptedException {
        checkedLength(length);
        long position = claimPosition(length, timeoutNanos);
        if (position < 0) {
            return null;
        }
        claimedPosition = position;
        return segment.asSlice(payloadOffset(position), length);
    }

    /** Publishes the claimed message with the length claimed. */
    public void commit() {
        requireClaim();
        long position = claimedPosition;
        claimedPosition = -1;
        publish(position);
    }

    /** Publishes the claimed message with {@code length} bytes, at most the length claimed. */
    public void commit(int length) {
        requireClaim();
        long slot = ring.slotOffset(claimedPosition);
        int claimed = (int) INT.get(segment, slot + RingLayout.SLOT_LENGTH_OFFSET);
        if (length < 0 || length > claimed) {
            throw new IllegalArgumentException("commit of " + length + " bytes, but " + claimed + " were claimed");
        }
        INT.set(segment, slot + RingLayout.SLOT_LENGTH_OFFSET, length);
        commit();
    }

    /** Gives up the claimed message: consumers skip its position. */
    public void abort() {
        requireClaim();
        long position = claimedPosition;
        claimedPosition = -1;
        publishSkip(position);
    }

    private void requireClaim() {
        if (claimedPosition < 0) {
            throw new IllegalStateException("nothing is claimed");
        }
    }

    // ---- the protocol ----------------------------------------------------------------------

    /**
     * Claims the next position (see panama_shm.h, pshm_claim): free when its slot's sequence equals
     * it. Records the intent in this peer's entry before the cursor moves, so that a consumer can
     * tell a position whose producer died. Returns the position, or -1 if the time ran out.
     */
    private long claimPosition(int length, long timeoutNanos) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("producer is closed");
        }
        if (claimedPosition >= 0) {
            // a second claim would overwrite the intent record that keeps the first one alive
            throw new IllegalStateException("a claimed message is not committed or aborted yet");
        }
        long deadline = Ring.deadline(timeoutNanos);
        peer.startWaiting();
        while (true) {
            if (ring.isClosedForWriting()) {
                throw new RingClosedException(ring.name());
            }
            long tail = (long) LONG.getOpaque(segment, RingLayout.TAIL_OFFSET);
            long slot = ring.slotOffset(tail);
            long sequence = (long) LONG.getAcquire(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET);
            if (sequence == tail) {
                peer.intend(tail, tail + 1);
                boolean won = single;
                if (single) {
                    LONG.setVolatile(segment, RingLayout.TAIL_OFFSET, tail + 1);
                } else {
                    won = LONG.compareAndSet(segment, RingLayout.TAIL_OFFSET, tail, tail + 1);
                }
                if (won) {
                    INT.set(segment, slot + RingLayout.SLOT_PRODUCER_PID_OFFSET, pid);
                    if ((int) INT.getVolatile(segment, RingLayout.STATE_OFFSET) == RingLayout.STATE_CLOSED) {
                        // closed while claiming: consumers may already have seen the end of the stream,
                        // so give the position up rather than publish a message nobody would read
                        publishSkip(tail);
                        throw new RingClosedException(ring.name());
                    }
                    INT.set(segment, slot + RingLayout.SLOT_LENGTH_OFFSET, length);
                    INT.set(segment, slot + RingLayout.SLOT_FLAGS_OFFSET, 0);
                    return tail;
                }
                peer.forgetIntent();
                continue;
            }
            if (sequence - tail > 0) {
                continue; // another producer took it: reload the tail
            }
            // full: the slot's last message is unread, or taken by a consumer that has not released it
            if (tail >= ring.slotCount
                    && (long) LONG.getOpaque(segment, RingLayout.HEAD_OFFSET) > tail - ring.slotCount
                    && peer.stuckLongEnough(tail) && recoverFromDeadConsumer(tail)) {
                continue;
            }
            if (!peer.awaitStep(RingLayout.BELL_SPACE, timeoutNanos, deadline)) {
                return -1;
            }
        }
    }

    /**
     * The slot this producer waits for holds position {@code tail - slotCount}, which a consumer took
     * and never released: its sequence is that position + 1 (taken after publication) or the
     * position itself (taken to skip a dead producer's position). If no live consumer owns it, the
     * consumer died: release the slot for it. The owner scan precedes the compare-and-set, and a live
     * owner releases before it moves its intent on, so the compare-and-set fails on a slot its owner
     * released meanwhile.
     */
    private boolean recoverFromDeadConsumer(long tail) {
        long stuck = tail - ring.slotCount;
        if (stuck < 0) {
            return false;
        }
        long slot = ring.slotOffset(stuck);
        if ((long) LONG.getAcquire(segment, RingLayout.HEAD_OFFSET) <= stuck) {
            return false;
        }
        long sequence = (long) LONG.getAcquire(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET);
        if ((sequence != stuck + 1 && sequence != stuck) || ring.peerTable.ownerAlive(RingLayout.ROLE_CONSUMER, stuck)) {
            return false;
        }
        if (!LONG.compareAndSet(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET, sequence, stuck + ring.slotCount)) {
            return false;
        }
        if (sequence == stuck + 1) {
            LONG.getAndAdd(segment, RingLayout.LOST_IN_CONSUMERS_OFFSET, 1L);
        }
        ring.doorbells.ringSpace(); // other producers sleep behind the same slot
        return true;
    }

    /** Publishes {@code position} as a slot consumers pass over. */
    private void publishSkip(long position) {
        long slot = ring.slotOffset(position);
        INT.set(segment, slot + RingLayout.SLOT_LENGTH_OFFSET, 0);
        INT.set(segment, slot + RingLayout.SLOT_FLAGS_OFFSET, RingLayout.SLOT_SKIP);
        LONG.setRelease(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET, position + 1);
        ring.doorbells.ringData();
    }

    private void publish(long position) {
        LONG.setRelease(segment, ring.slotOffset(position) + RingLayout.SLOT_SEQUENCE_OFFSET, position + 1);
        peer.countMessage();
        ring.doorbells.ringData();
    }

    private long payloadOffset(long position) {
        return ring.slotOffset(position) + RingLayout.SLOT_HEADER_SIZE;
    }

    private int checkedLength(long length) {
        if (length < 0) {
            throw new IllegalArgumentException("message length must not be negative: " + length);
        }
        if (length > ring.maxPayload) {
            throw new IllegalArgumentException("message of " + length + " bytes exceeds the maximum of ring "
                    + ring.name() + " (" + ring.maxPayload + " bytes)");
        }
        return (int) length;
    }

    /** Messages this producer has published. */
    public long messagesSent() {
        return peer.messages();
    }

    public Ring ring() {
        return ring;
    }

    /**
     * Detaches from the ring. A claim not yet committed is aborted first, so consumers do not wait
     * for it. Call it from the thread that uses this producer. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (claimedPosition >= 0) {
            abort();
        }
        closed = true;
        ring.peerTable.detach(peer.index, RingLayout.ROLE_PRODUCER);
        ring.forget(this);
    }

    @Override
    public void ringClosed() {
        closed = true;
    }
}
