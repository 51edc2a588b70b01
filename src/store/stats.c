/*
 * stats.c - stars, events and the fold, the public-skill count and the trending leaderboard
 * (store.h, "stars, stats", "the public-skill count", "trending leaderboard"): the counters
 * on skills and the rows they are recounted from. Dialect-neutral, over internal.h.
 */
#include <stdlib.h>

#include "core/err.h"
#include "core/fault.h"
#include "store/internal.h"

static int star_change(sr_store *s, int on, int64_t skill_id, int64_t user_id, int64_t now,
		       int *changed)
{
	int rc = sr_store_begin(s);
	if (rc)
		return rc;
	rc = on ? sr__run(s, Q_STAR_INS, "III", skill_id, user_id, now) : sr__run(s, Q_STAR_DEL, "II", skill_id, user_id);
	if (!rc) {
		*changed = sr__changes(s) > 0;
		if (*changed)
			rc = sr__run(s, Q_STARS_ADJ, "Ii", skill_id, on ? 1 : -1);
	}
	if (rc) {
		sr_store_rollback(s);
		return rc;
	}
	return sr_store_commit(s);
}

int sr_store_star(sr_store *s, int64_t skill_id, int64_t user_id, int64_t now, int *changed)
{
	return star_change(s, 1, skill_id, user_id, now, changed);
}

int sr_store_unstar(sr_store *s, int64_t skill_id, int64_t user_id, int *changed)
{
	return star_change(s, 0, skill_id, user_id, 0, changed);
}

static int event_insert(sr_store *s, int64_t skill_id, int kind, int64_t now)
{
	return sr__run(s, Q_EVENT_INS, "IiII", skill_id, kind, now / 86400000, now);
}

int sr_store_download_event(sr_store *s, int64_t skill_id, const char *identity, int64_t now)
{
	int rc = sr_store_begin(s);
	if (rc)
		return rc;
	rc = sr__run(s, Q_DEDUPE_INS, "ItI", skill_id, identity, now / 86400000);
	if (!rc && sr__changes(s) > 0)
		rc = event_insert(s, skill_id, 1, now);
	if (rc) {
		sr_store_rollback(s);
		return rc;
	}
	return sr_store_commit(s);
}

int sr_store_install_event(sr_store *s, int64_t skill_id, int64_t now)
{
	return event_insert(s, skill_id, 2, now);
}

struct ev {
	int64_t skill_id, day;
	int kind;
};

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	if (x->skill_id != y->skill_id)
		return x->skill_id < y->skill_id ? -1 : 1;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return 0;
}

/*
 * One fold batch is one transaction: the events it claims (marked folded by the statement
 * that returns them), every daily row and counter they add to, and the high-water mark commit
 * together or not at all. A process that dies anywhere in it leaves the database as before
 * the batch (an unfinished transaction is rolled back; SQLite drops its WAL frames), and the
 * next fold claims the same events again; a process that dies after the commit has marked
 * the events with the counters.
 *
 * The fold never reads past a cursor: with several writers on PostgreSQL, ids are not
 * committed in their order, and an event with a lower id can commit after a fold went past
 * it. Claiming by mark takes whatever is committed and not folded, in any order, so every
 * event is folded exactly once on both engines and by any number of nodes (two folds that
 * race serialize on the write lock, and the second skips the rows the first marked). The
 * sr_fault_point calls mark each step for the crash test (tests/unit/test_fold_crash.c).
 */

/* Claims up to batch events not folded yet into evs: *count of them, *last the highest id
 * among them. */
