/* store.h — kisgw's SQLite database: the order journal, fills, the KIS token
 * cache and the trading calendar.
 *
 * One connection per thread at a time (WAL: readers never block the
 * writer), opened lazily, handed back by store_thread_release (the daemon's
 * threads, after each request) or when its thread ends, kept idle for the
 * next thread (a few; the rest are closed), all closed by store_close.
 * Every write goes through one
 * transaction runner that retries SQLITE_BUSY with a bounded backoff; a hard
 * failure returns -1 (the caller answers 500). Includes nothing of kis or
 * server: sides, statuses and sources are this header's own enums.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

typedef struct store store;

/* Creates the file mode 0600 (umask-proof), sets WAL, synchronous=FULL,
 * busy_timeout and foreign_keys, applies the embedded migrations (each in one
 * transaction, recorded in schema_migrations) and seeds the built-in KRX
 * holidays. Refuses a database whose schema is newer than this binary.
 * NULL with a reason in err on failure. */
store *store_open(const char *path, char *err, size_t errlen);
/* Closes every thread's connection. No other thread may use s afterwards. */
void store_close(store *s);
/* The calling thread is done with the store for now (a request has ended):
 * its connection goes back to the idle list for the next thread that needs
 * one, so connections number the threads using the store at once rather
 * than every thread that ever did. No transaction may be open. */
void store_thread_release(store *s);
/* 0 when the database answers (SELECT 1), for /healthz. */
int store_ping(store *s);
/* Highest migration version applied / known to this binary. */
int store_schema_version(store *s);
int store_schema_latest(void);
/* Schema version recorded in a database file, without opening it as a store
 * (no migration): 0 when the file is missing or empty, -1 when unreadable. */
int store_file_schema_version(const char *path);
/* Consistent online copy of the database file src into dest (kisgw backup):
 * one read snapshot through SQLite's backup API, so a running kisgw keeps
 * writing meanwhile. dest is written beside itself, mode 0600, checked
 * (quick_check) and renamed into place; the copy uses a rollback journal, so
 * it is one self-contained file. Pages copied in *pages. 0, or -1 with a
 * reason in err. */
int store_backup(const char *src, const char *dest, int *pages, char *err, size_t errlen);
/* Longest time a write waits for the database lock before failing
 * (default 10 s; tests shorten it). */
void store_set_write_wait(store *s, int ms);
/* SQLite connections open now (held by threads + idle). */
int store_connections(store *s);

/* kis_token_store callbacks (kis/kis.h); ctx is the store*. load returns 0
 * with token "" when only the issuance time is known. */
int store_token_load(void *ctx, const char *key_id, char *token, size_t cap, int64_t *expires_ms,
                     int64_t *issued_real_ms);
int store_token_save(void *ctx, const char *key_id, const char *token, int64_t expires_ms,
                     int64_t issued_real_ms);

/* The KIS passthrough's local tokens, by the hex SHA-256 of the token (the
 * token itself is never stored) and of the app key it was issued to. Adding
 * one also drops those expired by its issue time. 0 or -1. */
int store_pt_token_add(store *s, const char *token_sha, const char *key_sha, int64_t issued_ms,
                       int64_t expires_ms);
/* 0 with key_sha and *expires_ms filled, 1 when unknown, -1 on error. */
int store_pt_token_find(store *s, const char *token_sha, char *key_sha, size_t cap,
                        int64_t *expires_ms);

/* ---- orders ---- */

