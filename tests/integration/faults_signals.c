/* faults_signals.c — the fault-injection suite, signals: kisgw stopped
 * with SIGTERM during an order stream and during an amendment, and killed
 * with SIGTERM and SIGKILL while an auto-trade pass has its order on the
 * way to KIS. kis-sim's delay fault holds the request at KIS, so the
 * signal lands while it is in flight, without sleeps. SIGKILL during order
 * streams is orders_crash.c and during an amendment orders_vocab.c
 * (test_kill9_amend); the table is tests/README.md. */
#include <pthread.h>
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
#include "krx.h"

#include "faults_env.h"

/* Waits, bounded, until kis-sim has fired more than n faults. */
static void wait_fired(fenv *e, long long n)
{
	for (int i = 0; i < 400 && f_counter(e, "faults_fired") <= n; i++)
		usleep(50 * 1000);
	assert_true(f_counter(e, "faults_fired") > n);
}

enum { STREAM_N = 24 };

/* A client sending STREAM_N orders one after another, each retried with
 * its key until kisgw answers (connection refused while it restarts). */
typedef struct stream {
	fenv *e;
	int port; /* atomic: kisgw's port, changed by each restart */
	int at;   /* atomic: the order being sent */
	long first[STREAM_N], last[STREAM_N];
	int attempts[STREAM_N];
} stream;

static void *stream_run(void *arg)
{
	stream *s = arg;
	for (int i = 0; i < STREAM_N; i++) {
		__atomic_store_n(&s->at, i, __ATOMIC_SEQ_CST);
		char key[32];
		snprintf(key, sizeof(key), "term-%d", i);
		for (int a = 0; a < 400; a++) {
			fenv e = *s->e;
			e.gw.port = __atomic_load_n(&s->port, __ATOMIC_SEQ_CST);
			h_resp r;
			long st = f_order(&e, key, i % 2 ? "005930" : "000660", 1, &r);
			h_resp_free(&r);
			if (a == 0)
				s->first[i] = st;
			s->last[i] = st;
			s->attempts[i] = a + 1;
			if (st == 200 || st == 201 || st == 202)
				break;
			usleep(50 * 1000); /* kisgw is stopping or starting */
		}
	}
	return NULL;
}

/* SIGTERM during an order stream, with one order held at KIS: that order
 * is answered (201) before kisgw exits 0; the client's retries after the
 * restart are each one order; KIS has every order once. */
static void test_sigterm_order_stream(void **state)
{
	(void)state;
	fenv e = {0};
	const char *env[] = {"KISGW_RECONCILE_INTERVAL=3600", NULL};
	f_up(&e, env);
	stream s = {.e = &e, .port = e.gw.port};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, stream_run, &s), 0);
	while (__atomic_load_n(&s.at, __ATOMIC_SEQ_CST) < 6)
		usleep(10 * 1000);
	long long fired = f_counter(&e, "faults_fired");
	f_fault(&e, "order-cash", "delay", 1, 1500);
	wait_fired(&e, fired);
	int held = __atomic_load_n(&s.at, __ATOMIC_SEQ_CST);
	kill(e.gw.pid, SIGTERM);
	assert_int_equal(h_stop(&e.gw, 0), 0); /* drained, exit 0 */
	f_gw_start(&e);
	__atomic_store_n(&s.port, e.gw.port, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	assert_int_equal(s.first[held], 201); /* the order in flight was answered */
	int retried = 0;
	for (int i = 0; i < STREAM_N; i++) {
		if (s.last[i] != 201 && s.last[i] != 200)
			fail_msg("order %d: HTTP %ld", i, s.last[i]);
		retried += s.attempts[i] > 1;
	}
	print_message("SIGTERM in a stream of %d orders: order %d in flight, %d retried\n",
	              STREAM_N, held, retried);
	assert_int_equal(f_check_ledger(&e), STREAM_N);
	f_down(&e);
}

typedef struct patch {
	fenv *e;
	json_int_t id;
	long status;
} patch;

static void *patch_run(void *arg)
{
	patch *p = arg;
	char path[64];
	snprintf(path, sizeof(path), "/orders/%lld", (long long)p->id);
	h_resp r;
	p->status = f_call(p->e, "PATCH", path, "{\"price\":50100}", &r);
	h_resp_free(&r);
	return NULL;
}

