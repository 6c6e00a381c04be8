/* test_trader.c — the order journal and the reconciler against kis-sim:
 * every status transition, idempotency, caps and bad input, partial fills,
 * cancels, unknown -> reconciled / not_found, backfill and external orders,
 * FIFO aged holdings with holidays in the window. */
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
#include "klog.h"
#include "krx.h"
#include "trader.h"

#define ACCOUNT "50012345-01"
#define T0      "2026-11-24T10:00:00+09:00"

typedef struct fx {
	h_proc sim;
	ledger_fx x;
	trader *t;
} fx;

static void sim_post(fx *f, const char *path, const char *body)
{
	assert_int_equal(h_sim_post(f->sim.port, path, body), 0);
}

static json_t *sim_orders(fx *f)
{
	long st = 0;
	json_t *j = h_json(f->sim.port, "GET", "/__sim/orders", NULL, &st);
	assert_int_equal(st, 200);
	return j;
}

static size_t sim_order_count(fx *f)
{
	json_t *j = sim_orders(f);
	size_t n = json_array_size(json_object_get(j, "orders"));
	json_decref(j);
	return n;
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
	const char *args[] = {"--clock", T0,        "--rate", "0", "--token-min-interval",
	                      "0",       "--quiet", NULL};
	if (h_start_sim(&f->sim, args))
		return -1;
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
	h_stop(&f->sim, SIGTERM);
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

static void test_market_buy_fills_once(void **state)
{
	fx *f = *state;
	trader_order_req r = req("005930", STORE_BUY, STORE_MARKET, 10, 0, NULL);
	trader_outcome out;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_CREATED);
	assert_int_equal(out.order.status, ST_SUBMITTED);
	assert_int_equal(strlen(out.order.broker_order_no), 10);
	assert_true(out.order.broker_orgno[0]);
	int64_t id = out.order.id;
	reconcile(f);
	store_order o = get(f, id);
	assert_int_equal(o.status, ST_FILLED);
	assert_int_equal(o.filled_qty, 10);
	assert_true(o.filled_amount > 0);
	assert_string_equal(o.name, "삼성전자");
	/* Reading the same KIS state again adds no fill. */
	reconcile(f);
	reconcile(f);
	store_fill *fl;
	size_t n;
	assert_int_equal(store_fills_list(f->x.db, id, &fl, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fl[0].qty, 10);
	free(fl);
	/* What the order object is made of (its JSON: tests/server/test_views.c). */
	assert_int_equal(o.status, ST_FILLED);
	assert_int_equal(o.type, STORE_MARKET);
	assert_string_equal(o.client_order_id, "");
	assert_int_equal(o.source, STORE_SRC_API);
	assert_true(o.created_ms > 0);
	trader_order_detail d;
	trader_order_detail_get(f->t, &o, 1, &d);
	assert_int_equal(d.nfills, 1);
	assert_int_equal(d.fills[0].qty, 10);
	trader_order_detail_free(&d);
	assert_int_equal(sim_order_count(f), 1);
}

static int error_lines;
static char error_text[512];

static void count_errors(enum klog_level level, const char *source, const char *msg)
{
	if (level == KLOG_ERROR) {
		error_lines++;
		snprintf(error_text, sizeof(error_text), "%s", msg);
	}
}

/* KIS accepts an order but the ledger cannot record its number (another row
 * of the day already holds it): the acceptance is not lost. 202-style
 * unknown with the broker number, logged once, reconciled later. */
static void test_accepted_but_ledger_refused(void **state)
{
	fx *f = *state;
	trader_order_req r = req("005930", STORE_BUY, STORE_MARKET, 1, 0, NULL);
	trader_outcome out;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_CREATED);
	int next = atoi(out.order.broker_order_no) + 1; /* the sim numbers from 1 */
	/* a stray row holding the number KIS will give next */
	store_order x;
	memset(&x, 0, sizeof(x));
	snprintf(x.code, sizeof(x.code), "000660");
	x.side = STORE_BUY;
	x.type = STORE_MARKET;
	x.qty = 1;
	x.status = ST_SUBMITTED;
	x.source = STORE_SRC_EXTERNAL;
	x.created_ms = x.updated_ms = 1;
	x.ord_date = trader_today(f->t);
	snprintf(x.broker_order_no, sizeof(x.broker_order_no), "%010d", next);
	store_order ex;
	assert_int_equal(store_order_insert(f->x.db, &x, &ex), 0);

	error_lines = 0;
	klog_set_sink(count_errors);
	r = req("005930", STORE_BUY, STORE_MARKET, 2, 0, "kept-1");
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_UNKNOWN);
	klog_set_sink(NULL);
	assert_int_equal(error_lines, 1);
	assert_non_null(strstr(error_text, x.broker_order_no));
	assert_int_equal(out.have_order, 1);
	assert_int_equal(out.order.status, ST_UNKNOWN);
	assert_string_equal(out.order.broker_order_no, x.broker_order_no);
	/* recorded: unknown, never pending, the key kept (no second send) */
	store_order o = get(f, out.order.id);
	assert_int_equal(o.status, ST_UNKNOWN);
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_REPLAYED);
	assert_int_equal(sim_order_count(f), 2);
}

