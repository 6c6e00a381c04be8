/* test_rules.c — the ORD_DVSN table and the local pre-checks (pure code):
 * table-driven over (type, tif, venue, env, session). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "krx.h"
#include "trader.h"

/* A Tuesday trading day, the quote of the KIS doc's example (기준가 73,400). */
#define DAY 20261124

static trader_rule_ctx ctx_at(int real, int hhmmss)
{
	trader_rule_ctx c = {.real = real,
	                     .check_session = 1,
	                     .ymd = DAY,
	                     .hhmmss = hhmmss,
	                     .trading_day = 1,
	                     .upper_limit = 95400,
	                     .lower_limit = 51400,
	                     .close = 74400};
	return c;
}

static void test_table_codes(void **state)
{
	(void)state;
	size_t n;
	const trader_dvsn_rule *t = trader_dvsn_table(&n);
	assert_int_equal(n, 18);
	/* Every KIS code once, every (type, tif) once. */
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++) {
			assert_string_not_equal(t[i].ord_dvsn, t[k].ord_dvsn);
			assert_false(t[i].type == t[k].type && t[i].tif == t[k].tif);
		}
	assert_string_equal(trader_dvsn_find(STORE_LIMIT, STORE_TIF_DAY)->ord_dvsn, "00");
	assert_string_equal(trader_dvsn_find(STORE_MARKET, STORE_TIF_DAY)->ord_dvsn, "01");
	assert_string_equal(trader_dvsn_find(STORE_AFTER_HOURS_SINGLE, STORE_TIF_DAY)->ord_dvsn,
	                    "07");
	assert_string_equal(trader_dvsn_find(STORE_LIMIT, STORE_TIF_FOK)->ord_dvsn, "12");
	assert_string_equal(trader_dvsn_find(STORE_BEST, STORE_TIF_IOC)->ord_dvsn, "15");
	assert_string_equal(trader_dvsn_find(STORE_STOP_LIMIT, STORE_TIF_DAY)->ord_dvsn, "22");
	assert_string_equal(trader_dvsn_find(STORE_MID, STORE_TIF_FOK)->ord_dvsn, "24");
	assert_null(trader_dvsn_find(STORE_PRIORITY, STORE_TIF_IOC));
	assert_null(trader_dvsn_find(STORE_STOP_LIMIT, STORE_TIF_FOK));
	assert_ptr_equal(trader_dvsn_by_code("13"), trader_dvsn_find(STORE_MARKET, STORE_TIF_IOC));
	assert_null(trader_dvsn_by_code("99"));
}

typedef struct rcase {
	store_type type;
	store_tif tif;
	store_venue venue;
	int real;
	int hhmmss;
	int64_t price, stop;
	const char *field; /* NULL: accepted */
} rcase;

#define K STORE_VENUE_KRX
#define N STORE_VENUE_NXT
#define S STORE_VENUE_SOR
#define D STORE_TIF_DAY
#define I STORE_TIF_IOC
#define F STORE_TIF_FOK

