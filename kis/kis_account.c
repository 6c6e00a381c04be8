/* kis_account.c — the account TRs: inquire-balance, inquire-psbl-order,
 * inquire-daily-ccld and inquire-psbl-rvsecncl. The list TRs are a row
 * parser each, walked by kis_list_get (kis_list.c) as kis_trs.def says. */
#include "kis_internal.h"

#include "kclock.h"
#include "krx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CANO and ACNT_PRDT_CD, first in every account query. */
static void qs_account(kis_qs *q, const kis_client *c)
{
	kis_qs_add(q, "CANO", c->cano);
	kis_qs_add(q, "ACNT_PRDT_CD", c->acnt_prdt_cd);
}

/* ---- inquire-balance ---- */

void kis_balance_free(kis_balance *b)
{
	if (!b)
		return;
	free(b->holdings);
	b->holdings = NULL;
	b->n = 0;
}

/* KIS's trad_dvsn_name → the stable local value. */
static const struct {
	const char *kis;
	kis_trade_type tt;
	int suffix; /* 0: the whole name; 1: the name ends with it */
} trade_types[] = {
    {"", KIS_TT_CASH, 0},
    {"현금", KIS_TT_CASH, 0},
    {"자기융자", KIS_TT_MARGIN_LOAN, 0},
    {"유통융자", KIS_TT_SECURITIES_FINANCE_LOAN, 0},
    {"자기대주", KIS_TT_STOCK_LOAN, 0},
    {"유통대주", KIS_TT_SECURITIES_FINANCE_STOCK_LOAN, 0},
    {"담보대출", KIS_TT_SECURED_LOAN, 1},
};

const char *kis_trade_type_name(kis_trade_type t)
{
	static const char *const names[KIS_TT__MAX] = {
	    "cash",
	    "margin_loan",
	    "securities_finance_loan",
	    "stock_loan",
	    "securities_finance_stock_loan",
	    "secured_loan",
	    "other",
	};
	return (unsigned)t < KIS_TT__MAX ? names[t] : "other";
}

static kis_trade_type trade_type_of(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof trade_types / sizeof trade_types[0]; i++) {
		const char *k = trade_types[i].kis;
		size_t kn = strlen(k);
		if (trade_types[i].suffix ? n >= kn && strcmp(name + n - kn, k) == 0
		                          : strcmp(name, k) == 0)
			return trade_types[i].tt;
	}
	return KIS_TT_OTHER;
}

/* loan_dt: blank or all zeros when there is no loan. */
static int loan_date_of(const char *s, int *out)
{
	*out = 0;
	if (!s[0] || strspn(s, "0") == strlen(s))
		return 0;
	*out = kis_ymd(s);
	return *out < 0 ? -1 : 0;
}

static int holding_row(const json_t *o, void *out, const kis_vec *so_far, const char **bad)
{
	kis_holding *h = out;
	kis_rd r = {o, NULL};
	char loan[16];
	kis_rd_str(&r, "pdno", h->code, sizeof h->code);
	kis_rd_str_opt(&r, "prdt_name", h->name, sizeof h->name);
	kis_rd_str_opt(&r, "trad_dvsn_name", h->trade_type_name, sizeof h->trade_type_name);
	kis_rd_str_opt(&r, "loan_dt", loan, sizeof loan);
	h->qty = kis_rd_i64(&r, "hldg_qty");
	h->sellable_qty = kis_rd_i64(&r, "ord_psbl_qty");
	h->avg_price = kis_rd_f64(&r, "pchs_avg_pric");
	h->price = kis_rd_i64(&r, "prpr");
	h->purchase_amount = kis_rd_i64(&r, "pchs_amt");
	h->eval_amount = kis_rd_i64(&r, "evlu_amt");
	h->pnl = kis_rd_i64(&r, "evlu_pfls_amt");
	h->pnl_rate = kis_rd_f64_opt(&r, "evlu_pfls_rt");
	if (r.bad)
		return kis_row_bad(bad, r.bad);
	h->trade_type = trade_type_of(h->trade_type_name);
	if (!h->trade_type_name[0])
		snprintf(h->trade_type_name, sizeof h->trade_type_name, "현금");
	if (loan_date_of(loan, &h->loan_date) != 0)
		return kis_row_bad(bad, "loan_dt");
	return h->qty == 0 ? KIS_ROW_SKIP /* sold out today, listed until D+2 */ : KIS_ROW_OK;
}

typedef struct bal_ctx {
	kis_balance *b;
	int have_summary;
} bal_ctx;

