package io.github.panamashm.ring;

import java.lang.foreign.MemorySegment;

import static io.github.panamashm.ring.RingLayout.LONG;

/**
 * This process's entry in a ring's peer table, as one producer or consumer uses it: the intent
 * record that tells other processes which position it owns, its message count, how long it has
 * been held up at one position, and its waiting (spin, then sleep on a doorbell).
 */
final class PeerEntry {

    private final Ring ring;
    private final MemorySegment segment;
    final int index;
    final long offset;
    private long messages;
    private long stuckPosition = -1;
    private long stuckSince;
    private int spins;

    PeerEntry(Ring ring, int index) {
        this.ring = ring;
        this.segment = ring.segment();
        this.index = index;
        this.offset = RingLayout.peerOffset(index);
    }

    /** Records the positions this peer is about to take; must precede the compare-and-set on the cursor. */
    void intend(long start, long end) {
        LONG.setOpaque(segment, offset + RingLayout.PEER_CLAIM_START_OFFSET, start);
        LONG.setRelease(segment, offset + RingLayout.PEER_CLAIM_END_OFFSET, end);
    }

    /** Empties the intent after a lost compare-and-set, before this peer may wait. */
    void forgetIntent() {
        LONG.setRelease(segment, offset + RingLayout.PEER_CLAIM_END_OFFSET,
                (long) LONG.getOpaque(segment, offset + RingLayout.PEER_CLAIM_START_OFFSET));
    }

    /** Counts one message sent or received, visible to inspection in the entry. */
    void countMessage() {
        LONG.setOpaque(segment, offset + RingLayout.PEER_MESSAGES_OFFSET, ++messages);
    }

    long messages() {
        return messages;
    }

    /**
     * True once this peer has found {@code position} held by another peer for
     * {@link Ring#STUCK_NANOS}, counted across calls, so that callers polling with short timeouts
     * recover from dead peers too.
     */
    boolean stuckLongEnough(long position) {
        long now = System.nanoTime();
        if (position != stuckPosition) {
            stuckPosition = position;
            stuckSince = now;
            return false;
        }
        return now - stuckSince >= Ring.STUCK_NANOS;
    }

    /** Starts a wait: the next steps spin before they sleep. */
    void startWaiting() {
        spins = 0;
    }

    /**
     * One step of waiting for {@code bell} (a {@code RingLayout.BELL_*}): spin a while, then sleep on
     * the doorbell. False when the caller should stop: it would not wait, or the deadline passed.
     */
    boolean awaitStep(int bell, long timeoutNanos, long deadline) throws InterruptedException {
        if (timeoutNanos == 0) {
            return false;
        }
        if (spins < Ring.SPIN_TRIES) {
            spins++;
            Thread.onSpinWait();
            return true;
        }
        if (System.nanoTime() - deadline >= 0) {
            return false;
        }
        ring.doorbells.sleep(offset, bell, deadline);
        return true;
    }
}
