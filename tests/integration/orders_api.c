/* orders_api.c — the orders and ledger endpoints over HTTP, against the real
 * kisgw and kis-sim: bad input (table), every status transition,
 * idempotency, cancels, unknown -> reconciled, backfill of an existing
 * portfolio on first start, aged holdings and the calendar. */
#include <pthread.h>
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

#define CLOCK   "2026-11-24T10:00:00+09:00"
#define ACCOUNT "50012345-01"

typedef h_stack testenv;

static void sim_post(testenv *e, const char *path, const char *body)
{
	assert_int_equal(h_sim_post(e->sim.port, path, body), 0);
}

/* Simulator first (optionally seeded with an account history), then kisgw. */
static void up(testenv *e, const char *seed, const char *const *gw_env)
{
	static const char *const sim[] = {"--rate", "0", NULL};
	static const char *const gw[] = {"KISGW_RATE_LIMIT=1000", "KISGW_RECONCILE_INTERVAL=3600",
	                                 NULL};
	assert_int_equal(h_stack_sim(e, CLOCK, sim), 0);
	sim_post(e, "/__sim/reset",
	         seed ? seed : "{\"account\":\"" ACCOUNT "\",\"cash\":1000000000}");
	assert_int_equal(h_stack_gw(e, CLOCK, gw, gw_env), 0);
}

static void down(testenv *e)
{
	assert_int_equal(h_stack_down(e), 0);
}

static long call(testenv *e, const char *method, const char *path, const char *body,
                 const char *const *headers, h_resp *r)
{
	assert_int_equal(h_http(r, method, e->gw.port, path, body, headers), 0);
	return r->status;
}

