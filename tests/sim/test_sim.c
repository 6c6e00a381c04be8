/* test_sim.c — kis-sim over HTTP: token rules, errors, quotes, paging of
 * balance and daily order history, the order lifecycle and account
 * arithmetic, rejections, fault injection, determinism and bad input. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "kclock.h"
#include "krx.h"
#include "simtest.h"

#define DS      "/uapi/domestic-stock/v1"
#define P_PRICE DS "/quotations/inquire-price"
#define P_DAILY DS "/quotations/inquire-daily-price"
#define P_CHART DS "/quotations/inquire-daily-itemchartprice"
#define P_HOLI  DS "/quotations/chk-holiday"
#define P_BAL   DS "/trading/inquire-balance"
#define P_PSBL  DS "/trading/inquire-psbl-order"
#define P_CCLD  DS "/trading/inquire-daily-ccld"
#define P_ORDER DS "/trading/order-cash"
#define P_RVSE  DS "/trading/order-rvsecncl"
#define P_OPEN  DS "/trading/inquire-psbl-rvsecncl"

#define CLOCK_10 "2026-11-24T10:00:00+09:00"

static void start(simproc *p, const char *const *extra)
{
	assert_int_equal(simp_start(p, extra), 0);
}

static void stop(simproc *p)
{
	assert_int_equal(simp_stop(p), 0); /* exits 0 on SIGTERM */
}

/* A started sim with a token; rate limit off unless extra says otherwise. */
static void start_auth(simproc *p, const char *env, const char *clock)
{
	const char *extra[] = {"--env", env, "--clock", clock, "--rate", "0", NULL};
	start(p, extra);
	assert_int_equal(simp_token(p), 200);
}

static void set_clock(simproc *p, const char *iso)
{
	char b[128];
	snprintf(b, sizeof(b), "{\"set\":\"%s\"}", iso);
	assert_int_equal(simp_ctl(p, "clock", b), 200);
}

static void quote(simproc *p, const char *code, sresp *r)
{
	char path[256];
	snprintf(path, sizeof(path), P_PRICE "?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD=%s", code);
	simp_call(p, "GET", path, "FHKST01010100", NULL, NULL, r);
}

static long long price_of(simproc *p, const char *code)
{
	sresp r;
	quote(p, code, &r);
	assert_int_equal(r.status, 200);
	long long v = jsi(json_object_get(r.json, "output"), "stck_prpr");
	sresp_free(&r);
	return v;
}

static void order(simproc *p, const char *tr_id, const char *code, const char *dvsn, long long qty,
                  long long price, sresp *r)
{
	char b[512];
	snprintf(b, sizeof(b),
	         "{\"CANO\":\"" T_ACCT
	         "\",\"ACNT_PRDT_CD\":\"01\",\"PDNO\":\"%s\",\"ORD_DVSN\":\"%s\","
	         "\"ORD_QTY\":\"%lld\",\"ORD_UNPR\":\"%lld\",\"EXCG_ID_DVSN_CD\":\"KRX\"}",
	         code, dvsn, qty, price);
	simp_call(p, "POST", P_ORDER, tr_id, NULL, b, r);
}

static void balance(simproc *p, const char *tr_id, const char *tr_cont, const char *fk,
                    const char *nk, sresp *r)
{
	char path[1024];
	char *efk = curl_easy_escape(NULL, fk, 0), *enk = curl_easy_escape(NULL, nk, 0);
	snprintf(path, sizeof(path),
	         P_BAL "?CANO=" T_ACCT "&ACNT_PRDT_CD=01&AFHR_FLPR_YN=N&OFL_YN=&INQR_DVSN=02"
	               "&UNPR_DVSN=01&FUND_STTL_ICLD_YN=N&FNCG_AMT_AUTO_RDPT_YN=N&PRCS_DVSN=00"
	               "&CTX_AREA_FK100=%s&CTX_AREA_NK100=%s",
	         efk, enk);
	curl_free(efk);
	curl_free(enk);
	simp_call(p, "GET", path, tr_id, tr_cont, NULL, r);
}

static void ccld(simproc *p, const char *tr_id, const char *args, const char *tr_cont,
                 const char *fk, const char *nk, sresp *r)
{
	char path[1400];
	char *efk = curl_easy_escape(NULL, fk, 0), *enk = curl_easy_escape(NULL, nk, 0);
	snprintf(path, sizeof(path),
	         P_CCLD "?CANO=" T_ACCT "&ACNT_PRDT_CD=01&INQR_DVSN_3=00&INQR_DVSN_1=&ORD_GNO_BRNO="
	                "&EXCG_ID_DVSN_CD=KRX&%s&CTX_AREA_FK100=%s&CTX_AREA_NK100=%s",
	         args, efk, enk);
	curl_free(efk);
	curl_free(enk);
	simp_call(p, "GET", path, tr_id, tr_cont, NULL, r);
}

static json_t *out(const sresp *r)
{
	return json_object_get(r->json, "output");
}

static void assert_env(const sresp *r, long status, const char *msg_cd)
{
	if (r->status != status || strcmp(js(r->json, "msg_cd"), msg_cd) != 0)
		fprintf(stderr, "got %ld %s\n", r->status, r->body);
	assert_int_equal(r->status, status);
	assert_string_equal(js(r->json, "msg_cd"), msg_cd);
}

/* Write callback that keeps the msg_cd of a reply in last_body. */
static char last_body[64];
static size_t keep_msg_cd(char *d, size_t sz, size_t nm, void *u)
{
	size_t k = sz * nm;
	const char *m = memmem(d, k, "\"msg_cd\":\"", 10);
	if (m && (size_t)(m - d) + 18 <= k)
		snprintf(last_body, sizeof(last_body), "%.8s", m + 10);
	return k;
}

/* ---------------------------------------------------------------- tokens */

