package io.github.panamashm.ring;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.Names;
import io.github.panamashm.SharedMemory;
import io.github.panamashm.posix.Errno;
import io.github.panamashm.posix.PosixException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.github.panamashm.ring.RingLayout.INT;
import static io.github.panamashm.ring.RingLayout.LONG;

/**
 * A bounded producer–consumer buffer in one POSIX shared-memory object, laid out as
 * {@code native-headers/panama_shm.h} specifies, so that Java and C processes share it.
 *
 * <pre>{@code
 * try (Ring ring = Ring.create("/orders", RingSpec.of(1024, 256));
 *      Producer producer = ring.producer()) {
 *     producer.send(message);
 * }
 * // another process:
 * try (Ring ring = Ring.open("/orders");
 *      Consumer consumer = ring.consumer()) {
 *     int length = consumer.receive(buffer);
 * }
 * }</pre>
 *
 * A ring outlives the processes that use it, like a POSIX message queue, until {@link #unlink()}
 * removes it. A {@code Ring} is this process's mapping of it; {@link #producer()} and
 * {@link #consumer()} attach as a peer (one entry of the ring's peer table each). A {@code Ring} is
 * thread-safe; each {@link Producer} and {@link Consumer} is for one thread at a time.
 */
public final class Ring implements AutoCloseable {

    /** How long {@link #open(String)} waits for a creator that is still initialising the ring. */
    static final Duration INITIALISING_GRACE = Duration.ofSeconds(2);
    static final int SPIN_TRIES = 256;
    /** How long a side waits on the same position before it asks whether the peer holding it died. */
    static final long STUCK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final String name;
    private final SharedMemory shm;
    private final MemorySegment segment;
    private final NamedSemaphore dataBell;
    private final NamedSemaphore spaceBell;
    final int slotCount;
    final long mask;
    final int slotSize;
    final int maxPayload;
    final int flags;
    final int headerSize;
    final int maxPeers;
    private final BitSet localPeers = new BitSet();
    private final int[] localRoleCount = new int[3];
    private final List<Peer> attached = new ArrayList<>();
    /** Threads between announcing a sleep and taking the announcement back; close waits for them. */
    private final AtomicInteger sleepers = new AtomicInteger();
    private volatile boolean closing;
    private boolean closed;

    private Ring(String name, SharedMemory shm, NamedSemaphore dataBell, NamedSemaphore spaceBell) {
        this.name = name;
        this.shm = shm;
        this.segment = shm.segment();
        this.dataBell = dataBell;
        this.spaceBell = spaceBell;
        this.slotCount = (int) INT.get(segment, RingLayout.SLOT_COUNT_OFFSET);
        this.mask = slotCount - 1;
        this.slotSize = (int) INT.get(segment, RingLayout.SLOT_SIZE_OFFSET);
        this.maxPayload = (int) INT.get(segment, RingLayout.MAX_PAYLOAD_OFFSET);
        this.flags = (int) INT.get(segment, RingLayout.FLAGS_OFFSET);
        this.headerSize = (int) INT.get(segment, RingLayout.HEADER_SIZE_OFFSET);
        this.maxPeers = (int) INT.get(segment, RingLayout.MAX_PEERS_OFFSET);
    }

    // ---- lifecycle -------------------------------------------------------------------------

