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
import java.lang.foreign.ValueLayout;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
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
        RingSpec spsc = mpmc.singleProducer(true).singleConsumer(true);
        add("peer producer -> C consumer, MPMC ring of 1024 slots",
                s -> stream(s, mpmc, FIXED, List.of(PEER), List.of(C), null, false));
        add("peer producer -> Java consumer, MPMC ring of 2 slots, 16-200 bytes",
                s -> stream(s, tiny, VARIED, List.of(PEER), List.of(JAVA), null, false));
        add("C producer -> peer consumer, MPMC ring of 2 slots, 16-200 bytes",
                s -> stream(s, tiny, VARIED, List.of(C), List.of(PEER), null, false));
        add("Java producer -> peer consumer, MPMC ring of 1024 slots",
                s -> stream(s, mpmc, FIXED, List.of(JAVA), List.of(PEER), null, false));
        add("peer producer -> C consumer, single-producer/single-consumer ring of 1024 slots",
                s -> stream(s, spsc, FIXED, List.of(PEER), List.of(C), null, false));
        add("Java producer -> peer consumer (--count), single-producer/single-consumer ring of 2 slots",
                s -> stream(s, tiny.singleProducer(true).singleConsumer(true), VARIED, List.of(JAVA), List.of(PEER), null,
                        true));
        add("peer + C producers -> peer + Java consumers (--shared), MPMC ring of 64 slots, 16-200 bytes",
                s -> stream(s, RingSpec.of(64, 200), VARIED, List.of(PEER, C), List.of(PEER, JAVA), null, false));
        add("peer producer creates the ring (--create --single-producer --close) -> C + Java consumers (--wait-ms)",
                this::peerCreates);
        add("peer producer creates a single-consumer ring of 2 slots (--create --single-consumer) -> C consumer",
                this::peerCreatesSingleConsumer);
        add("C producer creates a single-consumer ring (--create) -> peer consumer waiting for it (--wait-ms)",
                this::peerWaitsForTheRing);
        add("sleeping peers: C producer -> peer consumer, both --wait-policy sleep, 2 slots",
                s -> stream(s, tiny, VARIED, List.of(C), List.of(PEER), "sleep", false));
        add("sleeping peers: peer producer -> Java consumer, both --wait-policy sleep, 2 slots",
                s -> stream(s, tiny, VARIED, List.of(PEER), List.of(JAVA), "sleep", false));
        add("SIGKILL: the peer consumer dies holding a message; the C producer frees its slot, a Java consumer goes on",
                s -> consumerKilled(s, PEER, JAVA, C));
        add("SIGKILL: a C consumer dies holding a message; the peer producer frees its slot, a Java consumer goes on",
                s -> consumerKilled(s, C, JAVA, PEER));
        add("SIGKILL: the peer producer dies between claim and publish; a Java consumer skips it, a C producer goes on",
                s -> producerKilled(s, PEER, C, JAVA));
        add("SIGKILL: a C producer dies between claim and publish; the peer consumer skips it, a Java producer goes on",
                s -> producerKilled(s, C, JAVA, PEER));
        add("SIGKILL: in a single-consumer ring a C consumer dies holding messages; the peer consumer takes over",
                s -> singleConsumerTakeOver(s, C, PEER));
        add("SIGKILL: in a single-consumer ring the peer consumer dies holding messages; a Java consumer takes over",
                s -> singleConsumerTakeOver(s, PEER, JAVA));
        add("damaged slots (a forged sequence, a length beyond the maximum) and bad messages -> peer consumer, MPMC ring "
                + "of 8 slots", s -> damagedSlots(s, false));
        add("damaged slots and bad messages -> peer consumer, single-consumer ring of 8 slots (nothing dropped again a "
                + "lap later)", s -> damagedSlots(s, true));
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
            try {
                Files.deleteIfExists(directory);
            } catch (IOException e) {
                // a temporary directory left empty
            }
        }, "conformance-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C leaves no program running and no ring behind
        try (Signals signals = new Signals()) {
            int index = 0;
            for (Scenario scenario : scenarios) {
                index++;
                if (!options.selected().test(scenario.name())) {
                    continue;
                }
                String ring = "/pshm-conformance-" + ProcessHandle.current().pid() + "-" + index;
                long start = System.nanoTime();
                String verdict;
                try (Stage stage = new Stage(programs, signals, ring, directory, scenarioLimit())) {
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
     * intact; the summaries must agree with what was sent, and a peer's with its peer-table entry.
     */
    private String stream(Stage stage, RingSpec spec, SizeRange sizes, List<Side> producerSides, List<Side> consumerSides,
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
                flags.addAll(List.of("--count", Long.toString(count())));
            }
            if (waitPolicy != null) {
                flags.addAll(List.of("--wait-policy", waitPolicy));
            }
            consumerEntries.add(stage.startAttached(side, false, flags.toArray(String[]::new)));
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
        long sent = count() * producers.size();
        check(received == sent, String.format(Locale.ROOT, "%,d sent but %,d received (%s)", sent, received,
                String.join(", ", shares)));
        check(receivedChecksum == expected, String.format("the consumers' checksums add up to %016x, the messages sent "
                + "to %016x (%s)", receivedChecksum, expected, String.join(", ", shares)));
        checkDrained(ring);
        for (int i = 0; i < producerSides.size(); i++) {
            if (producerSides.get(i) == PEER) {
                checkEntryCount(stage, stage.entryOf(producers.get(i), true), producers.get(i).producerSummary().sent());
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

    /** A peer's entry counts what its summary says it sent or received (§3.4 {@code messages}). */
    private static void checkEntryCount(Stage stage, int entry, long summarised) {
        long counted = stage.entry(entry).messages();
        check(counted == summarised, String.format(Locale.ROOT, "the peer's summary says %,d messages, its peer-table entry "
                + "(§3.4 messages) %,d", summarised, counted));
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

    /** Fails unless every consumer exited 0, clean; returns their summaries. */
    private static List<ConsumerSummary> cleanConsumers(List<Program> consumers) {
        List<ConsumerSummary> summaries = new ArrayList<>();
        for (Program consumer : consumers) {
            ConsumerSummary summary = consumer.consumerSummary();
            check(summary.clean(), "the " + consumer.label() + " reports " + summary + consumer.tail());
            Stage.expectStatus(consumer, 0);
            summaries.add(summary);
        }
        return summaries;
    }

    // ---- the peer creates, or waits for, the ring -------------------------------------------------

    /** The peer creates the ring with flags of its own and closes it; the C and Java consumers wait for it. */
    private String peerCreates(Stage stage) throws InterruptedException {
        SizeRange sizes = new SizeRange(16, 256);
        String[] consumerFlags = {"--wait-ms", "30000", "--verify", "--shared", "--size", sizes.toString(), "--timeout-ms",
                stage.remainingMillis()};
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
        check(made.slotCount() == 16 && made.maxMessageSize() == 256 && made.singleProducer() && !made.singleConsumer(),
                String.format("the ring has %d slots of up to %d bytes, single producer %b, single consumer %b; asked: 16, "
                        + "256, true, false", made.slotCount(), made.maxMessageSize(), made.singleProducer(),
                        made.singleConsumer()));
        check(made.state() == RingSnapshot.State.CLOSED, "--close left the ring " + made.state());
        checkMode(stage.name());
        List<ConsumerSummary> both = cleanConsumers(List.of(c, java));
        check(both.get(0).received() + both.get(1).received() == count()
                        && both.get(0).checksum() + both.get(1).checksum() == sent,
                String.format(Locale.ROOT, "%,d sent, but C received %,d and Java %,d, checksums %016x + %016x against %016x",
                        count(), both.get(0).received(), both.get(1).received(), both.get(0).checksum(),
                        both.get(1).checksum(), sent));
        checkDrained(ring);
        return String.format(Locale.ROOT, "the C and Java consumers opened the peer's ring, which has the geometry and "
                + "mode asked; %,d sent, received by C %,d + Java %,d, each once and intact; closed by the peer", count(),
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
    private String peerCreatesSingleConsumer(Stage stage) throws InterruptedException {
        Program c = stage.start(C, false, "--wait-ms", "30000", "--verify", "--size", "16-200", "--timeout-ms",
                stage.remainingMillis());
        Program peer = stage.start(PEER, true, "--create", "--slots", "2", "--max-size", "200", "--single-consumer",
                "--close", "--pattern", "--id", "6", "--count", Long.toString(count()), "--size", "16-200",
                "--timeout-ms", idle());
        stage.awaitExit(peer, c);
        long sent = checkProducers(List.of(peer), count());
        RingSnapshot made = Ring.inspect(stage.name());
        check(made.slotCount() == 2 && made.singleConsumer() && !made.singleProducer(), String.format("the ring has %d "
                + "slots, single consumer %b, single producer %b; asked: 2, true, false", made.slotCount(),
                made.singleConsumer(), made.singleProducer()));
        ConsumerSummary summary = cleanConsumers(List.of(c)).getFirst();
        check(summary.received() == count() && summary.checksum() == sent && sent == expectedChecksum(6, count()),
                "the C consumer reports " + summary + " for " + count() + " messages of checksum "
                        + String.format("%016x", expectedChecksum(6, count())));
        return String.format(Locale.ROOT, "the C consumer received all %,d messages of the peer's 2-slot ring once, intact",
                count());
    }

    /** The peer consumer starts before the ring exists and attaches once the C producer made it. */
    private String peerWaitsForTheRing(Stage stage) throws InterruptedException {
        Program consumer = stage.start(PEER, false, "--wait-ms", "30000", "--verify", "--size", "64", "--timeout-ms",
                stage.remainingMillis());
        Thread.sleep(1500); // the peer looks for a ring that is not there yet (a JVM has started by now)
        stage.expectRunning(consumer, "saw the ring: it does not exist yet, and --wait-ms 30000 says to wait for it");
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

    /** Producer positions claimed and not published: its intent's slots below the tail without p + 1. */
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
    private String consumerKilled(Stage stage, Side victimSide, Side survivorSide, Side producerSide)
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
    private String producerKilled(Stage stage, Side victimSide, Side otherSide, Side consumerSide)
            throws InterruptedException {
        long total = count();
        Ring ring = stage.create(RingSpec.of(64, 64));
        stage.startAttached(consumerSide, false, "--verify", "--size", "64", "--timeout-ms", stage.remainingMillis());
        Program consumer = stage.last();
        // the victim is the only producer until it dies, so that the positions its intent shows are its own
        PeerInfo entry = stage.startAttached(victimSide, true, "--pattern", "--id", "11", "--count", ENDLESS,
                "--size", "64", "--timeout-ms", idle());
        Program victim = stage.last();
        long[] held = new long[1];
        Stage.Entry dead = killHolding(stage, entry, victim, consumer, e -> claimedUnpublished(stage, e), held);
        Program other = stage.start(otherSide, true, "--pattern", "--id", "12", "--count", Long.toString(total),
                "--size", "64", "--timeout-ms", idle());
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
    private String singleConsumerTakeOver(Stage stage, Side victimSide, Side successorSide) throws InterruptedException {
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

    // ---- damaged slots --------------------------------------------------------------------------

    /**
     * Before the peer consumer attaches, position 1's length is set beyond the maximum and position
     * 2's sequence far ahead; messages 5 (a payload byte flipped) and 6 (a length its sequence does
     * not give) are well-formed slots with bad messages. The consumer must drop the two slots, count
     * all four as corrupt, take every other message, and at position 10 (slot 2 again, reached while
     * the producer waits) not drop anything again; then see the end of the stream.
     */
    private String damagedSlots(Stage stage, boolean singleConsumer) throws InterruptedException {
        Ring ring = stage.create(RingSpec.of(8, 64).singleConsumer(singleConsumer));
        long total = Math.max(64, Math.min(count(), 10_000));
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
