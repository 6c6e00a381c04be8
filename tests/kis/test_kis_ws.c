/* The real-time session (kis_ws.c) against the real kis-sim: approval key,
 * subscribe, acknowledgement + fill notices of a market order, PINGPONG
 * echoed as text and no client ping frames, two records in one frame, the
 * older 23-field layout, an unknown layout (reported, polling), a dropped
 * connection (reconnect + re-subscribe, CONNECTED reported again) and a
 * second session for the same app key (OPSP8996 reported, not fought). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness.h"
#include "kclock.h"
#include "kis.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SIM_CLOCK "2026-11-24T10:00:00+09:00"
#define ACCOUNT   "12345678-01"
#define WAIT_MS   15000 /* generous: sanitizer builds are slow */

static h_proc sim;
static char sim_url[64], ws_url[64];
static kclock clk;
static char app_key[37], app_secret[181];
static kis_client *cl;

/* What a session's callbacks saw. */
typedef struct seen {
	pthread_mutex_t mu;
	kis_notice notices[64];
	int nnotices;
	int connected; /* CONNECTED reports */
	int polling;
	char last_reason[256];
} seen;

static void on_notice(void *ctx, const kis_notice *n)
{
	seen *s = ctx;
	pthread_mutex_lock(&s->mu);
	if (s->nnotices < 64)
		s->notices[s->nnotices++] = *n;
	pthread_mutex_unlock(&s->mu);
}

static void on_state(void *ctx, kis_ws_state st, const char *reason)
{
	seen *s = ctx;
	pthread_mutex_lock(&s->mu);
	if (st == KIS_WS_CONNECTED)
		s->connected++;
	if (st == KIS_WS_POLLING)
		s->polling++;
	snprintf(s->last_reason, sizeof(s->last_reason), "%s", reason);
	pthread_mutex_unlock(&s->mu);
}

static int64_t clk_now(void *ctx)
{
	return kclock_now_ms(ctx);
}

static json_t *ctl(const char *method, const char *path, const char *body)
{
	long st = 0;
	json_t *j = h_json(sim.port, method, path, body, &st);
	if (st != 200)
		fail_msg("control %s %s: http %ld", method, path, st);
	return j;
}

static void ctl_post(const char *path, const char *body)
{
	json_decref(ctl("POST", path, body));
}

static long long ws_counter(const char *name)
{
	char n[64];
	snprintf(n, sizeof(n), "ws.%s", name);
	return h_sim_counter(sim.port, n);
}

/* Polls cond(s) every 20 ms for at most WAIT_MS; 1 when it came true. */
static int wait_for(seen *s, int (*cond)(seen *, void *), void *arg)
{
	for (int i = 0; i < WAIT_MS / 20; i++) {
		pthread_mutex_lock(&s->mu);
		int ok = cond(s, arg);
		pthread_mutex_unlock(&s->mu);
		if (ok)
			return 1;
		usleep(20000);
	}
	return 0;
}

static int connected_at_least(seen *s, void *arg)
{
	return s->connected >= *(int *)arg;
}

static int notices_at_least(seen *s, void *arg)
{
	return s->nnotices >= *(int *)arg;
}

static int reason_has(seen *s, void *arg)
{
	return strstr(s->last_reason, arg) != NULL;
}

static kis_ws *session(seen *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	kis_ws_config wc = {.url = ws_url,
	                    .hts_id = "kisgwtest",
	                    .real = 0,
	                    .backoff_min_ms = 100,
	                    .backoff_max_ms = 400,
	                    .on_notice = on_notice,
	                    .on_state = on_state,
	                    .ctx = s};
	char e[160];
	kis_ws *w = kis_ws_start(cl, &wc, e, sizeof(e));
	if (!w)
		fail_msg("kis_ws_start: %s", e);
	return w;
}

static void order(const char *code, int64_t qty, kis_order_ack *ack)
{
	kis_order_req rq = {.side = KIS_SIDE_BUY, .qty = qty, .price = 0};
	snprintf(rq.code, sizeof(rq.code), "%s", code);
	kis_error e;
	if (kis_order_cash(cl, &rq, ack, &e) != KIS_OK)
		fail_msg("order: %s %s %s", kis_status_name(e.status), e.msg_cd, e.msg1);
}

static int group_setup(void **state)
{
	memset(app_key, 'K', 36);
	memset(app_secret, 'S', 180);
	if (kclock_init(&clk, SIM_CLOCK, NULL, 0) != 0)
		return -1;
	const char *args[] = {"--env", "virtual", "--seed", "7", "--clock", SIM_CLOCK, NULL};
	if (h_start_sim(&sim, args))
		return -1;
	snprintf(sim_url, sizeof sim_url, "http://127.0.0.1:%d", sim.port);
	snprintf(ws_url, sizeof ws_url, "ws://127.0.0.1:%d/tryitout", sim.port);
	kis_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.base_url = sim_url;
	cfg.app_key = app_key;
	cfg.app_secret = app_secret;
	cfg.account = ACCOUNT;
	cfg.queue_wait_ms = 30000;
	cfg.now_ms = clk_now;
	cfg.clock_ctx = &clk;
	kis_config_defaults(&cfg);
	char e[128];
	cl = kis_client_new(&cfg, e, sizeof e);
	return cl ? 0 : -1;
}

static int group_teardown(void **state)
{
	kis_client_free(cl);
	h_stop(&sim, SIGTERM);
	kclock_destroy(&clk);
	return 0;
}

