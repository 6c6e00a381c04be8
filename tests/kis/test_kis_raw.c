/* kis_raw_call / kis_hashkey (kis_raw.c) against the real kis-sim: KIS's
 * own requests relayed on the client's credentials and token, KIS's own
 * answers returned — a quote with the tutorial's lower-case keys, a paged
 * balance's tr_cont, an order and a refused order (KIS's body kept), a read
 * retried after EGW00201, the hashkey, and requests kisgw will not relay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness.h"
#include "kclock.h"
#include "kis.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_CLOCK "2026-11-24T10:00:00+09:00"
#define ACCOUNT   "12345678-01"

static h_proc sim;
static kclock clk;
static char app_key[37], app_secret[181], url[64];
static kis_client *cl;

static int64_t clk_now(void *ctx)
{
	return kclock_now_ms(ctx);
}

static void ctl(const char *path, const char *body)
{
	long st = 0;
	json_decref(h_json(sim.port, "POST", path, body, &st));
	if (st != 200)
		fail_msg("%s: http %ld", path, st);
}

static int setup(void **state)
{
	memset(app_key, 'K', 36);
	memset(app_secret, 'S', 180);
	if (kclock_init(&clk, SIM_CLOCK, NULL, 0) != 0)
		return -1;
	const char *args[] = {"--env", "virtual", "--seed", "7", "--clock", SIM_CLOCK, NULL};
	if (h_start_sim(&sim, args))
		return -1;
	snprintf(url, sizeof url, "http://127.0.0.1:%d", sim.port);
	kis_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.base_url = url;
	cfg.app_key = app_key;
	cfg.app_secret = app_secret;
	cfg.account = ACCOUNT;
	cfg.queue_wait_ms = 30000;
	cfg.now_ms = clk_now;
	cfg.clock_ctx = &clk;
	kis_config_defaults(&cfg);
	char e[128];
	cl = kis_client_new(&cfg, e, sizeof e);
	return cl ? 0 : -1;
}

static int teardown(void **state)
{
	kis_client_free(cl);
	h_stop(&sim, SIGTERM);
	kclock_destroy(&clk);
	return 0;
}

static const char *out_str(const kis_raw_reply *r, const char *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(r->body, obj), key));
}

static void test_quote_and_retry(void **state)
{
	kis_raw_req rq = {.method = "GET",
	                  .path = "/uapi/domestic-stock/v1/quotations/inquire-price",
	                  .query = "fid_cond_mrkt_div_code=J&fid_input_iscd=005930",
	                  .tr_id = "FHKST01010100"};
	kis_raw_reply r;
	kis_error e;
	assert_int_equal(kis_raw_call(cl, &rq, &r, &e), KIS_OK);
	assert_int_equal(r.http_status, 200);
	assert_non_null(out_str(&r, "output", "stck_prpr"));
	kis_raw_reply_free(&r);
	/* EGW00201 once: the read is retried, the client never sees it */
	ctl("/__sim/fault", "{\"match\":\"FHKST01010100\",\"kind\":\"rate_limit\",\"count\":1}");
	assert_int_equal(kis_raw_call(cl, &rq, &r, &e), KIS_OK);
	assert_non_null(out_str(&r, "output", "stck_prpr"));
	kis_raw_reply_free(&r);
	kis_stats st;
	kis_stats_get(cl, &st);
	assert_true(st.retries >= 1);
}

