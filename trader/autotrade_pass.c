/* autotrade_pass.c — one pass of the job: plan the day, sell what hit take
 * profit / stop loss / the exit rule, buy what is in the band, summarise
 * after the session. Every fact about orders is read from the journal at
 * the start of the pass (and extended with what this pass placed). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autotrade_internal.h"
#include "klog.h"
#include "pnl.h"

#define META_SUMMARY "autotrade.summary_ymd"
/* A leg (buy or sell of a target) is given up for the day after this many
 * attempts that KIS refused or that never left. */
#define AT_MAX_ATTEMPTS 3

typedef struct pass {
	at_job *j;
	const at_settings *s;
	at_pass_report *rep;
	int ymd, hhmm;
	int dry;
	store_order *ord; /* the job's orders today, oldest first */
	size_t nord, ord_cap;
	store_at_decision *dec; /* today's decisions, oldest first */
	size_t ndec, dec_cap;
} pass;

static void pass_error(pass *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pass_error(pass *p, const char *fmt, ...)
{
	if (!p->rep->ok)
		return; /* the first error names the pass */
	p->rep->ok = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->rep->error, sizeof(p->rep->error), fmt, ap);
	va_end(ap);
}

static int get_quote(pass *p, const char *code, kis_quote *q)
{
	kis_error e;
	memset(q, 0, sizeof(*q));
	int rc = p->j->cfg.quote ? p->j->cfg.quote(p->j->cfg.quote_ctx, code, q, &e)
	                         : kis_price_get(p->j->kis, code, q, &e);
	if (rc != KIS_OK) {
		pass_error(p, "quote of %s: %s %s", code, kis_status_name(e.status), e.msg1);
		return -1;
	}
	return 0;
}

static const store_at_decision *last_decision(const pass *p, const char *code)
{
	for (size_t i = p->ndec; i-- > 0;)
		if (!strcmp(p->dec[i].code, code))
			return &p->dec[i];
	return NULL;
}

static json_t *decision_json(const store_at_decision *d)
{
	return json_pack("{s:s,s:s,s:s,s:I,s:I,s:b}", "code", d->code, "action", d->action,
	                 "reason", d->reason, "price", (json_int_t)d->price, "qty",
	                 (json_int_t)d->qty, "dry_run", d->dry_run);
}

static json_t *order_json(const store_order *o)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:I,s:s}", "id", (json_int_t)o->id,
	                 "client_order_id", o->client_order_id, "code", o->code, "side",
	                 store_side_name(o->side), "qty", (json_int_t)o->qty, "status",
	                 store_status_name(o->status), "filled_qty", (json_int_t)o->filled_qty,
	                 "source", "autotrade");
}

/* Records a decision; a skip repeating the code's last reason is not stored
 * again (a target outside the band all day is one row, not thousands). */
static void decide(pass *p, const char *code, const char *action, const char *reason, int64_t price,
                   int64_t qty, int64_t ref, int64_t order_id, const char *key, const char *detail)
{
	const store_at_decision *last = last_decision(p, code);
	if (!strcmp(action, "skip") && last && !strcmp(last->action, "skip") &&
	    !strcmp(last->reason, reason))
		return;
	store_at_decision d;
	memset(&d, 0, sizeof(d));
	d.at_ms = kclock_now_ms(p->j->clock);
	d.ymd = p->ymd;
	snprintf(d.code, sizeof(d.code), "%s", code);
	snprintf(d.action, sizeof(d.action), "%s", action);
	snprintf(d.reason, sizeof(d.reason), "%s", reason);
	d.price = price;
	d.qty = qty;
	d.ref_price = ref;
	d.order_id = order_id;
	snprintf(d.client_order_id, sizeof(d.client_order_id), "%s", key ? key : "");
	d.dry_run = p->dry;
	snprintf(d.detail, sizeof(d.detail), "%s", detail ? detail : "");
	if (store_at_decision_add(p->j->db, &d)) {
		pass_error(p, "cannot record a decision about %s", code);
		return;
	}
	p->rep->decisions++;
	if (p->ndec == p->dec_cap) {
		size_t nc = p->dec_cap ? p->dec_cap * 2 : 32;
		store_at_decision *n = realloc(p->dec, nc * sizeof(*n));
		if (!n)
			return;
		p->dec = n;
		p->dec_cap = nc;
	}
	p->dec[p->ndec++] = d;
	if (p->dry && strcmp(action, "skip") && p->j->cfg.notify) {
		char text[300];
		snprintf(text, sizeof(text), "[dry-run] would %s %lld x %s at ~%lld KRW (%s)",
		         action, (long long)qty, code, (long long)price, reason);
		json_t *dj = decision_json(&d);
		notify_post(p->j->cfg.notify, "decision", text, NULL, dj);
		json_decref(dj);
	}
}

