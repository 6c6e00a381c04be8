/* The execution-notice decoder and the WebSocket control-frame parser
 * (kis_notice.c): both layouts, every kind of §9.6, several records in one
 * frame, an unknown layout, bad Base64 / key / padding, and a fuzz pass of
 * byte-mutated and truncated frames (deterministic seed) that must always
 * end in a defined result with bounded, terminated fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kis.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY "iuheqrmvfxoceaxeyqgjwesozgizmmgx"
#define IV  "d59d91fcf9fd0044"

/* A 26-field record; kind picks CNTG_YN / ACPT_YN / RFUS_YN / RCTF_CLS. */
static void rec26(char *out, size_t cap, const char *odno, const char *rctf, const char *qty,
                  const char *price, const char *rfus, const char *cntg, const char *acpt)
{
	snprintf(out, cap,
	         "myhtsid^5000000001^%s^^02^%s^00^0^005930^%s^%s^100501^%s^%s^%s^06010^10^"
	         "모의투자^0^1^Y^^10^^삼성전자^74400",
	         odno, rctf, qty, price, rfus, cntg, acpt);
}

/* The same record in the older 23-field layout (fields 0–17, then
 * CNTG_ISNM, CRDT_CLS, CRDT_LOAN_DATE, CNTG_ISNM40, ODER_PRC). */
static void rec23(char *out, size_t cap, const char *odno, const char *qty, const char *price)
{
	snprintf(out, cap,
	         "myhtsid^5000000001^%s^^01^0^00^0^005930^%s^%s^100501^0^2^2^06010^10^"
	         "모의투자^삼성전자^10^^삼성전자^74400",
	         odno, qty, price);
}

/* "1|tr|NNN|" + Base64(AES-256-CBC(plain)) into a malloc'd frame. */
static char *frame(const char *tr, int count, const char *plain, const char *key, const char *iv)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = (int)strlen(plain), l1 = 0, l2 = 0;
	unsigned char *ct = malloc((size_t)n + 32);
	char *b64 = malloc(((size_t)n + 32) / 3 * 4 + 8);
	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, (const unsigned char *)key,
	                                    (const unsigned char *)iv),
	                 1);
	assert_int_equal(EVP_EncryptUpdate(c, ct, &l1, (const unsigned char *)plain, n), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, ct + l1, &l2), 1);
	EVP_EncodeBlock((unsigned char *)b64, ct, l1 + l2);
	EVP_CIPHER_CTX_free(c);
	free(ct);
	char *f = malloc(strlen(b64) + 32);
	sprintf(f, "1|%s|%03d|%s", tr, count, b64);
	free(b64);
	return f;
}

static kis_decode_rc decode(const char *f, kis_notice *out, size_t cap, size_t *n)
{
	char why[160];
	return kis_notice_decode(f, strlen(f), KEY, IV, out, cap, n, why, sizeof(why));
}

static void test_fill_26(void **state)
{
	char r[512];
	rec26(r, sizeof(r), "0000001234", "0", "3", "74300", "0", "2", "2");
	char *f = frame("H0STCNI9", 1, r, KEY, IV);
	kis_notice n[4];
	size_t k = 0;
	assert_int_equal(decode(f, n, 4, &k), KIS_DECODE_OK);
	assert_int_equal(k, 1);
	assert_int_equal(n[0].kind, KIS_NOTICE_FILL);
	assert_string_equal(n[0].hts_id, "myhtsid");
	assert_string_equal(n[0].account, "5000000001");
	assert_string_equal(n[0].odno, "0000001234");
	assert_string_equal(n[0].orgn_odno, "");
	assert_string_equal(n[0].orgno, "06010");
	assert_string_equal(n[0].code, "005930");
	assert_int_equal(n[0].side, KIS_SIDE_BUY);
	assert_int_equal(n[0].qty, 3);
	assert_int_equal(n[0].price, 74300);
	assert_int_equal(n[0].ord_qty, 10);
	assert_int_equal(n[0].hhmmss, 100501);
	assert_int_equal(n[0].fields, 26);
	free(f);
}

