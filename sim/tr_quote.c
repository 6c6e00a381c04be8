/* tr_quote.c — quotation TRs: inquire-price (FHKST01010100),
 * inquire-daily-price (FHKST01010400), inquire-daily-itemchartprice
 * (FHKST03010100) and chk-holiday (CTCA0903R, real only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krx.h"
#include "sim.h"

void sim_unsupported_virtual(sim_reply *r)
{
	sim_reply_json(r, 200,
	               sim_env("1", "40100000", "모의투자에서는 해당업무가 제공되지 않습니다.", 0));
}

static const char *sign_of(int64_t p, int64_t base, int64_t up, int64_t lo)
{
	if (p >= up)
		return "1";
	if (p <= lo)
		return "4";
	return p > base ? "2" : p < base ? "5" : "3";
}

static double pct(int64_t a, int64_t b)
{
	return b ? (double)(a - b) * 100.0 / (double)b : 0.0;
}

/* Common input of the quote TRs: market division + code. NULL after an
 * error reply. */
static sim_stock *quote_input(sim_state *st, sim_call *c, sim_reply *r, sim_quote *q)
{
	const char *mkt = sim_arg(c, "FID_COND_MRKT_DIV_CODE");
	const char *code = sim_arg(c, "FID_INPUT_ISCD");
	if (!mkt || (strcmp(mkt, "J") != 0 && strcmp(mkt, "NX") != 0 && strcmp(mkt, "UN") != 0)) {
		sim_reply_json(
		    r, 500,
		    sim_env("1", "OPSQ2001", "ERROR : INPUT INVALID_CHECK_MRKT_DIV_CODE", 0));
		return NULL;
	}
	if (!code || !*code) {
		sim_reply_json(
		    r, 500,
		    sim_env("1", "OPSQ1002", "ERROR : INPUT FIELD NOT FOUND [FID_INPUT_ISCD]", 0));
		return NULL;
	}
	sim_stock *s = sim_stock_find(st, code);
	if (!s) {
		if (st->cfg.env == SIM_REAL)
			sim_reply_json(r, 200,
			               sim_env("1", "APBK0656", "해당종목정보가 없습니다.", 0));
		else
			sim_reply_json(r, 200,
			               sim_env("1", "40070000",
			                       "모의투자 주문처리가 안되었습니다(매매불가 종목)",
			                       0));
		return NULL;
	}
	if (sim_quote_get(s, c->now_ms, q) != 0) {
		sim_reply_json(r, 200, sim_env("1", "KIOK0560", "조회할 내용이 없습니다", 0));
		return NULL;
	}
	return s;
}

/* Highest and lowest price (with their dates) from from_ymd up to the
 * quote's day, today's live range included. */
typedef struct extremes {
	int64_t hi, lo;
	int hi_ymd, lo_ymd;
} extremes;

static extremes range_since(const sim_stock *s, const sim_quote *q, int from_ymd)
{
	extremes x = {q->hgpr, q->lwpr, q->ymd, q->ymd};
	int idx = sim_bar_index(s, q->ymd);
	for (int i = idx - 1; i >= 0 && s->bars[i].ymd >= from_ymd; i--) {
		if (s->bars[i].h > x.hi) {
			x.hi = s->bars[i].h;
			x.hi_ymd = s->bars[i].ymd;
		}
		if (s->bars[i].l < x.lo) {
			x.lo = s->bars[i].l;
			x.lo_ymd = s->bars[i].ymd;
		}
	}
	return x;
}

/* KIS's highs/lows block: <pfx>hgpr/<pfx>lwpr, their dates and the current
 * price's distance to them in percent, under KIS's own field names. */
