// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.time.Duration;

/**
 * What a {@link Producer} or {@link Consumer} does when it finds nothing to do (a full ring, an empty
 * one), in the calls that wait: spin, yield, or sleep on the ring's doorbell, as Agrona users choose an
 * idle strategy. Whatever the policy, waits end at their timeout, and a ring closed for writing or
 * closed in this process ends them.
 *
 * <ul>
 *   <li>{@link #busySpin()}: spin until there is work. Lowest latency; one busy core per waiter.</li>
 *   <li>{@link #spinThenSleep(Duration)}: spin for the given time, yield for as long again, then
 *       sleep. The {@linkplain #standard() standard} policy spins for {@link #STANDARD_SPIN}, longer
 *       than one cross-core wake-up, so a chatty pair rarely sleeps between messages, and an idle
 *       one sleeps.</li>
 *   <li>{@link #sleep()}: sleep on the doorbell at once. Least CPU; each wait costs a wake-up. While
 *       such a peer is attached, the ring's publishers fence on every publish, so that its sleeps
 *       need no membarrier (docs/PROTOCOL.md §8.6).</li>
 * </ul>
 * A sleeping waiter with no traffic wakes at most once a second. Interrupts are noticed while a wait
 * sleeps, not while it spins or yields: a busy-spinning wait ends only with work, its timeout or a
 * closed ring. A virtual thread never blocks its carrier: it sleeps by polling the doorbell, at
 * least once a millisecond. Policies are immutable and may be shared by any number of peers.
 */
public final class WaitPolicy {

    /** The spin of the {@linkplain #standard() standard} policy. */
    public static final Duration STANDARD_SPIN = Duration.ofNanos(50_000);

    enum Mode { SPIN, SPIN_THEN_SLEEP, SLEEP }

    private static final WaitPolicy BUSY_SPIN = new WaitPolicy(Mode.SPIN, 0);
    private static final WaitPolicy STANDARD = new WaitPolicy(Mode.SPIN_THEN_SLEEP, STANDARD_SPIN.toNanos());
    private static final WaitPolicy SLEEP = new WaitPolicy(Mode.SLEEP, 0);

    final Mode mode;
    final long spinNanos;

    private WaitPolicy(Mode mode, long spinNanos) {
        this.mode = mode;
        this.spinNanos = spinNanos;
    }

    /**
     * Spins until there is work or the wait times out.
     *
     * @return the busy-spin policy
     */
    public static WaitPolicy busySpin() {
        return BUSY_SPIN;
    }

    /**
     * Spins for {@code spin}, then yields the processor for as long again, then sleeps on the doorbell.
     *
     * @param spin how long to spin before yielding, positive
     * @return a new policy
     * @throws IllegalArgumentException if {@code spin} is zero or negative
     */
    public static WaitPolicy spinThenSleep(Duration spin) {
        if (spin.isNegative() || spin.isZero()) {
            throw new IllegalArgumentException("spin must be positive: " + spin);
        }
        return new WaitPolicy(Mode.SPIN_THEN_SLEEP, Deadlines.timeoutNanos(spin));
    }

    /**
     * Sleeps on the doorbell at once.
     *
     * @return the sleep policy
     */
    public static WaitPolicy sleep() {
        return SLEEP;
    }

    /**
     * {@code spinThenSleep(STANDARD_SPIN)}: what {@link Ring#producer()} and {@link Ring#consumer()} use.
     *
     * @return the standard policy
     */
    public static WaitPolicy standard() {
        return STANDARD;
    }

    @Override
    public String toString() {
        return switch (mode) {
            case SPIN -> "WaitPolicy[busy spin]";
            case SLEEP -> "WaitPolicy[sleep]";
            case SPIN_THEN_SLEEP -> "WaitPolicy[spin " + spinNanos / 1000 + " us, yield, sleep]";
        };
    }
}
