/* quotes.h — the short-lived quote cache with single-flight fetches. */
#ifndef GW_QUOTES_H
#define GW_QUOTES_H

#include <stddef.h>
#include <stdint.h>

#include "kclock.h"
#include "kis.h"

typedef struct quote_cache quote_cache;

quote_cache *quote_cache_new(int64_t ttl_ms);
void quote_cache_free(quote_cache *qc);
/* A quote for code, at most ttl_ms old; concurrent callers for one code share
 * one upstream call (and its error). A quote whose fetch completed at or
 * after since_mono (mono_ms; 0: none) is taken whatever its age: the caller
 * arrived while it was being fetched (a request that waited for a worker
 * shares the call it would have joined). *fetched_ms: the clock time of the
 * fetch. Returns 0 or -1 with err set. */
int quote_cache_get(quote_cache *qc, kis_client *kis, kclock *clock, const char *code,
                    int64_t since_mono, kis_quote *out, int64_t *fetched_ms, kis_error *err);
/* The GET /price reply body (JSON and a newline, malloc'd) of the cached
 * quote for code when it is fresh, without waiting for a fetch or starting
 * one: 0, or -1 (absent, stale, failed, or the cache off). */
int quote_cache_reply(quote_cache *qc, const char *code, char **body, size_t *len);

/* The trader's quote source (trader_quote_fn) over the gateway's cache;
 * ctx is the gw_app. The pre-checks read limits from it without a KIS call
 * when /price was asked a moment ago. */
int gw_quote_source(void *ctx, const char *code, kis_quote *q, kis_error *err);

#endif
