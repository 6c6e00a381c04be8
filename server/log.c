/* log.c — JSON log lines, written with one write(2) each so concurrent
 * threads never interleave. Secrets never reach here: callers log names and
 * codes, not tokens or keys. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kclock.h"
#include "klog.h"

static int min_level = GW_LOG_INFO;
static const char *names[] = {"debug", "info", "warn", "error"};

void gw_log_set_level(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (name && !strcmp(name, names[i]))
			min_level = i;
}

int gw_log_enabled(enum gw_log_level lv)
{
	return (int)lv >= min_level;
}

void gw_log(enum gw_log_level lv, const char *msg, json_t *extra)
{
	if (!gw_log_enabled(lv)) {
		json_decref(extra);
		return;
	}
	char ts[40];
	int64_t now = real_ms();
	kst_iso8601(now, ts, sizeof(ts));
	json_t *o = json_pack("{s:s,s:s,s:s}", "ts", ts, "level", names[lv], "msg", msg);
	if (extra) {
		json_object_update(o, extra);
		json_decref(extra);
	}
	char *line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!line)
		return;
	size_t n = strlen(line);
	line[n] = '\n'; /* overwrite the NUL; write n + 1 bytes */
	ssize_t w = write(STDERR_FILENO, line, n + 1);
	(void)w;
	free(line);
}

/* The libraries' log hook (common/klog.h), as JSON lines. */
static void lib_sink(enum klog_level level, const char *source, const char *msg)
{
	gw_log((enum gw_log_level)level, msg, json_pack("{s:s}", "source", source));
}

void gw_log_install(void)
{
	klog_set_sink(lib_sink);
}
_Static_assert((int)KLOG_DEBUG == (int)GW_LOG_DEBUG && (int)KLOG_ERROR == (int)GW_LOG_ERROR,
               "klog and gw_log levels line up");
