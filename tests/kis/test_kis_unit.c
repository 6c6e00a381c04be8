/* Unit tests of the KIS client pieces that need no server: number parsing,
 * reply classification, tr_id mapping, key ids and the rate limiter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kclock.h"
#include "kis_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- numbers ---- */

static void test_parse_i64(void **state)
{
	static const struct {
		const char *in;
		int ok;
		int64_t v;
	} t[] = {
	    {"0", 1, 0},
	    {"74400", 1, 74400},
	    {"  74400  ", 1, 74400},
	    {"-500", 1, -500},
	    {"+12", 1, 12},
	    {"00001568197", 1, 1568197},
	    {"12.00", 1, 12},
	    {"-7.000", 1, -7},
	    {"9223372036854775807", 1, INT64_MAX},
	    {"-9223372036854775808", 1, INT64_MIN},
	    {"9223372036854775808", 0, 0},
	    {"99999999999999999999999", 0, 0},
	    {"12.5", 0, 0},
	    {"", 0, 0},
	    {"   ", 0, 0},
	    {"12a", 0, 0},
	    {"a12", 0, 0},
	    {"1 2", 0, 0},
	    {"--1", 0, 0},
	    {"-", 0, 0},
	    {".", 0, 0},
	    {".0", 0, 0},
	    {"0x10", 0, 0},
	    {"1e3", 0, 0},
	    {"１２", 0, 0}, /* full-width digits */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int64_t v = 12345;
		int rc = kis_parse_i64(t[i].in, &v);
		if (t[i].ok) {
			assert_int_equal(rc, 0);
			assert_true(v == t[i].v);
		} else {
			if (rc == 0)
				fail_msg("accepted bad integer '%s'", t[i].in);
			assert_true(v == 12345); /* untouched on failure */
		}
	}
	int64_t v;
	assert_int_equal(kis_parse_i64(NULL, &v), -1);
	/* a 100-char padded value is still one number */
	char padded[120];
	snprintf(padded, sizeof padded, "%-100s", "42");
	assert_int_equal(kis_parse_i64(padded, &v), 0);
	assert_true(v == 42);
}

static void test_parse_f64(void **state)
{
	double v = 0;
	assert_int_equal(kis_parse_f64("135440.2517", &v), 0);
	assert_true(v > 135440.2516 && v < 135440.2518);
	assert_int_equal(kis_parse_f64(" -1.36 ", &v), 0);
	assert_true(v < -1.359 && v > -1.361);
	assert_int_equal(kis_parse_f64("-100.00000000", &v), 0);
	assert_true(v == -100.0);
	assert_int_equal(kis_parse_f64("3", &v), 0);
	assert_true(v == 3.0);
	const char *bad[] = {"",      " ",     "nan", "inf",   "-inf", "1e5",
	                     "0x1p3", "1.2.3", "abc", "1,000", "--1",  NULL};
	for (int i = 0; bad[i]; i++) {
		if (kis_parse_f64(bad[i], &v) == 0)
			fail_msg("accepted bad decimal '%s'", bad[i]);
	}
	char huge[80];
	memset(huge, '9', 70);
	huge[70] = '\0';
	assert_int_equal(kis_parse_f64(huge, &v), -1); /* longer than any KIS number */
}

static void test_field_reader(void **state)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:n, s:s}", "a", " 10 ", "b", "x1", "c",
	                      "  ", "pdno", "005930   ", "n", 7, "z", "ODNO", "0000012345");
	kis_rd r = {o, NULL};
	assert_true(kis_rd_i64(&r, "a") == 10);
	assert_null(r.bad);
	assert_true(kis_rd_i64(&r, "n") == 7);
	assert_true(kis_rd_i64_opt(&r, "missing") == 0);
	assert_true(kis_rd_i64_opt(&r, "c") == 0); /* blank optional */
	assert_true(kis_rd_i64_opt(&r, "z") == 0); /* null optional */
	assert_null(r.bad);
	char buf[8];
	kis_rd_str(&r, "pdno", buf, sizeof buf);
	assert_string_equal(buf, "005930");
	char odno[16];
	kis_rd_str(&r, "odno", odno, sizeof odno); /* case-insensitive lookup */
	assert_string_equal(odno, "0000012345");
	assert_null(r.bad);
	kis_rd_i64(&r, "b");
	assert_non_null(r.bad);
	assert_string_equal(r.bad, "b");
	kis_rd_i64(&r, "missing"); /* first bad field wins */
	assert_string_equal(r.bad, "b");

	kis_rd r2 = {o, NULL};
	kis_rd_i64_opt(&r2, "b"); /* present but malformed is bad even if optional */
	assert_string_equal(r2.bad, "b");
	kis_rd r3 = {o, NULL};
	kis_rd_i64(&r3, "missing");
	assert_string_equal(r3.bad, "missing");
	json_decref(o);
}

