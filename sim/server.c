/* server.c — the HTTP side of kis-sim: libmicrohttpd with a thread per
 * connection (a "delay" fault must not stall other requests), body
 * buffering, fault injection, the /uapi gate (appkey, rate limit, token,
 * tr_id) and the route table. Handlers run under st->mu; nothing sleeps
 * while holding it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "sim.h"

typedef struct sim_req {
	char *body;
	size_t len, cap;
	int too_big;
} sim_req;

const char *sim_hdr(const sim_call *c, const char *name)
{
	return MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, name);
}

typedef struct arg_find {
	const char *name;
	const char *val;
} arg_find;

static enum MHD_Result arg_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
	arg_find *f = cls;
	if (key && strcasecmp(key, f->name) == 0) {
		f->val = value ? value : "";
		return MHD_NO;
	}
	return MHD_YES;
}

const char *sim_arg(const sim_call *c, const char *name)
{
	arg_find f = {name, NULL};
	MHD_get_connection_values(c->conn, MHD_GET_ARGUMENT_KIND, arg_iter, &f);
	return f.val;
}

const char *sim_field(const sim_call *c, const char *key, char *buf, size_t len)
{
	if (!c->json)
		return NULL;
	json_t *v = json_object_get(c->json, key);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

json_t *sim_env(const char *rt_cd, const char *msg_cd, const char *msg1, int pad)
{
	json_t *o = json_object();
	sj_set_s(o, "rt_cd", rt_cd);
	sj_set_s(o, "msg_cd", msg_cd);
	if (pad) {
		char *m = sim_pad_msg(msg1);
		sj_set_s(o, "msg1", m ? m : msg1);
		free(m);
	} else {
		sj_set_s(o, "msg1", msg1);
	}
	return o;
}

void sim_reply_json(sim_reply *r, int status, json_t *body)
{
	json_decref(r->body);
	r->status = status;
	r->body = body;
}

void sim_reply_env(sim_reply *r, int status, const char *msg_cd, const char *msg1)
{
	sim_reply_json(r, status, sim_env("1", msg_cd, msg1, 0));
}

void sim_reply_oauth_err(sim_reply *r, int status, const char *code, const char *desc)
{
	json_t *o = json_object();
	sj_set_s(o, "error_description", desc);
	sj_set_s(o, "error_code", code);
	sim_reply_json(r, status, o);
}

/* ---- the /uapi route table ---- */

typedef struct sim_route {
	const char *path;
	sim_handler fn;
	int auth;            /* needs a bearer token */
	const char *real[6]; /* tr_ids valid on the real host */
	const char *virt[6]; /* tr_ids valid on the virtual host */
} sim_route;

#define DS "/uapi/domestic-stock/v1"
static const sim_route routes[] = {
    {DS "/quotations/inquire-price", sim_h_price, 1, {"FHKST01010100"}, {"FHKST01010100"}},
    {DS "/quotations/inquire-daily-price",
     sim_h_daily_price,
     1,
     {"FHKST01010400"},
     {"FHKST01010400"}},
    {DS "/quotations/inquire-daily-itemchartprice",
     sim_h_chart,
     1,
     {"FHKST03010100"},
     {"FHKST03010100"}},
    {DS "/quotations/inquire-asking-price-exp-ccn",
     sim_h_asking_price,
     1,
     {"FHKST01010200"},
     {"FHKST01010200"}},
    {DS "/quotations/inquire-time-itemchartprice",
     sim_h_time_chart,
     1,
     {"FHKST03010200"},
     {"FHKST03010200"}},
    {DS "/quotations/chk-holiday", sim_h_holiday, 1, {"CTCA0903R"}, {"VTCA0903R"}},
    {DS "/trading/inquire-balance", sim_h_balance, 1, {"TTTC8434R"}, {"VTTC8434R"}},
    {DS "/trading/inquire-psbl-order", sim_h_psbl_order, 1, {"TTTC8908R"}, {"VTTC8908R"}},
    {DS "/trading/inquire-daily-ccld",
     sim_h_ccld,
     1,
     {"TTTC0081R", "TTTC8001R", "CTSC9215R", "CTSC9115R"},
     {"VTTC0081R", "VTTC8001R", "VTSC9215R", "VTSC9115R"}},
    {DS "/trading/order-cash",
     sim_h_order_cash,
     1,
     {"TTTC0011U", "TTTC0012U", "TTTC0801U", "TTTC0802U"},
     {"VTTC0011U", "VTTC0012U", "VTTC0801U", "VTTC0802U"}},
    {DS "/trading/order-rvsecncl",
     sim_h_rvsecncl,
     1,
     {"TTTC0013U", "TTTC0803U"},
     {"VTTC0013U", "VTTC0803U"}},
    {DS "/trading/inquire-psbl-rvsecncl",
     sim_h_psbl_rvsecncl,
     1,
     {"TTTC0084R", "TTTC8036R"},
     {"VTTC0084R", "VTTC8036R"}},
    {"/uapi/hashkey", sim_h_hashkey, 0, {NULL}, {NULL}},
};

