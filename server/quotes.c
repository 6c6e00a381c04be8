/* quotes.c — GET /price and GET /daily, and the quote cache behind /price.
 *
 * The cache is set-associative (QSETS sets of QWAYS entries) so memory is
 * bounded whatever codes clients ask for; a code whose set is full of
 * entries in use is fetched without caching. Only entry metadata is read
 * under the lock: the upstream call happens outside it. */
#include "quotes.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "http.h"
#include "input.h"
#include "params.h"

#define QSETS 256
#define QWAYS 4

typedef struct qentry {
	char code[8];
	int in_flight;
	int waiters;
	uint64_t gen; /* bumped when a fetch completes */
	int64_t fetched_mono;
	int64_t fetched_ms;
	int ok; /* result of the last fetch */
	kis_quote q;
	kis_error err;
	/* This fetch's /price reply, rendered at its first cached hit: later
	 * hits copy bytes instead of building and serialising JSON again. */
	char *reply;
	size_t reply_len;
} qentry;

struct quote_cache {
	pthread_mutex_t mu;
	/* Broadcast when any fetch completes; a waiter rechecks its entry's
	 * gen. One for all entries: waiters are rare (they share a call under
	 * way), and the table's pages stay untouched until used (with a
	 * condition per entry, initialising them wrote all 540 KB). */
	pthread_cond_t done;
	int64_t ttl_ms;
	qentry e[QSETS][QWAYS];
};

quote_cache *quote_cache_new(int64_t ttl_ms)
{
	quote_cache *qc = calloc(1, sizeof(*qc));
	if (!qc)
		return NULL;
	pthread_mutex_init(&qc->mu, NULL);
	pthread_cond_init(&qc->done, NULL);
	qc->ttl_ms = ttl_ms;
	return qc;
}

void quote_cache_free(quote_cache *qc)
{
	if (!qc)
		return;
	for (int s = 0; s < QSETS; s++)
		for (int w = 0; w < QWAYS; w++)
			free(qc->e[s][w].reply);
	pthread_cond_destroy(&qc->done);
	pthread_mutex_destroy(&qc->mu);
	free(qc);
}

static unsigned hash_code(const char *code)
{
	unsigned h = 2166136261u;
	for (; *code; code++)
		h = (h ^ (unsigned char)*code) * 16777619u;
	return h % QSETS;
}

/* The entry for code, or a reusable one (idle, oldest), or NULL. */
static qentry *slot(quote_cache *qc, const char *code)
{
	qentry *set = qc->e[hash_code(code)], *victim = NULL;
	for (int w = 0; w < QWAYS; w++)
		if (!strcmp(set[w].code, code))
			return &set[w];
	for (int w = 0; w < QWAYS; w++) {
		qentry *e = &set[w];
		if (e->in_flight || e->waiters)
			continue;
		if (!victim || e->fetched_mono < victim->fetched_mono)
			victim = e;
	}
	if (victim) {
		free(victim->reply);
		victim->reply = NULL;
		snprintf(victim->code, sizeof(victim->code), "%s", code);
		victim->fetched_mono = 0;
		victim->ok = 0;
	}
	return victim;
}

static json_t *price_json(const char *code, const kis_quote *q, int64_t at);

/* The reply body exactly as the daemon would serialise price_json. */
static char *price_render(const char *code, const kis_quote *q, int64_t at, size_t *len)
{
	json_t *o = price_json(code, q, at);
	char *buf = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(o);
	if (buf) {
		*len = strlen(buf);
		buf[(*len)++] = '\n'; /* replaces the NUL, as http.c does */
	}
	return buf;
}

int quote_cache_reply(quote_cache *qc, const char *code, char **body, size_t *len)
{
	int rc = -1;
	pthread_mutex_lock(&qc->mu);
	qentry *set = qc->e[hash_code(code)];
	for (int w = 0; w < QWAYS; w++) {
		qentry *e = &set[w];
		if (strcmp(e->code, code))
			continue;
		if (!e->ok || qc->ttl_ms <= 0 || mono_ms() - e->fetched_mono >= qc->ttl_ms)
			break;
		if (!e->reply) /* once per fetch, so under the lock */
			e->reply = price_render(e->code, &e->q, e->fetched_ms, &e->reply_len);
		*body = e->reply ? malloc(e->reply_len) : NULL;
		if (*body) {
			memcpy(*body, e->reply, e->reply_len);
			*len = e->reply_len;
			rc = 0;
		}
		break;
	}
	pthread_mutex_unlock(&qc->mu);
	return rc;
}

