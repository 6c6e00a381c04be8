/* store.c — open, per-thread connections, migrations, the transaction
 * runner and small shared helpers. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "klog.h"
#include "kclock.h"
#include "krx.h"
#include "store_internal.h"

/* Each SQLite wait inside one attempt; the runner loops until write_wait_ms. */
#define STORE_BUSY_SLICE_MS 100
#define STORE_WRITE_WAIT_MS 10000

typedef struct store_conn {
	sqlite3 *db;
	struct store *owner;
	struct store_conn *next;
} store_conn;

struct store {
	char *path;
	pthread_key_t key;
	pthread_mutex_t mu; /* guards conns and idle */
	store_conn *conns;  /* connections some thread holds */
	store_conn *idle;   /* connections of threads that ended, ready for reuse */
	int nidle;
	pthread_mutex_t ping_mu; /* guards ping_db */
	sqlite3 *ping_db;        /* store_ping's own connection, opened on first use */
	int write_wait_ms;
};

/* Takes c off the list of held connections. Caller holds s->mu. */
static void conn_unlink(store *s, store_conn *c)
{
	for (store_conn **p = &s->conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
}

/* Idle connections kept for reuse; each holds a schema and page cache, so
 * a burst of client threads must not leave dozens behind. */
#define STORE_IDLE_MAX 4

/* A thread is done with its connection (store_thread_release after a
 * request, or the thread's exit): it goes to the idle list, since opening
 * SQLite (and parsing the schema) for the next request would cost more
 * than most queries. */
static void conn_release(void *v)
{
	store_conn *c = v;
	store *s = c->owner;
	pthread_mutex_lock(&s->mu);
	conn_unlink(s, c);
	int keep = s->nidle < STORE_IDLE_MAX;
	if (keep) {
		c->next = s->idle;
		s->idle = c;
		s->nidle++;
	}
	pthread_mutex_unlock(&s->mu);
	if (!keep) {
		sqlite3_close_v2(c->db);
		free(c);
	}
}

void store_thread_release(store *s)
{
	if (!s)
		return;
	store_conn *c = pthread_getspecific(s->key);
	if (!c)
		return;
	pthread_setspecific(s->key, NULL);
	conn_release(c);
}

static int conn_configure(sqlite3 *db)
{
	sqlite3_busy_timeout(db, STORE_BUSY_SLICE_MS);
	sqlite3_extended_result_codes(db, 0);
	/* cache_size: 256 KiB of pages per connection, not SQLite's 2,000 KiB;
	 * the operating system caches the file anyway, and each connection's
	 * cache would otherwise grow with the ledger. */
	return sqlite3_exec(db,
	                    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
	                    "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-256;",
	                    NULL, NULL, NULL);
}

static store_conn *conn_open(store *s, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK || conn_configure(db) != SQLITE_OK) {
		if (err)
			snprintf(err, errlen, "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close_v2(db);
		return NULL;
	}
	store_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		sqlite3_close_v2(db);
		if (err)
			snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->db = db;
	c->owner = s;
	pthread_mutex_lock(&s->mu);
	c->next = s->conns;
	s->conns = c;
	pthread_mutex_unlock(&s->mu);
	pthread_setspecific(s->key, c);
	return c;
}

sqlite3 *store_db(store *s)
{
	if (!s)
		return NULL;
	store_conn *c = pthread_getspecific(s->key);
	if (c)
		return c->db;
	pthread_mutex_lock(&s->mu);
	c = s->idle;
	if (c) {
		s->idle = c->next;
		s->nidle--;
		c->next = s->conns;
		s->conns = c;
	}
	pthread_mutex_unlock(&s->mu);
	if (c) {
		pthread_setspecific(s->key, c);
		return c->db;
	}
	c = conn_open(s, NULL, 0);
	return c ? c->db : NULL;
}

sqlite3_stmt *store_prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		klogf(KLOG_ERROR, "storage", "prepare failed: %s: %.80s", sqlite3_errmsg(db), sql);
		return NULL;
	}
	return st;
}

int store_row(sqlite3_stmt *st, store_row_fn read, void *out)
{
	int rc = sqlite3_step(st), r = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
	if (r == 0)
		read(st, out);
	sqlite3_finalize(st);
	return r;
}

int store_rows(sqlite3_stmt *st, store_row_fn read, size_t elem, size_t max, void *arrayp,
               size_t *n)
{
	char *arr = NULL;
	size_t cap = 0;
	int rc;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char *p = realloc(arr, nc * elem);
			if (!p) {
				rc = SQLITE_NOMEM;
				break;
			}
			arr = p;
			cap = nc;
		}
		void *e = arr + (*n)++ * elem;
		memset(e, 0, elem);
		read(st, e);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		free(arr);
		arr = NULL;
		*n = 0;
	}
	memcpy(arrayp, &arr, sizeof(arr));
	return rc == SQLITE_DONE ? 0 : rc == SQLITE_ROW ? 1 : -1;
}

