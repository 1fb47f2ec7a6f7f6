/* SPDX-License-Identifier: Apache-2.0 */
/* One order: the message the typed example's Java producer writes and its C consumer reads. */
#ifndef ORDER_H
#define ORDER_H

#include <stdint.h>

struct order {
    int64_t id;
    double price;
    int32_t qty;
    char symbol[8];   /* padded with NULs; all 8 may be used */
};

#endif
