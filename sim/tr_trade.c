/* tr_trade.c — account and order TRs: inquire-balance, inquire-psbl-order,
 * inquire-daily-ccld (both the <=3-month and the >3-month TR), order-cash,
 * order-rvsecncl and inquire-psbl-rvsecncl, with KIS paging (response
 * header tr_cont M/D, ctx_area_fk100/nk100 padded to 100) and the virtual
 * host's 4xxxxxxx rejection codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krx.h"
#include "sim.h"

#define BRNO "06010"

/* Rejections differ by host; the real codes marked "chosen" in README are
 * plausible picks where KIS's are unconfirmed. */
typedef struct rej {
	const char *vcode, *vmsg, *rcode, *rmsg;
} rej;

static const rej R_BEFORE = {"40570000", "모의투자 장시작전 입니다.", "APBK0918",
                             "장운영시간이 아닙니다.(주문불가)"};
static const rej R_AFTER = {"40580000", "모의투자 장종료 입니다.", "APBK0918",
                            "장운영시간이 아닙니다.(주문불가)"};
static const rej R_HOLIDAY = {"40580000", "모의투자 장종료 입니다.", "APBK0919",
                              "장운영일자가 주문일과 상이합니다"};
static const rej R_TICK = {"40030000", "모의투자 주문처리가 안되었습니다(호가단위 오류)",
                           "APBK0506", "호가단위 오류입니다."};
static const rej R_LIMIT = {"40060000", "모의투자 주문처리가 안되었습니다(상하한가 오류)",
                            "APBK0507", "주문가격이 상하한가를 벗어났습니다."};
static const rej R_CASH = {"40250000", "모의투자 주문가능금액이 부족합니다.", "APBK0952",
                           "주문가능금액을 초과 했습니다"};
static const rej R_HOLD = {"40240000", "모의투자 잔고내역이 없습니다.", "APBK0400",
                           "주문가능수량을 초과하였습니다."};
static const rej R_CODE = {"40070000", "모의투자 주문처리가 안되었습니다(매매불가 종목)",
                           "APBK0656", "해당종목정보가 없습니다"};
static const rej R_QTY = {"40310000", "모의투자 주문수량을 확인하세요.", "APBK0508",
                          "주문수량을 확인하세요."};
static const rej R_DVSN = {"40190000", "모의투자 주문구분을 확인하세요.", "APBK0524",
                           "주문구분을 확인하세요."};
static const rej R_EXCG = {"40200000", "모의투자는 KRX만 주문가능합니다.", "APBK0525",
                           "거래소구분을 확인하세요."};
static const rej R_NOQTY = {"40330000", "모의투자 정정/취소할 수량이 없습니다.", "APBK0918",
                            "정정/취소할 수량이 없습니다."};

static void reject(sim_state *st, sim_reply *r, const rej *j)
{
	int real = st->cfg.env == SIM_REAL;
	sim_reply_json(r, st->cfg.reject_status,
	               sim_env("1", real ? j->rcode : j->vcode, real ? j->rmsg : j->vmsg, 1));
}

static void input_err(sim_reply *r, const char *field)
{
	char m[128];
	snprintf(m, sizeof(m), "ERROR : INPUT FIELD NOT FOUND [%s]", field);
	sim_reply_json(r, 500, sim_env("1", "OPSQ1002", m, 0));
}

static void bad_field(sim_reply *r, const char *field)
{
	char m[128];
	snprintf(m, sizeof(m), "ERROR : INPUT INVALID_CHECK_FIELD [%s]", field);
	sim_reply_json(r, 500, sim_env("1", "OPSQ2002", m, 0));
}

/* CANO + ACNT_PRDT_CD from the query (GET) or the body (POST). */
static int acct_input(sim_state *st, sim_call *c, sim_reply *r, int body)
{
	char b1[32], b2[32];
	const char *cano = body ? sim_field(c, "CANO", b1, sizeof(b1)) : sim_arg(c, "CANO");
	const char *prdt =
	    body ? sim_field(c, "ACNT_PRDT_CD", b2, sizeof(b2)) : sim_arg(c, "ACNT_PRDT_CD");
	if (!cano) {
		input_err(r, "CANO");
		return -1;
	}
	if (!prdt) {
		input_err(r, "ACNT_PRDT_CD");
		return -1;
	}
	sim_account *a = sim_acct_get(st, cano, prdt);
	if (!a) {
		sim_reply_json(r, 500,
		               sim_env("1", "OPSQ2000", "ERROR : INPUT INVALID_CHECK_ACNO", 0));
		return -1;
	}
	return (int)(a - st->accts);
}

/* Offset of the next page from CTX_AREA_NK100 ("<acct>^<offset>^"). */
static int page_offset(const sim_call *c)
{
	const char *nk = sim_arg(c, "CTX_AREA_NK100");
	if (!nk)
		return 0;
	const char *caret = strchr(nk, '^');
	if (!caret)
		return 0;
	char num[16];
	size_t n = 0;
	for (const char *p = caret + 1; *p && *p != '^' && n < sizeof(num) - 1; p++)
		num[n++] = *p;
	num[n] = 0;
	int64_t off;
	if (sim_parse_i64(num, &off) != 0 || off < 0 || off > 1000000)
		return 0;
	return (int)off;
}

/* Top-level continuation fields + the tr_cont response header. */
static void page_ctx(sim_reply *r, json_t *env, const char *fk, const sim_account *a, int next)
{
	char fkb[101], nkb[101], key[64];
	sim_pad(fkb, fk, 100);
	if (next >= 0)
		snprintf(key, sizeof(key), "%s%s^%d^", a->cano, a->prdt, next);
	else
		key[0] = 0;
	sim_pad(nkb, key, 100);
	sj_set_s(env, "ctx_area_fk100", fkb);
	sj_set_s(env, "ctx_area_nk100", nkb);
	snprintf(r->tr_cont, sizeof(r->tr_cont), "%s", next >= 0 ? "M" : "D");
	r->has_tr_cont = 1;
}

