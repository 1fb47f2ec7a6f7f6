// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.junit.Peer;
import io.github.panamashm.junit.PeerResult;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.testing.Processes;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo as a user runs it: a real JVM that starts the C and Java consumers as processes. */
class DemoTest {

    private static final Pattern RING = Pattern.compile("ring (/panama-shm-demo-\\d+)");

    @Test
    void theDemoDeliversEveryMessageOnceAndRemovesItsRing() throws InterruptedException {
        var demo = run(Processes.start(Processes.javaCommand(Main.class, "demo", "--count", "100000", "--slots", "64")));
        assertThat(demo.output()).contains("100,000 sent, 100,000 received").contains("each exactly once and intact");
        // both consumers attach before the first message, so each takes a share
        assertThat(demo.output()).containsPattern("C consumer    : received=[1-9]\\d* lost=0 duplicated=0 out_of_order=0 corrupt=0");
        assertThat(demo.output()).containsPattern("Java consumer : received=[1-9]\\d* lost=0 duplicated=0 out_of_order=0 corrupt=0");
        assertNothingLeft(ringOf(demo.output()));
    }

    @Test
    void theFanOutDemoDeliversEveryMessageToEachConsumer() throws InterruptedException {
        var demo = run(Processes.start(Processes.javaCommand(Main.class, "demo", "--fanout", "--count", "100000",
                "--slots", "64")));
        assertThat(demo.output()).contains("fan-out ring")
                .contains("100,000 sent, 100,000 received by the C consumer and 100,000 by the Java consumer")
                .contains("each consumer every message exactly once and intact");
        assertThat(demo.output()).containsPattern("C consumer    : received=100000 lost=0 duplicated=0 out_of_order=0 corrupt=0");
        assertThat(demo.output()).containsPattern("Java consumer : received=100000 lost=0 duplicated=0 out_of_order=0 corrupt=0");
        assertNothingLeft(ringOf(demo.output()));
    }

    @Test
    void theTypedDemoDeliversEveryOrderIntactAndShowsAConsumerOfAChangedHeaderRefused() throws InterruptedException {
        var started = Processes.start(Processes.javaCommand(Main.class, "demo", "--typed", "--count", "100000"));
        String ring = "/panama-shm-demo-typed-" + started.process().pid();
        PeerResult demo;
        try (started) {
            demo = started.awaitExit(Duration.ofSeconds(180)).requireSuccess();
        } finally {
            Ring.unlink(ring);
            Ring.unlink(ring + "-changed");
        }
        assertThat(demo.output()).contains("Java producer : sent 100000 orders")
                .contains("C consumer    : received=100000 wrong=0").contains("every field of every order arrived")
                .contains("ring " + ring + "-changed carries order (32 bytes): field \"qty\" is i32 there, f32 here")
                .contains("refused before it read anything");
        assertNothingLeft(ring);
        assertNothingLeft(ring + "-changed");
    }

    @Test
    void ratesAndCountsReadAsAPersonWritesThem() {
        assertThat(DemoCommand.rate(1_640_000)).isEqualTo("1.64 M");
        assertThat(DemoCommand.rate(12_345)).isEqualTo("12.3 k");
        assertThat(DemoCommand.rate(900)).isEqualTo("900");
        assertThat(RingTools.counted(1, "producer")).isEqualTo("1 producer");
        assertThat(RingTools.counted(0, "consumer")).isEqualTo("0 consumers");
    }

    /** Runs the demo to its end; whatever happens, its ring goes (the demo names it after its pid). */
    private static PeerResult run(Peer demo) throws InterruptedException {
        try (demo) {
            return demo.awaitExit(Duration.ofSeconds(180)).requireSuccess();
        } finally {
            Ring.unlink("/panama-shm-demo-" + demo.process().pid());
        }
    }

    @Test
    void aStoppedDemoStillRemovesEverythingItMade() throws Exception {
        var started = Processes.start(Processes.javaCommand(Main.class, "demo", "--count", "1000000000"));
        try (var demo = started) {
            assertThat(demo.awaitOutput("verified messages", Duration.ofSeconds(60))).as(demo.output()).isTrue();
            Thread.sleep(1000);
            // SIGTERM, as a service manager would stop it (Process.destroy would also close our end of its output)
            demo.process().toHandle().destroy();
            var finished = demo.awaitExit(Duration.ofSeconds(60));
            assertThat(finished.exitCode()).isNotZero();
            assertThat(finished.output()).as("exit %d", finished.exitCode()).contains("stopped early");
            String ring = ringOf(finished.output());
            assertNothingLeft(ring);
            assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(ring)))
                    .as("consumer processes of the demo").isEmpty();
        } finally {
            Ring.unlink("/panama-shm-demo-" + started.process().pid()); // in case the demo failed to
        }
    }

    private static String ringOf(String output) {
        Matcher m = RING.matcher(output);
        assertThat(m.find()).as(output).isTrue();
        return m.group(1);
    }

    private static void assertNothingLeft(String ring) {
        assertThat(Path.of("/dev/shm" + ring)).doesNotExist();
        assertThat(Path.of("/dev/shm/sem." + ring.substring(1) + ".data")).doesNotExist();
        assertThat(Path.of("/dev/shm/sem." + ring.substring(1) + ".space")).doesNotExist();
        assertThat(Files.exists(Path.of("/dev/shm" + ring))).isFalse();
    }
}
