// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Overwrite mode (PROTOCOL §14.1, ordering row #39): a consumer copies a message out of its slot while
 * the producer, which never waits, laps it and writes the slot again. The copy is kept only if the
 * tail read after it shows the slot was not claimed again, so a message handed over is whole: every
 * byte of message {@code k} is {@code k}. Two slots, two messages published before; the producer
 * publishes messages 2 and 3 (lapping both) while the consumer takes one. r1: the value of the message
 * received (-1: none), r2: 1 if its bytes were mixed (torn).
 */
@JCStressTest
@Description("An overwrite-mode consumer takes a message while the producer laps a 2-slot ring.")
@Outcome(id = {"0, 0", "1, 0"}, expect = ACCEPTABLE, desc = "an old message, whole")
@Outcome(id = {"2, 0", "3, 0"}, expect = ACCEPTABLE_INTERESTING, desc = "lapped: a newer message, whole")
@Outcome(id = "-1, 0", expect = ACCEPTABLE, desc = "nothing taken (the producer was mid-lap)")
@Outcome(id = {"0, 1", "1, 1", "2, 1", "3, 1", "-1, 1"}, expect = FORBIDDEN, desc = "a torn copy handed over")
@State
public class OverwriteCopyStress {

    private static final AtomicLong COUNTER = new AtomicLong();
    private static final int SIZE = 256;

    private final Ring ring;
    private final Producer producer;
    private final Consumer consumer;
    private final byte[] message = new byte[SIZE];
    private final byte[] received = new byte[SIZE];

    public OverwriteCopyStress() {
        String name = "/pshm-jcs-ow-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        ring = Ring.create(name, RingSpec.of(2, SIZE).fanOut(FanOutMode.OVERWRITE));
        Ring.unlink(name);
        producer = ring.producer();
        consumer = ring.consumer();
        for (int k = 0; k < 2; k++) {
            Arrays.fill(message, (byte) k);
            producer.offer(message);
        }
    }

    @Actor
    public void producer() {
        for (int k = 2; k < 4; k++) {
            Arrays.fill(message, (byte) k);
            producer.offer(message);
        }
    }

    @Actor
    public void consumer(II_Result r) {
        int length = consumer.tryReceive(received);
        if (length != SIZE) {
            r.r1 = -1;
            return;
        }
        r.r1 = received[0];
        for (byte b : received) {
            if (b != received[0]) {
                r.r2 = 1;
                return;
            }
        }
    }

    @Arbiter
    public void close(II_Result r) {
        consumer.close();
        producer.close();
        ring.close();
    }
}