/* ---- classification ---- */

static kis_class classify(long st, const char *body, int oauth, kis_error *e)
{
	memset(e, 0, sizeof *e);
	return kis_classify(st, body, body ? strlen(body) : 0, oauth, NULL, e);
}

static void test_classify_codes(void **state)
{
	static const struct {
		const char *code;
		long http;
		kis_class cl;
		kis_status st;
	} t[] = {
	    {"EGW00123", 500, KIS_CL_TOKEN, KIS_E_TOKEN},
	    {"EGW00121", 500, KIS_CL_TOKEN, KIS_E_TOKEN},
	    {"EGW00122", 500, KIS_CL_TOKEN, KIS_E_TOKEN},
	    {"EGW00123", 200, KIS_CL_TOKEN, KIS_E_TOKEN}, /* old sample: 200 + EGW00123 */
	    {"EGW00201", 500, KIS_CL_RATE, KIS_E_RATE_LIMIT},
	    {"EGW00001", 500, KIS_CL_TRANSIENT, KIS_E_TRANSIENT},
	    {"EGW00002", 500, KIS_CL_TRANSIENT, KIS_E_TRANSIENT},
	    {"EGW00301", 500, KIS_CL_TIMEOUT, KIS_E_TIMEOUT},
	    {"EGW00302", 200, KIS_CL_TIMEOUT, KIS_E_TIMEOUT},
	    {"EGW00103", 403, KIS_CL_CONFIG, KIS_E_CONFIG},
	    {"EGW00105", 403, KIS_CL_CONFIG, KIS_E_CONFIG},
	    {"EGW00206", 500, KIS_CL_CONFIG, KIS_E_CONFIG},
	    {"OPSQ2000", 200, KIS_CL_CONFIG, KIS_E_CONFIG},
	    {"APBK0918", 200, KIS_CL_REJECTED, KIS_E_REJECTED},
	    {"40580000", 200, KIS_CL_REJECTED, KIS_E_REJECTED},
	    {"40250000", 500, KIS_CL_REJECTED, KIS_E_REJECTED},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char body[256];
		snprintf(body, sizeof body,
		         "{\"rt_cd\":\"1\",\"msg_cd\":\"%s\",\"msg1\":\"some text          \"}",
		         t[i].code);
		kis_error e;
		kis_class cl = classify(t[i].http, body, 0, &e);
		if (cl != t[i].cl)
			fail_msg("%s: class %s, want %s", t[i].code, kis_class_name(cl),
			         kis_class_name(t[i].cl));
		assert_int_equal(e.status, t[i].st);
		assert_string_equal(e.msg_cd, t[i].code);
		assert_string_equal(e.msg1, "some text"); /* trimmed */
		assert_int_equal(e.http_status, (int)t[i].http);
	}
}

/* Walks the table of known codes: each is classified as listed whatever the
 * HTTP status, carries its source and meaning, and is listed once. */
static void test_classify_table(void **state)
{
	const kis_code_info *t;
	size_t n = kis_code_table(&t);
	assert_true(n >= 20);
	static const long statuses[] = {200, 403, 500};
	for (size_t i = 0; i < n; i++) {
		assert_true(t[i].source && t[i].source[0]);
		assert_true(t[i].meaning && t[i].meaning[0]);
		for (size_t k = 0; k < i; k++)
			if (strcmp(t[i].code, t[k].code) == 0)
				fail_msg("%s listed twice", t[i].code);
		for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++) {
			char body[160];
			snprintf(body, sizeof body,
			         "{\"rt_cd\":\"1\",\"msg_cd\":\"%s\",\"msg1\":\"x\"}", t[i].code);
			kis_error e;
			kis_class cl = classify(statuses[s], body, 0, &e);
			if (cl != t[i].cl)
				fail_msg("%s on %ld: %s, table says %s", t[i].code, statuses[s],
				         kis_class_name(cl), kis_class_name(t[i].cl));
			assert_int_equal(e.status, kis_class_status(t[i].cl));
		}
	}
}

