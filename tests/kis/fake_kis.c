/* fake_kis.c — see fake_kis.h. */
#include "fake_kis.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct fake_kis {
	struct MHD_Daemon *d;
	fk_handler h;
	void *ud;
	char url[64];
	pthread_mutex_t mu;
	fk_req *log;
	int n, cap;
	int conns; /* TCP connections accepted */
};

typedef struct conn_ctx {
	char *body;
	size_t len;
} conn_ctx;

const char *fk_arg(const fk_req *r, const char *key)
{
	for (int i = 0; i < r->nargs; i++)
		if (strcasecmp(r->arg_k[i], key) == 0)
			return r->arg_v[i];
	return NULL;
}

void fk_printf(fk_reply *rep, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(rep->body);
	rep->body = s;
}

static void copy_hdr(struct MHD_Connection *c, const char *name, char *dst, size_t cap,
                     int *present)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
	if (present)
		*present = v != NULL;
	snprintf(dst, cap, "%s", v ? v : "");
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
	fk_req *r = cls;
	if (r->nargs < FK_MAX_ARGS) {
		r->arg_k[r->nargs] = strdup(key);
		r->arg_v[r->nargs] = strdup(value ? value : "");
		r->nargs++;
	}
	return MHD_YES;
}

static void req_copy(const fk_req *src, fk_req *dst)
{
	*dst = *src;
	for (int i = 0; i < src->nargs; i++) {
		dst->arg_k[i] = strdup(src->arg_k[i]);
		dst->arg_v[i] = strdup(src->arg_v[i]);
	}
	dst->body = src->body ? strdup(src->body) : NULL;
}

void fk_req_free(fk_req *r)
{
	for (int i = 0; i < r->nargs; i++) {
		free(r->arg_k[i]);
		free(r->arg_v[i]);
	}
	free(r->body);
	memset(r, 0, sizeof *r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
	fake_kis *f = cls;
	conn_ctx *cc = *req_cls;
	if (!cc) {
		cc = calloc(1, sizeof *cc);
		*req_cls = cc;
		return MHD_YES;
	}
	if (*upload_size) {
		char *nb = realloc(cc->body, cc->len + *upload_size + 1);
		if (!nb)
			return MHD_NO;
		cc->body = nb;
		memcpy(cc->body + cc->len, upload, *upload_size);
		cc->len += *upload_size;
		cc->body[cc->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	fk_req r;
	memset(&r, 0, sizeof r);
	snprintf(r.method, sizeof r.method, "%s", method);
	snprintf(r.path, sizeof r.path, "%s", url);
	copy_hdr(conn, "tr_id", r.tr_id, sizeof r.tr_id, NULL);
	copy_hdr(conn, "tr_cont", r.tr_cont, sizeof r.tr_cont, &r.has_tr_cont);
	copy_hdr(conn, "authorization", r.auth, sizeof r.auth, NULL);
	copy_hdr(conn, "appkey", r.appkey, sizeof r.appkey, NULL);
	copy_hdr(conn, "appsecret", r.appsecret, sizeof r.appsecret, NULL);
	copy_hdr(conn, "custtype", r.custtype, sizeof r.custtype, NULL);
	copy_hdr(conn, "content-type", r.content_type, sizeof r.content_type, NULL);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &r);
	r.body = cc->body ? strdup(cc->body) : NULL;

	pthread_mutex_lock(&f->mu);
	if (f->n == f->cap) {
		int ncap = f->cap ? f->cap * 2 : 64;
		fk_req *nl = realloc(f->log, (size_t)ncap * sizeof *nl);
		if (nl) {
			f->log = nl;
			f->cap = ncap;
		}
	}
	if (f->n < f->cap)
		req_copy(&r, &f->log[f->n++]);
	pthread_mutex_unlock(&f->mu);

	fk_reply rep;
	memset(&rep, 0, sizeof rep);
	rep.status = 200;
	f->h(f->ud, &r, &rep);
	fk_req_free(&r);
	if (rep.delay_ms > 0) {
		struct timespec ts = {rep.delay_ms / 1000, (rep.delay_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (rep.drop) {
		free(rep.body);
		return MHD_NO;
	}
	const char *b = rep.body ? rep.body : "";
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(strlen(b), (void *)b, MHD_RESPMEM_MUST_COPY);
	free(rep.body);
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	if (rep.tr_cont[0])
		MHD_add_response_header(resp, "tr_cont", rep.tr_cont);
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)rep.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **req_cls,
                    enum MHD_RequestTerminationCode toe)
{
	conn_ctx *cc = *req_cls;
	if (cc) {
		free(cc->body);
		free(cc);
		*req_cls = NULL;
	}
}

static void on_conn(void *cls, struct MHD_Connection *conn, void **socket_context,
                    enum MHD_ConnectionNotificationCode toe)
{
	fake_kis *f = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		pthread_mutex_lock(&f->mu);
		f->conns++;
		pthread_mutex_unlock(&f->mu);
	}
}

int fk_connections(fake_kis *f)
{
	pthread_mutex_lock(&f->mu);
	int n = f->conns;
	pthread_mutex_unlock(&f->mu);
	return n;
}

fake_kis *fk_start(fk_handler h, void *ud)
{
	fake_kis *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->h = h;
	f->ud = ud;
	pthread_mutex_init(&f->mu, NULL);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->d = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, on_request, f, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED,
	    on_done, f, MHD_OPTION_NOTIFY_CONNECTION, on_conn, f, MHD_OPTION_CONNECTION_LIMIT, 200u,
	    MHD_OPTION_END);
	if (!f->d) {
		free(f);
		return NULL;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u", di ? di->port : 0);
	return f;
}

void fk_stop(fake_kis *f)
{
	if (!f)
		return;
	MHD_stop_daemon(f->d);
	for (int i = 0; i < f->n; i++)
		fk_req_free(&f->log[i]);
	free(f->log);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

const char *fk_url(const fake_kis *f)
{
	return f->url;
}

int fk_count(fake_kis *f)
{
	pthread_mutex_lock(&f->mu);
	int n = f->n;
	pthread_mutex_unlock(&f->mu);
	return n;
}

int fk_count_path(fake_kis *f, const char *suffix)
{
	pthread_mutex_lock(&f->mu);
	int k = 0;
	size_t sl = strlen(suffix);
	for (int i = 0; i < f->n; i++) {
		size_t pl = strlen(f->log[i].path);
		if (pl >= sl && strcmp(f->log[i].path + pl - sl, suffix) == 0)
			k++;
	}
	pthread_mutex_unlock(&f->mu);
	return k;
}

int fk_get(fake_kis *f, int i, fk_req *out)
{
	pthread_mutex_lock(&f->mu);
	int rc = -1;
	if (i >= 0 && i < f->n) {
		req_copy(&f->log[i], out);
		rc = 0;
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}
