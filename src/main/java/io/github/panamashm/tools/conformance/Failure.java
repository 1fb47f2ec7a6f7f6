// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.conformance;

/** A scenario failed: the message is its evidence, one line for the FAIL report. */
final class Failure extends RuntimeException {

    Failure(String evidence) {
        super(evidence, null, false, false);
    }

    /** Fails with {@code evidence} unless {@code holds}. */
    static void check(boolean holds, String evidence) {
        if (!holds) {
            throw new Failure(evidence);
        }
    }
}
