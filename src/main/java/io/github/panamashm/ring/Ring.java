// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.PosixException;
import io.github.panamashm.SharedMemory;
import io.github.panamashm.internal.posix.Errno;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.github.panamashm.ring.RingLayout.INT;
import static io.github.panamashm.ring.RingLayout.LONG;

/**
 * A bounded producer–consumer buffer of fixed-size slots in one POSIX shared-memory object, laid out
 * as {@code native-headers/panama_shm.h} specifies, so that Java and C processes share it as equals.
 *
 * <p>A ring outlives the processes that use it, like a POSIX message queue, until {@link #unlink()}
 * removes it. A {@code Ring} is this process's mapping of it: {@link #create create} makes a new
 * ring, {@link #open(String, Duration) open} maps an existing one, and {@link #producer()} and
 * {@link #consumer()} attach peers, each holding one entry of the ring's peer table until it is
 * closed. One process creates the ring and produces:
 * {@snippet class="io.github.panamashm.snippets.RingSnippets" region="create"}
 *
 * <p>Another process, in Java or C, opens it by name and consumes until the end of the stream:
 * {@snippet class="io.github.panamashm.snippets.RingSnippets" region="open"}
 *
 * <p>A {@code Ring} is thread-safe: any thread may attach peers, read the counters, close the ring
 * for writing or close it. Each {@link Producer} and {@link Consumer} is for one thread at a time;
 * make one per thread. Close them before the ring (see {@link #close()}). After {@code close()}, the
 * methods that read the ring's memory throw {@link IllegalStateException}; {@link #name()} and the
 * other properties fixed at creation still answer.
 */
public final class Ring implements AutoCloseable {

    /** How long {@link #open(String)} waits for a creator that is still initialising the ring. */
    static final Duration INITIALISING_GRACE = Duration.ofSeconds(2);
    /** How long a side waits on the same position before it asks whether the peer holding it died. */
    static final long STUCK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** The longest sleep on a doorbell: an idle waiter wakes at most once a second. */
    static final long SLEEP_SLICE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String name;
    private final SharedMemory shm;
    private final MemorySegment segment;
    final int slotCount;
    final long mask;
    final int slotSize;
    final int maxPayload;
    /** Typed rings: maxPayload, as every message has the type's size; else 0. */
    final int minLength;
    private final MessageType messageType;
    final int flags;
    /** Every consumer reads every message by its own cursor (FLAG_FANOUT). */
    final boolean fanOut;
    /** A fan-out ring whose producer never waits (FanOutMode.OVERWRITE): consumers read checked copies. */
    final boolean overwrite;
    final int headerSize;
    final int maxPeers;
    final PeerTable peerTable;
    final Doorbells doorbells;
    private final List<AutoCloseable> attached = new ArrayList<>(); // its open producers and consumers
    private boolean closed;

    private Ring(String name, SharedMemory shm, NamedSemaphore dataBell, NamedSemaphore spaceBell,
                 RingGeometry geometry) {
        this.name = name;
        this.shm = shm;
        this.segment = shm.segment();
        this.slotCount = geometry.slotCount();
        this.mask = slotCount - 1;
        this.slotSize = geometry.slotSize();
        this.maxPayload = geometry.maxPayload();
        this.flags = geometry.flags();
        this.fanOut = (flags & RingLayout.FLAG_FANOUT) != 0;
        this.overwrite = fanOut && geometry.fanOutMode() == RingLayout.FANOUT_OVERWRITE;
        this.messageType = geometry.messageType();
        this.minLength = messageType != null ? maxPayload : 0;
        this.headerSize = geometry.headerSize();
        this.maxPeers = geometry.maxPeers();
        this.peerTable = new PeerTable(name, shm, maxPeers, flags);
        Barrier.register(); // before any peer publishes: others' barriers must reach this process
        this.doorbells = new Doorbells(this, dataBell, spaceBell);
    }

    // ---- lifecycle -------------------------------------------------------------------------

