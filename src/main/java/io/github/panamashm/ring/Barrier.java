// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.internal.posix.Libc;
import io.github.panamashm.internal.posix.PosixConstants;

import java.lang.invoke.VarHandle;

/**
 * The asymmetric barrier of the doorbell handshake (panama_shm.h, "asymmetric barrier"): the side
 * about to sleep calls {@code membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED)}, which fences every running
 * thread of every registered process, so the publishing side needs no fence of its own, only its
 * store and its look at the waiter count in program order. HotSpot keeps that order: C2 brackets every
 * ordered (opaque, acquire, release, volatile) access to a memory segment with CPU-order barriers that
 * no memory access crosses, and C1 and the interpreter do not reorder memory accesses.
 *
 * <p>This process registers once, when the class loads. Where membarrier is unavailable (an old
 * kernel, a seccomp filter, or {@code -Dpanamashm.membarrier=false}), publishes fence and sleeps are
 * short, because this process's barrier cannot reach the others.
 */
final class Barrier {

    /** Whether this process is registered, and so may skip the publish fence and fence others. */
    static final boolean AVAILABLE = registerProcess();

    private Barrier() {
    }

    /** Registers this process if it is not yet: calling this loads the class, which registers. */
    static void register() {
    }

    private static boolean registerProcess() {
        if ("false".equals(System.getProperty("panamashm.membarrier"))) {
            return false;
        }
        long commands = Libc.membarrier(PosixConstants.MEMBARRIER_CMD_QUERY, 0);
        return commands >= 0
                && (commands & PosixConstants.MEMBARRIER_CMD_GLOBAL_EXPEDITED) != 0
                && (commands & PosixConstants.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) != 0
                && Libc.membarrier(PosixConstants.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0) == 0;
    }

    /** Between a publication (or release) and the look at the waiter count: nothing when registered. */
    static void afterPublish() {
        if (!AVAILABLE) {
            VarHandle.fullFence();
        }
    }

    /** The rare side's barrier: true if it fenced every registered process, false if only this thread. */
    static boolean fencePeers() {
        if (AVAILABLE && Libc.membarrier(PosixConstants.MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0) == 0) {
            return true;
        }
        VarHandle.fullFence();
        return false;
    }
}
