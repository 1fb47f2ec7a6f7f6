// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.conformance;

import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.PeerInfo;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSnapshot;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.tools.conformance.Program.ConsumerSummary;
import io.github.panamashm.tools.conformance.Program.ProducerSummary;
import io.github.panamashm.tools.conformance.Programs.Side;
import io.github.panamashm.tools.traffic.SizeRange;
import io.github.panamashm.tools.traffic.TrafficPattern;
import io.github.panamashm.tools.traffic.TrafficVerifier;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static io.github.panamashm.tools.conformance.Failure.check;
import static io.github.panamashm.tools.conformance.Programs.Side.C;
import static io.github.panamashm.tools.conformance.Programs.Side.JAVA;
import static io.github.panamashm.tools.conformance.Programs.Side.PEER;

/**
 * Black-box scenarios that a third-party peer's producer and consumer programs must pass against
 * the project's C and Java programs: both directions, both ring kinds, tiny and roomy rings, shared
 * streams, the peer as creator, sleeping peers, a killed peer, damaged slots. Each scenario prints
 * one {@code PASS} or {@code FAIL} line with its evidence; every ring it makes is removed.
 */
public final class ConformanceSuite {

    /** How a run is shaped: messages per stream, the programs' idle timeout, the scenarios to run. */
    public record Options(long count, Duration idleTimeout, Predicate<String> selected) {
    }

    /** One scenario: its name (what it runs, as a user reads it) and its body, which returns its evidence. */
    private record Scenario(String name, Body body) {
    }

    @FunctionalInterface
    private interface Body {
        String run(Stage stage) throws InterruptedException;
    }

    /** Messages that a killed peer may have taken or sent after the last update of its entry's count. */
    private static final long COUNT_LAG = 256;
    private static final SizeRange FIXED = new SizeRange(64, 64);
    private static final SizeRange VARIED = new SizeRange(16, 200);

    private final Programs programs;
    private final Options options;
    private final List<Scenario> scenarios = new ArrayList<>();

    public ConformanceSuite(Programs programs, Options options) {
        this.programs = programs;
        this.options = options;
        RingSpec mpmc = RingSpec.of(1024, 64);
        RingSpec tiny = RingSpec.of(2, 200);
        add("peer producer -> C consumer, MPMC ring of 1024 slots",
                s -> stream(s, mpmc, FIXED, List.of(PEER), List.of(C), null, false));
        add("peer producer -> Java consumer, MPMC ring of 2 slots, 16-200 bytes",
                s -> stream(s, tiny, VARIED, List.of(PEER), List.of(JAVA), null, false));
        add("C producer -> peer consumer, MPMC ring of 2 slots, 16-200 bytes",
                s -> stream(s, tiny, VARIED, List.of(C), List.of(PEER), null, false));
        add("Java producer -> peer consumer, MPMC ring of 1024 slots",
                s -> stream(s, mpmc, FIXED, List.of(JAVA), List.of(PEER), null, false));
        add("peer producer -> C consumer, single-producer/single-consumer ring of 1024 slots",
                s -> stream(s, mpmc.singleProducer(true).singleConsumer(true), FIXED, List.of(PEER), List.of(C), null, false));
        add("Java producer -> peer consumer (--count), single-producer/single-consumer ring of 2 slots",
                s -> stream(s, tiny.singleProducer(true).singleConsumer(true), VARIED, List.of(JAVA), List.of(PEER), null, true));
        add("peer + C producers -> peer + Java consumers (--shared), MPMC ring of 64 slots, 16-200 bytes",
                s -> stream(s, RingSpec.of(64, 200), VARIED, List.of(PEER, C), List.of(PEER, JAVA), null, false));
        add("peer producer creates the ring (--create --single-producer --close) -> C + Java consumers (--wait-ms)",
                this::peerCreates);
        add("C producer creates a single-consumer ring (--create) -> peer consumer waiting for it (--wait-ms)",
                this::peerWaitsForTheRing);
        add("sleeping peers: C producer -> peer consumer, both --wait-policy sleep, 2 slots",
                s -> stream(s, tiny, VARIED, List.of(C), List.of(PEER), "sleep", false));
        add("sleeping peers: peer producer -> Java consumer, both --wait-policy sleep, 2 slots",
                s -> stream(s, tiny, VARIED, List.of(PEER), List.of(JAVA), "sleep", false));
        add("peer consumer SIGKILLed mid-stream beside a Java consumer (--shared), C producer", this::consumerKilled);
        add("peer producer SIGKILLed mid-stream beside a C producer, Java consumer", this::producerKilled);
        add("damaged slots (a forged sequence, a length beyond the maximum) -> peer consumer, MPMC ring of 8 slots",
                s -> damagedSlots(s, false));
        add("damaged slots -> peer consumer, single-consumer ring of 8 slots (nothing dropped again a lap later)",
                s -> damagedSlots(s, true));
        add("a damaged free slot ahead of the peer producer, MPMC ring of 8 slots", this::damagedFreeSlot);
    }

