# bench/lib.sh — what the bench scripts share; sourced, never run. Builds
# the Release binaries into build-bench, starts bench_hello, kis-sim and
# kisgw on free loopback ports, and describes the machine. Nothing here
# depends on kisgw's HTTP threading mode.
#   . "$(dirname "$0")/lib.sh"; bench_build kisgw kis-sim; bench_tmp; ...

# Installs wrk (and the build dependencies) when missing, then builds the
# given targets with -O2 into build-bench.
bench_build() { # targets...
  ./scripts/deps.sh --bench
  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DKISGW_TESTS=OFF >/dev/null
  cmake --build build-bench -j2 --target "$@" >/dev/null
}

# A scratch directory $out, removed with every process the script started.
bench_tmp() {
  out=$(mktemp -d)
  trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$out"' EXIT
}

port_of() { # file: wait (up to 20 s) for "listening on host:PORT", print PORT
  for _ in $(seq 200); do
    grep -q '^listening on ' "$1" 2>/dev/null && { sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$1" | head -1; return; }
    sleep 0.1
  done
  echo "no port in $1" >&2; exit 1
}

# The bare libmicrohttpd server in its default mode: $hello (port).
start_hello() {
  ./build-bench/bin/bench_hello >"$out/hello.out" &
  hello=$(port_of "$out/hello.out")
}

# kis-sim with the given arguments: $sim (port).
start_sim() { # kis-sim args...
  ./build-bench/bin/kis-sim --listen 127.0.0.1:0 --quiet "$@" >"$out/sim.out" 2>/dev/null &
  sim=$(port_of "$out/sim.out")
}

# kisgw against $sim with bench credentials, database in $out, the given
# extra NAME=value settings: $gw (port), $gwpid.
start_gw() { # NAME=value...
  local secret
  secret=$(printf 'S%.0s' $(seq 180))
  env KIS_APP_KEY=PSbenchAppKey0123456789abcdefghijklm KIS_APP_SECRET="$secret" \
    KIS_ACCOUNT=50012345-01 KIS_BASE_URL="http://127.0.0.1:$sim" KISGW_DB="$out/kisgw.db" \
    KISGW_LISTEN=127.0.0.1:0 KISGW_LOG_LEVEL=warn "$@" \
    ./build-bench/bin/kisgw >"$out/gw.out" 2>"$out/gw.err" &
  gwpid=$!
  gw=$(port_of "$out/gw.out")
}

# A kis-sim counter (dotted name for nested ones), 0 when absent.
sim_counter() { # name
  curl -sf "http://127.0.0.1:$sim/__sim/counters" | jq -r ".$1 // 0"
}

# KIS calls kis-sim served (every tr_id, the refused ones not counted).
sim_calls() { curl -sf "http://127.0.0.1:$sim/__sim/counters" | jq '[.calls[]] | add // 0'; }

# Failed requests in a wrk report: non-2xx/3xx answers plus socket errors.
wrk_errors() { # file
  awk '/Non-2xx/ {n += $NF} /Socket errors/ {for (i = 4; i <= NF; i += 2) n += $i} END {print n + 0}' "$1"
}
verdict() { [ "$1" = 1 ] && echo "met" || echo "**missed**"; } # 1 when met

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
machine() {
  echo "$(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
}
