/* simproc.c — start, watch and stop the embedded kis-sim. */
#include "simproc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kclock.h"
#include "log.h"

static atomic_int sim_exited;

static int executable(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

static int find_sim(const gw_settings *cfg, char *out, size_t len)
{
	if (cfg->sim_path) {
		snprintf(out, len, "%s", cfg->sim_path);
		return executable(out) ? 0 : -1;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			if (snprintf(out, len, "%.*s/kis-sim", (int)(len - 9), self) < (int)len &&
			    executable(out))
				return 0;
		}
	}
	const char *path = getenv("PATH");
	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t dn = colon ? (size_t)(colon - path) : strlen(path);
		snprintf(out, len, "%.*s/kis-sim", (int)dn, path);
		if (dn && executable(out))
			return 0;
		path = colon ? colon + 1 : path + dn;
	}
	return -1;
}

/* Forwards whatever kis-sim prints after its first line to our stderr, so
 * its stdout pipe never fills up. */
static void *drain(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		ssize_t w = write(STDERR_FILENO, buf, (size_t)n);
		(void)w;
	}
	close(fd);
	return NULL;
}

pid_t gw_sim_spawn(const gw_settings *cfg, char *base_url, size_t url_len, char *err, size_t errlen)
{
	char exe[PATH_MAX];
	if (find_sim(cfg, exe, sizeof(exe))) {
		snprintf(err, errlen,
		         "no KIS credentials are set and kis-sim was not found (looked for %s, "
		         "beside kisgw and on PATH)",
		         cfg->sim_path ? cfg->sim_path : "KISGW_SIM");
		return -1;
	}
	char seed[24];
	snprintf(seed, sizeof(seed), "%lld", (long long)cfg->sim_seed);
	char *argv[64] = {exe, "--listen", "127.0.0.1:0", "--env", "virtual", "--seed", seed};
	int argc = 7;
	if (cfg->clock) {
		argv[argc++] = "--clock";
		argv[argc++] = cfg->clock;
	}
	char *extra = cfg->sim_args ? strdup(cfg->sim_args) : NULL;
	for (char *sv, *tok = extra ? strtok_r(extra, " ", &sv) : NULL; tok && argc < 62;
	     tok = strtok_r(NULL, " ", &sv))
		argv[argc++] = tok;
	argv[argc] = NULL;

	int fds[2];
	if (pipe2(fds, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(extra);
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		free(extra);
		return -1;
	}
	if (pid == 0) {
		/* Die with the parent, even when it is SIGKILLed; close the race
		 * where it died before prctl. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		sigset_t none;
		sigemptyset(&none);
		pthread_sigmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		dup2(fds[1], STDOUT_FILENO);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		execv(exe, argv);
		_exit(127);
	}
	free(extra);
	close(fds[1]);

	/* Wait for "listening on 127.0.0.1:PORT". kis-sim first builds its
	 * price history (about a second of CPU): 30 s leaves room for a loaded
	 * machine or a sanitizer build, as the test harness does. */
	char line[256];
	size_t len = 0;
	int64_t deadline = mono_ms() + 30000;
	int port = -1;
	while (port < 0 && mono_ms() < deadline && len < sizeof(line) - 1) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t n = read(fds[0], line + len, 1);
		if (n <= 0)
			break;
		if (line[len] == '\n') {
			line[len] = 0;
			const char *colon = strrchr(line, ':');
			if (!strncmp(line, "listening on ", 13) && colon)
				port = atoi(colon + 1);
			len = 0;
			continue;
		}
		len++;
	}
	if (port <= 0) {
		close(fds[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		snprintf(err, errlen, "%s did not report its port in time", exe);
		return -1;
	}
	pthread_t t;
	if (pthread_create(&t, NULL, drain, (void *)(intptr_t)fds[0]) == 0)
		pthread_detach(t);
	else
		close(fds[0]);
	snprintf(base_url, url_len, "http://127.0.0.1:%d", port);
	gw_log(GW_LOG_INFO, "started the embedded KIS simulator",
	       json_pack("{s:s,s:i,s:i}", "exe", exe, "port", port, "pid", (int)pid));
	return pid;
}

int gw_sim_alive(pid_t pid)
{
	if (pid <= 0 || atomic_load(&sim_exited))
		return 0;
	int status;
	pid_t r = waitpid(pid, &status, WNOHANG);
	if (r == pid) {
		atomic_store(&sim_exited, 1);
		gw_log(GW_LOG_ERROR, "the embedded KIS simulator exited",
		       json_pack("{s:i}", "status",
		                 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)));
		return 0;
	}
	return 1;
}

void gw_sim_stop(pid_t pid)
{
	if (pid <= 0 || !gw_sim_alive(pid))
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 300; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(10 * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
