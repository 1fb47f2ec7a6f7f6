// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Asks {@link RingExtension} for a fresh ring with a unique name, created before the test and closed
 * and removed (its shared-memory object and doorbells) after it, whatever happened:
 * {@snippet :
 * @ExtendWith(RingExtension.class)
 * class OrdersTest {
 *     @Test
 *     void aCConsumerReceivesWhatJavaSends(@TempRing(slots = 256) Ring ring, Peers peers) throws Exception {
 *         Peer consumer = peers.start("target/native/orders-consumer", "--ring", ring.name());
 *         try (Producer producer = ring.producer()) {
 *             producer.send("order 1".getBytes());
 *         }
 *         ring.closeForWriting();
 *         assertEquals("1", consumer.awaitExit(Duration.ofSeconds(30)).summary().get("received"));
 *     }
 * }
 * }
 */
@Documented
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
public @interface TempRing {

    /**
     * The slot count, a power of two from 2 to 2^30.
     *
     * @return the slot count
     */
    int slots() default 64;

    /**
     * The largest message in bytes.
     *
     * @return the largest message
     */
    int maxMessageSize() default 256;

    /**
     * Whether at most one producer may attach.
     *
     * @return whether the ring is single-producer
     */
    boolean singleProducer() default false;

    /**
     * Whether at most one consumer may attach.
     *
     * @return whether the ring is single-consumer
     */
    boolean singleConsumer() default false;
}
