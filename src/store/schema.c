/*
 * schema.c - the SQLite schema: applies the migrations (the files of sql/sqlite, compiled
 * in as migrations_sqlite.h) that schema_migrations does not record yet, each in a
 * transaction of its own. A second engine brings its own migrations.
 */
#include <stdio.h>

#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "migrations_sqlite.h"
#include "store/sqlite.h"

int sr__sqlite_migrate(sr_store *s)
{
	sqlite3 *db = sr__sqlite_db(s);
	if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, "
				"applied_at INTEGER NOT NULL)", NULL, NULL, NULL) != SQLITE_OK)
		return sr__sqlite_fail(s, "create schema_migrations");
	size_t n = sizeof(sr__migrations_sqlite) / sizeof(sr__migrations_sqlite[0]);
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, "SELECT 1 FROM schema_migrations WHERE name = ?1", -1, &st,
				       NULL) != SQLITE_OK)
			return sr__sqlite_fail(s, "prepare migration check");
		sqlite3_bind_text(st, 1, sr__migrations_sqlite[i].name, -1, SQLITE_STATIC);
		int done = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		if (done)
			continue;
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			return sr__sqlite_fail(s, "begin migration");
		if (sqlite3_exec(db, sr__migrations_sqlite[i].sql, NULL, NULL, NULL) != SQLITE_OK) {
			int rc = sr__sqlite_fail(s, sr__migrations_sqlite[i].name);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		char ins[256];
		snprintf(ins, sizeof(ins), "INSERT INTO schema_migrations VALUES ('%s', %lld)",
			 sr__migrations_sqlite[i].name, (long long)sr_now_ms());
		if (sqlite3_exec(db, ins, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			int rc = sr__sqlite_fail(s, "record migration");
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		sr_log_info("applied migration %s", sr__migrations_sqlite[i].name);
	}
	return 0;
}
