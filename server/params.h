/* params.h — helpers handlers share for values that depend on the clock.
 * Checks of single parameters are declared (input.h), not written here. */
#ifndef GW_PARAMS_H
#define GW_PARAMS_H

#include <jansson.h>

#include "http.h"

/* The dates every endpoint accepts: all of KRX's history (1980 on) and any
 * plan, inside the range where the date arithmetic (a day past the end, a
 * KST epoch) is exact. The declared GW_DATE inputs (input.c) parse with
 * gw_date_parse, so every date parameter has these bounds. */
#define GW_DATE_MIN     19800101
#define GW_DATE_MAX     20991231
#define GW_DATE_RANGE_S "from 1980-01-01 to 2099-12-31"
/* YYYY-MM-DD (or YYYYMMDD) within [GW_DATE_MIN, GW_DATE_MAX], else -1. */
int gw_date_parse(const char *s);
/* A from/to pair (0: unbounded): from after to is 400 naming "from";
 * equal bounds are one day. 0, or -1 with the reply set. */
int gw_param_date_order(gw_resp *resp, int from, int to);
/* Today's KST date on the gateway's clock. */
int gw_today(gw_req *req);
/* as_of timestamp now, for replies. */
json_t *gw_now_iso(gw_req *req);

#endif
