/* trader_guard.c — the pre-trade guard every order goes through, whatever
 * its source (API, auto-trade, KIS passthrough): the trading halt
 * (persisted), the per-order caps, the daily notional cap per side and the
 * per-code position cap; the rule context of "now"; and the order preview,
 * which runs every check and sends nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "krx.h"
#include "trader_internal.h"

#define HALT_KEY "trading_halt" /* meta: "<since_ms> <reason>" */

static int quote_kis(void *ctx, const char *code, kis_quote *q, kis_error *err)
{
	return kis_price_get(ctx, code, q, err);
}

void trader_set_quote_source(trader *t, trader_quote_fn fn, void *ctx)
{
	t->quote_fn = fn;
	t->quote_ctx = ctx;
}

int trader_quote(trader *t, const char *code, kis_quote *q, kis_error *err)
{
	memset(q, 0, sizeof(*q));
	memset(err, 0, sizeof(*err));
	if (t->quote_fn)
		return t->quote_fn(t->quote_ctx, code, q, err);
	return quote_kis(t->kis, code, q, err);
}

void trader_rule_ctx_now(trader *t, const kis_quote *q, trader_rule_ctx *ctx)
{
	int64_t now = trader_now(t);
	memset(ctx, 0, sizeof(*ctx));
	ctx->real = t->cfg.real;
	ctx->check_session = t->cfg.session_check;
	ctx->ymd = kst_date(now);
	ctx->hhmmss = kst_hhmmss(now);
	int td = store_is_trading_day(t->db, ctx->ymd);
	ctx->trading_day = td < 0 ? krx_is_trading_day(ctx->ymd) : td;
	if (q && q->upper_limit > 0) {
		ctx->upper_limit = q->upper_limit;
		ctx->lower_limit = q->lower_limit;
		ctx->close = q->price;
	}
}

/* ---- the halt ---- */

int trader_halt_load(trader *t)
{
	char v[256];
	int r = store_meta_get(t->db, HALT_KEY, v, sizeof(v));
	if (r < 0)
		return -1;
	pthread_mutex_lock(&t->halt_mu);
	memset(&t->halt, 0, sizeof(t->halt));
	if (r == 0 && v[0]) {
		char *sp = strchr(v, ' ');
		t->halt.halted = 1;
		t->halt.since_ms = strtoll(v, NULL, 10);
		snprintf(t->halt.reason, sizeof(t->halt.reason), "%s", sp ? sp + 1 : "");
	}
	pthread_mutex_unlock(&t->halt_mu);
	if (r == 0 && v[0])
		klogf(KLOG_WARN, "trader", "trading is halted (since the last run): %s",
		      t->halt.reason);
	return 0;
}

int trader_halt(trader *t, const char *reason)
{
	pthread_mutex_lock(&t->halt_mu);
	int64_t since = t->halt.halted ? t->halt.since_ms : trader_now(t);
	char v[256];
	snprintf(v, sizeof(v), "%lld %.200s", (long long)since, reason ? reason : "");
	int rc = store_meta_set(t->db, HALT_KEY, v);
	if (rc == 0) {
		t->halt.halted = 1;
		t->halt.since_ms = since;
		snprintf(t->halt.reason, sizeof(t->halt.reason), "%s", reason ? reason : "");
	}
	pthread_mutex_unlock(&t->halt_mu);
	if (rc == 0)
		klogf(KLOG_WARN, "trader", "trading halted: %s", reason ? reason : "");
	return rc ? -1 : 0;
}

int trader_resume(trader *t)
{
	pthread_mutex_lock(&t->halt_mu);
	int rc = store_meta_set(t->db, HALT_KEY, "");
	if (rc == 0)
		memset(&t->halt, 0, sizeof(t->halt));
	pthread_mutex_unlock(&t->halt_mu);
	if (rc == 0)
		klogf(KLOG_INFO, "trader", "trading resumed");
	return rc ? -1 : 0;
}

void trader_halt_get(trader *t, trader_halt_state *out)
{
	pthread_mutex_lock(&t->halt_mu);
	*out = t->halt;
	pthread_mutex_unlock(&t->halt_mu);
}

/* ---- the guard ---- */

static trader_result refuse(trader_outcome *out, trader_result r, const char *field)
{
	out->result = r;
	out->field = field;
	return r;
}

