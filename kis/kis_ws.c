/* kis_ws.c — the KIS real-time WebSocket session (libwebsockets client).
 *
 * One thread owns the lws context and everything below marked "session
 * thread". It gets an approval key (/oauth2/Approval), connects to the
 * configured ws:// URL, subscribes the execution notices (H0STCNI0 real /
 * H0STCNI9 virtual, tr_key = HTS ID: one registration, far below KIS's 41),
 * keeps the AES key/iv of the subscribe reply, decodes every notice frame
 * and hands each record to cfg.on_notice.
 *
 * KIS rules it follows (KIS_API.md §9): no client ping frames (KIS drops
 * sessions that send them — lws's idle ping is pushed out to its maximum);
 * PINGPONG is echoed as the same text; reconnects back off exponentially
 * with up to 50% jitter and happen only while cfg.may_connect says so (KIS
 * restarts its servers outside trading hours, and connect/close loops get
 * an IP blocked); OPSP8996 (a second session for the app key) is reported
 * and not fought: no new attempt for OPSP8996_HOLD_MS.
 */
#include "kis_internal.h"

#include "kclock.h"
#include "klog.h"

#include <libwebsockets.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WS_MAX_MSG        (256 * 1024)
#define WS_MAX_QUEUE      64
#define WS_TICK_US        (200 * LWS_US_PER_MS)
#define OPSP8996_HOLD_MS  (30 * 60 * 1000)   /* another client holds the session */
#define REFUSED_HOLD_MS   (5 * 60 * 1000)    /* subscribe refused (bad HTS ID, tr_id…) */
#define APPROVAL_REUSE_MS (12 * 3600 * 1000) /* KIS: valid 24 h */
#define NOTICES_PER_FRAME 64

struct kis_ws {
	kis_client *kis;
	kis_ws_config cfg;
	char *url, *hts_id;
	char host[128], path[256];
	int port;
	const char *tr_id;

	struct lws_context *ctx;
	pthread_t thread;
	int started;
	atomic_int stop;

	pthread_mutex_t mu; /* state, reason, stats */
	kis_ws_state state;
	char reason[256];
	kis_ws_stats stats;

	/* session thread */
	struct lws *wsi;
	char approval[512];
	int64_t approval_ms;
	char aes_key[40], aes_iv[24];
	char *rx;
	size_t rxn;
	char *outq[WS_MAX_QUEUE];
	size_t nout;
	int attempts;
	int64_t next_attempt_ms;
	int layout_warned, layout_bad;
	int refused; /* the session ended on a refusal whose reason must stay shown */
	unsigned seed;
	lws_sorted_usec_list_t tick;
};

const char *kis_ws_state_name(kis_ws_state s)
{
	static const char *const names[KIS_WS__MAX] = {"off", "connecting", "connected", "polling"};
	return (unsigned)s < KIS_WS__MAX ? names[s] : "?";
}

static void set_state(kis_ws *w, kis_ws_state st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_state(kis_ws *w, kis_ws_state st, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&w->mu);
	int changed = w->state != st || strcmp(w->reason, why) != 0;
	w->state = st;
	snprintf(w->reason, sizeof(w->reason), "%s", why);
	pthread_mutex_unlock(&w->mu);
	if (!changed || atomic_load(&w->stop))
		return;
	klogf(st == KIS_WS_POLLING ? KLOG_WARN : KLOG_INFO, "kis", "realtime %s%s%s",
	      kis_ws_state_name(st), why[0] ? ": " : "", why);
	if (w->cfg.on_state)
		w->cfg.on_state(w->cfg.ctx, st, why);
}

static void stat_inc(kis_ws *w, uint64_t *f)
{
	pthread_mutex_lock(&w->mu);
	(*f)++;
	pthread_mutex_unlock(&w->mu);
}

/* ---- approval key ---- */

