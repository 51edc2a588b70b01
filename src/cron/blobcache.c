/*
 * blobcache.c - the bound on a node's blob cache, the `blob-cache` job of the cron table.
 *
 * With PostgreSQL the bytes of every blob are in the database and each node keeps the blobs it
 * stored or served as files, in the blob store's directory (blob.h). Blobs never change, so a
 * cached file is never stale; it is only ever too many bytes, or bytes the collector deleted
 * from the table. A sweep walks the cache one fan-out directory at a time and removes
 *
 *   1. temporary files older than the collector's grace period (a write a crash interrupted);
 *   2. files whose blob has no row any more (one primary-key lookup per batch of 256 files):
 *      the collector deleted it, on this node (which removed its own copy already) or another;
 *   3. files not used for the cache's age bound (7 days by default; an open moves a file's
 *      time forward when it is more than an hour old, so the time is the last use);
 *   4. when what is left is still above the size bound (2 GiB by default), the files least
 *      recently used, oldest first, until it fits: the first pass also counts the bytes kept
 *      by age in 1,024 slices of the age bound, which gives the age from which everything
 *      goes, and a second pass removes those. Files used within the youngest slice (about ten
 *      minutes) stay even then, so a bound smaller than one slice's traffic cannot empty the
 *      cache under the downloads it serves.
 *
 * A file removed while a download sends it is not disturbed (the sender holds it open), and a
 * file removed that is asked for again is fetched again. The job runs on every node, each on
 * its own cache; blob-gc runs a sweep too on the node that runs it. With SQLite the files are
 * the store itself and the sweep does nothing.
 */
#include "cron/cron.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "blob/blob.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"

#define SWEEP_BATCH 256
#define AGE_SLICES 1024

static _Atomic int64_t g_sweeps, g_files, g_bytes, g_removed, g_removed_bytes;

struct sweep {
	sr_blobs *b;
	int64_t now, tmp_cutoff, age_cutoff, slice_ms;
	int64_t hist[AGE_SLICES]; /* bytes kept by time since last use */
	sr__blob_cache_pass *out;
};

static void gone(struct sweep *w, int dir, const sr_blob_entry *e, int64_t cutoff, int64_t *count)
{
	int64_t bytes = 0;
	if (sr_blob_remove_old(w->b, dir, e, cutoff, &bytes) == 1) {
		(*count)++;
		w->out->removed_bytes += bytes;
	} else {
		w->out->files++;
		w->out->bytes += e->size;
	}
}

/* One batch of cached blobs: those without a row go, then those unused for the age bound;
 * the rest are counted. */
static int sweep_batch(struct sweep *w, int dir, const sr_blob_entry *v, int n)
{
	char shas[SWEEP_BATCH][65];
	int present[SWEEP_BATCH];
	for (int i = 0; i < n; i++)
		memcpy(shas[i], v[i].sha, 65);
	int rc = sr_blob_rows_present(w->b, (const char(*)[65])shas, n, present);
	for (int i = 0; i < n && !rc; i++) {
		if (!present[i])
			gone(w, dir, &v[i], INT64_MAX, &w->out->gone_removed);
		else if (v[i].mtime_ms < w->age_cutoff)
			gone(w, dir, &v[i], w->age_cutoff, &w->out->aged_removed);
		else {
			w->out->files++;
			w->out->bytes += v[i].size;
			int64_t slice = (w->now - v[i].mtime_ms) / w->slice_ms;
			w->hist[slice < 0 ? 0 : slice >= AGE_SLICES ? AGE_SLICES - 1 : slice] += v[i].size;
		}
	}
	return rc;
}

static int sweep_dir(struct sweep *w, int dir)
{
	sr__blob_listing l = {0};
	int rc = sr_blob_list(w->b, dir, sr__blob_listing_add, &l);
	size_t first = 0;
	int nb = 0;
	for (size_t i = 0; i < l.n && !rc; i++) {
		sr_blob_entry *e = &l.v[i];
		if (!e->sha[0]) {
			int64_t bytes = 0;
			int r = e->mtime_ms < w->tmp_cutoff ? sr_blob_remove_old(w->b, dir, e, w->tmp_cutoff, &bytes) : 0;
			if (r == 1) {
				w->out->tmp_removed++;
				w->out->tmp_bytes += bytes;
			}
			rc = r < 0 ? r : 0;
			continue;
		}
		/* Blobs are moved to the front of the listing, so a batch is a contiguous run. */
		l.v[first + (size_t)nb++] = *e;
		if (nb == SWEEP_BATCH) {
			rc = sweep_batch(w, dir, &l.v[first], nb);
			first += (size_t)nb;
			nb = 0;
		}
	}
	if (!rc && nb)
		rc = sweep_batch(w, dir, &l.v[first], nb);
	free(l.v);
	return rc;
}

