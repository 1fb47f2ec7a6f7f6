// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.traffic;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;

/** The consumer's accounting against the traffic pattern, and its memory bound whatever arrives. */
class TrafficVerifierTest {

    private final Arena arena = Arena.ofAuto();

    private MemorySegment message(int id, long seq) {
        MemorySegment message = arena.allocate(TrafficPattern.HEADER_SIZE + 8);
        TrafficPattern.fill(message, id, seq);
        return message;
    }

    @Test
    void countsEachKindOfMistakeOnce() {
        TrafficVerifier verifier = new TrafficVerifier(false, -1, null);
        for (long seq : new long[] {0, 1, 3, 2, 3}) {
            verifier.accept(message(7, seq), true);
        }
        MemorySegment damaged = message(7, 4);
        byte original = damaged.get(ValueLayout.JAVA_BYTE, TrafficPattern.HEADER_SIZE);
        damaged.set(ValueLayout.JAVA_BYTE, TrafficPattern.HEADER_SIZE, (byte) ~original);
        verifier.accept(damaged, true);
        assertThat(verifier.received()).isEqualTo(6);
        assertThat(verifier.duplicated()).isEqualTo(1);
        assertThat(verifier.outOfOrder()).isEqualTo(1);
        assertThat(verifier.corrupt()).isEqualTo(1);
        assertThat(verifier.lost()).isZero();
    }

    @Test
    void aLongStreamSlidesTheWindowAndStillFindsRecentDuplicates() {
        TrafficVerifier verifier = new TrafficVerifier(false, -1, null);
        long count = 3L * TrafficVerifier.WINDOW;
        MemorySegment message = message(1, 0);
        for (long seq = 0; seq < count; seq++) {
            TrafficPattern.fill(message, 1, seq);
            verifier.accept(message, true);
        }
        verifier.accept(message(1, count - 10), true); // recent: recognised
        verifier.accept(message(1, 5), true);          // forgotten: counted out of order
        assertThat(verifier.received()).isEqualTo(count + 2);
        assertThat(verifier.duplicated()).isEqualTo(1);
        assertThat(verifier.outOfOrder()).isEqualTo(1);
        assertThat(verifier.lost()).isZero();
    }

    @Test
    void aHugeSequenceCostsAWindowNotGigabytes() {
        Runtime runtime = Runtime.getRuntime();
        TrafficVerifier verifier = new TrafficVerifier(false, -1, null);
        verifier.accept(message(1, 0), true);
        System.gc();
        long before = runtime.totalMemory() - runtime.freeMemory();
        verifier.accept(message(1, 1L << 36), true); // 2^36 bits would be 8 GiB
        verifier.accept(message(1, (1L << 36) + 1), true);
        long after = runtime.totalMemory() - runtime.freeMemory();
        assertThat(after - before).as("bytes the verifier grew by").isLessThan(16L << 20);
        assertThat(verifier.lost()).as("the holes before the jump").isEqualTo((1L << 36) - 1);
        assertThat(verifier.duplicated()).isZero();
    }

    @Test
    void moreProducerIdsThanItTracksCountAsCorrupt() {
        TrafficVerifier verifier = new TrafficVerifier(true, -1, null);
        for (int id = 0; id < TrafficVerifier.MAX_PRODUCERS + 3; id++) {
            verifier.accept(message(id, 0), true);
        }
        assertThat(verifier.corrupt()).isEqualTo(3);
        assertThat(verifier.received()).isEqualTo(TrafficVerifier.MAX_PRODUCERS + 3);
    }
}