/* output2[0], the account summary, beside the rows of every page. */
static int balance_summary(kis_client *c, void *ud, const json_t *page, kis_error *err)
{
	bal_ctx *x = ud;
	const json_t *s = kis_obj_or_first(json_object_get(page, "output2"));
	if (s) {
		kis_rd r = {s, NULL};
		kis_balance *b = x->b;
		b->deposit = kis_rd_i64(&r, "dnca_tot_amt");
		b->purchase_amount = kis_rd_i64(&r, "pchs_amt_smtl_amt");
		b->eval_amount = kis_rd_i64(&r, "evlu_amt_smtl_amt");
		b->pnl = kis_rd_i64(&r, "evlu_pfls_smtl_amt");
		b->total_eval = kis_rd_i64(&r, "tot_evlu_amt");
		b->net_asset = kis_rd_i64(&r, "nass_amt");
		if (r.bad)
			return kis_bad_reply(c, err, r.bad);
		x->have_summary = 1;
	} else {
		/* KIOK0560 "nothing to show": an empty account, zero totals */
		const char *cd = json_string_value(json_object_get(page, "msg_cd"));
		if (cd && strncmp(cd, "KIOK0560", 8) == 0)
			x->have_summary = 1;
	}
	return KIS_OK;
}

int kis_balance_get(kis_client *c, kis_balance *out, kis_error *err)
{
	kis_error local;
	err = kis_err_init(err, &local);
	memset(out, 0, sizeof *out);
	kis_qs q = {0};
	qs_account(&q, c);
	kis_qs_add(&q, "AFHR_FLPR_YN", "N");
	kis_qs_add(&q, "OFL_YN", "");
	kis_qs_add(&q, "INQR_DVSN", "02");
	kis_qs_add(&q, "UNPR_DVSN", "01");
	kis_qs_add(&q, "FUND_STTL_ICLD_YN", "N");
	kis_qs_add(&q, "FNCG_AMT_AUTO_RDPT_YN", "N");
	kis_qs_add(&q, "PRCS_DVSN", "00");
	bal_ctx x = {out, 0};
	kis_list_req lr = {KIS_TR_BALANCE, &q, holding_row, balance_summary, &x};
	kis_vec v = {NULL, 0, 0, sizeof(kis_holding)};
	int rc = kis_list_get(c, &lr, &v, &out->pages, err);
	kis_qs_free(&q);
	out->holdings = v.v;
	out->n = v.n;
	if (rc == KIS_OK && !x.have_summary)
		rc = kis_bad_reply(c, err, "output2");
	if (rc != KIS_OK) {
		int pages = out->pages;
		kis_balance_free(out);
		memset(out, 0, sizeof *out);
		out->pages = pages;
	}
	return rc;
}

/* ---- inquire-psbl-order ---- */

int kis_buying_power_get(kis_client *c, const char *code, int64_t price, kis_buying_power *out,
                         kis_error *err)
{
	kis_error local;
	err = kis_err_init(err, &local);
	memset(out, 0, sizeof *out);
	if (code && !kis_code_valid(code))
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid stock code");
	if (price < 0)
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid price");
	kis_qs q = {0};
	qs_account(&q, c);
	kis_qs_add(&q, "PDNO", code ? code : "");
	if (code && price > 0)
		kis_qs_addi(&q, "ORD_UNPR", price);
	else
		kis_qs_add(&q, "ORD_UNPR", "");
	/* KIS: 00 ignores the margin rate; 01 gives the true cash-only quantity
	 * for market orders */
	kis_qs_add(&q, "ORD_DVSN", code && price > 0 ? "00" : "01");
	kis_qs_add(&q, "CMA_EVLU_AMT_ICLD_YN", "N");
	kis_qs_add(&q, "OVRS_ICLD_YN", "N");
	if (q.oom) {
		kis_qs_free(&q);
		return kis_fail(c, err, KIS_E_INTERNAL, "out of memory");
	}
	kis_call call = {.tr = KIS_TR_PSBL_ORDER, .query = q.s};
	json_t *j = NULL;
	int rc = kis_call_do(c, &call, &j, NULL, err);
	kis_qs_free(&q);
	if (rc != KIS_OK)
		return rc;
	const json_t *o = kis_obj_or_first(json_object_get(j, "output"));
	if (!o) {
		json_decref(j);
		return kis_bad_reply(c, err, "output");
	}
	kis_rd r = {o, NULL};
	out->orderable_cash = kis_rd_i64(&r, "ord_psbl_cash");
	out->max_buy_qty = kis_rd_i64(&r, "nrcvb_buy_qty");
	out->max_buy_amount = kis_rd_i64(&r, "nrcvb_buy_amt");
	out->calc_price = kis_rd_i64_opt(&r, "psbl_qty_calc_unpr");
	json_decref(j);
	if (r.bad)
		return kis_bad_reply(c, err, r.bad);
	return KIS_OK;
}

/* ---- inquire-daily-ccld ---- */

