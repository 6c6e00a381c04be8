/* input.c — validation of query parameters and body fields against an
 * endpoint's declaration (input.h). The one place a 400 about a parameter
 * or a field is worded. */
#include "input.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kclock.h"
#include "krx.h"
#include "params.h"

static const char *const type_names[GW_T__MAX] = {
    [GW_T_CODE] = "code", [GW_T_DATE] = "date",     [GW_T_INT] = "integer",
    [GW_T_ENUM] = "enum", [GW_T_STRING] = "string", [GW_T_BOOL] = "boolean",
};

const char *gw_type_name(gw_type t)
{
	return (unsigned)t < GW_T__MAX ? type_names[t] : "?";
}

const gw_field *gw_field_find(const gw_field *fields, const char *name)
{
	for (const gw_field *f = fields; f && f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

/* ---- patterns: compiled once per declaration string ---- */

/* Enough for every pattern the routes declare; past it a pattern is
 * compiled per use (slower, still correct). */
#define PATTERN_CACHE 32

static pthread_mutex_t pattern_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	const char *pattern;
	regex_t re;
} patterns[PATTERN_CACHE];
static int npatterns;

int gw_pattern_match(const char *pattern, const char *v)
{
	regex_t *re = NULL, tmp;
	pthread_mutex_lock(&pattern_mu);
	for (int i = 0; i < npatterns && !re; i++)
		if (patterns[i].pattern == pattern)
			re = &patterns[i].re;
	if (!re && npatterns < PATTERN_CACHE &&
	    regcomp(&patterns[npatterns].re, pattern, REG_EXTENDED | REG_NOSUB) == 0) {
		patterns[npatterns].pattern = pattern;
		re = &patterns[npatterns++].re;
	}
	pthread_mutex_unlock(&pattern_mu);
	/* regexec on a compiled pattern is thread-safe (POSIX). */
	if (re)
		return regexec(re, v, 0, NULL, 0) == 0;
	if (regcomp(&tmp, pattern, REG_EXTENDED | REG_NOSUB))
		return 0;
	int ok = regexec(&tmp, v, 0, NULL, 0) == 0;
	regfree(&tmp);
	return ok;
}

/* ---- one value ---- */

typedef struct value {
	const char *s;   /* text (query, or a JSON string), NULL otherwise */
	const json_t *j; /* body only */
	int from_body;
} value;

static void *slot(void *in, const gw_field *f)
{
	return (char *)in + f->off;
}

static void set_absent(const gw_field *f, void *in)
{
	switch (f->type) {
	case GW_T_CODE:
	case GW_T_STRING:
		*(const char **)slot(in, f) = NULL;
		break;
	case GW_T_DATE:
		*(int *)slot(in, f) = 0;
		break;
	case GW_T_INT:
		*(int64_t *)slot(in, f) = f->def;
		break;
	case GW_T_BOOL:
		*(int *)slot(in, f) = f->def != 0;
		break;
	case GW_T_ENUM: {
		int idx = -1;
		for (int i = 0; f->def_s && f->choices && f->choices[i]; i++)
			if (!strcmp(f->choices[i], f->def_s))
				idx = i;
		*(int *)slot(in, f) = idx;
		break;
	}
	default:
		break;
	}
}

static void describe(const gw_field *f, char *buf, size_t len)
{
	switch (f->type) {
	case GW_T_CODE:
		snprintf(buf, len, "a stock code: 6 characters of 0-9A-Z, or Q and 6 digits");
		break;
	case GW_T_DATE:
		snprintf(buf, len, "a date YYYY-MM-DD " GW_DATE_RANGE_S);
		break;
	case GW_T_INT:
		snprintf(buf, len, "an integer from %lld to %lld", (long long)f->min,
		         (long long)f->max);
		break;
	case GW_T_BOOL:
		snprintf(buf, len, "true or false");
		break;
	case GW_T_STRING:
		snprintf(buf, len, "%s", f->hint ? f->hint : f->pattern);
		break;
	case GW_T_ENUM: {
		size_t n = (size_t)snprintf(buf, len, "one of");
		for (int i = 0; f->choices && f->choices[i] && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s %s", i ? "," : "",
			                      f->choices[i]);
		break;
	}
	default:
		snprintf(buf, len, "valid");
		break;
	}
}

static int fail(gw_resp *resp, const gw_field *f, int from_body)
{
	char what[256];
	describe(f, what, sizeof(what));
	gw_reply_error(resp, from_body ? GW_E_INVALID_FIELD : GW_E_INVALID_PARAM, f->name,
	               "'%s' must be %s", f->name, what);
	return -1;
}

static int parse_int_text(const char *v, int64_t *out)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (!*v || errno || *end || isspace((unsigned char)*v))
		return -1;
	*out = n;
	return 0;
}

