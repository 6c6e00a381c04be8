/* http.c — the libmicrohttpd daemon: checks, routing, body buffering,
 * declared-input validation, dispatch, sending replies (built by reply.c)
 * and the request log.
 *
 * Every request goes through the same steps, in this order, before a
 * handler sees it: URL length (414), Host (403), route and method
 * (404/405), query parameter names (400), API token (401), declared body
 * size (413, answered from the headers). The body is then buffered up to
 * KISGW_MAX_BODY (413 past it), parsed as JSON (400) and, with the query,
 * checked against the endpoint's declaration (400 naming the field, input.c)
 * into the typed struct the handler reads. Per-request state
 * lives in one struct, freed in one place: on_completed().
 *
 * Threads: libmicrohttpd runs an internal epoll thread pool
 * (KISGW_HTTP_THREADS) and none of its threads ever waits on the network.
 * A handler runs on a worker (workers.c, KISGW_HTTP_WORKERS) unless its
 * endpoint is declared .run_inline (input.h): the connection is suspended,
 * the worker runs the handler, stores the reply and resumes it, and the
 * access handler, called again, sends what the worker left. On shutdown the
 * requests still waiting for a worker are answered 503 and the running ones
 * finish before the daemon stops, so no connection is left suspended. */
#include "server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access.h"
#include "http.h"
#include "input.h"
#include "log.h"
#include "monitor.h"
#include "passthrough.h"
#include "routes.h"
#include "store.h"
#include "text.h"
#include "workers.h"

struct gw_server {
	struct MHD_Daemon *d;
	gw_app *app;
	int port;
	atomic_int active;   /* requests between first callback and completion */
	atomic_int draining; /* 1 after quiesce: replies say Connection: close */
	gw_access access;
	gw_workers *workers; /* run the handlers that may block */
};

/* Where a request is between the last body byte and its reply. */
enum rphase {
	RS_NEW,    /* not dispatched (or ran inline) */
	RS_WORKER, /* queued for or running on a worker; the connection is suspended */
	RS_DONE,   /* a worker (or the shutdown) left the reply; the connection resumed */
};

typedef struct rstate {
	gw_job job; /* on a worker: run_job / cancel_job */
	struct MHD_Connection *conn;
	enum rphase phase;
	gw_req req;
	gw_resp resp;
	const gw_route *route;
	int64_t t0, t0_us;
	unsigned upstream;
	int started;   /* the first on_request call has run */
	int decided;   /* resp is final: skip body and handler */
	int preflight; /* a CORS preflight: 204 + the CORS headers */
	int has_body;  /* Content-Length > 0 or Transfer-Encoding */
	int close;     /* reply with Connection: close */
	int url_nul;   /* the raw URL held %00 */
	char *url;     /* copy of the path; args point into it */
	char *query;   /* the raw query string (after '?'), "" when none */
	gw_pt_kind pt; /* a KIS passthrough path (route stays NULL) */
	char *body;
	size_t len;
	void *in;          /* the endpoint's typed input */
	const char *allow; /* for 405 */
} rstate;

/* ---- request values (http.h) ---- */

const char *gw_header(const gw_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* ---- checks before dispatch ---- */

typedef struct qcheck {
	const gw_route *route;
	const char *bad;
	size_t len;
} qcheck;

static enum MHD_Result check_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
	qcheck *q = cls;
	q->len += strlen(key) + (value ? strlen(value) : 0) + 2;
	if (q->bad || !q->route)
		return MHD_YES;
	if (!gw_field_find(q->route->ep->query, key))
		q->bad = key;
	return MHD_YES;
}

/* The headers the access checks read, each with its length (NULs kept)
 * and how many times it came; plus the first header value with a NUL or
 * control byte. */
typedef struct hscan {
	gw_hval host, origin, fetch_site, ctype, authz, clen, te, acrm;
	int bad;
	gw_denial d;
	char name[64]; /* the offending header's name, cleaned for JSON */
} hscan;

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
	hscan *h = cls;
	static const struct {
		const char *name;
		size_t off;
	} watched[] = {
	    {"Host", offsetof(hscan, host)},
	    {"Origin", offsetof(hscan, origin)},
	    {"Sec-Fetch-Site", offsetof(hscan, fetch_site)},
	    {"Content-Type", offsetof(hscan, ctype)},
	    {"Authorization", offsetof(hscan, authz)},
	    {"Content-Length", offsetof(hscan, clen)},
	    {"Transfer-Encoding", offsetof(hscan, te)},
	    {"Access-Control-Request-Method", offsetof(hscan, acrm)},
	};
	if (!h->bad && (gw_access_header_value("", key, key_size, &h->d) ||
	                gw_access_header_value("", value, value_size, &h->d))) {
		h->bad = 1;
		gw_text_clean(key, key_size, h->name, sizeof(h->name));
		h->d.field = h->name;
	}
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
		if (strlen(watched[i].name) != key_size || strcasecmp(watched[i].name, key))
			continue;
		gw_hval *v = (gw_hval *)((char *)h + watched[i].off);
		if (v->count++ == 0) {
			v->v = value;
			v->n = value_size;
		}
	}
	return MHD_YES;
}

