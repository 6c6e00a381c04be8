/* Robustness: every KIS reply parser is fed truncated and byte-mutated
 * versions of a valid reply (deterministic seed) through the fake server.
 * Each call must end in a defined kis_status, successful outputs must be
 * well-formed, and nothing may crash or leak (run under ASan in CI). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_kis.h"
#include "kis.h"
#include "tkis.h"

#include <stdlib.h>
#include <string.h>

#define T0 1795482000000LL /* 2026-11-24T10:00:00+09:00 */

typedef struct cur {
	pthread_mutex_t mu;
	char *body;
	int status;
} cur;

static cur g = {PTHREAD_MUTEX_INITIALIZER, NULL, 200};

static void handler(void *ud, const fk_req *req, fk_reply *rep)
{
	pthread_mutex_lock(&g.mu);
	rep->status = g.status;
	rep->body = strdup(g.body ? g.body : "");
	pthread_mutex_unlock(&g.mu);
	snprintf(rep->tr_cont, sizeof rep->tr_cont, "D");
}

static void set_body(const char *b, size_t n, int status)
{
	pthread_mutex_lock(&g.mu);
	free(g.body);
	g.body = strndup(b, n);
	g.status = status;
	pthread_mutex_unlock(&g.mu);
}

/* xorshift: the same mutations on every run */
static uint32_t rng = 2463534242u;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static const char alphabet[] = "{}[],:\"\\ 0123456789.-+eEaZ\xff\xc3";

typedef int (*call_fn)(kis_client *c);

static void check_str(const char *s, size_t cap)
{
	assert_true(strnlen(s, cap) < cap);
}

static int call_price(kis_client *c)
{
	kis_quote q;
	kis_error e;
	int rc = kis_price_get(c, "005930", &q, &e);
	if (rc == KIS_OK)
		assert_true(q.price > 0 && q.tick > 0);
	check_str(e.msg1, sizeof e.msg1);
	check_str(e.msg_cd, sizeof e.msg_cd);
	return rc;
}

static int call_balance(kis_client *c)
{
	kis_balance b;
	kis_error e;
	int rc = kis_balance_get(c, &b, &e);
	if (rc == KIS_OK) {
		for (size_t i = 0; i < b.n; i++) {
			check_str(b.holdings[i].code, sizeof b.holdings[i].code);
			check_str(b.holdings[i].name, sizeof b.holdings[i].name);
			assert_true(b.holdings[i].qty != 0);
		}
	} else {
		assert_null(b.holdings);
	}
	kis_balance_free(&b);
	return rc;
}

static int call_bars(kis_client *c)
{
	kis_bars b;
	kis_error e;
	int rc = kis_daily_bars_get(c, "005930", 20261001, 20261124, &b, &e);
	if (rc == KIS_OK)
		for (size_t i = 0; i < b.n; i++)
			assert_true(b.bars[i].date >= 20261001 && b.bars[i].date <= 20261124);
	kis_bars_free(&b);
	return rc;
}

static int call_ccld(kis_client *c)
{
	kis_ccld_query q = {20261124, 20261124, KIS_SIDE_ANY, NULL, 0, NULL};
	kis_ccld_list l;
	kis_error e;
	int rc = kis_daily_ccld_get(c, &q, &l, &e);
	if (rc == KIS_OK)
		for (size_t i = 0; i < l.n; i++) {
			check_str(l.rows[i].odno, sizeof l.rows[i].odno);
			check_str(l.rows[i].orgn_odno, sizeof l.rows[i].orgn_odno);
			check_str(l.rows[i].orgno, sizeof l.rows[i].orgno);
			assert_true(l.rows[i].side == KIS_SIDE_BUY ||
			            l.rows[i].side == KIS_SIDE_SELL);
		}
	kis_ccld_list_free(&l);
	return rc;
}

static int call_psbl(kis_client *c)
{
	kis_buying_power bp;
	kis_error e;
	return kis_buying_power_get(c, "005930", 70000, &bp, &e);
}

