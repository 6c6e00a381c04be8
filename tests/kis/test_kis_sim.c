/* Integration tests of the KIS client against the real kis-sim binary
 * (from the build's bin directory), virtual environment at its default 2 requests/s:
 * price, 45 holdings over three balance pages, buying power, daily bars,
 * order + open-order listing + cancel, a rate-limit fault and an order
 * whose connection drops after KIS took it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kclock.h"
#include "kis.h"
#include "harness.h"
#include "krx.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIM_CLOCK "2026-11-24T10:00:00+09:00"
#define ACCOUNT   "12345678-01"

static h_proc sim;
static char sim_url[64];
static kclock clk;

/* Starts kis-sim (virtual or real) on a free port. */
static int sim_start(const char *env)
{
	const char *args[] = {"--env", env, "--seed", "7", "--clock", SIM_CLOCK, NULL};
	if (h_start_sim(&sim, args))
		return -1;
	snprintf(sim_url, sizeof sim_url, "http://127.0.0.1:%d", sim.port);
	return 0;
}

static void sim_stop(void)
{
	h_stop(&sim, SIGTERM);
}

/* Control API call (steals body); the JSON reply (caller decrefs) or NULL
 * unless the simulator answered 200. */
static json_t *ctl(const char *method, const char *path, json_t *body)
{
	char *txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	long st = 0;
	json_t *j =
	    h_json(sim.port, method, path, txt ? txt : (strcmp(method, "POST") ? NULL : "{}"), &st);
	free(txt);
	if (st != 200) {
		fprintf(stderr, "control %s %s: http %ld\n", method, path, st);
		json_decref(j);
		return NULL;
	}
	return j;
}

static int64_t clk_now(void *ctx)
{
	return kclock_now_ms(ctx);
}

static char app_key[37], app_secret[181];

static kis_client *client_new(int real, int old_tr_ids)
{
	kis_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.base_url = sim_url;
	cfg.app_key = app_key;
	cfg.app_secret = app_secret;
	cfg.account = ACCOUNT;
	cfg.real = real;
	cfg.old_tr_ids = old_tr_ids;
	cfg.queue_wait_ms = 30000;
	cfg.now_ms = clk_now;
	cfg.clock_ctx = &clk;
	kis_config_defaults(&cfg);
	char e[128];
	kis_client *c = kis_client_new(&cfg, e, sizeof e);
	if (!c)
		fail_msg("kis_client_new: %s", e);
	return c;
}

static kis_client *cl;
static char codes[64][8];
static int ncodes, nhold;

static int group_setup(void **state)
{
	memset(app_key, 'K', 36);
	memset(app_secret, 'S', 180);
	if (kclock_init(&clk, SIM_CLOCK, NULL, 0) != 0)
		return -1;
	if (sim_start("virtual") != 0) {
		fprintf(stderr, "could not start %s\n", h_bin("kis-sim"));
		return -1;
	}
	json_t *st = ctl("GET", "/__sim/stocks", NULL);
	json_t *arr = json_object_get(st, "stocks");
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		const char *code = json_string_value(json_object_get(v, "code"));
		if (code && ncodes < 64)
			snprintf(codes[ncodes++], sizeof codes[0], "%s", code);
	}
	json_decref(st);
	/* 45 holdings as asked, or every listed stock when the universe is
	 * smaller (kis-sim has 43): still three virtual pages of 20 */
	nhold = ncodes < 45 ? ncodes : 45;
	if (nhold <= 40) {
		fprintf(stderr, "kis-sim lists %d stocks, need more than 40\n", ncodes);
		return -1;
	}
	json_t *hold = json_array();
	for (int k = 0; k < nhold; k++)
		json_array_append_new(hold, json_pack("{s:s,s:i,s:f}", "code", codes[k], "qty",
		                                      10 + k, "avg_price", 1000.5));
	json_t *r = ctl("POST", "/__sim/reset",
	                json_pack("{s:s,s:I,s:o}", "account", ACCOUNT, "cash",
	                          (json_int_t)100000000, "holdings", hold));
	if (!r)
		return -1;
	json_decref(r);
	cl = client_new(0, 0);
	return 0;
}

static int group_teardown(void **state)
{
	kis_client_free(cl);
	sim_stop();
	kclock_destroy(&clk);
	return 0;
}

