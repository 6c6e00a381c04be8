/* autotrade.c — the auto-trade job's endpoints: GET /autotrade, the targets,
 * the settings changed at run time, pause / resume / run, the decisions,
 * and POST /notifications/test. The job (trader/autotrade.h) returns
 * structs and outcomes; the JSON shapes and statuses are made here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "autotrade.h"
#include "http.h"
#include "input.h"
#include "krx.h"
#include "notify.h"
#include "params.h"
#include "views.h"

static json_t *iso_or_null(int64_t ms)
{
	return ms > 0 ? gw_json_time(ms) : json_null();
}

static json_t *setting_value(const at_settings *s, const at_setting_def *d)
{
	if (d->type == AT_T_INT)
		return json_integer((json_int_t)at_settings_number(s, d));
	if (d->type == AT_T_REAL)
		return json_real(at_settings_number(s, d));
	char buf[64];
	at_settings_format(s, d, buf, sizeof(buf));
	return json_string(buf);
}

/* {"take_profit_pct":{"value":5,"source":"default","env":"KISGW_..."}, ...} */
static json_t *settings_json(gw_app *app)
{
	at_settings s;
	at_src src[AT_NSETTINGS];
	at_job_settings(app->job, &s, src);
	json_t *o = json_object();
	for (int i = 0; i < AT_NSETTINGS; i++) {
		const at_setting_def *d = &at_setting_defs[i];
		json_object_set_new(o, d->key,
		                    json_pack("{s:o,s:s,s:s}", "value", setting_value(&s, d),
		                              "source", at_src_name(src[i]), "env", d->env));
	}
	return o;
}

static json_t *decision_json(const store_at_decision *d)
{
	json_t *o = json_pack("{s:I,s:o,s:o,s:s,s:s,s:s,s:I,s:I,s:I,s:b}", "id", (json_int_t)d->id,
	                      "at", iso_or_null(d->at_ms), "date", gw_json_date(d->ymd), "code",
	                      d->code, "action", d->action, "reason", d->reason, "price",
	                      (json_int_t)d->price, "qty", (json_int_t)d->qty, "ref_price",
	                      (json_int_t)d->ref_price, "dry_run", d->dry_run);
	json_object_set_new(o, "order_id",
	                    d->order_id > 0 ? json_integer((json_int_t)d->order_id) : json_null());
	json_object_set_new(o, "client_order_id",
	                    d->client_order_id[0] ? json_string(d->client_order_id) : json_null());
	if (d->detail[0])
		json_object_set_new(o, "detail", json_string(d->detail));
	return o;
}

static json_t *target_json(const store_at_target *t)
{
	json_t *o = json_pack("{s:s}", "code", t->code);
	json_object_set_new(o, "name", t->name[0] ? json_string(t->name) : json_null());
	json_object_set_new(o, "ref_price",
	                    t->ref_price > 0 ? json_integer((json_int_t)t->ref_price)
	                                     : json_null());
	json_object_set_new(o, "ref_source",
	                    json_string(t->ref_price > 0 ? "given" : "previous_close"));
	return o;
}

static void reply_outcome(gw_resp *resp, const at_outcome *out)
{
	const char *field = out->field[0] ? out->field : NULL;
	switch (out->result) {
	case AT_INVALID:
		gw_reply_error(resp, GW_E_INVALID_FIELD, field, "%s", out->message);
		break;
	case AT_CONFLICT:
		gw_reply_error(resp, GW_E_CONFLICT, field, "%s", out->message);
		break;
	case AT_NOT_FOUND:
		gw_reply_error(resp, GW_E_NOT_FOUND, field, "%s", out->message);
		break;
	default:
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "%s", out->message);
	}
}

static json_t *notify_json(gw_app *app)
{
	notify_stats st;
	notifier_stats_get(app->notify, &st);
	return json_pack("{s:i,s:I,s:I,s:I,s:I,s:i}", "channels", notifier_channels(app->notify),
	                 "sent", (json_int_t)st.sent, "failed", (json_int_t)st.failed, "retried",
	                 (json_int_t)st.retried, "dropped", (json_int_t)st.dropped, "waiting",
	                 st.waiting);
}

