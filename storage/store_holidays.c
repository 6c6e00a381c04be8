/* store_holidays.c — the KRX calendar as the database knows it: built-in
 * weekday closures plus what KIS chk-holiday said. */
#include <stdlib.h>
#include <string.h>

#include "kclock.h"
#include "store_internal.h"

static int is_weekend(int ymd)
{
	int wd = ymd_weekday(ymd);
	return wd == 0 || wd == 6;
}

int store_is_trading_day(store *s, int ymd)
{
	if (!ymd_valid(ymd))
		return -1;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	sqlite3_stmt *st = store_prep(db, "SELECT open FROM holidays WHERE ymd = ?");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, ymd);
	int rc = sqlite3_step(st), r;
	if (rc == SQLITE_ROW)
		r = sqlite3_column_int(st, 0) ? 1 : 0;
	else if (rc == SQLITE_DONE)
		r = !is_weekend(ymd);
	else
		r = -1;
	sqlite3_finalize(st);
	return r;
}

/* Monday..Friday in the day numbers (a, b]; day 0 (1970-01-01) was a Thursday. */
static int64_t weekdays_upto(int64_t d)
{
	/* Shift so that day 0 is a Monday: 1970-01-05 is day 4. */
	int64_t x = d - 4;
	int64_t weeks = x >= 0 ? x / 7 : -((-x + 6) / 7);
	int64_t rem = x - weeks * 7; /* 0 = Monday .. 6 = Sunday */
	return weeks * 5 + (rem < 5 ? rem + 1 : 5);
}

int store_trading_days_between(store *s, int from, int to)
{
	if (!ymd_valid(from) || !ymd_valid(to))
		return -1;
	if (to <= from)
		return 0;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	int64_t n = weekdays_upto(ymd_to_days(to)) - weekdays_upto(ymd_to_days(from));
	sqlite3_stmt *st =
	    store_prep(db, "SELECT ymd, open FROM holidays WHERE ymd > ? AND ymd <= ?");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int ymd = sqlite3_column_int(st, 0), open = sqlite3_column_int(st, 1);
		if (!open && !is_weekend(ymd))
			n--;
		else if (open && is_weekend(ymd))
			n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? (int)n : -1;
}

static void day_read(sqlite3_stmt *st, void *elem)
{
	store_day *d = elem;
	d->ymd = sqlite3_column_int(st, 0);
	d->open = sqlite3_column_int(st, 1);
	store_col_text(st, 2, d->name, sizeof(d->name));
}

int store_holidays_list(store *s, int from, int to, store_day **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	sqlite3_stmt *st = store_prep(
	    db, "SELECT ymd, open, name FROM holidays WHERE ymd >= ? AND ymd <= ? ORDER BY ymd");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	return store_rows(st, day_read, sizeof(**out), STORE_ALL, out, n);
}

struct holiday_arg {
	int ymd, open;
	const char *name;
};

static int holiday_put_tx(sqlite3 *db, void *v)
{
	struct holiday_arg *a = v;
	sqlite3_stmt *st;
	st = store_prep(db, "INSERT INTO holidays (ymd, name, open, source) VALUES (?, "
	                    "coalesce(?, (SELECT name FROM holidays WHERE ymd = ?), ''), ?, 'kis') "
	                    "ON CONFLICT (ymd) DO UPDATE SET name = excluded.name, "
	                    "open = excluded.open, source = 'kis'");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, a->ymd);
	store_bind_text_or_null(st, 2, a->name);
	sqlite3_bind_int(st, 3, a->ymd);
	sqlite3_bind_int(st, 4, a->open ? 1 : 0);
	return store_run(st) < 0 ? -1 : 0;
}

int store_holiday_put(store *s, int ymd, int open, const char *name)
{
	if (!ymd_valid(ymd))
		return -1;
	struct holiday_arg a = {ymd, open, name};
	return store_tx(s, holiday_put_tx, &a) < 0 ? -1 : 0;
}