/* Codes kisgw does not list are classified by family: only the business
 * families (APBK, IGW, OPSQ, KIOK, MCA, 8 digits) are refusals; an unknown
 * EGW code, or a code of no family, is a gateway-level failure. */
static void test_classify_families(void **state)
{
	static const struct {
		const char *code;
		long http;
		kis_class cl;
	} t[] = {
	    {"EGW00215", 500, KIS_CL_RATE},      {"EGW00300", 500, KIS_CL_TRANSIENT},
	    {"EGW99001", 500, KIS_CL_TRANSIENT}, {"EGW90000", 200, KIS_CL_TRANSIENT},
	    {"ZZZ12345", 500, KIS_CL_TRANSIENT}, {"ZZZ12345", 200, KIS_CL_TRANSIENT},
	    {"APBK0918", 200, KIS_CL_REJECTED},  {"APBK9999", 500, KIS_CL_REJECTED},
	    {"40990000", 200, KIS_CL_REJECTED},  {"40250000", 500, KIS_CL_REJECTED},
	    {"IGW00011", 200, KIS_CL_REJECTED},  {"OPSQ1002", 500, KIS_CL_REJECTED},
	    {"4099000", 200, KIS_CL_TRANSIENT}, /* 7 digits: no family */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char body[160];
		snprintf(body, sizeof body, "{\"rt_cd\":\"1\",\"msg_cd\":\"%s\",\"msg1\":\"x\"}",
		         t[i].code);
		kis_error e;
		kis_class cl = classify(t[i].http, body, 0, &e);
		if (cl != t[i].cl)
			fail_msg("%s on %ld: %s, want %s", t[i].code, t[i].http, kis_class_name(cl),
			         kis_class_name(t[i].cl));
	}
	/* "no such stock" only in a refusal */
	kis_error e;
	assert_int_equal(
	    classify(200, "{\"rt_cd\":\"1\",\"msg_cd\":\"40070000\",\"msg1\":\"x\"}", 0, &e),
	    KIS_CL_UNKNOWN_CODE);
	assert_int_equal(e.status, KIS_E_UNKNOWN_CODE);
}

static void test_classify_envelopes(void **state)
{
	kis_error e;
	/* success */
	assert_int_equal(
	    classify(200, "{\"rt_cd\":\"0\",\"msg_cd\":\"MCA00000\",\"msg1\":\"ok\"}", 0, &e),
	    KIS_CL_OK);
	assert_int_equal(e.status, KIS_OK);
	/* KIOK0560 no data is an empty success, even with rt_cd 7 */
	assert_int_equal(
	    classify(200,
	             "{\"rt_cd\":\"7\",\"msg_cd\":\"KIOK0560\",\"msg1\":\"조회할 내용이 "
	             "없습니다\"}",
	             0, &e),
	    KIS_CL_EMPTY);
	assert_int_equal(e.status, KIS_OK);
	/* UTF-8 msg1, space padded */
	assert_int_equal(
	    classify(200,
	             "{\"rt_cd\":\"1\",\"msg_cd\":\"40580000\",\"msg1\":\"모의투자 장종료 "
	             "입니다.                    \"}",
	             0, &e),
	    KIS_CL_REJECTED);
	assert_string_equal(e.msg1, "모의투자 장종료 입니다.");
	/* non-JSON bodies */
	assert_int_equal(classify(502, "<html>Bad Gateway</html>", 0, &e), KIS_CL_TRANSIENT);
	assert_int_equal(e.status, KIS_E_TRANSIENT);
	assert_int_equal(classify(500, "", 0, &e), KIS_CL_TRANSIENT);
	assert_int_equal(classify(503, NULL, 0, &e), KIS_CL_TRANSIENT);
	assert_int_equal(classify(200, "<html>ok</html>", 0, &e), KIS_CL_BAD_REPLY);
	assert_int_equal(e.status, KIS_E_BAD_REPLY);
	assert_int_equal(classify(200, "", 0, &e), KIS_CL_BAD_REPLY);
	assert_int_equal(classify(404, "not found", 0, &e), KIS_CL_BAD_REPLY);
	assert_int_equal(classify(429, "slow down", 0, &e), KIS_CL_RATE);
	assert_int_equal(classify(200, "[1,2]", 0, &e), KIS_CL_BAD_REPLY);
	assert_int_equal(classify(200, "{\"rt_cd\":\"0\"", 0, &e), KIS_CL_BAD_REPLY);
	/* JSON without rt_cd */
	assert_int_equal(classify(200, "{\"output\":{}}", 0, &e), KIS_CL_BAD_REPLY);
	assert_int_equal(classify(500, "{\"foo\":1}", 0, &e), KIS_CL_TRANSIENT);
	assert_int_equal(classify(200, "{\"rt_cd\":0}", 0, &e),
	                 KIS_CL_BAD_REPLY); /* not a string */
	/* success envelope with an error status is not trusted */
	assert_int_equal(classify(500, "{\"rt_cd\":\"0\",\"msg_cd\":\"X\"}", 0, &e),
	                 KIS_CL_TRANSIENT);
	/* an over-long msg_cd / msg1 is cut, not overflowed */
	char big[1400];
	snprintf(big, sizeof big, "{\"rt_cd\":\"1\",\"msg_cd\":\"APBK%0300d\",\"msg1\":\"%0900d\"}",
	         1, 2);
	assert_int_equal(classify(200, big, 0, &e), KIS_CL_REJECTED);
	assert_int_equal(strlen(e.msg_cd), sizeof e.msg_cd - 1);
	assert_int_equal(strlen(e.msg1), sizeof e.msg1 - 1);
}

