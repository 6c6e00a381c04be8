/* harness.c — see harness.h. */
#include "harness.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *h_bin(const char *name)
{
	static __thread char buf[1024];
	snprintf(buf, sizeof(buf), "%s/%s", KISGW_BIN_DIR, name);
	return buf;
}

char *h_tmpdir(void)
{
	char tmpl[] = "/tmp/kisgw-test-XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char p[2048];
			snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
			rm_rf(p);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

void h_rmdir(char *dir)
{
	if (!dir)
		return;
	if (!getenv("KISGW_TEST_KEEP"))
		rm_rf(dir);
	free(dir);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int h_spawn(h_proc *p, const char *exe, const char *const *args, const char *const *env,
            const char *log_path)
{
	const char *argv[80] = {exe};
	int argc = 1;
	for (; args && *args && argc < 62; args++)
		argv[argc++] = *args;
	argv[argc] = NULL;
	const char *prog = h_wrap_argv(exe, argv, &argc, 80);
	const char *envp[64];
	int envc = 0;
	envp[envc++] = "PATH=/usr/bin:/bin";
	/* Sanitizer settings reach the children, so they fail like the tests. */
	static const char *pass[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL};
	static __thread char kept[3][512];
	for (int i = 0; pass[i]; i++)
		if (getenv(pass[i])) {
			snprintf(kept[i], sizeof(kept[i]), "%s=%s", pass[i], getenv(pass[i]));
			envp[envc++] = kept[i];
		}
	for (; env && *env && envc < 62; env++)
		envp[envc++] = *env;
	envp[envc] = NULL;

	int fds[2];
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
		if (getppid() != parent)
			_exit(1);
		dup2(fds[1], STDOUT_FILENO);
		int in = open("/dev/null", O_RDONLY);
		dup2(in, STDIN_FILENO);
		int err =
		    open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (err >= 0)
			dup2(err, STDERR_FILENO);
		execve(prog, (char *const *)argv, (char *const *)envp);
		_exit(127);
	}
	close(fds[1]);
	p->pid = pid;
	p->port = -1;
	p->out_fd = fds[0];
	char line[256];
	size_t len = 0;
	/* Generous: under ASan kis-sim builds its price history more slowly. */
	int64_t deadline = now_ms() + 30000 * h_slow();
	while (now_ms() < deadline && len < sizeof(line) - 1) {
		struct pollfd pf = {.fd = fds[0], .events = POLLIN};
		if (poll(&pf, 1, 100) <= 0)
			continue;
		if (read(fds[0], line + len, 1) != 1)
			break;
		if (line[len] != '\n') {
			len++;
			continue;
		}
		line[len] = 0;
		const char *colon = strrchr(line, ':');
		if (!strncmp(line, "listening on ", 13) && colon) {
			p->port = atoi(colon + 1);
			return 0;
		}
		len = 0;
	}
	h_stop(p, SIGKILL);
	return -1;
}

int h_start_sim(h_proc *p, const char *const *args)
{
	const char *all[32] = {"--listen", "127.0.0.1:0"};
	int n = 2;
	for (; args && *args && n < 31; args++)
		all[n++] = *args;
	all[n] = NULL;
	return h_spawn(p, h_bin("kis-sim"), all, NULL, getenv("KISGW_TEST_SIM_LOG"));
}

/* Fixed test credentials (harness.h): any 36/180-char pair is accepted by
 * kis-sim. */
int h_start_gw(h_proc *p, int sim_port, const char *dir, const char *const *env)
{
	static char secret[200];
	memset(secret, 0, sizeof(secret));
	strcpy(secret, "KIS_APP_SECRET=");
	memset(secret + 15, H_APP_SECRET_CH, 180);
	char url[64], db[1024], log[1024];
	snprintf(url, sizeof(url), "KIS_BASE_URL=http://127.0.0.1:%d", sim_port);
	snprintf(db, sizeof(db), "KISGW_DB=%s/kisgw.db", dir);
	snprintf(log, sizeof(log), "%s/kisgw.log", dir);
	const char *all[64] = {
	    "KIS_APP_KEY=" H_APP_KEY,  secret, "KIS_ACCOUNT=50012345-01", url, db,
	    "KISGW_LISTEN=127.0.0.1:0"};
	int n = 6;
	for (; env && *env && n < 63; env++)
		all[n++] = *env;
	all[n] = NULL;
	return h_spawn(p, h_bin("kisgw"), NULL, all, log);
}

int h_start_gw_sim_clock(h_proc *p, int sim_port, const char *dir, const char *const *env)
{
	json_t *c = h_json(sim_port, "GET", "/__sim/clock", NULL, NULL);
	const char *now = json_string_value(json_object_get(c, "now"));
	char clk[80];
	snprintf(clk, sizeof(clk), "KISGW_CLOCK=%s", now ? now : "");
	json_decref(c);
	if (!now)
		return -1;
	const char *all[64] = {clk};
	int n = 1;
	for (; env && *env && n < 63; env++)
		all[n++] = *env;
	all[n] = NULL;
	return h_start_gw(p, sim_port, dir, all);
}

int h_alive(pid_t pid)
{
	return pid > 0 && waitpid(pid, NULL, WNOHANG) == 0;
}

int h_stop(h_proc *p, int sig)
{
	if (p->pid <= 0)
		return -1;
	if (sig)
		kill(p->pid, sig);
	int status = 0;
	int64_t deadline = now_ms() + 20000 * h_slow();
	pid_t r;
	while ((r = waitpid(p->pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
		usleep(10000);
	if (r == 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &status, 0);
	}
	if (p->out_fd >= 0)
		close(p->out_fd);
	p->pid = 0;
	p->out_fd = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

typedef struct buf {
	char *p;
	size_t n;
} buf;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	buf *b = ud;
	size_t n = size * nmemb;
	char *np = realloc(b->p, b->n + n + 1);
	if (!np)
		return 0;
	memcpy(np + b->n, ptr, n);
	b->p = np;
	b->n += n;
	b->p[b->n] = 0;
	return n;
}

int h_http(h_resp *r, const char *method, int port, const char *path, const char *body,
           const char *const *headers)
{
	memset(r, 0, sizeof(*r));
	CURL *c = curl_easy_init();
	if (!c)
		return -1;
	char url[8192];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	buf b = {0}, h = {0};
	struct curl_slist *hl = NULL;
	int has_ct = 0; /* a caller's own Content-Type wins (kisgw refuses two) */
	for (; headers && *headers; headers++) {
		hl = curl_slist_append(hl, *headers);
		has_ct |= !strncasecmp(*headers, "Content-Type:", 13);
	}
	if (body && !has_ct)
		hl = curl_slist_append(hl, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	r->body = b.p ? b.p : strdup("");
	r->len = b.n;
	r->headers = h.p ? h.p : strdup("");
	r->json = json_loads(r->body, 0, NULL);
	return rc == CURLE_OK ? 0 : -1;
}

const char *h_header(const h_resp *r, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	for (const char *line = r->headers; line && *line;) {
		const char *eol = strstr(line, "\r\n");
		size_t ll = eol ? (size_t)(eol - line) : strlen(line);
		if (ll > nl && line[nl] == ':' && !strncasecmp(line, name, nl)) {
			const char *v = line + nl + 1;
			while (*v == ' ')
				v++;
			snprintf(out, n, "%.*s", (int)(ll - (size_t)(v - line)), v);
			return out;
		}
		line = eol ? eol + 2 : line + ll;
	}
	return NULL;
}

void h_resp_free(h_resp *r)
{
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

json_t *h_json(int port, const char *method, const char *path, const char *body, long *status)
{
	h_resp r;
	int rc = h_http(&r, method, port, path, body, NULL);
	json_t *j = rc == 0 ? json_incref(r.json) : NULL;
	if (status)
		*status = r.status;
	h_resp_free(&r);
	return j;
}

const char *h_err_code(const h_resp *r)
{
	const char *c =
	    json_string_value(json_object_get(json_object_get(r->json, "error"), "code"));
	return c ? c : "";
}

long long h_sim_counter(int sim_port, const char *name)
{
	json_t *j = h_json(sim_port, "GET", "/__sim/counters", NULL, NULL);
	json_t *cur = j;
	char tmp[256];
	snprintf(tmp, sizeof(tmp), "%s", name);
	for (char *sv, *part = strtok_r(tmp, ".", &sv); part && cur;
	     part = strtok_r(NULL, ".", &sv))
		cur = json_object_get(cur, part);
	long long v = json_is_integer(cur) ? (long long)json_integer_value(cur) : -1;
	json_decref(j);
	return v;
}

/* Whole contents of an open file, from its start. */
static char *slurp_fd(int fd)
{
	size_t cap = 4096, len = 0;
	char *text = malloc(cap);
	if (!text)
		return NULL;
	lseek(fd, 0, SEEK_SET);
	ssize_t n;
	while ((n = read(fd, text + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			char *nb = realloc(text, cap * 2);
			if (!nb)
				break;
			text = nb;
			cap *= 2;
		}
	}
	text[len] = 0;
	return text;
}

int h_run(const char *exe, const char *const *args, const char *const *env, int timeout_s,
          char **out, char **err)
{
	const char *argv[80] = {exe};
	int argc = 1;
	for (; args && *args && argc < 62; args++)
		argv[argc++] = *args;
	argv[argc] = NULL;
	const char *prog = h_wrap_argv(exe, argv, &argc, 80);
	const char *envp[64];
	int envc = 0;
	envp[envc++] = "PATH=/usr/local/bin:/usr/bin:/bin";
	static const char *pass[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL};
	char kept[3][512];
	for (int i = 0; pass[i]; i++)
		if (getenv(pass[i])) {
			snprintf(kept[i], sizeof(kept[i]), "%s=%s", pass[i], getenv(pass[i]));
			envp[envc++] = kept[i];
		}
	for (; env && *env && envc < 62; env++)
		envp[envc++] = *env;
	envp[envc] = NULL;
	/* Unlinked temporary files: no pipe can fill up and block the child. */
	char t1[] = "/tmp/kisgw-run-XXXXXX", t2[] = "/tmp/kisgw-run-XXXXXX";
	int fo = mkstemp(t1), fe = mkstemp(t2);
	if (fo >= 0)
		unlink(t1);
	if (fe >= 0)
		unlink(t2);
	if (fo < 0 || fe < 0) {
		if (fo >= 0)
			close(fo);
		if (fe >= 0)
			close(fe);
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		int in = open("/dev/null", O_RDONLY);
		dup2(in, STDIN_FILENO);
		dup2(fo, STDOUT_FILENO);
		dup2(fe, STDERR_FILENO);
		execve(prog, (char *const *)argv, (char *const *)envp);
		_exit(127);
	}
	int status = -1, rc = -1;
	if (pid > 0) {
		int64_t deadline = now_ms() + (int64_t)timeout_s * 1000 * h_slow();
		pid_t r;
		while ((r = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
			usleep(20 * 1000);
		if (r == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	if (out)
		*out = slurp_fd(fo);
	if (err)
		*err = slurp_fd(fe);
	close(fo);
	close(fe);
	return rc;
}