static int fold_claim(sr_store *s, struct ev *evs, int batch, int *count, int64_t *last)
{
	sr__stmt *st = sr__query(s, Q_EVENTS_CLAIM, "i", batch);
	if (!st)
		return SR_EDB;
	*count = 0;
	int rc;
	while ((rc = sr__step(s, st)) == SR__ROW) {
		if (*count == batch) {
			sr__reset(st);
			return SR_ETOOBIG;
		}
		int64_t id = sr__col_int64(st, 0);
		if (id > *last)
			*last = id;
		evs[*count].skill_id = sr__col_int64(st, 1);
		evs[*count].kind = sr__col_int(st, 2);
		evs[*count].day = sr__col_int64(st, 3);
		(*count)++;
	}
	return rc == SR__DONE ? 0 : rc;
}

/* Adds one (skill, day) group's downloads and installs to its daily row and its counters. */
static int fold_group(sr_store *s, int64_t skill_id, int64_t day, int64_t downloads, int64_t installs)
{
	int rc = sr__run(s, Q_DAILY_UPSERT, "IIII", skill_id, day, downloads, installs);
	if (rc)
		return rc;
	sr_fault_point("fold: daily row added");
	if ((rc = sr__run(s, Q_COUNTERS_ADJ, "III", skill_id, downloads, installs)))
		return rc;
	sr_fault_point("fold: counters added");
	return 0;
}

/* Groups the events by (skill, day), so each daily row and each counter is written once a
 * batch, and writes each group. */
static int fold_write(sr_store *s, struct ev *evs, int count)
{
	qsort(evs, (size_t)count, sizeof(*evs), ev_cmp);
	for (int i = 0; i < count;) {
		int j = i;
		int64_t dl = 0, in = 0;
		while (j < count && evs[j].skill_id == evs[i].skill_id && evs[j].day == evs[i].day) {
			if (evs[j].kind == 1)
				dl++;
			else
				in++;
			j++;
		}
		int rc = fold_group(s, evs[i].skill_id, evs[i].day, dl, in);
		if (rc)
			return rc;
		i = j;
	}
	return 0;
}

int sr_store_fold_events(sr_store *s, int batch, int *n)
{
	*n = 0;
	if (batch <= 0 || batch > 10000)
		return SR_EINVAL;
	struct ev *evs = calloc((size_t)batch, sizeof(*evs));
	if (!evs)
		return SR_ENOMEM;
	int rc = sr_store_begin(s);
	if (rc) {
		free(evs);
		return rc;
	}
	sr_fault_point("fold: begun");
	int count = 0;
	int64_t last = 0;
	if ((rc = fold_claim(s, evs, batch, &count, &last)))
		goto out;
	sr_fault_point("fold: events read");
	if ((rc = fold_write(s, evs, count)))
		goto out;
	if (count) {
		if ((rc = sr__run(s, Q_CURSOR_SET, "tI", "fold", last)))
			goto out;
		sr_fault_point("fold: cursor moved, not committed");
	}
	free(evs);
	*n = count;
	rc = sr_store_commit(s);
	if (!rc)
		sr_fault_point("fold: committed");
	return rc;
out:
	free(evs);
	sr_store_rollback(s);
	return rc;
}

static void read_daily(sr_store *s, sr__stmt *st, void *row)
{
	sr_daily_row *d = row;
	d->skill_id = sr__col_int64(st, 0);
	d->installs = sr__col_int64(st, 1);
	d->downloads = sr__col_int64(st, 2);
}

int sr_store_daily_page(sr_store *s, int64_t day, int64_t after_skill, int limit, sr_row_fn fn,
			void *ud)
{
	sr_daily_row row;
	return sr__each(s, sr__query(s, Q_DAILY_PAGE, "IIi", day, after_skill, limit), read_daily, &row, fn, ud);
}

int sr_store_public_count(sr_store *s, int64_t *n)
{
	return sr__one_int64(s, sr__query(s, Q_PUBLIC_COUNT, ""), n);
}

int sr_store_public_count_adjust(sr_store *s, int64_t delta, int64_t now)
{
	return sr__run(s, Q_PUBLIC_COUNT_ADJ, "II", delta, now);
}

