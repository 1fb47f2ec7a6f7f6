/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shm_cli.h — the shared command-line support of shm-producer and shm-consumer: flag values and
 * usage errors (exit status 2), the stop flag that SIGINT and SIGTERM set, waits cut into slices
 * so that a signal stops them, opening a ring with --wait-ms retries, the exit statuses, and the
 * SIGBUS of a ring truncated under the program turned into a jump back to its summary.
 * Header-only, C11. Call shm_cli_init() with the program name for messages before anything else.
 */
#ifndef SHM_CLI_H
#define SHM_CLI_H

#include "panama_shm.h"
#include "panama_shm_traffic.h"

#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#define SHM_CLI_WAIT_SLICE_NS INT64_C(250000000)  /* blocking calls wait in slices so a signal stops them */

/* Exit statuses, the same in the Java commands (docs/PROTOCOL.md §12) */
#define SHM_CLI_EXIT_DONE 0        /* everything sent, or everything received once and intact */
#define SHM_CLI_EXIT_INCOMPLETE 1  /* stopped early (timeout, closed ring, signal, error), or messages lost/damaged */
#define SHM_CLI_EXIT_USAGE 2       /* bad flags, or the ring cannot be created or opened */
#define SHM_CLI_EXIT_TRUNCATED 3   /* the ring's object shrank under the program (another process truncated it) */

static const char *shm_cli_program = "shm";
static volatile sig_atomic_t shm_cli_stop_requested;

static inline void shm_cli_init(const char *program) {
    shm_cli_program = program;
}

#ifndef PANAMA_SHM_VERSION
#define PANAMA_SHM_VERSION "(built outside Maven)"
#endif

/* What --version prints: this build (the Maven build passes its version) and the ring layout. */
static inline void shm_cli_version(void) {
    printf("%s (panama-shm %s), ring layout %d.%d\n", shm_cli_program, PANAMA_SHM_VERSION, PSHM_VERSION_MAJOR,
           PSHM_VERSION_MINOR);
}

static inline _Noreturn void shm_cli_bad_usage(const char *what, const char *value) {
    if (value != NULL) fprintf(stderr, "%s: %s: '%s' (try --help)\n", shm_cli_program, what, value);
    else fprintf(stderr, "%s: %s (try --help)\n", shm_cli_program, what);
    exit(2);
}

/* The value of the flag at argv[*i], which moves *i on to it. */
static inline const char *shm_cli_value(int argc, char **argv, int *i) {
    if (*i + 1 >= argc) shm_cli_bad_usage("missing value for", argv[*i]);
    return argv[++*i];
}

static inline _Noreturn void shm_cli_bad_value(const char *flag, const char *value) {
    fprintf(stderr, "%s: bad value for %s: '%s' (try --help)\n", shm_cli_program, flag, value);
    exit(2);
}

static inline uint64_t shm_cli_number(int argc, char **argv, int *i) {
    const char *flag = argv[*i];
    uint64_t value;
    if (pshm_traffic_parse_u64(shm_cli_value(argc, argv, i), 10, &value) != 0) shm_cli_bad_value(flag, argv[*i]);
    return value;
}

static inline uint32_t shm_cli_number32(int argc, char **argv, int *i, int base) {
    const char *flag = argv[*i];
    uint32_t value;
    if (pshm_traffic_parse_u32(shm_cli_value(argc, argv, i), base, &value) != 0) shm_cli_bad_value(flag, argv[*i]);
    return value;
}

/* A value in milliseconds, returned in nanoseconds. */
static inline int64_t shm_cli_millis(int argc, char **argv, int *i) {
    uint64_t ms = shm_cli_number(argc, argv, i);
    if (ms > INT64_MAX / 2000000) shm_cli_bad_usage("too many milliseconds", argv[*i]);
    return (int64_t)ms * 1000000;
}

/* A message length N or a range MIN-MAX (--size). */
static inline void shm_cli_size(int argc, char **argv, int *i, uint32_t *min, uint32_t *max) {
    const char *v = shm_cli_value(argc, argv, i);
    if (pshm_traffic_parse_size(v, min, max) != 0) shm_cli_bad_usage("bad value for --size", v);
}

