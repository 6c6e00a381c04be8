/* Integration tests of the gateway core against the real kis-sim: tokens,
 * rate limiting, pagination, the quote cache, bad input, auth, shutdown.
 * Each test starts its own simulator and gateway on free ports. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static void test_price_and_health(void **state)
{
	testenv e;
	up(&e, NULL, NULL);
	h_resp r;
	assert_int_equal(get(e.gw.port, "/price?code=005930", &r), 200);
	const char *fields[] = {"price",  "open",   "high",        "low",         "prev_close",
	                        "change", "volume", "upper_limit", "lower_limit", "tick"};
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
		assert_true(json_is_integer(json_object_get(r.json, fields[i])));
	assert_true(json_is_number(json_object_get(r.json, "change_rate")));
	/* Rates print as KIS sends them, without binary noise. */
	const char *rate = strstr(r.body, "\"change_rate\":");
	assert_non_null(rate);
	assert_true(strcspn(rate + 14, ",}") <= 7);
	assert_string_equal(json_string_value(json_object_get(r.json, "code")), "005930");
	const char *as_of = json_string_value(json_object_get(r.json, "as_of"));
	assert_non_null(as_of);
	assert_memory_equal(as_of, "2026-11-24T10:00", 16);
	json_int_t price = json_integer_value(json_object_get(r.json, "price"));
	json_int_t tick = json_integer_value(json_object_get(r.json, "tick"));
	assert_true(price > 0 && tick > 0 && price % tick == 0);
	assert_true(json_integer_value(json_object_get(r.json, "upper_limit")) > price);
	char ct[128];
	assert_non_null(h_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_non_null(strstr(ct, "application/json"));
	h_resp_free(&r);

	assert_int_equal(get(e.gw.port, "/healthz", &r), 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
	assert_string_equal(json_string_value(json_object_get(r.json, "db")), "ok");
	json_t *kis = json_object_get(r.json, "kis");
	assert_string_equal(json_string_value(json_object_get(kis, "env")), "virtual");
	assert_true(json_is_string(json_object_get(kis, "token_valid_until")));
	h_resp_free(&r);

	/* The database is private to its owner. */
	char db[1024];
	snprintf(db, sizeof(db), "%s/kisgw.db", e.dir);
	struct stat st;
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	down(&e);
}

/* GLIBC_TUNABLES of a running process ("" when unset). */
static void tunables_of(pid_t pid, char *buf, size_t cap)
{
	char path[64], env[16384];
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(env, 1, sizeof(env) - 1, f);
	fclose(f);
	env[n] = '\0';
	buf[0] = '\0';
	for (size_t i = 0; i < n; i += strlen(env + i) + 1)
		if (!strncmp(env + i, "GLIBC_TUNABLES=", 15))
			snprintf(buf, cap, "%s", env + i + 15);
}

/* The daemon runs without glibc's per-thread malloc caches and with fixed
 * mmap and trim thresholds (main.c, malloc_tune: the defaults made its
 * memory grow under a steady load), unless the user chose the tunables.
 * Same process: the pid kisgw was started as. */
static void test_malloc_tunables(void **state)
{
	(void)state;
	testenv e;
	char t[256];
	up(&e, NULL, NULL);
	tunables_of(e.gw.pid, t, sizeof(t));
	/* glibc (2.36) parses its copy of the variable in place, ending each
	 * value with a NUL, so the environment shows the first tunable only */
	assert_string_equal(t, "glibc.malloc.tcache_count=0");
	h_resp r;
	assert_int_equal(get(e.gw.port, "/healthz", &r), 200);
	h_resp_free(&r);
	down(&e);

	const char *mine[] = {"GLIBC_TUNABLES=glibc.malloc.arena_max=2", NULL};
	up(&e, NULL, mine);
	tunables_of(e.gw.pid, t, sizeof(t));
	assert_string_equal(t, "glibc.malloc.arena_max=2");
	down(&e);
}

/* One token for the whole life of the database, across a restart. */
static void test_token_survives_restart(void **state)
{
	testenv e;
	up(&e, NULL, NULL);
	h_resp r;
	assert_int_equal(get(e.gw.port, "/price?code=005930", &r), 200);
	h_resp_free(&r);
	assert_int_equal(h_sim_counter(e.sim.port, "token_issued"), 1);
	assert_int_equal(h_stop(&e.gw, SIGTERM), 0);
	const char *genv[] = {"KISGW_CLOCK=" CLOCK, NULL};
	assert_int_equal(h_start_gw(&e.gw, e.sim.port, e.dir, genv), 0);
	assert_int_equal(get(e.gw.port, "/price?code=000660", &r), 200);
	h_resp_free(&r);
	assert_int_equal(h_sim_counter(e.sim.port, "token_issued"), 1);
	/* The request line is written once the reply has gone, which can be
	 * after the client has it: read the log once the gateway has stopped. */
	assert_int_equal(h_stop(&e.gw, SIGTERM), 0);
	/* And no secret or token in the log. */
	char logp[1024];
	snprintf(logp, sizeof(logp), "%s/kisgw.log", e.dir);
	FILE *f = fopen(logp, "r");
	assert_non_null(f);
	char line[8192];
	int request_lines = 0;
	while (fgets(line, sizeof(line), f)) {
		assert_null(strstr(line, "SSSSSSSSSSSSSSSS"));
		assert_null(strstr(line, "eyJ"));
		json_t *j = json_loads(line, 0, NULL);
		assert_non_null(j); /* every log line is JSON */
		const char *msg = json_string_value(json_object_get(j, "msg"));
		if (msg && !strcmp(msg, "request")) {
			request_lines++;
			assert_string_equal(json_string_value(json_object_get(j, "method")), "GET");
			assert_true(json_is_integer(json_object_get(j, "status")));
			assert_true(json_is_integer(json_object_get(j, "ms")));
			assert_true(json_integer_value(json_object_get(j, "upstream")) >= 0);
		}
		json_decref(j);
	}
	fclose(f);
	assert_int_equal(request_lines, 2); /* one per request, over both runs */
	down(&e);
}

typedef struct burst {
	int port;
	const char *path;
	long status;
} burst;

static void *burst_one(void *arg)
{
	burst *b = arg;
	h_resp r;
	if (h_http(&r, "GET", b->port, b->path, NULL, NULL) == 0)
		b->status = r.status;
	h_resp_free(&r);
	return NULL;
}

static void run_burst(burst *b, int n)
{
	pthread_t t[64];
	for (int i = 0; i < n; i++)
		assert_int_equal(pthread_create(&t[i], NULL, burst_one, &b[i]), 0);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/* 50 concurrent requests for distinct codes: one token issuance. */
static void test_single_flight_token(void **state)
{
	const char *sim_args[] = {"--rate", "0", NULL};
	const char *gw_env[] = {"KISGW_RATE_LIMIT=1000", NULL};
	testenv e;
	up(&e, sim_args, gw_env);
	static const char *codes[] = {"005930", "000660", "035420", "035720", "051910",
	                              "005380", "000270", "068270", "105560", "055550"};
	burst b[50];
	char paths[50][64];
	for (int i = 0; i < 50; i++) {
		snprintf(paths[i], sizeof(paths[i]), "/price?code=%s", codes[i % 10]);
		b[i] = (burst){e.gw.port, paths[i], 0};
	}
	run_burst(b, 50);
	for (int i = 0; i < 50; i++)
		assert_int_equal(b[i].status, 200);
	assert_int_equal(h_sim_counter(e.sim.port, "token_issued"), 1);
	down(&e);
}

/* 30 requests at once on a 2/s virtual account: all succeed, none trips
 * the simulator's EGW00201. */
static void test_burst_on_virtual_limit(void **state)
{
	testenv e;
	up(&e, NULL, NULL);
	burst b[30];
	for (int i = 0; i < 30; i++)
		b[i] = (burst){e.gw.port, "/balance", 0};
	run_burst(b, 30);
	for (int i = 0; i < 30; i++)
		assert_int_equal(b[i].status, 200);
	assert_int_equal(h_sim_counter(e.sim.port, "rate_limited"), 0);
	down(&e);
}

/* 45 holdings come back over three virtual pages of 20, merged. */
static void test_balance_pages(void **state)
{
	testenv e;
	up(&e, NULL, NULL);
	/* 45 distinct codes from the simulator's universe. */
	json_t *stocks = h_json(e.sim.port, "GET", "/__sim/stocks", NULL, NULL);
	json_t *list = json_object_get(stocks, "stocks");
	assert_true(json_array_size(list) >= 45);
	json_t *holdings = json_array();
	for (int i = 0; i < 45; i++)
		json_array_append_new(holdings,
		                      json_pack("{s:O,s:i,s:i}", "code",
		                                json_object_get(json_array_get(list, i), "code"),
		                                "qty", 10 + i, "avg_price", 10000));
	json_decref(stocks);
	json_t *reset = json_pack("{s:s,s:I,s:o}", "account", "50012345-01", "cash",
	                          (json_int_t)50000000, "holdings", holdings);
	char *body = json_dumps(reset, 0);
	long st;
	json_t *rj = h_json(e.sim.port, "POST", "/__sim/reset", body, &st);
	free(body);
	json_decref(reset);
	json_decref(rj);
	assert_int_equal(st, 200);

	long long before = h_sim_counter(e.sim.port, "calls.VTTC8434R");
	h_resp r;
	assert_int_equal(get(e.gw.port, "/balance", &r), 200);
	json_t *hs = json_object_get(r.json, "holdings");
	assert_int_equal(json_array_size(hs), 45);
	json_int_t qty_sum = 0;
	for (size_t i = 0; i < json_array_size(hs); i++)
		qty_sum += json_integer_value(json_object_get(json_array_get(hs, i), "qty"));
	assert_int_equal(qty_sum, 45 * 10 + 44 * 45 / 2);
	json_t *sum = json_object_get(r.json, "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "deposit")), 50000000);
	assert_true(json_is_string(json_object_get(r.json, "as_of")));
	h_resp_free(&r);
	assert_int_equal(h_sim_counter(e.sim.port, "calls.VTTC8434R") - (before < 0 ? 0 : before),
	                 3);

	assert_int_equal(get(e.gw.port, "/cash", &r), 200);
	assert_true(json_integer_value(json_object_get(r.json, "orderable_cash")) > 0);
	h_resp_free(&r);
	assert_int_equal(get(e.gw.port, "/cash?code=005930&price=70000", &r), 200);
	assert_true(json_integer_value(json_object_get(r.json, "max_buy_qty")) > 0);
	h_resp_free(&r);
	down(&e);
}

/* An expired token is dropped, re-issued and the request retried. */
static void test_expired_token_recovery(void **state)
{
	const char *gw_env[] = {"KISGW_TOKEN_MIN_INTERVAL_S=1", NULL};
	testenv e;
	up(&e, NULL, gw_env);
	h_resp r;
	assert_int_equal(get(e.gw.port, "/price?code=005930", &r), 200);
	h_resp_free(&r);
	long st;
	/* Past the simulator's one-issuance-a-minute rule, and expire it. */
	json_decref(h_json(e.sim.port, "POST", "/__sim/clock", "{\"advance_s\":61}", &st));
	assert_int_equal(st, 200);
	json_decref(h_json(e.sim.port, "POST", "/__sim/token/expire", "{}", &st));
	assert_int_equal(st, 200);
	sleep(1); /* the gateway's own 1/min guard, shortened for the test */
	assert_int_equal(get(e.gw.port, "/price?code=000660", &r), 200);
	h_resp_free(&r);
	assert_int_equal(h_sim_counter(e.sim.port, "token_issued"), 2);
	down(&e);
}

/* Repeated quotes within the cache lifetime make one upstream call. */
static void test_quote_cache(void **state)
{
	testenv e;
	up(&e, NULL, NULL);
	h_resp r;
	long long before = h_sim_counter(e.sim.port, "calls.FHKST01010100");
	for (int i = 0; i < 5; i++) {
		assert_int_equal(get(e.gw.port, "/price?code=035420", &r), 200);
		h_resp_free(&r);
	}
	long long after = h_sim_counter(e.sim.port, "calls.FHKST01010100");
	assert_true(after - (before < 0 ? 0 : before) <= 2); /* one, or two across a TTL edge */
	down(&e);
}

/* Concurrent requests for one code share one upstream call, cache or not. */
static void test_quote_single_flight(void **state)
{
	const char *gw_env[] = {"KISGW_QUOTE_CACHE_MS=0", "KISGW_RATE_LIMIT=100", NULL};
	const char *sim_args[] = {"--rate", "0", NULL};
	testenv e;
	up(&e, sim_args, gw_env);
	h_resp r;
	assert_int_equal(get(e.gw.port, "/healthz", &r), 200);
	h_resp_free(&r);
	long st;
	json_decref(h_json(e.sim.port, "POST", "/__sim/fault",
	                   "{\"match\":\"FHKST01010100\",\"count\":1,\"kind\":\"delay\","
	                   "\"delay_ms\":800}",
	                   &st));
	assert_int_equal(st, 200);
	long long before = h_sim_counter(e.sim.port, "calls.FHKST01010100");
	burst b[20];
	for (int i = 0; i < 20; i++)
		b[i] = (burst){e.gw.port, "/price?code=005930", 0};
	run_burst(b, 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(b[i].status, 200);
	long long calls =
	    h_sim_counter(e.sim.port, "calls.FHKST01010100") - (before < 0 ? 0 : before);
	assert_true(calls >= 1 && calls <= 2); /* a straggler may start after the first returns */
	/* Without a cache, a later request goes upstream again. */
	assert_int_equal(get(e.gw.port, "/price?code=005930", &r), 200);
	h_resp_free(&r);
	assert_int_equal(h_sim_counter(e.sim.port, "calls.FHKST01010100") -
	                     (before < 0 ? 0 : before),
	                 calls + 1);
	down(&e);
}

/* CORS headers only for the configured origin. */
static void test_cors(void **state)
{
	const char *gw_env[] = {"KISGW_CORS_ORIGIN=http://dash.local:3000", NULL};
	testenv e;
	up(&e, NULL, gw_env);
	char v[256];
	h_resp r;
	const char *good[] = {"Origin: http://dash.local:3000", NULL};
	assert_int_equal(h_http(&r, "GET", e.gw.port, "/healthz", NULL, good), 0);
	assert_non_null(h_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)));
	assert_string_equal(v, "http://dash.local:3000");
	h_resp_free(&r);
	/* Another origin is refused outright (issue 7), without CORS headers. */
	const char *bad[] = {"Origin: http://evil.example", NULL};
	assert_int_equal(h_http(&r, "GET", e.gw.port, "/healthz", NULL, bad), 0);
	assert_int_equal(r.status, 403);
	assert_null(h_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)));
	h_resp_free(&r);
	assert_int_equal(h_http(&r, "OPTIONS", e.gw.port, "/price", NULL, good), 0);
	assert_int_equal(r.status, 204);
	assert_non_null(h_header(&r, "Access-Control-Allow-Methods", v, sizeof(v)));
	h_resp_free(&r);
	down(&e);
	/* Not configured: that origin is refused too, and OPTIONS is not an
	 * allowed method. */
	up(&e, NULL, NULL);
	assert_int_equal(h_http(&r, "GET", e.gw.port, "/healthz", NULL, good), 0);
	assert_int_equal(r.status, 403);
	assert_null(h_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)));
	h_resp_free(&r);
	assert_int_equal(h_http(&r, "OPTIONS", e.gw.port, "/price", NULL, NULL), 0);
	assert_int_equal(r.status, 405);
	h_resp_free(&r);
	down(&e);
}

