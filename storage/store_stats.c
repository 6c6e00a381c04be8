/* store_stats.c — counts over the ledger for GET /metrics. */
#include "store_internal.h"

#include <string.h>

int store_orders_count(store *s, int64_t counts[ST__MAX][STORE_SOURCE__MAX])
{
	memset(counts, 0, sizeof(int64_t) * ST__MAX * STORE_SOURCE__MAX);
	sqlite3 *db = store_db(s);
	if (!db)
		return -1;
	/* orders_status (status, …) serves the grouping without a table scan
	 * of every column */
	sqlite3_stmt *st =
	    store_prep(db, "SELECT status, source, count(*) FROM orders GROUP BY status, source");
	if (!st)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int status = store_status_parse((const char *)sqlite3_column_text(st, 0));
		int source = store_source_parse((const char *)sqlite3_column_text(st, 1));
		if (status >= 0 && source >= 0)
			counts[status][source] = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
