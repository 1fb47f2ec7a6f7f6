// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.conformance;

import io.github.panamashm.ring.PeerInfo;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSnapshot;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.tools.conformance.Program.ConsumerSummary;
import io.github.panamashm.tools.conformance.Programs.Side;
import io.github.panamashm.tools.traffic.SizeRange;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static io.github.panamashm.tools.conformance.Checks.checkDrained;
import static io.github.panamashm.tools.conformance.Checks.checkEntryCount;
import static io.github.panamashm.tools.conformance.Checks.checkProducers;
import static io.github.panamashm.tools.conformance.Checks.cleanConsumers;
import static io.github.panamashm.tools.conformance.Checks.expectedChecksum;
import static io.github.panamashm.tools.conformance.Failure.check;
import static io.github.panamashm.tools.conformance.Programs.Side.C;
import static io.github.panamashm.tools.conformance.Programs.Side.JAVA;
import static io.github.panamashm.tools.conformance.Programs.Side.PEER;

/** Streams between the peer and the C and Java programs, and rings the peer creates or waits for. */
final class Streams {

    /** 64-byte messages. */
    static final SizeRange FIXED = new SizeRange(64, 64);
    /** Lengths from 16 to 200 bytes, as the pattern's length function picks them. */
    static final SizeRange VARIED = new SizeRange(16, 200);

    private final Load load;

    Streams(Load load) {
        this.load = load;
    }

    /**
     * Producers send {@link #load.count()} pattern messages each (ids 1, 2, ...) to the consumers, which
     * verify them; the ring is closed once the producers are done. Every message must arrive once,
     * intact; the summaries must agree with what was sent, and a peer's with its peer-table entry.
     */
    String stream(Stage stage, RingSpec spec, SizeRange sizes, List<Side> producerSides, List<Side> consumerSides,
                          String waitPolicy, boolean consumerCount) throws InterruptedException {
        Ring ring = stage.create(spec);
        boolean shared = consumerSides.size() > 1;
        List<Program> consumers = new ArrayList<>();
        List<PeerInfo> consumerEntries = new ArrayList<>();
        for (Side side : consumerSides) {
            List<String> flags = new ArrayList<>(List.of("--verify", "--size", sizes.toString(), "--timeout-ms",
                    stage.remainingMillis()));
            if (shared) {
                flags.add("--shared");
            }
            if (consumerCount) {
                flags.addAll(List.of("--count", Long.toString(load.count())));
            }
            if (waitPolicy != null) {
                flags.addAll(List.of("--wait-policy", waitPolicy));
            }
            consumerEntries.add(stage.startAttached(side, false, flags.toArray(String[]::new)));
            consumers.add(stage.last());
        }
        if (shared) {
            stage.awaitConsumersAsleep(consumers.size(), Duration.ofSeconds(2)); // each must get its share
        }
        List<Program> producers = new ArrayList<>();
        List<Integer> producerEntries = new ArrayList<>();
        long expected = 0;
        for (int i = 0; i < producerSides.size(); i++) {
            int id = i + 1;
            List<String> flags = new ArrayList<>(List.of("--pattern", "--id", Integer.toString(id), "--count",
                    Long.toString(load.count()), "--size", sizes.toString(), "--timeout-ms", load.idle()));
            if (waitPolicy != null) {
                flags.addAll(List.of("--wait-policy", waitPolicy));
            }
            Program producer = stage.start(producerSides.get(i), true, flags.toArray(String[]::new));
            producers.add(producer);
            // before the next producer attaches, which could take the entry of one that already finished
            producerEntries.add(producerSides.get(i) == PEER ? stage.awaitEntry(producer, true) : -1);
            expected += expectedChecksum(id, load.count());
        }
        stage.awaitExit(producers.toArray(Program[]::new));
        long sentChecksum = checkProducers(producers, load.count());
        check(sentChecksum == expected, String.format("the producers' checksums add up to %016x, but the messages "
                + "they were asked to send add up to %016x", sentChecksum, expected));
        ring.closeForWriting();
        stage.awaitExit(consumers.toArray(Program[]::new));
        long received = 0;
        long receivedChecksum = 0;
        List<String> shares = new ArrayList<>();
        for (int i = 0; i < consumers.size(); i++) {
            Program consumer = consumers.get(i);
            ConsumerSummary summary = consumer.consumerSummary();
            check(summary.clean(), "the " + consumer.label() + " reports " + summary + consumer.tail());
            Stage.expectStatus(consumer, 0);
            check(!shared || summary.received() > 0, "the " + consumer.label() + " took no message of the shared stream");
            received += summary.received();
            receivedChecksum += summary.checksum();
            shares.add(String.format(Locale.ROOT, "%s %,d", consumer.label(), summary.received()));
        }
        long sent = load.count() * producers.size();
        check(received == sent, String.format(Locale.ROOT, "%,d sent but %,d received (%s)", sent, received,
                String.join(", ", shares)));
        check(receivedChecksum == expected, String.format("the consumers' checksums add up to %016x, the messages sent "
                + "to %016x (%s)", receivedChecksum, expected, String.join(", ", shares)));
        checkDrained(ring);
        for (int i = 0; i < producerSides.size(); i++) {
            if (producerSides.get(i) == PEER) {
                int entry = producerEntries.get(i) >= 0 ? producerEntries.get(i) : stage.entryOf(producers.get(i), true);
                checkEntryCount(stage, entry, producers.get(i).producerSummary().sent());
            }
        }
        for (int i = 0; i < consumerSides.size(); i++) {
            if (consumerSides.get(i) == PEER) {
                checkEntryCount(stage, consumerEntries.get(i).index(), consumers.get(i).consumerSummary().received());
            }
        }
        String evidence = String.format(Locale.ROOT, "%,d sent, received by %s, each once and intact, checksums equal",
                sent, String.join(" + ", shares));
        if ("sleep".equals(waitPolicy)) {
            check(ring.dataPosts() > 0 && ring.spacePosts() > 0, "nobody slept: the data doorbell was rung "
                    + ring.dataPosts() + " times, the space doorbell " + ring.spacePosts() + " times");
            evidence += String.format(Locale.ROOT, "; consumers woken %,d times, producers %,d times",
                    ring.dataPosts(), ring.spacePosts());
        }
        return evidence;
    }