typedef struct scenario {
	const char *method, *path, *body;
	const char *headers[3];
	long status;
	const char *code;  /* error code expected */
	const char *field; /* field expected, or NULL */
} scenario;

static void check_scenarios(int port, const scenario *sc, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h_resp r;
		assert_int_equal(
		    h_http(&r, sc[i].method, port, sc[i].path, sc[i].body, sc[i].headers), 0);
		if (r.status != sc[i].status || strcmp(h_err_code(&r), sc[i].code))
			fail_msg("%s %.60s: got %ld %s, want %ld %s", sc[i].method, sc[i].path,
			         r.status, r.body, sc[i].status, sc[i].code);
		json_t *err = json_object_get(r.json, "error");
		assert_true(json_is_string(json_object_get(err, "message")));
		if (sc[i].field)
			assert_string_equal(json_string_value(json_object_get(err, "field")),
			                    sc[i].field);
		h_resp_free(&r);
	}
}

static void test_bad_input(void **state)
{
	testenv e;
	up(&e, NULL, NULL);
	static char long_path[4096];
	strcpy(long_path, "/price?code=");
	memset(long_path + 12, '0', 3000);
	const scenario sc[] = {
	    {"GET", "/price", NULL, {0}, 400, "missing_parameter", "code"},
	    {"GET", "/price?code=abc", NULL, {0}, 400, "invalid_parameter", "code"},
	    {"GET", "/price?code=00593O", NULL, {0}, 404, "unknown_code", "code"},
	    {"GET", "/price?code=005930&cod=1", NULL, {0}, 400, "invalid_parameter", "cod"},
	    {"GET", "/price?code=999999", NULL, {0}, 404, "unknown_code", "code"},
	    {"GET", "/nothing", NULL, {0}, 404, "not_found", NULL},
	    {"POST", "/price?code=005930", "{}", {0}, 405, "method_not_allowed", NULL},
	    {"DELETE", "/balance", NULL, {0}, 405, "method_not_allowed", NULL},
	    {"GET", long_path, NULL, {0}, 414, "uri_too_long", NULL},
	    {"GET",
	     "/price?code=005930",
	     NULL,
	     {"Host: evil.example:8080"},
	     403,
	     "forbidden_host",
	     NULL},
	    {"GET", "/cash?price=70000", NULL, {0}, 400, "missing_parameter", "code"},
	    {"GET", "/cash?code=005930&price=-5", NULL, {0}, 400, "invalid_parameter", "price"},
	    {"GET", "/cash?code=005930&price=7e4", NULL, {0}, 400, "invalid_parameter", "price"},
	    {"GET",
	     "/daily?code=005930&from=2026-13-01",
	     NULL,
	     {0},
	     400,
	     "invalid_parameter",
	     "from"},
	    {"GET",
	     "/daily?code=005930&from=2026-11-20&to=2026-11-01",
	     NULL,
	     {0},
	     400,
	     "invalid_parameter",
	     "from"},
	};
	check_scenarios(e.gw.port, sc, sizeof(sc) / sizeof(*sc));

	/* The Host of the listen address, with a port, is accepted. */
	h_resp r;
	const char *hdr[] = {"Host: localhost:1234", NULL};
	assert_int_equal(h_http(&r, "GET", e.gw.port, "/healthz", NULL, hdr), 0);
	assert_int_equal(r.status, 200);
	h_resp_free(&r);
	down(&e);
}

