#!/usr/bin/env bash
# kisgw from the shell: curl + jq one-liners. Each command works on its own
# (copy the `kg` function, or spell the curl out). Run the whole file for a
# tour; it places one market order for one share.
#   KISGW_URL      default http://127.0.0.1:8080
#   KISGW_API_TOKEN  when kisgw has one (every endpoint but /healthz needs it)
set -euo pipefail
KISGW_URL=${KISGW_URL:-http://127.0.0.1:8080}
auth=()
[ -n "${KISGW_API_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $KISGW_API_TOKEN")
# kg PATH [curl args...]: one call, the JSON body on stdout; -f fails on 4xx/5xx.
kg() { local p=$1; shift; curl -fsS "${auth[@]}" "$@" "$KISGW_URL$p"; }

# Is it up? (no token needed)
curl -fsS "$KISGW_URL/healthz" | jq -r '"health: \(.status), KIS \(.kis.env), version \(.version)"'

# One price; several codes as a table.
kg '/price?code=005930' | jq -r '"price: \(.code) \(.price) (\(.change_rate) %)"'
for c in 005930 000660 035420; do kg "/price?code=$c"; done | jq -r '[.code, .price, .change_rate] | @tsv'

# The last five daily closes, newest first.
kg '/daily?code=005930' | jq -r '.bars[:5][] | "close \(.date) \(.close)"'

# Cash, and how many shares 70,000 KRW apiece it buys.
kg '/cash?code=005930&price=70000' | jq -r '"cash: \(.orderable_cash), max buy qty \(.max_buy_qty)"'

# Place a market order for one share; the client_order_id makes a retry safe.
kg /orders -X POST -H 'Content-Type: application/json' \
  -d "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\",\"client_order_id\":\"${KISGW_EXAMPLE_ORDER_KEY:-example-sh-1}\"}" |
  jq -r '"order: \(.id) \(.status)"'

# Ask KIS for fills now (the reconciler also runs on its own), then list orders.
kg /orders/reconcile -X POST >/dev/null
kg '/orders?limit=20' | jq -r '.orders[] | [.id, .client_order_id // "-", .code, .side, .qty, .status, .filled_qty] | @tsv'

# Holdings with P&L; holdings kept five trading days or more (from the ledger).
kg /balance | jq -r '.holdings[] | "holding \(.code) \(.name) \(.qty) pnl \(.pnl)"'
kg '/holdings/aged?days=0' | jq -r '.holdings[] | "aged \(.code) \(.qty) since \(.acquired_on)"'

# The next three trading days.
kg /calendar | jq -r '[.trading_days[:3][]] | "trading days: \(join(" "))"'

# Errors are one envelope: the code, and the field at fault.
curl -sS "${auth[@]}" "$KISGW_URL/price?code=nonsense" | jq -r '"error: \(.error.code) field \(.error.field)"'