static void test_idempotency(void **state)
{
	fx *f = *state;
	trader_order_req r = req("000660", STORE_BUY, STORE_LIMIT, 3, 170000, "abc-1");
	trader_outcome a, b;
	assert_int_equal(trader_order_place(f->t, &r, &a), TRADER_CREATED);
	assert_int_equal(trader_order_place(f->t, &r, &b), TRADER_REPLAYED);
	assert_int_equal(a.order.id, b.order.id);
	assert_string_equal(b.order.broker_order_no, a.order.broker_order_no);
	assert_int_equal(sim_order_count(f), 1);
	r.qty = 4;
	assert_int_equal(trader_order_place(f->t, &r, &b), TRADER_KEY_REUSED);
	r.qty = 3;
	r.source = STORE_SRC_AUTOTRADE;
	assert_int_equal(trader_order_place(f->t, &r, &b), TRADER_KEY_REUSED);
	assert_int_equal(sim_order_count(f), 1);
	/* A rejected order is replayed as rejected, without a second KIS call
	 * (a sell of what is not held: only KIS knows). */
	trader_order_req bad = req("035720", STORE_SELL, STORE_LIMIT, 1, 45000, "abc-2");
	assert_int_equal(trader_order_place(f->t, &bad, &a), TRADER_REJECTED);
	assert_int_equal(trader_order_place(f->t, &bad, &b), TRADER_REPLAYED);
	assert_int_equal(b.order.status, ST_REJECTED);
	assert_int_equal(sim_order_count(f), 1);
}

static void test_rejected(void **state)
{
	fx *f = *state;
	/* Above the daily upper limit: refused before KIS sees it. */
	trader_order_req r = req("005930", STORE_BUY, STORE_LIMIT, 1, 500000, NULL);
	trader_outcome out;
	size_t before = sim_order_count(f);
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_INVALID);
	assert_string_equal(out.field, "price");
	assert_false(out.have_order);
	/* A sell of what is not held: KIS refuses with a business code. */
	r = req("035720", STORE_SELL, STORE_LIMIT, 1, 45000, NULL);
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_REJECTED);
	assert_int_equal(sim_order_count(f), before);
	assert_int_equal(out.kis.status, KIS_E_REJECTED);
	assert_true(out.kis.msg_cd[0]);
	assert_int_equal(out.order.status, ST_REJECTED);
	assert_string_equal(out.order.reject_code, out.kis.msg_cd);
	assert_true(out.order.reject_message[0]);
	/* Selling what is not held is refused too. */
	r = req("035720", STORE_SELL, STORE_MARKET, 5, 0, NULL);
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_REJECTED);
}

