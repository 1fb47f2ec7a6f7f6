// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.junit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The kit's layout assertion, against headers compiled by this system's C compiler. */
class CLayoutsTest {

    private static final StructLayout VENUE = MemoryLayout.structLayout(
            JAVA_SHORT.withName("code"),
            MemoryLayout.sequenceLayout(6, JAVA_BYTE).withName("mic")).withName("venue");

    private static final StructLayout ORDER = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_DOUBLE.withName("price"),
            JAVA_INT.withName("qty"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("symbol"),
            VENUE.withName("venue"),
            MemoryLayout.sequenceLayout(2, JAVA_FLOAT).withName("weights"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("next")).withName("order");

    private static final String FIELDS = """
            struct venue { int16_t code; char mic[6]; };
            struct order {
                int64_t id;
                double price;
                int32_t qty;
                char symbol[8];
                struct venue venue;
                float weights[2];
                struct order *next;
            };
            """;

    @TempDir
    Path dir;

    private Path header(String body) throws IOException {
        Path header = dir.resolve("order-" + Integer.toHexString(body.hashCode()) + ".h");
        Files.writeString(header, "#include <stdint.h>\n" + body);
        return header;
    }

    @Test
    void aLayoutWrittenAsTheCompilerLaysTheStructOutMatches() throws IOException {
        CLayouts.assertMatches(ORDER, header(FIELDS), "struct order");
        assertThat(CLayouts.differences(ORDER, header(FIELDS + "typedef struct order order_t;\n"), "order_t")).isEmpty();
    }

    @Test
    void aMovedFieldIsNamedWithBothOffsets() throws IOException {
        Path swapped = header(FIELDS.replace("    double price;\n    int32_t qty;\n", "    int32_t qty;\n    double price;\n"));
        assertThat(CLayouts.differences(ORDER, swapped, "struct order")).contains(
                "field \"price\" is at offset 16, 8 bytes, floating-point in C; at offset 8, 8 bytes, floating-point here",
                "field \"qty\" is at offset 8, 4 bytes, integer in C; at offset 16, 4 bytes, integer here");
    }

    @Test
    void aResizedFieldAndTheFieldsItMovesAreNamed() throws IOException {
        Path wider = header(FIELDS.replace("int32_t qty;", "int64_t qty;"));
        assertThat(CLayouts.differences(ORDER, wider, "struct order")).contains(
                "field \"qty\" is at offset 16, 8 bytes, integer in C; at offset 16, 4 bytes, integer here",
                "field \"symbol\" is at offset 24, 8 bytes, array of integer in C; at offset 20, 8 bytes, array of integer here");
    }

    @Test
    void aFieldOfTheSameSizeButAnotherKindIsNamed() throws IOException {
        Path retyped = header(FIELDS.replace("int32_t qty;", "float qty;"));
        assertThat(CLayouts.differences(ORDER, retyped, "struct order")).containsExactly(
                "field \"qty\" is at offset 16, 4 bytes, floating-point in C; at offset 16, 4 bytes, integer here");
        Path arrayOfInts = header(FIELDS.replace("float weights[2];", "int32_t weights[2];"));
        assertThat(CLayouts.differences(ORDER, arrayOfInts, "struct order")).containsExactly(
                "field \"weights\" is at offset 36, 8 bytes, array of integer in C; at offset 36, 8 bytes, array of "
                        + "floating-point here");
    }

    @Test
    void aFieldAddedInThePaddingOrRemovedIsNamed() throws IOException {
        Path added = header(FIELDS.replace("float weights[2];", "float weights[2];\n    int32_t lots;"));
        assertThat(CLayouts.differences(ORDER, added, "struct order")).as("in what Java has as padding").containsExactly(
                "field \"lots\" (at offset 44, 4 bytes, integer in C) is missing here");
        Path removed = header(FIELDS.replace("    struct order *next;\n", ""));
        assertThat(CLayouts.differences(ORDER, removed, "struct order")).containsExactly(
                "sizeof(struct order) is 48 in C, 56 here",
                "field \"next\" (at offset 48, 8 bytes, pointer here) is not in struct order");
    }

    @Test
    void nestedFieldsAreComparedByTheirDottedNames() throws IOException {
        Path renamed = header(FIELDS.replace("int16_t code;", "int16_t kind;"));
        assertThat(CLayouts.differences(ORDER, renamed, "struct order")).containsExactly(
                "field \"venue.kind\" (at offset 28, 2 bytes, integer in C) is missing here",
                "field \"venue.code\" (at offset 28, 2 bytes, integer here) is not in struct order");
    }

    @Test
    void aPackedStructIsToldApartByItsOffsetsAndAlignment() throws IOException {
        Path packed = header("#pragma pack(push, 1)\n" + FIELDS + "#pragma pack(pop)\n");
        assertThat(CLayouts.differences(ORDER, packed, "struct order"))
                .contains("sizeof(struct order) is 52 in C, 56 here", "its alignment is 1 in C, 8 here",
                        "field \"next\" is at offset 44, 8 bytes, pointer in C; at offset 48, 8 bytes, pointer here");
    }

    @Test
    void theAssertionSaysWhatToFix() throws IOException {
        Path wider = header(FIELDS.replace("int32_t qty;", "int64_t qty;"));
        assertThatThrownBy(() -> CLayouts.assertMatches(ORDER, wider, "struct order"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("struct order from " + wider + " is not laid out as the Java layout order says:")
                .hasMessageContaining("field \"qty\"");
    }

    @Test
    void aHeaderThatDoesNotCompileOrATypeThatIsNoStructIsRefusedWithTheCompilersWords() throws IOException {
        assertThatThrownBy(() -> CLayouts.assertMatches(ORDER, header("struct order { int x }"), "struct order"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot compile struct order")
                .hasMessageContaining("error");
        assertThatThrownBy(() -> CLayouts.assertMatches(ORDER, header("typedef int order_t;\n"), "order_t"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not a struct but a base type");
        assertThatThrownBy(() -> CLayouts.assertMatches(ORDER, dir.resolve("missing.h"), "struct order"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no C header");
    }
}
