/* kclock.h — wall clock that tests can fake, and KST calendar arithmetic.
 *
 * Shared by kisgw and kis-sim. A clock is either real time or a fake start
 * instant that advances at `speed` times real elapsed time ("...@60").
 * Everything that is about *dates and market hours* reads kclock_now_ms();
 * everything about *elapsed time* (rate limits, timeouts) reads mono_ms().
 */
#ifndef KCLOCK_H
#define KCLOCK_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define KST_OFFSET_S (9 * 3600)

typedef struct kclock {
	pthread_mutex_t mu;
	int fake;             /* 0: real time */
	int64_t base_fake_ms; /* fake epoch ms at base_mono_ms */
	int64_t base_mono_ms;
	double speed; /* fake ms per real ms */
} kclock;

/* Parse "YYYY-MM-DDTHH:MM:SS(+09:00|Z)[@speed]"; NULL or "" means real time.
 * Returns 0, or -1 with a reason in err. */
int kclock_init(kclock *c, const char *spec, char *err, size_t errlen);
/* Current (possibly fake) time, Unix epoch milliseconds. Thread-safe. */
int64_t kclock_now_ms(kclock *c);
/* Jump the clock to epoch_ms (keeps its speed; turns a real clock fake). */
void kclock_set_ms(kclock *c, int64_t epoch_ms);
void kclock_destroy(kclock *c);

/* Monotonic milliseconds, for elapsed time only. */
int64_t mono_ms(void);
/* Monotonic microseconds (latency metrics). */
int64_t mono_us(void);
/* Real wall clock, epoch milliseconds. */
int64_t real_ms(void);

/* Dates are ints YYYYMMDD; times of day ints HHMMSS; both in KST. */
int kst_date(int64_t epoch_ms);
int kst_hhmmss(int64_t epoch_ms);
/* Epoch ms of a KST date + HHMMSS; -1 when the date is invalid. */
int64_t kst_epoch_ms(int ymd, int hhmmss);
/* "2026-11-24T10:15:02+09:00" into buf (>= 26 bytes). */
void kst_iso8601(int64_t epoch_ms, char *buf, size_t len);
/* "2026-11-24" into buf (>= 11 bytes). */
void ymd_format(int ymd, char *buf, size_t len);
/* Parse "YYYY-MM-DD" or "YYYYMMDD"; -1 when not a valid date. */
int ymd_parse(const char *s);
int ymd_valid(int ymd);
/* Add n days (n may be negative). */
int ymd_add_days(int ymd, int n);
/* 0 = Sunday ... 6 = Saturday. */
int ymd_weekday(int ymd);
/* Days since 1970-01-01 and back. */
int64_t ymd_to_days(int ymd);
int days_to_ymd(int64_t days);

#endif
