/* kis_notice.c — the real-time execution notice (H0STCNI0 / H0STCNI9) and
 * the WebSocket's JSON control frames, decoded by pure functions.
 *
 * A notice frame is "1|<tr_id>|<count>|<Base64>": Base64 → AES-256-CBC
 * (key = the 32 key chars, iv = the 16 iv chars of the subscribe reply) →
 * PKCS#7 → UTF-8 text of count records joined by '^'. KIS has changed the
 * record more than once (26 fields now, 23 before; indices 0–17 agree and
 * the last field is ODER_PRC in both), so the layout is chosen by the
 * field count and anything else is KIS_DECODE_LAYOUT, for the caller to
 * report once and fall back to polling. Bytes come from the network: every
 * length is checked before use and nothing is trusted to be terminated.
 */
#include "kis_internal.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTICE_MAX_FRAME   (256 * 1024) /* KIS sends ~300 bytes a record */
#define NOTICE_MAX_RECORDS 999          /* the count is three digits */

enum {
	F_CUST_ID = 0,
	F_ACNT_NO,
	F_ODER_NO,
	F_OODER_NO,
	F_SELN_BYOV_CLS,
	F_RCTF_CLS,
	F_ODER_KIND,
	F_ODER_COND,
	F_STCK_SHRN_ISCD,
	F_CNTG_QTY,
	F_CNTG_UNPR,
	F_STCK_CNTG_HOUR,
	F_RFUS_YN,
	F_CNTG_YN,
	F_ACPT_YN,
	F_BRNC_NO,
	F_ODER_QTY,
	F__COMMON /* fields 0..16 are the same in every known layout */
};

static const int known_layouts[] = {26, 23};

const char *kis_notice_kind_name(kis_notice_kind k)
{
	static const char *const names[KIS_NOTICE__MAX] = {"accepted", "modified", "canceled",
	                                                   "rejected", "expired",  "fill"};
	return (unsigned)k < KIS_NOTICE__MAX ? names[k] : "?";
}

static kis_decode_rc fail(char *why, size_t whylen, kis_decode_rc rc, const char *msg)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", msg);
	return rc;
}

/* Base64 → AES-256-CBC → PKCS#7. Returns a malloc'd NUL-terminated plain
 * text (caller frees), NULL when any step fails. */
static char *decrypt(const char *b64, size_t n, const char *key, const char *iv)
{
	if (!key || !iv || strlen(key) != 32 || strlen(iv) != 16 || n == 0 || n > INT32_MAX / 2)
		return NULL;
	unsigned char *ct = malloc(n / 4 * 3 + 3);
	unsigned char *pt = malloc(n / 4 * 3 + 3 + EVP_MAX_BLOCK_LENGTH + 1);
	EVP_ENCODE_CTX *dc = EVP_ENCODE_CTX_new();
	EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
	char *out = NULL;
	int l1 = 0, l2 = 0, p1 = 0, p2 = 0;
	if (!ct || !pt || !dc || !cc)
		goto done;
	EVP_DecodeInit(dc);
	if (EVP_DecodeUpdate(dc, ct, &l1, (const unsigned char *)b64, (int)n) < 0 ||
	    EVP_DecodeFinal(dc, ct + l1, &l2) != 1)
		goto done;
	int ctn = l1 + l2;
	if (ctn <= 0 || ctn % 16)
		goto done;
	if (EVP_DecryptInit_ex(cc, EVP_aes_256_cbc(), NULL, (const unsigned char *)key,
	                       (const unsigned char *)iv) != 1 ||
	    EVP_DecryptUpdate(cc, pt, &p1, ct, ctn) != 1 ||
	    EVP_DecryptFinal_ex(cc, pt + p1, &p2) != 1)
		goto done; /* Final checks the PKCS#7 padding */
	pt[p1 + p2] = 0;
	if (memchr(pt, 0, (size_t)(p1 + p2)))
		goto done; /* text, not binary */
	out = (char *)pt;
	pt = NULL;
done:
	free(ct);
	free(pt);
	EVP_ENCODE_CTX_free(dc);
	EVP_CIPHER_CTX_free(cc);
	return out;
}

/* Trimmed field into buf; -1 when it does not fit (never truncated). */
static int field_str(const char *f, char *buf, size_t cap)
{
	char tmp[256];
	if (strlen(f) >= sizeof(tmp))
		return -1;
	kis_trim_copy(f, tmp, sizeof(tmp));
	if (strlen(tmp) >= cap)
		return -1;
	memcpy(buf, tmp, strlen(tmp) + 1);
	return 0;
}

/* Blank → 0; otherwise a KIS integer. */
static int field_i64(const char *f, int64_t *out)
{
	char tmp[64];
	if (strlen(f) >= sizeof(tmp))
		return -1;
	kis_trim_copy(f, tmp, sizeof(tmp));
	if (!tmp[0]) {
		*out = 0;
		return 0;
	}
	return kis_parse_i64(tmp, out);
}

