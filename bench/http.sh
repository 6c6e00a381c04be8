#!/usr/bin/env bash
# HTTP speed of kisgw against the physical limit of its own library: a bare
# libmicrohttpd "hello" server (bench/hello.c) built here, run in BOTH
# threading modes — an internal epoll thread pool of 4 (as kisgw) and a
# thread per connection (as kisgw was) — beside kisgw, in one run:
#   1. req/s of hello (pool), hello (thread), kisgw /healthz, kisgw cached
#      /price, wrk -t2 -c32; kisgw's ratios to the faster bare mode
#   2. latency percentiles of cached /price at ~1,000 req/s (paced.lua)
#   3. kisgw RSS while under /price load
# Prints a markdown table ready for bench/RESULTS.md, with the load average.
# usage: bench/http.sh [seconds-per-throughput-run]   (default 15)
#   env: paced=S (latency run, default 30), soak=S (RSS run, default 60),
#        conns=N (wrk -c, default 32)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
conns=${conns:-32}
. bench/lib.sh # bench_build, bench_tmp, port_of, start_sim, start_gw, loadavg, machine
bench_build kisgw kis-sim bench_hello
bench_tmp
load0=$(loadavg)

./build-bench/bin/bench_hello pool 4 >"$out/hp.out" &
hpid=$!
hpool=$(port_of "$out/hp.out")
./build-bench/bin/bench_hello thread >"$out/ht.out" &
hthr=$(port_of "$out/ht.out")
start_sim
start_gw KISGW_QUOTE_CACHE_MS=60000
price="http://127.0.0.1:$gw/price?code=005930"
curl -sf "$price" >/dev/null # the quote is cached from here on (fetched again each 60 s)

rps() { wrk -t2 -c"$conns" -d"${secs}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
hp=$(rps "http://127.0.0.1:$hpool/")
ht=$(rps "http://127.0.0.1:$hthr/")
z=$(rps "http://127.0.0.1:$gw/healthz")
p=$(rps "$price")
best=$(awk -v a="$hp" -v b="$ht" 'BEGIN{print (a > b) ? a : b}')
bestname=$(awk -v a="$hp" -v b="$ht" 'BEGIN{print (a > b) ? "epoll pool of 4" : "thread per connection"}')

wrk -t2 -c10 -d"${paced:-30}s" --latency -s bench/paced.lua "$price" >"$out/paced.txt"
paced_rps=$(awk '/Requests\/sec/ {print $2}' "$out/paced.txt")
lat=$(awk '/^ +(50|90|99)%/ {printf "p%s %s, ", $1, $2}' "$out/paced.txt" | tr -d '%' | sed 's/, $//')
p99=$(awk '/^ +99%/ {print $2}' "$out/paced.txt")

soak=${soak:-60}
wrk -t2 -c"$conns" -d"${soak}s" "$price" >/dev/null &
wrkpid=$!
rss_max=0 priv=0 shared=0
for _ in $(seq $((soak - 1))); do
  sleep 1
  r=$(rss_kb "$gwpid")
  if [ "$r" -gt "$rss_max" ]; then # and what it is made of: kisgw's own pages, library pages
    rss_max=$r
    priv=$(awk '/^Private_(Clean|Dirty):/ {s+=$2} END {print s}' "/proc/$gwpid/smaps_rollup")
    shared=$(awk '/^Shared_(Clean|Dirty):/ {s+=$2} END {print s}' "/proc/$gwpid/smaps_rollup")
  fi
done
wait $wrkpid
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$gwpid/status")
hello_rss=$(rss_kb "$hpid")
threads=$(awk '/Threads/ {print $2}' "/proc/$gwpid/status")
load1=$(loadavg)
mb() { awk -v k="$1" 'BEGIN{printf "%.1f MB", k/1024}'; }
ok() { awk -v v="$1" -v t="$2" 'BEGIN{print (v >= t) ? "yes" : "**no**"}'; }

cat <<EOF

Run of $(date -u '+%Y-%m-%d %H:%M UTC'); load average $load0 before, $load1 after;
$(machine).
\`bench/http.sh $secs\` (wrk -t2 -c$conns, ${secs} s each; paced ${paced:-30} s; RSS over ${soak} s of /price load).

| what | req/s | ratio to the faster bare mode ($bestname) | target |
|---|---|---|---|
| bare MHD hello, epoll pool of 4 | $hp | $(pct "$hp" "$best") | — |
| bare MHD hello, thread per connection | $ht | $(pct "$ht" "$best") | — |
| kisgw \`/healthz\` | $z | $(pct "$z" "$best") | ≥ 0.85: $(ok "$(pct "$z" "$best")" 0.85) |
| kisgw cached \`/price?code=005930\` | $p | $(pct "$p" "$best") | ≥ 0.85: $(ok "$(pct "$p" "$best")" 0.85) |
| cached \`/price\` paced at $paced_rps req/s | $lat | — | p99 ≤ 2 ms (got $p99) |
| kisgw RSS under load | $(mb "$rss_max"): $(mb "$priv") its own, $(mb "$shared") shared library pages (peak $(mb "$hwm"), $threads threads; bare hello $(mb "$hello_rss")) | — | ≤ 12 MB: $(awk -v k="$rss_max" 'BEGIN{print (k <= 12288) ? "yes" : "**no**"}') |
EOF
