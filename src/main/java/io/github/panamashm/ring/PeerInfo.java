// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.time.Instant;

/**
 * One entry of a ring's peer table, as read at one moment. The table lives in shared memory, so a
 * role or language that no peer writes is reported as {@code UNKNOWN} rather than trusted.
 *
 * @param index    the entry's index in the table
 * @param role     whether the peer produces or consumes
 * @param pid      the process that attached
 * @param language the language of the library the peer attached with
 * @param attached when the peer attached (its wall clock)
 * @param messages messages the peer has sent or received
 * @param waitingOn the doorbell the peer sleeps on, if it announced a sleep
 * @param alive    whether the process still holds the entry's lock (it is alive and attached)
 * @param pidNamespace the inode of the peer's PID namespace ({@code /proc/self/ns/pid}), 0 if unknown:
 *                 a peer in a container has its own, and its {@code pid} counts there
 * @param position the entry's {@code claim_start}: in a fan-out ring a consumer's cursor, the next
 *                 position it reads (its lag is the ring's tail minus this); the producer of a
 *                 single-producer ring: the tail when it attached; else where the peer's last claim or
 *                 take began
 */
public record PeerInfo(int index, Role role, int pid, Language language, Instant attached, long messages,
                       Bell waitingOn, boolean alive, long pidNamespace, long position) {

    /** What a peer does with the ring. */
    public enum Role {
        /** Attached as a producer. */
        PRODUCER,
        /** Attached as a consumer. */
        CONSUMER,
        /** The entry holds a role code no peer writes: damaged, or from a newer library. */
        UNKNOWN
    }

    /** What a peer sleeps on. */
    public enum Bell {
        /** It does not sleep (it works, spins, or is in neither kind of call). */
        NONE,
        /** The data doorbell: a consumer waiting for messages. */
        DATA,
        /** The space doorbell: a producer waiting for free slots. */
        SPACE,
        /** The entry holds a code no peer writes. */
        UNKNOWN
    }

    /** The library a peer attached with. */
    public enum Language {
        /** The C library, {@code panama_shm.h}. */
        C,
        /** This library. */
        JAVA,
        /** The entry holds a language code no peer writes: damaged, or from a newer library. */
        UNKNOWN
    }

    /**
     * Whether the peer runs in another PID namespace than this process (e.g. another container), where
     * its {@link #pid()} means another process than here; false when either namespace is unknown.
     *
     * @return whether its pid belongs to another PID namespace
     */
    public boolean inAnotherPidNamespace() {
        return pidNamespace != 0 && PeerTable.PID_NAMESPACE != 0 && pidNamespace != PeerTable.PID_NAMESPACE;
    }

    /**
     * Whether the peer attached as a producer.
     *
     * @return {@code role() == Role.PRODUCER}
     */
    public boolean isProducer() {
        return role == Role.PRODUCER;
    }

    /**
     * Whether the peer attached as a consumer.
     *
     * @return {@code role() == Role.CONSUMER}
     */
    public boolean isConsumer() {
        return role == Role.CONSUMER;
    }

    static Role role(int code) {
        return switch (code) {
            case RingLayout.ROLE_PRODUCER -> Role.PRODUCER;
            case RingLayout.ROLE_CONSUMER -> Role.CONSUMER;
            default -> Role.UNKNOWN;
        };
    }

    static Bell bell(int code) {
        return switch (code) {
            case RingLayout.BELL_NONE -> Bell.NONE;
            case RingLayout.BELL_DATA -> Bell.DATA;
            case RingLayout.BELL_SPACE -> Bell.SPACE;
            default -> Bell.UNKNOWN;
        };
    }

    static Language language(int code) {
        return switch (code) {
            case RingLayout.LANGUAGE_C -> Language.C;
            case RingLayout.LANGUAGE_JAVA -> Language.JAVA;
            default -> Language.UNKNOWN;
        };
    }
}
