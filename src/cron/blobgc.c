/*
 * blobgc.c - the blob collector, the `blob-gc` job of the cron table (issue 16).
 *
 * Blobs are written before the database transaction that references them, so a publish
 * that fails, an upload whose ticket is never published, or a process killed mid-publish
 * leaves bytes nothing names, and a crash during a write leaves a ".tmp-" file. Nothing
 * else ever deletes them; this job does. A run:
 *
 *   1. deletes expired upload tickets, oldest first, in batches (ix_tickets_expires), so the
 *      ticket table stops growing and an expired ticket no longer protects its bytes;
 *   2. walks the blob store one fan-out directory at a time (256 of them) and, for every
 *      file older than the grace period, asks the database whether a version's file, a
 *      version's download archive or a live ticket names it (three index lookups, in
 *      batches of GC_BATCH files, each batch under a read budget of its own, its reads
 *      counted in the job's total); an unnamed blob, and any old ".tmp-" file, is removed
 *      (a ".tmp-" file at least a minute old whatever the grace: SR_BLOB_TMP_MIN_AGE_MS).
 *
 * Against a publish racing the collector: a publish records the blobs it is about to store
 * or reuse in the database (blob holds, store.h) before it puts any byte, and releases them
 * once its transaction has committed (the version names them then) or failed; a hold counts
 * as a reference until it expires (an hour: a hold left by a process killed mid-publish goes
 * then). Ticketed uploads are named by their live ticket until the publish that uses them
 * commits (which refuses an expired ticket). The removal itself asks again once no put can
 * refresh the blob any more (sr_blob_remove_unnamed: the file is moved aside first, so a put
 * that comes later writes the bytes again, and one that came earlier left a hold or a fresh
 * age), so no interleaving of a put and the collector loses bytes a publish commits. Several
 * nodes sharing one blob store are safe in the same way, provided their clocks agree to
 * well within the hold's hour.
 *
 * With PostgreSQL (blob.h: the bytes are the table `blobs`, the directory is this node's
 * cache) step 2 walks the table instead: the rows last touched before the grace period, in
 * keyset pages of GC_BATCH by age (ix_blobs_touched, index only), the same three lookups per
 * row, and one DELETE per page of the unnamed rows that are still old, the age checked by the
 * statement that deletes, so a put that makes a blob young between the lookups and the delete
 * keeps it (which closes the window the file store has). This node's cached copies of the
 * deleted rows go with them, and then the node's cache is swept as the blob-cache job does
 * (blobcache.c: temporaries, files without a row, the cache's bound); other nodes' copies go
 * with their own blob-cache runs.
 *
 * A full pass also measures the store (files and bytes kept; with PostgreSQL the rows of the
 * table), which /metrics shows with the collector's counters (sr_blob_gc_metrics).
 */
#include "cron/cron.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "blob/blob.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"

#define GC_BATCH 256
#define TICKET_BATCH 1000
#define TICKET_BATCHES 100

static sr_blobs *gc_blobs;
static int64_t gc_grace_ms = SR_BLOB_GC_GRACE_MS;

/* The last full pass's measure and the counters since the process started. */
static _Atomic int64_t g_passes, g_files, g_bytes, g_removed, g_removed_bytes, g_tmp_removed;

void sr_cron_set_blobs(sr_blobs *b)
{
	gc_blobs = b;
}

int sr_cron_set_blob_grace(int64_t ms)
{
	if (ms < 0)
		return SR_EINVAL;
	gc_grace_ms = ms;
	return 0;
}

int sr__blob_listing_add(void *ud, const sr_blob_entry *e)
{
	sr__blob_listing *l = ud;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 256;
		sr_blob_entry *nv = realloc(l->v, ncap * sizeof(*nv));
		if (!nv)
			return SR_ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = *e;
	return 0;
}

struct pass {
	int64_t now, cutoff, tmp_cutoff;
	int64_t files, bytes;   /* kept */
	int64_t removed, removed_bytes, tmp_removed;
};

static void removed(struct pass *p, const sr_blob_entry *e, int64_t bytes)
{
	p->removed++;
	p->removed_bytes += bytes;
	if (!e->sha[0])
		p->tmp_removed++;
}

