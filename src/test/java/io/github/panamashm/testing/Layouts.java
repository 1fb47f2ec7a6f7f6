// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.testing;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.ValueLayout;
import java.lang.foreign.StructLayout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Helpers of the tests that hold the Java layouts against C's and jextract's view of the headers. */
public final class Layouts {

    /**
     * struct order of examples/typed/order.h ({@code int64_t id; double price; int32_t qty; char
     * symbol[8];}, 32 bytes, aligned to 8), as the typed tests write it by hand.
     */
    public static final StructLayout ORDER = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("id"),
            ValueLayout.JAVA_DOUBLE.withName("price"),
            ValueLayout.JAVA_INT.withName("qty"),
            MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("symbol"),
            MemoryLayout.paddingLayout(4)).withName("order");

    private Layouts() {
    }

    /** Runs a C probe from target/native; its "kind name value" lines become "kind name" → value. */
    public static Map<String, Long> probe(String program) {
        var result = Processes.run(List.of(Processes.nativeProgram(program).toString()), 30).requireSuccess();
        Map<String, Long> values = new HashMap<>();
        for (String line : result.output().split("\n")) {
            String[] parts = line.trim().split(" ");
            values.put(parts[0] + " " + parts[1], Long.parseLong(parts[2]));
        }
        return values;
    }

    /** {@code ours} and {@code theirs} have the same size, and every named field of ours sits where theirs does. */
    public static void assertSameStruct(GroupLayout ours, GroupLayout theirs) {
        String name = ours.name().orElseThrow();
        assertThat(ours.byteSize()).as("sizeof(%s)", name).isEqualTo(theirs.byteSize());
        for (MemoryLayout member : ours.memberLayouts()) {
            if (member instanceof PaddingLayout) {
                continue;
            }
            var path = MemoryLayout.PathElement.groupElement(member.name().orElseThrow());
            assertThat(ours.byteOffset(path)).as("offset of %s.%s", name, member.name().get())
                    .isEqualTo(theirs.byteOffset(path));
            assertThat(member.byteSize()).as("size of %s.%s", name, member.name().get())
                    .isEqualTo(theirs.select(path).byteSize());
        }
        // and no field of theirs is missing from ours: padding aside (glibc's reserved "__" fields,
        // panama_shm.h's "_pad" arrays), which the mirrors keep as padding layouts
        for (MemoryLayout member : theirs.memberLayouts()) {
            String field = member.name().orElse("");
            if (member instanceof PaddingLayout || field.isEmpty() || field.startsWith("__") || field.endsWith("_pad")) {
                continue;
            }
            assertThat(ours.memberLayouts().stream().map(MemoryLayout::name))
                    .as("%s has field %s, which the Java mirror lacks", name, member.name().get())
                    .contains(member.name());
        }
    }
}
