package io.github.panamashm.ring;

/**
 * A shared-memory object is not a ring this version can use: a foreign object, a newer
 * incompatible layout, a size that does not match its header, or a corrupted header.
 */
public class RingFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RingFormatException(String ringName, String problem) {
        super("shared-memory object " + ringName + " is not a usable panama-shm ring: " + problem);
    }
}
