// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.jmh;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.internal.posix.Libc;
import io.github.panamashm.internal.posix.PosixConstants;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What the rare paths cost: the doorbell's semaphore calls, the asymmetric barrier a side pays before
 * it sleeps, and a clock read, each through java.lang.foreign.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DowncallBenchmark {

    private String name;
    private NamedSemaphore semaphore;

    @Setup(Level.Trial)
    public void setUp() {
        name = "/pshm-jmh-sem-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        semaphore = NamedSemaphore.create(name, 0);
        Libc.membarrier(PosixConstants.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        semaphore.close();
        NamedSemaphore.unlinkIfExists(name);
    }

    /** A post and the wait that takes it: a doorbell rung for a sleeper that is not asleep yet. */
    @Benchmark
    public boolean semPostThenTryWait() {
        semaphore.release();
        return semaphore.tryAcquire();
    }

    /** A look at an empty doorbell. */
    @Benchmark
    public boolean semTryWaitEmpty() {
        return semaphore.tryAcquire();
    }

    /** membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED): what a side pays before it sleeps. */
    @Benchmark
    public long membarrierGlobalExpedited() {
        return Libc.membarrier(PosixConstants.MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0);
    }

    /** clock_gettime(CLOCK_MONOTONIC) through the linker, against System.nanoTime below. */
    @Benchmark
    public int clockGettime() {
        return Libc.clockGettime(PosixConstants.CLOCK_MONOTONIC, Libc.CallFrame.current().timespec);
    }

    @Benchmark
    public long systemNanoTime() {
        return System.nanoTime();
    }
}
