/* health.c — GET /healthz. */
#include "app.h"
#include "http.h"
#include "input.h"
#include "simproc.h"
#include "store.h"
#include "trader.h"

/* Monitors poll /healthz hard; the database is asked at most every
 * PING_EVERY_MS, and every failure is re-checked at once. */
#define PING_EVERY_MS 1000
static _Atomic int64_t last_ok_ms;

static int db_healthy(gw_app *app)
{
	int64_t now = mono_ms();
	if (now - last_ok_ms < PING_EVERY_MS)
		return 1;
	if (store_ping(app->db) != 0)
		return 0;
	last_ok_ms = now;
	return 1;
}

/* "realtime": the WebSocket execution notices — off (and why), connecting,
 * connected, or polling (and why: the reconciler carries the ledger). */
static json_t *realtime_json(gw_app *app)
{
	if (!app->cfg->hts_id)
		return json_pack("{s:s,s:s}", "state", "off", "reason",
		                 "KIS_HTS_ID is not set: no real-time execution notices; fills "
		                 "come from polling");
	char why[256];
	kis_ws_state st = trader_realtime_state(app->trader, why, sizeof(why));
	if (st == KIS_WS_OFF && app->realtime_off[0])
		snprintf(why, sizeof(why), "%s", app->realtime_off);
	trader_rt_stats rs;
	trader_rt_stats_get(app->trader, &rs);
	json_t *rt = json_pack("{s:s,s:I,s:I}", "state", kis_ws_state_name(st), "notices",
	                       (json_int_t)rs.notices, "fills", (json_int_t)rs.fills);
	if (why[0])
		json_object_set_new(rt, "reason", json_string(why));
	return rt;
}

GW_ENDPOINT(healthz_get, gw_no_input)
{
	gw_app *app = req->app;
	int db_ok = db_healthy(app);
	int64_t until = kis_token_valid_until(app->kis);
	int sim_ok = app->sim_pid <= 0 || gw_sim_alive(app->sim_pid);
	json_t *kis = json_pack("{s:s}", "env", app->cfg->real ? "real" : "virtual");
	if (until > 0) {
		char ts[40];
		kst_iso8601(until, ts, sizeof(ts));
		json_object_set_new(kis, "token_valid_until", json_string(ts));
	} else {
		json_object_set_new(kis, "token_valid_until", json_null());
	}
	json_object_set_new(kis, "upstream", json_string(app->cfg->use_sim ? "kis-sim" : "kis"));
	if (app->cfg->use_sim)
		json_object_set_new(kis, "sim_running", json_boolean(sim_ok));
	const char *status = db_ok && sim_ok ? "ok" : "degraded";
	int limit = 0, current = 0;
	kis_rate_get(app->kis, &limit, &current);
	gw_reply(resp, db_ok ? 200 : 503,
	         json_pack("{s:s,s:s,s:o,s:s,s:o,s:o,s:{s:i,s:i}}", "status", status, "version",
	                   KISGW_VERSION, "kis", kis, "db", db_ok ? "ok" : "unavailable",
	                   "realtime", realtime_json(app), "trading", gw_trading_json(app->trader),
	                   "rate", "limit", limit, "current", current));
}
