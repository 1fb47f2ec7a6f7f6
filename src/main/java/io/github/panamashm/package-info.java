// SPDX-License-Identifier: Apache-2.0
/**
 * The POSIX objects under the ring, called directly through {@code java.lang.foreign}, for programs
 * that share memory with other processes on their own terms.
 *
 * <ul>
 *   <li>{@link io.github.panamashm.SharedMemory}: a shared-memory object ({@code shm_open}), mapped
 *       as a {@link java.lang.foreign.MemorySegment} whose accesses throw after close instead of
 *       touching unmapped memory, with open-file-description locks that tell other processes this
 *       one is alive.</li>
 *   <li>{@link io.github.panamashm.NamedSemaphore}: a named semaphore ({@code sem_open}) whose waits
 *       sleep in the kernel, notice interrupts and close, and never pin a virtual thread's carrier.</li>
 *   <li>{@link io.github.panamashm.PosixException}: a failed C call, with the function, the object's
 *       name, errno and its symbolic name.</li>
 * </ul>
 * Both objects are thread-safe, outlive this process until unlinked, and refuse an invalid name with
 * {@link java.lang.IllegalArgumentException} before any C call. Run with
 * {@code --enable-native-access=io.github.panamashm} (module path) or
 * {@code --enable-native-access=ALL-UNNAMED} (class path).
 *
 * <p>This package and {@link io.github.panamashm.ring} are the whole API; everything under
 * {@code io.github.panamashm.internal} is not API and may change in any release.
 */
package io.github.panamashm;
