/* passthrough_parse.c — the pure half of the KIS passthrough: which
 * endpoint a path is, how a tr_id is served, and the order bodies. No I/O;
 * fuzzed by tests/fuzz/fuzz_passthrough.c. */
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kis.h"
#include "passthrough.h"

gw_pt_kind gw_pt_path(int enabled, const char *path)
{
	static const char uapi[] = "/uapi/domestic-stock/";
	if (!enabled || !path)
		return GW_PT_NONE;
	if (!strcmp(path, "/oauth2/tokenP"))
		return GW_PT_TOKEN;
	if (!strcmp(path, "/oauth2/Approval"))
		return GW_PT_APPROVAL;
	if (!strcmp(path, "/uapi/hashkey"))
		return GW_PT_HASHKEY;
	if (!strncmp(path, uapi, sizeof(uapi) - 1) && path[sizeof(uapi) - 1])
		return GW_PT_UAPI;
	return GW_PT_NONE;
}

int gw_pt_needs_api_token(gw_pt_kind kind)
{
	return kind == GW_PT_TOKEN || kind == GW_PT_APPROVAL || kind == GW_PT_HASHKEY;
}

/* ---- the passthrough calls: one declaration each ---- */

/* The lines of kis/kis_trs.def, by name: path and the four tr_ids
 * (real, real old, virtual, virtual old). */
enum {
#define KIS_TR(name, ...) PT_KIS_##name,
#include "kis_trs.def"
#undef KIS_TR
	PT_KIS__MAX
};
static const struct {
	const char *path;
	const char *id[4];
} kis_lines[PT_KIS__MAX] = {
#define KIS_TR(name, kind, path, r, ro, v, vo, ...) [PT_KIS_##name] = {path, {r, ro, v, vo}},
#include "kis_trs.def"
#undef KIS_TR
};

/* X(kis_trs.def line, how the passthrough serves it). A KIS call kisgw
 * makes itself is a line of kis_trs.def; listing it here lets scripts make
 * it too. */
#define GW_PT_CALLS(X)                                                                             \
	X(PRICE, GW_PT_RELAY)                                                                      \
	X(DAILY_CHART, GW_PT_RELAY)                                                                \
	X(HOLIDAY, GW_PT_RELAY)                                                                    \
	X(BALANCE, GW_PT_RELAY)                                                                    \
	X(PSBL_ORDER, GW_PT_RELAY)                                                                 \
	X(CCLD_RECENT, GW_PT_RELAY)                                                                \
	X(CCLD_OLD, GW_PT_RELAY)                                                                   \
	X(PSBL_RVSECNCL, GW_PT_RELAY)                                                              \
	X(ORDER_BUY, GW_PT_ORDER_BUY)                                                              \
	X(ORDER_SELL, GW_PT_ORDER_SELL)                                                            \
	X(ORDER_RVSECNCL, GW_PT_REVISE)

static const struct {
	int line;
	gw_pt_serve serve;
} calls[] = {
#define X(name, serve) {PT_KIS_##name, serve},
    GW_PT_CALLS(X)
#undef X
};

