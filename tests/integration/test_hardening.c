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
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define CLOCK "2026-11-24T10:00:00+09:00"
#define ORDER "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\"}"

typedef struct testenv {
	h_proc sim, gw;
	char *dir;
} testenv;

static void up(testenv *e, const char *const *gw_env)
{
	memset(e, 0, sizeof(*e));
	e->dir = h_tmpdir();
	assert_non_null(e->dir);
	const char *args[] = {"--clock", CLOCK, "--seed", "7", "--rate", "0", NULL};
	assert_int_equal(h_start_sim(&e->sim, args), 0);
	const char *genv[16] = {"KISGW_CLOCK=" CLOCK, "KISGW_RATE_LIMIT=1000"};
	int n = 2;
	for (; gw_env && *gw_env; gw_env++)
		genv[n++] = *gw_env;
	genv[n] = NULL;
	assert_int_equal(h_start_gw(&e->gw, e->sim.port, e->dir, genv), 0);
}

static void down(testenv *e)
{
	if (e->gw.pid)
		assert_int_equal(h_stop(&e->gw, SIGTERM), 0);
	if (e->sim.pid)
		h_stop(&e->sim, SIGTERM);
	h_rmdir(e->dir);
}

/* One raw request: the request line, then headers ("" or lines each
 * ending in \r\n, Host included by the caller), then the body with its
 * Content-Length when body is not NULL. The response's status; its JSON
 * body in *json when json is not NULL (caller frees). */
static int raw1(int port, const char *line, const char *headers, const char *body, json_t **json)
{
	char req[16384];
	int n;
	if (body)
		n = snprintf(req, sizeof(req), "%s\r\n%sContent-Length: %zu\r\n\r\n%s", line,
		             headers, strlen(body), body);
	else
		n = snprintf(req, sizeof(req), "%s\r\n%s\r\n", line, headers);
	assert_true(n > 0 && (size_t)n < sizeof(req));
	h_raw_resp r;
	h_raw(port, req, (size_t)n, &r, 10000, 1);
	int st = h_raw_status(&r, 0);
	if (json)
		*json = h_raw_json(&r, 0);
	h_raw_free(&r);
	return st;
}

static const char *err_code(json_t *j)
{
	const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
	return c ? c : "";
}

static const char *err_field(json_t *j)
{
	const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "field"));
	return c ? c : "";
}

/* A raw request must give status and error code (code NULL: no check). */
static void expect(int port, const char *line, const char *headers, const char *body, int status,
                   const char *code, const char *field)
{
	json_t *j = NULL;
	int st = raw1(port, line, headers, body, &j);
	if (st != status || (code && strcmp(err_code(j), code)) ||
	    (field && strcmp(err_field(j), field)))
		fail_msg("%s [%s]: got %d %s/%s, want %d %s/%s", line, headers, st, err_code(j),
		         err_field(j), status, code ? code : "-", field ? field : "-");
	if (status >= 400)
		assert_non_null(json_object_get(j, "error")); /* always the envelope */
	json_decref(j);
}

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
	/* Reads too: no CORS is configured. */
	expect(p, "GET /price?code=005930 HTTP/1.1", h, NULL, 403, "forbidden_origin", "Origin");
	snprintf(h, sizeof(h), "%sSec-Fetch-Site: same-site\r\n", host);
	expect(p, "GET /balance HTTP/1.1", h, NULL, 403, "forbidden_origin", "Sec-Fetch-Site");
	/* A body with no Content-Type at all. */
	expect(p, "POST /orders HTTP/1.1", host, ORDER, 415, "unsupported_media_type",
	       "Content-Type");
	assert_int_equal(orders_in_ledger(p), 0);

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cross_site_orders),
	    cmocka_unit_test(test_preflight),
	    cmocka_unit_test(test_host_parsing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
