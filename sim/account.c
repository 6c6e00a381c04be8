/* account.c — accounts, holdings and the order book of one simulated broker.
 *
 * Arithmetic model (documented in README): no fees or taxes, no settlement
 * lag (D+0 cash == D+2 cash), buys reserve cash per share (the limit price,
 * or the upper limit for market orders) and release the unused part on
 * fill, cancel or expiry. Matching is lazy: every request first brings all
 * open orders up to the current sim minute, so no background thread is
 * needed and results only depend on the clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krx.h"
#include "sim.h"

/* KIS never repeats an order number within a day; neither may a restarted
 * simulator. The first one is the real KST time of day in milliseconds times
 * 10 (below 10^9: ten digits with the leading zero KIS's numbers have):
 * every start on the same day begins above the numbers of the starts
 * before, unless one run handed out more than 10 a millisecond. (In seconds,
 * two starts within one second began at the same number.) */
int64_t sim_first_odno(int64_t real_now_ms)
{
	int64_t ms = (real_now_ms + 9 * 3600 * 1000LL) % (86400 * 1000LL);
	return ms * 10 + 1;
}

static int all_digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

sim_account *sim_acct_get(sim_state *st, const char *cano, const char *prdt)
{
	if (!cano || !prdt || !all_digits(cano, 8) || strcmp(prdt, "01") != 0)
		return NULL;
	for (int i = 0; i < st->naccts; i++)
		if (strcmp(st->accts[i].cano, cano) == 0 && strcmp(st->accts[i].prdt, prdt) == 0)
			return &st->accts[i];
	if (st->cfg.account) {
		char want[16];
		snprintf(want, sizeof(want), "%s-%s", cano, prdt);
		if (strcmp(want, st->cfg.account) != 0)
			return NULL;
	}
	if (st->naccts == st->capaccts) {
		int cap = st->capaccts ? st->capaccts * 2 : 8;
		sim_account *a = realloc(st->accts, sizeof(*a) * (size_t)cap);
		if (!a)
			return NULL;
		st->accts = a;
		st->capaccts = cap;
	}
	sim_account *a = &st->accts[st->naccts++];
	memset(a, 0, sizeof(*a));
	snprintf(a->cano, sizeof(a->cano), "%s", cano);
	snprintf(a->prdt, sizeof(a->prdt), "%s", prdt);
	a->cash = 100000000;
	return a;
}

void sim_acct_reset_day(sim_account *a, int ymd)
{
	if (a->amt_ymd != ymd) {
		a->amt_ymd = ymd;
		a->thdt_buy_amt = a->thdt_sll_amt = 0;
	}
	for (int i = 0; i < a->nh; i++)
		if (a->h[i].day_ymd != ymd) {
			a->h[i].day_ymd = ymd;
			a->h[i].thdt_buy = a->h[i].thdt_sll = 0;
		}
}

sim_holding *sim_hold_get(sim_account *a, const char *code, int create)
{
	for (int i = 0; i < a->nh; i++)
		if (strcmp(a->h[i].code, code) == 0)
			return &a->h[i];
	if (!create)
		return NULL;
	if (a->nh == a->caph) {
		int cap = a->caph ? a->caph * 2 : 8;
		sim_holding *h = realloc(a->h, sizeof(*h) * (size_t)cap);
		if (!h)
			return NULL;
		a->h = h;
		a->caph = cap;
	}
	/* Keep holdings sorted by code: balance pages are then stable. */
	int pos = a->nh;
	while (pos > 0 && strcmp(a->h[pos - 1].code, code) > 0)
		pos--;
	memmove(&a->h[pos + 1], &a->h[pos], sizeof(sim_holding) * (size_t)(a->nh - pos));
	a->nh++;
	sim_holding *h = &a->h[pos];
	memset(h, 0, sizeof(*h));
	snprintf(h->code, sizeof(h->code), "%s", code);
	return h;
}

int64_t sim_sellable(sim_state *st, int acct, const char *code)
{
	sim_holding *h = sim_hold_get(&st->accts[acct], code, 0);
	int64_t q = h ? h->qty : 0;
	for (int i = 0; i < st->norders; i++) {
		const sim_order *o = &st->orders[i];
		if (o->acct == acct && o->status == ST_OPEN && o->side == 1 &&
		    strcmp(o->code, code) == 0)
			q -= o->remaining;
	}
	return q < 0 ? 0 : q;
}

