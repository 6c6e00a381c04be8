/* test_autotrade.c — the auto-trade job against the real kis-sim over a
 * simulated week with a KRX holiday (Fri 2026-10-09): the job's clock and
 * the simulator's are moved together and each pass is run on demand, so
 * every assertion is about decisions and orders, never about timing.
 * Prices follow deterministic /__sim/path step functions.
 *
 * ctest runs this suite twice, with TZ=UTC and TZ=America/New_York: the
 * same assertions must hold (the job reads KST from the clock, not the
 * host's zone). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "autotrade.h"
#include "harness.h"
#include "ledger_fx.h"
#include "krx.h"
#include "pnl.h"
#include "trader.h"

#define ACCOUNT "50012345-01"
#define DAY1    "2026-10-06"
#define A       "005930"
#define B       "000660"

typedef struct fx {
	h_proc sim;
	ledger_fx x;
	trader *t;
	at_job *job;
	at_settings env;
} fx;

static void sim_post(fx *f, const char *path, const char *body)
{
	assert_int_equal(h_sim_post(f->sim.port, path, body), 0);
}

/* Both clocks to a KST instant "YYYY-MM-DDTHH:MM:SS". */
static void at(fx *f, const char *when)
{
	char iso[64], body[96], err[128];
	snprintf(iso, sizeof(iso), "%s+09:00", when);
	snprintf(body, sizeof(body), "{\"set\":\"%s\"}", iso);
	sim_post(f, "/__sim/clock", body);
	kclock tmp;
	assert_int_equal(kclock_init(&tmp, iso, err, sizeof(err)), 0);
	kclock_set_ms(&f->x.clock, kclock_now_ms(&tmp));
	kclock_destroy(&tmp);
}

/* Previous close (the bar before ymd) of code, from KIS daily bars. */
static int64_t prev_close(fx *f, const char *code, int ymd, int64_t *range)
{
	kis_bars b;
	kis_error e;
	assert_int_equal(kis_daily_bars_get(f->x.kis, code, ymd_add_days(ymd, -20),
	                                    ymd_add_days(ymd, -1), &b, &e),
	                 KIS_OK);
	int64_t c = 0;
	for (size_t i = 0; i < b.n && !c; i++)
		if (b.bars[i].date < ymd) {
			c = b.bars[i].close;
			if (range)
				*range = b.bars[i].high - b.bars[i].low;
		}
	kis_bars_free(&b);
	assert_true(c > 0);
	return c;
}

/* One path point per call: code at KST time when costs price from then on. */
static void path(fx *f, const char *code, const char *const *whens, const int64_t *prices, int n)
{
	char body[4096];
	int len = snprintf(body, sizeof(body), "{\"code\":\"%s\",\"points\":[", code);
	for (int i = 0; i < n; i++)
		len += snprintf(body + len, sizeof(body) - (size_t)len,
		                "%s{\"at\":\"%s+09:00\",\"price\":%lld}", i ? "," : "", whens[i],
		                (long long)krx_tick_floor(prices[i]));
	snprintf(body + len, sizeof(body) - (size_t)len, "]}");
	sim_post(f, "/__sim/path", body);
}

static void job_new(fx *f)
{
	at_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.env = f->env;
	char err[256];
	f->job = at_job_new(&cfg, f->t, f->x.kis, f->x.db, &f->x.clock, err, sizeof(err));
	if (!f->job)
		fail_msg("at_job_new: %s", err);
}

/* One kis-sim for the whole suite (starting one costs a second of CPU);
 * each test resets it and starts from a fresh database. */
static h_proc g_sim;

static int group_setup(void **state)
{
	const char *args[] = {"--clock",
	                      DAY1 "T08:50:00+09:00",
	                      "--rate",
	                      "0",
	                      "--token-min-interval",
	                      "0",
	                      "--quiet",
	                      NULL};
	return h_start_sim(&g_sim, args);
}

