/* orders.c — POST/GET /orders, the preview, GET/PATCH/DELETE /orders/{id},
 * and the on-demand reconcile and backfill. The body and parameters are declared here (input.h
 * checks them); the journal, idempotency and KIS calls are trader_order_place. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "http.h"
#include "input.h"
#include "params.h"
#include "trader.h"
#include "views.h"

/* What a client may choose for an idempotency key (client_order_id or the
 * Idempotency-Key header). */
#define ORDER_KEY_PATTERN "^[A-Za-z0-9._:-]{1,64}$"
#define ORDER_KEY_HINT    "1-64 of A-Z a-z 0-9 . _ : -"

typedef struct order_in {
	const char *code;
	int side; /* store_side */
	int64_t qty;
	int type;      /* store_type */
	int64_t price; /* the types with a limit price only (PRICED_TYPES); else 0 */
	const char *client_order_id;
	int time_in_force;  /* store_tif, default day */
	int venue;          /* store_venue, default KRX */
	int64_t stop_price; /* stop_limit only */
} order_in;

/* The types that send a limit price (trader_dvsn_rule.price; the table's
 * test checks this list against it). */
#define PRICED_TYPES "limit|conditional_limit|after_hours_single|stop_limit"

/* An order or cancel that never reached KIS: 503 (retry later), or what the
 * KIS error means when it is about the configuration; why, when not
 * empty, is the trader's reason (the journal could not be written). */
static void reply_not_sent(gw_resp *resp, const kis_error *e, const char *why)
{
	int retry = e->retry_after_s > 0 ? e->retry_after_s : 1;
	switch (e->status) {
	case KIS_E_TOKEN:
		gw_reply_error(resp, GW_E_TOKEN_UNAVAILABLE, NULL, NULL);
		resp->retry_after_s = retry;
		break;
	case KIS_E_BUSY:
	case KIS_E_RATE_LIMIT:
		gw_reply_error(resp, GW_E_RATE_LIMITED, NULL,
		               "the order was not sent: rate limit reached; retry later");
		resp->retry_after_s = retry;
		break;
	case KIS_E_CONFIG:
	case KIS_E_UNSUPPORTED:
	case KIS_E_INTERNAL:
		gw_reply_kis_error(resp, e);
		break;
	default:
		gw_reply_error(
		    resp, GW_E_UNAVAILABLE, NULL, "%s",
		    why[0] ? why : "the order was not sent: KIS could not be reached; retry later");
		resp->retry_after_s = retry;
		break;
	}
	if (e->msg_cd[0] || e->msg1[0])
		gw_error_add_kis(resp, e->msg_cd, e->msg1);
}

typedef enum reply_kind {
	R_NONE,    /* not in the table: answered as TRADER_INTERNAL */
	R_ORDER,   /* status + the order */
	R_ERROR,   /* err with the trader's message (and field when named) */
	R_REFUSAL, /* err saying KIS refused `what`, with its msg1 and "kis" */
	R_NOT_SENT,
	R_KIS, /* what the KIS error means (gw_reply_kis_error) */
} reply_kind;

/* How each trader outcome is answered: the one map of order outcomes to
 * HTTP. named: the trader's field goes in the envelope; with_kis: KIS's
 * msg_cd/msg1 too, when there are any; with_order: the order as well. */
static const struct {
	reply_kind kind;
	int status;       /* R_ORDER */
	gw_err err;       /* R_ERROR, R_REFUSAL */
	const char *what; /* R_REFUSAL: what KIS refused */
	unsigned char named, with_kis, with_order;
} outcome_http[TRADER__MAX] = {
    [TRADER_CREATED] = {.kind = R_ORDER, .status = 201},
    [TRADER_REPLAYED] = {.kind = R_ORDER, .status = 200},
    [TRADER_UNKNOWN] = {.kind = R_ORDER, .status = 202},
    [TRADER_ACCEPTED] = {.kind = R_ORDER, .status = 202},
    [TRADER_OK] = {.kind = R_ORDER, .status = 200},
    [TRADER_REJECTED] = {.kind = R_REFUSAL,
                         .err = GW_E_ORDER_REJECTED,
                         .what = "order",
                         .with_kis = 1,
                         .with_order = 1},
    [TRADER_CANCEL_REJECTED] = {.kind = R_REFUSAL,
                                .err = GW_E_KIS_REJECTED,
                                .what = "cancel",
                                .with_kis = 1,
                                .with_order = 1},
    [TRADER_AMEND_REJECTED] = {.kind = R_REFUSAL,
                               .err = GW_E_KIS_REJECTED,
                               .what = "amendment",
                               .with_kis = 1,
                               .with_order = 1},
    [TRADER_NOT_SENT] = {.kind = R_NOT_SENT, .with_order = 1},
    [TRADER_INVALID] = {.kind = R_ERROR, .err = GW_E_INVALID_FIELD, .named = 1},
    [TRADER_OVER_LIMIT] = {.kind = R_ERROR, .err = GW_E_OVER_LIMIT, .named = 1},
    [TRADER_KEY_REUSED] = {.kind = R_ERROR, .err = GW_E_IDEMPOTENCY_REUSED, .named = 1},
    [TRADER_KIS_ERROR] = {.kind = R_KIS},
    [TRADER_UNKNOWN_CODE] = {.kind = R_ERROR, .err = GW_E_UNKNOWN_CODE, .named = 1, .with_kis = 1},
    [TRADER_NOT_FOUND] = {.kind = R_ERROR, .err = GW_E_NOT_FOUND},
    [TRADER_FINAL] = {.kind = R_ERROR, .err = GW_E_ORDER_FINAL, .with_kis = 1, .with_order = 1},
    [TRADER_CONFLICT] = {.kind = R_ERROR, .err = GW_E_CONFLICT, .with_order = 1},
    [TRADER_HALTED] = {.kind = R_ERROR, .err = GW_E_TRADING_HALTED},
    [TRADER_INTERNAL] = {.kind = R_ERROR, .err = GW_E_INTERNAL, .with_order = 1},
};

