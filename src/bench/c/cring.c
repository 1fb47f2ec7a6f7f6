/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cring.c — the hardware reference: the least a single-producer/single-consumer ring in POSIX
 * shared memory can do. Fixed slots of --size bytes, no framing, two cursors each alone on its
 * own 128-byte line, acquire loads and release stores only, and each side keeps a cached copy
 * of the other side's cursor so it touches the shared line only when the cache says full/empty.
 * No system call and no fence in the loops: both sides spin.
 *
 * Throughput: one ring NAME. Latency: NAME.ab (ping -> pong) and NAME.ba (pong -> ping).
 */
#include "bench_side.h"

#include <stdatomic.h>
#include <stddef.h>

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "cursors shared between processes must be lock-free");

#define CRING_LINE 128 /* two 64-byte lines: the adjacent-line prefetcher pairs them */
#define CRING_MAGIC UINT64_C(0x474e4952432d4842) /* "BH-CRING" little-endian */

/* The object: this header, then slots * size bytes of messages. */
struct cring_shared {
    _Alignas(CRING_LINE) _Atomic uint64_t ready; /* CRING_MAGIC once size/slots are written */
    uint64_t size;
    uint64_t slots;
    _Alignas(CRING_LINE) _Atomic uint64_t head; /* consumer: next position to read */
    _Alignas(CRING_LINE) _Atomic uint64_t tail; /* producer: next position to write */
};
_Static_assert(sizeof(struct cring_shared) % CRING_LINE == 0, "data must start on its own line");

/* One side's view of a ring: `pos` is its own cursor, `cache` its last look at the other's. */
struct cring {
    struct cring_shared *sh;
    unsigned char *data;
    uint64_t mask;
    size_t size;
    uint64_t pos;
    uint64_t cache;
};

static size_t cring_bytes(const struct bench_args *a) {
    return sizeof(struct cring_shared) + (size_t)a->slots * a->size;
}

static struct cring cring_create(const char *name, const struct bench_args *a) {
    struct cring r = { .mask = a->slots - 1, .size = a->size };
    r.sh = bench_shm_create(name, cring_bytes(a)); /* zero-filled: head = tail = 0 */
    r.data = (unsigned char *)(r.sh + 1);
    r.sh->size = a->size;
    r.sh->slots = a->slots;
    atomic_store_explicit(&r.sh->ready, CRING_MAGIC, memory_order_release);
    return r;
}

static struct cring cring_attach(const char *name, const struct bench_args *a) {
    struct cring r = { .mask = a->slots - 1, .size = a->size };
    r.sh = bench_shm_attach(name, cring_bytes(a));
    r.data = (unsigned char *)(r.sh + 1);
    bench_await_creator(name, &r.sh->ready, CRING_MAGIC, r.sh->size, r.sh->slots, a);
    return r;
}

static inline unsigned char *cring_slot(const struct cring *r, uint64_t pos) {
    return r->data + (size_t)(pos & r->mask) * r->size;
}

/* Producer: wait until n more slots are free. The shared head is read only when the cache says full. */
static inline void cring_wait_space(struct cring *r, uint64_t n, unsigned *spins) {
    uint64_t slots = r->mask + 1;
    if (r->pos + n - r->cache <= slots)
        return;
    while (r->pos + n - (r->cache = atomic_load_explicit(&r->sh->head, memory_order_acquire)) > slots) {
        bench_pause();
        bench_spin_check(spins, "waiting for space");
    }
}

/* Producer: make everything written up to pos visible, with one release store. */
static inline void cring_publish(struct cring *r) {
    atomic_store_explicit(&r->sh->tail, r->pos, memory_order_release);
}

/* Consumer: return the end of what may be read (> pos). The shared tail is read only when empty. */
static inline uint64_t cring_wait_data(struct cring *r, unsigned *spins) {
    if (r->cache != r->pos)
        return r->cache;
    while ((r->cache = atomic_load_explicit(&r->sh->tail, memory_order_acquire)) == r->pos) {
        bench_pause();
        bench_spin_check(spins, "waiting for data");
    }
    return r->cache;
}

