/* trader.h — orders and the ledger: the write-ahead order journal, the
 * reconciler (fills, statuses, unknown orders, external orders, backfill)
 * and the local queries (orders, aged holdings, calendar).
 *
 * Sits between the HTTP handlers and kis/ + storage/: validates an order,
 * journals it as pending before KIS sees it, sends it exactly once, and
 * records what KIS answered. A background thread reads inquire-daily-ccld
 * and brings the ledger in line with KIS. Results are domain outcomes and C
 * structs: server/ alone knows JSON shapes and HTTP statuses. Never
 * includes server/.
 */
#ifndef TRADER_H
#define TRADER_H

#include <stddef.h>
#include <stdint.h>

#include "kclock.h"
#include "kis.h"
#include "store.h"

/* Defaults of trader_config, named once: kisgw's settings table uses them
 * all. trader_config_defaults applies the first five to unset (zero)
 * fields; for the others zero is a choice (no cap, no estimate, no local
 * session check), so a caller that wants kisgw's default sets it. */
#define TRADER_DEFAULT_MAX_ORDER_QTY         100000
#define TRADER_DEFAULT_MAX_ORDER_AMOUNT      100000000
#define TRADER_DEFAULT_RECONCILE_INTERVAL_S  30
#define TRADER_DEFAULT_BACKFILL_DAYS         90
#define TRADER_DEFAULT_UNKNOWN_WINDOW_S      120
#define TRADER_DEFAULT_SESSION_CHECK         1
#define TRADER_DEFAULT_MAX_DAILY_BUY_AMOUNT  1000000000
#define TRADER_DEFAULT_MAX_DAILY_SELL_AMOUNT 1000000000
#define TRADER_DEFAULT_MAX_POSITION_QTY      1000000
#define TRADER_DEFAULT_FEE_RATE_PPM          150  /* 0.015 % */
#define TRADER_DEFAULT_TAX_RATE_PPM          2000 /* 0.20 % on sells */

typedef struct trader_config {
	int64_t max_order_qty;    /* shares per order */
	int64_t max_order_amount; /* KRW per order (market: at current price) */
	int reconcile_interval_s; /* between passes during the session */
	int backfill_days;        /* history imported on first start */
	int unknown_window_s;     /* ± window to match an unknown order */
	int run_backfill;         /* 1: import history on first start */
	/* The order vocabulary and the pre-trade guard (trader_guard.c). */
	int real;                      /* real account: NXT/SOR and every type */
	int session_check;             /* 1: refuse a type outside its session locally */
	int64_t max_daily_buy_amount;  /* KRW per KST day of buys (notional), 0: no cap */
	int64_t max_daily_sell_amount; /* same for sells */
	int64_t max_position_qty;      /* shares held + open buys per code, 0: no cap */
	int64_t fee_rate_ppm;          /* brokerage fee estimate, parts per million */
	int64_t tax_rate_ppm;          /* transaction tax on sells, parts per million */
} trader_config;

/* Fills unset (zero) fields with the first five defaults above. */
void trader_config_defaults(trader_config *cfg);

typedef struct trader trader;

/* Borrows kis, db and clock (they must outlive the trader). At creation any
 * order still pending (a previous process died mid-send) becomes unknown:
 * it is never re-sent, the reconciler resolves it. NULL + err on failure. */
trader *trader_new(const trader_config *cfg, kis_client *kis, store *db, kclock *clock, char *err,
                   size_t errlen);
/* Starts the reconciler thread (first pass at once). 0 or -1. */
int trader_start(trader *t);
/* Stops and joins the reconciler (wakes it at once). Idempotent. */
void trader_stop(trader *t);
void trader_free(trader *t);

/* ---- the order vocabulary (trader_rules.c) ---- */

/* The session window a KIS order type trades in (krx.h windows by venue). */
typedef enum trader_session {
	TRADER_SESS_REGULAR = 0,  /* KRX/SOR regular hours; NXT main (+ pre/after for limit) */
	TRADER_SESS_PRE_CLOSE,    /* KRX 08:30-08:40 */
	TRADER_SESS_AFTER_CLOSE,  /* KRX 15:40-16:00 */
	TRADER_SESS_AFTER_SINGLE, /* KRX 16:00-18:00 */
} trader_session;

/* One row of the table: what KIS calls (type, time_in_force) and where it
 * is allowed. */
