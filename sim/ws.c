/* ws.c — KIS's real-time WebSocket on the same port: the upgrade handshake,
 * JSON subscribe/unsubscribe with KIS's control replies (OPSP…), H0STCNT0
 * price frames ("0|H0STCNT0|001|" + 46 fields) while the market is open,
 * AES-256-CBC encrypted execution notices (H0STCNI0 real / H0STCNI9
 * virtual, 26 fields: acknowledgement then fills) and PINGPONG.
 *
 * libmicrohttpd runs a thread per connection, so the upgraded session
 * simply loops in its handler: it polls the socket every 100 ms, drains its
 * outbox (filled under st->mu by order events) and sends price frames and
 * PINGPONG on their timers.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "krx.h"
#include "sim.h"

#define WS_MAX_FRAME (64 * 1024)
#define WS_MAX_SUBS  41 /* KIS: 41 registrations per session */

int sim_ws_wanted(struct MHD_Connection *conn)
{
	const char *up = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Upgrade");
	return up && strcasecmp(up, "websocket") == 0;
}

static void ws_upgraded(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra_in,
                        size_t extra_in_size, MHD_socket sock,
                        struct MHD_UpgradeResponseHandle *urh);

int sim_ws_accept(sim_state *st, struct MHD_Connection *conn)
{
	const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Sec-WebSocket-Key");
	struct MHD_Response *resp;
	if (!key || strlen(key) > 64) {
		static const char msg[] = "{\"error\":\"missing Sec-WebSocket-Key\"}";
		resp = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
		                                       MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		int ret = MHD_queue_response(conn, MHD_HTTP_BAD_REQUEST, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	char in[128];
	unsigned char sha[SHA_DIGEST_LENGTH];
	snprintf(in, sizeof(in), "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
	SHA1((const unsigned char *)in, strlen(in), sha);
	char accept[64];
	EVP_EncodeBlock((unsigned char *)accept, sha, SHA_DIGEST_LENGTH);
	resp = MHD_create_response_for_upgrade(ws_upgraded, st);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "websocket");
	MHD_add_response_header(resp, "Sec-WebSocket-Accept", accept);
	int ret = MHD_queue_response(conn, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- frames ---- */

static int send_all(MHD_socket sock, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t k = send(sock, p, n, MSG_NOSIGNAL);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			struct pollfd pf = {sock, POLLOUT, 0};
			if (poll(&pf, 1, 5000) <= 0)
				return -1;
			continue;
		}
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Server frames are never masked. */
static int send_frame(MHD_socket sock, int opcode, const char *data, size_t n)
{
	unsigned char h[10];
	size_t hl = 2;
	h[0] = (unsigned char)(0x80 | opcode);
	if (n < 126) {
		h[1] = (unsigned char)n;
	} else if (n < 65536) {
		h[1] = 126;
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
		hl = 4;
	} else {
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
		hl = 10;
	}
	if (send_all(sock, h, hl) != 0)
		return -1;
	return n ? send_all(sock, data, n) : 0;
}

static void outbox_push(sim_ws *w, char *msg)
{
	if (!msg)
		return;
	if (w->nout == w->capout) {
		int cap = w->capout ? w->capout * 2 : 16;
		char **o = realloc(w->out, sizeof(char *) * (size_t)cap);
		if (!o || cap > 4096) {
			free(msg); /* a client that never reads loses messages, not memory */
			if (o)
				w->out = o;
			return;
		}
		w->out = o;
		w->capout = cap;
	}
	w->out[w->nout++] = msg;
}

/* ---- control replies ---- */

static char *control(const char *tr_id, const char *tr_key, const char *encrypt, const char *rt_cd,
                     const char *msg_cd, const char *msg1, const sim_ws *w)
{
	json_t *hdr =
	    json_pack("{s:s, s:s, s:s}", "tr_id", tr_id, "tr_key", tr_key, "encrypt", encrypt);
	json_t *body = json_pack("{s:s, s:s, s:s}", "rt_cd", rt_cd, "msg_cd", msg_cd, "msg1", msg1);
	if (w && strcmp(rt_cd, "0") == 0 && strcmp(msg_cd, "OPSP0000") == 0)
		json_object_set_new(body, "output",
		                    json_pack("{s:s, s:s}", "iv", w->aes_iv, "key", w->aes_key));
	json_t *m = json_pack("{s:o, s:o}", "header", hdr, "body", body);
	char *s = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	return s;
}

static int is_notice_tr(const char *tr_id)
{
	return strcmp(tr_id, "H0STCNI0") == 0 || strcmp(tr_id, "H0STCNI9") == 0;
}

/* A subscribe / unsubscribe message; reply queued in w's outbox. */
static void ws_handle(sim_state *st, sim_ws *w, const char *text, size_t n)
{
	json_error_t e;
	json_t *m = json_loadb(text, n, 0, &e);
	json_t *h = json_object_get(m, "header");
	json_t *in = json_object_get(json_object_get(m, "body"), "input");
	const char *ak = json_string_value(json_object_get(h, "approval_key"));
	const char *tt = json_string_value(json_object_get(h, "tr_type"));
	const char *id = json_string_value(json_object_get(in, "tr_id"));
	const char *key = json_string_value(json_object_get(in, "tr_key"));
	const char *htr = json_string_value(json_object_get(h, "tr_id"));
	if (htr && strcmp(htr, "PINGPONG") == 0) {
		st->c_ws_pingpong_echoes++;
		json_decref(m); /* python-kis and mojito echo PINGPONG as text */
		return;
	}
	if (!json_is_object(m) || !h || !in) {
		outbox_push(w, control("", "", "N", "9", "OPSP9999", "JSON PARSING ERROR", NULL));
		json_decref(m);
		return;
	}
	id = id ? id : "";
	key = key ? key : "";
	const char *appkey = NULL;
	for (int i = 0; ak && i < st->napprovals; i++)
		if (strcmp(st->approvals[i].key, ak) == 0)
			appkey = st->approvals[i].appkey;
	int notice = is_notice_tr(id);
	const char *enc = notice ? "Y" : "N";
	if (!appkey) {
		outbox_push(w, control(id, key, enc, "1", "OPSP0011",
		                       "invalid approval : NOT FOUND", NULL));
		json_decref(m);
		return;
	}
	if (!w->appkey[0]) {
		for (int i = 0; i < st->nws; i++)
			if (st->ws[i] != w && strcmp(st->ws[i]->appkey, appkey) == 0) {
				outbox_push(w, control(id, key, enc, "1", "OPSP8996",
				                       "ALREADY IN USE appkey", NULL));
				st->c_ws_refused++;
				json_decref(m);
				return;
			}
		snprintf(w->appkey, sizeof(w->appkey), "%s", appkey);
	} else if (strcmp(w->appkey, appkey) != 0) {
		outbox_push(w,
		            control(id, key, enc, "1", "OPSP8996", "ALREADY IN USE appkey", NULL));
		json_decref(m);
		return;
	}
	const char *mine = st->cfg.env == SIM_REAL ? "H0STCNI0" : "H0STCNI9";
	if (strcmp(id, "H0STCNT0") != 0 && strcmp(id, mine) != 0) {
		outbox_push(w, control(id, key, enc, "1", "OPSP8991", "invalid tr_id", NULL));
		json_decref(m);
		return;
	}
	if (!*key || strlen(key) >= sizeof(w->subs[0].tr_key) ||
	    (!notice && !sim_stock_find(st, key))) {
		outbox_push(w, control(id, key, enc, "1", "OPSP8992", "invalid tr_key", NULL));
		json_decref(m);
		return;
	}
	int found = -1;
	for (int i = 0; i < w->nsubs; i++)
		if (strcmp(w->subs[i].tr_id, id) == 0 && strcmp(w->subs[i].tr_key, key) == 0)
			found = i;
	if (tt && strcmp(tt, "1") == 0) {
		if (found >= 0)
			outbox_push(w, control(id, key, enc, "1", "OPSP0002",
			                       "ALREADY IN SUBSCRIBE", NULL));
		else if (w->nsubs >= WS_MAX_SUBS)
			outbox_push(
			    w, control(id, key, enc, "1", "OPSP0008", "MAX SUBSCRIBE OVER", NULL));
		else {
			snprintf(w->subs[w->nsubs].tr_id, sizeof(w->subs[0].tr_id), "%s", id);
			snprintf(w->subs[w->nsubs].tr_key, sizeof(w->subs[0].tr_key), "%s", key);
			w->nsubs++;
			outbox_push(w,
			            control(id, key, enc, "0", "OPSP0000", "SUBSCRIBE SUCCESS", w));
		}
	} else if (tt && strcmp(tt, "2") == 0) {
		if (found < 0) {
			outbox_push(w, control(id, key, enc, "1", "OPSP0003",
			                       "UNSUBSCRIBE ERROR(not found!)", NULL));
		} else {
			w->subs[found] = w->subs[--w->nsubs];
			outbox_push(
			    w, control(id, key, enc, "0", "OPSP0001", "UNSUBSCRIBE SUCCESS", NULL));
		}
	} else {
		outbox_push(w, control(id, key, enc, "1", "OPSP8997", "invalid tr_type", NULL));
	}
	json_decref(m);
}

/* ---- data frames ---- */

static char *cnt0_frame(sim_state *st, const char *code, int64_t now)
{
	sim_stock *s = sim_stock_find(st, code);
	sim_quote q;
	if (!s || sim_quote_get(s, now, &q) != 0 || !q.in_session)
		return NULL;
	int idx = sim_bar_index(s, q.ymd);
	int len = sim_session_len(q.ymd);
	int64_t per_min = idx >= 0 ? s->bars[idx].vol / len : 0;
	int64_t vrss = q.prpr - q.prdy_clpr, tick = krx_tick(q.prpr);
	const char *sign = q.prpr >= q.mxpr   ? "1"
	                   : q.prpr <= q.llam ? "4"
	                   : vrss > 0         ? "2"
	                   : vrss < 0         ? "5"
	                                      : "3";
	double ctrt = q.prdy_clpr ? (double)vrss * 100.0 / (double)q.prdy_clpr : 0;
	char *b = malloc(1024);
	if (!b)
		return NULL;
	int open = krx_open_hhmmss(q.ymd);
	long long p = q.prpr;
	snprintf(b, 1024,
	         "0|H0STCNT0|001|%s^%06d^%lld^%s^%lld^%.2f^%lld^%lld^%lld^%lld^%lld^%lld^%lld^%lld^"
	         "%lld^%lld^%lld^%lld^%s^%lld^%lld^%s^%s^%s^%06d^%s^%lld^%06d^%s^%lld^%06d^%s^%lld^"
	         "%d^%s^%s^%lld^%lld^%lld^%lld^%s^%lld^%s^%s^%s^%lld",
	         s->code, kst_hhmmss(now), p, sign, (long long)vrss, ctrt,
	         (long long)((q.hgpr + q.lwpr + q.prpr) / 3), (long long)q.oprc, (long long)q.hgpr,
	         (long long)q.lwpr, p + tick, p, (long long)(per_min / 60 + 1), (long long)q.vol,
	         (long long)(q.vol * q.prpr), 100LL, 100LL, 0LL, "100.00", (long long)(q.vol / 2),
	         (long long)(q.vol - q.vol / 2), "1", "50.00", "100.00", open,
	         q.prpr >= q.oprc ? "2" : "5", (long long)(q.prpr - q.oprc), open, "5",
	         (long long)(q.prpr - q.hgpr), open, "2", (long long)(q.prpr - q.lwpr), q.ymd, "20",
	         "N", 1000LL, 1000LL, 50000LL, 50000LL, "0.10", (long long)q.prdy_vol, "100.00",
	         "0", "", (long long)q.prdy_clpr);
	return b;
}

static int b64(const unsigned char *in, int n, char *out)
{
	return EVP_EncodeBlock((unsigned char *)out, in, n);
}

/* AES-256-CBC, PKCS#7, Base64: what KIS clients decrypt. */
static char *encrypt_b64(const sim_ws *w, const char *plain)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return NULL;
	int n = (int)strlen(plain), l1 = 0, l2 = 0;
	unsigned char *ct = malloc((size_t)n + 32);
	char *out = malloc(((size_t)n + 32) / 3 * 4 + 8);
	if (!ct || !out ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, (const unsigned char *)w->aes_key,
	                       (const unsigned char *)w->aes_iv) != 1 ||
	    EVP_EncryptUpdate(ctx, ct, &l1, (const unsigned char *)plain, n) != 1 ||
	    EVP_EncryptFinal_ex(ctx, ct + l1, &l2) != 1) {
		free(ct);
		free(out);
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	b64(ct, l1 + l2, out);
	free(ct);
	EVP_CIPHER_CTX_free(ctx);
	return out;
}

/* Queues one encrypted notice frame of n records (plain, '^'-joined). */
static void push_notice(sim_state *st, sim_ws *w, const char *tr, int n, const char *plain)
{
	char *enc = encrypt_b64(w, plain);
	if (!enc)
		return;
	char *frame = malloc(strlen(enc) + 32);
	if (frame)
		sprintf(frame, "1|%s|%03d|%s", tr, n, enc);
	free(enc);
	st->c_ws_notice_frames++;
	outbox_push(w, frame);
}

void sim_ws_notice(sim_state *st, const sim_order *o, int cntg, int64_t qty, int64_t price,
                   int hhmmss)
{
	const char *tr = st->cfg.env == SIM_REAL ? "H0STCNI0" : "H0STCNI9";
	const sim_account *a = &st->accts[o->acct];
	sim_stock *s = sim_stock_find(st, o->code);
	const char *name = s ? s->name : "";
	int layout = st->ws_layout ? st->ws_layout : 26;
	for (int i = 0; i < st->nws; i++) {
		sim_ws *w = st->ws[i];
		if (strcmp(w->appkey, o->appkey) != 0)
			continue;
		for (int k = 0; k < w->nsubs; k++) {
			if (strcmp(w->subs[k].tr_id, tr) != 0)
				continue;
			char rec[1024], orgn[16] = "";
			if (o->orgn_odno)
				snprintf(orgn, sizeof(orgn), "%010lld", (long long)o->orgn_odno);
			/* fields 0..17, the same in every layout */
			int len = snprintf(
			    rec, sizeof(rec),
			    "%s^%s%s^%010lld^%s^%s^%d^%s^0^%s^%lld^%lld^%06d^0^%d^%s^06010^%lld^"
			    "모의투자",
			    w->subs[k].tr_key, a->cano, a->prdt, (long long)o->odno, orgn,
			    o->side == 2 ? "02" : "01", o->kind, o->dvsn, o->code, (long long)qty,
			    (long long)price, hhmmss, cntg, cntg == 1 ? "1" : "2",
			    (long long)o->qty);
			if (layout ==
			    23) /* CNTG_ISNM, CRDT_CLS, CRDT_LOAN_DATE, CNTG_ISNM40, ODER_PRC */
				len += snprintf(rec + len, sizeof(rec) - (size_t)len,
				                "^%s^10^^%s^%lld", name, name, (long long)o->price);
			else
				len += snprintf(rec + len, sizeof(rec) - (size_t)len,
				                "^0^1^Y^^10^^%s^%lld", name, (long long)o->price);
			for (int x = 26; layout > 26 && x < layout && len < (int)sizeof(rec) - 2;
			     x++)
				len += snprintf(rec + len, sizeof(rec) - (size_t)len, "^X");
			if (!st->ws_batch) {
				push_notice(st, w, tr, 1, rec);
				continue;
			}
			size_t have = w->pend ? strlen(w->pend) : 0;
			char *p = realloc(w->pend, have + strlen(rec) + 2);
			if (!p)
				continue;
			w->pend = p;
			sprintf(p + have, "%s%s", have ? "^" : "", rec);
			w->npend++;
			snprintf(w->pend_tr, sizeof(w->pend_tr), "%s", tr);
		}
	}
}

/* ---- the session ---- */

static void random_chars(sim_state *st, char *out, size_t n)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz";
	unsigned char h[SHA256_DIGEST_LENGTH];
	char in[64];
	snprintf(in, sizeof(in), "ws#%llu", (unsigned long long)++st->token_serial);
	SHA256((const unsigned char *)in, strlen(in), h);
	for (size_t i = 0; i < n; i++)
		out[i] = al[h[i % sizeof(h)] % 26];
	out[n] = 0;
}

static void ws_upgraded(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra_in,
                        size_t extra_in_size, MHD_socket sock,
                        struct MHD_UpgradeResponseHandle *urh)
{
	sim_state *st = cls;
	sim_ws *w = calloc(1, sizeof(*w));
	unsigned char *in = malloc(WS_MAX_FRAME + 16);
	size_t have = 0;
	int registered = 0;
	if (!w || !in)
		goto done;
	pthread_mutex_lock(&st->mu);
	if (st->nws < (int)(sizeof(st->ws) / sizeof(st->ws[0]))) {
		random_chars(st, w->aes_key, 32);
		random_chars(st, w->aes_iv, 16);
		w->drop_gen = st->ws_drop_gen;
		st->ws[st->nws++] = w;
		st->c_ws_sessions++;
		registered = 1;
	}
	pthread_mutex_unlock(&st->mu);
	if (!registered)
		goto done;
	if (extra_in_size && extra_in_size <= WS_MAX_FRAME) {
		memcpy(in, extra_in, extra_in_size);
		have = extra_in_size;
	}
	int64_t next_tick = mono_ms(), next_ping = mono_ms() + st->ws_ping_ms;
	for (;;) {
		if (__atomic_load_n(&st->stopping, __ATOMIC_RELAXED))
			break;
		/* Parse every complete frame we have. */
		int closing = 0;
		for (;;) {
			if (have < 2)
				break;
			int op = in[0] & 0x0f, masked = in[1] & 0x80;
			uint64_t len = in[1] & 0x7f;
			size_t hl = 2;
			if (len == 126) {
				if (have < 4)
					break;
				len = (uint64_t)in[2] << 8 | in[3];
				hl = 4;
			} else if (len == 127) {
				if (have < 10)
					break;
				len = 0;
				for (int i = 0; i < 8; i++)
					len = len << 8 | in[2 + i];
				hl = 10;
			}
			if (len > WS_MAX_FRAME || !masked) {
				closing = 1; /* too big, or an unmasked client frame */
				break;
			}
			if (have < hl + 4 + len)
				break;
			unsigned char *mk = in + hl, *pl = in + hl + 4;
			for (uint64_t i = 0; i < len; i++)
				pl[i] ^= mk[i % 4];
			if (op == 0x8) {
				closing = 1;
				break;
			}
			if (op == 0x9) {
				pthread_mutex_lock(&st->mu);
				st->c_ws_client_pings++; /* KIS drops such clients */
				pthread_mutex_unlock(&st->mu);
				send_frame(sock, 0xA, (const char *)pl, (size_t)len);
			} else if (op == 0x1 || op == 0x2) {
				pthread_mutex_lock(&st->mu);
				ws_handle(st, w, (const char *)pl, (size_t)len);
				pthread_mutex_unlock(&st->mu);
			}
			/* text "PINGPONG" echoes and pong frames need no answer */
			size_t used = hl + 4 + (size_t)len;
			memmove(in, in + used, have - used);
			have -= used;
		}
		if (closing) {
			send_frame(sock, 0x8, "", 0);
			break;
		}
		/* Timers: price frames and PINGPONG. */
		int64_t now = mono_ms();
		pthread_mutex_lock(&st->mu);
		if (w->drop_gen != st->ws_drop_gen) {
			pthread_mutex_unlock(&st->mu);
			break; /* /__sim/ws {"drop":true}: cut without a close frame */
		}
		if (w->npend) {
			push_notice(st, w, w->pend_tr, w->npend, w->pend);
			free(w->pend);
			w->pend = NULL;
			w->npend = 0;
		}
		if (now >= next_tick) {
			int64_t sim_now = kclock_now_ms(&st->clock);
			sim_match_all(st, sim_now);
			for (int i = 0; i < w->nsubs; i++)
				if (strcmp(w->subs[i].tr_id, "H0STCNT0") == 0)
					outbox_push(w, cnt0_frame(st, w->subs[i].tr_key, sim_now));
			next_tick = now + (st->ws_tick_ms > 0 ? st->ws_tick_ms : 1000);
		}
		if (now >= next_ping) {
			char *pp = malloc(96);
			int64_t sim_now = kclock_now_ms(&st->clock);
			if (pp)
				snprintf(pp, 96,
				         "{\"header\":{\"tr_id\":\"PINGPONG\",\"datetime\":\"%08d%"
				         "06d\"}}",
				         kst_date(sim_now), kst_hhmmss(sim_now));
			outbox_push(w, pp);
			next_ping = now + (st->ws_ping_ms > 0 ? st->ws_ping_ms : 10000);
		}
		char **out = w->out;
		int nout = w->nout;
		w->out = NULL;
		w->nout = w->capout = 0;
		pthread_mutex_unlock(&st->mu);
		int failed = 0;
		for (int i = 0; i < nout; i++) {
			if (!failed && send_frame(sock, 0x1, out[i], strlen(out[i])) != 0)
				failed = 1;
			free(out[i]);
		}
		free(out);
		if (failed)
			break;
		struct pollfd pf = {sock, POLLIN, 0};
		int pr = poll(&pf, 1, 100);
		if (pr > 0) {
			ssize_t k = recv(sock, in + have, WS_MAX_FRAME + 16 - have, 0);
			if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
				break;
			if (k > 0)
				have += (size_t)k;
			if (have >= WS_MAX_FRAME + 16)
				break;
		}
	}
done:
	/* Close first: SIGTERM waits for the registry to empty before it stops
	 * the daemon, which must not find an upgraded socket still open. */
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
	if (registered) {
		pthread_mutex_lock(&st->mu);
		for (int i = 0; i < st->nws; i++)
			if (st->ws[i] == w) {
				st->ws[i] = st->ws[--st->nws];
				break;
			}
		pthread_mutex_unlock(&st->mu);
	}
	if (w) {
		for (int i = 0; i < w->nout; i++)
			free(w->out[i]);
		free(w->out);
		free(w->pend);
	}
	free(w);
	free(in);
}

void sim_ws_free(sim_state *st)
{
	free(st->approvals);
	st->approvals = NULL;
	st->napprovals = st->capapprovals = 0;
}