static int group_teardown(void **state)
{
	h_stop(&g_sim, SIGTERM);
	return 0;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	const char *start = DAY1 "T08:50:00+09:00";
	f->sim = g_sim;
	sim_post(f, "/__sim/reset", "{}");
	sim_post(f, "/__sim/counters/reset", "{}");
	sim_post(f, "/__sim/reset", "{\"account\":\"" ACCOUNT "\",\"cash\":10000000}");
	sim_post(f, "/__sim/clock", "{\"set\":\"" DAY1 "T08:50:00+09:00\"}");
	if (ledger_fx_open(&f->x, f->sim.port, start))
		return -1;
	f->t = ledger_fx_trader(&f->x, 0);
	if (!f->t)
		return -1;
	at_settings_defaults(&f->env);
	f->env.mode = AT_ON;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	at_job_free(f->job);
	trader_free(f->t);
	ledger_fx_close(&f->x);
	free(f);
	return 0;
}

static at_pass_report run(fx *f)
{
	at_pass_report rep;
	at_outcome out;
	assert_int_equal(at_job_run(f->job, &rep, &out), AT_OK);
	if (getenv("AT_DEBUG"))
		printf("pass %d %06d %s ok=%d orders=%d decisions=%d %s\n", rep.ymd, rep.hhmmss,
		       rep.phase, rep.ok, rep.orders, rep.decisions, rep.error);
	if (getenv("AT_DEBUG")) {
		store_at_decision_filter df = {.limit = 10};
		store_at_decision *d;
		size_t n;
		int more;
		if (store_at_decisions_list(f->x.db, &df, &d, &n, &more) == 0)
			for (size_t i = 0; i < n && i < 4; i++)
				printf("  %s %s %s %lld x %lld order %lld: %s\n", d[i].code,
				       d[i].action, d[i].reason, (long long)d[i].qty,
				       (long long)d[i].price, (long long)d[i].order_id,
				       d[i].detail);
		free(d);
	}
	return rep;
}

static void targets(fx *f, const char *a, int64_t ref_a, const char *b, int64_t ref_b)
{
	store_at_target t[2];
	memset(t, 0, sizeof(t));
	snprintf(t[0].code, sizeof(t[0].code), "%s", a);
	t[0].ref_price = ref_a;
	size_t n = 1;
	if (b) {
		snprintf(t[1].code, sizeof(t[1].code), "%s", b);
		t[1].ref_price = ref_b;
		n = 2;
	}
	at_outcome out;
	assert_int_equal(at_job_targets_put(f->job, t, n, &out), AT_OK);
}

/* Orders kis-sim took for code and side ("buy"/"sell"); total qty in *qty. */
static int sim_orders(fx *f, const char *code, const char *side, int64_t *qty)
{
	long st = 0;
	json_t *j = h_json(f->sim.port, "GET", "/__sim/orders", NULL, &st);
	assert_int_equal(st, 200);
	int n = 0;
	if (qty)
		*qty = 0;
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(j, "orders"), i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "code")), code) ||
		    strcmp(json_string_value(json_object_get(o, "side")), side))
			continue;
		n++;
		if (qty)
			*qty += json_integer_value(json_object_get(o, "qty"));
	}
	json_decref(j);
	return n;
}

/* The latest decision about code today, or fails. */
static store_at_decision last(fx *f, const char *code)
{
	store_at_decision d;
	int64_t now = kclock_now_ms(&f->x.clock);
	assert_int_equal(store_at_decision_last(f->x.db, kst_date(now), code, &d), 0);
	return d;
}

