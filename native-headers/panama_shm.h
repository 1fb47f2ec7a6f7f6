/* SPDX-License-Identifier: Apache-2.0 */
/*
 * panama_shm.h — the panama-shm ring: a bounded producer–consumer buffer in one POSIX
 * shared-memory object, shared by C and Java processes on one Linux host.
 *
 * This header is the specification of layout version 3 (docs/PROTOCOL.md explains it in prose)
 * and a header-only C implementation of it: C11, <stdatomic.h>, glibc 2.34+, 64-bit Linux.
 *
 * Object "/NAME" (all integers native-endian, offsets in bytes):
 *
 *     0   identity      written once by the creator, then `state` goes INITIALISING -> READY
 *   128   tail          producer position: the next position a producer will claim
 *   256   head          consumer position: the next position a consumer will claim
 *   264   released      single-consumer rings: every position below it is consumed (0 otherwise)
 *   384   waiters       how many consumers / producers sleep (or are about to) on a doorbell
 *   512   counters      statistics: slots abandoned by dead peers, doorbell posts, ...
 *   640   peers[max_peers]   one 64-byte entry per attached process, byte 0 held with an OFD lock
 *   peers_end           typed rings: the type area, what every message is (a struct, field by field)
 *   header_size         slots[slot_count], slot_size bytes each: 16-byte slot header + payload
 *
 * Positions are 64-bit counters that never wrap in practice; position p lives in slot
 * p & (slot_count - 1). Each slot's `sequence` == p + 1 says the slot holds the published message of
 * position p. How a slot becomes free again depends on the ring:
 *   - rings with several consumers (D. Vyukov's bounded queue): the consumer of p stores
 *     sequence = p + slot_count, which is "free for position p + slot_count"; a producer claims
 *     position t when its slot's sequence == t;
 *   - single-consumer rings: the consumer stores `released` once after a batch, as Lamport's ring
 *     does; a producer claims t while t < released + slot_count, and never reads the slot;
 *   - fan-out rings (3.5, PSHM_FLAG_FANOUT): every consumer reads every message from a cursor of its
 *     own (its peer entry's claim_start) and writes nothing else; the one producer claims t while
 *     t < (lowest live cursor) + slot_count, as the Disruptor's slowest sequence gates its producer.
 *
 * Two named semaphores are doorbells: "/NAME.data" wakes consumers, "/NAME.space" wakes producers.
 * A side posts only when the waiter counter says someone sleeps, so the uncontended path makes no
 * system call. It needs no fence either: a side about to sleep issues an asymmetric barrier
 * (membarrier(2), MEMBARRIER_CMD_GLOBAL_EXPEDITED) that fences every registered peer for it.
 *
 * Functions return 0 or a non-negative result on success and a negative errno value on failure:
 * -EAGAIN (would block), -ETIMEDOUT, -EPIPE (ring closed for writing, or end of stream),
 * -EMSGSIZE (message larger than the ring's maximum, or than the caller's buffer), -EBUSY (a
 * single-producer/consumer ring already has one), -EPROTO (not a valid ring of this version, a
 * doorbell missing, or a corrupted slot), -EBADF (pshm_attach on a handle inherited across fork),
 * or the errno of a failed system call.
 *
 * A handle is for one thread at a time, and belongs to the process that opened it. After fork, a
 * child that keeps running (no exec) must call pshm_detach on every inherited handle at once (there
 * it only closes the handle: an inherited descriptor would keep the parent's locks, and so the
 * parent, alive to its peers after the parent's death) and open its own handles. pshm_attach refuses
 * an inherited handle; the other calls do not check, to stay free of system calls.
 *
 * Include this header before any system header (or compile with -D_GNU_SOURCE).
 *
 * API. These are the calls to use; every other function in this file is a building block of them
 * (the protocol's steps, named as docs/PROTOCOL.md names them) and may change between versions.
 *
 *   Lifecycle
 *     int pshm_create(pshm_ring *r, const char *name, const pshm_spec *spec);
 *         create the ring NAME exclusively, storage reserved; the handle is attached in no role
 *     int pshm_open(pshm_ring *r, const char *name, uint32_t role, int64_t ready_timeout_ns);
 *         open NAME, validated, and attach as PSHM_ROLE_PRODUCER / _CONSUMER (or _NONE)
 *     int pshm_open_wait(pshm_ring *r, const char *name, uint32_t role, int64_t wait_ns);
 *         the same, waiting up to wait_ns for NAME to be created
 *     int pshm_attach(pshm_ring *r, uint32_t role, uint32_t language);
 *         attach a created (or role-less) handle as producer or consumer
 *     int pshm_set_wait(pshm_ring *r, int policy, int64_t spin_ns);
 *         how waiting calls wait: PSHM_WAIT_STANDARD, _SPIN or _SLEEP
 *     void pshm_detach(pshm_ring *r);
 *         release what the handle holds, leave the peer table, unmap and close
 *     int pshm_unlink(const char *name);
 *         remove NAME and its doorbells (attached peers keep working until they detach)
 *   Message types (typed rings: every message is one C struct, described in the ring, PROTOCOL.md §3.8)
 *     PSHM_DESCRIBE(NAME, T, PSHM_MEMBER(T, field), ...)
 *         describe struct T once, next to it: defines const pshm_type *NAME_type(void) (spec.type creates)
 *     int pshm_open_typed(pshm_ring *r, const char *name, uint32_t role, const pshm_type *type, int64_t ready_ns);
 *     int pshm_open_wait_typed(pshm_ring *r, const char *name, uint32_t role, const pshm_type *type, int64_t wait_ns);
 *         pshm_open, pshm_open_wait refusing a ring of another type, or none: -EPROTO, the first difference in pshm_error
 *     const pshm_type_area *pshm_message_type(const pshm_ring *r);
 *         the ring's type, NULL if untyped
 *   Fan-out rings (every consumer reads every message, PROTOCOL.md §14)
 *     spec.flags = PSHM_FLAG_FANOUT | PSHM_FLAG_SINGLE_PRODUCER, spec.fanout_mode = PSHM_FANOUT_*
 *         create one; consumers then use the calls below unchanged, each reading the whole stream
 *         from the message published after it attached. BLOCK (the default): the slowest live
 *         consumer gates the producer. OVERWRITE: the producer never waits, consumers read copies
 *         (pshm_receive_n takes one at a time) and skip what was overwritten before they read it
 *     uint64_t pshm_messages_lost(const pshm_ring *r);
 *         overwrite mode: positions this consumer skipped because the producer lapped it
 *   Producing
 *     int pshm_send(pshm_ring *r, const void *data, uint32_t length, int64_t timeout_ns);
 *         copy one message in
 *     int pshm_claim(pshm_ring *r, uint32_t length, void **payload, int64_t timeout_ns);
 *     int pshm_commit(pshm_ring *r, uint32_t length);
 *     int pshm_abort(pshm_ring *r);
 *         one message written in place, then published (or given up)
 *     int pshm_claim_n(pshm_ring *r, uint32_t count, uint32_t length, int64_t timeout_ns);
 *     void *pshm_batch_payload(const pshm_ring *r, uint32_t i);
 *     int pshm_batch_set_length(pshm_ring *r, uint32_t i, uint32_t length);
 *     int pshm_commit_n(pshm_ring *r);
 *     int pshm_abort_n(pshm_ring *r);
 *         up to count messages with one move of the tail, published with one look at the doorbell
 *     void pshm_close_for_writing(pshm_ring *r);
 *         end of stream: producers get -EPIPE, consumers drain and then get -EPIPE
 *   Consuming
 *     int pshm_receive(pshm_ring *r, void *buffer, uint32_t capacity, int64_t timeout_ns);
 *         copy one message out
 *     int pshm_receive_zc(pshm_ring *r, const void **payload, uint32_t *length, int64_t timeout_ns);
 *     int pshm_release(pshm_ring *r);
 *         one message read in place, then given back
 *     int pshm_receive_n(pshm_ring *r, uint32_t max, int64_t timeout_ns);
 *     const void *pshm_batch_message(const pshm_ring *r, uint32_t i, uint32_t *length);
 *     int pshm_release_n(pshm_ring *r);
 *         up to max messages with one move of the head, given back together
 *   Looking at a ring
 *     const char *pshm_error(const pshm_ring *r);
 *         why the last call failed, in words, where the code alone does not say
 *     void pshm_stats_read(const pshm_ring *r, pshm_stats *s);
 *         state, cursors, depth, counters and live peers (what `panama-shm inspect` shows)
 *     int pshm_validate(const pshm_header *h, uint64_t object_size, char *why, size_t why_size);
 *         whether a mapped header is a ring this header can use, and if not why
 *     uint64_t pshm_layout_hash(void);
 *         the hash of this layout, stored by creators and checked by openers
 */
#ifndef PANAMA_SHM_H
#define PANAMA_SHM_H

/* glibc fixes its feature set at the first system header: after one included without _GNU_SOURCE
 * nothing here would compile, so say that once and leave the rest out */
#if defined(_FEATURES_H) && !defined(__USE_GNU)
#error "panama_shm.h needs _GNU_SOURCE: include it before any system header, or compile with -D_GNU_SOURCE"
#else

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* F_OFD_SETLK, sem_clockwait */
#endif

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>


/*
 * C11 atomics, or from C++17 on the same operations on std::atomic<T>, which on the supported
 * compilers has the size, alignment and representation of T (checked below with the layout).
 */
#ifdef __cplusplus
#include <atomic>
#define PSHM_ATOMIC(T) std::atomic<T>
#define PSHM_STATIC_ASSERT(condition, message) static_assert(condition, message)
using std::atomic_compare_exchange_strong_explicit;
using std::atomic_compare_exchange_weak_explicit;
using std::atomic_exchange_explicit;
using std::atomic_fetch_add_explicit;
using std::atomic_fetch_sub_explicit;
using std::atomic_load_explicit;
using std::atomic_signal_fence;
using std::atomic_store_explicit;
using std::atomic_thread_fence;
using std::memory_order_acq_rel;
using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;
using std::memory_order_seq_cst;
#else
#include <stdatomic.h>
#define PSHM_ATOMIC(T) _Atomic T
#define PSHM_STATIC_ASSERT(condition, message) _Static_assert(condition, message)
#endif
PSHM_STATIC_ASSERT(ATOMIC_LLONG_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2,
                   "atomics shared between processes must be lock-free");

/* ---- constants ------------------------------------------------------------------------------ */

#define PSHM_MAGIC UINT64_C(0x474E49524D485350)  /* the bytes "PSHMRING" on a little-endian host */
#define PSHM_VERSION_MAJOR 3                     /* incompatible layout or protocol changes */
#define PSHM_VERSION_MINOR 6                     /* compatible additions: reserved bytes, optional flags */

#define PSHM_LINE 128                /* padding unit: two 64-byte lines, beats adjacent-line prefetch */
#define PSHM_SLOT_HEADER_SIZE 16       /* sequence, length, flags: a 64-byte message fits in 80 bytes */
#define PSHM_SLOT_ALIGN 16
#define PSHM_PEER_SIZE 64
#define PSHM_PEERS_OFFSET 640
#define PSHM_DEFAULT_MAX_PEERS 64
#define PSHM_MAX_PEERS 4096
#define PSHM_MAX_SLOTS (UINT32_C(1) << 30)
#define PSHM_MAX_PAYLOAD (UINT32_C(1) << 30)
#define PSHM_MAX_NAME 245            /* ring name after '/', leaving room for ".space" in semaphore names */

/* identity.flags */
#define PSHM_FLAG_SINGLE_PRODUCER UINT32_C(1)  /* at most one producer attached: no CAS on tail */
#define PSHM_FLAG_SINGLE_CONSUMER UINT32_C(2)  /* at most one consumer attached: no CAS on head */
#define PSHM_FLAG_TYPED UINT32_C(4)            /* 3.4: carries a message type (type area, §3.8); every message is one */
#define PSHM_FLAG_FANOUT UINT32_C(8)           /* 3.5: every consumer reads every message; needs SINGLE_PRODUCER */
#define PSHM_KNOWN_FLAGS (PSHM_FLAG_SINGLE_PRODUCER | PSHM_FLAG_SINGLE_CONSUMER | PSHM_FLAG_TYPED | PSHM_FLAG_FANOUT)

/* identity.fanout_mode of a FANOUT ring */
#define PSHM_FANOUT_BLOCK 1u       /* the slowest live consumer gates the producer: nothing is lost */
#define PSHM_FANOUT_OVERWRITE 2u   /* the producer never waits: a lapped consumer skips what was overwritten, counted */
/* A reader refuses a ring with an unknown flag in the low 16 bits; unknown high bits are optional. */
#define PSHM_REQUIRED_FLAGS_MASK UINT32_C(0xFFFF)

/* identity.state */
#define PSHM_STATE_INITIALISING 0u
#define PSHM_STATE_READY 1u
#define PSHM_STATE_CLOSED 2u   /* closed for writing: consumers drain, then see end of stream */

/* peer.role, also the index of the role lock byte (identity.role_locks[role]) */
#define PSHM_ROLE_NONE 0u
#define PSHM_ROLE_PRODUCER 1u
#define PSHM_ROLE_CONSUMER 2u

/* peer.state */
#define PSHM_PEER_FREE 0u
#define PSHM_PEER_ACTIVE 1u

/* 3.6: the claim_end of a single producer's intent, written once at attach: [tail, this) is all it will claim */
#define PSHM_INTENT_OPEN_END INT64_MAX

/* peer.waiting_on: the doorbell a peer sleeps on */
#define PSHM_BELL_NONE 0u
#define PSHM_BELL_DATA 1u
#define PSHM_BELL_SPACE 2u

/* peer.language */
#define PSHM_LANGUAGE_C 1u
#define PSHM_LANGUAGE_JAVA 2u

/* Wait policies (pshm_set_wait): what a call does when it finds nothing to do */
#define PSHM_WAIT_STANDARD 0   /* spin for spin_ns, yield for as long again, then sleep on the doorbell */
#define PSHM_WAIT_SPIN 1       /* spin until work or the deadline: lowest latency, one busy core per waiter */
#define PSHM_WAIT_SLEEP 2      /* sleep on the doorbell at once: least CPU */
#define PSHM_DEFAULT_SPIN_NS INT64_C(50000)  /* longer than a cross-core wake-up (~25-30 us), see BENCHMARKS.md */

/* slot.flags */
#define PSHM_SLOT_SKIP UINT32_C(1)  /* published without a message (a claim given up): consumers skip it */

/* ---- layout --------------------------------------------------------------------------------- */

typedef struct pshm_identity {
    uint64_t magic;              /*  0: PSHM_MAGIC */
    uint16_t version_major;      /*  8 */
    uint16_t version_minor;      /* 10 */
    uint32_t header_size;        /* 12: offset of slot 0; a multiple of PSHM_LINE */
    uint32_t slot_count;         /* 16: a power of two, 2 .. PSHM_MAX_SLOTS */
    uint32_t slot_size;          /* 20: bytes per slot, header included; a multiple of PSHM_SLOT_ALIGN */
    uint32_t max_payload;        /* 24: largest message; <= slot_size - PSHM_SLOT_HEADER_SIZE */
    uint32_t flags;              /* 28: PSHM_FLAG_* */
    uint64_t total_size;         /* 32: header_size + slot_count * slot_size == size of the object */
    uint64_t layout_hash;        /* 40: pshm_layout_hash() of the creator */
    uint64_t creation_time_ns;   /* 48: CLOCK_REALTIME */
    uint32_t creator_pid;        /* 56 */
    uint32_t max_peers;          /* 60: entries in the peer table, 1 .. PSHM_MAX_PEERS */
    PSHM_ATOMIC(uint32_t) state;      /* 64: PSHM_STATE_*; READY is stored with release after all else */
    uint8_t role_locks[4];       /* 68: byte [role] is OFD-locked by the single producer / consumer;
                                    byte 68 (role NONE) by the creator until the ring is READY */
    uint32_t type_size;          /* 72: bytes of the type area (PSHM_FLAG_TYPED rings; 0 otherwise) */
    uint32_t fanout_mode;        /* 76: PSHM_FANOUT_* in a FANOUT ring (3.5); 0 otherwise */
    uint8_t reserved[48];        /* 80: zero */
} pshm_identity;

typedef struct pshm_counters {
    PSHM_ATOMIC(uint64_t) abandoned_by_producers;  /* positions skipped because their producer died */
    PSHM_ATOMIC(uint64_t) lost_in_consumers;       /* messages taken by a consumer that died before releasing */
    PSHM_ATOMIC(uint64_t) data_posts;              /* sem_post calls on the data doorbell */
    PSHM_ATOMIC(uint64_t) space_posts;             /* sem_post calls on the space doorbell */
    PSHM_ATOMIC(uint64_t) peers_reclaimed;         /* peer entries of dead processes taken over */
    PSHM_ATOMIC(uint64_t) corrupt_slots;           /* slots found with a sequence no correct peer writes there */
    PSHM_ATOMIC(uint64_t) fanout_dropped;          /* 3.5: dead fan-out consumers the producer stopped waiting for */
    PSHM_ATOMIC(uint64_t) fanout_overwritten;      /* 3.5: positions overwrite-mode consumers skipped, lapped */
    uint8_t reserved[PSHM_LINE - 8 * 8];
} pshm_counters;

typedef struct pshm_header {
    pshm_identity identity;                           /*   0 */
    PSHM_ATOMIC(uint64_t) tail;                            /* 128 */
    uint8_t tail_pad[PSHM_LINE - 8];
    PSHM_ATOMIC(uint64_t) head;                            /* 256 */
    PSHM_ATOMIC(uint64_t) released;                        /* 264: single-consumer rings only, written by the consumer */
    uint8_t head_pad[PSHM_LINE - 16];
    PSHM_ATOMIC(uint32_t) consumers_waiting;               /* 384 */
    PSHM_ATOMIC(uint32_t) producers_waiting;               /* 388 */
    PSHM_ATOMIC(uint32_t) fenced_sleepers;                 /* 392: peers that sleep without membarrier; publishers fence while > 0 */
    PSHM_ATOMIC(uint32_t) data_epoch;                      /* 396: 3.5, fan-out rings: futex word every consumer sleeps on */
    uint8_t waiters_pad[PSHM_LINE - 16];
    pshm_counters counters;                           /* 512 */
} pshm_header;                                        /* 640 = PSHM_PEERS_OFFSET */

/*
 * One attached process. Byte 0 of the entry is held with an exclusive F_OFD_SETLK lock for as long
 * as the entry is in use; the kernel drops the lock when the process dies, so F_OFD_GETLK tells
 * anyone whether the holder lives. claim_start/claim_end is the range of positions the peer owns
 * or is about to take: written before the CAS on the cursor, and emptied (end = start) after a
 * failed CAS before the peer waits. A single producer writes it once, at attach: [tail, open end).
 */
