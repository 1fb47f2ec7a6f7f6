// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

/**
 * The shape of a new ring, for {@link Ring#create(String, RingSpec)}: how many slots, the largest
 * message, whether it admits one or many producers and consumers, whether every consumer sees every
 * message, the peer table's size and the permission bits of its objects. Start from
 * {@link #of(int, int)} and change one property at a time:
 * {@snippet :
 * RingSpec spec = RingSpec.of(1024, 256).singleProducer(true).mode(0660);
 * RingSpec orders = RingSpec.of(1024, MessageType.of(ORDER));   // every message is one struct order
 * RingSpec feed = RingSpec.of(1024, 256).fanOut();              // every consumer reads every message
 * }
 *
 * @param slots           slot count, a power of two from 2 to 2^30
 * @param maxMessageSize  largest message in bytes, 1 to 2^30
 * @param singleProducer  at most one producer may attach (its claims skip the compare-and-set)
 * @param singleConsumer  at most one consumer may attach
 * @param maxPeers        how many producers and consumers may be attached at once, 1 to 4096
 * @param mode            permission bits of the shared-memory object and the doorbells, e.g. 0600 or 0660;
 *                        the owner must have read and write
 * @param messageType     what every message is, stored in the ring and checked by typed openers; null
 *                        for messages of any bytes
 * @param fanOutMode      for a fan-out ring, in which every consumer reads every message, what happens to
 *                        consumers that fall behind; null for a work queue, in which each message goes to
 *                        one consumer
 */
