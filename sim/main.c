/* main.c — kis-sim entry point: flags, state set-up, serve until SIGTERM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: kis-sim [--listen 127.0.0.1:0] [--env virtual|real] [--seed N]\n"
	        "               [--clock 2026-11-24T10:00:00+09:00[@speed]] [--rate N]\n"
	        "               [--appkey K --appsecret S --account NNNNNNNN-01]\n"
	        "               [--token-ttl SECONDS] [--token-min-interval SECONDS] [--quiet]\n"
	        "               [--first-odno N]\n"
	        "               [--reject-status 200|400|500] [--new-token-revokes-old]\n"
	        "               [--new-tr-ids-only]\n"
	        "Prints 'listening on IP:PORT' once it accepts connections. See sim/README.md.\n");
}

static int parse_args(int argc, char **argv, sim_config *cfg)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int64_t n;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(a, "--version") == 0) {
			printf("kis-sim %s\n", KISGW_VERSION);
			exit(0);
		} else if (strcmp(a, "--quiet") == 0) {
			cfg->quiet = 1;
			continue;
		} else if (strcmp(a, "--new-token-revokes-old") == 0) {
			cfg->new_token_revokes_old = 1;
			continue;
		} else if (strcmp(a, "--new-tr-ids-only") == 0) {
			cfg->new_tr_ids_only = 1;
			continue;
		}
		if (!v) {
			fprintf(stderr, "kis-sim: %s needs a value\n", a);
			return -1;
		}
		i++;
		if (strcmp(a, "--listen") == 0) {
			cfg->listen = v;
		} else if (strcmp(a, "--env") == 0) {
			if (strcmp(v, "virtual") == 0 || strcmp(v, "vps") == 0)
				cfg->env = SIM_VIRTUAL;
			else if (strcmp(v, "real") == 0 || strcmp(v, "prod") == 0)
				cfg->env = SIM_REAL;
			else {
				fprintf(stderr, "kis-sim: invalid --env %s (virtual|real)\n", v);
				return -1;
			}
		} else if (strcmp(a, "--seed") == 0) {
			if (sim_parse_i64(v, &n) != 0 || n < 0) {
				fprintf(stderr, "kis-sim: invalid --seed %s\n", v);
				return -1;
			}
			cfg->seed = (uint64_t)n;
		} else if (strcmp(a, "--clock") == 0) {
			cfg->clock_spec = v;
		} else if (strcmp(a, "--rate") == 0) {
			if (sim_parse_i64(v, &n) != 0 || n < 0 || n > 100000) {
				fprintf(stderr, "kis-sim: invalid --rate %s (0..100000, 0 = off)\n",
				        v);
				return -1;
			}
			cfg->rate = (int)n;
		} else if (strcmp(a, "--appkey") == 0) {
			cfg->appkey = v;
		} else if (strcmp(a, "--appsecret") == 0) {
			cfg->appsecret = v;
		} else if (strcmp(a, "--account") == 0) {
			if (strlen(v) != 11 || v[8] != '-') {
				fprintf(stderr, "kis-sim: invalid --account %s (NNNNNNNN-01)\n", v);
				return -1;
			}
			cfg->account = v;
		} else if (strcmp(a, "--token-ttl") == 0) {
			if (sim_parse_i64(v, &n) != 0 || n < 1 || n > 90LL * 86400) {
				fprintf(stderr, "kis-sim: invalid --token-ttl %s\n", v);
				return -1;
			}
			cfg->token_ttl_s = n;
		} else if (strcmp(a, "--reject-status") == 0) {
			if (sim_parse_i64(v, &n) != 0 || (n != 200 && n != 400 && n != 500)) {
				fprintf(stderr,
				        "kis-sim: invalid --reject-status %s (200|400|500)\n", v);
				return -1;
			}
			cfg->reject_status = (int)n;
		} else if (strcmp(a, "--first-odno") == 0) {
			if (sim_parse_i64(v, &n) != 0 || n <= 0 || n > INT64_C(9999999999)) {
				fprintf(stderr, "kis-sim: invalid --first-odno %s\n", v);
				return -1;
			}
			cfg->first_odno = n;
		} else if (strcmp(a, "--token-min-interval") == 0) {
			if (sim_parse_i64(v, &n) != 0 || n < 0 || n > 86400) {
				fprintf(stderr, "kis-sim: invalid --token-min-interval %s\n", v);
				return -1;
			}
			cfg->token_min_interval_s = (int)n;
		} else {
			fprintf(stderr, "kis-sim: unknown option %s\n", a);
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	sim_state *st = calloc(1, sizeof(*st));
	if (!st)
		return 1;
	st->cfg.listen = "127.0.0.1:0";
	st->cfg.env = SIM_VIRTUAL;
	st->cfg.seed = 1;
	st->cfg.rate = -1;
	st->cfg.token_ttl_s = 86400;
	st->cfg.token_min_interval_s = 60;
	st->cfg.reject_status = 200;
	st->ws_tick_ms = 1000;
	st->ws_ping_ms = 10000;
	st->ws_layout = 26;
	if (parse_args(argc, argv, &st->cfg) != 0)
		return 2;
	char err[160];
	if (kclock_init(&st->clock, st->cfg.clock_spec, err, sizeof(err)) != 0) {
		fprintf(stderr, "kis-sim: invalid --clock: %s\n", err);
		return 2;
	}
	int today = kst_date(kclock_now_ms(&st->clock));
	if (today <= SIM_HIST_FIRST || today > SIM_HIST_LAST) {
		fprintf(stderr, "kis-sim: --clock must fall in 2024-01-03..2028-12-29\n");
		return 2;
	}
	st->rate = st->cfg.rate >= 0 ? st->cfg.rate : st->cfg.env == SIM_REAL ? 20 : 2;
	pthread_mutex_init(&st->mu, NULL);
	st->next_odno = st->cfg.first_odno ? st->cfg.first_odno : sim_first_odno(real_ms());
	st->c_tr = json_object();
	sim_token_init(st);
	if (sim_market_init(st, err, sizeof(err)) != 0) {
		fprintf(stderr, "kis-sim: %s\n", err);
		return 1;
	}
	int rc = sim_server_run(st);
	sim_market_free(st);
	sim_token_free(st);
	sim_ws_free(st);
	for (int i = 0; i < st->naccts; i++)
		free(st->accts[i].h);
	free(st->accts);
	free(st->orders);
	json_decref(st->c_tr);
	kclock_destroy(&st->clock);
	pthread_mutex_destroy(&st->mu);
	free(st);
	return rc;
}
