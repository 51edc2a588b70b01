/*
 * blob.h - content-addressed file bytes, on the file system or in PostgreSQL.
 *
 * A blob is stored once under its SHA-256, however many versions reference it. With SQLite
 * the bytes are files (DIR/ab/abcdef...). Writes go to a temporary file that is renamed into
 * place, so a reader never sees half a blob and two writers of the same bytes cannot corrupt
 * each other.
 *
 * With PostgreSQL (sr_blobs_open_db) the bytes' truth is the table `blobs`
 * (sql/postgres/0002_blobs.sql), which every node reads, so a version published through one
 * node downloads through any other at once. The directory becomes this node's cache of the
 * blobs it served or stored, in the same layout: a blob never changes, so a cached file never
 * goes stale, and a download is still a file send. A put stores the row, then the file; an
 * open of a blob not cached fetches its row, checks its SHA-256, writes the file and opens it.
 * The cache is bounded by the blob-cache job (src/cron/blobcache.c). The handle is shared by
 * every thread of the process.
 */
#ifndef SR_BLOB_H
#define SR_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

typedef struct sr_blobs sr_blobs;

/* The file-system store in dir (created when missing). */
int sr_blobs_open(const char *dir, sr_blobs **out);
/* The PostgreSQL store at url (postgres://...), cached in cache_dir. Connects on first use. */
int sr_blobs_open_db(const char *cache_dir, const char *url, sr_blobs **out);
/* The store that goes with a database target: sr_blobs_open_db when target is a PostgreSQL
 * URL (postgres:// or postgresql://), else sr_blobs_open(dir). */
int sr_blobs_open_for(const char *dir, const char *target, sr_blobs **out);
void sr_blobs_close(sr_blobs *b);
/* 1 when the bytes live in a database table and the directory is a cache. */
int sr_blobs_in_db(const sr_blobs *b);
/* How many times this process fetched a blob from the table into its cache. */
int64_t sr_blobs_fills(sr_blobs *b);
/* What this process's puts did since it started: blobs stored new (and their bytes), and puts
 * of bytes the store already had (only made young again). */
void sr_blobs_put_counts(sr_blobs *b, int64_t *stored, int64_t *stored_bytes, int64_t *reused);
/* sr_blob_read_cached keeps blobs of at most SR_BLOB_MEMO_ITEM_MAX bytes in memory (SKILL.md
 * texts the detail embeds), SR_BLOB_MEMO_BYTES in all (when full, a blob is kept only in place
 * of the one in its slot); content-addressed, never stale. Its bytes held, and the reads it
 * answered and did not. */
#define SR_BLOB_MEMO_ITEM_MAX (64 * 1024)
#define SR_BLOB_MEMO_BYTES ((int64_t)16 << 20)
void sr_blobs_memo_counts(sr_blobs *b, int64_t *bytes, int64_t *hits, int64_t *misses);
/* Stores bytes whose SHA-256 is sha (64 lowercase hex). When the blob is already present it
 * is only made young again (its modification time set to now; with a database its row's
 * touched_at), so the collector's grace period protects it from a publish that is about to
 * reference it. */
int sr_blob_put(sr_blobs *b, const char *sha, const void *data, size_t len);
/* Appends the blob's bytes to out. SR_ENOTFOUND when missing, SR_ETOOBIG past out's ceiling. */
int sr_blob_read(sr_blobs *b, const char *sha, sr_buf *out);
/* sr_blob_read through the memory of small blobs (below): for the routes that serve a
 * referenced blob again and again (the detail's SKILL.md, a file page). A blob the collector
 * removes may stay in memory; only a route that finds it referenced asks for it. */
int sr_blob_read_cached(sr_blobs *b, const char *sha, sr_buf *out);
/* Opens the blob for reading; the caller owns *fd. With a database, a blob not cached yet is
 * fetched into the cache first. */
int sr_blob_open(sr_blobs *b, const char *sha, int *fd, size_t *size);
/* 1 when the blob is stored (with a database: when its row exists), else 0. */
int sr_blob_exists(sr_blobs *b, const char *sha);
/* ---- collection (the blob-gc and blob-cache jobs, src/cron) ---- */

/* One file of a fan-out directory (with a database: of the cache): a blob (sha set) or a
 * temporary file a write left behind (a name with ".tmp-" in it: a write in flight, or one a
 * crash interrupted). */
