/* autotrade.c — the job's lifecycle (timer thread), its run-time settings,
 * targets, pause flag and status. One pass lives in autotrade_pass.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "autotrade_internal.h"
#include "klog.h"
#include "krx.h"

#define META_PAUSED "autotrade.paused"

void at_order_key(int ymd, const char *code, const char *leg, int attempt, char *buf, size_t len)
{
	snprintf(buf, len, "at-%08d-%s-%s-%d", ymd, code, leg, attempt);
}

/* env settings + persisted overrides -> eff/src. Caller holds mu (or owns j). */
static int settings_load(at_job *j, char *err, size_t errlen)
{
	j->eff = j->cfg.env;
	memcpy(j->src, j->cfg.env_src, sizeof(j->src));
	store_kv *kv;
	size_t n;
	if (store_at_settings_get(j->db, &kv, &n)) {
		snprintf(err, errlen, "cannot read the auto-trade settings");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const at_setting_def *d = at_setting_find(kv[i].name);
		char why[160];
		if (!d || at_settings_set(&j->eff, d, kv[i].value, why, sizeof(why))) {
			/* An override this binary no longer accepts: the environment wins. */
			klogf(KLOG_WARN, "autotrade", "ignoring stored setting %s: %s", kv[i].name,
			      d ? why : "unknown name");
			continue;
		}
		j->src[d - at_setting_defs] = AT_SRC_API;
	}
	free(kv);
	const char *key;
	char why[160];
	if (at_settings_check(&j->eff, why, sizeof(why), &key)) {
		klogf(KLOG_WARN, "autotrade",
		      "stored settings rejected (%s); using the environment's", why);
		j->eff = j->cfg.env;
		memcpy(j->src, j->cfg.env_src, sizeof(j->src));
	}
	return 0;
}

at_job *at_job_new(const at_config *cfg, trader *t, kis_client *kis, store *db, kclock *clock,
                   char *err, size_t errlen)
{
	at_job *j = calloc(1, sizeof(*j));
	if (!j) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	j->cfg = *cfg;
	j->t = t;
	j->kis = kis;
	j->db = db;
	j->clock = clock;
	pthread_mutex_init(&j->mu, NULL);
	pthread_mutex_init(&j->pass_mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &ca);
	pthread_condattr_destroy(&ca);
	char v[16];
	int r = store_meta_get(db, META_PAUSED, v, sizeof(v));
	if (r < 0 || settings_load(j, err, errlen)) {
		if (r < 0)
			snprintf(err, errlen, "cannot read the auto-trade state");
		at_job_free(j);
		return NULL;
	}
	j->paused = r == 0 && !strcmp(v, "1");
	return j;
}

static void abs_deadline(struct timespec *ts, int64_t mono_target)
{
	ts->tv_sec = (time_t)(mono_target / 1000);
	ts->tv_nsec = (long)((mono_target % 1000) * 1000000L);
}

/* Runs one pass and records how it went. */
static void pass_and_record(at_job *j, at_pass_report *rep)
{
	pthread_mutex_lock(&j->mu);
	at_settings s = j->eff;
	pthread_mutex_unlock(&j->mu);
	pthread_mutex_lock(&j->pass_mu);
	at_pass_run(j, &s, rep);
	pthread_mutex_unlock(&j->pass_mu);
	pthread_mutex_lock(&j->mu);
	j->passes++;
	j->last_pass_ms = kclock_now_ms(j->clock);
	j->last_ok = rep->ok;
	j->last_duration_ms = rep->duration_ms;
	if (!rep->ok) {
		j->failed++;
		snprintf(j->last_error, sizeof(j->last_error), "%s", rep->error);
	} else {
		j->last_error[0] = 0;
	}
	pthread_mutex_unlock(&j->mu);
}

