// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A fresh ring for one jcstress trial. Its name is unlinked at once (the mapping and the doorbells
 * stay usable), so nothing is left in /dev/shm even if the trial never reaches its arbiter.
 */
final class StressRing implements AutoCloseable {

    private static final AtomicLong COUNTER = new AtomicLong();

    final Ring ring;
    final Producer producer;
    final Consumer consumer;

    StressRing(RingSpec spec, WaitPolicy consumerPolicy) {
        String name = "/pshm-jcs-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        ring = Ring.create(name, spec);
        Ring.unlink(name);
        producer = ring.producer();
        consumer = ring.consumer(consumerPolicy);
    }

    StressRing(RingSpec spec) {
        this(spec, WaitPolicy.standard());
    }

    /** The consumer's entry in the peer table. */
    long consumerEntry() {
        return ring.peers().stream().filter(PeerInfo::isConsumer).findFirst()
                .map(peer -> RingLayout.peerOffset(peer.index())).orElseThrow();
    }

    long dataPosts() {
        return (long) RingLayout.LONG.getVolatile(ring.segment(), RingLayout.DATA_POSTS_OFFSET);
    }

    int fencedSleepers() {
        return (int) RingLayout.INT.getVolatile(ring.segment(), RingLayout.FENCED_SLEEPERS_OFFSET);
    }

    @Override
    public void close() {
        consumer.close();
        producer.close();
        ring.close();
    }
}
