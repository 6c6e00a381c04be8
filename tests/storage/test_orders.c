/* test_orders.c — storage: the order journal, fills, FIFO lots, lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

static char path[64];

static int setup(void **state)
{
	snprintf(path, sizeof(path), "/tmp/kisgw-orders-%d.db", (int)getpid());
	unlink(path);
	char err[256];
	store *s = store_open(path, err, sizeof(err));
	if (!s)
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	store_close(*state);
	char p[80];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	return 0;
}

static store_order mk(const char *key, const char *code, store_side side, int64_t qty,
                      int64_t created)
{
	store_order o;
	memset(&o, 0, sizeof(o));
	snprintf(o.client_order_id, sizeof(o.client_order_id), "%s", key ? key : "");
	snprintf(o.code, sizeof(o.code), "%s", code);
	snprintf(o.request, sizeof(o.request), "%s|%d|%lld", code, (int)side, (long long)qty);
	o.side = side;
	o.type = STORE_MARKET;
	o.qty = qty;
	o.status = ST_PENDING;
	o.source = STORE_SRC_API;
	o.created_ms = o.updated_ms = created;
	return o;
}

static void test_names(void **state)
{
	(void)state;
	for (int i = 0; i < ST__MAX; i++)
		assert_int_equal(store_status_parse(store_status_name((store_status)i)), i);
	assert_int_equal(store_status_parse("bogus"), -1);
	assert_int_equal(store_status_parse(NULL), -1);
	assert_int_equal(store_side_parse("sell"), STORE_SELL);
	assert_int_equal(store_source_parse("external"), STORE_SRC_EXTERNAL);
	assert_int_equal(store_source_parse("passthrough"), STORE_SRC_PASSTHROUGH);
	assert_string_equal(store_source_name(STORE_SRC_PASSTHROUGH), "passthrough");
	assert_true(store_status_final(ST_FILLED));
	assert_true(store_status_final(ST_NOT_FOUND));
	assert_false(store_status_final(ST_UNKNOWN));
	assert_false(store_status_final(ST_CANCEL_REQUESTED));
}

static void test_insert_idempotent_and_sent(void **state)
{
	store *s = *state;
	store_order o = mk("key-1", "005930", STORE_BUY, 10, 1000), ex;
	assert_int_equal(store_order_insert(s, &o, &ex), 0);
	assert_true(o.id > 0);
	store_order o2 = mk("key-1", "005930", STORE_BUY, 99, 2000);
	assert_int_equal(store_order_insert(s, &o2, &ex), 1);
	assert_int_equal(ex.id, o.id);
	assert_int_equal(ex.qty, 10);
	assert_int_equal(ex.status, ST_PENDING);

	assert_int_equal(store_order_mark_sending(s, o.id, 1500), 0);
	store_send_result r = {.status = ST_SUBMITTED,
	                       .odno = "0000012345",
	                       .orgno = "00950",
	                       .ord_date = 20261124,
	                       .ord_time = 100001,
	                       .now_ms = 1600};
	assert_int_equal(store_order_sent(s, o.id, &r), 0);
	store_order g;
	assert_int_equal(store_order_get(s, o.id, &g), 0);
	assert_int_equal(g.status, ST_SUBMITTED);
	assert_string_equal(g.broker_order_no, "0000012345");
	assert_string_equal(g.broker_orgno, "00950");
	assert_int_equal(g.sent_ms, 1500);
	assert_int_equal(g.updated_ms, 1600);
	assert_int_equal(store_order_get_by_broker(s, 20261124, "0000012345", &g), 0);
	assert_int_equal(g.id, o.id);
	assert_int_equal(store_order_get_by_broker(s, 20261125, "0000012345", &g), 1);
	assert_int_equal(store_order_get(s, 999999, &g), 1);
	assert_int_equal(store_order_get_by_key(s, "key-1", &g), 0);
	assert_int_equal(store_order_get_by_key(s, "", &g), 1);

	/* A second answer does not move a submitted order back. */
	store_send_result late = {.status = ST_UNKNOWN, .now_ms = 1700};
	assert_int_equal(store_order_sent(s, o.id, &late), 0);
	assert_int_equal(store_order_get(s, o.id, &g), 0);
	assert_int_equal(g.status, ST_SUBMITTED);

	/* The same ODNO on the same day cannot be given to a second order. */
	store_order o3 = mk(NULL, "005930", STORE_BUY, 1, 3000);
	assert_int_equal(store_order_insert(s, &o3, NULL), 0);
	assert_int_equal(store_order_sent(s, o3.id, &r), -1);
}