static void set_extremes(json_t *o, const extremes *x, int64_t prpr, const char *hi,
                         const char *hi_date, const char *hi_rate, const char *lo,
                         const char *lo_date, const char *lo_rate)
{
	sj_set_i(o, hi, x->hi);
	sj_set_i(o, hi_date, x->hi_ymd);
	sj_set_f(o, hi_rate, pct(prpr, x->hi), 2);
	sj_set_i(o, lo, x->lo);
	sj_set_i(o, lo_date, x->lo_ymd);
	sj_set_f(o, lo_rate, pct(prpr, x->lo), 2);
}

/* Classic floor-trader pivots from the previous day's high, low and close:
 * pvt_pont_val, first/second resistance (dmrs) and support (dmsp). */
static void set_pivots(json_t *o, const sim_stock *s, const sim_quote *q)
{
	int idx = sim_bar_index(s, q->ymd);
	if (idx <= 0) {
		idx = s->nbars > 0 ? s->nbars : 1;
	}
	const sim_bar *b = &s->bars[idx - 1];
	int64_t p = (b->h + b->l + b->c) / 3;
	sj_set_i(o, "pvt_scnd_dmrs_prc", p + (b->h - b->l));
	sj_set_i(o, "pvt_frst_dmrs_prc", 2 * p - b->l);
	sj_set_i(o, "pvt_pont_val", p);
	sj_set_i(o, "pvt_frst_dmsp_prc", 2 * p - b->h);
	sj_set_i(o, "pvt_scnd_dmsp_prc", p - (b->h - b->l));
}

