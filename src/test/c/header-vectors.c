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
    static pshm_header header;   /* only the identity is read; the rest stays zero */
    char line[1024], name[128] = "";
    unsigned long long object_size = 0;
    while (fgets(line, sizeof line, in) != NULL) {
        if (sscanf(line, "vector: %127s", name) == 1) continue;
        if (sscanf(line, "object_size: %llu", &object_size) == 1) continue;
        if (strncmp(line, "identity: ", 10) != 0) continue;
        memset(&header, 0, sizeof header);
        unsigned char *bytes = (unsigned char *)&header.identity;
        const char *hex = line + 10;
        for (size_t i = 0; i < sizeof header.identity; i++) {
            int high = hex_value(hex[2 * i]), low = hex_value(hex[2 * i + 1]);
            if (high < 0 || low < 0) {
                fprintf(stderr, "%s: vector %s: the identity is not %zu bytes of hex\n", argv[1], name,
                        sizeof header.identity);
                return 2;
            }
            bytes[i] = (unsigned char)(high * 16 + low);
        }
        char why[256];
        if (pshm_validate(&header, object_size, why, sizeof why) == 0) printf("%s accept\n", name);
        else printf("%s refuse: %s\n", name, why);
    }
    fclose(in);
    return 0;
}
