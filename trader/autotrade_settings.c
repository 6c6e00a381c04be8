/* autotrade_settings.c — the job's settings: one table of definitions
 * (environment name, API key, type, default, bounds), parsing and the
 * cross-field rules. The defaults are the tutorial's values. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autotrade.h"
#include "pnl.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

const at_setting_def at_setting_defs[AT_NSETTINGS] = {
    {"KISGW_AUTOTRADE", "mode", AT_T_CHOICE, "off", 0, 0, "off|on|dry-run",
     "auto-trade job: off, on, or dry-run (decide and record, send nothing)"},
    {"KISGW_AUTOTRADE_INTERVAL", "interval_s", AT_T_INT, "10", 1, 3600, NULL,
     "seconds between passes of the job (real time)"},
    {"KISGW_AUTOTRADE_BUDGET_RATIO", "budget_ratio", AT_T_REAL, "1.0", 0.01, 1.0, NULL,
     "share of orderable cash the day's budget may use"},
    {"KISGW_AUTOTRADE_BAND_LOW_PCT", "band_low_pct", AT_T_REAL, "0", -30, 30, NULL,
     "buy band lower bound, percent from the reference price (inclusive)"},
    {"KISGW_AUTOTRADE_BAND_HIGH_PCT", "band_high_pct", AT_T_REAL, "5", -30, 30, NULL,
     "buy band upper bound, percent from the reference price (exclusive)"},
    {"KISGW_AUTOTRADE_TAKE_PROFIT_PCT", "take_profit_pct", AT_T_REAL, "5", 0.01, 1000, NULL,
     "sell a managed position this many percent above its average fill price"},
    {"KISGW_AUTOTRADE_STOP_LOSS_PCT", "stop_loss_pct", AT_T_REAL, "3", 0.01, 100, NULL,
     "sell a managed position this many percent below its average fill price"},
    {"KISGW_AUTOTRADE_EXIT_DAYS", "exit_days", AT_T_INT, "5", 0, 250, NULL,
     "sell lots held this many KRX business days, from the exit time (0: never)"},
    {"KISGW_AUTOTRADE_EXIT_TIME", "exit_time", AT_T_TIME, "15:15", 900, 1530, NULL,
     "KST time from which aged positions are sold"},
    {"KISGW_AUTOTRADE_SESSION_START", "session_start", AT_T_TIME, "09:00", 900, 1530, NULL,
     "KST time the job starts trading"},
    {"KISGW_AUTOTRADE_SESSION_END", "session_end", AT_T_TIME, "15:20", 900, 1530, NULL,
     "KST time the job stops trading"},
    {"KISGW_AUTOTRADE_MANAGE", "manage", AT_T_CHOICE, "job", 0, 0, "job|all",
     "positions it sells: job (only what it bought) or all (every holding)"},
    {"KISGW_AUTOTRADE_ENTRY", "entry", AT_T_CHOICE, "band", 0, 0, "band|breakout",
     "entry rule: band, or breakout (open + k x yesterday's range, out at the exit time)"},
    {"KISGW_AUTOTRADE_BREAKOUT_K", "breakout_k", AT_T_REAL, "0.5", 0, 5, NULL,
     "k of the breakout rule"},
    {"KISGW_AUTOTRADE_MAX_ORDERS_PER_DAY", "max_orders_per_day", AT_T_INT, "0", 0, 10000, NULL,
     "most orders the job sends a day (0: no limit)"},
    {"KISGW_AUTOTRADE_MAX_ORDER_AMOUNT", "max_order_amount", AT_T_INT, "0", 0, 1e12, NULL,
     "most KRW per job order (0: only KISGW_MAX_ORDER_AMOUNT)"},
    {"KISGW_AUTOTRADE_DAILY_LOSS_LIMIT", "daily_loss_limit", AT_T_INT, "0", 0, 1e12, NULL,
     "stop buying for the day once the job's realised + unrealised loss passes this (KRW)"},
};

#define F(field) offsetof(at_settings, field)
/* Where each definition lands in at_settings, same order as the table. */
static const size_t field_off[AT_NSETTINGS] = {
    F(mode),
    F(interval_s),
    F(budget_ratio),
    F(band_low_pct),
    F(band_high_pct),
    F(take_profit_pct),
    F(stop_loss_pct),
    F(exit_days),
    F(exit_hhmm),
    F(session_start_hhmm),
    F(session_end_hhmm),
    F(manage),
    F(entry),
    F(breakout_k),
    F(max_orders_per_day),
    F(max_order_amount),
    F(daily_loss_limit),
};

const char *at_src_name(at_src s)
{
	return s == AT_SRC_API ? "api" : s == AT_SRC_ENV ? "env" : "default";
}

const char *at_mode_name(int mode)
{
	return mode == AT_ON ? "on" : mode == AT_DRY_RUN ? "dry-run" : "off";
}

const at_setting_def *at_setting_find(const char *name)
{
	for (int i = 0; i < AT_NSETTINGS; i++)
		if (!strcmp(at_setting_defs[i].key, name) || !strcmp(at_setting_defs[i].env, name))
			return &at_setting_defs[i];
	return NULL;
}