typedef struct pshm_peer {
    PSHM_ATOMIC(uint32_t) state;            /*  0: PSHM_PEER_* (the lock byte is this word's first byte) */
    uint32_t role;                     /*  4: PSHM_ROLE_* */
    uint32_t pid;                      /*  8 */
    uint32_t language;                 /* 12: PSHM_LANGUAGE_* */
    uint64_t attach_time_ns;           /* 16: CLOCK_REALTIME */
    PSHM_ATOMIC(uint64_t) claim_start;      /* 24 */
    PSHM_ATOMIC(uint64_t) claim_end;        /* 32 */
    PSHM_ATOMIC(uint64_t) messages;         /* 40: messages sent or received by this peer */
    PSHM_ATOMIC(uint32_t) waiting_on;       /* 48: PSHM_BELL_* while asleep, so a dead sleeper's count can be undone */
    PSHM_ATOMIC(uint32_t) fenced_sleeper;   /* 52: 1 while this peer counts in header.fenced_sleepers */
    uint64_t pid_ns;                   /* 56: inode of the peer's PID namespace (/proc/self/ns/pid); 0 unknown */
} pshm_peer;

typedef struct pshm_slot {
    PSHM_ATOMIC(uint64_t) sequence;         /*  0: see the top of this file */
    uint32_t length;                   /*  8: payload bytes, <= max_payload */
    uint32_t flags;                    /* 12: PSHM_SLOT_* */
    /* payload follows at PSHM_SLOT_HEADER_SIZE */
} pshm_slot;

PSHM_STATIC_ASSERT(sizeof(pshm_identity) == 128, "identity is one line");
PSHM_STATIC_ASSERT(offsetof(pshm_header, tail) == 128, "tail offset");
PSHM_STATIC_ASSERT(offsetof(pshm_header, head) == 256, "head offset");
PSHM_STATIC_ASSERT(offsetof(pshm_header, released) == 264, "released offset");
PSHM_STATIC_ASSERT(offsetof(pshm_header, consumers_waiting) == 384, "waiters offset");
PSHM_STATIC_ASSERT(offsetof(pshm_header, counters) == 512, "counters offset");
PSHM_STATIC_ASSERT(sizeof(pshm_header) == PSHM_PEERS_OFFSET, "peer table offset");
PSHM_STATIC_ASSERT(sizeof(pshm_peer) == PSHM_PEER_SIZE, "peer entry size");
PSHM_STATIC_ASSERT(sizeof(pshm_slot) == PSHM_SLOT_HEADER_SIZE, "slot header size");
PSHM_STATIC_ASSERT(sizeof(PSHM_ATOMIC(uint64_t)) == 8 && sizeof(PSHM_ATOMIC(uint32_t)) == 4, "plain-sized atomics");

/*
 * FNV-1a over (offset, size) of every field of layout 3.0 below, in this order. Any such field that
 * moves or changes size changes the hash; the creator stores it and every opener compares. Reserved
 * bytes are not hashed: a minor version may put them to use without changing the hash.
 */
static inline uint64_t pshm_hash_step(uint64_t hash, uint64_t value) {
    for (int i = 0; i < 8; i++) {
        hash ^= (value >> (8 * i)) & 0xff;
        hash *= UINT64_C(0x100000001b3);
    }
    return hash;
}

#define PSHM_FIELD(h, type, field) \
    (h = pshm_hash_step(pshm_hash_step(h, offsetof(type, field)), sizeof(((type *)0)->field)))

static inline uint64_t pshm_layout_hash(void) {
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    PSHM_FIELD(h, pshm_identity, magic);            PSHM_FIELD(h, pshm_identity, version_major);
    PSHM_FIELD(h, pshm_identity, version_minor);    PSHM_FIELD(h, pshm_identity, header_size);
    PSHM_FIELD(h, pshm_identity, slot_count);       PSHM_FIELD(h, pshm_identity, slot_size);
    PSHM_FIELD(h, pshm_identity, max_payload);      PSHM_FIELD(h, pshm_identity, flags);
    PSHM_FIELD(h, pshm_identity, total_size);       PSHM_FIELD(h, pshm_identity, layout_hash);
    PSHM_FIELD(h, pshm_identity, creation_time_ns); PSHM_FIELD(h, pshm_identity, creator_pid);
    PSHM_FIELD(h, pshm_identity, max_peers);        PSHM_FIELD(h, pshm_identity, state);
    PSHM_FIELD(h, pshm_identity, role_locks);
    PSHM_FIELD(h, pshm_header, tail);               PSHM_FIELD(h, pshm_header, head);
    PSHM_FIELD(h, pshm_header, released);
    PSHM_FIELD(h, pshm_header, consumers_waiting);  PSHM_FIELD(h, pshm_header, producers_waiting);
    PSHM_FIELD(h, pshm_header, fenced_sleepers);
    PSHM_FIELD(h, pshm_header, counters);
    PSHM_FIELD(h, pshm_counters, abandoned_by_producers); PSHM_FIELD(h, pshm_counters, lost_in_consumers);
    PSHM_FIELD(h, pshm_counters, data_posts);       PSHM_FIELD(h, pshm_counters, space_posts);
    PSHM_FIELD(h, pshm_counters, peers_reclaimed);  PSHM_FIELD(h, pshm_counters, corrupt_slots);
    PSHM_FIELD(h, pshm_peer, state);                PSHM_FIELD(h, pshm_peer, role);
    PSHM_FIELD(h, pshm_peer, pid);                  PSHM_FIELD(h, pshm_peer, language);
    PSHM_FIELD(h, pshm_peer, attach_time_ns);       PSHM_FIELD(h, pshm_peer, claim_start);
    PSHM_FIELD(h, pshm_peer, claim_end);            PSHM_FIELD(h, pshm_peer, messages);
    PSHM_FIELD(h, pshm_peer, waiting_on);           PSHM_FIELD(h, pshm_peer, fenced_sleeper);
    PSHM_FIELD(h, pshm_slot, sequence);             PSHM_FIELD(h, pshm_slot, length);
    PSHM_FIELD(h, pshm_slot, flags);
    return h;
}

/* ---- message types (PROTOCOL.md §3.8) ------------------------------------------------------------ */

/*
 * A typed ring (PSHM_FLAG_TYPED) says what every message is: a C struct described field by field in
 * a type area between the peer table and the slots. Describe a struct once, next to it:
 *
 *     struct order { int64_t id; double price; int32_t qty; char symbol[8]; };
 *     PSHM_DESCRIBE(order, struct order,
 *                   PSHM_MEMBER(struct order, id), PSHM_MEMBER(struct order, price),
 *                   PSHM_MEMBER(struct order, qty), PSHM_MEMBER(struct order, symbol))
 *
 * which defines `const pshm_type *order_type(void)` for pshm_spec.type and pshm_open_typed. Members
 * of nested structs are named as offsetof names them (PSHM_MEMBER(struct t, leg.price)). The kind of
 * each member comes from its C type; pointers do not compile (they mean nothing in another process).
 * Payloads are 16-byte aligned, so a struct aligned to at most 16 may be read and written in place.
 */
#define PSHM_TYPE_MAGIC UINT64_C(0x4550595448534D50)   /* the bytes "PSHMTYPE" on a little-endian host */
#define PSHM_TYPE_HEADER_SIZE 64
#define PSHM_TYPE_FIELD_SIZE 64
#define PSHM_TYPE_NAME_SIZE 32       /* NUL included */
#define PSHM_FIELD_NAME_SIZE 48      /* NUL included */
#define PSHM_MAX_FIELDS 1024
#define PSHM_MAX_TYPE_ALIGN PSHM_SLOT_ALIGN

/* pshm_type_field.kind */
#define PSHM_KIND_INT 1u     /* signed two's-complement integer(s) of element_size 1, 2, 4 or 8 */
#define PSHM_KIND_UINT 2u    /* unsigned integer(s) of element_size 1, 2, 4 or 8 */
#define PSHM_KIND_FLOAT 3u   /* IEEE 754 binary32 or binary64 value(s): element_size 4 or 8 */
#define PSHM_KIND_BYTES 4u   /* a char (or byte) array: element_size 1 */

/* One field: these 64 bytes are also its record in the type area. size / element_size elements. */
typedef struct pshm_type_field {
    char name[PSHM_FIELD_NAME_SIZE];  /*  0: dotted path, NUL-terminated, zero-padded */
    uint32_t offset;                  /* 48: from the start of the struct */
    uint32_t size;                    /* 52: bytes */
    uint32_t kind;                    /* 56: PSHM_KIND_* */
    uint32_t element_size;            /* 60: size of one element; == size for a scalar */
} pshm_type_field;

/* The type area's first 64 bytes; field_count records follow. Written once, before READY. */
typedef struct pshm_type_area {
    uint64_t magic;                   /*  0: PSHM_TYPE_MAGIC */
    uint32_t area_size;               /*  8: 64 + 64 * field_count == identity.type_size */
    uint32_t field_count;             /* 12: 1 .. PSHM_MAX_FIELDS */
    uint32_t struct_size;             /* 16: sizeof the struct == max_payload: every message has this length */
    uint32_t struct_align;            /* 20: _Alignof the struct: a power of two <= 16 */
    uint64_t type_hash;               /* 24: FNV-1a over the area's bytes, these 8 taken as zero */
    char name[PSHM_TYPE_NAME_SIZE];   /* 32: NUL-terminated, zero-padded */
} pshm_type_area;

/* A program's description of a struct (not shared memory): what PSHM_DESCRIBE makes. */
typedef struct pshm_type {
    const char *name;
    uint32_t size;
    uint32_t align;
    uint32_t field_count;
    const pshm_type_field *fields;
} pshm_type;

PSHM_STATIC_ASSERT(sizeof(pshm_type_field) == PSHM_TYPE_FIELD_SIZE, "type field record size");
PSHM_STATIC_ASSERT(sizeof(pshm_type_area) == PSHM_TYPE_HEADER_SIZE, "type area header size");
PSHM_STATIC_ASSERT(offsetof(pshm_identity, type_size) == 72, "type_size offset");

/* A field of kind K: the name is checked to fit at compile time. */
#define PSHM_MEMBER_AS(T, member, K, element)                                                         \
    { #member, (uint32_t)(offsetof(T, member)                                                         \
                          + 0 * sizeof(char[sizeof(#member) <= PSHM_FIELD_NAME_SIZE ? 1 : -1])),     \
      (uint32_t)sizeof(((T *)0)->member), K, (uint32_t)(element) }

#ifndef __cplusplus
/* The kind of a member from its C type; arrays of 1-byte types are bytes (text), other arrays keep
 * their element's kind. A plain char is i8 whatever its signedness here, as Java's byte (and
 * jextract's char) is. 0 for anything else (structs, pointers), which PSHM_MEMBER refuses. */
#define PSHM_KIND_OF(x) _Generic((x),                                                                 \
    char: PSHM_KIND_INT, signed char: PSHM_KIND_INT,                                                  \
    short: PSHM_KIND_INT, int: PSHM_KIND_INT, long: PSHM_KIND_INT, long long: PSHM_KIND_INT,          \
    _Bool: PSHM_KIND_UINT, unsigned char: PSHM_KIND_UINT, unsigned short: PSHM_KIND_UINT,             \
    unsigned int: PSHM_KIND_UINT, unsigned long: PSHM_KIND_UINT, unsigned long long: PSHM_KIND_UINT,  \
    float: PSHM_KIND_FLOAT, double: PSHM_KIND_FLOAT,                                                  \
    char *: PSHM_KIND_BYTES, signed char *: PSHM_KIND_BYTES, unsigned char *: PSHM_KIND_BYTES,        \
    _Bool *: PSHM_KIND_BYTES,                                                                         \
    short *: PSHM_KIND_INT, int *: PSHM_KIND_INT, long *: PSHM_KIND_INT, long long *: PSHM_KIND_INT,  \
    unsigned short *: PSHM_KIND_UINT, unsigned int *: PSHM_KIND_UINT, unsigned long *: PSHM_KIND_UINT,\
    unsigned long long *: PSHM_KIND_UINT, float *: PSHM_KIND_FLOAT, double *: PSHM_KIND_FLOAT,        \
    default: 0u)
#define PSHM_ELEMENT_SIZE(x) _Generic((x), char *: 1, signed char *: 1, unsigned char *: 1, _Bool *: 1, \
    short *: sizeof(short), int *: sizeof(int), long *: sizeof(long), long long *: sizeof(long long), \
    unsigned short *: sizeof(short), unsigned int *: sizeof(int), unsigned long *: sizeof(long),      \
    unsigned long long *: sizeof(long long), float *: sizeof(float), double *: sizeof(double),        \
    default: sizeof(x))
/* an array decays in _Generic, so PSHM_KIND_OF takes a pointer member for an array: &member tells them apart */
#define PSHM_NOT_POINTER(x) _Generic(&(x), char **: 0, signed char **: 0, unsigned char **: 0, _Bool **: 0,  \
    short **: 0,                                                                                      \
    int **: 0, long **: 0, long long **: 0, unsigned short **: 0, unsigned int **: 0, unsigned long **: 0,   \
    unsigned long long **: 0, float **: 0, double **: 0, default: 1)
/* the kind, or a compile error for a member that is no integer, float or array of them */
#define PSHM_MEMBER_KIND(x) \
    (PSHM_KIND_OF(x) + 0 * sizeof(char[PSHM_KIND_OF(x) != 0 && PSHM_NOT_POINTER(x) ? 1 : -1]))
#define PSHM_MEMBER(T, member) \
    PSHM_MEMBER_AS(T, member, PSHM_MEMBER_KIND(((T *)0)->member), PSHM_ELEMENT_SIZE(((T *)0)->member))
#endif

/* Defines `static inline const pshm_type *NAME_type(void)` describing struct type T as NAME. */
#define PSHM_DESCRIBE(NAME, T, ...)                                                                   \
    PSHM_STATIC_ASSERT(sizeof(#NAME) <= PSHM_TYPE_NAME_SIZE, "type name too long");                   \
    PSHM_STATIC_ASSERT(__alignof__(T) <= PSHM_MAX_TYPE_ALIGN, "slots are 16-byte aligned");              \
    static inline const pshm_type *NAME##_type(void) {                                                \
        static const pshm_type_field fields[] = {__VA_ARGS__};                                        \
        static const pshm_type type = {#NAME, (uint32_t)sizeof(T), (uint32_t)__alignof__(T),           \
                                       (uint32_t)(sizeof fields / sizeof fields[0]), fields};         \
        return &type;                                                                                 \
    }

static inline uint64_t pshm_type_area_size(uint32_t field_count) {
    return PSHM_TYPE_HEADER_SIZE + (uint64_t)field_count * PSHM_TYPE_FIELD_SIZE;
}

/* FNV-1a, byte by byte, over the area's bytes with type_hash (24..31) taken as zero. */
static inline uint64_t pshm_type_hash(const void *area, uint64_t size) {
    const uint8_t *bytes = (const uint8_t *)area;
    uint64_t hash = UINT64_C(0xcbf29ce484222325);
    for (uint64_t i = 0; i < size; i++) {
        hash ^= i >= offsetof(pshm_type_area, type_hash) && i < offsetof(pshm_type_area, name) ? 0 : bytes[i];
        hash *= UINT64_C(0x100000001b3);
    }
    return hash;
}

/* Field records go in order of offset, then name (byte-wise), so one struct has one area. */
static inline int pshm_field_before(const pshm_type_field *a, const pshm_type_field *b) {
    return a->offset != b->offset ? a->offset < b->offset : strncmp(a->name, b->name, PSHM_FIELD_NAME_SIZE) < 0;
}

/* A name in a type area: 1 .. size-1 printable ASCII bytes without spaces, then zeros. */
static inline int pshm_type_name_ok(const char *name, size_t size) {
    size_t n = strnlen(name, size);
    if (n == 0 || n == size) return 0;
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)name[i];
        if (i < n ? c < 0x21 || c > 0x7e : c != 0) return 0;
    }
    return 1;
}

/* Whether kind, element size and size go together (PROTOCOL.md §3.8). */
static inline int pshm_field_shape_ok(uint32_t kind, uint32_t element, uint32_t size) {
    int element_ok = kind == PSHM_KIND_BYTES ? element == 1
                   : kind == PSHM_KIND_FLOAT ? element == 4 || element == 8
                   : kind == PSHM_KIND_INT || kind == PSHM_KIND_UINT ? element == 1 || element == 2 || element == 4
                                                                        || element == 8
                   : 0;
    return element_ok && size >= element && size % element == 0;
}

/*
 * Writes the area for `type` into area[0 .. pshm_type_area_size(n)) (zeroed by the caller): header,
 * records in order, hash. -EINVAL with the reason in why if the description is not a valid type.
 */
static inline int pshm_type_write(void *area, const pshm_type *type, char *why, size_t why_size) {
#define PSHM_BAD_TYPE(...) return (snprintf(why, why_size, __VA_ARGS__), -EINVAL)
    if (type->name == NULL || strlen(type->name) >= PSHM_TYPE_NAME_SIZE) PSHM_BAD_TYPE("a type needs a name of 1 .. 31 bytes");
    if (type->field_count < 1 || type->field_count > PSHM_MAX_FIELDS) {
        PSHM_BAD_TYPE("type %.31s has %u fields, not 1 .. %u", type->name, type->field_count, PSHM_MAX_FIELDS);
    }
    if (type->size < 1 || type->size > PSHM_MAX_PAYLOAD || type->align < 1 || type->align > PSHM_MAX_TYPE_ALIGN
        || (type->align & (type->align - 1)) || type->size % type->align) {
        PSHM_BAD_TYPE("type %.31s: size %u and alignment %u (a power of two up to 16 dividing the size)", type->name,
                      type->size, type->align);
    }
    pshm_type_area *head = (pshm_type_area *)area;
    pshm_type_field *records = (pshm_type_field *)((uint8_t *)area + PSHM_TYPE_HEADER_SIZE);
    head->magic = PSHM_TYPE_MAGIC;
    head->area_size = (uint32_t)pshm_type_area_size(type->field_count);
    head->field_count = type->field_count;
    head->struct_size = type->size;
    head->struct_align = type->align;
    memcpy(head->name, type->name, strlen(type->name));   /* shorter than the field: checked above */
    if (!pshm_type_name_ok(head->name, PSHM_TYPE_NAME_SIZE)) PSHM_BAD_TYPE("type name \"%.31s\" is not printable ASCII without spaces", type->name);
    for (uint32_t i = 0; i < type->field_count; i++) {   /* insertion sort: descriptions are short */
        pshm_type_field f;
        memset(&f, 0, sizeof f);
        const pshm_type_field *given = &type->fields[i];
        size_t length = strnlen(given->name, PSHM_FIELD_NAME_SIZE);
        memcpy(f.name, given->name, length < PSHM_FIELD_NAME_SIZE ? length : 0);
        f.offset = given->offset;
        f.size = given->size;
        f.kind = given->kind;
        f.element_size = given->element_size;
        if (!pshm_type_name_ok(f.name, PSHM_FIELD_NAME_SIZE)) {
            PSHM_BAD_TYPE("type %.31s: field name \"%.47s\" is not 1 .. 47 printable bytes without spaces", type->name, given->name);
        }
        if (!pshm_field_shape_ok(f.kind, f.element_size, f.size)) {
            PSHM_BAD_TYPE("type %.31s: field \"%.47s\" has kind %u, element size %u and size %u", type->name, f.name, f.kind,
                          f.element_size, f.size);
        }
        if ((uint64_t)f.offset + f.size > type->size) {
            PSHM_BAD_TYPE("type %.31s: field \"%.47s\" (offset %u, %u bytes) ends beyond the struct's %u bytes", type->name,
                          f.name, f.offset, f.size, type->size);
        }
        for (uint32_t j = 0; j < i; j++) {
            if (strncmp(records[j].name, f.name, PSHM_FIELD_NAME_SIZE) == 0) {
                PSHM_BAD_TYPE("type %.31s: field \"%.47s\" is described twice", type->name, f.name);
            }
        }
        uint32_t at = i;
        while (at > 0 && pshm_field_before(&f, &records[at - 1])) {
            records[at] = records[at - 1];
            at--;
        }
        records[at] = f;
    }
    head->type_hash = pshm_type_hash(area, head->area_size);
    return 0;
#undef PSHM_BAD_TYPE
}

