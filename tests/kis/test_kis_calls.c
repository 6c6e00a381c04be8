/* KIS call tests against an in-process fake KIS: request shape (headers,
 * tr_ids, query, UPPER-case string bodies), reply parsing, pagination,
 * the retry policy for reads and orders and err->sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_kis.h"
#include "kis.h"
#include "tkis.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define T0 1795482000000LL /* 2026-11-24T10:00:00+09:00 */

enum {
	PRICE_OK,
	PRICE_BADNUM,
	PRICE_NO_OUTPUT,
	PRICE_HTML,
	PRICE_REJECT,
	PRICE_EMPTY,
	PRICE_ZERO,
	PRICE_UNKNOWN
};
enum {
	ORD_OK,
	ORD_EGW00001,
	ORD_DROP,
	ORD_SLOW,
	ORD_EGW00301,
	ORD_REJECT,
	ORD_LOWER,
	ORD_CONFIG,
	ORD_NO_ODNO
};

typedef struct cs {
	pthread_mutex_t mu;
	int price_mode;
	int rate_fail_n; /* EGW00201 answers before a normal one */
	int transient_n; /* non-JSON 502 answers before a normal one */
	int order_mode;
	int bal_rows, bal_page; /* balance: holdings and page size */
	int bal_stuck;          /* always "M" with the same keys */
	int bal_empty;          /* KIOK0560 with rt_cd 7 and no output2 */
	int ccld_rows, ccld_page;
	int hol_pages;
} cs;

static char FK[101], NK_LAST[101];

static void pad100(char *dst, const char *s)
{
	snprintf(dst, 101, "%-100s", s);
}

static int take(cs *s, int *n)
{
	pthread_mutex_lock(&s->mu);
	int v = *n > 0;
	if (v)
		(*n)--;
	pthread_mutex_unlock(&s->mu);
	return v;
}

static int ends(const char *path, const char *suffix)
{
	size_t a = strlen(path), b = strlen(suffix);
	return a >= b && strcmp(path + a - b, suffix) == 0;
}

static void reply_price(cs *s, fk_reply *rep)
{
	switch (s->price_mode) {
	case PRICE_BADNUM:
		fk_printf(rep,
		          "{\"rt_cd\":\"0\",\"msg_cd\":\"MCA00000\",\"msg1\":\"ok\",\"output\":{"
		          "\"stck_prpr\":\"74,400\",\"prdy_vrss\":\"0\",\"prdy_ctrt\":\"0\","
		          "\"stck_oprc\":\"1\",\"stck_hgpr\":\"1\",\"stck_lwpr\":\"1\",\"acml_"
		          "vol\":\"1\",\"stck_mxpr\":\"1\",\"stck_llam\":\"1\"}}");
		return;
	case PRICE_NO_OUTPUT:
		fk_printf(rep, "{\"rt_cd\":\"0\",\"msg_cd\":\"MCA00000\",\"msg1\":\"ok\"}");
		return;
	case PRICE_HTML:
		fk_printf(rep, "<html><body>maintenance</body></html>");
		return;
	case PRICE_REJECT:
		fk_printf(rep, "{\"rt_cd\":\"1\",\"msg_cd\":\"OPSQ2001\",\"msg1\":\"ERROR : INPUT "
		               "INVALID_CHECK_MRKT_DIV_CODE          \"}");
		return;
	case PRICE_ZERO: /* how KIS answers some unknown codes */
		fk_printf(rep,
		          "{\"rt_cd\":\"0\",\"msg_cd\":\"MCA00000\",\"msg1\":\"ok\",\"output\":{"
		          "\"stck_prpr\":\"0\",\"prdy_vrss\":\"0\",\"prdy_ctrt\":\"0.00\","
		          "\"stck_oprc\":\"0\",\"stck_hgpr\":\"0\",\"stck_lwpr\":\"0\",\"acml_"
		          "vol\":\"0\",\"stck_mxpr\":\"0\",\"stck_llam\":\"\"}}");
		return;
	case PRICE_UNKNOWN:
		fk_printf(rep, "{\"rt_cd\":\"1\",\"msg_cd\":\"APBK0656\",\"msg1\":\"해당종목정보가 "
		               "없습니다.\"}");
		return;
	default:
		break;
	}
	fk_printf(rep, "{\"rt_cd\":\"0\",\"msg_cd\":\"MCA00000\",\"msg1\":\"정상처리 되었습니다.\","
	               "\"output\":{\"stck_prpr\":\"  74400\",\"prdy_vrss\":\"-500\","
	               "\"prdy_vrss_sign\":\"5\",\"prdy_ctrt\":\"-0.67\",\"stck_oprc\":\"74000\","
	               "\"stck_hgpr\":\"75000\",\"stck_lwpr\":\"73900\",\"acml_vol\":\"3733708\","
	               "\"stck_mxpr\":\"97800\",\"stck_llam\":\"52700\",\"aspr_unit\":\"\","
	               "\"stck_sdpr\":\"74900\"}}");
}

static void reply_balance(cs *s, const fk_req *req, fk_reply *rep)
{
	if (s->bal_empty) {
		fk_printf(rep, "{\"rt_cd\":\"7\",\"msg_cd\":\"KIOK0560\",\"msg1\":\"조회할 내용이 "
		               "없습니다\",\"output1\":[]}");
		snprintf(rep->tr_cont, sizeof rep->tr_cont, "D");
		return;
	}
	const char *nk = fk_arg(req, "CTX_AREA_NK100");
	int page = 0;
	if (nk && nk[0])
		page = atoi(nk + 5); /* "page=N" padded */
	int from = page * s->bal_page, to = from + s->bal_page;
	if (to > s->bal_rows)
		to = s->bal_rows;
	int more = to < s->bal_rows || s->bal_stuck;
	json_t *rows = json_array();
	for (int i = from; i < to; i++) {
		char code[16], qty[16];
		snprintf(code, sizeof code, "%06d", 100000 + i);
		snprintf(qty, sizeof qty, "%d", i == 3 ? 0 : 10 + i);
		json_array_append_new(
		    rows, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "pdno", code,
		                    "prdt_name", "종목", "hldg_qty", qty, "ord_psbl_qty", qty,
		                    "pchs_avg_pric", "135440.2517", "prpr", "140200", "pchs_amt",
		                    "224424497", "evlu_amt", "232311400", "evlu_pfls_amt",
		                    "7886903", "evlu_pfls_rt", "3.52"));
	}
	char nk_next[128], tag[32];
	snprintf(tag, sizeof tag, "page=%d", s->bal_stuck ? page : page + 1);
	pad100(nk_next, tag);
	json_t *o = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:o,s:[{s:s,s:s,s:s,s:s,s:s,s:s}]}", "rt_cd", "0", "msg_cd",
	    "KIOK0510", "msg1", "조회가 완료되었습니다                                   ",
	    "ctx_area_fk100", FK, "ctx_area_nk100", more ? nk_next : NK_LAST, "output1", rows,
	    "output2", "dnca_tot_amt", "346455", "pchs_amt_smtl_amt", "2516522",
	    "evlu_amt_smtl_amt", "1759600", "evlu_pfls_smtl_amt", "-756922", "tot_evlu_amt",
	    "2106055", "nass_amt", "2106055");
	rep->body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	snprintf(rep->tr_cont, sizeof rep->tr_cont, "%s", more ? (page == 0 ? "F" : "M") : "D");
}