    /**
     * Creates the ring {@code name}; fails with {@link PosixException} EEXIST if the name is taken.
     * Storage is reserved up front: a full /dev/shm fails here with ENOSPC, never later with SIGBUS.
     */
    public static Ring create(String name, RingSpec spec) {
        requireRingName(name);
        SharedMemory shm = SharedMemory.create(name, spec.totalSize(), spec.mode());
        NamedSemaphore dataBell = null;
        NamedSemaphore spaceBell = null;
        try {
            MemorySegment s = shm.segment();
            int headerSize = RingLayout.headerSizeFor(spec.maxPeers());
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
            LONG.set(s, RingLayout.CREATION_TIME_OFFSET, currentTimeNanos());
            INT.set(s, RingLayout.CREATOR_PID_OFFSET, (int) ProcessHandle.current().pid());
            INT.set(s, RingLayout.MAX_PEERS_OFFSET, spec.maxPeers());
            for (long position = 0; position < spec.slots(); position++) {
                LONG.set(s, headerSize + position * slotSize + RingLayout.SLOT_SEQUENCE_OFFSET, position);
            }
            // the object was created exclusively, so doorbells of this name are leftovers of a dead ring
            NamedSemaphore.unlinkIfExists(RingLayout.dataBellName(name));
            NamedSemaphore.unlinkIfExists(RingLayout.spaceBellName(name));
            dataBell = NamedSemaphore.create(RingLayout.dataBellName(name), 0, spec.mode());
            spaceBell = NamedSemaphore.create(RingLayout.spaceBellName(name), 0, spec.mode());
            INT.setRelease(s, RingLayout.STATE_OFFSET, RingLayout.STATE_READY);
            return new Ring(name, shm, dataBell, spaceBell);
        } catch (RuntimeException e) {
            closeQuietly(dataBell, e);
            closeQuietly(spaceBell, e);
            shm.close();
            unlink(name);
            throw e;
        }
    }

    /** Opens the existing ring {@code name}; {@link NoSuchRingException} if there is none. */
    public static Ring open(String name) {
        return open(name, Duration.ZERO);
    }