public record RingSpec(int slots, int maxMessageSize, boolean singleProducer, boolean singleConsumer,
                       int maxPeers, int mode, MessageType messageType, FanOutMode fanOutMode) {

    /**
     * Checks the values; {@link #of(int, int)} and the methods that return a spec with one property
     * changed are the usual way to make one.
     *
     * @param slots          slot count, a power of two from 2 to 2^30
     * @param maxMessageSize largest message in bytes, 1 to 2^30
     * @param singleProducer at most one producer may attach
     * @param singleConsumer at most one consumer may attach
     * @param maxPeers       how many producers and consumers may be attached at once, 1 to 4096
     * @param mode           permission bits, at most 0777, including the owner's read and write (0600)
     * @param messageType    the message type, or null; with one, {@code maxMessageSize} is its size
     * @param fanOutMode     null for a work queue; else a fan-out ring, which needs {@code singleProducer}
     *                       and not {@code singleConsumer}
     * @throws IllegalArgumentException if a value is out of range, the combination is not supported,
     *                                  or the ring would be too large
     */
    public RingSpec {
        if (slots < 2 || slots > RingLayout.MAX_SLOTS || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two from 2 to 2^30: " + slots);
        }
        if (maxMessageSize < 1 || maxMessageSize > RingLayout.MAX_PAYLOAD) {
            throw new IllegalArgumentException("maxMessageSize must be from 1 to 2^30 bytes: " + maxMessageSize);
        }
        if (maxPeers < 1 || maxPeers > RingLayout.MAX_PEERS) {
            throw new IllegalArgumentException("maxPeers must be from 1 to " + RingLayout.MAX_PEERS + ": " + maxPeers);
        }
        if ((mode & ~0777) != 0 || (mode & 0600) != 0600) {
            throw new IllegalArgumentException("mode must be permission bits (at most 0777) that let the owner read and"
                    + " write, as every peer must: 0" + Integer.toOctalString(mode));
        }
        if (messageType != null && messageType.byteSize() != maxMessageSize) {
            throw new IllegalArgumentException("maxMessageSize " + maxMessageSize + ", but every message of type "
                    + messageType + " has its size");
        }
        if (fanOutMode != null && (!singleProducer || singleConsumer)) {
            throw new IllegalArgumentException("a fan-out ring has one producer and any number of consumers: it needs"
                    + " singleProducer and not singleConsumer (RingSpec.fanOut() sets both)");
        }
        long total = RingLayout.headerSizeFor(maxPeers, typeSize(messageType))
                + (long) slots * RingLayout.slotSizeFor(maxMessageSize);
        if (total > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("ring too large: " + total + " bytes");
        }
    }

    /**
     * A spec for any number of producers and consumers, at most 64 attached at once, mode 0600.
     *
     * @param slots          slot count, a power of two from 2 to 2^30
     * @param maxMessageSize largest message in bytes, 1 to 2^30
     * @return the new spec
     * @throws IllegalArgumentException if a value is out of range
     */
    public static RingSpec of(int slots, int maxMessageSize) {
        return new RingSpec(slots, maxMessageSize, false, false, RingLayout.DEFAULT_MAX_PEERS, 0600, null, null);
    }

    /**
     * A spec for a typed ring: every message is one {@code type}, whose description the ring carries;
     * a peer that opens it with another type is refused, naming the first field that differs. Any
     * number of producers and consumers, at most 64 attached at once, mode 0600.
     *
     * @param slots slot count, a power of two from 2 to 2^30
     * @param type  the message type; its size is the ring's message size
     * @return the new spec
     * @throws IllegalArgumentException if {@code slots} is out of range
     */
    public static RingSpec of(int slots, MessageType type) {
        return new RingSpec(slots, type.byteSize(), false, false, RingLayout.DEFAULT_MAX_PEERS, 0600, type, null);
    }

    /**
     * This spec with {@code singleProducer} set: a single-producer ring refuses a second producer with
     * {@link IllegalStateException}, and its producer claims without a compare-and-set.
     *
     * @param single whether at most one producer may attach
     * @return a new spec
     */
    public RingSpec singleProducer(boolean single) {
        return new RingSpec(slots, maxMessageSize, single, singleConsumer, maxPeers, mode, messageType, fanOutMode);
    }

    /**
     * This spec with {@code singleConsumer} set: a single-consumer ring refuses a second consumer with
     * {@link IllegalStateException}; its consumer gives slots back with one store per batch, and what
     * a dead consumer held is counted lost by the next consumer to attach.
     *
     * @param single whether at most one consumer may attach
     * @return a new spec
     */
    public RingSpec singleConsumer(boolean single) {
        return new RingSpec(slots, maxMessageSize, singleProducer, single, maxPeers, mode, messageType, fanOutMode);
    }

    /**
     * This spec with another peer-table size: how many producers and consumers, of all processes, may
     * be attached at once.
     *
     * @param peers the table's size, 1 to 4096
     * @return a new spec
     * @throws IllegalArgumentException if {@code peers} is out of range
     */
    public RingSpec maxPeers(int peers) {
        return new RingSpec(slots, maxMessageSize, singleProducer, singleConsumer, peers, mode, messageType, fanOutMode);
    }

    /**
     * This spec with other permission bits for the ring's shared-memory object and doorbells, applied
     * exactly (the umask does not narrow them). Every peer needs read and write access.
     *
     * @param permissionBits e.g. {@code 0600} or {@code 0660}; at most 0777, including 0600
     * @return a new spec
     * @throws IllegalArgumentException if the bits are out of range or leave out the owner's read or write
     */
    public RingSpec mode(int permissionBits) {
        return new RingSpec(slots, maxMessageSize, singleProducer, singleConsumer, maxPeers, permissionBits,
                messageType, fanOutMode);
    }

    /**
     * This spec as a fan-out ring in {@link FanOutMode#BLOCK} mode: {@link #fanOut(FanOutMode)
     * fanOut(FanOutMode.BLOCK)}.
     *
     * @return a new spec
     */
    public RingSpec fanOut() {
        return fanOut(FanOutMode.BLOCK);
    }

    /**
     * This spec as a fan-out ring: every consumer attached when a message is published reads it, from a
     * cursor of its own, starting with the first message published after it attached; consumers take
     * nothing from each other. {@code mode} says what happens to one that falls behind: it gates the
     * producer ({@link FanOutMode#BLOCK}) or is lapped ({@link FanOutMode#OVERWRITE}). One producer (a second is refused with {@link IllegalStateException}),
     * any number of consumers up to the peer table's size; sets {@code singleProducer} and clears
     * {@code singleConsumer}. Readers older than layout 3.5 refuse the ring.
     *
     * @param mode what happens to consumers that fall behind
     * @return a new spec
     */
    public RingSpec fanOut(FanOutMode mode) {
        return new RingSpec(slots, maxMessageSize, true, false, maxPeers, this.mode, messageType,
                java.util.Objects.requireNonNull(mode, "mode"));
    }

    int flags() {
        return (singleProducer ? RingLayout.FLAG_SINGLE_PRODUCER : 0) | (singleConsumer ? RingLayout.FLAG_SINGLE_CONSUMER : 0)
                | (messageType != null ? RingLayout.FLAG_TYPED : 0) | (fanOutMode != null ? RingLayout.FLAG_FANOUT : 0);
    }

    int typeSize() {
        return typeSize(messageType);
    }

    private static int typeSize(MessageType type) {
        return type == null ? 0 : (int) RingLayout.typeAreaSize(type.fields().size());
    }

    /**
     * Size of the shared-memory object this spec makes: the header with its peer table, and the slots.
     *
     * @return the size in bytes
     */
    public long totalSize() {
        return RingLayout.headerSizeFor(maxPeers, typeSize()) + (long) slots * RingLayout.slotSizeFor(maxMessageSize);
    }
}
