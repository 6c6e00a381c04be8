/* trader_reconcile.c — the reconciler: reads inquire-daily-ccld (every
 * page) and brings the ledger in line with KIS: fills (from cumulative
 * quantities, never counted twice), statuses, unknown orders matched by
 * (code, side, qty, time window), external orders imported. Also the
 * backfill on first start and the holiday refresh. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "klog.h"
#include "krx.h"
#include "metrics.h"
#include "trader_internal.h"

#define SESSION_START_HHMMSS 83000  /* first pass of the day (pre-market orders) */
#define AFTER_CLOSE_HHMMSS   153500 /* the after-close pass */
#define IDLE_INTERVAL_S      300    /* between passes outside the session */

/* Epoch ms of a KIS row's order time. */
static int64_t row_ms(const kis_ccld_row *r)
{
	int64_t ms = kst_epoch_ms(r->ord_date, r->ord_time);
	return ms < 0 ? 0 : ms;
}

static store_side row_side(const kis_ccld_row *r)
{
	return r->side == KIS_SIDE_SELL ? STORE_SELL : STORE_BUY;
}

/* The ledger status a KIS row implies. A final local status is kept; a day
 * order still open after its day has expired (KRX day orders do). */
static store_status row_status(const kis_ccld_row *r, store_status cur, int today)
{
	if (store_status_final(cur) && cur != ST_NOT_SENT && cur != ST_NOT_FOUND)
		return cur;
	if (r->ord_qty > 0 && r->filled_qty >= r->ord_qty)
		return ST_FILLED;
	if (r->rejected_qty > 0 && r->rejected_qty >= r->ord_qty && r->filled_qty == 0)
		return ST_REJECTED;
	if (r->remaining_qty <= 0 || r->ord_date < today)
		return ST_CANCELED;
	if (cur == ST_CANCEL_REQUESTED)
		return ST_CANCEL_REQUESTED;
	return r->filled_qty > 0 ? ST_PARTIALLY_FILLED : ST_SUBMITTED;
}

typedef struct pass_ctx {
	trader *t;
	int today;
	int64_t now;
	trader_stats add;
} pass_ctx;

/* Applies one KIS row to local order o. */
static int row_apply(pass_ctx *c, const store_order *o, const kis_ccld_row *r)
{
	int64_t amount = r->filled_amount;
	if (amount <= 0 && r->filled_qty > 0 && r->avg_fill_price > 0)
		amount = (int64_t)(r->avg_fill_price * (double)r->filled_qty + 0.5);
	store_progress p = {
	    .status = row_status(r, o->status, c->today),
	    .filled_qty = r->filled_qty,
	    .filled_amount = amount,
	    .canceled_qty = r->canceled_qty,
	    .odno = r->odno,
	    .orgno = r->orgno,
	    .ord_date = r->ord_date,
	    .ord_time = r->ord_time,
	    .name = r->name,
	    .trade_date = r->ord_date,
	    /* Today's fills are stamped when seen; older ones at that day's close. */
	    .fill_ms =
	        r->ord_date == c->today ? c->now : kst_epoch_ms(r->ord_date, KRX_CLOSE_HHMMSS),
	    .now_ms = c->now,
	};
	int64_t added = store_order_progress(c->t->db, o->id, &p);
	if (added < 0)
		return -1;
	if (added > 0)
		c->add.fills_added++;
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const kis_ccld_row *x = a, *y = b;
	if (x->ord_date != y->ord_date)
		return x->ord_date < y->ord_date ? -1 : 1;
	if (x->ord_time != y->ord_time)
		return x->ord_time < y->ord_time ? -1 : 1;
	return strcmp(x->odno, y->odno);
}

