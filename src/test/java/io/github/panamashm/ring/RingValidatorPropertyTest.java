// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.SharedMemory;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A property of the validator over header bytes: whatever a writer puts in a ring's header, the
 * validator either refuses it with {@link RingFormatException}, or accepts a geometry whose every
 * slot and peer entry lies inside the object. Random patches of a real ring's header, from a seed
 * printed on failure ({@code -Dpanamashm.validator.seed=N} repeats a run).
 */
class RingValidatorPropertyTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private static final int TRIES = 200_000;

    @Test
    void anyHeaderIsRefusedWithRingFormatExceptionOrDescribesARingInsideTheObject() throws Exception {
        String name = names.ring("validator");
        byte[] pristine;
        try (Ring ignored = Ring.create(name, RingSpec.of(16, 100).maxPeers(3));
             SharedMemory shm = SharedMemory.open(name)) {
            pristine = shm.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
        long seed = Long.getLong("panamashm.validator.seed", System.nanoTime());
        Random random = new Random(seed);
        int accepted = 0;
        byte[] bytes = new byte[pristine.length];
        // native memory: the ring's layouts are aligned, as the mapping is
        java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofAuto();
        MemorySegment segment = arena.allocate(bytes.length, 4096);
        for (int attempt = 0; attempt < TRIES; attempt++) {
            System.arraycopy(pristine, 0, bytes, 0, bytes.length);
            // a few patches of 1 to 8 bytes inside the identity (where every geometry field lives)
            int patches = 1 + random.nextInt(4);
            for (int p = 0; p < patches; p++) {
                int offset = random.nextInt((int) RingLayout.IDENTITY.byteSize());
                int length = 1 + random.nextInt(8);
                for (int i = 0; i < length && offset + i < bytes.length; i++) {
                    bytes[offset + i] = random.nextInt(4) == 0 ? 0 : (byte) random.nextInt();
                }
            }
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, segment, 0, bytes.length);
            int state = (int) RingLayout.INT.get(segment, RingLayout.STATE_OFFSET);
            try {
                RingValidator.validate(name, segment, state);
            } catch (RingFormatException refused) {
                continue;
            } catch (RuntimeException other) {
                fail("seed " + seed + ", attempt " + attempt + ": the validator threw " + other, other);
            }
            accepted++;
            long slots = Integer.toUnsignedLong((int) RingLayout.INT.get(segment, RingLayout.SLOT_COUNT_OFFSET));
            long slotSize = Integer.toUnsignedLong((int) RingLayout.INT.get(segment, RingLayout.SLOT_SIZE_OFFSET));
            long headerSize = Integer.toUnsignedLong((int) RingLayout.INT.get(segment, RingLayout.HEADER_SIZE_OFFSET));
            long peers = Integer.toUnsignedLong((int) RingLayout.INT.get(segment, RingLayout.MAX_PEERS_OFFSET));
            long payload = Integer.toUnsignedLong((int) RingLayout.INT.get(segment, RingLayout.MAX_PAYLOAD_OFFSET));
            String at = "seed " + seed + ", attempt " + attempt;
            assertThat(headerSize + slots * slotSize).as(at).isEqualTo(segment.byteSize());
            assertThat(RingLayout.peerOffset((int) peers - 1) + RingLayout.PEER_SIZE).as(at).isLessThanOrEqualTo(headerSize);
            assertThat(RingLayout.SLOT_HEADER_SIZE + payload).as(at).isLessThanOrEqualTo(slotSize);
            assertThat(Long.bitCount(slots)).as(at).isEqualTo(1);
        }
        // patches that leave the geometry alone (the creation time, the creator's pid) are accepted
        assertThat(accepted).as("seed %d: some headers pass", seed).isPositive();
    }
}
