/* views.h — the JSON shapes of API_CONTRACT.md for the trader's domain
 * structs. The trader never builds JSON; handlers call these. */
#ifndef GW_VIEWS_H
#define GW_VIEWS_H

#include <jansson.h>

#include "trader.h"

/* A clock time as KST ISO 8601 ("2026-11-24T10:00:00+09:00"); a KST date
 * as YYYY-MM-DD. */
json_t *gw_json_time(int64_t ms);
json_t *gw_json_date(int ymd);

/* The order object; with d->with_fills also "fills" and "amendments". */
json_t *gw_order_json(const trader_order_detail *d);
/* {"orders":[…],"next_cursor"}; with open=true also "checked_with_kis" and
 * each order's "kis_open_qty" (or "kis_error"). */
json_t *gw_order_page_json(const trader_order_page *p);
/* {"ok","checks":[{"name","ok","field"?,"message"?}],"amount","fees_estimate",
 * "tax_estimate","orderable_qty"}. */
json_t *gw_preview_json(const trader_preview *p);
/* {"as_of","days","holdings":[…]}. */
json_t *gw_aged_json(const trader_aged *a);
/* {"from","to","trading_days":[…],"holidays":[{"date","name"}],"unknown":[…]}. */
json_t *gw_days_json(const trader_days *d);
/* The reconciler's counters. */
json_t *gw_stats_json(const trader_stats *s);

#endif
