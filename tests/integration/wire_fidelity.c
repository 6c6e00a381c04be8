/* Integration tests of KIS wire fidelity (issues 8 and 9) against the real
 * kis-sim: the replies real KIS sends that kisgw once misread — an
 * all-zero quote for an unknown code, EGW00215/EGW00300/unknown EGW codes,
 * holdings that share a code, order numbers without their zeros, the
 * EGW00133 text and the adaptive limiter. Each test starts its own
 * simulator and gateway on free ports. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define CLOCK "2026-11-24T10:00:00+09:00"

typedef h_stack testenv;

/* Simulator (session open, fixed seed) + gateway with extra env. */
static void up(testenv *e, const char *const *sim_args, const char *const *gw_env)
{
	assert_int_equal(h_stack_up(e, CLOCK, sim_args, gw_env, NULL), 0);
}

static void down(testenv *e)
{
	assert_int_equal(h_stack_down(e), 0);
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
	assert_int_equal(h_sim_fault(e->sim.port, match, kind, count), 0);
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
	/* the 52-week high and low with their dates (fields added) */
	json_int_t hi = json_integer_value(json_object_get(r.json, "high"));
	json_int_t lo = json_integer_value(json_object_get(r.json, "low"));
	assert_true(json_integer_value(json_object_get(r.json, "w52_high")) >= hi);
	assert_true(json_integer_value(json_object_get(r.json, "w52_low")) <= lo);
	assert_true(json_integer_value(json_object_get(r.json, "w52_low")) > 0);
	const char *hd = json_string_value(json_object_get(r.json, "w52_high_date"));
	assert_non_null(hd);
	assert_int_equal(strlen(hd), 10); /* YYYY-MM-DD */
	assert_true(strcmp(hd, "2025-11-24") >= 0 && strcmp(hd, "2026-11-24") <= 0);
	assert_non_null(json_string_value(json_object_get(r.json, "w52_low_date")));
	h_resp_free(&r);
	down(&e);
}

/* After KIS says one token a minute (EGW00133), error.kis.msg1 is KIS's
 * own error_description and message is kisgw's explanation. */
static void test_egw00133_text(void **state)
{
	const char *gw_env[] = {"KISGW_TOKEN_MIN_INTERVAL_S=1", NULL};
	testenv e;
	up(&e, NULL, gw_env);
	h_resp r;
	assert_int_equal(get(e.gw.port, "/price?code=005930", &r), 200);
	h_resp_free(&r);
	long st;
	/* the token dies within the simulator's minute: re-issuing is refused */
	json_decref(h_json(e.sim.port, "POST", "/__sim/token/expire", "{}", &st));
	assert_int_equal(st, 200);
	sleep(2); /* past the gateway's own guard, shortened to 1 s */
	assert_int_equal(get(e.gw.port, "/price?code=000660", &r), 503);
	assert_string_equal(h_err_code(&r), "token_unavailable");
	json_t *err = json_object_get(r.json, "error");
	json_t *kis = json_object_get(err, "kis");
	assert_string_equal(json_string_value(json_object_get(kis, "msg_cd")), "EGW00133");
	assert_non_null(strstr(json_string_value(json_object_get(kis, "msg1")), "1분당 1회"));
	assert_non_null(strstr(json_string_value(json_object_get(err, "message")),
	                       "one access token a minute"));
	h_resp_free(&r);
	down(&e);
}

/* One code held as cash and as a margin loan: two /balance rows told apart
 * by trade_type, the loan row with its loan_date; sellable_qty per row. */