static json_int_t jint(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static void reconcile(testenv *e)
{
	h_resp r;
	assert_int_equal(call(e, "POST", "/orders/reconcile", NULL, NULL, &r), 200);
	h_resp_free(&r);
}

static size_t sim_orders(testenv *e)
{
	json_t *j = h_json(e->sim.port, "GET", "/__sim/orders", NULL, NULL);
	size_t n = json_array_size(json_object_get(j, "orders"));
	json_decref(j);
	return n;
}

static void test_bad_input(void **state)
{
	(void)state;
	testenv e;
	up(&e, NULL, (const char *[]){"KISGW_MAX_BODY=4096", NULL});
	static char big[8192];
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	const char *key_hdr[] = {"Idempotency-Key: k-1", NULL};
	const char *bad_hdr[] = {"Idempotency-Key: bad key!", NULL};
	struct {
		const char *body;
		const char *const *headers;
		long status;
		const char *code, *field;
	} cases[] = {
	    {"{\"code\":\"005930\",", NULL, 400, "invalid_json", NULL},
	    {"not json", NULL, 400, "invalid_json", NULL},
	    {"[{\"code\":\"005930\"}]", NULL, 400, "bad_request", NULL},
	    {"\"005930\"", NULL, 400, "invalid_json", NULL},
	    {"{}", NULL, 400, "missing_field", "code"},
	    {"{\"code\":5930,\"side\":\"buy\",\"qty\":1,\"type\":\"market\"}", NULL, 400,
	     "invalid_field", "code"},
	    {"{\"code\":\"5930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\"}", NULL, 400,
	     "invalid_field", "code"},
	    {"{\"code\":\"005930\",\"side\":\"hold\",\"qty\":1,\"type\":\"market\"}", NULL, 400,
	     "invalid_field", "side"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":\"1\",\"type\":\"market\"}", NULL, 400,
	     "invalid_field", "qty"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1.5,\"type\":\"market\"}", NULL, 400,
	     "invalid_field", "qty"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":0,\"type\":\"market\"}", NULL, 400,
	     "invalid_field", "qty"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":true,\"type\":\"market\"}", NULL, 400,
	     "invalid_field", "qty"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1}", NULL, 400, "missing_field",
	     "type"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"stop\"}", NULL, 400,
	     "invalid_field", "type"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"limit\"}", NULL, 400,
	     "missing_field", "price"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"limit\",\"price\":72050}",
	     NULL, 400, "invalid_field", "price"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"limit\",\"price\":"
	     "\"72000\"}",
	     NULL, 400, "invalid_field", "price"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\",\"price\":72000}",
	     NULL, 400, "invalid_field", "price"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\",\"note\":1}",
	     NULL, 400, "unknown_field", "note"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\","
	     "\"client_order_id\":\"a b\"}",
	     NULL, 400, "invalid_field", "client_order_id"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\","
	     "\"client_order_id\":\"k-2\"}",
	     key_hdr, 400, "idempotency_key_mismatch", NULL},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\"}", bad_hdr, 400,
	     "invalid_field", "client_order_id"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":100001,\"type\":\"market\"}", NULL, 400,
	     "over_limit", "qty"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":5000,\"type\":\"market\"}", NULL, 400,
	     "over_limit", "qty"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":5000,\"type\":\"limit\",\"price\":"
	     "70000}",
	     NULL, 400, "over_limit", "qty"},
	    {"{\"code\":\"005930\",\"code\":\"000660\",\"side\":\"buy\",\"qty\":1,"
	     "\"type\":\"market\"}",
	     NULL, 400, "invalid_json", NULL},
	    {big, NULL, 413, "body_too_large", NULL},
	    /* Valued at the current price first: an unknown code is 404, as on /price. */
	    {"{\"code\":\"999999\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\"}", NULL, 404,
	     "unknown_code", "code"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h_resp r;
		long st = call(&e, "POST", "/orders", cases[i].body, cases[i].headers, &r);
		if (st != cases[i].status || strcmp(h_err_code(&r), cases[i].code))
			fail_msg("case %zu: %ld %s, want %ld %s: %.200s", i, st, h_err_code(&r),
			         cases[i].status, cases[i].code, r.body ? r.body : "");
		if (cases[i].field) {
			const char *f = jstr(json_object_get(r.json, "error"), "field");
			if (strcmp(f, cases[i].field))
				fail_msg("case %zu: field %s, want %s", i, f, cases[i].field);
		}
		h_resp_free(&r);
	}
	/* Nothing reached KIS, nothing was journaled. */
	assert_int_equal(sim_orders(&e), 0);
	h_resp r;
	assert_int_equal(call(&e, "GET", "/orders", NULL, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "orders")), 0);
	h_resp_free(&r);
	/* Bad query parameters and ids. */
	/* path, error code, the field named (NULL: not checked) */
	const char *paths[][3] = {
	    {"/orders?status=done", "invalid_parameter", "status"},
	    {"/orders?limit=0", "invalid_parameter", "limit"},
	    {"/orders?limit=1001", "invalid_parameter", "limit"},
	    {"/orders?limit=1x", "invalid_parameter", "limit"},
	    {"/orders?code=12", "invalid_parameter", "code"},
	    {"/orders?from=2026-13-01", "invalid_parameter", "from"},
	    {"/orders?from=2026-11-25&to=2026-11-24", "invalid_parameter", "from"},
	    {"/orders?cursor=zzz", "invalid_parameter", "cursor"},
	    {"/orders?bogus=1", "invalid_parameter", "bogus"},
	    {"/orders/0", "not_found", NULL},
	    {"/orders/abc", "not_found", NULL},
	    {"/orders/99999", "not_found", NULL},
	    {"/holdings/aged?days=-1", "invalid_parameter", NULL},
	    {"/holdings/aged?days=x", "invalid_parameter", NULL},
	    {"/calendar?from=2026-02-30", "invalid_parameter", NULL},
	    {"/calendar?from=2026-12-01&to=2026-11-01", "invalid_parameter", NULL},
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		long st = call(&e, "GET", paths[i][0], NULL, NULL, &r);
		if (strcmp(h_err_code(&r), paths[i][1]))
			fail_msg("%s: %ld %s", paths[i][0], st, h_err_code(&r));
		const char *field =
		    json_string_value(json_object_get(json_object_get(r.json, "error"), "field"));
		if (paths[i][2] && (!field || strcmp(field, paths[i][2])))
			fail_msg("%s: field %s, want %s", paths[i][0], field ? field : "none",
			         paths[i][2]);
		h_resp_free(&r);
	}
	assert_int_equal(call(&e, "DELETE", "/orders/12345", NULL, NULL, &r), 404);
	h_resp_free(&r);
	down(&e);
}

