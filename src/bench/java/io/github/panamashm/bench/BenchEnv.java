// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where the sides' programs are and how their command lines are built.
 *
 * @param java      the {@code java} launcher for the Java sides (this JVM's)
 * @param classPath the class path for the Java sides (this JVM's)
 * @param nativeDir the directory of the compiled C sides
 */
record BenchEnv(Path java, String classPath, Path nativeDir) {

    /** JVM flags of every Java side: a fixed heap, a throughput collector, no perf-data file. */
    static final List<String> JVM_FLAGS = List.of("-XX:+UseParallelGC", "-Xms256m", "-Xmx256m", "-XX:-UsePerfData");

    /** The environment of this JVM: its launcher and class path, {@code -Dpanamashm.native.dir} (default target/native). */
    static BenchEnv current() {
        return new BenchEnv(Path.of(System.getProperty("java.home"), "bin", "java"),
                System.getProperty("java.class.path"),
                Path.of(System.getProperty("panamashm.native.dir", "target/native")).toAbsolutePath().normalize());
    }

    /**
     * The command line of one side.
     *
     * @param side   the program
     * @param role   {@code consume}, {@code produce}, {@code pong} or {@code ping}
     * @param common the common flags ({@code --name ... --size ...})
     * @param flags  the scenario's flags
     */
    List<String> command(Scenario.Side side, String role, List<String> common, List<String> flags) {
        List<String> command = new ArrayList<>();
        if (side.launch == Scenario.Launch.JAVA) {
            command.add(java.toString());
            command.addAll(JVM_FLAGS);
            command.addAll(side.jvmFlags);
            command.add("-cp");
            command.add(classPath);
            command.add(side.program);
        } else {
            command.add(nativeDir.resolve(side.program).toString());
        }
        command.add(role);
        command.addAll(common);
        command.addAll(flags);
        return command;
    }

    /** Why the given scenarios cannot run here (missing programs or classes), one message each; empty if they can. */
    List<String> problems(List<Scenario> scenarios) {
        Set<Scenario.Side> sides = new LinkedHashSet<>();
        for (Scenario scenario : scenarios) {
            sides.add(scenario.receiver());
            sides.add(scenario.sender());
        }
        List<String> problems = new ArrayList<>();
        if (sides.stream().anyMatch(s -> s.launch == Scenario.Launch.JAVA) && !Files.isExecutable(java)) {
            problems.add("the java launcher " + java + " is not executable");
        }
        for (Scenario.Side side : sides) {
            if (side.launch == Scenario.Launch.NATIVE) {
                Path program = nativeDir.resolve(side.program);
                if (!Files.isExecutable(program)) {
                    problems.add("the " + side.label + " side " + program + " is not built (the Maven build compiles"
                            + " src/bench/c into the native dir, -Dpanamashm.native.dir, default target/native)");
                }
            } else if (!onClassPath(side.program)) {
                problems.add("the " + side.label + " side's class " + side.program + " is not on the class path (the"
                        + " Maven build compiles src/bench/java into target/test-classes)");
            }
        }
        return problems;
    }

    private static boolean onClassPath(String className) {
        return BenchEnv.class.getClassLoader().getResource(className.replace('.', '/') + ".class") != null;
    }

    /** How to show a command: arguments with characters the shell would treat specially are quoted. */
    static String shellWords(List<String> command) {
        StringBuilder text = new StringBuilder();
        for (String word : command) {
            if (!text.isEmpty()) {
                text.append(' ');
            }
            text.append(word.matches("[A-Za-z0-9_./:=,+@%-]+") ? word : "'" + word.replace("'", "'\\''") + "'");
        }
        return text.toString();
    }
}
