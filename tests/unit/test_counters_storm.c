/*
 * test_counters_storm.c - the counters on skills equal a full recount after a random storm
 * of downloads, installs, stars and unstars over simulated UTC days.
 *
 * The test keeps its own model in memory: which identity downloaded which skill on which
 * day (a download counts once per identity per skill per UTC day), the installs, and who
 * stars what. The store gets the same operations, with the clock pinned to each simulated
 * moment (sr_clock_set) and folds of random batch sizes in between. Checked:
 *   - stars: stats_stars equals the model and count(stars rows) after every single
 *     star/unstar, before any fold (they change in the star's own transaction);
 *   - after each day's final fold: stats_downloads and stats_installs equal the model, the
 *     events of each kind, and the sums of skill_daily_stats, kept apart (a download is
 *     never an install); every daily row equals the model's (skill, day) cell; the fold never
 *     touched updated_at.
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

#include "core/util.h"
#include "store/store.h"

#define NSKILLS 24
#define NIDS 12    /* download identities: user:N and addresses */
#define NUSERS 9   /* who can star */
#define NDAYS 9
#define OPS_PER_DAY 400
#define DAY_MS 86400000LL
#define BASE_MS 1767225600000LL /* 2026-01-01T00:00:00Z */

struct model {
	unsigned char seen[NSKILLS][NIDS][NDAYS];
	int64_t dl[NSKILLS], in[NSKILLS];
	int64_t daily_dl[NSKILLS][NDAYS], daily_in[NSKILLS][NDAYS];
	unsigned char starred[NSKILLS][NUSERS];
	int64_t stars[NSKILLS];
};

struct fixture {
	char dir[64], db[96];
	sr_store *s;
	sqlite3 *raw;
	int64_t ids[NSKILLS], users[NUSERS];
	uint64_t rng;
	struct model m;
};

