/* kis_token.c — the access-token manager.
 *
 * KIS allows one tokenP call a minute (HTTP 403 EGW00133 otherwise) and a
 * real-account issuance sends the user a KakaoTalk message, so: the token is
 * persisted through cfg.store and reused across restarts; one issuance runs
 * at a time (single flight: the first caller issues, the others wait on a
 * condition variable); the one-a-minute rule (token_min_interval_ms) is
 * kept on REAL time (issued_real_ms, persisted) whatever the KIS clock says; a caller that
 * would have to wait longer than token_wait_ms gets KIS_E_TOKEN with
 * retry_after_s instead of spinning. Expiry follows the KIS clock
 * (cfg.now_ms) and access_token_token_expired wins over expires_in.
 * Neither the token nor the app secret is ever written into an error.
 */
#include "kis_internal.h"

#include "metrics.h"

#include "kclock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void kis_token_state_init(struct kis_token_state *t)
{
	memset(t, 0, sizeof *t);
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
}

void kis_token_state_destroy(struct kis_token_state *t)
{
	memset(t->token, 0, sizeof t->token);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
}

/* "YYYY-MM-DD HH:MM:SS" KST → epoch ms; -1 when it does not parse. */
static int64_t parse_kst_stamp(const char *s)
{
	int y, mo, d, h, mi, se;
	char tail;
	if (!s || sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &tail) != 6)
		return -1;
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59)
		return -1;
	return kst_epoch_ms(y * 10000 + mo * 100 + d, h * 10000 + mi * 100 + se);
}

static void load_once(kis_client *c)
{
	struct kis_token_state *t = &c->tok;
	if (t->loaded)
		return;
	t->loaded = 1;
	if (!c->cfg.store.load)
		return;
	char tmp[sizeof t->token];
	int64_t exp = 0, issued = 0;
	tmp[0] = '\0';
	if (c->cfg.store.load(c->cfg.store.ctx, c->key_id, tmp, sizeof tmp, &exp, &issued) == 0) {
		tmp[sizeof tmp - 1] = '\0';
		snprintf(t->token, sizeof t->token, "%s", tmp);
		t->expires_ms = t->token[0] ? exp : 0;
		t->issued_real_ms = issued;
	}
	memset(tmp, 0, sizeof tmp);
}

static void save(kis_client *c)
{
	struct kis_token_state *t = &c->tok;
	if (c->cfg.store.save)
		c->cfg.store.save(c->cfg.store.ctx, c->key_id, t->token[0] ? t->token : NULL,
		                  t->token[0] ? t->expires_ms : 0, t->issued_real_ms);
}

/* One tokenP exchange. Fills token/expiry on success. */
static int token_issue(kis_client *c, char *tok, size_t cap, int64_t *expires_ms, kis_error *err)
{
	json_t *req = json_pack("{s:s, s:s, s:s}", "grant_type", "client_credentials", "appkey",
	                        c->app_key, "appsecret", c->app_secret);
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body) {
		kis_err_set(err, KIS_E_INTERNAL, "out of memory");
		return KIS_E_INTERNAL;
	}
	kis_http_req hr = {.method = "POST", .path = "/oauth2/tokenP", .body = body, .no_reuse = 1};
	kis_http_resp resp = {0};
	int rc = kis_http_do(c, &hr, &resp, err);
	memset(body, 0, strlen(body));
	free(body);
	if (rc != 0)
		return rc;

	json_t *j = NULL;
	kis_class cl = kis_classify(resp.status, resp.body, resp.len, 1, &j, err);
	kis_http_resp_free(&resp);
	if (cl != KIS_CL_OK) {
		json_decref(j);
		if (cl == KIS_CL_EMPTY)
			err->status = KIS_E_BAD_REPLY;
		return err->status;
	}
	const json_t *at = json_object_get(j, "access_token");
	const char *s = json_string_value(at);
	if (!s || !s[0] || strlen(s) >= cap) {
		json_decref(j);
		kis_err_set(err, KIS_E_BAD_REPLY, "tokenP reply without a usable access_token");
		return KIS_E_BAD_REPLY;
	}
	int64_t exp =
	    parse_kst_stamp(json_string_value(json_object_get(j, "access_token_token_expired")));
	if (exp < 0) {
		kis_rd r = {j, NULL};
		int64_t secs = kis_rd_i64(&r, "expires_in");
		if (r.bad || secs <= 0) {
			json_decref(j);
			kis_err_set(err, KIS_E_BAD_REPLY, "tokenP reply without a usable expiry");
			return KIS_E_BAD_REPLY;
		}
		exp = kis_now_ms(c) + secs * 1000;
	}
	if (exp <= kis_now_ms(c)) {
		json_decref(j);
		kis_err_set(err, KIS_E_BAD_REPLY, "tokenP reply with an expiry in the past");
		return KIS_E_BAD_REPLY;
	}
	snprintf(tok, cap, "%s", s);
	*expires_ms = exp;
	json_decref(j);
	return KIS_OK;
}

static void wait_until(struct kis_token_state *t, int64_t mono_target)
{
	struct timespec ts = {(time_t)(mono_target / 1000),
	                      (long)((mono_target % 1000) * 1000000L)};
	pthread_cond_timedwait(&t->cv, &t->mu, &ts);
}

static int give(struct kis_token_state *t, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", t->token);
	pthread_mutex_unlock(&t->mu);
	return KIS_OK;
}

