package io.github.panamashm.ring;

import java.lang.foreign.MemorySegment;

/** Receives messages from {@link Consumer#poll(MessageHandler, int)} without copying. */
@FunctionalInterface
public interface MessageHandler {

    /**
     * Handles one message.
     *
     * @param message a read-only view of the message in the ring, exactly its length; valid only
     *                until this method returns, after which the slot goes back to the producers
     */
    void onMessage(MemorySegment message);
}
