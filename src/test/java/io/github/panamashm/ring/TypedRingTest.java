// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.testing.Layouts;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Message types in Java: from layouts to fields, the type area, typed opens and typed lengths. */
class TypedRingTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private static final StructLayout ORDER = Layouts.ORDER;

    @Test
    void aLayoutBecomesItsLeavesWithCNamesInOffsetOrder() {
        StructLayout leg = MemoryLayout.structLayout(JAVA_DOUBLE.withName("price"), JAVA_SHORT.withName("venue"),
                MemoryLayout.paddingLayout(6)).withName("leg");
        StructLayout quote = MemoryLayout.structLayout(
                JAVA_INT.withName("count"),
                MemoryLayout.sequenceLayout(3, JAVA_INT).withName("sizes"),
                MemoryLayout.sequenceLayout(2, leg).withName("legs"),
                MemoryLayout.unionLayout(JAVA_LONG.withName("bits"), JAVA_DOUBLE.withName("value")).withName("either"),
                ValueLayout.JAVA_CHAR.withName("flag"),
                ValueLayout.JAVA_BOOLEAN.withName("live"),
                MemoryLayout.paddingLayout(5)).withName("quote");
        MessageType type = MessageType.of(quote).unsigned("count");
        assertThat(type.toString()).isEqualTo("quote (64 bytes)");
        assertThat(type.byteAlignment()).isEqualTo(8);
        assertThat(type.fields()).extracting(f -> f.name() + "@" + f.offset() + ":" + f.describe()).containsExactly(
                "count@0:u32", "sizes@4:i32[3]", "legs[0].price@16:f64", "legs[0].venue@24:i16",
                "legs[1].price@32:f64", "legs[1].venue@40:i16", "either.bits@48:i64", "either.value@48:f64",
                "flag@56:u16", "live@58:u8");
    }

    @Test
    void layoutsThatCannotBeMessagesAreRefusedSayingWhy() {
        assertThatThrownBy(() -> MessageType.of(MemoryLayout.structLayout(JAVA_LONG.withName("id"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no name");
        assertThatThrownBy(() -> MessageType.of(MemoryLayout.structLayout(JAVA_LONG).withName("anonymous")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no name");
        assertThatThrownBy(() -> MessageType.of(MemoryLayout.structLayout(ValueLayout.ADDRESS.withName("next"))
                .withName("node"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pointer");
        assertThatThrownBy(() -> MessageType.of(MemoryLayout.structLayout(JAVA_LONG.withName("id"))
                .withByteAlignment(32).withName("wide"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("aligned to 32");
        assertThatThrownBy(() -> MessageType.of(MemoryLayout.structLayout(JAVA_LONG.withName("id"), JAVA_INT.withName("qty"))
                .withName("unpadded"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12 bytes, aligned to 8: C pads it to 16; end the layout with paddingLayout(4)");
        assertThatThrownBy(() -> MessageType.of(MemoryLayout.structLayout(JAVA_LONG.withName("id")).withName("$anon$3:9")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("anonymous");
        assertThatThrownBy(() -> MessageType.of("an order", ORDER)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without spaces");
        assertThatThrownBy(() -> MessageType.of(ORDER).unsigned("price")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no integer field price");
    }

    /** jextract names an anonymous member $anon$LINE:COLUMN; C names its members as if they were the parent's. */
    @Test
    void anonymousMembersAreFlattenedIntoTheirParentAsCNamesThem() {
        StructLayout tagged = MemoryLayout.structLayout(
                JAVA_INT.withName("tag"),
                MemoryLayout.paddingLayout(4),
                MemoryLayout.unionLayout(JAVA_LONG.withName("i"), JAVA_DOUBLE.withName("d")).withName("$anon$12:5"))
                .withName("tagged");
        assertThat(MessageType.of(tagged).fields()).extracting(f -> f.name() + "@" + f.offset())
                .containsExactly("tag@0", "d@8", "i@8");
    }

    /** PROTOCOL.md §3.8 gives this hash for struct order; a peer in another language can check its own with it. */
    @Test
    void theTypeHashIsTheOneTheProtocolGives() {
        MessageType order = MessageType.of(ORDER);
        assertThat(order.hash()).isEqualTo(0xe4154b6b509a43caL);
        assertThat(MessageType.hash(MemorySegment.ofArray(order.area()))).isEqualTo(order.hash());
        assertThat(MessageType.of(ORDER).unsigned("qty").hash()).isNotEqualTo(order.hash());
    }

    @Test
    void theFirstDifferenceIsNamedAsAPersonFixesIt() {
        MessageType there = MessageType.of(ORDER);
        MessageType moved = MessageType.of(MemoryLayout.structLayout(JAVA_LONG.withName("id"), JAVA_INT.withName("qty"),
                MemoryLayout.paddingLayout(4), JAVA_DOUBLE.withName("price"),
                MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("symbol")).withName("order"));
        assertThat(there.differenceFrom(moved, "/o")).isEqualTo(
                "ring /o carries order (32 bytes): field \"price\" is at offset 8 as f64 there, at offset 16 here");
        assertThat(there.differenceFrom(MessageType.of(ORDER).unsigned("qty"), "/o")).isEqualTo(
                "ring /o carries order (32 bytes): field \"qty\" is i32 there, u32 here");
        assertThat(there.differenceFrom(MessageType.of("quote", ORDER), "/o")).isEqualTo(
                "ring /o carries order (32 bytes): this program's type is quote (32 bytes)");
        assertThat(there.differenceFrom(MessageType.of(ORDER), "/o")).isNull();
    }

    @Test
    void aTypedOpenIsRefusedOnAnotherTypeOrNoneAndLeavesTheRingUntouched() {
        String typed = names.ring("typed");
        String untyped = names.ring("untyped");
        MessageType order = MessageType.of(ORDER);
        try (Ring ring = Ring.create(typed, RingSpec.of(8, order));
             Ring plain = Ring.create(untyped, RingSpec.of(8, 32))) {
            assertThat(ring.messageType()).contains(order);
            assertThat(ring.maxMessageSize()).isEqualTo(32);
            assertThat(plain.messageType()).isEmpty();
            assertThatThrownBy(() -> Ring.open(typed, order.unsigned("qty")))
                    .isInstanceOf(MessageTypeMismatchException.class)
                    .hasMessage("ring " + typed + " carries order (32 bytes): field \"qty\" is i32 there, u32 here");
            assertThatThrownBy(() -> Ring.open(untyped, order)).isInstanceOf(MessageTypeMismatchException.class)
                    .hasMessageContaining("carries no message type");
            assertThat(ring.peers()).isEmpty();
            try (Ring same = Ring.open(typed, order); Ring anyBytes = Ring.open(typed)) {
                assertThat(same.messageType()).contains(order);
                assertThat(anyBytes.messageType()).contains(order);
            }
        }
    }

    @Test
    void everyMessageOfATypedRingHasTheTypesSize() throws Exception {
        String name = names.ring("lengths");
        try (Ring ring = Ring.create(name, RingSpec.of(8, MessageType.of(ORDER)));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            assertThatThrownBy(() -> producer.offer(new byte[31])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("every message is 32 bytes, not 31");
            long at = producer.tryClaim(32);
            assertThat(at).isNotNegative();
            assertThatThrownBy(() -> producer.commit(16)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("every message is 32 bytes, not 16");
            producer.commit();
            assertThat(consumer.receive(new byte[32], Duration.ofSeconds(5))).isEqualTo(32);

            // a writer that ignores the type: the consumer drops the short message as damage
            assertThat(producer.tryClaim(32)).isNotNegative();
            long slot = ring.headerSize + (1 & ring.mask) * ring.slotSize;
            ring.segment().set(ValueLayout.JAVA_INT, slot + RingLayout.SLOT_LENGTH_OFFSET, 8);
            producer.commit();
            assertThatThrownBy(() -> consumer.receive(new byte[32], Duration.ofSeconds(5)))
                    .isInstanceOf(RingFormatException.class).hasMessageContaining("claims 8 bytes, where every message"
                            + " of its type has 32");
            assertThat(ring.corruptSlots()).isEqualTo(1);
        }
    }

    @Test
    void aDamagedTypeAreaIsRefusedAsDamage() {
        String name = names.ring("damaged-type");
        try (Ring ring = Ring.create(name, RingSpec.of(8, MessageType.of(ORDER)))) {
            long area = RingLayout.peersEnd(RingLayout.DEFAULT_MAX_PEERS);
            long qtyKind = area + RingLayout.TYPE_HEADER_SIZE + 2 * RingLayout.TYPE_FIELD_SIZE + RingLayout.FIELD_KIND_OFFSET;
            ring.segment().set(ValueLayout.JAVA_INT, qtyKind, RingLayout.KIND_FLOAT);
            assertThatThrownBy(() -> Ring.open(name, MessageType.of(ORDER))).isInstanceOf(RingFormatException.class)
                    .isNotInstanceOf(MessageTypeMismatchException.class)
                    .hasMessageContaining("its message type is damaged: type_hash");
            assertThatThrownBy(() -> Ring.open(name)).isInstanceOf(RingFormatException.class)
                    .hasMessageContaining("its message type is damaged");
        }
    }
}
