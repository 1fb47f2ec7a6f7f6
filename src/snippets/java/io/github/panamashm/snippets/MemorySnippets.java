// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.snippets;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.SharedMemory;

import java.lang.foreign.ValueLayout;
import java.time.Duration;

/** The examples in the Javadoc of {@code io.github.panamashm}, compiled and run by {@code SnippetsTest}. */
final class MemorySnippets {

    private MemorySnippets() {
    }

    static long shareALong(String name) {
        long price;
        // @start region="shm"
        try (SharedMemory created = SharedMemory.create(name, 4096)) { // @replace substring="name" replacement='"/prices"'
            created.segment().set(ValueLayout.JAVA_LONG, 0, 42L);
        }
        // the object outlives the mapping: this or another process maps it again by name
        try (SharedMemory opened = SharedMemory.open(name)) {         // @replace substring="name" replacement='"/prices"'
            price = opened.segment().get(ValueLayout.JAVA_LONG, 0); // @replace substring="price =" replacement="long price ="
        }
        SharedMemory.unlink(name); // @replace substring="name" replacement='"/prices"'
        // @end
        return price;
    }

    static boolean signal(String name) throws InterruptedException {
        boolean acquired;
        // @start region="sem"
        try (NamedSemaphore ready = NamedSemaphore.create(name, 0)) { // @replace substring="name" replacement='"/ready"'
            ready.release();                                    // in one process...
            // @replace substring="acquired =" replacement="boolean acquired =" :
            acquired = ready.tryAcquire(Duration.ofSeconds(1)); // ...and in this or another, within 1 s
            ready.unlink();
        }
        // @end
        return acquired;
    }
}
