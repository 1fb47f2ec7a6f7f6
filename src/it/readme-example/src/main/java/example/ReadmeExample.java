// SPDX-License-Identifier: Apache-2.0
package example;

import io.github.panamashm.ring.*;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * The README's Java example as a program (ReadmeExampleTest checks that every line of the README's
 * snippet is here): process A's part, then process B's, in one process. Exits 0 if B got all of A's
 * 67 messages.
 */
public final class ReadmeExample {

    public static void main(String[] args) throws InterruptedException {
        produce();
        int received = consume();
        System.out.println("readme-example: received " + received + " messages");
        System.exit(received == 67 ? 0 : 1);
    }

    static void produce() throws InterruptedException {
        // Process A: create a ring of 1024 slots for messages of up to 256 bytes, and produce.
        try (Ring ring = Ring.create("/orders", RingSpec.of(1024, 256));
             Producer producer = ring.producer()) {
            producer.send("hello".getBytes());                   // waits while the ring is full
            boolean sent = producer.offer("world".getBytes());   // never waits: false if full
            long at = producer.claim(8);                         // zero copy: where the message goes...
            producer.buffer().set(ValueLayout.JAVA_LONG_UNALIGNED, at, 42L);
            producer.commit();                                   // ...and publish it
            int n = producer.claimBatch(64, 8);                  // up to 64 messages, one cursor move
            for (int i = 0; i < n; i++) {
                producer.buffer().set(ValueLayout.JAVA_LONG_UNALIGNED, producer.batchIndex(i), (long) i);
            }
            producer.commit();                                   // publishes all n, one look at the doorbell
            ring.closeForWriting();                              // consumers drain, then see end of stream
        }
    }

    static int consume() throws InterruptedException {
        int count = 0;
        // Process B (Java or C): attach and consume.
        try (Ring ring = Ring.open("/orders", Duration.ofSeconds(5));   // waits up to 5 s for it to exist
             Consumer consumer = ring.consumer()) {
            byte[] buffer = new byte[ring.maxMessageSize()];
            int length = consumer.receive(buffer);               // the first message: 5 bytes, "hello"
            count++;
            // or without copying, up to 256 at a time with one cursor move (valid during the call):
            int handled;
            while ((handled = consumer.poll((segment, index, size) -> System.out.println(size + " bytes"), 256,
                    Duration.ofSeconds(1))) != Consumer.END_OF_STREAM) {
                count += handled;
            }
        }
        Ring.unlink("/orders");   // a ring outlives its processes, like a POSIX message queue, until removed
        return count;
    }
}
