/* test_notify_pnl.c — the notification queue against local HTTP servers
 * (a recording one, a dead port, one that accepts and never answers) and
 * FIFO realised P&L over hand-made fills. No test waits on a timer: the
 * queue is drained with notifier_flush and its counters are checked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "klog.h"
#include "notify.h"
#include "pnl.h"
#include "store.h"

/* ---- a recording webhook server ---- */

typedef struct rec {
	pthread_mutex_t mu;
	int fail_first; /* answer 500 to this many requests first */
	int hits;
	char paths[16][128];
	char bodies[16][1100];
} rec;

typedef struct upload {
	char buf[1024];
	size_t len;
} upload;

static enum MHD_Result on_req(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **ctx)
{
	rec *r = cls;
	upload *u = *ctx;
	if (!u) {
		*ctx = calloc(1, sizeof(upload));
		return MHD_YES;
	}
	if (*size) {
		size_t n =
		    *size < sizeof(u->buf) - u->len - 1 ? *size : sizeof(u->buf) - u->len - 1;
		memcpy(u->buf + u->len, data, n);
		u->len += n;
		*size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&r->mu);
	int i = r->hits++;
	int status = i < r->fail_first ? 500 : 204;
	if (i < 16) {
		snprintf(r->paths[i], sizeof(r->paths[i]), "%s", url);
		snprintf(r->bodies[i], sizeof(r->bodies[i]), "%s", u->buf);
	}
	pthread_mutex_unlock(&r->mu);
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **ctx,
                    enum MHD_RequestTerminationCode t)
{
	free(*ctx);
	*ctx = NULL;
}

static struct MHD_Daemon *rec_start(rec *r, int *port)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_req, r, MHD_OPTION_SOCK_ADDR, &a,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
	assert_non_null(d);
	*port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
	return d;
}

/* A listening socket nobody accepts from: connects succeed, no answer. */
static int hang_start(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 64), 0);
	socklen_t l = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &l);
	*port = ntohs(a.sin_port);
	return fd;
}

/* A port that refuses connections. */
static int dead_port(void)
{
	int port, fd = hang_start(&port);
	close(fd);
	return port;
}

static char logged[8192];
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static void sink(enum klog_level level, const char *source, const char *msg)
{
	pthread_mutex_lock(&log_mu);
	size_t n = strlen(logged);
	snprintf(logged + n, sizeof(logged) - n, "%s: %s\n", source, msg);
	pthread_mutex_unlock(&log_mu);
}

/* Discord, Telegram and the JSON webhook each get their own payload; a
 * 500 is retried; the secrets never reach the log. */
static void test_channels_payloads_retries(void **state)
{
	rec r;
	int port;
	struct MHD_Daemon *d = rec_start(&r, &port);
	r.fail_first = 1;
	char discord[128], json_url[128], tg[128];
	snprintf(discord, sizeof(discord), "http://127.0.0.1:%d/api/webhooks/SECRETHOOK", port);
	snprintf(json_url, sizeof(json_url), "http://127.0.0.1:%d/generic", port);
	snprintf(tg, sizeof(tg), "http://127.0.0.1:%d", port);
	kclock clock;
	char err[128];
	assert_int_equal(kclock_init(&clock, "2026-10-06T09:00:00+09:00", err, sizeof(err)), 0);
	notify_config c = {.discord_url = discord,
	                   .telegram_token = "123:TGSECRET",
	                   .telegram_chat_id = "42",
	                   .telegram_api = tg,
	                   .json_url = json_url,
	                   .backoff_ms = 10};
	notifier *n = notifier_new(&c, &clock);
	assert_non_null(n);
	assert_int_equal(notifier_channels(n), 3);
	assert_int_equal(notifier_start(n), 0);
	json_t *order = json_pack("{s:s,s:i}", "code", "005930", "qty", 3);
	assert_int_equal(notify_post(n, "order_placed", "bought 3 x 005930", order, NULL), 0);
	json_decref(order);
	assert_int_equal(notifier_flush(n, 20000), 0);
	notify_stats st;
	notifier_stats_get(n, &st);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.retried, 1);
	assert_int_equal(st.failed, 0);
	assert_int_equal(r.hits, 4);
	int seen = 0;
	for (int i = 0; i < r.hits; i++) {
		json_t *b = json_loads(r.bodies[i], 0, NULL);
		assert_non_null(b);
		if (strstr(r.paths[i], "/api/webhooks/")) {
			assert_string_equal(json_string_value(json_object_get(b, "content")),
			                    "bought 3 x 005930");
			seen |= 1;
		} else if (!strcmp(r.paths[i], "/bot123:TGSECRET/sendMessage")) {
			assert_string_equal(json_string_value(json_object_get(b, "chat_id")), "42");
			assert_string_equal(json_string_value(json_object_get(b, "text")),
			                    "bought 3 x 005930");
			seen |= 2;
		} else {
			assert_string_equal(r.paths[i], "/generic");
			assert_string_equal(json_string_value(json_object_get(b, "event")),
			                    "order_placed");
			assert_string_equal(json_string_value(json_object_get(b, "at")),
			                    "2026-10-06T09:00:00+09:00");
			assert_int_equal(
			    json_integer_value(json_object_get(json_object_get(b, "order"), "qty")),
			    3);
			assert_null(json_object_get(b, "decision"));
			seen |= 4;
		}
		json_decref(b);
	}
	assert_int_equal(seen, 7);
	notifier_free(n);
	MHD_stop_daemon(d);
	kclock_destroy(&clock);
}