static int64_t absdiff(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

static int same_shape(const store_order *o, const kis_ccld_row *r)
{
	return !strcmp(o->code, r->code) && o->side == row_side(r) && o->qty == r->ord_qty;
}

/* Imports a KIS order kisgw did not place (HTS, phone, another app). */
static int import_external(pass_ctx *c, const kis_ccld_row *r)
{
	store_order o;
	memset(&o, 0, sizeof(o));
	snprintf(o.code, sizeof(o.code), "%s", r->code);
	snprintf(o.name, sizeof(o.name), "%s", r->name);
	o.side = row_side(r);
	o.type = r->market ? STORE_MARKET : STORE_LIMIT;
	o.qty = r->ord_qty;
	o.price = r->market ? 0 : r->ord_price;
	o.status = ST_SUBMITTED;
	o.source = STORE_SRC_EXTERNAL;
	snprintf(o.broker_order_no, sizeof(o.broker_order_no), "%s", r->odno);
	snprintf(o.broker_orgno, sizeof(o.broker_orgno), "%s", r->orgno);
	o.ord_date = r->ord_date;
	o.ord_time = r->ord_time;
	o.created_ms = o.sent_ms = row_ms(r);
	o.updated_ms = c->now;
	if (store_order_insert(c->t->db, &o, NULL) != 0)
		return -1;
	c->add.imported++;
	return row_apply(c, &o, r);
}

/* Unknown orders may be settled as not_found once the trading day they were
 * sent on is over (plus the window) and KIS still shows no matching order. */
static int unknown_expired(const pass_ctx *c, const store_order *o, int window_s)
{
	int d = kst_date(o->sent_ms);
	int64_t close = kst_epoch_ms(d, KRX_CLOSE_HHMMSS);
	int64_t limit = close > o->sent_ms ? close : o->sent_ms;
	return c->now >= limit + (int64_t)window_s * 1000;
}

/* 1 when KIS handed (date, odno) to a new order while the ledger already
 * held it (trader_order_place saw it). */
static int mismatch_placed(trader *t, int ord_date, const char *odno)
{
	int found = 0;
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->nmism && !found; i++)
		found = t->mism[i].other_id && t->mism[i].ord_date == ord_date &&
		        !strcmp(t->mism[i].odno, odno);
	pthread_mutex_unlock(&t->mu);
	return found;
}

