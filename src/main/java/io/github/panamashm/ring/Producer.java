// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;

import static io.github.panamashm.ring.RingLayout.INT;
import static io.github.panamashm.ring.RingLayout.LONG;

/**
 * Puts messages into a {@link Ring}; made by {@link Ring#producer()}. Each message goes to exactly
 * one consumer; the messages of one producer reach any single consumer in the order sent.
 *
 * <ul>
 *   <li>{@code offer} never waits: false when the ring is full;</li>
 *   <li>{@code send} waits for space (for ever, or up to a timeout: then false);</li>
 *   <li>{@link #claim}/{@link #tryClaim} then {@link #commit()} write in place, without a copy: the
 *       claim returns where the message goes in {@link #buffer()};</li>
 *   <li>{@link #claimBatch}/{@link #tryClaimBatch} claim many slots with one move of the cursor, and
 *       {@link #commit()} publishes them all with one look at the doorbell.</li>
 * </ul>
 * {@snippet class="io.github.panamashm.snippets.RingSnippets" region="send"}
 * Without a copy, one message or a batch:
 * {@snippet class="io.github.panamashm.snippets.RingSnippets" region="claim"}
 *
 * <p>A message larger than {@link Ring#maxMessageSize()} is refused with
 * {@link IllegalArgumentException}; a ring closed for writing with {@link RingClosedException}.
 * When they find room, the calls that do not wait allocate nothing and read no clock; they fence only
 * while a peer with the {@link WaitPolicy#sleep()} policy is attached or where {@code membarrier(2)}
 * is missing, and make a system call only to wake a consumer that announced it sleeps.
 * Waiting follows the producer's {@link WaitPolicy}. A wait behind a slot that a consumer took and
 * died holding recovers the slot after about 100 ms (in a single-consumer ring, the next consumer to
 * attach does).
 *
 * <p>A producer is for one thread at a time; use one producer per thread, made from the same
 * {@code Ring}.
 */
public final class Producer implements AutoCloseable {

    private final Ring ring;
    private final MemorySegment segment;
    private final MemorySegment slots;
    private final PeerEntry peer;
    private final boolean single;
    /** Single-consumer ring: slots are free below {@code released + slotCount} (see {@link #roomBelowReleased}). */
    private final boolean byCursor;
    /** A copy of the ring's {@code released}, which only grows; refreshed when it shows no room. */
    private long released;
    /** Fan-out ring: slots are free below the lowest live consumer cursor + slotCount (see {@link #roomBelowGate}). */
    private final boolean fanOut;
    /** Overwrite mode: nobody gates this producer. */
    private final boolean overwrite;
    /** A lower bound of every gating cursor of a fan-out ring; rescanned when it shows no room (first: at once). */
    private long gate = Long.MIN_VALUE / 2;
    private final long mask;
    private final long slotSize;
    private final long headerSize;
    private final int maxPayload;
    /** A single producer's tail: only the holder of the producer role moves it, so it is never loaded. */
    private long ownTail;
    /** First claimed position and how many from there; batch == 0: nothing claimed. */
    private long claimed;
    private int batch;
    private final ByteBufferView bufferView = new ByteBufferView();
    private volatile boolean closed;

    Producer(Ring ring, int peerIndex, WaitPolicy policy) {
        this.ring = ring;
        this.segment = ring.segment();
        this.slots = segment.asSlice(ring.headerSize);
        this.peer = new PeerEntry(ring, peerIndex, policy);
        peer.startFencedSleeping();
        this.single = ring.isSingleProducer();
        this.byCursor = ring.isSingleConsumer();
        this.fanOut = ring.fanOut;
        this.overwrite = ring.overwrite;
        this.mask = ring.mask;
        this.slotSize = ring.slotSize;
        this.headerSize = ring.headerSize;
        this.maxPayload = ring.maxPayload;
        this.ownTail = single ? (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET) : 0;
    }

    // ---- copy in ---------------------------------------------------------------------------

