/* passthrough_api.c — kisgw's KIS-compatible passthrough (KISGW_PASSTHROUGH=on)
 * against the real binaries: the tutorial's functions and a KIS-sample-style
 * client (tests/integration/passthrough/ scripts, python3-requests) pointed at
 * kisgw; eight such clients at once on the virtual 2/s limit (no EGW00201
 * at kis-sim, one KIS token, every order once in the ledger); and the
 * refusals, none of which journals anything. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define CLOCK "2026-11-24T10:00:00+09:00"
#define CANO  "50012345"
#define TOKEN "passthrough-api-token-0123456789"

typedef struct pair {
	h_proc sim, gw;
	char *dir;
} pair;

static char secret[181];

/* kis-sim (rate 0 unless limited) and kisgw, the passthrough on or off,
 * plus one extra setting (or NULL). */
static void up(pair *p, int limited, int on, const char *extra)
{
	memset(secret, H_APP_SECRET_CH, 180);
	p->dir = h_tmpdir();
	const char *fast[] = {"--clock", CLOCK, "--rate", "0", NULL};
	const char *slow[] = {"--clock", CLOCK, NULL}; /* virtual: KIS's 2/s */
	assert_int_equal(h_start_sim(&p->sim, limited ? slow : fast), 0);
	const char *env[] = {"KISGW_CLOCK=" CLOCK,
	                     "KISGW_BACKFILL_DAYS=0",
	                     limited ? "KISGW_LOG_LEVEL=info" : "KISGW_RATE_LIMIT=1000",
	                     on ? "KISGW_PASSTHROUGH=on" : "KISGW_PASSTHROUGH=off",
	                     extra,
	                     NULL};
	assert_int_equal(h_start_gw(&p->gw, p->sim.port, p->dir, env), 0);
}

static void down(pair *p)
{
	h_stop(&p->gw, SIGTERM);
	h_stop(&p->sim, SIGTERM);
	h_rmdir(p->dir);
}

static void want(const char *hay, const char *needle)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("wanted '%s' in:\n%s", needle, hay ? hay : "(null)");
}

/* Runs tests/integration/passthrough/<file> with Debian's python3 (its
 * python3-requests, scripts/deps.sh) against p; its stdout. */
static char *run_py(const pair *p, const char *file, const char *arg, const char *arg2)
{
	char path[1024], url[64], sim[64], sec[200];
	snprintf(path, sizeof(path), "%s/tests/integration/passthrough/%s", KISGW_SOURCE_DIR, file);
	snprintf(url, sizeof(url), "KISGW_URL=http://127.0.0.1:%d", p->gw.port);
	snprintf(sim, sizeof(sim), "SIM_URL=http://127.0.0.1:%d", p->sim.port);
	snprintf(sec, sizeof(sec), "KIS_APP_SECRET=%s", secret);
	const char *args[] = {path, arg, arg2, NULL};
	const char *env[] = {url,         sim, "KIS_APP_KEY=" H_APP_KEY, sec, "KIS_CANO=" CANO,
	                     "HOME=/tmp", NULL};
	char *out = NULL, *err = NULL;
	int rc = h_run("/usr/bin/python3", args, env, 280, &out, &err);
	if (rc != 0)
		fail_msg("%s exited %d\nstdout:\n%s\nstderr:\n%s", file, rc, out ? out : "",
		         err ? err : "");
	free(err);
	return out;
}

