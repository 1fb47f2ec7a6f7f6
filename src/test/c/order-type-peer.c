/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A peer of whatever struct order the order.h next to it describes, touching no member itself:
 * "open NAME" opens the typed ring NAME as a consumer and prints "attached", or the reason it was
 * refused (status 1); "create NAME" creates NAME carrying that struct order. TypedExampleTest
 * builds it against changed copies of examples/typed/order.h.
 */
#include "panama_shm.h"
#include "order.h"

#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: order-type-peer open|create NAME\n");
        return 2;
    }
    pshm_ring ring;
    pshm_spec spec = {.slot_count = 16, .type = order_type()};
    int rc = strcmp(argv[1], "create") == 0 ? pshm_create(&ring, argv[2], &spec)
                                             : pshm_open_typed(&ring, argv[2], PSHM_ROLE_CONSUMER, order_type(), 0);
    if (rc) {
        printf("refused: %s\n", *pshm_error(&ring) ? pshm_error(&ring) : strerror(-rc));
        return 1;
    }
    printf("attached\n");
    pshm_detach(&ring);
    return 0;
}
