/* simproc.h — the embedded kis-sim child process. */
#ifndef GW_SIMPROC_H
#define GW_SIMPROC_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* Finds kis-sim (KISGW_SIM, beside this executable, then PATH), starts it on
 * a free loopback port and waits for its "listening on" line. The child dies
 * with us, even on SIGKILL (PR_SET_PDEATHSIG). Fills base_url. Returns the
 * pid, or -1 with a reason. */
pid_t gw_sim_spawn(const gw_settings *cfg, char *base_url, size_t url_len, char *err,
                   size_t errlen);
/* 1 while the child runs (reaps it when it has exited). */
int gw_sim_alive(pid_t pid);
/* SIGTERM, then SIGKILL after a grace period; reaps. */
void gw_sim_stop(pid_t pid);

#endif
