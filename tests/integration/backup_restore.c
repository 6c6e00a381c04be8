/* backup_restore.c — data safety: `kisgw backup` taken DURING an order
 * stream (market buys and sells placed through kisgw and filled at kis-sim,
 * the reconciler writing fills every second) is a consistent snapshot that
 * restores.
 *
 * Just before the backup starts, the live database is read (one read
 * transaction: snapshot T0); right after it ends, again (T1). The copy must
 * hold every order and fill of T0 unchanged, nothing T1 does not hold, and
 * agree with itself (each order's filled_qty is the sum of its fills; the
 * positions table is the signed sum of the fills per code). Then the copy is
 * restored the way README describes (kisgw stopped, the file put in place as
 * KISGW_DB in a new data directory) and a new kisgw is started on it: its
 * API answers every order and fill of the copy, and /holdings/aged shows per
 * code exactly the FIFO position its own ledger adds up to. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "harness.h"

#define CLOCK    "2026-11-24T10:00:00+09:00"
#define ACCOUNT  "50012345-01"
#define N_BEFORE 30 /* orders placed before the backup starts */
#define N_AFTER  10 /* and after it ended, with the stream never paused */
#define MAX_ROWS 2000

static const char *const codes[] = {"005930", "000660", "035720"};
#define N_CODES 3

/* The order stream: one client posting market orders back to back, a sell
 * of one share whenever the code is held (so FIFO lots get consumed). */
typedef struct stream {
	pthread_t th;
	int port;
	volatile int stop;
	volatile int posted; /* 201 answers */
	volatile int failed; /* anything else */
	long last_status;
} stream;

static void *stream_run(void *arg)
{
	stream *s = arg;
	int held[N_CODES] = {0};
	for (int i = 0; !s->stop && i < 100000; i++) {
		int c = i % N_CODES;
		int sell = i % 3 == 2 && held[c] > 2;
		int qty = sell ? 1 : 1 + i % 4;
		char body[200];
		snprintf(body, sizeof(body),
		         "{\"code\":\"%s\",\"side\":\"%s\",\"qty\":%d,\"type\":\"market\","
		         "\"client_order_id\":\"bk-%d\"}",
		         codes[c], sell ? "sell" : "buy", qty, i);
		long st = 0;
		json_decref(h_json(s->port, "POST", "/orders", body, &st));
		if (st != 201) {
			s->failed++;
			s->last_status = st;
			continue;
		}
		held[c] += sell ? -qty : qty;
		s->posted++;
	}
	return NULL;
}

typedef struct order_row {
	int64_t id, qty, filled;
	char code[8], side[8], odno[24];
} order_row;

typedef struct fill_row {
	int64_t id, order_id, cum_qty, qty, amount;
} fill_row;

typedef struct snap {
	order_row o[MAX_ROWS];
	size_t no;
	fill_row f[MAX_ROWS];
	size_t nf;
} snap;

static void col(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(out, n, "%s", t ? (const char *)t : "");
}

/* Orders and fills of the database at path, read in one transaction. */
static void snap_read(const char *path, snap *s)
{
	memset(s, 0, sizeof(*s));
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT id, qty, filled_qty, code, side, "
	                                    "coalesce(broker_order_no, '') FROM orders ORDER BY id",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(s->no < MAX_ROWS);
		order_row *o = &s->o[s->no++];
		o->id = sqlite3_column_int64(st, 0);
		o->qty = sqlite3_column_int64(st, 1);
		o->filled = sqlite3_column_int64(st, 2);
		col(st, 3, o->code, sizeof(o->code));
		col(st, 4, o->side, sizeof(o->side));
		col(st, 5, o->odno, sizeof(o->odno));
	}
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT id, order_id, cum_qty, qty, amount FROM fills "
	                                    "ORDER BY id",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(s->nf < MAX_ROWS);
		fill_row *f = &s->f[s->nf++];
		f->id = sqlite3_column_int64(st, 0);
		f->order_id = sqlite3_column_int64(st, 1);
		f->cum_qty = sqlite3_column_int64(st, 2);
		f->qty = sqlite3_column_int64(st, 3);
		f->amount = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
}

static const order_row *order_find(const snap *s, int64_t id)
{
	for (size_t i = 0; i < s->no; i++)
		if (s->o[i].id == id)
			return &s->o[i];
	return NULL;
}

static const fill_row *fill_find(const snap *s, int64_t id)
{
	for (size_t i = 0; i < s->nf; i++)
		if (s->f[i].id == id)
			return &s->f[i];
	return NULL;
}

