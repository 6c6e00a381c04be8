/* config.c — the settings table, its loader and its checks. Each entry
 * writes into the struct its library reads (gw_settings.kis, .trader, or
 * the server's own fields), with that library's named default (KIS_DEFAULT_*,
 * TRADER_DEFAULT_*, NOTIFY_DEFAULT_*). The auto-trade job's settings have
 * their own table (trader/autotrade_settings.c), which the job also changes
 * at run time; the file loader, --help, the README table and the
 * unknown-variable warning read both. */
#include "config.h"
#include "kis.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum set_type {
	SET_STR,    /* char *, owned */
	SET_SECRET, /* char *, owned; also from NAME_FILE */
	SET_CHOICE, /* char *, one of choices */
	SET_INT,    /* int (the libraries' fields) */
	SET_I64,    /* int64_t */
};

typedef struct setting {
	const char *name;
	enum set_type type;
	size_t off;          /* into gw_settings, possibly inside .kis / .trader */
	const char *def_s;   /* strings: default, NULL none */
	int64_t def;         /* integers: default, the library's named one where it has it */
	int64_t min, max;    /* integers: bounds of the value as written */
	int64_t scale;       /* integers: stored = value * scale (s -> ms); 0: 1 */
	const char *choices; /* SET_CHOICE: '|'-separated */
	const char *help;
} setting;

