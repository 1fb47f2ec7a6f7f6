// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm;

import io.github.panamashm.internal.posix.Errno;
import io.github.panamashm.internal.posix.Libc;

/**
 * A C library call failed. Carries the function, the object it was applied to, errno, errno's
 * symbolic name and the C library's description, e.g.
 * {@code shm_open("/orders") failed: ENOENT (2) No such file or directory}. Callers tell the
 * expected failures apart by {@link #errno()} or {@link #errnoName()}.
 */
public class PosixException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The C function that failed. */
    private final String function;
    /** The object's name, or null. */
    private final String objectName;
    /** The error number. */
    private final int errno;
    /** The error number's symbolic name. */
    private final String errnoName;

    /**
     * Creates the exception for a failed call; the message adds errno's symbolic name and the C
     * library's description ({@code strerror}).
     *
     * @param function   the C function that failed, e.g. {@code "shm_open"}
     * @param objectName the shared-memory object or semaphore the call was about, or null
     * @param errno      the error number the call reported
     */
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

    /**
     * Builds the exception from the errno that this library captured from its last C call on this
     * thread (the JVM's own calls may change the thread's errno, so it is captured with each call).
     *
     * @param function   the C function that failed, e.g. {@code "shm_open"}
     * @param objectName the shared-memory object or semaphore the call was about, or null
     * @return the new exception
     */
    public static PosixException lastError(String function, String objectName) {
        return new PosixException(function, objectName, Libc.errno());
    }

    /**
     * The C function that failed.
     *
     * @return the function's name, e.g. {@code "shm_open"}
     */
    public String function() {
        return function;
    }

    /**
     * The shared-memory object or semaphore name the call was about.
     *
     * @return the name, or null if the call was about no named object
     */
    public String objectName() {
        return objectName;
    }

    /**
     * The error number the call reported, as in {@code <errno.h>}.
     *
     * @return errno, e.g. 2 for {@code ENOENT}
     */
    public int errno() {
        return errno;
    }

    /**
     * errno's symbolic name.
     *
     * @return the name, e.g. {@code "EEXIST"}
     */
    public String errnoName() {
        return errnoName;
    }
}
