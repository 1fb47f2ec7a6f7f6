// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.PosixException;
import io.github.panamashm.SharedMemory;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntPredicate;

import static io.github.panamashm.ring.RingLayout.INT;
import static io.github.panamashm.ring.RingLayout.LONG;

/**
 * A ring's peer table as this process sees it: taking and giving back entries (each held with an
 * OFD lock on its first byte for as long as it is in use), the role locks of single-producer and
 * single-consumer rings, and the liveness questions other peers' deaths raise.
 *
 * <p>OFD locks cannot tell this process's own entries apart (they share one open file
 * description), so the entries this object took are tracked here and count as alive.
 */
final class PeerTable {

    private final String name;
    private final SharedMemory shm;
    private final MemorySegment segment;
    private final int maxPeers;
    private final int flags;
    private final BitSet local = new BitSet();
    private final int[] localRoleCount = new int[3];

    PeerTable(String name, SharedMemory shm, int maxPeers, int flags) {
        this.name = name;
        this.shm = shm;
        this.segment = shm.segment();
        this.maxPeers = maxPeers;
        this.flags = flags;
    }

    /**
     * Takes a free entry, or one whose holder died, for a peer of {@code role}; for a single-role
     * ring, takes the role lock first. Returns the entry's index.
     */
    synchronized int attach(int role) {
        boolean single = (flags & singleFlag(role)) != 0;
        String roleName = role == RingLayout.ROLE_PRODUCER ? "producer" : "consumer";
        if (single && (localRoleCount[role] > 0 || !shm.tryLock(RingLayout.roleLockOffset(role), 1))) {
            throw new IllegalStateException("ring " + name + " is single-" + roleName + " and already has a " + roleName
                    + " attached" + describeAttached(role));
        }
        for (int index = 0; index < maxPeers; index++) {
            if (local.get(index) || !shm.tryLock(RingLayout.peerOffset(index), 1)) {
                continue;
            }
            long entry = RingLayout.peerOffset(index);
            if ((int) INT.getAcquire(segment, entry + RingLayout.PEER_STATE_OFFSET) != RingLayout.PEER_FREE) {
                undoDeadSleeper(entry);
                LONG.getAndAdd(segment, RingLayout.PEERS_RECLAIMED_OFFSET, 1L);
            }
            // a fan-out consumer's cursor gates the producer from ACTIVE on: start it at the tail (a lap
            // behind at most), then move it to the tail read after ACTIVE (see joinFanOut)
            boolean fanOutConsumer = (flags & RingLayout.FLAG_FANOUT) != 0 && role == RingLayout.ROLE_CONSUMER;
            // a single producer owns every position from the tail on: its intent is written once, here,
            // and none per claim (docs/PROTOCOL.md §9.2 rule 5)
            boolean openIntent = single && role == RingLayout.ROLE_PRODUCER;
            long start = fanOutConsumer || openIntent ? (long) LONG.getAcquire(segment, RingLayout.TAIL_OFFSET) : 0L;
            LONG.setOpaque(segment, entry + RingLayout.PEER_CLAIM_START_OFFSET, start);
            LONG.setOpaque(segment, entry + RingLayout.PEER_CLAIM_END_OFFSET, openIntent ? RingLayout.INTENT_OPEN_END : start);
            LONG.setOpaque(segment, entry + RingLayout.PEER_MESSAGES_OFFSET, 0L);
            INT.set(segment, entry + RingLayout.PEER_ROLE_OFFSET, role);
            INT.set(segment, entry + RingLayout.PEER_PID_OFFSET, (int) ProcessHandle.current().pid());
            INT.set(segment, entry + RingLayout.PEER_LANGUAGE_OFFSET, RingLayout.LANGUAGE_JAVA);
            LONG.set(segment, entry + RingLayout.PEER_ATTACH_TIME_OFFSET, Deadlines.currentTimeNanos());
            LONG.set(segment, entry + RingLayout.PEER_PID_NS_OFFSET, PID_NAMESPACE);
            INT.setVolatile(segment, entry + RingLayout.PEER_STATE_OFFSET, RingLayout.PEER_ACTIVE);
            if (fanOutConsumer) {
                joinFanOut(entry);
            }
            local.set(index);
            localRoleCount[role]++;
            return index;
        }
        if (single && localRoleCount[role] == 0) {
            shm.unlock(RingLayout.roleLockOffset(role), 1);
        }
        throw new IllegalStateException("the peer table of ring " + name + " is full: " + maxPeers
                + " producers and consumers are attached");
    }

