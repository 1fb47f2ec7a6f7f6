// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;

/**
 * An idle consumer's waiting thread, alone: its CPU time per 10 s in each 20 s window up to
 * {@code SECONDS} after the start (default 120). Run two builds side by side to compare them, each
 * with its own class path (docs/BENCHMARKS.md, "The idle waiter, again"):
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp BUILD_A/classes:target/test-classes io.github.panamashm.bench.IdleWaiterCpu A &amp;
 * java --enable-native-access=ALL-UNNAMED -cp BUILD_B/classes:target/test-classes io.github.panamashm.bench.IdleWaiterCpu B
 * </pre>
 */
public final class IdleWaiterCpu {

    private IdleWaiterCpu() {
    }

    public static void main(String[] args) throws Exception {
        String label = args.length > 0 ? args[0] : "idle";
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 120;
        String name = "/pshm-idle-waiter-" + ProcessHandle.current().pid();
        try (Ring ring = Ring.create(name, RingSpec.of(64, 64))) {
            Thread waiter = new Thread(() -> {
                try (Consumer consumer = ring.consumer()) {
                    consumer.receive(new byte[64], Duration.ofSeconds(seconds + 60));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (IllegalStateException closed) {
                    // the ring closes under the sleeper at the end: what a sleep on a closed Ring does
                }
            }, "ring-waiter");
            waiter.setDaemon(true);
            waiter.start();
            var threads = ManagementFactory.getThreadMXBean();
            StringBuilder line = new StringBuilder(label);
            long start = System.nanoTime();
            long before = 0;
            for (long at = 20; at <= seconds; at += 20) {
                long wait = start + at * 1_000_000_000L - System.nanoTime();
                Thread.sleep(Math.max(0, wait / 1_000_000));
                long cpu = threads.getThreadCpuTime(waiter.threadId());
                if (at > 20) { // the first window holds the start-up
                    line.append(String.format(Locale.ROOT, " %ds:%.2fms/10s", at, (cpu - before) / 1e6 / 2));
                }
                before = cpu;
            }
            System.out.println(line);
        } finally {
            Ring.unlink(name);
        }
    }
}
