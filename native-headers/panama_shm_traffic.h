/* SPDX-License-Identifier: Apache-2.0 */
/*
 * panama_shm_traffic.h — "verifiable traffic": messages whose every byte follows from who sent
 * them and in what order, so a consumer can check what arrived without any side channel.
 * Used by shm-producer and shm-consumer (src/main/c); the Java programs follow the same text.
 * Header-only, C11, libc only (it does not need panama_shm.h).
 *
 * splitmix64(x):  z = x + 0x9E3779B97F4A7C15
 *                 z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
 *                 z = (z ^ (z >> 27)) * 0x94D049BB133111EB
 *                 return z ^ (z >> 31)                     (all uint64_t, mod 2^64)
 *
 * Message of producer `id` (uint32) with sequence `seq` (uint64, per producer, from 0) and total
 * length `len` (>= 16), all integers in host byte order:
 *     bytes  0..7    seq     (uint64)
 *     bytes  8..11   id      (uint32)
 *     bytes 12..15   len     (uint32)
 *     byte i, 16 <= i < len:  (uint8_t)((base + (uint64_t)i * 0x165667B19E3779F9) >> 56)
 *                             where base = seq * 0x9E3779B97F4A7C15 + (uint64_t)id * 0xC2B2AE3D27D4EB4F
 *
 * Length of message (id, seq) for a size range [min, max], min >= 16:
 *     min == max ? min : min + splitmix64(((uint64_t)id << 48) ^ seq) % (max - min + 1)
 *
 * Checksum: message (id, seq) contributes splitmix64(((uint64_t)id << 40) ^ seq); a side's
 * checksum is the sum, mod 2^64, over its messages (for a consumer: good, non-duplicate ones).
 *
 * Accounting of a consumer (pshm_traffic_verifier):
 *     received       every message
 *     corrupt        failed pshm_traffic_verify: counted in received, nowhere else
 *     duplicated     (id, seq) already seen
 *     out_of_order   seq lower than the highest seen for that id, and not a duplicate
 *     lost           sum over ids of (highest + 1 - unique), the holes, unless shared (other
 *                    consumers take part of the stream, so holes are expected); and when the
 *                    number expected is known, at least expected - unique good messages
 *
 * Memory is bounded whatever arrives: duplicates are told apart within a window of the last
 * PSHM_TRAFFIC_WINDOW sequences of each producer (an older sequence counts as out of order), and up
 * to PSHM_TRAFFIC_MAX_PRODUCERS producer ids are tracked (messages of more ids count as corrupt).
 */
#ifndef PANAMA_SHM_TRAFFIC_H
#define PANAMA_SHM_TRAFFIC_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PSHM_TRAFFIC_HEADER_SIZE 16u
#define PSHM_TRAFFIC_WINDOW (UINT64_C(1) << 20)
#define PSHM_TRAFFIC_MAX_PRODUCERS 256u
#define PSHM_TRAFFIC_GOLDEN UINT64_C(0x9E3779B97F4A7C15)
#define PSHM_TRAFFIC_ID_MULTIPLIER UINT64_C(0xC2B2AE3D27D4EB4F)
#define PSHM_TRAFFIC_BYTE_MULTIPLIER UINT64_C(0x165667B19E3779F9)

/* ---- the pattern ------------------------------------------------------------------------------ */

