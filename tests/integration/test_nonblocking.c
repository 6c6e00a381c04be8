/* Integration: the non-blocking request path (issue 14). The HTTP threads
 * never wait on KIS: requests that need it are parked (their connections
 * suspended) and run by the worker pool, while /healthz, /metrics and a
 * cached /price keep answering inline; SIGTERM drains the parked requests,
 * each getting its answer or a JSON 503.
 *
 * No timing thresholds beyond the 1 s /healthz bound: the tests wait for
 * states they can see (kis-sim's counters, kisgw's worker gauges) and check
 * what was answered and in which order. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#include "hardening_env.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One GET over a raw socket, given timeout_ms: the status (-1: no
 * complete answer), the JSON body in *json when json is not NULL. */
static int get_raw(int port, const char *path, int timeout_ms, json_t **json, char *retry_after,
                   size_t ra_len)
{
	char req[512];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path);
	h_raw_resp r;
	int rc = h_raw(port, req, (size_t)n, &r, timeout_ms, 1);
	int st = rc == 0 ? h_raw_status(&r, 0) : -1;
	if (json)
		*json = st > 0 ? h_raw_json(&r, 0) : NULL;
	if (retry_after && (st <= 0 || !h_raw_header(&r, 0, "Retry-After", retry_after, ra_len)))
		retry_after[0] = 0;
	h_raw_free(&r);
	return st;
}

