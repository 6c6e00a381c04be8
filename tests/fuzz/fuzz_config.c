/* fuzz_config.c — the config file loader (server/config.c): NAME=value
 * lines, comments, NAME_FILE indirection, every typed check.
 *
 * The input is written to a private temporary file that gw_settings_load
 * reads as --config. The KISGW_ and KIS_ environment is cleared first, so
 * only the file decides. Whatever the bytes: no crash or leak, a refusal
 * names "invalid ...", and an accepted load frees cleanly. */
#include "config.h"
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static char path[64];

static void clear_env(void)
{
	/* unsetenv shifts environ, so restart the scan after each removal */
	for (int again = 1; again;) {
		again = 0;
		for (char **e = environ; e && *e; e++) {
			if (!strncmp(*e, "KISGW_", 6) || !strncmp(*e, "KIS_", 4)) {
				char name[128];
				size_t n = strcspn(*e, "=");
				snprintf(name, sizeof name, "%.*s", (int)n, *e);
				unsetenv(name);
				again = 1;
				break;
			}
		}
	}
}

static void remove_file(void)
{
	if (path[0])
		unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	clear_env();
	snprintf(path, sizeof path, "/tmp/kisgw-fuzz-config-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	atexit(remove_file);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	gw_settings s;
	char err[512] = "";
	if (gw_settings_load(&s, path, err, sizeof err) == 0) {
		if (s.listen_port < 0 || s.listen_port > 65535)
			abort();
		gw_settings_free(&s);
	} else if (strncmp(err, "invalid ", 8) != 0) {
		abort(); /* every refusal is "invalid NAME: why" */
	}
	return 0;
}
