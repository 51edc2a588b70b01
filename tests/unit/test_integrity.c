/*
 * test_integrity.c - PRAGMA integrity_check says "ok" on a healthy database.
 *
 * SQLite 3.40 reported "NULL value in version_files.path" for every file row of every
 * database, because version_files (WITHOUT ROWID) did not start with its primary-key
 * columns; migration 0008 puts them first. The crash tests rely on this check meaning
 * something, so a database with file rows must pass it, and the rebuild of a database in the
 * old layout must keep every row.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"

struct fixture {
	char dir[64];
	char db[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/sr-integrity-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc;
}

/* A migrated database with one skill whose version has three files. */
static void build(const char *db)
{
	sr_store *s;
	assert_int_equal(sr_store_open(db, &s), 0);
	assert_int_equal(sr_store_migrate(s), 0);
	int64_t uid, sid, vid;
	assert_int_equal(sr_store_user_add(s, "owner", "Owner", SR_ROLE_USER, &uid), 0);
	sr_new_skill n = {uid, "files", "Files", "a skill with files", 1700000000000, 0};
	assert_int_equal(sr_store_skill_insert(s, &n, &sid), 0);
	static const char h[] = "0000000000000000000000000000000000000000000000000000000000000000";
	sr_new_file files[] = {
		{"SKILL.md", h, "text/markdown", 10},
		{"scripts/run.sh", h, NULL, 20},
		{"zz.txt", h, "text/plain", 30},
	};
	sr_new_version v = {.skill_id = sid, .created_by = uid, .created_at = 1700000000000,
			    .version = "1.0.0", .fingerprint = "fp", .changelog = "", .changelog_source = -1,
			    .files = files, .nfiles = 3, .total_size = 60, .zip_sha256 = h, .zip_size = 1,
			    .frontmatter_json = "{}", .metadata_json = NULL};
	assert_int_equal(sr_store_begin(s), 0);
	assert_int_equal(sr_store_version_insert(s, &v, &vid), 0);
	assert_int_equal(sr_store_commit(s), 0);
	sr_store_close(s);
}

/* Every line integrity_check prints, joined by '|'. */
static void integrity(sqlite3 *db, char *out, size_t n)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	out[0] = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t len = strlen(out);
		snprintf(out + len, n - len, "%s%s", len ? "|" : "", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
}

static int64_t scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_healthy_database_is_ok(void **state)
{
	struct fixture *f = *state;
	build(f->db);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(scalar(db, "SELECT count(*) FROM version_files"), 3);
	char out[4096];
	integrity(db, out, sizeof(out));
	assert_string_equal(out, "ok");
	/* The check still finds real damage: a NULL where the schema forbids one (written with
	 * the constraint checks off, as a torn write or a foreign tool could leave it). */
	assert_int_equal(sqlite3_exec(db, "PRAGMA ignore_check_constraints = 1; PRAGMA writable_schema = 1; "
				      "UPDATE sqlite_schema SET sql = replace(sql, 'path         TEXT NOT NULL', "
				      "'path TEXT') WHERE name = 'version_files'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE version_files SET path = NULL WHERE ord = 1", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA writable_schema = 1; UPDATE sqlite_schema SET sql = "
				      "replace(sql, 'path TEXT', 'path         TEXT NOT NULL') WHERE name = 'version_files'",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	integrity(db, out, sizeof(out));
	assert_string_equal(out, "NULL value in version_files.path");
	sqlite3_close(db);
}

/* A database made before migration 0008 keeps every file row through the rebuild. */
static void test_old_layout_rebuilt(void **state)
{
	struct fixture *f = *state;
	build(f->db);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"BEGIN;"
		"CREATE TABLE old_files (version_id INTEGER NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, "
		"  sha256 TEXT NOT NULL, content_type TEXT, ord INTEGER NOT NULL, PRIMARY KEY (version_id, ord)) WITHOUT ROWID;"
		"INSERT INTO old_files(version_id, path, size, sha256, content_type, ord) "
		"  SELECT version_id, path, size, sha256, content_type, ord FROM version_files;"
		"DROP TABLE version_files;"
		"ALTER TABLE old_files RENAME TO version_files;"
		"CREATE UNIQUE INDEX ux_version_files_path ON version_files(version_id, path);"
		"DELETE FROM schema_migrations WHERE name LIKE '0008%';"
		"COMMIT;", NULL, NULL, NULL), SQLITE_OK);
	char out[4096];
	integrity(db, out, sizeof(out));
	assert_string_not_equal(out, "ok"); /* SQLite 3.40 misreads the old layout */
	sqlite3_close(db);

	sr_store *s;
	assert_int_equal(sr_store_open(f->db, &s), 0);
	assert_int_equal(sr_store_migrate(s), 0);
	sr_store_close(s);

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	integrity(db, out, sizeof(out));
	assert_string_equal(out, "ok");
	assert_int_equal(scalar(db, "SELECT count(*) FROM version_files"), 3);
	assert_int_equal(scalar(db, "SELECT sum(size) FROM version_files"), 60);
	assert_int_equal(scalar(db, "SELECT count(*) FROM version_files WHERE ord = 1 AND path = 'scripts/run.sh' "
				    "AND content_type IS NULL"), 1);
	assert_int_equal(scalar(db, "SELECT count(*) FROM version_files WHERE ord = 2 AND path = 'zz.txt' "
				    "AND content_type = 'text/plain'"), 1);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_healthy_database_is_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_layout_rebuilt, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
