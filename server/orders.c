/* orders.c — POST/GET/DELETE /orders, GET /orders/{id}, and the on-demand
 * reconcile and backfill. Validation of the body is here (400 names the
 * field); the journal, idempotency and KIS calls are trader_order_place. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "http.h"
#include "krx.h"
#include "params.h"
#include "trader.h"

static const char *const order_fields[] = {"code", "side",  "qty",
                                           "type", "price", "client_order_id"};

/* Fills r from the body or answers 400 and returns -1. */
static int order_body_parse(gw_req *req, gw_resp *resp, trader_order_req *r)
{
	const json_t *b = req->body;
	if (!json_is_object(b)) {
		gw_reply_error(resp, GW_E_BAD_REQUEST, NULL, "the body must be a JSON object");
		return -1;
	}
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)b, k, v)
	{
		int known = 0;
		for (size_t i = 0; i < sizeof(order_fields) / sizeof(order_fields[0]); i++)
			known |= !strcmp(k, order_fields[i]);
		if (!known) {
			gw_reply_error(resp, GW_E_UNKNOWN_FIELD, k, "unknown field '%.64s'", k);
			return -1;
		}
	}
	memset(r, 0, sizeof(*r));
	r->source = STORE_SRC_API;
	const json_t *code = json_object_get(b, "code"), *side = json_object_get(b, "side");
	const json_t *qty = json_object_get(b, "qty"), *type = json_object_get(b, "type");
	const json_t *price = json_object_get(b, "price");
	const json_t *key = json_object_get(b, "client_order_id");
	if (!code) {
		gw_reply_error(resp, GW_E_MISSING_FIELD, "code", "'code' is required");
		return -1;
	}
	if (!json_is_string(code) || !krx_code_valid(json_string_value(code))) {
		gw_reply_error(resp, GW_E_INVALID_FIELD, "code",
		               "'code' must be 6 characters of 0-9 A-Z, or Q and 6 digits");
		return -1;
	}
	snprintf(r->code, sizeof(r->code), "%s", json_string_value(code));
	if (!side) {
		gw_reply_error(resp, GW_E_MISSING_FIELD, "side", "'side' is required");
		return -1;
	}
	int sv = json_is_string(side) ? store_side_parse(json_string_value(side)) : -1;
	if (sv < 0) {
		gw_reply_error(resp, GW_E_INVALID_FIELD, "side",
		               "'side' must be \"buy\" or \"sell\"");
		return -1;
	}
	r->side = (store_side)sv;
	if (!qty) {
		gw_reply_error(resp, GW_E_MISSING_FIELD, "qty", "'qty' is required");
		return -1;
	}
	if (!json_is_integer(qty) || json_integer_value(qty) <= 0) {
		gw_reply_error(resp, GW_E_INVALID_FIELD, "qty", "'qty' must be a positive integer");
		return -1;
	}
	r->qty = json_integer_value(qty);
	if (!type) {
		gw_reply_error(resp, GW_E_MISSING_FIELD, "type", "'type' is required");
		return -1;
	}
	const char *ts = json_is_string(type) ? json_string_value(type) : "";
	if (!strcmp(ts, "market")) {
		r->type = STORE_MARKET;
		if (price && !json_is_null(price)) {
			gw_reply_error(resp, GW_E_INVALID_FIELD, "price",
			               "a market order takes no 'price'");
			return -1;
		}
	} else if (!strcmp(ts, "limit")) {
		r->type = STORE_LIMIT;
		if (!price || json_is_null(price)) {
			gw_reply_error(resp, GW_E_MISSING_FIELD, "price",
			               "a limit order needs 'price'");
			return -1;
		}
		if (!json_is_integer(price) || json_integer_value(price) <= 0) {
			gw_reply_error(resp, GW_E_INVALID_FIELD, "price",
			               "'price' must be a positive integer (KRW)");
			return -1;
		}
		r->price = json_integer_value(price);
	} else {
		gw_reply_error(resp, GW_E_INVALID_FIELD, "type",
		               "'type' must be \"market\" or \"limit\"");
		return -1;
	}
	const char *hdr = gw_header(req, "Idempotency-Key");
	if (key && !json_is_null(key)) {
		if (!json_is_string(key) || json_string_length(key) == 0 ||
		    json_string_length(key) > 64) {
			gw_reply_error(resp, GW_E_INVALID_FIELD, "client_order_id",
			               "'client_order_id' must be 1-64 of A-Z a-z 0-9 . _ : -");
			return -1;
		}
		if (hdr && strcmp(hdr, json_string_value(key))) {
			gw_reply_error(resp, GW_E_KEY_MISMATCH, "client_order_id", NULL);
			return -1;
		}
		snprintf(r->key, sizeof(r->key), "%s", json_string_value(key));
	} else if (hdr) {
		if (strlen(hdr) == 0 || strlen(hdr) > 64) {
			gw_reply_error(resp, GW_E_INVALID_FIELD, "Idempotency-Key",
			               "Idempotency-Key must be 1-64 of A-Z a-z 0-9 . _ : -");
			return -1;
		}
		snprintf(r->key, sizeof(r->key), "%s", hdr);
	}
	return 0;
}