GW_ENDPOINT(autotrade_get, gw_no_input)
{
	gw_app *app = req->app;
	at_status st;
	if (at_job_status(app->job, &st)) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "cannot read the job's state");
		return;
	}
	json_t *targets = json_array(), *actions = json_array();
	for (size_t i = 0; i < st.ntargets; i++) {
		const at_target_status *t = &st.targets[i];
		json_t *o = target_json(&t->target);
		json_object_set_new(o, "status", json_string(t->status));
		if (t->planned) {
			json_object_set_new(o, "ref_price_today",
			                    t->day.ref_price > 0 ? json_integer(t->day.ref_price)
			                                         : json_null());
			json_object_set_new(o, "budget", json_integer(t->day.budget));
			json_object_set_new(o, "held", json_boolean(t->day.held));
		}
		json_object_set_new(o, "order_id",
		                    t->order_id ? json_integer(t->order_id) : json_null());
		json_array_append_new(targets, o);
	}
	for (size_t i = 0; i < st.nactions; i++)
		json_array_append_new(actions, decision_json(&st.actions[i]));
	json_t *last =
	    json_pack("{s:o,s:b,s:I}", "at", iso_or_null(st.last_pass_ms), "ok", st.last_pass_ok,
	              "duration_ms", (json_int_t)st.last_pass_duration_ms);
	json_object_set_new(last, "error",
	                    st.last_error[0] ? json_string(st.last_error) : json_null());
	json_t *j =
	    json_pack("{s:s,s:s,s:b,s:o,s:b,s:o,s:o,s:I,s:I,s:I,s:o,s:o,s:o,s:o}", "mode",
	              at_mode_name(st.mode), "state", st.state, "paused", st.paused, "date",
	              gw_json_date(st.ymd), "trading_day", st.trading_day, "next_pass_at",
	              iso_or_null(st.next_pass_ms), "last_pass", last, "passes",
	              (json_int_t)st.passes, "failed_passes", (json_int_t)st.failed_passes,
	              "late_passes", (json_int_t)st.late_passes, "settings", settings_json(app),
	              "targets", targets, "actions", actions, "notifications", notify_json(app));
	at_status_free(&st);
	gw_reply(resp, 200, j);
}

GW_ENDPOINT(autotrade_targets_get, gw_no_input)
{
	store_at_target *t;
	size_t n;
	if (store_at_targets_get(req->app->db, &t, &n)) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "cannot read the targets");
		return;
	}
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, target_json(&t[i]));
	free(t);
	gw_reply(resp, 200, json_pack("{s:o}", "targets", a));
}

/* The most targets one list may hold (a pass reads a quote for each). */
#define AT_MAX_TARGETS 200

/* The body is a list, checked here entry by entry (declared fields describe
 * one flat object); every 400 names the entry: targets[i].code. */
GW_ENDPOINT(autotrade_targets_put, gw_no_input)
{
	const json_t *b = req->body;
	const json_t *list = json_is_object(b) ? json_object_get(b, "targets") : NULL;
	if (!json_is_object(b) || json_object_size(b) != 1 || !json_is_array(list)) {
		gw_reply_error(
		    resp, list ? GW_E_UNKNOWN_FIELD : GW_E_MISSING_FIELD, "targets",
		    "the body must be {\"targets\":[{\"code\",\"ref_price\"?,\"name\"?}]}");
		return;
	}
	size_t n = json_array_size(list);
	if (n > AT_MAX_TARGETS) {
		gw_reply_error(resp, GW_E_INVALID_FIELD, "targets", "at most %d targets",
		               AT_MAX_TARGETS);
		return;
	}
	store_at_target *t = calloc(n ? n : 1, sizeof(*t));
	if (!t) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "out of memory");
		return;
	}
	char field[48];
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(list, i), *v;
		const char *k;
		if (!json_is_object(e)) {
			snprintf(field, sizeof(field), "targets[%zu]", i);
			gw_reply_error(resp, GW_E_INVALID_FIELD, field,
			               "targets[%zu] must be an object", i);
			free(t);
			return;
		}
		json_object_foreach((json_t *)e, k, v)
		{
			if (strcmp(k, "code") && strcmp(k, "ref_price") && strcmp(k, "name")) {
				snprintf(field, sizeof(field), "targets[%zu].%.20s", i, k);
				gw_reply_error(resp, GW_E_UNKNOWN_FIELD, field,
				               "targets[%zu]: unknown field '%.20s'", i, k);
				free(t);
				return;
			}
		}
		const json_t *code = json_object_get(e, "code"),
		             *ref = json_object_get(e, "ref_price");
		const json_t *name = json_object_get(e, "name");
		if (!json_is_string(code) || strlen(json_string_value(code)) >= sizeof(t[i].code)) {
			snprintf(field, sizeof(field), "targets[%zu].code", i);
			gw_reply_error(resp, code ? GW_E_INVALID_FIELD : GW_E_MISSING_FIELD, field,
			               "targets[%zu]: 'code' must be a stock code", i);
			free(t);
			return;
		}
		snprintf(t[i].code, sizeof(t[i].code), "%s", json_string_value(code));
		if (ref && !json_is_null(ref)) {
			if (!json_is_integer(ref) || json_integer_value(ref) <= 0) {
				snprintf(field, sizeof(field), "targets[%zu].ref_price", i);
				gw_reply_error(
				    resp, GW_E_INVALID_FIELD, field,
				    "targets[%zu]: 'ref_price' must be a positive integer (KRW)",
				    i);
				free(t);
				return;
			}
			t[i].ref_price = json_integer_value(ref);
		}
		if (name && !json_is_null(name)) {
			if (!json_is_string(name) ||
			    strlen(json_string_value(name)) >= sizeof(t[i].name)) {
				snprintf(field, sizeof(field), "targets[%zu].name", i);
				gw_reply_error(
				    resp, GW_E_INVALID_FIELD, field,
				    "targets[%zu]: 'name' must be a string under 128 bytes", i);
				free(t);
				return;
			}
			snprintf(t[i].name, sizeof(t[i].name), "%s", json_string_value(name));
		}
	}
	at_outcome out;
	if (at_job_targets_put(req->app->job, t, n, &out) != AT_OK) {
		free(t);
		reply_outcome(resp, &out);
		return;
	}
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, target_json(&t[i]));
	free(t);
	gw_reply(resp, 200, json_pack("{s:o}", "targets", a));
}

