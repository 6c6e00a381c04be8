/* Integration tests of issue 7's hardening, against the real kisgw and
 * kis-sim: what a hostile web page or local program sends, mostly over raw
 * sockets because curl cannot express it (two Host headers, NUL bytes,
 * garbage, pipelining, idle and trickling sockets). Loopback only. */
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

static size_t orders_in_ledger(int port)
{
	json_t *j = h_json(port, "GET", "/orders", NULL, NULL);
	size_t n = json_array_size(json_object_get(j, "orders"));
	json_decref(j);
	return n;
}

/* 1. A web page cannot place orders: every form a browser sends
 * cross-site without a preflight is refused before a handler runs. */
static void test_cross_site_orders(void **state)
{
	testenv e;
	up(&e, NULL);
	int p = e.gw.port;
	char host[64], self[96];
	snprintf(host, sizeof(host), "Host: 127.0.0.1:%d\r\n", p);
	snprintf(self, sizeof(self), "%sOrigin: http://127.0.0.1:%d\r\n", host, p);
	const char *types[] = {"text/plain", "text/plain;charset=UTF-8",
	                       "application/x-www-form-urlencoded",
	                       "multipart/form-data; boundary=x"};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char h[512];
		/* From another site: 403 naming Origin, whatever the type. */
		snprintf(h, sizeof(h), "%sOrigin: http://evil.example\r\nContent-Type: %s\r\n",
		         host, types[i]);
		expect(p, "POST /orders HTTP/1.1", h, ORDER, 403, "forbidden_origin", "Origin");
		expect(p, "POST /orders/backfill HTTP/1.1", h, ORDER, 403, "forbidden_origin",
		       "Origin");
		/* Sandboxed frames and file:// pages send Origin: null. */
		snprintf(h, sizeof(h), "%sOrigin: null\r\nContent-Type: %s\r\n", host, types[i]);
		expect(p, "POST /orders HTTP/1.1", h, ORDER, 403, "forbidden_origin", "Origin");
		/* Without Origin, but the browser says cross-site. */
		snprintf(h, sizeof(h), "%sSec-Fetch-Site: cross-site\r\nContent-Type: %s\r\n", host,
		         types[i]);
		expect(p, "POST /orders HTTP/1.1", h, ORDER, 403, "forbidden_origin",
		       "Sec-Fetch-Site");
		/* Even from the gateway's own origin, a body must be JSON. */
		snprintf(h, sizeof(h), "%sContent-Type: %s\r\n", self, types[i]);
		expect(p, "POST /orders HTTP/1.1", h, ORDER, 415, "unsupported_media_type",
		       "Content-Type");
	}
	char h[512];
	snprintf(h, sizeof(h), "%sOrigin: http://evil.example\r\n", host);
	expect(p, "POST /orders/reconcile HTTP/1.1", h, NULL, 403, "forbidden_origin", "Origin");
	expect(p, "DELETE /orders/1 HTTP/1.1", h, NULL, 403, "forbidden_origin", "Origin");
	expect(p, "DELETE /orders/1?qty=1 HTTP/1.1", h, NULL, 403, "forbidden_origin", "Origin");
	expect(p, "POST /trading/resume HTTP/1.1", h, NULL, 403, "forbidden_origin", "Origin");
	/* The order-types wave's bodies: cross-site, and as text/plain. */
	char hb[512];
	snprintf(hb, sizeof(hb), "%sOrigin: http://evil.example\r\nContent-Type: text/plain\r\n",
	         host);
	expect(p, "PATCH /orders/1 HTTP/1.1", hb, "{\"price\":60000}", 403, "forbidden_origin",
	       "Origin");
	expect(p, "POST /orders/preview HTTP/1.1", hb, ORDER, 403, "forbidden_origin", "Origin");
	expect(p, "POST /trading/halt HTTP/1.1", hb, "{\"reason\":\"x\"}", 403, "forbidden_origin",
	       "Origin");
	expect(p, "POST /trading/halt HTTP/1.1", host, "{\"reason\":\"x\"}", 415,
	       "unsupported_media_type", "Content-Type");
	/* Reads too: no CORS is configured. */
	expect(p, "GET /price?code=005930 HTTP/1.1", h, NULL, 403, "forbidden_origin", "Origin");
	snprintf(h, sizeof(h), "%sSec-Fetch-Site: same-site\r\n", host);
	expect(p, "GET /balance HTTP/1.1", h, NULL, 403, "forbidden_origin", "Sec-Fetch-Site");
	/* A body with no Content-Type at all. */
	expect(p, "POST /orders HTTP/1.1", host, ORDER, 415, "unsupported_media_type",
	       "Content-Type");
	assert_int_equal(orders_in_ledger(p), 0);
	json_t *hz = h_json(p, "GET", "/healthz", NULL, NULL); /* no halt got through */
	assert_true(json_is_false(json_object_get(json_object_get(hz, "trading"), "halted")));
	json_decref(hz);

	/* The gateway's own page, the user's own navigation and scripts pass. */
	snprintf(h, sizeof(h), "%sSec-Fetch-Site: none\r\n", host);
	expect(p, "GET /price?code=005930 HTTP/1.1", h, NULL, 200, NULL, NULL);
	snprintf(h, sizeof(h), "%sContent-Type: application/json; charset=utf-8\r\n", self);
	expect(p, "POST /orders HTTP/1.1", h, ORDER, 201, NULL, NULL);
	assert_int_equal(orders_in_ledger(p), 1);
	down(&e);

	/* With CORS on, the configured origin may place orders (after its
	 * preflight); any other is still refused. */
	const char *env[] = {"KISGW_CORS_ORIGIN=http://dash.local:3000", NULL};
	up(&e, env);
	p = e.gw.port;
	snprintf(host, sizeof(host), "Host: 127.0.0.1:%d\r\n", p);
	snprintf(h, sizeof(h),
	         "%sOrigin: http://dash.local:3000\r\nContent-Type: application/json\r\n", host);
	expect(p, "POST /orders HTTP/1.1", h, ORDER, 201, NULL, NULL);
	snprintf(h, sizeof(h),
	         "%sOrigin: http://dash.local:3001\r\nContent-Type: application/json\r\n", host);
	expect(p, "POST /orders HTTP/1.1", h, ORDER, 403, "forbidden_origin", "Origin");
	snprintf(h, sizeof(h), "%sOrigin: http://dash.local:3000\r\nContent-Type: text/plain\r\n",
	         host);
	expect(p, "POST /orders HTTP/1.1", h, ORDER, 415, "unsupported_media_type", "Content-Type");
	assert_int_equal(orders_in_ledger(p), 1);
	down(&e);
}

