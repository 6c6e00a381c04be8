/* passthrough.c — the KIS-compatible passthrough's endpoints (see
 * passthrough.h): local tokens, the key checks, the relay of inquiries and
 * the journaled orders, every reply in KIS's own shapes. */
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "kclock.h"
#include "krx.h"
#include "log.h"
#include "passthrough.h"
#include "passthrough_internal.h"
#include "store.h"
#include "text.h"
#include "trader.h"

/* KIS's own figures (KIS_API.md §3.2): a token lives a day, and tokenP
 * within six hours of an issuance returns the same token. */
#define PT_TOKEN_TTL_MS  (24LL * 3600 * 1000)
#define PT_TOKEN_SAME_MS (6LL * 3600 * 1000)
/* An approval key is checked only when a session subscribes (§5); kisgw's
 * own session renews at 12 h too. */
#define PT_APPROVAL_MS (12LL * 3600 * 1000)

/* Process-wide: the token tokenP last gave out (only its digest is in
 * SQLite, so it is reused within six hours of this process only), the
 * hashkey HMAC key and the approval key kisgw fetched. */
static struct {
	pthread_mutex_t mu;
	int have_hmac;
	unsigned char hmac[32];
	char token[65], token_key[65]; /* hex; token_key: the key digest it is for */
	int64_t token_issued_ms, token_expires_ms;
	char approval[512];
	int64_t approval_ms; /* real time */
} P = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void sha_hex(const char *s, char out[65])
{
	unsigned char d[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)s, strlen(s), d);
	hex(d, sizeof(d), out);
}

/* Digests of equal length: the compare leaks neither content nor length. */
static int secret_eq(const char *given, const char *want)
{
	if (!given || !want)
		return 0;
	unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)given, strlen(given), a);
	SHA256((const unsigned char *)want, strlen(want), b);
	return CRYPTO_memcmp(a, b, sizeof(a)) == 0;
}

/* The key scripts present: the passthrough's own, else kisgw's KIS key. */
static const char *pt_key(const gw_settings *c)
{
	return c->pt_app_key ? c->pt_app_key : c->app_key;
}

static const char *pt_secret(const gw_settings *c)
{
	return c->pt_app_key ? c->pt_app_secret : c->app_secret;
}

/* ---- replies ---- */

void gw_pt_reply(gw_resp *resp, int status, json_t *body, const char *tr_id, const char *tr_cont)
{
	gw_reply(resp, status, body);
	resp->kis = 1;
	snprintf(resp->kis_tr_id, sizeof(resp->kis_tr_id), "%s", tr_id ? tr_id : "");
	snprintf(resp->kis_tr_cont, sizeof(resp->kis_tr_cont), "%s", tr_cont ? tr_cont : "");
}

