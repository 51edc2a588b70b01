/*
 * test_trending.c - the trending leaderboard job (src/stats/trending.c) against a brute-force
 * recomputation.
 *
 * 300 skills get random installs and downloads over 20 simulated UTC days, recorded as
 * events through the store and folded, as the server does; some skills are hidden or
 * suspicious. At several moments, one of them in the middle of a day whose events keep
 * coming, the job's snapshot must equal, row for row, one SQL aggregate over every daily row
 * of the window joined to skills (installs, then downloads, then id; browse-eligible only;
 * top 200). A day with more rows than one read page, for skills that do not exist, checks
 * the paging and that such rows never rank. The test also keeps its own tally of every
 * event it recorded, by skill and day, and the snapshot must equal the ranking computed from
 * that tally in C, so a fold that lost or doubled an event could not hide behind a brute
 * force that reads the fold's own output.
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

#include "core/err.h"
#include "core/util.h"
#include "stats/trending.h"
#include "store/store.h"

#define NSKILLS 300
#define NDAYS 20
#define DAY_MS 86400000LL
/* 2026-01-01T00:00:00Z, a day boundary. */
#define BASE_MS 1767225600000LL

struct fixture {
	char dir[64], db[96];
	sr_store *s;
	sqlite3 *raw; /* the brute force reads with a connection of its own */
	int64_t ids[NSKILLS];
	uint64_t rng;
	int identity; /* download identities are never reused, so every download counts */
	/* The tally: events recorded per skill per day since BASE_MS (days past NDAYS + 7 are
	 * never used). */
	int64_t inst[NSKILLS][NDAYS + 8], dl[NSKILLS][NDAYS + 8];
};

static uint64_t rnd(struct fixture *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/sr-trending-XXXXXX");
	if (!f || !mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/db", f->dir);
	if (sr_store_open(f->db, &f->s) || sr_store_migrate(f->s) ||
	    sqlite3_open(f->db, &f->raw) != SQLITE_OK)
		return -1;
	f->rng = 0x9e3779b97f4a7c15ULL;
	int64_t uid;
	if (sr_store_user_add(f->s, "owner", "Owner", SR_ROLE_USER, &uid))
		return -1;
	for (int i = 0; i < NSKILLS; i++) {
		char slug[32];
		snprintf(slug, sizeof(slug), "trend-%03d", i);
		sr_new_skill n = {uid, slug, slug, "a skill", BASE_MS, 0};
		if (sr_store_skill_insert(f->s, &n, &f->ids[i]))
			return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sr_clock_set(0);
	sr_store_close(f->s);
	sqlite3_close(f->raw);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc;
}

/* Random events for every skill at time `at`: installs skewed towards few (so ties on
 * installs are common and downloads, then ids, decide), downloads rarer. */
static void events(struct fixture *f, int64_t at, int scale)
{
	assert_int_equal(sr_store_begin(f->s), 0);
	for (int i = 0; i < NSKILLS; i++) {
		int n = (int)(rnd(f) % 8);
		n = n < 4 ? 0 : (n - 3) * scale;
		if (i % 37 == 0)
			n += 5; /* a few clear leaders */
		for (int k = 0; k < n; k++)
			assert_int_equal(sr_store_install_event(f->s, f->ids[i], at), 0);
		f->inst[i][(at - BASE_MS) / DAY_MS] += n;
	}
	assert_int_equal(sr_store_commit(f->s), 0);
	for (int i = 0; i < NSKILLS; i++) {
		int n = (int)(rnd(f) % 6);
		for (int k = 0; k < n - 3; k++) {
			char who[32];
			snprintf(who, sizeof(who), "u%d", f->identity++);
			assert_int_equal(sr_store_download_event(f->s, f->ids[i], who, at), 0);
			f->dl[i][(at - BASE_MS) / DAY_MS]++;
		}
	}
	int n;
	do {
		sr_store_set_reads(f->s, NULL); /* each batch with a budget of its own, as the job's */
		assert_int_equal(sr_store_fold_events(f->s, 500, &n), 0);
	} while (n);
}

struct tally_row {
	int64_t id, installs, downloads;
};

static int tally_cmp(const void *a, const void *b)
{
	const struct tally_row *x = a, *y = b;
	if (x->installs != y->installs)
		return x->installs > y->installs ? -1 : 1;
	if (x->downloads != y->downloads)
		return x->downloads > y->downloads ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The snapshot equals the ranking of the test's own tally: the window's sums per eligible
 * skill with any stats, sorted by installs, downloads, id, the top 200. */
static void check_tally(struct fixture *f, int64_t now, int64_t snapshot_id)
{
	struct tally_row rows[NSKILLS];
	int n = 0;
	int64_t end = (now - BASE_MS) / DAY_MS;
	for (int i = 0; i < NSKILLS; i++) {
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT is_listed FROM skills WHERE id = ?1", -1, &st, NULL),
				 SQLITE_OK);
		sqlite3_bind_int64(st, 1, f->ids[i]);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		int listed = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		int64_t in = 0, d = 0;
		for (int64_t day = end - 6; day <= end; day++)
			if (day >= 0 && day < NDAYS + 8) {
				in += f->inst[i][day];
				d += f->dl[i][day];
			}
		if (listed && (in || d))
			rows[n++] = (struct tally_row){f->ids[i], in, d};
	}
	qsort(rows, (size_t)n, sizeof(rows[0]), tally_cmp);
	if (n > SR_TRENDING_TOP)
		n = SR_TRENDING_TOP;
	sqlite3_stmt *got;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT skill_id, installs, downloads FROM trending_entries "
						  "WHERE snapshot_id = ?1 ORDER BY rank", -1, &got, NULL), SQLITE_OK);
	sqlite3_bind_int64(got, 1, snapshot_id);
	for (int r = 0; r < n; r++) {
		assert_int_equal(sqlite3_step(got), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int64(got, 0), rows[r].id);
		assert_int_equal(sqlite3_column_int64(got, 1), rows[r].installs);
		assert_int_equal(sqlite3_column_int64(got, 2), rows[r].downloads);
	}
	assert_int_equal(sqlite3_step(got), SQLITE_DONE);
	sqlite3_finalize(got);
}

