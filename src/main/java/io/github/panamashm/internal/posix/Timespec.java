// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.posix;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** {@code struct timespec} on 64-bit Linux: {@code time_t tv_sec; long tv_nsec;}. */
public final class Timespec {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"),
            JAVA_LONG.withName("tv_nsec")).withName("timespec");

    private static final VarHandle TV_SEC = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("tv_sec"));
    private static final VarHandle TV_NSEC = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("tv_nsec"));
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private Timespec() {
    }

    public static long toNanos(MemorySegment timespec) {
        return (long) TV_SEC.get(timespec, 0L) * NANOS_PER_SECOND + (long) TV_NSEC.get(timespec, 0L);
    }

    public static void setNanos(MemorySegment timespec, long nanos) {
        TV_SEC.set(timespec, 0L, nanos / NANOS_PER_SECOND);
        TV_NSEC.set(timespec, 0L, nanos % NANOS_PER_SECOND);
    }
}
