/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_side.h — what the three reference competitors (cring.c, textbook.c, pipe.c) share:
 * the command line, the stop flag (signals and the overall deadline), the clock, cleanup of
 * what a side created, the payload format, and the result lines the Java orchestrator reads.
 *
 *   bench-NAME ROLE --name NAME --size BYTES --count N [--warmup W] [--slots S] [--batch B]
 *              [--samples FILE] [--timeout-ms T]
 *
 * Exit status: 0 ok, 1 verification errors, 2 bad arguments or setup failure, 3 timeout or
 * stopped by a signal. Include this header before any system header.
 */
#ifndef BENCH_SIDE_H
#define BENCH_SIDE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sem_clockwait, F_SETPIPE_SZ, posix_fallocate, htole64 */
#endif

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_VERIFY = 1, EXIT_SETUP = 2, EXIT_STOPPED = 3 };

#define BENCH_MIN_SIZE 8
#define BENCH_MAX_SIZE 65536
#define BENCH_ATTACH_NS (5 * 1000000000LL) /* how long an attaching side waits for the creator */
#define BENCH_CHECK_MASK 1023u               /* spin loops look at the stop flag every 1024 rounds */

/* x86's pause: the spin yields to the SMT sibling and leaves the loop without a pipeline flush. */
#if defined(__x86_64__) || defined(__i386__)
#define bench_pause() __builtin_ia32_pause()
#else
#define bench_pause() ((void)0)
#endif

/* ---- fatal errors --------------------------------------------------------------------------- */

/* Every fatal path goes through exit(), so the atexit cleanup below removes what we created. */
_Noreturn static inline void bench_die(const char *what) {
    fprintf(stderr, "error: %s\n", what);
    exit(EXIT_SETUP);
}

/* A failed system call: its name, its argument (if any) and strerror(errno). */
_Noreturn static inline void bench_die_sys(const char *call, const char *arg) {
    int err = errno;
    if (arg != NULL)
        fprintf(stderr, "error: %s(%s): %s\n", call, arg, strerror(err));
    else
        fprintf(stderr, "error: %s: %s\n", call, strerror(err));
    exit(EXIT_SETUP);
}

/* ---- clock ---------------------------------------------------------------------------------- */

static inline int64_t bench_now_ns(void) {
    struct timespec ts;
    /* CLOCK_MONOTONIC is served by the vDSO: no system call, safe inside the measured loops. */
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        bench_die_sys("clock_gettime", "CLOCK_MONOTONIC");
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline struct timespec bench_timespec(int64_t ns) {
    struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };
    return ts;
}

static inline void bench_sleep_ns(int64_t ns) {
    struct timespec ts = bench_timespec(ns);
    nanosleep(&ts, NULL); /* an early return (EINTR) is fine: callers re-check the stop flag */
}

/* ---- command line --------------------------------------------------------------------------- */

enum bench_role { ROLE_PRODUCE, ROLE_CONSUME, ROLE_PING, ROLE_PONG };

struct bench_args {
    enum bench_role role;
    const char *name;     /* shm name "/x" (cring, textbook) or path prefix (pipe) */
    size_t size;          /* bytes per message */
    uint64_t count;       /* measured messages or round trips */
    uint64_t warmup;      /* unmeasured ones before them */
    uint64_t total;       /* warmup + count: what is sent */
    uint64_t slots;       /* capacity in messages */
    uint64_t batch;       /* messages per publish / write (produce only) */
    const char *samples;  /* ping: where to write the round-trip times */
    int64_t timeout_ns;
};

_Noreturn static inline void bench_usage(const char *prog, const char *why) {
    fprintf(stderr,
            "error: %s\n"
            "usage: %s produce|consume|ping|pong --name NAME --size BYTES --count N [--warmup W]\n"
            "       [--slots S] [--batch B] [--samples FILE] [--timeout-ms T]\n",
            why, prog);
    exit(EXIT_SETUP);
}

