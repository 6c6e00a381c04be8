/* pnl.c — FIFO over the ledger's fills. Amounts are split pro rata in
 * integers (the part taken of a lot is amount * take / qty, the rest stays
 * with the lot), so a lot's cost is never lost to rounding. */
#include "pnl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct book {
	pnl_lot *lots;
	size_t head, n, cap;
} book;

static int book_push(book *b, int ymd, int64_t qty, int64_t amount)
{
	if (b->head + b->n == b->cap) {
		if (b->head > 0) { /* reuse the consumed front */
			memmove(b->lots, b->lots + b->head, b->n * sizeof(*b->lots));
			b->head = 0;
		}
		if (b->n == b->cap) {
			size_t nc = b->cap ? b->cap * 2 : 16;
			pnl_lot *p = realloc(b->lots, nc * sizeof(*p));
			if (!p)
				return -1;
			b->lots = p;
			b->cap = nc;
		}
	}
	b->lots[b->head + b->n++] = (pnl_lot){ymd, qty, amount};
	return 0;
}

/* Consumes qty from the oldest lots; *cost gets their cost; returns the
 * quantity that found no lot. */
static int64_t book_take(book *b, int64_t qty, int64_t *cost)
{
	*cost = 0;
	while (qty > 0 && b->n > 0) {
		pnl_lot *l = &b->lots[b->head];
		int64_t take = qty < l->qty ? qty : l->qty;
		int64_t part =
		    take == l->qty ? l->amount : (int64_t)((__int128)l->amount * take / l->qty);
		*cost += part;
		l->amount -= part;
		l->qty -= take;
		qty -= take;
		if (l->qty == 0) {
			b->head++;
			b->n--;
		}
	}
	return qty;
}

static void line_add(pnl_line *to, const pnl_line *l)
{
	to->qty += l->qty;
	to->buy_amount += l->buy_amount;
	to->sell_amount += l->sell_amount;
	to->pnl += l->pnl;
	to->fees_estimate += l->fees_estimate;
	to->tax_estimate += l->tax_estimate;
	to->unmatched_qty += l->unmatched_qty;
}

/* amount x ppm / 10^6, rounded to the nearest won. */
static int64_t ppm_of(int64_t amount, int64_t ppm)
{
	return (int64_t)(((__int128)amount * ppm + 500000) / 1000000);
}

/* Closes the line of one code: estimates, and appends it when it sold. */
static int line_close(pnl_report *r, size_t *cap, pnl_line *l, const pnl_query *q, store *db)
{
	if (l->qty == 0 && l->unmatched_qty == 0)
		return 0;
	l->pnl = l->sell_amount - l->buy_amount;
	l->fees_estimate = ppm_of(l->buy_amount + l->sell_amount, q->fee_rate_ppm);
	l->tax_estimate = ppm_of(l->sell_amount, q->tax_rate_ppm);
	store_stock_name(db, l->code, l->name, sizeof(l->name));
	if (r->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		pnl_line *p = realloc(r->lines, nc * sizeof(*p));
		if (!p)
			return -1;
		r->lines = p;
		*cap = nc;
	}
	r->lines[r->n++] = *l;
	line_add(&r->total, l);
	return 0;
}

