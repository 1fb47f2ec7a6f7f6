// SPDX-License-Identifier: Apache-2.0
// A C++ consumer built on panama_shm.h, for the test that a C++17 or C++20 program can use the
// header as it is (-Wall -Wextra -Werror) and read a Java producer's verified traffic.
// Usage: cxx-consumer RING — drains RING to the end of the stream, then prints the consumer summary.
#include "panama_shm.h"
#include "panama_shm_traffic.h"

#include <cstdio>
#include <cstring>
#include <string>

namespace {

// The handle as a resource: detached whatever way main returns.
class Consumer {
public:
    explicit Consumer(const std::string &ring) {
        for (int tries = 0; tries < 1000; tries++) {
            rc_ = pshm_open(&ring_, ring.c_str(), PSHM_ROLE_CONSUMER, 1000000000);
            if (rc_ != -ENOENT) break;
            usleep(10000);
        }
    }
    ~Consumer() {
        if (rc_ == 0) pshm_detach(&ring_);
    }
    Consumer(const Consumer &) = delete;
    Consumer &operator=(const Consumer &) = delete;

    int status() const { return rc_; }
    pshm_ring *handle() { return &ring_; }

private:
    pshm_ring ring_{};
    int rc_ = -ENOENT;
};

}  // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: cxx-consumer RING\n");
        return 2;
    }
    Consumer consumer(argv[1]);
    if (consumer.status() != 0) {
        std::fprintf(stderr, "cxx-consumer: cannot open %s: %s\n", argv[1], pshm_error(consumer.handle()));
        return 2;
    }
    pshm_traffic_verifier verifier;
    pshm_traffic_verifier_init(&verifier);
    for (;;) {
        int n = pshm_receive_n(consumer.handle(), 64, 1000000000);
        if (n == -ETIMEDOUT) continue;
        if (n == -EPIPE) break;
        if (n < 0) {
            std::fprintf(stderr, "cxx-consumer: receive: %s\n", std::strerror(-n));
            return 1;
        }
        for (int i = 0; i < n; i++) {
            uint32_t length = 0;
            const void *message = pshm_batch_message(consumer.handle(), static_cast<uint32_t>(i), &length);
            if (pshm_traffic_verifier_add(&verifier, message, length) < 0) return 1;
        }
        pshm_release_n(consumer.handle());
    }
    unsigned long long lost = pshm_traffic_verifier_lost(&verifier, 0, 0);
    std::printf("received=%llu lost=%llu duplicated=%llu out_of_order=%llu corrupt=%llu checksum=%016llx\n",
                static_cast<unsigned long long>(verifier.received), lost,
                static_cast<unsigned long long>(verifier.duplicated),
                static_cast<unsigned long long>(verifier.out_of_order),
                static_cast<unsigned long long>(verifier.corrupt),
                static_cast<unsigned long long>(verifier.checksum));
    bool clean = lost == 0 && verifier.duplicated == 0 && verifier.out_of_order == 0 && verifier.corrupt == 0;
    pshm_traffic_verifier_free(&verifier);
    return clean ? 0 : 1;
}