/* Asked again by the blob store once a blob can no longer be refreshed (sr_blob_remove_unnamed):
 * is it named now? Under a read budget of its own, counted in the job's total. */
struct named_ctx {
	sr_store *s;
	int64_t now;
	sr_reads *total;
};

static int still_named(void *ud, const char *sha, int *named)
{
	struct named_ctx *c = ud;
	sr_budget bud;
	sr_store_budget_begin(c->s, &bud);
	int rc = sr_store_blob_referenced(c->s, sha, c->now, named);
	sr_store_budget_end(c->s, &bud, c->total);
	return rc;
}

/* One batch of old blobs: each one's references, then the unnamed ones removed. */
static int collect_batch(sr_store *s, int dir, sr_blob_entry *v, size_t n, struct pass *p, sr_reads *total)
{
	int refd[GC_BATCH];
	sr_budget bud;
	sr_store_budget_begin(s, &bud);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = sr_store_blob_referenced(s, v[i].sha, p->now, &refd[i]);
	sr_store_budget_end(s, &bud, total);
	struct named_ctx nc = {s, p->now, total};
	for (size_t i = 0; i < n && !rc; i++) {
		int64_t bytes = 0;
		int r = refd[i] ? 0 : sr_blob_remove_unnamed(gc_blobs, dir, &v[i], p->cutoff, still_named, &nc, &bytes);
		if (r < 0)
			rc = r;
		else if (r == 1)
			removed(p, &v[i], bytes);
		else {
			p->files++;
			p->bytes += v[i].size;
		}
	}
	return rc;
}

static int collect_dir(sr_store *s, int dir, struct pass *p, sr_reads *total)
{
	sr__blob_listing l = {0};
	sr_blob_entry *batch = malloc(GC_BATCH * sizeof(*batch));
	if (!batch)
		return SR_ENOMEM;
	int rc = sr_blob_list(gc_blobs, dir, sr__blob_listing_add, &l);
	/* Young files and old temporaries are settled here without the database; old blobs go
	 * to the database in batches. */
	size_t nb = 0;
	for (size_t i = 0; i < l.n && !rc; i++) {
		sr_blob_entry *e = &l.v[i];
		if (e->mtime_ms >= p->cutoff) {
			p->files++;
			p->bytes += e->size;
			continue;
		}
		if (!e->sha[0]) {
			int64_t bytes = 0;
			int r = 0;
			if (e->mtime_ms < p->tmp_cutoff)
				r = sr_blob_remove_old(gc_blobs, dir, e, p->tmp_cutoff, &bytes);
			if (r < 0)
				rc = r;
			else if (r == 1)
				removed(p, e, bytes);
			else {
				p->files++;
				p->bytes += e->size;
			}
			continue;
		}
		batch[nb++] = *e;
		if (nb == GC_BATCH) {
			rc = collect_batch(s, dir, batch, nb, p, total);
			nb = 0;
		}
	}
	if (!rc && nb)
		rc = collect_batch(s, dir, batch, nb, p, total);
	free(batch);
	free(l.v);
	return rc;
}

/* One page of the table's old rows: each one's references, then the unnamed ones deleted. */
static int collect_rows(sr_store *s, sr_blob_row *v, int n, struct pass *p, sr_reads *total)
{
	int refd[GC_BATCH], deleted[GC_BATCH];
	sr_blob_row gone[GC_BATCH];
	sr_budget bud;
	sr_store_budget_begin(s, &bud);
	int rc = 0;
	for (int i = 0; i < n && !rc; i++)
		rc = sr_store_blob_referenced(s, v[i].sha, p->now, &refd[i]);
	sr_store_budget_end(s, &bud, total);
	int ngone = 0;
	for (int i = 0; i < n && !rc; i++) {
		if (refd[i]) {
			p->files++;
			p->bytes += v[i].size;
		} else
			gone[ngone++] = v[i];
	}
	if (!rc)
		rc = sr_blob_rows_remove_old(gc_blobs, gone, ngone, p->cutoff, deleted);
	for (int i = 0; i < ngone && !rc; i++) {
		if (deleted[i]) {
			p->removed++;
			p->removed_bytes += gone[i].size;
		} else {
			p->files++;
			p->bytes += gone[i].size;
		}
	}
	return rc;
}

