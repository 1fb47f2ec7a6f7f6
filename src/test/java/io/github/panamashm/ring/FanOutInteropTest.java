// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.junit.Peer;
import io.github.panamashm.tools.cli.Main;
import io.github.panamashm.tools.traffic.SizeRange;
import io.github.panamashm.tools.traffic.TrafficPattern;
import io.github.panamashm.tools.traffic.TrafficVerifier;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fan-out rings across processes and languages: a producer (the C program or a second JVM) and
 * consumers of both languages, each a process of its own, every consumer receiving the whole
 * verified stream; a slow consumer gating the producer; a consumer killed mid-stream dropped.
 */
class FanOutInteropTest {

    private static final int MESSAGES = 1_000_000;
    private static final String SIZES = "16-300";
    private static final long TIMEOUT_SECONDS = 300;
    private static final Pattern CONSUMER = RingInteropTest.CONSUMER;
    private static final Pattern PRODUCER = RingInteropTest.PRODUCER;

    @RegisterExtension
    final ShmNames names = new ShmNames();

    /** The C program shm-{@code side} or the Java command line's {@code produce} / {@code consume}. */
    private static List<String> program(boolean inC, String side, String ring, String... flags) {
        List<String> line = inC ? new ArrayList<>(List.of(Processes.nativeProgram("shm-" + side).toString()))
                : Processes.javaCommand(Main.class, side.equals("producer") ? "produce" : "consume");
        line.addAll(List.of("--ring", ring));
        line.addAll(List.of(flags));
        return line;
    }

