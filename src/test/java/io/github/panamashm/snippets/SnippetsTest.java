// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.snippets;

import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.ValueLayout;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The Javadoc's examples (src/snippets/java) run, and do what their comments say. */
class SnippetsTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    @Test
    void theRingExamplesProduceAndConsume() throws InterruptedException {
        String name = names.ring("snippet-ring");
        RingSnippets.createAndProduce(name);
        assertThat(RingSnippets.openAndConsume(name)).as("messages received before the end of the stream").isEqualTo(1);
    }

    @Test
    void theProducerExamplesSendWhatTheConsumerTakes() throws InterruptedException {
        String name = names.ring("snippet-producer");
        try (Ring ring = Ring.create(name, RingSpec.of(128, 64));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            RingSnippets.send(producer);
            byte[] buffer = new byte[64];
            for (int i = 0; i < 3; i++) {
                assertThat(new String(buffer, 0, consumer.receive(buffer, Duration.ofSeconds(5)))).isEqualTo("order 17");
            }
            RingSnippets.claimAndCommit(producer);
            assertThat(consumer.receive(buffer, Duration.ofSeconds(5))).isEqualTo(16);
            assertThat(java.lang.foreign.MemorySegment.ofArray(buffer).get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(17L);
            ring.closeForWriting();
            long sumOfBatch = (long) 64 * 63 / 2; // the batch carries 0..63 (128 free slots)
            assertThat(RingSnippets.poll(consumer)).isEqualTo(sumOfBatch);
        }
    }

    @Test
    void theMemoryExamplesShareALongAndASignal() throws InterruptedException {
        assertThat(MemorySnippets.shareALong(names.shm("snippet-shm"))).isEqualTo(42L);
        assertThat(MemorySnippets.signal(names.semaphore("snippet-sem"))).isTrue();
    }
}