typedef struct trader_dvsn_rule {
	store_type type;
	store_tif tif;
	const char *ord_dvsn;     /* KIS ORD_DVSN */
	unsigned venues;          /* bit (1u << store_venue) per venue that takes it */
	unsigned char virtual_ok; /* 모의투자 accepts it */
	unsigned char price;      /* 1: a limit price goes in ORD_UNPR; 0: ORD_UNPR "0" */
	unsigned char stop;       /* 1: stop_price goes in CNDT_PRIC */
	unsigned char session;    /* trader_session */
} trader_dvsn_rule;

const trader_dvsn_rule *trader_dvsn_table(size_t *n);
/* NULL when KIS has no such combination. */
const trader_dvsn_rule *trader_dvsn_find(store_type type, store_tif tif);
const trader_dvsn_rule *trader_dvsn_by_code(const char *ord_dvsn);

typedef struct trader_rule_input {
	store_type type;
	store_tif tif;
	store_venue venue;
	int64_t price, stop_price; /* 0: none */
} trader_rule_input;

/* What the checks need to know about now; filled by the caller. */
typedef struct trader_rule_ctx {
	int real;                         /* real account (venues NXT/SOR, every type) */
	int check_session;                /* 0: KIS judges sessions (KISGW_SESSION_CHECK=off) */
	int ymd, hhmmss;                  /* KST now */
	int trading_day;                  /* ymd is a KRX trading day (calendar) */
	int64_t upper_limit, lower_limit; /* today's limits from the quote, 0: unknown */
	int64_t close; /* today's close (after-hours single-price band), 0: unknown */
} trader_rule_ctx;

typedef struct trader_rule_result {
	const trader_dvsn_rule *rule; /* set once the combination is known */
	const char *field;            /* the offending input on failure */
	char message[200];
} trader_rule_result;

/* Every local pre-check of the vocabulary, in order: the (type, tif)
 * combination, venue for the account and the type, the type on virtual
 * accounts, price/stop_price presence, tick grid, daily limits (07: also
 * ±10 % of the close), trading day and session window. 0, or -1 with
 * res->field / res->message. */
int trader_rules_check(const trader_rule_input *in, const trader_rule_ctx *ctx,
                       trader_rule_result *res);

/* ---- placing and cancelling ---- */

typedef struct trader_order_req {
	char code[8];
	store_side side;
	store_type type;
	int64_t qty;
	int64_t price;       /* types with a limit price only (trader_dvsn_rule.price) */
	char key[65];        /* idempotency key, "" for none */
	store_source source; /* api, autotrade or passthrough */
	store_tif tif;       /* default day */
	store_venue venue;   /* default KRX */
	int64_t stop_price;  /* stop_limit only */
} trader_order_req;

/* What placing or cancelling came to. server/orders.c maps each to a
 * status (one table); the notes say what the client is told. */
typedef enum trader_result {
	TRADER_CREATED = 0,     /* KIS accepted the new order */
	TRADER_REPLAYED,        /* same key, same body: the original order */
	TRADER_REJECTED,        /* KIS refused the order (order + kis error) */
	TRADER_CANCEL_REJECTED, /* KIS refused the cancel (order + kis error) */
	TRADER_AMEND_REJECTED,  /* KIS refused the amendment (order + kis error) */
	TRADER_UNKNOWN,         /* outcome unknown, reconciled later */
	TRADER_NOT_SENT,        /* never left (kis error says why); key released */
	TRADER_INVALID,         /* a domain rule (tick grid, vocabulary): field + message */
	TRADER_OVER_LIMIT,      /* over a configured cap: field + message */
	TRADER_KEY_REUSED,      /* same key, other body */
	TRADER_KIS_ERROR,       /* a KIS read needed first failed (e.g. price for a cap) */
	TRADER_UNKNOWN_CODE,    /* no such stock (field "code"; kis/ decided it) */
	TRADER_NOT_FOUND,       /* no such order */
	TRADER_FINAL,           /* the order is already final (kis: KIS's reason, if any) */
	TRADER_CONFLICT,        /* cannot act in this state (no broker order number yet) */
	TRADER_ACCEPTED,        /* cancel or amendment requested, outcome not yet known */
	TRADER_OK,              /* done (e.g. cancelled at once) */
	TRADER_INTERNAL,        /* database failure */
	TRADER_HALTED,          /* trading is halted: new orders and amendments refused */
	TRADER__MAX
} trader_result;

typedef struct trader_outcome {
	trader_result result;
	store_order order; /* valid when have_order; KIS_ERROR sets only order.code */
	int have_order;
	kis_error kis;     /* for REJECTED, NOT_SENT, KIS_ERROR */
	const char *field; /* for INVALID / OVER_LIMIT */
	char message[200];
} trader_outcome;

