#!/usr/bin/env bash
# The README's configuration table is the one `kisgw --settings-table` prints
# from the settings table, and every setting that holds a secret (a key, a
# secret, a token, a password — by the name's last word) can be read from a file (NAME_FILE).
# Usage: test_readme_settings.sh KISGW README
set -euo pipefail
kisgw=$1 readme=$2
want=$("$kisgw" --settings-table)
have=$(sed -n '/<!-- settings:begin -->/,/<!-- settings:end -->/p' "$readme" | sed '1d;$d')
if [ "$want" != "$have" ]; then
  echo "FAIL: the README's configuration table is stale; run scripts/readme-settings.sh" >&2
  diff <(echo "$have") <(echo "$want") >&2 || true
  exit 1
fi
rows=$(grep -c '^| `' <<<"$want")
[ "$rows" -ge 20 ] || { echo "FAIL: only $rows settings in the table" >&2; exit 1; }
bad=$(grep -E '^\| `[A-Z_]*_(KEY|SECRET|TOKEN|PASSWORD)`' <<<"$want" | grep -v '_FILE`' || true)
if [ -n "$bad" ]; then
  echo "FAIL: secret settings that cannot be read from a file (make them SECRET in server/config.c):" >&2
  echo "$bad" >&2
  exit 1
fi
echo "README configuration table current: $rows settings"
