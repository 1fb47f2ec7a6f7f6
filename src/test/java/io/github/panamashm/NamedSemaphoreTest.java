// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm;

import io.github.panamashm.testing.PeerMain;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NamedSemaphoreTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    @Test
    void countsAcquiresAndReleases() {
        try (NamedSemaphore semaphore = NamedSemaphore.create(names.semaphore("count"), 2)) {
            assertThat(semaphore.value()).isEqualTo(2);
            assertThat(semaphore.tryAcquire()).isTrue();
            assertThat(semaphore.tryAcquire()).isTrue();
            assertThat(semaphore.tryAcquire()).isFalse();
            semaphore.release();
            assertThat(semaphore.value()).isEqualTo(1);
        }
    }

    @Test
    void releaseInOneProcessWakesAWaiterInAnother() throws Exception {
        String name = names.semaphore("wake");
        try (NamedSemaphore semaphore = NamedSemaphore.create(name, 0);
             var waiter = Processes.start(Processes.javaCommand(PeerMain.class, "sem-acquire", name, "60000"))) {
            assertThat(waiter.awaitOutput("waiting", Duration.ofSeconds(60))).as(waiter.output()).isTrue();
            Thread.sleep(200); // let the peer go to sleep in sem_clockwait
            semaphore.release();
            var finished = waiter.awaitExit(Duration.ofSeconds(60)).requireSuccess();
            assertThat(finished.output()).contains("acquired");
            assertThat(semaphore.value()).isZero();
        }
    }

    @Test
    void waiterHereIsWokenByAReleaseInAnotherProcess() throws Exception {
        String name = names.semaphore("wake-here");
        try (NamedSemaphore semaphore = NamedSemaphore.create(name, 0)) {
            CompletableFuture<Boolean> acquired = CompletableFuture.supplyAsync(() -> {
                try {
                    return semaphore.tryAcquire(Duration.ofSeconds(60));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Processes.run(Processes.javaCommand(PeerMain.class, "sem-release", name), 60).requireSuccess();
            assertThat(acquired.get(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void timedAcquireGivesUpAfterTheTimeout() throws InterruptedException {
        try (NamedSemaphore semaphore = NamedSemaphore.create(names.semaphore("timeout"), 0)) {
            long start = System.nanoTime();
            assertThat(semaphore.tryAcquire(Duration.ofMillis(250))).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
            assertThat(semaphore.tryAcquire(Duration.ZERO)).isFalse();
        }
    }

    @Test
    void blockedAcquireAnswersInterrupt() throws Exception {
        try (NamedSemaphore semaphore = NamedSemaphore.create(names.semaphore("interrupt"), 0)) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread waiter = Thread.ofPlatform().start(() -> {
                try {
                    semaphore.acquire();
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            Thread.sleep(150);
            waiter.interrupt();
            assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        }
    }

    @Test
    void closeWhileAThreadWaitsEndsTheWaitAndLaterUseThrows() throws Exception {
        NamedSemaphore semaphore = NamedSemaphore.create(names.semaphore("close"), 0);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                semaphore.acquire();
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        Thread.sleep(150);
        semaphore.close();
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(semaphore::release).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(semaphore::tryAcquire).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(semaphore::value).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void createIsExclusiveAndOpenNeedsAnExistingSemaphore() {
        String name = names.semaphore("excl");
        try (NamedSemaphore ignored = NamedSemaphore.create(name, 0)) {
            assertThatThrownBy(() -> NamedSemaphore.create(name, 0))
                    .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.errnoName()).isEqualTo("EEXIST"));
        }
        NamedSemaphore.unlink(name);
        assertThatThrownBy(() -> NamedSemaphore.open(name))
                .isInstanceOfSatisfying(PosixException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("ENOENT");
                    assertThat(e.function()).isEqualTo("sem_open");
                });
        assertThat(NamedSemaphore.unlinkIfExists(name)).isFalse();
    }

    @Test
    void modeIsExactlyWhatWasAsked() throws Exception {
        String name = names.semaphore("mode");
        try (NamedSemaphore ignored = NamedSemaphore.create(name, 0, 0666)) {
            Path file = Path.of("/dev/shm/sem." + name.substring(1));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-rw-rw-");
        }
    }

    @Test
    void aModeBeyondPermissionBitsIsRefusedBeforeAnythingIsCreated() {
        String name = names.semaphore("bad-mode");
        assertThatThrownBy(() -> NamedSemaphore.create(name, 0, 04600))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 0777");
        assertThat(Files.exists(NamedSemaphore.file(name))).isFalse();
    }

    @Test
    void aClosedSemaphoreSaysSoOnEveryCall() {
        NamedSemaphore semaphore = NamedSemaphore.create(names.semaphore("closed"), 1);
        semaphore.close();
        assertThatThrownBy(semaphore::release).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        assertThatThrownBy(semaphore::value).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        assertThatThrownBy(semaphore::tryAcquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    }

    @Test
    void badNamesAreRejected() {
        assertThatThrownBy(() -> NamedSemaphore.open("/" + "s".repeat(252)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 251");
        assertThatThrownBy(() -> NamedSemaphore.create("nope", 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NamedSemaphore.create(names.semaphore("negative"), -1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void valueOfAnotherProcessHandleIsShared() throws ExecutionException, InterruptedException {
        String name = names.semaphore("shared");
        try (NamedSemaphore a = NamedSemaphore.create(name, 0); NamedSemaphore b = NamedSemaphore.open(name)) {
            a.release();
            a.release();
            assertThat(b.value()).isEqualTo(2);
            assertThat(b.tryAcquire()).isTrue();
            assertThat(a.value()).isEqualTo(1);
        }
    }
}