/* rt_cd/msg_cd/msg1 of a paged inquiry: more to come, done, or empty. */
static void env_tail(json_t *env, int more, int empty)
{
	const char *cd = more ? "KIOK0500" : empty ? "KIOK0560" : "KIOK0510";
	const char *msg = more    ? "조회가 계속됩니다..다음버튼을 Click 하십시오."
	                  : empty ? "조회할 내용이 없습니다"
	                          : "조회가 완료되었습니다";
	char *m = sim_pad_msg(msg);
	sj_set_s(env, "rt_cd", "0");
	sj_set_s(env, "msg_cd", cd);
	sj_set_s(env, "msg1", m ? m : msg);
	free(m);
}

void sim_h_balance(sim_state *st, sim_call *c, sim_reply *r)
{
	int ai = acct_input(st, c, r, 0);
	if (ai < 0)
		return;
	sim_account *a = &st->accts[ai];
	int today = kst_date(c->now_ms);
	sim_acct_reset_day(a, today);
	int page = st->cfg.env == SIM_REAL ? 50 : 20;
	int off = page_offset(c);
	json_t *rows = json_array();
	int64_t pchs_sum = 0, evlu_sum = 0;
	const int nrows = a->nh + a->nloan; /* cash holdings, then margin-loan rows */
	for (int i = 0; i < nrows; i++) {
		const sim_holding *h = i < a->nh ? &a->h[i] : &a->loan[i - a->nh];
		const int loan = i >= a->nh;
		sim_stock *s = sim_stock_find(st, h->code);
		sim_quote q;
		if (!s || sim_quote_get(s, c->now_ms, &q) != 0)
			continue;
		int64_t evlu = h->qty * q.prpr;
		pchs_sum += h->cost;
		evlu_sum += evlu;
		if (i < off || i >= off + page)
			continue;
		json_t *o = json_object();
		sj_set_s(o, "pdno", h->code);
		sj_set_s(o, "prdt_name", s->name);
		sj_set_s(o, "trad_dvsn_name", loan ? "자기융자" : "현금");
		sj_set_s(o, "bfdy_buy_qty", "0");
		sj_set_s(o, "bfdy_sll_qty", "0");
		sj_set_i(o, "thdt_buyqty", loan ? 0 : h->thdt_buy);
		sj_set_i(o, "thdt_sll_qty", loan ? 0 : h->thdt_sll);
		sj_set_i(o, "hldg_qty", h->qty);
		sj_set_i(o, "ord_psbl_qty", loan ? h->qty : sim_sellable(st, ai, h->code));
		sj_set_f(o, "pchs_avg_pric", h->qty ? (double)h->cost / (double)h->qty : 0, 4);
		sj_set_i(o, "pchs_amt", h->cost);
		sj_set_i(o, "prpr", q.prpr);
		sj_set_i(o, "evlu_amt", evlu);
		sj_set_i(o, "evlu_pfls_amt", evlu - h->cost);
		sj_set_f(o, "evlu_pfls_rt",
		         h->cost ? (double)(evlu - h->cost) * 100.0 / (double)h->cost : 0, 2);
		sj_set_s(o, "evlu_erng_rt", "0.00000000");
		if (loan) {
			sj_set_i(o, "loan_dt", h->loan_ymd);
			sj_set_i(o, "loan_amt", h->cost * 6 / 10);
			sj_set_i(o, "expd_dt", ymd_add_days(h->loan_ymd, 150));
		} else {
			sj_set_s(o, "loan_dt", "");
			sj_set_s(o, "loan_amt", "0");
			sj_set_s(o, "expd_dt", "");
		}
		sj_set_s(o, "stln_slng_chgs", "0");
		sj_set_f(o, "fltt_rt",
		         q.prdy_clpr ? (double)(q.prpr - q.prdy_clpr) * 100.0 / (double)q.prdy_clpr
		                     : 0,
		         8);
		sj_set_i(o, "bfdy_cprs_icdc", q.prpr - q.prdy_clpr);
		sj_set_s(o, "item_mgna_rt_name", "");
		sj_set_s(o, "grta_rt_name", "");
		sj_set_s(o, "sbst_pric", "0");
		sj_set_s(o, "stck_loan_unpr", "0");
		json_array_append_new(rows, o);
	}
	int next = off + page < nrows ? off + page : -1;
	json_t *sum = json_object();
	sj_set_i(sum, "dnca_tot_amt", a->cash);
	sj_set_i(sum, "nxdy_excc_amt", a->cash);
	sj_set_i(sum, "prvs_rcdl_excc_amt", a->cash);
	sj_set_s(sum, "cma_evlu_amt", "0");
	sj_set_s(sum, "bfdy_buy_amt", "0");
	sj_set_i(sum, "thdt_buy_amt", a->thdt_buy_amt);
	sj_set_s(sum, "nxdy_auto_rdpt_amt", "0");
	sj_set_s(sum, "bfdy_sll_amt", "0");
	sj_set_i(sum, "thdt_sll_amt", a->thdt_sll_amt);
	sj_set_s(sum, "d2_auto_rdpt_amt", "0");
	sj_set_s(sum, "bfdy_tlex_amt", "0");
	sj_set_s(sum, "thdt_tlex_amt", "0");
	sj_set_s(sum, "tot_loan_amt", "0");
	sj_set_i(sum, "scts_evlu_amt", evlu_sum);
	sj_set_i(sum, "tot_evlu_amt", evlu_sum + a->cash);
	sj_set_i(sum, "nass_amt", evlu_sum + a->cash);
	sj_set_s(sum, "fncg_gld_auto_rdpt_yn", "");
	sj_set_i(sum, "pchs_amt_smtl_amt", pchs_sum);
	sj_set_i(sum, "evlu_amt_smtl_amt", evlu_sum);
	sj_set_i(sum, "evlu_pfls_smtl_amt", evlu_sum - pchs_sum);
	sj_set_s(sum, "tot_stln_slng_chgs", "0");
	sj_set_i(sum, "bfdy_tot_asst_evlu_amt", evlu_sum + a->cash);
	sj_set_s(sum, "asst_icdc_amt", "0");
	sj_set_s(sum, "asst_icdc_erng_rt", "0.00000000");
	json_t *out2 = json_array();
	json_array_append_new(out2, sum);
	json_t *env = json_object();
	char fk[64];
	snprintf(fk, sizeof(fk), "%s^%s^N^N^01^01^N^", a->cano, a->prdt);
	page_ctx(r, env, fk, a, next);
	json_object_set_new(env, "output1", rows);
	json_object_set_new(env, "output2", out2);
	env_tail(env, next >= 0, 0);
	sim_reply_json(r, 200, env);
}