/* Field record i of a type area. */
static inline const pshm_type_field *pshm_area_field(const void *area, uint32_t i) {
    return (const pshm_type_field *)((const uint8_t *)area + PSHM_TYPE_HEADER_SIZE + (size_t)i * PSHM_TYPE_FIELD_SIZE);
}

/*
 * This program's area for `type` (malloc'd, as pshm_type_write makes it) in *area and its size in
 * *size: 0, -ENOMEM, or -EINVAL with the reason in why.
 */
static inline int pshm_type_area_new(const pshm_type *type, uint8_t **area, uint32_t *size, char *why, size_t why_size) {
    *area = NULL;
    if (type->field_count < 1 || type->field_count > PSHM_MAX_FIELDS) {
        return (snprintf(why, why_size, "a type has 1 .. %u fields", PSHM_MAX_FIELDS), -EINVAL);
    }
    *size = (uint32_t)pshm_type_area_size(type->field_count);
    uint8_t *bytes = (uint8_t *)calloc(1, *size);
    if (bytes == NULL) return -ENOMEM;
    int rc = pshm_type_write(bytes, type, why, why_size);
    if (rc) {
        free(bytes);
        return rc;
    }
    *area = bytes;
    return 0;
}

/*
 * Checks a type area of `size` bytes as found in a ring (any byte may be damaged): 0, or -EPROTO
 * with the reason in why. Reads each value once.
 */
static inline int pshm_type_validate(const void *area, uint64_t size, uint32_t max_payload, char *why, size_t why_size) {
#define PSHM_BAD_AREA(...) return (snprintf(why, why_size, "its message type is damaged: " __VA_ARGS__), -EPROTO)
    pshm_type_area head;
    if (size < pshm_type_area_size(1)) PSHM_BAD_AREA("type_size %llu is too small", (unsigned long long)size);
    memcpy(&head, area, sizeof head);
    if (head.magic != PSHM_TYPE_MAGIC) PSHM_BAD_AREA("magic 0x%016llx", (unsigned long long)head.magic);
    if (head.area_size != size || head.field_count < 1 || head.field_count > PSHM_MAX_FIELDS
        || pshm_type_area_size(head.field_count) != size) {
        PSHM_BAD_AREA("area_size %u and field_count %u for a %llu-byte area", head.area_size, head.field_count,
                      (unsigned long long)size);
    }
    if (head.struct_size != max_payload || head.struct_align < 1 || head.struct_align > PSHM_MAX_TYPE_ALIGN
        || (head.struct_align & (head.struct_align - 1)) || head.struct_size % head.struct_align) {
        PSHM_BAD_AREA("struct size %u and alignment %u (max_payload %u)", head.struct_size, head.struct_align, max_payload);
    }
    if (!pshm_type_name_ok(head.name, PSHM_TYPE_NAME_SIZE)) PSHM_BAD_AREA("its name is not 1 .. 31 printable bytes");
    pshm_type_field previous;
    for (uint32_t i = 0; i < head.field_count; i++) {
        pshm_type_field f;
        memcpy(&f, (const uint8_t *)area + PSHM_TYPE_HEADER_SIZE + (size_t)i * PSHM_TYPE_FIELD_SIZE, sizeof f);
        if (!pshm_type_name_ok(f.name, PSHM_FIELD_NAME_SIZE)) PSHM_BAD_AREA("field %u's name is not 1 .. 47 printable bytes", i);
        if (!pshm_field_shape_ok(f.kind, f.element_size, f.size) || (uint64_t)f.offset + f.size > head.struct_size) {
            PSHM_BAD_AREA("field \"%.47s\": kind %u, element size %u, %u bytes at offset %u", f.name, f.kind,
                          f.element_size, f.size, f.offset);
        }
        if (i > 0 && !pshm_field_before(&previous, &f)) PSHM_BAD_AREA("field \"%.47s\" is out of order", f.name);
        for (uint32_t j = 0; j < i; j++) {   /* names are unique: records are sorted by offset, so look at all */
            if (strncmp(pshm_area_field(area, j)->name, f.name, PSHM_FIELD_NAME_SIZE) == 0) {
                PSHM_BAD_AREA("field \"%.47s\" is described twice", f.name);
            }
        }
        previous = f;
    }
    uint64_t hash = pshm_type_hash(area, size);
    if (head.type_hash != hash) {
        PSHM_BAD_AREA("type_hash 0x%016llx, its bytes give 0x%016llx", (unsigned long long)head.type_hash,
                      (unsigned long long)hash);
    }
    return 0;
#undef PSHM_BAD_AREA
}

/* How a field reads in messages: i32, u8, f64, bytes[8], i32[4]. */
static inline void pshm_field_describe(const pshm_type_field *f, char *out, size_t size) {
    const char *kind = f->kind == PSHM_KIND_INT ? "i" : f->kind == PSHM_KIND_UINT ? "u"
                     : f->kind == PSHM_KIND_FLOAT ? "f" : "bytes";
    if (f->kind == PSHM_KIND_BYTES) snprintf(out, size, "bytes[%u]", f->size);
    else if (f->size == f->element_size) snprintf(out, size, "%s%u", kind, 8 * f->element_size);
    else snprintf(out, size, "%s%u[%u]", kind, 8 * f->element_size, f->element_size ? f->size / f->element_size : 0);
}

static inline const pshm_type_field *pshm_area_find(const void *area, const char *name) {
    const pshm_type_area *head = (const pshm_type_area *)area;
    for (uint32_t i = 0; i < head->field_count; i++) {
        if (strncmp(pshm_area_field(area, i)->name, name, PSHM_FIELD_NAME_SIZE) == 0) return pshm_area_field(area, i);
    }
    return NULL;
}

/*
 * Compares a ring's type area (there: validated, and a private copy, as pshm_copy_type makes it) with
 * this program's (here, as pshm_type_write makes it): 0 if equal, else -EPROTO and the first
 * difference in words, the same as Java's:
 * ring /orders carries order (32 bytes): field "price" is at offset 8 as f64 there, at offset 16 here
 */
static inline int pshm_type_compare(const char *ring, const void *there, const void *here, char *why, size_t why_size) {
    const pshm_type_area *t = (const pshm_type_area *)there, *h = (const pshm_type_area *)here;
    if (t->area_size == h->area_size && memcmp(there, here, t->area_size) == 0) return 0;
    int n = snprintf(why, why_size, "ring %s carries %.31s (%u bytes): ", ring, t->name, t->struct_size);
    char *rest = why + (n < 0 ? 0 : (size_t)n < why_size ? (size_t)n : why_size - 1);
    size_t room = why_size - (size_t)(rest - why);
    char a[32], b[32];
#define PSHM_DIFFERS(...) return (snprintf(rest, room, __VA_ARGS__), -EPROTO)
    if (strncmp(t->name, h->name, PSHM_TYPE_NAME_SIZE) != 0) {
        PSHM_DIFFERS("this program's type is %.31s (%u bytes)", h->name, h->struct_size);
    }
    for (uint32_t i = 0; i < t->field_count; i++) {
        const pshm_type_field *x = pshm_area_field(there, i), *y = pshm_area_find(here, x->name);
        if (y == NULL) PSHM_DIFFERS("field \"%.47s\" missing here", x->name);
        pshm_field_describe(x, a, sizeof a);
        pshm_field_describe(y, b, sizeof b);
        int same_shape = strcmp(a, b) == 0;
        if (x->offset != y->offset && same_shape) {
            PSHM_DIFFERS("field \"%.47s\" is at offset %u as %s there, at offset %u here", x->name, x->offset, a, y->offset);
        }
        if (x->offset != y->offset) {
            PSHM_DIFFERS("field \"%.47s\" is at offset %u as %s there, at offset %u as %s here", x->name, x->offset, a,
                         y->offset, b);
        }
        if (!same_shape) PSHM_DIFFERS("field \"%.47s\" is %s there, %s here", x->name, a, b);
    }
    for (uint32_t i = 0; i < h->field_count; i++) {
        const pshm_type_field *y = pshm_area_field(here, i);
        if (pshm_area_find(there, y->name) == NULL) PSHM_DIFFERS("field \"%.47s\" missing there", y->name);
    }
    if (t->struct_size != h->struct_size) PSHM_DIFFERS("it is %u bytes there, %u here", t->struct_size, h->struct_size);
    PSHM_DIFFERS("it is aligned to %u there, to %u here", t->struct_align, h->struct_align);
#undef PSHM_DIFFERS
}

/* ---- a process's handle ----------------------------------------------------------------------- */

typedef struct pshm_spec {
    uint32_t slot_count;    /* power of two >= 2 */
    uint32_t max_payload;   /* >= 1; with a type, 0 or the type's size */
    uint32_t flags;         /* PSHM_FLAG_* (PSHM_FLAG_TYPED follows from `type`) */
    uint32_t max_peers;     /* 0 = PSHM_DEFAULT_MAX_PEERS */
    uint32_t mode;          /* permission bits of the object and semaphores (owner rw required); 0 = 0600 */
    const pshm_type *type;  /* the message type (e.g. from PSHM_DESCRIBE), or NULL for any bytes */
    uint32_t fanout_mode;   /* PSHM_FLAG_FANOUT rings: PSHM_FANOUT_BLOCK (also 0) or PSHM_FANOUT_OVERWRITE */
} pshm_spec;

typedef struct pshm_ring {
    pshm_header *header;
    uint8_t *slots;
    size_t map_size;
    int fd;
    sem_t *data_bell;      /* consumers sleep here */
    sem_t *space_bell;     /* producers sleep here */
    uint64_t mask;
    uint32_t slot_size;
    uint32_t max_payload;
    uint32_t min_length;   /* typed rings: max_payload, as every message has the type's size; else 0 */
    pshm_type_area *type;  /* typed rings: a validated private copy of the type area (malloc); else NULL */
    uint32_t flags;
    uint32_t max_peers;    /* validated copy: a header changed later cannot widen our scans */
    pid_t pid;             /* the process that opened this handle; it is not usable after fork */
    uint32_t role;         /* PSHM_ROLE_* this handle attached as */
    int peer_index;        /* our entry in the peer table, -1 if none */
    pshm_peer *peer;
    uint64_t released;     /* single-consumer rings, producer: a copy of header->released (it only grows) */
    uint64_t claimed;      /* first position claimed (producer) or taken (consumer), not yet committed/released */
    uint32_t batch;        /* how many positions from `claimed` */
    int has_claim;         /* 0, or the role of the pending claim */
    int barrier;           /* 1: membarrier works here, so publishes skip the fence (see pshm_publish_barrier) */
    int fenced_sleeper;    /* 1: this handle sleeps with a fence only, publishers fence for it (PSHM_WAIT_SLEEP) */
    int eos_confirmed;     /* an end of stream was seen after an asymmetric barrier (see pshm_end_of_stream) */
    int fanout;            /* a FANOUT ring: consumers read by their own cursor (peer claim_start) */
    uint64_t cursor;       /* fan-out consumer: the next position it reads (mirror of peer->claim_start) */
    int dropped;           /* fan-out consumer: its entry was taken for a dead one's; it writes there no more */
    int overwrite;         /* a fan-out ring in PSHM_FANOUT_OVERWRITE mode: consumers read copies, checked by the tail */
    uint8_t *copy;         /* overwrite-mode consumer: the message taken, copied out of its slot (max_payload bytes) */
    uint32_t copy_length;  /* its length */
    uint64_t lost;         /* overwrite-mode consumer: positions it skipped because the producer lapped it */
    uint64_t gate;         /* fan-out producer: a lower bound of every gating cursor; UINT64_MAX: scan first */
    int wait_policy;       /* PSHM_WAIT_* */
    int64_t spin_ns;       /* PSHM_WAIT_STANDARD: how long to spin (and then yield) before sleeping */
    uint64_t messages;     /* mirror of peer->messages */
    uint32_t idle_polls;   /* failed attempts, across calls: every PSHM_CHECK_EVERY-th looks for dead peers ... */
    int64_t next_check_ns; /* ... if the clock (CLOCK_MONOTONIC) has reached this: see pshm_check_due */
    int check_next;        /* set by pshm_recovered: the next failed attempt looks, in a later call too */
    uint64_t stuck_position;  /* the position this handle last found held by another peer ... */
    int64_t stuck_since;      /* ... and since when (CLOCK_MONOTONIC), across calls */
    char name[PSHM_MAX_NAME + 2];
    char error[256];          /* why the last call returned -EPROTO (or another error it explains) */
} pshm_ring;

/* ---- small helpers ---------------------------------------------------------------------------- */

/* What went wrong in the last call that failed with an explanation (-EPROTO mostly); "" if none. */
static inline const char *pshm_error(const pshm_ring *r) {
    return r->error;
}

/* Records why a call fails with `rc`, printf-style, and returns rc. */
__attribute__((format(printf, 3, 4)))
static inline int pshm_fail(pshm_ring *r, int rc, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(r->error, sizeof r->error, format, args);
    va_end(args);
    return rc;
}

static inline pshm_slot *pshm_slot_at(const pshm_ring *r, uint64_t position) {
    return (pshm_slot *)(r->slots + (size_t)(position & r->mask) * r->slot_size);
}

/* Single-consumer rings give slots back by one cursor, `released`; the others slot by slot. */
static inline int pshm_releases_by_cursor(const pshm_ring *r) {
    return (r->flags & PSHM_FLAG_SINGLE_CONSUMER) != 0;
}

static inline uint8_t *pshm_payload(pshm_slot *slot) {
    return (uint8_t *)slot + PSHM_SLOT_HEADER_SIZE;
}

static inline pshm_peer *pshm_peer_at(const pshm_header *h, uint32_t index) {
    return (pshm_peer *)((uint8_t *)h + PSHM_PEERS_OFFSET + (size_t)index * PSHM_PEER_SIZE);
}

static inline uint64_t pshm_peer_lock_offset(uint32_t index) {
    return PSHM_PEERS_OFFSET + (uint64_t)index * PSHM_PEER_SIZE;
}

static inline uint64_t pshm_role_lock_offset(uint32_t role) {
    return offsetof(pshm_identity, role_locks) + role;
}

/* Held by whoever initialises the ring, from shm_open until READY: free while INITIALISING means its creator died. */
#define PSHM_CREATOR_LOCK_OFFSET (offsetof(pshm_identity, role_locks) + PSHM_ROLE_NONE)
#define PSHM_ABANDONED_AFTER_NS INT64_C(1000000000)  /* a half-made ring untouched this long, unlocked, is abandoned */

static inline uint64_t pshm_align(uint64_t value, uint64_t alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

static inline uint32_t pshm_slot_size_for(uint32_t max_payload) {
    return (uint32_t)pshm_align(PSHM_SLOT_HEADER_SIZE + (uint64_t)max_payload, PSHM_SLOT_ALIGN);
}

/* Where the peer table ends: the type area of a typed ring, else slot 0. */
static inline uint32_t pshm_peers_end(uint32_t max_peers) {
    return (uint32_t)pshm_align(PSHM_PEERS_OFFSET + (uint64_t)max_peers * PSHM_PEER_SIZE, PSHM_LINE);
}

/* Offset of slot 0: the peer table, then a typed ring's type area of type_size bytes (0: none). */
static inline uint32_t pshm_header_size_for(uint32_t max_peers, uint32_t type_size) {
    return (uint32_t)(pshm_peers_end(max_peers) + pshm_align(type_size, PSHM_LINE));
}

static inline int64_t pshm_now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The CLOCK_MONOTONIC deadline of a wait of timeout_ns (< 0: for ever), saturating instead of overflowing. */
static inline int64_t pshm_deadline(int64_t timeout_ns) {
    int64_t now = pshm_now_ns(CLOCK_MONOTONIC);
    return timeout_ns < 0 || timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
}

/* Semaphore name of a doorbell: "/NAME.data" or "/NAME.space". */
static inline int pshm_bell_name(char *out, size_t size, const char *ring_name, const char *bell) {
    int n = snprintf(out, size, "%s.%s", ring_name, bell);
    return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

static inline int pshm_check_name(const char *name) {
    size_t length = strlen(name);
    if (name[0] != '/' || length < 2 || length - 1 > PSHM_MAX_NAME || strchr(name + 1, '/') != NULL
        || strcmp(name, "/.") == 0 || strcmp(name, "/..") == 0) {
        return -EINVAL;
    }
    return 0;
}

/* OFD lock helpers: the kernel drops these locks when the descriptor closes or the process dies. */
static inline struct flock pshm_one_byte(uint64_t offset, short type) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);   /* not an initializer list: C++ wants every field named */
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = (off_t)offset;
    fl.l_len = 1;
    return fl;
}

static inline int pshm_ofd_lock(int fd, uint64_t offset, short type) {
    struct flock fl = pshm_one_byte(offset, type);
    return fcntl(fd, F_OFD_SETLK, &fl) == 0 ? 0 : -errno;
}

/* 1 if another open file description holds a lock on the byte, 0 if not, negative on error. */
static inline int pshm_ofd_locked_by_others(int fd, uint64_t offset) {
    struct flock fl = pshm_one_byte(offset, F_WRLCK);
    if (fcntl(fd, F_OFD_GETLK, &fl) != 0) {
        return -errno;
    }
    return fl.l_type != F_UNLCK;
}

/* ---- asymmetric barrier ----------------------------------------------------------------------- */

/*
 * The doorbell handshake is Dekker's: a publisher stores its publication, then loads the waiter count;
 * a sleeper stores its announcement, then loads the publication. Each side needs StoreLoad order. The
 * sleeper (the rare side) gets it for both with membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED), which
 * returns only after every running thread of every registered process has executed a full barrier;
 * the publisher (the frequent side) then needs only its store and load in program order, which
 * atomic_signal_fence (a compiler barrier, no instruction) keeps. A process where membarrier is
 * unavailable (old kernel, seccomp, or PSHM_MEMBARRIER=0 in the environment) fences its publishes and
 * sleeps in short slices, since its own barrier cannot reach the others.
 */
static inline long pshm_membarrier(int command) {
    return syscall(__NR_membarrier, command, 0, 0);
}

