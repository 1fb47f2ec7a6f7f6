// SPDX-License-Identifier: Apache-2.0
package example;

import io.github.panamashm.junit.CPrograms;
import io.github.panamashm.junit.Peer;
import io.github.panamashm.junit.PeerResult;
import io.github.panamashm.junit.Peers;
import io.github.panamashm.junit.RingExtension;
import io.github.panamashm.junit.TempRing;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

@ExtendWith(RingExtension.class)
class OrdersTest {

    @Test
    void theCConsumerReceivesEveryOrder(@TempRing(slots = 64, maxMessageSize = 128) Ring ring, Peers peers)
            throws Exception {
        // the C consumer, built from the sources the panama-shm jar carries with the system's cc, once
        Peer consumer = peers.start(CPrograms.consumer(), "--ring", ring.name(), "--timeout-ms", "30000");
        try (Producer producer = ring.producer()) {
            for (int i = 0; i < 1000; i++) {
                producer.send(("order " + i).getBytes(StandardCharsets.UTF_8));
            }
        }
        ring.closeForWriting();                            // the consumer drains the ring, then ends
        PeerResult result = consumer.awaitExit(Duration.ofSeconds(30));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals(1000, result.summaryValue("received"));
    }   // the ring is removed and the consumer killed, also when the test fails
}
