/* Integration tests of issue 7's hardening that concern state rather than
 * the wire: date bounds, /healthz and an upstream outage, and KIS order
 * numbers handed out twice (a restarted or confused kis-sim). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#include "hardening_env.h"

/* 9, 10, 11. Dates: one supported range, equal bounds are one day, future
 * and empty ranges are 200, an unknown calendar is not guessed. */
static void test_dates(void **state)
{
	testenv e;
	up(&e, NULL);
	int p = e.gw.port;
	const char *h = "Host: localhost\r\n";
	expect(p, "GET /daily?code=005930&to=9999-12-31 HTTP/1.1", h, NULL, 400,
	       "invalid_parameter", "to");
	expect(p, "GET /orders?from=9999-12-31&to=9999-12-31 HTTP/1.1", h, NULL, 400,
	       "invalid_parameter", "from");
	expect(p, "GET /orders?from=2026-11-25&to=2026-11-24 HTTP/1.1", h, NULL, 400,
	       "invalid_parameter", "from");
	expect(p, "GET /calendar?from=1979-12-31 HTTP/1.1", h, NULL, 400, "invalid_parameter",
	       "from");
	const char *ok[] = {
	    "/orders?from=2099-12-31&to=2099-12-31",
	    "/orders?from=2026-11-24&to=2026-11-24",
	    "/orders?from=1980-01-01&to=1980-01-01",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		long st;
		json_t *j = h_json(p, "GET", ok[i], NULL, &st);
		if (st != 200)
			fail_msg("%s: %ld", ok[i], st);
		json_decref(j);
	}
	/* A range wholly in the future, a past weekend: no bars, 200. */
	const char *none[] = {"/daily?code=005930&from=2027-03-02&to=2027-03-02",
	                      "/daily?code=005930&from=2026-12-01&to=2099-12-31",
	                      "/daily?code=005930&from=2026-11-21&to=2026-11-22"};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		long st;
		json_t *j = h_json(p, "GET", none[i], NULL, &st);
		if (st != 200)
			fail_msg("%s: %ld", none[i], st);
		assert_int_equal(json_array_size(json_object_get(j, "bars")), 0);
		json_decref(j);
	}
	/* ... and the same past weekend again, from the cache. */
	long st;
	json_t *j = h_json(p, "GET", none[2], NULL, &st);
	assert_int_equal(st, 200);
	json_decref(j);
	j = h_json(p, "GET", "/daily?code=005930&from=2026-11-16&to=2026-11-22", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "bars")), 5);
	json_decref(j);
	/* 1980: no calendar is known; every weekday is "unknown", none a
	 * trading day. */
	j = h_json(p, "GET", "/calendar?from=1980-01-01&to=1980-01-07", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "trading_days")), 0);
	json_t *unk = json_object_get(j, "unknown");
	assert_int_equal(json_array_size(unk), 5);
	assert_string_equal(json_string_value(json_array_get(unk, 0)), "1980-01-01");
	json_decref(j);
	j = h_json(p, "GET", "/calendar?from=2026-11-23&to=2026-11-29", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "trading_days")), 5);
	assert_int_equal(json_array_size(json_object_get(j, "unknown")), 0);
	json_decref(j);
	down(&e);
}

static json_t *healthz(int port)
{
	long st;
	json_t *j = h_json(port, "GET", "/healthz", NULL, &st);
	assert_int_equal(st, 200);
	return j;
}

/* kis-sim again on the port it had (the gateway keeps its base URL). */
static void sim_restart(testenv *e)
{
	int port = e->sim.port;
	h_stop(&e->sim, SIGTERM);
	char listen[32];
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	const char *args[] = {"--clock", CLOCK,      "--seed", "7", "--rate",
	                      "0",       "--listen", listen,   NULL};
	assert_int_equal(h_start_sim(&e->sim, args), 0);
	assert_int_equal(e->sim.port, port);
}

/* 12. KIS unreachable: /healthz says degraded and why, still 200; ok again
 * once a call gets through. */
static void test_health_upstream(void **state)
{
	const char *env[] = {"KISGW_TOKEN_MIN_INTERVAL_S=1", "KISGW_KIS_TIMEOUT_MS=2000", NULL};
	testenv e;
	up(&e, env);
	int p = e.gw.port;
	json_t *j = healthz(p);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
	json_decref(j);
	int port = e.sim.port;
	h_stop(&e.sim, SIGTERM);
	long st;
	j = h_json(p, "GET", "/price?code=000660", NULL, &st);
	assert_true(st == 502 || st == 504);
	json_decref(j);
	j = healthz(p);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "degraded");
	const char *why = json_string_value(json_object_get(j, "reason"));
	assert_non_null(why);
	assert_non_null(strstr(why, "KIS"));
	json_t *kis = json_object_get(j, "kis");
	assert_true(json_integer_value(json_object_get(kis, "failures_in_a_row")) >= 1);
	assert_true(json_is_string(json_object_get(kis, "last_error")));
	json_decref(j);
	e.sim.port = port;
	sim_restart(&e);
	j = h_json(p, "GET", "/price?code=000660", NULL, &st);
	assert_int_equal(st, 200);
	json_decref(j);
	j = healthz(p);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "kis"), "failures_in_a_row")), 0);
	json_decref(j);
	down(&e);
}

