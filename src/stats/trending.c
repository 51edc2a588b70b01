/*
 * trending.c - rebuilds the trending leaderboard from bounded reads (see trending.h).
 *
 * The sums are kept in one array sorted by skill id. Each day's rows arrive in skill order
 * (the index is (day, skill_id, ...)), so folding a day in is a linear merge of two sorted
 * arrays, and memory is bounded by the skills with stats in the window, never by a scan.
 * Browse eligibility changes with moderation at any time, so it is read per candidate, by
 * primary key, best first, until 200 survive, as ClawHub's non-suspicious kind does.
 */
#include "stats/trending.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/job.h"
#include "core/util.h"

#define DAY_MS 86400000LL
#define CHECKS_PER_BUDGET 1000 /* eligibility lookups read under one budget */

struct sums {
	sr_trending_entry *v;
	int n, cap;
};

static int sums_push(struct sums *a, int64_t id, int64_t installs, int64_t downloads)
{
	if (a->n == a->cap) {
		if (a->cap >= SR_TRENDING_MAX_SKILLS)
			return SR_ELIMIT;
		int cap = a->cap ? a->cap * 2 : 1024;
		if (cap > SR_TRENDING_MAX_SKILLS)
			cap = SR_TRENDING_MAX_SKILLS;
		sr_trending_entry *v = realloc(a->v, (size_t)cap * sizeof(*v));
		if (!v)
			return SR_ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = (sr_trending_entry){id, installs, downloads};
	return 0;
}

/* Budgets: every batch of reads gets default limits of its own and is summed into total. */
struct job {
	sr_store *s;
	sr_reads page;
	sr_reads *total;
	struct sums day;
	int64_t daily_rows;
};

static void budget_begin(struct job *j)
{
	sr_reads_init(&j->page);
	sr_store_set_reads(j->s, &j->page);
}

static void budget_end(struct job *j)
{
	if (j->total)
		sr_reads_add(j->total, &j->page);
}

static int day_row(void *ud, const void *row)
{
	const sr_daily_row *d = row;
	struct job *j = ud;
	j->daily_rows++;
	return sums_push(&j->day, d->skill_id, d->installs, d->downloads);
}

/* Reads one day's rows, page by page, into j->day (in skill order). */
static int read_day(struct job *j, int64_t day)
{
	j->day.n = 0;
	int64_t after = 0;
	for (;;) {
		int before = j->day.n;
		budget_begin(j);
		int rc = sr_store_daily_page(j->s, day, after, SR_TRENDING_PAGE, day_row, j);
		budget_end(j);
		if (rc)
			return rc;
		int got = j->day.n - before;
		if (got < SR_TRENDING_PAGE)
			return 0;
		after = j->day.v[j->day.n - 1].skill_id;
	}
}

/* acc := acc + day, both sorted by skill id; out is scratch space that becomes acc. */
static int merge(struct sums *acc, const struct sums *day, struct sums *out)
{
	out->n = 0;
	int i = 0, k = 0, rc = 0;
	while (!rc && (i < acc->n || k < day->n)) {
		const sr_trending_entry *a = i < acc->n ? &acc->v[i] : NULL;
		const sr_trending_entry *d = k < day->n ? &day->v[k] : NULL;
		if (a && d && a->skill_id == d->skill_id) {
			rc = sums_push(out, a->skill_id, a->installs + d->installs, a->downloads + d->downloads);
			i++;
			k++;
		} else if (a && (!d || a->skill_id < d->skill_id)) {
			rc = sums_push(out, a->skill_id, a->installs, a->downloads);
			i++;
		} else {
			rc = sums_push(out, d->skill_id, d->installs, d->downloads);
			k++;
		}
	}
	if (!rc) {
		struct sums t = *acc;
		*acc = *out;
		*out = t;
	}
	return rc;
}

static int by_score(const void *x, const void *y)
{
	const sr_trending_entry *a = x, *b = y;
	if (a->installs != b->installs)
		return a->installs > b->installs ? -1 : 1;
	if (a->downloads != b->downloads)
		return a->downloads > b->downloads ? -1 : 1;
	return a->skill_id < b->skill_id ? -1 : a->skill_id > b->skill_id;
}

int sr_trending_rebuild(sr_store *s, int64_t now_ms, int only_if_none, sr_reads *total,
			sr_trending_stats *st)
{
	memset(st, 0, sizeof(*st));
	sr_reads *caller = sr_store_get_reads(s);
	struct job j = {.s = s, .total = total};
	struct sums acc = {0}, tmp = {0};
	sr_trending_entry top[SR_TRENDING_TOP];
	int ntop = 0, rc = 0;
	int64_t end_day = now_ms / DAY_MS;
	for (int64_t day = end_day - (SR_TRENDING_DAYS - 1); day <= end_day && !rc; day++) {
		rc = read_day(&j, day);
		if (!rc)
			rc = merge(&acc, &j.day, &tmp);
	}
	if (rc)
		goto out;
	if (acc.n) /* qsort must not be given NULL, even for no elements */
		qsort(acc.v, (size_t)acc.n, sizeof(*acc.v), by_score);
	for (int i = 0; i < acc.n && ntop < SR_TRENDING_TOP; i++) {
		if (i % CHECKS_PER_BUDGET == 0) {
			if (i)
				budget_end(&j);
			budget_begin(&j);
		}
		int listed = 0;
		rc = sr_store_skill_listed(s, acc.v[i].skill_id, &listed);
		if (rc == SR_ENOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc) {
			budget_end(&j);
			goto out;
		}
		if (listed)
			top[ntop++] = acc.v[i];
	}
	if (acc.n)
		budget_end(&j);
	budget_begin(&j);
	rc = sr_store_trending_write(s, now_ms, end_day, top, ntop, SR_TRENDING_KEEP, only_if_none,
				     &st->snapshot_id);
	budget_end(&j);
	st->entries = ntop;
out:
	st->daily_rows = j.daily_rows;
	sr_store_set_reads(s, caller);
	free(acc.v);
	free(tmp.v);
	free(j.day.v);
	return rc;
}

int sr_trending_current(sr_store *s, sr_reads *total, sr_trending_snapshot *out, int *built)
{
	*built = 0;
	int rc = sr_store_trending_latest(s, out);
	if (rc != SR_ENOTFOUND)
		return rc;
	sr_trending_stats st;
	if ((rc = sr_trending_rebuild(s, sr_now_ms(), 1, total, &st)))
		return rc;
	*built = 1;
	return sr_store_trending_snapshot(s, st.snapshot_id, out);
}

int sr_trending_newest(sr_store *s, sr_trending_snapshot *out)
{
	sr_reads job;
	sr_reads_init(&job);
	int built = 0;
	int64_t t0 = sr_mono_ns();
	int rc = sr_trending_current(s, &job, out, &built);
	if ((built || (rc && rc != SR_ENOTFOUND && job.rows)))
		sr_job_report("trending", rc == 0, sr_mono_ns() - t0, &job);
	return rc;
}

struct walk {
	sr_trending_item_fn fn;
	void *ud;
	int want, n;   /* rows wanted and passed on */
	int probe;     /* 1: read one entry more than shown, to know whether there is a next page */
	int seen_rank; /* the last entry read, shown or not */
	int last_rank; /* the last entry shown */
	int more;      /* 1: a browse-eligible entry exists past the page; -1: full, stop */
	int read;      /* entries read by the current store call */
	int rc;
};

static int walk_row(void *ud, const void *row)
{
	const sr_trending_row *t = row;
	const sr_skill_row *r = &t->skill;
	int rank = t->rank;
	struct walk *k = ud;
	k->read++;
	k->seen_rank = rank;
	if (!r->is_listed)
		return 0;
	if (k->n == k->want) {
		k->more = 1;
		return 1;
	}
	if (!k->probe && k->n + 1 == k->want)
		k->more = -1; /* full, and nobody asks what follows: stop after this row */
	k->n++;
	k->last_rank = rank;
	int rc = k->fn(k->ud, r, rank, t->installs, t->downloads);
	if (rc) {
		k->rc = rc < 0 ? rc : SR_EINVAL;
		return k->rc;
	}
	return k->more < 0;
}

int sr_trending_walk(sr_store *s, int64_t snapshot_id, int after, int want, int probe,
		     sr_trending_item_fn fn, void *ud, int *shown, int *last_rank, int *more)
{
	struct walk k = {.fn = fn, .ud = ud, .want = want, .probe = probe, .seen_rank = after};
	int chunk = want + probe, rc = 0;
	for (;;) {
		k.read = 0;
		rc = sr_store_trending_page(s, snapshot_id, k.seen_rank, chunk, walk_row, &k);
		if (rc || k.rc || k.more || k.read < chunk)
			break;
		chunk = SR_TRENDING_OVERFETCH;
	}
	*shown = k.n;
	*last_rank = k.last_rank;
	*more = k.more > 0;
	return rc ? rc : k.rc;
}
