/* Unit tests of the access checks (server/access.c) and of the text
 * cleaner the error envelope relies on (server/text.c): no daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "access.h"
#include "params.h"
#include "text.h"

static gw_access policy(const char *listen_host, const char *allowed, const char *cors,
                        const char *token)
{
	gw_settings s;
	memset(&s, 0, sizeof(s));
	snprintf(s.listen_host, sizeof(s.listen_host), "%s", listen_host);
	s.allowed_hosts = (char *)allowed;
	s.cors_origin = (char *)cors;
	s.api_token = (char *)token;
	gw_access a;
	gw_access_init(&a, &s);
	return a;
}

static int host(const gw_access *a, const char *v, size_t n, int count, int http11, gw_denial *d)
{
	gw_hval h = {v, n, count};
	return gw_access_host(a, &h, http11, d);
}

#define HOST(a, s, d) host(a, s, strlen(s), 1, 1, d)

static void test_host_syntax(void **state)
{
	char name[64];
	int port;
	assert_int_equal(gw_host_parse("localhost:8080", 14, name, sizeof(name), &port), 0);
	assert_string_equal(name, "localhost");
	assert_int_equal(port, 8080);
	assert_int_equal(gw_host_parse("[::1]", 5, name, sizeof(name), &port), 0);
	assert_string_equal(name, "[::1]");
	assert_int_equal(port, -1);
	assert_int_equal(gw_host_parse("[::1]:0", 7, name, sizeof(name), &port), 0);
	assert_int_equal(port, 0);
	const char *bad[] = {"[::1]evil",
	                     "[::1",
	                     "[]",
	                     "localhost:",
	                     ":80",
	                     "localhost:80x",
	                     "local host",
	                     "localhost:123456",
	                     "localhost:99999",
	                     "a@b",
	                     "[::1]:8080:1",
	                     "",
	                     "localhost/x",
	                     "[::g]"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (gw_host_parse(bad[i], strlen(bad[i]), name, sizeof(name), &port) != -1)
			fail_msg("accepted Host %s", bad[i]);
	/* A NUL inside the value is a byte like any other: refused. */
	assert_int_equal(gw_host_parse("localhost\0.evil", 15, name, sizeof(name), &port), -1);
}

static void test_host_policy(void **state)
{
	gw_access a = policy("127.0.0.1", NULL, NULL, NULL);
	gw_denial d;
	assert_int_equal(HOST(&a, "localhost:1234", &d), 0);
	assert_int_equal(HOST(&a, "LOCALHOST", &d), 0);
	assert_int_equal(HOST(&a, "127.0.0.1:8080", &d), 0);
	assert_int_equal(HOST(&a, "[::1]:8080", &d), 0);
	assert_int_equal(HOST(&a, "evil.com", &d), -1);
	assert_int_equal(d.code, GW_E_FORBIDDEN_HOST);
	assert_string_equal(d.field, "Host");
	assert_int_equal(HOST(&a, "[::1]evil", &d), -1);
	assert_int_equal(d.code, GW_E_BAD_REQUEST);
	assert_int_equal(host(&a, "localhost\0.evil", 15, 1, 1, &d), -1);
	assert_int_equal(d.code, GW_E_BAD_REQUEST);
	/* Two Host headers, whatever the first says. */
	assert_int_equal(host(&a, "127.0.0.1", 9, 2, 1, &d), -1);
	assert_int_equal(d.code, GW_E_BAD_REQUEST);
	/* No Host: HTTP/1.1 must send one; HTTP/1.0 need not. */
	assert_int_equal(host(&a, NULL, 0, 0, 1, &d), -1);
	assert_int_equal(d.code, GW_E_BAD_REQUEST);
	assert_int_equal(host(&a, NULL, 0, 0, 0, &d), 0);

	a = policy("192.168.1.5", "nas.local, box.lan", NULL, NULL);
	assert_int_equal(HOST(&a, "192.168.1.5:8080", &d), 0);
	assert_int_equal(HOST(&a, "nas.local", &d), 0);
	assert_int_equal(HOST(&a, "BOX.LAN:80", &d), 0);
	assert_int_equal(HOST(&a, "nas.loca", &d), -1);
	assert_int_equal(HOST(&a, "nas.local.evil", &d), -1);
	a = policy("0.0.0.0", NULL, NULL, NULL);
	assert_int_equal(HOST(&a, "0.0.0.0", &d), -1);
	a = policy("::1", NULL, NULL, NULL);
	assert_int_equal(HOST(&a, "[::1]:9", &d), 0);
	a = policy("0.0.0.0", "*", NULL, NULL);
	assert_int_equal(HOST(&a, "anything.example:1", &d), 0);
	assert_int_equal(HOST(&a, "bad host", &d), -1); /* syntax still checked */
}

