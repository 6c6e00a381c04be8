/* test_passthrough.c — the passthrough's pure rules (server/passthrough_parse.c):
 * which paths it serves, how each tr_id is served (translated to kisgw's
 * environment, old form kept), which unknown tr_ids are relayed, and the
 * order bodies KIS scripts send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "passthrough.h"

#define DS "/uapi/domestic-stock/v1"

static void test_paths(void **state)
{
	(void)state;
	assert_int_equal(gw_pt_path(1, "/oauth2/tokenP"), GW_PT_TOKEN);
	assert_int_equal(gw_pt_path(1, "/oauth2/Approval"), GW_PT_APPROVAL);
	assert_int_equal(gw_pt_path(1, "/uapi/hashkey"), GW_PT_HASHKEY);
	assert_int_equal(gw_pt_path(1, DS "/quotations/inquire-price"), GW_PT_UAPI);
	assert_int_equal(gw_pt_path(1, "/uapi/domestic-stock/"), GW_PT_NONE);
	assert_int_equal(gw_pt_path(1, "/uapi/overseas-price/v1/x"), GW_PT_NONE);
	assert_int_equal(gw_pt_path(1, "/oauth2/revokeP"), GW_PT_NONE);
	assert_int_equal(gw_pt_path(0, "/oauth2/tokenP"), GW_PT_NONE); /* setting off */
	assert_true(gw_pt_needs_api_token(GW_PT_TOKEN) && gw_pt_needs_api_token(GW_PT_HASHKEY));
	assert_false(gw_pt_needs_api_token(GW_PT_UAPI));
}

static void test_classify(void **state)
{
	(void)state;
	gw_pt_call c;
	/* known: real <-> virtual, new and old forms kept */
	assert_int_equal(gw_pt_classify("GET", DS "/trading/inquire-balance", "TTTC8434R", 0, &c),
	                 GW_PT_RELAY);
	assert_string_equal(c.send_tr_id, "VTTC8434R");
	assert_int_equal(gw_pt_classify("POST", DS "/trading/order-cash", "TTTC0802U", 0, &c),
	                 GW_PT_ORDER_BUY);
	assert_string_equal(c.send_tr_id, "VTTC0802U");
	assert_int_equal(gw_pt_classify("POST", DS "/trading/order-cash", "VTTC0011U", 1, &c),
	                 GW_PT_ORDER_SELL);
	assert_string_equal(c.send_tr_id, "TTTC0011U");
	assert_int_equal(gw_pt_classify("POST", DS "/trading/order-rvsecncl", "VTTC0803U", 0, &c),
	                 GW_PT_REVISE);
	assert_string_equal(c.send_tr_id, "VTTC0803U");
	assert_int_equal(
	    gw_pt_classify("GET", DS "/trading/inquire-daily-ccld", "VTTC8001R", 0, &c),
	    GW_PT_RELAY);
	assert_string_equal(c.send_tr_id, "VTTC8001R");
	/* known, but wrong method / path / environment */
	assert_int_equal(gw_pt_classify("GET", DS "/trading/order-cash", "VTTC0012U", 0, &c),
	                 GW_PT_REFUSE);
	assert_int_equal(c.err, GW_E_METHOD_NOT_ALLOWED);
	assert_int_equal(
	    gw_pt_classify("GET", DS "/trading/inquire-balance", "FHKST01010100", 0, &c),
	    GW_PT_REFUSE);
	assert_int_equal(c.err, GW_E_INVALID_FIELD);
	assert_int_equal(
	    gw_pt_classify("GET", DS "/trading/inquire-psbl-rvsecncl", "TTTC0084R", 0, &c),
	    GW_PT_REFUSE);
	assert_int_equal(c.err, GW_E_NOT_SUPPORTED);
	/* unknown: inquiries relayed as they are, anything else refused */
	assert_int_equal(
	    gw_pt_classify("GET", DS "/quotations/inquire-daily-price", "FHKST01010400", 0, &c),
	    GW_PT_RELAY);
	assert_string_equal(c.send_tr_id, "FHKST01010400");
	assert_int_equal(
	    gw_pt_classify("GET", DS "/trading/inquire-account-balance", "CTRP6548R", 0, &c),
	    GW_PT_RELAY);
	assert_int_equal(gw_pt_classify("POST", DS "/trading/order-credit", "TTTC0052U", 0, &c),
	                 GW_PT_REFUSE);
	assert_int_equal(c.err, GW_E_PASSTHROUGH_REFUSED);
	assert_non_null(strstr(c.why, "could place or change an order"));
	assert_int_equal(gw_pt_classify("GET", DS "/trading/order-resv", "CTSC0008R", 0, &c),
	                 GW_PT_REFUSE);
	assert_int_equal(gw_pt_classify("POST", DS "/trading/inquire-x", "TTTC9999R", 0, &c),
	                 GW_PT_REFUSE);
	assert_int_equal(gw_pt_classify("GET", DS "/trading/inquire-x", "TTTC9999U", 0, &c),
	                 GW_PT_REFUSE);
	assert_int_equal(gw_pt_classify("GET", DS "/quotations/x", "fhkst", 0, &c), GW_PT_REFUSE);
	assert_int_equal(c.err, GW_E_INVALID_FIELD);
	assert_int_equal(gw_pt_classify("GET", DS "/quotations/x", NULL, 0, &c), GW_PT_REFUSE);
	assert_int_equal(c.err, GW_E_MISSING_FIELD);
}

