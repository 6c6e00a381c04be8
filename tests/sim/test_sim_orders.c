/* test_sim_orders.c — kis-sim's order vocabulary: every ORD_DVSN per venue
 * and environment with KIS's rejection codes for the rest, the session
 * windows (pre-market, after-hours, NXT), IOC/FOK, the after-hours
 * single-price auctions, stop-limit orders, amendments with new order
 * numbers and partial cancels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "simtest.h"

#define DS      "/uapi/domestic-stock/v1"
#define P_ORDER DS "/trading/order-cash"
#define P_RVSE  DS "/trading/order-rvsecncl"

static void start_env(simproc *p, const char *env, const char *clock)
{
	const char *extra[] = {"--env", env, "--clock", clock, "--rate", "0", NULL};
	assert_int_equal(simp_start(p, extra), 0);
	assert_int_equal(simp_token(p), 200);
	assert_int_equal(simp_ctl(p, "reset",
	                          "{\"account\":\"" T_ACCT "-01\",\"cash\":100000000,"
	                          "\"holdings\":[{\"code\":\"005930\",\"qty\":100,"
	                          "\"avg_price\":60000}]}"),
	                 200);
}

static void set_clock(simproc *p, const char *hhmm)
{
	char b[128];
	snprintf(b, sizeof(b), "{\"set\":\"2026-11-24T%s+09:00\"}", hhmm);
	assert_int_equal(simp_ctl(p, "clock", b), 200);
}

/* order-cash with every optional field; stop 0 leaves CNDT_PRIC out. */
static void order(simproc *p, int real, int buy, const char *dvsn, const char *venue, long long qty,
                  long long price, long long stop, sresp *r)
{
	char b[512], cndt[64] = "";
	if (stop)
		snprintf(cndt, sizeof(cndt), ",\"CNDT_PRIC\":\"%lld\"", stop);
	snprintf(b, sizeof(b),
	         "{\"CANO\":\"" T_ACCT "\",\"ACNT_PRDT_CD\":\"01\",\"PDNO\":\"005930\","
	         "\"ORD_DVSN\":\"%s\",\"ORD_QTY\":\"%lld\",\"ORD_UNPR\":\"%lld\","
	         "\"EXCG_ID_DVSN_CD\":\"%s\"%s}",
	         dvsn, qty, price, venue, cndt);
	const char *tr =
	    real ? (buy ? "TTTC0012U" : "TTTC0011U") : (buy ? "VTTC0012U" : "VTTC0011U");
	simp_call(p, "POST", P_ORDER, tr, NULL, b, r);
}

/* The sim's order log row of odno. */
static json_t *log_row(simproc *p, const char *odno, sresp *keep)
{
	simp_call(p, "GET", "/__sim/orders", NULL, NULL, NULL, keep);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(keep->json, "orders"), i, v)
	{
		if (!strcmp(js(v, "odno"), odno))
			return v;
	}
	return NULL;
}

typedef struct vcase {
	int real;
	const char *at; /* HH:MM:SS KST */
	const char *dvsn, *venue;
	long long price, stop;
	long status;
	const char *msg_cd;
} vcase;

