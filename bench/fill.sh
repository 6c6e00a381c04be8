#!/usr/bin/env bash
# Fill-to-ledger latency (issue: real-time fills): the same resting limit
# orders filled by moving kis-sim's price, recorded in the ledger by the
# WebSocket execution notices, then by polling alone at two reconciler
# intervals. Figures go to bench/RESULTS.md.
# usage: bench/fill.sh [samples]   (default 100 with the WebSocket, 40 polling)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
./scripts/deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DKISGW_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target kis-sim bench_fill >/dev/null
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$out"' EXIT
./build-bench/bin/kis-sim --listen 127.0.0.1:0 --rate 0 --token-min-interval 0 --clock 2026-11-24T10:00:00+09:00 \
  --quiet >"$out/sim.out" 2>/dev/null &
for _ in $(seq 100); do grep -q '^listening on ' "$out/sim.out" && break; sleep 0.1; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$out/sim.out" | head -1)
./build-bench/bin/bench_fill "$port" ws "$n" 30
./build-bench/bin/bench_fill "$port" poll $((n * 2 / 5)) 1
./build-bench/bin/bench_fill "$port" poll $((n / 5)) 5
