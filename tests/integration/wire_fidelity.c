/* Integration tests of KIS wire fidelity (issues 8 and 9) against the real
 * kis-sim: the replies real KIS sends that kisgw once misread — an
 * all-zero quote for an unknown code, EGW00215/EGW00300/unknown EGW codes,
 * holdings that share a code, order numbers without their zeros, the
 * EGW00133 text and the adaptive limiter. Each test starts its own
 * simulator and gateway on free ports. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define CLOCK "2026-11-24T10:00:00+09:00"

typedef struct env {
	h_proc sim, gw;
	char *dir;
} testenv;

/* Simulator (session open, fixed seed) + gateway with extra env. */
static void up(testenv *e, const char *const *sim_args, const char *const *gw_env)
{
	memset(e, 0, sizeof(*e));
	e->dir = h_tmpdir();
	assert_non_null(e->dir);
	const char *args[16] = {"--clock", CLOCK, "--seed", "7"};
	int n = 4;
	for (; sim_args && *sim_args; sim_args++)
		args[n++] = *sim_args;
	args[n] = NULL;
	assert_int_equal(h_start_sim(&e->sim, args), 0);
	const char *genv[16] = {"KISGW_CLOCK=" CLOCK};
	n = 1;
	for (; gw_env && *gw_env; gw_env++)
		genv[n++] = *gw_env;
	genv[n] = NULL;
	assert_int_equal(h_start_gw(&e->gw, e->sim.port, e->dir, genv), 0);
}

static void down(testenv *e)
{
	if (e->gw.pid)
		assert_int_equal(h_stop(&e->gw, SIGTERM), 0);
	if (e->sim.pid)
		h_stop(&e->sim, SIGTERM);
	h_rmdir(e->dir);
}

static long get(int port, const char *path, h_resp *r)
{
	assert_int_equal(h_http(r, "GET", port, path, NULL, NULL), 0);
	return r->status;
}

/* Arms a kis-sim fault: the next count calls matching match (path suffix
 * or tr_id) get kind. */
static void fault(testenv *e, const char *match, const char *kind, int count)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"match\":\"%s\",\"kind\":\"%s\",\"count\":%d}", match, kind,
	         count);
	long st;
	json_decref(h_json(e->sim.port, "POST", "/__sim/fault", body, &st));
	assert_int_equal(st, 200);
}

/* KIS answers some unknown codes with rt_cd 0 and an all-zero quote:
 * /price says 404 unknown_code naming the field, not 502. */
static void test_zero_quote_is_unknown_code(void **state)
{
	testenv e;
	up(&e, NULL, NULL);
	h_resp r;
	fault(&e, "FHKST01010100", "zero_quote", 1);
	assert_int_equal(get(e.gw.port, "/price?code=005930", &r), 404);
	assert_string_equal(h_err_code(&r), "unknown_code");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(r.json, "error"), "field")), "code");
	h_resp_free(&r);
	/* a real quote afterwards (the unknown answer is not cached as a price) */
	assert_int_equal(get(e.gw.port, "/price?code=000660", &r), 200);
	assert_true(json_integer_value(json_object_get(r.json, "price")) > 0);
	h_resp_free(&r);
	down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_zero_quote_is_unknown_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