void sim_h_price(sim_state *st, sim_call *c, sim_reply *r)
{
	sim_quote q;
	sim_stock *s = quote_input(st, c, r, &q);
	if (!s)
		return;
	json_t *o = json_object();
	int kosdaq = strcmp(s->market, "KOSDAQ") == 0;
	int idx = sim_bar_index(s, q.ymd);
	extremes w52 = range_since(s, &q, ymd_add_days(q.ymd, -364));
	extremes d250 = range_since(s, &q, idx >= 249 ? s->bars[idx - 249].ymd : 0);
	extremes dryy = range_since(s, &q, q.ymd / 10000 * 10000 + 101);
	int64_t lstn = 100000000 + (int64_t)(s->idx + 1) * 37000000;
	sj_set_s(o, "iscd_stat_cls_code", "55");
	sj_set_s(o, "marg_rate", "20.00");
	sj_set_s(o, "rprs_mrkt_kor_name", kosdaq ? "KOSDAQ" : "KOSPI200");
	sj_set_s(o, "bstp_kor_isnm", s->sector);
	sj_set_s(o, "temp_stop_yn", "N");
	sj_set_s(o, "oprc_rang_cont_yn", "N");
	sj_set_s(o, "clpr_rang_cont_yn", "N");
	sj_set_s(o, "crdt_able_yn", "Y");
	sj_set_s(o, "grmn_rate_cls_code", "40");
	sj_set_s(o, "elw_pblc_yn", "N");
	sj_set_i(o, "stck_prpr", q.prpr);
	sj_set_i(o, "prdy_vrss", q.prpr - q.prdy_clpr);
	sj_set_s(o, "prdy_vrss_sign", sign_of(q.prpr, q.prdy_clpr, q.mxpr, q.llam));
	sj_set_f(o, "prdy_ctrt", pct(q.prpr, q.prdy_clpr), 2);
	sj_set_i(o, "acml_tr_pbmn", q.vol * q.prpr);
	sj_set_i(o, "acml_vol", q.vol);
	sj_set_f(o, "prdy_vrss_vol_rate",
	         q.prdy_vol ? (double)q.vol * 100.0 / (double)q.prdy_vol : 0, 2);
	sj_set_i(o, "stck_oprc", q.oprc);
	sj_set_i(o, "stck_hgpr", q.hgpr);
	sj_set_i(o, "stck_lwpr", q.lwpr);
	sj_set_i(o, "stck_mxpr", q.mxpr);
	sj_set_i(o, "stck_llam", q.llam);
	sj_set_i(o, "stck_sdpr", q.prdy_clpr);
	sj_set_i(o, "wghn_avrg_stck_prc", (q.hgpr + q.lwpr + q.prpr) / 3);
	sj_set_s(o, "hts_frgn_ehrt", "25.00");
	sj_set_s(o, "frgn_ntby_qty", "0");
	sj_set_s(o, "pgtr_ntby_qty", "0");
	sj_set_s(o, "dmrs_val", "0");
	sj_set_s(o, "dmsp_val", "0");
	sj_set_s(o, "cpfn", "0");
	sj_set_i(o, "rstc_wdth_prc", q.mxpr - q.prdy_clpr);
	sj_set_s(o, "stck_fcam", "100");
	sj_set_i(o, "stck_sspr", q.prdy_clpr * 7 / 10);
	sj_set_i(o, "aspr_unit", krx_tick(q.prpr));
	sj_set_s(o, "hts_deal_qty_unit_val", "1");
	sj_set_i(o, "lstn_stcn", lstn);
	sj_set_i(o, "hts_avls", lstn / 100000000 * q.prpr);
	sj_set_s(o, "per", "12.50");
	sj_set_s(o, "pbr", "1.20");
	sj_set_s(o, "stac_month", "12");
	sj_set_f(o, "vol_tnrt", (double)q.vol * 100.0 / (double)lstn, 2);
	sj_set_i(o, "eps", q.prdy_clpr / 12);
	sj_set_i(o, "bps", q.prdy_clpr * 10 / 12);
	set_pivots(o, s, &q);
	set_extremes(o, &d250, q.prpr, "d250_hgpr", "d250_hgpr_date", "d250_hgpr_vrss_prpr_rate",
	             "d250_lwpr", "d250_lwpr_date", "d250_lwpr_vrss_prpr_rate");
	set_extremes(o, &dryy, q.prpr, "stck_dryy_hgpr", "dryy_hgpr_date",
	             "dryy_hgpr_vrss_prpr_rate", "stck_dryy_lwpr", "dryy_lwpr_date",
	             "dryy_lwpr_vrss_prpr_rate");
	set_extremes(o, &w52, q.prpr, "w52_hgpr", "w52_hgpr_date", "w52_hgpr_vrss_prpr_ctrt",
	             "w52_lwpr", "w52_lwpr_date", "w52_lwpr_vrss_prpr_ctrt");
	sj_set_s(o, "whol_loan_rmnd_rate", "0.10");
	sj_set_s(o, "ssts_yn", "Y");
	sj_set_s(o, "stck_shrn_iscd", s->code);
	sj_set_s(o, "fcam_cnnm", "100");
	sj_set_s(o, "cpfn_cnnm", "0");
	sj_set_s(o, "frgn_hldn_qty", "0");
	sj_set_s(o, "vi_cls_code", "N");
	sj_set_s(o, "ovtm_vi_cls_code", "N");
	sj_set_s(o, "last_ssts_cntg_qty", "0");
	sj_set_s(o, "invt_caful_yn", "N");
	sj_set_s(o, "mrkt_warn_cls_code", "00");
	sj_set_s(o, "short_over_yn", "N");
	sj_set_s(o, "sltr_yn", "N");
	sj_set_s(o, "mang_issu_cls_code", "N");
	json_t *env = sim_env("0", "MCA00000", "정상처리 되었습니다.", 0);
	json_object_set_new(env, "output", o);
	sim_reply_json(r, 200, env);
}

/* How KIS answers inquire-price for some codes it does not know: rt_cd 0,
 * MCA00000 and an output whose every number is "0" (fault zero_quote). */
