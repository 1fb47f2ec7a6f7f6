// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm;

import io.github.panamashm.junit.CLayouts;
import io.github.panamashm.junit.CPrograms;
import io.github.panamashm.ring.MessageType;
import io.github.panamashm.ring.MessageTypeMismatchException;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * examples/typed: the Java producer writes struct order (order.h) into a typed ring's slots in place
 * and the C consumer reads it in place, every field checked, and the C producer to the Java consumer
 * the same way; the producer's layout is the one the C compiler gives order.h, a changed header is
 * caught by the kit's layout assertion, and a peer built from a changed order.h is refused when it
 * opens the ring, in C and in Java, with the first difference named.
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
                    EXAMPLE.resolve("OrderProducer.java").toString(), ring, "1000000"), 180);
            assertThat(produced.exitCode()).as(produced.output()).isZero();
            var consumed = consumer.awaitExit(Duration.ofSeconds(120));
            assertThat(consumed.exitCode()).as(consumed.output()).isZero();
            assertThat(consumed.output()).contains("received=1000000 wrong=0");
        }
    }

    @Test
    void theJavaConsumerReadsEveryFieldOfEveryOrderTheCProducerWroteInPlace() throws Exception {
        String ring = names.ring("typed-c");
        try (var consumer = Processes.start(javaExample("OrderConsumer.java", ring))) {
            var produced = Processes.run(List.of(Processes.nativeProgram("order-producer").toString(), ring, "1000000"),
                    180);
            assertThat(produced.exitCode()).as(produced.output()).isZero();
            var consumed = consumer.awaitExit(Duration.ofSeconds(120));
            assertThat(consumed.exitCode()).as(consumed.output()).isZero();
            assertThat(consumed.output()).contains("received=1000000 wrong=0");
        }
    }

    private static List<String> javaExample(String source, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("panamashm.classes.dir"),
                EXAMPLE.resolve(source).toString()));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * order.h changed one way: {@code struct} replaces parts of the struct's body, {@code describe}
     * the PSHM_MEMBER list; with what a peer built from it is told, opening the example's ring
     * ({@code refusedHere}), and what the example is told opening the ring that peer made
     * ({@code refusedThere}).
     */
    private record Variant(String name, String struct, String describe, String refusedHere, String refusedThere) {
        String header(String original) {
            String changed = original;
            for (String edit : List.of(struct, describe)) {
                if (!edit.isEmpty()) {
                    String[] parts = edit.split(" => ", -1);
                    assertThat(changed).as(name).contains(parts[0]);
                    changed = changed.replace(parts[0], parts[1]);
                }
            }
            return changed;
        }
    }

    /** A peer of the order.h beside it that touches no member: it opens or creates a typed ring. */
    private static final Path PEER = Path.of(System.getProperty("panamashm.basedir"), "src/test/c/order-type-peer.c");
    private static final String QTY = "int32_t qty;";
    private static final String QTY_MEMBER = "PSHM_MEMBER(struct order, qty)";

    private static final List<Variant> VARIANTS = List.of(
            new Variant("a field moved", "int64_t id;\n    double price; => double price;\n    int64_t id;", "",
                    "field \"id\" is at offset 0 as i64 there, at offset 8 here",
                    "field \"price\" is at offset 0 as f64 there, at offset 8 here"),
            new Variant("a field resized", QTY + " => int16_t qty;", "",
                    "field \"qty\" is i32 there, i16 here", "field \"qty\" is i16 there, i32 here"),
            new Variant("a field renamed", QTY + " => int32_t quantity;", QTY_MEMBER + " => PSHM_MEMBER(struct order, quantity)",
                    "field \"qty\" missing here", "field \"quantity\" missing here"),
            new Variant("a field retyped, same size", QTY + " => float qty;", "",
                    "field \"qty\" is i32 there, f32 here", "field \"qty\" is f32 there, i32 here"),
            new Variant("a field added", "char symbol[8]; => char symbol[8];\n    int32_t venue;",
                    "PSHM_MEMBER(struct order, symbol)) => PSHM_MEMBER(struct order, symbol), PSHM_MEMBER(struct order, venue))",
                    "field \"venue\" missing there", "field \"venue\" missing here"),
            new Variant("a field removed", "char symbol[8];   /* padded with NULs; all 8 may be used */ => ",
                    ", PSHM_MEMBER(struct order, symbol)) => )",
                    "field \"symbol\" missing here", "field \"symbol\" missing there"),
            new Variant("packed", "struct order { => struct __attribute__((packed)) order {", "",
                    "it is 32 bytes there, 28 here", "it is 28 bytes there, 32 here"),
            new Variant("the size only", "char symbol[8]; => char symbol[8];\n    char reserved[8];", "",
                    "it is 32 bytes there, 40 here", "it is 40 bytes there, 32 here"),
            new Variant("a long where an int32_t was (LP64 against ILP32)", QTY + " => long qty;", "",
                    "field \"qty\" is i32 there, i64 here", "field \"qty\" is i64 there, i32 here"));

    @Test
    void peersBuiltFromAChangedOrderHAreRefusedBothWaysWithTheFieldNamed(@TempDir Path dir) throws Exception {
        String original = Files.readString(EXAMPLE.resolve("order.h"));
        MessageType order = MessageType.of((StructLayout) exampleLayout(dir.resolve("classes")));
        for (Variant variant : VARIANTS) {
            Path sources = Files.createDirectories(dir.resolve(variant.name().replaceAll("\\W+", "-")));
            String header = variant.header(original);
            assertThat(header).as(variant.name()).isNotEqualTo(original);
            Files.writeString(sources.resolve("order.h"), header);
            Files.copy(PEER, sources.resolve(PEER.getFileName()));
            Path peer = CPrograms.compile(sources.resolve(PEER.getFileName()));

            String javaRing = names.ring("typed-java");
            try (Ring ring = Ring.create(javaRing, RingSpec.of(16, order))) {
                var refused = Processes.run(List.of(peer.toString(), "open", javaRing), 60);
                assertThat(refused.exitCode()).as(variant.name() + ": " + refused.output()).isEqualTo(1);
                assertThat(refused.output()).as(variant.name())
                        .contains("refused: ring " + javaRing + " carries order (32 bytes): " + variant.refusedHere());
                assertThat(ring.peers()).as("%s: nobody attached", variant.name()).isEmpty();
            }

            String cRing = names.ring("typed-c");
            var made = Processes.run(List.of(peer.toString(), "create", cRing), 60);
            assertThat(made.exitCode()).as(variant.name() + ": " + made.output()).isZero();
            assertThatThrownBy(() -> Ring.open(cRing, order)).as(variant.name())
                    .isInstanceOf(MessageTypeMismatchException.class)
                    .hasMessageStartingWith("ring " + cRing + " carries order (")
                    .hasMessageEndingWith(variant.refusedThere());
            Ring.unlink(cRing);
        }
    }
}
