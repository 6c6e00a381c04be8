/* orders_vocab.c — orders as traders use them, over HTTP against the real
 * kisgw and kis-sim: a table over (type, time_in_force, venue, env,
 * session) where accepted orders reach kis-sim with the right ORD_DVSN and
 * price field and refused ones never leave; an amend -> partial fill ->
 * amend -> cancel chain (filled qty, average price, fills per KIS number,
 * FIFO lots); a kill -9 while an amendment is in flight, reconciled without
 * a duplicate; the trading halt for new orders and amendments (cancels go
 * through) across a restart; the preview. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define ACCOUNT "50012345-01"
#define DAY     "2026-11-24T"

typedef struct testenv {
	h_proc sim, gw;
	char *dir;
	int real;
	char clock[96];
} testenv;

static void sim_post(testenv *e, const char *path, const char *body)
{
	assert_int_equal(h_sim_post(e->sim.port, path, body), 0);
}

static void gw_up(testenv *e)
{
	const char *env[] = {e->clock,
	                     "KISGW_RATE_LIMIT=1000",
	                     "KISGW_RECONCILE_INTERVAL=3600",
	                     e->real ? "KIS_ENV=real" : "KIS_ENV=virtual",
	                     "KISGW_ALLOW_REAL=yes",
	                     NULL};
	assert_int_equal(h_start_gw(&e->gw, e->sim.port, e->dir, env), 0);
}

/* kis-sim (env, clock at hhmmss on the test day) with 005930 held, then kisgw. */
static void up(testenv *e, int real, const char *hhmmss)
{
	memset(e, 0, sizeof(*e));
	e->real = real;
	e->dir = h_tmpdir();
	char clk[64];
	snprintf(clk, sizeof(clk), DAY "%s+09:00", hhmmss);
	snprintf(e->clock, sizeof(e->clock), "KISGW_CLOCK=%s", clk);
	const char *args[] = {
	    "--clock", clk, "--seed", "7", "--rate", "0", "--env", real ? "real" : "virtual", NULL};
	assert_int_equal(h_start_sim(&e->sim, args), 0);
	sim_post(e, "/__sim/reset",
	         "{\"account\":\"" ACCOUNT "\",\"cash\":1000000000,\"holdings\":[{\"code\":"
	         "\"005930\",\"qty\":100,\"avg_price\":60000}]}");
	gw_up(e);
}

static void down(testenv *e)
{
	if (e->gw.pid)
		assert_int_equal(h_stop(&e->gw, SIGTERM), 0);
	if (e->sim.pid)
		h_stop(&e->sim, SIGTERM);
	h_rmdir(e->dir);
}

