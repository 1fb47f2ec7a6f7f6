// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up (PROTOCOL §8): a consumer about to sleep announces itself and looks at the ring
 * again; a producer publishes, then looks for sleepers and rings. Either the sleeper sees the
 * message or the producer sees the sleeper. The publisher's side has no fence: the sleeper's
 * membarrier (or, for a fenced sleeper, the publishers' own fence) orders it. r1: the sleeper's
 * second look found the message (2: the barrier is not available here, and the protocol falls back
 * to short sleeps, which this test does not cover); r2: the producer rang the data doorbell.
 */
public final class DoorbellHandshakeStress {

    private static final byte[] MESSAGE = new byte[8];

    private DoorbellHandshakeStress() {
    }

    @JCStressTest
    @Description("A sleeper that fences every process with membarrier; the publisher does not fence.")
    @Outcome(id = "0, 0", expect = FORBIDDEN, desc = "lost wake-up: the sleeper would sleep through the message")
    @Outcome(id = {"1, 0", "0, 1"}, expect = ACCEPTABLE, desc = "one side saw the other")
    @Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING, desc = "both saw each other")
    @Outcome(id = {"2, 0", "2, 1"}, expect = ACCEPTABLE, desc = "no membarrier here: not what this test covers")
    @State
    public static class Membarrier {
        private final StressRing ring = new StressRing(RingSpec.of(4, 8), WaitPolicy.standard());
        private final long entry = ring.consumerEntry();

        @Actor
        public void sleeper(II_Result r) {
            boolean fenced = ring.ring.doorbells.announce(entry, RingLayout.BELL_DATA, false);
            r.r1 = !fenced ? 2 : ring.ring.doorbells.ready(true, entry) ? 1 : 0;
        }

        @Actor
        public void publisher() {
            ring.producer.offer(MESSAGE);
        }

        @Arbiter
        public void close(II_Result r) {
            r.r2 = ring.dataPosts() > 0 ? 1 : 0;
            ring.ring.doorbells.withdraw(entry, RingLayout.BELL_DATA);
            ring.close();
        }
    }

    @JCStressTest
    @Description("A fenced sleeper (WaitPolicy.sleep()): publishers fence while one is attached.")
    @Outcome(id = "0, 0", expect = FORBIDDEN, desc = "lost wake-up: the sleeper would sleep through the message")
    @Outcome(id = {"1, 0", "0, 1"}, expect = ACCEPTABLE, desc = "one side saw the other")
    @Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING, desc = "both saw each other")
    @Outcome(id = {"2, 0", "2, 1"}, expect = ACCEPTABLE, desc = "no membarrier here: not what this test covers")
    @State
    public static class Fenced {
        private final StressRing ring = new StressRing(RingSpec.of(4, 8), WaitPolicy.sleep());
        private final long entry = ring.consumerEntry();
        /** Whether the consumer got counted among the fenced sleepers (it needs membarrier to). */
        private final boolean fencedSleeper = ring.fencedSleepers() > 0;

        @Actor
        public void sleeper(II_Result r) {
            ring.ring.doorbells.announce(entry, RingLayout.BELL_DATA, fencedSleeper);
            r.r1 = !fencedSleeper ? 2 : ring.ring.doorbells.ready(true, entry) ? 1 : 0;
        }

        @Actor
        public void publisher() {
            ring.producer.offer(MESSAGE);
        }

        @Arbiter
        public void close(II_Result r) {
            r.r2 = ring.dataPosts() > 0 ? 1 : 0;
            ring.ring.doorbells.withdraw(entry, RingLayout.BELL_DATA);
            ring.close();
        }
    }
}