/* 005930 held at 70,000 (close 70,000 after 15:30). */
static const vcase vcases[] = {
    {0, "10:00:00", "00", "KRX", 70000, 0, 200, "40600000"},
    {0, "10:00:00", "01", "KRX", 0, 0, 200, "40600000"},
    {0, "10:00:00", "02", "KRX", 70000, 0, 200, "40600000"},
    {0, "10:00:00", "03", "KRX", 0, 0, 200, "40600000"},
    {0, "10:00:00", "04", "KRX", 0, 0, 200, "40600000"},
    {0, "10:00:00", "05", "KRX", 0, 0, 200, "40190000"},
    {0, "10:00:00", "07", "KRX", 70000, 0, 200, "40190000"},
    {0, "10:00:00", "11", "KRX", 70000, 0, 200, "40190000"},
    {0, "10:00:00", "24", "KRX", 0, 0, 200, "40190000"},
    {0, "10:00:00", "99", "KRX", 0, 0, 200, "40190000"},
    {0, "10:00:00", "00", "NXT", 70000, 0, 200, "40200000"},
    {0, "10:00:00", "00", "SOR", 70000, 0, 200, "40200000"},
    {0, "08:35:00", "00", "KRX", 70000, 0, 200, "40570000"},
    {1, "10:00:00", "00", "KRX", 70000, 0, 200, "APBK0013"},
    {1, "10:00:00", "11", "KRX", 70000, 0, 200, "APBK0013"},
    {1, "10:00:00", "16", "KRX", 0, 0, 200, "APBK0013"},
    {1, "10:00:00", "21", "KRX", 0, 0, 200, "APBK0013"},
    {1, "10:00:00", "22", "KRX", 70500, 70500, 200, "APBK0013"},
    {1, "10:00:00", "22", "KRX", 70500, 0, 500, "OPSQ1002"},
    {1, "10:00:00", "00", "NXT", 70000, 0, 200, "APBK0013"},
    {1, "10:00:00", "01", "NXT", 0, 0, 200, "APBK0524"},
    {1, "10:00:00", "02", "NXT", 70000, 0, 200, "APBK0524"},
    {1, "10:00:00", "13", "NXT", 0, 0, 200, "APBK0013"},
    {1, "10:00:00", "01", "SOR", 0, 0, 200, "APBK0013"},
    {1, "10:00:00", "21", "SOR", 0, 0, 200, "APBK0524"},
    {1, "10:00:00", "22", "SOR", 70500, 70500, 200, "APBK0524"},
    {1, "10:00:00", "00", "XYZ", 70000, 0, 200, "APBK0525"},
    {1, "10:00:00", "05", "KRX", 0, 0, 200, "APBK0918"},
    {1, "08:35:00", "05", "KRX", 0, 0, 200, "APBK0013"},
    {1, "08:35:00", "00", "KRX", 70000, 0, 200, "APBK0918"},
    {1, "08:35:00", "00", "NXT", 70000, 0, 200, "APBK0013"},
    {1, "08:35:00", "03", "NXT", 0, 0, 200, "APBK0918"},
    {1, "15:45:00", "06", "KRX", 0, 0, 200, "APBK0013"},
    {1, "15:45:00", "07", "KRX", 70000, 0, 200, "APBK0918"},
    {1, "16:05:00", "07", "KRX", 70000, 0, 200, "APBK0013"},
    {1, "16:05:00", "07", "KRX", 77100, 0, 200, "APBK0507"}, /* > close + 10 % */
    {1, "16:05:00", "07", "KRX", 63000, 0, 200, "APBK0013"},
    {1, "19:00:00", "00", "NXT", 70000, 0, 200, "APBK0013"},
    {1, "19:00:00", "00", "KRX", 70000, 0, 200, "APBK0918"},
    {1, "20:00:00", "00", "NXT", 70000, 0, 200, "APBK0918"},
};

static void run_cases(int real)
{
	simproc p;
	start_env(&p, real ? "real" : "virtual", "2026-11-24T09:30:00+09:00");
	assert_int_equal(simp_ctl(&p, "price", "{\"code\":\"005930\",\"price\":70000}"), 200);
	for (size_t i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
		const vcase *c = &vcases[i];
		if (c->real != real)
			continue;
		set_clock(&p, c->at);
		sresp r;
		order(&p, real, 1, c->dvsn, c->venue, 1, c->price, c->stop, &r);
		if (r.status != c->status || strcmp(js(r.json, "msg_cd"), c->msg_cd)) {
			print_error("case %zu (%s %s %s): want %ld %s, got %ld %s\n", i, c->at,
			            c->dvsn, c->venue, c->status, c->msg_cd, r.status, r.body);
			fail();
		}
		if (!strcmp(js(r.json, "rt_cd"), "0")) {
			sresp lr;
			json_t *row =
			    log_row(&p, js(json_object_get(r.json, "output"), "ODNO"), &lr);
			assert_non_null(row);
			assert_string_equal(js(row, "ord_dvsn"), c->dvsn);
			assert_string_equal(js(row, "venue"), c->venue);
			assert_int_equal(jsi(row, "stop_price"), c->stop);
			sresp_free(&lr);
		}
		sresp_free(&r);
	}
	assert_int_equal(simp_stop(&p), 0);
}

static void test_vocabulary_virtual(void **state)
{
	(void)state;
	run_cases(0);
}

static void test_vocabulary_real(void **state)
{
	(void)state;
	run_cases(1);
}

