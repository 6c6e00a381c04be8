/* hardening_env.h — the kisgw + kis-sim set-up and the raw-request checks
 * shared by the hardening suites (test_hardening.c, test_ledger_health.c)
 * and the non-blocking path's (test_nonblocking.c). Included once per test
 * program, after cmocka.h and harness.h; a program need not use every
 * helper. */
#ifndef KISGW_TESTS_HARDENING_ENV_H
#define KISGW_TESTS_HARDENING_ENV_H

#define CLOCK "2026-11-24T10:00:00+09:00"
#define ORDER "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\"}"

typedef h_stack testenv;

static void up(testenv *e, const char *const *gw_env)
{
	static const char *const sim[] = {"--rate", "0", NULL};
	static const char *const gw[] = {"KISGW_RATE_LIMIT=1000", NULL};
	assert_int_equal(h_stack_up(e, CLOCK, sim, gw, gw_env), 0);
}

static void down(testenv *e)
{
	assert_int_equal(h_stack_down(e), 0);
}

/* One raw request: the request line, then headers ("" or lines each
 * ending in \r\n, Host included by the caller), then the body with its
 * Content-Length when body is not NULL. The response's status; its JSON
 * body in *json when json is not NULL (caller frees). */
__attribute__((unused)) static int raw1(int port, const char *line, const char *headers,
                                        const char *body, json_t **json)
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

__attribute__((unused)) static const char *err_code(json_t *j)
{
	const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
	return c ? c : "";
}

__attribute__((unused)) static const char *err_field(json_t *j)
{
	const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "field"));
	return c ? c : "";
}

/* A raw request must give status and error code (code NULL: no check). */
__attribute__((unused)) static void expect(int port, const char *line, const char *headers,
                                           const char *body, int status, const char *code,
                                           const char *field)
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

#endif
