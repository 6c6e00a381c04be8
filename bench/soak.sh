#!/usr/bin/env bash
# Soak: a steady ~1,000 req/s for MINUTES (default 10) mixing reads and
# orders (bench/soak.lua, paced like bench/paced.lua) against kisgw on the
# REAL environment's rate limit (kisgw KIS_ENV=real, its default ceiling;
# kis-sim --env real, KIS's 20 calls/s per app key). Reports kisgw's RSS after
# 10 s, after the first minute (SQLite's page caches and the allocator warm)
# and at the end (target: growth < 1 MB after the first minute), errors (target 0),
# p50/p99 latency, upstream calls per second against kis-sim's allowed rate,
# the busiest 10 s, and the EGW00201 refusals kis-sim counted (target 0).
# Prints a markdown table for bench/RESULTS.md, with the load average.
# usage: bench/soak.sh [MINUTES]   (default 10; a fraction such as 0.5 works)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
minutes=${1:-10}
secs=$(awk -v m="$minutes" 'BEGIN {printf "%d", m * 60}')
[ "$secs" -ge 20 ] || { echo "soak: at least 20 s (MINUTES >= 0.34)" >&2; exit 2; }
bench_build kisgw kis-sim
bench_tmp
# The session clock at real speed from 09:30 KST: a 5-hour soak still ends
# before the 15:30 close.
clock=2026-11-24T09:30:00+09:00
start_sim --env real --clock "$clock"
allowed=$(curl -sf "http://127.0.0.1:$sim/__sim/session" | jq -r .rate)
curl -sf "http://127.0.0.1:$sim/__sim/reset" -d '{"account":"50012345-01","cash":100000000000}' >/dev/null
start_gw KIS_ENV=real KISGW_ALLOW_REAL=yes KISGW_CLOCK="$clock" KISGW_BACKFILL_DAYS=0
ceiling=$(curl -sf "http://127.0.0.1:$gw/healthz" | jq -r '.rate.limit')

load0=$(loadavg)
wrk -t2 -c10 -d"$((secs + 10))s" --timeout 30s --latency -s bench/soak.lua \
  "http://127.0.0.1:$gw" >"$out/wrk.txt" &
wrkpid=$!
sleep 10
rss0=$(rss_kb "$gwpid")
calls0=$(sim_calls)
t0=$(date +%s.%N)
prev=$calls0 busiest=0 elapsed=0 rss_warm=
while [ "$elapsed" -lt "$secs" ]; do
  step=$((secs - elapsed < 10 ? secs - elapsed : 10))
  sleep "$step"
  elapsed=$((elapsed + step))
  [ "$elapsed" -eq 50 ] && rss_warm=$(rss_kb "$gwpid") # one minute in: caches are warm
  now=$(sim_calls)
  busiest=$(awk -v a="$now" -v b="$prev" -v s="$step" -v m="$busiest" 'BEGIN {r = (a - b) / s; print (r > m) ? r : m}')
  prev=$now
done
rss1=$(rss_kb "$gwpid")
calls1=$(sim_calls)
t1=$(date +%s.%N)
wait "$wrkpid"
refused=$(sim_counter rate_limited)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$gwpid/status")

rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
p50=$(awk '/^ +50%/ {print $2}' "$out/wrk.txt")
p99=$(awk '/^ +99%/ {print $2}' "$out/wrk.txt")
errors=$(wrk_errors "$out/wrk.txt") # the answers >= 300 of soak.lua's count among them
mix=$(sed -n 's/^soak: //p' "$out/wrk.txt")
rate=$(awk -v a="$calls1" -v b="$calls0" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.2f", (a - b) / (t1 - t0)}')
echo
echo "bench/soak.sh $minutes — $(date -u '+%Y-%m-%d %H:%M UTC'), $(machine)"
echo "$minutes min at ~1,000 req/s (wrk -t2 -c10, bench/soak.lua), kisgw KIS_ENV=real (ceiling $ceiling calls/s) against kis-sim --env real ($allowed calls/s); load average before: $load0, after: $(loadavg)"
echo
echo "| what | result | target |"
echo "|---|---|---|"
echo "| throughput | $rps req/s ($mix) | ~1,000 req/s |"
echo "| errors (answers >= 300 + socket errors) | $errors | 0 ($(verdict $((errors == 0)))) |"
echo "| latency | p50 $p50, p99 $p99 | — |"
if [ -n "$rss_warm" ]; then
  echo "| kisgw RSS after 10 s / 1 min / at the end | $rss0 kB / $rss_warm kB / $rss1 kB (growth after the first minute $((rss1 - rss_warm)) kB, from 10 s $((rss1 - rss0)) kB; peak $hwm kB) | growth < 1 MB after the first minute ($(verdict $((rss1 - rss_warm < 1024)))) |"
else
  echo "| kisgw RSS after 10 s / at the end | $rss0 kB / $rss1 kB (growth $((rss1 - rss0)) kB; peak $hwm kB) | growth < 1 MB ($(verdict $((rss1 - rss0 < 1024)))) |"
fi
echo "| upstream calls/s (kis-sim) | $rate average, $busiest in the busiest 10 s, of $allowed allowed | ≤ $allowed |"
echo "| EGW00201 at kis-sim | $refused | 0 ($(verdict $((refused == 0)))) |"
