// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.SharedMemory;
import io.github.panamashm.tools.cli.Main;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.github.panamashm.ring.RingLayout.LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Rings damaged behind the peers' backs — a slot's sequence or length overwritten, a doorbell file
 * emptied or filled with garbage — met by the Java library, the Java command line and the C
 * programs: each reports it clearly and within its timeout, and none crashes, hangs or spins.
 */
class DamagedRingTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private static final long BOUND_SECONDS = 30;

    private static List<String> c(String program, String... args) {
        List<String> command = new ArrayList<>(List.of(Processes.nativeProgram(program).toString()));
        command.addAll(List.of(args));
        return command;
    }

    private static List<String> java(String command, String... args) {
        List<String> all = Processes.javaCommand(Main.class, command);
        all.addAll(List.of(args));
        return all;
    }

    private static RingSpec spec(boolean singleConsumer) {
        return RingSpec.of(8, 64).singleConsumer(singleConsumer);
    }

    /** Overwrites the sequence of the slot of {@code position} through a mapping of its own. */
    private static void setSequence(String ring, long position, long sequence) {
        try (SharedMemory shm = SharedMemory.open(ring)) {
            MemorySegment segment = shm.segment();
            int headerSize = (int) RingLayout.INT.get(segment, RingLayout.HEADER_SIZE_OFFSET);
            int slotSize = (int) RingLayout.INT.get(segment, RingLayout.SLOT_SIZE_OFFSET);
            int slots = (int) RingLayout.INT.get(segment, RingLayout.SLOT_COUNT_OFFSET);
            LONG.setVolatile(segment, headerSize + (position & (slots - 1)) * (long) slotSize + RingLayout.SLOT_SEQUENCE_OFFSET,
                    sequence);
        }
    }

    private static void sendBytes(Ring ring, int... values) throws InterruptedException {
        try (Producer producer = ring.producer()) {
            for (int value : values) {
                producer.send(new byte[] {(byte) value});
            }
        }
    }

    @ParameterizedTest(name = "single consumer: {0}")
    @ValueSource(booleans = {false, true})
    void aSequenceAheadOfTheConsumerIsDroppedNamingTheSlotAndTheRestArrives(boolean singleConsumer) throws Exception {
        String name = names.ring("seq-ahead");
        try (Ring ring = Ring.create(name, spec(singleConsumer))) {
            sendBytes(ring, 0, 1, 2);
            setSequence(name, 1, 1_000_000);
            try (Consumer consumer = ring.consumer()) {
                byte[] message = new byte[64];
                assertThat(consumer.receive(message, Duration.ofSeconds(5))).isEqualTo(1);
                assertThat(message[0]).isEqualTo((byte) 0);
                assertThatThrownBy(() -> consumer.receive(message, Duration.ofSeconds(5)))
                        .isInstanceOf(RingFormatException.class)
                        .hasMessageContaining("slot 1 (position 1)").hasMessageContaining("sequence 1000000");
                assertThat(consumer.receive(message, Duration.ofSeconds(5))).isEqualTo(1);
                assertThat(message[0]).isEqualTo((byte) 2);
                assertThat(consumer.tryReceive(message)).isEqualTo(Consumer.NO_MESSAGE);
            }
            assertThat(ring.corruptSlots()).isEqualTo(1);
        }
    }

    /**
     * A single consumer never rewrites a slot on its own, so a damaged sequence it dropped must not
     * stay in the slot: one lap later it would drop a producer's real message there, or a position
     * nobody claimed, and then never see the end of the stream.
     */
    @ParameterizedTest(name = "single consumer: {0}")
    @ValueSource(booleans = {false, true})
    void aDroppedDamagedSlotIsNotDroppedAgainOneLapLater(boolean singleConsumer) throws Exception {
        String name = names.ring("seq-lap");
        try (Ring ring = Ring.create(name, spec(singleConsumer));
             Producer producer = ring.producer(); Consumer consumer = ring.consumer()) {
            byte[] message = new byte[64];
            for (int i = 0; i < 4; i++) {
                producer.send(new byte[] {(byte) i});
            }
            setSequence(name, 3, 1_000_000);
            for (int i = 0; i < 3; i++) {
                assertThat(consumer.tryReceive(message)).isEqualTo(1);
            }
            assertThatThrownBy(() -> consumer.tryReceive(message)).isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("position 3");
            for (int i = 4; i < 11; i++) { // up to position 3 + 8, the same slot one lap later
                producer.send(new byte[] {(byte) i});
                assertThat(consumer.tryReceive(message)).isEqualTo(1);
                assertThat(message[0]).isEqualTo((byte) i);
            }
            assertThat(consumer.tryReceive(message)).as("position 11 not claimed yet").isEqualTo(Consumer.NO_MESSAGE);
            long index = producer.tryClaim(1);
            assertThat(consumer.tryReceive(message)).as("position 11 claimed, not committed").isEqualTo(Consumer.NO_MESSAGE);
            producer.buffer().set(ValueLayout.JAVA_BYTE, index, (byte) 11);
            producer.commit();
            assertThat(consumer.tryReceive(message)).isEqualTo(1);
            assertThat(message[0]).isEqualTo((byte) 11);
            ring.closeForWriting();
            assertThat(consumer.receive(message, Duration.ofSeconds(5))).isEqualTo(Consumer.END_OF_STREAM);
            assertThat(ring.corruptSlots()).isEqualTo(1);
        }
    }

    /**
     * A single consumer's head is its own: a head another process wrote meanwhile neither moves it nor
     * makes a message too long for the buffer a reason to look again for ever (it is refused at once).
     */
    @Test
    void aForgedHeadDoesNotKeepASingleConsumerLookingAtAMessageTooLongForItsBuffer() throws Exception {
        String name = names.ring("forged-head");
        try (Ring ring = Ring.create(name, spec(true)); Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            producer.send(new byte[10]);
            try (SharedMemory shm = SharedMemory.open(name)) {
                LONG.setVolatile(shm.segment(), RingLayout.HEAD_OFFSET, 12_345L);
            }
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> assertThatThrownBy(() -> consumer.tryReceive(new byte[4]))
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10 bytes"));
            assertThat(consumer.tryReceive(new byte[16])).isEqualTo(10);
        }
    }

    /** A head beyond the tail found at take-over: read again from released, not waited at while producers overwrite. */
    @Test
    void aHeadBeyondTheTailIsPutBackAtTakeOverAndNothingIsOverwritten() throws Exception {
        String name = names.ring("head-beyond-tail");
        try (Ring ring = Ring.create(name, spec(true)); Producer producer = ring.producer()) {
            sendBytes(ring, 0, 1, 2);
            try (SharedMemory shm = SharedMemory.open(name)) {
                LONG.setVolatile(shm.segment(), RingLayout.HEAD_OFFSET, 1_000L);
            }
            try (Consumer consumer = ring.consumer()) {
                byte[] message = new byte[64];
                for (int i = 0; i < 3; i++) {
                    assertThat(consumer.tryReceive(message)).as("message %d", i).isEqualTo(1);
                    assertThat(message[0]).isEqualTo((byte) i);
                }
                for (int i = 3; i < 11; i++) {
                    assertThat(producer.offer(new byte[] {(byte) i})).as("send %d", i).isTrue();
                }
                assertThat(producer.offer(new byte[] {11})).as("the ring is full: nothing unread is overwritten").isFalse();
                for (int i = 3; i < 11; i++) {
                    assertThat(consumer.tryReceive(message)).isEqualTo(1);
                    assertThat(message[0]).isEqualTo((byte) i);
                }
            }
            assertThat(ring.corruptSlots()).isEqualTo(1);
        }
    }

    /** A consumer that dropped a damaged slot and died before resetting it: the take-over resets its slots. */
    @Test
    void aTakeOverResetsTheSlotsItInheritsSoNoDamagedValueIsMetOneLapLater() throws Exception {
        String name = names.ring("takeover-reset");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 64).singleConsumer(true)); Producer producer = ring.producer()) {
            for (int i = 0; i < 4; i++) {
                producer.send(new byte[] {(byte) i});
            }
            try (SharedMemory shm = SharedMemory.open(name)) { // a consumer took 0-2 and died, 1 dropped as damaged
                LONG.setVolatile(shm.segment(), RingLayout.HEAD_OFFSET, 3L);
            }
            setSequence(name, 1, 1_000_000);
            try (Consumer consumer = ring.consumer()) {
                byte[] message = new byte[64];
                assertThat(consumer.tryReceive(message)).isEqualTo(1);
                assertThat(message[0]).isEqualTo((byte) 3);
                producer.send(new byte[] {4});
                assertThat(consumer.tryReceive(message)).isEqualTo(1);
                assertThat(consumer.tryReceive(message)).as("position 5, slot 1: not yet").isEqualTo(Consumer.NO_MESSAGE);
                producer.send(new byte[] {5});
                assertThat(consumer.tryReceive(message)).isEqualTo(1);
                assertThat(message[0]).isEqualTo((byte) 5);
            }
            assertThat(ring.corruptSlots()).isZero();
        }
    }

    @Test
    void aFifoUnderTheRingsNameIsRefusedAtOnceAsNotRegular() throws Exception {
        String name = names.shm("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", "/dev/shm" + name).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
        long start = System.nanoTime();
        assertThatThrownBy(() -> Ring.open(name)).isInstanceOf(RingFormatException.class)
                .hasMessageContaining("not a regular shared-memory object");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no wait for a creator").isLessThan(Duration.ofSeconds(1));
        long cStart = System.nanoTime();
        var c = Processes.run(c("shm-consumer", "--ring", name), BOUND_SECONDS);
        assertThat(c.exitCode()).isEqualTo(2);
        assertThat(c.output()).as("the same words in C").contains("it is not a regular shared-memory object");
        assertThat(Duration.ofNanos(System.nanoTime() - cStart)).as("C: no wait either").isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aReleasedCursorBeyondTheHeadMakesTheNextSingleConsumerSkipWhatMayBeOverwritten() throws Exception {
        String name = names.ring("released-ahead");
        try (Ring ring = Ring.create(name, spec(true))) {
            sendBytes(ring, 0, 1, 2);
            try (SharedMemory shm = SharedMemory.open(name)) {
                LONG.setVolatile(shm.segment(), RingLayout.RELEASED_OFFSET, 2L); // head is 0
            }
            try (Consumer consumer = ring.consumer()) {
                byte[] message = new byte[64];
                assertThat(consumer.receive(message, Duration.ofSeconds(5))).isEqualTo(1);
                assertThat(message[0]).as("positions 0 and 1 are skipped").isEqualTo((byte) 2);
            }
            assertThat(ring.corruptSlots()).isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "consumer in {0}")
    @ValueSource(strings = {"C", "Java"})
    void theConsumerProgramsCountADamagedSlotAndGoOn(String language) throws Exception {
        String name = names.ring("seq-ahead-cli");
        try (Ring ring = Ring.create(name, spec(false))) {
            sendBytes(ring, 0, 1, 2, 3);
            setSequence(name, 2, 1L << 40);
            List<String> command = language.equals("C")
                    ? c("shm-consumer", "--ring", name, "--count", "4", "--timeout-ms", "3000")
                    : java("consume", "--ring", name, "--count", "4", "--timeout-ms", "3000");
            var finished = Processes.run(command, BOUND_SECONDS);
            assertThat(finished.output()).contains("damaged").contains("slot 2 (position 2)")
                    .contains("received=4").contains("corrupt=1");
            assertThat(ring.corruptSlots()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "consumer in {0}")
    @ValueSource(strings = {"C", "Java"})
    void aLengthBeyondTheMaximumIsDroppedAndCounted(String language) throws Exception {
        String name = names.ring("long-length");
        try (Ring ring = Ring.create(name, spec(false))) {
            sendBytes(ring, 0, 1);
            try (SharedMemory shm = SharedMemory.open(name)) {
                MemorySegment segment = shm.segment();
                int headerSize = (int) RingLayout.INT.get(segment, RingLayout.HEADER_SIZE_OFFSET);
                RingLayout.INT.set(segment, headerSize + RingLayout.SLOT_LENGTH_OFFSET, 1 << 30);
            }
            List<String> command = language.equals("C")
                    ? c("shm-consumer", "--ring", name, "--count", "2", "--timeout-ms", "3000")
                    : java("consume", "--ring", name, "--count", "2", "--timeout-ms", "3000");
            var finished = Processes.run(command, BOUND_SECONDS);
            assertThat(finished.output()).contains("slot 0 (position 0) claims 1073741824 bytes")
                    .contains("received=2").contains("corrupt=1");
        }
    }

    @ParameterizedTest(name = "producer in {0}")
    @ValueSource(strings = {"library", "C"})
    void aProducerResetsADamagedFreeSlotAndCountsIt(String producerKind) throws Exception {
        String name = names.ring("seq-ahead-free");
        try (Ring ring = Ring.create(name, spec(false)); Consumer consumer = ring.consumer()) {
            sendBytes(ring, 0, 1, 2, 3, 4, 5, 6, 7);
            byte[] message = new byte[64];
            for (int i = 0; i < 8; i++) {
                assertThat(consumer.receive(message, Duration.ofSeconds(5))).isEqualTo(1);
            }
            setSequence(name, 9, 5_000_000); // slot 1, free for position 9 after position 8 is sent
            if (producerKind.equals("library")) {
                try (Producer producer = ring.producer()) {
                    for (int i = 0; i < 4; i++) {
                        assertThat(producer.send(new byte[] {(byte) i}, Duration.ofSeconds(5))).as("send %d", i).isTrue();
                    }
                }
            } else {
                Processes.run(c("shm-producer", "--ring", name, "--count", "4", "--size", "16", "--timeout-ms", "5000"),
                        BOUND_SECONDS).requireSuccess();
            }
            for (int i = 0; i < 4; i++) {
                assertThat(consumer.receive(message, Duration.ofSeconds(5))).as("message %d", i).isPositive();
            }
            assertThat(ring.corruptSlots()).isEqualTo(1);
        }
    }

    /** Where glibc keeps a doorbell of {@code ring}. */
    private static Path bellFile(String ring, String bell) {
        return NamedSemaphore.file(ring + "." + bell);
    }

    @Test
    void anEmptyDoorbellFileIsRefusedAtOpenNotACrash() throws Exception {
        String name = names.ring("empty-bell");
        try (Ring ignored = Ring.create(name, spec(false))) {
            Files.write(bellFile(name, "data"), new byte[0]); // truncate -s 0
            assertThatThrownBy(() -> Ring.open(name)).isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("has 0 bytes, a semaphore has 32");
            for (List<String> command : List.of(
                    c("shm-consumer", "--ring", name, "--count", "1", "--timeout-ms", "1000"),
                    java("consume", "--ring", name, "--count", "1", "--timeout-ms", "1000"),
                    c("shm-producer", "--ring", name, "--count", "1", "--timeout-ms", "1000"))) {
                var finished = Processes.run(command, BOUND_SECONDS);
                assertThat(finished.exitCode()).as(finished.output()).isEqualTo(2);
                assertThat(finished.output()).contains("has 0 bytes, a semaphore has 32").doesNotContain("hs_err");
            }
        }
    }

    @Test
    void aDoorbellThatIsNotAFileOfTheRingsOwnerIsRefused() throws Exception {
        String name = names.ring("link-bell");
        try (Ring ignored = Ring.create(name, spec(false))) {
            Path bell = bellFile(name, "space");
            Path elsewhere = Files.createTempFile("not-a-semaphore", ".bin");
            try {
                Files.write(elsewhere, new byte[32]);
                Files.delete(bell);
                Files.createSymbolicLink(bell, elsewhere);
                assertThatThrownBy(() -> Ring.open(name)).isInstanceOf(RingFormatException.class)
                        .hasMessageContaining("not a regular file");
                var finished = Processes.run(c("shm-consumer", "--ring", name, "--count", "1"), BOUND_SECONDS);
                assertThat(finished.exitCode()).isEqualTo(2);
                assertThat(finished.output()).contains("is not a regular file");
            } finally {
                Files.deleteIfExists(elsewhere);
            }
        }
    }

    /** A doorbell whose value is garbage: every wait returns at once, and would, without backing off, for ever. */
    private static void fillWithGarbage(Path bell) throws IOException {
        ByteBuffer semaphore = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
        semaphore.putLong(0, 0x7fff_ffffL); // the value, no waiters
        Files.write(bell, semaphore.array());
    }

    @Test
    void aGarbageDoorbellDoesNotMakeAnIdleJavaConsumerSpin() throws Exception {
        String name = names.ring("garbage-bell-java");
        try (Ring creator = Ring.create(name, spec(false))) {
            fillWithGarbage(bellFile(name, "data"));
            try (Ring ring = Ring.open(name); Consumer consumer = ring.consumer(WaitPolicy.sleep())) {
                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                long cpuBefore = threads.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                assertThat(consumer.receive(new byte[64], Duration.ofSeconds(3))).isEqualTo(Consumer.NO_MESSAGE);
                long wallMillis = (System.nanoTime() - start) / 1_000_000;
                long cpuMillis = (threads.getCurrentThreadCpuTime() - cpuBefore) / 1_000_000;
                assertThat(wallMillis).isBetween(2_900L, 6_000L);
                // spinning on the garbage tokens took the whole 3 s; backing off takes a few ms
                assertThat(cpuMillis).as("CPU ms of a 3 s idle wait").isLessThan(300);
                // a sleeper still notices a message long before its wait ends (within its back-off)
                var waiting = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return consumer.receive(new byte[64], Duration.ofSeconds(20));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(1_500);
                long sent = System.nanoTime();
                try (Producer producer = creator.producer()) {
                    producer.send(new byte[] {42});
                }
                assertThat(waiting.get(20, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1);
                assertThat((System.nanoTime() - sent) / 1_000_000).as("ms from send to receipt").isLessThan(3_000);
            }
        }
    }

    @Test
    void aGarbageDoorbellDoesNotMakeAnIdleCConsumerSpin() throws Exception {
        String name = names.ring("garbage-bell-c");
        try (Ring ignored = Ring.create(name, spec(false))) {
            fillWithGarbage(bellFile(name, "data"));
            try (var consumer = Processes.start(c("shm-consumer", "--ring", name, "--count", "1", "--timeout-ms", "3000"))) {
                Thread.sleep(2_500);
                long ticks = cpuTicks(consumer.process().pid());
                var finished = consumer.awaitExit(Duration.ofSeconds(BOUND_SECONDS));
                assertThat(finished.output()).contains("received=0");
                // /proc counts in ticks of 10 ms; spinning would show ~250 by now
                assertThat(ticks).as("CPU ticks of 2.5 s idle").isLessThan(30);
            }
        }
    }

    /** As {@code truncate -s 0}: the object shrinks under every process that has it mapped. */
    private static void truncate(String ring) throws IOException {
        try (var channel = java.nio.channels.FileChannel.open(Path.of("/dev/shm", ring.substring(1)),
                java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"C consumer", "Java consumer", "C producer", "Java producer"})
    void aProgramWhoseRingIsTruncatedSaysSoPrintsItsSummaryAndExitsWithStatus3(String program) throws Exception {
        String name = names.ring("truncated");
        try (Ring ignored = Ring.create(name, spec(false))) {
            List<String> command = switch (program) {
                case "C consumer" -> c("shm-consumer", "--ring", name, "--timeout-ms", "20000");
                case "Java consumer" -> java("consume", "--ring", name, "--timeout-ms", "20000");
                case "C producer" -> c("shm-producer", "--ring", name, "--count", "1000000000", "--timeout-ms", "20000");
                default -> java("produce", "--ring", name, "--count", "1000000000", "--timeout-ms", "20000");
            };
            try (var running = Processes.start(command)) {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (ignored.peers().stream().noneMatch(PeerInfo::alive)) {
                    assertThat(System.nanoTime()).as("the program attaches").isLessThan(deadline);
                    Thread.sleep(10);
                }
                Thread.sleep(300); // a producer fills the ring and waits; a consumer waits for messages
                truncate(name);
                var finished = running.awaitExit(Duration.ofSeconds(BOUND_SECONDS));
                assertThat(finished.output()).contains("ring " + name + " was truncated by another process")
                        .containsPattern(program.endsWith("consumer") ? "received=\\d+" : "sent=\\d+")
                        .doesNotContain("hs_err").doesNotContain("Bus error").doesNotContain("InternalError");
                assertThat(finished.exitCode()).as(finished.output()).isEqualTo(3);
            }
        }
    }

    @Test
    void theLibraryReportsATruncatedRingWithItsOwnException() throws Exception {
        String name = names.ring("truncated-lib");
        try (Ring ring = Ring.create(name, spec(false)); Consumer consumer = ring.consumer();
             Producer producer = ring.producer()) {
            truncate(name);
            assertThat(ring.isTruncated()).isTrue();
            assertThatThrownBy(() -> consumer.receive(new byte[64], Duration.ofSeconds(1)))
                    .isInstanceOf(RingTruncatedException.class).hasMessageContaining("truncated by another process");
            assertThatThrownBy(() -> producer.offer(new byte[8]))
                    .isInstanceOf(RingTruncatedException.class);
        } // closing touches nothing of the vanished memory
    }

    /** utime + stime of a running process, in clock ticks. */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15 of proc(5)
    }
}
