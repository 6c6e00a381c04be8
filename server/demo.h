/* demo.h — the newcomer's demo: kis-sim follows KRX hours, so outside them
 * every order waits for the next session. --demo starts the embedded
 * simulator (and kisgw with it) on a clock that is in session. */
#ifndef GW_DEMO_H
#define GW_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kclock.h"

/* A KISGW_CLOCK spec for the next KRX session's opening at real speed,
 * written into spec; 0 when now_ms is already in a session (the real clock
 * will do), 1 when spec was written. */
int gw_demo_clock(int64_t now_ms, char *spec, size_t len);
/* --demo: sets cfg->clock from gw_demo_clock unless KISGW_CLOCK is given.
 * Only with the embedded simulator: 0, or -1 with a reason. */
int gw_demo_apply(gw_settings *cfg, int64_t now_ms, char *err, size_t errlen);
/* Logs, among the first lines, whether the embedded simulator's market is
 * in session now and how to get one when it is not. */
void gw_demo_notice(const gw_settings *cfg, kclock *clock, int demo);

#endif