/* A whole-string unsigned decimal within [min, max]. */
static inline uint64_t bench_parse_u64(const char *prog, const char *opt, const char *s, uint64_t min,
                                uint64_t max) {
    char msg[160];
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < min || v > max) {
        snprintf(msg, sizeof msg, "%s wants an integer in %" PRIu64 "..%" PRIu64 ", got '%s'", opt,
                 min, max, s);
        bench_usage(prog, msg);
    }
    return v;
}

static inline struct bench_args bench_parse(int argc, char **argv) {
    const char *prog = argc > 0 ? argv[0] : "bench";
    struct bench_args a = { .slots = 4096, .batch = 1, .timeout_ns = 60000 * 1000000LL };
    int have_warmup = 0;

    if (argc < 2)
        bench_usage(prog, "missing ROLE");
    if (strcmp(argv[1], "produce") == 0)
        a.role = ROLE_PRODUCE;
    else if (strcmp(argv[1], "consume") == 0)
        a.role = ROLE_CONSUME;
    else if (strcmp(argv[1], "ping") == 0)
        a.role = ROLE_PING;
    else if (strcmp(argv[1], "pong") == 0)
        a.role = ROLE_PONG;
    else
        bench_usage(prog, "ROLE must be produce, consume, ping or pong");

    for (int i = 2; i < argc; i += 2) {
        const char *opt = argv[i];
        if (i + 1 >= argc) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s needs a value", opt);
            bench_usage(prog, msg);
        }
        const char *val = argv[i + 1];
        if (strcmp(opt, "--name") == 0)
            a.name = val;
        else if (strcmp(opt, "--size") == 0)
            a.size = bench_parse_u64(prog, opt, val, BENCH_MIN_SIZE, BENCH_MAX_SIZE);
        else if (strcmp(opt, "--count") == 0)
            a.count = bench_parse_u64(prog, opt, val, 1, UINT64_C(1) << 40);
        else if (strcmp(opt, "--warmup") == 0) {
            a.warmup = bench_parse_u64(prog, opt, val, 0, UINT64_C(1) << 40);
            have_warmup = 1;
        } else if (strcmp(opt, "--slots") == 0)
            a.slots = bench_parse_u64(prog, opt, val, 1, UINT64_C(1) << 30);
        else if (strcmp(opt, "--batch") == 0)
            a.batch = bench_parse_u64(prog, opt, val, 1, UINT64_C(1) << 30);
        else if (strcmp(opt, "--samples") == 0)
            a.samples = val;
        else if (strcmp(opt, "--timeout-ms") == 0)
            a.timeout_ns = (int64_t)bench_parse_u64(prog, opt, val, 1, UINT64_C(1) << 32) * 1000000LL;
        else {
            char msg[160];
            snprintf(msg, sizeof msg, "unknown option '%s'", opt);
            bench_usage(prog, msg);
        }
    }
    if (a.name == NULL || a.name[0] == '\0')
        bench_usage(prog, "--name is required");
    if (a.size == 0)
        bench_usage(prog, "--size is required");
    if (a.count == 0)
        bench_usage(prog, "--count is required");
    if (!have_warmup)
        a.warmup = (a.role == ROLE_PRODUCE || a.role == ROLE_CONSUME) ? a.count / 5 : a.count / 10;
    a.total = a.warmup + a.count;
    if (a.batch > a.slots)
        bench_usage(prog, "--batch must not exceed --slots");
    if (a.batch != 1 && (a.role == ROLE_PING || a.role == ROLE_PONG))
        bench_usage(prog, "--batch applies to produce/consume only (ping/pong send one at a time)");
    return a;
}

/* ---- stop flag: signals and the overall deadline -------------------------------------------- */

static volatile sig_atomic_t bench_signal;
static int64_t bench_deadline_ns;
static int64_t bench_timeout_ns;

static inline void bench_on_signal(int sig) { bench_signal = sig; }

