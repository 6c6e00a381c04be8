/* store_orders.c — the order journal, fills and the FIFO holdings derived
 * from them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "store_internal.h"

const char *const store_side_names[STORE_SIDE__MAX + 1] = {"buy", "sell", NULL};
const char *const store_type_names[STORE_TYPE__MAX + 1] = {"market",
                                                           "limit",
                                                           "conditional_limit",
                                                           "best",
                                                           "priority",
                                                           "pre_market_close",
                                                           "after_market_close",
                                                           "after_hours_single",
                                                           "mid",
                                                           "stop_limit",
                                                           NULL};
const char *const store_tif_names[STORE_TIF__MAX + 1] = {"day", "ioc", "fok", NULL};
const char *const store_venue_names[STORE_VENUE__MAX + 1] = {"KRX", "NXT", "SOR", NULL};
const char *const store_source_names[STORE_SOURCE__MAX + 1] = {"api", "autotrade", "external",
                                                               NULL};
const char *const store_status_names[ST__MAX + 1] = {
    "pending",  "submitted", "partially_filled", "filled",  "cancel_requested",
    "canceled", "rejected",  "not_sent",         "unknown", "not_found",
    NULL};

static int name_find(const char *const *names, int n, const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

const char *store_side_name(store_side s)
{
	return (unsigned)s < STORE_SIDE__MAX ? store_side_names[s] : "?";
}
const char *store_type_name(store_type t)
{
	return (unsigned)t < STORE_TYPE__MAX ? store_type_names[t] : "?";
}
const char *store_tif_name(store_tif t)
{
	return (unsigned)t < STORE_TIF__MAX ? store_tif_names[t] : "?";
}
const char *store_venue_name(store_venue v)
{
	return (unsigned)v < STORE_VENUE__MAX ? store_venue_names[v] : "?";
}
int store_type_parse(const char *s)
{
	return name_find(store_type_names, STORE_TYPE__MAX, s);
}
int store_tif_parse(const char *s)
{
	return name_find(store_tif_names, STORE_TIF__MAX, s);
}
int store_venue_parse(const char *s)
{
	return name_find(store_venue_names, STORE_VENUE__MAX, s);
}
const char *store_source_name(store_source s)
{
	return (unsigned)s < STORE_SOURCE__MAX ? store_source_names[s] : "?";
}
const char *store_status_name(store_status s)
{
	return (unsigned)s < ST__MAX ? store_status_names[s] : "?";
}
int store_side_parse(const char *s)
{
	return name_find(store_side_names, STORE_SIDE__MAX, s);
}
int store_source_parse(const char *s)
{
	return name_find(store_source_names, STORE_SOURCE__MAX, s);
}
int store_status_parse(const char *s)
{
	return name_find(store_status_names, ST__MAX, s);
}

int store_status_final(store_status s)
{
	return s == ST_FILLED || s == ST_CANCELED || s == ST_REJECTED || s == ST_NOT_SENT ||
	       s == ST_NOT_FOUND;
}

#define ORDER_COLS                                                                                 \
	"id, coalesce(client_order_id, ''), request, code, coalesce(name, ''), side, type, qty, "  \
	"price, status, source, filled_qty, filled_amount, canceled_qty, "                         \
	"coalesce(broker_order_no, ''), coalesce(broker_orgno, ''), ord_date, ord_time, sent_ms, " \
	"created_ms, updated_ms, coalesce(reject_code, ''), coalesce(reject_message, ''), "        \
	"coalesce(order_type, type), time_in_force, venue, stop_price, notional"

static void order_read(sqlite3_stmt *st, store_order *o)
{
	char buf[32];
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, o->client_order_id, sizeof(o->client_order_id));
	store_col_text(st, 2, o->request, sizeof(o->request));
	store_col_text(st, 3, o->code, sizeof(o->code));
	store_col_text(st, 4, o->name, sizeof(o->name));
	store_col_text(st, 5, buf, sizeof(buf));
	o->side = name_find(store_side_names, STORE_SIDE__MAX, buf) == 1 ? STORE_SELL : STORE_BUY;
	/* Column 6 (`type`) only says whether a price was sent; 23 is the type. */
	store_col_text(st, 23, buf, sizeof(buf));
	int t = name_find(store_type_names, STORE_TYPE__MAX, buf);
	o->type = t < 0 ? STORE_LIMIT : (store_type)t;
	store_col_text(st, 24, buf, sizeof(buf));
	t = name_find(store_tif_names, STORE_TIF__MAX, buf);
	o->tif = t < 0 ? STORE_TIF_DAY : (store_tif)t;
	store_col_text(st, 25, buf, sizeof(buf));
	t = name_find(store_venue_names, STORE_VENUE__MAX, buf);
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
	int rc = sqlite3_step(st), r;
	if (rc == SQLITE_ROW) {
		order_read(st, out);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? 1 : -1;
	}
	sqlite3_finalize(st);
	return r;
}

