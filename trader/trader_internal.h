/* trader_internal.h — the trader object, shared by its files. */
#ifndef TRADER_INTERNAL_H
#define TRADER_INTERNAL_H

#include <pthread.h>

#include "trader.h"

struct trader {
	trader_config cfg;
	kis_client *kis;
	store *db;
	kclock *clock;

	/* Reconciler thread state, guarded by mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv; /* wakes the thread (stop / now) and waiters (pass done) */
	pthread_t thread;
	int running, stop, wake;
	uint64_t gen_started, gen_done; /* passes started / finished */
	int last_pass_ok;
	trader_stats stats;

	/* One reconciliation at a time (thread, cancel refresh, on demand). */
	pthread_mutex_t recon_mu;
	int first_pass_done;
	int after_close_ymd; /* date whose after-close pass ran */
	int holidays_ymd;    /* date the holiday refresh last ran */
};

int64_t trader_now(trader *t);
/* Refresh one order from KIS (its date, its ODNO). 0 or -1. */
int trader_refresh_order(trader *t, const store_order *o, kis_error *err);
/* The reconciler thread body. */
void *trader_thread(void *arg);

#endif
