/* bench_ledger.c — not a test: fills a database with N fills (default
 * 1,000,000) and measures the ledger's hot paths in-process (median of many
 * runs): GET /holdings/aged's query, GET /orders?limit=100's query and the
 * two journal writes of POST /orders. The database is left in place so
 * kisgw can be started on it for the HTTP-level figures.
 *
 *   bench_ledger /tmp/ledger.db [fills] [codes] [keep_every]
 *
 * keep_every: every that many cycles a sell leaves 10 shares behind (a lot
 * stays open); 50 leaves 40 open lots per code with 1,000,000 fills.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kclock.h"
#include "krx.h"
#include "trader.h"
#include "views.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_d);
	return v[n / 2];
}

/* Bulk history per code, ten fills a trading day over about four years:
 * cycles of four buys of 10 and one sell of 40, and every keep_every-th
 * cycle a sell of 30 — so thousands of lots were bought and consumed and a few dozen stay
 * open, spread over the last years (the shape FIFO has to get right). */
static int seed(const char *path, long fills, int codes, int keep_every)
{
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	sqlite3_stmt *o, *f;
	sqlite3_prepare_v2(
	    db,
	    "INSERT INTO orders (code, side, type, qty, price, status, source, "
	    "filled_qty, filled_amount, broker_order_no, broker_orgno, ord_date, "
	    "ord_time, sent_ms, created_ms, updated_ms, name) VALUES (?, ?, 'limit', ?, "
	    "?, 'filled', 'external', ?, ?, ?, '00950', ?, ?, ?, ?, ?, ?)",
	    -1, &o, NULL);
	sqlite3_prepare_v2(db,
	                   "INSERT INTO fills (order_id, cum_qty, code, side, qty, amount, "
	                   "trade_date, filled_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	                   -1, &f, NULL);
	long per_code = fills / codes;
	int start = 20221101;
	long odno = 1;
	for (int c = 0; c < codes; c++) {
		char code[16];
		snprintf(code, sizeof(code), "%06d", 100000 + c * 7);
		char sql[96];
		snprintf(sql, sizeof(sql), "INSERT INTO stock_names VALUES ('%s', 'bench %d')",
		         code, c);
		sqlite3_exec(db, sql, NULL, NULL, NULL);
		int day = start;
		for (long i = 0; i < per_code; i++) {
			if (i % 10 == 0)
				day = krx_next_trading_day(day);
			if (day > 20261120)
				day = 20261120;
			int sell = i % 5 == 4;
			int64_t qty = !sell ? 10 : (i / 5) % keep_every == keep_every - 1 ? 30 : 40;
			int64_t price = 50000 + (i % 50) * 100;
			int64_t ms = kst_epoch_ms(day, 90000) + (i % 10) * 60000;
			char no[24];
			snprintf(no, sizeof(no), "%010ld", odno++);
			sqlite3_bind_text(o, 1, code, -1, SQLITE_STATIC);
			sqlite3_bind_text(o, 2, sell ? "sell" : "buy", -1, SQLITE_STATIC);
			sqlite3_bind_int64(o, 3, qty);
			sqlite3_bind_int64(o, 4, price);
			sqlite3_bind_int64(o, 5, qty);
			sqlite3_bind_int64(o, 6, qty * price);
			sqlite3_bind_text(o, 7, no, -1, SQLITE_STATIC);
			sqlite3_bind_int(o, 8, day);
			sqlite3_bind_int(o, 9, 93000);
			sqlite3_bind_int64(o, 10, ms);
			sqlite3_bind_int64(o, 11, ms);
			sqlite3_bind_int64(o, 12, ms);
			sqlite3_bind_text(o, 13, "bench", -1, SQLITE_STATIC);
			if (sqlite3_step(o) != SQLITE_DONE)
				return -1;
			sqlite3_reset(o);
			sqlite3_bind_int64(f, 1, sqlite3_last_insert_rowid(db));
			sqlite3_bind_int64(f, 2, qty);
			sqlite3_bind_text(f, 3, code, -1, SQLITE_STATIC);
			sqlite3_bind_text(f, 4, sell ? "sell" : "buy", -1, SQLITE_STATIC);
			sqlite3_bind_int64(f, 5, qty);
			sqlite3_bind_int64(f, 6, qty * price);
			sqlite3_bind_int(f, 7, day);
			sqlite3_bind_int64(f, 8, ms);
			if (sqlite3_step(f) != SQLITE_DONE)
				return -1;
			sqlite3_reset(f);
		}
	}
	sqlite3_finalize(o);
	sqlite3_finalize(f);
	int rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_ledger DB [fills] [codes]\n");
		return 2;
	}
	const char *path = argv[1];
	long fills = argc > 2 ? atol(argv[2]) : 1000000;
	int codes = argc > 3 ? atoi(argv[3]) : 100;
	int keep_every = argc > 4 ? atoi(argv[4]) : 50;
	if (fills < 1 || codes < 1 || keep_every < 1) {
		fprintf(stderr, "fills, codes and keep_every must be positive\n");
		return 2;
	}
	char err[256];
	unlink(path);
	store *s = store_open(path, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	double t0 = now_us();
	if (seed(path, fills, codes, keep_every)) {
		fprintf(stderr, "seeding failed\n");
		return 1;
	}
	int n = store_positions_rebuild(s);
	printf("seeded %ld fills over %d codes in %.1f s (positions rebuilt: %d)\n", fills, codes,
	       (now_us() - t0) / 1e6, n);

	kclock clk;
	kclock_init(&clk, "2026-11-24T10:00:00+09:00", err, sizeof(err));
	char secret[181];
	memset(secret, 'S', 180);
	secret[180] = 0;
	kis_config kc = {.base_url = "http://127.0.0.1:9", /* never called */
	                 .app_key = "PSbenchAppKey0123456789abcdefghijklm",
	                 .app_secret = secret,
	                 .account = "50012345-01"};
	kis_config_defaults(&kc);
	kis_client *kis = kis_client_new(&kc, err, sizeof(err));
	trader_config tc = {.run_backfill = 0};
	trader *t = kis ? trader_new(&tc, kis, s, &clk, err, sizeof(err)) : NULL;
	if (!t) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	enum { RUNS = 201 };
	double v[RUNS];
	size_t lots = 0, held = 0;
	for (int i = 0; i < RUNS; i++) {
		double a = now_us();
		trader_aged ag;
		trader_holdings_aged(t, 5, &ag);
		json_t *j = gw_aged_json(&ag);
		char *txt = json_dumps(j, JSON_COMPACT);
		v[i] = now_us() - a;
		if (i == 0) {
			held = ag.n;
			for (size_t k = 0; k < ag.n; k++)
				lots += ag.v[k].nlots;
		}
		trader_aged_free(&ag);
		free(txt);
		json_decref(j);
	}
	for (int i = 0; i < RUNS; i++) {
		store_holdings h;
		double a = now_us();
		store_holdings_get(s, 0, &h);
		v[i] = now_us() - a;
		store_holdings_free(&h);
	}
	printf("  of which the lots query (store_holdings_get): median %.3f ms\n",
	       median(v, RUNS) / 1e3);
	for (int i = 0; i < RUNS; i++) {
		double a = now_us();
		trader_aged ag;
		trader_holdings_aged(t, 5, &ag);
		json_t *j = gw_aged_json(&ag);
		char *txt = json_dumps(j, JSON_COMPACT);
		v[i] = now_us() - a;
		trader_aged_free(&ag);
		free(txt);
		json_decref(j);
	}
	printf("holdings/aged?days=5: median %.3f ms (%zu codes, %zu lots)\n",
	       median(v, RUNS) / 1e3, held, lots);
	for (int i = 0; i < RUNS; i++) {
		trader_list_query q = {
		    .status = TRADER_ANY, .side = TRADER_ANY, .source = TRADER_ANY, .limit = 100};
		trader_outcome out;
		double a = now_us();
		trader_order_page page;
		trader_orders_list(t, &q, &page, &out);
		json_t *j = gw_order_page_json(&page);
		char *txt = json_dumps(j, JSON_COMPACT);
		v[i] = now_us() - a;
		trader_order_page_free(&page);
		free(txt);
		json_decref(j);
	}
	printf("orders?limit=100: median %.3f ms\n", median(v, RUNS) / 1e3);
	for (int i = 0; i < RUNS; i++) {
		trader_list_query q = {.status = ST_FILLED,
		                       .side = TRADER_ANY,
		                       .source = TRADER_ANY,
		                       .limit = 100,
		                       .code = "100007"};
		trader_outcome out;
		double a = now_us();
		trader_order_page page;
		trader_orders_list(t, &q, &page, &out);
		json_t *j = gw_order_page_json(&page);
		v[i] = now_us() - a;
		trader_order_page_free(&page);
		json_decref(j);
	}
	printf("orders?code=&status=&limit=100: median %.3f ms\n", median(v, RUNS) / 1e3);
	/* The journal's share of POST /orders: insert pending, record the answer. */
	for (int i = 0; i < RUNS; i++) {
		store_order o;
		memset(&o, 0, sizeof(o));
		snprintf(o.client_order_id, sizeof(o.client_order_id), "bench-%d", i);
		snprintf(o.code, sizeof(o.code), "005930");
		snprintf(o.request, sizeof(o.request), "bench");
		o.qty = 1;
		o.status = ST_PENDING;
		o.created_ms = o.updated_ms = o.sent_ms = kclock_now_ms(&clk);
		double a = now_us();
		store_order ex;
		store_order_insert(s, &o, &ex);
		char no[24];
		snprintf(no, sizeof(no), "9%09d", i);
		store_send_result r = {.status = ST_SUBMITTED,
		                       .odno = no,
		                       .orgno = "00950",
		                       .ord_date = 20261124,
		                       .ord_time = 100000,
		                       .now_ms = o.created_ms};
		store_order_sent(s, o.id, &r);
		v[i] = now_us() - a;
	}
	printf("POST /orders journal (insert + answer, 2 fsync'd commits): median %.3f ms\n",
	       median(v, RUNS) / 1e3);
	trader_free(t);
	kis_client_free(kis);
	store_close(s);
	kclock_destroy(&clk);
	return 0;
}