static void test_sim_price(void **state)
{
	kis_quote q;
	kis_error e;
	if (kis_price_get(cl, codes[0], &q, &e) != KIS_OK)
		fail_msg("price: %s %s %s", kis_status_name(e.status), e.msg_cd, e.msg1);
	assert_true(q.price > 0);
	assert_true(q.lower_limit <= q.price && q.price <= q.upper_limit);
	assert_true(q.low <= q.high);
	assert_true(q.tick == krx_tick(q.price));
	assert_true(kis_token_valid_until(cl) > kclock_now_ms(&clk));
}

static void test_sim_balance_pages(void **state)
{
	kis_balance b;
	kis_error e;
	if (kis_balance_get(cl, &b, &e) != KIS_OK)
		fail_msg("balance: %s %s %s", kis_status_name(e.status), e.msg_cd, e.msg1);
	assert_int_equal((int)b.n, nhold);
	assert_int_equal(b.pages, (nhold + 19) / 20); /* virtual: 20 rows a page */
	int64_t total_qty = 0;
	for (size_t i = 0; i < b.n; i++) {
		total_qty += b.holdings[i].qty;
		assert_true(b.holdings[i].avg_price > 1000.0 && b.holdings[i].avg_price < 1001.0);
	}
	assert_true(total_qty == nhold * 10 + (nhold - 1) * nhold / 2);
	assert_true(b.deposit == 100000000);
	kis_balance_free(&b);
}

static void test_sim_buying_power(void **state)
{
	kis_buying_power bp;
	kis_error e;
	if (kis_buying_power_get(cl, NULL, 0, &bp, &e) != KIS_OK)
		fail_msg("psbl: %s %s %s", kis_status_name(e.status), e.msg_cd, e.msg1);
	assert_true(bp.orderable_cash == 100000000);
	kis_quote q;
	assert_int_equal(kis_price_get(cl, codes[1], &q, &e), KIS_OK);
	assert_int_equal(kis_buying_power_get(cl, codes[1], q.price, &bp, &e), KIS_OK);
	assert_true(bp.max_buy_qty > 0);
	assert_true(bp.max_buy_qty * q.price <= 100000000);
}

static void test_sim_daily_bars(void **state)
{
	kis_bars b;
	kis_error e;
	if (kis_daily_bars_get(cl, codes[0], 20260101, 20261123, &b, &e) != KIS_OK)
		fail_msg("bars: %s %s %s", kis_status_name(e.status), e.msg_cd, e.msg1);
	int want = 0;
	for (int d = 20260101; d <= 20261123; d = ymd_add_days(d, 1))
		want += krx_is_trading_day(d);
	assert_int_equal((int)b.n, want);
	for (size_t i = 1; i < b.n; i++)
		assert_true(b.bars[i].date < b.bars[i - 1].date);
	assert_true(b.bars[0].low <= b.bars[0].close && b.bars[0].close <= b.bars[0].high);
	kis_bars_free(&b);
}

