/* kis_calls.c — one function per KIS TR: build the request, follow the
 * pages, parse the reply into C structs. A reply that lacks a required
 * field or carries a malformed number is KIS_E_BAD_REPLY naming the field. */
#include "kis_internal.h"

#include "kclock.h"
#include "krx.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P_PRICE   "/uapi/domestic-stock/v1/quotations/inquire-price"
#define P_CHART   "/uapi/domestic-stock/v1/quotations/inquire-daily-itemchartprice"
#define P_HOLIDAY "/uapi/domestic-stock/v1/quotations/chk-holiday"
#define P_BALANCE "/uapi/domestic-stock/v1/trading/inquire-balance"
#define P_PSBL    "/uapi/domestic-stock/v1/trading/inquire-psbl-order"
#define P_CCLD    "/uapi/domestic-stock/v1/trading/inquire-daily-ccld"
#define P_ORDER   "/uapi/domestic-stock/v1/trading/order-cash"
#define P_RVSE    "/uapi/domestic-stock/v1/trading/order-rvsecncl"
#define P_OPEN    "/uapi/domestic-stock/v1/trading/inquire-psbl-rvsecncl"

/* A broken upstream that keeps saying "more" must not keep us forever:
 * 500 pages is 25,000 balance rows or 50,000 orders on a real account. */
#define KIS_MAX_PAGES 500
/* Daily-chart date paging: 100 bars a call, ~25 years of history. */
#define KIS_MAX_BAR_PAGES 70

static kis_error *err_or_scratch(kis_error *err, kis_error *local)
{
	if (!err)
		err = local;
	memset(err, 0, sizeof *err);
	return err;
}

static int bad_reply(kis_client *c, kis_error *err, const char *what)
{
	err->status = KIS_E_BAD_REPLY;
	snprintf(err->msg1, sizeof err->msg1, "KIS reply: bad or missing field %s", what);
	kis_stats_add(c, &c->stats.errors[KIS_E_BAD_REPLY], 1);
	return KIS_E_BAD_REPLY;
}

static int fail(kis_client *c, kis_error *err, kis_status st, const char *msg)
{
	err->status = st;
	err->sent = 0;
	snprintf(err->msg1, sizeof err->msg1, "%s", msg);
	kis_stats_add(c, &c->stats.errors[st], 1);
	return st;
}

static int valid_code(const char *code)
{
	if (!code)
		return 0;
	size_t n = strlen(code);
	if (n < 6 || n > 7)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)code[i]))
			return 0;
	return 1;
}

static int ymd_from_str(const char *s)
{
	int64_t v;
	if (kis_parse_i64(s, &v) != 0 || v < 19000101 || v > 99991231 || !ymd_valid((int)v))
		return -1;
	return (int)v;
}

static int hhmmss_from_str(const char *s)
{
	int64_t v;
	if (kis_parse_i64(s, &v) != 0 || v < 0 || v > 235959)
		return -1;
	return (int)v;
}

/* output object: an object, or the first element of a one-row array. */
static const json_t *obj_or_first(const json_t *v)
{
	if (json_is_array(v))
		v = json_array_get(v, 0);
	return json_is_object(v) ? v : NULL;
}

/* ---- inquire-price ---- */

int kis_price_get(kis_client *c, const char *code, kis_quote *out, kis_error *err)
{
	kis_error local;
	err = err_or_scratch(err, &local);
	memset(out, 0, sizeof *out);
	if (!valid_code(code))
		return fail(c, err, KIS_E_INTERNAL, "invalid stock code");
	char tr[16];
	kis_tr_id(KIS_TR_PRICE, c->cfg.real, c->cfg.old_tr_ids, tr, sizeof tr);
	kis_qs q = {0};
	kis_qs_add(&q, "FID_COND_MRKT_DIV_CODE", "J");
	kis_qs_add(&q, "FID_INPUT_ISCD", code);
	if (q.oom) {
		kis_qs_free(&q);
		return fail(c, err, KIS_E_INTERNAL, "out of memory");
	}
	kis_call call = {KIS_READ, "GET", P_PRICE, q.s, NULL, tr, NULL};
	json_t *j = NULL;
	int rc = kis_call_do(c, &call, &j, NULL, err);
	kis_qs_free(&q);
	if (rc != KIS_OK)
		return rc;
	const json_t *o = obj_or_first(json_object_get(j, "output"));
	if (!o) {
		json_decref(j);
		return bad_reply(c, err, "output");
	}
	kis_rd r = {o, NULL};
	snprintf(out->code, sizeof out->code, "%s", code);
	out->price = kis_rd_i64(&r, "stck_prpr");
	out->change = kis_rd_i64(&r, "prdy_vrss");
	out->change_rate = kis_rd_f64(&r, "prdy_ctrt");
	out->open = kis_rd_i64(&r, "stck_oprc");
	out->high = kis_rd_i64(&r, "stck_hgpr");
	out->low = kis_rd_i64(&r, "stck_lwpr");
	out->volume = kis_rd_i64(&r, "acml_vol");
	out->upper_limit = kis_rd_i64(&r, "stck_mxpr");
	out->lower_limit = kis_rd_i64(&r, "stck_llam");
	out->tick = kis_rd_i64_opt(&r, "aspr_unit");
	json_decref(j);
	if (r.bad)
		return bad_reply(c, err, r.bad);
	if (out->price <= 0)
		return bad_reply(c, err, "stck_prpr");
	out->prev_close = out->price - out->change;
	if (out->tick <= 0)
		out->tick = krx_tick(out->price);
	return KIS_OK;
}