void sim_h_psbl_order(sim_state *st, sim_call *c, sim_reply *r)
{
	int ai = acct_input(st, c, r, 0);
	if (ai < 0)
		return;
	sim_account *a = &st->accts[ai];
	const char *pdno = sim_arg(c, "PDNO");
	const char *unpr = sim_arg(c, "ORD_UNPR");
	const char *dvsn = sim_arg(c, "ORD_DVSN");
	int64_t avail = a->cash - a->reserved;
	int64_t calc = 0;
	if (pdno && *pdno) {
		sim_stock *s = sim_stock_find(st, pdno);
		sim_quote q;
		if (!s || sim_quote_get(s, c->now_ms, &q) != 0) {
			reject(st, r, &R_CODE);
			return;
		}
		int64_t p = 0;
		int market = dvsn && strcmp(dvsn, "00") != 0 && strcmp(dvsn, "02") != 0;
		if (!market && unpr && sim_parse_i64(unpr, &p) == 0 && p > 0)
			calc = p;
		else if (market)
			calc = q.mxpr; /* market orders hold buying power at the upper limit */
		else
			calc = q.prpr;
	}
	int64_t qty = calc > 0 ? avail / calc : 0;
	json_t *o = json_object();
	sj_set_i(o, "ord_psbl_cash", avail);
	sj_set_s(o, "ord_psbl_sbst", "0");
	sj_set_s(o, "ruse_psbl_amt", "0");
	sj_set_s(o, "fund_rpch_chgs", "0");
	sj_set_i(o, "psbl_qty_calc_unpr", calc);
	sj_set_i(o, "nrcvb_buy_amt", qty * calc);
	sj_set_i(o, "nrcvb_buy_qty", qty);
	sj_set_i(o, "max_buy_amt", qty * calc);
	sj_set_i(o, "max_buy_qty", qty);
	sj_set_s(o, "cma_evlu_amt", "0");
	sj_set_s(o, "ovrs_re_use_amt_wcrc", "0");
	sj_set_s(o, "ord_psbl_frcr_amt_wcrc", "0");
	json_t *env = sim_env("0", "KIOK0510", "조회가 완료되었습니다", 1);
	json_object_set_new(env, "output", o);
	sim_reply_json(r, 200, env);
}

/* KIS's ORD_DVSN codes (KIS_API.md §6.7) and where each is taken:
 * price 1 = ORD_UNPR is the limit price (else "0"), tif 1 IOC / 2 FOK,
 * sess 0 regular / 1 장전 시간외 / 2 장후 시간외 / 3 시간외 단일가, venues
 * K(RX) N(XT) S(OR), virt = 모의투자 takes it (00-04 only). */
typedef struct dvsn_info {
	const char *code, *name;
	int price, tif, sess;
	const char *venues;
	int virt;
} dvsn_info;

static const dvsn_info dvsns[] = {
    {"00", "지정가", 1, 0, 0, "KNS", 1},       {"01", "시장가", 0, 0, 0, "KS", 1},
    {"02", "조건부지정가", 1, 0, 0, "K", 1},   {"03", "최유리지정가", 0, 0, 0, "KNS", 1},
    {"04", "최우선지정가", 0, 0, 0, "KNS", 1}, {"05", "장전 시간외", 0, 0, 1, "K", 0},
    {"06", "장후 시간외", 0, 0, 2, "K", 0},    {"07", "시간외 단일가", 1, 0, 3, "K", 0},
    {"11", "IOC지정가", 1, 1, 0, "KNS", 0},    {"12", "FOK지정가", 1, 2, 0, "KNS", 0},
    {"13", "IOC시장가", 0, 1, 0, "KNS", 0},    {"14", "FOK시장가", 0, 2, 0, "KNS", 0},
    {"15", "IOC최유리", 0, 1, 0, "KNS", 0},    {"16", "FOK최유리", 0, 2, 0, "KNS", 0},
    {"21", "중간가", 0, 0, 0, "KN", 0},        {"22", "스톱지정가", 1, 0, 0, "KN", 0},
    {"23", "중간가IOC", 0, 1, 0, "KN", 0},     {"24", "중간가FOK", 0, 2, 0, "KN", 0},
};

static const dvsn_info *dvsn_find(const char *d)
{
	for (size_t i = 0; d && i < sizeof(dvsns) / sizeof(dvsns[0]); i++)
		if (strcmp(dvsns[i].code, d) == 0)
			return &dvsns[i];
	return NULL;
}

static const char *dvsn_name(const char *d)
{
	const dvsn_info *i = dvsn_find(d);
	return i ? i->name : "지정가";
}

static const char *venue_of(const sim_order *o)
{
	return o->venue[0] ? o->venue : "KRX";
}