/* Everything decided from the request line and headers, in the order
 * access.h describes. */
static void precheck(gw_server *srv, rstate *st, struct MHD_Connection *c, const char *method,
                     const char *version)
{
	const gw_settings *cfg = srv->app->cfg;
	const gw_access *acc = &srv->access;
	qcheck q = {0};
	hscan h = {0};
	gw_denial d;
	MHD_get_connection_values_n(c, MHD_HEADER_KIND, scan_header, &h);
	if (h.bad) {
		d = h.d;
		goto denied;
	}
	const struct {
		const char *name;
		const gw_hval *v;
	} once[] = {{"Origin", &h.origin},       {"Sec-Fetch-Site", &h.fetch_site},
	            {"Content-Type", &h.ctype},  {"Authorization", &h.authz},
	            {"Content-Length", &h.clen}, {"Transfer-Encoding", &h.te}};
	for (size_t i = 0; i < sizeof(once) / sizeof(once[0]); i++)
		if (gw_access_header_once(once[i].name, once[i].v->count, &d))
			goto denied;
	st->has_body = h.te.count || (h.clen.v && strtoull(h.clen.v, NULL, 10) > 0);
	/* Only chunked is understood; any other coding would leave the body's
	 * end unknown (RFC 9112 section 6.1: 501). Both framings at once is
	 * how requests are smuggled. */
	if (h.te.count && (h.te.n != 7 || strncasecmp(h.te.v, "chunked", 7))) {
		st->close = 1;
		gw_reply_error(&st->resp, GW_E_TE_UNSUPPORTED, "Transfer-Encoding",
		               "only Transfer-Encoding: chunked is supported");
		goto decided;
	}
	if (h.te.count && h.clen.count) {
		st->close = 1;
		gw_reply_error(&st->resp, GW_E_BAD_REQUEST, "Content-Length",
		               "Content-Length and Transfer-Encoding together");
		goto decided;
	}
	if (st->url_nul) {
		gw_reply_error(&st->resp, GW_E_BAD_REQUEST, NULL,
		               "the URL holds a NUL byte (%%00) in its path or a parameter");
		goto decided;
	}
	size_t ulen = strlen(st->url);
	if (ulen > 1 && st->url[ulen - 1] == '/')
		st->url[--ulen] = 0;
	if (ulen > (size_t)cfg->max_url) {
		gw_reply_error(&st->resp, GW_E_URI_TOO_LONG, NULL,
		               "the URL is longer than %lld bytes", (long long)cfg->max_url);
		goto decided;
	}
	if (gw_access_host(acc, &h.host, !strcmp(version, MHD_HTTP_VERSION_1_1), &d) ||
	    gw_access_origin(acc, h.host.v, h.origin.v, h.fetch_site.v, &d))
		goto denied;
	/* A CORS preflight goes through the same route table: the path must
	 * exist and take the method the browser asks about. */
	int preflight = !strcmp(method, "OPTIONS") && cfg->cors_origin;
	const char *m = !strcmp(method, "HEAD") ? "GET" : method;
	if (preflight)
		m = h.acrm.v; /* NULL: any method of the path */
	/* KIS's own paths (KISGW_PASSTHROUGH=on) skip the route table: KIS's
	 * parameters are not declared; the passthrough checks its own. */
	st->pt = gw_pt_path(cfg->passthrough_on, st->url);
	int r = st->pt ? 0 : gw_route_find(m, st->url, &st->route, st->req.args);
	if (r == 404) {
		gw_reply_error(&st->resp, GW_E_NOT_FOUND, NULL, "no endpoint %s", st->url);
		goto decided;
	}
	if (r == 405) {
		gw_reply_error(&st->resp, GW_E_METHOD_NOT_ALLOWED, NULL, "%s is not allowed on %s",
		               m, st->url);
		goto decided;
	}
	if (preflight && !st->pt) {
		gw_reply(&st->resp, 204, NULL);
		st->preflight = 1;
		goto decided;
	}
	q.route = st->route;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_param, &q);
	if (ulen + q.len > (size_t)cfg->max_url) {
		gw_reply_error(&st->resp, GW_E_URI_TOO_LONG, NULL,
		               "the URL is longer than %lld bytes", (long long)cfg->max_url);
		goto decided;
	}
	if ((st->pt ? gw_pt_needs_api_token(st->pt) : !st->route->public) &&
	    gw_access_token(acc, h.authz.v, &d))
		goto denied;
	if (q.bad) {
		char name[80];
		gw_text_clean(q.bad, strlen(q.bad), name, 64);
		gw_reply_error(&st->resp, GW_E_INVALID_PARAM, name, "unknown query parameter '%s'",
		               name);
		goto decided;
	}
	if (gw_access_content_type(h.ctype.v, st->has_body, &d))
		goto denied;
	if (h.clen.v && strtoull(h.clen.v, NULL, 10) > (unsigned long long)cfg->max_body) {
		gw_reply_error(&st->resp, GW_E_BODY_TOO_LARGE, NULL,
		               "the body is larger than %lld bytes", (long long)cfg->max_body);
		goto decided;
	}
	return;
