/* trader_query.c — local queries as C structs: order pages, fills, aged
 * holdings, the calendar (server/views.c makes the JSON). No KIS call. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krx.h"
#include "trader_internal.h"

void trader_order_detail_get(trader *t, const store_order *o, int with_fills,
                             trader_order_detail *d)
{
	memset(d, 0, sizeof(*d));
	d->order = *o;
	d->with_fills = with_fills;
	if (store_legs_list(t->db, o->id, &d->legs, &d->nlegs)) {
		d->legs = NULL;
		d->nlegs = 0;
	}
	if (with_fills && store_fills_list(t->db, o->id, &d->fills, &d->nfills)) {
		d->fills = NULL;
		d->nfills = 0;
	}
}

void trader_order_detail_free(trader_order_detail *d)
{
	free(d->legs);
	free(d->fills);
	memset(d, 0, sizeof(*d));
}

static int bad(trader_outcome *out, const char *field, const char *msg)
{
	out->result = TRADER_INVALID;
	out->field = field;
	snprintf(out->message, sizeof(out->message), "%s", msg);
	return -1;
}

static int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!s || !*s)
		return -1;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Cursor "<created_ms>.<id>" of the last order of the previous page. */
static int cursor_parse(const char *s, int64_t *ms, int64_t *id)
{
	const char *dot = strchr(s, '.');
	if (!dot || dot == s || (size_t)(dot - s) > 19)
		return -1;
	char a[24];
	memcpy(a, s, (size_t)(dot - s));
	a[dot - s] = 0;
	return parse_i64(a, 0, INT64_MAX, ms) || parse_i64(dot + 1, 1, INT64_MAX, id) ? -1 : 0;
}

/* Sums KIS's open quantity over the order numbers of d: the original and
 * each accepted amendment's. */
static int64_t kis_open_of(const trader_order_detail *d, char (*nos)[16], const int64_t *qty,
                           size_t n)
{
	int64_t kq = 0;
	for (size_t m = 0; m < n; m++) {
		int mine = d->order.broker_order_no[0] && !strcmp(nos[m], d->order.broker_order_no);
		for (size_t k = 0; !mine && k < d->nlegs; k++)
			mine = d->legs[k].kind == STORE_LEG_AMEND && d->legs[k].odno[0] &&
			       !strcmp(nos[m], d->legs[k].odno);
		if (mine)
			kq += qty[m];
	}
	return kq;
}

/* GET /orders?open=true: the ledger's open orders, each with what KIS
 * says is still open on its order numbers (psbl_qty of
 * inquire-psbl-rvsecncl on real accounts, rmn_qty of today's unfilled
 * daily-ccld rows on virtual ones, which have no open-order TR). A
 * difference wakes the reconciler. */
static void open_check(trader *t, trader_order_page *page)
{
	kis_error e;
	memset(&e, 0, sizeof(e));
	char(*nos)[16] = NULL;
	int64_t *qty = NULL;
	size_t n = 0;
	int ok = 0;
	if (t->cfg.real) {
		kis_open_orders oo;
		memset(&oo, 0, sizeof(oo));
		if (kis_open_orders_get(t->kis, &oo, &e) == KIS_OK) {
			nos = calloc(oo.n + 1, sizeof(*nos));
			qty = calloc(oo.n + 1, sizeof(*qty));
			for (size_t i = 0; nos && qty && i < oo.n; i++) {
				snprintf(nos[n], sizeof(nos[n]), "%s", oo.rows[i].odno);
				qty[n++] = oo.rows[i].cancelable_qty;
			}
			ok = nos && qty;
			kis_open_orders_free(&oo);
		}
	} else {
		int today = trader_today(t);
		kis_ccld_query cq = {
		    .from_ymd = today, .to_ymd = today, .side = KIS_SIDE_ANY, .ccld = 2};
		kis_ccld_list l;
		memset(&l, 0, sizeof(l));
		if (kis_daily_ccld_get(t->kis, &cq, &l, &e) == KIS_OK) {
			nos = calloc(l.n + 1, sizeof(*nos));
			qty = calloc(l.n + 1, sizeof(*qty));
			for (size_t i = 0; nos && qty && i < l.n; i++) {
				if (l.rows[i].cancel_row)
					continue;
				snprintf(nos[n], sizeof(nos[n]), "%s", l.rows[i].odno);
				qty[n++] = l.rows[i].remaining_qty;
			}
			ok = nos && qty;
			kis_ccld_list_free(&l);
		}
	}
	page->kis_open_qty = ok ? calloc(page->n + 1, sizeof(int64_t)) : NULL;
	page->checked_with_kis = ok && page->kis_open_qty;
	if (!page->checked_with_kis) {
		snprintf(page->kis_error, sizeof(page->kis_error), "%s",
		         e.msg1[0] ? e.msg1 : kis_status_name(e.status));
		free(nos);
		free(qty);
		return;
	}
	int differ = 0;
	for (size_t i = 0; i < page->n; i++) {
		const store_order *o = &page->orders[i].order;
		int64_t open = o->qty - o->filled_qty - o->canceled_qty;
		if (store_status_final(o->status) || open < 0)
			open = 0;
		page->kis_open_qty[i] = kis_open_of(&page->orders[i], nos, qty, n);
		differ |= page->kis_open_qty[i] != open;
	}
	free(nos);
	free(qty);
	if (differ)
		trader_reconcile_now(t, 0);
}