    /** The peer creates the ring with flags of its own and closes it; the C and Java consumers wait for it. */
    String peerCreates(Stage stage) throws InterruptedException {
        SizeRange sizes = new SizeRange(16, 256);
        String[] consumerFlags = {"--wait-ms", "30000", "--verify", "--shared", "--size", sizes.toString(), "--timeout-ms",
                stage.remainingMillis()};
        Program c = stage.start(C, false, consumerFlags);
        Program java = stage.start(JAVA, false, consumerFlags);
        Program peer = stage.start(PEER, true, "--create", "--slots", "16", "--max-size", "256", "--single-producer",
                "--close", "--pattern", "--id", "5", "--count", Long.toString(load.count()), "--size", sizes.toString(),
                "--timeout-ms", load.idle());
        stage.awaitExit(peer);
        long sent = checkProducers(List.of(peer), load.count());
        check(sent == expectedChecksum(5, load.count()), String.format("the peer producer's checksum %016x is not that of the "
                + "messages it was asked to send", sent));
        stage.awaitExit(c, java);
        Ring ring = stage.open();
        RingSnapshot made = Ring.inspect(stage.name());
        check(made.slotCount() == 16 && made.maxMessageSize() == 256 && made.singleProducer() && !made.singleConsumer(),
                String.format("the ring has %d slots of up to %d bytes, single producer %b, single consumer %b; asked: 16, "
                        + "256, true, false", made.slotCount(), made.maxMessageSize(), made.singleProducer(),
                        made.singleConsumer()));
        check(made.state() == RingSnapshot.State.CLOSED, "--close left the ring " + made.state());
        checkMode(stage.name());
        List<ConsumerSummary> both = cleanConsumers(List.of(c, java));
        check(both.get(0).received() + both.get(1).received() == load.count()
                        && both.get(0).checksum() + both.get(1).checksum() == sent,
                String.format(Locale.ROOT, "%,d sent, but C received %,d and Java %,d, checksums %016x + %016x against %016x",
                        load.count(), both.get(0).received(), both.get(1).received(), both.get(0).checksum(),
                        both.get(1).checksum(), sent));
        checkDrained(ring);
        return String.format(Locale.ROOT, "the C and Java consumers opened the peer's ring, which has the geometry and "
                + "mode asked; %,d sent, received by C %,d + Java %,d, each once and intact; closed by the peer", load.count(),
                both.get(0).received(), both.get(1).received());
    }