typedef struct leg {
	int attempts; /* orders of the day for the code and side */
	int failed;   /* of those: refused, never sent, not found, canceled unfilled */
	int open;     /* one is pending, submitted, partially filled or unknown */
	int done;     /* one got fills (or, for buys, was taken by KIS) */
	int unknown;
} leg;

static leg leg_of(const pass *p, const char *code, store_side side)
{
	leg l = {0};
	for (size_t i = 0; i < p->nord; i++) {
		const store_order *o = &p->ord[i];
		if (o->side != side || strcmp(o->code, code))
			continue;
		l.attempts++;
		if (o->status == ST_UNKNOWN)
			l.unknown = 1;
		if (!store_status_final(o->status))
			l.open = 1;
		else if (o->filled_qty > 0)
			l.done = 1;
		else
			l.failed++;
	}
	for (size_t i = 0; i < p->ndec; i++) /* dry-run: the decision stands for the order */
		if (p->dec[i].dry_run && !strcmp(p->dec[i].code, code) &&
		    !strcmp(p->dec[i].action, side == STORE_BUY ? "buy" : "sell"))
			l.done = 1;
	return l;
}

static void notify_order(pass *p, const char *event, const store_order *o)
{
	if (!p->j->cfg.notify)
		return;
	char text[300];
	snprintf(text, sizeof(text), "autotrade %s %s %lld x %s: %s%s%s (order %lld)",
	         store_side_name(o->side), event, (long long)o->qty, o->code,
	         store_status_name(o->status), o->reject_message[0] ? " - " : "", o->reject_message,
	         (long long)o->id);
	json_t *oj = order_json(o);
	char ev[32];
	snprintf(ev, sizeof(ev), "order_%s", event);
	notify_post(p->j->cfg.notify, ev, text, oj, NULL);
	json_decref(oj);
}

static at_seen *seen_find(at_job *j, int64_t id)
{
	for (size_t i = 0; i < j->nseen; i++)
		if (j->seen[i].id == id)
			return &j->seen[i];
	return NULL;
}

static void seen_put(at_job *j, int64_t id, int status)
{
	at_seen *s = seen_find(j, id);
	if (s) {
		s->status = status;
		return;
	}
	if (j->nseen == j->seen_cap) {
		size_t nc = j->seen_cap ? j->seen_cap * 2 : 32;
		at_seen *n = realloc(j->seen, nc * sizeof(*n));
		if (!n)
			return;
		j->seen = n;
		j->seen_cap = nc;
	}
	j->seen[j->nseen++] = (at_seen){id, status};
}

/* One message per order event: what changed since the last pass. After a
 * start the current statuses are taken as known (no replay of old news). */