/* ---- daily bars (date paging, newest first) ---- */

/* Appends one elem-sized item at (*v)[*n], doubling *cap as needed.
 * 0, or -1 when out of memory (the array is left as it was). */
static int vec_push(void *vp, size_t *n, size_t *cap, size_t elem, const void *item)
{
	void **v = vp;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *nv = realloc(*v, ncap * elem);
		if (!nv)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	memcpy((char *)*v + *n * elem, item, elem);
	(*n)++;
	return 0;
}

typedef struct bar_vec {
	kis_bar *v;
	size_t n, cap;
} bar_vec;

static int bar_push(bar_vec *b, const kis_bar *x)
{
	return vec_push(&b->v, &b->n, &b->cap, sizeof *x, x);
}

void kis_bars_free(kis_bars *b)
{
	if (!b)
		return;
	free(b->bars);
	b->bars = NULL;
	b->n = 0;
}

int kis_daily_bars_get(kis_client *c, const char *code, int from_ymd, int to_ymd, kis_bars *out,
                       kis_error *err)
{
	kis_error local;
	err = err_or_scratch(err, &local);
	memset(out, 0, sizeof *out);
	if (!valid_code(code))
		return fail(c, err, KIS_E_INTERNAL, "invalid stock code");
	if (!ymd_valid(from_ymd) || !ymd_valid(to_ymd) || from_ymd > to_ymd)
		return fail(c, err, KIS_E_INTERNAL, "invalid date range");
	char tr[16];
	kis_tr_id(KIS_TR_DAILY_CHART, c->cfg.real, c->cfg.old_tr_ids, tr, sizeof tr);

	bar_vec bv = {0};
	int end = to_ymd;
	int rc = KIS_OK;
	for (int page = 0;; page++) {
		if (page >= KIS_MAX_BAR_PAGES) {
			rc = bad_reply(c, err, "output2 (date paging does not end)");
			break;
		}
		kis_qs q = {0};
		kis_qs_add(&q, "FID_COND_MRKT_DIV_CODE", "J");
		kis_qs_add(&q, "FID_INPUT_ISCD", code);
		kis_qs_addi(&q, "FID_INPUT_DATE_1", from_ymd);
		kis_qs_addi(&q, "FID_INPUT_DATE_2", end);
		kis_qs_add(&q, "FID_PERIOD_DIV_CODE", "D");
		kis_qs_add(&q, "FID_ORG_ADJ_PRC", "0"); /* 0 = adjusted for this TR */
		if (q.oom) {
			kis_qs_free(&q);
			rc = fail(c, err, KIS_E_INTERNAL, "out of memory");
			break;
		}
		kis_call call = {KIS_READ, "GET", P_CHART, q.s, NULL, tr, NULL};
		json_t *j = NULL;
		rc = kis_call_do(c, &call, &j, NULL, err);
		kis_qs_free(&q);
		if (rc != KIS_OK)
			break;
		const json_t *arr = json_object_get(j, "output2");
		if (arr && !json_is_array(arr) && !json_is_null(arr)) {
			json_decref(j);
			rc = bad_reply(c, err, "output2");
			break;
		}
		size_t rows = json_array_size(arr), added = 0;
		int oldest = 0;
		for (size_t i = 0; i < rows; i++) {
			const json_t *o = json_array_get(arr, i);
			if (!json_is_object(o)) {
				rc = bad_reply(c, err, "output2[]");
				break;
			}
			const char *ds = json_string_value(json_object_get(o, "stck_bsop_date"));
			char dt[16];
			/* KIS answers a range without trades with one empty row */
			if (!ds || !kis_trim_copy(ds, dt, sizeof dt)[0])
				continue;
			kis_bar b = {0};
			b.date = ymd_from_str(dt);
			if (b.date < 0) {
				rc = bad_reply(c, err, "stck_bsop_date");
				break;
			}
			kis_rd r = {o, NULL};
			b.close = kis_rd_i64(&r, "stck_clpr");
			b.open = kis_rd_i64(&r, "stck_oprc");
			b.high = kis_rd_i64(&r, "stck_hgpr");
			b.low = kis_rd_i64(&r, "stck_lwpr");
			b.volume = kis_rd_i64(&r, "acml_vol");
			if (r.bad) {
				rc = bad_reply(c, err, r.bad);
				break;
			}
			if (oldest == 0 || b.date < oldest)
				oldest = b.date;
			/* newest first, no duplicates, inside the asked range */
			if (b.date < from_ymd || b.date > to_ymd)
				continue;
			if (bv.n > 0 && b.date >= bv.v[bv.n - 1].date)
				continue;
			if (bar_push(&bv, &b) != 0) {
				rc = fail(c, err, KIS_E_INTERNAL, "out of memory");
				break;
			}
			added++;
		}
		json_decref(j);
		if (rc != KIS_OK)
			break;
		/* fewer than 100 rows, reached the start, or no progress: done */
		if (rows < 100 || oldest == 0 || oldest <= from_ymd || added == 0)
			break;
		end = ymd_add_days(oldest, -1);
		if (end < from_ymd)
			break;
	}
	if (rc != KIS_OK) {
		free(bv.v);
		return rc;
	}
	out->bars = bv.v;
	out->n = bv.n;
	return KIS_OK;
}