static void test_tokens(void **state)
{
	simproc p;
	const char *extra[] = {"--clock", CLOCK_10, "--rate", "0", NULL};
	start(&p, extra);
	set_clock(&p, CLOCK_10); /* the sim's clock runs: pin it for the expiry check */
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"grant_type\":\"client_credentials\",\"appkey\":\"%s\",\"appsecret\":\"%s\"}",
	         T_APPKEY, p.secret);
	sresp r;
	simp_call(&p, "POST", "/oauth2/tokenP", NULL, NULL, body, &r);
	assert_int_equal(r.status, 200);
	const char *tok = js(r.json, "access_token");
	assert_true(strlen(tok) > 300);
	assert_true(strncmp(tok, "eyJ", 3) == 0);
	assert_non_null(strchr(strchr(tok, '.') + 1, '.'));
	assert_string_equal(js(r.json, "token_type"), "Bearer");
	assert_true(json_is_integer(json_object_get(r.json, "expires_in")));
	assert_int_equal(jsi(r.json, "expires_in"), 86400);
	assert_string_equal(js(r.json, "access_token_token_expired"), "2026-11-25 10:00:00");
	char first[1024];
	snprintf(first, sizeof(first), "%s", tok);
	sresp_free(&r);

	/* Again within a minute: 403 in the error_code form. */
	simp_call(&p, "POST", "/oauth2/tokenP", NULL, NULL, body, &r);
	assert_int_equal(r.status, 403);
	assert_string_equal(js(r.json, "error_code"), "EGW00133");
	assert_null(json_object_get(r.json, "rt_cd"));
	sresp_free(&r);

	/* 61 s later (sim clock): allowed, and within 6 h the same token. */
	assert_int_equal(simp_ctl(&p, "clock", "{\"advance_s\":61}"), 200);
	simp_call(&p, "POST", "/oauth2/tokenP", NULL, NULL, body, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(js(r.json, "access_token"), first);
	sresp_free(&r);

	/* After 6 h: a new token. */
	assert_int_equal(simp_ctl(&p, "clock", "{\"advance_s\":21600}"), 200);
	simp_call(&p, "POST", "/oauth2/tokenP", NULL, NULL, body, &r);
	assert_int_equal(r.status, 200);
	assert_string_not_equal(js(r.json, "access_token"), first);
	snprintf(p.token, sizeof(p.token), "%s", js(r.json, "access_token"));
	sresp_free(&r);

	/* Wrong key / secret. */
	char bad[512];
	snprintf(
	    bad, sizeof(bad),
	    "{\"grant_type\":\"client_credentials\",\"appkey\":\"short\",\"appsecret\":\"%s\"}",
	    p.secret);
	simp_call(&p, "POST", "/oauth2/tokenP", NULL, NULL, bad, &r);
	assert_int_equal(r.status, 403);
	assert_string_equal(js(r.json, "error_code"), "EGW00103");
	sresp_free(&r);
	snprintf(bad, sizeof(bad),
	         "{\"grant_type\":\"client_credentials\",\"appkey\":\"%s\",\"appsecret\":\"nope\"}",
	         T_APPKEY);
	simp_call(&p, "POST", "/oauth2/tokenP", NULL, NULL, bad, &r);
	assert_int_equal(r.status, 403);
	assert_string_equal(js(r.json, "error_code"), "EGW00105");
	sresp_free(&r);

	/* The new token works; the old one (still within 24 h) works too. */
	quote(&p, "005930", &r);
	assert_env(&r, 200, "MCA00000");
	assert_string_equal(r.tr_id, "FHKST01010100");
	sresp_free(&r);

	/* Unknown token: 500 EGW00121. */
	char keep[1024];
	snprintf(keep, sizeof(keep), "%s", p.token);
	snprintf(p.token, sizeof(p.token), "%s", "not-a-token");
	quote(&p, "005930", &r);
	assert_env(&r, 500, "EGW00121");
	sresp_free(&r);

	/* 24 h later the first token has expired: 500 EGW00123. */
	snprintf(p.token, sizeof(p.token), "%s", first);
	assert_int_equal(simp_ctl(&p, "clock", "{\"advance_s\":66000}"), 200);
	quote(&p, "005930", &r);
	assert_env(&r, 500, "EGW00123");
	sresp_free(&r);

	/* /__sim/token/expire ends the second one at once. */
	snprintf(p.token, sizeof(p.token), "%s", keep);
	quote(&p, "005930", &r);
	assert_int_equal(r.status, 200);
	sresp_free(&r);
	assert_int_equal(simp_ctl(&p, "token/expire", "{}"), 200);
	quote(&p, "005930", &r);
	assert_env(&r, 500, "EGW00123");
	sresp_free(&r);

	/* Re-issue (> 60 s later), then revoke: EGW00121. */
	assert_int_equal(simp_ctl(&p, "clock", "{\"advance_s\":61}"), 200);
	assert_int_equal(simp_token(&p), 200);
	assert_string_not_equal(p.token, keep);
	char rv[1600];
	snprintf(rv, sizeof(rv), "{\"appkey\":\"%s\",\"appsecret\":\"%s\",\"token\":\"%s\"}",
	         T_APPKEY, p.secret, p.token);
	simp_call(&p, "POST", "/oauth2/revokeP", NULL, NULL, rv, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(jsi(r.json, "code"), 200);
	sresp_free(&r);
	quote(&p, "005930", &r);
	assert_env(&r, 500, "EGW00121");
	sresp_free(&r);

	/* Approval key and hashkey. */
	snprintf(rv, sizeof(rv),
	         "{\"grant_type\":\"client_credentials\",\"appkey\":\"%s\",\"secretkey\":\"%s\"}",
	         T_APPKEY, p.secret);
	simp_call(&p, "POST", "/oauth2/Approval", NULL, NULL, rv, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(strlen(js(r.json, "approval_key")), 36);
	sresp_free(&r);
	simp_call(&p, "POST", "/uapi/hashkey", NULL, NULL,
	          "{\"CANO\":\"12345678\",\"PDNO\":\"005930\"}", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(strlen(js(r.json, "HASH")), 64);
	sresp_free(&r);

	simp_call(&p, "GET", "/__sim/counters", NULL, NULL, NULL, &r);
	assert_int_equal(jsi(r.json, "token_issued"), 3);
	assert_int_equal(jsi(r.json, "token_reused"), 1);
	assert_int_equal(jsi(r.json, "token_denied"), 1);
	sresp_free(&r);
	stop(&p);
}

/* ---------------------------------------------------------------- errors */

static void test_gateway_errors(void **state)
{
	simproc p;
	const char *extra[] = {"--clock", CLOCK_10, NULL}; /* default virtual 2/s */
	start(&p, extra);
	assert_int_equal(simp_token(&p), 200);
	sresp r;
	int limited = 0, ok = 0;
	for (int i = 0; i < 6; i++) {
		quote(&p, "005930", &r);
		if (r.status == 500 && strcmp(js(r.json, "msg_cd"), "EGW00201") == 0)
			limited++;
		else if (r.status == 200)
			ok++;
		sresp_free(&r);
	}
	assert_true(limited >= 1);
	assert_true(ok >= 2);
	simp_call(&p, "GET", "/__sim/counters", NULL, NULL, NULL, &r);
	assert_int_equal(jsi(r.json, "rate_limited"), limited);
	sresp_free(&r);
	assert_int_equal(simp_ctl(&p, "session", "{\"rate\":0}"), 200);

	/* Real tr_id on the virtual host. */
	balance(&p, "TTTC8434R", NULL, "", "", &r);
	assert_env(&r, 500, "EGW2004");
	sresp_free(&r);
	/* Unknown tr_id. */
	balance(&p, "VTTC9999R", NULL, "", "", &r);
	assert_env(&r, 500, "OPSQ0002");
	sresp_free(&r);
	/* Bad account. */
	simp_call(&p, "GET",
	          P_BAL "?CANO=1234&ACNT_PRDT_CD=01&CTX_AREA_FK100=&CTX_AREA_NK100=", "VTTC8434R",
	          NULL, NULL, &r);
	assert_env(&r, 500, "OPSQ2000");
	sresp_free(&r);
	/* Header names and GET parameter names are case-insensitive. */
	simp_call(&p, "GET", P_PRICE "?fid_cond_mrkt_div_code=J&fid_input_iscd=000660",
	          "FHKST01010100", NULL, NULL, &r);
	assert_env(&r, 200, "MCA00000");
	assert_string_equal(js(out(&r), "stck_shrn_iscd"), "000660");
	sresp_free(&r);
	/* A bad appkey or custtype on /uapi. */
	simp_call(&p, "GET",
	          "/uapi/domestic-stock/v1/quotations/inquire-price?FID_COND_MRKT_DIV_CODE=J",
	          "FHKST01010100", NULL, NULL, &r);
	assert_env(&r, 500, "OPSQ1002"); /* missing FID_INPUT_ISCD */
	sresp_free(&r);
	{
		CURL *cu = curl_easy_init();
		struct curl_slist *hl = curl_slist_append(NULL, "appkey: short");
		char url[256];
		snprintf(url, sizeof(url),
		         "%s" P_PRICE "?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD=005930", p.base);
		curl_easy_setopt(cu, CURLOPT_URL, url);
		curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, keep_msg_cd);
		assert_int_equal(curl_easy_perform(cu), CURLE_OK);
		long code = 0;
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code);
		assert_int_equal(code, 500);
		assert_string_equal(last_body, "EGW00103");
		curl_slist_free_all(hl);
		curl_easy_cleanup(cu);
	}
	/* Wrong appsecret on /uapi (not 180 characters). */
	p.secret[100] = 0;
	quote(&p, "005930", &r);
	assert_env(&r, 500, "EGW00105");
	sresp_free(&r);
	stop(&p);

	/* Strict mode: only the configured key and account. */
	char sec[181];
	memset(sec, T_SECRET_CH, 180);
	sec[180] = 0;
	const char *strict[] = {"--clock",   CLOCK_10,      "--rate",      "0",
	                        "--appkey",  T_APPKEY,      "--appsecret", sec,
	                        "--account", "87654321-01", NULL};
	start(&p, strict);
	assert_int_equal(simp_token(&p), 200);
	balance(&p, "VTTC8434R", NULL, "", "", &r); /* 12345678-01 is not it */
	assert_env(&r, 500, "OPSQ2000");
	sresp_free(&r);
	simp_call(&p, "GET", P_BAL "?CANO=87654321&ACNT_PRDT_CD=01&CTX_AREA_FK100=&CTX_AREA_NK100=",
	          "VTTC8434R", NULL, NULL, &r);
	assert_env(&r, 200, "KIOK0510");
	sresp_free(&r);
	stop(&p);
}

/* ---------------------------------------------------------------- quotes */

static void test_quotes(void **state)
{
	simproc p;
	start_auth(&p, "real", CLOCK_10);
	sresp r;
	quote(&p, "005930", &r);
	assert_env(&r, 200, "MCA00000");
	json_t *o = out(&r);
	long long prpr = jsi(o, "stck_prpr"), base = jsi(o, "stck_sdpr");
	long long mx = jsi(o, "stck_mxpr"), ll = jsi(o, "stck_llam"), tick = jsi(o, "aspr_unit");
	assert_true(prpr > 0 && base > 0);
	assert_true(prpr <= mx && prpr >= ll);
	assert_int_equal(prpr % tick, 0);
	assert_int_equal(jsi(o, "prdy_vrss"), prpr - base);
	assert_true(jsi(o, "stck_hgpr") >= prpr && jsi(o, "stck_lwpr") <= prpr);
	assert_true(mx <= base * 13 / 10 && ll >= base * 7 / 10);
	const char *sign = js(o, "prdy_vrss_sign");
	assert_string_equal(sign, prpr > base ? "2" : prpr < base ? "5" : "3");
	long long oprc = jsi(o, "stck_oprc"), hg = jsi(o, "stck_hgpr"), lw = jsi(o, "stck_lwpr");
	/* closed against a real capture: the highs/lows blocks and the pivots */
	static const char *const more[] = {
	    "w52_hgpr",          "w52_hgpr_date",     "w52_hgpr_vrss_prpr_ctrt",
	    "w52_lwpr",          "w52_lwpr_date",     "w52_lwpr_vrss_prpr_ctrt",
	    "d250_hgpr",         "d250_hgpr_date",    "d250_hgpr_vrss_prpr_rate",
	    "d250_lwpr",         "d250_lwpr_date",    "d250_lwpr_vrss_prpr_rate",
	    "stck_dryy_hgpr",    "dryy_hgpr_date",    "dryy_hgpr_vrss_prpr_rate",
	    "stck_dryy_lwpr",    "dryy_lwpr_date",    "dryy_lwpr_vrss_prpr_rate",
	    "pvt_scnd_dmrs_prc", "pvt_frst_dmrs_prc", "pvt_pont_val",
	    "pvt_frst_dmsp_prc", "pvt_scnd_dmsp_prc",
	};
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		if (!json_is_string(json_object_get(o, more[i])))
			fail_msg("inquire-price lacks %s", more[i]);
	assert_true(json_object_size(o) >= 80);
	assert_true(jsi(o, "w52_hgpr") >= hg && jsi(o, "w52_lwpr") <= lw);
	assert_true(jsi(o, "d250_hgpr") >= hg && jsi(o, "stck_dryy_hgpr") >= hg);
	assert_true(jsi(o, "stck_dryy_lwpr") <= lw && jsi(o, "d250_lwpr") <= lw);
	long long hd = jsi(o, "w52_hgpr_date");
	assert_true(hd >= 20251124 && hd <= 20261124);
	assert_true(jsi(o, "pvt_frst_dmrs_prc") >= jsi(o, "pvt_pont_val") &&
	            jsi(o, "pvt_pont_val") >= jsi(o, "pvt_frst_dmsp_prc"));
	sresp_free(&r);

	/* Unknown code: rt_cd 1, HTTP 200 (real: APBK0656). */
	quote(&p, "999999", &r);
	assert_env(&r, 200, "APBK0656");
	assert_string_equal(js(r.json, "rt_cd"), "1");
	sresp_free(&r);

	/* Daily: 30 rows, newest first, today's row == the quote. */
	simp_call(&p, "GET",
	          P_DAILY "?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD=005930&FID_PERIOD_DIV_CODE=D"
	                  "&FID_ORG_ADJ_PRC=1",
	          "FHKST01010400", NULL, NULL, &r);
	assert_env(&r, 200, "MCA00000");
	json_t *arr = out(&r);
	assert_int_equal(json_array_size(arr), 30);
	json_t *d0 = json_array_get(arr, 0), *d1 = json_array_get(arr, 1);
	assert_string_equal(js(d0, "stck_bsop_date"), "20261124");
	assert_int_equal(jsi(d0, "stck_clpr"), prpr);
	assert_int_equal(jsi(d0, "stck_oprc"), oprc);
	assert_int_equal(jsi(d0, "stck_hgpr"), hg);
	assert_int_equal(jsi(d0, "stck_lwpr"), lw);
	assert_int_equal(jsi(d1, "stck_clpr"), base);
	assert_string_equal(js(d1, "stck_bsop_date"), "20261123");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *b = json_array_get(arr, i);
		assert_true(jsi(b, "stck_hgpr") >= jsi(b, "stck_clpr"));
		assert_true(jsi(b, "stck_lwpr") <= jsi(b, "stck_oprc"));
		if (i + 1 < json_array_size(arr))
			assert_true(strcmp(js(b, "stck_bsop_date"),
			                   js(json_array_get(arr, i + 1), "stck_bsop_date")) > 0);
	}
	sresp_free(&r);

	/* Period chart: at most 100 bars in range, newest first; page by end date
	 * back to 2024 (2+ years of history). */
	char end[16] = "20261124";
	int total = 0, pages = 0;
	char oldest[16] = "";
	while (pages < 10) {
		char path[512];
		snprintf(path, sizeof(path),
		         P_CHART
		         "?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD=005930&FID_INPUT_DATE_1="
		         "20240101&FID_INPUT_DATE_2=%s&FID_PERIOD_DIV_CODE=D&FID_ORG_ADJ_PRC=0",
		         end);
		simp_call(&p, "GET", path, "FHKST03010100", NULL, NULL, &r);
		assert_env(&r, 200, "MCA00000");
		if (pages == 0) {
			json_t *o1 = json_object_get(r.json, "output1");
			assert_string_equal(js(o1, "hts_kor_isnm"), "삼성전자");
			assert_int_equal(jsi(o1, "stck_prpr"), prpr);
		}
		json_t *bars = json_object_get(r.json, "output2");
		size_t n = json_array_size(bars);
		assert_true(n <= 100);
		total += (int)n;
		pages++;
		if (n == 0)
			break;
		snprintf(oldest, sizeof(oldest), "%s",
		         js(json_array_get(bars, n - 1), "stck_bsop_date"));
		sresp_free(&r);
		if (n < 100)
			break;
		/* Like the official backtester: next end = oldest - 1 day. */
		snprintf(end, sizeof(end), "%d", ymd_add_days(ymd_parse(oldest), -1));
	}
	if (r.body)
		sresp_free(&r);
	assert_true(total > 480); /* trading days 2024-01-02..2026-11-24 */
	assert_string_equal(oldest, "20240102");

	/* Weekly bars. */
	simp_call(&p, "GET",
	          P_CHART
	          "?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD=005930&FID_INPUT_DATE_1=20260101"
	          "&FID_INPUT_DATE_2=20261124&FID_PERIOD_DIV_CODE=W&FID_ORG_ADJ_PRC=0",
	          "FHKST03010100", NULL, NULL, &r);
	assert_env(&r, 200, "MCA00000");
	size_t nw = json_array_size(json_object_get(r.json, "output2"));
	assert_true(nw >= 46 && nw <= 48);
	sresp_free(&r);

	/* Bad market division code. */
	simp_call(&p, "GET", P_PRICE "?FID_COND_MRKT_DIV_CODE=Q&FID_INPUT_ISCD=005930",
	          "FHKST01010100", NULL, NULL, &r);
	assert_env(&r, 500, "OPSQ2001");
	sresp_free(&r);

	/* Minute bars: never past the sim clock; newest first; the last = quote. */
	set_clock(&p, "2026-11-24T11:00:00+09:00");
	long long now_px = price_of(&p, "005930");
	simp_call(
	    &p, "GET",
	    DS "/quotations/inquire-time-itemchartprice?FID_ETC_CLS_CODE=&FID_COND_MRKT_DIV_CODE=J"
	       "&FID_INPUT_ISCD=005930&FID_INPUT_HOUR_1=153000&FID_PW_DATA_INCU_YN=Y",
	    "FHKST03010200", NULL, NULL, &r);
	assert_env(&r, 200, "MCA00000");
	arr = json_object_get(r.json, "output2");
	assert_int_equal(json_array_size(arr), 30);
	assert_string_equal(js(json_array_get(arr, 0), "stck_cntg_hour"), "110000");
	assert_string_equal(js(json_array_get(arr, 29), "stck_cntg_hour"), "103100");
	assert_int_equal(jsi(json_array_get(arr, 0), "stck_prpr"), now_px);
	sresp_free(&r);
	simp_call(
	    &p, "GET",
	    DS "/quotations/inquire-time-itemchartprice?FID_ETC_CLS_CODE=&FID_COND_MRKT_DIV_CODE=J"
	       "&FID_INPUT_ISCD=005930&FID_INPUT_HOUR_1=090200&FID_PW_DATA_INCU_YN=Y",
	    "FHKST03010200", NULL, NULL, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "output2")), 3);
	sresp_free(&r);
	/* Order book: best bid = last price, best ask one tick up, on the grid. */
	simp_call(&p, "GET",
	          DS "/quotations/inquire-asking-price-exp-ccn?FID_COND_MRKT_DIV_CODE=J"
	             "&FID_INPUT_ISCD=005930",
	          "FHKST01010200", NULL, NULL, &r);
	assert_env(&r, 200, "MCA00000");
	json_t *ob = json_object_get(r.json, "output1");
	assert_int_equal(jsi(ob, "bidp1"), now_px);
	assert_int_equal(jsi(ob, "askp1"), now_px + tick);
	for (int k = 2; k <= 10; k++) {
		char a[16], b[16], pa[16], pb[16];
		snprintf(a, sizeof(a), "askp%d", k);
		snprintf(pa, sizeof(pa), "askp%d", k - 1);
		snprintf(b, sizeof(b), "bidp%d", k);
		snprintf(pb, sizeof(pb), "bidp%d", k - 1);
		assert_true(jsi(ob, a) > jsi(ob, pa) && jsi(ob, b) < jsi(ob, pb));
		assert_int_equal(jsi(ob, a) % krx_tick(jsi(ob, a)), 0);
		assert_int_equal(jsi(ob, b) % krx_tick(jsi(ob, b)), 0);
	}
	sresp_free(&r);

	/* Holidays (real host): 2026-12-25 closed, 12-31 closed, 12-30 open. */
	simp_call(&p, "GET", P_HOLI "?BASS_DT=20261224&CTX_AREA_NK=&CTX_AREA_FK=", "CTCA0903R", "",
	          NULL, &r);
	assert_env(&r, 200, "KIOK0510");
	assert_true(r.has_tr_cont);
	arr = out(&r);
	assert_true(json_array_size(arr) >= 8);
	assert_string_equal(js(json_array_get(arr, 0), "opnd_yn"), "Y");       /* Thu 24 */
	assert_string_equal(js(json_array_get(arr, 1), "opnd_yn"), "N");       /* Fri 25 */
	assert_string_equal(js(json_array_get(arr, 2), "wday_dvsn_cd"), "07"); /* Sat */
	assert_string_equal(js(json_array_get(arr, 6), "opnd_yn"), "Y");       /* Wed 30 */
	assert_string_equal(js(json_array_get(arr, 7), "opnd_yn"), "N");       /* Thu 31 */
	sresp_free(&r);
	stop(&p);
}