static int pass_rows(pass_ctx *c, kis_ccld_list *l, int from_ymd)
{
	trader *t = c->t;
	int64_t window_ms = (int64_t)t->cfg.unknown_window_s * 1000;
	if (l->n > 1)
		qsort(l->rows, l->n, sizeof(l->rows[0]), row_cmp);
	char *unmatched = calloc(l->n ? l->n : 1, 1);
	store_order *unk = NULL, *pend = NULL;
	size_t nunk = 0, npend = 0;
	int rc = -1;
	if (!unmatched)
		return -1;
	if (store_orders_by_status(t->db, 1u << ST_UNKNOWN, &unk, &nunk) ||
	    store_orders_by_status(t->db, 1u << ST_PENDING, &pend, &npend))
		goto out;
	char *used = calloc(nunk ? nunk : 1, 1);
	if (!used)
		goto out;
	int64_t *legged = calloc(l->n ? l->n : 1, sizeof(*legged));
	size_t nlegged = 0;
	int any_legs = store_legs_any(t->db);
	if (!legged)
		goto out_used;
	if (any_legs < 0)
		goto out_legged;
	/* 1. Rows whose order the ledger knows by its ODNO, or (amendments and
	 * cancels) by the number they acted on; orders with legs wait for 1b. */
	for (size_t i = 0; i < l->n; i++) {
		const kis_ccld_row *r = &l->rows[i];
		if (!r->odno[0])
			continue;
		int64_t oid = 0;
		/* Without any leg yet only an amend / cancel row can start one. */
		int cl = any_legs || r->orgn_odno[0] ? trader_legs_claim(t, r, c->now, &oid) : 0;
		if (cl < 0)
			goto out_legged;
		if (cl == 1) {
			size_t k = 0;
			while (k < nlegged && legged[k] != oid)
				k++;
			if (k == nlegged)
				legged[nlegged++] = oid;
			continue;
		}
		if (r->cancel_row)
			continue; /* the cancel itself; its effect shows on the original */
		store_order o;
		int g = store_order_get_by_broker(t->db, r->ord_date, r->odno, &o);
		if (g == 1)
			g = store_order_find_broker(t->db, r->odno, r->code, row_side(r),
			                            r->ord_qty, ymd_add_days(r->ord_date, -1),
			                            ymd_add_days(r->ord_date, 1), &o);
		if (g < 0)
			goto out_legged;
		if (g == 0 && mismatch_placed(t, r->ord_date, r->odno))
			continue; /* two orders of ours share it: neither gets the row */
		if (g == 0 && !same_shape(&o, r)) {
			/* The number is another order's: never apply across it. */
			trader_mismatch m = {.ord_date = r->ord_date,
			                     .order_id = o.id,
			                     .kis_side = row_side(r),
			                     .led_side = o.side,
			                     .kis_qty = r->ord_qty,
			                     .led_qty = o.qty,
			                     .seen_ms = c->now};
			snprintf(m.odno, sizeof(m.odno), "%s", r->odno);
			snprintf(m.kis_code, sizeof(m.kis_code), "%s", r->code);
			snprintf(m.led_code, sizeof(m.led_code), "%s", o.code);
			trader_mismatch_note(t, &m);
		} else if (g == 0) {
			if (row_apply(c, &o, r))
				goto out_legged;
		} else {
			unmatched[i] = 1;
		}
	}
	/* 1b. Orders with legs, from all their rows at once. */
	for (size_t k = 0; k < nlegged; k++)
		if (trader_legs_apply(t, legged[k], l, c->today, c->now, &c->add.fills_added))
			goto out_legged;
	if (any_legs && trader_legs_expire(t, c->now, t->cfg.unknown_window_s))
		goto out_legged;
	/* 2. The rest, oldest first: an unknown order of the same shape sent
	 * within the window (one to one, oldest first), else — unless an order
	 * of that shape is in flight right now — an external order. */
	for (size_t i = 0; i < l->n; i++) {
		if (!unmatched[i])
			continue;
		const kis_ccld_row *r = &l->rows[i];
		int64_t ms = row_ms(r);
		size_t best = (size_t)-1;
		for (size_t k = 0; k < nunk; k++) {
			if (!used[k] && same_shape(&unk[k], r) &&
			    absdiff(unk[k].sent_ms, ms) <= window_ms) {
				best = k;
				break; /* unk is oldest first */
			}
		}
		if (best != (size_t)-1) {
			used[best] = 1;
			if (row_apply(c, &unk[best], r))
				goto out_legged;
			c->add.unknown_resolved++;
			continue;
		}
		int inflight = 0;
		for (size_t k = 0; k < npend && !inflight; k++)
			inflight =
			    same_shape(&pend[k], r) && absdiff(pend[k].sent_ms, ms) <= window_ms;
		if (inflight)
			continue;
		if (import_external(c, r))
			goto out_legged;
	}
	/* 3. Unknown orders nothing matched, once their day is over. */
	for (size_t k = 0; k < nunk; k++) {
		if (used[k] || kst_date(unk[k].sent_ms) < from_ymd ||
		    !unknown_expired(c, &unk[k], t->cfg.unknown_window_s))
			continue;
		int m = store_order_set_status(t->db, unk[k].id, 1u << ST_UNKNOWN, ST_NOT_FOUND,
		                               c->now);
		if (m < 0)
			goto out_legged;
		if (m == 0)
			c->add.not_found++;
	}
	rc = 0;
out_legged:
	free(legged);
out_used:
	free(used);
out:
	free(unmatched);
	free(unk);
	free(pend);
	return rc;
}

/* The reconciler's metric families, named once. */
static km_family *m_runs(void)
{
	return km_counter("kisgw_reconciler_runs_total",
	                  "Reconciler passes over the day's KIS orders, by outcome (ok, failed).",
	                  "outcome");
}

static km_family *m_fills(void)
{
	return km_counter("kisgw_reconciler_fills_total",
	                  "Fills the reconciler added to the ledger.", NULL);
}

static km_family *m_resolved(void)
{
	return km_counter("kisgw_reconciler_orders_resolved_total",
	                  "Orders of unknown outcome the reconciler settled, by result.", "result");
}

void trader_metrics_init(void)
{
	m_runs();
	m_fills();
	m_resolved();
}

static void stats_add(trader *t, const trader_stats *a, int ok)
{
	pthread_mutex_lock(&t->mu);
	t->stats.passes++;
	if (!ok)
		t->stats.pass_failures++;
	t->stats.fills_added += a->fills_added;
	t->stats.imported += a->imported;
	t->stats.unknown_resolved += a->unknown_resolved;
	t->stats.not_found += a->not_found;
	if (ok)
		t->stats.last_pass_ms = trader_now(t);
	pthread_mutex_unlock(&t->mu);
	km_inc(m_runs(), 1, ok ? "ok" : "failed");
	km_inc(m_fills(), (uint64_t)a->fills_added);
	km_inc(m_resolved(), (uint64_t)a->unknown_resolved, "found");
	km_inc(m_resolved(), (uint64_t)a->not_found, "not_found");
}

