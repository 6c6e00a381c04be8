/* trader_rules.c — the one table of KIS order types: (type, time_in_force)
 * -> ORD_DVSN, and where each is allowed (venues, virtual accounts, the
 * session window it trades in). Plus the local pre-checks every order passes
 * before any KIS call: combination, venue, account kind, price fields, tick
 * grid, daily limits (and the after-hours ±10 % band), session. Pure code: no
 * I/O, the caller passes the clock, calendar and quote. Facts: KIS_API.md
 * §6.7 (codes and venues), §10 (sessions, ticks, limits, 모의투자). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "krx.h"
#include "trader.h"

#define V_KRX (1u << STORE_VENUE_KRX)
#define V_NXT (1u << STORE_VENUE_NXT)
#define V_SOR (1u << STORE_VENUE_SOR)
#define V_ALL (V_KRX | V_NXT | V_SOR)

/* KRX accepts every code; NXT 00/03/04/11-16/21-24; SOR 00/01/03/04/11-16.
 * Virtual accounts: 00-04 only (python-kis; KIS marks 05-07 and IOC/FOK
 * "모의투자 미지원"). 05/06 trade at a closing price and 01/03/04/13-16/21/23/24
 * at a price KRX finds: ORD_UNPR "0" for them. */
static const trader_dvsn_rule rules[] = {
    {STORE_LIMIT, STORE_TIF_DAY, "00", V_ALL, 1, 1, 0, TRADER_SESS_REGULAR},
    {STORE_MARKET, STORE_TIF_DAY, "01", V_KRX | V_SOR, 1, 0, 0, TRADER_SESS_REGULAR},
    {STORE_CONDITIONAL_LIMIT, STORE_TIF_DAY, "02", V_KRX, 1, 1, 0, TRADER_SESS_REGULAR},
    {STORE_BEST, STORE_TIF_DAY, "03", V_ALL, 1, 0, 0, TRADER_SESS_REGULAR},
    {STORE_PRIORITY, STORE_TIF_DAY, "04", V_ALL, 1, 0, 0, TRADER_SESS_REGULAR},
    {STORE_PRE_MARKET_CLOSE, STORE_TIF_DAY, "05", V_KRX, 0, 0, 0, TRADER_SESS_PRE_CLOSE},
    {STORE_AFTER_MARKET_CLOSE, STORE_TIF_DAY, "06", V_KRX, 0, 0, 0, TRADER_SESS_AFTER_CLOSE},
    {STORE_AFTER_HOURS_SINGLE, STORE_TIF_DAY, "07", V_KRX, 0, 1, 0, TRADER_SESS_AFTER_SINGLE},
    {STORE_LIMIT, STORE_TIF_IOC, "11", V_ALL, 0, 1, 0, TRADER_SESS_REGULAR},
    {STORE_LIMIT, STORE_TIF_FOK, "12", V_ALL, 0, 1, 0, TRADER_SESS_REGULAR},
    {STORE_MARKET, STORE_TIF_IOC, "13", V_ALL, 0, 0, 0, TRADER_SESS_REGULAR},
    {STORE_MARKET, STORE_TIF_FOK, "14", V_ALL, 0, 0, 0, TRADER_SESS_REGULAR},
    {STORE_BEST, STORE_TIF_IOC, "15", V_ALL, 0, 0, 0, TRADER_SESS_REGULAR},
    {STORE_BEST, STORE_TIF_FOK, "16", V_ALL, 0, 0, 0, TRADER_SESS_REGULAR},
    {STORE_MID, STORE_TIF_DAY, "21", V_KRX | V_NXT, 0, 0, 0, TRADER_SESS_REGULAR},
    {STORE_STOP_LIMIT, STORE_TIF_DAY, "22", V_KRX | V_NXT, 0, 1, 1, TRADER_SESS_REGULAR},
    {STORE_MID, STORE_TIF_IOC, "23", V_KRX | V_NXT, 0, 0, 0, TRADER_SESS_REGULAR},
    {STORE_MID, STORE_TIF_FOK, "24", V_KRX | V_NXT, 0, 0, 0, TRADER_SESS_REGULAR},
};

