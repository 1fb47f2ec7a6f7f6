// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

/**
 * Another process truncated the ring's shared-memory object while this one had it mapped: its
 * memory is gone, and every further access would fault. The JDK reports such a fault as an
 * {@link InternalError}, possibly a little after the access that caused it; the ring's calls turn
 * the ones they see into this exception. Close the ring: nothing more can be sent or received.
 */
public final class RingTruncatedException extends RingFormatException {

    private static final long serialVersionUID = 1L;

    RingTruncatedException(String ringName, long size, long mapped, Throwable fault) {
        super(ringName, "it was truncated by another process to " + size + " bytes; it had " + mapped);
        initCause(fault);
    }
}
