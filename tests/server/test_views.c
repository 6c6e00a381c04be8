/* Unit tests of the JSON the server makes of the trader's results
 * (server/views.c): the order object (with its amendments), an order
 * page, the preview, aged holdings, the calendar, in the shapes of
 * API_CONTRACT.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kclock.h"
#include "views.h"

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static store_order market_order(void)
{
	store_order o;
	memset(&o, 0, sizeof(o));
	o.id = 7;
	snprintf(o.code, sizeof(o.code), "005930");
	o.side = STORE_BUY;
	o.type = STORE_MARKET;
	o.qty = 10;
	o.status = ST_FILLED;
	o.filled_qty = 10;
	o.filled_amount = 10 * 72000 + 5;
	o.source = STORE_SRC_API;
	o.created_ms = o.updated_ms = kst_epoch_ms(20261124, 100000);
	snprintf(o.broker_order_no, sizeof(o.broker_order_no), "0000012345");
	return o;
}

static void test_order_object(void **state)
{
	(void)state;
	store_order o = market_order();
	store_fill f = {.qty = 10, .amount = 720005, .filled_ms = o.created_ms};
	trader_order_detail d = {.order = o, .with_fills = 1, .fills = &f, .nfills = 1};
	json_t *j = gw_order_json(&d);
	assert_string_equal(str(j, "status"), "filled");
	assert_string_equal(str(j, "side"), "buy");
	assert_string_equal(str(j, "type"), "market");
	assert_true(json_is_null(json_object_get(j, "price")));
	assert_true(json_is_null(json_object_get(j, "client_order_id")));
	assert_true(json_is_null(json_object_get(j, "reject_code")));
	assert_null(json_object_get(j, "name"));
	/* 720005 / 10: up to 4 decimals, a real when not whole. */
	assert_true(json_is_real(json_object_get(j, "avg_fill_price")));
	assert_true(json_real_value(json_object_get(j, "avg_fill_price")) == 72000.5);
	assert_string_equal(str(j, "source"), "api");
	assert_string_equal(str(j, "broker_order_no"), "0000012345");
	assert_int_equal(json_array_size(json_object_get(j, "fills")), 1);
	assert_string_equal(str(json_array_get(json_object_get(j, "fills"), 0), "broker_order_no"),
	                    "0000012345");
	assert_int_equal(json_array_size(json_object_get(j, "amendments")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "broker_order_nos")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "open_qty")), 0);
	assert_string_equal(str(j, "time_in_force"), "day");
	assert_string_equal(str(j, "venue"), "KRX");
	assert_null(json_object_get(j, "stop_price"));
	assert_non_null(strstr(str(j, "created_at"), "+09:00"));
	assert_memory_equal(str(j, "created_at"), "2026-11-24T10:00:00", 19);
	json_decref(j);
	/* A limit order with a key and no fills asked: price, key, no "fills". */
	o.type = STORE_LIMIT;
	o.price = 71000;
	o.filled_qty = 0;
	snprintf(o.client_order_id, sizeof(o.client_order_id), "k-1");
	d = (trader_order_detail){.order = o};
	j = gw_order_json(&d);
	assert_int_equal(json_integer_value(json_object_get(j, "price")), 71000);
	assert_string_equal(str(j, "client_order_id"), "k-1");
	assert_true(json_is_null(json_object_get(j, "avg_fill_price")));
	assert_null(json_object_get(j, "fills"));
	assert_null(json_object_get(j, "amendments"));
	json_decref(j);
	/* Asked with fills but none yet: an empty array. */
	d.with_fills = 1;
	j = gw_order_json(&d);
	assert_int_equal(json_array_size(json_object_get(j, "fills")), 0);
	assert_true(json_is_array(json_object_get(j, "fills")));
	json_decref(j);
}

/* An amended order: the chain of KIS numbers, the amendment's history, a
 * fill on the amendment's number. */
