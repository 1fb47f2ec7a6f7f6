/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shm-producer — sends messages into a panama-shm ring, optionally creating it first.
 * See usage() for the flags; prints one summary line on stdout when done.
 *
 * Exit status: 0 when all --count messages were sent, 1 when it stopped early (timeout, ring
 * closed, signal, send error), 2 on bad flags or when the ring cannot be created or opened, 3 when
 * the ring was truncated under it (shm_cli.h).
 */
#include "panama_shm.h"
#include "panama_shm_traffic.h"
#include "shm_cli.h"

typedef struct options {
    const char *ring;
    uint64_t count;
    uint32_t size_min, size_max;
    int64_t timeout_ns;   /* per send; < 0: for ever */
    int64_t wait_ns;      /* for the ring to exist */
    int wait_policy;      /* PSHM_WAIT_STANDARD (0) unless --wait-policy says otherwise */
    int unlink_on_exit, pattern, close_when_done, progress;
    uint32_t id;
    int create;
    uint32_t slots, max_size, flags, mode, fanout_mode;
    int have_max_size, create_only_flag;
} options;

static void usage(FILE *out) {
    fputs("usage: shm-producer --ring NAME [options]\n"
          "  --ring NAME          the ring, e.g. /demo (required)\n"
          "  --count N            messages to send (default 1000000)\n"
          "  --size N|MIN-MAX     message length in bytes, or a range (default 64)\n"
          "  --pattern            send the verifiable pattern (needs sizes >= 16); else zero-filled\n"
          "  --id N               producer id in the pattern (default: the pid)\n"
          "  --timeout-ms MS      give up when a send waits longer than MS (default: wait for ever)\n"
          "  --wait-ms MS         wait up to MS for the ring to exist (default 0)\n"
          "  --wait-policy P      how waiting calls wait: spin, standard (default) or sleep\n"
          "  --close              close the ring for writing when done (consumers see end of stream)\n"
          "  --unlink-on-exit     remove the ring when done\n"
          "  --progress           print progress to stderr about once a second (shown anyway on a terminal)\n"
          "  --create             create the ring first, with:\n"
          "    --slots N            slot count, a power of two (default 1024)\n"
          "    --max-size BYTES     largest message (default: the upper end of --size)\n"
          "    --single-producer    at most one producer may attach\n"
          "    --single-consumer    at most one consumer may attach\n"
          "    --fanout [MODE]      every consumer reads every message (one producer); MODE block (the default:\n"
          "                         the slowest consumer gates the producer) or overwrite (the producer never\n"
          "                         waits; a lapped consumer skips what was overwritten, counted)\n"
          "    --mode OCTAL         permissions (default 0600)\n"
          "  --help               this text\n"
          "  --version            the build and the ring layout\n"
          "prints: sent=N seconds=S msgs_per_s=R checksum=HEX\n",
          out);
}