/* Every order and fill of a is in b: fills identical, orders the same
 * order (code, side, qty, KIS number once known) with at least a's fills. */
static void snap_within(const snap *a, const snap *b, const char *what)
{
	for (size_t i = 0; i < a->no; i++) {
		const order_row *x = &a->o[i], *y = order_find(b, x->id);
		if (!y)
			fail_msg("%s: order %lld is missing", what, (long long)x->id);
		assert_string_equal(x->code, y->code);
		assert_string_equal(x->side, y->side);
		assert_int_equal(x->qty, y->qty);
		if (x->odno[0])
			assert_string_equal(x->odno, y->odno);
		assert_true(y->filled >= x->filled);
	}
	for (size_t i = 0; i < a->nf; i++) {
		const fill_row *x = &a->f[i], *y = fill_find(b, x->id);
		if (!y)
			fail_msg("%s: fill %lld is missing", what, (long long)x->id);
		assert_int_equal(x->order_id, y->order_id);
		assert_int_equal(x->cum_qty, y->cum_qty);
		assert_int_equal(x->qty, y->qty);
		assert_int_equal(x->amount, y->amount);
	}
}

/* The copy agrees with itself: filled_qty = the sum of the order's fills,
 * and the positions table = buys - sells per code. */
static void copy_consistent(const char *path, const snap *s)
{
	for (size_t i = 0; i < s->no; i++) {
		int64_t sum = 0;
		for (size_t k = 0; k < s->nf; k++)
			if (s->f[k].order_id == s->o[i].id)
				sum += s->f[k].qty;
		if (sum != s->o[i].filled)
			fail_msg("order %lld: filled_qty %lld, fills %lld", (long long)s->o[i].id,
			         (long long)s->o[i].filled, (long long)sum);
	}
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(
	    sqlite3_prepare_v2(
	        db,
	        "SELECT f.code, sum(CASE f.side WHEN 'buy' THEN f.qty ELSE -f.qty END),"
	        " coalesce((SELECT pos FROM positions p WHERE p.code = f.code), -1)"
	        " FROM fills f GROUP BY f.code",
	        -1, &st, NULL),
	    SQLITE_OK);
	int codes_seen = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		codes_seen++;
		if (sqlite3_column_int64(st, 1) != sqlite3_column_int64(st, 2))
			fail_msg("%s: fills add up to %lld, positions says %lld",
			         (const char *)sqlite3_column_text(st, 0),
			         (long long)sqlite3_column_int64(st, 1),
			         (long long)sqlite3_column_int64(st, 2));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_true(codes_seen > 0);
}

