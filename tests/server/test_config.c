/* Unit tests of the settings table: defaults, environment, config file,
 * _FILE secrets and every cross-field rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static const char *vars[] = {
    "KIS_APP_KEY",     "KIS_APP_SECRET",   "KIS_APP_SECRET_FILE",  "KIS_ACCOUNT",
    "KIS_ENV",         "KISGW_ALLOW_REAL", "KIS_BASE_URL",         "KIS_WS_URL",
    "KIS_HTS_ID",      "KISGW_LISTEN",     "KISGW_API_TOKEN",      "KISGW_QUOTE_CACHE_MS",
    "KISGW_LOG_LEVEL", "KISGW_RATE_LIMIT", "KISGW_API_TOKEN_FILE", NULL};

static int clean(void **state)
{
	for (const char **v = vars; *v; v++)
		unsetenv(*v);
	return 0;
}

static char secret[181];
#define KEY "PSabcdefghijklmnopqrstuvwxyz01234567"

static void creds(void)
{
	memset(secret, 'x', 180);
	secret[180] = 0;
	setenv("KIS_APP_KEY", KEY, 1);
	setenv("KIS_APP_SECRET", secret, 1);
	setenv("KIS_ACCOUNT", "12345678-01", 1);
}

static void expect_error(const char *name, const char *value, const char *want);

static void test_defaults(void **state)
{
	gw_settings s;
	char err[256];
	assert_int_equal(gw_settings_load(&s, NULL, err, sizeof(err)), 0);
	assert_true(s.use_sim);
	assert_false(s.real);
	assert_string_equal(s.listen_host, "127.0.0.1");
	assert_int_equal(s.listen_port, 8080);
	assert_int_equal(s.kis.rate_per_sec, 2);
	assert_int_equal(s.quote_cache_ms, 1000);
	assert_int_equal(s.trader.max_order_qty, 100000);
	assert_int_equal(s.trader.max_order_amount, 100000000);
	assert_string_equal(s.db, "./kisgw.db");
	/* Library settings land in the libraries' structs, with their defaults. */
	assert_int_equal(s.kis.queue_wait_ms, KIS_DEFAULT_QUEUE_WAIT_MS);
	assert_int_equal(s.kis.timeout_ms, KIS_DEFAULT_TIMEOUT_MS);
	assert_int_equal(s.kis.token_min_interval_ms, KIS_DEFAULT_TOKEN_MIN_INTERVAL_MS);
	assert_int_equal(s.kis.verify_tls, 1);
	assert_false(s.kis.real);
	assert_int_equal(s.trader.reconcile_interval_s, TRADER_DEFAULT_RECONCILE_INTERVAL_S);
	assert_int_equal(s.trader.backfill_days, TRADER_DEFAULT_BACKFILL_DAYS);
	assert_int_equal(s.trader.unknown_window_s, TRADER_DEFAULT_UNKNOWN_WINDOW_S);
	assert_int_equal(s.trader.session_check, 1);
	assert_int_equal(s.trader.fee_rate_ppm, TRADER_DEFAULT_FEE_RATE_PPM);
	assert_true(s.trader.run_backfill);
	assert_int_equal(s.notify_retries, NOTIFY_DEFAULT_RETRIES);
	/* What the table says is what the libraries pick by themselves. */
	trader_config tc = {0};
	trader_config_defaults(&tc);
	assert_int_equal(tc.reconcile_interval_s, s.trader.reconcile_interval_s);
	assert_int_equal(tc.max_order_qty, s.trader.max_order_qty);
	assert_int_equal(tc.max_order_amount, s.trader.max_order_amount);
	assert_int_equal(tc.backfill_days, s.trader.backfill_days);
	assert_int_equal(tc.unknown_window_s, s.trader.unknown_window_s);
	kis_config zero = {0};
	kis_config_defaults(&zero);
	assert_int_equal(zero.rate_per_sec, s.kis.rate_per_sec);
	assert_int_equal(zero.queue_wait_ms, s.kis.queue_wait_ms);
	assert_int_equal(zero.token_wait_ms, s.kis.token_wait_ms);
	assert_int_equal(zero.token_margin_s, s.kis.token_margin_s);
	assert_int_equal(zero.connect_timeout_ms, s.kis.connect_timeout_ms);
	assert_int_equal(zero.token_min_interval_ms, s.kis.token_min_interval_ms);
	notify_config nc = {0};
	notify_config_defaults(&nc);
	assert_int_equal(nc.timeout_ms, s.notify_timeout_ms);
	assert_int_equal(nc.per_minute, s.notify_per_minute);
	assert_int_equal(nc.retries, s.notify_retries);
	/* The job's settings default to the tutorial's values. */
	assert_int_equal(s.autotrade.mode, AT_OFF);
	assert_int_equal(s.autotrade.interval_s, 10);
	assert_true(s.autotrade.budget_ratio == 1.0);
	assert_true(s.autotrade.band_low_pct == 0 && s.autotrade.band_high_pct == 5);
	assert_true(s.autotrade.take_profit_pct == 5 && s.autotrade.stop_loss_pct == 3);
	assert_int_equal(s.autotrade.exit_days, 5);
	assert_int_equal(s.autotrade.exit_hhmm, 1515);
	assert_int_equal(s.autotrade.session_start_hhmm, 900);
	assert_int_equal(s.autotrade.session_end_hhmm, 1520);
	assert_int_equal(s.autotrade.manage, AT_MANAGE_JOB);
	assert_int_equal(s.autotrade.entry, AT_ENTRY_BAND);
	assert_true(s.autotrade.breakout_k == 0.5);
	assert_int_equal(s.autotrade_src[0], AT_SRC_DEFAULT);
	gw_settings_free(&s);
}

