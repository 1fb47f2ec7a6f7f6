// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.conformance;

import io.github.panamashm.ring.RingSpec;

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

    private final Programs programs;
    private final Options options;
    private final List<Scenario> scenarios = new ArrayList<>();

    public ConformanceSuite(Programs programs, Options options) {
        this.programs = programs;
        this.options = options;
        RingSpec mpmc = RingSpec.of(1024, 64);
        RingSpec tiny = RingSpec.of(2, 200);
        RingSpec spsc = mpmc.singleProducer(true).singleConsumer(true);
        Load load = new Load(options.count(), Long.toString(options.idleTimeout().toMillis()));
        Streams streams = new Streams(load);
        Kills kills = new Kills(load);
        Damage damage = new Damage(load);
        add("peer producer -> C consumer, MPMC ring of 1024 slots",
                s -> streams.stream(s, mpmc, Streams.FIXED, List.of(PEER), List.of(C), null, false));
        add("peer producer -> Java consumer, MPMC ring of 2 slots, 16-200 bytes",
                s -> streams.stream(s, tiny, Streams.VARIED, List.of(PEER), List.of(JAVA), null, false));
        add("C producer -> peer consumer, MPMC ring of 2 slots, 16-200 bytes",
                s -> streams.stream(s, tiny, Streams.VARIED, List.of(C), List.of(PEER), null, false));
        add("Java producer -> peer consumer, MPMC ring of 1024 slots",
                s -> streams.stream(s, mpmc, Streams.FIXED, List.of(JAVA), List.of(PEER), null, false));
        add("peer producer -> C consumer, single-producer/single-consumer ring of 1024 slots",
                s -> streams.stream(s, spsc, Streams.FIXED, List.of(PEER), List.of(C), null, false));
        add("Java producer -> peer consumer (--count), single-producer/single-consumer ring of 2 slots",
                s -> streams.stream(s, tiny.singleProducer(true).singleConsumer(true), Streams.VARIED, List.of(JAVA), List.of(PEER), null,
                        true));
        add("peer + C producers -> peer + Java consumers (--shared), MPMC ring of 64 slots, 16-200 bytes",
                s -> streams.stream(s, RingSpec.of(64, 200), Streams.VARIED, List.of(PEER, C), List.of(PEER, JAVA), null, false));
        add("peer producer creates the ring (--create --single-producer --close) -> C + Java consumers (--wait-ms)",
                streams::peerCreates);
        add("peer producer creates a single-consumer ring of 2 slots (--create --single-consumer) -> C consumer",
                streams::peerCreatesSingleConsumer);
        add("C producer creates a single-consumer ring (--create) -> peer consumer waiting for it (--wait-ms)",
                streams::peerWaitsForTheRing);
        add("sleeping peers: C producer -> peer consumer, both --wait-policy sleep, 2 slots",
                s -> streams.stream(s, tiny, Streams.VARIED, List.of(C), List.of(PEER), "sleep", false));
        add("sleeping peers: peer producer -> Java consumer, both --wait-policy sleep, 2 slots",
                s -> streams.stream(s, tiny, Streams.VARIED, List.of(PEER), List.of(JAVA), "sleep", false));
        add("SIGKILL: the peer consumer dies holding a message; the C producer frees its slot, a Java consumer goes on",
                s -> kills.consumerKilled(s, PEER, JAVA, C));
        add("SIGKILL: a C consumer dies holding a message; the peer producer frees its slot, a Java consumer goes on",
                s -> kills.consumerKilled(s, C, JAVA, PEER));
        add("SIGKILL: the peer producer dies between claim and publish; a Java consumer skips it, a C producer goes on",
                s -> kills.producerKilled(s, PEER, C, JAVA));
        add("SIGKILL: a C producer dies between claim and publish; the peer consumer skips it, a Java producer goes on",
                s -> kills.producerKilled(s, C, JAVA, PEER));
        add("SIGKILL: in a single-consumer ring a C consumer dies holding messages; the peer consumer takes over",
                s -> kills.singleConsumerTakeOver(s, C, PEER));
        add("SIGKILL: in a single-consumer ring the peer consumer dies holding messages; a Java consumer takes over",
                s -> kills.singleConsumerTakeOver(s, PEER, JAVA));
        add("damaged slots (a forged sequence, a length beyond the maximum) and bad messages -> peer consumer, MPMC ring "
                + "of 8 slots", s -> damage.damagedSlots(s, false));
        add("damaged slots and bad messages -> peer consumer, single-consumer ring of 8 slots (nothing dropped again a "
                + "lap later)", s -> damage.damagedSlots(s, true));
        add("a damaged free slot ahead of the peer producer, MPMC ring of 8 slots", damage::damagedFreeSlot);
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

}
