// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.BufferClaim;
import io.github.panamashm.bench.SideFailure.Stopped;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The Aeron IPC competitor for fan-out, used as its users run it: one exclusive IPC publication
 * written with {@code tryClaim} (zero copy; {@code offer} when a message is larger than a frame), and
 * subscriptions in processes of their own, each polling {@code poll(handler, 256)} through a
 * {@link FragmentAssembler} and busy-spinning when idle. Every subscription reads the whole stream;
 * the publication is held back by the slowest (Aeron's flow control for IPC).
 *
 * <p>Consumer 0 ({@code --consumer 0}) runs the media driver embedded (shared threading mode, its
 * conductor backing off when idle: IPC data never passes through it) in {@code /dev/shm/NAME-aeron},
 * subscribes, and prints {@code ready}; the others connect to it and subscribe. The publication is
 * added after every subscription, so the driver links it to all of them. The IPC term length is
 * Aeron's default (64 MiB: the publication may run 32 MiB ahead of the slowest subscription, where
 * the rings measured beside it hold {@code --slots} messages); a term sized like those rings makes
 * the driver's conductor, which moves the publication's limit, the bottleneck.
 */
public final class AeronSide {

    private static final String SIDE = "AeronSide";
    private static final int STREAM = 1001;
    private static final int POLL_LIMIT = 256;
    private static final int CHECK_MASK = 1023;
    private static final long CONNECT_WAIT_NS = TimeUnit.SECONDS.toNanos(10);

    private static final SideLife life = new SideLife(SIDE, () -> { });

    private final SideArgs args;
    private final String directory;

    private AeronSide(SideArgs args) {
        this.args = args;
        String file = args.name.startsWith("/") ? args.name.substring(1) : args.name;
        this.directory = Path.of("/dev/shm", file + "-aeron").toString();
    }

    public static void main(String[] argv) {
        SideArgs args = SideArgs.parseOrExit(SIDE, argv, Set.of(), Set.of());
        int status;
        try {
            status = new AeronSide(args).run();
        } catch (Stopped e) {
            System.err.println(SIDE + " " + args.role + ": " + e.getMessage());
            status = SideArgs.EXIT_TIMEOUT;
        } catch (RuntimeException | OutOfMemoryError e) {
            System.err.println(SIDE + " " + args.role + ": failed: " + e);
            status = SideArgs.EXIT_SETUP;
        }
        life.exit(status);
    }

    private int run() {
        return switch (args.role) {
            case PRODUCE -> produce();
            case CONSUME -> consume();
            case PING, PONG -> throw new IllegalArgumentException("Aeron is measured for fan-out throughput only");
        };
    }

    private static String channel() {
        return "aeron:ipc";
    }

    private int produce() {
        try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(directory));
             ExclusivePublication publication = aeron.addExclusivePublication(channel(), STREAM)) {
            long giveUp = System.nanoTime() + CONNECT_WAIT_NS;
            while (!publication.isConnected()) {
                if (System.nanoTime() - giveUp > 0) {
                    throw new IllegalStateException("no subscription connected within 10 s");
                }
                checkStop("sent", 0, args.total());
                Thread.onSpinWait();
            }
            int size = args.size;
            long total = args.total();
            BufferClaim claim = new BufferClaim();
            UnsafeBuffer large = size > publication.maxPayloadLength() ? new UnsafeBuffer(new byte[size]) : null;
            int spins = 0;
            for (long seq = 0; seq < total; seq++) {
                if (large == null) {
                    long result;
                    while ((result = publication.tryClaim(size, claim)) <= 0) {
                        refused(result);
                        Thread.onSpinWait();
                        if ((++spins & CHECK_MASK) == 0) {
                            checkStop("sent", seq, total);
                        }
                    }
                    Payload.fill(claim.buffer(), claim.offset(), size, seq);
                    claim.commit();
                } else {
                    Payload.fill(large, 0, size, seq);
                    long result;
                    while ((result = publication.offer(large, 0, size)) <= 0) {
                        refused(result);
                        Thread.onSpinWait();
                        if ((++spins & CHECK_MASK) == 0) {
                            checkStop("sent", seq, total);
                        }
                    }
                }
                if ((seq & CHECK_MASK) == 0) {
                    checkStop("sent", seq, total);
                }
            }
            System.out.println("result sent=" + total);
            return SideArgs.EXIT_OK;
        }
    }

    /** Back pressure and an admin action are worth another try; anything else ends the run. */
    private static void refused(long result) {
        if (result != Publication.BACK_PRESSURED && result != Publication.ADMIN_ACTION) {
            throw new IllegalStateException("the publication refused a message: " + Publication.errorString(result));
        }
    }

    private int consume() {
        MediaDriver driver = args.consumer == 0 ? MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(directory)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new BackoffIdleStrategy())
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)) : null;
        try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(directory));
             Subscription subscription = aeron.addSubscription(channel(), STREAM)) {
            StreamCount stream = new StreamCount(args.warmup, args.total());
            int size = args.size;
            FragmentAssembler assembler = new FragmentAssembler((buffer, offset, length, header) -> {
                long seq = length >= Payload.SEQ_BYTES ? Payload.sequence(buffer, offset) : -1;
                stream.accept(seq, length == size && Payload.verify(buffer, offset, size, seq));
            });
            SideLife.ready();
            long total = args.total();
            int turns = 0;
            while (!stream.complete()) {
                if (subscription.poll(assembler, POLL_LIMIT) == 0) {
                    Thread.onSpinWait();
                }
                if ((++turns & CHECK_MASK) == 0) {
                    checkStop("received", stream.received, total);
                }
            }
            System.out.println(stream.resultLine(false));
            if (driver != null) {
                // the other processes' clients talk to this driver: keep it until the publication has gone
                long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (subscription.imageCount() > 0 && System.nanoTime() - giveUp < 0 && !life.stopped()) {
                    Thread.onSpinWait();
                }
            }
            return stream.exitStatus(false);
        } finally {
            if (driver != null) {
                driver.close();
            }
        }
    }

    private void checkStop(String what, long done, long total) {
        if (life.stopped() || args.pastDeadline()) {
            throw new Stopped((life.stopped() ? "stopped" : "timed out after " + args.timeoutMs + " ms") + " ("
                    + what + " " + done + " of " + total + ")");
        }
    }
}
