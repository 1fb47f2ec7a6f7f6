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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
            MemorySegment offHeap = arena.allocate(MOST + 8);
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

                        target.fill(UNTOUCHED); // off the heap, at an odd address
                        MemorySegment.copy(source, 0, offHeap, ValueLayout.JAVA_BYTE, 3, source.length);
                        MessageCopy.copy(offHeap, 3 + from, target, to, length);
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
            // two direct buffers, each used twice running and then the other, each read and written at a
            // position and limit that change from one use to the next: the views of them that producer and
            // consumer keep must follow buffer, position and limit
            ByteBuffer[] directs = {ByteBuffer.allocateDirect(MOST + 5), ByteBuffer.allocateDirect(MOST + 5)};
            ByteBuffer[] directOuts = {ByteBuffer.allocateDirect(MOST + 3), ByteBuffer.allocateDirect(MOST + 3)};
            byte[] received = new byte[MOST];
            for (int length = 0; length <= MOST; length++) {
                byte[] expected = message(length, length);
                byte[] shifted = new byte[length + 1];
                System.arraycopy(expected, 0, shifted, 1, length);
                MemorySegment.copy(shifted, 0, source, ValueLayout.JAVA_BYTE, 0, length + 1);
                int skip = 1 + length % 5;
                ByteBuffer direct = directs[(length / 2) % 2].clear().position(skip).put(expected).flip().position(skip);

                producer.send(source, 1, length);
                assertThat(producer.offer(shifted, 1, length)).isTrue();
                producer.send(ByteBuffer.wrap(shifted, 1, length));
                producer.send(direct);
                assertThat(direct.remaining()).isZero();
                for (String form : new String[] {"segment", "array", "heap buffer"}) {
                    assertThat(consumer.receive(received)).as("%s, %d bytes", form, length).isEqualTo(length);
                    assertThat(Arrays.copyOf(received, length)).as("%s, %d bytes", form, length).isEqualTo(expected);
                }
                int at = length % 3;
                ByteBuffer out = directOuts[(length / 2) % 2].clear().position(at);
                assertThat(consumer.receive(out)).as("direct buffer, %d bytes", length).isEqualTo(length);
                assertThat(out.position()).isEqualTo(at + length);
                byte[] got = new byte[length];
                out.flip().position(at).get(got);
                assertThat(got).as("direct buffer, %d bytes", length).isEqualTo(expected);
            }
        }
    }

    @Test
    void aKnownDirectBufferWithTooLittleRoomLeftLeavesTheMessageInTheRing() throws InterruptedException {
        String name = names.ring("room");
        try (Ring ring = Ring.create(name, RingSpec.of(8, 64));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            ByteBuffer out = ByteBuffer.allocateDirect(64);
            producer.send(message(8, 1));
            producer.send(message(40, 2));
            assertThat(consumer.receive(out)).isEqualTo(8); // the consumer knows this buffer now
            out.clear();
            for (int i = 30; i < 64; i++) {
                out.put(i, UNTOUCHED);
            }
            out.position(30).limit(60); // 30 bytes of room, 64 of capacity
            assertThatThrownBy(() -> consumer.receive(out)).isInstanceOf(IllegalArgumentException.class);
            assertThat(out.position()).isEqualTo(30);
            out.clear();
            for (int i = 30; i < 64; i++) {
                assertThat(out.get(i)).as("byte %d", i).isEqualTo(UNTOUCHED);
            }
            assertThat(consumer.receive(out.clear())).isEqualTo(40);
            byte[] got = new byte[40];
            out.flip().get(got);
            assertThat(got).isEqualTo(message(40, 2));
        }
    }

    @Test
    void aSourceWhoseMemoryIsGoneIsRefusedAndClaimsNothing() throws InterruptedException {
        String name = names.ring("gone");
        try (Ring ring = Ring.create(name, RingSpec.of(8, 64));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            Arena arena = Arena.ofConfined();
            MemorySegment segment = arena.allocate(64);
            ByteBuffer direct = arena.allocate(64).asByteBuffer();
            producer.send(direct.clear().limit(16)); // the producer knows this buffer now
            arena.close();
            for (int length : new int[] {1, 5, 64}) { // (an empty message reads nothing, so it is sent)
                assertThatThrownBy(() -> producer.send(segment, 0, length)).isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(() -> producer.send(direct.clear().limit(length)))
                        .isInstanceOf(IllegalStateException.class);
            }
            producer.send(message(3, 3)); // nothing was left claimed
            assertThat(consumer.receive(new byte[64])).isEqualTo(16);
            byte[] got = new byte[64];
            assertThat(consumer.receive(got)).isEqualTo(3);
            assertThat(Arrays.copyOf(got, 3)).isEqualTo(message(3, 3));
            assertThat(consumer.tryReceive(got)).isEqualTo(Consumer.NO_MESSAGE);
        }
    }
}