static gw_pt_serve refuse(gw_pt_call *out, gw_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static gw_pt_serve refuse(gw_pt_call *out, gw_err code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
	out->serve = GW_PT_REFUSE;
	out->err = code;
	return out->serve;
}

int gw_pt_known(size_t i, gw_pt_known_call *out)
{
	if (i >= sizeof(calls) / sizeof(calls[0]))
		return 0;
	out->path = kis_lines[calls[i].line].path;
	out->serve = calls[i].serve;
	for (int k = 0; k < 4; k++)
		out->tr_id[k] = kis_lines[calls[i].line].id[k];
	return 1;
}

const char *gw_pt_serve_name(gw_pt_serve s)
{
	static const char *const names[] = {"refuse", "relay", "order_buy", "order_sell", "revise"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

gw_pt_serve gw_pt_classify(const char *method, const char *path, const char *tr_id, int real,
                           gw_pt_call *out)
{
	memset(out, 0, sizeof(*out));
	int get = method && !strcmp(method, "GET"), post = method && !strcmp(method, "POST");
	if (!tr_id || !*tr_id)
		return refuse(out, GW_E_MISSING_FIELD, "the tr_id header is required");
	if (!kis_tr_id_valid(tr_id))
		return refuse(out, GW_E_INVALID_FIELD,
		              "tr_id must be 4-16 upper-case letters and digits");
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const char *const *id = kis_lines[calls[i].line].id;
		int at = -1;
		for (int k = 0; k < 4 && at < 0; k++)
			if (id[k] && !strcmp(id[k], tr_id))
				at = k;
		if (at < 0)
			continue;
		out->known = 1;
		const char *want = kis_lines[calls[i].line].path;
		if (strcmp(path, want))
			return refuse(out, GW_E_INVALID_FIELD, "tr_id %s is a call of %s", tr_id,
			              want);
		int order = calls[i].serve != GW_PT_RELAY;
		if (order ? !post : !get)
			return refuse(out, GW_E_METHOD_NOT_ALLOWED, "tr_id %s is sent with %s",
			              tr_id, order ? "POST" : "GET");
		/* the client's form (new or old), in kisgw's environment */
		const char *send = id[(real ? 0 : 2) + (at & 1)];
		if (!send)
			return refuse(
			    out, GW_E_NOT_SUPPORTED,
			    "tr_id %s has no virtual-account form at KIS (%s is real only)", tr_id,
			    want);
		snprintf(out->send_tr_id, sizeof(out->send_tr_id), "%s", send);
		return out->serve = calls[i].serve;
	}
	/* Not one of ours: relayed only when it cannot place or change an
	 * order. KIS names an account TR's kind in its last letter (R 조회,
	 * U 주문/정정); quotation TRs (FH…, on /quotations/ paths) are all
	 * inquiries; orders are POSTs on order-… paths. */
	const char *last = strrchr(path, '/');
	last = last ? last + 1 : path;
	size_t n = strlen(tr_id);
	int inquiry = get && strncmp(last, "order", 5) &&
	              (tr_id[n - 1] == 'R' || strstr(path, "/quotations/") != NULL);
	if (!inquiry)
		return refuse(
		    out, GW_E_PASSTHROUGH_REFUSED,
		    "tr_id %s on %s is not one kisgw knows and could place or change an "
		    "order; kisgw relays unknown tr_ids only when they are inquiries (GET, "
		    "tr_id ending in R, or a quotation)",
		    tr_id, path);
	snprintf(out->send_tr_id, sizeof(out->send_tr_id), "%s", tr_id);
	return out->serve = GW_PT_RELAY;
}

/* ---- bodies ---- */

enum { F_STR, F_NUM };

/* One body key: KIS's upper-case name, kind, required, capacity of the
 * string (F_STR) and where it goes. */
typedef struct body_key {
	const char *name;
	int kind;
	int required;
	size_t cap, off;
} body_key;

static int fault(gw_pt_fault *f, gw_err code, const char *field, const char *msg)
{
	f->code = code;
	f->field = field;
	snprintf(f->msg, sizeof(f->msg), "%s%s%s", field ? field : "", field ? ": " : "", msg);
	return -1;
}

/* Decimal digits, at most 15 (no KRW amount or share count comes near);
 * "" is 0 for an optional price. */
static int num_value(const char *s, int64_t *v)
{
	size_t n = strlen(s);
	if (n > 15)
		return -1;
	int64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

/* Parses body into dst per keys: a JSON object whose every key is one of
 * keys (compared without case: KIS asks for upper case, some clients do
 * not), every value a string (a JSON integer is taken for a number). */
static int body_parse(const char *body, size_t len, const body_key *keys, size_t nkeys, void *dst,
                      gw_pt_fault *f)
{
	memset(f, 0, sizeof(*f));
	json_error_t je;
	json_t *j = body && len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &je) : NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		return fault(f, GW_E_INVALID_JSON, NULL,
		             "the body must be a JSON object of KIS's fields (string values)");
	}
	unsigned seen = 0;
	const char *k;
	json_t *v;
	int rc = 0;
	json_object_foreach(j, k, v)
	{
		size_t i = 0;
		while (i < nkeys && strcasecmp(keys[i].name, k))
			i++;
		if (i == nkeys) {
			/* the name is the client's: not quoted (it may be any bytes) */
			rc = fault(f, GW_E_UNKNOWN_FIELD, NULL,
			           "the body has a field kisgw does not send to KIS; refused "
			           "rather than dropped");
			break;
		}
		if (seen & (1u << i)) {
			rc = fault(f, GW_E_INVALID_FIELD, keys[i].name, "given twice");
			break;
		}
		seen |= 1u << i;
		char *at = (char *)dst + keys[i].off;
		char num[24];
		const char *s = json_string_value(v);
		if (!s && keys[i].kind == F_NUM && json_is_integer(v) &&
		    json_integer_value(v) >= 0) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			s = num;
		}
		if (!s) {
			rc = fault(f, GW_E_INVALID_FIELD, keys[i].name, "must be a string");
			break;
		}
		if (keys[i].kind == F_NUM) {
			if (num_value(s, (int64_t *)(void *)at)) {
				rc = fault(f, GW_E_INVALID_FIELD, keys[i].name,
				           "must be a string of at most 15 digits");
				break;
			}
			continue;
		}
		size_t n = strlen(s);
		int ok = n < keys[i].cap;
		for (size_t c = 0; ok && c < n; c++)
			ok = isalnum((unsigned char)s[c]);
		if (!ok) {
			rc = fault(f, GW_E_INVALID_FIELD, keys[i].name,
			           "must be letters and digits, as KIS gives them");
			break;
		}
		memcpy(at, s, n + 1);
	}
	for (size_t i = 0; rc == 0 && i < nkeys; i++)
		if (keys[i].required && !(seen & (1u << i)))
			rc = fault(f, GW_E_MISSING_FIELD, keys[i].name, "required");
	json_decref(j);
	return rc;
}