/* The job's snapshot equals the brute force for `now`. */
static void check(struct fixture *f, int64_t now)
{
	sr_clock_set(now);
	sr_reads total;
	sr_reads_init(&total);
	sr_trending_stats st;
	assert_int_equal(sr_trending_rebuild(f->s, now, 0, &total, &st), 0);
	assert_true(st.snapshot_id > 0);
	assert_true(total.rows >= st.daily_rows);

	sqlite3_stmt *bf, *got;
	assert_int_equal(sqlite3_prepare_v2(f->raw,
		"SELECT d.skill_id, sum(d.installs), sum(d.downloads) FROM skill_daily_stats d "
		"JOIN skills s ON s.id = d.skill_id WHERE d.day BETWEEN ?1 AND ?2 AND s.is_listed "
		"GROUP BY d.skill_id ORDER BY 2 DESC, 3 DESC, 1 LIMIT 200", -1, &bf, NULL), SQLITE_OK);
	int64_t end = now / DAY_MS;
	sqlite3_bind_int64(bf, 1, end - 6);
	sqlite3_bind_int64(bf, 2, end);
	assert_int_equal(sqlite3_prepare_v2(f->raw,
		"SELECT rank, skill_id, installs, downloads FROM trending_entries WHERE snapshot_id = ?1 "
		"ORDER BY rank", -1, &got, NULL), SQLITE_OK);
	sqlite3_bind_int64(got, 1, st.snapshot_id);
	int rows = 0;
	for (;;) {
		int a = sqlite3_step(bf), b = sqlite3_step(got);
		assert_int_equal(a, b);
		if (a != SQLITE_ROW)
			break;
		rows++;
		assert_int_equal(sqlite3_column_int(got, 0), rows);
		assert_int_equal(sqlite3_column_int64(got, 1), sqlite3_column_int64(bf, 0));
		assert_int_equal(sqlite3_column_int64(got, 2), sqlite3_column_int64(bf, 1));
		assert_int_equal(sqlite3_column_int64(got, 3), sqlite3_column_int64(bf, 2));
	}
	sqlite3_finalize(bf);
	sqlite3_finalize(got);
	assert_int_equal(rows, st.entries);
	/* The data has more eligible skills with stats than the leaderboard holds. */
	assert_int_equal(rows, SR_TRENDING_TOP);

	sr_trending_snapshot snap;
	assert_int_equal(sr_store_trending_latest(f->s, &snap), 0);
	assert_int_equal(snap.id, st.snapshot_id);
	assert_int_equal(snap.day, end);
	assert_int_equal(snap.computed_at, now);
	assert_int_equal(snap.entries, rows);
	check_tally(f, now, st.snapshot_id);
}