/* ---- tr_cont paging shared by balance, ccld and holidays ---- */

typedef int (*page_fn)(kis_client *c, void *ud, const json_t *page, kis_error *err);

typedef struct pager {
	const char *path, *tr_id;
	const char *base_query;          /* without continuation keys */
	const char *fk_param, *nk_param; /* CTX_AREA_FK100 / CTX_AREA_NK100 */
	const char *fk_field, *nk_field; /* ctx_area_fk100 / ctx_area_nk100 */
} pager;

static int blank_str(const char *s)
{
	if (!s)
		return 1;
	while (*s == ' ')
		s++;
	return *s == '\0';
}

/* Follows tr_cont F/M (more) vs D/E (last). The continuation keys go back
 * exactly as received, padding included, as the official sample does. */
static int pager_run(kis_client *c, const pager *pg, page_fn fn, void *ud, int *pages,
                     kis_error *err)
{
	char *fk = strdup(""), *nk = strdup("");
	int rc = KIS_OK;
	*pages = 0;
	if (!fk || !nk) {
		free(fk);
		free(nk);
		return fail(c, err, KIS_E_INTERNAL, "out of memory");
	}
	for (;;) {
		if (*pages >= KIS_MAX_PAGES) {
			rc = bad_reply(c, err, "tr_cont (paging does not end)");
			break;
		}
		kis_qs q = {0};
		if (pg->base_query && pg->base_query[0]) {
			size_t n = strlen(pg->base_query);
			q.s = malloc(n + 1);
			if (q.s) {
				memcpy(q.s, pg->base_query, n + 1);
				q.len = n;
				q.cap = n + 1;
			} else {
				q.oom = 1;
			}
		}
		kis_qs_add(&q, pg->fk_param, fk);
		kis_qs_add(&q, pg->nk_param, nk);
		if (q.oom) {
			kis_qs_free(&q);
			rc = fail(c, err, KIS_E_INTERNAL, "out of memory");
			break;
		}
		kis_call call = {KIS_READ, "GET",     pg->path,         q.s,
		                 NULL,     pg->tr_id, *pages ? "N" : ""};
		json_t *j = NULL;
		char cont[4];
		rc = kis_call_do(c, &call, &j, cont, err);
		kis_qs_free(&q);
		if (rc != KIS_OK)
			break;
		(*pages)++;
		rc = fn(c, ud, j, err);
		if (rc != KIS_OK) {
			json_decref(j);
			break;
		}
		int more = cont[0] == 'F' || cont[0] == 'M';
		const char *nfk = json_string_value(json_object_get(j, pg->fk_field));
		const char *nnk = json_string_value(json_object_get(j, pg->nk_field));
		if (more && blank_str(nfk) && blank_str(nnk))
			more = 0; /* nothing to continue from */
		if (more && nfk && nnk && strcmp(nfk, fk) == 0 && strcmp(nnk, nk) == 0) {
			json_decref(j);
			rc = bad_reply(c, err, "ctx_area (continuation keys did not move)");
			break;
		}
		if (more) {
			char *a = strdup(nfk ? nfk : ""), *b = strdup(nnk ? nnk : "");
			if (!a || !b) {
				free(a);
				free(b);
				json_decref(j);
				rc = fail(c, err, KIS_E_INTERNAL, "out of memory");
				break;
			}
			free(fk);
			free(nk);
			fk = a;
			nk = b;
		}
		json_decref(j);
		if (!more)
			break;
	}
	free(fk);
	free(nk);
	return rc;
}

/* pager_run for the account TRs, whose continuation keys are
 * CTX_AREA_FK100/NK100; consumes q (freed here, also on failure). */