denied:
	gw_reply_error(&st->resp, d.code, d.field, "%s", d.msg);
decided:
	st->decided = 1;
}

/* ---- dispatch ---- */

static const char *query_value(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

/* The body as JSON and the declared inputs: 0 when the handler may run,
 * -1 with the 400 in resp. */
static int prepare(rstate *st)
{
	if (st->pt) { /* KIS-shaped from here on: the passthrough parses its body */
		st->req.query_raw = st->query ? st->query : "";
		return 0;
	}
	if (st->len) {
		json_error_t jerr;
		st->req.body = json_loadb(st->body, st->len, JSON_REJECT_DUPLICATES, &jerr);
		if (!st->req.body) {
			gw_reply_error(&st->resp, GW_E_INVALID_JSON, NULL,
			               "the body is not valid JSON: %s at line %d column %d",
			               jerr.text, jerr.line, jerr.column);
			return -1;
		}
	} else if (st->route->ep->body) {
		gw_reply_error(&st->resp, GW_E_INVALID_JSON, NULL, "a JSON body is required");
		return -1;
	}
	const gw_endpoint *ep = st->route->ep;
	st->in = calloc(1, ep->in_size);
	if (!st->in) {
		gw_reply_error(&st->resp, GW_E_INTERNAL, NULL, "out of memory");
		return -1;
	}
	st->req.in = st->in;
	return gw_input_parse(ep, query_value, st->req.conn, st->req.body, st->in, &st->resp);
}

int gw_would_block(gw_req *req)
{
	if (req->on_worker)
		return 0;
	req->deferred = 1;
	return 1;
}

/* Runs the handler here (an HTTP thread or a worker), counting its KIS
 * calls on this thread. A handler that deferred leaves no reply behind. */
static void run_handler(rstate *st)
{
	kis_thread_calls_reset();
	st->req.deferred = 0;
	if (st->pt)
		gw_pt_handle(&st->req, st->pt, st->body, st->len, &st->resp);
	else
		st->route->ep->handler(&st->req, &st->resp);
	st->upstream = kis_thread_calls();
	store_thread_release(st->req.app->db);
	if (st->req.deferred) {
		gw_reply(&st->resp, 0, NULL);
		memset(&st->resp, 0, sizeof(st->resp));
	} else if (!st->resp.status) {
		gw_reply_error(&st->resp, GW_E_INTERNAL, NULL, "the handler gave no reply");
	}
}

/* On a worker. Nothing of st may be touched after the resume: the HTTP
 * thread sends the reply and on_completed frees st. */
static void run_job(gw_job *j)
{
	rstate *st = (rstate *)((char *)j - offsetof(rstate, job));
	st->req.on_worker = 1;
	run_handler(st);
	st->phase = RS_DONE;
	MHD_resume_connection(st->conn);
}

/* Instead of run_job when no worker will take the request any more. */
static void cancel_job(gw_job *j)
{
	rstate *st = (rstate *)((char *)j - offsetof(rstate, job));
	gw_reply_error(&st->resp, GW_E_UNAVAILABLE, NULL,
	               "kisgw is shutting down; retry the request");
	st->resp.retry_after_s = 1;
	st->close = 1;
	st->phase = RS_DONE;
	MHD_resume_connection(st->conn);
}

/* Suspends the connection (before a worker can see the job, whose resume
 * must come after) and hands the request to the worker pool. */
static enum MHD_Result to_worker(gw_server *srv, struct MHD_Connection *c, rstate *st)
{
	st->phase = RS_WORKER;
	st->conn = c;
	st->job.run = run_job;
	st->job.cancel = cancel_job;
	MHD_suspend_connection(c);
	if (gw_workers_submit(srv->workers, &st->job))
		cancel_job(&st->job); /* closed for the shutdown */
	return MHD_YES;
}

/* CORS headers for the configured origin; a preflight also learns the
 * path's methods (its Allow list) and may be cached for ten minutes. */
static void add_cors(gw_server *srv, struct MHD_Connection *c, const rstate *st,
                     struct MHD_Response *r)
{
	const char *allowed = srv->app->cfg->cors_origin;
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	if (!allowed)
		return;
	MHD_add_response_header(r, "Vary", "Origin");
	if (!gw_access_cors_allows(&srv->access, origin))
		return;
	MHD_add_response_header(r, "Access-Control-Allow-Origin", allowed);
	if (!st->preflight)
		return;
	char allow[128];
	gw_route_allow(st->url, allow, sizeof(allow));
	MHD_add_response_header(r, "Access-Control-Allow-Methods", allow);
	MHD_add_response_header(r, "Access-Control-Allow-Headers",
	                        "Authorization, Content-Type, Idempotency-Key");
	MHD_add_response_header(r, "Access-Control-Max-Age", "600");
}

static enum MHD_Result queue(gw_server *srv, struct MHD_Connection *c, rstate *st)
{
	char *buf = NULL;
	size_t len = 0;
	if (st->resp.body) {
		/* 15 significant digits: rates print as 1.33, not 1.3300000000000001. */
		buf = json_dumps(st->resp.body, JSON_COMPACT | JSON_REAL_PRECISION(15));
		if (buf) {
			len = strlen(buf);
			buf[len++] = '\n'; /* replaces the NUL; friendlier for curl */
		}
	}
	const char *type = "application/json; charset=utf-8";
	struct MHD_Response *r;
	if (st->resp.raw_type) {
		type = st->resp.raw_type;
		r = MHD_create_response_from_buffer(st->resp.raw_len, (void *)st->resp.raw,
		                                    st->resp.raw_owned ? MHD_RESPMEM_MUST_FREE
		                                                       : MHD_RESPMEM_PERSISTENT);
		if (r)
			st->resp.raw_owned = 0; /* MHD frees it now */
	} else {
		r = buf ? MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE)
		        : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (st->resp.kis) {
		/* KIS's own headers, lower case as KIS sends them: its sample client
		 * reads exactly the all-lower-case names into a namedtuple (so the
		 * hyphenated standard ones must keep their capitals) */
		MHD_add_response_header(r, "tr_id", st->resp.kis_tr_id);
		MHD_add_response_header(r, "tr_cont", st->resp.kis_tr_cont);
	}
	if (!strncmp(type, "text/html", 9)) {
		/* the status page: its own inline code, fetches to this origin only */
		MHD_add_response_header(r, "Content-Security-Policy",
		                        "default-src 'none'; script-src 'unsafe-inline'; "
		                        "style-src 'unsafe-inline'; img-src data:; connect-src "
		                        "'self'; base-uri 'none'; form-action 'none'; "
		                        "frame-ancestors 'none'");
		MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	}
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (st->resp.retry_after_s > 0) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%d", st->resp.retry_after_s);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	if (st->resp.location[0])
		MHD_add_response_header(r, "Location", st->resp.location);
	if ((st->resp.status == 405 || st->preflight) && st->url) {
		char allow[128];
		gw_route_allow(st->url, allow, sizeof(allow));
		MHD_add_response_header(r, "Allow", allow);
	}
	if (st->resp.status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
	if (atomic_load(&srv->draining) || st->close)
		MHD_add_response_header(r, "Connection", "close");
	add_cors(srv, c, st, r);
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)st->resp.status, r);
	MHD_destroy_response(r);
	return ret;
}