void kis_ccld_list_free(kis_ccld_list *l)
{
	if (!l)
		return;
	free(l->rows);
	l->rows = NULL;
	l->n = 0;
}

static int ccld_row(const json_t *o, void *out, const kis_vec *so_far, const char **bad)
{
	kis_ccld_row *w = out;
	kis_rd r = {o, NULL};
	char dt[16], tm[16], sd[8], dv[8], cn[8];
	kis_rd_str(&r, "odno", w->odno, sizeof w->odno);
	if (r.bad == NULL && !w->odno[0])
		return KIS_ROW_SKIP; /* KIS pads an empty answer with one blank row */
	kis_rd_str(&r, "ord_dt", dt, sizeof dt);
	kis_rd_str(&r, "ord_tmd", tm, sizeof tm);
	kis_rd_str_opt(&r, "orgn_odno", w->orgn_odno, sizeof w->orgn_odno);
	kis_rd_str_opt(&r, "ord_gno_brno", w->orgno, sizeof w->orgno);
	kis_rd_str(&r, "pdno", w->code, sizeof w->code);
	kis_rd_str_opt(&r, "prdt_name", w->name, sizeof w->name);
	kis_rd_str(&r, "sll_buy_dvsn_cd", sd, sizeof sd);
	kis_rd_str_opt(&r, "ord_dvsn_cd", dv, sizeof dv);
	kis_rd_str_opt(&r, "cncl_yn", cn, sizeof cn);
	w->ord_qty = kis_rd_i64(&r, "ord_qty");
	w->ord_price = kis_rd_i64(&r, "ord_unpr");
	w->filled_qty = kis_rd_i64(&r, "tot_ccld_qty");
	w->filled_amount = kis_rd_i64(&r, "tot_ccld_amt");
	/* documented cnc_cfrm_qty, sent as cncl_cfrm_qty: accept both */
	w->canceled_qty = kis_json_get(o, "cncl_cfrm_qty") ? kis_rd_i64(&r, "cncl_cfrm_qty")
	                                                   : kis_rd_i64_opt(&r, "cnc_cfrm_qty");
	w->remaining_qty = kis_rd_i64(&r, "rmn_qty");
	w->rejected_qty = kis_rd_i64_opt(&r, "rjct_qty");
	w->avg_fill_price = kis_rd_f64_opt(&r, "avg_prvs");
	if (r.bad)
		return kis_row_bad(bad, r.bad);
	kis_odno_fix(w->odno, sizeof w->odno);
	if (w->orgn_odno[0])
		kis_odno_fix(w->orgn_odno, sizeof w->orgn_odno);
	w->ord_date = kis_ymd(dt);
	if (w->ord_date < 0)
		return kis_row_bad(bad, "ord_dt");
	w->ord_time = kis_hhmmss(tm);
	if (w->ord_time < 0)
		return kis_row_bad(bad, "ord_tmd");
	w->side = kis_side_of(sd);
	if (w->side == KIS_SIDE_ANY)
		return kis_row_bad(bad, "sll_buy_dvsn_cd");
	w->market = strcmp(dv, "01") == 0;
	snprintf(w->ord_dvsn, sizeof w->ord_dvsn, "%.2s", dv);
	kis_rd_str_opt(&r, "excg_id_dvsn_Cd", w->venue, sizeof w->venue);
	w->cancel_row = strcmp(cn, "Y") == 0;
	return KIS_ROW_OK;
}

/* KIS splits order history at three months, month-granular: on 2024-04-25
 * the recent TR covers 2024-01-01 onwards. */
static int ccld_recent_start(int today)
{
	int y = today / 10000, m = today / 100 % 100 - 3;
	if (m <= 0) {
		m += 12;
		y--;
	}
	return y * 10000 + m * 100 + 1;
}