/* A body over the cap: refused from Content-Length (see the orders tests)
 * and, sent chunked with no length, cut off while it streams in. */
static void test_body_too_large(void **state)
{
	const char *gw_env[] = {"KISGW_MAX_BODY=1024", NULL};
	testenv e;
	up(&e, NULL, gw_env);
	char *big = malloc(4096);
	memset(big, ' ', 4095);
	big[4095] = 0;
	big[0] = '{';
	big[4094] = '}';
	h_resp r;
	const char *chunked[] = {"Transfer-Encoding: chunked", NULL};
	assert_int_equal(h_http(&r, "POST", e.gw.port, "/orders", big, chunked), 0);
	assert_int_equal(r.status, 413);
	assert_string_equal(h_err_code(&r), "body_too_large");
	h_resp_free(&r);
	/* The method is checked before the size. */
	assert_int_equal(h_http(&r, "POST", e.gw.port, "/price?code=005930", big, NULL), 0);
	assert_int_equal(r.status, 405);
	h_resp_free(&r);
	free(big);
	down(&e);
}

/* A short limiter wait on a 2/s account: the excess gets 503 with
 * Retry-After, never an upstream EGW00201. */
static void test_limiter_503(void **state)
{
	const char *gw_env[] = {"KISGW_QUEUE_WAIT_MS=200", NULL};
	testenv e;
	up(&e, NULL, gw_env);
	h_resp r;
	assert_int_equal(get(e.gw.port, "/balance", &r), 200); /* token first */
	h_resp_free(&r);
	usleep(1200 * 1000); /* an empty one-second window */
	burst b[12];
	for (int i = 0; i < 12; i++)
		b[i] = (burst){e.gw.port, "/balance", 0};
	run_burst(b, 12);
	int ok = 0, busy = 0;
	for (int i = 0; i < 12; i++) {
		ok += b[i].status == 200;
		busy += b[i].status == 503;
	}
	if (ok + busy != 12 || ok < 1 || busy < 1)
		fail_msg("ok %d, busy %d of 12", ok, busy);
	assert_true(ok >= 1 && busy >= 1);
	assert_int_equal(h_sim_counter(e.sim.port, "rate_limited"), 0);
	/* The 503 carries Retry-After and names the cause. */
	for (int i = 0; i < 20; i++) {
		assert_int_equal(h_http(&r, "GET", e.gw.port, "/balance", NULL, NULL), 0);
		if (r.status == 503)
			break;
		h_resp_free(&r);
	}
	char ra[16];
	if (r.status == 503) {
		assert_string_equal(h_err_code(&r), "rate_limited");
		assert_non_null(h_header(&r, "Retry-After", ra, sizeof(ra)));
		assert_true(atoi(ra) >= 1);
	}
	h_resp_free(&r);
	down(&e);
}