static void test_ioc_fok(void **state)
{
	(void)state;
	simproc p;
	start_env(&p, "real", "2026-11-24T10:00:00+09:00");
	assert_int_equal(simp_ctl(&p, "price", "{\"code\":\"005930\",\"price\":70000}"), 200);
	assert_int_equal(simp_ctl(&p, "session", "{\"partial_fill_qty\":3}"), 200);
	struct {
		const char *dvsn;
		long long price;
		long long filled, cancelled;
		const char *status;
	} cs[] = {
	    {"11", 70000, 3, 7, "cancelled"},  /* IOC: 3 now, the rest cancelled at once */
	    {"12", 70000, 0, 10, "cancelled"}, /* FOK: not all at once: nothing */
	    {"11", 69000, 0, 10, "cancelled"}, /* IOC below the market */
	    {"13", 0, 3, 7, "cancelled"},
	};
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		sresp r, lr;
		order(&p, 1, 1, cs[i].dvsn, "KRX", 10, cs[i].price, 0, &r);
		assert_string_equal(js(r.json, "msg_cd"), "APBK0013");
		json_t *row = log_row(&p, js(json_object_get(r.json, "output"), "ODNO"), &lr);
		assert_non_null(row);
		assert_int_equal(jsi(row, "filled_qty"), cs[i].filled);
		assert_int_equal(jsi(row, "cancelled_qty"), cs[i].cancelled);
		assert_int_equal(jsi(row, "remaining_qty"), 0);
		assert_string_equal(js(row, "status"), cs[i].status);
		assert_string_equal(js(row, "time_in_force"), cs[i].dvsn[1] == '2' ? "fok" : "ioc");
		sresp_free(&lr);
		sresp_free(&r);
	}
	/* FOK that can fill whole. */
	assert_int_equal(simp_ctl(&p, "session", "{\"partial_fill_qty\":0}"), 200);
	sresp r, lr;
	order(&p, 1, 0, "12", "KRX", 10, 70000, 0, &r);
	json_t *row = log_row(&p, js(json_object_get(r.json, "output"), "ODNO"), &lr);
	assert_int_equal(jsi(row, "filled_qty"), 10);
	assert_string_equal(js(row, "status"), "filled");
	sresp_free(&lr);
	sresp_free(&r);
	assert_int_equal(simp_stop(&p), 0);
}

static void test_after_hours(void **state)
{
	(void)state;
	simproc p;
	start_env(&p, "real", "2026-11-24T10:00:00+09:00");
	assert_int_equal(simp_ctl(&p, "price", "{\"code\":\"005930\",\"price\":70000}"), 200);
	/* 장후 시간외 종가: at today's close, at once. */
	set_clock(&p, "15:45:00");
	sresp r, lr;
	order(&p, 1, 1, "06", "KRX", 4, 0, 0, &r);
	json_t *row = log_row(&p, js(json_object_get(r.json, "output"), "ODNO"), &lr);
	assert_int_equal(jsi(row, "filled_qty"), 4);
	assert_int_equal(jsi(row, "filled_amt"), 4 * 70000);
	assert_int_equal(jsi(row, "price"), 0);
	sresp_free(&lr);
	sresp_free(&r);
	/* 시간외 단일가: rests until the next 10-minute auction, at the close. */
	set_clock(&p, "16:05:00");
	char buy[16], sell[16];
	order(&p, 1, 1, "07", "KRX", 5, 71000, 0, &r);
	snprintf(buy, sizeof(buy), "%s", js(json_object_get(r.json, "output"), "ODNO"));
	sresp_free(&r);
	order(&p, 1, 0, "07", "KRX", 5, 71000, 0, &r); /* sell above the close: stays */
	snprintf(sell, sizeof(sell), "%s", js(json_object_get(r.json, "output"), "ODNO"));
	sresp_free(&r);
	row = log_row(&p, buy, &lr);
	assert_int_equal(jsi(row, "filled_qty"), 0);
	assert_string_equal(js(row, "status"), "open");
	sresp_free(&lr);
	set_clock(&p, "16:10:01");
	row = log_row(&p, buy, &lr);
	assert_int_equal(jsi(row, "filled_qty"), 5);
	assert_int_equal(jsi(row, "filled_amt"), 5 * 70000);
	sresp_free(&lr);
	set_clock(&p, "17:59:00");
	row = log_row(&p, sell, &lr);
	assert_int_equal(jsi(row, "filled_qty"), 0);
	assert_int_equal(jsi(row, "remaining_qty"), 5);
	sresp_free(&lr);
	assert_int_equal(simp_stop(&p), 0);
}

