/* trader_query.c — local queries in the shapes of API_CONTRACT.md: order
 * objects, order lists, aged holdings, the calendar. No KIS call here. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krx.h"
#include "trader_internal.h"

#define LIST_DEFAULT_LIMIT 100
#define LIST_MAX_LIMIT     1000

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
	json_object_set_new(j, "price",
	                    o->type == STORE_LIMIT ? json_integer(o->price) : json_null());
	json_object_set_new(j, "status", json_string(store_status_name(o->status)));
	json_object_set_new(j, "filled_qty", json_integer(o->filled_qty));
	json_object_set_new(
	    j, "avg_fill_price",
	    o->filled_qty > 0 ? json_real(round4((double)o->filled_amount / (double)o->filled_qty))
	                      : json_null());
	json_object_set_new(j, "broker_order_no", str_or_null(o->broker_order_no));
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
			for (size_t i = 0; i < n; i++)
				json_array_append_new(
				    arr,
				    json_pack("{s:I,s:f,s:o}", "qty", (json_int_t)f[i].qty, "price",
				              round4((double)f[i].amount / (double)f[i].qty),
				              "filled_at", iso(f[i].filled_ms)));
			free(f);
		}
		json_object_set_new(j, "fills", arr);
	}
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

json_t *trader_orders_list(trader *t, const trader_list_query *q, trader_outcome *out)
{
	memset(out, 0, sizeof(*out));
	store_order_filter f = {
	    .status = -1, .side = -1, .source = -1, .limit = LIST_DEFAULT_LIMIT};
	if (q->status && (f.status = store_status_parse(q->status)) < 0)
		return bad(out, "status", "unknown status");
	if (q->code) {
		if (!trader_code_valid(q->code))
			return bad(out, "code",
			           "code must be 6 characters of 0-9 A-Z, or Q and 6 digits");
		f.code = q->code;
	}
	if (q->side && (f.side = store_side_parse(q->side)) < 0)
		return bad(out, "side", "side must be buy or sell");
	if (q->source && (f.source = store_source_parse(q->source)) < 0)
		return bad(out, "source", "source must be api, autotrade or external");
	if (q->from) {
		int d = ymd_parse(q->from);
		if (d < 0)
			return bad(out, "from", "from must be a date YYYY-MM-DD");
		f.from_ms = kst_epoch_ms(d, 0);
	}
	if (q->to) {
		int d = ymd_parse(q->to);
		if (d < 0)
			return bad(out, "to", "to must be a date YYYY-MM-DD");
		f.to_ms = kst_epoch_ms(ymd_add_days(d, 1), 0);
	}
	if (f.from_ms && f.to_ms && f.from_ms >= f.to_ms)
		return bad(out, "from", "from is after to");
	if (q->limit) {
		int64_t v;
		if (parse_i64(q->limit, 1, LIST_MAX_LIMIT, &v))
			return bad(out, "limit", "limit must be an integer from 1 to 1000");
		f.limit = (int)v;
	}
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
	return json_pack("{s:o,s:o}", "orders", arr, "next_cursor", next);
}

json_t *trader_holdings_aged(trader *t, int days)
{
	int today = trader_today(t);
	store_holdings h;
	if (store_holdings_get(t->db, today, &h))
		return NULL;
	json_t *arr = json_array();
	int fail = 0;
	/* Lots of one date share their count: remember the last one asked. */
	int memo_date = 0, memo_n = 0;
	for (size_t i = 0; i < h.n && !fail; i++) {
		const store_holding *x = &h.h[i];
		json_t *lots = json_array();
		int64_t qty = 0;
		int oldest = 0, oldest_n = 0;
		for (size_t k = 0; k < x->nlots; k++) {
			const store_lot *l = &x->lots[k];
			int held;
			if (l->acquired_on == memo_date) {
				held = memo_n;
			} else {
				held = store_trading_days_between(t->db, l->acquired_on, today);
				memo_date = l->acquired_on;
				memo_n = held;
			}
			if (held < 0) {
				fail = 1;
				break;
			}
			if (held < days)
				continue;
			if (!oldest) {
				oldest = l->acquired_on;
				oldest_n = held;
			}
			qty += l->qty;
			json_array_append_new(lots, json_pack("{s:o,s:I,s:f}", "acquired_on",
			                                      date_json(l->acquired_on), "qty",
			                                      (json_int_t)l->qty, "price",
			                                      round4(l->price)));
		}
		if (fail || qty == 0) {
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
	store_holdings_free(&h);
	if (fail) {
		json_decref(arr);
		return NULL;
	}
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
	json_t *days = json_array(), *hol = json_array();
	size_t k = 0;
	int fail = 0;
	for (int ymd = from_ymd; ymd <= to_ymd && !fail; ymd = ymd_add_days(ymd, 1)) {
		while (k < n && d[k].ymd < ymd)
			k++;
		int wd = ymd_weekday(ymd);
		int open = wd != 0 && wd != 6;
		if (k < n && d[k].ymd == ymd) {
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
	return json_pack("{s:o,s:o,s:o,s:o}", "from", date_json(from_ymd), "to", date_json(to_ymd),
	                 "trading_days", days, "holidays", hol);
}
