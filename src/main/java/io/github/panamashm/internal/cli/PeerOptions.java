// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.cli;

import picocli.CommandLine.Option;

/** The flags {@code produce} and {@code consume} share, as the C programs' shm_cli.h does. */
final class PeerOptions {

    @Option(names = "--ring", paramLabel = "NAME", description = "The ring: /NAME (required).")
    private String ring;

    @Option(names = "--wait-ms", paramLabel = "MS", defaultValue = "0",
            description = "Wait this long for the ring to be created (default: ${DEFAULT-VALUE}: it must exist).")
    private String waitMs;

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

    /** How long to wait for the ring to be created, in milliseconds. */
    long waitMillis(Flags flags) {
        return flags.millis("--wait-ms", waitMs);
    }
}