/* A dead and a hanging webhook: posting never waits, failures are counted
 * and logged without the URL, the queue stays bounded. */
static void test_dead_and_hanging(void **state)
{
	logged[0] = 0;
	klog_set_sink(sink);
	int hport, hfd = hang_start(&hport);
	char dead[128], hang[128];
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d/hook/DEADSECRET", dead_port());
	snprintf(hang, sizeof(hang), "http://127.0.0.1:%d/hook/HANGSECRET", hport);
	notify_config c = {.discord_url = dead,
	                   .json_url = hang,
	                   .timeout_ms = 200,
	                   .retries = -1, /* no retries */
	                   .queue_cap = 4};
	notifier *n = notifier_new(&c, NULL);
	assert_int_equal(notifier_start(n), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(notify_post(n, "order_filled", "filled", NULL, NULL), 0);
	notify_stats st;
	notifier_stats_get(n, &st);
	assert_int_equal(st.queued, 20);
	assert_true(st.waiting <= 4 + 1);
	assert_int_equal(notifier_flush(n, 30000), 0);
	notifier_stats_get(n, &st);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.failed + st.dropped, 20);
	assert_true(st.dropped > 0);
	notifier_free(n);
	close(hfd);
	klog_set_sink(NULL);
	assert_non_null(strstr(logged, "not delivered"));
	assert_null(strstr(logged, "SECRET"));
	assert_null(strstr(logged, "127.0.0.1"));
}

/* At most per_minute messages a minute per channel; the rest wait. */
static void test_rate_cap(void **state)
{
	rec r;
	int port;
	struct MHD_Daemon *d = rec_start(&r, &port);
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
	notify_config c = {.json_url = url, .per_minute = 3};
	notifier *n = notifier_new(&c, NULL);
	assert_int_equal(notifier_start(n), 0);
	for (int i = 0; i < 5; i++)
		notify_post(n, "summary", "s", NULL, NULL);
	assert_int_equal(notifier_flush(n, 1500), -1); /* two are held back */
	notify_stats st;
	notifier_stats_get(n, &st);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.waiting, 2);
	notifier_free(n); /* stopping with messages queued frees them */
	MHD_stop_daemon(d);
	/* No channel configured: nothing to post to. */
	notify_config none = {0};
	n = notifier_new(&none, NULL);
	assert_int_equal(notifier_channels(n), 0);
	assert_int_equal(notify_post(n, "x", "y", NULL, NULL), -1);
	notifier_free(n);
}

/* ---- P&L ---- */

static char dbpath[64];

static void fill(store *s, const char *code, store_side side, store_source src, int64_t qty,
                 int64_t amount, int ymd)
{
	static int seq;
	store_order o, ex;
	memset(&o, 0, sizeof(o));
	snprintf(o.code, sizeof(o.code), "%s", code);
	snprintf(o.request, sizeof(o.request), "r%d", ++seq);
	o.side = side;
	o.type = STORE_MARKET;
	o.qty = qty;
	o.status = ST_SUBMITTED;
	o.source = src;
	o.ord_date = ymd;
	o.created_ms = o.updated_ms = 1000 + seq;
	assert_int_equal(store_order_insert(s, &o, &ex), 0);
	store_progress p = {.status = ST_FILLED,
	                    .filled_qty = qty,
	                    .filled_amount = amount,
	                    .trade_date = ymd,
	                    .fill_ms = 1000 + seq,
	                    .now_ms = 1000 + seq};
	assert_int_equal(store_order_progress(s, o.id, &p), qty);
}

