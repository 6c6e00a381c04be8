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
	KIS_CL_EMPTY,        /* KIOK0560: no data, a successful empty answer */
	KIS_CL_TOKEN,        /* EGW00121/00122/00123: drop the token, re-issue, retry once */
	KIS_CL_TOKEN_RATE,   /* EGW00133: token issuance more than once a minute */
	KIS_CL_RATE,         /* EGW00201/00215: not processed, may be resent */
	KIS_CL_TRANSIENT,    /* EGW00001/00002/00300, unknown EGW, non-JSON 5xx */
	KIS_CL_TIMEOUT,      /* EGW00301/00302 */
	KIS_CL_CONFIG,       /* credentials / account refused */
	KIS_CL_REJECTED,     /* business refusal (a business-family code) */
	KIS_CL_UNKNOWN_CODE, /* business refusal meaning "no such stock" */
	KIS_CL_BAD_REPLY,    /* not a KIS answer */
	KIS_CL__MAX
} kis_class;

/* Classify one upstream reply. Always parses the body whatever the status;
 * oauth selects the /oauth2 error form (error_code/error_description).
 * Fills err->http_status, msg_cd, msg1 (trimmed) and err->status for the
 * failure classes; *json_out (may be NULL) receives the parsed object for
 * the caller to json_decref, or NULL when the body is not a JSON object. */
kis_class kis_classify(long http_status, const char *body, size_t len, int oauth, json_t **json_out,
                       kis_error *err);
/* One line of the table of known codes (kis_classify.c). */
typedef struct kis_code_info {
	const char *code;
	kis_class cl;
	const char *source;  /* where the meaning comes from */
	const char *meaning; /* in English */
} kis_code_info;
/* The table of known codes; returns its length. */
size_t kis_code_table(const kis_code_info **out);

/* The kis_status a class ends as when it is not retried. */
kis_status kis_class_status(kis_class cl);
const char *kis_class_name(kis_class cl);

/* ---- the KIS calls (kis_trs.def, table in kis_client.c) ---- */

typedef enum kis_tr {
#define KIS_TR(name, ...) KIS_TR_##name,
#include "kis_trs.def"
#undef KIS_TR
	KIS_TR__MAX
} kis_tr;

typedef enum kis_paging {
	KIS_PAGING_NONE = 0,
	KIS_PAGING_CTX100, /* tr_cont + CTX_AREA_FK100/NK100 (account TRs) */
	KIS_PAGING_CTX,    /* tr_cont + CTX_AREA_FK/NK (chk-holiday) */
	KIS_PAGING_DATE,   /* end-date paging (daily chart) */
} kis_paging;

/* One line of kis_trs.def. */
typedef struct kis_tr_def {
	const char *name;        /* "PRICE" */
	int order;               /* KIND ORDER: fresh connection, no read retries */
	const char *path;        /* request path */
	const char *id[2][2];    /* [real][old_tr_ids]; NULL where it does not exist */
	int real_only;           /* KIS_E_UNSUPPORTED in virtual */
	kis_paging paging;       /* how its pages are followed */
	int page_rows[2];        /* [real] rows per page, 0 when not paged */
	const char *rows_member; /* "output1" / "output" / "output2", NULL: not a list */
} kis_tr_def;

/* The table line of tr; NULL when out of range. */
const kis_tr_def *kis_tr_get(kis_tr tr);
/* tr_id for the environment into buf (>= 16 bytes); NULL when the TR does
 * not exist there (real-only TRs in virtual). */
const char *kis_tr_id(kis_tr tr, int real, int old_tr_ids, char *buf, size_t cap);

/* hex SHA-256 prefix (32 hex chars) of app key, environment and base URL. */
int kis_key_id(const char *app_key, int real, const char *base_url, char *out, size_t cap);

/* ---- limiter (kis_limiter.c) ---- */

/* Orders first, then queries, then background work (the auto-trade job):
 * a class is served only while no higher class waits. */
typedef enum kis_lclass {
	KIS_LC_ORDER = 0,
	KIS_LC_QUERY = 1,
	KIS_LC_BACKGROUND = 2,
	KIS_LC__MAX
} kis_lclass;

typedef struct kis_limiter kis_limiter;

/* At most per_sec calls in any window_ms (sliding, real monotonic time). */
kis_limiter *kis_limiter_new(int per_sec, int window_ms);
void kis_limiter_free(kis_limiter *l);
/* Waits its FIFO turn within its class (orders, queries, background) for at
 * most wait_ms. 0 when granted; -1 when the wait ran out (*retry_after_s
 * says roughly when to come back). */
int kis_limiter_acquire(kis_limiter *l, kis_lclass cls, int wait_ms, int *retry_after_s);
/* Same, also reporting the mono_ms() instant the slot was taken (tests
 * check the window against the limiter's own clock). */
int kis_limiter_acquire_at(kis_limiter *l, kis_lclass cls, int wait_ms, int *retry_after_s,
                           int64_t *granted_ms);
/* The same wait, but the slot stays in flight until kis_limiter_done(slot):
 * the call counts against the window from its grant until one window after
 * its answer (KIS counts arrivals, which lie somewhere in between). *slot is
 * -1 when the wait ran out. */
