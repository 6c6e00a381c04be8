/* test_store.c — storage: open/migrate, connections, the transaction runner,
 * tokens, calendar. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kclock.h"
#include "krx.h"
#include "store_internal.h"

static char dir[64];

static void db_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/kisgw-store-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static store *open_fresh(const char *name)
{
	char path[128], err[256];
	db_path(path, sizeof(path), name);
	unlink(path);
	store *s = store_open(path, err, sizeof(err));
	if (!s)
		fail_msg("store_open: %s", err);
	return s;
}

static void test_open_mode_wal_migrations(void **state)
{
	(void)state;
	char path[128], err[256];
	db_path(path, sizeof(path), "mode.db");
	unlink(path);
	mode_t old = umask(0);
	store *s = store_open(path, err, sizeof(err));
	umask(old);
	assert_non_null(s);
	struct stat stt;
	assert_int_equal(stat(path, &stt), 0);
	assert_int_equal(stt.st_mode & 0777, 0600);
	assert_int_equal(store_ping(s), 0);
	assert_true(store_schema_latest() >= 1);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	store_close(s);

	/* Independent look with raw SQLite: WAL and the migration record. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, "SELECT version, name FROM schema_migrations ORDER BY version", -1,
	                   &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "init");
	sqlite3_finalize(st);
	sqlite3_close(db);

	/* Reopen: nothing re-applied, still works. A world-readable file is fixed. */
	chmod(path, 0644);
	s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(stat(path, &stt), 0);
	assert_int_equal(stt.st_mode & 0777, 0600);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	store_close(s);
}

