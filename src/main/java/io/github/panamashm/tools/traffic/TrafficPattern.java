// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.traffic;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The deterministic test pattern that producers in both languages can send and consumers verify
 * (the C twin is {@code native-headers/panama_shm_traffic.h}). A message of producer {@code id}
 * with per-producer sequence {@code seq} and length {@code len >= 16}:
 * <pre>
 *   bytes 0..7   seq      (host byte order)
 *   bytes 8..11  id
 *   bytes 12..15 len
 *   byte i >= 16 (byte) ((base + i * 0x165667B19E3779F9) >>> 56),
 *                base = seq * 0x9E3779B97F4A7C15 + id * 0xC2B2AE3D27D4EB4F
 * </pre>
 */
public final class TrafficPattern {

    /** Bytes of sequence, producer id and length at the start of every message. */
    public static final int HEADER_SIZE = 16;

    private static final ValueLayout.OfLong SEQ = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long ID_MULTIPLIER = 0xC2B2AE3D27D4EB4FL;
    private static final long BYTE_MULTIPLIER = 0x165667B19E3779F9L;

    private TrafficPattern() {
    }

    /** The splitmix64 finaliser: a well-mixed 64-bit function of x. */
    public static long splitmix64(long x) {
        long z = x + GOLDEN;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Length of message {@code seq} of producer {@code id} when sizes range over [min, max]. */
    public static int length(int id, long seq, int min, int max) {
        if (min == max) {
            return min;
        }
        long mixed = splitmix64((Integer.toUnsignedLong(id) << 48) ^ seq);
        return (int) (min + Long.remainderUnsigned(mixed, max - min + 1L));
    }

    /** What message (id, seq) adds to a side's checksum (a sum modulo 2^64). */
    public static long checksum(int id, long seq) {
        return splitmix64((Integer.toUnsignedLong(id) << 40) ^ seq);
    }

    /** Fills the whole of {@code message} (at least 16 bytes) as message {@code seq} of producer {@code id}. */
    public static void fill(MemorySegment message, int id, long seq) {
        long length = message.byteSize();
        if (length < HEADER_SIZE) {
            throw new IllegalArgumentException("pattern messages are at least " + HEADER_SIZE + " bytes: " + length);
        }
        message.set(SEQ, 0, seq);
        message.set(INT, 8, id);
        message.set(INT, 12, (int) length);
        long base = base(id, seq);
        for (long i = HEADER_SIZE; i < length; i++) {
            message.set(ValueLayout.JAVA_BYTE, i, (byte) ((base + i * BYTE_MULTIPLIER) >>> 56));
        }
    }

    /** Whether {@code message} is an intact pattern message (header consistent, every byte right). */
    public static boolean isIntact(MemorySegment message) {
        long length = message.byteSize();
        if (length < HEADER_SIZE || message.get(INT, 12) != (int) length) {
            return false;
        }
        long base = base(producerId(message), sequence(message));
        for (long i = HEADER_SIZE; i < length; i++) {
            if (message.get(ValueLayout.JAVA_BYTE, i) != (byte) ((base + i * BYTE_MULTIPLIER) >>> 56)) {
                return false;
            }
        }
        return true;
    }

    public static long sequence(MemorySegment message) {
        return message.get(SEQ, 0);
    }

    public static int producerId(MemorySegment message) {
        return message.get(INT, 8);
    }

    private static long base(int id, long seq) {
        return seq * GOLDEN + Integer.toUnsignedLong(id) * ID_MULTIPLIER;
    }
}
