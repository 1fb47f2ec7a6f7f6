// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.conformance;

/**
 * The byte offsets of docs/PROTOCOL.md §3 that the scenarios read or write directly (to damage a
 * slot, or to read a dead peer's count), taken from the document as a peer in another language
 * takes them. A test holds them equal to the library's own layout.
 */
public final class ProtocolOffsets {

    /** §3.1: the identity's {@code header_size} (u32), where slot 0 starts. */
    public static final long HEADER_SIZE = 12;
    /** §3.1: {@code slot_count} (u32). */
    public static final long SLOT_COUNT = 16;
    /** §3.1: {@code slot_size} (u32). */
    public static final long SLOT_SIZE = 20;
    /** §3.4: the peer table's first entry. */
    public static final long PEERS = 640;
    /** §3.4: one peer entry's size. */
    public static final long PEER_SIZE = 64;
    /** §3.4: a peer entry's {@code messages} (u64). */
    public static final long PEER_MESSAGES = 40;
    /** §3.5: a slot's {@code sequence} (u64). */
    public static final long SLOT_SEQUENCE = 0;
    /** §3.5: a slot's {@code length} (u32). */
    public static final long SLOT_LENGTH = 8;

    private ProtocolOffsets() {
    }
}
