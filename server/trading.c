/* trading.c — POST /trading/halt and /trading/resume: the trading halt of
 * the pre-trade guard (trader_guard.c). While halted every new order and
 * amendment from any source is 409 trading_halted; cancels go through. The
 * halt is persisted, so it survives a restart, and shows on /healthz. */
#include <string.h>

#include "app.h"
#include "http.h"
#include "input.h"
#include "kclock.h"
#include "trader.h"

json_t *gw_trading_json_of(const trader_halt_state *h)
{
	json_t *j = json_pack("{s:b}", "halted", h->halted);
	if (h->halted) {
		char ts[40];
		kst_iso8601(h->since_ms, ts, sizeof(ts));
		json_object_set_new(j, "reason", json_string(h->reason));
		json_object_set_new(j, "since", json_string(ts));
	}
	return j;
}

json_t *gw_trading_json(struct trader *t)
{
	trader_halt_state h;
	trader_halt_get(t, &h);
	return gw_trading_json_of(&h);
}

typedef struct halt_in {
	const char *reason;
} halt_in;

GW_ENDPOINT(trading_halt, halt_in,
            .body = GW_FIELDS(GW_STRING(halt_in, reason, .required = 1,
                                        .pattern = "^[^[:cntrl:][:space:]]([^[:cntrl:]]{0,188}"
                                                   "[^[:cntrl:][:space:]])?$",
                                        .hint = "1-190 characters, trimmed, no control "
                                                "characters",
                                        .example = "maintenance")))
{
	if (trader_halt(req->app->trader, in->reason)) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "the halt could not be recorded");
		return;
	}
	gw_reply(resp, 200, json_pack("{s:o}", "trading", gw_trading_json(req->app->trader)));
}

GW_ENDPOINT(trading_resume, gw_no_input)
{
	if (trader_resume(req->app->trader)) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "the resume could not be recorded");
		return;
	}
	gw_reply(resp, 200, json_pack("{s:o}", "trading", gw_trading_json(req->app->trader)));
}