static int call_order(kis_client *c)
{
	kis_order_req rq = {.code = "005930", .side = KIS_SIDE_BUY, .qty = 1, .price = 70000};
	kis_order_ack a;
	kis_error e;
	int rc = kis_order_cash(c, &rq, &a, &e);
	if (rc == KIS_OK) {
		assert_true(a.odno[0] != '\0');
		check_str(a.odno, sizeof a.odno);
		check_str(a.orgno, sizeof a.orgno);
		assert_in_range(a.ord_time, 0, 235959);
	}
	assert_true(rc == KIS_OK || e.sent == 1 || rc == KIS_E_RATE_LIMIT || rc == KIS_E_TOKEN ||
	            rc == KIS_E_CONFIG);
	return rc;
}

static int call_holidays(kis_client *c)
{
	kis_days d;
	kis_error e;
	int rc = kis_holidays_get(c, 20261124, &d, &e);
	kis_days_free(&d);
	return rc;
}

static int call_open(kis_client *c)
{
	kis_open_orders o;
	kis_error e;
	int rc = kis_open_orders_get(c, &o, &e);
	if (rc == KIS_OK)
		for (size_t i = 0; i < o.n; i++)
			check_str(o.rows[i].odno, sizeof o.rows[i].odno);
	else
		assert_null(o.rows);
	kis_open_orders_free(&o);
	return rc;
}