static json_t *ccld_row(sim_state *st, const sim_order *o)
{
	json_t *j = json_object();
	char buf[32];
	sim_stock *s = sim_stock_find(st, o->code);
	snprintf(buf, sizeof(buf), "%d", o->ymd);
	sj_set_s(j, "ord_dt", buf);
	sj_set_s(j, "ord_gno_brno", BRNO);
	snprintf(buf, sizeof(buf), "%010lld", (long long)o->odno);
	sj_set_s(j, "odno", buf);
	if (o->orgn_odno)
		snprintf(buf, sizeof(buf), "%010lld", (long long)o->orgn_odno);
	else
		buf[0] = 0;
	sj_set_s(j, "orgn_odno", buf);
	const char *dn = dvsn_name(o->dvsn);
	char name[64];
	if (o->kind == ORD_CANCEL)
		snprintf(name, sizeof(name), "%s", o->side == 2 ? "매수취소" : "매도취소");
	else if (o->kind == ORD_MODIFY)
		snprintf(name, sizeof(name), "%s", o->side == 2 ? "매수정정" : "매도정정");
	else
		snprintf(name, sizeof(name), "%s", o->side == 2 ? "현금매수" : "현금매도");
	sj_set_s(j, "ord_dvsn_name", dn);
	sj_set_s(j, "sll_buy_dvsn_cd", o->side == 2 ? "02" : "01");
	sj_set_s(j, "sll_buy_dvsn_cd_name", name);
	sj_set_s(j, "pdno", o->code);
	sj_set_s(j, "prdt_name", s ? s->name : "");
	sj_set_i(j, "ord_qty", o->qty);
	sj_set_i(j, "ord_unpr", o->price);
	snprintf(buf, sizeof(buf), "%06d", o->hms);
	sj_set_s(j, "ord_tmd", buf);
	sj_set_i(j, "tot_ccld_qty", o->filled);
	sj_set_i(j, "avg_prvs", o->filled ? o->fill_amt / o->filled : 0);
	sj_set_s(j, "cncl_yn", o->kind == ORD_CANCEL ? "Y" : "N");
	sj_set_i(j, "tot_ccld_amt", o->fill_amt);
	sj_set_s(j, "loan_dt", "");
	sj_set_s(j, "ordr_empno", "OpnAPI");
	sj_set_s(j, "ord_dvsn_cd", o->dvsn);
	sj_set_i(j, "cncl_cfrm_qty", o->cancelled);
	sj_set_i(j, "rmn_qty", o->status == ST_OPEN ? o->remaining : 0);
	sj_set_s(j, "rjct_qty", "0");
	sj_set_s(j, "ccld_cndt_name", "없음");
	sj_set_s(j, "inqr_ip_addr", "");
	sj_set_s(j, "cpbc_ordp_ord_rcit_dvsn_cd", "");
	sj_set_s(j, "cpbc_ordp_infm_mthd_dvsn_cd", "");
	sj_set_s(j, "infm_tmd", "");
	sj_set_s(j, "ctac_tlno", "");
	sj_set_s(j, "prdt_type_cd", "300");
	sj_set_s(j, "excg_dvsn_cd", "02");
	sj_set_s(j, "cpbc_ordp_mtrl_dvsn_cd", "");
	sj_set_s(j, "ord_orgno", "");
	sj_set_s(j, "rsvn_ord_end_dt", "");
	sj_set_s(j, "excg_id_dvsn_Cd", venue_of(o));
	sj_set_i(j, "stpm_cndt_pric", o->stop);
	sj_set_s(j, "stpm_efct_occr_dtmd", "");
	return j;
}

static int cmp_order_asc(const void *a, const void *b)
{
	const sim_order *x = *(const sim_order *const *)a, *y = *(const sim_order *const *)b;
	if (x->ymd != y->ymd)
		return x->ymd < y->ymd ? -1 : 1;
	if (x->hms != y->hms)
		return x->hms < y->hms ? -1 : 1;
	return x->odno < y->odno ? -1 : x->odno > y->odno;
}

void sim_h_ccld(sim_state *st, sim_call *c, sim_reply *r)
{
	int ai = acct_input(st, c, r, 0);
	if (ai < 0)
		return;
	sim_account *a = &st->accts[ai];
	const char *sd = sim_arg(c, "INQR_STRT_DT"), *ed = sim_arg(c, "INQR_END_DT");
	if (!sd || !*sd) {
		input_err(r, "INQR_STRT_DT");
		return;
	}
	if (!ed || !*ed) {
		input_err(r, "INQR_END_DT");
		return;
	}
	int from = ymd_parse(sd), to = ymd_parse(ed);
	if (from < 0 || strlen(sd) != 8) {
		bad_field(r, "INQR_STRT_DT");
		return;
	}
	if (to < 0 || strlen(ed) != 8) {
		bad_field(r, "INQR_END_DT");
		return;
	}
	const char *side = sim_arg(c, "SLL_BUY_DVSN_CD");
	const char *pdno = sim_arg(c, "PDNO");
	const char *ccld = sim_arg(c, "CCLD_DVSN");
	const char *dir = sim_arg(c, "INQR_DVSN");
	const char *odno_s = sim_arg(c, "ODNO");
	int want_side = 0;
	if (side && *side && strcmp(side, "00") != 0) {
		if (strcmp(side, "01") == 0)
			want_side = 1;
		else if (strcmp(side, "02") == 0)
			want_side = 2;
		else {
			bad_field(r, "SLL_BUY_DVSN_CD");
			return;
		}
	}
	int want_ccld = 0;
	if (ccld && *ccld && strcmp(ccld, "00") != 0) {
		if (strcmp(ccld, "01") == 0)
			want_ccld = 1;
		else if (strcmp(ccld, "02") == 0)
			want_ccld = 2;
		else {
			bad_field(r, "CCLD_DVSN");
			return;
		}
	}
	int64_t want_odno = 0;
	if (odno_s && *odno_s && (sim_parse_i64(odno_s, &want_odno) != 0 || want_odno <= 0)) {
		bad_field(r, "ODNO");
		return;
	}
	int ascending = dir && strcmp(dir, "01") == 0;
	const sim_order **list = malloc(sizeof(*list) * (size_t)(st->norders + 1));
	if (!list) {
		sim_reply_env(r, 500, "EGW00002", "서버 에러가 발생했습니다.");
		return;
	}
	int n = 0;
	int64_t tot_ord = 0, tot_ccld = 0, tot_amt = 0;
	for (int i = 0; i < st->norders; i++) {
		const sim_order *o = &st->orders[i];
		if (o->acct != ai || o->ymd < from || o->ymd > to)
			continue;
		if (want_side && o->side != want_side)
			continue;
		if (pdno && *pdno && strcmp(pdno, o->code) != 0)
			continue;
		if (want_ccld == 1 && o->filled == 0)
			continue;
		if (want_ccld == 2 && !(o->status == ST_OPEN && o->remaining > 0))
			continue;
		if (want_odno && o->odno != want_odno)
			continue;
		list[n++] = o;
		tot_ord += o->qty;
		tot_ccld += o->filled;
		tot_amt += o->fill_amt;
	}
	qsort(list, (size_t)n, sizeof(*list), cmp_order_asc);
	int page = st->cfg.env == SIM_REAL ? 100 : 15;
	int off = page_offset(c);
	json_t *rows = json_array();
	for (int k = off; k < n && k < off + page; k++) {
		const sim_order *o = ascending ? list[k] : list[n - 1 - k];
		json_array_append_new(rows, ccld_row(st, o));
	}
	free(list);
	int next = off + page < n ? off + page : -1;
	json_t *sum = json_object();
	sj_set_i(sum, "tot_ord_qty", tot_ord);
	sj_set_i(sum, "tot_ccld_qty", tot_ccld);
	sj_set_i(sum, "tot_ccld_amt", tot_amt);
	sj_set_s(sum, "prsm_tlex_smtl", "0");
	sj_set_i(sum, "pchs_avg_pric", tot_ccld ? tot_amt / tot_ccld : 0);
	json_t *env = json_object();
	char fk[64];
	snprintf(fk, sizeof(fk), "%s^%s^%s^%s^", a->cano, a->prdt, sd, ed);
	page_ctx(r, env, fk, a, next);
	json_object_set_new(env, "output1", rows);
	json_object_set_new(env, "output2", sum);
	env_tail(env, next >= 0, n == 0);
	sim_reply_json(r, 200, env);
}