    /**
     * Creates the ring {@code name} with the shape {@code spec}, and maps it. The shared-memory
     * object and its two doorbell semaphores ({@link #doorbellNames}) get the spec's permission
     * bits exactly, whatever the umask. Storage is reserved up front: a full {@code /dev/shm} fails
     * here with {@code ENOSPC}, never later with SIGBUS. A ring of that name whose creator died while
     * initialising it (unchanged for a second, and this user's) is taken over and made again.
     *
     * @param name the ring's name: {@code '/'}, then 1 to 245 bytes (UTF-8) without {@code '/'}
     * @param spec the ring's shape
     * @return the new ring, mapped in this process
     * @throws IllegalArgumentException if {@code name} is not a valid ring name
     * @throws PosixException if a C call fails: {@code EEXIST} if the name is taken, {@code ENOSPC}
     *                        if {@code /dev/shm} is full, {@code EACCES}, ...
     */
    public static Ring create(String name, RingSpec spec) {
        RingNames.require(name);
        SharedMemory shm = RingCreation.createOrTakeOver(name, spec);
        NamedSemaphore dataBell = null;
        NamedSemaphore spaceBell = null;
        try {
            MemorySegment s = shm.segment();
            int headerSize = RingLayout.headerSizeFor(spec.maxPeers(), spec.typeSize());
            int slotSize = RingLayout.slotSizeFor(spec.maxMessageSize());
            s.set(ValueLayout.JAVA_LONG, RingLayout.MAGIC_OFFSET, RingLayout.MAGIC);
            s.set(ValueLayout.JAVA_SHORT, RingLayout.VERSION_MAJOR_OFFSET, (short) RingLayout.VERSION_MAJOR);
            s.set(ValueLayout.JAVA_SHORT, RingLayout.VERSION_MINOR_OFFSET, (short) RingLayout.VERSION_MINOR);
            INT.set(s, RingLayout.HEADER_SIZE_OFFSET, headerSize);
            INT.set(s, RingLayout.SLOT_COUNT_OFFSET, spec.slots());
            INT.set(s, RingLayout.SLOT_SIZE_OFFSET, slotSize);
            INT.set(s, RingLayout.MAX_PAYLOAD_OFFSET, spec.maxMessageSize());
            INT.set(s, RingLayout.FLAGS_OFFSET, spec.flags());
            LONG.set(s, RingLayout.TOTAL_SIZE_OFFSET, spec.totalSize());
            LONG.set(s, RingLayout.LAYOUT_HASH_OFFSET, RingLayout.LAYOUT_HASH);
            LONG.set(s, RingLayout.CREATION_TIME_OFFSET, Deadlines.currentTimeNanos());
            INT.set(s, RingLayout.CREATOR_PID_OFFSET, (int) ProcessHandle.current().pid());
            INT.set(s, RingLayout.MAX_PEERS_OFFSET, spec.maxPeers());
            if (spec.fanOutMode() != null) {
                INT.set(s, RingLayout.FANOUT_MODE_OFFSET, spec.fanOutMode().code);
            }
            if (spec.messageType() != null) {
                INT.set(s, RingLayout.TYPE_SIZE_OFFSET, spec.typeSize());
                MemorySegment.copy(MemorySegment.ofArray(spec.messageType().area()), 0, s,
                        RingLayout.peersEnd(spec.maxPeers()), spec.typeSize());
            }
            for (long position = 0; position < spec.slots(); position++) {
                LONG.set(s, headerSize + position * slotSize + RingLayout.SLOT_SEQUENCE_OFFSET, position);
            }
            // the object was created exclusively, so doorbells of this name are leftovers of a dead ring
            NamedSemaphore.unlinkIfExists(RingLayout.dataBellName(name));
            NamedSemaphore.unlinkIfExists(RingLayout.spaceBellName(name));
            dataBell = NamedSemaphore.create(RingLayout.dataBellName(name), 0, spec.mode());
            spaceBell = NamedSemaphore.create(RingLayout.spaceBellName(name), 0, spec.mode());
            INT.setRelease(s, RingLayout.STATE_OFFSET, RingLayout.STATE_READY);
            shm.unlock(RingLayout.CREATOR_LOCK_OFFSET, 1);
            return new Ring(name, shm, dataBell, spaceBell, new RingGeometry(spec.slots(), slotSize,
                    spec.maxMessageSize(), spec.flags(), headerSize, spec.maxPeers(), spec.messageType(),
                    spec.fanOutMode() == null ? 0 : spec.fanOutMode().code));
        } catch (RuntimeException e) {
            closeQuietly(dataBell, e);
            closeQuietly(spaceBell, e);
            shm.close();
            unlink(name);
            throw e;
        }
    }

