/* kis.h — client for the KIS Open API (domestic stocks), one object per account.
 *
 * Owns: libcurl handles (one per calling thread, connections shared), the
 * access-token manager (single flight, persisted through kis_token_store),
 * the rate limiter (orders ahead of queries, bounded waits) and the retry
 * policy (reads retry with backoff; orders are never re-sent except after
 * EGW00201, which means KIS did not take them).
 *
 * Includes nothing else of kisgw's: storage is reached only through the
 * callbacks in kis_token_store, time only through kis_config.now_ms.
 * Every function is thread-safe. Every number KIS sends as a string is
 * parsed with overflow checks; a reply that does not parse is KIS_E_BAD_REPLY.
 */
#ifndef KIS_H
#define KIS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum kis_status {
	KIS_OK = 0,
	KIS_E_TOKEN,        /* no usable token (issuance refused / cooling down): retry later */
	KIS_E_CONFIG,       /* credentials or account refused (EGW00103/00105/00206, OPSQ2000) */
	KIS_E_BUSY,         /* local limiter wait exceeded; the request never left */
	KIS_E_RATE_LIMIT,   /* EGW00201 still after the bounded retries; KIS did not process it */
	KIS_E_TRANSIENT,    /* EGW00001/00002, non-JSON 5xx, connection failure */
	KIS_E_TIMEOUT,      /* no answer in time, or EGW00301/00302 */
	KIS_E_REJECTED,     /* business refusal: msg_cd/msg1 say why */
	KIS_E_UNKNOWN_CODE, /* no such stock: a code of the "unknown product" list
	                     * (kis_classify.c) or an all-zero quote; for an order
	                     * a business refusal like KIS_E_REJECTED */
	KIS_E_BAD_REPLY,    /* reply that does not parse or lacks fields */
	KIS_E_UNSUPPORTED,  /* not available in this environment (e.g. virtual) */
	KIS_E_INTERNAL,     /* out of memory, libcurl setup */
	KIS_E__MAX
} kis_status;

typedef struct kis_error {
	kis_status status;
	int http_status;   /* upstream HTTP status of the last attempt, 0 if none */
	int retry_after_s; /* suggested wait for TOKEN / BUSY / RATE_LIMIT */
	int sent;          /* 1 when the request may have reached KIS (orders: outcome unknown) */
	char msg_cd[16];   /* KIS msg_cd or error_code, trimmed */
	char msg1[256];    /* KIS msg1 or error_description, trimmed */
} kis_error;

const char *kis_status_name(kis_status s);
/* 1 when KIS answered with a business refusal (the request was processed and
 * refused: an order is final `rejected`): KIS_E_REJECTED, KIS_E_UNKNOWN_CODE. */
int kis_status_refusal(kis_status s);

/* Token persistence: main wires these to storage. key_id identifies the
 * app key + environment + base URL (a hash; the key itself is never stored).
 * Times: expires_ms on the (possibly fake) KIS clock; issued_real_ms real. */
typedef struct kis_token_store {
	void *ctx;
	/* 0 and filled when a token is stored for key_id, -1 otherwise. */
	int (*load)(void *ctx, const char *key_id, char *token, size_t cap, int64_t *expires_ms,
	            int64_t *issued_real_ms);
	/* token == NULL drops the stored token (keeps issued_real_ms). */
	int (*save)(void *ctx, const char *key_id, const char *token, int64_t expires_ms,
	            int64_t issued_real_ms);
} kis_token_store;

/* Defaults of kis_config, named once (kisgw's settings table refers to
 * them; kis_config_defaults applies them to unset fields). Calls per
 * second: KIS documents 20 (real) and 2 (virtual). The real default is 19,
 * as python-kis uses: a slot counts from its grant until one window after
 * its answer, so however KIS's own window is aligned no window of arrivals
 * holds more than the ceiling; the limiter adapts below it when an account
 * holds less (users of simpler clients report 15-18 steadily). */