/* 2. Preflights pass the Host check and the route table like any request. */
static void test_preflight(void **state)
{
	const char *env[] = {"KISGW_CORS_ORIGIN=http://dash.local:3000", NULL};
	testenv e;
	up(&e, env);
	int p = e.gw.port;
	const char *good = "Origin: http://dash.local:3000\r\n"
	                   "Access-Control-Request-Method: POST\r\n";
	char h[512];
	snprintf(h, sizeof(h), "Host: evil.com\r\n%s", good);
	expect(p, "OPTIONS /orders HTTP/1.1", h, NULL, 403, "forbidden_host", "Host");
	snprintf(h, sizeof(h), "Host: 127.0.0.1:%d\r\n%s", p, good);
	expect(p, "OPTIONS /nonexistent HTTP/1.1", h, NULL, 404, "not_found", NULL);
	expect(p, "OPTIONS /price HTTP/1.1", h, NULL, 405, "method_not_allowed", NULL);
	snprintf(h, sizeof(h),
	         "Host: 127.0.0.1:%d\r\nOrigin: http://evil.example\r\n"
	         "Access-Control-Request-Method: POST\r\n",
	         p);
	expect(p, "OPTIONS /orders HTTP/1.1", h, NULL, 403, "forbidden_origin", "Origin");

	/* The real thing: 204 with the CORS headers and the path's methods. */
	char req[512];
	int n = snprintf(req, sizeof(req),
	                 "OPTIONS /orders HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s"
	                 "Access-Control-Request-Headers: content-type\r\n\r\n",
	                 p, good);
	h_raw_resp r = {0};
	int fd = h_raw_connect(p);
	assert_true(fd >= 0);
	assert_int_equal(h_raw_send(fd, req, (size_t)n), 0);
	assert_int_equal(h_raw_read(fd, &r, 10000, 1), 0);
	close(fd);
	assert_int_equal(h_raw_status(&r, 0), 204);
	char v[256];
	assert_non_null(h_raw_header(&r, 0, "Access-Control-Allow-Origin", v, sizeof(v)));
	assert_string_equal(v, "http://dash.local:3000");
	assert_non_null(h_raw_header(&r, 0, "Access-Control-Allow-Methods", v, sizeof(v)));
	assert_non_null(strstr(v, "POST"));
	assert_non_null(h_raw_header(&r, 0, "Access-Control-Allow-Headers", v, sizeof(v)));
	assert_non_null(strstr(v, "Content-Type"));
	h_raw_free(&r);
	down(&e);
}

