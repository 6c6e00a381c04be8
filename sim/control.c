/* control.c — the test-control API under /__sim/ (never under /uapi/):
 * clock, prices, account reset with seeded history, fault injection,
 * token expiry, counters, the order log and session knobs. JSON in, JSON
 * out; a bad request gets 400 {"error": "..."}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krx.h"
#include "sim.h"

static void ctl_err(sim_reply *r, int status, const char *msg)
{
	sim_reply_json(r, status, json_pack("{s:s}", "error", msg));
}

static int is_get(const sim_call *c)
{
	return strcmp(c->method, "GET") == 0;
}

static int is_post(const sim_call *c)
{
	return strcmp(c->method, "POST") == 0;
}

/* Integer member that may be given as a JSON number or a numeric string. */
static int get_i64(const json_t *o, const char *k, int64_t *out)
{
	json_t *v = json_object_get(o, k);
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!(d > -9e15 && d < 9e15)) /* also rejects NaN */
			return -1;
		*out = (int64_t)d;
		return 0;
	}
	if (json_is_string(v))
		return sim_parse_i64(json_string_value(v), out);
	return -1;
}

static json_t *clock_json(sim_state *st)
{
	char iso[40];
	int64_t now = kclock_now_ms(&st->clock);
	kst_iso8601(now, iso, sizeof(iso));
	int d = kst_date(now), t = kst_hhmmss(now);
	int trading = krx_is_trading_day(d);
	const char *session = !trading                 ? "closed_day"
	                      : t < krx_open_hhmmss(d) ? "pre_open"
	                      : t < KRX_CLOSE_HHMMSS   ? "open"
	                                               : "closed";
	return json_pack("{s:s, s:I, s:f, s:b, s:s}", "now", iso, "epoch_ms", (json_int_t)now,
	                 "speed", st->clock.fake ? st->clock.speed : 1.0, "trading_day", trading,
	                 "session", session);
}

static int64_t clock_bounds_ok(int64_t ms)
{
	int d = kst_date(ms);
	return d > SIM_HIST_FIRST && d <= SIM_HIST_LAST;
}

static void h_clock(sim_state *st, sim_call *c, sim_reply *r)
{
	if (is_post(c)) {
		if (!c->json) {
			ctl_err(r, 400, "body must be a JSON object");
			return;
		}
		json_t *set = json_object_get(c->json, "set");
		int64_t adv;
		int64_t target;
		if (json_is_string(set)) {
			kclock tmp;
			char err[128];
			if (kclock_init(&tmp, json_string_value(set), err, sizeof(err)) != 0) {
				ctl_err(r, 400, err);
				return;
			}
			target = kclock_now_ms(&tmp);
			kclock_destroy(&tmp);
		} else if (get_i64(c->json, "advance_s", &adv) == 0) {
			if (adv < -10LL * 366 * 86400 || adv > 10LL * 366 * 86400) {
				ctl_err(r, 400, "advance_s out of range");
				return;
			}
			target = kclock_now_ms(&st->clock) + adv * 1000;
		} else {
			ctl_err(r, 400, "want {\"set\":\"<iso8601>\"} or {\"advance_s\":N}");
			return;
		}
		if (!clock_bounds_ok(target)) {
			ctl_err(r, 400, "clock outside the simulated range 2024-01-03..2028-12-29");
			return;
		}
		kclock_set_ms(&st->clock, target);
		sim_match_all(st, target);
	} else if (!is_get(c)) {
		ctl_err(r, 405, "GET or POST");
		return;
	}
	sim_reply_json(r, 200, clock_json(st));
}

static json_t *quote_json(sim_stock *s, int64_t now)
{
	sim_quote q;
	if (sim_quote_get(s, now, &q) != 0)
		return json_pack("{s:s, s:s}", "code", s->code, "name", s->name);
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "code",
	                 s->code, "name", s->name, "market", s->market, "price", (json_int_t)q.prpr,
	                 "open", (json_int_t)q.oprc, "high", (json_int_t)q.hgpr, "low",
	                 (json_int_t)q.lwpr, "prev_close", (json_int_t)q.prdy_clpr, "upper_limit",
	                 (json_int_t)q.mxpr, "lower_limit", (json_int_t)q.llam, "ymd",
	                 (json_int_t)q.ymd, "in_session", q.in_session);
}

