// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Peers in another PID namespace, as in a container that shares /dev/shm: a C consumer started with
 * {@code unshare --pid --fork} is pid 1 there. Its entry records its namespace, so inspection tells
 * its pid from this host's, and its liveness (an OFD lock, not a pid) works across namespaces: killed
 * mid-stream, it is seen dead and the rest of the stream reaches a consumer here.
 */
class PidNamespaceTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    @BeforeAll
    static void unshareIsPermitted() throws InterruptedException {
        var probe = Processes.run(List.of("unshare", "--pid", "--fork", "true"), 30);
        assumeTrue(probe.exitCode() == 0, "unshare --pid is not permitted here: " + probe.output().strip());
    }

    @Test
    void aConsumerInAnotherPidNamespaceIsToldApartAndItsDeathIsSeen() throws Exception {
        String name = names.ring("pidns");
        try (Ring ring = Ring.create(name, RingSpec.of(64, 64));
             var contained = Processes.start(List.of("unshare", "--pid", "--fork",
                     Processes.nativeProgram("shm-consumer").toString(), "--ring", name, "--timeout-ms", "60000"))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            PeerInfo consumer = null;
            while (consumer == null) {
                assertThat(System.nanoTime()).as("the contained consumer attaches").isLessThan(deadline);
                consumer = ring.peers().stream().filter(p -> p.isConsumer() && p.alive()).findFirst().orElse(null);
                Thread.sleep(10);
            }
            assertThat(consumer.pid()).as("its pid in its own namespace").isEqualTo(1);
            assertThat(consumer.pidNamespace()).isNotZero();
            assertThat(consumer.inAnotherPidNamespace()).isTrue();
            try (Producer producer = ring.producer()) {
                assertThat(producer.send(new byte[8], Duration.ofSeconds(10))).isTrue();
                assertThat(ring.peers().stream().filter(PeerInfo::isProducer).findFirst().orElseThrow()
                        .inAnotherPidNamespace()).as("this JVM's own entry").isFalse();
                contained.process().descendants().forEach(ProcessHandle::destroyForcibly); // SIGKILL the consumer
                contained.process().destroyForcibly();
                contained.process().waitFor();
                deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (ring.peers().stream().anyMatch(p -> p.isConsumer() && p.alive())) {
                    assertThat(System.nanoTime()).as("its death is seen across namespaces").isLessThan(deadline);
                    Thread.sleep(10);
                }
                producer.send(new byte[] {42});
                ring.closeForWriting();
            }
            try (Consumer here = ring.consumer()) {
                byte[] message = new byte[64];
                int length;
                while ((length = here.receive(message, Duration.ofSeconds(10))) != Consumer.END_OF_STREAM) {
                    if (length == 1) {
                        assertThat(message[0]).isEqualTo((byte) 42);
                        return;
                    }
                }
                throw new AssertionError("the message sent after the death did not arrive");
            }
        }
    }
}
