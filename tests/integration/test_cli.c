/* test_cli.c — kisgw's command line, run as a user would: --help,
 * --version, usage errors, check-config (with *_FILE secrets), migrate,
 * backup of a database a running kisgw is writing, healthcheck, and --demo
 * with the off-hours notice. */
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
#include <sqlite3.h>

#include "harness.h"

#define CLOCK "2026-11-24T10:00:00+09:00"
/* A Saturday: the simulated market is closed. */
#define SATURDAY "2026-11-28T11:00:00+09:00"

typedef struct run_result {
	int rc;
	char *out, *err;
} run_result;

static run_result kisgw(const char *const *args, const char *const *env)
{
	run_result r = {0};
	r.rc = h_run(h_bin("kisgw"), args, env, 60, &r.out, &r.err);
	return r;
}

static void run_free(run_result *r)
{
	free(r->out);
	free(r->err);
}

static void want(const char *hay, const char *needle)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("wanted '%s' in '%s'", needle, hay ? hay : "(null)");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_help_and_version(void **state)
{
	run_result r = kisgw((const char *[]){"--help", NULL}, NULL);
	assert_int_equal(r.rc, 0);
	for (const char *const *w =
	         (const char *[]){"check-config", "migrate", "backup FILE", "healthcheck", "--demo",
	                          "KISGW_LISTEN", "KIS_APP_SECRET", NULL};
	     *w; w++)
		want(r.out, *w);
	run_free(&r);
	r = kisgw((const char *[]){"-h", NULL}, NULL);
	assert_int_equal(r.rc, 0);
	want(r.out, "usage: kisgw");
	run_free(&r);

	r = kisgw((const char *[]){"--version", NULL}, NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "kisgw " KISGW_VERSION "\n");
	run_free(&r);

	static const struct {
		const char *args[4];
		const char *msg;
	} bad[] = {
	    {{"--bogus"}, "unknown option --bogus"},
	    {{"frobnicate"}, "unknown command frobnicate"},
	    {{"--config"}, "--config needs a value"},
	    {{"backup"}, "backup needs the FILE"},
	    {{"backup", "a", "b"}, "unexpected argument b"},
	    {{"migrate", "x"}, "unexpected argument x"},
	    {{"--demo", "backup", "f"}, "--demo goes with"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		r = kisgw(bad[i].args, NULL);
		assert_int_equal(r.rc, 2);
		want(r.err, bad[i].msg);
		run_free(&r);
	}
}

/* check-config: 0 or 2 with "invalid NAME", secrets read from NAME_FILE
 * (environment and config file alike), nothing started. */
static void test_check_config(void **state)
{
	char *dir = h_tmpdir();
	char tok[1024], key[1024], secret[1024], conf[1024], envtok[1100], envdb[1100];
	snprintf(tok, sizeof(tok), "%s/api_token", dir);
	snprintf(key, sizeof(key), "%s/app_key", dir);
	snprintf(secret, sizeof(secret), "%s/app_secret", dir);
	snprintf(conf, sizeof(conf), "%s/kisgw.conf", dir);
	snprintf(envtok, sizeof(envtok), "KISGW_API_TOKEN_FILE=%s", tok);
	snprintf(envdb, sizeof(envdb), "KISGW_DB=%s/never.db", dir);
	write_file(tok, "a-long-enough-api-token\n");

	run_result r = kisgw((const char *[]){"check-config", NULL}, (const char *[]){envdb, NULL});
	assert_int_equal(r.rc, 0);
	want(r.out, "configuration ok");
	run_free(&r);
	/* The old spelling still works. */
	r = kisgw((const char *[]){"--check-config", NULL}, (const char *[]){envdb, NULL});
	assert_int_equal(r.rc, 0);
	run_free(&r);
	r = kisgw((const char *[]){"check-config", NULL},
	          (const char *[]){envdb, "KISGW_LISTEN=nonsense", NULL});
	assert_int_equal(r.rc, 2);
	want(r.err, "invalid KISGW_LISTEN");
	run_free(&r);
	/* A wildcard address needs the API token; from a file it will do. */
	r = kisgw((const char *[]){"check-config", NULL},
	          (const char *[]){envdb, "KISGW_LISTEN=0.0.0.0:8080", NULL});
	assert_int_equal(r.rc, 2);
	want(r.err, "KISGW_API_TOKEN");
	run_free(&r);
	r = kisgw((const char *[]){"check-config", NULL},
	          (const char *[]){envdb, "KISGW_LISTEN=0.0.0.0:8080", envtok, NULL});
	assert_int_equal(r.rc, 0);
	run_free(&r);
	r = kisgw((const char *[]){"check-config", NULL},
	          (const char *[]){envdb, "KISGW_API_TOKEN_FILE=/nonexistent/token", NULL});
	assert_int_equal(r.rc, 2);
	want(r.err, "invalid KISGW_API_TOKEN_FILE");
	run_free(&r);

	/* KIS credentials from files named in the config file: a 35-character
	 * key is read (and refused by length), a 36-character one passes. */
	char buf[4096];
	write_file(secret, "");
	FILE *f = fopen(secret, "w");
	for (int i = 0; i < 180; i++)
		fputc('S', f);
	fputs("\n", f);
	fclose(f);
	write_file(key, "PStestAppKey0123456789abcdefghijklm\n"); /* 35 */
	snprintf(buf, sizeof(buf),
	         "KIS_APP_KEY_FILE=%s\nKIS_APP_SECRET_FILE=%s\nKIS_ACCOUNT=12345678-01\n", key,
	         secret);
	write_file(conf, buf);
	r = kisgw((const char *[]){"--config", conf, "check-config", NULL},
	          (const char *[]){envdb, NULL});
	assert_int_equal(r.rc, 2);
	want(r.err, "invalid KIS_APP_KEY: must be 36 characters, not 35");
	run_free(&r);
	write_file(key, "PStestAppKey0123456789abcdefghijklmn\n"); /* 36 */
	r = kisgw((const char *[]){"-c", conf, "check-config", NULL},
	          (const char *[]){envdb, NULL});
	assert_int_equal(r.rc, 0);
	run_free(&r);
	struct stat st;
	snprintf(buf, sizeof(buf), "%s/never.db", dir);
	assert_int_not_equal(stat(buf, &st), 0); /* check-config opens no database */
	h_rmdir(dir);
}

static void test_migrate(void **state)
{
	char *dir = h_tmpdir();
	char envdb[1100], db[1024];
	snprintf(db, sizeof(db), "%s/kisgw.db", dir);
	snprintf(envdb, sizeof(envdb), "KISGW_DB=%s", db);
	run_result r = kisgw((const char *[]){"migrate", NULL}, (const char *[]){envdb, NULL});
	assert_int_equal(r.rc, 0);
	want(r.out, "schema version 0 -> ");
	run_free(&r);
	struct stat st;
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	r = kisgw((const char *[]){"migrate", NULL}, (const char *[]){envdb, NULL});
	assert_int_equal(r.rc, 0);
	want(r.out, "up to date");
	run_free(&r);
	/* Not a database: a clear failure, exit 1. */
	write_file(db, "this is not an SQLite database, not at all, no............");
	r = kisgw((const char *[]){"migrate", NULL}, (const char *[]){envdb, NULL});
	assert_int_equal(r.rc, 1);
	want(r.err, "cannot migrate");
	run_free(&r);
	h_rmdir(dir);
}

static long long count_rows(const char *db, const char *table)
{
	sqlite3 *h = NULL;
	long long n = -1;
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	sqlite3_stmt *st = NULL;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

static void post_order(int port, int i)
{
	char body[256];
	snprintf(body, sizeof(body),
	         "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\","
	         "\"client_order_id\":\"cli-%d\"}",
	         i);
	long st = 0;
	json_decref(h_json(port, "POST", "/orders", body, &st));
	assert_int_equal(st, 201);
}

/* A backup taken while kisgw runs holds every committed order, is mode 0600
 * whatever the umask, is one file (no -wal), and is a database kisgw opens. */
static void test_backup_online(void **state)
{
	char *dir = h_tmpdir();
	h_proc sim, gw;
	const char *sargs[] = {"--clock", CLOCK, "--rate", "0", NULL};
	assert_int_equal(h_start_sim(&sim, sargs), 0);
	const char *genv[] = {"KISGW_CLOCK=" CLOCK, "KISGW_RATE_LIMIT=1000",
	                      "KISGW_BACKFILL_DAYS=0", NULL};
	assert_int_equal(h_start_gw(&gw, sim.port, dir, genv), 0);
	for (int i = 0; i < 5; i++)
		post_order(gw.port, i);

	char envdb[1100], copy[1024], wal[1100];
	snprintf(envdb, sizeof(envdb), "KISGW_DB=%s/kisgw.db", dir);
	snprintf(copy, sizeof(copy), "%s/backup.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", copy);
	mode_t old = umask(0);
	run_result r = kisgw((const char *[]){"backup", copy, NULL}, (const char *[]){envdb, NULL});
	umask(old);
	assert_int_equal(r.rc, 0);
	want(r.out, "copied to");
	run_free(&r);
	struct stat st;
	assert_int_equal(stat(copy, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_not_equal(stat(wal, &st), 0);
	assert_int_equal(count_rows(copy, "orders"), 5);

	/* Again over the old copy, with more orders: replaced whole. */
	post_order(gw.port, 5);
	r = kisgw((const char *[]){"backup", copy, NULL}, (const char *[]){envdb, NULL});
	assert_int_equal(r.rc, 0);
	run_free(&r);
	assert_int_equal(count_rows(copy, "orders"), 6);
	char envcopy[1100];
	snprintf(envcopy, sizeof(envcopy), "KISGW_DB=%s", copy);
	r = kisgw((const char *[]){"migrate", NULL}, (const char *[]){envcopy, NULL});
	assert_int_equal(r.rc, 0);
	want(r.out, "up to date");
	run_free(&r);

	/* Failures: exit 1, nothing left behind. */
	r = kisgw((const char *[]){"backup", "/nonexistent/dir/b.db", NULL},
	          (const char *[]){envdb, NULL});
	assert_int_equal(r.rc, 1);
	want(r.err, "backup of");
	run_free(&r);
	char envnone[1100], other[1024];
	snprintf(envnone, sizeof(envnone), "KISGW_DB=%s/none.db", dir);
	snprintf(other, sizeof(other), "%s/other.db", dir);
	r = kisgw((const char *[]){"backup", other, NULL}, (const char *[]){envnone, NULL});
	assert_int_equal(r.rc, 1);
	run_free(&r);
	assert_int_not_equal(stat(other, &st), 0);

	assert_int_equal(h_stop(&gw, SIGTERM), 0);
	h_stop(&sim, SIGTERM);
	h_rmdir(dir);
}

static void test_healthcheck(void **state)
{
	char *dir = h_tmpdir();
	h_proc sim, gw;
	const char *sargs[] = {"--clock", CLOCK, NULL};
	assert_int_equal(h_start_sim(&sim, sargs), 0);
	const char *genv[] = {"KISGW_CLOCK=" CLOCK, "KISGW_BACKFILL_DAYS=0", NULL};
	assert_int_equal(h_start_gw(&gw, sim.port, dir, genv), 0);
	char url[128], listen[64], wild[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/healthz", gw.port);
	snprintf(listen, sizeof(listen), "KISGW_LISTEN=127.0.0.1:%d", gw.port);
	snprintf(wild, sizeof(wild), "KISGW_LISTEN=0.0.0.0:%d", gw.port);
	run_result r = kisgw((const char *[]){"healthcheck", url, NULL}, NULL);
	assert_int_equal(r.rc, 0);
	run_free(&r);
	/* From the settings alone, as Docker's HEALTHCHECK runs it; a wildcard
	 * listen address is asked on loopback. */
	r = kisgw((const char *[]){"healthcheck", NULL}, (const char *[]){listen, NULL});
	assert_int_equal(r.rc, 0);
	run_free(&r);
	r = kisgw((const char *[]){"healthcheck", NULL},
	          (const char *[]){wild, "KISGW_API_TOKEN=a-long-enough-api-token", NULL});
	assert_int_equal(r.rc, 0);
	run_free(&r);
	assert_int_equal(h_stop(&gw, SIGTERM), 0);
	r = kisgw((const char *[]){"healthcheck", NULL}, (const char *[]){listen, NULL});
	assert_int_equal(r.rc, 1);
	want(r.err, "healthcheck");
	run_free(&r);
	h_stop(&sim, SIGTERM);
	h_rmdir(dir);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

/* The embedded simulator outside KRX hours: the first log lines say so and
 * name --demo; with --demo (and no KISGW_CLOCK) a market order fills. */
static void test_demo(void **state)
{
	char *dir = h_tmpdir();
	char db[1100], log[1024], simpath[1100];
	snprintf(db, sizeof(db), "KISGW_DB=%s/kisgw.db", dir);
	snprintf(log, sizeof(log), "%s/closed.log", dir);
	snprintf(simpath, sizeof(simpath), "KISGW_SIM=%s", h_bin("kis-sim"));
	const char *env[] = {db, simpath, "KISGW_LISTEN=127.0.0.1:0", "KISGW_CLOCK=" SATURDAY,
	                     NULL};
	h_proc gw;
	assert_int_equal(h_spawn(&gw, h_bin("kisgw"), NULL, env, log), 0);
	assert_int_equal(h_stop(&gw, SIGTERM), 0);
	char *text = read_all(log);
	want(text, "the KRX market is closed");
	want(text, "--demo");
	want(text, "\"next_open\":\"2026-11-30T09:00:00+09:00\"");
	/* The notice comes before the gateway's start line. */
	assert_true(strstr(text, "market is closed") < strstr(text, "kisgw started"));

	snprintf(log, sizeof(log), "%s/demo.log", dir);
	const char *denv[] = {db, simpath, "KISGW_LISTEN=127.0.0.1:0", "KISGW_BACKFILL_DAYS=0",
	                      NULL};
	assert_int_equal(h_spawn(&gw, h_bin("kisgw"), (const char *[]){"--demo", NULL}, denv, log),
	                 0);
	long st = 0;
	json_t *o =
	    h_json(gw.port, "POST", "/orders",
	           "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\"}", &st);
	assert_int_equal(st, 201);
	assert_true(json_is_integer(json_object_get(o, "id")));
	char path[128];
	snprintf(path, sizeof(path), "/orders/%lld",
	         (long long)json_integer_value(json_object_get(o, "id")));
	json_decref(o);
	json_decref(h_json(gw.port, "POST", "/orders/reconcile", NULL, &st));
	assert_int_equal(st, 200);
	o = h_json(gw.port, "GET", path, NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(json_string_value(json_object_get(o, "status")), "filled");
	json_decref(o);
	assert_int_equal(h_stop(&gw, SIGTERM), 0);
	want(read_all(log), "in session; orders fill");

	/* With KIS credentials --demo is refused: it is the simulator's. */
	char secret[200] = "KIS_APP_SECRET=";
	memset(secret + 15, 'S', 180);
	run_result r =
	    kisgw((const char *[]){"--demo", "check-config", NULL},
	          (const char *[]){db, "KIS_APP_KEY=PStestAppKey0123456789abcdefghijklmn", secret,
	                           "KIS_ACCOUNT=12345678-01", NULL});
	assert_int_equal(r.rc, 2);
	want(r.err, "invalid --demo");
	run_free(&r);
	h_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_help_and_version), cmocka_unit_test(test_check_config),
	    cmocka_unit_test(test_migrate),          cmocka_unit_test(test_backup_online),
	    cmocka_unit_test(test_healthcheck),      cmocka_unit_test(test_demo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
