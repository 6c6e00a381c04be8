/* routes.c — every endpoint of the local API, in one table. The daemon
 * matches method + path here before anything else runs; keep openapi.yaml
 * in step (a test checks). */
#include "routes.h"

#include "app.h"

#define PARAMS(...) ((const char *const[]){__VA_ARGS__, NULL})

const gw_route gw_routes[] = {
    {"GET", "/healthz", gw_healthz_get, NULL, 0, 1},
    {"GET", "/price", gw_price_get, PARAMS("code"), 0, 0},
    {"GET", "/daily", gw_daily_get, PARAMS("code", "from", "to"), 0, 0},
    {"GET", "/balance", gw_balance_get, NULL, 0, 0},
    {"GET", "/cash", gw_cash_get, PARAMS("code", "price"), 0, 0},
    /* orders and the ledger */
    {"POST", "/orders", gw_orders_post, NULL, 1, 0},
    {"GET", "/orders", gw_orders_list,
     PARAMS("status", "code", "side", "source", "from", "to", "limit", "cursor"), 0, 0},
    {"POST", "/orders/reconcile", gw_orders_reconcile, NULL, 0, 0},
    {"POST", "/orders/backfill", gw_orders_backfill, PARAMS("days"), 0, 0},
    {"GET", "/orders/{id}", gw_order_get, NULL, 0, 0},
    {"DELETE", "/orders/{id}", gw_order_delete, NULL, 0, 0},
    {"GET", "/holdings/aged", gw_holdings_aged, PARAMS("days"), 0, 0},
    {"GET", "/calendar", gw_calendar_get, PARAMS("from", "to"), 0, 0},
};

const unsigned gw_nroutes = sizeof(gw_routes) / sizeof(gw_routes[0]);
