/* http.h — what a handler sees: a parsed request and one reply helper.
 *
 * Handlers never touch libmicrohttpd. The daemon (http.c) does routing,
 * 404/405/413/414, auth, Host checks and body buffering before any handler
 * runs, and frees all per-request state in one place afterwards. */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include <jansson.h>
#include <stddef.h>

#include "kis.h"

typedef enum gw_err {
#define X(name, code, status, msg) GW_E_##name,
#include "errors.def"
#undef X
	GW_E__MAX
} gw_err;

struct gw_app;

#define GW_MAX_PATH_ARGS 2

typedef struct gw_req {
	struct gw_app *app;
	const char *method;
	const char *path;
	const char *args[GW_MAX_PATH_ARGS]; /* "{id}" segments of the route, in order */
	json_t *body;                       /* parsed JSON body (object or array), or NULL */
	const void *in;     /* the endpoint's typed input, filled from its declaration (input.h) */
	void *conn;         /* opaque; use gw_header (query values come declared, in `in`) */
	int64_t arrived_ms; /* mono_ms of the request's arrival */
	int on_worker;      /* the daemon's: 1 when the handler runs on a worker */
	int deferred;       /* the daemon's: gw_would_block said 1 */
	const char *query_raw; /* the query string as received (percent-encoded), "" none */
} gw_req;

typedef struct gw_resp {
	int status;
	json_t *body;       /* owned; serialised and freed by the daemon */
	int retry_after_s;  /* > 0 adds Retry-After */
	char location[128]; /* non-empty adds Location */
	/* A non-JSON reply (gw_reply_raw): sent as is instead of body. */
	const char *raw_type; /* Content-Type; NULL: the reply is JSON */
	const char *raw;
	size_t raw_len;
	int raw_owned; /* 1: raw is malloc'd and the daemon frees it */
	/* A KIS-shaped reply (the passthrough): adds KIS's lower-case tr_id and
	 * tr_cont headers. */
	int kis;
	char kis_tr_id[24], kis_tr_cont[4];
} gw_resp;

typedef void (*gw_handler)(gw_req *req, gw_resp *resp);

/* Request header, or NULL. Borrowed until the request ends. */
const char *gw_header(const gw_req *req, const char *name);

/* Called by a handler of a .run_inline endpoint (input.h) before anything
 * that may block — a KIS call, a wait, a SQLite write. 1 on the HTTP
 * thread: return at once, without a reply, and without having changed
 * anything; the handler is run again from the start on a worker. 0 on a
 * worker: go on. */
int gw_would_block(gw_req *req);

/* Set the reply (steals body). */
void gw_reply(gw_resp *resp, int status, json_t *body);
/* A non-JSON reply: static bytes (owned 0) or a malloc'd buffer the daemon
 * frees (owned 1). HTML replies get a strict Content-Security-Policy. */
void gw_reply_raw(gw_resp *resp, int status, const char *content_type, const char *data, size_t len,
                  int owned);
/* Error envelope from the registry; field may be NULL; fmt NULL = default message. */
void gw_reply_error(gw_resp *resp, gw_err code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Map a KIS client error to the envelope (422 with "kis", 503 + Retry-After, 502, 504). */
void gw_reply_kis_error(gw_resp *resp, const kis_error *err);
/* Add "kis":{"msg_cd","msg1"} to an error reply already set. */
void gw_error_add_kis(gw_resp *resp, const char *msg_cd, const char *msg1);

/* The wire code / status of a registry entry (the KIS passthrough puts
 * them in KIS's envelope). */
const char *gw_err_code(gw_err e);
int gw_err_status(gw_err e);

#endif