    /**
     * Sends {@code message} if there is space now, without waiting.
     *
     * @param message the message, all of its bytes
     * @return true if sent; false if the ring is full
     * @throws IllegalArgumentException if the message is larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     */
    public boolean offer(MemorySegment message) {
        try {
            return sendNanos(message, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting offer cannot be interrupted", e);
        }
    }

    /**
     * Sends bytes {@code [offset, offset + length)} of {@code source} if there is space now, without
     * waiting (see {@link #offer(MemorySegment)}): for example a message a {@link MessageHandler} was
     * handed, forwarded to another ring as {@code offer(buffer, index, length)} without a copy of its own.
     *
     * @param source holds the message
     * @param offset where the message starts in {@code source}
     * @param length the message's length in bytes
     * @return true if sent; false if the ring is full
     * @throws IndexOutOfBoundsException if the range is not within {@code source}
     * @throws IllegalArgumentException  if {@code length} is larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException       if the ring is closed for writing
     * @throws IllegalStateException     if this producer or its ring is closed, or messages are
     *                                   claimed and not yet committed or aborted
     */
    public boolean offer(MemorySegment source, long offset, int length) {
        try {
            return sendNanos(source, offset, length, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting offer cannot be interrupted", e);
        }
    }

    /**
     * Sends {@code message} if there is space now, without waiting (see {@link #offer(MemorySegment)}).
     *
     * @param message the message, the whole array
     * @return true if sent; false if the ring is full
     * @throws IllegalArgumentException if the message is larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     */
    public boolean offer(byte[] message) {
        return offer(message, 0, message.length);
    }

    /**
     * Sends bytes {@code [offset, offset + length)} of {@code message} if there is space now, without
     * waiting (see {@link #offer(MemorySegment)}).
     *
     * @param message holds the message
     * @param offset  where the message starts in {@code message}
     * @param length  the message's length in bytes
     * @return true if sent; false if the ring is full
     * @throws IndexOutOfBoundsException if the range is not within {@code message}
     * @throws IllegalArgumentException  if {@code length} is larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException       if the ring is closed for writing
     * @throws IllegalStateException     if this producer or its ring is closed, or messages are
     *                                   claimed and not yet committed or aborted
     */
    public boolean offer(byte[] message, int offset, int length) {
        try {
            return sendNanos(message, offset, length, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting offer cannot be interrupted", e);
        }
    }

    /**
     * Sends the buffer's remaining bytes if there is space now, without waiting (see
     * {@link #offer(MemorySegment)}).
     *
     * @param message the message: its bytes from position to limit; its position advances to the
     *                limit if sent
     * @return true if sent; false if the ring is full
     * @throws IllegalArgumentException if the message is larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     */
    public boolean offer(ByteBuffer message) {
        try {
            return sendNanos(message, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting offer cannot be interrupted", e);
        }
    }

    /**
     * Sends {@code message}, waiting as long as the ring is full, as the producer's
     * {@link WaitPolicy} says.
     *
     * @param message the message, all of its bytes
     * @throws IllegalArgumentException if the message is larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing, also while this call waits
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public void send(MemorySegment message) throws InterruptedException {
        sendNanos(message, -1);
    }

    /**
     * Sends {@code message}, waiting as long as the ring is full (see {@link #send(MemorySegment)}).
     *
     * @param message the message, the whole array
     * @throws IllegalArgumentException if the message is larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing, also while this call waits
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public void send(byte[] message) throws InterruptedException {
        sendNanos(message, 0, message.length, -1);
    }

    /**
     * Sends the buffer's remaining bytes, waiting as long as the ring is full (see
     * {@link #send(MemorySegment)}).
     *
     * @param message the message: its bytes from position to limit; its position advances to the limit
     * @throws IllegalArgumentException if the message is larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing, also while this call waits
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public void send(ByteBuffer message) throws InterruptedException {
        sendNanos(message, -1);
    }

    /**
     * Sends {@code message}, waiting up to {@code timeout} for space, as the producer's
     * {@link WaitPolicy} says.
     *
     * @param message the message, all of its bytes
     * @param timeout the longest wait; zero or negative: do not wait, as {@link #offer(MemorySegment)}
     * @return true if sent; false if the time ran out
     * @throws IllegalArgumentException if the message is larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing, also while this call waits
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public boolean send(MemorySegment message, Duration timeout) throws InterruptedException {
        return sendNanos(message, Deadlines.timeoutNanos(timeout));
    }

    /**
     * Sends bytes {@code [offset, offset + length)} of {@code source}, waiting up to {@code timeout}
     * for space (see {@link #send(MemorySegment, Duration)} and {@link #offer(MemorySegment, long, int)}).
     *
     * @param source  holds the message
     * @param offset  where the message starts in {@code source}
     * @param length  the message's length in bytes
     * @param timeout the longest wait; zero or negative: do not wait
     * @return true if sent; false if the time ran out
     * @throws IndexOutOfBoundsException if the range is not within {@code source}
     * @throws IllegalArgumentException  if {@code length} is larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException       if the ring is closed for writing, also while this call waits
     * @throws IllegalStateException     if this producer or its ring is closed, or messages are
     *                                   claimed and not yet committed or aborted
     * @throws InterruptedException      if the thread is interrupted while it waits (spinning,
     *                                   yielding or asleep)
     */
    public boolean send(MemorySegment source, long offset, int length, Duration timeout) throws InterruptedException {
        return sendNanos(source, offset, length, Deadlines.timeoutNanos(timeout));
    }

    /**
     * Sends bytes {@code [offset, offset + length)} of {@code source}, waiting as long as the ring is
     * full (see {@link #send(MemorySegment)} and {@link #offer(MemorySegment, long, int)}).
     *
     * @param source holds the message
     * @param offset where the message starts in {@code source}
     * @param length the message's length in bytes
     * @throws IndexOutOfBoundsException if the range is not within {@code source}
     * @throws IllegalArgumentException  if {@code length} is larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException       if the ring is closed for writing, also while this call waits
     * @throws IllegalStateException     if this producer or its ring is closed, or messages are
     *                                   claimed and not yet committed or aborted
     * @throws InterruptedException      if the thread is interrupted while it waits (spinning,
     *                                   yielding or asleep)
     */
    public void send(MemorySegment source, long offset, int length) throws InterruptedException {
        sendNanos(source, offset, length, -1);
    }

    /**
     * Sends {@code message}, waiting up to {@code timeout} for space (see
     * {@link #send(MemorySegment, Duration)}).
     *
     * @param message the message, the whole array
     * @param timeout the longest wait; zero or negative: do not wait
     * @return true if sent; false if the time ran out
     * @throws IllegalArgumentException if the message is larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing, also while this call waits
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public boolean send(byte[] message, Duration timeout) throws InterruptedException {
        return sendNanos(message, 0, message.length, Deadlines.timeoutNanos(timeout));
    }

    /**
     * Sends the buffer's remaining bytes, waiting up to {@code timeout} for space (see
     * {@link #send(MemorySegment, Duration)}).
     *
     * @param message the message: its bytes from position to limit; its position advances to the
     *                limit if sent
     * @param timeout the longest wait; zero or negative: do not wait
     * @return true if sent; false if the time ran out
     * @throws IllegalArgumentException if the message is larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing, also while this call waits
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public boolean send(ByteBuffer message, Duration timeout) throws InterruptedException {
        return sendNanos(message, Deadlines.timeoutNanos(timeout));
    }

    private boolean sendNanos(MemorySegment message, long timeoutNanos) throws InterruptedException {
        return sendNanos(message, 0, message.byteSize(), timeoutNanos);
    }

    private boolean sendNanos(MemorySegment message, long offset, long byteCount, long timeoutNanos)
            throws InterruptedException {
        try {
            Objects.checkFromIndexSize(offset, byteCount, message.byteSize());
            int length = checkedLength(byteCount);
            if (claimPositions(1, length, timeoutNanos) == 0) {
                return false;
            }
            try {
                MessageCopy.copy(message, offset, segment, payloadOffset(claimed), length);
            } catch (Throwable e) {
                abort(); // e.g. the source's arena closed: never leave a position claimed
                throw e;
            }
            commit();
            return true;
        } catch (InternalError fault) {
            throw ring.faulted(fault);
        }
    }

    private boolean sendNanos(byte[] message, int offset, int length, long timeoutNanos) throws InterruptedException {
        try {
            Objects.checkFromIndexSize(offset, length, message.length);
            checkedLength(length);
            if (claimPositions(1, length, timeoutNanos) == 0) {
                return false;
            }
            MessageCopy.copy(message, offset, segment, payloadOffset(claimed), length);
            commit();
            return true;
        } catch (InternalError fault) {
            throw ring.faulted(fault);
        }
    }

    private boolean sendNanos(ByteBuffer message, long timeoutNanos) throws InterruptedException {
        try {
            int length = checkedLength(message.remaining());
            if (claimPositions(1, length, timeoutNanos) == 0) {
                return false;
            }
            try {
                if (message.hasArray()) {
                    MessageCopy.copy(message.array(), message.arrayOffset() + message.position(), segment,
                            payloadOffset(claimed), length);
                } else {
                    MessageCopy.copy(bufferView.of(message), message.position(), segment, payloadOffset(claimed), length);
                }
            } catch (Throwable e) {
                abort();
                throw e;
            }
            message.position(message.position() + length);
            commit();
            return true;
        } catch (InternalError fault) {
            throw ring.faulted(fault);
        }
    }

    // ---- zero copy -------------------------------------------------------------------------

    /**
     * The ring's slots, where claimed messages are written: {@link #claim} and {@link #batchIndex}
     * give the byte index of a message in it. Write only the bytes claimed, and only until
     * {@link #commit()}; anything else corrupts other peers' messages.
     *
     * @return the same segment for the producer's whole life, valid while the ring is mapped
     */
    public MemorySegment buffer() {
        return slots;
    }

    /**
     * Claims space for a message of {@code length} bytes, waiting as long as the ring is full, as
     * the producer's {@link WaitPolicy} says. Write the message at the returned index of
     * {@link #buffer()}, then publish it with {@link #commit()} (or {@link #commit(int)} with a
     * shorter length), or give it up with {@link #abort()}. Until then consumers wait at this
     * position, so commit promptly.
     *
     * @param length the message's length in bytes
     * @return the message's index in {@link #buffer()}
     * @throws IllegalArgumentException if {@code length} is negative or larger than
     *                                  {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing, also while this call waits
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public long claim(int length) throws InterruptedException {
        return claimNanos(length, -1);
    }

    /**
     * As {@link #claim(int)}, but returns -1 instead of waiting if the ring is full.
     *
     * @param length the message's length in bytes
     * @return the message's index in {@link #buffer()}, or -1 if the ring is full
     * @throws IllegalArgumentException if {@code length} is negative or larger than
     *                                  {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     */
    public long tryClaim(int length) {
        try {
            return claimNanos(length, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting claim cannot be interrupted", e);
        }
    }

    /**
     * As {@link #claim(int)}, waiting up to {@code timeout}.
     *
     * @param length  the message's length in bytes
     * @param timeout the longest wait; zero or negative: do not wait, as {@link #tryClaim(int)}
     * @return the message's index in {@link #buffer()}, or -1 if the time ran out
     * @throws IllegalArgumentException if {@code length} is negative or larger than
     *                                  {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing, also while this call waits
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public long claim(int length, Duration timeout) throws InterruptedException {
        return claimNanos(length, Deadlines.timeoutNanos(timeout));
    }

    private long claimNanos(int length, long timeoutNanos) throws InterruptedException {
        checkedLength(length);
        return claimPositions(1, length, timeoutNanos) == 0 ? -1 : batchIndex(0);
    }

    /**
     * Claims up to {@code count} consecutive slots for messages of up to {@code length} bytes each,
     * with one move of the ring's cursor, waiting as long as the ring is full. It takes the free
     * slots there are, at least one, and no more than the ring's slot count. Write message {@code i}
     * at {@link #batchIndex(int) batchIndex(i)}, set a shorter length with
     * {@link #batchLength(int, int)}, then publish them all with {@link #commit()} or give them all up
     * with {@link #abort()}.
     *
     * @param count  the most messages to claim, at least 1
     * @param length each message's length in bytes, unless {@link #batchLength} shortens it
     * @return how many messages were claimed, from 1 to {@code count}
     * @throws IllegalArgumentException if {@code count} is less than 1, or {@code length} is negative
     *                                  or larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing, also while this call waits
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public int claimBatch(int count, int length) throws InterruptedException {
        return claimBatchNanos(count, length, -1);
    }

    /**
     * As {@link #claimBatch(int, int)}, waiting up to {@code timeout}.
     *
     * @param count   the most messages to claim, at least 1
     * @param length  each message's length in bytes, unless {@link #batchLength} shortens it
     * @param timeout the longest wait; zero or negative: do not wait, as {@link #tryClaimBatch}
     * @return how many messages were claimed, up to {@code count}; 0 if the time ran out
     * @throws IllegalArgumentException if {@code count} is less than 1, or {@code length} is negative
     *                                  or larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing, also while this call waits
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     * @throws InterruptedException if the thread is interrupted while it waits (spinning, yielding
     *                              or asleep)
     */
    public int claimBatch(int count, int length, Duration timeout) throws InterruptedException {
        return claimBatchNanos(count, length, Deadlines.timeoutNanos(timeout));
    }

    /**
     * As {@link #claimBatch(int, int)}, but returns 0 instead of waiting if the ring is full.
     *
     * @param count  the most messages to claim, at least 1
     * @param length each message's length in bytes, unless {@link #batchLength} shortens it
     * @return how many messages were claimed, up to {@code count}; 0 if the ring is full
     * @throws IllegalArgumentException if {@code count} is less than 1, or {@code length} is negative
     *                                  or larger than {@link Ring#maxMessageSize()}
     * @throws RingClosedException if the ring is closed for writing
     * @throws IllegalStateException if this producer or its ring is closed, or messages are claimed
     *                               and not yet committed or aborted
     */
    public int tryClaimBatch(int count, int length) {
        try {
            return claimBatchNanos(count, length, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting claim cannot be interrupted", e);
        }
    }

    private int claimBatchNanos(int count, int length, long timeoutNanos) throws InterruptedException {
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive: " + count);
        }
        checkedLength(length);
        return claimPositions((int) Math.min(count, mask + 1), length, timeoutNanos);
    }

    /**
     * The index in {@link #buffer()} of claimed message {@code i}.
     *
     * @param i the message's number in the claim, from 0 to {@link #claimedCount()} - 1
     * @return where message {@code i} starts in {@link #buffer()}
     * @throws IndexOutOfBoundsException if {@code i} is not a claimed message's number
     */
    public long batchIndex(int i) {
        Objects.checkIndex(i, batch);
        return ((claimed + i) & mask) * slotSize + RingLayout.SLOT_HEADER_SIZE;
    }

    /**
     * Sets the length of claimed message {@code i}, before {@link #commit()} publishes it.
     *
     * @param i      the message's number in the claim, from 0 to {@link #claimedCount()} - 1
     * @param length the message's length in bytes, from 0 to the length claimed
     * @throws IndexOutOfBoundsException if {@code i} is not a claimed message's number
     * @throws IllegalArgumentException  if {@code length} is negative or more than the length claimed
     */
    public void batchLength(int i, int length) {
        try {
            Objects.checkIndex(i, batch);
            long slot = slotOffset(claimed + i);
            int claimedLength = (int) INT.get(segment, slot + RingLayout.SLOT_LENGTH_OFFSET);
            if (length < 0 || length > claimedLength) {
                throw new IllegalArgumentException("length " + length + ", but " + claimedLength + " bytes were claimed");
            }
            if (length < ring.minLength) {
                throw typedLength(length);
            }
            INT.set(segment, slot + RingLayout.SLOT_LENGTH_OFFSET, length);
        } catch (InternalError fault) {
            throw ring.faulted(fault);
        }
    }

    /**
     * How many messages are claimed and not yet committed or aborted.
     *
     * @return 0 if nothing is claimed
     */
    public int claimedCount() {
        return batch;
    }

    /**
     * Publishes every claimed message, in order, with one look at the doorbell (a system call only if
     * a consumer sleeps). Does not wait.
     *
     * @throws IllegalStateException if nothing is claimed, or the ring is closed in this process
     */
    public void commit() {
        try {
            requireClaim();
            long first = claimed;
            int count = batch;
            batch = 0;
            for (int i = 0; i < count; i++) {
                LONG.setRelease(segment, slotOffset(first + i) + RingLayout.SLOT_SEQUENCE_OFFSET, first + i + 1);
            }
            peer.countMessages(count);
            ring.doorbells.ringData();
        } catch (InternalError fault) {
            throw ring.faulted(fault);
        }
    }

    /**
     * Publishes the one claimed message with {@code length} bytes: {@link #batchLength(int, int)
     * batchLength(0, length)}, then {@link #commit()}. Does not wait.
     *
     * @param length the message's length in bytes, from 0 to the length claimed
     * @throws IllegalStateException    if not exactly one message is claimed
     * @throws IllegalArgumentException if {@code length} is negative or more than the length claimed
     */
    public void commit(int length) {
        requireClaim();
        if (batch != 1) {
            throw new IllegalStateException(batch + " messages are claimed: set their lengths with batchLength");
        }
        batchLength(0, length);
        commit();
    }

    /**
     * Gives up every claimed message: their positions are published as empty ones that consumers
     * skip, and nobody receives them. Does not wait.
     *
     * @throws IllegalStateException if nothing is claimed, or the ring is closed in this process
     */
    public void abort() {
        try {
            requireClaim();
            int count = batch;
            batch = 0;
            publishSkip(claimed, count);
        } catch (InternalError fault) {
            throw ring.faulted(fault);
        }
    }

    private void requireClaim() {
        if (batch == 0) {
            throw new IllegalStateException("nothing is claimed");
        }
    }

    // ---- the protocol ----------------------------------------------------------------------

    /**
     * Claims up to {@code count} positions (see panama_shm.h, pshm_claim_n): a position is free when
     * its slot's sequence equals it, or in a single-consumer ring when it is below
     * {@code released + slotCount}. Several producers record their intent in their entry before the
     * cursor moves, so that a consumer can tell a position whose producer died (a single producer's
     * stands from attach). Returns how many it claimed, 0 if the time ran out.
     */
    private int claimPositions(int count, int length, long timeoutNanos) throws InterruptedException {
        // The common case apart, small enough for C2 to inline into every caller (it does not inline a
        // hot method of more than FreqInlineSize, 325 bytecodes, and the general path is larger): the
        // one producer of a single-consumer ring, with room by its copy of released.
        if (single && byCursor && !fanOut && batch == 0 && !closed) {
            long tail = ownTail;
            if (released + mask + 1 - tail >= count) {
                try {
                    advanceOwnTail(tail, count);
                    return claimedFrom(tail, count, length);
                } catch (InternalError fault) {
                    throw ring.faulted(fault);
                }
            }
        }
        return claimPositionsOrWait(count, length, timeoutNanos);
    }

    private int claimPositionsOrWait(int count, int length, long timeoutNanos) throws InterruptedException {
        try {
            if (closed) {
                throw new IllegalStateException("producer is closed");
            }
            if (batch != 0) {
                // positions are published in claim order, and with several producers a second claim would
                // overwrite the intent record that keeps the first one alive
                throw new IllegalStateException("claimed messages are not committed or aborted yet");
            }
            peer.startCall(timeoutNanos);
            while (true) {
                // a closed ring is noticed after the claim (below) or when full: one load less per message
                long tail = single ? ownTail : (long) LONG.getOpaque(segment, RingLayout.TAIL_OFFSET);
                int n = 0;
                if (byCursor) {
                    n = roomBelowReleased(tail, count);
                } else if (fanOut) {
                    n = roomBelowGate(tail, count);
                } else {
                    long sequence = (long) LONG.getAcquire(segment, slotOffset(tail) + RingLayout.SLOT_SEQUENCE_OFFSET);
                    if (sequence - tail > 0) {
                        // another producer claimed it (after the acquire above its claim shows in the tail) ...
                        if (!single && (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET) != tail) {
                            continue;
                        }
                        // ... or the slot is corrupted
                        if (resetCorruptFreeSlot(tail, sequence)) {
                            continue;
                        }
                    } else if (sequence == tail) {
                        n = 1;
                        while (n < count && (long) LONG.getAcquire(segment,
                                slotOffset(tail + n) + RingLayout.SLOT_SEQUENCE_OFFSET) == tail + n) {
                            n++;
                        }
                    }
                }
                if (n > 0) {
                    if (single) {
                        advanceOwnTail(tail, n);
                    } else {
                        peer.intend(tail, tail + n);
                        if (!LONG.compareAndSet(segment, RingLayout.TAIL_OFFSET, tail, tail + n)) {
                            peer.forgetIntent();
                            continue;
                        }
                    }
                    return claimedFrom(tail, n, length);
                }
                // full: the slot's last message is unread, or taken by a consumer that has not released it
                if (ring.isClosedForWriting()) {
                    throw new RingClosedException(ring.name());
                }
                if (peer.checkDue() && ring.doorbells.spaceHeld(tail) && peer.stuckLongEnough(tail)
                        && (fanOut ? ring.peerTable.dropDeadConsumers(tail, ring.slotCount) : recoverFromDeadConsumer(tail))) {
                    peer.recovered(tail);
                    continue;
                }
                if (!peer.awaitStep(RingLayout.BELL_SPACE)) {
                    return 0;
                }
            }
        } catch (InternalError fault) {
            throw ring.faulted(fault);
        }
    }

    /** A single producer's claim of [tail, tail + n): no intent to record, the one written at attach covers it. */
    private void advanceOwnTail(long tail, int n) {
        LONG.setRelease(segment, RingLayout.TAIL_OFFSET, tail + n);
        ownTail = tail + n;
        // the state load after this store stays after it: a fence only without membarrier, else the
        // consumer that concludes end of stream fences us (Consumer.endOfStream)
        Barrier.afterPublish();
        if (fanOut) {
            // readers that do not gate (observers) tell a lapped copy by the tail: it must be visible
            // before the slots are written again (free on x86, a dmb ishst on aarch64)
            VarHandle.storeStoreFence();
        }
    }

    /** Positions [tail, tail + n) are this producer's now: checks the close, then makes them the claim. */
    private int claimedFrom(long tail, int n, int length) {
        if (ring.isClosedForWriting()) {
            // closed while claiming: consumers may already have seen the end of the stream, so give the
            // positions up rather than publish messages nobody would read
            publishSkip(tail, n);
            throw new RingClosedException(ring.name());
        }
        long lengthAndFlags = RingLayout.lengthAndFlags(length, 0);
        for (int i = 0; i < n; i++) {
            LONG.set(segment, slotOffset(tail + i) + RingLayout.SLOT_LENGTH_OFFSET, lengthAndFlags);
        }
        claimed = tail;
        batch = n;
        return n;
    }

    /**
     * The slot of {@code t} shows a sequence ahead of {@code t}, yet nobody claimed {@code t}: no
     * correct peer writes that (see panama_shm.h, pshm_reset_corrupt_free_slot). If the slot's
     * previous position was taken and no live consumer owns it, reset the slot to free and count it.
     * Returns whether to look again; false: wait, the slot's consumer frees it.
     */
    private boolean resetCorruptFreeSlot(long t, long sequence) {
        if (t >= ring.slotCount) {
            long previous = t - ring.slotCount;
            if ((long) LONG.getAcquire(segment, RingLayout.HEAD_OFFSET) <= previous
                    || ring.peerTable.ownerAlive(RingLayout.ROLE_CONSUMER, previous)) {
                return false;
            }
        }
        if (LONG.compareAndSet(segment, slotOffset(t) + RingLayout.SLOT_SEQUENCE_OFFSET, sequence, t)) {
            LONG.getAndAdd(segment, RingLayout.CORRUPT_SLOTS_OFFSET, 1L);
        }
        return true;
    }

    /**
     * How many of {@code count} positions from {@code tail} are free in a single-consumer ring: those
     * below {@code released + slotCount}. The copy of {@code released} is refreshed (acquire: the
     * consumer's reads of those slots come before its store) only when it shows too little room.
     */
    private int roomBelowReleased(long tail, int count) {
        long room = released + mask + 1 - tail;
        if (room < count) {
            released = (long) LONG.getAcquire(segment, RingLayout.RELEASED_OFFSET);
            room = released + mask + 1 - tail;
        }
        return room <= 0 ? 0 : (int) Math.min(room, count);
    }

    /**
     * How many of {@code count} positions from {@code tail} are free in a fan-out ring: those below
     * the lowest live consumer cursor + {@code slotCount}. The cached gate only grows while the
     * consumers stay (a joining one starts at or after the tail this producer's last scan saw), so it
     * is rescanned only when it shows too little room: about once a lap.
     */
    private int roomBelowGate(long tail, int count) {
        if (overwrite) {
            return (int) Math.min(count, mask + 1); // nobody gates: consumers that lag are lapped
        }
        long room = gate + mask + 1 - tail;
        if (room < count) {
            gate = ring.peerTable.lowestCursor(tail);
            room = gate + mask + 1 - tail;
        }
        return room <= 0 ? 0 : (int) Math.min(room, count);
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
        long slot = slotOffset(stuck);
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

    /** Publishes positions [first, first + count) as slots consumers pass over. */
    private void publishSkip(long first, int count) {
        long skip = RingLayout.lengthAndFlags(0, RingLayout.SLOT_SKIP);
        for (int i = 0; i < count; i++) {
            long slot = slotOffset(first + i);
            LONG.set(segment, slot + RingLayout.SLOT_LENGTH_OFFSET, skip);
            LONG.setRelease(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET, first + i + 1);
        }
        ring.doorbells.ringData();
    }

    private long slotOffset(long position) {
        return headerSize + (position & mask) * slotSize;
    }

    private long payloadOffset(long position) {
        return slotOffset(position) + RingLayout.SLOT_HEADER_SIZE;
    }

    private int checkedLength(long length) {
        if (length < 0) {
            throw new IllegalArgumentException("message length must not be negative: " + length);
        }
        if (length > maxPayload) {
            throw new IllegalArgumentException("message of " + length + " bytes exceeds the maximum of ring "
                    + ring.name() + " (" + maxPayload + " bytes)");
        }
        if (length < ring.minLength) {
            throw typedLength(length);
        }
        return (int) length;
    }

    private IllegalArgumentException typedLength(long length) {
        return new IllegalArgumentException("ring " + ring.name() + " carries " + ring.messageType().orElseThrow()
                + ": every message is " + ring.minLength + " bytes, not " + length);
    }

    /**
     * Messages this producer has published (aborted claims do not count).
     *
     * @return the count since this producer attached
     */
    public long messagesSent() {
        return peer.messages();
    }

    /**
     * The ring this producer puts messages into.
     *
     * @return the {@code Ring} that made this producer
     */
    public Ring ring() {
        return ring;
    }

    /**
     * Detaches from the ring, freeing its peer-table entry. Claims not yet committed are aborted
     * first, so consumers do not wait for them. Call it from the thread that uses this producer.
     * Does nothing if the producer or its ring is already closed. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        bufferView.clear();
        if (ring.isTruncated()) {
            closed = true; // its memory is gone: write nothing, the lock goes with the descriptor
            ring.forget(this);
            return;
        }
        if (batch != 0) {
            abort();
        }
        closed = true;
        peer.stopFencedSleeping();
        ring.peerTable.detach(peer.index, RingLayout.ROLE_PRODUCER);
        ring.forget(this);
    }

    /** The ring is being closed by another thread: stop, and touch the ring no more. */
    void ringClosed() {
        closed = true;
    }
}
