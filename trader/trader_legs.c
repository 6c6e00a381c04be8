/* trader_legs.c — the reconciler's side of amendments and cancels: a KIS
 * history row belongs to an order through its own number or, for the row
 * of an amendment or a cancel, through orgn_odno (the number it acted on).
 * Unknown legs (the answer never came, or kisgw died before it) are adopted
 * by the row that names their leg, so nothing is imported twice; an
 * order with legs is brought up to date from all its rows at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "krx.h"
#include "trader_internal.h"

/* The order owning KIS number odno on date d (the original or a leg). */
static int owner_of(trader *t, int d, const char *odno, int64_t *order_id)
{
	store_order o;
	store_leg l;
	int g = store_order_get_by_broker(t->db, d, odno, &o);
	if (g == 0) {
		*order_id = o.id;
		return 1;
	}
	if (g < 0)
		return -1;
	g = store_leg_get_by_broker(t->db, d, odno, &l);
	if (g == 0) {
		*order_id = l.order_id;
		return 1;
	}
	return g < 0 ? -1 : 0;
}

/* The oldest unsettled leg of kind k of order_id acting on orgn. */
static int unsettled_leg(trader *t, int64_t order_id, store_leg_kind k, const char *orgn,
                         store_leg *out)
{
	store_leg *legs = NULL;
	size_t n = 0;
	if (store_legs_list(t->db, order_id, &legs, &n))
		return -1;
	int found = 0;
	for (size_t i = 0; i < n && !found; i++)
		if (legs[i].kind == k && !legs[i].odno[0] && !strcmp(legs[i].orgn_odno, orgn) &&
		    (legs[i].status == LEG_UNKNOWN || legs[i].status == LEG_PENDING)) {
			*out = legs[i];
			found = 1;
		}
	free(legs);
	return found;
}

static int has_legs(trader *t, int64_t order_id)
{
	store_leg *legs = NULL;
	size_t n = 0;
	if (store_legs_list(t->db, order_id, &legs, &n))
		return -1;
	free(legs);
	return n > 0;
}

int trader_legs_claim(trader *t, const kis_ccld_row *r, int64_t now, int64_t *order_id)
{
	store_leg l;
	if (!r->cancel_row) {
		int g = store_leg_get_by_broker(t->db, r->ord_date, r->odno, &l);
		if (g < 0)
			return -1;
		if (g == 0) {
			*order_id = l.order_id;
			return 1;
		}
		store_order o;
		g = store_order_get_by_broker(t->db, r->ord_date, r->odno, &o);
		if (g < 0)
			return -1;
		if (g == 0) {
			*order_id = o.id;
			return has_legs(t, o.id);
		}
	}
	if (!r->orgn_odno[0])
		return 0;
	int w = owner_of(t, r->ord_date, r->orgn_odno, order_id);
	if (w <= 0)
		return w;
	store_leg_kind k = r->cancel_row ? STORE_LEG_CANCEL : STORE_LEG_AMEND;
	int u = unsettled_leg(t, *order_id, k, r->orgn_odno, &l);
	if (u < 0)
		return -1;
	if (u == 0) {
		if (r->cancel_row)
			return 1; /* a cancel sent elsewhere: its effect shows on the leg it names
			           */
		/* An amendment made elsewhere (HTS, phone): the order gains the leg. */
		memset(&l, 0, sizeof(l));
		l.order_id = *order_id;
		l.kind = STORE_LEG_AMEND;
		snprintf(l.request, sizeof(l.request), "external");
		snprintf(l.orgn_odno, sizeof(l.orgn_odno), "%s", r->orgn_odno);
		const trader_dvsn_rule *rule = trader_dvsn_by_code(r->ord_dvsn);
		l.type = rule ? rule->type : r->ord_price > 0 ? STORE_LIMIT : STORE_MARKET;
		l.price = r->ord_price;
		l.qty = r->ord_qty;
		l.created_ms = l.updated_ms = l.sent_ms = now;
		if (store_leg_insert(t->db, &l, NULL) != 0)
			return -1;
	}
	store_leg_result lr = {.status = LEG_ACCEPTED,
	                       .odno = r->odno,
	                       .orgno = r->orgno,
	                       .ord_date = r->ord_date,
	                       .ord_time = r->ord_time,
	                       .qty = r->ord_qty,
	                       .now_ms = now};
	if (store_leg_sent(t->db, l.id, &lr) < 0)
		return -1;
	if (u == 1)
		klogf(KLOG_INFO, "trader", "order %lld: %s %s settled from KIS history (%s)",
		      (long long)*order_id, store_leg_kind_name(k), r->odno, r->orgn_odno);
	return 1;
}