static inline uint64_t pshm_splitmix64(uint64_t x) {
    uint64_t z = x + PSHM_TRAFFIC_GOLDEN;
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Length of message (id, seq) for sizes in [min, max]. */
static inline uint32_t pshm_traffic_length(uint32_t id, uint64_t seq, uint32_t min, uint32_t max) {
    if (min >= max) return min;
    uint64_t span = (uint64_t)max - min + 1;
    return min + (uint32_t)(pshm_splitmix64(((uint64_t)id << 48) ^ seq) % span);
}

/* What message (id, seq) adds to a checksum. */
static inline uint64_t pshm_traffic_checksum(uint32_t id, uint64_t seq) {
    return pshm_splitmix64(((uint64_t)id << 40) ^ seq);
}

static inline uint64_t pshm_traffic_base(uint32_t id, uint64_t seq) {
    return seq * PSHM_TRAFFIC_GOLDEN + (uint64_t)id * PSHM_TRAFFIC_ID_MULTIPLIER;
}

/* Writes message (id, seq) of `len` bytes (len >= 16; a shorter buffer gets the header's first bytes). */
static inline void pshm_traffic_fill(void *buffer, uint32_t id, uint64_t seq, uint32_t len) {
    uint8_t *out = (uint8_t *)buffer;
    uint8_t header[PSHM_TRAFFIC_HEADER_SIZE];
    memcpy(header, &seq, 8);
    memcpy(header + 8, &id, 4);
    memcpy(header + 12, &len, 4);
    memcpy(out, header, len < PSHM_TRAFFIC_HEADER_SIZE ? len : PSHM_TRAFFIC_HEADER_SIZE);
    uint64_t value = pshm_traffic_base(id, seq) + (uint64_t)PSHM_TRAFFIC_HEADER_SIZE * PSHM_TRAFFIC_BYTE_MULTIPLIER;
    for (uint32_t i = PSHM_TRAFFIC_HEADER_SIZE; i < len; i++) {
        out[i] = (uint8_t)(value >> 56);
        value += PSHM_TRAFFIC_BYTE_MULTIPLIER;
    }
}

/*
 * 1 if the `len` bytes at `message` are exactly message (id, seq) of length len, 0 if not.
 * Reports the id and seq its header claims (0 and 0 when len < 16).
 */
static inline int pshm_traffic_verify(const void *message, uint32_t len, uint32_t *id_out, uint64_t *seq_out) {
    const uint8_t *in = (const uint8_t *)message;
    uint64_t seq = 0;
    uint32_t id = 0, stated_len = 0;
    if (len >= PSHM_TRAFFIC_HEADER_SIZE) {
        memcpy(&seq, in, 8);
        memcpy(&id, in + 8, 4);
        memcpy(&stated_len, in + 12, 4);
    }
    if (id_out != NULL) *id_out = id;
    if (seq_out != NULL) *seq_out = seq;
    if (len < PSHM_TRAFFIC_HEADER_SIZE || stated_len != len) return 0;
    uint64_t value = pshm_traffic_base(id, seq) + (uint64_t)PSHM_TRAFFIC_HEADER_SIZE * PSHM_TRAFFIC_BYTE_MULTIPLIER;
    for (uint32_t i = PSHM_TRAFFIC_HEADER_SIZE; i < len; i++) {
        if (in[i] != (uint8_t)(value >> 56)) return 0;
        value += PSHM_TRAFFIC_BYTE_MULTIPLIER;
    }
    return 1;
}

/* ---- the verifier ------------------------------------------------------------------------------- */

typedef struct pshm_traffic_source {
    uint32_t id;
    uint64_t base;         /* a multiple of 64: sequences below it are forgotten */
    uint64_t *seen;        /* bit seq - base set when seq arrived */
    size_t seen_words;
    uint64_t highest;      /* highest seq seen */
    uint64_t unique;       /* distinct seqs seen */
} pshm_traffic_source;

typedef struct pshm_traffic_verifier {
    pshm_traffic_source *sources;
    size_t count, capacity;
    size_t last;           /* index of the last source used: traffic mostly comes in runs */
    uint64_t received, duplicated, out_of_order, corrupt, checksum;
} pshm_traffic_verifier;

/* What pshm_traffic_verifier_note made of a message. */
#define PSHM_TRAFFIC_GOOD 0
#define PSHM_TRAFFIC_DUPLICATE 1
#define PSHM_TRAFFIC_OUT_OF_ORDER 2
#define PSHM_TRAFFIC_CORRUPT 3

static inline void pshm_traffic_verifier_init(pshm_traffic_verifier *v) {
    memset(v, 0, sizeof *v);
}

static inline void pshm_traffic_verifier_free(pshm_traffic_verifier *v) {
    for (size_t i = 0; i < v->count; i++) free(v->sources[i].seen);
    free(v->sources);
    memset(v, 0, sizeof *v);
}

/* The entry of producer `id`, added if new; NULL when out of memory or PSHM_TRAFFIC_MAX_PRODUCERS are tracked. */
static inline pshm_traffic_source *pshm_traffic_source_of(pshm_traffic_verifier *v, uint32_t id) {
    if (v->last < v->count && v->sources[v->last].id == id) return &v->sources[v->last];
    for (size_t i = 0; i < v->count; i++) {
        if (v->sources[i].id == id) {
            v->last = i;
            return &v->sources[i];
        }
    }
    if (v->count == PSHM_TRAFFIC_MAX_PRODUCERS) return NULL;
    if (v->count == v->capacity) {
        size_t capacity = v->capacity ? 2 * v->capacity : 8;
        pshm_traffic_source *grown = (pshm_traffic_source *)realloc(v->sources, capacity * sizeof *grown);
        if (grown == NULL) return NULL;
        v->sources = grown;
        v->capacity = capacity;
    }
    pshm_traffic_source *source = &v->sources[v->count];
    memset(source, 0, sizeof *source);
    source->id = id;
    v->last = v->count++;
    return source;
}

/*
 * Makes the bitset of `source` hold bit `seq` (>= base): it grows up to PSHM_TRAFFIC_WINDOW bits,
 * then slides so that seq lands in its upper half. 0 or -ENOMEM.
 */
static inline int pshm_traffic_reserve(pshm_traffic_source *source, uint64_t seq) {
    const size_t max_words = (size_t)(PSHM_TRAFFIC_WINDOW / 64);
    uint64_t word = (seq - source->base) / 64;
    if (word < source->seen_words) return 0;
    if (word < max_words) {
        size_t words = source->seen_words ? source->seen_words : 16;
        while (words <= word) words *= 2;
        if (words > max_words) words = max_words;
        uint64_t *grown = (uint64_t *)realloc(source->seen, words * sizeof *grown);
        if (grown == NULL) return -ENOMEM;
        memset(grown + source->seen_words, 0, (words - source->seen_words) * sizeof *grown);
        source->seen = grown;
        source->seen_words = words;
        return 0;
    }
    uint64_t base = (seq / 64 - max_words / 2 + 1) * 64;
    uint64_t shift = (base - source->base) / 64;
    uint64_t *moved = (uint64_t *)calloc(max_words, sizeof *moved);
    if (moved == NULL) return -ENOMEM;
    if (shift < source->seen_words) memcpy(moved, source->seen + shift, (source->seen_words - shift) * sizeof *moved);
    free(source->seen);
    source->seen = moved;
    source->seen_words = max_words;
    source->base = base;
    return 0;
}

/*
 * Counts one received message: `good` says whether it verified, id and seq are what it claims.
 * Returns PSHM_TRAFFIC_* or -ENOMEM (then nothing is counted).
 */
static inline int pshm_traffic_verifier_note(pshm_traffic_verifier *v, int good, uint32_t id, uint64_t seq) {
    if (!good) {
        v->received++;
        v->corrupt++;
        return PSHM_TRAFFIC_CORRUPT;
    }
    pshm_traffic_source *source = pshm_traffic_source_of(v, id);
    if (source == NULL && v->count == PSHM_TRAFFIC_MAX_PRODUCERS) {   /* more ids than tracked */
        v->received++;
        v->corrupt++;
        return PSHM_TRAFFIC_CORRUPT;
    }
    if (source != NULL && seq < source->base) {   /* too old to tell whether it is a duplicate */
        v->received++;
        v->out_of_order++;
        return PSHM_TRAFFIC_OUT_OF_ORDER;
    }
    if (source == NULL || pshm_traffic_reserve(source, seq) != 0) return -ENOMEM;
    v->received++;
    uint64_t *word = &source->seen[(seq - source->base) / 64];
    uint64_t bit = UINT64_C(1) << (seq % 64);
    if (*word & bit) {
        v->duplicated++;
        return PSHM_TRAFFIC_DUPLICATE;
    }
    *word |= bit;
    v->checksum += pshm_traffic_checksum(id, seq);
    int result = PSHM_TRAFFIC_GOOD;
    if (source->unique > 0 && seq < source->highest) {
        v->out_of_order++;
        result = PSHM_TRAFFIC_OUT_OF_ORDER;
    }
    if (source->unique == 0 || seq > source->highest) source->highest = seq;
    source->unique++;
    return result;
}

/* Verifies and counts one received message; see pshm_traffic_verifier_note. */
static inline int pshm_traffic_verifier_add(pshm_traffic_verifier *v, const void *message, uint32_t len) {
    uint32_t id;
    uint64_t seq;
    int good = pshm_traffic_verify(message, len, &id, &seq);
    return pshm_traffic_verifier_note(v, good, id, seq);
}

/* Good, non-duplicate messages over all producers. */
static inline uint64_t pshm_traffic_verifier_unique(const pshm_traffic_verifier *v) {
    uint64_t unique = 0;
    for (size_t i = 0; i < v->count; i++) unique += v->sources[i].unique;
    return unique;
}

/*
 * Messages lost: the holes in every producer's sequence (not counted when `shared`: other
 * consumers took them), and at least `expected` - unique good messages (expected 0 = not known).
 */
static inline uint64_t pshm_traffic_verifier_lost(const pshm_traffic_verifier *v, int shared, uint64_t expected) {
    uint64_t lost = 0;
    if (!shared) {
        for (size_t i = 0; i < v->count; i++) {
            const pshm_traffic_source *source = &v->sources[i];
            if (source->unique > 0 && source->highest + 1 > source->unique) lost += source->highest + 1 - source->unique;
        }
    }
    uint64_t unique = pshm_traffic_verifier_unique(v);
    if (expected > unique && expected - unique > lost) lost = expected - unique;
    return lost;
}

/* ---- command-line helpers shared by the programs -------------------------------------------------- */

/* Parses an unsigned number in `base` (the whole string, no sign); 0 or -EINVAL. */
static inline int pshm_traffic_parse_u64(const char *text, int base, uint64_t *out) {
    if (text == NULL || text[0] < '0' || text[0] > '9') return -EINVAL;
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, base);
    if (errno != 0 || *end != '\0') return -EINVAL;
    *out = (uint64_t)value;
    return 0;
}

