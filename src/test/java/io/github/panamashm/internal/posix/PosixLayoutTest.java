// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.posix;

import io.github.panamashm.testing.Layouts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The Java mirror of the C headers against what the C compiler says (src/test/c/posix-probe.c). */
class PosixLayoutTest {

    private static Map<String, Long> C;

    @BeforeAll
    static void runProbe() {
        C = Layouts.probe("posix-probe");
    }

    @Test
    void everyJavaConstantEqualsTheHeaders() throws IllegalAccessException {
        int checked = 0;
        for (Class<?> holder : List.of(PosixConstants.class, Errno.class)) {
            for (Field field : holder.getFields()) {
                if (!Modifier.isStatic(field.getModifiers()) || !Modifier.isFinal(field.getModifiers())) {
                    continue;
                }
                long javaValue = ((Number) field.get(null)).longValue();
                assertThat(C).as("C probe prints %s", field.getName()).containsKey("const " + field.getName());
                assertThat(javaValue).as(holder.getSimpleName() + "." + field.getName())
                        .isEqualTo(C.get("const " + field.getName()));
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(30);
    }

    @Test
    void structLayoutsMatchTheCompiler() {
        assertMatches(Timespec.LAYOUT);
        assertMatches(Flock.LAYOUT);
        assertMatches(Stat.LAYOUT);
    }

    private static void assertMatches(GroupLayout layout) {
        String struct = layout.name().orElseThrow();
        assertThat(layout.byteSize()).as("sizeof(struct %s)", struct).isEqualTo(C.get("sizeof " + struct));
        for (MemoryLayout member : layout.memberLayouts()) {
            if (member instanceof PaddingLayout) {
                continue;
            }
            String field = member.name().orElseThrow();
            long javaOffset = layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
            assertThat(javaOffset).as("offsetof(struct %s, %s)", struct, field)
                    .isEqualTo(C.get("offsetof " + struct + "." + field));
        }
    }
}