static void test_order_legs(void **state)
{
	(void)state;
	store_order o = market_order();
	o.type = STORE_LIMIT;
	o.price = 71500;
	o.status = ST_PARTIALLY_FILLED;
	o.filled_qty = 4;
	o.filled_amount = 4 * 71500;
	store_leg legs[2];
	memset(legs, 0, sizeof(legs));
	legs[0].id = 1;
	legs[0].kind = STORE_LEG_AMEND;
	legs[0].status = LEG_ACCEPTED;
	legs[0].qty = 10;
	legs[0].type = STORE_LIMIT;
	legs[0].price = 71500;
	snprintf(legs[0].odno, sizeof(legs[0].odno), "0000012399");
	snprintf(legs[0].orgn_odno, sizeof(legs[0].orgn_odno), "0000012345");
	legs[1].id = 2;
	legs[1].kind = STORE_LEG_CANCEL;
	legs[1].status = LEG_REJECTED;
	legs[1].qty = 2;
	snprintf(legs[1].reject_code, sizeof(legs[1].reject_code), "APBK0918");
	snprintf(legs[1].reject_message, sizeof(legs[1].reject_message), "no");
	store_fill f = {.qty = 4, .amount = 4 * 71500, .leg_id = 1, .filled_ms = o.created_ms};
	trader_order_detail d = {
	    .order = o, .legs = legs, .nlegs = 2, .with_fills = 1, .fills = &f, .nfills = 1};
	json_t *j = gw_order_json(&d);
	json_t *nos = json_object_get(j, "broker_order_nos");
	assert_int_equal(json_array_size(nos), 2);
	assert_string_equal(json_string_value(json_array_get(nos, 1)), "0000012399");
	assert_int_equal(json_integer_value(json_object_get(j, "open_qty")), 6);
	assert_string_equal(str(json_array_get(json_object_get(j, "fills"), 0), "broker_order_no"),
	                    "0000012399");
	json_t *am = json_object_get(j, "amendments");
	assert_int_equal(json_array_size(am), 2);
	json_t *a0 = json_array_get(am, 0), *a1 = json_array_get(am, 1);
	assert_string_equal(str(a0, "kind"), "amend");
	assert_string_equal(str(a0, "orig_broker_order_no"), "0000012345");
	assert_int_equal(json_integer_value(json_object_get(a0, "price")), 71500);
	assert_null(json_object_get(a0, "reject_message"));
	assert_string_equal(str(a1, "kind"), "cancel");
	assert_null(json_object_get(a1, "price"));
	assert_string_equal(str(a1, "reject_code"), "APBK0918");
	assert_string_equal(str(a1, "reject_message"), "no");
	json_decref(j);
}

static void test_preview(void **state)
{
	(void)state;
	trader_preview p = {.ok = 0, .nchecks = 2, .amount = 710000, .fees_estimate = 106};
	p.checks[0] = (trader_check){.name = "fields", .ok = 1};
	p.checks[1] = (trader_check){.name = "guard", .ok = 0, .field = "qty"};
	snprintf(p.checks[1].message, sizeof(p.checks[1].message), "over the cap");
	json_t *j = gw_preview_json(&p);
	assert_true(json_is_false(json_object_get(j, "ok")));
	assert_true(json_is_null(json_object_get(j, "orderable_qty")));
	assert_int_equal(json_integer_value(json_object_get(j, "amount")), 710000);
	assert_int_equal(json_integer_value(json_object_get(j, "fees_estimate")), 106);
	assert_int_equal(json_integer_value(json_object_get(j, "tax_estimate")), 0);
	json_t *c = json_object_get(j, "checks");
	assert_int_equal(json_array_size(c), 2);
	assert_null(json_object_get(json_array_get(c, 0), "field"));
	assert_null(json_object_get(json_array_get(c, 0), "message"));
	assert_string_equal(str(json_array_get(c, 1), "field"), "qty");
	assert_string_equal(str(json_array_get(c, 1), "message"), "over the cap");
	json_decref(j);
	p.have_orderable = 1;
	p.orderable_qty = 3;
	j = gw_preview_json(&p);
	assert_int_equal(json_integer_value(json_object_get(j, "orderable_qty")), 3);
	json_decref(j);
}