static int order_by_key(sqlite3 *db, const char *key, store_order *out)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT " ORDER_COLS " FROM orders WHERE client_order_id = ?");
	sqlite3_stmt *st = store_prep(db, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st), r;
	if (rc == SQLITE_ROW) {
		order_read(st, out);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? 1 : -1;
	}
	sqlite3_finalize(st);
	return r;
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
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
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
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
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

int store_fills_list(store *s, int64_t order_id, store_fill **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	sqlite3_stmt *st =
	    store_prep(db, "SELECT id, order_id, qty, amount, trade_date, filled_ms, "
	                   "coalesce(leg_id, 0) FROM fills WHERE order_id = ? "
	                   "ORDER BY cum_qty");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, order_id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			store_fill *p = realloc(*out, cap * sizeof(**out));
			if (!p) {
				rc = SQLITE_NOMEM;
				break;
			}
			*out = p;
		}
		store_fill *f = &(*out)[(*n)++];
		f->id = sqlite3_column_int64(st, 0);
		f->order_id = sqlite3_column_int64(st, 1);
		f->qty = sqlite3_column_int64(st, 2);
		f->amount = sqlite3_column_int64(st, 3);
		f->trade_date = sqlite3_column_int(st, 4);
		f->filled_ms = sqlite3_column_int64(st, 5);
		f->leg_id = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
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
	int rc = sqlite3_step(st), r;
	if (rc == SQLITE_ROW) {
		order_read(st, out);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? 1 : -1;
	}
	sqlite3_finalize(st);
	return r;
}

static int pending_tx(sqlite3 *db, void *v)
{
	sqlite3_stmt *st = store_prep(
	    db, "UPDATE orders SET status = 'unknown', updated_ms = ? WHERE status = 'pending'");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, *(int64_t *)v);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_changes(db) : -1;
}

int store_orders_pending_to_unknown(store *s, int64_t now_ms)
{
	return store_tx(s, pending_tx, &now_ms);
}

/* ---- fills and the per-code FIFO state ---- */

typedef struct pos_state {
	int64_t pos;
	int incomplete;
	int last_date;
	int64_t last_ms, last_id;
} pos_state;

static void pos_apply(pos_state *p, int sell, int64_t qty)
{
	if (!sell) {
		p->pos += qty;
	} else if (qty > p->pos) {
		p->pos = 0;
		p->incomplete = 1;
	} else {
		p->pos -= qty;
	}
}

static int key_after(int d1, int64_t ms1, int64_t id1, int d2, int64_t ms2, int64_t id2)
{
	if (d1 != d2)
		return d1 > d2;
	if (ms1 != ms2)
		return ms1 > ms2;
	return id1 > id2;
}

/* Replays every fill of code in FIFO order: used when a fill arrives older
 * than the newest one already known (backfill), so the clamp at zero is
 * applied in the right order. */