int kis_approval_key_get(kis_client *c, char *out, size_t cap, kis_error *err)
{
	memset(err, 0, sizeof(*err));
	json_t *req = json_pack("{s:s, s:s, s:s}", "grant_type", "client_credentials", "appkey",
	                        c->app_key, "secretkey", c->app_secret);
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body) {
		kis_err_set(err, KIS_E_INTERNAL, "out of memory");
		return KIS_E_INTERNAL;
	}
	kis_http_req hr = {.method = "POST", .path = "/oauth2/Approval", .body = body};
	kis_http_resp resp = {0};
	int rc = kis_http_do(c, &hr, &resp, err);
	memset(body, 0, strlen(body));
	free(body);
	if (rc != 0)
		return rc;
	json_t *j = NULL;
	kis_class cl = kis_classify(resp.status, resp.body, resp.len, 1, &j, err);
	kis_http_resp_free(&resp);
	if (cl != KIS_CL_OK) {
		json_decref(j);
		if (cl == KIS_CL_EMPTY)
			err->status = KIS_E_BAD_REPLY;
		return err->status;
	}
	const char *k = json_string_value(json_object_get(j, "approval_key"));
	if (!k || !k[0] || strlen(k) >= cap) {
		json_decref(j);
		kis_err_set(err, KIS_E_BAD_REPLY, "Approval reply without a usable approval_key");
		return KIS_E_BAD_REPLY;
	}
	snprintf(out, cap, "%s", k);
	json_decref(j);
	return KIS_OK;
}

/* ---- outgoing text frames ---- */

static void queue_text(kis_ws *w, char *msg)
{
	if (!msg)
		return;
	if (w->nout == WS_MAX_QUEUE || !w->wsi) {
		free(msg); /* a peer that never reads loses echoes, not memory */
		return;
	}
	w->outq[w->nout++] = msg;
	lws_callback_on_writable(w->wsi);
}

static void queue_clear(kis_ws *w)
{
	for (size_t i = 0; i < w->nout; i++)
		free(w->outq[i]);
	w->nout = 0;
}

static char *subscribe_msg(const kis_ws *w)
{
	json_t *m =
	    json_pack("{s:{s:s, s:s, s:s, s:s}, s:{s:{s:s, s:s}}}", "header", "approval_key",
	              w->approval, "custtype", "P", "tr_type", "1", "content-type", "utf-8", "body",
	              "input", "tr_id", w->tr_id, "tr_key", w->hts_id);
	char *s = m ? json_dumps(m, JSON_COMPACT) : NULL;
	json_decref(m);
	return s;
}

/* ---- incoming ---- */

static void on_data(kis_ws *w, const char *msg, size_t n)
{
	if (n < 11 || memcmp(msg + 2, "H0STCNI", 7) != 0)
		return; /* price ticks and other TRs: not subscribed here */
	kis_notice rec[NOTICES_PER_FRAME];
	size_t nrec = 0;
	char why[160];
	kis_decode_rc rc = kis_notice_decode(msg, n, w->aes_key, w->aes_iv, rec, NOTICES_PER_FRAME,
	                                     &nrec, why, sizeof(why));
	if (rc == KIS_DECODE_LAYOUT) {
		if (!w->layout_warned)
			klogf(KLOG_WARN, "kis", "execution notice in an unknown layout (%s)", why);
		w->layout_warned = w->layout_bad = 1;
		stat_inc(w, &w->stats.decode_errors);
		set_state(w, KIS_WS_POLLING, "execution notices in an unknown layout (%s)", why);
		return;
	}
	if (rc != KIS_DECODE_OK) {
		klogf(KLOG_WARN, "kis", "execution notice not decoded: %s", why);
		stat_inc(w, &w->stats.decode_errors);
		return;
	}
	pthread_mutex_lock(&w->mu);
	w->stats.notices += nrec;
	pthread_mutex_unlock(&w->mu);
	if (w->layout_bad)
		return; /* the poller owns this session's fills now */
	for (size_t i = 0; i < nrec; i++)
		if (w->cfg.on_notice)
			w->cfg.on_notice(w->cfg.ctx, &rec[i]);
}