/* ---------------------------------------------------------------- paging */

static void seed_holdings(simproc *p, int n)
{
	static const char *codes[] = {
	    "005930", "000660", "373220", "207940", "005380", "000270", "068270", "005490",
	    "035420", "035720", "051910", "006400", "105560", "055550", "012330", "028260",
	    "066570", "003550", "032830", "096770", "017670", "030200", "034730", "015760",
	    "086790", "009150", "018260", "003670", "010950", "011200", "034020", "003490",
	    "251270", "247540", "086520", "196170", "028300", "263750", "293490", "035900",
	    "041510", "042700", "003280"};
	char *b = malloc(8192);
	size_t k = (size_t)snprintf(
	    b, 8192, "{\"account\":\"" T_ACCT "-01\",\"cash\":5000000,\"holdings\":[");
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(b + k, 8192 - k,
		                      "%s{\"code\":\"%s\",\"qty\":%d,\"avg_price\":1000.5}",
		                      i ? "," : "", codes[i], 2 * (i + 1));
	snprintf(b + k, 8192 - k, "]}");
	assert_int_equal(simp_ctl(p, "reset", b), 200);
	free(b);
}

/* Follow tr_cont exactly like KIS's sample: M/F -> next page with "N". */
static int follow_balance(simproc *p, const char *tr_id, int *pages, int page_size)
{
	char fk[128] = "", nk[128] = "";
	const char *cont = "";
	int rows = 0;
	char seen[64][8];
	*pages = 0;
	for (;;) {
		sresp r;
		balance(p, tr_id, cont, fk, nk, &r);
		assert_int_equal(r.status, 200);
		assert_string_equal(js(r.json, "rt_cd"), "0");
		assert_true(r.has_tr_cont);
		assert_int_equal(strlen(js(r.json, "ctx_area_fk100")), 100);
		assert_int_equal(strlen(js(r.json, "ctx_area_nk100")), 100);
		json_t *o1 = json_object_get(r.json, "output1");
		json_t *o2 = json_object_get(r.json, "output2");
		assert_true(json_is_array(o2) && json_array_size(o2) == 1);
		size_t i;
		json_t *v;
		json_array_foreach(o1, i, v)
		{
			for (int s = 0; s < rows; s++)
				assert_string_not_equal(seen[s], js(v, "pdno"));
			if (rows < 64)
				snprintf(seen[rows], 8, "%s", js(v, "pdno"));
			rows++;
		}
		(*pages)++;
		int more = strcmp(r.tr_cont, "M") == 0 || strcmp(r.tr_cont, "F") == 0;
		if (more)
			assert_int_equal(json_array_size(o1), page_size);
		else {
			assert_string_equal(r.tr_cont, "D");
			const char *nkv = js(r.json, "ctx_area_nk100");
			for (size_t c = 0; c < 100; c++)
				assert_int_equal(nkv[c], ' ');
		}
		snprintf(fk, sizeof(fk), "%s", js(r.json, "ctx_area_fk100"));
		snprintf(nk, sizeof(nk), "%s", js(r.json, "ctx_area_nk100"));
		sresp_free(&r);
		cont = "N";
		if (!more || *pages > 10)
			break;
	}
	return rows;
}

static void test_balance_paging(void **state)
{
	simproc p;
	start_auth(&p, "virtual", CLOCK_10);
	seed_holdings(&p, 43);
	int pages;
	assert_int_equal(follow_balance(&p, "VTTC8434R", &pages, 20), 43);
	assert_int_equal(pages, 3);
	/* Exactly one page's worth: a single page with "D". */
	seed_holdings(&p, 20);
	assert_int_equal(follow_balance(&p, "VTTC8434R", &pages, 20), 20);
	assert_int_equal(pages, 1);
	/* Summary adds up. */
	sresp r;
	balance(&p, "VTTC8434R", "", "", "", &r);
	json_t *sum = json_array_get(json_object_get(r.json, "output2"), 0);
	long long evlu = 0, pchs = 0;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(r.json, "output1"), i, v)
	{
		assert_int_equal(jsi(v, "evlu_amt"), jsi(v, "hldg_qty") * jsi(v, "prpr"));
		assert_int_equal(jsi(v, "evlu_pfls_amt"), jsi(v, "evlu_amt") - jsi(v, "pchs_amt"));
		assert_string_equal(js(v, "pchs_avg_pric"), "1000.5000");
		evlu += jsi(v, "evlu_amt");
		pchs += jsi(v, "pchs_amt");
	}
	assert_int_equal(jsi(sum, "dnca_tot_amt"), 5000000);
	assert_int_equal(jsi(sum, "scts_evlu_amt"), evlu);
	assert_int_equal(jsi(sum, "evlu_amt_smtl_amt"), evlu);
	assert_int_equal(jsi(sum, "pchs_amt_smtl_amt"), pchs);
	assert_int_equal(jsi(sum, "tot_evlu_amt"), evlu + 5000000);
	assert_int_equal(jsi(sum, "evlu_pfls_smtl_amt"), evlu - pchs);
	sresp_free(&r);
	stop(&p);

	start_auth(&p, "real", CLOCK_10);
	seed_holdings(&p, 43);
	assert_int_equal(follow_balance(&p, "TTTC8434R", &pages, 50), 43);
	assert_int_equal(pages, 1);
	stop(&p);
}

static void seed_history(simproc *p)
{
	/* 40 orders over 4 past trading days + 2 on 2025-06-02 (> 3 months). */
	char *b = malloc(16384);
	size_t k = (size_t)snprintf(b, 16384, "{\"account\":\"" T_ACCT "-01\",\"orders\":[");
	static const char *days[] = {"2026-11-18", "2026-11-19", "2026-11-20", "2026-11-23"};
	for (int i = 0; i < 40; i++)
		k += (size_t)snprintf(b + k, 16384 - k,
		                      "%s{\"date\":\"%s\",\"time\":\"%06d\",\"code\":\"%s\","
		                      "\"side\":\"%s\",\"qty\":%d,"
		                      "\"price\":70000,\"filled_qty\":%d,\"fill_price\":70000}",
		                      i ? "," : "", days[i / 10], 90100 + i * 100,
		                      i % 2 ? "005930" : "000660", i % 4 < 2 ? "buy" : "sell", 10,
		                      i % 5 == 0 ? 0 : 10);
	k += (size_t)snprintf(b + k, 16384 - k,
	                      ",{\"date\":\"2025-06-02\",\"time\":\"100000\",\"code\":\"005930\","
	                      "\"side\":\"buy\",\"qty\":5,\"price\":60000,\"filled_qty\":5}"
	                      ",{\"date\":\"2025-06-02\",\"time\":\"110000\",\"code\":\"005930\","
	                      "\"side\":\"sell\",\"qty\":5,\"price\":61000,\"filled_qty\":5}]}");
	assert_int_equal(simp_ctl(p, "reset", b), 200);
	free(b);
}

