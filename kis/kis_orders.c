/* kis_orders.c — the order TRs: order-cash (every ORD_DVSN, venue, stop
 * price) and order-rvsecncl (amend, partial or full cancel). An order is
 * never re-sent except after EGW00201/EGW00215 (KIS did not take it, see
 * kis_call_do); on any other failure err->sent says whether KIS may have
 * it. */
#include "kis_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int order_send(kis_client *c, kis_tr trk, json_t *body, kis_order_ack *out, kis_error *err)
{
	char *txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!txt)
		return kis_fail(c, err, KIS_E_INTERNAL, "out of memory");
	kis_call call = {.tr = trk, .body = txt};
	json_t *j = NULL;
	int rc = kis_call_do(c, &call, &j, NULL, err);
	free(txt);
	if (rc != KIS_OK)
		return rc;
	err->sent = 1;
	const json_t *o = kis_obj_or_first(kis_json_get(j, "output"));
	if (!o) {
		json_decref(j);
		return kis_bad_reply(c, err, "output");
	}
	kis_rd r = {o, NULL};
	char tmd[16];
	kis_rd_str(&r, "ODNO", out->odno, sizeof out->odno);
	kis_rd_str(&r, "KRX_FWDG_ORD_ORGNO", out->orgno, sizeof out->orgno);
	kis_rd_str(&r, "ORD_TMD", tmd, sizeof tmd);
	json_decref(j);
	if (r.bad)
		return kis_bad_reply(c, err, r.bad);
	if (!out->odno[0])
		return kis_bad_reply(c, err, "ODNO");
	kis_odno_fix(out->odno, sizeof out->odno); /* "51378" → "0000051378" */
	out->ord_time = kis_hhmmss(tmd);
	if (out->ord_time < 0)
		return kis_bad_reply(c, err, "ORD_TMD");
	return KIS_OK;
}

int kis_order_cash(kis_client *c, const kis_order_req *req, kis_order_ack *out, kis_error *err)
{
	kis_error local;
	err = kis_err_init(err, &local);
	memset(out, 0, sizeof *out);
	if (!req || !kis_code_valid(req->code))
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid stock code");
	if (req->side != KIS_SIDE_BUY && req->side != KIS_SIDE_SELL)
		return kis_fail(c, err, KIS_E_INTERNAL, "order side must be buy or sell");
	if (req->qty <= 0 || req->price < 0)
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid quantity or price");
	if (req->stop_price < 0 || (req->ord_dvsn[0] && strlen(req->ord_dvsn) != 2))
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid order type or stop price");
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
	err = kis_err_init(err, &local);
	memset(out, 0, sizeof *out);
	if (!req || !req->odno[0] || strlen(req->odno) > 15)
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid order number");
	if (req->qty < 0 || req->price < 0 || req->stop_price < 0 ||
	    (req->ord_dvsn[0] && strlen(req->ord_dvsn) != 2))
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid quantity, price or order type");
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
		err = kis_err_init(err, &local);
		memset(out, 0, sizeof *out);
		return kis_fail(c, err, KIS_E_INTERNAL, "invalid order branch");
	}
	snprintf(r.orgno, sizeof r.orgno, "%s", orgno ? orgno : "");
	snprintf(r.odno, sizeof r.odno, "%.15s", odno ? odno : "");
	if (odno && strlen(odno) > 15)
		r.odno[0] = 0;
	return kis_order_revise(c, &r, out, err);
}