/* Reads survive an upstream EGW00201 and a transient EGW00001. */
static void test_read_retries(void **state)
{
	testenv e;
	up(&e, NULL, NULL);
	h_resp r;
	assert_int_equal(get(e.gw.port, "/price?code=005930", &r), 200);
	h_resp_free(&r);
	long st;
	json_decref(h_json(e.sim.port, "POST", "/__sim/fault",
	                   "{\"match\":\"VTTC8434R\",\"count\":1,\"kind\":\"rate_limit\"}", &st));
	assert_int_equal(st, 200);
	assert_int_equal(get(e.gw.port, "/balance", &r), 200);
	h_resp_free(&r);
	json_decref(h_json(e.sim.port, "POST", "/__sim/fault",
	                   "{\"match\":\"VTTC8908R\",\"count\":1,\"kind\":\"egw00001\"}", &st));
	assert_int_equal(st, 200);
	assert_int_equal(get(e.gw.port, "/cash", &r), 200);
	h_resp_free(&r);
	/* A reply that is not JSON, every time: 502, the upstream's fault. */
	json_decref(h_json(e.sim.port, "POST", "/__sim/fault",
	                   "{\"match\":\"VTTC8908R\",\"count\":10,\"kind\":\"non_json\"}", &st));
	assert_int_equal(get(e.gw.port, "/cash", &r), 502);
	assert_string_equal(h_err_code(&r), "upstream_error");
	h_resp_free(&r);
	down(&e);
}

