/* access.c — the access checks of every request (see access.h for the order
 * and the reasons). Pure functions of header values; the daemon collects
 * the values and turns a denial into the error envelope. */
#include "access.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

_Static_assert(GW_ACCESS_SHA_LEN == SHA256_DIGEST_LENGTH, "token digest size");

static int deny(gw_denial *d, gw_err code, const char *field, const char *msg)
{
	d->code = code;
	d->field = field;
	d->msg = msg;
	return -1;
}

void gw_access_init(gw_access *a, const gw_settings *cfg)
{
	memset(a, 0, sizeof(*a));
	const char *h = cfg->listen_host;
	/* A wildcard listen address names no host: such a gateway needs
	 * KISGW_ALLOWED_HOSTS for its LAN names. */
	if (strcmp(h, "0.0.0.0") && strcmp(h, "::") && strcmp(h, "[::]"))
		snprintf(a->listen_host, sizeof(a->listen_host), strchr(h, ':') ? "[%s]" : "%s", h);
	a->allowed_hosts = cfg->allowed_hosts;
	a->cors_origin = cfg->cors_origin;
	if (cfg->api_token) {
		a->token_set = 1;
		SHA256((const unsigned char *)cfg->api_token, strlen(cfg->api_token), a->token_sha);
	}
}

int gw_access_header_value(const char *name, const char *v, size_t n, gw_denial *d)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return deny(d, GW_E_BAD_REQUEST, name,
			            "a header value holds a NUL or control character");
	}
	return 0;
}

