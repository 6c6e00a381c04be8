/* config.c — the settings table, its loader and its checks. */
#include "config.h"
#include "kis.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum set_type { SET_STR, SET_SECRET, SET_INT, SET_CHOICE };

typedef struct setting {
	const char *name;
	enum set_type type;
	size_t off;
	const char *def;
	int64_t min, max;    /* SET_INT bounds */
	const char *choices; /* SET_CHOICE: '|'-separated */
	const char *help;
} setting;

#define S(field) offsetof(gw_settings, field)

static const setting table[] = {
    {"KIS_APP_KEY", SET_SECRET, S(app_key), NULL, 0, 0, NULL,
     "KIS app key (36 chars); none: run against the embedded kis-sim"},
    {"KIS_APP_SECRET", SET_SECRET, S(app_secret), NULL, 0, 0, NULL, "KIS app secret (180 chars)"},
    {"KIS_ACCOUNT", SET_STR, S(account), NULL, 0, 0, NULL, "account as 12345678-01"},
    {"KIS_ENV", SET_CHOICE, S(env), "virtual", 0, 0, "virtual|real", "KIS environment"},
    {"KISGW_ALLOW_REAL", SET_STR, S(allow_real), NULL, 0, 0, NULL,
     "must be yes for KIS_ENV=real (real money)"},
    {"KIS_BASE_URL", SET_STR, S(base_url), NULL, 0, 0, NULL,
     "KIS REST base URL override; default: the environment's official host"},
    {"KIS_HTS_ID", SET_STR, S(hts_id), NULL, 0, 0, NULL,
     "HTS user id: turns on real-time execution notices over the KIS WebSocket; without it "
     "fills come from polling alone"},
    {"KIS_WS_URL", SET_STR, S(ws_url), NULL, 0, 0, NULL,
     "KIS WebSocket URL override (ws://); default: the environment's official host, or "
     "the KIS_BASE_URL host:port when that is plain http:// (a simulator)"},
    {"KIS_OLD_TR_IDS", SET_INT, S(old_tr_ids), "0", 0, 1, NULL,
     "1: use the pre-2025 order and order-history tr_ids"},
    {"KIS_TLS_VERIFY", SET_INT, S(tls_verify), "1", 0, 1, NULL, "0 disables TLS verification"},
    {"KISGW_RATE_LIMIT", SET_INT, S(rate_per_sec), "0", 0, 1000, NULL,
     "KIS calls per second for the account (the adaptive limiter's ceiling); 0: 18 real, 2 "
     "virtual"},
    {"KISGW_QUEUE_WAIT_MS", SET_INT, S(queue_wait_ms), "20000", 0, 600000, NULL,
     "longest wait for a rate-limit slot before 503"},
    {"KISGW_KIS_TIMEOUT_MS", SET_INT, S(kis_timeout_ms), "10000", 100, 120000, NULL,
     "whole-request timeout of a KIS call"},
    {"KISGW_KIS_CONNECT_TIMEOUT_MS", SET_INT, S(kis_connect_timeout_ms), "3000", 100, 60000, NULL,
     "connect timeout of a KIS call"},
    {"KISGW_TOKEN_MARGIN_S", SET_INT, S(token_margin_s), "600", 0, 43200, NULL,
     "refresh the access token this long before it expires"},
    {"KISGW_TOKEN_WAIT_MS", SET_INT, S(token_wait_ms), "5000", 0, 120000, NULL,
     "how long a request waits for a token before 503"},
    {"KISGW_TOKEN_MIN_INTERVAL_S", SET_INT, S(token_min_interval_s), "60", 1, 86400, NULL,
     "least time between two token issuances (KIS allows one a minute)"},
    {"KISGW_LISTEN", SET_STR, S(listen), "127.0.0.1:8080", 0, 0, NULL, "host:port to listen on"},
    {"KISGW_DB", SET_STR, S(db), "./kisgw.db", 0, 0, NULL, "SQLite database file"},
    {"KISGW_API_TOKEN", SET_SECRET, S(api_token), NULL, 0, 0, NULL,
     "bearer token for the local API; required for a non-loopback listen address"},
    {"KISGW_CLOCK", SET_STR, S(clock), NULL, 0, 0, NULL,
     "test clock, 2026-11-23T08:55:00+09:00 or ...@60"},
    {"KISGW_ALLOWED_HOSTS", SET_STR, S(allowed_hosts), NULL, 0, 0, NULL,
     "extra Host names accepted (comma list, * for any)"},
    {"KISGW_CORS_ORIGIN", SET_STR, S(cors_origin), NULL, 0, 0, NULL,
     "Origin allowed by CORS (exact, or *); none: no CORS"},
    {"KISGW_LOG_LEVEL", SET_CHOICE, S(log_level), "info", 0, 0, "debug|info|warn|error",
     "log level"},
    {"KISGW_QUOTE_CACHE_MS", SET_INT, S(quote_cache_ms), "1000", 0, 60000, NULL,
     "how long a quote is served from cache; 0 disables"},
    {"KISGW_MAX_BODY", SET_INT, S(max_body), "65536", 256, 16777216, NULL,
     "largest request body accepted (bytes)"},
    {"KISGW_MAX_URL", SET_INT, S(max_url), "2048", 64, 16384, NULL,
     "longest request URL accepted (bytes)"},
    {"KISGW_HTTP_CONNECTIONS", SET_INT, S(http_threads), "512", 4, 10000, NULL,
     "most simultaneous client connections"},
    {"KISGW_HTTP_PER_IP", SET_INT, S(http_per_ip), "64", 1, 10000, NULL,
     "most simultaneous connections from one client address (slowloris)"},
    {"KISGW_HTTP_IDLE_TIMEOUT_S", SET_INT, S(http_idle_timeout_s), "30", 1, 3600, NULL,
     "a connection silent this long (mid-headers or between requests) is closed"},
    {"KISGW_DRAIN_S", SET_INT, S(drain_s), "10", 0, 600, NULL,
     "on SIGTERM, how long in-flight requests may finish"},
    {"KISGW_SIM", SET_STR, S(sim_path), NULL, 0, 0, NULL,
     "kis-sim executable; default: beside kisgw, then PATH"},
    {"KISGW_SIM_ARGS", SET_STR, S(sim_args), NULL, 0, 0, NULL,
     "extra arguments for the embedded kis-sim (space separated)"},
    {"KISGW_SIM_SEED", SET_INT, S(sim_seed), "1", 0, INT32_MAX, NULL,
     "market seed of the embedded kis-sim"},
    {"KISGW_MAX_ORDER_QTY", SET_INT, S(max_order_qty), "100000", 1, 1000000000, NULL,
     "largest order quantity (shares)"},
    {"KISGW_MAX_ORDER_AMOUNT", SET_INT, S(max_order_amount), "100000000", 1, INT64_C(1000000000000),
     NULL, "largest order amount (KRW)"},
    {"KISGW_SESSION_CHECK", SET_INT, S(session_check), "1", 0, 1, NULL,
     "1: refuse an order type outside its session before calling KIS; 0: let KIS judge"},
    {"KISGW_MAX_DAILY_BUY_AMOUNT", SET_INT, S(max_daily_buy_amount), "1000000000", 0,
     INT64_C(1000000000000000), NULL,
     "KRW of buy orders per KST day, every source together (0: no cap)"},
    {"KISGW_MAX_DAILY_SELL_AMOUNT", SET_INT, S(max_daily_sell_amount), "1000000000", 0,
     INT64_C(1000000000000000), NULL,
     "KRW of sell orders per KST day, every source together (0: no cap)"},
    {"KISGW_MAX_POSITION_QTY", SET_INT, S(max_position_qty), "1000000", 0, INT64_C(1000000000000),
     NULL, "shares held + on open buys per code (0: no cap)"},
    {"KISGW_FEE_RATE_PPM", SET_INT, S(fee_rate_ppm), "150", 0, 100000, NULL,
     "brokerage fee estimate, parts per million of the amount (150 = 0.015 %)"},
    {"KISGW_TAX_RATE_PPM", SET_INT, S(tax_rate_ppm), "2000", 0, 100000, NULL,
     "transaction tax estimate on sells, parts per million (2000 = 0.20 %)"},
    {"KISGW_RECONCILE_INTERVAL", SET_INT, S(reconcile_interval_s), "30", 1, 86400, NULL,
     "seconds between order reconciliations during the session"},
    {"KISGW_BACKFILL_DAYS", SET_INT, S(backfill_days), "90", 0, 3650, NULL,
     "days of order history imported on first start"},
    {"KISGW_UNKNOWN_WINDOW_S", SET_INT, S(unknown_window_s), "120", 1, 3600, NULL,
     "time window for matching an unknown order to a KIS order"},
    {"KISGW_WEBHOOK_URL", SET_SECRET, S(webhook_url), NULL, 0, 0, NULL,
     "Discord-compatible webhook for notifications ({\"content\": text})"},
    {"KISGW_TELEGRAM_BOT_TOKEN", SET_SECRET, S(telegram_token), NULL, 0, 0, NULL,
     "Telegram bot token for notifications (with KISGW_TELEGRAM_CHAT_ID)"},
    {"KISGW_TELEGRAM_CHAT_ID", SET_STR, S(telegram_chat_id), NULL, 0, 0, NULL,
     "Telegram chat id for notifications"},
    {"KISGW_TELEGRAM_API_URL", SET_STR, S(telegram_api), NULL, 0, 0, NULL,
     "Telegram Bot API base URL (tests); default https://api.telegram.org"},
    {"KISGW_NOTIFY_JSON_URL", SET_SECRET, S(notify_json_url), NULL, 0, 0, NULL,
     "generic JSON webhook for notifications ({event, at, order?, decision?, text})"},
    {"KISGW_NOTIFY_TIMEOUT_MS", SET_INT, S(notify_timeout_ms), "5000", 100, 120000, NULL,
     "timeout of one notification attempt"},
    {"KISGW_NOTIFY_PER_MINUTE", SET_INT, S(notify_per_minute), "20", 1, 600, NULL,
     "most notifications a minute per channel (the rest wait)"},
    {"KISGW_NOTIFY_RETRIES", SET_INT, S(notify_retries), "3", 0, 10, NULL,
     "retries of a failed notification (backoff 1 s, doubling)"},
};

