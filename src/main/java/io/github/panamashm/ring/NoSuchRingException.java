// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.PosixException;

import java.time.Duration;

/**
 * There is no ring of that name (its shared-memory object does not exist): thrown by
 * {@link Ring#open(String, Duration)} when none appeared in the time given.
 */
public class NoSuchRingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception for a ring that did not appear.
     *
     * @param ringName the name looked for
     * @param waited   how long the caller waited for it; zero: not at all
     * @param cause    the failed {@code shm_open}, with {@code ENOENT}
     */
    public NoSuchRingException(String ringName, Duration waited, PosixException cause) {
        super("no ring named " + ringName + (waited.isZero() ? "" : " appeared within " + waited.toMillis() + " ms"), cause);
    }
}