static json_t *place(int port, const char *body, long want)
{
	long st;
	json_t *j = h_json(port, "POST", "/orders", body, &st);
	if (st != want)
		fail_msg("POST /orders %s: %ld, want %ld", body, st, want);
	return j;
}

static json_t *order_get(int port, json_int_t id)
{
	char path[64];
	snprintf(path, sizeof(path), "/orders/%lld", (long long)id);
	long st;
	json_t *j = h_json(port, "GET", path, NULL, &st);
	assert_int_equal(st, 200);
	return j;
}

/* 14. Order numbers: a restarted kis-sim keeps them increasing; when KIS
 * does hand out a number the ledger holds for another order, the new order
 * is kept (201, without the number), the old one is never given the new
 * one's fills, and /healthz shows the pair — also after a restart of
 * kisgw, from the reconciler's own rule (code, side, quantity). */
static void test_order_number_reuse(void **state)
{
	const char *env[] = {"KISGW_TOKEN_MIN_INTERVAL_S=1", NULL};
	testenv e;
	up(&e, env);
	int p = e.gw.port;
	json_t *a = place(p,
	                  "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"limit\","
	                  "\"price\":50000}",
	                  201);
	json_int_t a_id = json_integer_value(json_object_get(a, "id"));
	char a_no[16];
	snprintf(a_no, sizeof(a_no), "%s",
	         json_string_value(json_object_get(a, "broker_order_no")));
	json_decref(a);
	assert_int_equal(strlen(a_no), 10);

	sim_restart(&e);
	json_t *b =
	    place(p, "{\"code\":\"000660\",\"side\":\"buy\",\"qty\":2,\"type\":\"market\"}", 201);
	const char *b_no = json_string_value(json_object_get(b, "broker_order_no"));
	assert_non_null(b_no);
	if (strcmp(b_no, a_no) <= 0)
		fail_msg("after a restart kis-sim gave %s, not above %s", b_no, a_no);
	json_decref(b);

	/* A confused upstream: the simulator hands out A's number again. */
	char body[64];
	snprintf(body, sizeof(body), "{\"next\":%lld}", atoll(a_no));
	long st;
	json_decref(h_json(e.sim.port, "POST", "/__sim/odno", body, &st));
	assert_int_equal(st, 200);
	/* KIS accepted it, the ledger cannot record the number: 202 unknown
	 * with KIS's number (never lost), and both orders on /healthz. */
	json_t *c =
	    place(p, "{\"code\":\"035720\",\"side\":\"buy\",\"qty\":3,\"type\":\"market\"}", 202);
	json_int_t c_id = json_integer_value(json_object_get(c, "id"));
	assert_string_equal(json_string_value(json_object_get(c, "broker_order_no")), a_no);
	assert_string_equal(json_string_value(json_object_get(c, "status")), "unknown");
	json_decref(c);
	for (int round = 0; round < 2; round++) {
		json_decref(h_json(p, "POST", "/orders/reconcile", NULL, &st));
		assert_int_equal(st, 200);
		json_t *o = order_get(p, a_id);
		assert_string_equal(json_string_value(json_object_get(o, "status")), "submitted");
		assert_int_equal(json_integer_value(json_object_get(o, "filled_qty")), 0);
		assert_string_equal(json_string_value(json_object_get(o, "code")), "005930");
		json_decref(o);
		json_t *hz = healthz(p);
		assert_string_equal(json_string_value(json_object_get(hz, "status")), "degraded");
		json_t *mis = json_object_get(json_object_get(hz, "ledger"), "mismatches");
		assert_int_equal(json_array_size(mis), 1);
		json_t *m = json_array_get(mis, 0);
		assert_string_equal(json_string_value(json_object_get(m, "order_no")), a_no);
		assert_int_equal(json_integer_value(json_object_get(m, "order_id")), a_id);
		if (round == 0)
			assert_int_equal(json_integer_value(json_object_get(m, "other_order_id")),
			                 c_id);
		assert_string_equal(
		    json_string_value(json_object_get(json_object_get(m, "kis"), "code")),
		    "035720");
		json_decref(hz);
		if (round == 0) { /* forget what the placement saw */
			assert_int_equal(h_stop(&e.gw, SIGTERM), 0);
			const char *genv[] = {"KISGW_CLOCK=" CLOCK, "KISGW_RATE_LIMIT=1000",
			                      "KISGW_TOKEN_MIN_INTERVAL_S=1", NULL};
			assert_int_equal(h_start_gw(&e.gw, e.sim.port, e.dir, genv), 0);
			p = e.gw.port;
		}
	}
	down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_health_upstream),
	    cmocka_unit_test(test_order_number_reuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