static int pager_run_account(kis_client *c, const char *path, const char *tr, kis_qs *q, page_fn fn,
                             void *ud, int *pages, kis_error *err)
{
	int rc;
	if (q->oom) {
		rc = fail(c, err, KIS_E_INTERNAL, "out of memory");
	} else {
		pager pg = {path,
		            tr,
		            q->s,
		            "CTX_AREA_FK100",
		            "CTX_AREA_NK100",
		            "ctx_area_fk100",
		            "ctx_area_nk100"};
		rc = pager_run(c, &pg, fn, ud, pages, err);
	}
	kis_qs_free(q);
	return rc;
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

typedef struct bal_ctx {
	kis_balance *b;
	size_t cap;
	int have_summary;
} bal_ctx;

static int balance_page(kis_client *c, void *ud, const json_t *page, kis_error *err)
{
	bal_ctx *x = ud;
	const json_t *rows = json_object_get(page, "output1");
	if (rows && !json_is_array(rows) && !json_is_null(rows))
		return bad_reply(c, err, "output1");
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const json_t *o = json_array_get(rows, i);
		if (!json_is_object(o))
			return bad_reply(c, err, "output1[]");
		kis_rd r = {o, NULL};
		kis_holding h;
		memset(&h, 0, sizeof h);
		kis_rd_str(&r, "pdno", h.code, sizeof h.code);
		kis_rd_str_opt(&r, "prdt_name", h.name, sizeof h.name);
		h.qty = kis_rd_i64(&r, "hldg_qty");
		h.sellable_qty = kis_rd_i64(&r, "ord_psbl_qty");
		h.avg_price = kis_rd_f64(&r, "pchs_avg_pric");
		h.price = kis_rd_i64(&r, "prpr");
		h.purchase_amount = kis_rd_i64(&r, "pchs_amt");
		h.eval_amount = kis_rd_i64(&r, "evlu_amt");
		h.pnl = kis_rd_i64(&r, "evlu_pfls_amt");
		h.pnl_rate = kis_rd_f64_opt(&r, "evlu_pfls_rt");
		if (r.bad)
			return bad_reply(c, err, r.bad);
		if (h.qty == 0)
			continue; /* sold out today, listed until D+2 */
		if (vec_push(&x->b->holdings, &x->b->n, &x->cap, sizeof h, &h))
			return fail(c, err, KIS_E_INTERNAL, "out of memory");
	}
	const json_t *s = obj_or_first(json_object_get(page, "output2"));
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
			return bad_reply(c, err, r.bad);
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
	err = err_or_scratch(err, &local);
	memset(out, 0, sizeof *out);
	char tr[16];
	kis_tr_id(KIS_TR_BALANCE, c->cfg.real, c->cfg.old_tr_ids, tr, sizeof tr);
	kis_qs q = {0};
	kis_qs_add(&q, "CANO", c->cano);
	kis_qs_add(&q, "ACNT_PRDT_CD", c->acnt_prdt_cd);
	kis_qs_add(&q, "AFHR_FLPR_YN", "N");
	kis_qs_add(&q, "OFL_YN", "");
	kis_qs_add(&q, "INQR_DVSN", "02");
	kis_qs_add(&q, "UNPR_DVSN", "01");
	kis_qs_add(&q, "FUND_STTL_ICLD_YN", "N");
	kis_qs_add(&q, "FNCG_AMT_AUTO_RDPT_YN", "N");
	kis_qs_add(&q, "PRCS_DVSN", "00");
	bal_ctx x = {out, 0, 0};
	int rc = pager_run_account(c, P_BALANCE, tr, &q, balance_page, &x, &out->pages, err);
	if (rc == KIS_OK && !x.have_summary)
		rc = bad_reply(c, err, "output2");
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
	err = err_or_scratch(err, &local);
	memset(out, 0, sizeof *out);
	if (code && !valid_code(code))
		return fail(c, err, KIS_E_INTERNAL, "invalid stock code");
	if (price < 0)
		return fail(c, err, KIS_E_INTERNAL, "invalid price");
	char tr[16];
	kis_tr_id(KIS_TR_PSBL_ORDER, c->cfg.real, c->cfg.old_tr_ids, tr, sizeof tr);
	kis_qs q = {0};
	kis_qs_add(&q, "CANO", c->cano);
	kis_qs_add(&q, "ACNT_PRDT_CD", c->acnt_prdt_cd);
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
		return fail(c, err, KIS_E_INTERNAL, "out of memory");
	}
	kis_call call = {KIS_READ, "GET", P_PSBL, q.s, NULL, tr, NULL};
	json_t *j = NULL;
	int rc = kis_call_do(c, &call, &j, NULL, err);
	kis_qs_free(&q);
	if (rc != KIS_OK)
		return rc;
	const json_t *o = obj_or_first(json_object_get(j, "output"));
	if (!o) {
		json_decref(j);
		return bad_reply(c, err, "output");
	}
	kis_rd r = {o, NULL};
	out->orderable_cash = kis_rd_i64(&r, "ord_psbl_cash");
	out->max_buy_qty = kis_rd_i64(&r, "nrcvb_buy_qty");
	out->max_buy_amount = kis_rd_i64(&r, "nrcvb_buy_amt");
	out->calc_price = kis_rd_i64_opt(&r, "psbl_qty_calc_unpr");
	json_decref(j);
	if (r.bad)
		return bad_reply(c, err, r.bad);
	return KIS_OK;
}