int kis_limiter_take(kis_limiter *l, kis_lclass cls, int wait_ms, int *retry_after_s,
                     int64_t *granted_ms, int *slot);
void kis_limiter_done(kis_limiter *l, int slot);
/* Holds every grant while paused (waiters keep their places and their
 * deadlines); used to line up waiters deterministically. */
void kis_limiter_pause(kis_limiter *l, int paused);
/* Waiters currently queued in a class. */
int kis_limiter_queued(kis_limiter *l, kis_lclass cls);
/* KIS refused a call for its rate (EGW00201/EGW00215): multiplicative
 * decrease of the current limit (at most once per window). */
void kis_limiter_slow_down(kis_limiter *l);
/* Ceiling and current limit (calls per window). */
void kis_limiter_rate(kis_limiter *l, int *limit, int *current);

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
	kis_upstream upstream; /* under stats_mu */
};

int64_t kis_now_ms(const kis_client *c);
void kis_stats_add(kis_client *c, uint64_t *field, uint64_t n);
/* Record the outcome of one call for kis_upstream_get. */
void kis_upstream_note(kis_client *c, const kis_error *err);
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
 * retries. The TR's table line gives the path, the tr_id for the
 * environment, GET or POST (a body means POST) and the read/order policy;
 * a real-only TR in virtual is KIS_E_UNSUPPORTED without a request. On
 * success *json is the reply object (caller decrefs) and resp_tr_cont the
 * response tr_cont header. */
typedef struct kis_call {
	kis_tr tr;
	const char *query;   /* encoded, without '?'; may be NULL */
	const char *body;    /* POST JSON, NULL for a GET */
	const char *tr_cont; /* NULL: header not sent */
	/* A call that is not a line of kis_trs.def (kis_raw_call relays the
	 * caller's own): its own line (path, order) and tr_id; tr is ignored. */
	const kis_tr_def *raw;
	const char *raw_tr_id;
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

/* ---- shared by the call families (kis_list.c) ---- */

/* err, or local when err is NULL; zeroed either way. */
kis_error *kis_err_init(kis_error *err, kis_error *local);
/* KIS_E_BAD_REPLY naming the field (counted). */
int kis_bad_reply(kis_client *c, kis_error *err, const char *what);
/* A local failure st with message msg, nothing sent (counted). */
int kis_fail(kis_client *c, kis_error *err, kis_status st, const char *msg);
/* 6-7 alphanumerics (ETNs are Q + 6 digits). */
int kis_code_valid(const char *code);
/* YYYYMMDD / HHMMSS from a KIS string; -1 when malformed. */
int kis_ymd(const char *s);
int kis_hhmmss(const char *s);
/* An object, or the first element of a one-row array; NULL otherwise. */
const json_t *kis_obj_or_first(const json_t *v);
/* An order number read from a reply into the one normalised form
 * (krx_odno_norm: 10 digits, zero-padded), in place. */
void kis_odno_fix(char *buf, size_t cap);
/* 01 sell / 02 buy; KIS_SIDE_ANY when neither. */
kis_side kis_side_of(const char *sll_buy_dvsn_cd);

/* Growable array of fixed-size rows. */
typedef struct kis_vec {
	void *v;
	size_t n, cap, elem;
} kis_vec;
/* Appends one elem-sized item; 0, or -1 when out of memory (unchanged). */
int kis_vec_push(kis_vec *v, const void *item);

/* Row parser of a list TR: fills out (zeroed, elem bytes) from one row
 * object. so_far holds the rows accepted before it (for de-duplication).
 * Returns KIS_ROW_OK, KIS_ROW_SKIP (a filler row) or KIS_ROW_BAD with *bad
 * naming the offending field. */
enum { KIS_ROW_OK = 0, KIS_ROW_SKIP = 1, KIS_ROW_BAD = -1 };
typedef int (*kis_row_fn)(const json_t *row, void *out, const kis_vec *so_far, const char **bad);
static inline int kis_row_bad(const char **bad, const char *field)
{
	*bad = field;
	return KIS_ROW_BAD;
}
/* Optional per-page hook (e.g. a summary object beside the rows); KIS_OK or
 * a kis_status. */
typedef int (*kis_page_fn)(kis_client *c, void *ud, const json_t *page, kis_error *err);

typedef struct kis_list_req {
	kis_tr tr;           /* its table line says how to page and where the rows are */
	const kis_qs *query; /* the call's own parameters, without continuation keys */
	kis_row_fn row;      /* one row into a row struct */
	kis_page_fn page;    /* NULL: rows only */
	void *page_ud;
} kis_list_req;

/* The generic paged-list walker: follows tr_cont F/M (more) vs D/E (last)
 * with the continuation keys sent back exactly as received, parses every
 * row with req->row into rows (elem set by the caller) and counts *pages.
 * On failure rows is emptied (pages still counted). */
int kis_list_get(kis_client *c, const kis_list_req *req, kis_vec *rows, int *pages, kis_error *err);

#endif
