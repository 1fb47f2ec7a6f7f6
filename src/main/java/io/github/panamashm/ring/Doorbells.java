// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.PosixException;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static io.github.panamashm.ring.RingLayout.INT;
import static io.github.panamashm.ring.RingLayout.LONG;

/**
 * A ring's two doorbells: the named semaphores consumers sleep on for data and producers for space,
 * with the waiter counters that let the other side post only when someone sleeps.
 *
 * <p>The protocol (panama_shm.h, pshm_sleep and pshm_ring_bell): a sleeper announces itself, issues
 * the asymmetric {@link Barrier} and re-checks before it sleeps; a poster, after its publish or
 * release, looks at the counter (no fence: the sleeper's barrier fenced it) and posts only if it is
 * non-zero. Either the poster sees the announcement or the sleeper sees the work: no wake-up is lost.
 */
final class Doorbells {

    private final Ring ring;
    private final MemorySegment segment;
    private final NamedSemaphore data;
    private final NamedSemaphore space;
    /** Threads between announcing a sleep and taking it back; close waits for them. */
    private final AtomicInteger sleepers = new AtomicInteger();
    private volatile boolean closing;

    Doorbells(Ring ring, NamedSemaphore data, NamedSemaphore space) {
        this.ring = ring;
        this.segment = ring.segment();
        this.data = data;
        this.space = space;
    }

    /** Sleeps this short when this process's barrier cannot reach other processes (see {@link Barrier}). */
    static final long UNFENCED_SLICE_NANOS = 1_000_000;

    /**
     * Sleeps on doorbell {@code which} until it is rung or the deadline passes, in slices: 100 ms if a
     * dead peer may hold what the sleeper waits for (then it returns after one, for the caller to
     * look), else a second, after each of which it looks at the ring and sleeps again, still announced,
     * unless something changed. The announcement also goes into the sleeper's peer entry, so that a
     * process that dies asleep can be undone.
     */
    void sleep(long peerEntry, int which, long deadlineNanos, boolean fencedSleeper) throws InterruptedException {
        boolean forData = which == RingLayout.BELL_DATA;
        sleepers.incrementAndGet();
        try {
            if (closing) {
                throw new IllegalStateException("ring " + ring.name() + " is closed");
            }
            boolean fenced = announce(peerEntry, which, fencedSleeper);
            try {
                NamedSemaphore bell = forData ? data : space;
                boolean first = true;
                int spurious = 0;
                long backoff = 0;
                while (!closing && !ready(forData)) {
                    boolean suspect = mayBeHeldByDeadPeer(which);
                    if (!first && suspect) {
                        return; // something was claimed or taken meanwhile: the caller looks for a dead peer
                    }
                    first = false;
                    long slice = !fenced ? UNFENCED_SLICE_NANOS : suspect ? Ring.STUCK_NANOS : Ring.SLEEP_SLICE_NANOS;
                    long remaining = deadlineNanos - System.nanoTime();
                    if (remaining <= 0) {
                        return;
                    }
                    // an idle sleeper stays in this loop: no more work per second than this
                    boolean token = bell.tryAcquireNanos(Math.min(remaining, slice));
                    if (token && (closing || ready(forData))) {
                        return;
                    }
                    if (suspect || !fenced) {
                        return;
                    }
                    if (!token) {
                        spurious = 0; // a slice that ran out: the doorbell is sane
                        backoff = 0;
                    } else if (++spurious >= 2) {
                        // a token for nothing is normal now and then (a stale one, or one meant for another
                        // sleeper); tokens that keep coming mean a doorbell with a garbage value: back off
                        backoff = backoff == 0 ? UNFENCED_SLICE_NANOS : Math.min(2 * backoff, Ring.SLEEP_SLICE_NANOS);
                        LockSupport.parkNanos(Math.min(backoff, deadlineNanos - System.nanoTime()));
                        if (Thread.interrupted()) {
                            throw new InterruptedException();
                        }
                    }
                }
            } finally {
                withdraw(peerEntry, which);
            }
        } finally {
            sleepers.decrementAndGet();
        }
    }

    /**
     * The sleeper's half of the handshake: counts this sleeper on doorbell {@code which} and makes
     * that visible to every publisher before the sleeper looks at the ring again. Returns whether
     * the barrier reached the other processes (if not, the caller sleeps in short slices).
     */
    boolean announce(long peerEntry, int which, boolean fencedSleeper) {
        INT.getAndAdd(segment, waitingOffset(which), 1);
        INT.setVolatile(segment, peerEntry + RingLayout.PEER_WAITING_ON_OFFSET, which);
        if (fencedSleeper) {
            VarHandle.fullFence(); // publishers fence for this sleeper (PeerEntry.startFencedSleeping)
            return true;
        }
        return Barrier.fencePeers();
    }

    /** Takes back what {@link #announce} did. */
    void withdraw(long peerEntry, int which) {
        INT.setVolatile(segment, peerEntry + RingLayout.PEER_WAITING_ON_OFFSET, RingLayout.BELL_NONE);
        INT.getAndAdd(segment, waitingOffset(which), -1);
    }

