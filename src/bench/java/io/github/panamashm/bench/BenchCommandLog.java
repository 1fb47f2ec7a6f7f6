// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The exact command line of every side started, for commands.txt. The Java sides' class path is long
 * and the same everywhere: it is written once, as {@code CP=...}, and the commands say {@code "$CP"}.
 */
final class BenchCommandLog {

    private final String classPath;
    private final List<String> lines = new ArrayList<>();

    BenchCommandLog(String classPath) {
        this.classPath = classPath;
        lines.add("CP=" + BenchEnv.shellWords(List.of(classPath)));
    }

    synchronized void log(BenchPlan.Run run, String label, List<String> command) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < command.size(); i++) {
            boolean cp = i > 0 && command.get(i - 1).equals("-cp") && command.get(i).equals(classPath);
            text.append(i == 0 ? "" : " ").append(cp ? "\"$CP\"" : BenchEnv.shellWords(List.of(command.get(i))));
        }
        lines.add("# run " + run.number() + " round " + run.round() + " " + run.scenario().name() + " " + run.size()
                + " B " + label);
        lines.add(text.toString());
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }
}
