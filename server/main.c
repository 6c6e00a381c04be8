/* main.c — kisgw: load settings, open the database, create the KIS client,
 * start the HTTP daemon and the workers, wait for SIGTERM/SIGINT, then shut
 * down in reverse order (stop accepting, drain, join workers, close). */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif

#include "app.h"
#include "autotrade.h"
#include "cli.h"
#include "demo.h"
#include "log.h"
#include "quotes.h"
#include "server.h"
#include "simproc.h"
#include "store.h"
#include "trader.h"

/* Credentials the embedded simulator accepts (it takes any 36/180-char pair). */
#define SIM_APP_KEY     "PSkisgwEmbeddedSimulatorAppKey000000"
#define SIM_SECRET_CHAR 's'

static int64_t clock_now(void *ctx)
{
	return kclock_now_ms(ctx);
}

/* The KIS WebSocket to connect to: KIS_WS_URL; else the host of a plain
 * http:// upstream (kis-sim serves the WebSocket on its REST port); else the
 * environment's official host (KIS_API.md §1). */
static void realtime_url(const gw_settings *cfg, const char *rest_url, char *out, size_t cap)
{
	if (cfg->ws_url) {
		snprintf(out, cap, "%s", cfg->ws_url);
	} else if (rest_url && !strncmp(rest_url, "http://", 7)) {
		const char *host = rest_url + 7;
		size_t n = strcspn(host, "/");
		snprintf(out, cap, "ws://%.*s/tryitout", (int)n, host);
	} else {
		snprintf(out, cap, "ws://ops.koreainvestment.com:%s",
		         cfg->real ? "21000" : "31000");
	}
}

/* The job reads quotes through the gateway's cache, like GET /price. */
static int job_quote(void *ctx, const char *code, kis_quote *out, kis_error *err)
{
	gw_app *app = ctx;
	int64_t fetched;
	return quote_cache_get(app->quotes, app->kis, app->clock, code, 0, out, &fetched, err) == 0
	           ? KIS_OK
	           : (int)err->status;
}

extern char **environ;

/* An unknown KIS_* / KISGW_* environment variable: one warning line. */
static void warn_setting(void *ctx, const char *line)
{
	(void)ctx;
	gw_log(GW_LOG_WARN, line, NULL);
}

/* Two things glibc does by default made the heap grow under a steady mix of
 * reads and orders (bench/RESULTS.md, "Soak"):
 *   - its per-thread caches (tcache) keep freed chunks in each of the two
 *     dozen threads: the heap in use grew about 0.5 MB a minute with them and
 *     stayed flat without them, at the same throughput;
 *   - its sliding mmap threshold: once a large block (a reply of a thousand
 *     lots) is freed, blocks that size come from the arenas instead, and each
 *     arena keeps up to twice that free at its top. Fixed thresholds hand
 *     such blocks straight back: RSS after the first minute of a 10-minute
 *     soak stopped growing (1.8-2.4 MB before), at the same throughput.
 * glibc reads these from GLIBC_TUNABLES at program start only, so the daemon
 * executes itself once more with them set — unless the user set
 * GLIBC_TUNABLES, or under valgrind, whose allocator is its own and which
 * would not follow the exec. */
#define GW_MALLOC_TUNABLES                                                                         \
	"glibc.malloc.tcache_count=0:glibc.malloc.mmap_threshold=65536:"                           \
	"glibc.malloc.trim_threshold=131072"

static void malloc_tune(char **argv)
{
	if (getenv("GLIBC_TUNABLES"))
		return;
#if __has_include(<valgrind/valgrind.h>)
	if (RUNNING_ON_VALGRIND)
		return;
#endif
	if (setenv("GLIBC_TUNABLES", GW_MALLOC_TUNABLES, 0) == 0)
		execv("/proc/self/exe", argv); /* returns only on failure: run as is */
}

