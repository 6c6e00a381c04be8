/* store_autotrade.c — the auto-trade job's tables: targets, the day plan,
 * decisions and run-time settings; and the fills-with-source read that its
 * FIFO matching (managed lots, realised P&L) walks. */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* ---- targets ---- */

struct targets_arg {
	const store_at_target *t;
	size_t n;
	int64_t now;
};

static int targets_put_tx(sqlite3 *db, void *v)
{
	struct targets_arg *a = v;
	if (sqlite3_exec(db, "DELETE FROM autotrade_targets", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	sqlite3_stmt *st = store_prep(db, "INSERT INTO autotrade_targets (code, name, ref_price, "
	                                  "position, updated_ms) VALUES (?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, a->t[i].code, -1, SQLITE_TRANSIENT);
		store_bind_text_or_null(st, 2, a->t[i].name);
		if (a->t[i].ref_price > 0)
			sqlite3_bind_int64(st, 3, a->t[i].ref_price);
		else
			sqlite3_bind_null(st, 3);
		sqlite3_bind_int64(st, 4, (int64_t)i);
		sqlite3_bind_int64(st, 5, a->now);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

int store_at_targets_put(store *s, const store_at_target *t, size_t n, int64_t now_ms)
{
	struct targets_arg a = {t, n, now_ms};
	return store_tx(s, targets_put_tx, &a) < 0 ? -1 : 0;
}

static void target_read(sqlite3_stmt *st, void *elem)
{
	store_at_target *t = elem;
	store_col_text(st, 0, t->code, sizeof(t->code));
	store_col_text(st, 1, t->name, sizeof(t->name));
	t->ref_price = sqlite3_column_int64(st, 2);
}

int store_at_targets_get(store *s, store_at_target **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	sqlite3_stmt *st = store_prep(db, "SELECT code, name, coalesce(ref_price, 0) FROM "
	                                  "autotrade_targets ORDER BY position, code");
	if (!st)
		return -1;
	return store_rows(st, target_read, sizeof(**out), STORE_ALL, out, n);
}

static int targets_delete_tx(sqlite3 *db, void *v)
{
	const char *code = v;
	sqlite3_stmt *st = store_prep(db, code ? "DELETE FROM autotrade_targets WHERE code = ?"
	                                       : "DELETE FROM autotrade_targets");
	if (!st)
		return -1;
	if (code)
		sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	return store_run(st);
}

int store_at_targets_delete(store *s, const char *code)
{
	return store_tx(s, targets_delete_tx, (void *)code);
}

/* ---- day plan ---- */

struct day_arg {
	const store_at_day *d;
	size_t n;
};

static int day_put_tx(sqlite3 *db, void *v)
{
	struct day_arg *a = v;
	sqlite3_stmt *st =
	    store_prep(db, "INSERT OR IGNORE INTO autotrade_day (ymd, code, ref_price, prev_range, "
	                   "budget, held) VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		const store_at_day *d = &a->d[i];
		sqlite3_reset(st);
		sqlite3_bind_int(st, 1, d->ymd);
		sqlite3_bind_text(st, 2, d->code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, d->ref_price);
		sqlite3_bind_int64(st, 4, d->prev_range);
		sqlite3_bind_int64(st, 5, d->budget);
		sqlite3_bind_int(st, 6, d->held);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

int store_at_day_put(store *s, const store_at_day *d, size_t n)
{
	struct day_arg a = {d, n};
	return store_tx(s, day_put_tx, &a) < 0 ? -1 : 0;
}

static void day_read(sqlite3_stmt *st, void *elem)
{
	store_at_day *d = elem;
	store_col_text(st, 0, d->code, sizeof(d->code));
	d->ref_price = sqlite3_column_int64(st, 1);
	d->prev_range = sqlite3_column_int64(st, 2);
	d->budget = sqlite3_column_int64(st, 3);
	d->held = sqlite3_column_int(st, 4);
	d->ymd = sqlite3_column_int(st, 5);
}

int store_at_day_get(store *s, int ymd, store_at_day **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	sqlite3_stmt *st =
	    store_prep(db, "SELECT code, ref_price, prev_range, budget, held, ymd FROM "
	                   "autotrade_day WHERE ymd = ? ORDER BY code");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, ymd);
	return store_rows(st, day_read, sizeof(**out), STORE_ALL, out, n);
}

/* ---- decisions ---- */

#define DECISION_COLS                                                                              \
	"id, at_ms, ymd, code, action, reason, price, qty, ref_price, coalesce(order_id, 0), "     \
	"client_order_id, dry_run, detail"

static void decision_read(sqlite3_stmt *st, void *elem)
{
	store_at_decision *d = elem;
	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(st, 0);
	d->at_ms = sqlite3_column_int64(st, 1);
	d->ymd = sqlite3_column_int(st, 2);
	store_col_text(st, 3, d->code, sizeof(d->code));
	store_col_text(st, 4, d->action, sizeof(d->action));
	store_col_text(st, 5, d->reason, sizeof(d->reason));
	d->price = sqlite3_column_int64(st, 6);
	d->qty = sqlite3_column_int64(st, 7);
	d->ref_price = sqlite3_column_int64(st, 8);
	d->order_id = sqlite3_column_int64(st, 9);
	store_col_text(st, 10, d->client_order_id, sizeof(d->client_order_id));
	d->dry_run = sqlite3_column_int(st, 11);
	store_col_text(st, 12, d->detail, sizeof(d->detail));
}

static int decision_add_tx(sqlite3 *db, void *v)
{
	store_at_decision *d = v;
	sqlite3_stmt *st = store_prep(
	    db, "INSERT INTO autotrade_decisions (at_ms, ymd, code, action, reason, price, qty, "
	        "ref_price, order_id, client_order_id, dry_run, detail) VALUES (?, ?, ?, ?, ?, ?, "
	        "?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, d->at_ms);
	sqlite3_bind_int(st, 2, d->ymd);
	sqlite3_bind_text(st, 3, d->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, d->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, d->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, d->price);
	sqlite3_bind_int64(st, 7, d->qty);
	sqlite3_bind_int64(st, 8, d->ref_price);
	if (d->order_id > 0)
		sqlite3_bind_int64(st, 9, d->order_id);
	else
		sqlite3_bind_null(st, 9);
	store_bind_text_or_null(st, 10, d->client_order_id);
	sqlite3_bind_int(st, 11, d->dry_run);
	store_bind_text_or_null(st, 12, d->detail);
	if (store_run(st) < 0)
		return -1;
	d->id = sqlite3_last_insert_rowid(db);
	return 0;
}

int store_at_decision_add(store *s, store_at_decision *d)
{
	return store_tx(s, decision_add_tx, d) < 0 ? -1 : 0;
}

int store_at_decisions_list(store *s, const store_at_decision_filter *f, store_at_decision **out,
                            size_t *n, int *more)
{
	*out = NULL;
	*n = 0;
	*more = 0;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	sqlite3_stmt *st = store_prep(
	    db, "SELECT " DECISION_COLS " FROM autotrade_decisions WHERE (?1 = 0 OR ymd = ?1) AND "
	        "(?2 IS NULL OR code = ?2) AND (?3 IS NULL OR action = ?3) AND (?4 = 0 OR id < ?4) "
	        "ORDER BY id DESC LIMIT ?5");
	if (!st)
		return -1;
	int limit = f->limit < 1 ? 1 : f->limit > 1000 ? 1000 : f->limit;
	sqlite3_bind_int(st, 1, f->ymd);
	store_bind_text_or_null(st, 2, f->code);
	store_bind_text_or_null(st, 3, f->action);
	sqlite3_bind_int64(st, 4, f->before_id);
	sqlite3_bind_int(st, 5, limit + 1);
	int r = store_rows(st, decision_read, sizeof(**out), (size_t)limit, out, n);
	if (r < 0)
		return -1;
	*more = r;
	return 0;
}

int store_at_decision_last(store *s, int ymd, const char *code, store_at_decision *out)
{
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	sqlite3_stmt *st = store_prep(db, "SELECT " DECISION_COLS " FROM autotrade_decisions "
	                                  "WHERE ymd = ? AND code = ? ORDER BY id DESC LIMIT 1");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, ymd);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
	return store_row(st, decision_read, out);
}

/* ---- run-time settings ---- */

static void kv_read(sqlite3_stmt *st, void *elem)
{
	store_kv *kv = elem;
	store_col_text(st, 0, kv->name, sizeof(kv->name));
	store_col_text(st, 1, kv->value, sizeof(kv->value));
	kv->updated_ms = sqlite3_column_int64(st, 2);
}

int store_at_settings_get(store *s, store_kv **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	sqlite3_stmt *st =
	    store_prep(db, "SELECT name, value, updated_ms FROM autotrade_settings ORDER BY name");
	if (!st)
		return -1;
	return store_rows(st, kv_read, sizeof(**out), STORE_ALL, out, n);
}

struct setting_arg {
	const char *name, *value;
	int64_t now;
};

static int setting_set_tx(sqlite3 *db, void *v)
{
	struct setting_arg *a = v;
	sqlite3_stmt *st =
	    store_prep(db, a->value ? "INSERT INTO autotrade_settings (name, value, updated_ms) "
	                              "VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE SET value "
	                              "= excluded.value, updated_ms = excluded.updated_ms"
	                            : "DELETE FROM autotrade_settings WHERE name = ?1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	if (a->value) {
		sqlite3_bind_text(st, 2, a->value, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, a->now);
	}
	return store_run(st) < 0 ? -1 : 0;
}

int store_at_setting_set(store *s, const char *name, const char *value, int64_t now_ms)
{
	struct setting_arg a = {name, value, now_ms};
	return store_tx(s, setting_set_tx, &a) < 0 ? -1 : 0;
}

/* ---- fills with their source ---- */

static void trade_read(sqlite3_stmt *st, void *elem)
{
	store_trade *t = elem;
	store_col_text(st, 0, t->code, sizeof(t->code));
	char buf[16];
	store_col_text(st, 1, buf, sizeof(buf));
	t->side = strcmp(buf, "sell") ? STORE_BUY : STORE_SELL;
	store_col_text(st, 2, buf, sizeof(buf));
	int src = store_source_parse(buf);
	t->source = src < 0 ? STORE_SRC_EXTERNAL : (store_source)src;
	t->qty = sqlite3_column_int64(st, 3);
	t->amount = sqlite3_column_int64(st, 4);
	t->order_id = sqlite3_column_int64(st, 5);
	t->trade_date = sqlite3_column_int(st, 6);
	t->filled_ms = sqlite3_column_int64(st, 7);
}

int store_trades_list(store *s, const char *code, int source, int to_ymd, store_trade **out,
                      size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	sqlite3_stmt *st = store_prep(
	    db, "SELECT f.code, f.side, o.source, f.qty, f.amount, f.order_id, f.trade_date, "
	        "f.filled_ms FROM fills f JOIN orders o ON o.id = f.order_id WHERE (?1 IS NULL OR "
	        "f.code = ?1) AND (?2 IS NULL OR o.source = ?2) AND (?3 = 0 OR f.trade_date <= ?3) "
	        "ORDER BY f.code, f.trade_date, f.filled_ms, f.id");
	if (!st)
		return -1;
	store_bind_text_or_null(st, 1, code);
	if (source >= 0 && source < STORE_SOURCE__MAX)
		sqlite3_bind_text(st, 2, store_source_name((store_source)source), -1,
		                  SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int(st, 3, to_ymd);
	return store_rows(st, trade_read, sizeof(**out), STORE_ALL, out, n);
}

int store_stock_name(store *s, const char *code, char *buf, size_t cap)
{
	buf[0] = 0;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	sqlite3_stmt *st = store_prep(db, "SELECT name FROM stock_names WHERE code = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 1;
	if (rc == SQLITE_ROW) {
		store_col_text(st, 0, buf, cap);
		r = 0;
	} else if (rc != SQLITE_DONE) {
		r = -1;
	}
	sqlite3_finalize(st);
	return r;
}