/* The second pass when the cache is over its size bound: every file last used before cutoff. */
static int trim_dir(struct sweep *w, int dir, int64_t cutoff)
{
	sr__blob_listing l = {0};
	int rc = sr_blob_list(w->b, dir, sr__blob_listing_add, &l);
	for (size_t i = 0; i < l.n && !rc; i++) {
		int64_t bytes = 0;
		if (!l.v[i].sha[0] || l.v[i].mtime_ms >= cutoff)
			continue;
		int r = sr_blob_remove_old(w->b, dir, &l.v[i], cutoff, &bytes);
		if (r == 1) {
			w->out->bound_removed++;
			w->out->removed_bytes += bytes;
			w->out->files--;
			w->out->bytes -= bytes;
		}
		rc = r < 0 ? r : 0;
	}
	free(l.v);
	return rc;
}

int sr__blob_cache_sweep(sr_blobs *b, int64_t now, int64_t grace_ms, sr__blob_cache_pass *out)
{
	memset(out, 0, sizeof(*out));
	if (!sr_blobs_in_db(b))
		return 0;
	struct sweep *w = calloc(1, sizeof(*w));
	if (!w)
		return SR_ENOMEM;
	int64_t max_bytes, max_age;
	sr_blobs_cache_bound(b, &max_bytes, &max_age);
	w->b = b;
	w->now = now;
	w->tmp_cutoff = now - (grace_ms > SR_BLOB_TMP_MIN_AGE_MS ? grace_ms : SR_BLOB_TMP_MIN_AGE_MS);
	w->age_cutoff = now - max_age;
	w->slice_ms = max_age / AGE_SLICES > 0 ? max_age / AGE_SLICES : 1;
	w->out = out;
	int rc = 0;
	for (int dir = 0; dir < 256 && !rc; dir++)
		rc = sweep_dir(w, dir);
	if (!rc && out->bytes > max_bytes) {
		/* The youngest slices that fit stay; from the first that does not, everything goes. */
		int64_t kept = 0;
		int k = 1;
		for (kept = w->hist[0]; k < AGE_SLICES && kept + w->hist[k] <= max_bytes; k++)
			kept += w->hist[k];
		int64_t cutoff = now - (int64_t)k * w->slice_ms + 1;
		for (int dir = 0; dir < 256 && !rc; dir++)
			rc = trim_dir(w, dir, cutoff);
	}
	free(w);
	int64_t removed = out->gone_removed + out->aged_removed + out->bound_removed;
	atomic_fetch_add(&g_removed, removed);
	atomic_fetch_add(&g_removed_bytes, out->removed_bytes);
	if (!rc) {
		atomic_store(&g_files, out->files);
		atomic_store(&g_bytes, out->bytes);
		atomic_fetch_add(&g_sweeps, 1);
	}
	if (removed || out->tmp_removed)
		sr_log_info("blob-cache: removed %lld files (%lld bytes: %lld without a row, %lld unused, %lld past the "
			    "size bound) and %lld temporary; kept %lld files (%lld bytes)",
			    (long long)removed, (long long)out->removed_bytes, (long long)out->gone_removed,
			    (long long)out->aged_removed, (long long)out->bound_removed, (long long)out->tmp_removed,
			    (long long)out->files, (long long)out->bytes);
	return rc;
}

void sr__blob_cache_metrics(sr_buf *out, sr_blobs *b)
{
	if (b && sr_blobs_in_db(b))
		sr_buf_printf(out,
			      "# HELP skillreg_blob_cache_fills_total Blobs fetched from the database into this node's "
			      "cache.\n"
			      "# TYPE skillreg_blob_cache_fills_total counter\nskillreg_blob_cache_fills_total %lld\n",
			      (long long)sr_blobs_fills(b));
	if (!atomic_load(&g_sweeps) && !atomic_load(&g_removed))
		return;
	sr_buf_printf(out,
		      "# HELP skillreg_blob_cache_files Files in this node's blob cache after the last sweep.\n"
		      "# TYPE skillreg_blob_cache_files gauge\nskillreg_blob_cache_files %lld\n"
		      "# HELP skillreg_blob_cache_bytes Bytes in this node's blob cache after the last sweep.\n"
		      "# TYPE skillreg_blob_cache_bytes gauge\nskillreg_blob_cache_bytes %lld\n"
		      "# HELP skillreg_blob_cache_removed_total Cached blob files removed (row gone, unused, over the "
		      "bound).\n"
		      "# TYPE skillreg_blob_cache_removed_total counter\nskillreg_blob_cache_removed_total %lld\n"
		      "# HELP skillreg_blob_cache_removed_bytes_total Bytes of cached blob files removed.\n"
		      "# TYPE skillreg_blob_cache_removed_bytes_total counter\nskillreg_blob_cache_removed_bytes_total "
		      "%lld\n",
		      (long long)atomic_load(&g_files), (long long)atomic_load(&g_bytes),
		      (long long)atomic_load(&g_removed), (long long)atomic_load(&g_removed_bytes));
}
