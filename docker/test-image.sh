#!/usr/bin/env bash
# Builds docker/Dockerfile with podman and runs the image's file system the
# way ../shared/CONTAINER_TESTING.md describes (no Docker engine here; podman
# run is not allowed by the sandbox): export it, chroot into it as the
# image's user with the image's environment, and probe kisgw from outside:
# /healthz, /price against kis-sim (also from the image), the API token,
# `kisgw healthcheck` (the HEALTHCHECK command), the user is not root, the
# database on /data is 0600, SIGTERM stops it cleanly. Reports the size.
# Not in the default suite: the first run takes several minutes.
# Run as root from anywhere: docker/test-image.sh   (KEEP=1 keeps the files)
set -euo pipefail
cd "$(dirname "$0")/.."
base=docker.io/library/debian:bookworm-slim
tag=kisgw:test
work=$(mktemp -d /tmp/kisgw-image-XXXXXX)
img=$work/rootfs
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for m in "$img/proc" "$img/dev"; do mountpoint -q "$m" 2>/dev/null && umount -l "$m"; done
  [ "${KEEP:-0}" = 1 ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
[ "$(id -u)" -eq 0 ] || fail "run as root (podman build, chroot)"

need=()
for t in debootstrap podman curl python3; do command -v "$t" >/dev/null || need+=("$t"); done
if [ ${#need[@]} -gt 0 ]; then
  step "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# 1. The base image, from Debian's own packages (no registry here).
if ! podman image exists "$base"; then
  mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/\{0,1\}$/\1/p' /etc/apt/sources.list.d/* 2>/dev/null | head -1)
  [ -n "$mirror" ] || mirror=$(awk '/^deb / && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
  step "debootstrap bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
  tar -C "$work/base" -c . | podman import - "$base" >/dev/null
  rm -rf "$work/base"
fi

# 2. Build (docker format keeps HEALTHCHECK, which OCI image configs drop).
step "podman build"
t0=$(date +%s)
podman build --pull=never --isolation=chroot --network=host --format docker \
  -f docker/Dockerfile -t "$tag" . >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; fail "podman build"; }
echo "built in $(( $(date +%s) - t0 )) s"

# 3. What the image declares.
inspect() { podman image inspect --format "$1" "$tag"; }
user=$(inspect '{{.Config.User}}')
health=$(inspect '{{json .Config.Healthcheck}}')
volumes=$(inspect '{{json .Config.Volumes}}')
stopsig=$(inspect '{{.Config.StopSignal}}')
size=$(inspect '{{.Size}}')
echo "user=$user volumes=$volumes stopsignal=$stopsig"
echo "healthcheck=$health"
case $user in "" | 0 | 0:* | root | root:*) fail "the image runs as root ($user)" ;; esac
grep -q '"kisgw","healthcheck"' <<<"$health" || fail "HEALTHCHECK is not kisgw healthcheck"
grep -q '"/data"' <<<"$volumes" || fail "no VOLUME /data"
[ "$stopsig" = SIGTERM ] || fail "STOPSIGNAL is $stopsig"
mapfile -t envs < <(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$tag" | sed '/^$/d')
printf '  %s\n' "${envs[@]}"
printf '%s\n' "${envs[@]}" | grep -qx 'KISGW_LISTEN=0.0.0.0:8080' || fail "KISGW_LISTEN is not 0.0.0.0:8080"

# 4. Its file system, run with chroot as its user.
step "export and run"
mkdir -p "$img"
cid=$(podman create "$tag" 2>/dev/null)
podman export "$cid" | tar -C "$img" -x
podman rm "$cid" >/dev/null 2>&1
uid=${user%%:*} gid=${user#*:}
[ "$gid" != "$user" ] || gid=$uid
grep -q "^[^:]*:[^:]*:$uid:" "$img/etc/passwd" || fail "uid $uid is not in the image's /etc/passwd"
for f in usr/bin/curl usr/bin/gcc usr/include/microhttpd.h; do
  [ ! -e "$img/$f" ] || fail "/$f is in the run image"
done
mount --bind /dev "$img/dev" 2>/dev/null || true
mount -t proc proc "$img/proc" 2>/dev/null || true
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# env... -- cmd...: as the image's user, with the image's environment. It
# execs (so $! of `run_in ... &` is the program's pid): call it in ( ) or &.
run_in() {
  local e=()
  while [ "$1" != -- ]; do e+=("$1"); shift; done; shift
  exec env -i "${envs[@]}" "${e[@]}" chroot --userspec="$uid:$gid" "$img" /bin/sh -c 'cd /data && exec "$@"' sh "$@"
}
wait_port() { # logfile -> port from "listening on H:PORT"
  for _ in $(seq 1 150); do
    p=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$1" | head -1)
    [ -n "$p" ] && { echo "$p"; return 0; }
    sleep 0.2
  done
  cat "$1" >&2; return 1
}

clock=2026-11-24T10:00:00+09:00
run_in -- /usr/local/bin/kis-sim --listen 127.0.0.1:0 --clock "$clock" --quiet >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
sim_port=$(wait_port "$work/sim.out") || fail "kis-sim from the image did not start"

# Secrets as files, as Docker secrets would mount them.
install -d -m 0755 "$img/run/secrets"
printf 'PStestAppKey0123456789abcdefghijklmn\n' >"$img/run/secrets/kis_app_key"
head -c 180 /dev/zero | tr '\0' S >"$img/run/secrets/kis_app_secret"
token=image-test-token-0123456789
printf '%s\n' "$token" >"$img/run/secrets/kisgw_api_token"
chown "$uid:$gid" "$img"/run/secrets/*
chmod 0400 "$img"/run/secrets/*

port=$(free_port)
run_in KISGW_LISTEN=0.0.0.0:$port KIS_BASE_URL=http://127.0.0.1:$sim_port KIS_ACCOUNT=50012345-01 \
  KIS_APP_KEY_FILE=/run/secrets/kis_app_key KIS_APP_SECRET_FILE=/run/secrets/kis_app_secret \
  KISGW_API_TOKEN_FILE=/run/secrets/kisgw_api_token KISGW_CLOCK=$clock -- \
  /usr/local/bin/kisgw >"$work/gw.out" 2>"$work/gw.err" &
gw=$!
pids+=($gw)
wait_port "$work/gw.out" >/dev/null || { cat "$work/gw.err"; fail "kisgw from the image did not start"; }

running_uid=$(awk '/^Uid:/ {print $2}' "/proc/$gw/status")
echo "kisgw pid $gw runs as uid $running_uid"
[ "$running_uid" != 0 ] || fail "kisgw runs as root"

health=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$port/healthz")
echo "GET /healthz -> $health"
[[ $health == *'"status":"ok"'*' 200' ]] || fail "/healthz"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/price?code=005930")
echo "GET /price without the token -> $code"
[ "$code" = 401 ] || fail "/price without the API token was $code, not 401"
price=$(curl -s -w ' %{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port/price?code=005930")
echo "GET /price?code=005930 -> $price"
[[ $price == *'"code":"005930"'*' 200' ]] || fail "/price"
(run_in KISGW_LISTEN=0.0.0.0:$port KISGW_API_TOKEN_FILE=/run/secrets/kisgw_api_token -- \
  /usr/local/bin/kisgw healthcheck) || fail "kisgw healthcheck (the HEALTHCHECK command)"
db_mode=$(stat -c '%a %u' "$img/data/kisgw.db")
echo "/data/kisgw.db: mode and owner $db_mode"
[ "$db_mode" = "600 $uid" ] || fail "the database is $db_mode, not 600 $uid"

# Graceful stop: SIGTERM drains and exits 0.
kill -TERM "$gw"
t0=$(date +%s%N)
rc=0
wait "$gw" || rc=$?
echo "SIGTERM -> exit $rc after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
[ "$rc" = 0 ] || { cat "$work/gw.err"; fail "kisgw exited $rc on SIGTERM"; }
grep -q '"shutting down"' "$work/gw.err" || fail "no shutdown line in the log"

if python3 -c 'import yaml' 2>/dev/null; then
  python3 - docker/compose.yaml <<'PY' || fail "docker/compose.yaml"
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
s = c["services"]
assert "kisgw" in s and "kis-sim" in s, "services kisgw and kis-sim"
assert "demo" in s["kis-sim"].get("profiles", []), "kis-sim in the demo profile"
print("compose.yaml parses: services", ", ".join(s))
PY
fi

base_size=$(podman image inspect --format '{{.Size}}' "$base")
echo "image $tag: $(( size / 1000000 )) MB ($size bytes) uncompressed; the base ($base, here built by debootstrap) $(( base_size / 1000000 )) MB, kisgw's layers $(( (size - base_size) / 1000000 )) MB"
podman history --format '  {{.Size}}\t{{.CreatedBy}}' "$tag" | grep -v ' 0 B' | cut -c1-110
echo "image test ok"