/* 3. Host is parsed exactly; more than one, or none on HTTP/1.1, is 400. */
static void test_host_parsing(void **state)
{
	testenv e;
	up(&e, NULL);
	int p = e.gw.port;
	expect(p, "GET /healthz HTTP/1.1", "Host: [::1]evil\r\n", NULL, 400, "bad_request", "Host");
	expect(p, "GET /healthz HTTP/1.1", "Host: localhost:80x\r\n", NULL, 400, "bad_request",
	       "Host");
	expect(p, "GET /healthz HTTP/1.1", "Host: 127.0.0.1\r\nHost: evil.com\r\n", NULL, 400,
	       "bad_request", "Host");
	expect(p, "GET /healthz HTTP/1.1", "Host: evil.com\r\nHost: 127.0.0.1\r\n", NULL, 400,
	       "bad_request", "Host");
	expect(p, "GET /healthz HTTP/1.1", "", NULL, 400, "bad_request", "Host");
	expect(p, "GET /healthz HTTP/1.1", "Host: evil.com\r\n", NULL, 403, "forbidden_host",
	       "Host");
	/* A control character in another header. */
	expect(p, "GET /healthz HTTP/1.1",
	       "Host: localhost\r\nX-Thing: a\x01"
	       "b\r\n",
	       NULL, 400, "bad_request", "X-Thing");
	/* What stays accepted. */
	expect(p, "GET /healthz HTTP/1.1", "Host: localhost\r\n", NULL, 200, NULL, NULL);
	expect(p, "GET /healthz HTTP/1.1", "Host: [::1]:8080\r\n", NULL, 200, NULL, NULL);
	expect(p, "GET /healthz HTTP/1.0", "", NULL, 200, NULL, NULL);
	down(&e);
}

/* 5 and 13. Framing kisgw cannot read is answered (JSON where kisgw gets
 * to choose) and the connection closed; nothing hangs. */