static void test_api_token(void **state)
{
	const char *gw_env[] = {"KISGW_API_TOKEN=test-token-0123456789", NULL};
	testenv e;
	up(&e, NULL, gw_env);
	const scenario sc[] = {
	    {"GET", "/price?code=005930", NULL, {0}, 401, "unauthorized", NULL},
	    {"GET",
	     "/price?code=005930",
	     NULL,
	     {"Authorization: Bearer wrong"},
	     401,
	     "unauthorized",
	     NULL},
	    {"GET",
	     "/price?code=005930",
	     NULL,
	     {"Authorization: Basic dGVzdA=="},
	     401,
	     "unauthorized",
	     NULL},
	};
	check_scenarios(e.gw.port, sc, sizeof(sc) / sizeof(*sc));
	h_resp r;
	const char *ok[] = {"Authorization: Bearer test-token-0123456789", NULL};
	assert_int_equal(h_http(&r, "GET", e.gw.port, "/price?code=005930", NULL, ok), 0);
	assert_int_equal(r.status, 200);
	h_resp_free(&r);
	assert_int_equal(get(e.gw.port, "/healthz", &r), 200); /* public */
	h_resp_free(&r);
	down(&e);
}

typedef struct slow {
	int port;
	long status;
} slow;

static void *slow_req(void *arg)
{
	slow *s = arg;
	h_resp r;
	if (h_http(&r, "GET", s->port, "/balance", NULL, NULL) == 0)
		s->status = r.status;
	h_resp_free(&r);
	return NULL;
}

