/* ledger_fx.c — see ledger_fx.h. */
#include "ledger_fx.h"

#include "harness.h"

#include <stdio.h>
#include <string.h>

int64_t ledger_fx_now(void *ctx)
{
	return kclock_now_ms(ctx);
}

int ledger_fx_open(ledger_fx *x, int sim_port, const char *clock_start)
{
	memset(x, 0, sizeof(*x));
	char err[256] = "";
	if (kclock_init(&x->clock, clock_start, err, sizeof(err))) {
		fprintf(stderr, "clock %s: %s\n", clock_start, err);
		return -1;
	}
	x->dir = h_tmpdir(); /* from here on ledger_fx_close undoes it all */
	if (!x->dir) {
		kclock_destroy(&x->clock);
		return -1;
	}
	snprintf(x->dbpath, sizeof(x->dbpath), "%s/ledger.db", x->dir);
	x->db = store_open(x->dbpath, err, sizeof(err));
	if (!x->db) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	memset(x->secret, H_APP_SECRET_CH, 180);
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", sim_port);
	kis_config kc = {.base_url = url,
	                 .app_key = H_APP_KEY,
	                 .app_secret = x->secret,
	                 .account = "50012345-01",
	                 .rate_per_sec = 1000,
	                 .timeout_ms = 3000,
	                 .queue_wait_ms = 2000,
	                 .now_ms = ledger_fx_now,
	                 .clock_ctx = &x->clock,
	                 .store = {x->db, store_token_load, store_token_save}};
	kis_config_defaults(&kc);
	kc.token_min_interval_ms = 1;
	x->kis = kis_client_new(&kc, err, sizeof(err));
	if (!x->kis) {
		fprintf(stderr, "kis_client_new: %s\n", err);
		return -1;
	}
	return 0;
}

trader *ledger_fx_trader(ledger_fx *x, int backfill)
{
	trader_config tc = {.reconcile_interval_s = 3600, .run_backfill = backfill};
	char err[256];
	trader *t = trader_new(&tc, x->kis, x->db, &x->clock, err, sizeof(err));
	if (!t)
		fprintf(stderr, "trader_new: %s\n", err);
	return t;
}

void ledger_fx_close(ledger_fx *x)
{
	kis_client_free(x->kis);
	store_close(x->db);
	if (x->dir)
		kclock_destroy(&x->clock);
	h_rmdir(x->dir);
	memset(x, 0, sizeof(*x));
}
