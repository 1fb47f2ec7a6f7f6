/* SPDX-License-Identifier: Apache-2.0 */
/*
 * textbook.c — the classic bounded buffer of OS textbooks: a ring of --slots slots of --size
 * bytes in shared memory, guarded by three named POSIX semaphores:
 *
 *     mutex = 1      who may touch the buffer and its in/out indices
 *     empty = slots  free slots
 *     full  = 0      filled slots
 *
 *     producer: wait(empty); wait(mutex); buffer[in] = item; in = (in + 1) % n; post(mutex); post(full);
 *     consumer: wait(full);  wait(mutex); item = buffer[out]; out = (out + 1) % n; post(mutex); post(empty);
 *
 * Waits block, as the textbook means them; glibc takes a free semaphore without a system call
 * and sleeps on a futex otherwise. They are sem_clockwait in 100 ms slices only so that the
 * deadline and SIGTERM/SIGINT are seen. Latency uses two buffers: NAME.ab and NAME.ba.
 */
#include "bench_side.h"

#include <stdatomic.h>

#define TB_MAGIC UINT64_C(0x4b4f4f4254584554) /* "TEXTBOOK" little-endian */
#define TB_SLICE_NS 100000000LL

/* The object: this header (one 128-byte line), then slots * size bytes. */
struct tb_shared {
    _Alignas(128) _Atomic uint64_t ready; /* TB_MAGIC once the rest and the semaphores exist */
    uint64_t size;
    uint64_t slots;
    uint64_t in;  /* next slot to fill; under mutex */
    uint64_t out; /* next slot to empty; under mutex */
};

struct tb {
    struct tb_shared *sh;
    unsigned char *data;
    sem_t *mutex, *empty, *full;
    size_t size;
    uint64_t slots;
};

static size_t tb_bytes(const struct bench_args *a) {
    return sizeof(struct tb_shared) + (size_t)a->slots * a->size;
}

static sem_t *tb_sem_create(const char *base, const char *suffix, unsigned value) {
    char name[1024];
    bench_derive(name, sizeof name, base, suffix);
    sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, value);
    if (s == SEM_FAILED)
        bench_die_sys("sem_open", name);
    bench_created_add(KIND_SEM, name);
    return s;
}

static sem_t *tb_sem_open(const char *base, const char *suffix) {
    char name[1024];
    bench_derive(name, sizeof name, base, suffix);
    sem_t *s = sem_open(name, 0);
    if (s == SEM_FAILED)
        bench_die_sys("sem_open", name);
    return s;
}

/* Semaphores first, the object last: once `ready` is set, everything exists. */
static struct tb tb_create(const char *name, const struct bench_args *a) {
    struct tb b = { .size = a->size, .slots = a->slots };
    b.mutex = tb_sem_create(name, ".mutex", 1);
    b.empty = tb_sem_create(name, ".empty", (unsigned)a->slots);
    b.full = tb_sem_create(name, ".full", 0);
    b.sh = bench_shm_create(name, tb_bytes(a));
    b.data = (unsigned char *)(b.sh + 1);
    b.sh->size = a->size;
    b.sh->slots = a->slots;
    atomic_store_explicit(&b.sh->ready, TB_MAGIC, memory_order_release);
    return b;
}

static struct tb tb_attach(const char *name, const struct bench_args *a) {
    struct tb b = { .size = a->size, .slots = a->slots };
    b.sh = bench_shm_attach(name, tb_bytes(a));
    b.data = (unsigned char *)(b.sh + 1);
    bench_await_creator(name, &b.sh->ready, TB_MAGIC, b.sh->size, b.sh->slots, a);
    b.mutex = tb_sem_open(name, ".mutex");
    b.empty = tb_sem_open(name, ".empty");
    b.full = tb_sem_open(name, ".full");
    return b;
}

/*
 * P(s). The slice end is kept across calls and renewed only when a wait times out, so the
 * common path costs what sem_wait costs: sem_clockwait tries the free semaphore before it
 * looks at the time.
 */
static struct timespec tb_slice_end;

static void tb_wait(sem_t *s, const char *what) {
    for (;;) {
        if (sem_clockwait(s, CLOCK_MONOTONIC, &tb_slice_end) == 0)
            return;
        if (errno != ETIMEDOUT && errno != EINTR)
            bench_die_sys("sem_clockwait", what);
        if (bench_should_stop())
            bench_stop_exit(what);
        int64_t end = bench_now_ns() + TB_SLICE_NS;
        tb_slice_end = bench_timespec(end < bench_deadline_ns ? end : bench_deadline_ns);
    }
}