/* The job's settings from the environment and a config file; bad ones stop
 * start-up naming the variable. */
static void test_autotrade_settings(void **state)
{
	gw_settings s;
	char err[256];
	setenv("KISGW_AUTOTRADE", "dry-run", 1);
	setenv("KISGW_AUTOTRADE_EXIT_TIME", "15:10", 1);
	assert_int_equal(gw_settings_load(&s, NULL, err, sizeof(err)), 0);
	assert_int_equal(s.autotrade.mode, AT_DRY_RUN);
	assert_int_equal(s.autotrade.exit_hhmm, 1510);
	assert_int_equal(s.autotrade_src[at_setting_find("mode") - at_setting_defs], AT_SRC_ENV);
	gw_settings_free(&s);
	unsetenv("KISGW_AUTOTRADE_EXIT_TIME");
	expect_error("KISGW_AUTOTRADE", "maybe", "invalid KISGW_AUTOTRADE: mode must be one of");
	expect_error("KISGW_AUTOTRADE_TAKE_PROFIT_PCT", "x",
	             "invalid KISGW_AUTOTRADE_TAKE_PROFIT_PCT");
	expect_error("KISGW_AUTOTRADE_BAND_HIGH_PCT", "-2",
	             "invalid KISGW_AUTOTRADE_BAND_HIGH_PCT");
	expect_error("KISGW_AUTOTRADE_EXIT_TIME", "16:00", "invalid KISGW_AUTOTRADE_EXIT_TIME");
	unsetenv("KISGW_AUTOTRADE");
	char path[64];
	snprintf(path, sizeof(path), "/tmp/kisgw-at-%d.conf", (int)getpid());
	FILE *f = fopen(path, "w");
	fputs("KISGW_AUTOTRADE_STOP_LOSS_PCT=2.5\nKISGW_AUTOTRADE_MANAGE=all\n", f);
	fclose(f);
	assert_int_equal(gw_settings_load(&s, path, err, sizeof(err)), 0);
	assert_true(s.autotrade.stop_loss_pct == 2.5);
	assert_int_equal(s.autotrade.manage, AT_MANAGE_ALL);
	gw_settings_free(&s);
	unlink(path);
}