    /**
     * The live join of a fan-out consumer (docs/PROTOCOL.md §14, "Join"), after its entry is ACTIVE:
     * its cursor becomes the tail read now, so it reads from the next message published. The tail
     * load is volatile (seq_cst) and follows the ACTIVE store; the producer's gate scan starts with a
     * full fence after its tail store. So either the scan sees this entry, or it ran before and gated
     * on a tail at most this one: the producer cannot lap this cursor before its next scan sees it.
     */
    private void joinFanOut(long entry) {
        long tail = (long) LONG.getVolatile(segment, RingLayout.TAIL_OFFSET);
        LONG.setOpaque(segment, entry + RingLayout.PEER_CLAIM_END_OFFSET, tail);
        LONG.setRelease(segment, entry + RingLayout.PEER_CLAIM_START_OFFSET, tail);
    }

    /**
     * A fan-out ring's gate: the lowest cursor of the live consumers (ACTIVE entries of role CONSUMER:
     * their claim_start), or {@code tail} if there are none. The full fence first keeps the producer's
     * tail store before the loads of the entries (see {@link #joinFanOut}): without it, a consumer
     * joining meanwhile could read an older tail and be lapped unseen.
     */
    long lowestCursor(long tail) {
        VarHandle.fullFence();
        long gate = tail;
        for (int index = 0; index < maxPeers; index++) {
            long entry = RingLayout.peerOffset(index);
            if ((int) INT.getAcquire(segment, entry + RingLayout.PEER_STATE_OFFSET) != RingLayout.PEER_ACTIVE
                    || (int) INT.get(segment, entry + RingLayout.PEER_ROLE_OFFSET) != RingLayout.ROLE_CONSUMER) {
                continue;
            }
            long cursor = (long) LONG.getAcquire(segment, entry + RingLayout.PEER_CLAIM_START_OFFSET);
            if (cursor - gate < 0) {
                gate = cursor;
            }
        }
        return gate;
    }

    /**
     * A fan-out producer held up at {@code tail}: every consumer whose cursor gates it (at or below
     * {@code tail - slotCount}) and whose entry lock this process can take is dead. Its entry is
     * reclaimed as an attacher would (its sleep undone, counted in peers_reclaimed) and freed, so it
     * stops gating; counted in fanout_dropped. The lock decides, never a look alone, and state and role
     * are read again under it. This process's own entries are skipped: its OFD locks do not conflict
     * with each other, so the lock would be "free" on a live local consumer.
     * Returns whether it dropped one.
     */
    synchronized boolean dropDeadConsumers(long tail, int slotCount) {
        boolean dropped = false;
        for (int index = 0; index < maxPeers; index++) {
            long entry = RingLayout.peerOffset(index);
            if (local.get(index)
                    || (int) INT.getAcquire(segment, entry + RingLayout.PEER_STATE_OFFSET) != RingLayout.PEER_ACTIVE
                    || (int) INT.get(segment, entry + RingLayout.PEER_ROLE_OFFSET) != RingLayout.ROLE_CONSUMER
                    || (long) LONG.getAcquire(segment, entry + RingLayout.PEER_CLAIM_START_OFFSET) + slotCount - tail > 0) {
                continue;
            }
            if (!shm.tryLock(entry, 1)) {
                continue; // held: alive
            }
            try {
                if ((int) INT.getAcquire(segment, entry + RingLayout.PEER_STATE_OFFSET) == RingLayout.PEER_ACTIVE
                        && (int) INT.get(segment, entry + RingLayout.PEER_ROLE_OFFSET) == RingLayout.ROLE_CONSUMER) {
                    undoDeadSleeper(entry);
                    LONG.getAndAdd(segment, RingLayout.PEERS_RECLAIMED_OFFSET, 1L);
                    LONG.getAndAdd(segment, RingLayout.FANOUT_DROPPED_OFFSET, 1L);
                    INT.setRelease(segment, entry + RingLayout.PEER_STATE_OFFSET, RingLayout.PEER_FREE);
                    dropped = true;
                }
            } finally {
                shm.unlock(entry, 1);
            }
        }
        return dropped;
    }

