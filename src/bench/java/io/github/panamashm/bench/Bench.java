// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code panama-shm bench}: runs every scenario with each side a separate process, competitors
 * interleaved round-robin for at least 5 rounds, and reports the medians, the named targets, and
 * results.csv, summary.csv, chart.svg, report.txt and commands.txt in {@code --out}.
 *
 * <p>Exit status: 0 when the benchmark ran to the end (targets may be missed), 1 when a run failed or
 * the sides are not built, 2 on a usage error.
 */
public final class Bench {

    /** A short pause between runs, so one run's exiting processes do not overlap the next run's. */
    private static final long PAUSE_BETWEEN_RUNS_MS = 100;

    private final BenchOptions options;
    private final BenchPlan plan;
    private final BenchEnv env;
    private final List<String> args;
    private final List<String> report = new ArrayList<>();
    private final PrintStream out;

    private Bench(BenchOptions options, BenchPlan plan, BenchEnv env, List<String> args, PrintStream out) {
        this.options = options;
        this.plan = plan;
        this.env = env;
        this.args = args;
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args)));
    }

    static int run(List<String> args) {
        List<String> flags = !args.isEmpty() && args.getFirst().equals("bench") ? args.subList(1, args.size()) : args;
        BenchOptions options;
        try {
            options = BenchOptions.parse(flags);
        } catch (BenchOptions.HelpRequested e) {
            System.out.print(BenchOptions.USAGE);
            return 0;
        } catch (BenchOptions.UsageException e) {
            System.err.println("panama-shm bench: " + e.getMessage());
            System.err.print(BenchOptions.USAGE);
            return 2;
        }
        BenchPlan plan = BenchPlan.of(options);
        if (plan.scenarios().isEmpty()) {
            System.err.println("panama-shm bench: no scenario matches --only " + options.only().pattern()
                    + "; the scenarios are: " + Scenario.ALL.stream().map(Scenario::name).collect(Collectors.joining(" ")));
            return 2;
        }
        BenchEnv env = BenchEnv.current();
        List<String> problems = env.problems(plan.scenarios());
        if (!problems.isEmpty()) {
            problems.forEach(p -> System.err.println("panama-shm bench: " + p));
            return 1;
        }
        try {
            Files.createDirectories(options.out());
        } catch (IOException e) {
            System.err.println("panama-shm bench: cannot create the output directory " + options.out() + ": " + e);
            return 1;
        }
        try {
            return new Bench(options, plan, env, flags, System.out).execute();
        } catch (InterruptedException e) {
            System.err.println("panama-shm bench: interrupted");
            return 1;
        }
    }

    private int execute() throws InterruptedException {
        BenchMachine machine = BenchMachine.current();
        BenchHeader.lines(options, plan, env, machine, args).forEach(this::emit);
        out.flush();
        BenchCleanup cleanup = new BenchCleanup().installShutdownHook();
        BenchCommandLog commands = new BenchCommandLog(env.classPath());
        BenchResults results = runAll(cleanup, commands);
        if (results == null) {
            return 1; // Ctrl-C: the shutdown hook kills the sides and cleans up
        }
        emit("");
        ResultTable.lines(plan, results).forEach(this::emit);
        notes(results);
        failures(results);
        Path dir = options.out();
        boolean written = writeData(dir, results, commands, machine);
        emit("");
        Targets.lines(results).forEach(this::emit);
        written &= writeReport(dir, results);
        return written && results.failures().isEmpty() ? 0 : 1;
    }

    /** Every planned run, in order; null when the benchmark was stopped (Ctrl-C). */
    private BenchResults runAll(BenchCleanup cleanup, BenchCommandLog commands) throws InterruptedException {
        BenchRunner pairs = new BenchRunner(env, cleanup, commands);
        BenchIdleCpu idle = new BenchIdleCpu(env, cleanup, commands);
        BenchResults results = new BenchResults();
        BenchProgress progress = new BenchProgress(System.err, plan);
        for (BenchPlan.Run run : plan.runs()) {
            progress.starting(run);
            long start = System.nanoTime();
            BenchResults.Outcome outcome = run.scenario().kind() == Scenario.Kind.IDLE_CPU ? idle.run(run) : pairs.run(run);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (cleanup.stopping()) {
                return null;
            }
            results.add(run, outcome, seconds);
            progress.finished(run, outcome, seconds);
            Thread.sleep(PAUSE_BETWEEN_RUNS_MS);
        }
        progress.close();
        return results;
    }

    /** The failed runs, one line per scenario, size and reason, with the rounds. */
    private void failures(BenchResults results) {
        List<BenchResults.Record> failures = results.failures();
        if (failures.isEmpty()) {
            return;
        }
        emit("failed runs: " + failures.size() + " of " + results.records().size()
                + " (each side's command and output went to stderr when it failed, and are in report.txt)");
        Map<String, List<Integer>> rounds = new LinkedHashMap<>();
        for (BenchResults.Record failure : failures) {
            BenchPlan.Run run = failure.run();
            String why = failure.outcome().failure().lines().findFirst().orElse("");
            rounds.computeIfAbsent(run.scenario().name() + " " + run.size() + " B: " + why, k -> new ArrayList<>())
                    .add(run.round());
        }
        rounds.forEach((what, which) -> emit("  " + what + " (round" + (which.size() == 1 ? " " : "s ")
                + which.stream().map(String::valueOf).collect(Collectors.joining(",")) + ")"));
        emit("");
    }

    /** results.csv, summary.csv, chart.svg, commands.txt; false (after saying why) if they could not be written. */
    private boolean writeData(Path dir, BenchResults results, BenchCommandLog commands, BenchMachine machine) {
        try {
            BenchCsv.writeResults(dir.resolve("results.csv"), results);
            BenchCsv.writeSummary(dir.resolve("summary.csv"), plan, results);
            SvgChart.write(dir.resolve("chart.svg"), plan, results, machine.describe().substring("machine: ".length()));
            Files.write(dir.resolve("commands.txt"), commands.lines(), StandardCharsets.UTF_8);
            emit("files: " + dir.resolve("results.csv") + ", " + dir.resolve("summary.csv") + ", "
                    + dir.resolve("chart.svg") + ", " + dir.resolve("commands.txt") + ", " + dir.resolve("report.txt"));
            return true;
        } catch (IOException e) {
            System.err.println("panama-shm bench: cannot write the results to " + dir + ": " + e);
            emit("files: not written (" + e + ")");
            return false;
        }
    }

    /** report.txt: everything printed on stdout, then each failure in full. */
    private boolean writeReport(Path dir, BenchResults results) {
        List<String> text = new ArrayList<>(report);
        for (BenchResults.Record failure : results.failures()) {
            text.add("");
            text.add("failure of " + where(failure.run()) + ": " + failure.outcome().failure());
        }
        try {
            Files.write(dir.resolve("report.txt"), text, StandardCharsets.UTF_8);
            return true;
        } catch (IOException e) {
            System.err.println("panama-shm bench: cannot write " + dir.resolve("report.txt") + ": " + e);
            return false;
        }
    }

    private void notes(BenchResults results) {
        List<String> lines = new ArrayList<>();
        for (BenchResults.Record record : results.records()) {
            for (String note : record.outcome().notes()) {
                lines.add("  " + where(record.run()) + ": " + note);
            }
        }
        if (!lines.isEmpty()) {
            emit("notes:");
            lines.forEach(this::emit);
            emit("");
        }
    }

    private static String where(BenchPlan.Run run) {
        return run.scenario().name() + " " + run.size() + " B round " + run.round();
    }

    /** A report line: printed now and kept for report.txt. */
    private void emit(String line) {
        report.add(line);
        out.println(line);
    }
}