static rstate *rstate_new(gw_server *srv);

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
	gw_server *srv = cls;
	rstate *st = *req_cls;
	if (!st) /* on_uri could not allocate */
		st = *req_cls = rstate_new(srv);
	if (!st)
		return MHD_NO;
	if (!st->started) {
		st->started = 1;
		st->url = strdup(url);
		st->req.app = srv->app;
		st->req.method = method;
		st->req.conn = c;
		st->req.arrived_ms = st->t0;
		if (!st->url)
			return MHD_NO;
		st->req.path = st->url;
		precheck(srv, st, c, method, version);
		/* Decided from the headers: with a body still unread, answer now
		 * and close (its end may be unknown); without one, answer in the
		 * last call so the connection, and what is pipelined behind,
		 * stays usable. */
		if (st->decided && st->has_body) {
			st->close = 1;
			return queue(srv, c, st);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (st->decided)
			return MHD_YES;
		if (st->len + n > (size_t)srv->app->cfg->max_body) {
			gw_reply_error(&st->resp, GW_E_BODY_TOO_LARGE, NULL,
			               "the body is larger than %lld bytes",
			               (long long)srv->app->cfg->max_body);
			st->decided = 1;
			free(st->body);
			st->body = NULL;
			st->len = 0;
			return MHD_YES;
		}
		char *nb = realloc(st->body, st->len + n);
		if (!nb)
			return MHD_NO;
		memcpy(nb + st->len, upload, n);
		st->body = nb;
		st->len += n;
		return MHD_YES;
	}
	/* The whole request is in. Run the handler here or on a worker; after
	 * a worker's resume (RS_DONE) only the reply is left to send. */
	if (st->phase == RS_NEW && !st->decided && prepare(st) == 0) {
		/* the passthrough may wait for KIS: always on a worker */
		int run_inline = !st->pt && st->route->ep->run_inline;
		if (run_inline)
			run_handler(st);
		if (!run_inline || st->req.deferred)
			return to_worker(srv, c, st);
	}
	return queue(srv, c, st);
}

