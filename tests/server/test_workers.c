/* Unit tests of the worker pool (server/workers.c): every job runs once,
 * in order on one worker; closing cancels exactly the queued ones while
 * running ones finish; submits after close are refused. No timing: jobs
 * that must be "running" hold a gate the test opens. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "workers.h"

typedef struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int open;    /* blocking jobs wait for this */
	int started; /* blocking jobs that began */
	int order[64];
	int norder;
} gate;

typedef struct tjob {
	gw_job job; /* first: the pool hands back this pointer */
	gate *g;
	int id, runs, cancels, block;
} tjob;

static void tjob_run(gw_job *j)
{
	tjob *t = (tjob *)j;
	pthread_mutex_lock(&t->g->mu);
	t->runs++;
	if (t->g->norder < 64)
		t->g->order[t->g->norder++] = t->id;
	if (t->block) {
		t->g->started++;
		pthread_cond_broadcast(&t->g->cv);
		while (!t->g->open)
			pthread_cond_wait(&t->g->cv, &t->g->mu);
	}
	pthread_mutex_unlock(&t->g->mu);
}

static void tjob_cancel(gw_job *j)
{
	tjob *t = (tjob *)j;
	pthread_mutex_lock(&t->g->mu);
	t->cancels++;
	pthread_mutex_unlock(&t->g->mu);
}

static void gate_init(gate *g)
{
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->open = g->started = g->norder = 0;
}

/* Until nothing is queued or running (a job is counted running from the
 * moment it leaves the queue, under the same lock). */
static void wait_idle(gw_workers *w)
{
	int queued, running;
	for (;;) {
		gw_workers_load(w, &queued, &running);
		if (!queued && !running)
			return;
		sched_yield();
	}
}

/* Until n blocking jobs have begun. */
static void gate_wait_started(gate *g, int n)
{
	pthread_mutex_lock(&g->mu);
	while (g->started < n)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
}

static void gate_open(gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->open = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static void tjobs_init(tjob *t, int n, gate *g)
{
	for (int i = 0; i < n; i++)
		t[i] = (tjob){.job = {.run = tjob_run, .cancel = tjob_cancel}, .g = g, .id = i};
}

/* 500 jobs on 4 workers: each runs exactly once, none is cancelled. */
static void test_all_run_once(void **state)
{
	enum { N = 500 };
	gate g;
	gate_init(&g);
	tjob *t = calloc(N, sizeof(*t));
	tjobs_init(t, N, &g);
	gw_workers *w = gw_workers_new(4, 256 * 1024);
	assert_non_null(w);
	for (int i = 0; i < N; i++)
		assert_int_equal(gw_workers_submit(w, &t[i].job), 0);
	wait_idle(w);
	gw_workers_free(w);
	for (int i = 0; i < N; i++) {
		assert_int_equal(t[i].runs, 1);
		assert_int_equal(t[i].cancels, 0);
	}
	free(t);
}

/* One worker takes jobs first come first served. */
static void test_fifo(void **state)
{
	enum { N = 40 };
	gate g;
	gate_init(&g);
	tjob t[N];
	tjobs_init(t, N, &g);
	t[0].block = 1; /* holds the worker until all are queued */
	gw_workers *w = gw_workers_new(1, 0);
	assert_non_null(w);
	for (int i = 0; i < N; i++)
		assert_int_equal(gw_workers_submit(w, &t[i].job), 0);
	gate_wait_started(&g, 1);
	int queued, running;
	gw_workers_load(w, &queued, &running);
	assert_int_equal(queued, N - 1);
	assert_int_equal(running, 1);
	gate_open(&g);
	wait_idle(w);
	gw_workers_free(w);
	assert_int_equal(g.norder, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(g.order[i], i);
}

/* Closing with two jobs running and ten queued: the ten are cancelled (on
 * the closing thread, each once), the two finish, later submits fail. */
static void test_close_cancels_queued(void **state)
{
	enum { N = 12 };
	gate g;
	gate_init(&g);
	tjob t[N];
	tjobs_init(t, N, &g);
	t[0].block = t[1].block = 1;
	gw_workers *w = gw_workers_new(2, 0);
	assert_non_null(w);
	assert_int_equal(gw_workers_submit(w, &t[0].job), 0);
	assert_int_equal(gw_workers_submit(w, &t[1].job), 0);
	gate_wait_started(&g, 2);
	for (int i = 2; i < N; i++)
		assert_int_equal(gw_workers_submit(w, &t[i].job), 0);
	assert_int_equal(gw_workers_close(w), N - 2);
	assert_int_equal(gw_workers_close(w), 0); /* idempotent */
	tjob late = {.job = {.run = tjob_run, .cancel = tjob_cancel}, .g = &g, .id = 99};
	assert_int_equal(gw_workers_submit(w, &late.job), -1);
	int queued, running;
	gw_workers_load(w, &queued, &running);
	assert_int_equal(queued, 0);
	assert_int_equal(running, 2);
	gate_open(&g);
	gw_workers_free(w); /* waits for the two */
	assert_int_equal(t[0].runs, 1);
	assert_int_equal(t[1].runs, 1);
	for (int i = 2; i < N; i++) {
		assert_int_equal(t[i].runs, 0);
		assert_int_equal(t[i].cancels, 1);
	}
	assert_int_equal(late.runs + late.cancels, 0);
}

static void test_bad_size(void **state)
{
	assert_null(gw_workers_new(0, 0));
	gw_workers_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_run_once),
	    cmocka_unit_test(test_fifo),
	    cmocka_unit_test(test_close_cancels_queued),
	    cmocka_unit_test(test_bad_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
