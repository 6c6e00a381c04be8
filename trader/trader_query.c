/* trader_query.c — local queries in the shapes of API_CONTRACT.md: order
 * objects, order lists, aged holdings, the calendar. No KIS call here. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krx.h"
#include "trader_internal.h"

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *iso(int64_t ms)
{
	char buf[40];
	kst_iso8601(ms, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *date_json(int ymd)
{
	char buf[16];
	ymd_format(ymd, buf, sizeof(buf));
	return json_string(buf);
}

/* Averages keep at most 4 decimals, as KIS gives them. */
static double round4(double v)
{
	return round(v * 10000.0) / 10000.0;
}

/* A price as a JSON number: an integer when whole (cheaper to print and
 * exact), else up to 4 decimals. */
static json_t *price_json(double v)
{
	double r = round4(v);
	if (r == floor(r) && fabs(r) < 9e15)
		return json_integer((json_int_t)r);
	return json_real(r);
}

json_t *trader_order_json(trader *t, const store_order *o, int with_fills)
{
	json_t *j = json_object();
	if (!j)
		return NULL;
	json_object_set_new(j, "id", json_integer(o->id));
	json_object_set_new(j, "client_order_id", str_or_null(o->client_order_id));
	json_object_set_new(j, "code", json_string(o->code));
	if (o->name[0])
		json_object_set_new(j, "name", json_string(o->name));
	json_object_set_new(j, "side", json_string(store_side_name(o->side)));
	json_object_set_new(j, "type", json_string(store_type_name(o->type)));
	json_object_set_new(j, "qty", json_integer(o->qty));
	json_object_set_new(j, "price", o->price > 0 ? json_integer(o->price) : json_null());
	json_object_set_new(j, "time_in_force", json_string(store_tif_name(o->tif)));
	json_object_set_new(j, "venue", json_string(store_venue_name(o->venue)));
	if (o->type == STORE_STOP_LIMIT)
		json_object_set_new(j, "stop_price", json_integer(o->stop_price));
	json_object_set_new(j, "status", json_string(store_status_name(o->status)));
	json_object_set_new(j, "filled_qty", json_integer(o->filled_qty));
	json_object_set_new(j, "avg_fill_price",
	                    o->filled_qty > 0
	                        ? price_json((double)o->filled_amount / (double)o->filled_qty)
	                        : json_null());
	json_object_set_new(j, "broker_order_no", str_or_null(o->broker_order_no));
	/* The chain of KIS order numbers: the original, then each accepted
	 * amendment (KIS gives every 정정 a new number). */
	store_leg *legs = NULL;
	size_t nlegs = 0;
	if (store_legs_list(t->db, o->id, &legs, &nlegs))
		nlegs = 0;
	json_t *nos = json_array();
	if (o->broker_order_no[0])
		json_array_append_new(nos, json_string(o->broker_order_no));
	for (size_t i = 0; i < nlegs; i++)
		if (legs[i].kind == STORE_LEG_AMEND && legs[i].odno[0])
			json_array_append_new(nos, json_string(legs[i].odno));
	json_object_set_new(j, "broker_order_nos", nos);
	json_object_set_new(j, "canceled_qty", json_integer(o->canceled_qty));
	int64_t open = o->qty - o->filled_qty - o->canceled_qty;
	json_object_set_new(j, "open_qty",
	                    json_integer(store_status_final(o->status) || open < 0 ? 0 : open));
	json_object_set_new(j, "source", json_string(store_source_name(o->source)));
	json_object_set_new(j, "created_at", iso(o->created_ms));
	json_object_set_new(j, "updated_at", iso(o->updated_ms));
	json_object_set_new(j, "reject_code", str_or_null(o->reject_code));
	json_object_set_new(j, "reject_message", str_or_null(o->reject_message));
	if (with_fills) {
		json_t *arr = json_array();
		store_fill *f = NULL;
		size_t n = 0;
		if (store_fills_list(t->db, o->id, &f, &n) == 0) {
			for (size_t i = 0; i < n; i++) {
				const char *no = o->broker_order_no;
				for (size_t k = 0; k < nlegs; k++)
					if (legs[k].id == f[i].leg_id)
						no = legs[k].odno;
				json_array_append_new(
				    arr,
				    json_pack("{s:I,s:o,s:o,s:o}", "qty", (json_int_t)f[i].qty,
				              "price",
				              price_json((double)f[i].amount / (double)f[i].qty),
				              "filled_at", iso(f[i].filled_ms), "broker_order_no",
				              str_or_null(no)));
			}
			free(f);
		}
		json_object_set_new(j, "fills", arr);
		/* The amendments and cancels, oldest first: the price/qty history. */
		json_t *la = json_array();
		for (size_t i = 0; i < nlegs; i++) {
			const store_leg *l = &legs[i];
			json_t *lj = json_pack(
			    "{s:s,s:s,s:I,s:o,s:o,s:o,s:o}", "kind", store_leg_kind_name(l->kind),
			    "status", store_leg_status_name(l->status), "qty", (json_int_t)l->qty,
			    "broker_order_no", str_or_null(l->odno), "orig_broker_order_no",
			    str_or_null(l->orgn_odno), "requested_at", iso(l->created_ms),
			    "reject_code", str_or_null(l->reject_code));
			if (l->kind == STORE_LEG_AMEND) {
				json_object_set_new(lj, "type",
				                    json_string(store_type_name(l->type)));
				json_object_set_new(lj, "price",
				                    l->price > 0 ? json_integer(l->price)
				                                 : json_null());
				json_object_set_new(lj, "filled_qty", json_integer(l->filled_qty));
			}
			if (l->reject_message[0])
				json_object_set_new(lj, "reject_message",
				                    json_string(l->reject_message));
			json_array_append_new(la, lj);
		}
		json_object_set_new(j, "amendments", la);
	}
	free(legs);
	return j;
}