    private void add(String name, Body body) {
        scenarios.add(new Scenario(name, body));
    }

    /** Every scenario's name, in the order they run. */
    public List<String> names() {
        return scenarios.stream().map(Scenario::name).toList();
    }

    /**
     * Runs the selected scenarios, one line each, then {@code N passed, N failed}.
     *
     * @return the number that failed
     */
    public int run(PrintWriter out) throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory("panama-shm-conformance");
        int passed = 0;
        int failed = 0;
        AtomicReference<Stage> current = new AtomicReference<>();
        Thread cleanup = new Thread(() -> {
            Stage stage = current.get();
            if (stage != null) {
                stage.abort();
            }
        }, "conformance-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C leaves no program running and no ring behind
        try {
            int index = 0;
            for (Scenario scenario : scenarios) {
                index++;
                if (!options.selected().test(scenario.name())) {
                    continue;
                }
                String ring = "/pshm-conformance-" + ProcessHandle.current().pid() + "-" + index;
                long start = System.nanoTime();
                String verdict;
                try (Stage stage = new Stage(programs, ring, directory, scenarioLimit())) {
                    current.set(stage);
                    verdict = "PASS  " + scenario.name() + ": " + scenario.body().run(stage);
                    passed++;
                } catch (Failure e) {
                    verdict = "FAIL  " + scenario.name() + ": " + e.getMessage();
                    failed++;
                } catch (RuntimeException e) { // e.g. a ring the peer made that does not open: evidence too
                    verdict = "FAIL  " + scenario.name() + ": " + e;
                    failed++;
                }
                out.printf(Locale.ROOT, "%s (%.1f s)%n", verdict, (System.nanoTime() - start) / 1e9);
                out.flush();
            }
        } finally {
            current.set(null);
            Runtime.getRuntime().removeShutdownHook(cleanup);
            Files.deleteIfExists(directory);
        }
        out.printf("%d passed, %d failed%n", passed, failed);
        out.flush();
        return failed;
    }

    /** A scenario's whole time: generous, since a peer may be slow; a hang still ends. */
    private Duration scenarioLimit() {
        return Duration.ofSeconds(60).plus(Duration.ofMillis(options.count() / 5)).plus(options.idleTimeout().multipliedBy(2));
    }

    private String idle() {
        return Long.toString(options.idleTimeout().toMillis());
    }

    private long count() {
        return options.count();
    }

    /** The sum of the pattern's checksums of {@code id}'s messages 0 … n−1 (docs/PROTOCOL.md §12). */
    private static long expectedChecksum(int id, long n) {
        long sum = 0;
        for (long seq = 0; seq < n; seq++) {
            sum += TrafficPattern.checksum(id, seq);
        }
        return sum;
    }

    // ---- streams between programs ---------------------------------------------------------------