int pnl_realized(store *db, const pnl_query *q, pnl_report *out)
{
	memset(out, 0, sizeof(*out));
	store_trade *t;
	size_t nt;
	if (store_trades_list(db, q->code, q->source, q->to_ymd, &t, &nt))
		return -1;
	book b = {0};
	pnl_line cur;
	memset(&cur, 0, sizeof(cur));
	size_t cap = 0;
	int rc = 0;
	for (size_t i = 0; i < nt && rc == 0; i++) {
		if (strcmp(cur.code, t[i].code)) {
			rc = line_close(out, &cap, &cur, q, db);
			memset(&cur, 0, sizeof(cur));
			snprintf(cur.code, sizeof(cur.code), "%s", t[i].code);
			b.head = b.n = 0;
		}
		if (t[i].side == STORE_BUY) {
			rc = book_push(&b, t[i].trade_date, t[i].qty, t[i].amount);
			continue;
		}
		int64_t cost;
		int64_t left = book_take(&b, t[i].qty, &cost);
		if (t[i].trade_date < q->from_ymd)
			continue;
		int64_t matched = t[i].qty - left;
		cur.qty += matched;
		cur.buy_amount += cost;
		cur.sell_amount += matched == t[i].qty
		                       ? t[i].amount
		                       : (int64_t)((__int128)t[i].amount * matched / t[i].qty);
		cur.unmatched_qty += left;
	}
	if (rc == 0)
		rc = line_close(out, &cap, &cur, q, db);
	out->total.pnl = out->total.sell_amount - out->total.buy_amount;
	free(b.lots);
	free(t);
	if (rc) {
		pnl_report_free(out);
		return -1;
	}
	return 0;
}

void pnl_report_free(pnl_report *r)
{
	free(r->lines);
	memset(r, 0, sizeof(*r));
}

int pnl_open_lots(store *db, const char *code, int source, pnl_lot **lots, size_t *n)
{
	*lots = NULL;
	*n = 0;
	store_trade *t;
	size_t nt;
	if (store_trades_list(db, code, source, 0, &t, &nt))
		return -1;
	book b = {0};
	int rc = 0;
	for (size_t i = 0; i < nt && rc == 0; i++) {
		if (t[i].side == STORE_BUY) {
			rc = book_push(&b, t[i].trade_date, t[i].qty, t[i].amount);
		} else {
			int64_t cost;
			book_take(&b, t[i].qty, &cost);
		}
	}
	free(t);
	if (rc) {
		free(b.lots);
		return -1;
	}
	if (b.head && b.n)
		memmove(b.lots, b.lots + b.head, b.n * sizeof(*b.lots));
	*lots = b.lots;
	*n = b.n;
	if (!b.n) {
		free(b.lots);
		*lots = NULL;
	}
	return 0;
}

/* Hands the book's open lots to p (the book's memory moves to p). */
static int position_close(pnl_position **out, size_t *n, size_t *cap, const char *code, book *b)
{
	if (b->n == 0) {
		free(b->lots);
		memset(b, 0, sizeof(*b));
		return 0;
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		pnl_position *q = realloc(*out, nc * sizeof(*q));
		if (!q)
			return -1;
		*out = q;
		*cap = nc;
	}
	pnl_position *p = &(*out)[(*n)++];
	memset(p, 0, sizeof(*p));
	snprintf(p->code, sizeof(p->code), "%s", code);
	if (b->head)
		memmove(b->lots, b->lots + b->head, b->n * sizeof(*b->lots));
	p->lots = b->lots;
	p->nlots = b->n;
	for (size_t i = 0; i < b->n; i++) {
		p->qty += b->lots[i].qty;
		p->amount += b->lots[i].amount;
	}
	memset(b, 0, sizeof(*b));
	return 0;
}

int pnl_positions(store *db, int source, pnl_position **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	store_trade *t;
	size_t nt, cap = 0;
	if (store_trades_list(db, NULL, source, 0, &t, &nt))
		return -1;
	book b = {0};
	char code[8] = "";
	int rc = 0;
	for (size_t i = 0; i < nt && rc == 0; i++) {
		if (strcmp(code, t[i].code)) {
			rc = position_close(out, n, &cap, code, &b);
			snprintf(code, sizeof(code), "%s", t[i].code);
		}
		if (rc)
			break;
		if (t[i].side == STORE_BUY) {
			rc = book_push(&b, t[i].trade_date, t[i].qty, t[i].amount);
		} else {
			int64_t cost;
			book_take(&b, t[i].qty, &cost);
		}
	}
	if (rc == 0)
		rc = position_close(out, n, &cap, code, &b);
	free(b.lots);
	free(t);
	if (rc) {
		pnl_positions_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

void pnl_positions_free(pnl_position *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++)
		free(p[i].lots);
	free(p);
}
