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
    /** §3.1: {@code max_peers} (u32), the peer table's entries. */
    public static final long MAX_PEERS = 60;
    /** §3.2: {@code tail} (u64). */
    public static final long TAIL = 128;
    /** §3.2: {@code head} (u64). */
    public static final long HEAD = 256;
    /** §3.2: {@code released} (u64, single-consumer rings). */
    public static final long RELEASED = 264;
    /** §3.4: the peer table's first entry. */
    public static final long PEERS = 640;
    /** §3.4: one peer entry's size. */
    public static final long PEER_SIZE = 64;
    /** §3.4: a peer entry's {@code role} (u32): 1 producer, 2 consumer. */
    public static final long PEER_ROLE = 4;
    /** §3.4: a peer entry's {@code pid} (u32). */
    public static final long PEER_PID = 8;
    /** §3.4: a peer entry's {@code claim_start} (u64), where its intent starts. */
    public static final long PEER_CLAIM_START = 24;
    /** §3.4: a peer entry's {@code claim_end} (u64), where its intent ends. */
    public static final long PEER_CLAIM_END = 32;
    /** §3.4: a peer entry's {@code messages} (u64). */
    public static final long PEER_MESSAGES = 40;
    /** §3.5: a slot's {@code sequence} (u64). */
    public static final long SLOT_SEQUENCE = 0;
    /** §3.5: a slot's {@code length} (u32). */
    public static final long SLOT_LENGTH = 8;

    private ProtocolOffsets() {
    }
}
