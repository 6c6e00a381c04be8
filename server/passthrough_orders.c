/* passthrough_orders.c — order-cash and order-rvsecncl from KIS scripts,
 * through the trader's one order path: trader_order_place (journal pending
 * before KIS sees it, the pre-trade guard, sent once, reconciled) and
 * trader_order_amend / trader_order_cancel_qty for the legs. Only the
 * translation between KIS's body and the trader's request lives here, and
 * the KIS-shaped answer (ODNO of the order, or of the new leg). */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "krx.h"
#include "passthrough.h"
#include "passthrough_internal.h"
#include "store.h"
#include "trader.h"

/* KIS's body field for a trader input the trader names. */
static const char *kis_field(const char *f)
{
	static const char *const map[][2] = {
	    {"qty", "ORD_QTY"},   {"price", "ORD_UNPR"},         {"stop_price", "CNDT_PRIC"},
	    {"type", "ORD_DVSN"}, {"time_in_force", "ORD_DVSN"}, {"venue", "EXCG_ID_DVSN_CD"},
	    {"code", "PDNO"},
	};
	for (size_t i = 0; f && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], f))
			return map[i][1];
	return f;
}

static void invalid(gw_resp *resp, const char *tr_id, const char *field, const char *msg)
{
	char m[300];
	snprintf(m, sizeof(m), "%s: %s", field, msg);
	gw_pt_fail(resp, GW_E_INVALID_FIELD, tr_id, m);
}

/* CANO + ACNT_PRDT_CD must be kisgw's account ("12345678-01"). */
static int account_ok(const gw_settings *cfg, const char *cano, const char *prdt, gw_resp *resp,
                      const char *tr_id)
{
	const char *a = cfg->account;
	if (a && strlen(cano) == 8 && !strncmp(cano, a, 8) && !strcmp(prdt, a + 9))
		return 1;
	invalid(resp, tr_id, "CANO",
	        "CANO and ACNT_PRDT_CD are not the account kisgw trades (KIS_ACCOUNT)");
	return 0;
}

/* The accepted order (or leg): KIS's success answer. */
static void accepted(gw_resp *resp, const char *tr_id, const char *orgno, const char *odno,
                     int ord_time)
{
	char tmd[8];
	snprintf(tmd, sizeof(tmd), "%06d", ord_time % 1000000);
	gw_pt_reply(resp, 200,
	            json_pack("{s:s,s:s,s:s,s:{s:s,s:s,s:s}}", "rt_cd", "0", "msg_cd", "APBK0013",
	                      "msg1", "주문 전송 완료 되었습니다.", "output", "KRX_FWDG_ORD_ORGNO",
	                      orgno, "ODNO", odno, "ORD_TMD", tmd),
	            tr_id, NULL);
}

/* The answer never came: KIS's "check the previous transaction" code (the
 * reconciler settles the journal row). */
static void unknown(gw_resp *resp, const char *tr_id, const trader_outcome *out)
{
	if (out->kis.msg_cd[0])
		gw_pt_fail_kis(resp, 500, out->kis.msg_cd, tr_id,
		               "%s (kisgw order %lld: outcome unknown, being reconciled)",
		               out->kis.msg1, (long long)out->order.id);
	else
		gw_pt_fail_kis(
		    resp, 500, "EGW00301", tr_id,
		    "연결시간이 초과되었습니다. 직전 거래를 반드시 확인하세요. (kisgw order "
		    "%lld: outcome unknown, being reconciled)",
		    (long long)out->order.id);
}

/* Everything but success, for both calls. */
static void refused(gw_resp *resp, const char *tr_id, const trader_outcome *out)
{
	switch (out->result) {
	case TRADER_REJECTED: /* KIS's business refusal, as KIS answers it */
	case TRADER_CANCEL_REJECTED:
		if (out->kis.msg_cd[0]) {
			gw_pt_fail_kis(resp, 200, out->kis.msg_cd, tr_id, "%s", out->kis.msg1);
			return;
		}
		gw_pt_fail(resp, GW_E_KIS_REJECTED, tr_id, out->message);
		return;
	case TRADER_NOT_SENT:
		if (out->kis.status == KIS_OK && out->message[0]) { /* e.g. the journal is down */
			gw_pt_fail(resp, GW_E_UNAVAILABLE, tr_id, out->message);
			return;
		}
		gw_pt_kis_error(resp, &out->kis, tr_id);
		return;
	case TRADER_KIS_ERROR:
		gw_pt_kis_error(resp, &out->kis, tr_id);
		return;
	case TRADER_INVALID:
		invalid(resp, tr_id, kis_field(out->field ? out->field : "body"), out->message);
		return;
	case TRADER_OVER_LIMIT: {
		char m[300];
		snprintf(m, sizeof(m), "%s: %s", kis_field(out->field ? out->field : "ORD_QTY"),
		         out->message);
		gw_pt_fail(resp, GW_E_OVER_LIMIT, tr_id, m);
		return;
	}
	case TRADER_HALTED:
		gw_pt_fail(resp, GW_E_TRADING_HALTED, tr_id, out->message);
		return;
	case TRADER_FINAL:
		if (out->kis.msg_cd[0]) {
			gw_pt_fail_kis(resp, 200, out->kis.msg_cd, tr_id, "%s", out->kis.msg1);
			return;
		}
		gw_pt_fail(resp, GW_E_ORDER_FINAL, tr_id, out->message);
		return;
	case TRADER_CONFLICT:
		gw_pt_fail(resp, GW_E_CONFLICT, tr_id, out->message);
		return;
	case TRADER_UNKNOWN_CODE: {
		char m[300];
		snprintf(m, sizeof(m), "PDNO: %s",
		         out->message[0] ? out->message : "no such stock");
		gw_pt_fail(resp, GW_E_UNKNOWN_CODE, tr_id, m);
		return;
	}
	case TRADER_NOT_FOUND:
		gw_pt_fail(resp, GW_E_NOT_FOUND, tr_id, out->message);
		return;
	default:
		gw_pt_fail(resp, GW_E_INTERNAL, tr_id, out->message[0] ? out->message : "internal");
		return;
	}
}