/* Band, session window, budget split and quantities; restart safety. */
static void test_band_session_quantities(void **state)
{
	fx *f = *state;
	job_new(f);
	int d1 = 20261006;
	int64_t ra = prev_close(f, A, d1, NULL), rb = prev_close(f, B, d1, NULL);
	targets(f, A, ra, B, 0); /* B: the previous close from KIS */
	const char *wa[] = {DAY1 "T09:00:00", DAY1 "T09:10:00", DAY1 "T09:20:00"};
	int64_t pa[] = {ra * 98 / 100, ra * 102 / 100, ra * 110 / 100};
	path(f, A, wa, pa, 3);
	const char *wb[] = {DAY1 "T09:00:00"};
	int64_t pb[] = {rb * 108 / 100};
	path(f, B, wb, pb, 1);

	/* Before the open: the plan (cash split over two targets), no order,
	 * although B's pre-open price (the last close) equals its reference. */
	at_pass_report rep = run(f);
	assert_string_equal(rep.phase, "pre_open");
	assert_int_equal(rep.ok, 1);
	store_at_day *day;
	size_t nd;
	assert_int_equal(store_at_day_get(f->x.db, d1, &day, &nd), 0);
	assert_int_equal(nd, 2);
	for (size_t i = 0; i < nd; i++) {
		assert_int_equal(day[i].budget, 5000000);
		assert_int_equal(day[i].ref_price, strcmp(day[i].code, A) ? rb : ra);
		assert_int_equal(day[i].held, 0);
	}
	free(day);
	assert_int_equal(sim_orders(f, A, "buy", NULL) + sim_orders(f, B, "buy", NULL), 0);

	/* 09:05: A below the band, B above: skips, no order. */
	at(f, DAY1 "T09:05:00");
	rep = run(f);
	assert_string_equal(rep.phase, "session");
	assert_string_equal(last(f, A).reason, "outside_band");
	assert_string_equal(last(f, B).reason, "outside_band");
	assert_int_equal(rep.orders, 0);
	/* Repeating the same skip is not stored again. */
	int before = rep.decisions;
	rep = run(f);
	assert_int_equal(rep.decisions, 0);
	(void)before;

	/* 09:12: A inside the band: one market buy of floor(budget / price). */
	at(f, DAY1 "T09:12:00");
	rep = run(f);
	assert_int_equal(rep.orders, 1);
	store_at_decision d = last(f, A);
	assert_string_equal(d.action, "buy");
	assert_string_equal(d.reason, "in_band");
	int64_t px = krx_tick_floor(pa[1]);
	assert_int_equal(d.price, px);
	assert_int_equal(d.qty, 5000000 / px);
	assert_string_equal(d.client_order_id, "at-20261006-005930-buy-1");
	int64_t q;
	assert_int_equal(sim_orders(f, A, "buy", &q), 1);
	assert_int_equal(q, 5000000 / px);

	/* A restart (new job object, same database) and more passes: no second buy. */
	at_job_free(f->job);
	job_new(f);
	at(f, DAY1 "T09:14:00");
	run(f);
	run(f);
	assert_int_equal(sim_orders(f, A, "buy", NULL), 1);
	/* The plan is not recomputed from the cash the buy spent. */
	assert_int_equal(store_at_day_get(f->x.db, d1, &day, &nd), 0);
	assert_int_equal(day[0].budget, 5000000);
	free(day);

	/* After the session window: B walks into the band, nothing is bought. */
	const char *wb2[] = {DAY1 "T09:00:00", DAY1 "T15:21:00"};
	int64_t pb2[] = {rb * 108 / 100, rb * 101 / 100};
	path(f, B, wb2, pb2, 2);
	at(f, DAY1 "T15:22:00");
	rep = run(f);
	assert_string_equal(rep.phase, "summary_sent");
	rep = run(f);
	assert_string_equal(rep.phase, "after_close"); /* one summary a day */
	assert_int_equal(sim_orders(f, B, "buy", NULL), 0);

	at_status st;
	assert_int_equal(at_job_status(f->job, &st), 0);
	assert_string_equal(st.state, "after_close");
	assert_int_equal(st.ntargets, 2);
	assert_string_equal(st.targets[0].status, "bought");
	assert_string_equal(st.targets[1].status, "waiting");
	assert_int_equal(st.nactions, 1);
	at_status_free(&st);
}