#define KIS_RATE_REAL_DEFAULT             19
#define KIS_RATE_VIRTUAL_DEFAULT          2
#define KIS_DEFAULT_QUEUE_WAIT_MS         20000 /* limiter wait before KIS_E_BUSY */
#define KIS_DEFAULT_CONNECT_TIMEOUT_MS    3000
#define KIS_DEFAULT_TIMEOUT_MS            10000 /* the whole request */
#define KIS_DEFAULT_TOKEN_MARGIN_S        600
#define KIS_DEFAULT_TOKEN_WAIT_MS         5000
#define KIS_DEFAULT_READ_RETRIES          3
#define KIS_DEFAULT_TOKEN_MIN_INTERVAL_MS 60000 /* KIS issues one token a minute */

typedef struct kis_config {
	const char *base_url;               /* e.g. https://openapivts.koreainvestment.com:29443 */
	const char *app_key;                /* 36 chars */
	const char *app_secret;             /* 180 chars; never logged */
	const char *account;                /* "12345678-01" */
	int real;                           /* 1: real-money tr_ids; 0: virtual */
	int old_tr_ids;                     /* 1: use the pre-2025 order/ccld tr_ids */
	int rate_per_sec;                   /* ceiling; 0: KIS_RATE_REAL_DEFAULT / _VIRTUAL_ */
	int queue_wait_ms;                  /* longest wait in the limiter before KIS_E_BUSY */
	int connect_timeout_ms;             /* 0: KIS_DEFAULT_CONNECT_TIMEOUT_MS, and so on */
	int timeout_ms;                     /* whole request */
	int token_margin_s;                 /* refresh this long before expiry */
	int token_wait_ms;                  /* how long a caller waits for a token */
	int read_retries;                   /* retries of a read after EGW00201/transient */
	int verify_tls;                     /* taken as given by kis_client_new: 0 = off */
	int token_min_interval_ms;          /* least real time between issuances */
	int64_t (*now_ms)(void *clock_ctx); /* epoch ms; NULL = real time */
	void *clock_ctx;
	kis_token_store store;
} kis_config;

typedef struct kis_client kis_client;

/* Fills unset (zero) fields of cfg with the defaults above. */
void kis_config_defaults(kis_config *cfg);
/* Copies what it needs from cfg. NULL with a reason in err on failure. */
kis_client *kis_client_new(const kis_config *cfg, char *err, size_t errlen);
void kis_client_free(kis_client *c);

/* Token state, for /healthz: expiry epoch ms (0 when none held). */
int64_t kis_token_valid_until(kis_client *c);
/* Make sure a token is held (issues one if needed). */
int kis_token_ensure(kis_client *c, kis_error *err);

/* Counters of the client's work (tests read them). */
typedef struct kis_stats {
	uint64_t requests;         /* HTTP requests sent upstream */
	uint64_t token_issued;     /* successful tokenP calls */
	uint64_t retries;          /* reads re-sent */
	uint64_t rate_limited;     /* EGW00201 seen */
	uint64_t limiter_timeouts; /* KIS_E_BUSY returned */
	uint64_t errors[KIS_E__MAX];
} kis_stats;
void kis_stats_get(kis_client *c, kis_stats *out);
/* The limiter's ceiling (rate_per_sec) and current rate, which drops after
 * EGW00201/EGW00215 and climbs back (AIMD); for /healthz. */
void kis_rate_get(kis_client *c, int *limit, int *current);

/* How the last upstream calls went, for /healthz: a call that reached KIS
 * and got an answer (a business refusal included) is ok; no reply, a
 * timeout, garbage or refused credentials is a failure. The local rate
 * limiter's 503 and "no token to be had" (shown as the token state) are
 * neither. Times are the client's clock (epoch ms), 0 when never. */
typedef struct kis_upstream {
	int64_t last_ok_ms, last_fail_ms;
	int fail_streak;     /* failed calls since the last ok one */
	kis_status last_err; /* status of the last failure */
	char reason[128];    /* its message */
} kis_upstream;
void kis_upstream_get(kis_client *c, kis_upstream *out);
/* Upstream HTTP requests made by the calling thread since the last reset
 * (per-request log field). */
unsigned kis_thread_calls(void);
void kis_thread_calls_reset(void);
/* Marks the calling thread's calls (reads and orders) as background work:
 * the limiter serves them only while no user request or order waits. */
void kis_thread_background(int on);
int kis_thread_is_background(void);

/* ---- quotations ---- */