sim_order *sim_order_new(sim_state *st)
{
	if (st->norders == st->caporders) {
		int cap = st->caporders ? st->caporders * 2 : 64;
		sim_order *o = realloc(st->orders, sizeof(*o) * (size_t)cap);
		if (!o)
			return NULL;
		st->orders = o;
		st->caporders = cap;
	}
	sim_order *o = &st->orders[st->norders++];
	memset(o, 0, sizeof(*o));
	o->odno = st->next_odno++;
	o->last_min = -1;
	o->last_fill_min = -1;
	return o;
}

sim_order *sim_order_find(sim_state *st, int acct, int64_t odno)
{
	for (int i = 0; i < st->norders; i++)
		if (st->orders[i].acct == acct && st->orders[i].odno == odno)
			return &st->orders[i];
	return NULL;
}

void sim_order_release(sim_state *st, sim_order *o, int64_t qty)
{
	sim_account *a = &st->accts[o->acct];
	if (o->side == 2) {
		a->reserved -= qty * o->reserve_ps;
		if (a->reserved < 0)
			a->reserved = 0;
	}
	o->remaining -= qty;
}

void sim_order_fill(sim_state *st, sim_order *o, int64_t qty, int64_t price, int minute)
{
	sim_account *a = &st->accts[o->acct];
	sim_holding *h = sim_hold_get(a, o->code, 1);
	if (!h)
		return;
	sim_acct_reset_day(a, o->ymd);
	int64_t amt = qty * price;
	if (o->side == 2) {
		a->reserved -= qty * o->reserve_ps;
		if (a->reserved < 0)
			a->reserved = 0;
		a->cash -= amt;
		h->qty += qty;
		h->cost += amt;
		h->thdt_buy += qty;
		a->thdt_buy_amt += amt;
	} else {
		/* Average cost is unchanged by a sale: remove the sold share of it. */
		int64_t part = h->qty > 0 ? h->cost * qty / h->qty : 0;
		if (qty >= h->qty)
			part = h->cost;
		h->cost -= part;
		h->qty -= qty;
		a->cash += amt;
		h->thdt_sll += qty;
		a->thdt_sll_amt += amt;
	}
	o->filled += qty;
	o->fill_amt += amt;
	o->remaining -= qty;
	o->last_fill_min = minute;
	if (o->appkey[0]) {
		int open = krx_open_hhmmss(o->ymd);
		int t = (open / 10000) * 60 + open / 100 % 100 + minute;
		sim_ws_notice(st, o, 2, qty, price, (t / 60) * 10000 + (t % 60) * 100);
	}
	if (o->remaining <= 0) {
		o->remaining = 0;
		o->status = ST_FILLED;
	}
	if (h->qty == 0) {
		/* Drop sold-out holdings (KIS shows them as 0 until D+2; we do not). */
		int idx = (int)(h - a->h);
		memmove(&a->h[idx], &a->h[idx + 1],
		        sizeof(sim_holding) * (size_t)(a->nh - idx - 1));
		a->nh--;
	}
}

int64_t sim_order_fillable(sim_state *st, const sim_order *o, int64_t p)
{
	if (o->status != ST_OPEN || p <= 0 || o->remaining <= 0)
		return 0;
	if (o->stop > 0 && !o->triggered &&
	    !((o->side == 2 && p >= o->stop) || (o->side == 1 && p <= o->stop)))
		return 0;
	if (o->price > 0 && ((o->side == 2 && p > o->price) || (o->side == 1 && p < o->price)))
		return 0;
	int64_t q = o->remaining;
	if (st->partial_fill_qty > 0 && q > st->partial_fill_qty)
		q = st->partial_fill_qty;
	if (o->side == 1) {
		sim_holding *h = sim_hold_get(&st->accts[o->acct], o->code, 0);
		int64_t have = h ? h->qty : 0;
		if (q > have)
			q = have;
	}
	return q > 0 ? q : 0;
}

/* One matching step of an open order at minute m with tape price p. Orders
 * without a price (market, best, priority, mid) take the tape; a limit fills
 * at its limit, or at the better tape price when marketable on entry; a
 * stop-limit waits for its stop, then acts as a limit. */
