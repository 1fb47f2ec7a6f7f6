// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import io.github.panamashm.bench.SideFailure.SetupException;
import io.github.panamashm.bench.SideFailure.Stopped;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.BindException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The socket competitor: a Unix-domain stream socket ({@code PREFIX.sock}, {@code --name} being
 * the prefix) with blocking {@link SocketChannel}s and reused direct buffers. {@code produce}
 * writes {@code --batch} messages per {@code write()} (1: one write per message); {@code consume}
 * reads into a 1 MiB buffer and takes the messages out of it, keeping a partial one for the next
 * read. Ping and pong share one connection, one message per write, pong being the server.
 *
 * <p>Blocking calls cannot look at a clock, so a watchdog thread closes the channels at the
 * deadline, and the shutdown hook closes them on SIGTERM; the blocked call then fails and the side
 * exits with status 3.
 */
public final class UdsSide {

    private static final String SIDE = "UdsSide";
    private static final int READ_BUFFER_BYTES = 1 << 20;
    private static final int MAX_WRITE_BYTES = 1 << 30;
    private static final int CHECK_MASK = 1023;
    private static final long CONNECT_WAIT_NS = TimeUnit.SECONDS.toNanos(5);

    private static final List<Closeable> channels = new CopyOnWriteArrayList<>();
    /** The socket file this process bound is deleted on every way out; stopping closes the channels. */
    private static final SideLife life = new SideLife(SIDE, UdsSide::closeChannels);
    private static volatile boolean timedOut;

    private final SideArgs args;
    private final UnixDomainSocketAddress address;

    private UdsSide(SideArgs args) {
        this.args = args;
        this.address = UnixDomainSocketAddress.of(args.name + ".sock");
    }