/* Returns -1 when the session must close. */
static int on_control(kis_ws *w, const char *msg, size_t n)
{
	kis_ws_control c;
	if (kis_ws_control_parse(msg, n, &c) != 0) {
		klogf(KLOG_WARN, "kis", "WebSocket text frame that is neither data nor JSON");
		return 0;
	}
	if (c.pingpong) {
		stat_inc(w, &w->stats.pingpongs);
		queue_text(w, strndup(msg, n)); /* echo as text, as KIS's clients do */
		return 0;
	}
	if (strcmp(c.tr_id, w->tr_id) != 0)
		return 0;
	int64_t now = mono_ms();
	if (!strcmp(c.rt_cd, "0") &&
	    (!strcmp(c.msg_cd, "OPSP0000") || !strcmp(c.msg_cd, "OPSP0002"))) {
		if (c.key[0] && c.iv[0]) {
			snprintf(w->aes_key, sizeof(w->aes_key), "%s", c.key);
			snprintf(w->aes_iv, sizeof(w->aes_iv), "%s", c.iv);
		}
		if (strlen(w->aes_key) != 32 || strlen(w->aes_iv) != 16) {
			set_state(w, KIS_WS_POLLING, "subscribe reply without a usable key/iv");
			w->next_attempt_ms = now + REFUSED_HOLD_MS;
			w->refused = 1;
			return -1;
		}
		w->attempts = 0;
		set_state(w, KIS_WS_CONNECTED, "%s", "");
		return 0;
	}
	if (!strcmp(c.msg_cd, "OPSP8996")) {
		set_state(w, KIS_WS_POLLING,
		          "KIS refused the session: another client holds this app key's WebSocket "
		          "(OPSP8996 %s); not retrying for %d min",
		          c.msg1, OPSP8996_HOLD_MS / 60000);
		w->next_attempt_ms = now + OPSP8996_HOLD_MS;
		w->refused = 1;
		return -1;
	}
	if (strstr(c.msg1, "invalid approval"))
		w->approval[0] = 0; /* fetch a fresh one next time */
	set_state(w, KIS_WS_POLLING, "subscribe refused: %s %s", c.msg_cd, c.msg1);
	w->next_attempt_ms = now + REFUSED_HOLD_MS;
	w->refused = 1;
	return -1;
}

static int on_message(kis_ws *w, const char *msg, size_t n)
{
	stat_inc(w, &w->stats.frames);
	if (n && (msg[0] == '0' || msg[0] == '1')) {
		on_data(w, msg, n);
		return 0;
	}
	return on_control(w, msg, n);
}

/* ---- connection ---- */

static int backoff_ms(kis_ws *w)
{
	int d = w->cfg.backoff_min_ms;
	for (int i = 1; i < w->attempts && d < w->cfg.backoff_max_ms; i++)
		d *= 2;
	if (d > w->cfg.backoff_max_ms)
		d = w->cfg.backoff_max_ms;
	return d + (int)(rand_r(&w->seed) % (unsigned)(d / 2 + 1));
}

static void session_lost(kis_ws *w, const char *why)
{
	w->wsi = NULL;
	queue_clear(w);
	w->rxn = 0;
	w->aes_key[0] = w->aes_iv[0] = 0;
	pthread_mutex_lock(&w->mu);
	w->stats.disconnects++;
	pthread_mutex_unlock(&w->mu);
	int64_t next = mono_ms() + backoff_ms(w);
	if (next > w->next_attempt_ms)
		w->next_attempt_ms = next;
	if (!w->refused)
		set_state(w, KIS_WS_POLLING, "%s; reconnecting with backoff", why);
	w->refused = 0;
}