static void *timer(void *arg)
{
	at_job *j = arg;
	kis_thread_background(1);
	pthread_mutex_lock(&j->mu);
	j->next_mono = mono_ms();
	while (!j->stop) {
		int64_t now = mono_ms();
		int active = j->eff.mode != AT_OFF && !j->paused;
		if (!active || (!j->wake && now < j->next_mono)) {
			struct timespec ts;
			abs_deadline(&ts, active ? j->next_mono : now + 60000);
			pthread_cond_timedwait(&j->cv, &j->mu, &ts);
			continue;
		}
		j->wake = 0;
		int interval_ms = j->eff.interval_s * 1000;
		pthread_mutex_unlock(&j->mu);
		at_pass_report rep;
		int64_t start = mono_ms();
		pass_and_record(j, &rep);
		int64_t end = mono_ms();
		pthread_mutex_lock(&j->mu);
		j->next_mono = start + interval_ms;
		if (end > j->next_mono) {
			/* Late: the next pass starts now, once; passes never pile up. */
			j->late++;
			klogf(KLOG_WARN, "autotrade",
			      "pass took %lld ms, longer than the %d s interval",
			      (long long)(end - start), interval_ms / 1000);
			j->next_mono = end;
		}
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

int at_job_start(at_job *j)
{
	pthread_mutex_lock(&j->mu);
	int rc = 0;
	if (!j->running) {
		j->stop = 0;
		rc = pthread_create(&j->thread, NULL, timer, j);
		j->running = rc == 0;
	}
	pthread_mutex_unlock(&j->mu);
	return rc ? -1 : 0;
}

void at_job_free(at_job *j)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->mu);
	int was = j->running;
	j->stop = 1;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	if (was)
		pthread_join(j->thread, NULL);
	free(j->seen);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	pthread_mutex_destroy(&j->pass_mu);
	free(j);
}

void at_job_settings(at_job *j, at_settings *out, at_src src[AT_NSETTINGS])
{
	pthread_mutex_lock(&j->mu);
	*out = j->eff;
	if (src)
		memcpy(src, j->src, sizeof(j->src));
	pthread_mutex_unlock(&j->mu);
}

static at_result fail(at_outcome *out, at_result r, const char *field, const char *msg)
{
	out->result = r;
	snprintf(out->field, sizeof(out->field), "%s", field ? field : "");
	snprintf(out->message, sizeof(out->message), "%s", msg);
	return r;
}

at_result at_job_settings_set(at_job *j, const char *const *keys, const char *const *values,
                              size_t n, at_outcome *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&j->mu);
	at_settings next = j->eff;
	char why[200];
	for (size_t i = 0; i < n; i++) {
		const at_setting_def *d = at_setting_find(keys[i]);
		if (!d) {
			pthread_mutex_unlock(&j->mu);
			snprintf(why, sizeof(why), "unknown setting %s", keys[i]);
			return fail(out, AT_INVALID, keys[i], why);
		}
		const char *v = values[i];
		if (!v) /* back to the environment's value */
			at_settings_format(&j->cfg.env, d, why, sizeof(why)), v = why;
		char e2[200];
		if (at_settings_set(&next, d, v, e2, sizeof(e2))) {
			pthread_mutex_unlock(&j->mu);
			return fail(out, AT_INVALID, d->key, e2);
		}
	}
	const char *key;
	if (at_settings_check(&next, why, sizeof(why), &key)) {
		pthread_mutex_unlock(&j->mu);
		return fail(out, AT_INVALID, key, why);
	}
	int64_t now = kclock_now_ms(j->clock);
	for (size_t i = 0; i < n; i++) {
		const at_setting_def *d = at_setting_find(keys[i]);
		char buf[64];
		at_settings_format(&next, d, buf, sizeof(buf));
		if (store_at_setting_set(j->db, d->key, values[i] ? buf : NULL, now)) {
			pthread_mutex_unlock(&j->mu);
			return fail(out, AT_INTERNAL, NULL, "cannot save the auto-trade settings");
		}
		j->src[d - at_setting_defs] =
		    values[i] ? AT_SRC_API : j->cfg.env_src[d - at_setting_defs];
	}
	j->eff = next;
	j->wake = 1; /* a new interval or mode applies now */
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	return AT_OK;
}

at_result at_job_settings_reset(at_job *j, at_outcome *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&j->mu);
	int bad = 0;
	for (int i = 0; i < AT_NSETTINGS && !bad; i++)
		bad = store_at_setting_set(j->db, at_setting_defs[i].key, NULL, 0) != 0;
	if (!bad) {
		j->eff = j->cfg.env;
		memcpy(j->src, j->cfg.env_src, sizeof(j->src));
		pthread_cond_broadcast(&j->cv);
	}
	pthread_mutex_unlock(&j->mu);
	return bad ? fail(out, AT_INTERNAL, NULL, "cannot save the auto-trade settings") : AT_OK;
}

