/* The configured secrets never leak: after a run through every endpoint
 * (reads, an order, its cancel, the reconciler, bad input, a wrong API
 * token) at log level debug, the log output, every API answer (headers
 * and bodies) and the database files (main, -wal, -shm) are searched for
 * the KIS app key, the app secret, the local API token and the KIS access
 * token; so is GET /metrics, read after the whole run (its labels carry
 * paths, codes and KIS message codes: none may carry a secret). The access token is allowed in the
 * database only, by design: it is persisted in the kis_token row (SECURITY.md, "a stolen
 * database"). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "harness.h"

#define CLOCK     "2026-11-24T10:00:00+09:00"
#define API_TOKEN "ApiTokenLeakCheck-7f3a9c21e4b8d605"

typedef struct buf {
	char *p;
	size_t n;
} buf;

static void buf_add(buf *b, const char *s, size_t n)
{
	char *np = realloc(b->p, b->n + n + 1);
	assert_non_null(np);
	b->p = np;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void buf_file(buf *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return; /* -wal / -shm may be gone after a clean shutdown */
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(b, chunk, got);
	fclose(f);
}

/* memmem that also finds secrets in binary database pages */
static int contains(const buf *b, const char *needle)
{
	return b->n && memmem(b->p, b->n, needle, strlen(needle)) != NULL;
}

static void call(int port, buf *answers, const char *method, const char *path, const char *body,
                 const char *auth)
{
	const char *hdr[] = {auth, "Content-Type: application/json", NULL};
	h_resp r;
	assert_int_equal(h_http(&r, method, port, path, body, hdr), 0);
	if (r.headers)
		buf_add(answers, r.headers, strlen(r.headers));
	if (r.body)
		buf_add(answers, r.body, r.len);
	h_resp_free(&r);
}

static void test_no_secret_leaks(void **state)
{
	char *dir = h_tmpdir();
	assert_non_null(dir);
	h_proc sim, gw;
	const char *sargs[] = {"--clock", CLOCK, "--seed", "7", NULL};
	assert_int_equal(h_start_sim(&sim, sargs), 0);
	const char *genv[] = {"KISGW_CLOCK=" CLOCK, "KISGW_API_TOKEN=" API_TOKEN,
	                      "KISGW_LOG_LEVEL=debug", NULL};
	assert_int_equal(h_start_gw(&gw, sim.port, dir, genv), 0);

	const char *ok = "Authorization: Bearer " API_TOKEN;
	buf answers = {0};
	int p = gw.port;
	call(p, &answers, "GET", "/healthz", NULL, ok);
	call(p, &answers, "GET", "/price?code=005930", NULL, ok);
	call(p, &answers, "GET", "/daily?code=005930&from=2026-11-02&to=2026-11-24", NULL, ok);
	call(p, &answers, "GET", "/balance", NULL, ok);
	call(p, &answers, "GET", "/cash", NULL, ok);
	call(p, &answers, "POST", "/orders",
	     "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"limit\",\"price\":50000,"
	     "\"client_order_id\":\"leak-1\"}",
	     ok);
	call(p, &answers, "GET", "/orders", NULL, ok);
	call(p, &answers, "GET", "/orders/1", NULL, ok);
	call(p, &answers, "DELETE", "/orders/1", NULL, ok);
	call(p, &answers, "POST", "/orders/reconcile", NULL, ok);
	call(p, &answers, "GET", "/holdings/aged", NULL, ok);
	call(p, &answers, "GET", "/calendar", NULL, ok);
	/* refusals: bad input, a wrong token, a token in the query string */
	call(p, &answers, "POST", "/orders", "{\"code\":\"x\"}", ok);
	call(p, &answers, "GET", "/balance", NULL, "Authorization: Bearer wrong-token-0123456789");
	call(p, &answers, "GET", "/price?code=005930&token=" API_TOKEN, NULL, ok);
	/* The metrics after all of it, kept apart to be searched on their own. */
	buf metrics = {0};
	call(p, &metrics, "GET", "/metrics", NULL, ok);
	assert_int_equal(h_stop(&gw, SIGTERM), 0);
	h_stop(&sim, SIGTERM);

	char path[1024];
	snprintf(path, sizeof path, "%s/kisgw.db", dir);
	/* the access token kisgw was issued, to look for it */
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT token FROM kis_token", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	char access[4096];
	snprintf(access, sizeof access, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_true(strlen(access) > 20);

	buf log = {0}, dbfiles = {0};
	snprintf(path, sizeof path, "%s/kisgw.log", dir);
	buf_file(&log, path);
	assert_true(contains(&log, "\"request\"")); /* the log was written */
	const char *sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/kisgw.db%s", dir, sfx[i]);
		buf_file(&dbfiles, path);
	}
	assert_true(dbfiles.n > 0);
	/* the search sees into database pages: the persisted token is found */
	assert_true(contains(&dbfiles, access));
	/* the run went through: the order was placed and the reads answered */
	assert_true(contains(&answers, "\"broker_order_no\""));
	assert_true(contains(&answers, "HTTP/1.1 201"));
	/* the metrics were served and counted the run */
	assert_true(contains(&metrics, "HTTP/1.1 200"));
	assert_true(contains(&metrics, "kisgw_http_requests_total"));

	char secret[181];
	memset(secret, H_APP_SECRET_CH, 180);
	secret[180] = '\0';
	const struct {
		const char *name, *value;
		int in_db_ok;
	} secrets[] = {
	    {"app key", H_APP_KEY, 0},
	    {"app secret", secret, 0},
	    {"API token", API_TOKEN, 0},
	    {"access token", access, 1},
	};
	for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
		if (contains(&log, secrets[i].value))
			fail_msg("the %s is in the log", secrets[i].name);
		if (contains(&answers, secrets[i].value))
			fail_msg("the %s is in an API answer", secrets[i].name);
		if (contains(&metrics, secrets[i].value))
			fail_msg("the %s is in /metrics", secrets[i].name);
		if (!secrets[i].in_db_ok && contains(&dbfiles, secrets[i].value))
			fail_msg("the %s is in the database files", secrets[i].name);
	}
	free(log.p);
	free(dbfiles.p);
	free(answers.p);
	free(metrics.p);
	h_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_secret_leaks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