static void test_credentials(void **state)
{
	gw_settings s;
	char err[256];
	creds();
	assert_int_equal(gw_settings_load(&s, NULL, err, sizeof(err)), 0);
	assert_false(s.use_sim);
	assert_string_equal(s.base_url, "https://openapivts.koreainvestment.com:29443");
	gw_settings_free(&s);

	setenv("KIS_ENV", "real", 1);
	assert_int_equal(gw_settings_load(&s, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid KIS_ENV"));
	assert_non_null(strstr(err, "KISGW_ALLOW_REAL"));
	gw_settings_free(&s);
	setenv("KISGW_ALLOW_REAL", "yes", 1);
	assert_int_equal(gw_settings_load(&s, NULL, err, sizeof(err)), 0);
	assert_true(s.real);
	assert_int_equal(s.kis.rate_per_sec, 19); /* under KIS's nominal 20 */
	assert_true(s.kis.real && s.trader.real);
	assert_string_equal(s.base_url, "https://openapi.koreainvestment.com:9443");
	gw_settings_free(&s);
}

static void expect_error(const char *name, const char *value, const char *want)
{
	gw_settings s;
	char err[256] = {0};
	setenv(name, value, 1);
	assert_int_equal(gw_settings_load(&s, NULL, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("%s=%s: '%s' lacks '%s'", name, value, err, want);
	gw_settings_free(&s);
	unsetenv(name);
}

static void test_bad_values(void **state)
{
	expect_error("KISGW_QUOTE_CACHE_MS", "1s", "invalid KISGW_QUOTE_CACHE_MS: not an integer");
	expect_error("KISGW_QUOTE_CACHE_MS", "9999999", "invalid KISGW_QUOTE_CACHE_MS: must be");
	expect_error("KISGW_LOG_LEVEL", "loud", "invalid KISGW_LOG_LEVEL: must be one of");
	expect_error("KISGW_LISTEN", "8080", "invalid KISGW_LISTEN");
	expect_error("KISGW_LISTEN", "127.0.0.1:99999", "invalid KISGW_LISTEN");
	expect_error("KISGW_LISTEN", "0.0.0.0:8080", "KISGW_API_TOKEN");
	/* found by tests/fuzz (fuzz_config): an empty value of a setting with a
	 * default left it NULL, and parse_listen dereferenced it */
	expect_error("KISGW_LISTEN", "", "invalid KISGW_LISTEN: empty");
	expect_error("KISGW_LISTEN", "  ", "invalid KISGW_LISTEN: empty");
	expect_error("KISGW_DB", "", "invalid KISGW_DB: empty");
	expect_error("KIS_APP_KEY", "short", "KIS_APP_SECRET go together");
	expect_error("KIS_ACCOUNT", "12345678", "invalid KIS_ACCOUNT");
	creds();
	expect_error("KIS_APP_SECRET", "tooshort", "invalid KIS_APP_SECRET: must be 180");
	creds();
	expect_error("KIS_BASE_URL", "ftp://x", "invalid KIS_BASE_URL");
	creds();
	expect_error("KIS_WS_URL", "wss://ops.koreainvestment.com:21000", "invalid KIS_WS_URL");
	creds();
	expect_error("KIS_HTS_ID", "has space", "invalid KIS_HTS_ID");
	creds();
	expect_error("KIS_HTS_ID", "abcdefghijklmnopqrstuvwxyz", "invalid KIS_HTS_ID");
	creds();
	setenv("KIS_HTS_ID", "my_hts.id-1", 1);
	setenv("KIS_WS_URL", "ws://127.0.0.1:31000", 1);
	{
		gw_settings ok;
		char e[256];
		assert_int_equal(gw_settings_load(&ok, NULL, e, sizeof(e)), 0);
		assert_string_equal(ok.hts_id, "my_hts.id-1");
		assert_string_equal(ok.ws_url, "ws://127.0.0.1:31000");
		gw_settings_free(&ok);
	}
	unsetenv("KIS_HTS_ID");
	unsetenv("KIS_WS_URL");
	creds();
	unsetenv("KIS_ACCOUNT");
	gw_settings s;
	char err[256];
	assert_int_equal(gw_settings_load(&s, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid KIS_ACCOUNT: required"));
	gw_settings_free(&s);
}

static void test_token_and_listen(void **state)
{
	gw_settings s;
	char err[256];
	setenv("KISGW_LISTEN", "0.0.0.0:9000", 1);
	setenv("KISGW_API_TOKEN", "0123456789abcdef0123", 1);
	assert_int_equal(gw_settings_load(&s, NULL, err, sizeof(err)), 0);
	assert_false(s.listen_loopback);
	assert_int_equal(s.listen_port, 9000);
	gw_settings_free(&s);
	setenv("KISGW_LISTEN", "[::1]:9000", 1);
	assert_int_equal(gw_settings_load(&s, NULL, err, sizeof(err)), 0);
	assert_string_equal(s.listen_host, "::1");
	assert_true(s.listen_loopback);
	gw_settings_free(&s);
	setenv("KISGW_API_TOKEN", "short", 1);
	assert_int_equal(gw_settings_load(&s, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid KISGW_API_TOKEN"));
	gw_settings_free(&s);
}

/* Writes text as the config file cf and loads it. */
static int load_text(const char *cf, const char *text, gw_settings *s, char *err, size_t errlen)
{
	FILE *f = fopen(cf, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return gw_settings_load(s, cf, err, errlen);
}

static void test_file_and_secret_file(void **state)
{
	char dir[] = "/tmp/kisgw-cfg-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sf[128], cf[128];
	snprintf(sf, sizeof(sf), "%s/secret", dir);
	snprintf(cf, sizeof(cf), "%s/kisgw.conf", dir);
	memset(secret, 'y', 180);
	secret[180] = 0;
	FILE *f = fopen(sf, "w");
	fprintf(f, "%s\n", secret); /* the trailing newline editors add */
	fclose(f);
	f = fopen(cf, "w");
	fprintf(f,
	        "# comment\n\nKIS_APP_KEY = %s\nKIS_APP_SECRET_FILE=%s\nKIS_ACCOUNT=87654321-01\n"
	        "KISGW_QUOTE_CACHE_MS=250\n",
	        KEY, sf);
	fclose(f);
	gw_settings s;
	char err[256];
	assert_int_equal(gw_settings_load(&s, cf, err, sizeof(err)), 0);
	assert_string_equal(s.app_secret, secret);
	assert_string_equal(s.account, "87654321-01");
	assert_int_equal(s.quote_cache_ms, 250);
	gw_settings_free(&s);

	setenv("KISGW_QUOTE_CACHE_MS", "0", 1); /* the environment wins */
	assert_int_equal(gw_settings_load(&s, cf, err, sizeof(err)), 0);
	assert_int_equal(s.quote_cache_ms, 0);
	gw_settings_free(&s);
	unsetenv("KISGW_QUOTE_CACHE_MS");

	setenv("KIS_APP_SECRET", secret, 1); /* both a value and a _FILE */
	setenv("KIS_APP_SECRET_FILE", sf, 1);
	assert_int_equal(gw_settings_load(&s, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not both"));
	gw_settings_free(&s);
	unsetenv("KIS_APP_SECRET");
	setenv("KIS_APP_SECRET_FILE", "/nonexistent/secret", 1);
	assert_int_equal(gw_settings_load(&s, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid KIS_APP_SECRET_FILE"));
	gw_settings_free(&s);
	unsetenv("KIS_APP_SECRET_FILE");

	assert_int_equal(load_text(cf, "KISGW_LISTN=127.0.0.1:1\n", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown setting KISGW_LISTN"));
	gw_settings_free(&s);
	/* The line is named; the job's settings are known to the file too. */
	assert_int_equal(
	    load_text(cf, "# auto-trade\nKISGW_AUTOTRADE=dry-run\nKISGW_AUTOTRADE_INTERVL=5\n", &s,
	              err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "kisgw.conf:3: unknown setting KISGW_AUTOTRADE_INTERVL"));
	gw_settings_free(&s);
	/* Scaled and typed: seconds in the file, milliseconds in kis_config. */
	assert_int_equal(
	    load_text(cf, "KISGW_TOKEN_MIN_INTERVAL_S=5\nKIS_TLS_VERIFY=0\nKISGW_BACKFILL_DAYS=0\n",
	              &s, err, sizeof(err)),
	    0);
	assert_int_equal(s.kis.token_min_interval_ms, 5000);
	assert_int_equal(s.kis.verify_tls, 0);
	assert_false(s.trader.run_backfill);
	gw_settings_free(&s);
	assert_int_equal(gw_settings_load(&s, "/nonexistent.conf", err, sizeof(err)), -1);
	gw_settings_free(&s);
	unlink(sf);
	unlink(cf);
	rmdir(dir);
}

typedef struct warnings {
	int n;
	char last[256];
} warnings;

static void collect(void *ctx, const char *line)
{
	warnings *w = ctx;
	w->n++;
	snprintf(w->last, sizeof(w->last), "%s", line);
}

static void test_unknown_env(void **state)
{
	(void)state;
	char *const env[] = {"PATH=/bin",
	                     "KIS_APP_KEY=x",
	                     "KIS_APP_SECRET_FILE=/run/secret",
	                     "KISGW_CONFIG=/etc/kisgw.conf",
	                     "KISGW_AUTOTRADE=on",
	                     "KISGW_AUTOTRADE_EXIT_TIME=15:00",
	                     "KISGW_WEBHOOK_URL_FILE=/run/hook",
	                     "KISGW_QUEUE_WAIT=5",
	                     "KISGW_LISTEN_FILE=/x", /* not a secret: no _FILE form */
	                     "KISGW_AUTOTRADE_INTERVL=5",
	                     "KISGWX=1", /* another prefix */
	                     NULL};
	warnings w = {0};
	assert_int_equal(gw_settings_check_env(env, collect, &w), 3);
	assert_int_equal(w.n, 3);
	assert_non_null(strstr(w.last, "did you mean KISGW_AUTOTRADE_INTERVAL?"));
	char *const one[] = {"KISGW_QUEUE_WAIT=5", NULL};
	memset(&w, 0, sizeof(w));
	assert_int_equal(gw_settings_check_env(one, collect, &w), 1);
	assert_string_equal(w.last,
	                    "unknown setting KISGW_QUEUE_WAIT in the environment (ignored); "
	                    "did you mean KISGW_QUEUE_WAIT_MS?");
	char *const typo[] = {"KIS_APP_SECERT=x", NULL};
	assert_int_equal(gw_settings_check_env(typo, collect, &w), 1);
	assert_non_null(strstr(w.last, "did you mean KIS_APP_SECRET?"));
	char *const fine[] = {"KIS_ENV=virtual", "HOME=/root", NULL};
	assert_int_equal(gw_settings_check_env(fine, collect, &w), 0);
}

/* --help and the README table show both tables, with the effective
 * defaults. */
static void test_usage_and_table(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	gw_settings_markdown(f);
	fclose(f);
	assert_non_null(strstr(buf, "| `KISGW_QUEUE_WAIT_MS` | `20000` |"));
	assert_non_null(strstr(buf, "| `KISGW_RECONCILE_INTERVAL` | `30` |"));
	assert_non_null(strstr(buf, "| `KISGW_WEBHOOK_URL` or `KISGW_WEBHOOK_URL_FILE` | — |"));
	assert_non_null(strstr(buf, "| `KISGW_AUTOTRADE` | `off` |"));
	assert_non_null(strstr(buf, "`off`, `on`, `dry-run`"));
	assert_non_null(strstr(buf, "(09:00 to 15:30)"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_defaults, clean),
	    cmocka_unit_test_setup(test_autotrade_settings, clean),
	    cmocka_unit_test_setup(test_credentials, clean),
	    cmocka_unit_test_setup(test_bad_values, clean),
	    cmocka_unit_test_setup(test_token_and_listen, clean),
	    cmocka_unit_test_setup(test_file_and_secret_file, clean),
	    cmocka_unit_test(test_unknown_env),
	    cmocka_unit_test(test_usage_and_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