/* Step 2 with PostgreSQL: the table by age, then this node's cache. */
static int collect_table(sr_store *s, struct pass *p, sr_reads *total)
{
	sr_blob_row *v = malloc(GC_BATCH * sizeof(*v)), after;
	if (!v)
		return SR_ENOMEM;
	int rc, got, have_after = 0;
	do {
		rc = sr_blob_rows_old(gc_blobs, p->cutoff, have_after ? &after : NULL, v, GC_BATCH, &got);
		total->rows += got;
		if (rc || !got)
			break;
		after = v[got - 1];
		have_after = 1;
		rc = collect_rows(s, v, got, p, total);
	} while (!rc && got == GC_BATCH);
	free(v);
	int64_t young_files = 0, young_bytes = 0;
	if (!rc && !(rc = sr_blob_rows_young(gc_blobs, p->cutoff, &young_files, &young_bytes))) {
		total->rows++;
		p->files += young_files;
		p->bytes += young_bytes;
	}
	sr__blob_cache_pass c;
	if (!rc && !(rc = sr__blob_cache_sweep(gc_blobs, p->now, gc_grace_ms, &c))) {
		p->removed += c.tmp_removed;
		p->removed_bytes += c.tmp_bytes;
		p->tmp_removed += c.tmp_removed;
	}
	return rc;
}

/* Expired tickets, then expired blob holds (left by a process that died mid-publish), in
 * bounded batches each. */
static int expire_tickets(sr_store *s, int64_t now, sr_reads *total, int64_t *items)
{
	int rc = 0;
	for (int kind = 0; kind < 2 && !rc; kind++) {
		int64_t n = TICKET_BATCH;
		for (int b = 0; b < TICKET_BATCHES && n == TICKET_BATCH && !rc; b++) {
			sr_budget bud;
			sr_store_budget_begin(s, &bud);
			rc = kind ? sr_store_blob_holds_expire(s, now, TICKET_BATCH, &n)
				  : sr_store_tickets_expire(s, now, TICKET_BATCH, &n);
			sr_store_budget_end(s, &bud, total);
			if (!rc && !kind)
				*items += n;
		}
	}
	return rc;
}

int sr__cron_blob_gc(sr_store *s, sr_reads *total, int64_t *items)
{
	if (!gc_blobs)
		return SR_EINVAL;
	struct pass p = {0};
	p.now = sr_now_ms();
	p.cutoff = p.now - gc_grace_ms;
	p.tmp_cutoff = p.now - (gc_grace_ms > SR_BLOB_TMP_MIN_AGE_MS ? gc_grace_ms : SR_BLOB_TMP_MIN_AGE_MS);
	int64_t tickets = 0;
	int rc = expire_tickets(s, p.now, total, &tickets);
	if (sr_blobs_in_db(gc_blobs)) {
		if (!rc)
			rc = collect_table(s, &p, total);
	} else {
		for (int dir = 0; dir < 256 && !rc; dir++)
			rc = collect_dir(s, dir, &p, total);
	}
	atomic_fetch_add(&g_removed, p.removed);
	atomic_fetch_add(&g_removed_bytes, p.removed_bytes);
	atomic_fetch_add(&g_tmp_removed, p.tmp_removed);
	if (!rc) {
		atomic_store(&g_files, p.files);
		atomic_store(&g_bytes, p.bytes);
		atomic_fetch_add(&g_passes, 1);
	}
	*items = p.removed;
	if (p.removed || tickets)
		sr_log_info("blob-gc: removed %lld files (%lld bytes, %lld temporary), %lld expired tickets; kept %lld "
			    "files (%lld bytes)",
			    (long long)p.removed, (long long)p.removed_bytes, (long long)p.tmp_removed, (long long)tickets,
			    (long long)p.files, (long long)p.bytes);
	return rc;
}

