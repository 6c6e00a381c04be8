#!/usr/bin/env bash
# Load: wrk -t2 -c32 against kisgw's /healthz, cached /price, GET /orders and
# /holdings/aged (a ledger of ORDERS orders and their fills placed through
# kisgw first), beside the bare libmicrohttpd server (bench/hello.c) in the
# same run. Prints a markdown table for bench/RESULTS.md, with the load
# average before and after.
# usage: bench/load.sh [seconds-per-endpoint]   (default 10)
#   env: conns=N (wrk -c, default 32), orders=N (ledger size, default 300)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
secs=${1:-10}
conns=${conns:-32}
orders=${orders:-300}
bench_build kisgw kis-sim bench_hello
bench_tmp
clock=2026-11-24T10:00:00+09:00
start_hello
start_sim --clock "$clock" --rate 0
curl -sf "http://127.0.0.1:$sim/__sim/reset" -d '{"account":"50012345-01","cash":100000000000}' >/dev/null
start_gw KISGW_CLOCK="$clock" KISGW_RATE_LIMIT=1000 KISGW_QUOTE_CACHE_MS=60000 KISGW_BACKFILL_DAYS=0
base="http://127.0.0.1:$gw"

# The ledger: market buys over five codes and, every fourth order, a sell
# of one share of the code bought three orders before (FIFO lots to match);
# then one reconciliation for the fills.
codes=(005930 000660 035720 005380 051910)
for i in $(seq 0 $((orders - 1))); do
  side=buy c=$((i % 5)) qty=$((1 + i % 3))
  [ $((i % 4)) = 3 ] && side=sell c=$(((i - 3) % 5)) qty=1
  curl -sf "$base/orders" -H 'Content-Type: application/json' \
    -d "{\"code\":\"${codes[c]}\",\"side\":\"$side\",\"qty\":$qty,\"type\":\"market\",\"client_order_id\":\"load-$i\"}" >/dev/null
done
curl -sf -X POST "$base/orders/reconcile" >/dev/null
curl -sf "$base/price?code=005930" >/dev/null # cached from here on (60 s, renewed by use)
lots=$(curl -sf "$base/holdings/aged?days=0" | jq '[.holdings[].lots | length] | add')

load0=$(loadavg)
run() { # name url
  wrk -t2 -c"$conns" -d"${secs}s" --latency "$2" >"$out/wrk.txt"
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
  p50=$(awk '/^ +50%/ {print $2}' "$out/wrk.txt")
  p99=$(awk '/^ +99%/ {print $2}' "$out/wrk.txt")
  bad=$(wrk_errors "$out/wrk.txt")
  [ -z "${bare:-}" ] && bare=$rps
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" \
    "$(printf "%'.0f" "$rps")" "$(awk -v a="$rps" -v b="$bare" 'BEGIN {printf "%.2f", a / b}')" "$p50" "$p99" "$bad"
}
echo
echo "bench/load.sh $secs — $(date -u '+%Y-%m-%d %H:%M UTC'), $(machine)"
echo "wrk -t2 -c$conns, ${secs} s per row; ledger of $orders orders ($lots open FIFO lots); load average before: $load0"
echo
echo "| endpoint | req/s | of bare | p50 | p99 | errors (non-2xx + socket) |"
echo "|---|---|---|---|---|---|"
run "bare libmicrohttpd (bench/hello.c)" "http://127.0.0.1:$hello/"
run '`/healthz`' "$base/healthz"
run '`/price?code=005930` (cached)' "$base/price?code=005930"
run '`GET /orders` (default page)' "$base/orders"
run '`GET /holdings/aged?days=0`' "$base/holdings/aged?days=0"
echo
echo "load average after: $(loadavg); kisgw RSS $(rss_kb "$gwpid") kB"
