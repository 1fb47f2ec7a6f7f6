// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.PosixException;
import io.github.panamashm.SharedMemory;
import io.github.panamashm.internal.posix.Errno;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A creator killed half way leaves an object that is not a ring yet: openers say so, and the next
 * creator, in Java or C, takes it over once it is clearly abandoned (its creator lock free, a second
 * without change), while a live creator's ring is left alone.
 */
class HalfMadeRingTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private static final RingSpec SPEC = RingSpec.of(8, 64);

    /** What a creator leaves when it dies after sizing the object (zeros: INITIALISING) or before (empty). */
    private static void leaveHalfMade(String name, boolean sized) throws Exception {
        if (sized) {
            SharedMemory.create(name, SPEC.totalSize()).close();
        } else {
            Files.createFile(Path.of("/dev/shm", name.substring(1)));
        }
        Thread.sleep(RingLayout.ABANDONED_AFTER_NANOS / 1_000_000 + 200);
    }

    private static void exchangeOneMessage(Ring ring) throws InterruptedException {
        try (Producer producer = ring.producer(); Consumer consumer = ring.consumer()) {
            producer.send(new byte[] {7});
            byte[] message = new byte[64];
            assertThat(consumer.receive(message, Duration.ofSeconds(5))).isEqualTo(1);
            assertThat(message[0]).isEqualTo((byte) 7);
        }
    }

    @ParameterizedTest(name = "sized: {0}")
    @ValueSource(booleans = {true, false})
    void openersSayTheRingIsHalfMadeAndAJavaCreatorTakesItOver(boolean sized) throws Exception {
        String name = names.ring("half-java");
        leaveHalfMade(name, sized);
        assertThatThrownBy(() -> Ring.open(name)).isInstanceOf(RingFormatException.class)
                .hasMessageContaining(sized ? "half made: its creator died" : "died before")
                .hasMessageContaining("creating the ring again takes it over");
        var c = Processes.run(List.of(Processes.nativeProgram("shm-consumer").toString(), "--ring", name), 30);
        assertThat(c.exitCode()).isEqualTo(2);
        assertThat(c.output()).contains(sized ? "half made: its creator died" : "died before sizing it");
        try (Ring ring = Ring.create(name, SPEC)) {
            exchangeOneMessage(ring);
        }
    }

    @Test
    void aCCreatorTakesOverAHalfMadeRingToo() throws Exception {
        String name = names.ring("half-c");
        leaveHalfMade(name, true);
        var produced = Processes.run(List.of(Processes.nativeProgram("shm-producer").toString(), "--ring", name,
                "--create", "--slots", "8", "--count", "3", "--size", "16"), 30);
        assertThat(produced.exitCode()).as(produced.output()).isZero();
        try (Ring ring = Ring.open(name); Consumer consumer = ring.consumer()) {
            for (int i = 0; i < 3; i++) {
                assertThat(consumer.receive(new byte[64], Duration.ofSeconds(5))).isEqualTo(16);
            }
        }
    }

    @Test
    void anObjectTooShortForAnIdentityIsSomeoneElsesAndNeitherCreatorTouchesIt() throws Exception {
        // a creator sizes the object at once: 1 to 127 bytes is no creator's half-made ring
        int[] sizes = {1, 8, 100, (int) RingLayout.IDENTITY.byteSize() - 1};
        List<Path> objects = new java.util.ArrayList<>();
        for (int size : sizes) {
            String name = names.ring("short-" + size); // doorbells too, should a creator take it over
            Path object = Path.of("/dev/shm", name.substring(1));
            Files.write(object, new byte[size]); // zeros: no foreign magic to give it away
            objects.add(object);
        }
        Thread.sleep(RingLayout.ABANDONED_AFTER_NANOS / 1_000_000 + 200);
        for (int i = 0; i < sizes.length; i++) {
            String name = "/" + objects.get(i).getFileName();
            assertThatThrownBy(() -> Ring.create(name, SPEC)).as("Java, %d bytes", sizes[i])
                    .isInstanceOf(PosixException.class)
                    .satisfies(e -> assertThat(((PosixException) e).errno()).isEqualTo(Errno.EEXIST));
            var produced = Processes.run(List.of(Processes.nativeProgram("shm-producer").toString(), "--ring", name,
                    "--create", "--slots", "8", "--count", "0"), 30);
            assertThat(produced.exitCode()).as("C, %d bytes: %s", sizes[i], produced.output()).isEqualTo(2);
            assertThat(produced.output()).contains(name + " already exists");
            assertThat(Files.readAllBytes(objects.get(i))).as("untouched").isEqualTo(new byte[sizes[i]]);
        }
    }

    @Test
    void aRingBeingMadeByALiveCreatorIsNotTakenOver() throws Exception {
        String name = names.ring("half-live");
        try (SharedMemory creating = SharedMemory.create(name, SPEC.totalSize())) {
            assertThat(creating.tryLock(RingLayout.CREATOR_LOCK_OFFSET, 1)).isTrue(); // a creator at work
            Thread.sleep(RingLayout.ABANDONED_AFTER_NANOS / 1_000_000 + 200);
            assertThatThrownBy(() -> Ring.create(name, SPEC)).isInstanceOf(PosixException.class)
                    .satisfies(e -> assertThat(((PosixException) e).errno()).isEqualTo(Errno.EEXIST));
            assertThatThrownBy(() -> Ring.open(name)).isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("still being initialised by its creator");
            var produced = Processes.run(List.of(Processes.nativeProgram("shm-producer").toString(), "--ring", name,
                    "--create", "--slots", "8", "--count", "1"), 30);
            assertThat(produced.exitCode()).isEqualTo(2);
            assertThat(produced.output()).contains("being created by another process");
        }
    }

    @Test
    void aFreshHalfMadeRingIsGivenTimeAndAFinishedRingIsNeverTakenOver() throws Exception {
        String young = names.ring("half-young");
        SharedMemory.create(young, SPEC.totalSize()).close(); // its creator may be between shm_open and its lock
        assertThatThrownBy(() -> Ring.create(young, SPEC)).isInstanceOf(PosixException.class);
        String done = names.ring("half-done");
        try (Ring ring = Ring.create(done, SPEC)) {
            Thread.sleep(RingLayout.ABANDONED_AFTER_NANOS / 1_000_000 + 200);
            assertThatThrownBy(() -> Ring.create(done, SPEC)).isInstanceOf(PosixException.class);
            exchangeOneMessage(ring);
        }
    }
}
