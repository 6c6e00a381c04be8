/* kis_classify.c — what one KIS reply means. KIS uses HTTP status loosely
 * (token and rate errors arrive as 500 with a JSON envelope, business
 * refusals usually as 200), so the body decides and the status only breaks
 * ties for bodies that are not KIS JSON. */
#include "kis_internal.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *code;
	kis_class cl;
} code_table[] = {
    {"EGW00123", KIS_CL_TOKEN},      {"EGW00121", KIS_CL_TOKEN},   {"EGW00122", KIS_CL_TOKEN},
    {"EGW00133", KIS_CL_TOKEN_RATE}, {"EGW00201", KIS_CL_RATE},    {"EGW00001", KIS_CL_TRANSIENT},
    {"EGW00002", KIS_CL_TRANSIENT},  {"EGW00301", KIS_CL_TIMEOUT}, {"EGW00302", KIS_CL_TIMEOUT},
    {"EGW00103", KIS_CL_CONFIG},     {"EGW00105", KIS_CL_CONFIG},  {"EGW00206", KIS_CL_CONFIG},
    {"EGW00210", KIS_CL_CONFIG},     {"EGW00304", KIS_CL_CONFIG},  {"OPSQ2000", KIS_CL_CONFIG},
    {"KIOK0560", KIS_CL_EMPTY},
};

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
	case KIS_CL_BAD_REPLY:
	case KIS_CL__MAX:
		break;
	}
	return KIS_E_BAD_REPLY;
}

const char *kis_class_name(kis_class cl)
{
	static const char *const names[KIS_CL__MAX] = {
	    "ok",        "empty",   "token",  "token_rate", "rate",
	    "transient", "timeout", "config", "rejected",   "bad_reply",
	};
	return (unsigned)cl < KIS_CL__MAX ? names[cl] : "?";
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
		cl = KIS_CL_REJECTED;
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
