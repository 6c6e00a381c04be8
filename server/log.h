/* log.h — JSON log lines on stderr, one per event. */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <jansson.h>

enum gw_log_level { GW_LOG_DEBUG, GW_LOG_INFO, GW_LOG_WARN, GW_LOG_ERROR };

/* Set from KISGW_LOG_LEVEL ("debug".."error"). */
void gw_log_set_level(const char *name);
int gw_log_enabled(enum gw_log_level lv);
/* {"ts","level","msg"} plus the fields of extra (stolen, may be NULL). */
void gw_log(enum gw_log_level lv, const char *msg, json_t *extra);
/* Routes the libraries' klogf() lines here. */
void gw_log_install(void);

#endif
