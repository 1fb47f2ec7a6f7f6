// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** The ring's notion of time: timeouts as nanoseconds for the wait loops, and the wall clock it records. */
final class Deadlines {

    /** A wait "for ever" (~146 years): deadlines stay clear of overflow. */
    static final long FOREVER_NANOS = Long.MAX_VALUE / 2;
    private static final Duration FOREVER = Duration.ofNanos(FOREVER_NANOS);

    private Deadlines() {
    }

    /** A timeout as nanoseconds for the wait loops: negative durations are 0, huge ones capped. */
    static long timeoutNanos(Duration timeout) {
        if (timeout.isNegative()) {
            return 0;
        }
        return timeout.compareTo(FOREVER) >= 0 ? FOREVER_NANOS : timeout.toNanos();
    }

    /** Now on the wall clock, in nanoseconds since the epoch: what creation and attach times record. */
    static long currentTimeNanos() {
        Instant now = Instant.now();
        return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
    }
}
