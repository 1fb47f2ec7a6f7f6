/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fan-out rings in C (one producer): every consumer reads every message in order; in block mode the
 * slowest live consumer gates the producer, leaving and dying stop gating, a late joiner starts live,
 * sleeping consumers all wake on a publish; in overwrite mode (on /UNIQUE-NAME-ow) the producer never
 * waits and a lapped consumer skips exactly what was overwritten. Usage: fanout-c-test /UNIQUE-NAME.
 */
#include "panama_shm.h"

#include <stdlib.h>
#include <sys/wait.h>

static const char *ring_name;
static char overwrite_name[PSHM_MAX_NAME + 8];
static int checks;

#define CHECK(condition)                                                                        \
    do {                                                                                        \
        checks++;                                                                               \
        if (!(condition)) {                                                                     \
            fprintf(stderr, "FAILED at line %d: %s\n", __LINE__, #condition);                   \
            pshm_unlink(ring_name);                                                             \
            if (overwrite_name[0] != '\0') pshm_unlink(overwrite_name);                          \
            exit(1);                                                                            \
        }                                                                                       \
    } while (0)

static void send_number(pshm_ring *producer, uint64_t n) {
    CHECK(pshm_send(producer, &n, sizeof n, 0) == 0);
}

static uint64_t receive_number(pshm_ring *consumer) {
    uint64_t n = UINT64_MAX;
    CHECK(pshm_receive(consumer, &n, sizeof n, 0) == (int)sizeof n);
    return n;
}

/* A child consumer that sleeps for the next message; exits 0 if it came within 2 s. */
static pid_t sleeping_consumer(uint64_t expected) {
    pid_t child = fork();
    if (child == 0) {
        pshm_ring c;
        if (pshm_open(&c, ring_name, PSHM_ROLE_CONSUMER, 0) != 0) _exit(2);
        pshm_set_wait(&c, PSHM_WAIT_SLEEP, 0);
        uint64_t n = 0;
        int rc = pshm_receive(&c, &n, sizeof n, 2000000000);
        _exit(rc == (int)sizeof n && n == expected ? 0 : 3);
    }
    return child;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: fanout-c-test /UNIQUE-NAME\n");
        return 2;
    }
    ring_name = argv[1];
    pshm_ring creator, producer, a, b, late, other;
    pshm_spec bad = {.slot_count = 8, .max_payload = 16, .flags = PSHM_FLAG_FANOUT};
    CHECK(pshm_create(&creator, ring_name, &bad) == -EINVAL);   /* fan-out needs a single producer */
    pshm_spec spec = {.slot_count = 8, .max_payload = 16, .flags = PSHM_FLAG_FANOUT | PSHM_FLAG_SINGLE_PRODUCER};
    CHECK(pshm_create(&creator, ring_name, &spec) == 0);
    CHECK(creator.header->identity.fanout_mode == PSHM_FANOUT_BLOCK);
    CHECK(pshm_open(&producer, ring_name, PSHM_ROLE_PRODUCER, 0) == 0);
    CHECK(pshm_open(&other, ring_name, PSHM_ROLE_PRODUCER, 0) == -EBUSY);
    CHECK(pshm_open(&a, ring_name, PSHM_ROLE_CONSUMER, 0) == 0);
    CHECK(pshm_open(&b, ring_name, PSHM_ROLE_CONSUMER, 0) == 0);

    /* the slowest consumer gates: 8 slots, B reads nothing, A reads all */
    for (uint64_t i = 0; i < 8; i++) send_number(&producer, i);
    uint64_t nine = 8;
    CHECK(pshm_send(&producer, &nine, sizeof nine, 0) == -EAGAIN);
    for (uint64_t i = 0; i < 8; i++) CHECK(receive_number(&a) == i);
    CHECK(pshm_send(&producer, &nine, sizeof nine, 0) == -EAGAIN);   /* B still gates */
    for (uint64_t i = 0; i < 4; i++) CHECK(receive_number(&b) == i);
    for (uint64_t i = 8; i < 12; i++) send_number(&producer, i);
    CHECK(pshm_send(&producer, &nine, sizeof nine, 0) == -EAGAIN);
    for (uint64_t i = 4; i < 12; i++) CHECK(receive_number(&b) == i);
    for (uint64_t i = 8; i < 12; i++) CHECK(receive_number(&a) == i);
    uint64_t none;
    CHECK(pshm_receive(&a, &none, sizeof none, 0) == -EAGAIN);

    /* a message longer than the buffer stays, and the call says so at once (the cursor is past 0 here) */
    send_number(&producer, 12);
    uint32_t small;
    CHECK(pshm_receive(&a, &small, sizeof small, 100000000) == -EMSGSIZE);
    CHECK(receive_number(&a) == 12 && receive_number(&b) == 12);

    /* a late joiner starts at the tail: it sees what comes after it attached, whole */
    CHECK(pshm_open(&late, ring_name, PSHM_ROLE_CONSUMER, 0) == 0);
    send_number(&producer, 13);
    CHECK(receive_number(&late) == 13 && receive_number(&a) == 13 && receive_number(&b) == 13);

    /* leaving stops gating: with B gone, A alone decides */
    pshm_detach(&b);
    pshm_detach(&late);
    for (uint64_t i = 14; i < 22; i++) send_number(&producer, i);
    for (uint64_t i = 14; i < 22; i++) CHECK(receive_number(&a) == i);

    /* a consumer that dies attached gates until the producer, stuck for 100 ms, drops it */
    pid_t dying = fork();
    if (dying == 0) {
        pshm_ring c;
        _exit(pshm_open(&c, ring_name, PSHM_ROLE_CONSUMER, 0) == 0 ? 0 : 2);   /* dies without detaching */
    }
    int status = 0;
    CHECK(waitpid(dying, &status, 0) == dying && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    for (uint64_t i = 21; i < 29; i++) send_number(&producer, i);
    for (uint64_t i = 21; i < 29; i++) CHECK(receive_number(&a) == i);
    uint64_t n29 = 29;
    CHECK(pshm_send(&producer, &n29, sizeof n29, 0) == -EAGAIN);   /* the dead one gates for now */
    CHECK(pshm_send(&producer, &n29, sizeof n29, 2000000000) == 0);   /* dropped after 100 ms */
    CHECK(atomic_load(&creator.header->counters.fanout_dropped) == 1);
    CHECK(receive_number(&a) == 29);

    /* every sleeping consumer wakes on one publish */
    pid_t sleepers[3];
    for (int i = 0; i < 3; i++) sleepers[i] = sleeping_consumer(30);
    for (int64_t until = pshm_now_ns(CLOCK_MONOTONIC) + 5000000000; pshm_now_ns(CLOCK_MONOTONIC) < until;) {
        pshm_stats stats;
        pshm_stats_read(&creator, &stats);
        if (stats.consumers_waiting == 3) break;
        usleep(1000);
    }
    send_number(&producer, 30);
    int64_t sent = pshm_now_ns(CLOCK_MONOTONIC);
    for (int i = 0; i < 3; i++) {
        CHECK(waitpid(sleepers[i], &status, 0) == sleepers[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK(pshm_now_ns(CLOCK_MONOTONIC) - sent < 900000000);   /* not a slice's timeout: woken */
    CHECK(receive_number(&a) == 30);

    /* end of stream: each consumer drains, then -EPIPE */
    send_number(&producer, 31);
    pshm_close_for_writing(&producer);
    CHECK(receive_number(&a) == 31);
    CHECK(pshm_receive(&a, &none, sizeof none, 0) == -EPIPE);

    /* a damaged mode is refused */
    creator.header->identity.fanout_mode = 7;
    CHECK(pshm_open(&other, ring_name, PSHM_ROLE_NONE, 0) == -EPROTO && strstr(pshm_error(&other), "fan-out") != NULL);

    pshm_detach(&a);
    pshm_detach(&producer);
    pshm_detach(&creator);
    CHECK(pshm_unlink(ring_name) == 0);

    /* overwrite mode: the producer never waits; a consumer a lap behind skips, and counts, what went */
    snprintf(overwrite_name, sizeof overwrite_name, "%s-ow", ring_name);
    pshm_spec wrong = {.slot_count = 8, .max_payload = 16, .flags = PSHM_FLAG_SINGLE_PRODUCER,
                       .fanout_mode = PSHM_FANOUT_OVERWRITE};
    CHECK(pshm_create(&creator, overwrite_name, &wrong) == -EINVAL);   /* a mode without the flag */
    wrong.flags |= PSHM_FLAG_FANOUT;
    wrong.fanout_mode = 3;
    CHECK(pshm_create(&creator, overwrite_name, &wrong) == -EINVAL);   /* no such mode */
    pshm_spec ow = {.slot_count = 8, .max_payload = 16, .flags = PSHM_FLAG_FANOUT | PSHM_FLAG_SINGLE_PRODUCER,
                    .fanout_mode = PSHM_FANOUT_OVERWRITE};
    CHECK(pshm_create(&creator, overwrite_name, &ow) == 0);
    CHECK(creator.header->identity.fanout_mode == PSHM_FANOUT_OVERWRITE);
    CHECK(pshm_open(&producer, overwrite_name, PSHM_ROLE_PRODUCER, 0) == 0);
    CHECK(pshm_open(&a, overwrite_name, PSHM_ROLE_CONSUMER, 0) == 0);
    CHECK(pshm_open(&b, overwrite_name, PSHM_ROLE_CONSUMER, 0) == 0);
    for (uint64_t i = 100; i < 103; i++) send_number(&producer, i);
    CHECK(receive_number(&a) == 100 && receive_number(&b) == 100);
    for (uint64_t i = 103; i < 120; i++) send_number(&producer, i);   /* never waits: both are lapped */
    CHECK(receive_number(&a) == 112);   /* the tail is 20: positions 12 ... 19 are still there */
    CHECK(pshm_messages_lost(&a) == 11);
    for (uint64_t i = 113; i < 120; i++) CHECK(receive_number(&a) == i);
    CHECK(pshm_receive(&a, &none, sizeof none, 0) == -EAGAIN);
    CHECK(receive_number(&b) == 112 && pshm_messages_lost(&b) == 11);
    CHECK(atomic_load(&creator.header->counters.fanout_overwritten) == 22);
    send_number(&producer, 120);
    CHECK(pshm_receive(&b, &small, sizeof small, 0) == -EMSGSIZE);   /* it stays */
    const void *copy;
    uint32_t length;
    CHECK(pshm_receive_zc(&a, &copy, &length, 0) == 0 && length == 8 && *(const uint64_t *)copy == 120);
    CHECK(pshm_release(&a) == 0);
    pshm_detach(&b);   /* leaving gates nothing either */
    for (uint64_t i = 121; i < 140; i++) send_number(&producer, i);
    pshm_close_for_writing(&producer);
    CHECK(receive_number(&a) == 132 && pshm_messages_lost(&a) == 22);
    for (uint64_t i = 133; i < 140; i++) CHECK(receive_number(&a) == i);
    CHECK(pshm_receive(&a, &none, sizeof none, 0) == -EPIPE);
    pshm_detach(&a);
    pshm_detach(&producer);
    pshm_detach(&creator);
    CHECK(pshm_unlink(overwrite_name) == 0);
    printf("fanout-c-test: %d checks passed\n", checks);
    return 0;
}