/* Registers this process for global expedited barriers, once per process (a fork child registers anew). */
static inline int pshm_barrier_register(void) {
    static PSHM_ATOMIC(pid_t) registered_pid;
    static PSHM_ATOMIC(int) available;
    pid_t pid = getpid();
    if (atomic_load_explicit(&registered_pid, memory_order_acquire) == pid) {
        return atomic_load_explicit(&available, memory_order_relaxed);
    }
    const char *setting = getenv("PSHM_MEMBARRIER");
    long query = setting != NULL && strcmp(setting, "0") == 0 ? -1 : pshm_membarrier(MEMBARRIER_CMD_QUERY);
    int ok = query >= 0 && (query & MEMBARRIER_CMD_GLOBAL_EXPEDITED)
          && (query & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED)
          && pshm_membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0;
    atomic_store_explicit(&available, ok, memory_order_relaxed);
    atomic_store_explicit(&registered_pid, pid, memory_order_release);
    return ok;
}

/*
 * Between a publication (or release) and the look at the waiter count: no instruction when registered
 * and no peer sleeps fenced (see pshm_set_fenced_sleeper); the count of fenced sleepers shares the
 * waiter counts' cache line, which the caller reads next anyway.
 */
static inline void pshm_publish_barrier(const pshm_ring *r) {
    if (r->barrier) {
        atomic_signal_fence(memory_order_seq_cst);
        if (atomic_load_explicit(&r->header->fenced_sleepers, memory_order_relaxed) == 0) return;
    }
    atomic_thread_fence(memory_order_seq_cst);
}

/* The rare side's barrier. Returns 1 if it fenced every registered peer, 0 if only this thread. */
static inline int pshm_peer_barrier(const pshm_ring *r) {
    if (r->barrier && pshm_membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0) return 1;
    atomic_thread_fence(memory_order_seq_cst);
    return 0;
}

/*
 * A peer that sleeps at every wait (PSHM_WAIT_SLEEP) would pay a membarrier per sleep, which costs
 * inter-processor interrupts (~11 us on a VM when the other side runs). Instead it counts itself in
 * header.fenced_sleepers and issues ONE membarrier: every registered publisher passes a full barrier
 * after the count is visible, so all its later publishes see it and fence, and this peer's sleeps need
 * only a fence of their own (Dekker with fences on both sides). The count goes up before the peer's
 * flag and the flag is cleared before the count goes down, so a death in between leaves the count too
 * high (publishers fence needlessly), never too low; a reclaimed dead entry takes its count back.
 */
static inline void pshm_set_fenced_sleeper(pshm_ring *r, int on) {
    /* an inherited handle (fork) must not touch its parent's entry: see pshm_attach */
    if (r->peer == NULL || on == r->fenced_sleeper || (on && !r->barrier) || r->pid != getpid()) return;
    if (on) {
        atomic_fetch_add_explicit(&r->header->fenced_sleepers, 1, memory_order_seq_cst);
        atomic_store_explicit(&r->peer->fenced_sleeper, 1, memory_order_seq_cst);
        if (pshm_membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0) {
            r->fenced_sleeper = 1;
            return;
        }
        on = 0;  /* cannot make publishers see the count: stay a membarrier sleeper, take the count back */
    }
    if (!on) {
        r->fenced_sleeper = 0;
        if (atomic_exchange_explicit(&r->peer->fenced_sleeper, 0, memory_order_seq_cst) == 1) {
            atomic_fetch_sub_explicit(&r->header->fenced_sleepers, 1, memory_order_seq_cst);
        }
    }
}

/* ---- lifecycle ---------------------------------------------------------------------------------- */

static inline void pshm_unmap(pshm_ring *r) {
    if (r->data_bell != NULL && r->data_bell != SEM_FAILED) sem_close(r->data_bell);
    if (r->space_bell != NULL && r->space_bell != SEM_FAILED) sem_close(r->space_bell);
    if (r->header != NULL) munmap(r->header, r->map_size);
    if (r->fd >= 0) close(r->fd);
    free(r->type);
    r->type = NULL;
    free(r->copy);
    r->copy = NULL;
    r->data_bell = r->space_bell = NULL;
    r->header = NULL;
    r->fd = -1;
}

/* sem_open applies the umask and gives no descriptor; on Linux the semaphore is /dev/shm/sem.NAME. */
static inline int pshm_chmod_bell(const char *bell_name, mode_t mode) {
    char path[PSHM_MAX_NAME + 32];
    if (snprintf(path, sizeof path, "/dev/shm/sem.%s", bell_name + 1) >= (int)sizeof path) return 0;
    return chmod(path, mode) == 0 || errno == ENOENT ? 0 : -1;   /* ENOENT: not glibc's layout */
}

/*
 * glibc maps /dev/shm/sem.NAME without looking at it, and a short file faults (SIGBUS) at the first
 * sem_* call: the doorbell must be a regular file of sizeof(sem_t) bytes owned by the ring's owner.
 */
static inline int pshm_check_bell_file(pshm_ring *r, const char *bell_name) {
    char path[PSHM_MAX_NAME + 32];
    if (snprintf(path, sizeof path, "/dev/shm/sem.%s", bell_name + 1) >= (int)sizeof path) return -ENAMETOOLONG;
    struct stat bell, ring;
    if (lstat(path, &bell) != 0) {
        return errno == ENOENT ? pshm_fail(r, -EPROTO, "its doorbell %s is missing", bell_name) : -errno;
    }
    if (fstat(r->fd, &ring) != 0) return -errno;
    if (!S_ISREG(bell.st_mode)) return pshm_fail(r, -EPROTO, "its doorbell %s is not a regular file", path);
    if (bell.st_size != (off_t)sizeof(sem_t)) {
        return pshm_fail(r, -EPROTO, "its doorbell %s has %lld bytes, a semaphore has %zu", path,
                         (long long)bell.st_size, sizeof(sem_t));
    }
    if (bell.st_uid != ring.st_uid) {
        return pshm_fail(r, -EPROTO, "its doorbell %s belongs to uid %u, the ring to uid %u", path,
                         (unsigned)bell.st_uid, (unsigned)ring.st_uid);
    }
    return 0;
}

static inline int pshm_open_bells(pshm_ring *r, int create, mode_t mode) {
    char data[PSHM_MAX_NAME + 16], space[PSHM_MAX_NAME + 16];
    if (pshm_bell_name(data, sizeof data, r->name, "data") || pshm_bell_name(space, sizeof space, r->name, "space")) {
        return -ENAMETOOLONG;
    }
    if (create) {
        /* the object was created exclusively, so semaphores of that name are leftovers of a dead ring */
        sem_unlink(data);
        sem_unlink(space);
        r->data_bell = sem_open(data, O_CREAT | O_EXCL, mode, 0);
        r->space_bell = r->data_bell == SEM_FAILED ? SEM_FAILED : sem_open(space, O_CREAT | O_EXCL, mode, 0);
        if (r->data_bell == SEM_FAILED || r->space_bell == SEM_FAILED) {
            int rc = -errno;
            sem_unlink(data);
            sem_unlink(space);
            return rc;
        }
        if (pshm_chmod_bell(data, mode) != 0 || pshm_chmod_bell(space, mode) != 0) {
            int rc = -errno;
            sem_unlink(data);
            sem_unlink(space);
            return rc;
        }
        return 0;
    }
    int rc = pshm_check_bell_file(r, data);
    if (rc == 0) rc = pshm_check_bell_file(r, space);
    if (rc) return rc;
    r->data_bell = sem_open(data, 0);
    r->space_bell = r->data_bell == SEM_FAILED ? SEM_FAILED : sem_open(space, 0);
    if (r->data_bell == SEM_FAILED || r->space_bell == SEM_FAILED) {
        /* the object exists but a doorbell does not (removed since the check) */
        return errno == ENOENT ? pshm_fail(r, -EPROTO, "a doorbell of ring %s is missing", r->name) : -errno;
    }
    return 0;
}

/*
 * Checks a private copy of a ring's identity, with the `state` loaded from the ring, against an
 * object of object_size bytes mapped at base, and a typed ring's type area there: 0, or -EPROTO with
 * the reason (which field, which value) in why[why_size] (why may be NULL). Every value comes from
 * the copy, so a peer writing the identity meanwhile cannot move what was checked.
 */
static inline int pshm_validate_identity(const pshm_identity *id, uint32_t state, const uint8_t *base,
                                         uint64_t object_size, char *why, size_t why_size) {
    char none[1];
    if (why == NULL) { why = none; why_size = sizeof none; }
#define PSHM_INVALID(...) return (snprintf(why, why_size, __VA_ARGS__), -EPROTO)
    if (id->magic != PSHM_MAGIC) PSHM_INVALID("not a panama-shm ring: magic 0x%016llx", (unsigned long long)id->magic);
    if (id->version_major != PSHM_VERSION_MAJOR) {
        PSHM_INVALID("layout version %u.%u, this program reads version %u", id->version_major, id->version_minor,
                     PSHM_VERSION_MAJOR);
    }
    if (id->layout_hash != pshm_layout_hash()) {
        PSHM_INVALID("layout hash 0x%016llx, this program's is 0x%016llx", (unsigned long long)id->layout_hash,
                     (unsigned long long)pshm_layout_hash());
    }
    if (id->slot_count < 2 || id->slot_count > PSHM_MAX_SLOTS || (id->slot_count & (id->slot_count - 1))) {
        PSHM_INVALID("slot_count %u is not a power of two in 2 .. %u", id->slot_count, PSHM_MAX_SLOTS);
    }
    if (id->max_peers < 1 || id->max_peers > PSHM_MAX_PEERS) {
        PSHM_INVALID("max_peers %u is not in 1 .. %u", id->max_peers, PSHM_MAX_PEERS);
    }
    uint32_t type_size = id->flags & PSHM_FLAG_TYPED ? id->type_size : 0;
    if ((id->flags & PSHM_FLAG_TYPED)
        && (type_size < pshm_type_area_size(1) || type_size > pshm_type_area_size(PSHM_MAX_FIELDS))) {
        PSHM_INVALID("type_size %u is not in %u .. %u", type_size, (unsigned)pshm_type_area_size(1),
                     (unsigned)pshm_type_area_size(PSHM_MAX_FIELDS));
    }
    if (id->header_size != pshm_header_size_for(id->max_peers, type_size)) {
        PSHM_INVALID("header_size %u, but %u peers%s need %u", id->header_size, id->max_peers,
                     type_size ? " and the type area" : "", pshm_header_size_for(id->max_peers, type_size));
    }
    if (id->max_payload < 1 || id->max_payload > PSHM_MAX_PAYLOAD) {
        PSHM_INVALID("max_payload %u is not in 1 .. %u", id->max_payload, PSHM_MAX_PAYLOAD);
    }
    if (id->slot_size != pshm_slot_size_for(id->max_payload)) {
        PSHM_INVALID("slot_size %u, but max_payload %u needs %u", id->slot_size, id->max_payload,
                     pshm_slot_size_for(id->max_payload));
    }
    if (id->flags & PSHM_REQUIRED_FLAGS_MASK & ~PSHM_KNOWN_FLAGS) PSHM_INVALID("unknown required flags 0x%x", id->flags);
    if ((id->flags & PSHM_FLAG_FANOUT)
        && ((id->flags & (PSHM_FLAG_SINGLE_PRODUCER | PSHM_FLAG_SINGLE_CONSUMER)) != PSHM_FLAG_SINGLE_PRODUCER
            || (id->fanout_mode != PSHM_FANOUT_BLOCK && id->fanout_mode != PSHM_FANOUT_OVERWRITE))) {
        PSHM_INVALID("a fan-out ring with flags 0x%x and fanout_mode %u (it needs SINGLE_PRODUCER alone and mode %u or %u)",
                     id->flags, id->fanout_mode, PSHM_FANOUT_BLOCK, PSHM_FANOUT_OVERWRITE);
    }
    uint64_t total = id->header_size + (uint64_t)id->slot_count * id->slot_size;
    if (id->total_size != total) {
        PSHM_INVALID("total_size %llu, but the geometry gives %llu", (unsigned long long)id->total_size,
                     (unsigned long long)total);
    }
    if (id->total_size != object_size) {
        PSHM_INVALID("total_size %llu, but the object has %llu bytes", (unsigned long long)id->total_size,
                     (unsigned long long)object_size);
    }
    if (state != PSHM_STATE_READY && state != PSHM_STATE_CLOSED) PSHM_INVALID("unknown state %u", state);
#undef PSHM_INVALID
    /* inside the object: peers_end + type_size <= header_size <= total_size == object_size */
    if (type_size) return pshm_type_validate(base + pshm_peers_end(id->max_peers), type_size, id->max_payload, why, why_size);
    return 0;
}

/* A copy of the identity of the ring mapped at h, and its state (acquire), each read once. */
static inline uint32_t pshm_read_identity(const pshm_header *h, pshm_identity *copy) {
    uint32_t state = atomic_load_explicit(&h->identity.state, memory_order_acquire);
    memcpy((void *)copy, (const void *)&h->identity, sizeof *copy);
    return state;
}

/*
 * Checks a mapped header before anything else is read through it: 0, or -EPROTO with the reason
 * (which field, which value) in why[why_size] (why may be NULL).
 */
static inline int pshm_validate(const pshm_header *h, uint64_t object_size, char *why, size_t why_size) {
    pshm_identity id;
    uint32_t state = pshm_read_identity(h, &id);
    return pshm_validate_identity(&id, state, (const uint8_t *)h, object_size, why, why_size);
}

static inline void pshm_init_handle(pshm_ring *r, const char *name) {
    memset(r, 0, sizeof *r);
    r->fd = -1;
    r->peer_index = -1;
    r->pid = getpid();
    r->wait_policy = PSHM_WAIT_STANDARD;
    r->spin_ns = PSHM_DEFAULT_SPIN_NS;
    r->stuck_position = UINT64_MAX;
    snprintf(r->name, sizeof r->name, "%s", name);
}

/* The handle's copy of the geometry, from the identity that was validated (never read again). */
static inline void pshm_bind_geometry(pshm_ring *r, const pshm_identity *id) {
    r->slots = (uint8_t *)r->header + id->header_size;
    r->mask = id->slot_count - 1;
    r->slot_size = id->slot_size;
    r->max_payload = id->max_payload;
    r->min_length = id->flags & PSHM_FLAG_TYPED ? id->max_payload : 0;
    r->flags = id->flags;
    r->max_peers = id->max_peers;
    r->fanout = (id->flags & PSHM_FLAG_FANOUT) != 0;
    r->overwrite = r->fanout && id->fanout_mode == PSHM_FANOUT_OVERWRITE;
    r->gate = UINT64_MAX;
}

/* 0 if r->fd is a half-made ring abandoned by its creator; its creator lock is then held. */
static inline int pshm_half_made_and_abandoned(pshm_ring *r, const char *name) {
    struct stat st;
    if (fstat(r->fd, &st) != 0) return -errno;
    if (pshm_ofd_lock(r->fd, PSHM_CREATOR_LOCK_OFFSET, F_WRLCK) != 0) {
        return pshm_fail(r, -EEXIST, "ring %s exists and is being created by another process", name);
    }
    if (fstat(r->fd, &st) != 0) return -errno;   /* again, under the lock */
    /* a creator sizes the object at once: between empty and a whole identity, it is someone else's */
    if (st.st_size > 0 && (uint64_t)st.st_size < sizeof(pshm_identity)) {
        return pshm_fail(r, -EEXIST, "%s already exists", name);
    }
    if ((uint64_t)st.st_size >= sizeof(pshm_identity)) {
        pshm_identity id;
        if (pread(r->fd, &id, sizeof id, 0) != (ssize_t)sizeof id) return -EIO;
        if (id.state != PSHM_STATE_INITIALISING || (id.magic != 0 && id.magic != PSHM_MAGIC)) {
            return pshm_fail(r, -EEXIST, "%s already exists", name);
        }
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t age = (now.tv_sec - st.st_ctim.tv_sec) * INT64_C(1000000000) + (now.tv_nsec - st.st_ctim.tv_nsec);
    if (age < PSHM_ABANDONED_AFTER_NS || st.st_uid != geteuid()) {
        return pshm_fail(r, -EEXIST, "ring %s exists, half made, and is not yet known to be abandoned", name);
    }
    return 0;
}

/*
 * The name is taken: if by a half-made ring whose creator died (still INITIALISING or not even
 * sized, its creator lock free, unchanged for PSHM_ABANDONED_AFTER_NS, owned by this user), take it
 * over: leave r->fd open on it with the creator lock held, for pshm_create to initialise again.
 * Else -EEXIST, with the reason in r->error.
 */
static inline int pshm_take_over_half_made(pshm_ring *r, const char *name) {
    r->fd = shm_open(name, O_RDWR, 0);
    if (r->fd < 0) return errno == ENOENT ? -EAGAIN : -errno;   /* gone meanwhile: try again */
    int rc = pshm_half_made_and_abandoned(r, name);
    if (rc) {
        close(r->fd);
        r->fd = -1;
    }
    return rc;
}

/*
 * Creates the ring NAME (exclusively: -EEXIST if the object exists), ready for producers and
 * consumers, with storage reserved up front so a full /dev/shm fails here with -ENOSPC rather than
 * with SIGBUS later. The handle is attached in no role; use pshm_attach or pshm_detach.
 */
static inline int pshm_create(pshm_ring *r, const char *name, const pshm_spec *spec) {
    r->error[0] = '\0';
    int rc = pshm_check_name(name);
    if (rc) return rc;
    uint32_t max_peers = spec->max_peers ? spec->max_peers : PSHM_DEFAULT_MAX_PEERS;
    mode_t mode = spec->mode ? spec->mode : 0600;
    uint32_t max_payload = spec->type != NULL && spec->max_payload == 0 ? spec->type->size : spec->max_payload;
    if (spec->slot_count < 2 || spec->slot_count > PSHM_MAX_SLOTS || (spec->slot_count & (spec->slot_count - 1))
        || max_payload < 1 || max_payload > PSHM_MAX_PAYLOAD || max_peers > PSHM_MAX_PEERS
        || (spec->flags & PSHM_REQUIRED_FLAGS_MASK & ~PSHM_KNOWN_FLAGS)
        || ((spec->flags & PSHM_FLAG_TYPED) && spec->type == NULL)
        || ((spec->flags & PSHM_FLAG_FANOUT)
            && (spec->flags & (PSHM_FLAG_SINGLE_PRODUCER | PSHM_FLAG_SINGLE_CONSUMER)) != PSHM_FLAG_SINGLE_PRODUCER)
        || (spec->fanout_mode != 0 && (!(spec->flags & PSHM_FLAG_FANOUT) || spec->fanout_mode > PSHM_FANOUT_OVERWRITE))
        || (mode & ~(mode_t)0777) != 0 || (mode & 0600) != 0600) {
        return -EINVAL;
    }
    pshm_init_handle(r, name);
    uint8_t *type_area = NULL;
    uint32_t type_size = 0;
    if (spec->type != NULL) {
        rc = pshm_type_area_new(spec->type, &type_area, &type_size, r->error, sizeof r->error);
        if (rc == 0 && max_payload != spec->type->size) {
            rc = pshm_fail(r, -EINVAL, "max_payload %u, but every %.31s is %u bytes", max_payload, spec->type->name,
                           spec->type->size);
        }
        if (rc) { free(type_area); return rc; }
    }
    uint32_t header_size = pshm_header_size_for(max_peers, type_size);
    uint32_t slot_size = pshm_slot_size_for(max_payload);
    uint64_t total = header_size + (uint64_t)spec->slot_count * slot_size;
    void *map;
    pshm_identity *id;

    int taken_over = 0;
    for (int tries = 0;; tries++) {
        r->fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, mode);
        if (r->fd >= 0) {
            /* another creator could only take it over after PSHM_ABANDONED_AFTER_NS */
            if (pshm_ofd_lock(r->fd, PSHM_CREATOR_LOCK_OFFSET, F_WRLCK) != 0) goto fail_errno;
            break;
        }
        if (errno != EEXIST) { rc = -errno; free(type_area); return rc; }
        rc = pshm_take_over_half_made(r, name);
        if (rc == 0) { taken_over = 1; break; }
        if (rc != -EAGAIN || tries == 3) { free(type_area); return rc; }
    }
    if (fchmod(r->fd, mode) != 0 || ftruncate(r->fd, (off_t)total) != 0) goto fail_errno;
    if ((rc = posix_fallocate(r->fd, 0, (off_t)total)) != 0) { rc = -rc; goto fail; }
    map = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
    if (map == MAP_FAILED) goto fail_errno;
    r->header = (pshm_header *)map;
    r->map_size = total;
    if (taken_over) memset(map, 0, total);   /* openers keep seeing INITIALISING (0) meanwhile */

    id = &r->header->identity;
    id->magic = PSHM_MAGIC;
    id->version_major = PSHM_VERSION_MAJOR;
    id->version_minor = PSHM_VERSION_MINOR;
    id->header_size = header_size;
    id->slot_count = spec->slot_count;
    id->slot_size = slot_size;
    id->max_payload = max_payload;
    id->flags = spec->flags | (type_area ? PSHM_FLAG_TYPED : 0);
    id->total_size = total;
    id->layout_hash = pshm_layout_hash();
    id->creation_time_ns = (uint64_t)pshm_now_ns(CLOCK_REALTIME);
    id->creator_pid = (uint32_t)getpid();
    id->max_peers = max_peers;
    id->type_size = type_size;
    id->fanout_mode = !(spec->flags & PSHM_FLAG_FANOUT) ? 0 : spec->fanout_mode ? spec->fanout_mode : PSHM_FANOUT_BLOCK;
    if (type_area) memcpy((uint8_t *)map + pshm_peers_end(max_peers), type_area, type_size);
    pshm_bind_geometry(r, id);
    for (uint64_t p = 0; p < spec->slot_count; p++) {
        atomic_store_explicit(&pshm_slot_at(r, p)->sequence, p, memory_order_relaxed);
    }
    if ((rc = pshm_open_bells(r, 1, mode)) != 0) goto fail;
    atomic_store_explicit(&id->state, PSHM_STATE_READY, memory_order_release);
    pshm_ofd_lock(r->fd, PSHM_CREATOR_LOCK_OFFSET, F_UNLCK);
    r->type = (pshm_type_area *)type_area;   /* the handle's copy of its type */
    return 0;

fail_errno:
    rc = -errno;
fail:
    free(type_area);
    pshm_unmap(r);
    shm_unlink(name);
    return rc;
}

