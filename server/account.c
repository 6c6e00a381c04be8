/* account.c — GET /balance and GET /cash. */
#include <string.h>

#include "app.h"
#include "kclock.h"
#include "http.h"
#include "input.h"
#include "params.h"

GW_ENDPOINT(balance_get, gw_no_input)
{
	kis_balance b = {0};
	kis_error err;
	if (kis_balance_get(req->app->kis, &b, &err)) {
		gw_reply_kis_error(resp, &err);
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < b.n; i++) {
		const kis_holding *h = &b.holdings[i];
		if (h->qty <= 0)
			continue;
		json_t *o = json_pack(
		    "{s:s,s:s,s:I,s:I,s:f,s:I,s:I,s:I,s:I,s:f,s:s,s:s}", "code", h->code, "name",
		    h->name, "qty", (json_int_t)h->qty, "sellable_qty", (json_int_t)h->sellable_qty,
		    "avg_price", h->avg_price, "price", (json_int_t)h->price, "purchase_amount",
		    (json_int_t)h->purchase_amount, "eval_amount", (json_int_t)h->eval_amount,
		    "pnl", (json_int_t)h->pnl, "pnl_rate", h->pnl_rate, "trade_type",
		    kis_trade_type_name(h->trade_type), "trade_type_name", h->trade_type_name);
		if (h->loan_date) { /* a code appears once per trade type and loan */
			char d[16];
			ymd_format(h->loan_date, d, sizeof(d));
			json_object_set_new(o, "loan_date", json_string(d));
		}
		json_array_append_new(arr, o);
	}
	json_t *summary =
	    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "deposit", (json_int_t)b.deposit,
	              "purchase_amount", (json_int_t)b.purchase_amount, "eval_amount",
	              (json_int_t)b.eval_amount, "pnl", (json_int_t)b.pnl, "total_eval",
	              (json_int_t)b.total_eval, "net_asset", (json_int_t)b.net_asset);
	kis_balance_free(&b);
	gw_reply(resp, 200,
	         json_pack("{s:o,s:o,s:o}", "holdings", arr, "summary", summary, "as_of",
	                   gw_now_iso(req)));
}

typedef struct cash_in {
	const char *code;
	int64_t price; /* 0: none */
} cash_in;

GW_ENDPOINT(cash_get, cash_in,
            .query = GW_FIELDS(GW_CODE(cash_in, code),
                               GW_INT(cash_in, price, .min = 1, .max = INT64_C(100000000000))))
{
	const char *code = in->code;
	int64_t price = in->price;
	if (price && !code) {
		gw_reply_error(resp, GW_E_MISSING_PARAM, "code", "'price' needs 'code' as well");
		return;
	}
	kis_buying_power bp;
	kis_error err;
	if (kis_buying_power_get(req->app->kis, code, price, &bp, &err)) {
		gw_reply_kis_error(resp, &err);
		return;
	}
	json_t *o = json_pack("{s:I}", "orderable_cash", (json_int_t)bp.orderable_cash);
	if (code) {
		json_object_set_new(o, "code", json_string(code));
		json_object_set_new(o, "price", json_integer(bp.calc_price));
		json_object_set_new(o, "max_buy_qty", json_integer(bp.max_buy_qty));
	}
	gw_reply(resp, 200, o);
}
