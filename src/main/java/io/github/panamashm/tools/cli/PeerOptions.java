// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.ring.NoSuchRingException;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.WaitPolicy;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The flags {@code produce} and {@code consume} share, as the C programs' shm_cli.h does. */
final class PeerOptions {

    @Option(names = "--ring", paramLabel = "NAME", description = "The ring: /NAME (required).")
    private String ring;

    @Option(names = "--wait-ms", paramLabel = "MS", defaultValue = "0",
            description = "Wait this long for the ring to be created (default: ${DEFAULT-VALUE}: it must exist).")
    private String waitMs;

    @Option(names = "--wait-policy", paramLabel = "POLICY", defaultValue = "standard",
            description = "How a waiting call waits: spin (busy), standard (spin about 50 us, yield, then sleep; the "
                    + "default) or sleep (at once, as a fenced sleeper).")
    private String waitPolicy;

    @Option(names = "--progress", description = "Print progress to stderr about once a second; on a terminal it is "
            + "shown anyway, on one line kept up to date.")
    boolean progress;

    @Option(names = "--unlink-on-exit", description = "Remove the ring when done, also after an error.")
    boolean unlinkOnExit;

    /** The ring's name, required and valid. */
    String ring(Flags flags) {
        if (ring == null) {
            throw flags.bad("--ring NAME is required");
        }
        return flags.ring(ring);
    }

    /**
     * Opens the ring, waiting up to {@code waitMillis} for it to be created in slices of 200 ms, so
     * that Ctrl-C ends the wait (as shm_cli_open_ring does in C).
     */
    static Ring open(String name, long waitMillis, Main.StopSignal stop) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                return Ring.open(name, Duration.ofMillis(Math.max(0, Math.min(left, 200))));
            } catch (NoSuchRingException e) {
                if (left <= 200 || stop.requested()) {
                    throw waitMillis == 0 ? e : new NoSuchRingException(name, Duration.ofMillis(waitMillis),
                            (io.github.panamashm.PosixException) e.getCause());
                }
            }
        }
    }

    /** The wait policy --wait-policy names, in shm_cli.h's words when it names none. */
    WaitPolicy waitPolicy(Flags flags) {
        return switch (waitPolicy) {
            case "spin" -> WaitPolicy.busySpin();
            case "standard" -> WaitPolicy.standard();
            case "sleep" -> WaitPolicy.sleep();
            default -> throw flags.bad("--wait-policy must be spin, standard or sleep");
        };
    }

    /** How long to wait for the ring to be created, in milliseconds. */
    long waitMillis(Flags flags) {
        return flags.millis("--wait-ms", waitMs);
    }
}
