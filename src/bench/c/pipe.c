/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipe.c — the kernel's own channel: named pipes (FIFOs). PREFIX.ab carries produce -> consume
 * and ping -> pong, PREFIX.ba carries pong -> ping. The receiving side creates them.
 *
 * One write() per message (per --batch messages), reads of exactly --size bytes (or of up to
 * --batch messages). The descriptors are non-blocking and a side calls poll() only when the
 * pipe is empty (reading) or full (writing), with the time left to the deadline: when data is
 * there that costs one system call, like blocking I/O, yet the deadline and signals are kept.
 * For throughput the pipe is sized to hold --slots messages, like the rings.
 */
#include "bench_side.h"

#include <limits.h>
#include <poll.h>

static void fifo_path(char *buf, size_t cap, const char *prefix, const char *suffix) {
    bench_derive(buf, cap, prefix, suffix);
}

static void fifo_create(const char *path) {
    if (mkfifo(path, 0600) != 0)
        bench_die_sys("mkfifo", path);
    bench_created_add(KIND_PATH, path);
}

/* Reading end of a FIFO that exists: a non-blocking open succeeds with or without a writer. */
static int fifo_open_read(const char *path) {
    int64_t give_up = bench_now_ns() + BENCH_ATTACH_NS;
    for (;;) {
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0)
            return fd;
        if (errno != ENOENT && errno != EINTR)
            bench_die_sys("open", path);
        if (bench_should_stop())
            bench_stop_exit("opening the FIFO");
        if (bench_now_ns() >= give_up) {
            fprintf(stderr, "error: open(%s): no such FIFO after 5 s\n", path);
            exit(EXIT_SETUP);
        }
        bench_sleep_ns(1000000);
    }
}

/* Writing end: ENXIO (no reader yet) and ENOENT (not created yet) are retried for up to 5 s. */
static int fifo_open_write(const char *path) {
    int64_t give_up = bench_now_ns() + BENCH_ATTACH_NS;
    for (;;) {
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0)
            return fd;
        if (errno != ENOENT && errno != ENXIO && errno != EINTR)
            bench_die_sys("open", path);
        if (bench_should_stop())
            bench_stop_exit("opening the FIFO");
        if (bench_now_ns() >= give_up) {
            fprintf(stderr, "error: open(%s): no FIFO with a reader after 5 s\n", path);
            exit(EXIT_SETUP);
        }
        bench_sleep_ns(1000000);
    }
}

/*
 * Make the pipe hold `want` bytes. Without CAP_SYS_RESOURCE the kernel caps that at
 * fs.pipe-max-size; then take the cap and say so.
 */
static void fifo_set_capacity(int fd, uint64_t want, const char *path) {
    if (want > (uint64_t)INT_MAX)
        want = INT_MAX;
    if (fcntl(fd, F_SETPIPE_SZ, (int)want) >= 0)
        return;
    if (errno != EPERM)
        bench_die_sys("fcntl(F_SETPIPE_SZ)", path);
    long max = 0;
    FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
    if (f == NULL)
        bench_die_sys("fopen", "/proc/sys/fs/pipe-max-size");
    if (fscanf(f, "%ld", &max) != 1)
        bench_die("cannot read /proc/sys/fs/pipe-max-size");
    fclose(f);
    int got = fcntl(fd, F_SETPIPE_SZ, (int)max);
    if (got < 0)
        bench_die_sys("fcntl(F_SETPIPE_SZ)", path);
    fprintf(stderr, "note: %s holds %d bytes, not %" PRIu64 " (fs.pipe-max-size)\n", path, got, want);
}

/* Sleep in poll() until fd is ready for `events` (or hung up), leaving at a signal or the deadline. */
static short fifo_poll(int fd, short events, const char *what) {
    for (;;) {
        int64_t left = bench_deadline_ns - bench_now_ns();
        if (bench_signal != 0 || left <= 0)
            bench_stop_exit(what);
        int ms = left / 1000000 + 1 > INT_MAX ? INT_MAX : (int)(left / 1000000 + 1);
        struct pollfd p = { .fd = fd, .events = events };
        int r = poll(&p, 1, ms);
        if (r > 0)
            return p.revents;
        if (r < 0 && errno != EINTR)
            bench_die_sys("poll", what);
    }
}

/*
 * Up to cap bytes, at least one. read() returns 0 whenever no writer has the FIFO open: before
 * the writer came (then poll() sleeps until data arrives: Linux reports POLLHUP only once a
 * writer has come and gone) and after it left (POLLHUP: a failure, as we expect more).
 */
static size_t fifo_read_some(int fd, unsigned char *buf, size_t cap) {
    for (;;) {
        ssize_t n = read(fd, buf, cap);
        if (n > 0)
            return (size_t)n;
        if (n == 0 || errno == EAGAIN) {
            short ev = fifo_poll(fd, POLLIN, "waiting for data");
            if ((ev & (POLLIN | POLLHUP)) == POLLHUP) {
                fprintf(stderr, "error: read: the writer closed the FIFO before the last message\n");
                exit(EXIT_SETUP);
            }
        } else if (errno != EINTR)
            bench_die_sys("read", "FIFO");
        else if (bench_should_stop())
            bench_stop_exit("reading");
    }
}

static void fifo_read_full(int fd, unsigned char *buf, size_t len) {
    for (size_t done = 0; done < len;)
        done += fifo_read_some(fd, buf + done, len - done);
}

