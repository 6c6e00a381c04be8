/* test_realtime.c — execution notices from the KIS WebSocket into the
 * ledger, against the real kis-sim: a fill seen by the socket and then by
 * the reconciler (and the other way round) is counted once, partial fills
 * arrive one notice at a time, a reconnection runs one reconciliation, an
 * unknown layout falls back to polling, no connection outside trading
 * hours. Waits are bounded polls, never timed assertions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ledger_fx.h"
#include "krx.h"
#include "trader.h"

#define ACCOUNT "50012345-01"
#define T0      "2026-11-24T10:00:00+09:00"
#define WAIT_MS 15000

/* One simulator for the group (it takes seconds to start on a loaded
 * machine); each test gets a fresh account, ledger, client and trader. */
static h_proc group_sim;

typedef struct fx {
	h_proc sim;
	ledger_fx x;
	trader *t;
} fx;

static void sim_post(fx *f, const char *path, const char *body)
{
	assert_int_equal(h_sim_post(f->sim.port, path, body), 0);
}

static void fx_trader(fx *f, int backfill)
{
	f->t = ledger_fx_trader(&f->x, backfill);
	if (!f->t)
		fail_msg("no trader");
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	f->sim = group_sim;
	/* the previous test's session must be gone: one session per app key */
	for (int i = 0; i < 500 && h_sim_counter(f->sim.port, "ws.live") != 0; i++)
		usleep(10000);
	sim_post(f, "/__sim/reset", "{\"all\":true}");
	sim_post(f, "/__sim/clock", "{\"set\":\"" T0 "\"}");
	sim_post(f, "/__sim/ws", "{\"layout\":26,\"batch\":false}");
	sim_post(f, "/__sim/session", "{\"partial_fill_qty\":0}");
	sim_post(f, "/__sim/reset", "{\"account\":\"" ACCOUNT "\",\"cash\":1000000000}");
	if (ledger_fx_open(&f->x, f->sim.port, T0))
		return -1;
	fx_trader(f, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	trader_free(f->t);
	ledger_fx_close(&f->x);
	free(f);
	return 0;
}

static trader_order_req req(const char *code, store_side side, store_type type, int64_t qty,
                            int64_t price, const char *key)
{
	trader_order_req r;
	memset(&r, 0, sizeof(r));
	snprintf(r.code, sizeof(r.code), "%s", code);
	r.side = side;
	r.type = type;
	r.qty = qty;
	r.price = price;
	snprintf(r.key, sizeof(r.key), "%s", key ? key : "");
	r.source = STORE_SRC_API;
	return r;
}

static void reconcile(fx *f)
{
	kis_error e;
	int today = trader_today(f->t);
	if (trader_reconcile_range(f->t, today, today, &e))
		fail_msg("reconcile: %s %s", kis_status_name(e.status), e.msg1);
}

static store_order get(fx *f, int64_t id)
{
	store_order o;
	assert_int_equal(store_order_get(f->x.db, id, &o), 0);
	return o;
}

static void rt_start(fx *f, trader *t)
{
	char url[64], err[200];
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/tryitout", f->sim.port);
	trader_realtime_config rc = {
	    .ws_url = url, .hts_id = "kisgwtest", .backoff_min_ms = 100, .backoff_max_ms = 400};
	if (trader_realtime_start(t, &rc, err, sizeof(err)))
		fail_msg("trader_realtime_start: %s", err);
}

static int wait_state(trader *t, kis_ws_state want, const char *reason_part)
{
	for (int i = 0; i < WAIT_MS / 20; i++) {
		char why[256];
		if (trader_realtime_state(t, why, sizeof(why)) == want &&
		    (!reason_part || strstr(why, reason_part)))
			return 1;
		usleep(20000);
	}
	return 0;
}

static int wait_filled(fx *f, int64_t id, int64_t qty)
{
	for (int i = 0; i < WAIT_MS / 20; i++) {
		store_order o;
		if (store_order_get(f->x.db, id, &o) == 0 && o.filled_qty >= qty)
			return 1;
		usleep(20000);
	}
	return 0;
}

static size_t fill_rows(fx *f, int64_t id, int64_t *sum)
{
	store_fill *fl;
	size_t n;
	assert_int_equal(store_fills_list(f->x.db, id, &fl, &n), 0);
	*sum = 0;
	for (size_t i = 0; i < n; i++)
		*sum += fl[i].qty;
	free(fl);
	return n;
}

/* The socket first, then the reconciler: one fill. */
static void test_socket_fill_counted_once(void **state)
{
	fx *f = *state;
	rt_start(f, f->t);
	assert_true(wait_state(f->t, KIS_WS_CONNECTED, NULL));
	trader_order_req r = req("005930", STORE_BUY, STORE_MARKET, 10, 0, NULL);
	trader_outcome out;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_CREATED);
	/* no reconciler thread runs here: only the socket can bring the fill */
	assert_true(wait_filled(f, out.order.id, 10));
	store_order o = get(f, out.order.id);
	assert_int_equal(o.status, ST_FILLED);
	assert_true(o.filled_amount > 0);
	trader_rt_stats rs;
	trader_rt_stats_get(f->t, &rs);
	assert_int_equal(rs.fills, 1);
	assert_true(rs.notices >= 2); /* the acknowledgement and the fill */
	reconcile(f);
	reconcile(f);
	int64_t sum;
	assert_int_equal(fill_rows(f, out.order.id, &sum), 1);
	assert_int_equal(sum, 10);
	o = get(f, out.order.id);
	assert_int_equal(o.status, ST_FILLED);
	assert_int_equal(o.filled_qty, 10);
}