static void test_bad_input_and_caps(void **state)
{
	fx *f = *state;
	trader_outcome out;
	struct {
		trader_order_req r;
		trader_result want;
		const char *field;
	} cases[] = {
	    /* The shape (code, qty >= 1, price with limit only, key charset) is the
	     * server's declaration: tests/server/test_routes.c, integration_orders. */
	    {req("005930", STORE_BUY, STORE_LIMIT, 1, 72050, NULL), TRADER_INVALID, "price"},
	    {req("005930", STORE_BUY, STORE_MARKET, 1, 0, NULL), TRADER_CREATED, NULL},
	    {req("005930", STORE_BUY, STORE_MARKET, 100001, 0, NULL), TRADER_OVER_LIMIT, "qty"},
	    /* 2,000 x 72,000 = 144,000,000 > 100,000,000 */
	    {req("005930", STORE_BUY, STORE_LIMIT, 2000, 72000, NULL), TRADER_OVER_LIMIT, "qty"},
	    {req("005930", STORE_BUY, STORE_MARKET, 2000, 0, NULL), TRADER_OVER_LIMIT, "qty"},
	};
	cases[1].r.qty = 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		trader_result got = trader_order_place(f->t, &cases[i].r, &out);
		if (got != cases[i].want)
			fail_msg("case %zu: got %d want %d (%s)", i, got, cases[i].want,
			         out.message);
		if (cases[i].field)
			assert_string_equal(out.field, cases[i].field);
	}
	assert_int_equal(sim_order_count(f), 1);
	/* qty x price beyond int64 is over the cap, not undefined behaviour. */
	trader_config big = {.max_order_qty = 1000000000, .max_order_amount = INT64_MAX / 2};
	char err[128];
	trader *t2 = trader_new(&big, f->x.kis, f->x.db, &f->x.clock, err, sizeof(err));
	assert_non_null(t2);
	trader_order_req huge =
	    req("005930", STORE_BUY, STORE_LIMIT, 1000000000, 99999900000, NULL);
	assert_int_equal(trader_order_check(t2, &huge, &out), -1);
	assert_int_equal(out.result, TRADER_OVER_LIMIT);
	huge.qty = 10;
	assert_int_equal(trader_order_check(t2, &huge, &out), 0);
	trader_free(t2);
	/* An ETN code (Q + 6 digits) passes the domain check. */
	trader_order_req etn = req("Q500001", STORE_BUY, STORE_MARKET, 1, 0, NULL);
	assert_int_equal(trader_order_check(f->t, &etn, &out), 0);
}

static void test_unknown_then_reconciled(void **state)
{
	fx *f = *state;
	sim_post(f, "/__sim/fault", "{\"match\":\"order-cash\",\"kind\":\"drop_after_order\"}");
	trader_order_req r = req("035720", STORE_BUY, STORE_MARKET, 7, 0, "u-1");
	trader_outcome out;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_UNKNOWN);
	assert_int_equal(out.order.status, ST_UNKNOWN);
	assert_string_equal(out.order.broker_order_no, "");
	/* The same key again: no second send, the unknown order comes back. */
	trader_outcome again;
	assert_int_equal(trader_order_place(f->t, &r, &again), TRADER_REPLAYED);
	assert_int_equal(again.order.status, ST_UNKNOWN);
	assert_int_equal(sim_order_count(f), 1);
	reconcile(f);
	store_order o = get(f, out.order.id);
	assert_int_equal(o.status, ST_FILLED);
	assert_int_equal(o.filled_qty, 7);
	json_t *so = sim_orders(f);
	assert_string_equal(o.broker_order_no,
	                    json_string_value(json_object_get(
	                        json_array_get(json_object_get(so, "orders"), 0), "odno")));
	json_decref(so);
	/* Nothing was imported twice. */
	store_order *v;
	size_t n;
	int more;
	store_order_filter all = {.status = -1, .side = -1, .source = -1, .limit = 100};
	assert_int_equal(store_orders_list(f->x.db, &all, &v, &n, &more), 0);
	assert_int_equal(n, 1);
	free(v);
	trader_stats st;
	trader_stats_get(f->t, &st);
	assert_int_equal(st.unknown_resolved, 1);
}

static void test_unknown_not_found_after_close(void **state)
{
	fx *f = *state;
	/* The connection drops before KIS takes the order. */
	sim_post(f, "/__sim/fault", "{\"match\":\"order-cash\",\"kind\":\"drop\"}");
	trader_order_req r = req("005930", STORE_SELL, STORE_MARKET, 2, 0, NULL);
	trader_outcome out;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_UNKNOWN);
	assert_int_equal(sim_order_count(f), 0);
	reconcile(f);
	assert_int_equal(get(f, out.order.id).status, ST_UNKNOWN); /* the day is not over */
	/* After the close (+ the window) it is settled as not_found. */
	kclock_set_ms(&f->x.clock, kst_epoch_ms(20261124, 153300));
	sim_post(f, "/__sim/clock", "{\"set\":\"2026-11-24T15:33:00+09:00\"}");
	reconcile(f);
	assert_int_equal(get(f, out.order.id).status, ST_NOT_FOUND);
}

