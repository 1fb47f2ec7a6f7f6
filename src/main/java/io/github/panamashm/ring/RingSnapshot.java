// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.time.Instant;
import java.util.List;

/**
 * A ring's header and peer table as read at one moment by {@link Ring#inspect(String)}, without
 * attaching: what tools show and what cleaning up after crashed processes decides on. The fields
 * are read one by one while the ring's peers go on, so they need not agree with each other exactly.
 *
 * @param name               the ring's name
 * @param versionMajor       the layout's major version
 * @param versionMinor       the layout's minor version
 * @param state              the ring's lifecycle state
 * @param slotCount          the number of slots
 * @param slotSize           bytes per slot, slot header included
 * @param maxMessageSize     the largest message in bytes
 * @param singleProducer     whether at most one producer may attach
 * @param singleConsumer     whether at most one consumer may attach
 * @param maxPeers           the peer table's size
 * @param totalSize          the object's size in bytes
 * @param creatorPid         the process that created the ring
 * @param created            when the ring was created (its creator's wall clock)
 * @param tail               the producers' cursor: positions claimed so far
 * @param head               the consumers' cursor: positions taken so far
 * @param released           in a single-consumer ring, positions given back so far (else 0)
 * @param consumersWaiting   consumers announced as sleeping on the data doorbell
 * @param producersWaiting   producers announced as sleeping on the space doorbell
 * @param counters           the ring's event counters
 * @param peers              the peer table's entries in use, with each one's liveness
 * @param holdups            the positions a side waits behind and who holds them (none when nothing is stuck)
 * @param messageType        the type every message has in a typed ring, or null
 * @param fanOutMode         in a fan-out ring, where every consumer reads every message (each consumer's
 *                           cursor is its {@link PeerInfo#position()}; {@code head} stays 0), its mode;
 *                           null in a work-queue ring
 */
public record RingSnapshot(String name, int versionMajor, int versionMinor, State state, int slotCount, int slotSize,
                           int maxMessageSize, boolean singleProducer, boolean singleConsumer, int maxPeers,
                           long totalSize, int creatorPid, Instant created, long tail, long head, long released,
                           int consumersWaiting, int producersWaiting, Counters counters, List<PeerInfo> peers,
                           List<Holdup> holdups, MessageType messageType, FanOutMode fanOutMode) {

    /** A ring's lifecycle state, as its header says. */
    public enum State {
        /** Its creator is still writing the header (or died doing so). */
        INITIALISING,
        /** Open for producers and consumers. */
        READY,
        /** Closed for writing: consumers drain it, then see the end of the stream. */
        CLOSED,
        /** A value no peer writes: the header is damaged. */
        UNKNOWN
    }

    /**
     * The ring's event counters (docs/PROTOCOL.md §3.3).
     *
     * @param abandonedByProducers positions claimed by producers that died before publishing them
     * @param lostInConsumers      messages taken by consumers that died before handing them on
     * @param dataPosts            posts of the data doorbell (consumers woken)
     * @param spacePosts           posts of the space doorbell (producers woken)
     * @param peersReclaimed       peer-table entries of dead processes made free again
     * @param corruptSlots         slots found damaged and dropped or reset
     * @param fanOutDropped        dead consumers of a fan-out ring the producer stopped waiting for
     * @param fanOutOverwritten    positions consumers of an overwrite-mode fan-out ring skipped, lapped
     */
    public record Counters(long abandonedByProducers, long lostInConsumers, long dataPosts, long spacePosts,
                           long peersReclaimed, long corruptSlots, long fanOutDropped, long fanOutOverwritten) {
    }

    /**
     * A position one side of the ring waits behind, and the peer that holds it: consumers wait behind
     * a position a producer claimed and has not published; producers of a full ring behind a slot a
     * consumer took and has not released. The holder may be slow, stopped (SIGSTOP), or dead
     * ({@code alive} false: the others recover the position after about 100 ms).
     *
     * @param waiting    the side that waits: {@link PeerInfo.Role#CONSUMER consumers} or producers
     * @param position   the position they wait behind
     * @param holder     the peer-table entry of the peer that holds it
     * @param pid        that peer's process ID
     * @param alive      whether that process still holds the entry's lock
     */
    public record Holdup(PeerInfo.Role waiting, long position, int holder, int pid, boolean alive) {
    }

    /** Copies {@code peers} and {@code holdups}, so that the snapshot does not change. */
    public RingSnapshot {
        peers = List.copyOf(peers);
        holdups = List.copyOf(holdups);
    }

    /**
     * Whether every consumer reads every message.
     *
     * @return true for a fan-out ring ({@link #fanOutMode()} not null)
     */
    public boolean fanOut() {
        return fanOutMode != null;
    }

    /**
     * Messages published or claimed and not yet taken: {@code tail - head}, never negative; in a
     * fan-out ring, those the slowest consumer has not read yet.
     *
     * @return the ring's depth at the moment of the snapshot
     */
    public long depth() {
        return Math.max(0, tail - consumedTo());
    }

    /**
     * Where consumers have got to: the head, or in a fan-out ring the slowest attached consumer's
     * cursor (the tail if none is attached).
     *
     * @return a position
     */
    public long consumedTo() {
        if (fanOutMode == null) {
            return head;
        }
        return peers.stream().filter(PeerInfo::isConsumer).mapToLong(PeerInfo::position).min().orElse(tail);
    }

    /**
     * How far a consumer of a fan-out ring is behind the producer: the tail minus its cursor.
     *
     * @param consumer one of {@link #peers()}
     * @return messages published and not yet read by it (0 for a peer that is no fan-out consumer)
     */
    public long lag(PeerInfo consumer) {
        return fanOutMode != null && consumer.isConsumer() ? Math.max(0, tail - consumer.position()) : 0;
    }

    /**
     * The peers whose processes are alive and attached.
     *
     * @return the live entries of {@link #peers()}
     */
    public List<PeerInfo> livePeers() {
        return peers.stream().filter(PeerInfo::alive).toList();
    }

    /**
     * Whether nothing can use this ring any more and a clean-up may remove it: no live peer, and
     * either an entry left by a process that died attached (what such a ring still holds was sent to
     * processes that are gone, and is discarded with it), or the ring closed for writing and drained.
     * A ring whose peers all detached cleanly is not abandoned, nor a closed one that still holds
     * messages: like a message queue, it keeps them for a later consumer.
     *
     * @return whether the ring is abandoned
     */
    public boolean isAbandoned() {
        if (!livePeers().isEmpty()) {
            return false;
        }
        boolean drained = depth() == 0 && (!singleConsumer || released >= head);
        return !peers.isEmpty() || (state == State.CLOSED && drained);
    }
}
