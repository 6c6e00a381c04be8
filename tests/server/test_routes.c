/* Unit tests of the router and of the declared inputs, without a daemon:
 * route lookup (404/405, path arguments, Allow), the soundness of every
 * declaration, and a table-driven pass over all of them: every declared
 * query parameter and body field rejects a bad value with a 400 naming it.
 * Also the order body's shape (moved here from the trader). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "input.h"
#include "routes.h"

/* ---- routing ---- */

static void test_route_find(void **state)
{
	(void)state;
	const gw_route *r = NULL;
	const char *args[GW_MAX_PATH_ARGS] = {0};
	char p1[] = "/price";
	assert_int_equal(gw_route_find("GET", p1, &r, args), 0);
	assert_string_equal(r->pattern, "/price");
	assert_null(args[0]);
	char p2[] = "/orders/42";
	assert_int_equal(gw_route_find("DELETE", p2, &r, args), 0);
	assert_string_equal(r->pattern, "/orders/{id}");
	assert_string_equal(r->method, "DELETE");
	assert_string_equal(args[0], "42");
	/* Literal segments win over "{id}" by table order. */
	char p3[] = "/orders/reconcile";
	assert_int_equal(gw_route_find("POST", p3, &r, args), 0);
	assert_string_equal(r->pattern, "/orders/reconcile");
	char p4[] = "/orders/42";
	assert_int_equal(gw_route_find("PUT", p4, &r, args), 405);
	char p4b[] = "/orders/42";
	assert_int_equal(gw_route_find(NULL, p4b, &r, args), 0); /* any method (preflight) */
	assert_string_equal(args[0], "42");
	char p5[] = "/nope";
	assert_int_equal(gw_route_find("GET", p5, &r, args), 404);
	char p6[] = "/orders/42/fills";
	assert_int_equal(gw_route_find("GET", p6, &r, args), 404);
	char p7[] = "/orders/";
	assert_int_equal(gw_route_find("GET", p7, &r, args), 404);
	char p8[] = "/price/x";
	assert_int_equal(gw_route_find("GET", p8, &r, args), 404);
	char allow[64];
	gw_route_allow("/orders/42", allow, sizeof(allow));
	assert_string_equal(allow, "GET, DELETE, PATCH");
	gw_route_allow("/orders", allow, sizeof(allow));
	assert_string_equal(allow, "POST, GET");
	/* Only /healthz, the status page (it asks for the token itself) and the
	 * API description are open without the token. */
	for (unsigned i = 0; i < gw_nroutes; i++)
		assert_int_equal(gw_routes[i].public,
		                 !strcmp(gw_routes[i].pattern, "/healthz") ||
		                     !strcmp(gw_routes[i].pattern, "/") ||
		                     !strcmp(gw_routes[i].pattern, "/openapi.yaml"));
}

/* ---- the declarations themselves ---- */

static size_t value_size(gw_type t)
{
	switch (t) {
	case GW_T_CODE:
	case GW_T_STRING:
		return sizeof(const char *);
	case GW_T_INT:
		return sizeof(int64_t);
	default:
		return sizeof(int);
	}
}

static void check_fields(const gw_route *r, const gw_field *fields)
{
	for (const gw_field *f = fields; f && f->name; f++) {
		if (f->off + value_size(f->type) > r->ep->in_size)
			fail_msg("%s %s: %s lies outside the input struct", r->method, r->pattern,
			         f->name);
		for (const gw_field *g = fields; g != f; g++)
			if (!strcmp(g->name, f->name))
				fail_msg("%s %s: %s declared twice", r->method, r->pattern,
				         f->name);
		switch (f->type) {
		case GW_T_INT:
			assert_true(f->min <= f->max);
			break;
		case GW_T_ENUM:
			assert_non_null(f->choices);
			assert_non_null(f->choices[0]);
			break;
		case GW_T_STRING:
			assert_non_null(f->pattern);
			assert_true(f->pattern[0] == '^' &&
			            f->pattern[strlen(f->pattern) - 1] == '$');
			if (f->required || f->example)
				assert_true(f->example && gw_pattern_match(f->pattern, f->example));
			break;
		default:
			break;
		}
		if (f->when) {
			/* The condition is a field declared before this one. */
			const gw_field *c = NULL;
			for (const gw_field *g = fields; g != f; g++)
				if (!strcmp(g->name, f->when))
					c = g;
			if (!c || !f->when_is)
				fail_msg("%s: 'when' of %s names no earlier field", r->pattern,
				         f->name);
		}
	}
}

