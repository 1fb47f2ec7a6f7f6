/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs pshm_validate over the header test vectors (docs/test-vectors/headers.txt): for each vector,
 * one line "NAME accept" or "NAME refuse: WHY". Usage: header-vectors FILE. HeaderVectorsTest
 * compares these lines with the file's expectations and with the Java validator's verdicts.
 */
#include "panama_shm.h"

#include <stdio.h>
#include <stdlib.h>

static int hex_value(int c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int hex_bytes(const char *hex, unsigned char *out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        int high = hex_value(hex[2 * i]), low = hex_value(hex[2 * i + 1]);
        if (high < 0 || low < 0) return -1;
        out[i] = (unsigned char)(high * 16 + low);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: header-vectors FILE\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    if (in == NULL) {
        perror(argv[1]);
        return 2;
    }
    static char line[1 << 17];
    static unsigned char area[1 << 16];
    char name[128] = "";
    unsigned long long object_size = 0;
    size_t area_size = 0;
    while (fgets(line, sizeof line, in) != NULL) {
        if (sscanf(line, "vector: %127s", name) == 1) { area_size = 0; continue; }
        if (sscanf(line, "object_size: %llu", &object_size) == 1) continue;
        if (strncmp(line, "type_area: ", 11) == 0) {
            area_size = strcspn(line + 11, "\n") / 2;
            if (area_size > sizeof area || hex_bytes(line + 11, area, area_size) != 0) {
                fprintf(stderr, "%s: vector %s: the type area is not hex\n", argv[1], name);
                return 2;
            }
            continue;
        }
        if (strncmp(line, "identity: ", 10) != 0) continue;
        /* the object: zeros, the identity, and a typed vector's type area after the peer table */
        unsigned char *object = calloc(1, object_size > sizeof(pshm_header) ? object_size : sizeof(pshm_header));
        if (object == NULL) return 2;
        pshm_header *header = (pshm_header *)object;
        if (hex_bytes(line + 10, (unsigned char *)&header->identity, sizeof header->identity) != 0) {
            fprintf(stderr, "%s: vector %s: the identity is not %zu bytes of hex\n", argv[1], name,
                    sizeof header->identity);
            return 2;
        }
        uint64_t area_at = pshm_peers_end(header->identity.max_peers);
        if (area_size > 0 && area_at + area_size <= object_size) memcpy(object + area_at, area, area_size);
        char why[256];
        if (pshm_validate(header, object_size, why, sizeof why) == 0) printf("%s accept\n", name);
        else printf("%s refuse: %s\n", name, why);
        free(object);
    }
    fclose(in);
    return 0;
}
