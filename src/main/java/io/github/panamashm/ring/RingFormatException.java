// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

/**
 * A shared-memory object is not a ring this version can use: a foreign object, a newer
 * incompatible layout, a size that does not match its header, a corrupted header or doorbell; or
 * a damaged part of a usable ring, such as a slot with an impossible sequence or length, which the
 * call that met it dropped (counted in {@link Ring#corruptSlots()}).
 */
public class RingFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception for an object that is not a usable ring.
     *
     * @param ringName the object's name
     * @param problem  what is wrong, e.g. which header field has which value
     */
    public RingFormatException(String ringName, String problem) {
        super("shared-memory object " + ringName + " is not a usable panama-shm ring: " + problem);
    }

    RingFormatException(String message, boolean whole) {
        super(message);
    }

    /** A damaged part of a ring that is otherwise usable: e.g. one slot, which the call dropped. */
    static RingFormatException damaged(String ringName, String problem) {
        return new RingFormatException("ring " + ringName + " is damaged: " + problem, true);
    }
}
