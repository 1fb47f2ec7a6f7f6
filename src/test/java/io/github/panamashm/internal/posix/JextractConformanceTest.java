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
        int variadic = 0;
        for (Map.Entry<String, FunctionDescriptor> entry : Libc.descriptors().entrySet()) {
            FunctionDescriptor theirs;
            if (VARIADIC.contains(entry.getKey())) {
                theirs = variadicDescriptor(entry.getKey(), entry.getValue());
                variadic++;
            } else {
                theirs = (FunctionDescriptor) header.getMethod(entry.getKey() + "$descriptor").invoke(null);
            }
            assertThat(shape(entry.getValue())).as(entry.getKey()).isEqualTo(shape(theirs));
        }
        assertThat(variadic).as("variadic functions compared").isEqualTo(VARIADIC.size());
    }

    /**
     * jextract's descriptor of a variadic function: its fixed arguments (an invoker made with no
     * variadic layout), then the variadic layouts Libc passes after them.
     */
    private static FunctionDescriptor variadicDescriptor(String function, FunctionDescriptor ours)
            throws ReflectiveOperationException {
        Class<?> generated = Class.forName(PACKAGE + "panama_shm_posix_h$" + function);
        Method makeInvoker = generated.getMethod("makeInvoker", MemoryLayout[].class);
        Method descriptor = generated.getMethod("descriptor");
        FunctionDescriptor fixed = (FunctionDescriptor) descriptor.invoke(makeInvoker.invoke(null, (Object) new MemoryLayout[0]));
        int fixedCount = fixed.argumentLayouts().size();
        assertThat(ours.argumentLayouts().size()).as("%s: Libc passes at least the fixed arguments", function)
                .isGreaterThanOrEqualTo(fixedCount);
        MemoryLayout[] rest = ours.argumentLayouts().subList(fixedCount, ours.argumentLayouts().size())
                .toArray(MemoryLayout[]::new);
        return (FunctionDescriptor) descriptor.invoke(makeInvoker.invoke(null, (Object) rest));
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