/* Ids KIS replaced in 2025 ("구TR은 사전고지 없이 막힐 수 있으므로"). */
static int is_old_tr_id(const char *id)
{
	static const char *old[] = {"8001R", "9115R", "0801U", "0802U", "0803U", "8036R"};
	size_t n = strlen(id);
	for (size_t i = 0; n >= 5 && i < sizeof(old) / sizeof(old[0]); i++)
		if (strcmp(id + n - 5, old[i]) == 0)
			return 1;
	return 0;
}

static int in_list(const char *const *l, const char *id)
{
	for (int i = 0; i < 6 && l[i]; i++)
		if (strcmp(l[i], id) == 0)
			return 1;
	return 0;
}

/* Gate every /uapi call the way KIS's API gateway does, then route. */
static void uapi_dispatch(sim_state *st, sim_call *c, sim_reply *r)
{
	const sim_route *rt = NULL;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].path, c->url) == 0)
			rt = &routes[i];
	if (!rt) {
		sim_reply_env(r, 404, "OPSQ0002", "없는 서비스 코드 입니다");
		return;
	}
	if (!c->appkey || !sim_key_ok(st, c->appkey)) {
		sim_reply_env(r, 500, "EGW00103", "유효하지 않은 AppKey입니다.");
		return;
	}
	if (!c->appsecret || !sim_secret_ok(st, c->appsecret)) {
		sim_reply_env(r, 500, "EGW00105", "유효하지 않은 AppSecret입니다.");
		return;
	}
	sim_keystate *k = sim_key_get(st, c->appkey);
	if (k && !sim_rate_take(st, k)) {
		st->c_rate_limited++;
		sim_reply_env(r, 500, "EGW00201", "초당 거래건수를 초과하였습니다.");
		return;
	}
	if (rt->auth) {
		const char *auth = sim_hdr(c, "authorization");
		const char *tok = NULL;
		if (auth && strncasecmp(auth, "Bearer ", 7) == 0)
			tok = auth + 7;
		sim_token *t = tok ? sim_token_find(st, tok) : NULL;
		if (!t || t->revoked || strcmp(t->appkey, c->appkey) != 0) {
			sim_reply_env(r, 500, "EGW00121", "유효하지 않은 token 입니다.");
			return;
		}
		if (c->now_ms >= t->exp_ms) {
			sim_reply_env(r, 500, "EGW00123", "기간이 만료된 token 입니다.");
			return;
		}
		const char *ct = sim_hdr(c, "custtype");
		if (ct && *ct && strcmp(ct, "P") != 0 && strcmp(ct, "B") != 0) {
			sim_reply_env(r, 500, "EGW00208",
			              "고객유형(custtype)이 유효하지 않습니다.");
			return;
		}
		const char *id = c->tr_id ? c->tr_id : "";
		snprintf(r->tr_id, sizeof(r->tr_id), "%.23s", id);
		const char *const *mine = st->cfg.env == SIM_REAL ? rt->real : rt->virt;
		const char *const *other = st->cfg.env == SIM_REAL ? rt->virt : rt->real;
		if (!in_list(mine, id) || (st->cfg.new_tr_ids_only && is_old_tr_id(id))) {
			if (*id && in_list(other, id))
				sim_reply_env(r, 500, "EGW2004",
				              st->cfg.env == SIM_REAL ? "실전투자 TR 이 아닙니다."
				                                      : "모의투자 TR 이 아닙니다.");
			else
				sim_reply_env(r, 500, "OPSQ0002", "없는 서비스 코드 입니다");
			return;
		}
	}
	sim_count_tr(st, rt->auth ? c->tr_id : "hashkey");
	if (c->json_bad) {
		sim_reply_env(r, 500, "OPSQ1001", "ERROR : INPUT JSON PARSE FAIL");
		return;
	}
	rt->fn(st, c, r);
}

