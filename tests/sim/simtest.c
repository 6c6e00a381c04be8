/* simtest.c — spawn kis-sim and call it over loopback with libcurl. */
#include "simtest.h"

#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

/* Sims still running, so a failed test (cmocka longjmps out) does not
 * leave one behind holding our stderr. */
static pid_t live[32];

void simp_reap_all(void)
{
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (live[i] > 0) {
			kill(live[i], SIGKILL);
			waitpid(live[i], NULL, 0);
			live[i] = 0;
		}
}

static void live_set(pid_t pid, pid_t val)
{
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (live[i] == pid) {
			live[i] = val;
			return;
		}
}

int simp_start(simproc *p, const char *const *extra)
{
	memset(p, 0, sizeof(*p));
	memset(p->secret, T_SECRET_CH, 180);
	p->secret[180] = 0;
	const char *args[40] = {"--quiet"};
	int n = 1;
	for (int i = 0; extra && extra[i] && n < 39; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	if (h_start_sim(&p->proc, args)) {
		fprintf(stderr, "kis-sim did not start\n");
		return -1;
	}
	p->pid = p->proc.pid;
	p->port = p->proc.port;
	live_set(0, p->pid);
	snprintf(p->base, sizeof(p->base), "http://127.0.0.1:%d", p->port);
	return 0;
}

int simp_stop(simproc *p)
{
	if (p->pid <= 0)
		return -1;
	live_set(p->pid, 0);
	p->pid = 0;
	return h_stop(&p->proc, SIGTERM);
}

typedef struct buf {
	char *p;
	size_t n;
} buf;

static size_t on_body(char *d, size_t sz, size_t nm, void *u)
{
	buf *b = u;
	size_t k = sz * nm;
	char *q = realloc(b->p, b->n + k + 1);
	if (!q)
		return 0;
	b->p = q;
	memcpy(b->p + b->n, d, k);
	b->n += k;
	b->p[b->n] = 0;
	return k;
}

static size_t on_header(char *d, size_t sz, size_t nm, void *u)
{
	sresp *r = u;
	size_t k = sz * nm;
	char line[256];
	size_t n = k < sizeof(line) - 1 ? k : sizeof(line) - 1;
	memcpy(line, d, n);
	line[n] = 0;
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		line[--n] = 0;
	/* Case-sensitive on purpose: KIS sends these names in lower case. */
	if (strncmp(line, "tr_cont:", 8) == 0) {
		const char *v = line + 8;
		while (*v == ' ')
			v++;
		snprintf(r->tr_cont, sizeof(r->tr_cont), "%.7s", v);
		r->has_tr_cont = 1;
	} else if (strncmp(line, "tr_id:", 6) == 0) {
		const char *v = line + 6;
		while (*v == ' ')
			v++;
		snprintf(r->tr_id, sizeof(r->tr_id), "%.31s", v);
	}
	return k;
}

void simp_call(simproc *p, const char *method, const char *path, const char *tr_id,
               const char *tr_cont, const char *body, sresp *r)
{
	memset(r, 0, sizeof(*r));
	CURL *c = curl_easy_init();
	char url[4096], h[1400];
	snprintf(url, sizeof(url), "%s%s", p->base, path);
	struct curl_slist *hl = NULL;
	hl = curl_slist_append(hl, "content-type: application/json; charset=utf-8");
	snprintf(h, sizeof(h), "appkey: %s", T_APPKEY);
	hl = curl_slist_append(hl, h);
	snprintf(h, sizeof(h), "appsecret: %s", p->secret);
	hl = curl_slist_append(hl, h);
	hl = curl_slist_append(hl, "custtype: P");
	if (p->token[0]) {
		snprintf(h, sizeof(h), "authorization: Bearer %s", p->token);
		hl = curl_slist_append(hl, h);
	}
	if (tr_id) {
		snprintf(h, sizeof(h), "tr_id: %s", tr_id);
		hl = curl_slist_append(hl, h);
	}
	if (tr_cont) {
		snprintf(h, sizeof(h), "tr_cont: %s", tr_cont);
		hl = curl_slist_append(hl, h);
	}
	buf b = {NULL, 0};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	r->curl_rc = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	r->body = b.p ? b.p : strdup("");
	r->json = json_loads(r->body, 0, NULL);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
}

void sresp_free(sresp *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

long simp_ctl(simproc *p, const char *path, const char *json_body)
{
	char full[256];
	snprintf(full, sizeof(full), "/__sim/%s", path);
	sresp r;
	simp_call(p, json_body ? "POST" : "GET", full, NULL, NULL, json_body, &r);
	long s = r.status;
	sresp_free(&r);
	return s;
}

long simp_token(simproc *p)
{
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"grant_type\":\"client_credentials\",\"appkey\":\"%s\",\"appsecret\":\"%s\"}",
	         T_APPKEY, p->secret);
	sresp r;
	simp_call(p, "POST", "/oauth2/tokenP", NULL, NULL, body, &r);
	long s = r.status;
	if (s == 200)
		snprintf(p->token, sizeof(p->token), "%s", js(r.json, "access_token"));
	sresp_free(&r);
	return s;
}

const char *js(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

long long jsi(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (json_is_integer(v))
		return json_integer_value(v);
	return json_is_string(v) ? atoll(json_string_value(v)) : -999999;
}

/* ---- a minimal WebSocket client (RFC 6455 client side) ---- */

int ws_open(simproc *p, const char *path)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)p->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char req[512];
	int n = snprintf(req, sizeof(req),
	                 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
	                 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	                 "Sec-WebSocket-Version: 13\r\n\r\n",
	                 path);
	if (write(fd, req, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	/* Read the response head byte by byte (frames may follow it). */
	char head[1024];
	size_t h = 0;
	while (h < sizeof(head) - 1) {
		struct pollfd pf = {fd, POLLIN, 0};
		if (poll(&pf, 1, 10000) <= 0 || read(fd, head + h, 1) != 1)
			break;
		h++;
		if (h >= 4 && memcmp(head + h - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	head[h] = 0;
	/* RFC 6455's sample key has this accept value. */
	if (strncmp(head, "HTTP/1.1 101", 12) != 0 ||
	    !strstr(head, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")) {
		close(fd);
		return -1;
	}
	return fd;
}

int ws_send(int fd, int opcode, const char *data, size_t n)
{
	unsigned char hdr[14];
	size_t hl = 2;
	hdr[0] = (unsigned char)(0x80 | opcode);
	if (n < 126) {
		hdr[1] = (unsigned char)(0x80 | n);
	} else {
		hdr[1] = 0x80 | 126;
		hdr[2] = (unsigned char)(n >> 8);
		hdr[3] = (unsigned char)n;
		hl = 4;
	}
	static const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
	memcpy(hdr + hl, mask, 4);
	hl += 4;
	unsigned char *frame = malloc(hl + n);
	memcpy(frame, hdr, hl);
	for (size_t i = 0; i < n; i++)
		frame[hl + i] = (unsigned char)data[i] ^ mask[i % 4];
	ssize_t w = write(fd, frame, hl + n);
	free(frame);
	return w == (ssize_t)(hl + n) ? 0 : -1;
}

static int read_full(int fd, unsigned char *b, size_t n, int timeout_ms)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd pf = {fd, POLLIN, 0};
		if (poll(&pf, 1, timeout_ms) <= 0)
			return -1;
		ssize_t k = read(fd, b + got, n - got);
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

char *ws_recv(int fd, int timeout_ms, int *opcode)
{
	unsigned char h[10];
	if (read_full(fd, h, 2, timeout_ms) != 0)
		return NULL;
	uint64_t n = h[1] & 0x7f;
	if (n == 126) {
		if (read_full(fd, h + 2, 2, timeout_ms) != 0)
			return NULL;
		n = (uint64_t)h[2] << 8 | h[3];
	} else if (n == 127) {
		if (read_full(fd, h + 2, 8, timeout_ms) != 0)
			return NULL;
		n = 0;
		for (int i = 0; i < 8; i++)
			n = n << 8 | h[2 + i];
	}
	if (n > 1 << 20)
		return NULL;
	char *b = malloc((size_t)n + 1);
	if (n && read_full(fd, (unsigned char *)b, (size_t)n, timeout_ms) != 0) {
		free(b);
		return NULL;
	}
	b[n] = 0;
	*opcode = h[0] & 0x0f;
	return b;
}