const trader_dvsn_rule *trader_dvsn_table(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

const trader_dvsn_rule *trader_dvsn_find(store_type type, store_tif tif)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].type == type && rules[i].tif == tif)
			return &rules[i];
	return NULL;
}

const trader_dvsn_rule *trader_dvsn_by_code(const char *ord_dvsn)
{
	for (size_t i = 0; ord_dvsn && i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(rules[i].ord_dvsn, ord_dvsn))
			return &rules[i];
	return NULL;
}

/* The windows a rule may be entered in at venue v; n of them in w. NXT's
 * pre- and after-market take plain day limit orders only [chosen: KIS does
 * not list the types per NXT session]; SOR routes in KRX's regular hours. */
static int rule_windows(const trader_dvsn_rule *r, store_venue v, krx_window *w)
{
	switch (r->session) {
	case TRADER_SESS_PRE_CLOSE:
		w[0] = KRX_W_PRE_CLOSE;
		return 1;
	case TRADER_SESS_AFTER_CLOSE:
		w[0] = KRX_W_AFTER_CLOSE;
		return 1;
	case TRADER_SESS_AFTER_SINGLE:
		w[0] = KRX_W_AFTER_SINGLE;
		return 1;
	default:
		break;
	}
	if (v != STORE_VENUE_NXT) {
		w[0] = KRX_W_REGULAR;
		return 1;
	}
	w[0] = NXT_W_MAIN;
	if (r->type == STORE_LIMIT && r->tif == STORE_TIF_DAY) {
		w[1] = NXT_W_PRE;
		w[2] = NXT_W_AFTER;
		return 3;
	}
	return 1;
}

static void list_names(char *buf, size_t len, unsigned mask, const char *(*name)(int), int max)
{
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < max; i++) {
		if (!(mask & (1u << i)))
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name(i));
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

static const char *tif_name_i(int i)
{
	return store_tif_name((store_tif)i);
}
static const char *venue_name_i(int i)
{
	return store_venue_name((store_venue)i);
}

__attribute__((format(printf, 3, 4))) static int fail(trader_rule_result *res, const char *field,
                                                      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	res->field = field;
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	return -1;
}

static void hhmm(int hhmmss, char *buf, size_t len)
{
	unsigned h = (unsigned)(hhmmss / 10000) % 100u, m = (unsigned)(hhmmss / 100) % 100u;
	snprintf(buf, len, "%02u:%02u", h, m);
}

/* Price p against the tick grid and [lo, hi] (0 = unknown bound). */
static int price_check(int64_t p, int64_t lo, int64_t hi, const char *field, const char *what,
                       trader_rule_result *res)
{
	char a[96], b[96];
	if (!krx_on_tick(p)) {
		snprintf(a, sizeof(a), "%s %lld", what, (long long)p);
		snprintf(b, sizeof(b), "%lld", (long long)krx_tick(p));
		return fail(res, field,
		            "%s is not on the KRX tick grid (tick %s KRW at this price)", a, b);
	}
	if ((hi > 0 && p > hi) || (lo > 0 && p < lo)) {
		snprintf(a, sizeof(a), "%s %lld", what, (long long)p);
		snprintf(b, sizeof(b), "%lld..%lld", (long long)lo, (long long)hi);
		return fail(res, field, "%s is outside today's allowed range %s KRW", a, b);
	}
	return 0;
}