static void test_holdings_by_trade_type(void **state)
{
	testenv e;
	up(&e, NULL, NULL);
	long st;
	json_decref(h_json(e.sim.port, "POST", "/__sim/reset",
	                   "{\"account\":\"50012345-01\",\"cash\":1000000,\"holdings\":["
	                   "{\"code\":\"005930\",\"qty\":1657,\"avg_price\":70000},"
	                   "{\"code\":\"005930\",\"qty\":3,\"avg_price\":71000,"
	                   "\"trade_type\":\"margin_loan\",\"loan_date\":\"2021-12-23\"}]}",
	                   &st));
	assert_int_equal(st, 200);
	h_resp r;
	assert_int_equal(get(e.gw.port, "/balance", &r), 200);
	json_t *hs = json_object_get(r.json, "holdings");
	assert_int_equal(json_array_size(hs), 2);
	int seen_cash = 0, seen_loan = 0;
	size_t i;
	json_t *h;
	json_array_foreach(hs, i, h)
	{
		assert_string_equal(json_string_value(json_object_get(h, "code")), "005930");
		const char *tt = json_string_value(json_object_get(h, "trade_type"));
		json_int_t qty = json_integer_value(json_object_get(h, "qty"));
		if (!strcmp(tt, "cash")) {
			seen_cash = 1;
			assert_int_equal(qty, 1657);
			assert_string_equal(
			    json_string_value(json_object_get(h, "trade_type_name")), "현금");
			assert_null(json_object_get(h, "loan_date"));
		} else {
			seen_loan = 1;
			assert_string_equal(tt, "margin_loan");
			assert_int_equal(qty, 3);
			assert_int_equal(json_integer_value(json_object_get(h, "sellable_qty")), 3);
			assert_string_equal(
			    json_string_value(json_object_get(h, "trade_type_name")), "자기융자");
			assert_string_equal(json_string_value(json_object_get(h, "loan_date")),
			                    "2021-12-23");
		}
	}
	assert_true(seen_cash && seen_loan);
	h_resp_free(&r);
	down(&e);
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static long call(testenv *e, const char *method, const char *path, const char *body, h_resp *r)
{
	assert_int_equal(h_http(r, method, e->gw.port, path, body, NULL), 0);
	return r->status;
}

/* kis-sim answers order numbers without their leading zeros, as a virtual
 * order-cash reply does: kisgw keeps the one normalised form, so the order
 * still matches its (fixed-width) history row and can be cancelled. */
static void test_unpadded_order_numbers(void **state)
{
	testenv e;
	up(&e, NULL, NULL);
	long st;
	json_decref(h_json(e.sim.port, "POST", "/__sim/session", "{\"odno_unpadded\":true}", &st));
	assert_int_equal(st, 200);
	h_resp r;
	assert_int_equal(call(&e, "POST", "/orders",
	                      "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":2,\"type\":"
	                      "\"market\"}",
	                      &r),
	                 201);
	json_int_t id = json_integer_value(json_object_get(r.json, "id"));
	const char *no = jstr(r.json, "broker_order_no");
	assert_int_equal(strlen(no), 10);
	assert_true(no[0] == '0' && strspn(no, "0123456789") == 10);
	h_resp_free(&r);
	/* the sim really answered the short form */
	json_t *so = h_json(e.sim.port, "GET", "/__sim/orders", NULL, &st);
	assert_int_equal(json_array_size(json_object_get(so, "orders")), 1);
	json_decref(so);
	assert_int_equal(call(&e, "POST", "/orders/reconcile", NULL, &r), 200);
	h_resp_free(&r);
	char path[64];
	snprintf(path, sizeof(path), "/orders/%lld", (long long)id);
	assert_int_equal(call(&e, "GET", path, NULL, &r), 200);
	assert_string_equal(jstr(r.json, "status"), "filled");
	h_resp_free(&r);

	/* a resting limit order, cancelled by its normalised number */
	assert_int_equal(get(e.gw.port, "/price?code=005930", &r), 200);
	json_int_t low = json_integer_value(json_object_get(r.json, "lower_limit"));
	h_resp_free(&r);
	char body[160];
	snprintf(body, sizeof(body),
	         "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"limit\","
	         "\"price\":%lld}",
	         (long long)low);
	assert_int_equal(call(&e, "POST", "/orders", body, &r), 201);
	id = json_integer_value(json_object_get(r.json, "id"));
	assert_int_equal(strlen(jstr(r.json, "broker_order_no")), 10);
	h_resp_free(&r);
	snprintf(path, sizeof(path), "/orders/%lld", (long long)id);
	long cs = call(&e, "DELETE", path, NULL, &r);
	assert_true(cs == 200 || cs == 202);
	h_resp_free(&r);
	assert_int_equal(call(&e, "POST", "/orders/reconcile", NULL, &r), 200);
	h_resp_free(&r);
	assert_int_equal(call(&e, "GET", path, NULL, &r), 200);
	assert_string_equal(jstr(r.json, "status"), "canceled");
	h_resp_free(&r);
	down(&e);
}

static size_t sim_orders(testenv *e)
{
	json_t *j = h_json(e->sim.port, "GET", "/__sim/orders", NULL, NULL);
	size_t n = json_array_size(json_object_get(j, "orders"));
	json_decref(j);
	return n;
}

static const char *kis_code_of(const h_resp *r)
{
	json_t *k = json_object_get(json_object_get(r->json, "error"), "kis");
	const char *c = json_string_value(json_object_get(k, "msg_cd"));
	return c ? c : "";
}

/* EGW00215 (the account ledger's per-second limit; KIS did not process
 * it): a read retries and succeeds, an order gets the one bounded resend. */
static void test_egw00215(void **state)
{
	testenv e;
	up(&e, NULL, NULL);
	h_resp r;
	fault(&e, "VTTC8434R", "egw00215", 1);
	assert_int_equal(get(e.gw.port, "/balance", &r), 200);
	h_resp_free(&r);
	fault(&e, "order-cash", "egw00215", 1);
	assert_int_equal(call(&e, "POST", "/orders",
	                      "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":"
	                      "\"market\",\"client_order_id\":\"e215\"}",
	                      &r),
	                 201);
	assert_string_equal(jstr(r.json, "status"), "submitted");
	h_resp_free(&r);
	assert_int_equal(sim_orders(&e), 1);
	assert_int_equal(h_sim_counter(e.sim.port, "faults_fired"), 2);
	down(&e);
}

/* EGW00300 (gateway routing error) and an EGW code nobody knows, on HTTP
 * 500: a read retries then answers 502; an order is `unknown` (reconciled),
 * never `rejected` and never re-sent. */
static void test_gateway_failures(void **state)
{
	testenv e;
	up(&e, NULL, NULL);
	h_resp r;
	static const char *const kinds[] = {"egw00300", "egw_unknown"};
	static const char *const codes[] = {"EGW00300", "EGW99001"};
	long long fired = 0;
	for (int i = 0; i < 2; i++) {
		fault(&e, "VTTC8908R", kinds[i], 10);
		assert_int_equal(get(e.gw.port, "/cash", &r), 502);
		assert_string_equal(h_err_code(&r), "upstream_error");
		assert_string_equal(kis_code_of(&r), codes[i]);
		h_resp_free(&r);
		long long now_fired = h_sim_counter(e.sim.port, "faults_fired");
		assert_true(now_fired - fired >= 2); /* retried */
		fired = now_fired;
		long st;
		json_decref(h_json(e.sim.port, "POST", "/__sim/fault", "{\"clear\":true}", &st));

		fault(&e, "order-cash", kinds[i], 2);
		char body[160];
		snprintf(body, sizeof(body),
		         "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\","
		         "\"client_order_id\":\"gw-%d\"}",
		         i);
		assert_int_equal(call(&e, "POST", "/orders", body, &r), 202);
		assert_string_equal(jstr(r.json, "status"), "unknown");
		h_resp_free(&r);
		/* sent once: the second armed fault is still waiting */
		assert_int_equal(h_sim_counter(e.sim.port, "faults_fired"), fired + 1);
		fired++;
		json_decref(h_json(e.sim.port, "POST", "/__sim/fault", "{\"clear\":true}", &st));
		/* a replay of the key answers the same unknown order, no second send */
		assert_int_equal(call(&e, "POST", "/orders", body, &r), 200);
		assert_string_equal(jstr(r.json, "status"), "unknown");
		h_resp_free(&r);
	}
	assert_int_equal(sim_orders(&e), 0);
	down(&e);
}

typedef struct hammer {
	int port;
	int64_t until_ms;
	int ok, other;
} hammer;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *hammer_run(void *arg)
{
	hammer *h = arg;
	while (now_ms() < h->until_ms) {
		h_resp r;
		if (h_http(&r, "GET", h->port, "/cash", NULL, NULL) == 0 && r.status == 200)
			h->ok++;
		else
			h->other++;
		h_resp_free(&r);
	}
	return NULL;
}

/* A real account whose KIS limit (kis-sim --rate 10) is below kisgw's
 * ceiling (18/s by default): the limiter adapts after EGW00201 and settles
 * under KIS's limit, with few refusals and no client errors. */
static void test_adaptive_rate(void **state)
{
	const char *sim_args[] = {"--env", "real", "--rate", "10", NULL};
	const char *gw_env[] = {"KIS_ENV=real", "KISGW_ALLOW_REAL=yes", NULL};
	testenv e;
	up(&e, sim_args, gw_env);
	h_resp r;
	assert_int_equal(get(e.gw.port, "/healthz", &r), 200);
	json_t *rate = json_object_get(r.json, "rate");
	assert_int_equal(json_integer_value(json_object_get(rate, "limit")), 19);
	h_resp_free(&r);
	enum { N = 12 };
	hammer h[N];
	pthread_t th[N];
	int64_t t0 = now_ms();
	for (int i = 0; i < N; i++) {
		h[i] = (hammer){e.gw.port, t0 + 8000, 0, 0};
		assert_int_equal(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
	}
	/* the last three seconds: upstream calls per second once settled */
	struct timespec five = {5, 0};
	nanosleep(&five, NULL);
	long long req_a = h_sim_counter(e.sim.port, "requests");
	int64_t ta = now_ms();
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	long long req_b = h_sim_counter(e.sim.port, "requests");
	int64_t tb = now_ms();
	int ok = 0, other = 0;
	for (int i = 0; i < N; i++) {
		ok += h[i].ok;
		other += h[i].other;
	}
	long long limited = h_sim_counter(e.sim.port, "rate_limited");
	long long total = h_sim_counter(e.sim.port, "requests");
	double settled = (double)(req_b - req_a) * 1000.0 / (double)(tb - ta);
	print_message("adaptive rate: %d ok, %d other, %lld upstream, %lld EGW00201, %.1f/s "
	              "settled\n",
	              ok, other, total, limited, settled);
	assert_int_equal(other, 0); /* no client errors */
	assert_true(ok > 0);
	assert_true(settled <= 10.5); /* under KIS's limit */
	/* few refusals: most come in the first two windows, while the ceiling
	 * (18) comes down to KIS's 10; measured 10-20 of ~100 */
	assert_true(limited * 10 <= total * 3);
	assert_int_equal(get(e.gw.port, "/healthz", &r), 200);
	rate = json_object_get(r.json, "rate");
	json_int_t cur = json_integer_value(json_object_get(rate, "current"));
	print_message("rate now %lld of %lld\n", (long long)cur,
	              (long long)json_integer_value(json_object_get(rate, "limit")));
	assert_true(cur >= 1 && cur <= 12);
	h_resp_free(&r);
	down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_zero_quote_is_unknown_code),
	    cmocka_unit_test(test_egw00133_text),
	    cmocka_unit_test(test_holdings_by_trade_type),
	    cmocka_unit_test(test_unpadded_order_numbers),
	    cmocka_unit_test(test_adaptive_rate),
	    cmocka_unit_test(test_egw00215),
	    cmocka_unit_test(test_gateway_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
