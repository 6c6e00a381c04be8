/* kis_limiter.c — per-account request limiter.
 *
 * KIS counts requests in a sliding one-second window by their arrival,
 * which we cannot see: a call arrives somewhere between its send and its
 * answer, and on a loaded machine or network that is not "at once". So a
 * slot holds a call from its grant until its answer (kis_limiter_take ..
 * kis_limiter_done) and then for window_ms after the answer: a new grant is
 * allowed while fewer than the current limit of slots are in flight or
 * answered within the last window. Two calls granted a window apart can then
 * never arrive within one window, however late the first one got there.
 * kis_limiter_acquire is a take that is done at once (the send time counts).
 * Waiters queue in one FIFO
 * list per class (orders, queries, background); only the head of a list
 * may take a slot, and only while no higher class has a waiter. Time is real
 * monotonic time (mono_ms) whatever the configured KIS clock says.
 *
 * The rate adapts (AIMD): KIS's own window is not aligned with ours and
 * real accounts hold only 15-18 of the nominal 20 calls a second, so after
 * KIS says EGW00201/EGW00215 the current limit drops to 3/4 (at most once a
 * window: the calls already in flight say the same thing) and climbs back by
 * one per KIS_AIMD_CLIMB_MS without a refusal, up to the configured ceiling.
 */
#include "kis_internal.h"

#include "kclock.h"
#include "metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

/* Quiet time before the current limit climbs by one. */
#define KIS_AIMD_CLIMB_MS 2000
/* A slot whose call has not been answered yet: inside every window. */
#define IN_FLIGHT INT64_MAX

typedef struct waiter {
	struct waiter *next;
} waiter;

struct kis_limiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int per_sec, window_ms; /* per_sec: the ceiling, the ring's size */
	int cur;                /* current limit, 1..per_sec (AIMD) */
	int64_t changed_ms;     /* mono ms of the last change of cur */
	int64_t decreased_ms;   /* mono ms of the last decrease */
	int64_t *slot;          /* per slot: answer time, or IN_FLIGHT */
	int count;              /* slots used so far (they are reused, never freed) */
	waiter *head[KIS_LC__MAX], *tail[KIS_LC__MAX];
	int queued[KIS_LC__MAX];
	int paused; /* no grants while set; waiters keep their places */
	km_family *m_depth, *m_waits, *m_wait_s;
};

/* The class as a metric label; a class added later without a name here is
 * "other" rather than a dropped update. */
static const char *class_name(kis_lclass cls)
{
	static const char *const names[KIS_LC__MAX] = {
	    [KIS_LC_ORDER] = "order", [KIS_LC_QUERY] = "query", [KIS_LC_BACKGROUND] = "background"};
	return (unsigned)cls < KIS_LC__MAX && names[cls] ? names[cls] : "other";
}

kis_limiter *kis_limiter_new(int per_sec, int window_ms)
{
	if (per_sec <= 0 || window_ms <= 0)
		return NULL;
	kis_limiter *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->slot = calloc((size_t)per_sec, sizeof *l->slot);
	if (!l->slot) {
		free(l);
		return NULL;
	}
	l->per_sec = per_sec;
	l->cur = per_sec;
	l->window_ms = window_ms;
	/* process-wide: every client's limiter adds to the same series */
	l->m_depth = km_gauge("kisgw_kis_limiter_queue_depth",
	                      "Calls waiting in the KIS rate limiter now, by class.", "class");
	l->m_waits = km_counter(
	    "kisgw_kis_limiter_acquisitions_total",
	    "Rate-limiter acquisitions by class and outcome (granted, timeout).", "class,outcome");
	l->m_wait_s = km_histogram("kisgw_kis_limiter_wait_seconds",
	                           "Time a call waited in the KIS rate limiter.", "class", NULL, 0);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&l->mu, NULL);
	return l;
}

void kis_limiter_free(kis_limiter *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	free(l->slot);
	free(l);
}

/* Additive increase: one more per quiet KIS_AIMD_CLIMB_MS. Caller holds mu. */
static void climb(kis_limiter *l, int64_t now)
{
	while (l->cur < l->per_sec && now - l->changed_ms >= KIS_AIMD_CLIMB_MS) {
		l->cur++;
		l->changed_ms += KIS_AIMD_CLIMB_MS;
	}
	if (l->cur >= l->per_sec)
		l->changed_ms = now;
}

/* ms until a slot frees (0 = free now): fewer than cur slots in flight or
 * answered within the last window. A slot still in flight frees only when
 * its call is done (kis_limiter_done wakes the waiters), so then the wait is
 * one window at most before looking again. Caller holds mu. */
static int64_t slot_wait(const kis_limiter *l, int64_t now)
{
	if (l->paused)
		return 1000;
	/* the times still in the window, oldest first (per_sec is small) */
	int64_t busy[l->per_sec];
	int n = 0;
	for (int i = 0; i < l->count; i++) {
		int64_t t = l->slot[i];
		if (t != IN_FLIGHT && t + l->window_ms <= now)
			continue;
		int k = n++;
		for (; k > 0 && busy[k - 1] > t; k--)
			busy[k] = busy[k - 1];
		busy[k] = t;
	}
	if (n < l->cur)
		return 0;
	/* n - cur + 1 of them must leave: the (n - cur)-th oldest decides */
	int64_t t = busy[n - l->cur];
	if (t == IN_FLIGHT)
		return l->window_ms;
	return t + l->window_ms - now;
}