/* Runs formatted SQL on the test's own connection. */
static int exec_fmt(struct fixture *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	int rc = sqlite3_exec(f->raw, sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	return rc;
}

static int64_t count(struct fixture *f, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_matches_brute_force(void **state)
{
	struct fixture *f = *state;
	/* Hidden, suspicious and soft-deleted skills have stats but must never rank. */
	for (int i = 0; i < NSKILLS; i += 11)
		assert_int_equal(sr_store_skill_hide(f->s, f->ids[i], "staff.hidden"), 0);
	for (int i = 5; i < NSKILLS; i += 13)
		assert_int_equal(exec_fmt(f, "UPDATE skills SET moderation_reason = 'scanner.llm.suspicious' "
				 "WHERE id = %lld", (long long)f->ids[i]), SQLITE_OK);
	for (int i = 7; i < NSKILLS; i += 29)
		assert_int_equal(sr_store_skill_soft_delete(f->s, f->ids[i], BASE_MS), 0);

	/* Day 3 also holds rows of skills that do not exist, more than one read page, with
	 * the biggest numbers of all. */
	assert_int_equal(sqlite3_exec(f->raw, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < SR_TRENDING_PAGE + 300; i++)
		assert_int_equal(exec_fmt(f, "INSERT INTO skill_daily_stats(skill_id, day, downloads, installs) "
				 "VALUES (%d, %lld, 1, 1000)", 100000 + i, (long long)(BASE_MS / DAY_MS + 3)), SQLITE_OK);
	assert_int_equal(sqlite3_exec(f->raw, "COMMIT", NULL, NULL, NULL), SQLITE_OK);

	for (int d = 0; d < NDAYS; d++) {
		int64_t day0 = BASE_MS + d * DAY_MS;
		events(f, day0 + 3600 * 1000, 1);
		if (d == 4 || d == 9 || d == 15)
			check(f, day0 + 23 * 3600 * 1000);
		if (d == NDAYS - 1) {
			/* The current day is partial: it counts what has arrived so far, and a later
			 * rebuild on the same day counts what arrived since. */
			check(f, day0 + 2 * 3600 * 1000);
			events(f, day0 + 5 * 3600 * 1000, 3);
			check(f, day0 + 6 * 3600 * 1000);
		}
	}
	/* Past the window's edge: on day NDAYS + 6 only the last day's stats are in it. */
	check(f, BASE_MS + (NDAYS + 5) * DAY_MS);

	/* Six rebuilds ran; the newest three are kept, with their entries only. */
	assert_int_equal(count(f, "SELECT count(*) FROM trending_snapshots"), SR_TRENDING_KEEP);
	assert_int_equal(count(f, "SELECT count(*) FROM trending_entries WHERE snapshot_id NOT IN "
				  "(SELECT id FROM trending_snapshots)"), 0);
	assert_int_equal(count(f, "SELECT min(id) FROM trending_snapshots"), 4);
}

/* Reads from the snapshot: a cold start builds it once; pages join to skills in rank order. */
static void test_cold_start_and_page(void **state)
{
	struct fixture *f = *state;
	int64_t now = BASE_MS + 2 * DAY_MS;
	sr_clock_set(now);
	sr_trending_snapshot snap;
	assert_int_equal(sr_store_trending_latest(f->s, &snap), SR_ENOTFOUND);
	events(f, BASE_MS + DAY_MS, 1);
	int built = 0;
	sr_reads total;
	sr_reads_init(&total);
	assert_int_equal(sr_trending_current(f->s, &total, &snap, &built), 0);
	assert_int_equal(built, 1);
	assert_true(total.rows > 0);
	int64_t first = snap.id;
	assert_int_equal(sr_trending_current(f->s, &total, &snap, &built), 0);
	assert_int_equal(built, 0);
	assert_int_equal(snap.id, first);
	/* A cold start that finds a snapshot written meanwhile keeps it. */
	sr_trending_stats st;
	assert_int_equal(sr_trending_rebuild(f->s, now, 1, NULL, &st), 0);
	assert_int_equal(st.snapshot_id, first);
	assert_int_equal(count(f, "SELECT count(*) FROM trending_snapshots"), 1);
	assert_int_equal(sr_store_trending_snapshot(f->s, first + 1, &snap), SR_ENOTFOUND);
}

struct seen {
	int n, last_rank;
	int64_t last_installs;
};

static int page_row(void *ud, const void *row)
{
	const sr_trending_row *t = row;
	struct seen *s = ud;
	assert_true(t->rank > s->last_rank);
	assert_true(s->n == 0 || t->installs <= s->last_installs);
	assert_non_null(t->skill.slug);
	assert_true(t->skill.is_listed);
	s->last_rank = t->rank;
	s->last_installs = t->installs;
	s->n++;
	return 0;
}

static void test_page_reads(void **state)
{
	struct fixture *f = *state;
	int64_t now = BASE_MS + 2 * DAY_MS;
	events(f, now, 1);
	sr_trending_stats st;
	assert_int_equal(sr_trending_rebuild(f->s, now, 0, NULL, &st), 0);
	struct seen s = {0, 0, 0};
	sr_reads r;
	sr_reads_init(&r);
	sr_store_set_reads(f->s, &r);
	assert_int_equal(sr_store_trending_page(f->s, st.snapshot_id, 10, 25, page_row, &s), 0);
	sr_store_set_reads(f->s, NULL);
	assert_int_equal(s.n, 25);
	assert_int_equal(s.last_rank, 35);
	/* One range of the page's rows, nothing more. */
	assert_int_equal(r.rows, 25);
	assert_int_equal(r.ranges, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_matches_brute_force, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cold_start_and_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_reads, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