typedef enum store_side { STORE_BUY = 0, STORE_SELL, STORE_SIDE__MAX } store_side;
/* Order types of POST /orders (KIS ORD_DVSN families; trader/ maps them). */
typedef enum store_type {
	STORE_MARKET = 0,
	STORE_LIMIT,
	STORE_CONDITIONAL_LIMIT,  /* 조건부지정가 */
	STORE_BEST,               /* 최유리지정가 */
	STORE_PRIORITY,           /* 최우선지정가 */
	STORE_PRE_MARKET_CLOSE,   /* 장전 시간외 종가 */
	STORE_AFTER_MARKET_CLOSE, /* 장후 시간외 종가 */
	STORE_AFTER_HOURS_SINGLE, /* 시간외 단일가 */
	STORE_MID,                /* 중간가 */
	STORE_STOP_LIMIT,         /* 스톱지정가 */
	STORE_TYPE__MAX
} store_type;
typedef enum store_tif {
	STORE_TIF_DAY = 0,
	STORE_TIF_IOC,
	STORE_TIF_FOK,
	STORE_TIF__MAX
} store_tif;
typedef enum store_venue {
	STORE_VENUE_KRX = 0,
	STORE_VENUE_NXT,
	STORE_VENUE_SOR,
	STORE_VENUE__MAX
} store_venue;
typedef enum store_source {
	STORE_SRC_API = 0,
	STORE_SRC_AUTOTRADE,
	STORE_SRC_EXTERNAL,
	STORE_SRC_PASSTHROUGH, /* a KIS script through the KIS-compatible passthrough */
	STORE_SOURCE__MAX
} store_source;
typedef enum store_status {
	ST_PENDING = 0, /* journaled, KIS not yet answered */
	ST_SUBMITTED,   /* KIS took it (ODNO known) */
	ST_PARTIALLY_FILLED,
	ST_FILLED, /* final */
	ST_CANCEL_REQUESTED,
	ST_CANCELED,  /* final */
	ST_REJECTED,  /* final */
	ST_NOT_SENT,  /* final; never left */
	ST_UNKNOWN,   /* may have reached KIS; the reconciler decides */
	ST_NOT_FOUND, /* final; unknown and never seen at KIS */
	ST__MAX
} store_status;

/* The wire names of each enum, by value, NULL-terminated (the server's
 * input declarations list these as the accepted choices). */
extern const char *const store_side_names[STORE_SIDE__MAX + 1];
extern const char *const store_type_names[STORE_TYPE__MAX + 1];
extern const char *const store_tif_names[STORE_TIF__MAX + 1];
extern const char *const store_venue_names[STORE_VENUE__MAX + 1];
extern const char *const store_source_names[STORE_SOURCE__MAX + 1];
extern const char *const store_status_names[ST__MAX + 1];
const char *store_side_name(store_side s);
const char *store_type_name(store_type t);
const char *store_tif_name(store_tif t);
const char *store_venue_name(store_venue v);
const char *store_source_name(store_source s);
const char *store_status_name(store_status s);
/* -1 when the name is not one of the enum's. */
int store_side_parse(const char *s);
int store_source_parse(const char *s);
int store_status_parse(const char *s);
int store_type_parse(const char *s);
int store_tif_parse(const char *s);
int store_venue_parse(const char *s);
/* 1 for filled, canceled, rejected, not_sent, not_found. */
int store_status_final(store_status s);
/* Orders in the ledger by status and source (GET /metrics); 0 or -1. */
int store_orders_count(store *s, int64_t counts[ST__MAX][STORE_SOURCE__MAX]);

typedef struct store_order {
	int64_t id;
	char client_order_id[65]; /* "" when none */
	char request[160];        /* canonical request, to compare replays */
	char code[8];
	char name[128];
	store_side side;
	store_type type;
	int64_t qty, price; /* price 0 for types without a limit price */
	store_tif tif;
	store_venue venue;
	int64_t stop_price; /* stop_limit only */
	int64_t notional;   /* KRW estimated at placement (the daily cap adds these up) */
	store_status status;
	store_source source;
	int64_t filled_qty, filled_amount, canceled_qty;
	char broker_order_no[16]; /* ODNO, "" until known */
	char broker_orgno[8];
	int ord_date, ord_time; /* KST YYYYMMDD / HHMMSS */
	int64_t sent_ms, created_ms, updated_ms;
	char reject_code[16];
	char reject_message[256];
} store_order;

typedef struct store_fill {
	int64_t id, order_id;
	int64_t qty, amount;
	int trade_date;
	int64_t filled_ms;
	int64_t leg_id; /* the amendment leg it came on, 0: the original order number */
} store_fill;

/* Journal a new order. When o->client_order_id is set and an order already
 * holds that key, nothing is written, *existing is filled and 1 returned.
 * 0: inserted, o->id set. -1: error. */
int store_order_insert(store *s, store_order *o, store_order *existing);
/* 0 and filled, 1 when there is no such order, -1 on error. */
int store_order_get(store *s, int64_t id, store_order *out);
int store_order_get_by_key(store *s, const char *client_order_id, store_order *out);
int store_order_get_by_broker(store *s, int ord_date, const char *odno, store_order *out);
/* Fills of one order, oldest first (malloc'd; free with free()). */
int store_fills_list(store *s, int64_t order_id, store_fill **out, size_t *n);

/* The outcome of a send: status plus what KIS said. Only moves an order that
 * is still pending or unknown (the reconciler may have got there first; then
 * only the missing broker fields are filled in). not_sent also releases the
 * idempotency key. */