/* The slot a new grant takes: a fresh one, else the longest answered (it is
 * out of the window, since slot_wait said 0). Caller holds mu. */
static int slot_take(kis_limiter *l)
{
	int i = 0;
	if (l->count < l->per_sec) {
		i = l->count++;
	} else {
		for (int k = 1; k < l->count; k++)
			if (l->slot[k] < l->slot[i])
				i = k;
	}
	l->slot[i] = IN_FLIGHT;
	return i;
}

void kis_limiter_slow_down(kis_limiter *l)
{
	pthread_mutex_lock(&l->mu);
	int64_t now = mono_ms();
	if (l->decreased_ms == 0 || now - l->decreased_ms >= l->window_ms) {
		int n = l->cur * 3 / 4;
		l->cur = n >= 1 ? n : 1;
		l->decreased_ms = now;
		l->changed_ms = now;
	}
	pthread_mutex_unlock(&l->mu);
}

void kis_limiter_rate(kis_limiter *l, int *limit, int *current)
{
	pthread_mutex_lock(&l->mu);
	climb(l, mono_ms());
	if (limit)
		*limit = l->per_sec;
	if (current)
		*current = l->cur;
	pthread_mutex_unlock(&l->mu);
}

static int my_turn(const kis_limiter *l, kis_lclass cls, const waiter *w)
{
	if (l->head[cls] != w)
		return 0;
	for (int higher = 0; higher < (int)cls; higher++)
		if (l->head[higher])
			return 0;
	return 1;
}

static void unlink_waiter(kis_limiter *l, kis_lclass cls, waiter *w)
{
	waiter **pp = &l->head[cls];
	waiter *prev = NULL;
	while (*pp && *pp != w) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = w->next;
	if (l->tail[cls] == w)
		l->tail[cls] = prev;
	l->queued[cls]--;
}

static void abs_deadline(struct timespec *ts, int64_t mono_target)
{
	ts->tv_sec = (time_t)(mono_target / 1000);
	ts->tv_nsec = (long)((mono_target % 1000) * 1000000L);
}

void kis_limiter_pause(kis_limiter *l, int paused)
{
	pthread_mutex_lock(&l->mu);
	l->paused = paused;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

int kis_limiter_queued(kis_limiter *l, kis_lclass cls)
{
	pthread_mutex_lock(&l->mu);
	int n = (unsigned)cls < KIS_LC__MAX ? l->queued[cls] : 0;
	pthread_mutex_unlock(&l->mu);
	return n;
}

int kis_limiter_acquire(kis_limiter *l, kis_lclass cls, int wait_ms, int *retry_after_s)
{
	return kis_limiter_acquire_at(l, cls, wait_ms, retry_after_s, NULL);
}

int kis_limiter_acquire_at(kis_limiter *l, kis_lclass cls, int wait_ms, int *retry_after_s,
                           int64_t *granted_ms)
{
	int slot;
	if (kis_limiter_take(l, cls, wait_ms, retry_after_s, granted_ms, &slot) != 0)
		return -1;
	kis_limiter_done(l, slot);
	return 0;
}

void kis_limiter_done(kis_limiter *l, int slot)
{
	pthread_mutex_lock(&l->mu);
	if (slot >= 0 && slot < l->count && l->slot[slot] == IN_FLIGHT)
		l->slot[slot] = mono_ms();
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

int kis_limiter_take(kis_limiter *l, kis_lclass cls, int wait_ms, int *retry_after_s,
                     int64_t *granted_ms, int *slot)
{
	*slot = -1;
	if ((unsigned)cls >= KIS_LC__MAX)
		cls = KIS_LC_QUERY;
	waiter w = {NULL};
	int64_t t0 = mono_us();
	int64_t deadline = mono_ms() + (wait_ms > 0 ? wait_ms : 0);
	int rc = 0;
	const char *cname = class_name(cls);
	km_gauge_add(l->m_depth, 1, cname);

	pthread_mutex_lock(&l->mu);
	if (l->tail[cls])
		l->tail[cls]->next = &w;
	else
		l->head[cls] = &w;
	l->tail[cls] = &w;
	l->queued[cls]++;

	for (;;) {
		int64_t now = mono_ms();
		climb(l, now);
		int64_t sw = slot_wait(l, now);
		if (my_turn(l, cls, &w) && sw == 0) {
			*slot = slot_take(l);
			if (granted_ms)
				*granted_ms = now;
			break;
		}
		if (now >= deadline) {
			rc = -1;
			if (retry_after_s) {
				int ahead = 0;
				for (int k = 0; k <= (int)cls; k++)
					ahead += l->queued[k];
				int64_t ms = sw + (int64_t)ahead * 1000 / l->cur;
				*retry_after_s = (int)(ms / 1000) + 1;
			}
			break;
		}
		int64_t until = deadline;
		if (my_turn(l, cls, &w) && now + sw < until)
			until = now + sw;
		struct timespec ts;
		abs_deadline(&ts, until);
		int e = pthread_cond_timedwait(&l->cv, &l->mu, &ts);
		(void)e;
	}
	unlink_waiter(l, cls, &w);
	/* the next head (of either class) must re-check */
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	km_gauge_add(l->m_depth, -1, cname);
	km_inc(l->m_waits, 1, cname, rc ? "timeout" : "granted");
	km_observe(l->m_wait_s, (double)(mono_us() - t0) / 1e6, cname);
	return rc;
}
