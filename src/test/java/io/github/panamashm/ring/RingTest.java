// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.SharedMemory;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ring's semantics within one process; RingInteropTest covers separate processes and C. */
class RingTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void messagesArriveInOrderIntactInEveryInputForm() throws InterruptedException {
        String name = names.ring("forms");
        try (Ring ring = Ring.create(name, RingSpec.of(8, 64));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer();
             Arena arena = Arena.ofConfined()) {
            assertThat(producer.offer(bytes("one"))).isTrue();
            producer.send(arena.allocateFrom("two")); // includes the terminating NUL
            producer.send(ByteBuffer.wrap(bytes("three")));
            ByteBuffer direct = ByteBuffer.allocateDirect(8).put(bytes("four")).flip();
            assertThat(producer.offer(direct)).isTrue();
            assertThat(direct.remaining()).isZero();
            assertThat(producer.send(bytes(""), Duration.ofSeconds(1))).isTrue();

            byte[] buffer = new byte[64];
            assertThat(consumer.receive(buffer)).isEqualTo(3);
            assertThat(new String(buffer, 0, 3, StandardCharsets.UTF_8)).isEqualTo("one");
            MemorySegment segment = arena.allocate(64);
            assertThat(consumer.receive(segment, Duration.ofSeconds(1))).isEqualTo(4);
            assertThat(segment.getString(0)).isEqualTo("two");
            ByteBuffer heap = ByteBuffer.allocate(64);
            assertThat(consumer.receive(heap)).isEqualTo(5);
            assertThat(new String(heap.array(), 0, heap.position(), StandardCharsets.UTF_8)).isEqualTo("three");
            ByteBuffer directOut = ByteBuffer.allocateDirect(64);
            assertThat(consumer.tryReceive(directOut)).isEqualTo(4);
            assertThat(directOut.flip().get(0)).isEqualTo((byte) 'f');
            assertThat(consumer.tryReceive(buffer)).isZero();
            assertThat(consumer.tryReceive(buffer)).isEqualTo(Consumer.NO_MESSAGE);
            assertThat(producer.messagesSent()).isEqualTo(5);
            assertThat(consumer.messagesReceived()).isEqualTo(5);
        }
    }

    @Test
    void fullRingRefusesOffersAndTimesOutSends() throws InterruptedException {
        String name = names.ring("full");
        try (Ring ring = Ring.create(name, RingSpec.of(2, 8));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            assertThat(producer.offer(bytes("a"))).isTrue();
            assertThat(producer.offer(bytes("b"))).isTrue();
            assertThat(producer.offer(bytes("c"))).isFalse();
            assertThat(producer.tryClaim(1)).isEqualTo(-1);
            long start = System.nanoTime();
            assertThat(producer.send(bytes("c"), Duration.ofMillis(300))).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
            assertThat(ring.depth()).isEqualTo(2);
            assertThat(consumer.receive(new byte[8])).isEqualTo(1);
            assertThat(producer.offer(bytes("c"))).isTrue();
        }
    }

    @Test
    void emptyRingTimesOutReceives() throws InterruptedException {
        String name = names.ring("empty");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 8)); Consumer consumer = ring.consumer()) {
            long start = System.nanoTime();
            assertThat(consumer.receive(new byte[8], Duration.ofMillis(300))).isEqualTo(Consumer.NO_MESSAGE);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
            assertThat(consumer.poll((buffer, index, length) -> { }, 10)).isZero();
        }
    }

    @Test
    void oversizedMessagesAndSmallBuffersLoseNothing() throws InterruptedException {
        String name = names.ring("sizes");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 16));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            assertThatThrownBy(() -> producer.offer(new byte[17]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("17 bytes exceeds the maximum of ring " + name + " (16 bytes)");
            assertThatThrownBy(() -> producer.claim(17)).isInstanceOf(IllegalArgumentException.class);
            producer.send(bytes("0123456789"));
            assertThatThrownBy(() -> consumer.receive(new byte[4]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("stays in the ring");
            byte[] buffer = new byte[16];
            assertThat(consumer.receive(buffer)).isEqualTo(10);
            assertThat(new String(buffer, 0, 10, StandardCharsets.UTF_8)).isEqualTo("0123456789");
        }
    }

    @Test
    void closedRingRefusesProducersAndEndsTheStreamAfterTheDrain() throws InterruptedException {
        String name = names.ring("closed");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 8));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            producer.send(bytes("last"));
            ring.closeForWriting();
            assertThat(ring.isClosedForWriting()).isTrue();
            assertThatThrownBy(() -> producer.offer(bytes("more"))).isInstanceOf(RingClosedException.class)
                    .hasMessage("ring " + name + " is closed for writing");
            assertThat(consumer.receive(new byte[8])).isEqualTo(4);
            assertThat(consumer.isEndOfStream()).isFalse();
            assertThat(consumer.receive(new byte[8])).isEqualTo(Consumer.END_OF_STREAM);
            assertThat(consumer.poll((buffer, index, length) -> { }, 5)).isEqualTo(Consumer.END_OF_STREAM);
            assertThat(consumer.isEndOfStream()).isTrue();
        }
    }

    @Test
    void aConsumerAsleepOnAnEmptyRingSeesTheEndOfStreamWhenItCloses() throws Exception {
        String name = names.ring("wake-eos");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 8)); Consumer consumer = ring.consumer()) {
            CompletableFuture<Integer> result = CompletableFuture.supplyAsync(() -> {
                try {
                    return consumer.receive(new byte[8]);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(200);
            ring.closeForWriting();
            assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(Consumer.END_OF_STREAM);
        }
    }

    @Test
    void zeroCopyClaimCommitAbortAndPoll() throws InterruptedException {
        String name = names.ring("zero-copy");
        try (Ring ring = Ring.create(name, RingSpec.of(8, 32));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            for (int i = 0; i < 5; i++) {
                producer.buffer().set(ValueLayout.JAVA_LONG_UNALIGNED, producer.claim(8), i * 100L);
                producer.commit();
            }
            producer.buffer().set(ValueLayout.JAVA_INT_UNALIGNED, producer.claim(32), 7);
            producer.commit(4);
            producer.claim(8);
            producer.abort();
            assertThatThrownBy(producer::commit).isInstanceOf(IllegalStateException.class);

            List<Long> values = new ArrayList<>();
            MessageHandler collect = (buffer, index, length) -> {
                assertThat(buffer.isReadOnly()).isTrue();
                values.add(length == 8 ? buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, index)
                        : length * 1000L + buffer.get(ValueLayout.JAVA_INT_UNALIGNED, index));
            };
            assertThat(consumer.poll(collect, 3)).isEqualTo(3);
            assertThat(values).containsExactly(0L, 100L, 200L);
            assertThat(consumer.poll(collect, 100)).isEqualTo(3);
            assertThat(values).containsExactly(0L, 100L, 200L, 300L, 400L, 4007L); // the aborted claim is skipped
        }
    }

    @Test
    void aSecondProducerOfASingleProducerRingIsRefused() {
        String name = names.ring("single");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 8).singleProducer(true));
             Ring other = Ring.open(name);
             Producer first = ring.producer()) {
            assertThatThrownBy(ring::producer).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("single-producer and already has a producer attached");
            assertThatThrownBy(other::producer).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("pid " + ProcessHandle.current().pid());
            try (Consumer a = other.consumer(); Consumer b = ring.consumer()) {
                assertThat(a).isNotNull();
                assertThat(b).isNotNull();
            }
            first.close();
            try (Producer second = other.producer()) {
                assertThat(second.offer(bytes("ok"))).isTrue();
            }
        }
    }

    @Test
    void thePeerTableShowsWhoIsAttachedAndAlive() throws InterruptedException {
        String name = names.ring("peers-info");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 8));
             Ring other = Ring.open(name);
             Producer producer = ring.producer()) {
            Consumer consumer = other.consumer();
            producer.send(bytes("m"));
            assertThat(consumer.receive(new byte[8])).isEqualTo(1);
            assertThat(ring.peers()).extracting(PeerInfo::role, PeerInfo::language, PeerInfo::messages, PeerInfo::alive)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(PeerInfo.Role.PRODUCER, PeerInfo.Language.JAVA, 1L, true),
                            org.assertj.core.groups.Tuple.tuple(PeerInfo.Role.CONSUMER, PeerInfo.Language.JAVA, 1L, true));
            other.close(); // the consumer was left open: to the ring it now looks dead
            assertThat(ring.peers()).filteredOn(PeerInfo::isConsumer).singleElement()
                    .satisfies(peer -> assertThat(peer.alive()).isFalse());
            consumer.close();
        }
    }

    @Test
    void aRingOutlivesItsCreatorAndIsRemovedOnlyOnPurpose() throws InterruptedException {
        String name = names.ring("outlive");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 8)); Producer producer = ring.producer()) {
            producer.send(bytes("kept"));
        }
        try (Ring ring = Ring.open(name); Consumer consumer = ring.consumer()) {
            byte[] buffer = new byte[8];
            assertThat(consumer.receive(buffer, Duration.ofSeconds(1))).isEqualTo(4);
        }
        assertThat(Ring.unlink(name)).isTrue();
        assertThat(Ring.unlink(name)).isFalse();
        assertThatThrownBy(() -> Ring.open(name)).isInstanceOf(NoSuchRingException.class)
                .hasMessage("no ring named " + name);
    }

    @Test
    void openWaitsForARingThatIsCreatedLater() throws Exception {
        String name = names.ring("later");
        CompletableFuture<Ring> opened = CompletableFuture.supplyAsync(() -> Ring.open(name, Duration.ofSeconds(20)));
        Thread.sleep(300);
        assertThat(opened).isNotDone();
        try (Ring created = Ring.create(name, RingSpec.of(4, 8)); Ring ring = opened.get(20, TimeUnit.SECONDS)) {
            assertThat(ring.slotCount()).isEqualTo(4);
        }
        assertThatThrownBy(() -> Ring.open(names.ring("never"), Duration.ofMillis(200)))
                .isInstanceOf(NoSuchRingException.class).hasMessageContaining("within 200 ms");
    }

    @Test
    void foreignAndDamagedObjectsAreRefusedWithTheReason() {
        String foreign = names.shm("foreign");
        try (SharedMemory shm = SharedMemory.create(foreign, 8192)) {
            shm.segment().set(ValueLayout.JAVA_LONG, 0, 0x1234L);
            assertThatThrownBy(() -> Ring.open(foreign)).isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("magic is 0x0000000000001234");
        }
        String tiny = names.shm("tiny");
        try (SharedMemory ignored = SharedMemory.create(tiny, 100)) {
            assertThatThrownBy(() -> Ring.open(tiny)).isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("smaller than a ring header");
        }
        String name = names.ring("damaged");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 8))) {
            MemorySegment header = ring.segment();
            header.set(ValueLayout.JAVA_SHORT, RingLayout.VERSION_MAJOR_OFFSET, (short) (RingLayout.VERSION_MAJOR + 1));
            assertThatThrownBy(() -> Ring.open(name)).isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("layout version is " + (RingLayout.VERSION_MAJOR + 1) + "." + RingLayout.VERSION_MINOR);
            header.set(ValueLayout.JAVA_SHORT, RingLayout.VERSION_MAJOR_OFFSET, (short) RingLayout.VERSION_MAJOR);
            header.set(ValueLayout.JAVA_INT, RingLayout.SLOT_COUNT_OFFSET, 3);
            assertThatThrownBy(() -> Ring.open(name)).isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("slot_count 3 is not a power of two");
            header.set(ValueLayout.JAVA_INT, RingLayout.SLOT_COUNT_OFFSET, 1 << 20);
            assertThatThrownBy(() -> Ring.open(name)).isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("total_size");
            header.set(ValueLayout.JAVA_INT, RingLayout.SLOT_COUNT_OFFSET, 4);
            header.set(ValueLayout.JAVA_LONG, RingLayout.LAYOUT_HASH_OFFSET, 42L);
            assertThatThrownBy(() -> Ring.open(name)).isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("layout hash");
        }
    }

    @Test
    @Timeout(60) // if waiters pinned the carriers, the executor's close would wait for ever
    void waitingVirtualThreadsDoNotStarveOtherVirtualThreads() throws Exception {
        String name = names.ring("virtual");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 8));
             var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<Consumer> consumers = new ArrayList<>();
            List<java.util.concurrent.Future<Integer>> waits = new ArrayList<>();
            for (int i = 0; i < 4; i++) { // more waiters than this machine has carrier threads
                Consumer consumer = ring.consumer();
                consumers.add(consumer);
                waits.add(executor.submit(() -> consumer.receive(new byte[8])));
            }
            Thread.sleep(300);
            Producer producer = ring.producer();
            var sending = executor.submit(() -> {
                for (int i = 0; i < 4; i++) {
                    producer.send(bytes("v" + i));
                }
                return true;
            });
            assertThat(sending.get(10, TimeUnit.SECONDS)).isTrue();
            for (var wait : waits) {
                assertThat(wait.get(10, TimeUnit.SECONDS)).isEqualTo(2);
            }
            producer.close();
            consumers.forEach(Consumer::close);
        }
    }

    @Test
    void badSpecsAndNamesAreRejected() {
        assertThatThrownBy(() -> RingSpec.of(4, 8).mode(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("let the owner read and write");
        assertThat(RingSpec.of(4, 8).mode(0660).mode()).isEqualTo(0660);
        assertThatThrownBy(() -> RingSpec.of(3, 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power of two");
        assertThatThrownBy(() -> RingSpec.of(4, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingSpec.of(4, 8).maxPeers(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ring.create("/" + "r".repeat(246), RingSpec.of(4, 8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 245");
        assertThatThrownBy(() -> Ring.open("relative")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void createIsExclusiveAndCleansUpAfterItself() {
        String name = names.ring("exclusive");
        try (Ring ignored = Ring.create(name, RingSpec.of(4, 8))) {
            assertThatThrownBy(() -> Ring.create(name, RingSpec.of(4, 8)))
                    .hasMessageContaining("EEXIST");
        }
        Ring.unlink(name);
        assertThatThrownBy(() -> NamedSemaphore.open(RingLayout.dataBellName(name))).hasMessageContaining("ENOENT");
    }

    @Test
    void theFullPeerTableIsReported() {
        String name = names.ring("peers");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 8).maxPeers(2))) {
            ring.consumer();
            ring.producer();
            assertThatThrownBy(ring::consumer).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("peer table of ring " + name + " is full");
        }
    }

    @Test
    void aWaitingConsumerSleepsInsteadOfSpinningAndWakesForData() throws Exception {
        String name = names.ring("sleep");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 8));
             Consumer consumer = ring.consumer();
             Producer producer = ring.producer()) {
            CompletableFuture<Measured> result = onItsOwnThread(() -> consumer.receive(new byte[8]));
            Thread.sleep(1500);
            assertThat(result).isNotDone();
            producer.send(bytes("wake"));
            Measured outcome = result.get(10, TimeUnit.SECONDS);
            assertThat(outcome.result()).isEqualTo(4);
            assertThat(ring.dataPosts()).as("woken by the doorbell, not by a slice's end")
                    .isEqualTo(1);
            // 1.5 s of waiting costs a spin phase and ~15 wake-ups of the wait slices: far below 1.5 s of CPU
            assertThat(outcome.cpuMillis()).isLessThan(300);
        }
    }

    @Test
    void misuseIsRefusedWithoutLosingOrStallingAnything() throws InterruptedException {
        String name = names.ring("misuse");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 16));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            assertThatThrownBy(() -> producer.claim(-1)).isInstanceOf(IllegalArgumentException.class);
            producer.buffer().asSlice(producer.claim(4), 4).fill((byte) 1);
            assertThatThrownBy(() -> producer.offer(bytes("x"))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not committed or aborted");
            producer.commit();

            MemorySegment closedSource;
            try (Arena arena = Arena.ofConfined()) {
                closedSource = arena.allocate(8);
            }
            MemorySegment source = closedSource;
            assertThatThrownBy(() -> producer.offer(source)).isInstanceOf(IllegalStateException.class);

            try (Arena arena = Arena.ofConfined()) {
                MemorySegment readOnly = arena.allocate(16).asReadOnly();
                assertThatThrownBy(() -> consumer.receive(readOnly)).isInstanceOf(IllegalArgumentException.class);
            }
            assertThatThrownBy(() -> consumer.poll((buffer, index, length) -> consumer.tryReceive(new byte[16]), 1))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("inside a poll handler");

            // the first message went to the throwing handler; the failed copy left no claimed position behind
            producer.send(bytes("after"));
            byte[] buffer = new byte[16];
            assertThat(consumer.receive(buffer, Duration.ofMillis(50))).isEqualTo(5);
            assertThat(new String(buffer, 0, 5, StandardCharsets.UTF_8)).isEqualTo("after");
            assertThat(ring.depth()).isZero();
            assertThat(ring.abandonedByProducers()).isZero();
        }
    }

    /** A throwing handler leaves the rest of its batch taken; the next calls hand it out, each with its own length. */
    @org.junit.jupiter.params.ParameterizedTest(name = "single consumer: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void theRestOfABatchWhoseHandlerThrewComesNextWithItsLengths(boolean singleConsumer) throws Exception {
        String name = names.ring("handler-threw");
        try (Ring ring = Ring.create(name, RingSpec.of(8, 16).singleConsumer(singleConsumer));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            for (int length = 1; length <= 5; length++) {
                producer.send(new byte[length]);
            }
            java.util.List<Integer> lengths = new java.util.ArrayList<>();
            assertThatThrownBy(() -> consumer.poll((buffer, index, length) -> {
                lengths.add(length);
                if (length == 2) {
                    throw new IllegalStateException("handler failed");
                }
            }, 5)).hasMessage("handler failed");
            assertThat(lengths).containsExactly(1, 2);
            assertThat(consumer.receive(new byte[3], Duration.ofMillis(50))).as("message 3 fits exactly").isEqualTo(3);
            assertThatThrownBy(() -> consumer.receive(new byte[3])).as("message 4 does not fit; it stays")
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 bytes");
            lengths.clear();
            assertThat(consumer.poll((buffer, index, length) -> lengths.add(length), 5)).isEqualTo(2);
            assertThat(lengths).containsExactly(4, 5);
            assertThat(ring.depth()).isZero();
        }
    }

    @Test
    void aConsumerWaitingOnAClosedRingForAPendingClaimSleeps() throws Exception {
        String name = names.ring("closed-pending");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 16));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            MemorySegment pending = producer.buffer().asSlice(producer.claim(4), 4); // claimed before the close: still delivered
            ring.closeForWriting();
            Measured outcome = onItsOwnThread(() -> consumer.receive(new byte[16], Duration.ofSeconds(1)))
                    .get(10, TimeUnit.SECONDS);
            assertThat(outcome.result()).isEqualTo(Consumer.NO_MESSAGE); // the live producer still holds it
            assertThat(outcome.cpuMillis()).as("CPU ms while waiting 1 s").isLessThan(300);
            pending.fill((byte) 7);
            producer.commit();
            assertThat(consumer.receive(new byte[16])).isEqualTo(4);
            assertThat(consumer.receive(new byte[16])).isEqualTo(Consumer.END_OF_STREAM);
        }
    }

    @Test
    void theUncontendedCopyPathNeitherAllocatesNorRingsADoorbell() throws InterruptedException {
        String name = names.ring("alloc");
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Ring ring = Ring.create(name, RingSpec.of(64, 64));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer();
             Arena arena = Arena.ofConfined()) {
            byte[] in = new byte[48];
            MemorySegment out = arena.allocate(64);
            for (int warmUp = 0; warmUp < 200_000; warmUp++) { // let the JIT compile the path
                producer.offer(in);
                consumer.tryReceive(out);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            long received = 0;
            for (int i = 0; i < 100_000; i++) {
                producer.offer(in);
                received += consumer.tryReceive(out);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(received).isEqualTo(100_000L * in.length);
            assertThat(allocated).as("bytes allocated for 100,000 messages").isLessThan(10_000);
            assertThat(ring.dataPosts() + ring.spacePosts()).as("semaphore posts without sleepers").isZero();
        }
    }

    @Test
    void aPolledMessageIsForwardedToAnotherRingInPlaceWithoutAllocating() throws InterruptedException {
        String first = names.ring("forward-in");
        String second = names.ring("forward-out");
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Ring in = Ring.create(first, RingSpec.of(64, 64));
             Ring out = Ring.create(second, RingSpec.of(64, 64));
             Producer source = in.producer();
             Consumer relay = in.consumer();
             Producer forward = out.producer();
             Consumer sink = out.consumer();
             Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = arena.allocate(64);
            assertThatThrownBy(() -> forward.offer(scratch, 60, 8)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> forward.offer(scratch, -1, 8)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(out.depth()).as("nothing claimed by a refused offer").isZero();
            MessageHandler relayEach = (buffer, index, length) -> {
                if (!forward.offer(buffer, index, length)) {
                    throw new AssertionError("the second ring is full");
                }
            };
            byte[] message = new byte[40];
            byte[] received = new byte[64];
            long allocatedBefore = 0;
            for (int i = 0; i < 300_000; i++) {
                if (i == 200_000) { // after the JIT compiled the path
                    allocatedBefore = threads.getCurrentThreadAllocatedBytes();
                }
                message[0] = (byte) i;
                message[39] = (byte) (i >> 8);
                source.offer(message, 0, 1 + i % 40);
                // plain checks in the loop: assertions would allocate
                if (relay.poll(relayEach, 1) != 1 || sink.tryReceive(received) != 1 + i % 40
                        || received[0] != (byte) i || (i % 40 == 39 && received[39] != (byte) (i >> 8))) {
                    throw new AssertionError("message " + i + " arrived changed");
                }
            }
            assertThat(threads.getCurrentThreadAllocatedBytes() - allocatedBefore)
                    .as("bytes allocated for 100,000 forwarded messages").isLessThan(10_000);
            forward.send(scratch.fill((byte) 9), 8, 4);
            assertThat(forward.send(scratch, 60, 4, Duration.ZERO)).isTrue();
            assertThat(sink.tryReceive(received)).isEqualTo(4);
            assertThat(received[0]).isEqualTo((byte) 9);
            assertThat(sink.tryReceive(received)).isEqualTo(4);
        }
    }

    /** What inspect shows of a stalled ring: the position a side waits behind and the peer holding it. */
    @org.junit.jupiter.params.ParameterizedTest(name = "single consumer: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void inspectNamesThePeerAStalledRingWaitsOn(boolean singleConsumer) throws Exception {
        String name = names.ring("holdup");
        int pid = (int) ProcessHandle.current().pid();
        try (Ring ring = Ring.create(name, RingSpec.of(2, 8).singleConsumer(singleConsumer));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            assertThat(Ring.inspect(name).holdups()).as("an idle ring").isEmpty();
            producer.tryClaim(8); // claimed, not published: consumers wait behind position 0
            RingSnapshot claimed = Ring.inspect(name);
            int producerEntry = claimed.peers().stream().filter(PeerInfo::isProducer).findFirst().orElseThrow().index();
            assertThat(claimed.holdups()).containsExactly(
                    new RingSnapshot.Holdup(PeerInfo.Role.CONSUMER, 0, producerEntry, pid, true));
            producer.commit();
            assertThat(producer.offer(bytes("1"))).isTrue(); // full now
            assertThat(Ring.inspect(name).holdups()).as("full, but nothing taken").isEmpty();
            List<RingSnapshot> inHandler = new ArrayList<>();
            consumer.poll((buffer, index, length) -> inHandler.add(Ring.inspect(name)), 1); // holds position 0
            int consumerEntry = inHandler.getFirst().peers().stream().filter(PeerInfo::isConsumer).findFirst()
                    .orElseThrow().index();
            assertThat(inHandler.getFirst().holdups()).containsExactly(
                    new RingSnapshot.Holdup(PeerInfo.Role.PRODUCER, 0, consumerEntry, pid, true));
            assertThat(Ring.inspect(name).holdups()).as("released after the handler").isEmpty();
        }
    }

    @Test
    void aProducerWaitingForSpaceSleepsAndWakesWhenASlotFrees() throws Exception {
        String name = names.ring("sleep-space");
        try (Ring ring = Ring.create(name, RingSpec.of(2, 8));
             Consumer consumer = ring.consumer();
             Producer producer = ring.producer()) {
            assertThat(producer.offer(bytes("1")) && producer.offer(bytes("2"))).isTrue();
            CompletableFuture<Measured> sending = onItsOwnThread(() -> {
                producer.send(bytes("3"));
                return 0;
            });
            Thread.sleep(1500);
            assertThat(sending).as("the producer waits while the ring is full").isNotDone();
            assertThat(consumer.receive(new byte[8])).isEqualTo(1);
            assertThat(sending.get(10, TimeUnit.SECONDS).cpuMillis()).as("CPU ms of 1.5 s waiting").isLessThan(300);
            assertThat(ring.spacePosts()).as("woken by the doorbell, not by a slice's end")
                    .isEqualTo(1);
            assertThat(consumer.receive(new byte[8])).isEqualTo(1);
            byte[] third = new byte[8];
            assertThat(consumer.receive(third)).isEqualTo(1);
            assertThat(third[0]).isEqualTo((byte) '3');
        }
    }

    @Test
    void producersAndConsumersOnThreadsDeliverEachMessageOnce() throws Exception {
        String name = names.ring("threads");
        int producers = 3;
        int perProducer = 50_000;
        try (Ring ring = Ring.create(name, RingSpec.of(4, 16))) {
            List<CompletableFuture<long[]>> consumers = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                Consumer consumer = ring.consumer();
                consumers.add(CompletableFuture.supplyAsync(() -> {
                    long[] sums = new long[2];
                    byte[] buffer = new byte[16];
                    try {
                        while (consumer.receive(buffer) != Consumer.END_OF_STREAM) {
                            sums[0]++;
                            sums[1] += java.nio.ByteBuffer.wrap(buffer).getLong(0);
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return sums;
                }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
            }
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                Producer producer = ring.producer();
                threads.add(Thread.ofPlatform().start(() -> {
                    byte[] message = new byte[8];
                    for (long i = 0; i < perProducer; i++) {
                        java.nio.ByteBuffer.wrap(message).putLong(0, id * 1_000_000L + i);
                        try {
                            producer.send(message);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }));
            }
            for (Thread thread : threads) {
                assertThat(thread.join(Duration.ofSeconds(120))).as("producer thread finished").isTrue();
            }
            ring.closeForWriting();
            long count = 0;
            long sum = 0;
            for (var consumer : consumers) {
                long[] sums = consumer.get(60, TimeUnit.SECONDS);
                count += sums[0];
                sum += sums[1];
            }
            long expectedSum = 0;
            for (int p = 0; p < producers; p++) {
                expectedSum += p * 1_000_000L * perProducer + (long) perProducer * (perProducer - 1) / 2;
            }
            assertThat(count).isEqualTo((long) producers * perProducer);
            assertThat(sum).isEqualTo(expectedSum);
        }
    }

    /** What a call returned, and the CPU time its thread spent in it. */
    private record Measured(long result, long cpuMillis) {
    }

    private interface Call {
        long run() throws Exception;
    }

    /** Runs {@code call} on a platform thread of its own, measuring that thread's CPU time. */
    private static CompletableFuture<Measured> onItsOwnThread(Call call) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        CompletableFuture<Measured> outcome = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                long before = threads.getCurrentThreadCpuTime();
                long result = call.run();
                outcome.complete(new Measured(result,
                        TimeUnit.NANOSECONDS.toMillis(threads.getCurrentThreadCpuTime() - before)));
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        return outcome;
    }

    @Test
    void aThrowingHandlerLeavesTheRestOfItsBatchFirstInLine() throws InterruptedException {
        String name = names.ring("throwing-batch");
        try (Ring ring = Ring.create(name, RingSpec.of(8, 8));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            for (int i = 0; i < 6; i++) {
                assertThat(producer.offer(new byte[] {(byte) i})).isTrue();
            }
            assertThatThrownBy(() -> consumer.poll((buffer, index, length) -> {
                throw new IllegalStateException("handler failed on " + buffer.get(ValueLayout.JAVA_BYTE, index));
            }, 4)).hasMessage("handler failed on 0");
            // 1..3 were taken with 0 and come next, before 4 and 5, whatever the call
            byte[] one = new byte[8];
            assertThat(consumer.receive(one, Duration.ofMillis(100))).isEqualTo(1);
            assertThat(one[0]).isEqualTo((byte) 1);
            List<Byte> rest = new ArrayList<>();
            while (rest.size() < 4) {
                consumer.poll((buffer, index, length) -> rest.add(buffer.get(ValueLayout.JAVA_BYTE, index)), 10);
            }
            assertThat(rest).containsExactly((byte) 2, (byte) 3, (byte) 4, (byte) 5);
            assertThat(ring.depth()).isZero();
            assertThat(ring.lostInConsumers()).isZero();
        }
    }

    @Test
    void aHandlerCannotPollItsOwnConsumer() {
        String name = names.ring("reentrant-poll");
        try (Ring ring = Ring.create(name, RingSpec.of(8, 8));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            for (int i = 0; i < 4; i++) {
                assertThat(producer.offer(new byte[] {(byte) i})).isTrue();
            }
            List<Byte> seen = new ArrayList<>();
            assertThatThrownBy(() -> consumer.poll((buffer, index, length) -> {
                seen.add(buffer.get(ValueLayout.JAVA_BYTE, index));
                consumer.poll((b, i, l) -> seen.add((byte) -1), 10);
            }, 4)).isInstanceOf(IllegalStateException.class).hasMessageContaining("inside a poll handler");
            while (seen.size() < 4) {
                consumer.poll((buffer, index, length) -> seen.add(buffer.get(ValueLayout.JAVA_BYTE, index)), 10);
            }
            assertThat(seen).containsExactly((byte) 0, (byte) 1, (byte) 2, (byte) 3); // each once, in order
        }
    }

    @Test
    void everyWaitPolicyEndsAWaitOnInterrupt() throws Exception {
        for (WaitPolicy policy : List.of(WaitPolicy.busySpin(), WaitPolicy.standard(), WaitPolicy.sleep())) {
            String name = names.ring("interrupt");
            try (Ring ring = Ring.create(name, RingSpec.of(2, 8));
                 Consumer consumer = ring.consumer(policy);
                 Producer producer = ring.producer(policy)) {
                assertInterruptEnds(() -> consumer.receive(new byte[8]), policy + " consumer on an empty ring");
                assertThat(producer.offer(bytes("a"))).isTrue();
                assertThat(producer.offer(bytes("b"))).isTrue();
                assertInterruptEnds(() -> producer.send(bytes("c")), policy + " producer on a full ring");
                assertThat(consumer.receive(new byte[8])).as("nothing was lost").isEqualTo(1);
            }
        }
    }

    private interface Wait {
        void run() throws InterruptedException;
    }

    private static void assertInterruptEnds(Wait wait, String what) throws Exception {
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                wait.run();
                ended.complete(null);
            } catch (Throwable t) {
                ended.complete(t);
            }
        });
        Thread.sleep(50); // let it get into its wait
        waiter.interrupt();
        assertThat(ended.get(10, TimeUnit.SECONDS)).as(what).isInstanceOf(InterruptedException.class);
        waiter.join();
    }
}
