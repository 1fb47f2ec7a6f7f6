// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.tools.cli.Main;
import io.github.panamashm.testing.PeerMain;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Producers and consumers as separate processes — the compiled C programs and second JVMs running
 * the CLI — exchanging the verified traffic pattern through one ring. Every scenario moves at least
 * 1,000,000 messages of mixed sizes, once through a roomy ring and once through a 2-slot ring that
 * forces wrap-around and blocking on both sides.
 */
class RingInteropTest {

    private static final int MESSAGES = 1_000_000;
    private static final String SIZES = "16-300";
    private static final long TIMEOUT_SECONDS = 240;
    /** The consumers' summary line (C and Java alike); also read by {@link FanOutInteropTest}. */
    static final Pattern CONSUMER = Pattern.compile(
            "received=(\\d+) lost=(\\d+) duplicated=(\\d+) out_of_order=(\\d+) corrupt=(\\d+) seconds=\\S+ "
                    + "msgs_per_s=\\S+ checksum=([0-9a-f]{16})");
    static final Pattern PRODUCER = Pattern.compile("sent=(\\d+) seconds=\\S+ msgs_per_s=\\S+ checksum=([0-9a-f]{16})");

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private static List<String> c(String program, String... args) {
        List<String> command = new ArrayList<>(List.of(Processes.nativeProgram(program).toString()));
        command.addAll(List.of(args));
        return command;
    }

    private static String[] withRing(String ring, String... rest) {
        List<String> all = new ArrayList<>(List.of("--ring", ring));
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }

    private static List<String> cProducer(String ring, String... rest) {
        return c("shm-producer", withRing(ring, rest));
    }

    private static List<String> cConsumer(String ring, String... rest) {
        return c("shm-consumer", withRing(ring, rest));
    }

    private static List<String> javaProducer(String ring, String... rest) {
        List<String> command = Processes.javaCommand(Main.class, "produce");
        command.addAll(List.of(withRing(ring, rest)));
        return command;
    }

    private static List<String> javaConsumer(String ring, String... rest) {
        List<String> command = Processes.javaCommand(Main.class, "consume");
        command.addAll(List.of(withRing(ring, rest)));
        return command;
    }

    /** Creates the ring, runs one producer and one consumer process, and checks every message arrived once, intact. */
    private void oneToOne(String label, int slots, boolean producerInC, boolean consumerInC) throws InterruptedException {
        oneToOne(label, RingSpec.of(slots, 300), producerInC, consumerInC);
    }

    private void oneToOne(String label, RingSpec spec, boolean producerInC, boolean consumerInC) throws InterruptedException {
        oneToOne(label, spec, producerInC, consumerInC, "standard", MESSAGES);
    }

    private void oneToOne(String label, RingSpec spec, boolean producerInC, boolean consumerInC, String waitPolicy,
                          int messages) throws InterruptedException {
        String ring = names.ring(label);
        try (Ring ignored = Ring.create(ring, spec)) {
            String count = Integer.toString(messages);
            String[] producerFlags = {"--pattern", "--size", SIZES, "--count", count, "--id", "7", "--close",
                    "--wait-policy", waitPolicy};
            String[] consumerFlags = {"--verify", "--count", count, "--timeout-ms", "60000", "--wait-policy", waitPolicy};
            List<String> producer = producerInC ? cProducer(ring, producerFlags) : javaProducer(ring, producerFlags);
            List<String> consumer = consumerInC ? cConsumer(ring, consumerFlags) : javaConsumer(ring, consumerFlags);
            try (var consuming = Processes.start(consumer); var producing = Processes.start(producer)) {
                var sent = producing.awaitExit(Duration.ofSeconds(TIMEOUT_SECONDS)).requireSuccess();
                var received = consuming.awaitExit(Duration.ofSeconds(TIMEOUT_SECONDS)).requireSuccess();
                Matcher p = find(PRODUCER, sent.output());
                Matcher r = find(CONSUMER, received.output());
                assertThat(p.group(1)).isEqualTo(count);
                assertThat(r.group(1)).as(received.output()).isEqualTo(count);
                assertThat(List.of(r.group(2), r.group(3), r.group(4), r.group(5))).containsOnly("0");
                assertThat(r.group(6)).isEqualTo(p.group(2));
            }
        }
    }