typedef struct kis_quote {
	char code[8];
	int64_t price, open, high, low, prev_close, change, volume;
	int64_t upper_limit, lower_limit, tick;
	double change_rate; /* percent */
	/* 52-week high and low with their dates (YYYYMMDD); 0 when KIS left
	 * them out */
	int64_t w52_high, w52_low;
	int w52_high_date, w52_low_date;
} kis_quote;

/* inquire-price (FHKST01010100). */
int kis_price_get(kis_client *c, const char *code, kis_quote *out, kis_error *err);

typedef struct kis_bar {
	int date; /* YYYYMMDD */
	int64_t open, high, low, close, volume;
} kis_bar;

typedef struct kis_bars {
	kis_bar *bars; /* newest first */
	size_t n;
} kis_bars;

/* inquire-daily-itemchartprice (FHKST03010100), daily, adjusted, following
 * the 100-bar date paging back to from_ymd. */
int kis_daily_bars_get(kis_client *c, const char *code, int from_ymd, int to_ymd, kis_bars *out,
                       kis_error *err);
void kis_bars_free(kis_bars *b);

/* ---- account ---- */

/* Trading type of a holding row (trad_dvsn_name): KIS lists one row per
 * type for the same code, e.g. 009150 as 현금 and as 자기융자. */
typedef enum kis_trade_type {
	KIS_TT_CASH = 0,                      /* 현금 (also a blank name) */
	KIS_TT_MARGIN_LOAN,                   /* 자기융자: the broker's own margin loan */
	KIS_TT_SECURITIES_FINANCE_LOAN,       /* 유통융자: margin loan via securities finance */
	KIS_TT_STOCK_LOAN,                    /* 자기대주 */
	KIS_TT_SECURITIES_FINANCE_STOCK_LOAN, /* 유통대주 */
	KIS_TT_SECURED_LOAN,                  /* …담보대출 (loans against deposited shares) */
	KIS_TT_OTHER,                         /* any other name: trade_type_name says which */
	KIS_TT__MAX
} kis_trade_type;

/* Stable local name: "cash", "margin_loan", "securities_finance_loan",
 * "stock_loan", "securities_finance_stock_loan", "secured_loan", "other". */
const char *kis_trade_type_name(kis_trade_type t);

typedef struct kis_holding {
	char code[8];
	char name[128];
	kis_trade_type trade_type;
	char trade_type_name[64]; /* KIS's own name, trimmed ("현금", "자기융자") */
	int loan_date;            /* loan_dt as YYYYMMDD, 0 when none */
	int64_t qty, sellable_qty;
	double avg_price;
	int64_t price, purchase_amount, eval_amount, pnl;
	double pnl_rate;
} kis_holding;

typedef struct kis_balance {
	kis_holding *holdings; /* quantity-0 rows left out; a code once per trade type */
	size_t n;
	int64_t deposit, purchase_amount, eval_amount, pnl, total_eval, net_asset;
	int pages; /* KIS pages read */
} kis_balance;

/* inquire-balance, every page merged. */
int kis_balance_get(kis_client *c, kis_balance *out, kis_error *err);
void kis_balance_free(kis_balance *b);

typedef struct kis_buying_power {
	int64_t orderable_cash; /* ord_psbl_cash */
	int64_t max_buy_qty;    /* nrcvb_buy_qty (no margin) */
	int64_t max_buy_amount; /* nrcvb_buy_amt */
	int64_t calc_price;     /* psbl_qty_calc_unpr */
} kis_buying_power;

/* inquire-psbl-order. code NULL: cash only. price 0: market order. */
int kis_buying_power_get(kis_client *c, const char *code, int64_t price, kis_buying_power *out,
                         kis_error *err);

/* ---- orders ---- */

typedef enum kis_side { KIS_SIDE_ANY = 0, KIS_SIDE_SELL = 1, KIS_SIDE_BUY = 2 } kis_side;

typedef struct kis_order_req {
	char code[8];
	kis_side side;
	int64_t qty;
	int64_t price;      /* ORD_UNPR; 0 for types without a limit price */
	char ord_dvsn[3];   /* KIS ORD_DVSN; "": 01 when price is 0, else 00 */
	char venue[4];      /* EXCG_ID_DVSN_CD KRX / NXT / SOR; "": KRX */
	int64_t stop_price; /* CNDT_PRIC (ORD_DVSN 22); 0: not sent */
} kis_order_req;