static void test_sim_order_cancel_ccld(void **state)
{
	kis_quote q;
	kis_error e;
	assert_int_equal(kis_price_get(cl, codes[2], &q, &e), KIS_OK);
	/* a limit buy at the lower limit rests unfilled */
	kis_order_req rq;
	memset(&rq, 0, sizeof rq);
	snprintf(rq.code, sizeof rq.code, "%s", codes[2]);
	rq.side = KIS_SIDE_BUY;
	rq.qty = 3;
	rq.price = q.lower_limit;
	kis_order_ack ack;
	if (kis_order_cash(cl, &rq, &ack, &e) != KIS_OK)
		fail_msg("order: %s %s %s", kis_status_name(e.status), e.msg_cd, e.msg1);
	assert_int_equal(strlen(ack.odno), 10);
	assert_int_equal(strlen(ack.orgno), 5);
	assert_true(ack.ord_time >= 100000);

	int today = kst_date(kclock_now_ms(&clk));
	kis_ccld_query cq = {today, today, KIS_SIDE_ANY, NULL, 2, NULL};
	kis_ccld_list l;
	assert_int_equal(kis_daily_ccld_get(cl, &cq, &l, &e), KIS_OK);
	int found = 0;
	for (size_t i = 0; i < l.n; i++)
		if (strcmp(l.rows[i].odno, ack.odno) == 0) {
			found = 1;
			assert_true(l.rows[i].remaining_qty == 3);
			assert_int_equal(l.rows[i].side, KIS_SIDE_BUY);
			assert_true(l.rows[i].ord_price == q.lower_limit);
		}
	assert_true(found);
	kis_ccld_list_free(&l);

	kis_order_ack cack;
	if (kis_order_cancel(cl, ack.orgno, ack.odno, &cack, &e) != KIS_OK)
		fail_msg("cancel: %s %s %s", kis_status_name(e.status), e.msg_cd, e.msg1);
	assert_string_not_equal(cack.odno, ack.odno);

	cq.ccld = 0;
	assert_int_equal(kis_daily_ccld_get(cl, &cq, &l, &e), KIS_OK);
	int orig = 0, cancel = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.rows[i].odno, ack.odno) == 0) {
			orig = 1;
			assert_true(l.rows[i].remaining_qty == 0);
		}
		if (strcmp(l.rows[i].odno, cack.odno) == 0) {
			cancel = 1;
			assert_string_equal(l.rows[i].orgn_odno, ack.odno);
			assert_int_equal(l.rows[i].cancel_row, 1);
		}
	}
	assert_true(orig && cancel);
	kis_ccld_list_free(&l);
}

/* EGW00201 from the sim is absorbed by a read retry. */
static void test_sim_rate_limit_fault(void **state)
{
	json_t *r = ctl(
	    "POST", "/__sim/fault",
	    json_pack("{s:s,s:s,s:i}", "match", "FHKST01010100", "kind", "rate_limit", "count", 1));
	assert_non_null(r);
	json_decref(r);
	kis_stats before, after;
	kis_stats_get(cl, &before);
	kis_quote q;
	kis_error e;
	assert_int_equal(kis_price_get(cl, codes[0], &q, &e), KIS_OK);
	kis_stats_get(cl, &after);
	assert_true(after.rate_limited == before.rate_limited + 1);
	assert_true(after.retries == before.retries + 1);
}

/* The sim takes the order and drops the connection: the client reports
 * TRANSIENT with sent = 1, does not resend, and the order is in the history. */
static void test_sim_drop_after_order(void **state)
{
	json_t *r = ctl("POST", "/__sim/fault",
	                json_pack("{s:s,s:s,s:i}", "match", "order-cash", "kind",
	                          "drop_after_order", "count", 1));
	assert_non_null(r);
	json_decref(r);
	kis_quote q;
	kis_error e;
	assert_int_equal(kis_price_get(cl, codes[3], &q, &e), KIS_OK);
	int today = kst_date(kclock_now_ms(&clk));
	kis_ccld_query cq = {today, today, KIS_SIDE_ANY, codes[3], 0, NULL};
	kis_ccld_list l;
	assert_int_equal(kis_daily_ccld_get(cl, &cq, &l, &e), KIS_OK);
	size_t before = l.n;
	kis_ccld_list_free(&l);

	kis_order_req rq;
	memset(&rq, 0, sizeof rq);
	snprintf(rq.code, sizeof rq.code, "%s", codes[3]);
	rq.side = KIS_SIDE_BUY;
	rq.qty = 1;
	rq.price = q.lower_limit;
	kis_order_ack ack;
	int rc = kis_order_cash(cl, &rq, &ack, &e);
	assert_int_equal(rc, KIS_E_TRANSIENT);
	assert_int_equal(e.sent, 1);

	assert_int_equal(kis_daily_ccld_get(cl, &cq, &l, &e), KIS_OK);
	assert_int_equal((int)l.n, (int)before + 1); /* taken exactly once */
	kis_ccld_list_free(&l);

	/* the whole run stayed under the sim's 2/s without being told off,
	 * except for the one injected EGW00201 */
	kis_stats st;
	kis_stats_get(cl, &st);
	assert_true(st.rate_limited == 1);
	assert_true(st.token_issued == 1);
}

static void test_sim_holidays_virtual(void **state)
{
	kis_days d;
	kis_error e;
	assert_int_equal(kis_holidays_get(cl, 20261124, &d, &e), KIS_E_UNSUPPORTED);
}