/*
 * SIGTERM/SIGINT only set a flag; every loop checks it and leaves through exit(), which runs
 * the cleanup. No SA_RESTART: a blocked sem_clockwait/poll/open returns EINTR at once.
 * SIGPIPE is ignored so that a closed pipe (a FIFO's reader, or an orchestrator that went away
 * from our stdout) shows as EPIPE and we still clean up, instead of dying on the spot.
 */
static inline void bench_install_signals(int64_t timeout_ns) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = bench_on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
        bench_die_sys("sigaction", "SIGTERM/SIGINT");
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) != 0)
        bench_die_sys("sigaction", "SIGPIPE");
    bench_timeout_ns = timeout_ns;
    bench_deadline_ns = bench_now_ns() + timeout_ns;
}

/* What a side does in each role: produce, consume, ping, pong. */
struct bench_roles {
    int (*produce)(const struct bench_args *a);
    int (*consume)(const struct bench_args *a);
    int (*ping)(const struct bench_args *a);
    int (*pong)(const struct bench_args *a);
};

/* Installs the signal handlers (bench_install_signals), then runs the side's role; its exit status. */
static inline int bench_run(const struct bench_args *a, struct bench_roles roles) {
    bench_install_signals(a->timeout_ns);
    switch (a->role) {
    case ROLE_PRODUCE: return roles.produce(a);
    case ROLE_CONSUME: return roles.consume(a);
    case ROLE_PING: return roles.ping(a);
    case ROLE_PONG: return roles.pong(a);
    }
    return EXIT_SETUP;
}

/* Nonzero when the run must end: a signal came or the deadline passed. */
static inline int bench_should_stop(void) {
    return bench_signal != 0 || bench_now_ns() >= bench_deadline_ns;
}

/* Leave after bench_should_stop() said so: say why, exit 3 (cleanup runs at exit). */
_Noreturn static inline void bench_stop_exit(const char *where) {
    if (bench_signal != 0)
        fprintf(stderr, "error: stopped by signal %d while %s\n", (int)bench_signal, where);
    else
        fprintf(stderr, "error: timeout after %" PRId64 " ms while %s\n", bench_timeout_ns / 1000000,
                where);
    exit(EXIT_STOPPED);
}

/* For spin loops: look at the flag every 1024 rounds only, and leave if it is set. */
static inline void bench_spin_check(unsigned *spins, const char *where) {
    if ((++*spins & BENCH_CHECK_MASK) == 0 && bench_should_stop())
        bench_stop_exit(where);
}

/* ---- cleanup of what this side created ------------------------------------------------------ */

enum bench_kind { KIND_SHM, KIND_SEM, KIND_PATH };

#define BENCH_MAX_CREATED 16
static struct { enum bench_kind kind; char name[1024]; } bench_created[BENCH_MAX_CREATED];
static int bench_ncreated;

static inline void bench_cleanup(void) {
    for (int i = bench_ncreated - 1; i >= 0; i--) {
        const char *n = bench_created[i].name;
        int r = bench_created[i].kind == KIND_SHM   ? shm_unlink(n)
                : bench_created[i].kind == KIND_SEM ? sem_unlink(n)
                                                    : unlink(n);
        if (r != 0 && errno != ENOENT)
            fprintf(stderr, "warning: unlink %s: %s\n", n, strerror(errno));
    }
    bench_ncreated = 0;
}

/*
 * Call right after a successful O_EXCL create. The first registration arms atexit, so every
 * exit() — results, errors, timeout, signal — unlinks what was created.
 */
static inline void bench_created_add(enum bench_kind kind, const char *name) {
    if (bench_ncreated == 0 && atexit(bench_cleanup) != 0)
        bench_die("atexit failed");
    if (bench_ncreated == BENCH_MAX_CREATED || strlen(name) >= sizeof bench_created[0].name)
        bench_die("too many objects or name too long");
    bench_created[bench_ncreated].kind = kind;
    strcpy(bench_created[bench_ncreated].name, name);
    bench_ncreated++;
}

