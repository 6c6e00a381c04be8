/* krx.h — Korea Exchange rules: tick sizes, daily price limits, trading
 * calendar (weekday closures 2024–2027 built in) and session hours. */
#ifndef KRX_H
#define KRX_H

#include <stddef.h>
#include <stdint.h>

/* A KRX stock code: 6 characters of [0-9A-Z], or Q and 6 digits (ETN). */
int krx_code_valid(const char *code);

/* The one normalised form of a KIS order number (ODNO, orgn_odno, ODER_NO):
 * KIS sends it fixed-width ("0001569157") in history, cancels and notices
 * but without leading zeros in some order replies ("51378"). Digits (after
 * trimming blanks) become 10 digits, zero-padded; anything else is copied
 * trimmed. out needs >= 11 bytes (cap 16 holds every KIS form). */
void krx_odno_norm(const char *in, char *out, size_t cap);

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

/* Order-entry windows of a trading day, KST (KIS_API.md §10.1). KRX_W_REGULAR
 * runs from krx_open_hhmmss to 15:30 (closing auction included); NXT (Nextrade,
 * real accounts only) has a pre-market, a main market and an after-market.
 * Each is [start, end). */
typedef enum krx_window {
	KRX_W_REGULAR = 0,  /* 09:00-15:30 */
	KRX_W_PRE_CLOSE,    /* 장전 시간외 종가 08:30-08:40 */
	KRX_W_AFTER_CLOSE,  /* 장후 시간외 종가 15:40-16:00 */
	KRX_W_AFTER_SINGLE, /* 시간외 단일가 16:00-18:00, a call auction every 10 minutes */
	NXT_W_PRE,          /* 08:00-08:50 */
	NXT_W_MAIN,         /* 09:00-15:20 */
	NXT_W_AFTER,        /* 15:30-20:00 */
	KRX_W__MAX
} krx_window;

const char *krx_window_name(krx_window w);
/* Start and end (HHMMSS) of window w on trading day ymd. */
void krx_window_bounds(krx_window w, int ymd, int *start, int *end);
/* 1 when hhmmss on ymd is inside w; 0 on a day that is not a trading day. */
int krx_in_window(krx_window w, int ymd, int hhmmss);

#endif
