// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.conformance;

import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.PeerInfo;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.tools.conformance.Program.ConsumerSummary;
import io.github.panamashm.tools.conformance.Program.ProducerSummary;
import io.github.panamashm.tools.conformance.Programs.Side;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import static io.github.panamashm.tools.conformance.Checks.checkDrained;
import static io.github.panamashm.tools.conformance.Checks.checkProducers;
import static io.github.panamashm.tools.conformance.Checks.cleanConsumers;
import static io.github.panamashm.tools.conformance.Checks.expectedChecksum;
import static io.github.panamashm.tools.conformance.Failure.check;
import static io.github.panamashm.tools.conformance.Programs.Side.C;

/** Peers SIGKILLed while they hold positions, and the recovery and accounting the others owe. */
final class Kills {

    private final Load load;

    Kills(Load load) {
        this.load = load;
    }

    /** How often a victim is stopped, at most, to be caught holding a position. */
    private static final int STOPS = 20_000;

    /** A stream that goes on until the harness stops it, so that a kill lands in the middle of it. */
    private static final String ENDLESS = "1000000000";

    /**
     * Once the consumer that goes on has received some messages, stops the endless producer with
     * SIGTERM (§12: it stops, prints its summary, exits 1) and returns what it sent, checked
     * against its checksum.
     */
    private static long stopProducer(Stage stage, Program producer, PeerInfo consumerEntry, Program consumer)
            throws InterruptedException {
        awaitMessages(stage, consumerEntry, consumer, producer, 1000);
        producer.terminate(stage.signals());
        stage.awaitExit(producer);
        ProducerSummary summary = producer.producerSummary();
        Stage.expectStatus(producer, 1);
        check(summary.checksum() == expectedChecksum(1, summary.sent()), String.format(Locale.ROOT, "the %s's checksum "
                + "%016x is not that of the %,d messages it says it sent", producer.label(), summary.checksum(),
                summary.sent()));
        return summary.sent();
    }

    /** What a stopped peer must be holding for its kill to leave work for the others. */
    @FunctionalInterface
    private interface Holding {
        /** How many positions it holds, 0 if none. */
        long positions(Stage.Entry entry);
    }

    /**
     * Stops the victim (SIGSTOP) at random moments until it holds positions, then SIGKILLs it, while
     * the stream goes on; returns its entry as it died and how many positions it held.
     */
    private static Stage.Entry killHolding(Stage stage, PeerInfo entry, Program victim, Program stream, Holding holding,
                                           long[] held) throws InterruptedException {
        awaitMessages(stage, entry, victim, stream, 1000);
        for (int attempt = 0; attempt < STOPS; attempt++) {
            stage.expectRunning(victim, "was caught holding a position, after " + attempt + " stops");
            stage.expectRunning(stream, "saw the victim caught holding a position (the stream ended first: try a larger "
                    + "--count)");
            victim.stop(stage.signals());
            Stage.Entry now = stage.entry(entry.index());
            long positions = holding.positions(now);
            if (positions > 0) {
                victim.kill();
                stage.awaitExit(victim);
                held[0] = positions;
                awaitDeadEntry(stage, entry);
                return stage.entry(entry.index());
            }
            victim.resume(stage.signals());
            Thread.sleep(0, ThreadLocalRandom.current().nextInt(1_000_000));
        }
        throw new Failure("the " + victim.label() + " was never caught holding a position in " + STOPS + " stops");
    }

    /** Consumer positions taken and not released: its intent's published slots below the head (MPMC). */
    private static long takenUnreleased(Stage stage, Stage.Entry entry) {
        long held = 0;
        long head = stage.cursor(ProtocolOffsets.HEAD);
        for (long p = entry.claimStart(); p < entry.claimEnd() && p < head; p++) {
            if (stage.sequence(p) == p + 1) {
                held++;
            }
        }
        return held;
    }

    /**
     * Producer positions claimed and not published: its intent's slots below the tail without p + 1. For
     * multi-producer rings, where an intent is one claim (a single producer's covers every position from
     * its attach on, §9.2 rule 5).
     */
    private static long claimedUnpublished(Stage stage, Stage.Entry entry) {
        long held = 0;
        long tail = stage.cursor(ProtocolOffsets.TAIL);
        if (tail < entry.claimEnd()) {
            return 0; // recorded, not yet claimed (or another producer's move of the tail)
        }
        for (long p = entry.claimStart(); p < entry.claimEnd(); p++) {
            if (stage.sequence(p) == p) { // still the free value: claimed, not published (§3.5)
                held++;
            }
        }
        return held;
    }

