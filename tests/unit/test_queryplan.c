/*
 * test_queryplan.c - the query-plan guard: every statement the store layer prepares must
 * read through an index. A full scan of a table, or a temporary B-tree to sort a list, fails
 * the test unless the statement is on the short allow-list below with its reason.
 *
 * It runs twice: on a catalogue published through the real publish path, and on the
 * benchmark generator's catalogue (5,000 skills shaped like a real registry's). Both are
 * ANALYZEd, so the planner sees a realistic shape rather than empty tables.
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

#include "core/buf.h"
#include "core/util.h"
#include "registry/registry.h"
#include "bench/bench.h"
#include "store/store.h"

/* Statements allowed one exception, each with why it is still bounded: a plan line that
 * scans a table (SCAN), or a sort in a temporary B-tree (SORT). */
enum { SCAN = 1, SORT = 2 };
static const struct {
	const char *needle;
	int allows;
	const char *why;
} allowed[] = {
	{"SELECT path, sha256, content_type, size, ord FROM version_files WHERE version_id = ?1 ORDER BY ord", SCAN,
	 "primary key range of one version; EXPLAIN may name it SCAN on tiny tables"},
	{"FROM skill_search WHERE skill_search MATCH ?1 ORDER BY rowid DESC LIMIT ?3", SORT,
	 "search ranks a window of at most SR_SEARCH_WINDOW_TRIGRAMS matches: the sort is of that "
	 "bounded window by bm25, which no index can provide"},
	{"FROM skill_search_short WHERE skill_search_short MATCH ?1 ORDER BY rowid DESC LIMIT ?3", SORT,
	 "the same for the word index (SR_SEARCH_WINDOW_WORDS matches)"},
	{"INDEXED BY ix_versions_skill_fp WHERE skill_id = ?1 AND fingerprint = ?2", SORT,
	 "resolve: (skill, fingerprint) is all but unique, and with real statistics the planner sorts "
	 "the one or two matching versions in a temporary B-tree instead of walking the index "
	 "backwards; still one index range, never a list"},
};

static int allows(const char *sql)
{
	int a = 0;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strstr(sql, allowed[i].needle))
			a |= allowed[i].allows;
	return a;
}

static char dir[] = "/tmp/sr-queryplan-XXXXXX";

static void fill(sr_store *s, sr_blobs *b)
{
	/* Several owners, so joins to users look like the lookups they are. */
	sr_user owners[30];
	for (int i = 0; i < 30; i++) {
		char handle[32];
		int64_t uid;
		snprintf(handle, sizeof(handle), "planner%02d", i);
		assert_int_equal(sr_store_user_add(s, handle, handle, SR_ROLE_USER, &uid), 0);
		assert_int_equal(sr_store_user_by_id(s, uid, &owners[i]), 0);
	}
	for (int i = 0; i < 60; i++) {
		char slug[32], md[256], notes[64];
		snprintf(slug, sizeof(slug), "plan-skill-%02d", i);
		snprintf(md, sizeof(md), "---\nname: %s\ndescription: skill number %d for the plan\n---\n# hi\n", slug, i);
		snprintf(notes, sizeof(notes), "notes %d\n", i);
		for (int v = 0; v < 3; v++) {
			char ver[16];
			snprintf(ver, sizeof(ver), "1.%d.0", v);
			sr_pub_file files[2];
			memset(files, 0, sizeof(files));
			files[0].path = strdup("SKILL.md");
			files[0].data = (const unsigned char *)md;
			files[0].size = (int64_t)strlen(md);
			sr_sha256_hex(md, strlen(md), files[0].sha256);
			files[1].path = strdup("notes.txt");
			files[1].data = (const unsigned char *)notes;
			files[1].size = (int64_t)strlen(notes);
			sr_sha256_hex(notes, strlen(notes), files[1].sha256);
			sr_publish_req pr = {.actor = &owners[i % 30], .slug = slug, .version = ver, .changelog = "c",
					     .accept_license = 1, .files = files, .nfiles = 2};
			sr_publish_result res;
			sr_regerr err = {0};
			/* Each publish is a request with a read budget of its own. */
			sr_store_set_reads(s, NULL);
			int rc = sr_publish(s, b, &pr, &res, &err);
			if (rc)
				fail_msg("publish %s@%s: reason %d", slug, ver, (int)err.why);
			free(files[0].path);
			free(files[1].path);
		}
	}
}