GW_ENDPOINT(autotrade_targets_delete, gw_no_input)
{
	at_outcome out;
	if (at_job_targets_delete(req->app->job, NULL, &out) != AT_OK) {
		reply_outcome(resp, &out);
		return;
	}
	gw_reply(resp, 200, json_pack("{s:[]}", "targets"));
}

GW_ENDPOINT(autotrade_target_delete, gw_no_input)
{
	const char *code = req->args[0];
	if (!krx_code_valid(code)) {
		gw_reply_error(resp, GW_E_INVALID_PARAM, "code", "not a stock code");
		return;
	}
	at_outcome out;
	if (at_job_targets_delete(req->app->job, code, &out) != AT_OK) {
		reply_outcome(resp, &out);
		return;
	}
	gw_reply(resp, 200, json_pack("{s:s}", "deleted", code));
}

/* PATCH /autotrade/settings {"take_profit_pct":4.5,"mode":"dry-run","x":null}:
 * null puts a setting back to the environment's value. All or nothing. The
 * names, types and bounds are the job's own settings table (one source of
 * truth, trader/autotrade_settings.c), so the body is checked against it
 * here rather than declared a second time. */
GW_ENDPOINT(autotrade_settings_patch, gw_no_input)
{
	const json_t *b = req->body;
	if (!json_is_object(b) || json_object_size(b) == 0 || json_object_size(b) > AT_NSETTINGS) {
		gw_reply_error(
		    resp, GW_E_BAD_REQUEST, NULL,
		    "the body must be an object of settings, e.g. {\"take_profit_pct\":4}");
		return;
	}
	const char *keys[AT_NSETTINGS], *vals[AT_NSETTINGS];
	char bufs[AT_NSETTINGS][64];
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)b, k, v)
	{
		const at_setting_def *d = at_setting_find(k);
		if (!d || strcmp(d->key, k)) {
			gw_reply_error(resp, GW_E_UNKNOWN_FIELD, k, "unknown setting '%.64s'", k);
			return;
		}
		keys[n] = d->key;
		if (json_is_null(v))
			vals[n] = NULL;
		else if (json_is_string(v) && (d->type == AT_T_CHOICE || d->type == AT_T_TIME))
			vals[n] = json_string_value(v);
		else if (json_is_number(v) && (d->type == AT_T_INT || d->type == AT_T_REAL)) {
			snprintf(bufs[n], sizeof(bufs[n]), "%.17g", json_number_value(v));
			vals[n] = bufs[n];
		} else {
			gw_reply_error(resp, GW_E_INVALID_FIELD, k, "'%s' must be a %s", k,
			               d->type == AT_T_CHOICE ? "string"
			               : d->type == AT_T_TIME ? "\"HH:MM\""
			                                      : "number");
			return;
		}
		n++;
	}
	at_outcome out;
	if (at_job_settings_set(req->app->job, keys, vals, n, &out) != AT_OK) {
		reply_outcome(resp, &out);
		return;
	}
	gw_reply(resp, 200, json_pack("{s:o}", "settings", settings_json(req->app)));
}