static void test_pnl_fifo(void **state)
{
	snprintf(dbpath, sizeof(dbpath), "/tmp/kisgw-pnl-%d.db", (int)getpid());
	unlink(dbpath);
	char err[256];
	store *s = store_open(dbpath, err, sizeof(err));
	assert_non_null(s);
	/* A: buy 10 @100, buy 10 @120, sell 15 @130 (FIFO cost 1000 + 600). */
	fill(s, "005930", STORE_BUY, STORE_SRC_AUTOTRADE, 10, 1000, 20261006);
	fill(s, "005930", STORE_BUY, STORE_SRC_API, 10, 1200, 20261007);
	fill(s, "005930", STORE_SELL, STORE_SRC_AUTOTRADE, 15, 1950, 20261008);
	/* B: sell 5 with no known buy (history incomplete), then buy 3. */
	fill(s, "000660", STORE_SELL, STORE_SRC_EXTERNAL, 5, 500, 20261008);
	fill(s, "000660", STORE_BUY, STORE_SRC_EXTERNAL, 3, 300, 20261012);

	pnl_query q = {20261001, 20261031, NULL, -1, 150, 2000};
	pnl_report r;
	assert_int_equal(pnl_realized(s, &q, &r), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.lines[0].code, "000660");
	assert_int_equal(r.lines[0].qty, 0);
	assert_int_equal(r.lines[0].unmatched_qty, 5);
	assert_string_equal(r.lines[1].code, "005930");
	assert_int_equal(r.lines[1].qty, 15);
	assert_int_equal(r.lines[1].buy_amount, 1600);
	assert_int_equal(r.lines[1].sell_amount, 1950);
	assert_int_equal(r.lines[1].pnl, 350);
	assert_int_equal(r.lines[1].fees_estimate, 1); /* 3550 x 150 ppm = 0.53 */
	assert_int_equal(r.lines[1].tax_estimate, 4);  /* 1950 x 2000 ppm = 3.9 */
	assert_int_equal(r.total.pnl, 350);
	pnl_report_free(&r);

	/* Before the sell: nothing realised. */
	q.to_ymd = 20261007;
	assert_int_equal(pnl_realized(s, &q, &r), 0);
	assert_int_equal(r.n, 0);
	pnl_report_free(&r);

	/* The job's own book: its sell of 15 matches only its buy of 10. */
	pnl_query qj = {20261001, 20261031, "005930", STORE_SRC_AUTOTRADE, 0, 0};
	assert_int_equal(pnl_realized(s, &qj, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.lines[0].qty, 10);
	assert_int_equal(r.lines[0].unmatched_qty, 5);
	assert_int_equal(r.lines[0].buy_amount, 1000);
	assert_int_equal(r.lines[0].sell_amount, 1300);
	pnl_report_free(&r);

	/* Open lots: A keeps 5 of the second buy at 120; B keeps its 3. */
	pnl_lot *lots;
	size_t n;
	assert_int_equal(pnl_open_lots(s, "005930", -1, &lots, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(lots[0].qty, 5);
	assert_int_equal(lots[0].amount, 600);
	assert_int_equal(lots[0].acquired_on, 20261007);
	free(lots);
	pnl_position *pos;
	assert_int_equal(pnl_positions(s, -1, &pos, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pos[0].qty, 3);
	assert_int_equal(pos[1].qty, 5);
	pnl_positions_free(pos, n);
	assert_int_equal(pnl_positions(s, STORE_SRC_AUTOTRADE, &pos, &n), 0);
	assert_int_equal(n, 0); /* the job sold more than it bought: nothing open */
	pnl_positions_free(pos, n);
	store_close(s);
	unlink(dbpath);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_channels_payloads_retries),
	    cmocka_unit_test(test_dead_and_hanging),
	    cmocka_unit_test(test_rate_cap),
	    cmocka_unit_test(test_pnl_fifo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