/* KIS's failure envelope; msg1 made valid UTF-8 (it may quote the client). */
void gw_pt_fail_kis(gw_resp *resp, int status, const char *msg_cd, const char *tr_id,
                    const char *fmt, ...)
{
	char msg[400], clean[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gw_text_clean(msg, strlen(msg), clean, sizeof(clean));
	gw_pt_reply(resp, status,
	            json_pack("{s:s,s:s,s:s}", "rt_cd", "1", "msg_cd", msg_cd, "msg1", clean),
	            tr_id, NULL);
}

/* kisgw's own refusal, KIS-shaped: msg_cd is the registry's code. */
void gw_pt_fail(gw_resp *resp, gw_err code, const char *tr_id, const char *msg)
{
	gw_pt_fail_kis(resp, gw_err_status(code), gw_err_code(code), tr_id, "%s", msg);
}

/* The /oauth2 error form (KIS_API.md §2.4.1). */
static void oauth_fail(gw_resp *resp, int status, const char *code, const char *desc)
{
	char clean[300];
	gw_text_clean(desc, strlen(desc), clean, sizeof(clean));
	gw_pt_reply(resp, status,
	            json_pack("{s:s,s:s}", "error_code", code, "error_description", clean), NULL,
	            NULL);
}

/* A KIS call that failed without a KIS body to relay. */
void gw_pt_kis_error(gw_resp *resp, const kis_error *e, const char *tr_id)
{
	gw_err code;
	switch (e->status) {
	case KIS_E_BUSY: /* kisgw's limiter queue is full: KIS's own "retry" code */
		gw_pt_fail_kis(
		    resp, 500, "EGW00201", tr_id,
		    "초당 거래건수를 초과하였습니다. (kisgw: the account's rate limit is "
		    "saturated; retry)");
		return;
	case KIS_E_TOKEN:
		code = GW_E_TOKEN_UNAVAILABLE;
		break;
	case KIS_E_TIMEOUT:
		code = GW_E_UPSTREAM_TIMEOUT;
		break;
	case KIS_E_BAD_REPLY:
		code = GW_E_UPSTREAM_BAD_REPLY;
		break;
	case KIS_E_CONFIG:
		code = GW_E_UPSTREAM_CONFIG;
		break;
	case KIS_E_UNSUPPORTED:
		code = GW_E_NOT_SUPPORTED;
		break;
	case KIS_E_TRANSIENT:
	case KIS_E_RATE_LIMIT:
		code = GW_E_UPSTREAM_ERROR;
		break;
	default:
		code = GW_E_INTERNAL;
		break;
	}
	if (e->msg_cd[0]) /* KIS said why: its own words */
		gw_pt_fail_kis(resp, e->http_status >= 400 ? e->http_status : 500, e->msg_cd, tr_id,
		               "%s", e->msg1);
	else
		gw_pt_fail(resp, code, tr_id, e->msg1[0] ? e->msg1 : gw_err_code(code));
}

/* ---- credentials ---- */

/* tokenP / Approval: the body's key pair against the passthrough key. */
static int cred_check(gw_req *req, const char *body, size_t len, int approval, gw_resp *resp)
{
	const gw_settings *cfg = req->app->cfg;
	json_t *root = NULL;
	const char *key, *secret;
	gw_pt_fault f;
	int rc = -1;
	if (strcmp(req->method, "POST"))
		oauth_fail(resp, 405, gw_err_code(GW_E_METHOD_NOT_ALLOWED), "use POST");
	else if (gw_pt_cred_parse(body, len, approval, &root, &key, &secret, &f))
		oauth_fail(resp, gw_err_status(f.code), gw_err_code(f.code), f.msg);
	else if (!secret_eq(key, pt_key(cfg)))
		oauth_fail(resp, 403, "EGW00103", "유효하지 않은 AppKey입니다.");
	else if (!secret_eq(secret, pt_secret(cfg)))
		oauth_fail(resp, 403, "EGW00105", "유효하지 않은 AppSecret입니다.");
	else
		rc = 0;
	json_decref(root);
	return rc;
}

/* "YYYY-MM-DD HH:MM:SS" in KST, as KIS writes access_token_token_expired. */
static void kst_stamp(int64_t ms, char *out, size_t cap)
{
	unsigned d = (unsigned)kst_date(ms), t = (unsigned)kst_hhmmss(ms);
	snprintf(out, cap, "%04u-%02u-%02u %02u:%02u:%02u", d / 10000 % 10000, d / 100 % 100,
	         d % 100, t / 10000 % 100, t / 100 % 100, t % 100);
}

static void h_token(gw_req *req, const char *body, size_t len, gw_resp *resp)
{
	if (cred_check(req, body, len, 0, resp))
		return;
	gw_app *app = req->app;
	char key_sha[65], tok_sha[65];
	sha_hex(pt_key(app->cfg), key_sha);
	int64_t now = kclock_now_ms(app->clock);
	pthread_mutex_lock(&P.mu);
	if (!P.token[0] || strcmp(P.token_key, key_sha) ||
	    now - P.token_issued_ms >= PT_TOKEN_SAME_MS || now < P.token_issued_ms) {
		unsigned char raw[32];
		if (RAND_bytes(raw, sizeof(raw)) != 1) {
			pthread_mutex_unlock(&P.mu);
			oauth_fail(resp, 500, gw_err_code(GW_E_INTERNAL), "no random bytes");
			return;
		}
		char tok[65];
		hex(raw, sizeof(raw), tok);
		sha_hex(tok, tok_sha);
		if (store_pt_token_add(app->db, tok_sha, key_sha, now, now + PT_TOKEN_TTL_MS)) {
			pthread_mutex_unlock(&P.mu);
			oauth_fail(resp, 500, gw_err_code(GW_E_INTERNAL),
			           "the token could not be recorded");
			return;
		}
		memcpy(P.token, tok, sizeof(tok));
		memcpy(P.token_key, key_sha, sizeof(key_sha));
		P.token_issued_ms = now;
		P.token_expires_ms = now + PT_TOKEN_TTL_MS;
		gw_log(GW_LOG_INFO, "passthrough token issued", NULL);
	}
	char tok[65], stamp[24];
	memcpy(tok, P.token, sizeof(tok));
	int64_t exp = P.token_expires_ms;
	pthread_mutex_unlock(&P.mu);
	kst_stamp(exp, stamp, sizeof(stamp));
	gw_pt_reply(resp, 200,
	            json_pack("{s:s,s:s,s:I,s:s}", "access_token", tok, "token_type", "Bearer",
	                      "expires_in", (json_int_t)((exp - now) / 1000),
	                      "access_token_token_expired", stamp),
	            NULL, NULL);
}

static void h_approval(gw_req *req, const char *body, size_t len, gw_resp *resp)
{
	if (cred_check(req, body, len, 1, resp))
		return;
	char key[sizeof(P.approval)];
	pthread_mutex_lock(&P.mu);
	int fresh = P.approval[0] && real_ms() - P.approval_ms < PT_APPROVAL_MS;
	if (!fresh) {
		kis_error err;
		if (kis_approval_key_get(req->app->kis, key, sizeof(key), &err)) {
			pthread_mutex_unlock(&P.mu);
			oauth_fail(resp, err.http_status >= 400 ? err.http_status : 503,
			           err.msg_cd[0] ? err.msg_cd : gw_err_code(GW_E_UPSTREAM_ERROR),
			           err.msg1[0] ? err.msg1 : "KIS gave no approval key");
			return;
		}
		snprintf(P.approval, sizeof(P.approval), "%s", key);
		P.approval_ms = real_ms();
	}
	snprintf(key, sizeof(key), "%s", P.approval);
	pthread_mutex_unlock(&P.mu);
	gw_pt_reply(resp, 200, json_pack("{s:s}", "approval_key", key), NULL, NULL);
}

/* appkey / appsecret headers of a /uapi call. */
static int key_headers(gw_req *req, gw_resp *resp, const char *tr_id)
{
	const gw_settings *cfg = req->app->cfg;
	if (!secret_eq(gw_header(req, "appkey"), pt_key(cfg))) {
		gw_pt_fail_kis(resp, 500, "EGW00103", tr_id, "유효하지 않은 AppKey입니다.");
		return -1;
	}
	if (!secret_eq(gw_header(req, "appsecret"), pt_secret(cfg))) {
		gw_pt_fail_kis(resp, 500, "EGW00105", tr_id, "유효하지 않은 AppSecret입니다.");
		return -1;
	}
	return 0;
}

/* The local token of a /uapi/domestic-stock call, as KIS answers a bad one
 * (HTTP 500, EGW00121 / EGW00123: clients re-issue on these). */
static int token_check(gw_req *req, gw_resp *resp, const char *tr_id)
{
	const char *a = gw_header(req, "authorization");
	char tok_sha[65], key_sha[65] = {0}, want[65];
	int64_t exp = 0;
	if (!a || strncasecmp(a, "Bearer ", 7)) {
		gw_pt_fail_kis(resp, 500, "EGW00121", tr_id, "유효하지 않은 token 입니다.");
		return -1;
	}
	sha_hex(a + 7, tok_sha);
	sha_hex(pt_key(req->app->cfg), want);
	int r = store_pt_token_find(req->app->db, tok_sha, key_sha, sizeof(key_sha), &exp);
	if (r < 0) {
		gw_pt_fail(resp, GW_E_INTERNAL, tr_id, "the token could not be checked");
		return -1;
	}
	if (r == 1 || CRYPTO_memcmp(key_sha, want, sizeof(want))) {
		gw_pt_fail_kis(resp, 500, "EGW00121", tr_id, "유효하지 않은 token 입니다.");
		return -1;
	}
	if (kclock_now_ms(req->app->clock) >= exp) {
		gw_pt_fail_kis(resp, 500, "EGW00123", tr_id, "기간이 만료된 token 입니다.");
		return -1;
	}
	return 0;
}

/* ---- hashkey: answered here ---- */

/* HMAC-SHA256 of the body's canonical JSON (sorted keys, compact) under a
 * key of this process: a hashkey says the order body was not changed
 * between the two calls, which kisgw can check itself; KIS would count the
 * call against the account's rate for nothing (kisgw sends its own body). */
static int body_hash(const char *body, size_t len, char out[65])
{
	json_error_t je;
	json_t *j = body && len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &je) : NULL;
	char *canon = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!canon)
		return -1;
	unsigned char mac[32];
	unsigned int n = 0;
	pthread_mutex_lock(&P.mu);
	if (!P.have_hmac)
		P.have_hmac = RAND_bytes(P.hmac, sizeof(P.hmac)) == 1;
	int ok = P.have_hmac && HMAC(EVP_sha256(), P.hmac, sizeof(P.hmac),
	                             (const unsigned char *)canon, strlen(canon), mac, &n);
	pthread_mutex_unlock(&P.mu);
	free(canon);
	if (!ok || n != sizeof(mac))
		return -1;
	hex(mac, sizeof(mac), out);
	return 0;
}