static void test_not_sent_releases_key(void **state)
{
	fx *f = *state;
	sim_post(f, "/__sim/fault",
	         "{\"match\":\"order-cash\",\"kind\":\"rate_limit\",\"count\":50}");
	trader_order_req r = req("005930", STORE_BUY, STORE_MARKET, 1, 0, "ns-1");
	trader_outcome out;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_NOT_SENT);
	assert_int_equal(out.order.status, ST_NOT_SENT);
	assert_int_equal(out.kis.sent, 0);
	sim_post(f, "/__sim/fault", "{\"clear\":true}");
	/* The key was released: the same key now sends the order. */
	trader_outcome out2;
	assert_int_equal(trader_order_place(f->t, &r, &out2), TRADER_CREATED);
	assert_true(out2.order.id != out.order.id);
	assert_int_equal(sim_order_count(f), 1);
}

static void test_partial_fills_then_cancel(void **state)
{
	fx *f = *state;
	sim_post(f, "/__sim/session", "{\"partial_fill_qty\":3}");
	trader_order_req r = req("000270", STORE_BUY, STORE_MARKET, 10, 0, NULL);
	trader_outcome out;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_CREATED);
	reconcile(f);
	store_order o = get(f, out.order.id);
	assert_int_equal(o.status, ST_PARTIALLY_FILLED);
	assert_int_equal(o.filled_qty, 3);
	sim_post(f, "/__sim/clock", "{\"advance_s\":60}");
	reconcile(f);
	reconcile(f);
	o = get(f, out.order.id);
	assert_int_equal(o.status, ST_PARTIALLY_FILLED);
	assert_int_equal(o.filled_qty, 6);
	/* Cancel the rest. */
	trader_outcome c;
	trader_result cr = trader_order_cancel(f->t, out.order.id, &c);
	assert_int_equal(cr, TRADER_OK);
	assert_int_equal(c.order.status, ST_CANCELED);
	assert_int_equal(c.order.filled_qty, 6);
	assert_int_equal(c.order.canceled_qty, 4);
	store_fill *fl;
	size_t n;
	assert_int_equal(store_fills_list(f->x.db, out.order.id, &fl, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(fl[0].qty + fl[1].qty, 6);
	free(fl);
	/* Final: a second cancel is a conflict; the cancel row is not imported. */
	assert_int_equal(trader_order_cancel(f->t, out.order.id, &c), TRADER_FINAL);
	assert_int_equal(trader_order_cancel(f->t, 987654, &c), TRADER_NOT_FOUND);
	reconcile(f);
	trader_stats st;
	trader_stats_get(f->t, &st);
	assert_int_equal(st.imported, 0);
}

static void test_cancel_resting_limit(void **state)
{
	fx *f = *state;
	/* Far below the market: rests. */
	trader_order_req r = req("005930", STORE_BUY, STORE_LIMIT, 5, 60000, NULL);
	trader_outcome out, c;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_CREATED);
	reconcile(f);
	assert_int_equal(get(f, out.order.id).status, ST_SUBMITTED);
	assert_int_equal(trader_order_cancel(f->t, out.order.id, &c), TRADER_OK);
	assert_int_equal(c.order.status, ST_CANCELED);
	assert_int_equal(c.order.filled_qty, 0);
	reconcile(f);
	assert_int_equal(get(f, out.order.id).status, ST_CANCELED);
}

/* The cancel's reply is lost: cancel_requested (202), then the reconciler
 * sees it canceled. A cancel KIS refuses or that never left leaves the
 * order as it was. */
