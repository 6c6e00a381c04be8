/* trader.c — the trader object, placing and cancelling orders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "krx.h"
#include "trader_internal.h"

void trader_config_defaults(trader_config *cfg)
{
	if (cfg->max_order_qty <= 0)
		cfg->max_order_qty = TRADER_DEFAULT_MAX_ORDER_QTY;
	if (cfg->max_order_amount <= 0)
		cfg->max_order_amount = TRADER_DEFAULT_MAX_ORDER_AMOUNT;
	if (cfg->reconcile_interval_s <= 0)
		cfg->reconcile_interval_s = TRADER_DEFAULT_RECONCILE_INTERVAL_S;
	if (cfg->backfill_days <= 0)
		cfg->backfill_days = TRADER_DEFAULT_BACKFILL_DAYS;
	if (cfg->unknown_window_s <= 0)
		cfg->unknown_window_s = TRADER_DEFAULT_UNKNOWN_WINDOW_S;
}

int64_t trader_now(trader *t)
{
	return kclock_now_ms(t->clock);
}

int trader_today(trader *t)
{
	return kst_date(trader_now(t));
}

trader *trader_new(const trader_config *cfg, kis_client *kis, store *db, kclock *clock, char *err,
                   size_t errlen)
{
	if (!kis || !db || !clock) {
		snprintf(err, errlen, "trader needs a KIS client, a database and a clock");
		return NULL;
	}
	trader_metrics_init();
	trader *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cfg)
		t->cfg = *cfg;
	else
		t->cfg.run_backfill = 1;
	trader_config_defaults(&t->cfg);
	t->kis = kis;
	t->db = db;
	t->clock = clock;
	pthread_mutex_init(&t->mu, NULL);
	pthread_mutex_init(&t->recon_mu, NULL);
	pthread_mutex_init(&t->rt_mu, NULL);
	pthread_mutex_init(&t->halt_mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* A pending order outlived the process that was sending it: it may
	 * have reached KIS. Never re-send; let the reconciler find it. */
	int n = store_orders_pending_to_unknown(db, trader_now(t));
	int nl = n < 0 ? -1 : store_legs_pending_to_unknown(db, trader_now(t));
	if (nl > 0)
		klogf(KLOG_WARN, "trader",
		      "%d amendment(s)/cancel(s) were in flight at the last stop; now unknown", nl);
	if (n < 0 || nl < 0 || trader_halt_load(t)) {
		snprintf(err, errlen, "cannot read the order journal");
		trader_free(t);
		return NULL;
	}
	if (n > 0)
		klogf(KLOG_WARN, "trader",
		      "%d order(s) were in flight at the last stop; now unknown", n);
	return t;
}

int trader_start(trader *t)
{
	pthread_mutex_lock(&t->mu);
	if (t->running) {
		pthread_mutex_unlock(&t->mu);
		return 0;
	}
	t->stop = 0;
	t->wake = 1;
	int rc = pthread_create(&t->thread, NULL, trader_thread, t);
	t->running = rc == 0;
	pthread_mutex_unlock(&t->mu);
	return rc == 0 ? 0 : -1;
}

