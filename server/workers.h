/* workers.h — a small fixed pool of threads for work that may block.
 *
 * The HTTP threads never wait on the network: a request whose handler may
 * block (a KIS call, the rate limiter, a SQLite write) is handed to this
 * pool as a job while its connection is suspended (http.c). A job is
 * intrusive (embedded in the caller's state), so submitting allocates
 * nothing; the pool owns a job only between submit and run/cancel. */
#ifndef GW_WORKERS_H
#define GW_WORKERS_H

typedef struct gw_job gw_job;
typedef void (*gw_job_fn)(gw_job *job);

struct gw_job {
	gw_job_fn run;    /* on a worker thread */
	gw_job_fn cancel; /* instead of run, when the pool closes with the job still queued */
	gw_job *next;     /* the pool's */
};

typedef struct gw_workers gw_workers;

/* A pool of n threads (n >= 1) with stack_size bytes of stack each (0: the
 * system's). NULL when a thread cannot be started. */
gw_workers *gw_workers_new(int n, unsigned long stack_size);
/* Queue job (run and cancel set), first come first served. 0, or -1 when
 * the pool is closed (then the job is untouched and still the caller's). */
int gw_workers_submit(gw_workers *w, gw_job *job);
/* Stop taking jobs: later submits fail, and every job still queued gets
 * its cancel() here, on the calling thread. Running jobs go on. Returns how
 * many were cancelled. Idempotent. */
int gw_workers_close(gw_workers *w);
/* Jobs queued and running now. */
void gw_workers_load(gw_workers *w, int *queued, int *running);
/* Closes, waits for the running jobs and joins the threads. The pool stays
 * valid (submits fail) until freed. Idempotent. */
void gw_workers_join(gw_workers *w);
/* Joins and frees the pool. NULL is fine. */
void gw_workers_free(gw_workers *w);

#endif