    static Matcher find(Pattern pattern, String output) {
        Matcher m = pattern.matcher(output);
        assertThat(m.find()).as("summary line in:\n%s", output).isTrue();
        return m;
    }

    /** Both sides with --wait-policy sleep (fenced sleepers) or spin, across the languages, on a 2-slot ring. */
    @ParameterizedTest(name = "{0}, producer in C: {1}")
    @org.junit.jupiter.params.provider.CsvSource({"sleep, true", "sleep, false", "spin, true", "spin, false"})
    void waitPoliciesChosenOnTheCommandLineWorkAcrossLanguages(String policy, boolean producerInC)
            throws InterruptedException {
        oneToOne("policy-" + policy, RingSpec.of(2, 300), producerInC, !producerInC, policy, 100_000);
    }

    @ParameterizedTest(name = "{0} slots")
    @ValueSource(ints = {2, 256})
    void javaProducerToCConsumer(int slots) throws InterruptedException {
        oneToOne("j2c", slots, false, true);
    }

    @ParameterizedTest(name = "{0} slots")
    @ValueSource(ints = {2, 256})
    void cProducerToJavaConsumer(int slots) throws InterruptedException {
        oneToOne("c2j", slots, true, false);
    }

    @ParameterizedTest(name = "{0} slots")
    @ValueSource(ints = {2, 256})
    void javaToJavaAcrossTwoJvms(int slots) throws InterruptedException {
        oneToOne("j2j", slots, false, false);
    }

    /** panama_shm.h included as it is by C++ programs (-Wall -Wextra -Werror), reading a Java producer. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cxx17-consumer", "cxx20-consumer"})
    void aCppConsumerReadsAJavaProducer(String program) throws InterruptedException {
        String ring = names.ring("cxx");
        try (Ring ignored = Ring.create(ring, RingSpec.of(64, 300))) {
            try (var consuming = Processes.start(c(program, ring))) {
                var sent = Processes.run(javaProducer(ring, "--pattern", "--size", SIZES, "--count", "200000", "--id", "9",
                        "--close"), TIMEOUT_SECONDS).requireSuccess();
                var received = consuming.awaitExit(Duration.ofSeconds(TIMEOUT_SECONDS)).requireSuccess();
                Matcher p = find(PRODUCER, sent.output());
                assertThat(received.output()).contains("received=200000 lost=0 duplicated=0 out_of_order=0 corrupt=0")
                        .contains("checksum=" + p.group(2));
            }
        }
    }

    /** Single-consumer rings release by cursor, not slot by slot: the other protocol path. */
    @ParameterizedTest(name = "{0} slots, producer in C: {1}, consumer in C: {2}")
    @CsvSource({"2, false, true", "256, false, true", "2, true, false", "256, true, false", "2, false, false"})
    void singleProducerSingleConsumerRingsAcrossLanguages(int slots, boolean producerInC, boolean consumerInC) throws InterruptedException {
        oneToOne("spsc", RingSpec.of(slots, 300).singleProducer(true).singleConsumer(true), producerInC, consumerInC);
    }

