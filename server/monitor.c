/* monitor.c — GET /metrics and the request pipeline's metrics hook.
 *
 * Most series are counted where things happen (kis/ counts calls, tokens
 * and limiter waits; trader/ counts reconciler passes; this file counts
 * requests). What is a state rather than an event — orders in the ledger,
 * the token's expiry, uptime — is read when /metrics is scraped. */
#include "monitor.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "http.h"
#include "input.h"
#include "metrics.h"
#include "server.h"
#include "store.h"

/* Local reads answer in well under a millisecond; KIS calls take tens. */
static const double request_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,    0.25,  0.5,    1,     2.5,  5,     10};

static km_family *m_requests(void)
{
	return km_counter("kisgw_http_requests_total",
	                  "Requests to the local API by method, route pattern and status.",
	                  "method,route,status");
}

static km_family *m_request_seconds(void)
{
	return km_histogram("kisgw_http_request_duration_seconds",
	                    "Time from the request's arrival to its reply, by route.",
	                    "method,route", request_bounds,
	                    (int)(sizeof(request_bounds) / sizeof(request_bounds[0])));
}

/* Found once: every request counts, and finding a family by name walks
 * the registry. */
static km_family *requests_f, *request_seconds_f;

void gw_metrics_init(void)
{
	requests_f = m_requests();
	request_seconds_f = m_request_seconds();
}

void gw_metrics_request(const char *method, const char *pattern, int status, double seconds)
{
	char st[8]; /* every request passes here: no printf for the usual three digits */
	if (status >= 100 && status <= 999) {
		st[0] = (char)('0' + status / 100);
		st[1] = (char)('0' + status / 10 % 10);
		st[2] = (char)('0' + status % 10);
		st[3] = '\0';
	} else {
		snprintf(st, sizeof(st), "%d", status);
	}
	const char *m = method ? method : "other", *route = pattern ? pattern : "unmatched";
	km_inc(requests_f, 1, m, route, st);
	km_observe(request_seconds_f, seconds, m, route);
}

/* States read at scrape time. */
static void collect(gw_app *app)
{
	if (app->server) {
		int queued, running;
		gw_server_load(app->server, &queued, &running);
		km_gauge_set(
		    km_gauge("kisgw_http_workers_queued",
		             "Requests waiting for a worker (their connections suspended).", NULL),
		    queued);
		km_gauge_set(km_gauge("kisgw_http_workers_running",
		                      "Requests a worker is running (a KIS call, a wait, a write).",
		                      NULL),
		             running);
	}
	km_gauge_set(km_gauge("kisgw_build_info", "Always 1; the version as a label.", "version"),
	             1, KISGW_VERSION);
	km_gauge_set(km_gauge("kisgw_uptime_seconds", "Seconds since kisgw started.", NULL),
	             (real_ms() - app->started_ms) / 1000);
	km_gauge_set(km_gauge("kisgw_kis_token_expiry_timestamp_seconds",
	                      "When the held KIS access token expires (Unix time, KIS clock); "
	                      "0 when none is held.",
	                      NULL),
	             kis_token_valid_until(app->kis) / 1000);
	int64_t counts[ST__MAX][STORE_SOURCE__MAX];
	km_family *orders = km_gauge(
	    "kisgw_orders", "Orders in the local ledger by status and source.", "status,source");
	if (store_orders_count(app->db, counts) == 0)
		for (int s = 0; s < ST__MAX; s++)
			for (int src = 0; src < STORE_SOURCE__MAX; src++)
				km_gauge_set(orders, counts[s][src], store_status_name(s),
				             store_source_name(src));
	km_inc(km_counter("kisgw_metrics_scrapes_total", "Times /metrics was read.", NULL), 1);
}

GW_ENDPOINT(metrics_get, gw_no_input, .run_inline = 1)
{
	collect(req->app);
	size_t len = 0;
	char *text = km_render(&len);
	if (!text) {
		gw_reply_error(resp, GW_E_INTERNAL, NULL, "out of memory rendering the metrics");
		return;
	}
	gw_reply_raw(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, len, 1);
}
