/* monitor.h — the request pipeline's one metrics hook (see monitor.c). */
#ifndef GW_MONITOR_H
#define GW_MONITOR_H

/* Counts one finished request. method and pattern are the matched route's
 * (NULL when none matched: counted as route "unmatched", so the label set
 * stays the route table's whatever clients send); seconds from the first
 * byte of the request to the reply. */
/* Registers the request families (so /metrics lists them from the start). */
void gw_metrics_init(void);
void gw_metrics_request(const char *method, const char *pattern, int status, double seconds);

#endif
