/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prints the C library's view of every constant and struct layout the Java POSIX layer uses, one
 * "kind name value" line each, for PosixLayoutTest to compare with the Java mirror.
 */
#include "panama_shm_posix.h"

#include <stddef.h>
#include <stdio.h>

#define CONSTANT(name) printf("const %s %lld\n", #name, (long long)(name))
#define SIZEOF(type, label) printf("sizeof %s %zu\n", label, sizeof(type))
#define OFFSETOF(type, label, field) printf("offsetof %s.%s %zu\n", label, #field, offsetof(type, field))

int main(void) {
    CONSTANT(O_RDONLY); CONSTANT(O_RDWR); CONSTANT(O_CREAT); CONSTANT(O_EXCL); CONSTANT(O_NONBLOCK);
    CONSTANT(F_OFD_GETLK); CONSTANT(F_OFD_SETLK);
    CONSTANT(F_RDLCK); CONSTANT(F_WRLCK); CONSTANT(F_UNLCK); CONSTANT(SEEK_SET);
    CONSTANT(PROT_READ); CONSTANT(PROT_WRITE); CONSTANT(MAP_SHARED);
    CONSTANT(CLOCK_REALTIME); CONSTANT(CLOCK_MONOTONIC);
    CONSTANT(S_IFMT); CONSTANT(S_IFREG);
    CONSTANT(NAME_MAX); CONSTANT(SEM_VALUE_MAX);
    CONSTANT(MEMBARRIER_CMD_QUERY); CONSTANT(MEMBARRIER_CMD_GLOBAL_EXPEDITED);
    CONSTANT(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED);
    printf("const SYS_MEMBARRIER %d\n", SYS_membarrier); /* Java names it in capitals */
    printf("const SYS_FUTEX %d\n", SYS_futex);
    CONSTANT(FUTEX_WAIT); CONSTANT(FUTEX_WAKE);

    CONSTANT(EPERM); CONSTANT(ENOENT); CONSTANT(EINTR); CONSTANT(EBADF); CONSTANT(EAGAIN);
    CONSTANT(ENOMEM); CONSTANT(EACCES); CONSTANT(EEXIST); CONSTANT(EINVAL); CONSTANT(EMFILE);
    CONSTANT(ENOSPC); CONSTANT(ENAMETOOLONG); CONSTANT(EOVERFLOW); CONSTANT(ETIMEDOUT);

    printf("const MAP_FAILED %lld\n", (long long)(intptr_t)MAP_FAILED);
    printf("const SEM_FAILED %lld\n", (long long)(intptr_t)SEM_FAILED);
    printf("const SIZEOF_SEM_T %zu\n", sizeof(sem_t));

    SIZEOF(struct timespec, "timespec");
    OFFSETOF(struct timespec, "timespec", tv_sec);
    OFFSETOF(struct timespec, "timespec", tv_nsec);

    SIZEOF(struct flock, "flock");
    OFFSETOF(struct flock, "flock", l_type);
    OFFSETOF(struct flock, "flock", l_whence);
    OFFSETOF(struct flock, "flock", l_start);
    OFFSETOF(struct flock, "flock", l_len);
    OFFSETOF(struct flock, "flock", l_pid);

    SIZEOF(struct stat, "stat");
    OFFSETOF(struct stat, "stat", st_dev);
    OFFSETOF(struct stat, "stat", st_ino);
    OFFSETOF(struct stat, "stat", st_nlink);
    OFFSETOF(struct stat, "stat", st_mode);
    OFFSETOF(struct stat, "stat", st_uid);
    OFFSETOF(struct stat, "stat", st_gid);
    OFFSETOF(struct stat, "stat", st_rdev);
    OFFSETOF(struct stat, "stat", st_size);
    OFFSETOF(struct stat, "stat", st_blksize);
    OFFSETOF(struct stat, "stat", st_blocks);
    OFFSETOF(struct stat, "stat", st_atim);
    OFFSETOF(struct stat, "stat", st_mtim);
    OFFSETOF(struct stat, "stat", st_ctim);
    return 0;
}
