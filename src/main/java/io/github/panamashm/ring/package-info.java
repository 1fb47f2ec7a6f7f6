// SPDX-License-Identifier: Apache-2.0
/**
 * A bounded multi-producer/multi-consumer ring of fixed-size slots in one POSIX shared-memory
 * object, shared by Java and C processes on one host. Its layout and protocol are those of
 * {@code native-headers/panama_shm.h}, which C and C++ programs include; {@code docs/PROTOCOL.md}
 * describes them in prose. There is no server process: every peer maps the object and follows the
 * protocol, and the ring stays until {@link io.github.panamashm.ring.Ring#unlink() unlinked}.
 *
 * <h2>The types</h2>
 * <ul>
 *   <li>{@link io.github.panamashm.ring.Ring}: this process's mapping of a ring, made by
 *       {@link io.github.panamashm.ring.Ring#create Ring.create} with a
 *       {@link io.github.panamashm.ring.RingSpec} (slots, largest message, single or several
 *       producers and consumers, permission bits) or by
 *       {@link io.github.panamashm.ring.Ring#open(String, java.time.Duration) Ring.open}. Thread-safe.</li>
 *   <li>{@link io.github.panamashm.ring.Producer} and {@link io.github.panamashm.ring.Consumer}, from
 *       {@link io.github.panamashm.ring.Ring#producer()} and
 *       {@link io.github.panamashm.ring.Ring#consumer()}: one attached peer each, for one thread at a
 *       time. They copy messages in and out, or write and read them in place
 *       ({@link io.github.panamashm.ring.Producer#claim claim}/{@link io.github.panamashm.ring.Producer#commit()
 *       commit}, {@link io.github.panamashm.ring.Consumer#poll(MessageHandler, int) poll} with a
 *       {@link io.github.panamashm.ring.MessageHandler}), one message or a batch per cursor move.</li>
 *   <li>{@link io.github.panamashm.ring.MessageType}: what every message of a typed ring is, a C struct
 *       field by field, made from a {@code StructLayout} (jextract's or one written by hand); the
 *       ring carries it, and {@link io.github.panamashm.ring.Ring#open(String, MessageType)} refuses a
 *       ring of another type naming the first field that differs.</li>
 *   <li>{@link io.github.panamashm.ring.RingObserver}, from {@link io.github.panamashm.ring.Ring#observer()}:
 *       watches the messages passing through a ring without taking any or attaching (tools).</li>
 *   <li>{@link io.github.panamashm.ring.WaitPolicy}: how a producer waits for space and a consumer
 *       for messages: spin, yield, sleep on the ring's doorbell semaphores.</li>
 *   <li>{@link io.github.panamashm.ring.PeerInfo}: one entry of the peer table, from
 *       {@link io.github.panamashm.ring.Ring#peers()}.</li>
 * </ul>
 * Each message goes to exactly one consumer; one producer's messages reach each consumer in order.
 *
 * <h2>Outcomes</h2>
 * <ul>
 *   <li>{@link io.github.panamashm.ring.NoSuchRingException}: there is no ring of that name to open.</li>
 *   <li>{@link io.github.panamashm.ring.MessageTypeMismatchException}, a {@code RingFormatException}:
 *       a typed open found another message type in the ring, or none; nothing was read or written.</li>
 *   <li>{@link io.github.panamashm.ring.RingFormatException}: the object is not a ring this version
 *       can use (foreign, incompatible, corrupted), saying which field is wrong; or a damaged slot
 *       that the call dropped.</li>
 *   <li>{@link io.github.panamashm.ring.RingTruncatedException}, a {@code RingFormatException}:
 *       another process truncated the object under this one.</li>
 *   <li>{@link io.github.panamashm.ring.RingClosedException}, an {@link java.lang.IllegalStateException}:
 *       a producer sends to a ring closed for writing. Consumers instead drain the ring and then get
 *       {@link io.github.panamashm.ring.Consumer#END_OF_STREAM}.</li>
 *   <li>{@link java.lang.IllegalArgumentException}: a message larger than the ring's maximum (in a
 *       typed ring, any length but the type's size), or a buffer too small for the next message
 *       (which stays in the ring).</li>
 *   <li>{@link java.lang.IllegalStateException}: a peer or ring used after it was closed, a second
 *       producer or consumer of a single-producer or single-consumer ring, a full peer table.</li>
 *   <li>Timeouts are not exceptions: {@code false}, -1 or 0 from a producer,
 *       {@link io.github.panamashm.ring.Consumer#NO_MESSAGE} or 0 from a consumer.</li>
 *   <li>{@link io.github.panamashm.PosixException}: a C call failed, e.g. {@code EEXIST} when
 *       creating a ring whose name is taken.</li>
 * </ul>
 *
 * <h2>Crash recovery</h2>
 * A process that dies holding a claimed position or a taken slot does not stall the ring: its
 * peers see its peer-table lock (an {@code fcntl} open-file-description lock, which the kernel drops
 * at death) gone, and after about 100 ms skip the position or give the slot back, counting it in
 * {@link io.github.panamashm.ring.Ring#abandonedByProducers()} or
 * {@link io.github.panamashm.ring.Ring#lostInConsumers()}. No message is delivered twice, and only
 * what the dead process held is lost: a producer's unpublished messages, which nobody saw, and a
 * consumer's taken and unreleased ones, which it may have processed (in a single-consumer ring the
 * next consumer to attach counts those and carries on after them).
 *
 * <h2>Native access</h2>
 * The library calls libc through {@code java.lang.foreign}: run with
 * {@code --enable-native-access=io.github.panamashm} on the module path, or
 * {@code --enable-native-access=ALL-UNNAMED} on the class path; without it the JDK prints a warning
 * at the first native call.
 *
 * <p>This package and {@link io.github.panamashm} are the whole API; everything under
 * {@code io.github.panamashm.internal} is not API and may change in any release.
 */
package io.github.panamashm.ring;