int store_run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	int changed = sqlite3_changes(sqlite3_db_handle(st));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? changed : -1;
}

void store_names_in(const char *const *names, int n, unsigned mask, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && used < cap; i++)
		if (mask & (1u << i))
			used += (size_t)snprintf(buf + used, cap - used, "%s'%s'", used ? "," : "",
			                         names[i]);
}

void store_col_text(sqlite3_stmt *st, int col, char *buf, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(buf, cap, "%s", t ? (const char *)t : "");
}

int store_bind_text_or_null(sqlite3_stmt *st, int idx, const char *s)
{
	if (!s || !*s)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int is_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

int store_tx(store *s, store_tx_fn fn, void *arg)
{
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	int64_t deadline = mono_ms() + s->write_wait_ms;
	int backoff = 1;
	for (;;) {
		int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK) {
			int r = fn(db, arg);
			if (r >= 0) {
				rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
				if (rc == SQLITE_OK)
					return r;
			} else {
				rc = sqlite3_errcode(db);
			}
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			if (!is_busy(rc))
				return -1;
		} else if (!is_busy(rc)) {
			klogf(KLOG_ERROR, "storage", "BEGIN failed: %s", sqlite3_errmsg(db));
			return -1;
		}
		if (mono_ms() >= deadline) {
			klogf(KLOG_ERROR, "storage", "database busy for %d ms; giving up",
			      s->write_wait_ms);
			return -1;
		}
		sleep_ms(backoff);
		backoff = backoff < 64 ? backoff * 2 : 100;
	}
}

/* ---- migrations ---- */

int store_schema_latest(void)
{
	int v = 0;
	for (int i = 0; i < store_nmigrations; i++)
		if (store_migrations[i].version > v)
			v = store_migrations[i].version;
	return v;
}

