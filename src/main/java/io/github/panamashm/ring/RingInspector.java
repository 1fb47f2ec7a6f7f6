// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.PosixException;
import io.github.panamashm.SharedMemory;
import io.github.panamashm.internal.posix.Errno;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
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
        Ring.requireRingName(name);
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
        RingValidator.validate(name, s, state);
        int flags = (int) INT.get(s, RingLayout.FLAGS_OFFSET);
        int maxPeers = (int) INT.get(s, RingLayout.MAX_PEERS_OFFSET);
        long counters = RingLayout.COUNTERS_OFFSET;
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
                        (long) LONG.getOpaque(s, RingLayout.CORRUPT_SLOTS_OFFSET)),
                PeerTable.read(s, maxPeers, index -> alive(shm, index)));
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
        if (!dryRun) {
            Ring.unlink(name);
        }
        return true;
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
            if (!Ring.abandoned(name, shm.segment().asSlice(0, RingLayout.PEERS_OFFSET))) {
                return false;
            }
            if (!dryRun) {
                Ring.unlink(name); // while holding the lock: no creator takes it over meanwhile
            }
            return true;
        }
    }

    /**
     * The names of the rings in {@code /dev/shm}: regular files (not semaphores) that start with the
     * ring magic, whatever their state. Nothing is mapped or locked; other objects are not opened
     * beyond their first eight bytes, and never when they are not regular files.
     */
    static List<String> list() {
        List<String> rings = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(SHM_DIR)) {
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                if (!file.startsWith("sem.") && startsWithMagic(entry)) {
                    rings.add("/" + file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + SHM_DIR, e);
        }
        rings.sort(null);
        return rings;
    }

    private static boolean startsWithMagic(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile() || attributes.size() < Long.BYTES) {
                return false;
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer magic = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder());
                while (magic.hasRemaining() && channel.read(magic) >= 0) {
                    // a regular file reads in one go; the loop only guards a short read
                }
                return !magic.hasRemaining() && magic.getLong(0) == RingLayout.MAGIC;
            }
        } catch (NoSuchFileException | java.nio.file.AccessDeniedException gone) {
            return false; // removed meanwhile, or another user's
        } catch (IOException e) {
            return false;
        }
    }
}
