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

/* Its description for typed rings, next to it: order_type() (seen by C peers that include
 * panama_shm.h first; jextract, reading this file alone, sees the struct only; C++ describes
 * members with PSHM_MEMBER_AS). */
#if defined(PANAMA_SHM_H) && !defined(__cplusplus)
PSHM_DESCRIBE(order, struct order,
              PSHM_MEMBER(struct order, id), PSHM_MEMBER(struct order, price),
              PSHM_MEMBER(struct order, qty), PSHM_MEMBER(struct order, symbol))
#endif

#endif
