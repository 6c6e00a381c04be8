/* test_demo.c — the --demo session clock: which opening it picks from any
 * hour, and when it leaves the clock alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demo.h"
#include "kclock.h"

static int64_t at(int ymd, int hhmmss)
{
	return kst_epoch_ms(ymd, hhmmss);
}

static void test_clock_choice(void **state)
{
	static const struct {
		int ymd, hms;
		const char *want; /* NULL: in session, no fake clock */
	} cases[] = {
	    {20261124, 100000, NULL},                          /* Tuesday, in session */
	    {20261124, 90000, NULL},                           /* the opening itself */
	    {20261124, 85959, "2026-11-24T09:00:00+09:00@1"},  /* before the open */
	    {20261124, 153000, "2026-11-25T09:00:00+09:00@1"}, /* the close */
	    {20261124, 230000, "2026-11-25T09:00:00+09:00@1"}, /* evening */
	    {20261128, 120000, "2026-11-30T09:00:00+09:00@1"}, /* Saturday */
	    {20261129, 10000, "2026-11-30T09:00:00+09:00@1"},  /* Sunday night */
	    /* The year-end closing day, then New Year: the year's first
	     * session opens at 10:00. */
	    {20261231, 100000, "2027-01-04T10:00:00+09:00@1"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char spec[64] = "";
		int set = gw_demo_clock(at(cases[i].ymd, cases[i].hms), spec, sizeof(spec));
		if (!cases[i].want) {
			assert_int_equal(set, 0);
			continue;
		}
		assert_int_equal(set, 1);
		assert_string_equal(spec, cases[i].want);
		/* The spec is one kclock takes. */
		kclock c;
		char err[128];
		assert_int_equal(kclock_init(&c, spec, err, sizeof(err)), 0);
		kclock_destroy(&c);
	}
}

static void test_apply(void **state)
{
	char err[256];
	gw_settings s;
	memset(&s, 0, sizeof(s));
	s.use_sim = 1;
	assert_int_equal(gw_demo_apply(&s, at(20261128, 120000), err, sizeof(err)), 0);
	assert_string_equal(s.clock, "2026-11-30T09:00:00+09:00@1");
	free(s.clock);
	/* An explicit KISGW_CLOCK wins. */
	s.clock = strdup("2026-11-24T10:00:00+09:00");
	assert_int_equal(gw_demo_apply(&s, at(20261128, 120000), err, sizeof(err)), 0);
	assert_string_equal(s.clock, "2026-11-24T10:00:00+09:00");
	free(s.clock);
	s.clock = NULL;
	/* In session: the real clock stays. */
	assert_int_equal(gw_demo_apply(&s, at(20261124, 100000), err, sizeof(err)), 0);
	assert_null(s.clock);
	/* Real credentials: refused, naming the option. */
	s.use_sim = 0;
	assert_int_equal(gw_demo_apply(&s, at(20261128, 120000), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid --demo"));
	assert_null(s.clock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clock_choice),
	    cmocka_unit_test(test_apply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