static int flag(const char *f)
{
	char tmp[8];
	if (strlen(f) >= sizeof(tmp))
		return -1;
	kis_trim_copy(f, tmp, sizeof(tmp));
	return tmp[0] && !tmp[1] ? tmp[0] : -1;
}

/* One record: fields f[0..nf) of a known layout. 0 or -1 (why set). */
static int record(char **f, int nf, kis_notice *n, char *why, size_t whylen)
{
	memset(n, 0, sizeof(*n));
	n->fields = nf;
	int64_t v;
	const char *bad = NULL;
	if (field_str(f[F_CUST_ID], n->hts_id, sizeof(n->hts_id)))
		bad = "CUST_ID";
	else if (field_str(f[F_ACNT_NO], n->account, sizeof(n->account)))
		bad = "ACNT_NO";
	else if (field_str(f[F_ODER_NO], n->odno, sizeof(n->odno)) || !n->odno[0])
		bad = "ODER_NO";
	else if (field_str(f[F_OODER_NO], n->orgn_odno, sizeof(n->orgn_odno)))
		bad = "OODER_NO";
	else if (field_str(f[F_STCK_SHRN_ISCD], n->code, sizeof(n->code)) || !n->code[0])
		bad = "STCK_SHRN_ISCD";
	else if (field_str(f[F_BRNC_NO], n->orgno, sizeof(n->orgno)))
		bad = "BRNC_NO";
	if (bad)
		goto bad;
	/* the one normalised form of order numbers (krx_odno_norm) */
	kis_odno_fix(n->odno, sizeof(n->odno));
	if (n->orgn_odno[0])
		kis_odno_fix(n->orgn_odno, sizeof(n->orgn_odno));
	char side[8];
	if (field_str(f[F_SELN_BYOV_CLS], side, sizeof(side)) ||
	    (strcmp(side, "01") && strcmp(side, "02"))) {
		bad = "SELN_BYOV_CLS";
		goto bad;
	}
	n->side = side[1] == '1' ? KIS_SIDE_SELL : KIS_SIDE_BUY;
	if (field_i64(f[F_ODER_KIND], &v) || v < 0 || v > 99) {
		bad = "ODER_KIND";
		goto bad;
	}
	n->ord_dvsn = (int)v;
	if (field_i64(f[F_ODER_COND], &v) || v < 0 || v > 9) {
		bad = "ODER_COND";
		goto bad;
	}
	n->cond = (int)v;
	if (field_i64(f[F_CNTG_QTY], &n->qty) || n->qty < 0) {
		bad = "CNTG_QTY";
		goto bad;
	}
	if (field_i64(f[F_CNTG_UNPR], &n->price) || n->price < 0) {
		bad = "CNTG_UNPR";
		goto bad;
	}
	if (field_i64(f[F_STCK_CNTG_HOUR], &v) || v < 0 || v > 235959) {
		bad = "STCK_CNTG_HOUR";
		goto bad;
	}
	n->hhmmss = (int)v;
	if (field_i64(f[F_ODER_QTY], &n->ord_qty) || n->ord_qty < 0) {
		bad = "ODER_QTY";
		goto bad;
	}
	int rfus = flag(f[F_RFUS_YN]), cntg = flag(f[F_CNTG_YN]), acpt = flag(f[F_ACPT_YN]);
	int rctf = flag(f[F_RCTF_CLS]);
	if (cntg != '1' && cntg != '2') {
		bad = "CNTG_YN";
		goto bad;
	}
	if (rctf < '0' || rctf > '2') {
		bad = "RCTF_CLS";
		goto bad;
	}
	if (rfus == '1')
		n->kind = KIS_NOTICE_REJECTED;
	else if (cntg == '2')
		n->kind = KIS_NOTICE_FILL;
	else if (acpt == '3')
		n->kind = KIS_NOTICE_EXPIRED;
	else if (rctf == '1')
		n->kind = KIS_NOTICE_MODIFIED;
	else if (rctf == '2')
		n->kind = KIS_NOTICE_CANCELED;
	else
		n->kind = KIS_NOTICE_ACCEPTED;
	if (n->kind == KIS_NOTICE_FILL && (n->qty <= 0 || n->price <= 0)) {
		bad = "CNTG_QTY/CNTG_UNPR of a fill";
		goto bad;
	}
	int64_t prc = 0; /* ODER_PRC, the last field in every layout */
	if (field_i64(f[nf - 1], &prc) || prc < 0) {
		bad = "ODER_PRC";
		goto bad;
	}
	if (n->kind != KIS_NOTICE_FILL && n->price == 0)
		n->price = prc;
	return 0;
bad:
	if (why && whylen)
		snprintf(why, whylen, "bad field %s", bad);
	return -1;
}

