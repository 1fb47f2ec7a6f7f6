// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.posix;

import io.github.panamashm.testing.Layouts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The project's hand-written bindings against jextract's output for native-headers/. Runs with
 * {@code mvn -Pjextract verify}, which generates the bindings first; in the default build jextract
 * is absent and the test is skipped. Reflection keeps this file compilable without the generated code.
 */
class JextractConformanceTest {

    private static final String PACKAGE = "io.github.panamashm.jextract.";
    private static final Set<String> VARIADIC = Set.of("sem_open", "fcntl", "syscall");
    private static Class<?> header;

    @BeforeAll
    static void findGeneratedBindings() {
        try {
            header = Class.forName(PACKAGE + "panama_shm_posix_h");
        } catch (ClassNotFoundException e) {
            if (Boolean.getBoolean("panamashm.jextract.required")) {
                throw new AssertionError("the jextract profile is active but " + PACKAGE
                        + "panama_shm_posix_h was not generated", e);
            }
            assumeTrue(false, "jextract bindings not generated (run ./jextract.sh or mvn -Pjextract verify)");
        }
    }

    @Test
    void structLayoutsEqualJextracts() throws ReflectiveOperationException {
        for (GroupLayout ours : List.of(Stat.LAYOUT, Timespec.LAYOUT, Flock.LAYOUT)) {
            Object theirs = Class.forName(PACKAGE + ours.name().orElseThrow()).getMethod("layout").invoke(null);
            Layouts.assertSameStruct(ours, (GroupLayout) theirs);
        }
    }

    @Test
    void functionDescriptorsEqualJextracts() throws ReflectiveOperationException {
        for (Map.Entry<String, FunctionDescriptor> entry : Libc.descriptors().entrySet()) {
            if (VARIADIC.contains(entry.getKey())) {
                continue; // jextract leaves the variadic part to the caller, as Libc does
            }
            Method method = header.getMethod(entry.getKey() + "$descriptor");
            FunctionDescriptor theirs = (FunctionDescriptor) method.invoke(null);
            assertThat(shape(entry.getValue())).as(entry.getKey()).isEqualTo(shape(theirs));
        }
    }

    /** Carriers and sizes: what the linker's calling convention depends on (names and targets aside). */
    private static List<String> shape(FunctionDescriptor descriptor) {
        var shape = new java.util.ArrayList<String>();
        shape.add(descriptor.returnLayout().map(JextractConformanceTest::shape).orElse("void"));
        descriptor.argumentLayouts().forEach(layout -> shape.add(shape(layout)));
        return shape;
    }

    private static String shape(MemoryLayout layout) {
        return layout instanceof ValueLayout value
                ? value.carrier().getSimpleName() + "/" + value.byteSize()
                : layout.getClass().getSimpleName() + "/" + layout.byteSize();
    }

    @Test
    void constantsEqualJextracts() throws ReflectiveOperationException {
        int compared = 0;
        for (Class<?> holder : List.of(PosixConstants.class, Errno.class)) {
            for (Field field : holder.getFields()) {
                if (!Modifier.isStatic(field.getModifiers())) {
                    continue;
                }
                Method generated;
                try {
                    generated = header.getMethod(field.getName());
                } catch (NoSuchMethodException notAConstantOfTheHeader) {
                    continue; // e.g. SIZEOF_SEM_T, MAP_FAILED: checked by PosixLayoutTest
                }
                assertThat(((Number) generated.invoke(null)).longValue()).as(field.getName())
                        .isEqualTo(((Number) field.get(null)).longValue());
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(25);
    }
}
