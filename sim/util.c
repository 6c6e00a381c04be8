/* util.c — small helpers for KIS's wire format (numbers as strings,
 * space-padded fields) and for strict number parsing of untrusted input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

void sj_set_s(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, json_string(v ? v : ""));
}

void sj_set_i(json_t *o, const char *k, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	json_object_set_new(o, k, json_string(buf));
}

void sj_set_f(json_t *o, const char *k, double v, int decimals)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	if (strcmp(buf, "-0.00") == 0 || strcmp(buf, "-0.0000") == 0 ||
	    strcmp(buf, "-0.00000000") == 0)
		memmove(buf, buf + 1, strlen(buf));
	json_object_set_new(o, k, json_string(buf));
}

void sim_pad(char *dst, const char *src, size_t width)
{
	size_t n = strlen(src);
	if (n > width)
		n = width;
	memcpy(dst, src, n);
	memset(dst + n, ' ', width - n);
	dst[width] = 0;
}

char *sim_pad_msg(const char *msg)
{
	/* KIS pads account-TR messages to 80 bytes of its cp949 backend, where a
	 * Hangul syllable is 2 bytes (3 in UTF-8). */
	size_t width = 0, len = strlen(msg);
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)msg[i];
		if (c < 0x80) {
			width++;
			i++;
		} else {
			width += 2;
			i++;
			while (i < len && ((unsigned char)msg[i] & 0xC0) == 0x80)
				i++;
		}
	}
	size_t pad = width < 80 ? 80 - width : 0;
	char *out = malloc(len + pad + 1);
	if (!out)
		return NULL;
	memcpy(out, msg, len);
	memset(out + len, ' ', pad);
	out[len + pad] = 0;
	return out;
}

int sim_parse_i64(const char *s, int64_t *out)
{
	if (!s)
		return -1;
	while (*s == ' ')
		s++;
	if (!*s)
		return -1;
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno)
		return -1;
	while (*end == ' ')
		end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

void sim_count_tr(sim_state *st, const char *tr_id)
{
	if (!tr_id || !*tr_id || strlen(tr_id) > 32)
		tr_id = "(none)";
	json_t *v = json_object_get(st->c_tr, tr_id);
	json_object_set_new(st->c_tr, tr_id, json_integer(v ? json_integer_value(v) + 1 : 1));
}

static const char *fault_names[F__MAX] = {
    [F_DELAY] = "delay",
    [F_RATE_LIMIT] = "rate_limit",
    [F_EGW00001] = "egw00001",
    [F_EXPIRED_TOKEN] = "expired_token",
    [F_INVALID_TOKEN] = "invalid_token",
    [F_NON_JSON] = "non_json",
    [F_DROP_AFTER] = "drop_after_order",
    [F_DROP] = "drop",
    [F_EGW00215] = "egw00215",
    [F_EGW00300] = "egw00300",
    [F_EGW_UNKNOWN] = "egw_unknown",
    [F_ZERO_QUOTE] = "zero_quote",
    [F_TRUNCATED] = "truncated",
    [F_HTTP_500] = "http_500",
};

const char *sim_fault_name(int kind)
{
	return kind >= 0 && kind < F__MAX ? fault_names[kind] : "?";
}

int sim_fault_parse(const char *name)
{
	for (int i = 0; name && i < F__MAX; i++)
		if (strcmp(name, fault_names[i]) == 0)
			return i;
	return -1;
}