/* First day the recent inquire-daily-ccld TR covers: KIS splits history at
 * three months, month-granular (mirrors kis/, which picks one TR per call
 * from the start date, so a range across the split is read in two calls). */
static int ccld_recent_start(int today)
{
	int y = today / 10000, m = today / 100 % 100 - 3;
	if (m <= 0) {
		m += 12;
		y--;
	}
	return y * 10000 + m * 100 + 1;
}

/* Reads q's range from KIS, in two parts when it crosses the split. */
static int ccld_read(trader *t, const kis_ccld_query *q, int today, kis_ccld_list *out,
                     kis_error *err)
{
	int split = ccld_recent_start(today);
	if (q->from_ymd >= split || q->to_ymd < split)
		return kis_daily_ccld_get(t->kis, q, out, err);
	kis_ccld_query old = *q, recent = *q;
	old.to_ymd = ymd_add_days(split, -1);
	recent.from_ymd = split;
	kis_ccld_list a, b;
	if (kis_daily_ccld_get(t->kis, &old, &a, err) != KIS_OK)
		return -1;
	if (kis_daily_ccld_get(t->kis, &recent, &b, err) != KIS_OK) {
		kis_ccld_list_free(&a);
		return -1;
	}
	kis_ccld_row *rows = realloc(a.rows, (a.n + b.n ? a.n + b.n : 1) * sizeof(*rows));
	if (!rows) {
		kis_ccld_list_free(&a);
		kis_ccld_list_free(&b);
		err->status = KIS_E_INTERNAL;
		return -1;
	}
	if (b.n)
		memcpy(rows + a.n, b.rows, b.n * sizeof(*rows));
	out->rows = rows;
	out->n = a.n + b.n;
	out->pages = a.pages + b.pages;
	kis_ccld_list_free(&b);
	return KIS_OK;
}

static int range_locked(trader *t, const kis_ccld_query *q, int from_ymd, kis_error *err)
{
	kis_ccld_list l;
	memset(&l, 0, sizeof(l));
	kis_error e;
	if (!err)
		err = &e;
	memset(err, 0, sizeof(*err));
	pass_ctx c = {.t = t, .now = trader_now(t)};
	c.today = kst_date(c.now);
	if (ccld_read(t, q, c.today, &l, err) != KIS_OK) {
		stats_add(t, &c.add, 0);
		return -1;
	}
	int rc = pass_rows(&c, &l, from_ymd);
	kis_ccld_list_free(&l);
	stats_add(t, &c.add, rc == 0);
	return rc;
}

int trader_reconcile_range(trader *t, int from_ymd, int to_ymd, kis_error *err)
{
	if (!ymd_valid(from_ymd) || !ymd_valid(to_ymd) || from_ymd > to_ymd)
		return -1;
	kis_ccld_query q = {.from_ymd = from_ymd, .to_ymd = to_ymd, .side = KIS_SIDE_ANY};
	pthread_mutex_lock(&t->recon_mu);
	int rc = range_locked(t, &q, from_ymd, err);
	pthread_mutex_unlock(&t->recon_mu);
	return rc;
}

int trader_refresh_order(trader *t, const store_order *o, kis_error *err)
{
	int d = o->ord_date ? o->ord_date : kst_date(o->sent_ms);
	kis_ccld_query q = {.from_ymd = ymd_add_days(d, -1),
	                    .to_ymd = ymd_add_days(d, 1),
	                    .side = KIS_SIDE_ANY,
	                    .code = o->code,
	                    .odno = o->broker_order_no[0] ? o->broker_order_no : NULL};
	store_leg *legs = NULL;
	size_t nlegs = 0;
	if (store_legs_list(t->db, o->id, &legs, &nlegs) == 0 && nlegs > 0)
		q.odno = NULL; /* the amendments' and cancels' rows have their own numbers */
	free(legs);
	int today = trader_today(t);
	if (q.to_ymd > today)
		q.to_ymd = today;
	if (q.from_ymd > q.to_ymd)
		q.from_ymd = q.to_ymd;
	pthread_mutex_lock(&t->recon_mu);
	int rc = range_locked(t, &q, q.from_ymd, err);
	pthread_mutex_unlock(&t->recon_mu);
	return rc;
}

