/* test_examples.c — the clients in examples/ (Python, JavaScript, curl + jq)
 * run unchanged against kisgw + kis-sim with an API token: each finishes
 * with 0, prints what it promises, and its order is in the ledger, filled.
 * And the README's curl block: every line runs and answers 2xx JSON, and
 * every route of the table has a line. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "routes.h"

#define CLOCK "2026-11-24T10:00:00+09:00"
#define TOKEN "examples-api-token-0123456789"

typedef struct env {
	h_proc sim, gw;
	char *dir;
	char url[64];
} testenv;

static testenv E;

static int up(void **state)
{
	E.dir = h_tmpdir();
	const char *sargs[] = {"--clock", CLOCK, "--rate", "0", NULL};
	if (h_start_sim(&E.sim, sargs))
		return -1;
	const char *genv[] = {"KISGW_CLOCK=" CLOCK, "KISGW_RATE_LIMIT=1000",
	                      "KISGW_BACKFILL_DAYS=0", "KISGW_API_TOKEN=" TOKEN, NULL};
	if (h_start_gw(&E.gw, E.sim.port, E.dir, genv))
		return -1;
	snprintf(E.url, sizeof(E.url), "KISGW_URL=http://127.0.0.1:%d", E.gw.port);
	return 0;
}

static int down(void **state)
{
	h_stop(&E.gw, SIGTERM);
	h_stop(&E.sim, SIGTERM);
	h_rmdir(E.dir);
	return 0;
}

static void want(const char *hay, const char *needle)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("wanted '%s' in:\n%s", needle, hay ? hay : "(null)");
}

/* Runs an example (through /usr/bin/env, so the interpreter comes from
 * PATH) with the gateway's URL and token and the order key; its stdout. */
static char *run_example(const char *interp, const char *file, const char *key)
{
	char path[1024], keyenv[128];
	snprintf(path, sizeof(path), "%s/examples/%s", KISGW_SOURCE_DIR, file);
	snprintf(keyenv, sizeof(keyenv), "KISGW_EXAMPLE_ORDER_KEY=%s", key);
	const char *args[] = {interp, path, NULL};
	const char *env[] = {E.url, "KISGW_API_TOKEN=" TOKEN, keyenv, "HOME=/tmp", NULL};
	char *out = NULL, *err = NULL;
	int rc = h_run("/usr/bin/env", args, env, 120, &out, &err);
	if (rc != 0)
		fail_msg("%s exited %d\nstdout:\n%s\nstderr:\n%s", file, rc, out ? out : "",
		         err ? err : "");
	free(err);
	return out;
}

/* The example's order, found by its client_order_id in the ledger: filled. */
static void order_filled(const char *key)
{
	char path[128];
	snprintf(path, sizeof(path), "/orders?limit=100");
	const char *hdr[] = {"Authorization: Bearer " TOKEN, NULL};
	h_resp r;
	assert_int_equal(h_http(&r, "GET", E.gw.port, path, NULL, hdr), 0);
	assert_int_equal(r.status, 200);
	json_t *orders = json_object_get(r.json, "orders");
	size_t i;
	json_t *o;
	int found = 0;
	json_array_foreach(orders, i, o)
	{
		const char *k = json_string_value(json_object_get(o, "client_order_id"));
		if (k && !strcmp(k, key)) {
			found = 1;
			assert_string_equal(json_string_value(json_object_get(o, "status")),
			                    "filled");
			assert_int_equal(json_integer_value(json_object_get(o, "filled_qty")), 1);
		}
	}
	h_resp_free(&r);
	if (!found)
		fail_msg("no order %s in the ledger", key);
}

static void test_python(void **state)
{
	char *out = run_example("python3", "python/kisgw_client.py", "ex-py-1");
	want(out, "kisgw " KISGW_VERSION ": ok, KIS virtual");
	want(out, "005930 price ");
	want(out, "daily bars: ");
	want(out, "bad input is an error envelope: 400 ");
	want(out, "field=code");
	want(out, "after reconciling: filled, filled 1 at ");
	want(out, "holding 005930 ");
	free(out);
	order_filled("ex-py-1");
}

static void test_javascript(void **state)
{
	char *out = run_example("node", "js/kisgw.mjs", "ex-js-1");
	want(out, "kisgw " KISGW_VERSION ": ok, KIS virtual");
	want(out, "005930 price ");
	want(out, "bad input is an error envelope: 400 ");
	want(out, "field=code");
	want(out, "after reconciling: filled, filled 1 at ");
	want(out, "holding 005930 ");
	free(out);
	order_filled("ex-js-1");
}

static void test_shell(void **state)
{
	char *out = run_example("bash", "shell/one-liners.sh", "ex-sh-1");
	want(out, "health: ok, KIS virtual");
	want(out, "price: 005930 ");
	want(out, "000660\t");
	want(out, "close 2026-11-2");
	want(out, "max buy qty ");
	want(out, "order: ");
	want(out, "ex-sh-1\t005930\tbuy\t1\t");
	want(out, "holding 005930 ");
	want(out, "aged 005930 ");
	want(out, "trading days: 2026-");
	want(out, "error: ");
	want(out, " field code");
	free(out);
	order_filled("ex-sh-1");
}

