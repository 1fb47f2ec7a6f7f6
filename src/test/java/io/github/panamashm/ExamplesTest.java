// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm;

import io.github.panamashm.ring.Ring;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * examples/: the Java producer, run as a source file the way its README section says, and the C
 * consumer the build compiled from examples/c, started first; and the README quotes both whole.
 */
class ExamplesTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    @Test
    void theCConsumerStartedFirstReceivesEveryOrderOfTheJavaProducerAndRemovesTheRing() throws Exception {
        String ring = names.ring("orders");
        try (var consumer = Processes.start(List.of(Processes.nativeProgram("orders-consumer").toString(), ring))) {
            List<String> producer = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("panamashm.classes.dir"),
                    Path.of(System.getProperty("panamashm.basedir"), "examples/java/OrdersProducer.java").toString(),
                    ring, "5000");
            var produced = Processes.run(producer, 60);
            assertThat(produced.exitCode()).as(produced.output()).isZero();
            assertThat(produced.output()).contains("sent 5000 orders to " + ring);
            var consumed = consumer.awaitExit(Duration.ofSeconds(60));
            assertThat(consumed.exitCode()).as(consumed.output()).isZero();
            assertThat(consumed.output()).contains("received=5000 lost_in_consumers=0");
        }
        assertThat(Ring.list()).as("the consumer removed the ring").doesNotContain(ring);
    }

    @Test
    void theReadmeQuotesBothExamplesWhole() throws Exception {
        Path base = Path.of(System.getProperty("panamashm.basedir"));
        String readme = Files.readString(base.resolve("README.md"));
        for (String example : List.of("examples/java/OrdersProducer.java", "examples/c/orders_consumer.c")) {
            String code = Files.readString(base.resolve(example));
            String quoted = code.lines().filter(line -> !line.contains("SPDX-License-Identifier"))
                    .reduce((a, b) -> a + "\n" + b).orElseThrow().strip();
            assertThat(readme).as(example + " quoted whole").contains(quoted);
        }
    }
}