/* The reconciler first, then the (late) notice: still one fill. */
static void test_reconciler_first_then_notice(void **state)
{
	fx *f = *state;
	trader_order_req r = req("000660", STORE_BUY, STORE_MARKET, 4, 0, NULL);
	trader_outcome out;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_CREATED);
	reconcile(f);
	store_order o = get(f, out.order.id);
	assert_int_equal(o.filled_qty, 4);
	kis_notice n = {.kind = KIS_NOTICE_FILL, .side = KIS_SIDE_BUY, .qty = 4, .price = 1000};
	snprintf(n.odno, sizeof(n.odno), "%s", o.broker_order_no);
	snprintf(n.code, sizeof(n.code), "000660");
	trader_realtime_notice(f->t, &n);
	trader_rt_stats rs;
	trader_rt_stats_get(f->t, &rs);
	assert_int_equal(rs.fills, 0);
	assert_int_equal(rs.fills_known, 1);
	int64_t sum;
	assert_int_equal(fill_rows(f, out.order.id, &sum), 1);
	assert_int_equal(sum, 4);
	assert_int_equal(get(f, out.order.id).filled_amount, o.filled_amount);
	/* a notice for an order nobody placed here counts as unmatched */
	snprintf(n.odno, sizeof(n.odno), "9999999999");
	trader_realtime_notice(f->t, &n);
	trader_rt_stats_get(f->t, &rs);
	assert_int_equal(rs.unmatched, 1);
}

/* Partial fills: one notice each, the reconciler adds nothing after. */
static void test_partial_fills(void **state)
{
	fx *f = *state;
	sim_post(f, "/__sim/session", "{\"partial_fill_qty\":3}");
	rt_start(f, f->t);
	assert_true(wait_state(f->t, KIS_WS_CONNECTED, NULL));
	trader_order_req r = req("000270", STORE_BUY, STORE_MARKET, 10, 0, NULL);
	trader_outcome out;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_CREATED);
	assert_true(wait_filled(f, out.order.id, 3));
	assert_int_equal(get(f, out.order.id).status, ST_PARTIALLY_FILLED);
	sim_post(f, "/__sim/clock", "{\"advance_s\":60}");
	assert_true(wait_filled(f, out.order.id, 6));
	reconcile(f);
	int64_t sum;
	assert_int_equal(fill_rows(f, out.order.id, &sum), 2);
	assert_int_equal(sum, 6);
	sim_post(f, "/__sim/clock", "{\"advance_s\":60}");
	assert_true(wait_filled(f, out.order.id, 9));
	reconcile(f);
	assert_int_equal(fill_rows(f, out.order.id, &sum), 3);
	assert_int_equal(sum, 9);
	assert_int_equal(get(f, out.order.id).status, ST_PARTIALLY_FILLED);
}