int sr_store_public_ids_page(sr_store *s, int64_t after_created, int64_t after_id, int limit,
			     sr_row_fn fn, void *ud)
{
	return sr__each_key(s, sr__query(s, Q_PUBLIC_IDS_PAGE, "IIi", after_created, after_id, limit), fn, ud);
}

static int read_snapshot(sr_store *s, sr__stmt *st, sr_trending_snapshot *out)
{
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc == SR__ROW) {
		out->id = sr__col_int64(st, 0);
		out->computed_at = sr__col_int64(st, 1);
		out->day = sr__col_int64(st, 2);
		out->entries = sr__col_int(st, 3);
		sr__reset(st);
		return 0;
	}
	return rc == SR__DONE ? SR_ENOTFOUND : rc;
}

int sr_store_trending_latest(sr_store *s, sr_trending_snapshot *out)
{
	return read_snapshot(s, sr__query(s, Q_TRENDING_LATEST, ""), out);
}

int sr_store_trending_snapshot(sr_store *s, int64_t id, sr_trending_snapshot *out)
{
	return read_snapshot(s, sr__query(s, Q_TRENDING_SNAPSHOT, "I", id), out);
}

int sr_store_trending_write(sr_store *s, int64_t computed_at, int64_t day, const sr_trending_entry *e,
			    int n, int keep, int only_if_none, int64_t *id_out)
{
	if (n < 0 || keep < 1)
		return SR_EINVAL;
	int rc = sr_store_begin(s);
	if (rc)
		return rc;
	sr_trending_snapshot have;
	if (only_if_none) {
		/* Inside the write lock: a cold start that lost the race uses the winner's. */
		rc = sr_store_trending_latest(s, &have);
		if (rc == 0) {
			sr_store_rollback(s);
			*id_out = have.id;
			return 0;
		}
		if (rc != SR_ENOTFOUND)
			goto out;
	}
	if ((rc = sr__run(s, Q_TRENDING_SNAP_INS, "IIi", computed_at, day, n)))
		goto out;
	int64_t id = sr__last_id(s);
	for (int i = 0; i < n; i++)
		if ((rc = sr__run(s, Q_TRENDING_ENTRY_INS, "IiIII", id, i + 1, e[i].skill_id, e[i].installs,
			      e[i].downloads)))
			goto out;
	sr__stmt *st = sr__query(s, Q_TRENDING_KEPT, "i", keep - 1);
	if (!st) {
		rc = SR_EDB;
		goto out;
	}
	rc = sr__step(s, st);
	if (rc == SR__ROW) {
		int64_t oldest = sr__col_int64(st, 0);
		sr__reset(st);
		if ((rc = sr__run(s, Q_TRENDING_ENTRIES_DEL, "I", oldest)) ||
		    (rc = sr__run(s, Q_TRENDING_SNAPS_DEL, "I", oldest)))
			goto out;
	} else if (rc != SR__DONE) {
		goto out;
	}
	if ((rc = sr_store_commit(s)))
		return rc;
	*id_out = id;
	return 0;
out:
	sr_store_rollback(s);
	return rc;
}

static void read_trending(sr_store *s, sr__stmt *st, void *row)
{
	sr_trending_row *t = row;
	sr__read_skill(s, st, &t->skill);
	t->skill.rank = 0; /* the columns after the skill's are the entry's, not a search rank */
	t->rank = sr__col_int(st, SR__SKILL_NCOLS);
	t->installs = sr__col_int64(st, SR__SKILL_NCOLS + 1);
	t->downloads = sr__col_int64(st, SR__SKILL_NCOLS + 2);
}

int sr_store_trending_page(sr_store *s, int64_t snapshot_id, int after_rank, int limit,
			   sr_row_fn fn, void *ud)
{
	sr_trending_row row;
	return sr__each(s, sr__query(s, Q_TRENDING_PAGE, "Iii", snapshot_id, after_rank, limit), read_trending, &row, fn, ud);
}
