// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.PosixException;
import io.github.panamashm.SharedMemory;
import io.github.panamashm.internal.posix.Errno;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Making a ring's object exclusively, or taking over one that a creator abandoned half way
 * (docs/PROTOCOL.md §5.1): what {@link Ring#create} stands on before it writes the header.
 */
final class RingCreation {

    private RingCreation() {
    }

    /**
     * A new object for the ring, with the creator lock held; or, if the name is taken by a ring whose
     * creator died half way (see {@link #abandoned}), that object, made again. Else EEXIST.
     */
    static SharedMemory createOrTakeOver(String name, RingSpec spec) {
        for (int attempt = 0; ; attempt++) {
            try {
                SharedMemory shm = SharedMemory.create(name, spec.totalSize(), spec.mode());
                // nobody takes over a ring younger than ABANDONED_AFTER_NANOS: this lock cannot be taken
                shm.tryLock(RingLayout.CREATOR_LOCK_OFFSET, 1);
                return shm;
            } catch (PosixException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
            }
            try {
                return SharedMemory.recreate(name, spec.totalSize(), spec.mode(), RingLayout.CREATOR_LOCK_OFFSET,
                        RingLayout.PEERS_OFFSET, head -> abandoned(name, head));
            } catch (PosixException e) {
                if (e.errno() != Errno.ENOENT || attempt == 3) { // ENOENT: removed meanwhile, create again
                    throw e;
                }
            }
        }
    }

    /**
     * Whether the object {@code name}, whose creator lock the caller now holds, is a ring its creator
     * abandoned: empty, or INITIALISING with no foreign magic, unchanged for
     * {@link RingLayout#ABANDONED_AFTER_NANOS}, and this user's.
     */
    static boolean abandoned(String name, MemorySegment head) {
        if (head.byteSize() > 0 && head.byteSize() < RingLayout.IDENTITY.byteSize()) {
            return false; // a creator sizes the object at once: this one is someone else's
        }
        if (head.byteSize() >= RingLayout.IDENTITY.byteSize()) {
            long magic = head.get(ValueLayout.JAVA_LONG_UNALIGNED, RingLayout.MAGIC_OFFSET);
            int state = head.get(ValueLayout.JAVA_INT_UNALIGNED, RingLayout.STATE_OFFSET);
            if (state != RingLayout.STATE_INITIALISING || (magic != 0 && magic != RingLayout.MAGIC)) {
                return false;
            }
        }
        try {
            Path object = Path.of("/dev/shm", name.substring(1));
            java.nio.file.attribute.FileTime changed =
                    (java.nio.file.attribute.FileTime) Files.getAttribute(object, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
            int owner = (int) Files.getAttribute(object, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int self = (int) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            long age = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis() - changed.toMillis());
            return owner == self && age >= RingLayout.ABANDONED_AFTER_NANOS;
        } catch (IOException | UnsupportedOperationException e) {
            return false; // cannot tell: leave it
        }
    }
}