static void test_cancel_requested_then_canceled(void **state)
{
	fx *f = *state;
	trader_order_req r = req("005930", STORE_BUY, STORE_LIMIT, 4, 60000, NULL);
	trader_outcome out, c;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_CREATED);
	sim_post(f, "/__sim/fault", "{\"match\":\"order-rvsecncl\",\"kind\":\"drop_after_order\"}");
	assert_int_equal(trader_order_cancel(f->t, out.order.id, &c), TRADER_ACCEPTED);
	assert_int_equal(c.order.status, ST_CANCEL_REQUESTED);
	reconcile(f);
	assert_int_equal(get(f, out.order.id).status, ST_CANCELED);
	/* KIS refuses to cancel what has filled meanwhile: the ledger learns it
	 * is filled and the answer is "final". */
	trader_order_req m = req("000660", STORE_BUY, STORE_MARKET, 2, 0, NULL);
	assert_int_equal(trader_order_place(f->t, &m, &out), TRADER_CREATED);
	assert_int_equal(out.order.status, ST_SUBMITTED);
	assert_int_equal(trader_order_cancel(f->t, out.order.id, &c), TRADER_FINAL);
	assert_int_equal(c.order.status, ST_FILLED);
	assert_int_equal(c.order.filled_qty, 2);
	/* A cancel that never left (rate limited): nothing changes. */
	trader_order_req r2 = req("005930", STORE_BUY, STORE_LIMIT, 1, 61000, NULL);
	assert_int_equal(trader_order_place(f->t, &r2, &out), TRADER_CREATED);
	sim_post(f, "/__sim/fault",
	         "{\"match\":\"order-rvsecncl\",\"kind\":\"rate_limit\",\"count\":50}");
	assert_int_equal(trader_order_cancel(f->t, out.order.id, &c), TRADER_NOT_SENT);
	assert_int_equal(c.order.status, ST_SUBMITTED);
	sim_post(f, "/__sim/fault", "{\"clear\":true}");
	assert_int_equal(get(f, out.order.id).status, ST_SUBMITTED);
	/* Not confirmed by KIS yet: cannot be cancelled. */
	sim_post(f, "/__sim/fault", "{\"match\":\"order-cash\",\"kind\":\"drop\"}");
	trader_order_req r3 = req("005930", STORE_BUY, STORE_LIMIT, 1, 62000, NULL);
	assert_int_equal(trader_order_place(f->t, &r3, &out), TRADER_UNKNOWN);
	assert_int_equal(trader_order_cancel(f->t, out.order.id, &c), TRADER_CONFLICT);
}

static const char *SEED =
    "{\"account\":\"" ACCOUNT "\",\"cash\":100000000,\"orders\":["
    "{\"date\":\"2026-11-16\",\"time\":\"090500\",\"code\":\"005930\",\"side\":\"buy\","
    "\"qty\":10,\"price\":70000,\"filled_qty\":10},"
    "{\"date\":\"2026-11-17\",\"time\":\"100000\",\"code\":\"005930\",\"side\":\"buy\","
    "\"qty\":5,\"price\":71000,\"filled_qty\":5},"
    "{\"date\":\"2026-11-18\",\"time\":\"110000\",\"code\":\"005930\",\"side\":\"sell\","
    "\"qty\":12,\"price\":72000,\"filled_qty\":12},"
    "{\"date\":\"2026-11-20\",\"time\":\"093000\",\"code\":\"000660\",\"side\":\"buy\","
    "\"qty\":4,\"price\":180000,\"filled_qty\":4},"
    "{\"date\":\"2026-10-08\",\"time\":\"093000\",\"code\":\"035420\",\"side\":\"buy\","
    "\"qty\":2,\"price\":190000,\"filled_qty\":2},"
    "{\"date\":\"2026-09-03\",\"time\":\"093000\",\"code\":\"068270\",\"side\":\"sell\","
    "\"qty\":3,\"price\":180000,\"filled_qty\":3},"
    "{\"date\":\"2026-11-19\",\"time\":\"093000\",\"code\":\"005380\",\"side\":\"buy\","
    "\"qty\":6,\"price\":200000,\"filled_qty\":0}]}";

static const trader_aged_holding *holding(const trader_aged *aged, const char *code)
{
	for (size_t i = 0; i < aged->n; i++)
		if (!strcmp(aged->v[i].h->code, code))
			return &aged->v[i];
	return NULL;
}

