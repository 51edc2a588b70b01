/*
 * cron.c - the job table and the in-process scheduler of `serve` (DESIGN.md section 6).
 *
 * The scheduler is polled by serve's main thread (every 100 ms) rather than run on threads
 * of its own: jobs then never overlap, each has the one store connection of that thread,
 * and a slow job delays the next ones instead of piling up behind them.
 *
 * Every node runs the same scheduler and none leads: a due job is claimed for its interval
 * in the database (job_claims), and the node whose claim changes the row runs it while the
 * others skip this interval. No lease is held through the run, so a node that dies mid-run
 * blocks nothing beyond its interval. Claims compare wall-clock milliseconds stamped by the
 * nodes, so the nodes' clocks must agree to well within the shortest interval (NTP does);
 * they read the real clock even when a test pins sr_now_ms, or a pinned clock would never
 * let an interval pass.
 */
#include "cron/cron.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/job.h"
#include "core/log.h"
#include "core/util.h"
#include "moderation/moderation.h"
#include "stats/global.h"
#include "stats/trending.h"

#define FOLD_BATCH 500
/* Batches a fold run takes at most, so a backlog is drained over several runs and the
 * other jobs still get their turn. */
#define FOLD_BATCHES 20

static int job_fold(sr_store *s, sr_reads *total, int64_t *items)
{
	int rc = 0, n = FOLD_BATCH;
	for (int b = 0; b < FOLD_BATCHES && n == FOLD_BATCH && !rc; b++) {
		sr_budget bud;
		sr_store_budget_begin(s, &bud);
		rc = sr_store_fold_events(s, FOLD_BATCH, &n);
		sr_store_budget_end(s, &bud, total);
		if (!rc)
			*items += n;
	}
	return rc;
}

static int job_trending(sr_store *s, sr_reads *total, int64_t *items)
{
	sr_trending_stats st;
	int rc = sr_trending_rebuild(s, sr_now_ms(), 0, total, &st);
	if (!rc)
		*items = st.entries;
	return rc;
}

/* Actions one moderation job run takes at most; its batches read twice as many rows. */
#define MOD_JOB_LIMIT 100

static int job_scan_health(sr_store *s, sr_reads *total, int64_t *items)
{
	sr_mod_job_stats st;
	int rc = sr_mod_job_health(s, sr_now_ms(), MOD_JOB_LIMIT, total, &st);
	if (!rc) {
		*items = st.pending;
		if (st.stale)
			sr_log_info("scan queue: %lld skills wait for a scan, %lld of them stale", (long long)st.pending,
				    (long long)st.stale);
	}
	return rc;
}

static int job_scan_requeue(sr_store *s, sr_reads *total, int64_t *items)
{
	sr_mod_job_stats st;
	int rc = sr_mod_job_requeue(s, sr_now_ms(), MOD_JOB_LIMIT, total, &st);
	if (!rc)
		*items = st.acted;
	return rc;
}

static int job_reason_sync(sr_store *s, sr_reads *total, int64_t *items)
{
	sr_mod_job_stats st;
	int rc = sr_mod_job_reason_sync(s, sr_now_ms(), MOD_JOB_LIMIT, total, &st);
	if (!rc)
		*items = st.acted;
	return rc;
}

static int job_recount(sr_store *s, sr_reads *total, int64_t *items)
{
	sr_recount r;
	int rc = sr_public_recount(s, sr_now_ms(), total, &r);
	if (!rc)
		*items = r.counted;
	return rc;
}

static const sr_cron_job jobs[] = {
	{"fold", 2000, job_fold, 1, "folds download and install events into stats", 0},
	{"trending", 3600 * 1000, job_trending, 0, "rebuilds the 7-day trending leaderboard", 0},
	{"scan-health", 5 * 60 * 1000, job_scan_health, 1, "counts skills waiting for a scan (ix_moderation)", 0},
	{"scan-requeue", 5 * 60 * 1000, job_scan_requeue, 1,
	 "queues again pending scans that are not queued or stale (ix_moderation)", 0},
	{"reason-sync", 30 * 60 * 1000, job_reason_sync, 1,
	 "gives scanned skills still marked pending their scanners' reason (ix_moderation)", 0},
	{"recount", 24 * 3600 * 1000, job_recount, 0, "recounts public skills, corrects drift", 0},
	{"blob-gc", 3600 * 1000, sr__cron_blob_gc, 1,
	 "removes expired tickets, and blobs and temporaries nothing references after a grace period", 0},
	{"blob-cache", 10 * 60 * 1000, sr__cron_blob_cache, 1,
	 "bounds this node's cache of the blobs in PostgreSQL (nothing with SQLite)", 1},
};
#define NJOBS ((int)(sizeof(jobs) / sizeof(jobs[0])))
_Static_assert(sizeof(jobs) / sizeof(jobs[0]) <= SR_CRON_MAX, "raise SR_CRON_MAX");