int kis_token_get(kis_client *c, char *buf, size_t cap, kis_error *err)
{
	struct kis_token_state *t = &c->tok;
	const int64_t margin_ms = (int64_t)c->cfg.token_margin_s * 1000;
	const int64_t deadline = mono_ms() + c->cfg.token_wait_ms;
	const int64_t min_gap = c->cfg.token_min_interval_ms;
	kis_error local;
	if (!err)
		err = &local;

	pthread_mutex_lock(&t->mu);
	load_once(c);
	for (;;) {
		int64_t now = kis_now_ms(c);
		if (t->token[0] && now < t->expires_ms - margin_ms)
			return give(t, buf, cap);

		if (t->issuing) {
			uint64_t g = t->gen;
			while (t->issuing && t->gen == g && mono_ms() < deadline)
				wait_until(t, deadline);
			if (t->gen == g) {
				pthread_mutex_unlock(&t->mu);
				kis_err_set(err, KIS_E_TOKEN,
				            "timed out waiting for a token issuance");
				err->retry_after_s = 1;
				return KIS_E_TOKEN;
			}
			now = kis_now_ms(c);
			if (t->token[0] && now < t->expires_ms)
				return give(t, buf, cap);
			if (t->last_err.status != KIS_OK &&
			    !(t->blocked_until_real_ms > real_ms())) {
				/* the attempt we waited for failed: share its outcome */
				*err = t->last_err;
				pthread_mutex_unlock(&t->mu);
				return err->status;
			}
			continue;
		}

		int64_t rnow = real_ms();
		int64_t next_ok = t->issued_real_ms ? t->issued_real_ms + min_gap : 0;
		if (t->blocked_until_real_ms > next_ok)
			next_ok = t->blocked_until_real_ms;
		if (rnow < next_ok) {
			/* inside the margin but still valid: use it, refresh later */
			if (t->token[0] && now < t->expires_ms)
				return give(t, buf, cap);
			int64_t wait = next_ok - rnow;
			if (mono_ms() + wait > deadline) {
				int blocked = t->blocked_until_real_ms > rnow;
				char kis_msg[sizeof err->msg1];
				snprintf(kis_msg, sizeof kis_msg, "%s", t->last_err.msg1);
				pthread_mutex_unlock(&t->mu);
				kis_err_set(
				    err, KIS_E_TOKEN,
				    "token issuance is limited to one per %lld s; retry later",
				    (long long)(min_gap / 1000));
				if (blocked) {
					/* KIS said so: its code and its own words (the
					 * error_description), kisgw's explanation is the
					 * server's message */
					snprintf(err->msg_cd, sizeof err->msg_cd, "EGW00133");
					if (kis_msg[0])
						snprintf(err->msg1, sizeof err->msg1, "%s",
						         kis_msg);
				}
				err->retry_after_s = (int)((wait + 999) / 1000);
				return KIS_E_TOKEN;
			}
			wait_until(t, mono_ms() + wait);
			continue;
		}

		t->issuing = 1;
		pthread_mutex_unlock(&t->mu);
		char tok[sizeof t->token];
		int64_t exp = 0;
		kis_error ierr;
		memset(&ierr, 0, sizeof ierr);
		int rc = token_issue(c, tok, sizeof tok, &exp, &ierr);
		km_inc(kis_m_token_issuances(), 1,
		       rc == KIS_OK ? "ok"
		                    : kis_status_name(ierr.status ? ierr.status : (kis_status)rc));
		pthread_mutex_lock(&t->mu);
		t->issuing = 0;
		t->gen++;
		if (rc == KIS_OK) {
			snprintf(t->token, sizeof t->token, "%s", tok);
			memset(tok, 0, sizeof tok);
			t->expires_ms = exp;
			/* after the answer: KIS counted it no earlier than that */
			t->issued_real_ms = real_ms();
			t->blocked_until_real_ms = 0;
			memset(&t->last_err, 0, sizeof t->last_err);
			save(c);
			kis_stats_add(c, &c->stats.token_issued, 1);
			pthread_cond_broadcast(&t->cv);
			return give(t, buf, cap);
		}
		if (ierr.msg_cd[0] && strcmp(ierr.msg_cd, "EGW00133") == 0) {
			t->blocked_until_real_ms = real_ms() + min_gap;
			t->last_err = ierr;
			pthread_cond_broadcast(&t->cv);
			continue; /* → wait within budget or KIS_E_TOKEN with retry_after */
		}
		if (ierr.status == KIS_OK)
			ierr.status = KIS_E_INTERNAL;
		t->last_err = ierr;
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->mu);
		*err = ierr;
		return ierr.status;
	}
}

void kis_token_drop(kis_client *c, const char *bad)
{
	struct kis_token_state *t = &c->tok;
	pthread_mutex_lock(&t->mu);
	if (t->token[0] && bad && strcmp(t->token, bad) == 0) {
		memset(t->token, 0, sizeof t->token);
		t->expires_ms = 0;
		save(c);
	}
	pthread_mutex_unlock(&t->mu);
}

int64_t kis_token_valid_until(kis_client *c)
{
	struct kis_token_state *t = &c->tok;
	pthread_mutex_lock(&t->mu);
	load_once(c);
	int64_t v = (t->token[0] && kis_now_ms(c) < t->expires_ms) ? t->expires_ms : 0;
	pthread_mutex_unlock(&t->mu);
	return v;
}

int kis_token_ensure(kis_client *c, kis_error *err)
{
	char tok[sizeof c->tok.token];
	kis_error local;
	if (!err)
		err = &local;
	memset(err, 0, sizeof *err);
	int rc = kis_token_get(c, tok, sizeof tok, err);
	memset(tok, 0, sizeof tok);
	if (rc != KIS_OK)
		kis_stats_add(c, &c->stats.errors[rc < KIS_E__MAX ? rc : KIS_E_INTERNAL], 1);
	return rc;
}