static void test_not_sent_releases_key(void **state)
{
	store *s = *state;
	store_order o = mk("key-ns", "000660", STORE_SELL, 5, 1000), ex;
	assert_int_equal(store_order_insert(s, &o, &ex), 0);
	store_send_result r = {.status = ST_NOT_SENT,
	                       .reject_code = "EGW00201",
	                       .reject_message = "rate",
	                       .now_ms = 1100};
	assert_int_equal(store_order_sent(s, o.id, &r), 0);
	store_order g;
	assert_int_equal(store_order_get(s, o.id, &g), 0);
	assert_int_equal(g.status, ST_NOT_SENT);
	assert_string_equal(g.client_order_id, "");
	assert_int_equal(store_order_get_by_key(s, "key-ns", &g), 1);
	/* The key is free again. */
	store_order o2 = mk("key-ns", "000660", STORE_SELL, 5, 1200);
	assert_int_equal(store_order_insert(s, &o2, &ex), 0);
	assert_true(o2.id != o.id);
}

static void test_pending_to_unknown(void **state)
{
	store *s = *state;
	store_order a = mk(NULL, "035720", STORE_BUY, 1, 10),
	            b = mk(NULL, "035720", STORE_BUY, 2, 11);
	assert_int_equal(store_order_insert(s, &a, NULL), 0);
	assert_int_equal(store_order_insert(s, &b, NULL), 0);
	store_send_result r = {.status = ST_REJECTED, .reject_code = "APBK0919", .now_ms = 12};
	assert_int_equal(store_order_sent(s, b.id, &r), 0);
	assert_int_equal(store_orders_pending_to_unknown(s, 99), 1);
	store_order g;
	assert_int_equal(store_order_get(s, a.id, &g), 0);
	assert_int_equal(g.status, ST_UNKNOWN);
	assert_int_equal(store_order_get(s, b.id, &g), 0);
	assert_int_equal(g.status, ST_REJECTED);
	assert_string_equal(g.reject_code, "APBK0919");
	store_order *v;
	size_t n;
	assert_int_equal(store_orders_by_status(s, 1u << ST_UNKNOWN, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, a.id);
	free(v);
}

static int64_t fill(store *s, int64_t id, store_status st, int64_t cum, int64_t amt, int date,
                    int64_t ms)
{
	store_progress p = {.status = st,
	                    .filled_qty = cum,
	                    .filled_amount = amt,
	                    .trade_date = date,
	                    .fill_ms = ms,
	                    .now_ms = ms};
	return store_order_progress(s, id, &p);
}

static int64_t order_with_fill(store *s, const char *code, store_side side, int64_t qty,
                               int64_t price, int date, int64_t ms)
{
	store_order o = mk(NULL, code, side, qty, ms);
	assert_int_equal(store_order_insert(s, &o, NULL), 0);
	assert_int_equal(fill(s, o.id, ST_FILLED, qty, qty * price, date, ms), qty);
	return o.id;
}

static void test_progress_idempotent_partial(void **state)
{
	store *s = *state;
	store_order o = mk(NULL, "111111", STORE_BUY, 10, 100);
	assert_int_equal(store_order_insert(s, &o, NULL), 0);
	assert_int_equal(fill(s, o.id, ST_PARTIALLY_FILLED, 4, 4000, 20261124, 200), 4);
	/* The same KIS state read again adds nothing. */
	assert_int_equal(fill(s, o.id, ST_PARTIALLY_FILLED, 4, 4000, 20261124, 300), 0);
	/* A stale (smaller) cumulative never subtracts. */
	assert_int_equal(fill(s, o.id, ST_PARTIALLY_FILLED, 3, 3000, 20261124, 350), 0);
	assert_int_equal(fill(s, o.id, ST_FILLED, 10, 10600, 20261124, 400), 6);
	store_order g;
	assert_int_equal(store_order_get(s, o.id, &g), 0);
	assert_int_equal(g.status, ST_FILLED);
	assert_int_equal(g.filled_qty, 10);
	assert_int_equal(g.filled_amount, 10600);
	store_fill *f;
	size_t n;
	assert_int_equal(store_fills_list(s, o.id, &f, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(f[0].qty, 4);
	assert_int_equal(f[0].amount, 4000);
	assert_int_equal(f[1].qty, 6);
	assert_int_equal(f[1].amount, 6600);
	free(f);
	assert_int_equal(store_order_progress(s, 424242, &(store_progress){.status = ST_FILLED}),
	                 -1);
}

static void test_fifo_lots(void **state)
{
	store *s = *state;
	/* Buy 10 @100 (Mon), buy 5 @200 (Tue), sell 12 (Wed), buy 3 @300 (Thu). */
	order_with_fill(s, "222222", STORE_BUY, 10, 100, 20261116, 1);
	order_with_fill(s, "222222", STORE_BUY, 5, 200, 20261117, 2);
	order_with_fill(s, "222222", STORE_SELL, 12, 150, 20261118, 3);
	order_with_fill(s, "222222", STORE_BUY, 3, 300, 20261119, 4);
	store_holdings h;
	assert_int_equal(store_holdings_get(s, 0, &h), 0);
	store_holding *x = NULL;
	for (size_t i = 0; i < h.n; i++)
		if (!strcmp(h.h[i].code, "222222"))
			x = &h.h[i];
	assert_non_null(x);
	assert_int_equal(x->qty, 6);
	assert_int_equal(x->incomplete, 0);
	assert_int_equal(x->nlots, 2);
	assert_int_equal(x->lots[0].acquired_on, 20261117);
	assert_int_equal(x->lots[0].qty, 3);
	assert_true(x->lots[0].price == 200.0);
	assert_int_equal(x->lots[1].acquired_on, 20261119);
	assert_int_equal(x->lots[1].qty, 3);
	store_holdings_free(&h);
	/* Only lots acquired by 2026-11-18. */
	assert_int_equal(store_holdings_get(s, 20261118, &h), 0);
	for (size_t i = 0; i < h.n; i++) {
		if (!strcmp(h.h[i].code, "222222")) {
			assert_int_equal(h.h[i].nlots, 1);
			assert_int_equal(h.h[i].lots[0].acquired_on, 20261117);
		}
	}
	store_holdings_free(&h);
}

static void test_fifo_out_of_order_and_incomplete(void **state)
{
	store *s = *state;
	/* A sell with no known buys: history incomplete, nothing held. */
	order_with_fill(s, "333333", STORE_SELL, 4, 100, 20261110, 10);
	order_with_fill(s, "333333", STORE_BUY, 6, 100, 20261112, 20);
	store_holdings h;
	assert_int_equal(store_holdings_get(s, 0, &h), 0);
	int found = 0;
	for (size_t i = 0; i < h.n; i++) {
		if (!strcmp(h.h[i].code, "333333")) {
			found = 1;
			assert_int_equal(h.h[i].qty, 6);
			assert_int_equal(h.h[i].incomplete, 1);
		}
	}
	assert_true(found);
	store_holdings_free(&h);
	/* Backfill brings the older buy that the sell consumed: replayed in order. */
	order_with_fill(s, "333333", STORE_BUY, 4, 90, 20261105, 5);
	assert_int_equal(store_holdings_get(s, 0, &h), 0);
	for (size_t i = 0; i < h.n; i++) {
		if (!strcmp(h.h[i].code, "333333")) {
			assert_int_equal(h.h[i].qty, 6);
			assert_int_equal(h.h[i].incomplete, 0);
			assert_int_equal(h.h[i].nlots, 1);
			assert_int_equal(h.h[i].lots[0].acquired_on, 20261112);
		}
	}
	store_holdings_free(&h);
	/* A full rebuild from fills gives the same state. */
	assert_true(store_positions_rebuild(s) >= 1);
	assert_int_equal(store_holdings_get(s, 0, &h), 0);
	for (size_t i = 0; i < h.n; i++) {
		if (!strcmp(h.h[i].code, "333333")) {
			assert_int_equal(h.h[i].qty, 6);
			assert_int_equal(h.h[i].incomplete, 0);
		}
	}
	store_holdings_free(&h);
	/* Sold out: the code disappears. */
	order_with_fill(s, "333333", STORE_SELL, 6, 100, 20261113, 30);
	assert_int_equal(store_holdings_get(s, 0, &h), 0);
	for (size_t i = 0; i < h.n; i++)
		assert_string_not_equal(h.h[i].code, "333333");
	store_holdings_free(&h);
}

static void test_list_filters_cursor(void **state)
{
	store *s = *state;
	int64_t ids[25];
	for (int i = 0; i < 25; i++) {
		store_order o = mk(NULL, i % 2 ? "444444" : "555555",
		                   i % 3 ? STORE_BUY : STORE_SELL, i + 1, 100000 + i);
		assert_int_equal(store_order_insert(s, &o, NULL), 0);
		ids[i] = o.id;
	}
	store_order_filter f = {.status = -1,
	                        .code = "444444",
	                        .side = -1,
	                        .source = -1,
	                        .from_ms = 100000,
	                        .limit = 5};
	int seen = 0, pages = 0, more = 1;
	int64_t last_ms = 0, last_id = 0;
	while (more) {
		store_order *v;
		size_t n;
		f.cursor_ms = last_ms;
		f.cursor_id = last_id;
		assert_int_equal(store_orders_list(s, &f, &v, &n, &more), 0);
		for (size_t i = 0; i < n; i++) {
			assert_string_equal(v[i].code, "444444");
			if (seen)
				assert_true(v[i].created_ms < last_ms);
			last_ms = v[i].created_ms;
			last_id = v[i].id;
			seen++;
		}
		free(v);
		pages++;
	}
	assert_int_equal(seen, 12);
	assert_int_equal(pages, 3);
	/* Side + time window. */
	store_order *v;
	size_t n;
	store_order_filter g = {.status = ST_PENDING,
	                        .side = STORE_SELL,
	                        .source = STORE_SRC_API,
	                        .from_ms = 100000,
	                        .to_ms = 100010,
	                        .limit = 100};
	assert_int_equal(store_orders_list(s, &g, &v, &n, &more), 0);
	assert_int_equal(n, 4); /* i = 0, 3, 6, 9 */
	assert_int_equal(v[0].id, ids[9]);
	assert_int_equal(more, 0);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test_setup_teardown(test_insert_idempotent_and_sent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_sent_releases_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pending_to_unknown, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_progress_idempotent_partial, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fifo_lots, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fifo_out_of_order_and_incomplete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_filters_cursor, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
