/* server.h — the HTTP daemon's lifecycle. */
#ifndef GW_SERVER_H
#define GW_SERVER_H

#include <stddef.h>

#include "app.h"

typedef struct gw_server gw_server;

/* Binds cfg->listen and starts serving. NULL with a reason on failure. */
gw_server *gw_server_start(gw_app *app, char *err, size_t errlen);
/* The bound port (the real one when 0 was asked for). */
int gw_server_port(const gw_server *s);
/* Requests waiting for a worker and being run by one, now (for /metrics). */
void gw_server_load(gw_server *s, int *queued, int *running);
/* Stop accepting new connections; requests in flight go on. */
void gw_server_quiesce(gw_server *s);
/* Wait up to timeout_ms for in-flight requests; 0 when none is left. */
int gw_server_drain(gw_server *s, int timeout_ms);
void gw_server_stop(gw_server *s);

#endif
