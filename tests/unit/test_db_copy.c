/*
 * test_db_copy.c - `skillreg db-copy` (src/store/copy.c) against a real PostgreSQL: a
 * generated catalogue copied into a new database has the same rows in every table both
 * engines have, the same list pages through the store for every sort, filter and direction
 * (pages 1 and 2), the same blobs (read back through the blob store), identity sequences past
 * the copied ids, statistics, the search word index (the source's, built by its search
 * backfill) read by the same searches with the same answers, and a second copy into the
 * filled database is refused.
 *
 * It needs a server: SKILLREG_TEST_PG names one (scripts/pg-test-cluster start DIR prints
 * its URL), and the test fails when it is not set. It makes a database of its own there.
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

#include <libpq-fe.h>
#include <sqlite3.h>

#include "bench/bench.h"
#include "blob/blob.h"
#include "core/buf.h"
#include "core/err.h"
#include "cron/backfill.h"
#include "registry/cursor.h"
#include "registry/search.h"
#include "registry/sort.h"
#include "store/copy.h"
#include "store/store.h"

#define SKILLS 300
#define NOW_MS 1767225600000LL /* 2026-01-01T00:00:00Z: a fixed "today" */

static char dir[] = "/tmp/sr-dbcopy-XXXXXX";
static char src_db[400], blob_dir[400], cache_dir[400];
static char admin_url[1024], db_url[1100], db_name[64];
static PGconn *admin, *conn;
static int notes;

static PGresult *sql(PGconn *c, const char *text)
{
	PGresult *r = PQexec(c, text);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("%s: %s", text, PQerrorMessage(c));
	return r;
}

static int64_t pg_scalar(const char *text)
{
	PGresult *r = sql(conn, text);
	int64_t v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

static void count_note(void *ud, const char *line)
{
	notes++;
}

static int group_setup(void **state)
{
	const char *url = getenv("SKILLREG_TEST_PG");
	snprintf(admin_url, sizeof(admin_url), "%s", url);
	admin = PQconnectdb(admin_url);
	if (PQstatus(admin) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect to SKILLREG_TEST_PG %s: %s", admin_url, PQerrorMessage(admin));
		return -1;
	}
	/* A database of the test's own: postgres://.../NAME[?...] with NAME replaced. */
	snprintf(db_name, sizeof(db_name), "dbcopy_%d", (int)getpid());
	const char *scheme = strstr(admin_url, "://");
	const char *q = strchr(admin_url, '?');
	const char *slash = strrchr(admin_url, '/');
	if (!scheme || !slash || slash < scheme + 3 || (q && slash > q))
		return -1;
	snprintf(db_url, sizeof(db_url), "%.*s/%s%s", (int)(slash - admin_url), admin_url, db_name, q ? q : "");
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "CREATE DATABASE %s", db_name);
	PQclear(sql(admin, cmd));
	if (!mkdtemp(dir))
		return -1;
	char gen_dir[100];
	snprintf(gen_dir, sizeof(gen_dir), "%s/gen", dir);
	snprintf(src_db, sizeof(src_db), "%s/skillreg.db", gen_dir);
	snprintf(blob_dir, sizeof(blob_dir), "%s/blobs", gen_dir);
	snprintf(cache_dir, sizeof(cache_dir), "%s/cache", dir);
	sr_synth_opts o = {gen_dir, SKILLS, 7, NOW_MS, 0};
	sr_synth_stats st;
	char err[256];
	if (sr_synth_generate(&o, &st, err, sizeof(err))) {
		fprintf(stderr, "gen: %s\n", err);
		return -1;
	}
	/* The generator writes rows, not the word index: the search backfill builds it. */
	sr_store *lite;
	sr_backfill_run run;
	if (sr_store_open(src_db, &lite))
		return -1;
	int rc = sr_backfill_run_one(lite, sr_backfill_find("search"), SR_BACKFILL_BATCH, NULL, 0, &run);
	sr_store_close(lite);
	return rc || run.scanned != SKILLS ? -1 : 0;
}