static void order_events(pass *p)
{
	at_job *j = p->j;
	if (j->seen_ymd != p->ymd) {
		j->nseen = 0;
		j->seen_ymd = p->ymd;
	}
	for (size_t i = 0; i < p->nord; i++) {
		const store_order *o = &p->ord[i];
		at_seen *s = seen_find(j, o->id);
		if (j->seen_primed && s && s->status != (int)o->status) {
			if (o->status == ST_FILLED)
				notify_order(p, "filled", o);
			else if (o->status == ST_REJECTED || o->status == ST_NOT_FOUND)
				notify_order(p, "rejected", o);
		}
		seen_put(j, o->id, o->status);
	}
	j->seen_primed = 1;
}

static void order_append(pass *p, const store_order *o)
{
	if (p->nord == p->ord_cap) {
		size_t nc = p->ord_cap ? p->ord_cap * 2 : 32;
		store_order *n = realloc(p->ord, nc * sizeof(*n));
		if (!n)
			return;
		p->ord = n;
		p->ord_cap = nc;
	}
	p->ord[p->nord++] = *o;
	seen_put(p->j, o->id, o->status);
}

/* Sends (or, in dry-run, records) one market order of the job. */
static void place(pass *p, const char *code, store_side side, int64_t qty, const char *reason,
                  int64_t price, int64_t ref, const char *detail)
{
	const char *sidename = store_side_name(side);
	leg l = leg_of(p, code, side);
	char key[65];
	at_order_key(p->ymd, code, sidename, l.attempts + 1, key, sizeof(key));
	if (p->dry) {
		decide(p, code, sidename, reason, price, qty, ref, 0, key, detail);
		return;
	}
	trader_order_req req;
	memset(&req, 0, sizeof(req));
	snprintf(req.code, sizeof(req.code), "%s", code);
	req.side = side;
	req.type = STORE_MARKET;
	req.qty = qty;
	snprintf(req.key, sizeof(req.key), "%s", key);
	req.source = STORE_SRC_AUTOTRADE;
	trader_outcome out;
	trader_result r = trader_order_place(p->j->t, &req, &out);
	char why[600];
	snprintf(why, sizeof(why), "%s%s%s", detail ? detail : "", detail && *detail ? "; " : "",
	         r == TRADER_CREATED || r == TRADER_REPLAYED
	             ? ""
	             : (out.kis.msg1[0] ? out.kis.msg1 : out.message));
	if (out.have_order) {
		order_append(p, &out.order);
		p->rep->orders += r != TRADER_REPLAYED;
		decide(p, code, sidename, reason, price, qty, ref, out.order.id, key, why);
		notify_order(p,
		             r == TRADER_CREATED    ? "placed"
		             : r == TRADER_REJECTED ? "rejected"
		             : r == TRADER_UNKNOWN  ? "unknown"
		             : r == TRADER_REPLAYED ? "replayed"
		                                    : "not_sent",
		             &out.order);
		if (r == TRADER_NOT_SENT || r == TRADER_INTERNAL)
			pass_error(p, "%s order for %s not sent: %s", sidename, code, why);
	} else {
		/* Refused before the journal (a check, or the price read for the cap). */
		decide(p, code, "skip", "order_refused", price, qty, ref, 0, key, why);
		pass_error(p, "%s order for %s refused: %s", sidename, code, why);
	}
}

/* The day plan: reference price, yesterday's range and budget per target,
 * written once per day (rows already there are kept). */