typedef struct store_send_result {
	store_status status;
	const char *odno, *orgno; /* NULL or "" when unknown */
	int ord_date, ord_time;
	const char *reject_code, *reject_message;
	int64_t now_ms;
} store_send_result;
int store_order_sent(store *s, int64_t id, const store_send_result *r);
/* Sets the local send time (just before the KIS call). */
int store_order_mark_sending(store *s, int64_t id, int64_t sent_ms);
/* Moves an order to status when its current status is in from_mask
 * (1u << status; 0: any). 0 moved, 1 not moved (or no such order), -1 error. */
int store_order_set_status(store *s, int64_t id, unsigned from_mask, store_status status,
                           int64_t now_ms);
/* An order with this ODNO, code, side and quantity placed between from_ymd
 * and to_ymd (KIS and kisgw may disagree on the date around midnight).
 * 0 found, 1 none, -1 error. */
int store_order_find_broker(store *s, const char *odno, const char *code, store_side side,
                            int64_t qty, int from_ymd, int to_ymd, store_order *out);
/* At start-up: every order still pending may have been sent by a process
 * that died; make it unknown. Returns how many, or -1. */
int store_orders_pending_to_unknown(store *s, int64_t now_ms);

/* What the reconciler learned about one order from KIS (cumulative). A fill
 * is recorded for the increase of filled_qty over what the journal holds;
 * nothing is ever subtracted, so reading the same state twice adds nothing. */
typedef struct store_progress {
	store_status status;   /* new status */
	int64_t filled_qty;    /* cumulative at KIS */
	int64_t filled_amount; /* cumulative KRW */
	int64_t canceled_qty;
	const char *odno, *orgno; /* fill in broker fields when missing (NULL: keep) */
	int ord_date, ord_time;
	const char *name; /* stock name (NULL: keep) */
	int trade_date;   /* date of the new fill */
	int64_t fill_ms;  /* time of the new fill */
	int64_t now_ms;
	int64_t leg_id; /* the amendment leg the new fill came on (0: the original) */
} store_progress;
/* Returns the quantity of the fill added (0 when none), or -1. */
int64_t store_order_progress(store *s, int64_t id, const store_progress *p);

/* Orders in the given statuses (bitmask of 1u << status), oldest first. */
int store_orders_by_status(store *s, unsigned status_mask, store_order **out, size_t *n);

typedef struct store_order_filter {
	int status;        /* -1: any */
	int open_only;     /* 1: pending, submitted, partially_filled, cancel_requested, unknown */
	const char *code;  /* NULL: any */
	int side;          /* -1: any */
	int source;        /* -1: any */
	int64_t from_ms;   /* created_ms >= from_ms (0: no bound) */
	int64_t to_ms;     /* created_ms < to_ms (0: no bound) */
	int limit;         /* 1..1000 */
	int64_t cursor_ms; /* continue after (cursor_ms, cursor_id); cursor_id 0: start */
	int64_t cursor_id;
} store_order_filter;
/* Newest first. *more is 1 when further orders follow the last one. */
int store_orders_list(store *s, const store_order_filter *f, store_order **out, size_t *n,
                      int *more);

/* ---- legs: amendments and cancels of an order (store_legs.c) ---- */

typedef enum store_leg_kind {
	STORE_LEG_AMEND = 0,
	STORE_LEG_CANCEL,
	STORE_LEG__MAX
} store_leg_kind;
typedef enum store_leg_status {
	LEG_PENDING = 0, /* journaled, KIS not yet answered */
	LEG_ACCEPTED,    /* KIS took it (new ODNO known) */
	LEG_REJECTED,    /* final: KIS refused (reject_code / reject_message) */
	LEG_NOT_SENT,    /* final: never left; key released */
	LEG_UNKNOWN,     /* may have reached KIS: the reconciler decides */
	LEG_NOT_FOUND,   /* final: unknown and never seen at KIS */
	LEG__MAX
} store_leg_status;

const char *store_leg_kind_name(store_leg_kind k);
const char *store_leg_status_name(store_leg_status s);

/* One amendment or cancel. Amendment legs are live KIS orders of their own
 * (filled / remaining as KIS last said); cancel legs only move quantity. */