void sim_zero_quote(sim_reply *r)
{
	static const char *const zero[] = {
	    "stck_prpr", "prdy_vrss", "prdy_ctrt", "acml_tr_pbmn", "acml_vol",  "stck_oprc",
	    "stck_hgpr", "stck_lwpr", "stck_mxpr", "stck_llam",    "stck_sdpr", "aspr_unit",
	    "lstn_stcn", "hts_avls",  "per",       "pbr",          "eps",       "bps",
	    "w52_hgpr",  "w52_lwpr",  "d250_hgpr", "d250_lwpr",    "stck_fcam", "vol_tnrt",
	};
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
		sj_set_s(o, zero[i], "0");
	sj_set_s(o, "prdy_vrss_sign", "3");
	sj_set_s(o, "iscd_stat_cls_code", "00");
	sj_set_s(o, "stck_shrn_iscd", "");
	json_t *env = sim_env("0", "MCA00000", "정상처리 되었습니다.", 0);
	json_object_set_new(env, "output", o);
	sim_reply_json(r, 200, env);
}

/* Bars of period D/W/M/Y, newest first, within [from, to] and up to the
 * quote's day; each with the previous period's close for prdy_vrss.
 * Returns the number written. */
typedef struct pbar {
	sim_bar b;
	int64_t prev_c;
} pbar;

static int64_t period_key(int ymd, char period)
{
	switch (period) {
	case 'W':
		return (ymd_to_days(ymd) + 3) / 7; /* weeks start on Monday */
	case 'M':
		return ymd / 100;
	case 'Y':
		return ymd / 10000;
	default:
		return ymd;
	}
}

static int collect(sim_stock *s, const sim_quote *q, int from, int to, char period, int max,
                   pbar *out)
{
	int end = sim_bar_index(s, q->ymd);
	int n = 0;
	int i = end;
	while (i >= 0 && n <= max) {
		sim_bar b;
		sim_bar_get(s, i, q, &b);
		if (b.ymd > to) {
			i--;
			continue;
		}
		int64_t key = period_key(b.ymd, period);
		sim_bar agg = b; /* newest day of the period */
		int j = i - 1;
		while (j >= 0 && period_key(s->bars[j].ymd, period) == key) {
			sim_bar d;
			sim_bar_get(s, j, q, &d);
			agg.o = d.o;
			if (d.h > agg.h)
				agg.h = d.h;
			if (d.l < agg.l)
				agg.l = d.l;
			agg.vol += d.vol;
			j--;
		}
		if (b.ymd < from)
			break;
		out[n].b = agg;
		out[n].prev_c = j >= 0 ? s->bars[j].c : agg.o;
		n++;
		if (n == max)
			break;
		i = j;
	}
	return n;
}

void sim_h_daily_price(sim_state *st, sim_call *c, sim_reply *r)
{
	sim_quote q;
	sim_stock *s = quote_input(st, c, r, &q);
	if (!s)
		return;
	const char *per = sim_arg(c, "FID_PERIOD_DIV_CODE");
	char p = per && *per ? per[0] : 'D';
	if (p != 'D' && p != 'W' && p != 'M') {
		sim_reply_json(r, 500,
		               sim_env("1", "OPSQ2002",
		                       "ERROR : INPUT INVALID_CHECK_FIELD [FID_PERIOD_DIV_CODE]",
		                       0));
		return;
	}
	pbar rows[30];
	int n = collect(s, &q, 0, 99999999, p, 30, rows);
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		const sim_bar *b = &rows[i].b;
		json_t *o = json_object();
		char d[16];
		snprintf(d, sizeof(d), "%d", b->ymd);
		int64_t up = krx_upper_limit(rows[i].prev_c), lo = krx_lower_limit(rows[i].prev_c);
		sj_set_s(o, "stck_bsop_date", d);
		sj_set_i(o, "stck_oprc", b->o);
		sj_set_i(o, "stck_hgpr", b->h);
		sj_set_i(o, "stck_lwpr", b->l);
		sj_set_i(o, "stck_clpr", b->c);
		sj_set_i(o, "acml_vol", b->vol);
		sj_set_s(o, "prdy_vrss_vol_rate", "0.00");
		sj_set_i(o, "prdy_vrss", b->c - rows[i].prev_c);
		sj_set_s(o, "prdy_vrss_sign",
		         p == 'D' ? sign_of(b->c, rows[i].prev_c, up, lo)
		                  : (b->c > rows[i].prev_c   ? "2"
		                     : b->c < rows[i].prev_c ? "5"
		                                             : "3"));
		sj_set_f(o, "prdy_ctrt", pct(b->c, rows[i].prev_c), 2);
		sj_set_s(o, "hts_frgn_ehrt", "25.00");
		sj_set_s(o, "frgn_ntby_qty", "0");
		sj_set_s(o, "flng_cls_code", "00");
		sj_set_s(o, "acml_prtt_rate", "1.00");
		json_array_append_new(arr, o);
	}
	json_t *env = sim_env("0", "MCA00000", "정상처리 되었습니다.", 0);
	json_object_set_new(env, "output", arr);
	sim_reply_json(r, 200, env);
}

