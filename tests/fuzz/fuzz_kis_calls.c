/* fuzz_kis_calls.c — the KIS response parsers of kis/ (kis_quotes.c etc.: price,
 * daily bars, balance, buying power, order, cancel, executions, open
 * orders, holidays), each reached the way kisgw reaches it: a real HTTP
 * reply from an in-process fake KIS server (tests/kis/fake_kis.c, 127.0.0.1,
 * port 0) read by the real client.
 *
 * Input: byte 0 picks the call (low 4 bits) and a 500 status (bit 4); the
 * rest is the reply body. Whatever the bytes: a defined kis_status, and a
 * successful result is well-formed (bounded strings, sane sides, no rows
 * on failure). One HTTP round trip per input: slower than the pure
 * harnesses, still thousands of inputs a second. */
#include "fake_kis.h"
#include "fuzz.h"
#include "kis.h"
#include "tkis.h"

#include <stdlib.h>
#include <string.h>

#define T0 1795482000000LL /* 2026-11-24T10:00:00+09:00 */

static struct {
	pthread_mutex_t mu;
	char *body;
	int status;
} g = {PTHREAD_MUTEX_INITIALIZER, NULL, 200};

static fake_kis *fk;
static kis_client *cl;
static tstore st;
static tclock clk = {PTHREAD_MUTEX_INITIALIZER, T0};

static void handler(void *ud, const fk_req *req, fk_reply *rep)
{
	if (strstr(req->path, "/oauth2/")) {
		/* a token the client dropped (EGW00123 in a fuzzed body) comes
		 * back at once, so every input reaches the parser under test */
		fk_printf(rep, "{\"access_token\":\"T0KEN2\",\"token_type\":\"Bearer\","
		               "\"expires_in\":86400,"
		               "\"access_token_token_expired\":\"2026-11-25 10:00:00\"}");
		return;
	}
	pthread_mutex_lock(&g.mu);
	rep->status = g.status;
	rep->body = strdup(g.body ? g.body : "");
	pthread_mutex_unlock(&g.mu);
	snprintf(rep->tr_cont, sizeof rep->tr_cont, "D");
}

static void shutdown_all(void)
{
	kis_client_free(cl);
	fk_stop(fk);
	free(g.body);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	tstore_init(&st);
	tstore_put(&st, "T0KEN", T0 + 86400000, real_ms() - 3 * 3600000);
	fk = fk_start(handler, NULL);
	if (!fk)
		abort();
	kis_config cfg;
	tcfg(&cfg, fk_url(fk), &st, &clk, 1);
	cfg.rate_per_sec = 1000000;
	cfg.read_retries = -1;         /* one answer per call */
	cfg.token_min_interval_ms = 0; /* re-issue at once after a fuzzed EGW00123 */
	char e[128];
	cl = kis_client_new(&cfg, e, sizeof e);
	if (!cl)
		abort();
	atexit(shutdown_all);
	return 0;
}

static void bounded(const char *s, size_t cap)
{
	if (strnlen(s, cap) >= cap)
		abort();
}

static void check_err(int rc, const kis_error *e)
{
	if (!kis_status_name(rc))
		abort();
	if (rc != KIS_OK) {
		bounded(e->msg_cd, sizeof e->msg_cd);
		bounded(e->msg1, sizeof e->msg1);
	}
}

static void call(int which)
{
	kis_error e;
	memset(&e, 0, sizeof e);
	int rc;
	switch (which) {
	case 0: {
		kis_quote q;
		rc = kis_price_get(cl, "005930", &q, &e);
		if (rc == KIS_OK && !(q.price > 0 && q.tick > 0))
			abort();
		break;
	}
	case 1: {
		kis_bars b;
		rc = kis_daily_bars_get(cl, "005930", 20261001, 20261124, &b, &e);
		if (rc == KIS_OK)
			for (size_t i = 0; i < b.n; i++)
				if (b.bars[i].date < 20261001 || b.bars[i].date > 20261124)
					abort();
		kis_bars_free(&b);
		break;
	}
	case 2: {
		kis_balance b;
		rc = kis_balance_get(cl, &b, &e);
		if (rc == KIS_OK) {
			for (size_t i = 0; i < b.n; i++) {
				bounded(b.holdings[i].code, sizeof b.holdings[i].code);
				bounded(b.holdings[i].name, sizeof b.holdings[i].name);
			}
		} else if (b.holdings) {
			abort();
		}
		kis_balance_free(&b);
		break;
	}
	case 3: {
		kis_buying_power bp;
		rc = kis_buying_power_get(cl, "005930", 70000, &bp, &e);
		break;
	}
	case 4: {
		kis_order_req rq = {
		    .code = "005930", .side = KIS_SIDE_BUY, .qty = 1, .price = 70000};
		kis_order_ack a;
		rc = kis_order_cash(cl, &rq, &a, &e);
		if (rc == KIS_OK) {
			if (!a.odno[0])
				abort();
			bounded(a.odno, sizeof a.odno);
			bounded(a.orgno, sizeof a.orgno);
			if (a.ord_time < 0 || a.ord_time > 235959)
				abort();
		}
		break;
	}
	case 5: {
		kis_order_ack a;
		rc = kis_order_cancel(cl, "06010", "0000005000", &a, &e);
		break;
	}
	case 6: {
		kis_ccld_query q = {20261124, 20261124, KIS_SIDE_ANY, NULL, 0, NULL};
		kis_ccld_list l;
		rc = kis_daily_ccld_get(cl, &q, &l, &e);
		if (rc == KIS_OK)
			for (size_t i = 0; i < l.n; i++) {
				bounded(l.rows[i].odno, sizeof l.rows[i].odno);
				bounded(l.rows[i].orgn_odno, sizeof l.rows[i].orgn_odno);
				bounded(l.rows[i].orgno, sizeof l.rows[i].orgno);
				if (l.rows[i].side != KIS_SIDE_BUY &&
				    l.rows[i].side != KIS_SIDE_SELL)
					abort();
			}
		kis_ccld_list_free(&l);
		break;
	}
	case 7: {
		kis_open_orders o;
		rc = kis_open_orders_get(cl, &o, &e);
		if (rc == KIS_OK)
			for (size_t i = 0; i < o.n; i++)
				bounded(o.rows[i].odno, sizeof o.rows[i].odno);
		else if (o.rows)
			abort();
		kis_open_orders_free(&o);
		break;
	}
	default: {
		kis_days d;
		rc = kis_holidays_get(cl, 20261124, &d, &e);
		kis_days_free(&d);
		break;
	}
	}
	check_err(rc, &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	pthread_mutex_lock(&g.mu);
	free(g.body);
	g.body = fuzz_strndup(data + 1, size - 1);
	g.status = (data[0] & 16) ? 500 : 200;
	pthread_mutex_unlock(&g.mu);
	call((data[0] & 15) % 9);
	return 0;
}