/* --ring NAME is required and must be a valid ring name. */
static inline void shm_cli_check_ring(const char *ring) {
    if (ring == NULL) shm_cli_bad_usage("--ring NAME is required", NULL);
    if (pshm_check_name(ring) != 0) {
        shm_cli_bad_usage("a ring name is /NAME: up to 245 characters, no other '/'", ring);
    }
}

static inline void shm_cli_on_signal(int signal_number) {
    (void)signal_number;
    shm_cli_stop_requested = 1;
}

/* SIGINT and SIGTERM set shm_cli_stop_requested instead of ending the program. */
static inline void shm_cli_catch_signals(void) {
    struct sigaction sa = {.sa_handler = shm_cli_on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static sigjmp_buf shm_cli_fault_jump;
static volatile sig_atomic_t shm_cli_fault_armed;

static inline void shm_cli_on_fault(int signal_number) {
    if (shm_cli_fault_armed) {
        shm_cli_fault_armed = 0;
        siglongjmp(shm_cli_fault_jump, 1);
    }
    signal(signal_number, SIG_DFL);  /* not ours: die of it */
    raise(signal_number);
}

/*
 * A SIGBUS while armed — a touch of the ring's memory after another process truncated its object —
 * jumps back to where the program called sigsetjmp(shm_cli_fault_jump, 1) and armed it. The state
 * the program reads after the jump must be static or volatile.
 */
static inline void shm_cli_catch_faults(void) {
    struct sigaction sa = {.sa_handler = shm_cli_on_fault, .sa_flags = SA_NODEFER};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
}

/*
 * The next slice of a wait that began at start and may last timeout_ns (< 0: for ever): 0 with
 * *slice set, -EINTR when a stop was requested, -ETIMEDOUT when the time is up.
 */
static inline int shm_cli_next_slice(int64_t start, int64_t timeout_ns, int64_t *slice) {
    if (shm_cli_stop_requested) return -EINTR;
    *slice = SHM_CLI_WAIT_SLICE_NS;
    if (timeout_ns >= 0) {
        int64_t left = start + timeout_ns - pshm_now_ns(CLOCK_MONOTONIC);
        if (left <= 0) return -ETIMEDOUT;
        if (left < *slice) *slice = left;
    }
    return 0;
}

/*
 * --progress: a line on stderr about once a second, the same as the Java commands print; on a
 * terminal it is shown anyway, on one line kept up to date. The clock is read about ten times a
 * second whatever the call rate (every call when calls are rare).
 */
typedef struct shm_cli_progress {
    const char *label, *unit;
    int enabled, terminal, printed;
    char line[160];   /* the last line, drawn again by shm_cli_progress_finish */
    uint64_t every, since_look;   /* calls between looks at the clock, and calls since the last one */
    int64_t start, next, last_look;
} shm_cli_progress;

static inline void shm_cli_progress_init(shm_cli_progress *p, const char *label, const char *unit, int asked) {
    int tty = isatty(STDERR_FILENO);
    *p = (shm_cli_progress){.label = label, .unit = unit, .enabled = asked || tty, .terminal = tty && !asked,
                            .every = 1, .start = pshm_now_ns(CLOCK_MONOTONIC)};
    p->next = p->start + 1000000000;
    p->last_look = p->start;
}

static inline void shm_cli_progress_look(shm_cli_progress *p, uint64_t count, const char *note);

static inline void shm_cli_progress_update(shm_cli_progress *p, uint64_t count) {
    if (!p->enabled || ++p->since_look < p->every) return;
    shm_cli_progress_look(p, count, "");
}

/* While the run waits (e.g. for space in a full ring): the line goes on, saying so. */
static inline void shm_cli_progress_waiting(shm_cli_progress *p, uint64_t count, const char *what) {
    char note[80];
    snprintf(note, sizeof note, " (%s)", what);
    if (p->enabled) shm_cli_progress_look(p, count, note);
}

static inline void shm_cli_progress_look(shm_cli_progress *p, uint64_t count, const char *note) {
    int64_t now = pshm_now_ns(CLOCK_MONOTONIC);
    int64_t elapsed = now - p->last_look;
    /* aim for a look every ~100 ms at the rate seen: double while looks come too fast to measure */
    uint64_t every = elapsed < 10000000 ? p->every * 2 : p->since_look * 100000000u / (uint64_t)elapsed;
    p->every = every < 1 ? 1 : every > (1u << 20) ? (1u << 20) : every;
    p->since_look = 0;
    p->last_look = now;
    if (now < p->next) return;
    p->next = now + 1000000000;
    double seconds = (double)(now - p->start) / 1e9;
    snprintf(p->line, sizeof p->line, "%s: progress %s=%llu seconds=%.0f msgs_per_s=%.0f%s", p->label, p->unit,
             (unsigned long long)count, seconds, seconds > 0 ? (double)count / seconds : 0.0, note);
    fprintf(stderr, "%s%s%s", p->terminal ? "\r" : "", p->line, p->terminal ? "\033[K" : "\n");
    fflush(stderr);
    p->printed = 1;
}

/*
 * Ends the line kept up to date on a terminal, drawn once more first, before anything else is
 * printed: that wipes what the terminal echoed after it (the "^C" of a Ctrl-C), as it wipes an echo
 * on an empty line when no progress was drawn yet.
 */
static inline void shm_cli_progress_finish(shm_cli_progress *p) {
    if (p->terminal && p->printed) fprintf(stderr, "\r%s\033[K\n", p->line);
    else if (p->terminal) fputs("\r\033[K", stderr);
    p->printed = 0;
}

/* The most precise words for a failed call on r: the ring's own explanation if it gave one. */
static inline const char *shm_cli_error_text(const pshm_ring *r, int rc) {
    return pshm_error(r)[0] ? pshm_error(r) : pshm_traffic_error_text(rc);
}

/*
 * The one line for a ring that could not be created or opened, in the Java command line's words for
 * a missing ring ("no ring named /x", "... appeared within N ms" after a wait).
 */
static inline void shm_cli_open_failed(const pshm_ring *r, const char *verb, const char *name, int rc,
                                       int64_t waited_ns) {
    if (rc == -ENOENT && waited_ns > 0) {
        fprintf(stderr, "%s: no ring named %s appeared within %lld ms\n", shm_cli_program, name,
                (long long)(waited_ns / 1000000));
    } else if (rc == -ENOENT) {
        fprintf(stderr, "%s: no ring named %s\n", shm_cli_program, name);
    } else {
        fprintf(stderr, "%s: cannot %s ring %s: %s\n", shm_cli_program, verb, name, shm_cli_error_text(r, rc));
    }
}

/* The value of --wait-policy: PSHM_WAIT_SPIN, _STANDARD or _SLEEP. */
static inline int shm_cli_wait_policy(int argc, char **argv, int *i) {
    const char *value = shm_cli_value(argc, argv, i);
    if (!strcmp(value, "spin")) return PSHM_WAIT_SPIN;
    if (!strcmp(value, "standard")) return PSHM_WAIT_STANDARD;
    if (!strcmp(value, "sleep")) return PSHM_WAIT_SLEEP;
    shm_cli_bad_usage("--wait-policy must be spin, standard or sleep", NULL);
}

/* pshm_open_wait for up to wait_ns, in slices, so that SIGINT/SIGTERM end the wait. */
static inline int shm_cli_open_ring(pshm_ring *r, const char *name, uint32_t role, int64_t wait_ns) {
    int64_t deadline = pshm_now_ns(CLOCK_MONOTONIC) + wait_ns;
    for (;;) {   /* in slices, so that a signal stops the wait */
        int64_t left = deadline - pshm_now_ns(CLOCK_MONOTONIC);
        int rc = pshm_open_wait(r, name, role, left < 200000000 ? (left > 0 ? left : 0) : 200000000);
        if ((rc != -ENOENT && rc != -EAGAIN) || shm_cli_stop_requested || pshm_now_ns(CLOCK_MONOTONIC) >= deadline) {
            return rc;
        }
    }
}

#endif