static void dispatch(sim_state *st, sim_call *c, sim_reply *r)
{
	st->c_requests++;
	sim_match_all(st, c->now_ms);
	if (strncmp(c->url, "/__sim/", 7) == 0 || strcmp(c->url, "/__sim") == 0) {
		sim_control(st, c, r);
		return;
	}
	int post = strcmp(c->method, "POST") == 0;
	if (strcmp(c->url, "/oauth2/tokenP") == 0 && post)
		sim_h_token(st, c, r);
	else if (strcmp(c->url, "/oauth2/revokeP") == 0 && post)
		sim_h_revoke(st, c, r);
	else if (strcmp(c->url, "/oauth2/Approval") == 0 && post)
		sim_h_approval(st, c, r);
	else if (strncmp(c->url, "/oauth2/", 8) == 0)
		sim_reply_oauth_err(r, 404, "EGW00002", "서버 에러가 발생했습니다.");
	else if (strncmp(c->url, "/uapi/", 6) == 0)
		uapi_dispatch(st, c, r);
	else
		sim_reply_env(r, 404, "OPSQ0002", "없는 서비스 코드 입니다");
}

/* First fault whose match equals the path (or its last segments) or tr_id. */
static int fault_take(sim_state *st, const char *url, const char *tr_id, sim_fault *out)
{
	if (strncmp(url, "/__sim", 6) == 0)
		return 0;
	for (int i = 0; i < st->nfaults; i++) {
		sim_fault *f = &st->faults[i];
		if (f->count <= 0)
			continue;
		size_t ml = strlen(f->match), ul = strlen(url);
		int hit = (tr_id && strcmp(tr_id, f->match) == 0) || strcmp(url, f->match) == 0 ||
		          (ml < ul && f->match[0] != 0 && strcmp(url + ul - ml, f->match) == 0 &&
		           (f->match[0] == '/' || url[ul - ml - 1] == '/'));
		if (!hit)
			continue;
		*out = *f;
		if (--f->count == 0) {
			memmove(f, f + 1, sizeof(*f) * (size_t)(st->nfaults - i - 1));
			st->nfaults--;
		}
		st->c_faults_fired++;
		return 1;
	}
	return 0;
}

