// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * native-headers/install.sh puts the headers and a pkg-config file under a prefix, and a C11 and a
 * C++17 program outside the tree compile against them with just the file's Cflags.
 */
class HeaderInstallTest {

    @Test
    void installedHeadersCompileFromCAndCxxWithThePkgConfigFlags(@TempDir Path prefix) throws Exception {
        Processes.run(List.of("bash", "native-headers/install.sh", prefix.toString()), 60).requireSuccess();
        Path pc = prefix.resolve("lib/pkgconfig/panama-shm.pc");
        String cflags = Files.readAllLines(pc).stream().filter(line -> line.startsWith("Cflags: ")).findFirst()
                .orElseThrow().substring("Cflags: ".length())
                .replace("${includedir}", prefix.resolve("include/panama-shm").toString());
        Path program = prefix.resolve("use.c");
        // a system header first: the pkg-config flags bring the _GNU_SOURCE the header needs
        Files.writeString(program, """
                #include <stdio.h>
                #include <panama_shm.h>
                #include <panama_shm_traffic.h>
                int main(void) { pshm_ring r; return pshm_open(&r, "/absent", PSHM_ROLE_CONSUMER, 0) == -ENOENT ? 0 : 1; }
                """);
        for (List<String> compiler : List.of(List.of("cc", "-std=c11", "-x", "c"), List.of("c++", "-std=c++17", "-x", "c++"))) {
            Path binary = prefix.resolve("use-" + compiler.get(0).replace("+", "x"));
            List<String> command = new java.util.ArrayList<>(compiler);
            command.addAll(List.of("-Wall", "-Wextra", "-Werror"));
            command.addAll(List.of(cflags.split(" ")));
            command.addAll(List.of("-o", binary.toString(), program.toString()));
            Processes.run(command, 120).requireSuccess();
            assertThat(Processes.run(List.of(binary.toString()), 30).exitCode()).as("%s program", compiler.get(0)).isZero();
        }
    }

    @Test
    void includedAfterASystemHeaderWithoutGnuSourceTheHeaderSaysSoOnceAndNothingElse(@TempDir Path dir) throws Exception {
        Path program = dir.resolve("late.c");
        Files.writeString(program, """
                #include <stdio.h>
                #include "panama_shm.h"
                int main(void) { return 0; }
                """);
        var compiled = Processes.run(List.of("cc", "-std=c11", "-Inative-headers", "-c", "-o",
                dir.resolve("late.o").toString(), program.toString()), 120);
        assertThat(compiled.exitCode()).isNotZero();
        List<String> diagnostics = compiled.output().lines().filter(line -> line.matches(".*: (error|warning): .*")).toList();
        assertThat(diagnostics).as(compiled.output()).hasSize(1);
        assertThat(diagnostics.get(0)).contains("panama_shm.h needs _GNU_SOURCE: include it before any system header");
    }
}
