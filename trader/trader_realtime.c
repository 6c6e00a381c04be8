/* trader_realtime.c — execution notices from the KIS WebSocket into the
 * ledger.
 *
 * A fill notice says "order ODNO got qty shares at price". The ledger
 * keys fills by each order's cumulative filled quantity (fills.cum_qty), as
 * the reconciler does, so the socket feeds it the cumulative quantity it
 * has itself seen for that order: the sum of the fill notices received for
 * it today. That sum never exceeds what KIS filled, so whichever of the
 * socket and the reconciler sees a fill first records it and the other
 * adds nothing; a fill the socket missed (disconnected) is left to the
 * reconciler, which runs once after every reconnection. The price of the
 * fill row is this notice's price (not a difference of sums, which would
 * be wrong when the reconciler ran ahead).
 *
 * Everything else a notice can say (rejected, cancelled, modified, an
 * IOC/FOK remainder expired, an order the ledger does not know) wakes the
 * reconciler, which reads the authoritative state from inquire-daily-ccld.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "klog.h"
#include "krx.h"
#include "trader_internal.h"

/* Connect only around the sessions (KRX 08:30–18:00, NXT 08:00–20:00):
 * KIS restarts its WebSocket servers outside them. */
#define RT_CONNECT_FROM_HHMMSS 73000
#define RT_CONNECT_TO_HHMMSS   201000
/* A fill can arrive before the thread that placed the order has written
 * its ODNO (the notice races the order-cash reply): look again briefly. */
#define RT_LOOKUP_TRIES    20
#define RT_LOOKUP_PAUSE_US 25000

struct rt_order {
	char odno[16];
	int64_t cum_qty;
};

static int may_connect(void *ctx)
{
	trader *t = ctx;
	int64_t now = trader_now(t);
	int hms = kst_hhmmss(now);
	return store_is_trading_day(t->db, kst_date(now)) == 1 && hms >= RT_CONNECT_FROM_HHMMSS &&
	       hms < RT_CONNECT_TO_HHMMSS;
}

static void on_state(void *ctx, kis_ws_state st, const char *reason)
{
	trader *t = ctx;
	int was = __atomic_exchange_n(&t->rt_healthy, st == KIS_WS_CONNECTED, __ATOMIC_RELAXED);
	if (st == KIS_WS_CONNECTED) {
		/* Catch what was missed while disconnected (and start the
		 * slower polling). */
		pthread_mutex_lock(&t->rt_mu);
		t->rt_stats.reconnect_passes++;
		pthread_mutex_unlock(&t->rt_mu);
		trader_reconcile_now(t, 0);
	} else if (was) {
		trader_reconcile_now(t, 0); /* the poller takes over at once */
	}
}

static void rt_notice_cb(void *ctx, const kis_notice *n)
{
	trader_realtime_notice(ctx, n);
}

/* Adds qty to the socket's cumulative quantity of odno today; returns it. */
static int64_t rt_cum_add(trader *t, int today, const char *odno, int64_t qty)
{
	pthread_mutex_lock(&t->rt_mu);
	if (t->rt_ymd != today) {
		t->rt_n = 0;
		t->rt_ymd = today;
	}
	struct rt_order *o = NULL;
	for (size_t i = 0; i < t->rt_n && !o; i++)
		if (!strcmp(t->rt_orders[i].odno, odno))
			o = &t->rt_orders[i];
	if (!o) {
		if (t->rt_n == t->rt_cap) {
			size_t cap = t->rt_cap ? t->rt_cap * 2 : 64;
			struct rt_order *v = realloc(t->rt_orders, cap * sizeof(*v));
			if (!v) {
				pthread_mutex_unlock(&t->rt_mu);
				return -1;
			}
			t->rt_orders = v;
			t->rt_cap = cap;
		}
		o = &t->rt_orders[t->rt_n++];
		snprintf(o->odno, sizeof(o->odno), "%s", odno);
		o->cum_qty = 0;
	}
	o->cum_qty += qty;
	int64_t cum = o->cum_qty;
	pthread_mutex_unlock(&t->rt_mu);
	return cum;
}

static void stat_add(trader *t, uint64_t *f)
{
	pthread_mutex_lock(&t->rt_mu);
	(*f)++;
	pthread_mutex_unlock(&t->rt_mu);
}

/* The journal row of odno placed today; 0, 1 (not known) or -1. Waits a
 * little for an order whose ODNO is being written right now. */