static void try_connect(kis_ws *w)
{
	int64_t now = mono_ms();
	if (w->wsi || now < w->next_attempt_ms)
		return;
	if (w->cfg.may_connect && !w->cfg.may_connect(w->cfg.ctx)) {
		set_state(w, KIS_WS_POLLING, "outside trading hours: not connected");
		return;
	}
	w->attempts++;
	w->next_attempt_ms = now + backoff_ms(w);
	set_state(w, KIS_WS_CONNECTING, "%s", "");
	if (!w->approval[0] || now - w->approval_ms > APPROVAL_REUSE_MS) {
		kis_error err;
		if (kis_approval_key_get(w->kis, w->approval, sizeof(w->approval), &err) !=
		    KIS_OK) {
			w->approval[0] = 0;
			set_state(w, KIS_WS_POLLING, "no approval key: %s %s",
			          kis_status_name(err.status), err.msg1);
			return;
		}
		w->approval_ms = now;
	}
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof(ci));
	ci.context = w->ctx;
	ci.address = w->host;
	ci.port = w->port;
	ci.path = w->path;
	ci.host = w->host;
	ci.origin = w->host;
	ci.local_protocol_name = "kis-realtime";
	ci.pwsi = &w->wsi;
	ci.userdata = w;
	pthread_mutex_lock(&w->mu);
	w->stats.connects++;
	pthread_mutex_unlock(&w->mu);
	if (!lws_client_connect_via_info(&ci)) {
		w->wsi = NULL;
		set_state(w, KIS_WS_POLLING, "cannot start a connection to %s", w->url);
	}
}

