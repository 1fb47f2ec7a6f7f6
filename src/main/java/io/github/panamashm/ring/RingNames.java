// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.internal.posix.Names;

import java.nio.charset.StandardCharsets;

/** What a ring's name may be: a shared-memory name short enough to leave room for its doorbells'. */
final class RingNames {

    private RingNames() {
    }

    /** {@code name} if it may name a ring, else {@link IllegalArgumentException} saying why. */
    static String require(String name) {
        Names.requireShmName(name);
        int bytes = name.getBytes(StandardCharsets.UTF_8).length - 1;
        if (bytes > RingLayout.MAX_NAME) {
            throw new IllegalArgumentException("ring name is " + bytes + " bytes after the '/', at most "
                    + RingLayout.MAX_NAME + " allowed (its doorbell semaphores need the rest)");
        }
        return name;
    }
}
