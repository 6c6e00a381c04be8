/* store_orders.c — the order journal: one row per order, written before
 * KIS sees it and updated with what KIS said; lookups and lists. The enum
 * names are store_names.c, fills and positions store_fills.c, holdings
 * store_holdings.c, amendment and cancel legs store_legs.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "store_internal.h"

#define ORDER_COLS                                                                                 \
	"id, coalesce(client_order_id, ''), request, code, coalesce(name, ''), side, type, qty, "  \
	"price, status, source, filled_qty, filled_amount, canceled_qty, "                         \
	"coalesce(broker_order_no, ''), coalesce(broker_orgno, ''), ord_date, ord_time, sent_ms, " \
	"created_ms, updated_ms, coalesce(reject_code, ''), coalesce(reject_message, ''), "        \
	"coalesce(order_type, type), time_in_force, venue, stop_price, notional"

static void order_read(sqlite3_stmt *st, void *elem)
{
	store_order *o = elem;
	char buf[32];
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, o->client_order_id, sizeof(o->client_order_id));
	store_col_text(st, 2, o->request, sizeof(o->request));
	store_col_text(st, 3, o->code, sizeof(o->code));
	store_col_text(st, 4, o->name, sizeof(o->name));
	store_col_text(st, 5, buf, sizeof(buf));
	o->side =
	    store_name_find(store_side_names, STORE_SIDE__MAX, buf) == 1 ? STORE_SELL : STORE_BUY;
	/* Column 6 (`type`) only says whether a price was sent; 23 is the type. */
	store_col_text(st, 23, buf, sizeof(buf));
	int t = store_name_find(store_type_names, STORE_TYPE__MAX, buf);
	o->type = t < 0 ? STORE_LIMIT : (store_type)t;
	store_col_text(st, 24, buf, sizeof(buf));
	t = store_name_find(store_tif_names, STORE_TIF__MAX, buf);
	o->tif = t < 0 ? STORE_TIF_DAY : (store_tif)t;
	store_col_text(st, 25, buf, sizeof(buf));
	t = store_name_find(store_venue_names, STORE_VENUE__MAX, buf);
	o->venue = t < 0 ? STORE_VENUE_KRX : (store_venue)t;
	o->stop_price = sqlite3_column_int64(st, 26);
	o->notional = sqlite3_column_int64(st, 27);
	o->qty = sqlite3_column_int64(st, 7);
	o->price = sqlite3_column_int64(st, 8);
	store_col_text(st, 9, buf, sizeof(buf));
	int v = store_status_parse(buf);
	o->status = v < 0 ? ST_UNKNOWN : (store_status)v;
	store_col_text(st, 10, buf, sizeof(buf));
	v = store_source_parse(buf);
	o->source = v < 0 ? STORE_SRC_API : (store_source)v;
	o->filled_qty = sqlite3_column_int64(st, 11);
	o->filled_amount = sqlite3_column_int64(st, 12);
	o->canceled_qty = sqlite3_column_int64(st, 13);
	store_col_text(st, 14, o->broker_order_no, sizeof(o->broker_order_no));
	store_col_text(st, 15, o->broker_orgno, sizeof(o->broker_orgno));
	o->ord_date = sqlite3_column_int(st, 16);
	o->ord_time = sqlite3_column_int(st, 17);
	o->sent_ms = sqlite3_column_int64(st, 18);
	o->created_ms = sqlite3_column_int64(st, 19);
	o->updated_ms = sqlite3_column_int64(st, 20);
	store_col_text(st, 21, o->reject_code, sizeof(o->reject_code));
	store_col_text(st, 22, o->reject_message, sizeof(o->reject_message));
}

/* One order by a WHERE clause with up to two binds (int64 or text). */
static int order_get_where(sqlite3 *db, const char *where, int64_t i1, const char *t2,
                           store_order *out)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT " ORDER_COLS " FROM orders WHERE %s", where);
	sqlite3_stmt *st = store_prep(db, sql);
	if (!st)
		return -1;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, i1);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_text(st, 2, t2 ? t2 : "", -1, SQLITE_TRANSIENT);
	return store_row(st, order_read, out);
}