static long call(testenv *e, const char *method, const char *path, const char *body,
                 const char *key, h_resp *r)
{
	char hk[128];
	const char *hdrs[3] = {"Content-Type: application/json", NULL, NULL};
	if (key) {
		snprintf(hk, sizeof(hk), "Idempotency-Key: %s", key);
		hdrs[1] = hk;
	}
	if (h_http(r, method, e->gw.port, path, body, hdrs))
		fail_msg("%s %s: no answer", method, path);
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

static const char *err_field(const h_resp *r)
{
	return jstr(json_object_get(r->json, "error"), "field");
}

/* The simulator's order log, newest last (caller frees). */
static json_t *sim_log(testenv *e)
{
	json_t *j = h_json(e->sim.port, "GET", "/__sim/orders", NULL, NULL);
	assert_non_null(j);
	return j;
}

static size_t sim_log_n(testenv *e)
{
	json_t *j = sim_log(e);
	size_t n = json_array_size(json_object_get(j, "orders"));
	json_decref(j);
	return n;
}

static json_int_t quote_field(testenv *e, const char *f)
{
	h_resp r;
	assert_int_equal(call(e, "GET", "/price?code=005930", NULL, NULL, &r), 200);
	json_int_t v = jint(r.json, f);
	h_resp_free(&r);
	return v;
}

typedef struct vcase {
	const char *type, *tif, *venue;
	long long price, stop; /* -1: the upper limit + one tick */
	int side_sell;
	long status;
	const char *field;    /* refused: the field named */
	const char *ord_dvsn; /* accepted: what kis-sim got */
} vcase;

static void run_cases(testenv *e, const vcase *cs, size_t n)
{
	json_int_t upper = quote_field(e, "upper_limit"), tick = quote_field(e, "tick");
	for (size_t i = 0; i < n; i++) {
		const vcase *c = &cs[i];
		char body[400], extra[160] = "";
		size_t used = 0;
		long long price = c->price == -1 ? (long long)(upper + tick) : c->price;
		if (price)
			used += (size_t)snprintf(extra + used, sizeof(extra) - used,
			                         ",\"price\":%lld", price);
		if (c->stop)
			used += (size_t)snprintf(extra + used, sizeof(extra) - used,
			                         ",\"stop_price\":%lld", c->stop);
		if (c->tif)
			used += (size_t)snprintf(extra + used, sizeof(extra) - used,
			                         ",\"time_in_force\":\"%s\"", c->tif);
		if (c->venue)
			snprintf(extra + used, sizeof(extra) - used, ",\"venue\":\"%s\"", c->venue);
		snprintf(body, sizeof(body),
		         "{\"code\":\"005930\",\"side\":\"%s\",\"qty\":1,\"type\":\"%s\"%s}",
		         c->side_sell ? "sell" : "buy", c->type, extra);
		size_t before = sim_log_n(e);
		h_resp r;
		long st = call(e, "POST", "/orders", body, NULL, &r);
		if (st != c->status || (c->field && strcmp(err_field(&r), c->field))) {
			print_error("case %zu %s: want %ld %s, got %ld %s\n", i, body, c->status,
			            c->field ? c->field : "", st, r.body);
			fail();
		}
		size_t after = sim_log_n(e);
		if (c->field) {
			assert_int_equal(after, before); /* refused: never left */
		} else {
			assert_int_equal(after, before + 1);
			json_t *log = sim_log(e);
			json_t *row = json_array_get(json_object_get(log, "orders"), after - 1);
			assert_string_equal(jstr(row, "ord_dvsn"), c->ord_dvsn);
			assert_int_equal(jint(row, "price"), c->stop || c->price > 0 ? price : 0);
			assert_string_equal(jstr(row, "venue"), c->venue ? c->venue : "KRX");
			assert_int_equal(jint(row, "stop_price"), c->stop);
			assert_string_equal(jstr(r.json, "venue"), c->venue ? c->venue : "KRX");
			assert_string_equal(jstr(r.json, "time_in_force"), c->tif ? c->tif : "day");
			assert_int_equal(
			    json_array_size(json_object_get(r.json, "broker_order_nos")), 1);
			json_decref(log);
		}
		h_resp_free(&r);
	}
}

static void test_table_virtual(void **state)
{
	(void)state;
	testenv e;
	up(&e, 0, "10:00:00");
	sim_post(&e, "/__sim/price", "{\"code\":\"005930\",\"price\":70000}");
	static const vcase cs[] = {
	    {"limit", NULL, NULL, 69000, 0, 0, 201, NULL, "00"},
	    {"market", NULL, NULL, 0, 0, 0, 201, NULL, "01"},
	    {"conditional_limit", "day", "KRX", 69000, 0, 0, 201, NULL, "02"},
	    {"best", NULL, NULL, 0, 0, 1, 201, NULL, "03"},
	    {"priority", NULL, NULL, 0, 0, 1, 201, NULL, "04"},
	    {"limit", "ioc", NULL, 69000, 0, 0, 400, "time_in_force", NULL},
	    {"market", "fok", NULL, 0, 0, 0, 400, "time_in_force", NULL},
	    {"mid", NULL, NULL, 0, 0, 0, 400, "type", NULL},
	    {"stop_limit", NULL, NULL, 71000, 70500, 0, 400, "type", NULL},
	    {"after_hours_single", NULL, NULL, 69000, 0, 0, 400, "type", NULL},
	    {"pre_market_close", NULL, NULL, 0, 0, 0, 400, "type", NULL},
	    {"limit", NULL, "NXT", 69000, 0, 0, 400, "venue", NULL},
	    {"limit", NULL, "SOR", 69000, 0, 0, 400, "venue", NULL},
	    {"limit", NULL, NULL, 69050, 0, 0, 400, "price", NULL},
	    {"limit", NULL, NULL, -1, 0, 0, 400, "price", NULL},
	    {"limit", NULL, NULL, 0, 0, 0, 400, "price", NULL},
	    {"market", NULL, NULL, 69000, 0, 0, 400, "price", NULL},
	    {"limit", NULL, NULL, 69000, 69000, 0, 400, "stop_price", NULL},
	    {"limit", "gtc", NULL, 69000, 0, 0, 400, "time_in_force", NULL},
	    {"limit", NULL, "KOSDAQ", 69000, 0, 0, 400, "venue", NULL},
	    {"iceberg", NULL, NULL, 69000, 0, 0, 400, "type", NULL},
	};
	run_cases(&e, cs, sizeof(cs) / sizeof(cs[0]));
	down(&e);
}

static void test_table_real(void **state)
{
	(void)state;
	testenv e;
	up(&e, 1, "10:00:00");
	sim_post(&e, "/__sim/price", "{\"code\":\"005930\",\"price\":70000}");
	static const vcase cs[] = {
	    {"limit", "ioc", NULL, 69000, 0, 0, 201, NULL, "11"},
	    {"limit", "fok", "SOR", 69000, 0, 0, 201, NULL, "12"},
	    {"market", "fok", NULL, 0, 0, 0, 201, NULL, "14"},
	    {"best", "ioc", "SOR", 0, 0, 0, 201, NULL, "15"},
	    {"mid", NULL, "NXT", 0, 0, 0, 201, NULL, "21"},
	    {"mid", "fok", NULL, 0, 0, 0, 201, NULL, "24"},
	    {"stop_limit", NULL, "NXT", 71000, 70500, 0, 201, NULL, "22"},
	    {"limit", NULL, "NXT", 69000, 0, 0, 201, NULL, "00"},
	    {"market", NULL, "NXT", 0, 0, 0, 400, "venue", NULL},
	    {"mid", NULL, "SOR", 0, 0, 0, 400, "venue", NULL},
	    {"priority", "ioc", NULL, 0, 0, 0, 400, "time_in_force", NULL},
	    {"pre_market_close", NULL, NULL, 0, 0, 0, 400, "type", NULL},
	    {"after_market_close", NULL, NULL, 0, 0, 0, 400, "type", NULL},
	    {"stop_limit", NULL, NULL, 71000, 0, 0, 400, "stop_price", NULL},
	};
	run_cases(&e, cs, sizeof(cs) / sizeof(cs[0]));
	down(&e);
}

static void test_table_after_hours(void **state)
{
	(void)state;
	testenv e;
	up(&e, 1, "16:05:00");
	json_int_t close = quote_field(&e, "price");
	long long over = (long long)close + (long long)close / 10 * 2; /* far over +10 % */
	vcase cs[] = {
	    {"after_hours_single", NULL, NULL, close, 0, 0, 201, NULL, "07"},
	    {"after_hours_single", NULL, NULL, over - over % 1000, 0, 0, 400, "price", NULL},
	    {"limit", NULL, NULL, close, 0, 0, 400, "type", NULL},
	    {"limit", NULL, "NXT", close, 0, 1, 201, NULL, "00"},
	    {"best", NULL, "NXT", 0, 0, 0, 400, "type", NULL},
	    {"after_market_close", NULL, NULL, 0, 0, 0, 400, "type", NULL},
	};
	run_cases(&e, cs, sizeof(cs) / sizeof(cs[0]));
	down(&e);
}

static json_t *order_get(testenv *e, json_int_t id)
{
	char path[64];
	snprintf(path, sizeof(path), "/orders/%lld", (long long)id);
	h_resp r;
	assert_int_equal(call(e, "GET", path, NULL, NULL, &r), 200);
	json_t *j = json_incref(r.json);
	h_resp_free(&r);
	return j;
}

static void reconcile(testenv *e)
{
	h_resp r;
	assert_int_equal(call(e, "POST", "/orders/reconcile", "", NULL, &r), 200);
	h_resp_free(&r);
}

/* amend -> partial fill -> amend -> partial fill -> cancel. */
static void test_amend_chain(void **state)
{
	(void)state;
	testenv e;
	up(&e, 0, "10:00:00");
	sim_post(&e, "/__sim/price", "{\"code\":\"005930\",\"price\":70000}");
	sim_post(&e, "/__sim/session", "{\"partial_fill_qty\":4}");
	h_resp r;
	assert_int_equal(call(&e, "POST", "/orders",
	                      "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":10,\"type\":\"limit\","
	                      "\"price\":69000}",
	                      NULL, &r),
	                 201);
	json_int_t id = jint(r.json, "id");
	char orig[16], path[64];
	snprintf(orig, sizeof(orig), "%s", jstr(r.json, "broker_order_no"));
	snprintf(path, sizeof(path), "/orders/%lld", (long long)id);
	h_resp_free(&r);
	/* 1st amendment: all 10 to 69,500; a new KIS number, original first. */
	assert_int_equal(call(&e, "PATCH", path, "{\"price\":69500}", "amend-1", &r), 200);
	assert_int_equal(jint(r.json, "price"), 69500);
	json_t *nos = json_object_get(r.json, "broker_order_nos");
	assert_int_equal(json_array_size(nos), 2);
	assert_string_equal(json_string_value(json_array_get(nos, 0)), orig);
	h_resp_free(&r);
	/* The same key and body replays, without a second KIS call. */
	size_t n = sim_log_n(&e);
	assert_int_equal(call(&e, "PATCH", path, "{\"price\":69500}", "amend-1", &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "broker_order_nos")), 2);
	h_resp_free(&r);
	assert_int_equal(sim_log_n(&e), n);
	assert_int_equal(call(&e, "PATCH", path, "{\"price\":69600}", "amend-1", &r), 409);
	h_resp_free(&r);
	/* 4 fill at 69,500 on the amended number, then the tape moves away. */
	sim_post(&e, "/__sim/price", "{\"code\":\"005930\",\"price\":69500}");
	sim_post(&e, "/__sim/price", "{\"code\":\"005930\",\"price\":70000}");
	reconcile(&e);
	json_t *o = order_get(&e, id);
	assert_int_equal(jint(o, "filled_qty"), 4);
	assert_string_equal(jstr(o, "status"), "partially_filled");
	json_decref(o);
	/* 2nd amendment: the open 6 to 69,800. */
	assert_int_equal(call(&e, "PATCH", path, "{\"price\":69800}", "amend-2", &r), 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "broker_order_nos")), 3);
	assert_int_equal(jint(r.json, "open_qty"), 6);
	h_resp_free(&r);
	sim_post(&e, "/__sim/price", "{\"code\":\"005930\",\"price\":69800}");
	sim_post(&e, "/__sim/price", "{\"code\":\"005930\",\"price\":70000}");
	reconcile(&e);
	/* Cancel the rest (2). */
	assert_int_equal(call(&e, "DELETE", path, NULL, "cancel-1", &r), 200);
	h_resp_free(&r);
	reconcile(&e);
	o = order_get(&e, id);
	assert_int_equal(jint(o, "filled_qty"), 8);
	assert_true(json_real_value(json_object_get(o, "avg_fill_price")) == 69650.0 ||
	            jint(o, "avg_fill_price") == 69650);
	assert_string_equal(jstr(o, "status"), "canceled");
	assert_int_equal(jint(o, "open_qty"), 0);
	json_t *fills = json_object_get(o, "fills");
	assert_int_equal(json_array_size(fills), 2);
	json_t *nos3 = json_object_get(o, "broker_order_nos");
	assert_string_equal(jstr(json_array_get(fills, 0), "broker_order_no"),
	                    json_string_value(json_array_get(nos3, 1)));
	assert_string_equal(jstr(json_array_get(fills, 1), "broker_order_no"),
	                    json_string_value(json_array_get(nos3, 2)));
	assert_int_equal(jint(json_array_get(fills, 0), "price"), 69500);
	assert_int_equal(jint(json_array_get(fills, 1), "price"), 69800);
	json_t *am = json_object_get(o, "amendments");
	assert_int_equal(json_array_size(am), 3);
	assert_string_equal(jstr(json_array_get(am, 2), "kind"), "cancel");
	json_decref(o);
	/* Nothing left: 409 with the order. */
	assert_int_equal(call(&e, "DELETE", path, NULL, NULL, &r), 409);
	h_resp_free(&r);
	assert_int_equal(call(&e, "PATCH", path, "{\"price\":69900}", NULL, &r), 409);
	h_resp_free(&r);
	/* FIFO lots from the fills: 4 at 69,500 then 4 at 69,800 on top of
	 * nothing the ledger knew before (the seeded holding is not a fill). */
	assert_int_equal(call(&e, "GET", "/holdings/aged?days=0", NULL, NULL, &r), 200);
	json_t *h = json_array_get(json_object_get(r.json, "holdings"), 0);
	assert_string_equal(jstr(h, "code"), "005930");
	assert_int_equal(jint(h, "qty"), 8);
	json_t *lots = json_object_get(h, "lots");
	assert_int_equal(json_array_size(lots), 2);
	assert_int_equal(jint(json_array_get(lots, 0), "price"), 69500);
	assert_int_equal(jint(json_array_get(lots, 1), "price"), 69800);
	h_resp_free(&r);
	/* Partial cancel of an order with no amendment. */
	assert_int_equal(call(&e, "POST", "/orders",
	                      "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":5,\"type\":\"limit\","
	                      "\"price\":60000}",
	                      NULL, &r),
	                 201);
	snprintf(path, sizeof(path), "/orders/%lld?qty=3", (long long)jint(r.json, "id"));
	h_resp_free(&r);
	assert_int_equal(call(&e, "DELETE", path, NULL, NULL, &r), 200);
	assert_int_equal(jint(r.json, "open_qty"), 2);
	assert_string_equal(jstr(r.json, "status"), "submitted");
	h_resp_free(&r);
	/* Open orders: from the ledger, checked with KIS's unfilled rows. */
	assert_int_equal(call(&e, "GET", "/orders?open=true", NULL, NULL, &r), 200);
	assert_true(json_is_true(json_object_get(r.json, "checked_with_kis")));
	json_t *open = json_object_get(r.json, "orders");
	assert_int_equal(json_array_size(open), 1);
	assert_int_equal(jint(json_array_get(open, 0), "kis_open_qty"), 2);
	h_resp_free(&r);
	down(&e);
}