static int follow_ccld(simproc *p, const char *tr_id, const char *args, int page_size, int *pages,
                       char first_odno[16], char last_odno[16])
{
	char fk[128] = "", nk[128] = "";
	const char *cont = "";
	int rows = 0;
	*pages = 0;
	for (;;) {
		sresp r;
		ccld(p, tr_id, args, cont, fk, nk, &r);
		assert_int_equal(r.status, 200);
		assert_string_equal(js(r.json, "rt_cd"), "0");
		json_t *o1 = json_object_get(r.json, "output1");
		assert_true(json_is_object(json_object_get(r.json, "output2")));
		size_t n = json_array_size(o1);
		if (n) {
			if (rows == 0)
				snprintf(first_odno, 16, "%s", js(json_array_get(o1, 0), "odno"));
			snprintf(last_odno, 16, "%s", js(json_array_get(o1, n - 1), "odno"));
		}
		rows += (int)n;
		(*pages)++;
		int more = strcmp(r.tr_cont, "M") == 0;
		if (more)
			assert_int_equal(n, page_size);
		else
			assert_string_equal(r.tr_cont, "D");
		snprintf(fk, sizeof(fk), "%s", js(r.json, "ctx_area_fk100"));
		snprintf(nk, sizeof(nk), "%s", js(r.json, "ctx_area_nk100"));
		sresp_free(&r);
		cont = "N";
		if (!more || *pages > 12)
			break;
	}
	return rows;
}

static void test_ccld_paging(void **state)
{
	simproc p;
	start_auth(&p, "virtual", CLOCK_10);
	seed_history(&p);
	int pages;
	char f[16], l[16];
	const char *all = "INQR_STRT_DT=20261101&INQR_END_DT=20261124&SLL_BUY_DVSN_CD=00&PDNO="
	                  "&CCLD_DVSN=00&INQR_DVSN=00&ODNO=";
	assert_int_equal(follow_ccld(&p, "VTTC0081R", all, 15, &pages, f, l), 40);
	assert_int_equal(pages, 3);
	assert_true(strcmp(f, l) > 0); /* 00: newest first */
	const char *asc = "INQR_STRT_DT=20261101&INQR_END_DT=20261124&SLL_BUY_DVSN_CD=00&PDNO="
	                  "&CCLD_DVSN=00&INQR_DVSN=01&ODNO=";
	assert_int_equal(follow_ccld(&p, "VTTC8001R", asc, 15, &pages, f, l), 40); /* old tr_id */
	assert_true(strcmp(f, l) < 0);
	/* Filters: side, code, filled/unfilled, one day, one order. */
	assert_int_equal(follow_ccld(&p, "VTTC0081R",
	                             "INQR_STRT_DT=20261101&INQR_END_DT=20261124&SLL_BUY_DVSN_CD=02"
	                             "&PDNO=&CCLD_DVSN=00&INQR_DVSN=00&ODNO=",
	                             15, &pages, f, l),
	                 20);
	assert_int_equal(follow_ccld(&p, "VTTC0081R",
	                             "INQR_STRT_DT=20261101&INQR_END_DT=20261124&SLL_BUY_DVSN_CD=01"
	                             "&PDNO=005930&CCLD_DVSN=00&INQR_DVSN=00&ODNO=",
	                             15, &pages, f, l),
	                 10);
	assert_int_equal(follow_ccld(&p, "VTTC0081R",
	                             "INQR_STRT_DT=20261101&INQR_END_DT=20261124&SLL_BUY_DVSN_CD=00"
	                             "&PDNO=&CCLD_DVSN=01&INQR_DVSN=00&ODNO=",
	                             15, &pages, f, l),
	                 32);
	assert_int_equal(follow_ccld(&p, "VTTC0081R",
	                             "INQR_STRT_DT=20261119&INQR_END_DT=20261119&SLL_BUY_DVSN_CD=00"
	                             "&PDNO=&CCLD_DVSN=00&INQR_DVSN=00&ODNO=",
	                             15, &pages, f, l),
	                 10);
	char args[256];
	snprintf(args, sizeof(args),
	         "INQR_STRT_DT=20261101&INQR_END_DT=20261124&SLL_BUY_DVSN_CD=00&PDNO=&CCLD_DVSN=00"
	         "&INQR_DVSN=00&ODNO=%s",
	         l);
	assert_int_equal(follow_ccld(&p, "VTTC0081R", args, 15, &pages, f, l), 1);
	/* > 3 months: both ids. */
	const char *old = "INQR_STRT_DT=20250601&INQR_END_DT=20250630&SLL_BUY_DVSN_CD=00&PDNO="
	                  "&CCLD_DVSN=00&INQR_DVSN=00&ODNO=";
	assert_int_equal(follow_ccld(&p, "VTSC9215R", old, 15, &pages, f, l), 2);
	assert_int_equal(follow_ccld(&p, "VTSC9115R", old, 15, &pages, f, l), 2);
	/* Totals in output2 and the row fields. */
	sresp r;
	ccld(&p, "VTTC0081R",
	     "INQR_STRT_DT=20250602&INQR_END_DT=20250602&SLL_BUY_DVSN_CD=00&PDNO=&CCLD_DVSN=00"
	     "&INQR_DVSN=01&ODNO=",
	     "", "", "", &r);
	json_t *o2 = json_object_get(r.json, "output2");
	assert_int_equal(jsi(o2, "tot_ord_qty"), 10);
	assert_int_equal(jsi(o2, "tot_ccld_qty"), 10);
	assert_int_equal(jsi(o2, "tot_ccld_amt"), 5 * 60000 + 5 * 61000);
	json_t *row = json_array_get(json_object_get(r.json, "output1"), 0);
	assert_string_equal(js(row, "ord_dt"), "20250602");
	assert_string_equal(js(row, "ord_gno_brno"), "06010");
	assert_int_equal(strlen(js(row, "odno")), 10);
	assert_string_equal(js(row, "sll_buy_dvsn_cd"), "02");
	assert_string_equal(js(row, "prdt_name"), "삼성전자");
	assert_string_equal(js(row, "ord_tmd"), "100000");
	assert_int_equal(jsi(row, "avg_prvs"), 60000);
	assert_string_equal(js(row, "excg_id_dvsn_Cd"), "KRX");
	assert_string_equal(js(row, "cncl_yn"), "N");
	sresp_free(&r);
	/* Bad date: KIS-style input error. */
	ccld(&p, "VTTC0081R", "INQR_STRT_DT=2026&INQR_END_DT=20261124", "", "", "", &r);
	assert_env(&r, 500, "OPSQ2002");
	sresp_free(&r);
	stop(&p);

	/* Real host: 100 per page. */
	start_auth(&p, "real", CLOCK_10);
	seed_history(&p);
	assert_int_equal(follow_ccld(&p, "TTTC0081R", all, 100, &pages, f, l), 40);
	assert_int_equal(pages, 1);
	assert_int_equal(follow_ccld(&p, "CTSC9215R", old, 100, &pages, f, l), 2);
	stop(&p);
}

/* ---------------------------------------------------------------- orders */

static long long cash_of(simproc *p, const char *tr_id)
{
	sresp r;
	balance(p, tr_id, "", "", "", &r);
	long long c = jsi(json_array_get(json_object_get(r.json, "output2"), 0), "dnca_tot_amt");
	sresp_free(&r);
	return c;
}

static long long psbl_cash(simproc *p)
{
	sresp r;
	simp_call(p, "GET",
	          P_PSBL "?CANO=" T_ACCT "&ACNT_PRDT_CD=01&PDNO=005930&ORD_UNPR=&ORD_DVSN=01"
	                 "&CMA_EVLU_AMT_ICLD_YN=N&OVRS_ICLD_YN=N",
	          "VTTC8908R", NULL, NULL, &r);
	assert_env(&r, 200, "KIOK0510");
	long long c = jsi(out(&r), "ord_psbl_cash");
	sresp_free(&r);
	return c;
}

static json_t *holding(simproc *p, const char *code, sresp *keep)
{
	balance(p, "VTTC8434R", "", "", "", keep);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(keep->json, "output1"), i, v)
	{
		if (strcmp(js(v, "pdno"), code) == 0)
			return v;
	}
	return NULL;
}

static void odno_of(const sresp *r, char *buf)
{
	snprintf(buf, 16, "%s", js(out(r), "ODNO"));
}