/* SIGTERM lets the request in flight finish, then exits 0. */
static void test_sigterm_drains(void **state)
{
	testenv e;
	up(&e, NULL, NULL);
	h_resp r;
	assert_int_equal(get(e.gw.port, "/price?code=005930", &r), 200); /* token first */
	h_resp_free(&r);
	long st;
	json_decref(h_json(
	    e.sim.port, "POST", "/__sim/fault",
	    "{\"match\":\"VTTC8434R\",\"count\":1,\"kind\":\"delay\",\"delay_ms\":1500}", &st));
	assert_int_equal(st, 200);
	slow s = {e.gw.port, 0};
	pthread_t t;
	pthread_create(&t, NULL, slow_req, &s);
	usleep(500 * 1000);
	kill(e.gw.pid, SIGTERM);
	pthread_join(t, NULL);
	assert_int_equal(s.status, 200);
	assert_int_equal(h_stop(&e.gw, 0), 0);
	down(&e);
}

/* Start-up refuses bad settings with "invalid NAME: why". */
static void test_bad_settings(void **state)
{
	static const struct {
		const char *env;
		const char *want;
	} cases[] = {
	    {"KISGW_LISTEN=0.0.0.0:0", "invalid KISGW_LISTEN"},
	    {"KISGW_LISTEN=nonsense", "invalid KISGW_LISTEN"},
	    {"KIS_ENV=real", "invalid KIS_ENV"},
	    {"KIS_ENV=paper", "invalid KIS_ENV"},
	    {"KISGW_QUOTE_CACHE_MS=soon", "invalid KISGW_QUOTE_CACHE_MS"},
	    {"KISGW_RATE_LIMIT=-1", "invalid KISGW_RATE_LIMIT"},
	    {"KISGW_CLOCK=yesterday", "invalid KISGW_CLOCK"},
	    {"KIS_ACCOUNT=1234", "invalid KIS_ACCOUNT"},
	};
	char *dir = h_tmpdir();
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char log[1024];
		snprintf(log, sizeof(log), "%s/err%zu.log", dir, i);
		const char *env[] = {cases[i].env, "KISGW_DB=/nonexistent/x.db", NULL};
		h_proc p;
		assert_int_not_equal(h_spawn(&p, h_bin("kisgw"), NULL, env, log), 0);
		FILE *f = fopen(log, "r");
		assert_non_null(f);
		char buf[1024] = {0};
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		if (!strstr(buf, cases[i].want))
			fail_msg("%s: got '%s'", cases[i].env, buf);
	}
	h_rmdir(dir);
}

