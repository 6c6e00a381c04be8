/* routes.h — the static route table and the router. */
#ifndef GW_ROUTES_H
#define GW_ROUTES_H

#include <stddef.h>

#include "http.h"
#include "input.h"

typedef struct gw_route {
	const char *method;
	const char *pattern;   /* "/orders/{id}": "{…}" matches one segment */
	const gw_endpoint *ep; /* handler and declared inputs, beside the handler */
	int public;            /* 1: no API token needed */
} gw_route;

extern const gw_route gw_routes[];
extern const unsigned gw_nroutes;

/* Finds the route of method (NULL: any, for a CORS preflight that names
 * none) on path. 0 with *out and args set (the "{…}"
 * segments, NUL-terminated inside path, which is modified only then); 404
 * when no route has the path; 405 when the path has other methods only. */
int gw_route_find(const char *method, char *path, const gw_route **out,
                  const char *args[GW_MAX_PATH_ARGS]);
/* The methods path allows, "GET, DELETE" (for Allow on a 405). */
void gw_route_allow(const char *path, char *out, size_t len);

#endif