    /** Waits until {@code count} consumers are attached to {@code ring}: a consumer reads from the message after it joined. */
    private static void awaitConsumers(Ring ring, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ring.peers().stream().filter(PeerInfo::isConsumer).count() < count) {
            assertThat(System.nanoTime() - deadline).as("%d consumers attached in time", count).isNegative();
            Thread.sleep(10);
        }
    }

    private static Matcher find(Pattern pattern, String output) {
        return RingInteropTest.find(pattern, output);
    }

    /** One producer process and a C and a Java consumer process; each consumer must get every message once, intact, in order. */
    @ParameterizedTest(name = "producer in C: {0}, {1} slots")
    @CsvSource({"false, 2", "false, 1024", "true, 2", "true, 1024"})
    void everyConsumerOfEitherLanguageReceivesTheWholeStream(boolean producerInC, int slots) throws InterruptedException {
        String ring = names.ring("fan-" + (producerInC ? "c" : "j") + slots);
        String count = Integer.toString(MESSAGES);
        try (Ring created = Ring.create(ring, RingSpec.of(slots, 300).fanOut())) {
            String[] consumerFlags = {"--verify", "--size", SIZES, "--count", count, "--timeout-ms", "60000"};
            try (Peer inC = Peer.start(program(true, "consumer", ring, consumerFlags));
                 Peer inJava = Peer.start(program(false, "consumer", ring, consumerFlags))) {
                awaitConsumers(created, 2);
                try (Peer producer = Peer.start(program(producerInC, "producer", ring, "--pattern", "--size", SIZES,
                        "--count", count, "--id", "3", "--close"))) {
                    Matcher sent = find(PRODUCER, producer.awaitExit(Duration.ofSeconds(TIMEOUT_SECONDS)).requireSuccess().output());
                    assertThat(sent.group(1)).isEqualTo(count);
                    for (Peer consumer : List.of(inC, inJava)) {
                        var result = consumer.awaitExit(Duration.ofSeconds(TIMEOUT_SECONDS)).requireSuccess();
                        Matcher got = find(CONSUMER, result.output());
                        assertThat(got.group(1)).as(result.output()).isEqualTo(count);
                        assertThat(List.of(got.group(2), got.group(3), got.group(4), got.group(5))).containsOnly("0");
                        assertThat(got.group(6)).as("the checksum of the whole stream").isEqualTo(sent.group(2));
                    }
                }
            }
            assertThat(created.fanOutDropped()).isZero();
        }
    }

    /** Block mode: a consumer that sleeps in its handler holds the C producer back, and neither it nor a fast consumer loses anything. */
    @Test
    void aSlowConsumerGatesTheProducerAndNothingIsLost() throws Exception {
        String ring = names.ring("fan-slow");
        int slots = 8;
        int messages = 400;
        try (Ring created = Ring.create(ring, RingSpec.of(slots, 64).fanOut());
             Consumer slow = created.consumer()) {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try (Peer fast = Peer.start(program(true, "consumer", ring, "--verify", "--size", "16-64", "--count",
                    Integer.toString(messages), "--timeout-ms", "60000"))) {
                awaitConsumers(created, 2);
                AtomicLong widest = new AtomicLong();
                TrafficVerifier verifier = new TrafficVerifier(false, messages, null);
                Future<?> reading = pool.submit(() -> {
                    while (verifier.received() < messages) {
                        slow.poll((segment, index, length) -> {
                            verifier.accept(segment.asSlice(index, length), true);
                            widest.accumulateAndGet(created.depth(), Math::max);
                            sleep(1);
                        }, 1, Duration.ofSeconds(30));
                    }
                    return null;
                });
                try (Peer producer = Peer.start(program(true, "producer", ring, "--pattern", "--size", "16-64", "--count",
                        Integer.toString(messages), "--id", "5"))) {
                    assertThat(find(PRODUCER, producer.awaitExit(Duration.ofSeconds(120)).requireSuccess().output()).group(1))
                            .isEqualTo(Integer.toString(messages));
                }
                reading.get(120, TimeUnit.SECONDS);
                assertThat(verifier.isClean()).as(verifier.summary()).isTrue();
                assertThat(verifier.received()).isEqualTo(messages);
                assertThat(widest.get()).as("the producer never got more than a ring ahead of the slow consumer")
                        .isBetween(2L, (long) slots);
                Matcher got = find(CONSUMER, fast.awaitExit(Duration.ofSeconds(60)).requireSuccess().output());
                assertThat(got.group(1)).isEqualTo(Integer.toString(messages));
                assertThat(List.of(got.group(2), got.group(3), got.group(4), got.group(5))).containsOnly("0");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * A consumer process stopped (SIGSTOP) keeps gating: block mode waits for it. Once SIGKILLed it is
     * dropped within about 100 ms of the producer being held up, counted in fanOutDropped, and the
     * other consumer gets everything.
     */
    @Test
    void aConsumerKilledMidStreamStopsGatingAndTheOthersFinish() throws Exception {
        String ring = names.ring("fan-kill");
        int slots = 16;
        int messages = 2_000;
        try (Ring created = Ring.create(ring, RingSpec.of(slots, 64).fanOut());
             Producer producer = created.producer();
             Consumer survivor = created.consumer();
             Arena arena = Arena.ofConfined()) {
            try (Peer doomed = Peer.start(program(true, "consumer", ring, "--timeout-ms", "60000"))) {
                awaitConsumers(created, 2);
                signal("STOP", doomed.process());
                ExecutorService pool = Executors.newSingleThreadExecutor();
                try {
                    TrafficVerifier verifier = new TrafficVerifier(false, messages, null);
                    Future<?> reading = pool.submit(() -> {
                        while (verifier.received() < messages) {
                            survivor.poll((segment, index, length) -> verifier.accept(segment.asSlice(index, length), true),
                                    64, Duration.ofSeconds(30));
                        }
                        return null;
                    });
                    MemorySegment message = arena.allocate(32);
                    int seq = 0;
                    for (; seq < messages; seq++) {
                        TrafficPattern.fill(message, 9, seq);
                        if (!producer.offer(message)) {
                            break;
                        }
                    }
                    assertThat(seq).as("a ring ahead of the stopped consumer").isEqualTo(slots);
                    assertThat(producer.send(message, Duration.ofMillis(300)))
                            .as("a stopped consumer holds its lock: it keeps gating").isFalse();
                    assertThat(created.fanOutDropped()).isZero();
                    doomed.process().destroyForcibly().waitFor();
                    long start = System.nanoTime();
                    assertThat(producer.send(message, Duration.ofSeconds(10))).as("going on without the dead consumer").isTrue();
                    long stalled = System.nanoTime() - start;
                    for (seq++; seq < messages; seq++) {
                        TrafficPattern.fill(message, 9, seq);
                        assertThat(producer.send(message, Duration.ofSeconds(10))).isTrue();
                    }
                    reading.get(60, TimeUnit.SECONDS);
                    assertThat(verifier.isClean()).as(verifier.summary()).isTrue();
                    assertThat(verifier.received()).isEqualTo(messages);
                    assertThat(created.fanOutDropped()).isEqualTo(1);
                    assertThat(created.peers()).filteredOn(PeerInfo::isConsumer).hasSize(1);
                    assertThat(TimeUnit.NANOSECONDS.toMillis(stalled)).as("about the documented 100 ms, not a sleep slice")
                            .isLessThan(900L);
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }

    /**
     * Overwrite mode: a C consumer SIGSTOPped while the Java producer goes on is lapped; resumed, it
     * goes on at the oldest message left, and what it reports missing is exactly what the ring counted
     * it skipped. A Java consumer beside it accounts for every message too.
     */
    @Test
    void inOverwriteModeAStoppedConsumerIsLappedAndMissesExactlyWhatItCounts() throws Exception {
        String ring = names.ring("fan-ow");
        int perPhase = 20_000;
        SizeRange sizes = new SizeRange(16, 64);
        try (Ring created = Ring.create(ring, RingSpec.of(64, 64).fanOut(FanOutMode.OVERWRITE));
             Producer producer = created.producer();
             Arena arena = Arena.ofConfined()) {
            String[] consumerFlags = {"--verify", "--size", "16-64", "--timeout-ms", "60000"};
            try (Peer inC = Peer.start(program(true, "consumer", ring, consumerFlags));
                 Peer inJava = Peer.start(program(false, "consumer", ring, consumerFlags))) {
                awaitConsumers(created, 2);
                MemorySegment message = arena.allocate(64);
                long seq = 0;
                for (int phase = 0; phase < 3; phase++) {
                    if (phase == 1) {
                        signal("STOP", inC.process());
                    } else if (phase == 2) {
                        signal("CONT", inC.process());
                    }
                    for (int i = 0; i < perPhase; i++, seq++) {
                        int length = sizes.lengthOf(3, seq);
                        TrafficPattern.fill(message.asSlice(0, length), 3, seq);
                        assertThat(producer.offer(message.asSlice(0, length))).as("nobody gates").isTrue();
                        if (phase != 1 && (i & 63) == 0) {
                            Thread.sleep(0, 200_000); // a pace the running consumers keep up with, mostly
                        }
                    }
                }
                created.closeForWriting();
                long[] lostInC = new long[1];
                long totalLost = accountedFor(inC, seq, (received, lost) -> lostInC[0] = lost)
                        + accountedFor(inJava, seq, (received, lost) -> { });
                assertThat(lostInC[0]).as("stopped while %d messages went through 64 slots", perPhase).isPositive();
                assertThat(created.fanOutOverwritten()).as("the consumers' own counts of what they skipped")
                        .isEqualTo(totalLost);
            }
        }
    }

    /**
     * Overwrite mode with the C producer: a C consumer stopped before it starts misses all but the
     * last ring's worth, and counts exactly that; a Java consumer beside it accounts for everything.
     */
    @Test
    void inOverwriteModeTheCProducerLapsAStoppedConsumerWhichCountsExactlyWhatItMissed() throws Exception {
        String ring = names.ring("fan-ow-c");
        int messages = 50_000;
        try (Ring created = Ring.create(ring, RingSpec.of(64, 64).fanOut(FanOutMode.OVERWRITE))) {
            String[] consumerFlags = {"--verify", "--size", "16-64", "--timeout-ms", "60000"};
            try (Peer inC = Peer.start(program(true, "consumer", ring, consumerFlags));
                 Peer inJava = Peer.start(program(false, "consumer", ring, consumerFlags))) {
                awaitConsumers(created, 2);
                signal("STOP", inC.process());
                try (Peer producer = Peer.start(program(true, "producer", ring, "--pattern", "--size", "16-64",
                        "--count", Integer.toString(messages), "--id", "4", "--close"))) {
                    assertThat(find(PRODUCER, producer.awaitExit(Duration.ofSeconds(120)).requireSuccess().output())
                            .group(1)).isEqualTo(Integer.toString(messages));
                }
                signal("CONT", inC.process());
                long totalLost = accountedFor(inC, messages, (received, lost) ->
                        assertThat(received).as("the last ring's worth, still there when it resumed").isEqualTo(64))
                        + accountedFor(inJava, messages, (received, lost) -> { });
                assertThat(created.fanOutOverwritten()).isEqualTo(totalLost);
            }
        }
    }

    /**
     * Waits for an overwrite-mode consumer process and checks its summary: every message received or
     * counted missing, none duplicated, out of order or damaged. Returns how many it missed.
     */
    private static long accountedFor(Peer consumer, long messages, java.util.function.BiConsumer<Long, Long> also)
            throws InterruptedException {
        var result = consumer.awaitExit(Duration.ofSeconds(120));
        Matcher got = find(CONSUMER, result.output());
        long received = Long.parseLong(got.group(1));
        long lost = Long.parseLong(got.group(2));
        assertThat(received + lost).as("every message received or counted missing: %s", result.output())
                .isEqualTo(messages);
        assertThat(List.of(got.group(3), got.group(4), got.group(5))).as(result.output()).containsOnly("0");
        also.accept(received, lost);
        return lost;
    }

    /** Sends SIGSTOP or SIGCONT and, for STOP, waits until the process is stopped. */
    private static void signal(String name, Process process) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor()).isZero();
        java.nio.file.Path stat = java.nio.file.Path.of("/proc", Long.toString(process.pid()), "stat");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (name.equals("STOP") && System.nanoTime() - until < 0) {
            String line = java.nio.file.Files.readString(stat);
            if (line.charAt(line.lastIndexOf(')') + 2) == 'T') {
                return;
            }
            Thread.sleep(1);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