/* Weekdays are trading days in this fake. */
static void reply_bars(const fk_req *req, fk_reply *rep)
{
	int d1 = atoi(fk_arg(req, "FID_INPUT_DATE_1") ?: "0");
	int d2 = atoi(fk_arg(req, "FID_INPUT_DATE_2") ?: "0");
	json_t *rows = json_array();
	int n = 0;
	for (int d = d2; d >= d1 && n < 100 && ymd_valid(d); d = ymd_add_days(d, -1)) {
		int wd = ymd_weekday(d);
		if (wd == 0 || wd == 6)
			continue;
		char ds[16], px[16];
		snprintf(ds, sizeof ds, "%d", d);
		snprintf(px, sizeof px, "%d", 50000 + d % 1000);
		json_array_append_new(rows, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
		                                      "stck_bsop_date", ds, "stck_clpr", px,
		                                      "stck_oprc", px, "stck_hgpr", px, "stck_lwpr",
		                                      px, "acml_vol", "1000", "mod_yn", "N"));
		n++;
	}
	if (n == 0)
		json_array_append_new(rows, json_object()); /* KIS sends one empty row */
	json_t *o = json_pack("{s:s,s:s,s:s,s:{s:s},s:o}", "rt_cd", "0", "msg_cd", "MCA00000",
	                      "msg1", "ok", "output1", "stck_prpr", "1", "output2", rows);
	rep->body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
}

static void reply_ccld(cs *s, const fk_req *req, fk_reply *rep)
{
	const char *nk = fk_arg(req, "CTX_AREA_NK100");
	int page = nk && nk[0] ? atoi(nk + 5) : 0;
	int from = page * s->ccld_page, to = from + s->ccld_page;
	if (to > s->ccld_rows)
		to = s->ccld_rows;
	int more = to < s->ccld_rows;
	json_t *rows = json_array();
	for (int i = from; i < to; i++) {
		char odno[16], orgn[16], qty[16];
		snprintf(odno, sizeof odno, "%010d", 1000 + i);
		snprintf(orgn, sizeof orgn, "%010d", 1000 + i - 1);
		snprintf(qty, sizeof qty, "%d", i + 1);
		int cancel = i % 5 == 4;
		json_array_append_new(
		    rows,
		    json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,"
		              "s:s,s:s}",
		              "ord_dt", "20261124", "ord_tmd", "091500", "odno", odno, "orgn_odno",
		              cancel ? orgn : "", "ord_gno_brno", "06010", "pdno", "005930",
		              "prdt_name", "삼성전자", "sll_buy_dvsn_cd", i % 2 ? "01" : "02",
		              "ord_dvsn_cd", i % 3 ? "00" : "01", "cncl_yn", cancel ? "Y" : "N",
		              "ord_qty", qty, "ord_unpr", "74400", "tot_ccld_qty", "1",
		              "tot_ccld_amt", "74400", "cncl_cfrm_qty", cancel ? qty : "0",
		              "rmn_qty", "0", "rjct_qty", "0", "avg_prvs", "74400.0000"));
	}
	char nk_next[128], tag[32];
	snprintf(tag, sizeof tag, "page=%d", page + 1);
	pad100(nk_next, tag);
	json_t *o =
	    json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:{s:s}}", "rt_cd", "0", "msg_cd", "KIOK0460",
	              "msg1", "조회 되었습니다.", "ctx_area_fk100", FK, "ctx_area_nk100",
	              more ? nk_next : NK_LAST, "output1", rows, "output2", "tot_ord_qty", "1");
	rep->body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	snprintf(rep->tr_cont, sizeof rep->tr_cont, "%s", more ? "M" : "E");
}

static void reply_holidays(cs *s, const fk_req *req, fk_reply *rep)
{
	const char *nk = fk_arg(req, "CTX_AREA_NK");
	int page = nk && nk[0] ? atoi(nk) : 0;
	int more = page + 1 < s->hol_pages;
	json_t *rows = json_array();
	int base = ymd_add_days(20261124, page * 20);
	for (int i = 0; i < 21; i++) { /* pages overlap by one day */
		int d = ymd_add_days(base, i);
		char ds[16];
		snprintf(ds, sizeof ds, "%d", d);
		int wd = ymd_weekday(d);
		json_array_append_new(rows,
		                      json_pack("{s:s,s:s,s:s}", "bass_dt", ds, "opnd_yn",
		                                wd == 0 || wd == 6 ? "N" : "Y", "bzdy_yn", "Y"));
	}
	char nxt[16];
	snprintf(nxt, sizeof nxt, "%d", page + 1);
	json_t *o =
	    json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "rt_cd", "0", "msg_cd", "KIOK0460", "msg1", "ok",
	              "ctx_area_fk", "fk", "ctx_area_nk", more ? nxt : "", "output", rows);
	rep->body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	snprintf(rep->tr_cont, sizeof rep->tr_cont, "%s", more ? "M" : "D");
}

/* Open orders: two pages of 50 and 7. */
static void reply_open(const fk_req *req, fk_reply *rep)
{
	const char *nk = fk_arg(req, "CTX_AREA_NK100");
	int page = nk && nk[0] ? atoi(nk + 5) : 0;
	int from = page * 50, to = page ? 57 : 50;
	json_t *rows = json_array();
	for (int i = from; i < to; i++) {
		char odno[16];
		snprintf(odno, sizeof odno, "%010d", 5000 + i);
		json_array_append_new(
		    rows, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
		                    "ord_gno_brno", "06010", "odno", odno, "orgn_odno", "", "pdno",
		                    "005930", "prdt_name", "삼성전자", "ord_qty", "10", "ord_unpr",
		                    "70000", "ord_tmd", "093000", "tot_ccld_qty", "4", "psbl_qty",
		                    "6", "sll_buy_dvsn_cd", "02", "ord_dvsn_cd", "00"));
	}
	char nk_next[128];
	pad100(nk_next, "page=1");
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "rt_cd", "0", "msg_cd", "KIOK0510",
	                      "msg1", "ok", "ctx_area_fk100", FK, "ctx_area_nk100",
	                      page ? NK_LAST : nk_next, "output", rows);
	rep->body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	snprintf(rep->tr_cont, sizeof rep->tr_cont, "%s", page ? "D" : "F");
}