static void test_notices_and_pingpong(void **state)
{
	ctl_post("/__sim/session", "{\"ws_ping_ms\":100}");
	seen s;
	kis_ws *w = session(&s);
	int one = 1;
	assert_true(wait_for(&s, connected_at_least, &one));
	assert_int_equal(kis_ws_state_get(w, NULL, 0), KIS_WS_CONNECTED);
	kis_order_ack ack;
	order("005930", 3, &ack);
	int two = 2;
	assert_true(wait_for(&s, notices_at_least, &two));
	pthread_mutex_lock(&s.mu);
	assert_int_equal(s.notices[0].kind, KIS_NOTICE_ACCEPTED);
	assert_string_equal(s.notices[0].odno, ack.odno);
	assert_int_equal(s.notices[0].qty, 3);
	assert_int_equal(s.notices[1].kind, KIS_NOTICE_FILL);
	assert_string_equal(s.notices[1].odno, ack.odno);
	assert_int_equal(s.notices[1].qty, 3);
	assert_true(s.notices[1].price > 0);
	assert_int_equal(s.notices[1].fields, 26);
	pthread_mutex_unlock(&s.mu);
	/* PINGPONG every 100 ms: echoed as text, never a ping frame */
	for (int i = 0; i < WAIT_MS / 20 && ws_counter("pingpong_echoes") < 3; i++)
		usleep(20000);
	assert_true(ws_counter("pingpong_echoes") >= 3);
	assert_int_equal(ws_counter("client_pings"), 0);
	kis_ws_stats ks;
	kis_ws_stats_get(w, &ks);
	assert_true(ks.pingpongs >= 3);
	assert_int_equal(ks.decode_errors, 0);
	kis_ws_stop(w);
	ctl_post("/__sim/session", "{\"ws_ping_ms\":10000}");
}

static void test_batch_and_old_layout(void **state)
{
	seen s;
	kis_ws *w = session(&s);
	int one = 1;
	assert_true(wait_for(&s, connected_at_least, &one));
	ctl_post("/__sim/ws", "{\"batch\":true,\"layout\":23}");
	long long frames = ws_counter("notice_frames");
	kis_order_ack ack;
	order("000660", 2, &ack);
	int two = 2;
	assert_true(wait_for(&s, notices_at_least, &two));
	assert_int_equal(ws_counter("notice_frames"), frames + 1); /* both in one frame */
	pthread_mutex_lock(&s.mu);
	assert_int_equal(s.notices[0].fields, 23);
	assert_int_equal(s.notices[0].kind, KIS_NOTICE_ACCEPTED);
	assert_int_equal(s.notices[1].kind, KIS_NOTICE_FILL);
	assert_string_equal(s.notices[1].odno, ack.odno);
	pthread_mutex_unlock(&s.mu);
	/* a layout nobody knows: reported, and the session falls back to polling */
	ctl_post("/__sim/ws", "{\"batch\":false,\"layout\":27}");
	order("000660", 1, &ack);
	assert_true(wait_for(&s, reason_has, "unknown layout"));
	assert_int_equal(kis_ws_state_get(w, NULL, 0), KIS_WS_POLLING);
	pthread_mutex_lock(&s.mu);
	assert_int_equal(s.nnotices, 2); /* nothing half-read was delivered */
	pthread_mutex_unlock(&s.mu);
	ctl_post("/__sim/ws", "{\"layout\":26}");
	kis_ws_stop(w);
}

static void test_drop_and_second_session(void **state)
{
	seen s, s2;
	kis_ws *w = session(&s);
	int one = 1, two = 2;
	assert_true(wait_for(&s, connected_at_least, &one));
	long long sessions = ws_counter("sessions");
	ctl_post("/__sim/ws", "{\"drop\":true}");
	assert_true(wait_for(&s, connected_at_least, &two)); /* reconnected, re-subscribed */
	assert_true(ws_counter("sessions") > sessions);
	pthread_mutex_lock(&s.mu);
	assert_true(s.polling >= 1); /* the gap was reported */
	pthread_mutex_unlock(&s.mu);
	/* fills still arrive on the new session */
	kis_order_ack ack;
	order("005930", 1, &ack);
	assert_true(wait_for(&s, notices_at_least, &two));

	/* a second session for the same app key is refused: reported, no fight */
	long long refused = ws_counter("refused");
	kis_ws *w2 = session(&s2);
	assert_true(wait_for(&s2, reason_has, "OPSP8996"));
	assert_int_equal(kis_ws_state_get(w2, NULL, 0), KIS_WS_POLLING);
	usleep(1000 * 1000); /* well past its backoff: it must not have tried again */
	assert_int_equal(ws_counter("refused"), refused + 1);
	assert_int_equal(kis_ws_state_get(w, NULL, 0), KIS_WS_CONNECTED);
	kis_ws_stop(w2);
	kis_ws_stop(w);
}

static void test_bad_url(void **state)
{
	kis_ws_config wc = {.url = "wss://example.invalid", .hts_id = "x"};
	char e[160];
	assert_null(kis_ws_start(cl, &wc, e, sizeof(e)));
	assert_non_null(strstr(e, "ws://"));
	wc.url = ws_url;
	wc.hts_id = "";
	assert_null(kis_ws_start(cl, &wc, e, sizeof(e)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_notices_and_pingpong),
	    cmocka_unit_test(test_batch_and_old_layout),
	    cmocka_unit_test(test_drop_and_second_session),
	    cmocka_unit_test(test_bad_url),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