/* The README's curl examples, continuation lines joined. */
static int readme_commands(char cmds[][1024], int max)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/README.md", KISGW_SOURCE_DIR);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[1024];
	int n = 0, in = 0, cont = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (strstr(line, "<!-- api-examples:begin -->"))
			in = 1;
		else if (strstr(line, "<!-- api-examples:end -->"))
			in = 0;
		if (!in || !strncmp(line, "```", 3) || !strncmp(line, "<!--", 4))
			continue;
		if (!cont) {
			assert_true(n < max);
			cmds[n++][0] = 0;
		}
		size_t len = strlen(line);
		cont = len && line[len - 1] == '\\';
		if (cont)
			line[len - 1] = 0;
		size_t used = strlen(cmds[n - 1]);
		assert_true(used + strlen(line) < 1024); /* a README command fits */
		memcpy(cmds[n - 1] + used, line, strlen(line) + 1);
	}
	fclose(f);
	return n;
}

/* Method and path of one curl line: -X, else POST with -d, else GET. */
static void method_path(const char *cmd, char *method, size_t mlen, char *path, size_t plen)
{
	const char *x = strstr(cmd, "-X ");
	if (x)
		snprintf(method, mlen, "%.*s", (int)strcspn(x + 3, " "), x + 3);
	else
		snprintf(method, mlen, "%s", strstr(cmd, " -d ") ? "POST" : "GET");
	const char *p = strstr(cmd, "localhost:8080");
	assert_non_null(p);
	p += strlen("localhost:8080");
	snprintf(path, plen, "%.*s", (int)strcspn(p, "?' "), p);
}

/* "/orders/{id}" matches "/orders/1": "{...}" is one segment. */
static int pattern_matches(const char *pat, const char *path)
{
	while (*pat && *path) {
		if (*pat == '{') {
			pat += strcspn(pat, "}") + (pat[strcspn(pat, "}")] ? 1 : 0);
			size_t seg = strcspn(path, "/");
			if (!seg)
				return 0;
			path += seg;
			continue;
		}
		if (*pat++ != *path++)
			return 0;
	}
	return !*pat && !*path;
}

static void test_readme_curl(void **state)
{
	static char cmds[64][1024];
	int n = readme_commands(cmds, 64);
	assert_true(n >= (int)gw_nroutes);
	/* Its own kisgw, with no API token, as after ./scripts/run.sh. */
	char *dir = h_tmpdir();
	h_proc sim, gw;
	const char *sargs[] = {"--clock", CLOCK, "--rate", "0", NULL};
	assert_int_equal(h_start_sim(&sim, sargs), 0); /* its own: one token a minute */
	const char *genv[] = {"KISGW_CLOCK=" CLOCK, "KISGW_RATE_LIMIT=1000",
	                      "KISGW_BACKFILL_DAYS=0", NULL};
	assert_int_equal(h_start_gw(&gw, sim.port, dir, genv), 0);
	char host[32];
	snprintf(host, sizeof(host), "127.0.0.1:%d", gw.port);
	for (int i = 0; i < n; i++) {
		assert_int_equal(strncmp(cmds[i], "curl -s ", 8), 0);
		/* curl -sf: a 4xx/5xx fails the line. */
		char run[1200];
		const char *at = strstr(cmds[i], "localhost:8080");
		assert_non_null(at);
		snprintf(run, sizeof(run), "curl -sf %.*s%s%s", (int)(at - cmds[i] - 8),
		         cmds[i] + 8, host, at + strlen("localhost:8080"));
		char *out = NULL, *err = NULL;
		int rc =
		    h_run("/bin/bash", (const char *[]){"-c", run, NULL}, NULL, 60, &out, &err);
		json_error_t je;
		json_t *j = out ? json_loads(out, 0, &je) : NULL;
		/* the status page, openapi.yaml and /metrics answer text, not JSON */
		int text = out && out[0] && out[0] != '{' && out[0] != '[';
		if (rc != 0 || (!j && !text))
			fail_msg("README line %d exited %d: %s\n%s%s", i + 1, rc, run,
			         out ? out : "", err ? err : "");
		json_decref(j);
		free(out);
		free(err);
	}
	for (unsigned r = 0; r < gw_nroutes; r++) {
		int found = 0;
		for (int i = 0; i < n && !found; i++) {
			char m[16], p[256];
			method_path(cmds[i], m, sizeof(m), p, sizeof(p));
			found = !strcmp(m, gw_routes[r].method) &&
			        pattern_matches(gw_routes[r].pattern, p);
		}
		if (!found)
			fail_msg("the README has no curl example for %s %s", gw_routes[r].method,
			         gw_routes[r].pattern);
	}
	assert_int_equal(h_stop(&gw, SIGTERM), 0);
	h_stop(&sim, SIGTERM);
	h_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_python),
	    cmocka_unit_test(test_javascript),
	    cmocka_unit_test(test_shell),
	    cmocka_unit_test(test_readme_curl),
	};
	return cmocka_run_group_tests(tests, up, down);
}
