/*
 * test_synth.c - the synthetic catalogue (skillreg gen): the denormalized columns agree with
 * their sources the way publish keeps them, every blob a version names exists, a second run
 * into the same directory is refused, one seed gives one catalogue, and the bench replay
 * runs over it.
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

#include "blob/blob.h"
#include "core/buf.h"
#include "core/err.h"
#include "bench/bench.h"
#include "store/store.h"

#define SKILLS 400
#define NOW_MS 1767225600000LL /* 2026-01-01T00:00:00Z: a fixed "today" */

static char dir_a[] = "/tmp/sr-synth-a-XXXXXX";
static char dir_b[] = "/tmp/sr-synth-b-XXXXXX";

static void generate(const char *dir, uint64_t seed)
{
	sr_synth_opts o = {dir, SKILLS, seed, NOW_MS, 0};
	sr_synth_stats st;
	char err[256];
	int rc = sr_synth_generate(&o, &st, err, sizeof(err));
	if (rc)
		fail_msg("generate: %s", err);
	assert_int_equal(st.skills, SKILLS);
	assert_true(st.versions >= SKILLS && st.versions <= SKILLS * 20);
	assert_true(st.files >= st.versions);
	/* About three to six daily rows per skill on average, not one per day. */
	assert_true(st.daily_rows > SKILLS && st.daily_rows < SKILLS * 10);
}

static sqlite3 *open_db(const char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/skillreg.db", dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	return db;
}

static int64_t scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int setup(void **state)
{
	if (!mkdtemp(dir_a) || !mkdtemp(dir_b))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir_a, dir_b);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_consistent(void **state)
{
	generate(dir_a, 7);
	sqlite3 *db = open_db(dir_a);
	assert_int_equal(scalar(db, "SELECT count(*) FROM skills"), SKILLS);
	/* Counters are the sums of their sources. */
	assert_int_equal(scalar(db, "SELECT count(*) FROM skills s WHERE stats_downloads != "
				    "(SELECT coalesce(sum(downloads), 0) FROM skill_daily_stats d WHERE d.skill_id = s.id) "
				    "OR stats_installs != (SELECT coalesce(sum(installs), 0) FROM skill_daily_stats d "
				    "WHERE d.skill_id = s.id)"), 0);
	assert_int_equal(scalar(db, "SELECT count(*) FROM skills s WHERE stats_stars != "
				    "(SELECT count(*) FROM stars t WHERE t.skill_id = s.id)"), 0);
	assert_int_equal(scalar(db, "SELECT count(*) FROM skills s WHERE stats_versions != "
				    "(SELECT count(*) FROM skill_versions v WHERE v.skill_id = s.id AND v.soft_deleted_at IS NULL)"), 0);
	/* latest points at a live version of the skill, and the summary columns are its copy. */
	assert_int_equal(scalar(db, "SELECT count(*) FROM skills s LEFT JOIN skill_versions v ON v.id = s.latest_version_id "
				    "LEFT JOIN version_cold c ON c.version_id = v.id WHERE v.id IS NULL OR v.skill_id != s.id "
				    "OR v.soft_deleted_at IS NOT NULL OR s.latest_version IS NOT v.version "
				    "OR s.latest_created_at IS NOT v.created_at OR s.latest_changelog IS NOT substr(v.changelog, 1, 2000) "
				    "OR s.latest_metadata IS NOT c.metadata_json"), 0);
	/* tags_json is what Q_TAGS_JSON would rebuild from skill_tags. */
	assert_int_equal(scalar(db, "SELECT count(*) FROM skills s WHERE tags_json != (SELECT coalesce(json_group_object(t.tag, "
				    "v.version), '{}') FROM skill_tags t CROSS JOIN skill_versions v ON v.id = t.version_id "
				    "WHERE t.skill_id = s.id AND v.soft_deleted_at IS NULL)"), 0);
	/* Files: counts and sizes agree with the version row; every version has cold data. */
	assert_int_equal(scalar(db, "SELECT count(*) FROM skill_versions v WHERE file_count != (SELECT count(*) FROM "
				    "version_files f WHERE f.version_id = v.id) OR total_size != (SELECT sum(size) FROM "
				    "version_files f WHERE f.version_id = v.id) OR NOT EXISTS (SELECT 1 FROM version_cold c "
				    "WHERE c.version_id = v.id)"), 0);
	/* Both search indexes hold every skill. */
	assert_int_equal(scalar(db, "SELECT count(*) FROM skill_search"), SKILLS);
	assert_int_equal(scalar(db, "SELECT count(*) FROM skill_search_short"), SKILLS);
	/* Slugs are unique per owner; the mix has listed, suspicious and hidden skills. */
	assert_int_equal(scalar(db, "SELECT count(*) - count(DISTINCT owner_id || '/' || slug) FROM skills"), 0);
	assert_true(scalar(db, "SELECT sum(is_listed) FROM skills") > SKILLS * 9 / 10);
	assert_true(scalar(db, "SELECT sum(is_public AND NOT is_listed) FROM skills") > 0);
	assert_true(scalar(db, "SELECT sum(NOT is_public) FROM skills") > 0);
	/* The secondary indexes dropped for the load are back. */
	assert_true(scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_list_downloads'") == 1);

	/* Every blob a version names exists, zip and files alike. */
	char blobdir[256];
	snprintf(blobdir, sizeof(blobdir), "%s/blobs", dir_a);
	sr_blobs *b;
	assert_int_equal(sr_blobs_open(blobdir, &b), 0);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT DISTINCT zip_sha256 FROM skill_versions UNION "
					      "SELECT DISTINCT sha256 FROM version_files", -1, &st, NULL), SQLITE_OK);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *sha = (const char *)sqlite3_column_text(st, 0);
		if (!sr_blob_exists(b, sha))
			fail_msg("blob %s is missing", sha);
		n++;
	}
	assert_true(n > 100);
	sqlite3_finalize(st);
	sr_blobs_close(b);
	sqlite3_close(db);

	/* A directory that holds a database is refused. */
	sr_synth_opts o = {dir_a, 10, 7, NOW_MS, 0};
	sr_synth_stats s2;
	char err[256];
	assert_int_equal(sr_synth_generate(&o, &s2, err, sizeof(err)), SR_EEXIST);
	assert_non_null(strstr(err, "already holds a database"));
}

