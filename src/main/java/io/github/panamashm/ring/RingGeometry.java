// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

/**
 * A ring's header values as they were validated (or written, by its creator): a {@link Ring} keeps
 * these and never reads the header's again, so a peer writing the header later cannot widen what
 * this process computes addresses from.
 *
 * @param slotCount   slots, a power of two
 * @param slotSize    bytes per slot
 * @param maxPayload  the largest message
 * @param flags       PSHM_FLAG_* bits
 * @param headerSize  offset of slot 0
 * @param maxPeers    peer-table entries
 * @param messageType a typed ring's message type (a private copy), or null
 */
record RingGeometry(int slotCount, int slotSize, int maxPayload, int flags, int headerSize, int maxPeers,
                    MessageType messageType, int fanOutMode) {
}
