/*
 * test_backfill.c - `skillreg backfill` (src/cron/backfill.c) as real processes on the data
 * of a real server.
 *
 * - A backfill run beside the server rewrites a corrupted row, and the server's cached
 *   answer for that skill changes at once (the writes bump the shared generation file).
 * - On a copy of the data with corrupted summaries and counters (rows that already have a
 *   wrong value, not only empty ones): an uninterrupted run restores exactly the values the
 *   server wrote, and a rerun changes nothing. Then, for every fault point k, a fresh copy is
 *   backfilled by a process that dies at point k (SKILLREG_FAULT_AT) and then by a rerun:
 *   the result must equal the uninterrupted run's, table for table.
 *
 * The copies are databases beside the server's (tests/http/testdb.c): SQLite files in
 * folders of their own, or databases on the same PostgreSQL cluster.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static srt_server S;
static char work[64];

static int group_setup(void **state)
{
	(void)state;
	snprintf(work, sizeof(work), "/tmp/sr-backfill-XXXXXX");
	if (!mkdtemp(work))
		return -1;
	return srt_server_start(&S);
}

static const char *const copies[] = {"good", "base", "ref", "crash"};

static int group_teardown(void **state)
{
	(void)state;
	int rc = 0;
	for (size_t i = 0; i < sizeof(copies) / sizeof(copies[0]); i++)
		if (S.db[0])
			rc |= srt_db_drop(srt_db_sibling(&S, copies[i], srt_fmt("%s/%s", work, copies[i])));
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
	rc |= system(cmd);
	return srt_server_stop(&S) || rc;
}

static void ok_call(const char *method, const char *path, const char *tok, const char *body)
{
	srt_resp r;
	srt_send(&S, method, path, tok, body, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
}

static void sql(const char *db, const char *stmt)
{
	assert_true(srt_db_exec(db, stmt) >= 0);
}

/* Runs the skillreg binary with args on data dir `dir` and database `db`, SKILLREG_FAULT_AT=
 * fault when > 0; stdout into out. Returns the exit status, once the running server has
 * applied what the process wrote to its cache generations (srt_sync: on PostgreSQL they
 * reach it as notifications, a moment after the process committed). */
static int run_bin(const char *dir, const char *db, long fault, const char *args, char *out, size_t n)
{
	char cmd[2 * SRT_MAX_PATH];
	char env[64] = "";
	if (fault > 0)
		snprintf(env, sizeof(env), "SKILLREG_FAULT_AT=%ld ", fault);
	snprintf(cmd, sizeof(cmd), "%s'%s' %s --data-dir '%s'%s 2>/dev/null", env, S.bin, args, dir,
		 srt_db_postgres() ? srt_fmt(" --db '%s'", db) : "");
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t len = fread(out, 1, n - 1, p);
	out[len] = '\0';
	int st = pclose(p);
	if (srt_sync(&S))
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static long changed_of(const char *out)
{
	const char *p = strstr(out, "changed ");
	assert_non_null(p);
	return strtol(p + 8, NULL, 10);
}

/* The columns backfills own, and their state without timestamps, as text. */
static char *dump(const char *db)
{
	/* Whatever a killed process left must be a sound database (on SQLite, migration 0008 made
	 * the check trustworthy on SQLite 3.40). */
	assert_int_equal(srt_db_check(db), 0);
	static const char *const q[] = {
		"SELECT id, slug, latest_version_id, latest_version, latest_created_at, latest_changelog, "
		"latest_metadata, summary, tags_json, stats_downloads, stats_installs, stats_stars, stats_versions, "
		"updated_at FROM skills ORDER BY id",
		"SELECT name, last_id, pass, CASE WHEN finished_at IS NULL THEN 0 ELSE 1 END, scanned, changed "
		"FROM backfill_state ORDER BY name",
	};
	char *out = NULL;
	size_t len = 0;
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		char *t = srt_db_text(db, q[i]);
		assert_non_null(t);
		size_t tl = strlen(t);
		char *n = realloc(out, len + tl + 1);
		assert_non_null(n);
		out = n;
		memcpy(out + len, t, tl + 1);
		len += tl;
		free(t);
	}
	return out;
}

