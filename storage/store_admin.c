/* store_admin.c — offline administration of a database file: the schema
 * version of a file, and a consistent online copy (kisgw migrate, backup). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_internal.h"

/* A running kisgw holds its write lock for milliseconds; a copy waits this
 * long for a read snapshot before giving up. */
#define BACKUP_WAIT_MS 10000

int store_file_schema_version(const char *path)
{
	if (access(path, F_OK) != 0)
		return 0;
	sqlite3 *db = NULL;
	int v = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(db, BACKUP_WAIT_MS);
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db,
		                       "SELECT coalesce(max(version), 0) FROM schema_migrations",
		                       -1, &st, NULL) == SQLITE_OK)
			v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
		else if (strstr(sqlite3_errmsg(db), "no such table"))
			v = 0; /* an empty file: nothing applied yet */
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

/* fsync a path (a file, or the directory holding a renamed one). */
static int sync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Copies every page of src into the open dst in one step, so the copy is
 * one read snapshot: a writer in WAL mode is not blocked meanwhile. */
static int copy_pages(sqlite3 *src, sqlite3 *dst, int *pages, char *err, size_t errlen)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		snprintf(err, errlen, "backup: %s", sqlite3_errmsg(dst));
		return -1;
	}
	int rc, waited = 0;
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (waited >= BACKUP_WAIT_MS)
			break;
		sqlite3_sleep(50);
		waited += 50;
	}
	if (pages)
		*pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "backup: %s", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

/* The copy is made self-contained (rollback journal, not WAL) and checked
 * before it replaces anything. */
static int finish_copy(sqlite3 *dst, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int ok = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) == SQLITE_OK &&
	         sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
	         sqlite3_step(st) == SQLITE_ROW &&
	         !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
	if (!ok)
		snprintf(err, errlen, "the copy failed its check: %s", sqlite3_errmsg(dst));
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

int store_backup(const char *src_path, const char *dest, int *pages, char *err, size_t errlen)
{
	sqlite3 *src = NULL, *dst = NULL;
	char *tmp = NULL;
	int rc = -1;
	if (access(src_path, F_OK) != 0) {
		snprintf(err, errlen, "%s: %s", src_path, strerror(errno));
		return -1;
	}
	/* Not SQLITE_OPEN_CREATE, and no migration: the file is copied as is. */
	if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", src_path, sqlite3_errmsg(src));
		goto out;
	}
	sqlite3_busy_timeout(src, BACKUP_WAIT_MS);
	/* Written beside dest (mkstemp: mode 0600 whatever the umask) and
	 * renamed over it, so dest is either the old file or a whole copy. */
	if (asprintf(&tmp, "%s.XXXXXX", dest) < 0) {
		tmp = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", dest, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	close(fd);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", tmp, sqlite3_errmsg(dst));
		goto out;
	}
	if (copy_pages(src, dst, pages, err, errlen) || finish_copy(dst, err, errlen))
		goto out;
	sqlite3_close(dst);
	dst = NULL;
	if (sync_path(tmp, O_RDONLY) || rename(tmp, dest)) {
		snprintf(err, errlen, "%s: %s", dest, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	char *d = strdup(dest);
	if (d) {
		sync_path(dirname(d), O_RDONLY | O_DIRECTORY);
		free(d);
	}
	rc = 0;
out:
	sqlite3_close(dst);
	sqlite3_close(src);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	return rc;
}
