/* store_fills.c — fills (one row per increase of an order's cumulative
 * filled quantity) and the per-code FIFO position derived from them. */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

static void fill_read(sqlite3_stmt *st, void *elem)
{
	store_fill *f = elem;
	f->id = sqlite3_column_int64(st, 0);
	f->order_id = sqlite3_column_int64(st, 1);
	f->qty = sqlite3_column_int64(st, 2);
	f->amount = sqlite3_column_int64(st, 3);
	f->trade_date = sqlite3_column_int(st, 4);
	f->filled_ms = sqlite3_column_int64(st, 5);
	f->leg_id = sqlite3_column_int64(st, 6);
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
	return store_rows(st, fill_read, sizeof(**out), STORE_ALL, out, n);
}

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

int store_fill_add(sqlite3 *db, const store_order *o, const store_progress *p, int64_t *added)
{
	*added = 0;
	int64_t dq = p->filled_qty - o->filled_qty;
	int64_t da = p->filled_amount - o->filled_amount;
	if (da < 0)
		da = 0;
	sqlite3_stmt *st = store_prep(
	    db, "INSERT OR IGNORE INTO fills (order_id, cum_qty, code, side, qty, amount, "
	        "trade_date, filled_ms, leg_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_int64(st, 2, p->filled_qty);
	sqlite3_bind_text(st, 3, o->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, store_side_name(o->side), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, dq);
	sqlite3_bind_int64(st, 6, da);
	sqlite3_bind_int(st, 7, p->trade_date);
	sqlite3_bind_int64(st, 8, p->fill_ms);
	if (p->leg_id > 0)
		sqlite3_bind_int64(st, 9, p->leg_id);
	else
		sqlite3_bind_null(st, 9);
	int changed = store_run(st);
	if (changed < 0)
		return -1;
	if (changed == 1) {
		if (pos_update(db, o->code, o->side == STORE_SELL, dq, p->trade_date, p->fill_ms,
		               sqlite3_last_insert_rowid(db)))
			return -1;
		*added = dq;
	}
	return 0;
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
