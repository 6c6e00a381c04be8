/* Token manager tests against an in-process fake KIS (libmicrohttpd):
 * single flight, the one-issuance-a-minute rule, refresh margin, reuse of a
 * persisted token, EGW00123/00121 handling, EGW00133 back-off. */
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

typedef struct scen {
	pthread_mutex_t mu;
	tclock *clk;
	int token_delay_ms;
	int token_mode;     /* 0 ok, 1 EGW00133, 2 EGW00105 */
	int stamp;          /* send access_token_token_expired */
	int64_t valid_ms;   /* token lifetime on the KIS clock */
	int seq;            /* tokens issued: tok1, tok2, ... */
	char bad_token[64]; /* price answers EGW00123 for this one */
	int always_121;     /* price always answers EGW00121 */
	int body_ok;        /* tokenP bodies all well-formed */
	int tokenp_had_auth;
} scen;

static void scen_init(scen *s, tclock *clk)
{
	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	s->clk = clk;
	s->stamp = 1;
	s->valid_ms = 86400000;
	s->body_ok = 1;
}

static void handler(void *ud, const fk_req *req, fk_reply *rep)
{
	scen *s = ud;
	if (strcmp(req->path, "/oauth2/tokenP") == 0) {
		json_t *b = req->body ? json_loads(req->body, 0, NULL) : NULL;
		int ok =
		    b &&
		    strcmp(json_string_value(json_object_get(b, "grant_type")) ?: "",
		           "client_credentials") == 0 &&
		    strcmp(json_string_value(json_object_get(b, "appkey")) ?: "", T_APP_KEY) == 0 &&
		    strcmp(json_string_value(json_object_get(b, "appsecret")) ?: "", T_SECRET) == 0;
		json_decref(b);
		pthread_mutex_lock(&s->mu);
		if (!ok)
			s->body_ok = 0;
		if (req->auth[0])
			s->tokenp_had_auth = 1;
		int mode = s->token_mode;
		int n = ++s->seq;
		pthread_mutex_unlock(&s->mu);
		rep->delay_ms = s->token_delay_ms;
		if (mode == 1) {
			rep->status = 403;
			fk_printf(rep,
			          "{\"error_code\":\"EGW00133\",\"error_description\":\"접근토큰 "
			          "발급 잠시 후 다시 시도하세요(1분당 1회)\"}");
			return;
		}
		if (mode == 2) {
			rep->status = 403;
			fk_printf(rep,
			          "{\"error_code\":\"EGW00105\",\"error_description\":\"유효하지 "
			          "않은 AppSecret입니다.\"}");
			return;
		}
		char stamp[32];
		tkst_stamp(tclock_now(s->clk) + s->valid_ms, stamp, sizeof stamp);
		if (s->stamp)
			fk_printf(rep,
			          "{\"access_token\":\"tok%d\",\"token_type\":\"Bearer\","
			          "\"expires_in\":86400,\"access_token_token_expired\":\"%s\"}",
			          n, stamp);
		else
			fk_printf(rep,
			          "{\"access_token\":\"tok%d\",\"token_type\":\"Bearer\","
			          "\"expires_in\":%lld}",
			          n, (long long)(s->valid_ms / 1000));
		return;
	}
	const char *tok = strncmp(req->auth, "Bearer ", 7) == 0 ? req->auth + 7 : "";
	if (s->always_121 || (s->bad_token[0] && strcmp(tok, s->bad_token) == 0)) {
		rep->status = 500;
		fk_printf(rep, "{\"rt_cd\":\"1\",\"msg_cd\":\"%s\",\"msg1\":\"token error\"}",
		          s->always_121 ? "EGW00121" : "EGW00123");
		return;
	}
	fk_printf(rep, "{\"rt_cd\":\"0\",\"msg_cd\":\"MCA00000\",\"msg1\":\"ok\",\"output\":{"
	               "\"stck_prpr\":\"74400\",\"prdy_vrss\":\"-500\",\"prdy_ctrt\":\"-0.67\","
	               "\"stck_oprc\":\"74000\",\"stck_hgpr\":\"75000\",\"stck_lwpr\":\"73900\","
	               "\"acml_vol\":\"100\",\"stck_mxpr\":\"97800\",\"stck_llam\":\"52700\","
	               "\"aspr_unit\":\"100\"}}");
}

/* KIS clock at a whole second (tokens' expiry stamps have 1 s resolution). */
#define T0 1795482000000LL /* 2026-11-24T10:00:00+09:00 */

