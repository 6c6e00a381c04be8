/* krx.h — Korea Exchange rules: tick sizes, daily price limits, trading
 * calendar (weekday closures 2024–2027 built in) and session hours. */
#ifndef KRX_H
#define KRX_H

#include <stdint.h>

/* A KRX stock code: 6 characters of [0-9A-Z], or Q and 6 digits (ETN). */
int krx_code_valid(const char *code);

/* Tick size at a price (2023 KRX rule). */
int64_t krx_tick(int64_t price);
/* 1 when price is a valid tick multiple for its own level. */
int krx_on_tick(int64_t price);
/* Round down / up to the tick grid of the resulting price level. */
int64_t krx_tick_floor(int64_t price);
int64_t krx_tick_ceil(int64_t price);
/* Daily limits: +-30 % of the base price, rounded inside to the tick. */
int64_t krx_upper_limit(int64_t base);
int64_t krx_lower_limit(int64_t base);

typedef struct krx_holiday {
	int ymd;
	const char *name; /* UTF-8, e.g. "추석 (Chuseok)" */
} krx_holiday;

/* Built-in weekday closures, ascending. */
const krx_holiday *krx_holidays(int *count);
/* First and last year covered by the built-in table. */
#define KRX_CAL_FIRST_YEAR 2024
#define KRX_CAL_LAST_YEAR  2027
/* Name when ymd is a listed weekday closure, else NULL. */
const char *krx_holiday_name(int ymd);
/* Weekday and not a closure. */
int krx_is_trading_day(int ymd);
/* Next / previous trading day strictly after / before ymd. */
int krx_next_trading_day(int ymd);
int krx_prev_trading_day(int ymd);
/* Trading days d with from < d <= to (0 when to <= from). */
int krx_trading_days_between(int from, int to);

/* Regular session, KST HHMMSS: 09:00:00 to 15:30:00. The first trading day
 * of a year opens at 10:00 (krx_open_hhmmss tells). */
int krx_open_hhmmss(int ymd);
#define KRX_CLOSE_HHMMSS 153000

#endif
