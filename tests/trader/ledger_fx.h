/* ledger_fx.h — what the trader tests against kis-sim each set up: a test
 * clock, a ledger in a fresh directory and a KIS client on the simulator
 * (the fixed test credentials, no rate limit, tokens reissued at once). */
#ifndef KISGW_TESTS_LEDGER_FX_H
#define KISGW_TESTS_LEDGER_FX_H

#include "kclock.h"
#include "kis.h"
#include "store.h"
#include "trader.h"

typedef struct ledger_fx {
	char *dir;
	char dbpath[512];
	kclock clock;
	store *db;
	kis_client *kis;
	char secret[181];
} ledger_fx;

/* The clock starts at clock_start (KISGW_CLOCK's format); the client talks
 * to kis-sim on sim_port. 0, or -1 after saying why on stderr. */
int ledger_fx_open(ledger_fx *x, int sim_port, const char *clock_start);
void ledger_fx_close(ledger_fx *x);
/* The test clock as a kis_config.now_ms (ctx: the kclock). */
int64_t ledger_fx_now(void *ctx);
/* A trader on the fixture that reconciles hourly (tests reconcile when
 * they mean to); NULL after saying why on stderr. */
trader *ledger_fx_trader(ledger_fx *x, int backfill);

#endif