static void reply_order(cs *s, const fk_req *req, fk_reply *rep)
{
	switch (s->order_mode) {
	case ORD_EGW00001:
		rep->status = 500;
		fk_printf(rep, "{\"rt_cd\":\"1\",\"msg_cd\":\"EGW00001\",\"msg1\":\"일시적 오류가 "
		               "발생했습니다.\"}");
		return;
	case ORD_DROP:
		rep->drop = 1;
		return;
	case ORD_SLOW:
		rep->delay_ms = 1500;
		break;
	case ORD_EGW00301:
		rep->status = 500;
		fk_printf(rep, "{\"rt_cd\":\"1\",\"msg_cd\":\"EGW00301\",\"msg1\":\"연결시간이 "
		               "초과되었습니다.\"}");
		return;
	case ORD_REJECT:
		fk_printf(rep, "{\"rt_cd\":\"1\",\"msg_cd\":\"40250000\",\"msg1\":\"모의투자 "
		               "주문가능금액이 부족합니다.                 \"}");
		return;
	case ORD_CONFIG:
		rep->status = 500;
		fk_printf(rep,
		          "{\"rt_cd\":\"1\",\"msg_cd\":\"EGW00206\",\"msg1\":\"API 사용 권한이 "
		          "없습니다.\"}");
		return;
	case ORD_NO_ODNO:
		fk_printf(rep,
		          "{\"rt_cd\":\"0\",\"msg_cd\":\"APBK0013\",\"msg1\":\"ok\","
		          "\"output\":{\"KRX_FWDG_ORD_ORGNO\":\"06010\",\"ORD_TMD\":\"155211\"}}");
		return;
	case ORD_LOWER:
		fk_printf(rep, "{\"rt_cd\":\"0\",\"msg_cd\":\"APBK0013\",\"msg1\":\"주문 전송 완료 "
		               "되었습니다.\",\"output\":{\"krx_fwdg_ord_orgno\":\"06010\","
		               "\"odno\":\"0001569158\",\"ord_tmd\":\"155212\"}}");
		return;
	default:
		break;
	}
	fk_printf(rep, "{\"rt_cd\":\"0\",\"msg_cd\":\"APBK0013\",\"msg1\":\"주문 전송 완료 "
	               "되었습니다.\",\"output\":{\"KRX_FWDG_ORD_ORGNO\":\"06010\","
	               "\"ODNO\":\"0001569157\",\"ORD_TMD\":\"155211\"}}");
}

static void handler(void *ud, const fk_req *req, fk_reply *rep)
{
	cs *s = ud;
	if (take(s, &s->rate_fail_n)) {
		rep->status = 500;
		fk_printf(rep,
		          "{\"rt_cd\":\"1\",\"msg_cd\":\"EGW00201\",\"msg1\":\"초당 거래건수를 "
		          "초과하였습니다.\"}");
		return;
	}
	if (take(s, &s->transient_n)) {
		rep->status = 502;
		fk_printf(rep, "<html>Bad Gateway</html>");
		return;
	}
	if (ends(req->path, "/inquire-price"))
		reply_price(s, rep);
	else if (ends(req->path, "/inquire-balance"))
		reply_balance(s, req, rep);
	else if (ends(req->path, "/inquire-daily-itemchartprice"))
		reply_bars(req, rep);
	else if (ends(req->path, "/inquire-daily-ccld"))
		reply_ccld(s, req, rep);
	else if (ends(req->path, "/inquire-psbl-rvsecncl"))
		reply_open(req, rep);
	else if (ends(req->path, "/chk-holiday"))
		reply_holidays(s, req, rep);
	else if (ends(req->path, "/order-cash") || ends(req->path, "/order-rvsecncl"))
		reply_order(s, req, rep);
	else if (ends(req->path, "/inquire-psbl-order"))
		fk_printf(rep,
		          "{\"rt_cd\":\"0\",\"msg_cd\":\"KIOK0510\",\"msg1\":\"ok\",\"output\":{"
		          "\"ord_psbl_cash\":\"741191178\",\"nrcvb_buy_amt\":\"107177377\","
		          "\"nrcvb_buy_qty\":\"1531\",\"max_buy_amt\":\"1482382356\","
		          "\"max_buy_qty\":\"21176\",\"psbl_qty_calc_unpr\":\"70000\"}}");
	else {
		rep->status = 404;
		fk_printf(rep,
		          "{\"rt_cd\":\"1\",\"msg_cd\":\"OPSQ0002\",\"msg1\":\"없는 서비스 코드 "
		          "입니다.\"}");
	}
}

typedef struct fx {
	tclock clk;
	tstore st;
	cs sc;
	fake_kis *fk;
	kis_config cfg;
	kis_client *c;
} fx;

static fx *fx_new(int real)
{
	fx *f = calloc(1, sizeof *f);
	pthread_mutex_init(&f->clk.mu, NULL);
	pthread_mutex_init(&f->sc.mu, NULL);
	f->clk.now = T0;
	tstore_init(&f->st);
	tstore_put(&f->st, "T0KEN", T0 + 86400000, real_ms() - 3 * 3600000);
	f->fk = fk_start(handler, &f->sc);
	assert_non_null(f->fk);
	tcfg(&f->cfg, fk_url(f->fk), &f->st, &f->clk, real);
	return f;
}

static void fx_client(fx *f)
{
	char e[128];
	f->c = kis_client_new(&f->cfg, e, sizeof e);
	if (!f->c)
		fail_msg("kis_client_new: %s", e);
}

static void fx_free(fx *f)
{
	kis_client_free(f->c);
	fk_stop(f->fk);
	free(f);
}

static void req_at(fx *f, int i, fk_req *r)
{
	assert_int_equal(fk_get(f->fk, i, r), 0);
}

static int setup_keys(void **state)
{
	pad100(FK, "12345678^01^N^N^02^01^N^");
	pad100(NK_LAST, "");
	return 0;
}

/* ---- quotes ---- */

static void test_price(void **state)
{
	fx *f = fx_new(1);
	fx_client(f);
	kis_thread_calls_reset();
	kis_quote q;
	kis_error e;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_OK);
	assert_string_equal(q.code, "005930");
	assert_true(q.price == 74400);
	assert_true(q.change == -500);
	assert_true(q.prev_close == 74900);
	assert_true(q.open == 74000 && q.high == 75000 && q.low == 73900);
	assert_true(q.volume == 3733708);
	assert_true(q.upper_limit == 97800 && q.lower_limit == 52700);
	assert_true(q.tick == 100); /* blank aspr_unit → KRX rule */
	assert_true(q.change_rate < -0.66 && q.change_rate > -0.68);
	assert_int_equal(kis_thread_calls(), 1);

	fk_req r;
	req_at(f, 0, &r);
	assert_string_equal(r.method, "GET");
	assert_string_equal(r.path, "/uapi/domestic-stock/v1/quotations/inquire-price");
	assert_string_equal(r.tr_id, "FHKST01010100");
	assert_string_equal(r.custtype, "P");
	assert_string_equal(r.auth, "Bearer T0KEN");
	assert_string_equal(r.appkey, T_APP_KEY);
	assert_string_equal(r.appsecret, T_SECRET);
	assert_string_equal(r.content_type, "application/json; charset=utf-8");
	assert_false(r.has_tr_cont); /* not a paginated TR */
	assert_string_equal(fk_arg(&r, "FID_COND_MRKT_DIV_CODE"), "J");
	assert_string_equal(fk_arg(&r, "FID_INPUT_ISCD"), "005930");
	fk_req_free(&r);

	kis_stats st;
	kis_stats_get(f->c, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.retries, 0);
	fx_free(f);
}

