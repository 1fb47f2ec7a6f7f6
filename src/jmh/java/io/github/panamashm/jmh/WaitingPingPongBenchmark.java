// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.jmh;

import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.ring.WaitPolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The waiting paths, which {@link RingPathBenchmark} never enters: two threads ping-pong 64-byte
 * messages through two single-producer/single-consumer rings with {@code send} and {@code receive},
 * every side with the same wait policy. With {@code sleep} each side is asleep on its doorbell when
 * the other's message comes, so every round trip makes two posts and two wake-ups. Run with
 * {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes allocated per operation (an operation of
 * either thread is one message each way) once the JIT has compiled the downcalls.
 * <pre>
 * mvn -Pjmh verify -DskipTests -Djmh.args="-prof gc WaitingPingPong"
 * </pre>
 */
@State(Scope.Group)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class WaitingPingPongBenchmark {

    // a side whose partner stopped at the end of an iteration gives up after this; the next iteration
    // picks up the message left in flight
    private static final Duration PARTNER_GONE = Duration.ofMillis(100);

    @Param({"sleep", "standard"})
    public String policy;

    private String requests;
    private String replies;
    private Ring there;
    private Ring back;
    private Producer request;
    private Consumer requestIn;
    private Producer reply;
    private Consumer replyIn;
    private final byte[] pingMessage = new byte[64];
    private final byte[] pongMessage = new byte[64];
    private boolean awaitingReply; // the ping thread's only

    @Setup(Level.Trial)
    public void setUp() {
        String stem = "/pshm-jmh-wait-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        requests = stem + "-a";
        replies = stem + "-b";
        WaitPolicy wait = switch (policy) {
            case "sleep" -> WaitPolicy.sleep();
            case "standard" -> WaitPolicy.standard();
            default -> throw new IllegalArgumentException("policy: sleep or standard, not " + policy);
        };
        RingSpec spec = RingSpec.of(64, 64).singleProducer(true).singleConsumer(true);
        there = Ring.create(requests, spec);
        back = Ring.create(replies, spec);
        request = there.producer(wait);
        requestIn = there.consumer(wait);
        reply = back.producer(wait);
        replyIn = back.consumer(wait);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            request.close();
            requestIn.close();
            reply.close();
            replyIn.close();
            there.close();
            back.close();
        } finally {
            Ring.unlink(requests);
            Ring.unlink(replies);
        }
    }

    /**
     * Sends a request and waits for its reply; a request whose reply did not come before the partner
     * stopped is not sent again, so that one message at most is in flight (more would let the sides
     * find messages waiting instead of sleeping).
     */
    @Benchmark
    @Group("pingPong")
    @GroupThreads(1)
    public int ping() throws InterruptedException {
        if (!awaitingReply) {
            request.send(pingMessage);
            awaitingReply = true;
        }
        int length = replyIn.receive(pingMessage, PARTNER_GONE);
        if (length > 0) {
            awaitingReply = false;
        }
        return length;
    }

    /** Waits for a request and sends it back. */
    @Benchmark
    @Group("pingPong")
    @GroupThreads(1)
    public int pong() throws InterruptedException {
        int length = requestIn.receive(pongMessage, PARTNER_GONE);
        if (length > 0) {
            reply.send(pongMessage);
        }
        return length;
    }
}
