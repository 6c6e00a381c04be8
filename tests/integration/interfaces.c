/* Integration test of the files kisgw serves from its binary: the status
 * page at GET / and openapi.yaml at GET /openapi.yaml, both public (no API
 * token) with the right types and the page's strict CSP, and /metrics
 * behind the token. */
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

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_served_files(void **state)
{
	h_proc sim, gw;
	char *dir = h_tmpdir();
	assert_non_null(dir);
	assert_int_equal(h_start_sim(&sim, NULL), 0);
	const char *env[] = {"KISGW_API_TOKEN=interfaces-token", NULL};
	assert_int_equal(h_start_gw(&gw, sim.port, dir, env), 0);
	h_resp r;
	char hv[512];

	/* the page needs no token: it asks for one */
	assert_int_equal(h_http(&r, "GET", gw.port, "/", NULL, NULL), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(h_header(&r, "Content-Type", hv, sizeof(hv)));
	assert_string_equal(hv, "text/html; charset=utf-8");
	assert_non_null(h_header(&r, "Content-Security-Policy", hv, sizeof(hv)));
	assert_non_null(strstr(hv, "default-src 'none'"));
	assert_non_null(strstr(hv, "connect-src 'self'"));
	assert_non_null(strstr(r.body, "<html"));
	/* self-contained: no external script, style, font or image */
	const char *external[] = {" src=", "<link", "@import", "url(", "@font-face"};
	for (size_t i = 0; i < sizeof(external) / sizeof(external[0]); i++)
		assert_null(strstr(r.body, external[i]));
	h_resp_free(&r);

	/* the spec, byte for byte what is in the repository */
	size_t len;
	char *spec = slurp(KISGW_SOURCE_DIR "/openapi.yaml", &len);
	assert_int_equal(h_http(&r, "GET", gw.port, "/openapi.yaml", NULL, NULL), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(h_header(&r, "Content-Type", hv, sizeof(hv)));
	assert_string_equal(hv, "application/yaml; charset=utf-8");
	assert_int_equal(r.len, len);
	assert_memory_equal(r.body, spec, len);
	h_resp_free(&r);
	free(spec);

	/* HEAD gives the headers alone */
	assert_int_equal(h_http(&r, "HEAD", gw.port, "/openapi.yaml", NULL, NULL), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	h_resp_free(&r);

	/* metrics are behind the token like the rest of the API */
	assert_int_equal(h_http(&r, "GET", gw.port, "/metrics", NULL, NULL), 0);
	assert_int_equal(r.status, 401);
	h_resp_free(&r);
	const char *auth[] = {"Authorization: Bearer interfaces-token", NULL};
	assert_int_equal(h_http(&r, "GET", gw.port, "/metrics", NULL, auth), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(h_header(&r, "Content-Type", hv, sizeof(hv)));
	assert_non_null(strstr(hv, "text/plain; version=0.0.4"));
	assert_non_null(strstr(r.body, "# TYPE kisgw_http_requests_total counter\n"));
	/* the 401 just above was counted under its route */
	assert_non_null(strstr(r.body,
	                       "kisgw_http_requests_total{method=\"GET\",route=\"/metrics\",status="
	                       "\"401\"} 1\n"));
	h_resp_free(&r);

	assert_int_equal(h_stop(&gw, SIGTERM), 0);
	h_stop(&sim, SIGTERM);
	h_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_served_files)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