static void test_price_bad_replies(void **state)
{
	fx *f = fx_new(1);
	f->cfg.read_retries = -1; /* no retries: one answer per call */
	fx_client(f);
	kis_quote q;
	kis_error e;
	f->sc.price_mode = PRICE_BADNUM;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_E_BAD_REPLY);
	assert_non_null(strstr(e.msg1, "stck_prpr"));
	assert_true(q.price == 0);
	f->sc.price_mode = PRICE_NO_OUTPUT;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_E_BAD_REPLY);
	assert_non_null(strstr(e.msg1, "output"));
	f->sc.price_mode = PRICE_HTML;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_E_BAD_REPLY);
	assert_int_equal(e.http_status, 200);
	f->sc.price_mode = PRICE_REJECT;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_E_REJECTED);
	assert_string_equal(e.msg_cd, "OPSQ2001");
	assert_string_equal(e.msg1, "ERROR : INPUT INVALID_CHECK_MRKT_DIV_CODE");
	/* no such stock: the unknown-product codes and the all-zero quote */
	f->sc.price_mode = PRICE_UNKNOWN;
	assert_int_equal(kis_price_get(f->c, "999999", &q, &e), KIS_E_UNKNOWN_CODE);
	assert_string_equal(e.msg_cd, "APBK0656");
	assert_int_equal(e.sent, 1);
	f->sc.price_mode = PRICE_ZERO;
	assert_int_equal(kis_price_get(f->c, "999999", &q, &e), KIS_E_UNKNOWN_CODE);
	assert_true(q.price == 0);
	assert_true(kis_status_refusal(KIS_E_UNKNOWN_CODE) && kis_status_refusal(KIS_E_REJECTED));
	assert_false(kis_status_refusal(KIS_E_TRANSIENT));
	/* bad input never leaves */
	int before = fk_count(f->fk);
	assert_int_equal(kis_price_get(f->c, "00593", &q, &e), KIS_E_INTERNAL);
	assert_int_equal(kis_price_get(f->c, "005930&x=1", &q, &e), KIS_E_INTERNAL);
	assert_int_equal(kis_price_get(f->c, NULL, &q, &e), KIS_E_INTERNAL);
	assert_int_equal(fk_count(f->fk), before);
	kis_stats st;
	kis_stats_get(f->c, &st);
	assert_true(st.errors[KIS_E_BAD_REPLY] == 3);
	assert_true(st.errors[KIS_E_REJECTED] == 1);
	assert_true(st.errors[KIS_E_UNKNOWN_CODE] == 2);
	fx_free(f);
}

/* Reads: EGW00201 and non-JSON 5xx are retried with backoff, bounded. */
static void test_read_retries(void **state)
{
	fx *f = fx_new(1);
	f->sc.rate_fail_n = 2;
	f->sc.transient_n = 1;
	fx_client(f);
	kis_quote q;
	kis_error e;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_OK);
	assert_int_equal(fk_count(f->fk), 4);
	kis_stats st;
	kis_stats_get(f->c, &st);
	assert_int_equal(st.rate_limited, 2);
	assert_int_equal(st.retries, 3);
	assert_int_equal(st.requests, 4);

	/* more failures than retries: the last class is reported */
	f->sc.rate_fail_n = 10;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_E_RATE_LIMIT);
	assert_int_equal(e.sent, 0);
	assert_true(e.retry_after_s >= 1);
	assert_int_equal(fk_count(f->fk), 4 + 4); /* 1 + read_retries */
	f->sc.rate_fail_n = 0;
	f->sc.transient_n = 10;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_E_TRANSIENT);
	assert_int_equal(e.http_status, 502);
	assert_int_equal(fk_count(f->fk), 8 + 4);
	fx_free(f);
}

static void test_daily_bars_paging(void **state)
{
	fx *f = fx_new(1);
	fx_client(f);
	kis_bars b;
	kis_error e;
	assert_int_equal(kis_daily_bars_get(f->c, "005930", 20260101, 20261120, &b, &e), KIS_OK);
	int want = 0;
	for (int d = 20260101; d <= 20261120; d = ymd_add_days(d, 1))
		if (ymd_weekday(d) != 0 && ymd_weekday(d) != 6)
			want++;
	assert_int_equal((int)b.n, want);
	assert_int_equal(b.bars[0].date, 20261120);
	assert_int_equal(b.bars[b.n - 1].date, 20260101);
	for (size_t i = 1; i < b.n; i++)
		assert_true(b.bars[i].date < b.bars[i - 1].date);
	assert_true(b.bars[0].close == 50000 + 20261120 % 1000);
	int calls = fk_count(f->fk);
	assert_int_equal(calls, (want + 99) / 100);
	/* each page asks for the range ending the day before the oldest bar so far */
	fk_req r;
	req_at(f, 1, &r);
	assert_string_equal(fk_arg(&r, "FID_INPUT_DATE_1"), "20260101");
	char want_end[16];
	snprintf(want_end, sizeof want_end, "%d", ymd_add_days(b.bars[99].date, -1));
	assert_string_equal(fk_arg(&r, "FID_INPUT_DATE_2"), want_end);
	assert_string_equal(fk_arg(&r, "FID_ORG_ADJ_PRC"), "0");
	assert_string_equal(fk_arg(&r, "FID_PERIOD_DIV_CODE"), "D");
	fk_req_free(&r);
	kis_bars_free(&b);

	/* a weekend-only range: KIS's single empty row means no bars */
	assert_int_equal(kis_daily_bars_get(f->c, "005930", 20261121, 20261122, &b, &e), KIS_OK);
	assert_int_equal((int)b.n, 0);
	kis_bars_free(&b);
	assert_int_equal(kis_daily_bars_get(f->c, "005930", 20261122, 20261121, &b, &e),
	                 KIS_E_INTERNAL);
	fx_free(f);
}

/* ---- account ---- */