void gw_pt_order_cash(gw_req *req, int sell, const char *body, size_t len, const char *tr_id,
                      gw_resp *resp)
{
	gw_app *app = req->app;
	gw_pt_order o;
	gw_pt_fault f;
	if (gw_pt_order_parse(body, len, &o, &f)) {
		gw_pt_fail(resp, f.code, tr_id, f.msg);
		return;
	}
	if (!account_ok(app->cfg, o.cano, o.prdt, resp, tr_id))
		return;
	if (!krx_code_valid(o.pdno)) {
		invalid(resp, tr_id, "PDNO", "not a KRX stock code");
		return;
	}
	const trader_dvsn_rule *rule = trader_dvsn_by_code(o.ord_dvsn);
	if (!rule) {
		invalid(resp, tr_id, "ORD_DVSN", "not a KIS order type (주문구분) kisgw knows");
		return;
	}
	/* 01 일반매도 is what kisgw sends; 02 임의매매 / 05 대차매도 it does not */
	if (o.sll_type[0] && strcmp(o.sll_type, "01")) {
		invalid(resp, tr_id, "SLL_TYPE", "kisgw sends only 01 (일반매도)");
		return;
	}
	int venue = o.excg[0] ? store_venue_parse(o.excg) : STORE_VENUE_KRX;
	if (venue < 0) {
		invalid(resp, tr_id, "EXCG_ID_DVSN_CD", "must be KRX, NXT or SOR");
		return;
	}
	trader_order_req tr;
	memset(&tr, 0, sizeof(tr));
	snprintf(tr.code, sizeof(tr.code), "%s", o.pdno);
	tr.side = sell ? STORE_SELL : STORE_BUY;
	tr.type = rule->type;
	tr.tif = rule->tif;
	tr.venue = (store_venue)venue;
	tr.qty = o.qty;
	tr.price = rule->price ? o.price : 0; /* KIS ignores ORD_UNPR of price-less types */
	tr.stop_price = rule->stop ? o.cndt_pric : 0;
	tr.source = STORE_SRC_PASSTHROUGH;
	trader_outcome out;
	trader_order_place(app->trader, &tr, &out);
	if (out.result == TRADER_CREATED || out.result == TRADER_REPLAYED)
		accepted(resp, tr_id, out.order.broker_orgno, out.order.broker_order_no,
		         out.order.ord_time);
	else if (out.result == TRADER_UNKNOWN)
		unknown(resp, tr_id, &out);
	else
		refused(resp, tr_id, &out);
}

void gw_pt_order_revise(gw_req *req, const char *body, size_t len, const char *tr_id, gw_resp *resp)
{
	gw_app *app = req->app;
	gw_pt_revise rv;
	gw_pt_fault f;
	if (gw_pt_revise_parse(body, len, &rv, &f)) {
		gw_pt_fail(resp, f.code, tr_id, f.msg);
		return;
	}
	if (!account_ok(app->cfg, rv.cano, rv.prdt, resp, tr_id))
		return;
	const trader_dvsn_rule *rule = trader_dvsn_by_code(rv.ord_dvsn);
	if (!rule && !rv.cancel) {
		invalid(resp, tr_id, "ORD_DVSN", "not a KIS order type (주문구분) kisgw knows");
		return;
	}
	/* The order that owns ORGN_ODNO; one not seen yet (placed elsewhere a
	 * moment ago) may arrive with a reconciliation. */
	store_order ord;
	int ymd = trader_today(app->trader);
	int r = trader_order_by_broker(app->trader, ymd, rv.orgn_odno, &ord);
	if (r == 1 && trader_reconcile_now(app->trader, 1) == 0)
		r = trader_order_by_broker(app->trader, ymd, rv.orgn_odno, &ord);
	if (r < 0) {
		gw_pt_fail(resp, GW_E_INTERNAL, tr_id, "the order journal could not be read");
		return;
	}
	if (r == 1) {
		gw_pt_fail(resp, GW_E_NOT_FOUND, tr_id,
		           "ORGN_ODNO: no order of today with this number in kisgw's ledger");
		return;
	}
	trader_outcome out;
	if (rv.cancel) {
		trader_order_cancel_qty(app->trader, ord.id, rv.all ? 0 : rv.qty, NULL, &out);
	} else {
		if (rule->tif != ord.tif) {
			invalid(resp, tr_id, "ORD_DVSN",
			        "an amendment keeps the order's time in force (IOC/FOK/day)");
			return;
		}
		trader_amend_req a;
		memset(&a, 0, sizeof(a));
		a.id = ord.id;
		a.qty = rv.all ? 0 : rv.qty;
		a.have_type = rule->type != ord.type;
		a.type = rule->type;
		a.have_price = rule->price;
		a.price = rule->price ? rv.price : 0;
		trader_order_amend(app->trader, &a, &out);
	}
	if (out.result != TRADER_OK && out.result != TRADER_ACCEPTED &&
	    out.result != TRADER_REPLAYED) {
		refused(resp, tr_id, &out);
		return;
	}
	/* KIS's answer is the new leg's own number */
	store_leg leg;
	if (trader_order_newest_leg(app->trader, ord.id, &leg) == 0 && leg.odno[0] &&
	    leg.status == LEG_ACCEPTED)
		accepted(resp, tr_id, leg.orgno, leg.odno, leg.ord_time);
	else
		unknown(resp, tr_id, &out);
}
