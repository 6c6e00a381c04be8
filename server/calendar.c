/* calendar.c — GET /calendar?from=&to=: KRX trading days and closures from
 * the holidays table (built-in 2024-2027, plus what KIS chk-holiday said). */
#include "app.h"
#include "http.h"
#include "input.h"
#include "params.h"
#include "trader.h"
#include "views.h"

/* Longest range one request may ask for (about four years of days). */
#define CALENDAR_MAX_DAYS 1500

typedef struct calendar_in {
	int from, to;
} calendar_in;

GW_ENDPOINT(calendar_get, calendar_in,
            .query = GW_FIELDS(GW_DATE(calendar_in, from, .doc_default = "today"),
                               GW_DATE(calendar_in, to, .doc_default = "from + 30 days")),
            .run_inline = 1)
{
	int from = in->from ? in->from : gw_today(req);
	int to = in->to ? in->to : ymd_add_days(from, 30);
	if (gw_param_date_order(resp, from, to))
		return;
	if (ymd_to_days(to) - ymd_to_days(from) > CALENDAR_MAX_DAYS) {
		gw_reply_error(resp, GW_E_INVALID_PARAM, "to", "the range is longer than %d days",
		               CALENDAR_MAX_DAYS);
		return;
	}
	trader_days d;
	if (trader_calendar(req->app->trader, from, to, &d)) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "cannot read the calendar");
		return;
	}
	gw_reply(resp, 200, gw_days_json(&d));
	trader_days_free(&d);
}