static void test_order_and_refusal(void **state)
{
	ctl("/__sim/reset", "{\"account\":\"" ACCOUNT "\",\"cash\":100000000}");
	kis_raw_req rq = {.method = "POST",
	                  .path = "/uapi/domestic-stock/v1/trading/order-cash",
	                  .body = "{\"CANO\":\"12345678\",\"ACNT_PRDT_CD\":\"01\",\"PDNO\":"
	                          "\"005930\",\"ORD_DVSN\":\"01\",\"ORD_QTY\":\"1\","
	                          "\"ORD_UNPR\":\"0\"}",
	                  .tr_id = "VTTC0012U",
	                  .order = 1};
	kis_raw_reply r;
	kis_error e;
	assert_int_equal(kis_raw_call(cl, &rq, &r, &e), KIS_OK);
	assert_string_equal(json_string_value(json_object_get(r.body, "rt_cd")), "0");
	assert_int_equal(strlen(out_str(&r, "output", "ODNO")), 10);
	kis_raw_reply_free(&r);
	/* a code KIS does not trade: KIS's own refusal comes back */
	rq.body = "{\"CANO\":\"12345678\",\"ACNT_PRDT_CD\":\"01\",\"PDNO\":\"999999\","
	          "\"ORD_DVSN\":\"01\",\"ORD_QTY\":\"1\",\"ORD_UNPR\":\"0\"}";
	/* 40070000 is the unknown-product refusal: KIS_E_UNKNOWN_CODE, a refusal */
	assert_int_equal(kis_raw_call(cl, &rq, &r, &e), KIS_E_UNKNOWN_CODE);
	assert_true(kis_status_refusal(e.status));
	assert_non_null(r.body);
	assert_string_equal(json_string_value(json_object_get(r.body, "rt_cd")), "1");
	assert_string_equal(json_string_value(json_object_get(r.body, "msg_cd")), e.msg_cd);
	assert_true(r.http_status >= 200);
	kis_raw_reply_free(&r);
}

static void test_paging_header(void **state)
{
	ctl("/__sim/reset", "{\"account\":\"" ACCOUNT "\",\"cash\":1000,\"holdings\":["
	                    "{\"code\":\"005930\",\"qty\":1,\"avg_price\":1},"
	                    "{\"code\":\"000660\",\"qty\":1,\"avg_price\":1}]}");
	kis_raw_req rq = {.method = "GET",
	                  .path = "/uapi/domestic-stock/v1/trading/inquire-balance",
	                  .query = "CANO=12345678&ACNT_PRDT_CD=01&AFHR_FLPR_YN=N&OFL_YN=&INQR_DVSN="
	                           "02&UNPR_DVSN=01&FUND_STTL_ICLD_YN=N&FNCG_AMT_AUTO_RDPT_YN=N&"
	                           "PRCS_DVSN=01&CTX_AREA_FK100=&CTX_AREA_NK100=",
	                  .tr_id = "VTTC8434R",
	                  .tr_cont = ""};
	kis_raw_reply r;
	kis_error e;
	assert_int_equal(kis_raw_call(cl, &rq, &r, &e), KIS_OK);
	assert_int_equal(json_array_size(json_object_get(r.body, "output1")), 2);
	assert_true(r.tr_cont[0] == 'D' || r.tr_cont[0] == 'E');
	kis_raw_reply_free(&r);
}

static void test_hashkey(void **state)
{
	kis_raw_reply r;
	kis_error e;
	assert_int_equal(kis_hashkey(cl, "{\"CANO\":\"12345678\",\"PDNO\":\"005930\"}", &r, &e),
	                 KIS_OK);
	assert_non_null(json_string_value(json_object_get(r.body, "HASH")));
	kis_raw_reply_free(&r);
}

static void test_not_relayed(void **state)
{
	long long before = h_sim_counter(sim.port, "requests");
	kis_raw_req bad[] = {
	    {.method = "GET", .path = "/oauth2/tokenP", .tr_id = "FHKST01010100"},
	    {.method = "GET", .path = "/uapi/../oauth2/tokenP", .tr_id = "FHKST01010100"},
	    {.method = "DELETE", .path = "/uapi/x", .tr_id = "FHKST01010100"},
	    {.method = "GET", .path = "/uapi/x", .tr_id = "fhkst"},
	    {.method = "GET", .path = "/uapi/x", .tr_id = NULL},
	    {.method = "GET", .path = "/uapi/x", .query = "a=b c", .tr_id = "FHKST01010100"},
	    {.method = "GET", .path = "/uapi/x", .tr_id = "FHKST01010100", .tr_cont = "NN"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kis_raw_reply r;
		kis_error e;
		assert_int_equal(kis_raw_call(cl, &bad[i], &r, &e), KIS_E_INTERNAL);
		assert_null(r.body);
	}
	assert_int_equal(h_sim_counter(sim.port, "requests"), before + 1); /* the counter GET */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quote_and_retry), cmocka_unit_test(test_order_and_refusal),
	    cmocka_unit_test(test_paging_header),   cmocka_unit_test(test_hashkey),
	    cmocka_unit_test(test_not_relayed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
