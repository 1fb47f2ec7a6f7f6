// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the C API's own checks (src/test/c/ring-c-test.c) as a real process. */
class RingCApiTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    @Test
    void theHeaderOnlyCApiBehavesAsSpecified() {
        String name = names.ring("capi");
        String single = name + "-sp"; // the test program's second ring
        names.track(single, RingLayout.dataBellName(single), RingLayout.spaceBellName(single));
        var result = Processes.run(List.of(Processes.nativeProgram("ring-c-test").toString(), name), 60);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).containsPattern("ring-c-test: \\d+ checks passed");
    }

    @Test
    void theCFanOutRingBehavesAsSpecified() {
        String name = names.ring("fanout-capi");
        var result = Processes.run(List.of(Processes.nativeProgram("fanout-c-test").toString(), name), 60);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).containsPattern("fanout-c-test: \\d+ checks passed");
    }
}
