#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerates java.lang.foreign bindings from the C headers in native-headers/ with jextract, into
# target/generated-sources/jextract (package io.github.panamashm.jextract). The normal build never
# needs this: the project's own bindings live in src/main/java. `mvn -Pjextract verify` runs this
# script, compiles the output with the tests, and checks the project's layouts, descriptors and
# constants against it.
set -euo pipefail
cd "$(dirname "$0")"

jextract=
if [ -n "${JEXTRACT_HOME:-}" ]; then
  if [ ! -x "$JEXTRACT_HOME/bin/jextract" ]; then
    echo "jextract.sh: JEXTRACT_HOME is $JEXTRACT_HOME, but $JEXTRACT_HOME/bin/jextract is not an executable" \
         "(JEXTRACT_HOME names the unpacked jextract directory, the one holding bin/ and lib/)" >&2
    exit 2
  fi
  jextract=$JEXTRACT_HOME/bin/jextract
elif command -v jextract >/dev/null 2>&1; then
  jextract=$(command -v jextract)
fi
if [ -z "$jextract" ]; then
  cat >&2 <<'MSG'
jextract.sh: jextract was not found (looked in $JEXTRACT_HOME/bin and on PATH).
Get a current build from https://jdk.java.net/jextract/ (or build openjdk/jextract master, the
line that builds on JDK 23 and later), unpack it, and either put its bin/ on PATH or set
JEXTRACT_HOME to the unpacked directory. Its code calls JDK 23 APIs (SymbolLookup.findOrThrow),
so `mvn -Pjextract verify` compiles at --release 23 and needs a JDK 23 or later; the default
build (release 22) does not need jextract.
MSG
  exit 2
fi

out=target/generated-sources/jextract
rm -rf "$out"
mkdir -p "$out"

functions=(shm_open shm_unlink ftruncate posix_fallocate fstat fchmod mmap munmap close fcntl
           sem_open sem_close sem_unlink sem_wait sem_trywait sem_timedwait sem_clockwait sem_post
           sem_getvalue clock_gettime strerror strerrorname_np syscall)
constants=(O_RDONLY O_RDWR O_CREAT O_EXCL O_NONBLOCK F_OFD_GETLK F_OFD_SETLK F_RDLCK F_WRLCK F_UNLCK SEEK_SET
           PROT_READ PROT_WRITE MAP_SHARED CLOCK_REALTIME CLOCK_MONOTONIC S_IFMT S_IFREG NAME_MAX
           SEM_VALUE_MAX EPERM ENOENT EINTR EBADF EAGAIN ENOMEM EACCES EEXIST EINVAL EMFILE ENOSPC
           ENAMETOOLONG EOVERFLOW ETIMEDOUT MEMBARRIER_CMD_QUERY MEMBARRIER_CMD_GLOBAL_EXPEDITED
           MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED)
structs=(stat timespec flock)
typedefs=(sem_t)

args=(--output "$out" --target-package io.github.panamashm.jextract
      --header-class-name panama_shm_posix_h -D _GNU_SOURCE)
for f in "${functions[@]}"; do args+=(--include-function "$f"); done
for c in "${constants[@]}"; do args+=(--include-constant "$c"); done
for s in "${structs[@]}"; do args+=(--include-struct "$s"); done
for t in "${typedefs[@]}"; do args+=(--include-typedef "$t"); done

"$jextract" "${args[@]}" native-headers/panama_shm_posix.h

# The ring's own header: its structs and constants (the functions are static inline, not symbols).
ring_structs=(pshm_identity pshm_counters pshm_header pshm_peer pshm_slot)
# every object-like PSHM_ macro of the header, so that none is left out of the comparison
mapfile -t ring_constants < <(sed -nE 's/^[[:space:]]*#[[:space:]]*define[[:space:]]+(PSHM_[A-Z0-9_]+)([[:space:]].*)?$/\1/p' \
                              native-headers/panama_shm.h | sort -u)
args=(--output "$out" --target-package io.github.panamashm.jextract.ring --header-class-name panama_shm_h
      -D _GNU_SOURCE)
for s in "${ring_structs[@]}"; do args+=(--include-struct "$s"); done
for c in "${ring_constants[@]}"; do args+=(--include-constant "$c"); done
"$jextract" "${args[@]}" native-headers/panama_shm.h
# The typed example's message, struct order (examples/typed): what a user of the library generates
"$jextract" --output "$out" --target-package example.typed.generated --header-class-name order_h \
  --include-struct order examples/typed/order.h
echo "jextract.sh: bindings written to $out"