static void test_classify_oauth(void **state)
{
	kis_error e;
	assert_int_equal(
	    classify(403,
	             "{\"error_code\":\"EGW00133\",\"error_description\":\"접근토큰 발급 "
	             "잠시 후 다시 시도하세요(1분당 1회)\"}",
	             1, &e),
	    KIS_CL_TOKEN_RATE);
	assert_int_equal(e.status, KIS_E_TOKEN);
	assert_string_equal(e.msg_cd, "EGW00133");
	assert_int_equal(
	    classify(403,
	             "{\"error_code\":\"EGW00105\",\"error_description\":\"유효하지 않은 "
	             "AppSecret입니다.\"}",
	             1, &e),
	    KIS_CL_CONFIG);
	assert_int_equal(e.status, KIS_E_CONFIG);
	assert_int_equal(classify(403, "{\"error_code\":\"EGW00103\"}", 1, &e), KIS_CL_CONFIG);
	assert_int_equal(
	    classify(200,
	             "{\"access_token\":\"x\",\"token_type\":\"Bearer\",\"expires_in\":"
	             "86400}",
	             1, &e),
	    KIS_CL_OK);
	assert_int_equal(classify(403, "{\"error_code\":\"EGW99999\"}", 1, &e), KIS_CL_REJECTED);
	assert_int_equal(classify(500, "oops", 1, &e), KIS_CL_TRANSIENT);
	assert_int_equal(classify(403, "forbidden", 1, &e), KIS_CL_BAD_REPLY);
}

/* ---- tr_ids ---- */

