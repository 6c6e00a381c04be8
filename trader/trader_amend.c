/* trader_amend.c — amendments (정정) and partial cancels of an open order.
 *
 * KIS answers each with a new order number. The ledger keeps one order and
 * adds a leg per amendment or cancel (storage order_legs), journaled as
 * pending before KIS sees it and sent once, exactly like an order: an
 * answer that never came leaves the leg unknown for the reconciler, which
 * finds it by its orgn_odno. The open rest of each KIS order number (leg)
 * is computed from the legs; an amendment acts on the newest leg still
 * open, a cancel takes shares from the newest legs first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "krx.h"
#include "trader_internal.h"

/* One KIS order number of an order and what is still open on it. */
typedef struct live_leg {
	char odno[16], orgno[8];
	int64_t remaining;
} live_leg;

/* The open rest per KIS order number, original first. legs: the order's
 * legs (seq order). Returns how many were written to v (<= cap). */
static size_t live_legs(const store_order *o, const store_leg *legs, size_t n, live_leg *v,
                        size_t cap)
{
	size_t k = 0;
	int64_t legs_filled = 0;
	for (size_t i = 0; i < n; i++)
		if (legs[i].kind == STORE_LEG_AMEND && legs[i].status == LEG_ACCEPTED)
			legs_filled += legs[i].filled_qty;
	/* leg 0 */
	if (cap > 0 && o->broker_order_no[0]) {
		snprintf(v[k].odno, sizeof(v[k].odno), "%s", o->broker_order_no);
		snprintf(v[k].orgno, sizeof(v[k].orgno), "%s", o->broker_orgno);
		v[k].remaining = o->qty - (o->filled_qty - legs_filled);
		k++;
	}
	for (size_t i = 0; i < n && k < cap; i++) {
		if (legs[i].kind != STORE_LEG_AMEND || legs[i].status != LEG_ACCEPTED ||
		    !legs[i].odno[0])
			continue;
		snprintf(v[k].odno, sizeof(v[k].odno), "%s", legs[i].odno);
		snprintf(v[k].orgno, sizeof(v[k].orgno), "%s", legs[i].orgno);
		v[k].remaining = legs[i].qty - legs[i].filled_qty;
		k++;
	}
	/* What amendments moved away and cancels took, from the leg they name. */
	for (size_t i = 0; i < n; i++) {
		if (legs[i].status != LEG_ACCEPTED && legs[i].status != LEG_UNKNOWN &&
		    legs[i].status != LEG_PENDING)
			continue;
		for (size_t j = 0; j < k; j++)
			if (!strcmp(v[j].odno, legs[i].orgn_odno))
				v[j].remaining -= legs[i].qty;
	}
	for (size_t j = 0; j < k; j++)
		if (v[j].remaining < 0)
			v[j].remaining = 0;
	/* The ledger's own view wins when KIS already said less is open. */
	int64_t open = o->qty - o->filled_qty - o->canceled_qty, sum = 0;
	for (size_t j = 0; j < k; j++)
		sum += v[j].remaining;
	for (size_t j = 0; j < k && sum > open; j++) {
		int64_t cut = sum - open < v[j].remaining ? sum - open : v[j].remaining;
		v[j].remaining -= cut;
		sum -= cut;
	}
	return k;
}

static trader_result done(trader_outcome *out, trader_result r, const char *field, const char *msg)
{
	out->result = r;
	out->field = field;
	if (msg)
		snprintf(out->message, sizeof(out->message), "%s", msg);
	return r;
}