typedef struct fx {
	tclock clk;
	tstore st;
	scen sc;
	fake_kis *fk;
	kis_config cfg;
	kis_client *c;
} fx;

static fx *fx_new(void)
{
	fx *f = calloc(1, sizeof *f);
	pthread_mutex_init(&f->clk.mu, NULL);
	f->clk.now = T0;
	tstore_init(&f->st);
	scen_init(&f->sc, &f->clk);
	f->fk = fk_start(handler, &f->sc);
	assert_non_null(f->fk);
	tcfg(&f->cfg, fk_url(f->fk), &f->st, &f->clk, 1);
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

static int tokenp_calls(fx *f)
{
	return fk_count_path(f->fk, "/oauth2/tokenP");
}

static int price_calls(fx *f)
{
	return fk_count_path(f->fk, "/inquire-price");
}

/* ---- single flight ---- */

static void *ensure_worker(void *arg)
{
	fx *f = arg;
	kis_error e;
	intptr_t rc = kis_token_ensure(f->c, &e);
	return (void *)rc;
}

static void test_single_flight(void **state)
{
	fx *f = fx_new();
	f->sc.token_delay_ms = 200;
	fx_client(f);
	enum { N = 50 };
	pthread_t th[N];
	for (int i = 0; i < N; i++)
		pthread_create(&th[i], NULL, ensure_worker, f);
	for (int i = 0; i < N; i++) {
		void *rv;
		pthread_join(th[i], &rv);
		assert_int_equal((intptr_t)rv, KIS_OK);
	}
	assert_int_equal(tokenp_calls(f), 1);
	assert_true(f->sc.body_ok);
	assert_false(f->sc.tokenp_had_auth);
	kis_stats st;
	kis_stats_get(f->c, &st);
	assert_int_equal(st.token_issued, 1);
	/* persisted with the expiry from access_token_token_expired */
	assert_string_equal(f->st.token, "tok1");
	assert_true(f->st.expires_ms == T0 + 86400000);
	assert_true(f->st.issued_real_ms > real_ms() - 60000);
	assert_int_equal(strlen(f->st.key_id), 32);
	assert_null(strstr(f->st.key_id, T_APP_KEY));
	assert_true(kis_token_valid_until(f->c) == T0 + 86400000);
	fx_free(f);
}

/* ---- persisted token ---- */

static void test_persisted_token_reused(void **state)
{
	fx *f = fx_new();
	tstore_put(&f->st, "persisted", T0 + 2 * 3600000, real_ms() - 3 * 3600000);
	fx_client(f);
	assert_true(kis_token_valid_until(f->c) == T0 + 2 * 3600000);
	kis_quote q;
	kis_error e;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_OK);
	assert_true(q.price == 74400);
	assert_int_equal(tokenp_calls(f), 0);
	fk_req r;
	assert_int_equal(fk_get(f->fk, 0, &r), 0);
	assert_string_equal(r.auth, "Bearer persisted");
	fk_req_free(&r);
	fx_free(f);
}

/* ---- one issuance a minute, on real time ---- */

static void test_min_interval(void **state)
{
	fx *f = fx_new();
	/* no token held, but one was issued 10 s ago (real time) */
	tstore_put(&f->st, "", 0, real_ms() - 10000);
	f->cfg.token_wait_ms = 300;
	fx_client(f);
	kis_error e;
	memset(&e, 0, sizeof e);
	assert_int_equal(kis_token_ensure(f->c, &e), KIS_E_TOKEN);
	assert_int_equal(e.status, KIS_E_TOKEN);
	assert_in_range(e.retry_after_s, 45, 51);
	assert_int_equal(tokenp_calls(f), 0);
	/* a KIS call fails the same way without reaching KIS */
	kis_quote q;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_E_TOKEN);
	assert_int_equal(e.sent, 0);
	assert_int_equal(fk_count(f->fk), 0);
	/* the fake clock is irrelevant to the rule: jumping it a day ahead changes nothing */
	tclock_set(&f->clk, T0 + 86400000);
	assert_int_equal(kis_token_ensure(f->c, &e), KIS_E_TOKEN);
	assert_int_equal(tokenp_calls(f), 0);
	fx_free(f);
}

/* A caller allowed to wait long enough gets the token once the minute passes. */
static void test_min_interval_wait(void **state)
{
	fx *f = fx_new();
	tstore_put(&f->st, "", 0, real_ms() - 59500);
	f->cfg.token_wait_ms = 3000;
	fx_client(f);
	kis_error e;
	assert_int_equal(kis_token_ensure(f->c, &e), KIS_OK);
	assert_int_equal(tokenp_calls(f), 1);
	assert_true(real_ms() - f->st.issued_real_ms < 5000);
	fx_free(f);
}