void trader_stop(trader *t)
{
	if (!t)
		return;
	trader_realtime_stop(t); /* its callbacks use the reconciler */
	pthread_mutex_lock(&t->mu);
	int was = t->running;
	t->stop = 1;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	if (was)
		pthread_join(t->thread, NULL);
	pthread_mutex_lock(&t->mu);
	t->running = 0;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

void trader_free(trader *t)
{
	if (!t)
		return;
	trader_stop(t);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	pthread_mutex_destroy(&t->recon_mu);
	pthread_mutex_destroy(&t->rt_mu);
	free(t->rt_orders);
	pthread_mutex_destroy(&t->halt_mu);
	free(t);
}

static int invalid(trader_outcome *out, trader_result r, const char *field, const char *msg)
{
	out->result = r;
	out->field = field;
	snprintf(out->message, sizeof(out->message), "%s", msg);
	return -1;
}

int trader_order_check(const trader *t, const trader_order_req *req, trader_outcome *out)
{
	const trader_dvsn_rule *rule = trader_dvsn_find(req->type, req->tif);
	int priced = rule ? rule->price : req->type == STORE_LIMIT;
	if (priced) {
		if (!krx_on_tick(req->price)) {
			char msg[160];
			snprintf(msg, sizeof(msg),
			         "price %lld is not on the KRX tick grid (tick %lld at this price)",
			         (long long)req->price, (long long)krx_tick(req->price));
			return invalid(out, TRADER_INVALID, "price", msg);
		}
	}
	if (req->qty > t->cfg.max_order_qty) {
		char msg[160];
		snprintf(msg, sizeof(msg), "qty %lld is over the cap of %lld shares per order",
		         (long long)req->qty, (long long)t->cfg.max_order_qty);
		return invalid(out, TRADER_OVER_LIMIT, "qty", msg);
	}
	int64_t amount;
	if (priced && (__builtin_mul_overflow(req->qty, req->price, &amount) ||
	               amount > t->cfg.max_order_amount)) {
		char msg[160];
		snprintf(msg, sizeof(msg), "qty x price is over the cap of %lld KRW per order",
		         (long long)t->cfg.max_order_amount);
		return invalid(out, TRADER_OVER_LIMIT, "qty", msg);
	}
	return 0;
}

/* What identifies a request for replays: everything the client chose. */
static void request_canon(const trader_order_req *req, char *buf, size_t len)
{
	int n =
	    snprintf(buf, len, "code=%s;side=%s;type=%s;qty=%lld;price=%lld;source=%s", req->code,
	             store_side_name(req->side), store_type_name(req->type), (long long)req->qty,
	             (long long)req->price, store_source_name(req->source));
	/* Only what differs from a pre-0006 order, so old keys still replay. */
	if (n > 0 && (size_t)n < len &&
	    (req->tif != STORE_TIF_DAY || req->venue != STORE_VENUE_KRX || req->stop_price))
		snprintf(buf + n, len - (size_t)n, ";tif=%s;venue=%s;stop=%lld",
		         store_tif_name(req->tif), store_venue_name(req->venue),
		         (long long)req->stop_price);
}

static trader_result replay(const store_order *ex, const char *canon, trader_outcome *out)
{
	if (strcmp(ex->request, canon)) {
		out->result = TRADER_KEY_REUSED;
		out->field = "client_order_id";
		snprintf(out->message, sizeof(out->message),
		         "key %s was used for order %lld with a different body",
		         ex->client_order_id, (long long)ex->id);
		out->order = *ex;
		out->have_order = 1;
		return out->result;
	}
	out->result = TRADER_REPLAYED;
	out->order = *ex;
	out->have_order = 1;
	return out->result;
}

static void wake_reconciler(trader *t)
{
	pthread_mutex_lock(&t->mu);
	t->wake = 1;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

static trader_result internal(trader_outcome *out, const char *msg)
{
	out->result = TRADER_INTERNAL;
	snprintf(out->message, sizeof(out->message), "%s", msg);
	return out->result;
}

/* KIS accepted the order but the ledger refused to record that (e.g. a
 * unique clash on (ord_date, broker_order_no)). The acceptance is never
 * lost: logged once as an error with the broker number, the row recorded as
 * `unknown` without the number (the reconciler settles it), and the client
 * gets 202 with the order as KIS answered it (broker number included). When
 * even that write fails the journal still says pending, which the next start
 * turns into unknown. */
static trader_result accepted_unrecorded(trader *t, const store_order *o, const kis_order_ack *ack,
                                         int64_t now, trader_outcome *out)
{
	klogf(KLOG_ERROR, "trader",
	      "order %lld: KIS accepted it as %s but the ledger could not record that; kept as "
	      "unknown for the reconciler",
	      (long long)o->id, ack->odno);
	store_send_result sr = {.status = ST_UNKNOWN, .now_ms = now};
	if (store_order_sent(t->db, o->id, &sr) < 0 || store_order_get(t->db, o->id, &out->order))
		out->order = *o;
	out->order.status = ST_UNKNOWN;
	snprintf(out->order.broker_order_no, sizeof(out->order.broker_order_no), "%s", ack->odno);
	snprintf(out->order.broker_orgno, sizeof(out->order.broker_orgno), "%s", ack->orgno);
	out->have_order = 1;
	out->result = TRADER_UNKNOWN;
	wake_reconciler(t);
	return out->result;
}

trader_result trader_order_place(trader *t, const trader_order_req *req, trader_outcome *out)
{
	memset(out, 0, sizeof(*out));
	if (trader_order_check(t, req, out))
		return out->result;
	char canon[160];
	request_canon(req, canon, sizeof(canon));
	store_order ex;
	if (req->key[0]) {
		int r = store_order_get_by_key(t->db, req->key, &ex);
		if (r < 0)
			return internal(out, "cannot read the order journal");
		if (r == 0)
			return replay(&ex, canon, out);
	}
	const trader_dvsn_rule *rule = trader_dvsn_find(req->type, req->tif);
	int priced = rule ? rule->price : 0;
	/* Orders without a price are valued at the current price (caps); the
	 * day's limits for priced ones come from the same (cached) quote. */
	kis_quote q;
	memset(&q, 0, sizeof(q));
	int have_q = 0;
	if (!priced) {
		if (trader_quote(t, req->code, &q, &out->kis) != KIS_OK) {
			/* For the reply; have_order stays 0: nothing was journaled. */
			snprintf(out->order.code, sizeof(out->order.code), "%s", req->code);
			if (out->kis.status != KIS_E_UNKNOWN_CODE) /* kis/ decides it */
				return out->result = TRADER_KIS_ERROR;
			invalid(out, TRADER_UNKNOWN_CODE, "code", "");
			snprintf(out->message, sizeof(out->message), "no stock with code %s",
			         req->code);
			return out->result;
		}
		have_q = 1;
	} else {
		kis_error qe;
		have_q = trader_quote(t, req->code, &q, &qe) == KIS_OK && q.upper_limit > 0;
	}
	trader_rule_ctx ctx;
	trader_rule_ctx_now(t, have_q ? &q : NULL, &ctx);
	trader_rule_input in = {req->type, req->tif, req->venue, req->price, req->stop_price};
	trader_rule_result rr;
	if (trader_rules_check(&in, &ctx, &rr)) {
		invalid(out, TRADER_INVALID, rr.field, rr.message);
		return out->result;
	}
	rule = rr.rule;
	int64_t px = priced ? req->price : q.price > 0 ? q.price : q.upper_limit, notional = 0;
	if (__builtin_mul_overflow(req->qty, px, &notional))
		notional = INT64_MAX;
	if (!priced && notional > t->cfg.max_order_amount) {
		invalid(out, TRADER_OVER_LIMIT, "qty", "");
		snprintf(out->message, sizeof(out->message),
		         "%lld shares at the current price %lld KRW are over the cap of %lld "
		         "KRW per order",
		         (long long)req->qty, (long long)px, (long long)t->cfg.max_order_amount);
		return out->result;
	}
	trader_guard_req g = {req->code, req->side, req->qty, notional, 0};
	if (trader_guard_check(t, &g, out) != TRADER_OK)
		return out->result;
	memset(out, 0, sizeof(*out));
	store_order o;
	memset(&o, 0, sizeof(o));
	snprintf(o.client_order_id, sizeof(o.client_order_id), "%s", req->key);
	snprintf(o.request, sizeof(o.request), "%s", canon);
	snprintf(o.code, sizeof(o.code), "%s", req->code);
	o.side = req->side;
	o.type = req->type;
	o.qty = req->qty;
	o.price = priced ? req->price : 0;
	o.tif = req->tif;
	o.venue = req->venue;
	o.stop_price = req->stop_price;
	o.notional = notional;
	o.status = ST_PENDING;
	/* external is the reconciler's alone (orders kisgw did not send) */
	o.source = req->source == STORE_SRC_AUTOTRADE || req->source == STORE_SRC_PASSTHROUGH
	               ? req->source
	               : STORE_SRC_API;
	o.created_ms = o.updated_ms = o.sent_ms = trader_now(t);
	o.ord_date = kst_date(o.created_ms);
	/* The journal row is durable (synchronous=FULL) before KIS sees the order. */
	int ins = store_order_insert(t->db, &o, &ex);
	if (ins < 0) {
		out->result = TRADER_NOT_SENT;
		snprintf(out->message, sizeof(out->message), "%s", TRADER_JOURNAL_DOWN);
		return out->result;
	}
	if (ins == 1)
		return replay(&ex, canon, out);

	kis_order_req kr;
	memset(&kr, 0, sizeof(kr));
	snprintf(kr.code, sizeof(kr.code), "%s", req->code);
	kr.side = req->side == STORE_SELL ? KIS_SIDE_SELL : KIS_SIDE_BUY;
	kr.qty = req->qty;
	kr.price = o.price;
	snprintf(kr.ord_dvsn, sizeof(kr.ord_dvsn), "%s", rule->ord_dvsn);
	snprintf(kr.venue, sizeof(kr.venue), "%s", store_venue_name(req->venue));
	kr.stop_price = req->stop_price;
	kis_order_ack ack;
	memset(&ack, 0, sizeof(ack));
	int rc = kis_order_cash(t->kis, &kr, &ack, &out->kis);
	int64_t now = trader_now(t);
	store_send_result sr = {.now_ms = now};
	if (rc == KIS_OK) {
		sr.status = ST_SUBMITTED;
		sr.odno = ack.odno;
		sr.orgno = ack.orgno;
		sr.ord_date = kst_date(now);
		sr.ord_time = ack.ord_time;
		out->result = TRADER_CREATED;
		store_order held;
		if (ack.odno[0] &&
		    store_order_get_by_broker(t->db, sr.ord_date, ack.odno, &held) == 0 &&
		    held.id != o.id) {
			/* KIS accepted it under a number another order of the day
			 * holds: the ledger cannot record it (kept unknown below,
			 * accepted_unrecorded, which logs it); /healthz shows both
			 * orders for a person to sort out. */
			trader_mismatch m = {.ord_date = sr.ord_date,
			                     .order_id = held.id,
			                     .other_id = o.id,
			                     .kis_side = o.side,
			                     .led_side = held.side,
			                     .kis_qty = o.qty,
			                     .led_qty = held.qty,
			                     .seen_ms = now};
			snprintf(m.odno, sizeof(m.odno), "%s", ack.odno);
			snprintf(m.kis_code, sizeof(m.kis_code), "%s", o.code);
			snprintf(m.led_code, sizeof(m.led_code), "%s", held.code);
			trader_mismatch_record(t, &m, 0);
		}
	} else if (kis_status_refusal(out->kis.status)) {
		sr.status = ST_REJECTED;
		sr.reject_code = out->kis.msg_cd;
		sr.reject_message = out->kis.msg1;
		out->result = TRADER_REJECTED;
	} else if (!out->kis.sent) {
		sr.status = ST_NOT_SENT;
		sr.reject_code =
		    out->kis.msg_cd[0] ? out->kis.msg_cd : kis_status_name(out->kis.status);
		sr.reject_message = out->kis.msg1;
		out->result = TRADER_NOT_SENT;
	} else {
		sr.status = ST_UNKNOWN;
		out->result = TRADER_UNKNOWN;
	}
	int w = store_order_sent(t->db, o.id, &sr);
	if (w < 0 && rc == KIS_OK)
		return accepted_unrecorded(t, &o, &ack, now, out);
	if (out->result == TRADER_UNKNOWN)
		wake_reconciler(t);
	if (w < 0 || store_order_get(t->db, o.id, &out->order) != 0) {
		/* The journal still says pending: the next start makes it unknown
		 * and the reconciler settles it. Never re-sent. */
		return internal(out, "the order was sent but its outcome could not be recorded");
	}
	out->have_order = 1;
	return out->result;
}

trader_result trader_order_cancel(trader *t, int64_t id, trader_outcome *out)
{
	return trader_order_cancel_qty(t, id, 0, NULL, out);
}
