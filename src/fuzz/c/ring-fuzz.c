/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: a real ring in /dev/shm whose header, peer table and slots the fuzzer patches,
 * then opened, attached to and read as a consumer and a producer would, with no
 * waiting. Whatever the bytes, panama_shm.h must answer with a return code: no crash, no read or
 * write outside the mapping (ASan, UBSan, SEGV), no endless loop (libFuzzer -timeout).
 *
 * Build and run: src/fuzz/run.sh SECONDS (clang-14 with -fsanitize=fuzzer,address,undefined).
 */
#include "panama_shm.h"

#include <stdio.h>
#include <stdlib.h>

static char ring_name[64];
static pshm_ring creator;
static size_t ring_size;

static void remove_ring(void) {
    pshm_unlink(ring_name);
}

static uint8_t pristine[8192];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    snprintf(ring_name, sizeof ring_name, "/pshm-fuzz-%d", (int)getpid());
    pshm_unlink(ring_name);
    pshm_spec spec = {.slot_count = 8, .max_payload = 48, .max_peers = 4};
    if (pshm_create(&creator, ring_name, &spec) != 0) {
        fprintf(stderr, "ring-fuzz: cannot create %s\n", ring_name);
        exit(1);
    }
    atexit(remove_ring);
    ring_size = creator.map_size;
    if (ring_size > sizeof pristine) {
        fprintf(stderr, "ring-fuzz: ring of %zu bytes is larger than expected\n", ring_size);
        exit(1);
    }
    /* a ring with some traffic behind it and 5 messages waiting, as the fuzzer's starting point */
    pshm_ring producer, consumer;
    if (pshm_open(&producer, ring_name, PSHM_ROLE_PRODUCER, 0) != 0
        || pshm_open(&consumer, ring_name, PSHM_ROLE_CONSUMER, 0) != 0) {
        exit(1);
    }
    char buffer[64];
    for (int i = 0; i < 11; i++) pshm_send(&producer, "message", 7, 0);
    for (int i = 0; i < 6; i++) pshm_receive(&consumer, buffer, sizeof buffer, 0);
    pshm_detach(&producer);
    pshm_detach(&consumer);
    memcpy(pristine, creator.header, ring_size);
    return 0;
}

/*
 * The input is a list of patches to that ring: (offset: 2 bytes, little-endian, modulo the ring's
 * size; count: 1 byte, modulo 17; then count bytes). Patching fields of a valid ring reaches the
 * code behind validation far more often than raw bytes would.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *bytes = (uint8_t *)creator.header;
    memcpy(bytes, pristine, ring_size);
    for (size_t i = 0; i + 3 <= size;) {
        size_t offset = ((size_t)data[i] | (size_t)data[i + 1] << 8) % ring_size;
        size_t count = data[i + 2] % 17;
        i += 3;
        for (size_t k = 0; k < count && i < size && offset + k < ring_size; k++, i++) bytes[offset + k] = data[i];
    }

    char why[256];
    (void)pshm_validate(creator.header, ring_size, why, sizeof why);

    pshm_ring consumer;
    if (pshm_open(&consumer, ring_name, PSHM_ROLE_CONSUMER, 0) == 0) {
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
        pshm_detach(&consumer);
    }
    pshm_ring producer;
    if (pshm_open(&producer, ring_name, PSHM_ROLE_PRODUCER, 0) == 0) {
        for (int i = 0; i < 12; i++) {
            if (pshm_send(&producer, "fuzz", 4, 0) != 0) break;
        }
        pshm_detach(&producer);
    }
    return 0;
}
