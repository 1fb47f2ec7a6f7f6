/* SPDX-License-Identifier: Apache-2.0 */
package io.github.panamashm.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Copies a sender's message into its slot, one of up to {@value #LONG_COPY_MAX} bytes eight bytes at a
 * time.
 *
 * <p>Why not {@link MemorySegment#copy} for small messages: a sender has usually just written the
 * message, so its bytes still sit in the store buffer, queued behind the previous message's stores
 * into the ring, which wait for the consumer's core to give their cache lines up. The JDK's copy stub
 * loads 32 bytes at a time, and a load wider than the stores that wrote its bytes cannot take them
 * from the store buffer: it waits until they, and so the previous message, have reached the cache —
 * once per message, which cost the copy path up to half its rate across processes. Loads of eight
 * bytes are served from the store buffer when the message was written in {@code long}s or {@code
 * double}s, or by a JDK copy (docs/BENCHMARKS.md, "The copy path, explained").
 */
final class MessageCopy {
    /**
     * Larger messages go through the JDK's copy: at 256 bytes it was the faster of the two across
     * processes, its speed per byte outweighing one wait per message.
     */
    static final int LONG_COPY_MAX = 128;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final VarHandle ARRAY_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private MessageCopy() {
    }

    /**
     * Copies {@code length} bytes of {@code source} at {@code from} to {@code target} at {@code to}
     * (ranges that do not overlap). A read-only source, such as a message a poll handler was handed
     * and now forwards, is taken as not just written by this thread, so the JDK's copy, which makes
     * fewer checked accesses, serves it best.
     */
    static void copy(MemorySegment source, long from, MemorySegment target, long to, int length) {
        if (length > LONG_COPY_MAX || source.isReadOnly()) {
            MemorySegment.copy(source, from, target, to, length);
            return;
        }
        long longs = length & ~(Long.BYTES - 1L);
        for (long i = 0; i < longs; i += Long.BYTES) {
            target.set(LONG, to + i, source.get(LONG, from + i));
        }
        for (long i = longs; i < length; i++) {
            target.set(BYTE, to + i, source.get(BYTE, from + i));
        }
    }

    /** Copies {@code length} bytes of {@code source} at {@code from} to {@code target} at {@code to}. */
    static void copy(byte[] source, int from, MemorySegment target, long to, int length) {
        if (length > LONG_COPY_MAX) {
            MemorySegment.copy(source, from, target, BYTE, to, length);
            return;
        }
        int longs = length & ~(Long.BYTES - 1);
        for (int i = 0; i < longs; i += Long.BYTES) {
            target.set(LONG, to + i, (long) ARRAY_LONG.get(source, from + i));
        }
        for (int i = longs; i < length; i++) {
            target.set(BYTE, to + i, source[from + i]);
        }
    }
}
