/* krx.c — KRX tick sizes, price limits and the trading calendar. */
#include "krx.h"

#include <stddef.h>
#include <string.h>

#include "kclock.h"

void krx_odno_norm(const char *in, char *out, size_t cap)
{
	if (!out || cap == 0)
		return;
	out[0] = '\0';
	if (!in)
		return;
	while (*in == ' ' || *in == '\t')
		in++;
	size_t n = strlen(in);
	while (n > 0 &&
	       (in[n - 1] == ' ' || in[n - 1] == '\t' || in[n - 1] == '\r' || in[n - 1] == '\n'))
		n--;
	size_t digits = 0;
	while (digits < n && in[digits] >= '0' && in[digits] <= '9')
		digits++;
	if (n > 0 && digits == n && n <= 10 && cap > 10) {
		memset(out, '0', 10 - n);
		memcpy(out + 10 - n, in, n);
		out[10] = '\0';
		return;
	}
	if (n >= cap)
		n = cap - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}

int krx_code_valid(const char *code)
{
	size_t n = code ? strlen(code) : 0;
	if (n == 7 && code[0] == 'Q') {
		for (size_t i = 1; i < 7; i++)
			if (code[i] < '0' || code[i] > '9')
				return 0;
		return 1;
	}
	if (n != 6)
		return 0;
	for (size_t i = 0; i < 6; i++)
		if (!((code[i] >= '0' && code[i] <= '9') || (code[i] >= 'A' && code[i] <= 'Z')))
			return 0;
	return 1;
}

int64_t krx_tick(int64_t price)
{
	if (price < 2000)
		return 1;
	if (price < 5000)
		return 5;
	if (price < 20000)
		return 10;
	if (price < 50000)
		return 50;
	if (price < 200000)
		return 100;
	if (price < 500000)
		return 500;
	return 1000;
}

int krx_on_tick(int64_t price)
{
	return price > 0 && price % krx_tick(price) == 0;
}

int64_t krx_tick_floor(int64_t price)
{
	if (price <= 0)
		return 0;
	/* The tick of the rounded price can be smaller than that of the input
	 * (just above a band edge), so round with the input's tick: the result
	 * is then on the grid of its own band. */
	return price - price % krx_tick(price);
}

int64_t krx_tick_ceil(int64_t price)
{
	if (price <= 0)
		return 0;
	int64_t t = krx_tick(price);
	int64_t up = (price + t - 1) / t * t;
	return krx_on_tick(up) ? up : krx_tick_floor(up) + krx_tick(up);
}

int64_t krx_upper_limit(int64_t base)
{
	return krx_tick_floor(base + base * 3 / 10);
}

int64_t krx_lower_limit(int64_t base)
{
	int64_t low = krx_tick_ceil(base - base * 3 / 10);
	return low < 1 ? 1 : low;
}

/* Weekday closures 2024–2027, from KRX notices and the statutory calendar
 * (docs: README "KRX calendar"; source list in shared KRX_HOLIDAYS.md). */
static const krx_holiday holidays[] = {
    {20240101, "신정 (New Year's Day)"},
    {20240209, "설날 전날 (Seollal)"},
    {20240212, "대체공휴일 설날 (Seollal substitute)"},
    {20240301, "삼일절 (Independence Movement Day)"},
    {20240410, "제22대 국회의원선거 (National Assembly election)"},
    {20240501, "근로자의 날 (Workers' Day)"},
    {20240506, "대체공휴일 어린이날 (Children's Day substitute)"},
    {20240515, "부처님오신날 (Buddha's Birthday)"},
    {20240606, "현충일 (Memorial Day)"},
    {20240815, "광복절 (Liberation Day)"},
    {20240916, "추석 전날 (Chuseok)"},
    {20240917, "추석 (Chuseok)"},
    {20240918, "추석 다음 날 (Chuseok)"},
    {20241001, "국군의 날 임시공휴일 (Armed Forces Day)"},
    {20241003, "개천절 (National Foundation Day)"},
    {20241009, "한글날 (Hangul Day)"},
    {20241225, "성탄절 (Christmas)"},
    {20241231, "연말 휴장일 (Year-end closing)"},
    {20250101, "신정 (New Year's Day)"},
    {20250127, "임시공휴일 (Temporary holiday)"},
    {20250128, "설날 전날 (Seollal)"},
    {20250129, "설날 (Seollal)"},
    {20250130, "설날 다음 날 (Seollal)"},
    {20250303, "대체공휴일 삼일절 (Independence Movement Day substitute)"},
    {20250501, "근로자의 날 (Workers' Day)"},
    {20250505, "어린이날 · 부처님오신날 (Children's Day, Buddha's Birthday)"},
    {20250506, "대체공휴일 (Substitute holiday)"},
    {20250603, "제21대 대통령선거 (Presidential election)"},
    {20250606, "현충일 (Memorial Day)"},
    {20250815, "광복절 (Liberation Day)"},
    {20251003, "개천절 (National Foundation Day)"},
    {20251006, "추석 (Chuseok)"},
    {20251007, "추석 다음 날 (Chuseok)"},
    {20251008, "대체공휴일 추석 (Chuseok substitute)"},
    {20251009, "한글날 (Hangul Day)"},
    {20251225, "성탄절 (Christmas)"},
    {20251231, "연말 휴장일 (Year-end closing)"},
    {20260101, "신정 (New Year's Day)"},
    {20260216, "설날 전날 (Seollal)"},
    {20260217, "설날 (Seollal)"},
    {20260218, "설날 다음 날 (Seollal)"},
    {20260302, "대체공휴일 삼일절 (Independence Movement Day substitute)"},
    {20260501, "노동절 (Labour Day)"},
    {20260505, "어린이날 (Children's Day)"},
    {20260525, "대체공휴일 부처님오신날 (Buddha's Birthday substitute)"},
    {20260603, "제9회 전국동시지방선거 (Local elections)"},
    {20260717, "제헌절 (Constitution Day)"},
    {20260817, "대체공휴일 광복절 (Liberation Day substitute)"},
    {20260924, "추석 전날 (Chuseok)"},
    {20260925, "추석 (Chuseok)"},
    {20261005, "대체공휴일 개천절 (National Foundation Day substitute)"},
    {20261009, "한글날 (Hangul Day)"},
    {20261225, "성탄절 (Christmas)"},
    {20261231, "연말 휴장일 (Year-end closing)"},
    {20270101, "신정 (New Year's Day)"},
    {20270208, "설날 다음 날 (Seollal)"},
    {20270209, "대체공휴일 설날 (Seollal substitute)"},
    {20270301, "삼일절 (Independence Movement Day)"},
    {20270503, "대체공휴일 노동절 (Labour Day substitute)"},
    {20270505, "어린이날 (Children's Day)"},
    {20270513, "부처님오신날 (Buddha's Birthday)"},
    {20270719, "대체공휴일 제헌절 (Constitution Day substitute)"},
    {20270816, "대체공휴일 광복절 (Liberation Day substitute)"},
    {20270914, "추석 전날 (Chuseok)"},
    {20270915, "추석 (Chuseok)"},
    {20270916, "추석 다음 날 (Chuseok)"},
    {20271004, "대체공휴일 개천절 (National Foundation Day substitute)"},
    {20271011, "대체공휴일 한글날 (Hangul Day substitute)"},
    {20271227, "대체공휴일 성탄절 (Christmas substitute)"},
    {20271231, "연말 휴장일 (Year-end closing)"},
};