typedef struct store_leg {
	int64_t id, order_id;
	int seq; /* 1, 2, ... in the order they were made */
	store_leg_kind kind;
	char client_key[65]; /* "" when none */
	char request[160];   /* canonical request, to compare replays */
	store_leg_status status;
	char orgn_odno[16]; /* the leg it acts on */
	char odno[16];      /* its own KIS number, "" until known */
	char orgno[8];
	int ord_date, ord_time;
	store_type type; /* amendments: the type after it */
	int64_t price;   /* amendments: the price after it */
	int64_t qty;     /* shares amended / cancelled */
	int64_t filled_qty, filled_amount, remaining_qty;
	int64_t sent_ms, created_ms, updated_ms;
	char reject_code[16];
	char reject_message[256];
} store_leg;

/* Journals leg l (status pending) with the next seq of its order. When
 * l->client_key is set and held already (by a leg, or by an order), nothing
 * is written, *existing is filled (existing->order_id tells whose) and 1
 * returned. 0: inserted (l->id, l->seq set). -1 error. */
int store_leg_insert(store *s, store_leg *l, store_leg *existing);
/* 0 filled / 1 none / -1. */
int store_leg_get(store *s, int64_t id, store_leg *out);
int store_leg_get_by_broker(store *s, int ord_date, const char *odno, store_leg *out);
int store_leg_get_by_key(store *s, const char *client_key, store_leg *out);
/* 1 when any order has a leg (0 none, -1 error): lets the reconciler skip
 * the leg lookups on ledgers that never amended. */
int store_legs_any(store *s);
/* Legs of an order, seq ascending (malloc'd; free()). */
int store_legs_list(store *s, int64_t order_id, store_leg **out, size_t *n);
/* Legs of the orders ids[0..nids), by order id then seq, in one query (a
 * page of orders reads its legs at once). malloc'd; free(). */
int store_legs_of_orders(store *s, const int64_t *ids, size_t nids, store_leg **out, size_t *n);
/* Legs in the statuses of mask (1u << store_leg_status), oldest first. */
int store_legs_by_status(store *s, unsigned mask, store_leg **out, size_t *n);

/* What KIS answered a leg. Moves only a pending / unknown leg (the
 * reconciler may have been first); not_sent releases the key. An accepted
 * amendment becomes the order's price and type. */
typedef struct store_leg_result {
	store_leg_status status;
	const char *odno, *orgno;
	int ord_date, ord_time;
	int64_t qty; /* accepted: the quantity KIS took (0: keep) */
	const char *reject_code, *reject_message;
	int64_t now_ms;
} store_leg_result;
int store_leg_sent(store *s, int64_t id, const store_leg_result *r);
/* At start-up: pending legs may have been sent by a process that died. */
int store_legs_pending_to_unknown(store *s, int64_t now_ms);

/* An amendment leg's state at KIS (cumulative). The increase of its filled
 * quantity is recorded as a fill on that leg and added to the order's;
 * then the order takes status / canceled_qty. Returns the fill's qty (0
 * none) or -1. */
typedef struct store_leg_progress {
	int64_t filled_qty, filled_amount, remaining_qty;
	int trade_date;
	int64_t fill_ms;
	int64_t now_ms;
} store_leg_progress;
int64_t store_leg_progress_apply(store *s, int64_t leg_id, const store_leg_progress *p);

/* ---- the pre-trade guard's figures (store_legs.c) ---- */

/* Sum of the notional of side's orders placed on ymd that may still trade
 * or have traded (everything but rejected / not_sent / not_found; a
 * cancelled order counts what it filled). -1 on error. */
int store_day_notional(store *s, int ymd, store_side side, int64_t *sum);
/* The ledger's position in code (FIFO, from fills) and the open quantity
 * of its buy orders (not yet filled or cancelled). */
int store_code_exposure(store *s, const char *code, int64_t *held, int64_t *open_buys);

/* ---- holdings ---- */

typedef struct store_lot {
	int acquired_on; /* YYYYMMDD */
	int64_t qty;
	double price;
} store_lot;

typedef struct store_holding {
	char code[8];
	char name[128];
	int64_t qty; /* everything still held per the ledger */
	int incomplete;
	store_lot *lots; /* open FIFO lots, oldest first */
	size_t nlots;
} store_holding;

typedef struct store_holdings {
	store_holding *h;
	size_t n;
} store_holdings;

/* Open FIFO lots per code, codes ascending; lots acquired on or before
 * max_acquired (0: all). */
int store_holdings_get(store *s, int max_acquired, store_holdings *out);
void store_holdings_free(store_holdings *h);
/* Recomputes every code's FIFO state from its fills (after a bulk import,
 * or to repair). Returns the number of codes, or -1. */