static json_t *bad(trader_outcome *out, const char *field, const char *msg)
{
	out->result = TRADER_INVALID;
	out->field = field;
	snprintf(out->message, sizeof(out->message), "%s", msg);
	return NULL;
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

/* GET /orders?open=true: the ledger's open orders, each with what KIS
 * says is still open on its order numbers ("kis_open_qty": psbl_qty of
 * inquire-psbl-rvsecncl on real accounts, rmn_qty of today's unfilled
 * daily-ccld rows on virtual ones, which have no open-order TR). A
 * difference wakes the reconciler. */
static void open_check(trader *t, json_t *res)
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
	json_object_set_new(res, "checked_with_kis", json_boolean(ok));
	if (!ok) {
		json_object_set_new(res, "kis_error",
		                    json_string(e.msg1[0] ? e.msg1 : kis_status_name(e.status)));
		free(nos);
		free(qty);
		return;
	}
	int differ = 0;
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(res, "orders"), i, o)
	{
		int64_t kq = 0;
		size_t k;
		json_t *no;
		json_array_foreach(json_object_get(o, "broker_order_nos"), k, no)
		{
			for (size_t m = 0; m < n; m++)
				if (!strcmp(nos[m], json_string_value(no)))
					kq += qty[m];
		}
		json_object_set_new(o, "kis_open_qty", json_integer(kq));
		differ |= kq != json_integer_value(json_object_get(o, "open_qty"));
	}
	free(nos);
	free(qty);
	if (differ)
		trader_reconcile_now(t, 0);
}

