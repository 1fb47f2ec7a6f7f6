// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Names the channels of each run, removes what the sides leave behind, and on Ctrl-C (a shutdown hook)
 * kills the sides still running and removes everything this benchmark made.
 */
final class BenchCleanup {

    private static final Path SHM_DIR = Path.of("/dev/shm");
    private static final Path TMP_DIR = Path.of("/tmp");

    private final String prefix = "pshm-bench-" + ProcessHandle.current().pid() + "-";
    private final Set<Process> running = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    /** Installs the shutdown hook; call once. */
    BenchCleanup installShutdownHook() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::onShutdown, "bench-cleanup"));
        return this;
    }

    /** The base name of run {@code run}: {@code pshm-bench-<pid>-<run>}. */
    String base(int run) {
        return prefix + run;
    }

    /** The {@code --name} of a side in run {@code run}: {@code /pshm-bench-<pid>-<run>} or {@code /tmp/pshm-bench-<pid>-<run>}. */
    String channelName(Scenario.Naming naming, int run) {
        return naming == Scenario.Naming.SHM ? "/" + base(run) : TMP_DIR.resolve(base(run)).toString();
    }

    /** Where the {@code ping} side of run {@code run} writes its samples (removed with the run's leftovers). */
    Path samplesFile(int run) {
        return TMP_DIR.resolve(base(run) + "-rtt-samples.txt");
    }

    void started(Process process) {
        running.add(process);
    }

    void ended(Process process) {
        running.remove(process);
    }

    /** Removes, best effort, {@code /dev/shm/<base>*}, {@code /dev/shm/sem.<base>*} and {@code /tmp/<base>*} of a run. */
    void removeLeftovers(int run) {
        removeStartingWith(base(run));
    }

    /** SIGTERM, then SIGKILL after {@link BenchCounts#KILL_GRACE}; also the process's descendants. */
    static void kill(Process process) {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(process.toHandle());
        process.descendants().forEach(all::add);
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + BenchCounts.KILL_GRACE.toNanos();
        for (ProcessHandle handle : all) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) {
                    handle.onExit().get(left, TimeUnit.NANOSECONDS);
                }
            } catch (Exception stillAlive) {
                // killed below
            }
            if (handle.isAlive()) {
                handle.destroyForcibly();
            }
        }
        try {
            process.waitFor(BenchCounts.KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the JVM is shutting down (Ctrl-C): runs that end now failed because of it. */
    boolean stopping() {
        return stopping;
    }

    private void onShutdown() {
        stopping = true;
        List<Process> left = new ArrayList<>(running);
        if (!left.isEmpty()) {
            System.err.println("\npanama-shm bench: stopping " + left.size() + " running side(s) and cleaning up");
        }
        left.parallelStream().forEach(BenchCleanup::kill);
        removeStartingWith(prefix);
    }

    private static void removeStartingWith(String base) {
        removeIn(SHM_DIR, base);
        removeIn(SHM_DIR, "sem." + base);
        removeIn(TMP_DIR, base);
    }

    private static void removeIn(Path dir, String start) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, entry -> entry.getFileName().toString().startsWith(start))) {
            for (Path entry : entries) {
                removeTree(entry);
            }
        } catch (IOException | RuntimeException e) {
            // best effort: the directory may not exist or not be readable
        }
    }

    private static void removeTree(Path path) {
        try {
            if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> tree = Files.walk(path)) {
                    for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            } else {
                Files.deleteIfExists(path);
            }
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }
}