static void wake(trader *t)
{
	pthread_mutex_lock(&t->mu);
	t->wake = 1;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

/* Loads order id into out (have_order); NOT_FOUND / INTERNAL otherwise. */
static trader_result load(trader *t, int64_t id, trader_outcome *out)
{
	int g = store_order_get(t->db, id, &out->order);
	if (g < 0)
		return done(out, TRADER_INTERNAL, NULL, "cannot read the order journal");
	if (g == 1) {
		snprintf(out->message, sizeof(out->message), "no order %lld", (long long)id);
		return out->result = TRADER_NOT_FOUND;
	}
	out->have_order = 1;
	return TRADER_OK;
}

/* A key already used for a leg: the same request replays (200 with the
 * order as it is now), another one is 409. 1 when handled. */
static int key_replay(trader *t, const char *key, int64_t id, const char *canon,
                      trader_outcome *out)
{
	store_leg ex;
	int r = key[0] ? store_leg_get_by_key(t->db, key, &ex) : 1;
	if (r < 0) {
		done(out, TRADER_INTERNAL, NULL, "cannot read the order journal");
		return 1;
	}
	if (r == 1)
		return 0;
	if (ex.order_id != id || strcmp(ex.request, canon)) {
		snprintf(out->message, sizeof(out->message),
		         "key %s was used for another amendment or cancel", key);
		out->result = TRADER_KEY_REUSED;
		out->field = "Idempotency-Key";
		return 1;
	}
	if (load(t, id, out) == TRADER_OK)
		out->result = TRADER_REPLAYED;
	return 1;
}

/* After KIS refused leg kind: learn the order's state; nothing open is
 * FINAL with KIS's reason, anything else stays KIS's refusal of the cancel
 * or the amendment. */
static trader_result refused(trader *t, store_leg_kind kind, trader_outcome *out)
{
	kis_error rerr;
	trader_refresh_order(t, &out->order, &rerr);
	store_order_get(t->db, out->order.id, &out->order);
	if (store_status_final(out->order.status) ||
	    out->order.qty - out->order.filled_qty - out->order.canceled_qty <= 0) {
		snprintf(out->message, sizeof(out->message), "nothing is left to change: %.160s",
		         out->kis.msg1);
		return out->result = TRADER_FINAL;
	}
	return out->result =
	           kind == STORE_LEG_CANCEL ? TRADER_CANCEL_REJECTED : TRADER_AMEND_REJECTED;
}

/* Journals, sends and records one leg. */
static trader_result leg_send(trader *t, store_leg *l, const kis_revise_req *kr,
                              trader_outcome *out)
{
	store_leg ex;
	int ins = store_leg_insert(t->db, l, &ex);
	if (ins < 0)
		return done(out, TRADER_NOT_SENT, NULL, TRADER_JOURNAL_DOWN);
	if (ins == 1) { /* the same key won a race: replay it */
		if (ex.order_id != l->order_id || strcmp(ex.request, l->request))
			return done(out, TRADER_KEY_REUSED, "Idempotency-Key",
			            "the key was used for another request");
		load(t, l->order_id, out);
		return out->result = TRADER_REPLAYED;
	}
	kis_order_ack ack;
	memset(&ack, 0, sizeof(ack));
	int rc = kis_order_revise(t->kis, kr, &ack, &out->kis);
	int64_t now = trader_now(t);
	store_leg_result lr = {.now_ms = now};
	if (rc == KIS_OK) {
		lr.status = LEG_ACCEPTED;
		lr.odno = ack.odno;
		lr.orgno = ack.orgno;
		lr.ord_date = kst_date(now);
		lr.ord_time = ack.ord_time;
	} else if (kis_status_refusal(out->kis.status)) {
		lr.status = LEG_REJECTED;
		lr.reject_code = out->kis.msg_cd;
		lr.reject_message = out->kis.msg1;
	} else if (!out->kis.sent) {
		lr.status = LEG_NOT_SENT;
		lr.reject_code =
		    out->kis.msg_cd[0] ? out->kis.msg_cd : kis_status_name(out->kis.status);
		lr.reject_message = out->kis.msg1;
	} else {
		lr.status = LEG_UNKNOWN;
	}
	if (store_leg_sent(t->db, l->id, &lr) < 0)
		return done(out, TRADER_INTERNAL, NULL,
		            "the request was sent but its outcome could not be recorded");
	if (lr.status == LEG_REJECTED)
		return refused(t, l->kind, out);
	if (lr.status == LEG_NOT_SENT)
		return out->result = TRADER_NOT_SENT;
	if (lr.status == LEG_UNKNOWN) {
		wake(t);
		return out->result = TRADER_ACCEPTED;
	}
	return out->result = TRADER_OK;
}

static void canon_amend(const trader_amend_req *r, char *buf, size_t len)
{
	snprintf(buf, len, "amend:id=%lld;price=%lld;type=%s;qty=%lld", (long long)r->id,
	         r->have_price ? (long long)r->price : -1LL,
	         r->have_type ? store_type_name(r->type) : "-", (long long)r->qty);
}

trader_result trader_order_amend(trader *t, const trader_amend_req *req, trader_outcome *out)
{
	memset(out, 0, sizeof(*out));
	char canon[160];
	canon_amend(req, canon, sizeof(canon));
	if (key_replay(t, req->key, req->id, canon, out))
		return out->result;
	if (load(t, req->id, out) != TRADER_OK)
		return out->result;
	store_order *o = &out->order;
	trader_guard_req g = {o->code, o->side, 0, 0, 1};
	trader_outcome gout;
	memset(&gout, 0, sizeof(gout));
	if (trader_guard_check(t, &g, &gout) != TRADER_OK) {
		out->result = gout.result;
		snprintf(out->message, sizeof(out->message), "%s", gout.message);
		return out->result;
	}
	if (store_status_final(o->status)) {
		snprintf(out->message, sizeof(out->message), "order %lld is already %s",
		         (long long)o->id, store_status_name(o->status));
		return out->result = TRADER_FINAL;
	}
	if (!o->broker_order_no[0] || o->status == ST_UNKNOWN || o->status == ST_PENDING)
		return done(
		    out, TRADER_CONFLICT, NULL,
		    "KIS has not confirmed this order yet; it cannot be amended until it is "
		    "reconciled");
	if (!req->have_price && !req->have_type && req->qty == 0)
		return done(out, TRADER_INVALID, "price", "give at least one of price, type, qty");
	store_leg *legs = NULL;
	size_t n = 0;
	if (store_legs_list(t->db, o->id, &legs, &n))
		return done(out, TRADER_INTERNAL, NULL, "cannot read the order journal");
	for (size_t i = 0; i < n; i++)
		if (legs[i].status == LEG_PENDING || legs[i].status == LEG_UNKNOWN) {
			free(legs);
			return done(
			    out, TRADER_CONFLICT, NULL,
			    "an earlier amendment or cancel of this order is not settled yet");
		}
	live_leg v[32];
	size_t nv = live_legs(o, legs, n, v, 32);
	store_type cur_type = o->type;
	int64_t cur_price = o->price;
	free(legs);
	int at = -1;
	for (size_t j = nv; j-- > 0;)
		if (v[j].remaining > 0) {
			at = (int)j;
			break;
		}
	if (at < 0)
		return done(out, TRADER_FINAL, NULL, "nothing of this order is open any more");
	if (req->qty < 0 || req->qty > v[at].remaining) {
		char m[160];
		snprintf(m, sizeof(m), "qty must be 1..%lld (the open rest of KIS order %s)",
		         (long long)v[at].remaining, v[at].odno);
		return done(out, TRADER_INVALID, "qty", m);
	}
	store_type nt = req->have_type ? req->type : cur_type;
	const trader_dvsn_rule *rule = trader_dvsn_find(nt, o->tif);
	int64_t np = req->have_price ? req->price : rule && rule->price ? cur_price : 0;
	kis_quote q;
	kis_error qe;
	int have_q = trader_quote(t, o->code, &q, &qe) == KIS_OK && q.upper_limit > 0;
	trader_rule_ctx ctx;
	trader_rule_ctx_now(t, have_q ? &q : NULL, &ctx);
	trader_rule_input in = {nt, o->tif, o->venue, np,
	                        nt == STORE_STOP_LIMIT ? o->stop_price : 0};
	trader_rule_result rr;
	if (trader_rules_check(&in, &ctx, &rr))
		return done(out, TRADER_INVALID, rr.field, rr.message);
	store_leg l;
	memset(&l, 0, sizeof(l));
	l.order_id = o->id;
	l.kind = STORE_LEG_AMEND;
	snprintf(l.client_key, sizeof(l.client_key), "%s", req->key);
	snprintf(l.request, sizeof(l.request), "%s", canon);
	snprintf(l.orgn_odno, sizeof(l.orgn_odno), "%s", v[at].odno);
	l.type = nt;
	l.price = np;
	l.qty = req->qty ? req->qty : v[at].remaining;
	l.created_ms = l.updated_ms = l.sent_ms = trader_now(t);
	kis_revise_req kr = {
	    .cancel = 0, .qty = req->qty, .price = np, .stop_price = in.stop_price};
	snprintf(kr.orgno, sizeof(kr.orgno), "%s", v[at].orgno);
	snprintf(kr.odno, sizeof(kr.odno), "%s", v[at].odno);
	snprintf(kr.ord_dvsn, sizeof(kr.ord_dvsn), "%s", rr.rule->ord_dvsn);
	snprintf(kr.venue, sizeof(kr.venue), "%s", store_venue_name(o->venue));
	leg_send(t, &l, &kr, out);
	if (out->result != TRADER_INTERNAL && out->result != TRADER_KEY_REUSED)
		store_order_get(t->db, o->id, &out->order);
	return out->result;
}

trader_result trader_order_cancel_qty(trader *t, int64_t id, int64_t qty, const char *key,
                                      trader_outcome *out)
{
	memset(out, 0, sizeof(*out));
	char canon[160];
	snprintf(canon, sizeof(canon), "cancel:id=%lld;qty=%lld", (long long)id, (long long)qty);
	if (key && key[0] && key_replay(t, key, id, canon, out))
		return out->result;
	if (load(t, id, out) != TRADER_OK)
		return out->result;
	store_order *o = &out->order;
	if (store_status_final(o->status)) {
		snprintf(out->message, sizeof(out->message), "order %lld is already %s",
		         (long long)id, store_status_name(o->status));
		return out->result = TRADER_FINAL;
	}
	if (!o->broker_order_no[0])
		return done(
		    out, TRADER_CONFLICT, NULL,
		    "KIS has not confirmed this order yet, so it cannot be cancelled until it "
		    "is reconciled");
	store_leg *legs = NULL;
	size_t n = 0;
	if (store_legs_list(t->db, o->id, &legs, &n))
		return done(out, TRADER_INTERNAL, NULL, "cannot read the order journal");
	live_leg v[32];
	size_t nv = live_legs(o, legs, n, v, 32);
	free(legs);
	int64_t open = 0;
	for (size_t j = 0; j < nv; j++)
		open += v[j].remaining;
	if (open <= 0)
		return done(out, TRADER_FINAL, NULL, "nothing of this order is open any more");
	if (qty < 0 || qty > open) {
		char m[128];
		snprintf(m, sizeof(m), "qty must be 1..%lld (the open rest)", (long long)open);
		return done(out, TRADER_INVALID, "qty", m);
	}
	/* Newest leg first; each KIS order number is one order-rvsecncl call. */
	int64_t left = qty ? qty : open;
	int sent_any = 0;
	trader_result last = TRADER_OK;
	for (size_t j = nv; j-- > 0 && left > 0;) {
		if (v[j].remaining <= 0)
			continue;
		int64_t take = left < v[j].remaining ? left : v[j].remaining;
		store_leg l;
		memset(&l, 0, sizeof(l));
		l.order_id = o->id;
		l.kind = STORE_LEG_CANCEL;
		/* The key names the request; a second leg of it carries none. */
		if (!sent_any && key)
			snprintf(l.client_key, sizeof(l.client_key), "%s", key);
		snprintf(l.request, sizeof(l.request), "%s", canon);
		snprintf(l.orgn_odno, sizeof(l.orgn_odno), "%s", v[j].odno);
		l.qty = take;
		l.created_ms = l.updated_ms = l.sent_ms = trader_now(t);
		kis_revise_req kr = {.cancel = 1, .qty = take == v[j].remaining ? 0 : take};
		snprintf(kr.orgno, sizeof(kr.orgno), "%s", v[j].orgno);
		snprintf(kr.odno, sizeof(kr.odno), "%s", v[j].odno);
		snprintf(kr.venue, sizeof(kr.venue), "%s", store_venue_name(o->venue));
		if (qty == 0 && !sent_any)
			store_order_set_status(t->db, id,
			                       (1u << ST_SUBMITTED) | (1u << ST_PARTIALLY_FILLED),
			                       ST_CANCEL_REQUESTED, trader_now(t));
		last = leg_send(t, &l, &kr, out);
		sent_any = 1;
		if (last != TRADER_OK)
			break;
		left -= take;
	}
	kis_error rerr;
	if (last == TRADER_ACCEPTED) { /* the answer was lost: the reconciler will tell */
		store_order_get(t->db, id, &out->order);
		return out->result = last;
	}
	if (last == TRADER_OK) {
		trader_refresh_order(t, o, &rerr);
		store_order_get(t->db, id, &out->order);
		if (last == TRADER_OK && qty == 0 && !store_status_final(out->order.status))
			last = TRADER_ACCEPTED; /* KIS took the cancel; the ledger has not seen it
			                           yet */
		return out->result = last;
	}
	if (qty == 0 &&
	    (last == TRADER_CANCEL_REJECTED || last == TRADER_NOT_SENT || last == TRADER_FINAL))
		store_order_set_status(
		    t->db, id, 1u << ST_CANCEL_REQUESTED,
		    out->order.filled_qty > 0 ? ST_PARTIALLY_FILLED : ST_SUBMITTED, trader_now(t));
	store_order_get(t->db, id, &out->order);
	return out->result;
}