/* All of buf. A write larger than PIPE_BUF may be split by the kernel: go on with the rest. */
static void fifo_write_full(int fd, const unsigned char *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n >= 0)
            done += (size_t)n;
        else if (errno == EAGAIN)
            fifo_poll(fd, POLLOUT, "waiting for room");
        else if (errno == EPIPE) {
            fprintf(stderr, "error: write: the reader closed the FIFO\n");
            exit(EXIT_SETUP);
        } else if (errno != EINTR)
            bench_die_sys("write", "FIFO");
        else if (bench_should_stop())
            bench_stop_exit("writing");
    }
}

static unsigned char *fifo_buffer(size_t bytes) {
    unsigned char *b = malloc(bytes);
    if (b == NULL)
        bench_die("out of memory for the I/O buffer");
    return b;
}

static void fifo_close(int fd) {
    if (close(fd) != 0)
        bench_die_sys("close", "FIFO");
}

static int produce(const struct bench_args *a) {
    char ab[1024];
    fifo_path(ab, sizeof ab, a->name, ".ab");
    int fd = fifo_open_write(ab);
    unsigned char *buf = fifo_buffer(a->batch * a->size);
    unsigned checks = 0;
    for (uint64_t seq = 0; seq < a->total;) {
        uint64_t n = a->total - seq < a->batch ? a->total - seq : a->batch;
        for (uint64_t i = 0; i < n; i++)
            bench_fill(buf + i * a->size, a->size, seq + i);
        fifo_write_full(fd, buf, n * a->size); /* one write() for the batch */
        seq += n;
        bench_spin_check(&checks, "producing");
    }
    free(buf);
    fifo_close(fd);
    bench_say("result sent=%" PRIu64 "\n", a->total);
    return 0;
}

static int consume(const struct bench_args *a) {
    char ab[1024];
    fifo_path(ab, sizeof ab, a->name, ".ab");
    fifo_create(ab);
    int fd = fifo_open_read(ab);
    fifo_set_capacity(fd, a->slots * a->size, ab);
    bench_ready();

    /* Read up to --batch messages at a time; a message split across reads waits for its rest. */
    size_t cap = a->batch * a->size, have = 0;
    uint64_t left_bytes = a->total * a->size; /* never ask for more than is still to come */
    unsigned char *buf = fifo_buffer(cap);
    unsigned checks = 0;
    uint64_t seq = 0, expect = 0, errors = 0;
    int64_t t0 = 0;
    while (seq < a->total) {
        size_t want = cap - have < left_bytes ? cap - have : (size_t)left_bytes;
        size_t n = fifo_read_some(fd, buf + have, want);
        left_bytes -= n;
        have += n;
        size_t off = 0;
        for (; have - off >= a->size; off += a->size, seq++) {
            if (seq == a->warmup)
                t0 = bench_now_ns();
            errors += bench_check_msg(buf + off, a->size, &expect);
        }
        if (off != 0 && have != off)
            memmove(buf, buf + off, have - off);
        have -= off;
        bench_spin_check(&checks, "consuming");
    }
    int64_t t1 = bench_now_ns();
    free(buf);
    fifo_close(fd);
    return bench_consume_result(a, t0, t1, errors);
}

static int ping(const struct bench_args *a) {
    char ab[1024], ba[1024];
    fifo_path(ab, sizeof ab, a->name, ".ab");
    fifo_path(ba, sizeof ba, a->name, ".ba");
    /* Our reading end first: pong opens its writing end once our first message arrives. */
    int in = fifo_open_read(ba);
    int out = fifo_open_write(ab);
    unsigned char *buf = fifo_buffer(a->size);
    uint64_t *samples = bench_alloc_samples(a->count);
    uint64_t expect = 0, errors = 0;
    unsigned checks = 0;
    for (uint64_t seq = 0; seq < a->total; seq++) {
        int64_t t0 = bench_now_ns();
        bench_fill(buf, a->size, seq);
        fifo_write_full(out, buf, a->size);
        fifo_read_full(in, buf, a->size);
        errors += bench_check_msg(buf, a->size, &expect);
        int64_t t1 = bench_now_ns();
        if (seq >= a->warmup)
            samples[seq - a->warmup] = (uint64_t)(t1 - t0);
        bench_spin_check(&checks, "pinging");
    }
    free(buf);
    fifo_close(out);
    fifo_close(in);
    return bench_ping_result(a, samples, errors);
}

static int pong(const struct bench_args *a) {
    char ab[1024], ba[1024];
    fifo_path(ab, sizeof ab, a->name, ".ab");
    fifo_path(ba, sizeof ba, a->name, ".ba");
    fifo_create(ab);
    fifo_create(ba);
    int in = fifo_open_read(ab);
    bench_ready();
    int out = -1; /* opened after the first message: by then ping reads PREFIX.ba */
    unsigned char *buf = fifo_buffer(a->size);
    unsigned checks = 0;
    for (uint64_t seq = 0; seq < a->total; seq++) {
        fifo_read_full(in, buf, a->size);
        if (out < 0)
            out = fifo_open_write(ba);
        fifo_write_full(out, buf, a->size);
        bench_spin_check(&checks, "ponging");
    }
    free(buf);
    fifo_close(out);
    fifo_close(in);
    bench_say("result echoed=%" PRIu64 "\n", a->total);
    return 0;
}

int main(int argc, char **argv) {
    struct bench_args a = bench_parse(argc, argv);
    /* its signal handling also ignores SIGPIPE: a vanished reader is EPIPE */
    return bench_run(&a, (struct bench_roles){produce, consume, ping, pong});
}
