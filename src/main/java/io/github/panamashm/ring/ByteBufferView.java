/* SPDX-License-Identifier: Apache-2.0 */
package io.github.panamashm.ring;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A segment over the whole of the last buffer used that has no accessible array (a direct buffer, or
 * a read-only one), so that sending from or receiving into the same buffer again allocates nothing:
 * {@link MemorySegment#ofBuffer} makes a new segment object on every call (72 bytes per message,
 * measured with JMH {@code -prof gc}). It holds on to that one buffer until another one comes or its
 * producer or consumer closes. One per producer or consumer, which are for one thread at a time.
 */
final class ByteBufferView {
    private ByteBuffer buffer;
    private MemorySegment whole;

    /**
     * The buffer's bytes from index 0 to its capacity (address them at {@code buffer.position()}); a
     * buffer whose memory was freed (its arena closed) gives a segment that refuses access.
     */
    MemorySegment of(ByteBuffer unbacked) {
        MemorySegment view = whole;
        if (unbacked != buffer) { // also after clear(): no buffer is null
            view = MemorySegment.ofBuffer(unbacked.duplicate().clear());
            whole = view;
            buffer = unbacked;
        }
        return view;
    }

    /** Lets the last buffer go. */
    void clear() {
        buffer = null;
        whole = null;
    }
}
