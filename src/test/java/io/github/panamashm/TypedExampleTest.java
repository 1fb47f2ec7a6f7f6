// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm;

import io.github.panamashm.junit.CLayouts;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemoryLayout;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * examples/typed: the Java producer writes struct order (order.h) into the ring's slots in place and
 * the C consumer reads it in place, every field checked; the producer's layout is the one the C
 * compiler gives order.h, and a changed header is caught by the kit's layout assertion.
 */
class TypedExampleTest {

    private static final Path EXAMPLE = Path.of(System.getProperty("panamashm.basedir"), "examples/typed");

    @RegisterExtension
    final ShmNames names = new ShmNames();

    /** The example's own ORDER layout: the source compiled here, the field read from the class. */
    private static MemoryLayout exampleLayout(Path dir) throws Exception {
        var javac = Processes.run(List.of(Path.of(System.getProperty("java.home"), "bin", "javac").toString(), "-d",
                dir.toString(), "-cp", System.getProperty("panamashm.classes.dir"),
                EXAMPLE.resolve("OrderProducer.java").toString()), 120);
        assertThat(javac.exitCode()).as("javac OrderProducer.java: " + javac.output()).isZero();
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {dir.toUri().toURL()},
                TypedExampleTest.class.getClassLoader())) {
            var field = loader.loadClass("OrderProducer").getDeclaredField("ORDER");
            field.setAccessible(true);
            return (MemoryLayout) field.get(null);
        }
    }

    @Test
    void theProducersLayoutIsTheOneTheCCompilerGivesOrderH(@TempDir Path dir) throws Exception {
        MemoryLayout order = exampleLayout(dir);
        CLayouts.assertMatches(order, EXAMPLE.resolve("order.h"), "struct order");

        Path changed = dir.resolve("order.h");
        Files.writeString(changed, Files.readString(EXAMPLE.resolve("order.h"))
                .replace("    int32_t qty;\n", "    int32_t qty;\n    int32_t venue;\n"));
        assertThat(CLayouts.differences(order, changed, "struct order")).as("a field added on the C side")
                .containsExactly("field \"venue\" (at offset 20, 4 bytes, integer in C) is missing here",
                        "field \"symbol\" is at offset 24, 8 bytes, array of integer in C; at offset 20, 8 bytes, array of "
                                + "integer here");
    }

    @Test
    void theCConsumerReadsEveryFieldOfEveryOrderTheJavaProducerWroteInPlace() throws Exception {
        String ring = names.ring("typed");
        try (var consumer = Processes.start(List.of(Processes.nativeProgram("order-consumer").toString(), ring))) {
            var produced = Processes.run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("panamashm.classes.dir"),
                    EXAMPLE.resolve("OrderProducer.java").toString(), ring, "100000"), 120);
            assertThat(produced.exitCode()).as(produced.output()).isZero();
            var consumed = consumer.awaitExit(Duration.ofSeconds(60));
            assertThat(consumed.exitCode()).as(consumed.output()).isZero();
            assertThat(consumed.output()).contains("received=100000 wrong=0");
        }
    }
}
