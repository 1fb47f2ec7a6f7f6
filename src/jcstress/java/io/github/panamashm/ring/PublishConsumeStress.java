// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

/**
 * A message written in place and committed is seen by a racing consumer whole or not at all: never
 * its slot published before its bytes. Every outcome not listed is forbidden.
 */
public final class PublishConsumeStress {

    static final long FIRST = 0x1111_2222_3333_4444L;
    static final long SECOND = 0x5555_6666_7777_0001L;

    private PublishConsumeStress() {
    }

    static void produce(StressRing ring) {
        long at = ring.producer.tryClaim(16);
        MemorySegment slots = ring.producer.buffer();
        slots.set(ValueLayout.JAVA_LONG_UNALIGNED, at, FIRST);
        slots.set(ValueLayout.JAVA_LONG_UNALIGNED, at + 8, SECOND);
        ring.producer.commit();
    }

    static void consume(StressRing ring, byte[] buffer, JJJ_Result r) {
        r.r1 = ring.consumer.tryReceive(buffer);
        MemorySegment received = MemorySegment.ofArray(buffer);
        r.r2 = received.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        r.r3 = received.get(ValueLayout.JAVA_LONG_UNALIGNED, 8);
    }

    @JCStressTest
    @Description("Multi-producer, multi-consumer ring: publish by slot sequence, take by compare-and-set.")
    @Outcome(id = "-2, 0, 0", expect = ACCEPTABLE, desc = "not published yet")
    @Outcome(id = "16, 1229801703532086340, 6148933456521265153", expect = ACCEPTABLE_INTERESTING,
            desc = "the whole message")
    @State
    public static class Shared {
        private final StressRing ring = new StressRing(RingSpec.of(4, 16));
        private final byte[] buffer = new byte[16];

        @Actor
        public void producer() {
            produce(ring);
        }

        @Actor
        public void consumer(JJJ_Result r) {
            consume(ring, buffer, r);
        }

        @Arbiter
        public void close(JJJ_Result r) {
            ring.close();
        }
    }

    @JCStressTest
    @Description("Single-producer, single-consumer ring: publish by slot sequence, release by cursor.")
    @Outcome(id = "-2, 0, 0", expect = ACCEPTABLE, desc = "not published yet")
    @Outcome(id = "16, 1229801703532086340, 6148933456521265153", expect = ACCEPTABLE_INTERESTING,
            desc = "the whole message")
    @State
    public static class Single {
        private final StressRing ring = new StressRing(RingSpec.of(4, 16).singleProducer(true).singleConsumer(true));
        private final byte[] buffer = new byte[16];

        @Actor
        public void producer() {
            produce(ring);
        }

        @Actor
        public void consumer(JJJ_Result r) {
            consume(ring, buffer, r);
        }

        @Arbiter
        public void close(JJJ_Result r) {
            ring.close();
        }
    }
}