static void test_declarations_sound(void **state)
{
	(void)state;
	for (unsigned i = 0; i < gw_nroutes; i++) {
		const gw_route *r = &gw_routes[i];
		assert_non_null(r->ep);
		assert_non_null(r->ep->handler);
		assert_true(r->ep->in_size > 0);
		check_fields(r, r->ep->query);
		check_fields(r, r->ep->body);
		if (r->ep->body)
			assert_true(!strcmp(r->method, "POST") || !strcmp(r->method, "PUT") ||
			            !strcmp(r->method, "PATCH"));
	}
}

/* ---- every declared input rejects a bad value ---- */

#define MAXQ 16

typedef struct fake_query {
	const char *name[MAXQ], *value[MAXQ];
	int n;
} fake_query;

static const char *fq_get(void *cls, const char *name)
{
	fake_query *q = cls;
	for (int i = 0; i < q->n; i++)
		if (!strcmp(q->name[i], name))
			return q->value[i];
	return NULL;
}

static void fq_set(fake_query *q, const char *name, const char *value)
{
	for (int i = 0; i < q->n; i++)
		if (!strcmp(q->name[i], name)) {
			q->value[i] = value;
			return;
		}
	assert_true(q->n < MAXQ);
	q->name[q->n] = name;
	q->value[q->n++] = value;
}

static char minbuf[32];

/* A value of f that its declaration accepts, as text. */
static const char *good_text(const gw_field *f)
{
	switch (f->type) {
	case GW_T_CODE:
		return "005930";
	case GW_T_DATE:
		return "2026-11-24";
	case GW_T_INT:
		snprintf(minbuf, sizeof(minbuf), "%lld", (long long)f->min);
		return minbuf;
	case GW_T_ENUM:
		return f->choices[0];
	case GW_T_STRING:
		return f->example;
	case GW_T_BOOL:
		return "true";
	default:
		return NULL;
	}
}

static json_t *good_json(const gw_field *f)
{
	switch (f->type) {
	case GW_T_INT:
		return json_integer(f->min);
	case GW_T_BOOL:
		return json_true();
	default:
		return json_string(good_text(f));
	}
}

/* Bad values of each type, as query text; NULL ends a list. Strings: every
 * declared pattern refuses " !" (checked) and the empty string. */
static void bad_texts(const gw_field *f, const char **out, char (*buf)[32])
{
	int n = 0;
	switch (f->type) {
	case GW_T_CODE:
		out[n++] = "00593";
		out[n++] = "abcdef";
		out[n++] = "";
		break;
	case GW_T_DATE:
		out[n++] = "2026-13-01";
		out[n++] = "2026-02-30";
		out[n++] = "tomorrow";
		break;
	case GW_T_INT:
		out[n++] = "x";
		out[n++] = "1x";
		out[n++] = "";
		out[n++] = "7e4";
		if (f->min > INT64_MIN) {
			snprintf(buf[0], 32, "%lld", (long long)f->min - 1);
			out[n++] = buf[0];
		}
		if (f->max < INT64_MAX) {
			snprintf(buf[1], 32, "%lld", (long long)f->max + 1);
			out[n++] = buf[1];
		}
		break;
	case GW_T_ENUM:
		out[n++] = "no-such-choice";
		out[n++] = "";
		break;
	case GW_T_STRING:
		out[n++] = " !";
		out[n++] = "";
		break;
	case GW_T_BOOL:
		out[n++] = "maybe";
		break;
	default:
		break;
	}
	out[n] = NULL;
}

static const char *err_field(const gw_resp *resp)
{
	return json_string_value(json_object_get(json_object_get(resp->body, "error"), "field"));
}

static const char *err_code(const gw_resp *resp)
{
	return json_string_value(json_object_get(json_object_get(resp->body, "error"), "code"));
}

/* A query with every required parameter at a good value. */
static void base_query(const gw_endpoint *ep, fake_query *q)
{
	memset(q, 0, sizeof(*q));
	for (const gw_field *f = ep->query; f && f->name; f++)
		if (f->required)
			fq_set(q, f->name, good_text(f));
}

/* A body with every required field (and each condition) at a good value. */
static json_t *base_body(const gw_endpoint *ep)
{
	json_t *b = json_object();
	for (const gw_field *f = ep->body; f && f->name; f++) {
		if (f->required)
			json_object_set_new(b, f->name, good_json(f));
		if (f->when) /* the first of the values that make it apply */
			json_object_set_new(b, f->when,
			                    json_stringn(f->when_is, strcspn(f->when_is, "|")));
	}
	for (const gw_field *f = ep->body; f && f->name; f++)
		if (f->when)
			json_object_set_new(b, f->name, good_json(f));
	return b;
}

