/* fuzz_passthrough.c — the KIS passthrough's request parsing
 * (server/passthrough_parse.c): which endpoint a path is, how a method +
 * path + tr_id is served, and the order-cash / order-rvsecncl / tokenP /
 * Approval bodies.
 *
 * Input: byte 0 & 3 picks the parser: 0 "METHOD\npath\ntr_id" (classify and
 * gw_pt_path), 1 an order-cash body, 2 an order-rvsecncl body, 3 a tokenP
 * body (bit 2: Approval). Byte 0 bit 3: kisgw's environment is real.
 * Contract: a defined outcome; a refusal names a registry code and a
 * sentence; what is relayed or sent goes out with a tr_id of KIS's syntax;
 * an accepted body has bounded, alphanumeric strings and sane numbers. */
#include "fuzz.h"
#include "passthrough.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void alnum(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n >= cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			abort();
}

static void fault_ok(const gw_pt_fault *f)
{
	if ((unsigned)f->code >= GW_E__MAX || !f->msg[0] ||
	    strnlen(f->msg, sizeof(f->msg)) >= sizeof(f->msg))
		abort();
}

static void classify(char *s, int real)
{
	char *path = strchr(s, '\n');
	char *tr = path ? strchr(path + 1, '\n') : NULL;
	if (!tr)
		return;
	*path++ = 0;
	*tr++ = 0;
	gw_pt_kind k = gw_pt_path(1, path);
	if ((unsigned)k > GW_PT_UAPI || gw_pt_path(0, path) != GW_PT_NONE)
		abort();
	gw_pt_call c;
	gw_pt_serve sv = gw_pt_classify(s, path, tr, real, &c);
	if (sv != c.serve || (unsigned)sv > GW_PT_REVISE)
		abort();
	if (sv == GW_PT_REFUSE) {
		if ((unsigned)c.err >= GW_E__MAX || !c.why[0] ||
		    strnlen(c.why, sizeof(c.why)) >= sizeof(c.why))
			abort();
		return;
	}
	/* sent: a tr_id of KIS's syntax; an order only by POST, a read by GET */
	size_t n = strnlen(c.send_tr_id, sizeof(c.send_tr_id));
	if (n < 4 || n > 16)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!isupper((unsigned char)c.send_tr_id[i]) &&
		    !isdigit((unsigned char)c.send_tr_id[i]))
			abort();
	if (strcmp(s, sv == GW_PT_RELAY ? "GET" : "POST"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int which = data[0] & 3, approval = (data[0] >> 2) & 1, real = (data[0] >> 3) & 1;
	const char *body = (const char *)data + 1;
	size_t n = size - 1;
	gw_pt_fault f;
	if (which == 0) {
		char *s = fuzz_strndup(data + 1, n);
		classify(s, real);
		free(s);
	} else if (which == 1) {
		gw_pt_order o;
		if (gw_pt_order_parse(body, n, &o, &f) == 0) {
			alnum(o.cano, sizeof(o.cano));
			alnum(o.pdno, sizeof(o.pdno));
			alnum(o.ord_dvsn, sizeof(o.ord_dvsn));
			alnum(o.excg, sizeof(o.excg));
			if (o.qty < 1 || o.price < 0 || o.cndt_pric < 0)
				abort();
		} else {
			fault_ok(&f);
		}
	} else if (which == 2) {
		gw_pt_revise r;
		if (gw_pt_revise_parse(body, n, &r, &f) == 0) {
			alnum(r.orgn_odno, sizeof(r.orgn_odno));
			alnum(r.orgno, sizeof(r.orgno));
			if (!r.orgn_odno[0] || (!r.all && r.qty < 1) || r.price < 0)
				abort();
		} else {
			fault_ok(&f);
		}
	} else {
		json_t *root = NULL;
		const char *key, *secret;
		if (gw_pt_cred_parse(body, n, approval, &root, &key, &secret, &f) == 0) {
			if (!key || !secret)
				abort();
		} else {
			fault_ok(&f);
		}
		json_decref(root);
	}
	return 0;
}