static void test_protocol_errors(void **state)
{
	testenv e;
	up(&e, NULL);
	int p = e.gw.port;
	const char *te[] = {"gzip", "identity", "gzip, chunked", "chunked, gzip"};
	for (size_t i = 0; i < sizeof(te) / sizeof(te[0]); i++) {
		char req[512];
		int n = snprintf(req, sizeof(req),
		                 "POST /orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
		                 "application/json\r\nTransfer-Encoding: %s\r\n\r\n0\r\n\r\n",
		                 te[i]);
		h_raw_resp r;
		assert_int_equal(h_raw(p, req, (size_t)n, &r, 10000, 0), 0); /* closed */
		assert_true(r.closed);
		assert_int_equal(h_raw_status(&r, 0), 501);
		json_t *j = h_raw_json(&r, 0);
		assert_string_equal(err_code(j), "unsupported_transfer_encoding");
		assert_string_equal(err_field(j), "Transfer-Encoding");
		json_decref(j);
		h_raw_free(&r);
	}
	/* Both framings at once: the smuggling classic. */
	expect(p, "POST /orders HTTP/1.1",
	       "Host: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: "
	       "chunked\r\nContent-Length: 5\r\n",
	       NULL, 400, "bad_request", "Content-Length");
	/* What libmicrohttpd answers itself (its own HTML body; see README):
	 * the status is right, the connection closed, the gateway unharmed. */
	static char big[120 * 1024];
	int bn = snprintf(big, sizeof(big), "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ");
	memset(big + bn, 'a', 100 * 1024);
	bn += 100 * 1024;
	bn += snprintf(big + bn, sizeof(big) - (size_t)bn, "\r\n\r\n");
	struct {
		const char *req;
		size_t len;
		int status; /* -1: closed without a reply */
	} lib[] = {
	    {"GARBAGE garbage garbage garbage\r\n\r\n", 0, 400},
	    {"GARBAGE\r\n\r\n", 0, -1},
	    {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15, -1}, /* TLS */
	    {"GET /healthz\r\n\r\n", 0, 400},
	    {"GET /healthz HTTP/1.1\r\nHost: localhost\r\nNoColonHere\r\n\r\n", 0, 400},
	    {"POST /orders HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n", 0, 400},
	    {"POST /orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
	     "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
	     0, 400},
	    {big, (size_t)bn, 431},
	};
	for (size_t i = 0; i < sizeof(lib) / sizeof(lib[0]); i++) {
		h_raw_resp r;
		size_t len = lib[i].len ? lib[i].len : strlen(lib[i].req);
		if (h_raw(p, lib[i].req, len, &r, 10000, 0) != 0 || !r.closed)
			fail_msg("case %zu: the connection was left open", i);
		int st = h_raw_status(&r, 0);
		if (st != lib[i].status)
			fail_msg("case %zu: status %d, want %d", i, st, lib[i].status);
		h_raw_free(&r);
	}
	/* 5,000 headers. */
	size_t cap = 5000 * 16 + 256, hn = 0;
	char *many = malloc(cap);
	hn += (size_t)snprintf(many, cap, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n");
	for (int i = 0; i < 5000; i++)
		hn += (size_t)snprintf(many + hn, cap - hn, "X-%d: v\r\n", i);
	hn += (size_t)snprintf(many + hn, cap - hn, "\r\n");
	h_raw_resp r;
	h_raw(p, many, hn, &r, 10000, 0);
	assert_true(r.closed);
	assert_true(h_raw_status(&r, 0) == 431 || h_raw_status(&r, 0) == -1);
	h_raw_free(&r);
	free(many);
	expect(p, "GET /healthz HTTP/1.1", "Host: localhost\r\n", NULL, 200, NULL, NULL);
	down(&e);
}

/* 6. Errors decided from the headers keep the connection when there is no
 * body: what is pipelined behind is answered, in order. With an unread
 * body the connection closes after the error. */
static void test_pipelining(void **state)
{
	testenv e;
	up(&e, NULL);
	int p = e.gw.port;
	static const char two[] = "GET /nothing HTTP/1.1\r\nHost: localhost\r\n\r\n"
	                          "GET /price?code=bad HTTP/1.1\r\nHost: localhost\r\n\r\n"
	                          "GET /healthz HTTP/1.1\r\nHost: evil.com\r\n\r\n"
	                          "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
	h_raw_resp r;
	assert_int_equal(h_raw(p, two, sizeof(two) - 1, &r, 10000, 4), 0);
	assert_int_equal(h_raw_count(&r), 4);
	assert_int_equal(h_raw_status(&r, 0), 404);
	assert_int_equal(h_raw_status(&r, 1), 400);
	assert_int_equal(h_raw_status(&r, 2), 403);
	assert_int_equal(h_raw_status(&r, 3), 200);
	h_raw_free(&r);
	/* The client's Connection: close is honoured after the first. */
	static const char closing[] = "GET /nothing HTTP/1.1\r\nHost: localhost\r\n"
	                              "Connection: close\r\n\r\n"
	                              "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
	assert_int_equal(h_raw(p, closing, sizeof(closing) - 1, &r, 10000, 0), 0);
	assert_true(r.closed);
	assert_int_equal(h_raw_count(&r), 1);
	assert_int_equal(h_raw_status(&r, 0), 404);
	h_raw_free(&r);
	/* A refused body: answered, then closed (the rest is not read as a
	 * request). */
	static const char body[] = "POST /orders HTTP/1.1\r\nHost: localhost\r\n"
	                           "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}"
	                           "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
	assert_int_equal(h_raw(p, body, sizeof(body) - 1, &r, 10000, 0), 0);
	assert_true(r.closed);
	assert_int_equal(h_raw_count(&r), 1);
	assert_int_equal(h_raw_status(&r, 0), 415);
	h_raw_free(&r);
	/* Successes pipeline too. */
	static const char ok[] = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
	                         "GET /price?code=005930 HTTP/1.1\r\nHost: localhost\r\n\r\n";
	assert_int_equal(h_raw(p, ok, sizeof(ok) - 1, &r, 10000, 2), 0);
	assert_int_equal(h_raw_status(&r, 0), 200);
	assert_int_equal(h_raw_status(&r, 1), 200);
	h_raw_free(&r);
	down(&e);
}

/* 7 and 8. Invalid UTF-8 still gets the envelope and a complete log line;
 * a NUL anywhere in the path or a parameter is 400. */
static void test_untrusted_text(void **state)
{
	testenv e;
	up(&e, NULL);
	int p = e.gw.port;
	const char *h = "Host: localhost\r\n";
	expect(p, "GET /%ff HTTP/1.1", h, NULL, 404, "not_found", NULL);
	expect(p, "GET /price?%ff=1 HTTP/1.1", h, NULL, 400, "invalid_parameter", NULL);
	expect(p, "PUT /orders/%ff HTTP/1.1", h, NULL, 405, "method_not_allowed", NULL);
	expect(p, "GET /orders/%ff%fe HTTP/1.1", h, NULL, 404, NULL, NULL);
	/* A 63-byte name and then a two-byte character: the message's cut
	 * must not split it. */
	char line[256], name[64];
	memset(name, 'a', 63);
	name[63] = 0;
	snprintf(line, sizeof(line), "GET /price?code=005930&%s%%C3%%A9=1 HTTP/1.1", name);
	expect(p, line, h, NULL, 400, "invalid_parameter", NULL);
	/* A body key with a character across byte 64. */
	char body[512], key[80];
	memset(key, 'k', 63);
	strcpy(key + 63, "\xc3\xa9");
	snprintf(body, sizeof(body),
	         "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\",\"%s\":1}",
	         key);
	expect(p, "POST /orders HTTP/1.1", "Host: localhost\r\nContent-Type: application/json\r\n",
	       body, 400, NULL, NULL);
	/* NUL bytes, percent-encoded. */
	expect(p, "GET /price?code=005930%00garbage HTTP/1.1", h, NULL, 400, "bad_request", NULL);
	expect(p, "GET /healthz%00x HTTP/1.1", h, NULL, 400, "bad_request", NULL);
	expect(p, "GET /price?co%00de=005930 HTTP/1.1", h, NULL, 400, "bad_request", NULL);
	/* Not a NUL: an escaped percent sign. */
	expect(p, "GET /price?code=%2500 HTTP/1.1", h, NULL, 400, "invalid_parameter", "code");
	h_stop(&e.gw, SIGTERM);
	e.gw.pid = 0;
	/* Every request line of the log is JSON with method, path and status. */
	char logp[1024];
	snprintf(logp, sizeof(logp), "%s/kisgw.log", e.dir);
	FILE *f = fopen(logp, "r");
	assert_non_null(f);
	char buf[16384];
	int requests = 0;
	while (fgets(buf, sizeof(buf), f)) {
		json_t *j = json_loads(buf, 0, NULL);
		if (!j)
			fail_msg("log line is not JSON: %s", buf);
		const char *msg = json_string_value(json_object_get(j, "msg"));
		if (msg && !strcmp(msg, "request")) {
			requests++;
			assert_true(json_is_string(json_object_get(j, "method")));
			assert_true(json_is_string(json_object_get(j, "path")));
			assert_true(json_integer_value(json_object_get(j, "status")) >= 400);
		}
		json_decref(j);
	}
	fclose(f);
	assert_int_equal(requests, 10);
	down(&e);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* GET /healthz from 127.0.0.1, given at most 1 s: its time in ms, or -1
 * when it was not answered 200 in that second. */
static int64_t healthz_ms(int port)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
	int64_t t0 = now_ms();
	h_raw_resp r;
	int rc = h_raw(port, req, sizeof(req) - 1, &r, 1000, 1);
	int st = h_raw_status(&r, 0);
	h_raw_free(&r);
	return rc == 0 && st == 200 ? now_ms() - t0 : -1;
}

/* 4. Slowloris: 1,000 sockets from other loopback addresses, half idle,
 * half sending one header line a second, never finishing. /healthz from
 * 127.0.0.1 is answered within 1 s throughout; sockets past the per-address
 * limit are closed at once, idle ones after the idle timeout. */
static void test_slowloris(void **state)
{
	enum { N = 1000, PER_IP = 64, NSRC = 4 };
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max < N + 200)
		fail_msg("this test needs %d descriptors; the hard limit is %lu", N + 200,
		         (unsigned long)rl.rlim_max);
	rl.rlim_cur = rl.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	const char *env[] = {"KISGW_HTTP_IDLE_TIMEOUT_S=3", "KISGW_HTTP_PER_IP=64", NULL};
	testenv e;
	up(&e, env);
	int p = e.gw.port;
	assert_true(healthz_ms(p) >= 0);
	static const char *src[NSRC] = {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"};
	static const char start[] = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n";
	int *fds = calloc(N, sizeof(int));
	int opened = 0;
	for (int i = 0; i < N; i++) {
		fds[i] = h_raw_connect_from(src[i % NSRC], p);
		if (fds[i] < 0)
			continue;
		opened++;
		if (i % 2)
			send(fds[i], start, sizeof(start) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	assert_int_equal(opened, N);
	int64_t worst = 0;
	for (int round = 0; round < 6; round++) {
		for (int i = 1; i < N; i += 2)
			if (fds[i] >= 0)
				send(fds[i], "X-T: 1\r\n", 8, MSG_NOSIGNAL | MSG_DONTWAIT);
		int64_t ms = healthz_ms(p);
		if (ms < 0)
			fail_msg("round %d: /healthz not answered within 1 s", round);
		worst = ms > worst ? ms : worst;
		usleep(700 * 1000);
	}
	/* Which sockets did the gateway close? */
	int closed = 0, idle_open = 0;
	for (int i = 0; i < N; i++) {
		struct pollfd pfd = {.fd = fds[i], .events = POLLIN};
		char b[512];
		if (poll(&pfd, 1, 0) == 1 && recv(fds[i], b, sizeof(b), MSG_DONTWAIT) <= 0)
			closed++;
		else if (i % 2 == 0)
			idle_open++;
		close(fds[i]);
	}
	free(fds);
	/* At most PER_IP per address were ever held, and the idle ones not
	 * past the 3 s idle timeout. */
	printf("slowloris: %d sockets, /healthz worst %lld ms, %d closed by kisgw\n", N,
	       (long long)worst, closed);
	if (closed < N - NSRC * PER_IP || idle_open > 0)
		fail_msg("%d of %d sockets closed by kisgw, %d idle ones still open", closed, N,
		         idle_open);
	assert_true(healthz_ms(p) >= 0);
	down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cross_site_orders), cmocka_unit_test(test_preflight),
	    cmocka_unit_test(test_host_parsing),      cmocka_unit_test(test_protocol_errors),
	    cmocka_unit_test(test_pipelining),        cmocka_unit_test(test_untrusted_text),
	    cmocka_unit_test(test_slowloris),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
