/* kis_http.c — transport (libcurl) and the retry policy.
 *
 * Connections, DNS and TLS sessions are shared through one CURLSH per
 * client; easy handles live in a small pool so each calling thread uses
 * one handle at a time and a handle keeps its connection warm between
 * calls. Every request is bounded by connect_timeout_ms and timeout_ms.
 *
 * Policy (kis_call_do): every attempt goes through the limiter and takes a
 * token; the reply body is always classified. Reads retry transient
 * failures and EGW00201 with backoff (bounded by read_retries); orders are
 * re-sent only after EGW00201 (KIS did not take them), never after a
 * transient failure or a timeout, where err->sent tells the caller that
 * the order may exist. EGW00121/00123 drop the token and retry once.
 */
#include "kis_internal.h"

#include "kclock.h"
#include "metrics.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A KIS reply is a few kB (a balance page ~30 kB); anything past this is
 * not KIS and is cut off rather than buffered without end. */
#define KIS_MAX_BODY (8u << 20)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
	kis_client *c = ud;
	pthread_mutex_lock(&c->share_mu[(unsigned)data % 8]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
	kis_client *c = ud;
	pthread_mutex_unlock(&c->share_mu[(unsigned)data % 8]);
}

int kis_http_init(kis_client *c, char *errbuf, size_t errlen)
{
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK) {
		if (errbuf)
			snprintf(errbuf, errlen, "curl_global_init failed");
		return -1;
	}
	for (int i = 0; i < 8; i++)
		pthread_mutex_init(&c->share_mu[i], NULL);
	CURLSH *sh = curl_share_init();
	if (!sh) {
		if (errbuf)
			snprintf(errbuf, errlen, "curl_share_init failed");
		return -1;
	}
	curl_share_setopt(sh, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(sh, CURLSHOPT_USERDATA, c);
	curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	c->share = sh;
	return 0;
}

void kis_http_cleanup(kis_client *c)
{
	if (!c->share)
		return;
	for (size_t i = 0; i < c->pool_n; i++)
		curl_easy_cleanup(c->pool[i]);
	free(c->pool);
	c->pool = NULL;
	c->pool_n = c->pool_cap = 0;
	curl_share_cleanup(c->share);
	c->share = NULL;
	for (int i = 0; i < 8; i++)
		pthread_mutex_destroy(&c->share_mu[i]);
}

static CURL *handle_take(kis_client *c)
{
	CURL *h = NULL;
	pthread_mutex_lock(&c->pool_mu);
	if (c->pool_n > 0)
		h = c->pool[--c->pool_n];
	pthread_mutex_unlock(&c->pool_mu);
	if (h) {
		curl_easy_reset(h);
		return h;
	}
	return curl_easy_init();
}

static void handle_give(kis_client *c, CURL *h)
{
	pthread_mutex_lock(&c->pool_mu);
	if (c->pool_n == c->pool_cap) {
		size_t ncap = c->pool_cap ? c->pool_cap * 2 : 8;
		void **np = realloc(c->pool, ncap * sizeof *np);
		if (!np) {
			pthread_mutex_unlock(&c->pool_mu);
			curl_easy_cleanup(h);
			return;
		}
		c->pool = np;
		c->pool_cap = ncap;
	}
	c->pool[c->pool_n++] = h;
	pthread_mutex_unlock(&c->pool_mu);
}

typedef struct sink {
	kis_http_resp *r;
	size_t cap;
	int overflow;
} sink;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	sink *s = ud;
	size_t n = size * nmemb;
	if (s->r->len + n + 1 > KIS_MAX_BODY) {
		s->overflow = 1;
		return 0;
	}
	if (s->r->len + n + 1 > s->cap) {
		size_t ncap = s->cap ? s->cap : 4096;
		while (ncap < s->r->len + n + 1)
			ncap *= 2;
		char *nb = realloc(s->r->body, ncap);
		if (!nb)
			return 0;
		s->r->body = nb;
		s->cap = ncap;
	}
	memcpy(s->r->body + s->r->len, ptr, n);
	s->r->len += n;
	s->r->body[s->r->len] = '\0';
	return n;
}

