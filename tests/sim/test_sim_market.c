/* test_sim_market.c — the simulated market without HTTP: every generated
 * bar respects ticks and the +-30 % limits, history and the live quote
 * agree, sessions follow the KRX calendar, and the process is a function of
 * the seed alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "krx.h"
#include "sim.h"

static sim_state *mk(uint64_t seed)
{
	sim_state *st = calloc(1, sizeof(*st));
	char err[128];
	st->cfg.seed = seed;
	assert_int_equal(sim_market_init(st, err, sizeof(err)), 0);
	return st;
}

static void drop(sim_state *st)
{
	sim_market_free(st);
	free(st);
}

static void test_bars_respect_krx_rules(void **state)
{
	sim_state *st = mk(1);
	assert_true(st->nstocks >= 30);
	for (int i = 0; i < st->nstocks; i++) {
		const sim_stock *s = &st->stocks[i];
		assert_int_equal(strlen(s->code), 6);
		assert_true(strlen(s->name) > 0);
		assert_int_equal(s->bars[0].ymd, SIM_HIST_FIRST);
		for (int k = 1; k < s->nbars; k++) {
			const sim_bar *b = &s->bars[k], *p = &s->bars[k - 1];
			assert_true(krx_is_trading_day(b->ymd));
			assert_int_equal(krx_next_trading_day(p->ymd), b->ymd);
			int64_t up = krx_upper_limit(p->c), lo = krx_lower_limit(p->c);
			assert_true(b->h <= up && b->l >= lo);
			assert_true(b->h >= b->o && b->h >= b->c && b->l <= b->o && b->l <= b->c);
			assert_true(krx_on_tick(b->o) && krx_on_tick(b->h) && krx_on_tick(b->l) &&
			            krx_on_tick(b->c));
			assert_true(b->vol > 0);
		}
		/* The walk stays plausible over five years (mean reversion). */
		const sim_bar *last = &s->bars[s->nbars - 1];
		assert_true(last->c > s->base_price / 4 && last->c < s->base_price * 4);
	}
	drop(st);
}

static void test_quote_matches_history(void **state)
{
	sim_state *st = mk(1);
	sim_stock *s = sim_stock_find(st, "005930");
	assert_non_null(s);
	assert_ptr_equal(sim_stock_find(st, "A005930"), s);
	assert_null(sim_stock_find(st, "999999"));
	sim_quote q;
	/* After the close: the day's bar exactly. */
	assert_int_equal(sim_quote_get(s, kst_epoch_ms(20261124, 160000), &q), 0);
	int idx = sim_bar_index(s, 20261124);
	assert_true(idx > 0);
	assert_int_equal(q.ymd, 20261124);
	assert_int_equal(q.in_session, 0);
	assert_int_equal(q.prpr, s->bars[idx].c);
	assert_int_equal(q.oprc, s->bars[idx].o);
	assert_int_equal(q.hgpr, s->bars[idx].h);
	assert_int_equal(q.lwpr, s->bars[idx].l);
	assert_int_equal(q.prdy_clpr, s->bars[idx - 1].c);
	/* Before the open: yesterday's close, yesterday as the day shown. */
	assert_int_equal(sim_quote_get(s, kst_epoch_ms(20261124, 85959), &q), 0);
	assert_int_equal(q.ymd, 20261123);
	assert_int_equal(q.prpr, s->bars[idx - 1].c);
	/* A weekend and a holiday show the last trading day. */
	assert_int_equal(sim_quote_get(s, kst_epoch_ms(20261128, 120000), &q), 0);
	assert_int_equal(q.ymd, 20261127);
	assert_int_equal(sim_quote_get(s, kst_epoch_ms(20261225, 120000), &q), 0);
	assert_int_equal(q.ymd, 20261224);
	/* Mid-session: high/low so far bound the price; it moves during the day. */
	assert_int_equal(sim_quote_get(s, kst_epoch_ms(20261124, 120000), &q), 0);
	assert_int_equal(q.in_session, 1);
	assert_true(q.lwpr <= q.prpr && q.prpr <= q.hgpr);
	assert_true(q.hgpr <= s->bars[idx].h && q.lwpr >= s->bars[idx].l);
	int moved = 0;
	for (int t = 90100; t < 152900; t += 100)
		if (t % 10000 < 6000 &&
		    sim_price_at(s, 20261124, sim_minute_of(20261124, t)) != s->bars[idx].o)
			moved = 1;
	assert_true(moved);
	drop(st);
}

static void test_sessions(void **state)
{
	/* 2026-01-02 is the year's first trading day: the open is at 10:00. */
	assert_int_equal(krx_open_hhmmss(20260102), 100000);
	assert_int_equal(sim_minute_of(20260102, 95959), -1);
	assert_int_equal(sim_minute_of(20260102, 100000), 0);
	assert_int_equal(sim_session_len(20260102), 331);
	assert_int_equal(sim_session_len(20261124), 391);
	assert_int_equal(sim_minute_of(20261124, 90000), 0);
	assert_int_equal(sim_minute_of(20261124, 153000), 390);
	assert_int_equal(sim_minute_of(20261124, 235959), 390);
}

