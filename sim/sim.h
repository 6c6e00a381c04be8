/* sim.h — kis-sim internals: one state struct guarded by one mutex, the
 * market (universe, seeded price process, daily bars), accounts and orders,
 * tokens, and the HTTP handlers that speak KIS's wire format.
 *
 * Locking rule: every function taking `sim_state *` expects st->mu held,
 * except sim_server_* and the request dispatcher, which take it themselves
 * (and never sleep while holding it).
 */
#ifndef SIM_H
#define SIM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kclock.h"

struct MHD_Connection;

#define SIM_HIST_FIRST 20240102 /* first generated trading day */
#define SIM_HIST_LAST  20281229 /* last generated trading day */
#define SIM_MAX_MIN    400      /* minutes in the longest session (390) + slack */
#define SIM_BODY_MAX   (64 * 1024)

enum sim_env { SIM_VIRTUAL = 0, SIM_REAL = 1 };

typedef struct sim_bar {
	int ymd;
	int64_t o, h, l, c, vol;
} sim_bar;

typedef struct sim_stock {
	char code[8];
	const char *name;   /* Korean name, UTF-8 */
	const char *market; /* "KOSPI" / "KOSDAQ" */
	const char *sector;
	int64_t base_price; /* anchor of the mean-reverting walk */
	uint64_t seed;
	int idx;
	sim_bar *bars; /* one per trading day SIM_HIST_FIRST..LAST, ascending */
	int nbars;
	/* One day's minute path, cached (recomputing costs ~400 steps). */
	int path_ymd;
	int path_len;
	int64_t path[SIM_MAX_MIN];
	/* /__sim/price override: from minute ovr_min of day ovr_ymd on. */
	int ovr_ymd;
	int ovr_min;
	int64_t ovr_price;
	int64_t ovr_hi, ovr_lo; /* extremes the overrides reached that day */
	/* /__sim/path: a step function of (day, minute) -> price, ascending;
	 * replaces the generated price from each point on, that day. */
	struct sim_path_pt *pts;
	int npts;
} sim_stock;

typedef struct sim_path_pt {
	int ymd;
	int minute;
	int64_t price;
} sim_path_pt;

/* What inquire-price shows at one instant. */
typedef struct sim_quote {
	int ymd;        /* the trading day shown (last one when closed) */
	int minute;     /* index into that day's path */
	int in_session; /* 1 between open and 15:30 on a trading day */
	int64_t prpr, oprc, hgpr, lwpr, vol;
	int64_t prdy_clpr, mxpr, llam;
	int64_t prdy_vol;
} sim_quote;

typedef struct sim_holding {
	char code[8];
	int64_t qty;
	int64_t cost;               /* total purchase amount of the qty held (no fees) */
	int64_t thdt_buy, thdt_sll; /* today's filled qty (ymd in day_ymd) */
	int day_ymd;
	int loan_ymd; /* margin-loan rows: the loan date (loan_dt) */
} sim_holding;

/* Margin-loan (자기융자) rows an account shows beside its cash holdings: set
 * by /__sim/reset, listed by inquire-balance, never traded by orders. */
#define SIM_MAX_LOANS 8

typedef struct sim_account {
	char cano[9];
	char prdt[3];
	int64_t cash;     /* deposit (D+0 == D+2 here: no settlement lag) */
	int64_t reserved; /* buying power held by open buy orders */
	sim_holding *h;
	int nh, caph;
	int64_t thdt_buy_amt, thdt_sll_amt;
	int amt_ymd;
	sim_holding loan[SIM_MAX_LOANS];
	int nloan;
} sim_account;

enum sim_ord_kind { ORD_NEW = 0, ORD_MODIFY = 1, ORD_CANCEL = 2 };
enum sim_ord_status { ST_OPEN = 0, ST_FILLED, ST_CANCELLED, ST_EXPIRED, ST_DONE, ST_REPLACED };