static const rcase cases[] = {
    /* regular session, virtual: 00-04 on KRX only */
    {STORE_LIMIT, D, K, 0, 100000, 74400, 0, NULL},
    {STORE_MARKET, D, K, 0, 100000, 0, 0, NULL},
    {STORE_CONDITIONAL_LIMIT, D, K, 0, 100000, 74400, 0, NULL},
    {STORE_BEST, D, K, 0, 100000, 0, 0, NULL},
    {STORE_PRIORITY, D, K, 0, 100000, 0, 0, NULL},
    {STORE_LIMIT, I, K, 0, 100000, 74400, 0, "time_in_force"},
    {STORE_MARKET, F, K, 0, 100000, 0, 0, "time_in_force"},
    {STORE_MID, D, K, 0, 100000, 0, 0, "type"},
    {STORE_STOP_LIMIT, D, K, 0, 100000, 74400, 74000, "type"},
    {STORE_AFTER_HOURS_SINGLE, D, K, 0, 170000, 74400, 0, "type"},
    {STORE_LIMIT, D, N, 0, 100000, 74400, 0, "venue"},
    {STORE_LIMIT, D, S, 0, 100000, 74400, 0, "venue"},
    /* virtual: regular session only */
    {STORE_LIMIT, D, K, 0, 85900, 74400, 0, "type"},
    {STORE_LIMIT, D, K, 0, 153000, 74400, 0, "type"},
    /* real: every code on KRX in its window */
    {STORE_LIMIT, I, K, 1, 100000, 74400, 0, NULL},
    {STORE_LIMIT, F, K, 1, 100000, 74400, 0, NULL},
    {STORE_MARKET, I, K, 1, 100000, 0, 0, NULL},
    {STORE_BEST, F, K, 1, 100000, 0, 0, NULL},
    {STORE_MID, I, K, 1, 100000, 0, 0, NULL},
    {STORE_STOP_LIMIT, D, K, 1, 100000, 74400, 74000, NULL},
    {STORE_PRE_MARKET_CLOSE, D, K, 1, 83500, 0, 0, NULL},
    {STORE_PRE_MARKET_CLOSE, D, K, 1, 84000, 0, 0, "type"},
    {STORE_AFTER_MARKET_CLOSE, D, K, 1, 154500, 0, 0, NULL},
    {STORE_AFTER_MARKET_CLOSE, D, K, 1, 100000, 0, 0, "type"},
    {STORE_AFTER_HOURS_SINGLE, D, K, 1, 161000, 74400, 0, NULL},
    {STORE_AFTER_HOURS_SINGLE, D, K, 1, 180000, 74400, 0, "type"},
    {STORE_AFTER_HOURS_SINGLE, D, K, 1, 161000, 82000, 0, "price"}, /* > close + 10 % */
    {STORE_AFTER_HOURS_SINGLE, D, K, 1, 161000, 81800, 0, NULL},
    {STORE_AFTER_HOURS_SINGLE, D, K, 1, 161000, 67000, 0, NULL},
    {STORE_AFTER_HOURS_SINGLE, D, K, 1, 161000, 66900, 0, "price"},
    {STORE_LIMIT, D, K, 1, 154500, 74400, 0, "type"}, /* regular type after 15:30 */
    /* NXT: no 01/02/05-07; limit also pre/after market */
    {STORE_MARKET, D, N, 1, 100000, 0, 0, "venue"},
    {STORE_CONDITIONAL_LIMIT, D, N, 1, 100000, 74400, 0, "venue"},
    {STORE_AFTER_MARKET_CLOSE, D, N, 1, 154500, 0, 0, "venue"},
    {STORE_MARKET, I, N, 1, 100000, 0, 0, NULL},
    {STORE_MID, D, N, 1, 100000, 0, 0, NULL},
    {STORE_LIMIT, D, N, 1, 81000, 74400, 0, NULL},
    {STORE_LIMIT, D, N, 1, 190000, 74400, 0, NULL},
    {STORE_LIMIT, D, N, 1, 200000, 74400, 0, "type"},
    {STORE_BEST, D, N, 1, 81000, 0, 0, "type"},
    {STORE_BEST, D, N, 1, 152500, 0, 0, "type"}, /* NXT main ends 15:20 */
    /* SOR: 00/01/03/04/11-16 */
    {STORE_MARKET, D, S, 1, 100000, 0, 0, NULL},
    {STORE_LIMIT, F, S, 1, 100000, 74400, 0, NULL},
    {STORE_MID, D, S, 1, 100000, 0, 0, "venue"},
    {STORE_STOP_LIMIT, D, S, 1, 100000, 74400, 74000, "venue"},
    {STORE_LIMIT, D, S, 1, 81000, 74400, 0, "type"},
    /* combinations KIS does not have */
    {STORE_PRIORITY, I, K, 1, 100000, 0, 0, "time_in_force"},
    {STORE_AFTER_HOURS_SINGLE, F, K, 1, 161000, 74400, 0, "time_in_force"},
    /* price fields, tick grid, daily limits */
    {STORE_LIMIT, D, K, 0, 100000, 0, 0, "price"},
    {STORE_MARKET, D, K, 0, 100000, 74400, 0, "price"},
    {STORE_LIMIT, D, K, 0, 100000, 74450, 0, "price"},
    {STORE_LIMIT, D, K, 0, 100000, 95500, 0, "price"},
    {STORE_LIMIT, D, K, 0, 100000, 95400, 0, NULL},
    {STORE_LIMIT, D, K, 0, 100000, 51400, 0, NULL},
    {STORE_LIMIT, D, K, 0, 100000, 51300, 0, "price"},
    {STORE_LIMIT, D, K, 0, 100000, 74400, 74000, "stop_price"},
    {STORE_STOP_LIMIT, D, K, 1, 100000, 74400, 0, "stop_price"},
    {STORE_STOP_LIMIT, D, K, 1, 100000, 74400, 74050, "stop_price"},
    {STORE_STOP_LIMIT, D, K, 1, 100000, 74400, 99000, "stop_price"},
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const rcase *c = &cases[i];
		trader_rule_input in = {c->type, c->tif, c->venue, c->price, c->stop};
		trader_rule_ctx ctx = ctx_at(c->real, c->hhmmss);
		trader_rule_result res;
		int rc = trader_rules_check(&in, &ctx, &res);
		if (c->field == NULL ? rc != 0 : rc == 0 || strcmp(res.field, c->field)) {
			print_error("case %zu (%s/%s/%s real=%d %06d): want %s, got %s (%s)\n", i,
			            store_type_name(c->type), store_tif_name(c->tif),
			            store_venue_name(c->venue), c->real, c->hhmmss,
			            c->field ? c->field : "ok", rc ? res.field : "ok", res.message);
			fail();
		}
		if (rc == 0) {
			assert_non_null(res.rule);
			assert_true(res.message[0] == 0);
		} else {
			assert_true(res.message[0] != 0);
		}
	}
}