/* Picks the tr_cont response header (case-insensitive name). */
static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
	kis_http_resp *r = ud;
	size_t n = size * nitems;
	if (n > 8 && strncasecmp(buf, "tr_cont:", 8) == 0) {
		size_t i = 8;
		while (i < n && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		size_t k = 0;
		while (i < n && buf[i] != '\r' && buf[i] != '\n' && buf[i] != ' ' &&
		       k < sizeof r->tr_cont - 1)
			r->tr_cont[k++] = buf[i++];
		r->tr_cont[k] = '\0';
	}
	return n;
}

void kis_http_resp_free(kis_http_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

static struct curl_slist *add_header(struct curl_slist *l, int *oom, const char *name,
                                     const char *value)
{
	char line[2560];
	if (value && value[0])
		snprintf(line, sizeof line, "%s: %s", name, value);
	else
		snprintf(line, sizeof line, "%s;", name); /* curl: empty header */
	struct curl_slist *nl = curl_slist_append(l, line);
	memset(line, 0, sizeof line);
	if (!nl) {
		*oom = 1;
		return l;
	}
	return nl;
}

static void free_headers(struct curl_slist *l)
{
	/* headers carry the token and the secret: wipe before freeing */
	for (struct curl_slist *p = l; p; p = p->next)
		memset(p->data, 0, strlen(p->data));
	curl_slist_free_all(l);
}

int kis_http_do(kis_client *c, const kis_http_req *req, kis_http_resp *resp, kis_error *err)
{
	memset(resp, 0, sizeof *resp);
	err->sent = 0;
	err->http_status = 0;
	size_t ulen =
	    strlen(c->base_url) + strlen(req->path) + (req->query ? strlen(req->query) : 0) + 3;
	char *url = malloc(ulen);
	CURL *h = handle_take(c);
	if (!url || !h) {
		free(url);
		if (h)
			curl_easy_cleanup(h);
		kis_err_set(err, KIS_E_INTERNAL, "out of memory");
		return KIS_E_INTERNAL;
	}
	snprintf(url, ulen, "%s%s%s%s", c->base_url, req->path,
	         req->query && req->query[0] ? "?" : "", req->query ? req->query : "");

	int oom = 0;
	struct curl_slist *hd = NULL;
	hd = add_header(hd, &oom, "content-type", "application/json; charset=utf-8");
	hd = add_header(hd, &oom, "accept", "application/json");
	if (req->tr_id) {
		char auth[2200];
		snprintf(auth, sizeof auth, "Bearer %s", req->token ? req->token : "");
		hd = add_header(hd, &oom, "authorization", auth);
		memset(auth, 0, sizeof auth);
		hd = add_header(hd, &oom, "appkey", c->app_key);
		hd = add_header(hd, &oom, "appsecret", c->app_secret);
		hd = add_header(hd, &oom, "tr_id", req->tr_id);
		hd = add_header(hd, &oom, "custtype", "P");
		if (req->tr_cont)
			hd = add_header(hd, &oom, "tr_cont", req->tr_cont);
	} else if (req->app_headers) {
		hd = add_header(hd, &oom, "appkey", c->app_key);
		hd = add_header(hd, &oom, "appsecret", c->app_secret);
	}
	hd = add_header(hd, &oom, "Expect", NULL); /* no 100-continue round trip */
	if (oom) {
		free_headers(hd);
		free(url);
		curl_easy_cleanup(h);
		kis_err_set(err, KIS_E_INTERNAL, "out of memory");
		return KIS_E_INTERNAL;
	}

	sink s = {resp, 0, 0};
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_SHARE, (CURLSH *)c->share);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->cfg.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->cfg.timeout_ms);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->cfg.verify_tls ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->cfg.verify_tls ? 2L : 0L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* what KIS's own samples speak (python requests); no HTTP/2 surprises */
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	/* the shared cache keeps only 4 idle connections per easy perform by
	 * default, so parallel callers would keep closing each other's */
	curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 64L);
	if (req->no_reuse) {
		/* libcurl silently re-sends a request whose reused connection
		 * died before any answer; an order must go out exactly once */
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	}
	if (strcmp(req->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
		                 (long)(req->body ? strlen(req->body) : 0));
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}

	kis_thread_calls_inc();
	kis_stats_add(c, &c->stats.requests, 1);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	long reqsize = 0;
	curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &reqsize);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	free_headers(hd);
	free(url);
	handle_give(c, h);

	if (rc == CURLE_OK) {
		resp->status = status;
		err->http_status = (int)status;
		err->sent = 1;
		return 0;
	}
	kis_http_resp_free(resp);
	resp->status = status;
	err->http_status = (int)status;
	/* Whether the request may have reached KIS: refused or unresolvable
	 * connections never carried it; past that, assume it did. */
	int sent = 1;
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	    rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_SSL_CONNECT_ERROR ||
	    rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_UNSUPPORTED_PROTOCOL ||
	    rc == CURLE_URL_MALFORMAT || reqsize == 0)
		sent = 0;
	err->sent = sent;
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		kis_err_set(err, KIS_E_TIMEOUT, "no answer from KIS in time (%s)",
		            sent ? "request sent" : "while connecting");
		return KIS_E_TIMEOUT;
	}
	if (s.overflow) {
		kis_err_set(err, KIS_E_BAD_REPLY, "reply larger than %u bytes", KIS_MAX_BODY);
		return KIS_E_BAD_REPLY;
	}
	kis_err_set(err, KIS_E_TRANSIENT, "connection to KIS failed: %s", curl_easy_strerror(rc));
	return KIS_E_TRANSIENT;
}