int sr_cron_count(void)
{
	return NJOBS;
}

const sr_cron_job *sr_cron_job_at(int i)
{
	return i >= 0 && i < NJOBS ? &jobs[i] : NULL;
}

int sr_cron_find(const char *name)
{
	for (int i = 0; i < NJOBS; i++)
		if (strcmp(jobs[i].name, name) == 0)
			return i;
	return -1;
}

int sr_cron_run(sr_store *s, int i, char *line, size_t n)
{
	const sr_cron_job *j = sr_cron_job_at(i);
	if (!j)
		return SR_ENOTFOUND;
	sr_reads total;
	sr_reads_init(&total);
	int64_t items = 0, t0 = sr_mono_ns();
	int rc = j->fn(s, &total, &items);
	int64_t dur = sr_mono_ns() - t0;
	snprintf(line, n, "cron %s %s rows=%lld bytes=%lld items=%lld ms=%.1f", j->name,
		 rc ? "failed" : "ok", (long long)total.rows, (long long)total.bytes, (long long)items,
		 (double)dur / 1e6);
	if (rc || items || !j->quiet_idle) {
		sr_job_report(j->name, rc == 0, dur, &total);
		if (rc)
			sr_log_error("%s (%d)", line, rc);
		else
			sr_log_info("%s", line);
	}
	return rc;
}

void sr_cron_init(sr_cron *c, int64_t now_ns)
{
	memset(c, 0, sizeof(*c));
	char host[64];
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "node");
	host[sizeof(host) - 1] = '\0';
	snprintf(c->node, sizeof(c->node), "%s:%ld", host, (long)getpid());
	for (int i = 0; i < NJOBS; i++) {
		c->interval_ms[i] = jobs[i].interval_ms;
		c->due_ns[i] = now_ns + jobs[i].interval_ms * 1000000;
	}
}

int sr_cron_set_interval(sr_cron *c, const char *name, int64_t ms)
{
	int i = sr_cron_find(name);
	if (i < 0)
		return SR_ENOTFOUND;
	if (ms < SR_CRON_MIN_MS || ms > SR_CRON_MAX_MS)
		return SR_EINVAL;
	/* Keeps the start of the current interval: a shorter one can make the job due now. */
	c->due_ns[i] += (ms - c->interval_ms[i]) * 1000000;
	c->interval_ms[i] = ms;
	return 0;
}

int sr_cron_set_spec(sr_cron *c, const char *spec)
{
	const char *eq = strchr(spec, '=');
	char name[32];
	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(name))
		return SR_EINVAL;
	memcpy(name, spec, (size_t)(eq - spec));
	name[eq - spec] = '\0';
	char *end;
	long long ms = strtoll(eq + 1, &end, 10);
	if (end == eq + 1 || *end)
		return SR_EINVAL;
	return sr_cron_set_interval(c, name, ms);
}

/* Milliseconds since the epoch from the real clock, which sr_clock_set does not pin. */
static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sr_cron_tick(sr_cron *c, sr_store *s, int64_t now_ns)
{
	for (int i = 0; i < NJOBS; i++) {
		if (now_ns < c->due_ns[i])
			continue;
		int won = jobs[i].per_node, rc = 0;
		if (!won)
			rc = sr_store_job_claim(s, jobs[i].name, c->node, wall_ms(), c->interval_ms[i], &won);
		if (rc) {
			sr_log_error("cron %s: cannot claim the run (%d)", jobs[i].name, rc);
		} else if (won) {
			char line[256];
			sr_cron_run(s, i, line, sizeof(line));
		}
		c->due_ns[i] = sr_mono_ns() + c->interval_ms[i] * 1000000;
	}
}
