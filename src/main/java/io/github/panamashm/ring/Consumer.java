package io.github.panamashm.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.time.Duration;

import static io.github.panamashm.ring.RingLayout.INT;
import static io.github.panamashm.ring.RingLayout.LONG;

/**
 * Takes messages out of a {@link Ring}; each message goes to exactly one of the ring's consumers.
 *
 * <ul>
 *   <li>{@code receive} copies the next message into a buffer, waiting for one (for ever, or up to
 *       a timeout) and returns its length, {@link #END_OF_STREAM} once the ring is closed for
 *       writing and drained, or {@link #NO_MESSAGE} when the time ran out;</li>
 *   <li>{@code tryReceive} does the same without waiting;</li>
 *   <li>{@link #poll(MessageHandler, int)} hands up to a batch of messages to a handler as
 *       read-only views into the ring, without copying.</li>
 * </ul>
 * A message longer than the caller's buffer stays in the ring and the call throws
 * {@link IllegalArgumentException}: nothing is lost. The uncontended path neither allocates nor
 * makes a system call. A consumer is for one thread at a time.
 */
public final class Consumer implements AutoCloseable, Ring.Peer {

    /** The ring is closed for writing and every message has been taken. */
    public static final int END_OF_STREAM = -1;
    /** No message arrived in the time given. */
    public static final int NO_MESSAGE = -2;

    private final Ring ring;
    private final MemorySegment segment;
    private final MemorySegment readOnlySegment;
    private final PeerEntry peer;
    private final boolean single;
    private boolean endOfStream;
    /** Set while a message is taken and not yet released: guards against re-entry from a handler. */
    private boolean holding;
    private volatile boolean closed;

    Consumer(Ring ring, int peerIndex) {
        this.ring = ring;
        this.segment = ring.segment();
        this.readOnlySegment = segment.asReadOnly();
        this.peer = new PeerEntry(ring, peerIndex);
        this.single = ring.isSingleConsumer();
    }

    // ---- copy out --------------------------------------------------------------------------

    /** Waits for the next message and copies it to the start of {@code destination}; returns its length or {@link #END_OF_STREAM}. */
    public int receive(MemorySegment destination) throws InterruptedException {
        return receiveNanos(destination, -1);
    }

    /** As {@link #receive(MemorySegment)}, waiting up to {@code timeout}: {@link #NO_MESSAGE} if none came. */
    public int receive(MemorySegment destination, Duration timeout) throws InterruptedException {
        return receiveNanos(destination, Ring.timeoutNanos(timeout));
    }

