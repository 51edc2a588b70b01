/*
 * pg.h - the blobs table on PostgreSQL (sql/postgres/0002_blobs.sql), internal to src/blob.
 *
 * A few connections of the blob store's own, each behind a mutex, shared by every thread of
 * the process (the server's workers, the scan worker, the scheduler). A call takes a free
 * connection (or waits for one), runs one statement, and gives it back before looking at the
 * result, so a slow fill never holds a connection while it writes a file. A connection the
 * server dropped is opened again and the statement run once more (every statement here is
 * idempotent); when the database cannot be reached the call fails fast with SR_EUNAVAIL, and
 * for a second after a failed connect the store does not try again.
 */
#ifndef SR_BLOB_PG_H
#define SR_BLOB_PG_H

#include <stddef.h>
#include <stdint.h>

#include "blob/blob.h"

typedef struct sr__bpg sr__bpg;

int sr__bpg_new(const char *url, sr__bpg **out);
/* The text of statement i (0, 1, ...), NULL past the last: for the plan guard's test. */
const char *sr__bpg_sql(int i);
void sr__bpg_free(sr__bpg *p);

/* Makes the stored blob sha young (touched_at at least now); *found 0 when no row. */
int sr__bpg_touch(sr__bpg *p, const char *sha, int64_t now, int *found);
/* Stores the bytes, or makes the row already there young. */
int sr__bpg_insert(sr__bpg *p, const char *sha, const void *data, size_t len, int64_t now);
/* Calls sink with up to len of the blob's bytes from offset off (one statement, bytea in
 * binary) and sets *size to the whole blob's; SR_ENOTFOUND when no row. sink's non-zero
 * result is returned. */
int sr__bpg_fetch_part(sr__bpg *p, const char *sha, int64_t off, int64_t len,
		       int (*sink)(void *ud, const void *data, size_t len), void *ud, int64_t *size);
int sr__bpg_exists(sr__bpg *p, const char *sha, int *found);

/* The collector's statements (blob.h: sr_blob_rows_*). */
int sr__bpg_old(sr__bpg *p, int64_t cutoff_ms, const sr_blob_row *after, sr_blob_row *out, int n, int *got);
int sr__bpg_delete_old(sr__bpg *p, const sr_blob_row *v, int n, int64_t cutoff_ms, int *deleted);
int sr__bpg_present(sr__bpg *p, const char (*shas)[65], int n, int *present);
int sr__bpg_young(sr__bpg *p, int64_t cutoff_ms, int64_t *files, int64_t *bytes);

#endif
