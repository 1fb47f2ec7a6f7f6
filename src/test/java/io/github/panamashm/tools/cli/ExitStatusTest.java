// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.junit.Peer;
import io.github.panamashm.junit.PeerResult;
import io.github.panamashm.junit.Peers;
import io.github.panamashm.junit.RingExtension;
import io.github.panamashm.junit.TempRing;
import io.github.panamashm.ring.PeerInfo;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.testing.Processes;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM (what {@code kill} and {@link ProcessHandle#destroy()} send) and SIGINT stop the Java commands
 * and the C programs the same way: a line saying so, the summary, and the documented exit status
 * (1 for a producer stopped early, 0 for a consumer that lost nothing) — not the JVM's 143 or 130.
 */
@ExtendWith(RingExtension.class) // a fresh ring per case, and the program killed if the test fails
class ExitStatusTest {

    private static List<String> command(String program, String ring) {
        List<String> command;
        if (program.startsWith("C")) {
            command = new ArrayList<>(List.of(Processes.nativeProgram(
                    program.endsWith("producer") ? "shm-producer" : "shm-consumer").toString()));
        } else {
            command = Processes.javaCommand(Main.class, program.endsWith("producer") ? "produce" : "consume");
        }
        command.addAll(List.of("--ring", ring));
        if (program.endsWith("producer")) {
            command.addAll(List.of("--count", "1000000", "--size", "16"));
        }
        return command;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"C producer", "Java producer", "C consumer", "Java consumer"})
    void aTerminatedProgramPrintsItsSummaryAndExitsAsDocumented(String program, @TempRing(slots = 8, maxMessageSize = 64)
            Ring ring, Peers peers) throws Exception {
        Peer running = peers.start(command(program, ring.name()));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (ring.peers().stream().noneMatch(PeerInfo::alive)) {
            assertThat(System.nanoTime()).as("the program attaches").isLessThan(deadline);
            Thread.sleep(10);
        }
        Thread.sleep(300); // a producer fills the 8 slots and waits; a consumer waits
        running.process().toHandle().destroy(); // SIGTERM (Process.destroy would also close its output)
        PeerResult finished = running.awaitExit(Duration.ofSeconds(30));
        boolean producer = program.endsWith("producer");
        assertThat(finished.output()).contains("interrupted")
                .contains(producer ? "sent=8 " : "received=0 ");
        assertThat(finished.exitCode()).as(finished.output()).isEqualTo(producer ? 1 : 0);
        assertThat(ring.peers()).as("it detached").noneMatch(PeerInfo::alive);
    }
}