static void test_origin(void **state)
{
	gw_access a = policy("127.0.0.1", NULL, NULL, NULL);
	gw_denial d;
	/* No Origin: curl, scripts, the user's own navigation. */
	assert_int_equal(gw_access_origin(&a, "127.0.0.1:8080", NULL, NULL, &d), 0);
	assert_int_equal(gw_access_origin(&a, "127.0.0.1:8080", NULL, "none", &d), 0);
	assert_int_equal(gw_access_origin(&a, "127.0.0.1:8080", NULL, "same-origin", &d), 0);
	/* A page of the gateway itself. */
	assert_int_equal(gw_access_origin(&a, "localhost:8080", "http://localhost:8080", NULL, &d),
	                 0);
	assert_int_equal(gw_access_origin(&a, "localhost", "http://localhost:80", NULL, &d), 0);
	/* Every other page: the forms a browser sends. */
	const char *evil[] = {"http://evil.example", "null", "http://localhost:3000",
	                      "https://localhost:8080", "http://127.0.0.1:8080"};
	for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		if (gw_access_origin(&a, "localhost:8080", evil[i], NULL, &d) != -1)
			fail_msg("accepted Origin %s", evil[i]);
		assert_int_equal(d.code, GW_E_FORBIDDEN_ORIGIN);
		assert_string_equal(d.field, "Origin");
	}
	assert_int_equal(gw_access_origin(&a, "localhost:8080", NULL, "cross-site", &d), -1);
	assert_string_equal(d.field, "Sec-Fetch-Site");
	assert_int_equal(gw_access_origin(&a, "localhost:8080", NULL, "same-site", &d), -1);
	assert_int_equal(gw_access_origin(&a, NULL, "http://localhost", NULL, &d), -1);

	a = policy("127.0.0.1", NULL, "http://dash.local:3000", NULL);
	assert_int_equal(gw_access_origin(&a, "localhost:8080", "http://dash.local:3000", NULL, &d),
	                 0);
	assert_true(gw_access_cors_allows(&a, "http://dash.local:3000"));
	assert_false(gw_access_cors_allows(&a, "http://dash.local:3001"));
	assert_false(gw_access_cors_allows(&a, NULL));
	assert_int_equal(gw_access_origin(&a, "localhost:8080", "http://evil.example", NULL, &d),
	                 -1);
	assert_int_equal(gw_access_origin(&a, "localhost:8080", NULL, "cross-site", &d), -1);
	a = policy("127.0.0.1", NULL, "*", NULL);
	assert_int_equal(gw_access_origin(&a, "localhost:8080", "http://any.example", NULL, &d), 0);
	assert_int_equal(gw_access_origin(&a, "localhost:8080", NULL, "cross-site", &d), 0);
	a = policy("127.0.0.1", NULL, NULL, NULL);
	assert_false(gw_access_cors_allows(&a, "http://localhost:8080"));
}

static void test_content_type(void **state)
{
	gw_denial d;
	assert_int_equal(gw_access_content_type(NULL, 0, &d), 0);
	assert_int_equal(gw_access_content_type("text/plain", 0, &d), 0);
	assert_int_equal(gw_access_content_type("application/json", 1, &d), 0);
	assert_int_equal(gw_access_content_type("Application/JSON; charset=utf-8", 1, &d), 0);
	assert_int_equal(gw_access_content_type(" application/json ;charset=UTF-8", 1, &d), 0);
	const char *bad[] = {"text/plain",
	                     "application/x-www-form-urlencoded",
	                     "multipart/form-data; boundary=x",
	                     "application/jsonx",
	                     "application/json-patch+json",
	                     "",
	                     "text/plain; application/json"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (gw_access_content_type(bad[i], 1, &d) != -1)
			fail_msg("accepted Content-Type %s", bad[i]);
		assert_int_equal(d.code, GW_E_UNSUPPORTED_MEDIA_TYPE);
		assert_string_equal(d.field, "Content-Type");
	}
	assert_int_equal(gw_access_content_type(NULL, 1, &d), -1);
}

