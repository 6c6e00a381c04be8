#!/usr/bin/env bash
# Contention: eight client processes (wrk -t1 -c2 each) hammer UNCACHED
# reads (/price with KISGW_QUOTE_CACHE_MS=0: every request is one KIS call)
# for SECONDS (default 30) against kisgw on the REAL environment's rate limit
# and kis-sim --env real (KIS's 20 calls/s). kis-sim must stay at >= 90 % of
# its allowed rate with zero EGW00201; client errors are counted too (a
# request waits in kisgw's limiter, KISGW_QUEUE_WAIT_MS, rather than fail).
# Prints a markdown table for bench/RESULTS.md, with the load average.
# usage: bench/contend.sh [SECONDS]   (default 30)
#   env: rate=N passes KISGW_RATE_LIMIT=N (default: kisgw's own real default)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
secs=${1:-30}
bench_build kisgw kis-sim
bench_tmp
clock=2026-11-24T10:00:00+09:00
start_sim --env real --clock "$clock"
allowed=$(curl -sf "http://127.0.0.1:$sim/__sim/session" | jq -r .rate)
extra=()
[ -n "${rate:-}" ] && extra+=(KISGW_RATE_LIMIT="$rate")
start_gw KIS_ENV=real KISGW_ALLOW_REAL=yes KISGW_CLOCK="$clock" KISGW_BACKFILL_DAYS=0 \
  KISGW_QUOTE_CACHE_MS=0 "${extra[@]}"
ceiling=$(curl -sf "http://127.0.0.1:$gw/healthz" | jq -r '.rate.limit')
codes=(005930 000660 035720 005380 051910 035420 005490 068270)

load0=$(loadavg)
clients=()
for i in $(seq 0 7); do
  wrk -t1 -c2 -d"$((secs + 4))s" --timeout 30s "http://127.0.0.1:$gw/price?code=${codes[i]}" \
    >"$out/client$i.txt" &
  clients+=($!)
done
sleep 3 # past the token issuance and the first window
calls0=$(sim_calls)
t0=$(date +%s.%N)
sleep "$secs"
calls1=$(sim_calls)
t1=$(date +%s.%N)
wait "${clients[@]}"
refused=$(sim_counter rate_limited)
rate_now=$(curl -sf "http://127.0.0.1:$gw/healthz" | jq -r '.rate.current')
got=$(awk -v a="$calls1" -v b="$calls0" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.2f", (a - b) / (t1 - t0)}')
share=$(awk -v g="$got" -v a="$allowed" 'BEGIN {printf "%.1f", 100 * g / a}')
errors=0 per=""
for i in $(seq 0 7); do
  f=$out/client$i.txt
  e=$(wrk_errors "$f")
  errors=$((errors + e))
  per="$per $(awk '/Requests\/sec/ {printf "%.1f", $2}' "$f")"
done
echo
echo "bench/contend.sh $secs — $(date -u '+%Y-%m-%d %H:%M UTC'), $(machine)"
echo "8 processes x wrk -t1 -c2, uncached /price (8 codes), ${secs} s measured; kisgw KIS_ENV=real (ceiling $ceiling calls/s${rate:+, KISGW_RATE_LIMIT=$rate}) against kis-sim --env real ($allowed calls/s); load average before: $load0, after: $(loadavg)"
echo
echo "| what | result | target |"
echo "|---|---|---|"
echo "| KIS calls kis-sim served | $got/s = $share % of its $allowed/s | ≥ 90 % ($(verdict "$(awk -v s="$share" 'BEGIN {print (s >= 90) ? 1 : 0}')")) |"
echo "| EGW00201 at kis-sim | $refused | 0 ($(verdict $((refused == 0)))) |"
echo "| client errors (non-2xx + socket) | $errors | 0 ($(verdict $((errors == 0)))) |"
echo "| req/s per client process |$per | even |"
echo "| kisgw's adaptive rate at the end | $rate_now of $ceiling | — |"