/* kill -9 while an amendment is on its way to KIS: after the restart the
 * leg is unknown, then the reconciler adopts KIS's modify row by its
 * orgn_odno; nothing is imported twice, nothing was sent twice. */
static void test_kill9_amend(void **state)
{
	(void)state;
	testenv e;
	up(&e, 0, "10:00:00");
	sim_post(&e, "/__sim/price", "{\"code\":\"005930\",\"price\":70000}");
	h_resp r;
	assert_int_equal(call(&e, "POST", "/orders",
	                      "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":3,\"type\":\"limit\","
	                      "\"price\":68000}",
	                      NULL, &r),
	                 201);
	json_int_t id = jint(r.json, "id");
	h_resp_free(&r);
	/* KIS takes the amendment and then answers slowly; kisgw dies meanwhile. */
	long long fired = h_sim_counter(e.sim.port, "faults_fired");
	sim_post(&e, "/__sim/fault",
	         "{\"match\":\"order-rvsecncl\",\"kind\":\"delay\",\"delay_ms\":3000,\"count\":1}");
	pid_t child = fork();
	if (child == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/orders/%lld", (long long)id);
		h_resp cr;
		const char *hdrs[] = {"Content-Type: application/json", NULL};
		h_http(&cr, "PATCH", e.gw.port, path, "{\"price\":68500}", hdrs);
		_exit(0);
	}
	/* Kill once the amendment has reached KIS (journaled, no answer yet). */
	for (int i = 0; i < 400 && h_sim_counter(e.sim.port, "faults_fired") == fired; i++)
		usleep(50 * 1000);
	assert_true(h_sim_counter(e.sim.port, "faults_fired") > fired);
	assert_int_equal(h_stop(&e.gw, SIGKILL), 128 + SIGKILL);
	e.gw.pid = 0;
	int wst;
	waitpid(child, &wst, 0);
	/* The delay fault serves the request after the delay: wait for it. */
	for (int i = 0; i < 200 && sim_log_n(&e) < 2; i++)
		usleep(50 * 1000);
	assert_int_equal(sim_log_n(&e), 2);
	gw_up(&e);
	reconcile(&e);
	json_t *o = order_get(&e, id);
	json_t *am = json_object_get(o, "amendments");
	assert_int_equal(json_array_size(am), 1);
	json_t *nos = json_object_get(o, "broker_order_nos");
	json_t *log = sim_log(&e);
	size_t mods = 0, i;
	json_t *v;
	json_array_foreach(json_object_get(log, "orders"), i, v) mods +=
	    !strcmp(jstr(v, "kind"), "modify");
	json_decref(log);
	assert_int_equal(mods, 1); /* sent once */
	assert_string_equal(jstr(json_array_get(am, 0), "status"), "accepted");
	assert_int_equal(json_array_size(nos), 2);
	assert_int_equal(jint(o, "price"), 68500);
	json_decref(o);
	h_resp r2;
	assert_int_equal(call(&e, "GET", "/orders?source=external", NULL, NULL, &r2), 200);
	assert_int_equal(json_array_size(json_object_get(r2.json, "orders")), 0);
	h_resp_free(&r2);
	down(&e);
}

