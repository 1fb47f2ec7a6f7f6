// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

/** How a bench side fails, as its exit status says: a wrong set-up (2), or stopped (3). */
final class SideFailure {

    private SideFailure() {
    }

    /** A wrong set-up, or the other side gone: exit status 2. */
    static final class SetupException extends Exception {
        private static final long serialVersionUID = 1L;

        SetupException(String message) {
            super(message);
        }
    }

    /** Stopped by SIGTERM or the deadline: exit status 3. */
    static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped(String message) {
            super(message, null, false, false);
        }
    }
}
