/* test_guard.c — the pre-trade guard without KIS: the halt refuses every
 * source (an auto-trade order here) before anything is journaled, holds
 * across a new trader on the same database, lets amendments through only
 * when resumed; the daily notional cap per side and the per-code position
 * cap add up what the ledger holds. Quotes come from a fixed source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "ledger_fx.h"
#include "kclock.h"
#include "trader.h"

#define T0 "2026-11-24T10:00:00+09:00"

typedef struct fx {
	ledger_fx x;
	trader *t;
} fx;

static int fixed_quote(void *ctx, const char *code, kis_quote *q, kis_error *err)
{
	(void)ctx;
	(void)err;
	snprintf(q->code, sizeof(q->code), "%s", code);
	q->price = 70000;
	q->upper_limit = 91000;
	q->lower_limit = 49000;
	q->tick = 100;
	return KIS_OK;
}

static trader *mk(fx *f)
{
	trader_config tc = {
	    .reconcile_interval_s = 3600, .max_daily_buy_amount = 1000000, .max_position_qty = 100};
	char err[256];
	trader *t = trader_new(&tc, f->x.kis, f->x.db, &f->x.clock, err, sizeof(err));
	if (!t)
		fail_msg("trader_new: %s", err);
	trader_set_quote_source(t, fixed_quote, NULL);
	return t;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	/* Nothing listens on port 9: any KIS call would fail, and none is made. */
	if (ledger_fx_open(&f->x, 9, T0))
		return -1;
	f->t = mk(f);
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

static size_t order_count(fx *f)
{
	store_order_filter q = {.status = -1, .side = -1, .source = -1, .limit = 1000};
	store_order *v = NULL;
	size_t n = 0;
	int more;
	assert_int_equal(store_orders_list(f->x.db, &q, &v, &n, &more), 0);
	free(v);
	return n;
}

/* A journaled order of today, as the ledger would hold it. */
static void journal(fx *f, store_side side, int64_t qty, int64_t notional, store_status st)
{
	store_order o;
	memset(&o, 0, sizeof(o));
	snprintf(o.code, sizeof(o.code), "005930");
	o.side = side;
	o.type = STORE_LIMIT;
	o.qty = qty;
	o.price = notional / qty;
	o.notional = notional;
	o.status = st;
	o.source = STORE_SRC_API;
	o.created_ms = o.updated_ms = o.sent_ms = kclock_now_ms(&f->x.clock);
	o.ord_date = kst_date(o.created_ms);
	assert_int_equal(store_order_insert(f->x.db, &o, NULL), 0);
}

static void test_halt_every_source(void **state)
{
	fx *f = *state;
	assert_int_equal(trader_halt(f->t, "drill"), 0);
	trader_order_req r = {.code = "005930",
	                      .side = STORE_BUY,
	                      .type = STORE_LIMIT,
	                      .qty = 1,
	                      .price = 70000,
	                      .source = STORE_SRC_AUTOTRADE};
	trader_outcome out;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_HALTED);
	assert_non_null(strstr(out.message, "drill"));
	r.source = STORE_SRC_API;
	r.type = STORE_MARKET;
	r.price = 0;
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_HALTED);
	assert_int_equal(order_count(f), 0); /* nothing journaled, nothing sent */
	/* The guard entry any other source (passthrough) calls. */
	trader_guard_req g = {"005930", STORE_SELL, 1, 70000, 1};
	assert_int_equal(trader_guard_check(f->t, &g, &out), TRADER_HALTED);
	/* A new trader on the same database is still halted. */
	trader_free(f->t);
	f->t = mk(f);
	trader_halt_state h;
	trader_halt_get(f->t, &h);
	assert_true(h.halted);
	assert_string_equal(h.reason, "drill");
	assert_true(h.since_ms > 0);
	assert_int_equal(trader_guard_check(f->t, &g, &out), TRADER_HALTED);
	assert_int_equal(trader_resume(f->t), 0);
	trader_free(f->t);
	f->t = mk(f);
	trader_halt_get(f->t, &h);
	assert_false(h.halted);
	assert_int_equal(trader_guard_check(f->t, &g, &out), TRADER_OK);
}

static void test_daily_and_position_caps(void **state)
{
	fx *f = *state;
	journal(f, STORE_BUY, 10, 700000, ST_SUBMITTED);
	journal(f, STORE_BUY, 20, 1400000, ST_REJECTED); /* never traded: not counted */
	trader_outcome out;
	trader_guard_req g = {"005930", STORE_BUY, 4, 280000, 0};
	assert_int_equal(trader_guard_check(f->t, &g, &out), TRADER_OK);
	g.qty = 5;
	g.notional = 350000; /* 700,000 + 350,000 > 1,000,000 */
	assert_int_equal(trader_guard_check(f->t, &g, &out), TRADER_OVER_LIMIT);
	assert_string_equal(out.field, "qty");
	assert_non_null(strstr(out.message, "daily cap"));
	/* Sells have their own cap (none here). */
	g.side = STORE_SELL;
	assert_int_equal(trader_guard_check(f->t, &g, &out), TRADER_OK);
	/* Position: 10 on an open buy + 91 > 100 shares. */
	g.side = STORE_BUY;
	g.qty = 91;
	g.notional = 91;
	assert_int_equal(trader_guard_check(f->t, &g, &out), TRADER_OVER_LIMIT);
	assert_non_null(strstr(out.message, "position cap"));
	g.qty = 90;
	assert_int_equal(trader_guard_check(f->t, &g, &out), TRADER_OK);
	/* trader_order_place applies it too, before journaling. */
	trader_order_req r = {.code = "005930",
	                      .side = STORE_BUY,
	                      .type = STORE_LIMIT,
	                      .qty = 5,
	                      .price = 70000,
	                      .source = STORE_SRC_AUTOTRADE};
	size_t n = order_count(f);
	assert_int_equal(trader_order_place(f->t, &r, &out), TRADER_OVER_LIMIT);
	assert_int_equal(order_count(f), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_halt_every_source, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_daily_and_position_caps, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
