// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.conformance;

import io.github.panamashm.SharedMemory;
import io.github.panamashm.ring.PeerInfo;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.tools.conformance.Programs.Side;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one scenario runs on: its ring's name, its deadline, the programs it started. Closing it
 * kills whatever is still running and removes the ring and its doorbells, pass or fail; so does
 * {@link #abort()}, from a shutdown hook, after which nothing more starts.
 */
final class Stage implements AutoCloseable {

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final Programs programs;
    private final String name;
    private final Path directory;
    private final long deadline;
    private final List<Program> started = new ArrayList<>();
    private final Signals signals;
    private boolean aborted;
    private Ring ring;
    /** A read-only mapping of the ring for looking at it, opened at the first look. */
    private SharedMemory view;

    Stage(Programs programs, Signals signals, String name, Path directory, Duration limit) {
        this.programs = programs;
        this.signals = signals;
        this.name = name;
        this.directory = directory;
        this.deadline = System.nanoTime() + limit.toNanos();
    }

    String name() {
        return name;
    }

    long deadline() {
        return deadline;
    }

    /** What is left of the scenario's time, in milliseconds: the consumers' idle timeout (the harness ends them). */
    String remainingMillis() {
        return Long.toString(Math.max(1000, (deadline - System.nanoTime()) / 1_000_000));
    }

    /** Creates the scenario's ring from this process. */
    Ring create(RingSpec spec) {
        ring = Ring.create(name, spec);
        return ring;
    }

    /** Opens the ring a program created, once it is ready. */
    Ring open() {
        if (ring == null) {
            ring = Ring.open(name, Duration.ofSeconds(5));
        }
        return ring;
    }

    /** Starts {@code side}'s producer or consumer on this scenario's ring with {@code flags} after {@code --ring}. */
    synchronized Program start(Side side, boolean producer, String... flags) {
        if (aborted) {
            throw new Failure("stopped");
        }
        List<String> all = new ArrayList<>(List.of("--ring", name));
        all.addAll(List.of(flags));
        String label = side + (producer ? " producer" : " consumer");
        Program program = Program.start(label, programs.command(side, producer, all),
                directory.resolve(started.size() + "-" + label.replace(' ', '-') + ".out"));
        started.add(program);
        return program;
    }

    /** Starts a program and waits until it has an entry of its own in the peer table; returns that entry. */
    PeerInfo startAttached(Side side, boolean producer, String... flags) throws InterruptedException {
        Set<Integer> known = live(producer).stream().map(PeerInfo::index).collect(Collectors.toSet());
        Program program = start(side, producer, flags);
        while (true) {
            for (PeerInfo peer : live(producer)) {
                if (!known.contains(peer.index())) {
                    return peer;
                }
            }
            expectRunning(program, "attached to the ring");
            Thread.sleep(2);
        }
    }

    /**
     * Waits, at most {@code limit}, until {@code count} consumers sleep on the data doorbell: a stream
     * they share then starts with each of them in its waiting loop rather than still starting up (a
     * JVM that has attached may not have polled yet, while a C consumer drains the whole stream in a
     * millisecond). A peer that waits without sleeping is not wrong: after the limit the scenario goes on.
     */
    void awaitConsumersAsleep(int count, Duration limit) throws InterruptedException {
        long until = System.nanoTime() + limit.toNanos();
        while (Ring.inspect(name).consumersWaiting() < count && System.nanoTime() - until < 0) {
            Thread.sleep(2);
        }
    }

    Signals signals() {
        return signals;
    }

    private MemorySegment view() {
        if (view == null) {
            view = SharedMemory.openReadOnly(name);
        }
        return view.segment();
    }

    /** The last program started. */
    synchronized Program last() {
        return started.getLast();
    }

    private List<PeerInfo> live(boolean producer) {
        return ring.peers().stream().filter(p -> p.alive() && (producer ? p.isProducer() : p.isConsumer())).toList();
    }

    /** Fails if {@code program} exited or the deadline passed before it did what {@code what} says. */
    void expectRunning(Program program, String what) {
        if (!program.isAlive()) {
            throw new Failure("the " + program.label() + " exited (status " + program.exitStatus() + ") before it "
                    + what + program.tail());
        }
        if (System.nanoTime() - deadline > 0) {
            throw new Failure("the " + program.label() + " had not " + what + " by the scenario's deadline" + program.tail());
        }
    }

    /** Waits for each program to exit by the deadline; fails naming the first still running. */
    void awaitExit(Program... programs) throws InterruptedException {
        for (Program program : programs) {
            if (!program.awaitExit(deadline)) {
                throw new Failure("the " + program.label() + " was still running at the scenario's deadline"
                        + program.tail());
            }
        }
    }

    /** Fails unless {@code program} exited with {@code status}. */
    static void expectStatus(Program program, int status) {
        Failure.check(program.exitStatus() == status, "the " + program.label() + " exited with status "
                + program.exitStatus() + ", not " + status + program.tail());
    }

    /** A peer-table entry's intent and count, as they are now (after its peer died, as it left them). */
    record Entry(long claimStart, long claimEnd, long messages) {
        long intentSize() {
            return claimEnd - claimStart;
        }
    }

    /**
     * Reads peer-table entry {@code index} through a mapping of its own. Nothing attaches in a
     * scenario after its peers started, so a dead peer's entry keeps what its peer left there.
     */
    Entry entry(int index) {
        long at = ProtocolOffsets.PEERS + index * ProtocolOffsets.PEER_SIZE;
        MemorySegment segment = view();
        return new Entry((long) LONG.getAcquire(segment, at + ProtocolOffsets.PEER_CLAIM_START),
                (long) LONG.getAcquire(segment, at + ProtocolOffsets.PEER_CLAIM_END),
                (long) LONG.getAcquire(segment, at + ProtocolOffsets.PEER_MESSAGES));
    }

    /**
     * Waits until {@code program}, just started, has an entry in the peer table (found by pid, so also
     * once it detached) and returns its index, or -1 if it exited without one (its checks say why).
     * Call it before anything else attaches: a later attacher may take the entry of a peer that
     * already finished and detached.
     */
    int awaitEntry(Program program, boolean producer) throws InterruptedException {
        while (true) {
            boolean exited = !program.isAlive();
            try {
                return entryOf(program, producer);
            } catch (Failure notYet) {
                if (exited) {
                    return -1;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new Failure("the " + program.label() + " had not attached by the scenario's deadline" + program.tail());
            }
            Thread.sleep(1);
        }
    }

    /**
     * The peer-table entry {@code program} used as a producer or consumer, found by its pid (which
     * stays in the entry after it detached): the peer's command must run its program as the process
     * it starts ({@code exec}), not as a child.
     */
    int entryOf(Program program, boolean producer) {
        MemorySegment segment = view();
        int peers = segment.get(ValueLayout.JAVA_INT, ProtocolOffsets.MAX_PEERS);
        for (int i = 0; i < peers; i++) {
            long at = ProtocolOffsets.PEERS + i * ProtocolOffsets.PEER_SIZE;
            if (segment.get(ValueLayout.JAVA_INT, at + ProtocolOffsets.PEER_PID) == program.pid()
                    && segment.get(ValueLayout.JAVA_INT, at + ProtocolOffsets.PEER_ROLE) == (producer ? 1 : 2)) {
                return i;
            }
        }
        throw new Failure("no peer-table entry carries the pid of the " + program.label() + " (" + program.pid()
                + ", §3.4 pid): does its command run it with exec?");
    }

    /** A u64 of the ring's header (a cursor: {@link ProtocolOffsets#TAIL}, HEAD, RELEASED). */
    long cursor(long offset) {
        return (long) LONG.getAcquire(view(), offset);
    }

    /** The sequence in the slot of {@code position}. */
    long sequence(long position) {
        MemorySegment segment = view();
        return (long) LONG.getAcquire(segment, slotOffset(segment, position) + ProtocolOffsets.SLOT_SEQUENCE);
    }

    private static long slotOffset(MemorySegment segment, long position) {
        int headerSize = segment.get(ValueLayout.JAVA_INT, ProtocolOffsets.HEADER_SIZE);
        int slotSize = segment.get(ValueLayout.JAVA_INT, ProtocolOffsets.SLOT_SIZE);
        int slots = segment.get(ValueLayout.JAVA_INT, ProtocolOffsets.SLOT_COUNT);
        return headerSize + (position & (slots - 1)) * (long) slotSize;
    }

    /** Overwrites a slot's header field through a mapping of its own, as a stray write would. */
    void damage(long position, long fieldOffset, long value, boolean wholeLong) {
        try (SharedMemory shm = SharedMemory.open(name)) {
            MemorySegment segment = shm.segment();
            long at = slotOffset(segment, position) + fieldOffset;
            if (wholeLong) {
                LONG.setVolatile(segment, at, value);
            } else {
                segment.set(ValueLayout.JAVA_INT, at, (int) value);
            }
        }
    }

    /** On Ctrl-C, from a shutdown hook: nothing more starts, the programs stop, the ring goes. */
    void abort() {
        List<Program> running;
        synchronized (this) {
            aborted = true;
            running = List.copyOf(started);
        }
        running.forEach(Program::close);
        Ring.unlink(name);
        deleteOutputs();
    }

    @Override
    public void close() throws InterruptedException {
        List<Program> running;
        synchronized (this) {
            running = List.copyOf(started);
        }
        try {
            running.forEach(Program::close);
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            for (Program program : running) {
                program.awaitExit(until); // gone before the ring goes, so that none makes it again
            }
            if (ring != null) {
                ring.close();
            }
            if (view != null) {
                view.close();
            }
        } finally {
            Ring.unlink(name);
            deleteOutputs();
        }
    }

    private void deleteOutputs() {
        try (var files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // a temporary directory: what is left there is harmless
        }
    }
}