static void test_lifecycle(void **state)
{
	(void)state;
	testenv e;
	up(&e, NULL, NULL);
	h_resp r;
	const char *body = "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":10,\"type\":\"market\","
	                   "\"client_order_id\":\"life-1\"}";
	/* 201 submitted, with Location; then 200 replay, 409 reuse. */
	assert_int_equal(call(&e, "POST", "/orders", body, NULL, &r), 201);
	json_int_t id = jint(r.json, "id");
	assert_string_equal(jstr(r.json, "status"), "submitted");
	assert_int_equal(strlen(jstr(r.json, "broker_order_no")), 10);
	char loc[64], want[64];
	snprintf(want, sizeof(want), "/orders/%lld", (long long)id);
	assert_string_equal(h_header(&r, "Location", loc, sizeof(loc)), want);
	h_resp_free(&r);
	assert_int_equal(call(&e, "POST", "/orders", body, NULL, &r), 200);
	assert_int_equal(jint(r.json, "id"), id);
	h_resp_free(&r);
	const char *hdr[] = {"Idempotency-Key: life-1", NULL};
	assert_int_equal(
	    call(&e, "POST", "/orders",
	         "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":10,\"type\":\"market\"}", hdr, &r),
	    200);
	assert_int_equal(jint(r.json, "id"), id);
	h_resp_free(&r);
	assert_int_equal(
	    call(&e, "POST", "/orders",
	         "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":11,\"type\":\"market\","
	         "\"client_order_id\":\"life-1\"}",
	         NULL, &r),
	    409);
	assert_string_equal(h_err_code(&r), "idempotency_key_reused");
	h_resp_free(&r);
	assert_int_equal(sim_orders(&e), 1);
	/* Reconciled: filled, with its fill. */
	reconcile(&e);
	assert_int_equal(call(&e, "GET", want, NULL, NULL, &r), 200);
	assert_string_equal(jstr(r.json, "status"), "filled");
	assert_int_equal(jint(r.json, "filled_qty"), 10);
	assert_true(json_number_value(json_object_get(r.json, "avg_fill_price")) > 0);
	json_t *fills = json_object_get(r.json, "fills");
	assert_int_equal(json_array_size(fills), 1);
	assert_int_equal(jint(json_array_get(fills, 0), "qty"), 10);
	h_resp_free(&r);
	/* Final: DELETE is 409 with the order. */
	assert_int_equal(call(&e, "DELETE", want, NULL, NULL, &r), 409);
	assert_string_equal(h_err_code(&r), "order_final");
	assert_string_equal(jstr(json_object_get(r.json, "order"), "status"), "filled");
	h_resp_free(&r);

	/* Above the upper limit: refused before KIS sees it (400, price). */
	assert_int_equal(call(&e, "POST", "/orders",
	                      "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":"
	                      "\"limit\",\"price\":500000}",
	                      NULL, &r),
	                 400);
	assert_string_equal(h_err_code(&r), "invalid_field");
	h_resp_free(&r);
	/* 422 rejected (a sell of shares not held: only KIS knows), replayed as is. */
	assert_int_equal(call(&e, "GET", "/price?code=035720", NULL, NULL, &r), 200);
	char rej[256];
	snprintf(rej, sizeof(rej),
	         "{\"code\":\"035720\",\"side\":\"sell\",\"qty\":1,\"type\":\"limit\","
	         "\"price\":%lld,\"client_order_id\":\"rej-1\"}",
	         (long long)jint(r.json, "price"));
	h_resp_free(&r);
	assert_int_equal(call(&e, "POST", "/orders", rej, NULL, &r), 422);
	assert_string_equal(h_err_code(&r), "order_rejected");
	json_t *o = json_object_get(r.json, "order");
	assert_string_equal(jstr(o, "status"), "rejected");
	assert_true(strlen(jstr(o, "reject_code")) > 0);
	assert_true(
	    strlen(jstr(json_object_get(json_object_get(r.json, "error"), "kis"), "msg_cd")) > 0);
	h_resp_free(&r);
	assert_int_equal(call(&e, "POST", "/orders", rej, NULL, &r), 200);
	assert_string_equal(jstr(r.json, "status"), "rejected");
	h_resp_free(&r);

	/* Resting limit order: submitted, then DELETE -> 200 canceled. */
	assert_int_equal(call(&e, "POST", "/orders",
	                      "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":2,\"type\":\"limit\","
	                      "\"price\":60000}",
	                      NULL, &r),
	                 201);
	char path[64];
	snprintf(path, sizeof(path), "/orders/%lld", (long long)jint(r.json, "id"));
	h_resp_free(&r);
	assert_int_equal(call(&e, "DELETE", path, NULL, NULL, &r), 200);
	assert_string_equal(jstr(r.json, "status"), "canceled");
	h_resp_free(&r);
	assert_int_equal(call(&e, "DELETE", path, NULL, NULL, &r), 409);
	h_resp_free(&r);

	/* Partial fills, then cancel of the rest. */
	sim_post(&e, "/__sim/session", "{\"partial_fill_qty\":2}");
	assert_int_equal(
	    call(&e, "POST", "/orders",
	         "{\"code\":\"000660\",\"side\":\"buy\",\"qty\":5,\"type\":\"market\"}", NULL, &r),
	    201);
	snprintf(path, sizeof(path), "/orders/%lld", (long long)jint(r.json, "id"));
	h_resp_free(&r);
	reconcile(&e);
	assert_int_equal(call(&e, "GET", path, NULL, NULL, &r), 200);
	assert_string_equal(jstr(r.json, "status"), "partially_filled");
	assert_int_equal(jint(r.json, "filled_qty"), 2);
	h_resp_free(&r);
	assert_int_equal(call(&e, "DELETE", path, NULL, NULL, &r), 200);
	assert_string_equal(jstr(r.json, "status"), "canceled");
	assert_int_equal(jint(r.json, "filled_qty"), 2);
	assert_int_equal(json_array_size(json_object_get(r.json, "fills")), 1);
	h_resp_free(&r);
	sim_post(&e, "/__sim/session", "{\"partial_fill_qty\":0}");

	/* Unknown (connection dropped after KIS took it) -> 202, then reconciled. */
	sim_post(&e, "/__sim/fault", "{\"match\":\"order-cash\",\"kind\":\"drop_after_order\"}");
	assert_int_equal(call(&e, "POST", "/orders",
	                      "{\"code\":\"035720\",\"side\":\"buy\",\"qty\":3,\"type\":\"market\","
	                      "\"client_order_id\":\"unk-1\"}",
	                      NULL, &r),
	                 202);
	assert_string_equal(jstr(r.json, "status"), "unknown");
	snprintf(path, sizeof(path), "/orders/%lld", (long long)jint(r.json, "id"));
	h_resp_free(&r);
	reconcile(&e);
	assert_int_equal(call(&e, "GET", path, NULL, NULL, &r), 200);
	assert_string_equal(jstr(r.json, "status"), "filled");
	assert_int_equal(strlen(jstr(r.json, "broker_order_no")), 10);
	h_resp_free(&r);

	/* Not sent (rate limited past the bounded resend) -> 503; the key is free. */
	sim_post(&e, "/__sim/fault",
	         "{\"match\":\"order-cash\",\"kind\":\"rate_limit\",\"count\":100}");
	const char *ns = "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\","
	                 "\"client_order_id\":\"ns-1\"}";
	assert_int_equal(call(&e, "POST", "/orders", ns, NULL, &r), 503);
	assert_string_equal(jstr(json_object_get(r.json, "order"), "status"), "not_sent");
	assert_non_null(h_header(&r, "Retry-After", loc, sizeof(loc)));
	h_resp_free(&r);
	sim_post(&e, "/__sim/fault", "{\"clear\":true}");
	assert_int_equal(call(&e, "POST", "/orders", ns, NULL, &r), 201);
	h_resp_free(&r);

	/* The list: newest first, filters, cursor pages cover everything once. */
	size_t total = 0;
	char cursor[80] = "";
	json_int_t prev = INT64_MAX;
	for (int page = 0; page < 20; page++) {
		char p[160];
		snprintf(p, sizeof(p), "/orders?limit=2%s%s", cursor[0] ? "&cursor=" : "", cursor);
		assert_int_equal(call(&e, "GET", p, NULL, NULL, &r), 200);
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(r.json, "orders"), i, x)
		{
			assert_true(jint(x, "id") < prev);
			prev = jint(x, "id");
			total++;
		}
		const char *nc = json_string_value(json_object_get(r.json, "next_cursor"));
		snprintf(cursor, sizeof(cursor), "%s", nc ? nc : "");
		h_resp_free(&r);
		if (!cursor[0])
			break;
	}
	assert_int_equal(total, 7); /* life, rej, limit, partial, unknown, not_sent, resent */
	assert_int_equal(
	    call(&e, "GET", "/orders?status=canceled&side=buy&code=000660", NULL, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "orders")), 1);
	h_resp_free(&r);
	assert_int_equal(call(&e, "GET", "/orders?source=external", NULL, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "orders")), 0);
	h_resp_free(&r);
	/* Every order KIS took is in the ledger once. */
	/* life, limit, partial, unknown, resent (a rejected order is not taken)
	 * + the two cancel orders. */
	assert_int_equal(sim_orders(&e), 5 + 2);
	down(&e);
}