static void test_balance_pages(void **state)
{
	fx *f = fx_new(0); /* virtual: 20 rows a page */
	f->sc.bal_rows = 45;
	f->sc.bal_page = 20;
	fx_client(f);
	kis_balance b;
	kis_error e;
	if (kis_balance_get(f->c, &b, &e) != KIS_OK)
		fail_msg("balance: %s %s", kis_status_name(e.status), e.msg1);
	assert_int_equal(b.pages, 3);
	assert_int_equal((int)b.n, 44); /* row 3 has quantity 0 */
	assert_string_equal(b.holdings[0].code, "100000");
	assert_string_equal(b.holdings[3].code, "100004");
	assert_string_equal(b.holdings[43].code, "100044");
	assert_true(b.holdings[0].qty == 10);
	assert_true(b.holdings[0].avg_price > 135440.25 && b.holdings[0].avg_price < 135440.26);
	assert_true(b.holdings[0].pnl == 7886903);
	assert_string_equal(b.holdings[0].name, "종목");
	assert_true(b.deposit == 346455 && b.pnl == -756922 && b.total_eval == 2106055);
	assert_true(b.purchase_amount == 2516522 && b.eval_amount == 1759600);
	assert_true(b.net_asset == 2106055);

	fk_req r;
	req_at(f, 0, &r);
	assert_string_equal(r.tr_id, "VTTC8434R");
	assert_true(r.has_tr_cont);
	assert_string_equal(r.tr_cont, "");
	assert_string_equal(fk_arg(&r, "CANO"), "12345678");
	assert_string_equal(fk_arg(&r, "ACNT_PRDT_CD"), "01");
	assert_string_equal(fk_arg(&r, "CTX_AREA_FK100"), "");
	assert_string_equal(fk_arg(&r, "CTX_AREA_NK100"), "");
	fk_req_free(&r);
	req_at(f, 2, &r);
	assert_string_equal(r.tr_cont, "N");
	/* continuation keys go back exactly as received, padding and all */
	assert_int_equal(strlen(fk_arg(&r, "CTX_AREA_FK100")), 100);
	assert_string_equal(fk_arg(&r, "CTX_AREA_FK100"), FK);
	char nk[101];
	pad100(nk, "page=2");
	assert_string_equal(fk_arg(&r, "CTX_AREA_NK100"), nk);
	fk_req_free(&r);
	kis_balance_free(&b);
	assert_null(b.holdings);
	fx_free(f);
}

static void test_balance_stuck_upstream(void **state)
{
	fx *f = fx_new(1);
	f->sc.bal_rows = 5;
	f->sc.bal_page = 50;
	f->sc.bal_stuck = 1;
	fx_client(f);
	kis_balance b;
	kis_error e;
	assert_int_equal(kis_balance_get(f->c, &b, &e), KIS_E_BAD_REPLY);
	assert_null(b.holdings);
	assert_int_equal(b.n, 0);
	assert_true(fk_count(f->fk) <= 3);
	fx_free(f);
}

/* KIOK0560 (even with rt_cd 7) is an empty account, not an error. */
static void test_balance_empty(void **state)
{
	fx *f = fx_new(1);
	f->sc.bal_empty = 1;
	fx_client(f);
	kis_balance b;
	kis_error e;
	assert_int_equal(kis_balance_get(f->c, &b, &e), KIS_OK);
	assert_int_equal((int)b.n, 0);
	assert_int_equal(b.pages, 1);
	assert_true(b.deposit == 0 && b.total_eval == 0);
	kis_balance_free(&b);
	fx_free(f);
}

static void test_buying_power(void **state)
{
	fx *f = fx_new(0);
	fx_client(f);
	kis_buying_power bp;
	kis_error e;
	assert_int_equal(kis_buying_power_get(f->c, "005930", 70000, &bp, &e), KIS_OK);
	assert_true(bp.orderable_cash == 741191178);
	assert_true(bp.max_buy_qty == 1531);
	assert_true(bp.max_buy_amount == 107177377);
	assert_true(bp.calc_price == 70000);
	fk_req r;
	req_at(f, 0, &r);
	assert_string_equal(r.tr_id, "VTTC8908R");
	assert_string_equal(fk_arg(&r, "PDNO"), "005930");
	assert_string_equal(fk_arg(&r, "ORD_UNPR"), "70000");
	assert_string_equal(fk_arg(&r, "ORD_DVSN"), "00");
	fk_req_free(&r);
	assert_int_equal(kis_buying_power_get(f->c, NULL, 0, &bp, &e), KIS_OK);
	req_at(f, 1, &r);
	assert_string_equal(fk_arg(&r, "PDNO"), "");
	assert_string_equal(fk_arg(&r, "ORD_UNPR"), "");
	assert_string_equal(fk_arg(&r, "ORD_DVSN"), "01");
	fk_req_free(&r);
	fx_free(f);
}

static void test_ccld_pages_and_tr(void **state)
{
	fx *f = fx_new(0);
	f->sc.ccld_rows = 20;
	f->sc.ccld_page = 15;
	fx_client(f);
	kis_ccld_query q = {20261101, 20261124, KIS_SIDE_ANY, NULL, 0, NULL};
	kis_ccld_list l;
	kis_error e;
	assert_int_equal(kis_daily_ccld_get(f->c, &q, &l, &e), KIS_OK);
	assert_int_equal(l.pages, 2);
	assert_int_equal((int)l.n, 20);
	assert_string_equal(l.rows[0].odno, "0000001000");
	assert_int_equal(l.rows[0].side, KIS_SIDE_BUY);
	assert_int_equal(l.rows[1].side, KIS_SIDE_SELL);
	assert_int_equal(l.rows[0].market, 1);
	assert_int_equal(l.rows[1].market, 0);
	assert_int_equal(l.rows[0].ord_date, 20261124);
	assert_int_equal(l.rows[0].ord_time, 91500);
	assert_string_equal(l.rows[0].orgno, "06010");
	assert_string_equal(l.rows[4].orgn_odno, "0000001003");
	assert_int_equal(l.rows[4].cancel_row, 1);
	assert_true(l.rows[4].canceled_qty == 5);
	assert_true(l.rows[0].avg_fill_price == 74400.0);
	assert_string_equal(l.rows[0].name, "삼성전자");
	kis_ccld_list_free(&l);
	fk_req r;
	req_at(f, 0, &r);
	assert_string_equal(r.tr_id, "VTTC0081R");
	assert_string_equal(fk_arg(&r, "INQR_STRT_DT"), "20261101");
	assert_string_equal(fk_arg(&r, "SLL_BUY_DVSN_CD"), "00");
	assert_string_equal(fk_arg(&r, "CCLD_DVSN"), "00");
	fk_req_free(&r);

	/* starting before 2026-08-01 (three months back, month-granular): old TR */
	f->sc.ccld_rows = 1;
	kis_ccld_query q2 = {20260731, 20261124, KIS_SIDE_BUY, "005930", 2, "0000001000"};
	assert_int_equal(kis_daily_ccld_get(f->c, &q2, &l, &e), KIS_OK);
	kis_ccld_list_free(&l);
	int n = fk_count(f->fk);
	req_at(f, n - 1, &r);
	assert_string_equal(r.tr_id, "VTSC9215R");
	assert_string_equal(fk_arg(&r, "SLL_BUY_DVSN_CD"), "02");
	assert_string_equal(fk_arg(&r, "CCLD_DVSN"), "02");
	assert_string_equal(fk_arg(&r, "PDNO"), "005930");
	assert_string_equal(fk_arg(&r, "ODNO"), "0000001000");
	fk_req_free(&r);
	kis_ccld_query q3 = {20260801, 20261124, KIS_SIDE_ANY, NULL, 0, NULL};
	assert_int_equal(kis_daily_ccld_get(f->c, &q3, &l, &e), KIS_OK);
	kis_ccld_list_free(&l);
	req_at(f, fk_count(f->fk) - 1, &r);
	assert_string_equal(r.tr_id, "VTTC0081R");
	fk_req_free(&r);
	fx_free(f);

	/* old ids on request */
	f = fx_new(1);
	f->cfg.old_tr_ids = 1;
	f->sc.ccld_rows = 1;
	f->sc.ccld_page = 100;
	fx_client(f);
	assert_int_equal(kis_daily_ccld_get(f->c, &q, &l, &e), KIS_OK);
	kis_ccld_list_free(&l);
	req_at(f, 0, &r);
	assert_string_equal(r.tr_id, "TTTC8001R");
	fk_req_free(&r);
	fx_free(f);
}