static void h_price(sim_state *st, sim_call *c, sim_reply *r)
{
	if (!is_post(c) || !c->json) {
		ctl_err(r, 400, "POST a JSON object");
		return;
	}
	json_t *code = json_object_get(c->json, "code");
	sim_stock *s = json_is_string(code) ? sim_stock_find(st, json_string_value(code)) : NULL;
	if (!s) {
		ctl_err(r, 404, "unknown or missing code");
		return;
	}
	int64_t now = c->now_ms;
	if (json_is_true(json_object_get(c->json, "clear"))) {
		sim_price_clear(s);
		sim_reply_json(r, 200, quote_json(s, now));
		return;
	}
	sim_quote q;
	if (sim_quote_get(s, now, &q) != 0) {
		ctl_err(r, 409, "clock outside the simulated history");
		return;
	}
	int64_t price;
	json_t *jp = json_object_get(c->json, "jump_pct");
	if (json_is_number(jp)) {
		double pct = json_number_value(jp);
		if (!(pct >= -100.0 && pct <= 1000.0)) {
			ctl_err(r, 400, "jump_pct must be -100..1000");
			return;
		}
		double p = (double)q.prpr * (1.0 + pct / 100.0);
		price = krx_tick_floor((int64_t)(p + 0.5));
		if (price > q.mxpr)
			price = q.mxpr;
		if (price < q.llam)
			price = q.llam;
	} else if (get_i64(c->json, "price", &price) != 0) {
		ctl_err(r, 400, "want price or jump_pct");
		return;
	}
	char err[160];
	if (sim_price_override(st, s, price, err, sizeof(err)) != 0) {
		ctl_err(r, 400, err);
		return;
	}
	/* Resting orders react to the new price at once. */
	sim_match_all(st, now);
	sim_reply_json(r, 200, quote_json(s, now));
}

/* POST /__sim/path {"code","points":[{"at":ISO,"price"}]} or {"code","clear":true}:
 * a deterministic intraday price path (a step function on the sim clock). */
static void h_path(sim_state *st, sim_call *c, sim_reply *r)
{
	if (!is_post(c) || !c->json) {
		ctl_err(r, 400, "POST a JSON object");
		return;
	}
	json_t *code = json_object_get(c->json, "code");
	sim_stock *s = json_is_string(code) ? sim_stock_find(st, json_string_value(code)) : NULL;
	if (!s) {
		ctl_err(r, 404, "unknown or missing code");
		return;
	}
	char err[200];
	if (json_is_true(json_object_get(c->json, "clear"))) {
		sim_path_set(s, NULL, 0, err, sizeof(err));
		sim_reply_json(r, 200, json_pack("{s:s,s:i}", "code", s->code, "points", 0));
		return;
	}
	json_t *pts = json_object_get(c->json, "points");
	size_t n = json_array_size(pts);
	if (!json_is_array(pts) || n == 0 || n > 10000) {
		ctl_err(r, 400,
		        "want points: [{\"at\":\"<iso8601>\",\"price\":N}, ...] (1..10000)");
		return;
	}
	sim_path_pt *v = calloc(n, sizeof(*v));
	if (!v) {
		ctl_err(r, 500, "out of memory");
		return;
	}
	size_t i;
	json_t *pt;
	json_array_foreach(pts, i, pt)
	{
		json_t *at = json_object_get(pt, "at");
		kclock tmp;
		int64_t price, ms = 0;
		int ok = json_is_string(at) && get_i64(pt, "price", &price) == 0 &&
		         kclock_init(&tmp, json_string_value(at), err, sizeof(err)) == 0;
		if (ok) {
			ok = tmp.fake;
			ms = tmp.base_fake_ms;
			kclock_destroy(&tmp);
		}
		if (!ok) {
			free(v);
			snprintf(err, sizeof(err),
			         "points[%zu] needs \"at\" (ISO 8601) and \"price\"", i);
			ctl_err(r, 400, err);
			return;
		}
		v[i].ymd = kst_date(ms);
		int m = sim_minute_of(v[i].ymd, kst_hhmmss(ms));
		v[i].minute = m < 0 ? 0 : m;
		v[i].price = price;
	}
	if (sim_path_set(s, v, (int)n, err, sizeof(err)) != 0) {
		free(v);
		ctl_err(r, 400, err);
		return;
	}
	free(v);
	sim_match_all(st, c->now_ms);
	sim_reply_json(r, 200, json_pack("{s:s,s:i}", "code", s->code, "points", (int)n));
}

