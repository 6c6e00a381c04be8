#!/usr/bin/env bash
# HTTP speed of kisgw beside a bare libmicrohttpd "hello" server built here
# with the same threading mode. Measures, on this machine:
#   1. req/s of hello, kisgw /healthz and kisgw /price (cached), wrk -t2 -c50
#   2. latency percentiles of cached /price at ~1,000 req/s (paced.lua)
#   3. kisgw RSS after 60 s of /price load
# usage: bench/http.sh [seconds-per-throughput-run]   (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh # port_of
secs=${1:-15}
./scripts/deps.sh --bench
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DKISGW_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target kisgw kis-sim bench_hello >/dev/null
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$out"' EXIT

./build-bench/bin/bench_hello >"$out/hello.out" & hello=$(port_of "$out/hello.out")
./build-bench/bin/kis-sim --listen 127.0.0.1:0 --quiet >"$out/sim.out" 2>/dev/null &
sim=$(port_of "$out/sim.out")
secret=$(printf 'S%.0s' $(seq 180))
KIS_APP_KEY=PSbenchAppKey0123456789abcdefghijklm KIS_APP_SECRET=$secret \
KIS_ACCOUNT=50012345-01 KIS_BASE_URL=http://127.0.0.1:$sim KISGW_DB=$out/kisgw.db \
KISGW_LISTEN=127.0.0.1:0 KISGW_LOG_LEVEL=warn \
  ./build-bench/bin/kisgw >"$out/gw.out" 2>"$out/gw.err" &
gwpid=$!
gw=$(port_of "$out/gw.out")
curl -sf "http://127.0.0.1:$gw/price?code=005930" >/dev/null

rps() { wrk -t2 -c50 -d"${secs}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
h=$(rps "http://127.0.0.1:$hello/")
z=$(rps "http://127.0.0.1:$gw/healthz")
p=$(rps "http://127.0.0.1:$gw/price?code=005930")
echo "req/s  hello=$h  healthz=$z ($(awk -v a="$z" -v b="$h" 'BEGIN{printf "%.0f", 100*a/b}')%)  price=$p ($(awk -v a="$p" -v b="$h" 'BEGIN{printf "%.0f", 100*a/b}')%)"

wrk -t2 -c10 -d"${paced:-30}s" --latency -s bench/paced.lua "http://127.0.0.1:$gw/price?code=005930" >"$out/paced.txt"
echo "paced /price: $(awk '/Requests\/sec/ {print $2}' "$out/paced.txt") req/s; latency $(awk '/^ +(50|90|99)%/ {printf "p%s=%s ", $1, $2}' "$out/paced.txt" | tr -d '%')"

wrk -t2 -c50 -d"${soak:-60}s" "http://127.0.0.1:$gw/price?code=005930" >/dev/null
echo "kisgw RSS after 60 s of load: $(awk '/VmRSS/ {print $2, $3}' /proc/$gwpid/status); peak $(awk '/VmHWM/ {print $2, $3}' /proc/$gwpid/status)"
echo "machine: $(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | sed 's/^ *//'), $(uname -sr)"