    private static long waitingOffset(int which) {
        return which == RingLayout.BELL_DATA ? RingLayout.CONSUMERS_WAITING_OFFSET : RingLayout.PRODUCERS_WAITING_OFFSET;
    }

    /**
     * Whether what a waiter on {@code bell} waits for may be held by a peer that died: a consumer
     * waits behind a claimed, unpublished position; a producer behind a slot taken and not released.
     */
    boolean mayBeHeldByDeadPeer(int bell) {
        long tail = (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET);
        return bell == RingLayout.BELL_DATA ? tail > (long) LONG.getAcquire(segment, RingLayout.HEAD_OFFSET)
                : spaceHeld(tail);
    }

    /** Whether the slot a full ring's producer at {@code tail} waits for was taken and not released yet. */
    boolean spaceHeld(long tail) {
        if (ring.isSingleConsumer()) {
            return false; // a single consumer's unreleased messages are taken back by the next consumer
        }
        return tail > ring.mask && (long) LONG.getAcquire(segment, RingLayout.HEAD_OFFSET) > tail - (ring.mask + 1);
    }

    /** Whether a sleeper on the data ({@code true}) or space doorbell has work: what it re-checks after {@link #announce}. */
    boolean ready(boolean forData) {
        return forData ? dataReady() : spaceReady();
    }

    /** Work for a consumer: a published slot at the head, or the end of the stream. */
    private boolean dataReady() {
        long head = (long) LONG.getAcquire(segment, RingLayout.HEAD_OFFSET);
        if ((long) LONG.getAcquire(segment, ring.slotOffset(head)) >= head + 1) {
            return true;
        }
        return ring.isClosedForWriting() && (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET) == head;
    }

    /** Work for a producer: a free slot at the tail, or a closed ring (to report). */
    private boolean spaceReady() {
        long tail = (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET);
        boolean free;
        if (ring.isSingleConsumer()) {
            free = tail - (long) LONG.getAcquire(segment, RingLayout.RELEASED_OFFSET) <= ring.mask;
        } else {
            long sequence = (long) LONG.getAcquire(segment, ring.slotOffset(tail));
            // ahead of the tail: claimed by another producer (the tail moved), or corrupted (not work)
            free = sequence == tail
                    || (sequence - tail > 0 && (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET) != tail);
        }
        return free || ring.isClosedForWriting();
    }

    /** After a publish: wakes a consumer if one announced that it sleeps. */
    void ringData() {
        ring(RingLayout.CONSUMERS_WAITING_OFFSET, data, RingLayout.DATA_POSTS_OFFSET);
    }

    /** After a release: wakes a producer if one announced that it sleeps. */
    void ringSpace() {
        ring(RingLayout.PRODUCERS_WAITING_OFFSET, space, RingLayout.SPACE_POSTS_OFFSET);
    }

    /**
     * Posts only if someone announced a sleep and the doorbell does not already hold a token for each
     * sleeper: the cap keeps the semaphore bounded even when a sleeper died without taking its
     * announcement back.
     */
    private void ring(long waitingOffset, NamedSemaphore bell, long postsOffset) {
        // no fence when registered and no peer sleeps fenced: that count shares the waiter counts' line
        if (!Barrier.AVAILABLE || (int) INT.getOpaque(segment, RingLayout.FENCED_SLEEPERS_OFFSET) != 0) {
            VarHandle.fullFence();
        }
        // volatile costs nothing on x86 (a plain load); on aarch64 its ldar stays after the publication's stlr
        int sleeping = (int) INT.getVolatile(segment, waitingOffset);
        if (sleeping == 0) {
            return;
        }
        VarHandle.fullFence(); // rare from here on
        try {
            if (bell.value() < sleeping) {
                LONG.getAndAdd(segment, postsOffset, 1L);
                bell.release();
            }
        } catch (PosixException e) {
            // The message is already published: failing here would invite a resend. A sleeper that
            // misses this post finds the message at the end of its wait slice.
        }
    }

    /** Wakes every announced sleeper, after the ring was closed for writing. */
    void wakeEveryone() {
        VarHandle.fullFence(); // Dekker with sleepers, who re-check the state after announcing themselves
        for (int n = (int) INT.getVolatile(segment, RingLayout.CONSUMERS_WAITING_OFFSET); n > 0; n--) {
            data.release();
        }
        for (int n = (int) INT.getVolatile(segment, RingLayout.PRODUCERS_WAITING_OFFSET); n > 0; n--) {
            space.release();
        }
    }

    /** Closes both semaphores after this process's sleepers have left; the ring memory must stay mapped until then. */
    void close() {
        closing = true;
        // wake this process's sleepers now rather than at the end of their slice; a token that wakes
        // another process's sleeper instead costs it one spurious look at the ring
        for (int n = sleepers.get(); n > 0; n--) {
            try {
                data.release();
                space.release();
            } catch (PosixException e) {
                break; // they leave at the end of their slice
            }
        }
        data.close();   // waits until no sleeper is inside sem_clockwait
        space.close();
        while (sleepers.get() > 0) {
            Thread.onSpinWait(); // a woken sleeper is taking its announcement back
        }
    }
}
