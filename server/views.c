/* views.c — JSON of the trader's results, in the shapes of API_CONTRACT.md.
 * Times are KST ISO 8601, dates YYYY-MM-DD, prices integers when whole. */
#include "views.h"

#include <math.h>
#include <stdio.h>

#include "kclock.h"

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *gw_json_time(int64_t ms)
{
	char buf[40];
	kst_iso8601(ms, buf, sizeof(buf));
	return json_string(buf);
}

json_t *gw_json_date(int ymd)
{
	char buf[16];
	ymd_format(ymd, buf, sizeof(buf));
	return json_string(buf);
}

/* Averages keep at most 4 decimals, as KIS gives them. */
static double round4(double v)
{
	return round(v * 10000.0) / 10000.0;
}

/* A price as a JSON number: an integer when whole (cheaper to print and
 * exact), else up to 4 decimals. */
static json_t *price_json(double v)
{
	double r = round4(v);
	if (r == floor(r) && fabs(r) < 9e15)
		return json_integer((json_int_t)r);
	return json_real(r);
}

/* The amendments and cancels, oldest first: the price/qty history. */
static json_t *legs_json(const store_leg *legs, size_t nlegs)
{
	json_t *la = json_array();
	for (size_t i = 0; i < nlegs; i++) {
		const store_leg *l = &legs[i];
		json_t *lj = json_pack(
		    "{s:s,s:s,s:I,s:o,s:o,s:o,s:o}", "kind", store_leg_kind_name(l->kind), "status",
		    store_leg_status_name(l->status), "qty", (json_int_t)l->qty, "broker_order_no",
		    str_or_null(l->odno), "orig_broker_order_no", str_or_null(l->orgn_odno),
		    "requested_at", gw_json_time(l->created_ms), "reject_code",
		    str_or_null(l->reject_code));
		if (l->kind == STORE_LEG_AMEND) {
			json_object_set_new(lj, "type", json_string(store_type_name(l->type)));
			json_object_set_new(lj, "price",
			                    l->price > 0 ? json_integer(l->price) : json_null());
			json_object_set_new(lj, "filled_qty", json_integer(l->filled_qty));
		}
		if (l->reject_message[0])
			json_object_set_new(lj, "reject_message", json_string(l->reject_message));
		json_array_append_new(la, lj);
	}
	return la;
}

/* Each fill with the KIS order number it came on (its leg's, else the
 * original's). */
static json_t *fills_json(const trader_order_detail *d)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < d->nfills; i++) {
		const store_fill *f = &d->fills[i];
		const char *no = d->order.broker_order_no;
		for (size_t k = 0; k < d->nlegs; k++)
			if (d->legs[k].id == f->leg_id)
				no = d->legs[k].odno;
		json_array_append_new(
		    arr, json_pack("{s:I,s:o,s:o,s:o}", "qty", (json_int_t)f->qty, "price",
		                   price_json((double)f->amount / (double)f->qty), "filled_at",
		                   gw_json_time(f->filled_ms), "broker_order_no", str_or_null(no)));
	}
	return arr;
}

json_t *gw_order_json(const trader_order_detail *d)
{
	const store_order *o = &d->order;
	json_t *j = json_object();
	if (!j)
		return NULL;
	json_object_set_new(j, "id", json_integer(o->id));
	json_object_set_new(j, "client_order_id", str_or_null(o->client_order_id));
	json_object_set_new(j, "code", json_string(o->code));
	if (o->name[0])
		json_object_set_new(j, "name", json_string(o->name));
	json_object_set_new(j, "side", json_string(store_side_name(o->side)));
	json_object_set_new(j, "type", json_string(store_type_name(o->type)));
	json_object_set_new(j, "qty", json_integer(o->qty));
	json_object_set_new(j, "price", o->price > 0 ? json_integer(o->price) : json_null());
	json_object_set_new(j, "time_in_force", json_string(store_tif_name(o->tif)));
	json_object_set_new(j, "venue", json_string(store_venue_name(o->venue)));
	if (o->type == STORE_STOP_LIMIT)
		json_object_set_new(j, "stop_price", json_integer(o->stop_price));
	json_object_set_new(j, "status", json_string(store_status_name(o->status)));
	json_object_set_new(j, "filled_qty", json_integer(o->filled_qty));
	json_object_set_new(j, "avg_fill_price",
	                    o->filled_qty > 0
	                        ? price_json((double)o->filled_amount / (double)o->filled_qty)
	                        : json_null());
	json_object_set_new(j, "broker_order_no", str_or_null(o->broker_order_no));
	/* The chain of KIS order numbers: the original, then each accepted
	 * amendment (KIS gives every 정정 a new number). */
	json_t *nos = json_array();
	if (o->broker_order_no[0])
		json_array_append_new(nos, json_string(o->broker_order_no));
	for (size_t i = 0; i < d->nlegs; i++)
		if (d->legs[i].kind == STORE_LEG_AMEND && d->legs[i].odno[0])
			json_array_append_new(nos, json_string(d->legs[i].odno));
	json_object_set_new(j, "broker_order_nos", nos);
	json_object_set_new(j, "canceled_qty", json_integer(o->canceled_qty));
	int64_t open = o->qty - o->filled_qty - o->canceled_qty;
	json_object_set_new(j, "open_qty",
	                    json_integer(store_status_final(o->status) || open < 0 ? 0 : open));
	json_object_set_new(j, "source", json_string(store_source_name(o->source)));
	json_object_set_new(j, "created_at", gw_json_time(o->created_ms));
	json_object_set_new(j, "updated_at", gw_json_time(o->updated_ms));
	json_object_set_new(j, "reject_code", str_or_null(o->reject_code));
	json_object_set_new(j, "reject_message", str_or_null(o->reject_message));
	if (d->with_fills) {
		json_object_set_new(j, "fills", fills_json(d));
		json_object_set_new(j, "amendments", legs_json(d->legs, d->nlegs));
	}
	return j;
}