    /**
     * Producers send {@link #count()} pattern messages each (ids 1, 2, ...) to the consumers, which
     * verify them; the ring is closed once the producers are done. Every message must arrive once,
     * intact, and the summaries must agree with what was sent.
     */
    private String stream(Stage stage, RingSpec spec, SizeRange sizes, List<Side> producerSides, List<Side> consumerSides,
                          String waitPolicy, boolean consumerCount) throws InterruptedException {
        Ring ring = stage.create(spec);
        boolean shared = consumerSides.size() > 1;
        List<Program> consumers = new ArrayList<>();
        for (Side side : consumerSides) {
            List<String> flags = new ArrayList<>(List.of("--verify", "--size", sizes.toString(), "--timeout-ms", idle()));
            if (shared) {
                flags.add("--shared");
            }
            if (consumerCount) {
                flags.addAll(List.of("--count", Long.toString(count())));
            }
            if (waitPolicy != null) {
                flags.addAll(List.of("--wait-policy", waitPolicy));
            }
            stage.startAttached(side, false, flags.toArray(String[]::new));
            consumers.add(stage.last());
        }
        List<Program> producers = new ArrayList<>();
        long expected = 0;
        for (int i = 0; i < producerSides.size(); i++) {
            int id = i + 1;
            List<String> flags = new ArrayList<>(List.of("--pattern", "--id", Integer.toString(id), "--count",
                    Long.toString(count()), "--size", sizes.toString(), "--timeout-ms", idle()));
            if (waitPolicy != null) {
                flags.addAll(List.of("--wait-policy", waitPolicy));
            }
            producers.add(stage.start(producerSides.get(i), true, flags.toArray(String[]::new)));
            expected += expectedChecksum(id, count());
        }
        stage.awaitExit(producers.toArray(Program[]::new));
        long sentChecksum = checkProducers(producers, count());
        check(sentChecksum == expected, String.format("the producers' checksums add up to %016x, but the messages "
                + "they were asked to send add up to %016x", sentChecksum, expected));
        ring.closeForWriting();
        stage.awaitExit(consumers.toArray(Program[]::new));
        long received = 0;
        long receivedChecksum = 0;
        List<String> shares = new ArrayList<>();
        for (Program consumer : consumers) {
            ConsumerSummary summary = consumer.consumerSummary();
            check(summary.clean(), "the " + consumer.label() + " reports " + summary + consumer.tail());
            Stage.expectStatus(consumer, 0);
            received += summary.received();
            receivedChecksum += summary.checksum();
            shares.add(String.format(Locale.ROOT, "%s %,d", consumer.label(), summary.received()));
        }
        long sent = count() * producers.size();
        check(received == sent, String.format(Locale.ROOT, "%,d sent but %,d received (%s)", sent, received,
                String.join(", ", shares)));
        check(receivedChecksum == expected, String.format("the consumers' checksums add up to %016x, the messages sent "
                + "to %016x (%s)", receivedChecksum, expected, String.join(", ", shares)));
        checkDrained(ring);
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

    /** Each producer exited 0 having sent {@code count}; returns the sum of their checksums. */
    private static long checkProducers(List<Program> producers, long count) {
        long checksum = 0;
        for (Program producer : producers) {
            ProducerSummary summary = producer.producerSummary();
            check(summary.sent() == count, String.format(Locale.ROOT, "the %s sent %,d of %,d messages%s",
                    producer.label(), summary.sent(), count, producer.tail()));
            Stage.expectStatus(producer, 0);
            checksum += summary.checksum();
        }
        return checksum;
    }

    /** Nothing left between head and tail, nothing found damaged. */
    private static void checkDrained(Ring ring) {
        check(ring.depth() == 0, "the ring still holds " + ring.depth() + " messages after the consumers ended");
        check(ring.corruptSlots() == 0, "the ring counted " + ring.corruptSlots() + " damaged slots");
    }

    /** The peer creates the ring with flags of its own and closes it; the C and Java consumers wait for it. */
    private String peerCreates(Stage stage) throws InterruptedException {
        SizeRange sizes = new SizeRange(16, 256);
        String[] consumerFlags = {"--wait-ms", "30000", "--verify", "--shared", "--size", sizes.toString(), "--timeout-ms",
                idle()};
        Program c = stage.start(C, false, consumerFlags);
        Program java = stage.start(JAVA, false, consumerFlags);
        Program peer = stage.start(PEER, true, "--create", "--slots", "16", "--max-size", "256", "--single-producer",
                "--close", "--pattern", "--id", "5", "--count", Long.toString(count()), "--size", sizes.toString(),
                "--timeout-ms", idle());
        stage.awaitExit(peer);
        long sent = checkProducers(List.of(peer), count());
        check(sent == expectedChecksum(5, count()), String.format("the peer producer's checksum %016x is not that of the "
                + "messages it was asked to send", sent));
        stage.awaitExit(c, java);
        Ring ring = stage.open();
        RingSnapshot made = Ring.inspect(stage.name());
        check(made.slotCount() == 16 && made.maxMessageSize() >= 256 && made.singleProducer() && !made.singleConsumer(),
                String.format("the ring has %d slots of up to %d bytes, single producer %b, single consumer %b; asked: 16, "
                        + "256, true, false", made.slotCount(), made.maxMessageSize(), made.singleProducer(),
                        made.singleConsumer()));
        check(made.state() == RingSnapshot.State.CLOSED, "--close left the ring " + made.state());
        ConsumerSummary fromC = c.consumerSummary();
        ConsumerSummary fromJava = java.consumerSummary();
        for (Program consumer : List.of(c, java)) {
            check(consumer.consumerSummary().clean(), "the " + consumer.label() + " reports " + consumer.consumerSummary()
                    + consumer.tail());
            Stage.expectStatus(consumer, 0);
        }
        check(fromC.received() + fromJava.received() == count() && fromC.checksum() + fromJava.checksum() == sent,
                String.format(Locale.ROOT, "%,d sent, but C received %,d and Java %,d, checksums %016x + %016x against %016x",
                        count(), fromC.received(), fromJava.received(), fromC.checksum(), fromJava.checksum(), sent));
        checkDrained(ring);
        return String.format(Locale.ROOT, "the C and Java consumers opened the peer's ring, which has the geometry asked; "
                + "%,d sent, received by C %,d + Java %,d, each once and intact; closed by the peer", count(), fromC.received(),
                fromJava.received());
    }

    /** The peer consumer starts before the ring exists and attaches once the C producer made it. */
    private String peerWaitsForTheRing(Stage stage) throws InterruptedException {
        Program consumer = stage.start(PEER, false, "--wait-ms", "30000", "--verify", "--size", "64", "--timeout-ms", idle());
        Thread.sleep(300); // the peer looks for a ring that is not there yet
        Program producer = stage.start(C, true, "--create", "--slots", "64", "--single-consumer", "--close", "--pattern",
                "--id", "3", "--count", Long.toString(count()), "--size", "64", "--timeout-ms", idle());
        stage.awaitExit(producer, consumer);
        long sent = checkProducers(List.of(producer), count());
        ConsumerSummary summary = consumer.consumerSummary();
        check(summary.clean() && summary.received() == count() && summary.checksum() == sent,
                "the peer consumer reports " + summary + " for " + count() + " messages of checksum "
                        + String.format("%016x", sent) + consumer.tail());
        Stage.expectStatus(consumer, 0);
        return String.format(Locale.ROOT, "the peer waited for the ring, then received all %,d messages once, intact",
                count());
    }

    // ---- killed peers ---------------------------------------------------------------------------

    /** A long stream, so that a kill lands in the middle of it. */
    private long killStream() {
        return Math.max(count() * 10, 100_000);
    }

    /**
     * The peer consumer is SIGKILLed while it takes messages beside a Java consumer. Whatever the
     * survivor did not get, the dead peer took: its entry's count, plus what the ring counted lost
     * in it (taken, never released), plus at most what it took after the last update of its count.
     */
    private String consumerKilled(Stage stage) throws InterruptedException {
        long total = killStream();
        Ring ring = stage.create(RingSpec.of(64, 64));
        String[] flags = {"--verify", "--shared", "--size", "64", "--timeout-ms", idle()};
        stage.startAttached(JAVA, false, flags);
        Program survivor = stage.last();
        PeerInfo entry = stage.startAttached(PEER, false, flags);
        Program victim = stage.last();
        Program producer = stage.start(C, true, "--pattern", "--id", "1", "--count", Long.toString(total), "--size", "64",
                "--timeout-ms", idle());
        long before = awaitMessages(stage, entry, victim, producer, total);
        victim.kill();
        stage.awaitExit(victim);
        awaitDeadEntry(stage, ring, entry);
        stage.awaitExit(producer);
        checkProducers(List.of(producer), total);
        ring.closeForWriting();
        stage.awaitExit(survivor);
        ConsumerSummary summary = survivor.consumerSummary();
        check(summary.duplicated() == 0 && summary.outOfOrder() == 0 && summary.corrupt() == 0,
                "the surviving Java consumer reports " + summary + survivor.tail());
        Stage.expectStatus(survivor, 0);
        long taken = stage.messagesOf(entry.index());
        long lost = ring.lostInConsumers();
        long missing = total - summary.received();
        long lag = missing - taken - lost;
        String accounting = String.format(Locale.ROOT, "Java consumer received %,d + the dead peer's count %,d + lost in "
                + "it %,d = %,d of %,d", summary.received(), taken, lost, summary.received() + taken + lost, total);
        check(lag >= 0 && lag <= COUNT_LAG, accounting + ": the difference, " + lag + ", is not what it took after its"
                + " count's last update (0 to " + COUNT_LAG + ")");
        checkDrained(ring);
        return String.format(Locale.ROOT, "killed after about %,d messages; %s%s", before, accounting,
                lag == 0 ? " exactly" : "; " + lag + " taken after its count's last update");
    }

    /**
     * The peer producer is SIGKILLed while it sends beside a C producer. The Java consumer must not
     * hang behind a position the dead peer claimed and must receive a gap-free prefix of its stream
     * at least as long as its entry's count, with the checksums to prove it.
     */
    private String producerKilled(Stage stage) throws InterruptedException {
        long total = killStream();
        Ring ring = stage.create(RingSpec.of(64, 64));
        stage.startAttached(JAVA, false, "--verify", "--size", "64", "--timeout-ms", idle());
        Program consumer = stage.last();
        PeerInfo entry = stage.startAttached(PEER, true, "--pattern", "--id", "11", "--count", Long.toString(total),
                "--size", "64", "--timeout-ms", idle());
        Program victim = stage.last();
        Program other = stage.start(C, true, "--pattern", "--id", "12", "--count", Long.toString(count()), "--size", "64",
                "--timeout-ms", idle());
        long before = awaitMessages(stage, entry, victim, consumer, total);
        victim.kill();
        stage.awaitExit(victim);
        awaitDeadEntry(stage, ring, entry);
        stage.awaitExit(other);
        long otherChecksum = checkProducers(List.of(other), count());
        ring.closeForWriting();
        stage.awaitExit(consumer);
        ConsumerSummary summary = consumer.consumerSummary();
        check(summary.clean(), "the Java consumer reports " + summary + " (a gap in the dead peer's stream is a loss)"
                + consumer.tail());
        Stage.expectStatus(consumer, 0);
        long sent = stage.messagesOf(entry.index());
        long fromVictim = summary.received() - count();
        check(fromVictim >= sent && fromVictim - sent <= COUNT_LAG, String.format(Locale.ROOT, "the dead peer counted %,d "
                + "messages sent, the consumer received %,d of them", sent, fromVictim));
        long expected = otherChecksum + expectedChecksum(11, fromVictim);
        check(summary.checksum() == expected, String.format("the consumer's checksum %016x is not that of the C producer's "
                + "messages and the peer's first %d (%016x)", summary.checksum(), fromVictim, expected));
        checkDrained(ring);
        return String.format(Locale.ROOT, "killed after about %,d messages; the consumer received its first %,d (its count "
                + "said %,d) and the C producer's %,d, intact, checksums equal; positions abandoned: %d", before, fromVictim,
                sent, count(), ring.abandonedByProducers());
    }

    /** Waits until the peer's entry counts a few messages, while the stream is still going. */
    private static long awaitMessages(Stage stage, PeerInfo entry, Program peer, Program counterpart, long total)
            throws InterruptedException {
        long threshold = Math.min(1000, total / 20);
        while (true) {
            long messages = stage.messagesOf(entry.index());
            if (messages >= threshold) {
                return messages;
            }
            stage.expectRunning(peer, "counted " + threshold + " messages in its peer-table entry (§3.4 messages)");
            stage.expectRunning(counterpart, "seen the peer count " + threshold + " messages");
            Thread.sleep(1);
        }
    }

    /** The killed peer's entry must read as dead (its OFD lock went with its process) within a few seconds. */
    private static void awaitDeadEntry(Stage stage, Ring ring, PeerInfo entry) throws InterruptedException {
        long until = Math.min(stage.deadline(), System.nanoTime() + Duration.ofSeconds(5).toNanos());
        while (ring.peers().stream().anyMatch(p -> p.index() == entry.index() && p.alive())) {
            check(System.nanoTime() - until < 0, "peer-table entry " + entry.index() + " still reads as alive 5 s after "
                    + "its process was killed: the peer does not hold the entry's lock (§5.3)");
            Thread.sleep(5);
        }
    }

    // ---- damaged slots --------------------------------------------------------------------------

    /**
     * Before the peer consumer attaches, position 1's length is set beyond the maximum and
     * position 2's sequence far ahead; then more laps of messages follow. The consumer must drop
     * both, count them, take every other message and see the end of the stream.
     */
    private String damagedSlots(Stage stage, boolean singleConsumer) throws InterruptedException {
        Ring ring = stage.create(RingSpec.of(8, 64).singleConsumer(singleConsumer));
        long total = Math.max(4 + 8 * 4, Math.min(count(), 10_000));
        long checksum = 0;
        try (Producer producer = ring.producer()) {
            for (long seq = 0; seq < 4; seq++) {
                checksum += send(producer, seq, stage);
            }
            stage.damage(1, ProtocolOffsets.SLOT_LENGTH, 1 << 30, false);
            stage.damage(2, ProtocolOffsets.SLOT_SEQUENCE, 1L << 40, true);
            checksum -= TrafficPattern.checksum(1, 1) + TrafficPattern.checksum(1, 2);
            stage.startAttached(PEER, false, "--verify", "--size", "64", "--timeout-ms", idle());
            for (long seq = 4; seq < total; seq++) {
                checksum += send(producer, seq, stage);
            }
        }
        ring.closeForWriting();
        Program consumer = stage.last();
        stage.awaitExit(consumer);
        ConsumerSummary summary = consumer.consumerSummary();
        check(summary.received() == total && summary.corrupt() == 2 && summary.lost() == 2 && summary.duplicated() == 0
                        && summary.outOfOrder() == 0 && summary.checksum() == checksum,
                String.format(Locale.ROOT, "the peer consumer reports %s; expected received=%d lost=2 duplicated=0 "
                        + "out_of_order=0 corrupt=2 checksum=%016x", summary, total, checksum) + consumer.tail());
        Stage.expectStatus(consumer, 1);
        check(ring.corruptSlots() == 2, "the ring counted " + ring.corruptSlots() + " damaged slots, not 2");
        check(ring.depth() == 0, "the ring still holds " + ring.depth() + " positions after the consumer ended");
        return String.format(Locale.ROOT, "both damaged slots dropped and counted once, the other %,d messages intact, "
                + "end of stream reached, exit status 1", total - 2);
    }

    /** Sends pattern message {@code seq} of producer 1 from this process; returns its checksum. */
    private static long send(Producer producer, long seq, Stage stage) throws InterruptedException {
        long index = producer.claim(64, Duration.ofNanos(Math.max(0, stage.deadline() - System.nanoTime())));
        check(index >= 0, "the peer consumer did not make room in the ring by the scenario's deadline");
        TrafficPattern.fill(producer.buffer().asSlice(index, 64), 1, seq);
        producer.commit();
        return TrafficPattern.checksum(1, seq);
    }

    /**
     * The slot of position 9 carries a sequence far ahead while it is free: the peer producer must
     * reset it (and count it) rather than wait for ever or write over what it cannot trust.
     */
    private String damagedFreeSlot(Stage stage) throws InterruptedException {
        Ring ring = stage.create(RingSpec.of(8, 64));
        long total = Math.max(16, Math.min(count(), 10_000));
        TrafficVerifier verifier = new TrafficVerifier(false, total, FIXED);
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
                    "--size", "64", "--timeout-ms", idle());
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