/* V(s). */
static void tb_post(sem_t *s, const char *what) {
    if (sem_post(s) != 0)
        bench_die_sys("sem_post", what);
}

static void tb_put(struct tb *b, const unsigned char *item) {
    tb_wait(b->empty, "waiting for an empty slot");
    tb_wait(b->mutex, "waiting for the mutex");
    memcpy(b->data + (size_t)b->sh->in * b->size, item, b->size);
    b->sh->in = (b->sh->in + 1) % b->slots;
    tb_post(b->mutex, "mutex");
    tb_post(b->full, "full");
}

static void tb_get(struct tb *b, unsigned char *item) {
    tb_wait(b->full, "waiting for a full slot");
    tb_wait(b->mutex, "waiting for the mutex");
    memcpy(item, b->data + (size_t)b->sh->out * b->size, b->size);
    b->sh->out = (b->sh->out + 1) % b->slots;
    tb_post(b->mutex, "mutex");
    tb_post(b->empty, "empty");
}

static unsigned char *tb_item(size_t size) {
    unsigned char *item = malloc(size);
    if (item == NULL)
        bench_die("out of memory for an item");
    return item;
}

static int produce(const struct bench_args *a) {
    struct tb b = tb_attach(a->name, a);
    unsigned char *item = tb_item(a->size);
    unsigned checks = 0;
    for (uint64_t seq = 0; seq < a->total; seq++) {
        bench_fill(item, a->size, seq); /* produce the item, then insert it */
        tb_put(&b, item);
        bench_spin_check(&checks, "producing");
    }
    free(item);
    bench_say("result sent=%" PRIu64 "\n", a->total);
    return 0;
}

static int consume(const struct bench_args *a) {
    struct tb b = tb_create(a->name, a);
    unsigned char *item = tb_item(a->size);
    bench_ready();
    unsigned checks = 0;
    uint64_t expect = 0, errors = 0;
    int64_t t0 = 0;
    for (uint64_t i = 0; i < a->total; i++) {
        tb_get(&b, item);
        if (i == a->warmup)
            t0 = bench_now_ns();
        errors += bench_check_msg(item, a->size, &expect); /* consume the item outside the mutex */
        bench_spin_check(&checks, "consuming");
    }
    int64_t t1 = bench_now_ns();
    free(item);
    return bench_consume_result(a, t0, t1, errors);
}

static int ping(const struct bench_args *a) {
    char ab[1024], ba[1024];
    bench_derive(ab, sizeof ab, a->name, ".ab");
    bench_derive(ba, sizeof ba, a->name, ".ba");
    struct tb out = tb_attach(ab, a), in = tb_attach(ba, a);
    unsigned char *item = tb_item(a->size);
    uint64_t *samples = bench_alloc_samples(a->count);
    uint64_t expect = 0, errors = 0;
    unsigned checks = 0;
    for (uint64_t seq = 0; seq < a->total; seq++) {
        int64_t t0 = bench_now_ns();
        bench_fill(item, a->size, seq);
        tb_put(&out, item);
        tb_get(&in, item);
        errors += bench_check_msg(item, a->size, &expect);
        int64_t t1 = bench_now_ns();
        if (seq >= a->warmup)
            samples[seq - a->warmup] = (uint64_t)(t1 - t0);
        bench_spin_check(&checks, "pinging");
    }
    free(item);
    return bench_ping_result(a, samples, errors);
}

static int pong(const struct bench_args *a) {
    char ab[1024], ba[1024];
    bench_derive(ab, sizeof ab, a->name, ".ab");
    bench_derive(ba, sizeof ba, a->name, ".ba");
    struct tb in = tb_create(ab, a), out = tb_create(ba, a);
    unsigned char *item = tb_item(a->size);
    bench_ready();
    unsigned checks = 0;
    for (uint64_t seq = 0; seq < a->total; seq++) {
        tb_get(&in, item);
        tb_put(&out, item);
        bench_spin_check(&checks, "ponging");
    }
    free(item);
    bench_say("result echoed=%" PRIu64 "\n", a->total);
    return 0;
}

int main(int argc, char **argv) {
    struct bench_args a = bench_parse(argc, argv);
    if (a.batch != 1)
        bench_usage(argv[0], "textbook has no batching: one item per wait/post, as in the textbook (--batch 1)");
    return bench_run(&a, (struct bench_roles){produce, consume, ping, pong});
}
