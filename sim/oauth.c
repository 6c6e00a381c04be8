/* oauth.c — /oauth2/tokenP, revokeP, Approval and /uapi/hashkey with KIS's
 * rules: 24 h tokens, the same token again within 6 h of issue, one tokenP
 * a minute (403 EGW00133), and the {"error_code","error_description"} form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "sim.h"

int sim_key_ok(const sim_state *st, const char *appkey)
{
	if (st->cfg.appkey)
		return strcmp(appkey, st->cfg.appkey) == 0;
	return strlen(appkey) == 36;
}

int sim_secret_ok(const sim_state *st, const char *appsecret)
{
	if (st->cfg.appsecret)
		return strcmp(appsecret, st->cfg.appsecret) == 0;
	return strlen(appsecret) == 180;
}

static const char *body_str(const sim_call *c, const char *key)
{
	json_t *v = c->json ? json_object_get(c->json, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

void sim_h_token(sim_state *st, sim_call *c, sim_reply *r)
{
	const char *gt = body_str(c, "grant_type");
	const char *key = body_str(c, "appkey");
	const char *sec = body_str(c, "appsecret");
	if (c->json_bad || !gt || strcmp(gt, "client_credentials") != 0) {
		sim_reply_oauth_err(r, 403, "EGW00002", "grant_type이 유효하지 않습니다.");
		return;
	}
	if (!key || !sim_key_ok(st, key)) {
		sim_reply_oauth_err(r, 403, "EGW00103", "유효하지 않은 AppKey입니다.");
		return;
	}
	if (!sec || !sim_secret_ok(st, sec)) {
		sim_reply_oauth_err(r, 403, "EGW00105", "유효하지 않은 AppSecret입니다.");
		return;
	}
	sim_keystate *k = sim_key_get(st, key);
	if (!k) {
		sim_reply_oauth_err(r, 500, "EGW00002", "서버 에러가 발생했습니다.");
		return;
	}
	int64_t now = c->now_ms;
	int seen = k->last_token_call_ms != INT64_MIN;
	int64_t gap = seen ? now - k->last_token_call_ms : 0;
	if (seen && gap >= 0 && gap < (int64_t)st->cfg.token_min_interval_s * 1000) {
		st->c_token_denied++;
		sim_reply_oauth_err(r, 403, "EGW00133",
		                    "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)");
		return;
	}
	int idx = k->last_token;
	sim_token *t = idx >= 0 ? &st->tokens[idx] : NULL;
	if (t && !t->revoked && now < t->exp_ms && now - t->iat_ms < 6 * 3600 * 1000LL &&
	    now >= t->iat_ms) {
		st->c_token_reused++;
	} else {
		if (t && st->cfg.new_token_revokes_old)
			t->revoked = 1;
		idx = sim_token_issue(st, key, now);
		if (idx < 0) {
			sim_reply_oauth_err(r, 500, "EGW00002", "서버 에러가 발생했습니다.");
			return;
		}
		k->last_token = idx;
		t = &st->tokens[idx];
		st->c_token_issued++;
	}
	k->last_token_call_ms = now;
	char exp[32];
	int64_t e = t->exp_ms;
	int ymd = kst_date(e), hms = kst_hhmmss(e);
	snprintf(exp, sizeof(exp), "%04d-%02d-%02d %02d:%02d:%02d", ymd / 10000, ymd / 100 % 100,
	         ymd % 100, hms / 10000, hms / 100 % 100, hms % 100);
	json_t *o = json_object();
	sj_set_s(o, "access_token", t->tok);
	sj_set_s(o, "access_token_token_expired", exp);
	sj_set_s(o, "token_type", "Bearer");
	int64_t left = (t->exp_ms - now + 999) / 1000;
	json_object_set_new(o, "expires_in", json_integer(left > 0 ? left : 0));
	sim_reply_json(r, 200, o);
}

void sim_h_revoke(sim_state *st, sim_call *c, sim_reply *r)
{
	const char *key = body_str(c, "appkey");
	const char *sec = body_str(c, "appsecret");
	const char *tok = body_str(c, "token");
	if (!key || !sim_key_ok(st, key)) {
		sim_reply_oauth_err(r, 403, "EGW00103", "유효하지 않은 AppKey입니다.");
		return;
	}
	if (!sec || !sim_secret_ok(st, sec)) {
		sim_reply_oauth_err(r, 403, "EGW00105", "유효하지 않은 AppSecret입니다.");
		return;
	}
	sim_token *t = tok ? sim_token_find(st, tok) : NULL;
	if (!t || strcmp(t->appkey, key) != 0) {
		sim_reply_oauth_err(r, 403, "EGW00121", "유효하지 않은 token 입니다.");
		return;
	}
	t->revoked = 1;
	json_t *o = json_object();
	json_object_set_new(o, "code", json_integer(200));
	sj_set_s(o, "message", "접근토큰 폐기에 성공하였습니다");
	sim_reply_json(r, 200, o);
}

void sim_h_approval(sim_state *st, sim_call *c, sim_reply *r)
{
	const char *key = body_str(c, "appkey");
	const char *sec = body_str(c, "secretkey");
	if (!key || !sim_key_ok(st, key)) {
		sim_reply_oauth_err(r, 403, "EGW00103", "유효하지 않은 AppKey입니다.");
		return;
	}
	if (!sec || !sim_secret_ok(st, sec)) {
		sim_reply_oauth_err(r, 403, "EGW00105", "유효하지 않은 AppSecret입니다.");
		return;
	}
	/* UUID-shaped key derived from the appkey and a serial: reproducible. */
	unsigned char h[SHA256_DIGEST_LENGTH];
	char in[96];
	snprintf(in, sizeof(in), "%s#%llu", key, (unsigned long long)++st->token_serial);
	SHA256((const unsigned char *)in, strlen(in), h);
	char ak[40];
	snprintf(ak, sizeof(ak),
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1],
	         h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14],
	         h[15]);
	if (st->napprovals == st->capapprovals) {
		int cap = st->capapprovals ? st->capapprovals * 2 : 8;
		sim_approval *a = realloc(st->approvals, sizeof(*a) * (size_t)cap);
		if (!a) {
			sim_reply_oauth_err(r, 500, "EGW00002", "서버 에러가 발생했습니다.");
			return;
		}
		st->approvals = a;
		st->capapprovals = cap;
	}
	snprintf(st->approvals[st->napprovals].key, sizeof(st->approvals[0].key), "%s", ak);
	snprintf(st->approvals[st->napprovals].appkey, sizeof(st->approvals[0].appkey), "%s", key);
	st->napprovals++;
	json_t *o = json_object();
	sj_set_s(o, "approval_key", ak);
	sim_reply_json(r, 200, o);
}

void sim_h_hashkey(sim_state *st, sim_call *c, sim_reply *r)
{
	if (!c->json) {
		sim_reply_env(r, 500, "OPSQ1001", "ERROR : INPUT JSON PARSE FAIL");
		return;
	}
	/* HASH = hex SHA-256 of the exact body (KIS's algorithm is not public). */
	unsigned char h[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)c->body, c->body_len, h);
	char hex[SHA256_DIGEST_LENGTH * 2 + 1];
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(hex + i * 2, 3, "%02x", h[i]);
	json_t *o = json_object();
	json_object_set(o, "JsonBody", c->json);
	sj_set_s(o, "HASH", hex);
	sim_reply_json(r, 200, o);
}
