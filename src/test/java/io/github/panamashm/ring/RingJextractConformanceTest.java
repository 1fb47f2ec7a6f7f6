// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.testing.Layouts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * RingLayout against jextract's reading of native-headers/panama_shm.h. Runs with
 * {@code mvn -Pjextract verify}; skipped where jextract did not generate the bindings.
 */
class RingJextractConformanceTest {

    private static final String PACKAGE = "io.github.panamashm.jextract.ring.";
    private static Class<?> header;

    @BeforeAll
    static void findGeneratedBindings() {
        try {
            header = Class.forName(PACKAGE + "panama_shm_h");
        } catch (ClassNotFoundException e) {
            if (Boolean.getBoolean("panamashm.jextract.required")) {
                throw new AssertionError("the jextract profile is active but " + PACKAGE + "panama_shm_h is missing", e);
            }
            assumeTrue(false, "jextract bindings not generated (run ./jextract.sh or mvn -Pjextract verify)");
        }
    }

    @Test
    void structsEqualJextracts() throws ReflectiveOperationException {
        for (StructLayout ours : List.of(RingLayout.IDENTITY, RingLayout.COUNTERS, RingLayout.HEADER, RingLayout.PEER,
                RingLayout.SLOT)) {
            Object theirs = Class.forName(PACKAGE + ours.name().orElseThrow()).getMethod("layout").invoke(null);
            Layouts.assertSameStruct(ours, (GroupLayout) theirs);
        }
    }

    @Test
    void everyConstantOfTheHeaderIsGeneratedAndEqualsJavas() throws ReflectiveOperationException {
        Map<String, Long> java = HeaderConstants.javaMirrors();
        Set<String> macros = HeaderConstants.headerMacros();
        assertThat(macros).contains("PSHM_MAGIC", "PSHM_PEERS_OFFSET", "PSHM_CREATOR_LOCK_OFFSET");
        for (String name : macros) {
            Method generated;
            try {
                generated = header.getMethod(name);
            } catch (NoSuchMethodException missing) {
                throw new AssertionError("jextract generated no " + name + " (is it in jextract.sh's list?)", missing);
            }
            long value = ((Number) generated.invoke(null)).longValue();
            if (!HeaderConstants.C_ONLY.contains(name)) {
                assertThat(java).as("Java mirror of %s", name).containsKey(name);
                assertThat(value).as(name).isEqualTo(java.get(name));
            }
        }
    }
}
