#!/usr/bin/env bash
# One command: install what is missing, build, and start kisgw on
# 127.0.0.1:8080. With no KIS credentials in the environment it starts the
# kis-sim simulator itself. Settings: see README (KISGW_*, KIS_*).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DKISGW_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target kisgw kis-sim >/dev/null
exec ./build/bin/kisgw "$@"
