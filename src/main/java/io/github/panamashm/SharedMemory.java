// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm;

import io.github.panamashm.internal.posix.Errno;
import io.github.panamashm.internal.posix.Flock;
import io.github.panamashm.internal.posix.Libc;
import io.github.panamashm.internal.posix.Names;
import io.github.panamashm.internal.posix.PosixConstants;
import io.github.panamashm.internal.posix.Stat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.github.panamashm.internal.posix.PosixConstants.F_OFD_GETLK;
import static io.github.panamashm.internal.posix.PosixConstants.F_OFD_SETLK;
import static io.github.panamashm.internal.posix.PosixConstants.F_UNLCK;
import static io.github.panamashm.internal.posix.PosixConstants.F_WRLCK;

/**
 * One POSIX shared-memory object ({@code shm_open}), mapped into this process.
 * {@snippet class="io.github.panamashm.snippets.MemorySnippets" region="shm"}
 *
 * <p>The mapping lives in a shared {@link Arena}: after {@link #close()} the memory is unmapped and
 * every access through {@link #segment()} throws {@link IllegalStateException} instead of touching
 * unmapped memory. Closing does not remove the object; {@link #unlink()} does, and the memory stays
 * valid for everyone who still has it mapped.
 *
 * <p>{@link #create} reserves the object's storage with {@code posix_fallocate}, so a full
 * {@code /dev/shm} fails there with {@code ENOSPC} instead of raising SIGBUS on first touch. The
 * object keeps its file descriptor open while mapped: open file description locks on it
 * ({@link #tryLock}, {@link #isLockedByOthers}) tell other processes that this one is alive.
 *
 * <p>A {@code SharedMemory} is thread-safe: the mapping may be used by any thread, and closing
 * waits for no one but fails while a native call uses the memory. What the threads and processes
 * that share the memory write to it, and in which order they see it, is up to them (use the
 * atomic access modes of {@link java.lang.invoke.VarHandle}s on the segment).
 *
 * <p>A name that is not a valid object name ({@code '/'}, then 1 to 255 bytes without {@code '/'},
 * not {@code "/."} or {@code "/.."}, no NUL) is refused with {@link IllegalArgumentException} before
 * any C call; a failed C call throws {@link PosixException}.
 */
public final class SharedMemory implements AutoCloseable {

    /** Read and write for the owner only. */
    public static final int DEFAULT_MODE = 0600;

    private final String name;
    private final long size;
    private final boolean readOnly;
    private final Arena arena;
    private final MemorySegment segment;
    private final int fd;
    private boolean closed;