static void h_hashkey(gw_req *req, const char *body, size_t len, gw_resp *resp)
{
	char h[65];
	if (strcmp(req->method, "POST")) {
		gw_pt_fail(resp, GW_E_METHOD_NOT_ALLOWED, NULL, "use POST");
		return;
	}
	if (key_headers(req, resp, NULL))
		return;
	json_error_t je;
	json_t *j = body && len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &je) : NULL;
	if (!json_is_object(j) || body_hash(body, len, h)) {
		json_decref(j);
		gw_pt_fail(resp, GW_E_INVALID_JSON, NULL,
		           "the body must be the JSON object to be sent");
		return;
	}
	gw_pt_reply(resp, 200, json_pack("{s:o,s:s}", "BODY", j, "HASH", h), NULL, NULL);
}

/* An order call's hashkey header, when sent, must be the body's. */
static int hashkey_ok(gw_req *req, const char *body, size_t len, gw_resp *resp, const char *tr_id)
{
	const char *given = gw_header(req, "hashkey");
	char h[65];
	if (!given || !*given)
		return 1;
	if (body_hash(body, len, h) || strlen(given) != 64 || CRYPTO_memcmp(given, h, 64)) {
		gw_pt_fail_kis(resp, 500, "EGW00131", tr_id, "유효하지 않은 hashkey입니다.");
		return 0;
	}
	return 1;
}