static void test_tr_ids(void **state)
{
	static const struct {
		kis_tr tr;
		const char *real, *virt, *real_old, *virt_old;
	} t[] = {
	    {KIS_TR_PRICE, "FHKST01010100", "FHKST01010100", "FHKST01010100", "FHKST01010100"},
	    {KIS_TR_DAILY_CHART, "FHKST03010100", "FHKST03010100", "FHKST03010100",
	     "FHKST03010100"},
	    {KIS_TR_BALANCE, "TTTC8434R", "VTTC8434R", "TTTC8434R", "VTTC8434R"},
	    {KIS_TR_PSBL_ORDER, "TTTC8908R", "VTTC8908R", "TTTC8908R", "VTTC8908R"},
	    {KIS_TR_CCLD_RECENT, "TTTC0081R", "VTTC0081R", "TTTC8001R", "VTTC8001R"},
	    {KIS_TR_CCLD_OLD, "CTSC9215R", "VTSC9215R", "CTSC9115R", "VTSC9115R"},
	    {KIS_TR_ORDER_SELL, "TTTC0011U", "VTTC0011U", "TTTC0801U", "VTTC0801U"},
	    {KIS_TR_ORDER_BUY, "TTTC0012U", "VTTC0012U", "TTTC0802U", "VTTC0802U"},
	    {KIS_TR_ORDER_RVSECNCL, "TTTC0013U", "VTTC0013U", "TTTC0803U", "VTTC0803U"},
	    {KIS_TR_PSBL_RVSECNCL, "TTTC0084R", NULL, "TTTC8036R", NULL},
	    {KIS_TR_HOLIDAY, "CTCA0903R", NULL, "CTCA0903R", NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char b[16];
		const char *want[4] = {t[i].real, t[i].virt, t[i].real_old, t[i].virt_old};
		for (int k = 0; k < 4; k++) {
			int real = k % 2 == 0, old = k >= 2;
			const char *got = kis_tr_id(t[i].tr, real, old, b, sizeof b);
			if (!want[k])
				assert_null(got);
			else {
				assert_non_null(got);
				assert_string_equal(got, want[k]);
			}
		}
	}
	char b[16];
	assert_null(kis_tr_id(KIS_TR__MAX, 1, 0, b, sizeof b));
	assert_null(kis_tr_id(KIS_TR_PRICE, 1, 0, b, 4)); /* buffer too small */
}

static void test_key_id(void **state)
{
	char a[40], b[40], c[40], d[40], a2[40];
	assert_int_equal(kis_key_id("KEY1", 1, "https://x:9443", a, sizeof a), 0);
	assert_int_equal(kis_key_id("KEY1", 1, "https://x:9443", a2, sizeof a2), 0);
	assert_int_equal(kis_key_id("KEY2", 1, "https://x:9443", b, sizeof b), 0);
	assert_int_equal(kis_key_id("KEY1", 0, "https://x:9443", c, sizeof c), 0);
	assert_int_equal(kis_key_id("KEY1", 1, "https://y:9443", d, sizeof d), 0);
	assert_int_equal(strlen(a), 32);
	assert_string_equal(a, a2);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d);
	assert_null(strstr(a, "KEY1"));
	for (int i = 0; a[i]; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
}

/* ---- limiter ---- */

#define WIN_MS   1000
#define PER_SEC  10
#define NTHREADS 12
#define PER_THR  3

typedef struct lim_shared {
	kis_limiter *l;
	pthread_mutex_t mu;
	int64_t grants[NTHREADS * PER_THR];
	int n;
	int busy;
} lim_shared;

static void *lim_worker(void *arg)
{
	lim_shared *s = arg;
	for (int i = 0; i < PER_THR; i++) {
		int ra = 0;
		int64_t t = 0; /* the limiter's own grant instant, not ours after a reschedule */
		if (kis_limiter_acquire_at(s->l, i % 2 ? KIS_LC_ORDER : KIS_LC_QUERY, 20000, &ra,
		                           &t) != 0) {
			pthread_mutex_lock(&s->mu);
			s->busy++;
			pthread_mutex_unlock(&s->mu);
			continue;
		}
		pthread_mutex_lock(&s->mu);
		s->grants[s->n++] = t;
		pthread_mutex_unlock(&s->mu);
	}
	return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Never more than PER_SEC grants in any WIN_MS window, under contention. */
static void test_limiter_window(void **state)
{
	lim_shared s;
	memset(&s, 0, sizeof s);
	pthread_mutex_init(&s.mu, NULL);
	s.l = kis_limiter_new(PER_SEC, WIN_MS);
	assert_non_null(s.l);
	pthread_t th[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, lim_worker, &s);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(s.busy, 0);
	assert_int_equal(s.n, NTHREADS * PER_THR);
	qsort(s.grants, (size_t)s.n, sizeof s.grants[0], cmp_i64);
	for (int i = 0; i < s.n; i++) {
		int in = 0;
		for (int k = i; k < s.n && s.grants[k] < s.grants[i] + WIN_MS; k++)
			in++;
		if (in > PER_SEC)
			fail_msg("%d grants within %d ms starting at grant %d", in, WIN_MS, i);
	}
	kis_limiter_free(s.l);
	pthread_mutex_destroy(&s.mu);
}

typedef struct order_shared {
	kis_limiter *l;
	pthread_mutex_t mu;
	char seq[16];
	int n;
} order_shared;

typedef struct order_arg {
	order_shared *s;
	char tag;
	kis_lclass cls;
	int after; /* queue only once this many waiters are queued */
} order_arg;

static void sleep_ms(int ms);

static void *order_worker(void *arg)
{
	order_arg *a = arg;
	int ra;
	while (kis_limiter_queued(a->s->l, KIS_LC_QUERY) +
	           kis_limiter_queued(a->s->l, KIS_LC_ORDER) +
	           kis_limiter_queued(a->s->l, KIS_LC_BACKGROUND) <
	       a->after)
		sleep_ms(1);
	if (kis_limiter_acquire(a->s->l, a->cls, 20000, &ra) == 0) {
		pthread_mutex_lock(&a->s->mu);
		a->s->seq[a->s->n++] = a->tag;
		pthread_mutex_unlock(&a->s->mu);
	}
	return NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Queries queue FIFO; an order that arrives later is served before them. */
static void test_limiter_priority_fifo(void **state)
{
	order_shared s;
	memset(&s, 0, sizeof s);
	pthread_mutex_init(&s.mu, NULL);
	s.l = kis_limiter_new(1, 100);
	kis_limiter_pause(s.l, 1); /* line everybody up first */
	order_arg args[5] = {{&s, 'a', KIS_LC_QUERY, 0},
	                     {&s, 'b', KIS_LC_QUERY, 0},
	                     {&s, 'c', KIS_LC_QUERY, 0},
	                     {&s, 'X', KIS_LC_ORDER, 0},
	                     {&s, 'Y', KIS_LC_ORDER, 0}};
	pthread_t th[5];
	for (int i = 0; i < 5; i++) {
		args[i].after = i; /* fixes the arrival order */
		pthread_create(&th[i], NULL, order_worker, &args[i]);
	}
	while (kis_limiter_queued(s.l, KIS_LC_QUERY) + kis_limiter_queued(s.l, KIS_LC_ORDER) < 5)
		sleep_ms(1);
	assert_int_equal(s.n, 0);
	kis_limiter_pause(s.l, 0);
	for (int i = 0; i < 5; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(s.n, 5);
	s.seq[s.n] = '\0';
	assert_string_equal(s.seq, "XYabc");
	kis_limiter_free(s.l);
	pthread_mutex_destroy(&s.mu);
}

/* Background work (the auto-trade job) that queued first still goes after
 * every order and query that arrives while it waits. */
static void test_limiter_background_last(void **state)
{
	order_shared s;
	memset(&s, 0, sizeof s);
	pthread_mutex_init(&s.mu, NULL);
	s.l = kis_limiter_new(1, 100);
	kis_limiter_pause(s.l, 1);
	order_arg args[5] = {{&s, 'j', KIS_LC_BACKGROUND, 0},
	                     {&s, 'k', KIS_LC_BACKGROUND, 0},
	                     {&s, 'a', KIS_LC_QUERY, 0},
	                     {&s, 'X', KIS_LC_ORDER, 0},
	                     {&s, 'b', KIS_LC_QUERY, 0}};
	pthread_t th[5];
	for (int i = 0; i < 5; i++) {
		args[i].after = i;
		pthread_create(&th[i], NULL, order_worker, &args[i]);
	}
	while (kis_limiter_queued(s.l, KIS_LC_QUERY) + kis_limiter_queued(s.l, KIS_LC_ORDER) +
	           kis_limiter_queued(s.l, KIS_LC_BACKGROUND) <
	       5)
		sleep_ms(1);
	kis_limiter_pause(s.l, 0);
	for (int i = 0; i < 5; i++)
		pthread_join(th[i], NULL);
	s.seq[s.n] = '\0';
	assert_string_equal(s.seq, "Xabjk");
	kis_limiter_free(s.l);
	pthread_mutex_destroy(&s.mu);
}

/* A wait that would exceed wait_ms ends in -1 with a retry hint. */
/* A call counts from its grant until one window after its answer: KIS
 * counts arrivals, and a slow call may arrive late. While it is in flight
 * its slot stays taken however long that is; after its answer the next
 * grant waits a whole window from the answer, not from the send. */
static void test_limiter_in_flight(void **state)
{
	(void)state;
	kis_limiter *l = kis_limiter_new(1, 100);
	int ra = 0, slot = -1;
	assert_int_equal(kis_limiter_take(l, KIS_LC_QUERY, 0, &ra, NULL, &slot), 0);
	assert_true(slot >= 0);
	/* three windows pass; the call is still out */
	assert_int_equal(kis_limiter_acquire(l, KIS_LC_QUERY, 300, &ra), -1);
	int64_t before = mono_ms();
	kis_limiter_done(l, slot);
	int64_t granted = 0;
	assert_int_equal(kis_limiter_acquire_at(l, KIS_LC_QUERY, 5000, &ra, &granted), 0);
	assert_true(granted >= before + 100);
	kis_limiter_done(l, -1); /* a failed take's slot: nothing to do */
	kis_limiter_free(l);
}

static void test_limiter_busy(void **state)
{
	kis_limiter *l = kis_limiter_new(2, 60000);
	int ra = 0;
	assert_int_equal(kis_limiter_acquire(l, KIS_LC_QUERY, 100, &ra), 0);
	assert_int_equal(kis_limiter_acquire(l, KIS_LC_ORDER, 100, &ra), 0);
	ra = 0;
	assert_int_equal(kis_limiter_acquire(l, KIS_LC_QUERY, 100, &ra), -1);
	assert_true(ra >= 1);
	ra = 0;
	assert_int_equal(kis_limiter_acquire(l, KIS_LC_ORDER, 0, &ra), -1);
	assert_true(ra >= 50); /* the window frees in ~60 s */
	kis_limiter_free(l);
	assert_null(kis_limiter_new(0, 1000));
}

/* A waiter that gives up leaves the queue: the ones behind it still get served. */
static void test_limiter_timeout_unlinks(void **state)
{
	order_shared s;
	memset(&s, 0, sizeof s);
	pthread_mutex_init(&s.mu, NULL);
	s.l = kis_limiter_new(1, 400);
	int ra;
	assert_int_equal(kis_limiter_acquire(s.l, KIS_LC_QUERY, 0, &ra), 0);
	/* this thread queues first but only waits 50 ms; 'b' queues behind it */
	order_arg b = {&s, 'b', KIS_LC_QUERY, 1};
	pthread_t tb;
	pthread_create(&tb, NULL, order_worker, &b);
	assert_int_equal(kis_limiter_acquire(s.l, KIS_LC_QUERY, 50, &ra), -1);
	pthread_join(tb, NULL);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.seq[0], 'b');
	kis_limiter_free(s.l);
	pthread_mutex_destroy(&s.mu);
}

/* AIMD: a rate refusal lowers the current limit to 3/4 once per window,
 * and the limiter then grants only that many per window. */
static void test_limiter_aimd_decrease(void **state)
{
	kis_limiter *l = kis_limiter_new(12, 60000);
	int lim = 0, cur = 0;
	kis_limiter_rate(l, &lim, &cur);
	assert_int_equal(lim, 12);
	assert_int_equal(cur, 12);
	kis_limiter_slow_down(l);
	kis_limiter_rate(l, &lim, &cur);
	assert_int_equal(lim, 12);
	assert_int_equal(cur, 9);
	kis_limiter_slow_down(l); /* same window: the in-flight refusals say the same */
	kis_limiter_rate(l, NULL, &cur);
	assert_int_equal(cur, 9);
	int ra;
	for (int i = 0; i < 9; i++)
		assert_int_equal(kis_limiter_acquire(l, KIS_LC_QUERY, 0, &ra), 0);
	assert_int_equal(kis_limiter_acquire(l, KIS_LC_QUERY, 0, &ra), -1);
	assert_true(ra >= 1);
	kis_limiter_free(l);
	/* never below one a window */
	l = kis_limiter_new(1, 10);
	kis_limiter_slow_down(l);
	kis_limiter_rate(l, NULL, &cur);
	assert_int_equal(cur, 1);
	kis_limiter_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_i64),
	    cmocka_unit_test(test_parse_f64),
	    cmocka_unit_test(test_field_reader),
	    cmocka_unit_test(test_classify_codes),
	    cmocka_unit_test(test_classify_table),
	    cmocka_unit_test(test_classify_families),
	    cmocka_unit_test(test_classify_envelopes),
	    cmocka_unit_test(test_classify_oauth),
	    cmocka_unit_test(test_tr_ids),
	    cmocka_unit_test(test_key_id),
	    cmocka_unit_test(test_limiter_window),
	    cmocka_unit_test(test_limiter_priority_fifo),
	    cmocka_unit_test(test_limiter_background_last),
	    cmocka_unit_test(test_limiter_in_flight),
	    cmocka_unit_test(test_limiter_busy),
	    cmocka_unit_test(test_limiter_timeout_unlinks),
	    cmocka_unit_test(test_limiter_aimd_decrease),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