/* ---- real environment (20/s), old tr_ids: real-only TRs ---- */

static int real_setup(void **state)
{
	if (sim_start("real") != 0)
		return -1;
	json_t *r = ctl("POST", "/__sim/reset",
	                json_pack("{s:s,s:I}", "account", ACCOUNT, "cash", (json_int_t)50000000));
	if (!r)
		return -1;
	json_decref(r);
	cl = client_new(1, 1);
	return 0;
}

static int real_teardown(void **state)
{
	kis_client_free(cl);
	cl = NULL;
	sim_stop();
	return 0;
}

static void test_sim_real_holidays(void **state)
{
	kis_days d;
	kis_error e;
	if (kis_holidays_get(cl, 20261124, &d, &e) != KIS_OK)
		fail_msg("holidays: %s %s %s", kis_status_name(e.status), e.msg_cd, e.msg1);
	assert_true(d.n > 0);
	assert_int_equal(d.days[0].ymd, 20261124);
	for (size_t i = 0; i < d.n; i++) {
		if (d.days[i].open != krx_is_trading_day(d.days[i].ymd))
			fail_msg("%d: open %d, calendar says %d", d.days[i].ymd, d.days[i].open,
			         krx_is_trading_day(d.days[i].ymd));
		if (i > 0)
			assert_true(d.days[i].ymd > d.days[i - 1].ymd);
	}
	kis_days_free(&d);
}

static void test_sim_real_open_orders(void **state)
{
	json_t *st = ctl("GET", "/__sim/stocks", NULL);
	const char *code = json_string_value(
	    json_object_get(json_array_get(json_object_get(st, "stocks"), 0), "code"));
	assert_non_null(code);
	kis_order_req rq;
	memset(&rq, 0, sizeof rq);
	snprintf(rq.code, sizeof rq.code, "%s", code);
	json_decref(st);
	kis_quote q;
	kis_error e;
	assert_int_equal(kis_price_get(cl, rq.code, &q, &e), KIS_OK);
	rq.side = KIS_SIDE_BUY;
	rq.qty = 2;
	rq.price = q.lower_limit;
	kis_order_ack ack;
	if (kis_order_cash(cl, &rq, &ack, &e) != KIS_OK)
		fail_msg("order: %s %s %s", kis_status_name(e.status), e.msg_cd, e.msg1);
	kis_open_orders o;
	if (kis_open_orders_get(cl, &o, &e) != KIS_OK)
		fail_msg("open orders: %s %s %s", kis_status_name(e.status), e.msg_cd, e.msg1);
	int found = 0;
	for (size_t i = 0; i < o.n; i++)
		if (strcmp(o.rows[i].odno, ack.odno) == 0) {
			found = 1;
			assert_true(o.rows[i].cancelable_qty == 2);
			assert_int_equal(o.rows[i].side, KIS_SIDE_BUY);
		}
	assert_true(found);
	kis_open_orders_free(&o);
	kis_order_ack cack;
	assert_int_equal(kis_order_cancel(cl, ack.orgno, ack.odno, &cack, &e), KIS_OK);
	assert_int_equal(kis_open_orders_get(cl, &o, &e), KIS_OK);
	for (size_t i = 0; i < o.n; i++)
		assert_string_not_equal(o.rows[i].odno, ack.odno);
	kis_open_orders_free(&o);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sim_price),
	    cmocka_unit_test(test_sim_balance_pages),
	    cmocka_unit_test(test_sim_buying_power),
	    cmocka_unit_test(test_sim_daily_bars),
	    cmocka_unit_test(test_sim_order_cancel_ccld),
	    cmocka_unit_test(test_sim_rate_limit_fault),
	    cmocka_unit_test(test_sim_drop_after_order),
	    cmocka_unit_test(test_sim_holidays_virtual),
	};
	const struct CMUnitTest real_tests[] = {
	    cmocka_unit_test(test_sim_real_holidays),
	    cmocka_unit_test(test_sim_real_open_orders),
	};
	int rc = cmocka_run_group_tests_name("virtual", tests, group_setup, group_teardown);
	rc += cmocka_run_group_tests_name("real", real_tests, real_setup, real_teardown);
	return rc;
}
