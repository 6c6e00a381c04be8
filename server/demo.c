/* demo.c — a session clock for the embedded simulator (see demo.h). */
#include "demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krx.h"
#include "log.h"

static int in_session(int64_t now_ms)
{
	int ymd = kst_date(now_ms), hms = kst_hhmmss(now_ms);
	return krx_is_trading_day(ymd) && hms >= krx_open_hhmmss(ymd) && hms < KRX_CLOSE_HHMMSS;
}

/* The next session's opening at or after now: today's when before the
 * open of a trading day, else the next trading day's. */
static int64_t next_open_ms(int64_t now_ms)
{
	int ymd = kst_date(now_ms), hms = kst_hhmmss(now_ms);
	if (!(krx_is_trading_day(ymd) && hms < krx_open_hhmmss(ymd)))
		ymd = krx_next_trading_day(ymd);
	return kst_epoch_ms(ymd, krx_open_hhmmss(ymd));
}

int gw_demo_clock(int64_t now_ms, char *spec, size_t len)
{
	if (in_session(now_ms))
		return 0;
	char iso[40];
	kst_iso8601(next_open_ms(now_ms), iso, sizeof(iso));
	snprintf(spec, len, "%s@1", iso);
	return 1;
}

int gw_demo_apply(gw_settings *cfg, int64_t now_ms, char *err, size_t errlen)
{
	if (!cfg->use_sim) {
		snprintf(err, errlen,
		         "invalid --demo: it runs the embedded simulator, and KIS credentials are "
		         "set (unset KIS_APP_KEY and KIS_APP_SECRET for the demo)");
		return -1;
	}
	char spec[64];
	if (cfg->clock || !gw_demo_clock(now_ms, spec, sizeof(spec)))
		return 0; /* an explicit KISGW_CLOCK wins; in session already */
	char *dup = strdup(spec);
	if (!dup) {
		snprintf(err, errlen, "invalid --demo: out of memory");
		return -1;
	}
	free(cfg->clock);
	cfg->clock = dup;
	return 0;
}

void gw_demo_notice(const gw_settings *cfg, kclock *clock, int demo)
{
	if (!cfg->use_sim)
		return;
	int64_t now = kclock_now_ms(clock);
	char iso[40], open[40];
	kst_iso8601(now, iso, sizeof(iso));
	if (in_session(now)) {
		gw_log(GW_LOG_INFO,
		       demo ? "demo: the simulated KRX market is in session; orders fill"
		            : "the simulated KRX market is in session; orders fill",
		       json_pack("{s:s,s:s}", "market_time", iso, "clock",
		                 cfg->clock ? cfg->clock : "real"));
		return;
	}
	kst_iso8601(next_open_ms(now), open, sizeof(open));
	gw_log(GW_LOG_WARN,
	       "the KRX market is closed at this time, and the embedded simulator follows KRX "
	       "hours: KIS refuses orders until the next session. For a market in session "
	       "now, start with --demo (./scripts/run.sh --demo)",
	       json_pack("{s:s,s:s}", "market_time", iso, "next_open", open));
}