/* Market-session gate of an order type at a venue. Virtual: the regular
 * session only (40570000 before, 40580000 after). Real: the windows of
 * common/krx.h — KRX/SOR regular hours for the regular types, NXT main
 * (limit orders also NXT pre/after), 05/06/07 their own windows. */
static const rej *session_rej(const sim_state *st, int64_t now_ms, const dvsn_info *di,
                              const char *venue)
{
	int d = kst_date(now_ms), t = kst_hhmmss(now_ms);
	if (!krx_is_trading_day(d))
		return &R_HOLIDAY;
	krx_window w[3];
	int nw = 1;
	int sess = di ? di->sess : 0;
	if (st->cfg.env != SIM_REAL || sess == 0) {
		w[0] = KRX_W_REGULAR;
		if (st->cfg.env == SIM_REAL && venue && !strcmp(venue, "NXT")) {
			w[0] = NXT_W_MAIN;
			if (di && !strcmp(di->code, "00")) {
				w[1] = NXT_W_PRE;
				w[2] = NXT_W_AFTER;
				nw = 3;
			}
		}
	} else {
		w[0] = sess == 1   ? KRX_W_PRE_CLOSE
		       : sess == 2 ? KRX_W_AFTER_CLOSE
		                   : KRX_W_AFTER_SINGLE;
	}
	int first = 240000;
	for (int i = 0; i < nw; i++) {
		int s, e;
		krx_window_bounds(w[i], d, &s, &e);
		if (t >= s && t < e)
			return NULL;
		if (s < first)
			first = s;
	}
	return t < first ? &R_BEFORE : &R_AFTER;
}

/* Success of order-cash / order-rvsecncl. The real host answers APBK0013
 * (official example); the virtual host answers per kind of order, as seen
 * in many users' logs: 40600000 buy, 40590000 sell, 40620000 modify,
 * 40630000 cancel. */
static void order_ok(const sim_state *st, sim_reply *r, const sim_order *o)
{
	const char *cd = "APBK0013", *msg = "주문 전송 완료 되었습니다.";
	if (st->cfg.env != SIM_REAL) {
		if (o->kind == ORD_CANCEL) {
			cd = "40630000";
			msg = "모의투자 취소주문이 완료 되었습니다.";
		} else if (o->kind == ORD_MODIFY) {
			cd = "40620000";
			msg = "모의투자 정정주문이 완료 되었습니다.";
		} else if (o->side == 2) {
			cd = "40600000";
			msg = "모의투자 매수주문이 완료 되었습니다.";
		} else {
			cd = "40590000";
			msg = "모의투자 매도주문이 완료 되었습니다.";
		}
	}
	json_t *out = json_object();
	char buf[32];
	sj_set_s(out, "KRX_FWDG_ORD_ORGNO", BRNO);
	/* fixed width as the official example, or without the leading zeros as
	 * a virtual order-cash reply was captured ("ODNO":"51378") */
	snprintf(buf, sizeof(buf), st->odno_unpadded ? "%lld" : "%010lld", (long long)o->odno);
	sj_set_s(out, "ODNO", buf);
	snprintf(buf, sizeof(buf), "%06d", o->hms);
	sj_set_s(out, "ORD_TMD", buf);
	/* real virtual replies do not pad msg1; the real host's APBK0013 does */
	json_t *env = sim_env("0", cd, msg, st->cfg.env == SIM_REAL);
	json_object_set_new(env, "output", out);
	sim_reply_json(r, 200, env);
}

/* The terms of an order (new or modify) as KIS checks them: the ORD_DVSN
 * code, the venue for this host (virtual: KRX only, 40200000), the code at
 * that venue, the session window, the price field (ORD_UNPR; 07 also within
 * ±10 % of the close), the stop price (CNDT_PRIC, 22). 0 with the parsed
 * terms, or -1 after answering. */
typedef struct terms {
	const dvsn_info *di;
	char venue[4];
	int64_t unpr, stop;
	sim_quote q;
} terms;

static int terms_check(sim_state *st, sim_call *c, sim_reply *r, sim_stock *s, const char *dvsn,
                       const char *excg, const char *unpr_s, const char *cndt_s, terms *t)
{
	int real = st->cfg.env == SIM_REAL;
	memset(t, 0, sizeof(*t));
	const char *v = excg && *excg ? excg : "KRX";
	if (strcmp(v, "KRX") != 0 && (!real || (strcmp(v, "NXT") != 0 && strcmp(v, "SOR") != 0))) {
		reject(st, r, &R_EXCG);
		return -1;
	}
	snprintf(t->venue, sizeof(t->venue), "%s", v);
	t->di = dvsn_find(dvsn);
	char vk = v[0] == 'K' ? 'K' : v[0] == 'N' ? 'N' : 'S';
	if (!t->di || (!real && !t->di->virt) || !strchr(t->di->venues, vk)) {
		reject(st, r, &R_DVSN);
		return -1;
	}
	const rej *sj = session_rej(st, c->now_ms, t->di, v);
	if (sj) {
		reject(st, r, sj);
		return -1;
	}
	if (sim_quote_get(s, c->now_ms, &t->q) != 0) {
		reject(st, r, &R_CODE);
		return -1;
	}
	if (!unpr_s || sim_parse_i64(unpr_s, &t->unpr) != 0 || t->unpr < 0) {
		reject(st, r, &R_TICK);
		return -1;
	}
	if (!t->di->price) {
		t->unpr = 0;
	} else {
		if (t->unpr <= 0 || !krx_on_tick(t->unpr)) {
			reject(st, r, &R_TICK);
			return -1;
		}
		int64_t hi = t->q.mxpr, lo = t->q.llam;
		if (t->di->sess == 3) { /* 시간외 단일가: ±10 % of today's close */
			int64_t bhi = krx_tick_floor(t->q.prpr + t->q.prpr / 10);
			int64_t blo = krx_tick_ceil(t->q.prpr - t->q.prpr / 10);
			hi = bhi < hi ? bhi : hi;
			lo = blo > lo ? blo : lo;
		}
		if (t->unpr > hi || t->unpr < lo) {
			reject(st, r, &R_LIMIT);
			return -1;
		}
	}
	if (!strcmp(t->di->code, "22")) {
		if (!cndt_s || !*cndt_s) {
			input_err(r, "CNDT_PRIC");
			return -1;
		}
		if (sim_parse_i64(cndt_s, &t->stop) != 0 || t->stop <= 0 || !krx_on_tick(t->stop)) {
			reject(st, r, &R_TICK);
			return -1;
		}
		if (t->stop > t->q.mxpr || t->stop < t->q.llam) {
			reject(st, r, &R_LIMIT);
			return -1;
		}
	}
	return 0;
}

