/* access.h — who may talk to kisgw: the checks every request passes before
 * a handler runs, as pure functions of header values (no libmicrohttpd), so
 * they are unit-tested without a daemon (tests/server/test_access.c).
 *
 * In the order the daemon applies them (http.c):
 *   1. header screen: no NUL or control byte in any header value, at most
 *      one Host / Origin / Content-Type / Authorization / Sec-Fetch-Site /
 *      Content-Length / Transfer-Encoding (400);
 *   2. Host: exact host[:port], required by HTTP/1.1 (400), and one of this
 *      gateway's names (403) — DNS rebinding;
 *   3. Origin / Sec-Fetch-Site: the gateway itself or KISGW_CORS_ORIGIN,
 *      else 403 for every method — cross-site requests from web pages;
 *   4. (route, 404/405)  5. API token when set (401);
 *   6. a body must be Content-Type: application/json (415) — the "simple"
 *      requests a browser sends cross-site without a preflight never are. */
#ifndef GW_ACCESS_H
#define GW_ACCESS_H

#include <stddef.h>

#include "config.h"
#include "http.h"

#define GW_ACCESS_SHA_LEN 32

typedef struct gw_access {
	char listen_host[80];      /* "[::1]" for IPv6, "" for a wildcard address */
	const char *allowed_hosts; /* borrowed from the settings */
	const char *cors_origin;   /* borrowed; NULL: no CORS */
	int token_set;
	unsigned char token_sha[GW_ACCESS_SHA_LEN];
} gw_access;

/* Why a request was refused: the registry code, the header at fault (or
 * NULL) and a static sentence for the envelope's message. */
typedef struct gw_denial {
	gw_err code;
	const char *field;
	const char *msg;
} gw_denial;

/* One request header as received: the bytes (which may hold NULs), their
 * length, and how many times the header came. */
typedef struct gw_hval {
	const char *v;
	size_t n;
	int count;
} gw_hval;

/* Borrows cfg's strings; cfg must outlive a. */
void gw_access_init(gw_access *a, const gw_settings *cfg);

/* Every check returns 0 when the request may go on, else -1 with *d set. */

/* A header value with a NUL or control byte (tab allowed), name for the
 * message. */
int gw_access_header_value(const char *name, const char *v, size_t n, gw_denial *d);
/* A header that must come at most once. */
int gw_access_header_once(const char *name, int count, gw_denial *d);
/* Host: absent is fine for HTTP/1.0 only; then exact syntax; then allowed. */
int gw_access_host(const gw_access *a, const gw_hval *host, int http11, gw_denial *d);
/* Origin and Sec-Fetch-Site against the gateway itself (host, already
 * checked) and KISGW_CORS_ORIGIN. */
int gw_access_origin(const gw_access *a, const char *host, const char *origin,
                     const char *fetch_site, gw_denial *d);
/* The API token, when one is configured (constant-time compare). */
int gw_access_token(const gw_access *a, const char *authorization, gw_denial *d);
/* A request with a body must say Content-Type: application/json. */
int gw_access_content_type(const char *content_type, int has_body, gw_denial *d);

/* 1 when replies to a request from origin carry CORS headers. */
int gw_access_cors_allows(const gw_access *a, const char *origin);

/* Exact Host syntax: reg-name or IPv4 ([A-Za-z0-9._-]+) or an IPv6 literal
 * closed by ']', then only ":digits" (0-65535). The name (brackets kept)
 * goes to name; *port is -1 when absent. 0, or -1 on any other byte. */
int gw_host_parse(const char *v, size_t n, char *name, size_t namelen, int *port);

#endif