    /** A ring made without --mode is the creator's alone (§2: 0600). */
    private static void checkMode(String name) {
        Path object = Path.of("/dev/shm", name.substring(1));
        try {
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(object));
            check(mode.equals("rw-------"), "the ring's object has mode " + mode + ", not rw------- (0600, §2)");
        } catch (IOException e) {
            throw new Failure("cannot read the mode of " + object + ": " + e.getMessage());
        }
    }

    /** The peer creates a 2-slot single-consumer ring; the C consumer, started first, waits for it. */
    String peerCreatesSingleConsumer(Stage stage) throws InterruptedException {
        Program c = stage.start(C, false, "--wait-ms", "30000", "--verify", "--size", "16-200", "--timeout-ms",
                stage.remainingMillis());
        Program peer = stage.start(PEER, true, "--create", "--slots", "2", "--max-size", "200", "--single-consumer",
                "--close", "--pattern", "--id", "6", "--count", Long.toString(load.count()), "--size", "16-200",
                "--timeout-ms", load.idle());
        stage.awaitExit(peer, c);
        long sent = checkProducers(List.of(peer), load.count());
        RingSnapshot made = Ring.inspect(stage.name());
        check(made.slotCount() == 2 && made.singleConsumer() && !made.singleProducer(), String.format("the ring has %d "
                + "slots, single consumer %b, single producer %b; asked: 2, true, false", made.slotCount(),
                made.singleConsumer(), made.singleProducer()));
        ConsumerSummary summary = cleanConsumers(List.of(c)).getFirst();
        check(summary.received() == load.count() && summary.checksum() == sent && sent == expectedChecksum(6, load.count()),
                "the C consumer reports " + summary + " for " + load.count() + " messages of checksum "
                        + String.format("%016x", expectedChecksum(6, load.count())));
        return String.format(Locale.ROOT, "the C consumer received all %,d messages of the peer's 2-slot ring once, intact",
                load.count());
    }

    /** The peer consumer starts before the ring exists and attaches once the C producer made it. */
    String peerWaitsForTheRing(Stage stage) throws InterruptedException {
        Program consumer = stage.start(PEER, false, "--wait-ms", "30000", "--verify", "--size", "64", "--timeout-ms",
                stage.remainingMillis());
        Thread.sleep(1500); // the peer looks for a ring that is not there yet (a JVM has started by now)
        stage.expectRunning(consumer, "saw the ring: it does not exist yet, and --wait-ms 30000 says to wait for it");
        Program producer = stage.start(C, true, "--create", "--slots", "64", "--single-consumer", "--close", "--pattern",
                "--id", "3", "--count", Long.toString(load.count()), "--size", "64", "--timeout-ms", load.idle());
        stage.awaitExit(producer, consumer);
        long sent = checkProducers(List.of(producer), load.count());
        ConsumerSummary summary = consumer.consumerSummary();
        check(summary.clean() && summary.received() == load.count() && summary.checksum() == sent,
                "the peer consumer reports " + summary + " for " + load.count() + " messages of checksum "
                        + String.format("%016x", sent) + consumer.tail());
        Stage.expectStatus(consumer, 0);
        return String.format(Locale.ROOT, "the peer waited for the ring, then received all %,d messages once, intact",
                load.count());
    }
}