/* kisgw on the simulator's current time, so the two clocks agree. */
static void gw_start(h_proc *gw, int sim_port, const char *dir)
{
	const char *env[] = {"KISGW_RATE_LIMIT=1000", "KISGW_RECONCILE_INTERVAL=1",
	                     "KISGW_BACKFILL_DAYS=0", NULL};
	assert_int_equal(h_start_gw_sim_clock(gw, sim_port, dir, env), 0);
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	assert_non_null(in);
	assert_non_null(out);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/* Reconcile until no order of the ledger waits for KIS any more (the copy
 * holds orders whose fills came after it; the restored kisgw learns them). */
static void settle(int port)
{
	for (int i = 0;; i++) {
		if (i == 120)
			fail_msg("the restored ledger still has open orders after 60 s");
		long st = 0;
		json_decref(h_json(port, "POST", "/orders/reconcile", NULL, &st));
		assert_int_equal(st, 200);
		json_t *list = h_json(port, "GET", "/orders?limit=1000", NULL, &st);
		assert_int_equal(st, 200);
		size_t k, open = 0;
		json_t *o;
		json_array_foreach(json_object_get(list, "orders"), k, o)
		{
			const char *status = json_string_value(json_object_get(o, "status"));
			open += !strcmp(status, "pending") || !strcmp(status, "submitted") ||
			        !strcmp(status, "partially_filled");
		}
		json_decref(list);
		if (!open)
			return;
		usleep(500 * 1000);
	}
}

/* The restored kisgw answers every order and fill of the copy, and its
 * aged holdings are the FIFO positions its ledger adds up to. */
static void restored_check(int port, int sim_port, const snap *b)
{
	long st = 0;
	settle(port);
	json_t *list = h_json(port, "GET", "/orders?limit=1000", NULL, &st);
	assert_int_equal(st, 200);
	json_t *orders = json_object_get(list, "orders");
	assert_true(json_array_size(orders) >= b->no);
	int64_t pos[N_CODES] = {0};
	size_t i;
	json_t *o;
	json_array_foreach(orders, i, o)
	{
		const char *code = json_string_value(json_object_get(o, "code"));
		int sell = !strcmp(json_string_value(json_object_get(o, "side")), "sell");
		for (int c = 0; c < N_CODES; c++)
			if (!strcmp(code, codes[c]))
				pos[c] += (sell ? -1 : 1) *
				          json_integer_value(json_object_get(o, "filled_qty"));
	}
	for (size_t k = 0; k < b->no; k++) {
		const order_row *x = &b->o[k];
		char path[64];
		snprintf(path, sizeof(path), "/orders/%lld", (long long)x->id);
		json_t *j = h_json(port, "GET", path, NULL, &st);
		assert_int_equal(st, 200);
		assert_string_equal(json_string_value(json_object_get(j, "code")), x->code);
		assert_string_equal(json_string_value(json_object_get(j, "side")), x->side);
		assert_int_equal(json_integer_value(json_object_get(j, "qty")), x->qty);
		if (x->odno[0])
			assert_string_equal(
			    json_string_value(json_object_get(j, "broker_order_no")), x->odno);
		assert_true(json_integer_value(json_object_get(j, "filled_qty")) >= x->filled);
		/* The copy's fills of this order, in cum_qty order, lead the list. */
		json_t *fills = json_object_get(j, "fills");
		size_t n = 0;
		for (size_t f = 0; f < b->nf; f++) {
			if (b->f[f].order_id != x->id)
				continue;
			json_t *got = json_array_get(fills, n++);
			if (!got)
				fail_msg("order %lld: fill %zu is missing", (long long)x->id, n);
			assert_int_equal(json_integer_value(json_object_get(got, "qty")),
			                 b->f[f].qty);
			assert_true(json_number_value(json_object_get(got, "price")) *
			                (double)b->f[f].qty ==
			            (double)b->f[f].amount);
		}
		json_decref(j);
	}
	/* Nothing lost either way: every order kis-sim took is in the restored
	 * ledger exactly once (those after the copy imported as external). */
	json_t *simlog = h_json(sim_port, "GET", "/__sim/orders", NULL, &st);
	assert_int_equal(st, 200);
	size_t nsim = 0;
	json_array_foreach(json_object_get(simlog, "orders"), i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "kind")), "new"))
			continue;
		nsim++;
		const char *odno = json_string_value(json_object_get(o, "odno"));
		int found = 0;
		size_t k;
		json_t *l;
		json_array_foreach(orders, k, l)
		{
			const char *no = json_string_value(json_object_get(l, "broker_order_no"));
			found += no && !strcmp(no, odno);
		}
		if (found != 1)
			fail_msg("KIS order %s is in the restored ledger %d times", odno, found);
	}
	assert_true(nsim > b->no);
	json_decref(simlog);
	json_decref(list);

	json_t *aged = h_json(port, "GET", "/holdings/aged?days=0", NULL, &st);
	assert_int_equal(st, 200);
	json_t *h;
	int64_t seen[N_CODES] = {0};
	json_array_foreach(json_object_get(aged, "holdings"), i, h)
	{
		const char *code = json_string_value(json_object_get(h, "code"));
		int64_t qty = json_integer_value(json_object_get(h, "qty")), lots = 0;
		size_t k;
		json_t *l;
		json_array_foreach(json_object_get(h, "lots"), k, l) lots +=
		    json_integer_value(json_object_get(l, "qty"));
		assert_int_equal(lots, qty);
		assert_null(json_object_get(h, "history_incomplete"));
		for (int c = 0; c < N_CODES; c++)
			if (!strcmp(code, codes[c]))
				seen[c] = qty;
	}
	for (int c = 0; c < N_CODES; c++)
		if (seen[c] != pos[c])
			fail_msg("%s: /holdings/aged %lld, the ledger's fills %lld", codes[c],
			         (long long)seen[c], (long long)pos[c]);
	json_decref(aged);
	json_t *hz = h_json(port, "GET", "/healthz", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(
	    json_array_size(json_object_get(json_object_get(hz, "ledger"), "mismatches")), 0);
	json_decref(hz);
}