static void test_newer_schema_refused(void **state)
{
	(void)state;
	char path[128], err[256];
	db_path(path, sizeof(path), "newer.db");
	unlink(path);
	store *s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	store_close(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "INSERT INTO schema_migrations VALUES (9999, 'future', 0)",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	err[0] = 0;
	s = store_open(path, err, sizeof(err));
	assert_null(s);
	assert_non_null(strstr(err, "9999"));
	assert_non_null(strstr(err, "newer kisgw"));
}

/* A database left at schema 1 by an older kisgw (built here from 0001
 * alone) is brought up to date, data kept: 0002 fills stock_names from the
 * orders' names; 0006 reads an old order as its type, day, KRX; 0007 widens
 * the source CHECK to passthrough. */
static void test_upgrade_from_v1(void **state)
{
	(void)state;
	char path[128], err[256];
	db_path(path, sizeof(path), "upgrade.db");
	unlink(path);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(store_migrations[0].version, 1);
	assert_int_equal(sqlite3_exec(db, store_migrations[0].sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(
	        db,
	        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT "
	        "NOT NULL, applied_ms INTEGER NOT NULL);"
	        "INSERT INTO schema_migrations VALUES (1, 'init', 0);"
	        "INSERT INTO orders (code, side, type, qty, price, status, source, "
	        "created_ms, updated_ms, name) VALUES ('005930', 'buy', 'limit', 1, 70000, "
	        "'filled', 'external', 1, 1, 'Samsung');",
	        NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	store *s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	store_order o;
	assert_int_equal(store_order_get(s, 1, &o), 0);
	assert_int_equal(o.type, STORE_LIMIT);
	assert_int_equal(o.tif, STORE_TIF_DAY);
	assert_int_equal(o.venue, STORE_VENUE_KRX);
	assert_int_equal(o.price, 70000);
	/* 0007: the connection that migrated takes source passthrough at once */
	store_order p = o, ex;
	p.id = 0;
	p.status = ST_PENDING;
	p.source = STORE_SRC_PASSTHROUGH;
	assert_int_equal(store_order_insert(s, &p, &ex), 0);
	assert_int_equal(store_order_get(s, p.id, &o), 0);
	assert_int_equal(o.source, STORE_SRC_PASSTHROUGH);
	store_close(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* ...and so does a new connection, while the CHECK still refuses others */
	assert_int_equal(sqlite3_exec(db,
	                              "INSERT INTO orders (code, side, type, qty, status, source, "
	                              "created_ms, updated_ms) VALUES ('005930', 'buy', 'market', "
	                              "1, 'pending', 'passthrough', 1, 1)",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "INSERT INTO orders (code, side, type, qty, status, source, "
	                              "created_ms, updated_ms) VALUES ('005930', 'buy', 'market', "
	                              "1, 'pending', 'bogus', 1, 1)",
	                              NULL, NULL, NULL),
	                 SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_exec(db, "PRAGMA integrity_check", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT name FROM stock_names WHERE code = '005930'",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "Samsung");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* 0004 brings order numbers written before it to the one normalised form
 * (10 digits, zero-padded), keeps other forms, and does not fail on a clash.
 * The database is built from the migrations before 0004 alone (later ones,
 * like 0006, cannot be undone by hand). */
static void test_upgrade_0004_order_numbers(void **state)
{
	(void)state;
	char path[128], err[256];
	db_path(path, sizeof(path), "odno.db");
	unlink(path);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "CREATE TABLE schema_migrations (version INTEGER PRIMARY "
	                              "KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL);",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	for (int i = 0; i < store_nmigrations && store_migrations[i].version < 4; i++) {
		char ins[160];
		assert_int_equal(sqlite3_exec(db, store_migrations[i].sql, NULL, NULL, NULL),
		                 SQLITE_OK);
		snprintf(ins, sizeof(ins), "INSERT INTO schema_migrations VALUES (%d, 'old', 0);",
		         store_migrations[i].version);
		assert_int_equal(sqlite3_exec(db, ins, NULL, NULL, NULL), SQLITE_OK);
	}
#define ROW(no, date)                                                                              \
	"INSERT INTO orders (code, side, type, qty, status, source, created_ms, updated_ms, "      \
	"ord_date, broker_order_no) VALUES ('005930', 'buy', 'market', 1, 'submitted', 'api', 1, " \
	"1, " date ", " no ");"
	assert_int_equal(sqlite3_exec(db,
	                              ROW("'51378'", "20261124") ROW("'0000051379'", "20261124")
	                                  ROW("'X-7'", "20261124") ROW("'77'", "20261124")
	                                      ROW("'0000000077'", "20261124"),
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
#undef ROW
	sqlite3_close(db);
	store *s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	store_order o;
	assert_int_equal(store_order_get_by_broker(s, 20261124, "0000051378", &o), 0);
	assert_int_equal(store_order_get_by_broker(s, 20261124, "0000051379", &o), 0);
	assert_int_equal(store_order_get_by_broker(s, 20261124, "X-7", &o), 0);
	/* the clash: both rows kept, the padded one found */
	assert_int_equal(store_order_get_by_broker(s, 20261124, "0000000077", &o), 0);
	assert_int_equal(store_order_get_by_broker(s, 20261124, "77", &o), 0);
	store_close(s);
}

static void test_bad_path(void **state)
{
	(void)state;
	char err[256] = "";
	assert_null(store_open("/nonexistent-dir/x/y.db", err, sizeof(err)));
	assert_true(strlen(err) > 0);
	assert_null(store_open("", err, sizeof(err)));
	assert_null(store_open(NULL, err, sizeof(err)));
	/* A file that is not a database. */
	char path[128];
	db_path(path, sizeof(path), "garbage.db");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not an sqlite database at all ", f);
	fclose(f);
	err[0] = 0;
	assert_null(store_open(path, err, sizeof(err)));
	assert_true(strlen(err) > 0);
}

/* The passthrough's local tokens: found by digest with the key digest and
 * expiry; unknown is 1; adding one drops the expired. */
static void test_pt_tokens(void **state)
{
	(void)state;
	store *s = open_fresh("pt.db");
	char key[80];
	int64_t exp = 0;
	assert_int_equal(store_pt_token_find(s, "aa", key, sizeof(key), &exp), 1);
	assert_int_equal(store_pt_token_add(s, "aa", "kk", 100, 1000), 0);
	assert_int_equal(store_pt_token_find(s, "aa", key, sizeof(key), &exp), 0);
	assert_string_equal(key, "kk");
	assert_int_equal(exp, 1000);
	assert_int_equal(store_pt_token_add(s, "bb", "kk", 1000, 5000), 0);
	assert_int_equal(store_pt_token_find(s, "aa", key, sizeof(key), &exp), 1);
	assert_int_equal(store_pt_token_find(s, "bb", key, sizeof(key), &exp), 0);
	assert_int_equal(store_pt_token_add(NULL, "cc", "kk", 1, 2), -1);
	assert_int_equal(store_pt_token_find(s, NULL, key, sizeof(key), &exp), -1);
	store_close(s);
}

static void test_token_roundtrip(void **state)
{
	(void)state;
	store *s = open_fresh("token.db");
	char tok[64];
	int64_t exp = -1, issued = -1;
	assert_int_equal(store_token_load(s, "k1", tok, sizeof(tok), &exp, &issued), -1);
	assert_int_equal(store_token_save(s, "k1", "tok-abc", 1000, 500), 0);
	assert_int_equal(store_token_load(s, "k1", tok, sizeof(tok), &exp, &issued), 0);
	assert_string_equal(tok, "tok-abc");
	assert_int_equal(exp, 1000);
	assert_int_equal(issued, 500);
	/* Replace, then drop: the issuance time stays. */
	assert_int_equal(store_token_save(s, "k1", "tok-def", 2000, 600), 0);
	assert_int_equal(store_token_save(s, "k1", NULL, 0, 600), 0);
	assert_int_equal(store_token_load(s, "k1", tok, sizeof(tok), &exp, &issued), 0);
	assert_string_equal(tok, "");
	assert_int_equal(exp, 0);
	assert_int_equal(issued, 600);
	/* Another key is separate; a token too big for the buffer is "none". */
	assert_int_equal(store_token_save(s, "k2", "0123456789abcdef", 7, 8), 0);
	char small[8];
	assert_int_equal(store_token_load(s, "k2", small, sizeof(small), &exp, &issued), 0);
	assert_string_equal(small, "");
	assert_int_equal(issued, 8);
	assert_int_equal(store_token_load(s, "k1", tok, sizeof(tok), &exp, &issued), 0);
	assert_int_equal(issued, 600);
	/* Bad arguments never crash. */
	assert_int_equal(store_token_load(s, NULL, tok, sizeof(tok), &exp, &issued), -1);
	assert_int_equal(store_token_save(NULL, "k", "t", 1, 1), -1);
	store_close(s);
}

struct writer_arg {
	store *s;
	int id;
	int ok;
};

static void *writer(void *v)
{
	struct writer_arg *a = v;
	char key[32], val[32];
	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "w%d-%d", a->id, i);
		snprintf(val, sizeof(val), "%d", i * a->id);
		if (store_meta_set(a->s, key, val) == 0)
			a->ok++;
	}
	return NULL;
}

static void test_threads_each_own_connection(void **state)
{
	(void)state;
	store *s = open_fresh("threads.db");
	pthread_t th[6];
	struct writer_arg a[6];
	for (int i = 0; i < 6; i++) {
		a[i] = (struct writer_arg){s, i + 1, 0};
		pthread_create(&th[i], NULL, writer, &a[i]);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(a[i].ok, 50);
	}
	int open_after = store_connections(s);
	assert_true(open_after >= 2 && open_after <= 7);
	/* Threads that come and go (one per HTTP connection) reuse connections. */
	for (int i = 0; i < 20; i++) {
		a[0] = (struct writer_arg){s, 100 + i, 0};
		pthread_create(&th[0], NULL, writer, &a[0]);
		pthread_join(th[0], NULL);
		assert_int_equal(a[0].ok, 50);
	}
	assert_int_equal(store_connections(s), open_after);
	char val[32];
	assert_int_equal(store_meta_get(s, "w6-49", val, sizeof(val)), 0);
	assert_string_equal(val, "294");
	assert_int_equal(store_meta_get(s, "absent", val, sizeof(val)), 1);
	store_close(s);
}

/* A thread that stays alive but releases its connection after each piece
 * of work (the daemon's workers and HTTP threads, after each request). */
struct releaser {
	store *s;
	int id, ok;
	pthread_barrier_t *done, *go; /* wait on done, then on go to exit */
};

static void *releasing_writer(void *v)
{
	struct releaser *r = v;
	char key[32];
	for (int i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "r%d-%d", r->id, i);
		if (store_meta_set(r->s, key, "v") == 0)
			r->ok++;
		store_thread_release(r->s);
	}
	pthread_barrier_wait(r->done);
	pthread_barrier_wait(r->go);
	return NULL;
}

static void test_thread_release(void **state)
{
	(void)state;
	store *s = open_fresh("release.db");
	/* The connection a thread gives back is the next one handed out. */
	sqlite3 *first = store_db(s);
	assert_non_null(first);
	assert_int_equal(store_connections(s), 1);
	store_thread_release(s);
	store_thread_release(s); /* nothing held: no-op */
	store_thread_release(NULL);
	assert_int_equal(store_connections(s), 1);
	assert_ptr_equal(store_db(s), first);
	/* 256 KiB of page cache per connection, not SQLite's 2,000 KiB. */
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(first, "PRAGMA cache_size", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), -256);
	sqlite3_finalize(st);
	store_thread_release(s);

	/* Eight live threads that release after each write leave at most the
	 * idle list's four connections open, not one per thread. */
	enum { N = 8 };
	pthread_t th[N];
	struct releaser r[N];
	pthread_barrier_t done, go;
	pthread_barrier_init(&done, NULL, N + 1);
	pthread_barrier_init(&go, NULL, N + 1);
	for (int i = 0; i < N; i++) {
		r[i] = (struct releaser){s, i, 0, &done, &go};
		pthread_create(&th[i], NULL, releasing_writer, &r[i]);
	}
	pthread_barrier_wait(&done);
	int open = store_connections(s);
	assert_true(open >= 1 && open <= 4);
	pthread_barrier_wait(&go);
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(r[i].ok, 20);
	}
	pthread_barrier_destroy(&done);
	pthread_barrier_destroy(&go);
	char val[8];
	assert_int_equal(store_meta_get(s, "r7-19", val, sizeof(val)), 0);
	assert_string_equal(val, "v");
	store_close(s);
}

struct holder {
	char path[128];
	int hold_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int locked;
};

/* Holds the write lock from a foreign connection for hold_ms. */
static void *lock_holder(void *v)
{
	struct holder *h = v;
	sqlite3 *db;
	sqlite3_open(h->path, &db);
	sqlite3_exec(db, "BEGIN IMMEDIATE; INSERT INTO meta VALUES ('holder', 'x');", NULL, NULL,
	             NULL);
	pthread_mutex_lock(&h->mu);
	h->locked = 1;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	usleep((useconds_t)h->hold_ms * 1000);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return NULL;
}

static void run_with_lock(store *s, const char *path, int hold_ms, int expect)
{
	struct holder h = {.hold_ms = hold_ms};
	snprintf(h.path, sizeof(h.path), "%s", path);
	pthread_mutex_init(&h.mu, NULL);
	pthread_cond_init(&h.cv, NULL);
	pthread_t th;
	pthread_create(&th, NULL, lock_holder, &h);
	pthread_mutex_lock(&h.mu);
	while (!h.locked)
		pthread_cond_wait(&h.cv, &h.mu);
	pthread_mutex_unlock(&h.mu);
	assert_int_equal(store_meta_set(s, "k", "v") == 0 ? 0 : -1, expect);
	pthread_join(th, NULL);
	pthread_mutex_destroy(&h.mu);
	pthread_cond_destroy(&h.cv);
}

static void test_busy_retry_and_give_up(void **state)
{
	(void)state;
	char path[128];
	db_path(path, sizeof(path), "busy.db");
	store *s = open_fresh("busy.db");
	/* Lock held 400 ms (longer than one SQLite busy slice): the runner waits it out. */
	store_set_write_wait(s, 5000);
	run_with_lock(s, path, 400, 0);
	char val[8];
	assert_int_equal(store_meta_get(s, "k", val, sizeof(val)), 0);
	assert_int_equal(store_meta_get(s, "holder", val, sizeof(val)), 0);
	/* Lock held longer than the bound: a clean failure, not a hang. */
	store_set_write_wait(s, 200);
	run_with_lock(s, path, 1200, -1);
	/* And the connection is still usable afterwards. */
	assert_int_equal(store_meta_set(s, "after", "1"), 0);
	store_close(s);
}

static void test_calendar(void **state)
{
	(void)state;
	store *s = open_fresh("cal.db");
	/* 2026-11-16 (Mon) to 2026-11-23 (Mon): 5 trading days, no holidays. */
	assert_int_equal(store_trading_days_between(s, 20261116, 20261123), 5);
	assert_int_equal(store_trading_days_between(s, 20261118, 20261123), 3);
	assert_int_equal(store_trading_days_between(s, 20261123, 20261123), 0);
	assert_int_equal(store_trading_days_between(s, 20261123, 20261116), 0);
	/* Every 40-day window of 2024-2027 agrees with the built-in calendar. */
	for (int from = 20240101; from < 20271231; from = ymd_add_days(from, 17)) {
		int to = ymd_add_days(from, 40);
		assert_int_equal(store_trading_days_between(s, from, to),
		                 krx_trading_days_between(from, to));
	}
	assert_int_equal(store_is_trading_day(s, 20260101), 0); /* New Year */
	assert_int_equal(store_is_trading_day(s, 20261124), 1);
	assert_int_equal(store_is_trading_day(s, 20261128), 0); /* Saturday */
	assert_int_equal(store_is_trading_day(s, 20261399), -1);
	/* KIS says a built-in closure is open after all, and closes a normal day. */
	assert_int_equal(store_holiday_put(s, 20260101, 1, NULL), 0);
	assert_int_equal(store_is_trading_day(s, 20260101), 1);
	assert_int_equal(store_holiday_put(s, 20261125, 0, "temporary closure"), 0);
	assert_int_equal(store_is_trading_day(s, 20261125), 0);
	assert_int_equal(store_trading_days_between(s, 20261124, 20261127), 2);
	store_day *d;
	size_t n;
	assert_int_equal(store_holidays_list(s, 20261125, 20261125, &d, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(d[0].name, "temporary closure");
	free(d);
	store_close(s);
	/* KIS rows survive a restart (the built-in re-seed does not undo them). */
	char path[128], err[256];
	db_path(path, sizeof(path), "cal.db");
	s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_is_trading_day(s, 20260101), 1);
	assert_int_equal(store_is_trading_day(s, 20261125), 0);
	assert_int_equal(store_is_trading_day(s, 20261225), 0); /* Christmas, built-in */
	store_close(s);
}

/* ---- the statement helpers every table's reads and writes go through ---- */

typedef struct row {
	int64_t a;
	char b[8];
} row;

static void row_read(sqlite3_stmt *st, void *elem)
{
	row *r = elem;
	r->a = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, r->b, sizeof(r->b));
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = store_prep(db, sql);
	assert_non_null(st);
	return st;
}

/* Rows 1..5 in order; the row at a = 4 fails while it is stepped (an integer
 * overflow), after three rows were read. */
#define ROWS_SQL   "SELECT a, b FROM t ORDER BY a"
#define FAILS_AT_4 "SELECT CASE WHEN a < 4 THEN a ELSE abs(-9223372036854775807 - 1) END, b FROM t"

static void test_statement_helpers(void **state)
{
	(void)state;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "CREATE TABLE t (a INTEGER NOT NULL, b TEXT);"
	                              "INSERT INTO t VALUES (1, 'one'), (2, NULL), (3, 'three'),"
	                              "(4, 'four'), (5, 'five');",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	row *v = NULL, one;
	size_t n = 99;

	/* every row, in order, each zeroed before it is read */
	assert_int_equal(store_rows(prep(db, ROWS_SQL), row_read, sizeof(row), STORE_ALL, &v, &n),
	                 0);
	assert_int_equal(n, 5);
	assert_int_equal(v[0].a, 1);
	assert_string_equal(v[1].b, ""); /* NULL */
	assert_string_equal(v[4].b, "five");
	free(v);
	/* up to max: 1 says rows were left; exactly max rows is not "more" */
	assert_int_equal(store_rows(prep(db, ROWS_SQL), row_read, sizeof(row), 3, &v, &n), 1);
	assert_int_equal(n, 3);
	assert_int_equal(v[2].a, 3);
	free(v);
	assert_int_equal(store_rows(prep(db, ROWS_SQL), row_read, sizeof(row), 5, &v, &n), 0);
	assert_int_equal(n, 5);
	free(v);
	assert_int_equal(store_rows(prep(db, ROWS_SQL), row_read, sizeof(row), 0, &v, &n), 1);
	assert_int_equal(n, 0);
	assert_null(v);
	/* no row: nothing allocated */
	assert_int_equal(store_rows(prep(db, "SELECT a, b FROM t WHERE a > 9"), row_read,
	                            sizeof(row), STORE_ALL, &v, &n),
	                 0);
	assert_int_equal(n, 0);
	assert_null(v);
	/* a failure after some rows: -1 and nothing kept (the sanitizers see no leak) */
	v = (row *)&one;
	n = 99;
	assert_int_equal(store_rows(prep(db, FAILS_AT_4), row_read, sizeof(row), STORE_ALL, &v, &n),
	                 -1);
	assert_int_equal(n, 0);
	assert_null(v);
	/* ...also when it is the step that looks for more rows past max; with
	 * max 2 the step of the third row, which tells there are more, succeeds */
	assert_int_equal(store_rows(prep(db, FAILS_AT_4), row_read, sizeof(row), 3, &v, &n), -1);
	assert_null(v);
	assert_int_equal(store_rows(prep(db, FAILS_AT_4), row_read, sizeof(row), 2, &v, &n), 1);
	assert_int_equal(n, 2);
	free(v);

	/* store_row: the first row, 1 for none, -1 for a failure */
	assert_int_equal(store_row(prep(db, "SELECT a, b FROM t WHERE a = 3"), row_read, &one), 0);
	assert_int_equal(one.a, 3);
	assert_string_equal(one.b, "three");
	assert_int_equal(store_row(prep(db, "SELECT a, b FROM t WHERE a = 9"), row_read, &one), 1);
	assert_int_equal(store_row(prep(db, FAILS_AT_4 " WHERE a = 4"), row_read, &one), -1);

	/* store_run: the rows changed, -1 for a failure */
	assert_int_equal(store_run(prep(db, "UPDATE t SET b = 'x' WHERE a <= 2")), 2);
	assert_int_equal(store_run(prep(db, "DELETE FROM t WHERE a = 9")), 0);
	assert_int_equal(store_run(prep(db, "INSERT INTO t (a) VALUES (NULL)")), -1);
	assert_int_equal(store_run(prep(db, "SELECT count(*) FROM t")),
	                 -1); /* a row: not a write */

	/* store_names_in: the names of the bits set, quoted, in index order */
	static const char *const names[] = {"pending", "filled", "unknown"};
	char in[64];
	store_names_in(names, 3, 0x5, in, sizeof(in));
	assert_string_equal(in, "'pending','unknown'");
	store_names_in(names, 3, 0, in, sizeof(in));
	assert_string_equal(in, "");
	store_names_in(names, 3, 0x7, in, 12); /* too small: cut, still a string */
	assert_string_equal(in, "'pending','");
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_mode_wal_migrations),
	    cmocka_unit_test(test_newer_schema_refused),
	    cmocka_unit_test(test_upgrade_0004_order_numbers),
	    cmocka_unit_test(test_upgrade_from_v1),
	    cmocka_unit_test(test_bad_path),
	    cmocka_unit_test(test_token_roundtrip),
	    cmocka_unit_test(test_pt_tokens),
	    cmocka_unit_test(test_threads_each_own_connection),
	    cmocka_unit_test(test_thread_release),
	    cmocka_unit_test(test_busy_retry_and_give_up),
	    cmocka_unit_test(test_calendar),
	    cmocka_unit_test(test_statement_helpers),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
