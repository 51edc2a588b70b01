/*
 * test_slug_owner.c - migration 0009's one-owner index, straight on SQLite.
 *
 * A database from before the migration that already has two publishers on one slug must
 * migrate as it is (both rows kept, marked slug_shared); afterwards the database refuses a
 * second live skill on a slug whoever writes it, except a row an import marks shared; a
 * deleted skill lets go of its slug, and a rename claims its new slug like a publish.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "migrations_sqlite.h"

#define NMIG (sizeof(sr__migrations_sqlite) / sizeof(sr__migrations_sqlite[0]))

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static long long one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Applies the migrations numbered from to to - 1, in order. */
static void migrate(sqlite3 *db, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (exec(db, sr__migrations_sqlite[i].sql) != SQLITE_OK) {
			print_error("%s: %s\n", sr__migrations_sqlite[i].name, sqlite3_errmsg(db));
			fail();
		}
}

static size_t index_of(const char *prefix)
{
	for (size_t i = 0; i < NMIG; i++)
		if (strncmp(sr__migrations_sqlite[i].name, prefix, strlen(prefix)) == 0)
			return i;
	fail_msg("no migration %s", prefix);
	return 0;
}

static const char USERS[] = "INSERT INTO users(id, handle, created_at) VALUES (1, 'alice', 0), (2, 'bob', 0), "
			    "(3, 'carol', 0)";

static void test_legacy_duplicates_survive(void **state)
{
	(void)state;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	size_t m9 = index_of("0009_");
	migrate(db, 0, m9);
	assert_int_equal(exec(db, USERS), SQLITE_OK);
	/* Two publishers on one slug, and a deleted third, as main let them publish. */
	assert_int_equal(exec(db, "INSERT INTO skills(owner_id, slug, display_name, created_at, updated_at) VALUES "
				  "(1, 'shared', 'A', 0, 0), (2, 'shared', 'B', 0, 0), (1, 'alone', 'C', 0, 0)"),
			 SQLITE_OK);
	assert_int_equal(exec(db, "INSERT INTO skills(owner_id, slug, display_name, created_at, updated_at, "
				  "soft_deleted_at) VALUES (3, 'shared', 'D', 0, 0, 5)"),
			 SQLITE_OK);
	migrate(db, m9, NMIG);
	assert_int_equal(one(db, "SELECT count(*) FROM skills WHERE slug = 'shared'"), 3);
	assert_int_equal(one(db, "SELECT count(*) FROM skills WHERE slug_shared = 1"), 3);
	assert_int_equal(one(db, "SELECT slug_shared FROM skills WHERE slug = 'alone'"), 0);
	/* The legacy pair keeps working: the deleted third comes back too. */
	assert_int_equal(exec(db, "UPDATE skills SET soft_deleted_at = NULL WHERE owner_id = 3"), SQLITE_OK);

	/* A new claim of a held slug is refused by the database itself ... */
	assert_int_equal(exec(db, "INSERT INTO skills(owner_id, slug, display_name, created_at, updated_at) "
				  "VALUES (2, 'alone', 'E', 0, 0)"),
			 SQLITE_CONSTRAINT);
	/* ... and so is a rename into it (a rename clears slug_shared). */
	assert_int_equal(exec(db, "UPDATE skills SET slug = 'alone', slug_shared = 0 WHERE owner_id = 2 AND slug = 'shared'"),
			 SQLITE_CONSTRAINT);
	/* An import may still write a shared row. */
	assert_int_equal(exec(db, "INSERT INTO skills(owner_id, slug, display_name, created_at, updated_at, slug_shared) "
				  "VALUES (2, 'alone', 'F', 0, 0, 1)"),
			 SQLITE_OK);
	/* A deleted skill lets go of its slug; undeleting it while another holds it fails. */
	assert_int_equal(exec(db, "INSERT INTO skills(owner_id, slug, display_name, created_at, updated_at) "
				  "VALUES (1, 'gone', 'G', 0, 0)"),
			 SQLITE_OK);
	assert_int_equal(exec(db, "UPDATE skills SET soft_deleted_at = 9 WHERE slug = 'gone'"), SQLITE_OK);
	assert_int_equal(exec(db, "INSERT INTO skills(owner_id, slug, display_name, created_at, updated_at) "
				  "VALUES (3, 'gone', 'H', 0, 0)"),
			 SQLITE_OK);
	assert_int_equal(exec(db, "UPDATE skills SET soft_deleted_at = NULL WHERE slug = 'gone' AND owner_id = 1"),
			 SQLITE_CONSTRAINT);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_duplicates_survive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
