/* harness.h — integration-test helpers: start the real kis-sim and kisgw
 * binaries on free loopback ports and talk HTTP to them with libcurl. */
#ifndef H_HARNESS_H
#define H_HARNESS_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct h_proc {
	pid_t pid;
	int port;
	int out_fd; /* the child's stdout, after the "listening on" line */
} h_proc;

/* Path of a built executable (the build's bin directory). */
const char *h_bin(const char *name);
/* A fresh temporary directory (removed by h_rmdir). */
char *h_tmpdir(void);
void h_rmdir(char *dir);

/* Start exe with args (NULL-terminated, without argv[0]) and exactly the
 * environment env ("K=V", NULL-terminated; PATH is added). stderr goes to
 * log_path (appended) when not NULL. Waits for "listening on H:PORT" on
 * stdout; 0 on success. */
int h_spawn(h_proc *p, const char *exe, const char *const *args, const char *const *env,
            const char *log_path);
/* kis-sim on 127.0.0.1:0 with extra args. */
int h_start_sim(h_proc *p, const char *const *args);
/* The fixed test credentials h_start_gw passes: this app key, and an app
 * secret of 180 H_APP_SECRET_CH characters. */
#define H_APP_KEY       "PStestAppKey0123456789abcdefghijklmn"
#define H_APP_SECRET_CH 'S'
/* kisgw on 127.0.0.1:0 talking to the simulator on sim_port with fixed
 * test credentials, database dir/kisgw.db, plus extra env. */
int h_start_gw(h_proc *p, int sim_port, const char *dir, const char *const *env);
/* KISGW_TEST_VALGRIND=DIR (valgrind.c): kisgw runs under valgrind, one log
 * per process in DIR. h_wrap_argv turns argv (argc entries, NULL after them,
 * room for cap) of exe into valgrind's when exe is kisgw and returns the
 * program to execute; h_slow is the factor the harness's waits grow by. */
const char *h_wrap_argv(const char *exe, const char **argv, int *argc, int cap);
int h_slow(void);
/* h_start_gw with KISGW_CLOCK set to the simulator's current time (to the
 * second), so the two clocks agree, plus extra env. */
int h_start_gw_sim_clock(h_proc *p, int sim_port, const char *dir, const char *const *env);
/* Send sig (0: none) and wait; the exit status, 128+signal, or -1. */
int h_stop(h_proc *p, int sig);
/* 1 while the process runs. */
int h_alive(pid_t pid);

/* Run exe with args (NULL-terminated, without argv[0]) and exactly env (as
 * h_spawn) to completion, at most timeout_s seconds (then SIGKILL). Its
 * stdout and stderr are returned in *out and *err (malloc'd, NUL-terminated;
 * either may be NULL to discard). The exit status, 128+signal, or -1. */
int h_run(const char *exe, const char *const *args, const char *const *env, int timeout_s,
          char **out, char **err);

typedef struct h_resp {
	long status;
	char *body;
	size_t len;
	char *headers;
	json_t *json; /* parsed body or NULL */
} h_resp;

/* One HTTP exchange. headers: "Name: value" strings, NULL-terminated.
 * 0 on a completed exchange (any status), -1 on transport failure. */
int h_http(h_resp *r, const char *method, int port, const char *path, const char *body,
           const char *const *headers);
/* Header value (case-insensitive name) into buf; NULL when absent. */
const char *h_header(const h_resp *r, const char *name, char *buf, size_t n);
void h_resp_free(h_resp *r);

/* GET/POST to a process, returning the parsed JSON body (NULL on failure);
 * status in *status when not NULL. */
json_t *h_json(int port, const char *method, const char *path, const char *body, long *status);
/* The error code of an error envelope, or "". */
const char *h_err_code(const h_resp *r);
/* kis-sim counter by name from GET /__sim/counters (-1 when absent). A
 * dotted name like "calls.FHKST01010100" walks nested objects. */
long long h_sim_counter(int sim_port, const char *name);

/* Raw HTTP over a loopback socket (raw.c), for requests curl cannot send. */
typedef struct h_raw_resp {
	char *buf; /* everything received, NUL-terminated */
	size_t len;
	int closed; /* the server closed the connection */
} h_raw_resp;

/* Connect, send len bytes, read until the server closes, r holds want
 * complete responses (want > 0) or timeout_ms passes; 0 when done, -1 on
 * timeout or failure (buf kept). */
int h_raw(int port, const void *req, size_t len, h_raw_resp *r, int timeout_ms, int want);
int h_raw_connect(int port);
/* From a given loopback source address (127.0.0.2: "another client"). */
int h_raw_connect_from(const char *src, int port);
int h_raw_send(int fd, const void *buf, size_t len);
/* Read into r until it holds want complete responses (want <= 0: until
 * close); 0 done, -1 on timeout. */
int h_raw_read(int fd, h_raw_resp *r, int timeout_ms, int want);
/* Complete responses in r; status / JSON body / a header of the i-th. */
int h_raw_count(const h_raw_resp *r);
int h_raw_status(const h_raw_resp *r, int i);
json_t *h_raw_json(const h_raw_resp *r, int i);
const char *h_raw_header(const h_raw_resp *r, int i, const char *name, char *out, size_t n);
void h_raw_free(h_raw_resp *r);

/* A kis-sim + kisgw pair in a fresh data directory (stack.c). */
typedef struct h_stack {
	h_proc sim, gw;
	char *dir;
} h_stack;
/* kis-sim with "--clock clock --seed 7" and sim_args, then kisgw on it with
 * KISGW_CLOCK=clock, gw_env and gw_more (a suite's own settings, then a
 * case's; any list may be NULL). 0 or -1. */
int h_stack_up(h_stack *s, const char *clock, const char *const *sim_args,
               const char *const *gw_env, const char *const *gw_more);
/* The two halves of h_stack_up, for a suite that sets up the simulator's
 * accounts before kisgw starts (its backfill reads them). */
int h_stack_sim(h_stack *s, const char *clock, const char *const *sim_args);
int h_stack_gw(h_stack *s, const char *clock, const char *const *gw_env,
               const char *const *gw_more);
/* Stops kisgw (SIGTERM) and kis-sim, removes the directory; kisgw's exit
 * status (0 after a clean shutdown). */
int h_stack_down(h_stack *s);
/* POST body to kis-sim's control path; 0 on 200 (else the reply goes to
 * stderr and -1). */
int h_sim_post(int sim_port, const char *path, const char *body);
/* Arms a kis-sim fault: the next count calls matching match (path, path
 * suffix or tr_id) get kind (sim/README.md lists the kinds). 0 or -1. */
int h_sim_fault(int sim_port, const char *match, const char *kind, int count);

#endif