/* What happens to an accepted order at once: 05/06 trade at the closing
 * price (the last close before the open, today's after it), orders entered
 * outside the regular session never see that day's tape, IOC/FOK fill what
 * they can now and the rest is cancelled (FOK: all or nothing), everything
 * else tries the current price and rests. */
static void order_enter(sim_state *st, sim_order *o, const terms *t, int64_t now_ms)
{
	const char *d = o->dvsn;
	if (!t->q.in_session && kst_hhmmss(now_ms) >= KRX_CLOSE_HHMMSS)
		o->last_min = sim_session_len(o->ymd) - 1;
	if (!strcmp(d, "05") || !strcmp(d, "06")) {
		int64_t q = sim_order_fillable(st, o, t->q.prpr);
		if (q > 0)
			sim_order_fill(st, o, q, t->q.prpr, sim_session_len(o->ymd) - 1);
		return;
	}
	if (!strcmp(d, "07"))
		return; /* waits for the next 10-minute auction */
	if (o->tif == 2) {
		sim_stock *s = sim_stock_find(st, o->code);
		sim_quote q;
		int64_t can = 0;
		if (s && sim_quote_get(s, now_ms, &q) == 0 && q.in_session && q.ymd == o->ymd)
			can = sim_order_fillable(st, o, q.prpr);
		if (can < o->remaining) {
			sim_order_release(st, o, o->remaining);
			o->cancelled += o->qty;
			o->remaining = 0;
			o->status = ST_CANCELLED;
			return;
		}
	}
	if (t->q.in_session || strcmp(o->venue, "NXT") != 0)
		sim_order_try_now(st, o, now_ms);
	else if (sim_order_fillable(st, o, t->q.prpr) > 0) /* NXT pre/after: the last price */
		sim_order_fill(st, o, sim_order_fillable(st, o, t->q.prpr),
		               o->price ? o->price : t->q.prpr, sim_session_len(o->ymd) - 1);
	if (o->tif && o->status == ST_OPEN && o->remaining > 0) {
		int64_t rest = o->remaining;
		sim_order_release(st, o, rest);
		o->cancelled += rest;
		o->remaining = 0;
		o->status = ST_CANCELLED;
	}
}

void sim_h_order_cash(sim_state *st, sim_call *c, sim_reply *r)
{
	st->c_orders_received++;
	const char *id = c->tr_id;
	int side = (strstr(id, "0011U") || strstr(id, "0801U")) ? 1 : 2;
	char b[6][48];
	const char *pdno = sim_field(c, "PDNO", b[0], sizeof(b[0]));
	const char *dvsn = sim_field(c, "ORD_DVSN", b[1], sizeof(b[1]));
	const char *qty_s = sim_field(c, "ORD_QTY", b[2], sizeof(b[2]));
	const char *unpr_s = sim_field(c, "ORD_UNPR", b[3], sizeof(b[3]));
	const char *excg = sim_field(c, "EXCG_ID_DVSN_CD", b[4], sizeof(b[4]));
	const char *cndt = sim_field(c, "CNDT_PRIC", b[5], sizeof(b[5]));
	int ai = acct_input(st, c, r, 1);
	if (ai < 0)
		goto rejected;
	const char *miss = !pdno     ? "PDNO"
	                   : !dvsn   ? "ORD_DVSN"
	                   : !qty_s  ? "ORD_QTY"
	                   : !unpr_s ? "ORD_UNPR"
	                             : NULL;
	if (miss) {
		input_err(r, miss);
		goto rejected;
	}
	int64_t qty;
	if (sim_parse_i64(qty_s, &qty) != 0 || qty <= 0 || qty > 100000000) {
		reject(st, r, &R_QTY);
		goto rejected;
	}
	sim_stock *s = sim_stock_find(st, pdno);
	if (!s) {
		/* The venue and type come first at KIS: a wrong one is refused as such. */
		const dvsn_info *di = dvsn_find(dvsn);
		reject(st, r, !di ? &R_DVSN : &R_CODE);
		goto rejected;
	}
	terms t;
	if (terms_check(st, c, r, s, dvsn, excg, unpr_s, cndt, &t))
		goto rejected;
	sim_account *a = &st->accts[ai];
	int64_t reserve_ps = t.unpr ? t.unpr : t.q.mxpr; /* no price: held at the upper limit */
	if (side == 2) {
		if (qty * reserve_ps > a->cash - a->reserved) {
			reject(st, r, &R_CASH);
			goto rejected;
		}
	} else if (sim_sellable(st, ai, s->code) < qty) {
		reject(st, r, &R_HOLD);
		goto rejected;
	}
	sim_order *o = sim_order_new(st);
	if (!o) {
		sim_reply_env(r, 500, "EGW00002", "서버 에러가 발생했습니다.");
		goto rejected;
	}
	o->acct = ai;
	o->ymd = kst_date(c->now_ms);
	o->hms = kst_hhmmss(c->now_ms);
	snprintf(o->code, sizeof(o->code), "%s", s->code);
	o->side = side;
	snprintf(o->dvsn, sizeof(o->dvsn), "%s", t.di->code);
	snprintf(o->venue, sizeof(o->venue), "%s", t.venue);
	o->tif = t.di->tif;
	o->stop = t.stop;
	o->kind = ORD_NEW;
	o->qty = o->remaining = qty;
	o->price = t.unpr;
	o->status = ST_OPEN;
	if (side == 2) {
		o->reserve_ps = reserve_ps;
		a->reserved += qty * reserve_ps;
	}
	snprintf(o->appkey, sizeof(o->appkey), "%.39s", c->appkey ? c->appkey : "");
	st->c_orders_accepted++;
	order_ok(st, r, o);
	sim_ws_notice(st, o, 1, o->qty, o->price, o->hms);
	order_enter(st, o, &t, c->now_ms);
	return;
rejected:
	st->c_orders_rejected++;
}

