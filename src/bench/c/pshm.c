/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The panama-shm C side of the benchmark, on panama_shm.h as its users would use it: zero-copy
 * claims (one message per claim, or --batch B per pshm_claim_n), consumers draining with
 * pshm_receive_n(.., 256, ..). Extra flags: --spsc (a single-producer/single-consumer ring; otherwise
 * the default multi-producer/multi-consumer one), --wait spin|standard|sleep (the wait policy of
 * both sides) and --typed (a typed ring of the message type "bench": seq i64, then data bytes if the
 * messages are longer than 8; the Java side describes the same). Ping and pong use two rings,
 * NAME.ab and NAME.ba.
 */
#include "panama_shm.h"
#include "bench_side.h"

#define POLL_LIMIT 256
#define SLICE_NS INT64_C(10000000000)  /* waits return this often to look at the stop flag (as the Java sides) */

/* A wait of SLICE_NS ran out: look at the stop flag now (a signal does not end a wait). */
static void bench_timed_out(const char *where) {
    if (bench_should_stop()) bench_stop_exit(where);
}

static int spsc;
static int typed;
static int wait_policy = PSHM_WAIT_STANDARD;
static pshm_type_field bench_fields[2];
static pshm_type bench_type = {"bench", 0, 8, 2, bench_fields};

/* --typed: the type of every message of SIZE bytes, or NULL */
static const pshm_type *message_type(uint32_t size) {
    if (!typed) return NULL;
    pshm_type_field seq = {"seq", 0, 8, PSHM_KIND_INT, 8}, data = {"data", 8, size - 8, PSHM_KIND_BYTES, 1};
    bench_fields[0] = seq;
    bench_fields[1] = data;
    bench_type.size = size;
    bench_type.field_count = size > 8 ? 2 : 1;   /* 8-byte messages: seq only */
    return &bench_type;
}

/* Takes this side's own flags out of argv, leaving the common ones for bench_parse. */
static int take_own_flags(int argc, char **argv) {
    int out = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--spsc") == 0) {
            spsc = 1;
        } else if (strcmp(argv[i], "--typed") == 0) {
            typed = 1;
        } else if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc) {
            const char *w = argv[++i];
            if (strcmp(w, "spin") == 0) wait_policy = PSHM_WAIT_SPIN;
            else if (strcmp(w, "standard") == 0) wait_policy = PSHM_WAIT_STANDARD;
            else if (strcmp(w, "sleep") == 0) wait_policy = PSHM_WAIT_SLEEP;
            else bench_usage(argv[0], "--wait must be spin, standard or sleep");
        } else {
            argv[out++] = argv[i];
        }
    }
    return out;
}

static void create_ring(pshm_ring *r, const char *name, const struct bench_args *a) {
    pshm_spec spec = {.slot_count = (uint32_t)a->slots, .max_payload = (uint32_t)a->size,
                      .flags = spsc ? PSHM_FLAG_SINGLE_PRODUCER | PSHM_FLAG_SINGLE_CONSUMER : 0,
                      .type = message_type((uint32_t)a->size)};
    int rc = pshm_create(r, name, &spec);
    if (rc) {
        fprintf(stderr, "error: pshm_create %s: %s\n", name, strerror(-rc));
        exit(EXIT_SETUP);
    }
    bench_created_add(KIND_SHM, name);
    /* the doorbells too: bench_cleanup runs before unlink_rings at exit (atexit order), and empties the list */
    char bell[PSHM_MAX_NAME + 16];
    pshm_bell_name(bell, sizeof bell, name, "data");
    bench_created_add(KIND_SEM, bell);
    pshm_bell_name(bell, sizeof bell, name, "space");
    bench_created_add(KIND_SEM, bell);
    pshm_detach(r);
}

static void open_ring(pshm_ring *r, const char *name, uint32_t role, uint32_t size) {
    const pshm_type *type = message_type(size);
    int rc = pshm_open_typed(r, name, role, type, BENCH_ATTACH_NS);
    for (int64_t until = bench_now_ns() + BENCH_ATTACH_NS; rc == -ENOENT && bench_now_ns() < until;) {
        bench_sleep_ns(1000000);
        rc = pshm_open_typed(r, name, role, type, BENCH_ATTACH_NS);
    }
    if (rc) {
        fprintf(stderr, "error: pshm_open %s: %s\n", name, *pshm_error(r) ? pshm_error(r) : strerror(-rc));
        exit(EXIT_SETUP);
    }
    pshm_set_wait(r, wait_policy, 0);
}

/* The doorbells go with the object: remove them as well when the object is removed. */
static void unlink_rings(void) {
    for (int i = 0; i < bench_ncreated; i++) {
        if (bench_created[i].kind == KIND_SHM) pshm_unlink(bench_created[i].name);
    }
}

static int produce(const struct bench_args *a) {
    pshm_ring r;
    open_ring(&r, a->name, PSHM_ROLE_PRODUCER, (uint32_t)a->size);
    unsigned spins = 0;
    for (uint64_t seq = 0; seq < a->total;) {
        uint64_t left = a->total - seq;
        int n = pshm_claim_n(&r, (uint32_t)(left < a->batch ? left : a->batch), (uint32_t)a->size, SLICE_NS);
        if (n == -ETIMEDOUT) { bench_timed_out("sending"); continue; }
        if (n < 0) { fprintf(stderr, "error: pshm_claim_n: %s\n", strerror(-n)); return EXIT_SETUP; }
        for (int i = 0; i < n; i++) bench_fill(pshm_batch_payload(&r, (uint32_t)i), a->size, seq + (uint64_t)i);
        pshm_commit_n(&r);
        seq += (uint64_t)n;
        bench_spin_check(&spins, "sending");
    }
    pshm_detach(&r);
    bench_say("result sent=%" PRIu64 "\n", a->total);
    return 0;
}

