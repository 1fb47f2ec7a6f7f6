// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one throughput or latency run: starts the receiver, waits for its {@code ready}, starts the
 * sender, waits for both to exit, and turns the {@code result} line (and for latency the samples file)
 * into metrics. Whatever happens, both sides are gone and the run's leftovers removed afterwards.
 */
final class BenchRunner {

    /** The cross-check of the ping side's own percentiles against the samples may differ by this much. */
    private static final double CROSS_CHECK_RELATIVE = 0.10;
    private static final double CROSS_CHECK_ABSOLUTE_NS = 200;

    private final BenchEnv env;
    private final BenchCleanup cleanup;
    private final BenchCommandLog commandLog;

    BenchRunner(BenchEnv env, BenchCleanup cleanup, BenchCommandLog commandLog) {
        this.env = env;
        this.cleanup = cleanup;
        this.commandLog = commandLog;
    }

    /** The flags every side gets: {@code --name --size --count [--warmup] --slots --timeout-ms}. */
    static List<String> commonFlags(String name, int size, BenchCounts.Params params, long timeoutMs) {
        List<String> flags = new ArrayList<>(List.of("--name", name, "--size", Integer.toString(size),
                "--count", Long.toString(params.count())));
        if (params.warmup() > 0) {
            flags.addAll(List.of("--warmup", Long.toString(params.warmup())));
        }
        flags.addAll(List.of("--slots", Integer.toString(params.slots()), "--timeout-ms", Long.toString(timeoutMs)));
        return flags;
    }

    BenchResults.Outcome run(BenchPlan.Run run) throws InterruptedException {
        Scenario scenario = run.scenario();
        BenchCounts.Params params = BenchCounts.of(scenario, run.size());
        String name = cleanup.channelName(scenario.receiver().naming, run.number());
        Path samples = scenario.kind() == Scenario.Kind.LATENCY ? cleanup.samplesFile(run.number()) : null;
        List<String> common = commonFlags(name, run.size(), params, BenchCounts.SIDE_TIMEOUT_MS);
        List<String> senderCommon = new ArrayList<>(common);
        if (samples != null) {
            senderCommon.addAll(List.of("--samples", samples.toString()));
        }
        List<String> senderCommand = env.command(scenario.sender(), scenario.senderRole(), senderCommon, scenario.flags());
        List<String> notes = new ArrayList<>();
        List<BenchProcess> receivers = new ArrayList<>();
        BenchProcess sender = null;
        try {
            // fan-out: receiver 0 makes the channel, the others join it; all are ready before the sender starts
            for (int i = 0; i < scenario.consumers(); i++) {
                List<String> receiverCommon = new ArrayList<>(common);
                String label = "receiver";
                if (scenario.consumers() > 1) {
                    receiverCommon.addAll(List.of("--consumer", Integer.toString(i)));
                    label = "receiver " + i;
                }
                List<String> receiverCommand = env.command(scenario.receiver(), scenario.receiverRole(), receiverCommon,
                        scenario.flags());
                commandLog.log(run, label, receiverCommand);
                BenchProcess receiver = BenchProcess.start(label, receiverCommand, cleanup);
                receivers.add(receiver);
                if (!receiver.awaitReady(BenchCounts.READY_TIMEOUT)) {
                    String why = receiver.isAlive()
                            ? "did not print \"ready\" within " + BenchCounts.READY_TIMEOUT.toSeconds() + " s"
                            : "exited before it printed \"ready\"";
                    return failure("the " + label + " (" + scenario.receiver().label + " " + scenario.receiverRole()
                            + ") " + why, notes, receivers.toArray(BenchProcess[]::new));
                }
            }
            commandLog.log(run, "sender", senderCommand);
            sender = BenchProcess.start("sender", senderCommand, cleanup);
            List<BenchProcess> all = new ArrayList<>(receivers);
            all.add(sender);
            String problem = awaitAll(all, BenchCounts.RUN_TIMEOUT);
            for (BenchProcess side : all) {
                side.stop();
            }
            if (problem != null) {
                return failure(problem, notes, all.toArray(BenchProcess[]::new));
            }
            List<BenchProcess> reporters = scenario.senderReports() ? List.of(sender) : receivers;
            try {
                Map<String, Double> metrics = null;
                for (BenchProcess reporter : reporters) {
                    String line = reporter.resultLine();
                    if (line == null) {
                        return failure("the " + reporter.label() + " printed no \"result ...\" line", notes,
                                all.toArray(BenchProcess[]::new));
                    }
                    BenchResultLine result = BenchResultLine.parse(line);
                    Map<String, Double> these = scenario.kind() == Scenario.Kind.THROUGHPUT
                            ? throughput(result, params, notes)
                            : latency(result, samples, params, notes);
                    if (reporters.size() > 1) {
                        notes.add(reporter.label() + ": " + line);
                    }
                    // fan-out: the stream reaches every receiver at the slowest one's rate
                    if (metrics == null || (scenario.kind() == Scenario.Kind.THROUGHPUT
                            && these.get(BenchResults.MSGS_PER_S) < metrics.get(BenchResults.MSGS_PER_S))) {
                        metrics = these;
                    }
                }
                return new BenchResults.Outcome(metrics, null, notes);
            } catch (BenchResultLine.BadResult e) {
                return failure(e.getMessage(), notes, all.toArray(BenchProcess[]::new));
            }
        } catch (IOException e) {
            List<BenchProcess> started = new ArrayList<>(receivers);
            started.add(sender);
            return failure("cannot start a side: " + e.getMessage(), notes, started.toArray(BenchProcess[]::new));
        } finally {
            for (BenchProcess receiver : receivers) {
                receiver.stop();
            }
            if (sender != null) {
                sender.stop();
            }
            cleanup.removeLeftovers(run.number());
        }
    }

