/* pnl.h — FIFO matching over the ledger's fills: realised profit and loss
 * per code (GET /pnl, the job's daily summary and loss limit) and the open
 * lots that remain (the job's managed positions and their average price).
 *
 * Local only (no KIS call). Fees and taxes are estimates from the rates
 * given (KIS's actual charges depend on the account's fee plan and the
 * market; the ledger records gross fill amounts). Never includes server/. */
#ifndef PNL_H
#define PNL_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct pnl_lot {
	int acquired_on; /* YYYYMMDD */
	int64_t qty;
	int64_t amount; /* KRW cost of the qty still open */
} pnl_lot;

typedef struct pnl_line {
	char code[8];
	char name[128];
	int64_t qty;         /* shares sold and matched to buys in the range */
	int64_t buy_amount;  /* their FIFO cost */
	int64_t sell_amount; /* their proceeds */
	int64_t pnl;         /* sell_amount - buy_amount (gross) */
	int64_t fees_estimate, tax_estimate;
	int64_t unmatched_qty; /* sold with no known buy (history incomplete) */
} pnl_line;

typedef struct pnl_query {
	int from_ymd, to_ymd; /* sells traded in [from, to] */
	const char *code;     /* NULL: every code */
	int source;           /* store_source, or -1: every source */
	int64_t fee_rate_ppm; /* commission estimate, both sides (KISGW_FEE_RATE_PPM) */
	int64_t tax_rate_ppm; /* transaction tax estimate on sells (KISGW_TAX_RATE_PPM) */
} pnl_query;

typedef struct pnl_report {
	pnl_line *lines; /* codes ascending, only codes with sells in range */
	size_t n;
	pnl_line total; /* code "" */
} pnl_report;

/* FIFO per code over the fills up to q->to_ymd (of q->source only when set:
 * the job's own book), realised on the sells within the range. 0 or -1. */
int pnl_realized(store *db, const pnl_query *q, pnl_report *out);
void pnl_report_free(pnl_report *r);

/* The lots of code still open after FIFO over the fills of source (-1:
 * all), oldest first (malloc'd). 0 or -1. */
int pnl_open_lots(store *db, const char *code, int source, pnl_lot **lots, size_t *n);

/* Every code's open position after FIFO over the fills of source (-1: all). */
typedef struct pnl_position {
	char code[8];
	int64_t qty, amount; /* open shares and their cost */
	pnl_lot *lots;       /* oldest first */
	size_t nlots;
} pnl_position;
int pnl_positions(store *db, int source, pnl_position **out, size_t *n);
void pnl_positions_free(pnl_position *p, size_t n);

#endif