/* A gauge of kisgw's /metrics (-1 when absent). */
static long long gauge(int port, const char *name)
{
	h_resp r;
	long long v = -1;
	if (h_http(&r, "GET", port, "/metrics", NULL, NULL) == 0 && r.status == 200 && r.body) {
		size_t n = strlen(name);
		for (const char *p = r.body; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
			if (!strncmp(p, name, n) && p[n] == ' ') {
				v = atoll(p + n + 1);
				break;
			}
	}
	h_resp_free(&r);
	return v;
}

/* Waits (up to 30 s, polling) until queued and running reach the values. */
static void wait_workers(int port, long long queued, long long running)
{
	int64_t end = now_ms() + 30000;
	long long q = -1, r = -1;
	while (now_ms() < end) {
		q = gauge(port, "kisgw_http_workers_queued");
		r = gauge(port, "kisgw_http_workers_running");
		if (q == queued && r == running)
			return;
		usleep(20 * 1000);
	}
	fail_msg("workers: %lld queued, %lld running; wanted %lld and %lld", q, r, queued, running);
}

typedef struct preq {
	int port;
	const char *path;
	int status;
	long long price;
	char code[40]; /* the error code of a non-200 */
	char retry_after[16];
	int64_t done_ms;
} preq;

static atomic_int prices_done;

static void *price_thread(void *arg)
{
	preq *p = arg;
	json_t *j = NULL;
	p->status = get_raw(p->port, p->path, 60000, &j, p->retry_after, sizeof(p->retry_after));
	p->done_ms = now_ms();
	p->price = json_integer_value(json_object_get(j, "price"));
	const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
	snprintf(p->code, sizeof(p->code), "%s", c ? c : "");
	json_decref(j);
	atomic_fetch_add(&prices_done, 1);
	return NULL;
}

static void set_fault(int sim_port, const char *fault)
{
	long st;
	json_decref(h_json(sim_port, "POST", "/__sim/fault", fault, &st));
	assert_int_equal(st, 200);
}

/* 200 concurrent /price requests wait on one delayed KIS call: all 200 are
 * parked (16 on workers, 184 queued), and meanwhile /healthz, /metrics and
 * a cached /price answer inline, each within 1 s, before any of the 200
 * is answered. Then all 200 get the one quote. */
static void test_healthz_while_kis_waits(void **state)
{
	enum { N = 200, WORKERS = 16 };
	const char *env[] = {"KISGW_QUOTE_CACHE_MS=60000", "KISGW_HTTP_WORKERS=16",
	                     "KISGW_HTTP_PER_IP=1000", NULL};
	testenv e;
	up(&e, env);
	int p = e.gw.port;
	/* the token, and a quote the inline path can serve from the cache */
	assert_int_equal(get_raw(p, "/price?code=000660", 10000, NULL, NULL, 0), 200);
	set_fault(e.sim.port,
	          "{\"match\":\"FHKST01010100\",\"count\":1,\"kind\":\"delay\",\"delay_ms\":4000}");
	long long calls0 = h_sim_counter(e.sim.port, "calls.FHKST01010100");
	preq *rq = calloc(N, sizeof(*rq));
	pthread_t *t = calloc(N, sizeof(*t));
	atomic_store(&prices_done, 0);
	for (int i = 0; i < N; i++) {
		rq[i] = (preq){.port = p, .path = "/price?code=005930"};
		assert_int_equal(pthread_create(&t[i], NULL, price_thread, &rq[i]), 0);
	}
	/* every one parked: a worker each for 16 (one in the KIS call, the
	 * others waiting for its answer), the rest queued */
	wait_workers(p, N - WORKERS, WORKERS);
	int answered = 0;
	int64_t last_inline = 0;
	for (int round = 0; round < 5; round++) {
		assert_int_equal(get_raw(p, "/healthz", 1000, NULL, NULL, 0), 200);
		assert_int_equal(get_raw(p, "/price?code=000660", 1000, NULL, NULL, 0), 200);
		last_inline = now_ms();
		answered++;
	}
	long long queued = gauge(p, "kisgw_http_workers_queued");
	/* ordering: the inline answers came while all 200 still waited */
	int done_before = atomic_load(&prices_done);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	printf("nonblocking: %d inline rounds answered while %d requests waited on KIS\n", answered,
	       N - done_before);
	assert_int_equal(done_before, 0);
	assert_int_equal(queued, N - WORKERS);
	for (int i = 0; i < N; i++) {
		if (rq[i].status != 200)
			fail_msg("request %d: %d %s", i, rq[i].status, rq[i].code);
		assert_true(rq[i].price > 0);
		assert_int_equal(rq[i].price, rq[0].price);
		assert_true(rq[i].done_ms >= last_inline);
	}
	/* the 200 shared one upstream call */
	assert_int_equal(h_sim_counter(e.sim.port, "calls.FHKST01010100") - calls0, 1);
	assert_int_equal(gauge(p, "kisgw_http_workers_queued"), 0);
	assert_int_equal(gauge(p, "kisgw_http_workers_running"), 0);
	free(rq);
	free(t);
	down(&e);
}

/* SIGTERM with 2 requests on the 2 workers (in a delayed KIS call) and 18
 * queued: past the 1 s drain the queued ones get a JSON 503 unavailable
 * with Retry-After, the running ones their quote; every client gets a
 * complete answer and kisgw exits 0 (under ASan: without a leak). */
static void test_sigterm_drains_parked(void **state)
{
	enum { N = 20, WORKERS = 2 };
	const char *env[] = {"KISGW_QUOTE_CACHE_MS=0", "KISGW_HTTP_WORKERS=2", "KISGW_DRAIN_S=1",
	                     NULL};
	testenv e;
	up(&e, env);
	int p = e.gw.port;
	assert_int_equal(get_raw(p, "/price?code=000660", 10000, NULL, NULL, 0), 200); /* token */
	set_fault(
	    e.sim.port,
	    "{\"match\":\"FHKST01010100\",\"count\":40,\"kind\":\"delay\",\"delay_ms\":3000}");
	preq rq[N];
	pthread_t t[N];
	atomic_store(&prices_done, 0);
	for (int i = 0; i < N; i++) {
		rq[i] = (preq){.port = p, .path = "/price?code=005930"};
		assert_int_equal(pthread_create(&t[i], NULL, price_thread, &rq[i]), 0);
	}
	wait_workers(p, N - WORKERS, WORKERS);
	assert_int_equal(kill(e.gw.pid, SIGTERM), 0);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(h_stop(&e.gw, 0), 0);
	e.gw.pid = 0;
	int ok = 0, unavailable = 0;
	for (int i = 0; i < N; i++) {
		if (rq[i].status == 200 && rq[i].price > 0) {
			ok++;
		} else if (rq[i].status == 503 && !strcmp(rq[i].code, "unavailable") &&
		           rq[i].retry_after[0]) {
			unavailable++;
		} else {
			fail_msg(
			    "request %d: %d %s (want 200, or 503 unavailable with Retry-After)", i,
			    rq[i].status, rq[i].code);
		}
	}
	printf("drain: %d answered, %d told 503 unavailable\n", ok, unavailable);
	assert_int_equal(ok + unavailable, N);
	assert_true(ok >= WORKERS);   /* the two running finished */
	assert_true(unavailable > 0); /* the queued ones did not wait for KIS */
	down(&e);                     /* kisgw is gone: the simulator and the directory */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_healthz_while_kis_waits),
	    cmocka_unit_test(test_sigterm_drains_parked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
