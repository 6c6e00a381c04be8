/* store_names.c — the wire names of the journal's enums (side, type,
 * time_in_force, venue, source, status), as stored in the database and
 * shown by the API. */
#include <string.h>

#include "store_internal.h"

const char *const store_side_names[STORE_SIDE__MAX + 1] = {"buy", "sell", NULL};
const char *const store_type_names[STORE_TYPE__MAX + 1] = {"market",
                                                           "limit",
                                                           "conditional_limit",
                                                           "best",
                                                           "priority",
                                                           "pre_market_close",
                                                           "after_market_close",
                                                           "after_hours_single",
                                                           "mid",
                                                           "stop_limit",
                                                           NULL};
const char *const store_tif_names[STORE_TIF__MAX + 1] = {"day", "ioc", "fok", NULL};
const char *const store_venue_names[STORE_VENUE__MAX + 1] = {"KRX", "NXT", "SOR", NULL};
const char *const store_source_names[STORE_SOURCE__MAX + 1] = {"api", "autotrade", "external",
                                                               "passthrough", NULL};
const char *const store_status_names[ST__MAX + 1] = {
    "pending",  "submitted", "partially_filled", "filled",  "cancel_requested",
    "canceled", "rejected",  "not_sent",         "unknown", "not_found",
    NULL};

int store_name_find(const char *const *names, int n, const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

const char *store_side_name(store_side s)
{
	return (unsigned)s < STORE_SIDE__MAX ? store_side_names[s] : "?";
}
const char *store_type_name(store_type t)
{
	return (unsigned)t < STORE_TYPE__MAX ? store_type_names[t] : "?";
}
const char *store_tif_name(store_tif t)
{
	return (unsigned)t < STORE_TIF__MAX ? store_tif_names[t] : "?";
}
const char *store_venue_name(store_venue v)
{
	return (unsigned)v < STORE_VENUE__MAX ? store_venue_names[v] : "?";
}
int store_type_parse(const char *s)
{
	return store_name_find(store_type_names, STORE_TYPE__MAX, s);
}
int store_tif_parse(const char *s)
{
	return store_name_find(store_tif_names, STORE_TIF__MAX, s);
}
int store_venue_parse(const char *s)
{
	return store_name_find(store_venue_names, STORE_VENUE__MAX, s);
}
const char *store_source_name(store_source s)
{
	return (unsigned)s < STORE_SOURCE__MAX ? store_source_names[s] : "?";
}
const char *store_status_name(store_status s)
{
	return (unsigned)s < ST__MAX ? store_status_names[s] : "?";
}
int store_side_parse(const char *s)
{
	return store_name_find(store_side_names, STORE_SIDE__MAX, s);
}
int store_source_parse(const char *s)
{
	return store_name_find(store_source_names, STORE_SOURCE__MAX, s);
}
int store_status_parse(const char *s)
{
	return store_name_find(store_status_names, ST__MAX, s);
}

int store_status_final(store_status s)
{
	return s == ST_FILLED || s == ST_CANCELED || s == ST_REJECTED || s == ST_NOT_SENT ||
	       s == ST_NOT_FOUND;
}
