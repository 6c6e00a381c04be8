/* hello.c — the bare libmicrohttpd baseline for bench/http.sh: a fixed
 * JSON answer, nothing else, in either threading mode:
 *   bench_hello pool [N]   internal epoll thread pool of N >= 2 (default 4), as kisgw
 *   bench_hello thread     a thread per connection (poll), as kisgw was */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req_cls)
{
	static int seen;
	static const char body[] = "{\"status\":\"ok\"}\n";
	if (!*req_cls) { /* the usual two-step: answer once the request is complete */
		*req_cls = &seen;
		return MHD_YES;
	}
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int main(int argc, char **argv)
{
	int thread = argc > 1 && !strcmp(argv[1], "thread");
	unsigned pool = argc > 2 ? (unsigned)atoi(argv[2]) : 4;
	if ((argc > 1 && !thread && strcmp(argv[1], "pool")) || (!thread && pool < 2)) {
		fprintf(stderr, "usage: bench_hello [pool [N] | thread]\n");
		return 2;
	}
	return bench_serve(answer, thread, pool);
}