/* Offsets with a compile-time check of the member's type. */
#define AT(field, T)                                                                               \
	(offsetof(gw_settings, field) +                                                            \
	 0 * sizeof(struct {                                                                       \
		 _Static_assert(                                                                   \
		     __builtin_types_compatible_p(__typeof__(((gw_settings *)0)->field), T),       \
		     "setting " #field " has the wrong type");                                     \
		 char c;                                                                           \
	 }))
#define STR(n, f, d, h)                                                                            \
	{                                                                                          \
		.name = n, .type = SET_STR, .off = AT(f, char *), .def_s = d, .help = h            \
	}
#define SECRET(n, f, h)                                                                            \
	{                                                                                          \
		.name = n, .type = SET_SECRET, .off = AT(f, char *), .help = h                     \
	}
#define CHOICE(n, f, d, c, h)                                                                      \
	{                                                                                          \
		.name = n, .type = SET_CHOICE, .off = AT(f, char *), .def_s = d, .choices = c,     \
		.help = h                                                                          \
	}
#define INT(n, f, d, lo, hi, h)                                                                    \
	{                                                                                          \
		.name = n, .type = SET_INT, .off = AT(f, int), .def = d, .min = lo, .max = hi,     \
		.help = h                                                                          \
	}
#define I64(n, f, d, lo, hi, h)                                                                    \
	{                                                                                          \
		.name = n, .type = SET_I64, .off = AT(f, int64_t), .def = d, .min = lo, .max = hi, \
		.help = h                                                                          \
	}
#define XSTR(x) STR_(x)
#define STR_(x) #x

static const setting table[] = {
    SECRET("KIS_APP_KEY", app_key,
           "KIS app key (36 chars); none: run against the embedded kis-sim"),
    SECRET("KIS_APP_SECRET", app_secret, "KIS app secret (180 chars)"),
    STR("KIS_ACCOUNT", account, NULL, "account as 12345678-01"),
    CHOICE("KIS_ENV", env, "virtual", "virtual|real", "KIS environment"),
    STR("KISGW_ALLOW_REAL", allow_real, NULL, "must be yes for KIS_ENV=real (real money)"),
    STR("KIS_BASE_URL", base_url, NULL,
        "KIS REST base URL override; default: the environment's official host"),
    STR("KIS_HTS_ID", hts_id, NULL,
        "HTS user id: turns on real-time execution notices over the KIS WebSocket; without "
        "it fills come from polling alone"),
    STR("KIS_WS_URL", ws_url, NULL,
        "KIS WebSocket URL override (ws://); default: the environment's official host, or "
        "the KIS_BASE_URL host:port when that is plain http:// (a simulator)"),
    INT("KIS_OLD_TR_IDS", kis.old_tr_ids, 0, 0, 1,
        "1: use the pre-2025 order and order-history tr_ids"),
    INT("KIS_TLS_VERIFY", kis.verify_tls, 1, 0, 1, "0 disables TLS verification"),
    INT("KISGW_RATE_LIMIT", kis.rate_per_sec, 0, 0, 1000,
        "KIS calls per second for the account (the adaptive limiter's ceiling); 0: " XSTR(
            KIS_RATE_REAL_DEFAULT) " real, " XSTR(KIS_RATE_VIRTUAL_DEFAULT) " virtual"),
    INT("KISGW_QUEUE_WAIT_MS", kis.queue_wait_ms, KIS_DEFAULT_QUEUE_WAIT_MS, 0, 600000,
        "longest wait for a rate-limit slot before 503"),
    INT("KISGW_KIS_TIMEOUT_MS", kis.timeout_ms, KIS_DEFAULT_TIMEOUT_MS, 100, 120000,
        "whole-request timeout of a KIS call"),
    INT("KISGW_KIS_CONNECT_TIMEOUT_MS", kis.connect_timeout_ms, KIS_DEFAULT_CONNECT_TIMEOUT_MS, 100,
        60000, "connect timeout of a KIS call"),
    INT("KISGW_TOKEN_MARGIN_S", kis.token_margin_s, KIS_DEFAULT_TOKEN_MARGIN_S, 0, 43200,
        "refresh the access token this long before it expires"),
    INT("KISGW_TOKEN_WAIT_MS", kis.token_wait_ms, KIS_DEFAULT_TOKEN_WAIT_MS, 0, 120000,
        "how long a request waits for a token before 503"),
    {.name = "KISGW_TOKEN_MIN_INTERVAL_S",
     .type = SET_INT,
     .off = AT(kis.token_min_interval_ms, int),
     .def = KIS_DEFAULT_TOKEN_MIN_INTERVAL_MS / 1000,
     .min = 1,
     .max = 86400,
     .scale = 1000,
     .help = "least time between two token issuances (KIS allows one a minute)"},
    STR("KISGW_LISTEN", listen, "127.0.0.1:8080", "host:port to listen on"),
    STR("KISGW_DB", db, "./kisgw.db", "SQLite database file"),
    SECRET("KISGW_API_TOKEN", api_token,
           "bearer token for the local API; required for a non-loopback listen address"),
    STR("KISGW_CLOCK", clock, NULL, "test clock, 2026-11-23T08:55:00+09:00 or ...@60"),
    STR("KISGW_ALLOWED_HOSTS", allowed_hosts, NULL,
        "extra Host names accepted (comma list, * for any)"),
    STR("KISGW_CORS_ORIGIN", cors_origin, NULL,
        "Origin allowed by CORS (exact, or *); none: no CORS"),
    CHOICE("KISGW_LOG_LEVEL", log_level, "info", "debug|info|warn|error", "log level"),
    I64("KISGW_QUOTE_CACHE_MS", quote_cache_ms, 1000, 0, 60000,
        "how long a quote is served from cache; 0 disables"),
    I64("KISGW_MAX_BODY", max_body, 65536, 256, 16777216, "largest request body accepted (bytes)"),
    I64("KISGW_MAX_URL", max_url, 2048, 64, 16384, "longest request URL accepted (bytes)"),
    I64("KISGW_HTTP_CONNECTIONS", http_connections, 512, 4, 10000,
        "most simultaneous client connections (shared out among the HTTP threads)"),
    I64("KISGW_HTTP_THREADS", http_threads, 4, 1, 64,
        "HTTP threads (libmicrohttpd's epoll pool); they never wait on KIS or the disk"),
    I64("KISGW_HTTP_WORKERS", http_workers, 16, 1, 1024,
        "worker threads for requests that may block (KIS calls, rate-limit waits, writes); "
        "more such requests wait their turn, their connections parked"),
    I64("KISGW_HTTP_PER_IP", http_per_ip, 64, 1, 10000,
        "most simultaneous connections from one client address (slowloris)"),
    I64("KISGW_HTTP_IDLE_TIMEOUT_S", http_idle_timeout_s, 30, 1, 3600,
        "a connection silent this long (mid-headers or between requests) is closed"),
    I64("KISGW_DRAIN_S", drain_s, 10, 0, 600, "on SIGTERM, how long in-flight requests may finish"),
    STR("KISGW_SIM", sim_path, NULL, "kis-sim executable; default: beside kisgw, then PATH"),
    STR("KISGW_SIM_ARGS", sim_args, NULL,
        "extra arguments for the embedded kis-sim (space separated)"),
    I64("KISGW_SIM_SEED", sim_seed, 1, 0, INT32_MAX, "market seed of the embedded kis-sim"),
    I64("KISGW_MAX_ORDER_QTY", trader.max_order_qty, TRADER_DEFAULT_MAX_ORDER_QTY, 1, 1000000000,
        "largest order quantity (shares)"),
    I64("KISGW_MAX_ORDER_AMOUNT", trader.max_order_amount, TRADER_DEFAULT_MAX_ORDER_AMOUNT, 1,
        INT64_C(1000000000000), "largest order amount (KRW)"),
    INT("KISGW_SESSION_CHECK", trader.session_check, TRADER_DEFAULT_SESSION_CHECK, 0, 1,
        "1: refuse an order type outside its session before calling KIS; 0: let KIS judge"),
    I64("KISGW_MAX_DAILY_BUY_AMOUNT", trader.max_daily_buy_amount,
        TRADER_DEFAULT_MAX_DAILY_BUY_AMOUNT, 0, INT64_C(1000000000000000),
        "KRW of buy orders per KST day, every source together (0: no cap)"),
    I64("KISGW_MAX_DAILY_SELL_AMOUNT", trader.max_daily_sell_amount,
        TRADER_DEFAULT_MAX_DAILY_SELL_AMOUNT, 0, INT64_C(1000000000000000),
        "KRW of sell orders per KST day, every source together (0: no cap)"),
    I64("KISGW_MAX_POSITION_QTY", trader.max_position_qty, TRADER_DEFAULT_MAX_POSITION_QTY, 0,
        INT64_C(1000000000000), "shares held + on open buys per code (0: no cap)"),
    I64("KISGW_FEE_RATE_PPM", trader.fee_rate_ppm, TRADER_DEFAULT_FEE_RATE_PPM, 0, 100000,
        "brokerage fee estimate, parts per million of the amount (150 = 0.015 %)"),
    I64("KISGW_TAX_RATE_PPM", trader.tax_rate_ppm, TRADER_DEFAULT_TAX_RATE_PPM, 0, 100000,
        "transaction tax estimate on sells, parts per million (2000 = 0.20 %)"),
    INT("KISGW_RECONCILE_INTERVAL", trader.reconcile_interval_s,
        TRADER_DEFAULT_RECONCILE_INTERVAL_S, 1, 86400,
        "seconds between order reconciliations during the session"),
    INT("KISGW_BACKFILL_DAYS", trader.backfill_days, TRADER_DEFAULT_BACKFILL_DAYS, 0, 3650,
        "days of order history imported on first start"),
    INT("KISGW_UNKNOWN_WINDOW_S", trader.unknown_window_s, TRADER_DEFAULT_UNKNOWN_WINDOW_S, 1, 3600,
        "time window for matching an unknown order to a KIS order"),
    CHOICE("KISGW_PASSTHROUGH", passthrough, "off", "off|on",
           "on: serve KIS's own protocol (/oauth2/tokenP, /oauth2/Approval, /uapi/hashkey, "
           "/uapi/domestic-stock/*) so existing KIS scripts change only their base URL"),
    SECRET("KISGW_PASSTHROUGH_APP_KEY", pt_app_key,
           "the app key KIS scripts present to the passthrough; default: KIS_APP_KEY (never "
           "sent to KIS)"),
    SECRET("KISGW_PASSTHROUGH_APP_SECRET", pt_app_secret,
           "the app secret that goes with KISGW_PASSTHROUGH_APP_KEY"),
    SECRET("KISGW_WEBHOOK_URL", webhook_url,
           "Discord-compatible webhook for notifications ({\"content\": text})"),
    SECRET("KISGW_TELEGRAM_BOT_TOKEN", telegram_token,
           "Telegram bot token for notifications (with KISGW_TELEGRAM_CHAT_ID)"),
    STR("KISGW_TELEGRAM_CHAT_ID", telegram_chat_id, NULL, "Telegram chat id for notifications"),
    STR("KISGW_TELEGRAM_API_URL", telegram_api, NULL,
        "Telegram Bot API base URL (tests); default https://api.telegram.org"),
    SECRET("KISGW_NOTIFY_JSON_URL", notify_json_url,
           "generic JSON webhook for notifications ({event, at, order?, decision?, text})"),
    I64("KISGW_NOTIFY_TIMEOUT_MS", notify_timeout_ms, NOTIFY_DEFAULT_TIMEOUT_MS, 100, 120000,
        "timeout of one notification attempt"),
    I64("KISGW_NOTIFY_PER_MINUTE", notify_per_minute, NOTIFY_DEFAULT_PER_MINUTE, 1, 600,
        "most notifications a minute per channel (the rest wait)"),
    I64("KISGW_NOTIFY_RETRIES", notify_retries, NOTIFY_DEFAULT_RETRIES, 0, 10,
        "retries of a failed notification (backoff 1 s, doubling)"),
};

#define NSET (sizeof(table) / sizeof(table[0]))

static int is_int(const setting *t)
{
	return t->type == SET_INT || t->type == SET_I64;
}

static char **str_at(gw_settings *s, const setting *t)
{
	return (char **)((char *)s + t->off);
}

static void int_set(gw_settings *s, const setting *t, int64_t v)
{
	v *= t->scale ? t->scale : 1;
	if (t->type == SET_INT)
		*(int *)((char *)s + t->off) = (int)v;
	else
		*(int64_t *)((char *)s + t->off) = v;
}

static char *trim_dup(const char *v)
{
	while (isspace((unsigned char)*v))
		v++;
	size_t n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	return strndup(v, n);
}

/* Read a secret file, trimming the trailing newline editors add (a classic
 * cause of KIS EGW00103). */
static char *read_secret_file(const char *path, char *why, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(why, len, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return trim_dup(buf);
}

static int set_value(gw_settings *s, const setting *t, const char *raw, char *err, size_t errlen)
{
	char *v = trim_dup(raw);
	if (!v) {
		snprintf(err, errlen, "invalid %s: out of memory", t->name);
		return -1;
	}
	if (is_int(t)) {
		char *end;
		errno = 0;
		long long n = strtoll(v, &end, 10);
		int bad = errno || end == v || *end;
		free(v);
		if (bad) {
			snprintf(err, errlen, "invalid %s: not an integer", t->name);
			return -1;
		}
		if (n < t->min || n > t->max) {
			snprintf(err, errlen, "invalid %s: must be between %lld and %lld", t->name,
			         (long long)t->min, (long long)t->max);
			return -1;
		}
		int_set(s, t, n);
		return 0;
	}
	if (t->type == SET_CHOICE) {
		const char *c = t->choices;
		size_t n = strlen(v);
		int ok = 0;
		while (*c) {
			const char *bar = strchr(c, '|');
			size_t cn = bar ? (size_t)(bar - c) : strlen(c);
			if (cn == n && !strncmp(c, v, n))
				ok = 1;
			c += cn + (bar ? 1 : 0);
		}
		if (!ok) {
			free(v);
			snprintf(err, errlen, "invalid %s: must be one of %s", t->name, t->choices);
			return -1;
		}
	}
	if (!*v && t->def_s && *t->def_s) {
		/* "KISGW_LISTEN=" would leave a setting the rest relies on unset */
		free(v);
		snprintf(err, errlen, "invalid %s: empty; leave it out for the default %s", t->name,
		         t->def_s);
		return -1;
	}
	char **slot = str_at(s, t);
	free(*slot);
	*slot = *v ? v : (free(v), NULL);
	return 0;
}

static const setting *find(const char *name)
{
	for (size_t i = 0; i < NSET; i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

/* NAME=value lines; '#' comments; unknown names are an error (typos). */
static int load_file(gw_settings *s, const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	if (!f) {
		snprintf(err, errlen, "invalid config file %s: %s", file, strerror(errno));
		return -1;
	}
	char line[8192];
	int lineno = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		char *eq = strchr(p, '=');
		if (!eq) {
			snprintf(err, errlen, "invalid config file %s:%d: expected NAME=value",
			         file, lineno);
			rc = -1;
			break;
		}
		*eq = 0;
		char *name = trim_dup(p);
		int is_file = 0;
		size_t nl = strlen(name);
		if (nl > 5 && !strcmp(name + nl - 5, "_FILE")) {
			name[nl - 5] = 0;
			is_file = 1;
		}
		const setting *t = find(name);
		const at_setting_def *ad = is_file ? NULL : at_setting_find(name);
		if (!t && ad && !strcmp(ad->env, name)) {
			int i = (int)(ad - at_setting_defs);
			free(s->autotrade_raw[i]);
			s->autotrade_raw[i] = trim_dup(eq + 1);
		} else if (!t || (is_file && t->type != SET_SECRET)) {
			snprintf(err, errlen, "invalid config file %s:%d: unknown setting %s%s",
			         file, lineno, name, is_file ? "_FILE" : "");
			rc = -1;
		} else if (is_file) {
			char *path = trim_dup(eq + 1);
			char why[256];
			char *v = read_secret_file(path, why, sizeof(why));
			free(path);
			if (!v) {
				snprintf(err, errlen, "invalid %s_FILE: %s", t->name, why);
				rc = -1;
			} else {
				rc = set_value(s, t, v, err, errlen);
				free(v);
			}
		} else {
			rc = set_value(s, t, eq + 1, err, errlen);
		}
		free(name);
	}
	fclose(f);
	return rc;
}

static int is_loopback(const char *host)
{
	return !strcmp(host, "127.0.0.1") || !strcmp(host, "localhost") || !strcmp(host, "::1") ||
	       !strncmp(host, "127.", 4);
}

static int parse_listen(gw_settings *s, char *err, size_t errlen)
{
	const char *v = s->listen;
	const char *colon = strrchr(v, ':');
	const char *host = v, *hend = colon;
	if (!colon || colon == v)
		goto bad;
	if (*v == '[') { /* [::1]:8080 */
		if (colon[-1] != ']')
			goto bad;
		host = v + 1;
		hend = colon - 1;
	}
	if ((size_t)(hend - host) >= sizeof(s->listen_host) || hend == host)
		goto bad;
	memcpy(s->listen_host, host, (size_t)(hend - host));
	s->listen_host[hend - host] = 0;
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
		goto bad;
	s->listen_port = (int)port;
	s->listen_loopback = is_loopback(s->listen_host);
	return 0;
bad:
	snprintf(err, errlen, "invalid KISGW_LISTEN: expected host:port, e.g. 127.0.0.1:8080");
	return -1;
}

static int valid_account(const char *a)
{
	if (strlen(a) != 11 || a[8] != '-')
		return 0;
	for (int i = 0; i < 11; i++)
		if (i != 8 && !isdigit((unsigned char)a[i]))
			return 0;
	return 1;
}

/* Cross-field rules, after every source is read. */
static int check(gw_settings *s, char *err, size_t errlen)
{
	if (parse_listen(s, err, errlen))
		return -1;
	if (!s->listen_loopback && !s->api_token) {
		snprintf(err, errlen,
		         "invalid KISGW_LISTEN: %s is not a loopback address; set KISGW_API_TOKEN "
		         "to listen there",
		         s->listen_host);
		return -1;
	}
	if (s->api_token && strlen(s->api_token) < 16) {
		snprintf(err, errlen, "invalid KISGW_API_TOKEN: use at least 16 characters");
		return -1;
	}
	s->real = !strcmp(s->env, "real");
	if (s->real && (!s->allow_real || strcmp(s->allow_real, "yes"))) {
		snprintf(err, errlen,
		         "invalid KIS_ENV: real money needs KISGW_ALLOW_REAL=yes as well");
		return -1;
	}
	if (!s->app_key != !s->app_secret) {
		snprintf(err, errlen, "invalid %s: KIS_APP_KEY and KIS_APP_SECRET go together",
		         s->app_key ? "KIS_APP_SECRET" : "KIS_APP_KEY");
		return -1;
	}
	s->use_sim = !s->app_key;
	if (!s->use_sim) {
		if (strlen(s->app_key) != 36) {
			snprintf(err, errlen, "invalid KIS_APP_KEY: must be 36 characters, not %zu",
			         strlen(s->app_key));
			return -1;
		}
		if (strlen(s->app_secret) != 180) {
			snprintf(err, errlen,
			         "invalid KIS_APP_SECRET: must be 180 characters, not %zu",
			         strlen(s->app_secret));
			return -1;
		}
		if (!s->account) {
			snprintf(err, errlen, "invalid KIS_ACCOUNT: required with KIS credentials");
			return -1;
		}
	} else if (s->real) {
		snprintf(err, errlen, "invalid KIS_ENV: real needs KIS_APP_KEY and KIS_APP_SECRET");
		return -1;
	}
	if (s->account && !valid_account(s->account)) {
		snprintf(err, errlen, "invalid KIS_ACCOUNT: expected 8 digits, '-', 2 digits");
		return -1;
	}
	if (s->base_url && strncmp(s->base_url, "http://", 7) &&
	    strncmp(s->base_url, "https://", 8)) {
		snprintf(err, errlen, "invalid KIS_BASE_URL: must start with http:// or https://");
		return -1;
	}
	if (s->ws_url && strncmp(s->ws_url, "ws://", 5)) {
		snprintf(err, errlen,
		         "invalid KIS_WS_URL: must start with ws:// (KIS's WebSocket is plain ws)");
		return -1;
	}
	if (s->hts_id) {
		size_t n = strlen(s->hts_id);
		int ok = n <= 20;
		for (size_t i = 0; ok && i < n; i++)
			ok = isalnum((unsigned char)s->hts_id[i]) || s->hts_id[i] == '_' ||
			     s->hts_id[i] == '-' || s->hts_id[i] == '.';
		if (!ok) {
			snprintf(err, errlen,
			         "invalid KIS_HTS_ID: at most 20 letters, digits, '_', '-' or '.'");
			return -1;
		}
	}
	s->passthrough_on = !strcmp(s->passthrough, "on");
	if (!s->pt_app_key != !s->pt_app_secret) {
		snprintf(err, errlen,
		         "invalid %s: KISGW_PASSTHROUGH_APP_KEY and _APP_SECRET go together",
		         s->pt_app_key ? "KISGW_PASSTHROUGH_APP_SECRET"
		                       : "KISGW_PASSTHROUGH_APP_KEY");
		return -1;
	}
	if (s->pt_app_key && (strlen(s->pt_app_key) < 16 || strlen(s->pt_app_secret) < 16)) {
		snprintf(err, errlen,
		         "invalid KISGW_PASSTHROUGH_APP_KEY: key and secret need at "
		         "least 16 characters each");
		return -1;
	}
	if (s->passthrough_on && s->use_sim && !s->pt_app_key) {
		snprintf(err, errlen,
		         "invalid KISGW_PASSTHROUGH: on against the embedded kis-sim needs "
		         "KISGW_PASSTHROUGH_APP_KEY and KISGW_PASSTHROUGH_APP_SECRET");
		return -1;
	}
	if (!s->base_url && !s->use_sim)
		s->base_url = strdup(s->real ? "https://openapi.koreainvestment.com:9443"
		                             : "https://openapivts.koreainvestment.com:29443");
	if (!s->account)
		s->account = strdup("50000000-01"); /* the embedded simulator's account */
	/* What the libraries need to know of the rest. */
	s->kis.real = s->trader.real = s->real;
	if (s->kis.rate_per_sec == 0)
		s->kis.rate_per_sec = s->real ? KIS_RATE_REAL_DEFAULT : KIS_RATE_VIRTUAL_DEFAULT;
	s->trader.run_backfill = s->trader.backfill_days > 0;
	return 0;
}

/* The auto-trade table: defaults, then what the file and the environment
 * (which wins) gave, each checked by the trader's own parser. */
static int load_autotrade(gw_settings *s, char *err, size_t errlen)
{
	at_settings_defaults(&s->autotrade);
	for (int i = 0; i < AT_NSETTINGS; i++) {
		const at_setting_def *d = &at_setting_defs[i];
		const char *v = getenv(d->env);
		if (v) {
			free(s->autotrade_raw[i]);
			s->autotrade_raw[i] = strdup(v);
		}
		s->autotrade_src[i] = AT_SRC_DEFAULT;
		if (!s->autotrade_raw[i])
			continue;
		char why[200];
		if (at_settings_set(&s->autotrade, d, s->autotrade_raw[i], why, sizeof(why))) {
			snprintf(err, errlen, "invalid %s: %s", d->env, why);
			return -1;
		}
		s->autotrade_src[i] = AT_SRC_ENV;
	}
	const char *key;
	char why[200];
	if (at_settings_check(&s->autotrade, why, sizeof(why), &key)) {
		snprintf(err, errlen, "invalid %s: %s", at_setting_find(key)->env, why);
		return -1;
	}
	return 0;
}

static int load(gw_settings *s, const char *file, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < NSET; i++) {
		if (is_int(&table[i]))
			int_set(s, &table[i], table[i].def);
		else if (table[i].def_s && set_value(s, &table[i], table[i].def_s, err, errlen))
			return -1;
	}
	if (file && load_file(s, file, err, errlen))
		return -1;
	for (size_t i = 0; i < NSET; i++) {
		const setting *t = &table[i];
		const char *v = getenv(t->name);
		if (t->type == SET_SECRET) {
			char fname[96];
			snprintf(fname, sizeof(fname), "%s_FILE", t->name);
			const char *path = getenv(fname);
			if (path && v) {
				snprintf(err, errlen, "invalid %s: set either it or %s, not both",
				         t->name, fname);
				return -1;
			}
			if (path) {
				char why[256];
				char *fv = read_secret_file(path, why, sizeof(why));
				if (!fv) {
					snprintf(err, errlen, "invalid %s: %s", fname, why);
					return -1;
				}
				int rc = set_value(s, t, fv, err, errlen);
				free(fv);
				if (rc)
					return -1;
				continue;
			}
		}
		if (v && set_value(s, t, v, err, errlen))
			return -1;
	}
	if (load_autotrade(s, err, errlen))
		return -1;
	return check(s, err, errlen);
}

int gw_settings_load(gw_settings *s, const char *file, char *err, size_t errlen)
{
	if (load(s, file, err, errlen) == 0)
		return 0;
	gw_settings_free(s);
	return -1;
}

void gw_settings_free(gw_settings *s)
{
	for (size_t i = 0; i < NSET; i++)
		if (!is_int(&table[i]))
			free(*str_at(s, &table[i]));
	for (int i = 0; i < AT_NSETTINGS; i++)
		free(s->autotrade_raw[i]);
	memset(s, 0, sizeof(*s));
}

/* The default as --help and the README show it ("" for none). */
static void def_text(const setting *t, char *buf, size_t cap)
{
	if (is_int(t))
		snprintf(buf, cap, "%lld", (long long)t->def);
	else
		snprintf(buf, cap, "%s", t->def_s ? t->def_s : "");
}

void gw_settings_usage(void)
{
	printf("Settings (environment, or NAME=value lines in the --config file; secrets also "
	       "from NAME_FILE):\n");
	for (size_t i = 0; i < NSET; i++) {
		char def[32];
		def_text(&table[i], def, sizeof(def));
		printf("  %-30s %s%s%s%s\n", table[i].name, table[i].help, *def ? " [default " : "",
		       def, *def ? "]" : "");
	}
	printf("Auto-trade job (its own table, trader/autotrade_settings.c; also changed at run "
	       "time through PATCH /autotrade/settings):\n");
	for (int i = 0; i < AT_NSETTINGS; i++)
		printf("  %-30s %s [default %s]\n", at_setting_defs[i].env, at_setting_defs[i].help,
		       at_setting_defs[i].def);
}

/* Edit distance of two short names (for "did you mean"). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return (size_t)-1;
	size_t row[64];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* A name kisgw reads: a setting of either table, a secret's NAME_FILE, or
 * KISGW_CONFIG (the --config default, cli.c). */
static int known_env(char *name)
{
	size_t n = strlen(name);
	if (find(name) || !strcmp(name, "KISGW_CONFIG"))
		return 1;
	const at_setting_def *ad = at_setting_find(name);
	if (ad && !strcmp(ad->env, name))
		return 1;
	if (n <= 5 || strcmp(name + n - 5, "_FILE"))
		return 0;
	name[n - 5] = 0;
	const setting *t = find(name);
	name[n - 5] = '_';
	return t && t->type == SET_SECRET;
}

/* The closest name of either table. */
static const char *closest(const char *name)
{
	const char *best = NULL;
	size_t bd = (size_t)-1;
	for (size_t i = 0; i < NSET; i++) {
		size_t d = distance(name, table[i].name);
		if (d < bd)
			bd = d, best = table[i].name;
	}
	for (int i = 0; i < AT_NSETTINGS; i++) {
		size_t d = distance(name, at_setting_defs[i].env);
		if (d < bd)
			bd = d, best = at_setting_defs[i].env;
	}
	return best;
}

int gw_settings_check_env(char *const *envp, void (*warn)(void *ctx, const char *line), void *ctx)
{
	int found = 0;
	for (; envp && *envp; envp++) {
		const char *e = *envp, *eq = strchr(e, '=');
		size_t n = eq ? (size_t)(eq - e) : strlen(e);
		if (n >= 96 || (strncmp(e, "KIS_", 4) && strncmp(e, "KISGW_", 6)))
			continue;
		char name[96];
		memcpy(name, e, n);
		name[n] = 0;
		if (known_env(name))
			continue;
		const char *best = closest(name);
		char line[256];
		snprintf(line, sizeof(line),
		         "unknown setting %s in the environment (ignored)%s%s%s", name,
		         best ? "; did you mean " : "", best ? best : "", best ? "?" : "");
		if (warn)
			warn(ctx, line);
		found++;
	}
	return found;
}

/* One Markdown table cell: '|' escaped, newlines as spaces. */
static void md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s == '\n' ? ' ' : *s, f);
	}
}