/* The interval is configurable (kis-sim runs with shorter ones). */
static void test_min_interval_configured(void **state)
{
	fx *f = fx_new();
	tstore_put(&f->st, "", 0, real_ms() - 100);
	f->cfg.token_min_interval_ms = 400;
	f->cfg.token_wait_ms = 50;
	fx_client(f);
	kis_error e;
	assert_int_equal(kis_token_ensure(f->c, &e), KIS_E_TOKEN);
	assert_int_equal(e.retry_after_s, 1);
	assert_int_equal(tokenp_calls(f), 0);
	kis_client_free(f->c);
	f->cfg.token_wait_ms = 2000;
	fx_client(f);
	assert_int_equal(kis_token_ensure(f->c, &e), KIS_OK);
	assert_int_equal(tokenp_calls(f), 1);
	fx_free(f);
}

/* ---- refresh ahead of expiry ---- */

static void test_margin_refresh(void **state)
{
	fx *f = fx_new();
	/* 5 minutes left, margin 10 minutes, last issue long ago: refresh */
	tstore_put(&f->st, "old", T0 + 5 * 60000, real_ms() - 2 * 3600000);
	fx_client(f);
	kis_quote q;
	kis_error e;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_OK);
	assert_int_equal(tokenp_calls(f), 1);
	fk_req r;
	assert_int_equal(fk_get(f->fk, 1, &r), 0);
	assert_string_equal(r.auth, "Bearer tok1");
	fk_req_free(&r);
	assert_string_equal(f->st.token, "tok1");
	fx_free(f);
}

static void test_margin_recent_issue_keeps_token(void **state)
{
	fx *f = fx_new();
	/* inside the margin but issued 10 s ago: keep using it, no error */
	tstore_put(&f->st, "old", T0 + 5 * 60000, real_ms() - 10000);
	f->cfg.token_wait_ms = 200;
	fx_client(f);
	kis_quote q;
	kis_error e;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_OK);
	assert_int_equal(tokenp_calls(f), 0);
	fk_req r;
	assert_int_equal(fk_get(f->fk, 0, &r), 0);
	assert_string_equal(r.auth, "Bearer old");
	fk_req_free(&r);
	/* once the KIS clock passes the expiry the token is not used */
	tclock_set(&f->clk, T0 + 5 * 60000);
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_E_TOKEN);
	assert_true(e.retry_after_s >= 40);
	assert_int_equal(price_calls(f), 1);
	assert_true(kis_token_valid_until(f->c) == 0);
	fx_free(f);
}

/* access_token_token_expired wins over expires_in; expires_in is the fallback. */
static void test_expiry_source(void **state)
{
	fx *f = fx_new();
	f->sc.valid_ms = 3600000; /* stamp says 1 h; expires_in says 86400 */
	fx_client(f);
	kis_error e;
	assert_int_equal(kis_token_ensure(f->c, &e), KIS_OK);
	assert_true(kis_token_valid_until(f->c) == T0 + 3600000);
	fx_free(f);

	f = fx_new();
	f->sc.stamp = 0;
	f->sc.valid_ms = 7200000;
	fx_client(f);
	assert_int_equal(kis_token_ensure(f->c, &e), KIS_OK);
	assert_true(kis_token_valid_until(f->c) == T0 + 7200000);
	fx_free(f);
}

/* ---- token errors on /uapi ---- */

static void test_egw00123_reissue_retry_once(void **state)
{
	fx *f = fx_new();
	tstore_put(&f->st, "old", T0 + 3600000, real_ms() - 2 * 3600000);
	snprintf(f->sc.bad_token, sizeof f->sc.bad_token, "old");
	fx_client(f);
	kis_quote q;
	kis_error e;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_OK);
	assert_true(q.price == 74400);
	assert_int_equal(price_calls(f), 2);
	assert_int_equal(tokenp_calls(f), 1);
	assert_string_equal(f->st.token, "tok1");
	assert_true(f->st.drops >= 1);
	fx_free(f);
}

