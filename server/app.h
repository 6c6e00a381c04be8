/* app.h — the gateway's long-lived objects, shared by every handler. */
#ifndef GW_APP_H
#define GW_APP_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "kclock.h"
#include "kis.h"

struct store;
struct trader;
struct quote_cache;
struct at_job;
struct notifier;
struct gw_server;

typedef struct gw_app {
	const gw_settings *cfg;
	kclock *clock;
	kis_client *kis;
	struct store *db;
	struct trader *trader;
	struct quote_cache *quotes;
	struct at_job *job;       /* the auto-trade job */
	struct notifier *notify;  /* notification queue */
	struct gw_server *server; /* the HTTP daemon, set before it serves */
	pid_t sim_pid;            /* embedded kis-sim, 0 when none */
	int64_t started_ms;       /* real time */
	char realtime_off[200];   /* why real-time notices could not start, "" when they did */
} gw_app;

/* Handlers are declared with GW_ENDPOINT (input.h) beside their code, one
 * file per resource family, and listed in routes.c. */

/* {"halted","reason"?,"since"?} of the trading halt (trading.c), for
 * /healthz and the halt replies. */
#include <jansson.h>
json_t *gw_trading_json(struct trader *t);
struct trader_halt_state;
json_t *gw_trading_json_of(const struct trader_halt_state *h);

#endif
