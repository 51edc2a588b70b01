/*
 * trending.h - the trending leaderboard (data-model section 3.3, DESIGN.md section 6).
 *
 * Score = installs summed over the last 7 UTC day buckets (today's, partial, and the six
 * before it); ties by downloads summed over the same days, then by skill id; the top 200
 * browse-eligible skills. A rebuild reads skill_daily_stats one day at a time through
 * ix_daily_day, in pages that each have a read budget of their own, and sums them in memory,
 * so its cost is bounded by the rows of one day page, not by the window or the catalogue.
 */
#ifndef SR_TRENDING_H
#define SR_TRENDING_H

#include <stdint.h>

#include "store/store.h"

#define SR_TRENDING_DAYS 7
#define SR_TRENDING_TOP 200
#define SR_TRENDING_KEEP 3          /* snapshots kept; older ones are deleted by each rebuild */
#define SR_TRENDING_PAGE 1000       /* daily rows per read (one budget each) */
#define SR_TRENDING_MAX_SKILLS 2000000 /* distinct skills with stats in one window */

typedef struct sr_trending_stats {
	int64_t snapshot_id;
	int entries;        /* skills on the leaderboard */
	int64_t daily_rows; /* skill_daily_stats rows read */
} sr_trending_stats;

/* Computes the leaderboard as of now_ms (UTC milliseconds) and writes it as a new snapshot.
 * The reads are added to total (may be NULL); the store's read context is the caller's again
 * on return. With only_if_none, a snapshot written meanwhile by someone else is kept instead. */
int sr_trending_rebuild(sr_store *s, int64_t now_ms, int only_if_none, sr_reads *total,
			sr_trending_stats *st);

/* The newest snapshot. When there is none yet (cold start), computes it once now with
 * sr_trending_rebuild (its reads added to total) and *built is set. */
int sr_trending_current(sr_store *s, sr_reads *total, sr_trending_snapshot *out, int *built);

/* The newest snapshot, for a page or an API answer. A cold start builds it as
 * sr_trending_current does, on a read total of its own; when that build ran (or failed after
 * reading something), it is reported as a run of the "trending" job
 * (core/job.h). The API and the web pages share this read. */
int sr_trending_newest(sr_store *s, sr_trending_snapshot *out);

/* Reads a snapshot's browse-eligible entries after rank `after` in rank order and calls fn for
 * up to want of them (a skill hidden since the snapshot was taken is skipped, and the range
 * is read on past it in chunks of SR_TRENDING_OVERFETCH so the page stays full; a snapshot
 * holds at most SR_TRENDING_TOP entries, so that is bounded too). With probe, one entry more
 * is read to learn whether another page follows (*more). *shown gets the entries passed to
 * fn and *last_rank the rank of the last one. fn returning non-zero fails the walk. */
#define SR_TRENDING_OVERFETCH 16
typedef int (*sr_trending_item_fn)(void *ud, const sr_skill_row *row, int rank, int64_t installs,
				   int64_t downloads);
int sr_trending_walk(sr_store *s, int64_t snapshot_id, int after, int want, int probe,
		     sr_trending_item_fn fn, void *ud, int *shown, int *last_rank, int *more);

#endif