static int plan(pass *p, const store_at_target *t, size_t nt, store_at_day **day, size_t *nday)
{
	at_job *j = p->j;
	if (store_at_day_get(j->db, p->ymd, day, nday)) {
		pass_error(p, "cannot read the day plan");
		return -1;
	}
	size_t missing = 0;
	for (size_t i = 0; i < nt; i++) {
		int found = 0;
		for (size_t k = 0; k < *nday && !found; k++)
			found = !strcmp((*day)[k].code, t[i].code);
		missing += !found;
	}
	if (!missing)
		return 0;
	kis_error e;
	kis_buying_power bp;
	if (kis_buying_power_get(j->kis, NULL, 0, &bp, &e) != KIS_OK) {
		pass_error(p, "orderable cash: %s %s", kis_status_name(e.status), e.msg1);
		return -1;
	}
	kis_balance bal;
	if (kis_balance_get(j->kis, &bal, &e) != KIS_OK) {
		pass_error(p, "balance: %s %s", kis_status_name(e.status), e.msg1);
		return -1;
	}
	store_at_day *rows = calloc(missing, sizeof(*rows));
	size_t nrows = 0, to_buy = 0;
	for (size_t i = 0; rows && i < nt; i++) {
		int found = 0;
		for (size_t k = 0; k < *nday && !found; k++)
			found = !strcmp((*day)[k].code, t[i].code);
		if (found)
			continue;
		store_at_day *d = &rows[nrows];
		d->ymd = p->ymd;
		snprintf(d->code, sizeof(d->code), "%s", t[i].code);
		for (size_t h = 0; h < bal.n; h++)
			if (!strcmp(bal.holdings[h].code, t[i].code) && bal.holdings[h].qty > 0)
				d->held = 1;
		d->ref_price = t[i].ref_price;
		if (d->ref_price <= 0 || p->s->entry == AT_ENTRY_BREAKOUT) {
			kis_bars bars;
			if (kis_daily_bars_get(j->kis, t[i].code, ymd_add_days(p->ymd, -20),
			                       ymd_add_days(p->ymd, -1), &bars, &e) != KIS_OK) {
				pass_error(p, "daily bars of %s: %s %s", t[i].code,
				           kis_status_name(e.status), e.msg1);
				continue; /* planned at a later pass */
			}
			for (size_t b = 0; b < bars.n; b++)
				if (bars.bars[b].date < p->ymd) { /* newest first */
					if (d->ref_price <= 0)
						d->ref_price = bars.bars[b].close;
					d->prev_range = bars.bars[b].high - bars.bars[b].low;
					break;
				}
			kis_bars_free(&bars);
		}
		to_buy += !d->held;
		nrows++;
	}
	if (rows) {
		int64_t cash = bp.orderable_cash;
		for (size_t i = 0; i < nrows; i++) {
			store_at_day *d = &rows[i];
			if (d->held || !to_buy)
				continue;
			d->budget =
			    (int64_t)floor((double)cash * p->s->budget_ratio / (double)to_buy);
			if (p->s->max_order_amount > 0 && d->budget > p->s->max_order_amount)
				d->budget = p->s->max_order_amount;
		}
	}
	kis_balance_free(&bal);
	if (!rows || store_at_day_put(j->db, rows, nrows)) {
		free(rows);
		pass_error(p, "cannot write the day plan");
		return -1;
	}
	for (size_t i = 0; i < nrows; i++) {
		char detail[120];
		snprintf(detail, sizeof(detail), "budget %lld KRW of orderable cash %lld",
		         (long long)rows[i].budget, (long long)bp.orderable_cash);
		if (rows[i].held)
			decide(p, rows[i].code, "skip", "held", 0, 0, rows[i].ref_price, 0, NULL,
			       "already held at the day's first pass");
		else
			decide(p, rows[i].code, "skip", "planned", 0, 0, rows[i].ref_price, 0, NULL,
			       detail);
	}
	free(rows);
	free(*day);
	if (store_at_day_get(j->db, p->ymd, day, nday)) {
		pass_error(p, "cannot read the day plan");
		return -1;
	}
	return 0;
}

/* Sell rules for one managed position. qty: shares managed; aged: of those,
 * held >= exit_days business days; avg: average fill price. */