static void test_deterministic(void **state)
{
	generate(dir_b, 7);
	const char *digest = "SELECT sum(length(slug) * id + stats_downloads * 7 + stats_stars * 13 + created_at % 1000003 + "
			     "length(summary) + length(coalesce(moderation_reason, '')) * 31) FROM skills";
	sqlite3 *a = open_db(dir_a), *b = open_db(dir_b);
	assert_int_equal(scalar(a, digest), scalar(b, digest));
	assert_int_equal(scalar(a, "SELECT sum(length(fingerprint) + zip_size + created_at % 999983) FROM skill_versions"),
			 scalar(b, "SELECT sum(length(fingerprint) + zip_size + created_at % 999983) FROM skill_versions"));
	sqlite3_close(a);
	sqlite3_close(b);
}

static void test_replay(void **state)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/skillreg.db", dir_a);
	sr_store *s;
	/* Without a memory map, so that the modern side's pages are counted too. */
	sr_store_tune(-1, 0);
	assert_int_equal(sr_store_open(path, &s), 0);
	sr_store_tune(-1, SR_STORE_DEFAULT_MMAP_BYTES);
	sr_buf out;
	sr_buf_init(&out, 1 << 20);
	assert_int_equal(sr_bench_replay(s, path, 1, &out), 0);
	/* Two lines (modern, legacy) per path; the current list page reads limit + 1 rows. */
	int lines = 0;
	for (size_t i = 0; i < out.len; i++)
		lines += out.data[i] == '\n';
	assert_true(lines >= 2 * 25);
	assert_non_null(strstr(out.data, "browse-downloads-listed\tmodern\t26\t"));
	assert_non_null(strstr(out.data, "cron-global-count\tlegacy\t400\t"));
	/* Every line ends in the pages its side touched: more than none on both sides, and the
	 * legacy list page (whole rows, a version document per row) touches more. */
	long long home[2] = {-1, -1};
	for (int legacy = 0; legacy < 2; legacy++) {
		const char *l = strstr(out.data, legacy ? "home\tlegacy\t" : "home\tmodern\t");
		assert_non_null(l);
		const char *eol = strchr(l, '\n'), *tab = eol;
		while (tab > l && tab[-1] != '\t')
			tab--;
		assert_true(eol > tab);
		home[legacy] = strtoll(tab, NULL, 10);
	}
	assert_true(home[0] > 0);
	assert_true(home[1] > home[0]);
	sr_buf_deinit(&out);
	sr_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consistent),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_replay),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
