/* realtime_api.c — real-time execution notices end to end, against the real
 * kisgw and kis-sim binaries: /healthz "realtime" (off without KIS_HTS_ID,
 * and why; connected with it), a market order filled in the ledger by the
 * notice alone (the reconciler is set to an hour), a dropped session
 * reported and reconnected, two notices in one frame, and a second kisgw
 * on the same app key refused with OPSP8996 (reported, not fought) while
 * the first keeps its session. Waits are bounded polls. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define CLOCK   "2026-11-24T10:00:00+09:00"
#define ACCOUNT "50012345-01"
#define WAIT_MS 20000

typedef struct env {
	h_proc sim, gw;
	char *dir;
	char ws_env[96];
} testenv;

static void sim_post(testenv *e, const char *path, const char *body)
{
	assert_int_equal(h_sim_post(e->sim.port, path, body), 0);
}

static void gw_up(testenv *e, h_proc *gw, const char *dir, int with_hts)
{
	const char *genv[8] = {"KISGW_CLOCK=" CLOCK, "KISGW_RATE_LIMIT=1000",
	                       "KISGW_RECONCILE_INTERVAL=3600", e->ws_env};
	if (with_hts)
		genv[4] = "KIS_HTS_ID=kisgwtest";
	assert_int_equal(h_start_gw(gw, e->sim.port, dir, genv), 0);
}

static void up(testenv *e, int with_hts)
{
	memset(e, 0, sizeof(*e));
	e->dir = h_tmpdir();
	assert_non_null(e->dir);
	const char *args[] = {"--clock", CLOCK, "--seed", "7", "--rate", "0", NULL};
	assert_int_equal(h_start_sim(&e->sim, args), 0);
	sim_post(e, "/__sim/reset", "{\"account\":\"" ACCOUNT "\",\"cash\":1000000000}");
	snprintf(e->ws_env, sizeof(e->ws_env), "KIS_WS_URL=ws://127.0.0.1:%d/tryitout",
	         e->sim.port);
	gw_up(e, &e->gw, e->dir, with_hts);
}

static void down(testenv *e)
{
	if (e->gw.pid)
		assert_int_equal(h_stop(&e->gw, SIGTERM), 0);
	if (e->sim.pid)
		h_stop(&e->sim, SIGTERM);
	h_rmdir(e->dir);
}

/* /healthz "realtime" member (caller decrefs), or NULL. */
static json_t *realtime(int port)
{
	long st = 0;
	json_t *j = h_json(port, "GET", "/healthz", NULL, &st);
	json_t *rt = json_incref(json_object_get(j, "realtime"));
	json_decref(j);
	return rt;
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* Polls /healthz until realtime.state is want (and the reason contains
 * part, when given). */
static int wait_rt(int port, const char *want, const char *part)
{
	for (int i = 0; i < WAIT_MS / 50; i++) {
		json_t *rt = realtime(port);
		int ok = rt && !strcmp(jstr(rt, "state"), want) &&
		         (!part || strstr(jstr(rt, "reason"), part));
		json_decref(rt);
		if (ok)
			return 1;
		usleep(50000);
	}
	return 0;
}

/* POST /orders (market buy), then polls GET /orders/{id} until filled_qty
 * reaches qty; returns the order (caller decrefs) or NULL. */
static json_t *order_filled(testenv *e, const char *code, int qty)
{
	char body[160];
	snprintf(body, sizeof(body),
	         "{\"code\":\"%s\",\"side\":\"buy\",\"qty\":%d,\"type\":\"market\"}", code, qty);
	long st = 0;
	json_t *o = h_json(e->gw.port, "POST", "/orders", body, &st);
	assert_int_equal(st, 201);
	json_int_t id = json_integer_value(json_object_get(o, "id"));
	json_decref(o);
	char path[64];
	snprintf(path, sizeof(path), "/orders/%lld", (long long)id);
	for (int i = 0; i < WAIT_MS / 50; i++) {
		o = h_json(e->gw.port, "GET", path, NULL, &st);
		if (json_integer_value(json_object_get(o, "filled_qty")) >= qty)
			return o;
		json_decref(o);
		usleep(50000);
	}
	return NULL;
}

static void test_off_without_hts_id(void **state)
{
	testenv e;
	up(&e, 0);
	json_t *rt = realtime(e.gw.port);
	assert_non_null(rt);
	assert_string_equal(jstr(rt, "state"), "off");
	assert_non_null(strstr(jstr(rt, "reason"), "KIS_HTS_ID"));
	json_decref(rt);
	assert_int_equal(h_sim_counter(e.sim.port, "ws.sessions"), 0);
	down(&e);
}

static void test_fill_by_notice(void **state)
{
	testenv e;
	up(&e, 1);
	assert_true(wait_rt(e.gw.port, "connected", NULL));
	json_t *o = order_filled(&e, "005930", 7);
	assert_non_null(o); /* the reconciler runs hourly here */
	assert_string_equal(jstr(o, "status"), "filled");
	assert_int_equal(json_array_size(json_object_get(o, "fills")), 1);
	json_decref(o);
	/* the socket brought it */
	json_t *rt = realtime(e.gw.port);
	assert_true(json_integer_value(json_object_get(rt, "fills")) >= 1);
	assert_true(json_integer_value(json_object_get(rt, "notices")) >= 2);
	json_decref(rt);
	/* a reconciliation afterwards adds nothing */
	long st = 0;
	json_decref(h_json(e.gw.port, "POST", "/orders/reconcile", NULL, &st));
	assert_int_equal(st, 200);
	json_t *l = h_json(e.gw.port, "GET", "/orders?code=005930", NULL, &st);
	json_t *first = json_array_get(json_object_get(l, "orders"), 0);
	assert_int_equal(json_integer_value(json_object_get(first, "filled_qty")), 7);
	json_decref(l);
	/* two notices in one frame (acknowledgement + fill) */
	sim_post(&e, "/__sim/ws", "{\"batch\":true}");
	o = order_filled(&e, "000660", 2);
	assert_non_null(o);
	json_decref(o);
	assert_int_equal(h_sim_counter(e.sim.port, "ws.client_pings"), 0);
	down(&e);
}

static void test_drop_and_second_gateway(void **state)
{
	testenv e;
	up(&e, 1);
	assert_true(wait_rt(e.gw.port, "connected", NULL));
	long long ccld = h_sim_counter(e.sim.port, "calls.VTTC0081R");
	sim_post(&e, "/__sim/ws", "{\"drop\":true}");
	/* reported (reconnects wait ≥ 1 s), reconnected, re-subscribed, and a
	 * reconciliation run to catch what the gap may have hidden */
	assert_true(wait_rt(e.gw.port, "polling", "reconnecting"));
	assert_true(wait_rt(e.gw.port, "connected", NULL));
	int reconciled = 0;
	for (int i = 0; i < WAIT_MS / 50 && !reconciled; i++) {
		reconciled = h_sim_counter(e.sim.port, "calls.VTTC0081R") > ccld;
		usleep(50000);
	}
	assert_true(reconciled);
	assert_true(h_sim_counter(e.sim.port, "ws.sessions") >= 2);
	json_t *o = order_filled(&e, "035420", 1);
	assert_non_null(o);
	json_decref(o);

	/* a second gateway with the same app key: refused, says so, stays off */
	char *dir2 = h_tmpdir();
	h_proc gw2;
	gw_up(&e, &gw2, dir2, 1);
	assert_true(wait_rt(gw2.port, "polling", "OPSP8996"));
	long long refused = h_sim_counter(e.sim.port, "ws.refused");
	usleep(1500 * 1000);
	assert_int_equal(h_sim_counter(e.sim.port, "ws.refused"), refused); /* no fight */
	assert_true(wait_rt(e.gw.port, "connected", NULL));
	json_t *rt = realtime(gw2.port);
	json_t *h = h_json(gw2.port, "GET", "/healthz", NULL, NULL);
	assert_string_equal(jstr(h, "status"), "ok"); /* polling still carries the ledger */
	json_decref(h);
	json_decref(rt);
	assert_int_equal(h_stop(&gw2, SIGTERM), 0);
	h_rmdir(dir2);
	down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_off_without_hts_id),
	    cmocka_unit_test(test_fill_by_notice),
	    cmocka_unit_test(test_drop_and_second_gateway),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