static int parse(const gw_endpoint *ep, fake_query *q, const json_t *body, gw_resp *resp)
{
	void *in = calloc(1, ep->in_size);
	assert_non_null(in);
	memset(resp, 0, sizeof(*resp));
	int rc = gw_input_parse(ep, fq_get, q, body, in, resp);
	free(in);
	return rc;
}

static void expect_400(const gw_route *r, const gw_field *f, int rc, gw_resp *resp,
                       const char *what)
{
	if (rc != -1 || resp->status != 400 || !err_field(resp) || strcmp(err_field(resp), f->name))
		fail_msg("%s %s: %s=%s gave %d, field %s", r->method, r->pattern, f->name, what,
		         resp->status, err_field(resp) ? err_field(resp) : "none");
	json_decref(resp->body);
	resp->body = NULL;
}

static void test_every_param_rejects_bad_values(void **state)
{
	(void)state;
	int checked = 0;
	for (unsigned i = 0; i < gw_nroutes; i++) {
		const gw_route *r = &gw_routes[i];
		const gw_endpoint *ep = r->ep;
		fake_query q;
		gw_resp resp;
		json_t *body = ep->body ? base_body(ep) : NULL;
		/* The base request is accepted. */
		base_query(ep, &q);
		if (parse(ep, &q, body, &resp))
			fail_msg("%s %s: the base request is refused: %s", r->method, r->pattern,
			         err_code(&resp));
		for (const gw_field *f = ep->query; f && f->name; f++) {
			const char *bad[16];
			char buf[2][32];
			bad_texts(f, bad, buf);
			for (int k = 0; bad[k]; k++) {
				if (f->type == GW_T_STRING)
					assert_false(gw_pattern_match(f->pattern, bad[k]));
				base_query(ep, &q);
				fq_set(&q, f->name, bad[k]);
				expect_400(r, f, parse(ep, &q, body, &resp), &resp, bad[k]);
				checked++;
			}
			/* A missing required parameter is named too. */
			if (f->required) {
				base_query(ep, &q);
				for (int k = 0; k < q.n; k++)
					if (!strcmp(q.name[k], f->name))
						q.value[k] = NULL;
				expect_400(r, f, parse(ep, &q, body, &resp), &resp, "(absent)");
				checked++;
			}
		}
		for (const gw_field *f = ep->body; f && f->name; f++) {
			const char *bad[16];
			char buf[2][32];
			bad_texts(f, bad, buf);
			base_query(ep, &q);
			for (int k = 0; bad[k]; k++) {
				json_t *b = json_deep_copy(body);
				json_t *v;
				if (f->type == GW_T_INT || f->type == GW_T_BOOL) {
					json_int_t n;
					char *end;
					n = strtoll(bad[k], &end, 10);
					v = *bad[k] && !*end ? json_integer(n)
					                     : json_string(bad[k]);
				} else {
					v = json_string(bad[k]);
				}
				json_object_set_new(b, f->name, v);
				expect_400(r, f, parse(ep, &q, b, &resp), &resp, bad[k]);
				json_decref(b);
				checked++;
			}
			/* Wrong JSON types. */
			json_t *wrong[] = {json_real(1.5), json_array(), json_object(),
			                   f->type == GW_T_BOOL ? json_integer(1) : json_true()};
			for (size_t k = 0; k < sizeof(wrong) / sizeof(wrong[0]); k++) {
				json_t *b = json_deep_copy(body);
				json_object_set_new(b, f->name, wrong[k]);
				expect_400(r, f, parse(ep, &q, b, &resp), &resp, "(wrong type)");
				json_decref(b);
				checked++;
			}
			if (f->required) {
				json_t *b = json_deep_copy(body);
				json_object_del(b, f->name);
				expect_400(r, f, parse(ep, &q, b, &resp), &resp, "(absent)");
				json_decref(b);
				checked++;
			}
		}
		/* An undeclared body field is named. */
		if (ep->body) {
			json_t *b = json_deep_copy(body);
			json_object_set_new(b, "no_such_field", json_integer(1));
			assert_int_equal(parse(ep, &q, b, &resp), -1);
			assert_string_equal(err_code(&resp), "unknown_field");
			assert_string_equal(err_field(&resp), "no_such_field");
			json_decref(resp.body);
			json_decref(b);
		}
		json_decref(body);
	}
	assert_true(checked > 50);
}

/* ---- the order body (shape only; the trader has tick grid and caps) ---- */

static const gw_endpoint *endpoint(const char *method, const char *path)
{
	char p[64];
	snprintf(p, sizeof(p), "%s", path);
	const gw_route *r;
	const char *args[GW_MAX_PATH_ARGS];
	assert_int_equal(gw_route_find(method, p, &r, args), 0);
	return r->ep;
}

