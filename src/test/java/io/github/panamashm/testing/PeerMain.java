// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.testing;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.PosixException;
import io.github.panamashm.SharedMemory;
import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.WaitPolicy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/** The other process of the cross-process tests: one small action per run, results on stdout. */
public final class PeerMain {

    /** Byte {@code i} of a segment filled by {@link #fill}. */
    public static byte patternByte(long seed, long i) {
        return (byte) (seed * 131 + i * 31 + (i >>> 8));
    }

    public static void fill(MemorySegment segment, long seed) {
        for (long i = 0; i < segment.byteSize(); i++) {
            segment.set(ValueLayout.JAVA_BYTE, i, patternByte(seed, i));
        }
    }

    /** Index of the first byte that differs from the pattern, or -1. */
    public static long firstMismatch(MemorySegment segment, long seed) {
        for (long i = 0; i < segment.byteSize(); i++) {
            if (segment.get(ValueLayout.JAVA_BYTE, i) != patternByte(seed, i)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The Java consumer of the kill-chaos test (see src/test/c/chaos-consumer.c, which does the same):
     * drains the ring to the end of the stream, writing a 12-byte receipt (id, seq; id -1 for a bad
     * message) for every message with one write each, before its slot is released.
     */
    private static void consumeWithReceipts(String ring, java.nio.file.Path receipts) throws Exception {
        try (var out = java.nio.channels.FileChannel.open(receipts, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.APPEND);
             Ring opened = Ring.open(ring, Duration.ofSeconds(10)); Consumer consumer = opened.consumer()) {
            java.nio.ByteBuffer record = java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.nativeOrder());
            System.out.println("attached");
            System.out.flush();
            MessageReceipt write = (id, seq) -> {
                record.clear().putInt(id).putLong(seq).flip();
                try {
                    out.write(record);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            while (true) {
                int handled;
                try {
                    handled = consumer.poll((buffer, index, length) -> {
                        MemorySegment message = buffer.asSlice(index, length);
                        if (io.github.panamashm.tools.traffic.TrafficPattern.isIntact(message)) {
                            write.record(io.github.panamashm.tools.traffic.TrafficPattern.producerId(message),
                                    io.github.panamashm.tools.traffic.TrafficPattern.sequence(message));
                        } else {
                            write.record(-1, 0);
                        }
                    }, 64, Duration.ofSeconds(1));
                } catch (io.github.panamashm.ring.RingFormatException damaged) {
                    write.record(-1, 0);
                    continue;
                }
                if (handled == Consumer.END_OF_STREAM) {
                    return;
                }
            }
        }
    }

    private interface MessageReceipt {
        void record(int id, long seq);
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "shm-check-and-answer" -> {
                // verify the creator's pattern, then overwrite with our own for the creator to verify
                try (SharedMemory shm = SharedMemory.open(args[1])) {
                    long seed = Long.parseLong(args[2]);
                    System.out.println("size=" + shm.size() + " mismatch=" + firstMismatch(shm.segment(), seed));
                    fill(shm.segment(), seed + 1);
                }
            }
            case "shm-open" -> {
                try (SharedMemory shm = SharedMemory.open(args[1])) {
                    System.out.println("opened size=" + shm.size());
                } catch (PosixException e) {
                    System.out.println("error " + e.errnoName() + " " + e.getMessage());
                }
            }
            case "sem-acquire" -> {
                try (NamedSemaphore semaphore = NamedSemaphore.open(args[1])) {
                    System.out.println("waiting");
                    System.out.flush();
                    boolean acquired = semaphore.tryAcquire(Duration.ofMillis(Long.parseLong(args[2])));
                    System.out.println(acquired ? "acquired" : "timed out");
                }
            }
            case "sem-release" -> {
                try (NamedSemaphore semaphore = NamedSemaphore.open(args[1])) {
                    semaphore.release();
                    System.out.println("released");
                }
            }
            case "ring-claim-and-hang" -> {
                // dies (when killed) between claiming a position and publishing it
                try (Ring ring = Ring.open(args[1]); Producer producer = ring.producer()) {
                    int length = Integer.parseInt(args[2]);
                    producer.buffer().asSlice(producer.claim(length), length).fill((byte) 0x5a);
                    System.out.println("claimed");
                    System.out.flush();
                    Thread.sleep(Long.MAX_VALUE);
                }
            }
            case "ring-echo" -> {
                // echoes every message of ring args[1] into ring args[2], args[3] times, asleep between
                // them: with the sleep policy (args[4] "sleep"), or sleeping through membarrier ("barrier")
                WaitPolicy policy = args[4].equals("sleep") ? WaitPolicy.sleep() : WaitPolicy.spinThenSleep(Duration.ofNanos(1));
                try (Ring in = Ring.open(args[1]); Ring out = Ring.open(args[2]);
                     Consumer consumer = in.consumer(policy);
                     Producer producer = out.producer(policy)) {
                    System.out.println("ready");
                    System.out.flush();
                    long count = Long.parseLong(args[3]);
                    byte[] message = new byte[in.maxMessageSize()];
                    for (long i = 0; i < count; i++) {
                        int length = consumer.receive(message, Duration.ofSeconds(30));
                        if (length < 0) {
                            System.out.println("no message " + i);
                            System.exit(1);
                        }
                        producer.send(java.util.Arrays.copyOf(message, length));
                    }
                    System.out.println("echoed " + count);
                }
            }
            case "ring-claim-batch-and-hang" -> {
                // dies (when killed) holding a batch of claimed positions, none published
                try (Ring ring = Ring.open(args[1]); Producer producer = ring.producer()) {
                    System.out.println("claimed " + producer.claimBatch(Integer.parseInt(args[2]), 16));
                    System.out.flush();
                    Thread.sleep(Long.MAX_VALUE);
                }
            }
            case "ring-consume-receipts" -> consumeWithReceipts(args[1], java.nio.file.Path.of(args[2]));
            case "ring-take-batch-and-hang" -> {
                // dies (when killed) holding a whole batch: taken, the first handed out, none released
                try (Ring ring = Ring.open(args[1]); Consumer consumer = ring.consumer()) {
                    consumer.poll((buffer, index, length) -> {
                        System.out.println("taken a batch");
                        System.out.flush();
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }, Integer.parseInt(args[2]), Duration.ofSeconds(30));
                }
            }
            case "ring-take-and-hang" -> {
                // dies (when killed) between taking a message and releasing its slot
                try (Ring ring = Ring.open(args[1]); Consumer consumer = ring.consumer()) {
                    consumer.poll((buffer, index, length) -> {
                        System.out.println("taken " + length);
                        System.out.flush();
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }, 1, Duration.ofSeconds(30));
                }
            }
            default -> throw new IllegalArgumentException("unknown action " + args[0]);
        }
    }
}