/* SIGTERM while an amendment is at KIS: it is answered (200) before kisgw
 * exits 0, and after the restart the order shows it accepted; KIS saw it
 * once. */
static void test_sigterm_amend(void **state)
{
	(void)state;
	fenv e = {0};
	const char *env[] = {"KISGW_RECONCILE_INTERVAL=3600", NULL};
	f_up(&e, env);
	h_resp r;
	assert_int_equal(
	    f_call(&e, "POST", "/orders",
	           "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":2,\"type\":\"limit\","
	           "\"price\":50000}",
	           &r),
	    201);
	patch p = {&e, json_integer_value(json_object_get(r.json, "id")), 0};
	h_resp_free(&r);
	long long fired = f_counter(&e, "faults_fired");
	f_fault(&e, "order-rvsecncl", "delay", 1, 1500);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, patch_run, &p), 0);
	wait_fired(&e, fired);
	kill(e.gw.pid, SIGTERM);
	pthread_join(th, NULL);
	assert_int_equal(p.status, 200);
	assert_int_equal(h_stop(&e.gw, 0), 0);
	f_gw_start(&e);
	f_check_ledger(&e);
	json_t *o = f_order_get(&e, p.id);
	json_t *am = json_object_get(o, "amendments");
	assert_int_equal(json_array_size(am), 1);
	assert_string_equal(f_str(json_array_get(am, 0), "status"), "accepted");
	assert_int_equal(json_integer_value(json_object_get(o, "price")), 50100);
	json_decref(o);
	json_t *log = h_json(e.sim.port, "GET", "/__sim/orders", NULL, NULL);
	size_t mods = 0, i;
	json_t *v;
	json_array_foreach(json_object_get(log, "orders"), i, v) mods +=
	    !strcmp(f_str(v, "kind"), "modify");
	json_decref(log);
	assert_int_equal(mods, 1);
	f_down(&e);
}

/* ---- the auto-trade job ---- */

#define AT_START "2026-10-06T08:58:00+09:00"
#define AT_A     "005930"
#define AT_B     "000660"

static json_t *gw_json(fenv *e, const char *method, const char *path, const char *body)
{
	long st;
	json_t *j = h_json(e->gw.port, method, path, body, &st);
	if (st != 200)
		fail_msg("%s %s: %ld", method, path, st);
	return j;
}

static int64_t sim_prev_close(fenv *e, const char *code)
{
	json_t *j = h_json(e->sim.port, "GET", "/__sim/stocks", NULL, NULL);
	int64_t pc = 0;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(j, "stocks"), i, s) if (!strcmp(f_str(s, "code"), code))
	    pc = json_integer_value(json_object_get(s, "prev_close"));
	json_decref(j);
	assert_true(pc > 0);
	return pc;
}

/* From the open on, code trades at pct percent of ref (a price path: a
 * hold set before the open would belong to the previous day). */
static void path_at(fenv *e, const char *code, int64_t ref, int pct)
{
	char body[200];
	snprintf(body, sizeof(body),
	         "{\"code\":\"%s\",\"points\":[{\"at\":\"2026-10-06T09:00:00+09:00\","
	         "\"price\":%lld}]}",
	         code, (long long)krx_tick_floor(ref * pct / 100));
	f_sim_post(e, "/__sim/path", body);
}

/* Holds code at pct percent of ref (on the tick grid), during the session. */
static void hold_at(fenv *e, const char *code, int64_t ref, int pct)
{
	char body[96];
	snprintf(body, sizeof(body), "{\"code\":\"%s\",\"price\":%lld}", code,
	         (long long)krx_tick_floor(ref * pct / 100));
	f_sim_post(e, "/__sim/price", body);
}

static size_t sim_buys(fenv *e, const char *code)
{
	json_t *j = h_json(e->sim.port, "GET", "/__sim/orders", NULL, NULL);
	size_t n = 0, i;
	json_t *o;
	json_array_foreach(json_object_get(j, "orders"), i, o) n +=
	    !strcmp(f_str(o, "code"), code) && !strcmp(f_str(o, "side"), "buy");
	json_decref(j);
	return n;
}

