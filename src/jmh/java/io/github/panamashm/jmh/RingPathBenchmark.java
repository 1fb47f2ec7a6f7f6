// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.jmh;

import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.MessageHandler;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The cost of each non-waiting path on one thread (a message in, the same message out), and what it
 * allocates: run with {@code -prof gc} and read {@code gc.alloc.rate.norm} (bytes per operation).
 * No cross-core traffic here: that is what {@code bin/panama-shm bench} measures.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RingPathBenchmark {

    private static final int BATCH = 64;

    @Param({"false", "true"})
    public boolean spsc;

    private String name;
    private Ring ring;
    private Producer producer;
    private Consumer consumer;
    private final byte[] message = new byte[64];
    private final byte[] destination = new byte[64];
    private final MemorySegment segmentMessage = Arena.ofAuto().allocate(64, Long.BYTES);
    private final ByteBuffer directMessage = ByteBuffer.allocateDirect(64);
    private final ByteBuffer directDestination = ByteBuffer.allocateDirect(64);
    private final MessageHandler reader = new Reader();
    private long sum;

    private final class Reader implements MessageHandler {
        @Override
        public void onMessage(MemorySegment buffer, long index, int length) {
            sum += buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, index);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        name = "/pshm-jmh-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        ring = Ring.create(name, RingSpec.of(1024, 64).singleProducer(spsc).singleConsumer(spsc));
        producer = ring.producer();
        consumer = ring.consumer();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        consumer.close();
        producer.close();
        ring.close();
        Ring.unlink(name);
    }

    /** Copy in, copy out. */
    @Benchmark
    public int offerThenTryReceive() {
        producer.offer(message);
        return consumer.tryReceive(destination);
    }

    /** Copy in from a segment (a message written and then sent, or one handed over by a poll handler). */
    @Benchmark
    public int offerSegmentThenTryReceive() {
        producer.offer(segmentMessage, 0, 64);
        return consumer.tryReceive(destination);
    }

    /** Copy in from a direct buffer, out into another. */
    @Benchmark
    public int offerDirectBufferThenTryReceive() {
        producer.offer(directMessage.clear());
        return consumer.tryReceive(directDestination.clear());
    }

    /** Zero copy: claim, write, commit; poll one. */
    @Benchmark
    public int tryClaimCommitThenPoll() {
        long index = producer.tryClaim(64);
        producer.buffer().set(ValueLayout.JAVA_LONG_UNALIGNED, index, index);
        producer.commit();
        return consumer.poll(reader, 1);
    }

    /** Batches of 64: one claim, 64 writes, one commit; one poll of 64. Reported per message. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int claimBatchCommitThenPollBatch() {
        int n = producer.tryClaimBatch(BATCH, 64);
        MemorySegment buffer = producer.buffer();
        for (int i = 0; i < n; i++) {
            long index = producer.batchIndex(i);
            buffer.set(ValueLayout.JAVA_LONG_UNALIGNED, index, index);
        }
        producer.commit();
        return consumer.poll(reader, BATCH);
    }

    /** An empty ring: what a polling consumer pays per look. */
    @Benchmark
    public int pollEmpty() {
        return consumer.poll(reader, 16);
    }

    @TearDown(Level.Iteration)
    public void consume(Blackhole blackhole) {
        blackhole.consume(sum);
    }
}