int store_positions_rebuild(store *s);

/* ---- calendar ---- */

/* 1 when ymd is a KRX trading day per the holidays table (weekends closed
 * unless overridden open), 0 when not, -1 on error. */
int store_is_trading_day(store *s, int ymd);
/* Trading days d with from < d <= to; -1 on error. */
int store_trading_days_between(store *s, int from, int to);

typedef struct store_day {
	int ymd;
	int open;
	char name[128];
} store_day;
/* Closures (weekday rows with open = 0) and overrides in [from, to]. */
int store_holidays_list(store *s, int from, int to, store_day **out, size_t *n);
/* Record what KIS chk-holiday says (source 'kis' wins over 'builtin'). */
int store_holiday_put(store *s, int ymd, int open, const char *name);

/* ---- meta ---- */
int store_meta_get(store *s, const char *key, char *val, size_t cap); /* 1: absent */
int store_meta_set(store *s, const char *key, const char *val);

/* ---- auto-trade (store_autotrade.c) ---- */

typedef struct store_at_target {
	char code[8];
	char name[128];    /* "" when not given */
	int64_t ref_price; /* 0: the previous close, looked up each day */
} store_at_target;

/* Replaces the whole target list (one transaction). 0 or -1. */
int store_at_targets_put(store *s, const store_at_target *t, size_t n, int64_t now_ms);
/* In the order they were given (malloc'd; free with free()). */
int store_at_targets_get(store *s, store_at_target **out, size_t *n);
/* Removes one target (code) or all (NULL). Returns how many, or -1. */
int store_at_targets_delete(store *s, const char *code);

/* One day's plan for a target, fixed at the day's first pass. */
typedef struct store_at_day {
	int ymd;
	char code[8];
	int64_t ref_price, prev_range, budget;
	int held;
} store_at_day;

/* Writes the rows not yet planned for their day (the first plan of a day
 * stays whatever later passes compute). 0 or -1. */
int store_at_day_put(store *s, const store_at_day *d, size_t n);
int store_at_day_get(store *s, int ymd, store_at_day **out, size_t *n);

typedef struct store_at_decision {
	int64_t id, at_ms;
	int ymd;
	char code[8];
	char action[8];  /* buy | sell | skip */
	char reason[32]; /* e.g. in_band, take_profit, held, outside_band */
	int64_t price, qty, ref_price;
	int64_t order_id; /* 0: none */
	char client_order_id[65];
	int dry_run;
	char detail[256];
} store_at_decision;

/* Appends a decision; d->id set. 0 or -1. */
int store_at_decision_add(store *s, store_at_decision *d);

typedef struct store_at_decision_filter {
	int ymd;            /* 0: any */
	const char *code;   /* NULL: any */
	const char *action; /* NULL: any */
	int limit;          /* 1..1000 */
	int64_t before_id;  /* cursor: only ids below it (0: from the newest) */
} store_at_decision_filter;
/* Newest first; *more is 1 when older ones follow. */
int store_at_decisions_list(store *s, const store_at_decision_filter *f, store_at_decision **out,
                            size_t *n, int *more);
/* The latest decision about code on ymd: 0 found, 1 none, -1 error. */
int store_at_decision_last(store *s, int ymd, const char *code, store_at_decision *out);

typedef struct store_kv {
	char name[64];
	char value[256];
	int64_t updated_ms;
} store_kv;
/* Settings changed at run time (malloc'd). */
int store_at_settings_get(store *s, store_kv **out, size_t *n);
/* value NULL removes the override (back to the environment). 0 or -1. */
int store_at_setting_set(store *s, const char *name, const char *value, int64_t now_ms);

/* A fill with its order's source, for FIFO matching. */
typedef struct store_trade {
	char code[8];
	store_side side;
	store_source source;
	int64_t qty, amount, order_id;
	int trade_date;
	int64_t filled_ms;
} store_trade;
/* Fills of code (NULL: every code) traded on or before to_ymd (0: all),
 * optionally of one source (-1: any), in FIFO order: code, trade date,
 * time, id. malloc'd. */
int store_trades_list(store *s, const char *code, int source, int to_ymd, store_trade **out,
                      size_t *n);
/* The stock's name as KIS last gave it: 0, 1 when unknown ("" in buf), -1. */
int store_stock_name(store *s, const char *code, char *buf, size_t cap);

#endif
