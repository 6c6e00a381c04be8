/* kis_internal.h — pieces of the KIS client shared between its files and
 * exercised directly by the unit tests (tests/kis/). Not for other layers. */
#ifndef KIS_INTERNAL_H
#define KIS_INTERNAL_H

#include "kis.h"

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* ---- numbers (kis_num.c) ---- */

/* Trimmed copy of s (spaces, tabs, CR/LF) into buf; returns buf. */
char *kis_trim_copy(const char *s, char *buf, size_t cap);
/* Integer as KIS writes it: optional spaces, sign, digits, and an all-zero
 * fraction ("12.00"). 0 on success, -1 on empty, garbage or overflow. */
int kis_parse_i64(const char *s, int64_t *out);
/* Decimal as KIS writes it ("135440.2517", "-1.36"): no exponents, hex,
 * inf or nan. 0 on success, -1 otherwise. */
int kis_parse_f64(const char *s, double *out);

/* Field reader over one JSON object: remembers the first bad field so a
 * whole row is read in straight-line code and checked once. */
typedef struct kis_rd {
	const json_t *obj;
	const char *bad; /* first missing/malformed required field */
} kis_rd;

/* Case-insensitive member lookup (order replies mix key cases). */
json_t *kis_json_get(const json_t *obj, const char *key);
int64_t kis_rd_i64(kis_rd *r, const char *key);
/* Missing, null or blank → 0; present but malformed still marks r->bad. */
int64_t kis_rd_i64_opt(kis_rd *r, const char *key);
double kis_rd_f64(kis_rd *r, const char *key);
double kis_rd_f64_opt(kis_rd *r, const char *key);
/* Trimmed string into buf; required variant marks r->bad when missing. */
void kis_rd_str(kis_rd *r, const char *key, char *buf, size_t cap);
void kis_rd_str_opt(kis_rd *r, const char *key, char *buf, size_t cap);

/* ---- classification (kis_classify.c) ---- */

typedef enum kis_class {
	KIS_CL_OK = 0,
	KIS_CL_EMPTY,      /* KIOK0560: no data, a successful empty answer */
	KIS_CL_TOKEN,      /* EGW00121/00122/00123: drop the token, re-issue, retry once */
	KIS_CL_TOKEN_RATE, /* EGW00133: token issuance more than once a minute */
	KIS_CL_RATE,       /* EGW00201: not processed, may be resent */
	KIS_CL_TRANSIENT,  /* EGW00001/00002, non-JSON 5xx */
	KIS_CL_TIMEOUT,    /* EGW00301/00302 */
	KIS_CL_CONFIG,     /* credentials / account refused */
	KIS_CL_REJECTED,   /* business refusal */
	KIS_CL_BAD_REPLY,  /* not a KIS answer */
	KIS_CL__MAX
} kis_class;

/* Classify one upstream reply. Always parses the body whatever the status;
 * oauth selects the /oauth2 error form (error_code/error_description).
 * Fills err->http_status, msg_cd, msg1 (trimmed) and err->status for the
 * failure classes; *json_out (may be NULL) receives the parsed object for
 * the caller to json_decref, or NULL when the body is not a JSON object. */
kis_class kis_classify(long http_status, const char *body, size_t len, int oauth, json_t **json_out,
                       kis_error *err);
/* The kis_status a class ends as when it is not retried. */
kis_status kis_class_status(kis_class cl);
const char *kis_class_name(kis_class cl);

/* ---- tr_id mapping (kis_client.c) ---- */

typedef enum kis_tr {
	KIS_TR_PRICE = 0,
	KIS_TR_DAILY_CHART,
	KIS_TR_BALANCE,
	KIS_TR_PSBL_ORDER,
	KIS_TR_CCLD_RECENT,
	KIS_TR_CCLD_OLD,
	KIS_TR_ORDER_SELL,
	KIS_TR_ORDER_BUY,
	KIS_TR_ORDER_RVSECNCL,
	KIS_TR_PSBL_RVSECNCL,
	KIS_TR_HOLIDAY,
	KIS_TR__MAX
} kis_tr;

/* tr_id for the environment into buf (>= 16 bytes); NULL when the TR does
 * not exist there (real-only TRs in virtual). */
const char *kis_tr_id(kis_tr tr, int real, int old_tr_ids, char *buf, size_t cap);

/* hex SHA-256 prefix (32 hex chars) of app key, environment and base URL. */
int kis_key_id(const char *app_key, int real, const char *base_url, char *out, size_t cap);

/* ---- limiter (kis_limiter.c) ---- */

typedef enum kis_lclass { KIS_LC_ORDER = 0, KIS_LC_QUERY = 1, KIS_LC__MAX } kis_lclass;

typedef struct kis_limiter kis_limiter;

/* At most per_sec grants in any window_ms (sliding, real monotonic time). */
kis_limiter *kis_limiter_new(int per_sec, int window_ms);
void kis_limiter_free(kis_limiter *l);
/* Waits its FIFO turn within its class (orders ahead of queries) for at
 * most wait_ms. 0 when granted; -1 when the wait ran out (*retry_after_s
 * says roughly when to come back). */
