/* cli.h — kisgw's command line: options, and the commands other than
 * serving (check-config, migrate, backup, healthcheck). */
#ifndef GW_CLI_H
#define GW_CLI_H

#include "config.h"

typedef enum gw_cmd {
	GW_CMD_SERVE = 0, /* the default: run the gateway */
	GW_CMD_CHECK_CONFIG,
	GW_CMD_MIGRATE,
	GW_CMD_BACKUP,
	GW_CMD_HEALTHCHECK,
	GW_CMD__MAX
} gw_cmd;

typedef struct gw_cli {
	gw_cmd cmd;
	const char *config_file; /* --config, else KISGW_CONFIG, else NULL */
	const char *arg;         /* backup: FILE; healthcheck: optional URL */
	int demo;                /* --demo: a session clock for the embedded kis-sim */
} gw_cli;

/* Parses argv with getopt_long. Returns -1 when the program goes on with c
 * filled, or the exit status when it is done (0 after --help or --version,
 * 2 after a usage error, reported on stderr). */
int gw_cli_parse(gw_cli *c, int argc, char **argv);
/* Runs c->cmd (not GW_CMD_SERVE) with the loaded settings; its exit status. */
int gw_cli_run(const gw_cli *c, const gw_settings *cfg);

#endif
