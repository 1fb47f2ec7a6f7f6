// SPDX-License-Identifier: Apache-2.0
/**
 * POSIX shared memory, named semaphores and a cross-language producer-consumer ring, called
 * directly through {@code java.lang.foreign}.
 */
module io.github.panamashm {
    requires jdk.unsupported; // sun.misc.Signal: the command line ends on SIGINT/SIGTERM with its own status
    exports io.github.panamashm;
    exports io.github.panamashm.posix;
    exports io.github.panamashm.ring;
    exports io.github.panamashm.traffic;
}
