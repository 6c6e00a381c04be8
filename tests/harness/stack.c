/* stack.c — a kis-sim + kisgw pair in a fresh data directory, and the
 * simulator's control calls the integration suites use. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define H_STACK_ARGS 32

int h_stack_sim(h_stack *s, const char *clock, const char *const *sim_args)
{
	memset(s, 0, sizeof(*s));
	s->dir = h_tmpdir();
	if (!s->dir)
		return -1;
	const char *args[H_STACK_ARGS] = {"--clock", clock, "--seed", "7"};
	int n = 4;
	for (; sim_args && *sim_args && n < H_STACK_ARGS - 1; sim_args++)
		args[n++] = *sim_args;
	args[n] = NULL;
	if (h_start_sim(&s->sim, args) == 0)
		return 0;
	fprintf(stderr, "kis-sim did not start\n");
	return -1;
}

int h_stack_gw(h_stack *s, const char *clock, const char *const *gw_env, const char *const *gw_more)
{
	char clock_env[96];
	snprintf(clock_env, sizeof(clock_env), "KISGW_CLOCK=%s", clock);
	const char *env[H_STACK_ARGS] = {clock_env};
	int n = 1;
	for (; gw_env && *gw_env && n < H_STACK_ARGS - 1; gw_env++)
		env[n++] = *gw_env;
	for (; gw_more && *gw_more && n < H_STACK_ARGS - 1; gw_more++)
		env[n++] = *gw_more;
	env[n] = NULL;
	if (h_start_gw(&s->gw, s->sim.port, s->dir, env) == 0)
		return 0;
	/* say why: the end of kisgw's own log */
	char path[1100], tail[2048];
	snprintf(path, sizeof(path), "%s/kisgw.log", s->dir);
	FILE *f = fopen(path, "r");
	size_t len = 0;
	if (f) {
		fseek(f, 0, SEEK_END);
		long size = ftell(f);
		fseek(f, size > (long)sizeof(tail) - 1 ? size - (long)sizeof(tail) + 1 : 0,
		      SEEK_SET);
		len = fread(tail, 1, sizeof(tail) - 1, f);
		fclose(f);
	}
	tail[len] = '\0';
	fprintf(stderr, "kisgw did not start; the end of %s:\n%s\n", path, tail);
	return -1;
}

int h_stack_up(h_stack *s, const char *clock, const char *const *sim_args,
               const char *const *gw_env, const char *const *gw_more)
{
	if (h_stack_sim(s, clock, sim_args) != 0)
		return -1;
	return h_stack_gw(s, clock, gw_env, gw_more);
}

int h_stack_down(h_stack *s)
{
	int rc = 0;
	if (s->gw.pid)
		rc = h_stop(&s->gw, SIGTERM);
	if (s->sim.pid)
		h_stop(&s->sim, SIGTERM);
	h_rmdir(s->dir);
	s->dir = NULL;
	return rc;
}

int h_sim_post(int sim_port, const char *path, const char *body)
{
	long st = 0;
	json_t *j = h_json(sim_port, "POST", path, body, &st);
	if (st != 200) {
		char *text = j ? json_dumps(j, 0) : NULL;
		fprintf(stderr, "kis-sim %s -> %ld %s\n", path, st, text ? text : "");
		free(text);
	}
	json_decref(j);
	return st == 200 ? 0 : -1;
}

int h_sim_fault(int sim_port, const char *match, const char *kind, int count)
{
	json_t *f = json_pack("{s:s, s:s, s:i}", "match", match, "kind", kind, "count", count);
	char *body = json_dumps(f, 0);
	int rc = h_sim_post(sim_port, "/__sim/fault", body);
	free(body);
	json_decref(f);
	return rc;
}
