/* params.h — helpers handlers share for values that depend on the clock.
 * Checks of single parameters are declared (input.h), not written here. */
#ifndef GW_PARAMS_H
#define GW_PARAMS_H

#include <jansson.h>

#include "http.h"

/* Today's KST date on the gateway's clock. */
int gw_today(gw_req *req);
/* as_of timestamp now, for replies. */
json_t *gw_now_iso(gw_req *req);

#endif
