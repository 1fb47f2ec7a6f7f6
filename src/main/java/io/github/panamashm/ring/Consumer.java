// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.time.Duration;

import static io.github.panamashm.ring.RingLayout.INT;
import static io.github.panamashm.ring.RingLayout.LONG;

/**
 * Takes messages out of a {@link Ring}; made by {@link Ring#consumer()}. Each message goes to
 * exactly one of the ring's consumers; the messages of one producer reach each consumer in the order
 * sent. In a fan-out ring ({@link RingSpec#fanOut()}) every consumer reads every message published
 * after it attached, from a cursor of its own, with the same calls.
 *
 * <ul>
 *   <li>{@code receive} copies the next message into a buffer, waiting for one (for ever, or up to
 *       a timeout) and returns its length, {@link #END_OF_STREAM} once the ring is closed for
 *       writing and drained, or {@link #NO_MESSAGE} when the time ran out;</li>
 *   <li>{@code tryReceive} does the same without waiting;</li>
 *   <li>{@link #poll(MessageHandler, int)} takes up to a batch of messages with one move of the
 *       ring's cursor and hands them to a handler in place, without copying, then gives their slots
 *       back with one look at the doorbell.</li>
 * </ul>
 * Receiving until the ring is closed for writing and drained:
 * {@snippet class="io.github.panamashm.snippets.RingSnippets" region="open"}
 * The same without copying, up to 256 messages per cursor move:
 * {@snippet class="io.github.panamashm.snippets.RingSnippets" region="poll"}
 *
 * <p>A message longer than the caller's buffer stays in the ring and the call throws
 * {@link IllegalArgumentException}: nothing is lost. When they find a message, the calls that do
 * not wait allocate nothing and read no clock; they fence only while a peer with the
 * {@link WaitPolicy#sleep()} policy is attached or where {@code membarrier(2)} is missing, and make a
 * system call only to wake a producer that announced it sleeps. Waiting follows the consumer's
 * {@link WaitPolicy}. A wait behind a position that a producer claimed and died holding skips it
 * after about 100 ms, counted in {@link Ring#abandonedByProducers()}.
 *
 * <p>A consumer is for one thread at a time; use one consumer per thread, made from the same
 * {@code Ring}.
 */
public final class Consumer implements AutoCloseable {

    /** Returned when the ring is closed for writing and every message has been taken. */
    public static final int END_OF_STREAM = -1;
    /** Returned when no message arrived in the time given. */
    public static final int NO_MESSAGE = -2;
    /** The most messages one {@link #poll} takes, whatever its limit: their checked lengths are kept. */
    public static final int MAX_BATCH = 1024;

    private final Ring ring;
    private final MemorySegment segment;
    private final MemorySegment readOnlySlots;
    private final PeerEntry peer;
    private final boolean single;
    /** A fan-out ring: this consumer reads every position by its own cursor, its entry's claim_start. */
    private final boolean fanOut;
    /** A ring whose consumers compete for positions with a compare-and-set on the head. */
    private final boolean shared;
    /**
     * Overwrite-mode fan-out: the producer may write a slot again while this consumer reads it, so the
     * message taken is copied here, and kept only if the tail says the copy is whole; null otherwise.
     */
    private MemorySegment copy;
    private MemorySegment readOnlyCopy;
    private final ByteBufferView bufferView = new ByteBufferView();
    /** The copy buffer starts this large and grows to the largest message seen (rings may allow 1 GiB). */
    private static final int INITIAL_COPY_BYTES = 64 * 1024;
    /** Overwrite mode: a damaged slot met after a poll had handed out messages; the next call reports it. */
    private RingFormatException deferred;
    /** Overwrite mode: positions this consumer skipped because the producer lapped it. */
    private long lost;
    private final long mask;
    private final long slotSize;
    private final long headerSize;
    private final int maxPayload;
    private final int minLength; // typed rings: every message is maxPayload bytes
    /**
     * Positions this consumer took from the ring and has not handed out yet: [pendingFrom, pendingEnd).
     * Its intent record covers them; a poll whose handler threw leaves the rest of its batch here, and
     * the next take hands them out before it takes more.
     */
    private long pendingFrom;
    private long pendingEnd;
    /**
     * The lengths of the messages taken last, from position {@link #takenFrom}, as they were checked
     * when taken: used from then on, since a peer may write a slot's length again (a second read
     * could exceed what was checked), and one read per message is all the consumer needs.
     */
    private final int[] takenLengths;
    private long takenFrom;
    /**
     * A single consumer's head: only the holder of the consumer role moves it, so it is never loaded.
     * A fan-out consumer's next position to read (its cursor, published at each release, trails it).
     */
    private long ownHead;
    private boolean endOfStream;
    /** Whether a barrier made the end of the stream seen so far conclusive (see endOfStream). */
    private boolean endConfirmed;
    /** Set while messages are taken and not yet released: guards against re-entry from a handler. */
    private boolean holding;
    private volatile boolean closed;
    /** A fan-out consumer whose entry was freed under it (see takeNext): it writes there no more. */
    private boolean dropped;