static void test_order_lifecycle(void **state)
{
	simproc p;
	start_auth(&p, "virtual", CLOCK_10);
	assert_int_equal(simp_ctl(&p, "reset", "{\"account\":\"" T_ACCT "-01\",\"cash\":10000000}"),
	                 200);
	assert_int_equal(simp_ctl(&p, "price", "{\"code\":\"005930\",\"price\":70000}"), 200);
	assert_int_equal(price_of(&p, "005930"), 70000);

	/* Market buy: filled at once at the current price. */
	sresp r;
	order(&p, "VTTC0012U", "005930", "01", 10, 0, &r);
	assert_env(&r, 200, "40600000");
	assert_string_equal(js(r.json, "rt_cd"), "0");
	/* as real virtual replies: msg1 not padded */
	assert_string_equal(js(r.json, "msg1"), "모의투자 매수주문이 완료 되었습니다.");
	assert_string_equal(js(out(&r), "KRX_FWDG_ORD_ORGNO"), "06010");
	assert_int_equal(strlen(js(out(&r), "ODNO")), 10);
	assert_int_equal(strlen(js(out(&r), "ORD_TMD")), 6);
	assert_true(strncmp(js(out(&r), "ORD_TMD"), "100", 3) == 0);
	sresp_free(&r);
	assert_int_equal(cash_of(&p, "VTTC8434R"), 10000000 - 700000);
	sresp hb;
	json_t *h = holding(&p, "005930", &hb);
	assert_non_null(h);
	assert_int_equal(jsi(h, "hldg_qty"), 10);
	assert_string_equal(js(h, "pchs_avg_pric"), "70000.0000");
	assert_int_equal(jsi(h, "thdt_buyqty"), 10);
	sresp_free(&hb);

	/* Limit buy below the market rests and holds cash at its price. */
	order(&p, "VTTC0012U", "005930", "00", 5, 69000, &r);
	assert_env(&r, 200, "40600000");
	char lim[16];
	odno_of(&r, lim);
	sresp_free(&r);
	assert_int_equal(psbl_cash(&p), 10000000 - 700000 - 5 * 69000);
	char f[16], l[16];
	int pages;
	assert_int_equal(follow_ccld(&p, "VTTC0081R",
	                             "INQR_STRT_DT=20261124&INQR_END_DT=20261124&SLL_BUY_DVSN_CD=00"
	                             "&PDNO=&CCLD_DVSN=02&INQR_DVSN=00&ODNO=",
	                             15, &pages, f, l),
	                 1);
	assert_string_equal(f, lim);
	/* The price crosses: filled at the limit. */
	assert_int_equal(simp_ctl(&p, "price", "{\"code\":\"005930\",\"price\":68900}"), 200);
	assert_int_equal(cash_of(&p, "VTTC8434R"), 10000000 - 700000 - 5 * 69000);
	assert_int_equal(psbl_cash(&p), 10000000 - 700000 - 5 * 69000);
	h = holding(&p, "005930", &hb);
	assert_int_equal(jsi(h, "hldg_qty"), 15);
	assert_string_equal(js(h, "pchs_avg_pric"), "69666.6667");
	sresp_free(&hb);

	/* Limit sell above the market rests; ord_psbl_qty shrinks. */
	order(&p, "VTTC0011U", "005930", "00", 4, 70500, &r);
	assert_env(&r, 200, "40590000");
	char sell[16];
	odno_of(&r, sell);
	sresp_free(&r);
	h = holding(&p, "005930", &hb);
	assert_int_equal(jsi(h, "hldg_qty"), 15);
	assert_int_equal(jsi(h, "ord_psbl_qty"), 11);
	sresp_free(&hb);
	/* Selling more than is sellable: 40240000. */
	order(&p, "VTTC0011U", "005930", "01", 12, 0, &r);
	assert_env(&r, 200, "40240000");
	sresp_free(&r);

	/* Cancel the resting sell: new odno, cncl_yn Y, original rmn 0. */
	char body[512];
	snprintf(
	    body, sizeof(body),
	    "{\"CANO\":\"" T_ACCT "\",\"ACNT_PRDT_CD\":\"01\",\"KRX_FWDG_ORD_ORGNO\":\"06010\","
	    "\"ORGN_ODNO\":\"%s\",\"ORD_DVSN\":\"00\",\"RVSE_CNCL_DVSN_CD\":\"02\",\"ORD_QTY\":"
	    "\"0\",\"ORD_UNPR\":\"0\",\"QTY_ALL_ORD_YN\":\"Y\",\"EXCG_ID_DVSN_CD\":\"KRX\"}",
	    sell);
	simp_call(&p, "POST", P_RVSE, "VTTC0013U", NULL, body, &r);
	assert_env(&r, 200, "40630000");
	char cxl[16];
	odno_of(&r, cxl);
	assert_string_not_equal(cxl, sell);
	sresp_free(&r);
	char args[256];
	snprintf(args, sizeof(args),
	         "INQR_STRT_DT=20261124&INQR_END_DT=20261124&SLL_BUY_DVSN_CD=00&PDNO=&CCLD_DVSN=00"
	         "&INQR_DVSN=00&ODNO=%s",
	         sell);
	ccld(&p, "VTTC0081R", args, "", "", "", &r);
	json_t *row = json_array_get(json_object_get(r.json, "output1"), 0);
	assert_int_equal(jsi(row, "rmn_qty"), 0);
	assert_int_equal(jsi(row, "cncl_cfrm_qty"), 4);
	assert_int_equal(jsi(row, "tot_ccld_qty"), 0);
	sresp_free(&r);
	snprintf(args, sizeof(args),
	         "INQR_STRT_DT=20261124&INQR_END_DT=20261124&SLL_BUY_DVSN_CD=00&PDNO=&CCLD_DVSN=00"
	         "&INQR_DVSN=00&ODNO=%s",
	         cxl);
	ccld(&p, "VTTC0081R", args, "", "", "", &r);
	row = json_array_get(json_object_get(r.json, "output1"), 0);
	assert_string_equal(js(row, "cncl_yn"), "Y");
	assert_string_equal(js(row, "orgn_odno"), sell);
	assert_int_equal(jsi(row, "ord_qty"), 4);
	sresp_free(&r);
	/* Cancelling it again: nothing left. */
	simp_call(&p, "POST", P_RVSE, "VTTC0013U", NULL, body, &r);
	assert_env(&r, 200, "40330000");
	sresp_free(&r);
	h = holding(&p, "005930", &hb);
	assert_int_equal(jsi(h, "ord_psbl_qty"), 15);
	sresp_free(&hb);

	/* Modify a resting buy to a crossing price: the new order fills. */
	order(&p, "VTTC0012U", "005930", "00", 2, 68000, &r);
	char mod[16];
	odno_of(&r, mod);
	sresp_free(&r);
	snprintf(
	    body, sizeof(body),
	    "{\"CANO\":\"" T_ACCT "\",\"ACNT_PRDT_CD\":\"01\",\"KRX_FWDG_ORD_ORGNO\":\"06010\","
	    "\"ORGN_ODNO\":\"%s\",\"ORD_DVSN\":\"00\",\"RVSE_CNCL_DVSN_CD\":\"01\",\"ORD_QTY\":"
	    "\"2\",\"ORD_UNPR\":\"69000\",\"QTY_ALL_ORD_YN\":\"Y\"}",
	    mod);
	long long before = cash_of(&p, "VTTC8434R");
	simp_call(&p, "POST", P_RVSE, "VTTC0013U", NULL, body, &r);
	assert_env(&r, 200, "40620000");
	sresp_free(&r);
	assert_int_equal(cash_of(&p, "VTTC8434R"), before - 2 * 68900); /* at the better tape */
	h = holding(&p, "005930", &hb);
	assert_int_equal(jsi(h, "hldg_qty"), 17);
	sresp_free(&hb);

	/* Market sell of everything. */
	before = cash_of(&p, "VTTC8434R");
	order(&p, "VTTC0801U", "005930", "01", 17, 0, &r); /* old tr_id */
	assert_env(&r, 200, "40590000");
	sresp_free(&r);
	assert_int_equal(cash_of(&p, "VTTC8434R"), before + 17 * 68900);
	h = holding(&p, "005930", &hb);
	assert_null(h);
	sresp_free(&hb);
	/* Cash only ever moved by fills: the order log agrees. */
	simp_call(&p, "GET", "/__sim/orders", NULL, NULL, NULL, &r);
	json_t *log = json_object_get(r.json, "orders");
	long long net = 0;
	size_t i;
	json_t *v;
	json_array_foreach(log, i, v)
	{
		long long amt = jsi(v, "filled_amt");
		net += strcmp(js(v, "side"), "buy") == 0 ? -amt : amt;
	}
	assert_int_equal(cash_of(&p, "VTTC8434R"), 10000000 + net);
	/* 5 accepted orders + the cancel row + the modify row. */
	assert_int_equal(json_array_size(log), 7);
	sresp_free(&r);
	stop(&p);
}

static void test_partial_and_reserve(void **state)
{
	simproc p;
	start_auth(&p, "virtual", CLOCK_10);
	assert_int_equal(simp_ctl(&p, "reset", "{\"account\":\"" T_ACCT "-01\",\"cash\":1000000}"),
	                 200);
	assert_int_equal(simp_ctl(&p, "price", "{\"code\":\"005930\",\"price\":70000}"), 200);
	sresp r;
	quote(&p, "005930", &r);
	long long mx = jsi(out(&r), "stck_mxpr");
	sresp_free(&r);
	/* 14 x 70,000 = 980,000 fits the cash, but a market order reserves at the
	 * upper limit: 14 x mx > 1,000,000 -> rejected. */
	assert_true(14 * mx > 1000000);
	order(&p, "VTTC0012U", "005930", "01", 14, 0, &r);
	assert_env(&r, 200, "40250000");
	sresp_free(&r);
	/* ...while the same as a limit order at 70,000 is fine. */
	order(&p, "VTTC0012U", "005930", "00", 14, 70000, &r);
	assert_env(&r, 200, "40600000");
	sresp_free(&r);
	assert_int_equal(cash_of(&p, "VTTC8434R"), 1000000 - 980000);

	/* Partial fills: at most 3 shares per minute. */
	assert_int_equal(
	    simp_ctl(&p, "reset", "{\"account\":\"" T_ACCT "-01\",\"cash\":100000000}"), 200);
	assert_int_equal(simp_ctl(&p, "session", "{\"partial_fill_qty\":3}"), 200);
	assert_int_equal(simp_ctl(&p, "price", "{\"code\":\"000660\",\"jump_pct\":0}"), 200);
	order(&p, "VTTC0012U", "000660", "01", 10, 0, &r);
	assert_env(&r, 200, "40600000");
	char od[16];
	odno_of(&r, od);
	sresp_free(&r);
	char args[256];
	snprintf(args, sizeof(args),
	         "INQR_STRT_DT=20261124&INQR_END_DT=20261124&SLL_BUY_DVSN_CD=00&PDNO=&CCLD_DVSN=00"
	         "&INQR_DVSN=00&ODNO=%s",
	         od);
	ccld(&p, "VTTC0081R", args, "", "", "", &r);
	json_t *row = json_array_get(json_object_get(r.json, "output1"), 0);
	assert_int_equal(jsi(row, "tot_ccld_qty"), 3);
	assert_int_equal(jsi(row, "rmn_qty"), 7);
	sresp_free(&r);
	assert_int_equal(simp_ctl(&p, "clock", "{\"advance_s\":120}"), 200);
	ccld(&p, "VTTC0081R", args, "", "", "", &r);
	row = json_array_get(json_object_get(r.json, "output1"), 0);
	assert_int_equal(jsi(row, "tot_ccld_qty"), 9);
	sresp_free(&r);
	assert_int_equal(simp_ctl(&p, "clock", "{\"advance_s\":60}"), 200);
	ccld(&p, "VTTC0081R", args, "", "", "", &r);
	row = json_array_get(json_object_get(r.json, "output1"), 0);
	assert_int_equal(jsi(row, "tot_ccld_qty"), 10);
	assert_int_equal(jsi(row, "rmn_qty"), 0);
	sresp_free(&r);

	/* A day order that never crosses expires with its day and frees its cash;
	 * the history keeps it across simulated days. */
	assert_int_equal(simp_ctl(&p, "session", "{\"partial_fill_qty\":0}"), 200);
	long long px = price_of(&p, "005930");
	long long low = px * 75 / 100 / 100 * 100;
	order(&p, "VTTC0012U", "005930", "00", 7, low, &r);
	assert_env(&r, 200, "40600000");
	char rest[16];
	odno_of(&r, rest);
	sresp_free(&r);
	long long cash0 = cash_of(&p, "VTTC8434R");
	assert_int_equal(psbl_cash(&p), cash0 - 7 * low);
	set_clock(&p, "2026-11-25T10:00:00+09:00");
	assert_int_equal(simp_token(&p), 200); /* > 60 s later; the old one is still valid too */
	assert_int_equal(psbl_cash(&p), cash0);
	order(&p, "VTTC0012U", "005930", "01", 1, 0, &r);
	assert_env(&r, 200, "40600000");
	sresp_free(&r);
	char f[16], l[16];
	int pages;
	assert_int_equal(follow_ccld(&p, "VTTC0081R",
	                             "INQR_STRT_DT=20261124&INQR_END_DT=20261125&SLL_BUY_DVSN_CD=00"
	                             "&PDNO=&CCLD_DVSN=00&INQR_DVSN=00&ODNO=",
	                             15, &pages, f, l),
	                 3); /* the chunked market order, the expired one, today's */
	assert_int_equal(follow_ccld(&p, "VTTC0081R",
	                             "INQR_STRT_DT=20261125&INQR_END_DT=20261125&SLL_BUY_DVSN_CD=00"
	                             "&PDNO=&CCLD_DVSN=00&INQR_DVSN=00&ODNO=",
	                             15, &pages, f, l),
	                 1);
	simp_call(&p, "GET", "/__sim/orders", NULL, NULL, NULL, &r);
	json_t *log = json_object_get(r.json, "orders");
	size_t i;
	json_t *v;
	int expired = 0;
	json_array_foreach(log, i, v)
	{
		if (strcmp(js(v, "odno"), rest) == 0) {
			assert_string_equal(js(v, "status"), "expired");
			assert_string_equal(js(v, "date"), "2026-11-24");
			expired = 1;
		}
	}
	assert_true(expired);
	sresp_free(&r);
	stop(&p);
}

