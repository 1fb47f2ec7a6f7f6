// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.testing.PeerMain;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Would catch a lost wake-up: thousands of sleep/wake cycles through 2-slot rings, every peer with
 * the {@link WaitPolicy#sleep()} policy, so each message makes a side sleep on a doorbell and the
 * other ring it, in both directions (data and space) and between Java and C processes. A lost
 * wake-up leaves a sleeper asleep until its one-second slice ends: the slowest single step is
 * asserted to be far below that.
 */
class WakeUpStressTest {

    private static final int ROUND_TRIPS = 5_000;
    private static final int MESSAGES = 20_000;
    private static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(400);

    @RegisterExtension
    final ShmNames names = new ShmNames();

    @Test
    void javaPingsACPongWithBothAsleepBetweenMessages() throws Exception {
        String base = names.ring("wake-c");
        String ab = trackRing(base + ".ab");
        String ba = trackRing(base + ".ba");
        try (var pong = Processes.start(cBench("pong", base, ROUND_TRIPS, "--spsc"))) {
            assertThat(pong.awaitOutput("ready", Duration.ofSeconds(30))).as(pong.output()).isTrue();
            assertThat(slowestRoundTrip(ab, ba, WaitPolicy.sleep())).isLessThan(STALL_NANOS);
            pong.awaitExit(Duration.ofSeconds(60)).requireSuccess();
        }
    }

    /**
     * "sleep": both sides sleep fenced (publishers fence for them); "barrier": both sleep after a
     * membarrier (a standard policy whose spin is over at once), the publishers' fast path unfenced.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sleep", "barrier"})
    void javaPingsAJavaEchoWithBothAsleepBetweenMessages(String sleeping) throws Exception {
        String ab = names.ring("wake-j-ab");
        String ba = names.ring("wake-j-ba");
        WaitPolicy policy = sleeping.equals("sleep") ? WaitPolicy.sleep() : WaitPolicy.spinThenSleep(Duration.ofNanos(1));
        try (Ring abRing = Ring.create(ab, RingSpec.of(2, 64)); Ring baRing = Ring.create(ba, RingSpec.of(2, 64));
             var echo = Processes.start(Processes.javaCommand(PeerMain.class, "ring-echo", ab, ba,
                     String.valueOf(ROUND_TRIPS), sleeping))) {
            assertThat(echo.awaitOutput("ready", Duration.ofSeconds(30))).as(echo.output()).isTrue();
            assertThat(slowestRoundTrip(ab, ba, policy)).isLessThan(STALL_NANOS);
            assertThat(echo.awaitExit(Duration.ofSeconds(60)).requireSuccess().output()).contains("echoed " + ROUND_TRIPS);
            assertThat((int) RingLayout.INT.getVolatile(abRing.segment(), RingLayout.FENCED_SLEEPERS_OFFSET))
                    .as("fenced sleepers after both detached").isZero();
        }
    }

    @Test
    void javaStreamsIntoACConsumerThroughTwoSlotsBothAsleep() throws Exception {
        String name = trackRing(ShmNames.unique("wake-jc"));
        try (var consumer = Processes.start(cBench("consume", name, MESSAGES))) {
            assertThat(consumer.awaitOutput("ready", Duration.ofSeconds(30))).as(consumer.output()).isTrue();
            long slowest = 0;
            try (Ring ring = Ring.open(name, Duration.ofSeconds(5)); Producer producer = ring.producer(WaitPolicy.sleep())) {
                for (long seq = 0; seq < MESSAGES; seq++) {
                    long start = System.nanoTime();
                    long index = producer.claim(64, Duration.ofSeconds(30));
                    assertThat(index).as("claim %d", seq).isNotNegative();
                    benchPayload(producer, index, seq);
                    producer.commit();
                    slowest = Math.max(slowest, requireNoStall(System.nanoTime() - start, "send", seq));
                }
            }
            assertThat(consumer.awaitExit(Duration.ofSeconds(60)).requireSuccess().output()).contains("errors=0");
            assertThat(slowest).as("slowest send, ns").isLessThan(STALL_NANOS);
        }
    }

    @Test
    void aCProducerStreamsIntoJavaThroughTwoSlotsBothAsleep() throws Exception {
        String name = names.ring("wake-cj");
        long slowest = 0;
        try (Ring ring = Ring.create(name, RingSpec.of(2, 64)); Consumer consumer = ring.consumer(WaitPolicy.sleep());
             var producer = Processes.start(cBench("produce", name, MESSAGES))) {
            byte[] message = new byte[64];
            for (long seq = 0; seq < MESSAGES; seq++) {
                long start = System.nanoTime();
                assertThat(consumer.receive(message, Duration.ofSeconds(30))).as("message %d", seq).isEqualTo(64);
                assertThat(java.nio.ByteBuffer.wrap(message).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0))
                        .isEqualTo(seq);
                if (seq > 0) {
                    slowest = Math.max(slowest, requireNoStall(System.nanoTime() - start, "receive", seq));
                }
            }
            producer.awaitExit(Duration.ofSeconds(60)).requireSuccess();
        }
        assertThat(slowest).as("slowest receive, ns").isLessThan(STALL_NANOS);
    }

    /** Pings through ring {@code ab} and waits for the echo on {@code ba}; returns the slowest round trip. */
    private static long slowestRoundTrip(String ab, String ba, WaitPolicy policy) throws InterruptedException {
        long slowest = 0;
        try (Ring out = Ring.open(ab, Duration.ofSeconds(5)); Ring in = Ring.open(ba, Duration.ofSeconds(5));
             Producer producer = out.producer(policy); Consumer consumer = in.consumer(policy)) {
            byte[] reply = new byte[64];
            for (long seq = 0; seq < ROUND_TRIPS; seq++) {
                long start = System.nanoTime();
                long index = producer.claim(64, Duration.ofSeconds(30));
                assertThat(index).as("claim %d", seq).isNotNegative();
                benchPayload(producer, index, seq);
                producer.commit();
                assertThat(consumer.receive(reply, Duration.ofSeconds(30))).as("reply %d", seq).isEqualTo(64);
                slowest = Math.max(slowest, requireNoStall(System.nanoTime() - start, "round trip", seq));
            }
        }
        return slowest;
    }

    /** Fails at the first step that took as long as a lost wake-up would make it. */
    private static long requireNoStall(long nanos, String step, long seq) {
        assertThat(nanos).as("%s %d took %d ms: a wake-up was lost", step, seq, nanos / 1_000_000)
                .isLessThan(STALL_NANOS);
        return nanos;
    }

    /** The benchmark's payload (sequence number little-endian, then its low byte), which the C side verifies. */
    private static void benchPayload(Producer producer, long index, long seq) {
        producer.buffer().set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN),
                index, seq);
        producer.buffer().asSlice(index + 8, 56).fill((byte) seq);
    }

    private List<String> cBench(String role, String name, int count, String... extra) {
        List<String> command = new ArrayList<>(List.of(Processes.nativeProgram("bench-pshm").toString(), role,
                "--name", name, "--size", "64", "--count", String.valueOf(count), "--warmup", "0", "--slots", "2",
                "--wait", "sleep", "--timeout-ms", "60000"));
        command.addAll(List.of(extra));
        return command;
    }

    private String trackRing(String name) {
        names.track(name, RingLayout.dataBellName(name), RingLayout.spaceBellName(name));
        return name;
    }
}
