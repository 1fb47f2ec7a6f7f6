#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the C headers for programs outside this tree: PREFIX/include/panama-shm/*.h and a
# pkg-config file, PREFIX/lib/pkgconfig/panama-shm.pc (then `cc $(pkg-config --cflags panama-shm)`).
# Usage: native-headers/install.sh [PREFIX]   (default /usr/local)
set -euo pipefail
prefix=${1:-/usr/local}
here=$(cd "$(dirname "$0")" && pwd)
version=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "$here/../pom.xml" | head -n 1)
install -d "$prefix/include/panama-shm" "$prefix/lib/pkgconfig"
install -m 0644 "$here/panama_shm.h" "$here/panama_shm_traffic.h" "$prefix/include/panama-shm/"
cat >"$prefix/lib/pkgconfig/panama-shm.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include/panama-shm

Name: panama-shm
Description: Header-only C11/C++17 ring in POSIX shared memory, shared with Java peers
Version: $version
Cflags: -D_GNU_SOURCE -I\${includedir}
PC
echo "installed panama-shm headers into $prefix/include/panama-shm and $prefix/lib/pkgconfig/panama-shm.pc"