int sr__cron_blob_cache(sr_store *s, sr_reads *total, int64_t *items)
{
	if (!gc_blobs)
		return SR_EINVAL;
	sr__blob_cache_pass c;
	int rc = sr__blob_cache_sweep(gc_blobs, sr_now_ms(), gc_grace_ms, &c);
	/* Temporaries are the collector's to count, whichever job removed them. */
	atomic_fetch_add(&g_removed, c.tmp_removed);
	atomic_fetch_add(&g_removed_bytes, c.tmp_bytes);
	atomic_fetch_add(&g_tmp_removed, c.tmp_removed);
	*items = c.gone_removed + c.aged_removed + c.bound_removed + c.tmp_removed;
	return rc;
}

void sr_blob_gc_metrics(sr_buf *out)
{
	sr__blob_cache_metrics(out, gc_blobs);
	if (gc_blobs) {
		int64_t stored, stored_bytes, reused, mbytes, mhits, mmisses;
		sr_blobs_put_counts(gc_blobs, &stored, &stored_bytes, &reused);
		sr_blobs_memo_counts(gc_blobs, &mbytes, &mhits, &mmisses);
		sr_buf_printf(out,
			      "# HELP skillreg_blob_memory_bytes Bytes of small blobs (SKILL.md texts) held in memory.\n"
			      "# TYPE skillreg_blob_memory_bytes gauge\nskillreg_blob_memory_bytes %lld\n"
			      "# HELP skillreg_blob_memory_hits_total Blob reads answered from memory.\n"
			      "# TYPE skillreg_blob_memory_hits_total counter\nskillreg_blob_memory_hits_total %lld\n"
			      "# HELP skillreg_blob_memory_misses_total Blob reads that went to the file.\n"
			      "# TYPE skillreg_blob_memory_misses_total counter\nskillreg_blob_memory_misses_total %lld\n",
			      (long long)mbytes, (long long)mhits, (long long)mmisses);
		sr_buf_printf(out,
			      "# HELP skillreg_blob_stored_total Blobs this process stored new (publishes, uploads).\n"
			      "# TYPE skillreg_blob_stored_total counter\nskillreg_blob_stored_total %lld\n"
			      "# HELP skillreg_blob_stored_bytes_total Bytes of the blobs this process stored new.\n"
			      "# TYPE skillreg_blob_stored_bytes_total counter\nskillreg_blob_stored_bytes_total %lld\n"
			      "# HELP skillreg_blob_reused_total Puts of bytes the store already had (only made young "
			      "again).\n"
			      "# TYPE skillreg_blob_reused_total counter\nskillreg_blob_reused_total %lld\n",
			      (long long)stored, (long long)stored_bytes, (long long)reused);
	}
	if (!atomic_load(&g_passes) && !atomic_load(&g_removed))
		return;
	sr_buf_printf(out,
		      "# HELP skillreg_blob_files Files in the blob store after the last blob-gc pass.\n"
		      "# TYPE skillreg_blob_files gauge\nskillreg_blob_files %lld\n"
		      "# HELP skillreg_blob_bytes Bytes in the blob store after the last blob-gc pass.\n"
		      "# TYPE skillreg_blob_bytes gauge\nskillreg_blob_bytes %lld\n"
		      "# HELP skillreg_blob_gc_removed_total Files the collector removed (unreferenced blobs and "
		      "temporaries).\n"
		      "# TYPE skillreg_blob_gc_removed_total counter\nskillreg_blob_gc_removed_total %lld\n"
		      "# HELP skillreg_blob_gc_removed_bytes_total Bytes the collector removed.\n"
		      "# TYPE skillreg_blob_gc_removed_bytes_total counter\nskillreg_blob_gc_removed_bytes_total %lld\n"
		      "# HELP skillreg_blob_gc_tmp_removed_total Temporary files left by interrupted writes, "
		      "removed.\n"
		      "# TYPE skillreg_blob_gc_tmp_removed_total counter\nskillreg_blob_gc_tmp_removed_total %lld\n",
		      (long long)atomic_load(&g_files), (long long)atomic_load(&g_bytes),
		      (long long)atomic_load(&g_removed), (long long)atomic_load(&g_removed_bytes),
		      (long long)atomic_load(&g_tmp_removed));
}
