// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm;

import io.github.panamashm.internal.posix.Errno;
import io.github.panamashm.internal.posix.Libc;
import io.github.panamashm.internal.posix.Names;
import io.github.panamashm.internal.posix.PosixConstants;
import io.github.panamashm.internal.posix.Timespec;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * A POSIX named semaphore ({@code sem_open}), shared by every process that opens the same name.
 * {@snippet class="io.github.panamashm.snippets.MemorySnippets" region="sem"}
 *
 * <p>Blocking waits sleep in the kernel ({@code sem_clockwait} on CLOCK_MONOTONIC, immune to
 * wall-clock changes) in slices of at most {@link #WAIT_SLICE}, so a waiting thread notices
 * {@link Thread#interrupt()} and {@link #close()} within one slice. {@link #close()} waits for
 * such threads to leave the C library before it releases the semaphore: no call ever touches a
 * closed {@code sem_t}. A virtual thread does not block in the C library: it polls, parking
 * between tries for at most {@link #VIRTUAL_THREAD_POLL}, so that it never pins its carrier.
 *
 * <p>A {@code NamedSemaphore} is thread-safe: any number of threads may acquire and release it at
 * once, and close it. A name that is not valid ({@code '/'}, then 1 to 251 bytes without
 * {@code '/'}, not {@code "/."} or {@code "/.."}, no NUL) is refused with
 * {@link IllegalArgumentException} before any C call; a failed C call throws {@link PosixException}.
 */
public final class NamedSemaphore implements AutoCloseable {

    /** Longest time a waiting thread stays in the C library before it looks at interrupts and close. */
    public static final Duration WAIT_SLICE = Duration.ofSeconds(1);
    private static final long WAIT_SLICE_NANOS = WAIT_SLICE.toNanos();
    /** Longest pause between two tries of a waiting virtual thread. */
    public static final Duration VIRTUAL_THREAD_POLL = Duration.ofMillis(1);
    private static final long VIRTUAL_THREAD_POLL_NANOS = VIRTUAL_THREAD_POLL.toNanos();

    private final String name;
    private final Arena arena;
    private final MemorySegment sem;
    private volatile boolean closing;

    @SuppressWarnings("restricted") // native access is what this module is for: README, "Native access"
    private NamedSemaphore(String name, MemorySegment rawSem) {
        this.name = name;
        this.arena = Arena.ofShared();
        this.sem = rawSem.reinterpret(PosixConstants.SIZEOF_SEM_T, arena, Libc::semClose);
    }

    /**
     * Creates a new semaphore with {@code initialValue}, usable by the owner only
     * ({@link SharedMemory#DEFAULT_MODE}): {@link #create(String, int, int)}.
     *
     * @param name the semaphore's name: {@code '/'}, then 1 to 251 bytes (UTF-8) without {@code '/'}
     * @param initialValue the semaphore's value, not negative
     * @return the new semaphore, open in this process
     * @throws IllegalArgumentException if {@code name} is not valid or {@code initialValue} is negative
     * @throws IllegalStateException if its permission bits cannot be set
     * @throws PosixException if {@code sem_open} fails: {@code EEXIST} if the semaphore exists,
     *                        {@code EINVAL} if the value is too large, ...
     */
    public static NamedSemaphore create(String name, int initialValue) {
        return create(name, initialValue, SharedMemory.DEFAULT_MODE);
    }

    /**
     * Creates a new semaphore with {@code initialValue} and permission bits {@code mode}, applied
     * exactly (the process umask does not narrow them) to its file, {@link #file(String)}.
     *
     * @param name the semaphore's name: {@code '/'}, then 1 to 251 bytes (UTF-8) without {@code '/'}
     * @param initialValue the semaphore's value, not negative
     * @param mode         the permission bits, e.g. {@code 0600} or {@code 0660}, at most {@code 0777}
     * @return the new semaphore, open in this process
     * @throws IllegalArgumentException if {@code name} is not valid, {@code initialValue} is negative or
     *                                  {@code mode} has bits beyond {@code 0777}
     * @throws IllegalStateException if the permission bits cannot be set; the semaphore is then
     *                               removed again
     * @throws PosixException if {@code sem_open} fails: {@code EEXIST} if the semaphore exists,
     *                        {@code EINVAL} if the value is too large, ...
     */
    public static NamedSemaphore create(String name, int initialValue, int mode) {
        Names.requireSemaphoreName(name);
        if (initialValue < 0) {
            throw new IllegalArgumentException("initial value must not be negative: " + initialValue);
        }
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("a semaphore's mode must be permission bits (at most 0777): 0"
                    + Integer.toOctalString(mode));
        }
        NamedSemaphore semaphore = semOpen(name, PosixConstants.O_CREAT | PosixConstants.O_EXCL, mode, initialValue);
        try {
            applyMode(name, mode);
        } catch (RuntimeException e) {
            semaphore.close(); // a semaphore with other permissions than asked for is not handed out
            unlinkIfExists(name);
            throw e;
        }
        return semaphore;
    }

    /**
     * Opens an existing semaphore. Refused if its file is not a regular file of a semaphore's size:
     * glibc maps it unchecked, and a short one would crash the process at its first use (SIGBUS).
     *
     * @param name the semaphore's name: {@code '/'}, then 1 to 251 bytes (UTF-8) without {@code '/'}
     * @return the semaphore, open in this process
     * @throws IllegalArgumentException if {@code name} is not valid
     * @throws IllegalStateException if its file is not a regular file of a semaphore's size, or cannot
     *                               be inspected
     * @throws PosixException if {@code sem_open} fails: {@code ENOENT} if there is no such semaphore,
     *                        {@code EACCES}, ...
     */
    public static NamedSemaphore open(String name) {
        Names.requireSemaphoreName(name);
        checkFile(name);
        return semOpen(name, 0, 0, 0);
    }

    /**
     * Where glibc keeps the semaphore {@code name}: {@code /dev/shm/sem.NAME}. The name is not checked.
     *
     * @param name a semaphore name, starting with {@code '/'}
     * @return the path of the semaphore's file
     */
    public static Path file(String name) {
        return Path.of("/dev/shm", "sem." + name.substring(1));
    }

    private static void checkFile(String name) {
        Path file = file(name);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return; // sem_open reports ENOENT
        } catch (IOException e) {
            throw new IllegalStateException("cannot inspect " + file + " of semaphore " + name + ": " + e, e);
        }
        if (!attributes.isRegularFile()) {
            throw new IllegalStateException("semaphore " + name + ": " + file + " is not a regular file");
        }
        if (attributes.size() != PosixConstants.SIZEOF_SEM_T) {
            throw new IllegalStateException("semaphore " + name + ": " + file + " has " + attributes.size()
                    + " bytes, a semaphore has " + PosixConstants.SIZEOF_SEM_T);
        }
    }

    private static NamedSemaphore semOpen(String name, int oflag, int mode, int value) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment raw = Libc.semOpen(scratch.allocateFrom(name), oflag, mode, value);
            if (Libc.isSemFailed(raw)) {
                throw PosixException.lastError("sem_open", name);
            }
            return new NamedSemaphore(name, raw);
        }
    }

    /**
     * sem_open applies the umask and offers no descriptor to fchmod; on Linux the semaphore is the
     * file /dev/shm/sem.NAME, whose mode can be set directly.
     */
    private static void applyMode(String name, int mode) {
        Path file = file(name);
        if (!Files.exists(file)) {
            return;
        }
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE = 0400 .. 01
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                permissions.add(bits[i]);
            }
        }
        try {
            Files.setPosixFilePermissions(file, permissions);
        } catch (IOException e) {
            throw new IllegalStateException("cannot set mode 0" + Integer.toOctalString(mode) + " on semaphore " + name, e);
        }
    }

    /**
     * Removes the semaphore's name; processes that have it open keep using it.
     *
     * @param name the semaphore's name: {@code '/'}, then 1 to 251 bytes (UTF-8) without {@code '/'}
     * @throws IllegalArgumentException if {@code name} is not valid
     * @throws PosixException if {@code sem_unlink} fails: {@code ENOENT} if there is no such
     *                        semaphore, {@code EACCES}, ...
     */
    public static void unlink(String name) {
        Names.requireSemaphoreName(name);
        try (Arena scratch = Arena.ofConfined()) {
            if (Libc.semUnlink(scratch.allocateFrom(name)) != 0) {
                throw PosixException.lastError("sem_unlink", name);
            }
        }
    }

    /**
     * Removes the semaphore's name if it exists; processes that have it open keep using it.
     *
     * @param name the semaphore's name: {@code '/'}, then 1 to 251 bytes (UTF-8) without {@code '/'}
     * @return true if it existed and was removed, false if there was no such semaphore
     * @throws IllegalArgumentException if {@code name} is not valid
     * @throws PosixException if {@code sem_unlink} fails other than with {@code ENOENT}
     */
    public static boolean unlinkIfExists(String name) {
        try {
            unlink(name);
            return true;
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /**
     * The semaphore's name.
     *
     * @return the name it was created or opened with, e.g. {@code "/ready"}
     */
    public String name() {
        return name;
    }

    /**
     * Decrements the semaphore, sleeping while it is zero, for as long as it takes.
     *
     * @throws IllegalStateException if this semaphore is closed, also while the thread waits
     * @throws InterruptedException if the thread is interrupted while it waits
     * @throws PosixException if {@code sem_clockwait} fails other than with a timeout or signal
     */
    public void acquire() throws InterruptedException {
        while (!tryAcquireNanos(WAIT_SLICE_NANOS)) {
            // a slice ended: tryAcquireNanos has checked interrupt and close
        }
    }

    /**
     * Decrements the semaphore if that is possible without waiting.
     *
     * @return true if decremented; false if it was zero (or the call was interrupted by a signal)
     * @throws IllegalStateException if this semaphore is closed
     * @throws PosixException if {@code sem_trywait} fails otherwise
     */
    public boolean tryAcquire() {
        ensureOpen();
        if (Libc.semTrywait(sem) == 0) {
            return true;
        }
        int errno = Libc.errno();
        if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
            return false;
        }
        throw new PosixException("sem_trywait", name, errno);
    }

    /**
     * Decrements the semaphore, sleeping at most {@code timeout} while it is zero. The timeout is
     * measured on {@code CLOCK_MONOTONIC}: changes of the wall clock do not shorten or lengthen it.
     *
     * @param timeout the longest wait; zero or negative: one try, without waiting
     * @return true if decremented; false if the time ran out
     * @throws IllegalStateException if this semaphore is closed, also while the thread waits
     * @throws InterruptedException if the thread is interrupted while it waits
     * @throws PosixException if {@code sem_clockwait} fails other than with a timeout or signal
     */
    public boolean tryAcquire(Duration timeout) throws InterruptedException {
        return tryAcquireNanos(saturatedNanos(timeout));
    }

    /**
     * As {@link #tryAcquire(Duration)}, the timeout in nanoseconds. A virtual thread does not block in
     * the C library (that would pin its carrier thread, and a few waiters would stop every other
     * virtual thread): it polls with {@code sem_trywait}, parking between tries for at most
     * {@link #VIRTUAL_THREAD_POLL}.
     *
     * @param timeoutNanos the longest wait in nanoseconds; zero or negative: do not wait
     * @return true if decremented; false if the time ran out
     * @throws IllegalStateException if this semaphore is closed, also while the thread waits
     * @throws InterruptedException if the thread is interrupted while it waits
     * @throws PosixException if {@code sem_clockwait} fails other than with a timeout or signal
     */
    public boolean tryAcquireNanos(long timeoutNanos) throws InterruptedException {
        if (timeoutNanos <= 0) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            return tryAcquire();
        }
        if (Thread.currentThread().isVirtual()) {
            return pollNanos(timeoutNanos);
        }
        // One system call per slice, and a clock read (not a downcall) to tell that it ran out: an idle
        // waiter wakes once a second, usually in code the JIT never compiled, where every call is expensive
        Libc.CallFrame frame = Libc.CallFrame.current();
        long now = monotonicNanos(frame);
        long deadline = now + Math.min(timeoutNanos, Long.MAX_VALUE / 4);
        long sliceEnd = sliceEnd(now, deadline);
        int early = 0;
        while (true) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            ensureOpen();
            Timespec.setNanos(frame.timespec, sliceEnd);
            if (NANO_TIME_IS_MONOTONIC && early < 2) {
                // nearly always the slice runs out: the clock says so, without the cost of keeping errno
                if (Libc.semClockwaitNoErrno(sem, PosixConstants.CLOCK_MONOTONIC, frame.timespec) == 0) {
                    return true;
                }
                if (System.nanoTime() - sliceEnd < 0) {
                    early++; // a signal, or a failure: the call with errno says which
                    continue;
                }
                if (sliceEnd == deadline) {
                    return false;
                }
                sliceEnd = sliceEnd(sliceEnd, deadline);
                continue;
            }
            if (Libc.semClockwait(frame, sem, PosixConstants.CLOCK_MONOTONIC, frame.timespec) == 0) {
                return true;
            }
            int errno = Libc.errno(frame);
            early = errno == Errno.EINTR || errno == Errno.ETIMEDOUT ? 0 : early;
            if (errno == Errno.ETIMEDOUT) {
                if (sliceEnd == deadline) {
                    return false; // sem_clockwait took a token if there was one before it timed out
                }
                sliceEnd = sliceEnd(sliceEnd, deadline);
            } else if (errno != Errno.EINTR) {
                throw new PosixException("sem_clockwait", name, errno);
            }
        }
    }

    private static long sliceEnd(long from, long deadline) {
        return deadline - from <= WAIT_SLICE_NANOS ? deadline : from + WAIT_SLICE_NANOS;
    }

    private boolean pollNanos(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + Math.min(timeoutNanos, Long.MAX_VALUE / 2);
        long pause = 10_000;
        while (!tryAcquire()) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            LockSupport.parkNanos(Math.min(pause, remaining));
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            pause = Math.min(pause * 2, VIRTUAL_THREAD_POLL_NANOS);
        }
        return true;
    }

    /**
     * Increments the semaphore, waking one waiter, of any process, if there is one. Does not wait.
     *
     * @throws IllegalStateException if this semaphore is closed
     * @throws PosixException if {@code sem_post} fails: {@code EOVERFLOW} at the maximum value
     */
    public void release() {
        ensureOpen();
        if (Libc.semPost(sem) != 0) {
            throw PosixException.lastError("sem_post", name);
        }
    }

    /**
     * The current value, as read now; other threads and processes may change it at any moment.
     *
     * @return the value, not negative
     * @throws IllegalStateException if this semaphore is closed
     * @throws PosixException if {@code sem_getvalue} fails
     */
    public int value() {
        ensureOpen();
        Libc.CallFrame frame = Libc.CallFrame.current();
        if (Libc.semGetvalue(sem, frame.intOut) != 0) {
            throw PosixException.lastError("sem_getvalue", name);
        }
        return frame.intOut.get(java.lang.foreign.ValueLayout.JAVA_INT, 0);
    }

    /**
     * Removes this semaphore's name, as {@link #unlink(String)} does; this handle stays usable.
     *
     * @throws PosixException if {@code sem_unlink} fails: {@code ENOENT} if the name is gone already, ...
     */
    public void unlink() {
        unlink(name);
    }

    private void ensureOpen() {
        if (closing) {
            throw new IllegalStateException("semaphore " + name + " is closed");
        }
    }

    /**
     * Closes this process's handle ({@code sem_close}); the semaphore itself stays until unlinked.
     * Threads waiting on it leave with {@link IllegalStateException} within {@link #WAIT_SLICE};
     * close returns after they have left. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        boolean interrupted = false;
        while (true) {
            try {
                arena.close();
                break;
            } catch (IllegalStateException stillInUse) {
                // a thread is inside sem_clockwait: the linker keeps the segment alive until it returns
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether {@link System#nanoTime()} reads {@code CLOCK_MONOTONIC}, the clock of
     * {@code sem_clockwait}: it does on HotSpot for Linux, and then no system call is needed to
     * read it. Checked once, against {@code clock_gettime}, within a millisecond.
     */
    private static final boolean NANO_TIME_IS_MONOTONIC = nanoTimeIsMonotonic();

    private static boolean nanoTimeIsMonotonic() {
        try {
            long before = System.nanoTime();
            long clock = clockGettimeMonotonic(Libc.CallFrame.current());
            long after = System.nanoTime();
            return clock - before >= -1_000_000 && after - clock >= -1_000_000;
        } catch (PosixException e) {
            return false;
        }
    }

    /** Now on {@code CLOCK_MONOTONIC}, in nanoseconds. */
    static long monotonicNanos(Libc.CallFrame frame) {
        return NANO_TIME_IS_MONOTONIC ? System.nanoTime() : clockGettimeMonotonic(frame);
    }

    private static long clockGettimeMonotonic(Libc.CallFrame frame) {
        if (Libc.clockGettime(PosixConstants.CLOCK_MONOTONIC, frame.timespec) != 0) {
            throw PosixException.lastError("clock_gettime", null);
        }
        return Timespec.toNanos(frame.timespec);
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException overflow) {
            return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    @Override
    public String toString() {
        return "NamedSemaphore[" + name + "]";
    }
}
