/* token.c — JWT-looking access tokens (HS512 via OpenSSL HMAC) and the
 * per-appkey state: last issuance for the 6 h / 60 s rules and the sliding
 * one-second window of the /uapi rate limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sim.h"

void sim_token_init(sim_state *st)
{
	/* The signing key follows the seed, so tokens are reproducible. */
	uint64_t x = st->cfg.seed ^ 0x5EED5EED5EED5EEDull;
	for (size_t i = 0; i < sizeof(st->jwt_key); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		st->jwt_key[i] = (unsigned char)(x >> 24);
	}
}

void sim_token_free(sim_state *st)
{
	for (int i = 0; i < st->ntokens; i++)
		free(st->tokens[i].tok);
	free(st->tokens);
	st->tokens = NULL;
	st->ntokens = st->captokens = 0;
	for (int i = 0; i < st->nkeys; i++)
		free(st->keys[i].ring);
	free(st->keys);
	st->keys = NULL;
	st->nkeys = st->capkeys = 0;
}

sim_keystate *sim_key_get(sim_state *st, const char *appkey)
{
	for (int i = 0; i < st->nkeys; i++)
		if (strcmp(st->keys[i].appkey, appkey) == 0)
			return &st->keys[i];
	if (st->nkeys == st->capkeys) {
		int cap = st->capkeys ? st->capkeys * 2 : 8;
		sim_keystate *k = realloc(st->keys, sizeof(*k) * (size_t)cap);
		if (!k)
			return NULL;
		st->keys = k;
		st->capkeys = cap;
	}
	sim_keystate *k = &st->keys[st->nkeys++];
	memset(k, 0, sizeof(*k));
	snprintf(k->appkey, sizeof(k->appkey), "%s", appkey);
	k->last_token = -1;
	k->last_token_call_ms = INT64_MIN;
	return k;
}

static size_t b64url(const unsigned char *in, size_t n, char *out)
{
	int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	size_t j = 0;
	for (int i = 0; i < len; i++) {
		char c = out[i];
		if (c == '=')
			break;
		out[j++] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	out[j] = 0;
	return j;
}

int sim_token_issue(sim_state *st, const char *appkey, int64_t now_ms)
{
	if (st->ntokens == st->captokens) {
		int cap = st->captokens ? st->captokens * 2 : 16;
		sim_token *t = realloc(st->tokens, sizeof(*t) * (size_t)cap);
		if (!t)
			return -1;
		st->tokens = t;
		st->captokens = cap;
	}
	uint64_t serial = ++st->token_serial;
	unsigned char rnd[32];
	unsigned int rl = 0;
	HMAC(EVP_sha256(), st->jwt_key, sizeof(st->jwt_key), (const unsigned char *)&serial,
	     sizeof(serial), rnd, &rl);
	char aud[40];
	snprintf(aud, sizeof(aud),
	         "%02x%02x%02x%02x-%02x%02x-4%01x%02x-a%01x%02x-%02x%02x%02x%02x%02x%02x", rnd[0],
	         rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6] & 15, rnd[7], rnd[8] & 15, rnd[9],
	         rnd[10], rnd[11], rnd[12], rnd[13], rnd[14], rnd[15]);
	int64_t iat = now_ms / 1000, exp = iat + st->cfg.token_ttl_s;
	char payload[512];
	snprintf(payload, sizeof(payload),
	         "{\"sub\":\"token\",\"aud\":\"%s\",\"prdt_cd\":\"\",\"iss\":\"unogw\","
	         "\"exp\":%lld,\"iat\":%lld,\"jti\":\"%s\"}",
	         aud, (long long)exp, (long long)iat, appkey);
	static const char header[] = "{\"typ\":\"JWT\",\"alg\":\"HS512\"}";
	char buf[1400];
	size_t n = b64url((const unsigned char *)header, strlen(header), buf);
	buf[n++] = '.';
	n += b64url((const unsigned char *)payload, strlen(payload), buf + n);
	unsigned char sig[64];
	unsigned int sl = 0;
	HMAC(EVP_sha512(), st->jwt_key, sizeof(st->jwt_key), (const unsigned char *)buf, n, sig,
	     &sl);
	buf[n++] = '.';
	b64url(sig, sl, buf + n);
	sim_token *t = &st->tokens[st->ntokens];
	t->tok = strdup(buf);
	if (!t->tok)
		return -1;
	snprintf(t->appkey, sizeof(t->appkey), "%s", appkey);
	t->iat_ms = iat * 1000;
	t->exp_ms = exp * 1000;
	t->revoked = 0;
	return st->ntokens++;
}

sim_token *sim_token_find(sim_state *st, const char *tok)
{
	for (int i = st->ntokens - 1; i >= 0; i--)
		if (strcmp(st->tokens[i].tok, tok) == 0)
			return &st->tokens[i];
	return NULL;
}

int sim_rate_take(sim_state *st, sim_keystate *k)
{
	if (st->rate <= 0)
		return 1;
	if (k->ring_cap != st->rate) {
		int64_t *r = realloc(k->ring, sizeof(int64_t) * (size_t)st->rate);
		if (!r)
			return 1;
		k->ring = r;
		k->ring_cap = st->rate;
		k->ring_head = k->ring_n = 0;
	}
	/* Sliding window over real elapsed time: drop calls older than 1 s. */
	int64_t now = mono_ms();
	while (k->ring_n > 0) {
		int64_t t = k->ring[(k->ring_head + k->ring_cap - k->ring_n) % k->ring_cap];
		if (now - t < 1000)
			break;
		k->ring_n--;
	}
	if (k->ring_n >= k->ring_cap)
		return 0;
	k->ring[k->ring_head] = now;
	k->ring_head = (k->ring_head + 1) % k->ring_cap;
	k->ring_n++;
	return 1;
}