static void test_holidays(void **state)
{
	fx *f = fx_new(0);
	fx_client(f);
	kis_days d;
	kis_error e;
	assert_int_equal(kis_holidays_get(f->c, 20261124, &d, &e), KIS_E_UNSUPPORTED);
	assert_int_equal(e.sent, 0);
	assert_int_equal(fk_count(f->fk), 0);
	fx_free(f);

	f = fx_new(1);
	f->sc.hol_pages = 2;
	fx_client(f);
	assert_int_equal(kis_holidays_get(f->c, 20261124, &d, &e), KIS_OK);
	assert_int_equal((int)d.n, 41); /* 21 + 21 with one day overlapping */
	assert_int_equal(d.days[0].ymd, 20261124);
	assert_int_equal(d.days[0].open, 1);
	assert_int_equal(d.days[4].ymd, 20261128); /* Saturday */
	assert_int_equal(d.days[4].open, 0);
	fk_req r;
	req_at(f, 1, &r);
	assert_string_equal(r.tr_id, "CTCA0903R");
	assert_string_equal(r.tr_cont, "N");
	assert_string_equal(fk_arg(&r, "BASS_DT"), "20261124");
	assert_string_equal(fk_arg(&r, "CTX_AREA_NK"), "1");
	assert_string_equal(fk_arg(&r, "CTX_AREA_FK"), "fk");
	fk_req_free(&r);
	kis_days_free(&d);
	fx_free(f);
}

static void test_open_orders(void **state)
{
	fx *f = fx_new(0);
	fx_client(f);
	kis_open_orders o;
	kis_error e;
	assert_int_equal(kis_open_orders_get(f->c, &o, &e), KIS_E_UNSUPPORTED);
	assert_int_equal(fk_count(f->fk), 0);
	fx_free(f);

	f = fx_new(1);
	fx_client(f);
	assert_int_equal(kis_open_orders_get(f->c, &o, &e), KIS_OK);
	assert_int_equal(o.pages, 2);
	assert_int_equal((int)o.n, 57);
	assert_string_equal(o.rows[56].odno, "0000005056");
	assert_string_equal(o.rows[0].orgno, "06010");
	assert_int_equal(o.rows[0].side, KIS_SIDE_BUY);
	assert_int_equal(o.rows[0].ord_time, 93000);
	assert_true(o.rows[0].cancelable_qty == 6 && o.rows[0].filled_qty == 4);
	assert_true(o.rows[0].ord_qty == 10 && o.rows[0].ord_price == 70000);
	kis_open_orders_free(&o);
	fk_req r;
	req_at(f, 1, &r);
	assert_string_equal(r.tr_id, "TTTC0084R");
	assert_string_equal(r.tr_cont, "N");
	assert_string_equal(fk_arg(&r, "CTX_AREA_FK100"), FK);
	fk_req_free(&r);
	fx_free(f);
}

/* ---- orders ---- */

