/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shm-consumer — receives messages from a panama-shm ring and, with --verify, checks them against
 * the verifiable traffic pattern (panama_shm_traffic.h). See usage() for the flags; prints one
 * summary line on stdout when done.
 *
 * Exit status: 0 when nothing was lost, duplicated, out of order or corrupt, 1 otherwise (or after
 * a receive error), 2 on bad flags or when the ring cannot be opened, 3 when the ring was truncated
 * under it (shm_cli.h).
 */
#include "panama_shm.h"
#include "panama_shm_traffic.h"
#include "shm_cli.h"

typedef struct options {
    const char *ring;
    uint64_t count;
    int have_count;
    uint32_t size_min, size_max;
    int have_size;
    int64_t timeout_ns;   /* for the next message; < 0: for ever */
    int64_t wait_ns;      /* for the ring to exist */
    int wait_policy;      /* PSHM_WAIT_STANDARD (0) unless --wait-policy says otherwise */
    int unlink_on_exit, verify, shared, progress;
} options;

static void usage(FILE *out) {
    fputs("usage: shm-consumer --ring NAME [options]\n"
          "  --ring NAME          the ring, e.g. /demo (required)\n"
          "  --count N            stop after N messages (default: no limit)\n"
          "  --verify             check the verifiable pattern (alias --pattern)\n"
          "  --size N|MIN-MAX     with --verify: also check each length against this range\n"
          "  --shared             other consumers share the ring: gaps in a sequence are not lost\n"
          "                       (not on a fan-out ring, where every consumer reads the whole stream)\n"
          "  --timeout-ms MS      stop when nothing arrives for MS (default: wait for ever)\n"
          "  --wait-ms MS         wait up to MS for the ring to exist (default 0)\n"
          "  --wait-policy P      how waiting calls wait: spin, standard (default) or sleep\n"
          "  --unlink-on-exit     remove the ring when done\n"
          "  --progress           print progress to stderr about once a second (shown anyway on a terminal)\n"
          "  --help               this text\n"
          "  --version            the build and the ring layout\n"
          "stops at --count, at end of stream, or on timeout; prints:\n"
          "received=N lost=N duplicated=N out_of_order=N corrupt=N seconds=S msgs_per_s=R checksum=HEX\n",
          out);
}

static void parse(int argc, char **argv, options *o) {
    *o = (options){.size_min = 64, .size_max = 64, .timeout_ns = -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); exit(0); }
        else if (!strcmp(a, "--version")) { shm_cli_version(); exit(0); }
        else if (!strcmp(a, "--ring")) o->ring = shm_cli_value(argc, argv, &i);
        else if (!strcmp(a, "--count")) { o->count = shm_cli_number(argc, argv, &i); o->have_count = 1; }
        else if (!strcmp(a, "--size")) { shm_cli_size(argc, argv, &i, &o->size_min, &o->size_max); o->have_size = 1; }
        else if (!strcmp(a, "--verify") || !strcmp(a, "--pattern")) o->verify = 1;
        else if (!strcmp(a, "--shared")) o->shared = 1;
        else if (!strcmp(a, "--timeout-ms")) o->timeout_ns = shm_cli_millis(argc, argv, &i);
        else if (!strcmp(a, "--wait-ms")) o->wait_ns = shm_cli_millis(argc, argv, &i);
        else if (!strcmp(a, "--wait-policy")) o->wait_policy = shm_cli_wait_policy(argc, argv, &i);
        else if (!strcmp(a, "--unlink-on-exit")) o->unlink_on_exit = 1;
        else if (!strcmp(a, "--progress")) o->progress = 1;
        else shm_cli_bad_usage("unknown option", a);
    }
    shm_cli_check_ring(o->ring);
    if (o->verify && o->size_min < PSHM_TRAFFIC_HEADER_SIZE) {
        shm_cli_bad_usage("--verify needs --size of at least 16", NULL);
    }
}

/*
 * pshm_receive_zc that waits at most timeout_ns (< 0: for ever) and stops waiting on a signal
 * (-EINTR). Sets *wait_start to when it began to wait, if it had to.
 */
static int receive(pshm_ring *r, const void **message, uint32_t *length, int64_t timeout_ns, int64_t *wait_start) {
    int rc = pshm_receive_zc(r, message, length, 0);
    if (rc != -EAGAIN) return rc;
    int64_t start = *wait_start = pshm_now_ns(CLOCK_MONOTONIC);
    for (int64_t slice; (rc = shm_cli_next_slice(start, timeout_ns, &slice)) == 0;) {
        rc = pshm_receive_zc(r, message, length, slice);
        if (rc != -ETIMEDOUT) return rc;
    }
    return rc;
}

