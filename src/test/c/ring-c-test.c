/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks the C API of panama_shm.h on its own: claim/commit/abort, receive outcomes, end of stream,
 * corrupted slots, handles inherited across fork, name rules. Usage: ring-c-test /UNIQUE-NAME.
 * Prints one line per check and exits non-zero at the first failure; removes the ring either way.
 */
#include "panama_shm.h"
#include "panama_shm_traffic.h"

#include <stdlib.h>
#include <sys/wait.h>

static const char *ring_name;
static char single_name[PSHM_MAX_NAME + 8];
static char typed_name[PSHM_MAX_NAME + 8];
static int checks;

static void cleanup(void) {
    pshm_unlink(ring_name);
    pshm_unlink(single_name);
    pshm_unlink(typed_name);
}

/* a message type of the typed-ring checks: 24 bytes, aligned to 8 */
struct tick { uint32_t venue; float price; int64_t when; uint8_t flags[4]; };
PSHM_DESCRIBE(tick, struct tick, PSHM_MEMBER(struct tick, when), PSHM_MEMBER(struct tick, venue),
              PSHM_MEMBER(struct tick, price), PSHM_MEMBER(struct tick, flags))

#define CHECK(condition)                                                                        \
    do {                                                                                        \
        checks++;                                                                               \
        if (!(condition)) {                                                                     \
            fprintf(stderr, "FAILED at line %d: %s\n", __LINE__, #condition);                   \
            cleanup();                                                                          \
            exit(1);                                                                            \
        }                                                                                       \
    } while (0)

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: ring-c-test /UNIQUE-NAME\n");
        return 2;
    }
    ring_name = argv[1];
    snprintf(single_name, sizeof single_name, "%s-sp", ring_name);
    snprintf(typed_name, sizeof typed_name, "%s-ty", ring_name);
    pshm_ring creator, producer, consumer, other;
    pshm_spec spec = {.slot_count = 4, .max_payload = 32};
    CHECK(pshm_create(&creator, ring_name, &spec) == 0);
    CHECK(pshm_create(&other, ring_name, &spec) == -EEXIST);
    CHECK(pshm_open(&producer, ring_name, PSHM_ROLE_PRODUCER, 0) == 0);
    CHECK(pshm_open(&consumer, ring_name, PSHM_ROLE_CONSUMER, 0) == 0);

    /* copy in, copy out; a message too big for the buffer stays in the ring */
    char buffer[64];
    CHECK(pshm_send(&producer, "hello world", 11, 0) == 0);
    CHECK(pshm_send(&producer, buffer, 33, 0) == -EMSGSIZE);
    CHECK(pshm_receive(&consumer, buffer, 5, 0) == -EMSGSIZE);
    CHECK(pshm_receive(&consumer, buffer, sizeof buffer, 0) == 11 && memcmp(buffer, "hello world", 11) == 0);
    CHECK(pshm_receive(&consumer, buffer, sizeof buffer, 0) == -EAGAIN);
    CHECK(pshm_receive(&consumer, buffer, sizeof buffer, 50000000) == -ETIMEDOUT);

    /* pshm_stats: what `panama-shm inspect` shows, from any handle */
    pshm_stats stats;
    CHECK(pshm_send(&producer, "x", 1, 0) == 0);
    pshm_stats_read(&creator, &stats);
    CHECK(stats.state == PSHM_STATE_READY && stats.slot_count == 4 && stats.max_payload == 32);
    CHECK(stats.tail == 2 && stats.head == 1 && stats.depth == 1 && stats.released == 0);
    CHECK(stats.peers == 2 && stats.live_peers == 2);  /* the producer's and the consumer's entries */
    pshm_stats_read(&consumer, &stats);
    CHECK(stats.live_peers == 2);                      /* its own entry counts as live */
    CHECK(pshm_receive(&consumer, buffer, sizeof buffer, 0) == 1);

    /* zero copy: claim, abort (skipped by consumers), claim, commit shorter */
    void *slot;
    CHECK(pshm_claim(&producer, 8, &slot, 0) == 0);
    CHECK(pshm_claim(&producer, 8, &slot, 0) == -EINVAL);  /* one claim at a time */
    CHECK(pshm_abort(&producer) == 0);
    CHECK(pshm_claim(&producer, 16, &slot, 0) == 0);
    memcpy(slot, "zero-copy", 9);
    CHECK(pshm_commit(&producer, 17) == -EMSGSIZE);
    CHECK(pshm_commit(&producer, 9) == 0);
    const void *payload;
    uint32_t length;
    CHECK(pshm_receive_zc(&consumer, &payload, &length, 0) == 0 && length == 9 && memcmp(payload, "zero-copy", 9) == 0);
    CHECK(pshm_release(&consumer) == 0);
    CHECK(creator.header->counters.abandoned_by_producers == 0);

    /* a full ring refuses without waiting and times out when asked to wait */
    for (int i = 0; i < 4; i++) CHECK(pshm_send(&producer, "x", 1, 0) == 0);
    CHECK(pshm_send(&producer, "x", 1, 0) == -EAGAIN);
    CHECK(pshm_send(&producer, "x", 1, 50000000) == -ETIMEDOUT);
    for (int i = 0; i < 4; i++) CHECK(pshm_receive(&consumer, buffer, sizeof buffer, 0) == 1);

    /* a slot whose length exceeds the maximum is dropped and reported, not read past the slot */
    CHECK(pshm_claim(&producer, 4, &slot, 0) == 0);
    pshm_slot_at(&producer, producer.claimed)->length = 32;  /* the commit below checks against this */
    CHECK(pshm_commit(&producer, 4) == 0);
    pshm_slot_at(&consumer, atomic_load(&consumer.header->head))->length = 1u << 31;
    CHECK(pshm_receive(&consumer, buffer, sizeof buffer, 0) == -EPROTO);
    CHECK(pshm_receive(&consumer, buffer, sizeof buffer, 0) == -EAGAIN);

    /* a handle attaches once; a forked child cannot use an inherited handle */
    CHECK(pshm_attach(&producer, PSHM_ROLE_PRODUCER, PSHM_LANGUAGE_C) == -EBUSY);
    pid_t child = fork();
    if (child == 0) {
        pshm_ring inherited = creator;
        _exit(pshm_attach(&inherited, PSHM_ROLE_CONSUMER, PSHM_LANGUAGE_C) == -EBADF ? 0 : 1);
    }
    int status;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* a single-producer ring admits one producer at a time, across handles and processes */
    pshm_spec single = {.slot_count = 2, .max_payload = 8, .flags = PSHM_FLAG_SINGLE_PRODUCER};
    pshm_ring single_creator, first, second;
    CHECK(pshm_create(&single_creator, single_name, &single) == 0);
    CHECK(pshm_open(&first, single_name, PSHM_ROLE_PRODUCER, 0) == 0);
    CHECK(pshm_open(&second, single_name, PSHM_ROLE_PRODUCER, 0) == -EBUSY);
    pshm_detach(&first);
    CHECK(pshm_open(&second, single_name, PSHM_ROLE_PRODUCER, 0) == 0);
    pshm_detach(&second);
    pshm_detach(&single_creator);
    CHECK(pshm_unlink(single_name) == 0);

    /* a single-consumer ring releases by cursor; a consumer that died holding messages is taken over */
    pshm_spec spsc = {.slot_count = 4, .max_payload = 8,
                      .flags = PSHM_FLAG_SINGLE_PRODUCER | PSHM_FLAG_SINGLE_CONSUMER};
    CHECK(pshm_create(&single_creator, single_name, &spsc) == 0);
    CHECK(pshm_open(&first, single_name, PSHM_ROLE_PRODUCER, 0) == 0);
    for (int i = 0; i < 4; i++) CHECK(pshm_send(&first, &i, sizeof i, 0) == 0);
    CHECK(pshm_send(&first, "x", 1, 0) == -EAGAIN);
    child = fork();
    if (child == 0) {  /* takes three, releases none, dies */
        pshm_ring dying;
        _exit(pshm_open(&dying, single_name, PSHM_ROLE_CONSUMER, 0) == 0 && pshm_receive_n(&dying, 3, 0) == 3 ? 0 : 1);
    }
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(pshm_send(&first, "x", 1, 0) == -EAGAIN);  /* its slots stay taken until a consumer takes over */
    CHECK(pshm_open(&second, single_name, PSHM_ROLE_CONSUMER, 0) == 0);
    CHECK(single_creator.header->counters.lost_in_consumers == 3);
    int value = -1;
    CHECK(pshm_receive(&second, &value, sizeof value, 0) == (int)sizeof value && value == 3);
    for (int i = 4; i < 8; i++) CHECK(pshm_send(&first, &i, sizeof i, 0) == 0);
    CHECK(pshm_send(&first, "x", 1, 0) == -EAGAIN);
    CHECK(pshm_receive_n(&second, 8, 0) == 4);
    CHECK(pshm_send(&first, "x", 1, 0) == -EAGAIN);  /* not released yet */
    CHECK(pshm_release_n(&second) == 0);
    CHECK(atomic_load(&single_creator.header->released) == 8);
    CHECK(pshm_send(&first, "x", 1, 0) == 0);
    /* a `released` beyond the head is damage: the next consumer skips what producers may have overwritten */
    pshm_detach(&second);
    atomic_store(&single_creator.header->released, 9);
    CHECK(pshm_open(&second, single_name, PSHM_ROLE_CONSUMER, 0) == 0);
    CHECK(atomic_load(&single_creator.header->head) == 9 && single_creator.header->counters.corrupt_slots == 1);
    CHECK(pshm_receive(&second, &value, sizeof value, 0) == -EAGAIN);
    pshm_detach(&second);
    pshm_detach(&first);
    pshm_detach(&single_creator);
    CHECK(pshm_unlink(single_name) == 0);

    /* a single consumer resets the sequence of a damaged slot it drops: one lap later it neither drops a
     * real message there nor a position nobody claimed (which would end the stream never) */
    pshm_spec sc = {.slot_count = 8, .max_payload = 8, .flags = PSHM_FLAG_SINGLE_CONSUMER};
    CHECK(pshm_create(&single_creator, single_name, &sc) == 0);
    CHECK(pshm_open(&first, single_name, PSHM_ROLE_PRODUCER, 0) == 0);
    CHECK(pshm_open(&second, single_name, PSHM_ROLE_CONSUMER, 0) == 0);
    for (int i = 0; i < 4; i++) CHECK(pshm_send(&first, &i, sizeof i, 0) == 0);
    atomic_store(&pshm_slot_at(&first, 3)->sequence, 1000000);
    for (int i = 0; i < 3; i++) CHECK(pshm_receive(&second, &value, sizeof value, 0) == (int)sizeof value && value == i);
    CHECK(pshm_receive(&second, &value, sizeof value, 0) == -EPROTO);
    for (int i = 4; i < 11; i++) {   /* up to position 3 + 8: the same slot one lap later */
        CHECK(pshm_send(&first, &i, sizeof i, 0) == 0);
        CHECK(pshm_receive(&second, &value, sizeof value, 0) == (int)sizeof value && value == i);
    }
    CHECK(pshm_receive(&second, &value, sizeof value, 0) == -EAGAIN);   /* position 11 not claimed */
    CHECK(pshm_claim(&first, sizeof value, &slot, 0) == 0);
    CHECK(pshm_receive(&second, &value, sizeof value, 0) == -EAGAIN);   /* claimed, not committed */
    value = 11;
    memcpy(slot, &value, sizeof value);
    CHECK(pshm_commit(&first, sizeof value) == 0);
    CHECK(pshm_receive(&second, &value, sizeof value, 0) == (int)sizeof value && value == 11);
    pshm_close_for_writing(&first);
    CHECK(pshm_receive(&second, &value, sizeof value, 1000000000) == -EPIPE);
    CHECK(single_creator.header->counters.corrupt_slots == 1);
    pshm_detach(&second);
    pshm_detach(&first);
    pshm_detach(&single_creator);
    CHECK(pshm_unlink(single_name) == 0);

    /* a consumer that dropped a damaged slot and died before resetting it: its successor's take-over
     * resets the slots it inherits, so the damaged value is not met again one lap later */
    pshm_spec sc4 = {.slot_count = 4, .max_payload = 8, .flags = PSHM_FLAG_SINGLE_CONSUMER};
    CHECK(pshm_create(&single_creator, single_name, &sc4) == 0);
    CHECK(pshm_open(&first, single_name, PSHM_ROLE_PRODUCER, 0) == 0);
    for (int i = 0; i < 4; i++) CHECK(pshm_send(&first, &i, sizeof i, 0) == 0);
    child = fork();
    if (child == 0) {  /* takes positions 0-2, releases none, dies */
        pshm_ring dying;
        _exit(pshm_open(&dying, single_name, PSHM_ROLE_CONSUMER, 0) == 0 && pshm_receive_n(&dying, 3, 0) == 3 ? 0 : 1);
    }
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    atomic_store(&pshm_slot_at(&first, 1)->sequence, 1000000);   /* as if it had dropped position 1 as damaged */
    CHECK(pshm_open(&second, single_name, PSHM_ROLE_CONSUMER, 0) == 0);
    CHECK(pshm_receive(&second, &value, sizeof value, 0) == (int)sizeof value && value == 3);
    value = 4;
    CHECK(pshm_send(&first, &value, sizeof value, 0) == 0);
    CHECK(pshm_receive(&second, &value, sizeof value, 0) == (int)sizeof value && value == 4);
    CHECK(pshm_receive(&second, &value, sizeof value, 0) == -EAGAIN);   /* position 5, slot 1: not yet */
    value = 5;
    CHECK(pshm_send(&first, &value, sizeof value, 0) == 0);
    CHECK(pshm_receive(&second, &value, sizeof value, 0) == (int)sizeof value && value == 5);
    CHECK(single_creator.header->counters.corrupt_slots == 0);
    pshm_detach(&second);
    pshm_detach(&first);
    pshm_detach(&single_creator);

    /* a head beyond the tail found at take-over is put back to released: the messages are read, and
     * producers do not overwrite them while the consumer waits at a position nobody claimed */
    CHECK(pshm_unlink(single_name) == 0);   /* the ring of the test above */
    CHECK(pshm_create(&single_creator, single_name, &sc4) == 0);
    CHECK(pshm_open(&first, single_name, PSHM_ROLE_PRODUCER, 0) == 0);
    for (int i = 0; i < 2; i++) CHECK(pshm_send(&first, &i, sizeof i, 0) == 0);
    atomic_store(&first.header->head, 1000);
    CHECK(pshm_open(&second, single_name, PSHM_ROLE_CONSUMER, 0) == 0);
    for (int i = 0; i < 2; i++) CHECK(pshm_receive(&second, &value, sizeof value, 0) == (int)sizeof value && value == i);
    for (int i = 2; i < 6; i++) CHECK(pshm_send(&first, &i, sizeof i, 0) == 0);
    CHECK(pshm_send(&first, &value, sizeof value, 0) == -EAGAIN);   /* full: nothing unread overwritten */
    for (int i = 2; i < 6; i++) CHECK(pshm_receive(&second, &value, sizeof value, 0) == (int)sizeof value && value == i);
    CHECK(single_creator.header->counters.corrupt_slots == 1);
    pshm_detach(&second);
    pshm_detach(&first);
    pshm_detach(&single_creator);

    /* a single producer's intent is written once, at attach: [tail, open end). A dead one's claims
     * are skipped as abandoned, a live one's are waited for, and its successor's intent starts
     * where the dead one's claims end */
    CHECK(pshm_unlink(single_name) == 0);   /* the ring of the test above */
    spsc.slot_count = 8;
    CHECK(pshm_create(&single_creator, single_name, &spsc) == 0);
    CHECK(pshm_open(&second, single_name, PSHM_ROLE_CONSUMER, 0) == 0);
    CHECK(pshm_open(&first, single_name, PSHM_ROLE_PRODUCER, 0) == 0);
    CHECK(atomic_load(&first.peer->claim_start) == 0 && atomic_load(&first.peer->claim_end) == PSHM_INTENT_OPEN_END);
    value = 0;
    CHECK(pshm_send(&first, &value, sizeof value, 0) == 0);
    CHECK(atomic_load(&first.peer->claim_start) == 0 && atomic_load(&first.peer->claim_end) == PSHM_INTENT_OPEN_END);
    CHECK(pshm_claim(&first, sizeof value, &slot, 0) == 0);   /* position 1, claimed by a live producer */
    CHECK(pshm_receive(&second, &value, sizeof value, 0) == (int)sizeof value && value == 0);
    CHECK(pshm_receive(&second, &value, sizeof value, 300000000) == -ETIMEDOUT);   /* waited for, not skipped */
    CHECK(single_creator.header->counters.abandoned_by_producers == 0);
    value = 1;
    memcpy(slot, &value, sizeof value);
    CHECK(pshm_commit(&first, sizeof value) == 0);
    CHECK(pshm_receive(&second, &value, sizeof value, 0) == (int)sizeof value && value == 1);
    pshm_detach(&first);
    child = fork();
    if (child == 0) {  /* attaches at tail 2, claims positions 2-4, dies before committing them */
        pshm_ring dying;
        _exit(pshm_open(&dying, single_name, PSHM_ROLE_PRODUCER, 0) == 0 && atomic_load(&dying.peer->claim_start) == 2
              && atomic_load(&dying.peer->claim_end) == PSHM_INTENT_OPEN_END && pshm_claim_n(&dying, 3, 4, 0) == 3 ? 0 : 1);
    }
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(pshm_receive(&second, &value, sizeof value, 2000000000) == -ETIMEDOUT);   /* skips 2-4, then waits at 5 */
    CHECK(single_creator.header->counters.abandoned_by_producers == 3);
    CHECK(pshm_open(&first, single_name, PSHM_ROLE_PRODUCER, 0) == 0);   /* the dead one's role lock is free */
    CHECK(atomic_load(&first.peer->claim_start) == 5 && atomic_load(&first.peer->claim_end) == PSHM_INTENT_OPEN_END);
    value = 5;
    CHECK(pshm_send(&first, &value, sizeof value, 0) == 0);
    CHECK(pshm_receive(&second, &value, sizeof value, 0) == (int)sizeof value && value == 5);
    CHECK(single_creator.header->counters.abandoned_by_producers == 3);
    pshm_detach(&second);
    pshm_detach(&first);
    pshm_detach(&single_creator);

    /* close for writing: producers are refused, consumers drain and then see the end */
    CHECK(pshm_send(&producer, "last", 4, 0) == 0);
    pshm_close_for_writing(&producer);
    CHECK(pshm_send(&producer, "more", 4, 0) == -EPIPE);
    CHECK(pshm_receive(&consumer, buffer, sizeof buffer, 0) == 4);
    CHECK(pshm_receive(&consumer, buffer, sizeof buffer, -1) == -EPIPE);

    /* the traffic verifier: bounded memory whatever sequences and ids arrive */
    pshm_traffic_verifier v;
    pshm_traffic_verifier_init(&v);
    CHECK(pshm_traffic_verifier_note(&v, 1, 1, 0) == PSHM_TRAFFIC_GOOD);
    CHECK(pshm_traffic_verifier_note(&v, 1, 1, UINT64_C(1) << 36) == PSHM_TRAFFIC_GOOD);  /* 8 GiB of bits, unbounded */
    CHECK(v.sources[0].seen_words <= PSHM_TRAFFIC_WINDOW / 64);
    CHECK(pshm_traffic_verifier_note(&v, 1, 1, (UINT64_C(1) << 36) - 5) == PSHM_TRAFFIC_OUT_OF_ORDER);
    CHECK(pshm_traffic_verifier_note(&v, 1, 1, (UINT64_C(1) << 36) - 5) == PSHM_TRAFFIC_DUPLICATE);
    CHECK(pshm_traffic_verifier_note(&v, 1, 1, 0) == PSHM_TRAFFIC_OUT_OF_ORDER);   /* forgotten: not a duplicate */
    CHECK(pshm_traffic_verifier_lost(&v, 0, 0) == (UINT64_C(1) << 36) + 1 - 3);
    for (uint32_t id = 2; id < PSHM_TRAFFIC_MAX_PRODUCERS + 5; id++) pshm_traffic_verifier_note(&v, 1, id, 0);
    CHECK(v.count == PSHM_TRAFFIC_MAX_PRODUCERS && v.corrupt == 4);
    pshm_traffic_verifier_free(&v);

    /* typed rings: the description, the type area, typed opens, lengths */
    {
        const pshm_type *tick = tick_type();
        CHECK(tick->size == sizeof(struct tick) && tick->align == 8 && tick->field_count == 4);
        pshm_ring typed, sender, reader;
        pshm_spec bad = {.slot_count = 4, .max_payload = 16, .type = tick};
        CHECK(pshm_create(&typed, typed_name, &bad) == -EINVAL && strstr(pshm_error(&typed), "every tick is 24 bytes"));
        pshm_spec typed_spec = {.slot_count = 4, .type = tick};
        CHECK(pshm_create(&typed, typed_name, &typed_spec) == 0);
        const pshm_type_area *area = pshm_message_type(&typed);
        CHECK(area != NULL && area->struct_size == 24 && area->field_count == 4 && strcmp(area->name, "tick") == 0);
        const pshm_type_field *first = (const pshm_type_field *)(area + 1);
        CHECK(strcmp(first[0].name, "venue") == 0 && first[0].kind == PSHM_KIND_UINT && first[0].size == 4);
        CHECK(strcmp(first[1].name, "price") == 0 && first[1].kind == PSHM_KIND_FLOAT && first[1].offset == 4);
        CHECK(strcmp(first[3].name, "flags") == 0 && first[3].kind == PSHM_KIND_BYTES && first[3].size == 4);
        CHECK(typed.header->identity.flags & PSHM_FLAG_TYPED);
        CHECK(pshm_message_type(&creator) == NULL);

        /* another type, or none, is refused before the ring is touched */
        pshm_type_field moved[4];
        memcpy(moved, tick->fields, sizeof moved);
        moved[1].kind = PSHM_KIND_INT;   /* venue as int32_t */
        pshm_type other_tick = *tick;
        other_tick.fields = moved;
        CHECK(pshm_open_typed(&other, typed_name, PSHM_ROLE_CONSUMER, &other_tick, 0) == -EPROTO);
        CHECK(strstr(pshm_error(&other), "carries tick (24 bytes): field \"venue\" is u32 there, i32 here") != NULL);
        CHECK(pshm_open_typed(&other, ring_name, PSHM_ROLE_CONSUMER, tick, 0) == -EPROTO);
        CHECK(strstr(pshm_error(&other), "carries no message type") != NULL);
        pshm_stats_read(&typed, &stats);
        CHECK(stats.peers == 0);

        /* every message has the type's size */
        CHECK(pshm_open_typed(&sender, typed_name, PSHM_ROLE_PRODUCER, tick, 0) == 0);
        CHECK(pshm_open(&reader, typed_name, PSHM_ROLE_CONSUMER, 0) == 0);   /* any peer may read it as bytes */
        struct tick t = {.venue = 7, .price = 1.5f, .when = 42, .flags = {1, 2, 3, 4}};
        CHECK(pshm_send(&sender, &t, 16, 0) == -EMSGSIZE);
        CHECK(pshm_send(&sender, &t, sizeof t, 0) == 0);
        struct tick *out;
        CHECK(pshm_claim(&sender, sizeof t, (void **)&out, 0) == 0);
        CHECK(pshm_commit(&sender, 8) == -EMSGSIZE);
        *out = t;
        CHECK(pshm_commit(&sender, sizeof t) == 0);
        const void *in;
        uint32_t length;
        CHECK(pshm_receive_zc(&reader, &in, &length, 0) == 0 && length == sizeof t);
        CHECK(((const struct tick *)in)->when == 42 && ((const struct tick *)in)->price == 1.5f);
        CHECK(pshm_release(&reader) == 0);
        CHECK(pshm_receive(&reader, buffer, sizeof buffer, 0) == (int)sizeof t);
        /* a short message written past the checks is damage: dropped, counted */
        CHECK(pshm_claim(&sender, sizeof t, (void **)&out, 0) == 0);
        pshm_slot_at(&sender, sender.claimed)->length = 8;
        CHECK(pshm_commit_n(&sender) == 0);
        CHECK(pshm_receive(&reader, buffer, sizeof buffer, 0) == -EPROTO);
        CHECK(strstr(pshm_error(&reader), "claims 8 bytes, where every message of its type has 24") != NULL);
        CHECK(pshm_receive(&reader, buffer, sizeof buffer, 0) == -EAGAIN);
        pshm_detach(&sender);
        pshm_detach(&reader);

        /* a damaged type area is refused, as damage */
        pshm_type_field *records = (pshm_type_field *)((uint8_t *)typed.header + pshm_peers_end(typed.max_peers)
                                                        + PSHM_TYPE_HEADER_SIZE);
        records[2].offset = 0;
        CHECK(pshm_open(&other, typed_name, PSHM_ROLE_NONE, 0) == -EPROTO);
        CHECK(strstr(pshm_error(&other), "its message type is damaged") != NULL);
        pshm_detach(&typed);
        CHECK(pshm_unlink(typed_name) == 0);
    }

    /* dead-peer checks: one failed attempt in PSHM_CHECK_EVERY, at most once per PSHM_CHECK_INTERVAL_NS,
     * and at once after a sleep (check_now) or a recovery (check_next) */
    {
        pshm_wait w = pshm_wait_begin(0);
        consumer.idle_polls = 0;        /* as a fresh handle: the calls above may have looked < 1 ms ago */
        consumer.next_check_ns = 0;
        consumer.check_next = 0;
        int attempts = 1;
        while (!pshm_check_due(&consumer, &w)) attempts++;
        CHECK(attempts == PSHM_CHECK_EVERY);   /* a handle's first due attempt looks */
        int64_t start = pshm_now_ns(CLOCK_MONOTONIC), elapsed;
        long more = 0;
        int looks = 1;
        do {   /* at least 20 ms, and on a loaded machine until two more looks (5 s at most) */
            looks += pshm_check_due(&consumer, &w);
            more++;
            elapsed = pshm_now_ns(CLOCK_MONOTONIC) - start;
        } while (elapsed < 20000000 || (looks < 3 && elapsed < INT64_C(5000000000)));
        CHECK(looks >= 3 && looks <= 2 + elapsed / PSHM_CHECK_INTERVAL_NS);
        CHECK(looks < more / PSHM_CHECK_EVERY);   /* counting attempts alone would look every 64 */
        consumer.next_check_ns = INT64_MAX;
        w.check_now = 1;   /* woken from a sleep */
        CHECK(pshm_check_due(&consumer, &w) == 1);
        CHECK(pshm_check_due(&consumer, &w) == 0);
        pshm_recovered(&consumer, 5);   /* the next failed attempt looks, in a later call too */
        pshm_wait later = pshm_wait_begin(0);
        CHECK(pshm_check_due(&consumer, &later) == 1);
        CHECK(pshm_check_due(&consumer, &later) == 0);
    }

    /* names */
    CHECK(pshm_open(&other, "no-slash", PSHM_ROLE_NONE, 0) == -EINVAL);
    CHECK(pshm_open(&other, "/a/b", PSHM_ROLE_NONE, 0) == -EINVAL);
    CHECK(pshm_open(&other, "/..", PSHM_ROLE_NONE, 0) == -EINVAL);

    pshm_detach(&producer);
    pshm_detach(&consumer);
    pshm_detach(&creator);
    CHECK(pshm_unlink(ring_name) == 0);
    CHECK(pshm_unlink(single_name) == 0);
    CHECK(pshm_open(&other, ring_name, PSHM_ROLE_CONSUMER, 0) == -ENOENT);
    printf("ring-c-test: %d checks passed\n", checks);
    return 0;
}