/* ---- query strings ---- */

static void qs_put(kis_qs *q, const char *s, size_t n)
{
	if (q->oom)
		return;
	if (q->len + n + 1 > q->cap) {
		size_t ncap = q->cap ? q->cap : 256;
		while (ncap < q->len + n + 1)
			ncap *= 2;
		char *ns = realloc(q->s, ncap);
		if (!ns) {
			q->oom = 1;
			return;
		}
		q->s = ns;
		q->cap = ncap;
	}
	memcpy(q->s + q->len, s, n);
	q->len += n;
	q->s[q->len] = '\0';
}

void kis_qs_add(kis_qs *q, const char *key, const char *value)
{
	if (q->len)
		qs_put(q, "&", 1);
	qs_put(q, key, strlen(key));
	qs_put(q, "=", 1);
	char *e = curl_easy_escape(NULL, value ? value : "", 0);
	if (!e) {
		q->oom = 1;
		return;
	}
	qs_put(q, e, strlen(e));
	curl_free(e);
}

void kis_qs_addi(kis_qs *q, const char *key, int64_t value)
{
	char b[32];
	snprintf(b, sizeof b, "%lld", (long long)value);
	kis_qs_add(q, key, b);
}

void kis_qs_free(kis_qs *q)
{
	free(q->s);
	memset(q, 0, sizeof *q);
}

/* ---- policy ---- */