#define KS(T, name, m, req)                                                                        \
	{                                                                                          \
		name, F_STR, req, sizeof(((T *)0)->m), offsetof(T, m)                              \
	}
#define KN(T, name, m, req)                                                                        \
	{                                                                                          \
		name, F_NUM, req, 0, offsetof(T, m)                                                \
	}

int gw_pt_order_parse(const char *body, size_t len, gw_pt_order *out, gw_pt_fault *f)
{
	static const body_key keys[] = {
	    KS(gw_pt_order, "CANO", cano, 1),
	    KS(gw_pt_order, "ACNT_PRDT_CD", prdt, 1),
	    KS(gw_pt_order, "PDNO", pdno, 1),
	    KS(gw_pt_order, "ORD_DVSN", ord_dvsn, 1),
	    KN(gw_pt_order, "ORD_QTY", qty, 1),
	    KN(gw_pt_order, "ORD_UNPR", price, 1),
	    KS(gw_pt_order, "SLL_TYPE", sll_type, 0),
	    KN(gw_pt_order, "CNDT_PRIC", cndt_pric, 0),
	    KS(gw_pt_order, "EXCG_ID_DVSN_CD", excg, 0),
	};
	memset(out, 0, sizeof(*out));
	if (body_parse(body, len, keys, sizeof(keys) / sizeof(keys[0]), out, f))
		return -1;
	if (out->qty < 1)
		return fault(f, GW_E_INVALID_FIELD, "ORD_QTY", "must be at least 1");
	return 0;
}

int gw_pt_revise_parse(const char *body, size_t len, gw_pt_revise *out, gw_pt_fault *f)
{
	struct raw {
		gw_pt_revise r;
		char dvsn[4], all[4];
	} raw;
	static const body_key keys[] = {
	    KS(struct raw, "CANO", r.cano, 1),
	    KS(struct raw, "ACNT_PRDT_CD", r.prdt, 1),
	    KS(struct raw, "KRX_FWDG_ORD_ORGNO", r.orgno, 1),
	    KS(struct raw, "ORGN_ODNO", r.orgn_odno, 1),
	    KS(struct raw, "ORD_DVSN", r.ord_dvsn, 1),
	    KS(struct raw, "RVSE_CNCL_DVSN_CD", dvsn, 1),
	    KN(struct raw, "ORD_QTY", r.qty, 1),
	    KN(struct raw, "ORD_UNPR", r.price, 1),
	    KS(struct raw, "QTY_ALL_ORD_YN", all, 1),
	    KN(struct raw, "CNDT_PRIC", r.cndt_pric, 0),
	    KS(struct raw, "EXCG_ID_DVSN_CD", r.excg, 0),
	};
	memset(&raw, 0, sizeof(raw));
	memset(out, 0, sizeof(*out));
	if (body_parse(body, len, keys, sizeof(keys) / sizeof(keys[0]), &raw, f))
		return -1;
	if (strcmp(raw.dvsn, "01") && strcmp(raw.dvsn, "02"))
		return fault(f, GW_E_INVALID_FIELD, "RVSE_CNCL_DVSN_CD",
		             "must be 01 (정정, amend) or 02 (취소, cancel)");
	if (strcmp(raw.all, "Y") && strcmp(raw.all, "N"))
		return fault(f, GW_E_INVALID_FIELD, "QTY_ALL_ORD_YN", "must be Y or N");
	if (!raw.r.orgn_odno[0])
		return fault(f, GW_E_MISSING_FIELD, "ORGN_ODNO", "the order number to change");
	raw.r.cancel = raw.dvsn[1] == '2';
	raw.r.all = raw.all[0] == 'Y';
	if (!raw.r.all && raw.r.qty < 1)
		return fault(f, GW_E_INVALID_FIELD, "ORD_QTY",
		             "must be at least 1 when QTY_ALL_ORD_YN is N");
	*out = raw.r;
	return 0;
}

int gw_pt_cred_parse(const char *body, size_t len, int approval, json_t **root, const char **appkey,
                     const char **secret, gw_pt_fault *f)
{
	memset(f, 0, sizeof(*f));
	*appkey = *secret = NULL;
	json_error_t je;
	*root = body && len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &je) : NULL;
	if (!json_is_object(*root))
		return fault(
		    f, GW_E_INVALID_JSON, NULL,
		    "the body must be a JSON object with grant_type, appkey and appsecret");
	const char *sname = approval ? "secretkey" : "appsecret";
	const char *g = json_string_value(json_object_get(*root, "grant_type"));
	*appkey = json_string_value(json_object_get(*root, "appkey"));
	*secret = json_string_value(json_object_get(*root, sname));
	if (!g || strcmp(g, "client_credentials"))
		return fault(f, GW_E_INVALID_FIELD, "grant_type", "must be client_credentials");
	if (!*appkey)
		return fault(f, GW_E_MISSING_FIELD, "appkey", "required");
	if (!*secret)
		return fault(f, GW_E_MISSING_FIELD, approval ? "secretkey" : "appsecret",
		             "required");
	return 0;
}
