/* params.h — declarative checks of query parameters. Each helper either
 * fills *out and returns 0, or answers 400 naming the parameter and returns
 * -1 (the handler then just returns). */
#ifndef GW_PARAMS_H
#define GW_PARAMS_H

#include <stdint.h>

#include "http.h"

/* Strict decimal integer within [min, max]; absent gives def. */
int gw_param_int(gw_req *req, gw_resp *resp, const char *name, int64_t min, int64_t max,
                 int64_t def, int64_t *out);
/* YYYY-MM-DD (or YYYYMMDD); absent gives def (0 allowed for "none"). */
int gw_param_date(gw_req *req, gw_resp *resp, const char *name, int def, int *out);
/* Stock code; required or optional (absent gives NULL). */
int gw_param_code(gw_req *req, gw_resp *resp, const char *name, int required, const char **out);
/* Today's KST date on the gateway's clock. */
int gw_today(gw_req *req);
/* as_of timestamp now, for replies. */
json_t *gw_now_iso(gw_req *req);

#endif
