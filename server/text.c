/* text.c — see text.h. Decoding follows RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
#include "text.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min, cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

char *gw_text_clean(const char *s, size_t n, char *out, size_t outlen)
{
	static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */
	size_t o = 0, i = 0;
	if (!outlen)
		return out;
	while (i < n) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t len = utf8_seq(p, n - i);
		int ctl = len == 1 && (p[0] < 0x20 || p[0] == 0x7f);
		const char *src = len && !ctl ? (const char *)p : repl;
		size_t sl = len && !ctl ? len : 3;
		if (o + sl > outlen - 1)
			break;
		memcpy(out + o, src, sl);
		o += sl;
		i += len ? len : 1;
	}
	out[o] = 0;
	return out;
}
