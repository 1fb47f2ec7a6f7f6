// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.testing.Layouts;
import io.github.panamashm.tools.conformance.ProtocolOffsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** RingLayout against what the C compiler makes of native-headers/panama_shm.h (src/test/c/ring-probe.c). */
class RingLayoutTest {

    private static Map<String, Long> C;

    @BeforeAll
    static void runProbe() {
        C = Layouts.probe("ring-probe");
    }

    @Test
    void everyMacroOfTheHeaderHasItsJavaMirror() {
        Set<String> mirrored = new TreeSet<>(HeaderConstants.javaMirrors().keySet());
        mirrored.addAll(HeaderConstants.C_ONLY);
        assertThat(mirrored).as("the Java mirrors of panama_shm.h's constants")
                .containsExactlyInAnyOrderElementsOf(HeaderConstants.headerMacros())
                .contains("PSHM_MAGIC", "PSHM_PEERS_OFFSET", "PSHM_CREATOR_LOCK_OFFSET", "PSHM_ABANDONED_AFTER_NS");
    }

    /** The conformance kit reads PROTOCOL.md's offsets as a stranger's peer would; they must be ours. */
    @Test
    void theConformanceKitsOffsetsAreTheLayouts() {
        assertThat(List.of(ProtocolOffsets.HEADER_SIZE, ProtocolOffsets.SLOT_COUNT, ProtocolOffsets.SLOT_SIZE,
                ProtocolOffsets.MAX_PEERS, ProtocolOffsets.TAIL, ProtocolOffsets.HEAD, ProtocolOffsets.RELEASED,
                ProtocolOffsets.PEERS, ProtocolOffsets.PEER_SIZE, ProtocolOffsets.PEER_ROLE, ProtocolOffsets.PEER_PID,
                ProtocolOffsets.PEER_CLAIM_START,
                ProtocolOffsets.PEER_CLAIM_END, ProtocolOffsets.PEER_MESSAGES,
                ProtocolOffsets.SLOT_SEQUENCE, ProtocolOffsets.SLOT_LENGTH))
                .containsExactly(RingLayout.HEADER_SIZE_OFFSET, RingLayout.SLOT_COUNT_OFFSET, RingLayout.SLOT_SIZE_OFFSET,
                        RingLayout.MAX_PEERS_OFFSET, RingLayout.TAIL_OFFSET, RingLayout.HEAD_OFFSET,
                        RingLayout.RELEASED_OFFSET, (long) RingLayout.PEERS_OFFSET, (long) RingLayout.PEER_SIZE,
                        RingLayout.PEER_ROLE_OFFSET, RingLayout.PEER_PID_OFFSET, RingLayout.PEER_CLAIM_START_OFFSET,
                        RingLayout.PEER_CLAIM_END_OFFSET, RingLayout.PEER_MESSAGES_OFFSET,
                        RingLayout.SLOT_SEQUENCE_OFFSET, RingLayout.SLOT_LENGTH_OFFSET);
    }

    @Test
    void everyConstantEqualsTheHeaders() {
        Map<String, Long> java = HeaderConstants.javaMirrors();
        java.forEach((name, value) -> {
            assertThat(C).as("ring-probe prints %s", name).containsKey("const " + name);
            assertThat(value).as(name).isEqualTo(C.get("const " + name));
        });
        assertThat(C.get("const PSHM_LAYOUT_HASH")).as("layout hash").isEqualTo(RingLayout.LAYOUT_HASH);
    }

    @Test
    void everyStructMatchesTheCompilerFieldByField() {
        for (StructLayout struct : List.of(RingLayout.IDENTITY, RingLayout.COUNTERS, RingLayout.HEADER, RingLayout.PEER,
                RingLayout.TYPE_AREA, RingLayout.TYPE_FIELD, RingLayout.SLOT)) {
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