static void sell_rules(pass *p, const char *code, int64_t qty, int64_t aged, double avg,
                       int64_t price)
{
	const at_settings *s = p->s;
	leg l = leg_of(p, code, STORE_SELL);
	if (l.done && p->dry)
		return; /* dry-run: the recorded sell stands for the order */
	if (l.open) {
		decide(p, code, "skip", l.unknown ? "sell_unknown" : "sell_pending", price, qty, 0,
		       0, NULL, "a sell of this code is still open or unknown");
		return;
	}
	const char *reason = NULL;
	int64_t n = qty;
	char detail[160];
	detail[0] = 0;
	if (avg > 0 && price >= avg * (1 + s->take_profit_pct / 100)) {
		reason = "take_profit";
	} else if (avg > 0 && price <= avg * (1 - s->stop_loss_pct / 100)) {
		reason = "stop_loss";
	} else if (p->hhmm >= s->exit_hhmm && s->entry == AT_ENTRY_BREAKOUT) {
		reason = "exit_time";
	} else if (p->hhmm >= s->exit_hhmm && s->exit_days > 0 && aged > 0) {
		reason = "aged";
		n = aged;
	}
	if (!reason)
		return;
	if (l.failed >= AT_MAX_ATTEMPTS) {
		decide(p, code, "skip", "gave_up", price, n, 0, 0, NULL,
		       "sells refused or not sent too often today");
		return;
	}
	snprintf(detail, sizeof(detail), "average fill price %.4f, price %lld", avg,
	         (long long)price);
	place(p, code, STORE_SELL, n, reason, price, 0, detail);
}

/* Shares of lots held >= days business days on ymd. */
static int64_t aged_qty(store *db, const pnl_lot *lots, size_t n, int ymd, int days)
{
	int64_t q = 0;
	for (size_t i = 0; days > 0 && i < n; i++) {
		int held = store_trading_days_between(db, lots[i].acquired_on, ymd);
		if (held >= days)
			q += lots[i].qty;
	}
	return q;
}

static void sells(pass *p)
{
	at_job *j = p->j;
	store_holdings h;
	if (store_holdings_get(j->db, 0, &h)) {
		pass_error(p, "cannot read the ledger's holdings");
		return;
	}
	if (p->s->manage == AT_MANAGE_JOB) {
		pnl_position *pos;
		size_t npos;
		if (pnl_positions(j->db, STORE_SRC_AUTOTRADE, &pos, &npos)) {
			pass_error(p, "cannot read the job's lots");
			store_holdings_free(&h);
			return;
		}
		for (size_t i = 0; i < npos; i++) {
			int64_t held = 0;
			for (size_t k = 0; k < h.n; k++)
				if (!strcmp(h.h[k].code, pos[i].code))
					held = h.h[k].qty;
			/* What the user sold by hand is no longer the job's to sell. */
			int64_t qty = pos[i].qty < held ? pos[i].qty : held;
			if (qty <= 0)
				continue;
			kis_quote q;
			if (get_quote(p, pos[i].code, &q))
				continue;
			int64_t aged =
			    aged_qty(j->db, pos[i].lots, pos[i].nlots, p->ymd, p->s->exit_days);
			sell_rules(p, pos[i].code, qty, aged < qty ? aged : qty,
			           (double)pos[i].amount / (double)pos[i].qty, q.price);
		}
		pnl_positions_free(pos, npos);
	} else {
		kis_balance bal;
		kis_error e;
		if (kis_balance_get(j->kis, &bal, &e) != KIS_OK) {
			pass_error(p, "balance: %s %s", kis_status_name(e.status), e.msg1);
			store_holdings_free(&h);
			return;
		}
		for (size_t i = 0; i < bal.n; i++) {
			const kis_holding *b = &bal.holdings[i];
			if (b->sellable_qty <= 0)
				continue;
			int64_t aged = 0;
			for (size_t k = 0; k < h.n; k++)
				if (!strcmp(h.h[k].code, b->code)) {
					pnl_lot *lots = calloc(h.h[k].nlots + 1, sizeof(*lots));
					for (size_t m = 0; lots && m < h.h[k].nlots; m++)
						lots[m] = (pnl_lot){h.h[k].lots[m].acquired_on,
						                    h.h[k].lots[m].qty, 0};
					if (lots)
						aged = aged_qty(j->db, lots, h.h[k].nlots, p->ymd,
						                p->s->exit_days);
					free(lots);
				}
			sell_rules(p, b->code, b->sellable_qty,
			           aged < b->sellable_qty ? aged : b->sellable_qty, b->avg_price,
			           b->price);
		}
		kis_balance_free(&bal);
	}
	store_holdings_free(&h);
}