static void test_old_layout_23(void **state)
{
	char r[512];
	rec23(r, sizeof(r), "0000000077", "5", "70100");
	char *f = frame("H0STCNI0", 1, r, KEY, IV);
	kis_notice n[2];
	size_t k = 0;
	assert_int_equal(decode(f, n, 2, &k), KIS_DECODE_OK);
	assert_int_equal(k, 1);
	assert_int_equal(n[0].fields, 23);
	assert_int_equal(n[0].kind, KIS_NOTICE_FILL);
	assert_int_equal(n[0].side, KIS_SIDE_SELL);
	assert_int_equal(n[0].qty, 5);
	assert_int_equal(n[0].price, 70100);
	free(f);
}

static void test_two_records(void **state)
{
	char a[512], b[512], both[1100];
	rec26(a, sizeof(a), "0000000010", "0", "10", "0", "0", "1", "1");
	rec26(b, sizeof(b), "0000000010", "0", "10", "74400", "0", "2", "2");
	snprintf(both, sizeof(both), "%s^%s", a, b);
	char *f = frame("H0STCNI9", 2, both, KEY, IV);
	kis_notice n[4];
	size_t k = 0;
	assert_int_equal(decode(f, n, 4, &k), KIS_DECODE_OK);
	assert_int_equal(k, 2);
	assert_int_equal(n[0].kind, KIS_NOTICE_ACCEPTED);
	assert_int_equal(n[0].price, 74400); /* ack: ODER_PRC when CNTG_UNPR is 0 */
	assert_int_equal(n[1].kind, KIS_NOTICE_FILL);
	assert_int_equal(n[1].qty, 10);
	/* no room for the second record: nothing half-delivered */
	assert_int_equal(decode(f, n, 1, &k), KIS_DECODE_BAD);
	assert_int_equal(k, 0);
	free(f);
}