at_result at_job_targets_put(at_job *j, const store_at_target *t, size_t n, at_outcome *out)
{
	memset(out, 0, sizeof(*out));
	char field[48], msg[200];
	for (size_t i = 0; i < n; i++) {
		if (!krx_code_valid(t[i].code)) {
			snprintf(field, sizeof(field), "targets[%zu].code", i);
			snprintf(
			    msg, sizeof(msg),
			    "targets[%zu]: code must be 6 characters of 0-9 A-Z, or Q and 6 digits",
			    i);
			return fail(out, AT_INVALID, field, msg);
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(t[k].code, t[i].code)) {
				snprintf(field, sizeof(field), "targets[%zu].code", i);
				snprintf(msg, sizeof(msg),
				         "targets[%zu]: %s is already targets[%zu]", i, t[i].code,
				         k);
				return fail(out, AT_INVALID, field, msg);
			}
		if (t[i].ref_price < 0) {
			snprintf(field, sizeof(field), "targets[%zu].ref_price", i);
			snprintf(msg, sizeof(msg), "targets[%zu]: ref_price must be positive", i);
			return fail(out, AT_INVALID, field, msg);
		}
	}
	if (store_at_targets_put(j->db, t, n, kclock_now_ms(j->clock)))
		return fail(out, AT_INTERNAL, NULL, "cannot save the targets");
	return AT_OK;
}

at_result at_job_targets_delete(at_job *j, const char *code, at_outcome *out)
{
	memset(out, 0, sizeof(*out));
	int r = store_at_targets_delete(j->db, code);
	if (r < 0)
		return fail(out, AT_INTERNAL, NULL, "cannot delete the targets");
	if (code && r == 0) {
		char msg[80];
		snprintf(msg, sizeof(msg), "%s is not a target", code);
		return fail(out, AT_NOT_FOUND, "code", msg);
	}
	return AT_OK;
}

at_result at_job_pause(at_job *j, int paused, at_outcome *out)
{
	memset(out, 0, sizeof(*out));
	if (store_meta_set(j->db, META_PAUSED, paused ? "1" : "0"))
		return fail(out, AT_INTERNAL, NULL, "cannot save the pause flag");
	pthread_mutex_lock(&j->mu);
	j->paused = paused != 0;
	if (!paused)
		j->wake = 1;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	return AT_OK;
}

at_result at_job_run(at_job *j, at_pass_report *rep, at_outcome *out)
{
	memset(out, 0, sizeof(*out));
	memset(rep, 0, sizeof(*rep));
	pthread_mutex_lock(&j->mu);
	int mode = j->eff.mode;
	pthread_mutex_unlock(&j->mu);
	if (mode == AT_OFF)
		return fail(out, AT_CONFLICT, NULL,
		            "the auto-trade job is off (KISGW_AUTOTRADE=on or dry-run to run it)");
	/* The caller's KIS reads are background work like the timer's. */
	int was = kis_thread_is_background();
	kis_thread_background(1);
	pass_and_record(j, rep);
	kis_thread_background(was);
	return AT_OK;
}

int at_orders_of_day(at_job *j, int ymd, store_order **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	store_order_filter f = {.status = -1,
	                        .side = -1,
	                        .source = STORE_SRC_AUTOTRADE,
	                        .from_ms = kst_epoch_ms(ymd, 0),
	                        .to_ms = kst_epoch_ms(ymd_add_days(ymd, 1), 0),
	                        .limit = 1000};
	store_order *o;
	size_t k;
	int more;
	if (store_orders_list(j->db, &f, &o, &k, &more))
		return -1;
	for (size_t a = 0, b = k ? k - 1 : 0; a < b; a++, b--) { /* oldest first */
		store_order tmp = o[a];
		o[a] = o[b];
		o[b] = tmp;
	}
	*out = o;
	*n = k;
	return 0;
}

/* 1 when the order is still in flight or its outcome is not known. */
static int order_open(const store_order *o)
{
	return !store_status_final(o->status);
}