static void check_order_body(const char *body, const char *pdno, const char *dvsn, const char *qty,
                             const char *unpr)
{
	json_t *j = json_loads(body, 0, NULL);
	assert_non_null(j);
	const char *k;
	json_t *v;
	json_object_foreach(j, k, v)
	{
		for (const char *p = k; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				fail_msg("lower-case key %s", k);
		if (!json_is_string(v))
			fail_msg("non-string value for %s", k);
	}
	assert_string_equal(json_string_value(json_object_get(j, "CANO")), "12345678");
	assert_string_equal(json_string_value(json_object_get(j, "ACNT_PRDT_CD")), "01");
	assert_string_equal(json_string_value(json_object_get(j, "PDNO")), pdno);
	assert_string_equal(json_string_value(json_object_get(j, "ORD_DVSN")), dvsn);
	assert_string_equal(json_string_value(json_object_get(j, "ORD_QTY")), qty);
	assert_string_equal(json_string_value(json_object_get(j, "ORD_UNPR")), unpr);
	json_decref(j);
}

static void test_order_shape(void **state)
{
	fx *f = fx_new(0);
	fx_client(f);
	kis_order_req rq = {.code = "005930", .side = KIS_SIDE_BUY, .qty = 10, .price = 0};
	kis_order_ack ack;
	kis_error e;
	assert_int_equal(kis_order_cash(f->c, &rq, &ack, &e), KIS_OK);
	assert_string_equal(ack.odno, "0001569157");
	assert_string_equal(ack.orgno, "06010");
	assert_int_equal(ack.ord_time, 155211);
	fk_req r;
	req_at(f, 0, &r);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.path, "/uapi/domestic-stock/v1/trading/order-cash");
	assert_string_equal(r.tr_id, "VTTC0012U");
	assert_false(r.has_tr_cont);
	check_order_body(r.body, "005930", "01", "10", "0");
	fk_req_free(&r);

	kis_order_req sell = {.code = "000660", .side = KIS_SIDE_SELL, .qty = 3, .price = 181500};
	assert_int_equal(kis_order_cash(f->c, &sell, &ack, &e), KIS_OK);
	req_at(f, 1, &r);
	assert_string_equal(r.tr_id, "VTTC0011U");
	check_order_body(r.body, "000660", "00", "3", "181500");
	fk_req_free(&r);

	/* cancel; this reply uses lower-case output keys */
	f->sc.order_mode = ORD_LOWER;
	assert_int_equal(kis_order_cancel(f->c, "06010", "0001569157", &ack, &e), KIS_OK);
	assert_string_equal(ack.odno, "0001569158");
	assert_int_equal(ack.ord_time, 155212);
	req_at(f, 2, &r);
	assert_string_equal(r.path, "/uapi/domestic-stock/v1/trading/order-rvsecncl");
	assert_string_equal(r.tr_id, "VTTC0013U");
	json_t *j = json_loads(r.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "ORGN_ODNO")), "0001569157");
	assert_string_equal(json_string_value(json_object_get(j, "KRX_FWDG_ORD_ORGNO")), "06010");
	assert_string_equal(json_string_value(json_object_get(j, "RVSE_CNCL_DVSN_CD")), "02");
	assert_string_equal(json_string_value(json_object_get(j, "QTY_ALL_ORD_YN")), "Y");
	json_decref(j);
	fk_req_free(&r);

	/* every field of the vocabulary: ORD_DVSN, venue, stop price */
	f->sc.order_mode = ORD_OK;
	kis_order_req stop = {.code = "005930",
	                      .side = KIS_SIDE_BUY,
	                      .qty = 2,
	                      .price = 71500,
	                      .ord_dvsn = "22",
	                      .venue = "NXT",
	                      .stop_price = 71000};
	assert_int_equal(kis_order_cash(f->c, &stop, &ack, &e), KIS_OK);
	req_at(f, 3, &r);
	j = json_loads(r.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "ORD_DVSN")), "22");
	assert_string_equal(json_string_value(json_object_get(j, "EXCG_ID_DVSN_CD")), "NXT");
	assert_string_equal(json_string_value(json_object_get(j, "CNDT_PRIC")), "71000");
	assert_string_equal(json_string_value(json_object_get(j, "ORD_UNPR")), "71500");
	json_decref(j);
	fk_req_free(&r);
	/* amendment of 4 shares to 69,500 as IOC limit */
	kis_revise_req rv = {.orgno = "06010",
	                     .odno = "0001569157",
	                     .ord_dvsn = "11",
	                     .qty = 4,
	                     .price = 69500,
	                     .venue = "SOR"};
	assert_int_equal(kis_order_revise(f->c, &rv, &ack, &e), KIS_OK);
	req_at(f, 4, &r);
	j = json_loads(r.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "RVSE_CNCL_DVSN_CD")), "01");
	assert_string_equal(json_string_value(json_object_get(j, "QTY_ALL_ORD_YN")), "N");
	assert_string_equal(json_string_value(json_object_get(j, "ORD_QTY")), "4");
	assert_string_equal(json_string_value(json_object_get(j, "ORD_UNPR")), "69500");
	assert_string_equal(json_string_value(json_object_get(j, "ORD_DVSN")), "11");
	assert_string_equal(json_string_value(json_object_get(j, "EXCG_ID_DVSN_CD")), "SOR");
	json_decref(j);
	fk_req_free(&r);

	/* business refusal */
	f->sc.order_mode = ORD_REJECT;
	assert_int_equal(kis_order_cash(f->c, &rq, &ack, &e), KIS_E_REJECTED);
	assert_string_equal(e.msg_cd, "40250000");
	assert_string_equal(e.msg1, "모의투자 주문가능금액이 부족합니다.");
	/* bad requests never leave */
	int n = fk_count(f->fk);
	kis_order_req bad = {.code = "005930", .side = KIS_SIDE_ANY, .qty = 1, .price = 0};
	assert_int_equal(kis_order_cash(f->c, &bad, &ack, &e), KIS_E_INTERNAL);
	bad.side = KIS_SIDE_BUY;
	bad.qty = 0;
	assert_int_equal(kis_order_cash(f->c, &bad, &ack, &e), KIS_E_INTERNAL);
	assert_int_equal(e.sent, 0);
	assert_int_equal(fk_count(f->fk), n);
	fx_free(f);

	/* real, old ids */
	f = fx_new(1);
	f->cfg.old_tr_ids = 1;
	fx_client(f);
	assert_int_equal(kis_order_cash(f->c, &rq, &ack, &e), KIS_OK);
	assert_int_equal(kis_order_cancel(f->c, "06010", "0001569157", &ack, &e), KIS_OK);
	req_at(f, 0, &r);
	assert_string_equal(r.tr_id, "TTTC0802U");
	fk_req_free(&r);
	req_at(f, 1, &r);
	assert_string_equal(r.tr_id, "TTTC0803U");
	fk_req_free(&r);
	fx_free(f);
}

/* EGW00201 on an order: KIS did not take it, so it is resent (bounded). */
static void test_order_rate_limit(void **state)
{
	fx *f = fx_new(1);
	f->sc.rate_fail_n = 1;
	fx_client(f);
	kis_order_req rq = {.code = "005930", .side = KIS_SIDE_BUY, .qty = 1, .price = 74400};
	kis_order_ack ack;
	kis_error e;
	assert_int_equal(kis_order_cash(f->c, &rq, &ack, &e), KIS_OK);
	assert_int_equal(fk_count(f->fk), 2);
	f->sc.rate_fail_n = 100;
	assert_int_equal(kis_order_cash(f->c, &rq, &ack, &e), KIS_E_RATE_LIMIT);
	assert_int_equal(e.sent, 0);
	assert_string_equal(e.msg_cd, "EGW00201");
	assert_int_equal(fk_count(f->fk), 2 + 1 + f->cfg.read_retries);
	fx_free(f);
}

/* Orders are never resent after a transient failure or a timeout. */
static void test_order_no_resend(void **state)
{
	fx *f = fx_new(1);
	f->cfg.timeout_ms = 400;
	fx_client(f);
	kis_order_req rq = {.code = "005930", .side = KIS_SIDE_BUY, .qty = 1, .price = 74400};
	kis_order_ack ack;
	kis_error e;

	f->sc.order_mode = ORD_EGW00001;
	assert_int_equal(kis_order_cash(f->c, &rq, &ack, &e), KIS_E_TRANSIENT);
	assert_int_equal(e.sent, 1);
	assert_int_equal(e.http_status, 500);
	assert_int_equal(fk_count(f->fk), 1);

	f->sc.order_mode = ORD_DROP;
	assert_int_equal(kis_order_cash(f->c, &rq, &ack, &e), KIS_E_TRANSIENT);
	assert_int_equal(e.sent, 1);
	assert_int_equal(fk_count(f->fk), 2);

	f->sc.order_mode = ORD_EGW00301;
	assert_int_equal(kis_order_cash(f->c, &rq, &ack, &e), KIS_E_TIMEOUT);
	assert_int_equal(e.sent, 1);
	assert_int_equal(fk_count(f->fk), 3);

	f->sc.order_mode = ORD_SLOW;
	assert_int_equal(kis_order_cash(f->c, &rq, &ack, &e), KIS_E_TIMEOUT);
	assert_int_equal(e.sent, 1);
	assert_int_equal(fk_count(f->fk), 4);

	/* a read in the same situation is retried */
	f->sc.transient_n = 1;
	kis_quote q;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_OK);
	kis_stats st;
	kis_stats_get(f->c, &st);
	assert_int_equal(st.retries, 1);
	assert_true(st.errors[KIS_E_TIMEOUT] == 2 && st.errors[KIS_E_TRANSIENT] == 2);
	fx_free(f);
}

/* What the trader reads from err->sent: refused credentials were not
 * processed; a success without an order number is an unknown outcome. */
