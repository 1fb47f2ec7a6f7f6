// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.tools.traffic.TrafficPattern;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The C consumer printed in docs/PROTOCOL.md (section 13.1), compiled from the document as it
 * stands, drains a ring that this JVM fills: the document's example stays true.
 */
class ProtocolExampleTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    @Test
    void theDocumentsCConsumerDrainsAJavaProducersRing(@TempDir Path work) throws Exception {
        Path basedir = Path.of(System.getProperty("panamashm.basedir", "."));
        String document = Files.readString(basedir.resolve("docs/PROTOCOL.md"));
        int section = document.indexOf("### 13.1");
        assertThat(section).as("section 13.1 of PROTOCOL.md").isPositive();
        int start = document.indexOf("```c\n", section) + "```c\n".length();
        String source = document.substring(start, document.indexOf("```", start));
        Path file = work.resolve("doc-consumer.c");
        Files.writeString(file, source);
        Path program = work.resolve("doc-consumer");
        Processes.run(List.of("cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2",
                "-I" + basedir.resolve("native-headers"), "-o", program.toString(), file.toString()), 120).requireSuccess();

        String name = names.ring("doc");
        long expectedSum = 0;
        long bytes = 0;
        int count = 10_000;
        try (Ring ring = Ring.create(name, RingSpec.of(8, 300)); Producer producer = ring.producer()) {
            try (var consumer = Processes.start(List.of(program.toString(), name))) {
                for (int seq = 0; seq < count; seq++) {
                    int length = TrafficPattern.length(9, seq, 16, 300);
                    MemorySegment slot = producer.buffer().asSlice(producer.claim(length), length);
                    TrafficPattern.fill(slot, 9, seq);
                    for (long i = 0; i < slot.byteSize(); i++) {
                        expectedSum = expectedSum * 31 + Byte.toUnsignedInt(slot.get(ValueLayout.JAVA_BYTE, i));
                    }
                    bytes += slot.byteSize();
                    producer.commit();
                }
                ring.closeForWriting();
                var finished = consumer.awaitExit(Duration.ofSeconds(120)).requireSuccess();
                assertThat(finished.output()).contains("messages=" + count + " bytes=" + bytes
                        + " sum=" + String.format("%016x", expectedSum) + " dropped=0 end=end-of-stream");
            }
        }
    }
}