    @ParameterizedTest(name = "{0} slots")
    @ValueSource(ints = {2, 256})
    void twoProducersAndTwoConsumersMixingJavaAndC(int slots) throws Exception {
        String ring = names.ring("2x2");
        String half = Integer.toString(MESSAGES / 2);
        try (Ring handle = Ring.create(ring, RingSpec.of(slots, 300));
             var cConsuming = Processes.start(cConsumer(ring, "--verify", "--shared", "--timeout-ms", "60000"));
             var javaConsuming = Processes.start(javaConsumer(ring, "--verify", "--shared", "--timeout-ms", "60000"));
             var javaProducing = Processes.start(javaProducer(ring, "--pattern", "--size", SIZES, "--count", half, "--id", "1"));
             var cProducing = Processes.start(cProducer(ring, "--pattern", "--size", SIZES, "--count", half, "--id", "2"))) {
            long sentChecksum = 0;
            for (var producing : List.of(javaProducing, cProducing)) {
                Matcher p = find(PRODUCER, producing.awaitExit(Duration.ofSeconds(TIMEOUT_SECONDS)).requireSuccess().output());
                assertThat(p.group(1)).isEqualTo(half);
                sentChecksum += Long.parseUnsignedLong(p.group(2), 16);
            }
            handle.closeForWriting();
            long received = 0;
            long receivedChecksum = 0;
            for (var consuming : List.of(cConsuming, javaConsuming)) {
                var finished = consuming.awaitExit(Duration.ofSeconds(TIMEOUT_SECONDS)).requireSuccess();
                Matcher r = find(CONSUMER, finished.output());
                assertThat(List.of(r.group(2), r.group(3), r.group(4), r.group(5))).as(finished.output()).containsOnly("0");
                assertThat(Long.parseLong(r.group(1))).as("each consumer gets a share").isPositive();
                received += Long.parseLong(r.group(1));
                receivedChecksum += Long.parseUnsignedLong(r.group(6), 16);
            }
            assertThat(received).isEqualTo(MESSAGES);
            assertThat(receivedChecksum).as("every message exactly once").isEqualTo(sentChecksum);
        }
    }

    @Test
    void aConsumerThatStartsLaterDrainsWhatWasSentAndEndsAtTheClose() throws InterruptedException {
        String ring = names.ring("later");
        cProducerRun(ring, "--create", "--slots", "1024", "--max-size", "64", "--pattern", "--size", "16-64",
                "--count", "1000", "--id", "3", "--close");
        var consumed = Processes.run(javaConsumer(ring, "--verify", "--count", "1000", "--timeout-ms", "10000"),
                TIMEOUT_SECONDS).requireSuccess();
        assertThat(find(CONSUMER, consumed.output()).group(1)).isEqualTo("1000");
    }

    private static void cProducerRun(String ring, String... args) throws InterruptedException {
        Processes.run(cProducer(ring, args), TIMEOUT_SECONDS).requireSuccess();
    }

    @Test
    void attachingToAMissingRingFailsClearlyOrWaitsForIt() throws Exception {
        String ring = names.ring("missing");
        var java = Processes.run(javaConsumer(ring), 60);
        assertThat(java.exitCode()).isEqualTo(2);
        assertThat(java.output()).contains("no ring named " + ring);
        var c = Processes.run(cConsumer(ring), 60);
        assertThat(c.exitCode()).isEqualTo(2);
        assertThat(c.output()).as("the same words in C").contains("shm-consumer: no ring named " + ring);

        try (var waitingJava = Processes.start(javaConsumer(ring, "--verify", "--shared", "--count", "10", "--wait-ms", "60000"));
             var waitingC = Processes.start(cConsumer(ring, "--verify", "--shared", "--count", "10", "--wait-ms", "60000"))) {
            Thread.sleep(500);
            assertThat(waitingJava.process().isAlive()).isTrue();
            assertThat(waitingC.process().isAlive()).isTrue();
            Processes.run(javaProducer(ring, "--create", "--slots", "64", "--pattern", "--size", "16-64", "--count", "20"),
                    60).requireSuccess();
            assertThat(find(CONSUMER, waitingJava.awaitExit(Duration.ofSeconds(60)).requireSuccess().output()).group(1)).isEqualTo("10");
            assertThat(find(CONSUMER, waitingC.awaitExit(Duration.ofSeconds(60)).requireSuccess().output()).group(1)).isEqualTo("10");
        }
    }