static uint64_t rnd(struct fixture *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

static int64_t scalar(struct fixture *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_free(sql);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/sr-storm-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/db", f->dir);
	if (sr_store_open(f->db, &f->s) || sr_store_migrate(f->s) || sqlite3_open(f->db, &f->raw) != SQLITE_OK)
		return -1;
	f->rng = 0x2545f4914f6cdd1dULL;
	for (int u = 0; u < NUSERS; u++) {
		char h[16];
		snprintf(h, sizeof(h), "user%d", u);
		if (sr_store_user_add(f->s, h, h, SR_ROLE_USER, &f->users[u]))
			return -1;
	}
	for (int i = 0; i < NSKILLS; i++) {
		char slug[32];
		snprintf(slug, sizeof(slug), "storm-%02d", i);
		sr_new_skill n = {f->users[i % NUSERS], slug, slug, "a skill", BASE_MS - DAY_MS, 0};
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

static void fold(struct fixture *f, int batch, int all)
{
	int n;
	do {
		sr_store_set_reads(f->s, NULL);
		assert_int_equal(sr_store_fold_events(f->s, batch, &n), 0);
	} while (all && n);
}

static void check_stars(struct fixture *f, int k)
{
	assert_int_equal(scalar(f, "SELECT stats_stars FROM skills WHERE id = %lld", (long long)f->ids[k]), f->m.stars[k]);
	assert_int_equal(scalar(f, "SELECT count(*) FROM stars WHERE skill_id = %lld", (long long)f->ids[k]), f->m.stars[k]);
}

static void check_all(struct fixture *f, int days)
{
	for (int k = 0; k < NSKILLS; k++) {
		long long id = (long long)f->ids[k];
		assert_int_equal(scalar(f, "SELECT stats_downloads FROM skills WHERE id = %lld", id), f->m.dl[k]);
		assert_int_equal(scalar(f, "SELECT stats_installs FROM skills WHERE id = %lld", id), f->m.in[k]);
		/* The full recount, from the events and from the daily rows. */
		assert_int_equal(scalar(f, "SELECT count(*) FROM stat_events WHERE skill_id = %lld AND kind = 1", id), f->m.dl[k]);
		assert_int_equal(scalar(f, "SELECT count(*) FROM stat_events WHERE skill_id = %lld AND kind = 2", id), f->m.in[k]);
		assert_int_equal(scalar(f, "SELECT count(*) FROM download_dedupes WHERE skill_id = %lld", id), f->m.dl[k]);
		assert_int_equal(scalar(f, "SELECT coalesce(sum(downloads), 0) FROM skill_daily_stats WHERE skill_id = %lld", id), f->m.dl[k]);
		assert_int_equal(scalar(f, "SELECT coalesce(sum(installs), 0) FROM skill_daily_stats WHERE skill_id = %lld", id), f->m.in[k]);
		check_stars(f, k);
		/* Stats never make a skill look updated. */
		assert_int_equal(scalar(f, "SELECT updated_at FROM skills WHERE id = %lld", id), BASE_MS - DAY_MS);
		for (int d = 0; d < days; d++) {
			int64_t day = BASE_MS / DAY_MS + d;
			int64_t present = scalar(f, "SELECT count(*) FROM skill_daily_stats WHERE skill_id = %lld AND day = %lld", id, (long long)day);
			if (!f->m.daily_dl[k][d] && !f->m.daily_in[k][d]) {
				assert_int_equal(present, 0);
				continue;
			}
			assert_int_equal(present, 1);
			assert_int_equal(scalar(f, "SELECT downloads FROM skill_daily_stats WHERE skill_id = %lld AND day = %lld", id, (long long)day), f->m.daily_dl[k][d]);
			assert_int_equal(scalar(f, "SELECT installs FROM skill_daily_stats WHERE skill_id = %lld AND day = %lld", id, (long long)day), f->m.daily_in[k][d]);
		}
	}
	assert_int_equal(scalar(f, "SELECT count(*) FROM stat_events WHERE id > "
				   "(SELECT last_event_id FROM stat_cursors WHERE name = 'fold')"), 0);
}

static void test_storm(void **state)
{
	struct fixture *f = *state;
	struct model *m = &f->m;
	int64_t downloads = 0, repeats = 0, installs = 0, star_ops = 0;
	for (int d = 0; d < NDAYS; d++) {
		for (int op = 0; op < OPS_PER_DAY; op++) {
			/* Moments spread over the day, in order, the last ones near midnight. */
			int64_t now = BASE_MS + d * DAY_MS + (int64_t)op * (DAY_MS / OPS_PER_DAY) + (int64_t)(rnd(f) % 1000);
			sr_clock_set(now);
			int k = (int)(rnd(f) % NSKILLS);
			int what = (int)(rnd(f) % 10);
			if (what < 5) {
				/* Identities: users (user:N) and client addresses, a few of each. */
				int who = (int)(rnd(f) % NIDS);
				char ident[32];
				if (who < NIDS / 2)
					snprintf(ident, sizeof(ident), "user:%d", who);
				else
					snprintf(ident, sizeof(ident), "ip:10.0.0.%d", who);
				assert_int_equal(sr_store_download_event(f->s, f->ids[k], ident, now), 0);
				if (!m->seen[k][who][d]) {
					m->seen[k][who][d] = 1;
					m->dl[k]++;
					m->daily_dl[k][d]++;
					downloads++;
				} else {
					repeats++;
				}
			} else if (what < 8) {
				assert_int_equal(sr_store_install_event(f->s, f->ids[k], now), 0);
				m->in[k]++;
				m->daily_in[k][d]++;
				installs++;
			} else {
				int u = (int)(rnd(f) % NUSERS);
				int changed = -1;
				if (what == 8) {
					assert_int_equal(sr_store_star(f->s, f->ids[k], f->users[u], now, &changed), 0);
					assert_int_equal(changed, !m->starred[k][u]);
					if (!m->starred[k][u])
						m->stars[k]++;
					m->starred[k][u] = 1;
				} else {
					assert_int_equal(sr_store_unstar(f->s, f->ids[k], f->users[u], &changed), 0);
					assert_int_equal(changed, m->starred[k][u]);
					if (m->starred[k][u])
						m->stars[k]--;
					m->starred[k][u] = 0;
				}
				star_ops++;
				check_stars(f, k);
			}
			if (rnd(f) % 37 == 0)
				fold(f, 1 + (int)(rnd(f) % 50), 0);
		}
		fold(f, 1 + (int)(rnd(f) % 200), 1);
		check_all(f, d + 1);
	}
	/* The storm exercised what it is about. */
	assert_true(downloads > 500 && repeats > 100 && installs > 500 && star_ops > 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_storm, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
