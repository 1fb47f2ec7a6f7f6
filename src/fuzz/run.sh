#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fuzzes panama_shm.h (src/fuzz/c/ring-fuzz.c) for SECONDS (default 60) with libFuzzer, ASan and
# UBSan, starting from the committed corpus; new inputs go to target/fuzz/corpus, crashes to
# target/fuzz/. Needs clang-14 (Debian: apt-get install clang-14). Exit status non-zero on a finding.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
clang=$(command -v clang-14 || command -v clang || true)
if [ -z "$clang" ]; then
  echo "src/fuzz/run.sh: needs clang-14 with libFuzzer (Debian: apt-get install clang-14)" >&2
  exit 2
fi
out=target/fuzz
mkdir -p "$out/corpus"
cp -n src/fuzz/corpus/* "$out/corpus/" 2>/dev/null || true
"$clang" -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I native-headers -o "$out/ring-fuzz" src/fuzz/c/ring-fuzz.c
ASAN_OPTIONS=detect_leaks=0 "$out/ring-fuzz" -max_total_time="$seconds" -timeout=10 -max_len=6000 \
  -artifact_prefix="$out/" -print_final_stats=1 "$out/corpus" 2>&1 | tail -25
