// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.testing.Layouts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** RingLayout against what the C compiler makes of native-headers/panama_shm.h (src/test/c/ring-probe.c). */
class RingLayoutTest {

    private static Map<String, Long> C;

    @BeforeAll
    static void runProbe() {
        C = Layouts.probe("ring-probe");
    }

    @Test
    void everyConstantEqualsTheHeaders() throws IllegalAccessException {
        int checked = 0;
        for (Field field : RingLayout.class.getFields()) {
            int modifiers = field.getModifiers();
            if (!Modifier.isStatic(modifiers) || !(field.getType() == int.class || field.getType() == long.class)
                    || field.getName().endsWith("_OFFSET")) {
                continue;
            }
            String cName = "const PSHM_" + field.getName();
            assertThat(C).as("ring-probe prints PSHM_%s", field.getName()).containsKey(cName);
            assertThat(((Number) field.get(null)).longValue()).as(field.getName()).isEqualTo(C.get(cName));
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(27);
    }

    @Test
    void everyStructMatchesTheCompilerFieldByField() {
        for (StructLayout struct : List.of(RingLayout.IDENTITY, RingLayout.COUNTERS, RingLayout.HEADER, RingLayout.PEER,
                RingLayout.SLOT)) {
            String type = struct.name().orElseThrow();
            assertThat(struct.byteSize()).as("sizeof(%s)", type).isEqualTo(C.get("sizeof " + type));
            int fields = 0;
            for (MemoryLayout member : struct.memberLayouts()) {
                if (member instanceof PaddingLayout) {
                    continue;
                }
                String field = type + "." + member.name().orElseThrow();
                assertThat(struct.byteOffset(MemoryLayout.PathElement.groupElement(member.name().get())))
                        .as("offsetof(%s)", field).isEqualTo(C.get("offsetof " + field));
                assertThat(member.byteSize()).as("sizeof(%s)", field).isEqualTo(C.get("sizeof " + field));
                fields++;
            }
            long cFields = C.keySet().stream().filter(key -> key.startsWith("offsetof " + type + ".")).count();
            assertThat(fields).as("fields of %s in Java and C", type).isEqualTo((int) cFields);
        }
    }

    @Test
    void namedOffsetsAreThoseOfTheStructs() {
        assertThat(RingLayout.TAIL_OFFSET).isEqualTo(C.get("offsetof pshm_header.tail"));
        assertThat(RingLayout.HEAD_OFFSET).isEqualTo(C.get("offsetof pshm_header.head"));
        assertThat(RingLayout.STATE_OFFSET).isEqualTo(C.get("offsetof pshm_identity.state"));
        assertThat(RingLayout.LOST_IN_CONSUMERS_OFFSET).isEqualTo(C.get("offsetof pshm_header.counters")
                + C.get("offsetof pshm_counters.lost_in_consumers"));
        assertThat(RingLayout.PEER_CLAIM_END_OFFSET).isEqualTo(C.get("offsetof pshm_peer.claim_end"));
        assertThat(RingLayout.SLOT_SEQUENCE_OFFSET).isEqualTo(C.get("offsetof pshm_slot.sequence"));
        assertThat((long) RingLayout.PEERS_OFFSET).isEqualTo(C.get("sizeof pshm_header"));
    }
}