/* Consumer: give back every slot before pos, with one release store. */
static inline void cring_release(struct cring *r) {
    atomic_store_explicit(&r->sh->head, r->pos, memory_order_release);
}

static int produce(const struct bench_args *a) {
    struct cring r = cring_attach(a->name, a);
    unsigned spins = 0;
    while (r.pos < a->total) {
        uint64_t n = a->total - r.pos < a->batch ? a->total - r.pos : a->batch;
        cring_wait_space(&r, n, &spins);
        for (uint64_t i = 0; i < n; i++)
            bench_fill(cring_slot(&r, r.pos + i), a->size, r.pos + i);
        r.pos += n;
        cring_publish(&r);
        bench_spin_check(&spins, "producing");
    }
    bench_say("result sent=%" PRIu64 "\n", r.pos);
    return 0;
}

static int consume(const struct bench_args *a) {
    struct cring r = cring_create(a->name, a);
    bench_ready();
    unsigned spins = 0;
    uint64_t expect = 0, errors = 0;
    int64_t t0 = 0;
    while (r.pos < a->total) {
        /* Drain the whole run that is available, then release it with one store. */
        uint64_t end = cring_wait_data(&r, &spins);
        for (; r.pos < end; r.pos++) {
            if (r.pos == a->warmup)
                t0 = bench_now_ns();
            errors += bench_check_msg(cring_slot(&r, r.pos), a->size, &expect);
        }
        cring_release(&r);
        bench_spin_check(&spins, "consuming");
    }
    int64_t t1 = bench_now_ns();
    if (r.pos != a->total) /* the producer sent more than --count + --warmup */
        errors++;
    return bench_consume_result(a, t0, t1, errors);
}

static int ping(const struct bench_args *a) {
    char ab[1024], ba[1024];
    bench_derive(ab, sizeof ab, a->name, ".ab");
    bench_derive(ba, sizeof ba, a->name, ".ba");
    struct cring out = cring_attach(ab, a), in = cring_attach(ba, a);
    uint64_t *samples = bench_alloc_samples(a->count);
    uint64_t expect = 0, errors = 0;
    unsigned spins = 0;
    for (uint64_t seq = 0; seq < a->total; seq++) {
        int64_t t0 = bench_now_ns();
        cring_wait_space(&out, 1, &spins);
        bench_fill(cring_slot(&out, out.pos), a->size, seq);
        out.pos++;
        cring_publish(&out);

        cring_wait_data(&in, &spins);
        errors += bench_check_msg(cring_slot(&in, in.pos), a->size, &expect);
        int64_t t1 = bench_now_ns();
        in.pos++;
        cring_release(&in);
        if (seq >= a->warmup)
            samples[seq - a->warmup] = (uint64_t)(t1 - t0);
        bench_spin_check(&spins, "pinging");
    }
    return bench_ping_result(a, samples, errors);
}

static int pong(const struct bench_args *a) {
    char ab[1024], ba[1024];
    bench_derive(ab, sizeof ab, a->name, ".ab");
    bench_derive(ba, sizeof ba, a->name, ".ba");
    struct cring in = cring_create(ab, a), out = cring_create(ba, a);
    bench_ready();
    unsigned spins = 0;
    for (uint64_t seq = 0; seq < a->total; seq++) {
        cring_wait_data(&in, &spins);
        cring_wait_space(&out, 1, &spins);
        memcpy(cring_slot(&out, out.pos), cring_slot(&in, in.pos), a->size);
        out.pos++;
        cring_publish(&out); /* the echo first: it is what ping waits for */
        in.pos++;
        cring_release(&in);
        bench_spin_check(&spins, "ponging");
    }
    bench_say("result echoed=%" PRIu64 "\n", a->total);
    return 0;
}

int main(int argc, char **argv) {
    struct bench_args a = bench_parse(argc, argv);
    if ((a.slots & (a.slots - 1)) != 0)
        bench_usage(argv[0], "--slots must be a power of two for cring");
    return bench_run(&a, (struct bench_roles){produce, consume, ping, pong});
}
