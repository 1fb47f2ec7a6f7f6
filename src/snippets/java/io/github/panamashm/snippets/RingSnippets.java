// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.snippets;

import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;

import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The examples in the Javadoc of {@code io.github.panamashm.ring}, kept here so that they compile
 * and run ({@code SnippetsTest}); the Javadoc shows the regions, with the ring name as users write it.
 */
final class RingSnippets {

    private RingSnippets() {
    }

    static void createAndProduce(String name) throws InterruptedException {
        // @start region="create"
        try (Ring ring = Ring.create(name, RingSpec.of(1024, 256)); // @replace substring="name" replacement='"/orders"'
             Producer producer = ring.producer()) {
            producer.send("hello".getBytes(StandardCharsets.UTF_8)); // waits while the ring is full
            ring.closeForWriting();                                  // consumers drain it, then see the end
        }
        // @end
    }

    static int openAndConsume(String name) throws InterruptedException {
        int received = 0;
        // @start region="open"
        try (Ring ring = Ring.open(name, Duration.ofSeconds(5)); // @replace substring="name" replacement='"/orders"'
             Consumer consumer = ring.consumer()) {
            byte[] buffer = new byte[ring.maxMessageSize()];
            int length;
            while ((length = consumer.receive(buffer)) != Consumer.END_OF_STREAM) {
                String text = new String(buffer, 0, length, StandardCharsets.UTF_8);
                received++; // @replace substring="received++;" replacement="System.out.println(text);"
            }
        }
        // @end
        return received;
    }

    static void send(Producer producer) throws InterruptedException {
        // @start region="send"
        byte[] message = "order 17".getBytes(StandardCharsets.US_ASCII);
        producer.send(message);                               // waits for a free slot
        boolean sent = producer.offer(message);               // never waits: false if the ring is full
        if (!producer.send(message, Duration.ofMillis(10))) { // waits up to 10 ms
            sent = false; // @replace substring="sent = false;" replacement="// the consumers are behind"
        }
        // @end
    }

    static void claimAndCommit(Producer producer) throws InterruptedException {
        // @start region="claim"
        long at = producer.claim(16);                             // a slot for 16 bytes, in place
        producer.buffer().set(ValueLayout.JAVA_LONG_UNALIGNED, at, 17L);
        producer.buffer().set(ValueLayout.JAVA_LONG_UNALIGNED, at + 8, System.nanoTime());
        producer.commit();                                        // publishes it

        int claimed = producer.claimBatch(64, 8);                 // up to 64 slots, one cursor move
        for (int i = 0; i < claimed; i++) {
            producer.buffer().set(ValueLayout.JAVA_LONG_UNALIGNED, producer.batchIndex(i), i);
        }
        producer.commit();                                        // publishes all of them at once
        // @end
    }

    static long poll(Consumer consumer) throws InterruptedException {
        long[] sum = {0};
        // @start region="poll"
        int taken;
        while ((taken = consumer.poll((segment, index, length) -> {
            long order = segment.get(ValueLayout.JAVA_LONG_UNALIGNED, index); // valid during the call
            sum[0] += order; // @replace substring="sum[0] += order;" replacement="process(order);"
        }, 256, Duration.ofSeconds(1))) != Consumer.END_OF_STREAM) {
            if (taken == 0) {
                continue; // @replace substring="continue;" replacement="// a second without messages"
            }
        }
        // @end
        return sum[0];
    }
}
