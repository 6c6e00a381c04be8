/* holdings.c — GET /holdings/aged: FIFO lots from the local ledger, aged in
 * KRX business days. No KIS call. */
#include "app.h"
#include "http.h"
#include "params.h"
#include "trader.h"

GW_HANDLER(gw_holdings_aged)
{
	int64_t days;
	if (gw_param_int(req, resp, "days", 0, 3650, 5, &days))
		return;
	json_t *j = trader_holdings_aged(req->app->trader, (int)days);
	if (!j) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "cannot read the ledger");
		return;
	}
	gw_reply(resp, 200, j);
}
