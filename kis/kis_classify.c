/* kis_classify.c — what one KIS reply means. KIS uses HTTP status loosely
 * (token and rate errors arrive as 500 with a JSON envelope, business
 * refusals usually as 200), so the body decides and the status only breaks
 * ties for bodies that are not KIS JSON. */
#include "kis_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Every KIS code kisgw gives a meaning to, with where that meaning comes
 * from (KIS_API.md §7; "FAQ" is KIS's error list as transcribed in
 * kt_kisopenapi RequestCode.kt). A code not listed here is classified by
 * its family in family_class(). tests/kis/test_kis_unit.c walks this list;
 * kis/README.md's outcome table says what each class does. */
static const kis_code_info code_table[] = {
    {"EGW00121", KIS_CL_TOKEN, "FAQ; python-kis", "invalid token"},
    {"EGW00122", KIS_CL_TOKEN, "FAQ", "token not found"},
    {"EGW00123", KIS_CL_TOKEN, "FAQ; python-kis (HTTP 500)", "token expired"},
    {"EGW00133", KIS_CL_TOKEN_RATE, "README; python-kis #24 (HTTP 403)",
     "one token issuance per minute"},
    {"EGW00201", KIS_CL_RATE, "FAQ; reported (HTTP 500)", "calls per second exceeded"},
    {"EGW00215", KIS_CL_RATE, "real captures, issue #9 (HTTP 500)",
     "calls per second at the account ledger exceeded"},
    {"EGW00001", KIS_CL_TRANSIENT, "FAQ", "temporary error"},
    {"EGW00002", KIS_CL_TRANSIENT, "FAQ", "server error"},
    {"EGW00300", KIS_CL_TRANSIENT, "real captures, issue #9 (HTTP 500)", "gateway routing error"},
    {"EGW00301", KIS_CL_TIMEOUT, "FAQ", "connection timed out; check the last call"},
    {"EGW00302", KIS_CL_TIMEOUT, "FAQ", "transaction timed out; check the last call"},
    {"EGW00103", KIS_CL_CONFIG, "FAQ (HTTP 403)", "invalid AppKey"},
    {"EGW00105", KIS_CL_CONFIG, "FAQ (HTTP 403)", "invalid AppSecret"},
    {"EGW00206", KIS_CL_CONFIG, "FAQ", "no API permission"},
    {"EGW00210", KIS_CL_CONFIG, "FAQ", "corporate customers cannot use virtual"},
    {"EGW00304", KIS_CL_CONFIG, "FAQ; reported (HTTP 500)", "invalid customer key"},
    {"OPSQ2000", KIS_CL_CONFIG, "FAQ", "invalid account number"},
    {"KIOK0560", KIS_CL_EMPTY, "official examples", "nothing to show (rt_cd 0 or 7)"},
    {"APBK0656", KIS_CL_UNKNOWN_CODE, "python-kis NotFound; live tests", "no such product (real)"},
    {"40070000", KIS_CL_UNKNOWN_CODE, "reported virtual replies",
     "untradable or unknown product (virtual)"},
};

size_t kis_code_table(const kis_code_info **out)
{
	*out = code_table;
	return sizeof code_table / sizeof code_table[0];
}

/* Codes of the business families: order and account answers (APBK…, the
 * virtual host's 8-digit 40……00 codes, IGW…, KIOK…, MCA…) and request
 * checks (OPSQ…). KIS processed the request and refused it. */
static int business_code(const char *cd)
{
	static const char *const prefixes[] = {"APBK", "IGW", "KIOK", "MCA", "OPSQ"};
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (strncmp(cd, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	size_t n = strlen(cd);
	if (n != 8)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)cd[i]))
			return 0;
	return 1;
}

/* A refusal envelope (rt_cd != "0") whose code is not in the table: only a
 * business family is a refusal. Anything else (an EGW… code kisgw does not
 * know, above all on a 5xx, or no family at all) is a gateway-level answer
 * whose outcome is not known: transient for reads, `unknown` for orders. */
static kis_class family_class(const char *cd)
{
	return business_code(cd) ? KIS_CL_REJECTED : KIS_CL_TRANSIENT;
}

kis_status kis_class_status(kis_class cl)
{
	switch (cl) {
	case KIS_CL_OK:
	case KIS_CL_EMPTY:
		return KIS_OK;
	case KIS_CL_TOKEN:
	case KIS_CL_TOKEN_RATE:
		return KIS_E_TOKEN;
	case KIS_CL_RATE:
		return KIS_E_RATE_LIMIT;
	case KIS_CL_TRANSIENT:
		return KIS_E_TRANSIENT;
	case KIS_CL_TIMEOUT:
		return KIS_E_TIMEOUT;
	case KIS_CL_CONFIG:
		return KIS_E_CONFIG;
	case KIS_CL_REJECTED:
		return KIS_E_REJECTED;
	case KIS_CL_UNKNOWN_CODE:
		return KIS_E_UNKNOWN_CODE;
	case KIS_CL_BAD_REPLY:
	case KIS_CL__MAX:
		break;
	}
	return KIS_E_BAD_REPLY;
}

