// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the numbers were measured on: CPU model, CPUs available, kernel, JDK.
 *
 * @param cpuModel the first {@code model name} of /proc/cpuinfo
 * @param cpus     CPUs this process may use (what {@code nproc} prints)
 * @param kernel   /proc/sys/kernel/osrelease ({@code uname -r})
 * @param jdk      vendor, version and VM of the JDK running the Java sides
 */
record BenchMachine(String cpuModel, int cpus, String kernel, String jdk) {

    static BenchMachine current() {
        return new BenchMachine(readCpuModel(), Runtime.getRuntime().availableProcessors(),
                read(Path.of("/proc/sys/kernel/osrelease")).orElse("unknown"),
                System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version") + " ("
                        + System.getProperty("java.vm.name") + ")");
    }

    /** The report's machine line. */
    String describe() {
        return "machine: " + cpuModel + ", " + cpus + " CPUs (nproc), Linux " + kernel + ", JDK " + jdk;
    }

    private static String readCpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String line : lines) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).strip().equals("model name")) {
                    return line.substring(colon + 1).strip();
                }
            }
            for (String line : lines) { // aarch64 has no model name
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).strip().equals("CPU part")) {
                    return "CPU part " + line.substring(colon + 1).strip();
                }
            }
        } catch (IOException e) {
            // unknown
        }
        return "unknown CPU";
    }

    private static java.util.Optional<String> read(Path file) {
        try {
            return java.util.Optional.of(Files.readString(file).strip());
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }
}
