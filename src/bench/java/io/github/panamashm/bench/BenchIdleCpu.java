// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The idle-CPU scenarios: a consumer with nothing to consume, in its default wait policy. After it is
 * ready and has settled for 45 s (the JIT done with start-up), the CPU time of all its threads is sampled twice, 10 s apart, from
 * {@code /proc/PID/task/TID/schedstat} (first field: ns on CPU). Threads that appear during the window
 * count in full; threads that end during it take their window time with them, so the process total of
 * {@code /proc/PID/stat} (utime + stime, 10 ms ticks) is recorded as a cross-check. The waiting thread
 * ({@link SideLife#WAITER_THREAD}, or the only thread of a single-threaded side) is recorded apart: what
 * the ring costs, where the rest of a JVM is the JVM's own floor (compilers, monitor deflation, ...).
 */
final class BenchIdleCpu {

    /** USER_HZ, the unit of utime and stime in /proc/PID/stat: 100 on every Linux this runs on. */
    private static final double MS_PER_TICK = 10;
    /** A cross-check above the schedstat figure by more than this is worth a note. */
    private static final double STAT_SLACK_MS = 20;

    private final BenchEnv env;
    private final BenchCleanup cleanup;
    private final BenchCommandLog commandLog;

    BenchIdleCpu(BenchEnv env, BenchCleanup cleanup, BenchCommandLog commandLog) {
        this.env = env;
        this.cleanup = cleanup;
        this.commandLog = commandLog;
    }

    BenchResults.Outcome run(BenchPlan.Run run) throws InterruptedException {
        Scenario scenario = run.scenario();
        BenchCounts.Params params = BenchCounts.of(scenario, run.size());
        String name = cleanup.channelName(scenario.receiver().naming, run.number());
        List<String> command = env.command(scenario.receiver(), "consume",
                BenchRunner.commonFlags(name, run.size(), params, BenchCounts.IDLE_SIDE_TIMEOUT_MS), scenario.flags());
        List<String> notes = new ArrayList<>();
        BenchProcess side = null;
        try {
            commandLog.log(run, "idle consumer", command);
            side = BenchProcess.start("idle consumer", command, cleanup);
            if (!side.awaitReady(BenchCounts.READY_TIMEOUT)) {
                String why = side.isAlive()
                        ? "did not print \"ready\" within " + BenchCounts.READY_TIMEOUT.toSeconds() + " s"
                        : "exited before it printed \"ready\"";
                side.stop();
                return failure("the idle consumer " + why, notes, side);
            }
            Thread.sleep(BenchCounts.IDLE_SETTLE);
            long pid = side.pid();
            Map<String, Long> before = schedstat(pid);
            long statBefore = statTicks(pid);
            long start = System.nanoTime();
            Thread.sleep(BenchCounts.IDLE_WINDOW);
            Map<String, Long> after = schedstat(pid);
            long statAfter = statTicks(pid);
            double windowNs = System.nanoTime() - start;
            if (!side.isAlive() || before.isEmpty() || after.isEmpty()) {
                side.stop();
                return failure("the idle consumer exited during the measurement (it must wait for a producer"
                        + " at least " + (BenchCounts.IDLE_SETTLE.plus(BenchCounts.IDLE_WINDOW).toSeconds()) + " s)",
                        notes, side);
            }
            long cpuNs = 0;
            long waiterNs = -1;
            int ended = 0;
            for (Map.Entry<String, Long> task : after.entrySet()) {
                long ns = task.getValue() - before.getOrDefault(task.getKey(), 0L);
                cpuNs += ns;
                if (SideLife.WAITER_THREAD.equals(threadName(pid, task.getKey()))) {
                    waiterNs = Math.max(waiterNs, 0) + ns;
                }
            }
            if (waiterNs < 0 && after.size() == 1) {
                waiterNs = cpuNs; // a single-threaded side: the process is its waiting thread
            }
            for (String tid : before.keySet()) {
                if (!after.containsKey(tid)) {
                    ended++;
                }
            }
            double scale = BenchCounts.IDLE_WINDOW.toNanos() / windowNs;
            double cpuMs = cpuNs / 1e6 * scale;
            if (waiterNs < 0) {
                notes.add("no thread named " + SideLife.WAITER_THREAD + ": the waiting thread's share is unknown");
            }
            double statMs = (statAfter - statBefore) * MS_PER_TICK * scale;
            if (ended > 0) {
                notes.add(ended + " thread(s) ended during the window; their CPU time in it is not in the sum");
            }
            if (statBefore >= 0 && statAfter >= 0 && statMs > cpuMs + STAT_SLACK_MS) {
                notes.add(String.format(Locale.ROOT, "/proc/%d/stat says %.0f ms (10 ms ticks), the threads'"
                        + " schedstat %.1f ms", pid, statMs, cpuMs));
            }
            side.stop();
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put(BenchResults.IDLE_CPU_MS, cpuMs);
            if (waiterNs >= 0) {
                metrics.put(BenchResults.IDLE_WAITER_CPU_MS, waiterNs / 1e6 * scale);
            }
            if (statBefore >= 0 && statAfter >= 0) {
                metrics.put(BenchResults.IDLE_STAT_CPU_MS, statMs);
            }
            return new BenchResults.Outcome(metrics, null, notes);
        } catch (IOException e) {
            return failure("cannot start the idle consumer: " + e.getMessage(), notes, side);
        } finally {
            if (side != null) {
                side.stop();
            }
            cleanup.removeLeftovers(run.number());
        }
    }

    /** ns on CPU of each thread of {@code pid}, by thread id; threads that vanish while being read are left out. */
    static Map<String, Long> schedstat(long pid) {
        Map<String, Long> tasks = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : dir) {
                try {
                    String text = Files.readString(task.resolve("schedstat")).strip();
                    int space = text.indexOf(' ');
                    tasks.put(task.getFileName().toString(), Long.parseLong(space < 0 ? text : text.substring(0, space)));
                } catch (IOException | NumberFormatException vanished) {
                    // the thread ended between listing and reading
                }
            }
        } catch (IOException e) {
            // the process is gone: an empty map
        }
        return tasks;
    }

    /** The thread's name as Linux shows it (at most 15 characters), or "" if it is gone. */
    private static String threadName(long pid, String tid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "task", tid, "comm")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** utime + stime of the whole process (including ended threads) in ticks, or -1. */
    private static long statTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15 of proc(5)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static BenchResults.Outcome failure(String why, List<String> notes, BenchProcess side) {
        String text = side == null ? why : why + "\n" + side.describe();
        return BenchResults.Outcome.failed(text.stripTrailing(), notes);
    }
}