typedef struct sim_order {
	int64_t odno;
	int acct; /* index into st->accts */
	int ymd, hms;
	char code[8];
	int side;      /* 1 sell, 2 buy */
	char dvsn[3];  /* "00" limit, "01" market, ... */
	char venue[4]; /* EXCG_ID_DVSN_CD: "KRX" (also when ""), "NXT", "SOR" */
	int tif;       /* 0 day, 1 IOC, 2 FOK: what is not filled at entry is cancelled */
	int64_t stop;  /* CNDT_PRIC of a stop-limit (22); 0 none */
	int triggered; /* the stop was reached: the order now rests as a limit */
	int kind;
	int64_t orgn_odno; /* 0 when none */
	int64_t qty, price;
	int64_t filled, fill_amt;
	int64_t cancelled;  /* cancel-confirmed qty on this row */
	int64_t remaining;  /* still open */
	int64_t reserve_ps; /* cash reserved per remaining share (buys) */
	int status;
	int last_min;      /* last minute of its day already matched */
	int last_fill_min; /* minute of the last fill (chunked fills: one per minute) */
	int dropped;       /* reply dropped by fault injection */
	int seeded;        /* created by /__sim/reset */
	char appkey[40];   /* who sent it: execution notices go to that appkey's sessions */
} sim_order;

typedef struct sim_token {
	char *tok;
	char appkey[40];
	int64_t iat_ms, exp_ms;
	int revoked;
} sim_token;

typedef struct sim_keystate {
	char appkey[40];
	int64_t last_token_call_ms; /* sim clock, last successful tokenP */
	int last_token;             /* index in st->tokens or -1 */
	int64_t *ring;              /* mono_ms of calls in the 1 s window */
	int ring_cap, ring_head, ring_n;
} sim_keystate;

enum sim_fault_kind {
	F_DELAY = 0,
	F_RATE_LIMIT,
	F_EGW00001,
	F_EXPIRED_TOKEN,
	F_INVALID_TOKEN,
	F_NON_JSON,
	F_DROP_AFTER,
	F_DROP,
	F_EGW00215,    /* 500 EGW00215: per-second limit at the account ledger */
	F_EGW00300,    /* 500 EGW00300: KIS gateway routing failure */
	F_EGW_UNKNOWN, /* 500 EGW99001: an EGW code no client knows */
	F_ZERO_QUOTE,  /* inquire-price: rt_cd 0 with every number "0" (unknown code) */
	F_TRUNCATED,   /* served, then the connection closed half-way through the body */
	F_HTTP_500,    /* HTTP 500 with an HTML page (a front proxy's), nothing processed */
	F__MAX
};

typedef struct sim_fault {
	char match[96]; /* path (exact or suffix) or tr_id */
	int count;      /* calls left */
	int kind;
	int delay_ms;
} sim_fault;

/* One WebSocket session (ws.c). The outbox is filled under st->mu by
 * whoever produces a message and drained by the session's own thread. */
typedef struct sim_ws {
	char appkey[40];
	char aes_key[33], aes_iv[17];
	struct {
		char tr_id[16];
		char tr_key[32];
	} subs[48];
	int nsubs;
	char **out;
	int nout, capout;
	int drop_gen; /* st->ws_drop_gen when the session started */
	char *pend;   /* batched notice records ('^'-joined), see ws_batch */
	int npend;
	char pend_tr[16];
} sim_ws;

typedef struct sim_approval {
	char key[40];
	char appkey[40];
} sim_approval;

typedef struct sim_config {
	const char *listen;
	int env;
	uint64_t seed;
	const char *clock_spec;
	int rate;           /* per-second /uapi limit per appkey; 0 = off; -1 = env default */
	const char *appkey; /* strict mode when set */
	const char *appsecret;
	const char *account; /* "NNNNNNNN-01" strict */
	int64_t token_ttl_s;
	int token_min_interval_s;
	int64_t first_odno; /* --first-odno: fixed numbering (replayable); 0: from the clock */
	int quiet;
	/* Alternatives to [unconfirmed] KIS behaviour (KIS_API.md §12). */
	int reject_status;         /* HTTP status of business rejections: 200 (default) */
	int new_token_revokes_old; /* a token minted after 6 h ends the previous one */
	int new_tr_ids_only;       /* old tr_ids (TTTC0802U, ...) answer OPSQ0002 */
} sim_config;

