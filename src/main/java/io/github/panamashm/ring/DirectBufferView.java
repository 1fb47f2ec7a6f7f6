/* SPDX-License-Identifier: Apache-2.0 */
package io.github.panamashm.ring;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A segment over the whole of the direct buffer last used, so that sending from (or receiving into)
 * the same buffer again allocates nothing: {@link MemorySegment#ofBuffer} makes a new segment object
 * on every call (72 bytes per message, measured with JMH {@code -prof gc}). Holds on to that one
 * buffer until another one comes. One per producer or consumer, which are for one thread at a time.
 */
final class DirectBufferView {
    private ByteBuffer buffer;
    private MemorySegment whole;

    /** The buffer's bytes from index 0 to its capacity; address them at {@code buffer.position()}. */
    MemorySegment of(ByteBuffer direct) {
        if (direct != buffer) {
            whole = MemorySegment.ofBuffer(direct.duplicate().clear());
            buffer = direct;
        }
        return whole;
    }
}
