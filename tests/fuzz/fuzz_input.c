/* fuzz_input.c — the request path, query and JSON body of every endpoint,
 * through the router (gw_route_find) and the declared-input layer
 * (gw_input_parse, server/input.c), exactly as server/http.c chains them.
 *
 * Input: "METHOD /path?k=v&k=v\n<body>". The first line is split at the
 * first space and '?'; the query at '&' and the first '=' (values are
 * taken as libmicrohttpd hands them over, already decoded); everything
 * after the first newline is the body, parsed with the daemon's Jansson
 * flags. Handlers are not run (they need KIS); the contract checked is
 * the layer's: 0 with nothing written, or -1 with a 400 envelope whose
 * "field" names a declared query parameter or body field, or an unknown
 * one the request sent. */
#include "fuzz.h"
#include "routes.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

#define MAXQ 32

typedef struct fq {
	int n;
	char *k[MAXQ], *v[MAXQ];
} fq;

static const char *fq_get(void *cls, const char *name)
{
	fq *q = cls;
	for (int i = 0; i < q->n; i++)
		if (!strcmp(q->k[i], name))
			return q->v[i];
	return NULL;
}

static void parse_query(char *s, fq *q)
{
	q->n = 0;
	while (s && *s && q->n < MAXQ) {
		char *amp = strchr(s, '&');
		if (amp)
			*amp = '\0';
		char *eq = strchr(s, '=');
		if (eq)
			*eq = '\0';
		q->k[q->n] = s;
		q->v[q->n] = eq ? eq + 1 : (char *)"";
		q->n++;
		s = amp ? amp + 1 : NULL;
	}
}

static int declared(const gw_field *fields, const char *name)
{
	return fields && gw_field_find(fields, name) != NULL;
}

/* A name the request sent, as an error quotes it: made valid UTF-8, its
 * control characters replaced (server/reply.c, a 128-byte field). */
static int sent_as(const char *name, const char *sent)
{
	char clean[128];
	return !strcmp(name, gw_text_clean(sent, strlen(sent), clean, sizeof(clean)));
}

/* The field an error names: declared, or an unknown one the request sent. */
static int nameable(const gw_endpoint *ep, const char *name, fq *q, const json_t *body)
{
	if (declared(ep->query, name) || declared(ep->body, name))
		return 1;
	for (int i = 0; i < q->n; i++)
		if (sent_as(name, q->k[i]))
			return 1;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)body, key, v)
	{
		if (sent_as(name, key))
			return 1;
	}
	return 0;
}

static void check_reply(const gw_endpoint *ep, int rc, const gw_resp *resp, fq *q,
                        const json_t *body)
{
	if (rc == 0) {
		if (resp->status || resp->body)
			abort();
		return;
	}
	if (rc != -1 || resp->status != 400 || !json_is_object(resp->body))
		abort();
	json_t *e = json_object_get(resp->body, "error");
	if (!json_is_object(e) || !json_is_string(json_object_get(e, "code")) ||
	    !json_is_string(json_object_get(e, "message")))
		abort();
	json_t *f = json_object_get(e, "field");
	if (f && !json_is_null(f)) {
		const char *name = json_string_value(f);
		if (!name || !nameable(ep, name, q, body))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	char *s = fuzz_strndup(data, size);
	size_t linelen = strcspn(s, "\n");
	const char *body = s[linelen] ? s + linelen + 1 : NULL;
	size_t blen = body ? size - linelen - 1 : 0;
	s[linelen] = '\0';

	char *method = s, *path = strchr(s, ' ');
	if (!path) {
		free(s);
		return 0;
	}
	*path++ = '\0';
	char *qs = strchr(path, '?');
	if (qs)
		*qs++ = '\0';

	const gw_route *r = NULL;
	const char *args[GW_MAX_PATH_ARGS] = {0};
	int found = gw_route_find(method, path, &r, args);
	if (found == 405) {
		char allow[128];
		gw_route_allow(path, allow, sizeof allow);
		if (!allow[0])
			abort();
	}
	if (found != 0 || !r || !r->ep) {
		free(s);
		return 0;
	}
	fq q;
	parse_query(qs, &q);
	json_t *jb = NULL;
	if (blen) {
		json_error_t jerr;
		jb = json_loadb(body, blen, JSON_REJECT_DUPLICATES, &jerr);
		if (!jb) { /* the daemon answers invalid_json before the layer */
			free(s);
			return 0;
		}
	}
	const gw_endpoint *ep = r->ep;
	if (!jb && ep->body) { /* "a JSON body is required", also before it */
		free(s);
		return 0;
	}
	void *in = calloc(1, ep->in_size ? ep->in_size : 1);
	if (!in)
		abort();
	gw_resp resp;
	memset(&resp, 0, sizeof resp);
	int rc = gw_input_parse(ep, fq_get, &q, jb, in, &resp);
	check_reply(ep, rc, &resp, &q, jb);
	json_decref(resp.body);
	json_decref(jb);
	free(in);
	free(s);
	return 0;
}