    @Test
    void aProducerKilledBetweenClaimAndCommitDoesNotStallTheRing() throws Exception {
        String ring = names.ring("dead-producer");
        try (Ring handle = Ring.create(ring, RingSpec.of(8, 64));
             var dying = Processes.start(Processes.javaCommand(PeerMain.class, "ring-claim-and-hang", ring, "32"))) {
            assertThat(dying.awaitOutput("claimed", Duration.ofSeconds(60))).as(dying.output()).isTrue();
            dying.process().destroyForcibly().waitFor();
            try (var consuming = Processes.start(cConsumer(ring, "--verify", "--count", "100", "--timeout-ms", "10000"))) {
                var produced = Processes.run(cProducer(ring, "--pattern", "--size", "16-64", "--count", "100", "--id", "5",
                        "--close"), 60).requireSuccess();
                assertThat(produced.output()).contains("sent=100");
                assertThat(find(CONSUMER, consuming.awaitExit(Duration.ofSeconds(60)).requireSuccess().output()).group(1)).isEqualTo("100");
            }
            assertThat(handle.abandonedByProducers()).isEqualTo(1);
        }
    }

    /**
     * A single producer records its intent once, at attach, as [tail, open end): its claims are
     * covered from the first, a consumer skips what it left unpublished when it died, and its
     * successor (in C) starts where the dead one's claim ended.
     */
    @ParameterizedTest(name = "single consumer: {0}")
    @ValueSource(booleans = {false, true})
    void aSingleProducerKilledBetweenClaimAndCommitIsSkippedAndItsSuccessorGoesOn(boolean singleConsumer) throws Exception {
        String ring = names.ring("dead-single-producer");
        try (Ring handle = Ring.create(ring, RingSpec.of(8, 64).singleProducer(true).singleConsumer(singleConsumer));
             var dying = Processes.start(Processes.javaCommand(PeerMain.class, "ring-claim-and-hang", ring, "32"))) {
            assertThat(dying.awaitOutput("claimed", Duration.ofSeconds(60))).as(dying.output()).isTrue();
            PeerInfo victim = handle.peers().stream().filter(PeerInfo::isProducer).findFirst().orElseThrow();
            long entry = RingLayout.peerOffset(victim.index());
            assertThat((long) RingLayout.LONG.getAcquire(handle.segment(), entry + RingLayout.PEER_CLAIM_END_OFFSET))
                    .as("the intent's end").isEqualTo(RingLayout.INTENT_OPEN_END);
            assertThat(victim.position()).as("the tail when it attached").isZero();
            dying.process().destroyForcibly().waitFor();
            try (var consuming = Processes.start(cConsumer(ring, "--verify", "--count", "100", "--timeout-ms", "10000"))) {
                var produced = Processes.run(cProducer(ring, "--pattern", "--size", "16-64", "--count", "100", "--id", "5",
                        "--close"), 60).requireSuccess();
                assertThat(produced.output()).contains("sent=100");
                assertThat(find(CONSUMER, consuming.awaitExit(Duration.ofSeconds(60)).requireSuccess().output()).group(1)).isEqualTo("100");
            }
            assertThat(handle.abandonedByProducers()).isEqualTo(1);
        }
    }

