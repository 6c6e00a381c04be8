/* kis_client.c — client object, configuration defaults, counters and the
 * table of KIS calls generated from kis_trs.def. */
#include "kis_internal.h"

#include "kclock.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Slack added to the one-second window: KIS measures on its side, after
 * network jitter, so two bursts 1000 ms apart locally can land closer. */
#define KIS_WINDOW_MS 1050

static _Thread_local unsigned thread_calls;

unsigned kis_thread_calls(void)
{
	return thread_calls;
}

void kis_thread_calls_reset(void)
{
	thread_calls = 0;
}

void kis_thread_calls_inc(void)
{
	thread_calls++;
}

static _Thread_local int thread_background;

void kis_thread_background(int on)
{
	thread_background = on != 0;
}

int kis_thread_is_background(void)
{
	return thread_background;
}

const char *kis_status_name(kis_status s)
{
	static const char *const names[KIS_E__MAX] = {
	    "ok",      "token",    "config",       "busy",      "rate_limit",  "transient",
	    "timeout", "rejected", "unknown_code", "bad_reply", "unsupported", "internal",
	};
	return (unsigned)s < KIS_E__MAX ? names[s] : "unknown";
}

int kis_status_refusal(kis_status s)
{
	return s == KIS_E_REJECTED || s == KIS_E_UNKNOWN_CODE;
}

void kis_err_set(kis_error *err, kis_status st, const char *fmt, ...)
{
	if (!err)
		return;
	err->status = st;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg1, sizeof err->msg1, fmt, ap);
		va_end(ap);
	}
}

int64_t kis_now_ms(const kis_client *c)
{
	if (c->cfg.now_ms)
		return c->cfg.now_ms(c->cfg.clock_ctx);
	return real_ms();
}

void kis_stats_add(kis_client *c, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&c->stats_mu);
	*field += n;
	pthread_mutex_unlock(&c->stats_mu);
}

void kis_stats_get(kis_client *c, kis_stats *out)
{
	pthread_mutex_lock(&c->stats_mu);
	*out = c->stats;
	pthread_mutex_unlock(&c->stats_mu);
}

void kis_rate_get(kis_client *c, int *limit, int *current)
{
	kis_limiter_rate(c->limiter, limit, current);
}

void kis_upstream_get(kis_client *c, kis_upstream *out)
{
	pthread_mutex_lock(&c->stats_mu);
	*out = c->upstream;
	pthread_mutex_unlock(&c->stats_mu);
}

void kis_upstream_note(kis_client *c, const kis_error *err)
{
	/* Our own limiter says nothing about KIS; nor does "no token to be
	 * had", mostly the one-a-minute issuance rule (kisgw's or KIS's), which
	 * /healthz shows as token_valid_until anyway. */
	if (err->status == KIS_E_BUSY || err->status == KIS_E_TOKEN)
		return;
	int ok = err->status == KIS_OK || kis_status_refusal(err->status) ||
	         err->status == KIS_E_RATE_LIMIT || err->status == KIS_E_UNSUPPORTED;
	int64_t now = kis_now_ms(c);
	pthread_mutex_lock(&c->stats_mu);
	if (ok) {
		c->upstream.last_ok_ms = now;
		c->upstream.fail_streak = 0;
	} else {
		c->upstream.last_fail_ms = now;
		c->upstream.fail_streak++;
		c->upstream.last_err = err->status;
		if (err->msg_cd[0] || err->msg1[0])
			snprintf(c->upstream.reason, sizeof(c->upstream.reason), "%s%s%.100s",
			         kis_status_name(err->status), ": ",
			         err->msg1[0] ? err->msg1 : err->msg_cd);
		else
			snprintf(c->upstream.reason, sizeof(c->upstream.reason), "%s",
			         kis_status_name(err->status));
	}
	pthread_mutex_unlock(&c->stats_mu);
}

void kis_config_defaults(kis_config *cfg)
{
	if (cfg->rate_per_sec <= 0)
		cfg->rate_per_sec = cfg->real ? KIS_RATE_REAL_DEFAULT : KIS_RATE_VIRTUAL_DEFAULT;
	if (cfg->queue_wait_ms <= 0)
		cfg->queue_wait_ms = KIS_DEFAULT_QUEUE_WAIT_MS;
	if (cfg->connect_timeout_ms <= 0)
		cfg->connect_timeout_ms = KIS_DEFAULT_CONNECT_TIMEOUT_MS;
	if (cfg->timeout_ms <= 0)
		cfg->timeout_ms = KIS_DEFAULT_TIMEOUT_MS;
	if (cfg->token_margin_s <= 0)
		cfg->token_margin_s = KIS_DEFAULT_TOKEN_MARGIN_S;
	if (cfg->token_wait_ms <= 0)
		cfg->token_wait_ms = KIS_DEFAULT_TOKEN_WAIT_MS;
	if (cfg->read_retries == 0)
		cfg->read_retries = KIS_DEFAULT_READ_RETRIES;
	if (cfg->verify_tls == 0)
		cfg->verify_tls = 1;
	if (cfg->token_min_interval_ms <= 0)
		cfg->token_min_interval_ms = KIS_DEFAULT_TOKEN_MIN_INTERVAL_MS;
}

/* Generated from kis_trs.def: the one place a TR's path and tr_ids live. */
#define READ  0
#define ORDER 1
#define KIS_TR(nm, kind, path, rid, rold, vid, vold, real_only, paging, pg_real, pg_virt, rows)    \
	[KIS_TR_##nm] = {#nm,                                                                      \
	                 kind,                                                                     \
	                 path,                                                                     \
	                 {{vid, vold}, {rid, rold}},                                               \
	                 real_only,                                                                \
	                 KIS_PAGING_##paging,                                                      \
	                 {pg_virt, pg_real},                                                       \
	                 rows},