    /**
     * Opens the existing ring {@code name} without waiting for it to be created:
     * {@link #open(String, Duration) open(name, Duration.ZERO)}. A ring whose creator is still
     * initialising it is waited for, up to two seconds.
     *
     * @param name the ring's name
     * @return the ring, mapped in this process
     * @throws NoSuchRingException if there is no ring {@code name}
     * @throws RingFormatException if the object is not a ring this version can use
     * @throws IllegalStateException if the thread is interrupted while it waits
     * @throws IllegalArgumentException if {@code name} is not a valid ring name
     * @throws PosixException if a C call fails, e.g. with {@code EACCES}
     */
    public static Ring open(String name) {
        return open(name, Duration.ZERO);
    }

    /**
     * Opens the ring {@code name}, waiting up to {@code waitForRing} for it to be created, checks its
     * header ({@link RingFormatException} says which field is wrong) and maps it. A ring that exists
     * but whose creator is still initialising it is waited for up to {@code waitForRing}, and at
     * least two seconds. The calling thread waits by sleeping 10 ms between looks.
     *
     * @param name        the ring's name
     * @param waitForRing how long to wait for the ring to appear; zero or negative: no wait
     * @return the ring, mapped in this process
     * @throws NoSuchRingException      if no ring {@code name} appeared in time
     * @throws RingFormatException      if the object is not a ring this version can use (foreign,
     *                                  incompatible, corrupted, a doorbell missing or another user's),
     *                                  or is still not initialised when the wait ends
     * @throws IllegalStateException    if the thread is interrupted while it waits (its interrupt
     *                                  status is set again)
     * @throws IllegalArgumentException if {@code name} is not a valid ring name
     * @throws PosixException           if a C call fails, e.g. with {@code EACCES}
     */
    public static Ring open(String name, Duration waitForRing) {
        return open(name, waitForRing, null);
    }

    /**
     * Opens the typed ring {@code name} if it carries {@code type}:
     * {@link #open(String, Duration, MessageType) open(name, Duration.ZERO, type)}.
     *
     * @param name the ring's name
     * @param type the message type this program reads or writes
     * @return the ring, mapped in this process
     * @throws MessageTypeMismatchException if the ring carries another type, or none
     * @throws NoSuchRingException          if there is no ring {@code name}
     * @throws RingFormatException          if the object is not a ring this version can use
     */
    public static Ring open(String name, MessageType type) {
        return open(name, Duration.ZERO, Objects.requireNonNull(type, "type"));
    }

    /**
     * Opens the ring {@code name} as {@link #open(String, Duration)} does and, given a type, checks that
     * the ring carries exactly that type before anything else is read or written: a ring of another
     * type, or an untyped one, is refused with {@link MessageTypeMismatchException} naming the first
     * difference ({@code field "price" is at offset 8 as f64 there, at offset 16 here}). Open without
     * a type to read any ring's messages as bytes (tools do).
     *
     * @param name        the ring's name
     * @param waitForRing how long to wait for the ring to appear; zero or negative: no wait
     * @param type        the message type this program reads or writes, or null for any
     * @return the ring, mapped in this process
     * @throws MessageTypeMismatchException if the ring carries another type, or none
     * @throws NoSuchRingException          if no ring {@code name} appeared in time
     * @throws RingFormatException          if the object is not a ring this version can use
     * @throws IllegalStateException        if the thread is interrupted while it waits
     * @throws IllegalArgumentException     if {@code name} is not a valid ring name
     * @throws PosixException               if a C call fails, e.g. with {@code EACCES}
     */
    public static Ring open(String name, Duration waitForRing, MessageType type) {
        RingNames.require(name);
        long start = System.nanoTime();
        long waitNanos = Math.max(0, waitForRing.toNanos());
        long initialisingNanos = Math.max(waitNanos, INITIALISING_GRACE.toNanos());
        while (true) {
            long waited = System.nanoTime() - start;
            SharedMemory shm;
            try {
                shm = SharedMemory.open(name);
            } catch (PosixException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
                if (waited >= waitNanos) {
                    throw new NoSuchRingException(name, waitForRing, e);
                }
                pause();
                continue;
            } catch (IllegalStateException emptyOrNotRegular) {
                if (!Files.isRegularFile(Path.of("/dev/shm", name.substring(1)), LinkOption.NOFOLLOW_LINKS)) {
                    throw new RingFormatException(name, "it is not a regular shared-memory object (a directory, FIFO,"
                            + " device or link under /dev/shm)");
                }
                if (waited >= initialisingNanos) {
                    throw new RingFormatException(name, "the object is empty: its creator has not sized it, or died"
                            + " before (creating the ring again takes it over)");
                }
                pause();
                continue;
            }
            try {
                int state = awaitInitialised(name, shm, start + initialisingNanos);
                RingGeometry geometry = RingValidator.validate(name, shm.segment(), state);
                MessageType carried = geometry.messageType();
                if (type != null && carried == null) {
                    throw new MessageTypeMismatchException("ring " + name + " carries no message type, this program"
                            + " expects " + type + ": open it without a type to read its messages as bytes");
                }
                String difference = type == null ? null : carried.differenceFrom(type, name);
                if (difference != null) {
                    throw new MessageTypeMismatchException(difference);
                }
                NamedSemaphore dataBell = openBell(name, RingLayout.dataBellName(name));
                NamedSemaphore spaceBell;
                try {
                    spaceBell = openBell(name, RingLayout.spaceBellName(name));
                } catch (RuntimeException e) {
                    dataBell.close();
                    throw e;
                }
                return new Ring(name, shm, dataBell, spaceBell, geometry);
            } catch (RuntimeException e) {
                shm.close();
                throw e;
            }
        }
    }