    /**
     * Opens the ring {@code name}, waiting up to {@code waitForRing} for it to be created. A ring
     * that exists but is still being initialised is waited for at least two seconds.
     */
    public static Ring open(String name, Duration waitForRing) {
        requireRingName(name);
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
            } catch (IllegalStateException emptyObject) {
                if (waited >= initialisingNanos) {
                    throw new RingFormatException(name, "the object is empty: its creator never sized it");
                }
                pause();
                continue;
            }
            try {
                int state = awaitInitialised(name, shm, start + initialisingNanos);
                RingValidator.validate(name, shm.segment(), state);
                NamedSemaphore dataBell = openBell(name, RingLayout.dataBellName(name));
                NamedSemaphore spaceBell;
                try {
                    spaceBell = openBell(name, RingLayout.spaceBellName(name));
                } catch (RuntimeException e) {
                    dataBell.close();
                    throw e;
                }
                return new Ring(name, shm, dataBell, spaceBell);
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
                throw new RingFormatException(name, magic == 0
                        ? "its header is empty: it is not a ring, or its creator died while initialising it"
                        : "it is still being initialised; its creator may have died");
            }
            pause();
        }
    }

    private static NamedSemaphore openBell(String ringName, String bellName) {
        try {
            return NamedSemaphore.open(bellName);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new RingFormatException(ringName, "its doorbell semaphore " + bellName + " is missing");
            }
            throw e;
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

    static String requireRingName(String name) {
        Names.requireShmName(name);
        int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length - 1;
        if (bytes > RingLayout.MAX_NAME) {
            throw new IllegalArgumentException("ring name is " + bytes + " bytes after the '/', at most "
                    + RingLayout.MAX_NAME + " allowed (its doorbell semaphores need the rest)");
        }
        return name;
    }

    /**
     * Removes the ring {@code name} (its shared-memory object and doorbells) from the system;
     * processes that have it open keep working. Returns whether there was a ring object to remove.
     */
    public static boolean unlink(String name) {
        requireRingName(name);
        // doorbells first: a ring created under this name meanwhile needs the object name free,
        // so it cannot lose its new doorbells to this call
        NamedSemaphore.unlinkIfExists(RingLayout.dataBellName(name));
        NamedSemaphore.unlinkIfExists(RingLayout.spaceBellName(name));
        return SharedMemory.unlinkIfExists(name);
    }

    /** Removes this ring from the system (see {@link #unlink(String)}). */
    public void unlink() {
        unlink(name);
    }

    /**
     * Unmaps the ring; producers and consumers made from this object that are still open stop
     * working (their calls throw {@link IllegalStateException}). Close them first to detach cleanly
     * (try-with-resources does): a peer left open looks to the other processes like a peer that
     * died, and they recover what it held. The ring itself stays until unlinked. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            closing = true;
            // Other threads may be inside their producers and consumers: never write to the ring for
            // them. Closing the descriptor drops their locks, which is how other processes see them go.
            attached.forEach(Peer::ringClosed);
            attached.clear();
        }
        dataBell.close();   // wakes sleepers and waits until none is inside sem_clockwait
        spaceBell.close();
        while (sleepers.get() > 0) {
            Thread.onSpinWait(); // a woken sleeper is taking its announcement back
        }
        shm.close();
    }

    /** What the ring needs of a producer or consumer it made. */
    interface Peer {
        /** The ring is being closed by another thread: stop, and touch the ring no more. */
        void ringClosed();
    }

    // ---- peers -----------------------------------------------------------------------------

    /** Attaches a producer. Refused with {@link IllegalStateException} if the ring is single-producer and has one. */
    public Producer producer() {
        synchronized (this) {
            Producer producer = new Producer(this, attach(RingLayout.ROLE_PRODUCER));
            attached.add(producer);
            return producer;
        }
    }

    /** Attaches a consumer. Refused with {@link IllegalStateException} if the ring is single-consumer and has one. */
    public Consumer consumer() {
        synchronized (this) {
            Consumer consumer = new Consumer(this, attach(RingLayout.ROLE_CONSUMER));
            attached.add(consumer);
            return consumer;
        }
    }

    private synchronized int attach(int role) {
        ensureOpen();
        int singleFlag = role == RingLayout.ROLE_PRODUCER ? RingLayout.FLAG_SINGLE_PRODUCER : RingLayout.FLAG_SINGLE_CONSUMER;
        boolean single = (flags & singleFlag) != 0;
        String roleName = role == RingLayout.ROLE_PRODUCER ? "producer" : "consumer";
        if (single && (localRoleCount[role] > 0 || !shm.tryLock(RingLayout.roleLockOffset(role), 1))) {
            throw new IllegalStateException("ring " + name + " is single-" + roleName + " and already has a " + roleName
                    + " attached" + describeAttached(role));
        }
        for (int index = 0; index < maxPeers; index++) {
            if (localPeers.get(index) || !shm.tryLock(RingLayout.peerOffset(index), 1)) {
                continue;
            }
            long entry = RingLayout.peerOffset(index);
            if ((int) INT.getAcquire(segment, entry + RingLayout.PEER_STATE_OFFSET) != RingLayout.PEER_FREE) {
                undoDeadSleeper(entry);
                LONG.getAndAdd(segment, RingLayout.PEERS_RECLAIMED_OFFSET, 1L);
            }
            LONG.setOpaque(segment, entry + RingLayout.PEER_CLAIM_START_OFFSET, 0L);
            LONG.setOpaque(segment, entry + RingLayout.PEER_CLAIM_END_OFFSET, 0L);
            LONG.setOpaque(segment, entry + RingLayout.PEER_MESSAGES_OFFSET, 0L);
            INT.set(segment, entry + RingLayout.PEER_ROLE_OFFSET, role);
            INT.set(segment, entry + RingLayout.PEER_PID_OFFSET, (int) ProcessHandle.current().pid());
            INT.set(segment, entry + RingLayout.PEER_LANGUAGE_OFFSET, RingLayout.LANGUAGE_JAVA);
            LONG.set(segment, entry + RingLayout.PEER_ATTACH_TIME_OFFSET, currentTimeNanos());
            INT.setVolatile(segment, entry + RingLayout.PEER_STATE_OFFSET, RingLayout.PEER_ACTIVE);
            localPeers.set(index);
            localRoleCount[role]++;
            return index;
        }
        if (single && localRoleCount[role] == 0) {
            shm.unlock(RingLayout.roleLockOffset(role), 1);
        }
        throw new IllegalStateException("the peer table of ring " + name + " is full: " + maxPeers
                + " producers and consumers are attached");
    }

    /** The entry's holder died: if it died asleep, take its announcement back so posts stop going to nobody. */
    private void undoDeadSleeper(long entry) {
        int bell = (int) INT.getAndSet(segment, entry + RingLayout.PEER_WAITING_ON_OFFSET, RingLayout.BELL_NONE);
        long counter = bell == RingLayout.BELL_DATA ? RingLayout.CONSUMERS_WAITING_OFFSET
                : bell == RingLayout.BELL_SPACE ? RingLayout.PRODUCERS_WAITING_OFFSET : -1;
        if (counter < 0) {
            return;
        }
        int sleeping = (int) INT.getVolatile(segment, counter);
        while (sleeping > 0 && !INT.compareAndSet(segment, counter, sleeping, sleeping - 1)) {
            sleeping = (int) INT.getVolatile(segment, counter);
        }
    }

    private String describeAttached(int role) {
        StringBuilder pids = new StringBuilder();
        for (int index = 0; index < maxPeers; index++) {
            long entry = RingLayout.peerOffset(index);
            if ((int) INT.getAcquire(segment, entry + RingLayout.PEER_STATE_OFFSET) == RingLayout.PEER_ACTIVE
                    && (int) INT.get(segment, entry + RingLayout.PEER_ROLE_OFFSET) == role && peerAlive(index)) {
                pids.append(pids.isEmpty() ? " (pid " : ", ").append(INT.get(segment, entry + RingLayout.PEER_PID_OFFSET));
            }
        }
        return pids.isEmpty() ? "" : pids.append(')').toString();
    }

    synchronized void detach(int index, int role) {
        if (closed || !localPeers.get(index)) {
            return;
        }
        long entry = RingLayout.peerOffset(index);
        INT.setRelease(segment, entry + RingLayout.PEER_STATE_OFFSET, RingLayout.PEER_FREE);
        shm.unlock(entry, 1);
        localPeers.clear(index);
        localRoleCount[role]--;
        int singleFlag = role == RingLayout.ROLE_PRODUCER ? RingLayout.FLAG_SINGLE_PRODUCER : RingLayout.FLAG_SINGLE_CONSUMER;
        if ((flags & singleFlag) != 0 && localRoleCount[role] == 0) {
            shm.unlock(RingLayout.roleLockOffset(role), 1);
        }
    }

    synchronized void forget(Peer peer) {
        attached.remove(peer);
    }

    /** Whether the process holding peer entry {@code index} is alive and attached. */
    boolean peerAlive(int index) {
        synchronized (this) {
            if (localPeers.get(index)) {
                return true;
            }
        }
        try {
            return shm.isLockedByOthers(RingLayout.peerOffset(index), 1);
        } catch (PosixException e) {
            return true; // never skip a message on doubt
        }
    }

    /**
     * Whether a live peer of {@code role} owns or is claiming {@code position}. Peers record the
     * positions they are about to claim before the compare-and-set on the cursor, so a position
     * claimed by a process that died is owned by no live peer.
     */
    boolean ownerAlive(int role, long position) {
        for (int index = 0; index < maxPeers; index++) {
            long entry = RingLayout.peerOffset(index);
            if ((int) INT.getAcquire(segment, entry + RingLayout.PEER_STATE_OFFSET) != RingLayout.PEER_ACTIVE
                    || (int) INT.get(segment, entry + RingLayout.PEER_ROLE_OFFSET) != role) {
                continue;
            }
            long start = (long) LONG.getAcquire(segment, entry + RingLayout.PEER_CLAIM_START_OFFSET);
            long end = (long) LONG.getAcquire(segment, entry + RingLayout.PEER_CLAIM_END_OFFSET);
            if (position >= start && position < end && peerAlive(index)) {
                return true;
            }
        }
        return false;
    }

    // ---- doorbells -------------------------------------------------------------------------

    /**
     * Sleeps on doorbell {@code which} until it is rung, the deadline passes or a slice of
     * {@link NamedSemaphore#WAIT_SLICE} ends. Announces the sleep first, in the waiter counter and in
     * the sleeper's peer entry (so that a process that dies asleep can be undone), and re-checks
     * afterwards (both sequentially consistent): the other side either sees the announcement and
     * rings, or this side sees the work. No wake-up is lost.
     */
    void sleepOn(long peerEntry, int which, long deadlineNanos) throws InterruptedException {
        boolean forData = which == RingLayout.BELL_DATA;
        long waitingOffset = forData ? RingLayout.CONSUMERS_WAITING_OFFSET : RingLayout.PRODUCERS_WAITING_OFFSET;
        sleepers.incrementAndGet();
        try {
            if (closing) {
                throw new IllegalStateException("ring " + name + " is closed");
            }
            INT.getAndAdd(segment, waitingOffset, 1);
            INT.setVolatile(segment, peerEntry + RingLayout.PEER_WAITING_ON_OFFSET, which);
            try {
                VarHandle.fullFence();
                if (forData ? dataReady() : spaceReady()) {
                    return;
                }
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining > 0) {
                    (forData ? dataBell : spaceBell).tryAcquireNanos(Math.min(remaining, NamedSemaphore.WAIT_SLICE.toNanos()));
                }
            } finally {
                INT.setVolatile(segment, peerEntry + RingLayout.PEER_WAITING_ON_OFFSET, RingLayout.BELL_NONE);
                INT.getAndAdd(segment, waitingOffset, -1);
            }
        } finally {
            sleepers.decrementAndGet();
        }
    }

    /** Work for a consumer: a published slot at the head, or the end of the stream. */
    private boolean dataReady() {
        long head = (long) LONG.getVolatile(segment, RingLayout.HEAD_OFFSET);
        if ((long) LONG.getVolatile(segment, slotOffset(head)) >= head + 1) {
            return true;
        }
        return (int) INT.getVolatile(segment, RingLayout.STATE_OFFSET) == RingLayout.STATE_CLOSED
                && (long) LONG.getVolatile(segment, RingLayout.TAIL_OFFSET) == head;
    }

    private boolean spaceReady() {
        long tail = (long) LONG.getVolatile(segment, RingLayout.TAIL_OFFSET);
        return (long) LONG.getVolatile(segment, slotOffset(tail)) >= tail || isClosedForWriting();
    }

    /** After a publish: wakes a consumer if one announced that it sleeps. */
    void ringDataBell() {
        ringBell(RingLayout.CONSUMERS_WAITING_OFFSET, dataBell, RingLayout.DATA_POSTS_OFFSET);
    }

    /** After a release: wakes a producer if one announced that it sleeps. */
    void ringSpaceBell() {
        ringBell(RingLayout.PRODUCERS_WAITING_OFFSET, spaceBell, RingLayout.SPACE_POSTS_OFFSET);
    }

    /**
     * Posts only if someone announced a sleep and the doorbell does not already hold a token for each
     * sleeper: the cap keeps the semaphore bounded even when a sleeper died without taking its
     * announcement back.
     */
    private void ringBell(long waitingOffset, NamedSemaphore bell, long postsOffset) {
        VarHandle.fullFence();
        int sleeping = (int) INT.getOpaque(segment, waitingOffset);
        if (sleeping == 0) {
            return;
        }
        try {
            if (bell.value() < sleeping) {
                LONG.getAndAdd(segment, postsOffset, 1L);
                bell.release();
            }
        } catch (PosixException e) {
            // The message is already published: failing here would invite a resend. A sleeper that
            // misses this post finds the message at the end of its wait slice.
        }
    }

    // ---- state -----------------------------------------------------------------------------

    /**
     * Closes the ring for writing, for every process: producers' sends throw
     * {@link RingClosedException}; consumers receive what is left, then see end of stream.
     * Sleeping peers are woken. Permanent and idempotent.
     */
    public void closeForWriting() {
        ensureOpen();
        // Wake everyone asleep now; later sleepers see the state before they sleep.
        INT.setVolatile(segment, RingLayout.STATE_OFFSET, RingLayout.STATE_CLOSED);
        for (int n = (int) INT.getVolatile(segment, RingLayout.CONSUMERS_WAITING_OFFSET); n > 0; n--) {
            dataBell.release();
        }
        for (int n = (int) INT.getVolatile(segment, RingLayout.PRODUCERS_WAITING_OFFSET); n > 0; n--) {
            spaceBell.release();
        }
    }

    public boolean isClosedForWriting() {
        return (int) INT.getAcquire(segment, RingLayout.STATE_OFFSET) == RingLayout.STATE_CLOSED;
    }

    public String name() {
        return name;
    }

    public int slotCount() {
        return slotCount;
    }

    /** The largest message this ring takes, in bytes. */
    public int maxMessageSize() {
        return maxPayload;
    }

    public boolean isSingleProducer() {
        return (flags & RingLayout.FLAG_SINGLE_PRODUCER) != 0;
    }

    public boolean isSingleConsumer() {
        return (flags & RingLayout.FLAG_SINGLE_CONSUMER) != 0;
    }

    /** The attached peers (entries in use), alive or dead, as a snapshot. */
    public List<PeerInfo> peers() {
        ensureOpen();
        List<PeerInfo> peers = new ArrayList<>();
        for (int index = 0; index < maxPeers; index++) {
            long entry = RingLayout.peerOffset(index);
            if ((int) INT.getAcquire(segment, entry + RingLayout.PEER_STATE_OFFSET) != RingLayout.PEER_ACTIVE) {
                continue;
            }
            peers.add(new PeerInfo(index, (int) INT.get(segment, entry + RingLayout.PEER_ROLE_OFFSET),
                    (int) INT.get(segment, entry + RingLayout.PEER_PID_OFFSET),
                    (int) INT.get(segment, entry + RingLayout.PEER_LANGUAGE_OFFSET),
                    (long) LONG.getOpaque(segment, entry + RingLayout.PEER_MESSAGES_OFFSET), peerAlive(index)));
        }
        return peers;
    }

    /** Messages claimed by producers and not yet taken by consumers (a snapshot). */
    public long depth() {
        long head = (long) LONG.getVolatile(segment, RingLayout.HEAD_OFFSET);
        long tail = (long) LONG.getVolatile(segment, RingLayout.TAIL_OFFSET);
        return Math.max(0, tail - head);
    }

    /** Positions skipped because the producer that claimed them died before publishing. */
    public long abandonedByProducers() {
        return (long) LONG.getVolatile(segment, RingLayout.ABANDONED_BY_PRODUCERS_OFFSET);
    }

    /** Messages taken by a consumer that died before it released them. */
    public long lostInConsumers() {
        return (long) LONG.getVolatile(segment, RingLayout.LOST_IN_CONSUMERS_OFFSET);
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

    /** A timeout as nanoseconds for the wait loops: negative durations are 0, huge ones capped. */
    static long timeoutNanos(Duration timeout) {
        if (timeout.isNegative()) {
            return 0;
        }
        return timeout.compareTo(FOREVER) >= 0 ? FOREVER_NANOS : timeout.toNanos();
    }

    /** The System.nanoTime() deadline of a wait; a negative timeout waits for ever (~146 years). */
    static long deadline(long timeoutNanos) {
        return System.nanoTime() + (timeoutNanos < 0 || timeoutNanos > FOREVER_NANOS ? FOREVER_NANOS : timeoutNanos);
    }

    private static final long FOREVER_NANOS = Long.MAX_VALUE / 2;
    private static final Duration FOREVER = Duration.ofNanos(FOREVER_NANOS);

    static long currentTimeNanos() {
        java.time.Instant now = java.time.Instant.now();
        return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
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
        return "Ring[" + name + ", " + slotCount + " slots of up to " + maxPayload + " bytes"
                + (isSingleProducer() ? ", single producer" : "") + (isSingleConsumer() ? ", single consumer" : "") + "]";
    }
}