static void test_order_body(void **state)
{
	(void)state;
	const gw_endpoint *ep = endpoint("POST", "/orders");
	struct {
		const char *body, *code, *field;
	} cases[] = {
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\"}", NULL, NULL},
	    {"{\"code\":\"Q500001\",\"side\":\"sell\",\"qty\":1,\"type\":\"market\",\"price\":"
	     "null}",
	     NULL, NULL},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"limit\",\"price\":72000,"
	     "\"client_order_id\":\"a.b_c:d-1\"}",
	     NULL, NULL},
	    {"{\"code\":\"00593\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\"}", "invalid_field",
	     "code"},
	    {"{\"code\":\"00593a\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\"}",
	     "invalid_field", "code"},
	    {"{\"code\":null,\"side\":\"buy\",\"qty\":1,\"type\":\"market\"}", "invalid_field",
	     "code"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":0,\"type\":\"market\"}",
	     "invalid_field", "qty"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":-5,\"type\":\"market\"}",
	     "invalid_field", "qty"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"limit\"}", "missing_field",
	     "price"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"limit\",\"price\":null}",
	     "missing_field", "price"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"limit\",\"price\":0}",
	     "invalid_field", "price"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"limit\",\"price\":"
	     "100000000001}",
	     "invalid_field", "price"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\",\"price\":72000}",
	     "invalid_field", "price"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\","
	     "\"client_order_id\":\"bad key!\"}",
	     "invalid_field", "client_order_id"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\","
	     "\"client_order_id\":\"\"}",
	     "invalid_field", "client_order_id"},
	    {"{\"code\":\"005930\",\"side\":\"buy\",\"qty\":1,\"type\":\"market\","
	     "\"client_order_id\":\"a\\u0000b\"}",
	     "invalid_field", "client_order_id"},
	    /* Fields are checked in declaration order: code before side. */
	    {"{\"code\":\"x\",\"side\":\"hold\"}", "invalid_field", "code"},
	    {"{\"side\":\"buy\"}", "missing_field", "code"},
	    {"[]", "bad_request", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_error_t jerr;
		json_t *b = json_loads(cases[i].body, JSON_ALLOW_NUL, &jerr);
		assert_non_null(b);
		gw_resp resp;
		int rc = parse(ep, NULL, b, &resp);
		if (!cases[i].code) {
			if (rc)
				fail_msg("case %zu refused: %s %s", i, err_code(&resp),
				         err_field(&resp));
		} else {
			if (!rc || strcmp(err_code(&resp), cases[i].code))
				fail_msg("case %zu: %s, want %s", i, rc ? err_code(&resp) : "ok",
				         cases[i].code);
			if (cases[i].field)
				assert_string_equal(err_field(&resp), cases[i].field);
			else
				assert_null(err_field(&resp));
		}
		json_decref(resp.body);
		json_decref(b);
	}
}

/* The typed struct the handler gets: defaults and values. */
static void test_typed_values(void **state)
{
	(void)state;
	const gw_endpoint *ep = endpoint("GET", "/orders");
	struct {
		int status, side, source;
		const char *code, *cursor;
		int from, to;
		int64_t limit;
		int open;
	} in;
	assert_true(ep->in_size == sizeof(in));
	fake_query q = {0};
	gw_resp resp = {0};
	memset(&in, 0x5a, sizeof(in));
	assert_int_equal(gw_input_parse(ep, fq_get, &q, NULL, &in, &resp), 0);
	assert_int_equal(in.status, -1);
	assert_int_equal(in.side, -1);
	assert_null(in.code);
	assert_null(in.cursor);
	assert_int_equal(in.from, 0);
	assert_int_equal(in.limit, 100);
	fq_set(&q, "status", "filled");
	fq_set(&q, "side", "sell");
	fq_set(&q, "from", "20261101");
	fq_set(&q, "limit", "7");
	fq_set(&q, "cursor", "1764550000000.12");
	assert_int_equal(gw_input_parse(ep, fq_get, &q, NULL, &in, &resp), 0);
	assert_int_equal(in.status, 3); /* ST_FILLED */
	assert_int_equal(in.side, 1);   /* STORE_SELL */
	assert_int_equal(in.from, 20261101);
	assert_int_equal(in.limit, 7);
	assert_string_equal(in.cursor, "1764550000000.12");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_route_find),
	    cmocka_unit_test(test_declarations_sound),
	    cmocka_unit_test(test_every_param_rejects_bad_values),
	    cmocka_unit_test(test_order_body),
	    cmocka_unit_test(test_typed_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
