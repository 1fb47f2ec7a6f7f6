// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.jmh;

import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.MessageHandler;
import io.github.panamashm.ring.MessageType;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.testing.Layouts;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * Whether a typed ring costs anything on the hot path: struct order (32 bytes) written in place
 * field by field and read in place, on a ring that carries its type and on one that does not (the
 * same code but for the typed ring's length checks). Single producer and consumer, one thread; run
 * with {@code -prof gc} to see that neither allocates.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class TypedRingBenchmark {

    static final StructLayout ORDER = Layouts.ORDER; // examples/typed/order.h
    static final VarHandle ID = ORDER.varHandle(groupElement("id"));
    static final VarHandle PRICE = ORDER.varHandle(groupElement("price"));
    static final VarHandle QTY = ORDER.varHandle(groupElement("qty"));

    @Param({"false", "true"})
    public boolean typed;

    private String name;
    private Ring ring;
    private Producer producer;
    private Consumer consumer;
    private final MessageHandler reader = new Reader();
    private long sum;
    private long next;

    private final class Reader implements MessageHandler {
        @Override
        public void onMessage(MemorySegment buffer, long index, int length) {
            sum += (long) ID.get(buffer, index) + (int) QTY.get(buffer, index) + (long) (double) PRICE.get(buffer, index);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        name = "/pshm-jmh-typed-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        MessageType order = MessageType.of(ORDER);
        RingSpec spec = typed ? RingSpec.of(1024, order) : RingSpec.of(1024, order.byteSize());
        ring = Ring.create(name, spec.singleProducer(true).singleConsumer(true));
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

    /** One order claimed, written field by field and committed; then polled and read field by field. */
    @Benchmark
    public int writeOrderInPlaceThenReadItInPlace() {
        long at = producer.tryClaim(32);
        MemorySegment slots = producer.buffer();
        long id = next++;
        ID.set(slots, at, id);
        PRICE.set(slots, at, id * 0.25);
        QTY.set(slots, at, (int) id);
        producer.commit();
        return consumer.poll(reader, 1);
    }

    @TearDown(Level.Iteration)
    public void consume(Blackhole blackhole) {
        blackhole.consume(sum);
    }
}
