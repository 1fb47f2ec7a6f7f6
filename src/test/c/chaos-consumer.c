/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The C consumer of the kill-chaos test: drains RING until the end of the stream and records every
 * message it received as a 12-byte receipt (u32 producer id, u64 sequence; id 0xFFFFFFFF for a
 * message that failed the pattern check or a slot the ring dropped) with one write(2) each, before
 * releasing it, so that a SIGKILL loses no receipt of a message that left the ring.
 * Usage: chaos-consumer RING RECEIPTS-FILE
 */
#include "panama_shm.h"
#include "panama_shm_traffic.h"

#include <fcntl.h>

static void receipt(int fd, uint32_t id, uint64_t seq) {
    unsigned char record[12];
    memcpy(record, &id, 4);
    memcpy(record + 4, &seq, 8);
    if (write(fd, record, sizeof record) != (ssize_t)sizeof record) exit(3);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: chaos-consumer RING RECEIPTS-FILE\n");
        return 2;
    }
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return 2;
    pshm_ring r;
    int rc = -ENOENT;
    for (int i = 0; i < 1000 && (rc = pshm_open(&r, argv[1], PSHM_ROLE_CONSUMER, 1000000000)) == -ENOENT; i++) {
        usleep(10000);
    }
    if (rc) {
        fprintf(stderr, "chaos-consumer: cannot open %s: %s\n", argv[1], strerror(-rc));
        return 2;
    }
    printf("attached\n");
    fflush(stdout);
    for (;;) {
        const void *message;
        uint32_t length;
        rc = pshm_receive_zc(&r, &message, &length, 1000000000);
        if (rc == -ETIMEDOUT) continue;
        if (rc == -EPIPE) break;
        if (rc == -EPROTO) { receipt(fd, UINT32_MAX, 0); continue; }
        if (rc) {
            fprintf(stderr, "chaos-consumer: receive: %s\n", strerror(-rc));
            return 1;
        }
        uint32_t id;
        uint64_t seq;
        if (pshm_traffic_verify(message, length, &id, &seq)) receipt(fd, id, seq);
        else receipt(fd, UINT32_MAX, 0);
        pshm_release(&r);
    }
    pshm_detach(&r);
    return 0;
}
