// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

/**
 * One entry of a ring's peer table, as read at one moment.
 *
 * @param index    the entry's index in the table
 * @param role     {@link RingLayout#ROLE_PRODUCER} or {@link RingLayout#ROLE_CONSUMER}
 * @param pid      the process that attached
 * @param language {@link RingLayout#LANGUAGE_C} or {@link RingLayout#LANGUAGE_JAVA}
 * @param messages messages the peer has sent or received
 * @param alive    whether the process still holds the entry's lock (it is alive and attached)
 */
public record PeerInfo(int index, int role, int pid, int language, long messages, boolean alive) {

    public boolean isProducer() {
        return role == RingLayout.ROLE_PRODUCER;
    }

    public boolean isConsumer() {
        return role == RingLayout.ROLE_CONSUMER;
    }
}
