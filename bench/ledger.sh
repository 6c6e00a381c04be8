#!/usr/bin/env bash
# Ledger speed with 1,000,000 fills in the database (issue: orders and the
# ledger). Seeds a database with bench_ledger (which also prints in-process
# figures), starts kis-sim and kisgw on it, then takes HTTP medians:
#   GET /holdings/aged?days=5, GET /orders?limit=100  (201 requests each)
#   POST /orders (limit orders that rest) against kis-sim's own order-cash
#   round trip measured the same way, so the difference is what kisgw adds.
# usage: bench/ledger.sh [fills] [codes] [keep_every]   (default 1000000 100 50)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh # port_of
fills=${1:-1000000} codes=${2:-100} keep=${3:-50}
./scripts/deps.sh --bench
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DKISGW_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target kisgw kis-sim bench_ledger >/dev/null
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$out"' EXIT
./build-bench/bin/bench_ledger "$out/ledger.db" "$fills" "$codes" "$keep"

clock=2026-11-24T10:00:00+09:00
./build-bench/bin/kis-sim --listen 127.0.0.1:0 --rate 0 --clock $clock --quiet >"$out/sim.out" 2>/dev/null &
sim=$(port_of "$out/sim.out")
secret=$(printf 'S%.0s' $(seq 180))
KIS_APP_KEY=PSbenchAppKey0123456789abcdefghijklm KIS_APP_SECRET=$secret \
KIS_ACCOUNT=50012345-01 KIS_BASE_URL=http://127.0.0.1:$sim KISGW_DB=$out/ledger.db \
KISGW_LISTEN=127.0.0.1:0 KISGW_LOG_LEVEL=warn KISGW_RATE_LIMIT=1000 KISGW_CLOCK=$clock \
KISGW_BACKFILL_DAYS=0 ./build-bench/bin/kisgw >"$out/gw.out" 2>"$out/gw.err" &
gw=$(port_of "$out/gw.out")

median() { sort -n | awk '{v[NR]=$1} END {printf "%.3f", v[int((NR+1)/2)]*1000}'; }
# Lines "status seconds": fails unless every status is $1, then the median.
checked_median() {
  awk -v want="$1" '$1 != want {bad++} {print $2} END {if (bad) {print "unexpected status in " bad " replies" > "/dev/stderr"; exit 1}}' | median
}
# New connection per request, and one keep-alive connection for all (what a
# dashboard polling the gateway sees).
get_ms() { for _ in $(seq 201); do curl -s -o /dev/null -w '%{time_total}\n' "$1"; done | median; }
get_ka_ms() { curl -s $(for _ in $(seq 201); do printf -- '-o /dev/null %s ' "$1"; done) -w '%{time_total}\n' | median; }
for path in "holdings/aged?days=5" "orders?limit=100"; do
  echo "HTTP GET /$path: median $(get_ms "http://127.0.0.1:$gw/$path") ms (new connections), $(get_ka_ms "http://127.0.0.1:$gw/$path") ms (keep-alive)"
done

# kis-sim's own order-cash round trip, with its own token.
tok=$(curl -s -X POST "http://127.0.0.1:$sim/oauth2/tokenP" -H 'content-type: application/json' \
  -d "{\"grant_type\":\"client_credentials\",\"appkey\":\"PSbenchDirect0123456789abcdefghijklm\",\"appsecret\":\"$secret\"}" |
  sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
direct() {
  for i in $(seq 101); do
    curl -s -o "$out/direct.json" -w '%{time_total}\n' -X POST "http://127.0.0.1:$sim/uapi/domestic-stock/v1/trading/order-cash" \
      -H 'content-type: application/json; charset=utf-8' -H "authorization: Bearer $tok" \
      -H 'appkey: PSbenchDirect0123456789abcdefghijklm' -H "appsecret: $secret" -H 'tr_id: VTTC0012U' -H 'custtype: P' \
      -d '{"CANO":"50099999","ACNT_PRDT_CD":"01","PDNO":"005930","ORD_DVSN":"00","ORD_QTY":"1","ORD_UNPR":"'"$low"'"}'
  done | median
}
low=$(curl -s "http://127.0.0.1:$gw/price?code=005930" | sed -n 's/.*"lower_limit":\([0-9]*\).*/\1/p')
via_gw() {
  for i in $(seq 101); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X POST "http://127.0.0.1:$gw/orders" -H 'Content-Type: application/json' \
      -d "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"limit\",\"price\":$low,\"client_order_id\":\"bench-$RANDOM-$i\"}"
  done | checked_median 201
}
d=$(direct)
grep -q '"rt_cd":"0"' "$out/direct.json" || { echo "kis-sim refused the direct order: $(cat "$out/direct.json")" >&2; exit 1; }
g=$(via_gw)
echo "POST order-cash straight to kis-sim: median $d ms; POST /orders via kisgw: median $g ms; kisgw adds $(awk -v a="$g" -v b="$d" 'BEGIN{printf "%.3f", a-b}') ms"
echo "machine: $(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | sed 's/^ *//'), $(uname -sr)"
