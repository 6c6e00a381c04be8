/* store_legs.c — the legs of an order after the first (amendments and
 * cancels, each with its own KIS order number, journaled before KIS sees
 * it) and the figures the pre-trade guard adds up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "store_internal.h"

static const char *const kind_names[STORE_LEG__MAX] = {"amend", "cancel"};
static const char *const leg_status_names[LEG__MAX] = {"pending",  "accepted", "rejected",
                                                       "not_sent", "unknown",  "not_found"};

const char *store_leg_kind_name(store_leg_kind k)
{
	return (unsigned)k < STORE_LEG__MAX ? kind_names[k] : "?";
}

const char *store_leg_status_name(store_leg_status s)
{
	return (unsigned)s < LEG__MAX ? leg_status_names[s] : "?";
}

#define LEG_COLS                                                                                   \
	"id, order_id, seq, kind, coalesce(client_key, ''), request, status, orgn_odno, "          \
	"coalesce(odno, ''), coalesce(orgno, ''), ord_date, ord_time, coalesce(order_type, ''), "  \
	"price, qty, filled_qty, filled_amount, remaining_qty, sent_ms, created_ms, updated_ms, "  \
	"coalesce(reject_code, ''), coalesce(reject_message, '')"

static void leg_read(sqlite3_stmt *st, void *elem)
{
	store_leg *l = elem;
	char buf[32];
	memset(l, 0, sizeof(*l));
	l->id = sqlite3_column_int64(st, 0);
	l->order_id = sqlite3_column_int64(st, 1);
	l->seq = sqlite3_column_int(st, 2);
	store_col_text(st, 3, buf, sizeof(buf));
	l->kind = store_name_find(kind_names, STORE_LEG__MAX, buf) == 1 ? STORE_LEG_CANCEL
	                                                                : STORE_LEG_AMEND;
	store_col_text(st, 4, l->client_key, sizeof(l->client_key));
	store_col_text(st, 5, l->request, sizeof(l->request));
	store_col_text(st, 6, buf, sizeof(buf));
	int v = store_name_find(leg_status_names, LEG__MAX, buf);
	l->status = v < 0 ? LEG_UNKNOWN : (store_leg_status)v;
	store_col_text(st, 7, l->orgn_odno, sizeof(l->orgn_odno));
	store_col_text(st, 8, l->odno, sizeof(l->odno));
	store_col_text(st, 9, l->orgno, sizeof(l->orgno));
	l->ord_date = sqlite3_column_int(st, 10);
	l->ord_time = sqlite3_column_int(st, 11);
	store_col_text(st, 12, buf, sizeof(buf));
	v = store_type_parse(buf);
	l->type = v < 0 ? STORE_LIMIT : (store_type)v;
	l->price = sqlite3_column_int64(st, 13);
	l->qty = sqlite3_column_int64(st, 14);
	l->filled_qty = sqlite3_column_int64(st, 15);
	l->filled_amount = sqlite3_column_int64(st, 16);
	l->remaining_qty = sqlite3_column_int64(st, 17);
	l->sent_ms = sqlite3_column_int64(st, 18);
	l->created_ms = sqlite3_column_int64(st, 19);
	l->updated_ms = sqlite3_column_int64(st, 20);
	store_col_text(st, 21, l->reject_code, sizeof(l->reject_code));
	store_col_text(st, 22, l->reject_message, sizeof(l->reject_message));
}

/* One leg by a WHERE clause binding (int64, text). 0 / 1 none / -1. */
static int leg_where(sqlite3 *db, const char *where, int64_t i1, const char *t2, store_leg *out)
{
	char sql[768];
	snprintf(sql, sizeof(sql), "SELECT " LEG_COLS " FROM order_legs WHERE %s", where);
	sqlite3_stmt *st = store_prep(db, sql);
	if (!st)
		return -1;
	int np = sqlite3_bind_parameter_count(st);
	if (np >= 1 && t2 && np == 1)
		sqlite3_bind_text(st, 1, t2, -1, SQLITE_TRANSIENT);
	else if (np >= 1)
		sqlite3_bind_int64(st, 1, i1);
	if (np >= 2)
		sqlite3_bind_text(st, 2, t2 ? t2 : "", -1, SQLITE_TRANSIENT);
	return store_row(st, leg_read, out);
}

struct leg_insert_arg {
	store_leg *l, *existing;
};