/* The job's realised + unrealised result today, for the loss limit. */
static int64_t day_result(pass *p)
{
	pnl_query q = {p->ymd, p->ymd, NULL, STORE_SRC_AUTOTRADE, 0, 0};
	pnl_report r;
	int64_t total = 0;
	if (pnl_realized(p->j->db, &q, &r) == 0) {
		total += r.total.pnl;
		pnl_report_free(&r);
	}
	pnl_position *pos;
	size_t n;
	if (pnl_positions(p->j->db, STORE_SRC_AUTOTRADE, &pos, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			kis_quote kq;
			if (pos[i].qty > 0 && get_quote(p, pos[i].code, &kq) == 0 && kq.price > 0)
				total += pos[i].qty * kq.price - pos[i].amount;
		}
		pnl_positions_free(pos, n);
	}
	return total;
}

static void buys(pass *p, const store_at_target *t, size_t nt, const store_at_day *day, size_t nday)
{
	const at_settings *s = p->s;
	int loss_checked = 0, loss_hit = 0;
	for (size_t i = 0; i < nt; i++) {
		const char *code = t[i].code;
		const store_at_day *d = NULL;
		for (size_t k = 0; k < nday; k++)
			if (!strcmp(day[k].code, code))
				d = &day[k];
		if (!d || d->held)
			continue; /* not planned yet (error reported) / skipped as held */
		leg l = leg_of(p, code, STORE_BUY);
		if (l.done)
			continue;
		if (l.open) {
			decide(p, code, "skip", l.unknown ? "buy_unknown" : "buy_pending", 0, 0,
			       d->ref_price, 0, NULL,
			       "a buy of this code is still open or its outcome unknown");
			continue;
		}
		if (l.failed >= AT_MAX_ATTEMPTS) {
			decide(p, code, "skip", "gave_up", 0, 0, d->ref_price, 0, NULL,
			       "buys refused or not sent too often today");
			continue;
		}
		if (s->max_orders_per_day > 0 && (int)p->nord >= s->max_orders_per_day) {
			decide(p, code, "skip", "max_orders", 0, 0, d->ref_price, 0, NULL,
			       "the day's order limit is reached");
			continue;
		}
		if (s->daily_loss_limit > 0 && !loss_checked) {
			loss_checked = 1;
			loss_hit = day_result(p) < -s->daily_loss_limit;
		}
		if (loss_hit) {
			decide(p, code, "skip", "loss_limit", 0, 0, d->ref_price, 0, NULL,
			       "the day's loss passed the limit: no more buys today");
			continue;
		}
		if (s->entry == AT_ENTRY_BAND && d->ref_price <= 0) {
			decide(p, code, "skip", "no_reference", 0, 0, 0, 0, NULL,
			       "no reference price (no previous close from KIS)");
			continue;
		}
		kis_quote q;
		if (get_quote(p, code, &q)) {
			decide(p, code, "skip", "quote_failed", 0, 0, d->ref_price, 0, NULL, NULL);
			continue;
		}
		if (q.price <= 0) {
			decide(p, code, "skip", "no_price", 0, 0, d->ref_price, 0, NULL, NULL);
			continue;
		}
		char detail[220];
		const char *reason;
		if (s->entry == AT_ENTRY_BAND) {
			double lo = (double)d->ref_price * (1 + s->band_low_pct / 100);
			double hi = (double)d->ref_price * (1 + s->band_high_pct / 100);
			snprintf(detail, sizeof(detail), "price %lld, band [%.0f, %.0f)",
			         (long long)q.price, lo, hi);
			if (!((double)q.price >= lo && (double)q.price < hi)) {
				decide(p, code, "skip", "outside_band", q.price, 0, d->ref_price, 0,
				       NULL, detail);
				continue;
			}
			reason = "in_band";
		} else {
			double trig = (double)q.open + s->breakout_k * (double)d->prev_range;
			snprintf(detail, sizeof(detail),
			         "price %lld, trigger %.0f (open %lld + %g x %lld)",
			         (long long)q.price, trig, (long long)q.open, s->breakout_k,
			         (long long)d->prev_range);
			if (q.open <= 0 || !((double)q.price > trig)) {
				decide(p, code, "skip", "below_trigger", q.price, 0, d->ref_price,
				       0, NULL, detail);
				continue;
			}
			reason = "breakout";
		}
		int64_t qty = d->budget / q.price;
		if (qty <= 0) {
			decide(p, code, "skip", "budget_too_small", q.price, 0, d->ref_price, 0,
			       NULL, detail);
			continue;
		}
		/* KIS values a market buy at the day's upper limit: ask how many it
		 * takes, or the order is refused for cash the budget had counted. */
		kis_buying_power bp;
		kis_error e;
		if (kis_buying_power_get(p->j->kis, code, 0, &bp, &e) != KIS_OK) {
			pass_error(p, "orderable quantity of %s: %s %s", code,
			           kis_status_name(e.status), e.msg1);
			decide(p, code, "skip", "quote_failed", q.price, qty, d->ref_price, 0, NULL,
			       "orderable quantity unknown");
			continue;
		}
		if (bp.max_buy_qty < qty) {
			size_t dl = strlen(detail);
			snprintf(detail + dl, sizeof(detail) - dl, "; %lld orderable at market",
			         (long long)bp.max_buy_qty);
			qty = bp.max_buy_qty;
		}
		if (qty <= 0) {
			decide(p, code, "skip", "insufficient_cash", q.price, 0, d->ref_price, 0,
			       NULL, detail);
			continue;
		}
		place(p, code, STORE_BUY, qty, reason, q.price, d->ref_price, detail);
	}
}

