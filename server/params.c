/* params.c — clock helpers shared by the handlers. */
#include "params.h"

#include "app.h"
#include "kclock.h"

int gw_today(gw_req *req)
{
	return kst_date(kclock_now_ms(req->app->clock));
}

json_t *gw_now_iso(gw_req *req)
{
	char ts[40];
	kst_iso8601(kclock_now_ms(req->app->clock), ts, sizeof(ts));
	return json_string(ts);
}