/* Highest limit price accepted: far above any KRX share price. */
#define TRADER_MAX_PRICE 100000000000LL

/* The domain rules that need no KIS call: a limit price on the KRX tick
 * grid, the quantity cap and the amount cap of a limit order. The shape
 * (code syntax, side, type, qty >= 1, price only and always with a limit,
 * key charset) is the caller's: server/orders.c declares it. 0, or -1 with
 * out->result (INVALID, OVER_LIMIT), field and message set. */
int trader_order_check(const trader *t, const trader_order_req *req, trader_outcome *out);
/* Validates, applies idempotency, journals (pending, committed), sends once,
 * records the answer. Fills out; returns out->result. */
trader_result trader_order_place(trader *t, const trader_order_req *req, trader_outcome *out);
/* Cancels the whole remaining quantity of order id. */
trader_result trader_order_cancel(trader *t, int64_t id, trader_outcome *out);

/* ---- the pre-trade guard (trader_guard.c): every source goes through it ---- */

/* Where quotes come from (the server's cache); default kis_price_get. */
typedef int (*trader_quote_fn)(void *ctx, const char *code, kis_quote *q, kis_error *err);
void trader_set_quote_source(trader *t, trader_quote_fn fn, void *ctx);

/* What one order would add: buys and sells are capped apart. */
typedef struct trader_guard_req {
	const char *code;
	store_side side;
	int64_t qty;
	int64_t notional; /* KRW estimate (limit: qty x price; else qty x current price) */
	int amendment;    /* 1: an amendment of an order already counted (only the halt) */
} trader_guard_req;

/* The checks no order may skip, whoever sends it (API, auto-trade, KIS
 * passthrough): the trading halt (TRADER_HALTED), the per-order caps, the
 * daily notional cap of the side and the per-code position cap (buys)
 * (TRADER_OVER_LIMIT, field "qty"). TRADER_OK (0 also in out->result) or
 * the refusal with out->message. */
trader_result trader_guard_check(trader *t, const trader_guard_req *g, trader_outcome *out);

typedef struct trader_halt_state {
	int halted;
	char reason[200];
	int64_t since_ms; /* 0 when not halted */
} trader_halt_state;
/* Halts / resumes trading; persisted (meta), so a restart keeps it. A
 * second halt keeps the first one's time and takes the new reason. 0 / -1. */
int trader_halt(trader *t, const char *reason);
int trader_resume(trader *t);
void trader_halt_get(trader *t, trader_halt_state *out);

/* One check of the preview; field and message only when it failed. */
typedef struct trader_check {
	const char *name; /* fields, quote, order_type, guard, buying_power */
	int ok;
	const char *field;
	char message[200];
} trader_check;
#define TRADER_PREVIEW_CHECKS 5
typedef struct trader_preview {
	int ok; /* every check passed */
	trader_check checks[TRADER_PREVIEW_CHECKS];
	size_t nchecks;
	int64_t amount, fees_estimate, tax_estimate;
	int have_orderable;    /* orderable_qty is known */
	int64_t orderable_qty; /* buys: KIS's orderable quantity; sells: the position */
} trader_preview;
/* POST /orders/preview: every check of trader_order_place (fields, the
 * type/venue/session table, tick and limits, the guard), the estimated
 * amount, fees and tax, and KIS's orderable quantity; sends no order. */
void trader_order_preview(trader *t, const trader_order_req *req, trader_preview *out);

/* ---- amendments and partial cancels (trader_amend.c) ---- */

typedef struct trader_amend_req {
	int64_t id;      /* the local order */
	int have_price;  /* price given */
	int64_t price;   /* the new limit price */
	int have_type;   /* type given */
	store_type type; /* the new type (time_in_force and venue stay) */
	int64_t qty;     /* shares of the open rest to amend; 0: all of it */
	char key[65];    /* Idempotency-Key, "" none */
} trader_amend_req;

/* 정정 of the open rest: journaled leg (pending) before KIS sees it, sent
 * once, KIS's new order number added to the order's chain; the order then
 * shows the new price/type. TRADER_OK / TRADER_ACCEPTED (unknown outcome,
 * reconciled) / REJECTED (409 when KIS says nothing is left) / INVALID /
 * HALTED / FINAL / NOT_FOUND / KEY_REUSED / REPLAYED. */
trader_result trader_order_amend(trader *t, const trader_amend_req *req, trader_outcome *out);
/* Cancels qty shares of the open rest (0: all of it), with an optional
 * idempotency key; goes through while trading is halted. */