static void test_backfill_external_and_aged(void **state)
{
	fx *f = *state;
	sim_post(f, "/__sim/reset", SEED);
	kis_error e;
	assert_int_equal(trader_backfill(f->t, 0, &e), 0);
	/* Every seeded order is in the ledger once, as external, with its fills. */
	store_order *v;
	size_t n;
	int more;
	store_order_filter all = {
	    .status = -1, .side = -1, .source = STORE_SRC_EXTERNAL, .limit = 100};
	assert_int_equal(store_orders_list(f->x.db, &all, &v, &n, &more), 0);
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i].code, "005380")) {
			/* Unfilled and from a past day: expired. */
			assert_int_equal(v[i].status, ST_CANCELED);
			assert_int_equal(v[i].filled_qty, 0);
		} else {
			assert_int_equal(v[i].status, ST_FILLED);
		}
	}
	free(v);
	/* Backfill again: nothing new. */
	assert_int_equal(trader_backfill(f->t, 0, &e), 0);
	assert_int_equal(store_orders_list(f->x.db, &all, &v, &n, &more), 0);
	assert_int_equal(n, 7);
	free(v);

	/* Today 2026-11-24 (Tue). 005930: 10 @ 11-16 and 5 @ 11-17, sold 12 on
	 * 11-18 (FIFO): 3 left from 11-17 -> 5 business days (18,19,20,23,24). */
	trader_aged aged;
	assert_int_equal(trader_holdings_aged(f->t, 5, &aged), 0);
	assert_int_equal(aged.as_of, 20261124);
	const trader_aged_holding *h = holding(&aged, "005930");
	assert_non_null(h);
	assert_int_equal(h->qty, 3);
	assert_int_equal(h->acquired_on, 20261117);
	assert_int_equal(h->business_days_held, 5);
	assert_int_equal(h->nlots, 1);
	assert_string_equal(h->h->name, "삼성전자");
	/* 000660 bought Fri 11-20: 2 business days (23, 24): not yet. */
	assert_null(holding(&aged, "000660"));
	/* 035420 bought Thu 2026-10-08: Hangul Day Fri 10-09 is closed. */
	h = holding(&aged, "035420");
	assert_non_null(h);
	assert_int_equal(h->business_days_held, krx_trading_days_between(20261008, 20261124));
	assert_int_equal(krx_trading_days_between(20261008, 20261013), 2); /* 12, 13 */
	/* A sell with no known buys: nothing held, so not listed. */
	assert_null(holding(&aged, "068270"));
	trader_aged_free(&aged);

	/* days=2 lists 000660; a KIS-announced closure on Mon 11-23 removes it again. */
	assert_int_equal(trader_holdings_aged(f->t, 2, &aged), 0);
	assert_non_null(holding(&aged, "000660"));
	trader_aged_free(&aged);
	assert_int_equal(store_holiday_put(f->x.db, 20261123, 0, "temporary closure"), 0);
	assert_int_equal(trader_holdings_aged(f->t, 2, &aged), 0);
	assert_null(holding(&aged, "000660"));
	h = holding(&aged, "005930");
	assert_int_equal(h->business_days_held, 4);
	trader_aged_free(&aged);
}

/* A backfill reaching past KIS's three-month split reads the old TR for the
 * part before it and the recent TR for the rest; every order comes once. */
static void test_backfill_across_tr_split(void **state)
{
	fx *f = *state;
	sim_post(
	    f, "/__sim/reset",
	    "{\"account\":\"" ACCOUNT "\",\"orders\":["
	    "{\"date\":\"2026-06-10\",\"time\":\"090500\",\"code\":\"005930\",\"side\":\"buy\","
	    "\"qty\":5,\"price\":70000,\"filled_qty\":5},"
	    "{\"date\":\"2026-07-31\",\"time\":\"090500\",\"code\":\"000660\",\"side\":\"buy\","
	    "\"qty\":2,\"price\":180000,\"filled_qty\":2},"
	    "{\"date\":\"2026-08-03\",\"time\":\"090500\",\"code\":\"035720\",\"side\":\"buy\","
	    "\"qty\":3,\"price\":45000,\"filled_qty\":3},"
	    "{\"date\":\"2026-11-10\",\"time\":\"090500\",\"code\":\"005930\",\"side\":\"buy\","
	    "\"qty\":4,\"price\":70000,\"filled_qty\":4}]}");
	long long old0 = h_sim_counter(f->sim.port, "calls.VTSC9215R");
	long long new0 = h_sim_counter(f->sim.port, "calls.VTTC0081R");
	kis_error e;
	assert_int_equal(trader_backfill(f->t, 200, &e), 0);
	assert_true(h_sim_counter(f->sim.port, "calls.VTSC9215R") > (old0 < 0 ? 0 : old0));
	assert_true(h_sim_counter(f->sim.port, "calls.VTTC0081R") > (new0 < 0 ? 0 : new0));
	store_order *v;
	size_t n;
	int more;
	store_order_filter all = {.status = -1, .side = -1, .source = -1, .limit = 100};
	assert_int_equal(store_orders_list(f->x.db, &all, &v, &n, &more), 0);
	assert_int_equal(n, 4);
	free(v);
}