/* Stores a present value; 0, or -1 with the 400 set. */
static int set_value(const gw_field *f, const value *v, void *in, gw_resp *resp)
{
	int body = v->from_body;
	/* Text for the text-shaped types: a query value, or a JSON string
	 * without an embedded NUL (which C string checks would not see). */
	const char *s = v->s;
	if (body && f->type != GW_T_INT && f->type != GW_T_BOOL) {
		if (!json_is_string(v->j) ||
		    strlen(json_string_value(v->j)) != json_string_length(v->j))
			return fail(resp, f, body);
		s = json_string_value(v->j);
	}
	switch (f->type) {
	case GW_T_CODE:
		if (!krx_code_valid(s))
			return fail(resp, f, body);
		*(const char **)slot(in, f) = s;
		return 0;
	case GW_T_STRING:
		if (f->pattern && !gw_pattern_match(f->pattern, s))
			return fail(resp, f, body);
		*(const char **)slot(in, f) = s;
		return 0;
	case GW_T_DATE: {
		int d = gw_date_parse(s); /* the one date check: format and range */
		if (d < 0)
			return fail(resp, f, body);
		*(int *)slot(in, f) = d;
		return 0;
	}
	case GW_T_ENUM:
		for (int i = 0; f->choices && f->choices[i]; i++)
			if (!strcmp(f->choices[i], s)) {
				*(int *)slot(in, f) = i;
				return 0;
			}
		return fail(resp, f, body);
	case GW_T_INT: {
		int64_t n;
		if (body ? !json_is_integer(v->j) : parse_int_text(s, &n))
			return fail(resp, f, body);
		if (body)
			n = json_integer_value(v->j);
		if (n < f->min || n > f->max)
			return fail(resp, f, body);
		*(int64_t *)slot(in, f) = n;
		return 0;
	}
	case GW_T_BOOL: {
		int b;
		if (body) {
			if (!json_is_boolean(v->j))
				return fail(resp, f, body);
			b = json_is_true(v->j);
		} else if (!strcmp(s, "true") || !strcmp(s, "1")) {
			b = 1;
		} else if (!strcmp(s, "false") || !strcmp(s, "0")) {
			b = 0;
		} else {
			return fail(resp, f, body);
		}
		*(int *)slot(in, f) = b;
		return 0;
	}
	default:
		return fail(resp, f, body);
	}
}

static int missing(gw_resp *resp, const gw_field *f, int from_body)
{
	if (from_body)
		gw_reply_error(resp, GW_E_MISSING_FIELD, f->name, "'%s' is required", f->name);
	else if (f->type == GW_T_CODE)
		gw_reply_error(resp, GW_E_MISSING_PARAM, f->name,
		               "'%s' is required, e.g. %s=005930", f->name, f->name);
	else
		gw_reply_error(resp, GW_E_MISSING_PARAM, f->name, "'%s' is required", f->name);
	return -1;
}

/* The text of field `name` in the body, for `when` conditions. */
static const char *body_text(const json_t *body, const char *name)
{
	return json_string_value(json_object_get(body, name));
}

/* 1 when v is one of the '|'-separated values of list ("limit|stop_limit"). */
static int when_applies(const char *list, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, '|');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !memcmp(p, v, n))
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static int parse_query(const gw_endpoint *ep, gw_query_fn query, void *cls, void *in, gw_resp *resp)
{
	for (const gw_field *f = ep->query; f && f->name; f++) {
		const char *s = query ? query(cls, f->name) : NULL;
		/* An empty date is no date (from= in a form); other types reject "". */
		if (!s || (f->type == GW_T_DATE && !*s)) {
			if (f->required)
				return missing(resp, f, 0);
			set_absent(f, in);
			continue;
		}
		value v = {.s = s};
		if (set_value(f, &v, in, resp))
			return -1;
	}
	return 0;
}

static int parse_body(const gw_endpoint *ep, const json_t *body, void *in, gw_resp *resp)
{
	if (!json_is_object(body)) {
		gw_reply_error(resp, GW_E_BAD_REQUEST, NULL, "the body must be a JSON object");
		return -1;
	}
	const char *k;
	json_t *jv;
	json_object_foreach((json_t *)body, k, jv)
	{
		if (!gw_field_find(ep->body, k)) {
			gw_reply_error(resp, GW_E_UNKNOWN_FIELD, k, "unknown field '%.64s'", k);
			return -1;
		}
	}
	for (const gw_field *f = ep->body; f->name; f++) {
		const json_t *j = json_object_get(body, f->name);
		int present = j && !json_is_null(j);
		int required = f->required;
		if (f->when) {
			const char *cv = body_text(body, f->when);
			int applies = cv && when_applies(f->when_is, cv);
			if (!applies && present) {
				gw_reply_error(resp, GW_E_INVALID_FIELD, f->name,
				               "'%s' is allowed only when '%s' is \"%s\"", f->name,
				               f->when, f->when_is);
				return -1;
			}
			required = applies;
			if (applies && !present) {
				gw_reply_error(resp, GW_E_MISSING_FIELD, f->name,
				               "'%s' is required when '%s' is \"%s\"", f->name,
				               f->when, f->when_is);
				return -1;
			}
		}
		/* null stands for absent only where absence is allowed. */
		if (!j || (json_is_null(j) && !required)) {
			if (required)
				return missing(resp, f, 1);
			set_absent(f, in);
			continue;
		}
		value v = {.j = j, .from_body = 1};
		if (set_value(f, &v, in, resp))
			return -1;
	}
	return 0;
}

int gw_input_parse(const gw_endpoint *ep, gw_query_fn query, void *cls, const json_t *body,
                   void *in, gw_resp *resp)
{
	if (parse_query(ep, query, cls, in, resp))
		return -1;
	if (ep->body && parse_body(ep, body, in, resp))
		return -1;
	return 0;
}
