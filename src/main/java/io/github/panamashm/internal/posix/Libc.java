// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Raw downcalls to the C library: one static method per function, arguments and results exactly as
 * in C, no policy. A call that fails returns what C returns ({@code -1}, {@code NULL},
 * {@code MAP_FAILED} or an error number) and leaves errno in the calling thread's
 * {@link CallFrame}, where {@link #errno()} reads it.
 *
 * <p>errno is captured by the linker ({@link Linker.Option#captureCallState}) right after the call
 * returns; reading it later through libc would be unreliable because the JVM may run its own code in
 * between. Short non-blocking calls are linked {@link Linker.Option#critical critical} where the
 * running JDK allows that together with errno capture (24 and later); blocking calls never are,
 * because a thread in a critical call holds off every safepoint of the JVM.
 */
public final class Libc {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    /** JDK 22 and 23 reject {@code critical} combined with {@code captureCallState}. */
    static final boolean CRITICAL_WITH_CAPTURE = Runtime.version().feature() >= 24;
    /** Every bound function's descriptor, for the conformance test against jextract's output. */
    private static final Map<String, FunctionDescriptor> DESCRIPTORS = new LinkedHashMap<>();

    private static final MethodHandle SHM_OPEN = blocking("shm_open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle SHM_UNLINK = blocking("shm_unlink",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FTRUNCATE = blocking("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    /** Returns an error number instead of setting errno; captured anyway for uniformity. */
    private static final MethodHandle POSIX_FALLOCATE = blocking("posix_fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FSTAT = shortCall("fstat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle FCHMOD = shortCall("fchmod",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MMAP = blocking("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = blocking("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = blocking("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    /** {@code fcntl(int, int, ...)}: the third argument is variadic; only the lock commands are bound. */
    private static final MethodHandle FCNTL_LOCK = shortCall("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Linker.Option.firstVariadicArg(2));

    /** {@code sem_open(const char*, int, ...)}: mode and value are variadic, passed as int. */
    private static final MethodHandle SEM_OPEN = blocking("sem_open",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SEM_CLOSE = blocking("sem_close",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SEM_UNLINK = blocking("sem_unlink",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SEM_WAIT = blocking("sem_wait",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SEM_TIMEDWAIT = blocking("sem_timedwait",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SEM_CLOCKWAIT = blocking("sem_clockwait",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    /** The same call without errno: an idle sleeper's slice that ran out, told by the clock (see NamedSemaphore). */
    private static final MethodHandle SEM_CLOCKWAIT_NO_ERRNO = plain("sem_clockwait",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle SEM_TRYWAIT = shortCall("sem_trywait",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SEM_POST = shortCall("sem_post",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SEM_GETVALUE = shortCall("sem_getvalue",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CLOCK_GETTIME = shortCall("clock_gettime",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    /**
     * {@code long syscall(long number, ...)}: bound for membarrier(2) and futex(2), which glibc does not
     * wrap; six arguments as longs (glibc passes six to the kernel whatever the call takes).
     */
    private static final MethodHandle SYSCALL6 = blocking("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));

    private static final MethodHandle STRERROR = plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    /** glibc 2.32+; absent elsewhere, then names come from {@link Errno}'s own table. */
    private static final MethodHandle STRERRORNAME_NP = LINKER.defaultLookup().find("strerrorname_np")
            .map(symbol -> plain("strerrorname_np", FunctionDescriptor.of(ADDRESS, JAVA_INT)))
            .orElse(null);

    private Libc() {
    }

    // ---- linking -------------------------------------------------------------------------------

    @SuppressWarnings("restricted") // native access is what this module is for: README, "Native access"
    private static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        DESCRIPTORS.put(name, descriptor);
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    @SuppressWarnings("restricted") // native access is what this module is for: README, "Native access"
    private static MethodHandle blocking(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        DESCRIPTORS.put(name, descriptor);
        return LINKER.downcallHandle(symbol(name), descriptor, with(extra, CAPTURE_ERRNO));
    }

    @SuppressWarnings("restricted") // native access is what this module is for: README, "Native access"
    private static MethodHandle shortCall(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        DESCRIPTORS.put(name, descriptor);
        Linker.Option[] options = with(extra, CAPTURE_ERRNO);
        if (CRITICAL_WITH_CAPTURE) {
            options = with(options, Linker.Option.critical(false));
        }
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    private static Linker.Option[] with(Linker.Option[] options, Linker.Option option) {
        Linker.Option[] all = Arrays.copyOf(options, options.length + 1);
        all[options.length] = option;
        return all;
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("C library function not found: " + name
                        + " (panama-shm needs glibc 2.34 or later on Linux)"));
    }

    /** The C function descriptors of the bound functions (variadic ones with the arguments passed). */
    static Map<String, FunctionDescriptor> descriptors() {
        return Collections.unmodifiableMap(DESCRIPTORS);
    }

    // ---- errno ---------------------------------------------------------------------------------

    /** errno as the last failed call on this thread left it. Meaningful only right after a failure. */
    public static int errno() {
        return errno(CallFrame.current());
    }

    /** The errno the last call made with {@code frame} left. */
    public static int errno(CallFrame frame) {
        return (int) ERRNO.get(frame.capture, 0L);
    }

    /** {@code strerror(errnum)}: the C library's text for an error number. */
    @SuppressWarnings("restricted") // native access is what this module is for: README, "Native access"
    public static String strerror(int errnum) {
        try {
            return ((MemorySegment) STRERROR.invokeExact(errnum)).reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code strerrorname_np(errnum)}: the symbolic name, e.g. {@code "ENOENT"}, or null if unknown. */
    @SuppressWarnings("restricted") // native access is what this module is for: README, "Native access"
    public static String strerrorname(int errnum) {
        if (STRERRORNAME_NP == null) {
            return null;
        }
        try {
            MemorySegment name = (MemorySegment) STRERRORNAME_NP.invokeExact(errnum);
            return name.equals(MemorySegment.NULL) ? null : name.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- shared memory -------------------------------------------------------------------------

    public static int shmOpen(MemorySegment name, int oflag, int mode) {
        try {
            return (int) SHM_OPEN.invokeExact(CallFrame.current().capture, name, oflag, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int shmUnlink(MemorySegment name) {
        try {
            return (int) SHM_UNLINK.invokeExact(CallFrame.current().capture, name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int ftruncate(int fd, long length) {
        try {
            return (int) FTRUNCATE.invokeExact(CallFrame.current().capture, fd, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Returns 0 or an error number (it does not use errno). */
    public static int posixFallocate(int fd, long offset, long length) {
        try {
            return (int) POSIX_FALLOCATE.invokeExact(CallFrame.current().capture, fd, offset, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code fstat(fd, statbuf)}; {@code statbuf} must be at least {@link Stat#LAYOUT} in size. */
    public static int fstat(int fd, MemorySegment statbuf) {
        try {
            return (int) FSTAT.invokeExact(CallFrame.current().capture, fd, statbuf);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int fchmod(int fd, int mode) {
        try {
            return (int) FCHMOD.invokeExact(CallFrame.current().capture, fd, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Returns the mapping's address, or {@code MAP_FAILED} ({@code (void*)-1}) on failure. */
    public static MemorySegment mmap(MemorySegment addr, long length, int prot, int flags, int fd, long offset) {
        try {
            return (MemorySegment) MMAP.invokeExact(CallFrame.current().capture, addr, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static boolean isMapFailed(MemorySegment address) {
        return address.address() == PosixConstants.MAP_FAILED;
    }

    public static int munmap(MemorySegment addr, long length) {
        try {
            return (int) MUNMAP.invokeExact(CallFrame.current().capture, addr, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(CallFrame.current().capture, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code fcntl(fd, cmd, struct flock*)} for {@code F_OFD_SETLK}, {@code F_OFD_GETLK} and the like. */
    public static int fcntlLock(int fd, int cmd, MemorySegment flock) {
        try {
            return (int) FCNTL_LOCK.invokeExact(CallFrame.current().capture, fd, cmd, flock);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- semaphores ----------------------------------------------------------------------------

    /** Returns the semaphore, or {@code SEM_FAILED} (NULL on glibc) on failure. */
    public static MemorySegment semOpen(MemorySegment name, int oflag, int mode, int value) {
        try {
            return (MemorySegment) SEM_OPEN.invokeExact(CallFrame.current().capture, name, oflag, mode, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static boolean isSemFailed(MemorySegment sem) {
        return sem.address() == PosixConstants.SEM_FAILED;
    }

    public static int semClose(MemorySegment sem) {
        try {
            return (int) SEM_CLOSE.invokeExact(CallFrame.current().capture, sem);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int semUnlink(MemorySegment name) {
        try {
            return (int) SEM_UNLINK.invokeExact(CallFrame.current().capture, name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int semWait(MemorySegment sem) {
        try {
            return (int) SEM_WAIT.invokeExact(CallFrame.current().capture, sem);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sem_timedwait}: the deadline is on CLOCK_REALTIME; prefer {@link #semClockwait}. */
    public static int semTimedwait(MemorySegment sem, MemorySegment absTimeout) {
        try {
            return (int) SEM_TIMEDWAIT.invokeExact(CallFrame.current().capture, sem, absTimeout);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int semClockwait(MemorySegment sem, int clockId, MemorySegment absTimeout) {
        return semClockwait(CallFrame.current(), sem, clockId, absTimeout);
    }

    /** As {@link #semClockwait(MemorySegment, int, MemorySegment)}, errno going to {@code frame}. */
    public static int semClockwait(CallFrame frame, MemorySegment sem, int clockId, MemorySegment absTimeout) {
        try {
            return (int) SEM_CLOCKWAIT.invokeExact(frame.capture, sem, clockId, absTimeout);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code sem_clockwait} that keeps no errno: 0 with a token, -1 otherwise, and the caller tells a
     * timeout by its clock. It saves an idle waiter's wake-ups the capture of errno, which costs most
     * of such a wake-up while the JIT has not compiled the path (it runs once a second).
     */
    public static int semClockwaitNoErrno(MemorySegment sem, int clockId, MemorySegment absTimeout) {
        try {
            return (int) SEM_CLOCKWAIT_NO_ERRNO.invokeExact(sem, clockId, absTimeout);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int semTrywait(MemorySegment sem) {
        try {
            return (int) SEM_TRYWAIT.invokeExact(CallFrame.current().capture, sem);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int semPost(MemorySegment sem) {
        try {
            return (int) SEM_POST.invokeExact(CallFrame.current().capture, sem);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int semGetvalue(MemorySegment sem, MemorySegment valueOut) {
        try {
            return (int) SEM_GETVALUE.invokeExact(CallFrame.current().capture, sem, valueOut);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int clockGettime(int clockId, MemorySegment timespec) {
        try {
            return (int) CLOCK_GETTIME.invokeExact(CallFrame.current().capture, clockId, timespec);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code membarrier(cmd, flags, cpu_id)} through {@code syscall}: 0 or a bitmask on success, -1 and errno on failure. */
    public static long membarrier(int command, int flags) {
        try {
            return (long) SYSCALL6.invokeExact(CallFrame.current().capture, (long) PosixConstants.SYS_MEMBARRIER,
                    (long) command, (long) flags, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code futex(word, FUTEX_WAIT, expected, timeout)} on a shared (not private) futex: sleeps while
     * the 32-bit word at {@code word} equals {@code expected}, at most the relative time in
     * {@code frame.timespec}. 0 when woken; -1 and errno EAGAIN (the word differed), ETIMEDOUT or EINTR.
     */
    public static long futexWait(CallFrame frame, MemorySegment word, int expected) {
        try {
            return (long) SYSCALL6.invokeExact(frame.capture, (long) PosixConstants.SYS_FUTEX, word.address(),
                    (long) PosixConstants.FUTEX_WAIT, Integer.toUnsignedLong(expected), frame.timespec.address(), 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code futex(word, FUTEX_WAKE, count)}: wakes up to {@code count} sleepers of any process; how many, or -1. */
    public static long futexWake(MemorySegment word, int count) {
        try {
            return (long) SYSCALL6.invokeExact(CallFrame.current().capture, (long) PosixConstants.SYS_FUTEX,
                    word.address(), (long) PosixConstants.FUTEX_WAKE, (long) count, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("unexpected checked exception from a downcall", t);
    }

    /**
     * Per-thread scratch memory for calls: the errno capture segment, a {@code struct timespec}, a
     * {@code struct flock}, a {@code struct stat} and an int, allocated once per thread so that no
     * call allocates.
     */
    public static final class CallFrame {
        private static final ThreadLocal<CallFrame> FRAMES = ThreadLocal.withInitial(CallFrame::new);

        final MemorySegment capture;
        public final MemorySegment timespec;
        public final MemorySegment flock;
        public final MemorySegment stat;
        public final MemorySegment intOut;

        private CallFrame() {
            Arena arena = Arena.ofAuto();
            capture = arena.allocate(CAPTURE_LAYOUT);
            timespec = arena.allocate(Timespec.LAYOUT);
            flock = arena.allocate(Flock.LAYOUT);
            stat = arena.allocate(Stat.LAYOUT);
            intOut = arena.allocate(JAVA_INT);
        }

        public static CallFrame current() {
            return FRAMES.get();
        }
    }
}
