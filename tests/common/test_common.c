/* Unit tests for common/: clock parsing, KST arithmetic, KRX rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kclock.h"
#include "krx.h"

static void test_clock_parse(void **state)
{
	kclock c;
	char err[128];
	assert_int_equal(kclock_init(&c, "2026-11-24T10:00:00+09:00", err, sizeof(err)), 0);
	int64_t now = kclock_now_ms(&c);
	assert_int_equal(kst_date(now), 20261124);
	assert_true(kst_hhmmss(now) >= 100000 && kst_hhmmss(now) < 100005);
	kclock_destroy(&c);

	assert_int_equal(kclock_init(&c, "2026-11-24T01:00:00Z@60", err, sizeof(err)), 0);
	assert_int_equal(kst_date(kclock_now_ms(&c)), 20261124);
	assert_true(c.speed == 60.0);
	kclock_destroy(&c);

	const char *bad[] = {"2026-11-24",
	                     "2026-13-01T00:00:00Z",
	                     "2026-11-24T10:00:00+09:00@0",
	                     "2026-11-24T10:00:00+09:00@x",
	                     "2026-02-30T10:00:00Z",
	                     "2026-11-24T24:00:00Z",
	                     "2026-11-24T10:00:00+0900"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(kclock_init(&c, bad[i], err, sizeof(err)), -1);
		assert_true(err[0] != 0);
		kclock_destroy(&c);
	}
	assert_int_equal(kclock_init(&c, NULL, err, sizeof(err)), 0);
	assert_false(c.fake);
	kclock_destroy(&c);
}

static void test_clock_set(void **state)
{
	kclock c;
	char err[64];
	assert_int_equal(kclock_init(&c, NULL, err, sizeof(err)), 0);
	kclock_set_ms(&c, kst_epoch_ms(20270104, 85959));
	assert_int_equal(kst_date(kclock_now_ms(&c)), 20270104);
	kclock_destroy(&c);
}

static void test_dates(void **state)
{
	char buf[32];
	assert_int_equal(ymd_parse("2026-11-24"), 20261124);
	assert_int_equal(ymd_parse("20240229"), 20240229);
	assert_int_equal(ymd_parse("20250229"), -1);
	assert_int_equal(ymd_parse("2026-1-24"), -1);
	assert_int_equal(ymd_parse("abcd-ef-gh"), -1);
	assert_int_equal(ymd_parse(NULL), -1);
	assert_int_equal(ymd_add_days(20261231, 1), 20270101);
	assert_int_equal(ymd_add_days(20240301, -1), 20240229);
	assert_int_equal(ymd_weekday(20261124), 2); /* Tuesday */
	assert_int_equal(ymd_weekday(19700101), 4);
	int64_t t = kst_epoch_ms(20261124, 101502);
	kst_iso8601(t, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-24T10:15:02+09:00");
	/* 00:30 KST is the previous day in UTC. */
	t = kst_epoch_ms(20261124, 3000);
	assert_int_equal(kst_date(t), 20261124);
	assert_int_equal(kst_date(t - 31 * 60 * 1000), 20261123);
	assert_int_equal(kst_epoch_ms(20261124, 246000), -1);
	ymd_format(20270105, buf, sizeof(buf));
	assert_string_equal(buf, "2027-01-05");
}

