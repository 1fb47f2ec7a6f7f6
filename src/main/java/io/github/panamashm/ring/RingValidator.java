// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.github.panamashm.ring.RingLayout.INT;
import static io.github.panamashm.ring.RingLayout.LONG;

/**
 * Checks a mapped object's header before anything trusts it: an opener relies on these fields to
 * compute every address it touches, so a foreign, newer or corrupted object must fail here with a
 * message that says which field is wrong.
 */
final class RingValidator {

    private RingValidator() {
    }

    /**
     * Checks the header, and a typed ring's type area: each value is read once, and what is returned
     * is what was checked.
     */
    static RingGeometry validate(String name, MemorySegment s, int state) {
        long magic = (long) LONG.get(s, RingLayout.MAGIC_OFFSET);
        if (magic != RingLayout.MAGIC) {
            fail(name, String.format("magic is 0x%016x, not 0x%016x (\"PSHMRING\")", magic, RingLayout.MAGIC));
        }
        int major = Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT, RingLayout.VERSION_MAJOR_OFFSET));
        int minor = Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT, RingLayout.VERSION_MINOR_OFFSET));
        if (major != RingLayout.VERSION_MAJOR) {
            fail(name, "its layout version is " + major + "." + minor + "; this library reads version "
                    + RingLayout.VERSION_MAJOR + ".x");
        }
        long hash = (long) LONG.get(s, RingLayout.LAYOUT_HASH_OFFSET);
        if (hash != RingLayout.LAYOUT_HASH) {
            fail(name, String.format("its layout hash is 0x%016x, this library's is 0x%016x: the writer was built"
                    + " from a different panama_shm.h", hash, RingLayout.LAYOUT_HASH));
        }
        int slots = (int) INT.get(s, RingLayout.SLOT_COUNT_OFFSET);
        if (slots < 2 || slots > RingLayout.MAX_SLOTS || Integer.bitCount(slots) != 1) {
            fail(name, "slot_count " + Integer.toUnsignedString(slots) + " is not a power of two from 2 to 2^30");
        }
        int maxPeers = (int) INT.get(s, RingLayout.MAX_PEERS_OFFSET);
        if (maxPeers < 1 || maxPeers > RingLayout.MAX_PEERS) {
            fail(name, "max_peers " + Integer.toUnsignedString(maxPeers) + " is not from 1 to " + RingLayout.MAX_PEERS);
        }
        int flags = (int) INT.get(s, RingLayout.FLAGS_OFFSET);
        boolean typed = (flags & RingLayout.FLAG_TYPED) != 0;
        int typeSize = typed ? (int) INT.get(s, RingLayout.TYPE_SIZE_OFFSET) : 0;
        if (typed && (Integer.toUnsignedLong(typeSize) < RingLayout.typeAreaSize(1)
                || Integer.toUnsignedLong(typeSize) > RingLayout.typeAreaSize(RingLayout.MAX_FIELDS))) {
            fail(name, "type_size " + Integer.toUnsignedString(typeSize) + " is not from " + RingLayout.typeAreaSize(1)
                    + " to " + RingLayout.typeAreaSize(RingLayout.MAX_FIELDS));
        }
        int headerSize = (int) INT.get(s, RingLayout.HEADER_SIZE_OFFSET);
        if (headerSize != RingLayout.headerSizeFor(maxPeers, typeSize)) {
            fail(name, "header_size " + Integer.toUnsignedString(headerSize) + " does not fit max_peers " + maxPeers
                    + (typed ? " and the type area" : ""));
        }
        int maxPayload = (int) INT.get(s, RingLayout.MAX_PAYLOAD_OFFSET);
        if (maxPayload < 1 || maxPayload > RingLayout.MAX_PAYLOAD) {
            fail(name, "max_payload " + Integer.toUnsignedString(maxPayload) + " is not from 1 to 2^30");
        }
        int slotSize = (int) INT.get(s, RingLayout.SLOT_SIZE_OFFSET);
        if (slotSize != RingLayout.slotSizeFor(maxPayload)) {
            fail(name, "slot_size " + Integer.toUnsignedString(slotSize) + " does not fit max_payload " + maxPayload);
        }
        if ((flags & RingLayout.REQUIRED_FLAGS_MASK & ~RingLayout.KNOWN_FLAGS) != 0) {
            fail(name, "unknown flags 0x" + Integer.toHexString(flags));
        }
        int fanOutMode = 0;
        if ((flags & RingLayout.FLAG_FANOUT) != 0) {
            fanOutMode = (int) INT.get(s, RingLayout.FANOUT_MODE_OFFSET);
            if ((flags & (RingLayout.FLAG_SINGLE_PRODUCER | RingLayout.FLAG_SINGLE_CONSUMER)) != RingLayout.FLAG_SINGLE_PRODUCER
                    || (fanOutMode != RingLayout.FANOUT_BLOCK && fanOutMode != RingLayout.FANOUT_OVERWRITE)) {
                fail(name, "a fan-out ring with flags 0x" + Integer.toHexString(flags) + " and fanout_mode "
                        + Integer.toUnsignedString(fanOutMode) + " (it needs SINGLE_PRODUCER alone and mode "
                        + RingLayout.FANOUT_BLOCK + " or " + RingLayout.FANOUT_OVERWRITE + ")");
            }
        }
        long expectedTotal = headerSize + (long) slots * slotSize;
        long total = (long) LONG.get(s, RingLayout.TOTAL_SIZE_OFFSET);
        if (total != expectedTotal) {
            fail(name, "total_size " + total + " does not match its geometry (" + expectedTotal + " bytes)");
        }
        if (total != s.byteSize()) {
            fail(name, "the object is " + s.byteSize() + " bytes but its header says " + total);
        }
        if (state != RingLayout.STATE_READY && state != RingLayout.STATE_CLOSED) {
            fail(name, "unknown state " + state);
        }
        MessageType type = null;
        if (typed) {
            byte[] area = s.asSlice(RingLayout.peersEnd(maxPeers), typeSize).toArray(ValueLayout.JAVA_BYTE);
            type = MessageType.read(name, MemorySegment.ofArray(area), maxPayload);
        }
        return new RingGeometry(slots, slotSize, maxPayload, flags, headerSize, maxPeers, type, fanOutMode);
    }

    private static void fail(String name, String problem) {
        throw new RingFormatException(name, problem);
    }
}
