/* kis_num.c — KIS sends every number as a string, sometimes space-padded,
 * signed or with decimals. These parsers never turn garbage into 0. */
#include "kis_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

char *kis_trim_copy(const char *s, char *buf, size_t cap)
{
	if (cap == 0)
		return buf;
	buf[0] = '\0';
	if (!s)
		return buf;
	while (is_space(*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if (n >= cap) {
		n = cap - 1;
		/* do not cut a UTF-8 sequence in half */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* Checks the shape [+-]digits[.digits] and returns the trimmed copy. Caps
 * the length: anything longer than 63 characters is not a KIS number. */
static int num_shape(const char *s, char *buf, size_t cap, int *has_frac, int *frac_nonzero)
{
	if (!s)
		return -1;
	kis_trim_copy(s, buf, cap);
	size_t n = strlen(buf);
	if (n == 0 || n >= cap - 1)
		return -1;
	const char *p = buf;
	if (*p == '+' || *p == '-')
		p++;
	int digits = 0;
	while (isdigit((unsigned char)*p)) {
		p++;
		digits++;
	}
	*has_frac = 0;
	*frac_nonzero = 0;
	if (*p == '.') {
		*has_frac = 1;
		p++;
		while (isdigit((unsigned char)*p)) {
			if (*p != '0')
				*frac_nonzero = 1;
			p++;
			digits++;
		}
	}
	if (*p != '\0' || digits == 0)
		return -1;
	return 0;
}

int kis_parse_i64(const char *s, int64_t *out)
{
	char buf[64];
	int has_frac, frac_nonzero;
	if (num_shape(s, buf, sizeof buf, &has_frac, &frac_nonzero) != 0 || frac_nonzero)
		return -1;
	char *dot = strchr(buf, '.');
	if (dot) {
		*dot = '\0';
		/* "-.0" / "." have no integer digits */
		const char *q = buf + (buf[0] == '+' || buf[0] == '-');
		if (*q == '\0')
			return -1;
	}
	errno = 0;
	char *end = NULL;
	long long v = strtoll(buf, &end, 10);
	if (errno == ERANGE || end == buf || *end != '\0')
		return -1;
	*out = (int64_t)v;
	return 0;
}

int kis_parse_f64(const char *s, double *out)
{
	char buf[64];
	int has_frac, frac_nonzero;
	if (num_shape(s, buf, sizeof buf, &has_frac, &frac_nonzero) != 0)
		return -1;
	errno = 0;
	char *end = NULL;
	double v = strtod(buf, &end);
	if (errno == ERANGE || end == buf || *end != '\0' || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

json_t *kis_json_get(const json_t *obj, const char *key)
{
	if (!json_is_object(obj))
		return NULL;
	json_t *v = json_object_get(obj, key);
	if (v)
		return v;
	const char *k;
	json_t *val;
	json_object_foreach((json_t *)obj, k, val)
	{
		if (strcasecmp(k, key) == 0)
			return val;
	}
	return NULL;
}

/* A value as text: strings as they are, JSON integers/reals printed (KIS
 * uses strings, but a number where a string was expected is not garbage). */
static const char *value_text(const json_t *v, char *tmp, size_t cap)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, cap, "%lld", (long long)json_integer_value(v));
		return tmp;
	}
	if (json_is_real(v)) {
		snprintf(tmp, cap, "%.10g", json_real_value(v));
		return tmp;
	}
	return NULL;
}

static int blank(const char *s)
{
	if (!s)
		return 1;
	while (is_space(*s))
		s++;
	return *s == '\0';
}

static void mark(kis_rd *r, const char *key)
{
	if (!r->bad)
		r->bad = key;
}

static int64_t rd_i64(kis_rd *r, const char *key, int optional)
{
	char tmp[64];
	json_t *v = kis_json_get(r->obj, key);
	const char *s = v ? value_text(v, tmp, sizeof tmp) : NULL;
	int64_t x = 0;
	if (optional && (!v || json_is_null(v) || (s && blank(s))))
		return 0;
	if (!s || kis_parse_i64(s, &x) != 0) {
		mark(r, key);
		return 0;
	}
	return x;
}

int64_t kis_rd_i64(kis_rd *r, const char *key)
{
	return rd_i64(r, key, 0);
}

int64_t kis_rd_i64_opt(kis_rd *r, const char *key)
{
	return rd_i64(r, key, 1);
}

static double rd_f64(kis_rd *r, const char *key, int optional)
{
	char tmp[64];
	json_t *v = kis_json_get(r->obj, key);
	const char *s = v ? value_text(v, tmp, sizeof tmp) : NULL;
	double x = 0;
	if (optional && (!v || json_is_null(v) || (s && blank(s))))
		return 0;
	if (!s || kis_parse_f64(s, &x) != 0) {
		mark(r, key);
		return 0;
	}
	return x;
}

double kis_rd_f64(kis_rd *r, const char *key)
{
	return rd_f64(r, key, 0);
}

double kis_rd_f64_opt(kis_rd *r, const char *key)
{
	return rd_f64(r, key, 1);
}

static void rd_str(kis_rd *r, const char *key, char *buf, size_t cap, int optional)
{
	json_t *v = kis_json_get(r->obj, key);
	if (cap)
		buf[0] = '\0';
	if (json_is_string(v)) {
		kis_trim_copy(json_string_value(v), buf, cap);
		return;
	}
	if (!optional || (v && !json_is_null(v)))
		mark(r, key);
}

void kis_rd_str(kis_rd *r, const char *key, char *buf, size_t cap)
{
	rd_str(r, key, buf, cap, 0);
}

void kis_rd_str_opt(kis_rd *r, const char *key, char *buf, size_t cap)
{
	rd_str(r, key, buf, cap, 1);
}