trader_result trader_guard_check(trader *t, const trader_guard_req *g, trader_outcome *out)
{
	trader_halt_state h;
	trader_halt_get(t, &h);
	if (h.halted) {
		snprintf(out->message, sizeof(out->message), "trading is halted: %.170s", h.reason);
		return refuse(out, TRADER_HALTED, NULL);
	}
	if (g->amendment)
		return out->result = TRADER_OK;
	if (g->qty > t->cfg.max_order_qty) {
		snprintf(out->message, sizeof(out->message),
		         "qty %lld is over the cap of %lld shares per order", (long long)g->qty,
		         (long long)t->cfg.max_order_qty);
		return refuse(out, TRADER_OVER_LIMIT, "qty");
	}
	if (g->notional > t->cfg.max_order_amount) {
		snprintf(out->message, sizeof(out->message),
		         "the order's %lld KRW are over the cap of %lld KRW per order",
		         (long long)g->notional, (long long)t->cfg.max_order_amount);
		return refuse(out, TRADER_OVER_LIMIT, "qty");
	}
	int64_t cap =
	    g->side == STORE_SELL ? t->cfg.max_daily_sell_amount : t->cfg.max_daily_buy_amount;
	if (cap > 0) {
		int64_t sum;
		if (store_day_notional(t->db, trader_today(t), g->side, &sum)) {
			snprintf(out->message, sizeof(out->message),
			         "cannot read the order journal");
			return refuse(out, TRADER_INTERNAL, NULL);
		}
		if (sum > cap - g->notional) {
			snprintf(out->message, sizeof(out->message),
			         "today's %s orders would reach %lld KRW, over the daily cap of "
			         "%lld KRW "
			         "(%lld KRW placed so far)",
			         store_side_name(g->side), (long long)(sum + g->notional),
			         (long long)cap, (long long)sum);
			return refuse(out, TRADER_OVER_LIMIT, "qty");
		}
	}
	if (g->side == STORE_BUY && t->cfg.max_position_qty > 0 && g->code) {
		int64_t held, open;
		if (store_code_exposure(t->db, g->code, &held, &open)) {
			snprintf(out->message, sizeof(out->message), "cannot read the ledger");
			return refuse(out, TRADER_INTERNAL, NULL);
		}
		if (held + open + g->qty > t->cfg.max_position_qty) {
			snprintf(
			    out->message, sizeof(out->message),
			    "%s: %lld held + %lld on open buys + %lld would be over the position "
			    "cap of %lld shares",
			    g->code, (long long)held, (long long)open, (long long)g->qty,
			    (long long)t->cfg.max_position_qty);
			return refuse(out, TRADER_OVER_LIMIT, "qty");
		}
	}
	return out->result = TRADER_OK;
}

/* ---- the preview ---- */

static void check_add(trader_preview *p, const char *name, int ok, const char *field,
                      const char *message)
{
	if (p->nchecks >= TRADER_PREVIEW_CHECKS)
		return;
	trader_check *c = &p->checks[p->nchecks++];
	c->name = name;
	c->ok = ok;
	c->field = field;
	/* KIS's msg1 may be longer: cut, on purpose */
	snprintf(c->message, sizeof(c->message), "%.*s", (int)sizeof(c->message) - 1,
	         message ? message : "");
}

/* amount x ppm / 1e6, rounded down (KRW). */
static int64_t ppm_of(int64_t amount, int64_t ppm)
{
	return (int64_t)((__int128)amount * ppm / 1000000);
}

void trader_order_preview(trader *t, const trader_order_req *req, trader_preview *p)
{
	memset(p, 0, sizeof(*p));
	int ok = 1;
	trader_outcome out;
	memset(&out, 0, sizeof(out));
	int fields_ok = trader_order_check(t, req, &out) == 0;
	check_add(p, "fields", fields_ok, fields_ok ? NULL : out.field,
	          fields_ok ? NULL : out.message);
	ok &= fields_ok;
	kis_quote q;
	kis_error qe;
	memset(&qe, 0, sizeof(qe));
	int have_q =
	    fields_ok && trader_quote(t, req->code, &q, &qe) == KIS_OK && q.upper_limit > 0;
	check_add(p, "quote", have_q, have_q ? NULL : "code",
	          have_q       ? NULL
	          : qe.msg1[0] ? qe.msg1
	                       : "no quote for this code");
	trader_rule_ctx ctx;
	trader_rule_ctx_now(t, have_q ? &q : NULL, &ctx);
	trader_rule_input in = {req->type, req->tif, req->venue, req->price, req->stop_price};
	trader_rule_result rr;
	int rules_ok = trader_rules_check(&in, &ctx, &rr) == 0;
	check_add(p, "order_type", rules_ok, rules_ok ? NULL : rr.field,
	          rules_ok ? NULL : rr.message);
	ok &= rules_ok && have_q;
	int priced = rr.rule ? rr.rule->price : req->type == STORE_LIMIT;
	int64_t px = priced ? req->price : have_q ? q.price : 0, amount = 0;
	if (px > 0 && __builtin_mul_overflow(req->qty, px, &amount))
		amount = INT64_MAX;
	memset(&out, 0, sizeof(out));
	trader_guard_req g = {req->code, req->side, req->qty, amount, 0};
	int guard_ok = trader_guard_check(t, &g, &out) == TRADER_OK;
	check_add(p, "guard", guard_ok, guard_ok ? NULL : out.field, guard_ok ? NULL : out.message);
	ok &= guard_ok;
	/* KIS's orderable quantity (buys: inquire-psbl-order at this price;
	 * market-like types at the upper limit, as KIS reserves). */
	if (fields_ok && req->side == STORE_BUY) {
		kis_buying_power bp;
		kis_error be;
		if (kis_buying_power_get(t->kis, req->code, priced ? req->price : 0, &bp, &be) ==
		    KIS_OK) {
			p->have_orderable = 1;
			p->orderable_qty = bp.max_buy_qty;
			int enough = bp.max_buy_qty >= req->qty;
			check_add(p, "buying_power", enough, enough ? NULL : "qty",
			          enough ? NULL : "KIS says fewer shares are orderable");
			ok &= enough;
		} else {
			check_add(p, "buying_power", 0, NULL,
			          be.msg1[0] ? be.msg1 : "KIS did not answer");
			ok = 0;
		}
	} else if (fields_ok) {
		int64_t held = 0, open = 0;
		if (store_code_exposure(t->db, req->code, &held, &open) == 0) {
			p->have_orderable = 1;
			p->orderable_qty = held; /* the ledger's position (sells) */
		}
	}
	p->ok = ok;
	p->amount = amount;
	p->fees_estimate = ppm_of(amount, t->cfg.fee_rate_ppm);
	p->tax_estimate = req->side == STORE_SELL ? ppm_of(amount, t->cfg.tax_rate_ppm) : 0;
}
