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
/* Reads the current row of a statement into elem, one of the caller's structs. */
typedef void (*store_row_fn)(sqlite3_stmt *st, void *elem);
/* Steps st once and reads its row into out. Finalizes st. 0, 1 when there
 * is no row, or -1. */
int store_row(sqlite3_stmt *st, store_row_fn read, void *out);
/* Steps st through its rows and reads up to max of them into a new array
 * of elements of elem bytes, each zeroed before it is read: *arrayp (a T **)
 * and *n. Finalizes st. 0 when every row was read, 1 when rows were left
 * beyond max, -1 on failure (nothing allocated: *arrayp NULL, *n 0). */
int store_rows(sqlite3_stmt *st, store_row_fn read, size_t elem, size_t max, void *arrayp,
               size_t *n);
#define STORE_ALL ((size_t)-1) /* max for every row: store_rows is then 0 or -1 */
/* Steps a statement that returns no row, and finalizes it. The rows it
 * changed, or -1. */
int store_run(sqlite3_stmt *st);
/* "'a','b'": the quoted names[i] whose bit i is set in mask ("" for none). */
void store_names_in(const char *const *names, int n, unsigned mask, char *buf, size_t cap);
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