/* After the session: one summary a day (the date is persisted). */
static void summary(pass *p)
{
	at_job *j = p->j;
	char v[16], want[16];
	snprintf(want, sizeof(want), "%d", p->ymd);
	if (store_meta_get(j->db, META_SUMMARY, v, sizeof(v)) == 0 && !strcmp(v, want))
		return;
	int buys_n = 0, sells_n = 0;
	for (size_t i = 0; i < p->nord; i++)
		if (p->ord[i].filled_qty > 0)
			p->ord[i].side == STORE_BUY ? buys_n++ : sells_n++;
	pnl_query q = {
	    p->ymd, p->ymd, NULL, STORE_SRC_AUTOTRADE, j->cfg.fee_rate_ppm, j->cfg.tax_rate_ppm};
	pnl_report r;
	memset(&r, 0, sizeof(r));
	pnl_realized(j->db, &q, &r);
	char text[400];
	snprintf(text, sizeof(text),
	         "autotrade %08d%s: %d buy(s), %d sell(s) filled; realised P&L %lld KRW (estimated "
	         "fees %lld, tax %lld); %zu decision(s)",
	         p->ymd, p->dry ? " [dry-run]" : "", buys_n, sells_n, (long long)r.total.pnl,
	         (long long)r.total.fees_estimate, (long long)r.total.tax_estimate, p->ndec);
	pnl_report_free(&r);
	if (j->cfg.notify)
		notify_post(j->cfg.notify, "summary", text, NULL, NULL);
	if (store_meta_set(j->db, META_SUMMARY, want))
		pass_error(p, "cannot record the daily summary");
	p->rep->phase = "summary_sent";
	klogf(KLOG_INFO, "autotrade", "%s", text);
}