    private SharedMemory(String name, int fd, long size, boolean readOnly) {
        this.name = name;
        this.fd = fd;
        this.size = size;
        this.readOnly = readOnly;
        this.arena = Arena.ofShared();
        try {
            this.segment = map(name, fd, size, readOnly, arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Creates a new object of {@code size} bytes, readable and writable by the owner only
     * ({@link #DEFAULT_MODE}), and maps it: {@link #create(String, long, int)}.
     *
     * @param name the object's name: {@code '/'}, then 1 to 255 bytes (UTF-8) without {@code '/'}
     * @param size the object's size in bytes, positive
     * @return the new object, mapped for reading and writing, zero-filled
     * @throws IllegalArgumentException if {@code name} is not valid or {@code size} is not positive
     * @throws PosixException if a C call fails: {@code EEXIST} if the object exists, {@code ENOSPC}
     *                        if there is no room for it, ...
     */
    public static SharedMemory create(String name, long size) {
        return create(name, size, DEFAULT_MODE);
    }

    /**
     * Creates a new object of {@code size} bytes with permission bits {@code mode} (e.g. {@code 0640}),
     * exactly as given: the process umask does not apply. Its storage is reserved
     * ({@code posix_fallocate}) and it is mapped. If a step after {@code shm_open} fails, the object
     * is removed again.
     *
     * @param name the object's name: {@code '/'}, then 1 to 255 bytes (UTF-8) without {@code '/'}
     * @param size the object's size in bytes, positive
     * @param mode the permission bits, at most {@code 07777}
     * @return the new object, mapped for reading and writing, zero-filled
     * @throws IllegalArgumentException if {@code name} is not valid, {@code size} is not positive or
     *                                  {@code mode} has bits beyond {@code 07777}
     * @throws PosixException if a C call fails: {@code EEXIST} if the object exists, {@code ENOSPC}
     *                        if there is no room for it, ...
     */
    public static SharedMemory create(String name, long size, int mode) {
        Names.requireShmName(name);
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("mode must be permission bits (at most 07777): 0" + Integer.toOctalString(mode));
        }
        int fd = withName(name, cName -> Libc.shmOpen(cName,
                PosixConstants.O_RDWR | PosixConstants.O_CREAT | PosixConstants.O_EXCL, mode));
        if (fd < 0) {
            throw PosixException.lastError("shm_open", name);
        }
        try {
            setModeAndSize(name, fd, mode, size);
            return new SharedMemory(name, fd, size, false);
        } catch (RuntimeException e) {
            Libc.close(fd);
            withName(name, Libc::shmUnlink);
            throw e;
        }
    }

    /**
     * Opens an existing object to make it again, for a creator that takes over one whose own creator
     * abandoned it half made. Takes the exclusive lock on byte {@code lockOffset} first (another
     * holder means someone is making it: {@code EEXIST}), then asks {@code abandoned} about a copy of
     * the object's first {@code headerBytes} bytes (fewer if it is smaller, none if empty), and only
     * if it says yes sets the mode, resizes it to {@code size}, reserves the storage and maps it,
     * zero-filled, keeping the lock.
     *
     * @param name the object's name: {@code '/'}, then 1 to 255 bytes (UTF-8) without {@code '/'}
     * @param size        the object's new size in bytes
     * @param mode        the permission bits to set, exactly
     * @param lockOffset  the byte whose lock marks the object as being made
     * @param headerBytes how many of the object's first bytes {@code abandoned} is shown
     * @param abandoned   says, from a copy of those bytes, whether the object may be made again
     * @return the object, made again, mapped for reading and writing, with the lock held
     * @throws IllegalArgumentException if {@code name} is not valid
     * @throws IllegalStateException if the object is not a regular shared-memory object
     * @throws PosixException with {@code EEXIST} if another holds the lock or {@code abandoned} says
     *                        no, {@code ENOENT} if there is no such object, or if another C call fails
     */
    public static SharedMemory recreate(String name, long size, int mode, long lockOffset, long headerBytes,
                                        java.util.function.Predicate<MemorySegment> abandoned) {
        Names.requireShmName(name);
        int fd = withName(name, cName -> Libc.shmOpen(cName, PosixConstants.O_RDWR, 0));
        if (fd < 0) {
            throw PosixException.lastError("shm_open", name);
        }
        boolean kept = false;
        try {
            MemorySegment flock = Libc.CallFrame.current().flock;
            Flock.set(flock, F_WRLCK, lockOffset, 1);
            if (Libc.fcntlLock(fd, F_OFD_SETLK, flock) != 0) {
                throw new PosixException("shm_open", name, Errno.EEXIST); // being made by another process
            }
            long current = sizeOf(name, fd);
            MemorySegment head = MemorySegment.ofArray(new byte[(int) Math.min(current, headerBytes)]);
            if (head.byteSize() > 0) {
                try (Arena scratch = Arena.ofConfined()) {
                    MemorySegment.copy(map(name, fd, head.byteSize(), true, scratch), 0, head, 0, head.byteSize());
                }
            }
            if (!abandoned.test(head)) {
                throw new PosixException("shm_open", name, Errno.EEXIST);
            }
            setModeAndSize(name, fd, mode, size);
            SharedMemory shm = new SharedMemory(name, fd, size, false);
            shm.segment.fill((byte) 0);
            kept = true;
            return shm;
        } finally {
            if (!kept) {
                Libc.close(fd);
            }
        }
    }

    /** Exact mode (no umask), then the size, with the storage reserved: ENOSPC now rather than SIGBUS later. */
    private static void setModeAndSize(String name, int fd, int mode, long size) {
        if (Libc.fchmod(fd, mode) != 0) {
            throw PosixException.lastError("fchmod", name);
        }
        if (Libc.ftruncate(fd, size) != 0) {
            throw PosixException.lastError("ftruncate", name);
        }
        int error = Libc.posixFallocate(fd, 0, size);
        if (error != 0) {
            throw new PosixException("posix_fallocate", name, error);
        }
    }

    /**
     * Opens an existing object for reading and writing, and maps all of it: its size is the object's
     * size now ({@code fstat}).
     *
     * @param name the object's name: {@code '/'}, then 1 to 255 bytes (UTF-8) without {@code '/'}
     * @return the object, mapped for reading and writing
     * @throws IllegalArgumentException if {@code name} is not valid
     * @throws IllegalStateException if the object is empty (size 0: its creator has not sized it yet)
     *                               or not a regular shared-memory object
     * @throws PosixException if a C call fails: {@code ENOENT} if there is no such object,
     *                        {@code EACCES}, ...
     */
    public static SharedMemory open(String name) {
        return open(name, false);
    }

    /**
     * Opens an existing object for reading only, and maps all of it; writes through
     * {@link #segment()} throw, and {@link #tryLock} is refused.
     *
     * @param name the object's name: {@code '/'}, then 1 to 255 bytes (UTF-8) without {@code '/'}
     * @return the object, mapped for reading only
     * @throws IllegalArgumentException if {@code name} is not valid
     * @throws IllegalStateException if the object is empty (size 0) or not a regular shared-memory object
     * @throws PosixException if a C call fails: {@code ENOENT} if there is no such object,
     *                        {@code EACCES}, ...
     */
    public static SharedMemory openReadOnly(String name) {
        return open(name, true);
    }

    private static SharedMemory open(String name, boolean readOnly) {
        Names.requireShmName(name);
        int fd = withName(name, cName -> Libc.shmOpen(cName,
                (readOnly ? PosixConstants.O_RDONLY : PosixConstants.O_RDWR) | PosixConstants.O_NONBLOCK, 0));
        if (fd < 0) {
            throw PosixException.lastError("shm_open", name);
        }
        try {
            long size = sizeOf(name, fd);
            if (size == 0) {
                throw new IllegalStateException("shared-memory object " + name
                        + " is empty (size 0): its creator has not sized it (yet)");
            }
            return new SharedMemory(name, fd, size, readOnly);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /**
     * Removes the object {@code name}; mappings that exist stay valid until closed.
     *
     * @param name the object's name: {@code '/'}, then 1 to 255 bytes (UTF-8) without {@code '/'}
     * @throws IllegalArgumentException if {@code name} is not valid
     * @throws PosixException if {@code shm_unlink} fails: {@code ENOENT} if there is no such object,
     *                        {@code EACCES}, ...
     */
    public static void unlink(String name) {
        Names.requireShmName(name);
        if (withName(name, Libc::shmUnlink) != 0) {
            throw PosixException.lastError("shm_unlink", name);
        }
    }

    /**
     * Removes the object {@code name} if it exists; mappings that exist stay valid until closed.
     *
     * @param name the object's name: {@code '/'}, then 1 to 255 bytes (UTF-8) without {@code '/'}
     * @return true if it existed and was removed, false if there was no such object
     * @throws IllegalArgumentException if {@code name} is not valid
     * @throws PosixException if {@code shm_unlink} fails other than with {@code ENOENT}
     */
    public static boolean unlinkIfExists(String name) {
        Names.requireShmName(name);
        if (withName(name, Libc::shmUnlink) == 0) {
            return true;
        }
        int errno = Libc.errno();
        if (errno == Errno.ENOENT) {
            return false;
        }
        throw new PosixException("shm_unlink", name, errno);
    }

    private static long sizeOf(String name, int fd) {
        MemorySegment stat = Libc.CallFrame.current().stat;
        if (Libc.fstat(fd, stat) != 0) {
            throw PosixException.lastError("fstat", name);
        }
        if ((Stat.mode(stat) & PosixConstants.S_IFMT) != PosixConstants.S_IFREG) {
            throw new IllegalStateException(name + " is not a regular shared-memory object");
        }
        return Stat.size(stat);
    }

    @SuppressWarnings("restricted") // native access is what this module is for: README, "Native access"
    private static MemorySegment map(String name, int fd, long size, boolean readOnly, Arena arena) {
        int prot = readOnly ? PosixConstants.PROT_READ : PosixConstants.PROT_READ | PosixConstants.PROT_WRITE;
        MemorySegment address = Libc.mmap(MemorySegment.NULL, size, prot, PosixConstants.MAP_SHARED, fd, 0);
        if (Libc.isMapFailed(address)) {
            throw PosixException.lastError("mmap", name);
        }
        MemorySegment mapped = address.reinterpret(size, arena, unmapped -> Libc.munmap(unmapped, size));
        return readOnly ? mapped.asReadOnly() : mapped;
    }

    private static <T> T withName(String name, java.util.function.Function<MemorySegment, T> call) {
        try (Arena scratch = Arena.ofConfined()) {
            return call.apply(scratch.allocateFrom(name));
        }
    }

    /**
     * The mapped memory. Accessible from any thread; after {@link #close()} every access throws
     * {@link IllegalStateException}.
     *
     * @return {@link #size()} bytes, page-aligned; read-only if opened so
     */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * The object's name.
     *
     * @return the name it was created or opened with, e.g. {@code "/prices"}
     */
    public String name() {
        return name;
    }

    /**
     * The size mapped, which is the object's size when it was created or opened.
     *
     * @return the mapping's size in bytes
     */
    public long size() {
        return size;
    }

    /**
     * Whether the object was opened for reading only ({@link #openReadOnly}).
     *
     * @return true if {@link #segment()} is read-only
     */
    public boolean isReadOnly() {
        return readOnly;
    }

    /**
     * The object's size now, from {@code fstat}; differs from {@link #size()} only if someone resized
     * it. Beyond a smaller size, the mapping's memory is gone: an access there faults.
     *
     * @return the object's size in bytes
     * @throws IllegalStateException if this object is closed, or is no longer a regular object
     * @throws PosixException if {@code fstat} fails
     */
    public synchronized long currentSize() {
        ensureOpen();
        return sizeOf(name, fd);
    }

    /**
     * Removes this object's name, as {@link #unlink(String)} does; this mapping and other processes'
     * mappings stay valid.
     *
     * @throws PosixException if {@code shm_unlink} fails: {@code ENOENT} if the name is gone already, ...
     */
    public void unlink() {
        unlink(name);
    }

    /**
     * Takes an exclusive open-file-description lock on bytes [offset, offset + length) of the object,
     * without waiting. The kernel releases it when this object is closed or the process dies, which
     * makes it a liveness signal other processes can test with {@link #isLockedByOthers}. Locks
     * taken through this object do not conflict with each other.
     *
     * @param offset the first byte of the range
     * @param length the range's length in bytes; 0 means to the end of the object, however it grows
     * @return true if the lock is held now; false if another open file description holds a
     *         conflicting lock
     * @throws IllegalStateException if this object is closed or was opened read-only
     * @throws PosixException if {@code fcntl} fails other than with {@code EAGAIN} or {@code EACCES}
     */
    public boolean tryLock(long offset, long length) {
        if (readOnly) {
            throw new IllegalStateException("cannot lock " + name + ": opened read-only");
        }
        return lockCommand(F_OFD_SETLK, F_WRLCK, offset, length);
    }

    /**
     * Releases this object's locks on bytes [offset, offset + length), taken with {@link #tryLock};
     * a range without a lock is no error.
     *
     * @param offset the first byte of the range
     * @param length the range's length in bytes; 0 means to the end of the object
     * @throws IllegalStateException if this object is closed
     * @throws PosixException if {@code fcntl} fails
     */
    public void unlock(long offset, long length) {
        lockCommand(F_OFD_SETLK, F_UNLCK, offset, length);
    }

    /**
     * Whether any other open file description (of this or another process) holds a lock on bytes
     * [offset, offset + length): the locks of this object do not count.
     *
     * @param offset the first byte of the range
     * @param length the range's length in bytes; 0 means to the end of the object
     * @return true if another holds a lock on part of the range
     * @throws IllegalStateException if this object is closed
     * @throws PosixException if {@code fcntl} fails
     */
    public synchronized boolean isLockedByOthers(long offset, long length) {
        ensureOpen();
        MemorySegment flock = Libc.CallFrame.current().flock;
        Flock.set(flock, F_WRLCK, offset, length);
        if (Libc.fcntlLock(fd, F_OFD_GETLK, flock) != 0) {
            throw PosixException.lastError("fcntl(F_OFD_GETLK)", name);
        }
        return Flock.type(flock) != F_UNLCK;
    }

    private synchronized boolean lockCommand(int command, int type, long offset, long length) {
        ensureOpen();
        MemorySegment flock = Libc.CallFrame.current().flock;
        Flock.set(flock, type, offset, length);
        if (Libc.fcntlLock(fd, command, flock) == 0) {
            return true;
        }
        int errno = Libc.errno();
        if (errno == Errno.EAGAIN || errno == Errno.EACCES) {
            return false;
        }
        throw new PosixException("fcntl(F_OFD_SETLK)", name, errno);
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("shared memory " + name + " is closed");
        }
    }

    /**
     * Whether {@link #close()} has unmapped this object.
     *
     * @return true once closed
     */
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Unmaps the memory and closes the descriptor (releasing this object's locks). Idempotent.
     *
     * @throws IllegalStateException if another thread is inside a native call with this memory; the
     *                               object then stays open, and close can be called again later
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        arena.close();
        closed = true;
        Libc.close(fd);
    }

    @Override
    public String toString() {
        return "SharedMemory[" + name + ", " + size + " bytes" + (readOnly ? ", read-only" : "") + "]";
    }
}