int quote_cache_get(quote_cache *qc, kis_client *kis, kclock *clock, const char *code,
                    int64_t since_mono, kis_quote *out, int64_t *fetched_ms, kis_error *err)
{
	pthread_mutex_lock(&qc->mu);
	qentry *e = slot(qc, code);
	if (!e) { /* set saturated: no caching, no sharing */
		pthread_mutex_unlock(&qc->mu);
		*fetched_ms = kclock_now_ms(clock);
		return kis_price_get(kis, code, out, err) == 0 ? 0 : -1;
	}
	if (e->ok && ((qc->ttl_ms > 0 && mono_ms() - e->fetched_mono < qc->ttl_ms) ||
	              (since_mono > 0 && e->fetched_mono >= since_mono))) {
		*out = e->q;
		*fetched_ms = e->fetched_ms;
		pthread_mutex_unlock(&qc->mu);
		return 0;
	}
	if (e->in_flight) { /* share the call under way */
		uint64_t gen = e->gen;
		e->waiters++;
		while (e->gen == gen)
			pthread_cond_wait(&qc->done, &qc->mu);
		e->waiters--;
		int ok = e->ok;
		if (ok) {
			*out = e->q;
			*fetched_ms = e->fetched_ms;
		} else {
			*err = e->err;
		}
		pthread_mutex_unlock(&qc->mu);
		return ok ? 0 : -1;
	}
	e->in_flight = 1;
	pthread_mutex_unlock(&qc->mu);

	kis_quote q;
	kis_error ke;
	memset(&ke, 0, sizeof(ke));
	int64_t at = kclock_now_ms(clock);
	int ok = kis_price_get(kis, code, &q, &ke) == 0;

	pthread_mutex_lock(&qc->mu);
	e->in_flight = 0;
	e->ok = ok;
	e->gen++;
	free(e->reply);
	e->reply = NULL;
	if (ok) {
		e->q = q;
		e->fetched_mono = mono_ms();
		e->fetched_ms = at;
		*out = q;
		*fetched_ms = at;
	} else {
		e->err = ke;
		*err = ke;
	}
	pthread_cond_broadcast(&qc->done);
	pthread_mutex_unlock(&qc->mu);
	return ok ? 0 : -1;
}

typedef struct price_in {
	const char *code;
} price_in;

static json_t *price_json(const char *code, const kis_quote *q, int64_t at)
{
	char ts[40];
	kst_iso8601(at, ts, sizeof(ts));
	json_t *o = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:I,s:I,s:I,s:I,s:s}", "code", code,
	                      "price", (json_int_t)q->price, "open", (json_int_t)q->open, "high",
	                      (json_int_t)q->high, "low", (json_int_t)q->low, "prev_close",
	                      (json_int_t)q->prev_close, "change", (json_int_t)q->change,
	                      "change_rate", q->change_rate, "volume", (json_int_t)q->volume,
	                      "upper_limit", (json_int_t)q->upper_limit, "lower_limit",
	                      (json_int_t)q->lower_limit, "tick", (json_int_t)q->tick, "as_of", ts);
	/* 52-week high and low with their dates, when KIS sent them */
	char d[16];
	if (o && q->w52_high > 0 && q->w52_high_date > 0) {
		ymd_format(q->w52_high_date, d, sizeof(d));
		json_object_set_new(o, "w52_high", json_integer(q->w52_high));
		json_object_set_new(o, "w52_high_date", json_string(d));
	}
	if (o && q->w52_low > 0 && q->w52_low_date > 0) {
		ymd_format(q->w52_low_date, d, sizeof(d));
		json_object_set_new(o, "w52_low", json_integer(q->w52_low));
		json_object_set_new(o, "w52_low_date", json_string(d));
	}
	return o;
}

/* Inline on the HTTP thread while the quote is cached (the reply's bytes
 * copied from the cache); a miss is fetched on a worker. */
GW_ENDPOINT(price_get, price_in, .query = GW_FIELDS(GW_CODE(price_in, code, .required = 1)),
            .run_inline = 1)
{
	const char *code = in->code;
	char *body;
	size_t len;
	if (quote_cache_reply(req->app->quotes, code, &body, &len) == 0) {
		gw_reply_raw(resp, 200, "application/json; charset=utf-8", body, len, 1);
		return;
	}
	if (gw_would_block(req))
		return;
	kis_quote q;
	kis_error err;
	int64_t at;
	if (quote_cache_get(req->app->quotes, req->app->kis, req->app->clock, code, req->arrived_ms,
	                    &q, &at, &err)) {
		if (err.status == KIS_E_UNKNOWN_CODE) { /* kis/ decides it */
			gw_reply_error(resp, GW_E_UNKNOWN_CODE, "code", "no stock with code %s",
			               code);
			gw_error_add_kis(resp, err.msg_cd, err.msg1);
		} else {
			gw_reply_kis_error(resp, &err);
		}
		return;
	}
	gw_reply(resp, 200, price_json(code, &q, at));
}

