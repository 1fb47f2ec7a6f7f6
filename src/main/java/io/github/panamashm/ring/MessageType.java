// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * What every message of a typed ring is: a C struct, described by name, size, alignment and its
 * fields (name, offset, size, kind), as stored in the ring's type area (docs/PROTOCOL.md §3.8).
 * Made from a struct's {@link GroupLayout} (a {@link StructLayout}): the one jextract generates from the C header
 * ({@code order.layout()}), or one written by hand. Nested structs and arrays of structs are
 * flattened to their leaves with C's names ({@code leg.price}, {@code legs[1].venue}); padding is
 * left out; arrays of bytes are {@link Kind#BYTES}.
 * {@snippet :
 * MessageType order = MessageType.of(ORDER);          // ORDER.name() is "order"
 * try (Ring ring = Ring.create("/orders", RingSpec.of(1024, order))) { ... }
 * try (Ring ring = Ring.open("/orders", order)) { ... } // refused, naming the field, if they differ
 * }
 * Java layouts carry no signedness: integers are signed unless {@link #unsigned(String...)} says
 * otherwise, which a C peer's {@code uint32_t} needs.
 */
public final class MessageType {

    /** How a field's bytes are read. */
    public enum Kind {
        /** Two's-complement integer(s), 1, 2, 4 or 8 bytes each. */
        SIGNED(RingLayout.KIND_INT, "i"),
        /** Unsigned integer(s), 1, 2, 4 or 8 bytes each. */
        UNSIGNED(RingLayout.KIND_UINT, "u"),
        /** IEEE 754 binary32 or binary64 value(s). */
        FLOAT(RingLayout.KIND_FLOAT, "f"),
        /** A char or byte array, e.g. text. */
        BYTES(RingLayout.KIND_BYTES, "bytes");

        final int code;
        private final String prefix;

        Kind(int code, String prefix) {
            this.code = code;
            this.prefix = prefix;
        }

        static Kind of(int code) {
            for (Kind kind : values()) {
                if (kind.code == code) {
                    return kind;
                }
            }
            return null;
        }
    }

    /**
     * One leaf of the struct.
     *
     * @param name        its C name: {@code price}, {@code leg.price}, {@code legs[1].venue}
     * @param offset      bytes from the start of the struct
     * @param size        bytes
     * @param kind        how its bytes are read
     * @param elementSize bytes of one element: {@code size} for a scalar, less for an array
     */
    public record Field(String name, int offset, int size, Kind kind, int elementSize) {

        /** Checks the values. */
        public Field {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(kind, "kind");
            if (!shapeOk(kind, elementSize, size) || offset < 0) {
                throw new IllegalArgumentException("field " + name + ": " + kind + " of " + size + " bytes in elements of "
                        + elementSize + " at offset " + offset);
            }
        }

        /**
         * How the field reads, as errors and tools say it: {@code i32}, {@code u8}, {@code f64},
         * {@code bytes[8]}, {@code i32[4]}.
         *
         * @return the description
         */
        public String describe() {
            if (kind == Kind.BYTES) {
                return "bytes[" + size + "]";
            }
            String scalar = kind.prefix + (8 * elementSize);
            return size == elementSize ? scalar : scalar + "[" + (size / elementSize) + "]";
        }
    }

    /** How jextract names an anonymous struct or union (and its layout): {@code $anon$LINE:COLUMN}. */
    private static final String ANONYMOUS = "$anon$";

    private final String name;
    private final int size;
    private final int alignment;
    private final List<Field> fields;
    private final byte[] area;

    private MessageType(String name, int size, int alignment, List<Field> fields) {
        this.name = name;
        this.size = size;
        this.alignment = alignment;
        List<Field> sorted = new ArrayList<>(fields);
        sorted.sort(Comparator.comparingInt(Field::offset).thenComparing(Field::name));
        this.fields = List.copyOf(sorted);
        this.area = encode();
    }

    /**
     * The type of {@code layout}, named as the layout is (jextract names a struct's layout after its
     * tag: {@code order} for {@code struct order}).
     *
     * @param layout the struct (jextract's {@code order.layout()} is one), every member named except padding
     * @return the type
     * @throws IllegalArgumentException if the layout has no name, or see {@link #of(String, GroupLayout)}
     */
    public static MessageType of(GroupLayout layout) {
        String name = layout.name().filter(n -> !n.startsWith(ANONYMOUS)).orElseThrow(() -> new IllegalArgumentException(
                "the layout has no name (or jextract's name for an anonymous struct): give it one (withName(\"order\"))"
                        + " or use MessageType.of(name, layout)"));
        return of(name, layout);
    }

    /**
     * The type of {@code layout}, called {@code name}.
     *
     * @param name   the type's name, 1 to 31 printable ASCII characters without spaces, as the C side
     *               names it (PSHM_DESCRIBE's first argument)
     * @param layout the struct, every member named except padding
     * @return the type
     * @throws IllegalArgumentException if a member has no name or is a pointer, a name is too long,
     *                                  the struct is aligned to more than 16 bytes (slots are not), or
     *                                  it has no fields or more than 1024
     */
    public static MessageType of(String name, GroupLayout layout) {
        requireName(name, RingLayout.TYPE_NAME_SIZE, "type name");
        if (layout.byteAlignment() > RingLayout.MAX_TYPE_ALIGN) {
            throw new IllegalArgumentException(name + " is aligned to " + layout.byteAlignment()
                    + " bytes; message payloads are aligned to " + RingLayout.MAX_TYPE_ALIGN);
        }
        if (layout.byteSize() < 1 || layout.byteSize() > RingLayout.MAX_PAYLOAD) {
            throw new IllegalArgumentException(name + " is " + layout.byteSize() + " bytes: a message has 1 to 2^30");
        }
        if (layout.byteSize() % layout.byteAlignment() != 0) {
            long padded = RingLayout.align(layout.byteSize(), layout.byteAlignment());
            throw new IllegalArgumentException(name + " is " + layout.byteSize() + " bytes, aligned to "
                    + layout.byteAlignment() + ": C pads it to " + padded + "; end the layout with paddingLayout("
                    + (padded - layout.byteSize()) + "), as jextract does");
        }
        List<Field> fields = new ArrayList<>();
        flatten(layout, "", 0, fields);
        return of(name, (int) layout.byteSize(), (int) layout.byteAlignment(), fields);
    }

    static MessageType of(String name, int size, int alignment, List<Field> fields) {
        if (fields.isEmpty() || fields.size() > RingLayout.MAX_FIELDS) {
            throw new IllegalArgumentException(name + " has " + fields.size() + " fields: a type has 1 to "
                    + RingLayout.MAX_FIELDS);
        }
        Set<String> seen = new HashSet<>();
        for (Field field : fields) {
            requireName(field.name(), RingLayout.FIELD_NAME_SIZE, "field name");
            if (!seen.add(field.name())) {
                throw new IllegalArgumentException(name + ": field \"" + field.name() + "\" is described twice");
            }
            if ((long) field.offset() + field.size() > size) {
                throw new IllegalArgumentException(name + ": field \"" + field.name() + "\" ends beyond its " + size
                        + " bytes");
            }
        }
        return new MessageType(name, size, alignment, fields);
    }

    /**
     * This type with the named integer fields unsigned, as C's {@code uintN_t} are. A name also covers
     * the leaves under it ({@code legs} covers {@code legs[0].qty}).
     *
     * @param names fields' names, or names of structs or arrays of them
     * @return a new type
     * @throws IllegalArgumentException if a name covers no integer field
     */
    public MessageType unsigned(String... names) {
        List<Field> changed = new ArrayList<>(fields);
        for (String wanted : names) {
            boolean found = false;
            for (int i = 0; i < changed.size(); i++) {
                Field f = changed.get(i);
                boolean covered = f.name().equals(wanted) || f.name().startsWith(wanted + ".")
                        || f.name().startsWith(wanted + "[");
                if (covered && (f.kind() == Kind.SIGNED || f.kind() == Kind.UNSIGNED)) {
                    changed.set(i, new Field(f.name(), f.offset(), f.size(), Kind.UNSIGNED, f.elementSize()));
                    found = true;
                }
            }
            if (!found) {
                throw new IllegalArgumentException(name + " has no integer field " + wanted);
            }
        }
        return new MessageType(name, size, alignment, changed);
    }

    /**
     * The type's name.
     *
     * @return e.g. {@code order}
     */
    public String name() {
        return name;
    }

    /**
     * The struct's size: the length of every message of a ring of this type.
     *
     * @return the size in bytes
     */
    public int byteSize() {
        return size;
    }

    /**
     * The struct's alignment.
     *
     * @return the alignment in bytes, at most 16
     */
    public int byteAlignment() {
        return alignment;
    }

    /**
     * The struct's leaves.
     *
     * @return the fields, in order of offset, then name
     */
    public List<Field> fields() {
        return fields;
    }

    /**
     * The FNV-1a hash of the type area (docs/PROTOCOL.md §3.8): equal types have equal hashes.
     *
     * @return the hash
     */
    public long hash() {
        return MemorySegment.ofArray(area).get(JAVA_LONG_UNALIGNED, RingLayout.TYPE_HASH_OFFSET);
    }

    /**
     * The type as errors name it.
     *
     * @return e.g. {@code order (32 bytes)}
     */
    @Override
    public String toString() {
        return name + " (" + size + " bytes)";
    }

    /** Equal when their type areas are: same name, size, alignment and fields. */
    @Override
    public boolean equals(Object other) {
        return other instanceof MessageType that && Arrays.equals(area, that.area);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(hash());
    }

    // ---- the type area ---------------------------------------------------------------------------

    /** The type area's bytes, as stored after the peer table. */
    byte[] area() {
        return area.clone();
    }

    private byte[] encode() {
        byte[] bytes = new byte[(int) RingLayout.typeAreaSize(fields.size())];
        MemorySegment s = MemorySegment.ofArray(bytes);
        s.set(JAVA_LONG_UNALIGNED, RingLayout.TYPE_MAGIC_OFFSET, RingLayout.TYPE_MAGIC);
        s.set(JAVA_INT_UNALIGNED, RingLayout.TYPE_AREA_SIZE_OFFSET, bytes.length);
        s.set(JAVA_INT_UNALIGNED, RingLayout.TYPE_FIELD_COUNT_OFFSET, fields.size());
        s.set(JAVA_INT_UNALIGNED, RingLayout.TYPE_STRUCT_SIZE_OFFSET, size);
        s.set(JAVA_INT_UNALIGNED, RingLayout.TYPE_STRUCT_ALIGN_OFFSET, alignment);
        putName(s, RingLayout.TYPE_NAME_OFFSET, name);
        for (int i = 0; i < fields.size(); i++) {
            Field f = fields.get(i);
            long at = RingLayout.TYPE_HEADER_SIZE + i * RingLayout.TYPE_FIELD_SIZE;
            putName(s, at + RingLayout.FIELD_NAME_OFFSET, f.name());
            s.set(JAVA_INT_UNALIGNED, at + RingLayout.FIELD_OFFSET_OFFSET, f.offset());
            s.set(JAVA_INT_UNALIGNED, at + RingLayout.FIELD_SIZE_OFFSET, f.size());
            s.set(JAVA_INT_UNALIGNED, at + RingLayout.FIELD_KIND_OFFSET, f.kind().code);
            s.set(JAVA_INT_UNALIGNED, at + RingLayout.FIELD_ELEMENT_SIZE_OFFSET, f.elementSize());
        }
        s.set(JAVA_LONG_UNALIGNED, RingLayout.TYPE_HASH_OFFSET, hash(s));
        return bytes;
    }

    /** FNV-1a, byte by byte, over the area with its {@code type_hash} taken as zero. */
    static long hash(MemorySegment area) {
        long hash = 0xcbf29ce484222325L;
        for (long i = 0; i < area.byteSize(); i++) {
            boolean hashField = i >= RingLayout.TYPE_HASH_OFFSET && i < RingLayout.TYPE_HASH_OFFSET + 8;
            hash ^= hashField ? 0 : area.get(JAVA_BYTE, i) & 0xff;
            hash *= 0x100000001b3L;
        }
        return hash;
    }

    /**
     * Reads and checks the type area of ring {@code ring} (a private copy of its bytes: a peer may
     * write the shared ones at any time). Every value is checked before use, as in C's
     * pshm_type_validate, with the same reasons.
     *
     * @throws RingFormatException if the area is damaged
     */
    static MessageType read(String ring, MemorySegment copy, int maxPayload) {
        long areaBytes = copy.byteSize();
        if (areaBytes < RingLayout.typeAreaSize(1)) {
            throw damaged(ring, "type_size " + areaBytes + " is too small");
        }
        long magic = copy.get(JAVA_LONG_UNALIGNED, RingLayout.TYPE_MAGIC_OFFSET);
        if (magic != RingLayout.TYPE_MAGIC) {
            throw damaged(ring, String.format("magic 0x%016x", magic));
        }
        int areaSize = copy.get(JAVA_INT_UNALIGNED, RingLayout.TYPE_AREA_SIZE_OFFSET);
        int count = copy.get(JAVA_INT_UNALIGNED, RingLayout.TYPE_FIELD_COUNT_OFFSET);
        if (Integer.toUnsignedLong(areaSize) != areaBytes || count < 1 || count > RingLayout.MAX_FIELDS
                || RingLayout.typeAreaSize(count) != areaBytes) {
            throw damaged(ring, "area_size " + Integer.toUnsignedString(areaSize) + " and field_count "
                    + Integer.toUnsignedString(count) + " for a " + areaBytes + "-byte area");
        }
        int structSize = copy.get(JAVA_INT_UNALIGNED, RingLayout.TYPE_STRUCT_SIZE_OFFSET);
        int structAlign = copy.get(JAVA_INT_UNALIGNED, RingLayout.TYPE_STRUCT_ALIGN_OFFSET);
        if (structSize != maxPayload || structAlign < 1 || structAlign > RingLayout.MAX_TYPE_ALIGN
                || Integer.bitCount(structAlign) != 1 || structSize % structAlign != 0) {
            throw damaged(ring, "struct size " + Integer.toUnsignedString(structSize) + " and alignment "
                    + Integer.toUnsignedString(structAlign) + " (max_payload " + maxPayload + ")");
        }
        String typeName = getName(copy, RingLayout.TYPE_NAME_OFFSET, RingLayout.TYPE_NAME_SIZE);
        if (typeName == null) {
            throw damaged(ring, "its name is not 1 .. 31 printable bytes");
        }
        List<Field> fields = new ArrayList<>(count);
        Field previous = null;
        for (int i = 0; i < count; i++) {
            long at = RingLayout.TYPE_HEADER_SIZE + i * RingLayout.TYPE_FIELD_SIZE;
            String fieldName = getName(copy, at + RingLayout.FIELD_NAME_OFFSET, RingLayout.FIELD_NAME_SIZE);
            if (fieldName == null) {
                throw damaged(ring, "field " + i + "'s name is not 1 .. 47 printable bytes");
            }
            int offset = copy.get(JAVA_INT_UNALIGNED, at + RingLayout.FIELD_OFFSET_OFFSET);
            int fieldSize = copy.get(JAVA_INT_UNALIGNED, at + RingLayout.FIELD_SIZE_OFFSET);
            int code = copy.get(JAVA_INT_UNALIGNED, at + RingLayout.FIELD_KIND_OFFSET);
            int element = copy.get(JAVA_INT_UNALIGNED, at + RingLayout.FIELD_ELEMENT_SIZE_OFFSET);
            Kind kind = Kind.of(code);
            if (kind == null || !shapeOk(kind, element, fieldSize)
                    || Integer.toUnsignedLong(offset) + Integer.toUnsignedLong(fieldSize) > structSize) {
                throw damaged(ring, "field \"" + fieldName + "\": kind " + Integer.toUnsignedString(code)
                        + ", element size " + Integer.toUnsignedString(element) + ", " + Integer.toUnsignedString(fieldSize)
                        + " bytes at offset " + Integer.toUnsignedString(offset));
            }
            Field field = new Field(fieldName, offset, fieldSize, kind, element);
            if (previous != null && !(previous.offset() < offset
                    || (previous.offset() == offset && previous.name().compareTo(fieldName) < 0))) {
                throw damaged(ring, "field \"" + fieldName + "\" is out of order");
            }
            for (Field earlier : fields) {
                if (earlier.name().equals(fieldName)) {
                    throw damaged(ring, "field \"" + fieldName + "\" is described twice");
                }
            }
            fields.add(field);
            previous = field;
        }
        long stored = copy.get(JAVA_LONG_UNALIGNED, RingLayout.TYPE_HASH_OFFSET);
        long hash = hash(copy);
        if (stored != hash) {
            throw damaged(ring, String.format("type_hash 0x%016x, its bytes give 0x%016x", stored, hash));
        }
        return new MessageType(typeName, structSize, structAlign, fields);
    }

    /**
     * The first difference between this type, the ring's ("there"), and {@code here}, in the words C's
     * pshm_type_compare uses; null if they are equal.
     */
    String differenceFrom(MessageType here, String ring) {
        if (equals(here)) {
            return null;
        }
        String prefix = "ring " + ring + " carries " + this + ": ";
        if (!name.equals(here.name)) {
            return prefix + "this program's type is " + here;
        }
        for (Field x : fields) {
            Field y = here.field(x.name());
            if (y == null) {
                return prefix + "field \"" + x.name() + "\" missing here";
            }
            String a = x.describe();
            String b = y.describe();
            if (x.offset() != y.offset()) {
                return prefix + "field \"" + x.name() + "\" is at offset " + x.offset() + " as " + a + " there, at offset "
                        + y.offset() + (a.equals(b) ? "" : " as " + b) + " here";
            }
            if (!a.equals(b)) {
                return prefix + "field \"" + x.name() + "\" is " + a + " there, " + b + " here";
            }
        }
        for (Field y : here.fields) {
            if (field(y.name()) == null) {
                return prefix + "field \"" + y.name() + "\" missing there";
            }
        }
        if (size != here.size) {
            return prefix + "it is " + size + " bytes there, " + here.size + " here";
        }
        return prefix + "it is aligned to " + alignment + " there, to " + here.alignment + " here";
    }

    private Field field(String fieldName) {
        for (Field f : fields) {
            if (f.name().equals(fieldName)) {
                return f;
            }
        }
        return null;
    }

    // ---- layouts to fields -----------------------------------------------------------------------

    private static void flatten(MemoryLayout layout, String path, long base, List<Field> out) {
        switch (layout) {
            case PaddingLayout padding -> {
            }
            case GroupLayout group -> {
                long offset = 0;
                for (MemoryLayout member : group.memberLayouts()) {
                    long at = group instanceof StructLayout ? base + offset : base;
                    if (member instanceof GroupLayout inner && inner.name().orElse("").startsWith(ANONYMOUS)) {
                        flatten(member, path, at, out); // C names an anonymous member's members as its parent's
                    } else if (!(member instanceof PaddingLayout)) {
                        String memberName = member.name().orElseThrow(() -> new IllegalArgumentException(
                                "the member of " + (path.isEmpty() ? "the struct" : path) + " at offset " + at
                                        + " has no name"));
                        flatten(member, path.isEmpty() ? memberName : path + "." + memberName, at, out);
                    }
                    offset += member.byteSize();
                }
            }
            case SequenceLayout sequence -> {
                MemoryLayout element = sequence.elementLayout();
                if (element instanceof ValueLayout value && !(value instanceof AddressLayout)) {
                    Kind kind = value.byteSize() == 1 ? Kind.BYTES : kindOf(value, path);
                    out.add(field(path, base, sequence.byteSize(), kind, value.byteSize()));
                } else {
                    for (long i = 0; i < sequence.elementCount(); i++) {
                        if (out.size() > RingLayout.MAX_FIELDS) {
                            throw new IllegalArgumentException("more than " + RingLayout.MAX_FIELDS + " fields at " + path);
                        }
                        flatten(element, path + "[" + i + "]", base + i * element.byteSize(), out);
                    }
                }
            }
            case ValueLayout value -> out.add(field(path, base, value.byteSize(), kindOf(value, path), value.byteSize()));
        }
    }

    private static Field field(String path, long offset, long size, Kind kind, long element) {
        if (offset + size > RingLayout.MAX_PAYLOAD) {
            throw new IllegalArgumentException("field " + path + " lies beyond 2^30 bytes");
        }
        return new Field(path, (int) offset, (int) size, kind, (int) element);
    }

    private static Kind kindOf(ValueLayout value, String path) {
        Class<?> carrier = value.carrier();
        if (value instanceof AddressLayout) {
            throw new IllegalArgumentException("field " + path + " is a pointer, which means nothing in another process");
        }
        if (carrier == float.class || carrier == double.class) {
            return Kind.FLOAT;
        }
        return carrier == char.class || carrier == boolean.class ? Kind.UNSIGNED : Kind.SIGNED;
    }

    private static boolean shapeOk(Kind kind, int element, int size) {
        boolean elementOk = switch (kind) {
            case BYTES -> element == 1;
            case FLOAT -> element == 4 || element == 8;
            case SIGNED, UNSIGNED -> element == 1 || element == 2 || element == 4 || element == 8;
        };
        return elementOk && size >= element && size % element == 0;
    }

    // ---- names: 1 .. size-1 printable ASCII bytes without spaces, zero-padded ---------------------

    private static void requireName(String name, int size, String what) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        boolean printable = !name.isEmpty() && bytes.length < size
                && name.chars().allMatch(c -> c >= 0x21 && c <= 0x7e);
        if (!printable) {
            throw new IllegalArgumentException(what + " \"" + name + "\" must be 1 to " + (size - 1)
                    + " printable ASCII characters without spaces");
        }
    }

    private static void putName(MemorySegment s, long at, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(bytes, 0, s, JAVA_BYTE, at, bytes.length);
    }

    private static String getName(MemorySegment s, long at, int size) {
        byte[] bytes = s.asSlice(at, size).toArray(JAVA_BYTE);
        int length = 0;
        while (length < size && bytes[length] != 0) {
            length++;
        }
        if (length == 0 || length == size) {
            return null;
        }
        for (int i = 0; i < size; i++) {
            int c = bytes[i] & 0xff;
            if (i < length ? c < 0x21 || c > 0x7e : c != 0) {
                return null;
            }
        }
        return new String(bytes, 0, length, StandardCharsets.US_ASCII);
    }

    private static RingFormatException damaged(String ring, String problem) {
        return new RingFormatException(ring, "its message type is damaged: " + problem);
    }
}