const krx_holiday *krx_holidays(int *count)
{
	*count = (int)(sizeof(holidays) / sizeof(holidays[0]));
	return holidays;
}

const char *krx_holiday_name(int ymd)
{
	size_t lo = 0, hi = sizeof(holidays) / sizeof(holidays[0]);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (holidays[mid].ymd == ymd)
			return holidays[mid].name;
		if (holidays[mid].ymd < ymd)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Outside the table, apply the two fixed-date KRX rules. */
	int y = ymd / 10000;
	if (y < KRX_CAL_FIRST_YEAR || y > KRX_CAL_LAST_YEAR) {
		int md = ymd % 10000;
		if (md == 101)
			return "신정 (New Year's Day)";
		if (md == 1231)
			return "연말 휴장일 (Year-end closing)";
	}
	return NULL;
}

int krx_is_trading_day(int ymd)
{
	int wd = ymd_weekday(ymd);
	return wd != 0 && wd != 6 && !krx_holiday_name(ymd);
}

int krx_next_trading_day(int ymd)
{
	do
		ymd = ymd_add_days(ymd, 1);
	while (!krx_is_trading_day(ymd));
	return ymd;
}

int krx_prev_trading_day(int ymd)
{
	do
		ymd = ymd_add_days(ymd, -1);
	while (!krx_is_trading_day(ymd));
	return ymd;
}

int krx_trading_days_between(int from, int to)
{
	int n = 0;
	for (int d = ymd_add_days(from, 1); d <= to; d = ymd_add_days(d, 1))
		n += krx_is_trading_day(d);
	return n;
}

int krx_open_hhmmss(int ymd)
{
	/* The year's first trading day opens an hour late. */
	int first = krx_next_trading_day((ymd / 10000 - 1) * 10000 + 1231);
	return ymd == first ? 100000 : 90000;
}

static const struct {
	const char *name;
	int start, end;
} windows[KRX_W__MAX] = {
    [KRX_W_REGULAR] = {"krx_regular", 90000, KRX_CLOSE_HHMMSS},
    [KRX_W_PRE_CLOSE] = {"krx_pre_market_close", 83000, 84000},
    [KRX_W_AFTER_CLOSE] = {"krx_after_market_close", 154000, 160000},
    [KRX_W_AFTER_SINGLE] = {"krx_after_hours_single", 160000, 180000},
    [NXT_W_PRE] = {"nxt_pre_market", 80000, 85000},
    [NXT_W_MAIN] = {"nxt_main_market", 90000, 152000},
    [NXT_W_AFTER] = {"nxt_after_market", 153000, 200000},
};

const char *krx_window_name(krx_window w)
{
	return (unsigned)w < KRX_W__MAX ? windows[w].name : "?";
}

void krx_window_bounds(krx_window w, int ymd, int *start, int *end)
{
	if ((unsigned)w >= KRX_W__MAX) {
		*start = *end = 0;
		return;
	}
	*start = windows[w].start;
	*end = windows[w].end;
	if (w == KRX_W_REGULAR)
		*start = krx_open_hhmmss(ymd); /* the year's first day opens at 10:00 */
}

int krx_in_window(krx_window w, int ymd, int hhmmss)
{
	if ((unsigned)w >= KRX_W__MAX || !krx_is_trading_day(ymd))
		return 0;
	int s, e;
	krx_window_bounds(w, ymd, &s, &e);
	return hhmmss >= s && hhmmss < e;
}
