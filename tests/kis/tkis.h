/* tkis.h — helpers shared by the kis/ tests: an in-memory token store, a
 * settable KIS clock and a client configuration pointing at a fake server. */
#ifndef TKIS_H
#define TKIS_H

#include "kclock.h"
#include "kis.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct tstore {
	pthread_mutex_t mu;
	int has;
	char token[2048];
	int64_t expires_ms, issued_real_ms;
	int loads, saves, drops;
	char key_id[64];
} tstore;

static inline int tstore_load(void *ctx, const char *key_id, char *token, size_t cap,
                              int64_t *expires_ms, int64_t *issued_real_ms)
{
	tstore *s = ctx;
	pthread_mutex_lock(&s->mu);
	s->loads++;
	int rc = -1;
	/* a token saved under another key id is not this client's */
	if (s->has && (!s->key_id[0] || strcmp(s->key_id, key_id) == 0)) {
		snprintf(token, cap, "%s", s->token);
		*expires_ms = s->expires_ms;
		*issued_real_ms = s->issued_real_ms;
		rc = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static inline int tstore_save(void *ctx, const char *key_id, const char *token, int64_t expires_ms,
                              int64_t issued_real_ms)
{
	tstore *s = ctx;
	pthread_mutex_lock(&s->mu);
	s->saves++;
	snprintf(s->key_id, sizeof s->key_id, "%s", key_id);
	if (token) {
		snprintf(s->token, sizeof s->token, "%s", token);
		s->expires_ms = expires_ms;
	} else {
		s->token[0] = '\0';
		s->expires_ms = 0;
		s->drops++;
	}
	s->issued_real_ms = issued_real_ms;
	s->has = 1;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static inline void tstore_init(tstore *s)
{
	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
}

/* Preload a token, as if persisted by an earlier run. */
static inline void tstore_put(tstore *s, const char *token, int64_t expires_ms,
                              int64_t issued_real_ms)
{
	s->has = 1;
	snprintf(s->token, sizeof s->token, "%s", token ? token : "");
	s->expires_ms = expires_ms;
	s->issued_real_ms = issued_real_ms;
}

typedef struct tclock {
	pthread_mutex_t mu;
	int64_t now;
} tclock;

static inline int64_t tclock_now(void *ctx)
{
	tclock *c = ctx;
	pthread_mutex_lock(&c->mu);
	int64_t v = c->now;
	pthread_mutex_unlock(&c->mu);
	return v;
}

static inline void tclock_set(tclock *c, int64_t v)
{
	pthread_mutex_lock(&c->mu);
	c->now = v;
	pthread_mutex_unlock(&c->mu);
}

#define T_APP_KEY "PSabcdefghijklmnopqrstuvwxyz0123456"
/* 180 chars in the real thing; distinctive so tests can look for leaks */
#define T_SECRET "SECRETsecretSECRETsecret0123456789"

static inline void tcfg(kis_config *cfg, const char *url, tstore *st, tclock *clk, int real)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->base_url = url;
	cfg->app_key = T_APP_KEY;
	cfg->app_secret = T_SECRET;
	cfg->account = "12345678-01";
	cfg->real = real;
	cfg->rate_per_sec = 1000;
	cfg->queue_wait_ms = 5000;
	cfg->connect_timeout_ms = 2000;
	cfg->timeout_ms = 5000;
	cfg->token_wait_ms = 2000;
	cfg->read_retries = 3;
	if (clk) {
		cfg->now_ms = tclock_now;
		cfg->clock_ctx = clk;
	}
	if (st) {
		cfg->store.ctx = st;
		cfg->store.load = tstore_load;
		cfg->store.save = tstore_save;
	}
	kis_config_defaults(cfg);
	cfg->verify_tls = 0;
}

/* "YYYY-MM-DD HH:MM:SS" KST of an epoch ms. */
static inline void tkst_stamp(int64_t ms, char *buf, size_t cap)
{
	int d = kst_date(ms), t = kst_hhmmss(ms);
	snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d", d / 10000, d / 100 % 100, d % 100,
	         t / 10000, t / 100 % 100, t % 100);
}

static inline void tsleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

#endif