    @Test
    void aConsumerKilledInItsSleepIsUndoneAndDoesNotMakeTheDoorbellGrow() throws Exception {
        String ring = names.ring("dead-sleeper");
        try (Ring handle = Ring.create(ring, RingSpec.of(64, 64));
             Producer producer = handle.producer();        // peer entry 0
             Consumer drainer = handle.consumer();         // peer entry 1
             NamedSemaphore dataBell = NamedSemaphore.open(RingLayout.dataBellName(ring))) {
            MemorySegment header = handle.segment();
            // the kill may land in the instant between two wait slices, when nothing is announced: try again then
            for (int attempt = 0; attempt < 5 && sleepingCount(header) == 0; attempt++) {
                try (var sleeping = Processes.start(cConsumer(ring, "--count", "1000000"))) { // peer entry 2
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (sleepingCount(header) == 0) {
                        assertThat(System.nanoTime()).as("the consumer goes to sleep").isLessThan(deadline);
                        Thread.sleep(10);
                    }
                    sleeping.process().destroyForcibly().waitFor();
                }
            }
            assertThat(sleepingCount(header)).as("a dead sleeper's announcement stays until its entry is reclaimed")
                    .isEqualTo(1);
            byte[] buffer = new byte[64];
            for (int i = 0; i < 1000; i++) {
                assertThat(producer.offer(new byte[8])).isTrue();
                assertThat(drainer.tryReceive(buffer)).isEqualTo(8);
            }
            assertThat(dataBell.value()).as("posts to nobody are capped").isLessThanOrEqualTo(1);
            try (Consumer reclaiming = handle.consumer()) { // takes over entry 2
                assertThat(sleepingCount(header)).as("taking over the dead entry undoes its announcement").isZero();
                assertThat(reclaiming.tryReceive(buffer)).isEqualTo(Consumer.NO_MESSAGE);
            }
        }
    }

    private static int sleepingCount(MemorySegment header) {
        return (int) RingLayout.INT.getVolatile(header, RingLayout.CONSUMERS_WAITING_OFFSET);
    }

    @Test
    void aConsumerKilledWhileHoldingAMessageDoesNotStallTheProducers() throws Exception {
        String ring = names.ring("dead-consumer");
        try (Ring handle = Ring.create(ring, RingSpec.of(2, 64));
             var dying = Processes.start(Processes.javaCommand(PeerMain.class, "ring-take-and-hang", ring))) {
            Processes.run(cProducer(ring, "--pattern", "--size", "32", "--count", "1", "--id", "6"), 60).requireSuccess();
            assertThat(dying.awaitOutput("taken 32", Duration.ofSeconds(60))).as(dying.output()).isTrue();
            dying.process().destroyForcibly().waitFor();
            // the held slot is the one the producer needs after one more wrap of the 2-slot ring
            try (var consuming = Processes.start(javaConsumer(ring, "--verify", "--shared", "--timeout-ms", "20000"))) {
                var produced = Processes.run(javaProducer(ring, "--pattern", "--size", "32", "--count", "50", "--id", "8",
                        "--timeout-ms", "20000", "--close"), 60).requireSuccess();
                assertThat(produced.output()).contains("sent=50");
                assertThat(find(CONSUMER, consuming.awaitExit(Duration.ofSeconds(60)).requireSuccess().output()).group(1)).isEqualTo("50");
            }
            assertThat(handle.lostInConsumers()).isEqualTo(1);
        }
    }