/* Every (re)connection is followed by one reconciliation. */
static void test_reconnect_reconciles(void **state)
{
	fx *f = *state;
	assert_int_equal(trader_start(f->t), 0);
	rt_start(f, f->t);
	assert_true(wait_state(f->t, KIS_WS_CONNECTED, NULL));
	trader_rt_stats rs;
	trader_rt_stats_get(f->t, &rs);
	assert_int_equal(rs.reconnect_passes, 1);
	trader_stats ts0;
	for (int i = 0; i < WAIT_MS / 20; i++) { /* the start and connect passes */
		trader_stats_get(f->t, &ts0);
		if (ts0.passes >= 1)
			break;
		usleep(20000);
	}
	sim_post(f, "/__sim/ws", "{\"drop\":true}");
	int ok = 0;
	for (int i = 0; i < WAIT_MS / 20 && !ok; i++) {
		trader_rt_stats_get(f->t, &rs);
		ok = rs.reconnect_passes >= 2 &&
		     trader_realtime_state(f->t, NULL, 0) == KIS_WS_CONNECTED;
		usleep(20000);
	}
	assert_true(ok);
	trader_stats ts;
	ok = 0;
	for (int i = 0; i < WAIT_MS / 20 && !ok; i++) {
		trader_stats_get(f->t, &ts);
		ok = ts.passes > ts0.passes;
		usleep(20000);
	}
	assert_true(ok);
	/* a fill missed while disconnected is the reconciler's: simulate by
	 * placing with the socket down and no reconciler pass in between */
	trader_realtime_stop(f->t);
	trader_order_req r = req("035420", STORE_BUY, STORE_MARKET, 2, 0, NULL);
	trader_outcome out;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_CREATED);
	rt_start(f, f->t);
	assert_true(wait_filled(f, out.order.id, 2)); /* by the reconnect pass */
	int64_t sum;
	assert_int_equal(fill_rows(f, out.order.id, &sum), 1);
	assert_int_equal(sum, 2);
}

/* A layout nobody knows: reported, and the poller carries the fills. */
static void test_unknown_layout_polls(void **state)
{
	fx *f = *state;
	sim_post(f, "/__sim/ws", "{\"layout\":30}");
	rt_start(f, f->t);
	assert_true(wait_state(f->t, KIS_WS_CONNECTED, NULL));
	trader_order_req r = req("005380", STORE_BUY, STORE_MARKET, 1, 0, NULL);
	trader_outcome out;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_CREATED);
	assert_true(wait_state(f->t, KIS_WS_POLLING, "unknown layout"));
	assert_int_equal(get(f, out.order.id).filled_qty, 0);
	reconcile(f);
	assert_int_equal(get(f, out.order.id).filled_qty, 1);
	sim_post(f, "/__sim/ws", "{\"layout\":26}");
}

/* Outside trading hours the session does not even connect. */
static void test_no_connect_after_hours(void **state)
{
	fx *f = *state;
	kclock late;
	char err[256];
	assert_int_equal(kclock_init(&late, "2026-11-24T21:00:00+09:00", err, sizeof(err)), 0);
	trader_config tc = {.reconcile_interval_s = 3600};
	trader *t = trader_new(&tc, f->x.kis, f->x.db, &late, err, sizeof(err));
	assert_non_null(t);
	long long before = h_sim_counter(f->sim.port, "ws.sessions");
	rt_start(f, t);
	assert_true(wait_state(t, KIS_WS_POLLING, "outside trading hours"));
	assert_int_equal(h_sim_counter(f->sim.port, "ws.sessions"), before);
	trader_free(t);
	kclock_destroy(&late);
}

static int group_setup(void **state)
{
	const char *args[] = {"--clock", T0,        "--rate", "0", "--token-min-interval",
	                      "0",       "--quiet", NULL};
	return h_start_sim(&group_sim, args);
}

static int group_teardown(void **state)
{
	h_stop(&group_sim, SIGTERM);
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_socket_fill_counted_once),
	    T(test_reconciler_first_then_notice),
	    T(test_partial_fills),
	    T(test_reconnect_reconciles),
	    T(test_unknown_layout_polls),
	    T(test_no_connect_after_hours),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
