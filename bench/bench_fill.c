/* bench_fill.c — fill-to-ledger latency: how long after KIS fills an order
 * the fill is in kisgw's ledger, with the WebSocket execution notices and
 * with polling (the reconciler) alone.
 *
 * usage: bench_fill SIM_PORT ws|poll N [RECONCILE_INTERVAL_S]
 *
 * Against a running kis-sim (--rate 0): per sample, a 1-share limit buy
 * five ticks under the market rests; then the price is moved onto the
 * limit through /__sim/price, which fills it inside that call. The clock
 * starts when that call returns and stops when the ledger row shows the
 * fill (polled every 0.2 ms). Each sample starts at a random point of the
 * reconciler's interval. Prints p50/p90/p99/max in ms. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kclock.h"
#include "klog.h"
#include "trader.h"

#define ACCOUNT "50012345-01"
#define APP_KEY "PSbenchAppKey0123456789abcdefghijklm"

static size_t discard(char *p, size_t s, size_t n, void *u)
{
	return s * n;
}

static int sim_post(int port, const char *path, const char *body)
{
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	CURL *h = curl_easy_init();
	struct curl_slist *hd = curl_slist_append(NULL, "content-type: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	long st = 0;
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	return rc == CURLE_OK && st == 200 ? 0 : -1;
}

static int64_t clock_now(void *ctx)
{
	return kclock_now_ms(ctx);
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void quiet(enum klog_level l, const char *src, const char *msg)
{
	if (l >= KLOG_WARN)
		fprintf(stderr, "%s: %s\n", src, msg);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_fill SIM_PORT ws|poll N [RECONCILE_INTERVAL_S]\n");
		return 2;
	}
	int port = atoi(argv[1]), ws = !strcmp(argv[2], "ws"), n = atoi(argv[3]);
	int interval = argc > 4 ? atoi(argv[4]) : 1;
	klog_set_sink(quiet);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	char dir[] = "/tmp/bench_fill.XXXXXX", db_path[64], err[256], url[64], wsurl[64];
	if (!mkdtemp(dir))
		return 1;
	snprintf(db_path, sizeof(db_path), "%s/ledger.db", dir);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	snprintf(wsurl, sizeof(wsurl), "ws://127.0.0.1:%d/tryitout", port);
	if (sim_post(port, "/__sim/reset", "{\"account\":\"" ACCOUNT "\",\"cash\":100000000000}"))
		return 1;
	kclock clock;
	if (kclock_init(&clock, "2026-11-24T10:00:00+09:00", err, sizeof(err)))
		return 1;
	store *db = store_open(db_path, err, sizeof(err));
	char secret[181];
	memset(secret, 'S', 180);
	secret[180] = 0;
	kis_config kc = {.base_url = url,
	                 .app_key = APP_KEY,
	                 .app_secret = secret,
	                 .account = ACCOUNT,
	                 .rate_per_sec = 1000,
	                 .now_ms = clock_now,
	                 .clock_ctx = &clock,
	                 .store = {db, store_token_load, store_token_save}};
	kis_config_defaults(&kc);
	kis_client *kis = kis_client_new(&kc, err, sizeof(err));
	trader_config tc = {.reconcile_interval_s = interval, .run_backfill = 0};
	trader *t = db && kis ? trader_new(&tc, kis, db, &clock, err, sizeof(err)) : NULL;
	if (!t || trader_start(t)) {
		fprintf(stderr, "setup: %s\n", err);
		return 1;
	}
	if (ws) {
		trader_realtime_config rc = {.ws_url = wsurl, .hts_id = "bench"};
		if (trader_realtime_start(t, &rc, err, sizeof(err)))
			return 1;
		for (int i = 0; i < 500 && trader_realtime_state(t, NULL, 0) != KIS_WS_CONNECTED;
		     i++)
			usleep(10000);
		if (trader_realtime_state(t, NULL, 0) != KIS_WS_CONNECTED) {
			fprintf(stderr, "no WebSocket session\n");
			return 1;
		}
	}
	static const char *codes[] = {"005930", "000660", "035420", "005380", "000270"};
	double *lat = calloc((size_t)n, sizeof(double));
	int got = 0;
	for (int i = 0; i < n; i++) {
		const char *code = codes[i % 5];
		kis_quote q;
		kis_error e;
		if (kis_price_get(kis, code, &q, &e) != KIS_OK) {
			fprintf(stderr, "price %s: %s %s\n", code, kis_status_name(e.status),
			        e.msg1);
			continue;
		}
		int64_t limit = q.price - 5 * q.tick;
		trader_order_req r = {.side = STORE_BUY,
		                      .type = STORE_LIMIT,
		                      .qty = 1,
		                      .price = limit,
		                      .source = STORE_SRC_API};
		snprintf(r.code, sizeof(r.code), "%s", code);
		trader_outcome out;
		if (trader_order_place(t, &r, &out) != TRADER_CREATED) {
			fprintf(stderr, "order %s: %s\n", code, out.message);
			continue;
		}
		/* start at a random point of the reconciler's cycle (and of the
		 * simulator's 100 ms session poll), not right after the last one */
		usleep((useconds_t)(rand() % (ws ? 100000 : interval * 1000000)));
		char body[128];
		snprintf(body, sizeof(body), "{\"code\":\"%s\",\"price\":%lld}", code,
		         (long long)limit);
		if (sim_post(port, "/__sim/price", body)) {
			fprintf(stderr, "/__sim/price %s failed\n", body);
			continue;
		}
		int64_t t0 = now_us(), t1 = 0;
		while (now_us() - t0 < 120 * 1000000LL) {
			store_order o;
			if (store_order_get(db, out.order.id, &o) == 0 && o.filled_qty >= 1) {
				t1 = now_us();
				break;
			}
			usleep(200);
		}
		snprintf(body, sizeof(body), "{\"code\":\"%s\",\"clear\":true}", code);
		sim_post(port, "/__sim/price", body);
		if (t1)
			lat[got++] = (double)(t1 - t0) / 1000.0;
	}
	qsort(lat, (size_t)got, sizeof(double), cmp);
	if (got) {
		trader_rt_stats rs;
		trader_rt_stats_get(t, &rs);
		printf("%s (reconcile interval %d s): %d fills, p50 %.1f ms, p90 %.1f ms, p99 %.1f "
		       "ms, max %.1f ms; fills by notice %llu\n",
		       ws ? "websocket" : "polling", interval, got, lat[got / 2],
		       lat[(got * 9) / 10],
		       lat[(got * 99) / 100 < got ? (got * 99) / 100 : got - 1], lat[got - 1],
		       (unsigned long long)rs.fills);
	}
	free(lat);
	trader_free(t);
	kis_client_free(kis);
	store_close(db);
	kclock_destroy(&clock);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return got == n ? 0 : 1;
}