int gw_access_header_once(const char *name, int count, gw_denial *d)
{
	if (count > 1)
		return deny(d, GW_E_BAD_REQUEST, name, "this header may come only once");
	return 0;
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

int gw_host_parse(const char *v, size_t n, char *name, size_t namelen, int *port)
{
	size_t i = 0;
	*port = -1;
	if (n && v[0] == '[') {
		for (i = 1; i < n && v[i] != ']'; i++) {
			char c = v[i];
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			      (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
				return -1;
		}
		if (i >= n || i < 3) /* unclosed, or "[]" / "[:]" */
			return -1;
		i++; /* past ']' */
	} else {
		while (i < n && is_name_char(v[i]))
			i++;
		if (i == 0)
			return -1;
	}
	if (i >= namelen)
		return -1;
	memcpy(name, v, i);
	name[i] = 0;
	if (i == n)
		return 0;
	if (v[i] != ':' || i + 1 == n || n - i - 1 > 5)
		return -1;
	int p = 0;
	for (size_t j = i + 1; j < n; j++) {
		if (v[j] < '0' || v[j] > '9')
			return -1;
		p = p * 10 + (v[j] - '0');
	}
	if (p > 65535)
		return -1;
	*port = p;
	return 0;
}

/* name (as parsed) is one of the gateway's own or KISGW_ALLOWED_HOSTS. */
static int host_name_allowed(const gw_access *a, const char *h)
{
	if (!strcasecmp(h, "localhost") || !strcmp(h, "127.0.0.1") || !strcmp(h, "[::1]"))
		return 1;
	if (a->listen_host[0] && !strcasecmp(h, a->listen_host))
		return 1;
	size_t n = strlen(h);
	for (const char *p = a->allowed_hosts; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t an = comma ? (size_t)(comma - p) : strlen(p);
		const char *s = p;
		while (an && *s == ' ')
			s++, an--;
		while (an && s[an - 1] == ' ')
			an--;
		if ((an == 1 && *s == '*') || (an == n && !strncasecmp(s, h, n)))
			return 1;
		p = comma ? comma + 1 : s + an;
	}
	return 0;
}

int gw_access_host(const gw_access *a, const gw_hval *host, int http11, gw_denial *d)
{
	if (host->count > 1)
		return deny(d, GW_E_BAD_REQUEST, "Host", "more than one Host header");
	if (host->count == 0 || !host->v) {
		if (http11) /* RFC 9112 section 3.2 */
			return deny(d, GW_E_BAD_REQUEST, "Host", "HTTP/1.1 needs a Host header");
		return 0; /* HTTP/1.0 without Host: not a browser */
	}
	char name[256];
	int port;
	if (gw_host_parse(host->v, host->n, name, sizeof(name), &port))
		return deny(d, GW_E_BAD_REQUEST, "Host", "the Host header is not host[:port]");
	if (!host_name_allowed(a, name))
		return deny(d, GW_E_FORBIDDEN_HOST, "Host",
		            "the Host header is not this gateway's; add the name to "
		            "KISGW_ALLOWED_HOSTS to allow it");
	return 0;
}

/* "http://" + host[:port] naming the same host and port as the Host
 * header: a page served by this gateway's own address. */
static int origin_is_self(const char *origin, const char *host)
{
	if (!host || strncasecmp(origin, "http://", 7))
		return 0;
	char on[256], hn[256];
	int op, hp;
	if (gw_host_parse(origin + 7, strlen(origin + 7), on, sizeof(on), &op) ||
	    gw_host_parse(host, strlen(host), hn, sizeof(hn), &hp))
		return 0;
	return !strcasecmp(on, hn) && (op < 0 ? 80 : op) == (hp < 0 ? 80 : hp);
}

int gw_access_cors_allows(const gw_access *a, const char *origin)
{
	return a->cors_origin && origin &&
	       (!strcmp(a->cors_origin, "*") || !strcmp(a->cors_origin, origin));
}

int gw_access_origin(const gw_access *a, const char *host, const char *origin,
                     const char *fetch_site, gw_denial *d)
{
	if (origin) {
		if (origin_is_self(origin, host) || gw_access_cors_allows(a, origin))
			return 0;
		return deny(d, GW_E_FORBIDDEN_ORIGIN, "Origin",
		            "requests from this Origin are refused; set KISGW_CORS_ORIGIN to "
		            "allow a web page");
	}
	/* No Origin: a browser's no-cors request (a link, an image, a form
	 * GET) still says where it comes from. Only the user's own navigation
	 * ("none") and the gateway's own pages ("same-origin") pass; with
	 * KISGW_CORS_ORIGIN=* any page may read. */
	if (fetch_site && strcasecmp(fetch_site, "none") && strcasecmp(fetch_site, "same-origin") &&
	    !(a->cors_origin && !strcmp(a->cors_origin, "*")))
		return deny(d, GW_E_FORBIDDEN_ORIGIN, "Sec-Fetch-Site",
		            "cross-site requests are refused; set KISGW_CORS_ORIGIN to allow a "
		            "web page");
	return 0;
}

int gw_access_token(const gw_access *a, const char *authz, gw_denial *d)
{
	if (!a->token_set)
		return 0;
	if (authz && !strncasecmp(authz, "Bearer ", 7)) {
		unsigned char dg[SHA256_DIGEST_LENGTH];
		const char *t = authz + 7;
		SHA256((const unsigned char *)t, strlen(t), dg);
		/* Digests of equal length: the compare leaks neither content nor length. */
		if (CRYPTO_memcmp(dg, a->token_sha, sizeof(dg)) == 0)
			return 0;
	}
	return deny(d, GW_E_UNAUTHORIZED, "Authorization",
	            "send Authorization: Bearer <KISGW_API_TOKEN>");
}

int gw_access_content_type(const char *ct, int has_body, gw_denial *d)
{
	if (!has_body)
		return 0;
	if (ct) {
		while (*ct == ' ' || *ct == '\t')
			ct++;
		size_t n = strlen("application/json");
		if (!strncasecmp(ct, "application/json", n)) {
			const char *rest = ct + n;
			while (*rest == ' ' || *rest == '\t')
				rest++;
			if (!*rest || *rest == ';')
				return 0;
		}
	}
	return deny(d, GW_E_UNSUPPORTED_MEDIA_TYPE, "Content-Type",
	            "a request body must be sent as Content-Type: application/json");
}
