/* notify.c — the notification queue and its one sender thread.
 *
 * A message is queued once per configured channel; each copy is sent, and
 * retried, on its own. The queue is a fixed ring: enqueue is O(1) under the
 * mutex and, when full, drops the oldest copy. The sender sleeps on a
 * condition variable until something is due (a new copy, a retry time, the
 * rate window reopening, or stop). Time here is real monotonic time. */
#include "notify.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "klog.h"

enum { CH_DISCORD = 0, CH_TELEGRAM, CH_JSON, CH__MAX };
static const char *const ch_name[CH__MAX] = {"discord", "telegram", "json webhook"};

/* Longest rate window kept per channel (per_minute is capped to this). */
#define RATE_MAX 600

typedef struct item {
	int ch;
	char *body; /* JSON payload for the channel */
	int attempts;
	int64_t due_mono;
} item;

struct notifier {
	notify_config cfg;
	char *url[CH__MAX]; /* owned; secrets */
	kclock *clock;

	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC */
	pthread_t thread;
	int running, stop, busy;
	item *q;
	int head, count;
	int64_t sent_at[CH__MAX][RATE_MAX]; /* ring of recent send times */
	int sent_pos[CH__MAX], sent_n[CH__MAX];
	notify_stats st;
};

void notify_config_defaults(notify_config *cfg)
{
	if (cfg->timeout_ms <= 0)
		cfg->timeout_ms = NOTIFY_DEFAULT_TIMEOUT_MS;
	if (cfg->retries < 0)
		cfg->retries = 0;
	else if (cfg->retries == 0)
		cfg->retries = NOTIFY_DEFAULT_RETRIES;
	if (cfg->backoff_ms <= 0)
		cfg->backoff_ms = NOTIFY_DEFAULT_BACKOFF_MS;
	if (cfg->per_minute <= 0)
		cfg->per_minute = NOTIFY_DEFAULT_PER_MINUTE;
	if (cfg->per_minute > RATE_MAX)
		cfg->per_minute = RATE_MAX;
	if (cfg->queue_cap <= 0)
		cfg->queue_cap = NOTIFY_DEFAULT_QUEUE_CAP;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int set(const char *s)
{
	return s && *s;
}

notifier *notifier_new(const notify_config *cfg, kclock *clock)
{
	notifier *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->cfg = *cfg;
	notify_config_defaults(&n->cfg);
	n->cfg.discord_url = n->cfg.telegram_token = n->cfg.telegram_chat_id = NULL;
	n->cfg.telegram_api = n->cfg.json_url = NULL;
	n->clock = clock;
	if (set(cfg->discord_url))
		n->url[CH_DISCORD] = strdup(cfg->discord_url);
	if (set(cfg->telegram_token) && set(cfg->telegram_chat_id)) {
		const char *base =
		    set(cfg->telegram_api) ? cfg->telegram_api : "https://api.telegram.org";
		size_t len = strlen(base) + strlen(cfg->telegram_token) + 32;
		n->url[CH_TELEGRAM] = malloc(len);
		if (n->url[CH_TELEGRAM])
			snprintf(n->url[CH_TELEGRAM], len, "%s/bot%s/sendMessage", base,
			         cfg->telegram_token);
		n->cfg.telegram_chat_id = strdup(cfg->telegram_chat_id);
	}
	if (set(cfg->json_url))
		n->url[CH_JSON] = strdup(cfg->json_url);
	n->q = calloc((size_t)n->cfg.queue_cap, sizeof(item));
	pthread_mutex_init(&n->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (!n->q) {
		notifier_free(n);
		return NULL;
	}
	pthread_once(&curl_once, curl_init);
	return n;
}

int notifier_channels(const notifier *n)
{
	int c = 0;
	for (int i = 0; n && i < CH__MAX; i++)
		c += n->url[i] != NULL;
	return c;
}

static char *payload(notifier *n, int ch, const char *event, const char *text, const json_t *order,
                     const json_t *decision, int64_t at_ms)
{
	json_t *j;
	if (ch == CH_DISCORD) {
		j = json_pack("{s:s}", "content", text);
	} else if (ch == CH_TELEGRAM) {
		j = json_pack("{s:s,s:s}", "chat_id", n->cfg.telegram_chat_id, "text", text);
	} else {
		char at[32];
		kst_iso8601(at_ms, at, sizeof(at));
		j = json_pack("{s:s,s:s,s:s}", "event", event, "at", at, "text", text);
		if (j && order)
			json_object_set_new(j, "order", json_deep_copy(order));
		if (j && decision)
			json_object_set_new(j, "decision", json_deep_copy(decision));
	}
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return s;
}

int notify_post(notifier *n, const char *event, const char *text, const json_t *order,
                const json_t *decision)
{
	if (!n || !notifier_channels(n))
		return -1;
	int64_t at = n->clock ? kclock_now_ms(n->clock) : real_ms();
	for (int ch = 0; ch < CH__MAX; ch++) {
		if (!n->url[ch])
			continue;
		char *body = payload(n, ch, event, text, order, decision, at);
		if (!body)
			continue;
		pthread_mutex_lock(&n->mu);
		if (n->count == n->cfg.queue_cap) { /* full: the oldest goes */
			free(n->q[n->head].body);
			n->head = (n->head + 1) % n->cfg.queue_cap;
			n->count--;
			n->st.dropped++;
		}
		item *it = &n->q[(n->head + n->count) % n->cfg.queue_cap];
		it->ch = ch;
		it->body = body;
		it->attempts = 0;
		it->due_mono = 0;
		n->count++;
		n->st.queued++;
		pthread_cond_broadcast(&n->cv);
		pthread_mutex_unlock(&n->mu);
	}
	return 0;
}

/* ms until channel ch may send again under the per-minute cap (0: now). */
static int64_t rate_wait(const notifier *n, int ch, int64_t now)
{
	if (n->sent_n[ch] < n->cfg.per_minute)
		return 0;
	int64_t oldest = n->sent_at[ch][n->sent_pos[ch]];
	return oldest + 60000 > now ? oldest + 60000 - now : 0;
}

static void rate_note(notifier *n, int ch, int64_t now)
{
	int cap = n->cfg.per_minute;
	if (n->sent_n[ch] < cap) {
		n->sent_at[ch][(n->sent_pos[ch] + n->sent_n[ch]) % cap] = now;
		n->sent_n[ch]++;
	} else {
		n->sent_at[ch][n->sent_pos[ch]] = now;
		n->sent_pos[ch] = (n->sent_pos[ch] + 1) % cap;
	}
}

static size_t discard(char *p, size_t sz, size_t nm, void *u)
{
	(void)p;
	(void)u;
	return sz * nm;
}

/* One POST. 0 delivered; 1 retryable failure; -1 permanent (4xx but 429). */
static int post_once(notifier *n, int ch, const char *body, char *why, size_t wl)
{
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(why, wl, "no curl handle");
		return 1;
	}
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, n->url[ch]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)n->cfg.timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)n->cfg.timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		/* curl's message names no URL; the URL is the secret */
		snprintf(why, wl, "%s", curl_easy_strerror(rc));
		return 1;
	}
	if (status >= 200 && status < 300)
		return 0;
	snprintf(why, wl, "HTTP %ld", status);
	return status == 429 || status >= 500 ? 1 : -1;
}

