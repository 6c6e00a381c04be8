/* kclock.c — fake-able wall clock and KST calendar arithmetic. */
#include "kclock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t real_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Howard Hinnant's days_from_civil: proleptic Gregorian, no time zone. */
static int64_t civil_to_days(int y, int m, int d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int days_to_ymd(int64_t z)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int64_t y = (int64_t)yoe + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	const unsigned d = doy - (153 * mp + 2) / 5 + 1;
	const unsigned m = mp < 10 ? mp + 3 : mp - 9;
	return (int)((y + (m <= 2)) * 10000 + m * 100 + d);
}

int ymd_valid(int ymd)
{
	int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	return days_to_ymd(civil_to_days(y, m, d)) == ymd;
}

int64_t ymd_to_days(int ymd)
{
	return civil_to_days(ymd / 10000, ymd / 100 % 100, ymd % 100);
}

int ymd_add_days(int ymd, int n)
{
	return days_to_ymd(ymd_to_days(ymd) + n);
}

int ymd_weekday(int ymd)
{
	int64_t w = (ymd_to_days(ymd) + 4) % 7; /* 1970-01-01 was a Thursday */
	return (int)(w < 0 ? w + 7 : w);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int kst_date(int64_t epoch_ms)
{
	int64_t s = floor_div(epoch_ms, 1000) + KST_OFFSET_S;
	return days_to_ymd(floor_div(s, 86400));
}

int kst_hhmmss(int64_t epoch_ms)
{
	int64_t s = floor_div(epoch_ms, 1000) + KST_OFFSET_S;
	int64_t sod = s - floor_div(s, 86400) * 86400;
	return (int)(sod / 3600 * 10000 + sod / 60 % 60 * 100 + sod % 60);
}

int64_t kst_epoch_ms(int ymd, int hhmmss)
{
	int h = hhmmss / 10000, mi = hhmmss / 100 % 100, s = hhmmss % 100;
	if (!ymd_valid(ymd) || hhmmss < 0 || h > 23 || mi > 59 || s > 59)
		return -1;
	int64_t secs = ymd_to_days(ymd) * 86400 + h * 3600 + mi * 60 + s - KST_OFFSET_S;
	return secs * 1000;
}

void kst_iso8601(int64_t epoch_ms, char *buf, size_t len)
{
	int d = kst_date(epoch_ms), t = kst_hhmmss(epoch_ms);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d+09:00", d / 10000, d / 100 % 100, d % 100,
	         t / 10000, t / 100 % 100, t % 100);
}

void ymd_format(int ymd, char *buf, size_t len)
{
	snprintf(buf, len, "%04d-%02d-%02d", ymd / 10000, ymd / 100 % 100, ymd % 100);
}

/* Reads exactly n digits; -1 when any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int ymd_parse(const char *s)
{
	int y, m, d;
	if (!s)
		return -1;
	size_t n = strlen(s);
	if (n == 10 && s[4] == '-' && s[7] == '-') {
		y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	} else if (n == 8) {
		y = digits(s, 4), m = digits(s + 4, 2), d = digits(s + 6, 2);
	} else {
		return -1;
	}
	if (y < 0 || m < 0 || d < 0)
		return -1;
	int ymd = y * 10000 + m * 100 + d;
	return ymd_valid(ymd) ? ymd : -1;
}

/* "YYYY-MM-DDTHH:MM:SS" then "Z" or "+HH:MM"/"-HH:MM"; epoch ms or -1. */
static int64_t parse_iso(const char *s, size_t n)
{
	if (n < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return -1;
	char date[11];
	memcpy(date, s, 10);
	date[10] = 0;
	int ymd = ymd_parse(date);
	int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
	if (ymd < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return -1;
	int64_t off;
	const char *z = s + 19;
	size_t zn = n - 19;
	if (zn == 1 && *z == 'Z') {
		off = 0;
	} else if (zn == 6 && (*z == '+' || *z == '-') && z[3] == ':') {
		int oh = digits(z + 1, 2), om = digits(z + 4, 2);
		if (oh < 0 || oh > 14 || om < 0 || om > 59)
			return -1;
		off = (oh * 3600 + om * 60) * (*z == '-' ? -1 : 1);
	} else {
		return -1;
	}
	int64_t secs = ymd_to_days(ymd) * 86400 + h * 3600 + mi * 60 + sec - off;
	return secs * 1000;
}

int kclock_init(kclock *c, const char *spec, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->mu, NULL);
	c->speed = 1.0;
	if (!spec || !*spec)
		return 0;
	const char *at = strchr(spec, '@');
	size_t n = at ? (size_t)(at - spec) : strlen(spec);
	int64_t t = parse_iso(spec, n);
	if (t < 0) {
		snprintf(err, errlen, "expected YYYY-MM-DDTHH:MM:SS+09:00 with an optional @speed");
		return -1;
	}
	if (at) {
		char *end;
		errno = 0;
		double sp = strtod(at + 1, &end);
		if (errno || end == at + 1 || *end || !(sp > 0 && sp <= 100000)) {
			snprintf(err, errlen, "speed after '@' must be a number in (0, 100000]");
			return -1;
		}
		c->speed = sp;
	}
	c->fake = 1;
	c->base_fake_ms = t;
	c->base_mono_ms = mono_ms();
	return 0;
}

int64_t kclock_now_ms(kclock *c)
{
	if (!c)
		return real_ms();
	pthread_mutex_lock(&c->mu);
	int64_t now =
	    c->fake ? c->base_fake_ms + (int64_t)((double)(mono_ms() - c->base_mono_ms) * c->speed)
	            : real_ms();
	pthread_mutex_unlock(&c->mu);
	return now;
}

void kclock_set_ms(kclock *c, int64_t epoch_ms)
{
	pthread_mutex_lock(&c->mu);
	c->fake = 1;
	c->base_fake_ms = epoch_ms;
	c->base_mono_ms = mono_ms();
	pthread_mutex_unlock(&c->mu);
}

void kclock_destroy(kclock *c)
{
	pthread_mutex_destroy(&c->mu);
}