static void test_rejections(void **state)
{
	simproc p;
	start_auth(&p, "virtual", "2026-11-24T08:59:00+09:00");
	sresp r;
	order(&p, "VTTC0012U", "005930", "01", 1, 0, &r);
	assert_env(&r, 200, "40570000");
	assert_string_equal(js(r.json, "rt_cd"), "1");
	sresp_free(&r);
	set_clock(&p, "2026-11-24T15:31:00+09:00");
	order(&p, "VTTC0012U", "005930", "01", 1, 0, &r);
	assert_env(&r, 200, "40580000");
	sresp_free(&r);
	set_clock(&p, "2026-11-24T11:00:00+09:00");
	long long px = price_of(&p, "005930");
	sresp q;
	quote(&p, "005930", &q);
	long long tick = jsi(out(&q), "aspr_unit"), mx = jsi(out(&q), "stck_mxpr");
	sresp_free(&q);
	order(&p, "VTTC0012U", "005930", "00", 1, px - tick - tick / 2, &r);
	assert_env(&r, 200, "40030000");
	sresp_free(&r);
	order(&p, "VTTC0012U", "005930", "00", 100000, px, &r);
	assert_env(&r, 200, "40250000");
	sresp_free(&r);
	order(&p, "VTTC0011U", "005930", "01", 1, 0, &r);
	assert_env(&r, 200, "40240000");
	sresp_free(&r);
	order(&p, "VTTC0012U", "123456", "01", 1, 0, &r);
	assert_env(&r, 200, "40070000");
	sresp_free(&r);
	order(&p, "VTTC0012U", "005930", "00", 1, mx + krx_tick(mx), &r);
	assert_env(&r, 200, "40060000");
	sresp_free(&r);
	/* Missing field and malformed JSON: KIS-style errors, no crash. */
	simp_call(&p, "POST", P_ORDER, "VTTC0012U", NULL,
	          "{\"CANO\":\"" T_ACCT "\",\"ACNT_PRDT_CD\":\"01\",\"ORD_DVSN\":\"01\"}", &r);
	assert_env(&r, 500, "OPSQ1002");
	sresp_free(&r);
	simp_call(&p, "POST", P_ORDER, "VTTC0012U", NULL, "{\"CANO\":", &r);
	assert_env(&r, 500, "OPSQ1001");
	sresp_free(&r);
	/* Lower-case body keys are not KIS keys. */
	simp_call(&p, "POST", P_ORDER, "VTTC0012U", NULL,
	          "{\"cano\":\"" T_ACCT "\",\"acnt_prdt_cd\":\"01\",\"pdno\":\"005930\","
	          "\"ord_dvsn\":\"01\",\"ord_qty\":\"1\",\"ord_unpr\":\"0\"}",
	          &r);
	assert_env(&r, 500, "OPSQ1002");
	sresp_free(&r);
	/* A huge body. */
	size_t big = 200 * 1024;
	char *huge = malloc(big + 1);
	memset(huge, 'x', big);
	huge[0] = '{';
	huge[big] = 0;
	simp_call(&p, "POST", P_ORDER, "VTTC0012U", NULL, huge, &r);
	assert_int_equal(r.status, 413);
	assert_string_equal(js(r.json, "msg_cd"), "OPSQ2002");
	sresp_free(&r);
	free(huge);
	/* Open-order listing is real-only. */
	simp_call(&p, "GET",
	          P_OPEN "?CANO=" T_ACCT "&ACNT_PRDT_CD=01&INQR_DVSN_1=0&INQR_DVSN_2=0"
	                 "&CTX_AREA_FK100=&CTX_AREA_NK100=",
	          "VTTC0084R", NULL, NULL, &r);
	assert_env(&r, 200, "40100000");
	sresp_free(&r);
	/* A weekend (a new token: the first one is older than 24 h by then). */
	set_clock(&p, "2026-11-28T11:00:00+09:00");
	assert_int_equal(simp_token(&p), 200);
	order(&p, "VTTC0012U", "005930", "01", 1, 0, &r);
	assert_env(&r, 200, "40580000");
	sresp_free(&r);
	simp_call(&p, "GET", "/__sim/counters", NULL, NULL, NULL, &r);
	assert_int_equal(jsi(r.json, "orders_accepted"), 0);
	assert_int_equal(jsi(r.json, "orders_rejected"), 10);
	sresp_free(&r);
	stop(&p);

	/* Real host: open orders are listed; rejections use APBK codes. */
	start_auth(&p, "real", CLOCK_10);
	order(&p, "TTTC0012U", "005930", "00", 3, price_of(&p, "005930") * 8 / 10 / 100 * 100, &r);
	assert_env(&r, 200, "APBK0013");
	sresp_free(&r);
	simp_call(&p, "GET",
	          P_OPEN "?CANO=" T_ACCT "&ACNT_PRDT_CD=01&INQR_DVSN_1=0&INQR_DVSN_2=0"
	                 "&CTX_AREA_FK100=&CTX_AREA_NK100=",
	          "TTTC0084R", "", NULL, &r);
	assert_env(&r, 200, "KIOK0510");
	assert_int_equal(json_array_size(out(&r)), 1);
	assert_int_equal(jsi(json_array_get(out(&r), 0), "psbl_qty"), 3);
	sresp_free(&r);
	order(&p, "TTTC0012U", "999999", "01", 1, 0, &r);
	assert_env(&r, 200, "APBK0656");
	sresp_free(&r);
	stop(&p);
}

/* ---------------------------------------------------------------- faults */

typedef struct slow_arg {
	simproc *p;
	volatile int done;
	long status;
} slow_arg;

static void *slow_call(void *a)
{
	slow_arg *s = a;
	sresp r;
	simp_call(s->p, "GET", P_PRICE "?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD=035720",
	          "FHKST01010100", NULL, NULL, &r);
	s->status = r.status;
	sresp_free(&r);
	__atomic_store_n(&s->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_faults(void **state)
{
	simproc p;
	start_auth(&p, "virtual", CLOCK_10);
	sresp r;
	assert_int_equal(
	    simp_ctl(&p, "fault",
	             "{\"match\":\"FHKST01010100\",\"count\":2,\"kind\":\"egw00001\"}"),
	    200);
	quote(&p, "005930", &r);
	assert_env(&r, 500, "EGW00001");
	sresp_free(&r);
	quote(&p, "005930", &r);
	assert_env(&r, 500, "EGW00001");
	sresp_free(&r);
	quote(&p, "005930", &r);
	assert_env(&r, 200, "MCA00000");
	sresp_free(&r);

	static const struct {
		const char *kind;
		long status;
		const char *code;
	} env_faults[] = {{"rate_limit", 500, "EGW00201"},    {"expired_token", 500, "EGW00123"},
	                  {"invalid_token", 500, "EGW00121"}, {"egw00215", 500, "EGW00215"},
	                  {"egw00300", 500, "EGW00300"},      {"egw_unknown", 500, "EGW99001"},
	                  {"zero_quote", 200, "MCA00000"}};
	for (size_t i = 0; i < sizeof(env_faults) / sizeof(env_faults[0]); i++) {
		char b[256];
		snprintf(b, sizeof(b), "{\"match\":\"inquire-price\",\"kind\":\"%s\"}",
		         env_faults[i].kind);
		assert_int_equal(simp_ctl(&p, "fault", b), 200);
		quote(&p, "005930", &r);
		assert_env(&r, env_faults[i].status, env_faults[i].code);
		if (!strcmp(env_faults[i].kind, "zero_quote")) /* how KIS answers some unknowns */
			assert_int_equal(jsi(out(&r), "stck_prpr") + jsi(out(&r), "stck_mxpr"), 0);
		sresp_free(&r);
	}
	/* Non-JSON body. */
	assert_int_equal(simp_ctl(&p, "fault", "{\"match\":\"" P_PRICE "\",\"kind\":\"non_json\"}"),
	                 200);
	quote(&p, "005930", &r);
	assert_int_equal(r.status, 502);
	assert_null(r.json);
	sresp_free(&r);
	/* HTTP 500 with a proxy's page. */
	assert_int_equal(simp_ctl(&p, "fault", "{\"match\":\"" P_PRICE "\",\"kind\":\"http_500\"}"),
	                 200);
	quote(&p, "005930", &r);
	assert_int_equal(r.status, 500);
	assert_null(r.json);
	sresp_free(&r);
	/* Dropped connection, nothing processed. */
	assert_int_equal(simp_ctl(&p, "fault", "{\"match\":\"FHKST01010100\",\"kind\":\"drop\"}"),
	                 200);
	quote(&p, "005930", &r);
	assert_int_not_equal(r.curl_rc, 0);
	sresp_free(&r);

	/* Truncated: the whole length announced, half the body sent, then the
	 * connection closed — curl reports a partial transfer. */
	assert_int_equal(
	    simp_ctl(&p, "fault", "{\"match\":\"FHKST01010100\",\"kind\":\"truncated\"}"), 200);
	quote(&p, "005930", &r);
	assert_int_equal(r.curl_rc, CURLE_PARTIAL_FILE);
	assert_null(r.json);
	sresp_free(&r);
	quote(&p, "005930", &r); /* once only */
	assert_env(&r, 200, "MCA00000");
	sresp_free(&r);

	/* Dropped after the order was taken: exactly once in the log. */
	assert_int_equal(
	    simp_ctl(&p, "fault", "{\"match\":\"order-cash\",\"kind\":\"drop_after_order\"}"), 200);
	order(&p, "VTTC0012U", "005930", "01", 1, 0, &r);
	assert_int_not_equal(r.curl_rc, 0);
	sresp_free(&r);
	simp_call(&p, "GET", "/__sim/orders", NULL, NULL, NULL, &r);
	json_t *log = json_object_get(r.json, "orders");
	assert_int_equal(json_array_size(log), 1);
	json_t *o = json_array_get(log, 0);
	assert_true(json_is_true(json_object_get(o, "reply_dropped")));
	assert_string_equal(js(o, "status"), "filled");
	sresp_free(&r);
	sresp hb;
	json_t *h = holding(&p, "005930", &hb);
	assert_int_equal(jsi(h, "hldg_qty"), 1);
	sresp_free(&hb);

	/* A delayed call does not stall another. */
	assert_int_equal(
	    simp_ctl(&p, "fault",
	             "{\"match\":\"FHKST01010100\",\"kind\":\"delay\",\"delay_ms\":3000}"),
	    200);
	slow_arg sa = {&p, 0, 0};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, slow_call, &sa), 0);
	/* Wait until the delay fault has been consumed by the slow call. */
	for (int i = 0; i < 200; i++) {
		simp_call(&p, "GET", "/__sim/fault", NULL, NULL, NULL, &r);
		size_t n = json_array_size(json_object_get(r.json, "faults"));
		sresp_free(&r);
		if (n == 0)
			break;
		usleep(10000);
	}
	balance(&p, "VTTC8434R", "", "", "", &r);
	assert_int_equal(r.status, 200);
	sresp_free(&r);
	assert_int_equal(__atomic_load_n(&sa.done, __ATOMIC_SEQ_CST), 0);
	pthread_join(th, NULL);
	assert_int_equal(sa.status, 200);

	simp_call(&p, "GET", "/__sim/counters", NULL, NULL, NULL, &r);
	assert_int_equal(jsi(r.json, "faults_fired"), 15); /* 6 more kinds above */
	assert_int_equal(jsi(r.json, "orders_received"), 1);
	sresp_free(&r);
	/* Bad fault requests are refused. */
	assert_int_equal(simp_ctl(&p, "fault", "{\"match\":\"x\",\"kind\":\"explode\"}"), 400);
	assert_int_equal(simp_ctl(&p, "fault", "not json"), 400);
	stop(&p);
}

/* ---------------------------------------------------------------- determinism */