static int consume(const struct bench_args *a) {
    pshm_ring r;
    create_ring(&r, a->name, a);
    open_ring(&r, a->name, PSHM_ROLE_CONSUMER, (uint32_t)a->size);
    bench_ready();
    uint64_t expected = 0, errors = 0, received = 0;
    int64_t t0 = 0, t1 = 0;
    unsigned spins = 0;
    while (received < a->total) {
        int n = pshm_receive_n(&r, POLL_LIMIT, SLICE_NS);
        if (n == -ETIMEDOUT) { bench_timed_out("receiving"); continue; }
        if (n < 0) { fprintf(stderr, "error: pshm_receive_n: %s\n", strerror(-n)); return EXIT_SETUP; }
        for (int i = 0; i < n; i++) {
            uint32_t length;
            const unsigned char *m = pshm_batch_message(&r, (uint32_t)i, &length);
            if (length != a->size) errors++;
            else errors += (uint64_t)bench_check_msg(m, a->size, &expected);
            if (received == a->warmup) t0 = bench_now_ns();
            if (++received == a->total) t1 = bench_now_ns();
        }
        pshm_release_n(&r);
        bench_spin_check(&spins, "receiving");
    }
    pshm_detach(&r);
    unlink_rings();
    return bench_consume_result(a, t0, t1, errors);
}

/* Waits for one message on `in`; returns its payload (release it with pshm_release_n). */
static const unsigned char *await_one(pshm_ring *in, uint32_t *length, const char *where) {
    for (;;) {
        int n = pshm_receive_n(in, 1, SLICE_NS);
        if (n == 1) return pshm_batch_message(in, 0, length);
        if (n != -ETIMEDOUT) { fprintf(stderr, "error: pshm_receive_n: %s\n", strerror(-n)); exit(EXIT_SETUP); }
        bench_timed_out(where);
    }
}

static void send_one(pshm_ring *out, const void *data, size_t size, uint64_t seq, const char *where) {
    void *payload;
    int rc;
    while ((rc = pshm_claim(out, (uint32_t)size, &payload, SLICE_NS)) == -ETIMEDOUT) bench_timed_out(where);
    if (rc) { fprintf(stderr, "error: pshm_claim: %s\n", strerror(-rc)); exit(EXIT_SETUP); }
    if (data) memcpy(payload, data, size);
    else bench_fill(payload, size, seq);
    pshm_commit_n(out);
}

static int ping(const struct bench_args *a) {
    char ab[1024], ba[1024];
    bench_derive(ab, sizeof ab, a->name, ".ab");
    bench_derive(ba, sizeof ba, a->name, ".ba");
    pshm_ring out, in;
    open_ring(&out, ab, PSHM_ROLE_PRODUCER, (uint32_t)a->size);
    open_ring(&in, ba, PSHM_ROLE_CONSUMER, (uint32_t)a->size);
    uint64_t *samples = bench_alloc_samples(a->count);
    uint64_t errors = 0, expected;
    for (uint64_t seq = 0; seq < a->total; seq++) {
        int64_t start = bench_now_ns();
        send_one(&out, NULL, a->size, seq, "pinging");
        uint32_t length;
        const unsigned char *reply = await_one(&in, &length, "waiting for pong");
        expected = seq;
        errors += length != a->size || bench_check_msg(reply, a->size, &expected);
        pshm_release_n(&in);
        int64_t rtt = bench_now_ns() - start;
        if (seq >= a->warmup) samples[seq - a->warmup] = (uint64_t)rtt;
    }
    pshm_detach(&out);
    pshm_detach(&in);
    return bench_ping_result(a, samples, errors);
}

static int pong(const struct bench_args *a) {
    char ab[1024], ba[1024];
    bench_derive(ab, sizeof ab, a->name, ".ab");
    bench_derive(ba, sizeof ba, a->name, ".ba");
    pshm_ring in, out;
    create_ring(&in, ab, a);
    create_ring(&out, ba, a);
    open_ring(&in, ab, PSHM_ROLE_CONSUMER, (uint32_t)a->size);
    open_ring(&out, ba, PSHM_ROLE_PRODUCER, (uint32_t)a->size);
    bench_ready();
    for (uint64_t n = 0; n < a->total; n++) {
        uint32_t length;
        const unsigned char *message = await_one(&in, &length, "waiting for ping");
        send_one(&out, message, length, 0, "ponging");
        pshm_release_n(&in);
    }
    pshm_detach(&in);
    pshm_detach(&out);
    unlink_rings();
    bench_say("result echoed=%" PRIu64 "\n", a->total);
    return 0;
}

int main(int argc, char **argv) {
    argc = take_own_flags(argc, argv);
    struct bench_args a = bench_parse(argc, argv);
    if (atexit(unlink_rings) != 0) bench_die("atexit failed");
    return bench_run(&a, (struct bench_roles){produce, consume, ping, pong});
}