    public static void main(String[] argv) {
        SideArgs args = SideArgs.parseOrExit(SIDE, argv, Set.of(), Set.of());
        Thread watchdog = new Thread(() -> watch(args.deadlineNanos), "uds-side-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        String prefix = SIDE + " " + args.role + ": ";
        int status;
        try {
            status = new UdsSide(args).run();
        } catch (Stopped e) {
            System.err.println(prefix + e.getMessage());
            status = SideArgs.EXIT_TIMEOUT;
        } catch (IOException e) {
            if (life.stopped()) {
                System.err.println(prefix + stopReason(args));
                status = SideArgs.EXIT_TIMEOUT;
            } else {
                System.err.println(prefix + e);
                status = SideArgs.EXIT_SETUP;
            }
        } catch (SetupException e) {
            System.err.println(prefix + e.getMessage());
            status = SideArgs.EXIT_SETUP;
        } catch (RuntimeException | OutOfMemoryError e) {
            System.err.println(prefix + "failed: " + e);
            status = SideArgs.EXIT_SETUP;
        } finally {
            closeChannels();
        }
        life.exit(status);
    }

    private int run() throws SetupException, IOException {
        return switch (args.role) {
            case PRODUCE -> produce();
            case CONSUME -> consume();
            case PING -> ping();
            case PONG -> pong();
        };
    }

    private int produce() throws SetupException, IOException {
        int size = args.size;
        long total = args.total();
        int batch = (int) Math.min(args.batch, total);
        if ((long) batch * size > MAX_WRITE_BYTES) {
            throw new SetupException("--batch " + args.batch + " of " + size + "-byte messages is more than "
                    + MAX_WRITE_BYTES + " bytes per write");
        }
        SocketChannel channel = connect();
        ByteBuffer buffer = ByteBuffer.allocateDirect(batch * size);
        MemorySegment segment = MemorySegment.ofBuffer(buffer);
        long seq = 0;
        int writes = 0;
        while (seq < total) {
            int messages = (int) Math.min(batch, total - seq);
            for (int i = 0; i < messages; i++) {
                Payload.fill(segment, (long) i * size, size, seq + i);
            }
            buffer.clear().limit(messages * size);
            writeFully(channel, buffer);
            seq += messages;
            if ((++writes & CHECK_MASK) == 0) {
                checkStop("sent", seq, total);
            }
        }
        channel.close();
        System.out.println("result sent=" + total);
        return SideArgs.EXIT_OK;
    }

    private int consume() throws SetupException, IOException {
        SocketChannel channel = listenAndAccept();
        int size = args.size;
        long warmup = args.warmup;
        long total = args.total();
        ByteBuffer buffer = ByteBuffer.allocateDirect(Math.max(READ_BUFFER_BYTES, 4 * size));
        MemorySegment segment = MemorySegment.ofBuffer(buffer);
        long received = 0;
        long expected = 0;
        long errors = 0;
        long startNanos = 0;
        long endNanos = 0;
        int reads = 0;
        while (received < total) {
            if (channel.read(buffer) < 0) {
                throw new SetupException("the producer closed the connection after " + received + " of " + total
                        + " messages");
            }
            int filled = buffer.position();
            int offset = 0;
            while (filled - offset >= size && received < total) {
                if (received == warmup) {
                    startNanos = System.nanoTime();
                }
                if (!Payload.verify(segment, offset, size, expected)) {
                    errors++;
                    expected = Payload.sequence(segment, offset);
                }
                expected++;
                offset += size;
                if (++received == total) {
                    endNanos = System.nanoTime();
                }
            }
            // keep the partial message at the end for the next read
            buffer.limit(filled).position(offset);
            buffer.compact();
            if ((++reads & CHECK_MASK) == 0) {
                checkStop("received", received, total);
            }
        }
        double seconds = (endNanos - startNanos) / 1e9;
        System.out.println(String.format(Locale.ROOT, "result msgs=%d seconds=%.6f msgs_per_s=%.0f errors=%d",
                args.count, seconds, args.count / seconds, errors));
        return errors == 0 ? SideArgs.EXIT_OK : SideArgs.EXIT_ERRORS;
    }

    private int ping() throws SetupException, IOException {
        Latency latency = new Latency(args.count);
        SocketChannel channel = connect();
        int size = args.size;
        long total = args.total();
        ByteBuffer out = ByteBuffer.allocateDirect(size);
        ByteBuffer in = ByteBuffer.allocateDirect(size);
        MemorySegment outSegment = MemorySegment.ofBuffer(out);
        MemorySegment inSegment = MemorySegment.ofBuffer(in);
        long errors = 0;
        for (long round = 0; round < total; round++) {
            long start = System.nanoTime();
            Payload.fill(outSegment, 0, size, round);
            out.clear();
            writeFully(channel, out);
            in.clear();
            if (!readFully(channel, in)) {
                throw new SetupException("pong closed the connection after " + round + " of " + total + " round trips");
            }
            boolean ok = Payload.verify(inSegment, 0, size, round);
            long end = System.nanoTime();
            if (!ok) {
                errors++;
            }
            if (round >= args.warmup) {
                latency.record(end - start);
            }
            if ((round & CHECK_MASK) == 0) {
                checkStop("round trips", round, total);
            }
        }
        channel.close();
        System.out.println(latency.resultLine());
        if (args.samples != null) {
            latency.writeSamples(args.samples);
        }
        if (errors != 0) {
            System.err.println(SIDE + " ping: " + errors + " echoed messages failed verification");
            return SideArgs.EXIT_ERRORS;
        }
        return SideArgs.EXIT_OK;
    }

    private int pong() throws SetupException, IOException {
        SocketChannel channel = listenAndAccept();
        long total = args.total();
        ByteBuffer buffer = ByteBuffer.allocateDirect(args.size);
        for (long echoed = 0; echoed < total; echoed++) {
            buffer.clear();
            if (!readFully(channel, buffer)) {
                throw new SetupException("ping closed the connection after " + echoed + " of " + total + " round trips");
            }
            buffer.flip();
            writeFully(channel, buffer);
            if ((echoed & CHECK_MASK) == 0) {
                checkStop("echoed", echoed, total);
            }
        }
        return SideArgs.EXIT_OK;
    }

    /** Binds the socket, prints {@code ready} and takes the one connection. */
    private SocketChannel listenAndAccept() throws SetupException, IOException {
        ServerSocketChannel server = open(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
        try {
            server.bind(address);
        } catch (BindException e) {
            throw new SetupException("cannot bind " + address.getPath() + ": " + e.getMessage()
                    + " (left over from an earlier run? delete it)");
        }
        life.created(address.getPath());
        SideLife.ready();
        return open(server.accept());
    }

    /** Connects to the socket of the other side, retrying for up to 5 s until it is there. */
    private SocketChannel connect() throws SetupException {
        long giveUp = System.nanoTime() + CONNECT_WAIT_NS;
        while (true) {
            SocketChannel channel = null;
            try {
                channel = open(SocketChannel.open(StandardProtocolFamily.UNIX));
                channel.connect(address);
                return channel;
            } catch (IOException e) {
                closeQuietly(channel);
                if (life.stopped() || args.pastDeadline()) {
                    throw new Stopped(stopReason(args) + " connecting to " + address.getPath());
                }
                if (System.nanoTime() - giveUp >= 0) {
                    throw new SetupException("cannot connect to " + address.getPath() + " after 5 s: " + e);
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        do {
            channel.write(buffer);
        } while (buffer.hasRemaining());
    }

    /** Fills {@code buffer}; false if the peer closed the connection first. */
    private static boolean readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        do {
            if (channel.read(buffer) < 0) {
                return false;
            }
        } while (buffer.hasRemaining());
        return true;
    }

    private void checkStop(String what, long done, long total) {
        if (life.stopped() || args.pastDeadline()) {
            throw new Stopped(stopReason(args) + " (" + what + " " + done + " of " + total + ")");
        }
    }

    private static String stopReason(SideArgs args) {
        return life.stopped() && !timedOut && !args.pastDeadline() ? "stopped" : "timed out after " + args.timeoutMs + " ms";
    }

    /** Closes the channels at the deadline, so that a call blocked in them returns. */
    private static void watch(long deadlineNanos) {
        long left;
        while ((left = deadlineNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
        timedOut = true;
        life.stop();
    }

    private static <C extends Closeable> C open(C channel) {
        channels.add(channel);
        if (life.stopped()) {
            closeChannels();
        }
        return channel;
    }

    private static void closeChannels() {
        for (Closeable channel : channels) {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(Closeable channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing only to unblock or to clean up
            }
        }
    }
}
