#!/usr/bin/env bash
# HTTP speed of kisgw against the physical limit of its own library: a bare
# libmicrohttpd "hello" server (bench/hello.c) built here, run in BOTH
# threading modes — an internal epoll thread pool of 4 (as kisgw) and a
# thread per connection (as kisgw was) — beside kisgw, in one run:
#   1. req/s of hello (pool), hello (thread), kisgw /healthz, kisgw cached
#      /price, wrk -t2 -c32, in ROUNDS interleaved rounds (the machine's own
#      speed drifts between minutes; a ratio is taken within one round, and
#      the median round's ratio is reported beside each round's)
#   2. latency percentiles of cached /price at ~1,000 req/s (paced.lua)
#   3. kisgw RSS while under /price load, beside the RSS of bench_floor
#      (bench/floor.c: the bare server linked with kisgw's libraries and
#      starting each of them) under the same load: the libraries' floor
# Prints a markdown table ready for bench/RESULTS.md, with the load average.
# usage: bench/http.sh [seconds-per-throughput-run]   (default 15)
#   env: rounds=N (default 5), paced=S (latency run, default 30),
#        soak=S (each RSS run, default 60), conns=N (wrk -c, default 32)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
conns=${conns:-32}
. bench/lib.sh # bench_build, bench_tmp, port_of, start_sim, start_gw, loadavg, machine
bench_build kisgw kis-sim bench_hello bench_floor
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
max() { awk -v a="$1" -v b="$2" 'BEGIN{print (a > b) ? a : b}'; }
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
rounds=${rounds:-5}
: >"$out/rounds"
for round in $(seq "$rounds"); do
  hp=$(rps "http://127.0.0.1:$hpool/")
  ht=$(rps "http://127.0.0.1:$hthr/")
  z=$(rps "http://127.0.0.1:$gw/healthz")
  p=$(rps "$price")
  best=$(max "$hp" "$ht")
  echo "$round $hp $ht $z $p $(pct "$z" "$best") $(pct "$p" "$best")" >>"$out/rounds"
done
# the round whose /healthz ratio is the median one gives the table's figures
z_med=$(awk '{print $6}' "$out/rounds" | median)
p_med=$(awk '{print $7}' "$out/rounds" | median)
read -r _ hp ht z p _ _ < <(awk -v m="$z_med" '$6 == m' "$out/rounds" | head -1)
best=$(max "$hp" "$ht")
bestname=$(awk -v a="$hp" -v b="$ht" 'BEGIN{print (a > b) ? "epoll pool of 4" : "thread per connection"}')
each=$(awk '{printf "%s%s/%s", (NR > 1 ? ", " : ""), $6, $7}' "$out/rounds")

wrk -t2 -c10 -d"${paced:-30}s" --latency -s bench/paced.lua "$price" >"$out/paced.txt"
paced_rps=$(awk '/Requests\/sec/ {print $2}' "$out/paced.txt")
lat=$(awk '/^ +(50|90|99)%/ {printf "p%s %s, ", $1, $2}' "$out/paced.txt" | tr -d '%' | sed 's/, $//')
p99=$(awk '/^ +99%/ {print $2}' "$out/paced.txt")

soak=${soak:-60}
under_load() { # pid url: peak RSS while wrk loads url for $soak s -> rss_max priv shared
  local wrkpid r
  wrk -t2 -c"$conns" -d"${soak}s" "$2" >/dev/null &
  wrkpid=$!
  rss_max=0 priv=0 shared=0
  for _ in $(seq $((soak - 1))); do
    sleep 1
    r=$(rss_kb "$1")
    if [ "$r" -gt "$rss_max" ]; then # and what it is made of: its own pages, library pages
      rss_max=$r
      priv=$(awk '/^Private_(Clean|Dirty):/ {s+=$2} END {print s}' "/proc/$1/smaps_rollup")
      shared=$(awk '/^Shared_(Clean|Dirty):/ {s+=$2} END {print s}' "/proc/$1/smaps_rollup")
    fi
  done
  wait "$wrkpid"
}
mkdir "$out/floor"
./build-bench/bin/bench_floor "$out/floor" >"$out/floor.out" &
fpid=$!
floor=$(port_of "$out/floor.out")
under_load "$fpid" "http://127.0.0.1:$floor/"
floor_rss=$rss_max
under_load "$gwpid" "$price"
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$gwpid/status")
hello_rss=$(rss_kb "$hpid")
threads=$(awk '/Threads/ {print $2}' "/proc/$gwpid/status")
load1=$(loadavg)
mb() { awk -v k="$1" 'BEGIN{printf "%.1f MB", k/1024}'; }
ok() { awk -v v="$1" -v t="$2" 'BEGIN{print (v >= t) ? "yes" : "**no**"}'; }

cat <<EOF

Run of $(date -u '+%Y-%m-%d %H:%M UTC'); load average $load0 before, $load1 after;
$(machine).
\`bench/http.sh $secs\` (wrk -t2 -c$conns, ${secs} s each, $rounds interleaved rounds; paced ${paced:-30} s; RSS over ${soak} s of load each).
The req/s are the round with the median \`/healthz\` ratio; the ratios of every round
(\`/healthz\`/\`/price\`): $each; median \`/price\` ratio $p_med.

| what | req/s | ratio to the faster bare mode ($bestname) | target |
|---|---|---|---|
| bare MHD hello, epoll pool of 4 | $hp | $(pct "$hp" "$best") | — |
| bare MHD hello, thread per connection | $ht | $(pct "$ht" "$best") | — |
| kisgw \`/healthz\` | $z | $(pct "$z" "$best") (median of rounds $z_med) | ≥ 0.85: $(ok "$z_med" 0.85) |
| kisgw cached \`/price?code=005930\` | $p | $(pct "$p" "$best") (median of rounds $p_med) | ≥ 0.85: $(ok "$p_med" 0.85) |
| cached \`/price\` paced at $paced_rps req/s | $lat | — | p99 ≤ 2 ms (got $p99) |
| kisgw RSS under load | $(mb "$rss_max"): $(mb "$priv") its own, $(mb "$shared") shared library pages (peak $(mb "$hwm"), $threads threads; bare hello $(mb "$hello_rss"); bench_floor, the libraries alone, $(mb "$floor_rss"), so kisgw adds $(mb $((rss_max - floor_rss)))) | — | ≤ 12 MB: $(awk -v k="$rss_max" 'BEGIN{print (k <= 12288) ? "yes" : "**no**"}') |
EOF
