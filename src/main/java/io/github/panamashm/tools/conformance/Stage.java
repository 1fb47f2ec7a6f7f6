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
 * kills whatever is still running and removes the ring and its doorbells, pass or fail.
 */
final class Stage implements AutoCloseable {

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final Programs programs;
    private final String name;
    private final Path directory;
    private final long deadline;
    private final List<Program> started = new ArrayList<>();
    private Ring ring;

    Stage(Programs programs, String name, Path directory, Duration limit) {
        this.programs = programs;
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
    Program start(Side side, boolean producer, String... flags) {
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

    /** The last program started. */
    Program last() {
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

    /** The {@code messages} count of a peer-table entry, read even after its peer died and it was reclaimed. */
    long messagesOf(int entry) {
        try (SharedMemory shm = SharedMemory.openReadOnly(name)) {
            MemorySegment segment = shm.segment();
            return (long) LONG.getOpaque(segment, ProtocolOffsets.PEERS + entry * ProtocolOffsets.PEER_SIZE + ProtocolOffsets.PEER_MESSAGES);
        }
    }

    /** Overwrites a slot's header field through a mapping of its own, as a stray write would. */
    void damage(long position, long fieldOffset, long value, boolean wholeLong) {
        try (SharedMemory shm = SharedMemory.open(name)) {
            MemorySegment segment = shm.segment();
            int headerSize = segment.get(ValueLayout.JAVA_INT, ProtocolOffsets.HEADER_SIZE);
            int slotSize = segment.get(ValueLayout.JAVA_INT, ProtocolOffsets.SLOT_SIZE);
            int slots = segment.get(ValueLayout.JAVA_INT, ProtocolOffsets.SLOT_COUNT);
            long at = headerSize + (position & (slots - 1)) * (long) slotSize + fieldOffset;
            if (wholeLong) {
                LONG.setVolatile(segment, at, value);
            } else {
                segment.set(ValueLayout.JAVA_INT, at, (int) value);
            }
        }
    }

    /** On Ctrl-C, from a shutdown hook: stop the programs and remove the ring, nothing more. */
    void abort() {
        for (Program program : List.copyOf(started)) {
            program.close();
        }
        Ring.unlink(name);
    }

    @Override
    public void close() throws IOException {
        for (Program program : started) {
            program.close();
        }
        if (ring != null) {
            ring.close();
        }
        Ring.unlink(name);
        for (Program program : started) {
            try {
                program.awaitExit(System.nanoTime() + Duration.ofSeconds(5).toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try (var files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