static void tick(lws_sorted_usec_list_t *sul)
{
	kis_ws *w = lws_container_of(sul, kis_ws, tick);
	if (!atomic_load(&w->stop))
		try_connect(w);
	lws_sul_schedule(w->ctx, 0, &w->tick, tick, WS_TICK_US);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
	kis_ws *w = user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		w->layout_bad = 0;
		queue_text(w, subscribe_msg(w));
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (w->rxn + len > WS_MAX_MSG) {
			klogf(KLOG_WARN, "kis", "WebSocket message over %d bytes: closing",
			      WS_MAX_MSG);
			return -1;
		}
		memcpy(w->rx + w->rxn, in, len);
		w->rxn += len;
		if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
			size_t n = w->rxn;
			w->rxn = 0;
			if (on_message(w, w->rx, n) != 0)
				return -1;
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (atomic_load(&w->stop))
			return -1;
		if (w->nout) {
			char *m = w->outq[0];
			memmove(w->outq, w->outq + 1, (w->nout - 1) * sizeof(w->outq[0]));
			w->nout--;
			size_t n = strlen(m);
			unsigned char *buf = malloc(LWS_PRE + n);
			int wr = -1;
			if (buf) {
				memcpy(buf + LWS_PRE, m, n);
				wr = lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
			}
			free(buf);
			free(m);
			if (wr < (int)n)
				return -1;
			if (w->nout)
				lws_callback_on_writable(wsi);
		}
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (w) {
			char why[160];
			snprintf(why, sizeof(why), "connection to %s failed (%s)", w->url,
			         in ? (const char *)in : "no reason");
			session_lost(w, why);
		}
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (w)
			session_lost(w, "connection closed by KIS");
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
    {"kis-realtime", callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* No idle pings: lws pings after secs_since_valid_ping unless the hangup
 * limit comes first; both at the maximum means it never pings. */
static const lws_retry_bo_t no_ping = {
    .secs_since_valid_ping = 65535,
    .secs_since_valid_hangup = 65535,
};

static void lws_to_klog(int level, const char *line)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", line);
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	klogf(level == LLL_ERR ? KLOG_ERROR : KLOG_WARN, "kis", "libwebsockets: %s", buf);
}

static void *ws_thread(void *arg)
{
	kis_ws *w = arg;
	lws_sul_schedule(w->ctx, 0, &w->tick, tick, 1);
	while (!atomic_load(&w->stop))
		if (lws_service(w->ctx, 0) < 0)
			break;
	return NULL;
}

static int parse_url(kis_ws *w, char *err, size_t errlen)
{
	const char *u = w->url;
	if (strncmp(u, "ws://", 5) != 0) {
		snprintf(err, errlen, "WebSocket URL must start with ws:// (KIS has no wss)");
		return -1;
	}
	u += 5;
	const char *slash = strchr(u, '/');
	size_t hl = slash ? (size_t)(slash - u) : strlen(u);
	char hp[160];
	if (hl == 0 || hl >= sizeof(hp)) {
		snprintf(err, errlen, "WebSocket URL without a host");
		return -1;
	}
	memcpy(hp, u, hl);
	hp[hl] = 0;
	char *colon = strrchr(hp, ':');
	w->port = 80;
	if (colon) {
		char *end;
		long p = strtol(colon + 1, &end, 10);
		if (*end || p <= 0 || p > 65535) {
			snprintf(err, errlen, "WebSocket URL with a bad port");
			return -1;
		}
		w->port = (int)p;
		*colon = 0;
	}
	if (!hp[0] || strlen(hp) >= sizeof(w->host)) {
		snprintf(err, errlen, "WebSocket URL without a host");
		return -1;
	}
	memcpy(w->host, hp, strlen(hp) + 1);
	snprintf(w->path, sizeof(w->path), "%s", slash ? slash : "/");
	return 0;
}

kis_ws *kis_ws_start(kis_client *c, const kis_ws_config *cfg, char *err, size_t errlen)
{
	if (!cfg->url || !cfg->hts_id || !cfg->hts_id[0]) {
		snprintf(err, errlen, "WebSocket needs a URL and an HTS ID");
		return NULL;
	}
	kis_ws *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	w->kis = c;
	w->cfg = *cfg;
	if (w->cfg.backoff_min_ms <= 0)
		w->cfg.backoff_min_ms = 1000;
	if (w->cfg.backoff_max_ms < w->cfg.backoff_min_ms)
		w->cfg.backoff_max_ms =
		    w->cfg.backoff_min_ms > 60000 ? w->cfg.backoff_min_ms : 60000;
	w->url = strdup(cfg->url);
	w->hts_id = strdup(cfg->hts_id);
	w->rx = malloc(WS_MAX_MSG);
	w->tr_id = cfg->real ? "H0STCNI0" : "H0STCNI9";
	w->seed = (unsigned)(real_ms() ^ (int64_t)(uintptr_t)w);
	if (!w->url || !w->hts_id || !w->rx) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (parse_url(w, err, errlen))
		goto fail;
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_to_klog);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.retry_and_idle_policy = &no_ping;
	info.fd_limit_per_thread = 16;
	w->ctx = lws_create_context(&info);
	if (!w->ctx) {
		snprintf(err, errlen, "cannot create the libwebsockets context");
		goto fail;
	}
	w->state = KIS_WS_CONNECTING;
	if (pthread_create(&w->thread, NULL, ws_thread, w) != 0) {
		snprintf(err, errlen, "cannot start the WebSocket thread");
		goto fail;
	}
	w->started = 1;
	return w;
fail:
	kis_ws_stop(w);
	return NULL;
}

void kis_ws_stop(kis_ws *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, 1);
	if (w->started) {
		lws_cancel_service(w->ctx);
		pthread_join(w->thread, NULL);
	}
	if (w->ctx) {
		lws_sul_schedule(w->ctx, 0, &w->tick, tick, LWS_SET_TIMER_USEC_CANCEL);
		lws_context_destroy(w->ctx);
	}
	queue_clear(w);
	free(w->rx);
	free(w->url);
	free(w->hts_id);
	memset(w->approval, 0, sizeof(w->approval));
	pthread_mutex_destroy(&w->mu);
	free(w);
}

kis_ws_state kis_ws_state_get(kis_ws *w, char *reason, size_t cap)
{
	if (!w) {
		if (reason && cap)
			reason[0] = 0;
		return KIS_WS_OFF;
	}
	pthread_mutex_lock(&w->mu);
	kis_ws_state s = w->state;
	if (reason && cap)
		snprintf(reason, cap, "%s", w->reason);
	pthread_mutex_unlock(&w->mu);
	return s;
}

void kis_ws_stats_get(kis_ws *w, kis_ws_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	*out = w->stats;
	pthread_mutex_unlock(&w->mu);
}