void sim_h_chart(sim_state *st, sim_call *c, sim_reply *r)
{
	sim_quote q;
	sim_stock *s = quote_input(st, c, r, &q);
	if (!s)
		return;
	const char *d1 = sim_arg(c, "FID_INPUT_DATE_1");
	const char *d2 = sim_arg(c, "FID_INPUT_DATE_2");
	const char *per = sim_arg(c, "FID_PERIOD_DIV_CODE");
	int from = d1 ? ymd_parse(d1) : -1, to = d2 ? ymd_parse(d2) : -1;
	char p = per && *per ? per[0] : 0;
	if (from < 0 || to < 0 || (p != 'D' && p != 'W' && p != 'M' && p != 'Y')) {
		sim_reply_json(
		    r, 500,
		    sim_env(
		        "1", "OPSQ2002",
		        "ERROR : INPUT INVALID_CHECK_FIELD [FID_INPUT_DATE/FID_PERIOD_DIV_CODE]",
		        0));
		return;
	}
	json_t *o1 = json_object();
	int idx = sim_bar_index(s, q.ymd);
	const sim_bar *pb = &s->bars[idx - 1];
	sj_set_i(o1, "prdy_vrss", q.prpr - q.prdy_clpr);
	sj_set_s(o1, "prdy_vrss_sign", sign_of(q.prpr, q.prdy_clpr, q.mxpr, q.llam));
	sj_set_f(o1, "prdy_ctrt", pct(q.prpr, q.prdy_clpr), 2);
	sj_set_i(o1, "stck_prdy_clpr", q.prdy_clpr);
	sj_set_i(o1, "acml_vol", q.vol);
	sj_set_i(o1, "acml_tr_pbmn", q.vol * q.prpr);
	sj_set_s(o1, "hts_kor_isnm", s->name);
	sj_set_i(o1, "stck_prpr", q.prpr);
	sj_set_s(o1, "stck_shrn_iscd", s->code);
	sj_set_i(o1, "prdy_vol", q.prdy_vol);
	sj_set_i(o1, "stck_mxpr", q.mxpr);
	sj_set_i(o1, "stck_llam", q.llam);
	sj_set_i(o1, "stck_oprc", q.oprc);
	sj_set_i(o1, "stck_hgpr", q.hgpr);
	sj_set_i(o1, "stck_lwpr", q.lwpr);
	sj_set_i(o1, "stck_prdy_oprc", pb->o);
	sj_set_i(o1, "stck_prdy_hgpr", pb->h);
	sj_set_i(o1, "stck_prdy_lwpr", pb->l);
	sj_set_i(o1, "askp", q.prpr + krx_tick(q.prpr));
	sj_set_i(o1, "bidp", q.prpr);
	sj_set_i(o1, "prdy_vrss_vol", q.vol - q.prdy_vol);
	sj_set_s(o1, "vol_tnrt", "0.10");
	sj_set_s(o1, "stck_fcam", "100");
	sj_set_s(o1, "per", "12.50");
	sj_set_i(o1, "eps", q.prdy_clpr / 12);
	sj_set_s(o1, "pbr", "1.20");
	pbar *rows = malloc(sizeof(pbar) * 100);
	int n = rows ? collect(s, &q, from, to, p, 100, rows) : 0;
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		const sim_bar *b = &rows[i].b;
		json_t *o = json_object();
		char d[16];
		snprintf(d, sizeof(d), "%d", b->ymd);
		sj_set_s(o, "stck_bsop_date", d);
		sj_set_i(o, "stck_clpr", b->c);
		sj_set_i(o, "stck_oprc", b->o);
		sj_set_i(o, "stck_hgpr", b->h);
		sj_set_i(o, "stck_lwpr", b->l);
		sj_set_i(o, "acml_vol", b->vol);
		sj_set_i(o, "acml_tr_pbmn", b->vol * ((b->h + b->l) / 2));
		sj_set_s(o, "flng_cls_code", "00");
		sj_set_s(o, "prtt_rate", "0.00");
		sj_set_s(o, "mod_yn", "N");
		int64_t pc = rows[i].prev_c;
		sj_set_s(o, "prdy_vrss_sign", b->c > pc ? "2" : b->c < pc ? "5" : "3");
		sj_set_i(o, "prdy_vrss", b->c - pc);
		sj_set_s(o, "revl_issu_reas", "");
		json_array_append_new(arr, o);
	}
	free(rows);
	json_t *env = json_object();
	json_object_set_new(env, "output1", o1);
	json_object_set_new(env, "output2", arr);
	sj_set_s(env, "rt_cd", "0");
	sj_set_s(env, "msg_cd", "MCA00000");
	sj_set_s(env, "msg1", "정상처리 되었습니다.");
	sim_reply_json(r, 200, env);
}