    @Test
    void aConsumerKilledHoldingABatchIsRecoveredWithoutAWaitPerSlot() throws Exception {
        String ring = names.ring("dead-batch");
        try (Ring handle = Ring.create(ring, RingSpec.of(8, 64)); Producer producer = handle.producer(WaitPolicy.sleep())) {
            for (int i = 0; i < 8; i++) {
                assertThat(producer.offer(new byte[16])).isTrue();
            }
            try (var dying = Processes.start(Processes.javaCommand(PeerMain.class, "ring-take-batch-and-hang", ring, "8"))) {
                assertThat(dying.awaitOutput("taken a batch", Duration.ofSeconds(60))).as(dying.output()).isTrue();
                dying.process().destroyForcibly().waitFor();
            }
            long start = System.nanoTime();
            for (int i = 0; i < 8; i++) {
                assertThat(producer.send(new byte[16], Duration.ofSeconds(20))).as("send %d", i).isTrue();
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(handle.lostInConsumers()).isEqualTo(8);
            // one 100 ms look to tell the holder is dead, then the rest of its batch at once
            assertThat(millis).as("ms to recover the 8 slots of the dead consumer's batch").isLessThan(1_500);
        }
    }

    /**
     * A single consumer releases by one cursor, so its unreleased batch is not visible slot by slot:
     * the next consumer to attach takes it over, counts it lost, and gives the slots back.
     */
    @ParameterizedTest(name = "taken over by a consumer in {0}")
    @ValueSource(strings = {"Java", "C"})
    void aSingleConsumerKilledHoldingABatchIsTakenOverByTheNextConsumer(String successor) throws Exception {
        String ring = names.ring("spsc-dead-batch");
        try (Ring handle = Ring.create(ring, RingSpec.of(8, 64).singleProducer(true).singleConsumer(true));
             Producer producer = handle.producer(WaitPolicy.sleep())) {
            for (int i = 0; i < 8; i++) {
                assertThat(producer.offer(new byte[] {(byte) i})).isTrue();
            }
            try (var dying = Processes.start(Processes.javaCommand(PeerMain.class, "ring-take-batch-and-hang", ring, "5"))) {
                assertThat(dying.awaitOutput("taken a batch", Duration.ofSeconds(60))).as(dying.output()).isTrue();
                dying.process().destroyForcibly().waitFor();
            }
            assertThat(producer.offer(new byte[] {8})).as("the dead consumer's slots stay taken").isFalse();
            if (successor.equals("Java")) {
                try (Consumer next = handle.consumer()) {
                    assertThat(handle.lostInConsumers()).isEqualTo(5);
                    byte[] message = new byte[64];
                    for (int i = 5; i < 13; i++) {
                        if (i >= 8) {
                            assertThat(producer.send(new byte[] {(byte) i}, Duration.ofSeconds(20))).isTrue();
                        }
                        assertThat(next.receive(message, Duration.ofSeconds(20))).isEqualTo(1);
                        assertThat(message[0]).as("message %d, none redelivered", i).isEqualTo((byte) i);
                    }
                }
            } else {
                try (var next = Processes.start(cConsumer(ring, "--count", "11", "--timeout-ms", "20000"))) {
                    for (int i = 8; i < 16; i++) {
                        assertThat(producer.send(new byte[] {(byte) i}, Duration.ofSeconds(20))).as("send %d", i).isTrue();
                    }
                    var received = next.awaitExit(Duration.ofSeconds(60)).requireSuccess();
                    assertThat(find(CONSUMER, received.output()).group(1)).isEqualTo("11");
                }
                assertThat(handle.lostInConsumers()).isEqualTo(5);
            }
        }
    }

    @Test
    void aProducerKilledHoldingABatchIsSkippedWithoutAWaitPerSlot() throws Exception {
        String ring = names.ring("dead-claims");
        try (Ring handle = Ring.create(ring, RingSpec.of(32, 64)); Consumer consumer = handle.consumer(WaitPolicy.sleep())) {
            try (var dying = Processes.start(Processes.javaCommand(PeerMain.class, "ring-claim-batch-and-hang", ring, "16"))) {
                assertThat(dying.awaitOutput("claimed 16", Duration.ofSeconds(60))).as(dying.output()).isTrue();
                dying.process().destroyForcibly().waitFor();
            }
            try (Producer producer = handle.producer()) {
                producer.send(new byte[] {42});
            }
            long start = System.nanoTime();
            byte[] message = new byte[64];
            assertThat(consumer.receive(message, Duration.ofSeconds(20))).isEqualTo(1);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(message[0]).isEqualTo((byte) 42);
            assertThat(handle.abandonedByProducers()).isEqualTo(16);
            // one 100 ms look to tell the claimer is dead, then the rest of its batch at once (a 100 ms
            // slice per position would take 1.6 s)
            assertThat(millis).as("ms to skip the 16 positions of the dead producer's batch").isLessThan(1_000);
        }
    }
}