static void add_order(gw_resp *resp, trader *t, const store_order *o)
{
	if (resp->body && json_is_object(resp->body))
		json_object_set_new(resp->body, "order", trader_order_json(t, o, 0));
}

/* An order or cancel that never reached KIS: 503 (retry later), or what the
 * KIS error means when it is about the configuration. */
static void reply_not_sent(gw_resp *resp, const kis_error *e)
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
		gw_reply_error(resp, GW_E_UNAVAILABLE, NULL,
		               "the order was not sent: KIS could not be reached; retry later");
		resp->retry_after_s = retry;
		break;
	}
	if (e->msg_cd[0] || e->msg1[0])
		gw_error_add_kis(resp, e->msg_cd, e->msg1);
}

/* KIS's codes for "no such stock" on a quote (as GET /price reads them). */
static int unknown_code_error(const kis_error *err)
{
	return err->status == KIS_E_REJECTED &&
	       (!strcmp(err->msg_cd, "40070000") || !strcmp(err->msg_cd, "APBK0656"));
}

static void reply_outcome(gw_req *req, gw_resp *resp, trader_outcome *out)
{
	trader *t = req->app->trader;
	const store_order *o = &out->order;
	switch (out->result) {
	case TRADER_CREATED:
	case TRADER_REPLAYED:
	case TRADER_UNKNOWN:
	case TRADER_OK:
	case TRADER_ACCEPTED:
		gw_reply(resp,
		         out->result == TRADER_CREATED                                     ? 201
		         : out->result == TRADER_UNKNOWN || out->result == TRADER_ACCEPTED ? 202
		                                                                           : 200,
		         trader_order_json(t, o, req->method[0] == 'D'));
		if (out->result == TRADER_CREATED)
			snprintf(resp->location, sizeof(resp->location), "/orders/%lld",
			         (long long)o->id);
		return;
	case TRADER_REJECTED:
		if (req->method[0] == 'D')
			gw_reply_error(resp, GW_E_KIS_REJECTED, NULL, "KIS refused the cancel: %s",
			               out->kis.msg1);
		else
			gw_reply_error(resp, GW_E_ORDER_REJECTED, NULL, "KIS refused the order: %s",
			               out->kis.msg1);
		gw_error_add_kis(resp, out->kis.msg_cd, out->kis.msg1);
		break;
	case TRADER_NOT_SENT:
		reply_not_sent(resp, &out->kis);
		break;
	case TRADER_INVALID:
		gw_reply_error(resp, GW_E_INVALID_FIELD, out->field, "%s", out->message);
		return;
	case TRADER_OVER_LIMIT:
		gw_reply_error(resp, GW_E_OVER_LIMIT, out->field, "%s", out->message);
		return;
	case TRADER_KEY_REUSED:
		gw_reply_error(resp, GW_E_IDEMPOTENCY_REUSED, out->field, "%s", out->message);
		return;
	case TRADER_KIS_ERROR:
		if (unknown_code_error(&out->kis)) {
			gw_reply_error(resp, GW_E_UNKNOWN_CODE, "code", "no stock with code %s",
			               out->order.code);
			gw_error_add_kis(resp, out->kis.msg_cd, out->kis.msg1);
		} else {
			gw_reply_kis_error(resp, &out->kis);
		}
		return;
	case TRADER_NOT_FOUND:
		if (out->field && !strcmp(out->field, "code"))
			gw_reply_error(resp, GW_E_UNKNOWN_CODE, "code", "%s", out->message);
		else
			gw_reply_error(resp, GW_E_NOT_FOUND, NULL, "%s", out->message);
		return;
	case TRADER_FINAL:
		gw_reply_error(resp, GW_E_ORDER_FINAL, NULL, "%s", out->message);
		break;
	case TRADER_CONFLICT:
		gw_reply_error(resp, GW_E_CONFLICT, NULL, "%s", out->message);
		break;
	case TRADER_INTERNAL:
	default:
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "%s", out->message);
		break;
	}
	if (out->have_order)
		add_order(resp, t, o);
}