static const struct tmpl {
	const char *name;
	call_fn fn;
	const char *body;
} templates[] = {
    {"price", call_price,
     "{\"rt_cd\":\"0\",\"msg_cd\":\"MCA00000\",\"msg1\":\"ok\",\"output\":{\"stck_prpr\":"
     "\"74400\",\"prdy_vrss\":\"-500\",\"prdy_ctrt\":\"-0.67\",\"stck_oprc\":\"74000\","
     "\"stck_hgpr\":\"75000\",\"stck_lwpr\":\"73900\",\"acml_vol\":\"3733708\",\"stck_mxpr\":"
     "\"97800\",\"stck_llam\":\"52700\",\"aspr_unit\":\"100\"}}"},
    {"balance", call_balance,
     "{\"rt_cd\":\"0\",\"msg_cd\":\"KIOK0510\",\"msg1\":\"ok   \",\"ctx_area_fk100\":\"a^b  "
     "\",\"ctx_area_nk100\":\"   \",\"output1\":[{\"pdno\":\"009150\",\"prdt_name\":\"삼성전기\","
     "\"hldg_qty\":\"1657\",\"ord_psbl_qty\":\"1611\",\"pchs_avg_pric\":\"135440.2517\","
     "\"prpr\":\"140200\",\"pchs_amt\":\"224424497\",\"evlu_amt\":\"232311400\","
     "\"evlu_pfls_amt\":\"7886903\",\"evlu_pfls_rt\":\"3.52\"},{\"pdno\":\"005930\","
     "\"prdt_name\":\"x\",\"hldg_qty\":\"1\",\"ord_psbl_qty\":\"1\",\"pchs_avg_pric\":\"1\","
     "\"prpr\":\"1\",\"pchs_amt\":\"1\",\"evlu_amt\":\"1\",\"evlu_pfls_amt\":\"0\"}],"
     "\"output2\":[{\"dnca_tot_amt\":\"346455\",\"pchs_amt_smtl_amt\":\"2516522\","
     "\"evlu_amt_smtl_amt\":\"1759600\",\"evlu_pfls_smtl_amt\":\"-756922\",\"tot_evlu_amt\":"
     "\"2106055\",\"nass_amt\":\"2106055\"}]}"},
    {"bars", call_bars,
     "{\"rt_cd\":\"0\",\"msg_cd\":\"MCA00000\",\"msg1\":\"ok\",\"output1\":{},\"output2\":[{"
     "\"stck_bsop_date\":\"20261124\",\"stck_clpr\":\"107500\",\"stck_oprc\":\"107000\","
     "\"stck_hgpr\":\"109000\",\"stck_lwpr\":\"106500\",\"acml_vol\":\"2203472\"},{"
     "\"stck_bsop_date\":\"20261123\",\"stck_clpr\":\"1\",\"stck_oprc\":\"1\",\"stck_hgpr\":"
     "\"1\",\"stck_lwpr\":\"1\",\"acml_vol\":\"0\"}]}"},
    {"ccld", call_ccld,
     "{\"rt_cd\":\"0\",\"msg_cd\":\"KIOK0460\",\"msg1\":\"ok\",\"ctx_area_fk100\":\"\","
     "\"ctx_area_nk100\":\"\",\"output1\":[{\"ord_dt\":\"20261124\",\"ord_gno_brno\":\"06010\","
     "\"odno\":\"0001568197\",\"orgn_odno\":\"\",\"sll_buy_dvsn_cd\":\"02\",\"pdno\":\"005930\","
     "\"prdt_name\":\"삼성전자\",\"ord_qty\":\"10\",\"ord_unpr\":\"74400\",\"ord_tmd\":"
     "\"091500\",\"tot_ccld_qty\":\"4\",\"avg_prvs\":\"74400.0\",\"cncl_yn\":\"N\","
     "\"tot_ccld_amt\":\"297600\",\"ord_dvsn_cd\":\"00\",\"cncl_cfrm_qty\":\"0\",\"rmn_qty\":"
     "\"6\",\"rjct_qty\":\"0\"}],\"output2\":{\"tot_ord_qty\":\"10\"}}"},
    {"psbl", call_psbl,
     "{\"rt_cd\":\"0\",\"msg_cd\":\"KIOK0510\",\"msg1\":\"ok\",\"output\":{\"ord_psbl_cash\":"
     "\"741191178\",\"nrcvb_buy_amt\":\"107177377\",\"nrcvb_buy_qty\":\"1531\","
     "\"psbl_qty_calc_unpr\":\"70000\"}}"},
    {"order", call_order,
     "{\"rt_cd\":\"0\",\"msg_cd\":\"APBK0013\",\"msg1\":\"주문 전송 완료 되었습니다.\","
     "\"output\":{\"KRX_FWDG_ORD_ORGNO\":\"06010\",\"ODNO\":\"0001569157\",\"ORD_TMD\":"
     "\"155211\"}}"},
    {"open", call_open,
     "{\"rt_cd\":\"0\",\"msg_cd\":\"KIOK0510\",\"msg1\":\"ok\",\"ctx_area_fk100\":\"\","
     "\"ctx_area_nk100\":\"\",\"output\":[{\"ord_gno_brno\":\"06010\",\"odno\":"
     "\"0000005000\",\"orgn_odno\":\"\",\"pdno\":\"005930\",\"prdt_name\":\"x\","
     "\"ord_qty\":\"10\",\"ord_unpr\":\"70000\",\"ord_tmd\":\"093000\",\"tot_ccld_qty\":"
     "\"4\",\"psbl_qty\":\"6\",\"sll_buy_dvsn_cd\":\"02\",\"ord_dvsn_cd\":\"00\"}]}"},
    {"holidays", call_holidays,
     "{\"rt_cd\":\"0\",\"msg_cd\":\"KIOK0460\",\"msg1\":\"ok\",\"ctx_area_fk\":\"\","
     "\"ctx_area_nk\":\"\",\"output\":[{\"bass_dt\":\"20261124\",\"opnd_yn\":\"Y\"},{"
     "\"bass_dt\":\"20261128\",\"opnd_yn\":\"N\"}]}"},
};