static void test_stop_limit_and_nxt(void **state)
{
	(void)state;
	simproc p;
	start_env(&p, "real", "2026-11-24T10:00:00+09:00");
	assert_int_equal(simp_ctl(&p, "price", "{\"code\":\"005930\",\"price\":70000}"), 200);
	sresp r, lr;
	order(&p, 1, 1, "22", "KRX", 2, 71500, 71000, &r);
	char odno[16];
	snprintf(odno, sizeof(odno), "%s", js(json_object_get(r.json, "output"), "ODNO"));
	sresp_free(&r);
	json_t *row = log_row(&p, odno, &lr);
	assert_int_equal(jsi(row, "filled_qty"), 0); /* the stop is not reached */
	sresp_free(&lr);
	assert_int_equal(simp_ctl(&p, "price", "{\"code\":\"005930\",\"price\":71000}"), 200);
	row = log_row(&p, odno, &lr);
	assert_int_equal(jsi(row, "filled_qty"), 2);
	assert_int_equal(jsi(row, "filled_amt"), 2 * 71500);
	sresp_free(&lr);
	/* NXT after-market: a marketable limit fills at once at its limit. */
	set_clock(&p, "19:00:00");
	order(&p, 1, 0, "00", "NXT", 3, 70000, 0, &r);
	row = log_row(&p, js(json_object_get(r.json, "output"), "ODNO"), &lr);
	assert_int_equal(jsi(row, "filled_qty"), 3);
	sresp_free(&lr);
	sresp_free(&r);
	assert_int_equal(simp_stop(&p), 0);
}

static void rvse(simproc *p, const char *orgn, const char *rc, const char *dvsn, long long qty,
                 long long price, int all, sresp *r)
{
	char b[512];
	snprintf(b, sizeof(b),
	         "{\"CANO\":\"" T_ACCT
	         "\",\"ACNT_PRDT_CD\":\"01\",\"KRX_FWDG_ORD_ORGNO\":\"06010\","
	         "\"ORGN_ODNO\":\"%s\",\"ORD_DVSN\":\"%s\",\"RVSE_CNCL_DVSN_CD\":\"%s\","
	         "\"ORD_QTY\":\"%lld\",\"ORD_UNPR\":\"%lld\",\"QTY_ALL_ORD_YN\":\"%s\"}",
	         orgn, dvsn, rc, qty, price, all ? "Y" : "N");
	simp_call(p, "POST", P_RVSE, "TTTC0013U", NULL, b, r);
}

static void test_amend_and_partial_cancel(void **state)
{
	(void)state;
	simproc p;
	start_env(&p, "real", "2026-11-24T10:00:00+09:00");
	assert_int_equal(simp_ctl(&p, "price", "{\"code\":\"005930\",\"price\":70000}"), 200);
	sresp r, lr;
	order(&p, 1, 1, "00", "NXT", 10, 69000, 0, &r);
	char orig[16], amend[16];
	snprintf(orig, sizeof(orig), "%s", js(json_object_get(r.json, "output"), "ODNO"));
	sresp_free(&r);
	/* Amend all of it to 69,500 as IOC-less limit: a new ODNO. */
	rvse(&p, orig, "01", "00", 0, 69500, 1, &r);
	assert_string_equal(js(r.json, "msg_cd"), "APBK0013");
	snprintf(amend, sizeof(amend), "%s", js(json_object_get(r.json, "output"), "ODNO"));
	assert_string_not_equal(amend, orig);
	sresp_free(&r);
	json_t *row = log_row(&p, amend, &lr);
	assert_string_equal(js(row, "orgn_odno"), orig);
	assert_string_equal(js(row, "kind"), "modify");
	assert_string_equal(js(row, "venue"), "NXT");
	assert_int_equal(jsi(row, "price"), 69500);
	sresp_free(&lr);
	row = log_row(&p, orig, &lr);
	assert_string_equal(js(row, "status"), "replaced");
	sresp_free(&lr);
	/* An amendment to a type NXT does not take: refused. */
	rvse(&p, amend, "01", "01", 0, 0, 1, &r);
	assert_string_equal(js(r.json, "msg_cd"), "APBK0524");
	sresp_free(&r);
	/* Partial cancel of 4: 6 stay open on the amended leg. */
	rvse(&p, amend, "02", "00", 4, 0, 0, &r);
	assert_string_equal(js(r.json, "msg_cd"), "APBK0013");
	sresp_free(&r);
	row = log_row(&p, amend, &lr);
	assert_int_equal(jsi(row, "remaining_qty"), 6);
	assert_int_equal(jsi(row, "cancelled_qty"), 4);
	sresp_free(&lr);
	/* Nothing left on the replaced original. */
	rvse(&p, orig, "02", "00", 0, 0, 1, &r);
	assert_string_equal(js(r.json, "msg_cd"), "APBK0918");
	sresp_free(&r);
	assert_int_equal(simp_stop(&p), 0);
}

static int reap(void **state)
{
	(void)state;
	simp_reap_all();
	return 0;
}

#define T(f) cmocka_unit_test_teardown(f, reap)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_vocabulary_virtual),
	    T(test_vocabulary_real),
	    T(test_ioc_fok),
	    T(test_after_hours),
	    T(test_stop_limit_and_nxt),
	    T(test_amend_and_partial_cancel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
