#!/usr/bin/env bash
# One auto-trade pass over 30 targets on a virtual account (2 KIS calls/s),
# with a user polling /price for another code at the same time. Measures:
#   1. the pass's duration and KIS calls (POST /autotrade/run reports both),
#      first pass of the day (plan: cash, balance, 30 daily-bar reads, then
#      30 quotes) and a second pass (30 quotes + the buys' checks);
#   2. how long the user's /price calls took meanwhile (they go ahead of
#      the job's calls in the limiter).
# usage: bench/autotrade.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh # port_of
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DKISGW_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target kisgw kis-sim >/dev/null
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$out"' EXIT

clock=2026-10-06T09:30:00+09:00
./build-bench/bin/kis-sim --listen 127.0.0.1:0 --env virtual --clock "$clock" --quiet \
  >"$out/sim.out" 2>/dev/null &
sim=$(port_of "$out/sim.out")
secret=$(printf 'S%.0s' $(seq 180))
KIS_APP_KEY=PSbenchAppKey0123456789abcdefghijklm KIS_APP_SECRET=$secret \
KIS_ACCOUNT=50012345-01 KIS_BASE_URL=http://127.0.0.1:$sim KISGW_DB=$out/kisgw.db \
KISGW_LISTEN=127.0.0.1:0 KISGW_LOG_LEVEL=warn KISGW_CLOCK=$clock \
KISGW_AUTOTRADE=on KISGW_AUTOTRADE_INTERVAL=3600 KISGW_BACKFILL_DAYS=0 \
KISGW_RECONCILE_INTERVAL=3600 KISGW_QUEUE_WAIT_MS=60000 KISGW_QUOTE_CACHE_MS=0 \
  ./build-bench/bin/kisgw >"$out/gw.out" 2>"$out/gw.err" &
gw=$(port_of "$out/gw.out")
base=http://127.0.0.1:$gw
# Let the timer's first pass (no targets yet: calendar only) go by.
sleep 1

codes=$(curl -sf "http://127.0.0.1:$sim/__sim/stocks" | python3 -c '
import json, sys
s = json.load(sys.stdin)
s = s["stocks"] if isinstance(s, dict) else s
print(" ".join(x["code"] for x in s))')
set -- $codes
user=$1; shift
targets=$(for c in $(echo "$@" | tr " " "\n" | head -30); do printf '{"code":"%s"},' "$c"; done)
curl -sf -X PUT "$base/autotrade/targets" -d "{\"targets\":[${targets%,}]}" >/dev/null

user_poll() { # the user's /price for a non-target code, until told to stop
  while [ ! -e "$out/stop" ]; do
    curl -s -o /dev/null -w '%{time_total}\n' "$base/price?code=$user" >>"$out/user.txt"
    sleep 0.5
  done
}
summ() { # file: n, median, max (seconds -> ms)
  sort -n "$1" | awk '{a[NR]=$1} END {if (NR) printf "n=%d median=%.0f ms max=%.0f ms", NR, 1000*a[int((NR+1)/2)], 1000*a[NR]; else print "n=0"}'
}
for pass in first second; do
  rm -f "$out/stop" "$out/user.txt"
  user_poll & poller=$!
  r=$(curl -sf -X POST "$base/autotrade/run")
  touch "$out/stop"; wait $poller
  echo "$pass pass: $(echo "$r" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("duration %d ms, %d KIS calls, %d orders, %d decisions, phase %s" % (r["duration_ms"], r["kis_calls"], r["orders"], r["decisions"], r["phase"]))'); user /price meanwhile: $(summ "$out/user.txt")"
done
echo "machine: $(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | sed 's/^ *//'), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