/* The order as JSON (its legs, and with_fills its fills and amendments). */
static json_t *order_json(gw_req *req, const store_order *o, int with_fills)
{
	trader_order_detail d;
	trader_order_detail_get(req->app->trader, o, with_fills, &d);
	json_t *j = gw_order_json(&d);
	trader_order_detail_free(&d);
	return j;
}

/* Answers an outcome of placing, amending or cancelling through
 * outcome_http; with_fills: the order with its fills (PATCH, DELETE). */
static void reply_outcome(gw_req *req, gw_resp *resp, const trader_outcome *out, int with_fills)
{
	const store_order *o = &out->order;
	unsigned r = (unsigned)out->result < TRADER__MAX ? out->result : TRADER_INTERNAL;
	if (outcome_http[r].kind == R_NONE)
		r = TRADER_INTERNAL;
	switch (outcome_http[r].kind) {
	case R_ORDER:
		gw_reply(resp, outcome_http[r].status, order_json(req, o, with_fills));
		if (r == TRADER_CREATED)
			snprintf(resp->location, sizeof(resp->location), "/orders/%lld",
			         (long long)o->id);
		return;
	case R_REFUSAL:
		gw_reply_error(resp, outcome_http[r].err, NULL, "KIS refused the %s: %s",
		               outcome_http[r].what, out->kis.msg1);
		break;
	case R_NOT_SENT:
		reply_not_sent(resp, &out->kis, out->message);
		break;
	case R_KIS:
		gw_reply_kis_error(resp, &out->kis);
		break;
	case R_ERROR:
	default:
		gw_reply_error(resp, outcome_http[r].err, outcome_http[r].named ? out->field : NULL,
		               "%s", out->message);
		break;
	}
	if (outcome_http[r].with_kis && out->kis.msg_cd[0])
		gw_error_add_kis(resp, out->kis.msg_cd, out->kis.msg1);
	if (outcome_http[r].with_order && out->have_order && json_is_object(resp->body))
		json_object_set_new(resp->body, "order", order_json(req, o, 0));
}

/* The shape of an order, declared once for POST /orders and the preview;
 * the trader checks the rest (the type / time_in_force / venue table,
 * session, tick grid, daily limits, caps, the guard, the stock's existence). */
#define ORDER_FIELDS                                                                               \
	GW_FIELDS(GW_CODE(order_in, code, .required = 1),                                          \
	          GW_ENUM(order_in, side, .required = 1, .choices = store_side_names),             \
	          GW_INT(order_in, qty, .required = 1, .min = 1, .max = INT64_MAX),                \
	          GW_ENUM(order_in, type, .required = 1, .choices = store_type_names),             \
	          GW_INT(order_in, price, .min = 1, .max = TRADER_MAX_PRICE, .when = "type",       \
	                 .when_is = PRICED_TYPES),                                                 \
	          GW_STRING(order_in, client_order_id, .pattern = ORDER_KEY_PATTERN,               \
	                    .hint = ORDER_KEY_HINT),                                               \
	          GW_ENUM(order_in, time_in_force, .choices = store_tif_names, .def_s = "day"),    \
	          GW_ENUM(order_in, venue, .choices = store_venue_names, .def_s = "KRX"),          \
	          GW_INT(order_in, stop_price, .min = 1, .max = TRADER_MAX_PRICE, .when = "type",  \
	                 .when_is = "stop_limit"))