    /**
     * A consumer is SIGKILLed holding a message it took; another consumer goes on. The producer must
     * give the slot back (§9.4) and count it lost; whatever the survivor did not get, the victim took:
     * its entry's count plus what was counted lost, give or take its last batch (its count is
     * stored after or before its release, §6.2).
     */
    String consumerKilled(Stage stage, Side victimSide, Side survivorSide, Side producerSide)
            throws InterruptedException {
        Ring ring = stage.create(RingSpec.of(64, 64));
        String[] flags = {"--verify", "--shared", "--size", "64", "--timeout-ms", stage.remainingMillis()};
        // the victim is the only consumer until it dies, so that the positions its intent shows are its own
        PeerInfo entry = stage.startAttached(victimSide, false, flags);
        Program victim = stage.last();
        Program producer = stage.start(producerSide, true, "--pattern", "--id", "1", "--count", ENDLESS, "--size", "64",
                "--timeout-ms", stage.remainingMillis());
        long[] held = new long[1];
        Stage.Entry dead = killHolding(stage, entry, victim, producer, e -> takenUnreleased(stage, e), held);
        GoneOn after = goOnWithout(stage, ring, producer, survivorSide, flags);
        Program survivor = after.consumer();
        ConsumerSummary summary = after.summary();
        long total = after.total();
        long lost = ring.lostInConsumers();
        check(lost == held[0], String.format(Locale.ROOT, "the victim held %d taken slots when it died, and %d were given "
                + "back as lost (§9.4)", held[0], lost));
        long missing = total - summary.received();
        long lag = missing - dead.messages() - lost;
        String accounting = String.format(Locale.ROOT, "%s received %,d + the dead %s's count %,d + lost in it %,d = %,d "
                + "of %,d", survivor.label(), summary.received(), victim.label(), dead.messages(), lost,
                summary.received() + dead.messages() + lost, total);
        check(Math.abs(lag) <= dead.intentSize(), accounting + ": the difference, " + lag + ", exceeds its last take ("
                + dead.intentSize() + " positions)");
        checkDrained(ring);
        return String.format(Locale.ROOT, "killed holding %d slot%s after %,d messages; %s%s", held[0],
                held[0] == 1 ? "" : "s", dead.messages(), accounting,
                lag == 0 ? " exactly" : " (" + lag + ": its count and its release of its last take, §6.2)");
    }

    /**
     * A producer is SIGKILLed between its claim and its publication; another producer goes on. The
     * consumer must skip the positions it held (§9.3), not wait for them for ever, and receive a
     * gap-free prefix of its stream: every message it counted, plus what it published and did not
     * count yet, with the positions given up as abandoned making up its last claim.
     */
    String producerKilled(Stage stage, Side victimSide, Side otherSide, Side consumerSide)
            throws InterruptedException {
        long total = load.count();
        Ring ring = stage.create(RingSpec.of(64, 64));
        stage.startAttached(consumerSide, false, "--verify", "--size", "64", "--timeout-ms", stage.remainingMillis());
        Program consumer = stage.last();
        // the victim is the only producer until it dies, so that the positions its intent shows are its own
        PeerInfo entry = stage.startAttached(victimSide, true, "--pattern", "--id", "11", "--count", ENDLESS,
                "--size", "64", "--timeout-ms", load.idle());
        Program victim = stage.last();
        long[] held = new long[1];
        Stage.Entry dead = killHolding(stage, entry, victim, consumer, e -> claimedUnpublished(stage, e), held);
        Program other = stage.start(otherSide, true, "--pattern", "--id", "12", "--count", Long.toString(total),
                "--size", "64", "--timeout-ms", load.idle());
        stage.awaitExit(other);
        long otherChecksum = checkProducers(List.of(other), total);
        ring.closeForWriting();
        stage.awaitExit(consumer);
        ConsumerSummary summary = cleanConsumers(List.of(consumer)).getFirst();
        long fromVictim = summary.received() - total;
        long abandoned = ring.abandonedByProducers();
        long unaccounted = fromVictim - dead.messages() + abandoned;
        check(fromVictim >= dead.messages() && (unaccounted == 0 || unaccounted == dead.intentSize()),
                String.format(Locale.ROOT, "the dead %s counted %,d messages and its last claim was %d positions; the %s "
                        + "received %,d of its messages and %,d positions were given up as abandoned", victim.label(),
                        dead.messages(), dead.intentSize(), consumer.label(), fromVictim, abandoned));
        check(abandoned >= 1, "the victim held " + held[0] + " claimed positions when it died, but none was skipped "
                + "as abandoned (§9.3)");
        long expected = otherChecksum + expectedChecksum(11, fromVictim);
        check(summary.checksum() == expected, String.format("the %s's checksum %016x is not that of the %s's messages and "
                + "the victim's first %d (%016x)", consumer.label(), summary.checksum(), other.label(), fromVictim, expected));
        checkDrained(ring);
        return String.format(Locale.ROOT, "killed holding %d claimed position%s after %,d messages; the %s skipped %d "
                        + "abandoned, received the victim's first %,d and the %s's %,d, intact, checksums equal", held[0],
                held[0] == 1 ? "" : "s", dead.messages(), consumer.label(), abandoned, fromVictim, other.label(), total);
    }