const char *kis_class_name(kis_class cl)
{
	static const char *const names[KIS_CL__MAX] = {
	    "ok",      "empty",  "token",    "token_rate",   "rate",      "transient",
	    "timeout", "config", "rejected", "unknown_code", "bad_reply",
	};
	return (unsigned)cl < KIS_CL__MAX ? names[cl] : "?";
}

/* rt_cd present and not "0". */
static int rt_failed(const json_t *j)
{
	const char *rt = json_string_value(json_object_get(j, "rt_cd"));
	char b[8] = "";
	if (rt)
		kis_trim_copy(rt, b, sizeof b);
	return b[0] && strcmp(b, "0") != 0;
}

static void copy_field(const json_t *obj, const char *k1, const char *k2, char *dst, size_t cap)
{
	const json_t *v = json_object_get(obj, k1);
	if (!json_is_string(v) && k2)
		v = json_object_get(obj, k2);
	if (json_is_string(v))
		kis_trim_copy(json_string_value(v), dst, cap);
}

kis_class kis_classify(long http_status, const char *body, size_t len, int oauth, json_t **json_out,
                       kis_error *err)
{
	kis_class cl;
	if (json_out)
		*json_out = NULL;
	err->http_status = (int)http_status;
	err->msg_cd[0] = '\0';
	err->msg1[0] = '\0';

	json_t *j = NULL;
	if (body && len > 0)
		j = json_loadb(body, len, 0, NULL);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	if (!j) {
		if (http_status >= 500 || http_status == 408 || http_status == 0)
			cl = KIS_CL_TRANSIENT;
		else if (http_status == 429)
			cl = KIS_CL_RATE;
		else
			cl = KIS_CL_BAD_REPLY;
		snprintf(err->msg1, sizeof err->msg1, "HTTP %ld with a body that is not KIS JSON",
		         http_status);
		goto out;
	}

	copy_field(j, oauth ? "error_code" : "msg_cd", oauth ? "msg_cd" : "error_code", err->msg_cd,
	           sizeof err->msg_cd);
	copy_field(j, oauth ? "error_description" : "msg1", oauth ? "msg1" : "error_description",
	           err->msg1, sizeof err->msg1);

	for (size_t i = 0; i < sizeof code_table / sizeof code_table[0]; i++) {
		if (strcmp(err->msg_cd, code_table[i].code) == 0) {
			cl = code_table[i].cl;
			if (cl == KIS_CL_UNKNOWN_CODE && !rt_failed(j))
				cl = KIS_CL_OK; /* a code is only "no such stock" in a refusal */
			goto out;
		}
	}

	if (oauth) {
		/* tokenP success has no envelope: an access_token and no error */
		if (err->msg_cd[0])
			cl = http_status >= 500 ? KIS_CL_TRANSIENT : KIS_CL_REJECTED;
		else if (http_status >= 200 && http_status < 300)
			cl = KIS_CL_OK;
		else
			cl = http_status >= 500 ? KIS_CL_TRANSIENT : KIS_CL_BAD_REPLY;
		goto out;
	}

	const json_t *rt = json_object_get(j, "rt_cd");
	char rt_cd[8] = "";
	if (json_is_string(rt))
		kis_trim_copy(json_string_value(rt), rt_cd, sizeof rt_cd);
	if (rt_cd[0] == '\0') {
		cl = http_status >= 500 ? KIS_CL_TRANSIENT : KIS_CL_BAD_REPLY;
		if (!err->msg1[0])
			snprintf(err->msg1, sizeof err->msg1, "HTTP %ld reply without rt_cd",
			         http_status);
	} else if (strcmp(rt_cd, "0") == 0) {
		/* success envelope on an error status is contradictory; do not trust it */
		if (http_status >= 200 && http_status < 300)
			cl = KIS_CL_OK;
		else
			cl = http_status >= 500 ? KIS_CL_TRANSIENT : KIS_CL_BAD_REPLY;
	} else {
		cl = family_class(err->msg_cd);
	}

out:
	err->status = kis_class_status(cl);
	if (cl == KIS_CL_OK || cl == KIS_CL_EMPTY) {
		err->status = KIS_OK;
	}
	if (json_out)
		*json_out = j;
	else if (j)
		json_decref(j);
	return cl;
}