typedef struct sim_state {
	pthread_mutex_t mu;
	sim_config cfg;
	kclock clock;
	int rate; /* effective limit */

	sim_stock *stocks;
	int nstocks;

	sim_account *accts;
	int naccts, capaccts;
	sim_order *orders;
	int norders, caporders;
	int64_t next_odno;        /* from sim_first_odno; /__sim/odno sets it */
	int64_t partial_fill_qty; /* 0: fill at once; else at most this per minute */
	int odno_unpadded;        /* order replies give ODNO without leading zeros */

	sim_token *tokens;
	int ntokens, captokens;
	uint64_t token_serial;
	unsigned char jwt_key[32];
	sim_keystate *keys;
	int nkeys, capkeys;

	sim_fault faults[32];
	int nfaults;

	/* counters */
	int64_t c_token_issued, c_token_reused, c_token_denied, c_requests;
	int64_t c_orders_received, c_orders_accepted, c_orders_rejected, c_rate_limited;
	int64_t c_faults_fired;
	json_t *c_tr;          /* {"tr_id": n} */
	volatile int stopping; /* set on SIGTERM: "delay" faults stop waiting */

	sim_ws *ws[64]; /* live WebSocket sessions */
	int nws;
	sim_approval *approvals;
	int napprovals, capapprovals;
	int ws_tick_ms, ws_ping_ms; /* H0STCNT0 frame and PINGPONG intervals */
	/* WebSocket test knobs (POST /__sim/ws, ws_ctl.c) */
	int ws_drop_gen; /* bumped by {"drop":true}: every live session is cut */
	int ws_batch;    /* 1: a session's notices go out together, one frame per poll */
	int ws_layout;   /* notice record fields: 26 (current), 23 (older), 27..40 unknown */
	int64_t c_ws_sessions, c_ws_refused, c_ws_client_pings, c_ws_pingpong_echoes;
	int64_t c_ws_notice_frames;
} sim_state;

/* ---- market.c ---- */
int sim_market_init(sim_state *st, char *err, size_t errlen);
void sim_market_free(sim_state *st);
sim_stock *sim_stock_find(sim_state *st, const char *code);
/* Trading day index in s->bars, or -1. */
int sim_bar_index(const sim_stock *s, int ymd);
/* Minutes of day ymd's session (path length). */
int sim_session_len(int ymd);
/* Minute index for hhmmss on a trading day: -1 before open, capped at the end. */
int sim_minute_of(int ymd, int hhmmss);
/* Price at minute m of day ymd (overrides applied); 0 when out of range. */
int64_t sim_price_at(sim_stock *s, int ymd, int m);
/* The quote at sim time now_ms; -1 when the date is outside the history. */
int sim_quote_get(sim_stock *s, int64_t now_ms, sim_quote *q);
/* Daily bar of ymd as seen at now (today's bar from the quote). 0 / -1. */
int sim_bar_get(sim_stock *s, int idx, const sim_quote *today, sim_bar *out);
/* Set / jump / clear the current price; returns 0 or -1 with err. */
int sim_price_override(sim_state *st, sim_stock *s, int64_t price, char *err, size_t errlen);
void sim_price_clear(sim_stock *s);
/* Replace the code's price path (points ascending after sorting; each on a
 * trading day of the history, on tick and within that day's limits). n 0
 * clears it. 0 or -1 with err (nothing changed). */
int sim_path_set(sim_stock *s, const sim_path_pt *pts, int n, char *err, size_t errlen);

