/* autotrade_api.c — the auto-trade job in the real kisgw binary, on its own
 * timer, with KISGW_CLOCK and kis-sim --clock running at 60x: the job buys a
 * target when its price path walks into the band, kisgw is SIGKILLed and
 * restarted mid-session, and kis-sim's order log shows exactly one buy. A
 * dead Discord webhook and a hanging JSON webhook are configured throughout
 * and change nothing. Then the endpoints: status, settings (run-time
 * overrides persist and win over the environment until reset), targets
 * (400 naming the entry), decisions (filters, cursor), pause surviving a
 * restart, run while off (409), /pnl and /notifications/test. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "krx.h"

#define START "2026-10-06T08:58:00+09:00@60"
#define A     "005930"
#define B     "000660"

typedef struct env {
	h_proc sim, gw;
	char *dir;
	int hang_fd;
	char dead_url[96], hang_url[96];
} env;

static int listen_socket(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 64), 0);
	socklen_t l = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &l);
	*port = ntohs(a.sin_port);
	return fd;
}

static json_t *req(env *e, const char *method, const char *path, const char *body, long want)
{
	long st = 0;
	json_t *j = h_json(e->gw.port, method, path, body, &st);
	if (st != want)
		fail_msg("%s %s -> %ld (want %ld): %s", method, path, st, want,
		         j ? json_dumps(j, 0) : "(no body)");
	return j;
}

static void gw_start(env *e, const char *mode)
{
	json_t *c = h_json(e->sim.port, "GET", "/__sim/clock", NULL, NULL);
	assert_non_null(c);
	char clk[96], m[48], dead[128], hang[128];
	snprintf(clk, sizeof(clk), "KISGW_CLOCK=%s@60",
	         json_string_value(json_object_get(c, "now")));
	json_decref(c);
	snprintf(m, sizeof(m), "KISGW_AUTOTRADE=%s", mode);
	snprintf(dead, sizeof(dead), "KISGW_WEBHOOK_URL=%s", e->dead_url);
	snprintf(hang, sizeof(hang), "KISGW_NOTIFY_JSON_URL=%s", e->hang_url);
	const char *envv[] = {clk,
	                      m,
	                      dead,
	                      hang,
	                      "KISGW_NOTIFY_TIMEOUT_MS=2000",
	                      "KISGW_AUTOTRADE_INTERVAL=1",
	                      "KISGW_RATE_LIMIT=1000",
	                      "KISGW_RECONCILE_INTERVAL=1",
	                      "KISGW_BACKFILL_DAYS=0",
	                      NULL};
	assert_int_equal(h_start_gw(&e->gw, e->sim.port, e->dir, envv), 0);
}

/* Orders kis-sim took for code and side. */
static int sim_orders(env *e, const char *code, const char *side)
{
	json_t *j = h_json(e->sim.port, "GET", "/__sim/orders", NULL, NULL);
	assert_non_null(j);
	int n = 0;
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(j, "orders"), i, o)
	{
		n += !strcmp(json_string_value(json_object_get(o, "code")), code) &&
		     !strcmp(json_string_value(json_object_get(o, "side")), side);
	}
	json_decref(j);
	return n;
}

static const char *target_status(json_t *at, const char *code)
{
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(at, "targets"), i, t)
	{
		if (!strcmp(json_string_value(json_object_get(t, "code")), code))
			return json_string_value(json_object_get(t, "status"));
	}
	return "";
}

static json_int_t passes(env *e)
{
	json_t *j = req(e, "GET", "/autotrade", NULL, 200);
	json_int_t n = json_integer_value(json_object_get(j, "passes"));
	json_decref(j);
	return n;
}

/* Waits (real time, bounded) until code's status is want. */
static void wait_status(env *e, const char *code, const char *want)
{
	for (int i = 0; i < 600; i++) {
		json_t *j = req(e, "GET", "/autotrade", NULL, 200);
		int ok = !strcmp(target_status(j, code), want);
		json_decref(j);
		if (ok)
			return;
		usleep(100000);
	}
	fail_msg("%s never became %s", code, want);
}

static int64_t prev_close(env *e, const char *code)
{
	char path[96];
	snprintf(path, sizeof(path), "/daily?code=%s&from=2026-09-20&to=2026-10-05", code);
	json_t *j = req(e, "GET", path, NULL, 200);
	json_t *bars = json_object_get(j, "bars");
	assert_true(json_array_size(bars) > 0);
	int64_t c = json_integer_value(json_object_get(json_array_get(bars, 0), "close"));
	json_decref(j);
	return c;
}