/* The request of an order body; -1 after a 400 (key header vs field). */
static int order_req(gw_req *req, const order_in *in, gw_resp *resp, trader_order_req *r)
{
	memset(r, 0, sizeof(*r));
	r->side = (store_side)in->side;
	r->type = (store_type)in->type;
	r->qty = in->qty;
	r->price = in->price;
	r->source = STORE_SRC_API;
	r->tif = (store_tif)in->time_in_force;
	r->venue = (store_venue)in->venue;
	r->stop_price = in->stop_price;
	snprintf(r->code, sizeof(r->code), "%s", in->code);
	/* The header is the alternative to the field; both must agree. */
	const char *hdr = gw_header(req, "Idempotency-Key");
	const char *key = in->client_order_id;
	if (key && hdr && strcmp(hdr, key)) {
		gw_reply_error(resp, GW_E_KEY_MISMATCH, "client_order_id", NULL);
		return -1;
	}
	if (!key && hdr) {
		if (!gw_pattern_match(ORDER_KEY_PATTERN, hdr)) {
			gw_reply_error(resp, GW_E_INVALID_FIELD, "client_order_id",
			               "Idempotency-Key must be %s", ORDER_KEY_HINT);
			return -1;
		}
		key = hdr;
	}
	snprintf(r->key, sizeof(r->key), "%s", key ? key : "");
	return 0;
}

GW_ENDPOINT(orders_post, order_in, .body = ORDER_FIELDS)
{
	trader_order_req r;
	if (order_req(req, in, resp, &r))
		return;
	trader_outcome out;
	trader_order_place(req->app->trader, &r, &out);
	reply_outcome(req, resp, &out, 0);
}

/* Every check of POST /orders, the amount, fee and tax estimates and KIS's
 * orderable quantity; nothing is sent. */
GW_ENDPOINT(orders_preview, order_in, .body = ORDER_FIELDS)
{
	trader_order_req r;
	if (order_req(req, in, resp, &r))
		return;
	trader_preview p;
	trader_order_preview(req->app->trader, &r, &p);
	gw_reply(resp, 200, gw_preview_json(&p));
}

/* The Idempotency-Key header of a PATCH / DELETE; -1 after a 400. */
static int action_key(gw_req *req, gw_resp *resp, char key[65])
{
	const char *hdr = gw_header(req, "Idempotency-Key");
	key[0] = 0;
	if (!hdr)
		return 0;
	if (!gw_pattern_match(ORDER_KEY_PATTERN, hdr)) {
		gw_reply_error(resp, GW_E_INVALID_FIELD, "Idempotency-Key",
		               "Idempotency-Key must be %s", ORDER_KEY_HINT);
		return -1;
	}
	snprintf(key, 65, "%s", hdr);
	return 0;
}

/* Path id: a positive decimal; anything else names no order (404). */
static int order_id_parse(gw_req *req, gw_resp *resp, int64_t *id)
{
	const char *s = req->args[0];
	char *end;
	errno = 0;
	long long v = s && *s >= '0' && *s <= '9' ? strtoll(s, &end, 10) : 0;
	if (!s || errno || v <= 0 || *end) {
		gw_reply_error(resp, GW_E_NOT_FOUND, NULL, "no such order");
		return -1;
	}
	*id = v;
	return 0;
}

GW_ENDPOINT(order_get, gw_no_input)
{
	int64_t id;
	if (order_id_parse(req, resp, &id))
		return;
	store_order o;
	int g = store_order_get(req->app->db, id, &o);
	if (g < 0) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "cannot read the order journal");
		return;
	}
	if (g == 1) {
		gw_reply_error(resp, GW_E_NOT_FOUND, NULL, "no order %lld", (long long)id);
		return;
	}
	gw_reply(resp, 200, order_json(req, &o, 1));
}

typedef struct order_delete_in {
	int64_t qty; /* 0: all of the open rest */
} order_delete_in;

/* Cancels qty shares of the open rest (no qty: all of it); goes through
 * while trading is halted. */
GW_ENDPOINT(order_delete, order_delete_in,
            .query = GW_FIELDS(GW_INT(order_delete_in, qty, .min = 1, .max = INT64_MAX,
                                      .doc_default = "all of the open rest")))
{
	int64_t id;
	char key[65];
	if (order_id_parse(req, resp, &id) || action_key(req, resp, key))
		return;
	trader_outcome out;
	trader_order_cancel_qty(req->app->trader, id, in->qty, key, &out);
	reply_outcome(req, resp, &out, 1);
}

typedef struct order_patch_in {
	int64_t price; /* 0: keep */
	int64_t qty;   /* 0: all of the open rest */
	int type;      /* store_type, -1: keep */
} order_patch_in;

/* 정정 of the open rest: a new price and/or type for qty shares of the
 * newest KIS order number still open. */
