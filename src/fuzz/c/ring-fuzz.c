/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: two real rings in /dev/shm, one untyped and one typed, whose header, peer table,
 * type area and slots the fuzzer patches, then opened (the typed one with its type), attached to and
 * read as a consumer and a producer would, with no waiting. Whatever the bytes, panama_shm.h must answer with a return code: no crash, no read or
 * write outside the mapping (ASan, UBSan, SEGV), no endless loop (libFuzzer -timeout).
 *
 * Build and run: src/fuzz/run.sh SECONDS (clang-14 with -fsanitize=fuzzer,address,undefined).
 */
#include "panama_shm.h"

#include <stdio.h>
#include <stdlib.h>

/* One ring to patch: an untyped one, and a typed one whose type area the patches reach too. */
typedef struct fuzz_ring {
    char name[64];
    const pshm_type *type;
    pshm_ring creator;
    size_t size;
    uint8_t pristine[8192];
} fuzz_ring;

struct tick { int64_t when; uint32_t venue; float price; char symbol[8]; double sizes[2]; };
PSHM_DESCRIBE(tick, struct tick, PSHM_MEMBER(struct tick, when), PSHM_MEMBER(struct tick, venue),
              PSHM_MEMBER(struct tick, price), PSHM_MEMBER(struct tick, symbol), PSHM_MEMBER(struct tick, sizes))

static fuzz_ring rings[2];

static void remove_rings(void) {
    for (int i = 0; i < 2; i++) pshm_unlink(rings[i].name);
}

/* Creates f's ring with some traffic behind it and 5 messages waiting, the fuzzer's starting point. */
static void make(fuzz_ring *f, const char *suffix, const pshm_type *type) {
    snprintf(f->name, sizeof f->name, "/pshm-fuzz-%d%s", (int)getpid(), suffix);
    f->type = type;
    pshm_unlink(f->name);
    pshm_spec spec = {.slot_count = 8, .max_payload = type ? 0 : 48, .max_peers = 4, .type = type};
    if (pshm_create(&f->creator, f->name, &spec) != 0) {
        fprintf(stderr, "ring-fuzz: cannot create %s: %s\n", f->name, pshm_error(&f->creator));
        exit(1);
    }
    f->size = f->creator.map_size;
    if (f->size > sizeof f->pristine) {
        fprintf(stderr, "ring-fuzz: ring of %zu bytes is larger than expected\n", f->size);
        exit(1);
    }
    pshm_ring producer, consumer;
    if (pshm_open_typed(&producer, f->name, PSHM_ROLE_PRODUCER, type, 0) != 0
        || pshm_open_typed(&consumer, f->name, PSHM_ROLE_CONSUMER, type, 0) != 0) {
        exit(1);
    }
    char message[48] = "message", buffer[64];
    uint32_t length = type ? (uint32_t)sizeof(struct tick) : 7;
    for (int i = 0; i < 11; i++) pshm_send(&producer, message, length, 0);
    for (int i = 0; i < 6; i++) pshm_receive(&consumer, buffer, sizeof buffer, 0);
    pshm_detach(&producer);
    pshm_detach(&consumer);
    memcpy(f->pristine, f->creator.header, f->size);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    make(&rings[0], "", NULL);
    make(&rings[1], "-typed", tick_type());
    atexit(remove_rings);
    return 0;
}

/* Opens, reads and writes f's ring as the peers would, after the patches; any answer but a crash will do. */
static void exercise(fuzz_ring *f) {
    char why[256];
    (void)pshm_validate(f->creator.header, f->size, why, sizeof why);

    pshm_ring consumer;
    if (pshm_open_typed(&consumer, f->name, PSHM_ROLE_CONSUMER, f->type, 0) == 0) {
        char buffer[64];
        for (int i = 0; i < 12; i++) {
            int rc = pshm_receive(&consumer, buffer, sizeof buffer, 0);
            if (rc == -EAGAIN || rc == -EPIPE) break;
        }
        int n = pshm_receive_n(&consumer, 16, 0);
        for (int i = 0; n > 0 && i < n + 1; i++) {
            uint32_t length;
            const uint8_t *message = pshm_batch_message(&consumer, (uint32_t)i, &length);
            if (message != NULL && length > 0) (void)*(volatile const uint8_t *)(message + length - 1);
        }
        if (n > 0) pshm_release_n(&consumer);
        const pshm_type_area *type = pshm_message_type(&consumer);
        if (type != NULL) {   /* what a tool reads of the type: every record, described */
            for (uint32_t i = 0; i < type->field_count; i++) {
                char text[32];
                pshm_field_describe(pshm_area_field(type, i), text, sizeof text);
            }
        }
        pshm_detach(&consumer);
    }
    pshm_ring producer;
    if (pshm_open(&producer, f->name, PSHM_ROLE_PRODUCER, 0) == 0) {
        char message[48] = "fuzz";
        for (int i = 0; i < 12; i++) {
            if (pshm_send(&producer, message, producer.min_length ? producer.min_length : 4, 0) != 0) break;
        }
        pshm_detach(&producer);
    }
}

/*
 * The input is a list of patches to both rings: (offset: 2 bytes, little-endian, modulo the ring's
 * size; count: 1 byte, modulo 17; then count bytes). Patching fields of a valid ring reaches the
 * code behind validation far more often than raw bytes would.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    for (int r = 0; r < 2; r++) {
        fuzz_ring *f = &rings[r];
        uint8_t *bytes = (uint8_t *)f->creator.header;
        memcpy(bytes, f->pristine, f->size);
        for (size_t i = 0; i + 3 <= size;) {
            size_t offset = ((size_t)data[i] | (size_t)data[i + 1] << 8) % f->size;
            size_t count = data[i + 2] % 17;
            i += 3;
            for (size_t k = 0; k < count && i < size && offset + k < f->size; k++, i++) bytes[offset + k] = data[i];
        }
        exercise(f);
    }
    return 0;
}