static void test_order_page(void **state)
{
	(void)state;
	trader_order_detail v[2] = {{.order = market_order()}, {.order = market_order()}};
	trader_order_page p = {.orders = v, .n = 2};
	json_t *j = gw_order_page_json(&p);
	assert_int_equal(json_array_size(json_object_get(j, "orders")), 2);
	assert_true(json_is_null(json_object_get(j, "next_cursor")));
	assert_null(json_object_get(j, "checked_with_kis"));
	assert_null(json_object_get(json_array_get(json_object_get(j, "orders"), 0), "fills"));
	json_decref(j);
	snprintf(p.next_cursor, sizeof(p.next_cursor), "1.7");
	j = gw_order_page_json(&p);
	assert_string_equal(str(j, "next_cursor"), "1.7");
	json_decref(j);
	/* open=true: KIS's open quantity per order, or why it is missing. */
	p.open = 1;
	snprintf(p.kis_error, sizeof(p.kis_error), "KIS did not answer");
	j = gw_order_page_json(&p);
	assert_true(json_is_false(json_object_get(j, "checked_with_kis")));
	assert_string_equal(str(j, "kis_error"), "KIS did not answer");
	assert_null(
	    json_object_get(json_array_get(json_object_get(j, "orders"), 0), "kis_open_qty"));
	json_decref(j);
	int64_t kq[2] = {0, 3};
	p.checked_with_kis = 1;
	p.kis_open_qty = kq;
	j = gw_order_page_json(&p);
	assert_true(json_is_true(json_object_get(j, "checked_with_kis")));
	assert_null(json_object_get(j, "kis_error"));
	assert_int_equal(json_integer_value(json_object_get(
	                     json_array_get(json_object_get(j, "orders"), 1), "kis_open_qty")),
	                 3);
	json_decref(j);
}

static void test_aged_and_days(void **state)
{
	(void)state;
	store_holding h = {.code = "005930", .name = "삼성전자", .incomplete = 1};
	store_lot lots[2] = {{20261117, 3, 71000.0}, {20261117, 2, 71000.25}};
	trader_aged_holding ah = {.h = &h,
	                          .lots = lots,
	                          .nlots = 2,
	                          .qty = 5,
	                          .acquired_on = 20261117,
	                          .business_days_held = 5};
	trader_aged a = {.as_of = 20261124, .days = 5, .v = &ah, .n = 1};
	json_t *j = gw_aged_json(&a);
	assert_string_equal(str(j, "as_of"), "2026-11-24");
	assert_int_equal(json_integer_value(json_object_get(j, "days")), 5);
	json_t *x = json_array_get(json_object_get(j, "holdings"), 0);
	assert_string_equal(str(x, "code"), "005930");
	assert_string_equal(str(x, "name"), "삼성전자");
	assert_int_equal(json_integer_value(json_object_get(x, "qty")), 5);
	assert_string_equal(str(x, "acquired_on"), "2026-11-17");
	assert_int_equal(json_integer_value(json_object_get(x, "business_days_held")), 5);
	assert_true(json_is_true(json_object_get(x, "history_incomplete")));
	json_t *l = json_object_get(x, "lots");
	assert_int_equal(json_array_size(l), 2);
	assert_string_equal(str(json_array_get(l, 1), "acquired_on"), "2026-11-17");
	assert_true(json_is_integer(json_object_get(json_array_get(l, 0), "price")));
	assert_true(json_is_real(json_object_get(json_array_get(l, 1), "price")));
	json_decref(j);

	int td[2] = {20260923, 20260928};
	store_day cl[1] = {{.ymd = 20260925, .open = 0, .name = "추석 (Chuseok)"}};
	int unk[1] = {20260924};
	trader_days d = {.from = 20260921,
	                 .to = 20260928,
	                 .trading_days = td,
	                 .ntrading = 2,
	                 .closures = cl,
	                 .nclosures = 1,
	                 .unknown = unk,
	                 .nunknown = 1};
	j = gw_days_json(&d);
	assert_string_equal(str(j, "from"), "2026-09-21");
	assert_string_equal(str(j, "to"), "2026-09-28");
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(j, "trading_days"), 1)), "2026-09-28");
	json_t *hol = json_array_get(json_object_get(j, "holidays"), 0);
	assert_string_equal(str(hol, "date"), "2026-09-25");
	assert_string_equal(str(hol, "name"), "추석 (Chuseok)");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "unknown"), 0)),
	                    "2026-09-24");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_object),  cmocka_unit_test(test_order_legs),
	    cmocka_unit_test(test_order_page),    cmocka_unit_test(test_preview),
	    cmocka_unit_test(test_aged_and_days),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
