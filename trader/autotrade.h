/* autotrade.h — the auto-trade job: the tutorial's strategy (SEED_STRATEGY.md)
 * as a built-in job on its own timer, with the ledger as its only memory.
 *
 * One thread runs a pass every interval (real time; a "run now", a resume or
 * a stop wakes it at once on its condition variable). Each pass reads the
 * KST clock and the KRX calendar (the ledger's holidays table), so the
 * host's time zone plays no part:
 *   - a trading day's first pass fixes the day plan: per target the
 *     reference price (given, or the previous close from KIS daily bars),
 *     the breakout trigger, and the budget = orderable cash x ratio /
 *     targets still to buy (a held target is skipped, reason "held");
 *   - in the session window it buys targets whose price is in the band
 *     (or above the breakout trigger): qty = floor(budget / price), a market
 *     order through trader_order_place (source autotrade, client_order_id
 *     "at-YYYYMMDD-CODE-buy-N"), and sells managed positions past take
 *     profit or stop loss (average fill price of the job's open lots);
 *   - from the exit time it sells managed positions held >= exit_days KRX
 *     business days (breakout: everything the job holds);
 *   - after the session it queues one daily summary.
 * What was bought, sold or is pending today is read from the journal every
 * pass: an order still open or unknown blocks a second one for that target
 * and side; the key's attempt number N counts the day's earlier attempts,
 * so a replay after a crash maps to the same key and is never sent twice.
 * The job's KIS reads go through the limiter's background class (after
 * user requests and orders) and through the gateway's quote cache.
 * Errors never end the job: a failed pass is logged and reported once, and
 * the next pass runs. Never includes server/.
 */
#ifndef AUTOTRADE_H
#define AUTOTRADE_H

#include <stddef.h>
#include <stdint.h>

#include "kclock.h"
#include "kis.h"
#include "notify.h"
#include "store.h"
#include "trader.h"

/* ---- settings (autotrade_settings.c) ---- */

typedef enum at_mode { AT_OFF = 0, AT_ON, AT_DRY_RUN } at_mode;
typedef enum at_manage { AT_MANAGE_JOB = 0, AT_MANAGE_ALL } at_manage;
typedef enum at_entry { AT_ENTRY_BAND = 0, AT_ENTRY_BREAKOUT } at_entry;

typedef struct at_settings {
	int mode;               /* at_mode */
	int interval_s;         /* between passes (real time) */
	double budget_ratio;    /* of orderable cash */
	double band_low_pct;    /* buy when ref x (1 + low/100) <= price */
	double band_high_pct;   /*   and price < ref x (1 + high/100) */
	double take_profit_pct; /* sell at avg x (1 + tp/100) or above */
	double stop_loss_pct;   /* sell at avg x (1 - sl/100) or below */
	int exit_days;          /* sell lots held this many business days (0: never) */
	int exit_hhmm;          /* from this time (KST) */
	int session_start_hhmm; /* the job's window */
	int session_end_hhmm;
	int manage;               /* at_manage */
	int entry;                /* at_entry */
	double breakout_k;        /* trigger = today's open + k x yesterday's range */
	int max_orders_per_day;   /* 0: no limit */
	int64_t max_order_amount; /* KRW per order (0: only the gateway cap) */
	int64_t daily_loss_limit; /* KRW; stop buying once the day's loss passes it (0: none) */
} at_settings;

typedef enum at_src { AT_SRC_DEFAULT = 0, AT_SRC_ENV, AT_SRC_API } at_src;
const char *at_src_name(at_src s);

typedef enum at_stype { AT_T_CHOICE = 0, AT_T_INT, AT_T_REAL, AT_T_TIME } at_stype;

/* One setting: its environment name, its API key, type, default, bounds. */
typedef struct at_setting_def {
	const char *env; /* KISGW_AUTOTRADE_... */
	const char *key; /* API name, e.g. take_profit_pct */
	at_stype type;
	const char *def;
	double min, max;
	const char *choices; /* AT_T_CHOICE: '|'-separated */
	const char *help;
} at_setting_def;

#define AT_NSETTINGS 17
extern const at_setting_def at_setting_defs[AT_NSETTINGS];

/* The definition with that API key or environment name, or NULL. */
const at_setting_def *at_setting_find(const char *name);
/* Every field at its default. */
void at_settings_defaults(at_settings *s);
/* Parses value into the field of def. 0, or -1 with the reason in err. */
int at_settings_set(at_settings *s, const at_setting_def *def, const char *value, char *err,
                    size_t errlen);
