// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.util.concurrent.atomic.AtomicLong;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The fan-out join (PROTOCOL §14, "Join"; ordering rows #35, #36): a consumer attaches to a 2-slot
 * fan-out ring while the producer, which had no consumer to wait for, keeps offering. The consumer
 * reads nothing, so from its start position {@code s} on it gates: the producer must never claim
 * {@code s + 2}, the position that would overwrite the first message the consumer is owed. Without
 * the full fence at the top of the producer's gate scan, the producer's tail store and its loads of
 * the peer entries can pass each other (store buffering), the joiner reads an old tail, and the
 * producer laps it unseen. r1: 1 if the producer claimed past {@code s + 2} (a lap); r2: how many of
 * the producer's four offers succeeded during the race.
 */
@JCStressTest
@Description("A consumer joins a 2-slot fan-out ring while its producer offers four messages.")
@Outcome(id = {"0, 0", "0, 1", "0, 2", "0, 3", "0, 4"}, expect = ACCEPTABLE, desc = "the joiner was never lapped")
@Outcome(id = {"1, 0", "1, 1", "1, 2", "1, 3", "1, 4"}, expect = FORBIDDEN,
        desc = "lapped: the producer claimed a slot the joiner had not read")
@State
public class FanOutJoinStress {

    private static final AtomicLong COUNTER = new AtomicLong();
    private static final byte[] MESSAGE = new byte[8];

    private final Ring ring;
    private final Producer producer;
    private Consumer joiner;
    private long start;

    public FanOutJoinStress() {
        String name = "/pshm-jcs-fan-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        ring = Ring.create(name, RingSpec.of(2, 8).fanOut());
        Ring.unlink(name);
        producer = ring.producer();
        for (int i = 0; i < 3; i++) {
            producer.offer(MESSAGE); // nobody gates yet: the producer runs free, and its cached gate is the tail
        }
    }

    @Actor
    public void joiner() {
        joiner = ring.consumer();
        start = joiner.fanOutCursor();
    }

    @Actor
    public void producer(II_Result r) {
        int sent = 0;
        for (int i = 0; i < 4; i++) {
            if (producer.offer(MESSAGE)) {
                sent++;
            }
        }
        r.r2 = sent;
    }

    @Arbiter
    public void check(II_Result r) {
        long tail = (long) RingLayout.LONG.getVolatile(ring.segment(), RingLayout.TAIL_OFFSET);
        r.r1 = tail - start > ring.slotCount() ? 1 : 0;
        joiner.close();
        producer.close();
        ring.close();
    }
}