/* Take profit and stop loss on the job's average fill price. */
static void test_take_profit_stop_loss(void **state)
{
	fx *f = *state;
	job_new(f);
	int d1 = 20261006;
	int64_t ra = prev_close(f, A, d1, NULL), rb = prev_close(f, B, d1, NULL);
	targets(f, A, ra, B, rb);
	const char *wa[] = {DAY1 "T09:00:00", DAY1 "T09:30:00", DAY1 "T09:40:00"};
	int64_t pa[] = {ra * 101 / 100, ra * 105 / 100, ra * 107 / 100};
	path(f, A, wa, pa, 3);
	const char *wb[] = {DAY1 "T09:00:00", DAY1 "T09:30:00", DAY1 "T09:40:00"};
	int64_t pb[] = {rb * 101 / 100, rb * 99 / 100, rb * 97 / 100};
	path(f, B, wb, pb, 3);
	at(f, DAY1 "T09:01:00");
	run(f);
	assert_int_equal(sim_orders(f, A, "buy", NULL), 1);
	assert_int_equal(sim_orders(f, B, "buy", NULL), 1);
	/* 09:31: A +3.96 %, B -1.98 %: hold both. */
	at(f, DAY1 "T09:31:00");
	run(f);
	assert_int_equal(sim_orders(f, A, "sell", NULL) + sim_orders(f, B, "sell", NULL), 0);
	/* 09:41: A +5.9 % (take profit), B -3.96 % (stop loss): sell all of each. */
	at(f, DAY1 "T09:41:00");
	run(f);
	int64_t qb, qs;
	sim_orders(f, A, "buy", &qb);
	assert_int_equal(sim_orders(f, A, "sell", &qs), 1);
	assert_int_equal(qs, qb);
	assert_string_equal(last(f, A).reason, "take_profit");
	sim_orders(f, B, "buy", &qb);
	assert_int_equal(sim_orders(f, B, "sell", &qs), 1);
	assert_int_equal(qs, qb);
	assert_string_equal(last(f, B).reason, "stop_loss");
	/* Never the same lot twice, and no re-buy the same day. */
	at(f, DAY1 "T09:45:00");
	run(f);
	run(f);
	assert_int_equal(sim_orders(f, A, "sell", NULL), 1);
	assert_int_equal(sim_orders(f, A, "buy", NULL), 1);
	/* Realised P&L of the job's book: A won, B lost. */
	pnl_query pq = {d1, d1, NULL, STORE_SRC_AUTOTRADE, 150, 2000};
	pnl_report r;
	assert_int_equal(pnl_realized(f->x.db, &pq, &r), 0);
	assert_int_equal(r.n, 2);
	for (size_t i = 0; i < r.n; i++)
		assert_true(strcmp(r.lines[i].code, A) ? r.lines[i].pnl < 0 : r.lines[i].pnl > 0);
	assert_int_equal(r.total.pnl, r.lines[0].pnl + r.lines[1].pnl);
	assert_true(r.total.tax_estimate > 0);
	pnl_report_free(&r);
}

/* Held 5 KRX business days: sold on the fifth at the exit time, not before
 * (the holiday Fri 10-09 does not count; calendar days would sell on 10-13). */
static void test_aged_exit_skips_holiday(void **state)
{
	fx *f = *state;
	job_new(f);
	int d1 = 20261006;
	int64_t ra = prev_close(f, A, d1, NULL);
	targets(f, A, ra, NULL, 0);
	/* Flat at the buy price all week: neither take profit nor stop loss. */
	int64_t px = ra * 101 / 100;
	const char *w[] = {DAY1 "T09:00:00",      "2026-10-07T09:00:00", "2026-10-08T09:00:00",
	                   "2026-10-12T09:00:00", "2026-10-13T09:00:00", "2026-10-14T09:00:00"};
	int64_t p[] = {px, px, px, px, px, px};
	path(f, A, w, p, 6);
	at(f, DAY1 "T09:01:00");
	run(f);
	assert_int_equal(sim_orders(f, A, "buy", NULL), 1);
	const char *days[] = {"2026-10-07", "2026-10-08", "2026-10-12", "2026-10-13"};
	for (int i = 0; i < 4; i++) {
		char t[40];
		snprintf(t, sizeof(t), "%sT15:16:00", days[i]);
		at(f, t);
		at_pass_report rep = run(f);
		assert_string_equal(rep.phase, "exit");
		assert_int_equal(sim_orders(f, A, "sell", NULL), 0);
		/* held: no second buy on a later day either (the plan says held) */
		assert_int_equal(sim_orders(f, A, "buy", NULL), 1);
	}
	at(f, "2026-10-09T10:00:00"); /* the holiday: nothing at all */
	at_pass_report rep = run(f);
	assert_string_equal(rep.phase, "closed");
	assert_int_equal(rep.kis_calls, 0);
	at(f, "2026-10-14T15:14:00");
	run(f);
	assert_int_equal(sim_orders(f, A, "sell", NULL), 0);
	at(f, "2026-10-14T15:16:00");
	run(f);
	int64_t qb, qs;
	sim_orders(f, A, "buy", &qb);
	assert_int_equal(sim_orders(f, A, "sell", &qs), 1);
	assert_int_equal(qs, qb);
	assert_string_equal(last(f, A).reason, "aged");
	at(f, "2026-10-14T15:18:00");
	run(f);
	run(f);
	assert_int_equal(sim_orders(f, A, "sell", NULL), 1); /* once */
}