/* "/base" + ".suffix" into buf, failing if it does not fit. */
static inline void bench_derive(char *buf, size_t cap, const char *base, const char *suffix) {
    if ((size_t)snprintf(buf, cap, "%s%s", base, suffix) >= cap)
        bench_die("--name too long");
}

/* ---- payload -------------------------------------------------------------------------------- */

/* Message seq: bytes 0..7 its sequence number (little-endian), the rest (seq & 0xff). */
static inline void bench_fill(unsigned char *msg, size_t size, uint64_t seq) {
    uint64_t le = htole64(seq);
    memcpy(msg, &le, 8);
    memset(msg + 8, (int)(seq & 0xff), size - 8);
}

static inline uint64_t bench_seq_of(const unsigned char *msg) {
    uint64_t le;
    memcpy(&le, msg, 8);
    return le64toh(le);
}

/*
 * Verify message *expected: its sequence number and its last byte. Returns 1 on error and
 * resynchronises on the number received, so one lost message counts once, not forever.
 */
static inline int bench_check_msg(const unsigned char *msg, size_t size, uint64_t *expected) {
    uint64_t seq = bench_seq_of(msg);
    int bad = seq != *expected || (size > 8 && msg[size - 1] != (unsigned char)(seq & 0xff));
    *expected = seq + 1;
    return bad;
}

/* ---- output --------------------------------------------------------------------------------- */

/* One line on stdout, flushed at once: the orchestrator reads it through a pipe. */
__attribute__((format(printf, 1, 2))) static inline void bench_say(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (fflush(stdout) != 0)
        bench_die_sys("fflush", "stdout");
}

static inline void bench_ready(void) { bench_say("ready\n"); }

/* Consumer's result line; the exit status follows from the error count. */
static inline int bench_consume_result(const struct bench_args *a, int64_t t0, int64_t t1, uint64_t errors) {
    double secs = (double)(t1 - t0) / 1e9;
    bench_say("result msgs=%" PRIu64 " seconds=%.6f msgs_per_s=%.0f errors=%" PRIu64 "\n", a->count,
              secs, secs > 0 ? (double)a->count / secs : 0.0, errors);
    return errors == 0 ? 0 : EXIT_VERIFY;
}