#define NSET (sizeof(table) / sizeof(table[0]))

static char **str_at(gw_settings *s, const setting *t)
{
	return (char **)((char *)s + t->off);
}

static int64_t *int_at(gw_settings *s, const setting *t)
{
	return (int64_t *)((char *)s + t->off);
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
	if (t->type == SET_INT) {
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
		*int_at(s, t) = n;
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
	if (!*v && t->def && *t->def) {
		/* "KISGW_LISTEN=" would leave a setting the rest relies on unset */
		free(v);
		snprintf(err, errlen, "invalid %s: empty; leave it out for the default %s", t->name,
		         t->def);
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
	if (!s->base_url && !s->use_sim)
		s->base_url = strdup(s->real ? "https://openapi.koreainvestment.com:9443"
		                             : "https://openapivts.koreainvestment.com:29443");
	if (!s->account)
		s->account = strdup("50000000-01"); /* the embedded simulator's account */
	if (s->rate_per_sec == 0)
		s->rate_per_sec = s->real ? KIS_RATE_REAL_DEFAULT : KIS_RATE_VIRTUAL_DEFAULT;
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
	for (size_t i = 0; i < NSET; i++)
		if (table[i].def && set_value(s, &table[i], table[i].def, err, errlen))
			return -1;
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
		if (table[i].type != SET_INT)
			free(*str_at(s, &table[i]));
	for (int i = 0; i < AT_NSETTINGS; i++)
		free(s->autotrade_raw[i]);
	memset(s, 0, sizeof(*s));
}

void gw_settings_usage(void)
{
	printf("Settings (environment, or NAME=value lines in the --config file; secrets also "
	       "from NAME_FILE):\n");
	for (size_t i = 0; i < NSET; i++)
		printf("  %-30s %s%s%s%s\n", table[i].name, table[i].help,
		       table[i].def ? " [default " : "", table[i].def ? table[i].def : "",
		       table[i].def ? "]" : "");
	for (int i = 0; i < AT_NSETTINGS; i++)
		printf("  %-30s %s [default %s]\n", at_setting_defs[i].env, at_setting_defs[i].help,
		       at_setting_defs[i].def);
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

/* The README's configuration table, printed from the table above so the two
 * cannot drift apart (tests/docs checks the README's copy). */
void gw_settings_markdown(FILE *f)
{
	fputs("| setting | default | meaning |\n|---|---|---|\n", f);
	for (size_t i = 0; i < NSET; i++) {
		const setting *t = &table[i];
		fprintf(f, "| `%s`", t->name);
		if (t->type == SET_SECRET)
			fprintf(f, " or `%s_FILE`", t->name);
		fputs(" | ", f);
		if (t->def && *t->def)
			fprintf(f, "`%s`", t->def);
		else
			fputs("—", f);
		fputs(" | ", f);
		md_cell(f, t->help);
		if (t->type == SET_INT)
			fprintf(f, " (%lld to %lld)", (long long)t->min, (long long)t->max);
		else if (t->type == SET_CHOICE) {
			fputs(": `", f);
			for (const char *c = t->choices; *c; c++)
				if (*c == '|')
					fputs("`, `", f);
				else
					fputc(*c, f);
			fputc('`', f);
		}
		fputs(" |\n", f);
	}
}