static void order_step(sim_state *st, sim_order *o, int m, int64_t p)
{
	if (o->status != ST_OPEN || p <= 0 || o->last_fill_min == m)
		return;
	if (!strcmp(o->dvsn, "05") || !strcmp(o->dvsn, "06") || !strcmp(o->dvsn, "07"))
		return; /* after-hours types never meet the regular tape */
	int64_t q = sim_order_fillable(st, o, p);
	if (q <= 0)
		return;
	if (o->stop > 0)
		o->triggered = 1; /* the stop was reached: from now on a plain limit */
	int64_t fill_price;
	if (o->price == 0)
		fill_price = p;
	else if (o->side == 2)
		fill_price = p < o->price && o->last_min < 0 ? p : o->price;
	else
		fill_price = p > o->price && o->last_min < 0 ? p : o->price;
	sim_order_fill(st, o, q, fill_price, m);
}

void sim_auctions_run(sim_state *st, sim_order *o, int64_t now_ms)
{
	int today = kst_date(now_ms), hms = kst_hhmmss(now_ms);
	if (o->status != ST_OPEN || strcmp(o->dvsn, "07") != 0 || o->ymd != today)
		return;
	sim_stock *s = sim_stock_find(st, o->code);
	sim_quote q;
	if (!s || sim_quote_get(s, now_ms, &q) != 0 || q.ymd != today)
		return;
	int now_min = hms / 10000 * 60 + hms / 100 % 100;
	int placed = o->hms / 10000 * 60 + o->hms / 100 % 100;
	/* last_min counts auctions already held for this order (minute of day). */
	for (int a = 16 * 60 + 10; a <= 18 * 60 && a <= now_min; a += 10) {
		if (a <= placed || a <= o->last_min || o->status != ST_OPEN)
			continue;
		o->last_min = a;
		int64_t qty = sim_order_fillable(st, o, q.prpr);
		if (qty > 0)
			sim_order_fill(st, o, qty, q.prpr, sim_session_len(o->ymd) - 1);
	}
}

void sim_order_try_now(sim_state *st, sim_order *o, int64_t now_ms)
{
	sim_stock *s = sim_stock_find(st, o->code);
	sim_quote q;
	if (!s || sim_quote_get(s, now_ms, &q) != 0 || !q.in_session || q.ymd != o->ymd)
		return;
	order_step(st, o, q.minute, q.prpr);
	if (q.minute > o->last_min)
		o->last_min = q.minute;
}

void sim_match_all(sim_state *st, int64_t now_ms)
{
	int today = kst_date(now_ms), hms = kst_hhmmss(now_ms);
	for (int i = 0; i < st->norders; i++) {
		sim_order *o = &st->orders[i];
		if (o->status != ST_OPEN)
			continue;
		sim_stock *s = sim_stock_find(st, o->code);
		if (!s)
			continue;
		int n = sim_session_len(o->ymd);
		if (!strcmp(o->dvsn, "07")) {
			sim_auctions_run(st, o, now_ms);
			if (o->status == ST_OPEN && o->ymd < today) {
				sim_order_release(st, o, o->remaining);
				o->remaining = 0;
				o->status = ST_EXPIRED;
			}
			continue;
		}
		int target;
		if (o->ymd < today)
			target = n - 1;
		else if (o->ymd == today)
			target = sim_minute_of(today, hms);
		else
			continue; /* the clock was set back before the order */
		if (o->ymd == today && hms >= 153000)
			target = n - 1;
		for (int m = o->last_min + 1; m <= target && o->status == ST_OPEN; m++) {
			order_step(st, o, m, sim_price_at(s, o->ymd, m));
			o->last_min = m;
		}
		/* The current minute again: a /__sim/price change within it counts. */
		if (o->status == ST_OPEN && target >= 0 && o->ymd == today && hms < 153000)
			order_step(st, o, target, sim_price_at(s, o->ymd, target));
		if (o->status == ST_OPEN && o->ymd < today) {
			/* Day orders end with their day. */
			sim_order_release(st, o, o->remaining);
			o->remaining = 0;
			o->status = ST_EXPIRED;
		}
	}
}