trader_result trader_order_cancel_qty(trader *t, int64_t id, int64_t qty, const char *key,
                                      trader_outcome *out);

/* ---- by KIS order number (trader_broker.c), for the KIS passthrough ---- */

/* The order owning KIS order number odno on KST date ymd: its first number
 * or one of its amendment / cancel legs' (any zero padding). 0 filled, 1
 * none, -1 database failure. */
int trader_order_by_broker(trader *t, int ymd, const char *odno, store_order *out);
/* The newest amendment or cancel leg of order id (its ODNO is KIS's answer
 * to the latest order-rvsecncl). 0 filled, 1 none, -1 failure. */
int trader_order_newest_leg(trader *t, int64_t id, store_leg *out);

/* ---- reconciliation ---- */

/* Wakes the reconciler; with wait = 1 returns after a full pass finished
 * (0), or -1 when the pass failed or the trader is stopping. */
int trader_reconcile_now(trader *t, int wait);
/* One pass over [from_ymd, to_ymd] in the calling thread (serialised with
 * the reconciler). 0 or -1 with the KIS error in err. */
int trader_reconcile_range(trader *t, int from_ymd, int to_ymd, kis_error *err);
/* Imports the last days of orders and fills (0: cfg backfill_days). */
int trader_backfill(trader *t, int days, kis_error *err);
/* Refreshes the holidays table from KIS chk-holiday (real accounts only;
 * 1 when KIS does not offer it here, 0 done, -1 error). */
int trader_holidays_refresh(trader *t, kis_error *err);

typedef struct trader_stats {
	uint64_t passes, pass_failures, fills_added, imported, unknown_resolved, not_found;
	uint64_t mismatches;  /* distinct order numbers in trader_mismatches_get */
	int64_t last_pass_ms; /* clock time of the last good pass, 0 none */
} trader_stats;
void trader_stats_get(trader *t, trader_stats *out);

/* A KIS order number the ledger already holds for an order that disagrees
 * (code, side or quantity): a restarted or confused upstream reused it.
 * Nothing is applied across it, the ledger order keeps what it had, and
 * the pair waits here for a person (GET /healthz). */
typedef struct trader_mismatch {
	int ord_date;
	char odno[16];
	int64_t order_id; /* the ledger order holding the number */
	int64_t other_id; /* the new order KIS gave the same number, 0 for a KIS row */
	char kis_code[8], led_code[8];
	store_side kis_side, led_side;
	int64_t kis_qty, led_qty;
	int64_t seen_ms; /* last seen, trader clock */
} trader_mismatch;
#define TRADER_MISMATCH_MAX 8
/* The most recent ones (at most max, newest first); their count. */
size_t trader_mismatches_get(trader *t, trader_mismatch *out, size_t max);

/* ---- queries (local only): C structs; server/ makes the JSON ---- */

/* An order with what its JSON shows beside the journal row: its legs (the
 * amendments and cancels, whose KIS order numbers form the chain) and, when
 * asked for, its fills. */
typedef struct trader_order_detail {
	store_order order;
	store_leg *legs; /* oldest first */
	size_t nlegs;
	int with_fills;
	store_fill *fills; /* oldest first; with_fills only */
	size_t nfills;
} trader_order_detail;
/* Reads the legs (and with_fills the fills) of o into d, which owns them
 * (trader_order_detail_free). A read failure leaves them empty. */
void trader_order_detail_get(trader *t, const store_order *o, int with_fills,
                             trader_order_detail *d);
void trader_order_detail_free(trader_order_detail *d);

#define TRADER_LIST_DEFAULT_LIMIT 100
#define TRADER_LIST_MAX_LIMIT     1000

/* What a next_cursor looks like ("<created_ms>.<id>"); the trader still
 * refuses one whose numbers it never gave out. */
#define TRADER_CURSOR_PATTERN "^[0-9]{1,19}[.][0-9]{1,19}$"

/* Filters of GET /orders, typed by the caller (code checked with
 * krx_code_valid, limit within 1..TRADER_LIST_MAX_LIMIT). */
typedef struct trader_list_query {
	int open;             /* 1: open orders only, checked with KIS */
	int status;           /* store_status, TRADER_ANY: any */
	int side;             /* store_side, TRADER_ANY: any */
	int source;           /* store_source, TRADER_ANY: any */
	const char *cursor;   /* next_cursor of the previous page, NULL: first page */
	const char *code;     /* NULL: any */
	int from_ymd, to_ymd; /* 0: unbounded */
	int limit;            /* 0: TRADER_LIST_DEFAULT_LIMIT */
} trader_list_query;
#define TRADER_ANY (-1)