static void test_job_end_to_end(void **state)
{
	env e;
	memset(&e, 0, sizeof(e));
	e.dir = h_tmpdir();
	int hport, dport;
	e.hang_fd = listen_socket(&hport);
	close(listen_socket(&dport)); /* a port nobody listens on */
	snprintf(e.dead_url, sizeof(e.dead_url), "http://127.0.0.1:%d/api/webhooks/x", dport);
	snprintf(e.hang_url, sizeof(e.hang_url), "http://127.0.0.1:%d/hook", hport);
	const char *args[] = {"--clock", START, "--seed", "3", "--rate", "0", "--quiet", NULL};
	assert_int_equal(h_start_sim(&e.sim, args), 0);
	json_decref(h_json(e.sim.port, "POST", "/__sim/reset",
	                   "{\"account\":\"50012345-01\",\"cash\":10000000}", NULL));
	gw_start(&e, "on");

	/* A walks into the band at 09:05 (sim time); B stays above it. */
	int64_t ra = prev_close(&e, A), rb = prev_close(&e, B);
	char body[512];
	snprintf(
	    body, sizeof(body),
	    "{\"code\":\"%s\",\"points\":[{\"at\":\"2026-10-06T09:00:00+09:00\",\"price\":%lld},"
	    "{\"at\":\"2026-10-06T09:05:00+09:00\",\"price\":%lld}]}",
	    A, (long long)krx_tick_floor(ra * 97 / 100), (long long)krx_tick_floor(ra * 102 / 100));
	json_decref(h_json(e.sim.port, "POST", "/__sim/path", body, NULL));
	snprintf(
	    body, sizeof(body),
	    "{\"code\":\"%s\",\"points\":[{\"at\":\"2026-10-06T09:00:00+09:00\",\"price\":%lld}]}",
	    B, (long long)krx_tick_floor(rb * 110 / 100));
	json_decref(h_json(e.sim.port, "POST", "/__sim/path", body, NULL));
	snprintf(body, sizeof(body),
	         "{\"targets\":[{\"code\":\"%s\"},{\"code\":\"%s\",\"name\":\"SK\"}]}", A, B);
	json_t *j = req(&e, "PUT", "/autotrade/targets", body, 200);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(j, "targets"), 0), "ref_source")),
	                    "previous_close");
	json_decref(j);

	wait_status(&e, A, "bought");
	/* Kill it mid-session and restart: the ledger, not memory, says bought. */
	assert_int_equal(h_stop(&e.gw, SIGKILL), 128 + SIGKILL);
	gw_start(&e, "on");
	json_int_t p0 = passes(&e);
	while (passes(&e) < p0 + 5)
		usleep(100000);
	assert_int_equal(sim_orders(&e, A, "buy"), 1);
	assert_int_equal(sim_orders(&e, B, "buy"), 0);

	/* The status page. */
	j = req(&e, "GET", "/autotrade", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "mode")), "on");
	assert_string_equal(json_string_value(json_object_get(j, "state")), "session");
	assert_string_equal(target_status(j, A), "bought");
	assert_string_equal(target_status(j, B), "waiting");
	json_t *set = json_object_get(j, "settings");
	json_t *tp = json_object_get(set, "take_profit_pct");
	assert_true(json_number_value(json_object_get(tp, "value")) == 5);
	assert_string_equal(json_string_value(json_object_get(tp, "source")), "default");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(set, "interval_s"), "source")),
	    "env");
	assert_int_equal(json_array_size(json_object_get(j, "actions")), 1);
	assert_non_null(json_object_get(j, "next_pass_at"));
	/* The dead and the hanging webhook: messages failed, trading went on. */
	assert_true(json_integer_value(
	                json_object_get(json_object_get(j, "notifications"), "channels")) == 2);
	json_decref(j);

	/* Decisions: filters and the cursor. */
	j = req(&e, "GET", "/autotrade/decisions?code=005930&action=buy", NULL, 200);
	json_t *d = json_object_get(j, "decisions");
	assert_int_equal(json_array_size(d), 1);
	json_t *d0 = json_array_get(d, 0);
	assert_true(json_integer_value(json_object_get(d0, "order_id")) > 0);
	assert_string_equal(json_string_value(json_object_get(d0, "client_order_id")),
	                    "at-20261006-005930-buy-1");
	assert_false(json_is_true(json_object_get(d0, "dry_run")));
	json_decref(j);
	j = req(&e, "GET", "/autotrade/decisions?date=2026-10-06&limit=1", NULL, 200);
	const char *cur = json_string_value(json_object_get(j, "next_cursor"));
	assert_non_null(cur);
	char path[128];
	snprintf(path, sizeof(path), "/autotrade/decisions?date=2026-10-06&limit=1&cursor=%s", cur);
	json_int_t first = json_integer_value(
	    json_object_get(json_array_get(json_object_get(j, "decisions"), 0), "id"));
	json_decref(j);
	j = req(&e, "GET", path, NULL, 200);
	assert_true(json_integer_value(json_object_get(
	                json_array_get(json_object_get(j, "decisions"), 0), "id")) < first);
	json_decref(j);
	json_decref(req(&e, "GET", "/autotrade/decisions?action=hold", NULL, 400));
	json_decref(req(&e, "GET", "/autotrade/decisions?cursor=x", NULL, 400));

	/* Targets: the bad entry is named; nothing changes. */
	j = req(&e, "PUT", "/autotrade/targets",
	        "{\"targets\":[{\"code\":\"005930\"},{\"code\":\"005930\"}]}", 400);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "error"), "field")),
	    "targets[1].code");
	json_decref(j);
	j = req(&e, "PUT", "/autotrade/targets",
	        "{\"targets\":[{\"code\":\"005930\",\"ref_price\":-1}]}", 400);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "error"), "field")),
	    "targets[0].ref_price");
	json_decref(j);
	j = req(&e, "PUT", "/autotrade/targets", "{\"targets\":[{\"code\":\"12\"}]}", 400);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "error"), "field")),
	    "targets[0].code");
	json_decref(j);
	j = req(&e, "GET", "/autotrade/targets", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "targets")), 2);
	json_decref(j);

	/* Settings changed at run time persist and win over the environment. */
	j = req(&e, "PATCH", "/autotrade/settings", "{\"take_profit_pct\":4.5,\"interval_s\":2}",
	        200);
	tp = json_object_get(json_object_get(j, "settings"), "take_profit_pct");
	assert_string_equal(json_string_value(json_object_get(tp, "source")), "api");
	json_decref(j);
	json_decref(req(&e, "PATCH", "/autotrade/settings", "{\"take_profit\":1}", 400));
	json_decref(req(&e, "PATCH", "/autotrade/settings", "{\"exit_time\":\"16:30\"}", 400));
	json_decref(req(&e, "POST", "/autotrade/pause", NULL, 200));
	assert_int_equal(h_stop(&e.gw, SIGTERM), 0);
	gw_start(&e, "on");
	j = req(&e, "GET", "/autotrade", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "paused");
	set = json_object_get(j, "settings");
	assert_true(json_number_value(
	                json_object_get(json_object_get(set, "take_profit_pct"), "value")) == 4.5);
	assert_true(
	    json_integer_value(json_object_get(json_object_get(set, "interval_s"), "value")) == 2);
	json_decref(j);
	json_decref(req(&e, "POST", "/autotrade/resume", NULL, 200));
	j = req(&e, "DELETE", "/autotrade/settings", NULL, 200);
	set = json_object_get(j, "settings");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(set, "interval_s"), "source")),
	    "env");
	json_decref(j);

	/* One pass now; while off it is a conflict. */
	j = req(&e, "POST", "/autotrade/run", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "phase")), "session");
	json_decref(j);
	json_decref(req(&e, "PATCH", "/autotrade/settings", "{\"mode\":\"off\"}", 200));
	json_decref(req(&e, "POST", "/autotrade/run", NULL, 409));
	json_decref(req(&e, "DELETE", "/autotrade/targets/000660", NULL, 200));
	json_decref(req(&e, "DELETE", "/autotrade/targets/000660", NULL, 404));

	/* P&L and the test notification. */
	j = req(&e, "GET", "/pnl?from=2026-10-01&to=2026-10-06&source=autotrade", NULL, 200);
	assert_non_null(json_object_get(j, "total"));
	assert_true(
	    json_is_number(json_object_get(json_object_get(j, "estimates"), "fee_rate_ppm")));
	json_decref(j);
	json_decref(req(&e, "GET", "/pnl?source=robot", NULL, 400));
	json_decref(req(&e, "POST", "/notifications/test", NULL, 202));

	assert_int_equal(sim_orders(&e, A, "buy"), 1);
	h_stop(&e.gw, SIGTERM);
	h_stop(&e.sim, SIGTERM);
	close(e.hang_fd);
	h_rmdir(e.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_job_end_to_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
