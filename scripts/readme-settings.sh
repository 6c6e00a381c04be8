#!/usr/bin/env bash
# Regenerates the README's configuration table from the settings table in
# server/config.c (through `kisgw --settings-table`). The test
# readme_settings fails while the README's copy differs.
# Usage: scripts/readme-settings.sh [path/to/kisgw]
set -euo pipefail
cd "$(dirname "$0")/.."
kisgw=${1:-build/bin/kisgw}
[ -x "$kisgw" ] || { echo "no $kisgw: build first (cmake --build build --target kisgw)" >&2; exit 1; }
table=$("$kisgw" --settings-table)
python3 - "$table" README.md <<'PY'
import sys
table, path = sys.argv[1], sys.argv[2]
begin, end = "<!-- settings:begin -->", "<!-- settings:end -->"
s = open(path, encoding="utf-8").read()
i, j = s.index(begin) + len(begin), s.index(end)
open(path, "w", encoding="utf-8").write(s[:i] + "\n" + table.rstrip("\n") + "\n" + s[j:])
PY
echo "README.md: configuration table updated"