int trader_backfill(trader *t, int days, kis_error *err)
{
	if (days <= 0)
		days = t->cfg.backfill_days;
	if (days > 3660)
		days = 3660;
	int today = trader_today(t);
	int rc = trader_reconcile_range(t, ymd_add_days(today, -days), today, err);
	if (rc == 0) {
		char v[16];
		snprintf(v, sizeof(v), "%d", today);
		store_meta_set(t->db, "backfill_ymd", v);
	}
	return rc;
}

int trader_holidays_refresh(trader *t, kis_error *err)
{
	kis_days d;
	memset(&d, 0, sizeof(d));
	kis_error e;
	if (!err)
		err = &e;
	if (kis_holidays_get(t->kis, trader_today(t), &d, err) != KIS_OK)
		return err->status == KIS_E_UNSUPPORTED ? 1 : -1;
	int rc = 0;
	for (size_t i = 0; i < d.n && rc == 0; i++) {
		int db_open = store_is_trading_day(t->db, d.days[i].ymd);
		/* Record only what differs from what the table already says. */
		if (db_open != d.days[i].open)
			rc = store_holiday_put(t->db, d.days[i].ymd, d.days[i].open,
			                       d.days[i].open ? NULL
			                                      : "KRX closure (KIS chk-holiday)");
	}
	kis_days_free(&d);
	return rc;
}

void trader_mismatch_note(trader *t, const trader_mismatch *m)
{
	trader_mismatch_record(t, m, 1);
}

void trader_mismatch_record(trader *t, const trader_mismatch *m, int log)
{
	pthread_mutex_lock(&t->mu);
	size_t i = 0;
	while (i < t->nmism &&
	       (t->mism[i].ord_date != m->ord_date || strcmp(t->mism[i].odno, m->odno)))
		i++;
	int fresh = i == t->nmism;
	if (fresh) {
		t->stats.mismatches++;
		if (t->nmism < TRADER_MISMATCH_MAX)
			t->nmism++;
		i = t->nmism - 1; /* the oldest goes when full */
	}
	trader_mismatch keep = *m;
	if (!fresh && !keep.other_id)
		keep.other_id = t->mism[i].other_id;
	memmove(&t->mism[1], &t->mism[0], i * sizeof(t->mism[0]));
	t->mism[0] = keep;
	pthread_mutex_unlock(&t->mu);
	if (fresh && log)
		klogf(KLOG_ERROR, "trader",
		      "KIS order number %s of %d is held by ledger order %lld (%s %s %lld) but KIS "
		      "has %s %s %lld under it: not applied, shown on /healthz",
		      m->odno, m->ord_date, (long long)m->order_id, store_side_name(m->led_side),
		      m->led_code, (long long)m->led_qty, store_side_name(m->kis_side), m->kis_code,
		      (long long)m->kis_qty);
}

size_t trader_mismatches_get(trader *t, trader_mismatch *out, size_t max)
{
	pthread_mutex_lock(&t->mu);
	size_t n = t->nmism < max ? t->nmism : max;
	memcpy(out, t->mism, n * sizeof(*out));
	pthread_mutex_unlock(&t->mu);
	return n;
}

void trader_stats_get(trader *t, trader_stats *out)
{
	pthread_mutex_lock(&t->mu);
	*out = t->stats;
	pthread_mutex_unlock(&t->mu);
}

/* The range an automatic pass reads: today, back to the oldest order that is
 * not final yet (bounded by the backfill horizon). */
static int auto_from(trader *t, int today)
{
	int from = today, floor = ymd_add_days(today, -t->cfg.backfill_days);
	store_order *v = NULL;
	size_t n = 0;
	unsigned open = (1u << ST_PENDING) | (1u << ST_SUBMITTED) | (1u << ST_PARTIALLY_FILLED) |
	                (1u << ST_CANCEL_REQUESTED) | (1u << ST_UNKNOWN);
	if (store_orders_by_status(t->db, open, &v, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			int d = v[i].ord_date ? v[i].ord_date : kst_date(v[i].sent_ms);
			if (d < from)
				from = d;
		}
	}
	free(v);
	return from < floor ? floor : from;
}