static void remove_orders_of(sim_state *st, int ai)
{
	int j = 0;
	for (int i = 0; i < st->norders; i++)
		if (st->orders[i].acct != ai)
			st->orders[j++] = st->orders[i];
	st->norders = j;
}

static int seed_order(sim_state *st, int ai, const json_t *jo, int64_t now, char *err, size_t el)
{
	json_t *date = json_object_get(jo, "date"), *code = json_object_get(jo, "code");
	json_t *side = json_object_get(jo, "side"), *tm = json_object_get(jo, "time");
	int ymd = json_is_string(date) ? ymd_parse(json_string_value(date)) : -1;
	sim_stock *s = json_is_string(code) ? sim_stock_find(st, json_string_value(code)) : NULL;
	int64_t qty, price = 0, filled = 0, fprice = 0, hms = 100000;
	if (ymd < 0 || !s || !json_is_string(side) || get_i64(jo, "qty", &qty) != 0 || qty <= 0 ||
	    qty > 1000000000) {
		snprintf(err, el, "order needs date, code, side, qty");
		return -1;
	}
	const char *sd = json_string_value(side);
	int sv = strcmp(sd, "buy") == 0 || strcmp(sd, "02") == 0    ? 2
	         : strcmp(sd, "sell") == 0 || strcmp(sd, "01") == 0 ? 1
	                                                            : 0;
	if (!sv) {
		snprintf(err, el, "side must be buy or sell");
		return -1;
	}
	get_i64(jo, "price", &price);
	get_i64(jo, "filled_qty", &filled);
	if (get_i64(jo, "fill_price", &fprice) != 0)
		fprice = price;
	if (json_is_string(tm) && (sim_parse_i64(json_string_value(tm), &hms) != 0 || hms < 0 ||
	                           hms > 235959 || hms % 100 > 59 || hms / 100 % 100 > 59)) {
		snprintf(err, el, "time must be HHMMSS");
		return -1;
	}
	if (filled < 0 || filled > qty || price < 0 || price > 100000000 || fprice > 100000000 ||
	    (filled > 0 && fprice <= 0) || ymd < SIM_HIST_FIRST || ymd > SIM_HIST_LAST) {
		snprintf(err, el, "bad filled_qty/fill_price/price");
		return -1;
	}
	sim_order *o = sim_order_new(st);
	if (!o) {
		snprintf(err, el, "out of memory");
		return -1;
	}
	o->acct = ai;
	o->ymd = ymd;
	o->hms = (int)hms;
	snprintf(o->code, sizeof(o->code), "%s", s->code);
	o->side = sv;
	json_t *dv = json_object_get(jo, "ord_dvsn");
	snprintf(o->dvsn, sizeof(o->dvsn), "%s",
	         json_is_string(dv) ? json_string_value(dv)
	         : price > 0        ? "00"
	                            : "01");
	o->kind = ORD_NEW;
	o->qty = qty;
	o->price = price;
	o->filled = filled;
	o->fill_amt = filled * fprice;
	o->seeded = 1;
	o->status = filled == qty ? ST_FILLED : ST_EXPIRED;
	if (filled < qty && ymd == kst_date(now) && price > 0) {
		/* Today's unfilled seeded limit order rests like a live one. */
		o->status = ST_OPEN;
		o->remaining = qty - filled;
		o->last_min = sim_minute_of(ymd, (int)hms);
		if (sv == 2) {
			o->reserve_ps = price;
			st->accts[ai].reserved += o->remaining * price;
		}
	}
	return 0;
}