GW_HANDLER(gw_orders_post)
{
	trader_order_req r;
	if (order_body_parse(req, resp, &r))
		return;
	trader_outcome out;
	trader_order_place(req->app->trader, &r, &out);
	reply_outcome(req, resp, &out);
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

GW_HANDLER(gw_order_get)
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
	gw_reply(resp, 200, trader_order_json(req->app->trader, &o, 1));
}

GW_HANDLER(gw_order_delete)
{
	int64_t id;
	if (order_id_parse(req, resp, &id))
		return;
	trader_outcome out;
	trader_order_cancel(req->app->trader, id, &out);
	reply_outcome(req, resp, &out);
}

GW_HANDLER(gw_orders_list)
{
	trader_list_query q = {
	    .status = gw_query(req, "status"),
	    .side = gw_query(req, "side"),
	    .source = gw_query(req, "source"),
	    .cursor = gw_query(req, "cursor"),
	};
	int64_t limit;
	if (gw_param_code(req, resp, "code", 0, &q.code) ||
	    gw_param_date(req, resp, "from", 0, &q.from_ymd) ||
	    gw_param_date(req, resp, "to", 0, &q.to_ymd) ||
	    gw_param_int(req, resp, "limit", 1, TRADER_LIST_MAX_LIMIT, TRADER_LIST_DEFAULT_LIMIT,
	                 &limit))
		return;
	q.limit = (int)limit;
	trader_outcome out;
	json_t *j = trader_orders_list(req->app->trader, &q, &out);
	if (!j) {
		if (out.result == TRADER_INVALID)
			gw_reply_error(resp, GW_E_INVALID_PARAM, out.field, "%s", out.message);
		else
			gw_reply_error(resp, GW_E_INTERNAL, NULL, "%s", out.message);
		return;
	}
	gw_reply(resp, 200, j);
}

static json_t *stats_json(trader *t)
{
	trader_stats s;
	trader_stats_get(t, &s);
	json_t *o =
	    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "passes", (json_int_t)s.passes, "pass_failures",
	              (json_int_t)s.pass_failures, "fills_added", (json_int_t)s.fills_added,
	              "imported", (json_int_t)s.imported, "unknown_resolved",
	              (json_int_t)s.unknown_resolved, "not_found", (json_int_t)s.not_found);
	if (s.last_pass_ms > 0) {
		char ts[40];
		kst_iso8601(s.last_pass_ms, ts, sizeof(ts));
		json_object_set_new(o, "last_pass_at", json_string(ts));
	}
	return o;
}

GW_HANDLER(gw_orders_reconcile)
{
	trader *t = req->app->trader;
	if (trader_reconcile_now(t, 1)) {
		gw_reply_error(resp, GW_E_UPSTREAM_ERROR, NULL,
		               "the reconciliation pass failed; it is retried in the background");
		return;
	}
	gw_reply(resp, 200, json_pack("{s:b,s:o}", "reconciled", 1, "stats", stats_json(t)));
}

GW_HANDLER(gw_orders_backfill)
{
	trader *t = req->app->trader;
	int64_t days;
	if (gw_param_int(req, resp, "days", 1, 3650,
	                 req->app->cfg->backfill_days > 0 ? req->app->cfg->backfill_days : 90,
	                 &days))
		return;
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
