/* cli.c — kisgw's command line (getopt_long) and its one-shot commands. */
#include "cli.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static const char *const cmd_names[GW_CMD__MAX] = {
    [GW_CMD_SERVE] = "serve",
    [GW_CMD_CHECK_CONFIG] = "check-config",
    [GW_CMD_MIGRATE] = "migrate",
    [GW_CMD_BACKUP] = "backup",
    [GW_CMD_HEALTHCHECK] = "healthcheck",
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: kisgw [--config FILE] [--demo]          run the gateway\n"
	        "       kisgw [--config FILE] check-config      validate the settings, then exit\n"
	        "       kisgw [--config FILE] migrate           apply the database migrations\n"
	        "       kisgw [--config FILE] backup FILE       consistent online copy of the "
	        "database (mode 0600)\n"
	        "       kisgw [--config FILE] healthcheck [URL] exit 0 when the running kisgw's "
	        "/healthz says 200\n"
	        "       kisgw --help | --version\n\n"
	        "A local REST gateway for the Korea Investment & Securities Open API.\n"
	        "With no KIS credentials it starts the kis-sim simulator and uses it.\n\n"
	        "Options:\n"
	        "  -c, --config FILE   NAME=value settings file (default: $KISGW_CONFIG)\n"
	        "      --demo          embedded simulator only: run its market (and kisgw's\n"
	        "                      clock) from the next KRX session's opening, so orders\n"
	        "                      fill at any hour\n"
	        "      --check-config  the same as the check-config command\n"
	        "  -h, --help          this text and every setting\n"
	        "  -V, --version       the version\n"
	        "      --settings-table  every setting as the README's Markdown table\n\n");
}

int gw_cli_parse(gw_cli *c, int argc, char **argv)
{
	enum { OPT_DEMO = 256, OPT_CHECK, OPT_TABLE };
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"demo", no_argument, NULL, OPT_DEMO},
	    {"check-config", no_argument, NULL, OPT_CHECK},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"settings-table", no_argument, NULL, OPT_TABLE},
	    {NULL, 0, NULL, 0},
	};
	memset(c, 0, sizeof(*c));
	c->config_file = getenv("KISGW_CONFIG");
	int check = 0, o;
	optind = 1;
	opterr = 0; /* our own messages, with the hint */
	while ((o = getopt_long(argc, argv, ":c:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			c->config_file = optarg;
			break;
		case OPT_DEMO:
			c->demo = 1;
			break;
		case OPT_CHECK:
			check = 1;
			break;
		case 'h':
			usage(stdout);
			gw_settings_usage();
			return 0;
		case 'V':
			printf("kisgw %s\n", KISGW_VERSION);
			return 0;
		case OPT_TABLE:
			gw_settings_markdown(stdout);
			return 0;
		case ':':
			fprintf(stderr, "kisgw: %s needs a value (try --help)\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "kisgw: unknown option %s (try --help)\n",
			        argv[optind - 1]);
			return 2;
		}
	}
	int nargs = argc - optind, want_max = 0;
	if (nargs > 0) {
		const char *name = argv[optind];
		int found = 0;
		for (int i = 0; i < GW_CMD__MAX; i++)
			if (!strcmp(name, cmd_names[i])) {
				c->cmd = (gw_cmd)i;
				found = 1;
			}
		if (!found) {
			fprintf(stderr, "kisgw: unknown command %s (try --help)\n", name);
			return 2;
		}
		want_max = c->cmd == GW_CMD_BACKUP || c->cmd == GW_CMD_HEALTHCHECK;
		if (nargs > 1)
			c->arg = argv[optind + 1];
		if (nargs - 1 > want_max) {
			fprintf(stderr, "kisgw: %s: unexpected argument %s (try --help)\n", name,
			        argv[optind + 1 + want_max]);
			return 2;
		}
		if (c->cmd == GW_CMD_BACKUP && !c->arg) {
			fprintf(stderr, "kisgw: backup needs the FILE to write (try --help)\n");
			return 2;
		}
	}
	if (check) {
		if (c->cmd != GW_CMD_SERVE && c->cmd != GW_CMD_CHECK_CONFIG) {
			fprintf(stderr, "kisgw: --check-config goes with no command\n");
			return 2;
		}
		c->cmd = GW_CMD_CHECK_CONFIG;
	}
	if (c->demo && c->cmd != GW_CMD_SERVE && c->cmd != GW_CMD_CHECK_CONFIG) {
		fprintf(stderr, "kisgw: --demo goes with serving or check-config only\n");
		return 2;
	}
	return -1;
}

static int cmd_migrate(const gw_settings *cfg)
{
	int before = store_file_schema_version(cfg->db);
	char err[512];
	store *db = store_open(cfg->db, err, sizeof(err));
	if (!db) {
		fprintf(stderr, "kisgw: cannot migrate %s: %s\n", cfg->db, err);
		return 1;
	}
	int after = store_schema_version(db);
	store_close(db);
	if (before == after)
		printf("%s: schema version %d, up to date\n", cfg->db, after);
	else
		printf("%s: schema version %d -> %d\n", cfg->db, before < 0 ? 0 : before, after);
	return 0;
}

static int cmd_backup(const gw_settings *cfg, const char *dest)
{
	char err[512];
	int pages = 0;
	if (store_backup(cfg->db, dest, &pages, err, sizeof(err))) {
		fprintf(stderr, "kisgw: backup of %s failed: %s\n", cfg->db, err);
		return 1;
	}
	printf("%s: copied to %s (%d pages, schema version %d)\n", cfg->db, dest, pages,
	       store_file_schema_version(dest));
	return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* GET /healthz of the kisgw these settings describe (a wildcard listen
 * address is reached on loopback): for Docker's HEALTHCHECK, which then
 * needs no curl in the image. */
static int cmd_healthcheck(const gw_settings *cfg, const char *url_arg)
{
	char url[256];
	if (url_arg) {
		snprintf(url, sizeof(url), "%s", url_arg);
	} else {
		const char *h = cfg->listen_host;
		int v6 = strchr(h, ':') != NULL;
		if (!strcmp(h, "0.0.0.0"))
			h = "127.0.0.1";
		else if (!strcmp(h, "::"))
			h = "::1";
		if (cfg->listen_port == 0) {
			fprintf(stderr,
			        "kisgw: healthcheck: KISGW_LISTEN has port 0; give the URL\n");
			return 1;
		}
		snprintf(url, sizeof(url), v6 ? "http://[%s]:%d/healthz" : "http://%s:%d/healthz",
		         h, cfg->listen_port);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return 1;
	CURL *c = curl_easy_init();
	long status = 0;
	CURLcode rc = CURLE_FAILED_INIT;
	if (c) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(c);
	}
	curl_global_cleanup();
	if (rc != CURLE_OK) {
		fprintf(stderr, "kisgw: healthcheck %s: %s\n", url, curl_easy_strerror(rc));
		return 1;
	}
	printf("%s: %ld\n", url, status);
	return status == 200 ? 0 : 1;
}

int gw_cli_run(const gw_cli *c, const gw_settings *cfg)
{
	switch (c->cmd) {
	case GW_CMD_CHECK_CONFIG:
		printf("configuration ok\n");
		return 0;
	case GW_CMD_MIGRATE:
		return cmd_migrate(cfg);
	case GW_CMD_BACKUP:
		return cmd_backup(cfg, c->arg);
	case GW_CMD_HEALTHCHECK:
		return cmd_healthcheck(cfg, c->arg);
	default:
		return 2;
	}
}
