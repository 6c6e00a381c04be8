/* hello.c — the bare libmicrohttpd baseline for bench/http.sh: a fixed
 * JSON answer, nothing else, in either threading mode:
 *   bench_hello pool [N]   internal epoll thread pool of N >= 2 (default 4), as kisgw
 *   bench_hello thread     a thread per connection (poll), as kisgw was */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(0)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	int thread = argc > 1 && !strcmp(argv[1], "thread");
	unsigned pool = argc > 2 ? (unsigned)atoi(argv[2]) : 4;
	if ((argc > 1 && !thread && strcmp(argv[1], "pool")) || (!thread && pool < 2)) {
		fprintf(stderr, "usage: bench_hello [pool [N] | thread]\n");
		return 2;
	}
	struct MHD_Daemon *d =
	    thread ? MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	                                  MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL,
	                              0, NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR, &sa,
	                              MHD_OPTION_CONNECTION_LIMIT, 512u, MHD_OPTION_END)
	           : MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL,
	                              NULL, answer, NULL, MHD_OPTION_SOCK_ADDR, &sa,
	                              MHD_OPTION_CONNECTION_LIMIT, 512u,
	                              MHD_OPTION_THREAD_POOL_SIZE, pool, MHD_OPTION_END);
	if (!d)
		return 1;
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("listening on 127.0.0.1:%u\n", di->port);
	fflush(stdout);
	pause();
	return 0;
}
