// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.lang.foreign.MemorySegment;

import static io.github.panamashm.ring.RingLayout.INT;
import static io.github.panamashm.ring.RingLayout.LONG;

/**
 * This process's entry in a ring's peer table, as one producer or consumer uses it: the intent
 * record that tells other processes which positions it owns, its message count, how long it has
 * been held up at one position, and its waiting (as its {@link WaitPolicy} says).
 */
final class PeerEntry {

    private final Ring ring;
    private final MemorySegment segment;
    final int index;
    final long offset;
    private long messages;
    private long stuckPosition = -1;
    private long stuckSince;

    /** Failed attempts between looks at the clock and for dead peers. */
    static final int CHECK_EVERY = 64;
    /**
     * The shortest time between two counted looks for dead peers (the first attempt after a sleep or a
     * recovery looks at once). A look loads the ring's tail (a consumer) or head (a producer), which
     * the other side stores with every message: a spinning consumer that looked every 64 attempts kept
     * pulling the tail's line away from the producer, whose next store to it then waited for the line
     * to come back.
     */
    static final long CHECK_INTERVAL_NANOS = 1_000_000;
    private static final int PHASE_NONE = 0;
    private static final int PHASE_SPIN = 1;
    private static final int PHASE_YIELD = 2;
    private static final int PHASE_SLEEP = 3;

    private final WaitPolicy policy;
    private long timeoutNanos;
    private long deadline;
    /** See {@link #busyTooLong()}: 0 until the call first asks. */
    private long busyDeadline;
    private long phaseEnd;
    private int phase;
    private int polls;
    private int idlePolls;
    private long nextCheck;
    private boolean checkNow;
    /** Whether this peer counts in the ring's fenced sleepers (see {@link #startFencedSleeping()}). */
    private boolean fencedSleeper;

    PeerEntry(Ring ring, int index, WaitPolicy policy) {
        this.ring = ring;
        this.policy = policy;
        this.segment = ring.segment();
        this.index = index;
        this.offset = RingLayout.peerOffset(index);
        this.nextCheck = System.nanoTime(); // the first due attempt looks
    }

    /** Records the positions this peer is about to take; must precede the compare-and-set on the cursor. */
    void intend(long start, long end) {
        // both release: neither may overtake this peer's last publication or release (aarch64), or an
        // owner scan could read a range that no longer holds the position while its slot is unfinished
        LONG.setRelease(segment, offset + RingLayout.PEER_CLAIM_START_OFFSET, start);
        LONG.setRelease(segment, offset + RingLayout.PEER_CLAIM_END_OFFSET, end);
    }

    /** Empties the intent after a lost compare-and-set, before this peer may wait. */
    void forgetIntent() {
        LONG.setRelease(segment, offset + RingLayout.PEER_CLAIM_END_OFFSET,
                (long) LONG.getOpaque(segment, offset + RingLayout.PEER_CLAIM_START_OFFSET));
    }

