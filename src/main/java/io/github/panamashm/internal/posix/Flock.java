// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.posix;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct flock} on 64-bit Linux (x86-64 and aarch64 agree), as used by the open file
 * description locks {@code F_OFD_SETLK} / {@code F_OFD_GETLK}.
 */
public final class Flock {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("l_type"),
            JAVA_SHORT.withName("l_whence"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("l_start"),
            JAVA_LONG.withName("l_len"),
            JAVA_INT.withName("l_pid"),
            MemoryLayout.paddingLayout(4)).withName("flock");

    private static final VarHandle L_TYPE = handle("l_type");
    private static final VarHandle L_WHENCE = handle("l_whence");
    private static final VarHandle L_START = handle("l_start");
    private static final VarHandle L_LEN = handle("l_len");
    private static final VarHandle L_PID = handle("l_pid");

    private Flock() {
    }

    private static VarHandle handle(String field) {
        return LAYOUT.varHandle(MemoryLayout.PathElement.groupElement(field));
    }

    /** Fills {@code flock} for a lock of {@code type} on bytes [start, start + length); l_pid must be 0 for OFD locks. */
    public static void set(MemorySegment flock, int type, long start, long length) {
        L_TYPE.set(flock, 0L, (short) type);
        L_WHENCE.set(flock, 0L, (short) PosixConstants.SEEK_SET);
        L_START.set(flock, 0L, start);
        L_LEN.set(flock, 0L, length);
        L_PID.set(flock, 0L, 0);
    }

    public static int type(MemorySegment flock) {
        return (short) L_TYPE.get(flock, 0L);
    }
}
