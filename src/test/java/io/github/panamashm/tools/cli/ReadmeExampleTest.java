// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

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

    @Test
    void theReadmeNamesExactlyThePackagesTheModuleExports() throws Exception {
        Set<String> exported = new java.util.TreeSet<>();
        java.util.regex.Matcher exports = java.util.regex.Pattern.compile("(?m)^\\s*exports ([\\w.]+);")
                .matcher(Files.readString(Path.of("src/main/java/module-info.java")));
        while (exports.find()) {
            exported.add(exports.group(1));
        }
        String readme = Files.readString(Path.of("README.md"));
        int at = readme.indexOf("The module `io.github.panamashm` exports");
        assertThat(at).as("the README says what the module exports").isPositive();
        String sentence = readme.substring(at, readme.indexOf(";", at));
        Set<String> named = new java.util.TreeSet<>();
        java.util.regex.Matcher packages = java.util.regex.Pattern.compile("`(io\\.github\\.panamashm[\\w.]*)`").matcher(sentence);
        while (packages.find()) {
            named.add(packages.group(1));
        }
        named.remove("io.github.panamashm") ; // the module's name, and a package of the same name
        exported.remove("io.github.panamashm");
        assertThat(named).as("packages the README says are exported").isEqualTo(exported);
        String[] counts = {"no", "one", "two", "three", "four", "five"};
        assertThat(sentence).contains("exports " + counts[exported.size() + 1] + " packages");
    }

    @Test
    void everyLineOfTheReadmePomIsInTheExampleProjectsPom() throws Exception {
        assertSnippetIsIn("## Use it in your project", "xml", "src/it/junit-example/pom.xml");
    }

    private static void assertSnippetIsIn(String heading, String source) throws Exception {
        assertSnippetIsIn(heading, "java", source);
    }

    /**
     * Every {@code language} block of the README's section {@code heading} (for Java, the first one): each of its
     * lines is a line of {@code source}.
     */
    private static void assertSnippetIsIn(String heading, String language, String source) throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int section = readme.indexOf(heading);
        int sectionEnd = readme.indexOf("\n## ", section + heading.length());
        String fence = "```" + language + "\n";
        int start = readme.indexOf(fence, section);
        assertThat(start).as("a " + language + " block after " + heading).isGreaterThan(section).isLessThan(sectionEnd);
        StringBuilder blocks = new StringBuilder();
        while (start > 0 && start < sectionEnd) {
            int end = readme.indexOf("```", start + fence.length());
            blocks.append(readme, start + fence.length(), end);
            start = language.equals("java") ? -1 : readme.indexOf(fence, end + 3);
        }
        String snippet = blocks.toString();
        Set<String> program = Files.readAllLines(Path.of(source)).stream().map(String::strip).collect(Collectors.toSet());
        List<String> missing = snippet.lines().map(String::strip).filter(line -> !line.isEmpty())
                .filter(line -> !program.contains(line)).toList();
        assertThat(missing).as("README snippet lines not in " + source).isEmpty();
    }
}