const char *at_target_state(const store_at_day *d, const store_order *orders, size_t norders,
                            const store_at_decision *dec, size_t ndec, const char *code,
                            int64_t *order_id)
{
	*order_id = 0;
	const char *st = d && d->held ? "held" : d ? "waiting" : "unplanned";
	for (size_t i = 0; i < norders; i++) {
		const store_order *o = &orders[i];
		if (strcmp(o->code, code))
			continue;
		*order_id = o->id;
		if (o->side == STORE_BUY)
			st = o->status == ST_UNKNOWN ? "buy_unknown"
			     : order_open(o)         ? "buy_pending"
			     : o->filled_qty > 0     ? "bought"
			                             : "buy_failed";
		else
			st = o->status == ST_UNKNOWN ? "sell_unknown"
			     : order_open(o)         ? "sell_pending"
			     : o->filled_qty > 0     ? "sold"
			                             : "sell_failed";
	}
	for (size_t i = 0; i < ndec; i++)
		if (dec[i].dry_run && !strcmp(dec[i].code, code) && strcmp(dec[i].action, "skip"))
			st = !strcmp(dec[i].action, "buy") ? "dry_run_bought" : "dry_run_sold";
	return st;
}

int at_job_status(at_job *j, at_status *out)
{
	memset(out, 0, sizeof(*out));
	int64_t now = kclock_now_ms(j->clock);
	int ymd = kst_date(now), hhmm = kst_hhmmss(now) / 100;
	pthread_mutex_lock(&j->mu);
	at_settings s = j->eff;
	out->mode = s.mode;
	out->paused = j->paused;
	out->last_pass_ms = j->last_pass_ms;
	out->last_pass_ok = j->last_ok;
	out->last_pass_duration_ms = j->last_duration_ms;
	out->passes = j->passes;
	out->failed_passes = j->failed;
	out->late_passes = j->late;
	snprintf(out->last_error, sizeof(out->last_error), "%s", j->last_error);
	if (s.mode != AT_OFF && !j->paused && j->running) {
		int64_t in = j->next_mono - mono_ms();
		out->next_pass_ms = now + (in > 0 ? in : 0);
	}
	pthread_mutex_unlock(&j->mu);
	out->ymd = ymd;
	int td = store_is_trading_day(j->db, ymd);
	out->trading_day = td == 1;
	out->state = s.mode == AT_OFF              ? "off"
	             : out->paused                 ? "paused"
	             : td != 1                     ? "closed"
	             : hhmm < s.session_start_hhmm ? "waiting"
	             : hhmm >= s.session_end_hhmm  ? "after_close"
	             : hhmm >= s.exit_hhmm         ? "exit"
	                                           : "session";

	store_at_target *t = NULL;
	size_t nt = 0, nday = 0, nord = 0, ndec = 0;
	store_at_day *day = NULL;
	store_order *ord = NULL;
	store_at_decision *dec = NULL;
	int more;
	store_at_decision_filter df = {.ymd = ymd, .limit = 1000};
	if (store_at_targets_get(j->db, &t, &nt) || store_at_day_get(j->db, ymd, &day, &nday) ||
	    at_orders_of_day(j, ymd, &ord, &nord) ||
	    store_at_decisions_list(j->db, &df, &dec, &ndec, &more)) {
		free(t);
		free(day);
		free(ord);
		free(dec);
		return -1;
	}
	out->targets = calloc(nt ? nt : 1, sizeof(*out->targets));
	out->actions = calloc(ndec ? ndec : 1, sizeof(*out->actions));
	if (!out->targets || !out->actions) {
		free(t);
		free(day);
		free(ord);
		free(dec);
		at_status_free(out);
		return -1;
	}
	for (size_t i = 0; i < nt; i++) {
		at_target_status *ts = &out->targets[out->ntargets++];
		ts->target = t[i];
		const store_at_day *d = NULL;
		for (size_t k = 0; k < nday; k++)
			if (!strcmp(day[k].code, t[i].code))
				d = &day[k];
		if (d) {
			ts->planned = 1;
			ts->day = *d;
		}
		ts->status = at_target_state(d, ord, nord, dec, ndec, t[i].code, &ts->order_id);
	}
	for (size_t i = ndec; i-- > 0;) /* oldest first */
		if (strcmp(dec[i].action, "skip"))
			out->actions[out->nactions++] = dec[i];
	free(t);
	free(day);
	free(ord);
	free(dec);
	return 0;
}

void at_status_free(at_status *s)
{
	free(s->targets);
	free(s->actions);
	memset(s, 0, sizeof(*s));
}
