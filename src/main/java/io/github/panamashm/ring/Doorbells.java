// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.PosixException;
import io.github.panamashm.internal.posix.Errno;
import io.github.panamashm.internal.posix.Libc;
import io.github.panamashm.internal.posix.Timespec;

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
 *
 * <p>Fan-out rings: every sleeping consumer needs every message, and a semaphore's token could go to a
 * consumer that has already read it. Their consumers sleep on the futex word {@code data_epoch}
 * instead, read before they announce; a publish that finds sleepers moves the word and wakes them
 * all with one {@code FUTEX_WAKE} (docs/PROTOCOL.md §14, "Waking").
 */
final class Doorbells {

    private final Ring ring;
    private final MemorySegment segment;
    private final NamedSemaphore data;
    private final NamedSemaphore space;
    /** Fan-out rings: the futex word consumers sleep on; null in other rings. */
    private final MemorySegment dataEpoch;
    /** Threads between announcing a sleep and taking it back; close waits for them. */
    private final AtomicInteger sleepers = new AtomicInteger();
    private volatile boolean closing;

    Doorbells(Ring ring, NamedSemaphore data, NamedSemaphore space) {
        this.ring = ring;
        this.segment = ring.segment();
        this.data = data;
        this.space = space;
        this.dataEpoch = ring.fanOut ? segment.asSlice(RingLayout.DATA_EPOCH_OFFSET, Integer.BYTES) : null;
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
        boolean onEpoch = forData && dataEpoch != null;
        sleepers.incrementAndGet();
        try {
            if (closing) {
                throw new IllegalStateException("ring " + ring.name() + " is closed");
            }
            // before the announcement: a publish that misses it has moved the word by the time it is compared
            int epoch = onEpoch ? (int) INT.getAcquire(dataEpoch, 0L) : 0;
            boolean fenced = announce(peerEntry, which, fencedSleeper);
            try {
                NamedSemaphore bell = forData ? data : space;
                boolean first = true;
                int spurious = 0;
                long backoff = 0;
                while (!closing && !ready(forData, peerEntry)) {
                    boolean suspect = mayBeHeldByDeadPeer(which, peerEntry);
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
                    boolean token = onEpoch ? awaitEpochChange(epoch, Math.min(remaining, slice))
                            : bell.tryAcquireNanos(Math.min(remaining, slice));
                    if (token && (closing || ready(forData, peerEntry))) {
                        return;
                    }
                    if (onEpoch) {
                        epoch = (int) INT.getAcquire(dataEpoch, 0L); // then the loop looks at the ring again
                    }
                    if (suspect || !fenced) {
                        return;
                    }
                    if (!token) {
                        spurious = 0; // a slice that ran out: the doorbell is sane
                        backoff = 0;
                    } else if (!onEpoch && ++spurious >= 2) {
                        // a token for nothing is normal now and then (a stale one, or one meant for another
                        // sleeper); tokens that keep coming mean a doorbell with a garbage value: back off.
                        // (An epoch that moved is no token: it was read again above, and a move is a publish.)
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
     * Sleeps while the data epoch is {@code expected}, at most {@code nanos}: true if it moved (or a
     * wake came), false when the time ran out. A virtual thread polls instead, parking between looks,
     * so that it does not pin its carrier in the kernel.
     */
    private boolean awaitEpochChange(int expected, long nanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (Thread.currentThread().isVirtual()) {
            long deadline = System.nanoTime() + nanos;
            long pause = 10_000;
            while ((int) INT.getAcquire(dataEpoch, 0L) == expected && !closing) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                LockSupport.parkNanos(Math.min(pause, remaining));
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                pause = Math.min(2 * pause, UNFENCED_SLICE_NANOS);
            }
            return true;
        }
        Libc.CallFrame frame = Libc.CallFrame.current();
        Timespec.setNanos(frame.timespec, nanos); // FUTEX_WAIT's timeout is relative
        if (Libc.futexWait(frame, dataEpoch, expected) == 0) {
            return true;
        }
        int errno = Libc.errno(frame);
        if (errno == Errno.EAGAIN) {
            return true; // it had moved already
        }
        if (errno == Errno.ETIMEDOUT || errno == Errno.EINTR) {
            return false;
        }
        throw new PosixException("futex", ring.name(), errno);
    }

    /** Moves the data epoch and wakes every consumer asleep on it, in any process. */
    private void wakeEpochSleepers() {
        INT.getAndAdd(dataEpoch, 0L, 1);
        Libc.futexWake(dataEpoch, Integer.MAX_VALUE);
    }

    /**
     * Whether what a waiter on {@code bell} waits for may be held by a peer that died: a consumer
     * waits behind a claimed, unpublished position; a producer behind a slot taken and not released
     * (in a fan-out ring, behind a consumer's cursor).
     */
    boolean mayBeHeldByDeadPeer(int bell, long peerEntry) {
        long tail = (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET);
        return bell == RingLayout.BELL_DATA ? tail > consumerPosition(peerEntry) : spaceHeld(tail);
    }

    /**
     * Whether the slot a full ring's producer at {@code tail} waits for was taken and not released
     * yet; in a fan-out ring, whether a consumer's cursor holds it up (a fresh scan).
     */
    boolean spaceHeld(long tail) {
        if (ring.overwrite) {
            return false; // nobody gates
        }
        if (ring.fanOut) {
            return ring.peerTable.lowestCursor(tail) + ring.slotCount - tail <= 0;
        }
        if (ring.isSingleConsumer()) {
            return false; // a single consumer's unreleased messages are taken back by the next consumer
        }
        return tail > ring.mask && (long) LONG.getAcquire(segment, RingLayout.HEAD_OFFSET) > tail - (ring.mask + 1);
    }

    /** The next position the consumer of entry {@code peerEntry} reads: the ring's head, or its own cursor in a fan-out ring. */
    private long consumerPosition(long peerEntry) {
        return ring.fanOut ? (long) LONG.getOpaque(segment, peerEntry + RingLayout.PEER_CLAIM_START_OFFSET)
                : (long) LONG.getAcquire(segment, RingLayout.HEAD_OFFSET);
    }

    /**
     * Whether a sleeper on the data ({@code true}) or space doorbell, of entry {@code peerEntry}, has
     * work: what it re-checks after {@link #announce}.
     */
    boolean ready(boolean forData, long peerEntry) {
        return forData ? dataReady(peerEntry) : spaceReady();
    }

    /** Work for a consumer: a published slot at the head (its cursor in a fan-out ring), or the end of the stream. */
    private boolean dataReady(long peerEntry) {
        long head = consumerPosition(peerEntry);
        if ((long) LONG.getAcquire(segment, ring.slotOffset(head)) >= head + 1) {
            return true;
        }
        return ring.isClosedForWriting() && (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET) == head;
    }

    /** Work for a producer: a free slot at the tail, or a closed ring (to report). */
    private boolean spaceReady() {
        long tail = (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET);
        boolean free;
        if (ring.overwrite) {
            free = true;
        } else if (ring.fanOut) {
            free = ring.peerTable.lowestCursor(tail) + ring.slotCount - tail > 0; // a fresh scan, not the producer's cache
        } else if (ring.isSingleConsumer()) {
            free = tail - (long) LONG.getAcquire(segment, RingLayout.RELEASED_OFFSET) <= ring.mask;
        } else {
            long sequence = (long) LONG.getAcquire(segment, ring.slotOffset(tail));
            // ahead of the tail: claimed by another producer (the tail moved), or corrupted (not work)
            free = sequence == tail
                    || (sequence - tail > 0 && (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET) != tail);
        }
        return free || ring.isClosedForWriting();
    }

    /** After a publish: wakes a consumer if one announced that it sleeps (every one, in a fan-out ring). */
    void ringData() {
        if (dataEpoch != null) {
            ringEpoch();
            return;
        }
        ring(RingLayout.CONSUMERS_WAITING_OFFSET, data, RingLayout.DATA_POSTS_OFFSET);
    }

    /** {@link #ring}'s fan-out form: every announced consumer is woken by one move of the epoch. */
    private void ringEpoch() {
        if (announcedSleepers(RingLayout.CONSUMERS_WAITING_OFFSET) == 0) {
            return;
        }
        LONG.getAndAdd(segment, RingLayout.DATA_POSTS_OFFSET, 1L);
        wakeEpochSleepers(); // a failure here leaves sleepers to find the message at the end of their slice
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
        int sleeping = announcedSleepers(waitingOffset);
        if (sleeping == 0) {
            return;
        }
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

    /**
     * The poster's half of the handshake, after its publish or release: how many sleepers the counter
     * at {@code waitingOffset} announces; when it is not 0, a full fence follows, before the post.
     */
    private int announcedSleepers(long waitingOffset) {
        // no fence when registered and no peer sleeps fenced: that count shares the waiter counts' line
        if (!Barrier.AVAILABLE || (int) INT.getOpaque(segment, RingLayout.FENCED_SLEEPERS_OFFSET) != 0) {
            VarHandle.fullFence();
        }
        // volatile costs nothing on x86 (a plain load); on aarch64 its ldar stays after the publication's stlr
        int sleeping = (int) INT.getVolatile(segment, waitingOffset);
        if (sleeping != 0) {
            VarHandle.fullFence(); // rare from here on
        }
        return sleeping;
    }

    /** Wakes every announced sleeper, after the ring was closed for writing. */
    void wakeEveryone() {
        VarHandle.fullFence(); // Dekker with sleepers, who re-check the state after announcing themselves
        if (dataEpoch != null) {
            wakeEpochSleepers(); // fan-out consumers sleep on the epoch, not the semaphore
        } else {
            for (int n = (int) INT.getVolatile(segment, RingLayout.CONSUMERS_WAITING_OFFSET); n > 0; n--) {
                data.release();
            }
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
                if (dataEpoch == null) {
                    data.release();
                }
                space.release();
            } catch (PosixException e) {
                break; // they leave at the end of their slice
            }
        }
        if (dataEpoch != null && sleepers.get() > 0) {
            // a sleeper reads the epoch before it looks at closing: one that read it before this move finds
            // it moved in FUTEX_WAIT, one that read it after sees closing (set before the move)
            wakeEpochSleepers();
        }
        data.close();   // waits until no sleeper is inside sem_clockwait
        space.close();
        while (sleepers.get() > 0) {
            Thread.yield(); // a woken sleeper is taking its announcement back
        }
    }
}
