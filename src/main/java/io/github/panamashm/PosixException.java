// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm;

import io.github.panamashm.internal.posix.Errno;
import io.github.panamashm.internal.posix.Libc;

/**
 * A C library call failed. Carries the function, the object it was applied to, errno, errno's
 * symbolic name and the C library's description, e.g.
 * {@code shm_open("/orders") failed: ENOENT (2) No such file or directory}.
 */
public class PosixException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String function;
    private final String objectName;
    private final int errno;
    private final String errnoName;

    public PosixException(String function, String objectName, int errno) {
        this(function, objectName, errno, Errno.name(errno), Libc.strerror(errno));
    }

    private PosixException(String function, String objectName, int errno, String errnoName, String description) {
        super(function + "(" + (objectName == null ? "" : "\"" + objectName + "\"") + ") failed: "
                + errnoName + " (" + errno + ") " + description);
        this.function = function;
        this.objectName = objectName;
        this.errno = errno;
        this.errnoName = errnoName;
    }

    /** Builds the exception from the errno the last failed call on this thread captured. */
    public static PosixException lastError(String function, String objectName) {
        return new PosixException(function, objectName, Libc.errno());
    }

    /** The C function that failed, e.g. {@code "shm_open"}. */
    public String function() {
        return function;
    }

    /** The shared-memory object or semaphore name the call was about, or null. */
    public String objectName() {
        return objectName;
    }

    public int errno() {
        return errno;
    }

    /** errno's symbolic name, e.g. {@code "EEXIST"}. */
    public String errnoName() {
        return errnoName;
    }
}
