/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Creates the typed ring NAME, which carries struct order (order.h), and writes COUNT orders into
 * its slots in place: order i has id i, price i * 0.25, qty i % 1000 and symbol "ORD%04d" (i % 10000),
 * as the Java example producer writes them. Then closes the ring for writing; consumers drain it.
 */
#include "panama_shm.h"
#include "order.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "/orders-typed";
    long count = argc > 2 ? atol(argv[2]) : 1000;
    pshm_ring ring;
    pshm_spec spec = {.slot_count = 256, .type = order_type()};   /* max_payload: sizeof(struct order) */
    int rc = pshm_create(&ring, name, &spec);
    if (rc == 0) rc = pshm_attach(&ring, PSHM_ROLE_PRODUCER, PSHM_LANGUAGE_C);
    if (rc) {
        fprintf(stderr, "%s: %s\n", name, *pshm_error(&ring) ? pshm_error(&ring) : strerror(-rc));
        return 1;
    }
    for (long i = 0; i < count && rc == 0; i++) {
        struct order *o;
        if ((rc = pshm_claim(&ring, sizeof *o, (void **)&o, -1 /* wait while full */)) != 0) break;
        o->id = i;
        o->price = i * 0.25;
        o->qty = (int32_t)(i % 1000);
        char symbol[sizeof o->symbol + 1];
        snprintf(symbol, sizeof symbol, "ORD%04ld", i % 10000);
        memcpy(o->symbol, symbol, sizeof o->symbol);
        rc = pshm_commit(&ring, sizeof *o);
    }
    pshm_close_for_writing(&ring);
    pshm_detach(&ring);
    if (rc) {
        fprintf(stderr, "%s: %s\n", name, strerror(-rc));
        return 1;
    }
    printf("sent %ld orders to %s\n", count, name);
    return 0;
}
