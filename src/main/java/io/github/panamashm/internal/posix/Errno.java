// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.posix;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * The error numbers panama-shm reacts to (Linux values; a test checks them against
 * {@code <errno.h>}), and the symbolic name of any error number.
 */
public final class Errno {

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int EMFILE = 24;
    public static final int ENOSPC = 28;
    public static final int ENAMETOOLONG = 36;
    public static final int EOVERFLOW = 75;
    public static final int ETIMEDOUT = 110;

    private Errno() {
    }

    /** The symbolic name, e.g. {@code "ENOENT"}; {@code "E<n>"} for a number nobody knows. */
    public static String name(int errnum) {
        String name = Libc.strerrorname(errnum);
        if (name != null) {
            return name;
        }
        for (Field field : Errno.class.getFields()) {
            try {
                if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class && field.getInt(null) == errnum) {
                    return field.getName();
                }
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }
        return "E" + errnum;
    }
}
