/* params.c — the date checks and clock helpers shared by the handlers. */
#include "params.h"

#include "app.h"
#include "kclock.h"

int gw_date_parse(const char *s)
{
	int d = ymd_parse(s);
	return d >= GW_DATE_MIN && d <= GW_DATE_MAX ? d : -1;
}

int gw_param_date_order(gw_resp *resp, int from, int to)
{
	if (from && to && from > to) {
		gw_reply_error(resp, GW_E_INVALID_PARAM, "from", "'from' is after 'to'");
		return -1;
	}
	return 0;
}

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