int kis_daily_ccld_get(kis_client *c, const kis_ccld_query *qr, kis_ccld_list *out, kis_error *err)
{
	kis_error local;
	err = kis_err_init(err, &local);
	memset(out, 0, sizeof *out);
	if (!qr || !ymd_valid(qr->from_ymd) || !ymd_valid(qr->to_ymd) || qr->from_ymd > qr->to_ymd)
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid date range");
	if (qr->code && qr->code[0] && !kis_code_valid(qr->code))
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid stock code");
	if (qr->ccld < 0 || qr->ccld > 2)
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid ccld filter");
	if (qr->odno && strlen(qr->odno) > 15)
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid order number");
	int today = kst_date(kis_now_ms(c));
	kis_tr trk = qr->from_ymd < ccld_recent_start(today) ? KIS_TR_CCLD_OLD : KIS_TR_CCLD_RECENT;
	static const char *const ccld_dvsn[] = {"00", "01", "02"};
	kis_qs q = {0};
	qs_account(&q, c);
	kis_qs_addi(&q, "INQR_STRT_DT", qr->from_ymd);
	kis_qs_addi(&q, "INQR_END_DT", qr->to_ymd);
	kis_qs_add(&q, "SLL_BUY_DVSN_CD",
	           qr->side == KIS_SIDE_SELL  ? "01"
	           : qr->side == KIS_SIDE_BUY ? "02"
	                                      : "00");
	kis_qs_add(&q, "INQR_DVSN", "00");
	kis_qs_add(&q, "PDNO", qr->code ? qr->code : "");
	kis_qs_add(&q, "CCLD_DVSN", ccld_dvsn[qr->ccld]);
	kis_qs_add(&q, "ORD_GNO_BRNO", "");
	char odno[16] = "";
	if (qr->odno && qr->odno[0])
		krx_odno_norm(qr->odno, odno, sizeof odno);
	kis_qs_add(&q, "ODNO", odno);
	kis_qs_add(&q, "INQR_DVSN_3", "00");
	kis_qs_add(&q, "INQR_DVSN_1", "");
	kis_qs_add(&q, "EXCG_ID_DVSN_CD", "KRX");
	kis_list_req lr = {trk, &q, ccld_row, NULL, NULL};
	kis_vec v = {NULL, 0, 0, sizeof(kis_ccld_row)};
	int rc = kis_list_get(c, &lr, &v, &out->pages, err);
	kis_qs_free(&q);
	out->rows = v.v;
	out->n = v.n;
	return rc;
}

/* ---- inquire-psbl-rvsecncl (real only) ---- */

void kis_open_orders_free(kis_open_orders *o)
{
	if (!o)
		return;
	free(o->rows);
	o->rows = NULL;
	o->n = 0;
}

static int open_row(const json_t *o, void *out, const kis_vec *so_far, const char **bad)
{
	kis_open_order *w = out;
	kis_rd r = {o, NULL};
	char tm[16], sd[8], dv[8];
	kis_rd_str(&r, "odno", w->odno, sizeof w->odno);
	if (r.bad == NULL && !w->odno[0])
		return KIS_ROW_SKIP; /* blank filler row */
	kis_rd_str_opt(&r, "orgn_odno", w->orgn_odno, sizeof w->orgn_odno);
	kis_rd_str_opt(&r, "ord_gno_brno", w->orgno, sizeof w->orgno);
	kis_rd_str(&r, "pdno", w->code, sizeof w->code);
	kis_rd_str_opt(&r, "prdt_name", w->name, sizeof w->name);
	kis_rd_str(&r, "sll_buy_dvsn_cd", sd, sizeof sd);
	kis_rd_str_opt(&r, "ord_dvsn_cd", dv, sizeof dv);
	kis_rd_str(&r, "ord_tmd", tm, sizeof tm);
	w->ord_qty = kis_rd_i64(&r, "ord_qty");
	w->ord_price = kis_rd_i64(&r, "ord_unpr");
	w->filled_qty = kis_rd_i64(&r, "tot_ccld_qty");
	w->cancelable_qty = kis_rd_i64(&r, "psbl_qty");
	if (r.bad)
		return kis_row_bad(bad, r.bad);
	kis_odno_fix(w->odno, sizeof w->odno);
	if (w->orgn_odno[0])
		kis_odno_fix(w->orgn_odno, sizeof w->orgn_odno);
	w->ord_time = kis_hhmmss(tm);
	if (w->ord_time < 0)
		return kis_row_bad(bad, "ord_tmd");
	w->side = kis_side_of(sd);
	if (w->side == KIS_SIDE_ANY)
		return kis_row_bad(bad, "sll_buy_dvsn_cd");
	w->market = strcmp(dv, "01") == 0;
	snprintf(w->ord_dvsn, sizeof w->ord_dvsn, "%.2s", dv);
	return KIS_ROW_OK;
}

int kis_open_orders_get(kis_client *c, kis_open_orders *out, kis_error *err)
{
	kis_error local;
	err = kis_err_init(err, &local);
	memset(out, 0, sizeof *out);
	kis_qs q = {0};
	qs_account(&q, c);
	kis_qs_add(&q, "INQR_DVSN_1", "0"); /* order sequence */
	kis_qs_add(&q, "INQR_DVSN_2", "0"); /* both sides */
	kis_list_req lr = {KIS_TR_PSBL_RVSECNCL, &q, open_row, NULL, NULL};
	kis_vec v = {NULL, 0, 0, sizeof(kis_open_order)};
	int rc = kis_list_get(c, &lr, &v, &out->pages, err);
	kis_qs_free(&q);
	out->rows = v.v;
	out->n = v.n;
	return rc;
}
