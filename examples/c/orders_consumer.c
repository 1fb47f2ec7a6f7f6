/* SPDX-License-Identifier: Apache-2.0 */
/* Receives orders from the ring NAME until its producer closes it, then removes the ring. */
#include "panama_shm.h"

#include <stdio.h>

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "/orders";
    pshm_ring ring;
    int rc = pshm_open_wait(&ring, name, PSHM_ROLE_CONSUMER, 10000000000 /* 10 s for the producer */);
    if (rc) {
        fprintf(stderr, "%s: %s\n", name, rc == -ENOENT ? "no such ring appeared within 10 s"
                                         : rc == -EPROTO ? pshm_error(&ring) : strerror(-rc));
        return 1;
    }
    char order[64];
    int length;
    long received = 0;
    while ((length = pshm_receive(&ring, order, sizeof order, -1 /* wait for ever */)) >= 0) {
        received++;   /* order[0, length) is one order */
    }
    pshm_stats stats;
    pshm_stats_read(&ring, &stats);
    printf("received=%ld lost_in_consumers=%llu\n", received, (unsigned long long)stats.lost_in_consumers);
    pshm_detach(&ring);
    pshm_unlink(name);
    return length == -EPIPE ? 0 : 1;   /* -EPIPE: closed for writing and drained */
}