static void test_bodies(void **state)
{
	(void)state;
	gw_pt_order o;
	gw_pt_fault f;
	/* the KIS sample's body: empty SLL_TYPE / CNDT_PRIC */
	const char *b = "{\"CANO\":\"50012345\",\"ACNT_PRDT_CD\":\"01\",\"PDNO\":\"005930\","
	                "\"ORD_DVSN\":\"00\",\"ORD_QTY\":\"3\",\"ORD_UNPR\":\"50000\","
	                "\"EXCG_ID_DVSN_CD\":\"KRX\",\"SLL_TYPE\":\"\",\"CNDT_PRIC\":\"\"}";
	assert_int_equal(gw_pt_order_parse(b, strlen(b), &o, &f), 0);
	assert_string_equal(o.pdno, "005930");
	assert_int_equal(o.qty, 3);
	assert_int_equal(o.price, 50000);
	assert_int_equal(o.cndt_pric, 0);
	b = "{\"CANO\":\"50012345\",\"ACNT_PRDT_CD\":\"01\",\"PDNO\":\"005930\",\"ORD_DVSN\":"
	    "\"01\",\"ORD_QTY\":\"0\",\"ORD_UNPR\":\"0\"}";
	assert_int_equal(gw_pt_order_parse(b, strlen(b), &o, &f), -1);
	assert_string_equal(f.field, "ORD_QTY");
	b = "{\"CANO\":\"50012345\",\"ACNT_PRDT_CD\":\"01\",\"PDNO\":\"005930\",\"ORD_DVSN\":"
	    "\"01\",\"ORD_QTY\":\"1\"}";
	assert_int_equal(gw_pt_order_parse(b, strlen(b), &o, &f), -1);
	assert_int_equal(f.code, GW_E_MISSING_FIELD);
	assert_string_equal(f.field, "ORD_UNPR");
	b = "{\"CANO\":\"5001-2345\"}";
	assert_int_equal(gw_pt_order_parse(b, strlen(b), &o, &f), -1);
	assert_string_equal(f.field, "CANO");
	b = "{\"CANO\":\"1\",\"cano\":\"2\"}"; /* the same key, another case */
	assert_int_equal(gw_pt_order_parse(b, strlen(b), &o, &f), -1);
	assert_non_null(strstr(f.msg, "twice"));
	assert_int_equal(gw_pt_order_parse("{", 1, &o, &f), -1);
	assert_int_equal(f.code, GW_E_INVALID_JSON);

	gw_pt_revise r;
	b = "{\"CANO\":\"50012345\",\"ACNT_PRDT_CD\":\"01\",\"KRX_FWDG_ORD_ORGNO\":\"\","
	    "\"ORGN_ODNO\":\"0000012345\",\"ORD_DVSN\":\"00\",\"RVSE_CNCL_DVSN_CD\":\"02\","
	    "\"ORD_QTY\":\"0\",\"ORD_UNPR\":\"0\",\"QTY_ALL_ORD_YN\":\"Y\"}";
	assert_int_equal(gw_pt_revise_parse(b, strlen(b), &r, &f), 0);
	assert_true(r.cancel && r.all);
	assert_string_equal(r.orgn_odno, "0000012345");
	b = "{\"CANO\":\"50012345\",\"ACNT_PRDT_CD\":\"01\",\"KRX_FWDG_ORD_ORGNO\":\"\","
	    "\"ORGN_ODNO\":\"0000012345\",\"ORD_DVSN\":\"00\",\"RVSE_CNCL_DVSN_CD\":\"01\","
	    "\"ORD_QTY\":\"0\",\"ORD_UNPR\":\"61000\",\"QTY_ALL_ORD_YN\":\"N\"}";
	assert_int_equal(gw_pt_revise_parse(b, strlen(b), &r, &f), -1);
	assert_string_equal(f.field, "ORD_QTY");

	json_t *root;
	const char *key, *sec;
	b = "{\"grant_type\":\"client_credentials\",\"appkey\":\"k\",\"secretkey\":\"s\"}";
	assert_int_equal(gw_pt_cred_parse(b, strlen(b), 1, &root, &key, &sec, &f), 0);
	assert_string_equal(sec, "s");
	json_decref(root);
	assert_int_equal(gw_pt_cred_parse(b, strlen(b), 0, &root, &key, &sec, &f), -1);
	assert_string_equal(f.field, "appsecret");
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
