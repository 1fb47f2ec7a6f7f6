// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The life of a Java bench side that is not panama-shm: the files it created, deleted on every way
 * out; the stop flag that SIGTERM sets (through a shutdown hook, which also runs {@code onStop},
 * e.g. to close channels a call is blocked in); and the exit, with the side's status rather than
 * the signal's.
 */
final class SideLife {

    private final String side;
    private final Runnable onStop;
    private final List<Path> created = new CopyOnWriteArrayList<>();
    /** Counted down, with {@link #exitStatus} set, when the main thread is done. */
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile int exitStatus = SideArgs.EXIT_TIMEOUT;
    private volatile boolean stopped;

    SideLife(String side, Runnable onStop) {
        this.side = side;
        this.onStop = onStop;
        Runtime.getRuntime().addShutdownHook(new Thread(this::onShutdown, side + "-cleanup"));
    }

    /** Whether SIGTERM (or the side's own watchdog, through {@link #stop}) asked the side to stop. */
    boolean stopped() {
        return stopped;
    }

    void stop() {
        stopped = true;
        onStop.run();
    }

    /** Records a file to delete at the end; deletes it at once if the side is already stopping. */
    void created(Path path) {
        created.add(path);
        if (stopped) {
            deleteAll();
        }
    }

    /**
     * The name a side gives the thread that waits on the ring, so that the idle-CPU measurement can
     * tell it from the JVM's own threads (Linux shows at most 15 characters of a thread's name).
     */
    static final String WAITER_THREAD = "ring-waiter";

    static void ready() {
        System.out.println("ready");
        System.out.flush();
    }

    /** Cleans up and exits with {@code status}; a shutdown hook waiting for the main thread takes it. */
    void exit(int status) {
        deleteAll();
        System.out.flush();
        exitStatus = status;
        finished.countDown();
        System.exit(status);
    }

    /**
     * On SIGTERM: stops the main thread, lets it clean up and report (for up to 2 s), and exits with
     * its status (3) rather than the signal's. On a normal exit there is nothing left to do.
     */
    private void onShutdown() {
        boolean signalled = finished.getCount() != 0;
        stop();
        if (signalled) {
            try {
                finished.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteAll();
        if (signalled && finished.getCount() == 0) {
            System.err.flush();
            Runtime.getRuntime().halt(exitStatus);
        }
    }

    private void deleteAll() {
        for (Path path : created) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                System.err.println(side + ": cannot delete " + path + ": " + e.getMessage());
            }
        }
    }
}
