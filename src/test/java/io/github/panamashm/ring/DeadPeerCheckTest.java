// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How often a waiting peer looks for dead peers (PROTOCOL.md §6.7): one failed attempt in
 * {@link PeerEntry#CHECK_EVERY}, at most once per {@link PeerEntry#CHECK_INTERVAL_NANOS}, and at
 * once after a sleep or a recovery.
 */
class DeadPeerCheckTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    @Test
    void aSpinningPeerLooksAtMostOncePerInterval() {
        try (Ring ring = Ring.create(names.ring("checks"), RingSpec.of(8, 64))) {
            PeerEntry peer = new PeerEntry(ring, 0, WaitPolicy.busySpin());
            long attempts = 0;
            int looks = 0;
            long start = System.nanoTime();
            long elapsed;
            do {
                if (peer.checkDue()) {
                    looks++;
                }
                attempts++;
                elapsed = System.nanoTime() - start;
            } while (elapsed < TimeUnit.MILLISECONDS.toNanos(20)
                    || (looks < 2 && elapsed < TimeUnit.SECONDS.toNanos(5))); // a loaded machine may pause this thread

            // the first due attempt looks, then one per interval at most ...
            assertThat(looks).isBetween(2, 1 + (int) (elapsed / PeerEntry.CHECK_INTERVAL_NANOS));
            // ... where counting attempts alone would have looked every 64
            assertThat(looks).isLessThan((int) (attempts / PeerEntry.CHECK_EVERY));
        }
    }

    @Test
    void theFirstAttemptAfterARecoveryLooksAtOnce() {
        try (Ring ring = Ring.create(names.ring("checks"), RingSpec.of(8, 64))) {
            PeerEntry peer = new PeerEntry(ring, 0, WaitPolicy.busySpin());
            int attempts = 1;
            while (!peer.checkDue()) {
                attempts++;
            }
            assertThat(attempts).isEqualTo(PeerEntry.CHECK_EVERY); // a new peer looks at its first due attempt

            peer.recovered(5); // within the interval, and not a 64th attempt: it looks all the same
            assertThat(peer.checkDue()).isTrue();
            assertThat(peer.checkDue()).isFalse();
        }
    }
}