/* GET /orders?source=passthrough (after one reconciliation). */
static json_t *pt_orders(const pair *p)
{
	long st = 0;
	json_decref(h_json(p->gw.port, "POST", "/orders/reconcile", NULL, &st));
	json_t *j = h_json(p->gw.port, "GET", "/orders?source=passthrough&limit=100", NULL, &st);
	assert_int_equal(st, 200);
	return j;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* (a) The tutorial's functions, unchanged but for the base URL: token,
 * price, cash, a market buy and sell (hashkey each), the balance, the
 * 5-days-back history. Both orders are in the ledger as passthrough,
 * filled after reconciling, and the bought lot is an aged holding. */
static void test_tutorial(void **state)
{
	pair p;
	up(&p, 0, 1, NULL);
	char *out = run_py(&p, "tutorial.py", NULL, NULL);
	want(out, "token: 64 chars");
	want(out, "current price 005930: ");
	want(out, "[매수 성공]");
	want(out, "buy: True");
	want(out, "holding 005930: 2");
	want(out, "sell: True");
	want(out, "5 days before: ");
	free(out);
	json_t *j = pt_orders(&p);
	json_t *orders = json_object_get(j, "orders");
	assert_int_equal(json_array_size(orders), 2);
	size_t i;
	json_t *o;
	json_array_foreach(orders, i, o)
	{
		assert_string_equal(str(o, "source"), "passthrough");
		assert_string_equal(str(o, "status"), "filled");
		assert_string_equal(str(o, "type"), "market");
		assert_int_equal(strlen(str(o, "broker_order_no")), 10);
	}
	json_decref(j);
	long st = 0;
	j = h_json(p.gw.port, "GET", "/holdings/aged?days=0", NULL, &st);
	assert_int_equal(st, 200);
	json_t *h = json_array_get(json_object_get(j, "holdings"), 0);
	assert_string_equal(str(h, "code"), "005930");
	assert_int_equal(json_integer_value(json_object_get(h, "qty")), 1);
	json_decref(j);
	down(&p);
}

/* (b) A client written the way KIS's samples are: price, balance over two
 * pages, buying power, order-cash, order-rvsecncl (amend then cancel),
 * daily-ccld over pages. The limit order's chain is in the ledger. */
static void test_kis_sample_style(void **state)
{
	pair p;
	up(&p, 0, 1, NULL);
	char *out = run_py(&p, "kis_style.py", "session", NULL);
	want(out, "balance ok: 25 holdings over 2 pages");
	want(out, "order-cash ok: ");
	want(out, "order-rvsecncl ok: ");
	want(out, "daily-ccld ok: 24 rows");
	free(out);
	json_t *j = pt_orders(&p);
	json_t *orders = json_object_get(j, "orders");
	assert_int_equal(json_array_size(orders), 2);
	int canceled = 0, filled = 0;
	size_t i;
	json_t *o;
	json_array_foreach(orders, i, o)
	{
		if (!strcmp(str(o, "status"), "canceled")) {
			canceled++;
			/* the amendment's number joined the chain; the price is the new one */
			assert_int_equal(json_array_size(json_object_get(o, "broker_order_nos")),
			                 2);
			assert_int_equal(json_integer_value(json_object_get(o, "qty")), 5);
		} else if (!strcmp(str(o, "status"), "filled")) {
			filled++;
			assert_int_equal(json_integer_value(json_object_get(o, "filled_qty")), 10);
		}
	}
	assert_int_equal(canceled, 1);
	assert_int_equal(filled, 1);
	json_decref(j);
	down(&p);
}

/* (c) Eight KIS-style clients at once on kis-sim's virtual 2/s limit:
 * kisgw's shared limiter keeps every one of them under it (no EGW00201 at
 * kis-sim), one KIS token serves all, and each order is in the ledger once. */
static void test_eight_clients(void **state)
{
	pair p;
	up(&p, 1, 1, NULL);
	char *out = run_py(&p, "kis_style.py", "many", "8");
	want(out, "8 clients ok: 8 distinct orders");
	assert_int_equal(h_sim_counter(p.sim.port, "rate_limited"), 0);
	assert_int_equal(h_sim_counter(p.sim.port, "token_issued"), 1);
	assert_int_equal(h_sim_counter(p.sim.port, "orders_received"), 8);
	json_t *j = pt_orders(&p);
	json_t *orders = json_object_get(j, "orders");
	assert_int_equal(json_array_size(orders), 8);
	size_t i;
	json_t *o;
	json_array_foreach(orders, i, o)
	{
		const char *no = str(o, "broker_order_no");
		assert_int_equal(strlen(no), 10);
		assert_non_null(strstr(out, no)); /* the ODNO a client was given */
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(no,
			                        str(json_array_get(orders, k), "broker_order_no"));
	}
	json_decref(j);
	free(out);
	down(&p);
}

/* ---- (d) refusals ---- */

static void token_body(char *b, size_t n, const char *key, const char *sec)
{
	snprintf(b, n,
	         "{\"grant_type\":\"client_credentials\",\"appkey\":\"%s\",\"appsecret\":\"%s\"}",
	         key, sec);
}

/* A local token from tokenP. */
static void local_token(const pair *p, char *tok, size_t n, const char *authz)
{
	char body[512];
	token_body(body, sizeof(body), H_APP_KEY, secret);
	const char *hdr[] = {"Content-Type: application/json", authz, NULL};
	h_resp r;
	assert_int_equal(h_http(&r, "POST", p->gw.port, "/oauth2/tokenP", body, hdr), 0);
	assert_int_equal(r.status, 200);
	snprintf(tok, n, "%s", str(r.json, "access_token"));
	assert_int_equal(strlen(tok), 64);
	h_resp_free(&r);
}

/* One /uapi call with KIS's headers; tr_id / token / key as given. */
static void uapi(const pair *p, h_resp *r, const char *method, const char *path, const char *tr_id,
                 const char *tok, const char *key, const char *body, const char *hashkey)
{
	char a[128], k[128], s[256], t[64], h[128];
	snprintf(a, sizeof(a), "authorization: Bearer %s", tok);
	snprintf(k, sizeof(k), "appkey: %s", key);
	snprintf(s, sizeof(s), "appsecret: %s", secret);
	snprintf(t, sizeof(t), "tr_id: %s", tr_id);
	snprintf(h, sizeof(h), "hashkey: %s", hashkey ? hashkey : "");
	const char *hdr[] = {
	    "Content-Type: application/json", a, k, s, t, "custtype: P", hashkey ? h : NULL, NULL};
	assert_int_equal(h_http(r, method, p->gw.port, path, body, hdr), 0);
}

#define DS    "/uapi/domestic-stock/v1"
#define PRICE DS "/quotations/inquire-price?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD=005930"
#define CASH  DS "/trading/order-cash"
/* A market buy of one share for account cano, order type dvsn, more fields. */
#define ORDER_WITH(cano, dvsn, more)                                                               \
	"{\"CANO\":\"" cano "\",\"ACNT_PRDT_CD\":\"01\",\"PDNO\":\"005930\",\"ORD_DVSN\":\"" dvsn  \
	"\",\"ORD_QTY\":\"1\",\"ORD_UNPR\":\"0\"" more "}"
#define ORDER ORDER_WITH(CANO, "01", "")

static void kis_fail(const h_resp *r, long status, const char *msg_cd)
{
	if (r->status != status || strcmp(str(r->json, "msg_cd"), msg_cd) ||
	    strcmp(str(r->json, "rt_cd"), "1"))
		fail_msg("wanted %ld %s, got %ld %s", status, msg_cd, r->status, r->body);
}

static void test_refusals(void **state)
{
	pair p;
	up(&p, 0, 1, NULL);
	char body[512], tok[80];
	h_resp r;
	const char *ct[] = {"Content-Type: application/json", NULL};
	/* tokenP: the key pair is checked, KIS's /oauth2 error form */
	token_body(body, sizeof(body), "PSwrongAppKey0123456789abcdefghijklm", secret);
	assert_int_equal(h_http(&r, "POST", p.gw.port, "/oauth2/tokenP", body, ct), 0);
	assert_int_equal(r.status, 403);
	assert_string_equal(str(r.json, "error_code"), "EGW00103");
	h_resp_free(&r);
	token_body(body, sizeof(body), H_APP_KEY, "not-the-secret");
	assert_int_equal(h_http(&r, "POST", p.gw.port, "/oauth2/tokenP", body, ct), 0);
	assert_int_equal(r.status, 403);
	assert_string_equal(str(r.json, "error_code"), "EGW00105");
	h_resp_free(&r);
	assert_int_equal(h_http(&r, "POST", p.gw.port, "/oauth2/tokenP", "{\"grant_type\":", ct),
	                 0);
	assert_int_equal(r.status, 400);
	assert_string_equal(str(r.json, "error_code"), "invalid_json");
	h_resp_free(&r);

	/* /uapi: no, a wrong, or another key's token; the wrong app key */
	local_token(&p, tok, sizeof(tok), NULL);
	char sh[256];
	snprintf(sh, sizeof(sh), "appsecret: %s", secret);
	const char *bare[] = {"appkey: " H_APP_KEY, sh, "tr_id: FHKST01010100", NULL};
	assert_int_equal(h_http(&r, "GET", p.gw.port, PRICE, NULL, bare), 0);
	kis_fail(&r, 500, "EGW00121");
	h_resp_free(&r);
	uapi(&p, &r, "GET", PRICE, "FHKST01010100", "0123abcd", H_APP_KEY, NULL, NULL);
	kis_fail(&r, 500, "EGW00121");
	h_resp_free(&r);
	uapi(&p, &r, "GET", PRICE, "FHKST01010100", tok, "PSwrongAppKey0123456789abcdefghijklm",
	     NULL, NULL);
	kis_fail(&r, 500, "EGW00103");
	h_resp_free(&r);
	/* none of them reached KIS (kisgw's own background calls do not quote) */
	assert_true(h_sim_counter(p.sim.port, "calls.FHKST01010100") <= 0);

	/* Calls refused before anything is journaled or sent: an unknown tr_id
	 * that could place an order (and an R tr_id on an order path), a known
	 * one on another path or with the wrong method, order bodies that are
	 * malformed, carry a field kisgw would drop, name another account or an
	 * unknown order type, a wrong hashkey, an order kisgw never saw. */
	static const struct {
		const char *method, *path, *tr_id, *body, *hashkey;
		long status;
		const char *msg_cd, *msg1_has;
	} refused[] = {
	    {"POST", DS "/trading/order-credit", "VTTC0052U", ORDER, NULL, 403,
	     "passthrough_refused", "could place or change an order"},
	    {"GET", CASH, "VTTC9999R", NULL, NULL, 403, "passthrough_refused", NULL},
	    {"GET", DS "/trading/inquire-balance", "VTTC0012U", NULL, NULL, 400, "invalid_field",
	     "order-cash"},
	    {"GET", CASH, "VTTC0012U", NULL, NULL, 405, "method_not_allowed", NULL},
	    {"POST", CASH, "VTTC0012U", "{\"CANO\":", NULL, 400, "invalid_json", NULL},
	    {"POST", CASH, "VTTC0012U", "[1,2]", NULL, 400, "invalid_json", NULL},
	    {"POST", CASH, "VTTC0012U", ORDER_WITH(CANO, "01", ",\"LOAN_DT\":\"20261124\""), NULL,
	     400, "unknown_field", NULL},
	    {"POST", CASH, "VTTC0012U", ORDER_WITH("99999999", "01", ""), NULL, 400,
	     "invalid_field", "CANO"},
	    {"POST", CASH, "VTTC0012U", ORDER_WITH(CANO, "99", ""), NULL, 400, "invalid_field",
	     "ORD_DVSN"},
	    {"POST", CASH, "VTTC0012U", ORDER,
	     "0000000000000000000000000000000000000000000000000000000000000000", 500, "EGW00131",
	     NULL},
	    {"POST", DS "/trading/order-rvsecncl", "VTTC0013U",
	     "{\"CANO\":\"" CANO "\",\"ACNT_PRDT_CD\":\"01\",\"KRX_FWDG_ORD_ORGNO\":\"\","
	     "\"ORGN_ODNO\":\"0000000001\",\"ORD_DVSN\":\"00\",\"RVSE_CNCL_DVSN_CD\":\"02\","
	     "\"ORD_QTY\":\"0\",\"ORD_UNPR\":\"0\",\"QTY_ALL_ORD_YN\":\"Y\"}",
	     NULL, 404, "not_found", "ORGN_ODNO"},
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		uapi(&p, &r, refused[i].method, refused[i].path, refused[i].tr_id, tok, H_APP_KEY,
		     refused[i].body, refused[i].hashkey);
		kis_fail(&r, refused[i].status, refused[i].msg_cd);
		if (refused[i].msg1_has)
			want(str(r.json, "msg1"), refused[i].msg1_has);
		h_resp_free(&r);
	}
	/* nothing was journaled, nothing reached KIS as an order */
	long st = 0;
	json_t *j = h_json(p.gw.port, "GET", "/orders", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "orders")), 0);
	json_decref(j);
	assert_int_equal(h_sim_counter(p.sim.port, "orders_received"), 0);

	/* an unknown inquiry is relayed (kis-sim answers it) */
	uapi(&p, &r, "GET",
	     "/uapi/domestic-stock/v1/quotations/"
	     "inquire-daily-price?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD=005930&"
	     "FID_PERIOD_DIV_CODE=D&FID_ORG_ADJ_PRC=0",
	     "FHKST01010400", tok, H_APP_KEY, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(str(r.json, "rt_cd"), "0");
	char hv[32];
	assert_non_null(h_header(&r, "tr_id", hv, sizeof(hv)));
	assert_string_equal(hv, "FHKST01010400");
	h_resp_free(&r);
	assert_int_equal(h_sim_counter(p.sim.port, "calls.FHKST01010400"), 1);
	down(&p);
}