int main(int argc, char **argv)
{
	gw_cli cli;
	int done = gw_cli_parse(&cli, argc, argv);
	if (done >= 0)
		return done;
	malloc_tune(argv);

	/* Every client connection is a descriptor: take the hard limit, so a
	 * flood meets KISGW_HTTP_CONNECTIONS, not EMFILE on accept. */
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}

	/* A thread per connection would otherwise get a malloc arena each
	 * (64 MB reserved, pages touched); two per core keep lock waits rare. */
	if (!getenv("MALLOC_ARENA_MAX")) /* the usual glibc override wins */
		mallopt(M_ARENA_MAX, 4);

	gw_settings cfg;
	char err[512];
	if (gw_settings_load(&cfg, cli.config_file, err, sizeof(err))) {
		fprintf(stderr, "kisgw: %s\n", err);
		return 2;
	}
	if (cli.demo && gw_demo_apply(&cfg, real_ms(), err, sizeof(err))) {
		fprintf(stderr, "kisgw: %s\n", err);
		gw_settings_free(&cfg);
		return 2;
	}
	gw_log_set_level(cfg.log_level);
	gw_log_install();
	gw_settings_check_env(environ, warn_setting, NULL);
	kclock clock;
	if (kclock_init(&clock, cfg.clock, err, sizeof(err))) {
		fprintf(stderr, "kisgw: invalid KISGW_CLOCK: %s\n", err);
		kclock_destroy(&clock);
		gw_settings_free(&cfg);
		return 2;
	}
	if (cli.cmd != GW_CMD_SERVE) {
		int crc = gw_cli_run(&cli, &cfg);
		kclock_destroy(&clock);
		gw_settings_free(&cfg);
		return crc;
	}
	gw_demo_notice(&cfg, &clock, cli.demo);

	/* Signals are taken synchronously by this thread alone: block them
	 * before any other thread exists so every thread inherits the mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	gw_app app = {.cfg = &cfg, .clock = &clock, .started_ms = real_ms()};
	int rc = 1;
	gw_server *srv = NULL;
	char base_url[128], secret[181];
	const char *app_key = cfg.app_key, *app_secret = cfg.app_secret, *url = cfg.base_url;
	if (cfg.use_sim) {
		app.sim_pid = gw_sim_spawn(&cfg, base_url, sizeof(base_url), err, sizeof(err));
		if (app.sim_pid < 0) {
			fprintf(stderr, "kisgw: %s\n", err);
			app.sim_pid = 0;
			goto out;
		}
		memset(secret, SIM_SECRET_CHAR, 180);
		secret[180] = 0;
		app_key = SIM_APP_KEY;
		app_secret = secret;
		url = base_url;
	}

	app.db = store_open(cfg.db, err, sizeof(err));
	if (!app.db) {
		fprintf(stderr, "kisgw: cannot open the database %s: %s\n", cfg.db, err);
		goto out;
	}

	/* The settings table filled cfg.kis; what remains is who we talk to. */
	kis_config *kc = &cfg.kis;
	kc->base_url = url;
	kc->app_key = app_key;
	kc->app_secret = app_secret;
	kc->account = cfg.account;
	kc->now_ms = clock_now;
	kc->clock_ctx = &clock;
	kc->store =
	    (kis_token_store){.ctx = app.db, .load = store_token_load, .save = store_token_save};
	app.kis = kis_client_new(kc, err, sizeof(err));
	if (!app.kis) {
		fprintf(stderr, "kisgw: %s\n", err);
		goto out;
	}
	app.quotes = quote_cache_new(cfg.quote_cache_ms);

	/* The order ledger: journal, reconciler thread, local queries. */
	{
		app.trader = trader_new(&cfg.trader, app.kis, app.db, &clock, err, sizeof(err));
		if (app.trader)
			trader_set_quote_source(app.trader, gw_quote_source, &app);
		if (!app.trader || trader_start(app.trader)) {
			fprintf(stderr, "kisgw: cannot start the order ledger: %s\n",
			        app.trader ? "thread creation failed" : err);
			goto out;
		}
	}

	/* Real-time execution notices over the KIS WebSocket (needs the HTS
	 * ID); without them, or while they are down, the reconciler polls. */
	if (cfg.hts_id) {
		char ws_url[192];
		realtime_url(&cfg, url, ws_url, sizeof(ws_url));
		trader_realtime_config rtc = {
		    .ws_url = ws_url, .hts_id = cfg.hts_id, .real = cfg.real};
		char why[160];
		if (trader_realtime_start(app.trader, &rtc, why, sizeof(why))) {
			snprintf(app.realtime_off, sizeof(app.realtime_off),
			         "real-time notices could not start: %s", why);
			gw_log(GW_LOG_WARN, app.realtime_off, NULL);
		}
	}

	/* Notifications, then the auto-trade job (it queues messages). */
	{
		notify_config nc = {.discord_url = cfg.webhook_url,
		                    .telegram_token = cfg.telegram_token,
		                    .telegram_chat_id = cfg.telegram_chat_id,
		                    .telegram_api = cfg.telegram_api,
		                    .json_url = cfg.notify_json_url,
		                    .timeout_ms = (int)cfg.notify_timeout_ms,
		                    .retries =
		                        cfg.notify_retries > 0 ? (int)cfg.notify_retries : -1,
		                    .per_minute = (int)cfg.notify_per_minute};
		app.notify = notifier_new(&nc, &clock);
		if (!app.notify || notifier_start(app.notify)) {
			fprintf(stderr, "kisgw: cannot start the notification queue\n");
			goto out;
		}
		at_config ac = {.env = cfg.autotrade,
		                .quote = job_quote,
		                .quote_ctx = &app,
		                .notify = app.notify,
		                .fee_rate_ppm = cfg.trader.fee_rate_ppm,
		                .tax_rate_ppm = cfg.trader.tax_rate_ppm};
		memcpy(ac.env_src, cfg.autotrade_src, sizeof(ac.env_src));
		app.job = at_job_new(&ac, app.trader, app.kis, app.db, &clock, err, sizeof(err));
		if (!app.job || at_job_start(app.job)) {
			fprintf(stderr, "kisgw: cannot start the auto-trade job: %s\n",
			        app.job ? "thread creation failed" : err);
			goto out;
		}
	}

	srv = gw_server_start(&app, err, sizeof(err));
	if (!srv) {
		fprintf(stderr, "kisgw: %s\n", err);
		goto out;
	}
	printf("listening on %s%s%s:%d\n", strchr(cfg.listen_host, ':') ? "[" : "", cfg.listen_host,
	       strchr(cfg.listen_host, ':') ? "]" : "", gw_server_port(srv));
	fflush(stdout);
	gw_log(GW_LOG_INFO, "kisgw started",
	       json_pack("{s:s,s:i,s:s,s:s,s:s}", "version", KISGW_VERSION, "port",
	                 gw_server_port(srv), "env", cfg.real ? "real" : "virtual", "upstream",
	                 cfg.use_sim ? "kis-sim" : "kis", "account", cfg.account));

	/* Until SIGTERM or SIGINT: every 10 s glibc gives the kernel back the
	 * free pages inside its arenas, which a burst of large replies leaves
	 * behind (bench/RESULTS.md, "Soak"). */
	int sig;
	struct timespec housekeeping = {10, 0};
	while ((sig = sigtimedwait(&sigs, NULL, &housekeeping)) < 0)
		if (errno == EAGAIN)
			malloc_trim(0);
	gw_log(GW_LOG_INFO, "shutting down",
	       json_pack("{s:s}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
	gw_server_quiesce(srv);
	if (gw_server_drain(srv, (int)cfg.drain_s * 1000))
		gw_log(GW_LOG_WARN, "requests still running at the drain deadline", NULL);
	rc = 0;
out:
	gw_server_stop(srv);
	at_job_free(app.job);
	notifier_free(app.notify);
	trader_free(app.trader);
	quote_cache_free(app.quotes);
	kis_client_free(app.kis);
	store_close(app.db);
	gw_sim_stop(app.sim_pid);
	kclock_destroy(&clock);
	gw_settings_free(&cfg);
	return rc;
}