static void test_kinds(void **state)
{
	struct {
		const char *rctf, *rfus, *cntg, *acpt;
		kis_notice_kind want;
	} cases[] = {
	    {"0", "0", "1", "1", KIS_NOTICE_ACCEPTED}, {"1", "0", "1", "2", KIS_NOTICE_MODIFIED},
	    {"2", "0", "1", "2", KIS_NOTICE_CANCELED}, {"0", "1", "1", "1", KIS_NOTICE_REJECTED},
	    {"0", "0", "1", "3", KIS_NOTICE_EXPIRED},  {"0", "0", "2", "2", KIS_NOTICE_FILL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char r[512];
		rec26(r, sizeof(r), "0000000042", cases[i].rctf, "4", "74400", cases[i].rfus,
		      cases[i].cntg, cases[i].acpt);
		char *f = frame("H0STCNI9", 1, r, KEY, IV);
		kis_notice n[1];
		size_t k = 0;
		assert_int_equal(decode(f, n, 1, &k), KIS_DECODE_OK);
		assert_int_equal(n[0].kind, cases[i].want);
		assert_string_not_equal(kis_notice_kind_name(n[0].kind), "?");
		free(f);
	}
}

static void test_unknown_layout(void **state)
{
	char r[512], longer[600];
	rec26(r, sizeof(r), "0000001234", "0", "3", "74300", "0", "2", "2");
	snprintf(longer, sizeof(longer), "%s^extra^fields", r); /* 28 */
	char *f = frame("H0STCNI9", 1, longer, KEY, IV);
	kis_notice n[2];
	size_t k = 9;
	char why[160];
	assert_int_equal(kis_notice_decode(f, strlen(f), KEY, IV, n, 2, &k, why, sizeof(why)),
	                 KIS_DECODE_LAYOUT);
	assert_int_equal(k, 0);
	assert_non_null(strstr(why, "28 fields"));
	free(f);
	/* the count says two records, the text holds one */
	f = frame("H0STCNI9", 2, r, KEY, IV);
	assert_int_equal(decode(f, n, 2, &k), KIS_DECODE_LAYOUT);
	free(f);
}

static void test_bad_frames(void **state)
{
	char r[512];
	rec26(r, sizeof(r), "0000001234", "0", "3", "74300", "0", "2", "2");
	char *f = frame("H0STCNI9", 1, r, KEY, IV);
	kis_notice n[2];
	size_t k = 0;
	char why[160];
	/* wrong key: padding check fails (or garbage text fails the fields) */
	assert_int_equal(kis_notice_decode(f, strlen(f), "abcdefghijklmnopqrstuvwxyzabcdef", IV, n,
	                                   2, &k, why, sizeof(why)),
	                 KIS_DECODE_BAD);
	/* short key / no key */
	assert_int_equal(kis_notice_decode(f, strlen(f), "short", IV, n, 2, &k, why, sizeof(why)),
	                 KIS_DECODE_BAD);
	assert_int_equal(kis_notice_decode(f, strlen(f), NULL, NULL, n, 2, &k, why, sizeof(why)),
	                 KIS_DECODE_BAD);
	free(f);
	const char *bad[] = {
	    "",
	    "1|H0STCNI9|001|",
	    "1|H0STCNI9|001|!!!notbase64!!!",
	    "1|H0STCNI9|001|QUJD",   /* "ABC": not a multiple of the block */
	    "1|H0STCNT0|001|QUJD",   /* not a notice TR */
	    "1|H0STCNI9|000|QUJD",   /* zero records */
	    "1|H0STCNI9|0x1|QUJD",   /* bad count */
	    "1|H0STCNI9|00001|QUJD", /* count too long */
	    "2|H0STCNI9|001|QUJD",   /* not a data frame */
	    "{\"header\":{}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(decode(bad[i], n, 2, &k), KIS_DECODE_BAD);
	/* a plain notice (encrypted flag 0) decodes without the key */
	char plain[600];
	snprintf(plain, sizeof(plain), "0|H0STCNI9|001|%s", r);
	assert_int_equal(
	    kis_notice_decode(plain, strlen(plain), NULL, NULL, n, 2, &k, why, sizeof(why)),
	    KIS_DECODE_OK);
	assert_int_equal(n[0].qty, 3);
	/* a fill without a quantity, a side that is neither 01 nor 02 */
	rec26(r, sizeof(r), "0000001234", "0", "0", "74300", "0", "2", "2");
	f = frame("H0STCNI9", 1, r, KEY, IV);
	assert_int_equal(decode(f, n, 2, &k), KIS_DECODE_BAD);
	free(f);
	rec26(r, sizeof(r), "", "0", "3", "74300", "0", "2", "2");
	f = frame("H0STCNI9", 1, r, KEY, IV);
	assert_int_equal(decode(f, n, 2, &k), KIS_DECODE_BAD);
	free(f);
}

static void test_control(void **state)
{
	kis_ws_control c;
	const char *ok =
	    "{\"header\":{\"tr_id\":\"H0STCNI9\",\"tr_key\":\"myhtsid\",\"encrypt\":"
	    "\"Y\"},\"body\":{\"rt_cd\":\"0\",\"msg_cd\":\"OPSP0000\",\"msg1\":"
	    "\"SUBSCRIBE SUCCESS\",\"output\":{\"iv\":\"" IV "\",\"key\":\"" KEY "\"}}}";
	assert_int_equal(kis_ws_control_parse(ok, strlen(ok), &c), 0);
	assert_false(c.pingpong);
	assert_string_equal(c.tr_id, "H0STCNI9");
	assert_string_equal(c.tr_key, "myhtsid");
	assert_string_equal(c.msg_cd, "OPSP0000");
	assert_string_equal(c.key, KEY);
	assert_string_equal(c.iv, IV);
	const char *pp = "{\"header\":{\"tr_id\":\"PINGPONG\",\"datetime\":\"20261124100000\"}}";
	assert_int_equal(kis_ws_control_parse(pp, strlen(pp), &c), 0);
	assert_true(c.pingpong);
	const char *busy = "{\"header\":{\"tr_id\":\"H0STCNI9\"},\"body\":{\"rt_cd\":\"1\","
	                   "\"msg_cd\":\"OPSP8996\",\"msg1\":\"ALREADY IN USE appkey\"}}";
	assert_int_equal(kis_ws_control_parse(busy, strlen(busy), &c), 0);
	assert_string_equal(c.msg_cd, "OPSP8996");
	assert_string_equal(c.key, "");
	assert_int_equal(kis_ws_control_parse("[1]", 3, &c), -1);
	assert_int_equal(kis_ws_control_parse("{\"header\":1}", 12, &c), -1);
	assert_int_equal(kis_ws_control_parse("{", 1, &c), -1);
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

static void check_bounded(const kis_notice *n, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		assert_true(memchr(n[i].odno, 0, sizeof(n[i].odno)) != NULL);
		assert_true(memchr(n[i].code, 0, sizeof(n[i].code)) != NULL);
		assert_true(memchr(n[i].hts_id, 0, sizeof(n[i].hts_id)) != NULL);
		assert_true(n[i].odno[0] != 0);
		assert_true(n[i].qty >= 0 && n[i].price >= 0);
		assert_true((unsigned)n[i].kind < KIS_NOTICE__MAX);
		assert_true(n[i].fields == 26 || n[i].fields == 23);
		if (n[i].kind == KIS_NOTICE_FILL)
			assert_true(n[i].qty > 0 && n[i].price > 0);
	}
}

static const char alphabet[] = "^|0123456789-. ABCxyz=+/\xff\xc3";

/* Mutates the plain text (then encrypts: exercises the field reader) and
 * the frame itself (exercises Base64, cipher, padding and framing). */
static void test_fuzz(void **state)
{
	char a[512], b[512], both[1100];
	rec26(a, sizeof(a), "0000000010", "0", "10", "0", "0", "1", "1");
	rec23(b, sizeof(b), "0000000011", "5", "70100");
	snprintf(both, sizeof(both), "%s^%s", a, a);
	const char *seeds[] = {a, b, both};
	const int counts[] = {1, 1, 2};
	int outcomes[3] = {0, 0, 0};
	kis_notice n[4];
	size_t k;
	char why[160];
	for (int round = 0; round < 3000; round++) {
		int s = round % 3;
		char plain[1200];
		snprintf(plain, sizeof(plain), "%s", seeds[s]);
		size_t pl = strlen(plain);
		int muts = 1 + (int)(rnd() % 4);
		for (int m = 0; m < muts && pl; m++) {
			size_t at = rnd() % pl;
			switch (rnd() % 3) {
			case 0:
				plain[at] = alphabet[rnd() % (sizeof(alphabet) - 1)];
				break;
			case 1: /* delete */
				memmove(plain + at, plain + at + 1, pl - at);
				pl--;
				break;
			default: /* truncate */
				plain[at] = 0;
				pl = at;
				break;
			}
		}
		if (!pl)
			continue;
		char *f = frame("H0STCNI9", counts[s], plain, KEY, IV);
		kis_decode_rc rc = decode(f, n, 4, &k);
		assert_true(rc == KIS_DECODE_OK || rc == KIS_DECODE_BAD || rc == KIS_DECODE_LAYOUT);
		outcomes[rc]++;
		if (rc == KIS_DECODE_OK)
			check_bounded(n, k);
		else
			assert_int_equal(k, 0);
		/* now damage the frame bytes */
		size_t fl = strlen(f);
		for (int m = 0; m < 3; m++)
			f[rnd() % fl] = alphabet[rnd() % (sizeof(alphabet) - 1)];
		size_t cut = rnd() % 4 == 0 ? rnd() % fl : fl;
		rc = kis_notice_decode(f, cut, KEY, IV, n, 4, &k, why, sizeof(why));
		assert_true(rc == KIS_DECODE_OK || rc == KIS_DECODE_BAD || rc == KIS_DECODE_LAYOUT);
		if (rc == KIS_DECODE_OK)
			check_bounded(n, k);
		kis_ws_control c;
		int cr = kis_ws_control_parse(f, cut, &c);
		assert_true(cr == 0 || cr == -1);
		free(f);
	}
	/* the mutations reach all three outcomes */
	assert_true(outcomes[KIS_DECODE_OK] > 0);
	assert_true(outcomes[KIS_DECODE_BAD] > 0);
	assert_true(outcomes[KIS_DECODE_LAYOUT] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fill_26),        cmocka_unit_test(test_old_layout_23),
	    cmocka_unit_test(test_two_records),    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_unknown_layout), cmocka_unit_test(test_bad_frames),
	    cmocka_unit_test(test_control),        cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