json_t *gw_order_page_json(const trader_order_page *p)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < p->n; i++) {
		json_t *o = gw_order_json(&p->orders[i]);
		if (p->open && p->checked_with_kis)
			json_object_set_new(o, "kis_open_qty", json_integer(p->kis_open_qty[i]));
		json_array_append_new(arr, o);
	}
	json_t *j =
	    json_pack("{s:o,s:o}", "orders", arr, "next_cursor", str_or_null(p->next_cursor));
	if (p->open) {
		json_object_set_new(j, "checked_with_kis", json_boolean(p->checked_with_kis));
		if (!p->checked_with_kis)
			json_object_set_new(j, "kis_error", json_string(p->kis_error));
	}
	return j;
}

json_t *gw_preview_json(const trader_preview *p)
{
	json_t *checks = json_array();
	for (size_t i = 0; i < p->nchecks; i++) {
		const trader_check *c = &p->checks[i];
		json_t *cj = json_pack("{s:s,s:b}", "name", c->name, "ok", c->ok);
		if (c->field)
			json_object_set_new(cj, "field", json_string(c->field));
		if (c->message[0])
			json_object_set_new(cj, "message", json_string(c->message));
		json_array_append_new(checks, cj);
	}
	return json_pack("{s:b,s:o,s:I,s:I,s:I,s:o}", "ok", p->ok, "checks", checks, "amount",
	                 (json_int_t)p->amount, "fees_estimate", (json_int_t)p->fees_estimate,
	                 "tax_estimate", (json_int_t)p->tax_estimate, "orderable_qty",
	                 p->have_orderable ? json_integer(p->orderable_qty) : json_null());
}

json_t *gw_aged_json(const trader_aged *a)
{
	json_t *arr = json_array();
	/* Lots of one day share one date string. */
	json_t *memo_date = NULL;
	int memo_ymd = 0;
	for (size_t i = 0; i < a->n; i++) {
		const trader_aged_holding *x = &a->v[i];
		json_t *lots = json_array();
		for (size_t k = 0; k < x->nlots; k++) {
			const store_lot *l = &x->lots[k];
			json_t *lot = json_object();
			if (l->acquired_on != memo_ymd) {
				json_decref(memo_date);
				memo_date = gw_json_date(l->acquired_on);
				memo_ymd = l->acquired_on;
			}
			json_object_set_nocheck(lot, "acquired_on", memo_date);
			json_object_set_new_nocheck(lot, "qty", json_integer(l->qty));
			json_object_set_new_nocheck(lot, "price", price_json(l->price));
			json_array_append_new(lots, lot);
		}
		json_t *o = json_pack("{s:s,s:s,s:I,s:o,s:i,s:o}", "code", x->h->code, "name",
		                      x->h->name, "qty", (json_int_t)x->qty, "acquired_on",
		                      gw_json_date(x->acquired_on), "business_days_held",
		                      x->business_days_held, "lots", lots);
		if (x->h->incomplete)
			json_object_set_new(o, "history_incomplete", json_true());
		json_array_append_new(arr, o);
	}
	json_decref(memo_date);
	return json_pack("{s:o,s:i,s:o}", "as_of", gw_json_date(a->as_of), "days", a->days,
	                 "holdings", arr);
}

static json_t *dates_json(const int *ymd, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, gw_json_date(ymd[i]));
	return a;
}

json_t *gw_days_json(const trader_days *d)
{
	json_t *hol = json_array();
	for (size_t i = 0; i < d->nclosures; i++)
		json_array_append_new(hol, json_pack("{s:o,s:s}", "date",
		                                     gw_json_date(d->closures[i].ymd), "name",
		                                     d->closures[i].name));
	return json_pack("{s:o,s:o,s:o,s:o,s:o}", "from", gw_json_date(d->from), "to",
	                 gw_json_date(d->to), "trading_days",
	                 dates_json(d->trading_days, d->ntrading), "holidays", hol, "unknown",
	                 dates_json(d->unknown, d->nunknown));
}

json_t *gw_stats_json(const trader_stats *s)
{
	json_t *o =
	    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "passes", (json_int_t)s->passes, "pass_failures",
	              (json_int_t)s->pass_failures, "fills_added", (json_int_t)s->fills_added,
	              "imported", (json_int_t)s->imported, "unknown_resolved",
	              (json_int_t)s->unknown_resolved, "not_found", (json_int_t)s->not_found);
	if (s->last_pass_ms > 0)
		json_object_set_new(o, "last_pass_at", gw_json_time(s->last_pass_ms));
	return o;
}
