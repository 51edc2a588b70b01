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

#include "core/buf.h"

typedef struct sr_blobs sr_blobs;

int sr_blobs_open(const char *dir, sr_blobs **out);
void sr_blobs_close(sr_blobs *b);
/* Stores bytes whose SHA-256 is sha (64 lowercase hex); a no-op when already present. */
int sr_blob_put(sr_blobs *b, const char *sha, const void *data, size_t len);
/* Appends the blob's bytes to out. SR_ENOTFOUND when missing, SR_ETOOBIG past out's ceiling. */
int sr_blob_read(sr_blobs *b, const char *sha, sr_buf *out);
/* Opens the blob for reading; the caller owns *fd. */
int sr_blob_open(sr_blobs *b, const char *sha, int *fd, size_t *size);
int sr_blob_exists(sr_blobs *b, const char *sha);
/* The file a blob is stored in (for a program that reads it, like the external scanner);
 * SR_EINVAL for a malformed sha or a path longer than n. */
int sr_blob_path(sr_blobs *b, const char *sha, char *out, size_t n);

#endif
