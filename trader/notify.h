/* notify.h — outgoing notifications: a Discord-compatible webhook
 * ({"content": text}), Telegram (bot token + chat id, sendMessage) and a
 * generic JSON webhook ({"event","at","order"?,"decision"?,"text"}), any
 * combination.
 *
 * Callers only enqueue (a mutex and a copy, never I/O), so a dead or
 * hanging endpoint can never block or slow trading. One background thread
 * sends, with a per-attempt timeout, bounded retries with exponential
 * backoff, and a rate cap per minute; when the queue is full the oldest
 * message is dropped and counted. URLs and tokens are secrets: they are
 * never logged (a failure is logged as "discord: HTTP 500", say).
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <jansson.h>
#include <stdint.h>

#include "kclock.h"

/* Defaults of notify_config, named once (kisgw's settings table uses them). */
#define NOTIFY_DEFAULT_TIMEOUT_MS 5000
#define NOTIFY_DEFAULT_RETRIES    3
#define NOTIFY_DEFAULT_PER_MINUTE 20
#define NOTIFY_DEFAULT_BACKOFF_MS 1000
#define NOTIFY_DEFAULT_QUEUE_CAP  256

typedef struct notify_config {
	const char *discord_url;      /* NULL/"": off */
	const char *telegram_token;   /* with telegram_chat_id */
	const char *telegram_chat_id; /* NULL/"": off */
	const char *telegram_api;     /* base URL, default https://api.telegram.org */
	const char *json_url;         /* NULL/"": off */
	int timeout_ms;               /* per attempt */
	int retries;                  /* extra attempts after a failure; -1: none */
	int backoff_ms;               /* first retry delay (doubles) */
	int per_minute;               /* messages per minute and channel */
	int queue_cap;                /* messages waiting */
} notify_config;

/* Fills unset (zero) fields with the defaults above. */
void notify_config_defaults(notify_config *cfg);

typedef struct notifier notifier;

/* Copies the configuration; clock (borrowed) stamps "at". NULL on failure. */
notifier *notifier_new(const notify_config *cfg, kclock *clock);
/* Starts the sender thread. 0 or -1. */
int notifier_start(notifier *n);
/* Stops the sender (an attempt in flight finishes or times out) and frees. */
void notifier_free(notifier *n);

/* Channels configured (0: notifications are off). */
int notifier_channels(const notifier *n);
/* Queues one message for every channel. order and decision (borrowed, may be
 * NULL) go only to the JSON webhook. Never blocks on I/O. 0 queued, -1 when
 * no channel is configured. */
int notify_post(notifier *n, const char *event, const char *text, const json_t *order,
                const json_t *decision);

typedef struct notify_stats {
	uint64_t queued, sent, failed, retried, dropped;
	int waiting;
} notify_stats;
void notifier_stats_get(notifier *n, notify_stats *out);
/* Blocks until the queue is empty and nothing is in flight, or timeout_ms of
 * real time passed (tests). 0 when drained. */
int notifier_flush(notifier *n, int timeout_ms);

#endif
