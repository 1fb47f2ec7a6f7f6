// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.posix;


/**
 * Validation of POSIX object names, done before any call so that a bad name gets a message that
 * says what is wrong instead of a bare EINVAL or ENAMETOOLONG.
 */
public final class Names {

    /** Longest shared-memory name after the leading slash (glibc: NAME_MAX). */
    public static final int MAX_SHM_NAME_LENGTH = PosixConstants.NAME_MAX;
    /** Longest semaphore name after the leading slash: glibc stores it as the file {@code sem.NAME}. */
    public static final int MAX_SEM_NAME_LENGTH = PosixConstants.NAME_MAX - "sem.".length();

    private Names() {
    }

    /** Returns {@code name} if it is a valid shared-memory object name, else throws. */
    public static String requireShmName(String name) {
        return require(name, MAX_SHM_NAME_LENGTH, "shared-memory object");
    }

    /** Returns {@code name} if it is a valid named-semaphore name, else throws. */
    public static String requireSemaphoreName(String name) {
        return require(name, MAX_SEM_NAME_LENGTH, "semaphore");
    }

    private static String require(String name, int maxLength, String what) {
        if (name == null) {
            throw new IllegalArgumentException(what + " name is null");
        }
        if (!name.startsWith("/")) {
            throw new IllegalArgumentException(what + " name must start with '/': \"" + name + "\"");
        }
        String rest = name.substring(1);
        if (rest.isEmpty() || rest.equals(".") || rest.equals("..")) {
            throw new IllegalArgumentException(what + " name needs at least one character after '/' and cannot be"
                    + " \".\" or \"..\": \"" + name + "\"");
        }
        if (rest.indexOf('/') >= 0) {
            throw new IllegalArgumentException(what + " name may contain '/' only as its first character: \""
                    + name + "\"");
        }
        if (rest.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " name contains a NUL character");
        }
        int length = rest.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (length > maxLength) {
            throw new IllegalArgumentException(what + " name is " + length + " bytes long after the '/', at most "
                    + maxLength + " allowed: \"" + name.substring(0, 40) + "...\"");
        }
        return name;
    }
}