static kis_client *new_client(fake_kis *fk, tstore *st, tclock *clk)
{
	kis_config cfg;
	tcfg(&cfg, fk_url(fk), st, clk, 1);
	cfg.rate_per_sec = 100000;
	cfg.read_retries = -1; /* one answer per call */
	char e[128];
	kis_client *c = kis_client_new(&cfg, e, sizeof e);
	assert_non_null(c);
	return c;
}

static void test_mutations(void **state)
{
	tclock clk = {PTHREAD_MUTEX_INITIALIZER, T0};
	tstore st;
	tstore_init(&st);
	tstore_put(&st, "T0KEN", T0 + 86400000, real_ms() - 3 * 3600000);
	fake_kis *fk = fk_start(handler, NULL);
	assert_non_null(fk);
	kis_client *c = new_client(fk, &st, &clk);
	int total = 0, ok = 0;
	for (size_t t = 0; t < sizeof templates / sizeof templates[0]; t++) {
		const char *b = templates[t].body;
		size_t n = strlen(b);
		/* the template itself parses */
		set_body(b, n, 200);
		int rc = templates[t].fn(c);
		if (rc != KIS_OK)
			fail_msg("template %s: %s", templates[t].name, kis_status_name(rc));
		/* every truncation point (stepped for long bodies) */
		size_t step = n / 60 + 1;
		for (size_t k = 0; k < n; k += step) {
			set_body(b, k, (k % 3) ? 200 : 500);
			rc = templates[t].fn(c);
			assert_in_range(rc, KIS_OK, KIS_E__MAX - 1);
			ok += rc == KIS_OK;
			total++;
		}
		/* random byte replacements */
		char *m = malloc(n + 1);
		for (int k = 0; k < 150; k++) {
			memcpy(m, b, n + 1);
			int flips = 1 + (int)(rnd() % 3);
			for (int f = 0; f < flips; f++)
				m[rnd() % n] = alphabet[rnd() % (sizeof alphabet - 1)];
			set_body(m, n, 200);
			rc = templates[t].fn(c);
			assert_in_range(rc, KIS_OK, KIS_E__MAX - 1);
			ok += rc == KIS_OK;
			total++;
		}
		free(m);
	}
	/* some mutations are harmless (inside a name, say); most are not */
	assert_true(ok > 0 && ok < total);
	kis_stats s;
	kis_stats_get(c, &s);
	assert_true(s.errors[KIS_E_BAD_REPLY] > 0);
	kis_client_free(c);
	fk_stop(fk);
	free(g.body);
	g.body = NULL;
}

/* tokenP replies: truncated or mutated, the manager never crashes and
 * never holds an empty token. */
static void test_token_mutations(void **state)
{
	tclock clk = {PTHREAD_MUTEX_INITIALIZER, T0};
	fake_kis *fk = fk_start(handler, NULL);
	const char *b = "{\"access_token\":\"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.x.y\","
	                "\"token_type\":\"Bearer\",\"expires_in\":86400,"
	                "\"access_token_token_expired\":\"2026-11-25 10:00:00\"}";
	size_t n = strlen(b);
	char *m = malloc(n + 1);
	for (int k = 0; k < 120; k++) {
		memcpy(m, b, n + 1);
		if (k < 60)
			m[(n * (size_t)k) / 60] = '\0';
		else
			m[rnd() % n] = alphabet[rnd() % (sizeof alphabet - 1)];
		set_body(m, strlen(m), k % 7 ? 200 : 403);
		tstore st;
		tstore_init(&st);
		kis_client *c = new_client(fk, &st, &clk);
		kis_error e;
		int rc = kis_token_ensure(c, &e);
		assert_in_range(rc, KIS_OK, KIS_E__MAX - 1);
		if (rc == KIS_OK) {
			assert_true(st.token[0] != '\0');
			assert_true(kis_token_valid_until(c) > T0);
		} else {
			assert_true(kis_token_valid_until(c) == 0);
		}
		kis_client_free(c);
	}
	free(m);
	fk_stop(fk);
	free(g.body);
	g.body = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mutations),
	    cmocka_unit_test(test_token_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