/* Dry-run decides and records, sends nothing, and does not repeat itself. */
static void test_dry_run(void **state)
{
	fx *f = *state;
	f->env.mode = AT_DRY_RUN;
	job_new(f);
	int64_t ra = prev_close(f, A, 20261006, NULL);
	targets(f, A, ra, NULL, 0);
	const char *w[] = {DAY1 "T09:00:00"};
	int64_t p[] = {ra * 102 / 100};
	path(f, A, w, p, 1);
	at(f, DAY1 "T09:05:00");
	at_pass_report rep = run(f);
	assert_int_equal(rep.orders, 0);
	store_at_decision d = last(f, A);
	assert_string_equal(d.action, "buy");
	assert_int_equal(d.dry_run, 1);
	assert_true(d.qty > 0);
	assert_string_equal(d.client_order_id, "at-20261006-005930-buy-1");
	run(f);
	run(f);
	assert_int_equal(sim_orders(f, A, "buy", NULL), 0);
	store_at_decision_filter df = {.ymd = 20261006, .action = "buy", .limit = 100};
	store_at_decision *dl;
	size_t n;
	int more;
	assert_int_equal(store_at_decisions_list(f->x.db, &df, &dl, &n, &more), 0);
	assert_int_equal(n, 1);
	free(dl);
	long long orders = h_sim_counter(f->sim.port, "orders_received");
	assert_int_equal(orders, 0);
}

/* Breakout: buy above open + k x yesterday's range, out at the exit time. */
static void test_breakout(void **state)
{
	fx *f = *state;
	f->env.entry = AT_ENTRY_BREAKOUT;
	job_new(f);
	int d1 = 20261006;
	int64_t range = 0, ra = prev_close(f, A, d1, &range);
	assert_true(range > 0);
	targets(f, A, 0, NULL, 0);
	int64_t open = ra;
	const char *w[] = {DAY1 "T09:00:00", DAY1 "T09:10:00", DAY1 "T09:20:00"};
	int64_t p[] = {open, open + range * 3 / 10, open + range * 8 / 10 + krx_tick(open) * 2};
	path(f, A, w, p, 3);
	at(f, DAY1 "T09:11:00");
	run(f);
	assert_string_equal(last(f, A).reason, "below_trigger");
	assert_int_equal(sim_orders(f, A, "buy", NULL), 0);
	at(f, DAY1 "T09:21:00");
	run(f);
	assert_string_equal(last(f, A).reason, "breakout");
	assert_int_equal(sim_orders(f, A, "buy", NULL), 1);
	at(f, DAY1 "T15:16:00");
	run(f);
	assert_int_equal(sim_orders(f, A, "sell", NULL), 1);
	assert_string_equal(last(f, A).reason, "exit_time");
}

/* A buy whose reply was lost is unknown: it blocks a second buy until the
 * reconciler settles it. */