int kis_limiter_acquire(kis_limiter *l, kis_lclass cls, int wait_ms, int *retry_after_s);
/* Same, also reporting the mono_ms() instant the slot was taken (tests
 * check the window against the limiter's own clock). */
int kis_limiter_acquire_at(kis_limiter *l, kis_lclass cls, int wait_ms, int *retry_after_s,
                           int64_t *granted_ms);
/* Holds every grant while paused (waiters keep their places and their
 * deadlines); used to line up waiters deterministically. */
void kis_limiter_pause(kis_limiter *l, int paused);
/* Waiters currently queued in a class. */
int kis_limiter_queued(kis_limiter *l, kis_lclass cls);

/* ---- client internals ---- */

typedef struct kis_http_resp {
	long status;
	char *body;
	size_t len;
	char tr_cont[4];
} kis_http_resp;

struct kis_token_state {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC */
	int loaded;
	int issuing;
	uint64_t gen;       /* completed issuance attempts */
	kis_error last_err; /* outcome of the last failed attempt */
	char token[2048];
	int64_t expires_ms; /* KIS (possibly fake) clock */
	int64_t issued_real_ms;
	int64_t blocked_until_real_ms; /* after EGW00133 */
};

struct kis_client {
	kis_config cfg; /* strings below are owned copies */
	char *base_url, *app_key, *app_secret;
	char cano[16], acnt_prdt_cd[4];
	char key_id[40];

	void *share; /* CURLSH */
	pthread_mutex_t share_mu[8];

	pthread_mutex_t pool_mu; /* idle easy handles */
	void **pool;
	size_t pool_n, pool_cap;

	kis_limiter *limiter;
	struct kis_token_state tok;

	pthread_mutex_t stats_mu;
	kis_stats stats;
};

int64_t kis_now_ms(const kis_client *c);
void kis_stats_add(kis_client *c, uint64_t *field, uint64_t n);
void kis_thread_calls_inc(void);
void kis_err_set(kis_error *err, kis_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Token manager (kis_token.c). Copies the current token into buf,
 * issuing one when needed. */
int kis_token_get(kis_client *c, char *buf, size_t cap, kis_error *err);
/* Forget `bad` if it is still the held token (EGW00121/00123). */
void kis_token_drop(kis_client *c, const char *bad);
void kis_token_state_init(struct kis_token_state *t);
void kis_token_state_destroy(struct kis_token_state *t);

/* Transport (kis_http.c). One HTTP exchange, no policy. Returns 0 when a
 * reply arrived (any status), else a kis_status (TRANSIENT / TIMEOUT /
 * INTERNAL) with err->sent set when the request may have left. */
typedef struct kis_http_req {
	const char *method; /* "GET" or "POST" */
	const char *path;
	const char *query;   /* encoded, without '?'; may be NULL */
	const char *body;    /* POST JSON */
	const char *tr_id;   /* NULL: /oauth2 call, no KIS headers */
	const char *tr_cont; /* NULL: header not sent */
	const char *token;
	int no_reuse;    /* fresh connection: no silent re-send by libcurl */
	int app_headers; /* appkey/appsecret without a tr_id (/uapi/hashkey) */
} kis_http_req;
int kis_http_do(kis_client *c, const kis_http_req *req, kis_http_resp *resp, kis_error *err);
void kis_http_resp_free(kis_http_resp *r);
int kis_http_init(kis_client *c, char *errbuf, size_t errlen);
void kis_http_cleanup(kis_client *c);

/* Query-string builder: appends "&key=value" percent-encoded. */
typedef struct kis_qs {
	char *s;
	size_t len, cap;
	int oom;
} kis_qs;
void kis_qs_add(kis_qs *q, const char *key, const char *value);
void kis_qs_addi(kis_qs *q, const char *key, int64_t value);
void kis_qs_free(kis_qs *q);

/* Policy layer (kis_http.c): limiter, token, one exchange, classification,
 * retries. On success *json is the reply object (caller decrefs) and
 * resp_tr_cont the response tr_cont header. */
typedef enum kis_kind { KIS_READ = 0, KIS_ORDER = 1 } kis_kind;
typedef struct kis_call {
	kis_kind kind;
	const char *method, *path, *query, *body, *tr_id, *tr_cont;
} kis_call;
int kis_call_do(kis_client *c, const kis_call *call, json_t **json, char resp_tr_cont[4],
                kis_error *err);
/* The same; a failed call that got a JSON reply from KIS also leaves it in
 * *reply (caller decrefs; NULL when none), for callers that relay KIS's own
 * answer (kis_raw_call). */
int kis_call_do_keep(kis_client *c, const kis_call *call, json_t **json, char resp_tr_cont[4],
                     json_t **reply, kis_error *err);

/* Registers kis/'s metric families (common/metrics.h), so /metrics lists
 * them before the first call; the token counter is shared with kis_token.c. */
struct km_family;
void kis_metrics_init(void);
struct km_family *kis_m_token_issuances(void);

#endif
