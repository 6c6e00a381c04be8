/* trader_internal.h — the trader object, shared by its files. */
#ifndef TRADER_INTERNAL_H
#define TRADER_INTERNAL_H

#include <pthread.h>

#include "trader.h"

/* An order or amendment whose journal row cannot be written (the disk is
 * full, the database read-only or locked past the busy wait) is refused
 * before KIS sees it: TRADER_NOT_SENT (503) with this message. */
#define TRADER_JOURNAL_DOWN                                                                        \
	"the order journal cannot be written (database full, read-only or locked): nothing was "   \
	"sent to KIS; retry later"

struct trader {
	trader_config cfg;
	kis_client *kis;
	store *db;
	kclock *clock;

	/* Reconciler thread state, guarded by mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv; /* wakes the thread (stop / now) and waiters (pass done) */
	pthread_t thread;
	int running, stop, wake;
	uint64_t gen_started, gen_done; /* passes started / finished */
	int last_pass_ok;
	trader_stats stats;
	trader_mismatch mism[TRADER_MISMATCH_MAX]; /* newest first */
	size_t nmism;

	/* One reconciliation at a time (thread, cancel refresh, on demand). */
	pthread_mutex_t recon_mu;
	int first_pass_done;
	int after_close_ymd; /* date whose after-close pass ran */
	int holidays_ymd;    /* date the holiday refresh last ran */

	/* Real-time notices (trader_realtime.c). */
	kis_ws *ws;
	int rt_healthy;             /* atomic: the session is subscribed and notices decode */
	pthread_mutex_t rt_mu;      /* guards the fields below */
	struct rt_order *rt_orders; /* per-order cumulative fill seen on the socket */
	size_t rt_n, rt_cap;
	int rt_ymd; /* the day rt_orders belongs to */
	trader_rt_stats rt_stats;
	/* Quotes for the pre-checks (the server's cache when wired). */
	trader_quote_fn quote_fn;
	void *quote_ctx;
	/* The trading halt, guarded by halt_mu; persisted in meta. */
	pthread_mutex_t halt_mu;
	trader_halt_state halt;
};

/* While the WebSocket is healthy the reconciler's session interval is
 * this many times longer: the socket brings fills within a second, the
 * poller only catches what it missed. */
#define RT_SLOW_FACTOR 10

/* The reconciler's side of amendment / cancel legs (trader_legs.c). */
/* 1 when KIS row r belongs to an order with legs (order_id set; an unknown
 * leg it settles is adopted), 0 when not, -1 on error. */
int trader_legs_claim(trader *t, const kis_ccld_row *r, int64_t now, int64_t *order_id);
/* Brings order_id up to date from its rows in l (every leg, then leg 0). */
int trader_legs_apply(trader *t, int64_t order_id, const kis_ccld_list *l, int today, int64_t now,
                      uint64_t *fills_added);
/* Unknown legs still unmatched after their day: not_found. */
int trader_legs_expire(trader *t, int64_t now, int window_s);

/* Loads the persisted halt (trader_new). 0 / -1. */
int trader_halt_load(trader *t);
/* The quote of code through the configured source. */
int trader_quote(trader *t, const char *code, kis_quote *q, kis_error *err);
/* Fills the rule context for now (calendar from the database). */
void trader_rule_ctx_now(trader *t, const kis_quote *q, trader_rule_ctx *ctx);

int64_t trader_now(trader *t);
/* Record (or refresh) a mismatch; logs and counts it the first time. */
void trader_mismatch_note(trader *t, const trader_mismatch *m);
/* The same; log: 0 when the caller logs the event itself. */
void trader_mismatch_record(trader *t, const trader_mismatch *m, int log);
/* Refresh one order from KIS (its date, its ODNO). 0 or -1. */
int trader_refresh_order(trader *t, const store_order *o, kis_error *err);
/* The reconciler thread body. */
void *trader_thread(void *arg);
/* Registers the reconciler's metric families (trader_reconcile.c). */
void trader_metrics_init(void);

#endif
