// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.posix;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct stat} of glibc on Linux. The two 64-bit ABIs panama-shm supports differ: x86-64 has
 * its own layout, aarch64 the kernel's generic one. Field names are those of the header.
 */
public final class Stat {

    public static final StructLayout LAYOUT = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> MemoryLayout.structLayout(
                JAVA_LONG.withName("st_dev"),
                JAVA_LONG.withName("st_ino"),
                JAVA_LONG.withName("st_nlink"),
                JAVA_INT.withName("st_mode"),
                JAVA_INT.withName("st_uid"),
                JAVA_INT.withName("st_gid"),
                MemoryLayout.paddingLayout(4),
                JAVA_LONG.withName("st_rdev"),
                JAVA_LONG.withName("st_size"),
                JAVA_LONG.withName("st_blksize"),
                JAVA_LONG.withName("st_blocks"),
                Timespec.LAYOUT.withName("st_atim"),
                Timespec.LAYOUT.withName("st_mtim"),
                Timespec.LAYOUT.withName("st_ctim"),
                MemoryLayout.paddingLayout(24)).withName("stat");
        case "aarch64" -> MemoryLayout.structLayout(
                JAVA_LONG.withName("st_dev"),
                JAVA_LONG.withName("st_ino"),
                JAVA_INT.withName("st_mode"),
                JAVA_INT.withName("st_nlink"),
                JAVA_INT.withName("st_uid"),
                JAVA_INT.withName("st_gid"),
                JAVA_LONG.withName("st_rdev"),
                MemoryLayout.paddingLayout(8),
                JAVA_LONG.withName("st_size"),
                JAVA_INT.withName("st_blksize"),
                MemoryLayout.paddingLayout(4),
                JAVA_LONG.withName("st_blocks"),
                Timespec.LAYOUT.withName("st_atim"),
                Timespec.LAYOUT.withName("st_mtim"),
                Timespec.LAYOUT.withName("st_ctim"),
                MemoryLayout.paddingLayout(8)).withName("stat");
        default -> throw new ExceptionInInitializerError(
                "panama-shm supports Linux on x86-64 and aarch64, not " + System.getProperty("os.arch"));
    };

    private static final VarHandle ST_SIZE = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("st_size"));
    private static final VarHandle ST_MODE = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("st_mode"));
    private static final VarHandle ST_UID = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("st_uid"));

    private Stat() {
    }

    public static long size(MemorySegment stat) {
        return (long) ST_SIZE.get(stat, 0L);
    }

    public static int mode(MemorySegment stat) {
        return (int) ST_MODE.get(stat, 0L);
    }

    public static int uid(MemorySegment stat) {
        return (int) ST_UID.get(stat, 0L);
    }
}
