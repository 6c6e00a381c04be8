/* fake_kis.h — scriptable in-process KIS server for the kis/ tests
 * (libmicrohttpd on 127.0.0.1, port 0). Each request is handed to the
 * test's handler, which fills the reply; every request is recorded. */
#ifndef FAKE_KIS_H
#define FAKE_KIS_H

#include <pthread.h>
#include <stddef.h>

#define FK_MAX_ARGS 40

typedef struct fk_req {
	char method[8];
	char path[256];
	char tr_id[32];
	char tr_cont[8];
	int has_tr_cont;
	char auth[2300];
	char appkey[64];
	char appsecret[256];
	char custtype[8];
	char content_type[80];
	int nargs;
	char *arg_k[FK_MAX_ARGS];
	char *arg_v[FK_MAX_ARGS];
	char *body; /* POST body, NUL-terminated */
} fk_req;

/* Decoded query argument, NULL when absent. */
const char *fk_arg(const fk_req *r, const char *key);

typedef struct fk_reply {
	int status; /* default 200 */
	char *body; /* malloc'd by the handler (fk_printf) */
	char tr_cont[4];
	int delay_ms; /* sleep before answering */
	int drop;     /* close the connection without an answer */
} fk_reply;

/* Formats the reply body. */
void fk_printf(fk_reply *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef void (*fk_handler)(void *ud, const fk_req *req, fk_reply *rep);

typedef struct fake_kis fake_kis;
fake_kis *fk_start(fk_handler h, void *ud);
void fk_stop(fake_kis *f);
/* "http://127.0.0.1:PORT" */
const char *fk_url(const fake_kis *f);
/* Requests seen so far, and copies of them (for checking headers/bodies). */
int fk_count(fake_kis *f);
/* TCP connections accepted so far (connection reuse checks). */
int fk_connections(fake_kis *f);
int fk_count_path(fake_kis *f, const char *path_suffix);
/* Copy of request i (0-based); caller frees with fk_req_free. 0 or -1. */
int fk_get(fake_kis *f, int i, fk_req *out);
void fk_req_free(fk_req *r);

#endif