void sim_h_holiday(sim_state *st, sim_call *c, sim_reply *r)
{
	if (st->cfg.env != SIM_REAL) {
		sim_unsupported_virtual(r);
		return;
	}
	const char *b = sim_arg(c, "BASS_DT");
	int d = b ? ymd_parse(b) : -1;
	if (d < 0 || strlen(b) != 8) {
		sim_reply_json(
		    r, 500, sim_env("1", "OPSQ1002", "ERROR : INPUT FIELD NOT FOUND [BASS_DT]", 0));
		return;
	}
	const char *nk = sim_arg(c, "CTX_AREA_NK");
	const char *tc = c->tr_cont;
	/* Continuation: CTX_AREA_NK carries the next date to list. */
	if (tc && strcmp(tc, "N") == 0 && nk) {
		int nd = ymd_parse(nk);
		if (nd > 0)
			d = nd;
	}
	json_t *arr = json_array();
	int day = d;
	for (int i = 0; i < 23; i++, day = ymd_add_days(day, 1)) {
		json_t *o = json_object();
		char ds[16], wd[16];
		snprintf(ds, sizeof(ds), "%d", day);
		snprintf(wd, sizeof(wd), "%02d", ymd_weekday(day) + 1);
		int wk = ymd_weekday(day) != 0 && ymd_weekday(day) != 6;
		int open = krx_is_trading_day(day);
		/* Dec 31 closes the market but banks and settlement work. */
		int bz = wk && (open || (day % 10000) == 1231);
		sj_set_s(o, "bass_dt", ds);
		sj_set_s(o, "wday_dvsn_cd", wd);
		sj_set_s(o, "bzdy_yn", bz ? "Y" : "N");
		sj_set_s(o, "tr_day_yn", bz ? "Y" : "N");
		sj_set_s(o, "opnd_yn", open ? "Y" : "N");
		sj_set_s(o, "sttl_day_yn", bz ? "Y" : "N");
		json_array_append_new(arr, o);
	}
	char fk[21], nkb[21], nd[16];
	sim_pad(fk, b, 20);
	snprintf(nd, sizeof(nd), "%d", day);
	sim_pad(nkb, nd, 20);
	json_t *env = json_object();
	sj_set_s(env, "ctx_area_nk", nkb);
	sj_set_s(env, "ctx_area_fk", fk);
	json_object_set_new(env, "output", arr);
	sj_set_s(env, "rt_cd", "0");
	sj_set_s(env, "msg_cd", "KIOK0510");
	sj_set_s(env, "msg1", "조회가 완료되었습니다");
	sim_reply_json(r, 200, env);
	/* One page of 23 days per call; ctx_area_nk names the next day should a
	 * client ask for more with tr_cont N. */
	snprintf(r->tr_cont, sizeof(r->tr_cont), "%s", "D");
	r->has_tr_cont = 1;
}

