/* fuzz_kclock.c — the clock format (KISGW_CLOCK, kis-sim's --clock) and the
 * date parser of query parameters (common/kclock.c).
 *
 * Whatever the bytes: no crash, and an accepted clock or date is a valid
 * one that formats and parses back to itself. */
#include "fuzz.h"
#include "kclock.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	char err[128] = "";
	kclock c;
	if (kclock_init(&c, s, err, sizeof err) == 0) {
		int64_t now = kclock_now_ms(&c);
		if (c.fake && !(c.speed > 0 && c.speed <= 100000))
			abort();
		int d = kst_date(now);
		if (!ymd_valid(d))
			abort();
		char iso[32];
		kst_iso8601(now, iso, sizeof iso);
		if (strlen(iso) != 25)
			abort();
	} else if (!err[0] || strnlen(err, sizeof err) >= sizeof err) {
		abort(); /* a refusal always says why */
	}
	kclock_destroy(&c);

	int ymd = ymd_parse(s);
	if (ymd != -1) {
		if (!ymd_valid(ymd))
			abort();
		char buf[16];
		ymd_format(ymd, buf, sizeof buf);
		if (ymd_parse(buf) != ymd)
			abort();
		if (days_to_ymd(ymd_to_days(ymd)) != ymd)
			abort();
	}
	free(s);
	return 0;
}