/* The one place per-request state is freed; also writes the request log,
 * with the client's method and path made valid UTF-8 so the line is always
 * complete. A request libmicrohttpd refused itself (malformed headers, too
 * many of them) never reached on_request: it is logged as "protocol". */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
	gw_server *srv = cls;
	rstate *st = *req_cls;
	if (!st)
		return;
	enum gw_log_level lv = st->resp.status >= 500 ? GW_LOG_WARN : GW_LOG_INFO;
	if (gw_log_enabled(lv)) {
		char m[40], path[512];
		const char *meth = st->req.method ? st->req.method : "";
		const char *url = st->url ? st->url : "";
		json_t *f = json_pack("{s:s,s:s,s:i,s:I,s:i}", "method",
		                      gw_text_clean(meth, strlen(meth), m, sizeof(m)), "path",
		                      gw_text_clean(url, strlen(url), path, sizeof(path)), "status",
		                      st->resp.status, "ms", (json_int_t)(mono_ms() - st->t0),
		                      "upstream", (int)st->upstream);
		if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
			json_object_set_new(f, "aborted", json_true());
		if (!st->started)
			json_object_set_new(f, "error", json_string("protocol"));
		json_t *e = json_object_get(st->resp.body, "error");
		if (e)
			json_object_set(f, "error", json_object_get(e, "code"));
		gw_log(lv, "request", f);
	}
	gw_metrics_request(st->route ? st->route->method : NULL,
	                   st->route ? st->route->pattern : NULL, st->resp.status,
	                   (double)(mono_us() - st->t0_us) / 1e6);
	json_decref(st->req.body);
	gw_reply(&st->resp, 0, NULL); /* frees the body, JSON or raw */
	free(st->body);
	free(st->in);
	free(st->url);
	free(st->query);
	free(st);
	*req_cls = NULL;
	atomic_fetch_sub(&srv->active, 1);
}

static rstate *rstate_new(gw_server *srv)
{
	rstate *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	atomic_fetch_add(&srv->active, 1);
	st->t0 = mono_ms();
	st->t0_us = mono_us();
	return st;
}

/* libmicrohttpd's first word on a request: the raw target, before it is
 * split at '?' and unescaped. The one place a %00 can still be seen (after
 * unescaping, a C string ends there). Creates the request state. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	rstate *st = rstate_new(cls);
	if (st) {
		st->url_nul = uri && strstr(uri, "%00") != NULL;
		const char *q = uri ? strchr(uri, '?') : NULL;
		st->query = q ? strdup(q + 1) : NULL;
	}
	return st;
}

/* libmicrohttpd's messages; fmt is its own printf format (checked as one). */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	gw_log(GW_LOG_WARN, buf, json_pack("{s:s}", "source", "http"));
}