    /**
     * Whether entry {@code index}, which this process holds as a fan-out consumer, is still its own:
     * a consumer that finds a slot ahead of its cursor asks this before calling it damage.
     */
    boolean stillHeld(int index) {
        long entry = RingLayout.peerOffset(index);
        return (int) INT.getAcquire(segment, entry + RingLayout.PEER_STATE_OFFSET) == RingLayout.PEER_ACTIVE
                && (int) INT.get(segment, entry + RingLayout.PEER_ROLE_OFFSET) == RingLayout.ROLE_CONSUMER
                && (int) INT.get(segment, entry + RingLayout.PEER_PID_OFFSET) == (int) ProcessHandle.current().pid();
    }

    /**
     * Gives entry {@code index} back: free, unlocked, and the role lock too when it was the last local
     * one. Callers have checked that the ring is not truncated (then the lock goes with the descriptor).
     */
    synchronized void detach(int index, int role) {
        if (!local.get(index) || shm.isClosed()) {
            return;
        }
        long entry = RingLayout.peerOffset(index);
        INT.setRelease(segment, entry + RingLayout.PEER_STATE_OFFSET, RingLayout.PEER_FREE);
        shm.unlock(entry, 1);
        local.clear(index);
        localRoleCount[role]--;
        if ((flags & singleFlag(role)) != 0 && localRoleCount[role] == 0) {
            shm.unlock(RingLayout.roleLockOffset(role), 1);
        }
    }

    /**
     * Forgets entry {@code index} without writing to it: the ring was truncated (the lock goes with
     * the descriptor), or a fan-out consumer's entry was freed under it and may be another's now.
     */
    synchronized void forget(int index, int role) {
        if (!local.get(index)) {
            return;
        }
        local.clear(index);
        localRoleCount[role]--;
        if ((flags & singleFlag(role)) != 0 && localRoleCount[role] == 0 && !shm.isClosed()) {
            shm.unlock(RingLayout.roleLockOffset(role), 1);
        }
    }

    private static int singleFlag(int role) {
        return role == RingLayout.ROLE_PRODUCER ? RingLayout.FLAG_SINGLE_PRODUCER : RingLayout.FLAG_SINGLE_CONSUMER;
    }

    /**
     * The entry's holder died: if it died asleep, take its announcement back so posts stop going to
     * nobody; if it slept fenced, take its count back so publishers stop fencing for it.
     */
    private void undoDeadSleeper(long entry) {
        if ((int) INT.getAndSet(segment, entry + RingLayout.PEER_FENCED_SLEEPER_OFFSET, 0) == 1) {
            decrementIfPositive(RingLayout.FENCED_SLEEPERS_OFFSET);
        }
        int bell = (int) INT.getAndSet(segment, entry + RingLayout.PEER_WAITING_ON_OFFSET, RingLayout.BELL_NONE);
        long counter = bell == RingLayout.BELL_DATA ? RingLayout.CONSUMERS_WAITING_OFFSET
                : bell == RingLayout.BELL_SPACE ? RingLayout.PRODUCERS_WAITING_OFFSET : -1;
        if (counter >= 0) {
            decrementIfPositive(counter);
        }
    }