static const kis_ccld_row *row_of(const kis_ccld_list *l, int d, const char *odno)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->rows[i].cancel_row && l->rows[i].ord_date == d &&
		    !strcmp(l->rows[i].odno, odno))
			return &l->rows[i];
	return NULL;
}

static int64_t row_amount(const kis_ccld_row *r)
{
	if (r->filled_amount > 0 || r->filled_qty <= 0 || r->avg_fill_price <= 0)
		return r->filled_amount;
	return (int64_t)(r->avg_fill_price * (double)r->filled_qty + 0.5);
}

int trader_legs_apply(trader *t, int64_t order_id, const kis_ccld_list *l, int today, int64_t now,
                      uint64_t *fills_added)
{
	store_order o;
	if (store_order_get(t->db, order_id, &o))
		return -1;
	store_leg *legs = NULL;
	size_t n = 0;
	if (store_legs_list(t->db, order_id, &legs, &n))
		return -1;
	int64_t open = 0, canceled = 0;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (legs[i].kind != STORE_LEG_AMEND || !legs[i].odno[0])
			continue;
		const kis_ccld_row *r = row_of(l, legs[i].ord_date, legs[i].odno);
		if (!r)
			continue;
		int64_t rem = r->ord_date < today ? 0 : r->remaining_qty;
		store_leg_progress p = {
		    .filled_qty = r->filled_qty,
		    .filled_amount = row_amount(r),
		    .remaining_qty = rem,
		    .trade_date = r->ord_date,
		    .fill_ms =
		        r->ord_date == today ? now : kst_epoch_ms(r->ord_date, KRX_CLOSE_HHMMSS),
		    .now_ms = now};
		int64_t added = store_leg_progress_apply(t->db, legs[i].id, &p);
		if (added < 0)
			rc = -1;
		else if (added > 0)
			(*fills_added)++;
		open += rem;
		canceled += r->canceled_qty;
	}
	free(legs);
	if (rc)
		return rc;
	/* Leg 0, with the order's totals: its own fills plus every leg's. */
	const kis_ccld_row *r0 =
	    o.broker_order_no[0] ? row_of(l, o.ord_date, o.broker_order_no) : NULL;
	if (!r0)
		return 0;
	if (store_order_get(t->db, order_id, &o) || store_legs_list(t->db, order_id, &legs, &n))
		return -1;
	int64_t lf = 0, la = 0;
	for (size_t i = 0; i < n; i++)
		if (legs[i].kind == STORE_LEG_AMEND) {
			lf += legs[i].filled_qty;
			la += legs[i].filled_amount;
		}
	free(legs);
	int64_t filled = r0->filled_qty + lf, amount = row_amount(r0) + la;
	open += r0->ord_date < today ? 0 : r0->remaining_qty;
	canceled += r0->canceled_qty;
	store_status st = o.status;
	if (!store_status_final(st) || st == ST_NOT_SENT || st == ST_NOT_FOUND) {
		if (filled >= o.qty)
			st = ST_FILLED;
		else if (open <= 0)
			st = ST_CANCELED;
		else if (st != ST_CANCEL_REQUESTED)
			st = filled > 0 ? ST_PARTIALLY_FILLED : ST_SUBMITTED;
	}
	store_progress p = {
	    .status = st,
	    .filled_qty = filled,
	    .filled_amount = amount,
	    .canceled_qty = canceled,
	    .name = r0->name,
	    .trade_date = r0->ord_date,
	    .fill_ms = r0->ord_date == today ? now : kst_epoch_ms(r0->ord_date, KRX_CLOSE_HHMMSS),
	    .now_ms = now};
	int64_t added = store_order_progress(t->db, order_id, &p);
	if (added < 0)
		return -1;
	if (added > 0)
		(*fills_added)++;
	return 0;
}

int trader_legs_expire(trader *t, int64_t now, int window_s)
{
	store_leg *legs = NULL;
	size_t n = 0;
	if (store_legs_by_status(t->db, 1u << LEG_UNKNOWN, &legs, &n))
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		int d = kst_date(legs[i].sent_ms);
		int64_t close = kst_epoch_ms(d, 200000); /* NXT trades until 20:00 */
		if (now < close + (int64_t)window_s * 1000)
			continue;
		store_leg_result lr = {.status = LEG_NOT_FOUND, .now_ms = now};
		rc = store_leg_sent(t->db, legs[i].id, &lr) < 0 ? -1 : 0;
	}
	free(legs);
	return rc;
}