/* Every table row: accepted in its own window on a real account at a venue
 * it lists, refused at the others. */
static void test_every_row(void **state)
{
	(void)state;
	size_t n;
	const trader_dvsn_rule *t = trader_dvsn_table(&n);
	for (size_t i = 0; i < n; i++) {
		int at = t[i].session == TRADER_SESS_PRE_CLOSE      ? 83500
		         : t[i].session == TRADER_SESS_AFTER_CLOSE  ? 154500
		         : t[i].session == TRADER_SESS_AFTER_SINGLE ? 163000
		                                                    : 100000;
		for (int v = 0; v < STORE_VENUE__MAX; v++) {
			trader_rule_input in = {t[i].type, t[i].tif, (store_venue)v,
			                        t[i].price ? 74400 : 0, t[i].stop ? 74000 : 0};
			trader_rule_ctx ctx = ctx_at(1, at);
			trader_rule_result res;
			int rc = trader_rules_check(&in, &ctx, &res);
			assert_int_equal(rc == 0, (t[i].venues >> v) & 1);
			ctx = ctx_at(0, at);
			rc = trader_rules_check(&in, &ctx, &res);
			assert_int_equal(rc == 0, v == STORE_VENUE_KRX && t[i].virtual_ok);
		}
	}
}

static void test_session_switch_and_holiday(void **state)
{
	(void)state;
	trader_rule_input in = {STORE_LIMIT, STORE_TIF_DAY, STORE_VENUE_KRX, 74400, 0};
	trader_rule_ctx ctx = ctx_at(0, 70000);
	trader_rule_result res;
	assert_int_equal(trader_rules_check(&in, &ctx, &res), -1);
	assert_string_equal(res.field, "type");
	assert_non_null(strstr(res.message, "09:00-15:30"));
	ctx.check_session = 0; /* KIS is the judge */
	assert_int_equal(trader_rules_check(&in, &ctx, &res), 0);
	ctx = ctx_at(0, 100000);
	ctx.ymd = 20261225;
	ctx.trading_day = 0;
	assert_int_equal(trader_rules_check(&in, &ctx, &res), -1);
	assert_non_null(strstr(res.message, "2026-12-25"));
	/* The year's first trading day opens at 10:00. */
	ctx = ctx_at(0, 93000);
	ctx.ymd = 20270104;
	assert_int_equal(trader_rules_check(&in, &ctx, &res), -1);
	ctx.hhmmss = 100000;
	assert_int_equal(trader_rules_check(&in, &ctx, &res), 0);
	/* Unknown limits (no quote): only the grid is checked. */
	ctx = ctx_at(0, 100000);
	ctx.upper_limit = ctx.lower_limit = 0;
	in.price = 200000;
	assert_int_equal(trader_rules_check(&in, &ctx, &res), 0);
	/* The message lists what is allowed. */
	in = (trader_rule_input){STORE_PRIORITY, STORE_TIF_FOK, STORE_VENUE_KRX, 0, 0};
	assert_int_equal(trader_rules_check(&in, &ctx, &res), -1);
	assert_non_null(strstr(res.message, "day"));
	in = (trader_rule_input){STORE_MID, STORE_TIF_DAY, STORE_VENUE_SOR, 0, 0};
	ctx.real = 1;
	assert_int_equal(trader_rules_check(&in, &ctx, &res), -1);
	assert_non_null(strstr(res.message, "KRX, NXT"));
}

static void test_windows(void **state)
{
	(void)state;
	assert_true(krx_in_window(KRX_W_REGULAR, DAY, 90000));
	assert_false(krx_in_window(KRX_W_REGULAR, DAY, 153000));
	assert_true(krx_in_window(KRX_W_AFTER_SINGLE, DAY, 175959));
	assert_false(krx_in_window(KRX_W_AFTER_SINGLE, DAY, 180000));
	assert_true(krx_in_window(NXT_W_AFTER, DAY, 195959));
	assert_false(krx_in_window(NXT_W_PRE, 20261128, 81000)); /* Saturday */
	assert_false(krx_in_window(KRX_W_REGULAR, 20270104, 95959));
	assert_string_equal(krx_window_name(NXT_W_MAIN), "nxt_main_market");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_codes), cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_every_row),   cmocka_unit_test(test_session_switch_and_holiday),
	    cmocka_unit_test(test_windows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
