// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.PosixException;
import io.github.panamashm.SharedMemory;
import io.github.panamashm.internal.posix.Errno;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.github.panamashm.ring.RingLayout.INT;
import static io.github.panamashm.ring.RingLayout.LONG;

/** Reads rings without attaching to them, for {@link Ring#inspect(String)} and {@link Ring#list()}. */
final class RingInspector {

    static final Path SHM_DIR = Path.of("/dev/shm");

    private RingInspector() {
    }

    static RingSnapshot inspect(String name) {
        RingNames.require(name);
        SharedMemory shm;
        try {
            shm = SharedMemory.openReadOnly(name);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new NoSuchRingException(name, Duration.ZERO, e);
            }
            throw e;
        } catch (IllegalStateException emptyOrNotRegular) {
            throw new RingFormatException(name, emptyOrNotRegular.getMessage());
        }
        try (shm) {
            return read(name, shm);
        } catch (InternalError truncated) { // the object shrank under the mapping
            throw new RingFormatException(name, "it was truncated while being read");
        }
    }

    private static RingSnapshot read(String name, SharedMemory shm) {
        MemorySegment s = shm.segment();
        if (s.byteSize() < RingLayout.PEERS_OFFSET) {
            throw new RingFormatException(name, "the object is " + s.byteSize() + " bytes, smaller than a ring header ("
                    + RingLayout.PEERS_OFFSET + " bytes)");
        }
        int state = (int) INT.getAcquire(s, RingLayout.STATE_OFFSET);
        if (state == RingLayout.STATE_INITIALISING) {
            throw new RingFormatException(name, shm.isLockedByOthers(RingLayout.CREATOR_LOCK_OFFSET, 1)
                    ? "it is still being initialised by its creator"
                    : "it is half made: its creator died while initialising it");
        }
        MessageType messageType = RingValidator.validate(name, s, state).messageType();
        int flags = (int) INT.get(s, RingLayout.FLAGS_OFFSET);
        // read again after the validation: a peer may have changed it since, so bound it by the object
        int maxPeers = Math.max(0, Math.min((int) INT.get(s, RingLayout.MAX_PEERS_OFFSET), entriesThatFit(s.byteSize())));
        long counters = RingLayout.COUNTERS_OFFSET;
        List<PeerInfo> peers = PeerTable.read(s, maxPeers, index -> alive(shm, index));
        return new RingSnapshot(name,
                Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT, RingLayout.VERSION_MAJOR_OFFSET)),
                Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT, RingLayout.VERSION_MINOR_OFFSET)),
                switch (state) {
                    case RingLayout.STATE_READY -> RingSnapshot.State.READY;
                    case RingLayout.STATE_CLOSED -> RingSnapshot.State.CLOSED;
                    default -> RingSnapshot.State.UNKNOWN;
                },
                (int) INT.get(s, RingLayout.SLOT_COUNT_OFFSET),
                (int) INT.get(s, RingLayout.SLOT_SIZE_OFFSET),
                (int) INT.get(s, RingLayout.MAX_PAYLOAD_OFFSET),
                (flags & RingLayout.FLAG_SINGLE_PRODUCER) != 0,
                (flags & RingLayout.FLAG_SINGLE_CONSUMER) != 0,
                maxPeers,
                (long) LONG.get(s, RingLayout.TOTAL_SIZE_OFFSET),
                (int) INT.get(s, RingLayout.CREATOR_PID_OFFSET),
                Instant.ofEpochSecond(0, (long) LONG.get(s, RingLayout.CREATION_TIME_OFFSET)),
                (long) LONG.getAcquire(s, RingLayout.TAIL_OFFSET),
                (long) LONG.getAcquire(s, RingLayout.HEAD_OFFSET),
                (flags & RingLayout.FLAG_SINGLE_CONSUMER) != 0 ? (long) LONG.getAcquire(s, RingLayout.RELEASED_OFFSET) : 0,
                (int) INT.getOpaque(s, RingLayout.CONSUMERS_WAITING_OFFSET),
                (int) INT.getOpaque(s, RingLayout.PRODUCERS_WAITING_OFFSET),
                new RingSnapshot.Counters(
                        (long) LONG.getOpaque(s, RingLayout.ABANDONED_BY_PRODUCERS_OFFSET),
                        (long) LONG.getOpaque(s, RingLayout.LOST_IN_CONSUMERS_OFFSET),
                        (long) LONG.getOpaque(s, RingLayout.DATA_POSTS_OFFSET),
                        (long) LONG.getOpaque(s, RingLayout.SPACE_POSTS_OFFSET),
                        (long) LONG.getOpaque(s, RingLayout.PEERS_RECLAIMED_OFFSET),
                        (long) LONG.getOpaque(s, RingLayout.CORRUPT_SLOTS_OFFSET),
                        (long) LONG.getOpaque(s, RingLayout.FANOUT_DROPPED_OFFSET),
                        (long) LONG.getOpaque(s, RingLayout.FANOUT_OVERWRITTEN_OFFSET)),
                peers, holdups(s, flags, peers), messageType, (flags & RingLayout.FLAG_FANOUT) == 0 ? null
                        : FanOutMode.of((int) INT.get(s, RingLayout.FANOUT_MODE_OFFSET)));
    }

    /**
     * The positions a side waits behind and the peers that hold them (docs/PROTOCOL.md §9): what an
     * operator needs to see when a ring stalls, since a stopped peer looks alive.
     */
    private static List<RingSnapshot.Holdup> holdups(MemorySegment s, int flags, List<PeerInfo> peers) {
        List<RingSnapshot.Holdup> holdups = new ArrayList<>();
        int slots = (int) INT.get(s, RingLayout.SLOT_COUNT_OFFSET);
        long tail = (long) LONG.getAcquire(s, RingLayout.TAIL_OFFSET);
        boolean fanOut = (flags & RingLayout.FLAG_FANOUT) != 0;
        // where consumers wait: the head, or in a fan-out ring (whose head stays 0) the foremost cursor
        long head = fanOut
                ? peers.stream().filter(PeerInfo::isConsumer).mapToLong(PeerInfo::position).max().orElse(tail)
                : (long) LONG.getAcquire(s, RingLayout.HEAD_OFFSET);
        // consumers: head claimed (tail beyond it) and not published. Only then does an intent that covers
        // it mean a claim: a single producer's covers every position from where it attached (§9.2 rule 5)
        long sequence = (long) LONG.getAcquire(s, slotOffset(s, head));
        if (tail - head > 0 && (fanOut ? sequence - (head + 1) < 0 : sequence != head + 1)) {
            holder(s, peers, RingLayout.ROLE_PRODUCER, head)
                    .ifPresent(p -> holdups.add(new RingSnapshot.Holdup(PeerInfo.Role.CONSUMER, head, p.index(), p.pid(), p.alive())));
        }
        // producers of a full ring: the slot of tail - N taken by a consumer and not given back
        if (fanOut) {
            if ((int) INT.get(s, RingLayout.FANOUT_MODE_OFFSET) == RingLayout.FANOUT_OVERWRITE) {
                return holdups; // nobody gates the producer
            }
            // the slowest consumer gates: the producer waits behind its cursor
            peers.stream().filter(PeerInfo::isConsumer).min(java.util.Comparator.comparingLong(PeerInfo::position))
                    .filter(p -> tail - p.position() >= slots)
                    .ifPresent(p -> holdups.add(new RingSnapshot.Holdup(PeerInfo.Role.PRODUCER, p.position(), p.index(),
                            p.pid(), p.alive())));
        } else if ((flags & RingLayout.FLAG_SINGLE_CONSUMER) != 0) {
            long released = (long) LONG.getAcquire(s, RingLayout.RELEASED_OFFSET);
            if (tail - released >= slots && head - released > 0) {
                // the single consumer holds [released, head); it records no intent: the role says who
                peers.stream().filter(p -> p.role() == PeerInfo.Role.CONSUMER).findFirst().ifPresent(p ->
                        holdups.add(new RingSnapshot.Holdup(PeerInfo.Role.PRODUCER, released, p.index(), p.pid(), p.alive())));
            }
        } else if (tail >= slots) {
            long previous = tail - slots;
            long next = (long) LONG.getAcquire(s, slotOffset(s, tail));
            if (next != tail && head - previous > 0) {
                holder(s, peers, RingLayout.ROLE_CONSUMER, previous).ifPresent(p ->
                        holdups.add(new RingSnapshot.Holdup(PeerInfo.Role.PRODUCER, previous, p.index(), p.pid(), p.alive())));
            }
        }
        return holdups;
    }

    /**
     * The attached peer of {@code role} whose intent record covers {@code position} (claimed by the
     * caller's test, not by the intent: a single producer's covers positions it has not claimed yet),
     * a live one first: a dead single producer's open intent may cover its successor's claims too.
     */
    private static java.util.Optional<PeerInfo> holder(MemorySegment s, List<PeerInfo> peers, int role, long position) {
        PeerInfo.Role wanted = role == RingLayout.ROLE_PRODUCER ? PeerInfo.Role.PRODUCER : PeerInfo.Role.CONSUMER;
        PeerInfo dead = null;
        for (PeerInfo peer : peers) {
            if (peer.role() != wanted) {
                continue;
            }
            long entry = RingLayout.peerOffset(peer.index());
            long start = (long) LONG.getAcquire(s, entry + RingLayout.PEER_CLAIM_START_OFFSET);
            long end = (long) LONG.getAcquire(s, entry + RingLayout.PEER_CLAIM_END_OFFSET);
            if (position - start >= 0 && end - position > 0) {
                if (peer.alive()) {
                    return java.util.Optional.of(peer);
                }
                dead = dead == null ? peer : dead;
            }
        }
        return java.util.Optional.ofNullable(dead);
    }

    private static long slotOffset(MemorySegment s, long position) {
        long headerSize = Integer.toUnsignedLong((int) INT.get(s, RingLayout.HEADER_SIZE_OFFSET));
        long slots = Integer.toUnsignedLong((int) INT.get(s, RingLayout.SLOT_COUNT_OFFSET));
        long slotSize = Integer.toUnsignedLong((int) INT.get(s, RingLayout.SLOT_SIZE_OFFSET));
        return headerSize + (position & (slots - 1)) * slotSize + RingLayout.SLOT_SEQUENCE_OFFSET;
    }

    private static int entriesThatFit(long objectSize) {
        return (int) Math.min(RingLayout.MAX_PEERS, Math.max(0, (objectSize - RingLayout.PEERS_OFFSET) / RingLayout.PEER_SIZE));
    }

    /** A lock held through any other open file description, this process's own included, is a live peer. */
    private static boolean alive(SharedMemory shm, int index) {
        try {
            return shm.isLockedByOthers(RingLayout.peerOffset(index), 1);
        } catch (PosixException e) {
            return true; // cannot tell: never call a peer dead on doubt
        }
    }

    static boolean removeIfAbandoned(String name, boolean dryRun) {
        RingSnapshot snapshot;
        try {
            snapshot = inspect(name);
        } catch (NoSuchRingException gone) {
            return false;
        } catch (RingFormatException notReadable) {
            return removeIfHalfMade(name, dryRun);
        }
        if (!snapshot.isAbandoned()) {
            return false;
        }
        return dryRun || removeUnderEveryEntryLock(name, snapshot);
    }

    /**
     * Takes every peer entry's lock, so that no peer can attach meanwhile (an attach finds no entry it
     * can lock), looks again at the same ring, and only then removes it. A live peer's entry cannot
     * be locked: then the ring stays.
     */
    private static boolean removeUnderEveryEntryLock(String name, RingSnapshot seen) {
        SharedMemory shm;
        try {
            shm = SharedMemory.open(name);
        } catch (PosixException | IllegalStateException cannotOpen) {
            return false;
        }
        try (shm) { // closing it releases the locks
            int entries = Math.min(seen.maxPeers(), entriesThatFit(shm.size()));
            for (int index = 0; index < entries; index++) {
                if (!shm.tryLock(RingLayout.peerOffset(index), 1)) {
                    return false; // alive, or attaching right now
                }
            }
            RingSnapshot now = read(name, shm);
            if (!now.isAbandoned() || now.creatorPid() != seen.creatorPid() || !now.created().equals(seen.created())) {
                return false; // it changed, or the name is another ring's by now
            }
            Ring.unlink(name);
            return true;
        } catch (RingFormatException | InternalError changed) {
            return false;
        }
    }

    /** Holding the creator lock, as a creator taking the ring over would, decides and removes. */
    private static boolean removeIfHalfMade(String name, boolean dryRun) {
        SharedMemory shm;
        try {
            shm = SharedMemory.open(name);
        } catch (PosixException | IllegalStateException cannotOpen) {
            return false; // gone, another user's, empty (a creator about to size it) or not a regular file
        }
        try (shm) {
            if (shm.size() < RingLayout.PEERS_OFFSET || !shm.tryLock(RingLayout.CREATOR_LOCK_OFFSET, 1)) {
                return false;
            }
            if (!RingCreation.abandoned(name, shm.segment().asSlice(0, RingLayout.PEERS_OFFSET))) {
                return false;
            }
            for (int index = 0; index < entriesThatFit(shm.size()); index++) {
                if (shm.isLockedByOthers(RingLayout.peerOffset(index), 1)) {
                    return false; // a live peer: whatever the header says, the ring is in use
                }
            }
            if (!dryRun) {
                Ring.unlink(name); // while holding the lock: no creator takes it over meanwhile
            }
            return true;
        }
    }

    /**
     * The names of the rings in {@code /dev/shm}: regular objects with valid ring names (not glibc's
     * {@code sem.} files) that start with the ring magic, whatever their state. Each candidate is
     * opened read-only and without blocking (a FIFO planted there cannot hang the call) and mapped for
     * as long as it takes to read eight bytes; nothing is written or locked.
     */
    static List<String> list() {
        List<String> rings = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(SHM_DIR)) {
            for (Path entry : entries) {
                String name = "/" + entry.getFileName();
                if (!name.startsWith("/sem.") && isValidName(name) && startsWithMagic(name)) {
                    rings.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + SHM_DIR, e);
        }
        rings.sort(null);
        return rings;
    }

    private static boolean isValidName(String name) {
        try {
            RingNames.require(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean startsWithMagic(String name) {
        try (SharedMemory shm = SharedMemory.openReadOnly(name)) {
            return shm.size() >= Long.BYTES
                    && shm.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, RingLayout.MAGIC_OFFSET) == RingLayout.MAGIC;
        } catch (PosixException | IllegalStateException | InternalError notReadable) {
            return false; // gone meanwhile, another user's, empty, not a regular file, or truncated under us
        }
    }
}