static int order_lookup(trader *t, int today, const char *odno, store_order *o)
{
	for (int i = 0; i < RT_LOOKUP_TRIES; i++) {
		int g = store_order_get_by_broker(t->db, today, odno, o);
		if (g != 1)
			return g;
		store_order *v = NULL;
		size_t n = 0;
		int inflight = store_orders_by_status(t->db, 1u << ST_PENDING, &v, &n) == 0 && n;
		free(v);
		if (!inflight)
			return 1;
		usleep(RT_LOOKUP_PAUSE_US);
	}
	return 1;
}

static store_status fill_status(const store_order *o, int64_t cum)
{
	if (cum >= o->qty)
		return store_status_final(o->status) && o->status != ST_NOT_FOUND ? o->status
		                                                                  : ST_FILLED;
	switch (o->status) {
	case ST_PENDING:
	case ST_SUBMITTED:
	case ST_UNKNOWN:
	case ST_NOT_FOUND:
		return ST_PARTIALLY_FILLED;
	default:
		return o->status; /* partially_filled, cancel_requested, final */
	}
}

static void apply_fill(trader *t, const kis_notice *n)
{
	int64_t now = trader_now(t);
	int today = kst_date(now);
	store_order o;
	int g = order_lookup(t, today, n->odno, &o);
	if (g != 0) {
		if (g == 1) {
			stat_add(t, &t->rt_stats.unmatched);
			trader_reconcile_now(t, 0); /* external, or an unknown order */
		}
		return;
	}
	/* An amended order's fills are spread over several KIS numbers: the
	 * reconciler, which reads them all, records them (trader_legs.c). */
	store_leg *legs = NULL;
	size_t nlegs = 0;
	if (store_legs_list(t->db, o.id, &legs, &nlegs) == 0)
		free(legs);
	if (nlegs > 0) {
		trader_reconcile_now(t, 0);
		return;
	}
	int64_t cum = rt_cum_add(t, today, n->odno, n->qty);
	if (cum < 0)
		return;
	if (cum <= o.filled_qty) {
		stat_add(t, &t->rt_stats.fills_known);
		return;
	}
	int64_t added = cum - o.filled_qty;
	store_progress p = {
	    .status = fill_status(&o, cum),
	    .filled_qty = cum,
	    .filled_amount = o.filled_amount + added * n->price,
	    .canceled_qty = o.canceled_qty,
	    .trade_date = today,
	    .fill_ms = now,
	    .now_ms = now,
	};
	int64_t r = store_order_progress(t->db, o.id, &p);
	if (r < 0) {
		klogf(KLOG_ERROR, "trader", "cannot record a fill of order %lld from a notice",
		      (long long)o.id);
		return;
	}
	stat_add(t, r > 0 ? &t->rt_stats.fills : &t->rt_stats.fills_known);
}

void trader_realtime_notice(trader *t, const kis_notice *n)
{
	stat_add(t, &t->rt_stats.notices);
	if (n->kind == KIS_NOTICE_FILL) {
		apply_fill(t, n);
		return;
	}
	if (n->kind == KIS_NOTICE_ACCEPTED) {
		store_order o;
		if (order_lookup(t, trader_today(t), n->odno, &o) != 1)
			return; /* ours, or a database failure the poller will outlive */
		stat_add(t, &t->rt_stats.unmatched);
	}
	/* rejected / cancelled / modified / expired, or an order placed
	 * elsewhere: the reconciler reads what KIS now says. */
	trader_reconcile_now(t, 0);
}

int trader_realtime_start(trader *t, const trader_realtime_config *cfg, char *err, size_t errlen)
{
	if (t->ws)
		return 0;
	kis_ws_config wc = {
	    .url = cfg->ws_url,
	    .hts_id = cfg->hts_id,
	    .real = cfg->real,
	    .backoff_min_ms = cfg->backoff_min_ms,
	    .backoff_max_ms = cfg->backoff_max_ms,
	    .may_connect = may_connect,
	    .on_notice = rt_notice_cb,
	    .on_state = on_state,
	    .ctx = t,
	};
	t->ws = kis_ws_start(t->kis, &wc, err, errlen);
	return t->ws ? 0 : -1;
}

void trader_realtime_stop(trader *t)
{
	if (!t || !t->ws)
		return;
	kis_ws_stop(t->ws);
	t->ws = NULL;
	__atomic_store_n(&t->rt_healthy, 0, __ATOMIC_RELAXED);
}

kis_ws_state trader_realtime_state(trader *t, char *reason, size_t cap)
{
	return kis_ws_state_get(t->ws, reason, cap);
}

void trader_rt_stats_get(trader *t, trader_rt_stats *out)
{
	pthread_mutex_lock(&t->rt_mu);
	*out = t->rt_stats;
	pthread_mutex_unlock(&t->rt_mu);
}
