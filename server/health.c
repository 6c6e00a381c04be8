/* health.c — GET /healthz. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "http.h"
#include "input.h"
#include "simproc.h"
#include "store.h"
#include "trader.h"
#include "text.h"

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

GW_ENDPOINT(healthz_get, gw_no_input, .run_inline = 1)
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
	/* The last upstream call failed: KIS (or the way to it) is down. Still
	 * 200: an orchestrator must not restart kisgw for KIS's outage. */
	kis_upstream up;
	kis_upstream_get(app->kis, &up);
	char clean[sizeof(up.reason)]; /* KIS's msg1 may be cut inside a character */
	snprintf(up.reason, sizeof(up.reason), "%s",
	         gw_text_clean(up.reason, strlen(up.reason), clean, sizeof(clean)));
	char ts[40];
	if (up.last_ok_ms) {
		kst_iso8601(up.last_ok_ms, ts, sizeof(ts));
		json_object_set_new(kis, "last_ok", json_string(ts));
	}
	if (up.last_fail_ms) {
		kst_iso8601(up.last_fail_ms, ts, sizeof(ts));
		json_object_set_new(kis, "last_failure", json_string(ts));
		json_object_set_new(kis, "last_error", json_string(up.reason));
	}
	json_object_set_new(kis, "failures_in_a_row", json_integer(up.fail_streak));
	/* KIS order numbers two orders claim: a person must look. */
	trader_mismatch mm[TRADER_MISMATCH_MAX];
	size_t nm = app->trader ? trader_mismatches_get(app->trader, mm, TRADER_MISMATCH_MAX) : 0;
	json_t *mis = json_array();
	for (size_t i = 0; i < nm; i++) {
		char d[16];
		ymd_format(mm[i].ord_date, d, sizeof(d));
		json_t *x = json_pack(
		    "{s:s,s:s,s:I,s:{s:s,s:s,s:I},s:{s:s,s:s,s:I}}", "date", d, "order_no",
		    mm[i].odno, "order_id", (json_int_t)mm[i].order_id, "kis", "code",
		    mm[i].kis_code, "side", store_side_name(mm[i].kis_side), "qty",
		    (json_int_t)mm[i].kis_qty, "ledger", "code", mm[i].led_code, "side",
		    store_side_name(mm[i].led_side), "qty", (json_int_t)mm[i].led_qty);
		if (mm[i].other_id)
			json_object_set_new(x, "other_order_id", json_integer(mm[i].other_id));
		json_array_append_new(mis, x);
	}
	const char *reason = NULL;
	char why[200];
	if (!db_ok)
		reason = "the database is unavailable";
	else if (!sim_ok)
		reason = "the embedded kis-sim is not running";
	else if (nm) {
		snprintf(why, sizeof(why),
		         "%zu KIS order number%s claimed by two orders; see ledger.mismatches", nm,
		         nm > 1 ? "s are" : " is");
		reason = why;
	} else if (up.fail_streak > 0) {
		snprintf(why, sizeof(why), "the last %d KIS call%s failed: %s", up.fail_streak,
		         up.fail_streak > 1 ? "s" : "", up.reason);
		reason = why;
	}
	json_t *body =
	    json_pack("{s:s,s:s,s:o,s:s}", "status", reason ? "degraded" : "ok", "version",
	              KISGW_VERSION, "kis", kis, "db", db_ok ? "ok" : "unavailable");
	json_object_set_new(body, "realtime", realtime_json(app));
	json_object_set_new(body, "trading", gw_trading_json(app->trader));
	int limit = 0, current = 0;
	kis_rate_get(app->kis, &limit, &current);
	json_object_set_new(body, "rate",
	                    json_pack("{s:i,s:i}", "limit", limit, "current", current));
	json_object_set_new(body, "ledger", json_pack("{s:o}", "mismatches", mis));
	if (reason)
		json_object_set_new(body, "reason", json_string(reason));
	gw_reply(resp, db_ok ? 200 : 503, body);
}