/* A "delay" fault: sleep in short steps so SIGTERM is not held up. */
static void sleep_ms(sim_state *st, int ms)
{
	while (ms > 0 && !__atomic_load_n(&st->stopping, __ATOMIC_RELAXED)) {
		int step = ms < 50 ? ms : 50;
		struct timespec ts = {0, (long)step * 1000000L};
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/* A "truncated" fault: the reply announces its whole length and the
 * connection is closed after the first half of the body. */
typedef struct cut_body {
	char *buf;
	size_t cut;
} cut_body;

static ssize_t cut_read(void *cls, uint64_t pos, char *out, size_t max)
{
	cut_body *b = cls;
	if (pos >= b->cut)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	size_t n = b->cut - (size_t)pos < max ? b->cut - (size_t)pos : max;
	memcpy(out, b->buf + pos, n);
	return (ssize_t)n;
}

static void cut_free(void *cls)
{
	cut_body *b = cls;
	free(b->buf);
	free(b);
}

static struct MHD_Response *cut_response(char *buf, size_t len)
{
	cut_body *b = malloc(sizeof(*b));
	if (!b)
		return NULL;
	b->buf = buf;
	b->cut = len / 2;
	struct MHD_Response *resp =
	    MHD_create_response_from_callback(len, 4096, cut_read, b, cut_free);
	if (!resp)
		free(b);
	return resp;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, sim_reply *r, int gt_uid_n,
                                  int truncate)
{
	char *buf;
	size_t len;
	const char *ctype = "application/json; charset=utf-8";
	if (r->raw) {
		buf = r->raw;
		r->raw = NULL;
		len = strlen(buf);
		ctype = r->ctype ? r->ctype : "text/html";
	} else {
		buf = json_dumps(r->body ? r->body : json_object(), JSON_COMPACT);
		if (!buf)
			return MHD_NO;
		len = strlen(buf);
	}
	struct MHD_Response *resp =
	    truncate ? cut_response(buf, len)
	             : MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", ctype);
	if (r->tr_id[0])
		MHD_add_response_header(resp, "tr_id", r->tr_id);
	if (r->has_tr_cont)
		MHD_add_response_header(resp, "tr_cont", r->tr_cont);
	if (gt_uid_n > 0) {
		char gt[40];
		snprintf(gt, sizeof(gt), "%032x", gt_uid_n);
		MHD_add_response_header(resp, "gt_uid", gt);
	}
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
	sim_state *st = cls;
	sim_req *rq = *req_cls;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*req_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		if (!rq->too_big && rq->len + n <= SIM_BODY_MAX) {
			if (rq->len + n + 1 > rq->cap) {
				size_t cap = (rq->len + n + 1) * 2;
				char *b = realloc(rq->body, cap);
				if (!b)
					return MHD_NO;
				rq->body = b;
				rq->cap = cap;
			}
			memcpy(rq->body + rq->len, upload_data, n);
			rq->len += n;
			rq->body[rq->len] = 0;
		} else {
			rq->too_big = 1;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}

	if (sim_ws_wanted(conn) && strcmp(method, "GET") == 0)
		return (enum MHD_Result)sim_ws_accept(st, conn);

	sim_call c;
	memset(&c, 0, sizeof(c));
	c.conn = conn;
	c.method = method;
	c.url = url;
	c.body = rq->body ? rq->body : "";
	c.body_len = rq->len;
	c.tr_id = sim_hdr(&c, "tr_id");
	c.tr_cont = sim_hdr(&c, "tr_cont");
	c.appkey = sim_hdr(&c, "appkey");
	c.appsecret = sim_hdr(&c, "appsecret");
	if (rq->len > 0) {
		json_error_t jerr;
		c.json = json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(c.json)) {
			json_decref(c.json);
			c.json = NULL;
			c.json_bad = 1;
		}
	}

	sim_reply r;
	memset(&r, 0, sizeof(r));
	r.status = 200;
	sim_fault f;
	int faulted;
	pthread_mutex_lock(&st->mu);
	faulted = fault_take(st, url, c.tr_id, &f);
	int gt = (int)(st->c_requests + 1);
	pthread_mutex_unlock(&st->mu);

	int drop_after = 0, truncate = 0;
	if (faulted) {
		switch (f.kind) {
		case F_DELAY:
			sleep_ms(st, f.delay_ms);
			faulted = 0; /* then serve normally */
			break;
		case F_DROP:
			json_decref(c.json);
			return MHD_NO;
		case F_DROP_AFTER:
			drop_after = 1;
			faulted = 0;
			break;
		case F_TRUNCATED:
			truncate = 1;
			faulted = 0;
			break;
		case F_RATE_LIMIT:
			sim_reply_env(&r, 500, "EGW00201", "초당 거래건수를 초과하였습니다.");
			break;
		case F_EGW00001:
			sim_reply_env(&r, 500, "EGW00001", "일시적 오류가 발생했습니다.");
			break;
		case F_EXPIRED_TOKEN:
			sim_reply_env(&r, 500, "EGW00123", "기간이 만료된 token 입니다.");
			break;
		case F_INVALID_TOKEN:
			sim_reply_env(&r, 500, "EGW00121", "유효하지 않은 token 입니다.");
			break;
		case F_EGW00215:
			sim_reply_env(&r, 500, "EGW00215",
			              "원장에서 허용 가능한 초당 거래건수를 초과하였습니다.");
			break;
		case F_EGW00300:
			sim_reply_env(&r, 500, "EGW00300", "Gateway 라우팅 오류가 발생했습니다.");
			break;
		case F_EGW_UNKNOWN:
			sim_reply_env(&r, 500, "EGW99001", "알 수 없는 게이트웨이 오류입니다.");
			break;
		case F_ZERO_QUOTE:
			sim_zero_quote(&r);
			break;
		case F_HTTP_500:
			r.status = 500;
			r.raw =
			    strdup("<html><body><h1>500 Internal Server Error</h1></body></html>");
			r.ctype = "text/html";
			break;
		case F_NON_JSON:
		default:
			r.status = 502;
			r.raw = strdup("<html><body><h1>502 Bad Gateway</h1></body></html>");
			r.ctype = "text/html";
			break;
		}
	}
	if (!faulted) {
		if (rq->too_big) {
			sim_reply_env(&r, 413, "OPSQ2002",
			              "ERROR : INPUT INVALID_CHECK_FIELD_LENGTH");
		} else {
			pthread_mutex_lock(&st->mu);
			c.now_ms = kclock_now_ms(&st->clock);
			int before = st->norders;
			dispatch(st, &c, &r);
			/* drop_after_order / truncated: the order is taken, the reply lost. */
			for (int i = before; (drop_after || truncate) && i < st->norders; i++)
				st->orders[i].dropped = 1;
			pthread_mutex_unlock(&st->mu);
		}
	}
	json_decref(c.json);
	if (drop_after) {
		json_decref(r.body);
		free(r.raw);
		return MHD_NO;
	}
	if (!faulted && strncmp(url, "/uapi/", 6) != 0)
		gt = 0;
	enum MHD_Result ret = send_reply(conn, &r, gt, truncate);
	json_decref(r.body);
	free(r.raw);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
	sim_req *rq = *req_cls;
	if (rq) {
		free(rq->body);
		free(rq);
		*req_cls = NULL;
	}
}

/* --quiet: libmicrohttpd's own messages (e.g. about a dropped connection,
 * which fault injection does on purpose) go nowhere. */
static void log_nothing(void *cls, const char *fm, va_list ap)
{
}

/* fm is libmicrohttpd's own printf format (checked as one). */
__attribute__((format(printf, 2, 0))) static void log_stderr(void *cls, const char *fm, va_list ap)
{
	fputs("kis-sim: ", stderr);
	vfprintf(stderr, fm, ap);
}

static int parse_listen(const char *spec, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(spec, ':');
	if (!colon || (size_t)(colon - spec) >= sizeof(host))
		return -1;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = 0;
	int64_t port;
	if (sim_parse_i64(colon + 1, &port) != 0 || port < 0 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -1;
	return 0;
}

int sim_server_run(sim_state *st)
{
	struct sockaddr_in sa;
	if (parse_listen(st->cfg.listen, &sa) != 0) {
		fprintf(stderr, "kis-sim: invalid --listen %s (want IPv4:PORT)\n", st->cfg.listen);
		return 2;
	}
	/* Block the stop signals in every thread; main waits for them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_ALLOW_UPGRADE |
	        (st->cfg.quiet ? 0 : MHD_USE_ERROR_LOG),
	    0, NULL, NULL, on_request, st,
	    /* The logger must come first or MHD warns on stderr. */
	    MHD_OPTION_EXTERNAL_LOGGER, st->cfg.quiet ? log_nothing : log_stderr, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
	    st, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "kis-sim: cannot listen on %s\n", st->cfg.listen);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
	printf("listening on %s:%u\n", ip, info ? (unsigned)info->port : 0u);
	fflush(stdout);
	int sig = 0;
	sigwait(&set, &sig);
	__atomic_store_n(&st->stopping, 1, __ATOMIC_RELAXED);
	/* WebSocket sessions notice the flag within one 100 ms poll; let them
	 * close their upgraded sockets before the daemon goes away. */
	for (int i = 0; i < 50; i++) {
		pthread_mutex_lock(&st->mu);
		int n = st->nws;
		pthread_mutex_unlock(&st->mu);
		if (n == 0)
			break;
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (!st->cfg.quiet)
		fprintf(stderr, "kis-sim: signal %d, stopping\n", sig);
	MHD_stop_daemon(d);
	return 0;
}