static inline void pshm_take_over(pshm_ring *r);

/* The inode of this process's PID namespace, which tells peers in containers apart; 0 if unknown. */
static inline uint64_t pshm_pid_namespace(void) {
    struct stat st;
    return stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/*
 * Undoes what a dead peer's entry still counts (the caller holds the entry's lock): a sleep it died
 * in, so posts stop going to nobody, and a fenced sleep; counts it in peers_reclaimed.
 */
static inline void pshm_reclaim_dead_entry(pshm_header *h, pshm_peer *peer) {
    uint32_t bell = atomic_exchange_explicit(&peer->waiting_on, PSHM_BELL_NONE, memory_order_seq_cst);
    PSHM_ATOMIC(uint32_t) *waiting = bell == PSHM_BELL_DATA ? &h->consumers_waiting
                              : bell == PSHM_BELL_SPACE ? &h->producers_waiting : NULL;
    uint32_t n = waiting ? atomic_load_explicit(waiting, memory_order_relaxed) : 0;
    while (n > 0 && !atomic_compare_exchange_weak_explicit(waiting, &n, n - 1, memory_order_seq_cst,
                                                           memory_order_relaxed)) {
    }
    if (atomic_exchange_explicit(&peer->fenced_sleeper, 0, memory_order_seq_cst) == 1) {
        uint32_t f = atomic_load_explicit(&h->fenced_sleepers, memory_order_relaxed);
        while (f > 0 && !atomic_compare_exchange_weak_explicit(&h->fenced_sleepers, &f, f - 1,
                                                               memory_order_seq_cst, memory_order_relaxed)) {
        }
    }
    atomic_fetch_add_explicit(&h->counters.peers_reclaimed, 1, memory_order_relaxed);
}

static inline void pshm_ring_space_bell(pshm_ring *r);

/* Takes a free (or dead peer's) entry of the peer table and, for single-role rings, the role lock. */
static inline int pshm_attach(pshm_ring *r, uint32_t role, uint32_t language) {
    if (role != PSHM_ROLE_PRODUCER && role != PSHM_ROLE_CONSUMER) return -EINVAL;
    if (r->pid != getpid()) return -EBADF;   /* inherited across fork: its locks are the parent's */
    if (r->peer_index >= 0) return -EBUSY;
    if (role == PSHM_ROLE_CONSUMER && r->overwrite && r->copy == NULL && (r->copy = (uint8_t *)malloc(r->max_payload)) == NULL) {
        return -ENOMEM;   /* an overwrite-mode consumer reads copies (pshm_take_copy) */
    }
    uint32_t single = role == PSHM_ROLE_PRODUCER ? PSHM_FLAG_SINGLE_PRODUCER : PSHM_FLAG_SINGLE_CONSUMER;
    if ((r->flags & single) && pshm_ofd_lock(r->fd, pshm_role_lock_offset(role), F_WRLCK) != 0) {
        return -EBUSY;
    }
    pshm_header *h = r->header;
    for (uint32_t i = 0; i < r->max_peers; i++) {
        if (pshm_ofd_lock(r->fd, pshm_peer_lock_offset(i), F_WRLCK) != 0) continue;
        pshm_peer *peer = pshm_peer_at(h, i);
        if (atomic_load_explicit(&peer->state, memory_order_acquire) != PSHM_PEER_FREE) pshm_reclaim_dead_entry(h, peer);
        /* a fan-out consumer's cursor (claim_start) gates the producer from ACTIVE on: start it at the
           tail, a lap behind at most, and move it to the tail read after ACTIVE below (PROTOCOL.md §14, Join) */
        /* a single producer owns every position from the tail on, so its intent is written once, here:
           none per claim (PROTOCOL.md §9.2 rule 5) */
        int open_intent = role == PSHM_ROLE_PRODUCER && (r->flags & PSHM_FLAG_SINGLE_PRODUCER);
        uint64_t start = (role == PSHM_ROLE_CONSUMER && r->fanout) || open_intent
                         ? atomic_load_explicit(&h->tail, memory_order_acquire) : 0;
        atomic_store_explicit(&peer->claim_start, start, memory_order_relaxed);
        atomic_store_explicit(&peer->claim_end, open_intent ? (uint64_t)PSHM_INTENT_OPEN_END : start, memory_order_relaxed);
        atomic_store_explicit(&peer->messages, 0, memory_order_relaxed);
        peer->role = role;
        peer->pid = (uint32_t)getpid();
        peer->language = language;
        peer->attach_time_ns = (uint64_t)pshm_now_ns(CLOCK_REALTIME);
        peer->pid_ns = pshm_pid_namespace();
        atomic_store_explicit(&peer->state, PSHM_PEER_ACTIVE, memory_order_seq_cst);
        if (role == PSHM_ROLE_CONSUMER && r->fanout) {
            /* live join: after ACTIVE, a producer scan either sees this entry or ran before, and then
               gates on a tail at most this one (its scan starts with a full fence) */
            start = atomic_load_explicit(&h->tail, memory_order_seq_cst);
            atomic_store_explicit(&peer->claim_end, start, memory_order_relaxed);
            atomic_store_explicit(&peer->claim_start, start, memory_order_release);
            r->cursor = start;
        }
        r->peer_index = (int)i;
        r->peer = peer;
        r->role = role;
        r->messages = 0;
        r->barrier = pshm_barrier_register();
        r->fenced_sleeper = 0;
        pshm_set_fenced_sleeper(r, r->wait_policy == PSHM_WAIT_SLEEP);
        if (role == PSHM_ROLE_CONSUMER && pshm_releases_by_cursor(r)) pshm_take_over(r);
        if (role == PSHM_ROLE_CONSUMER && r->fanout) {
            /* the join may have lowered the gate a scan saw for a moment, or replaced a dead consumer */
            pshm_publish_barrier(r);
            pshm_ring_space_bell(r);
        }
        return 0;
    }
    if (r->flags & single) pshm_ofd_lock(r->fd, pshm_role_lock_offset(role), F_UNLCK);
    return -EUSERS;
}

/* Overwrite-mode fan-out consumers: positions this handle skipped because the producer lapped it. */
static inline uint64_t pshm_messages_lost(const pshm_ring *r) {
    return r->lost;
}

/* The ring's message type: the handle's validated copy of its type area, or NULL for an untyped ring. */
static inline const pshm_type_area *pshm_message_type(const pshm_ring *r) {
    return r->type;
}

/*
 * Copies a typed ring's type area into the handle and checks the copy: what was validated in place
 * may have been written since, and every later look at the type (pshm_check_type, tools) uses the copy.
 */
static inline int pshm_copy_type(pshm_ring *r, const pshm_identity *id) {
    r->type = (pshm_type_area *)malloc(id->type_size);
    if (r->type == NULL) return -ENOMEM;
    memcpy(r->type, (const uint8_t *)r->header + pshm_peers_end(id->max_peers), id->type_size);
    return pshm_type_validate(r->type, id->type_size, id->max_payload, r->error, sizeof r->error);
}

/*
 * Whether the opened ring carries `type`: 0, or -EPROTO with the first difference in pshm_error
 * (an untyped ring is refused too: open it without a type to read its bytes); -EINVAL if `type` is
 * not a valid description.
 */
static inline int pshm_check_type(pshm_ring *r, const pshm_type *type) {
    uint8_t *here;
    uint32_t size;
    int rc = pshm_type_area_new(type, &here, &size, r->error, sizeof r->error);
    if (rc == 0 && r->type == NULL) {
        rc = pshm_fail(r, -EPROTO, "ring %s carries no message type, this program expects %.31s (%u bytes): open it"
                                   " without a type to read its messages as bytes", r->name, type->name, type->size);
    } else if (rc == 0) {
        rc = pshm_type_compare(r->name, r->type, here, r->error, sizeof r->error);
    }
    free(here);
    return rc;
}

/*
 * Opens the existing ring NAME and attaches in `role` (PSHM_ROLE_NONE only maps it). Waits up to
 * ready_ns for a creator that is still initialising. -ENOENT if there is no such ring,
 * -EPROTO if the object is not a valid ring of this version, or (with a type) does not carry that
 * type: checked before the peer table or any slot is touched.
 */
static inline int pshm_open_typed(pshm_ring *r, const char *name, uint32_t role, const pshm_type *type, int64_t ready_ns) {
    r->error[0] = '\0';
    int rc = pshm_check_name(name);
    if (rc) return rc;
    pshm_init_handle(r, name);
    r->fd = shm_open(name, O_RDWR, 0);
    if (r->fd < 0) return -errno;
    struct stat st;
    int64_t deadline = pshm_deadline(ready_ns);
    void *map;
    pshm_identity id;   /* the copy that is validated, and the only one used afterwards */
    uint32_t state;
    if (fstat(r->fd, &st) != 0) { rc = -errno; goto fail; }
    if (!S_ISREG(st.st_mode)) {   /* would read as empty for ever */
        rc = pshm_fail(r, -EPROTO, "it is not a regular shared-memory object (a directory, FIFO, device or link"
                                   " under /dev/shm)");
        goto fail;
    }
    while ((uint64_t)st.st_size < sizeof(pshm_header)) {        /* the creator has not sized it yet */
        if (pshm_now_ns(CLOCK_MONOTONIC) >= deadline) {
            int creating = pshm_ofd_locked_by_others(r->fd, PSHM_CREATOR_LOCK_OFFSET) != 0;
            rc = st.st_size == 0
                ? pshm_fail(r, -EAGAIN, creating ? "the object is still being sized by its creator"
                                                 : "the object is empty: its creator died before sizing it (creating"
                                                   " the ring again takes it over)")
                : pshm_fail(r, -EPROTO, "the object has %lld bytes, less than a ring header (%zu)",
                            (long long)st.st_size, sizeof(pshm_header));
            goto fail;
        }
        usleep(1000);
        if (fstat(r->fd, &st) != 0) { rc = -errno; goto fail; }
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
    if (map == MAP_FAILED) { rc = -errno; goto fail; }
    r->header = (pshm_header *)map;
    r->map_size = (size_t)st.st_size;
    while (atomic_load_explicit(&r->header->identity.state, memory_order_acquire) == PSHM_STATE_INITIALISING) {
        uint64_t magic = r->header->identity.magic;
        if (magic != 0 && magic != PSHM_MAGIC) {   /* not a ring at all */
            rc = pshm_fail(r, -EPROTO, "not a panama-shm ring: magic 0x%016llx", (unsigned long long)magic);
            goto fail;
        }
        if (pshm_now_ns(CLOCK_MONOTONIC) >= deadline) {
            rc = pshm_ofd_locked_by_others(r->fd, PSHM_CREATOR_LOCK_OFFSET) != 0
                ? pshm_fail(r, -EAGAIN, "still being initialised by its creator")
                : pshm_fail(r, -EAGAIN, "half made: its creator died while initialising it (creating the ring"
                                        " again takes it over)");
            goto fail;
        }
        usleep(1000);
    }
    state = pshm_read_identity(r->header, &id);
    rc = pshm_validate_identity(&id, state, (const uint8_t *)r->header, (uint64_t)st.st_size, r->error, sizeof r->error);
    if (rc) goto fail;
    pshm_bind_geometry(r, &id);
    if ((id.flags & PSHM_FLAG_TYPED) && (rc = pshm_copy_type(r, &id)) != 0) goto fail;
    if (type != NULL && (rc = pshm_check_type(r, type)) != 0) goto fail;
    if ((rc = pshm_open_bells(r, 0, 0)) != 0) goto fail;
    if (role != PSHM_ROLE_NONE && (rc = pshm_attach(r, role, PSHM_LANGUAGE_C)) != 0) goto fail;
    return 0;
fail:
    pshm_unmap(r);
    return rc;
}

static inline int pshm_open(pshm_ring *r, const char *name, uint32_t role, int64_t ready_timeout_ns) {
    return pshm_open_typed(r, name, role, NULL, ready_timeout_ns);
}


/*
 * pshm_open, waiting up to wait_ns (-1: for ever) for the ring to be created, as Java's
 * Ring.open(name, wait) does, so that a consumer may start before its producer. Polls every 10 ms.
 * Like Java, it gives a creator still initialising the ring at least 2 s, whatever wait_ns.
 */
static inline int pshm_open_wait_typed(pshm_ring *r, const char *name, uint32_t role, const pshm_type *type, int64_t wait_ns) {
    const int64_t initialising_ns = INT64_C(2000000000);
    int64_t deadline = pshm_deadline(wait_ns);
    for (;;) {
        int64_t left = deadline - pshm_now_ns(CLOCK_MONOTONIC);
        int rc = pshm_open_typed(r, name, role, type, left > initialising_ns ? left : initialising_ns);
        if ((rc != -ENOENT && rc != -EAGAIN) || left <= 0) return rc;
        struct timespec ten_ms = {.tv_sec = 0, .tv_nsec = 10000000};
        nanosleep(&ten_ms, NULL);
    }
}

static inline int pshm_open_wait(pshm_ring *r, const char *name, uint32_t role, int64_t wait_ns) {
    return pshm_open_wait_typed(r, name, role, NULL, wait_ns);
}

/*
 * Removes the ring's doorbells and object from the system; attached processes keep working. The
 * object goes last, so a ring created under the same name meanwhile (which needs the object name
 * free) never loses its new doorbells.
 */
static inline int pshm_unlink(const char *name) {
    char data[PSHM_MAX_NAME + 16], space[PSHM_MAX_NAME + 16];
    int rc = pshm_check_name(name);
    if (rc) return rc;
    pshm_bell_name(data, sizeof data, name, "data");
    pshm_bell_name(space, sizeof space, name, "space");
    sem_unlink(data);
    sem_unlink(space);
    return shm_unlink(name) == 0 ? 0 : -errno;
}

/* ---- waiting ------------------------------------------------------------------------------------ */

#define PSHM_SLEEP_SLICE_NS INT64_C(1000000000)  /* 1 s: an idle sleeper wakes at most once a second */
#define PSHM_STUCK_SLICE_NS INT64_C(100000000)   /* 100 ms while a position may be held by a dead peer */
#define PSHM_UNFENCED_SLICE_NS INT64_C(1000000)  /* 1 ms when this process cannot issue membarrier */
#define PSHM_STUCK_NS INT64_C(100000000)         /* waiting this long on one position: ask if its holder died */
#define PSHM_CHECK_EVERY 64                      /* failed attempts between looks at the clock and at dead peers */
#define PSHM_CHECK_INTERVAL_NS INT64_C(1000000)  /* 1 ms: the shortest time between two looks at dead peers */

static inline void pshm_cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Chooses how calls wait (PSHM_WAIT_*); spin_ns is the spin of PSHM_WAIT_STANDARD (<= 0: the default). */
static inline int pshm_set_wait(pshm_ring *r, int policy, int64_t spin_ns) {
    if (policy != PSHM_WAIT_STANDARD && policy != PSHM_WAIT_SPIN && policy != PSHM_WAIT_SLEEP) return -EINVAL;
    r->wait_policy = policy;
    r->spin_ns = spin_ns > 0 ? spin_ns : PSHM_DEFAULT_SPIN_NS;
    pshm_set_fenced_sleeper(r, policy == PSHM_WAIT_SLEEP);
    return 0;
}

/*
 * Posts a doorbell if the other side announced that it sleeps and the doorbell does not already hold
 * a token for each sleeper. Call after pshm_publish_barrier. The cap keeps the semaphore's value
 * bounded even when a sleeper died without taking its announcement back.
 */
static inline void pshm_ring_bell(PSHM_ATOMIC(uint32_t) *waiting, sem_t *bell, PSHM_ATOMIC(uint64_t) *posts) {
    /* seq_cst costs nothing on x86 (a plain load); on aarch64 its ldar stays after the publication's stlr
     * (an acquire load may compile to ldapr, which does not) */
    uint32_t sleepers = atomic_load_explicit(waiting, memory_order_seq_cst);
    if (sleepers == 0) return;
    atomic_thread_fence(memory_order_seq_cst);  /* rare from here on */
    int tokens = 0;
    if (sem_getvalue(bell, &tokens) == 0 && tokens >= (int64_t)sleepers) return;
    atomic_fetch_add_explicit(posts, 1, memory_order_relaxed);
    sem_post(bell);
}

/* Fan-out rings: every sleeping consumer needs every message, so they sleep on a futex epoch, which a
 * publish moves and wakes all at once (a semaphore's token could go to a consumer that has read it). */
static inline void pshm_wake_all_consumers(pshm_header *h) {
    atomic_fetch_add_explicit(&h->data_epoch, 1, memory_order_seq_cst);
    syscall(SYS_futex, (void *)&h->data_epoch, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

static inline void pshm_ring_data_bell(pshm_ring *r) {
    pshm_publish_barrier(r);
    if (r->fanout) {
        if (atomic_load_explicit(&r->header->consumers_waiting, memory_order_seq_cst) == 0) return;
        atomic_thread_fence(memory_order_seq_cst);
        atomic_fetch_add_explicit(&r->header->counters.data_posts, 1, memory_order_relaxed);
        pshm_wake_all_consumers(r->header);
        return;
    }
    pshm_ring_bell(&r->header->consumers_waiting, r->data_bell, &r->header->counters.data_posts);
}

static inline void pshm_ring_space_bell(pshm_ring *r) {
    pshm_publish_barrier(r);
    pshm_ring_bell(&r->header->producers_waiting, r->space_bell, &r->header->counters.space_posts);
}

typedef int (*pshm_ready_fn)(const pshm_ring *r);

/*
 * Sleeps on a doorbell until posted, the slice ends or the deadline passes, after announcing the
 * sleep (in the waiter counter, and in this peer's entry so that a death can be undone), issuing the
 * asymmetric barrier and re-checking `ready`: either the other side sees the announcement and posts,
 * or this side sees its work, so no wake-up is lost.
 */
static inline int pshm_sleep(pshm_ring *r, uint32_t which, pshm_ready_fn ready, int64_t deadline_ns, int64_t slice_ns) {
    PSHM_ATOMIC(uint32_t) *waiting = which == PSHM_BELL_DATA ? &r->header->consumers_waiting : &r->header->producers_waiting;
    sem_t *bell = which == PSHM_BELL_DATA ? r->data_bell : r->space_bell;
    int epoch_sleep = which == PSHM_BELL_DATA && r->fanout;
    uint32_t epoch = epoch_sleep ? atomic_load_explicit(&r->header->data_epoch, memory_order_acquire) : 0;
    atomic_fetch_add_explicit(waiting, 1, memory_order_seq_cst);
    atomic_store_explicit(&r->peer->waiting_on, which, memory_order_seq_cst);
    if (r->fenced_sleeper) {
        atomic_thread_fence(memory_order_seq_cst);  /* publishers fence for us (pshm_set_fenced_sleeper) */
    } else if (!pshm_peer_barrier(r)) {
        slice_ns = PSHM_UNFENCED_SLICE_NS;  /* publishers elsewhere may not see us */
    }
    int rc = 0;
    if (!ready(r)) {
        int64_t now = pshm_now_ns(CLOCK_MONOTONIC);
        int64_t until = deadline_ns - now < slice_ns ? deadline_ns : now + slice_ns;
        struct timespec ts;
        ts.tv_sec = until / 1000000000;
        ts.tv_nsec = until % 1000000000;
        if (epoch_sleep) {   /* a publish after the epoch was read changes it: FUTEX_WAIT then returns at once */
            int64_t left = until - now;
            struct timespec rel = {.tv_sec = left / 1000000000, .tv_nsec = left % 1000000000};
            rc = syscall(SYS_futex, (void *)&r->header->data_epoch, FUTEX_WAIT, epoch, &rel, NULL, 0) == 0 ? 1
               : errno == EAGAIN ? 1 : -errno;
        } else {
            rc = sem_clockwait(bell, CLOCK_MONOTONIC, &ts) == 0 ? 1 : -errno;
        }
    }
    atomic_store_explicit(&r->peer->waiting_on, PSHM_BELL_NONE, memory_order_seq_cst);
    atomic_fetch_sub_explicit(waiting, 1, memory_order_seq_cst);
    return rc == -ETIMEDOUT || rc == -EINTR ? 0 : rc;   /* 1: a token woke it */
}

/* How one call waits: a phase of the wait policy, the deadline, and when the phase ends. */
typedef struct pshm_wait {
    int64_t timeout_ns;
    int64_t deadline;
    int64_t phase_end;
    uint32_t polls;
    int phase;            /* 0 not started, 1 spinning, 2 yielding, 3 sleeping */
    int check_now;        /* woke from a sleep: look for dead peers at once */
    int woken;            /* the last sleep ended with a token */
    int napped;           /* the last step slept without the doorbell (backing off) */
    int spurious;         /* tokens in a row after which there was still nothing to do */
    int64_t backoff_ns;   /* how long to sleep without the doorbell once tokens keep coming for nothing */
} pshm_wait;

static inline pshm_wait pshm_wait_begin(int64_t timeout_ns) {
    pshm_wait w;
    memset(&w, 0, sizeof w);
    w.timeout_ns = timeout_ns;
    return w;
}

/*
 * Whether this failed attempt is one that looks for dead peers: the first after a sleep (check_now)
 * or after a recovery (check_next), else every PSHM_CHECK_EVERY-th that finds PSHM_CHECK_INTERVAL_NS
 * passed since the last such counted look. A look loads the tail (a consumer) or the head (a
 * producer), which the other side stores with every message: a spinning consumer that looked every
 * 64 attempts kept pulling the tail's line away from the producer, whose next store to it then
 * waited for the line to come back.
 */
static inline int pshm_check_due(pshm_ring *r, pshm_wait *w) {
    if (w->check_now || r->check_next) {
        w->check_now = 0;
        r->check_next = 0;
        return 1;
    }
    if (++r->idle_polls % PSHM_CHECK_EVERY != 0) return 0;
    int64_t now = pshm_now_ns(CLOCK_MONOTONIC);
    if (now < r->next_check_ns) return 0;
    r->next_check_ns = now + PSHM_CHECK_INTERVAL_NS;
    return 1;
}

/* 1 if the slot a full ring's producer waits for was taken by a consumer and not released yet. */
static inline int pshm_space_held(const pshm_ring *r, uint64_t tail) {
    /* a single consumer's unreleased messages are taken back by the next consumer (pshm_take_over) */
    if (pshm_releases_by_cursor(r)) return 0;
    if (r->fanout) return r->gate != UINT64_MAX && r->gate + r->mask + 1 <= tail;   /* gated by a consumer */
    return tail > r->mask && atomic_load_explicit(&r->header->head, memory_order_acquire) > tail - (r->mask + 1);
}

/*
 * Whether what a waiter on `bell` waits for may be held by a peer that died: a consumer waits behind a
 * claimed, unpublished position; a producer behind a slot taken and not released.
 */
static inline int pshm_may_be_held_by_dead_peer(const pshm_ring *r, uint32_t bell) {
    uint64_t tail = atomic_load_explicit(&r->header->tail, memory_order_acquire);
    uint64_t read = r->fanout ? r->cursor : atomic_load_explicit(&r->header->head, memory_order_acquire);
    return bell == PSHM_BELL_DATA ? tail > read : pshm_space_held(r, tail);
}

/*
 * One step of waiting after a failed attempt: 0 to try again, or -EAGAIN (the call does not wait),
 * -ETIMEDOUT, or a doorbell error. Sleeps in short slices when a dead peer may be what blocks the
 * caller, to look again soon. Reads the clock only every PSHM_CHECK_EVERY spins.
 */
static inline int pshm_wait_step(pshm_ring *r, pshm_wait *w, uint32_t bell, pshm_ready_fn ready) {
    if (w->timeout_ns == 0) return -EAGAIN;
    if (w->phase == 0) {
        w->deadline = pshm_deadline(w->timeout_ns);
        w->phase = r->wait_policy == PSHM_WAIT_SLEEP ? 3 : 1;
        w->phase_end = r->wait_policy == PSHM_WAIT_SPIN ? INT64_MAX : pshm_now_ns(CLOCK_MONOTONIC) + r->spin_ns;
    }
    if (w->phase == 1 && ++w->polls % PSHM_CHECK_EVERY != 0) {
        pshm_cpu_relax();
        return 0;
    }
    int64_t now = pshm_now_ns(CLOCK_MONOTONIC);
    if (now >= w->deadline) return -ETIMEDOUT;
    if (w->phase == 1 && now >= w->phase_end) {
        w->phase = 2;
        w->phase_end = now + r->spin_ns;
    }
    if (w->phase == 1) {
        pshm_cpu_relax();
        return 0;
    }
    if (w->phase == 2 && now < w->phase_end) {
        sched_yield();
        return 0;
    }
    w->phase = 3;
    w->check_now = 1;
    /* a token after which there is nothing to do is normal now and then (a stale one, or one meant for
     * another sleeper); tokens that keep coming mean a doorbell with a garbage value: back off. Not in
     * fan-out rings: there a consumer's release that does not move the gate wakes the producer, and a
     * consumer's epoch moves with every publish, so a wake with nothing to do is normal */
    if (w->woken && !r->fanout) {
        w->spurious++;
    } else if (!w->napped) {
        w->spurious = 0;   /* a sleep that ran its slice: the doorbell is sane */
        w->backoff_ns = 0;
    }
    w->woken = 0;
    if (w->spurious >= 2 && !w->napped) {   /* a nap, then the doorbell again: a real post still counts */
        w->backoff_ns = w->backoff_ns == 0 ? PSHM_UNFENCED_SLICE_NS
                      : w->backoff_ns * 2 > PSHM_SLEEP_SLICE_NS ? PSHM_SLEEP_SLICE_NS : w->backoff_ns * 2;
        int64_t nap = w->deadline - now < w->backoff_ns ? w->deadline - now : w->backoff_ns;
        struct timespec ts;
        ts.tv_sec = nap / 1000000000;
        ts.tv_nsec = nap % 1000000000;
        nanosleep(&ts, NULL);
        w->napped = 1;
        return 0;
    }
    w->napped = 0;
    int64_t slice = pshm_may_be_held_by_dead_peer(r, bell) ? PSHM_STUCK_SLICE_NS : PSHM_SLEEP_SLICE_NS;
    int rc = pshm_sleep(r, bell, ready, w->deadline, slice);
    w->woken = rc == 1;
    return rc < 0 ? rc : 0;
}

/* ---- dead peers --------------------------------------------------------------------------------- */

/* 1 if a live peer of `role` owns or is claiming `position`, 0 if none does. */
static inline int pshm_owner_alive(const pshm_ring *r, uint32_t role, uint64_t position) {
    const pshm_header *h = r->header;
    for (uint32_t i = 0; i < r->max_peers; i++) {
        pshm_peer *peer = pshm_peer_at(h, i);
        if (atomic_load_explicit(&peer->state, memory_order_acquire) != PSHM_PEER_ACTIVE || peer->role != role) continue;
        uint64_t start = atomic_load_explicit(&peer->claim_start, memory_order_acquire);
        uint64_t end = atomic_load_explicit(&peer->claim_end, memory_order_acquire);
        if (position < start || position >= end) continue;
        /* a failed F_OFD_GETLK (negative) counts as alive: never skip a message on doubt */
        if ((int)i == r->peer_index || pshm_ofd_locked_by_others(r->fd, pshm_peer_lock_offset(i)) != 0) return 1;
    }
    return 0;
}

/* Records the positions this peer is about to claim; must precede the cursor's store or CAS. */
static inline void pshm_intend(pshm_ring *r, uint64_t start, uint64_t end) {
    /* both release: neither may overtake this peer's last publication or release (aarch64), or an
     * owner scan could read a range that no longer holds a position whose slot is unfinished */
    atomic_store_explicit(&r->peer->claim_start, start, memory_order_release);
    atomic_store_explicit(&r->peer->claim_end, end, memory_order_release);
}

static inline void pshm_forget_intent(pshm_ring *r) {
    atomic_store_explicit(&r->peer->claim_end, atomic_load_explicit(&r->peer->claim_start, memory_order_relaxed),
                          memory_order_release);
}

/*
 * 1 once this handle has found `position` held by another peer for PSHM_STUCK_NS, counted across
 * calls, so that polling callers with short timeouts recover from dead peers too.
 */
static inline int pshm_stuck_long_enough(pshm_ring *r, uint64_t position) {
    int64_t now = pshm_now_ns(CLOCK_MONOTONIC);
    if (position != r->stuck_position) {
        r->stuck_position = position;
        r->stuck_since = now;
        return 0;
    }
    return now - r->stuck_since >= PSHM_STUCK_NS;
}

/*
 * After this handle recovered `position` from a dead peer: the next position is likely the dead peer's
 * too (a batch), so it is looked at without waiting again. The owner scan still decides.
 */
static inline void pshm_recovered(pshm_ring *r, uint64_t position) {
    r->stuck_position = position + 1;
    r->stuck_since = pshm_now_ns(CLOCK_MONOTONIC) - PSHM_STUCK_NS;
    r->check_next = 1;   /* across calls: a producer's claim returns once the recovered slot is free */
}

/* ---- producing ---------------------------------------------------------------------------------- */

/*
 * Fan-out rings: the lowest cursor of the live consumers (ACTIVE entries of role CONSUMER; their
 * claim_start), or tail if there are none. The full fence first keeps this producer's tail store
 * before the loads of the entries: a consumer joining meanwhile then either shows here or has read a
 * tail at least this one (see pshm_attach), so it is never lapped unseen.
 */
static inline uint64_t pshm_fanout_gate(const pshm_ring *r, uint64_t tail) {
    atomic_thread_fence(memory_order_seq_cst);
    uint64_t gate = tail;
    for (uint32_t i = 0; i < r->max_peers; i++) {
        const pshm_peer *peer = pshm_peer_at(r->header, i);
        if (atomic_load_explicit(&peer->state, memory_order_acquire) != PSHM_PEER_ACTIVE
            || peer->role != PSHM_ROLE_CONSUMER) {
            continue;
        }
        uint64_t cursor = atomic_load_explicit(&peer->claim_start, memory_order_acquire);
        if (cursor < gate) gate = cursor;
    }
    return gate;
}

/* How many of `count` positions from `tail` a fan-out producer may claim: below the gate + N. */
static inline uint32_t pshm_room_below_gate(pshm_ring *r, uint64_t tail, uint32_t count) {
    uint64_t slots = r->mask + 1;
    if (r->overwrite) return count < slots ? count : (uint32_t)slots;   /* nobody gates: consumers that lag are lapped */
    if (r->gate == UINT64_MAX || tail + count > r->gate + slots) r->gate = pshm_fanout_gate(r, tail);
    uint64_t limit = r->gate + slots;
    return tail >= limit ? 0 : (uint32_t)(limit - tail < count ? limit - tail : count);
}

/*
 * A fan-out producer stuck behind consumers: each gating consumer (cursor <= tail - N) whose entry
 * lock this handle can take is dead; reclaim its entry as an attacher would, so it stops gating, and
 * count it. The lock decides, never GETLK alone, and state and role are read again under it.
 */
static inline int pshm_drop_dead_consumers(pshm_ring *r, uint64_t tail) {
    int dropped = 0;
    for (uint32_t i = 0; i < r->max_peers; i++) {
        pshm_peer *peer = pshm_peer_at(r->header, i);
        if ((int)i == r->peer_index || atomic_load_explicit(&peer->state, memory_order_acquire) != PSHM_PEER_ACTIVE
            || peer->role != PSHM_ROLE_CONSUMER
            || atomic_load_explicit(&peer->claim_start, memory_order_acquire) + r->mask + 1 > tail) {
            continue;
        }
        if (pshm_ofd_lock(r->fd, pshm_peer_lock_offset(i), F_WRLCK) != 0) continue;   /* held: alive */
        if (atomic_load_explicit(&peer->state, memory_order_acquire) == PSHM_PEER_ACTIVE
            && peer->role == PSHM_ROLE_CONSUMER) {
            pshm_reclaim_dead_entry(r->header, peer);
            atomic_fetch_add_explicit(&r->header->counters.fanout_dropped, 1, memory_order_relaxed);
            atomic_store_explicit(&peer->state, PSHM_PEER_FREE, memory_order_release);
            dropped = 1;
        }
        pshm_ofd_lock(r->fd, pshm_peer_lock_offset(i), F_UNLCK);
    }
    if (dropped) r->gate = UINT64_MAX;
    return dropped;
}

static inline int pshm_space_ready(const pshm_ring *r) {
    const pshm_header *h = r->header;
    uint64_t tail = atomic_load_explicit(&h->tail, memory_order_acquire);
    int free;
    if (pshm_releases_by_cursor(r)) {
        free = (int64_t)(tail - atomic_load_explicit(&h->released, memory_order_acquire)) <= (int64_t)r->mask;
    } else if (r->overwrite) {
        free = 1;   /* nobody gates */
    } else if (r->fanout) {
        free = pshm_fanout_gate(r, tail) + r->mask + 1 > tail;   /* a fresh scan, not the cached gate */
    } else {
        uint64_t sequence = atomic_load_explicit(&pshm_slot_at(r, tail)->sequence, memory_order_acquire);
        /* ahead of the tail: claimed by another producer (the tail moved), or corrupted (not work) */
        free = sequence == tail || ((int64_t)(sequence - tail) > 0 && atomic_load_explicit(&h->tail, memory_order_acquire) != tail);
    }
    return free || atomic_load_explicit(&h->identity.state, memory_order_acquire) == PSHM_STATE_CLOSED;
}

/*
 * The slot of position t shows a sequence ahead of t, yet nobody claimed t: no correct peer writes
 * that. If the slot's previous position q = t - N was taken (head > q, or t < N) and no live consumer
 * owns q, nobody is going to release it: reset it to free (t) and count it. Returns 1 if the caller
 * should look again (reset, or changed meanwhile), 0 to wait: q's message is unread (its consumer
 * drops the slot, which frees it) or its live owner will release it, which stores t too.
 */
static inline int pshm_reset_corrupt_free_slot(pshm_ring *r, uint64_t t, uint64_t sequence) {
    uint64_t n = r->mask + 1;
    if (t >= n) {
        uint64_t q = t - n;
        if (atomic_load_explicit(&r->header->head, memory_order_acquire) <= q) return 0;
        if (pshm_owner_alive(r, PSHM_ROLE_CONSUMER, q)) return 0;
    }
    if (atomic_compare_exchange_strong_explicit(&pshm_slot_at(r, t)->sequence, &sequence, t, memory_order_acq_rel,
                                                memory_order_relaxed)) {
        atomic_fetch_add_explicit(&r->header->counters.corrupt_slots, 1, memory_order_relaxed);
    }
    return 1;
}

/*
 * How many of `count` positions from `tail` are free in a single-consumer ring: those below
 * released + slot_count. The copy of `released` is refreshed (acquire: the consumer's reads of those
 * slots come before) only when it does not show enough room.
 */
static inline uint32_t pshm_room_below_released(pshm_ring *r, uint64_t tail, uint32_t count) {
    int64_t room = (int64_t)(r->released + r->mask + 1 - tail);
    if (room < (int64_t)count) {
        r->released = atomic_load_explicit(&r->header->released, memory_order_acquire);
        room = (int64_t)(r->released + r->mask + 1 - tail);
    }
    return room <= 0 ? 0 : room < (int64_t)count ? (uint32_t)room : count;
}

/*
 * The slot a producer waits for holds position q = tail - slot_count, which a consumer took (head > q)
 * and never released: its sequence is q + 1 (taken after publication) or q (taken to skip a dead
 * producer's position). If no live consumer owns q, that consumer died: release the slot for it.
 * The owner scan precedes the CAS, and a live owner releases before it moves its intent on, so the
 * CAS fails on a slot its owner released meanwhile.
 */
static inline int pshm_recover_from_dead_consumer(pshm_ring *r, uint64_t tail) {
    if (tail <= r->mask) return 0;
    uint64_t q = tail - (r->mask + 1);
    pshm_slot *slot = pshm_slot_at(r, q);
    if (atomic_load_explicit(&r->header->head, memory_order_acquire) <= q) return 0;  /* not taken: just full */
    uint64_t sequence = atomic_load_explicit(&slot->sequence, memory_order_acquire);
    if (sequence != q + 1 && sequence != q) return 0;
    if (pshm_owner_alive(r, PSHM_ROLE_CONSUMER, q)) return 0;
    if (!atomic_compare_exchange_strong_explicit(&slot->sequence, &sequence, q + r->mask + 1,
                                                 memory_order_acq_rel, memory_order_relaxed)) {
        return 0;
    }
    if (sequence == q + 1) atomic_fetch_add_explicit(&r->header->counters.lost_in_consumers, 1, memory_order_relaxed);
    pshm_ring_space_bell(r);  /* other producers sleep behind the same slot */
    return 1;
}

/* Publishes the slots of positions [position, position + count) with a SKIP flag: consumers pass over them. */
static inline void pshm_publish_skip(pshm_ring *r, uint64_t position, uint32_t count) {
    for (uint32_t i = 0; i < count; i++) {
        pshm_slot *slot = pshm_slot_at(r, position + i);
        slot->length = 0;
        slot->flags = PSHM_SLOT_SKIP;
        atomic_store_explicit(&slot->sequence, position + i + 1, memory_order_release);
    }
    pshm_ring_data_bell(r);
}

/*
 * Claims up to `count` consecutive positions for messages of up to `length` bytes each, at least one,
 * with one move of the tail. Returns how many (1..count), or a negative code: -EAGAIN (timeout 0 and
 * full), -ETIMEDOUT, -EPIPE (closed for writing), -EMSGSIZE, -EINVAL. timeout_ns < 0 waits for ever.
 * Write message i at pshm_batch_payload(r, i), then publish all with pshm_commit_n (or give them up
 * with pshm_abort_n).
 */
static inline int pshm_claim_n(pshm_ring *r, uint32_t count, uint32_t length, int64_t timeout_ns) {
    if (r->role != PSHM_ROLE_PRODUCER || r->has_claim || count == 0 || count > INT32_MAX) return -EINVAL;
    if (length > r->max_payload) return -EMSGSIZE;
    if (length < r->min_length) {
        return pshm_fail(r, -EMSGSIZE, "ring %s is typed: every message is %u bytes, not %u", r->name, r->min_length, length);
    }
    pshm_header *h = r->header;
    int single = (r->flags & PSHM_FLAG_SINGLE_PRODUCER) != 0;
    if (count > r->mask + 1) count = (uint32_t)(r->mask + 1);
    pshm_wait w = pshm_wait_begin(timeout_ns);
    for (;;) {
        if (atomic_load_explicit(&h->identity.state, memory_order_acquire) == PSHM_STATE_CLOSED) return -EPIPE;
        uint64_t tail = atomic_load_explicit(&h->tail, memory_order_relaxed);
        uint32_t n = 0;
        if (pshm_releases_by_cursor(r)) {
            n = pshm_room_below_released(r, tail, count);
        } else if (r->fanout) {
            n = pshm_room_below_gate(r, tail, count);
        } else {
            uint64_t sequence = atomic_load_explicit(&pshm_slot_at(r, tail)->sequence, memory_order_acquire);
            if ((int64_t)(sequence - tail) > 0) {
                /* another producer claimed t (after the acquire above its claim shows in the tail) ... */
                if (!single && atomic_load_explicit(&h->tail, memory_order_acquire) != tail) continue;
                /* ... or the slot is corrupted */
                if (pshm_reset_corrupt_free_slot(r, tail, sequence)) continue;
            } else if (sequence == tail) {
                n = 1;
                while (n < count && atomic_load_explicit(&pshm_slot_at(r, tail + n)->sequence, memory_order_acquire) == tail + n) n++;
            }
        }
        if (n > 0) {
            if (single) {   /* its intent, [tail at attach, open end), covers every position it claims */
                atomic_store_explicit(&h->tail, tail + n, memory_order_release);
                pshm_publish_barrier(r);  /* the tail store before the state load; see pshm_end_of_stream */
                /* fan-out: readers that do not gate (observers) tell a lapped copy by the tail, so it goes
                   out before the slots are written again (a compiler barrier on x86, dmb on aarch64) */
                if (r->fanout) atomic_thread_fence(memory_order_release);
            } else {
                pshm_intend(r, tail, tail + n);
                if (!atomic_compare_exchange_weak_explicit(&h->tail, &tail, tail + n, memory_order_seq_cst,
                                                           memory_order_relaxed)) {
                    pshm_forget_intent(r);
                    continue;
                }
            }
            if (atomic_load_explicit(&h->identity.state, memory_order_acquire) == PSHM_STATE_CLOSED) {
                /* closed while claiming: consumers may already have seen the end of the stream,
                 * so give the positions up rather than publish messages nobody would read */
                pshm_publish_skip(r, tail, n);
                return -EPIPE;
            }
            for (uint32_t i = 0; i < n; i++) {
                pshm_slot *slot = pshm_slot_at(r, tail + i);
                slot->length = length;
                slot->flags = 0;
            }
            r->claimed = tail;
            r->batch = n;
            r->has_claim = PSHM_ROLE_PRODUCER;
            return (int)n;
        }
        /* full: the slot's last message is unread, or taken by a consumer that has not released it */
        if (pshm_check_due(r, &w) && pshm_space_held(r, tail) && pshm_stuck_long_enough(r, tail)
            && (r->fanout ? pshm_drop_dead_consumers(r, tail) : pshm_recover_from_dead_consumer(r, tail))) {
            pshm_recovered(r, tail);
            continue;
        }
        int rc = pshm_wait_step(r, &w, PSHM_BELL_SPACE, pshm_space_ready);
        if (rc) return rc;
    }
}

/* Where message i (0 <= i < the count pshm_claim_n returned) of the pending claim goes. */
static inline void *pshm_batch_payload(const pshm_ring *r, uint32_t i) {
    return pshm_payload(pshm_slot_at(r, r->claimed + i));
}

/* Sets the length of claimed message i (at most the length claimed). */
static inline int pshm_batch_set_length(pshm_ring *r, uint32_t i, uint32_t length) {
    if (r->has_claim != PSHM_ROLE_PRODUCER || i >= r->batch) return -EINVAL;
    pshm_slot *slot = pshm_slot_at(r, r->claimed + i);
    if (length > slot->length || length < r->min_length) return -EMSGSIZE;
    slot->length = length;
    return 0;
}

/* Publishes every claimed message, in order, with one look at the doorbell. */
static inline int pshm_commit_n(pshm_ring *r) {
    if (r->has_claim != PSHM_ROLE_PRODUCER) return -EINVAL;
    for (uint32_t i = 0; i < r->batch; i++) {
        atomic_store_explicit(&pshm_slot_at(r, r->claimed + i)->sequence, r->claimed + i + 1, memory_order_release);
    }
    r->has_claim = 0;
    r->messages += r->batch;
    atomic_store_explicit(&r->peer->messages, r->messages, memory_order_relaxed);
    pshm_ring_data_bell(r);
    return 0;
}

/* Gives up every claimed message: consumers skip their positions. */
static inline int pshm_abort_n(pshm_ring *r) {
    if (r->has_claim != PSHM_ROLE_PRODUCER) return -EINVAL;
    r->has_claim = 0;
    pshm_publish_skip(r, r->claimed, r->batch);
    return 0;
}

/*
 * Claims the next position for a message of `length` bytes and points *payload at its slot's
 * payload. timeout_ns < 0 waits for ever, 0 does not wait. Publish with pshm_commit, or give the
 * position up with pshm_abort.
 */
static inline int pshm_claim(pshm_ring *r, uint32_t length, void **payload, int64_t timeout_ns) {
    int rc = pshm_claim_n(r, 1, length, timeout_ns);
    if (rc < 0) return rc;
    *payload = pshm_batch_payload(r, 0);
    return 0;
}

/*
 * Publishes the one claimed message with `length` bytes (<= the claimed length). With more than one
 * claimed it returns -EINVAL and the claim stays: set lengths with pshm_batch_set_length, then
 * pshm_commit_n (or pshm_abort_n).
 */
static inline int pshm_commit(pshm_ring *r, uint32_t length) {
    if (r->has_claim == PSHM_ROLE_PRODUCER && r->batch != 1) return -EINVAL;
    int rc = pshm_batch_set_length(r, 0, length);
    return rc ? rc : pshm_commit_n(r);
}

/* Gives up the claimed position: consumers skip it. */
static inline int pshm_abort(pshm_ring *r) {
    return pshm_abort_n(r);
}

/* Copies `length` bytes into the ring as one message. */
static inline int pshm_send(pshm_ring *r, const void *data, uint32_t length, int64_t timeout_ns) {
    void *payload;
    int rc = pshm_claim(r, length, &payload, timeout_ns);
    if (rc) return rc;
    memcpy(payload, data, length);
    return pshm_commit_n(r);
}

/* Closes the ring for writing: producers get -EPIPE, consumers drain and then get -EPIPE. */
static inline void pshm_close_for_writing(pshm_ring *r) {
    pshm_header *h = r->header;
    atomic_store_explicit(&h->identity.state, PSHM_STATE_CLOSED, memory_order_seq_cst);
    atomic_thread_fence(memory_order_seq_cst);  /* Dekker with sleepers, who re-check the state */
    if (h->identity.flags & PSHM_FLAG_FANOUT) pshm_wake_all_consumers(h);   /* they sleep on the epoch */
    else for (uint32_t n = atomic_load_explicit(&h->consumers_waiting, memory_order_seq_cst); n > 0; n--) sem_post(r->data_bell);
    for (uint32_t n = atomic_load_explicit(&h->producers_waiting, memory_order_seq_cst); n > 0; n--) sem_post(r->space_bell);
}

/* ---- consuming ---------------------------------------------------------------------------------- */

/* Work for a consumer: a published slot at the head, or the end of the stream. */
static inline int pshm_data_ready(const pshm_ring *r) {
    const pshm_header *h = r->header;
    uint64_t head = r->fanout ? r->cursor : atomic_load_explicit(&h->head, memory_order_acquire);
    if (atomic_load_explicit(&pshm_slot_at(r, head)->sequence, memory_order_acquire) >= head + 1) return 1;
    return atomic_load_explicit(&h->identity.state, memory_order_acquire) == PSHM_STATE_CLOSED
        && atomic_load_explicit(&h->tail, memory_order_acquire) == head;
}

/*
 * 1 if the stream has ended at `head`: closed for writing, and no position claimed beyond it. A single
 * producer stores its tail with release only and loads the state after it (no fence), so before the
 * first such conclusion this consumer issues the asymmetric barrier and looks again: after it, a
 * producer that did not see CLOSED has its tail visible here.
 */
static inline int pshm_end_of_stream(pshm_ring *r, uint64_t head) {
    pshm_header *h = r->header;
    for (;;) {
        if (atomic_load_explicit(&h->identity.state, memory_order_acquire) != PSHM_STATE_CLOSED
            || atomic_load_explicit(&h->tail, memory_order_acquire) != head) {
            return 0;
        }
        if (r->eos_confirmed) return 1;
        if (!pshm_peer_barrier(r)) {  /* no barrier here: give other cores' stores time to land */
            int64_t until = pshm_now_ns(CLOCK_MONOTONIC) + 1000000;
            while (pshm_now_ns(CLOCK_MONOTONIC) < until) usleep(1000);
        }
        r->eos_confirmed = 1;
    }
}

/* Takes positions [head, head + count) for consumption; returns 1 if this consumer won them. */
static inline int pshm_take(pshm_ring *r, uint64_t head, uint32_t count) {
    if (r->fanout) return 1;   /* every consumer reads every position: nothing to take from the others */
    if (pshm_releases_by_cursor(r)) {
        /* no intent needed: [released, head) is this consumer's, and its successor's if it dies */
        atomic_store_explicit(&r->header->head, head + count, memory_order_release);
        return 1;
    }
    pshm_intend(r, head, head + count);
    if (atomic_compare_exchange_weak_explicit(&r->header->head, &head, head + count, memory_order_acq_rel,
                                              memory_order_relaxed)) {
        return 1;
    }
    pshm_forget_intent(r);
    return 0;
}

/*
 * Gives the slots of positions [first, first + count) back to producers, after the last read of them;
 * ring the space bell after. A single consumer releases in order, so one store covers them all.
 */
static inline void pshm_release_positions(pshm_ring *r, uint64_t first, uint32_t count) {
    if (r->fanout) {   /* the cursor, which gates the producer: after the reads of the slots (release) */
        r->cursor = first + count;
        atomic_store_explicit(&r->peer->claim_end, r->cursor, memory_order_relaxed);
        atomic_store_explicit(&r->peer->claim_start, r->cursor, memory_order_release);
        return;
    }
    if (pshm_releases_by_cursor(r)) {
        atomic_store_explicit(&r->header->released, first + count, memory_order_release);
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        atomic_store_explicit(&pshm_slot_at(r, first + i)->sequence, first + i + r->mask + 1, memory_order_release);
    }
}

/*
 * Gives back the slot of a position dropped because its sequence was damaged (ring the space bell
 * after). Its sequence becomes the free value `position + N` first, in every kind of ring: a single
 * consumer releases by cursor and never rewrites a slot otherwise, so it would meet the damaged value
 * again one lap later and drop a real message there, or a position nobody claimed.
 */
static inline void pshm_release_damaged(pshm_ring *r, uint64_t position) {
    atomic_store_explicit(&pshm_slot_at(r, position)->sequence, position + r->mask + 1, memory_order_release);
    if (pshm_releases_by_cursor(r)) {
        atomic_store_explicit(&r->header->released, position + 1, memory_order_release);
    }
}

/*
 * A consumer attaching to a single-consumer ring takes over from its predecessor: positions in
 * [released, head) were taken by a consumer that died before releasing them (one that detaches
 * releases first). Their messages count as lost (not SKIP or damaged slots, which held none) and
 * their slots go back to producers, who cannot have touched them while `released` stayed below. Only
 * the holder of the consumer role lock writes `released`, so nothing races with this. A `released`
 * beyond `head` is damage: producers may have overwritten those unread positions, so they are skipped.
 */
static inline void pshm_take_over(pshm_ring *r) {
    pshm_header *h = r->header;
    uint64_t head = atomic_load_explicit(&h->head, memory_order_acquire);
    uint64_t released = atomic_load_explicit(&h->released, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&h->tail, memory_order_acquire);
    if ((int64_t)(head - tail) > 0) {
        /* a head beyond every position claimed is damage: read again from released (if it is sane) or
         * from the tail; else producers would overwrite unread slots while this consumer waits there */
        uint64_t back = (int64_t)(tail - released) >= 0 && tail - released <= r->mask + 1 ? released : tail;
        atomic_fetch_add_explicit(&h->counters.corrupt_slots, 1, memory_order_relaxed);
        atomic_store_explicit(&h->released, back, memory_order_release);
        atomic_store_explicit(&h->head, back, memory_order_release);
        pshm_ring_space_bell(r);
        return;
    }
    if (released == head) return;
    if ((int64_t)(head - released) > 0 && head - released <= r->mask + 1) {
        uint64_t lost = 0;
        for (uint64_t p = released; p != head; p++) {
            pshm_slot *slot = pshm_slot_at(r, p);
            lost += atomic_load_explicit(&slot->sequence, memory_order_acquire) == p + 1 && slot->flags == 0;
            /* the free value, as pshm_release_damaged stores it: a damaged value the dead consumer dropped
             * and had no time to reset must not be met again one lap later (the release below orders it) */
            atomic_store_explicit(&slot->sequence, p + r->mask + 1, memory_order_relaxed);
        }
        atomic_fetch_add_explicit(&h->counters.lost_in_consumers, lost, memory_order_relaxed);
        atomic_store_explicit(&h->released, head, memory_order_release);
    } else if ((int64_t)(released - head) > 0 && (int64_t)(tail - released) >= 0) {
        atomic_fetch_add_explicit(&h->counters.corrupt_slots, released - head, memory_order_relaxed);
        atomic_store_explicit(&h->head, released, memory_order_release);
    } else {   /* beyond any position claimed, or too far behind: garbage */
        atomic_fetch_add_explicit(&h->counters.corrupt_slots, 1, memory_order_relaxed);
        atomic_store_explicit(&h->released, head, memory_order_release);
    }
    pshm_ring_space_bell(r);
}

/*
 * The slot at `head` is claimed (tail > head) but unpublished. If no live producer owns it, its
 * producer died: take the position and skip it. Returns 1 if it did. Order matters: the owner scan
 * comes before the last look at the slot, because a live owner changes its intent only after
 * publishing, so if the scan missed it, the sequence shows the publication.
 */
static inline int pshm_skip_if_producer_dead(pshm_ring *r, uint64_t head) {
    if (atomic_load_explicit(&r->header->tail, memory_order_acquire) <= head) return 0;
    if (pshm_owner_alive(r, PSHM_ROLE_PRODUCER, head)) return 0;
    /* unpublished: a free slot's sequence (several consumers), anything but head + 1 (one), a sequence
       of an earlier lap (fan-out: head + 1 or later means published, and maybe already lapped) */
    uint64_t sequence = atomic_load_explicit(&pshm_slot_at(r, head)->sequence, memory_order_acquire);
    if (r->fanout ? (int64_t)(sequence - (head + 1)) >= 0
                  : pshm_releases_by_cursor(r) ? sequence == head + 1 : sequence != head) {
        return 0;
    }
    if (!pshm_take(r, head, 1)) return 0;
    atomic_fetch_add_explicit(&r->header->counters.abandoned_by_producers, 1, memory_order_relaxed);
    pshm_release_positions(r, head, 1);
    pshm_ring_space_bell(r);
    pshm_ring_data_bell(r);  /* other consumers sleep behind the same position */
    return 1;
}

/*
 * A consumer finds nothing at `head` (empty, or claimed and not yet published): -EPIPE at the end of
 * the stream; 1 after skipping a dead producer's position (look again at once); else one step of
 * waiting: 0 (look again) or its negative code.
 */
static inline int pshm_nothing_at(pshm_ring *r, pshm_wait *w, uint64_t head) {
    pshm_header *h = r->header;
    if (atomic_load_explicit(&h->identity.state, memory_order_acquire) == PSHM_STATE_CLOSED
        && pshm_end_of_stream(r, head)) {
        return -EPIPE;
    }
    if (pshm_check_due(r, w) && atomic_load_explicit(&h->tail, memory_order_acquire) > head
        && pshm_stuck_long_enough(r, head) && pshm_skip_if_producer_dead(r, head)) {
        pshm_recovered(r, head);
        return 1;
    }
    return pshm_wait_step(r, w, PSHM_BELL_DATA, pshm_data_ready);
}

/* A fan-out consumer's cursor moves to `to` (release: after its reads of the slots before it). */
static inline void pshm_fanout_move_cursor(pshm_ring *r, uint64_t to) {
    r->cursor = to;
    atomic_store_explicit(&r->peer->claim_end, to, memory_order_relaxed);
    atomic_store_explicit(&r->peer->claim_start, to, memory_order_release);
}

/*
 * An overwrite-mode consumer at `c` looks at the tail: if the producer has claimed c + N (tail > c + N),
 * the slot of c is being or has been written again, so the consumer moves to the oldest position whose
 * slot the producer has not claimed again, tail - N, and counts the positions it skipped. Returns 1 if
 * it was lapped, 0 if not.
 */
static inline int pshm_lapped(pshm_ring *r, uint64_t c) {
    uint64_t tail = atomic_load_explicit(&r->header->tail, memory_order_acquire);
    uint64_t slots = (uint64_t)r->mask + 1;
    if ((int64_t)(tail - c) <= (int64_t)slots) return 0;
    uint64_t oldest = tail - slots;
    r->lost += oldest - c;
    atomic_fetch_add_explicit(&r->header->counters.fanout_overwritten, oldest - c, memory_order_relaxed);
    pshm_fanout_move_cursor(r, oldest);
    return 1;
}

/*
 * Takes the next message of an overwrite-mode fan-out ring, which the producer may write again at any
 * moment: it is copied to r->copy, and kept only if the tail, read after the copy, shows that the
 * producer had not claimed its slot again (the producer stores the tail, then a release fence, before
 * it writes a slot: the tail is its intent, as in Agrona's broadcast receiver). The copy races the
 * producer by design, as a seqlock reader does; C11 calls that a data race, and this code relies, as
 * the Linux kernel's seqlocks do, on GCC and Clang keeping the plain loads between the acquire load
 * and the fence. Returns 1 with the
 * position in *position_out, or a negative code as pshm_take_next does. A lapped consumer goes on at
 * the oldest message still there, the skipped positions counted in r->lost and fanout_overwritten.
 */
static inline int pshm_take_copy(pshm_ring *r, uint32_t capacity, int64_t timeout_ns, uint64_t *position_out) {
    pshm_header *h = r->header;
    pshm_wait w = pshm_wait_begin(timeout_ns);
    uint32_t laps = 0;
    int64_t lapped_since = 0;
    for (;;) {
        /* a producer that laps this consumer faster than it copies must not keep it here past its deadline */
        if (laps >= 64) {
            laps = 0;
            if (timeout_ns == 0) return -EAGAIN;
            int64_t now = pshm_now_ns(CLOCK_MONOTONIC);
            if (lapped_since == 0) lapped_since = now;
            else if (timeout_ns > 0 && now - lapped_since >= timeout_ns) return -ETIMEDOUT;
        }
        uint64_t c = r->cursor;
        pshm_slot *slot = pshm_slot_at(r, c);
        uint64_t sequence = atomic_load_explicit(&slot->sequence, memory_order_acquire);
        if (sequence == c + 1) {
            uint32_t length = __atomic_load_n(&slot->length, __ATOMIC_RELAXED);
            uint32_t flags = __atomic_load_n(&slot->flags, __ATOMIC_RELAXED);
            int sized = length <= r->max_payload && length >= r->min_length;
            /* may race the producer's next lap: the copy counts only if the tail below says it did not */
            if (sized && length <= capacity && !(flags & PSHM_SLOT_SKIP)) memcpy(r->copy, pshm_payload(slot), length);
            atomic_thread_fence(memory_order_acquire);   /* the copy's loads before the look at the tail */
            if (pshm_lapped(r, c)) {
                laps++;
                continue;
            }
            if (flags & PSHM_SLOT_SKIP) {
                pshm_fanout_move_cursor(r, c + 1);
                continue;
            }
            if (!sized) {
                pshm_fanout_move_cursor(r, c + 1);
                atomic_fetch_add_explicit(&h->counters.corrupt_slots, 1, memory_order_relaxed);
                return pshm_fail(r, -EPROTO, "slot %llu (position %llu) claims %u bytes, %s %u: dropped",
                                 (unsigned long long)(c & r->mask), (unsigned long long)c, length,
                                 r->min_length ? "where every message of its type has" : "more than the maximum",
                                 r->max_payload);
            }
            if (length > capacity) return -EMSGSIZE;
            r->copy_length = length;
            *position_out = c;
            return 1;
        }
        if ((int64_t)(sequence - (c + 1)) > 0) {
            if (pshm_lapped(r, c)) {
                laps++;
                continue;
            }
            /* a later lap's sequence with the tail not past c + N: no producer writes that */
            pshm_fanout_move_cursor(r, c + 1);
            atomic_fetch_add_explicit(&h->counters.corrupt_slots, 1, memory_order_relaxed);
            return pshm_fail(r, -EPROTO, "slot %llu (position %llu) has sequence %llu, which no peer writes there: "
                             "dropped", (unsigned long long)(c & r->mask), (unsigned long long)c,
                             (unsigned long long)sequence);
        }
        /* empty, or claimed and not yet published */
        int rc = pshm_nothing_at(r, &w, c);
        if (rc < 0) return rc;
    }
}

/*
 * Internal (use pshm_receive, pshm_receive_n or pshm_receive_zc, which guard against a second take
 * while messages are held). Takes up to `max` consecutive messages of at most `capacity` bytes each,
 * at least one, with one move of the head (a longer first message stays in the ring: -EMSGSIZE). Returns how many, with the first
 * position in *position_out, or -EAGAIN (timeout 0 and empty), -ETIMEDOUT, -EPIPE (closed for writing
 * and drained: end of stream), or -EPROTO (a slot claims more than the ring's maximum: it is taken
 * and dropped).
 */
static inline int pshm_take_next(pshm_ring *r, uint32_t max, uint32_t capacity, int64_t timeout_ns,
                                 uint64_t *position_out) {
    if (r->role != PSHM_ROLE_CONSUMER || r->has_claim || max == 0 || max > INT32_MAX) return -EINVAL;
    if (r->dropped) return pshm_fail(r, -EIDRM, "ring %s: this consumer was dropped; attach again", r->name);
    if (r->overwrite) return pshm_take_copy(r, capacity, timeout_ns, position_out);
    pshm_header *h = r->header;
    pshm_wait w = pshm_wait_begin(timeout_ns);
    for (;;) {
        uint64_t head = r->fanout ? r->cursor : atomic_load_explicit(&h->head, memory_order_relaxed);
        pshm_slot *slot = pshm_slot_at(r, head);
        uint64_t sequence = atomic_load_explicit(&slot->sequence, memory_order_acquire);
        if (sequence == head + 1) {
            uint32_t length = slot->length;
            int skip = (slot->flags & PSHM_SLOT_SKIP) != 0;
            if (!skip && length > capacity && length <= r->max_payload) {
                /* the length is ours only if nobody took the position meanwhile (the fence keeps
                 * the length read before the second look at head) */
                atomic_thread_fence(memory_order_acquire);
                if (!r->fanout && !pshm_releases_by_cursor(r) && atomic_load_explicit(&h->head, memory_order_relaxed) != head) {
                    continue;
                }
                return -EMSGSIZE;
            }
            if (skip || length > r->max_payload || length < r->min_length) {
                if (!pshm_take(r, head, 1)) continue;
                pshm_release_positions(r, head, 1);
                pshm_ring_space_bell(r);
                if (skip) continue;
                atomic_fetch_add_explicit(&h->counters.corrupt_slots, 1, memory_order_relaxed);
                return pshm_fail(r, -EPROTO, "slot %llu (position %llu) claims %u bytes, %s %u: dropped",
                                 (unsigned long long)(head & r->mask), (unsigned long long)head, length,
                                 r->min_length ? "where every message of its type has" : "more than the maximum",
                                 r->max_payload);
            }
            /* the batch: following published, well-formed messages that fit */
            uint32_t n = 1;
            while (n < max) {
                pshm_slot *next = pshm_slot_at(r, head + n);
                if (atomic_load_explicit(&next->sequence, memory_order_acquire) != head + n + 1
                    || next->flags != 0 || next->length > capacity || next->length > r->max_payload
                    || next->length < r->min_length) {
                    break;
                }
                n++;
            }
            if (!pshm_take(r, head, n)) continue;
            *position_out = head;
            return (int)n;
        }
        if ((int64_t)(sequence - (head + 1)) > 0) {
            if (r->fanout) {
                /* never a lap while this consumer gates: damage, unless it was taken for dead and dropped */
                if (atomic_load_explicit(&r->peer->state, memory_order_acquire) != PSHM_PEER_ACTIVE
                    || r->peer->pid != (uint32_t)getpid() || r->peer->role != PSHM_ROLE_CONSUMER) {
                    r->dropped = 1;   /* the entry may be another consumer's now: never write it again */
                    return pshm_fail(r, -EIDRM, "ring %s: this consumer was taken for dead and dropped (its entry is"
                                                " not its own any more): attach again", r->name);
                }
                pshm_release_positions(r, head, 1);
                atomic_fetch_add_explicit(&h->counters.corrupt_slots, 1, memory_order_relaxed);
                pshm_ring_space_bell(r);
                return pshm_fail(r, -EPROTO, "slot %llu (position %llu) has sequence %llu, which no peer writes there: "
                                 "dropped", (unsigned long long)(head & r->mask), (unsigned long long)head,
                                 (unsigned long long)sequence);
            }
            /* another consumer took h (after the acquire above its take shows in the head) ... */
            if (!pshm_releases_by_cursor(r) && atomic_load_explicit(&h->head, memory_order_acquire) != head) continue;
            /* ... or the slot is corrupted: drop the position, which also frees the slot for producers */
            if (!pshm_take(r, head, 1)) continue;
            pshm_release_damaged(r, head);
            atomic_fetch_add_explicit(&h->counters.corrupt_slots, 1, memory_order_relaxed);
            pshm_ring_space_bell(r);
            return pshm_fail(r, -EPROTO, "slot %llu (position %llu) has sequence %llu, which no peer writes there: dropped",
                             (unsigned long long)(head & r->mask), (unsigned long long)head, (unsigned long long)sequence);
        }
        /* empty, or claimed and not yet published */
        int rc = pshm_nothing_at(r, &w, head);
        if (rc < 0) return rc;
    }
}

/*
 * Takes up to `max` messages without copying, at least one (waiting as timeout_ns says): they stay in
 * the ring, message i at pshm_batch_message(r, i, &length), until pshm_release_n. Returns how many or
 * a negative code (see pshm_take_next).
 */
static inline int pshm_receive_n(pshm_ring *r, uint32_t max, int64_t timeout_ns) {
    uint64_t position = 0;
    int n = pshm_take_next(r, max, UINT32_MAX, timeout_ns, &position);
    if (n < 0) return n;
    r->claimed = position;
    r->batch = (uint32_t)n;
    r->has_claim = PSHM_ROLE_CONSUMER;
    return n;
}

/* Message i of the pending pshm_receive_n (or NULL if there is no such message). */
static inline const void *pshm_batch_message(const pshm_ring *r, uint32_t i, uint32_t *length) {
    if (r->has_claim != PSHM_ROLE_CONSUMER || i >= r->batch) {
        *length = 0;
        return NULL;
    }
    if (r->overwrite) {   /* the copy taken out of the slot (one message per take) */
        *length = r->copy_length;
        return r->copy;
    }
    pshm_slot *slot = pshm_slot_at(r, r->claimed + i);
    /* read once and kept within the slot: a peer may write the length again after it was checked */
    uint32_t stored = __atomic_load_n(&slot->length, __ATOMIC_RELAXED);
    *length = stored <= r->max_payload && stored >= r->min_length ? stored : r->max_payload;
    return pshm_payload(slot);
}

/* Gives every slot taken by pshm_receive_n back to producers, with one look at the doorbell. */
static inline int pshm_release_n(pshm_ring *r) {
    if (r->has_claim != PSHM_ROLE_CONSUMER) return -EINVAL;
    r->has_claim = 0;
    pshm_release_positions(r, r->claimed, r->batch);
    r->messages += r->batch;
    atomic_store_explicit(&r->peer->messages, r->messages, memory_order_relaxed);
    pshm_ring_space_bell(r);
    return 0;
}

/* Takes the next message without copying: it stays in the ring, at *payload, until pshm_release. */
static inline int pshm_receive_zc(pshm_ring *r, const void **payload, uint32_t *length, int64_t timeout_ns) {
    int rc = pshm_receive_n(r, 1, timeout_ns);
    if (rc < 0) return rc;
    *payload = pshm_batch_message(r, 0, length);
    return 0;
}

/* Gives the slot of the message from pshm_receive_zc back to producers. */
static inline int pshm_release(pshm_ring *r) {
    return pshm_release_n(r);
}

/* Copies the next message into buffer; returns its length or a negative code (see pshm_take_next). */
static inline int pshm_receive(pshm_ring *r, void *buffer, uint32_t capacity, int64_t timeout_ns) {
    uint64_t position = 0;
    int rc = pshm_take_next(r, 1, capacity, timeout_ns, &position);
    if (rc < 0) return rc;
    pshm_slot *slot = pshm_slot_at(r, position);
    /* read once and bounded again: pshm_take_next checked it, but a peer may have written it since,
       and a second read must not copy beyond the buffer or the slot */
    uint32_t length = r->overwrite ? r->copy_length : __atomic_load_n(&slot->length, __ATOMIC_RELAXED);
    if (length > r->max_payload || length < r->min_length) length = r->max_payload;   /* as checked */
    if (length > capacity) length = capacity;
    memcpy(buffer, r->overwrite ? r->copy : pshm_payload(slot), length);
    atomic_store_explicit(&r->peer->messages, ++r->messages, memory_order_relaxed);
    pshm_release_positions(r, position, 1);
    pshm_ring_space_bell(r);
    return (int)length;
}

/* ---- looking at a ring (what `panama-shm inspect` shows; Java: Ring.inspect) ------------------- */

typedef struct pshm_stats {
    uint32_t state;                     /* PSHM_STATE_* */
    uint32_t slot_count;
    uint32_t max_payload;
    uint32_t flags;                     /* PSHM_FLAG_* */
    uint64_t tail;                      /* positions claimed by producers so far */
    uint64_t head;                      /* positions taken by consumers so far */
    uint64_t released;                  /* single-consumer rings: positions given back; else 0 */
    uint64_t depth;                     /* tail - head: published or claimed, not yet taken */
    uint32_t consumers_waiting;         /* announced as sleeping on the data doorbell */
    uint32_t producers_waiting;         /* announced as sleeping on the space doorbell */
    uint64_t abandoned_by_producers;    /* the counters of PROTOCOL.md §3.3 */
    uint64_t lost_in_consumers;
    uint64_t data_posts;
    uint64_t space_posts;
    uint64_t peers_reclaimed;
    uint64_t corrupt_slots;
    uint32_t peers;                     /* peer-table entries in use */
    uint32_t live_peers;                /* of those, entries whose process holds the entry's lock */
} pshm_stats;

/*
 * Reads r's header and peer table as they are now, without locking anything: each field is one
 * load, so fields read while peers work need not agree exactly. Works on any open handle, attached
 * or not; this handle's own entry counts as live.
 */
static inline void pshm_stats_read(const pshm_ring *r, pshm_stats *s) {
    const pshm_header *h = r->header;
    memset(s, 0, sizeof *s);
    s->state = atomic_load_explicit(&h->identity.state, memory_order_acquire);
    s->slot_count = (uint32_t)(r->mask + 1);
    s->max_payload = r->max_payload;
    s->flags = r->flags;
    s->tail = atomic_load_explicit(&h->tail, memory_order_acquire);
    s->head = atomic_load_explicit(&h->head, memory_order_acquire);
    if (pshm_releases_by_cursor(r)) s->released = atomic_load_explicit(&h->released, memory_order_acquire);
    s->depth = s->tail > s->head ? s->tail - s->head : 0;
    s->consumers_waiting = atomic_load_explicit(&h->consumers_waiting, memory_order_relaxed);
    s->producers_waiting = atomic_load_explicit(&h->producers_waiting, memory_order_relaxed);
    s->abandoned_by_producers = atomic_load_explicit(&h->counters.abandoned_by_producers, memory_order_relaxed);
    s->lost_in_consumers = atomic_load_explicit(&h->counters.lost_in_consumers, memory_order_relaxed);
    s->data_posts = atomic_load_explicit(&h->counters.data_posts, memory_order_relaxed);
    s->space_posts = atomic_load_explicit(&h->counters.space_posts, memory_order_relaxed);
    s->peers_reclaimed = atomic_load_explicit(&h->counters.peers_reclaimed, memory_order_relaxed);
    s->corrupt_slots = atomic_load_explicit(&h->counters.corrupt_slots, memory_order_relaxed);
    for (uint32_t i = 0; i < r->max_peers; i++) {  /* the validated copy: the header cannot widen the scan */
        const pshm_peer *peer = pshm_peer_at(h, i);
        if (atomic_load_explicit(&peer->state, memory_order_acquire) != PSHM_PEER_ACTIVE) continue;
        s->peers++;
        if ((int)i == r->peer_index || pshm_ofd_locked_by_others(r->fd, pshm_peer_lock_offset(i)) != 0) s->live_peers++;
    }
}

/* ---- leaving ------------------------------------------------------------------------------------ */

/*
 * Gives up a pending claim or releases pending zero-copy messages, leaves the peer table and
 * unmaps. The ring stays (see pshm_unlink).
 */
static inline void pshm_detach(pshm_ring *r) {
    if (r->peer != NULL && r->pid == getpid() && !r->dropped) {
        if (r->has_claim == PSHM_ROLE_PRODUCER) pshm_abort_n(r);
        if (r->has_claim == PSHM_ROLE_CONSUMER) pshm_release_n(r);
        pshm_set_fenced_sleeper(r, 0);
        atomic_store_explicit(&r->peer->messages, r->messages, memory_order_relaxed);
        atomic_store_explicit(&r->peer->state, PSHM_PEER_FREE, memory_order_release);
        if (r->fanout && r->role == PSHM_ROLE_CONSUMER) {   /* it gated the producer: no longer */
            pshm_publish_barrier(r);
            pshm_ring_space_bell(r);
        }
        pshm_ofd_lock(r->fd, pshm_peer_lock_offset((uint32_t)r->peer_index), F_UNLCK);
    }
    r->peer = NULL;
    r->peer_index = -1;
    pshm_unmap(r);
}

#endif /* _GNU_SOURCE */
#endif /* PANAMA_SHM_H */