static json_int_t passes(fenv *e)
{
	json_t *j = gw_json(e, "GET", "/autotrade", NULL);
	json_int_t n = json_integer_value(json_object_get(j, "passes"));
	json_decref(j);
	return n;
}

static void wait_passes(fenv *e, int n)
{
	json_int_t p0 = passes(e);
	for (int i = 0; i < 600 && passes(e) < p0 + n; i++)
		usleep(50 * 1000);
	assert_true(passes(e) >= p0 + n);
}

/* Until the job is in the session (the clocks past the open). */
static void wait_session(fenv *e)
{
	for (int i = 0; i < 600; i++) {
		json_t *j = gw_json(e, "GET", "/autotrade", NULL);
		int in = !strcmp(f_str(j, "state"), "session");
		json_decref(j);
		if (in)
			return;
		usleep(50 * 1000);
	}
	fail_msg("the auto-trade job never reached the session");
}

/* The job's buy of code is on its way (held at KIS by a delay fault) when
 * kisgw gets sig; kisgw is started again. */
static void signal_mid_pass(fenv *e, const char *code, int64_t ref, int sig)
{
	long long fired = f_counter(e, "faults_fired");
	size_t n = f_sim_orders(e);
	f_fault(e, "order-cash", "delay", 1, 3000);
	hold_at(e, code, ref, 102); /* into the band: the next pass buys */
	wait_fired(e, fired);
	kill(e->gw.pid, sig);
	int st = h_stop(&e->gw, 0);
	assert_int_equal(st, sig == SIGKILL ? 128 + SIGKILL : 0);
	f_wait_sim_orders(e, n + 1); /* KIS takes it after the delay */
	f_gw_start(e);
}

/* SIGKILL, then SIGTERM, while a pass of the auto-trade job has its buy
 * at KIS: after each restart the job does not buy again (the journal's
 * pending row became unknown and was adopted, or the drained order was
 * recorded), KIS has one buy per target, the ledger each once. */
static void test_autotrade_pass_signals(void **state)
{
	(void)state;
	fenv e = {.clock = AT_START, .speed = "@60"};
	const char *env[] = {"KISGW_AUTOTRADE=on", "KISGW_AUTOTRADE_INTERVAL=1",
	                     "KISGW_RECONCILE_INTERVAL=1", "KISGW_BACKFILL_DAYS=0",
	                     /* 60x: the 3 s at KIS are 3 minutes of the clocks */
	                     "KISGW_UNKNOWN_WINDOW_S=900", NULL};
	f_up(&e, env);
	f_sim_post(&e, "/__sim/reset", "{\"account\":\"50012345-01\",\"cash\":10000000}");
	int64_t ra = sim_prev_close(&e, AT_A), rb = sim_prev_close(&e, AT_B);
	path_at(&e, AT_A, ra, 110); /* above the band (0..5 % over the reference) */
	path_at(&e, AT_B, rb, 110);
	char body[200];
	snprintf(body, sizeof(body),
	         "{\"targets\":[{\"code\":\"%s\",\"ref_price\":%lld},{\"code\":\"%s\","
	         "\"ref_price\":%lld}]}",
	         AT_A, (long long)ra, AT_B, (long long)rb);
	json_decref(gw_json(&e, "PUT", "/autotrade/targets", body));
	wait_session(&e);
	wait_passes(&e, 2);
	assert_int_equal(f_sim_orders(&e), 0);

	signal_mid_pass(&e, AT_A, ra, SIGKILL);
	wait_passes(&e, 5);
	assert_int_equal(sim_buys(&e, AT_A), 1);

	signal_mid_pass(&e, AT_B, rb, SIGTERM);
	wait_passes(&e, 5);
	assert_int_equal(sim_buys(&e, AT_B), 1);
	assert_int_equal(sim_buys(&e, AT_A), 1);
	assert_int_equal(f_check_ledger(&e), 2);
	f_down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sigterm_order_stream),
	    cmocka_unit_test(test_sigterm_amend),
	    cmocka_unit_test(test_autotrade_pass_signals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