static void test_token(void **state)
{
	gw_denial d;
	gw_access a = policy("127.0.0.1", NULL, NULL, NULL);
	assert_int_equal(gw_access_token(&a, NULL, &d), 0);
	a = policy("127.0.0.1", NULL, NULL, "test-token-0123456789");
	assert_int_equal(gw_access_token(&a, "Bearer test-token-0123456789", &d), 0);
	assert_int_equal(gw_access_token(&a, "bearer test-token-0123456789", &d), 0);
	const char *bad[] = {NULL,
	                     "",
	                     "Bearer",
	                     "Bearer ",
	                     "Bearer test-token-012345678",
	                     "Bearer test-token-01234567890",
	                     "Basic dGVzdA==",
	                     "test-token-0123456789"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(gw_access_token(&a, bad[i], &d), -1);
		assert_int_equal(d.code, GW_E_UNAUTHORIZED);
	}
}

static void test_header_screen(void **state)
{
	gw_denial d;
	assert_int_equal(gw_access_header_value("X", "a\tb c", 5, &d), 0);
	assert_int_equal(gw_access_header_value("X", "a\0b", 3, &d), -1);
	assert_int_equal(d.code, GW_E_BAD_REQUEST);
	assert_int_equal(gw_access_header_value("X", "a\x01", 2, &d), -1);
	assert_int_equal(gw_access_header_value("X", "a\x7f", 2, &d), -1);
	assert_int_equal(gw_access_header_value("X", "\xc3\xa9", 2, &d), 0); /* obs-text */
	assert_int_equal(gw_access_header_once("Origin", 1, &d), 0);
	assert_int_equal(gw_access_header_once("Origin", 2, &d), -1);
	assert_string_equal(d.field, "Origin");
}

static void test_text_clean(void **state)
{
	char out[64];
	assert_string_equal(gw_text_clean("abc", 3, out, sizeof(out)), "abc");
	assert_string_equal(gw_text_clean("\xff", 1, out, sizeof(out)), "\xef\xbf\xbd");
	assert_string_equal(gw_text_clean("a\0b", 3, out, sizeof(out)), "a\xef\xbf\xbd"
	                                                                "b");
	assert_string_equal(gw_text_clean("\xc3\xa9", 2, out, sizeof(out)), "\xc3\xa9");
	assert_string_equal(gw_text_clean("\xc0\xaf", 2, out, sizeof(out)),
	                    "\xef\xbf\xbd\xef\xbf\xbd"); /* overlong '/' */
	assert_string_equal(gw_text_clean("\xed\xa0\x80", 3, out, sizeof(out)),
	                    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	/* 63 bytes, then a 2-byte character that no longer fits: cut before it. */
	char in[66];
	memset(in, 'a', 63);
	memcpy(in + 63, "\xc3\xa9", 2);
	gw_text_clean(in, 65, out, sizeof(out));
	assert_int_equal(strlen(out), 63);
	/* Fuzz-style: any bytes at all give a string Jansson accepts whole. */
	srand(7);
	for (int round = 0; round < 20000; round++) {
		unsigned char buf[48];
		size_t n = (size_t)(rand() % (int)sizeof(buf));
		for (size_t i = 0; i < n; i++)
			buf[i] =
			    (unsigned char)(rand() % 4 ? rand() & 0xff : 0x80 | (rand() & 0x3f));
		char o[96];
		size_t cap = 1 + (size_t)(rand() % (int)sizeof(o));
		gw_text_clean((const char *)buf, n, o, cap);
		assert_true(strlen(o) < cap);
		json_t *j = json_string(o);
		if (!j)
			fail_msg("Jansson refused the cleaned text of round %d", round);
		json_decref(j);
		for (const char *p = o; *p; p++)
			assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	}
}

/* 10. One date check for every date parameter: format and range. */
static void test_date_bounds(void **state)
{
	assert_int_equal(gw_date_parse("2026-11-24"), 20261124);
	assert_int_equal(gw_date_parse("1980-01-01"), 19800101);
	assert_int_equal(gw_date_parse("2099-12-31"), 20991231);
	assert_int_equal(gw_date_parse("9999-12-31"), -1);
	assert_int_equal(gw_date_parse("1979-12-31"), -1);
	assert_int_equal(gw_date_parse("2100-01-01"), -1);
	assert_int_equal(gw_date_parse("2026-02-30"), -1);
	gw_resp r = {0};
	assert_int_equal(gw_param_date_order(&r, 20991231, 20991231), 0); /* one day */
	assert_int_equal(gw_param_date_order(&r, 0, 20261124), 0);
	assert_int_equal(gw_param_date_order(&r, 20261125, 20261124), -1);
	assert_int_equal(r.status, 400);
	json_decref(r.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_host_syntax), cmocka_unit_test(test_host_policy),
	    cmocka_unit_test(test_origin),      cmocka_unit_test(test_content_type),
	    cmocka_unit_test(test_token),       cmocka_unit_test(test_header_screen),
	    cmocka_unit_test(test_text_clean),  cmocka_unit_test(test_date_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
