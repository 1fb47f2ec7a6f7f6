// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.conformance;

import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.tools.conformance.Program.ConsumerSummary;
import io.github.panamashm.tools.traffic.TrafficPattern;
import io.github.panamashm.tools.traffic.TrafficVerifier;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import static io.github.panamashm.tools.conformance.Checks.checkProducers;
import static io.github.panamashm.tools.conformance.Checks.expectedChecksum;
import static io.github.panamashm.tools.conformance.Failure.check;
import static io.github.panamashm.tools.conformance.Programs.Side.PEER;

/** Damaged slots and bad messages the peer must drop and count, and a damaged free slot it must reset. */
final class Damage {

    private final Load load;

    Damage(Load load) {
        this.load = load;
    }

    /**
     * Before the peer consumer attaches, position 1's length is set beyond the maximum and position
     * 2's sequence far ahead; messages 5 (a payload byte flipped) and 6 (a length its sequence does
     * not give) are well-formed slots with bad messages. The consumer must drop the two slots, count
     * all four as corrupt, take every other message, and at position 10 (slot 2 again, reached while
     * the producer waits) not drop anything again; then see the end of the stream.
     */
    String damagedSlots(Stage stage, boolean singleConsumer) throws InterruptedException {
        Ring ring = stage.create(RingSpec.of(8, 64).singleConsumer(singleConsumer));
        long total = Math.max(64, Math.min(load.count(), 10_000));
        long checksum = 0;
        try (Producer producer = ring.producer()) {
            for (long seq = 0; seq < 4; seq++) {
                checksum += send(producer, seq, 64, stage);
            }
            stage.damage(1, ProtocolOffsets.SLOT_LENGTH, 1 << 30, false);
            stage.damage(2, ProtocolOffsets.SLOT_SEQUENCE, 1L << 40, true);
            checksum -= TrafficPattern.checksum(1, 1) + TrafficPattern.checksum(1, 2);
            stage.startAttached(PEER, false, "--verify", "--size", "64", "--timeout-ms", stage.remainingMillis());
            send(producer, 4, 64, stage);
            checksum += TrafficPattern.checksum(1, 4);
            long index = claim(producer, 64, stage); // message 5, one payload byte flipped
            TrafficPattern.fill(producer.buffer().asSlice(index, 64), 1, 5);
            producer.buffer().set(ValueLayout.JAVA_BYTE, index + 40,
                    (byte) ~producer.buffer().get(ValueLayout.JAVA_BYTE, index + 40));
            producer.commit();
            send(producer, 6, 48, stage); // intact, but 48 bytes where --size 64 says 64
            for (long seq = 7; seq < 10; seq++) {
                checksum += send(producer, seq, 64, stage);
            }
            // position 10 is slot 2 again: let the consumer wait there before anything is claimed
            while (ring.depth() > 0) {
                stage.expectRunning(stage.last(), "took positions 0 to 9");
                Thread.sleep(1);
            }
            Thread.sleep(100);
            for (long seq = 10; seq < total; seq++) {
                checksum += send(producer, seq, 64, stage);
            }
        }
        ring.closeForWriting();
        Program consumer = stage.last();
        stage.awaitExit(consumer);
        ConsumerSummary summary = consumer.consumerSummary();
        check(summary.received() == total && summary.corrupt() == 4 && summary.lost() == 4 && summary.duplicated() == 0
                        && summary.outOfOrder() == 0 && summary.checksum() == checksum,
                String.format(Locale.ROOT, "the peer consumer reports %s; expected received=%d lost=4 duplicated=0 "
                        + "out_of_order=0 corrupt=4 checksum=%016x (2 damaged slots, 2 bad messages)", summary, total,
                        checksum) + consumer.tail());
        Stage.expectStatus(consumer, 1);
        check(ring.corruptSlots() == 2, "the ring counted " + ring.corruptSlots() + " damaged slots, not 2");
        check(ring.depth() == 0, "the ring still holds " + ring.depth() + " positions after the consumer ended");
        return String.format(Locale.ROOT, "both damaged slots dropped and counted once, both bad messages counted "
                + "corrupt, the other %,d messages intact, end of stream reached, exit status 1", total - 4);
    }

    /** Sends pattern message {@code seq} of producer 1 from this process; returns its checksum. */
    private static long send(Producer producer, long seq, int length, Stage stage) throws InterruptedException {
        long index = claim(producer, length, stage);
        TrafficPattern.fill(producer.buffer().asSlice(index, length), 1, seq);
        producer.commit();
        return TrafficPattern.checksum(1, seq);
    }

    private static long claim(Producer producer, int length, Stage stage) throws InterruptedException {
        long index = producer.claim(length, Duration.ofNanos(Math.max(0, stage.deadline() - System.nanoTime())));
        check(index >= 0, "the peer consumer did not make room in the ring by the scenario's deadline");
        return index;
    }

    /**
     * The slot of position 9 carries a sequence far ahead while it is free: the peer producer must
     * reset it (and count it) rather than wait for ever or write over what it cannot trust.
     */
    String damagedFreeSlot(Stage stage) throws InterruptedException {
        Ring ring = stage.create(RingSpec.of(8, 64));
        long total = Math.max(16, Math.min(load.count(), 10_000));
        TrafficVerifier verifier = new TrafficVerifier(false, total, Streams.FIXED);
        try (Consumer consumer = ring.consumer()) {
            try (Producer producer = ring.producer()) {
                for (int i = 0; i < 8; i++) {
                    producer.send(new byte[16]);
                }
            }
            for (int i = 0; i < 8; i++) {
                consumer.receive(new byte[64], Duration.ofSeconds(5));
            }
            stage.damage(9, ProtocolOffsets.SLOT_SEQUENCE, 5_000_000, true);
            Program producer = stage.start(PEER, true, "--pattern", "--id", "7", "--count", Long.toString(total),
                    "--size", "64", "--timeout-ms", load.idle());
            // the producer must get past position 9 on its own: a consumer there first would drop the slot itself
            while (ring.depth() < 2) {
                stage.expectRunning(producer, "claimed position 9 (it stays at " + (8 + ring.depth())
                        + "): the slot's sequence is ahead of it, and §6.1 says to reset it");
                Thread.sleep(1);
            }
            while (verifier.received() < total) {
                stage.expectRunning(producer, "sent all " + total + " messages (received " + verifier.received() + ")");
                consumer.poll((buffer, index, length) -> verifier.accept(buffer.asSlice(index, length), true), 256,
                        Duration.ofMillis(50));
            }
            stage.awaitExit(producer);
            long sent = checkProducers(List.of(producer), total);
            check(verifier.isClean() && verifier.checksum() == sent && sent == expectedChecksum(7, total),
                    "received " + verifier.summary() + " against the peer's checksum " + String.format("%016x", sent));
        }
        check(ring.corruptSlots() == 1, "the ring counted " + ring.corruptSlots() + " damaged slots, not 1 (§6.1, §6.6: the "
                + "producer that finds it resets it and counts it)");
        return String.format(Locale.ROOT, "the peer reset the slot and counted it; %,d messages received intact", total);
    }
}
