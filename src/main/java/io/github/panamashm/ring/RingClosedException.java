// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

/** The ring was closed for writing: no producer may send to it any more. */
public class RingClosedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public RingClosedException(String ringName) {
        super("ring " + ringName + " is closed for writing");
    }
}
