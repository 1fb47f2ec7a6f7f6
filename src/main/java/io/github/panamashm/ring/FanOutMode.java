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
    BLOCK(RingLayout.FANOUT_BLOCK);

    final int code;

    FanOutMode(int code) {
        this.code = code;
    }
}
