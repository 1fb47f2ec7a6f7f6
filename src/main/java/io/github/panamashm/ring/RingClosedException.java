// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

/**
 * The ring was closed for writing ({@link Ring#closeForWriting()}, or {@code pshm_close_for_writing}
 * in C): no producer may send to it any more. Thrown by the producers' sends and claims, also by one
 * that was waiting for space when the ring was closed.
 */
public class RingClosedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception for the ring {@code ringName}.
     *
     * @param ringName the ring's name
     */
    public RingClosedException(String ringName) {
        super("ring " + ringName + " is closed for writing");
    }
}