json_t *trader_orders_list(trader *t, const trader_list_query *q, trader_outcome *out)
{
	memset(out, 0, sizeof(*out));
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
	store_order *v = NULL;
	size_t n = 0;
	int more = 0;
	if (store_orders_list(t->db, &f, &v, &n, &more)) {
		out->result = TRADER_INTERNAL;
		snprintf(out->message, sizeof(out->message), "cannot read the order journal");
		return NULL;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, trader_order_json(t, &v[i], 0));
	json_t *next = json_null();
	if (more && n > 0) {
		char c[48];
		snprintf(c, sizeof(c), "%lld.%lld", (long long)v[n - 1].created_ms,
		         (long long)v[n - 1].id);
		json_decref(next);
		next = json_string(c);
	}
	free(v);
	out->result = TRADER_OK;
	json_t *res = json_pack("{s:o,s:o}", "orders", arr, "next_cursor", next);
	if (q->open)
		open_check(t, res);
	return res;
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

json_t *trader_holdings_aged(trader *t, int days)
{
	int today = trader_today(t);
	store_holdings h;
	if (store_holdings_get(t->db, today, &h))
		return NULL;
	int oldest_all = today;
	for (size_t i = 0; i < h.n; i++)
		for (size_t k = 0; k < h.h[i].nlots; k++)
			if (h.h[i].lots[k].acquired_on < oldest_all)
				oldest_all = h.h[i].lots[k].acquired_on;
	bcal cal;
	if (bcal_load(t, oldest_all, today, &cal)) {
		store_holdings_free(&h);
		return NULL;
	}
	json_t *arr = json_array();
	/* Lots of one day share one date string. */
	json_t *memo_date = NULL;
	int memo_ymd = 0;
	for (size_t i = 0; i < h.n; i++) {
		const store_holding *x = &h.h[i];
		json_t *lots = json_array();
		int64_t qty = 0;
		int oldest = 0, oldest_n = 0;
		for (size_t k = 0; k < x->nlots; k++) {
			const store_lot *l = &x->lots[k];
			int held = bcal_between(&cal, l->acquired_on, today);
			if (held < days)
				continue;
			if (!oldest) {
				oldest = l->acquired_on;
				oldest_n = held;
			}
			qty += l->qty;
			json_t *lot = json_object();
			if (l->acquired_on != memo_ymd) {
				json_decref(memo_date);
				memo_date = date_json(l->acquired_on);
				memo_ymd = l->acquired_on;
			}
			json_object_set_nocheck(lot, "acquired_on", memo_date);
			json_object_set_new_nocheck(lot, "qty", json_integer(l->qty));
			json_object_set_new_nocheck(lot, "price", price_json(l->price));
			json_array_append_new(lots, lot);
		}
		if (qty == 0) {
			json_decref(lots);
			continue;
		}
		json_t *o = json_pack("{s:s,s:s,s:I,s:o,s:i,s:o}", "code", x->code, "name", x->name,
		                      "qty", (json_int_t)qty, "acquired_on", date_json(oldest),
		                      "business_days_held", oldest_n, "lots", lots);
		if (x->incomplete)
			json_object_set_new(o, "history_incomplete", json_true());
		json_array_append_new(arr, o);
	}
	json_decref(memo_date);
	bcal_free(&cal);
	store_holdings_free(&h);
	return json_pack("{s:o,s:i,s:o}", "as_of", date_json(today), "days", days, "holdings", arr);
}

json_t *trader_calendar(trader *t, int from_ymd, int to_ymd)
{
	if (!ymd_valid(from_ymd) || !ymd_valid(to_ymd) || from_ymd > to_ymd)
		return NULL;
	store_day *d = NULL;
	size_t n = 0;
	if (store_holidays_list(t->db, from_ymd, to_ymd, &d, &n))
		return NULL;
	json_t *days = json_array(), *hol = json_array(), *unknown = json_array();
	size_t k = 0;
	int fail = 0;
	for (int ymd = from_ymd; ymd <= to_ymd && !fail; ymd = ymd_add_days(ymd, 1)) {
		while (k < n && d[k].ymd < ymd)
			k++;
		int wd = ymd_weekday(ymd);
		int open = wd != 0 && wd != 6;
		int year = ymd / 10000, listed = k < n && d[k].ymd == ymd;
		/* A weekday of a year neither the built-in table nor KIS covers:
		 * whether KRX trades then is not known, and not guessed. */
		if (open && !listed && (year < KRX_CAL_FIRST_YEAR || year > KRX_CAL_LAST_YEAR)) {
			json_array_append_new(unknown, date_json(ymd));
			continue;
		}
		if (listed) {
			open = d[k].open;
			if (!open && wd != 0 && wd != 6)
				json_array_append_new(hol,
				                      json_pack("{s:o,s:s}", "date", date_json(ymd),
				                                "name", d[k].name));
		}
		if (open)
			json_array_append_new(days, date_json(ymd));
	}
	free(d);
	return json_pack("{s:o,s:o,s:o,s:o,s:o}", "from", date_json(from_ymd), "to",
	                 date_json(to_ymd), "trading_days", days, "holidays", hol, "unknown",
	                 unknown);
}
