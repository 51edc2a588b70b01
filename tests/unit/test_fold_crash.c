/*
 * test_fold_crash.c - the event fold counts every event exactly once even when the process
 * dies in the middle of a batch.
 *
 * A base database holds events over several skills and UTC days, enough for several fold
 * batches. A reference copy is folded without interruption and counts its fault points (one
 * between every two steps of a batch: begun, events read, each daily row, each counter
 * update, cursor moved but not committed, committed). Then, for every point k, a fresh copy
 * is folded by a forked child process armed to _exit at point k, with a page cache so small
 * that SQLite spills the unfinished transaction into the WAL before it dies. Right after
 * each crash the folded state must be consistent (counters = daily sums = events up to the
 * cursor), and after a rerun of the fold the counters, daily rows and cursor must equal the
 * reference byte for byte. Arming one point past the last must let the child finish.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/fault.h"
#include "core/util.h"
#include "store/store.h"

#define NSKILLS 6
#define BATCH 7
#define DAY_MS 86400000LL
#define BASE_MS 1767225600000LL /* 2026-01-01T00:00:00Z */

static char dir[64];

static void path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && rm -f '%s-wal' '%s-shm' '%s-gen'", from, to, to, to, to);
	assert_int_equal(system(cmd), 0);
}

/* Folds until nothing is left, each batch with a read budget of its own, as the job does. */
static void fold_all(sr_store *s)
{
	int n;
	do {
		sr_store_set_reads(s, NULL);
		assert_int_equal(sr_store_fold_events(s, BATCH, &n), 0);
	} while (n);
}

/* The folded state as text: every counter, every daily row, the cursor. */
static char *dump(const char *db)
{
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	static const char *const q[] = {
		"SELECT id, stats_downloads, stats_installs, stats_stars, stats_versions, updated_at FROM skills ORDER BY id",
		"SELECT skill_id, day, downloads, installs FROM skill_daily_stats ORDER BY skill_id, day",
		"SELECT name, last_event_id FROM stat_cursors ORDER BY name",
	};
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(raw, q[i], -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const char *t = (const char *)sqlite3_column_text(st, c);
				int w = snprintf(out + len, cap - len, "%s%c", t ? t : "NULL",
						 c + 1 < sqlite3_column_count(st) ? '|' : '\n');
				assert_true(w > 0 && (size_t)w < cap - len);
				len += (size_t)w;
			}
		}
		sqlite3_finalize(st);
		int w = snprintf(out + len, cap - len, "--\n");
		assert_true(w > 0 && (size_t)w < cap - len);
		len += (size_t)w;
	}
	sqlite3_close(raw);
	return out;
}

static int64_t scalar(sqlite3 *raw, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* What a crash may leave: some batches folded, the rest not, never part of one. */
static void check_consistent(const char *db)
{
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	int64_t cursor = scalar(raw, "SELECT coalesce((SELECT last_event_id FROM stat_cursors WHERE name = 'fold'), 0)");
	assert_int_equal(scalar(raw, "SELECT coalesce(sum(stats_downloads), 0) FROM skills"),
			 scalar(raw, "SELECT coalesce(sum(downloads), 0) FROM skill_daily_stats"));
	assert_int_equal(scalar(raw, "SELECT coalesce(sum(stats_installs), 0) FROM skills"),
			 scalar(raw, "SELECT coalesce(sum(installs), 0) FROM skill_daily_stats"));
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM stat_events WHERE id <= %lld", (long long)cursor);
	assert_int_equal(scalar(raw, sql), scalar(raw, "SELECT coalesce(sum(downloads + installs), 0) FROM skill_daily_stats"));
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(raw);
}

static void build_base(const char *db)
{
	sr_store *s;
	assert_int_equal(sr_store_open(db, &s), 0);
	assert_int_equal(sr_store_migrate(s), 0);
	int64_t uid, ids[NSKILLS];
	assert_int_equal(sr_store_user_add(s, "owner", "Owner", SR_ROLE_USER, &uid), 0);
	for (int i = 0; i < NSKILLS; i++) {
		char slug[32];
		snprintf(slug, sizeof(slug), "fold-%d", i);
		sr_new_skill n = {uid, slug, slug, "a skill", BASE_MS, 0};
		assert_int_equal(sr_store_skill_insert(s, &n, &ids[i]), 0);
	}
	/* Installs and downloads over three days, in an order that spreads each batch over
	 * several (skill, day) groups; some downloads repeat an identity on the same day and
	 * are not events at all. */
	uint64_t r = 88172645463325252ULL;
	for (int e = 0; e < 40; e++) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		int k = (int)(r % NSKILLS);
		int64_t at = BASE_MS + (int64_t)(r / 7 % 3) * DAY_MS + e * 1000;
		if (r % 3 == 0) {
			char who[16];
			snprintf(who, sizeof(who), "u%d", (int)(r / 11 % 4));
			assert_int_equal(sr_store_download_event(s, ids[k], who, at), 0);
		} else {
			assert_int_equal(sr_store_install_event(s, ids[k], at), 0);
		}
	}
	sr_store_close(s);
}

static void test_fold_crash_every_step(void **state)
{
	(void)state;
	char base[128], ref[128];
	path_of(base, sizeof(base), "base.db");
	path_of(ref, sizeof(ref), "ref.db");
	build_base(base);
	copy_file(base, ref);

	sr_store *s;
	assert_int_equal(sr_store_open(ref, &s), 0);
	sr_fault_arm(0);
	fold_all(s);
	long points = sr_fault_count();
	sr_store_close(s);
	char *want = dump(ref);
	/* Several batches, each with several groups. */
	assert_true(points > 30);
	assert_non_null(strstr(want, "fold|"));

	int crashed = 0;
	for (long k = 1; k <= points + 1; k++) {
		char db[128];
		path_of(db, sizeof(db), "crash.db");
		copy_file(base, db);
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			/* A page cache of a few pages makes SQLite write the open transaction's
			 * pages to the WAL before the commit, so a crash leaves frames behind. */
			sr_store_tune(8, 0);
			sr_store *c;
			if (sr_store_open(db, &c))
				_exit(2);
			sr_fault_arm(k);
			int n;
			do {
				sr_store_set_reads(c, NULL);
				if (sr_store_fold_events(c, BATCH, &n))
					_exit(3);
			} while (n);
			sr_store_close(c);
			_exit(0);
		}
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		if (k <= points) {
			if (WEXITSTATUS(status) != SR_FAULT_EXIT)
				fail_msg("child armed at point %ld exited %d", k, WEXITSTATUS(status));
			crashed++;
		} else {
			assert_int_equal(WEXITSTATUS(status), 0);
		}
		check_consistent(db);
		assert_int_equal(sr_store_open(db, &s), 0);
		fold_all(s);
		sr_store_close(s);
		char *got = dump(db);
		if (strcmp(got, want) != 0)
			fail_msg("after a crash at point %ld and a rerun:\n%s\nwant:\n%s", k, got, want);
		free(got);
	}
	assert_int_equal(crashed, points);
	free(want);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sr-foldcrash-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fold_crash_every_step, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