gw_server *gw_server_start(gw_app *app, char *err, size_t errlen)
{
	const gw_settings *cfg = app->cfg;
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_PASSIVE,
	                         .ai_socktype = SOCK_STREAM},
	                *ai = NULL;
	char port[8];
	snprintf(port, sizeof(port), "%d", cfg->listen_port);
	const char *host = cfg->listen_host;
	if (!strcmp(host, "localhost"))
		host = "127.0.0.1";
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "invalid KISGW_LISTEN: %s is not a numeric address (%s)",
		         host, gai_strerror(rc));
		return NULL;
	}
	gw_metrics_init();
	gw_server *srv = calloc(1, sizeof(*srv));
	srv->app = app;
	srv->workers = gw_workers_new((int)cfg->http_workers, 512 * 1024);
	if (!srv->workers) {
		snprintf(err, errlen, "cannot start %lld HTTP workers",
		         (long long)cfg->http_workers);
		freeaddrinfo(ai);
		free(srv);
		return NULL;
	}
	app->server = srv; /* for /metrics; before the first request */
	gw_access_init(&srv->access, cfg);
	/* MHD clears a connection's pool between requests: keep it just big
	 * enough for the longest URL we accept plus headers. */
	size_t pool = 8192 + 2 * (size_t)cfg->max_url;
	/* epoll: no descriptor limit (a flood of 1,000 sockets costs a few
	 * KB each, no thread); a pool of threads each with its own epoll set,
	 * sharing the listening socket. Resuming a connection from a worker
	 * wakes its thread through the ITC. A pool of 1 is one thread. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	                 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem pool_opt[] = {
	    {cfg->http_threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
	     (intptr_t)cfg->http_threads, NULL},
	    {MHD_OPTION_END, 0, NULL}};
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->d = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)cfg->http_connections, MHD_OPTION_ARRAY, pool_opt,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->http_idle_timeout_s,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->http_per_ip,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool, MHD_OPTION_THREAD_STACK_SIZE,
	    (size_t)(512 * 1024), MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!srv->d) {
		snprintf(err, errlen,
		         "cannot listen on %s (in use, or not an address of this host)",
		         cfg->listen);
		gw_workers_free(srv->workers);
		app->server = NULL;
		free(srv);
		return NULL;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : cfg->listen_port;
	return srv;
}

void gw_server_load(gw_server *s, int *queued, int *running)
{
	gw_workers_load(s->workers, queued, running);
}

int gw_server_port(const gw_server *s)
{
	return s->port;
}

void gw_server_quiesce(gw_server *s)
{
	atomic_store(&s->draining, 1);
	MHD_socket fd = MHD_quiesce_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

/* How long the replies of the last requests may take to go out once no
 * handler runs any more. */
#define DRAIN_SEND_MS 2000

static void wait_idle(gw_server *s, int64_t end)
{
	while (atomic_load(&s->active) > 0 && mono_ms() < end)
		usleep(10 * 1000);
}

int gw_server_drain(gw_server *s, int timeout_ms)
{
	wait_idle(s, mono_ms() + timeout_ms);
	if (atomic_load(&s->active) == 0)
		return 0;
	/* Past the deadline: what still waits for a worker is answered 503
	 * now; what runs finishes (every KIS call and wait has its own
	 * timeout), then every reply gets its chance to go out. */
	int queued, running;
	gw_workers_load(s->workers, &queued, &running);
	int cancelled = gw_workers_close(s->workers);
	gw_workers_join(s->workers);
	wait_idle(s, mono_ms() + DRAIN_SEND_MS);
	gw_log(GW_LOG_WARN, "drain deadline: requests waiting for a worker answered 503",
	       json_pack("{s:i,s:i,s:i}", "cancelled", cancelled, "running", running, "left",
	                 atomic_load(&s->active)));
	return -1;
}

void gw_server_stop(gw_server *s)
{
	if (!s)
		return;
	/* No connection may stay suspended into MHD_stop_daemon: the workers
	 * finish (or cancel) every job first; a request dispatched meanwhile
	 * finds the pool closed and is answered 503 at once. */
	gw_workers_join(s->workers);
	MHD_stop_daemon(s->d);
	gw_workers_free(s->workers);
	s->app->server = NULL;
	free(s);
}
