/*
 * blob.h - content-addressed file bytes on the file system.
 *
 * A blob is stored once under its SHA-256 (DIR/ab/abcdef...), however many versions
 * reference it. Writes go to a temporary file that is renamed into place, so a reader never
 * sees half a blob and two writers of the same bytes cannot corrupt each other.
 */
#ifndef SR_BLOB_H
#define SR_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

typedef struct sr_blobs sr_blobs;

int sr_blobs_open(const char *dir, sr_blobs **out);
void sr_blobs_close(sr_blobs *b);
/* Stores bytes whose SHA-256 is sha (64 lowercase hex). When the blob is already present it
 * is only made young again (its modification time set to now), so the collector's grace
 * period protects it from a publish that is about to reference it. */
int sr_blob_put(sr_blobs *b, const char *sha, const void *data, size_t len);
/* Appends the blob's bytes to out. SR_ENOTFOUND when missing, SR_ETOOBIG past out's ceiling. */
int sr_blob_read(sr_blobs *b, const char *sha, sr_buf *out);
/* Opens the blob for reading; the caller owns *fd. */
int sr_blob_open(sr_blobs *b, const char *sha, int *fd, size_t *size);
int sr_blob_exists(sr_blobs *b, const char *sha);
/* ---- collection (the blob-gc job, src/cron/blobgc.c) ---- */

/* One file of a fan-out directory: a blob (sha set) or a temporary file a write left behind
 * (a name with ".tmp-" in it: a write in flight, or one a crash interrupted). */
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

/* The file a blob is stored in (for a program that reads it, like the external scanner);
 * SR_EINVAL for a malformed sha or a path longer than n. */
int sr_blob_path(sr_blobs *b, const char *sha, char *out, size_t n);

#endif