static void h_reset(sim_state *st, sim_call *c, sim_reply *r)
{
	if (!is_post(c)) {
		ctl_err(r, 405, "POST");
		return;
	}
	if (!c->json && c->body_len) {
		ctl_err(r, 400, "body must be a JSON object");
		return;
	}
	json_t *b = c->json ? c->json : json_object();
	if (json_is_true(json_object_get(b, "all")) || !json_object_get(b, "account")) {
		for (int i = 0; i < st->naccts; i++)
			free(st->accts[i].h);
		st->naccts = 0;
		st->norders = 0;
		for (int i = 0; i < st->nstocks; i++) {
			sim_price_clear(&st->stocks[i]);
			sim_path_set(&st->stocks[i], NULL, 0, NULL, 0);
		}
		st->nfaults = 0;
		st->partial_fill_qty = 0;
		st->odno_unpadded = 0;
		if (!json_object_get(b, "account")) {
			if (!c->json)
				json_decref(b);
			sim_reply_json(r, 200, json_pack("{s:b}", "reset", 1));
			return;
		}
	}
	json_t *acc = json_object_get(b, "account");
	const char *as = json_is_string(acc) ? json_string_value(acc) : "";
	char cano[16] = "", prdt[8] = "";
	if (strlen(as) == 11 && as[8] == '-') {
		memcpy(cano, as, 8);
		cano[8] = 0;
		memcpy(prdt, as + 9, 2);
		prdt[2] = 0;
	}
	sim_account *a = sim_acct_get(st, cano, prdt);
	if (!a) {
		ctl_err(r, 400,
		        "account must be NNNNNNNN-01 (and the --account one in strict mode)");
		return;
	}
	int ai = (int)(a - st->accts);
	int64_t cash = 100000000;
	if (json_object_get(b, "cash") &&
	    (get_i64(b, "cash", &cash) != 0 || cash < 0 || cash > 1000000000000000LL)) {
		ctl_err(r, 400, "cash must be an integer 0..1e15");
		return;
	}
	a->cash = cash;
	a->reserved = 0;
	a->nh = 0;
	a->nloan = 0;
	a->thdt_buy_amt = a->thdt_sll_amt = 0;
	remove_orders_of(st, ai);
	char err[160];
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(b, "holdings"), i, v)
	{
		json_t *code = json_object_get(v, "code");
		sim_stock *s =
		    json_is_string(code) ? sim_stock_find(st, json_string_value(code)) : NULL;
		int64_t qty;
		json_t *avg = json_object_get(v, "avg_price");
		if (!s || get_i64(v, "qty", &qty) != 0 || qty <= 0 || qty > 1000000000 ||
		    !json_is_number(avg) || !(json_number_value(avg) > 0) ||
		    json_number_value(avg) > 100000000) {
			ctl_err(r, 400, "holding needs a known code, qty > 0, avg_price > 0");
			return;
		}
		const char *tt = json_string_value(json_object_get(v, "trade_type"));
		if (tt && strcmp(tt, "margin_loan") == 0) {
			/* a 자기융자 row beside the cash one, with its loan date */
			const char *ld = json_string_value(json_object_get(v, "loan_date"));
			int ymd = ld ? ymd_parse(ld) : 0;
			if (ymd <= 0 || a->nloan >= SIM_MAX_LOANS) {
				ctl_err(r, 400,
				        "a margin_loan holding needs loan_date YYYY-MM-DD "
				        "(at most 8 such rows)");
				return;
			}
			sim_holding *h = &a->loan[a->nloan++];
			memset(h, 0, sizeof(*h));
			snprintf(h->code, sizeof(h->code), "%s", s->code);
			h->qty = qty;
			h->cost = (int64_t)(json_number_value(avg) * (double)qty + 0.5);
			h->loan_ymd = ymd;
			continue;
		}
		if (tt && strcmp(tt, "cash") != 0) {
			ctl_err(r, 400, "trade_type is cash or margin_loan");
			return;
		}
		sim_holding *h = sim_hold_get(a, s->code, 1);
		if (!h)
			return;
		h->qty += qty;
		h->cost += (int64_t)(json_number_value(avg) * (double)qty + 0.5);
	}
	json_array_foreach(json_object_get(b, "orders"), i, v)
	{
		if (seed_order(st, ai, v, c->now_ms, err, sizeof(err)) != 0) {
			ctl_err(r, 400, err);
			return;
		}
	}
	sim_reply_json(r, 200,
	               json_pack("{s:s, s:I, s:i, s:i}", "account", as, "cash", (json_int_t)a->cash,
	                         "holdings", a->nh, "orders",
	                         (int)json_array_size(json_object_get(b, "orders"))));
}