/* One automatic pass: backfill the first time, else the open range. */
static int pass_auto(trader *t)
{
	int today = trader_today(t);
	kis_error err;
	if (t->holidays_ymd != today) {
		int h = trader_holidays_refresh(t, &err);
		if (h >= 0)
			t->holidays_ymd = today;
	}
	if (!t->first_pass_done && t->cfg.run_backfill) {
		char v[16];
		if (store_meta_get(t->db, "backfill_ymd", v, sizeof(v)) == 1) {
			if (trader_backfill(t, 0, &err)) {
				klogf(KLOG_ERROR, "trader", "backfill failed: %s %s",
				      kis_status_name(err.status), err.msg1);
				return -1;
			}
			t->first_pass_done = 1;
			return 0;
		}
	}
	int rc = trader_reconcile_range(t, auto_from(t, today), today, &err);
	if (rc == 0)
		t->first_pass_done = 1;
	return rc;
}

/* Seconds until the next automatic pass is due. */
static int next_interval_s(trader *t)
{
	int64_t now = trader_now(t);
	int today = kst_date(now), hms = kst_hhmmss(now);
	store_order *v = NULL;
	size_t n = 0;
	int open = 0;
	if (store_orders_by_status(t->db, (1u << ST_UNKNOWN) | (1u << ST_CANCEL_REQUESTED), &v,
	                           &n) == 0)
		open = n > 0;
	free(v);
	int session = store_is_trading_day(t->db, today) == 1 && hms >= SESSION_START_HHMMSS &&
	              hms < AFTER_CLOSE_HHMMSS;
	if (open)
		return t->cfg.reconcile_interval_s;
	if (session)
		return __atomic_load_n(&t->rt_healthy, __ATOMIC_RELAXED)
		           ? t->cfg.reconcile_interval_s * RT_SLOW_FACTOR
		           : t->cfg.reconcile_interval_s;
	if (hms >= AFTER_CLOSE_HHMMSS && t->after_close_ymd != today) {
		t->after_close_ymd = today;
		return 0;
	}
	return IDLE_INTERVAL_S > t->cfg.reconcile_interval_s ? IDLE_INTERVAL_S
	                                                     : t->cfg.reconcile_interval_s;
}

void *trader_thread(void *arg)
{
	trader *t = arg;
	pthread_mutex_lock(&t->mu);
	struct timespec due;
	clock_gettime(CLOCK_MONOTONIC, &due);
	while (!t->stop) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		int is_due = now.tv_sec > due.tv_sec ||
		             (now.tv_sec == due.tv_sec && now.tv_nsec >= due.tv_nsec);
		if (!t->wake && !is_due) {
			int rc = pthread_cond_timedwait(&t->cv, &t->mu, &due);
			(void)rc;
			continue;
		}
		t->wake = 0;
		uint64_t gen = ++t->gen_started;
		pthread_mutex_unlock(&t->mu);
		int ok = pass_auto(t) == 0;
		int wait_s = next_interval_s(t);
		pthread_mutex_lock(&t->mu);
		t->gen_done = gen;
		t->last_pass_ok = ok;
		pthread_cond_broadcast(&t->cv);
		clock_gettime(CLOCK_MONOTONIC, &due);
		due.tv_sec += ok ? wait_s : (wait_s < 5 ? wait_s : 5);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int trader_reconcile_now(trader *t, int wait)
{
	pthread_mutex_lock(&t->mu);
	if (!t->running || t->stop) {
		pthread_mutex_unlock(&t->mu);
		if (!wait)
			return -1;
		/* No thread: run the pass here. */
		return pass_auto(t);
	}
	uint64_t target = t->gen_started + 1;
	t->wake = 1;
	pthread_cond_broadcast(&t->cv);
	int rc = 0;
	if (wait) {
		while (t->gen_done < target && !t->stop && t->running)
			pthread_cond_wait(&t->cv, &t->mu);
		rc = t->gen_done >= target && t->last_pass_ok ? 0 : -1;
	}
	pthread_mutex_unlock(&t->mu);
	return rc;
}
