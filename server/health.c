/* health.c — GET /healthz. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Everything /healthz reports, read first; the reply is a pure function of
 * it. Zeroed before filling, so equal inputs compare equal bytewise. */
typedef struct hz_in {
	int db_ok, sim_ok;
	int64_t until;
	kis_upstream up;
	size_t nm;
	trader_mismatch mm[TRADER_MISMATCH_MAX];
	kis_ws_state rt;
	char rt_why[256];
	trader_rt_stats rs;
	trader_halt_state halt;
	int limit, current;
} hz_in;

static void hz_read(gw_app *app, hz_in *h)
{
	memset(h, 0, sizeof(*h));
	h->db_ok = db_healthy(app);
	h->until = kis_token_valid_until(app->kis);
	h->sim_ok = app->sim_pid <= 0 || gw_sim_alive(app->sim_pid);
	kis_upstream_get(app->kis, &h->up);
	h->nm = app->trader ? trader_mismatches_get(app->trader, h->mm, TRADER_MISMATCH_MAX) : 0;
	if (app->cfg->hts_id) {
		h->rt = trader_realtime_state(app->trader, h->rt_why, sizeof(h->rt_why));
		trader_rt_stats_get(app->trader, &h->rs);
	}
	trader_halt_get(app->trader, &h->halt);
	kis_rate_get(app->kis, &h->limit, &h->current);
}

/* "realtime": the WebSocket execution notices — off (and why), connecting,
 * connected, or polling (and why: the reconciler carries the ledger). */
static json_t *realtime_json(gw_app *app, const hz_in *h)
{
	if (!app->cfg->hts_id)
		return json_pack("{s:s,s:s}", "state", "off", "reason",
		                 "KIS_HTS_ID is not set: no real-time execution notices; fills "
		                 "come from polling");
	char why[256];
	snprintf(why, sizeof(why), "%s", h->rt_why);
	if (h->rt == KIS_WS_OFF && app->realtime_off[0])
		snprintf(why, sizeof(why), "%s", app->realtime_off);
	json_t *rt = json_pack("{s:s,s:I,s:I}", "state", kis_ws_state_name(h->rt), "notices",
	                       (json_int_t)h->rs.notices, "fills", (json_int_t)h->rs.fills);
	if (why[0])
		json_object_set_new(rt, "reason", json_string(why));
	return rt;
}

