#!/usr/bin/env bash
# Installs the Debian packages kisgw needs to build, run and test — only the
# missing ones, so a machine that has them is left alone.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev
      libsqlite3-dev libssl-dev libwebsockets-dev libcmocka-dev curl python3 python3-requests clang-format
      jq python3-prometheus-client python3-yaml chromium valgrind)
# examples/js needs Node >= 18 (Debian bookworm's is 18.19); a node already on
# PATH, from wherever, is kept.
command -v node >/dev/null || pkgs+=(nodejs)
if [ "${1:-}" = "--bench" ]; then pkgs+=(wrk); fi
# tests/fuzz/run.sh: clang and its libFuzzer runtime (bookworm: clang 14)
if [ "${1:-}" = "--fuzz" ]; then pkgs+=(clang libclang-rt-14-dev); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node runs the web checks (npm packages go into tests/web/node_modules, see
# scripts/test.sh); a Node already installed another way, npm included, is kept.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
