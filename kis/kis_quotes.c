/* kis_quotes.c — the quotation TRs: inquire-price, the daily chart (its
 * own end-date paging) and chk-holiday (a tr_cont list). A reply that
 * lacks a required field or carries a malformed number is KIS_E_BAD_REPLY
 * naming the field. */
#include "kis_internal.h"

#include "kclock.h"
#include "krx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Daily-chart date paging: 100 bars a call, ~25 years of history. */
#define KIS_MAX_BAR_PAGES 70

/* ---- inquire-price ---- */

/* KIS answers some unknown codes with rt_cd 0 and every price "0" (or
 * blank): no current price and no daily limits is no such stock. */
static int zero_quote(const json_t *o)
{
	kis_rd z = {o, NULL};
	return kis_rd_i64_opt(&z, "stck_prpr") == 0 && kis_rd_i64_opt(&z, "stck_mxpr") == 0 &&
	       kis_rd_i64_opt(&z, "stck_llam") == 0 && z.bad == NULL;
}

int kis_price_get(kis_client *c, const char *code, kis_quote *out, kis_error *err)
{
	kis_error local;
	err = kis_err_init(err, &local);
	memset(out, 0, sizeof *out);
	if (!kis_code_valid(code))
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid stock code");
	kis_qs q = {0};
	kis_qs_add(&q, "FID_COND_MRKT_DIV_CODE", "J");
	kis_qs_add(&q, "FID_INPUT_ISCD", code);
	if (q.oom) {
		kis_qs_free(&q);
		return kis_fail(c, err, KIS_E_INTERNAL, "out of memory");
	}
	kis_call call = {.tr = KIS_TR_PRICE, .query = q.s};
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
	if (zero_quote(o)) {
		json_decref(j);
		err->status = KIS_E_UNKNOWN_CODE;
		snprintf(err->msg1, sizeof err->msg1, "KIS sent an all-zero quote for %s", code);
		kis_stats_add(c, &c->stats.errors[KIS_E_UNKNOWN_CODE], 1);
		return KIS_E_UNKNOWN_CODE;
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
	out->w52_high = kis_rd_i64_opt(&r, "w52_hgpr");
	out->w52_low = kis_rd_i64_opt(&r, "w52_lwpr");
	char hd[16], ld[16];
	kis_rd_str_opt(&r, "w52_hgpr_date", hd, sizeof hd);
	kis_rd_str_opt(&r, "w52_lwpr_date", ld, sizeof ld);
	json_decref(j);
	if (r.bad)
		return kis_bad_reply(c, err, r.bad);
	out->w52_high_date = hd[0] ? kis_ymd(hd) : 0;
	out->w52_low_date = ld[0] ? kis_ymd(ld) : 0;
	if (out->w52_high_date < 0)
		return kis_bad_reply(c, err, "w52_hgpr_date");
	if (out->w52_low_date < 0)
		return kis_bad_reply(c, err, "w52_lwpr_date");
	if (out->price <= 0)
		return kis_bad_reply(c, err, "stck_prpr");
	out->prev_close = out->price - out->change;
	if (out->tick <= 0)
		out->tick = krx_tick(out->price);
	return KIS_OK;
}

/* ---- daily bars (date paging, newest first) ---- */

void kis_bars_free(kis_bars *b)
{
	if (!b)
		return;
	free(b->bars);
	b->bars = NULL;
	b->n = 0;
}

/* One page of bars into bv (newest first, no duplicates, inside the range).
 * *rows is the page's row count, *oldest its oldest date, *added how many
 * were kept. */
static int bars_page(kis_client *c, const json_t *j, int from_ymd, int to_ymd, kis_vec *bv,
                     size_t *rows, int *oldest, size_t *added, kis_error *err)
{
	const json_t *arr = json_object_get(j, kis_tr_get(KIS_TR_DAILY_CHART)->rows_member);
	if (arr && !json_is_array(arr) && !json_is_null(arr))
		return kis_bad_reply(c, err, "output2");
	*rows = json_array_size(arr);
	for (size_t i = 0; i < *rows; i++) {
		const json_t *o = json_array_get(arr, i);
		if (!json_is_object(o))
			return kis_bad_reply(c, err, "output2[]");
		const char *ds = json_string_value(json_object_get(o, "stck_bsop_date"));
		char dt[16];
		/* KIS answers a range without trades with one empty row */
		if (!ds || !kis_trim_copy(ds, dt, sizeof dt)[0])
			continue;
		kis_bar b = {0};
		b.date = kis_ymd(dt);
		if (b.date < 0)
			return kis_bad_reply(c, err, "stck_bsop_date");
		kis_rd r = {o, NULL};
		b.close = kis_rd_i64(&r, "stck_clpr");
		b.open = kis_rd_i64(&r, "stck_oprc");
		b.high = kis_rd_i64(&r, "stck_hgpr");
		b.low = kis_rd_i64(&r, "stck_lwpr");
		b.volume = kis_rd_i64(&r, "acml_vol");
		if (r.bad)
			return kis_bad_reply(c, err, r.bad);
		if (*oldest == 0 || b.date < *oldest)
			*oldest = b.date;
		if (b.date < from_ymd || b.date > to_ymd)
			continue;
		const kis_bar *v = bv->v;
		if (bv->n > 0 && b.date >= v[bv->n - 1].date)
			continue;
		if (kis_vec_push(bv, &b) != 0)
			return kis_fail(c, err, KIS_E_INTERNAL, "out of memory");
		(*added)++;
	}
	return KIS_OK;
}

int kis_daily_bars_get(kis_client *c, const char *code, int from_ymd, int to_ymd, kis_bars *out,
                       kis_error *err)
{
	kis_error local;
	err = kis_err_init(err, &local);
	memset(out, 0, sizeof *out);
	if (!kis_code_valid(code))
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid stock code");
	if (!ymd_valid(from_ymd) || !ymd_valid(to_ymd) || from_ymd > to_ymd)
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid date range");
	const size_t page_rows =
	    (size_t)kis_tr_get(KIS_TR_DAILY_CHART)->page_rows[c->cfg.real != 0];

	kis_vec bv = {NULL, 0, 0, sizeof(kis_bar)};
	int end = to_ymd;
	int rc = KIS_OK;
	for (int page = 0;; page++) {
		if (page >= KIS_MAX_BAR_PAGES) {
			rc = kis_bad_reply(c, err, "output2 (date paging does not end)");
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
			rc = kis_fail(c, err, KIS_E_INTERNAL, "out of memory");
			break;
		}
		kis_call call = {.tr = KIS_TR_DAILY_CHART, .query = q.s};
		json_t *j = NULL;
		rc = kis_call_do(c, &call, &j, NULL, err);
		kis_qs_free(&q);
		if (rc != KIS_OK)
			break;
		size_t rows = 0, added = 0;
		int oldest = 0;
		rc = bars_page(c, j, from_ymd, to_ymd, &bv, &rows, &oldest, &added, err);
		json_decref(j);
		if (rc != KIS_OK)
			break;
		/* a short page, reached the start, or no progress: done */
		if (rows < page_rows || oldest == 0 || oldest <= from_ymd || added == 0)
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

/* ---- chk-holiday (real only) ---- */

void kis_days_free(kis_days *d)
{
	if (!d)
		return;
	free(d->days);
	d->days = NULL;
	d->n = 0;
}

static int day_row(const json_t *o, void *out, const kis_vec *so_far, const char **bad)
{
	kis_day *d = out;
	kis_rd r = {o, NULL};
	char dt[16], op[8];
	kis_rd_str(&r, "bass_dt", dt, sizeof dt);
	kis_rd_str(&r, "opnd_yn", op, sizeof op);
	if (r.bad)
		return kis_row_bad(bad, r.bad);
	d->ymd = kis_ymd(dt);
	if (d->ymd < 0)
		return kis_row_bad(bad, "bass_dt");
	if (strcmp(op, "Y") != 0 && strcmp(op, "N") != 0)
		return kis_row_bad(bad, "opnd_yn");
	d->open = strcmp(op, "Y") == 0;
	const kis_day *prev = so_far->v;
	if (so_far->n > 0 && d->ymd <= prev[so_far->n - 1].ymd)
		return KIS_ROW_SKIP; /* pages overlap at their edges */
	return KIS_ROW_OK;
}

int kis_holidays_get(kis_client *c, int from_ymd, kis_days *out, kis_error *err)
{
	kis_error local;
	err = kis_err_init(err, &local);
	memset(out, 0, sizeof *out);
	if (!ymd_valid(from_ymd))
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid date");
	kis_qs q = {0};
	kis_qs_addi(&q, "BASS_DT", from_ymd);
	kis_list_req lr = {KIS_TR_HOLIDAY, &q, day_row, NULL, NULL};
	kis_vec v = {NULL, 0, 0, sizeof(kis_day)};
	int pages = 0;
	int rc = kis_list_get(c, &lr, &v, &pages, err);
	kis_qs_free(&q);
	out->days = v.v;
	out->n = v.n;
	return rc;
}
