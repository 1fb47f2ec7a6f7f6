// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * docs/test-vectors/headers.txt: ring identities in given states, each with the verdict an opener's
 * validator must reach (accept, or refuse naming the field), for peers in any language to test their
 * validator against. This test keeps the file equal to what it generates below from a ring's real
 * identity, and holds both the Java validator and C's pshm_validate to every verdict.
 */
class HeaderVectorsTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private static final Path FILE = Path.of(System.getProperty("panamashm.basedir", "."), "docs/test-vectors/headers.txt");
    private static final int SLOTS = 8;
    private static final int MAX_PAYLOAD = 64;
    private static final long SIZE = RingLayout.headerSizeFor(RingLayout.DEFAULT_MAX_PEERS)
            + (long) SLOTS * RingLayout.slotSizeFor(MAX_PAYLOAD);

    private record Vector(String name, long objectSize, String expect, Consumer<MemorySegment> change) {
    }

    private static Vector accept(String name, Consumer<MemorySegment> change) {
        return new Vector(name, SIZE, "accept", change);
    }

    private static Vector refuse(String field, String name, Consumer<MemorySegment> change) {
        return new Vector(name, SIZE, "refuse " + field, change);
    }

    private static Consumer<MemorySegment> putInt(long offset, int value) {
        return s -> s.set(ValueLayout.JAVA_INT_UNALIGNED, offset, value);
    }

    private static Consumer<MemorySegment> putLong(long offset, long value) {
        return s -> s.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
    }

    private static final List<Vector> VECTORS = List.of(
            accept("ready", s -> { }),
            accept("closed", putInt(RingLayout.STATE_OFFSET, RingLayout.STATE_CLOSED)),
            accept("single-producer-single-consumer", putInt(RingLayout.FLAGS_OFFSET,
                    RingLayout.FLAG_SINGLE_PRODUCER | RingLayout.FLAG_SINGLE_CONSUMER)),
            accept("optional-flag-bit-16", putInt(RingLayout.FLAGS_OFFSET, 1 << 16)),
            accept("newer-minor-version", s -> s.set(ValueLayout.JAVA_SHORT_UNALIGNED, RingLayout.VERSION_MINOR_OFFSET, (short) 99)),
            refuse("state", "initialising", putInt(RingLayout.STATE_OFFSET, RingLayout.STATE_INITIALISING)),
            refuse("state", "unknown-state", putInt(RingLayout.STATE_OFFSET, 7)),
            refuse("magic", "foreign-magic", putLong(RingLayout.MAGIC_OFFSET, 0x1234L)),
            refuse("version", "other-major-version", s -> s.set(ValueLayout.JAVA_SHORT_UNALIGNED, RingLayout.VERSION_MAJOR_OFFSET,
                    (short) (RingLayout.VERSION_MAJOR + 1))),
            refuse("hash", "other-layout-hash", putLong(RingLayout.LAYOUT_HASH_OFFSET, RingLayout.LAYOUT_HASH + 1)),
            refuse("slot_count", "slot-count-not-a-power-of-two", putInt(RingLayout.SLOT_COUNT_OFFSET, 3)),
            refuse("slot_count", "slot-count-zero", putInt(RingLayout.SLOT_COUNT_OFFSET, 0)),
            refuse("slot_count", "slot-count-2^31", putInt(RingLayout.SLOT_COUNT_OFFSET, 1 << 31)),
            refuse("max_peers", "max-peers-zero", putInt(RingLayout.MAX_PEERS_OFFSET, 0)),
            refuse("max_peers", "max-peers-5000", putInt(RingLayout.MAX_PEERS_OFFSET, 5000)),
            refuse("header_size", "header-size-off", putInt(RingLayout.HEADER_SIZE_OFFSET, 640)),
            refuse("max_payload", "max-payload-zero", putInt(RingLayout.MAX_PAYLOAD_OFFSET, 0)),
            refuse("slot_size", "slot-size-off", putInt(RingLayout.SLOT_SIZE_OFFSET, 96)),
            refuse("flags", "unknown-required-flag", putInt(RingLayout.FLAGS_OFFSET, 4)),
            refuse("total_size", "total-size-off", putLong(RingLayout.TOTAL_SIZE_OFFSET, SIZE + 16)),
            new Vector("object-one-byte-short", SIZE - 1, "refuse object", s -> { }));

    /** The file as it must be: the identity of a real ring of 8 slots of 64 bytes, changed per vector. */
    private String generate() {
        String name = names.ring("vectors");
        byte[] identity;
        try (Ring ring = Ring.create(name, RingSpec.of(SLOTS, MAX_PAYLOAD))) {
            identity = ring.segment().asSlice(0, RingLayout.IDENTITY.byteSize()).toArray(ValueLayout.JAVA_BYTE);
        }
        StringBuilder text = new StringBuilder("""
                # panama-shm ring header test vectors (generated by HeaderVectorsTest; do not edit by hand).
                # Each vector: the 128-byte identity (docs/PROTOCOL.md §3.1) as little-endian hex, the size
                # of the object it heads, and what a validator (§5.3) must conclude: accept, or refuse
                # naming the field in its reason (magic, version, hash, slot_count, max_peers, header_size,
                # max_payload, slot_size, flags, total_size, object, state). A peer in another language
                # maps the identity over zeros of object_size bytes and runs its validator on it.
                # creation_time_ns and creator_pid are zero: validators do not look at them.

                """);
        for (Vector vector : VECTORS) {
            MemorySegment s = MemorySegment.ofArray(identity.clone());
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, RingLayout.CREATION_TIME_OFFSET, 0L);
            s.set(ValueLayout.JAVA_INT_UNALIGNED, RingLayout.CREATOR_PID_OFFSET, 0);
            vector.change().accept(s);
            text.append("vector: ").append(vector.name()).append('\n')
                    .append("object_size: ").append(vector.objectSize()).append('\n')
                    .append("expect: ").append(vector.expect()).append('\n')
                    .append("identity: ").append(HexFormat.of().formatHex(s.toArray(ValueLayout.JAVA_BYTE))).append("\n\n");
        }
        return text.toString();
    }

    @Test
    void theCommittedVectorsAreWhatTheLayoutGivesAndBothValidatorsReachEveryVerdict() throws Exception {
        String expected = generate();
        String committed = Files.exists(FILE) ? Files.readString(FILE) : "";
        if (!committed.equals(expected)) {
            Path fresh = Path.of("target/headers.txt");
            Files.writeString(fresh, expected);
            fail(FILE + " is not what the layout gives now: compare it with " + fresh.toAbsolutePath()
                    + " and copy that over it if the change is meant");
        }
        Map<String, String[]> vectors = parse(committed);
        assertThat(vectors).hasSize(VECTORS.size());

        var c = Processes.run(List.of(Processes.nativeProgram("header-vectors").toString(), FILE.toString()), 60)
                .requireSuccess();
        Map<String, String> cVerdicts = new LinkedHashMap<>();
        c.output().lines().forEach(line -> cVerdicts.put(line.substring(0, line.indexOf(' ')), line.substring(line.indexOf(' ') + 1)));

        for (Map.Entry<String, String[]> vector : vectors.entrySet()) {
            String name = vector.getKey();
            long objectSize = Long.parseLong(vector.getValue()[0]);
            String expect = vector.getValue()[1];
            String java = javaVerdict(HexFormat.of().parseHex(vector.getValue()[2]), objectSize);
            assertVerdict("Java, " + name, java, expect);
            assertThat(cVerdicts).as("C judged %s", name).containsKey(name);
            assertVerdict("C, " + name, cVerdicts.get(name), expect);
        }
    }

    private static void assertVerdict(String who, String verdict, String expect) {
        if (expect.equals("accept")) {
            assertThat(verdict).as(who).isEqualTo("accept");
        } else {
            assertThat(verdict).as(who).startsWith("refuse").contains(expect.substring("refuse ".length()));
        }
    }

    /** What RingValidator concludes of {@code identity} heading an object of {@code objectSize} zero bytes. */
    private static String javaVerdict(byte[] identity, long objectSize) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment object = arena.allocate(Math.max(objectSize, RingLayout.PEERS_OFFSET), 8);
            object = object.asSlice(0, objectSize);
            MemorySegment.copy(MemorySegment.ofArray(identity), 0, object, 0, identity.length);
            RingValidator.validate("/vector", object, object.get(ValueLayout.JAVA_INT, RingLayout.STATE_OFFSET));
            return "accept";
        } catch (RingFormatException e) {
            return "refuse: " + e.getMessage();
        }
    }

    /** name → {object_size, expect, identity hex}, in file order. */
    private static Map<String, String[]> parse(String text) throws IOException {
        Map<String, String[]> vectors = new LinkedHashMap<>();
        String name = null;
        List<String> fields = new ArrayList<>();
        for (String line : text.lines().toList()) {
            if (line.startsWith("vector: ")) {
                name = line.substring(8);
                fields.clear();
            } else if (name != null && line.contains(": ")) {
                fields.add(line.substring(line.indexOf(": ") + 2));
                if (line.startsWith("identity: ")) {
                    vectors.put(name, fields.toArray(String[]::new));
                }
            }
        }
        return vectors;
    }
}
