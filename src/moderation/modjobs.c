/*
 * modjobs.c - the moderation jobs' batches (moderation.h): each walks the skills waiting for a
 * scan, a keyset page at a time over the moderation queue's index ranges. Requeue asks again
 * for scans queued too long ago (ClawHub's markScanStale), reason sync brings a skill's
 * moderation fields in line with its scanners' holds, health only counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "moderation/moderation_int.h"

/* The ranges the jobs walk: skills waiting for a scan, active or hidden. */
static const struct {
	int status;
	const char *reason;
} pending_ranges[] = {
	{SR_SKILL_ACTIVE, "pending.scan"},
	{SR_SKILL_ACTIVE, "pending.scan.stale"},
	{SR_SKILL_HIDDEN, "pending.scan"},
	{SR_SKILL_HIDDEN, "pending.scan.stale"},
};
#define NPENDING ((int)(sizeof(pending_ranges) / sizeof(pending_ranges[0])))
/* Pages one run reads at most per range: the rest waits for the next run. */
#define JOB_MAX_PAGES 50

struct page_rows {
	sr_mod_queue_row rows[512];
	int n;
};

static int take_row(void *ud, const void *row)
{
	const sr_mod_queue_row *r = row;
	struct page_rows *p = ud;
	p->rows[p->n++] = *r;
	return 0;
}

enum { JOB_HEALTH, JOB_REQUEUE, JOB_SYNC };

static int is_stale(const sr_mod_queue_row *r, int64_t now)
{
	return r->scan_state != SR_SCAN_PENDING || now - r->requested_at > SR_SCAN_STALE_MS;
}

/* Acts on one row of a job's page; *acted when it did something. */
static int job_row(sr_store *s, int job, int range, const sr_mod_queue_row *r, int64_t now, int *acted)
{
	*acted = 0;
	if (job == JOB_REQUEUE) {
		if (!r->version_id || !is_stale(r, now))
			return 0;
		int rc = sr_store_begin(s);
		if (rc)
			return rc;
		if (!(rc = sr_store_version_scan_request(s, r->skill_id, r->version_id, now)) &&
		    strcmp(pending_ranges[range].reason, "pending.scan") == 0 && r->scan_state == SR_SCAN_PENDING) {
			/* Queued long ago and never finished: ClawHub's markScanStale. */
			struct sr__mod_skill sc = {0};
			if (!(rc = sr_store_skill_by_id(s, r->skill_id, sr__mod_copy_skill, &sc)) && sc.found) {
				sr_mod_state cur, next;
				sr__mod_of(&sc.sk, &cur);
				next = cur;
				snprintf(next.reason, sizeof(next.reason), "pending.scan.stale");
				rc = sr__mod_write(s, &sc.sk, &next, 0, "scan.stale", NULL, now);
			}
		} else if (!rc) {
			rc = sr_store_audit(s, 0, "scan.requeue", r->skill_id, NULL, now);
		}
		if (rc) {
			sr_store_rollback(s);
			return rc;
		}
		*acted = 1;
		return sr_store_commit(s);
	}
	if (job == JOB_SYNC) {
		if (!r->version_id || r->scan_state != SR_SCAN_DONE)
			return 0;
		int rc = sr_store_begin(s);
		if (rc)
			return rc;
		struct sr__mod_skill sc = {0};
		int holds[SR_SRC_COUNT] = {SR_VERDICT_NONE, SR_VERDICT_NONE};
		if (!(rc = sr_store_skill_by_id(s, r->skill_id, sr__mod_copy_skill, &sc)) && sc.found &&
		    !(rc = sr_store_scan_holds(s, r->skill_id, sr__mod_take_hold, holds))) {
			sr_mod_state cur, next;
			sr__mod_of(&sc.sk, &cur);
			if (!(rc = sr__mod_after_scan_in(s, &sc.sk, &cur, holds, SR_SRC_STATIC, &next)) && !sr__mod_equal(&cur, &next)) {
				rc = sr__mod_write(s, &sc.sk, &next, 0, "scan.reason_sync", next.reason, now);
				*acted = !rc;
			}
		}
		if (rc) {
			sr_store_rollback(s);
			return rc;
		}
		return sr_store_commit(s);
	}
	return 0;
}

static int run_job(sr_store *s, int job, int64_t now, int limit, sr_reads *total, sr_mod_job_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (limit < 1)
		limit = 1;
	/* Over-fetch: a page holds twice the actions a run may take, and a run ends on an
	 * exhausted range, never on a page whose rows the filter dropped. */
	int fetch = limit * 2 > 512 ? 512 : limit * 2;
	struct page_rows *p = malloc(sizeof(*p));
	if (!p)
		return SR_ENOMEM;
	int rc = 0;
	for (int range = 0; range < NPENDING && !rc; range++) {
		int64_t after_created = -1, after_id = -1;
		for (int page = 0; page < JOB_MAX_PAGES && !rc; page++) {
			if (job != JOB_HEALTH && st->acted >= limit)
				break;
			sr_budget bud;
			sr_store_budget_begin(s, &bud);
			p->n = 0;
			rc = sr_store_moderation_queue_page(s, pending_ranges[range].status, pending_ranges[range].reason,
							    after_created, after_id, fetch, take_row, p);
			sr_store_budget_end(s, &bud, total);
			if (rc)
				break;
			st->pages++;
			for (int i = 0; i < p->n && !rc; i++) {
				const sr_mod_queue_row *r = &p->rows[i];
				st->pending++;
				if (is_stale(r, now))
					st->stale++;
				if (job == JOB_HEALTH || st->acted >= limit)
					continue;
				int acted = 0;
				sr_store_budget_begin(s, &bud);
				rc = job_row(s, job, range, r, now, &acted);
				sr_store_budget_end(s, &bud, total);
				st->acted += acted;
			}
			if (p->n < fetch)
				break; /* the range is exhausted */
			after_created = p->rows[p->n - 1].created_at;
			after_id = p->rows[p->n - 1].skill_id;
		}
	}
	free(p);
	return rc;
}

int sr_mod_job_health(sr_store *s, int64_t now, int limit, sr_reads *total, sr_mod_job_stats *st)
{
	return run_job(s, JOB_HEALTH, now, limit, total, st);
}

int sr_mod_job_requeue(sr_store *s, int64_t now, int limit, sr_reads *total, sr_mod_job_stats *st)
{
	return run_job(s, JOB_REQUEUE, now, limit, total, st);
}

int sr_mod_job_reason_sync(sr_store *s, int64_t now, int limit, sr_reads *total, sr_mod_job_stats *st)
{
	return run_job(s, JOB_SYNC, now, limit, total, st);
}