static json_t *faults_json(const sim_state *st)
{
	json_t *arr = json_array();
	for (int i = 0; i < st->nfaults; i++)
		json_array_append_new(
		    arr, json_pack("{s:s, s:i, s:s, s:i}", "match", st->faults[i].match, "count",
		                   st->faults[i].count, "kind", sim_fault_name(st->faults[i].kind),
		                   "delay_ms", st->faults[i].delay_ms));
	return arr;
}

static void h_fault(sim_state *st, sim_call *c, sim_reply *r)
{
	if (is_post(c)) {
		if (!c->json) {
			ctl_err(r, 400, "body must be a JSON object");
			return;
		}
		if (json_is_true(json_object_get(c->json, "clear"))) {
			st->nfaults = 0;
		} else {
			json_t *m = json_object_get(c->json, "match"),
			       *k = json_object_get(c->json, "kind");
			int kind = json_is_string(k) ? sim_fault_parse(json_string_value(k)) : -1;
			int64_t count = 1, delay = 0;
			if (!json_is_string(m) || !*json_string_value(m) ||
			    strlen(json_string_value(m)) >= sizeof(st->faults[0].match) ||
			    kind < 0) {
				ctl_err(
				    r, 400,
				    "want match (path or tr_id) and kind "
				    "(delay|rate_limit|egw00001|expired_token|invalid_token|"
				    "non_json|drop_after_order|drop|egw00215|egw00300|egw_unknown|"
				    "zero_quote|truncated|http_500)");
				return;
			}
			if (json_object_get(c->json, "count") &&
			    (get_i64(c->json, "count", &count) != 0 || count < 1 ||
			     count > 1000000)) {
				ctl_err(r, 400, "count must be 1..1000000");
				return;
			}
			if (json_object_get(c->json, "delay_ms") &&
			    (get_i64(c->json, "delay_ms", &delay) != 0 || delay < 0 ||
			     delay > 600000)) {
				ctl_err(r, 400, "delay_ms must be 0..600000");
				return;
			}
			if (st->nfaults >= (int)(sizeof(st->faults) / sizeof(st->faults[0]))) {
				ctl_err(r, 409, "too many pending faults");
				return;
			}
			sim_fault *f = &st->faults[st->nfaults++];
			snprintf(f->match, sizeof(f->match), "%s", json_string_value(m));
			f->kind = kind;
			f->count = (int)count;
			f->delay_ms = (int)delay;
		}
	} else if (!is_get(c)) {
		ctl_err(r, 405, "GET or POST");
		return;
	}
	sim_reply_json(r, 200, json_pack("{s:o}", "faults", faults_json(st)));
}

static json_t *counters_json(const sim_state *st)
{
	return json_pack(
	    "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:O, s:o}", "token_issued",
	    (json_int_t)st->c_token_issued, "token_reused", (json_int_t)st->c_token_reused,
	    "token_denied", (json_int_t)st->c_token_denied, "requests", (json_int_t)st->c_requests,
	    "orders_received", (json_int_t)st->c_orders_received, "orders_accepted",
	    (json_int_t)st->c_orders_accepted, "orders_rejected", (json_int_t)st->c_orders_rejected,
	    "rate_limited", (json_int_t)st->c_rate_limited, "faults_fired",
	    (json_int_t)st->c_faults_fired, "calls", st->c_tr, "ws", sim_ws_counters(st));
}

static void h_counters(sim_state *st, sim_call *c, sim_reply *r, int reset)
{
	if (reset) {
		if (!is_post(c)) {
			ctl_err(r, 405, "POST");
			return;
		}
		st->c_token_issued = st->c_token_reused = st->c_token_denied = 0;
		st->c_requests = st->c_orders_received = st->c_orders_accepted = 0;
		st->c_orders_rejected = st->c_rate_limited = st->c_faults_fired = 0;
		st->c_ws_sessions = st->c_ws_refused = st->c_ws_client_pings = 0;
		st->c_ws_pingpong_echoes = st->c_ws_notice_frames = 0;
		json_object_clear(st->c_tr);
	}
	sim_reply_json(r, 200, counters_json(st));
}