static void test_unknown_blocks(void **state)
{
	fx *f = *state;
	job_new(f);
	int64_t ra = prev_close(f, A, 20261006, NULL);
	targets(f, A, ra, NULL, 0);
	const char *w[] = {DAY1 "T09:00:00"};
	int64_t p[] = {ra * 102 / 100};
	path(f, A, w, p, 1);
	at(f, DAY1 "T09:05:00");
	sim_post(f, "/__sim/fault",
	         "{\"match\":\"order-cash\",\"kind\":\"drop_after_order\",\"count\":1}");
	run(f);
	assert_string_equal(last(f, A).action, "buy");
	at_status st;
	assert_int_equal(at_job_status(f->job, &st), 0);
	assert_string_equal(st.targets[0].status, "buy_unknown");
	at_status_free(&st);
	/* The next pass reconciles first: the order is found, filled, not re-sent. */
	run(f);
	run(f);
	assert_int_equal(sim_orders(f, A, "buy", NULL), 1);
	assert_int_equal(at_job_status(f->job, &st), 0);
	assert_string_equal(st.targets[0].status, "bought");
	at_status_free(&st);
}

/* run while off is a conflict; settings and pause persist across restarts. */
static void test_off_settings_pause(void **state)
{
	fx *f = *state;
	f->env.mode = AT_OFF;
	job_new(f);
	at_pass_report rep;
	at_outcome out;
	assert_int_equal(at_job_run(f->job, &rep, &out), AT_CONFLICT);
	const char *k[] = {"take_profit_pct", "mode"};
	const char *v[] = {"4.5", "dry-run"};
	assert_int_equal(at_job_settings_set(f->job, k, v, 2, &out), AT_OK);
	const char *bk[] = {"band_high_pct"};
	const char *bv[] = {"-1"}; /* below band_low_pct: refused, nothing changes */
	assert_int_equal(at_job_settings_set(f->job, bk, bv, 1, &out), AT_INVALID);
	assert_string_equal(out.field, "band_high_pct");
	assert_int_equal(at_job_pause(f->job, 1, &out), AT_OK);
	at_job_free(f->job);
	job_new(f);
	at_settings s;
	at_src src[AT_NSETTINGS];
	at_job_settings(f->job, &s, src);
	assert_true(s.take_profit_pct == 4.5);
	assert_int_equal(s.mode, AT_DRY_RUN);
	assert_int_equal(src[at_setting_find("mode") - at_setting_defs], AT_SRC_API);
	assert_int_equal(src[at_setting_find("stop_loss_pct") - at_setting_defs], AT_SRC_DEFAULT);
	assert_true(s.band_high_pct == 5);
	at_status st;
	assert_int_equal(at_job_status(f->job, &st), 0);
	assert_int_equal(st.paused, 1);
	assert_string_equal(st.state, "paused");
	at_status_free(&st);
	assert_int_equal(at_job_settings_reset(f->job, &out), AT_OK);
	at_job_settings(f->job, &s, src);
	assert_int_equal(s.mode, AT_OFF);
	assert_true(s.take_profit_pct == 5);
	/* Targets: bad entries are named, nothing is written. */
	store_at_target t[3];
	memset(t, 0, sizeof(t));
	strcpy(t[0].code, A);
	strcpy(t[1].code, B);
	strcpy(t[2].code, A);
	assert_int_equal(at_job_targets_put(f->job, t, 3, &out), AT_INVALID);
	assert_string_equal(out.field, "targets[2].code");
	strcpy(t[2].code, "12345");
	assert_int_equal(at_job_targets_put(f->job, t, 3, &out), AT_INVALID);
	assert_string_equal(out.field, "targets[2].code");
	strcpy(t[2].code, "035720");
	t[1].ref_price = -5;
	assert_int_equal(at_job_targets_put(f->job, t, 3, &out), AT_INVALID);
	assert_string_equal(out.field, "targets[1].ref_price");
	store_at_target *got;
	size_t n;
	assert_int_equal(store_at_targets_get(f->x.db, &got, &n), 0);
	assert_int_equal(n, 0);
	free(got);
	t[1].ref_price = 0;
	assert_int_equal(at_job_targets_put(f->job, t, 3, &out), AT_OK);
	assert_int_equal(at_job_targets_delete(f->job, B, &out), AT_OK);
	assert_int_equal(at_job_targets_delete(f->job, B, &out), AT_NOT_FOUND);
	assert_int_equal(store_at_targets_get(f->x.db, &got, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(got[1].code, "035720");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_band_session_quantities, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_take_profit_stop_loss, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_aged_exit_skips_holiday, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_breakout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_blocks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_off_settings_pause, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
