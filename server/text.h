/* text.h — untrusted bytes made safe for a JSON string. */
#ifndef GW_TEXT_H
#define GW_TEXT_H

#include <stddef.h>

/* Copies s[0..n) into out as valid UTF-8 that Jansson always accepts:
 * each invalid byte, NUL and control character becomes U+FFFD, and the
 * copy is cut at a character boundary to fit outlen - 1 bytes. Returns
 * out (always NUL-terminated when outlen > 0). */
char *gw_text_clean(const char *s, size_t n, char *out, size_t outlen);

#endif