static void h_orders(sim_state *st, sim_call *c, sim_reply *r)
{
	const char *acc = sim_arg(c, "account");
	json_t *arr = json_array();
	for (int i = 0; i < st->norders; i++) {
		const sim_order *o = &st->orders[i];
		if (acc && *acc) {
			char a[16];
			snprintf(a, sizeof(a), "%s-%s", st->accts[o->acct].cano,
			         st->accts[o->acct].prdt);
			if (strcmp(a, acc) != 0)
				continue;
		}
		json_array_append_new(arr, sim_order_json(st, o));
	}
	sim_reply_json(r, 200, json_pack("{s:o}", "orders", arr));
}

static void h_session(sim_state *st, sim_call *c, sim_reply *r)
{
	if (is_post(c)) {
		if (!c->json) {
			ctl_err(r, 400, "body must be a JSON object");
			return;
		}
		int64_t v;
		if (json_object_get(c->json, "partial_fill_qty")) {
			if (get_i64(c->json, "partial_fill_qty", &v) != 0 || v < 0) {
				ctl_err(r, 400, "partial_fill_qty must be >= 0");
				return;
			}
			st->partial_fill_qty = v;
		}
		if (json_object_get(c->json, "rate")) {
			if (get_i64(c->json, "rate", &v) != 0 || v < 0 || v > 100000) {
				ctl_err(r, 400, "rate must be 0..100000");
				return;
			}
			st->rate = (int)v;
		}
		if (json_object_get(c->json, "ws_tick_ms")) {
			if (get_i64(c->json, "ws_tick_ms", &v) != 0 || v < 10 || v > 600000) {
				ctl_err(r, 400, "ws_tick_ms must be 10..600000");
				return;
			}
			st->ws_tick_ms = (int)v;
		}
		if (json_object_get(c->json, "ws_ping_ms")) {
			if (get_i64(c->json, "ws_ping_ms", &v) != 0 || v < 10 || v > 600000) {
				ctl_err(r, 400, "ws_ping_ms must be 10..600000");
				return;
			}
			st->ws_ping_ms = (int)v;
		}
		if (json_object_get(c->json, "odno_unpadded")) {
			json_t *b = json_object_get(c->json, "odno_unpadded");
			if (!json_is_boolean(b)) {
				ctl_err(r, 400, "odno_unpadded must be true or false");
				return;
			}
			st->odno_unpadded = json_is_true(b);
		}
		if (json_object_get(c->json, "token_min_interval_s")) {
			if (get_i64(c->json, "token_min_interval_s", &v) != 0 || v < 0 ||
			    v > 86400) {
				ctl_err(r, 400, "token_min_interval_s must be 0..86400");
				return;
			}
			st->cfg.token_min_interval_s = (int)v;
		}
	} else if (!is_get(c)) {
		ctl_err(r, 405, "GET or POST");
		return;
	}
	sim_reply_json(r, 200,
	               json_pack("{s:I, s:i, s:i, s:i, s:i, s:b}", "partial_fill_qty",
	                         (json_int_t)st->partial_fill_qty, "rate", st->rate,
	                         "token_min_interval_s", st->cfg.token_min_interval_s, "ws_tick_ms",
	                         st->ws_tick_ms, "ws_ping_ms", st->ws_ping_ms, "odno_unpadded",
	                         st->odno_unpadded));
}