/* One row of the README's table: name (and its _FILE form), default, help,
 * then the bounds or the choices. Both tables are printed through it. */
static void md_row(FILE *f, const char *name, int secret, const char *def, const char *help,
                   const char *range, const char *choices)
{
	fprintf(f, "| `%s`", name);
	if (secret)
		fprintf(f, " or `%s_FILE`", name);
	fputs(" | ", f);
	if (def && *def)
		fprintf(f, "`%s`", def);
	else
		fputs("—", f);
	fputs(" | ", f);
	md_cell(f, help);
	if (range)
		fprintf(f, " (%s)", range);
	else if (choices) {
		fputs(": `", f);
		for (const char *c = choices; *c; c++)
			if (*c == '|')
				fputs("`, `", f);
			else
				fputc(*c, f);
		fputc('`', f);
	}
	fputs(" |\n", f);
}

/* The README's configuration table, printed from the two tables (this one,
 * then the auto-trade job's) so they cannot drift apart (tests/packaging's
 * readme_settings checks the README's copy). */
void gw_settings_markdown(FILE *f)
{
	fputs("| setting | default | meaning |\n|---|---|---|\n", f);
	for (size_t i = 0; i < NSET; i++) {
		const setting *t = &table[i];
		char def[32], range[64];
		def_text(t, def, sizeof(def));
		if (is_int(t))
			snprintf(range, sizeof(range), "%lld to %lld", (long long)t->min,
			         (long long)t->max);
		md_row(f, t->name, t->type == SET_SECRET, def, t->help, is_int(t) ? range : NULL,
		       t->type == SET_CHOICE ? t->choices : NULL);
	}
	for (int i = 0; i < AT_NSETTINGS; i++) {
		const at_setting_def *d = &at_setting_defs[i];
		char range[64];
		if (d->type == AT_T_TIME)
			snprintf(range, sizeof(range), "%02d:%02d to %02d:%02d", (int)d->min / 100,
			         (int)d->min % 100, (int)d->max / 100, (int)d->max % 100);
		else
			snprintf(range, sizeof(range), "%.15g to %.15g", d->min, d->max);
		md_row(f, d->env, 0, d->def, d->help, d->type == AT_T_CHOICE ? NULL : range,
		       d->choices);
	}
}
