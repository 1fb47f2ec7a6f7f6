// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.lang.foreign.MemorySegment;

/**
 * Receives messages from {@link Consumer#poll(MessageHandler, int)} without copying, on the thread
 * that polls, one call per message in ring order. An exception it throws ends the poll and propagates
 * out of it; the message counts as handled.
 */
@FunctionalInterface
public interface MessageHandler {

    /**
     * Handles one message: bytes {@code [index, index + length)} of {@code buffer}.
     *
     * @param buffer a read-only view of the ring's slots, the same for every message of a consumer
     * @param index  where the message starts in {@code buffer}
     * @param length the message's length in bytes; the bytes are valid only until this method
     *               returns, after which the slot goes back to the producers
     */
    void onMessage(MemorySegment buffer, long index, int length);
}
