// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.panamashm.junit.PeerResult;
import io.github.panamashm.ring.MessageType;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingObserver;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.testing.Layouts;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code tail} run as a user runs it, and the observer under it: watching takes nothing, --take consumes. */
class TailTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private static final MessageType ORDER = MessageType.of(Layouts.ORDER);

    private static PeerResult cli(String... args) {
        return Processes.run(Processes.javaCommand(Main.class, args), 60);
    }

    /** Order i as the typed example writes it; -1 for qty and price shows signs survive. */
    private static void send(Producer producer, long i) {
        MemorySegment slots = producer.buffer();
        long at = producer.tryClaim(ORDER.byteSize());
        assertThat(at).isNotNegative();
        Layouts.ORDER.varHandle(groupElement("id")).set(slots, at, i);
        Layouts.ORDER.varHandle(groupElement("price")).set(slots, at, i * 0.25 - 1);
        Layouts.ORDER.varHandle(groupElement("qty")).set(slots, at, (int) i - 1);
        long symbol = Layouts.ORDER.byteOffset(groupElement("symbol"));
        slots.asSlice(at + symbol, 8).fill((byte) 0);
        byte[] text = ("ORD" + i).getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(text, 0, slots, ValueLayout.JAVA_BYTE, at + symbol, text.length);
        producer.commit();
    }

    private static List<JsonObject> jsonLines(PeerResult result) {
        assertThat(result.exitCode()).as(result.output()).isZero();
        List<JsonObject> lines = new ArrayList<>();
        result.output().lines().filter(line -> line.startsWith("{"))
                .forEach(line -> lines.add(JsonParser.parseString(line).getAsJsonObject()));
        return lines;
    }

    @Test
    void tailDecodesATypedRingsMessagesFieldByFieldWithoutTakingThem() throws Exception {
        String name = names.ring("tail-typed");
        try (Ring ring = Ring.create(name, RingSpec.of(8, ORDER)); Producer producer = ring.producer()) {
            for (long i = 0; i < 3; i++) {
                send(producer, i);
            }
            List<JsonObject> lines = jsonLines(cli("tail", name, "--count", "3", "--json"));
            assertThat(lines).hasSize(3);
            JsonObject second = lines.get(1);
            assertThat(second.get("position").getAsLong()).isEqualTo(1);
            assertThat(second.get("length").getAsInt()).isEqualTo(32);
            JsonObject fields = second.getAsJsonObject("fields");
            assertThat(fields.get("id").getAsLong()).isEqualTo(1);
            assertThat(fields.get("price").getAsDouble()).isEqualTo(-0.75);
            assertThat(fields.get("qty").getAsInt()).isEqualTo(0);
            assertThat(fields.get("symbol").getAsString()).isEqualTo("ORD1");

            PeerResult text = cli("tail", name, "--count", "1");
            assertThat(text.output()).contains("#0 order {id=0, price=-1.0, qty=-1, symbol=\"ORD0\"}");
            assertThat(ring.depth()).as("watching took nothing").isEqualTo(3);
            assertThat(ring.peers()).as("nor attached").hasSize(1);

            assertThat(jsonLines(cli("tail", name, "--count", "2", "--take", "--json"))).hasSize(2);
            assertThat(ring.depth()).as("--take consumed two").isEqualTo(1);
        }
    }

    @Test
    void tailShowsAnUntypedRingsMessagesInHexAndEndsWithTheStream() {
        String name = names.ring("tail-bytes");
        try (Ring ring = Ring.create(name, RingSpec.of(8, 64)); Producer producer = ring.producer()) {
            producer.offer("hello".getBytes(StandardCharsets.US_ASCII));
            ring.closeForWriting();
            PeerResult result = cli("tail", name);
            assertThat(result.exitCode()).as(result.output()).isZero();
            assertThat(result.output()).contains("#0 5 bytes: 68656c6c6f").contains("tail: 1 message, 0 missed")
                    .contains("end of stream");
        }
    }

    /** Messages consumed and overwritten before the observer looks are counted, never shown torn. */
    @Test
    void anObserverBehindFastConsumersCountsWhatItMissed() throws Exception {
        String name = names.ring("observer");
        try (Ring ring = Ring.create(name, RingSpec.of(4, ORDER)); Producer producer = ring.producer();
             var consumer = ring.consumer()) {
            RingObserver observer = ring.observer();
            send(producer, 0);
            long[] ids = new long[16];
            int[] seen = {0};
            assertThat(observer.poll((copy, at, length) -> ids[seen[0]++] = copy.get(ValueLayout.JAVA_LONG, at), 16))
                    .isEqualTo(1);
            for (long i = 1; i <= 10; i++) { // consumed as fast as sent: the ring laps twice unobserved
                send(producer, i);
                assertThat(consumer.receive(new byte[32])).isEqualTo(32);
            }
            assertThat(consumer.receive(new byte[32])).isEqualTo(32); // order 10: the ring is empty
            send(producer, 11);
            assertThat(observer.poll((copy, at, length) -> ids[seen[0]++] = copy.get(ValueLayout.JAVA_LONG, at), 16))
                    .isEqualTo(1);
            assertThat(ids[0]).isZero();
            assertThat(ids[1]).as("the one still in the ring").isEqualTo(11);
            assertThat(observer.missed()).isEqualTo(10);
            assertThat(observer.seen()).isEqualTo(2);
        }
    }
}
