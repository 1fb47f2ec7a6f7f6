// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The test message every side sends: its first 8 bytes are its sequence number (a little-endian
 * long, counted from 0 across warmup and measured messages), every other byte is
 * {@code (byte) seq}. A receiver checks the sequence number and the last byte.
 *
 * <p>One flavour for memory segments (shared-memory rings, and socket buffers seen through
 * {@link MemorySegment#ofBuffer}) and one for Agrona buffers, so that each side writes with its
 * own system's native accessors. Nothing here allocates.
 *
 * <p>The bytes after the sequence number go in whole longs, as C's {@code memset} stores them:
 * {@code MemorySegment.fill} and Agrona's {@code setMemory} both end in {@code Unsafe.setMemory},
 * whose stub, writing lines the consumer's core has just read, took half of a Java batch
 * producer's time (docs/BENCHMARKS.md, "Filling a message").
 */
final class Payload {

    static final int SEQ_BYTES = Long.BYTES;

    private static final ValueLayout.OfLong SEQ = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Payload() {
    }

    /** Writes message {@code seq} of {@code size} bytes at {@code offset}. */
    static void fill(MemorySegment segment, long offset, int size, long seq) {
        segment.set(SEQ, offset, seq);
        long pattern = pattern(seq);
        int i = SEQ_BYTES;
        for (; i <= size - Long.BYTES; i += Long.BYTES) {
            segment.set(SEQ, offset + i, pattern);
        }
        for (; i < size; i++) {
            segment.set(ValueLayout.JAVA_BYTE, offset + i, (byte) seq);
        }
    }

    /** The low byte of {@code seq} in each byte of a long. */
    private static long pattern(long seq) {
        return (seq & 0xFF) * 0x0101010101010101L;
    }

    /** Whether the {@code size} bytes at {@code offset} look like message {@code expectedSeq}. */
    static boolean verify(MemorySegment segment, long offset, int size, long expectedSeq) {
        return segment.get(SEQ, offset) == expectedSeq
                && (size <= SEQ_BYTES || segment.get(ValueLayout.JAVA_BYTE, offset + size - 1) == (byte) expectedSeq);
    }

    /** The sequence number of the message at {@code offset}. */
    static long sequence(MemorySegment segment, long offset) {
        return segment.get(SEQ, offset);
    }

    /** Writes message {@code seq} of {@code size} bytes at {@code index}. */
    static void fill(MutableDirectBuffer buffer, int index, int size, long seq) {
        buffer.putLong(index, seq, ByteOrder.LITTLE_ENDIAN);
        long pattern = pattern(seq);
        int i = SEQ_BYTES;
        for (; i <= size - Long.BYTES; i += Long.BYTES) {
            buffer.putLong(index + i, pattern);
        }
        for (; i < size; i++) {
            buffer.putByte(index + i, (byte) seq);
        }
    }

    /** Whether the {@code size} bytes at {@code index} look like message {@code expectedSeq}. */
    static boolean verify(DirectBuffer buffer, int index, int size, long expectedSeq) {
        return buffer.getLong(index, ByteOrder.LITTLE_ENDIAN) == expectedSeq
                && (size <= SEQ_BYTES || buffer.getByte(index + size - 1) == (byte) expectedSeq);
    }

    /** The sequence number of the message at {@code index}. */
    static long sequence(DirectBuffer buffer, int index) {
        return buffer.getLong(index, ByteOrder.LITTLE_ENDIAN);
    }
}
