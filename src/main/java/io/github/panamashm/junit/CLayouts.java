// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.junit;

import io.github.panamashm.junit.DwarfStruct.Field;
import io.github.panamashm.junit.DwarfStruct.Kind;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Holds a Java {@link MemoryLayout} against a C struct as this system's C compiler lays it out: a
 * struct written by one language and read by the other must agree on every field's offset, size and
 * kind, and a test is where to find out that they do not.
 *
 * {@snippet :
 * static final StructLayout ORDER = MemoryLayout.structLayout(
 *         ValueLayout.JAVA_LONG.withName("id"),
 *         ValueLayout.JAVA_DOUBLE.withName("price"),
 *         ValueLayout.JAVA_INT.withName("qty"),
 *         MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("symbol"),
 *         MemoryLayout.paddingLayout(4)).withName("order");
 *
 * @Test
 * void theJavaOrderIsTheCOrder() {
 *     CLayouts.assertMatches(ORDER, Path.of("src/main/c/order.h"), "struct order");
 * }
 * }
 *
 * <p>It compiles a file that includes the header and defines one variable of the type, with debug
 * information ({@code $CC} or {@code cc}, {@code -g}), and reads the struct's layout from it with
 * {@code readelf} (binutils): every field, nested structs flattened to dotted names
 * ({@code "venue.code"}), arrays and unions as one field each. The layout's members are named as
 * the C fields are; padding layouts stand for C's padding.
 */
public final class CLayouts {

    private static final String VARIABLE = "pshm_layout_probe";
    private static final String ALIGNMENT = "pshm_layout_probe_alignment";
    private static final long TIMEOUT_SECONDS = 60;

    private CLayouts() {
    }

    /**
     * Fails, naming each difference the way one would fix it, unless {@code layout} is laid out as
     * the C compiler lays out {@code cType} from {@code header}.
     *
     * @param layout        the Java layout, a struct layout whose members are named as the C fields
     * @param header        the C header that defines the type
     * @param cType         the type as C names it: {@code "struct order"}, or a typedef name
     * @param compilerFlags more flags for the compiler, e.g. {@code "-DORDER_V2"} or {@code "-I include"}
     * @throws AssertionError if they differ
     * @throws IllegalStateException if the header does not compile, or the compiler or readelf is missing
     */
    public static void assertMatches(MemoryLayout layout, Path header, String cType, String... compilerFlags) {
        List<String> differences = differences(layout, header, cType, compilerFlags);
        if (!differences.isEmpty()) {
            throw new AssertionError(cType + " from " + header + " is not laid out as the Java layout "
                    + layout.name().orElse("") + " says:\n  " + String.join("\n  ", differences));
        }
    }

    /**
     * The differences between {@code layout} and {@code cType} as the C compiler lays it out, one
     * sentence each; empty if there are none.
     *
     * @param layout        the Java layout, a struct layout whose members are named as the C fields
     * @param header        the C header that defines the type
     * @param cType         the type as C names it: {@code "struct order"}, or a typedef name
     * @param compilerFlags more flags for the compiler
     * @return the differences, in the order of the C fields, then those of fields C lacks
     * @throws IllegalStateException if the header does not compile, or the compiler or readelf is missing
     */
    public static List<String> differences(MemoryLayout layout, Path header, String cType, String... compilerFlags) {
        if (!(layout instanceof StructLayout struct)) {
            throw new IllegalArgumentException("a struct layout is needed, not " + layout);
        }
        CStruct c = compile(header, cType, compilerFlags);
        Map<String, Field> java = new LinkedHashMap<>();
        flatten(struct, "", 0, java);
        List<String> differences = new ArrayList<>();
        if (c.layout.size != struct.byteSize()) {
            differences.add("sizeof(" + cType + ") is " + c.layout.size + " in C, " + struct.byteSize() + " here");
        }
        if (c.alignment != struct.byteAlignment()) {
            differences.add("its alignment is " + c.alignment + " in C, " + struct.byteAlignment() + " here");
        }
        for (Field field : c.layout.fields) {
            Field ours = java.remove(field.name());
            if (ours == null) {
                differences.add("field \"" + field.name() + "\" (" + field.describe() + " in C) is missing here");
            } else if (!ours.equals(field)) {
                differences.add("field \"" + field.name() + "\" is " + field.describe() + " in C; " + ours.describe()
                        + " here");
            }
        }
        java.values().stream().sorted(Comparator.comparingLong(Field::offset)).forEach(field ->
                differences.add("field \"" + field.name() + "\" (" + field.describe() + " here) is not in " + cType));
        return differences;
    }

