/* serve.h — what bench/hello.c and bench/floor.c share: start a
 * libmicrohttpd daemon on a free loopback port with the given handler, print
 * "listening on 127.0.0.1:PORT" (as kisgw does) and serve until killed.
 * thread: a thread per connection (poll); else an epoll thread pool of pool. */
#ifndef BENCH_SERVE_H
#define BENCH_SERVE_H

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <unistd.h>

static int bench_serve(MHD_AccessHandlerCallback answer, int thread, unsigned pool)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(0)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
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

#endif