/* The reply body for h (JSON and a newline, malloc'd) and its status. */
static char *hz_render(gw_app *app, const hz_in *h, int *status, size_t *len)
{
	json_t *kis = json_pack("{s:s}", "env", app->cfg->real ? "real" : "virtual");
	if (h->until > 0) {
		char ts[40];
		kst_iso8601(h->until, ts, sizeof(ts));
		json_object_set_new(kis, "token_valid_until", json_string(ts));
	} else {
		json_object_set_new(kis, "token_valid_until", json_null());
	}
	json_object_set_new(kis, "upstream", json_string(app->cfg->use_sim ? "kis-sim" : "kis"));
	if (app->cfg->use_sim)
		json_object_set_new(kis, "sim_running", json_boolean(h->sim_ok));
	/* The last upstream call failed: KIS (or the way to it) is down. Still
	 * 200: an orchestrator must not restart kisgw for KIS's outage. */
	char reason_up[sizeof(h->up.reason)]; /* KIS's msg1 may be cut inside a character */
	gw_text_clean(h->up.reason, strnlen(h->up.reason, sizeof(h->up.reason)), reason_up,
	              sizeof(reason_up));
	char ts[40];
	if (h->up.last_ok_ms) {
		kst_iso8601(h->up.last_ok_ms, ts, sizeof(ts));
		json_object_set_new(kis, "last_ok", json_string(ts));
	}
	if (h->up.last_fail_ms) {
		kst_iso8601(h->up.last_fail_ms, ts, sizeof(ts));
		json_object_set_new(kis, "last_failure", json_string(ts));
		json_object_set_new(kis, "last_error", json_string(reason_up));
	}
	json_object_set_new(kis, "failures_in_a_row", json_integer(h->up.fail_streak));
	/* KIS order numbers two orders claim: a person must look. */
	json_t *mis = json_array();
	for (size_t i = 0; i < h->nm; i++) {
		const trader_mismatch *m = &h->mm[i];
		char d[16];
		ymd_format(m->ord_date, d, sizeof(d));
		json_t *x =
		    json_pack("{s:s,s:s,s:I,s:{s:s,s:s,s:I},s:{s:s,s:s,s:I}}", "date", d,
		              "order_no", m->odno, "order_id", (json_int_t)m->order_id, "kis",
		              "code", m->kis_code, "side", store_side_name(m->kis_side), "qty",
		              (json_int_t)m->kis_qty, "ledger", "code", m->led_code, "side",
		              store_side_name(m->led_side), "qty", (json_int_t)m->led_qty);
		if (m->other_id)
			json_object_set_new(x, "other_order_id", json_integer(m->other_id));
		json_array_append_new(mis, x);
	}
	const char *reason = NULL;
	char why[200];
	if (!h->db_ok)
		reason = "the database is unavailable";
	else if (!h->sim_ok)
		reason = "the embedded kis-sim is not running";
	else if (h->nm) {
		snprintf(why, sizeof(why),
		         "%zu KIS order number%s claimed by two orders; see ledger.mismatches",
		         h->nm, h->nm > 1 ? "s are" : " is");
		reason = why;
	} else if (h->up.fail_streak > 0) {
		snprintf(why, sizeof(why), "the last %d KIS call%s failed: %s", h->up.fail_streak,
		         h->up.fail_streak > 1 ? "s" : "", reason_up);
		reason = why;
	}
	json_t *body =
	    json_pack("{s:s,s:s,s:o,s:s}", "status", reason ? "degraded" : "ok", "version",
	              KISGW_VERSION, "kis", kis, "db", h->db_ok ? "ok" : "unavailable");
	json_object_set_new(body, "realtime", realtime_json(app, h));
	json_object_set_new(body, "trading", gw_trading_json_of(&h->halt));
	json_object_set_new(body, "rate",
	                    json_pack("{s:i,s:i}", "limit", h->limit, "current", h->current));
	json_object_set_new(body, "ledger", json_pack("{s:o}", "mismatches", mis));
	if (reason)
		json_object_set_new(body, "reason", json_string(reason));
	*status = h->db_ok ? 200 : 503;
	char *buf = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(body);
	if (buf) {
		*len = strlen(buf);
		buf[(*len)++] = '\n'; /* replaces the NUL, as http.c does */
	}
	return buf;
}

/* Monitors poll /healthz hard and its inputs rarely change: the last reply
 * is kept with the inputs it was made from and copied while they are the
 * same (bytewise; a spurious difference only costs a render). */
static pthread_mutex_t hz_mu = PTHREAD_MUTEX_INITIALIZER;
static hz_in hz_last;
static char *hz_body;
static size_t hz_len;
static int hz_status;

GW_ENDPOINT(healthz_get, gw_no_input, .run_inline = 1)
{
	hz_in h;
	hz_read(req->app, &h);
	pthread_mutex_lock(&hz_mu);
	if (!hz_body || memcmp(&h, &hz_last, sizeof(h))) {
		size_t len = 0;
		int status = 0;
		char *body = hz_render(req->app, &h, &status, &len);
		if (body) {
			free(hz_body);
			hz_body = body;
			hz_len = len;
			hz_status = status;
			hz_last = h;
		}
	}
	char *copy = hz_body ? malloc(hz_len) : NULL;
	if (copy)
		memcpy(copy, hz_body, hz_len);
	size_t len = hz_len;
	int status = hz_status;
	pthread_mutex_unlock(&hz_mu);
	if (!copy) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "out of memory");
		return;
	}
	gw_reply_raw(resp, status, "application/json; charset=utf-8", copy, len, 1);
}