/* Whether a SCAN line's target (name, n bytes) is a subquery the plan produces itself
 * ("CO-ROUTINE w", "MATERIALIZE w", "(subquery-1)"): reading its bounded output back is not
 * a table scan. */
static int is_coroutine(const char *plan, const char *name, size_t n)
{
	size_t len = 0;
	while (len < n && name[len] != ' ')
		len++;
	if (len >= 9 && strncmp(name, "(subquery", 9) == 0)
		return 1;
	for (const char *l = plan; *l;) {
		const char *e = strchr(l, '\n');
		size_t ll = e ? (size_t)(e - l) : strlen(l);
		for (const char *kw = "CO-ROUTINE "; kw; kw = kw[0] == 'C' ? "MATERIALIZE " : NULL) {
			size_t kl = strlen(kw);
			if (ll == kl + len && strncmp(l, kw, kl) == 0 && strncmp(l + kl, name, len) == 0)
				return 1;
		}
		l += ll + (e ? 1 : 0);
	}
	return 0;
}

/* EXPLAINs every statement of the catalogue on the database at path; returns how many
 * scan or sort outside the allow-list (each printed with its plan). */
static int check_plans(const char *path)
{
	sr_store *s;
	assert_int_equal(sr_store_open(path, &s), 0);
	int bad = 0, n = sr_store_statement_count();
	assert_true(n > 50);
	for (int i = 0; i < n; i++) {
		const char *sql = sr_store_statement_sql(i);
		if (!sql)
			continue; /* an unused slot of the generated list statements */
		sr_buf plan;
		sr_buf_init(&plan, 1 << 16);
		int rc = sr_store_explain(s, i, &plan);
		if (rc) {
			fprintf(stderr, "statement %d does not prepare: %s\n", i, sql);
			bad++;
		} else {
			const char *p = plan.data ? plan.data : "";
			/* A scan is fine when it walks an index in order under a LIMIT (a first page,
			 * a job's batch) or is the full-text index's own lookup; a bare "SCAN t"
			 * reads the table, and an index walk without a LIMIT reads all of it. */
			int table_scan = 0;
			int limited = strstr(sql, " LIMIT ") != NULL;
			for (const char *l = p; *l;) {
				const char *e = strchr(l, '\n');
				size_t len = e ? (size_t)(e - l) : strlen(l);
				/* "SCAN n CONSTANT ROWS" is a multi-row VALUES list, "SCAN CONSTANT ROW" a
				 * SELECT without FROM: no table. */
				if (len >= 5 && strncmp(l, "SCAN ", 5) == 0 && !memmem(l, len, "VIRTUAL TABLE", 13) &&
				    !memmem(l, len, "CONSTANT ROW", 12) &&
				    !is_coroutine(p, l + 5, len - 5)) {
					int by_index = memmem(l, len, "USING INDEX", 11) ||
						       memmem(l, len, "USING COVERING INDEX", 20);
					if (!by_index || !limited)
						table_scan = 1;
				}
				l += len + (e ? 1 : 0);
			}
			int sort = strstr(p, "USE TEMP B-TREE") != NULL;
			if ((table_scan && !(allows(sql) & SCAN)) || (sort && !(allows(sql) & SORT))) {
				fprintf(stderr, "statement %d scans or sorts:\n  %s\n  plan:\n%s\n", i, sql, p);
				bad++;
			}
		}
		sr_buf_deinit(&plan);
	}
	sr_store_close(s);
	return bad;
}

