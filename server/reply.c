/* reply.c — the reply helpers of http.h: the error registry (errors.def)
 * and the one error envelope, and what a KIS client error means to the
 * client (status, Retry-After, "kis"). No libmicrohttpd here: the daemon
 * (http.c) serialises what these leave in gw_resp. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "text.h"

static const struct {
	const char *code;
	int status;
	const char *msg;
} registry[GW_E__MAX] = {
#define X(name, c, st, m) [GW_E_##name] = {c, st, m},
#include "errors.def"
#undef X
};

const char *gw_err_code(gw_err e)
{
	return registry[e].code;
}

int gw_err_status(gw_err e)
{
	return registry[e].status;
}

static void raw_clear(gw_resp *resp)
{
	if (resp->raw_owned)
		free((char *)resp->raw);
	resp->raw_type = resp->raw = NULL;
	resp->raw_len = 0;
	resp->raw_owned = 0;
}

void gw_reply(gw_resp *resp, int status, json_t *body)
{
	json_decref(resp->body);
	raw_clear(resp);
	resp->status = status;
	resp->body = body;
}

void gw_reply_raw(gw_resp *resp, int status, const char *content_type, const char *data, size_t len,
                  int owned)
{
	gw_reply(resp, status, NULL);
	resp->raw_type = content_type;
	resp->raw = data;
	resp->raw_len = len;
	resp->raw_owned = owned;
}

void gw_reply_error(gw_resp *resp, gw_err code, const char *field, const char *fmt, ...)
{
	char msg[512];
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	} else {
		snprintf(msg, sizeof(msg), "%s", registry[code].msg);
	}
	/* Messages and fields quote the client's bytes: made valid UTF-8 here,
	 * so the envelope can always be built. */
	char clean[sizeof(msg)], cfield[128];
	gw_text_clean(msg, strlen(msg), clean, sizeof(clean));
	json_t *e = json_pack("{s:s,s:s}", "code", registry[code].code, "message", clean);
	if (field)
		json_object_set_new(
		    e, "field",
		    json_string(gw_text_clean(field, strlen(field), cfield, sizeof(cfield))));
	gw_reply(resp, registry[code].status, json_pack("{s:o}", "error", e));
}

void gw_error_add_kis(gw_resp *resp, const char *msg_cd, const char *msg1)
{
	json_t *e = json_object_get(resp->body, "error");
	if (e && msg_cd && *msg_cd)
		json_object_set_new(
		    e, "kis", json_pack("{s:s,s:s}", "msg_cd", msg_cd, "msg1", msg1 ? msg1 : ""));
}

void gw_reply_kis_error(gw_resp *resp, const kis_error *err)
{
	switch (err->status) {
	case KIS_E_REJECTED:
		gw_reply_error(resp, GW_E_KIS_REJECTED, NULL, "KIS refused the request: %s",
		               err->msg1[0] ? err->msg1 : err->msg_cd);
		break;
	case KIS_E_UNKNOWN_CODE:
		gw_reply_error(resp, GW_E_UNKNOWN_CODE, "code", "no such stock: %s",
		               err->msg1[0] ? err->msg1 : err->msg_cd);
		break;
	case KIS_E_BUSY:
		gw_reply_error(resp, GW_E_RATE_LIMITED, NULL,
		               "the KIS rate limit for this account is saturated; retry later");
		break;
	case KIS_E_RATE_LIMIT:
		gw_reply_error(resp, GW_E_RATE_LIMITED, NULL,
		               "KIS answered that its rate limit was exceeded; retry later");
		break;
	case KIS_E_TOKEN:
		if (!strcmp(err->msg_cd, "EGW00133"))
			gw_reply_error(resp, GW_E_TOKEN_UNAVAILABLE, NULL,
			               "KIS issues one access token a minute and refused another; "
			               "retry in %d s",
			               err->retry_after_s > 0 ? err->retry_after_s : 1);
		else
			gw_reply_error(resp, GW_E_TOKEN_UNAVAILABLE, NULL, NULL);
		break;
	case KIS_E_CONFIG:
		gw_reply_error(resp, GW_E_UPSTREAM_CONFIG, NULL,
		               "KIS refused the configuration: %s",
		               err->msg1[0] ? err->msg1 : err->msg_cd);
		break;
	case KIS_E_TIMEOUT:
		gw_reply_error(resp, GW_E_UPSTREAM_TIMEOUT, NULL, NULL);
		break;
	case KIS_E_BAD_REPLY:
		gw_reply_error(resp, GW_E_UPSTREAM_BAD_REPLY, NULL, NULL);
		break;
	case KIS_E_UNSUPPORTED:
		gw_reply_error(resp, GW_E_NOT_SUPPORTED, NULL, NULL);
		break;
	case KIS_E_TRANSIENT:
		gw_reply_error(resp, GW_E_UPSTREAM_ERROR, NULL, "KIS failed: %s",
		               err->msg1[0] ? err->msg1 : "temporary error");
		break;
	default:
		gw_reply_error(resp, GW_E_INTERNAL, NULL, NULL);
		break;
	}
	if (resp->status == 503)
		resp->retry_after_s = err->retry_after_s > 0 ? err->retry_after_s : 1;
	gw_error_add_kis(resp, err->msg_cd, err->msg1);
}