    /** The Java layout's fields as leaves, named as {@link DwarfStruct} names C's. */
    private static void flatten(GroupLayout group, String prefix, long base, Map<String, Field> out) {
        for (MemoryLayout member : group.memberLayouts()) {
            if (member instanceof PaddingLayout) {
                continue;
            }
            String name = member.name().orElseThrow(() -> new IllegalArgumentException("a member of "
                    + group.name().orElse("the layout") + " has no name: name every field as C does (" + member + ")"));
            long offset = base + group.byteOffset(MemoryLayout.PathElement.groupElement(name));
            if (member instanceof StructLayout nested) {
                flatten(nested, prefix + name + ".", offset, out);
            } else {
                out.put(prefix + name, leaf(prefix + name, offset, member));
            }
        }
    }

    private static Field leaf(String name, long offset, MemoryLayout member) {
        if (member instanceof SequenceLayout sequence) {
            MemoryLayout element = sequence.elementLayout();
            Kind elementKind = element instanceof ValueLayout value ? kind(value) : null;
            return new Field(name, offset, sequence.byteSize(), Kind.ARRAY, elementKind);
        }
        if (member instanceof UnionLayout) {
            return new Field(name, offset, member.byteSize(), Kind.UNION, null);
        }
        return new Field(name, offset, member.byteSize(), kind((ValueLayout) member), null);
    }

    private static Kind kind(ValueLayout value) {
        if (value instanceof AddressLayout) {
            return Kind.POINTER;
        }
        return value.carrier() == float.class || value.carrier() == double.class ? Kind.FLOAT : Kind.INTEGER;
    }

    /** A C struct's layout and alignment, as the compiler reports them. */
    private record CStruct(DwarfStruct layout, long alignment) {
    }

    private static CStruct compile(Path header, String cType, String... compilerFlags) {
        if (!Files.isRegularFile(header)) {
            throw new IllegalStateException("no C header " + header);
        }
        Path directory = null;
        try {
            directory = Files.createTempDirectory("panama-shm-layout");
            Files.writeString(directory.resolve("probe.c"), "#include \"" + header.toAbsolutePath() + "\"\n"
                    + cType + " " + VARIABLE + ";\n"
                    // an enumerator keeps the alignment in the debug information
                    + "enum { " + ALIGNMENT + " = _Alignof(" + cType + ") } " + ALIGNMENT + "_holder;\n");
            String compiler = CPrograms.compiler();
            List<String> command = new ArrayList<>(List.of(compiler, "-std=gnu11", "-g", "-c", "-o", "probe.o"));
            command.addAll(List.of(compilerFlags));
            command.add("probe.c");
            ToolRun.run(command, directory, TIMEOUT_SECONDS, "cannot compile " + cType + " from " + header,
                    "install a C compiler, e.g. Debian's gcc, or set CC");
            String dump = ToolRun.run(List.of("readelf", "--debug-dump=info", "probe.o"), directory, TIMEOUT_SECONDS,
                    "cannot read the compiler's debug information", "install binutils");
            Matcher alignment = Pattern.compile("DW_AT_name\\s*:\\s*(?:\\(.*\\):\\s*)?" + ALIGNMENT
                    + "\\s*\\n\\s*<[0-9a-f]+>\\s+DW_AT_const_value\\s*:\\s*(\\d+)").matcher(dump);
            if (!alignment.find()) {
                throw new IllegalStateException("the compiler's debug information has no alignment of " + cType);
            }
            try {
                return new CStruct(DwarfStruct.of(dump, VARIABLE), Long.parseLong(alignment.group(1)));
            } catch (IllegalStateException e) {
                throw new IllegalStateException(cType + " from " + header + ": " + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while compiling " + cType, e);
        } finally {
            deleteQuietly(directory);
        }
    }

    private static void deleteQuietly(Path directory) {
        if (directory == null) {
            return;
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // a temporary directory: what is left there is harmless
        }
    }
}
