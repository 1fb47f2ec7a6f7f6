// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.ring.WaitPolicy;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Bytes allocated per round trip of a ping-pong in which every side waits with
 * {@link WaitPolicy#sleep()}: two threads, two single-producer/single-consumer rings, ten windows
 * of {@code ROUND_TRIPS / 10} (default 400,000 round trips), read from the threads' allocation
 * counters (docs/BENCHMARKS.md, "The sleep policy's allocation"):
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp target/classes:target/test-classes io.github.panamashm.bench.SleepPolicyAllocation
 * </pre>
 */
public final class SleepPolicyAllocation {

    private SleepPolicyAllocation() {
    }

    public static void main(String[] args) throws Exception {
        int total = args.length > 0 ? Integer.parseInt(args[0]) : 400_000;
        int window = Math.max(1, total / 10);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String pid = Long.toString(ProcessHandle.current().pid());
        String there = "/pshm-sleep-alloc-a-" + pid;
        String back = "/pshm-sleep-alloc-b-" + pid;
        RingSpec spec = RingSpec.of(64, 64).singleProducer(true).singleConsumer(true);
        try (Ring out = Ring.create(there, spec); Ring in = Ring.create(back, spec)) {
            Thread pong = new Thread(() -> {
                try (Consumer request = out.consumer(WaitPolicy.sleep()); Producer reply = in.producer(WaitPolicy.sleep())) {
                    byte[] message = new byte[64];
                    for (int i = 0; i < total; i++) {
                        request.receive(message);
                        reply.send(message);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "pong");
            pong.start();
            long[] pings = new long[10];
            long[] pongs = new long[10];
            long[] nanos = new long[10];
            try (Producer request = out.producer(WaitPolicy.sleep()); Consumer reply = in.consumer(WaitPolicy.sleep())) {
                byte[] message = new byte[64];
                long ping = Thread.currentThread().threadId();
                for (int w = 0; w < 10; w++) { // figures printed at the end: printing would allocate here
                    long pingBefore = threads.getThreadAllocatedBytes(ping);
                    long pongBefore = threads.getThreadAllocatedBytes(pong.threadId());
                    long start = System.nanoTime();
                    for (int i = 0; i < window; i++) {
                        request.send(message);
                        reply.receive(message);
                    }
                    nanos[w] = System.nanoTime() - start;
                    pings[w] = threads.getThreadAllocatedBytes(ping) - pingBefore;
                    pongs[w] = threads.getThreadAllocatedBytes(pong.threadId()) - pongBefore;
                }
            }
            pong.join();
            for (int w = 0; w < 10; w++) {
                System.out.printf(Locale.ROOT, "round trips %,d-%,d: ping %.2f B, pong %.2f B per round trip, %.1f us each%n",
                        w * window, (w + 1) * window, pings[w] / (double) window, pongs[w] / (double) window,
                        nanos[w] / 1e3 / window);
            }
        } finally {
            Ring.unlink(there);
            Ring.unlink(back);
        }
    }
}