/* ---- orders ---- */

static int order_send(kis_client *c, kis_tr trk, json_t *body, kis_order_ack *out, kis_error *err)
{
	char tr[16];
	kis_tr_id(trk, c->cfg.real, c->cfg.old_tr_ids, tr, sizeof tr);
	char *txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!txt)
		return fail(c, err, KIS_E_INTERNAL, "out of memory");
	kis_call call = {KIS_ORDER, "POST", trk == KIS_TR_ORDER_RVSECNCL ? P_RVSE : P_ORDER,
	                 NULL,      txt,    tr,
	                 NULL};
	json_t *j = NULL;
	int rc = kis_call_do(c, &call, &j, NULL, err);
	free(txt);
	if (rc != KIS_OK)
		return rc;
	err->sent = 1;
	const json_t *o = obj_or_first(kis_json_get(j, "output"));
	if (!o) {
		json_decref(j);
		return bad_reply(c, err, "output");
	}
	kis_rd r = {o, NULL};
	char tmd[16];
	kis_rd_str(&r, "ODNO", out->odno, sizeof out->odno);
	kis_rd_str(&r, "KRX_FWDG_ORD_ORGNO", out->orgno, sizeof out->orgno);
	kis_rd_str(&r, "ORD_TMD", tmd, sizeof tmd);
	json_decref(j);
	if (r.bad)
		return bad_reply(c, err, r.bad);
	if (!out->odno[0])
		return bad_reply(c, err, "ODNO");
	out->ord_time = hhmmss_from_str(tmd);
	if (out->ord_time < 0)
		return bad_reply(c, err, "ORD_TMD");
	return KIS_OK;
}

int kis_order_cash(kis_client *c, const kis_order_req *req, kis_order_ack *out, kis_error *err)
{
	kis_error local;
	err = err_or_scratch(err, &local);
	memset(out, 0, sizeof *out);
	if (!req || !valid_code(req->code))
		return fail(c, err, KIS_E_INTERNAL, "invalid stock code");
	if (req->side != KIS_SIDE_BUY && req->side != KIS_SIDE_SELL)
		return fail(c, err, KIS_E_INTERNAL, "order side must be buy or sell");
	if (req->qty <= 0 || req->price < 0)
		return fail(c, err, KIS_E_INTERNAL, "invalid quantity or price");
	if (req->stop_price < 0 || (req->ord_dvsn[0] && strlen(req->ord_dvsn) != 2))
		return fail(c, err, KIS_E_INTERNAL, "invalid order type or stop price");
	char qty[24], price[24];
	snprintf(qty, sizeof qty, "%lld", (long long)req->qty);
	snprintf(price, sizeof price, "%lld", (long long)req->price);
	const char *dvsn = req->ord_dvsn[0] ? req->ord_dvsn : req->price == 0 ? "01" : "00";
	json_t *body =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "CANO", c->cano, "ACNT_PRDT_CD",
	              c->acnt_prdt_cd, "PDNO", req->code, "ORD_DVSN", dvsn, "ORD_QTY", qty,
	              "ORD_UNPR", price, "EXCG_ID_DVSN_CD", req->venue[0] ? req->venue : "KRX");
	if (body && req->side == KIS_SIDE_SELL)
		json_object_set_new(body, "SLL_TYPE", json_string("01"));
	if (body && req->stop_price > 0) {
		char stop[24];
		snprintf(stop, sizeof stop, "%lld", (long long)req->stop_price);
		json_object_set_new(body, "CNDT_PRIC", json_string(stop));
	}
	return order_send(c, req->side == KIS_SIDE_BUY ? KIS_TR_ORDER_BUY : KIS_TR_ORDER_SELL, body,
	                  out, err);
}