void sim_h_rvsecncl(sim_state *st, sim_call *c, sim_reply *r)
{
	st->c_orders_received++;
	char b[7][48];
	const char *orgn = sim_field(c, "ORGN_ODNO", b[0], sizeof(b[0]));
	const char *rc = sim_field(c, "RVSE_CNCL_DVSN_CD", b[1], sizeof(b[1]));
	const char *qty_s = sim_field(c, "ORD_QTY", b[2], sizeof(b[2]));
	const char *unpr_s = sim_field(c, "ORD_UNPR", b[3], sizeof(b[3]));
	const char *all = sim_field(c, "QTY_ALL_ORD_YN", b[4], sizeof(b[4]));
	const char *dvsn = sim_field(c, "ORD_DVSN", b[5], sizeof(b[5]));
	const char *cndt = sim_field(c, "CNDT_PRIC", b[6], sizeof(b[6]));
	int ai = acct_input(st, c, r, 1);
	if (ai < 0)
		goto rejected;
	const char *miss = !orgn  ? "ORGN_ODNO"
	                   : !rc  ? "RVSE_CNCL_DVSN_CD"
	                   : !all ? "QTY_ALL_ORD_YN"
	                          : NULL;
	if (miss) {
		input_err(r, miss);
		goto rejected;
	}
	int cancel = strcmp(rc, "02") == 0;
	if (!cancel && strcmp(rc, "01") != 0) {
		bad_field(r, "RVSE_CNCL_DVSN_CD");
		goto rejected;
	}
	int64_t on;
	sim_order *o = NULL;
	if (sim_parse_i64(orgn, &on) == 0 && on > 0)
		o = sim_order_find(st, ai, on);
	/* Outside the original's session KIS answers with the session code. */
	const rej *sj =
	    session_rej(st, c->now_ms, dvsn_find(o ? o->dvsn : "00"), o ? venue_of(o) : "KRX");
	if (sj) {
		reject(st, r, sj);
		goto rejected;
	}
	if (!o || o->status != ST_OPEN || o->remaining <= 0 || o->kind == ORD_CANCEL ||
	    o->ymd != kst_date(c->now_ms)) {
		reject(st, r, &R_NOQTY);
		goto rejected;
	}
	int64_t qty = o->remaining;
	if (strcmp(all, "Y") != 0) {
		if (!qty_s || sim_parse_i64(qty_s, &qty) != 0 || qty <= 0 || qty > o->remaining) {
			reject(st, r, &R_NOQTY);
			goto rejected;
		}
	}
	int64_t orig_odno = o->odno;
	sim_account *a = &st->accts[ai];
	if (cancel) {
		sim_order_release(st, o, qty);
		o->cancelled += qty;
		if (o->remaining <= 0) {
			o->remaining = 0;
			o->status = ST_CANCELLED;
		}
		sim_order tmpl = *o;
		sim_order *n = sim_order_new(st); /* may move st->orders */
		if (!n) {
			sim_reply_env(r, 500, "EGW00002", "서버 에러가 발생했습니다.");
			goto rejected;
		}
		n->acct = ai;
		n->ymd = kst_date(c->now_ms);
		n->hms = kst_hhmmss(c->now_ms);
		snprintf(n->code, sizeof(n->code), "%s", tmpl.code);
		n->side = tmpl.side;
		snprintf(n->dvsn, sizeof(n->dvsn), "%s", tmpl.dvsn);
		snprintf(n->venue, sizeof(n->venue), "%s", tmpl.venue);
		n->kind = ORD_CANCEL;
		n->orgn_odno = orig_odno;
		n->qty = qty;
		n->price = tmpl.price;
		n->cancelled = qty;
		n->status = ST_DONE;
		snprintf(n->appkey, sizeof(n->appkey), "%.39s", c->appkey ? c->appkey : "");
		st->c_orders_accepted++;
		order_ok(st, r, n);
		sim_ws_notice(st, n, 1, n->qty, n->price, n->hms);
		return;
	}
	/* Modify: a new order (new ODNO, orgn_odno = the original) replaces qty
	 * shares of the original, with the new price / type on the same venue. */
	const char *nd = dvsn && *dvsn ? dvsn : o->dvsn;
	sim_stock *s = sim_stock_find(st, o->code);
	if (!s) {
		reject(st, r, &R_CODE);
		goto rejected;
	}
	terms t;
	if (terms_check(st, c, r, s, nd, venue_of(o), unpr_s, cndt, &t))
		goto rejected;
	int64_t unpr = t.unpr;
	int64_t new_ps = unpr ? unpr : t.q.mxpr;
	if (o->side == 2 && qty * new_ps > a->cash - a->reserved + qty * o->reserve_ps) {
		reject(st, r, &R_CASH);
		goto rejected;
	}
	sim_order_release(st, o, qty);
	if (o->remaining <= 0) {
		o->remaining = 0;
		o->status = ST_REPLACED;
	}
	sim_order tmpl = *o;
	sim_order *n = sim_order_new(st);
	if (!n) {
		sim_reply_env(r, 500, "EGW00002", "서버 에러가 발생했습니다.");
		goto rejected;
	}
	n->acct = ai;
	n->ymd = kst_date(c->now_ms);
	n->hms = kst_hhmmss(c->now_ms);
	snprintf(n->code, sizeof(n->code), "%s", tmpl.code);
	n->side = tmpl.side;
	snprintf(n->dvsn, sizeof(n->dvsn), "%s", t.di->code);
	snprintf(n->venue, sizeof(n->venue), "%s", t.venue);
	n->tif = t.di->tif;
	n->stop = t.stop;
	n->kind = ORD_MODIFY;
	n->orgn_odno = orig_odno;
	n->qty = n->remaining = qty;
	n->price = unpr;
	n->status = ST_OPEN;
	if (n->side == 2) {
		n->reserve_ps = new_ps;
		a->reserved += qty * new_ps;
	}
	snprintf(n->appkey, sizeof(n->appkey), "%.39s", c->appkey ? c->appkey : "");
	st->c_orders_accepted++;
	order_ok(st, r, n);
	sim_ws_notice(st, n, 1, n->qty, n->price, n->hms);
	order_enter(st, n, &t, c->now_ms);
	return;
rejected:
	st->c_orders_rejected++;
}