/* The page's orders with their legs, read in one query (a query per order
 * made a page of 100 cost 101 statements). A failed read leaves the legs
 * out, as trader_order_detail_get does. A list shows each order's chain of
 * KIS numbers (broker_order_nos), and the open check matches KIS's rows by
 * them. */
static void legs_of_page(trader *t, const store_order *v, size_t n, trader_order_page *page)
{
	int64_t *ids = malloc((n ? n : 1) * sizeof(*ids));
	store_leg *legs = NULL;
	size_t nlegs = 0;
	for (size_t i = 0; ids && i < n; i++)
		ids[i] = v[i].id;
	if (!ids || store_legs_of_orders(t->db, ids, n, &legs, &nlegs))
		nlegs = 0;
	free(ids);
	for (size_t i = 0; i < n; i++) {
		trader_order_detail *d = &page->orders[page->n++];
		memset(d, 0, sizeof(*d));
		d->order = v[i];
		/* an order's legs are one run (by order id); the page is in time order */
		size_t first = 0, count = 0;
		while (first < nlegs && legs[first].order_id != v[i].id)
			first++;
		while (first + count < nlegs && legs[first + count].order_id == v[i].id)
			count++;
		if (count && (d->legs = malloc(count * sizeof(*d->legs)))) {
			memcpy(d->legs, legs + first, count * sizeof(*d->legs));
			d->nlegs = count;
		}
	}
	free(legs);
}

int trader_orders_list(trader *t, const trader_list_query *q, trader_order_page *page,
                       trader_outcome *out)
{
	memset(out, 0, sizeof(*out));
	memset(page, 0, sizeof(*page));
	store_order_filter f = {.status = q->status,
	                        .side = q->side,
	                        .source = q->source,
	                        .limit = q->limit > 0 ? q->limit : TRADER_LIST_DEFAULT_LIMIT,
	                        .code = q->code,
	                        .open_only = q->open};
	if (q->from_ymd)
		f.from_ms = kst_epoch_ms(q->from_ymd, 0);
	if (q->to_ymd)
		f.to_ms = kst_epoch_ms(ymd_add_days(q->to_ymd, 1), 0);
	if (f.from_ms && f.to_ms && f.from_ms >= f.to_ms)
		return bad(out, "from", "from is after to");
	if (q->cursor && cursor_parse(q->cursor, &f.cursor_ms, &f.cursor_id))
		return bad(out, "cursor", "cursor is not one this server gave out");
	int more = 0;
	store_order *v = NULL;
	size_t n = 0;
	if (store_orders_list(t->db, &f, &v, &n, &more) ||
	    !(page->orders = calloc(n ? n : 1, sizeof(*page->orders)))) {
		free(v);
		out->result = TRADER_INTERNAL;
		snprintf(out->message, sizeof(out->message), "cannot read the order journal");
		return -1;
	}
	legs_of_page(t, v, n, page);
	free(v);
	if (more && page->n > 0) {
		const store_order *last = &page->orders[page->n - 1].order;
		snprintf(page->next_cursor, sizeof(page->next_cursor), "%lld.%lld",
		         (long long)last->created_ms, (long long)last->id);
	}
	out->result = TRADER_OK;
	if (q->open) {
		page->open = 1;
		open_check(t, page);
	}
	return 0;
}

void trader_order_page_free(trader_order_page *p)
{
	for (size_t i = 0; i < p->n; i++)
		trader_order_detail_free(&p->orders[i]);
	free(p->orders);
	free(p->kis_open_qty);
	memset(p, 0, sizeof(*p));
}

/* The calendar between two dates in memory, so ageing thousands of lots
 * costs one query: weekdays by arithmetic, corrected by the table's rows. */
typedef struct bcal {
	store_day *d;
	int *prefix; /* prefix[i]: correction of rows 0..i (-1 weekday closed, +1 weekend open) */
	size_t n;
} bcal;

static int64_t weekdays_upto(int64_t d)
{
	int64_t x = d - 4; /* 1970-01-05, day 4, was a Monday */
	int64_t weeks = x >= 0 ? x / 7 : -((-x + 6) / 7);
	int64_t rem = x - weeks * 7;
	return weeks * 5 + (rem < 5 ? rem + 1 : 5);
}