int kis_order_revise(kis_client *c, const kis_revise_req *req, kis_order_ack *out, kis_error *err)
{
	kis_error local;
	err = err_or_scratch(err, &local);
	memset(out, 0, sizeof *out);
	if (!req || !req->odno[0] || strlen(req->odno) > 15)
		return fail(c, err, KIS_E_INTERNAL, "invalid order number");
	if (req->qty < 0 || req->price < 0 || req->stop_price < 0 ||
	    (req->ord_dvsn[0] && strlen(req->ord_dvsn) != 2))
		return fail(c, err, KIS_E_INTERNAL, "invalid quantity, price or order type");
	char qty[24], price[24];
	snprintf(qty, sizeof qty, "%lld", (long long)req->qty);
	snprintf(price, sizeof price, "%lld", (long long)(req->cancel ? 0 : req->price));
	json_t *body = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "CANO", c->cano, "ACNT_PRDT_CD",
	    c->acnt_prdt_cd, "KRX_FWDG_ORD_ORGNO", req->orgno, "ORGN_ODNO", req->odno, "ORD_DVSN",
	    req->ord_dvsn[0] ? req->ord_dvsn : "00", "RVSE_CNCL_DVSN_CD", req->cancel ? "02" : "01",
	    "ORD_QTY", qty, "ORD_UNPR", price, "QTY_ALL_ORD_YN", req->qty == 0 ? "Y" : "N",
	    "EXCG_ID_DVSN_CD", req->venue[0] ? req->venue : "KRX");
	if (body && !req->cancel && req->stop_price > 0) {
		char stop[24];
		snprintf(stop, sizeof stop, "%lld", (long long)req->stop_price);
		json_object_set_new(body, "CNDT_PRIC", json_string(stop));
	}
	return order_send(c, KIS_TR_ORDER_RVSECNCL, body, out, err);
}