GW_ENDPOINT(autotrade_settings_delete, gw_no_input)
{
	at_outcome out;
	if (at_job_settings_reset(req->app->job, &out) != AT_OK) {
		reply_outcome(resp, &out);
		return;
	}
	gw_reply(resp, 200, json_pack("{s:o}", "settings", settings_json(req->app)));
}

static void pause_reply(gw_req *req, gw_resp *resp, int paused)
{
	at_outcome out;
	if (at_job_pause(req->app->job, paused, &out) != AT_OK) {
		reply_outcome(resp, &out);
		return;
	}
	at_status st;
	if (at_job_status(req->app->job, &st)) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "cannot read the job's state");
		return;
	}
	json_t *j = json_pack("{s:s,s:s,s:b}", "mode", at_mode_name(st.mode), "state", st.state,
	                      "paused", st.paused);
	at_status_free(&st);
	gw_reply(resp, 200, j);
}

GW_ENDPOINT(autotrade_pause, gw_no_input)
{
	pause_reply(req, resp, 1);
}

GW_ENDPOINT(autotrade_resume, gw_no_input)
{
	pause_reply(req, resp, 0);
}

GW_ENDPOINT(autotrade_run, gw_no_input)
{
	at_pass_report rep;
	at_outcome out;
	if (at_job_run(req->app->job, &rep, &out) != AT_OK) {
		reply_outcome(resp, &out);
		return;
	}
	json_t *j =
	    json_pack("{s:o,s:s,s:b,s:i,s:i,s:I,s:i}", "date", gw_json_date(rep.ymd), "phase",
	              rep.phase, "ok", rep.ok, "decisions", rep.decisions, "orders", rep.orders,
	              "duration_ms", (json_int_t)rep.duration_ms, "kis_calls", (int)rep.kis_calls);
	json_object_set_new(j, "error", rep.error[0] ? json_string(rep.error) : json_null());
	gw_reply(resp, 200, j);
}

typedef struct decisions_in {
	int date;
	const char *code;
	int action; /* -1: any */
	int64_t limit;
	const char *cursor;
} decisions_in;

static const char *const decision_actions[] = {"buy", "sell", "skip", NULL};

GW_ENDPOINT(autotrade_decisions, decisions_in,
            .query = GW_FIELDS(GW_DATE(decisions_in, date, .doc_default = "any day"),
                               GW_CODE(decisions_in, code),
                               GW_ENUM(decisions_in, action, .choices = decision_actions),
                               GW_INT(decisions_in, limit, .min = 1, .max = 1000, .def = 100),
                               GW_STRING(decisions_in, cursor, .pattern = "^[1-9][0-9]{0,17}$",
                                         .hint = "the next_cursor of the previous page",
                                         .example = "42")))
{
	int ymd = in->date;
	const char *code = in->code;
	const char *action = in->action >= 0 ? decision_actions[in->action] : NULL;
	int64_t limit = in->limit, before = in->cursor ? strtoll(in->cursor, NULL, 10) : 0;
	store_at_decision_filter f = {
	    .ymd = ymd, .code = code, .action = action, .limit = (int)limit, .before_id = before};
	store_at_decision *d;
	size_t n;
	int more;
	if (store_at_decisions_list(req->app->db, &f, &d, &n, &more)) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "cannot read the decisions");
		return;
	}
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, decision_json(&d[i]));
	json_t *next = json_null();
	if (more && n) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%lld", (long long)d[n - 1].id);
		next = json_string(buf);
	}
	free(d);
	gw_reply(resp, 200, json_pack("{s:o,s:o}", "decisions", a, "next_cursor", next));
}

GW_ENDPOINT(notifications_test, gw_no_input)
{
	gw_app *app = req->app;
	if (notifier_channels(app->notify) == 0) {
		gw_reply(resp, 200,
		         json_pack("{s:b,s:i,s:s}", "queued", 0, "channels", 0, "message",
		                   "no notification channel is configured (KISGW_WEBHOOK_URL, "
		                   "KISGW_TELEGRAM_BOT_TOKEN + KISGW_TELEGRAM_CHAT_ID, "
		                   "KISGW_NOTIFY_JSON_URL)"));
		return;
	}
	notify_post(app->notify, "test", "kisgw: test notification", NULL, NULL);
	gw_reply(resp, 202,
	         json_pack("{s:b,s:i}", "queued", 1, "channels", notifier_channels(app->notify)));
}