typedef struct sr_blob_entry {
	char name[96];
	char sha[65]; /* "" for a temporary file */
	int64_t size, mtime_ms;
} sr_blob_entry;

/* Calls fn for each file of fan-out directory dir (0..255, "00".."ff"); a missing directory
 * has none. fn returns non-zero to stop. */
int sr_blob_list(sr_blobs *b, int dir, int (*fn)(void *ud, const sr_blob_entry *e), void *ud);
/* Removes the file e names if it is still older than cutoff_ms, its age checked again just
 * before the unlink (a put refreshes a blob it finds already there, so bytes a publish in
 * flight reuses are young). 1 removed (*bytes its size), 0 kept, or SR_EIO. */
int sr_blob_remove_old(sr_blobs *b, int dir, const sr_blob_entry *e, int64_t cutoff_ms, int64_t *bytes);
/* Asks whether anything names the blob sha now (*named 1 or 0); 0 or a negative SR_E*. */
typedef int (*sr_blob_named_fn)(void *ud, const char *sha, int *named);
/* Removes the file-store blob e if it is still older than cutoff_ms and still unnamed once no
 * put can refresh it any more: its age is checked, the file is moved aside (to "<sha>.gc",
 * which no reader or writer looks for), named() is asked again, and the file is then
 * unlinked, or put back when it is named now or was refreshed before it moved. A put that
 * comes while it is aside finds no file and writes the bytes again, so no put is lost to the
 * collector, however the two interleave. A file left aside by a collector that stopped is
 * put back by the next listing of its directory. 1 removed (*bytes its size), 0 kept, or a
 * negative SR_E*. */
int sr_blob_remove_unnamed(sr_blobs *b, int dir, const sr_blob_entry *e, int64_t cutoff_ms, sr_blob_named_fn named,
			   void *ud, int64_t *bytes);

/* The file a blob is stored in (for a program that reads it, like the external scanner);
 * SR_EINVAL for a malformed sha or a path longer than n. With a database the blob is fetched
 * into the cache first (SR_ENOTFOUND when it has no row). */
int sr_blob_path(sr_blobs *b, const char *sha, char *out, size_t n);

/* ---- the table (a store opened with sr_blobs_open_db; SR_EINVAL otherwise) ---- */

typedef struct sr_blob_row {
	char sha[65];
	int64_t size, touched_ms;
} sr_blob_row;

/* Up to n rows last touched before cutoff_ms, oldest first, keyset after *after (NULL: from
 * the oldest); *got how many. */
int sr_blob_rows_old(sr_blobs *b, int64_t cutoff_ms, const sr_blob_row *after, sr_blob_row *out, int n, int *got);
/* Deletes the rows of v[0..n) that are still older than cutoff_ms (checked by the statement
 * that deletes, so a put in between keeps its blob) and this node's cached files of those it
 * deleted; deleted[i] says which. */
int sr_blob_rows_remove_old(sr_blobs *b, const sr_blob_row *v, int n, int64_t cutoff_ms, int *deleted);
/* present[i] = whether shas[i] has a row (at most SR_BLOB_ROWS_MAX). */
int sr_blob_rows_present(sr_blobs *b, const char (*shas)[65], int n, int *present);
/* The rows touched at or after cutoff_ms, and their bytes. */
int sr_blob_rows_young(sr_blobs *b, int64_t cutoff_ms, int64_t *files, int64_t *bytes);
#define SR_BLOB_ROWS_MAX 1024

/* The cache's bound (blob-cache): at most max_bytes, no file unused for max_age_ms. A cached
 * file's time is moved to now when it is opened and older than SR_BLOB_CACHE_TOUCH_MS, so its
 * age is the time since it was last used, give or take that much. */
#define SR_BLOB_CACHE_MAX_BYTES (2LL << 30)
#define SR_BLOB_CACHE_MAX_AGE_MS (7LL * 24 * 3600 * 1000)
#define SR_BLOB_CACHE_TOUCH_MS (3600LL * 1000)
void sr_blobs_set_cache_bound(sr_blobs *b, int64_t max_bytes, int64_t max_age_ms);
void sr_blobs_cache_bound(const sr_blobs *b, int64_t *max_bytes, int64_t *max_age_ms);

#endif
