/* valgrind.c — KISGW_TEST_VALGRIND=DIR: every kisgw the harness starts
 * (h_spawn, h_start_gw, h_run) runs under valgrind's memcheck, writing one
 * log per process into DIR (created if missing). kis-sim and other programs
 * run as usual.
 *
 * The options are the issue's: --leak-check=full with only definite leaks
 * counted and shown, --error-exitcode=1, plus --quiet, so a log that is not
 * empty holds an error (scripts/test.sh fails on any such log; a SIGKILLed
 * kisgw never gets to its leak check, but its memory errors are in the log
 * already). tests/valgrind.supp holds the library-internal false positives,
 * each with its reason. Start and stop waits grow with h_slow(). */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef KISGW_VALGRIND
#define KISGW_VALGRIND "/usr/bin/valgrind"
#endif

static const char *vg_dir(void)
{
	const char *d = getenv("KISGW_TEST_VALGRIND");
	return d && *d ? d : NULL;
}

int h_slow(void)
{
	/* memcheck runs kisgw some 20-50 times slower; its start (the migration
	 * check, libcurl and OpenSSL initialisation) takes seconds. */
	return vg_dir() ? 6 : 1;
}

const char *h_wrap_argv(const char *exe, const char **argv, int *argc, int cap)
{
	const char *dir = vg_dir();
	char gw[1024]; /* not h_bin(): its buffer may be exe itself */
	snprintf(gw, sizeof(gw), "%s/kisgw", KISGW_BIN_DIR);
	if (!dir || strcmp(exe, gw))
		return exe;
	static __thread char log[1200];
	if (mkdir(dir, 0755) && errno != EEXIST)
		fprintf(stderr, "harness: cannot create %s: %s\n", dir, strerror(errno));
	snprintf(log, sizeof(log), "--log-file=%s/kisgw.%%p.log", dir);
	const char *opts[] = {KISGW_VALGRIND,
	                      "--quiet",
	                      "--leak-check=full",
	                      "--show-leak-kinds=definite",
	                      "--errors-for-leak-kinds=definite",
	                      "--error-exitcode=1",
	                      "--child-silent-after-fork=yes",
	                      "--num-callers=30",
	                      "--suppressions=" KISGW_VALGRIND_SUPP,
	                      log};
	int n = (int)(sizeof(opts) / sizeof(*opts));
	if (*argc + n >= cap)
		return exe;
	memmove(argv + n, argv, (size_t)(*argc + 1) * sizeof(*argv)); /* with the NULL */
	memcpy(argv, opts, sizeof(opts));
	*argc += n;
	return KISGW_VALGRIND;
}
