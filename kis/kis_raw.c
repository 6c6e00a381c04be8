/* kis_raw.c — KIS calls whose request and answer are KIS's own protocol,
 * for a caller that relays them (the KIS-compatible passthrough): the
 * request is checked and sent as given but on kisgw's credentials and
 * token, through the shared limiter and the one retry policy
 * (kis_call_do_keep), and KIS's answer comes back whatever it says. */
#include "kis_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kis_raw_reply_free(kis_raw_reply *r)
{
	json_decref(r->body);
	memset(r, 0, sizeof(*r));
}

int kis_tr_id_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 4 || n > 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A query string as a client library encodes it: printable, no spaces,
 * no fragment. Anything else would be sent to KIS differently than the
 * client meant it (or not at all). */
static int query_ok(const char *q)
{
	for (; q && *q; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f || *q == '#')
			return 0;
	return 1;
}

int kis_raw_call(kis_client *c, const kis_raw_req *req, kis_raw_reply *out, kis_error *err)
{
	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	int post = req->method && !strcmp(req->method, "POST");
	if ((!post && (!req->method || strcmp(req->method, "GET"))) || !req->path ||
	    strncmp(req->path, "/uapi/", 6) || strstr(req->path, "..") || !query_ok(req->path) ||
	    !query_ok(req->query) || !kis_tr_id_valid(req->tr_id) ||
	    (req->tr_cont && strlen(req->tr_cont) > 1)) {
		kis_err_set(err, KIS_E_INTERNAL, "request kisgw will not relay");
		return KIS_E_INTERNAL;
	}
	/* not a line of kis_trs.def: the caller's own path and tr_id */
	const kis_tr_def line = {.name = "RAW", .order = req->order != 0, .path = req->path};
	kis_call call = {
	    .tr = KIS_TR__MAX,
	    .query = req->query,
	    .body = post ? (req->body ? req->body : "{}") : NULL, /* a body means POST */
	    .tr_cont = req->tr_cont,
	    .raw = &line,
	    .raw_tr_id = req->tr_id,
	};
	json_t *ok = NULL, *failed = NULL;
	int rc = kis_call_do_keep(c, &call, &ok, out->tr_cont, &failed, err);
	out->body = ok ? ok : failed;
	out->http_status = out->body ? (err->http_status ? err->http_status : 200) : 0;
	return rc;
}

int kis_hashkey(kis_client *c, const char *body, kis_raw_reply *out, kis_error *err)
{
	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	int ra = 0, slot;
	if (kis_limiter_take(c->limiter, KIS_LC_QUERY, c->cfg.queue_wait_ms, &ra, NULL, &slot) !=
	    0) {
		kis_stats_add(c, &c->stats.limiter_timeouts, 1);
		kis_err_set(err, KIS_E_BUSY, "local rate limit queue is full");
		err->retry_after_s = ra > 0 ? ra : 1;
		return KIS_E_BUSY;
	}
	kis_http_req hr = {.method = "POST",
	                   .path = "/uapi/hashkey",
	                   .body = body ? body : "{}",
	                   .app_headers = 1};
	kis_http_resp resp;
	int rc = kis_http_do(c, &hr, &resp, err);
	kis_limiter_done(c->limiter, slot);
	if (rc != 0)
		return rc;
	json_error_t je;
	json_t *j = resp.body ? json_loadb(resp.body, resp.len, 0, &je) : NULL;
	out->http_status = (int)resp.status;
	if (resp.status == 200 && json_is_string(json_object_get(j, "HASH"))) {
		kis_http_resp_free(&resp);
		out->body = j;
		return KIS_OK;
	}
	/* not a hash: classify what KIS said (EGW00201, a bad key, ...) */
	json_decref(j);
	j = NULL;
	kis_class cl = kis_classify(resp.status, resp.body, resp.len, 0, &j, err);
	kis_http_resp_free(&resp);
	out->body = j;
	if (cl == KIS_CL_RATE)
		kis_stats_add(c, &c->stats.rate_limited, 1);
	int st = cl == KIS_CL_OK || cl == KIS_CL_EMPTY ? KIS_E_BAD_REPLY : kis_class_status(cl);
	err->status = st;
	return st;
}