/* With no credentials kisgw runs its own kis-sim, which dies with it. */
static void test_embedded_sim(void **state)
{
	char *dir = h_tmpdir();
	char db[1024], log[1024], simpath[1100];
	snprintf(db, sizeof(db), "KISGW_DB=%s/kisgw.db", dir);
	snprintf(log, sizeof(log), "%s/kisgw.log", dir);
	snprintf(simpath, sizeof(simpath), "KISGW_SIM=%s", h_bin("kis-sim"));
	/* An unknown KISGW_ variable (a typo) is one warning, not a stop. */
	const char *env[] = {db, "KISGW_LISTEN=127.0.0.1:0", ("KISGW_CLOCK=" CLOCK),
	                     "KISGW_QUOTE_CACHE=5", NULL};
	h_proc gw;
	assert_int_equal(h_spawn(&gw, h_bin("kisgw"), NULL, env, log), 0);
	h_resp r;
	assert_int_equal(get(gw.port, "/price?code=005930", &r), 200);
	h_resp_free(&r);
	{
		FILE *lf = fopen(log, "r");
		assert_non_null(lf);
		char line[1024];
		int warned = 0;
		while (fgets(line, sizeof(line), lf))
			warned += strstr(line, "unknown setting KISGW_QUOTE_CACHE ") &&
			          strstr(line, "did you mean KISGW_QUOTE_CACHE_MS?") &&
			          strstr(line, "\"level\":\"warn\"");
		fclose(lf);
		assert_int_equal(warned, 1);
	}
	/* Find the child kis-sim. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", gw.pid, gw.pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int child = 0;
	assert_int_equal(fscanf(f, "%d", &child), 1);
	fclose(f);
	assert_true(child > 0);
	assert_int_equal(kill(child, 0), 0);
	h_stop(&gw, SIGKILL);
	for (int i = 0; i < 200 && kill(child, 0) == 0; i++)
		usleep(10000);
	assert_int_not_equal(kill(child, 0), 0);
	h_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_price_and_health),
	    cmocka_unit_test(test_malloc_tunables),
	    cmocka_unit_test(test_token_survives_restart),
	    cmocka_unit_test(test_single_flight_token),
	    cmocka_unit_test(test_balance_pages),
	    cmocka_unit_test(test_expired_token_recovery),
	    cmocka_unit_test(test_quote_cache),
	    cmocka_unit_test(test_quote_single_flight),
	    cmocka_unit_test(test_cors),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_body_too_large),
	    cmocka_unit_test(test_limiter_503),
	    cmocka_unit_test(test_read_retries),
	    cmocka_unit_test(test_api_token),
	    cmocka_unit_test(test_sigterm_drains),
	    cmocka_unit_test(test_bad_settings),
	    cmocka_unit_test(test_embedded_sim),
	    cmocka_unit_test(test_burst_on_virtual_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