static void test_backup_during_stream(void **state)
{
	(void)state;
	char *dir = h_tmpdir(), *dir2 = h_tmpdir();
	assert_non_null(dir);
	assert_non_null(dir2);
	h_proc sim, gw;
	const char *sargs[] = {"--clock", CLOCK, "--seed", "5", "--rate", "0", "--quiet", NULL};
	assert_int_equal(h_start_sim(&sim, sargs), 0);
	long st = 0;
	json_decref(h_json(sim.port, "POST", "/__sim/reset",
	                   "{\"account\":\"" ACCOUNT "\",\"cash\":100000000000}", &st));
	assert_int_equal(st, 200);
	gw_start(&gw, sim.port, dir);

	stream s = {.port = gw.port};
	assert_int_equal(pthread_create(&s.th, NULL, stream_run, &s), 0);
	char live[1024], envdb[1100], copy[1024];
	snprintf(live, sizeof(live), "%s/kisgw.db", dir);
	snprintf(envdb, sizeof(envdb), "KISGW_DB=%s", live);
	snprintf(copy, sizeof(copy), "%s/backup.db", dir);
	/* Wait for the stream, and for the reconciler to have written fills. */
	static snap t0, t1, b;
	for (int i = 0; i < 600; i++) {
		if (s.posted >= N_BEFORE) {
			snap_read(live, &t0);
			if (t0.nf >= N_BEFORE / 2)
				break;
		}
		usleep(100 * 1000);
	}
	assert_int_equal(s.failed, 0);

	/* Again until a write (an order or a fill) landed while the backup ran:
	 * the copy is taken from a database that is being written. */
	int posted0 = 0, posted1 = 0, tries = 0;
	struct timespec t_start, t_end;
	do {
		assert_true(++tries <= 20);
		snap_read(live, &t0);
		posted0 = s.posted;
		clock_gettime(CLOCK_MONOTONIC, &t_start);
		char *out = NULL, *err = NULL;
		int rc = h_run(h_bin("kisgw"), (const char *[]){"backup", copy, NULL},
		               (const char *[]){envdb, NULL}, 120, &out, &err);
		posted1 = s.posted;
		clock_gettime(CLOCK_MONOTONIC, &t_end);
		snap_read(live, &t1);
		if (rc != 0)
			fail_msg("backup: exit %d: %s", rc, err ? err : "");
		free(out);
		free(err);
	} while (t1.no == t0.no && t1.nf == t0.nf);
	struct stat sb;
	assert_int_equal(stat(copy, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* The stream went on after the backup, without one failure. */
	while (s.posted < posted1 + N_AFTER && !s.failed)
		usleep(20 * 1000);
	s.stop = 1;
	pthread_join(s.th, NULL);
	if (s.failed)
		fail_msg("%d orders failed (last HTTP %ld)", s.failed, s.last_status);

	snap_read(copy, &b);
	printf(
	    "orders before the backup %zu (fills %zu), in the copy %zu (%zu), after it %zu "
	    "(%zu); %d orders answered while the backup ran (%.0f ms, try %d); %d posted in all\n",
	    t0.no, t0.nf, b.no, b.nf, t1.no, t1.nf, posted1 - posted0,
	    (double)(t_end.tv_sec - t_start.tv_sec) * 1e3 +
	        (double)(t_end.tv_nsec - t_start.tv_nsec) / 1e6,
	    tries, s.posted);
	snap_within(&t0, &b, "the copy against the database before the backup");
	snap_within(&b, &t1, "the database after the backup against the copy");
	copy_consistent(copy, &b);
	assert_true(b.no >= N_BEFORE);
	assert_true(b.nf > 0);

	/* Restore: kisgw stopped, the copy becomes KISGW_DB of a new data dir. */
	assert_int_equal(h_stop(&gw, SIGTERM), 0);
	char restored[1100];
	snprintf(restored, sizeof(restored), "%s/kisgw.db", dir2);
	copy_file(copy, restored);
	/* Both kisgw take the simulator's clock to the second, so the new one
	 * could start up to a second behind the old one and stamp the fills it
	 * learns before fills of the copy; a restored gateway runs on a later
	 * wall clock than the one that wrote the copy. */
	usleep(1100 * 1000);
	h_proc gw2;
	gw_start(&gw2, sim.port, dir2);
	restored_check(gw2.port, sim.port, &b);

	assert_int_equal(h_stop(&gw2, SIGTERM), 0);
	h_stop(&sim, SIGTERM);
	h_rmdir(dir);
	h_rmdir(dir2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backup_during_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
