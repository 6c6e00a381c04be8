/* autotrade_internal.h — the job object, shared by autotrade.c (lifecycle,
 * settings, targets, status) and autotrade_pass.c (one pass). */
#ifndef AUTOTRADE_INTERNAL_H
#define AUTOTRADE_INTERNAL_H

#include <pthread.h>

#include "autotrade.h"

/* An order of the job seen by an earlier pass (to notify status changes). */
typedef struct at_seen {
	int64_t id;
	int status;
} at_seen;

struct at_job {
	at_config cfg;
	trader *t;
	kis_client *kis;
	store *db;
	kclock *clock;

	pthread_mutex_t mu; /* guards everything below except pass state */
	pthread_cond_t cv;  /* CLOCK_MONOTONIC: wakes the timer (stop / run / resume) */
	pthread_t thread;
	int running, stop, wake;
	at_settings eff;
	at_src src[AT_NSETTINGS];
	int paused;
	int64_t next_mono; /* when the timer runs the next pass */
	int64_t last_pass_ms;
	int last_ok;
	int64_t last_duration_ms;
	uint64_t passes, failed, late;
	char last_error[200];

	/* One pass at a time (timer, POST /autotrade/run); state of passes. */
	pthread_mutex_t pass_mu;
	int error_reported; /* the current failure was notified */
	at_seen *seen;
	size_t nseen, seen_cap;
	int seen_ymd, seen_primed;
};

/* Runs one pass with the given settings (caller holds pass_mu). */
void at_pass_run(at_job *j, const at_settings *s, at_pass_report *rep);

/* The job's orders of ymd, oldest first (malloc'd). */
int at_orders_of_day(at_job *j, int ymd, store_order **out, size_t *n);

/* Today's state of a target for the status page and the pass. */
const char *at_target_state(const store_at_day *d, const store_order *orders, size_t norders,
                            const store_at_decision *dec, size_t ndec, const char *code,
                            int64_t *order_id);

#endif