static void test_egw00121_only_once(void **state)
{
	fx *f = fx_new();
	tstore_put(&f->st, "old", T0 + 3600000, real_ms() - 2 * 3600000);
	f->sc.always_121 = 1;
	f->cfg.token_wait_ms = 200;
	fx_client(f);
	kis_quote q;
	kis_error e;
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_E_TOKEN);
	assert_string_equal(e.msg_cd, "EGW00121");
	assert_int_equal(e.sent, 0);
	assert_int_equal(price_calls(f), 2); /* first try + one retry */
	assert_int_equal(tokenp_calls(f), 1);
	assert_null(strstr(e.msg1, "tok1"));
	assert_null(strstr(e.msg1, T_SECRET));
	/* the fresh token was dropped too; no new issuance within the minute */
	assert_int_equal(kis_price_get(f->c, "005930", &q, &e), KIS_E_TOKEN);
	assert_true(e.retry_after_s >= 45);
	assert_int_equal(price_calls(f), 2);
	assert_int_equal(tokenp_calls(f), 1);
	kis_stats st;
	kis_stats_get(f->c, &st);
	assert_true(st.errors[KIS_E_TOKEN] >= 2);
	fx_free(f);
}

/* ---- EGW00133 ---- */

static void *ensure_worker_rc(void *arg)
{
	fx *f = arg;
	kis_error e;
	memset(&e, 0, sizeof e);
	intptr_t rc = kis_token_ensure(f->c, &e);
	if (rc == KIS_E_TOKEN && e.retry_after_s < 55)
		rc = -100; /* wrong hint */
	return (void *)rc;
}

static void test_egw00133_backoff(void **state)
{
	fx *f = fx_new();
	f->sc.token_mode = 1;
	f->cfg.token_wait_ms = 300;
	fx_client(f);
	kis_error e;
	memset(&e, 0, sizeof e);
	assert_int_equal(kis_token_ensure(f->c, &e), KIS_E_TOKEN);
	assert_string_equal(e.msg_cd, "EGW00133");
	/* KIS's own error_description, not kisgw's text */
	assert_string_equal(e.msg1, "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)");
	assert_in_range(e.retry_after_s, 55, 61);
	assert_int_equal(tokenp_calls(f), 1);
	/* many callers right after: nobody calls tokenP again */
	enum { N = 20 };
	pthread_t th[N];
	for (int i = 0; i < N; i++)
		pthread_create(&th[i], NULL, ensure_worker_rc, f);
	for (int i = 0; i < N; i++) {
		void *rv;
		pthread_join(th[i], &rv);
		assert_int_equal((intptr_t)rv, KIS_E_TOKEN);
	}
	assert_int_equal(tokenp_calls(f), 1);
	fx_free(f);
}

static void test_config_error_no_secret(void **state)
{
	fx *f = fx_new();
	f->sc.token_mode = 2;
	fx_client(f);
	kis_error e;
	memset(&e, 0, sizeof e);
	assert_int_equal(kis_token_ensure(f->c, &e), KIS_E_CONFIG);
	assert_string_equal(e.msg_cd, "EGW00105");
	assert_int_equal(e.http_status, 403);
	assert_null(strstr(e.msg1, T_SECRET));
	assert_null(strstr(e.msg1, T_APP_KEY));
	assert_true(f->sc.body_ok);
	fx_free(f);
}

/* A client for another key never sees this key's token (different key_id). */
static void test_key_id_scoping(void **state)
{
	fx *f = fx_new();
	fx_client(f);
	kis_error e;
	assert_int_equal(kis_token_ensure(f->c, &e), KIS_OK);
	char k1[64];
	snprintf(k1, sizeof k1, "%s", f->st.key_id);
	kis_client_free(f->c);
	f->cfg.real = 0;
	f->cfg.rate_per_sec = 100;
	fx_client(f);
	assert_int_equal(kis_token_ensure(f->c, &e), KIS_OK);
	assert_int_equal(tokenp_calls(f), 2); /* tok1 was not offered to this key */
	assert_string_not_equal(k1, f->st.key_id);
	assert_string_equal(f->st.token, "tok2");
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_single_flight),
	    cmocka_unit_test(test_persisted_token_reused),
	    cmocka_unit_test(test_min_interval),
	    cmocka_unit_test(test_min_interval_wait),
	    cmocka_unit_test(test_min_interval_configured),
	    cmocka_unit_test(test_margin_refresh),
	    cmocka_unit_test(test_margin_recent_issue_keeps_token),
	    cmocka_unit_test(test_expiry_source),
	    cmocka_unit_test(test_egw00123_reissue_retry_once),
	    cmocka_unit_test(test_egw00121_only_once),
	    cmocka_unit_test(test_egw00133_backoff),
	    cmocka_unit_test(test_config_error_no_secret),
	    cmocka_unit_test(test_key_id_scoping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