GW_ENDPOINT(order_patch, order_patch_in,
            .body = GW_FIELDS(GW_INT(order_patch_in, price, .min = 1, .max = TRADER_MAX_PRICE),
                              GW_INT(order_patch_in, qty, .min = 1, .max = INT64_MAX),
                              GW_ENUM(order_patch_in, type, .choices = store_type_names)))
{
	trader_amend_req a;
	memset(&a, 0, sizeof(a));
	if (order_id_parse(req, resp, &a.id) || action_key(req, resp, a.key))
		return;
	a.have_price = in->price > 0;
	a.price = in->price;
	a.qty = in->qty;
	a.have_type = in->type >= 0;
	a.type = in->type >= 0 ? (store_type)in->type : STORE_LIMIT;
	if (!a.have_price && !a.have_type && !a.qty) {
		gw_reply_error(resp, GW_E_MISSING_FIELD, "price",
		               "give price, type or qty to amend");
		return;
	}
	trader_outcome out;
	trader_order_amend(req->app->trader, &a, &out);
	reply_outcome(req, resp, &out, 1);
}

typedef struct orders_list_in {
	int status, side, source; /* -1: any */
	const char *code, *cursor;
	int from, to;
	int64_t limit;
	int open; /* 1: open orders only, checked with KIS */
} orders_list_in;

GW_ENDPOINT(orders_list, orders_list_in,
            .query = GW_FIELDS(GW_ENUM(orders_list_in, status, .choices = store_status_names),
                               GW_CODE(orders_list_in, code),
                               GW_ENUM(orders_list_in, side, .choices = store_side_names),
                               GW_ENUM(orders_list_in, source, .choices = store_source_names),
                               GW_DATE(orders_list_in, from), GW_DATE(orders_list_in, to),
                               GW_INT(orders_list_in, limit, .min = 1, .max = TRADER_LIST_MAX_LIMIT,
                                      .def = TRADER_LIST_DEFAULT_LIMIT),
                               GW_STRING(orders_list_in, cursor, .pattern = TRADER_CURSOR_PATTERN,
                                         .hint = "a next_cursor this server gave out"),
                               GW_BOOL(orders_list_in, open, .def = 0)))
{
	trader_list_query q = {
	    .open = in->open,
	    .status = in->status,
	    .side = in->side,
	    .source = in->source,
	    .code = in->code,
	    .cursor = in->cursor,
	    .from_ymd = in->from,
	    .to_ymd = in->to,
	    .limit = (int)in->limit,
	};
	if (gw_param_date_order(resp, q.from_ymd, q.to_ymd))
		return;
	trader_outcome out;
	trader_order_page page;
	if (trader_orders_list(req->app->trader, &q, &page, &out)) {
		if (out.result == TRADER_INVALID) /* a range or cursor the query cannot mean */
			gw_reply_error(resp, GW_E_INVALID_PARAM, out.field, "%s", out.message);
		else
			gw_reply_error(resp, GW_E_INTERNAL, NULL, "%s", out.message);
		return;
	}
	gw_reply(resp, 200, gw_order_page_json(&page));
	trader_order_page_free(&page);
}

static json_t *stats_json(trader *t)
{
	trader_stats s;
	trader_stats_get(t, &s);
	return gw_stats_json(&s);
}

GW_ENDPOINT(orders_reconcile, gw_no_input)
{
	trader *t = req->app->trader;
	if (trader_reconcile_now(t, 1)) {
		gw_reply_error(resp, GW_E_UPSTREAM_ERROR, NULL,
		               "the reconciliation pass failed; it is retried in the background");
		return;
	}
	gw_reply(resp, 200, json_pack("{s:b,s:o}", "reconciled", 1, "stats", stats_json(t)));
}

typedef struct backfill_in {
	int64_t days; /* 0: KISGW_BACKFILL_DAYS */
} backfill_in;

GW_ENDPOINT(orders_backfill, backfill_in,
            .query = GW_FIELDS(GW_INT(backfill_in, days, .min = 1, .max = 3650,
                                      .doc_default = "KISGW_BACKFILL_DAYS")))
{
	trader *t = req->app->trader;
	int64_t days = in->days;
	if (!days) /* KISGW_BACKFILL_DAYS=0 turns off the first-start import only */
		days = req->app->cfg->trader.backfill_days > 0 ? req->app->cfg->trader.backfill_days
		                                               : TRADER_DEFAULT_BACKFILL_DAYS;
	kis_error e;
	if (trader_backfill(t, (int)days, &e)) {
		if (e.status != KIS_OK)
			gw_reply_kis_error(resp, &e);
		else
			gw_reply_error(resp, GW_E_INTERNAL, NULL,
			               "the backfill could not be recorded");
		return;
	}
	gw_reply(resp, 200,
	         json_pack("{s:b,s:I,s:o}", "backfilled", 1, "days", (json_int_t)days, "stats",
	                   stats_json(t)));
}
