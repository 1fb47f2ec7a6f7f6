// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.tools.cli.Main;
import io.github.panamashm.junit.Peer;
import io.github.panamashm.testing.PeerMain;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Consumers in C and Java, SIGKILLed at random while a C and a Java producer stream verified
 * messages through a small ring. Every consumer writes a receipt for each message before it lets the
 * slot go, so what dead consumers got is known. Nothing may hang, no message may arrive twice or
 * damaged, and every message that arrived nowhere must be one the ring counted as lost in a dead
 * consumer. {@code -Dpanamashm.chaos.seconds=N} makes it a soak (default 12 s per ring kind; give it
 * {@code -Djunit.jupiter.execution.timeout.default} beyond the suite's five minutes per test).
 */
class KillChaosTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private static final long CHAOS_MILLIS = Long.getLong("panamashm.chaos.seconds", 12) * 1000;
    private static final Pattern SENT = Pattern.compile("sent=(\\d+) ");
    private static final int BAD = -1;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"two consumers at a time", "a single-consumer ring"})
    void consumersKilledAtRandomLoseOnlyWhatTheRingCountsAndNothingHangs(String kind) throws Exception {
        boolean single = kind.startsWith("a single");
        String ring = names.ring("chaos");
        Path receipts = Files.createTempDirectory("pshm-chaos");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<Peer> all = new ArrayList<>();
        try (Ring handle = Ring.create(ring, RingSpec.of(16, 64).singleConsumer(single))) {
            var cProducer = start(all, List.of(Processes.nativeProgram("shm-producer").toString(), "--ring", ring,
                    "--pattern", "--id", "1", "--size", "16-64", "--count", "4000000000"));
            List<String> javaProducer = Processes.javaCommand(Main.class, "produce", "--ring", ring, "--pattern",
                    "--id", "2", "--size", "16-64", "--count", "4000000000");
            var jProducer = start(all, javaProducer);

            int width = single ? 1 : 2;
            List<Peer> consumers = new ArrayList<>();
            int kills = 0;
            long end = System.currentTimeMillis() + CHAOS_MILLIS;
            while (System.currentTimeMillis() < end) {
                consumers.removeIf(c -> !c.process().isAlive());
                while (consumers.size() < width) {
                    consumers.add(startConsumer(all, ring, receipts, random));
                }
                Thread.sleep(100 + random.nextInt(300));
                Peer victim = consumers.remove(random.nextInt(consumers.size()));
                victim.process().destroyForcibly().waitFor(); // SIGKILL, wherever it is
                kills++;
            }
            while (consumers.size() < width) {
                consumers.add(startConsumer(all, ring, receipts, random));
            }
            // with producers still running, every slot a dead consumer held is met again and recovered
            Thread.sleep(1_500);
            cProducer.process().toHandle().destroy(); // SIGTERM: they stop and say exactly what they sent
            jProducer.process().toHandle().destroy();
            long sent1 = sent(cProducer.awaitExit(Duration.ofSeconds(30)).output());
            long sent2 = sent(jProducer.awaitExit(Duration.ofSeconds(30)).output());
            handle.closeForWriting();
            for (Peer consumer : consumers) {
                var finished = consumer.awaitExit(Duration.ofSeconds(60));
                assertThat(finished.exitCode()).as("a surviving consumer drains and ends: %s", finished.output()).isZero();
            }

            long limit1 = sent1;
            long limit2 = sent2;
            Receipts got = Receipts.read(receipts, (id, seq) -> seq < (id == 1 ? limit1 : id == 2 ? limit2 : -1));
            Map<Integer, BitSet> seen = got.seen();
            long duplicates = got.duplicates();
            long unique = seen.values().stream().mapToLong(BitSet::cardinality).sum();
            long missing = sent1 + sent2 - unique;
            long lost = handle.lostInConsumers();
            String report = String.format("seed %d, %d kills, sent %d + %d, unique %d, missing %d, lost_in_consumers %d",
                    seed, kills, sent1, sent2, unique, missing, lost);
            System.out.println("chaos (" + kind + "): " + report);
            assertThat(kills).as(report).isGreaterThan(5);
            assertThat(sent1 + sent2).as(report).isPositive();
            assertThat(got.invalid()).as("damaged receipts, or beyond what was sent; " + report).isZero();
            assertThat(duplicates).as("messages received twice; " + report).isZero();
            assertThat(missing).as("messages that arrived nowhere, against those counted lost; " + report)
                    .isBetween(0L, lost);
            assertThat(lost).as("what dead consumers can have held; " + report).isLessThanOrEqualTo(kills * 64L);
        } finally {
            stopAndRemove(all, receipts);
        }
    }

    /**
     * Producers too are SIGKILLed (and replaced under new ids) as well as consumers. A killed
     * producer cannot say what it sent, but it publishes its sequence numbers in order: every number
     * below the highest one received from it was published, so each that arrived nowhere must have
     * been lost in a dead consumer. A producer killed between its claim and its publish leaves one
     * position, which the ring skips and counts as abandoned.
     */
    @Test
    void producersKilledAtRandomToo() throws Exception {
        String ring = names.ring("chaos-producers");
        Path receipts = Files.createTempDirectory("pshm-chaos");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<Peer> all = new ArrayList<>();
        try (Ring handle = Ring.create(ring, RingSpec.of(16, 64))) {
            Map<Integer, Peer> producers = new HashMap<>();
            List<Peer> consumers = new ArrayList<>();
            int nextId = 10;
            int producerKills = 0;
            int consumerKills = 0;
            long end = System.currentTimeMillis() + CHAOS_MILLIS;
            while (System.currentTimeMillis() < end) {
                consumers.removeIf(c -> !c.process().isAlive());
                while (consumers.size() < 2) {
                    consumers.add(startConsumer(all, ring, receipts, random));
                }
                while (producers.size() < 2) {
                    int id = nextId++;
                    producers.put(id, start(all, producerCommand(ring, id, random.nextBoolean())));
                }
                Thread.sleep(100 + random.nextInt(300));
                if (random.nextBoolean()) {
                    Integer id = new ArrayList<>(producers.keySet()).get(random.nextInt(producers.size()));
                    producers.remove(id).process().destroyForcibly().waitFor();
                    producerKills++;
                } else {
                    consumers.remove(random.nextInt(consumers.size())).process().destroyForcibly().waitFor();
                    consumerKills++;
                }
            }
            while (consumers.size() < 2) {
                consumers.add(startConsumer(all, ring, receipts, random));
            }
            Thread.sleep(1_500); // the surviving producers meet every slot a dead peer held, and recover it
            Map<Integer, Long> sentBySurvivors = new HashMap<>();
            for (var survivor : producers.entrySet()) {
                survivor.getValue().process().toHandle().destroy();
                sentBySurvivors.put(survivor.getKey(), sent(survivor.getValue().awaitExit(Duration.ofSeconds(30)).output()));
            }
            handle.closeForWriting();
            for (Peer consumer : consumers) {
                var finished = consumer.awaitExit(Duration.ofSeconds(60));
                assertThat(finished.exitCode()).as("a surviving consumer drains and ends: %s", finished.output()).isZero();
            }

            int lastId = nextId;
            Receipts got = Receipts.read(receipts, (id, seq) -> id >= 10 && id < lastId && seq <= Integer.MAX_VALUE);
            Map<Integer, BitSet> seen = got.seen();
            long duplicates = got.duplicates();
            long bad = got.invalid();
            long missing = 0;
            long beyond = 0;
            for (int id = 10; id < nextId; id++) {
                BitSet received = seen.getOrDefault(id, new BitSet());
                Long sent = sentBySurvivors.get(id);
                long published = sent != null ? sent : received.length(); // a killed one: up to its highest received
                if (received.length() > published) {
                    beyond++;
                }
                missing += published - received.cardinality();
            }
            long lost = handle.lostInConsumers();
            long abandoned = handle.abandonedByProducers();
            String report = String.format("seed %d, %d producer and %d consumer kills, %d producers, missing %d, "
                    + "lost_in_consumers %d, abandoned_by_producers %d", seed, producerKills, consumerKills,
                    nextId - 10, missing, lost, abandoned);
            System.out.println("chaos (producers killed too): " + report);
            assertThat(producerKills).as(report).isGreaterThan(2);
            assertThat(seen).as("messages arrived; " + report).isNotEmpty();
            assertThat(bad).as("damaged receipts; " + report).isZero();
            assertThat(beyond).as("receipts beyond what a survivor said it sent; " + report).isZero();
            assertThat(duplicates).as("messages received twice; " + report).isZero();
            assertThat(missing).as("messages that arrived nowhere, against those counted lost; " + report)
                    .isBetween(0L, lost);
            assertThat(abandoned).as("at most one claimed position per killed producer; " + report)
                    .isLessThanOrEqualTo(producerKills);
            assertThat(handle.depth()).as("everything was taken or skipped; " + report).isZero();
        } finally {
            stopAndRemove(all, receipts);
        }
    }

    /**
     * Fan-out, block mode: consumers of both languages SIGKILLed at random and replaced while one
     * producer streams, and one consumer that is never killed. A dead consumer must stop gating (the
     * producer goes on), and no consumer may miss a message while it lives: each receipt file is one
     * unbroken run of sequence numbers, and the survivor's is the whole stream.
     */
    @Test
    void fanOutConsumersKilledAtRandomNeverStopTheProducerAndLiveOnesMissNothing() throws Exception {
        String ring = names.ring("chaos-fanout");
        Path receipts = Files.createTempDirectory("pshm-chaos");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        boolean producerInC = random.nextBoolean();
        List<Peer> all = new ArrayList<>();
        try (Ring handle = Ring.create(ring, RingSpec.of(16, 64).fanOut())) {
            Path survivorReceipts = receipts.resolve("survivor.bin");
            Peer survivor = start(all, List.of(Processes.nativeProgram("chaos-consumer").toString(), ring,
                    survivorReceipts.toString()));
            assertThat(survivor.awaitOutput("attached", Duration.ofSeconds(30))).isTrue();
            Peer producer = start(all, producerCommand(ring, 1, producerInC));
            List<Peer> consumers = new ArrayList<>();
            int kills = 0;
            long end = System.currentTimeMillis() + CHAOS_MILLIS;
            while (System.currentTimeMillis() < end) {
                consumers.removeIf(c -> !c.process().isAlive());
                while (consumers.size() < 2) {
                    consumers.add(startConsumer(all, ring, receipts, random));
                }
                Thread.sleep(100 + random.nextInt(300));
                consumers.remove(random.nextInt(consumers.size())).process().destroyForcibly().waitFor();
                kills++;
            }
            Thread.sleep(1_500); // the producer is held up by the last dead ones, and drops them
            producer.process().toHandle().destroy(); // SIGTERM: it stops and says what it sent
            long sent = sent(producer.awaitExit(Duration.ofSeconds(30)).output());
            handle.closeForWriting();
            for (Peer consumer : consumers) {
                var finished = consumer.awaitExit(Duration.ofSeconds(60));
                assertThat(finished.exitCode()).as("a live consumer drains and ends: %s", finished.output()).isZero();
            }
            assertThat(survivor.awaitExit(Duration.ofSeconds(60)).exitCode()).isZero();

            String report = String.format("seed %d, producer in %s, %d kills, sent %d, fanout_dropped %d", seed,
                    producerInC ? "C" : "Java", kills, sent, handle.fanOutDropped());
            System.out.println("chaos (fan-out): " + report);
            assertThat(kills).as(report).isGreaterThan(5);
            assertThat(sent).as(report).isPositive();
            try (var files = Files.list(receipts)) {
                for (Path file : files.toList()) {
                    ByteBuffer records = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder());
                    long first = -1;
                    long expected = -1;
                    while (records.remaining() >= 12) {
                        int id = records.getInt();
                        long seq = records.getLong();
                        assertThat(id).as("a damaged or foreign message in %s; %s", file.getFileName(), report).isEqualTo(1);
                        if (first < 0) {
                            first = seq;
                        } else {
                            assertThat(seq).as("%s: the next message after %d; %s", file.getFileName(), expected - 1, report)
                                    .isEqualTo(expected);
                        }
                        expected = seq + 1;
                    }
                    assertThat(expected).as("%s received nothing beyond what was sent; %s", file.getFileName(), report)
                            .isLessThanOrEqualTo(sent);
                    if (file.equals(survivorReceipts)) {
                        assertThat(first).as("the survivor got the first message; " + report).isZero();
                        assertThat(expected).as("the survivor got every message; " + report).isEqualTo(sent);
                    }
                }
            }
            assertThat(handle.fanOutDropped()).as("only dead consumers are dropped; " + report).isBetween(0L, (long) kills);
        } finally {
            stopAndRemove(all, receipts);
        }
    }

    /** What the consumers' receipt files say: (id, sequence) records of 12 bytes each. */
    private record Receipts(Map<Integer, BitSet> seen, long duplicates, long invalid) {
        static Receipts read(Path directory, java.util.function.BiPredicate<Integer, Long> valid) throws Exception {
            Map<Integer, BitSet> seen = new HashMap<>();
            long duplicates = 0;
            long invalid = 0;
            try (var files = Files.list(directory)) {
                for (Path file : files.toList()) {
                    ByteBuffer records = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder());
                    while (records.remaining() >= 12) {
                        int id = records.getInt();
                        long seq = records.getLong();
                        if (id == BAD || seq < 0 || !valid.test(id, seq)) {
                            invalid++;
                        } else if (!seen.computeIfAbsent(id, k -> new BitSet()).get((int) seq)) {
                            seen.get(id).set((int) seq);
                        } else {
                            duplicates++;
                        }
                    }
                }
            }
            return new Receipts(seen, duplicates, invalid);
        }
    }

    /** Ends every process a case started and removes its receipts directory. */
    private static void stopAndRemove(List<Peer> all, Path receipts) throws java.io.IOException {
        all.forEach(Peer::close);
        try (var files = Files.list(receipts)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(receipts);
    }

    private static List<String> producerCommand(String ring, int id, boolean inC) {
        List<String> args = List.of("--ring", ring, "--pattern", "--id", Integer.toString(id), "--size", "16-64",
                "--count", "4000000000");
        List<String> command = new ArrayList<>();
        if (inC) {
            command.add(Processes.nativeProgram("shm-producer").toString());
            command.addAll(args);
        } else {
            command.addAll(Processes.javaCommand(Main.class, "produce"));
            command.addAll(args);
        }
        return command;
    }

    private static Peer start(List<Peer> all, List<String> command) {
        Peer started = Processes.start(command);
        all.add(started);
        return started;
    }

    private static Peer startConsumer(List<Peer> all, String ring, Path receipts,
                                                   Random random) throws Exception {
        Path file = Files.createTempFile(receipts, "receipts", ".bin");
        List<String> command = random.nextBoolean()
                ? List.of(Processes.nativeProgram("chaos-consumer").toString(), ring, file.toString())
                : Processes.javaCommand(PeerMain.class, "ring-consume-receipts", ring, file.toString());
        return start(all, command);
    }

    private static long sent(String output) {
        Matcher m = SENT.matcher(output);
        assertThat(m.find()).as("a producer's summary in:\n%s", output).isTrue();
        return Long.parseLong(m.group(1));
    }
}