static int group_teardown(void **state)
{
	if (conn)
		PQfinish(conn);
	if (admin) {
		char cmd[200];
		snprintf(cmd, sizeof(cmd), "DROP DATABASE IF EXISTS %s", db_name);
		PQclear(PQexec(admin, cmd));
		PQfinish(admin);
	}
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_copy(void **state)
{
	sr_copy_opts o = {src_db, db_url, blob_dir, count_note, NULL};
	sr_copy_stats st;
	char err[512];
	if (sr_store_copy(&o, &st, err, sizeof(err)))
		fail_msg("copy: %s", err);
	assert_true(st.tables >= 20);
	assert_true(st.rows > SKILLS * 10);
	assert_true(st.blobs > 0);
	assert_int_equal(st.skipped_blobs, 0);
	assert_true(notes > st.tables); /* a line per table, the indexes, the vacuum */
	conn = PQconnectdb(db_url);
	assert_int_equal(PQstatus(conn), CONNECTION_OK);
}

/* Every table both have: the same number of rows. */
static void test_counts(void **state)
{
	sqlite3 *s;
	assert_int_equal(sqlite3_open_v2(src_db, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	PGresult *tabs = sql(conn, "SELECT relname FROM pg_class WHERE relkind = 'r' "
				   "AND relnamespace = current_schema()::regnamespace "
				   "AND relname NOT IN ('schema_migrations', 'blobs') ORDER BY relname");
	int compared = 0;
	for (int i = 0; i < PQntuples(tabs); i++) {
		const char *t = PQgetvalue(tabs, i, 0);
		char text[200];
		snprintf(text, sizeof(text), "SELECT count(*) FROM \"%s\"", t);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(s, text, -1, &st, NULL) != SQLITE_OK)
			continue; /* a table of PostgreSQL's only */
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		int64_t want = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		int64_t got = pg_scalar(text);
		if (got != want)
			fail_msg("%s: %lld rows copied, %lld in the source", t, (long long)got, (long long)want);
		compared++;
	}
	PQclear(tabs);
	assert_true(compared >= 20);
	/* The generated columns were computed by the target and agree with the source's. */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(s, "SELECT sum(is_listed), sum(is_public) FROM skills", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(pg_scalar("SELECT sum(is_listed) FROM skills"), sqlite3_column_int64(st, 0));
	assert_int_equal(pg_scalar("SELECT sum(is_public) FROM skills"), sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	sqlite3_close(s);
	/* Statistics were gathered, and the indexes dropped for the load are back. */
	assert_true(pg_scalar("SELECT count(*) FROM pg_stats WHERE tablename = 'skills'") > 0);
	assert_true(pg_scalar("SELECT count(*) FROM pg_indexes WHERE tablename = 'skills' AND indexname LIKE 'ix_list_%'") > 0);
	assert_true(pg_scalar("SELECT count(*) FROM pg_indexes WHERE tablename = 'skill_search'") >= 3);
}

/* A page of rows as one text: what a list answer is made of. */
static int digest(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	sr_buf_printf(ud, "%lld|%s|%s|%s|%s|%lld|%lld|%lld|%lld|%lld|%d|%d|%s|%s\n", (long long)r->id, r->slug,
		      r->display_name ? r->display_name : "", r->summary ? r->summary : "",
		      r->latest_version ? r->latest_version : "", (long long)r->downloads, (long long)r->stars,
		      (long long)r->installs, (long long)r->updated_at, (long long)r->created_at, r->is_listed,
		      r->is_public, r->tags_json ? r->tags_json : "", r->owner_handle ? r->owner_handle : "");
	return 0;
}

/* The last row's keyset position, as the API's cursor takes it. */
struct last {
	sr_cursor c;
	int sort;
};

static int remember(void *ud, const void *row)
{
	struct last *l = ud;
	sr_cursor_set_row(&l->c, l->sort, row);
	return 0;
}

static void page(sr_store *s, const sr_list_query *q, sr_buf *out)
{
	sr_buf_reset(out);
	if (sr_store_list(s, q, digest, out))
		fail_msg("list sort %d filter %d: %s", q->sort, q->filter, sr_store_errmsg(s));
}

/* The same list pages through the store on both engines. */
static void test_lists(void **state)
{
	sr_store *lite, *pg;
	assert_int_equal(sr_store_open(src_db, &lite), 0);
	assert_int_equal(sr_store_open(db_url, &pg), 0);
	sr_buf a, b;
	sr_buf_init(&a, 1 << 20);
	sr_buf_init(&b, 1 << 20);
	int pages = 0;
	for (int sort = 0; sort < SR_SORT_COUNT; sort++)
		for (int filter = 0; filter < SR_FILTER_COUNT; filter++)
			for (int desc = 0; desc < 2; desc++) {
				sr_list_query q = {sort, filter, desc, 10, NULL, 0, 0, 0, 0, NULL};
				page(lite, &q, &a);
				page(pg, &q, &b);
				assert_true(a.len > 0);
				assert_string_equal(a.data, b.data);
				/* Page 2, from the first page's last row. */
				struct last l;
				memset(&l, 0, sizeof(l));
				l.sort = sort;
				q.limit = 9; /* the 10th row of page 1 is the key */
				assert_int_equal(sr_store_list(lite, &q, remember, &l), 0);
				q.limit = 10;
				sr_list_query_after(&q, &l.c);
				page(lite, &q, &a);
				page(pg, &q, &b);
				assert_string_equal(a.data, b.data);
				pages += 2;
			}
	assert_int_equal(pages, SR_SORT_COUNT * SR_FILTER_COUNT * 4);
	sr_buf_deinit(&a);
	sr_buf_deinit(&b);
	sr_store_close(lite);
	sr_store_close(pg);
}

/* Identity sequences continue past the copied ids: a new user gets the next id. */
static int slug_of(void *ud, const sr_skill_row *r, sr_buf *out)
{
	return sr_buf_puts(out, r->slug);
}

/* The hits of a search as one text: their slugs in order. */
static void search_text(sr_store *s, const char *q, sr_buf *out)
{
	sr_search_results res;
	assert_int_equal(sr_search_run(s, q, 0, 20, slug_of, NULL, &res), 0);
	for (int i = 0; i < res.n; i++) {
		sr_buf_append(out, res.hits[i].data, res.hits[i].len);
		sr_buf_putc(out, ' ');
	}
	sr_search_results_free(&res);
}

/* The word index came along: its postings, and the same searches (a word, two words, a
 * misspelt word) answer the same on both, with hits. */
static void test_search(void **state)
{
	assert_true(pg_scalar("SELECT count(*) FROM search_postings") > SKILLS);
	sr_store *lite, *pg;
	assert_int_equal(sr_store_open(src_db, &lite), 0);
	assert_int_equal(sr_store_open(db_url, &pg), 0);
	static const char *const qs[] = {"invoice", "pdf tables", "invoce"};
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		sr_buf a, b;
		sr_buf_init(&a, 1 << 16);
		sr_buf_init(&b, 1 << 16);
		search_text(lite, qs[i], &a);
		search_text(pg, qs[i], &b);
		if (!a.len || a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
			fail_msg("search %s: sqlite [%.*s], postgresql [%.*s]", qs[i], (int)a.len, a.data ? a.data : "",
				 (int)b.len, b.data ? b.data : "");
		sr_buf_deinit(&a);
		sr_buf_deinit(&b);
	}
	sr_store_close(lite);
	sr_store_close(pg);
}

static void test_sequences(void **state)
{
	int64_t max = pg_scalar("SELECT max(id) FROM users");
	sr_store *pg;
	assert_int_equal(sr_store_open(db_url, &pg), 0);
	int64_t id = 0;
	assert_int_equal(sr_store_user_add(pg, "copied-newcomer", "Newcomer", SR_ROLE_USER, &id), 0);
	assert_int_equal(id, max + 1);
	sr_store_close(pg);
	assert_true(pg_scalar("SELECT max(id) FROM skill_versions") <
		    pg_scalar("SELECT nextval(pg_get_serial_sequence('skill_versions', 'id'))"));
}

/* Every blob file is a row, and reads back through the blob store with its bytes. */
static void test_blobs(void **state)
{
	sr_blobs *files, *db;
	assert_int_equal(sr_blobs_open(blob_dir, &files), 0);
	assert_int_equal(sr_blobs_open_db(cache_dir, db_url, &db), 0);
	PGresult *r = sql(conn, "SELECT sha256 FROM blobs ORDER BY sha256 LIMIT 20");
	assert_true(PQntuples(r) > 0);
	sr_buf a, b;
	sr_buf_init(&a, 64 << 20);
	sr_buf_init(&b, 64 << 20);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *sha = PQgetvalue(r, i, 0);
		sr_buf_reset(&a);
		sr_buf_reset(&b);
		assert_int_equal(sr_blob_read(files, sha, &a), 0);
		assert_int_equal(sr_blob_read(db, sha, &b), 0);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
	}
	PQclear(r);
	/* Every version's archive is there. */
	assert_int_equal(pg_scalar("SELECT count(*) FROM skill_versions v WHERE NOT EXISTS "
				   "(SELECT 1 FROM blobs b WHERE b.sha256 = v.zip_sha256)"),
			 0);
	sr_buf_deinit(&a);
	sr_buf_deinit(&b);
	sr_blobs_close(files);
	sr_blobs_close(db);
}

/* A database that already holds a registry is not overwritten. */
static void test_refuses_filled(void **state)
{
	sr_copy_opts o = {src_db, db_url, NULL, NULL, NULL};
	sr_copy_stats st;
	char err[512];
	assert_int_equal(sr_store_copy(&o, &st, err, sizeof(err)), SR_EEXIST);
	assert_non_null(strstr(err, "already holds"));
	o.to = src_db;
	assert_int_equal(sr_store_copy(&o, &st, err, sizeof(err)), SR_EINVAL);
}

int main(void)
{
	if (!getenv("SKILLREG_TEST_PG") || !getenv("SKILLREG_TEST_PG")[0]) {
		fprintf(stderr, "test_db_copy: SKILLREG_TEST_PG is not set; start a server with\n"
				"  U=$(scripts/pg-test-cluster start /tmp/pg) && SKILLREG_TEST_PG=$U %s\n",
			"build/tests/test_db_copy");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy),      cmocka_unit_test(test_counts),
		cmocka_unit_test(test_lists),     cmocka_unit_test(test_search),
		cmocka_unit_test(test_sequences),
		cmocka_unit_test(test_blobs),     cmocka_unit_test(test_refuses_filled),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
