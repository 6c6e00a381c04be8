/* pnl.c — GET /pnl?from=&to=&code=&source=: FIFO-matched realised profit
 * from the local ledger (no KIS call), per code and in total. Fees and
 * taxes are estimates from the KISGW_FEE_RATE_PPM / KISGW_TAX_RATE_PPM
 * settings (the same rates as the order preview), not what KIS charged. */
#include <string.h>

#include "app.h"
#include "autotrade.h"
#include "http.h"
#include "input.h"
#include "params.h"
#include "pnl.h"

static json_t *line_json(const pnl_line *l)
{
	json_t *o =
	    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "qty", (json_int_t)l->qty, "buy_amount",
	              (json_int_t)l->buy_amount, "sell_amount", (json_int_t)l->sell_amount, "pnl",
	              (json_int_t)l->pnl, "fees_estimate", (json_int_t)l->fees_estimate,
	              "tax_estimate", (json_int_t)l->tax_estimate, "net_estimate",
	              (json_int_t)(l->pnl - l->fees_estimate - l->tax_estimate));
	if (l->unmatched_qty)
		json_object_set_new(o, "unmatched_qty", json_integer(l->unmatched_qty));
	return o;
}

typedef struct pnl_in {
	int from, to;
	const char *code;
	int source; /* store_source, -1: any */
} pnl_in;

GW_ENDPOINT(pnl_get, pnl_in,
            .query = GW_FIELDS(GW_DATE(pnl_in, from, .doc_default = "30 days before to"),
                               GW_DATE(pnl_in, to, .doc_default = "today"), GW_CODE(pnl_in, code),
                               GW_ENUM(pnl_in, source, .choices = store_source_names)))
{
	int to = in->to ? in->to : gw_today(req);
	int from = in->from ? in->from : ymd_add_days(to, -30);
	const char *code = in->code;
	int src = in->source;
	const char *source = src >= 0 ? store_source_names[src] : NULL;
	if (to < from) {
		gw_reply_error(resp, GW_E_INVALID_PARAM, "to", "'to' is before 'from'");
		return;
	}
	const gw_settings *s = req->app->cfg;
	pnl_query q = {from, to, code, src, s->trader.fee_rate_ppm, s->trader.tax_rate_ppm};
	pnl_report r;
	if (pnl_realized(req->app->db, &q, &r)) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "cannot read the ledger");
		return;
	}
	json_t *a = json_array();
	for (size_t i = 0; i < r.n; i++) {
		json_t *o = line_json(&r.lines[i]);
		json_object_set_new(o, "code", json_string(r.lines[i].code));
		json_object_set_new(
		    o, "name", r.lines[i].name[0] ? json_string(r.lines[i].name) : json_null());
		json_array_append_new(a, o);
	}
	char f[16], t[16];
	ymd_format(from, f, sizeof(f));
	ymd_format(to, t, sizeof(t));
	json_t *j = json_pack(
	    "{s:s,s:s,s:o,s:o,s:{s:I,s:I,s:s}}", "from", f, "to", t, "realized", a, "total",
	    line_json(&r.total), "estimates", "fee_rate_ppm", (json_int_t)s->trader.fee_rate_ppm,
	    "tax_rate_ppm", (json_int_t)s->trader.tax_rate_ppm, "note",
	    "fees and taxes are estimates from the configured rates, not KIS's charges");
	json_object_set_new(j, "source", source ? json_string(source) : json_null());
	pnl_report_free(&r);
	gw_reply(resp, 200, j);
}
