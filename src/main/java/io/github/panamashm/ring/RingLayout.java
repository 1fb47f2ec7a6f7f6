// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.List;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The byte layout of a ring, version 3 (3.6): the Java mirror of {@code native-headers/panama_shm.h},
 * which is the specification. Every offset and constant of the layout is named here and nowhere
 * else; a test compares each of them with what the C compiler makes of the header.
 *
 * <pre>
 *     0  identity    magic, versions, geometry, flags, layout hash, creator, state, role locks
 *   128  tail        producer position (alone on its 128-byte line)
 *   256  head        consumer position, and at 264 {@code released}: in single-consumer rings,
 *                    every position below it is consumed (the consumer's line)
 *   384  waiters     consumers_waiting, producers_waiting (doorbell announcements), fenced_sleepers,
 *                    data_epoch (the futex word fan-out consumers sleep on)
 *   512  counters    abandoned_by_producers, lost_in_consumers, data_posts, space_posts, peers_reclaimed,
 *                    corrupt_slots, fanout_dropped, fanout_overwritten
 *   640  peers       max_peers entries of 64 bytes; byte 0 of each is OFD-locked by its holder
 *   peers_end        typed rings (FLAG_TYPED): the type area, TYPE_AREA and type_size / 64 - 1 TYPE_FIELD records
 *   header_size      slots: slot_count x slot_size = 16-byte slot header + payload
 * </pre>
 *
 * Slot header: {@code sequence} (8), {@code length} (4), {@code flags} (4); slots are 16-byte
 * aligned, so a 64-byte message takes 80 bytes. Position {@code p} lives in slot {@code p & (slot_count - 1)}; its sequence is
 * {@code p + 1} when published. With several consumers it is {@code p} when free for the producer of
 * {@code p}, and {@code p + slot_count} once released by the consumer; a single consumer releases by
 * {@code released} instead, and producers claim below {@code released + slot_count}.
 */
final class RingLayout {

    public static final long MAGIC = 0x474E49524D485350L;
    public static final int VERSION_MAJOR = 3;
    public static final int VERSION_MINOR = 6;

    public static final int LINE = 128;
    public static final int SLOT_HEADER_SIZE = 16;
    public static final int SLOT_ALIGN = 16;
    public static final int PEER_SIZE = 64;
    public static final int PEERS_OFFSET = 640;
    public static final int DEFAULT_MAX_PEERS = 64;
    public static final int MAX_PEERS = 4096;
    public static final int MAX_SLOTS = 1 << 30;
    public static final int MAX_PAYLOAD = 1 << 30;
    /** Longest ring name after the '/', leaving room for ".space" in the doorbell names. */
    public static final int MAX_NAME = 245;

    public static final int FLAG_SINGLE_PRODUCER = 1;
    public static final int FLAG_SINGLE_CONSUMER = 2;
    /** The ring carries a message type (the type area, after the peer table): every message is one. */
    public static final int FLAG_TYPED = 4;
    /** Every consumer reads every message, by a cursor of its own; needs SINGLE_PRODUCER, forbids SINGLE_CONSUMER. */
    public static final int FLAG_FANOUT = 8;
    public static final int KNOWN_FLAGS = FLAG_SINGLE_PRODUCER | FLAG_SINGLE_CONSUMER | FLAG_TYPED | FLAG_FANOUT;
    /** identity.fanout_mode of a fan-out ring: the slowest live consumer gates the producer, nothing is lost. */
    public static final int FANOUT_BLOCK = 1;
    /** identity.fanout_mode: the producer never waits; a lapped consumer skips what was overwritten, counted. */
    public static final int FANOUT_OVERWRITE = 2;
    /** Unknown flags in these bits make a ring unreadable; unknown higher bits are optional features. */
    public static final int REQUIRED_FLAGS_MASK = 0xFFFF;

    public static final int STATE_INITIALISING = 0;
    public static final int STATE_READY = 1;
    public static final int STATE_CLOSED = 2;

    public static final int ROLE_NONE = 0;
    public static final int ROLE_PRODUCER = 1;
    public static final int ROLE_CONSUMER = 2;

    public static final int PEER_FREE = 0;
    public static final int PEER_ACTIVE = 1;

    public static final int BELL_NONE = 0;
    public static final int BELL_DATA = 1;
    public static final int BELL_SPACE = 2;

    public static final int LANGUAGE_C = 1;
    public static final int LANGUAGE_JAVA = 2;

    public static final int SLOT_SKIP = 1;

    public static final StructLayout IDENTITY = MemoryLayout.structLayout(
            JAVA_LONG.withName("magic"),
            JAVA_SHORT.withName("version_major"),
            JAVA_SHORT.withName("version_minor"),
            JAVA_INT.withName("header_size"),
            JAVA_INT.withName("slot_count"),
            JAVA_INT.withName("slot_size"),
            JAVA_INT.withName("max_payload"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("total_size"),
            JAVA_LONG.withName("layout_hash"),
            JAVA_LONG.withName("creation_time_ns"),
            JAVA_INT.withName("creator_pid"),
            JAVA_INT.withName("max_peers"),
            JAVA_INT.withName("state"),
            MemoryLayout.sequenceLayout(4, JAVA_BYTE).withName("role_locks"),
            JAVA_INT.withName("type_size"),
            JAVA_INT.withName("fanout_mode"),
            MemoryLayout.sequenceLayout(48, JAVA_BYTE).withName("reserved")).withName("pshm_identity");

    public static final StructLayout COUNTERS = MemoryLayout.structLayout(
            JAVA_LONG.withName("abandoned_by_producers"),
            JAVA_LONG.withName("lost_in_consumers"),
            JAVA_LONG.withName("data_posts"),
            JAVA_LONG.withName("space_posts"),
            JAVA_LONG.withName("peers_reclaimed"),
            JAVA_LONG.withName("corrupt_slots"),
            JAVA_LONG.withName("fanout_dropped"),
            JAVA_LONG.withName("fanout_overwritten"),
            MemoryLayout.sequenceLayout(LINE - 8 * 8, JAVA_BYTE).withName("reserved")).withName("pshm_counters");

    public static final StructLayout HEADER = MemoryLayout.structLayout(
            IDENTITY.withName("identity"),
            JAVA_LONG.withName("tail"),
            MemoryLayout.paddingLayout(LINE - 8),
            JAVA_LONG.withName("head"),
            JAVA_LONG.withName("released"),
            MemoryLayout.paddingLayout(LINE - 16),
            JAVA_INT.withName("consumers_waiting"),
            JAVA_INT.withName("producers_waiting"),
            JAVA_INT.withName("fenced_sleepers"),
            JAVA_INT.withName("data_epoch"),
            MemoryLayout.paddingLayout(LINE - 16),
            COUNTERS.withName("counters")).withName("pshm_header");

    public static final StructLayout PEER = MemoryLayout.structLayout(
            JAVA_INT.withName("state"),
            JAVA_INT.withName("role"),
            JAVA_INT.withName("pid"),
            JAVA_INT.withName("language"),
            JAVA_LONG.withName("attach_time_ns"),
            JAVA_LONG.withName("claim_start"),
            JAVA_LONG.withName("claim_end"),
            JAVA_LONG.withName("messages"),
            JAVA_INT.withName("waiting_on"),
            JAVA_INT.withName("fenced_sleeper"),
            JAVA_LONG.withName("pid_ns")).withName("pshm_peer");

    /** A field's record in the type area; also how C describes a field (pshm_type_field). */
    public static final StructLayout TYPE_FIELD = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(48, JAVA_BYTE).withName("name"),
            JAVA_INT.withName("offset"),
            JAVA_INT.withName("size"),
            JAVA_INT.withName("kind"),
            JAVA_INT.withName("element_size")).withName("pshm_type_field");

    /** The type area's header; {@code field_count} {@link #TYPE_FIELD} records follow it. */
    public static final StructLayout TYPE_AREA = MemoryLayout.structLayout(
            JAVA_LONG.withName("magic"),
            JAVA_INT.withName("area_size"),
            JAVA_INT.withName("field_count"),
            JAVA_INT.withName("struct_size"),
            JAVA_INT.withName("struct_align"),
            JAVA_LONG.withName("type_hash"),
            MemoryLayout.sequenceLayout(32, JAVA_BYTE).withName("name")).withName("pshm_type_area");

    public static final StructLayout SLOT = MemoryLayout.structLayout(
            JAVA_LONG.withName("sequence"),
            JAVA_INT.withName("length"),
            JAVA_INT.withName("flags")).withName("pshm_slot");

    // identity, relative to the object
    public static final long MAGIC_OFFSET = offset(IDENTITY, "magic");
    public static final long VERSION_MAJOR_OFFSET = offset(IDENTITY, "version_major");
    public static final long VERSION_MINOR_OFFSET = offset(IDENTITY, "version_minor");
    public static final long HEADER_SIZE_OFFSET = offset(IDENTITY, "header_size");
    public static final long SLOT_COUNT_OFFSET = offset(IDENTITY, "slot_count");
    public static final long SLOT_SIZE_OFFSET = offset(IDENTITY, "slot_size");
    public static final long MAX_PAYLOAD_OFFSET = offset(IDENTITY, "max_payload");
    public static final long FLAGS_OFFSET = offset(IDENTITY, "flags");
    public static final long TOTAL_SIZE_OFFSET = offset(IDENTITY, "total_size");
    public static final long LAYOUT_HASH_OFFSET = offset(IDENTITY, "layout_hash");
    public static final long CREATION_TIME_OFFSET = offset(IDENTITY, "creation_time_ns");
    public static final long CREATOR_PID_OFFSET = offset(IDENTITY, "creator_pid");
    public static final long MAX_PEERS_OFFSET = offset(IDENTITY, "max_peers");
    public static final long STATE_OFFSET = offset(IDENTITY, "state");
    public static final long ROLE_LOCKS_OFFSET = offset(IDENTITY, "role_locks");
    public static final long TYPE_SIZE_OFFSET = offset(IDENTITY, "type_size");
    public static final long FANOUT_MODE_OFFSET = offset(IDENTITY, "fanout_mode");

    // the type area, relative to the area (at peersEnd(max_peers)); a field record relative to the record
    /** The bytes "PSHMTYPE" on a little-endian host. */
    public static final long TYPE_MAGIC = 0x4550595448534D50L;
    public static final int TYPE_NAME_SIZE = 32;
    public static final int FIELD_NAME_SIZE = 48;
    public static final int MAX_FIELDS = 1024;
    public static final int MAX_TYPE_ALIGN = SLOT_ALIGN;
    public static final int KIND_INT = 1;
    public static final int KIND_UINT = 2;
    public static final int KIND_FLOAT = 3;
    public static final int KIND_BYTES = 4;
    public static final long TYPE_HEADER_SIZE = TYPE_AREA.byteSize();
    public static final long TYPE_FIELD_SIZE = TYPE_FIELD.byteSize();
    public static final long TYPE_MAGIC_OFFSET = offset(TYPE_AREA, "magic");
    public static final long TYPE_AREA_SIZE_OFFSET = offset(TYPE_AREA, "area_size");
    public static final long TYPE_FIELD_COUNT_OFFSET = offset(TYPE_AREA, "field_count");
    public static final long TYPE_STRUCT_SIZE_OFFSET = offset(TYPE_AREA, "struct_size");
    public static final long TYPE_STRUCT_ALIGN_OFFSET = offset(TYPE_AREA, "struct_align");
    public static final long TYPE_HASH_OFFSET = offset(TYPE_AREA, "type_hash");
    public static final long TYPE_NAME_OFFSET = offset(TYPE_AREA, "name");
    public static final long FIELD_NAME_OFFSET = offset(TYPE_FIELD, "name");
    public static final long FIELD_OFFSET_OFFSET = offset(TYPE_FIELD, "offset");
    public static final long FIELD_SIZE_OFFSET = offset(TYPE_FIELD, "size");
    public static final long FIELD_KIND_OFFSET = offset(TYPE_FIELD, "kind");
    public static final long FIELD_ELEMENT_SIZE_OFFSET = offset(TYPE_FIELD, "element_size");

    // cursors, waiters and counters, relative to the object
    public static final long TAIL_OFFSET = offset(HEADER, "tail");
    public static final long HEAD_OFFSET = offset(HEADER, "head");
    public static final long RELEASED_OFFSET = offset(HEADER, "released");
    public static final long CONSUMERS_WAITING_OFFSET = offset(HEADER, "consumers_waiting");
    public static final long PRODUCERS_WAITING_OFFSET = offset(HEADER, "producers_waiting");
    /** Peers that sleep with a fence instead of membarrier; publishers fence while it is non-zero. */
    public static final long FENCED_SLEEPERS_OFFSET = offset(HEADER, "fenced_sleepers");
    /** Fan-out rings: the futex word every sleeping consumer waits on; a publish moves it and wakes them all. */
    public static final long DATA_EPOCH_OFFSET = offset(HEADER, "data_epoch");
    public static final long COUNTERS_OFFSET = offset(HEADER, "counters");
    public static final long ABANDONED_BY_PRODUCERS_OFFSET = COUNTERS_OFFSET + offset(COUNTERS, "abandoned_by_producers");
    public static final long LOST_IN_CONSUMERS_OFFSET = COUNTERS_OFFSET + offset(COUNTERS, "lost_in_consumers");
    public static final long DATA_POSTS_OFFSET = COUNTERS_OFFSET + offset(COUNTERS, "data_posts");
    public static final long SPACE_POSTS_OFFSET = COUNTERS_OFFSET + offset(COUNTERS, "space_posts");
    public static final long PEERS_RECLAIMED_OFFSET = COUNTERS_OFFSET + offset(COUNTERS, "peers_reclaimed");
    public static final long CORRUPT_SLOTS_OFFSET = COUNTERS_OFFSET + offset(COUNTERS, "corrupt_slots");
    public static final long FANOUT_DROPPED_OFFSET = COUNTERS_OFFSET + offset(COUNTERS, "fanout_dropped");
    public static final long FANOUT_OVERWRITTEN_OFFSET = COUNTERS_OFFSET + offset(COUNTERS, "fanout_overwritten");

    // a peer entry, relative to the entry
    public static final long PEER_STATE_OFFSET = offset(PEER, "state");
    public static final long PEER_ROLE_OFFSET = offset(PEER, "role");
    public static final long PEER_PID_OFFSET = offset(PEER, "pid");
    public static final long PEER_LANGUAGE_OFFSET = offset(PEER, "language");
    public static final long PEER_ATTACH_TIME_OFFSET = offset(PEER, "attach_time_ns");
    public static final long PEER_CLAIM_START_OFFSET = offset(PEER, "claim_start");
    public static final long PEER_CLAIM_END_OFFSET = offset(PEER, "claim_end");
    public static final long PEER_MESSAGES_OFFSET = offset(PEER, "messages");
    public static final long PEER_WAITING_ON_OFFSET = offset(PEER, "waiting_on");
    public static final long PEER_FENCED_SLEEPER_OFFSET = offset(PEER, "fenced_sleeper");
    public static final long PEER_PID_NS_OFFSET = offset(PEER, "pid_ns");
    /** 3.6: a single producer's {@code claim_end}, written once at attach: it owns every position from the tail on. */
    public static final long INTENT_OPEN_END = Long.MAX_VALUE;

    // a slot, relative to the slot
    public static final long SLOT_SEQUENCE_OFFSET = offset(SLOT, "sequence");
    public static final long SLOT_LENGTH_OFFSET = offset(SLOT, "length");
    public static final long SLOT_FLAGS_OFFSET = offset(SLOT, "flags");

    /** Access modes on (segment, offset): plain, acquire/release, volatile and CAS all work on aligned offsets. */
    static final VarHandle LONG = JAVA_LONG.varHandle();
    static final VarHandle INT = JAVA_INT.varHandle();

    /**
     * The fields the layout hash covers, in the order of the C header's pshm_layout_hash(): those of
     * layout 3.0, without reserved bytes, which a minor version may put to use.
     */
    private static final List<HashedStruct> HASHED = List.of(
            new HashedStruct(IDENTITY, List.of("magic", "version_major", "version_minor", "header_size", "slot_count",
                    "slot_size", "max_payload", "flags", "total_size", "layout_hash", "creation_time_ns", "creator_pid",
                    "max_peers", "state", "role_locks")),
            new HashedStruct(HEADER, List.of("tail", "head", "released", "consumers_waiting", "producers_waiting", "fenced_sleepers",
                    "counters")),
            new HashedStruct(COUNTERS, List.of("abandoned_by_producers", "lost_in_consumers", "data_posts",
                    "space_posts", "peers_reclaimed", "corrupt_slots")),
            new HashedStruct(PEER, List.of("state", "role", "pid", "language", "attach_time_ns", "claim_start",
                    "claim_end", "messages", "waiting_on", "fenced_sleeper")),
            new HashedStruct(SLOT, List.of("sequence", "length", "flags")));

    /** FNV-1a over (offset, size) of every field, as 8 little-endian bytes each: equal to C's pshm_layout_hash(). */
    public static final long LAYOUT_HASH = layoutHash();

    private RingLayout() {
    }

    private record HashedStruct(StructLayout struct, List<String> fields) {
    }

    private static long offset(StructLayout struct, String field) {
        return struct.byteOffset(groupElement(field));
    }

    private static long layoutHash() {
        long hash = 0xcbf29ce484222325L;
        for (HashedStruct hashed : HASHED) {
            for (String field : hashed.fields()) {
                hash = hashStep(hash, offset(hashed.struct(), field));
                hash = hashStep(hash, hashed.struct().select(groupElement(field)).byteSize());
            }
        }
        return hash;
    }

    private static long hashStep(long hash, long value) {
        for (int i = 0; i < 8; i++) {
            hash ^= (value >>> (8 * i)) & 0xff;
            hash *= 0x100000001b3L;
        }
        return hash;
    }

    /**
     * A slot's {@code length} and {@code flags} as the one 8-byte word they form at
     * {@link #SLOT_LENGTH_OFFSET} (native order: the hot paths read and write them together).
     */
    static long lengthAndFlags(int length, int flags) {
        return NATIVE_LITTLE_ENDIAN ? (length & 0xFFFF_FFFFL) | ((long) flags << 32)
                : ((long) length << 32) | (flags & 0xFFFF_FFFFL);
    }

    static int lengthOf(long lengthAndFlags) {
        return (int) (NATIVE_LITTLE_ENDIAN ? lengthAndFlags : lengthAndFlags >>> 32);
    }

    static int flagsOf(long lengthAndFlags) {
        return (int) (NATIVE_LITTLE_ENDIAN ? lengthAndFlags >>> 32 : lengthAndFlags);
    }

    private static final boolean NATIVE_LITTLE_ENDIAN = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

    /** Bytes per slot for messages of up to {@code maxPayload} bytes. */
    public static int slotSizeFor(int maxPayload) {
        return (int) align(SLOT_HEADER_SIZE + (long) maxPayload, SLOT_ALIGN);
    }

    /** Where a peer table of {@code maxPeers} entries ends: a typed ring's type area, else slot 0. */
    public static int peersEnd(int maxPeers) {
        return (int) align(PEERS_OFFSET + (long) maxPeers * PEER_SIZE, LINE);
    }

    /** Offset of slot 0: the peer table, then a type area of {@code typeSize} bytes (0: untyped). */
    public static int headerSizeFor(int maxPeers, int typeSize) {
        return (int) (peersEnd(maxPeers) + align(Integer.toUnsignedLong(typeSize), LINE));
    }

    /** Bytes of a type area with {@code fieldCount} fields. */
    public static long typeAreaSize(int fieldCount) {
        return TYPE_HEADER_SIZE + (long) fieldCount * TYPE_FIELD_SIZE;
    }

    public static long peerOffset(int index) {
        return PEERS_OFFSET + (long) index * PEER_SIZE;
    }

    /** Held by whoever initialises a ring, until it is READY: free while INITIALISING, its creator died. */
    public static final long CREATOR_LOCK_OFFSET = ROLE_LOCKS_OFFSET + ROLE_NONE;
    /** A half-made ring unchanged this long, its creator lock free, is abandoned: a new creator takes it over. */
    public static final long ABANDONED_AFTER_NANOS = 1_000_000_000L;

    public static long roleLockOffset(int role) {
        return ROLE_LOCKS_OFFSET + role;
    }

    static long align(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    /** The doorbell semaphore names of ring {@code name}: consumers sleep on data, producers on space. */
    public static String dataBellName(String name) {
        return name + ".data";
    }

    public static String spaceBellName(String name) {
        return name + ".space";
    }
}
