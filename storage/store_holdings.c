/* store_holdings.c — open FIFO lots per code, read from fills and
 * positions (nothing stored per lot). */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

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
