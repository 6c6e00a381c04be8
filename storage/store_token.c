/* store_token.c — the KIS access-token cache (kis_token_store callbacks). */
#include <stdio.h>
#include <string.h>

#include "store_internal.h"

int store_token_load(void *ctx, const char *key_id, char *token, size_t cap, int64_t *expires_ms,
                     int64_t *issued_real_ms)
{
	sqlite3 *db = store_db(ctx);
	if (!db || !key_id || !token || cap == 0)
		return -1;
	sqlite3_stmt *st = store_prep(
	    db, "SELECT token, expires_ms, issued_real_ms FROM kis_token WHERE key_id = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key_id, -1, SQLITE_STATIC);
	int r = -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		size_t len = t ? strlen((const char *)t) : 0;
		if (len < cap) { /* a token that does not fit is as good as none */
			memcpy(token, t ? (const char *)t : "", len + 1);
			if (expires_ms)
				*expires_ms = t ? sqlite3_column_int64(st, 1) : 0;
		} else {
			token[0] = 0;
			if (expires_ms)
				*expires_ms = 0;
		}
		if (issued_real_ms)
			*issued_real_ms = sqlite3_column_int64(st, 2);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

struct token_arg {
	const char *key_id, *token;
	int64_t expires_ms, issued_real_ms;
};

static int token_save_tx(sqlite3 *db, void *v)
{
	struct token_arg *a = v;
	sqlite3_stmt *st = store_prep(
	    db, "INSERT INTO kis_token (key_id, token, expires_ms, issued_real_ms) "
	        "VALUES (?, ?, ?, ?) ON CONFLICT (key_id) DO UPDATE SET token = excluded.token, "
	        "expires_ms = excluded.expires_ms, issued_real_ms = excluded.issued_real_ms");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, a->key_id, -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 2, a->token);
	sqlite3_bind_int64(st, 3, a->token && *a->token ? a->expires_ms : 0);
	sqlite3_bind_int64(st, 4, a->issued_real_ms);
	return store_run(st) < 0 ? -1 : 0;
}

int store_token_save(void *ctx, const char *key_id, const char *token, int64_t expires_ms,
                     int64_t issued_real_ms)
{
	if (!ctx || !key_id)
		return -1;
	struct token_arg a = {key_id, token, expires_ms, issued_real_ms};
	return store_tx(ctx, token_save_tx, &a) < 0 ? -1 : 0;
}
