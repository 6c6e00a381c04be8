/* app.h — the gateway's long-lived objects, shared by every handler. */
#ifndef GW_APP_H
#define GW_APP_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "kclock.h"
#include "kis.h"

struct store;
struct trader;
struct quote_cache;

typedef struct gw_app {
	const gw_settings *cfg;
	kclock *clock;
	kis_client *kis;
	struct store *db;
	struct trader *trader;
	struct quote_cache *quotes;
	pid_t sim_pid;      /* embedded kis-sim, 0 when none */
	int64_t started_ms; /* real time */
} gw_app;

/* Handlers, one file per resource family (see routes.c). */
struct gw_req;
struct gw_resp;
#define GW_HANDLER(name) void name(struct gw_req *req, struct gw_resp *resp)
GW_HANDLER(gw_price_get);
GW_HANDLER(gw_daily_get);
GW_HANDLER(gw_balance_get);
GW_HANDLER(gw_cash_get);
GW_HANDLER(gw_healthz_get);
/* orders and ledger (orders.c, holdings.c, calendar.c) */
GW_HANDLER(gw_orders_post);
GW_HANDLER(gw_orders_list);
GW_HANDLER(gw_orders_reconcile);
GW_HANDLER(gw_orders_backfill);
GW_HANDLER(gw_order_get);
GW_HANDLER(gw_order_delete);
GW_HANDLER(gw_holdings_aged);
GW_HANDLER(gw_calendar_get);

#endif
