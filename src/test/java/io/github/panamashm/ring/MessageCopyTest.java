// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** The producer's copy of a message into its slot: eight bytes at a time up to a size, else the JDK's. */
class MessageCopyTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private static final int MOST = MessageCopy.LONG_COPY_MAX + 20;
    private static final byte UNTOUCHED = (byte) 0xEE;

    /** A message whose every byte differs from its neighbours', so a shifted or torn copy shows. */
    private static byte[] message(int length, int salt) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + salt);
        }
        return bytes;
    }

    @Test
    void copiesExactlyTheRangeAtEveryLengthAndAlignment() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment target = arena.allocate(MOST + 32);
            for (int length = 0; length <= MOST; length++) {
                for (int from = 0; from < 3; from++) {
                    for (int to = 0; to < 9; to += 4) {
                        byte[] source = message(from + length, length + to);
                        byte[] expected = Arrays.copyOfRange(source, from, from + length);

                        target.fill(UNTOUCHED);
                        MessageCopy.copy(source, from, target, to, length);
                        assertCopied(target, to, expected);

                        target.fill(UNTOUCHED);
                        MessageCopy.copy(MemorySegment.ofArray(source), from, target, to, length);
                        assertCopied(target, to, expected);

                        target.fill(UNTOUCHED); // a forwarded message: a read-only view goes to the JDK's copy
                        MessageCopy.copy(MemorySegment.ofArray(source).asReadOnly(), from, target, to, length);
                        assertCopied(target, to, expected);
                    }
                }
            }
        }
    }

    private static void assertCopied(MemorySegment target, int to, byte[] expected) {
        byte[] all = target.toArray(ValueLayout.JAVA_BYTE);
        assertThat(Arrays.copyOfRange(all, to, to + expected.length)).isEqualTo(expected);
        for (int i = 0; i < all.length; i++) {
            if (i < to || i >= to + expected.length) {
                assertThat(all[i]).as("byte %d, outside the copy of %d bytes at %d", i, expected.length, to)
                        .isEqualTo(UNTOUCHED);
            }
        }
    }

    @Test
    void everyInputFormArrivesIntactAtEveryLength() throws InterruptedException {
        String name = names.ring("copy");
        try (Ring ring = Ring.create(name, RingSpec.of(8, MOST));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer();
             Arena arena = Arena.ofConfined()) {
            MemorySegment source = arena.allocate(MOST + 1);
            // two direct buffers in turn, read from position 1 and written from position 3: the views of
            // direct buffers that producer and consumer keep must follow the buffer and its position
            ByteBuffer[] directs = {ByteBuffer.allocateDirect(MOST + 1), ByteBuffer.allocateDirect(MOST + 1)};
            ByteBuffer[] directOuts = {ByteBuffer.allocateDirect(MOST + 3), ByteBuffer.allocateDirect(MOST + 3)};
            byte[] received = new byte[MOST];
            for (int length = 0; length <= MOST; length++) {
                byte[] expected = message(length, length);
                byte[] shifted = new byte[length + 1];
                System.arraycopy(expected, 0, shifted, 1, length);
                MemorySegment.copy(shifted, 0, source, ValueLayout.JAVA_BYTE, 0, length + 1);
                ByteBuffer direct = directs[length % 2].clear().put((byte) 0).put(expected).flip().position(1);

                producer.send(source, 1, length);
                assertThat(producer.offer(shifted, 1, length)).isTrue();
                producer.send(ByteBuffer.wrap(shifted, 1, length));
                producer.send(direct);
                assertThat(direct.remaining()).isZero();
                for (String form : new String[] {"segment", "array", "heap buffer"}) {
                    assertThat(consumer.receive(received)).as("%s, %d bytes", form, length).isEqualTo(length);
                    assertThat(Arrays.copyOf(received, length)).as("%s, %d bytes", form, length).isEqualTo(expected);
                }
                ByteBuffer out = directOuts[(length / 2) % 2].clear().position(3);
                assertThat(consumer.receive(out)).as("direct buffer, %d bytes", length).isEqualTo(length);
                assertThat(out.position()).isEqualTo(3 + length);
                byte[] got = new byte[length];
                out.flip().position(3).get(got);
                assertThat(got).as("direct buffer, %d bytes", length).isEqualTo(expected);
            }
        }
    }
}
