/* params.c — query parameter checks shared by every handler. */
#include "params.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "kclock.h"
#include "krx.h"

int gw_param_int(gw_req *req, gw_resp *resp, const char *name, int64_t min, int64_t max,
                 int64_t def, int64_t *out)
{
	const char *v = gw_query(req, name);
	if (!v) {
		*out = def;
		return 0;
	}
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (!*v || errno || *end || isspace((unsigned char)*v) || n < min || n > max) {
		gw_reply_error(resp, GW_E_INVALID_PARAM, name,
		               "'%s' must be an integer from %lld to %lld", name, (long long)min,
		               (long long)max);
		return -1;
	}
	*out = n;
	return 0;
}

int gw_param_date(gw_req *req, gw_resp *resp, const char *name, int def, int *out)
{
	const char *v = gw_query(req, name);
	if (!v || !*v) {
		*out = def;
		return 0;
	}
	int d = ymd_parse(v);
	if (d < 0) {
		gw_reply_error(resp, GW_E_INVALID_PARAM, name, "'%s' must be a date YYYY-MM-DD",
		               name);
		return -1;
	}
	*out = d;
	return 0;
}

int gw_param_code(gw_req *req, gw_resp *resp, const char *name, int required, const char **out)
{
	const char *v = gw_query(req, name);
	*out = NULL;
	if (!v) {
		if (!required)
			return 0;
		gw_reply_error(resp, GW_E_MISSING_PARAM, name, "'%s' is required, e.g. %s=005930",
		               name, name);
		return -1;
	}
	if (!krx_code_valid(v)) {
		gw_reply_error(
		    resp, GW_E_INVALID_PARAM, name,
		    "'%s' must be a stock code: 6 characters of 0-9A-Z, or Q and 6 digits", name);
		return -1;
	}
	*out = v;
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
