// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.testing;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.SharedMemory;
import io.github.panamashm.ring.Ring;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out unique shared-memory and semaphore names and unlinks every one of them after each test,
 * whether it passed or failed. Register with {@code @RegisterExtension}.
 */
public final class ShmNames implements AfterEachCallback {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private final List<String> shmNames = new ArrayList<>();
    private final List<String> semaphoreNames = new ArrayList<>();

    /** A fresh name, short enough for every platform limit, that no other test or run uses. */
    public static String unique(String label) {
        return "/pshm-t-" + label + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet()
                + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
    }

    /** A unique shared-memory name, unlinked after the test. */
    public synchronized String shm(String label) {
        String name = unique(label);
        shmNames.add(name);
        return name;
    }

    /** A unique semaphore name, unlinked after the test. */
    public synchronized String semaphore(String label) {
        String name = unique(label);
        semaphoreNames.add(name);
        return name;
    }

    /** A unique ring name; the ring's object and both doorbell semaphores are unlinked after the test. */
    public synchronized String ring(String label) {
        String name = shm(label);
        semaphoreNames.addAll(Ring.doorbellNames(name));
        return name;
    }

    /** Registers a name made elsewhere (e.g. by the code under test) for removal after the test. */
    public synchronized void track(String shmName, String... semNames) {
        if (shmName != null) {
            shmNames.add(shmName);
        }
        semaphoreNames.addAll(List.of(semNames));
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) {
        shmNames.forEach(SharedMemory::unlinkIfExists);
        semaphoreNames.forEach(NamedSemaphore::unlinkIfExists);
        shmNames.clear();
        semaphoreNames.clear();
    }
}