typedef struct trader_order_page {
	trader_order_detail *orders; /* newest first, without fills */
	size_t n;
	char next_cursor[48]; /* "" on the last page */
	/* open=true only: what KIS says is still open on each order's numbers. */
	int open;              /* the query asked for it */
	int checked_with_kis;  /* KIS answered; kis_open_qty is set */
	char kis_error[256];   /* why not, when !checked_with_kis */
	int64_t *kis_open_qty; /* per order, when checked_with_kis */
} trader_order_page;
/* One page of orders. 0, or -1 with out->result INVALID (field, message:
 * a range or cursor the query cannot mean) or INTERNAL. With q->open, each
 * order is compared with what KIS says is open ("kis_open_qty": psbl_qty
 * of inquire-psbl-rvsecncl on real accounts, rmn_qty of today's unfilled
 * daily-ccld rows on virtual ones); a difference wakes the reconciler. */
int trader_orders_list(trader *t, const trader_list_query *q, trader_order_page *page,
                       trader_outcome *out);
void trader_order_page_free(trader_order_page *p);

typedef struct trader_aged_holding {
	const store_holding *h; /* code, name, incomplete history */
	const store_lot *lots;  /* the lots held at least `days`, oldest first */
	size_t nlots;
	int64_t qty;            /* of those lots */
	int acquired_on;        /* of the oldest of them */
	int business_days_held; /* of the oldest of them */
} trader_aged_holding;
typedef struct trader_aged {
	int as_of, days;
	trader_aged_holding *v; /* codes with such lots, ascending */
	size_t n;
	store_holdings all; /* owns the rows v points into */
} trader_aged;
/* Open lots held at least days KRX business days (today's date on the
 * trader's clock). 0, or -1 on database failure. */
int trader_holdings_aged(trader *t, int days, trader_aged *out);
void trader_aged_free(trader_aged *a);

typedef struct trader_days {
	int from, to;
	int *trading_days; /* ascending */
	size_t ntrading;
	store_day *closures; /* weekday closures, with their names */
	size_t nclosures;
	int *unknown; /* weekdays of years no calendar covers: not guessed */
	size_t nunknown;
} trader_days;
/* The KRX calendar over [from_ymd, to_ymd]. 0, or -1 (bad range, failure). */
int trader_calendar(trader *t, int from_ymd, int to_ymd, trader_days *out);
void trader_days_free(trader_days *c);

/* KST date today on the trader's clock. */
int trader_today(trader *t);

/* ---- real-time fills (trader_realtime.c) ---- */

typedef struct trader_realtime_config {
	const char *ws_url; /* ws://host:port[/path] */
	const char *hts_id; /* tr_key of the notice subscription */
	int real;
	int backoff_min_ms, backoff_max_ms; /* 0: kis_ws defaults */
} trader_realtime_config;

/* Starts the KIS WebSocket session whose execution notices go into the
 * ledger: fills by cumulative quantity per order (so a fill the reconciler
 * also reads is counted once), other notices (rejections, cancels, IOC/FOK
 * remainders, unknown orders) wake the reconciler. After every
 * (re)connection one reconciliation runs; while the session is healthy the
 * reconciler's session interval stretches (RT_SLOW_FACTOR). The session
 * connects only during trading hours (KST, KRX calendar). 0 or -1 + err. */
int trader_realtime_start(trader *t, const trader_realtime_config *cfg, char *err, size_t errlen);
/* Stops the session (also done by trader_stop). Idempotent. */
void trader_realtime_stop(trader *t);
/* KIS_WS_OFF when not started; reason as kis_ws_state_get. */
kis_ws_state trader_realtime_state(trader *t, char *reason, size_t cap);
/* The session's notice handler, public so tests and benchmarks can feed
 * notices without a socket. Runs in the calling thread. */
void trader_realtime_notice(trader *t, const kis_notice *n);

typedef struct trader_rt_stats {
	uint64_t notices;          /* records received */
	uint64_t fills;            /* fill notices that added to the ledger */
	uint64_t fills_known;      /* fill notices the ledger already held (reconciler first) */
	uint64_t unmatched;        /* notices of orders the ledger does not know (yet) */
	uint64_t reconnect_passes; /* reconciliations asked for after a (re)connection */
} trader_rt_stats;
void trader_rt_stats_get(trader *t, trader_rt_stats *out);

#endif