static void parse(int argc, char **argv, options *o) {
    *o = (options){.count = 1000000, .size_min = 64, .size_max = 64, .timeout_ns = -1,
                   .id = (uint32_t)getpid(), .slots = 1024};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); exit(0); }
        else if (!strcmp(a, "--ring")) o->ring = shm_cli_value(argc, argv, &i);
        else if (!strcmp(a, "--count")) o->count = shm_cli_number(argc, argv, &i);
        else if (!strcmp(a, "--size")) shm_cli_size(argc, argv, &i, &o->size_min, &o->size_max);
        else if (!strcmp(a, "--pattern")) o->pattern = 1;
        else if (!strcmp(a, "--id")) o->id = shm_cli_number32(argc, argv, &i, 10);
        else if (!strcmp(a, "--timeout-ms")) o->timeout_ns = shm_cli_millis(argc, argv, &i);
        else if (!strcmp(a, "--wait-ms")) o->wait_ns = shm_cli_millis(argc, argv, &i);
        else if (!strcmp(a, "--wait-policy")) o->wait_policy = shm_cli_wait_policy(argc, argv, &i);
        else if (!strcmp(a, "--close")) o->close_when_done = 1;
        else if (!strcmp(a, "--unlink-on-exit")) o->unlink_on_exit = 1;
        else if (!strcmp(a, "--progress")) o->progress = 1;
        else if (!strcmp(a, "--create")) o->create = 1;
        else if (!strcmp(a, "--slots")) { o->slots = shm_cli_number32(argc, argv, &i, 10); o->create_only_flag = 1; }
        else if (!strcmp(a, "--version")) { shm_cli_version(); exit(0); }
        else if (!strcmp(a, "--max-size")) {
            o->max_size = shm_cli_number32(argc, argv, &i, 10);
            o->have_max_size = o->create_only_flag = 1;
        }
        else if (!strcmp(a, "--single-producer")) { o->flags |= PSHM_FLAG_SINGLE_PRODUCER; o->create_only_flag = 1; }
        else if (!strcmp(a, "--single-consumer")) { o->flags |= PSHM_FLAG_SINGLE_CONSUMER; o->create_only_flag = 1; }
        else if (!strcmp(a, "--fanout")) {
            o->flags |= PSHM_FLAG_FANOUT | PSHM_FLAG_SINGLE_PRODUCER;
            o->create_only_flag = 1;
            /* an optional MODE, as the Java command line takes it */
            if (i + 1 < argc && !strcmp(argv[i + 1], "block")) o->fanout_mode = PSHM_FANOUT_BLOCK, i++;
            else if (i + 1 < argc && !strcmp(argv[i + 1], "overwrite")) o->fanout_mode = PSHM_FANOUT_OVERWRITE, i++;
            else if (i + 1 < argc && argv[i + 1][0] != '-') shm_cli_bad_usage("--fanout must be block or overwrite", NULL);
        }
        else if (!strcmp(a, "--mode")) { o->mode = shm_cli_number32(argc, argv, &i, 8); o->create_only_flag = 1; }
        else shm_cli_bad_usage("unknown option", a);
    }
    shm_cli_check_ring(o->ring);
    if (o->create_only_flag && !o->create) {
        shm_cli_bad_usage("--slots, --max-size, --single-*, --fanout, --mode need --create", NULL);
    }
    if ((o->flags & PSHM_FLAG_FANOUT) && (o->flags & PSHM_FLAG_SINGLE_CONSUMER)) {
        shm_cli_bad_usage("--fanout is for any number of consumers, each reading the whole stream: leave out --single-consumer", NULL);
    }
    if (o->size_max > PSHM_MAX_PAYLOAD) shm_cli_bad_usage("--size above the largest message a ring can take (2^30 = 1073741824 bytes)", NULL);
    if (o->pattern && o->size_min < PSHM_TRAFFIC_HEADER_SIZE) {
        shm_cli_bad_usage("--pattern needs --size of at least 16", NULL);
    }
    if (!o->have_max_size) o->max_size = o->size_max > 0 ? o->size_max : 1;
    if (o->create && o->max_size < o->size_max) shm_cli_bad_usage("--max-size below the upper end of --size", NULL);
    if (o->create && (o->slots < 2 || (o->slots & (o->slots - 1)) != 0 || o->slots > PSHM_MAX_SLOTS)) {
        shm_cli_bad_usage("--slots must be a power of two from 2 to 2^30", NULL);
    }
}

static int create_ring(pshm_ring *r, const options *o) {
    pshm_spec spec = {.slot_count = o->slots, .max_payload = o->max_size, .flags = o->flags, .mode = o->mode,
                      .fanout_mode = o->fanout_mode};
    int rc = pshm_create(r, o->ring, &spec);
    if (rc) return rc;
    rc = pshm_attach(r, PSHM_ROLE_PRODUCER, PSHM_LANGUAGE_C);
    if (rc) {
        pshm_detach(r);
        pshm_unlink(o->ring);
    }
    return rc;
}

/*
 * pshm_claim that waits at most timeout_ns (< 0: for ever) and stops waiting on a signal (-EINTR).
 * Sets *wait_start to when it began to wait, if it had to.
 */
/* Claims in slices, so that a signal is seen; while the ring is full, the progress line says so. */
static int claim(pshm_ring *r, uint32_t length, void **payload, int64_t timeout_ns, int64_t *wait_start,
                 shm_cli_progress *progress, uint64_t sent) {
    int rc = pshm_claim(r, length, payload, 0);
    if (rc != -EAGAIN) return rc;
    int64_t start = *wait_start = pshm_now_ns(CLOCK_MONOTONIC);
    for (int64_t slice; (rc = shm_cli_next_slice(start, timeout_ns, &slice)) == 0;) {
        rc = pshm_claim(r, length, payload, slice);
        if (rc != -ETIMEDOUT) return rc;
        shm_cli_progress_waiting(progress, sent, "ring full, waiting for space");
    }
    return rc;
}

