// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's Java snippet is the program CI builds against the installed artifact
 * (src/it/readme-example): every line of the snippet is a line of that program, so the snippet
 * compiles as written.
 */
class ReadmeExampleTest {

    @Test
    void everyLineOfTheReadmeSnippetIsInTheExampleProgram() throws Exception {
        assertSnippetIsIn("## The ring in Java", "src/it/readme-example/src/main/java/example/ReadmeExample.java");
    }

    @Test
    void everyLineOfTheJUnitKitSnippetIsInTheExampleTest() throws Exception {
        assertSnippetIsIn("## Testing across processes", "src/it/junit-example/src/test/java/example/OrdersTest.java");
    }

    /** The first Java block after {@code heading} in the README: each of its lines is a line of {@code source}. */
    private static void assertSnippetIsIn(String heading, String source) throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("```java\n", readme.indexOf(heading));
        assertThat(start).as("a Java block after " + heading).isGreaterThan(readme.indexOf(heading));
        String snippet = readme.substring(start + 8, readme.indexOf("```", start + 8));
        Set<String> program = Files.readAllLines(Path.of(source)).stream().map(String::strip).collect(Collectors.toSet());
        List<String> missing = snippet.lines().map(String::strip).filter(line -> !line.isEmpty())
                .filter(line -> !program.contains(line)).toList();
        assertThat(missing).as("README snippet lines not in " + source).isEmpty();
    }
}
