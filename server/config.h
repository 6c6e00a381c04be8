/* config.h — the one typed table of settings.
 *
 * Loaded once at start-up from an optional config file (NAME=value lines)
 * and the environment (which wins). Secrets also come from NAME_FILE. A bad
 * value stops start-up with "invalid NAME: why"; so does an unknown name in
 * the file (with its line). Library settings land in the libraries' own
 * config structs, with the defaults the libraries name. */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "autotrade.h"
#include "kis.h"
#include "notify.h"
#include "trader.h"

typedef struct gw_settings {
	/* Written straight into the libraries' own configurations; their
	 * strings and callbacks (credentials, URL, clock, token store) are set
	 * by main, which knows whether the embedded simulator is used. */
	kis_config kis;
	trader_config trader;
	/* KIS account */
	char *app_key, *app_secret, *account, *env, *allow_real, *base_url, *hts_id, *ws_url;
	/* local API */
	char *listen, *db, *api_token, *clock, *allowed_hosts, *cors_origin, *log_level;
	int64_t quote_cache_ms, max_body, max_url, http_connections, drain_s;
	int64_t http_threads, http_workers;
	int64_t http_per_ip, http_idle_timeout_s;
	/* embedded simulator */
	char *sim_path, *sim_args;
	int64_t sim_seed;
	/* notifications */
	char *webhook_url, *telegram_token, *telegram_chat_id, *telegram_api, *notify_json_url;
	int64_t notify_timeout_ms, notify_per_minute, notify_retries;
	/* the KIS-compatible passthrough (server/passthrough.c) */
	char *passthrough, *pt_app_key, *pt_app_secret;
	/* auto-trade: its own table (trader/autotrade_settings.c) fills these */
	at_settings autotrade;
	at_src autotrade_src[AT_NSETTINGS];
	char *autotrade_raw[AT_NSETTINGS]; /* as given (file or environment) */

	/* derived by gw_settings_load */
	int real;           /* KIS_ENV=real */
	int use_sim;        /* no credentials: run against the embedded kis-sim */
	int passthrough_on; /* KISGW_PASSTHROUGH=on */
	char listen_host[64];
	int listen_port;
	int listen_loopback;
} gw_settings;

/* Load from file (may be NULL) and environment. 0, or -1 with the
 * "invalid NAME: why" sentence in err. */
int gw_settings_load(gw_settings *s, const char *file, char *err, size_t errlen);
void gw_settings_free(gw_settings *s);
/* Print every setting with its default and help (for --help). */
void gw_settings_usage(void);
/* The settings as a Markdown table (the README's configuration section). */
void gw_settings_markdown(FILE *f);

/* Environment variables named KIS_* or KISGW_* that are no setting (a typo,
 * or a setting of another version): warn(ctx, line) once for each, naming
 * the closest known setting. envp: NULL-terminated "NAME=value" strings.
 * Returns how many were found. Never fails: environments carry other
 * programs' variables. */
int gw_settings_check_env(char *const *envp, void (*warn)(void *ctx, const char *line), void *ctx);

#endif