int main(int argc, char **argv) {
    shm_cli_init("shm-producer");
    options o;
    parse(argc, argv, &o);

    shm_cli_catch_signals();
    shm_cli_catch_faults();

    static pshm_ring r;   /* static: read after a jump back from a fault */
    static int rc;
    rc = o.create ? create_ring(&r, &o) : shm_cli_open_ring(&r, o.ring, PSHM_ROLE_PRODUCER, o.wait_ns);
    if (rc) {
        shm_cli_open_failed(&r, o.create ? "create" : "open", o.ring, rc, o.create ? 0 : o.wait_ns);
        return 2;
    }
    pshm_set_wait(&r, o.wait_policy, 0);
    if (o.size_max > r.max_payload) {
        fprintf(stderr, "shm-producer: ring %s takes messages of up to %u bytes, --size asks for %u\n", o.ring,
                r.max_payload, o.size_max);
        pshm_detach(&r);
        if (o.unlink_on_exit) pshm_unlink(o.ring);
        return 2;
    }

    static uint64_t sent, checksum;
    static int64_t first, wait_start;
    static int status;
    first = pshm_now_ns(CLOCK_MONOTONIC);
    rc = 0;
    static shm_cli_progress progress;
    shm_cli_progress_init(&progress, "shm-producer", "sent", o.progress);
    int truncated = sigsetjmp(shm_cli_fault_jump, 1) != 0;
    if (!truncated) shm_cli_fault_armed = 1;
    for (uint64_t seq = sent; !truncated && seq < o.count; seq++) {
        if (shm_cli_stop_requested) { rc = -EINTR; break; }
        uint32_t length = pshm_traffic_length(o.id, seq, o.size_min, o.size_max);
        void *payload = NULL;
        wait_start = 0;
        if ((rc = claim(&r, length, &payload, o.timeout_ns, &wait_start, &progress, sent)) != 0) break;
        if (o.pattern) pshm_traffic_fill(payload, o.id, seq, length);
        else memset(payload, 0, length);
        pshm_commit(&r, length);
        shm_cli_progress_update(&progress, ++sent);
        if (o.pattern) checksum += pshm_traffic_checksum(o.id, seq);
    }
    shm_cli_fault_armed = 0;
    shm_cli_progress_finish(&progress);
    int64_t last = rc != 0 && wait_start != 0 ? wait_start : pshm_now_ns(CLOCK_MONOTONIC);

    if (truncated) {
        fprintf(stderr, "shm-producer: ring %s was truncated by another process\n", o.ring);
    } else if (rc == -ETIMEDOUT) {
        fprintf(stderr, "shm-producer: ring %s: no space for %lld ms, stopping\n", o.ring,
                (long long)(o.timeout_ns / 1000000));
    } else if (rc == -EPIPE) {
        fprintf(stderr, "shm-producer: ring %s: closed for writing, stopping\n", o.ring);
    } else if (rc == -EINTR) {
        fprintf(stderr, "shm-producer: ring %s: interrupted, stopping\n", o.ring);
    } else if (rc != 0) {
        fprintf(stderr, "shm-producer: ring %s: send failed: %s\n", o.ring, shm_cli_error_text(&r, rc));
    }
    if (o.close_when_done && !truncated) pshm_close_for_writing(&r);

    double seconds = sent > 0 ? (double)(last - first) / 1e9 : 0.0;
    printf("sent=%llu seconds=%.3f msgs_per_s=%.0f checksum=%016llx\n", (unsigned long long)sent, seconds,
           seconds > 0 ? (double)sent / seconds : 0.0, (unsigned long long)checksum);
    fflush(stdout);

    status = truncated ? SHM_CLI_EXIT_TRUNCATED : sent == o.count ? SHM_CLI_EXIT_DONE : SHM_CLI_EXIT_INCOMPLETE;
    if (!truncated) pshm_detach(&r);   /* its memory is gone: the kernel drops the locks at exit */
    if (o.unlink_on_exit) pshm_unlink(o.ring);
    return status;
}