    private static int awaitInitialised(String name, SharedMemory shm, long deadline) {
        MemorySegment s = shm.segment();
        if (s.byteSize() < RingLayout.PEERS_OFFSET) {
            throw new RingFormatException(name, "the object is " + s.byteSize() + " bytes, smaller than a ring header ("
                    + RingLayout.PEERS_OFFSET + " bytes)");
        }
        while (true) {
            int state = (int) INT.getAcquire(s, RingLayout.STATE_OFFSET);
            long magic = (long) LONG.getOpaque(s, RingLayout.MAGIC_OFFSET);
            if (magic != 0 && magic != RingLayout.MAGIC) {
                throw new RingFormatException(name, String.format("magic is 0x%016x, not 0x%016x (\"PSHMRING\")",
                        magic, RingLayout.MAGIC));
            }
            if (state != RingLayout.STATE_INITIALISING) {
                return state;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new RingFormatException(name, shm.isLockedByOthers(RingLayout.CREATOR_LOCK_OFFSET, 1)
                        ? "it is still being initialised by its creator"
                        : "it is half made: its creator died while initialising it (creating the ring again takes"
                                + " it over)");
            }
            pause();
        }
    }

    private static NamedSemaphore openBell(String ringName, String bellName) {
        requireSameOwner(ringName, bellName);
        try {
            return NamedSemaphore.open(bellName);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new RingFormatException(ringName, "its doorbell semaphore " + bellName + " is missing");
            }
            throw e;
        } catch (IllegalStateException e) {
            throw new RingFormatException(ringName, "its doorbell " + e.getMessage());
        }
    }

    /** A doorbell owned by someone other than the ring's owner is not the ring's. */
    private static void requireSameOwner(String ringName, String bellName) {
        Path bell = NamedSemaphore.file(bellName);
        Path object = Path.of("/dev/shm", ringName.substring(1));
        int bellOwner;
        int ringOwner;
        try {
            bellOwner = (int) Files.getAttribute(bell, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            ringOwner = (int) Files.getAttribute(object, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return; // missing: reported by the open; no such attribute: nothing to compare
        }
        if (bellOwner != ringOwner) {
            throw new RingFormatException(ringName, "its doorbell " + bell + " belongs to uid " + bellOwner
                    + ", the ring to uid " + ringOwner);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a ring", e);
        }
    }

    /**
     * Removes the ring {@code name} from the system: its shared-memory object and both doorbells.
     * Processes that have it open keep working with it; a ring created under the name afterwards is
     * another ring.
     *
     * @param name the ring's name
     * @return whether there was a shared-memory object {@code name} to remove
     * @throws IllegalArgumentException if {@code name} is not a valid ring name
     * @throws PosixException if a removal fails other than with {@code ENOENT}, e.g. with {@code EACCES}
     */
    public static boolean unlink(String name) {
        RingNames.require(name);
        // doorbells first: a ring created under this name meanwhile needs the object name free,
        // so it cannot lose its new doorbells to this call
        NamedSemaphore.unlinkIfExists(RingLayout.dataBellName(name));
        NamedSemaphore.unlinkIfExists(RingLayout.spaceBellName(name));
        return SharedMemory.unlinkIfExists(name);
    }

    /**
     * The ring layout this library reads and writes, {@code MAJOR.MINOR}: rings of another major
     * version are refused ({@link RingFormatException}); C programs built from the same
     * {@code panama_shm.h} share it.
     *
     * @return the layout version, e.g. {@code "3.1"}
     */
    public static String layoutVersion() {
        return RingLayout.VERSION_MAJOR + "." + RingLayout.VERSION_MINOR;
    }

    /**
     * Reads the ring {@code name}'s header and peer table without attaching to it or opening its
     * doorbells: what a tool shows, and what decides whether a clean-up may remove the ring
     * ({@link RingSnapshot#isAbandoned()}). The object is mapped read-only for the call.
     *
     * @param name the ring's name
     * @return the ring as it is now
     * @throws IllegalArgumentException if {@code name} is not a valid ring name
     * @throws NoSuchRingException if there is no object of that name
     * @throws RingFormatException if the object is not a ring of this layout, is still being
     *                             initialised, or was left half made by a creator that died
     * @throws io.github.panamashm.PosixException if a C call fails, e.g. {@code EACCES}
     */
    public static RingSnapshot inspect(String name) {
        return RingInspector.inspect(name);
    }

    /**
     * The names of the rings in {@code /dev/shm}, sorted: every regular object with a valid ring name
     * whose first bytes are the ring magic, in whatever state ({@link #inspect(String)} tells). Each
     * object is opened read-only, without blocking, to read those bytes; nothing is written or locked.
     * A ring whose creator died before writing the magic is not recognised (creating it again takes
     * it over).
     *
     * @return the rings' names, each starting with {@code '/'}
     * @throws java.io.UncheckedIOException if {@code /dev/shm} cannot be read
     */
    public static List<String> list() {
        return RingInspector.list();
    }

    /**
     * Removes the ring {@code name} if nothing can use it any more: a ring that
     * {@link RingSnapshot#isAbandoned() is abandoned} (no live peer, and peers that died attached, or
     * the ring closed for writing and drained), or one left half made by a creator that died
     * (unchanged for a second, its creator lock and every entry lock free). The removal happens with
     * every entry of the peer table locked, after a second look, so that no peer attaches meanwhile.
     * A ring in use, one whose peers all detached cleanly, a damaged one and any other object are left
     * alone. A process that has the ring open without a producer or consumer is not visible to this.
     *
     * @param name   the ring's name
     * @param dryRun only say whether it would be removed
     * @return whether the ring was (or, with {@code dryRun}, would be) removed
     * @throws IllegalArgumentException if {@code name} is not a valid ring name
     * @throws io.github.panamashm.PosixException if a C call fails, e.g. {@code EACCES}
     */
    public static boolean removeIfAbandoned(String name, boolean dryRun) {
        return RingInspector.removeIfAbandoned(name, dryRun);
    }

    /**
     * The names of the two named semaphores (doorbells) that a ring called {@code name} uses beside
     * its shared-memory object, for tools that clean up after processes that died.
     *
     * @param name a ring name
     * @return {@code name + ".data"} (consumers sleep on it) and {@code name + ".space"} (producers do)
     * @throws IllegalArgumentException if {@code name} is not a valid ring name
     */
    public static List<String> doorbellNames(String name) {
        RingNames.require(name);
        return List.of(RingLayout.dataBellName(name), RingLayout.spaceBellName(name));
    }

    /**
     * Removes this ring from the system, as {@link #unlink(String)} does; this mapping stays usable.
     * Works after {@link #close()} too.
     *
     * @throws PosixException if a removal fails other than with {@code ENOENT}
     */
    public void unlink() {
        unlink(name);
    }

    /**
     * Unmaps the ring; producers and consumers made from this object that are still open stop
     * working (their calls throw {@link IllegalStateException}). Close them first to detach cleanly
     * (try-with-resources does): a peer left open looks to the other processes like a peer that
     * died, and they recover what it held. Threads of this process asleep on the ring are woken and
     * leave with {@link IllegalStateException}; close returns after they have. The ring itself stays
     * until unlinked. Idempotent.
     *
     * @throws IllegalStateException if a thread of this process is still inside a native call with
     *                               the ring's memory after a second; the ring then stays mapped, and
     *                               close can be called again
     */
    @Override
    public void close() {
        synchronized (this) {
            if (!closed) {
                closed = true;
                // Other threads may be inside their producers and consumers: never write to the ring for
                // them. Closing the descriptor drops their locks, which is how other processes see them go.
                for (AutoCloseable peer : attached) {
                    switch (peer) {
                        case Producer producer -> producer.ringClosed();
                        case Consumer consumer -> consumer.ringClosed();
                        default -> throw new AssertionError(peer);
                    }
                }
                attached.clear();
                doorbells.close(); // returns once this process's sleepers have left the ring's memory
            }
        }
        unmap();
    }

    /**
     * Unmaps, waiting up to a second for threads of this process that are inside a native call with
     * the ring's memory (a claimed slot handed to C, say). If one still is, throws and stays mapped,
     * so that a later {@code close()} can finish the job: until then the peers look alive to others.
     */
    private void unmap() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (true) {
            try {
                synchronized (peerTable) { // no detach may run against a closing mapping
                    shm.close();
                }
                return;
            } catch (IllegalStateException inUse) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("ring " + name + " is still in use by a native call of this"
                            + " process; close it again when that call has returned", inUse);
                }
                Thread.onSpinWait();
            }
        }
    }

    // ---- peers -----------------------------------------------------------------------------

    /**
     * Attaches a producer that waits as {@link WaitPolicy#standard()} says:
     * {@link #producer(WaitPolicy) producer(WaitPolicy.standard())}.
     *
     * @return the new producer, for one thread at a time
     * @throws IllegalStateException if this ring is closed, is single-producer and has a producer, or
     *                               its peer table is full
     */
    public Producer producer() {
        return producer(WaitPolicy.standard());
    }

    /**
     * Attaches a producer that waits for space as {@code policy} says. It takes a free entry of the
     * peer table, or one whose process died, and holds it until closed.
     *
     * @param policy how the producer waits for space
     * @return the new producer, for one thread at a time
     * @throws IllegalStateException if this ring is closed, is single-producer and has a producer (in
     *                               any process), or its peer table is full
     */
    public Producer producer(WaitPolicy policy) {
        synchronized (this) {
            ensureOpen();
            Producer producer = new Producer(this, peerTable.attach(RingLayout.ROLE_PRODUCER), policy);
            attached.add(producer);
            return producer;
        }
    }

    /**
     * Attaches a consumer that waits as {@link WaitPolicy#standard()} says:
     * {@link #consumer(WaitPolicy) consumer(WaitPolicy.standard())}.
     *
     * @return the new consumer, for one thread at a time
     * @throws IllegalStateException if this ring is closed, is single-consumer and has a consumer, or
     *                               its peer table is full
     */
    public Consumer consumer() {
        return consumer(WaitPolicy.standard());
    }

    /**
     * Attaches a consumer that waits for messages as {@code policy} says. It takes a free entry of the
     * peer table, or one whose process died, and holds it until closed. In a single-consumer ring it
     * first takes over from a consumer that died: what that one held is counted in
     * {@link #lostInConsumers()} and its slots go back to the producers.
     *
     * @param policy how the consumer waits for messages
     * @return the new consumer, for one thread at a time
     * @throws IllegalStateException if this ring is closed, is single-consumer and has a consumer (in
     *                               any process), or its peer table is full
     */
    public Consumer consumer(WaitPolicy policy) {
        synchronized (this) {
            ensureOpen();
            Consumer consumer = new Consumer(this, peerTable.attach(RingLayout.ROLE_CONSUMER), policy);
            attached.add(consumer);
            return consumer;
        }
    }

    synchronized void forget(AutoCloseable peer) {
        attached.remove(peer);
    }

    // ---- state -----------------------------------------------------------------------------

    /**
     * A watcher of the messages passing through this ring that takes none and does not attach: for
     * tools ({@code panama-shm tail}) and tests. It sees the messages still in their slots when it
     * looks, from the consumers' position on, and counts those it missed.
     *
     * @return a new observer, starting at the consumers' position
     * @throws IllegalStateException if the ring is closed in this process
     */
    public RingObserver observer() {
        ensureOpen();
        return new RingObserver(this);
    }

    /**
     * Closes the ring for writing, for every process: producers' sends and claims throw
     * {@link RingClosedException}; consumers receive what is left, then see the end of the stream
     * ({@link Consumer#END_OF_STREAM}). Sleeping peers are woken. Permanent and idempotent.
     *
     * @throws IllegalStateException if this {@code Ring} is closed
     */
    public void closeForWriting() {
        ensureOpen();
        INT.setVolatile(segment, RingLayout.STATE_OFFSET, RingLayout.STATE_CLOSED);
        doorbells.wakeEveryone(); // later sleepers see the state before they sleep
    }

    /**
     * Whether the ring is closed for writing, by any process.
     *
     * @return true after {@link #closeForWriting()}
     */
    public boolean isClosedForWriting() {
        return (int) INT.getAcquire(segment, RingLayout.STATE_OFFSET) == RingLayout.STATE_CLOSED;
    }

    /**
     * The ring's name.
     *
     * @return the name it was created or opened with, e.g. {@code "/orders"}
     */
    public String name() {
        return name;
    }

    /**
     * The number of slots, which bounds how many messages the ring holds.
     *
     * @return a power of two
     */
    public int slotCount() {
        return slotCount;
    }

    /**
     * The largest message this ring takes, in bytes.
     *
     * @return the maximum message size the ring was created with
     */
    public int maxMessageSize() {
        return maxPayload;
    }

    /**
     * The message type this ring carries (fixed at creation): a typed ring's every message is one
     * such struct, exactly its size.
     *
     * @return the type every message has, or empty for an untyped ring
     */
    public Optional<MessageType> messageType() {
        return Optional.ofNullable(messageType);
    }

    /**
     * Whether at most one producer may attach (fixed at creation).
     *
     * @return true for a single-producer ring
     */
    public boolean isSingleProducer() {
        return (flags & RingLayout.FLAG_SINGLE_PRODUCER) != 0;
    }

    /**
     * Whether at most one consumer may be attached at a time ({@link RingSpec#singleConsumer()}).
     *
     * @return true for a single-consumer ring
     */
    public boolean isSingleConsumer() {
        return (flags & RingLayout.FLAG_SINGLE_CONSUMER) != 0;
    }

    /**
     * Whether every consumer reads every message (fixed at creation, {@link RingSpec#fanOut()}).
     *
     * @return true for a fan-out ring
     */
    public boolean isFanOut() {
        return fanOut;
    }

    /**
     * What a fan-out ring does about consumers that fall behind (fixed at creation).
     *
     * @return the mode, or empty for a work-queue ring
     */
    public Optional<FanOutMode> fanOutMode() {
        return fanOut ? Optional.of(overwrite ? FanOutMode.OVERWRITE : FanOutMode.BLOCK) : Optional.empty();
    }

    /**
     * The attached peers of every process (the peer table's entries in use), alive or dead, as read
     * now. An entry whose process died stays until another peer reclaims it.
     *
     * @return a new list, in table order
     * @throws IllegalStateException if this {@code Ring} is closed
     */
    public List<PeerInfo> peers() {
        ensureOpen();
        return peerTable.peers();
    }

    /**
     * Messages claimed by producers and not yet taken by consumers, as read now; in a fan-out ring,
     * those the slowest attached consumer has not read yet (each consumer's own lag is in
     * {@link #peers()}).
     *
     * @return from 0 to {@link #slotCount()}
     */
    public long depth() {
        long tail = (long) LONG.getVolatile(segment, RingLayout.TAIL_OFFSET);
        long head = fanOut ? peerTable.lowestCursor(tail) : (long) LONG.getVolatile(segment, RingLayout.HEAD_OFFSET);
        return Math.max(0, tail - head);
    }

    /**
     * Consumers of a fan-out ring that died attached and that the producer stopped waiting for, since
     * the ring was created (0 in other rings).
     *
     * @return the ring's count, for all processes
     */
    public long fanOutDropped() {
        return (long) LONG.getVolatile(segment, RingLayout.FANOUT_DROPPED_OFFSET);
    }

    /**
     * Positions the consumers of an overwrite-mode fan-out ring skipped because the producer had
     * overwritten them before they read them, summed over every consumer, since the ring was created
     * (0 in other rings). Each consumer's own count is {@link Consumer#messagesLost()}.
     *
     * @return the ring's count, for all processes
     */
    public long fanOutOverwritten() {
        return (long) LONG.getVolatile(segment, RingLayout.FANOUT_OVERWRITTEN_OFFSET);
    }

    /**
     * Positions skipped because the producer that claimed them died before publishing, since the
     * ring was created.
     *
     * @return the ring's count, for all processes
     */
    public long abandonedByProducers() {
        return (long) LONG.getVolatile(segment, RingLayout.ABANDONED_BY_PRODUCERS_OFFSET);
    }

    /**
     * Times a producer posted the data doorbell to wake a sleeping consumer, since the ring was
     * created. A publish that finds no consumer asleep posts nothing, so with consumers that never
     * sleep this stays at 0; its growth rate is the rate of wake-ups, each a system call.
     *
     * @return the ring's count, for all processes
     */
    public long dataPosts() {
        return (long) LONG.getVolatile(segment, RingLayout.DATA_POSTS_OFFSET);
    }

    /**
     * Times a consumer posted the space doorbell to wake a producer asleep on a full ring, since the
     * ring was created (see {@link #dataPosts()}).
     *
     * @return the ring's count, for all processes
     */
    public long spacePosts() {
        return (long) LONG.getVolatile(segment, RingLayout.SPACE_POSTS_OFFSET);
    }

    /**
     * Messages a consumer took and never released, since the ring was created: it died holding them
     * (it may have processed them), or it was closed holding what a throwing poll handler left. No
     * other consumer receives them.
     *
     * @return the ring's count, for all processes
     */
    public long lostInConsumers() {
        return (long) LONG.getVolatile(segment, RingLayout.LOST_IN_CONSUMERS_OFFSET);
    }

    /**
     * Slots found damaged, since the ring was created: a sequence no correct peer writes there, or a
     * length beyond the maximum. A consumer drops such a position ({@link RingFormatException}); a
     * producer resets a damaged free slot and claims it.
     *
     * @return the ring's count, for all processes
     */
    public long corruptSlots() {
        return (long) LONG.getVolatile(segment, RingLayout.CORRUPT_SLOTS_OFFSET);
    }

    /**
     * Whether another process truncated the ring's object below what this process mapped (then any
     * access to the missing part faults, which calls report as {@link RingTruncatedException}). One
     * {@code fstat}.
     *
     * @return true if the object is now smaller than the mapping; false if it is not, or this
     *         {@code Ring} is closed
     */
    public boolean isTruncated() {
        synchronized (this) {
            if (closed) {
                return false;
            }
        }
        return shm.currentSize() < shm.size();
    }

    /**
     * What a fault in an access to the ring's memory means: {@link RingTruncatedException} if the
     * object shrank, else the fault itself.
     */
    RuntimeException faulted(InternalError fault) {
        long size;
        try {
            size = shm.currentSize();
        } catch (RuntimeException e) {
            fault.addSuppressed(e);
            throw fault;
        }
        if (size >= shm.size()) {
            throw fault;
        }
        return new RingTruncatedException(name, size, shm.size(), fault);
    }

    /** The mapped ring, for producers, consumers and inspection. */
    MemorySegment segment() {
        return segment;
    }

    long slotOffset(long position) {
        return headerSize + (position & mask) * slotSize;
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("ring " + name + " is closed");
        }
    }

    private static void closeQuietly(AutoCloseable resource, Exception primary) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            primary.addSuppressed(e);
        }
    }

    @Override
    public String toString() {
        return "Ring[" + name + ", " + slotCount + " slots of " + (messageType != null ? messageType.toString()
                : "up to " + maxPayload + " bytes")
                + (fanOut ? (overwrite ? ", fan-out (overwrite)" : ", fan-out") : isSingleProducer() ? ", single producer" : "")
                + (isSingleConsumer() ? ", single consumer" : "") + "]";
    }
}