int kis_order_cancel(kis_client *c, const char *orgno, const char *odno, kis_order_ack *out,
                     kis_error *err)
{
	kis_revise_req r = {.cancel = 1};
	if (orgno && strlen(orgno) > 7) {
		kis_error local;
		err = err_or_scratch(err, &local);
		memset(out, 0, sizeof *out);
		return fail(c, err, KIS_E_INTERNAL, "invalid order branch");
	}
	snprintf(r.orgno, sizeof r.orgno, "%s", orgno ? orgno : "");
	snprintf(r.odno, sizeof r.odno, "%.15s", odno ? odno : "");
	if (odno && strlen(odno) > 15)
		r.odno[0] = 0;
	return kis_order_revise(c, &r, out, err);
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

typedef struct ccld_ctx {
	kis_ccld_list *l;
	size_t cap;
} ccld_ctx;

static int ccld_page(kis_client *c, void *ud, const json_t *page, kis_error *err)
{
	ccld_ctx *x = ud;
	const json_t *rows = json_object_get(page, "output1");
	if (rows && !json_is_array(rows) && !json_is_null(rows))
		return bad_reply(c, err, "output1");
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const json_t *o = json_array_get(rows, i);
		if (!json_is_object(o))
			return bad_reply(c, err, "output1[]");
		kis_rd r = {o, NULL};
		kis_ccld_row w;
		memset(&w, 0, sizeof w);
		char dt[16], tm[16], sd[8], dv[8], cn[8];
		kis_rd_str(&r, "odno", w.odno, sizeof w.odno);
		if (r.bad == NULL && !w.odno[0])
			continue; /* KIS pads an empty answer with one blank row */
		kis_rd_str(&r, "ord_dt", dt, sizeof dt);
		kis_rd_str(&r, "ord_tmd", tm, sizeof tm);
		kis_rd_str_opt(&r, "orgn_odno", w.orgn_odno, sizeof w.orgn_odno);
		kis_rd_str_opt(&r, "ord_gno_brno", w.orgno, sizeof w.orgno);
		kis_rd_str(&r, "pdno", w.code, sizeof w.code);
		kis_rd_str_opt(&r, "prdt_name", w.name, sizeof w.name);
		kis_rd_str(&r, "sll_buy_dvsn_cd", sd, sizeof sd);
		kis_rd_str_opt(&r, "ord_dvsn_cd", dv, sizeof dv);
		kis_rd_str_opt(&r, "cncl_yn", cn, sizeof cn);
		w.ord_qty = kis_rd_i64(&r, "ord_qty");
		w.ord_price = kis_rd_i64(&r, "ord_unpr");
		w.filled_qty = kis_rd_i64(&r, "tot_ccld_qty");
		w.filled_amount = kis_rd_i64(&r, "tot_ccld_amt");
		/* documented cnc_cfrm_qty, sent as cncl_cfrm_qty: accept both */
		w.canceled_qty = kis_json_get(o, "cncl_cfrm_qty")
		                     ? kis_rd_i64(&r, "cncl_cfrm_qty")
		                     : kis_rd_i64_opt(&r, "cnc_cfrm_qty");
		w.remaining_qty = kis_rd_i64(&r, "rmn_qty");
		w.rejected_qty = kis_rd_i64_opt(&r, "rjct_qty");
		w.avg_fill_price = kis_rd_f64_opt(&r, "avg_prvs");
		if (r.bad)
			return bad_reply(c, err, r.bad);
		w.ord_date = ymd_from_str(dt);
		if (w.ord_date < 0)
			return bad_reply(c, err, "ord_dt");
		w.ord_time = hhmmss_from_str(tm);
		if (w.ord_time < 0)
			return bad_reply(c, err, "ord_tmd");
		if (strcmp(sd, "01") == 0)
			w.side = KIS_SIDE_SELL;
		else if (strcmp(sd, "02") == 0)
			w.side = KIS_SIDE_BUY;
		else
			return bad_reply(c, err, "sll_buy_dvsn_cd");
		w.market = strcmp(dv, "01") == 0;
		snprintf(w.ord_dvsn, sizeof w.ord_dvsn, "%.2s", dv);
		kis_rd_str_opt(&r, "excg_id_dvsn_Cd", w.venue, sizeof w.venue);
		w.cancel_row = strcmp(cn, "Y") == 0;
		if (vec_push(&x->l->rows, &x->l->n, &x->cap, sizeof w, &w))
			return fail(c, err, KIS_E_INTERNAL, "out of memory");
	}
	return KIS_OK;
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
	err = err_or_scratch(err, &local);
	memset(out, 0, sizeof *out);
	if (!qr || !ymd_valid(qr->from_ymd) || !ymd_valid(qr->to_ymd) || qr->from_ymd > qr->to_ymd)
		return fail(c, err, KIS_E_INTERNAL, "invalid date range");
	if (qr->code && qr->code[0] && !valid_code(qr->code))
		return fail(c, err, KIS_E_INTERNAL, "invalid stock code");
	if (qr->ccld < 0 || qr->ccld > 2)
		return fail(c, err, KIS_E_INTERNAL, "invalid ccld filter");
	if (qr->odno && strlen(qr->odno) > 15)
		return fail(c, err, KIS_E_INTERNAL, "invalid order number");
	int today = kst_date(kis_now_ms(c));
	kis_tr trk = qr->from_ymd < ccld_recent_start(today) ? KIS_TR_CCLD_OLD : KIS_TR_CCLD_RECENT;
	char tr[16];
	kis_tr_id(trk, c->cfg.real, c->cfg.old_tr_ids, tr, sizeof tr);
	static const char *const ccld_dvsn[] = {"00", "01", "02"};
	kis_qs q = {0};
	kis_qs_add(&q, "CANO", c->cano);
	kis_qs_add(&q, "ACNT_PRDT_CD", c->acnt_prdt_cd);
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
	kis_qs_add(&q, "ODNO", qr->odno ? qr->odno : "");
	kis_qs_add(&q, "INQR_DVSN_3", "00");
	kis_qs_add(&q, "INQR_DVSN_1", "");
	kis_qs_add(&q, "EXCG_ID_DVSN_CD", "KRX");
	ccld_ctx x = {out, 0};
	int rc = pager_run_account(c, P_CCLD, tr, &q, ccld_page, &x, &out->pages, err);
	if (rc != KIS_OK) {
		int pages = out->pages;
		kis_ccld_list_free(out);
		out->pages = pages;
	}
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

typedef struct open_ctx {
	kis_open_orders *o;
	size_t cap;
} open_ctx;

static int open_page(kis_client *c, void *ud, const json_t *page, kis_error *err)
{
	open_ctx *x = ud;
	const json_t *rows = json_object_get(page, "output");
	if (rows && !json_is_array(rows) && !json_is_null(rows))
		return bad_reply(c, err, "output");
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const json_t *o = json_array_get(rows, i);
		if (!json_is_object(o))
			return bad_reply(c, err, "output[]");
		kis_rd r = {o, NULL};
		kis_open_order w;
		memset(&w, 0, sizeof w);
		char tm[16], sd[8], dv[8];
		kis_rd_str(&r, "odno", w.odno, sizeof w.odno);
		if (r.bad == NULL && !w.odno[0])
			continue; /* blank filler row */
		kis_rd_str_opt(&r, "orgn_odno", w.orgn_odno, sizeof w.orgn_odno);
		kis_rd_str_opt(&r, "ord_gno_brno", w.orgno, sizeof w.orgno);
		kis_rd_str(&r, "pdno", w.code, sizeof w.code);
		kis_rd_str_opt(&r, "prdt_name", w.name, sizeof w.name);
		kis_rd_str(&r, "sll_buy_dvsn_cd", sd, sizeof sd);
		kis_rd_str_opt(&r, "ord_dvsn_cd", dv, sizeof dv);
		kis_rd_str(&r, "ord_tmd", tm, sizeof tm);
		w.ord_qty = kis_rd_i64(&r, "ord_qty");
		w.ord_price = kis_rd_i64(&r, "ord_unpr");
		w.filled_qty = kis_rd_i64(&r, "tot_ccld_qty");
		w.cancelable_qty = kis_rd_i64(&r, "psbl_qty");
		if (r.bad)
			return bad_reply(c, err, r.bad);
		w.ord_time = hhmmss_from_str(tm);
		if (w.ord_time < 0)
			return bad_reply(c, err, "ord_tmd");
		if (strcmp(sd, "01") == 0)
			w.side = KIS_SIDE_SELL;
		else if (strcmp(sd, "02") == 0)
			w.side = KIS_SIDE_BUY;
		else
			return bad_reply(c, err, "sll_buy_dvsn_cd");
		w.market = strcmp(dv, "01") == 0;
		snprintf(w.ord_dvsn, sizeof w.ord_dvsn, "%.2s", dv);
		if (vec_push(&x->o->rows, &x->o->n, &x->cap, sizeof w, &w))
			return fail(c, err, KIS_E_INTERNAL, "out of memory");
	}
	return KIS_OK;
}