typedef struct kis_order_ack {
	char odno[16]; /* ODNO, 10 digits */
	char orgno[8]; /* KRX_FWDG_ORD_ORGNO, 5 chars */
	int ord_time;  /* ORD_TMD as HHMMSS */
} kis_order_ack;

/* order-cash. Never retried except after EGW00201 (bounded). On failure
 * err->sent says whether KIS may have taken it. */
int kis_order_cash(kis_client *c, const kis_order_req *req, kis_order_ack *out, kis_error *err);
/* order-rvsecncl, cancel of the whole remaining quantity. */
int kis_order_cancel(kis_client *c, const char *orgno, const char *odno, kis_order_ack *out,
                     kis_error *err);

/* order-rvsecncl in full: amend (정정: new price / ORD_DVSN) or cancel qty
 * shares of one KIS order (qty 0: all that remains, QTY_ALL_ORD_YN Y). KIS
 * answers with a new ODNO; the original stays as orgn_odno in history. */
typedef struct kis_revise_req {
	char orgno[8];    /* KRX_FWDG_ORD_ORGNO of the leg */
	char odno[16];    /* ORGN_ODNO: the leg acted on */
	int cancel;       /* 1: 취소 (02), 0: 정정 (01) */
	char ord_dvsn[3]; /* amend: the type after it ("": 00) */
	int64_t qty;      /* 0: all remaining */
	int64_t price;    /* amend: ORD_UNPR */
	int64_t stop_price;
	char venue[4]; /* "": KRX */
} kis_revise_req;
int kis_order_revise(kis_client *c, const kis_revise_req *req, kis_order_ack *out, kis_error *err);

typedef struct kis_ccld_query {
	int from_ymd, to_ymd;
	kis_side side;    /* KIS_SIDE_ANY: both */
	const char *code; /* NULL: all */
	int ccld;         /* 0 all, 1 filled, 2 unfilled */
	const char *odno; /* NULL: all */
} kis_ccld_query;

typedef struct kis_ccld_row {
	int ord_date; /* YYYYMMDD */
	int ord_time; /* HHMMSS */
	char odno[16];
	char orgn_odno[16]; /* original order of a modify/cancel row, else "" */
	char orgno[8];      /* ord_gno_brno */
	char code[8];
	char name[128];
	kis_side side;
	int market;       /* 1 when ORD_DVSN 01 */
	char ord_dvsn[3]; /* ord_dvsn_cd */
	char venue[4];    /* excg_id_dvsn_Cd ("" when KIS leaves it out) */
	int cancel_row;   /* cncl_yn == "Y" */
	int64_t ord_qty, ord_price;
	int64_t filled_qty, filled_amount, canceled_qty, remaining_qty, rejected_qty;
	double avg_fill_price;
} kis_ccld_row;

typedef struct kis_ccld_list {
	kis_ccld_row *rows;
	size_t n;
	int pages;
} kis_ccld_list;

/* inquire-daily-ccld over every page; picks the >3-month TR for ranges
 * that start more than three months before today. */
int kis_daily_ccld_get(kis_client *c, const kis_ccld_query *q, kis_ccld_list *out, kis_error *err);
void kis_ccld_list_free(kis_ccld_list *l);

/* inquire-psbl-rvsecncl (TTTC0084R): orders that can still be cancelled,
 * every page. Real only: KIS_E_UNSUPPORTED in virtual, where
 * kis_daily_ccld_get with ccld = 2 (unfilled) is the substitute. */
typedef struct kis_open_order {
	char odno[16];
	char orgn_odno[16];
	char orgno[8]; /* ord_gno_brno */
	char code[8];
	char name[128];
	kis_side side;
	int market; /* ORD_DVSN 01 */
	char ord_dvsn[3];
	int ord_time; /* HHMMSS */
	int64_t ord_qty, ord_price, filled_qty;
	int64_t cancelable_qty; /* psbl_qty */
} kis_open_order;

typedef struct kis_open_orders {
	kis_open_order *rows;
	size_t n;
	int pages;
} kis_open_orders;