    private void decrementIfPositive(long counter) {
        int value = (int) INT.getVolatile(segment, counter);
        while (value > 0 && !INT.compareAndSet(segment, counter, value, value - 1)) {
            value = (int) INT.getVolatile(segment, counter);
        }
    }

    private String describeAttached(int role) {
        StringBuilder pids = new StringBuilder();
        for (PeerInfo peer : peers()) {
            if (peer.role() == PeerInfo.role(role) && peer.alive()) {
                pids.append(pids.isEmpty() ? " (pid " : ", ").append(peer.pid());
            }
        }
        return pids.isEmpty() ? "" : pids.append(')').toString();
    }

    /** Whether the process holding entry {@code index} is alive and attached. */
    boolean alive(int index) {
        synchronized (this) {
            if (local.get(index)) {
                return true;
            }
        }
        try {
            return shm.isLockedByOthers(RingLayout.peerOffset(index), 1);
        } catch (PosixException e) {
            return true; // never skip a message on doubt
        }
    }

    /**
     * Whether a live peer of {@code role} owns or is claiming {@code position}. Peers record the
     * positions they are about to take before the compare-and-set on the cursor, so a position
     * taken by a process that died is owned by no live peer.
     */
    boolean ownerAlive(int role, long position) {
        for (int index = 0; index < maxPeers; index++) {
            long entry = RingLayout.peerOffset(index);
            if ((int) INT.getAcquire(segment, entry + RingLayout.PEER_STATE_OFFSET) != RingLayout.PEER_ACTIVE
                    || (int) INT.get(segment, entry + RingLayout.PEER_ROLE_OFFSET) != role) {
                continue;
            }
            long start = (long) LONG.getAcquire(segment, entry + RingLayout.PEER_CLAIM_START_OFFSET);
            long end = (long) LONG.getAcquire(segment, entry + RingLayout.PEER_CLAIM_END_OFFSET);
            if (position >= start && position < end && alive(index)) {
                return true;
            }
        }
        return false;
    }

    /** The entries in use, alive or dead, as a snapshot. */
    List<PeerInfo> peers() {
        return read(segment, maxPeers, this::alive);
    }

    /** The inode of this process's PID namespace (/proc/self/ns/pid), as C's pshm_pid_namespace; 0 if unknown. */
    static final long PID_NAMESPACE = pidNamespace();

    private static long pidNamespace() {
        try {
            Object inode = java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self/ns/pid"), "unix:ino");
            return ((Number) inode).longValue();
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The entries in use of the peer table in {@code segment}, with liveness as {@code alive} tells. */
    static List<PeerInfo> read(MemorySegment segment, int maxPeers, IntPredicate alive) {
        List<PeerInfo> peers = new ArrayList<>();
        for (int index = 0; index < maxPeers; index++) {
            long entry = RingLayout.peerOffset(index);
            if ((int) INT.getAcquire(segment, entry + RingLayout.PEER_STATE_OFFSET) != RingLayout.PEER_ACTIVE) {
                continue;
            }
            long attachedNanos = (long) LONG.getOpaque(segment, entry + RingLayout.PEER_ATTACH_TIME_OFFSET);
            peers.add(new PeerInfo(index, PeerInfo.role((int) INT.get(segment, entry + RingLayout.PEER_ROLE_OFFSET)),
                    (int) INT.get(segment, entry + RingLayout.PEER_PID_OFFSET),
                    PeerInfo.language((int) INT.get(segment, entry + RingLayout.PEER_LANGUAGE_OFFSET)),
                    Instant.ofEpochSecond(0, attachedNanos),
                    (long) LONG.getOpaque(segment, entry + RingLayout.PEER_MESSAGES_OFFSET),
                    PeerInfo.bell((int) INT.getOpaque(segment, entry + RingLayout.PEER_WAITING_ON_OFFSET)),
                    alive.test(index), (long) LONG.get(segment, entry + RingLayout.PEER_PID_NS_OFFSET),
                    (long) LONG.getOpaque(segment, entry + RingLayout.PEER_CLAIM_START_OFFSET)));
        }
        return peers;
    }
}