    /** Copies the next message if there is one now: its length, {@link #NO_MESSAGE} or {@link #END_OF_STREAM}. */
    public int tryReceive(MemorySegment destination) {
        try {
            return receiveNanos(destination, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting receive cannot be interrupted", e);
        }
    }

    public int receive(byte[] destination) throws InterruptedException {
        return receiveNanos(destination, -1);
    }

    public int receive(byte[] destination, Duration timeout) throws InterruptedException {
        return receiveNanos(destination, Ring.timeoutNanos(timeout));
    }

    public int tryReceive(byte[] destination) {
        try {
            return receiveNanos(destination, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting receive cannot be interrupted", e);
        }
    }

    /** Copies the next message into the buffer at its position and advances the position. */
    public int receive(ByteBuffer destination) throws InterruptedException {
        return receiveNanos(destination, -1);
    }

    public int receive(ByteBuffer destination, Duration timeout) throws InterruptedException {
        return receiveNanos(destination, Ring.timeoutNanos(timeout));
    }

    public int tryReceive(ByteBuffer destination) {
        try {
            return receiveNanos(destination, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting receive cannot be interrupted", e);
        }
    }

    private int receiveNanos(MemorySegment destination, long timeoutNanos) throws InterruptedException {
        if (destination.isReadOnly()) {
            throw new IllegalArgumentException("destination segment is read-only");
        }
        long position = takeNext(destination.byteSize(), timeoutNanos);
        if (position < 0) {
            return (int) position;
        }
        int length = messageLength(position);
        try {
            MemorySegment.copy(segment, payloadOffset(position), destination, 0, length);
        } finally {
            release(position); // even if the copy failed (e.g. the destination's arena closed)
        }
        return length;
    }

    private int receiveNanos(byte[] destination, long timeoutNanos) throws InterruptedException {
        long position = takeNext(destination.length, timeoutNanos);
        if (position < 0) {
            return (int) position;
        }
        int length = messageLength(position);
        try {
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, payloadOffset(position), destination, 0, length);
        } finally {
            release(position);
        }
        return length;
    }

    private int receiveNanos(ByteBuffer destination, long timeoutNanos) throws InterruptedException {
        if (destination.isReadOnly()) {
            throw new IllegalArgumentException("destination buffer is read-only");
        }
        long position = takeNext(destination.remaining(), timeoutNanos);
        if (position < 0) {
            return (int) position;
        }
        int length = messageLength(position);
        try {
            if (destination.hasArray()) {
                MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, payloadOffset(position), destination.array(),
                        destination.arrayOffset() + destination.position(), length);
            } else {
                MemorySegment.copy(segment, payloadOffset(position), MemorySegment.ofBuffer(destination), 0, length);
            }
        } finally {
            release(position);
        }
        destination.position(destination.position() + length);
        return length;
    }

    // ---- zero copy -------------------------------------------------------------------------

    /**
     * Hands up to {@code limit} messages that are there now to {@code handler}, each as a read-only
     * view into the ring that is valid during the call. Returns how many were handled, or
     * {@link #END_OF_STREAM} if the ring is closed for writing, drained and none was handled. If the
     * handler throws, its message counts as taken and the exception propagates.
     */
    public int poll(MessageHandler handler, int limit) {
        try {
            return pollNanos(handler, limit, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting poll cannot be interrupted", e);
        }
    }

    /** As {@link #poll(MessageHandler, int)}, first waiting up to {@code timeout} for a message. */
    public int poll(MessageHandler handler, int limit, Duration timeout) throws InterruptedException {
        return pollNanos(handler, limit, Ring.timeoutNanos(timeout));
    }

    private int pollNanos(MessageHandler handler, int limit, long timeoutNanos) throws InterruptedException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        int handled = 0;
        while (handled < limit) {
            long position = takeNext(Long.MAX_VALUE, handled == 0 ? timeoutNanos : 0);
            if (position < 0) {
                return handled == 0 && position == END_OF_STREAM ? END_OF_STREAM : handled;
            }
            try {
                handler.onMessage(readOnlySegment.asSlice(payloadOffset(position), messageLength(position)));
            } finally {
                release(position);
            }
            handled++;
        }
        return handled;
    }

    /** Whether this consumer has seen the end of the stream (closed for writing and drained). */
    public boolean isEndOfStream() {
        return endOfStream;
    }

    // ---- the protocol ----------------------------------------------------------------------

    /**
     * Takes the next position (see panama_shm.h, pshm_take_next): ready when its slot's sequence is
     * position + 1. A message longer than {@code capacity} is left in the ring. Returns the
     * position, {@link #NO_MESSAGE} or {@link #END_OF_STREAM}.
     */
    private long takeNext(long capacity, long timeoutNanos) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("consumer is closed");
        }
        if (holding) {
            // e.g. a poll handler calling receive: a second take would overwrite the intent record
            // that keeps the held message's slot from being recovered as a dead consumer's
            throw new IllegalStateException("this consumer is inside a poll handler; use another consumer");
        }
        long deadline = Ring.deadline(timeoutNanos);
        peer.startWaiting();
        while (true) {
            long head = (long) LONG.getOpaque(segment, RingLayout.HEAD_OFFSET);
            long slot = ring.slotOffset(head);
            long sequence = (long) LONG.getAcquire(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET);
            if (sequence == head + 1) {
                boolean skip = ((int) INT.get(segment, slot + RingLayout.SLOT_FLAGS_OFFSET) & RingLayout.SLOT_SKIP) != 0;
                long length = Integer.toUnsignedLong((int) INT.get(segment, slot + RingLayout.SLOT_LENGTH_OFFSET));
                if (!skip && length > capacity && length <= ring.maxPayload) {
                    VarHandle.acquireFence(); // the length read stays before the second look at the head
                    if ((long) LONG.getOpaque(segment, RingLayout.HEAD_OFFSET) != head) {
                        continue; // another consumer took it meanwhile: the length read was not ours
                    }
                    throw new IllegalArgumentException("the next message is " + length + " bytes and does not fit in "
                            + capacity + "; it stays in the ring");
                }
                if (!take(head)) {
                    continue;
                }
                if (skip) {
                    releaseSlot(head);
                    continue;
                }
                if (length > ring.maxPayload) {
                    releaseSlot(head); // drop it: it cannot be read without leaving the slot
                    throw new RingFormatException(ring.name(), "slot of position " + head + " claims " + length
                            + " bytes, more than the maximum " + ring.maxPayload);
                }
                holding = true;
                return head;
            }
            if (sequence - (head + 1) > 0) {
                continue; // another consumer took it: reload the head
            }
            // empty, or claimed and not yet published
            long tail = (long) LONG.getVolatile(segment, RingLayout.TAIL_OFFSET);
            if (tail == head && (int) INT.getVolatile(segment, RingLayout.STATE_OFFSET) == RingLayout.STATE_CLOSED
                    && (long) LONG.getVolatile(segment, RingLayout.TAIL_OFFSET) == head) {
                endOfStream = true;
                return END_OF_STREAM;
            }
            if (tail > head && peer.stuckLongEnough(head) && skipIfProducerDead(head)) {
                continue;
            }
            if (!peer.awaitStep(RingLayout.BELL_DATA, timeoutNanos, deadline)) {
                return NO_MESSAGE;
            }
        }
    }

    private boolean take(long head) {
        peer.intend(head, head + 1);
        if (single) {
            LONG.setRelease(segment, RingLayout.HEAD_OFFSET, head + 1);
            return true;
        }
        if (LONG.compareAndSet(segment, RingLayout.HEAD_OFFSET, head, head + 1)) {
            return true;
        }
        peer.forgetIntent();
        return false;
    }

    /**
     * The slot at {@code head} was claimed (the tail is past it) but is unpublished. If no live
     * producer owns the position, its producer died: take the position and skip it.
     */
    private boolean skipIfProducerDead(long head) {
        // Order matters: the owner scan comes before the last look at the slot. A live owner changes
        // its intent only after publishing, so if the scan missed it because it moved on, the
        // sequence read afterwards shows the publication.
        if ((long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET) <= head
                || ring.peerTable.ownerAlive(RingLayout.ROLE_PRODUCER, head)
                || (long) LONG.getAcquire(segment, ring.slotOffset(head) + RingLayout.SLOT_SEQUENCE_OFFSET) != head
                || !take(head)) {
            return false;
        }
        LONG.getAndAdd(segment, RingLayout.ABANDONED_BY_PRODUCERS_OFFSET, 1L);
        releaseSlot(head);
        ring.doorbells.ringData(); // other consumers sleep behind the same position
        return true;
    }

    private void release(long position) {
        holding = false;
        peer.countMessage();
        releaseSlot(position);
    }

    private void releaseSlot(long position) {
        LONG.setRelease(segment, ring.slotOffset(position) + RingLayout.SLOT_SEQUENCE_OFFSET, position + ring.slotCount);
        ring.doorbells.ringSpace();
    }

    /** The length of the message taken at {@code position} (checked against the maximum when taken). */
    private int messageLength(long position) {
        return (int) INT.get(segment, ring.slotOffset(position) + RingLayout.SLOT_LENGTH_OFFSET);
    }

    private long payloadOffset(long position) {
        return ring.slotOffset(position) + RingLayout.SLOT_HEADER_SIZE;
    }

    /** Messages this consumer has taken. */
    public long messagesReceived() {
        return peer.messages();
    }

    public Ring ring() {
        return ring;
    }

    /** Detaches from the ring. Call it from the thread that uses this consumer, not from a poll handler. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (holding) {
            throw new IllegalStateException("cannot close a consumer inside its poll handler");
        }
        closed = true;
        ring.peerTable.detach(peer.index, RingLayout.ROLE_CONSUMER);
        ring.forget(this);
    }

    @Override
    public void ringClosed() {
        closed = true;
    }
}
