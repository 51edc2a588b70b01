/*
 * copy.h - copies a SQLite registry into a PostgreSQL database (`skillreg db-copy`).
 *
 * The store is the one layer that knows both engines, so the copy lives here: it reads the
 * SQLite file with sqlite3 and writes PostgreSQL with libpq's COPY, table by table, in one
 * transaction. It serves two needs: a team moving an existing registry from SQLite to
 * PostgreSQL, and the benchmarks, which generate catalogues as SQLite files (`skillreg gen`)
 * and load them into PostgreSQL much faster than any replay of publishes could.
 */
#ifndef SR_STORE_COPY_H
#define SR_STORE_COPY_H

#include <stddef.h>
#include <stdint.h>

typedef struct sr_copy_opts {
	const char *from;     /* the SQLite database file */
	const char *to;       /* the PostgreSQL URL (postgres://... or postgresql://...) */
	const char *blob_dir; /* the file store's blobs/ to load into the blobs table, or NULL */
	/* A line of progress per step (a table copied, indexes built), or NULL for none. */
	void (*note)(void *ud, const char *line);
	void *ud;
} sr_copy_opts;

typedef struct sr_copy_stats {
	int64_t tables, rows;      /* tables copied and their rows, blobs not counted */
	int64_t blobs, blob_bytes; /* blob files loaded into the blobs table */
	int64_t skipped_blobs;     /* files whose bytes did not match their name (not loaded) */
	double seconds;
} sr_copy_stats;

/*
 * Brings both databases to the current schema (the same migrations any skillreg command
 * applies on open), then, in one PostgreSQL transaction: empties the target's tables that
 * both databases have (migrations seed a few rows; a target that already holds users or
 * skills is refused), drops their secondary indexes and disables their user triggers (the
 * source's rows already hold what the triggers compute), copies every such table in foreign
 * key order with COPY ... FROM STDIN in text format (the target's columns, generated ones
 * excluded, read from its catalog), loads the blob files, rebuilds the indexes, moves each
 * identity sequence past its column's largest value, and commits. Then VACUUM (ANALYZE) of
 * every table written, so that the planner has statistics and index-only scans need no heap
 * visit. The source is read in one read transaction: a live server may keep writing to it.
 * Returns 0, or an SR_E* code with a message in err.
 */
int sr_store_copy(const sr_copy_opts *o, sr_copy_stats *st, char *err, size_t errsz);

#endif