/* chk-holiday: not offered to virtual accounts; on a real account what KIS
 * says wins over the table (here it repairs a wrong closure). */
static void test_holidays_refresh(void **state)
{
	fx *f = *state;
	kis_error e;
	assert_int_equal(trader_holidays_refresh(f->t, &e), 1);
	h_proc real;
	const char *args[] = {"--clock", T0, "--env", "real", "--rate", "0", "--quiet", NULL};
	assert_int_equal(h_start_sim(&real, args), 0);
	char url[64], err[256];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", real.port);
	kis_config kc = {.base_url = url,
	                 .app_key = H_APP_KEY,
	                 .app_secret = f->x.secret,
	                 .account = ACCOUNT,
	                 .real = 1,
	                 .rate_per_sec = 1000,
	                 .now_ms = ledger_fx_now,
	                 .clock_ctx = &f->x.clock};
	kis_config_defaults(&kc);
	kis_client *k = kis_client_new(&kc, err, sizeof(err));
	assert_non_null(k);
	trader_config tc = {.run_backfill = 0};
	trader *t = trader_new(&tc, k, f->x.db, &f->x.clock, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(store_holiday_put(f->x.db, 20261202, 0, "wrong closure"), 0);
	assert_int_equal(store_is_trading_day(f->x.db, 20261202), 0);
	assert_int_equal(trader_holidays_refresh(t, &e), 0);
	assert_int_equal(store_is_trading_day(f->x.db, 20261202), 1);
	assert_int_equal(store_is_trading_day(f->x.db, 20261128), 0); /* Saturday */
	trader_free(t);
	kis_client_free(k);
	h_stop(&real, SIGTERM);
}

static void test_incomplete_history(void **state)
{
	fx *f = *state;
	/* Sold 5 that the ledger never saw bought, then bought 4. */
	sim_post(
	    f, "/__sim/reset",
	    "{\"account\":\"" ACCOUNT "\",\"orders\":["
	    "{\"date\":\"2026-11-02\",\"time\":\"090500\",\"code\":\"005930\",\"side\":\"sell\","
	    "\"qty\":5,\"price\":70000,\"filled_qty\":5},"
	    "{\"date\":\"2026-11-03\",\"time\":\"090500\",\"code\":\"005930\",\"side\":\"buy\","
	    "\"qty\":4,\"price\":70000,\"filled_qty\":4}]}");
	kis_error e;
	assert_int_equal(trader_backfill(f->t, 30, &e), 0);
	trader_aged aged;
	assert_int_equal(trader_holdings_aged(f->t, 5, &aged), 0);
	const trader_aged_holding *h = holding(&aged, "005930");
	assert_non_null(h);
	assert_int_equal(h->qty, 4);
	assert_true(h->h->incomplete);
	trader_aged_free(&aged);
}

static void test_restart_pending_becomes_unknown(void **state)
{
	fx *f = *state;
	/* A journal row left pending by a dead process (the order did reach KIS). */
	store_order o;
	memset(&o, 0, sizeof(o));
	snprintf(o.code, sizeof(o.code), "005930");
	snprintf(o.request, sizeof(o.request), "x");
	o.side = STORE_BUY;
	o.type = STORE_MARKET;
	o.qty = 9;
	o.status = ST_PENDING;
	o.source = STORE_SRC_API;
	o.created_ms = o.sent_ms = o.updated_ms = kclock_now_ms(&f->x.clock);
	assert_int_equal(store_order_insert(f->x.db, &o, NULL), 0);
	kis_order_req kr = {.code = "005930", .side = KIS_SIDE_BUY, .qty = 9};
	kis_order_ack ack;
	kis_error e;
	assert_int_equal(kis_order_cash(f->x.kis, &kr, &ack, &e), KIS_OK);
	/* Restart: pending -> unknown, then the reconciler adopts the KIS order. */
	trader_free(f->t);
	fx_trader(f, 0);
	assert_int_equal(get(f, o.id).status, ST_UNKNOWN);
	assert_int_equal(trader_start(f->t), 0);
	assert_int_equal(trader_reconcile_now(f->t, 1), 0);
	store_order g = get(f, o.id);
	assert_int_equal(g.status, ST_FILLED);
	assert_string_equal(g.broker_order_no, ack.odno);
	assert_int_equal(sim_order_count(f), 1);
	trader_stop(f->t);
}

static void test_list_and_calendar(void **state)
{
	fx *f = *state;
	trader_outcome out;
	for (int i = 0; i < 5; i++) {
		trader_order_req r = req(i % 2 ? "005930" : "000660", STORE_BUY, STORE_LIMIT, 1,
		                         i % 2 ? 60000 : 150000, NULL);
		assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_CREATED);
	}
	trader_list_query q = {.status = TRADER_ANY,
	                       .side = TRADER_ANY,
	                       .source = TRADER_ANY,
	                       .code = "005930",
	                       .limit = 1};
	trader_order_page page;
	assert_int_equal(trader_orders_list(f->t, &q, &page, &out), 0);
	assert_int_equal(page.n, 1);
	assert_true(page.next_cursor[0]);
	char cursor[64];
	snprintf(cursor, sizeof(cursor), "%s", page.next_cursor);
	trader_order_page_free(&page);
	q.cursor = cursor;
	assert_int_equal(trader_orders_list(f->t, &q, &page, &out), 0);
	assert_int_equal(page.n, 1);
	assert_string_equal(page.next_cursor, "");
	trader_order_page_free(&page);
	/* Names, code, dates and limit are typed by the HTTP layer's declaration
	 * (test_routes, integration_orders); a cursor it never gave out is the
	 * trader's to refuse. */
	const char *bad_cursors[] = {"abc", "99999999999999999999.1", "1.0"};
	for (size_t i = 0; i < sizeof(bad_cursors) / sizeof(bad_cursors[0]); i++) {
		trader_list_query b = {.status = TRADER_ANY,
		                       .side = TRADER_ANY,
		                       .source = TRADER_ANY,
		                       .cursor = bad_cursors[i]};
		assert_int_equal(trader_orders_list(f->t, &b, &page, &out), -1);
		assert_int_equal(out.result, TRADER_INVALID);
		assert_string_equal(out.field, "cursor");
	}
	/* Chuseok 2026: Thu 09-24 to Fri 09-25 (and the weekend); Hangul Day 10-09. */
	trader_days d;
	assert_int_equal(trader_calendar(f->t, 20260921, 20261009, &d), 0);
	int seen_chuseok = 0;
	for (size_t i = 0; i < d.nclosures; i++) {
		if (d.closures[i].ymd == 20260925)
			seen_chuseok = 1;
		assert_int_equal(krx_is_trading_day(d.closures[i].ymd), 0);
	}
	assert_true(seen_chuseok);
	for (size_t i = 0; i < d.ntrading; i++)
		assert_int_equal(krx_is_trading_day(d.trading_days[i]), 1);
	assert_int_equal(d.ntrading, krx_trading_days_between(20260920, 20261009));
	trader_days_free(&d);
	assert_int_equal(trader_calendar(f->t, 20261009, 20260921, &d), -1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_market_buy_fills_once),
	    T(test_accepted_but_ledger_refused),
	    T(test_idempotency),
	    T(test_rejected),
	    T(test_bad_input_and_caps),
	    T(test_unknown_then_reconciled),
	    T(test_unknown_not_found_after_close),
	    T(test_not_sent_releases_key),
	    T(test_partial_fills_then_cancel),
	    T(test_cancel_resting_limit),
	    T(test_cancel_requested_then_canceled),
	    T(test_backfill_external_and_aged),
	    T(test_backfill_across_tr_split),
	    T(test_holidays_refresh),
	    T(test_incomplete_history),
	    T(test_restart_pending_becomes_unknown),
	    T(test_list_and_calendar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
