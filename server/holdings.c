/* holdings.c — GET /holdings/aged: FIFO lots from the local ledger, aged in
 * KRX business days. No KIS call. */
#include "app.h"
#include "http.h"
#include "input.h"
#include "trader.h"
#include "views.h"

typedef struct aged_in {
	int64_t days; /* business days held, at least */
} aged_in;

GW_ENDPOINT(holdings_aged, aged_in,
            .query = GW_FIELDS(GW_INT(aged_in, days, .min = 0, .max = 3650, .def = 5)))
{
	trader_aged a;
	if (trader_holdings_aged(req->app->trader, (int)in->days, &a)) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "cannot read the ledger");
		return;
	}
	gw_reply(resp, 200, gw_aged_json(&a));
	trader_aged_free(&a);
}
