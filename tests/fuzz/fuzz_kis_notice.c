/* fuzz_kis_notice.c — the WebSocket execution-notice decoder
 * (kis_notice_decode, kis/kis_notice.c) and the JSON control frames
 * (kis_ws_control_parse).
 *
 * Input: byte 0 picks the mode, the rest is the payload.
 *   mode & 3 == 0: the payload is a whole frame, as the socket delivers it;
 *   mode & 3 == 1: the payload is the plaintext of a notice; the harness
 *                  encrypts it (AES-256-CBC, PKCS#7) and frames it as
 *                  "1|H0STCNI0|NNN|Base64" with NNN = byte 1 % 8, so the
 *                  fuzzer reaches the '^' field parser behind the cipher;
 *   mode & 3 == 2: the payload is a text frame for kis_ws_control_parse;
 *   mode & 3 == 3: both decoders on the raw payload.
 * Whatever the bytes: no crash, *n <= cap, every string NUL-terminated. */
#include "fuzz.h"
#include "kis.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY "iuheqrmvfxoceaxeyqgjwesozgizmmgx"
#define IV  "d59d91fcf9fd0044"
#define CAP 4

static void bounded(const char *s, size_t cap)
{
	if (strnlen(s, cap) >= cap)
		abort();
}

static void decode(const char *frame, size_t len)
{
	kis_notice out[CAP];
	size_t n = 99;
	char why[160] = "";
	kis_decode_rc rc = kis_notice_decode(frame, len, KEY, IV, out, CAP, &n, why, sizeof why);
	if (rc != KIS_DECODE_OK && rc != KIS_DECODE_BAD && rc != KIS_DECODE_LAYOUT)
		abort();
	bounded(why, sizeof why);
	if (rc != KIS_DECODE_OK)
		return;
	if (n > CAP)
		abort();
	for (size_t i = 0; i < n; i++) {
		const kis_notice *x = &out[i];
		if ((unsigned)x->kind >= KIS_NOTICE__MAX || !kis_notice_kind_name(x->kind))
			abort();
		bounded(x->hts_id, sizeof x->hts_id);
		bounded(x->account, sizeof x->account);
		bounded(x->odno, sizeof x->odno);
		bounded(x->orgn_odno, sizeof x->orgn_odno);
		bounded(x->orgno, sizeof x->orgno);
		bounded(x->code, sizeof x->code);
		if (x->fields != 26 && x->fields != 23)
			abort();
	}
}

static void control(const char *text, size_t len)
{
	kis_ws_control c;
	if (kis_ws_control_parse(text, len, &c) != 0)
		return;
	bounded(c.tr_id, sizeof c.tr_id);
	bounded(c.tr_key, sizeof c.tr_key);
	bounded(c.rt_cd, sizeof c.rt_cd);
	bounded(c.msg_cd, sizeof c.msg_cd);
	bounded(c.msg1, sizeof c.msg1);
	bounded(c.key, sizeof c.key);
	bounded(c.iv, sizeof c.iv);
}

static void encrypted(const uint8_t *plain, size_t n, int count)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	unsigned char *ct = malloc(n + 32);
	char *f = malloc((n + 32) / 3 * 4 + 48);
	if (!c || !ct || !f)
		abort();
	int l1 = 0, l2 = 0;
	if (EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, (const unsigned char *)KEY,
	                       (const unsigned char *)IV) != 1 ||
	    EVP_EncryptUpdate(c, ct, &l1, plain, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(c, ct + l1, &l2) != 1)
		abort();
	EVP_CIPHER_CTX_free(c);
	int h = sprintf(f, "1|H0STCNI0|%03d|", count);
	int b = EVP_EncodeBlock((unsigned char *)f + h, ct, l1 + l2);
	free(ct);
	decode(f, (size_t)(h + b));
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	int mode = data[0] & 3;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	/* exact-size copies: a read past the payload is an ASan report */
	char *raw = malloc(n ? n : 1);
	if (!raw)
		abort();
	memcpy(raw, p, n);
	if (mode == 0 || mode == 3)
		decode(raw, n);
	if (mode == 2 || mode == 3)
		control(raw, n);
	if (mode == 1 && n >= 1)
		encrypted(p + 1, n - 1, p[0] % 8);
	free(raw);
	return 0;
}