int kis_open_orders_get(kis_client *c, kis_open_orders *out, kis_error *err);
void kis_open_orders_free(kis_open_orders *o);

/* chk-holiday (CTCA0903R, real only; KIS_E_UNSUPPORTED in virtual). */
typedef struct kis_day {
	int ymd;
	int open; /* opnd_yn == "Y" */
} kis_day;

typedef struct kis_days {
	kis_day *days;
	size_t n;
} kis_days;

int kis_holidays_get(kis_client *c, int from_ymd, kis_days *out, kis_error *err);
void kis_days_free(kis_days *d);

/* ---- real-time execution notices (WebSocket) ---- */

/* POST /oauth2/Approval (body field `secretkey` = the app secret): the key a
 * WebSocket session subscribes with. Not rate-limited like /uapi calls (an
 * /oauth2 endpoint); one per connection attempt is plenty. */
int kis_approval_key_get(kis_client *c, char *out, size_t cap, kis_error *err);

/* What one H0STCNI0/H0STCNI9 record says (KIS_API.md §9.6). */
typedef enum kis_notice_kind {
	KIS_NOTICE_ACCEPTED = 0, /* CNTG_YN 1, RCTF 0: order accepted */
	KIS_NOTICE_MODIFIED,     /* CNTG_YN 1, RCTF 1: 정정 accepted (odno = the new order) */
	KIS_NOTICE_CANCELED,     /* CNTG_YN 1, RCTF 2: 취소 accepted (orgn_odno = the original) */
	KIS_NOTICE_REJECTED,     /* RFUS_YN 1 */
	KIS_NOTICE_EXPIRED,      /* ACPT_YN 3: IOC/FOK remainder cancelled by the exchange */
	KIS_NOTICE_FILL,         /* CNTG_YN 2: qty shares at price */
	KIS_NOTICE__MAX
} kis_notice_kind;

typedef struct kis_notice {
	kis_notice_kind kind;
	char hts_id[24];
	char account[16]; /* 10 chars: CANO + ACNT_PRDT_CD */
	char odno[16];
	char orgn_odno[16]; /* "" for a new order */
	char orgno[8];      /* BRNC_NO (= KRX_FWDG_ORD_ORGNO) */
	char code[16];
	kis_side side;
	int ord_dvsn;  /* ODER_KIND (ORD_DVSN code) */
	int cond;      /* ODER_COND: 0 none, 1 IOC, 2 FOK */
	int64_t qty;   /* fill: filled shares; otherwise the order quantity */
	int64_t price; /* fill: fill price; otherwise the order price */
	int64_t ord_qty;
	int hhmmss;
	int fields; /* layout: 26 (current) or 23 (older) */
} kis_notice;

typedef enum kis_decode_rc {
	KIS_DECODE_OK = 0,
	KIS_DECODE_BAD,    /* not a notice frame, bad Base64/cipher/padding or a bad field */
	KIS_DECODE_LAYOUT, /* decrypted, but a field count no known layout has */
} kis_decode_rc;

/* Decodes one data frame "1|H0STCNI0|NNN|<Base64>" (or a plain "0|…"
 * notice) with the 32-char key and 16-char iv of the subscribe reply:
 * Base64 → AES-256-CBC → PKCS#7 → '^' fields, N records of 26 or 23
 * fields (picked by the count). Pure: no I/O, no allocation visible to the
 * caller. Fills out[0..*n) (at most cap); why names the fault. */
kis_decode_rc kis_notice_decode(const char *frame, size_t len, const char *key, const char *iv,
                                kis_notice *out, size_t cap, size_t *n, char *why, size_t whylen);
const char *kis_notice_kind_name(kis_notice_kind k);

/* A JSON text frame from the WebSocket: a control reply or PINGPONG. */
typedef struct kis_ws_control {
	int pingpong; /* header.tr_id == PINGPONG: echo the text back */
	char tr_id[16], tr_key[32];
	char rt_cd[8], msg_cd[16], msg1[128];
	char key[40], iv[24]; /* body.output.key / iv (AES), "" when absent */
} kis_ws_control;
/* 0, or -1 when text is not such a JSON object. Pure. */
int kis_ws_control_parse(const char *text, size_t len, kis_ws_control *out);

