/* routes.c — every endpoint of the local API, in one table, and the router.
 * The daemon matches method + path here before anything else runs. Each
 * endpoint's inputs are declared beside its handler (GW_ENDPOINT, input.h);
 * a line here gives it a method and a path. */
#include "routes.h"

#include <stdio.h>
#include <string.h>

/* X(method, path, endpoint name (gw_ep_<name>), public: no API token) */
#define GW_ROUTES(X)                                                                               \
	X("GET", "/healthz", healthz_get, 1)                                                       \
	X("GET", "/price", price_get, 0)                                                           \
	X("GET", "/daily", daily_get, 0)                                                           \
	X("GET", "/balance", balance_get, 0)                                                       \
	X("GET", "/cash", cash_get, 0)                                                             \
	/* orders and the ledger */                                                                \
	X("POST", "/orders", orders_post, 0)                                                       \
	X("POST", "/orders/preview", orders_preview, 0)                                            \
	X("GET", "/orders", orders_list, 0)                                                        \
	X("POST", "/orders/reconcile", orders_reconcile, 0)                                        \
	X("POST", "/orders/backfill", orders_backfill, 0)                                          \
	X("GET", "/orders/{id}", order_get, 0)                                                     \
	X("DELETE", "/orders/{id}", order_delete, 0)                                               \
	X("PATCH", "/orders/{id}", order_patch, 0)                                                 \
	X("POST", "/trading/halt", trading_halt, 0)                                                \
	X("POST", "/trading/resume", trading_resume, 0)                                            \
	X("GET", "/holdings/aged", holdings_aged, 0)                                               \
	X("GET", "/calendar", calendar_get, 0)                                                     \
	/* for people and tools: the status page, the API description, metrics (keep               \
	 * openapi.yaml in step: a test checks) */                                                 \
	X("GET", "/", index_get, 1)                                                                \
	X("GET", "/openapi.yaml", openapi_get, 1)                                                  \
	X("GET", "/metrics", metrics_get, 0)                                                       \
	/* the auto-trade job, P&L, notifications */                                               \
	X("GET", "/autotrade", autotrade_get, 0)                                                   \
	X("GET", "/autotrade/targets", autotrade_targets_get, 0)                                   \
	X("PUT", "/autotrade/targets", autotrade_targets_put, 0)                                   \
	X("DELETE", "/autotrade/targets", autotrade_targets_delete, 0)                             \
	X("DELETE", "/autotrade/targets/{code}", autotrade_target_delete, 0)                       \
	X("PATCH", "/autotrade/settings", autotrade_settings_patch, 0)                             \
	X("DELETE", "/autotrade/settings", autotrade_settings_delete, 0)                           \
	X("POST", "/autotrade/pause", autotrade_pause, 0)                                          \
	X("POST", "/autotrade/resume", autotrade_resume, 0)                                        \
	X("POST", "/autotrade/run", autotrade_run, 0)                                              \
	X("GET", "/autotrade/decisions", autotrade_decisions, 0)                                   \
	X("GET", "/pnl", pnl_get, 0)                                                               \
	X("POST", "/notifications/test", notifications_test, 0)

#define X(method, path, name, pub) extern const gw_endpoint gw_ep_##name;
GW_ROUTES(X)
#undef X

const gw_route gw_routes[] = {
#define X(m, p, name, pub) {.method = m, .pattern = p, .ep = &gw_ep_##name, .public = pub},
    GW_ROUTES(X)
#undef X
};

const unsigned gw_nroutes = sizeof(gw_routes) / sizeof(gw_routes[0]);

/* Matches path against a pattern; fills args (pointers into path, not yet
 * terminated). */
static int match(const char *pattern, const char *path, const char **args)
{
	int nargs = 0;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return 0;
		p++, s++;
		const char *pe = strchr(p, '/');
		size_t pn = pe ? (size_t)(pe - p) : strlen(p);
		const char *se = strchr(s, '/');
		size_t sn = se ? (size_t)(se - s) : strlen(s);
		if (pn >= 2 && p[0] == '{') {
			if (sn == 0 || nargs == GW_MAX_PATH_ARGS)
				return 0;
			args[nargs++] = s;
		} else if (pn != sn || memcmp(p, s, pn)) {
			return 0;
		}
		p += pn, s += sn;
	}
	return !*p && !*s;
}

int gw_route_find(const char *method, char *path, const gw_route **out,
                  const char *args[GW_MAX_PATH_ARGS])
{
	int path_known = 0;
	for (unsigned i = 0; i < gw_nroutes; i++) {
		const char *a[GW_MAX_PATH_ARGS] = {0};
		if (!match(gw_routes[i].pattern, path, a))
			continue;
		path_known = 1;
		if (method && strcmp(gw_routes[i].method, method))
			continue;
		*out = &gw_routes[i];
		for (int k = 0; k < GW_MAX_PATH_ARGS; k++) {
			args[k] = a[k];
			char *slash = a[k] ? strchr(path + (a[k] - path), '/') : NULL;
			if (slash)
				*slash = 0;
		}
		return 0;
	}
	return path_known ? 405 : 404;
}

void gw_route_allow(const char *path, char *out, size_t len)
{
	out[0] = 0;
	for (unsigned i = 0; i < gw_nroutes; i++) {
		const char *args[GW_MAX_PATH_ARGS] = {0};
		if (!match(gw_routes[i].pattern, path, args) || strstr(out, gw_routes[i].method))
			continue;
		if (out[0])
			strncat(out, ", ", len - strlen(out) - 1);
		strncat(out, gw_routes[i].method, len - strlen(out) - 1);
	}
}
