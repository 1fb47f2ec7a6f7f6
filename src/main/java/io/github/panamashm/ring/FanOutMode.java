// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

/**
 * What a fan-out ring ({@link RingSpec#fanOut(FanOutMode)}) does about a consumer that falls behind,
 * chosen at creation and stored in the ring (identity {@code fanout_mode}, docs/PROTOCOL.md §14).
 */
public enum FanOutMode {

    /**
     * The slowest live consumer gates the producer, as the Disruptor's slowest sequence does: nothing
     * is lost while the consumers live. A consumer that dies stops gating about 100 ms after the
     * producer finds itself held up by it ({@link Ring#fanOutDropped()} counts it); one that is only
     * stopped (SIGSTOP) keeps gating.
     */
    BLOCK(RingLayout.FANOUT_BLOCK),

    /**
     * The producer never waits for consumers: a consumer that falls a lap behind finds its next
     * message overwritten, goes on at the oldest one still in the ring and counts what it skipped
     * ({@link Consumer#messagesLost()}, {@link Ring#fanOutOverwritten()}), as Agrona's broadcast
     * receiver does. Consumers read copies: a message is copied out of its slot and handed over only
     * if the producer had not begun to write the slot again, so {@code poll} hands its handler a
     * private copy, one message at a time.
     */
    OVERWRITE(RingLayout.FANOUT_OVERWRITE);

    final int code;

    FanOutMode(int code) {
        this.code = code;
    }

    static FanOutMode of(int code) {
        return code == RingLayout.FANOUT_OVERWRITE ? OVERWRITE : BLOCK;
    }
}
