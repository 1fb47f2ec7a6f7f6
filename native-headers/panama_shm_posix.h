/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The POSIX and glibc declarations panama-shm binds through java.lang.foreign.
 * jextract.sh reads this file; the Java layer (io.github.panamashm.internal.posix) mirrors exactly these
 * functions, structs and constants, and the tests check that mirror against this header.
 */
#ifndef PANAMA_SHM_POSIX_H
#define PANAMA_SHM_POSIX_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* F_OFD_* locks, sem_clockwait, strerrorname_np */
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <semaphore.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#endif
