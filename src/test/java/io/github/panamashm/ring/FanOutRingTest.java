// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.SharedMemory;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.github.panamashm.ring.RingLayout.INT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fan-out rings through the Java API, in one process: every consumer reads every message, the
 * slowest gates the producer, consumers join live, and sleeping consumers are all woken. Across
 * processes and languages: {@code FanOutInteropTest}.
 */
class FanOutRingTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private static byte[] message(int i) {
        return new byte[] {(byte) i, (byte) (i >> 8), (byte) (i >> 16), (byte) (i >> 24)};
    }

    private static int number(byte[] buffer) {
        return (buffer[0] & 0xff) | (buffer[1] & 0xff) << 8 | (buffer[2] & 0xff) << 16 | (buffer[3] & 0xff) << 24;
    }

    @Test
    void aFanOutSpecHasOneProducerAndManyConsumers() {
        RingSpec spec = RingSpec.of(8, 16).fanOut();
        assertThat(spec.singleProducer()).isTrue();
        assertThat(spec.singleConsumer()).isFalse();
        assertThat(spec.fanOutMode()).isEqualTo(FanOutMode.BLOCK);
        assertThatThrownBy(() -> spec.singleProducer(false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fan-out");
        assertThatThrownBy(() -> spec.singleConsumer(true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fan-out");
        assertThat(spec.totalSize()).as("the cursors live in the peer entries").isEqualTo(RingSpec.of(8, 16).totalSize());
    }

    /**
     * Inspection names the producer as what consumers wait behind only while a position is claimed and
     * unpublished: its intent (§9.2 rule 5) covers every position from where it attached, claimed or not.
     */
    @Test
    void inspectionNamesTheProducerOnlyWhileItHoldsAClaimedPosition() throws Exception {
        try (Ring ring = Ring.create(names.ring("holdup"), RingSpec.of(4, 16).fanOut());
             Consumer consumer = ring.consumer(); Producer producer = ring.producer()) {
            byte[] buffer = new byte[16];
            for (int i = 0; i < 6; i++) { // past a lap: the ring's head stays 0, and slot 0 is not position 0's
                producer.send(message(i));
                assertThat(consumer.tryReceive(buffer)).isEqualTo(4);
            }
            assertThat(Ring.inspect(ring.name()).holdups()).as("nothing claimed").isEmpty();
            long index = producer.tryClaim(4);
            assertThat(index).isNotNegative();
            int producerIndex = ring.peers().stream().filter(PeerInfo::isProducer).findFirst().orElseThrow().index();
            assertThat(Ring.inspect(ring.name()).holdups()).containsExactly(
                    new RingSnapshot.Holdup(PeerInfo.Role.CONSUMER, 6, producerIndex, (int) ProcessHandle.current().pid(), true));
            producer.buffer().set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, index, 6);
            producer.commit();
            assertThat(Ring.inspect(ring.name()).holdups()).as("published").isEmpty();
        }
    }

    @Test
    void everyConsumerReadsEveryMessageInOrder() throws InterruptedException {
        try (Ring ring = Ring.create(names.ring("every"), RingSpec.of(8, 16).fanOut());
             Producer producer = ring.producer();
             Consumer a = ring.consumer();
             Consumer b = ring.consumer()) {
            assertThat(ring.isFanOut()).isTrue();
            assertThat(ring.fanOutMode()).contains(FanOutMode.BLOCK);
            for (int i = 0; i < 5; i++) {
                assertThat(producer.offer(message(i))).isTrue();
            }
            byte[] buffer = new byte[16];
            for (Consumer consumer : List.of(a, b)) {
                for (int i = 0; i < 5; i++) {
                    assertThat(consumer.tryReceive(buffer)).isEqualTo(4);
                    assertThat(number(buffer)).isEqualTo(i);
                }
                assertThat(consumer.tryReceive(buffer)).isEqualTo(Consumer.NO_MESSAGE);
            }
            // by poll too, in place, in batches
            for (int i = 5; i < 12; i++) {
                producer.send(message(i));
            }
            for (Consumer consumer : List.of(b, a)) {
                List<Integer> seen = new ArrayList<>();
                while (seen.size() < 7) {
                    consumer.poll((segment, index, length) -> seen.add(segment.get(ValueLayout.JAVA_INT_UNALIGNED, index)), 3);
                }
                assertThat(seen).containsExactly(5, 6, 7, 8, 9, 10, 11);
            }
            assertThat(a.messagesReceived()).isEqualTo(12);
            assertThat(b.messagesReceived()).isEqualTo(12);
        }
    }

    @Test
    void theSlowestConsumerGatesTheProducerAndLeavingUngatesIt() {
        try (Ring ring = Ring.create(names.ring("gate"), RingSpec.of(4, 16).fanOut());
             Producer producer = ring.producer();
             Consumer fast = ring.consumer()) {
            Consumer slow = ring.consumer();
            byte[] buffer = new byte[16];
            for (int i = 0; i < 4; i++) {
                assertThat(producer.offer(message(i))).isTrue();
                assertThat(fast.tryReceive(buffer)).isEqualTo(4);
            }
            assertThat(producer.offer(message(4))).as("the slow consumer has read nothing of 4 slots").isFalse();
            assertThat(ring.depth()).isEqualTo(4);
            assertThat(slow.tryReceive(buffer)).isEqualTo(4);
            assertThat(number(buffer)).isZero();
            assertThat(producer.offer(message(4))).as("one slot read by every consumer").isTrue();
            assertThat(producer.offer(message(5))).isFalse();
            slow.close();
            assertThat(producer.offer(message(5))).as("a consumer that left gates nothing").isTrue();
            assertThat(fast.tryReceive(buffer)).isEqualTo(4);
            assertThat(number(buffer)).isEqualTo(4);
        }
    }

    @Test
    void withoutConsumersTheProducerRunsFreeAndAConsumerJoinsLive() {
        try (Ring ring = Ring.create(names.ring("live"), RingSpec.of(2, 16).fanOut());
             Producer producer = ring.producer()) {
            for (int i = 0; i < 10; i++) {
                assertThat(producer.offer(message(i))).as("nobody gates a ring without consumers").isTrue();
            }
            try (Consumer late = ring.consumer()) {
                byte[] buffer = new byte[16];
                assertThat(late.tryReceive(buffer)).as("a joiner starts at the next message published")
                        .isEqualTo(Consumer.NO_MESSAGE);
                assertThat(producer.offer(message(10))).isTrue();
                assertThat(late.tryReceive(buffer)).isEqualTo(4);
                assertThat(number(buffer)).isEqualTo(10);
            }
        }
    }

    @Test
    void aSecondProducerIsRefused() {
        try (Ring ring = Ring.create(names.ring("second"), RingSpec.of(4, 16).fanOut());
             Producer ignored = ring.producer();
             Ring other = Ring.open(ring.name())) {
            assertThatThrownBy(other::producer).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("single-producer");
        }
    }

    @Test
    void eachConsumerSeesTheEndOfTheStreamAfterTheWholeStream() throws InterruptedException {
        try (Ring ring = Ring.create(names.ring("end"), RingSpec.of(4, 16).fanOut());
             Producer producer = ring.producer();
             Consumer a = ring.consumer();
             Consumer b = ring.consumer()) {
            producer.send(message(1));
            producer.send(message(2));
            ring.closeForWriting();
            byte[] buffer = new byte[16];
            for (Consumer consumer : List.of(a, b)) {
                assertThat(consumer.receive(buffer, Duration.ofSeconds(5))).isEqualTo(4);
                assertThat(consumer.receive(buffer, Duration.ofSeconds(5))).isEqualTo(4);
                assertThat(number(buffer)).isEqualTo(2);
                assertThat(consumer.receive(buffer, Duration.ofSeconds(5))).isEqualTo(Consumer.END_OF_STREAM);
            }
        }
    }

    /** Every sleeping consumer gets every message: one publish wakes them all (a futex epoch, not one token). */
    @Test
    void oneMessageWakesEverySleepingConsumer() throws Exception {
        int sleepers = 3;
        int messages = 50;
        try (Ring ring = Ring.create(names.ring("wake"), RingSpec.of(4, 16).fanOut());
             Producer producer = ring.producer()) {
            ExecutorService pool = Executors.newFixedThreadPool(sleepers);
            try {
                List<Consumer> consumers = new ArrayList<>();
                for (int i = 0; i < sleepers; i++) {
                    consumers.add(ring.consumer(WaitPolicy.sleep()));
                }
                CountDownLatch started = new CountDownLatch(sleepers);
                List<Future<List<Integer>>> results = new ArrayList<>();
                for (Consumer consumer : consumers) {
                    results.add(pool.submit(() -> {
                        started.countDown();
                        List<Integer> got = new ArrayList<>();
                        byte[] buffer = new byte[16];
                        // each wait is far shorter than a sleep slice (1 s): only a wake-up delivers in time
                        while (got.size() < messages) {
                            int length = consumer.receive(buffer, Duration.ofMillis(500));
                            if (length != 4) {
                                break;
                            }
                            got.add(number(buffer));
                        }
                        return got;
                    }));
                }
                started.await();
                for (int i = 0; i < messages; i++) {
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
                    while (System.nanoTime() < deadline && (int) INT.getVolatile(ring.segment(),
                            RingLayout.CONSUMERS_WAITING_OFFSET) < sleepers) {
                        Thread.onSpinWait(); // most of the time every consumer is asleep when a message goes
                    }
                    producer.send(message(i), Duration.ofSeconds(5));
                }
                List<Integer> expected = new ArrayList<>();
                for (int i = 0; i < messages; i++) {
                    expected.add(i);
                }
                for (Future<List<Integer>> result : results) {
                    assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo(expected);
                }
                assertThat(ring.dataPosts()).as("publishes that found sleepers woke them").isPositive();
                for (Consumer consumer : consumers) {
                    consumer.close();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** A consumer asleep in this process leaves when the ring is closed, at once, not at the end of a slice. */
    @Test
    void closingTheRingWakesAConsumerAsleepOnTheEpoch() throws Exception {
        Ring ring = Ring.create(names.ring("close"), RingSpec.of(4, 16).fanOut());
        Consumer consumer = ring.consumer(WaitPolicy.sleep());
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Throwable> waiting = pool.submit(() -> {
                try {
                    consumer.receive(new byte[16], Duration.ofSeconds(30));
                    return null;
                } catch (Throwable e) {
                    return e;
                }
            });
            while ((int) INT.getVolatile(ring.segment(), RingLayout.CONSUMERS_WAITING_OFFSET) == 0) {
                Thread.sleep(1);
            }
            long start = System.nanoTime();
            ring.close();
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
            assertThat(System.nanoTime() - start).as("close returns once its sleeper left")
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(900));
        } finally {
            pool.shutdownNow();
            ring.close();
        }
    }

    @Test
    void peersShowEachConsumersCursorAndLag() {
        try (Ring ring = Ring.create(names.ring("lag"), RingSpec.of(8, 16).fanOut());
             Producer producer = ring.producer();
             Consumer a = ring.consumer();
             Consumer b = ring.consumer()) {
            for (int i = 0; i < 5; i++) {
                producer.offer(message(i));
            }
            for (int i = 0; i < 3; i++) {
                a.tryReceive(new byte[16]);
            }
            List<PeerInfo> consumers = ring.peers().stream().filter(p -> p.role() == PeerInfo.Role.CONSUMER).toList();
            assertThat(consumers).extracting(PeerInfo::position).containsExactly(3L, 0L);
            assertThat(ring.depth()).as("the slowest consumer's lag").isEqualTo(5);
        }
    }

    /** Overwrite mode: the producer never waits; a consumer a lap behind goes on at the oldest message left, counting the rest. */
    @Test
    void inOverwriteModeTheProducerNeverWaitsAndALappedConsumerCountsWhatItMissed() throws InterruptedException {
        try (Ring ring = Ring.create(names.ring("overwrite"), RingSpec.of(8, 16).fanOut(FanOutMode.OVERWRITE));
             Producer producer = ring.producer();
             Consumer a = ring.consumer();
             Consumer b = ring.consumer()) {
            assertThat(ring.fanOutMode()).contains(FanOutMode.OVERWRITE);
            byte[] buffer = new byte[16];
            for (int i = 0; i < 3; i++) {
                assertThat(producer.offer(message(i))).isTrue();
            }
            assertThat(a.tryReceive(buffer)).isEqualTo(4);
            assertThat(number(buffer)).isZero();
            assertThat(b.tryReceive(buffer)).isEqualTo(4);
            for (int i = 3; i < 20; i++) {
                assertThat(producer.offer(message(i))).as("nobody gates in overwrite mode").isTrue();
            }
            // the tail is 20: positions 12 ... 19 are still in the 8 slots
            assertThat(a.tryReceive(buffer)).isEqualTo(4);
            assertThat(number(buffer)).isEqualTo(12);
            assertThat(a.messagesLost()).isEqualTo(11);
            for (int i = 13; i < 20; i++) {
                assertThat(a.tryReceive(buffer)).isEqualTo(4);
                assertThat(number(buffer)).isEqualTo(i);
            }
            assertThat(a.tryReceive(buffer)).isEqualTo(Consumer.NO_MESSAGE);
            List<Integer> polled = new ArrayList<>();
            assertThat(b.poll((segment, index, length) -> polled.add(segment.get(ValueLayout.JAVA_INT_UNALIGNED, index)), 100))
                    .as("a poll hands over every message left, each a checked copy").isEqualTo(8);
            assertThat(polled).containsExactly(12, 13, 14, 15, 16, 17, 18, 19);
            assertThat(b.messagesLost()).isEqualTo(11);
            assertThat(ring.fanOutOverwritten()).isEqualTo(22);
            assertThat(a.messagesReceived() + a.messagesLost()).as("everything published since it attached").isEqualTo(20);

            producer.offer(message(20));
            assertThatThrownBy(() -> a.tryReceive(new byte[2])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("stays in the ring");
            assertThat(a.tryReceive(buffer)).isEqualTo(4);
            assertThat(number(buffer)).isEqualTo(20);
            RingSnapshot snapshot = Ring.inspect(ring.name());
            assertThat(snapshot.fanOutMode()).isEqualTo(FanOutMode.OVERWRITE);
            assertThat(snapshot.counters().fanOutOverwritten()).isEqualTo(22);
            assertThat(snapshot.holdups()).as("nobody holds an overwrite ring's producer up").isEmpty();
            ring.closeForWriting();
            assertThat(a.receive(buffer, Duration.ofSeconds(5))).isEqualTo(Consumer.END_OF_STREAM);
            assertThat(b.receive(buffer, Duration.ofSeconds(5))).isEqualTo(4);
            assertThat(b.receive(buffer, Duration.ofSeconds(5))).isEqualTo(Consumer.END_OF_STREAM);
        }
    }

    /** A consumer is never lapped while it gates; if its entry was freed under it, it says so and writes there no more. */
    @Test
    void aConsumerWhoseEntryWasFreedUnderItSaysSoAndLeavesTheEntryAlone() {
        try (Ring ring = Ring.create(names.ring("freed"), RingSpec.of(4, 16).fanOut());
             Producer producer = ring.producer()) {
            Consumer consumer = ring.consumer();
            int index = ring.peers().stream().filter(PeerInfo::isConsumer).findFirst().orElseThrow().index();
            long entry = RingLayout.peerOffset(index);
            INT.setVolatile(ring.segment(), entry + RingLayout.PEER_STATE_OFFSET, RingLayout.PEER_FREE);
            for (int i = 0; i < 6; i++) {
                assertThat(producer.offer(message(i))).as("a freed entry gates nothing").isTrue();
            }
            assertThatThrownBy(() -> consumer.tryReceive(new byte[16])).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not its own");
            assertThatThrownBy(() -> consumer.tryReceive(new byte[16])).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("dropped");
            INT.setVolatile(ring.segment(), entry + RingLayout.PEER_STATE_OFFSET, RingLayout.PEER_ACTIVE); // "another's now"
            consumer.close();
            assertThat((int) INT.getVolatile(ring.segment(), entry + RingLayout.PEER_STATE_OFFSET))
                    .as("close wrote nothing into the entry").isEqualTo(RingLayout.PEER_ACTIVE);
        }
    }

    @Test
    void aRingWithAnUnknownFanOutModeIsRefused() {
        String name = names.ring("mode");
        try (Ring ignored = Ring.create(name, RingSpec.of(4, 16).fanOut());
             SharedMemory shm = SharedMemory.open(name)) {
            INT.set(shm.segment(), RingLayout.FANOUT_MODE_OFFSET, 3);
            assertThatThrownBy(() -> Ring.open(name)).isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("a fan-out ring with flags 0x9 and fanout_mode 3");
            INT.set(shm.segment(), RingLayout.FANOUT_MODE_OFFSET, RingLayout.FANOUT_BLOCK);
            INT.set(shm.segment(), RingLayout.FLAGS_OFFSET, RingLayout.FLAG_FANOUT);
            assertThatThrownBy(() -> Ring.open(name)).isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("it needs SINGLE_PRODUCER alone");
        }
    }

    @Test
    void theObserverOfAFanOutRingSeesMessagesWithoutGating() {
        try (Ring ring = Ring.create(names.ring("observe"), RingSpec.of(4, 16).fanOut());
             Producer producer = ring.producer()) {
            RingObserver observer = ring.observer();
            for (int i = 0; i < 3; i++) {
                producer.offer(message(i));
            }
            List<Integer> seen = new ArrayList<>();
            assertThat(observer.poll((s, index, length) -> seen.add(s.get(ValueLayout.JAVA_INT_UNALIGNED, index)), 10))
                    .isEqualTo(3);
            assertThat(seen).containsExactly(0, 1, 2);
            for (int i = 3; i < 13; i++) {
                assertThat(producer.offer(message(i))).as("an observer does not gate").isTrue();
            }
            seen.clear();
            observer.poll((s, index, length) -> seen.add(s.get(ValueLayout.JAVA_INT_UNALIGNED, index)), 100);
            assertThat(seen).as("what is still in the ring").containsExactly(9, 10, 11, 12);
            assertThat(observer.missed()).isEqualTo(6);
        }
    }
}
