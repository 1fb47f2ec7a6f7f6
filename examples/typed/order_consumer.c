/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reads struct order messages from the ring NAME in place (no copy) until its producer closes it,
 * checks every field against what the example producer sends for order i, then removes the ring.
 * The ring must carry this program's struct order: a producer built from another order.h is refused
 * at the open, with the field that differs named.
 */
#include "panama_shm.h"
#include "order.h"

#include <stdio.h>

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "/orders-typed";
    pshm_ring ring;
    int rc = pshm_open_wait_typed(&ring, name, PSHM_ROLE_CONSUMER, order_type(), 10000000000 /* 10 s for the producer */);
    if (rc) {
        fprintf(stderr, "%s: %s\n", name, rc == -ENOENT ? "no such ring appeared within 10 s"
                                         : rc == -EPROTO ? pshm_error(&ring) : strerror(-rc));
        return 1;
    }
    long received = 0, wrong = 0;
    const void *payload;
    uint32_t length;
    while ((rc = pshm_receive_zc(&ring, &payload, &length, -1 /* wait for ever */)) == 0) {
        const struct order *o = payload;   /* 16-byte aligned, and exactly sizeof *o bytes in a typed ring */
        char symbol[sizeof o->symbol];
        snprintf(symbol, sizeof symbol, "ORD%04ld", received % 10000);
        if (length != sizeof *o || o->id != received || o->price != received * 0.25 || o->qty != received % 1000
                || memcmp(o->symbol, symbol, sizeof symbol) != 0) {
            if (wrong++ == 0) fprintf(stderr, "order %ld arrived as id=%lld qty=%d (%u bytes)\n", received,
                                      (long long)o->id, (int)o->qty, length);
        }
        received++;
        pshm_release(&ring);   /* the slot goes back to the producer */
    }
    printf("received=%ld wrong=%ld\n", received, wrong);
    pshm_detach(&ring);
    pshm_unlink(name);
    return rc == -EPIPE && wrong == 0 ? 0 : 1;   /* -EPIPE: closed for writing and drained */
}