static int order_by_key(sqlite3 *db, const char *key, store_order *out)
{
	sqlite3_stmt *st =
	    store_prep(db, "SELECT " ORDER_COLS " FROM orders WHERE client_order_id = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	return store_row(st, order_read, out);
}

int store_order_get_in(sqlite3 *db, int64_t id, store_order *out)
{
	return order_get_where(db, "id = ?", id, NULL, out);
}

int store_order_get(store *s, int64_t id, store_order *out)
{
	sqlite3 *db = store_db(s);
	return db ? order_get_where(db, "id = ?", id, NULL, out) : -1;
}

int store_order_get_by_key(store *s, const char *client_order_id, store_order *out)
{
	sqlite3 *db = store_db(s);
	if (!db || !client_order_id || !*client_order_id)
		return db ? 1 : -1;
	return order_by_key(db, client_order_id, out);
}

int store_order_get_by_broker(store *s, int ord_date, const char *odno, store_order *out)
{
	sqlite3 *db = store_db(s);
	if (!db || !odno || !*odno)
		return db ? 1 : -1;
	return order_get_where(db, "ord_date = ? AND broker_order_no = ?", ord_date, odno, out);
}

/* Writes every mutable field of o (read-modify-write inside a transaction). */
static int order_write(sqlite3 *db, const store_order *o, int release_key)
{
	sqlite3_stmt *st = store_prep(
	    db,
	    "UPDATE orders SET status = ?, filled_qty = ?, filled_amount = ?, canceled_qty = ?, "
	    "broker_order_no = ?, broker_orgno = ?, ord_date = ?, ord_time = ?, sent_ms = ?, "
	    "updated_ms = ?, reject_code = ?, reject_message = ?, name = ?, "
	    "released_key = CASE WHEN ? THEN client_order_id ELSE released_key END, "
	    "client_order_id = CASE WHEN ? THEN NULL ELSE client_order_id END WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, store_status_name(o->status), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, o->filled_qty);
	sqlite3_bind_int64(st, 3, o->filled_amount);
	sqlite3_bind_int64(st, 4, o->canceled_qty);
	store_bind_text_or_null(st, 5, o->broker_order_no);
	store_bind_text_or_null(st, 6, o->broker_orgno);
	sqlite3_bind_int(st, 7, o->ord_date);
	sqlite3_bind_int(st, 8, o->ord_time);
	sqlite3_bind_int64(st, 9, o->sent_ms);
	sqlite3_bind_int64(st, 10, o->updated_ms);
	store_bind_text_or_null(st, 11, o->reject_code);
	store_bind_text_or_null(st, 12, o->reject_message);
	store_bind_text_or_null(st, 13, o->name);
	sqlite3_bind_int(st, 14, release_key);
	sqlite3_bind_int(st, 15, release_key);
	sqlite3_bind_int64(st, 16, o->id);
	return store_run(st) < 0 ? -1 : 0;
}

struct insert_arg {
	store_order *o, *existing;
};

static int order_insert_tx(sqlite3 *db, void *v)
{
	struct insert_arg *a = v;
	store_order *o = a->o;
	if (o->client_order_id[0]) {
		int r = order_by_key(db, o->client_order_id, a->existing);
		if (r <= 0)
			return r == 0 ? 1 : -1;
	}
	sqlite3_stmt *st = store_prep(
	    db,
	    "INSERT INTO orders (client_order_id, request, code, name, side, type, qty, price, "
	    "status, source, filled_qty, filled_amount, canceled_qty, broker_order_no, "
	    "broker_orgno, ord_date, ord_time, sent_ms, created_ms, updated_ms, reject_code, "
	    "reject_message, order_type, time_in_force, venue, stop_price, notional) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	store_bind_text_or_null(st, 1, o->client_order_id);
	sqlite3_bind_text(st, 2, o->request, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->code, -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 4, o->name);
	sqlite3_bind_text(st, 5, store_side_name(o->side), -1, SQLITE_STATIC);
	/* `type` keeps its 0001 meaning: was a limit price sent. */
	sqlite3_bind_text(st, 6, o->price > 0 ? "limit" : "market", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, o->qty);
	sqlite3_bind_int64(st, 8, o->price);
	sqlite3_bind_text(st, 9, store_status_name(o->status), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, store_source_name(o->source), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, o->filled_qty);
	sqlite3_bind_int64(st, 12, o->filled_amount);
	sqlite3_bind_int64(st, 13, o->canceled_qty);
	store_bind_text_or_null(st, 14, o->broker_order_no);
	store_bind_text_or_null(st, 15, o->broker_orgno);
	sqlite3_bind_int(st, 16, o->ord_date);
	sqlite3_bind_int(st, 17, o->ord_time);
	sqlite3_bind_int64(st, 18, o->sent_ms);
	sqlite3_bind_int64(st, 19, o->created_ms);
	sqlite3_bind_int64(st, 20, o->updated_ms);
	store_bind_text_or_null(st, 21, o->reject_code);
	store_bind_text_or_null(st, 22, o->reject_message);
	sqlite3_bind_text(st, 23, store_type_name(o->type), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 24, store_tif_name(o->tif), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 25, store_venue_name(o->venue), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 26, o->stop_price);
	sqlite3_bind_int64(st, 27, o->notional);
	if (store_run(st) < 0) {
		klogf(KLOG_ERROR, "storage", "order insert failed: %s", sqlite3_errmsg(db));
		return -1;
	}
	o->id = sqlite3_last_insert_rowid(db);
	return 0;
}

int store_order_insert(store *s, store_order *o, store_order *existing)
{
	store_order dummy;
	struct insert_arg a = {o, existing ? existing : &dummy};
	return store_tx(s, order_insert_tx, &a);
}

struct sent_arg {
	int64_t id;
	const store_send_result *r;
	int64_t sent_ms;
	int mode; /* 0: sent result, 1: mark sending, 2: set status */
	unsigned from_mask;
};

static void copy_if_empty(char *dst, size_t cap, const char *src)
{
	if (!dst[0] && src && *src)
		snprintf(dst, cap, "%s", src);
}

static int order_sent_tx(sqlite3 *db, void *v)
{
	struct sent_arg *a = v;
	store_order o;
	int g = order_get_where(db, "id = ?", a->id, NULL, &o);
	if (g)
		return g < 0 ? -1 : 1;
	if (a->mode == 1) {
		o.sent_ms = a->sent_ms;
		o.updated_ms = a->sent_ms > o.updated_ms ? a->sent_ms : o.updated_ms;
		return order_write(db, &o, 0);
	}
	const store_send_result *r = a->r;
	if (a->mode == 2) {
		if (a->from_mask && !(a->from_mask & (1u << o.status)))
			return 1;
		o.status = r->status;
		o.updated_ms = r->now_ms;
		return order_write(db, &o, 0);
	}
	int release = 0;
	if (o.status == ST_PENDING || o.status == ST_UNKNOWN) {
		o.status = r->status;
		if (r->status == ST_NOT_SENT && o.client_order_id[0])
			release = 1;
	}
	if (!o.broker_order_no[0] && r->odno && *r->odno) {
		copy_if_empty(o.broker_order_no, sizeof(o.broker_order_no), r->odno);
		copy_if_empty(o.broker_orgno, sizeof(o.broker_orgno), r->orgno);
		if (r->ord_date)
			o.ord_date = r->ord_date;
		if (r->ord_time)
			o.ord_time = r->ord_time;
	}
	if (r->reject_code)
		snprintf(o.reject_code, sizeof(o.reject_code), "%s", r->reject_code);
	if (r->reject_message)
		snprintf(o.reject_message, sizeof(o.reject_message), "%s", r->reject_message);
	o.updated_ms = r->now_ms;
	return order_write(db, &o, release);
}

int store_order_sent(store *s, int64_t id, const store_send_result *r)
{
	struct sent_arg a = {id, r, 0, 0, 0};
	return store_tx(s, order_sent_tx, &a);
}

int store_order_mark_sending(store *s, int64_t id, int64_t sent_ms)
{
	struct sent_arg a = {id, NULL, sent_ms, 1, 0};
	return store_tx(s, order_sent_tx, &a);
}

int store_order_set_status(store *s, int64_t id, unsigned from_mask, store_status status,
                           int64_t now_ms)
{
	store_send_result r = {.status = status, .now_ms = now_ms};
	struct sent_arg a = {id, &r, 0, 2, from_mask};
	return store_tx(s, order_sent_tx, &a);
}

int store_order_find_broker(store *s, const char *odno, const char *code, store_side side,
                            int64_t qty, int from_ymd, int to_ymd, store_order *out)
{
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	if (!odno || !*odno || !code)
		return 1;
	sqlite3_stmt *st = store_prep(db, "SELECT " ORDER_COLS " FROM orders WHERE broker_order_no "
	                                  "= ? AND code = ? AND side = ? AND qty = ? AND ord_date "
	                                  "BETWEEN ? AND ? ORDER BY id LIMIT 1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, odno, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, store_side_name(side), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, qty);
	sqlite3_bind_int(st, 5, from_ymd);
	sqlite3_bind_int(st, 6, to_ymd);
	return store_row(st, order_read, out);
}

static int pending_tx(sqlite3 *db, void *v)
{
	sqlite3_stmt *st = store_prep(
	    db, "UPDATE orders SET status = 'unknown', updated_ms = ? WHERE status = 'pending'");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, *(int64_t *)v);
	return store_run(st);
}

int store_orders_pending_to_unknown(store *s, int64_t now_ms)
{
	return store_tx(s, pending_tx, &now_ms);
}

struct progress_arg {
	int64_t id;
	const store_progress *p;
	int64_t added;
};

int store_order_progress_in(sqlite3 *db, int64_t id, const store_progress *p, int64_t *added)
{
	struct progress_arg pa = {id, p, 0}, *a = &pa;
	store_order o;
	int g = order_get_where(db, "id = ?", a->id, NULL, &o);
	*added = 0;
	if (g)
		return -1;
	if (p->filled_qty > o.filled_qty) {
		if (store_fill_add(db, &o, p, added))
			return -1;
		o.filled_qty = p->filled_qty;
		o.filled_amount =
		    p->filled_amount > o.filled_amount ? p->filled_amount : o.filled_amount;
	}
	if (p->canceled_qty > o.canceled_qty)
		o.canceled_qty = p->canceled_qty;
	o.status = p->status;
	if (!o.broker_order_no[0] && p->odno && *p->odno) {
		copy_if_empty(o.broker_order_no, sizeof(o.broker_order_no), p->odno);
		copy_if_empty(o.broker_orgno, sizeof(o.broker_orgno), p->orgno);
		if (p->ord_date)
			o.ord_date = p->ord_date;
		if (p->ord_time)
			o.ord_time = p->ord_time;
	}
	if (p->name && *p->name) {
		snprintf(o.name, sizeof(o.name), "%s", p->name);
		sqlite3_stmt *st =
		    store_prep(db, "INSERT INTO stock_names (code, name) VALUES (?, ?) "
		                   "ON CONFLICT (code) DO UPDATE SET name = "
		                   "excluded.name WHERE name != excluded.name");
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, o.code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, p->name, -1, SQLITE_STATIC);
		if (store_run(st) < 0)
			return -1;
	}
	o.updated_ms = p->now_ms;
	return order_write(db, &o, 0);
}

static int order_progress_tx(sqlite3 *db, void *v)
{
	struct progress_arg *a = v;
	return store_order_progress_in(db, a->id, a->p, &a->added);
}

int64_t store_order_progress(store *s, int64_t id, const store_progress *p)
{
	struct progress_arg a = {id, p, 0};
	if (store_tx(s, order_progress_tx, &a) < 0)
		return -1;
	return a.added;
}

/* ---- lists ---- */

int store_orders_by_status(store *s, unsigned status_mask, store_order **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	char sql[1024], in[256];
	store_names_in(store_status_names, ST__MAX, status_mask, in, sizeof(in));
	if (!in[0])
		return 0;
	snprintf(sql, sizeof(sql),
	         "SELECT " ORDER_COLS " FROM orders WHERE status IN (%s) ORDER BY created_ms, id",
	         in);
	sqlite3_stmt *st = store_prep(db, sql);
	if (!st)
		return -1;
	return store_rows(st, order_read, sizeof(**out), STORE_ALL, out, n);
}

int store_orders_list(store *s, const store_order_filter *f, store_order **out, size_t *n,
                      int *more)
{
	*out = NULL;
	*n = 0;
	*more = 0;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	char sql[1024];
	int len = snprintf(sql, sizeof(sql), "SELECT " ORDER_COLS " FROM orders WHERE 1");
	if (f->status >= 0)
		len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND status = ?1");
	if (f->open_only)
		len += snprintf(sql + len, sizeof(sql) - (size_t)len,
		                " AND status IN ('pending', 'submitted', 'partially_filled', "
		                "'cancel_requested', 'unknown')");
	if (f->code)
		len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND code = ?2");
	if (f->side >= 0)
		len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND side = ?3");
	if (f->source >= 0)
		len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND source = ?4");
	if (f->from_ms > 0)
		len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND created_ms >= ?5");
	if (f->to_ms > 0)
		len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND created_ms < ?6");
	if (f->cursor_id > 0)
		len += snprintf(sql + len, sizeof(sql) - (size_t)len,
		                " AND (created_ms, id) < (?7, ?8)");
	snprintf(sql + len, sizeof(sql) - (size_t)len,
	         " ORDER BY created_ms DESC, id DESC LIMIT ?9");
	sqlite3_stmt *st = store_prep(db, sql);
	if (!st)
		return -1;
	if (f->status >= 0)
		sqlite3_bind_text(st, 1, store_status_name((store_status)f->status), -1,
		                  SQLITE_STATIC);
	if (f->code)
		sqlite3_bind_text(st, 2, f->code, -1, SQLITE_TRANSIENT);
	if (f->side >= 0)
		sqlite3_bind_text(st, 3, store_side_name((store_side)f->side), -1, SQLITE_STATIC);
	if (f->source >= 0)
		sqlite3_bind_text(st, 4, store_source_name((store_source)f->source), -1,
		                  SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, f->from_ms);
	sqlite3_bind_int64(st, 6, f->to_ms);
	sqlite3_bind_int64(st, 7, f->cursor_ms);
	sqlite3_bind_int64(st, 8, f->cursor_id);
	int limit = f->limit < 1 ? 1 : f->limit > 1000 ? 1000 : f->limit;
	sqlite3_bind_int(st, 9, limit + 1);
	int r = store_rows(st, order_read, sizeof(**out), (size_t)limit, out, n);
	if (r < 0)
		return -1;
	*more = r;
	return 0;
}