/* ---- /uapi/domestic-stock ---- */

static void relay(gw_req *req, const gw_pt_call *call, const char *tr_id, gw_resp *resp)
{
	kis_raw_req rr = {.method = "GET",
	                  .path = req->path,
	                  .query = req->query_raw,
	                  .tr_id = call->send_tr_id,
	                  .tr_cont = gw_header(req, "tr_cont")};
	kis_raw_reply out;
	kis_error err;
	kis_raw_call(req->app->kis, &rr, &out, &err);
	if (out.body) { /* KIS's own answer, whatever it says */
		gw_pt_reply(resp, out.http_status, out.body, tr_id, out.tr_cont);
		out.body = NULL;
	} else {
		gw_pt_kis_error(resp, &err, tr_id);
	}
	kis_raw_reply_free(&out);
}

static void h_uapi(gw_req *req, const char *body, size_t len, gw_resp *resp)
{
	const char *raw = gw_header(req, "tr_id");
	gw_pt_call call;
	gw_pt_classify(req->method, req->path, raw, req->app->cfg->real, &call);
	/* echoed only when it is a tr_id at all */
	const char *tr_id =
	    call.serve == GW_PT_REFUSE && !call.known && call.err != GW_E_PASSTHROUGH_REFUSED ? ""
	                                                                                      : raw;
	if (key_headers(req, resp, tr_id) || token_check(req, resp, tr_id))
		return;
	switch (call.serve) {
	case GW_PT_RELAY:
		relay(req, &call, tr_id, resp);
		return;
	case GW_PT_ORDER_BUY:
	case GW_PT_ORDER_SELL:
		if (hashkey_ok(req, body, len, resp, tr_id))
			gw_pt_order_cash(req, call.serve == GW_PT_ORDER_SELL, body, len, tr_id,
			                 resp);
		return;
	case GW_PT_REVISE:
		if (hashkey_ok(req, body, len, resp, tr_id))
			gw_pt_order_revise(req, body, len, tr_id, resp);
		return;
	default:
		gw_log(GW_LOG_INFO, "passthrough call refused",
		       json_pack("{s:s}", "code", gw_err_code(call.err)));
		gw_pt_fail(resp, call.err, tr_id, call.why);
		return;
	}
}

void gw_pt_handle(gw_req *req, gw_pt_kind kind, const char *body, size_t len, gw_resp *resp)
{
	switch (kind) {
	case GW_PT_TOKEN:
		h_token(req, body, len, resp);
		break;
	case GW_PT_APPROVAL:
		h_approval(req, body, len, resp);
		break;
	case GW_PT_HASHKEY:
		h_hashkey(req, body, len, resp);
		break;
	case GW_PT_UAPI:
		h_uapi(req, body, len, resp);
		break;
	default:
		gw_pt_fail(resp, GW_E_NOT_FOUND, NULL, "not a passthrough endpoint");
		break;
	}
	if (!resp->body) /* json_pack failed: out of memory */
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "out of memory");
}