static char *script(const char *seed)
{
	simproc p;
	/* Order numbers come from the real clock unless fixed: fix them. */
	const char *extra[] = {"--clock", CLOCK_10,       "--seed", seed, "--rate",
	                       "0",       "--first-odno", "10001",  NULL};
	start(&p, extra);
	assert_int_equal(simp_token(&p), 200);
	size_t cap = 1 << 20, n = 0;
	char *acc = malloc(cap);
	acc[0] = 0;
	static const char *steps[] = {"2026-11-24T10:00:00+09:00", "2026-11-24T10:30:00+09:00",
	                              "2026-11-24T13:15:00+09:00", "2026-11-25T09:45:00+09:00"};
	for (int s = 0; s < 4; s++) {
		set_clock(&p, steps[s]);
		sresp r;
		quote(&p, "005930", &r);
		n += (size_t)snprintf(acc + n, cap - n, "%s\n", r.body);
		sresp_free(&r);
		set_clock(&p, steps[s]);
		order(&p, "VTTC0012U", "000660", "01", 3, 0, &r);
		n += (size_t)snprintf(acc + n, cap - n, "%s\n", r.body);
		sresp_free(&r);
		set_clock(&p, steps[s]);
		balance(&p, "VTTC8434R", "", "", "", &r);
		n += (size_t)snprintf(acc + n, cap - n, "%s\n", r.body);
		sresp_free(&r);
	}
	sresp r;
	simp_call(&p, "GET",
	          P_CHART
	          "?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD=035420&FID_INPUT_DATE_1=20250101"
	          "&FID_INPUT_DATE_2=20251231&FID_PERIOD_DIV_CODE=D&FID_ORG_ADJ_PRC=0",
	          "FHKST03010100", NULL, NULL, &r);
	n += (size_t)snprintf(acc + n, cap - n, "%s\n", r.body);
	sresp_free(&r);
	stop(&p);
	return acc;
}

/* ---------------------------------------------------------------- bad input */

static void test_bad_input(void **state)
{
	simproc p;
	start_auth(&p, "virtual", CLOCK_10);
	static const struct {
		const char *path, *tr_id;
	} eps[] = {{P_ORDER, "VTTC0012U"},   {P_RVSE, "VTTC0013U"},     {"/uapi/hashkey", NULL},
	           {"/oauth2/tokenP", NULL}, {"/oauth2/revokeP", NULL}, {"/oauth2/Approval", NULL},
	           {"/__sim/reset", NULL},   {"/__sim/price", NULL},    {"/__sim/clock", NULL},
	           {"/__sim/fault", NULL},   {"/__sim/session", NULL}};
	char *deep = malloc(20001);
	for (int i = 0; i < 10000; i++) {
		deep[i] = '[';
		deep[19999 - i] = ']';
	}
	deep[20000] = 0;
	const char *bodies[] = {
	    "",
	    "null",
	    "[]",
	    "{",
	    "\"x\"",
	    "{\"CANO\":[]}",
	    deep,
	    "{\"CANO\":\"12345678\",\"ACNT_PRDT_CD\":\"01\",\"PDNO\":\"005930\",\"ORD_DVSN\":"
	    "\"00\",\"ORD_QTY\":\"99999999999999999999\",\"ORD_UNPR\":\"-5\"}",
	    "{\"CANO\":\"12345678\",\"ACNT_PRDT_CD\":\"01\",\"PDNO\":{},\"ORD_DVSN\":1,"
	    "\"ORD_QTY\":1e400,\"ORD_UNPR\":null,\"ORGN_ODNO\":\"-1\",\"RVSE_CNCL_DVSN_CD\":"
	    "\"02\",\"QTY_ALL_ORD_YN\":\"N\"}",
	    "{\"code\":\"005930\",\"jump_pct\":1e308}",
	    "{\"code\":\"005930\",\"price\":-1}",
	    "{\"advance_s\":1e300}",
	    "{\"set\":\"2099-01-01T00:00:00Z\"}",
	    "{\"account\":\"12345678-01\",\"cash\":1e30}",
	    "{\"account\":\"12345678-01\",\"holdings\":[{\"code\":\"005930\",\"qty\":1e20,"
	    "\"avg_price\":1}]}",
	    "{\"account\":\"12345678-01\",\"orders\":[{\"date\":\"2026-11-24\",\"time\":"
	    "\"999999999999\",\"code\":\"005930\",\"side\":\"buy\",\"qty\":1}]}",
	    "{\"account\":\"12345678-01\",\"orders\":[{\"date\":\"1900-01-01\",\"code\":"
	    "\"005930\",\"side\":\"buy\",\"qty\":1}]}",
	    "{\"match\":\"x\",\"kind\":\"delay\",\"delay_ms\":-1}",
	    "{\"match\":\"\",\"kind\":\"drop\"}",
	    "{\"partial_fill_qty\":-3,\"rate\":\"many\"}",
	    "{\"grant_type\":\"client_credentials\",\"appkey\":42,\"appsecret\":[]}",
	    "{\"appkey\":\"" T_APPKEY "\",\"secretkey\":null,\"token\":{}}",
	};
	for (size_t e = 0; e < sizeof(eps) / sizeof(eps[0]); e++)
		for (size_t b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
			sresp r;
			simp_call(&p, "POST", eps[e].path, eps[e].tr_id, NULL, bodies[b], &r);
			assert_int_equal(r.curl_rc, 0);
			assert_true(r.status >= 200 && r.status < 600);
			assert_non_null(r.json); /* always a JSON answer */
			sresp_free(&r);
		}
	free(deep);
	/* Odd query strings on the GET TRs. */
	char *longcode = malloc(6000);
	memset(longcode, '9', 5999);
	longcode[5999] = 0;
	char path[6400];
	const char *queries[] = {"?CANO=%00&ACNT_PRDT_CD=%ff",
	                         "?CTX_AREA_NK100=x%5E-5%5E",
	                         "?CTX_AREA_NK100=12345678%5E99999999999999999999%5E",
	                         "?ODNO=abc",
	                         "?INQR_STRT_DT=20260230&INQR_END_DT=99999999",
	                         "?FID_PERIOD_DIV_CODE="};
	const char *gets[][2] = {{P_BAL, "VTTC8434R"},       {P_CCLD, "VTTC0081R"},
	                         {P_PSBL, "VTTC8908R"},      {P_PRICE, "FHKST01010100"},
	                         {P_CHART, "FHKST03010100"}, {P_DAILY, "FHKST01010400"}};
	for (size_t g = 0; g < 6; g++) {
		for (size_t q = 0; q < 6; q++) {
			sresp r;
			snprintf(path, sizeof(path), "%s%s", gets[g][0], queries[q]);
			simp_call(&p, "GET", path, gets[g][1], "N", NULL, &r);
			assert_int_equal(r.curl_rc, 0);
			assert_non_null(r.json);
			sresp_free(&r);
		}
		sresp r;
		snprintf(path, sizeof(path),
		         "%s?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD=%s&PDNO=%s", gets[g][0],
		         longcode, longcode);
		simp_call(&p, "GET", path, gets[g][1], NULL, NULL, &r);
		assert_int_equal(r.curl_rc, 0);
		sresp_free(&r);
	}
	free(longcode);
	sresp r;
	simp_call(&p, "GET", "/__sim/state", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	sresp_free(&r);
	stop(&p);
}

/* ---------------------------------------------------------------- flags */

/* The switches for KIS behaviour that is [unconfirmed] in KIS_API.md. */
static void test_alternative_flags(void **state)
{
	simproc p;
	const char *extra[] = {"--clock",
	                       "2026-11-24T08:30:00+09:00",
	                       "--rate",
	                       "0",
	                       "--reject-status",
	                       "500",
	                       "--new-token-revokes-old",
	                       "--new-tr-ids-only",
	                       NULL};
	start(&p, extra);
	set_clock(&p, "2026-11-24T08:30:00+09:00");
	assert_int_equal(simp_token(&p), 200);
	char first[1024];
	snprintf(first, sizeof(first), "%s", p.token);
	sresp r;
	order(&p, "VTTC0012U", "005930", "01", 1, 0, &r);
	assert_env(&r, 500, "40570000"); /* business rejection as HTTP 500 */
	sresp_free(&r);
	order(&p, "VTTC0802U", "005930", "01", 1, 0, &r);
	assert_env(&r, 500, "OPSQ0002"); /* old id refused */
	sresp_free(&r);
	ccld(&p, "VTTC0081R",
	     "INQR_STRT_DT=20261124&INQR_END_DT=20261124&SLL_BUY_DVSN_CD=00&PDNO=&CCLD_DVSN=00"
	     "&INQR_DVSN=00&ODNO=",
	     "", "", "", &r);
	assert_env(&r, 200, "KIOK0560"); /* nothing to show */
	assert_string_equal(js(r.json, "rt_cd"), "0");
	assert_int_equal(json_array_size(json_object_get(r.json, "output1")), 0);
	sresp_free(&r);
	/* 6 h later a new token ends the first one. */
	assert_int_equal(simp_ctl(&p, "clock", "{\"advance_s\":21700}"), 200);
	assert_int_equal(simp_token(&p), 200);
	assert_string_not_equal(p.token, first);
	quote(&p, "005930", &r);
	assert_env(&r, 200, "MCA00000");
	sresp_free(&r);
	snprintf(p.token, sizeof(p.token), "%s", first);
	quote(&p, "005930", &r);
	assert_env(&r, 500, "EGW00121");
	sresp_free(&r);
	stop(&p);
}

/* ---------------------------------------------------------------- websocket */

static char *approval(simproc *p)
{
	char b[512];
	snprintf(b, sizeof(b),
	         "{\"grant_type\":\"client_credentials\",\"appkey\":\"%s\",\"secretkey\":\"%s\"}",
	         T_APPKEY, p->secret);
	sresp r;
	simp_call(p, "POST", "/oauth2/Approval", NULL, NULL, b, &r);
	assert_int_equal(r.status, 200);
	char *k = strdup(js(r.json, "approval_key"));
	sresp_free(&r);
	return k;
}

static void ws_sub(int fd, const char *ak, const char *tr_type, const char *tr_id, const char *key)
{
	char m[512];
	int n =
	    snprintf(m, sizeof(m),
	             "{\"header\":{\"approval_key\":\"%s\",\"custtype\":\"P\",\"tr_type\":\"%s\","
	             "\"content-type\":\"utf-8\"},\"body\":{\"input\":{\"tr_id\":\"%s\","
	             "\"tr_key\":\"%s\"}}}",
	             ak, tr_type, tr_id, key);
	assert_int_equal(ws_send(fd, 0x1, m, (size_t)n), 0);
}

/* Next JSON control reply (skips data frames and PINGPONG). */
static json_t *ws_control(int fd)
{
	for (int i = 0; i < 200; i++) {
		int op;
		char *t = ws_recv(fd, 10000, &op);
		assert_non_null(t);
		if (t[0] == '{' && !strstr(t, "PINGPONG")) {
			json_t *j = json_loads(t, 0, NULL);
			free(t);
			return j;
		}
		free(t);
	}
	fail_msg("no control reply");
	return NULL;
}

static const char *ws_code(const json_t *j)
{
	return js(json_object_get(j, "body"), "msg_cd");
}

/* Next frame starting with prefix (skipping others). */
static char *ws_next(int fd, const char *prefix)
{
	for (int i = 0; i < 400; i++) {
		int op;
		char *t = ws_recv(fd, 10000, &op);
		assert_non_null(t);
		if (strncmp(t, prefix, strlen(prefix)) == 0)
			return t;
		free(t);
	}
	fail_msg("no frame %s", prefix);
	return NULL;
}

static int count_fields(const char *s)
{
	int n = 1;
	for (; *s; s++)
		n += *s == '^';
	return n;
}

/* Base64 + AES-256-CBC as KIS clients decrypt a notice. */
static char *decrypt(const char *b64, const char *key, const char *iv)
{
	size_t n = strlen(b64);
	unsigned char *raw = malloc(n);
	int len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	assert_true(len > 0);
	while (n > 0 && b64[n - 1] == '=') {
		n--;
		len--;
	}
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	unsigned char *out = malloc((size_t)len + 32);
	int l1 = 0, l2 = 0;
	assert_int_equal(EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL,
	                                    (const unsigned char *)key, (const unsigned char *)iv),
	                 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, out, &l1, raw, len), 1);
	assert_int_equal(EVP_DecryptFinal_ex(ctx, out + l1, &l2), 1);
	out[l1 + l2] = 0;
	EVP_CIPHER_CTX_free(ctx);
	free(raw);
	return (char *)out;
}