static void test_order_sent_flags(void **state)
{
	fx *f = fx_new(1);
	fx_client(f);
	kis_order_req rq = {.code = "005930", .side = KIS_SIDE_SELL, .qty = 1, .price = 74400};
	kis_order_ack ack;
	kis_error e;
	f->sc.order_mode = ORD_CONFIG;
	assert_int_equal(kis_order_cash(f->c, &rq, &ack, &e), KIS_E_CONFIG);
	assert_int_equal(e.sent, 0);
	assert_string_equal(e.msg_cd, "EGW00206");
	f->sc.order_mode = ORD_NO_ODNO;
	assert_int_equal(kis_order_cash(f->c, &rq, &ack, &e), KIS_E_BAD_REPLY);
	assert_int_equal(e.sent, 1);
	assert_non_null(strstr(e.msg1, "ODNO"));
	assert_int_equal(fk_count(f->fk), 2);
	fx_free(f);
}

/* Connection refused: nothing reached KIS, sent = 0. */
static void test_connection_refused(void **state)
{
	fx *f = fx_new(1);
	char url[64];
	snprintf(url, sizeof url, "%s", fk_url(f->fk));
	fk_stop(f->fk); /* the port is now closed */
	f->fk = NULL;
	f->cfg.base_url = url;
	f->cfg.read_retries = 1;
	fx_client(f);
	kis_order_req rq = {.code = "005930", .side = KIS_SIDE_BUY, .qty = 1, .price = 74400};
	kis_order_ack ack;
	kis_error e;
	assert_int_equal(kis_order_cash(f->c, &rq, &ack, &e), KIS_E_TRANSIENT);
	assert_int_equal(e.sent, 0);
	kis_quote q;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_E_TRANSIENT);
	assert_int_equal(e.sent, 0);
	kis_stats st;
	kis_stats_get(f->c, &st);
	/* the read was retried once; the order never is */
	assert_int_equal(st.requests, 3);
	kis_client_free(f->c);
	free(f);
}

/* The local limiter: a call that cannot get a slot in queue_wait_ms is BUSY. */
static void test_client_busy(void **state)
{
	fx *f = fx_new(0);
	f->cfg.rate_per_sec = 1;
	f->cfg.queue_wait_ms = 100;
	fx_client(f);
	kis_quote q;
	kis_error e;
	int64_t t0 = mono_ms();
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_OK);
	int rc = kis_price_get(f->c, "005930", &q, &e);
	if (rc == KIS_OK && mono_ms() - t0 >= 900) {
		fx_free(f); /* the machine was too slow to hit the window: no verdict */
		skip();
	}
	assert_int_equal(rc, KIS_E_BUSY);
	assert_int_equal(e.sent, 0);
	assert_true(e.retry_after_s >= 1);
	assert_int_equal(fk_count(f->fk), 1);
	kis_stats st;
	kis_stats_get(f->c, &st);
	assert_int_equal(st.limiter_timeouts, 1);
	assert_int_equal(st.errors[KIS_E_BUSY], 1);
	fx_free(f);
}

typedef struct par_arg {
	kis_client *c;
	int ok;
} par_arg;

static void *price_worker(void *arg)
{
	par_arg *a = arg;
	for (int i = 0; i < 10; i++) {
		kis_quote q;
		kis_error e;
		if (kis_price_get(a->c, "005930", &q, &e) == KIS_OK && q.price == 74400)
			a->ok++;
	}
	return NULL;
}

/* Connections are kept and shared: sequential calls use one connection,
 * 8 threads at most 8 (libcurl's default cache of 4 would churn); every
 * thread's calls are counted for it alone. */
static void test_connection_reuse(void **state)
{
	fx *f = fx_new(1);
	fx_client(f);
	kis_thread_calls_reset();
	for (int i = 0; i < 20; i++) {
		kis_quote q;
		kis_error e;
		assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_OK);
	}
	assert_int_equal(kis_thread_calls(), 20);
	assert_int_equal(fk_connections(f->fk), 1);
	par_arg a[8];
	pthread_t th[8];
	for (int i = 0; i < 8; i++) {
		a[i].c = f->c;
		a[i].ok = 0;
		pthread_create(&th[i], NULL, price_worker, &a[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(a[i].ok, 10);
	}
	assert_int_equal(kis_thread_calls(), 20); /* other threads' calls are theirs */
	assert_in_range(fk_connections(f->fk), 1, 8);
	assert_int_equal(fk_count(f->fk), 100);
	fx_free(f);
}

static void test_client_config(void **state)
{
	kis_config cfg;
	tcfg(&cfg, "http://127.0.0.1:1", NULL, NULL, 1);
	char e[128];
	cfg.account = "1234-5678";
	assert_null(kis_client_new(&cfg, e, sizeof e));
	assert_non_null(strstr(e, "account"));
	cfg.account = "1234567801";
	kis_client *c = kis_client_new(&cfg, e, sizeof e);
	assert_non_null(c);
	assert_true(kis_token_valid_until(c) == 0);
	kis_client_free(c);
	cfg.base_url = "ftp://x";
	assert_null(kis_client_new(&cfg, e, sizeof e));
	assert_null(kis_client_new(NULL, e, sizeof e));

	kis_config d;
	memset(&d, 0, sizeof d);
	kis_config_defaults(&d);
	assert_int_equal(d.rate_per_sec, 2);
	assert_int_equal(d.connect_timeout_ms, 3000);
	assert_int_equal(d.timeout_ms, 10000);
	assert_int_equal(d.token_margin_s, 600);
	assert_int_equal(d.token_wait_ms, 5000);
	assert_int_equal(d.read_retries, 3);
	assert_int_equal(d.verify_tls, 1);
	assert_int_equal(d.token_min_interval_ms, 60000);
	memset(&d, 0, sizeof d);
	d.real = 1;
	kis_config_defaults(&d);
	assert_int_equal(d.rate_per_sec, 19); /* KIS_RATE_REAL_DEFAULT: under KIS's 20 */
	assert_string_equal(kis_status_name(KIS_E_BAD_REPLY), "bad_reply");
	assert_string_equal(kis_status_name(KIS_E__MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_price),
	    cmocka_unit_test(test_price_bad_replies),
	    cmocka_unit_test(test_read_retries),
	    cmocka_unit_test(test_daily_bars_paging),
	    cmocka_unit_test(test_balance_pages),
	    cmocka_unit_test(test_balance_stuck_upstream),
	    cmocka_unit_test(test_balance_empty),
	    cmocka_unit_test(test_buying_power),
	    cmocka_unit_test(test_ccld_pages_and_tr),
	    cmocka_unit_test(test_holidays),
	    cmocka_unit_test(test_open_orders),
	    cmocka_unit_test(test_order_shape),
	    cmocka_unit_test(test_order_rate_limit),
	    cmocka_unit_test(test_order_no_resend),
	    cmocka_unit_test(test_order_sent_flags),
	    cmocka_unit_test(test_connection_refused),
	    cmocka_unit_test(test_client_busy),
	    cmocka_unit_test(test_connection_reuse),
	    cmocka_unit_test(test_client_config),
	};
	return cmocka_run_group_tests(tests, setup_keys, NULL);
}
