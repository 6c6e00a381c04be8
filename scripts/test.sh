#!/usr/bin/env bash
# One command: install what is missing, build with -Werror, run the whole
# test suite (unit + integration against kis-sim), then build and run it
# again under AddressSanitizer + UndefinedBehaviorSanitizer.
# KISGW_TEST_FAST=1 skips the sanitizer pass.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
# Node tools of the web checks (tests/web/package.json, pinned by its lock
# file) into tests/web/node_modules, git-ignored; again only when the lock
# file changed since the last install.
if [ ! -f tests/web/node_modules/.package-lock.json ] ||
   [ tests/web/package-lock.json -nt tests/web/node_modules/.package-lock.json ]; then
  (cd tests/web && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
jobs=$(nproc)
run_suite() { # build-dir extra-cmake-args...
  local dir=$1; shift
  cmake -S . -B "$dir" -DKISGW_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs" >/dev/null
  (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 300)
}
echo "== tests (-Wall -Wextra -Werror)"
run_suite build-test -DCMAKE_BUILD_TYPE=Debug
if [ "${KISGW_TEST_FAST:-0}" != 1 ]; then
  echo "== tests under ASan+UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DKISGW_SANITIZE=ON
fi
