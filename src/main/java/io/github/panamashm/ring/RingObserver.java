// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.github.panamashm.ring.RingLayout.LONG;

/**
 * Watches the messages that pass through a ring without taking any and without attaching: it writes
 * nothing to the ring, so producers and consumers cannot tell it is there (docs/PROTOCOL.md §6.8).
 * Each message it sees is copied out of its slot and handed over only if the copy is known whole:
 * the slot still held the same message after the copy. A message that consumers take and producers
 * overwrite before the observer gets to it is missed, and counted ({@link #missed()}): an observer
 * of a busy ring with fast consumers sees some of the stream, not all of it. To see every message,
 * be a consumer (in a ring of its own, or as the only consumer).
 * {@snippet :
 * RingObserver observer = ring.observer();
 * while (observer.poll((copy, at, length) -> show(copy, at, length), 64) != RingObserver.END_OF_STREAM) {
 *     Thread.sleep(1);
 * }
 * }
 * One thread at a time. Not for hot paths: each message is copied.
 */
public final class RingObserver {

    /** Returned by {@link #poll}: the ring is closed for writing and every position was passed. */
    public static final int END_OF_STREAM = -1;

    private final Ring ring;
    private final MemorySegment segment;
    private final MemorySegment copy;
    private final boolean releasedByCursor;
    /** A fan-out ring: slots change when the producer laps them, told by the tail, not by consumers. */
    private final boolean fanOut;
    private long position;
    private long missed;
    private long seen;

    RingObserver(Ring ring) {
        this.ring = ring;
        this.segment = ring.segment();
        this.copy = Arena.ofAuto().allocate(Math.max(1, ring.maxPayload), RingLayout.SLOT_ALIGN);
        this.releasedByCursor = (ring.flags & RingLayout.FLAG_SINGLE_CONSUMER) != 0;
        this.fanOut = ring.fanOut;
        this.position = fanOut ? ring.peerTable.lowestCursor((long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET))
                : (long) LONG.getAcquire(segment, RingLayout.HEAD_OFFSET);
    }

    /**
     * Hands each message published from this observer's position on to {@code handler}, in order,
     * up to {@code limit} of them; does not wait.
     *
     * @param handler gets a private, 16-byte aligned copy of each message (the same segment each time,
     *                valid until the handler returns)
     * @param limit   the most messages to hand over, at least 1
     * @return how many were handed over (0 if none is published yet), or {@link #END_OF_STREAM}
     * @throws IllegalArgumentException if {@code limit} is less than 1
     */
    public int poll(MessageHandler handler, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
        try {
            int handled = 0;
            while (handled < limit) {
                long p = position;
                long slot = ring.slotOffset(p);
                long sequence = (long) LONG.getAcquire(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET);
                if (sequence == p + 1) {
                    long lengthAndFlags = (long) LONG.get(segment, slot + RingLayout.SLOT_LENGTH_OFFSET);
                    long length = Integer.toUnsignedLong(RingLayout.lengthOf(lengthAndFlags));
                    int flags = RingLayout.flagsOf(lengthAndFlags);
                    boolean wellFormed = length <= ring.maxPayload && length >= ring.minLength;
                    if (wellFormed) {
                        MemorySegment.copy(segment, slot + RingLayout.SLOT_HEADER_SIZE, copy, 0, length);
                    }
                    VarHandle.acquireFence(); // the copy before the second look
                    boolean whole = (long) LONG.getAcquire(segment, slot + RingLayout.SLOT_SEQUENCE_OFFSET) == p + 1
                            && (!releasedByCursor || (long) LONG.getAcquire(segment, RingLayout.RELEASED_OFFSET) <= p)
                            // fan-out: the producer claims p + slotCount (tail store, store-store fence) before it
                            // writes the slot again, so a tail not past it means the copy is whole
                            && (!fanOut || (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET) - p <= ring.slotCount);
                    position = p + 1;
                    if (!whole || !wellFormed) {
                        missed++; // overwritten while copied, or a length no correct producer writes
                    } else if ((flags & RingLayout.SLOT_SKIP) == 0) {
                        seen++;
                        handled++;
                        handler.onMessage(copy, 0, (int) length);
                    }
                } else if (sequence - (p + 1) > 0
                        || (releasedByCursor && (long) LONG.getAcquire(segment, RingLayout.RELEASED_OFFSET) > p)) {
                    skipToHead(p); // taken, and the slot given back or reused: this one was missed
                } else {
                    if (handled == 0 && ring.isClosedForWriting()
                            && (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET) <= p) {
                        return END_OF_STREAM;
                    }
                    if (fanOut && ring.peerTable.lowestCursor((long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET)) > p) {
                        position = p + 1; // every consumer passed it unpublished: skipped for a dead producer
                        missed++;
                        continue;
                    }
                    if (!fanOut && (long) LONG.getAcquire(segment, RingLayout.HEAD_OFFSET) > p) {
                        skipToHead(p); // consumers passed it unpublished: skipped for a dead producer
                        continue;
                    }
                    return handled;
                }
            }
            return handled;
        } catch (InternalError fault) {
            throw ring.faulted(fault);
        }
    }

    private void skipToHead(long p) {
        // fan-out: the oldest position whose slot the producer has not claimed again
        long head = fanOut ? (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET) - ring.slotCount
                : (long) LONG.getAcquire(segment, RingLayout.HEAD_OFFSET);
        long next = head > p ? head : p + 1;
        missed += next - p;
        position = next;
    }

    /**
     * The next position this observer looks at.
     *
     * @return the position
     */
    public long position() {
        return position;
    }

    /**
     * Messages handed over so far.
     *
     * @return the count
     */
    public long seen() {
        return seen;
    }

    /**
     * Positions passed without handing their message over: taken and overwritten before this observer
     * got to them, skipped for a dead producer, or damaged.
     *
     * @return the count
     */
    public long missed() {
        return missed;
    }
}