static inline int pshm_traffic_parse_u32(const char *text, int base, uint32_t *out) {
    uint64_t value;
    if (pshm_traffic_parse_u64(text, base, &value) != 0 || value > UINT32_MAX) return -EINVAL;
    *out = (uint32_t)value;
    return 0;
}

/* Parses the value of --size: "N" (min = max = N) or "MIN-MAX" with MIN <= MAX; 0 or -EINVAL. */
static inline int pshm_traffic_parse_size(const char *text, uint32_t *min, uint32_t *max) {
    if (text == NULL) return -EINVAL;
    const char *dash = strchr(text, '-');
    if (dash == NULL) {
        if (pshm_traffic_parse_u32(text, 10, min) != 0) return -EINVAL;
        *max = *min;
        return 0;
    }
    char low[24];
    size_t low_length = (size_t)(dash - text);
    if (low_length == 0 || low_length >= sizeof low) return -EINVAL;
    memcpy(low, text, low_length);
    low[low_length] = '\0';
    uint32_t a, b;
    if (pshm_traffic_parse_u32(low, 10, &a) != 0 || pshm_traffic_parse_u32(dash + 1, 10, &b) != 0 || a > b) {
        return -EINVAL;
    }
    *min = a;
    *max = b;
    return 0;
}

#define PSHM_TRAFFIC_STR_(x) #x
#define PSHM_TRAFFIC_STR(x) PSHM_TRAFFIC_STR_(x)

/* Text for a negative errno from panama_shm.h, in the words of the ring. */
static inline const char *pshm_traffic_error_text(int rc) {
    switch (-rc) {
    case EPROTO: return "not a panama-shm ring of layout version " PSHM_TRAFFIC_STR(PSHM_VERSION_MAJOR) " (or corrupted)";
    case ENOENT: return "no such ring";
    case EBUSY: return "single-producer/consumer ring already has one";
    case EUSERS: return "peer table full";
    case EAGAIN: return "not ready (its creator has not finished setting it up)";
    default: return strerror(-rc);
    }
}

#endif /* PANAMA_SHM_TRAFFIC_H */