/* Whether backfill name's current pass is over. */
static int pass_finished(const char *db, const char *name)
{
	long long n = srt_db_int(db, srt_fmt("SELECT count(*) FROM backfill_state WHERE name = '%s' "
					     "AND finished_at IS NOT NULL",
					     name));
	assert_true(n >= 0);
	return n > 0;
}

/* A copy named name: its folder work/name (made empty) in dir, its database in db. */
static void place(const char *name, char *dir, size_t dn, char *db, size_t bn)
{
	snprintf(dir, dn, "%s/%s", work, name);
	assert_int_equal(system(srt_fmt("rm -rf '%s' && mkdir -p '%s'", dir, dir)), 0);
	const char *sib = srt_db_sibling(&S, name, dir);
	assert_non_null(sib);
	snprintf(db, bn, "%s", sib);
}

/* A fresh copy named name of database from. */
static void copy_db(const char *from, const char *name, char *dir, size_t dn, char *db, size_t bn)
{
	place(name, dir, dn, db, bn);
	assert_int_equal(srt_db_copy(from, db), 0);
}

/* GET path (a detail or a list); *cache is "hit" or "miss" from Server-Timing. */
static json_t *fetch(const char *path, const char **cache)
{
	static char hit[16];
	srt_resp r;
	srt_get(&S, path, NULL, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	const char *t = srt_header(&r, "Server-Timing");
	snprintf(hit, sizeof(hit), "%s", t && strstr(t, "cache;desc=\"hit\"") ? "hit" : "miss");
	*cache = hit;
	srt_resp_free(&r);
	return j;
}

static json_t *detail(const char *slug, const char **cache)
{
	return fetch(srt_fmt("/api/v1/skills/%s", slug), cache);
}

/* The latest version a list row shows: the denormalized summary on skills. */
static const char *latest_of(json_t *list)
{
	json_t *row = json_array_get(json_object_get(list, "items"), 0);
	return json_string_value(json_object_get(json_object_get(row, "latestVersion"), "version"));
}

static void test_backfill(void **state)
{
	(void)state;
	/* A catalogue with history: 14 skills, some with two versions, stars, downloads and
	 * installs folded into the counters by the server's own job. */
	for (int i = 0; i < 14; i++) {
		char slug[32];
		snprintf(slug, sizeof(slug), "bf-skill-%02d", i);
		srt_publish_ok(&S, S.tok_alice, slug, "1.0.0", "Backfill Skill", "Backfill material.");
		if (i % 3 == 0)
			srt_publish_ok(&S, S.tok_alice, slug, "1.1.0", "Backfill Skill", "Backfill material.");
		if (i % 2 == 0)
			ok_call("POST", srt_fmt("/api/v1/stars/%s", slug), S.tok_bob, NULL);
		if (i % 4 == 1)
			ok_call("POST", srt_fmt("/api/v1/stars/%s", slug), S.tok_alice, NULL);
		for (int k = 0; k < i % 5; k++)
			ok_call("POST", "/api/cli/telemetry/install", S.tok_bob,
				srt_fmt("{\"event\":\"install\",\"slug\":\"%s\"}", slug));
		if (i % 3 != 2) {
			srt_resp r;
			srt_get(&S, srt_fmt("/api/v1/download?slug=%s", slug), NULL, &r);
			SRT_EXPECT_STATUS(&r, 200);
			srt_resp_free(&r);
		}
	}
	char out[4096];
	const char *const fold[] = {"cron", "run", "fold", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), fold), 0);

	const char *live = S.db;

	/* Beside the running server: a corrupted summary, read and cached, then repaired by a
	 * backfill in another process; the next answer is the repaired one. */
	sql(live, "UPDATE skills SET latest_version = '0.0.1' WHERE slug = 'bf-skill-03'");
	const char *cache;
	const char *row = "/api/v1/skills?prefix=bf-skill-03";
	json_t *d = fetch(row, &cache);
	assert_string_equal(latest_of(d), "0.0.1");
	json_decref(d);
	d = fetch(row, &cache);
	assert_string_equal(cache, "hit");
	json_decref(d);
	assert_int_equal(run_bin(S.dir, S.db, 0, "backfill summary", out, sizeof(out)), 0);
	assert_int_equal(changed_of(out), 1);
	d = fetch(row, &cache);
	assert_string_equal(cache, "miss");
	assert_string_equal(latest_of(d), "1.1.0");
	json_decref(d);
	/* The same for a counter. */
	sql(live, "UPDATE skills SET stats_stars = 40 WHERE slug = 'bf-skill-04'");
	d = detail("bf-skill-04", &cache);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(d, "skill"), "stats"), "stars")), 40);
	json_decref(d);
	d = detail("bf-skill-04", &cache);
	assert_string_equal(cache, "hit");
	json_decref(d);
	assert_int_equal(run_bin(S.dir, S.db, 0, "backfill counters", out, sizeof(out)), 0);
	assert_int_equal(changed_of(out), 1);
	d = detail("bf-skill-04", &cache);
	assert_string_equal(cache, "miss");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(d, "skill"), "stats"), "stars")), 1);
	json_decref(d);

	/* The word index (docs/search.md) of a database that had skills before it, and before
	 * SKILL.md bodies were indexed: with its postings and texts gone, a misspelt word finds
	 * nothing (the full-text fallback knows no typos), nor does a word of the bodies only
	 * ("need": "Use it when you need it."); the search backfill reads each SKILL.md from the
	 * blob store and writes the index again, and the same searches find the skills. */
	sql(live, "DELETE FROM search_postings; DELETE FROM search_terms; DELETE FROM search_typos; "
		  "DELETE FROM search_text; DELETE FROM backfill_state WHERE name = 'search'");
	d = fetch("/api/v1/search?q=bakfill", &cache);
	assert_int_equal(json_array_size(json_object_get(d, "results")), 0);
	json_decref(d);
	d = fetch("/api/v1/search?q=need", &cache);
	assert_int_equal(json_array_size(json_object_get(d, "results")), 0);
	json_decref(d);
	assert_int_equal(run_bin(S.dir, S.db, 0, "backfill search --batch 5", out, sizeof(out)), 0);
	assert_int_equal(changed_of(out), 14);
	d = fetch("/api/v1/search?q=bakfill", &cache);
	assert_string_equal(cache, "miss");
	assert_int_equal(json_array_size(json_object_get(d, "results")), 10);
	json_decref(d);
	d = fetch("/api/v1/search?q=need", &cache);
	assert_int_equal(json_array_size(json_object_get(d, "results")), 10);
	json_decref(d);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM search_text"), 14);

	/* A consistent copy of the live database, and what its columns should be. */
	char dir[128], good[600], base[600], ref[600], crash[600];
	place("good", dir, sizeof(dir), good, sizeof(good));
	assert_int_equal(srt_db_snapshot(&S, good), 0);
	sql(good, "DELETE FROM backfill_state");
	char *want = dump(good);

	/* Corruption of rows that already have values (what a skip-if-present backfill would
	 * never repair) and of empty ones, in several batches. */
	copy_db(good, "base", dir, sizeof(dir), base, sizeof(base));
	sql(base, "UPDATE skills SET latest_version = '9.9.9' WHERE slug IN ('bf-skill-00', 'bf-skill-09');"
		"UPDATE skills SET latest_changelog = 'stale notes' WHERE slug = 'bf-skill-05';"
		"UPDATE skills SET latest_metadata = NULL, latest_created_at = 1 WHERE slug = 'bf-skill-07';"
		"UPDATE skills SET latest_version = NULL, latest_created_at = NULL WHERE slug = 'bf-skill-12';"
		"UPDATE skills SET stats_downloads = stats_downloads + 5 WHERE slug = 'bf-skill-01';"
		"UPDATE skills SET stats_installs = 0 WHERE slug IN ('bf-skill-04', 'bf-skill-13');"
		"UPDATE skills SET stats_stars = 7 WHERE slug = 'bf-skill-10';"
		"UPDATE skills SET stats_versions = 9 WHERE slug = 'bf-skill-11';");
	char *corrupt = dump(base);
	assert_string_not_equal(corrupt, want);
	free(corrupt);

	/* Uninterrupted: summary then counters restore every value; reruns change nothing. */
	char rdir[128];
	copy_db(base, "ref", rdir, sizeof(rdir), ref, sizeof(ref));
	assert_int_equal(run_bin(rdir, ref, 0, "backfill summary --batch 3", out, sizeof(out)), 0);
	assert_int_equal(changed_of(out), 5);
	assert_non_null(strstr(out, "scanned 14"));
	assert_int_equal(run_bin(rdir, ref, 0, "backfill counters --batch 3", out, sizeof(out)), 0);
	assert_int_equal(changed_of(out), 5);
	char *fixed = dump(ref);
	/* Equal to the uncorrupted data but for the backfills' own state rows. */
	char *own = strstr(fixed, "\ncounters|");
	assert_non_null(own);
	assert_int_equal(strncmp(fixed, want, (size_t)(own - fixed) + 1), 0);
	assert_int_equal(strlen(want), (size_t)(own - fixed) + 1);
	free(fixed);
	assert_int_equal(run_bin(rdir, ref, 0, "backfill summary --batch 3", out, sizeof(out)), 0);
	assert_int_equal(changed_of(out), 0);
	assert_int_equal(run_bin(rdir, ref, 0, "backfill counters", out, sizeof(out)), 0);
	assert_int_equal(changed_of(out), 0);
	assert_int_equal(run_bin(rdir, ref, 0, "backfill list", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "pass 2 finished at id"));

	/* Killed at every fault point of each backfill, then rerun: the same database as the
	 * uninterrupted single run of that backfill. */
	static const char *const names[] = {"summary", "counters"};
	for (int b = 0; b < 2; b++) {
		char args[64];
		snprintf(args, sizeof(args), "backfill %s --batch 3", names[b]);
		copy_db(base, "ref", rdir, sizeof(rdir), ref, sizeof(ref));
		assert_int_equal(run_bin(rdir, ref, 0, args, out, sizeof(out)), 0);
		char *once = dump(ref);
		int crashes = 0, resumed = 0, finals = 0;
		for (long k = 1; k < 1000; k++) {
			copy_db(base, "crash", dir, sizeof(dir), crash, sizeof(crash));
			int st = run_bin(dir, crash, k, args, out, sizeof(out));
			if (st == 0)
				break;
			assert_int_equal(st, 86);
			crashes++;
			/* Killed after its last commit, the pass was over: the rerun is a new pass
			 * that finds nothing to change, and only the skills rows compare. */
			int finished = pass_finished(crash, names[b]);
			assert_int_equal(run_bin(dir, crash, 0, args, out, sizeof(out)), 0);
			if (strstr(out, "(resumed)"))
				resumed++;
			char *got = dump(crash);
			if (finished) {
				assert_int_equal(changed_of(out), 0);
				finals++;
				size_t cut = (size_t)(strstr(once, "\nsummary|") ? strstr(once, "\nsummary|") - once
										 : strstr(once, "\ncounters|") - once);
				assert_int_equal(strncmp(got, once, cut), 0);
			} else if (strcmp(got, once) != 0) {
				print_error("backfill %s killed at point %ld and rerun:\n%s\nuninterrupted:\n%s\n", names[b],
					    k, got, once);
				free(got);
				fail();
			}
			free(got);
		}
		/* 5 batches of 3 rows and the changes between: dozens of points, most inside a
		 * pass that the rerun resumed. */
		assert_true(crashes > 20);
		assert_true(resumed > 10);
		assert_int_equal(finals, 1);
		free(once);
	}
	free(want);

	/* Unknown names and bad batches are refused. */
	assert_int_equal(run_bin(rdir, ref, 0, "backfill nope", out, sizeof(out)), 2);
	assert_int_equal(run_bin(rdir, ref, 0, "backfill summary --batch 0", out, sizeof(out)), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backfill),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
