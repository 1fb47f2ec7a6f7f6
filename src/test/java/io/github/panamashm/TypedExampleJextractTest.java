// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm;

import io.github.panamashm.junit.CLayouts;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.MemoryLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * examples/typed the jextract way: the producer built on the struct order jextract generates from
 * order.h writes orders the C consumer reads field by field, and jextract's layout is the C
 * compiler's. Runs with {@code mvn -Pjextract verify}; skipped where jextract did not run.
 */
class TypedExampleJextractTest {

    private static final Path HEADER = Path.of(System.getProperty("panamashm.basedir"), "examples/typed/order.h");
    private static Class<?> producer;
    private static Class<?> order;

    @RegisterExtension
    final ShmNames names = new ShmNames();

    @BeforeAll
    static void findGeneratedBindings() {
        try {
            order = Class.forName("example.typed.generated.order");
            producer = Class.forName("example.typed.JextractOrderProducer");
        } catch (ClassNotFoundException e) {
            if (Boolean.getBoolean("panamashm.jextract.required")) {
                throw new AssertionError("the jextract profile is active but the typed example's bindings are missing", e);
            }
            assumeTrue(false, "jextract bindings not generated (mvn -Pjextract verify)");
        }
    }

    @Test
    void jextractsOrderIsTheCCompilersOrder() throws ReflectiveOperationException {
        CLayouts.assertMatches((MemoryLayout) order.getMethod("layout").invoke(null), HEADER, "struct order");
    }

    @Test
    void theCConsumerReadsEveryOrderOfTheJextractProducer() throws Exception {
        String ring = names.ring("typed-jextract");
        try (var consumer = Processes.start(List.of(Processes.nativeProgram("order-consumer").toString(), ring))) {
            producer.getMethod("produce", String.class, int.class).invoke(null, ring, 100_000);
            var consumed = consumer.awaitExit(Duration.ofSeconds(60));
            assertThat(consumed.exitCode()).as(consumed.output()).isZero();
            assertThat(consumed.output()).contains("received=100000 wrong=0");
        }
    }
}
