// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

/**
 * A producer's offer racing {@code closeForWriting} followed by a consumer's look for the end of the
 * stream (PROTOCOL §6.5): an offer that returned true is delivered before the end of the stream, one
 * that threw {@link RingClosedException} is never delivered, and the end comes after both. r1: the
 * offer (1 sent, -1 refused as closed); r2: the closing consumer's look (-2 nothing yet, -1 end of
 * stream, 8 the message); r3: messages the arbiter then drains before the end (99: no end in sight).
 * Two actors, not three, so that each has a CPU on a two-core machine.
 */
public final class CloseRacesClaimStress {

    private static final byte[] MESSAGE = new byte[8];

    private CloseRacesClaimStress() {
    }

    static int offer(StressRing ring) {
        try {
            return ring.producer.offer(MESSAGE) ? 1 : 0;
        } catch (RingClosedException closed) {
            return -1;
        }
    }

    static int drain(StressRing ring, byte[] buffer) {
        int received = 0;
        for (int look = 0; look < 1000; look++) {
            int length = ring.consumer.tryReceive(buffer);
            if (length == Consumer.END_OF_STREAM) {
                return received;
            }
            if (length >= 0) {
                received++;
            }
        }
        return 99;
    }

    @JCStressTest
    @Description("Multi-producer, multi-consumer ring: the claim is a compare-and-set on the tail.")
    @Outcome(id = {"1, -2, 1", "1, 8, 0"}, expect = ACCEPTABLE, desc = "sent, delivered once")
    @Outcome(id = {"-1, -2, 0", "-1, -1, 0"}, expect = ACCEPTABLE_INTERESTING,
            desc = "refused, nothing delivered (-2: its claim not yet skipped when the consumer looked)")
    @State
    public static class Shared {
        private final StressRing ring = new StressRing(RingSpec.of(4, 8));
        private final byte[] buffer = new byte[8];

        @Actor
        public void producer(III_Result r) {
            r.r1 = offer(ring);
        }

        @Actor
        public void closeThenConsume(III_Result r) {
            ring.ring.closeForWriting();
            r.r2 = ring.consumer.tryReceive(buffer);
        }

        @Arbiter
        public void drainAndClose(III_Result r) {
            r.r3 = drain(ring, buffer);
            ring.close();
        }
    }

    @JCStressTest
    @Description("Single-producer, single-consumer ring: the claim is a release store of the tail.")
    @Outcome(id = {"1, -2, 1", "1, 8, 0"}, expect = ACCEPTABLE, desc = "sent, delivered once")
    @Outcome(id = {"-1, -2, 0", "-1, -1, 0"}, expect = ACCEPTABLE_INTERESTING,
            desc = "refused, nothing delivered (-2: its claim not yet skipped when the consumer looked)")
    @State
    public static class Single {
        private final StressRing ring = new StressRing(RingSpec.of(4, 8).singleProducer(true).singleConsumer(true));
        private final byte[] buffer = new byte[8];

        @Actor
        public void producer(III_Result r) {
            r.r1 = offer(ring);
        }

        @Actor
        public void closeThenConsume(III_Result r) {
            ring.ring.closeForWriting();
            r.r2 = ring.consumer.tryReceive(buffer);
        }

        @Arbiter
        public void drainAndClose(III_Result r) {
            r.r3 = drain(ring, buffer);
            ring.close();
        }
    }
}
