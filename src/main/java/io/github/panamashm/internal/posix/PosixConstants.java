// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.posix;

/**
 * Constants of the Linux/glibc headers that panama-shm passes to the C library. The values are the
 * same on x86-64 and aarch64; a test compares every {@code public static final} value here with
 * what a C program compiled against the real headers prints.
 */
public final class PosixConstants {

    // <fcntl.h>
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NONBLOCK = 04000; // opening a FIFO planted under a ring's name does not block
    public static final int F_OFD_GETLK = 36;
    public static final int F_OFD_SETLK = 37;
    public static final int F_RDLCK = 0;
    public static final int F_WRLCK = 1;
    public static final int F_UNLCK = 2;
    public static final int SEEK_SET = 0;

    // <sys/mman.h>
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;

    // <time.h>
    public static final int CLOCK_REALTIME = 0;
    public static final int CLOCK_MONOTONIC = 1;

    // <sys/stat.h>
    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;

    // <limits.h>, <semaphore.h>
    public static final int NAME_MAX = 255;
    public static final int SEM_VALUE_MAX = Integer.MAX_VALUE;

    // <linux/membarrier.h>, <sys/syscall.h>
    public static final int MEMBARRIER_CMD_QUERY = 0;
    public static final int MEMBARRIER_CMD_GLOBAL_EXPEDITED = 1 << 1;
    public static final int MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 1 << 2;
    /** The system call number differs by architecture: 324 on x86-64, 283 on aarch64. */
    public static final int SYS_MEMBARRIER = "aarch64".equals(System.getProperty("os.arch")) ? 283 : 324;
    /** futex(2): 202 on x86-64, 98 on aarch64; its operations, without FUTEX_PRIVATE_FLAG (words shared between processes). */
    public static final int SYS_FUTEX = "aarch64".equals(System.getProperty("os.arch")) ? 98 : 202;
    public static final int FUTEX_WAIT = 0;
    public static final int FUTEX_WAKE = 1;

    // return values that signal failure, and the size of the opaque sem_t
    public static final long MAP_FAILED = -1L;
    public static final long SEM_FAILED = 0L;
    public static final long SIZEOF_SEM_T = 32L;

    private PosixConstants() {
    }
}