int kis_open_orders_get(kis_client *c, kis_open_orders *out, kis_error *err)
{
	kis_error local;
	err = err_or_scratch(err, &local);
	memset(out, 0, sizeof *out);
	char tr[16];
	if (!kis_tr_id(KIS_TR_PSBL_RVSECNCL, c->cfg.real, c->cfg.old_tr_ids, tr, sizeof tr))
		return fail(c, err, KIS_E_UNSUPPORTED,
		            "inquire-psbl-rvsecncl is not available in virtual");
	kis_qs q = {0};
	kis_qs_add(&q, "CANO", c->cano);
	kis_qs_add(&q, "ACNT_PRDT_CD", c->acnt_prdt_cd);
	kis_qs_add(&q, "INQR_DVSN_1", "0"); /* order sequence */
	kis_qs_add(&q, "INQR_DVSN_2", "0"); /* both sides */
	open_ctx x = {out, 0};
	int rc = pager_run_account(c, P_OPEN, tr, &q, open_page, &x, &out->pages, err);
	if (rc != KIS_OK) {
		int pages = out->pages;
		kis_open_orders_free(out);
		out->pages = pages;
	}
	return rc;
}

/* ---- chk-holiday (real only) ---- */

void kis_days_free(kis_days *d)
{
	if (!d)
		return;
	free(d->days);
	d->days = NULL;
	d->n = 0;
}

typedef struct days_ctx {
	kis_days *d;
	size_t cap;
} days_ctx;

static int days_page(kis_client *c, void *ud, const json_t *page, kis_error *err)
{
	days_ctx *x = ud;
	const json_t *rows = json_object_get(page, "output");
	if (rows && !json_is_array(rows) && !json_is_null(rows))
		return bad_reply(c, err, "output");
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const json_t *o = json_array_get(rows, i);
		if (!json_is_object(o))
			return bad_reply(c, err, "output[]");
		kis_rd r = {o, NULL};
		char dt[16], op[8];
		kis_rd_str(&r, "bass_dt", dt, sizeof dt);
		kis_rd_str(&r, "opnd_yn", op, sizeof op);
		if (r.bad)
			return bad_reply(c, err, r.bad);
		kis_day d = {ymd_from_str(dt), strcmp(op, "Y") == 0};
		if (d.ymd < 0)
			return bad_reply(c, err, "bass_dt");
		if (strcmp(op, "Y") != 0 && strcmp(op, "N") != 0)
			return bad_reply(c, err, "opnd_yn");
		if (x->d->n > 0 && d.ymd <= x->d->days[x->d->n - 1].ymd)
			continue; /* pages overlap at their edges */
		if (vec_push(&x->d->days, &x->d->n, &x->cap, sizeof d, &d))
			return fail(c, err, KIS_E_INTERNAL, "out of memory");
	}
	return KIS_OK;
}

int kis_holidays_get(kis_client *c, int from_ymd, kis_days *out, kis_error *err)
{
	kis_error local;
	err = err_or_scratch(err, &local);
	memset(out, 0, sizeof *out);
	char tr[16];
	if (!kis_tr_id(KIS_TR_HOLIDAY, c->cfg.real, c->cfg.old_tr_ids, tr, sizeof tr))
		return fail(c, err, KIS_E_UNSUPPORTED, "chk-holiday is not available in virtual");
	if (!ymd_valid(from_ymd))
		return fail(c, err, KIS_E_INTERNAL, "invalid date");
	kis_qs q = {0};
	kis_qs_addi(&q, "BASS_DT", from_ymd);
	if (q.oom) {
		kis_qs_free(&q);
		return fail(c, err, KIS_E_INTERNAL, "out of memory");
	}
	pager pg = {P_HOLIDAY, tr, q.s, "CTX_AREA_FK", "CTX_AREA_NK", "ctx_area_fk", "ctx_area_nk"};
	days_ctx x = {out, 0};
	int pages = 0;
	int rc = pager_run(c, &pg, days_page, &x, &pages, err);
	kis_qs_free(&q);
	if (rc != KIS_OK)
		kis_days_free(out);
	return rc;
}