    /** Counts messages sent or received, visible to inspection in the entry. */
    void countMessages(int count) {
        messages += count;
        LONG.setOpaque(segment, offset + RingLayout.PEER_MESSAGES_OFFSET, messages);
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

    /**
     * After this peer recovered {@code position} from a dead peer: the next position is likely the
     * dead peer's too (a batch), so it is looked at without waiting again. The owner scan still
     * decides; this only skips the debounce that saves system calls while peers are alive.
     */
    void recovered(long position) {
        stuckPosition = position + 1;
        stuckSince = System.nanoTime() - Ring.STUCK_NANOS;
        checkNow = true;
    }

    /**
     * A peer that sleeps at every wait ({@link WaitPolicy#sleep()}) would pay a membarrier per sleep,
     * which costs inter-processor interrupts (~11 us on a VM when the other side runs). Instead it
     * counts itself in the ring's fenced sleepers and issues one membarrier: every registered publisher
     * passes a full barrier after the count is visible, so its later publishes see it and fence, and
     * this peer's sleeps need only a fence of their own (panama_shm.h, pshm_set_fenced_sleeper). The
     * count goes up before the entry's flag, and the flag is cleared before the count goes down, so a
     * death in between leaves the count too high, never too low.
     */
    void startFencedSleeping() {
        if (policy.mode != WaitPolicy.Mode.SLEEP || !Barrier.AVAILABLE) {
            return;
        }
        INT.getAndAdd(segment, RingLayout.FENCED_SLEEPERS_OFFSET, 1);
        INT.setVolatile(segment, offset + RingLayout.PEER_FENCED_SLEEPER_OFFSET, 1);
        if (Barrier.fencePeers()) {
            fencedSleeper = true;
        } else {
            stopFencedSleeping(true);
        }
    }

    /** Takes this peer out of the fenced sleepers, before it detaches. */
    void stopFencedSleeping() {
        stopFencedSleeping(fencedSleeper);
    }

    private void stopFencedSleeping(boolean counted) {
        fencedSleeper = false;
        if (counted && (int) INT.getAndSet(segment, offset + RingLayout.PEER_FENCED_SLEEPER_OFFSET, 0) == 1) {
            INT.getAndAdd(segment, RingLayout.FENCED_SLEEPERS_OFFSET, -1);
        }
    }

    /** Starts a call that may wait; reads no clock (that happens only once the call has to wait). */
    void startCall(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
        phase = PHASE_NONE;
        busyDeadline = 0;
    }

    /**
     * For a loop that keeps busy without waiting (a consumer lapped again and again by a faster
     * producer): whether this call's time is up, counted from the first time it asks.
     */
    boolean busyTooLong() {
        if (timeoutNanos == 0) {
            return true;
        }
        if (timeoutNanos < 0 || timeoutNanos > Deadlines.FOREVER_NANOS) {
            return false;
        }
        long now = System.nanoTime();
        if (busyDeadline == 0) {
            busyDeadline = now + timeoutNanos;
            return false;
        }
        return now - busyDeadline >= 0;
    }

    /**
     * Whether this failed attempt is one that looks for dead peers: one in {@link #CHECK_EVERY},
     * counted across calls (so a caller that only polls looks too), at least
     * {@link #CHECK_INTERVAL_NANOS} after the last such look, and the first after a sleep or a
     * recovery (in this call or a later one).
     */
    boolean checkDue() {
        if (checkNow) {
            checkNow = false;
            return true;
        }
        if (++idlePolls % CHECK_EVERY != 0) {
            return false;
        }
        long now = System.nanoTime();
        if (now - nextCheck < 0) {
            return false;
        }
        nextCheck = now + CHECK_INTERVAL_NANOS;
        return true;
    }

    /**
     * One step of waiting for {@code bell} (a {@code RingLayout.BELL_*}) as the wait policy says:
     * spin, yield, then sleep on the doorbell, in short slices if a dead peer may be what blocks this
     * one. False when the caller should stop: it would not wait, or the deadline passed. The clock is
     * read once every {@link #CHECK_EVERY} spins.
     */
    boolean awaitStep(int bell) throws InterruptedException {
        if (timeoutNanos == 0) {
            return false;
        }
        if (phase == PHASE_NONE) {
            long now = System.nanoTime();
            deadline = now + (timeoutNanos < 0 || timeoutNanos > Deadlines.FOREVER_NANOS ? Deadlines.FOREVER_NANOS : timeoutNanos);
            phase = switch (policy.mode) {
                case SPIN -> PHASE_SPIN;
                case SPIN_THEN_SLEEP -> PHASE_SPIN;
                case SLEEP -> PHASE_SLEEP;
            };
            phaseEnd = policy.mode == WaitPolicy.Mode.SPIN ? Long.MAX_VALUE : now + policy.spinNanos;
        }
        if (phase == PHASE_SPIN && ++polls % CHECK_EVERY != 0) {
            Thread.onSpinWait();
            return true;
        }
        if (Thread.interrupted()) { // a spinning or yielding wait ends on interrupt as a sleeping one does
            throw new InterruptedException();
        }
        long now = System.nanoTime();
        if (now - deadline >= 0) {
            return false;
        }
        if (phase == PHASE_SPIN) {
            if (phaseEnd == Long.MAX_VALUE || now - phaseEnd < 0) {
                Thread.onSpinWait();
                return true;
            }
            phase = PHASE_YIELD;
            phaseEnd = now + policy.spinNanos;
        }
        if (phase == PHASE_YIELD && now - phaseEnd < 0) {
            Thread.yield();
            return true;
        }
        phase = PHASE_SLEEP;
        checkNow = true;
        ring.doorbells.sleep(offset, bell, deadline, fencedSleeper);
        return true;
    }
}