    Consumer(Ring ring, int peerIndex, WaitPolicy policy) {
        this.ring = ring;
        this.segment = ring.segment();
        this.readOnlySlots = segment.asSlice(ring.headerSize).asReadOnly();
        this.peer = new PeerEntry(ring, peerIndex, policy);
        peer.startFencedSleeping();
        this.single = ring.isSingleConsumer();
        this.fanOut = ring.fanOut;
        this.shared = !single && !fanOut;
        this.mask = ring.mask;
        this.slotSize = ring.slotSize;
        this.headerSize = ring.headerSize;
        this.maxPayload = ring.maxPayload;
        this.minLength = ring.minLength;
        if (ring.overwrite) {
            growCopy(Math.min(maxPayload, INITIAL_COPY_BYTES));
        }
        this.takenLengths = new int[Math.min(ring.slotCount, MAX_BATCH)];
        if (single) {
            takeOver();
            ownHead = (long) LONG.getAcquire(segment, RingLayout.HEAD_OFFSET);
        } else if (fanOut) {
            ownHead = (long) LONG.getOpaque(segment, peer.offset + RingLayout.PEER_CLAIM_START_OFFSET); // set by the join
            // a producer's scan may have caught the join's first, older cursor, or this entry was a dead
            // consumer's: a producer asleep on the space doorbell looks again
            ring.doorbells.ringSpace();
        }
    }

    // ---- copy out --------------------------------------------------------------------------