/* Longest /daily range: about ten years of bars. */
#define DAILY_MAX_DAYS 3660
/* Ranges that end before today never change: the last few asked for are
 * kept (bars only, a few hundred KB at most). */
#define DAILY_CACHE 16

typedef struct daily_entry {
	char code[8];
	int from, to;
	int64_t used; /* mono ms of the last hit, for LRU */
	kis_bars bars;
} daily_entry;

static pthread_mutex_t daily_mu = PTHREAD_MUTEX_INITIALIZER;
static daily_entry daily_cache[DAILY_CACHE];

/* Copies a cached range into out; 0 on a hit. */
static int daily_lookup(const char *code, int from, int to, kis_bars *out)
{
	int hit = -1;
	pthread_mutex_lock(&daily_mu);
	for (int i = 0; i < DAILY_CACHE; i++) {
		daily_entry *e = &daily_cache[i];
		if (e->from == from && e->to == to && !strcmp(e->code, code)) {
			out->bars = malloc(e->bars.n * sizeof(kis_bar) + 1);
			if (out->bars) {
				memcpy(out->bars, e->bars.bars, e->bars.n * sizeof(kis_bar));
				out->n = e->bars.n;
				e->used = mono_ms();
				hit = 0;
			}
			break;
		}
	}
	pthread_mutex_unlock(&daily_mu);
	return hit;
}

static void daily_store(const char *code, int from, int to, const kis_bars *b)
{
	kis_bar *copy = malloc(b->n * sizeof(kis_bar) + 1);
	if (!copy)
		return;
	if (b->n) /* no bars (a weekend): b->bars may be NULL */
		memcpy(copy, b->bars, b->n * sizeof(kis_bar));
	pthread_mutex_lock(&daily_mu);
	daily_entry *victim = &daily_cache[0];
	for (int i = 1; i < DAILY_CACHE; i++)
		if (daily_cache[i].used < victim->used)
			victim = &daily_cache[i];
	free(victim->bars.bars);
	snprintf(victim->code, sizeof(victim->code), "%s", code);
	victim->from = from;
	victim->to = to;
	victim->used = mono_ms();
	victim->bars = (kis_bars){copy, b->n};
	pthread_mutex_unlock(&daily_mu);
}

typedef struct daily_in {
	const char *code;
	int from, to;
} daily_in;

GW_ENDPOINT(daily_get, daily_in,
            .query = GW_FIELDS(GW_CODE(daily_in, code, .required = 1),
                               GW_DATE(daily_in, to, .doc_default = "today"),
                               GW_DATE(daily_in, from, .doc_default = "to - 90 days")))
{
	const char *code = in->code;
	int today = gw_today(req);
	int to = in->to ? in->to : today;
	int from = in->from ? in->from : ymd_add_days(to, -90);
	if (gw_param_date_order(resp, from, to))
		return;
	if (to > today) /* no bars exist past today */
		to = today;
	if (from > to) { /* the whole range is in the future */
		gw_reply(resp, 200, json_pack("{s:s,s:[]}", "code", code, "bars"));
		return;
	}
	if (ymd_to_days(to) - ymd_to_days(from) > DAILY_MAX_DAYS) {
		gw_reply_error(resp, GW_E_INVALID_PARAM, "from", "the range is longer than %d days",
		               DAILY_MAX_DAYS);
		return;
	}
	kis_bars bars = {0};
	kis_error err;
	int past = to < today;
	if (!past || daily_lookup(code, from, to, &bars)) {
		if (kis_daily_bars_get(req->app->kis, code, from, to, &bars, &err)) {
			if (err.status == KIS_E_UNKNOWN_CODE) { /* kis/ decides it */
				gw_reply_error(resp, GW_E_UNKNOWN_CODE, "code",
				               "no stock with code %s", code);
				gw_error_add_kis(resp, err.msg_cd, err.msg1);
			} else {
				gw_reply_kis_error(resp, &err);
			}
			return;
		}
		if (past)
			daily_store(code, from, to, &bars);
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < bars.n; i++) {
		const kis_bar *b = &bars.bars[i];
		char d[16];
		ymd_format(b->date, d, sizeof(d));
		json_array_append_new(arr, json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}", "date", d, "open",
		                                     (json_int_t)b->open, "high",
		                                     (json_int_t)b->high, "low", (json_int_t)b->low,
		                                     "close", (json_int_t)b->close, "volume",
		                                     (json_int_t)b->volume));
	}
	kis_bars_free(&bars);
	gw_reply(resp, 200, json_pack("{s:s,s:o}", "code", code, "bars", arr));
}

int gw_quote_source(void *ctx, const char *code, kis_quote *q, kis_error *err)
{
	gw_app *app = ctx;
	int64_t at;
	return quote_cache_get(app->quotes, app->kis, app->clock, code, 0, q, &at, err) ? -1
	                                                                                : KIS_OK;
}
