#!/usr/bin/env bash
# cmake --install into a DESTDIR lays out the binaries, the systemd unit
# (with this build's paths, hardened, secrets as credentials) and the example
# config; the installed kisgw runs; systemd-analyze accepts the unit.
# Usage: test_install.sh BUILD_DIR
set -euo pipefail
build=$1
dest=$(mktemp -d /tmp/kisgw-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR=$dest cmake --install "$build" >"$dest.log" 2>&1 || { cat "$dest.log"; fail "cmake --install"; }
rm -f "$dest.log"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
root=$dest$prefix
unit=$root/lib/systemd/system/kisgw.service
for f in bin/kisgw bin/kis-sim; do
  [ -x "$root/$f" ] || fail "$prefix/$f is not installed or not executable"
done
etc=$(sed -n 's/^CMAKE_INSTALL_SYSCONFDIR:PATH=//p' "$build/CMakeCache.txt")
case $etc in /*) confdir=$etc/kisgw ;; *) confdir=$prefix/$etc/kisgw ;; esac
[ -f "$dest$confdir/kisgw.conf.example" ] || fail "no $confdir/kisgw.conf.example"
[ -f "$root/share/doc/kisgw/README.md" ] || fail "no README in share/doc/kisgw"
[ -f "$unit" ] || fail "no unit at $prefix/lib/systemd/system/kisgw.service"

# The unit names the installed paths, nothing of the build tree.
grep -qx "ExecStart=$prefix/bin/kisgw --config $confdir/kisgw.conf" "$unit" ||
  fail "ExecStart does not name $prefix/bin/kisgw: $(grep ExecStart "$unit")"
! grep -q '@[A-Z_]*@' "$unit" || fail "unsubstituted @VAR@ in the unit"
! grep -q "$(cd "$build" && pwd)" "$unit" || fail "the unit names the build directory"
for line in DynamicUser=yes ProtectSystem=strict StateDirectory=kisgw NoNewPrivileges=yes \
  'LoadCredential=kis_app_key:' 'LoadCredential=kis_app_secret:' \
  'LoadCredential=kisgw_api_token:' 'Environment=KIS_APP_SECRET_FILE=%d/kis_app_secret' \
  'Environment=KISGW_DB=%S/kisgw/kisgw.db' KillSignal=SIGTERM; do
  grep -q "^$line" "$unit" || fail "the unit lacks $line"
done
# No secret is ever put in the unit itself.
! grep -Eq '^Environment=(KIS_APP_KEY|KIS_APP_SECRET|KISGW_API_TOKEN)=' "$unit" ||
  fail "a secret in Environment="

# The installed binary runs and finds its configuration example valid.
"$root/bin/kisgw" --version | grep -q '^kisgw [0-9]' || fail "installed kisgw --version"
KISGW_DB=$dest/never.db "$root/bin/kisgw" --config "$dest$confdir/kisgw.conf.example" check-config |
  grep -q 'configuration ok' || fail "the installed example config does not check"

if command -v systemd-analyze >/dev/null; then
  # verify checks the executable exists: point a copy at the DESTDIR binary.
  sed "s|^ExecStart=$prefix/bin/kisgw|ExecStart=$root/bin/kisgw|" "$unit" >"$dest/kisgw.service"
  systemd-analyze verify --man=no "$dest/kisgw.service" || fail "systemd-analyze verify"
  level=$(systemd-analyze security --offline=yes "$dest/kisgw.service" 2>/dev/null |
    sed -n 's/.*Overall exposure level for kisgw.service: \([0-9.]*\).*/\1/p')
  echo "systemd-analyze security: exposure $level"
  awk -v l="$level" 'BEGIN { exit !(l != "" && l + 0 <= 2.0) }' || fail "exposure $level > 2.0"
else
  echo "systemd-analyze not installed: unit syntax not verified"
fi
echo "install layout ok under $prefix"