static int idx_of(const at_setting_def *d)
{
	return (int)(d - at_setting_defs);
}

/* Fields that are int64 rather than int. */
static int is_i64(int i)
{
	return field_off[i] == F(max_order_amount) || field_off[i] == F(daily_loss_limit);
}

static int choice_index(const char *choices, const char *v)
{
	int i = 0;
	size_t n = strlen(v);
	for (const char *c = choices; *c; i++) {
		const char *bar = strchr(c, '|');
		size_t cn = bar ? (size_t)(bar - c) : strlen(c);
		if (cn == n && !strncmp(c, v, n))
			return i;
		c += cn + (bar ? 1 : 0);
	}
	return -1;
}

int at_settings_set(at_settings *s, const at_setting_def *def, const char *value, char *err,
                    size_t errlen)
{
	int i = idx_of(def);
	char *base = (char *)s + field_off[i];
	while (isspace((unsigned char)*value))
		value++;
	char v[64];
	snprintf(v, sizeof(v), "%s", value);
	for (size_t n = strlen(v); n && isspace((unsigned char)v[n - 1]); n--)
		v[n - 1] = 0;
	if (def->type == AT_T_CHOICE) {
		int c = choice_index(def->choices, v);
		if (c < 0) {
			snprintf(err, errlen, "%s must be one of %s", def->key, def->choices);
			return -1;
		}
		*(int *)base = c;
		return 0;
	}
	double x;
	if (def->type == AT_T_TIME) {
		int h, m;
		char tail;
		if (sscanf(v, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 ||
		    m > 59) {
			snprintf(err, errlen, "%s must be a KST time HH:MM", def->key);
			return -1;
		}
		x = h * 100 + m;
	} else {
		char *end;
		errno = 0;
		x = strtod(v, &end);
		if (errno || end == v || *end || !isfinite(x)) {
			snprintf(err, errlen, "%s must be a number", def->key);
			return -1;
		}
		if (def->type == AT_T_INT && x != floor(x)) {
			snprintf(err, errlen, "%s must be an integer", def->key);
			return -1;
		}
	}
	if (x < def->min || x > def->max) {
		if (def->type == AT_T_TIME)
			snprintf(err, errlen, "%s must be between %02d:%02d and %02d:%02d",
			         def->key, (int)def->min / 100, (int)def->min % 100,
			         (int)def->max / 100, (int)def->max % 100);
		else
			snprintf(err, errlen, "%s must be between %g and %g", def->key, def->min,
			         def->max);
		return -1;
	}
	if (def->type == AT_T_REAL)
		*(double *)base = x;
	else if (is_i64(i))
		*(int64_t *)base = (int64_t)x;
	else
		*(int *)base = (int)x;
	return 0;
}

void at_settings_defaults(at_settings *s)
{
	memset(s, 0, sizeof(*s));
	char err[160];
	for (int i = 0; i < AT_NSETTINGS; i++)
		at_settings_set(s, &at_setting_defs[i], at_setting_defs[i].def, err, sizeof(err));
}

int at_settings_check(const at_settings *s, char *err, size_t errlen, const char **key)
{
	if (s->band_high_pct <= s->band_low_pct) {
		*key = "band_high_pct";
		snprintf(err, errlen, "band_high_pct (%g) must be above band_low_pct (%g)",
		         s->band_high_pct, s->band_low_pct);
		return -1;
	}
	if (s->session_end_hhmm <= s->session_start_hhmm) {
		*key = "session_end";
		snprintf(err, errlen, "session_end must be after session_start");
		return -1;
	}
	if (s->exit_hhmm < s->session_start_hhmm || s->exit_hhmm > s->session_end_hhmm) {
		*key = "exit_time";
		snprintf(err, errlen, "exit_time must be inside the session window");
		return -1;
	}
	return 0;
}

double at_settings_number(const at_settings *s, const at_setting_def *def)
{
	int i = idx_of(def);
	const char *base = (const char *)s + field_off[i];
	if (def->type == AT_T_REAL)
		return *(const double *)base;
	if (is_i64(i))
		return (double)*(const int64_t *)base;
	return *(const int *)base;
}

void at_settings_format(const at_settings *s, const at_setting_def *def, char *buf, size_t len)
{
	int i = idx_of(def);
	const char *base = (const char *)s + field_off[i];
	if (def->type == AT_T_CHOICE) {
		int want = *(const int *)base, k = 0;
		for (const char *c = def->choices; *c; k++) {
			const char *bar = strchr(c, '|');
			size_t cn = bar ? (size_t)(bar - c) : strlen(c);
			if (k == want) {
				snprintf(buf, len, "%.*s", (int)cn, c);
				return;
			}
			c += cn + (bar ? 1 : 0);
		}
		snprintf(buf, len, "?");
	} else if (def->type == AT_T_TIME) {
		int v = *(const int *)base;
		snprintf(buf, len, "%02d:%02d", v / 100, v % 100);
	} else if (def->type == AT_T_REAL) {
		snprintf(buf, len, "%.15g", *(const double *)base);
	} else {
		snprintf(buf, len, "%lld", (long long)at_settings_number(s, def));
	}
}