kis_decode_rc kis_notice_decode(const char *frame, size_t len, const char *key, const char *iv,
                                kis_notice *out, size_t cap, size_t *n, char *why, size_t whylen)
{
	*n = 0;
	if (!frame || len < 8 || len > NOTICE_MAX_FRAME || (frame[0] != '0' && frame[0] != '1') ||
	    frame[1] != '|')
		return fail(why, whylen, KIS_DECODE_BAD, "not a data frame");
	const char *end = frame + len, *p = frame + 2;
	const char *bar = memchr(p, '|', (size_t)(end - p));
	if (!bar || (bar - p != 8) ||
	    (memcmp(p, "H0STCNI0", 8) != 0 && memcmp(p, "H0STCNI9", 8) != 0))
		return fail(why, whylen, KIS_DECODE_BAD, "not an execution notice");
	p = bar + 1;
	bar = memchr(p, '|', (size_t)(end - p));
	if (!bar || bar == p || bar - p > 4)
		return fail(why, whylen, KIS_DECODE_BAD, "bad record count");
	int count = 0;
	for (const char *q = p; q < bar; q++) {
		if (*q < '0' || *q > '9')
			return fail(why, whylen, KIS_DECODE_BAD, "bad record count");
		count = count * 10 + (*q - '0');
	}
	if (count < 1 || count > NOTICE_MAX_RECORDS)
		return fail(why, whylen, KIS_DECODE_BAD, "bad record count");
	p = bar + 1;
	size_t plen = (size_t)(end - p);
	char *text;
	if (frame[0] == '1') {
		text = decrypt(p, plen, key, iv);
		if (!text)
			return fail(why, whylen, KIS_DECODE_BAD,
			            "cannot decrypt (Base64, key/iv or padding)");
	} else {
		text = strndup(p, plen);
		if (!text || strlen(text) != plen) {
			free(text);
			return fail(why, whylen, KIS_DECODE_BAD, "NUL in a plain frame");
		}
	}
	/* Split on '^' keeping empty fields (FILLER, OODER_NO of a new order). */
	size_t nf = 1;
	for (const char *q = text; *q; q++)
		nf += *q == '^';
	char **f = malloc(nf * sizeof(*f));
	if (!f) {
		free(text);
		return fail(why, whylen, KIS_DECODE_BAD, "out of memory");
	}
	size_t k = 0;
	f[k++] = text;
	for (char *q = text; *q; q++)
		if (*q == '^') {
			*q = 0;
			f[k++] = q + 1;
		}
	int per = 0;
	for (size_t i = 0; i < sizeof(known_layouts) / sizeof(known_layouts[0]); i++)
		if (nf == (size_t)count * (size_t)known_layouts[i])
			per = known_layouts[i];
	kis_decode_rc rc = KIS_DECODE_OK;
	if (!per) {
		if (why && whylen)
			snprintf(why, whylen, "%zu fields for %d record(s): no known layout", nf,
			         count);
		rc = KIS_DECODE_LAYOUT;
	}
	for (int r = 0; rc == KIS_DECODE_OK && r < count; r++) {
		if (*n >= cap) {
			rc = fail(why, whylen, KIS_DECODE_BAD, "more records than room");
			break;
		}
		if (record(f + (size_t)r * (size_t)per, per, &out[*n], why, whylen) != 0)
			rc = KIS_DECODE_BAD;
		else
			(*n)++;
	}
	if (rc != KIS_DECODE_OK)
		*n = 0;
	free(f);
	free(text);
	return rc;
}

/* ---- control frames ---- */

static void copy_str(const json_t *j, char *buf, size_t cap)
{
	const char *s = json_string_value(j);
	snprintf(buf, cap, "%s", s ? s : "");
}

int kis_ws_control_parse(const char *text, size_t len, kis_ws_control *out)
{
	memset(out, 0, sizeof(*out));
	json_error_t e;
	json_t *m = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	json_t *h = json_object_get(m, "header");
	if (!json_is_object(m) || !json_is_object(h)) {
		json_decref(m);
		return -1;
	}
	copy_str(json_object_get(h, "tr_id"), out->tr_id, sizeof(out->tr_id));
	copy_str(json_object_get(h, "tr_key"), out->tr_key, sizeof(out->tr_key));
	out->pingpong = strcmp(out->tr_id, "PINGPONG") == 0;
	json_t *b = json_object_get(m, "body");
	copy_str(json_object_get(b, "rt_cd"), out->rt_cd, sizeof(out->rt_cd));
	copy_str(json_object_get(b, "msg_cd"), out->msg_cd, sizeof(out->msg_cd));
	copy_str(json_object_get(b, "msg1"), out->msg1, sizeof(out->msg1));
	json_t *o = json_object_get(b, "output");
	copy_str(json_object_get(o, "key"), out->key, sizeof(out->key));
	copy_str(json_object_get(o, "iv"), out->iv, sizeof(out->iv));
	json_decref(m);
	return 0;
}