static void test_codes(void **state)
{
	const char *good[] = {"005930", "00593O", "Q500001", "A12345"};
	const char *bad[] = {"",        "00593",    "0059300", "00593o",
	                     "Q50000A", "Q5000011", "005 30",  NULL};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_true(krx_code_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_false(krx_code_valid(bad[i]));
}

static void test_ticks(void **state)
{
	assert_int_equal(krx_tick(1999), 1);
	assert_int_equal(krx_tick(2000), 5);
	assert_int_equal(krx_tick(19990), 10);
	assert_int_equal(krx_tick(20000), 50);
	assert_int_equal(krx_tick(74400), 100);
	assert_int_equal(krx_tick(200000), 500);
	assert_int_equal(krx_tick(500000), 1000);
	assert_true(krx_on_tick(74400));
	assert_false(krx_on_tick(74450));
	assert_false(krx_on_tick(0));
	assert_int_equal(krx_tick_floor(20010), 20000);
	assert_int_equal(krx_tick_ceil(19995), 20000);
	assert_int_equal(krx_tick_ceil(49990), 50000);
	/* The official example: base 73,400 -> 95,400 / 51,400. */
	assert_int_equal(krx_upper_limit(73400), 95400);
	assert_int_equal(krx_lower_limit(73400), 51400);
	for (int64_t p = 1000; p < 1500000; p += 997) {
		assert_true(krx_on_tick(krx_upper_limit(krx_tick_floor(p))));
		assert_true(krx_on_tick(krx_lower_limit(krx_tick_floor(p))));
		assert_true(krx_on_tick(krx_tick_ceil(p)) && krx_tick_ceil(p) >= p);
		assert_true(krx_on_tick(krx_tick_floor(p)) && krx_tick_floor(p) <= p);
	}
}

static void test_calendar(void **state)
{
	int n;
	const krx_holiday *h = krx_holidays(&n);
	assert_int_equal(n, 18 + 19 + 17 + 16);
	for (int i = 1; i < n; i++)
		assert_true(h[i - 1].ymd < h[i].ymd);
	for (int i = 0; i < n; i++) {
		int wd = ymd_weekday(h[i].ymd);
		assert_true(wd >= 1 && wd <= 5); /* weekday closures only */
	}
	assert_non_null(krx_holiday_name(20260717));
	assert_null(krx_holiday_name(20260928)); /* not a holiday (Saturday rule) */
	assert_true(krx_is_trading_day(20260928));
	assert_false(krx_is_trading_day(20261128)); /* Saturday */
	assert_false(krx_is_trading_day(20261225));
	/* The contract's example: bought Mon 2026-11-16, on Mon 11-23 it has 5. */
	assert_int_equal(krx_trading_days_between(20261116, 20261123), 5);
	assert_int_equal(krx_trading_days_between(20261118, 20261123), 3);
	/* Chuseok 2026: Thu 09-24 and Fri 09-25 closed. */
	assert_int_equal(krx_trading_days_between(20260922, 20260929), 3);
	assert_int_equal(krx_next_trading_day(20261224), 20261228);
	assert_int_equal(krx_prev_trading_day(20270104), 20261230);
	assert_int_equal(krx_open_hhmmss(20270104), 100000);
	assert_int_equal(krx_open_hhmmss(20270105), 90000);
	assert_int_equal(krx_open_hhmmss(20260102), 100000);
	/* Beyond the table, New Year and Dec 31 still close. */
	assert_non_null(krx_holiday_name(20281231));
	assert_false(krx_is_trading_day(20290101));
}

/* Order numbers: one normalised form whatever KIS sent. */
static void test_odno_norm(void **state)
{
	static const struct {
		const char *in, *want;
	} t[] = {
	    {"51378", "0000051378"},
	    {"0000051378", "0000051378"},
	    {" 1569157 ", "0001569157"},
	    {"0001569157", "0001569157"},
	    {"", ""},
	    {"   ", ""},
	    {"A12", "A12"},
	    {"12345678901", "12345678901"},
	    {"7", "0000000007"},
	};
	char out[16];
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		krx_odno_norm(t[i].in, out, sizeof out);
		assert_string_equal(out, t[i].want);
	}
	krx_odno_norm(NULL, out, sizeof out);
	assert_string_equal(out, "");
	char tiny[4];
	krx_odno_norm("51378", tiny, sizeof tiny); /* too small for the form: cut, not overflowed */
	assert_string_equal(tiny, "513");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clock_parse), cmocka_unit_test(test_clock_set),
	    cmocka_unit_test(test_dates),       cmocka_unit_test(test_codes),
	    cmocka_unit_test(test_ticks),       cmocka_unit_test(test_calendar),
	    cmocka_unit_test(test_odno_norm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