int trader_rules_check(const trader_rule_input *in, const trader_rule_ctx *ctx,
                       trader_rule_result *res)
{
	char a[160], b[96];
	memset(res, 0, sizeof(*res));
	if ((unsigned)in->type >= STORE_TYPE__MAX)
		return fail(res, "type", "unknown order type");
	if ((unsigned)in->tif >= STORE_TIF__MAX)
		return fail(res, "time_in_force", "time_in_force must be day, ioc or fok");
	if ((unsigned)in->venue >= STORE_VENUE__MAX)
		return fail(res, "venue", "venue must be KRX, NXT or SOR");
	const trader_dvsn_rule *r = trader_dvsn_find(in->type, in->tif);
	if (!r) {
		unsigned m = 0;
		for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
			if (rules[i].type == in->type)
				m |= 1u << rules[i].tif;
		list_names(b, sizeof(b), m, tif_name_i, STORE_TIF__MAX);
		return fail(res, "time_in_force", "type %s takes time_in_force %s",
		            store_type_name(in->type), b);
	}
	res->rule = r;
	if (!ctx->real && in->venue != STORE_VENUE_KRX)
		return fail(res, "venue",
		            "virtual (모의투자) accounts trade on KRX only; venue %s is for real "
		            "accounts",
		            store_venue_name(in->venue));
	if (!(r->venues & (1u << in->venue))) {
		snprintf(a, sizeof(a), "%s%s%s", store_type_name(in->type),
		         in->tif != STORE_TIF_DAY ? "/" : "",
		         in->tif != STORE_TIF_DAY ? store_tif_name(in->tif) : "");
		list_names(b, sizeof(b), r->venues, venue_name_i, STORE_VENUE__MAX);
		return fail(res, "venue", "%s orders go to venue %s", a, b);
	}
	if (!ctx->real && !r->virtual_ok) {
		if (in->tif != STORE_TIF_DAY)
			return fail(
			    res, "time_in_force",
			    "virtual (모의투자) accounts take no %s orders; time_in_force must "
			    "be day",
			    store_tif_name(in->tif));
		return fail(
		    res, "type",
		    "virtual (모의투자) accounts take no %s orders (allowed: limit, market, "
		    "conditional_limit, best, priority)",
		    store_type_name(in->type));
	}
	if (r->price && in->price <= 0)
		return fail(res, "price", "a %s order needs a positive price",
		            store_type_name(in->type));
	if (!r->price && in->price != 0)
		return fail(res, "price", "a %s order takes no price", store_type_name(in->type));
	if (r->stop && in->stop_price <= 0)
		return fail(res, "stop_price", "a stop_limit order needs a positive stop_price");
	if (!r->stop && in->stop_price != 0)
		return fail(res, "stop_price", "only stop_limit orders take a stop_price");
	int64_t lo = ctx->lower_limit, hi = ctx->upper_limit;
	if (r->session == TRADER_SESS_AFTER_SINGLE && ctx->close > 0) {
		/* 시간외 단일가: within ±10 % of today's close, inside the daily limits. */
		int64_t blo = krx_tick_ceil(ctx->close - ctx->close / 10);
		int64_t bhi = krx_tick_floor(ctx->close + ctx->close / 10);
		if (lo <= 0 || blo > lo)
			lo = blo;
		if (hi <= 0 || bhi < hi)
			hi = bhi;
	}
	if (r->price && price_check(in->price, lo, hi, "price", "price", res))
		return -1;
	if (r->stop && price_check(in->stop_price, ctx->lower_limit, ctx->upper_limit, "stop_price",
	                           "stop_price", res))
		return -1;
	if (!ctx->check_session)
		return 0;
	if (!ctx->trading_day) {
		snprintf(a, sizeof(a), "%04d-%02d-%02d", ctx->ymd / 10000, ctx->ymd / 100 % 100,
		         ctx->ymd % 100);
		return fail(res, "type", "%s is not a KRX trading day (weekend or holiday)", a);
	}
	krx_window w[3];
	int nw = rule_windows(r, in->venue, w);
	for (int i = 0; i < nw; i++) {
		int s, e;
		krx_window_bounds(w[i], ctx->ymd, &s, &e);
		if (ctx->hhmmss >= s && ctx->hhmmss < e)
			return 0;
	}
	size_t used = 0;
	b[0] = 0;
	for (int i = 0; i < nw; i++) {
		int s, e;
		char hs[8], he[8];
		krx_window_bounds(w[i], ctx->ymd, &s, &e);
		hhmm(s, hs, sizeof(hs));
		hhmm(e, he, sizeof(he));
		int n = snprintf(b + used, sizeof(b) - used, "%s%s-%s", used ? ", " : "", hs, he);
		if (n < 0 || (size_t)n >= sizeof(b) - used)
			break;
		used += (size_t)n;
	}
	snprintf(a, sizeof(a), "%s orders on %s", store_type_name(in->type),
	         store_venue_name(in->venue));
	return fail(res, "type", "%s are taken %s KST only (outside their session now)", a, b);
}