    /**
     * Waits for the next message, as the consumer's {@link WaitPolicy} says, and copies it to the
     * start of {@code destination}.
     *
     * @param destination where the message goes, from offset 0
     * @return the message's length in bytes, or {@link #END_OF_STREAM}
     * @throws IllegalArgumentException if {@code destination} is read-only, or the next message is
     *                                  longer than it (the message stays in the ring)
     * @throws RingFormatException if the next slot is damaged; it is dropped and counted in
     *                             {@link Ring#corruptSlots()}, and the next call goes on after it
     * @throws IllegalStateException if this consumer or its ring is closed, or this is called from
     *                               this consumer's poll handler
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public int receive(MemorySegment destination) throws InterruptedException {
        return receiveNanos(destination, -1);
    }

    /**
     * As {@link #receive(MemorySegment)}, waiting up to {@code timeout}.
     *
     * @param destination where the message goes, from offset 0
     * @param timeout     the longest wait; zero or negative: do not wait, as
     *                    {@link #tryReceive(MemorySegment)}
     * @return the message's length in bytes, {@link #NO_MESSAGE} if none came in time, or
     *         {@link #END_OF_STREAM}
     * @throws IllegalArgumentException if {@code destination} is read-only, or the next message is
     *                                  longer than it (the message stays in the ring)
     * @throws RingFormatException if the next slot is damaged; it is dropped and counted in
     *                             {@link Ring#corruptSlots()}, and the next call goes on after it
     * @throws IllegalStateException if this consumer or its ring is closed, or this is called from
     *                               this consumer's poll handler
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public int receive(MemorySegment destination, Duration timeout) throws InterruptedException {
        return receiveNanos(destination, Deadlines.timeoutNanos(timeout));
    }

    /**
     * Copies the next message to the start of {@code destination} if there is one now, without
     * waiting.
     *
     * @param destination where the message goes, from offset 0
     * @return the message's length in bytes, {@link #NO_MESSAGE} if there is none, or
     *         {@link #END_OF_STREAM}
     * @throws IllegalArgumentException if {@code destination} is read-only, or the next message is
     *                                  longer than it (the message stays in the ring)
     * @throws RingFormatException if the next slot is damaged; it is dropped and counted in
     *                             {@link Ring#corruptSlots()}, and the next call goes on after it
     * @throws IllegalStateException if this consumer or its ring is closed, or this is called from
     *                               this consumer's poll handler
     */
    public int tryReceive(MemorySegment destination) {
        try {
            return receiveNanos(destination, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting receive cannot be interrupted", e);
        }
    }

    /**
     * Waits for the next message and copies it to the start of {@code destination} (see
     * {@link #receive(MemorySegment)}).
     *
     * @param destination where the message goes, from index 0
     * @return the message's length in bytes, or {@link #END_OF_STREAM}
     * @throws IllegalArgumentException if the next message is longer than {@code destination} (the
     *                                  message stays in the ring)
     * @throws RingFormatException if the next slot is damaged; it is dropped and counted in
     *                             {@link Ring#corruptSlots()}, and the next call goes on after it
     * @throws IllegalStateException if this consumer or its ring is closed, or this is called from
     *                               this consumer's poll handler
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public int receive(byte[] destination) throws InterruptedException {
        return receiveNanos(destination, -1);
    }

    /**
     * As {@link #receive(byte[])}, waiting up to {@code timeout}.
     *
     * @param destination where the message goes, from index 0
     * @param timeout     the longest wait; zero or negative: do not wait
     * @return the message's length in bytes, {@link #NO_MESSAGE} if none came in time, or
     *         {@link #END_OF_STREAM}
     * @throws IllegalArgumentException if the next message is longer than {@code destination} (the
     *                                  message stays in the ring)
     * @throws RingFormatException if the next slot is damaged; it is dropped and counted in
     *                             {@link Ring#corruptSlots()}, and the next call goes on after it
     * @throws IllegalStateException if this consumer or its ring is closed, or this is called from
     *                               this consumer's poll handler
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public int receive(byte[] destination, Duration timeout) throws InterruptedException {
        return receiveNanos(destination, Deadlines.timeoutNanos(timeout));
    }

    /**
     * Copies the next message to the start of {@code destination} if there is one now, without
     * waiting.
     *
     * @param destination where the message goes, from index 0
     * @return the message's length in bytes, {@link #NO_MESSAGE} if there is none, or
     *         {@link #END_OF_STREAM}
     * @throws IllegalArgumentException if the next message is longer than {@code destination} (the
     *                                  message stays in the ring)
     * @throws RingFormatException if the next slot is damaged; it is dropped and counted in
     *                             {@link Ring#corruptSlots()}, and the next call goes on after it
     * @throws IllegalStateException if this consumer or its ring is closed, or this is called from
     *                               this consumer's poll handler
     */
    public int tryReceive(byte[] destination) {
        try {
            return receiveNanos(destination, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting receive cannot be interrupted", e);
        }
    }

    /**
     * Waits for the next message and copies it into {@code destination} at its position (see
     * {@link #receive(MemorySegment)}).
     *
     * @param destination where the message goes: from its position, at most its remaining bytes; its
     *                    position advances past the message
     * @return the message's length in bytes, or {@link #END_OF_STREAM}
     * @throws IllegalArgumentException if {@code destination} is read-only, or the next message is
     *                                  longer than its remaining bytes (the message stays in the ring)
     * @throws RingFormatException if the next slot is damaged; it is dropped and counted in
     *                             {@link Ring#corruptSlots()}, and the next call goes on after it
     * @throws IllegalStateException if this consumer or its ring is closed, or this is called from
     *                               this consumer's poll handler
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public int receive(ByteBuffer destination) throws InterruptedException {
        return receiveNanos(destination, -1);
    }

    /**
     * As {@link #receive(ByteBuffer)}, waiting up to {@code timeout}.
     *
     * @param destination where the message goes: from its position, at most its remaining bytes; its
     *                    position advances past the message
     * @param timeout     the longest wait; zero or negative: do not wait
     * @return the message's length in bytes, {@link #NO_MESSAGE} if none came in time, or
     *         {@link #END_OF_STREAM}
     * @throws IllegalArgumentException if {@code destination} is read-only, or the next message is
     *                                  longer than its remaining bytes (the message stays in the ring)
     * @throws RingFormatException if the next slot is damaged; it is dropped and counted in
     *                             {@link Ring#corruptSlots()}, and the next call goes on after it
     * @throws IllegalStateException if this consumer or its ring is closed, or this is called from
     *                               this consumer's poll handler
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public int receive(ByteBuffer destination, Duration timeout) throws InterruptedException {
        return receiveNanos(destination, Deadlines.timeoutNanos(timeout));
    }

    /**
     * Copies the next message into {@code destination} at its position if there is one now, without
     * waiting.
     *
     * @param destination where the message goes: from its position, at most its remaining bytes; its
     *                    position advances past the message
     * @return the message's length in bytes, {@link #NO_MESSAGE} if there is none, or
     *         {@link #END_OF_STREAM}
     * @throws IllegalArgumentException if {@code destination} is read-only, or the next message is
     *                                  longer than its remaining bytes (the message stays in the ring)
     * @throws RingFormatException if the next slot is damaged; it is dropped and counted in
     *                             {@link Ring#corruptSlots()}, and the next call goes on after it
     * @throws IllegalStateException if this consumer or its ring is closed, or this is called from
     *                               this consumer's poll handler
     */
    public int tryReceive(ByteBuffer destination) {
        try {
            return receiveNanos(destination, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting receive cannot be interrupted", e);
        }
    }

    private int receiveNanos(MemorySegment destination, long timeoutNanos) throws InterruptedException {
        try {
            if (destination.isReadOnly()) {
                throw new IllegalArgumentException("destination segment is read-only");
            }
            int outcome = takeNext(1, destination.byteSize(), timeoutNanos);
            if (outcome < 0) {
                return outcome;
            }
            long position = pendingFrom;
            int length = takenLengths[(int) (position - takenFrom)];
            try {
                MemorySegment.copy(source(), sourceOffset(position), destination, 0, length);
            } finally {
                release(position, 1); // even if the copy failed (e.g. the destination's arena closed)
            }
            return length;
        } catch (InternalError fault) {
            throw ring.faulted(fault);
        }
    }

    private int receiveNanos(byte[] destination, long timeoutNanos) throws InterruptedException {
        try {
            int outcome = takeNext(1, destination.length, timeoutNanos);
            if (outcome < 0) {
                return outcome;
            }
            long position = pendingFrom;
            int length = takenLengths[(int) (position - takenFrom)];
            try {
                MemorySegment.copy(source(), ValueLayout.JAVA_BYTE, sourceOffset(position), destination, 0, length);
            } finally {
                release(position, 1);
            }
            return length;
        } catch (InternalError fault) {
            throw ring.faulted(fault);
        }
    }

    private int receiveNanos(ByteBuffer destination, long timeoutNanos) throws InterruptedException {
        try {
            if (destination.isReadOnly()) {
                throw new IllegalArgumentException("destination buffer is read-only");
            }
            int outcome = takeNext(1, destination.remaining(), timeoutNanos);
            if (outcome < 0) {
                return outcome;
            }
            long position = pendingFrom;
            int length = takenLengths[(int) (position - takenFrom)];
            try {
                if (destination.hasArray()) {
                    MemorySegment.copy(source(), ValueLayout.JAVA_BYTE, sourceOffset(position), destination.array(),
                            destination.arrayOffset() + destination.position(), length);
                } else {
                    MemorySegment.copy(source(), sourceOffset(position), bufferView.of(destination), destination.position(),
                            length);
                }
            } finally {
                release(position, 1);
            }
            destination.position(destination.position() + length);
            return length;
        } catch (InternalError fault) {
            throw ring.faulted(fault);
        }
    }

    // ---- zero copy -------------------------------------------------------------------------

    /**
     * Takes up to {@code limit} messages that are there now, without waiting, with one move of the
     * ring's cursor, and hands each to {@code handler} in place, on this thread, in order. Their slots
     * go back to the producers as the handler returns (in a single-consumer ring all at once, at the
     * end), with one look at the doorbell. The handler must not receive, poll or close with this
     * consumer (those calls throw {@link IllegalStateException}). If the handler throws, its message
     * counts as handled, the exception propagates, and the rest of the batch is handed out first by
     * the next call that takes messages.
     *
     * @param handler receives each message: a read-only view of it, valid during its call
     * @param limit   the most messages to take, at least 1 (one call takes at most {@value #MAX_BATCH})
     * @return how many messages were handled, 0 if there were none, or {@link #END_OF_STREAM} if the
     *         ring is closed for writing and drained
     * @throws IllegalArgumentException if {@code limit} is less than 1
     * @throws RingFormatException if the next slot is damaged; it is dropped and counted in
     *                             {@link Ring#corruptSlots()}, and the next call goes on after it
     * @throws IllegalStateException if this consumer or its ring is closed, or this is called from
     *                               this consumer's poll handler
     */
    public int poll(MessageHandler handler, int limit) {
        try {
            return pollNanos(handler, limit, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting poll cannot be interrupted", e);
        }
    }

    /**
     * As {@link #poll(MessageHandler, int)}, first waiting up to {@code timeout} for a message, as the
     * consumer's {@link WaitPolicy} says.
     *
     * @param handler receives each message: a read-only view of it, valid during its call
     * @param limit   the most messages to take, at least 1 (one call takes at most {@value #MAX_BATCH})
     * @param timeout the longest wait for the first message; zero or negative: do not wait
     * @return how many messages were handled, 0 if none came in time, or {@link #END_OF_STREAM} if the
     *         ring is closed for writing and drained
     * @throws IllegalArgumentException if {@code limit} is less than 1
     * @throws RingFormatException if the next slot is damaged; it is dropped and counted in
     *                             {@link Ring#corruptSlots()}, and the next call goes on after it
     * @throws IllegalStateException if this consumer or its ring is closed, or this is called from
     *                               this consumer's poll handler
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public int poll(MessageHandler handler, int limit, Duration timeout) throws InterruptedException {
        return pollNanos(handler, limit, Deadlines.timeoutNanos(timeout));
    }

    private int pollNanos(MessageHandler handler, int limit, long timeoutNanos) throws InterruptedException {
        try {
            if (limit < 1) {
                throw new IllegalArgumentException("limit must be positive: " + limit);
            }
            if (copy != null) {
                return pollCopies(handler, limit, timeoutNanos);
            }
            int count = takeNext(limit, Long.MAX_VALUE, timeoutNanos);
            if (count < 0) {
                return count == END_OF_STREAM ? END_OF_STREAM : 0;
            }
            long first = pendingFrom;
            int handled = 0;
            try {
                while (handled < count) {
                    long position = first + handled;
                    handled++;
                    pendingFrom = position + 1;
                    handler.onMessage(readOnlySlots, indexOf(position), takenLengths[(int) (position - takenFrom)]);
                    if (shared) {
                        releaseSlot(position);
                    }
                }
            } catch (Throwable e) {
                if (shared) {
                    releaseSlot(first + handled - 1); // the message whose handler threw counts as handled
                }
                throw e;
            } finally {
                if (!shared) {
                    releasePositions(first, handled); // one store for the batch
                }
                holding = false;
                peer.countMessages(handled);
                ring.doorbells.ringSpace();
            }
            return handled;
        } catch (InternalError fault) {
            throw ring.faulted(fault);
        }
    }

    /**
     * Overwrite mode: up to {@code limit} messages, each taken as a checked copy and handed to the
     * handler from this consumer's private buffer; waits only for the first.
     */
    private int pollCopies(MessageHandler handler, int limit, long timeoutNanos) throws InterruptedException {
        int handled = 0;
        int most = Math.min(limit, MAX_BATCH);
        while (handled < most) {
            int count;
            try {
                count = takeNext(1, Long.MAX_VALUE, handled == 0 ? timeoutNanos : 0);
            } catch (RingFormatException damaged) {
                if (handled == 0) {
                    throw damaged;
                }
                deferred = damaged; // as a batch in place stops before a damaged slot: the next call says so
                return handled;
            }
            if (count < 0) {
                return handled > 0 ? handled : count == END_OF_STREAM ? END_OF_STREAM : 0;
            }
            long position = pendingFrom;
            pendingFrom = position + 1;
            handled++;
            try {
                handler.onMessage(readOnlyCopy, 0, takenLengths[0]);
            } finally {
                holding = false;
                releasePositions(position, 1);
                peer.countMessages(1);
            }
        }
        return handled;
    }

    /** Overwrite mode: a copy buffer of at least {@code bytes} (a power of two, at most maxPayload). */
    private void growCopy(long bytes) {
        long size = Math.min(Math.max(1, Long.highestOneBit(Math.max(1, bytes - 1)) << 1), Math.max(1, maxPayload));
        copy = java.lang.foreign.Arena.ofAuto().allocate(Math.max(size, bytes), RingLayout.SLOT_ALIGN);
        readOnlyCopy = copy.asReadOnly();
    }

    /** Where taken messages are read from: the slots, or in overwrite mode this consumer's copy. */
    private MemorySegment source() {
        return copy != null ? copy : segment;
    }

    private long sourceOffset(long position) {
        return copy != null ? 0 : payloadOffset(position);
    }

    /**
     * Messages an overwrite-mode fan-out ring's producer overwrote before this consumer read them: the
     * positions it skipped when it found itself lapped (0 in other rings). With the messages received,
     * it accounts for every message published since this consumer attached; a position the producer
     * gave up (an aborted claim, or a producer that died) counts here too if it was lapped, and not at
     * all if it was passed over.
     *
     * @return the count since this consumer attached
     */
    public long messagesLost() {
        return lost;
    }

    /**
     * Whether this consumer has seen the end of the stream (closed for writing and drained).
     *
     * @return true once a call of this consumer returned {@link #END_OF_STREAM}
     */
    public boolean isEndOfStream() {
        return endOfStream;
    }

    // ---- the protocol ----------------------------------------------------------------------

    /**
     * Takes up to {@code max} consecutive messages of at most {@code capacity} bytes each, at least one
     * (see panama_shm.h, pshm_take_next), with one move of the head: a position is ready when its
     * slot's sequence is position + 1. A first message longer than {@code capacity} is left in the
     * ring. Messages already taken and not handed out come first. Returns the count (the messages
     * start at {@link #pendingFrom}), {@link #NO_MESSAGE} or {@link #END_OF_STREAM}.
     */
    private int takeNext(int max, long capacity, long timeoutNanos) throws InterruptedException {
        // The common case apart, small enough for C2 to inline (it does not inline a hot method of more
        // than FreqInlineSize, 325 bytecodes, and the general path is larger): a single consumer with
        // nothing pending, and a published, well-formed message that fits at its head. Not fan-out, so
        // never dropped, and no copy or deferred damage (those are overwrite mode's, a fan-out ring's).
        if (single && !fanOut && !holding && pendingEnd <= pendingFrom && !closed) {
            long head = ownHead;
            long slot = slotOffset(head);
            if ((long) LONG.getAcquire(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET) == head + 1) {
                long lengthAndFlags = (long) LONG.get(segment, slot + RingLayout.SLOT_LENGTH_OFFSET);
                long length = Integer.toUnsignedLong(RingLayout.lengthOf(lengthAndFlags));
                if (RingLayout.flagsOf(lengthAndFlags) == 0 && length <= capacity && length <= maxPayload
                        && length >= minLength) {
                    int n = batchFrom(head, (int) length, max, capacity);
                    take(head, n); // a single consumer's take always succeeds
                    return hold(head, n);
                }
            }
        }
        return takeNextOrWait(max, capacity, timeoutNanos);
    }

    private int takeNextOrWait(int max, long capacity, long timeoutNanos) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("consumer is closed");
        }
        if (dropped) {
            throw new IllegalStateException("ring " + ring.name() + ": this consumer was dropped; attach a new consumer");
        }
        if (deferred != null) {
            RingFormatException damaged = deferred;
            deferred = null;
            throw damaged;
        }
        if (holding) {
            // e.g. a poll handler calling receive or poll: a second take would overwrite the intent
            // record that keeps the held messages' slots from being recovered as a dead consumer's
            throw new IllegalStateException("this consumer is inside a poll handler; use another consumer");
        }
        if (pendingEnd > pendingFrom) {
            int length = takenLengths[(int) (pendingFrom - takenFrom)];
            if (length > capacity) {
                throw new IllegalArgumentException("the next message is " + length + " bytes and does not fit in "
                        + capacity + "; it stays in the ring");
            }
            holding = true;
            return (int) Math.min(max, pendingEnd - pendingFrom);
        }
        peer.startCall(timeoutNanos);
        if (copy != null) {
            return takeCopy(capacity);
        }
        while (true) {
            long head = !shared ? ownHead : (long) LONG.getOpaque(segment, RingLayout.HEAD_OFFSET);
            long slot = slotOffset(head);
            long sequence = (long) LONG.getAcquire(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET);
            if (sequence == head + 1) {
                long lengthAndFlags = (long) LONG.get(segment, slot + RingLayout.SLOT_LENGTH_OFFSET);
                int flags = RingLayout.flagsOf(lengthAndFlags);
                long length = Integer.toUnsignedLong(RingLayout.lengthOf(lengthAndFlags));
                boolean skip = (flags & RingLayout.SLOT_SKIP) != 0;
                if (!skip && length > capacity && length <= maxPayload) {
                    VarHandle.acquireFence(); // the length read stays before the second look at the head
                    if (shared && (long) LONG.getOpaque(segment, RingLayout.HEAD_OFFSET) != head) {
                        continue; // another consumer took it meanwhile: the length read was not ours
                    }
                    throw new IllegalArgumentException("the next message is " + length + " bytes and does not fit in "
                            + capacity + "; it stays in the ring");
                }
                if (skip || length > maxPayload || length < minLength) {
                    if (!take(head, 1)) {
                        continue;
                    }
                    releasePositions(head, 1);
                    ring.doorbells.ringSpace();
                    if (skip) {
                        continue;
                    }
                    // dropped: it cannot be read without leaving the slot
                    LONG.getAndAdd(segment, RingLayout.CORRUPT_SLOTS_OFFSET, 1L);
                    throw RingFormatException.damaged(ring.name(), "slot " + (head & mask) + " (position " + head
                            + ") claims " + length + " bytes, " + (minLength != 0 ? "where every message of its type has "
                            : "more than the maximum ") + maxPayload + ": dropped");
                }
                int n = batchFrom(head, (int) length, max, capacity);
                if (!take(head, n)) {
                    continue;
                }
                return hold(head, n);
            }
            if (sequence - (head + 1) > 0) {
                // another consumer took it (after the acquire above its take shows in the head) ...
                if (shared && (long) LONG.getAcquire(segment, RingLayout.HEAD_OFFSET) != head) {
                    continue;
                }
                // a fan-out consumer is never lapped while it gates: unless it was dropped (only a dead
                // process's entry is, so this one's was freed under it), the slot is damaged
                if (fanOut && !ring.peerTable.stillHeld(peer.index)) {
                    dropped = true; // the entry may be another consumer's now: never write it again
                    throw new IllegalStateException("ring " + ring.name() + ": this consumer's peer entry is not its own"
                            + " any more (the producer took it for a dead consumer's and dropped it, or the ring was"
                            + " damaged); attach a new consumer to read on");
                }
                // ... or the slot is corrupted: drop the position, which also frees the slot for producers
                if (!take(head, 1)) {
                    continue;
                }
                releaseDamaged(head);
                LONG.getAndAdd(segment, RingLayout.CORRUPT_SLOTS_OFFSET, 1L);
                ring.doorbells.ringSpace();
                throw RingFormatException.damaged(ring.name(), "slot " + (head & mask) + " (position " + head
                        + ") has sequence " + sequence + ", which no peer writes there: dropped");
            }
            // empty, or claimed and not yet published
            int outcome = nothingAt(head);
            if (outcome < 0) {
                return outcome;
            }
        }
    }

    /**
     * Takes the next message of an overwrite-mode fan-out ring (see panama_shm.h, pshm_take_copy): it is
     * copied out of its slot, then the tail is read; the producer stores the tail (and a store-store
     * fence) before it writes a slot again, so a tail not past position + slotCount means the copy is
     * whole. A lapped consumer goes on at the oldest position still intact and counts what it skipped.
     * Returns 1 (the message in {@link #copy}, its length in takenLengths[0]), NO_MESSAGE or END_OF_STREAM.
     */
    private int takeCopy(long capacity) throws InterruptedException {
        int laps = 0;
        while (true) {
            // a producer that laps this consumer faster than it copies must not keep it here past its deadline
            if (laps >= 64) {
                laps = 0;
                if (peer.busyTooLong()) {
                    return NO_MESSAGE;
                }
            }
            long c = ownHead;
            long slot = slotOffset(c);
            long sequence = (long) LONG.getAcquire(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET);
            if (sequence == c + 1) {
                long lengthAndFlags = (long) LONG.getOpaque(segment, slot + RingLayout.SLOT_LENGTH_OFFSET);
                long length = Integer.toUnsignedLong(RingLayout.lengthOf(lengthAndFlags));
                boolean skip = (RingLayout.flagsOf(lengthAndFlags) & RingLayout.SLOT_SKIP) != 0;
                boolean sized = length <= maxPayload && length >= minLength;
                if (sized && length <= capacity && !skip) {
                    if (length > copy.byteSize()) {
                        growCopy(length);
                    }
                    // may race the producer's next lap: the copy counts only if the tail below says it did not
                    MemorySegment.copy(segment, slot + RingLayout.SLOT_HEADER_SIZE, copy, 0, length);
                }
                VarHandle.acquireFence(); // the copy's loads before the look at the tail
                if (lapped(c)) {
                    laps++;
                    continue;
                }
                if (skip) {
                    moveCursor(c + 1);
                    continue;
                }
                if (!sized) {
                    moveCursor(c + 1);
                    LONG.getAndAdd(segment, RingLayout.CORRUPT_SLOTS_OFFSET, 1L);
                    throw RingFormatException.damaged(ring.name(), "slot " + (c & mask) + " (position " + c + ") claims "
                            + length + " bytes, " + (minLength != 0 ? "where every message of its type has "
                            : "more than the maximum ") + maxPayload + ": dropped");
                }
                if (length > capacity) {
                    throw new IllegalArgumentException("the next message is " + length + " bytes and does not fit in "
                            + capacity + "; it stays in the ring");
                }
                takenLengths[0] = (int) length;
                ownHead = c + 1;
                holding = true;
                pendingFrom = c;
                pendingEnd = c + 1;
                takenFrom = c;
                return 1;
            }
            if (sequence - (c + 1) > 0) {
                if (lapped(c)) {
                    laps++;
                    continue;
                }
                // a later lap's sequence while the tail is not past c + slotCount: no producer writes that
                moveCursor(c + 1);
                LONG.getAndAdd(segment, RingLayout.CORRUPT_SLOTS_OFFSET, 1L);
                throw RingFormatException.damaged(ring.name(), "slot " + (c & mask) + " (position " + c
                        + ") has sequence " + sequence + ", which no peer writes there: dropped");
            }
            // empty, or claimed and not yet published
            int outcome = nothingAt(c);
            if (outcome < 0) {
                return outcome;
            }
        }
    }

    /**
     * Overwrite mode, at position {@code c}: if the producer has claimed {@code c + slotCount}, the
     * slot of {@code c} is being or has been written again, so this consumer moves to the oldest
     * position whose slot the producer has not claimed again and counts those it skipped.
     */
    private boolean lapped(long c) {
        long tail = (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET);
        if (tail - c <= ring.slotCount) {
            return false;
        }
        long oldest = tail - ring.slotCount;
        lost += oldest - c;
        LONG.getAndAdd(segment, RingLayout.FANOUT_OVERWRITTEN_OFFSET, oldest - c);
        moveCursor(oldest);
        return true;
    }

    /** A fan-out consumer's cursor moves on, past what it read or skipped. */
    private void moveCursor(long to) {
        ownHead = to;
        releasePositions(to, 0);
    }

    /**
     * Nothing at {@code head} (empty, or claimed and not yet published): {@link #END_OF_STREAM} at the
     * end of the stream; 0 after skipping a dead producer's position, or after a step of waiting (look
     * again); {@link #NO_MESSAGE} when the time ran out.
     */
    private int nothingAt(long head) throws InterruptedException {
        if (ring.isClosedForWriting() && endOfStream(head)) {
            endOfStream = true;
            return END_OF_STREAM;
        }
        if (peer.checkDue() && (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET) > head
                && peer.stuckLongEnough(head) && skipIfProducerDead(head)) {
            peer.recovered(head);
            return 0;
        }
        return peer.awaitStep(RingLayout.BELL_DATA) ? 0 : NO_MESSAGE;
    }

    /**
     * How many messages from {@code head} (whose checked length is {@code length}) one take can have:
     * up to {@code max}, as long as {@link #readyForBatch} says; their lengths go to {@link #takenLengths}.
     */
    private int batchFrom(long head, int length, int max, long capacity) {
        takenLengths[0] = length;
        int most = Math.min(max, takenLengths.length);
        int n = 1;
        while (n < most && readyForBatch(head + n, capacity, n)) {
            n++;
        }
        return n;
    }

    /** Positions [head, head + n) were taken: they are handed out from here, and held until released. */
    private int hold(long head, int n) {
        holding = true;
        pendingFrom = head;
        pendingEnd = head + n;
        takenFrom = head;
        return n;
    }

    /**
     * Whether the message at {@code position} can join a batch as its message {@code i}: published,
     * well formed, fits; its length goes to {@link #takenLengths}.
     */
    private boolean readyForBatch(long position, long capacity, int i) {
        long slot = slotOffset(position);
        if ((long) LONG.getAcquire(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET) != position + 1) {
            return false;
        }
        long lengthAndFlags = (long) LONG.get(segment, slot + RingLayout.SLOT_LENGTH_OFFSET);
        long length = Integer.toUnsignedLong(RingLayout.lengthOf(lengthAndFlags));
        if (RingLayout.flagsOf(lengthAndFlags) != 0 || length > capacity || length > maxPayload || length < minLength) {
            return false;
        }
        takenLengths[i] = (int) length;
        return true;
    }

    /**
     * Whether the stream has ended at {@code head}: closed for writing, and nothing claimed beyond it.
     * A single producer stores its tail with release only and loads the state after it, without a
     * fence, so before the first such conclusion this consumer fences every peer and looks again:
     * after that, a producer that did not see the close has its tail visible here.
     */
    private boolean endOfStream(long head) {
        while ((long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET) == head && ring.isClosedForWriting()) {
            if (endConfirmed) {
                return true;
            }
            if (!Barrier.fencePeers()) {
                // no barrier here: give other cores' stores the time to land
                long until = System.nanoTime() + 1_000_000;
                while (System.nanoTime() - until < 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(until - System.nanoTime());
                }
            }
            endConfirmed = true;
        }
        return false;
    }

    private boolean take(long head, int count) {
        if (fanOut) {
            ownHead = head + count; // the cursor follows when they are released: the slots stay until then
            return true;
        }
        if (single) {
            // no intent needed: [released, head) is this consumer's, and its successor's if it dies
            LONG.setRelease(segment, RingLayout.HEAD_OFFSET, head + count);
            ownHead = head + count;
            return true;
        }
        peer.intend(head, head + count);
        if (LONG.compareAndSet(segment, RingLayout.HEAD_OFFSET, head, head + count)) {
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
                || ring.peerTable.ownerAlive(RingLayout.ROLE_PRODUCER, head)) {
            return false;
        }
        // unpublished: a free slot's sequence (several consumers), anything but head + 1 (one)
        long sequence = (long) LONG.getAcquire(segment, slotOffset(head) + RingLayout.SLOT_SEQUENCE_OFFSET);
        // fan-out: head + 1 or later means published (and maybe lapped since): not a dead producer's
        boolean published = fanOut ? sequence - (head + 1) >= 0 : single ? sequence == head + 1 : sequence != head;
        if (published || !take(head, 1)) {
            return false;
        }
        LONG.getAndAdd(segment, RingLayout.ABANDONED_BY_PRODUCERS_OFFSET, 1L);
        releasePositions(head, 1);
        ring.doorbells.ringSpace();
        ring.doorbells.ringData(); // other consumers sleep behind the same position
        return true;
    }

    private void release(long position, int count) {
        holding = false;
        pendingFrom = position + count;
        releasePositions(position, count);
        peer.countMessages(count);
        ring.doorbells.ringSpace();
    }

    /**
     * Gives the slots of positions [first, first + count) back to producers, after the last read of
     * them; the caller rings the space doorbell. A single consumer releases in order: one store.
     */
    private void releasePositions(long first, long count) {
        if (fanOut) {
            // the cursor, which gates the producer: after the reads of the slots (release)
            LONG.setOpaque(segment, peer.offset + RingLayout.PEER_CLAIM_END_OFFSET, first + count);
            LONG.setRelease(segment, peer.offset + RingLayout.PEER_CLAIM_START_OFFSET, first + count);
            return;
        }
        if (single) {
            LONG.setRelease(segment, RingLayout.RELEASED_OFFSET, first + count);
            return;
        }
        for (long i = 0; i < count; i++) {
            releaseSlot(first + i);
        }
    }

    /**
     * Gives back the slot of a position dropped because its sequence was damaged (see panama_shm.h,
     * pshm_release_damaged); the caller rings the space doorbell. The sequence becomes the free value
     * first in every kind of ring: a single consumer, which never rewrites a slot otherwise, would
     * meet the damaged value again one lap later.
     */
    private void releaseDamaged(long position) {
        if (fanOut) {
            releasePositions(position, 1); // nobody but the producer writes a slot of a fan-out ring
            return;
        }
        releaseSlot(position);
        if (single) {
            LONG.setRelease(segment, RingLayout.RELEASED_OFFSET, position + 1);
        }
    }

    /**
     * A consumer of a single-consumer ring takes over from its predecessor (see panama_shm.h,
     * pshm_take_over): positions in [released, head) were taken by a consumer that died before
     * releasing them (one that closes releases first). Their messages count as lost (not SKIP or
     * damaged slots) and go back to producers. Only the holder of the consumer role lock writes
     * {@code released}, so nothing races with this. A {@code released} beyond the head is damage, and
     * so is a head beyond the tail.
     */
    private void takeOver() {
        long head = (long) LONG.getAcquire(segment, RingLayout.HEAD_OFFSET);
        long released = (long) LONG.getAcquire(segment, RingLayout.RELEASED_OFFSET);
        long tail = (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET);
        if (head - tail > 0) {
            // a head beyond every position claimed is damage: read again from released (if it is sane) or
            // from the tail; else producers would overwrite unread slots while this consumer waits there
            long back = tail - released >= 0 && tail - released <= ring.slotCount ? released : tail;
            LONG.getAndAdd(segment, RingLayout.CORRUPT_SLOTS_OFFSET, 1L);
            LONG.setRelease(segment, RingLayout.RELEASED_OFFSET, back);
            LONG.setRelease(segment, RingLayout.HEAD_OFFSET, back);
            ring.doorbells.ringSpace();
            return;
        }
        if (released == head) {
            return;
        }
        if (head - released > 0 && head - released <= ring.slotCount) {
            long lost = 0;
            for (long position = released; position != head; position++) {
                long slot = slotOffset(position);
                if ((long) LONG.getAcquire(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET) == position + 1
                        && RingLayout.flagsOf((long) LONG.get(segment, slot + RingLayout.SLOT_LENGTH_OFFSET)) == 0) {
                    lost++;
                }
                // the free value, as releaseDamaged stores it: a damaged value the dead consumer dropped and
                // had no time to reset must not be met one lap later (the release below orders it)
                LONG.setOpaque(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET, position + mask + 1);
            }
            LONG.getAndAdd(segment, RingLayout.LOST_IN_CONSUMERS_OFFSET, lost);
            LONG.setRelease(segment, RingLayout.RELEASED_OFFSET, head);
        } else if (released - head > 0 && tail - released >= 0) {
            // producers may have overwritten those unread positions: skip them
            LONG.getAndAdd(segment, RingLayout.CORRUPT_SLOTS_OFFSET, released - head);
            LONG.setRelease(segment, RingLayout.HEAD_OFFSET, released);
        } else {
            LONG.getAndAdd(segment, RingLayout.CORRUPT_SLOTS_OFFSET, 1L);
            LONG.setRelease(segment, RingLayout.RELEASED_OFFSET, head);
        }
        ring.doorbells.ringSpace();
    }

    /**
     * Gives a slot back to producers (several consumers; in a single-consumer ring only for a dropped
     * damaged slot, see {@link #releaseDamaged}); the caller rings the space doorbell.
     */
    private void releaseSlot(long position) {
        LONG.setRelease(segment, slotOffset(position) + RingLayout.SLOT_SEQUENCE_OFFSET, position + mask + 1);
    }

    private long slotOffset(long position) {
        return headerSize + (position & mask) * slotSize;
    }

    private long payloadOffset(long position) {
        return slotOffset(position) + RingLayout.SLOT_HEADER_SIZE;
    }

    private long indexOf(long position) {
        return (position & mask) * slotSize + RingLayout.SLOT_HEADER_SIZE;
    }

    /** A fan-out consumer's next position to read (tests of the join look at it). */
    long fanOutCursor() {
        return ownHead;
    }

    /**
     * Messages this consumer has taken and handed out (skipped and dropped positions do not count).
     *
     * @return the count since this consumer attached
     */
    public long messagesReceived() {
        return peer.messages();
    }

    /**
     * The ring this consumer takes messages from.
     *
     * @return the {@code Ring} that made this consumer
     */
    public Ring ring() {
        return ring;
    }

    /**
     * Detaches from the ring, freeing its peer-table entry. Call it from the thread that uses this
     * consumer, not from a poll handler. Messages a throwing handler left in this consumer's batch go
     * back to producers unread and are counted in {@link Ring#lostInConsumers()} (in a fan-out ring
     * they stay for the other consumers, and the leaving consumer stops gating the producer). Does nothing if the
     * consumer or its ring is already closed. Idempotent.
     *
     * @throws IllegalStateException if called from this consumer's poll handler
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (holding) {
            throw new IllegalStateException("cannot close a consumer inside its poll handler");
        }
        closed = true;
        bufferView.clear();
        if (ring.isTruncated()) {
            ring.forget(this); // its memory is gone: write nothing, the lock goes with the descriptor
            return;
        }
        if (dropped) {
            ring.peerTable.forget(peer.index, RingLayout.ROLE_CONSUMER); // its entry may be another's: write nothing
            ring.forget(this);
            return;
        }
        if (pendingEnd > pendingFrom && !fanOut) { // a fan-out consumer leaving its unread messages takes them from nobody
            int lost = (int) (pendingEnd - pendingFrom);
            releasePositions(pendingFrom, lost);
            pendingFrom = pendingEnd;
            LONG.getAndAdd(segment, RingLayout.LOST_IN_CONSUMERS_OFFSET, (long) lost);
            ring.doorbells.ringSpace();
        }
        peer.stopFencedSleeping();
        ring.peerTable.detach(peer.index, RingLayout.ROLE_CONSUMER);
        if (fanOut) {
            ring.doorbells.ringSpace(); // it gated the producer: no longer
        }
        ring.forget(this);
    }

    /** The ring is being closed by another thread: stop, and touch the ring no more. */
    void ringClosed() {
        closed = true;
    }
}
