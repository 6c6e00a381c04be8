/* store_passthrough.c — the local access tokens of the KIS passthrough
 * (table passthrough_tokens): digests only, never a usable token. */
#include <stdio.h>
#include <string.h>

#include "store_internal.h"

struct pt_arg {
	const char *token_sha, *key_sha;
	int64_t issued_ms, expires_ms;
};

static int pt_add_tx(sqlite3 *db, void *v)
{
	struct pt_arg *a = v;
	/* expired ones go first: the table holds only live tokens */
	sqlite3_stmt *st = store_prep(db, "DELETE FROM passthrough_tokens WHERE expires_ms <= ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, a->issued_ms);
	if (store_run(st) < 0)
		return -1;
	st = store_prep(db, "INSERT OR REPLACE INTO passthrough_tokens (token_sha, key_sha, "
	                    "issued_ms, expires_ms) VALUES (?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, a->token_sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->key_sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, a->issued_ms);
	sqlite3_bind_int64(st, 4, a->expires_ms);
	return store_run(st) < 0 ? -1 : 0;
}

int store_pt_token_add(store *s, const char *token_sha, const char *key_sha, int64_t issued_ms,
                       int64_t expires_ms)
{
	if (!s || !token_sha || !key_sha)
		return -1;
	struct pt_arg a = {token_sha, key_sha, issued_ms, expires_ms};
	return store_tx(s, pt_add_tx, &a) < 0 ? -1 : 0;
}

int store_pt_token_find(store *s, const char *token_sha, char *key_sha, size_t cap,
                        int64_t *expires_ms)
{
	sqlite3 *db = store_db(s);
	if (!db || !token_sha || !key_sha || cap == 0)
		return -1;
	sqlite3_stmt *st = store_prep(
	    db, "SELECT key_sha, expires_ms FROM passthrough_tokens WHERE token_sha = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, token_sha, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = -1;
	if (rc == SQLITE_ROW) {
		const unsigned char *k = sqlite3_column_text(st, 0);
		snprintf(key_sha, cap, "%s", k ? (const char *)k : "");
		*expires_ms = sqlite3_column_int64(st, 1);
		r = 0;
	} else if (rc == SQLITE_DONE) {
		r = 1;
	}
	sqlite3_finalize(st);
	return r;
}
