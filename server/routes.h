/* routes.h — the static route table. */
#ifndef GW_ROUTES_H
#define GW_ROUTES_H

#include "http.h"

typedef struct gw_route {
	const char *method;
	const char *pattern; /* "/orders/{id}": "{…}" matches one segment */
	gw_handler handler;
	const char *const *params; /* accepted query parameters, NULL-terminated; NULL: none */
	int body;                  /* 1: expects a JSON body */
	int public;                /* 1: no API token needed */
} gw_route;

extern const gw_route gw_routes[];
extern const unsigned gw_nroutes;

#endif