static void field(const char *rec, int idx, char *out, size_t len)
{
	const char *p = rec;
	for (int i = 0; i < idx && p; i++) {
		p = strchr(p, '^');
		if (p)
			p++;
	}
	assert_non_null(p);
	size_t n = strcspn(p, "^");
	snprintf(out, len, "%.*s", (int)n, p);
}

static void test_websocket(void **state)
{
	simproc p;
	start_auth(&p, "virtual", CLOCK_10);
	assert_int_equal(simp_ctl(&p, "session", "{\"ws_tick_ms\":50,\"ws_ping_ms\":300}"), 200);
	assert_int_equal(simp_ctl(&p, "price", "{\"code\":\"005930\",\"price\":70000}"), 200);
	char *ak = approval(&p);
	int fd = ws_open(&p, "/tryitout/H0STCNT0");
	assert_true(fd >= 0);

	/* Quotes: success reply, then 46-field frames while the market is open. */
	ws_sub(fd, ak, "1", "H0STCNT0", "005930");
	json_t *j = ws_control(fd);
	assert_string_equal(ws_code(j), "OPSP0000");
	assert_string_equal(js(json_object_get(j, "header"), "encrypt"), "N");
	json_decref(j);
	ws_sub(fd, ak, "1", "H0STCNT0", "005930");
	j = ws_control(fd);
	assert_string_equal(ws_code(j), "OPSP0002");
	json_decref(j);
	char *f = ws_next(fd, "0|H0STCNT0|001|");
	assert_int_equal(count_fields(f + 15), 46);
	char v[64];
	field(f + 15, 0, v, sizeof(v));
	assert_string_equal(v, "005930");
	field(f + 15, 2, v, sizeof(v));
	assert_string_equal(v, "70000");
	free(f);

	/* Execution notices: encrypted; acknowledgement, then the fill. */
	ws_sub(fd, ak, "1", "H0STCNI9", "myhtsid");
	j = ws_control(fd);
	assert_string_equal(ws_code(j), "OPSP0000");
	json_t *o = json_object_get(json_object_get(j, "body"), "output");
	char key[64], iv[32];
	snprintf(key, sizeof(key), "%s", js(o, "key"));
	snprintf(iv, sizeof(iv), "%s", js(o, "iv"));
	assert_int_equal(strlen(key), 32);
	assert_int_equal(strlen(iv), 16);
	json_decref(j);
	sresp r;
	order(&p, "VTTC0012U", "005930", "01", 3, 0, &r);
	assert_env(&r, 200, "40600000");
	char odno[16];
	odno_of(&r, odno);
	sresp_free(&r);
	for (int k = 0; k < 2; k++) {
		f = ws_next(fd, "1|H0STCNI9|001|");
		char *rec = decrypt(f + 15, key, iv);
		assert_int_equal(count_fields(rec), 26);
		field(rec, 0, v, sizeof(v));
		assert_string_equal(v, "myhtsid");
		field(rec, 1, v, sizeof(v));
		assert_string_equal(v, T_ACCT "01");
		field(rec, 2, v, sizeof(v));
		assert_string_equal(v, odno);
		field(rec, 13, v, sizeof(v));
		assert_string_equal(v, k == 0 ? "1" : "2"); /* CNTG_YN: ack, then fill */
		field(rec, 9, v, sizeof(v));
		assert_string_equal(v, "3");
		if (k == 1) {
			field(rec, 10, v, sizeof(v));
			assert_string_equal(v, "70000");
		}
		field(rec, 24, v, sizeof(v));
		assert_string_equal(v, "삼성전자");
		free(rec);
		free(f);
	}

	/* PINGPONG arrives; echoing it back is accepted. */
	f = ws_next(fd, "{\"header\":{\"tr_id\":\"PINGPONG\"");
	assert_int_equal(ws_send(fd, 0x1, f, strlen(f)), 0);
	assert_int_equal(ws_send(fd, 0xA, f, strlen(f)), 0);
	free(f);

	/* Errors: wrong-host notice TR, bad key, bad approval, 41 registrations. */
	ws_sub(fd, ak, "1", "H0STCNI0", "myhtsid");
	j = ws_control(fd);
	assert_string_equal(ws_code(j), "OPSP8991");
	json_decref(j);
	ws_sub(fd, ak, "1", "H0STCNT0", "999999");
	j = ws_control(fd);
	assert_string_equal(ws_code(j), "OPSP8992");
	json_decref(j);
	ws_sub(fd, "nope", "1", "H0STCNT0", "000660");
	j = ws_control(fd);
	assert_string_equal(js(json_object_get(j, "body"), "rt_cd"), "1");
	json_decref(j);
	ws_sub(fd, ak, "3", "H0STCNT0", "000660");
	j = ws_control(fd);
	assert_string_equal(ws_code(j), "OPSP8997");
	json_decref(j);
	assert_int_equal(ws_send(fd, 0x1, "not json", 8), 0);
	j = ws_control(fd);
	assert_string_equal(ws_code(j), "OPSP9999");
	json_decref(j);
	sresp st;
	simp_call(&p, "GET", "/__sim/stocks", NULL, NULL, NULL, &st);
	json_t *stocks = json_object_get(st.json, "stocks");
	int subs = 2, over = 0;
	for (size_t i = 0; i < json_array_size(stocks) && !over; i++) {
		const char *code = js(json_array_get(stocks, i), "code");
		if (strcmp(code, "005930") == 0)
			continue;
		ws_sub(fd, ak, "1", "H0STCNT0", code);
		j = ws_control(fd);
		if (subs < 41) {
			assert_string_equal(ws_code(j), "OPSP0000");
			subs++;
		} else {
			assert_string_equal(ws_code(j), "OPSP0008");
			over = 1;
		}
		json_decref(j);
	}
	assert_true(over);
	sresp_free(&st);
	ws_sub(fd, ak, "2", "H0STCNT0", "005930");
	j = ws_control(fd);
	assert_string_equal(ws_code(j), "OPSP0001");
	json_decref(j);
	ws_sub(fd, ak, "2", "H0STCNT0", "005930");
	j = ws_control(fd);
	assert_string_equal(ws_code(j), "OPSP0003");
	json_decref(j);

	/* One session per appkey. */
	int fd2 = ws_open(&p, "/");
	assert_true(fd2 >= 0);
	ws_sub(fd2, ak, "1", "H0STCNT0", "000660");
	j = ws_control(fd2);
	assert_string_equal(ws_code(j), "OPSP8996");
	json_decref(j);
	close(fd2);

	/* Garbage on another connection: an unmasked frame, then an absurd
	 * length; the server drops that connection and carries on. */
	static const unsigned char unmasked[] = {0x81, 0x02, 'h', 'i'};
	static const unsigned char huge[] = {0x81, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF,
	                                     0xFF, 0xFF, 0xFF, 1,    2,    3,    4};
	const unsigned char *bad[] = {unmasked, huge};
	size_t badlen[] = {sizeof(unmasked), sizeof(huge)};
	for (int b = 0; b < 2; b++) {
		int g = ws_open(&p, "/");
		assert_true(g >= 0);
		assert_int_equal(write(g, bad[b], badlen[b]), (ssize_t)badlen[b]);
		int gop = 0;
		char *gt;
		while ((gt = ws_recv(g, 5000, &gop)) != NULL && gop != 0x8)
			free(gt);
		free(gt);
		close(g);
	}
	quote(&p, "005930", &r);
	assert_int_equal(r.status, 200);
	sresp_free(&r);

	/* A close frame ends the session. */
	assert_int_equal(ws_send(fd, 0x8, "", 0), 0);
	int op = 0;
	char *t;
	while ((t = ws_recv(fd, 5000, &op)) != NULL && op != 0x8)
		free(t);
	assert_int_equal(op, 0x8);
	free(t);
	close(fd);
	free(ak);
	stop(&p);
}

/* POST /__sim/path: a step function on the sim clock that the quote, the
 * day's open/high/low and fills follow; bad points change nothing. */
static void test_price_path(void **state)
{
	simproc p;
	start_auth(&p, "virtual", "2026-11-24T08:50:00+09:00");
	sresp r;
	quote(&p, "005930", &r);
	long long base = jsi(json_object_get(r.json, "output"), "stck_sdpr");
	sresp_free(&r);
	long long a = krx_tick_floor(base), b = krx_tick_floor(base * 104 / 100),
	          c = krx_tick_floor(base * 97 / 100);
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"code\":\"005930\",\"points\":[{\"at\":\"2026-11-24T10:00:00+09:00\","
	         "\"price\":%lld},{\"at\":\"2026-11-24T09:00:00+09:00\",\"price\":%lld},"
	         "{\"at\":\"2026-11-24T10:30:00+09:00\",\"price\":%lld}]}",
	         b, a, c);
	assert_int_equal(simp_ctl(&p, "path", body), 200);
	set_clock(&p, "2026-11-24T09:30:00+09:00");
	assert_int_equal(price_of(&p, "005930"), a);
	set_clock(&p, "2026-11-24T10:05:00+09:00");
	assert_int_equal(price_of(&p, "005930"), b);
	set_clock(&p, "2026-11-24T10:45:00+09:00");
	quote(&p, "005930", &r);
	json_t *o = json_object_get(r.json, "output");
	assert_int_equal(jsi(o, "stck_prpr"), c);
	assert_int_equal(jsi(o, "stck_oprc"), a);
	assert_int_equal(jsi(o, "stck_hgpr"), b);
	assert_int_equal(jsi(o, "stck_lwpr"), c);
	sresp_free(&r);
	/* Off the tick grid, outside the limits, a closed day, no "at": 400. */
	snprintf(body, sizeof(body),
	         "{\"code\":\"005930\",\"points\":[{\"at\":\"2026-11-24T11:00:00+09:00\","
	         "\"price\":%lld}]}",
	         base * 2);
	assert_int_equal(simp_ctl(&p, "path", body), 400);
	assert_int_equal(simp_ctl(&p, "path",
	                          "{\"code\":\"005930\",\"points\":[{\"at\":\"2026-11-28T11:00:00"
	                          "+09:00\",\"price\":1000}]}"),
	                 400);
	assert_int_equal(simp_ctl(&p, "path", "{\"code\":\"005930\",\"points\":[{\"price\":1}]}"),
	                 400);
	assert_int_equal(simp_ctl(&p, "path", "{\"code\":\"999999\",\"clear\":true}"), 404);
	assert_int_equal(price_of(&p, "005930"), c); /* unchanged by the refusals */
	assert_int_equal(simp_ctl(&p, "path", "{\"code\":\"005930\",\"clear\":true}"), 200);
	stop(&p);
}

static void test_determinism(void **state)
{
	char *a = script("7"), *b = script("7"), *c = script("8");
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	free(a);
	free(b);
	free(c);
}

static int reap(void **state)
{
	simp_reap_all();
	return 0;
}

#define T(f) cmocka_unit_test_teardown(f, reap)

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    T(test_tokens),
	    T(test_gateway_errors),
	    T(test_quotes),
	    T(test_balance_paging),
	    T(test_ccld_paging),
	    T(test_order_lifecycle),
	    T(test_partial_and_reserve),
	    T(test_rejections),
	    T(test_faults),
	    T(test_bad_input),
	    T(test_alternative_flags),
	    T(test_websocket),
	    T(test_price_path),
	    T(test_determinism),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