/* ---- account.c ---- */
/* Account by CANO + product code, created with 100,000,000 KRW on first use
 * unless strict; NULL when invalid. */
sim_account *sim_acct_get(sim_state *st, const char *cano, const char *prdt);
sim_holding *sim_hold_get(sim_account *a, const char *code, int create);
int64_t sim_sellable(sim_state *st, int acct, const char *code);
/* Bring every open order up to the current sim time. */
void sim_match_all(sim_state *st, int64_t now_ms);
/* Apply a fill of qty at price to an open order. */
void sim_order_fill(sim_state *st, sim_order *o, int64_t qty, int64_t price, int minute);
sim_order *sim_order_new(sim_state *st);
sim_order *sim_order_find(sim_state *st, int acct, int64_t odno);
void sim_order_release(sim_state *st, sim_order *o, int64_t qty);
/* Try to fill an open order against the current quote (entry and price set). */
void sim_order_try_now(sim_state *st, sim_order *o, int64_t now_ms);
/* Shares of o that could fill right now at price p (limit crossing, stop,
 * partial-fill knob, holdings for sells); 0 when none. */
int64_t sim_order_fillable(sim_state *st, const sim_order *o, int64_t p);
/* 시간외 단일가 (ORD_DVSN 07): the call auctions every 10 minutes from 16:10
 * to 18:00 up to now, at today's close. */
void sim_auctions_run(sim_state *st, sim_order *o, int64_t now_ms);
void sim_acct_reset_day(sim_account *a, int ymd);
/* The first order number of a simulator started at real_now_ms (main.c). */
int64_t sim_first_odno(int64_t real_now_ms);

/* ---- token.c ---- */
void sim_token_init(sim_state *st);
void sim_token_free(sim_state *st);
sim_keystate *sim_key_get(sim_state *st, const char *appkey);
/* New JWT-looking token for appkey, appended to st->tokens; returns index. */
int sim_token_issue(sim_state *st, const char *appkey, int64_t now_ms);
sim_token *sim_token_find(sim_state *st, const char *tok);
/* 1 when allowed (and recorded), 0 when over the per-second limit. */
int sim_rate_take(sim_state *st, sim_keystate *k);

/* ---- ws.c ---- */
/* 1 when the request asks for a WebSocket; then sim_ws_accept answers it. */
int sim_ws_wanted(struct MHD_Connection *conn);
int sim_ws_accept(sim_state *st, struct MHD_Connection *conn);
/* Execution notice (cntg 1 = acknowledgement, 2 = fill) of order o to the
 * sessions of its appkey subscribed to H0STCNI0/H0STCNI9. */
void sim_ws_notice(sim_state *st, const sim_order *o, int cntg, int64_t qty, int64_t price,
                   int hhmmss);
void sim_ws_free(sim_state *st);
json_t *sim_ws_counters(const sim_state *st);

/* ---- util ---- */
/* Strings that KIS sends: numbers as strings. */
void sj_set_s(json_t *o, const char *k, const char *v);
void sj_set_i(json_t *o, const char *k, int64_t v);
void sj_set_f(json_t *o, const char *k, double v, int decimals);
/* Copy src right-padded with spaces to width bytes (width+1 buffer). */
void sim_pad(char *dst, const char *src, size_t width);
/* Pad msg1 like KIS account TRs (cp949 width 80) into a new string. */
char *sim_pad_msg(const char *msg);
/* Strict parse of a decimal integer string (trims spaces); -1 on error. */
int sim_parse_i64(const char *s, int64_t *out);
void sim_count_tr(sim_state *st, const char *tr_id);
const char *sim_fault_name(int kind);
int sim_fault_parse(const char *name);

/* ---- HTTP layer (server.c) ---- */
struct MHD_Connection;