static void sleep_ms(int64_t ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = {(time_t)(ms / 1000), (long)((ms % 1000) * 1000000L)};
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Backoff before re-sending: after EGW00201 at least two of our own
 * slots, growing per attempt; after a transient failure 100 ms doubling. */
static int64_t backoff_ms(const kis_client *c, kis_class cl, int attempt)
{
	int64_t ms;
	if (cl == KIS_CL_RATE) {
		int64_t slot = 1000 / (c->cfg.rate_per_sec > 0 ? c->cfg.rate_per_sec : 1);
		ms = (slot * 2 > 250 ? slot * 2 : 250) * (attempt + 1);
	} else {
		ms = 100LL << (attempt < 4 ? attempt : 4);
	}
	return ms > 2000 ? 2000 : ms;
}

static const char *path_leaf(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int finish(kis_client *c, kis_error *err, int st)
{
	err->status = st;
	if (st != KIS_OK)
		kis_stats_add(c, &c->stats.errors[(unsigned)st < KIS_E__MAX ? st : KIS_E_INTERNAL],
		              1);
	kis_upstream_note(c, err);
	return st;
}

/* A terminal failure's reply: kept for the caller when asked, else dropped. */
static void reply_keep(json_t **reply, json_t *j)
{
	if (reply && j) {
		json_decref(*reply);
		*reply = j;
	} else {
		json_decref(j);
	}
}

int kis_call_do(kis_client *c, const kis_call *call, json_t **json, char resp_tr_cont[4],
                kis_error *err)
{
	return kis_call_do_keep(c, call, json, resp_tr_cont, NULL, err);
}

static int call_do(kis_client *c, const kis_call *call, json_t **json, char resp_tr_cont[4],
                   json_t **reply, kis_error *err)
{
	*json = NULL;
	if (reply)
		*reply = NULL;
	if (resp_tr_cont)
		resp_tr_cont[0] = '\0';
	const kis_tr_def *def = call->raw ? call->raw : kis_tr_get(call->tr);
	char tr_id[32];
	if (!def || !def->path ||
	    (call->raw && (!call->raw_tr_id || strlen(call->raw_tr_id) >= sizeof tr_id))) {
		memset(err, 0, sizeof *err);
		kis_err_set(err, KIS_E_INTERNAL, "unknown KIS call");
		return finish(c, err, KIS_E_INTERNAL);
	}
	if (call->raw) {
		snprintf(tr_id, sizeof tr_id, "%s", call->raw_tr_id);
	} else if (!kis_tr_id(call->tr, c->cfg.real, c->cfg.old_tr_ids, tr_id, sizeof tr_id)) {
		memset(err, 0, sizeof *err);
		kis_err_set(err, KIS_E_UNSUPPORTED, "%s is not available in virtual",
		            path_leaf(def->path));
		return finish(c, err, KIS_E_UNSUPPORTED);
	}
	const int is_order = def->order;
	const int max_retries = c->cfg.read_retries;
	int retries = 0, token_retry = 0;
	char token[sizeof c->tok.token];

	for (;;) {
		memset(err, 0, sizeof *err);
		int ra = 0, slot;
		if (kis_limiter_take(c->limiter,
		                     kis_thread_is_background() ? KIS_LC_BACKGROUND
		                     : is_order                 ? KIS_LC_ORDER
		                                                : KIS_LC_QUERY,
		                     c->cfg.queue_wait_ms, &ra, NULL, &slot) != 0) {
			kis_stats_add(c, &c->stats.limiter_timeouts, 1);
			kis_err_set(err, KIS_E_BUSY, "local rate limit queue is full");
			err->retry_after_s = ra > 0 ? ra : 1;
			return finish(c, err, KIS_E_BUSY);
		}
		int rc = kis_token_get(c, token, sizeof token, err);
		if (rc != KIS_OK) {
			kis_limiter_done(c->limiter, slot);
			err->sent = 0;
			return finish(c, err, rc);
		}
		kis_http_req hr = {.method = call->body ? "POST" : "GET",
		                   .path = def->path,
		                   .query = call->query,
		                   .body = call->body,
		                   .tr_id = tr_id,
		                   .tr_cont = call->tr_cont,
		                   .token = token,
		                   .no_reuse = is_order};
		kis_http_resp resp;
		rc = kis_http_do(c, &hr, &resp, err);
		kis_limiter_done(c->limiter, slot); /* answered (or given up on) by now */
		if (rc != 0) {
			/* no reply: reads retry connection failures; orders never
			 * (EGW00201 is their only automatic resend) — err->sent
			 * tells the caller whether KIS may have the order */
			int may_retry = rc == KIS_E_TRANSIENT && retries < max_retries && !is_order;
			if (!may_retry) {
				memset(token, 0, sizeof token);
				return finish(c, err, rc);
			}
			sleep_ms(backoff_ms(c, KIS_CL_TRANSIENT, retries));
			retries++;
			kis_stats_add(c, &c->stats.retries, 1);
			continue;
		}
		json_t *j = NULL;
		kis_class cl = kis_classify(resp.status, resp.body, resp.len, 0, &j, err);
		if (resp_tr_cont)
			memcpy(resp_tr_cont, resp.tr_cont, sizeof resp.tr_cont);
		kis_http_resp_free(&resp);
		err->sent = 1;
		switch (cl) {
		case KIS_CL_OK:
		case KIS_CL_EMPTY:
			memset(token, 0, sizeof token);
			*json = j;
			err->status = KIS_OK;
			kis_upstream_note(c, err);
			if (cl == KIS_CL_EMPTY && resp_tr_cont)
				resp_tr_cont[0] = '\0'; /* nothing more to page */
			return KIS_OK;
		case KIS_CL_TOKEN:
			kis_token_drop(c, token);
			if (token_retry) {
				reply_keep(reply, j);
				memset(token, 0, sizeof token);
				err->sent = 0; /* refused at the KIS gateway, not processed */
				return finish(c, err, KIS_E_TOKEN);
			}
			json_decref(j);
			token_retry = 1;
			continue;
		case KIS_CL_RATE:
			kis_stats_add(c, &c->stats.rate_limited, 1);
			kis_limiter_slow_down(c->limiter); /* AIMD: KIS's window is tighter */
			err->sent = 0;                     /* EGW00201: KIS did not process it */
			if (retries >= (max_retries > 0 ? max_retries : 1) ||
			    (max_retries == 0 && !is_order)) {
				reply_keep(reply, j);
				memset(token, 0, sizeof token);
				err->retry_after_s = 1;
				return finish(c, err, KIS_E_RATE_LIMIT);
			}
			json_decref(j);
			sleep_ms(backoff_ms(c, cl, retries));
			retries++;
			kis_stats_add(c, &c->stats.retries, 1);
			continue;
		case KIS_CL_TRANSIENT:
			if (!is_order && retries < max_retries) {
				json_decref(j);
				sleep_ms(backoff_ms(c, cl, retries));
				retries++;
				kis_stats_add(c, &c->stats.retries, 1);
				continue;
			}
			reply_keep(reply, j);
			memset(token, 0, sizeof token);
			return finish(c, err, KIS_E_TRANSIENT);
		case KIS_CL_CONFIG:
			/* credentials/account refused at the gateway: not processed */
			reply_keep(reply, j);
			memset(token, 0, sizeof token);
			err->sent = 0;
			return finish(c, err, KIS_E_CONFIG);
		default:
			reply_keep(reply, j);
			memset(token, 0, sizeof token);
			return finish(c, err, kis_class_status(cl));
		}
	}
}

/* The call metrics, named once. */
static km_family *m_calls(void)
{
	return km_counter("kisgw_kis_calls_total",
	                  "KIS API calls by tr_id and outcome (ok, or the kis_status name).",
	                  "tr_id,outcome");
}

static km_family *m_call_seconds(void)
{
	return km_histogram("kisgw_kis_call_duration_seconds",
	                    "Time of a KIS call, limiter wait and retries included.", "tr_id", NULL,
	                    0);
}

km_family *kis_m_token_issuances(void)
{
	return km_counter("kisgw_kis_token_issuances_total",
	                  "tokenP calls made to KIS, by outcome (ok or the failure class).",
	                  "outcome");
}

void kis_metrics_init(void)
{
	m_calls();
	m_call_seconds();
	kis_m_token_issuances();
}

/* The policy above, counted: one kisgw_kis_calls_total per logical call
 * (retries inside it are one call) by tr_id and final outcome, and its
 * duration including limiter waits and backoff. */
int kis_call_do_keep(kis_client *c, const kis_call *call, json_t **json, char resp_tr_cont[4],
                     json_t **reply, kis_error *err)
{
	int64_t t0 = mono_us();
	int rc = call_do(c, call, json, resp_tr_cont, reply, err);
	char tr[32] = "";
	if (call->raw)
		snprintf(tr, sizeof tr, "%s", call->raw_tr_id ? call->raw_tr_id : "");
	else if (!kis_tr_id(call->tr, c->cfg.real, c->cfg.old_tr_ids, tr, sizeof tr))
		tr[0] = '\0'; /* a real-only TR asked in virtual */
	km_inc(m_calls(), 1, tr, rc == KIS_OK ? "ok" : kis_status_name((kis_status)rc));
	km_observe(m_call_seconds(), (double)(mono_us() - t0) / 1e6, tr);
	return rc;
}