static void test_override(void **state)
{
	sim_state *st = mk(3);
	pthread_mutex_init(&st->mu, NULL);
	char err[160];
	assert_int_equal(kclock_init(&st->clock, "2026-11-24T11:00:00+09:00", err, sizeof(err)), 0);
	sim_stock *s = sim_stock_find(st, "000660");
	sim_quote q;
	assert_int_equal(sim_quote_get(s, kclock_now_ms(&st->clock), &q), 0);
	assert_int_not_equal(sim_price_override(st, s, q.mxpr + krx_tick(q.mxpr), err, sizeof(err)),
	                     0);
	int64_t off = q.prpr + krx_tick(q.prpr) / 2;
	if (!krx_on_tick(off))
		assert_int_not_equal(sim_price_override(st, s, off, err, sizeof(err)), 0);
	assert_int_equal(sim_price_override(st, s, q.mxpr, err, sizeof(err)), 0);
	assert_int_equal(sim_quote_get(s, kclock_now_ms(&st->clock), &q), 0);
	assert_int_equal(q.prpr, q.mxpr);
	assert_int_equal(q.hgpr, q.mxpr);
	/* The next day resumes the generated path. */
	assert_int_equal(sim_quote_get(s, kst_epoch_ms(20261125, 110000), &q), 0);
	assert_int_not_equal(q.prpr, 0);
	sim_price_clear(s);
	kclock_destroy(&st->clock);
	pthread_mutex_destroy(&st->mu);
	drop(st);
}

static void test_seeded(void **state)
{
	sim_state *a = mk(42), *b = mk(42), *c = mk(43);
	int same = 1, diff = 0;
	for (int i = 0; i < a->nstocks; i++)
		for (int k = 0; k < a->stocks[i].nbars; k++) {
			if (memcmp(&a->stocks[i].bars[k], &b->stocks[i].bars[k], sizeof(sim_bar)))
				same = 0;
			if (a->stocks[i].bars[k].c != c->stocks[i].bars[k].c)
				diff = 1;
		}
	assert_true(same);
	assert_true(diff);
	drop(a);
	drop(b);
	drop(c);
}

static void test_wire_helpers(void **state)
{
	char buf[16];
	sim_pad(buf, "ab", 5);
	assert_string_equal(buf, "ab   ");
	sim_pad(buf, "abcdefgh", 5);
	assert_string_equal(buf, "abcde");
	char *m = sim_pad_msg("조회가 완료되었습니다"); /* 10 Hangul + 1 space = 21 cp949 bytes */
	assert_int_equal(strlen(m), strlen("조회가 완료되었습니다") + 59);
	free(m);
	int64_t v;
	assert_int_equal(sim_parse_i64(" 42 ", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(sim_parse_i64("-7", &v), 0);
	assert_int_equal(v, -7);
	assert_int_not_equal(sim_parse_i64("", &v), 0);
	assert_int_not_equal(sim_parse_i64("1e3", &v), 0);
	assert_int_not_equal(sim_parse_i64("99999999999999999999", &v), 0);
	assert_int_not_equal(sim_parse_i64(NULL, &v), 0);
	assert_int_equal(sim_fault_parse("drop_after_order"), F_DROP_AFTER);
	assert_int_equal(sim_fault_parse("nope"), -1);
	assert_string_equal(sim_fault_name(F_NON_JSON), "non_json");
	assert_int_equal(sim_fault_parse("truncated"), F_TRUNCATED);
	assert_int_equal(sim_fault_parse("http_500"), F_HTTP_500);
}

/* Order numbers across restarts: a start a millisecond after another, even
 * within the same second, begins above every number the earlier run can
 * have handed out; the numbers of a day stay below 10^9, so their 10-digit
 * ODNO keeps the leading zero KIS's numbers have. */
static void test_first_odno(void **state)
{
	(void)state;
	const int64_t kst_midnight = 1764514800000LL; /* 2025-12-01 00:00:00 KST */
	assert_int_equal(sim_first_odno(kst_midnight), 1);
	int64_t day_last = sim_first_odno(kst_midnight + 86400 * 1000LL - 1);
	assert_true(day_last < 1000000000LL);
	assert_int_equal(sim_first_odno(kst_midnight + 86400 * 1000LL), 1); /* the next day */
	int64_t t = kst_midnight + 10 * 3600 * 1000LL + 500;                /* 10:00:00.500 */
	int64_t first = sim_first_odno(t);
	assert_true(sim_first_odno(t + 1) > first + 9); /* 10 handed out in that ms */
	assert_true(sim_first_odno(t + 499) > sim_first_odno(t + 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bars_respect_krx_rules),
	    cmocka_unit_test(test_quote_matches_history),
	    cmocka_unit_test(test_sessions),
	    cmocka_unit_test(test_override),
	    cmocka_unit_test(test_seeded),
	    cmocka_unit_test(test_wire_helpers),
	    cmocka_unit_test(test_first_odno),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
