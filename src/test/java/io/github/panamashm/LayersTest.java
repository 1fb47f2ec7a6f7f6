// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packages of src/main/java are layers and every arrow points down: the libc bindings use
 * nothing of the project, the POSIX objects use the bindings, the ring uses both, the JUnit kit
 * and the tools stand on the API, the conformance scenarios on the traffic pattern, and the command
 * line on top of it all. A reference to a package
 * of the same layer or above (an import, or a fully qualified name) fails here, naming the file.
 */
class LayersTest {

    private static final Map<String, Integer> LAYER = Map.of(
            "io.github.panamashm.internal.posix", 0,
            "io.github.panamashm", 1,
            "io.github.panamashm.ring", 2,
            "io.github.panamashm.junit", 3,
            "io.github.panamashm.tools.traffic", 3,
            "io.github.panamashm.tools.conformance", 4,
            "io.github.panamashm.tools.cli", 5);

    /** A reference to a class of a project package: the package is what precedes the class name. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.github\\.panamashm(?:\\.[a-z]\\w*)*)\\.[A-Z]");

    @Test
    void everyPackageUsesOnlyTheLayersBelowIt() throws IOException {
        Path root = Path.of(System.getProperty("panamashm.basedir", "."), "src/main/java");
        List<String> upward = new ArrayList<>();
        TreeSet<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java") && !f.endsWith("module-info.java")
                    && !f.endsWith("package-info.java")).toList()) {
                String pkg = root.relativize(file.getParent()).toString().replace('/', '.');
                packages.add(pkg);
                assertThat(LAYER).as("the layer of package %s", pkg).containsKey(pkg);
                // code only: {@snippet} and {@link} in comments may point anywhere
                String code = Files.readString(file).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
                Matcher m = REFERENCE.matcher(code);
                while (m.find()) {
                    String used = m.group(1);
                    if (!used.equals(pkg) && LAYER.containsKey(used) && LAYER.get(used) >= LAYER.get(pkg)) {
                        upward.add(root.relativize(file) + " uses " + used);
                    }
                }
            }
        }
        assertThat(packages).as("packages of src/main/java").containsExactlyInAnyOrderElementsOf(LAYER.keySet());
        assertThat(upward).as("references to the same layer or above").isEmpty();
    }
}
