/* fuzz_kis_classify.c — kis_classify (kis/kis_classify.c), the first
 * parser every KIS reply meets: it always parses the body, reads rt_cd /
 * msg_cd / msg1 (or the /oauth2 error form) and picks the retry class.
 *
 * Input: byte 0 picks the HTTP status (200, 403, 500, 404 ...) and the
 * oauth form (bit 7); the rest is the body. Whatever the bytes: a defined
 * class, msg_cd / msg1 NUL-terminated, the JSON (if any) an object. */
#include "fuzz.h"
#include "kis_internal.h"

#include <stdlib.h>
#include <string.h>

static const long statuses[] = {200, 200, 200, 201, 400, 401, 403, 404,
                                429, 500, 502, 503, 504, 302, 0,   999};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	long status = statuses[data[0] & 15];
	int oauth = (data[0] >> 7) & 1;
	size_t n = size - 1;
	char *body = malloc(n ? n : 1);
	if (!body)
		abort();
	memcpy(body, data + 1, n);
	kis_error err;
	memset(&err, 0, sizeof err);
	json_t *json = NULL;
	kis_class cl = kis_classify(status, body, n, oauth, &json, &err);
	if ((unsigned)cl >= KIS_CL__MAX || !kis_class_name(cl))
		abort();
	(void)kis_class_status(cl);
	if (strnlen(err.msg_cd, sizeof err.msg_cd) >= sizeof err.msg_cd ||
	    strnlen(err.msg1, sizeof err.msg1) >= sizeof err.msg1)
		abort();
	if (json && !json_is_object(json))
		abort();
	json_decref(json);
	free(body);
	return 0;
}