/* Deterministic pseudo-random size for synthetic order-book levels. */
static int64_t level_qty(const sim_stock *s, int ymd, int minute, int level)
{
	uint64_t x = s->seed * 0x9E3779B97F4A7C15ull ^ (uint64_t)ymd * 1000003u ^
	             (uint64_t)minute * 7919u ^ (uint64_t)level * 104729u ^ (uint64_t)s->idx;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (int64_t)(100 + x % 20000);
}

void sim_h_asking_price(sim_state *st, sim_call *c, sim_reply *r)
{
	sim_quote q;
	sim_stock *s = quote_input(st, c, r, &q);
	if (!s)
		return;
	json_t *o1 = json_object(), *o2 = json_object();
	char hour[16], key[32];
	snprintf(hour, sizeof(hour), "%06d", kst_hhmmss(c->now_ms));
	sj_set_s(o1, "aspp_acpt_hour", hour);
	int64_t ask = q.prpr, bid = q.prpr, ask_tot = 0, bid_tot = 0;
	for (int k = 1; k <= 10; k++) {
		/* Best bid at the last price, best ask one tick above; each level a
		 * tick further out, empty beyond the daily limits. */
		ask = k == 1 ? q.prpr + krx_tick(q.prpr) : ask + krx_tick(ask);
		if (k > 1)
			bid = bid - krx_tick(bid - 1);
		int64_t a = ask <= q.mxpr ? ask : 0, b = bid >= q.llam ? bid : 0;
		int64_t aq = a ? level_qty(s, q.ymd, q.minute, k) : 0;
		int64_t bq = b ? level_qty(s, q.ymd, q.minute, 100 + k) : 0;
		ask_tot += aq;
		bid_tot += bq;
		snprintf(key, sizeof(key), "askp%d", k);
		sj_set_i(o1, key, a);
		snprintf(key, sizeof(key), "bidp%d", k);
		sj_set_i(o1, key, b);
		snprintf(key, sizeof(key), "askp_rsqn%d", k);
		sj_set_i(o1, key, aq);
		snprintf(key, sizeof(key), "bidp_rsqn%d", k);
		sj_set_i(o1, key, bq);
	}
	sj_set_i(o1, "total_askp_rsqn", ask_tot);
	sj_set_i(o1, "total_bidp_rsqn", bid_tot);
	sj_set_s(o1, "ovtm_total_askp_rsqn", "0");
	sj_set_s(o1, "ovtm_total_bidp_rsqn", "0");
	sj_set_s(o1, "new_mkop_cls_code", q.in_session ? "20" : "00");
	sj_set_i(o2, "antc_cnpr", q.in_session ? 0 : q.prpr);
	sj_set_s(o2, "antc_cntg_vrss_sign", "3");
	sj_set_s(o2, "antc_cntg_vrss", "0");
	sj_set_s(o2, "antc_cntg_prdy_ctrt", "0.00");
	sj_set_s(o2, "antc_vol", "0");
	sj_set_s(o2, "stck_shrn_iscd", s->code);
	sj_set_s(o2, "vi_cls_code", "N");
	sj_set_i(o2, "stck_prpr", q.prpr);
	sj_set_i(o2, "stck_oprc", q.oprc);
	sj_set_i(o2, "stck_hgpr", q.hgpr);
	sj_set_i(o2, "stck_lwpr", q.lwpr);
	sj_set_i(o2, "stck_sdpr", q.prdy_clpr);
	json_t *env = sim_env("0", "MCA00000", "정상처리 되었습니다.", 0);
	json_object_set_new(env, "output1", o1);
	json_object_set_new(env, "output2", o2);
	sim_reply_json(r, 200, env);
}