typedef struct racer {
	pthread_t th;
	int port;
	long status;
	json_int_t id;
} racer;

static void *race_post(void *arg)
{
	racer *x = arg;
	h_resp r;
	if (h_http(&r, "POST", x->port, "/orders",
	           "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\","
	           "\"client_order_id\":\"race-1\"}",
	           NULL) == 0) {
		x->status = r.status;
		x->id = json_integer_value(json_object_get(r.json, "id"));
	}
	h_resp_free(&r);
	return NULL;
}

/* Ten clients send the same key at once: one order reaches KIS, one 201,
 * the others get the same order back (200). */
static void test_same_key_race(void **state)
{
	(void)state;
	testenv e;
	up(&e, NULL, NULL);
	racer x[10];
	for (int i = 0; i < 10; i++) {
		x[i] = (racer){.port = e.gw.port};
		pthread_create(&x[i].th, NULL, race_post, &x[i]);
	}
	int created = 0;
	for (int i = 0; i < 10; i++) {
		pthread_join(x[i].th, NULL);
		assert_true(x[i].status == 201 || x[i].status == 200);
		created += x[i].status == 201;
		assert_int_equal(x[i].id, x[0].id);
	}
	assert_int_equal(created, 1);
	assert_int_equal(sim_orders(&e), 1);
	down(&e);
}