static int schema_version_db(sqlite3 *db)
{
	sqlite3_stmt *st =
	    store_prep(db, "SELECT coalesce(max(version), 0) FROM schema_migrations");
	if (!st)
		return -1;
	int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

int store_schema_version(store *s)
{
	sqlite3 *db = store_db(s);
	return db ? schema_version_db(db) : -1;
}

struct migrate_arg {
	const store_migration *m;
	char *err;
	size_t errlen;
};

/* One migration, inside its own transaction; skipped when another process
 * applied it meanwhile. */
static int migrate_one(sqlite3 *db, void *v)
{
	struct migrate_arg *a = v;
	/* By presence, not by the highest version: migrations numbered apart
	 * by parallel work may land out of order. */
	sqlite3_stmt *q = store_prep(db, "SELECT 1 FROM schema_migrations WHERE version = ?");
	if (!q)
		return -1;
	sqlite3_bind_int(q, 1, a->m->version);
	int have = sqlite3_step(q);
	sqlite3_finalize(q);
	if (have == SQLITE_ROW)
		return 0;
	if (have != SQLITE_DONE)
		return -1;
	char *msg = NULL;
	if (sqlite3_exec(db, a->m->sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(a->err, a->errlen, "migration %04d_%s failed: %s", a->m->version,
		         a->m->name, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	sqlite3_stmt *st = store_prep(
	    db, "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, a->m->version);
	sqlite3_bind_text(st, 2, a->m->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, real_ms());
	return store_run(st) < 0 ? -1 : 1;
}

static int migrate(store *s, sqlite3 *db, char *err, size_t errlen)
{
	if (sqlite3_exec(db,
	                 "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
	                 "KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)",
	                 NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	int cur = schema_version_db(db), latest = store_schema_latest();
	if (cur < 0) {
		snprintf(err, errlen, "cannot read schema_migrations: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (cur > latest) {
		snprintf(err, errlen,
		         "the database schema is version %d but this kisgw knows only up to %d; "
		         "it was written by a newer kisgw: upgrade kisgw or use another database",
		         cur, latest);
		return -1;
	}
	for (int i = 0; i < store_nmigrations; i++) {
		err[0] = 0;
		struct migrate_arg a = {&store_migrations[i], err, errlen};
		if (store_tx(s, migrate_one, &a) < 0) {
			if (!err[0])
				snprintf(err, errlen, "migration %04d_%s failed: %s",
				         store_migrations[i].version, store_migrations[i].name,
				         sqlite3_errmsg(db));
			return -1;
		}
	}
	return 0;
}

/* Replace the built-in closures with this binary's table; rows KIS told us
 * about (source 'kis') stay as they are. */
static int seed_holidays(sqlite3 *db, void *v)
{
	(void)v;
	if (sqlite3_exec(db, "DELETE FROM holidays WHERE source = 'builtin'", NULL, NULL, NULL))
		return -1;
	sqlite3_stmt *st =
	    store_prep(db, "INSERT OR IGNORE INTO holidays (ymd, name, open, source) "
	                   "VALUES (?, ?, 0, 'builtin')");
	if (!st)
		return -1;
	int n = 0, rc = SQLITE_DONE;
	const krx_holiday *h = krx_holidays(&n);
	for (int i = 0; i < n && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int(st, 1, h[i].ymd);
		sqlite3_bind_text(st, 2, h[i].name ? h[i].name : "", -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Create the file 0600 before SQLite sees it, whatever the umask, so the
 * token cache is never world-readable; also fix an existing file's mode. */
static int file_prepare(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) != 0) {
		snprintf(err, errlen, "%s: chmod: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

store *store_open(const char *path, char *err, size_t errlen)
{
	char dummy[8];
	if (!err) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = 0;
	if (!path || !*path) {
		snprintf(err, errlen, "no database path");
		return NULL;
	}
	if (file_prepare(path, err, errlen))
		return NULL;
	store *s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->write_wait_ms = STORE_WRITE_WAIT_MS;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->ping_mu, NULL);
	if (pthread_key_create(&s->key, conn_release)) {
		snprintf(err, errlen, "pthread_key_create failed");
		pthread_mutex_destroy(&s->mu);
		pthread_mutex_destroy(&s->ping_mu);
		free(s->path);
		free(s);
		return NULL;
	}
	store_conn *c = conn_open(s, err, errlen);
	if (!c)
		goto fail;
	char *msg = NULL;
	sqlite3_stmt *st = store_prep(c->db, "PRAGMA journal_mode=WAL");
	const unsigned char *mode = NULL;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		mode = sqlite3_column_text(st, 0);
	if (!mode || strcmp((const char *)mode, "wal")) {
		snprintf(err, errlen, "cannot switch %s to WAL mode: %s", path,
		         sqlite3_errmsg(c->db));
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	sqlite3_free(msg);
	if (migrate(s, c->db, err, errlen))
		goto fail;
	if (store_tx(s, seed_holidays, NULL) < 0) {
		snprintf(err, errlen, "cannot seed the holiday table: %s", sqlite3_errmsg(c->db));
		goto fail;
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

void store_close(store *s)
{
	if (!s)
		return;
	pthread_setspecific(s->key, NULL);
	pthread_key_delete(s->key);
	pthread_mutex_lock(&s->mu);
	store_conn *lists[2] = {s->conns, s->idle};
	s->conns = s->idle = NULL;
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < 2; i++) {
		for (store_conn *c = lists[i]; c;) {
			store_conn *next = c->next;
			sqlite3_close_v2(c->db);
			free(c);
			c = next;
		}
	}
	pthread_mutex_destroy(&s->mu);
	sqlite3_close_v2(s->ping_db);
	pthread_mutex_destroy(&s->ping_mu);
	free(s->path);
	free(s);
}

/* Health checks come from any client thread, often: one connection of
 * their own keeps them from opening (and caching) one per thread. */
int store_ping(store *s)
{
	if (!s)
		return -1;
	pthread_mutex_lock(&s->ping_mu);
	if (!s->ping_db &&
	    sqlite3_open_v2(s->path, &s->ping_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		sqlite3_close_v2(s->ping_db);
		s->ping_db = NULL;
	}
	int ok = 0;
	sqlite3_stmt *st = s->ping_db ? store_prep(s->ping_db, "SELECT 1") : NULL;
	if (st) {
		ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&s->ping_mu);
	return ok ? 0 : -1;
}

int store_connections(store *s)
{
	int n = 0;
	pthread_mutex_lock(&s->mu);
	for (store_conn *c = s->conns; c; c = c->next)
		n++;
	for (store_conn *c = s->idle; c; c = c->next)
		n++;
	pthread_mutex_unlock(&s->mu);
	return n;
}

void store_set_write_wait(store *s, int ms)
{
	s->write_wait_ms = ms > 0 ? ms : STORE_WRITE_WAIT_MS;
}

/* ---- meta ---- */

int store_meta_get(store *s, const char *key, char *val, size_t cap)
{
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	sqlite3_stmt *st = store_prep(db, "SELECT value FROM meta WHERE key = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 1;
	if (rc == SQLITE_ROW) {
		store_col_text(st, 0, val, cap);
		r = 0;
	} else if (rc != SQLITE_DONE) {
		r = -1;
	}
	sqlite3_finalize(st);
	return r;
}

struct meta_arg {
	const char *key, *val;
};

static int meta_set_tx(sqlite3 *db, void *v)
{
	struct meta_arg *a = v;
	sqlite3_stmt *st = store_prep(db, "INSERT INTO meta (key, value) VALUES (?, ?) "
	                                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->val, -1, SQLITE_STATIC);
	return store_run(st) < 0 ? -1 : 0;
}

int store_meta_set(store *s, const char *key, const char *val)
{
	struct meta_arg a = {key, val};
	return store_tx(s, meta_set_tx, &a);
}