/* Cross-field rules (band, window). 0 or -1 with err naming the key. */
int at_settings_check(const at_settings *s, char *err, size_t errlen, const char **key);
/* The field's value as text ("dry-run", "5", "0.5", "15:15"). */
void at_settings_format(const at_settings *s, const at_setting_def *def, char *buf, size_t len);
/* The numeric value of an INT/REAL/TIME field (TIME as HHMM). */
double at_settings_number(const at_settings *s, const at_setting_def *def);
const char *at_mode_name(int mode);

/* ---- the job ---- */

/* The gateway's quote cache, so the job and /price share fetches. */
typedef int (*at_quote_fn)(void *ctx, const char *code, kis_quote *out, kis_error *err);

typedef struct at_config {
	at_settings env;              /* defaults + environment/config file */
	at_src env_src[AT_NSETTINGS]; /* DEFAULT or ENV per definition */
	at_quote_fn quote;            /* NULL: kis_price_get */
	void *quote_ctx;
	notifier *notify; /* may be NULL */
	/* P&L estimates in the daily summary: KISGW_FEE_RATE_PPM / KISGW_TAX_RATE_PPM */
	int64_t fee_rate_ppm, tax_rate_ppm;
} at_config;

typedef struct at_job at_job;

/* Borrows trader, kis, db, clock and the notifier. Reads the persisted
 * overrides and the pause flag. NULL with err on failure. */
at_job *at_job_new(const at_config *cfg, trader *t, kis_client *kis, store *db, kclock *clock,
                   char *err, size_t errlen);
int at_job_start(at_job *j);
void at_job_free(at_job *j); /* stops and joins */

/* The effective settings and where each came from. */
void at_job_settings(at_job *j, at_settings *out, at_src src[AT_NSETTINGS]);

typedef enum at_result {
	AT_OK = 0,
	AT_INVALID,  /* 400: field + message */
	AT_CONFLICT, /* 409 (e.g. run while off) */
	AT_NOT_FOUND,
	AT_INTERNAL, /* 500 */
} at_result;

typedef struct at_outcome {
	at_result result;
	char field[48];
	char message[200];
} at_outcome;

/* Changes settings at run time: pairs of API key and value (value NULL:
 * back to the environment's value). All or nothing; persisted. */
at_result at_job_settings_set(at_job *j, const char *const *keys, const char *const *values,
                              size_t n, at_outcome *out);
/* Drops every run-time override. */
at_result at_job_settings_reset(at_job *j, at_outcome *out);

/* Replaces the target list after checking every entry (code format,
 * duplicates, ref_price >= 0): on a bad entry nothing changes and field is
 * "targets[i].code" or "targets[i].ref_price". */
at_result at_job_targets_put(at_job *j, const store_at_target *t, size_t n, at_outcome *out);
/* code NULL: all. AT_NOT_FOUND when code is not a target. */
at_result at_job_targets_delete(at_job *j, const char *code, at_outcome *out);

/* Pause / resume (persisted; survives a restart). */
at_result at_job_pause(at_job *j, int paused, at_outcome *out);

typedef struct at_pass_report {
	int ymd, hhmmss;
	const char *phase; /* closed, pre_open, session, exit, after_close, summary_sent */
	int decisions, orders;
	int ok;
	int64_t duration_ms;
	unsigned kis_calls;
	char error[200];
} at_pass_report;

/* One pass now in the calling thread's turn (serialised with the timer).
 * AT_CONFLICT while the mode is off. */
at_result at_job_run(at_job *j, at_pass_report *rep, at_outcome *out);

typedef struct at_target_status {
	store_at_target target;
	int planned; /* today's plan exists */
	store_at_day day;
	const char *status; /* waiting, held, bought, buy_pending, sold, ... */
	int64_t order_id;   /* the day's latest job order for the code, 0 none */
} at_target_status;

typedef struct at_status {
	int mode;
	int paused;
	const char *state; /* off, paused, closed, waiting, session, exit, after_close */
	int ymd;
	int trading_day;
	int64_t next_pass_ms; /* clock time, 0 none */
	int64_t last_pass_ms;
	int last_pass_ok;
	int64_t last_pass_duration_ms;
	uint64_t passes, failed_passes, late_passes;
	char last_error[200];
	at_target_status *targets;
	size_t ntargets;
	store_at_decision *actions; /* today's buys and sells */
	size_t nactions;
} at_status;

int at_job_status(at_job *j, at_status *out);
void at_status_free(at_status *s);

/* Key of the job's order for a date, target, leg (buy / sell) and attempt. */
void at_order_key(int ymd, const char *code, const char *leg, int attempt, char *buf, size_t len);

#endif
