#!/usr/bin/env bash
# Fuzzes each libFuzzer harness of tests/fuzz for MINUTES (default 1),
# one after the other (the machine is shared: one core at a time).
#
#   tests/fuzz/run.sh [MINUTES] [HARNESS...]
#
# Builds build-fuzz/ with clang (-DKISGW_FUZZ=ON: libFuzzer + ASan + UBSan),
# starts each harness from its checked-in seeds (corpus/NAME/) and keeps
# what it learns in build-fuzz/fuzz-work/NAME/ (not checked in). A crash
# leaves its input in build-fuzz/fuzz-work/NAME-crash-* and stops the run
# with status 1: fix it, add the input to corpus/NAME/ as a regression
# case. The final stats of each harness (executions, cov, ft) are printed
# and kept in build-fuzz/fuzz-work/NAME.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes=${1:-1}
shift || true
all=(kclock config input kis_classify kis_notice kis_calls passthrough)
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=("${all[@]}")
./scripts/deps.sh --fuzz
CC=clang cmake -S . -B build-fuzz -DKISGW_FUZZ=ON -DKISGW_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j2 --target "${harnesses[@]/#/fuzz_}" >/dev/null
work=build-fuzz/fuzz-work
mkdir -p "$work"
secs=$(awk "BEGIN{print int($minutes * 60)}")
status=0
for h in "${harnesses[@]}"; do
  mkdir -p "$work/$h"
  echo "== fuzz_$h for ${secs}s"
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "build-fuzz/bin/fuzz_$h" -max_total_time="$secs" -print_final_stats=1 \
      -max_len=8192 -timeout=10 -rss_limit_mb=1024 -artifact_prefix="$work/$h-" \
      "$work/$h" "tests/fuzz/corpus/$h" >"$work/$h.log" 2>&1; then
    echo "fuzz_$h FAILED, see $work/$h.log and $work/$h-crash-*" >&2
    tail -40 "$work/$h.log" >&2
    status=1
    break
  fi
  grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$h.log" | tail -1 || true
  grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$work/$h.log" || true
done
exit $status