static int pos_rebuild(sqlite3 *db, const char *code, pos_state *p)
{
	memset(p, 0, sizeof(*p));
	sqlite3_stmt *st = store_prep(db, "SELECT side, qty, trade_date, filled_ms, id FROM fills "
	                                  "WHERE code = ? ORDER BY trade_date, filled_ms, id");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *side = sqlite3_column_text(st, 0);
		pos_apply(p, side && !strcmp((const char *)side, "sell"),
		          sqlite3_column_int64(st, 1));
		p->last_date = sqlite3_column_int(st, 2);
		p->last_ms = sqlite3_column_int64(st, 3);
		p->last_id = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int pos_update(sqlite3 *db, const char *code, int sell, int64_t qty, int date, int64_t ms,
                      int64_t id)
{
	pos_state p = {0};
	int have = 0;
	sqlite3_stmt *st = store_prep(
	    db,
	    "SELECT pos, incomplete, last_date, last_ms, last_id FROM positions WHERE code = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		have = 1;
		p.pos = sqlite3_column_int64(st, 0);
		p.incomplete = sqlite3_column_int(st, 1);
		p.last_date = sqlite3_column_int(st, 2);
		p.last_ms = sqlite3_column_int64(st, 3);
		p.last_id = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (!have || key_after(date, ms, id, p.last_date, p.last_ms, p.last_id)) {
		pos_apply(&p, sell, qty);
		p.last_date = date;
		p.last_ms = ms;
		p.last_id = id;
	} else if (pos_rebuild(db, code, &p)) {
		return -1;
	}
	st = store_prep(
	    db, "INSERT INTO positions (code, pos, incomplete, last_date, last_ms, "
	        "last_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET "
	        "pos = excluded.pos, incomplete = excluded.incomplete, last_date = "
	        "excluded.last_date, last_ms = excluded.last_ms, last_id = excluded.last_id");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, p.pos);
	sqlite3_bind_int(st, 3, p.incomplete);
	sqlite3_bind_int(st, 4, p.last_date);
	sqlite3_bind_int64(st, 5, p.last_ms);
	sqlite3_bind_int64(st, 6, p.last_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
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
		int64_t dq = p->filled_qty - o.filled_qty;
		int64_t da = p->filled_amount - o.filled_amount;
		if (da < 0)
			da = 0;
		sqlite3_stmt *st = store_prep(
		    db, "INSERT OR IGNORE INTO fills (order_id, cum_qty, code, side, qty, amount, "
		        "trade_date, filled_ms, leg_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, o.id);
		sqlite3_bind_int64(st, 2, p->filled_qty);
		sqlite3_bind_text(st, 3, o.code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, store_side_name(o.side), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, dq);
		sqlite3_bind_int64(st, 6, da);
		sqlite3_bind_int(st, 7, p->trade_date);
		sqlite3_bind_int64(st, 8, p->fill_ms);
		if (p->leg_id > 0)
			sqlite3_bind_int64(st, 9, p->leg_id);
		else
			sqlite3_bind_null(st, 9);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return -1;
		if (sqlite3_changes(db) == 1) {
			if (pos_update(db, o.code, o.side == STORE_SELL, dq, p->trade_date,
			               p->fill_ms, sqlite3_last_insert_rowid(db)))
				return -1;
			*added = dq;
		}
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
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
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

static int rebuild_all_tx(sqlite3 *db, void *v)
{
	(void)v;
	if (sqlite3_exec(db, "DELETE FROM positions", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	sqlite3_stmt *st = store_prep(db, "SELECT DISTINCT code FROM fills");
	if (!st)
		return -1;
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char code[16];
		store_col_text(st, 0, code, sizeof(code));
		pos_state p;
		if (pos_rebuild(db, code, &p))
			break;
		sqlite3_stmt *up =
		    store_prep(db, "INSERT INTO positions (code, pos, incomplete, "
		                   "last_date, last_ms, last_id) VALUES (?, ?, ?, ?, "
		                   "?, ?)");
		if (!up)
			break;
		sqlite3_bind_text(up, 1, code, -1, SQLITE_STATIC);
		sqlite3_bind_int64(up, 2, p.pos);
		sqlite3_bind_int(up, 3, p.incomplete);
		sqlite3_bind_int(up, 4, p.last_date);
		sqlite3_bind_int64(up, 5, p.last_ms);
		sqlite3_bind_int64(up, 6, p.last_id);
		int urc = sqlite3_step(up);
		sqlite3_finalize(up);
		if (urc != SQLITE_DONE)
			break;
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

int store_positions_rebuild(store *s)
{
	return store_tx(s, rebuild_all_tx, NULL);
}

/* ---- lists ---- */

static int orders_collect(sqlite3_stmt *st, store_order **out, size_t *n, size_t max)
{
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			store_order *p = realloc(*out, cap * sizeof(**out));
			if (!p) {
				rc = SQLITE_NOMEM;
				break;
			}
			*out = p;
		}
		order_read(st, &(*out)[(*n)++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return rc == SQLITE_ROW ? 1 : 0;
}

int store_orders_by_status(store *s, unsigned status_mask, store_order **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	char sql[1024], in[256] = "";
	size_t used = 0;
	for (int i = 0; i < ST__MAX; i++) {
		if (!(status_mask & (1u << i)))
			continue;
		used += (size_t)snprintf(in + used, sizeof(in) - used, "%s'%s'", used ? "," : "",
		                         store_status_names[i]);
	}
	if (!used)
		return 0;
	snprintf(sql, sizeof(sql),
	         "SELECT " ORDER_COLS " FROM orders WHERE status IN (%s) ORDER BY created_ms, id",
	         in);
	sqlite3_stmt *st = store_prep(db, sql);
	if (!st)
		return -1;
	return orders_collect(st, out, n, (size_t)-1) < 0 ? -1 : 0;
}

int store_orders_on_date(store *s, int ord_date, store_order **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	sqlite3_stmt *st =
	    store_prep(db, "SELECT " ORDER_COLS " FROM orders WHERE ord_date = ? AND "
	                   "broker_order_no IS NOT NULL ORDER BY id");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, ord_date);
	return orders_collect(st, out, n, (size_t)-1) < 0 ? -1 : 0;
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
	int r = orders_collect(st, out, n, (size_t)limit);
	if (r < 0)
		return -1;
	*more = r;
	return 0;
}

/* ---- holdings ---- */

/* The open lots of one code: under FIFO they are the newest buy fills that
 * add up to pos (everything older was consumed by sells), so only those few
 * rows are read, whatever the size of the history. st is the prepared lots
 * query, reset here. */
static int lots_read(sqlite3_stmt *st, store_holding *h, int64_t pos, int max_acquired)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, h->code, -1, SQLITE_STATIC);
	size_t cap = 0;
	int64_t need = pos;
	int rc = SQLITE_DONE;
	while (need > 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t q = sqlite3_column_int64(st, 1), amt = sqlite3_column_int64(st, 2);
		int date = sqlite3_column_int(st, 0);
		int64_t take = q < need ? q : need;
		need -= take;
		if (max_acquired && date > max_acquired)
			continue;
		if (h->nlots == cap) {
			cap = cap ? cap * 2 : 8;
			store_lot *p = realloc(h->lots, cap * sizeof(*p));
			if (!p) {
				rc = SQLITE_NOMEM;
				break;
			}
			h->lots = p;
		}
		store_lot *l = &h->lots[h->nlots++];
		l->acquired_on = date;
		l->qty = take;
		l->price = q > 0 ? (double)amt / (double)q : 0;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return -1;
	/* Oldest first. */
	for (size_t i = 0, j = h->nlots ? h->nlots - 1 : 0; i < j; i++, j--) {
		store_lot t = h->lots[i];
		h->lots[i] = h->lots[j];
		h->lots[j] = t;
	}
	return 0;
}

static void name_read(sqlite3_stmt *st, store_holding *h)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, h->code, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		store_col_text(st, 0, h->name, sizeof(h->name));
}

int store_holdings_get(store *s, int max_acquired, store_holdings *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	/* One read transaction: a consistent snapshot of positions and fills. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	sqlite3_stmt *st = store_prep(
	    db, "SELECT code, pos, incomplete FROM positions WHERE pos > 0 ORDER BY code");
	int rc = SQLITE_ERROR;
	size_t cap = 0;
	if (st) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (out->n == cap) {
				cap = cap ? cap * 2 : 16;
				store_holding *p = realloc(out->h, cap * sizeof(*p));
				if (!p) {
					rc = SQLITE_NOMEM;
					break;
				}
				out->h = p;
			}
			store_holding *h = &out->h[out->n++];
			memset(h, 0, sizeof(*h));
			store_col_text(st, 0, h->code, sizeof(h->code));
			h->qty = sqlite3_column_int64(st, 1);
			h->incomplete = sqlite3_column_int(st, 2);
		}
		sqlite3_finalize(st);
	}
	sqlite3_stmt *lots = store_prep(db, "SELECT trade_date, qty, amount FROM fills WHERE code "
	                                    "= ? AND side = 'buy' ORDER BY trade_date DESC, "
	                                    "filled_ms DESC, id DESC");
	sqlite3_stmt *names = store_prep(db, "SELECT name FROM stock_names WHERE code = ?");
	if (!lots || !names)
		rc = SQLITE_ERROR;
	for (size_t i = 0; rc == SQLITE_DONE && i < out->n; i++) {
		if (lots_read(lots, &out->h[i], out->h[i].qty, max_acquired))
			rc = SQLITE_ERROR;
		else
			name_read(names, &out->h[i]);
	}
	sqlite3_finalize(lots);
	sqlite3_finalize(names);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_DONE) {
		store_holdings_free(out);
		return -1;
	}
	return 0;
}

void store_holdings_free(store_holdings *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		free(h->h[i].lots);
	free(h->h);
	h->h = NULL;
	h->n = 0;
}