static inline int bench_cmp_u64(const void *x, const void *y) {
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* Nearest-rank percentile (per mille) of a sorted array. */
static inline uint64_t bench_rank(const uint64_t *sorted, uint64_t n, uint64_t permille) {
    uint64_t k = (n * permille + 999) / 1000; /* ceil(n * p) */
    return sorted[k == 0 ? 0 : k - 1];
}

/*
 * Ping's result: write the samples in the order taken (one ns value a line) if asked, print
 * the percentiles of a sorted copy, free the samples. Echo errors go to stderr and make the
 * exit status 1.
 */
static inline int bench_ping_result(const struct bench_args *a, uint64_t *samples, uint64_t errors) {
    uint64_t n = a->count;
    if (a->samples != NULL) {
        FILE *f = fopen(a->samples, "w");
        if (f == NULL)
            bench_die_sys("fopen", a->samples);
        for (uint64_t i = 0; i < n; i++)
            if (fprintf(f, "%" PRIu64 "\n", samples[i]) < 0)
                bench_die_sys("fprintf", a->samples);
        if (fclose(f) != 0)
            bench_die_sys("fclose", a->samples);
    }
    uint64_t *sorted = malloc(n * sizeof *sorted);
    if (sorted == NULL)
        bench_die("out of memory for the sorted samples");
    memcpy(sorted, samples, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, bench_cmp_u64);
    bench_say("result rounds=%" PRIu64 " p50_ns=%" PRIu64 " p99_ns=%" PRIu64 " p999_ns=%" PRIu64
              " max_ns=%" PRIu64 "\n",
              n, bench_rank(sorted, n, 500), bench_rank(sorted, n, 990), bench_rank(sorted, n, 999),
              sorted[n - 1]);
    free(sorted);
    free(samples);
    if (errors != 0) {
        fprintf(stderr, "error: %" PRIu64 " echoed messages failed verification\n", errors);
        return EXIT_VERIFY;
    }
    return 0;
}

static inline uint64_t *bench_alloc_samples(uint64_t n) {
    uint64_t *s = malloc(n * sizeof *s);
    if (s == NULL)
        bench_die("out of memory for the samples");
    return s;
}

/* ---- POSIX shm helpers (cring, textbook) ---------------------------------------------------- */

/*
 * An attaching side's wait for its creator: up to BENCH_ATTACH_NS for the ready marker, then a check
 * that the object was made for the same --size and --slots.
 */
static inline void bench_await_creator(const char *name, _Atomic uint64_t *ready, uint64_t magic, uint64_t size,
                                       uint64_t slots, const struct bench_args *a) {
    int64_t give_up = bench_now_ns() + BENCH_ATTACH_NS;
    while (atomic_load_explicit(ready, memory_order_acquire) != magic) {
        if (bench_should_stop())
            bench_stop_exit("attaching");
        if (bench_now_ns() >= give_up) {
            fprintf(stderr, "error: %s: not initialised by its creator after 5 s\n", name);
            exit(EXIT_SETUP);
        }
        bench_sleep_ns(1000000);
    }
    if (size != a->size || slots != a->slots) {
        fprintf(stderr, "error: %s has size %" PRIu64 " slots %" PRIu64 ", we were given %zu and %" PRIu64 "\n",
                name, size, slots, a->size, a->slots);
        exit(EXIT_SETUP);
    }
}



/* Create a fresh object of `bytes`, backed now (posix_fallocate: no SIGBUS later), mapped. */
static inline void *bench_shm_create(const char *name, size_t bytes) {
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        bench_die_sys("shm_open", name);
    bench_created_add(KIND_SHM, name);
    if (ftruncate(fd, (off_t)bytes) != 0)
        bench_die_sys("ftruncate", name);
    int err = posix_fallocate(fd, 0, (off_t)bytes); /* returns the error, does not set errno */
    if (err != 0) {
        errno = err;
        bench_die_sys("posix_fallocate", name);
    }
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        bench_die_sys("mmap", name);
    if (close(fd) != 0)
        bench_die_sys("close", name);
    return p;
}

/*
 * Map an object another process creates, waiting up to 5 s (and within the deadline) for it
 * to exist and to have its full size. The caller then waits for the creator's ready mark.
 */
static inline void *bench_shm_attach(const char *name, size_t bytes) {
    int64_t give_up = bench_now_ns() + BENCH_ATTACH_NS;
    for (;;) {
        int fd = shm_open(name, O_RDWR, 0);
        if (fd < 0 && errno != ENOENT)
            bench_die_sys("shm_open", name);
        if (fd >= 0) {
            struct stat st;
            if (fstat(fd, &st) != 0)
                bench_die_sys("fstat", name);
            if ((size_t)st.st_size >= bytes) {
                void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                if (p == MAP_FAILED)
                    bench_die_sys("mmap", name);
                if (close(fd) != 0)
                    bench_die_sys("close", name);
                return p;
            }
            close(fd); /* created but not sized yet */
        }
        if (bench_should_stop())
            bench_stop_exit("attaching");
        if (bench_now_ns() >= give_up) {
            fprintf(stderr,
                    "error: shm_open(%s): no object of %zu bytes after 5 s (missing, or made with "
                    "another --size/--slots)\n",
                    name, bytes);
            exit(EXIT_SETUP);
        }
        bench_sleep_ns(1000000);
    }
}

#endif /* BENCH_SIDE_H */
