/*
 * test_global_count.c - the public-skill count (sql/sqlite/0004_global_count.sql) and its
 * daily recount (src/stats/global.c).
 *
 * A random storm of visibility changes, made both through the store's write functions and
 * as raw SQL on a connection of its own (as another process or a hand-written fix would),
 * must leave the count row equal to a COUNT over the public skills after every step: the
 * triggers move it in the writing transaction whoever writes. A rolled-back change must not
 * move it. The recount finds and corrects an injected drift, leaves a right count alone, and
 * reads one index entry per public skill in pages of bounded size.
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
#include "core/log.h"
#include "stats/global.h"
#include "store/store.h"

#define NSKILLS 2500 /* more than two recount pages */
#define STEPS 3000

struct fixture {
	char dir[64], db[96];
	sr_store *s;
	sqlite3 *raw;
	int64_t uid[4];
	int64_t ids[NSKILLS + STEPS];
	int nids;
	uint64_t rng;
};

static uint64_t rnd(struct fixture *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

static int64_t counted(struct fixture *f)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_prepare_v2(f->raw, "SELECT count(*) FROM skills WHERE is_public", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int64_t stored(struct fixture *f)
{
	int64_t n = -1;
	sr_store_set_reads(f->s, NULL); /* a fresh scratch budget for each check */
	assert_int_equal(sr_store_public_count(f->s, &n), 0);
	return n;
}

static void raw(struct fixture *f, const char *fmt, ...)
{
	char sql[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	char *err = NULL;
	if (sqlite3_exec(f->raw, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

static void add_skill(struct fixture *f)
{
	char slug[32];
	snprintf(slug, sizeof(slug), "pub-%05d", f->nids);
	sr_new_skill n = {f->uid[f->nids % 4], slug, slug, "a skill", 1767225600000LL + f->nids, 0};
	assert_int_equal(sr_store_skill_insert(f->s, &n, &f->ids[f->nids]), 0);
	f->nids++;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/sr-global-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/db", f->dir);
	if (sr_store_open(f->db, &f->s) || sr_store_migrate(f->s) ||
	    sqlite3_open(f->db, &f->raw) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(f->raw, 5000);
	f->rng = 0x2545f4914f6cdd1dULL;
	for (int i = 0; i < 4; i++) {
		char h[24]; /* room for any int: -O1 builds warn about truncation otherwise */
		snprintf(h, sizeof(h), "owner%d", i);
		if (sr_store_user_add(f->s, h, h, SR_ROLE_USER, &f->uid[i]))
			return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sqlite3_close(f->raw);
	sr_store_close(f->s);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* One random visibility-relevant change, through the store or as raw SQL. */
static void random_change(struct fixture *f)
{
	int64_t id = f->ids[rnd(f) % (uint64_t)f->nids];
	int64_t now = 1767225600000LL + (int64_t)(rnd(f) % 1000000);
	switch (rnd(f) % 12) {
	case 0:
		add_skill(f);
		break;
	case 1:
		assert_int_equal(sr_store_skill_soft_delete(f->s, id, now), 0);
		break;
	case 2:
		assert_int_equal(sr_store_skill_undelete(f->s, id, (int)(rnd(f) % 2)), 0);
		break;
	case 3:
		assert_int_equal(sr_store_skill_hide(f->s, id, "staff.hidden"), 0);
		break;
	case 4:
		raw(f, "UPDATE skills SET moderation_flags = %d WHERE id = %lld", (int)(rnd(f) % 4), (long long)id);
		break;
	case 5:
		raw(f, "UPDATE skills SET moderation_verdict = %s WHERE id = %lld",
		    (const char *[]){"NULL", "0", "1", "2"}[rnd(f) % 4], (long long)id);
		break;
	case 6:
		raw(f, "UPDATE skills SET moderation_status = %d WHERE id = %lld", (int)(rnd(f) % 3), (long long)id);
		break;
	case 7: /* several rows in one statement, back to public */
		raw(f, "UPDATE skills SET moderation_status = 0, moderation_flags = 0, moderation_verdict = NULL, "
		       "soft_deleted_at = NULL WHERE id %% 40 = %d",
		    (int)(rnd(f) % 40));
		break;
	case 8:
		raw(f, "DELETE FROM skills WHERE id = %lld", (long long)id);
		break;
	case 9: /* a change the count must ignore: counters and summary */
		raw(f, "UPDATE skills SET stats_downloads = stats_downloads + 1, summary = 'x' WHERE id = %lld",
		    (long long)id);
		break;
	case 10: /* a rolled-back change moves nothing */
		assert_int_equal(sr_store_begin(f->s), 0);
		assert_int_equal(sr_store_skill_soft_delete(f->s, id, now), 0);
		assert_int_equal(sr_store_skill_hide(f->s, f->ids[0], "staff.hidden"), 0);
		sr_store_rollback(f->s);
		break;
	case 11:
		assert_int_equal(sr_store_user_ban(f->s, f->uid[rnd(f) % 4], "spam"), 0);
		raw(f, "UPDATE skills SET moderation_status = 0, moderation_reason = NULL WHERE owner_id = %lld",
		    (long long)f->uid[rnd(f) % 4]);
		break;
	}
}

static void test_storm_keeps_the_count(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < NSKILLS; i++)
		add_skill(f);
	assert_int_equal(stored(f), NSKILLS);
	int64_t prev = NSKILLS;
	int ups = 0, downs = 0;
	for (int step = 0; step < STEPS; step++) {
		random_change(f);
		int64_t want = counted(f), got = stored(f);
		if (want != got)
			fail_msg("step %d: stored %lld, counted %lld", step, (long long)got, (long long)want);
		ups += want > prev;
		downs += want < prev;
		prev = want;
	}
	/* The storm moved the count both ways, many times. */
	assert_true(ups > 150 && downs > 150);
	int64_t n = counted(f);
	assert_true(n > 100 && n < f->nids - 100);

	/* Nothing to correct: the recount agrees and writes nothing. */
	sr_reads total;
	sr_reads_init(&total);
	sr_recount r;
	assert_int_equal(sr_public_recount(f->s, 1767225600000LL, &total, &r), 0);
	assert_int_equal(r.counted, n);
	assert_int_equal(r.stored, n);
	assert_int_equal(r.drift, 0);
	/* One index entry per public skill, plus the count row. */
	assert_int_equal(total.rows, n + 1);
	assert_true(total.bytes <= 16 * (n + 1));
	assert_int_equal(total.table_rows[SR_T_SKILLS], n);
}

static void test_recount_corrects_drift(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < NSKILLS; i++)
		add_skill(f);
	raw(f, "UPDATE skills SET soft_deleted_at = 1 WHERE id %% 3 = 0");
	int64_t n = counted(f);
	assert_int_equal(stored(f), n);
	/* A drift the triggers could not see: the row itself was written by hand. */
	raw(f, "UPDATE global_stats SET public_skills = public_skills + 37 WHERE id = 1");
	sr_recount r;
	sr_log_set_quiet(1);
	assert_int_equal(sr_public_recount(f->s, 1767225600000LL, NULL, &r), 0);
	sr_log_set_quiet(0);
	assert_int_equal(r.counted, n);
	assert_int_equal(r.stored, n + 37);
	assert_int_equal(r.drift, 37);
	assert_int_equal(stored(f), n);
	/* And downward. */
	raw(f, "UPDATE global_stats SET public_skills = 0 WHERE id = 1");
	sr_log_set_quiet(1);
	assert_int_equal(sr_public_recount(f->s, 1767225600000LL, NULL, &r), 0);
	sr_log_set_quiet(0);
	assert_int_equal(r.drift, -n);
	assert_int_equal(stored(f), n);
	/* The trigger keeps counting from the corrected value. */
	raw(f, "UPDATE skills SET soft_deleted_at = NULL WHERE id %% 3 = 0");
	assert_int_equal(stored(f), counted(f));
	assert_int_equal(stored(f), f->nids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_storm_keeps_the_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recount_corrects_drift, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