static int leg_insert_tx(sqlite3 *db, void *v)
{
	struct leg_insert_arg *a = v;
	store_leg *l = a->l;
	if (l->client_key[0]) {
		int r = leg_where(db, "client_key = ?", 0, l->client_key, a->existing);
		if (r <= 0)
			return r == 0 ? 1 : -1;
		/* A key an order holds cannot name an amendment as well. */
		sqlite3_stmt *st =
		    store_prep(db, "SELECT id FROM orders WHERE client_order_id = ?");
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, l->client_key, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			memset(a->existing, 0, sizeof(*a->existing));
			a->existing->order_id = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
		if (rc == SQLITE_ROW)
			return 1;
		if (rc != SQLITE_DONE)
			return -1;
	}
	sqlite3_stmt *st =
	    store_prep(db, "SELECT coalesce(max(seq), 0) + 1 FROM order_legs WHERE order_id = ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, l->order_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	l->seq = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = store_prep(db, "INSERT INTO order_legs (order_id, seq, kind, client_key, request, "
	                    "status, orgn_odno, order_type, price, qty, sent_ms, created_ms, "
	                    "updated_ms) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, l->order_id);
	sqlite3_bind_int(st, 2, l->seq);
	sqlite3_bind_text(st, 3, store_leg_kind_name(l->kind), -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 4, l->client_key);
	sqlite3_bind_text(st, 5, l->request, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, l->orgn_odno, -1, SQLITE_STATIC);
	if (l->kind == STORE_LEG_AMEND)
		sqlite3_bind_text(st, 7, store_type_name(l->type), -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_int64(st, 8, l->price);
	sqlite3_bind_int64(st, 9, l->qty);
	sqlite3_bind_int64(st, 10, l->sent_ms);
	sqlite3_bind_int64(st, 11, l->created_ms);
	sqlite3_bind_int64(st, 12, l->updated_ms);
	if (store_run(st) < 0) {
		klogf(KLOG_ERROR, "storage", "leg insert failed: %s", sqlite3_errmsg(db));
		return -1;
	}
	l->id = sqlite3_last_insert_rowid(db);
	l->status = LEG_PENDING;
	return 0;
}

int store_leg_insert(store *s, store_leg *l, store_leg *existing)
{
	store_leg dummy;
	struct leg_insert_arg a = {l, existing ? existing : &dummy};
	return store_tx(s, leg_insert_tx, &a);
}

int store_leg_get(store *s, int64_t id, store_leg *out)
{
	sqlite3 *db = store_db(s);
	return db ? leg_where(db, "id = ?", id, NULL, out) : -1;
}

int store_leg_get_by_broker(store *s, int ord_date, const char *odno, store_leg *out)
{
	sqlite3 *db = store_db(s);
	if (!db || !odno || !*odno)
		return db ? 1 : -1;
	return leg_where(db, "ord_date = ? AND odno = ?", ord_date, odno, out);
}

int store_leg_get_by_key(store *s, const char *client_key, store_leg *out)
{
	sqlite3 *db = store_db(s);
	if (!db || !client_key || !*client_key)
		return db ? 1 : -1;
	return leg_where(db, "client_key = ?", 0, client_key, out);
}

int store_legs_any(store *s)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = db ? store_prep(db, "SELECT EXISTS (SELECT 1 FROM order_legs)") : NULL;
	if (!st)
		return -1;
	int rc = sqlite3_step(st), r = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : -1;
	sqlite3_finalize(st);
	return r;
}

int store_legs_of_orders(store *s, const int64_t *ids, size_t nids, store_leg **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!nids)
		return 0;
	/* the ids as one JSON array bound to one statement */
	size_t cap = nids * 21 + 3, used = 0;
	char *list = malloc(cap);
	if (!list)
		return -1;
	list[used++] = '[';
	for (size_t i = 0; i < nids; i++)
		used += (size_t)snprintf(list + used, cap - used, "%s%lld", i ? "," : "",
		                         (long long)ids[i]);
	snprintf(list + used, cap - used, "]");
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = db ? store_prep(db, "SELECT " LEG_COLS " FROM order_legs WHERE order_id "
	                                       "IN (SELECT value FROM json_each(?)) "
	                                       "ORDER BY order_id, seq")
	                      : NULL;
	if (!st) {
		free(list);
		return -1;
	}
	sqlite3_bind_text(st, 1, list, -1, free);
	return store_rows(st, leg_read, sizeof(**out), STORE_ALL, out, n);
}

int store_legs_list(store *s, int64_t order_id, store_leg **out, size_t *n)
{
	return store_legs_of_orders(s, &order_id, 1, out, n);
}

int store_legs_by_status(store *s, unsigned mask, store_leg **out, size_t *n)
{
	char sql[1024], in[256];
	store_names_in(leg_status_names, LEG__MAX, mask, in, sizeof(in));
	if (!in[0]) {
		*out = NULL;
		*n = 0;
		return 0;
	}
	snprintf(sql, sizeof(sql),
	         "SELECT " LEG_COLS " FROM order_legs WHERE status IN (%s) ORDER BY id", in);
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = db ? store_prep(db, sql) : NULL;
	if (!st)
		return -1;
	return store_rows(st, leg_read, sizeof(**out), STORE_ALL, out, n);
}

static int leg_write(sqlite3 *db, const store_leg *l, int release_key)
{
	sqlite3_stmt *st = store_prep(
	    db,
	    "UPDATE order_legs SET status = ?, odno = ?, orgno = ?, ord_date = ?, ord_time = ?, "
	    "qty = ?, filled_qty = ?, filled_amount = ?, remaining_qty = ?, updated_ms = ?, "
	    "reject_code = ?, reject_message = ?, "
	    "client_key = CASE WHEN ? THEN NULL ELSE client_key END WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, store_leg_status_name(l->status), -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 2, l->odno);
	store_bind_text_or_null(st, 3, l->orgno);
	sqlite3_bind_int(st, 4, l->ord_date);
	sqlite3_bind_int(st, 5, l->ord_time);
	sqlite3_bind_int64(st, 6, l->qty);
	sqlite3_bind_int64(st, 7, l->filled_qty);
	sqlite3_bind_int64(st, 8, l->filled_amount);
	sqlite3_bind_int64(st, 9, l->remaining_qty);
	sqlite3_bind_int64(st, 10, l->updated_ms);
	store_bind_text_or_null(st, 11, l->reject_code);
	store_bind_text_or_null(st, 12, l->reject_message);
	sqlite3_bind_int(st, 13, release_key);
	sqlite3_bind_int64(st, 14, l->id);
	return store_run(st) < 0 ? -1 : 0;
}

/* The order shows its latest accepted amendment's price and type. */
static int order_take_amendment(sqlite3 *db, const store_leg *l)
{
	sqlite3_stmt *st = store_prep(
	    db, "UPDATE orders SET price = ?, order_type = ?, type = CASE WHEN ? > 0 THEN 'limit' "
	        "ELSE 'market' END, updated_ms = max(updated_ms, ?) WHERE id = ? AND NOT EXISTS "
	        "(SELECT 1 FROM order_legs WHERE order_id = ? AND kind = 'amend' AND status = "
	        "'accepted' AND seq > ?)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, l->price);
	sqlite3_bind_text(st, 2, store_type_name(l->type), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, l->price);
	sqlite3_bind_int64(st, 4, l->updated_ms);
	sqlite3_bind_int64(st, 5, l->order_id);
	sqlite3_bind_int64(st, 6, l->order_id);
	sqlite3_bind_int(st, 7, l->seq);
	return store_run(st) < 0 ? -1 : 0;
}

struct leg_sent_arg {
	int64_t id;
	const store_leg_result *r;
};

static int leg_sent_tx(sqlite3 *db, void *v)
{
	struct leg_sent_arg *a = v;
	const store_leg_result *r = a->r;
	store_leg l;
	int g = leg_where(db, "id = ?", a->id, NULL, &l);
	if (g)
		return g < 0 ? -1 : 1;
	int release = 0;
	if (l.status == LEG_PENDING || l.status == LEG_UNKNOWN) {
		l.status = r->status;
		release = r->status == LEG_NOT_SENT && l.client_key[0];
	}
	if (!l.odno[0] && r->odno && *r->odno) {
		snprintf(l.odno, sizeof(l.odno), "%s", r->odno);
		if (r->orgno)
			snprintf(l.orgno, sizeof(l.orgno), "%s", r->orgno);
		l.ord_date = r->ord_date;
		l.ord_time = r->ord_time;
	}
	if (r->qty > 0)
		l.qty = r->qty;
	if (r->status == LEG_ACCEPTED && l.kind == STORE_LEG_AMEND && l.remaining_qty == 0 &&
	    l.filled_qty == 0)
		l.remaining_qty = l.qty;
	if (r->reject_code)
		snprintf(l.reject_code, sizeof(l.reject_code), "%s", r->reject_code);
	if (r->reject_message)
		snprintf(l.reject_message, sizeof(l.reject_message), "%s", r->reject_message);
	l.updated_ms = r->now_ms;
	if (leg_write(db, &l, release))
		return -1;
	if (l.status == LEG_ACCEPTED && l.kind == STORE_LEG_AMEND)
		return order_take_amendment(db, &l);
	return 0;
}

int store_leg_sent(store *s, int64_t id, const store_leg_result *r)
{
	struct leg_sent_arg a = {id, r};
	return store_tx(s, leg_sent_tx, &a);
}

static int legs_pending_tx(sqlite3 *db, void *v)
{
	sqlite3_stmt *st = store_prep(
	    db,
	    "UPDATE order_legs SET status = 'unknown', updated_ms = ? WHERE status = 'pending'");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, *(int64_t *)v);
	return store_run(st);
}

int store_legs_pending_to_unknown(store *s, int64_t now_ms)
{
	return store_tx(s, legs_pending_tx, &now_ms);
}

struct leg_progress_arg {
	int64_t id;
	const store_leg_progress *p;
	int64_t added;
};

static int leg_progress_tx(sqlite3 *db, void *v)
{
	struct leg_progress_arg *a = v;
	const store_leg_progress *p = a->p;
	store_leg l;
	if (leg_where(db, "id = ?", a->id, NULL, &l))
		return -1;
	a->added = 0;
	l.remaining_qty = p->remaining_qty;
	l.updated_ms = p->now_ms;
	if (p->filled_qty > l.filled_qty) {
		/* The order's cumulative grows by this leg's increase; the fill is
		 * keyed by the order's new cumulative, so a re-read adds nothing. */
		int64_t dq = p->filled_qty - l.filled_qty;
		int64_t da =
		    p->filled_amount > l.filled_amount ? p->filled_amount - l.filled_amount : 0;
		store_order o;
		if (store_order_get_in(db, l.order_id, &o))
			return -1;
		store_progress op = {.status = o.status,
		                     .filled_qty = o.filled_qty + dq,
		                     .filled_amount = o.filled_amount + da,
		                     .canceled_qty = o.canceled_qty,
		                     .trade_date = p->trade_date,
		                     .fill_ms = p->fill_ms,
		                     .now_ms = p->now_ms,
		                     .leg_id = l.id};
		if (store_order_progress_in(db, l.order_id, &op, &a->added))
			return -1;
		l.filled_qty = p->filled_qty;
		l.filled_amount =
		    p->filled_amount > l.filled_amount ? p->filled_amount : l.filled_amount;
	}
	return leg_write(db, &l, 0);
}

int64_t store_leg_progress_apply(store *s, int64_t leg_id, const store_leg_progress *p)
{
	struct leg_progress_arg a = {leg_id, p, 0};
	if (store_tx(s, leg_progress_tx, &a) < 0)
		return -1;
	return a.added;
}

int store_day_notional(store *s, int ymd, store_side side, int64_t *sum)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st =
	    db ? store_prep(db, "SELECT coalesce(sum(CASE WHEN status IN ('canceled', 'filled') "
	                        "THEN filled_amount ELSE max(notional, filled_amount) END), 0) "
	                        "FROM orders WHERE ord_date = ? AND side = ? AND source != "
	                        "'external' AND status NOT IN ('rejected', 'not_sent', "
	                        "'not_found')")
	       : NULL;
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, ymd);
	sqlite3_bind_text(st, 2, store_side_name(side), -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*sum = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int store_code_exposure(store *s, const char *code, int64_t *held, int64_t *open_buys)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st =
	    db ? store_prep(db, "SELECT (SELECT coalesce(max(pos), 0) FROM positions WHERE code = "
	                        "?1), (SELECT coalesce(sum(max(qty - filled_qty - canceled_qty, "
	                        "0)), 0) FROM orders WHERE code = ?1 AND side = 'buy' AND status "
	                        "IN ('pending', 'submitted', 'partially_filled', "
	                        "'cancel_requested', 'unknown'))")
	       : NULL;
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*held = sqlite3_column_int64(st, 0);
		*open_buys = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}