/* Off by default: KIS's paths are 404 like any unknown path. With an API
 * token, tokenP (no KIS authorization of its own) needs it; the local token
 * then stands for it on /uapi. */
static void test_off_and_api_token(void **state)
{
	pair p;
	up(&p, 0, 0, NULL);
	char body[512];
	memset(secret, H_APP_SECRET_CH, 180);
	token_body(body, sizeof(body), H_APP_KEY, secret);
	const char *ct[] = {"Content-Type: application/json", NULL};
	h_resp r;
	assert_int_equal(h_http(&r, "POST", p.gw.port, "/oauth2/tokenP", body, ct), 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(h_err_code(&r), "not_found");
	h_resp_free(&r);
	assert_int_equal(h_http(&r, "GET", p.gw.port, PRICE, NULL, NULL), 0);
	assert_int_equal(r.status, 404);
	h_resp_free(&r);
	down(&p);

	up(&p, 0, 1, "KISGW_API_TOKEN=" TOKEN);
	assert_int_equal(h_http(&r, "POST", p.gw.port, "/oauth2/tokenP", body, ct), 0);
	assert_int_equal(r.status, 401);
	h_resp_free(&r);
	assert_int_equal(h_http(&r, "POST", p.gw.port, "/uapi/hashkey", ORDER, ct), 0);
	assert_int_equal(r.status, 401);
	h_resp_free(&r);
	char tok[80];
	local_token(&p, tok, sizeof(tok), "Authorization: Bearer " TOKEN);
	uapi(&p, &r, "GET", PRICE, "FHKST01010100", tok, H_APP_KEY, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(str(r.json, "rt_cd"), "0");
	h_resp_free(&r);
	down(&p);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refusals),      cmocka_unit_test(test_off_and_api_token),
	    cmocka_unit_test(test_tutorial),      cmocka_unit_test(test_kis_sample_style),
	    cmocka_unit_test(test_eight_clients),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