void sim_h_psbl_rvsecncl(sim_state *st, sim_call *c, sim_reply *r)
{
	if (st->cfg.env != SIM_REAL) {
		sim_unsupported_virtual(r);
		return;
	}
	int ai = acct_input(st, c, r, 0);
	if (ai < 0)
		return;
	sim_account *a = &st->accts[ai];
	const char *d2 = sim_arg(c, "INQR_DVSN_2");
	int want_side = d2 && strcmp(d2, "1") == 0 ? 1 : d2 && strcmp(d2, "2") == 0 ? 2 : 0;
	int off = page_offset(c), page = 50, n = 0;
	json_t *rows = json_array();
	for (int i = 0; i < st->norders; i++) {
		const sim_order *o = &st->orders[i];
		if (o->acct != ai || o->status != ST_OPEN || o->remaining <= 0)
			continue;
		if (want_side && o->side != want_side)
			continue;
		if (n >= off && n < off + page) {
			json_t *j = json_object();
			char buf[32];
			sim_stock *s = sim_stock_find(st, o->code);
			sj_set_s(j, "ord_gno_brno", BRNO);
			snprintf(buf, sizeof(buf), "%010lld", (long long)o->odno);
			sj_set_s(j, "odno", buf);
			if (o->orgn_odno)
				snprintf(buf, sizeof(buf), "%010lld", (long long)o->orgn_odno);
			else
				buf[0] = 0;
			sj_set_s(j, "orgn_odno", buf);
			sj_set_s(j, "ord_dvsn_name", dvsn_name(o->dvsn));
			sj_set_s(j, "pdno", o->code);
			sj_set_s(j, "prdt_name", s ? s->name : "");
			sj_set_s(j, "rvse_cncl_dvsn_name", o->side == 2 ? "현금매수" : "현금매도");
			sj_set_i(j, "ord_qty", o->qty);
			sj_set_i(j, "ord_unpr", o->price);
			snprintf(buf, sizeof(buf), "%06d", o->hms);
			sj_set_s(j, "ord_tmd", buf);
			sj_set_i(j, "tot_ccld_qty", o->filled);
			sj_set_i(j, "tot_ccld_amt", o->fill_amt);
			sj_set_i(j, "psbl_qty", o->remaining);
			sj_set_s(j, "sll_buy_dvsn_cd", o->side == 2 ? "02" : "01");
			sj_set_s(j, "ord_dvsn_cd", o->dvsn);
			sj_set_s(j, "mgco_aptm_odno", "");
			sj_set_s(j, "excg_dvsn_cd", "02");
			sj_set_s(j, "excg_id_dvsn_cd", venue_of(o));
			sj_set_s(j, "excg_id_dvsn_name",
			         !strcmp(venue_of(o), "NXT")   ? "넥스트레이드"
			         : !strcmp(venue_of(o), "SOR") ? "SOR"
			                                       : "한국거래소");
			sj_set_i(j, "stpm_cndt_pric", o->stop);
			sj_set_s(j, "stpm_efct_occr_yn", o->triggered ? "Y" : "N");
			json_array_append_new(rows, j);
		}
		n++;
	}
	int next = off + page < n ? off + page : -1;
	json_t *env = json_object();
	char fk[64];
	snprintf(fk, sizeof(fk), "%s^%s^", a->cano, a->prdt);
	page_ctx(r, env, fk, a, next);
	json_object_set_new(env, "output", rows);
	env_tail(env, next >= 0, n == 0);
	sim_reply_json(r, 200, env);
}

json_t *sim_order_json(const sim_state *st, const sim_order *o)
{
	static const char *kinds[] = {"new", "modify", "cancel"};
	static const char *stats[] = {"open", "filled", "cancelled", "expired", "done", "replaced"};
	const sim_account *a = &st->accts[o->acct];
	char acct[16], odno[16], orgn[16], date[16], tm[8];
	snprintf(acct, sizeof(acct), "%s-%s", a->cano, a->prdt);
	snprintf(odno, sizeof(odno), "%010lld", (long long)o->odno);
	if (o->orgn_odno)
		snprintf(orgn, sizeof(orgn), "%010lld", (long long)o->orgn_odno);
	else
		orgn[0] = 0;
	ymd_format(o->ymd, date, sizeof(date));
	snprintf(tm, sizeof(tm), "%06d", o->hms);
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, "
	    "s:s, s:b, s:b, s:s, s:I, s:s}",
	    "odno", odno, "orgn_odno", orgn, "account", acct, "kind", kinds[o->kind], "code",
	    o->code, "side", o->side == 2 ? "buy" : "sell", "ord_dvsn", o->dvsn, "qty",
	    (json_int_t)o->qty, "price", (json_int_t)o->price, "filled_qty", (json_int_t)o->filled,
	    "filled_amt", (json_int_t)o->fill_amt, "remaining_qty",
	    (json_int_t)(o->status == ST_OPEN ? o->remaining : 0), "cancelled_qty",
	    (json_int_t)o->cancelled, "status", stats[o->status], "date", date, "time", tm,
	    "reply_dropped", o->dropped, "seeded", o->seeded, "venue", venue_of(o), "stop_price",
	    (json_int_t)o->stop, "time_in_force",
	    o->tif == 1   ? "ioc"
	    : o->tif == 2 ? "fok"
	                  : "day");
}
