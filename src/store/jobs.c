/*
 * jobs.c - what the backfills and batch jobs read and write (store.h, "backfills"): a
 * backfill's saved progress, the summary and counter pages it checks, the id pages a job
 * walks skills by, and the claim a node takes before a scheduled run (store.h, "scheduled
 * jobs across nodes"). Dialect-neutral, over internal.h.
 */
#include <string.h>

#include "core/err.h"
#include "store/internal.h"

int sr_store_backfill_state_get(sr_store *s, const char *name, sr_backfill_state *out)
{
	memset(out, 0, sizeof(*out));
	sr__stmt *st = sr__query(s, Q_BF_STATE_GET, "t", name);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc != SR__ROW)
		return rc == SR__DONE ? SR_ENOTFOUND : rc;
	out->last_id = sr__col_int64(st, 0);
	out->pass = sr__col_int64(st, 1);
	out->started_at = sr__col_int64(st, 2);
	out->finished_at = sr__col_int64(st, 3);
	out->scanned = sr__col_int64(st, 4);
	out->changed = sr__col_int64(st, 5);
	sr__reset(st);
	return 0;
}

int sr_store_backfill_state_put(sr_store *s, const char *name, const sr_backfill_state *in)
{
	return sr__run(s, Q_BF_STATE_PUT, "tIIInII", name, in->last_id, in->pass, in->started_at,
		   in->finished_at, in->scanned, in->changed);
}

int sr_store_skills_max_id(sr_store *s, int64_t *id)
{
	*id = 0;
	int rc = sr__one_int64(s, sr__query(s, Q_BF_MAX_ID, ""), id);
	return rc == SR_ENOTFOUND ? 0 : rc;
}

int sr_store_backfill_summary_page(sr_store *s, int64_t after, int limit, sr_bf_summary *rows, int *n)
{
	*n = 0;
	sr__stmt *st = sr__query(s, Q_BF_SUMMARY_PAGE, "Ii", after, limit);
	if (!st)
		return SR_EDB;
	int rc;
	while ((rc = sr__step(s, st)) == SR__ROW) {
		if (*n == limit) {
			sr__reset(st);
			return SR_ETOOBIG;
		}
		rows[*n].id = sr__col_int64(st, 0);
		rows[*n].latest_version_id = sr__col_int64(st, 1);
		rows[*n].stale = sr__col_int(st, 2) != 0;
		(*n)++;
	}
	return rc == SR__DONE ? 0 : rc;
}

int sr_store_backfill_counters_page(sr_store *s, int64_t after, int limit, sr_bf_counters *rows, int *n)
{
	*n = 0;
	sr__stmt *st = sr__query(s, Q_BF_COUNTERS_PAGE, "Ii", after, limit);
	if (!st)
		return SR_EDB;
	int rc;
	while ((rc = sr__step(s, st)) == SR__ROW) {
		if (*n == limit) {
			sr__reset(st);
			return SR_ETOOBIG;
		}
		rows[*n].id = sr__col_int64(st, 0);
		for (int i = 0; i < SR_BF_COUNTERS; i++) {
			rows[*n].have[i] = sr__col_int64(st, 1 + i);
			rows[*n].want[i] = sr__col_int64(st, 1 + SR_BF_COUNTERS + i);
		}
		(*n)++;
	}
	return rc == SR__DONE ? 0 : rc;
}

int sr_store_backfill_counters_set(sr_store *s, int64_t id, const int64_t v[SR_BF_COUNTERS])
{
	return sr__run(s, Q_BF_COUNTERS_SET, "IIIII", id, v[0], v[1], v[2], v[3]);
}

int sr_store_skill_ids_page(sr_store *s, int64_t after_id, int limit, sr_row_fn fn, void *ud)
{
	return sr__each_key(s, sr__query(s, Q_SKILL_IDS_PAGE, "Ii", after_id, limit), fn, ud);
}

int sr_store_job_claim(sr_store *s, const char *name, const char *node, int64_t now_ms,
		       int64_t interval_ms, int *won)
{
	*won = 0;
	int rc = sr__run(s, Q_JOB_CLAIM, "tItI", name, now_ms, node, interval_ms);
	if (!rc)
		*won = sr__changes(s) == 1;
	return rc;
}
