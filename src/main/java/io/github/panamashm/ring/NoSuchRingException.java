// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.PosixException;

import java.time.Duration;

/** There is no ring of that name (its shared-memory object does not exist). */
public class NoSuchRingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NoSuchRingException(String ringName, Duration waited, PosixException cause) {
        super("no ring named " + ringName + (waited.isZero() ? "" : " appeared within " + waited.toMillis() + " ms"), cause);
    }
}