int main(int argc, char **argv) {
    shm_cli_init("shm-consumer");
    options o;
    parse(argc, argv, &o);

    shm_cli_catch_signals();
    shm_cli_catch_faults();

    /* static: what is read after a jump back from a fault (shm_cli_catch_faults) */
    static pshm_ring r;
    static int rc;
    rc = shm_cli_open_ring(&r, o.ring, PSHM_ROLE_CONSUMER, o.wait_ns);
    if (rc) {
        shm_cli_open_failed(&r, "open", o.ring, rc, o.wait_ns);
        return 2;
    }
    if (r.fanout && o.shared) {
        pshm_detach(&r);
        fprintf(stderr, "shm-consumer: ring %s is a fan-out ring: every consumer reads the whole stream, so --shared"
                        " does not apply (try --help)\n", o.ring);
        return 2;
    }
    pshm_set_wait(&r, o.wait_policy, 0);

    static pshm_traffic_verifier v;
    pshm_traffic_verifier_init(&v);
    static uint64_t received, dropped;
    static int64_t first, wait_start;
    rc = 0;
    static shm_cli_progress progress;
    shm_cli_progress_init(&progress, "shm-consumer", "received", o.progress);
    int truncated = sigsetjmp(shm_cli_fault_jump, 1) != 0;
    if (!truncated) shm_cli_fault_armed = 1;
    while (!truncated && (!o.have_count || received < o.count)) {
        if (shm_cli_stop_requested) { rc = -EINTR; break; }
        shm_cli_progress_update(&progress, received);
        const void *message = NULL;
        uint32_t length = 0;
        wait_start = 0;
        if ((rc = receive(&r, &message, &length, o.timeout_ns, &wait_start)) == -EPROTO) {
            /* a damaged slot, dropped by the ring: count it and go on, as the Java consumer does */
            shm_cli_progress_finish(&progress);   /* a line of its own; progress goes on below it */
            fprintf(stderr, "shm-consumer: ring %s is damaged: %s\n", o.ring, pshm_error(&r));
            r.error[0] = '\0';
            if (received++ == 0) first = pshm_now_ns(CLOCK_MONOTONIC);
            if (o.verify) pshm_traffic_verifier_note(&v, 0, 0, 0);   /* received and corrupt */
            else dropped++;
            continue;
        }
        if (rc != 0) break;
        if (received++ == 0) first = pshm_now_ns(CLOCK_MONOTONIC);
        if (o.verify) {
            uint32_t id;
            uint64_t seq;
            int good = pshm_traffic_verify(message, length, &id, &seq);
            if (good && o.have_size && length != pshm_traffic_length(id, seq, o.size_min, o.size_max)) good = 0;
            if (pshm_traffic_verifier_note(&v, good, id, seq) < 0) rc = -ENOMEM;
        }
        pshm_release(&r);
        if (rc) break;
    }
    shm_cli_fault_armed = 0;
    shm_cli_progress_finish(&progress);
    int64_t last = rc != 0 && wait_start != 0 ? wait_start : pshm_now_ns(CLOCK_MONOTONIC);

    int failed = truncated || (rc != 0 && rc != -ETIMEDOUT && rc != -EPIPE && rc != -EINTR);
    if (truncated) {
        fprintf(stderr, "shm-consumer: ring %s was truncated by another process\n", o.ring);
    } else if (failed) {
        fprintf(stderr, "shm-consumer: ring %s: receive failed: %s\n", o.ring,
                shm_cli_error_text(&r, rc));
    }
    else if (rc == -EINTR) fprintf(stderr, "shm-consumer: ring %s: interrupted, stopping\n", o.ring);

    uint64_t expected = o.have_count ? o.count : 0;
    uint64_t lost, duplicated = 0, out_of_order = 0, corrupt = 0, checksum = 0;
    if (o.verify) {
        received = v.received;
        lost = pshm_traffic_verifier_lost(&v, o.shared, expected);
        duplicated = v.duplicated;
        out_of_order = v.out_of_order;
        corrupt = v.corrupt;
        checksum = v.checksum;
    } else {
        lost = expected > received ? expected - received : 0;
        corrupt = dropped;
    }
    double seconds = received > 0 ? (double)(last - first) / 1e9 : 0.0;
    printf("received=%llu lost=%llu duplicated=%llu out_of_order=%llu corrupt=%llu seconds=%.3f msgs_per_s=%.0f "
           "checksum=%016llx\n",
           (unsigned long long)received, (unsigned long long)lost, (unsigned long long)duplicated,
           (unsigned long long)out_of_order, (unsigned long long)corrupt, seconds,
           seconds > 0 ? (double)received / seconds : 0.0, (unsigned long long)checksum);
    fflush(stdout);

    pshm_traffic_verifier_free(&v);
    if (!truncated) pshm_detach(&r);   /* its memory is gone: the kernel drops the locks at exit */
    if (o.unlink_on_exit) pshm_unlink(o.ring);
    if (truncated) return SHM_CLI_EXIT_TRUNCATED;
    return failed || lost || duplicated || out_of_order || corrupt ? SHM_CLI_EXIT_INCOMPLETE : SHM_CLI_EXIT_DONE;
}
