// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.junit;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

/** The JUnit 5 kit used as users use it, and its clean-up checked from outside a test it ran. */
@ExtendWith(RingExtension.class)
class RingExtensionTest {

    @Test
    void aCConsumerReceivesWhatJavaSendsIntoATempRing(@TempRing(slots = 8, maxMessageSize = 64) Ring ring, Peers peers)
            throws Exception {
        Peer consumer = peers.start(Processes.nativeProgram("shm-consumer"), "--ring", ring.name(), "--timeout-ms",
                "30000");
        try (Producer producer = ring.producer()) {
            for (int i = 0; i < 100; i++) {
                producer.send(new byte[] {(byte) i}); // waits while the 8 slots are full
            }
        }
        ring.closeForWriting();
        PeerResult result = consumer.awaitExit(Duration.ofSeconds(30));
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.summaryValue("received")).isEqualTo(100);
        assertThat(result.summary()).containsEntry("lost", "0").containsKey("checksum");
    }

    @Test
    void eachTempRingIsFreshAndUnique(@TempRing Ring first, @TempRing(slots = 2, singleConsumer = true) Ring second) {
        assertThat(first.name()).isNotEqualTo(second.name()).startsWith("/pshm-junit-");
        assertThat(first.slotCount()).isEqualTo(64);
        assertThat(second.slotCount()).isEqualTo(2);
        assertThat(second.isSingleConsumer()).isTrue();
        assertThat(first.depth()).isZero();
    }

    /** Run only through the test kit below (surefire skips nested classes; so does discovery of the outer one). */
    @ExtendWith(RingExtension.class)
    static class Sample {
        static volatile String ringName;
        static volatile Peer sleeper;

        @Test
        void leavesAPeerRunning(@TempRing Ring ring, Peers peers) {
            ringName = ring.name();
            sleeper = peers.start("sleep", "600");
        }

        @Test
        void failsAfterAPeerPrintedSomething(@TempRing Ring ring, Peers peers) throws InterruptedException {
            ringName = ring.name();
            peers.start("echo", "hello from the peer").awaitExit(Duration.ofSeconds(10));
            throw new AssertionError("the test's own failure");
        }

        @Test
        void failsWhileAPeerStillRuns(@TempRing Ring ring, Peers peers) throws InterruptedException {
            ringName = ring.name();
            Peer chatty = peers.start("bash", "-c", "for i in $(seq 100); do echo line $i; done; exec sleep 600");
            chatty.awaitOutput("line 100", Duration.ofSeconds(10));
            throw new AssertionError("failed while a peer runs");
        }
    }

    private static void assertRemoved(String ring) {
        assertThat(Files.exists(Path.of("/dev/shm" + ring))).as(ring).isFalse();
        for (String bell : Ring.doorbellNames(ring)) {
            assertThat(Files.exists(NamedSemaphore.file(bell))).as(bell).isFalse();
        }
    }

    @Test
    void afterATestItsPeersAreKilledAndItsRingsRemoved() throws Exception {
        var events = EngineTestKit.engine("junit-jupiter")
                .selectors(selectMethod(Sample.class, "leavesAPeerRunning", Ring.class.getName() + "," + Peers.class.getName()))
                .execute().allEvents();
        assertThat(events.failed().stream().map(Event::toString).toList()).isEmpty();
        events.assertStatistics(stats -> stats.failed(0));
        assertRemoved(Sample.ringName);
        assertThat(Sample.sleeper.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("killed").isTrue();
        assertThat(events.reportingEntryPublished().stream().map(Event::toString).toList())
                .anyMatch(entry -> entry.contains("peer sleep 600"));
    }

    @Test
    void aFailedTestCarriesEachPeersOutput() {
        var events = EngineTestKit.engine("junit-jupiter")
                .selectors(selectMethod(Sample.class, "failsAfterAPeerPrintedSomething",
                        Ring.class.getName() + "," + Peers.class.getName()))
                .execute().testEvents();
        events.assertStatistics(stats -> stats.failed(1));
        Throwable failure = events.failed().stream().findFirst().orElseThrow()
                .getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow();
        assertThat(failure).hasMessage("the test's own failure");
        assertThat(List.of(failure.getSuppressed())).singleElement().satisfies(output ->
                assertThat(output.getMessage()).isEqualTo(
                        "peer echo hello from the peer had exited with status 0. Its output:\nhello from the peer"));
        assertRemoved(Sample.ringName);
    }

    @Test
    void aPeerStillRunningWhenTheTestFailedIsSaidToBeStoppedWithItsLastLines() {
        var events = EngineTestKit.engine("junit-jupiter")
                .selectors(selectMethod(Sample.class, "failsWhileAPeerStillRuns",
                        Ring.class.getName() + "," + Peers.class.getName()))
                .execute().testEvents();
        events.assertStatistics(stats -> stats.failed(1));
        Throwable failure = events.failed().stream().findFirst().orElseThrow()
                .getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow();
        assertThat(List.of(failure.getSuppressed())).singleElement().satisfies(output -> assertThat(output.getMessage())
                .startsWith("peer bash -c ")
                .contains("was still running when the test failed, and was stopped (SIGTERM, exit 143). "
                        + "The last 60 of its 100 lines:\nline 41\n")
                .endsWith("line 100")
                .doesNotContain("line 40\n"));
        assertRemoved(Sample.ringName);
    }
}