typedef enum kis_ws_state {
	KIS_WS_OFF = 0,    /* not started / stopped */
	KIS_WS_CONNECTING, /* connecting or subscribing */
	KIS_WS_CONNECTED,  /* subscribed: notices flow */
	KIS_WS_POLLING,    /* not connected (or notices unusable): the poller carries on */
	KIS_WS__MAX
} kis_ws_state;
const char *kis_ws_state_name(kis_ws_state s);

typedef struct kis_ws_config {
	const char *url;    /* ws://host:port[/path] */
	const char *hts_id; /* tr_key of the notice subscription */
	int real;           /* H0STCNI0 (real) or H0STCNI9 (virtual) */
	int backoff_min_ms; /* first reconnect delay, default 1000 */
	int backoff_max_ms; /* cap, default 60000; each delay gets up to +50% jitter */
	/* Connect / reconnect only while this says 1 (KIS restarts its
	 * servers outside trading hours). NULL: always. */
	int (*may_connect)(void *ctx);
	/* Called on the session thread for every decoded record. */
	void (*on_notice)(void *ctx, const kis_notice *n);
	/* Called on every state change; reason is a sentence ("" when none).
	 * CONNECTED follows every successful (re)subscription: the caller
	 * reconciles once to catch what was missed while disconnected. */
	void (*on_state)(void *ctx, kis_ws_state st, const char *reason);
	void *ctx;
} kis_ws_config;

typedef struct kis_ws kis_ws;

/* Starts the session thread (libwebsockets; no client ping frames, PINGPONG
 * echoed as text, reconnect with backoff + jitter, one notice
 * subscription). Borrows c. NULL + err on failure. */
kis_ws *kis_ws_start(kis_client *c, const kis_ws_config *cfg, char *err, size_t errlen);
/* Stops and joins the thread. NULL is fine. */
void kis_ws_stop(kis_ws *w);
/* Current state and the reason of the last change. */
kis_ws_state kis_ws_state_get(kis_ws *w, char *reason, size_t cap);

typedef struct kis_ws_stats {
	uint64_t connects, disconnects, frames, notices, pingpongs, decode_errors;
} kis_ws_stats;
void kis_ws_stats_get(kis_ws *w, kis_ws_stats *out);

/* ---- KIS's own protocol, relayed (the passthrough) ---- */

typedef struct kis_raw_req {
	const char *method;  /* "GET" or "POST" */
	const char *path;    /* "/uapi/..." */
	const char *query;   /* percent-encoded as received, without '?'; NULL: none */
	const char *body;    /* POST: the JSON as received */
	const char *tr_id;   /* required */
	const char *tr_cont; /* NULL: header not sent */
	int order; /* 1: may place or change an order (never re-sent but after EGW00201) */
} kis_raw_req;

typedef struct kis_raw_reply {
	int http_status; /* KIS's HTTP status; 0 when KIS did not answer */
	json_t *body;    /* KIS's JSON object, or NULL */
	char tr_cont[4]; /* response tr_cont header */
} kis_raw_reply;

/* One KIS call made on kisgw's own credentials and token, through the
 * shared limiter (orders class for order = 1) and the read retries, for a
 * caller that relays KIS's answer: KIS_OK, or the failure's kis_status
 * with out->body holding KIS's own reply when there was one (a business
 * refusal, EGW00201 after the retries, ...). Refuses (KIS_E_INTERNAL, no
 * call) a path outside /uapi/, a method other than GET/POST, or a tr_id or
 * query with characters KIS never uses. */
int kis_raw_call(kis_client *c, const kis_raw_req *req, kis_raw_reply *out, kis_error *err);
/* POST /uapi/hashkey for body (appkey/appsecret headers, no token), through
 * the limiter: KIS counts it against the rate. */
int kis_hashkey(kis_client *c, const char *body, kis_raw_reply *out, kis_error *err);
void kis_raw_reply_free(kis_raw_reply *r);
/* 1 when s has KIS's tr_id syntax: 4-16 upper-case letters and digits
 * (FHKST01010100, VTTC0081R). */
int kis_tr_id_valid(const char *s);

#endif