static void h_state(sim_state *st, sim_call *c, sim_reply *r)
{
	json_t *accts = json_array();
	for (int i = 0; i < st->naccts; i++) {
		const sim_account *a = &st->accts[i];
		json_t *h = json_array();
		for (int k = 0; k < a->nh; k++)
			json_array_append_new(h, json_pack("{s:s, s:I, s:I}", "code", a->h[k].code,
			                                   "qty", (json_int_t)a->h[k].qty, "cost",
			                                   (json_int_t)a->h[k].cost));
		char id[16];
		snprintf(id, sizeof(id), "%s-%s", a->cano, a->prdt);
		json_array_append_new(accts, json_pack("{s:s, s:I, s:I, s:o}", "account", id,
		                                       "cash", (json_int_t)a->cash, "reserved",
		                                       (json_int_t)a->reserved, "holdings", h));
	}
	sim_reply_json(r, 200,
	               json_pack("{s:s, s:I, s:o, s:i, s:I, s:i, s:o, s:o, s:i, s:i}", "env",
	                         st->cfg.env == SIM_REAL ? "real" : "virtual", "seed",
	                         (json_int_t)st->cfg.seed, "clock", clock_json(st), "rate",
	                         st->rate, "partial_fill_qty", (json_int_t)st->partial_fill_qty,
	                         "stocks", st->nstocks, "accounts", accts, "faults",
	                         faults_json(st), "orders", st->norders, "tokens", st->ntokens));
}

static void h_stocks(sim_state *st, sim_call *c, sim_reply *r)
{
	json_t *arr = json_array();
	for (int i = 0; i < st->nstocks; i++)
		json_array_append_new(arr, quote_json(&st->stocks[i], c->now_ms));
	sim_reply_json(r, 200, json_pack("{s:o}", "stocks", arr));
}

static void h_token_expire(sim_state *st, sim_call *c, sim_reply *r)
{
	if (!is_post(c)) {
		ctl_err(r, 405, "POST");
		return;
	}
	int n = 0;
	for (int i = 0; i < st->ntokens; i++)
		if (st->tokens[i].exp_ms > c->now_ms) {
			st->tokens[i].exp_ms = c->now_ms;
			n++;
		}
	/* A re-request must then mint a new token rather than hand back the dead one. */
	for (int i = 0; i < st->nkeys; i++)
		st->keys[i].last_token = -1;
	sim_reply_json(r, 200, json_pack("{s:i}", "expired", n));
}

/* GET/POST /__sim/odno {"next":N}: the next order number handed out. A
 * test sets it back to play an upstream that repeats a number. */
static void h_odno(sim_state *st, sim_call *c, sim_reply *r)
{
	if (is_post(c)) {
		json_t *n = json_object_get(c->json, "next");
		if (!json_is_integer(n) || json_integer_value(n) <= 0 ||
		    json_integer_value(n) > INT64_C(9999999999)) {
			ctl_err(r, 400, "next must be an order number from 1 to 9999999999");
			return;
		}
		st->next_odno = json_integer_value(n);
	}
	sim_reply_json(r, 200, json_pack("{s:I}", "next", (json_int_t)st->next_odno));
}

void sim_control(sim_state *st, sim_call *c, sim_reply *r)
{
	const char *p = c->url + 6; /* after "/__sim" */
	if (strcmp(p, "/state") == 0)
		h_state(st, c, r);
	else if (strcmp(p, "/clock") == 0)
		h_clock(st, c, r);
	else if (strcmp(p, "/price") == 0)
		h_price(st, c, r);
	else if (strcmp(p, "/path") == 0)
		h_path(st, c, r);
	else if (strcmp(p, "/stocks") == 0)
		h_stocks(st, c, r);
	else if (strcmp(p, "/reset") == 0)
		h_reset(st, c, r);
	else if (strcmp(p, "/fault") == 0)
		h_fault(st, c, r);
	else if (strcmp(p, "/token/expire") == 0)
		h_token_expire(st, c, r);
	else if (strcmp(p, "/counters") == 0)
		h_counters(st, c, r, 0);
	else if (strcmp(p, "/counters/reset") == 0)
		h_counters(st, c, r, 1);
	else if (strcmp(p, "/orders") == 0)
		h_orders(st, c, r);
	else if (strcmp(p, "/session") == 0)
		h_session(st, c, r);
	else if (strcmp(p, "/ws") == 0)
		sim_ws_control(st, c, r);
	else if (strcmp(p, "/odno") == 0)
		h_odno(st, c, r);
	else
		ctl_err(r, 404, "unknown /__sim/ endpoint");
}