static void abs_deadline(struct timespec *ts, int64_t mono_target)
{
	ts->tv_sec = (time_t)(mono_target / 1000);
	ts->tv_nsec = (long)((mono_target % 1000) * 1000000L);
}

/* Index (from head) of the first copy that may go now, or -1 with *wait_ms
 * set to when the next one will. Caller holds mu. */
static int next_due(notifier *n, int64_t now, int64_t *wait_ms)
{
	*wait_ms = 60000;
	for (int i = 0; i < n->count; i++) {
		item *it = &n->q[(n->head + i) % n->cfg.queue_cap];
		int64_t w = it->due_mono > now ? it->due_mono - now : 0;
		int64_t r = rate_wait(n, it->ch, now);
		if (r > w)
			w = r;
		if (w == 0)
			return i;
		if (w < *wait_ms)
			*wait_ms = w;
	}
	return -1;
}

static void remove_at(notifier *n, int i)
{
	int cap = n->cfg.queue_cap;
	for (int k = i; k > 0; k--) /* keep order: shift the earlier ones up */
		n->q[(n->head + k) % cap] = n->q[(n->head + k - 1) % cap];
	n->head = (n->head + 1) % cap;
	n->count--;
}

static void *sender(void *arg)
{
	notifier *n = arg;
	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		int64_t now = mono_ms(), wait;
		int i = next_due(n, now, &wait);
		if (i < 0) {
			struct timespec ts;
			abs_deadline(&ts, now + wait);
			pthread_cond_timedwait(&n->cv, &n->mu, &ts);
			continue;
		}
		item it = n->q[(n->head + i) % n->cfg.queue_cap];
		remove_at(n, i);
		rate_note(n, it.ch, now);
		n->busy = 1;
		pthread_mutex_unlock(&n->mu);

		char why[160] = "";
		int r = post_once(n, it.ch, it.body, why, sizeof(why));
		it.attempts++;

		pthread_mutex_lock(&n->mu);
		n->busy = 0;
		if (r == 0) {
			n->st.sent++;
			free(it.body);
		} else if (r > 0 && it.attempts <= n->cfg.retries && !n->stop) {
			n->st.retried++;
			it.due_mono =
			    mono_ms() + (int64_t)n->cfg.backoff_ms * (1 << (it.attempts - 1));
			if (n->count < n->cfg.queue_cap) {
				n->q[(n->head + n->count) % n->cfg.queue_cap] = it;
				n->count++;
			} else {
				n->st.dropped++;
				free(it.body);
			}
		} else {
			n->st.failed++;
			free(it.body);
			klogf(KLOG_WARN, "notify",
			      "%s: message not delivered after %d attempt(s): %s", ch_name[it.ch],
			      it.attempts, why);
		}
		pthread_cond_broadcast(&n->cv);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

int notifier_start(notifier *n)
{
	if (!n)
		return -1;
	pthread_mutex_lock(&n->mu);
	int rc = 0;
	if (!n->running) {
		n->stop = 0;
		rc = pthread_create(&n->thread, NULL, sender, n);
		n->running = rc == 0;
	}
	pthread_mutex_unlock(&n->mu);
	return rc ? -1 : 0;
}

void notifier_free(notifier *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	int was = n->running;
	n->stop = 1;
	pthread_cond_broadcast(&n->cv);
	pthread_mutex_unlock(&n->mu);
	if (was)
		pthread_join(n->thread, NULL);
	for (int i = 0; n->q && i < n->count; i++)
		free(n->q[(n->head + i) % n->cfg.queue_cap].body);
	free(n->q);
	for (int i = 0; i < CH__MAX; i++)
		free(n->url[i]);
	free((char *)n->cfg.telegram_chat_id);
	pthread_cond_destroy(&n->cv);
	pthread_mutex_destroy(&n->mu);
	free(n);
}

void notifier_stats_get(notifier *n, notify_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	*out = n->st;
	out->waiting = n->count + n->busy;
	pthread_mutex_unlock(&n->mu);
}

int notifier_flush(notifier *n, int timeout_ms)
{
	if (!n)
		return 0;
	int64_t end = mono_ms() + timeout_ms;
	pthread_mutex_lock(&n->mu);
	while ((n->count || n->busy) && mono_ms() < end) {
		struct timespec ts;
		abs_deadline(&ts, mono_ms() + 50);
		pthread_cond_timedwait(&n->cv, &n->mu, &ts);
	}
	int r = n->count || n->busy ? -1 : 0;
	pthread_mutex_unlock(&n->mu);
	return r;
}