    /** Waits until every side exited; null when all exited with status 0, else what went wrong. */
    private static String awaitAll(List<BenchProcess> sides, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (BenchProcess side : sides) {
                if (!side.isAlive() && side.exitStatus() != 0) {
                    return "the " + side.label() + " exited with status " + side.exitStatus();
                }
            }
            List<BenchProcess> running = sides.stream().filter(BenchProcess::isAlive).toList();
            if (running.isEmpty()) {
                return null;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return "timed out after " + timeout.toSeconds() + " s with "
                        + running.stream().map(BenchProcess::label).collect(java.util.stream.Collectors.joining(", "))
                        + " still running";
            }
            List<CompletableFuture<?>> exits = new ArrayList<>();
            for (BenchProcess side : running) {
                exits.add(side.onExit());
            }
            try {
                CompletableFuture.anyOf(exits.toArray(CompletableFuture[]::new)).get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // checked at the top of the loop
            }
        }
    }

    private static Map<String, Double> throughput(BenchResultLine result, BenchCounts.Params params, List<String> notes)
            throws BenchResultLine.BadResult {
        double rate = result.number("msgs_per_s");
        if (rate <= 0) {
            throw new BenchResultLine.BadResult("the consumer measured msgs_per_s=" + rate + ": " + result.line());
        }
        if (result.has("errors") && result.number("errors") != 0) {
            throw new BenchResultLine.BadResult("the consumer reported errors=" + result.values().get("errors")
                    + "\n    its result line: " + result.line());
        }
        if (result.has("lost") && result.number("lost") != 0) {
            notes.add("a lossy receiver was lapped: " + result.values().get("lost") + " of "
                    + (params.count() + params.warmup()) + " messages overwritten before it read them (its rate"
                    + " counts what it received)");
        } else if (result.has("msgs") && result.number("msgs") != params.count()) {
            notes.add("the consumer counted msgs=" + result.values().get("msgs") + ", asked for --count " + params.count());
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(BenchResults.MSGS_PER_S, rate);
        return metrics;
    }

    private static Map<String, Double> latency(BenchResultLine result, Path samples, BenchCounts.Params params,
                                               List<String> notes) throws BenchResultLine.BadResult {
        Histogram histogram = load(samples);
        long count = histogram.getTotalCount();
        if (count != params.count()) {
            notes.add("the ping side wrote " + count + " samples, asked for --count " + params.count());
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(BenchResults.P50, (double) histogram.getValueAtPercentile(50));
        metrics.put(BenchResults.P99, (double) histogram.getValueAtPercentile(99));
        metrics.put(BenchResults.P999, (double) histogram.getValueAtPercentile(99.9));
        metrics.put(BenchResults.MAX, (double) histogram.getMaxValue());
        metrics.put(BenchResults.SAMPLES, (double) count);
        for (Map.Entry<String, Double> metric : metrics.entrySet()) {
            if (metric.getKey().equals(BenchResults.SAMPLES) || !result.has(metric.getKey())) {
                continue;
            }
            double own = result.number(metric.getKey());
            double ours = metric.getValue();
            if (Math.abs(own - ours) > Math.max(CROSS_CHECK_ABSOLUTE_NS, CROSS_CHECK_RELATIVE * ours)) {
                notes.add(String.format(Locale.ROOT, "cross-check: the ping side printed %s=%.0f, its samples give %.0f",
                        metric.getKey(), own, ours));
            }
        }
        return metrics;
    }

    /** The samples file (one round trip in ns per line) as a histogram. */
    private static Histogram load(Path samples) throws BenchResultLine.BadResult {
        Histogram histogram = new Histogram(3);
        try (BufferedReader in = Files.newBufferedReader(samples, StandardCharsets.US_ASCII)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                String value = line.strip();
                if (value.isEmpty()) {
                    continue;
                }
                long ns;
                try {
                    ns = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new BenchResultLine.BadResult("samples file " + samples + " line " + number
                            + " is not a whole number of ns: \"" + value + "\"");
                }
                if (ns < 0) {
                    throw new BenchResultLine.BadResult("samples file " + samples + " line " + number
                            + " is negative: " + ns);
                }
                histogram.recordValue(ns);
            }
        } catch (NoSuchFileException e) {
            throw new BenchResultLine.BadResult("the ping side wrote no samples file " + samples + " (--samples)");
        } catch (IOException e) {
            throw new BenchResultLine.BadResult("cannot read the samples file " + samples + ": " + e);
        }
        if (histogram.getTotalCount() == 0) {
            throw new BenchResultLine.BadResult("the samples file " + samples + " is empty");
        }
        return histogram;
    }

    private static BenchResults.Outcome failure(String why, List<String> notes, BenchProcess... sides) {
        StringBuilder text = new StringBuilder(why).append('\n');
        for (BenchProcess side : sides) {
            if (side != null) {
                text.append(side.describe());
            }
        }
        return BenchResults.Outcome.failed(text.toString().stripTrailing(), notes);
    }
}