static int load_day(pass *p)
{
	free(p->ord);
	p->ord = NULL;
	p->nord = p->ord_cap = 0;
	if (at_orders_of_day(p->j, p->ymd, &p->ord, &p->nord)) {
		pass_error(p, "cannot read the order journal");
		return -1;
	}
	p->ord_cap = p->nord;
	return 0;
}

void at_pass_run(at_job *j, const at_settings *s, at_pass_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->ok = 1;
	int64_t t0 = mono_ms();
	kis_thread_calls_reset();
	int64_t now = kclock_now_ms(j->clock);
	pass p = {.j = j, .s = s, .rep = rep, .ymd = kst_date(now), .dry = s->mode == AT_DRY_RUN};
	p.hhmm = kst_hhmmss(now) / 100;
	rep->ymd = p.ymd;
	rep->hhmmss = kst_hhmmss(now);
	rep->phase = "closed";
	store_at_target *t = NULL;
	store_at_day *day = NULL;
	size_t nt = 0, nday = 0;
	int td = store_is_trading_day(j->db, p.ymd);
	if (td < 0) {
		pass_error(&p, "cannot read the trading calendar");
		goto out;
	}
	if (td == 0)
		goto out;
	store_at_decision_filter df = {.ymd = p.ymd, .limit = 1000};
	int more;
	if (store_at_targets_get(j->db, &t, &nt) ||
	    store_at_decisions_list(j->db, &df, &p.dec, &p.ndec, &more) || load_day(&p)) {
		pass_error(&p, "cannot read the job's state");
		goto out;
	}
	p.dec_cap = p.ndec;
	for (size_t a = 0, b = p.ndec ? p.ndec - 1 : 0; a < b; a++, b--) {
		store_at_decision tmp = p.dec[a];
		p.dec[a] = p.dec[b];
		p.dec[b] = tmp;
	}
	order_events(&p);
	if (p.hhmm >= s->session_end_hhmm) {
		rep->phase = "after_close";
		summary(&p);
		goto out;
	}
	if (nt && plan(&p, t, nt, &day, &nday))
		goto out;
	if (p.hhmm < s->session_start_hhmm) {
		rep->phase = "pre_open";
		goto out;
	}
	rep->phase = p.hhmm >= s->exit_hhmm ? "exit" : "session";
	/* Learn the fills of the job's open orders before deciding on them. */
	int open = 0;
	store_order *oo = NULL;
	size_t noo = 0;
	unsigned open_mask = (1u << ST_PENDING) | (1u << ST_SUBMITTED) |
	                     (1u << ST_PARTIALLY_FILLED) | (1u << ST_CANCEL_REQUESTED) |
	                     (1u << ST_UNKNOWN);
	if (store_orders_by_status(j->db, open_mask, &oo, &noo) == 0) /* any day's */
		for (size_t i = 0; i < noo; i++)
			open |= oo[i].source == STORE_SRC_AUTOTRADE;
	free(oo);
	if (open && !p.dry) {
		trader_reconcile_now(j->t, 1);
		if (load_day(&p))
			goto out;
		order_events(&p);
	}
	sells(&p);
	if (!(s->entry == AT_ENTRY_BREAKOUT && p.hhmm >= s->exit_hhmm))
		buys(&p, t, nt, day, nday);
out:
	rep->duration_ms = mono_ms() - t0;
	rep->kis_calls = kis_thread_calls();
	if (!rep->ok) {
		klogf(KLOG_WARN, "autotrade", "pass failed: %s", rep->error);
		if (!j->error_reported && j->cfg.notify) {
			char text[300];
			snprintf(text, sizeof(text),
			         "autotrade pass failed: %s (reported once until a pass succeeds)",
			         rep->error);
			notify_post(j->cfg.notify, "error", text, NULL, NULL);
		}
		j->error_reported = 1;
	} else {
		j->error_reported = 0;
	}
	free(t);
	free(day);
	free(p.ord);
	free(p.dec);
}