static const char *SEED =
    "{\"account\":\"" ACCOUNT "\",\"cash\":100000000,\"orders\":["
    "{\"date\":\"2026-11-16\",\"time\":\"090500\",\"code\":\"005930\",\"side\":\"buy\","
    "\"qty\":10,\"price\":70000,\"filled_qty\":10},"
    "{\"date\":\"2026-11-18\",\"time\":\"100000\",\"code\":\"005930\",\"side\":\"buy\","
    "\"qty\":5,\"price\":71000,\"filled_qty\":5},"
    "{\"date\":\"2026-11-19\",\"time\":\"110000\",\"code\":\"005930\",\"side\":\"sell\","
    "\"qty\":12,\"price\":72000,\"filled_qty\":12},"
    "{\"date\":\"2026-09-23\",\"time\":\"093000\",\"code\":\"000660\",\"side\":\"buy\","
    "\"qty\":4,\"price\":180000,\"filled_qty\":4}]}";

static json_t *holding(json_t *aged, const char *code)
{
	size_t i;
	json_t *h;
	json_array_foreach(json_object_get(aged, "holdings"), i, h)
	{
		if (!strcmp(jstr(h, "code"), code))
			return h;
	}
	return NULL;
}

static void test_backfill_and_aged(void **state)
{
	(void)state;
	testenv e;
	up(&e, SEED, NULL);
	reconcile(&e); /* the first pass is the backfill; wait for one */
	h_resp r;
	assert_int_equal(call(&e, "GET", "/orders?source=external", NULL, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "orders")), 4);
	h_resp_free(&r);
	/* 005930: 10 (11-16) + 5 (11-18) - 12 sold (FIFO) = 3 of the 11-18 lot:
	 * 4 business days by Tue 11-24 (19, 20, 23, 24), so not in days=5. */
	long long before = h_sim_counter(e.sim.port, "requests");
	assert_int_equal(call(&e, "GET", "/holdings/aged", NULL, NULL, &r), 200);
	/* Answered from the ledger alone: the only new simulator request is
	 * this second counters read. */
	assert_int_equal(h_sim_counter(e.sim.port, "requests"), before + 1);
	assert_int_equal(jint(r.json, "days"), 5);
	assert_string_equal(jstr(r.json, "as_of"), "2026-11-24");
	assert_null(holding(r.json, "005930"));
	/* 000660 bought Wed 09-23; Chuseok 09-24..09-25, 10-05 (substitute) and
	 * 10-09 closed: September 28-30 (3) + October 22 weekdays - 2 (20) +
	 * November 2-24 (17) = 40. */
	json_t *h = holding(r.json, "000660");
	assert_non_null(h);
	assert_int_equal(jint(h, "qty"), 4);
	assert_string_equal(jstr(h, "acquired_on"), "2026-09-23");
	assert_int_equal(jint(h, "business_days_held"), 40);
	h_resp_free(&r);
	assert_int_equal(call(&e, "GET", "/holdings/aged?days=4", NULL, NULL, &r), 200);
	h = holding(r.json, "005930");
	assert_non_null(h);
	assert_int_equal(jint(h, "qty"), 3);
	assert_string_equal(jstr(h, "acquired_on"), "2026-11-18");
	assert_int_equal(jint(h, "business_days_held"), 4);
	json_t *lots = json_object_get(h, "lots");
	assert_int_equal(json_array_size(lots), 1);
	assert_int_equal(jint(json_array_get(lots, 0), "qty"), 3);
	h_resp_free(&r);
	/* A buy today joins the ledger but is 0 days old. */
	assert_int_equal(
	    call(&e, "POST", "/orders",
	         "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":2,\"type\":\"market\"}", NULL, &r),
	    201);
	h_resp_free(&r);
	reconcile(&e);
	assert_int_equal(call(&e, "GET", "/holdings/aged?days=0", NULL, NULL, &r), 200);
	h = holding(r.json, "005930");
	assert_int_equal(jint(h, "qty"), 5);
	assert_int_equal(json_array_size(json_object_get(h, "lots")), 2);
	h_resp_free(&r);
	/* On-demand backfill adds nothing twice. */
	assert_int_equal(call(&e, "POST", "/orders/backfill?days=120", NULL, NULL, &r), 200);
	h_resp_free(&r);
	assert_int_equal(call(&e, "GET", "/orders?limit=100", NULL, NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "orders")), 5);
	h_resp_free(&r);
	/* The calendar. */
	assert_int_equal(call(&e, "GET", "/calendar?from=2026-09-21&to=2026-10-09", NULL, NULL, &r),
	                 200);
	json_t *days = json_object_get(r.json, "trading_days");
	/* 21-23, 28-30 September, 1-2 and 6-8 October. */
	assert_int_equal(json_array_size(days), 11);
	assert_string_equal(json_string_value(json_array_get(days, 0)), "2026-09-21");
	json_t *hol = json_object_get(r.json, "holidays");
	assert_true(json_array_size(hol) >= 4);
	assert_string_equal(jstr(json_array_get(hol, 0), "date"), "2026-09-24");
	h_resp_free(&r);
	down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_lifecycle),
	    cmocka_unit_test(test_same_key_race),
	    cmocka_unit_test(test_backfill_and_aged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