/* Minute bars of the day shown, newest first, at most 30, ending at
 * FID_INPUT_HOUR_1 but never after the sim clock (no peeking ahead). */
void sim_h_time_chart(sim_state *st, sim_call *c, sim_reply *r)
{
	sim_quote q;
	sim_stock *s = quote_input(st, c, r, &q);
	if (!s)
		return;
	const char *h1 = sim_arg(c, "FID_INPUT_HOUR_1");
	int64_t hh = 0;
	if (!h1 || sim_parse_i64(h1, &hh) != 0 || hh < 0 || hh > 235959) {
		sim_reply_json(r, 500,
		               sim_env("1", "OPSQ2002",
		                       "ERROR : INPUT INVALID_CHECK_FIELD [FID_INPUT_HOUR_1]", 0));
		return;
	}
	int last = q.minute;
	int m_req = sim_minute_of(q.ymd, (int)hh);
	if (m_req < last)
		last = m_req; /* -1 before the open: no bars */
	json_t *o1 = json_object();
	sj_set_i(o1, "prdy_vrss", q.prpr - q.prdy_clpr);
	sj_set_s(o1, "prdy_vrss_sign", sign_of(q.prpr, q.prdy_clpr, q.mxpr, q.llam));
	sj_set_f(o1, "prdy_ctrt", pct(q.prpr, q.prdy_clpr), 2);
	sj_set_i(o1, "stck_prdy_clpr", q.prdy_clpr);
	sj_set_i(o1, "acml_vol", q.vol);
	sj_set_i(o1, "acml_tr_pbmn", q.vol * q.prpr);
	sj_set_s(o1, "hts_kor_isnm", s->name);
	sj_set_i(o1, "stck_prpr", q.prpr);
	json_t *arr = json_array();
	int open = krx_open_hhmmss(q.ymd);
	int open_min = open / 10000 * 60 + open / 100 % 100;
	int len = sim_session_len(q.ymd);
	int idx = sim_bar_index(s, q.ymd);
	int64_t per_min = idx >= 0 ? s->bars[idx].vol / len : 0;
	char d[16], t[16];
	snprintf(d, sizeof(d), "%d", q.ymd);
	int64_t acml = per_min * (last + 1);
	for (int m = last; m >= 0 && m > last - 30; m--) {
		int64_t p = sim_price_at(s, q.ymd, m);
		int64_t o = m > 0 ? sim_price_at(s, q.ymd, m - 1) : p;
		json_t *b = json_object();
		int tm = open_min + m;
		snprintf(t, sizeof(t), "%02d%02d00", tm / 60, tm % 60);
		sj_set_s(b, "stck_bsop_date", d);
		sj_set_s(b, "stck_cntg_hour", t);
		sj_set_i(b, "stck_prpr", p);
		sj_set_i(b, "stck_oprc", o);
		sj_set_i(b, "stck_hgpr", p > o ? p : o);
		sj_set_i(b, "stck_lwpr", p < o ? p : o);
		sj_set_i(b, "cntg_vol", per_min);
		sj_set_i(b, "acml_tr_pbmn", acml * p);
		acml -= per_min;
		json_array_append_new(arr, b);
	}
	json_t *env = json_object();
	json_object_set_new(env, "output1", o1);
	json_object_set_new(env, "output2", arr);
	sj_set_s(env, "rt_cd", "0");
	sj_set_s(env, "msg_cd", "MCA00000");
	sj_set_s(env, "msg1", "정상처리 되었습니다.");
	sim_reply_json(r, 200, env);
}
