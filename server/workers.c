/* workers.c — the pool of workers.h: one mutex, one FIFO of intrusive jobs,
 * one condition the idle workers wait on. A worker takes the oldest job,
 * runs it outside the lock, and goes back for the next; closing wakes them
 * all, and each exits once the queue is empty (close empties it). */
#include "workers.h"

#include <pthread.h>
#include <stdlib.h>

struct gw_workers {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	gw_job *head, *tail;
	int queued, running;
	int closed;
	int n; /* threads started */
	pthread_t *threads;
};

static void *worker_main(void *arg)
{
	gw_workers *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->head && !w->closed)
			pthread_cond_wait(&w->cv, &w->mu);
		gw_job *j = w->head;
		if (!j) /* closed and nothing left */
			break;
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		w->queued--;
		w->running++;
		pthread_mutex_unlock(&w->mu);
		j->run(j); /* the job may be freed by the time it returns */
		pthread_mutex_lock(&w->mu);
		w->running--;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

gw_workers *gw_workers_new(int n, unsigned long stack_size)
{
	if (n < 1)
		return NULL;
	gw_workers *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->threads = calloc((size_t)n, sizeof(pthread_t));
	if (!w->threads) {
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	if (stack_size)
		pthread_attr_setstacksize(&attr, stack_size);
	for (; w->n < n; w->n++)
		if (pthread_create(&w->threads[w->n], &attr, worker_main, w))
			break;
	pthread_attr_destroy(&attr);
	if (w->n < n) {
		gw_workers_free(w);
		return NULL;
	}
	return w;
}

int gw_workers_submit(gw_workers *w, gw_job *job)
{
	pthread_mutex_lock(&w->mu);
	if (w->closed) {
		pthread_mutex_unlock(&w->mu);
		return -1;
	}
	job->next = NULL;
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	w->queued++;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int gw_workers_close(gw_workers *w)
{
	pthread_mutex_lock(&w->mu);
	w->closed = 1;
	gw_job *j = w->head;
	w->head = w->tail = NULL;
	w->queued = 0;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	/* Outside the lock: cancel() may take other locks (it resumes a
	 * connection), and owns the job once called. */
	int n = 0;
	while (j) {
		gw_job *next = j->next;
		j->cancel(j);
		j = next;
		n++;
	}
	return n;
}

void gw_workers_load(gw_workers *w, int *queued, int *running)
{
	pthread_mutex_lock(&w->mu);
	*queued = w->queued;
	*running = w->running;
	pthread_mutex_unlock(&w->mu);
}

void gw_workers_join(gw_workers *w)
{
	gw_workers_close(w);
	/* Only the closing thread joins; a second join finds none left. */
	for (; w->n > 0; w->n--)
		pthread_join(w->threads[w->n - 1], NULL);
}

void gw_workers_free(gw_workers *w)
{
	if (!w)
		return;
	gw_workers_join(w);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->threads);
	free(w);
}
