/* raw.c — HTTP over a bare loopback socket, for the requests curl cannot
 * express (two Host headers, NUL bytes, garbage, pipelining, trickling). */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int h_raw_connect(int port)
{
	return h_raw_connect_from(NULL, port);
}

int h_raw_connect_from(const char *src, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct timeval tv = {.tv_sec = 2}; /* bounds connect() on a full backlog */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (src) {
		struct sockaddr_in from = {.sin_family = AF_INET};
		if (inet_pton(AF_INET, src, &from.sin_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&from, sizeof(from))) {
			close(fd);
			return -1;
		}
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

int h_raw_send(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w, len -= (size_t)w;
	}
	return 0;
}

int h_raw_read(int fd, h_raw_resp *r, int timeout_ms, int want)
{
	int64_t end = ms_now() + timeout_ms;
	for (;;) {
		if (want > 0 && h_raw_count(r) >= want)
			return 0;
		int left = (int)(end - ms_now());
		if (left <= 0)
			return -1;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int pr = poll(&pfd, 1, left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return -1;
		char tmp[16384];
		ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r->closed = 1;
			return 0;
		}
		char *nb = realloc(r->buf, r->len + (size_t)n + 1);
		if (!nb)
			return -1;
		memcpy(nb + r->len, tmp, (size_t)n);
		r->buf = nb;
		r->len += (size_t)n;
		r->buf[r->len] = 0;
	}
}

int h_raw(int port, const void *req, size_t len, h_raw_resp *r, int timeout_ms, int want)
{
	memset(r, 0, sizeof(*r));
	int fd = h_raw_connect(port);
	if (fd < 0)
		return -1;
	int rc = h_raw_send(fd, req, len);
	if (rc == 0)
		rc = h_raw_read(fd, r, timeout_ms, want);
	close(fd);
	if (!r->buf)
		r->buf = strdup("");
	return rc;
}

/* Start of the i-th response in the stream, or NULL. */
static const char *nth(const h_raw_resp *r, int i, size_t *body_len, const char **body)
{
	const char *p = r->buf;
	for (int k = 0; p && k <= i; k++) {
		if (!p || strncmp(p, "HTTP/1.", 7))
			return NULL;
		const char *eoh = strstr(p, "\r\n\r\n");
		if (!eoh)
			return NULL;
		size_t cl = 0;
		for (const char *h = strstr(p, "\r\n"); h && h < eoh; h = strstr(h + 2, "\r\n"))
			if (!strncasecmp(h + 2, "Content-Length:", 15))
				cl = strtoul(h + 17, NULL, 10);
		if ((size_t)(eoh + 4 - r->buf) + cl > r->len)
			return NULL; /* incomplete */
		if (k == i) {
			*body = eoh + 4;
			*body_len = cl;
			return p;
		}
		p = eoh + 4 + cl;
		if (!*p)
			p = NULL;
	}
	return NULL;
}

int h_raw_count(const h_raw_resp *r)
{
	int n = 0;
	size_t bl;
	const char *b;
	while (r->buf && nth(r, n, &bl, &b))
		n++;
	return n;
}

int h_raw_status(const h_raw_resp *r, int i)
{
	size_t bl;
	const char *b;
	const char *p = nth(r, i, &bl, &b);
	return p ? atoi(p + 9) : -1;
}

json_t *h_raw_json(const h_raw_resp *r, int i)
{
	size_t bl;
	const char *b;
	const char *p = nth(r, i, &bl, &b);
	return p ? json_loadb(b, bl, 0, NULL) : NULL;
}

const char *h_raw_header(const h_raw_resp *r, int i, const char *name, char *out, size_t n)
{
	size_t bl, nl = strlen(name);
	const char *b;
	const char *p = nth(r, i, &bl, &b);
	for (const char *h = p ? strstr(p, "\r\n") : NULL; h && h + 2 < b;
	     h = strstr(h + 2, "\r\n")) {
		const char *line = h + 2;
		if (!strncasecmp(line, name, nl) && line[nl] == ':') {
			const char *v = line + nl + 1;
			while (*v == ' ')
				v++;
			size_t vl = strcspn(v, "\r");
			snprintf(out, n, "%.*s", (int)vl, v);
			return out;
		}
	}
	return NULL;
}

void h_raw_free(h_raw_resp *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}
