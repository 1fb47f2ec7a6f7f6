// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

/**
 * The shape of a new ring: how many slots, the largest message, whether it admits one or many
 * producers and consumers, the peer table's size and the permission bits of its objects.
 *
 * <pre>{@code
 * RingSpec spec = RingSpec.of(1024, 256).singleProducer(true);
 * }</pre>
 *
 * @param slots           slot count, a power of two from 2 to 2^30
 * @param maxMessageSize  largest message in bytes, 1 to 2^30
 * @param singleProducer  at most one producer may attach (its claims skip the compare-and-set)
 * @param singleConsumer  at most one consumer may attach
 * @param maxPeers        how many producers and consumers may be attached at once, 1 to 4096
 * @param mode            permission bits of the shared-memory object and the doorbells, e.g. 0600 or 0660;
 *                        the owner must have read and write
 */
public record RingSpec(int slots, int maxMessageSize, boolean singleProducer, boolean singleConsumer,
                       int maxPeers, int mode) {

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
        long total = RingLayout.headerSizeFor(maxPeers) + (long) slots * RingLayout.slotSizeFor(maxMessageSize);
        if (total > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("ring too large: " + total + " bytes");
        }
    }

    /** Any number of producers and consumers, 64 peers, mode 0600. */
    public static RingSpec of(int slots, int maxMessageSize) {
        return new RingSpec(slots, maxMessageSize, false, false, RingLayout.DEFAULT_MAX_PEERS, 0600);
    }

    public RingSpec singleProducer(boolean single) {
        return new RingSpec(slots, maxMessageSize, single, singleConsumer, maxPeers, mode);
    }

    public RingSpec singleConsumer(boolean single) {
        return new RingSpec(slots, maxMessageSize, singleProducer, single, maxPeers, mode);
    }

    public RingSpec maxPeers(int peers) {
        return new RingSpec(slots, maxMessageSize, singleProducer, singleConsumer, peers, mode);
    }

    public RingSpec mode(int permissionBits) {
        return new RingSpec(slots, maxMessageSize, singleProducer, singleConsumer, maxPeers, permissionBits);
    }

    int flags() {
        return (singleProducer ? RingLayout.FLAG_SINGLE_PRODUCER : 0) | (singleConsumer ? RingLayout.FLAG_SINGLE_CONSUMER : 0);
    }

    /** Size of the shared-memory object this spec makes. */
    public long totalSize() {
        return RingLayout.headerSizeFor(maxPeers) + (long) slots * RingLayout.slotSizeFor(maxMessageSize);
    }
}