static int bcal_load(trader *t, int from, int to, bcal *c)
{
	memset(c, 0, sizeof(*c));
	if (store_holidays_list(t->db, from, to, &c->d, &c->n))
		return -1;
	c->prefix = malloc((c->n ? c->n : 1) * sizeof(int));
	if (!c->prefix) {
		free(c->d);
		return -1;
	}
	int sum = 0;
	for (size_t i = 0; i < c->n; i++) {
		int wd = ymd_weekday(c->d[i].ymd), weekend = wd == 0 || wd == 6;
		sum += !c->d[i].open && !weekend ? -1 : c->d[i].open && weekend ? 1 : 0;
		c->prefix[i] = sum;
	}
	return 0;
}

/* Sum of corrections of rows with ymd <= x. */
static int bcal_upto(const bcal *c, int x)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->d[mid].ymd <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? c->prefix[lo - 1] : 0;
}

/* Trading days d with from < d <= to. */
static int bcal_between(const bcal *c, int from, int to)
{
	if (to <= from)
		return 0;
	int64_t n = weekdays_upto(ymd_to_days(to)) - weekdays_upto(ymd_to_days(from));
	return (int)n + bcal_upto(c, to) - bcal_upto(c, from);
}

static void bcal_free(bcal *c)
{
	free(c->d);
	free(c->prefix);
}

int trader_holdings_aged(trader *t, int days, trader_aged *out)
{
	memset(out, 0, sizeof(*out));
	int today = trader_today(t);
	out->as_of = today;
	out->days = days;
	store_holdings *all = &out->all;
	if (store_holdings_get(t->db, today, all))
		return -1;
	int oldest_all = today;
	for (size_t i = 0; i < all->n; i++)
		for (size_t k = 0; k < all->h[i].nlots; k++)
			if (all->h[i].lots[k].acquired_on < oldest_all)
				oldest_all = all->h[i].lots[k].acquired_on;
	bcal cal;
	out->v = calloc(all->n ? all->n : 1, sizeof(*out->v));
	if (!out->v || bcal_load(t, oldest_all, today, &cal)) {
		trader_aged_free(out);
		return -1;
	}
	for (size_t i = 0; i < all->n; i++) {
		store_holding *x = &all->h[i];
		trader_aged_holding *a = &out->v[out->n];
		memset(a, 0, sizeof(*a));
		a->h = x;
		/* Keep the lots held long enough, in place, oldest first. */
		size_t kept = 0;
		for (size_t k = 0; k < x->nlots; k++) {
			int held = bcal_between(&cal, x->lots[k].acquired_on, today);
			if (held < days)
				continue;
			if (!kept) {
				a->acquired_on = x->lots[k].acquired_on;
				a->business_days_held = held;
			}
			a->qty += x->lots[k].qty;
			x->lots[kept++] = x->lots[k];
		}
		if (a->qty == 0)
			continue;
		a->lots = x->lots;
		a->nlots = kept;
		out->n++;
	}
	bcal_free(&cal);
	return 0;
}

void trader_aged_free(trader_aged *a)
{
	free(a->v);
	store_holdings_free(&a->all);
	memset(a, 0, sizeof(*a));
}

int trader_calendar(trader *t, int from_ymd, int to_ymd, trader_days *out)
{
	memset(out, 0, sizeof(*out));
	if (!ymd_valid(from_ymd) || !ymd_valid(to_ymd) || from_ymd > to_ymd)
		return -1;
	out->from = from_ymd;
	out->to = to_ymd;
	store_day *d = NULL;
	size_t n = 0;
	if (store_holidays_list(t->db, from_ymd, to_ymd, &d, &n))
		return -1;
	size_t span = (size_t)(ymd_to_days(to_ymd) - ymd_to_days(from_ymd)) + 1;
	out->trading_days = malloc(span * sizeof(int));
	out->unknown = malloc(span * sizeof(int));
	out->closures = malloc((n ? n : 1) * sizeof(store_day));
	if (!out->trading_days || !out->unknown || !out->closures) {
		free(d);
		trader_days_free(out);
		return -1;
	}
	size_t k = 0;
	for (int ymd = from_ymd; ymd <= to_ymd; ymd = ymd_add_days(ymd, 1)) {
		while (k < n && d[k].ymd < ymd)
			k++;
		int wd = ymd_weekday(ymd);
		int open = wd != 0 && wd != 6;
		int year = ymd / 10000, listed = k < n && d[k].ymd == ymd;
		/* A weekday of a year neither the built-in table nor KIS covers:
		 * whether KRX trades then is not known, and not guessed. */
		if (open && !listed && (year < KRX_CAL_FIRST_YEAR || year > KRX_CAL_LAST_YEAR)) {
			out->unknown[out->nunknown++] = ymd;
			continue;
		}
		if (listed) {
			open = d[k].open;
			if (!open && wd != 0 && wd != 6)
				out->closures[out->nclosures++] = d[k];
		}
		if (open)
			out->trading_days[out->ntrading++] = ymd;
	}
	free(d);
	return 0;
}

void trader_days_free(trader_days *c)
{
	free(c->trading_days);
	free(c->unknown);
	free(c->closures);
	memset(c, 0, sizeof(*c));
}
