/* store_internal.h — what the storage files share: the per-thread
 * connection, the transaction runner and the embedded migrations. */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

typedef struct store_migration {
	int version;
	const char *name;
	const char *sql;
} store_migration;

extern const store_migration store_migrations[];
extern const int store_nmigrations;

/* The calling thread's connection (opened on first use), or NULL. */
sqlite3 *store_db(store *s);

/* Runs fn inside BEGIN IMMEDIATE ... COMMIT on the calling thread's
 * connection. fn returns >= 0 to commit (that value is returned) or < 0 to
 * roll back (returned as -1). SQLITE_BUSY on BEGIN/COMMIT is retried with a
 * bounded backoff; then, like any hard failure, it is -1. */
typedef int (*store_tx_fn)(sqlite3 *db, void *arg);
int store_tx(store *s, store_tx_fn fn, void *arg);

/* Prepare or log; NULL on failure. */
sqlite3_stmt *store_prep(sqlite3 *db, const char *sql);
/* Copy a text column into buf ("" for NULL). */
void store_col_text(sqlite3_stmt *st, int col, char *buf, size_t cap);
/* Bind text, NULL when s is NULL or "". */
int store_bind_text_or_null(sqlite3_stmt *st, int idx, const char *s);

/* store_order_progress inside the caller's transaction (store_legs.c
 * attributes an amendment leg's fills through it). *added: the fill's qty. */
int store_order_get_in(sqlite3 *db, int64_t id, store_order *out);
int store_order_progress_in(sqlite3 *db, int64_t id, const store_progress *p, int64_t *added);

/* Index of s in names[0..n), or -1 (s NULL or not there) (store_names.c). */
int store_name_find(const char *const *names, int n, const char *s);

/* Inside a transaction: records the fill that takes order o (as stored) to
 * p's cumulative quantity, and moves the code's FIFO position
 * (store_fills.c). *added is the quantity new to the ledger (0 when the
 * fill was known). 0 or -1. */
int store_fill_add(sqlite3 *db, const store_order *o, const store_progress *p, int64_t *added);

#endif