static const kis_tr_def tr_table[KIS_TR__MAX] = {
#include "kis_trs.def"
};
#undef KIS_TR
#undef READ
#undef ORDER

const kis_tr_def *kis_tr_get(kis_tr tr)
{
	return (unsigned)tr < KIS_TR__MAX ? &tr_table[tr] : NULL;
}

const char *kis_tr_id(kis_tr tr, int real, int old_tr_ids, char *buf, size_t cap)
{
	const kis_tr_def *d = kis_tr_get(tr);
	if (!d || cap < 16)
		return NULL;
	const char *id = d->id[real != 0][old_tr_ids != 0];
	if (!id || (!real && d->real_only))
		return NULL;
	snprintf(buf, cap, "%s", id);
	return buf;
}

int kis_key_id(const char *app_key, int real, const char *base_url, char *out, size_t cap)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || cap < 33)
		goto fail;
	const char *env = real ? "real" : "virtual";
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, app_key, strlen(app_key)) != 1 ||
	    EVP_DigestUpdate(ctx, "\n", 1) != 1 || EVP_DigestUpdate(ctx, env, strlen(env)) != 1 ||
	    EVP_DigestUpdate(ctx, "\n", 1) != 1 ||
	    EVP_DigestUpdate(ctx, base_url, strlen(base_url)) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen < 16)
		goto fail;
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
fail:
	EVP_MD_CTX_free(ctx);
	return -1;
}

/* "12345678-01" or "1234567801" → CANO + ACNT_PRDT_CD. */
static int account_split(const char *acct, char *cano, char *prdt)
{
	if (!acct)
		return -1;
	size_t n = strlen(acct);
	const char *p2;
	if (n == 11 && acct[8] == '-')
		p2 = acct + 9;
	else if (n == 10)
		p2 = acct + 8;
	else
		return -1;
	for (int i = 0; i < 8; i++)
		if (!isdigit((unsigned char)acct[i]))
			return -1;
	if (!isdigit((unsigned char)p2[0]) || !isdigit((unsigned char)p2[1]))
		return -1;
	memcpy(cano, acct, 8);
	cano[8] = '\0';
	memcpy(prdt, p2, 2);
	prdt[2] = '\0';
	return 0;
}

kis_client *kis_client_new(const kis_config *cfg, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	kis_metrics_init();
	if (!cfg || !cfg->base_url || !cfg->app_key || !cfg->app_secret || !cfg->base_url[0] ||
	    !cfg->app_key[0] || !cfg->app_secret[0]) {
		if (err)
			snprintf(err, errlen, "base_url, app_key and app_secret are required");
		return NULL;
	}
	if (strncmp(cfg->base_url, "http://", 7) != 0 &&
	    strncmp(cfg->base_url, "https://", 8) != 0) {
		if (err)
			snprintf(err, errlen, "base_url must start with http:// or https://");
		return NULL;
	}
	kis_client *c = calloc(1, sizeof *c);
	if (!c) {
		if (err)
			snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->cfg = *cfg;
	kis_config_defaults(&c->cfg);
	if (c->cfg.read_retries < 0)
		c->cfg.read_retries = 0;
	/* as given: 0 (or negative) switches verification off, whatever the
	 * defaults helper would fill in */
	c->cfg.verify_tls = cfg->verify_tls > 0;
	if (account_split(cfg->account, c->cano, c->acnt_prdt_cd) != 0) {
		if (err)
			snprintf(err, errlen, "account must look like 12345678-01");
		free(c);
		return NULL;
	}
	c->base_url = strdup(cfg->base_url);
	c->app_key = strdup(cfg->app_key);
	c->app_secret = strdup(cfg->app_secret);
	size_t bl = c->base_url ? strlen(c->base_url) : 0;
	while (bl > 0 && c->base_url[bl - 1] == '/')
		c->base_url[--bl] = '\0';
	c->cfg.base_url = c->base_url;
	c->cfg.app_key = c->app_key;
	c->cfg.app_secret = c->app_secret;
	c->cfg.account = NULL;
	pthread_mutex_init(&c->stats_mu, NULL);
	pthread_mutex_init(&c->pool_mu, NULL);
	kis_token_state_init(&c->tok);
	c->limiter = kis_limiter_new(c->cfg.rate_per_sec, KIS_WINDOW_MS);
	if (!c->base_url || !c->app_key || !c->app_secret || !c->limiter ||
	    kis_key_id(c->app_key, c->cfg.real, c->base_url, c->key_id, sizeof c->key_id) != 0) {
		if (err)
			snprintf(err, errlen, "out of memory");
		kis_client_free(c);
		return NULL;
	}
	if (kis_http_init(c, err, errlen) != 0) {
		kis_client_free(c);
		return NULL;
	}
	return c;
}

void kis_client_free(kis_client *c)
{
	if (!c)
		return;
	kis_http_cleanup(c);
	kis_limiter_free(c->limiter);
	kis_token_state_destroy(&c->tok);
	pthread_mutex_destroy(&c->stats_mu);
	pthread_mutex_destroy(&c->pool_mu);
	free(c->base_url);
	free(c->app_key);
	if (c->app_secret) {
		/* the secret should not linger in freed memory */
		volatile char *p = c->app_secret;
		while (*p)
			*p++ = 0;
		free(c->app_secret);
	}
	free(c);
}
