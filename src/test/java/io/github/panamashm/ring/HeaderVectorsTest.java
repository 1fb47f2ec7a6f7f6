// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.testing.Layouts;
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
import java.util.function.BiConsumer;
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
    private static final long SIZE = RingLayout.headerSizeFor(RingLayout.DEFAULT_MAX_PEERS, 0)
            + (long) SLOTS * RingLayout.slotSizeFor(MAX_PAYLOAD);
    /** The typed vectors' message type: struct order of examples/typed/order.h. */
    private static final MessageType ORDER = MessageType.of(Layouts.ORDER);
    private static final int TYPE_SIZE = (int) RingLayout.typeAreaSize(ORDER.fields().size());
    private static final long TYPED_SIZE = RingLayout.headerSizeFor(RingLayout.DEFAULT_MAX_PEERS, TYPE_SIZE)
            + (long) SLOTS * RingLayout.slotSizeFor(ORDER.byteSize());

    /** A vector: its identity (and a typed ring's type area) as a real ring has them, then changed. */
    private record Vector(String name, long objectSize, String expect, boolean typed,
                          BiConsumer<MemorySegment, MemorySegment> change) {
    }

    private static Vector accept(String name, Consumer<MemorySegment> change) {
        return new Vector(name, SIZE, "accept", false, (identity, area) -> change.accept(identity));
    }

    private static Vector refuse(String field, String name, Consumer<MemorySegment> change) {
        return new Vector(name, SIZE, "refuse " + field, false, (identity, area) -> change.accept(identity));
    }

    private static Vector typed(String expect, String name, BiConsumer<MemorySegment, MemorySegment> change) {
        return new Vector(name, TYPED_SIZE, expect, true, change);
    }

    /** Changes a byte of the type area and stores the hash its bytes then give, so only the change is wrong. */
    private static BiConsumer<MemorySegment, MemorySegment> rehashed(Consumer<MemorySegment> change) {
        return (identity, area) -> {
            change.accept(area);
            area.set(ValueLayout.JAVA_LONG_UNALIGNED, RingLayout.TYPE_HASH_OFFSET, MessageType.hash(area));
        };
    }

    /** A fan-out ring's flags and mode (§14). */
    private static Consumer<MemorySegment> fanOut(int flags, int mode) {
        return putInt(RingLayout.FLAGS_OFFSET, flags).andThen(putInt(RingLayout.FANOUT_MODE_OFFSET, mode));
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
            refuse("flags", "unknown-required-flag", putInt(RingLayout.FLAGS_OFFSET, 16)),
            accept("fanout", fanOut(RingLayout.FLAG_FANOUT | RingLayout.FLAG_SINGLE_PRODUCER, RingLayout.FANOUT_BLOCK)),
            refuse("flags", "fanout-without-single-producer", fanOut(RingLayout.FLAG_FANOUT, RingLayout.FANOUT_BLOCK)),
            refuse("flags", "fanout-single-consumer", fanOut(RingLayout.FLAG_FANOUT | RingLayout.FLAG_SINGLE_PRODUCER
                    | RingLayout.FLAG_SINGLE_CONSUMER, RingLayout.FANOUT_BLOCK)),
            refuse("flags", "fanout-mode-zero", fanOut(RingLayout.FLAG_FANOUT | RingLayout.FLAG_SINGLE_PRODUCER, 0)),
            accept("fanout-overwrite", fanOut(RingLayout.FLAG_FANOUT | RingLayout.FLAG_SINGLE_PRODUCER, RingLayout.FANOUT_OVERWRITE)),
            refuse("flags", "fanout-mode-unknown", fanOut(RingLayout.FLAG_FANOUT | RingLayout.FLAG_SINGLE_PRODUCER, 3)),
            refuse("total_size", "total-size-off", putLong(RingLayout.TOTAL_SIZE_OFFSET, SIZE + 16)),
            new Vector("object-one-byte-short", SIZE - 1, "refuse object", false, (identity, area) -> { }),
            typed("accept", "typed", (identity, area) -> { }),
            typed("refuse type_size", "typed-type-size-zero", (identity, area) -> putInt(RingLayout.TYPE_SIZE_OFFSET, 0)
                    .accept(identity)),
            typed("refuse header_size", "typed-flag-cleared", (identity, area) -> putInt(RingLayout.FLAGS_OFFSET, 0)
                    .accept(identity)),
            typed("refuse magic", "typed-area-magic", (identity, area) -> putLong(RingLayout.TYPE_MAGIC_OFFSET, 0)
                    .accept(area)),
            typed("refuse type_hash", "typed-area-hash", (identity, area) -> area.set(ValueLayout.JAVA_BYTE,
                    RingLayout.TYPE_NAME_OFFSET, (byte) 'O')),
            typed("refuse struct size", "typed-struct-size-not-max-payload", rehashed(putInt(RingLayout.TYPE_STRUCT_SIZE_OFFSET,
                    40))),
            typed("refuse field", "typed-field-beyond-struct", rehashed(putInt(RingLayout.TYPE_HEADER_SIZE
                    + 3 * RingLayout.TYPE_FIELD_SIZE + RingLayout.FIELD_OFFSET_OFFSET, 28))),
            typed("refuse field", "typed-field-unknown-kind", rehashed(putInt(RingLayout.TYPE_HEADER_SIZE
                    + RingLayout.FIELD_KIND_OFFSET, 9))),
            typed("refuse out of order", "typed-fields-out-of-order", rehashed(putInt(RingLayout.TYPE_HEADER_SIZE
                    + RingLayout.FIELD_OFFSET_OFFSET, 12))),
            typed("refuse twice", "typed-field-named-twice", rehashed(area -> area.asSlice(RingLayout.TYPE_HEADER_SIZE
                    + RingLayout.TYPE_FIELD_SIZE + RingLayout.FIELD_NAME_OFFSET, RingLayout.FIELD_NAME_SIZE)
                    .fill((byte) 0).copyFrom(MemorySegment.ofArray("id".getBytes(java.nio.charset.StandardCharsets.US_ASCII))))),
            typed("refuse name", "typed-type-name-with-a-space", rehashed(area -> area.set(ValueLayout.JAVA_BYTE,
                    RingLayout.TYPE_NAME_OFFSET + 1, (byte) ' '))));

    /**
     * The file as it must be: the identity of a real ring of 8 slots of 64 bytes (typed vectors: of 8
     * struct orders, and its type area), changed per vector.
     */
    private String generate() {
        byte[] identity;
        try (Ring ring = Ring.create(names.ring("vectors"), RingSpec.of(SLOTS, MAX_PAYLOAD))) {
            identity = ring.segment().asSlice(0, RingLayout.IDENTITY.byteSize()).toArray(ValueLayout.JAVA_BYTE);
        }
        byte[] typedIdentity;
        byte[] typeArea;
        try (Ring ring = Ring.create(names.ring("typed-vectors"), RingSpec.of(SLOTS, ORDER))) {
            typedIdentity = ring.segment().asSlice(0, RingLayout.IDENTITY.byteSize()).toArray(ValueLayout.JAVA_BYTE);
            typeArea = ring.segment().asSlice(RingLayout.peersEnd(RingLayout.DEFAULT_MAX_PEERS), TYPE_SIZE)
                    .toArray(ValueLayout.JAVA_BYTE);
        }
        StringBuilder text = new StringBuilder("""
                # panama-shm ring header test vectors (generated by HeaderVectorsTest; do not edit by hand).
                # Each vector: the 128-byte identity (docs/PROTOCOL.md §3.1) as little-endian hex, the size
                # of the object it heads, and what a validator (§5.3) must conclude: accept, or refuse
                # naming the field in its reason (magic, version, hash, slot_count, max_peers, header_size,
                # max_payload, slot_size, flags, total_size, object, state; for typed rings type_size,
                # and for their type area, §3.8: magic, type_hash, struct size, field, out of order, twice, name).
                # A peer in another language maps the identity over zeros of object_size bytes, puts a
                # vector's type_area (if it has one) at align(640 + 64 x max_peers, 128), and runs its
                # validator on it. creation_time_ns and creator_pid are zero: validators do not look at them.

                """);
        for (Vector vector : VECTORS) {
            MemorySegment s = MemorySegment.ofArray((vector.typed() ? typedIdentity : identity).clone());
            MemorySegment area = MemorySegment.ofArray(typeArea.clone());
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, RingLayout.CREATION_TIME_OFFSET, 0L);
            s.set(ValueLayout.JAVA_INT_UNALIGNED, RingLayout.CREATOR_PID_OFFSET, 0);
            vector.change().accept(s, area);
            text.append("vector: ").append(vector.name()).append('\n')
                    .append("object_size: ").append(vector.objectSize()).append('\n')
                    .append("expect: ").append(vector.expect()).append('\n');
            if (vector.typed()) {
                text.append("type_area: ").append(HexFormat.of().formatHex(area.toArray(ValueLayout.JAVA_BYTE))).append('\n');
            }
            text.append("identity: ").append(HexFormat.of().formatHex(s.toArray(ValueLayout.JAVA_BYTE))).append("\n\n");
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
            String[] fields = vector.getValue();
            byte[] area = fields.length == 4 ? HexFormat.of().parseHex(fields[2]) : new byte[0];
            String java = javaVerdict(HexFormat.of().parseHex(fields[fields.length - 1]), area, objectSize);
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
    private static String javaVerdict(byte[] identity, byte[] typeArea, long objectSize) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment object = arena.allocate(Math.max(objectSize, RingLayout.PEERS_OFFSET), 8);
            object = object.asSlice(0, objectSize);
            MemorySegment.copy(MemorySegment.ofArray(identity), 0, object, 0, identity.length);
            long areaAt = RingLayout.peersEnd(object.get(ValueLayout.JAVA_INT, RingLayout.MAX_PEERS_OFFSET));
            if (typeArea.length > 0 && areaAt + typeArea.length <= objectSize) {
                MemorySegment.copy(MemorySegment.ofArray(typeArea), 0, object, areaAt, typeArea.length);
            }
            RingValidator.validate("/vector", object, object.get(ValueLayout.JAVA_INT, RingLayout.STATE_OFFSET));
            return "accept";
        } catch (RingFormatException e) {
            return "refuse: " + e.getMessage();
        }
    }

    /** name → {object_size, expect, [type_area hex,] identity hex}, in file order. */
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