    /**
     * In a single-consumer ring the consumer is SIGKILLed holding messages ([released, head) not
     * empty); a new consumer takes over (§9.4): it counts them lost, gives their slots back and
     * receives the rest, so that its count + the dead one's + the lost = what was sent, exactly.
     */
    String singleConsumerTakeOver(Stage stage, Side victimSide, Side successorSide) throws InterruptedException {
        Ring ring = stage.create(RingSpec.of(64, 64).singleConsumer(true));
        PeerInfo entry = stage.startAttached(victimSide, false, "--verify", "--size", "64", "--timeout-ms",
                stage.remainingMillis());
        Program victim = stage.last();
        Program producer = stage.start(C, true, "--pattern", "--id", "1", "--count", ENDLESS, "--size", "64",
                "--timeout-ms", stage.remainingMillis());
        long[] held = new long[1];
        Stage.Entry dead = killHolding(stage, entry, victim, producer,
                e -> stage.cursor(ProtocolOffsets.HEAD) - stage.cursor(ProtocolOffsets.RELEASED), held);
        GoneOn after = goOnWithout(stage, ring, producer, successorSide, "--verify", "--shared", "--size", "64",
                "--timeout-ms", stage.remainingMillis());
        Program successor = after.consumer();
        ConsumerSummary summary = after.summary();
        long total = after.total();
        long lost = ring.lostInConsumers();
        check(lost == held[0], String.format(Locale.ROOT, "the dead consumer held %d messages ([released, head)), and the "
                + "take-over counted %d lost", held[0], lost));
        long accounted = summary.received() + dead.messages() + lost;
        check(accounted == total, String.format(Locale.ROOT, "the %s received %,d + the dead %s's count %,d + lost %,d = "
                + "%,d, not %,d", successor.label(), summary.received(), victim.label(), dead.messages(), lost, accounted,
                total));
        checkDrained(ring);
        return String.format(Locale.ROOT, "killed holding %d message%s after %,d; the %s took over: received %,d + %,d "
                + "+ lost %,d = %,d exactly", held[0], held[0] == 1 ? "" : "s", dead.messages(), successor.label(),
                summary.received(),
                dead.messages(), lost, total);
    }

    /** What the consumer that went on after a death received, of how many the producer sent. */
    private record GoneOn(Program consumer, ConsumerSummary summary, long total) {
    }

    /**
     * After a consumer died: starts the one that goes on, stops the endless producer once that one
     * has received some, closes the ring, and returns what it received (clean, status 0).
     */
    private static GoneOn goOnWithout(Stage stage, Ring ring, Program producer, Side side, String... flags)
            throws InterruptedException {
        PeerInfo entry = stage.startAttached(side, false, flags);
        Program consumer = stage.last();
        long total = stopProducer(stage, producer, entry, consumer);
        ring.closeForWriting();
        stage.awaitExit(consumer);
        return new GoneOn(consumer, cleanConsumers(List.of(consumer)).getFirst(), total);
    }

    /** Waits until the peer's entry counts {@code threshold} messages, while the stream is still going. */
    private static void awaitMessages(Stage stage, PeerInfo entry, Program peer, Program stream, long threshold)
            throws InterruptedException {
        while (stage.entry(entry.index()).messages() < threshold) {
            stage.expectRunning(peer, "counted " + threshold + " messages in its peer-table entry (§3.4 messages)");
            stage.expectRunning(stream, "seen the " + peer.label() + " count " + threshold + " messages");
            Thread.sleep(1);
        }
    }

    /** The killed peer's entry must read as dead (its OFD lock went with its process) within a few seconds. */
    private static void awaitDeadEntry(Stage stage, PeerInfo entry) throws InterruptedException {
        Ring ring = stage.open();
        long until = Math.min(stage.deadline(), System.nanoTime() + Duration.ofSeconds(5).toNanos());
        while (ring.peers().stream().anyMatch(p -> p.index() == entry.index() && p.alive())) {
            check(System.nanoTime() - until < 0, "peer-table entry " + entry.index() + " still reads as alive 5 s after "
                    + "its process was killed: the peer does not hold the entry's lock (§5.3)");
            Thread.sleep(5);
        }
    }
}