/* One parsed request, borrowed by handlers. */
typedef struct sim_call {
	struct MHD_Connection *conn;
	const char *method, *url;
	const char *body;
	size_t body_len;
	json_t *json; /* parsed POST body (object) or NULL */
	int json_bad; /* a body was sent but is not a JSON object */
	const char *tr_id, *tr_cont, *appkey, *appsecret;
	int64_t now_ms; /* sim clock at dispatch */
} sim_call;

/* What a handler answers; server.c turns it into an HTTP response. */
typedef struct sim_reply {
	int status;
	json_t *body;      /* owned */
	char *raw;         /* owned raw body instead of JSON (fault "non_json") */
	const char *ctype; /* for raw */
	char tr_id[24];    /* echoed as response header tr_id when set */
	char tr_cont[4];   /* response header tr_cont when has_tr_cont */
	int has_tr_cont;
} sim_reply;

/* Header (case-insensitive) and GET argument (name case-insensitive). */
const char *sim_hdr(const sim_call *c, const char *name);
const char *sim_arg(const sim_call *c, const char *name);
/* POST body field: upper-case key, string (or integer) value; NULL if absent. */
const char *sim_field(const sim_call *c, const char *key, char *buf, size_t len);

/* Envelope replies. pad: KIS account TRs pad msg1 to 80 (cp949) bytes. */
json_t *sim_env(const char *rt_cd, const char *msg_cd, const char *msg1, int pad);
void sim_reply_env(sim_reply *r, int status, const char *msg_cd, const char *msg1);
void sim_reply_json(sim_reply *r, int status, json_t *body);
/* /oauth2 error form: {"error_code","error_description"}. */
void sim_reply_oauth_err(sim_reply *r, int status, const char *code, const char *desc);

typedef void (*sim_handler)(sim_state *st, sim_call *c, sim_reply *r);

/* oauth.c */
void sim_h_token(sim_state *st, sim_call *c, sim_reply *r);
void sim_h_revoke(sim_state *st, sim_call *c, sim_reply *r);
void sim_h_approval(sim_state *st, sim_call *c, sim_reply *r);
void sim_h_hashkey(sim_state *st, sim_call *c, sim_reply *r);
/* 1 when appkey/appsecret are acceptable (any 36/180 chars unless strict). */
int sim_key_ok(const sim_state *st, const char *appkey);
int sim_secret_ok(const sim_state *st, const char *appsecret);

/* tr_quote.c */
void sim_h_price(sim_state *st, sim_call *c, sim_reply *r);
/* fault zero_quote: the all-zero inquire-price answer. */
void sim_zero_quote(sim_reply *r);
void sim_h_daily_price(sim_state *st, sim_call *c, sim_reply *r);
void sim_h_chart(sim_state *st, sim_call *c, sim_reply *r);
void sim_h_holiday(sim_state *st, sim_call *c, sim_reply *r);
void sim_h_asking_price(sim_state *st, sim_call *c, sim_reply *r);
void sim_h_time_chart(sim_state *st, sim_call *c, sim_reply *r);
void sim_unsupported_virtual(sim_reply *r);

/* tr_trade.c */
void sim_h_balance(sim_state *st, sim_call *c, sim_reply *r);
void sim_h_psbl_order(sim_state *st, sim_call *c, sim_reply *r);
void sim_h_ccld(sim_state *st, sim_call *c, sim_reply *r);
void sim_h_order_cash(sim_state *st, sim_call *c, sim_reply *r);
void sim_h_rvsecncl(sim_state *st, sim_call *c, sim_reply *r);
void sim_h_psbl_rvsecncl(sim_state *st, sim_call *c, sim_reply *r);
json_t *sim_order_json(const sim_state *st, const sim_order *o);

/* control.c: everything under /__sim/. */
void sim_control(sim_state *st, sim_call *c, sim_reply *r);

/* server.c */
int sim_server_run(sim_state *st);

/* POST|GET /__sim/ws (ws_ctl.c): drop sessions, batch notices, pick the layout. */
void sim_ws_control(sim_state *st, sim_call *c, sim_reply *r);

#endif
