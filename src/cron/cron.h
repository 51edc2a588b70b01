/*
 * cron.h - the jobs `serve` runs on a schedule, and the scheduler that runs them.
 *
 * A job is a name, a default interval and a function run with the store of the thread that
 * runs it (serve's main thread). Each run is reported with sr_job_report (core/job.h), which
 * serve points at /metrics, and logged on one line: name, ok or failed, rows and bytes read,
 * items done, milliseconds.
 * `skillreg cron run NAME` runs one job once from the command line with the same line.
 *
 * Several nodes may share one database. Before a scheduled run a node claims the job for the
 * interval with one conditional write, and only the winner runs it; a node that dies mid-run
 * leaves the next interval's claim to the others, and every job resumes from what it
 * committed (the fold claims its events, backfills and batches keep their cursors).
 *
 * Jobs read in batches with a read budget each (store.h, sr_store_budget_begin), so a job is never
 * stopped by the per-request limits however much it reads in total.
 */
#ifndef SR_CRON_H
#define SR_CRON_H

#include <stddef.h>
#include <stdint.h>

#include "blob/blob.h"
#include "core/buf.h"
#include "store/store.h"

/* Runs once; *items is what it did (events folded, leaderboard entries). */
typedef int (*sr_cron_fn)(sr_store *s, sr_reads *total, int64_t *items);

typedef struct sr_cron_job {
	const char *name;
	int64_t interval_ms; /* default */
	sr_cron_fn fn;
	int quiet_idle; /* a run that did nothing is neither logged nor accounted (the fold) */
	const char *what;
	int per_node; /* runs on every node at its interval, unclaimed (a node's own cache) */
} sr_cron_job;

#define SR_CRON_MAX 16
#define SR_CRON_MIN_MS 10
#define SR_CRON_MAX_MS (7LL * 24 * 3600 * 1000)

int sr_cron_count(void);
const sr_cron_job *sr_cron_job_at(int i);
/* The index of the job called name, or -1. */
int sr_cron_find(const char *name);

/* Runs job i once and writes its line into line (always, even for an idle run). Returns the
 * job's result code. */
int sr_cron_run(sr_store *s, int i, char *line, size_t n);

/* The schedule: each job's interval and when it is next due (monotonic nanoseconds), and
 * the name this node claims runs under (host:pid). */
typedef struct sr_cron {
	int64_t interval_ms[SR_CRON_MAX];
	int64_t due_ns[SR_CRON_MAX];
	char node[96];
} sr_cron;

/* Every job at its default interval, first due one interval from now_ns. */
void sr_cron_init(sr_cron *c, int64_t now_ns);
/* Sets a job's interval: SR_ENOTFOUND for an unknown name, SR_EINVAL outside
 * SR_CRON_MIN_MS..SR_CRON_MAX_MS. */
int sr_cron_set_interval(sr_cron *c, const char *name, int64_t ms);
/* Parses NAME=MS (the --cron option) and sets it. */
int sr_cron_set_spec(sr_cron *c, const char *spec);
/* Runs the jobs that are due at now_ns, in table order, and schedules their next run one
 * interval after this one ends. A due job runs only when this node wins its claim for the
 * interval (sr_store_job_claim), so on any number of nodes sharing one database each job
 * runs once per interval; sr_cron_run (`skillreg cron run`, the last fold at shutdown)
 * claims nothing. */
void sr_cron_tick(sr_cron *c, sr_store *s, int64_t now_ns);

/* ---- the blob collector (blobgc.c) ---- */

/* How old an unreferenced blob or a temporary file must be before blob-gc removes it. */
#define SR_BLOB_GC_GRACE_MS (3600LL * 1000)
/* A temporary file is a write in progress until it is this old, whatever the grace period: a
 * shorter grace (a test's 0) must not take the file from under a put that is still writing
 * it (the put would then fail). A write of the largest blob takes well under a second. */
#define SR_BLOB_TMP_MIN_AGE_MS (60LL * 1000)

/* The blob store blob-gc collects; until it is set the job fails with SR_EINVAL. */
void sr_cron_set_blobs(sr_blobs *b);
/* Sets the grace period (SR_EINVAL below 0). */
int sr_cron_set_blob_grace(int64_t ms);
/* The job itself (its entry in the table). */
int sr__cron_blob_gc(sr_store *s, sr_reads *total, int64_t *items);
/* The blob-cache job (blobcache.c): bounds this node's cache of a PostgreSQL blob store. */
int sr__cron_blob_cache(sr_store *s, sr_reads *total, int64_t *items);
/* Appends the collector's gauges and counters to /metrics (nothing before its first run), and
 * the cache's after its first sweep. */
void sr_blob_gc_metrics(sr_buf *out);

/* The files of one fan-out directory, collected by sr_blob_list (both collectors walk them):
 * pass sr__blob_listing_add as its callback, free v when done. */
typedef struct sr__blob_listing {
	sr_blob_entry *v;
	size_t n, cap;
} sr__blob_listing;
int sr__blob_listing_add(void *ud, const sr_blob_entry *e);

/* What one sweep of the cache did (blobcache.c). */
typedef struct sr__blob_cache_pass {
	int64_t files, bytes;                             /* kept */
	int64_t gone_removed, aged_removed, bound_removed; /* cached blobs removed, by reason */
	int64_t removed_bytes;
	int64_t tmp_removed, tmp_bytes;                   /* temporaries older than the grace period */
} sr__blob_cache_pass;
/* Sweeps the cache of a store opened with sr_blobs_open_db (blobcache.c); nothing otherwise. */
int sr__blob_cache_sweep(sr_blobs *b, int64_t now, int64_t grace_ms, sr__blob_cache_pass *out);
void sr__blob_cache_metrics(sr_buf *out, sr_blobs *b);

#endif