static void test_halt_and_preview(void **state)
{
	(void)state;
	testenv e;
	up(&e, 0, "10:00:00");
	sim_post(&e, "/__sim/price", "{\"code\":\"005930\",\"price\":70000}");
	h_resp r;
	/* The preview runs every check and sends nothing. */
	size_t n0 = sim_log_n(&e);
	assert_int_equal(
	    call(&e, "POST", "/orders/preview",
	         "{\"code\":\"005930\",\"side\":\"sell\",\"qty\":10,\"type\":\"limit\","
	         "\"price\":70000}",
	         NULL, &r),
	    200);
	assert_true(json_is_true(json_object_get(r.json, "ok")));
	assert_int_equal(jint(r.json, "amount"), 700000);
	assert_int_equal(jint(r.json, "fees_estimate"), 105); /* 0.015 % */
	assert_int_equal(jint(r.json, "tax_estimate"), 1400); /* 0.20 % */
	h_resp_free(&r);
	assert_int_equal(call(&e, "POST", "/orders/preview",
	                      "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":10,\"type\":\"limit\","
	                      "\"price\":70000,\"venue\":\"NXT\"}",
	                      NULL, &r),
	                 200);
	assert_false(json_is_true(json_object_get(r.json, "ok")));
	assert_true(jint(r.json, "orderable_qty") > 0);
	h_resp_free(&r);
	assert_int_equal(sim_log_n(&e), n0);
	/* A resting order, then the halt. */
	assert_int_equal(call(&e, "POST", "/orders",
	                      "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":2,\"type\":\"limit\","
	                      "\"price\":60000}",
	                      NULL, &r),
	                 201);
	char path[64];
	snprintf(path, sizeof(path), "/orders/%lld", (long long)jint(r.json, "id"));
	h_resp_free(&r);
	assert_int_equal(
	    call(&e, "POST", "/trading/halt", "{\"reason\":\"fat finger drill\"}", NULL, &r), 200);
	h_resp_free(&r);
	/* Survives a restart. */
	assert_int_equal(h_stop(&e.gw, SIGTERM), 0);
	gw_up(&e);
	assert_int_equal(call(&e, "GET", "/healthz", NULL, NULL, &r), 200);
	json_t *tr = json_object_get(r.json, "trading");
	assert_true(json_is_true(json_object_get(tr, "halted")));
	assert_string_equal(jstr(tr, "reason"), "fat finger drill");
	assert_true(strlen(jstr(tr, "since")) > 0);
	h_resp_free(&r);
	size_t n1 = sim_log_n(&e);
	assert_int_equal(
	    call(&e, "POST", "/orders",
	         "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\"}", NULL, &r),
	    409);
	assert_string_equal(jstr(json_object_get(r.json, "error"), "code"), "trading_halted");
	h_resp_free(&r);
	assert_int_equal(call(&e, "PATCH", path, "{\"price\":61000}", NULL, &r), 409);
	assert_string_equal(jstr(json_object_get(r.json, "error"), "code"), "trading_halted");
	h_resp_free(&r);
	assert_int_equal(sim_log_n(&e), n1);
	/* Cancels go through. */
	assert_int_equal(call(&e, "DELETE", path, NULL, NULL, &r), 200);
	assert_string_equal(jstr(r.json, "status"), "canceled");
	h_resp_free(&r);
	assert_int_equal(call(&e, "POST", "/trading/resume", "", NULL, &r), 200);
	assert_false(json_is_true(json_object_get(json_object_get(r.json, "trading"), "halted")));
	h_resp_free(&r);
	assert_int_equal(
	    call(&e, "POST", "/orders",
	         "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\"}", NULL, &r),
	    201);
	h_resp_free(&r);
	down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_virtual),     cmocka_unit_test(test_table_real),
	    cmocka_unit_test(test_table_after_hours), cmocka_unit_test(test_amend_chain),
	    cmocka_unit_test(test_kill9_amend),       cmocka_unit_test(test_halt_and_preview),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