/* A catalogue published through the real publish path, then ANALYZEd. */
static void test_every_statement_uses_an_index(void **state)
{
	assert_non_null(mkdtemp(dir));
	char path[256], blobdir[256];
	snprintf(path, sizeof(path), "%s/db", dir);
	snprintf(blobdir, sizeof(blobdir), "%s/blobs", dir);
	sr_store *s;
	sr_blobs *b;
	assert_int_equal(sr_store_open(path, &s), 0);
	assert_int_equal(sr_store_migrate(s), 0);
	assert_int_equal(sr_blobs_open(blobdir, &b), 0);
	fill(s, b);
	sr_store_close(s);
	sr_blobs_close(b);

	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "ANALYZE", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(check_plans(path), 0);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* The same on the benchmark's generated catalogue: thousands of skills with skewed owners,
 * 1-20 versions, daily stats, stars, and a few percent suspicious, hidden and deleted, whose
 * ANALYZE statistics are what a real registry's planner would see. */
static void test_on_a_generated_catalogue(void **state)
{
	char gdir[] = "/tmp/sr-queryplan-gen-XXXXXX";
	assert_non_null(mkdtemp(gdir));
	char data[300], path[320];
	snprintf(data, sizeof(data), "%s/data", gdir);
	snprintf(path, sizeof(path), "%s/skillreg.db", data);
	sr_synth_opts o = {.data_dir = data, .skills = 5000, .seed = 7};
	sr_synth_stats st;
	char err[256] = "";
	if (sr_synth_generate(&o, &st, err, sizeof(err)))
		fail_msg("generate: %s", err);
	assert_true(st.versions > st.skills);
	assert_true(st.daily_rows > 0);
	assert_int_equal(check_plans(path), 0);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", gdir);
	assert_int_equal(system(cmd), 0);
}

/* The moderation jobs and the scan worker read through their indexes: every statement that
 * names ix_moderation or ix_versions_scan_queue has a plan that searches that index (an
 * equality prefix plus a keyset range), never a scan of the table. */
static void test_moderation_reads_by_index(void **state)
{
	char mdir[] = "/tmp/sr-queryplan-mod-XXXXXX";
	assert_non_null(mkdtemp(mdir));
	char path[300];
	snprintf(path, sizeof(path), "%s/db", mdir);
	sr_store *s;
	assert_int_equal(sr_store_open(path, &s), 0);
	assert_int_equal(sr_store_migrate(s), 0);
	static const char *const indexes[] = {"ix_moderation", "ix_versions_scan_queue"};
	for (size_t k = 0; k < 2; k++) {
		char named[64];
		snprintf(named, sizeof(named), "INDEXED BY %s ", indexes[k]);
		int found = 0;
		for (int i = 0; i < sr_store_statement_count(); i++) {
			const char *sql = sr_store_statement_sql(i);
			if (!sql || !strstr(sql, named))
				continue;
			found++;
			sr_buf plan;
			sr_buf_init(&plan, 1 << 16);
			assert_int_equal(sr_store_explain(s, i, &plan), 0);
			char want[96];
			snprintf(want, sizeof(want), "INDEX %s (", indexes[k]);
			if (!strstr(plan.data, want) || strstr(plan.data, "SEARCH") == NULL)
				fail_msg("statement %d does not search %s:\n  %s\n  plan:\n%s", i, indexes[k], sql, plan.data);
			sr_buf_deinit(&plan);
		}
		/* ix_moderation: the id page and the jobs' page with the latest version's state;
		 * the queue index: the worker's poll and the staff console's queue page. */
		assert_int_equal(found, 2);
	}
	sr_store_close(s);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", mdir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moderation_reads_by_index),
		cmocka_unit_test(test_every_statement_uses_an_index),
		cmocka_unit_test(test_on_a_generated_catalogue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
