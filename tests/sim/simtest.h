/* simtest.h — helpers for the kis-sim tests: spawn the built kis-sim on
 * port 0, wait for its "listening on" line, and talk to it with libcurl
 * the way KIS clients do (lower-case KIS headers, JSON bodies). */
#ifndef SIMTEST_H
#define SIMTEST_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "harness.h"

#define T_APPKEY    "PSabcdefghijklmnopqrstuvwxyz01234567"
#define T_SECRET_CH 'S'
#define T_ACCT      "12345678"

typedef struct simproc {
	h_proc proc; /* the running kis-sim (tests/harness) */
	pid_t pid;
	int port;
	char base[64];
	char secret[181];
	char token[1024];
} simproc;

typedef struct sresp {
	long status;
	int curl_rc; /* CURLcode; nonzero when the connection failed/dropped */
	char *body;
	json_t *json;    /* parsed body or NULL */
	char tr_cont[8]; /* response header "tr_cont" (lower-case name only) */
	int has_tr_cont;
	char tr_id[32];
} sresp;

/* Start kis-sim with --listen 127.0.0.1:0 --quiet plus extra args
 * (NULL-terminated). Returns 0 or -1. */
int simp_start(simproc *p, const char *const *extra);
/* SIGKILL every sim a failed test left running (a cmocka teardown). */
void simp_reap_all(void);
/* SIGTERM, wait; returns the exit status (0 expected). */
int simp_stop(simproc *p);

/* One HTTP call. tr_id / tr_cont / body may be NULL. Sends appkey,
 * appsecret, custtype and (when p->token is set) the bearer token. */
void simp_call(simproc *p, const char *method, const char *path, const char *tr_id,
               const char *tr_cont, const char *body, sresp *r);
void sresp_free(sresp *r);

/* Control API shortcuts: POST JSON to /__sim/<path>; returns HTTP status. */
long simp_ctl(simproc *p, const char *path, const char *json_body);
/* Issue a token into p->token (advancing the sim clock 61 s first when
 * asked, to step over the one-a-minute rule). Returns HTTP status. */
long simp_token(simproc *p);

/* WebSocket client: upgrade on path (fd or -1), send one masked frame,
 * receive one frame (malloc'd payload, NULL on timeout/close). */
int ws_open(simproc *p, const char *path);
int ws_send(int fd, int opcode, const char *data, size_t n);
char *ws_recv(int fd, int timeout_ms, int *opcode);

/* Member of an object as a string ("" when absent). */
const char *js(const json_t *o, const char *k);
long long jsi(const json_t *o, const char *k);

#endif
