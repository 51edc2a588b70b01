/*
 * backfill.h - resumable, idempotent rewrites of denormalized columns (`skillreg backfill`).
 *
 * A backfill walks every skills row by primary key in batches. Each batch is one write
 * transaction with a read budget of its own: it reads its rows, rewrites those whose
 * denormalized values disagree with their source, and writes the cursor (backfill_state,
 * migration 0006) before it commits. Killed at any moment, a backfill has either committed
 * a batch with its cursor or not at all, so the next run resumes where the last committed
 * batch ended. A row is rewritten because it disagrees, never skipped because it already
 * has a value, so a rerun after a finished pass changes nothing.
 *
 * Every write goes through store statements that declare their effects, so a backfill run
 * from the command line invalidates the cached answers of a running server (store/gen.h).
 */
#ifndef SR_BACKFILL_H
#define SR_BACKFILL_H

#include <stdint.h>
#include <stdio.h>

#include "blob/blob.h"
#include "store/store.h"

#define SR_BACKFILL_BATCH 500     /* default rows a batch */
#define SR_BACKFILL_MAX_BATCH 10000

typedef struct sr_backfill_run {
	int64_t batches, scanned, changed; /* this run */
	int64_t rows_read, bytes_read;     /* this run, all batches */
	int64_t pass_scanned, pass_changed; /* the whole pass, resumed runs included */
	int64_t pass;
	int resumed;                        /* continued a pass a killed run left */
	double seconds;
} sr_backfill_run;

int sr_backfill_count(void);
/* The name and one-line description of backfill i, or NULL. */
const char *sr_backfill_name(int i);
const char *sr_backfill_what(int i);
int sr_backfill_find(const char *name);

/* Runs backfill i to the end of its pass (resuming an unfinished one) in batches of batch
 * rows. progress (may be NULL) gets a bar redrawn after each batch when tty is set, and a
 * plain line at most once a second otherwise. */
int sr_backfill_run_one(sr_store *s, int i, int batch, FILE *progress, int tty, sr_backfill_run *out);
/* Runs (or resumes) the search backfill when no pass of it has finished: a database that
 * held skills before the word index existed (migration 0019 / 0011). 0 with out->batches 0
 * when there was nothing to do. */
int sr_backfill_search_pending(sr_store *s, FILE *progress, int tty, sr_backfill_run *out);
/* The blob store the search backfill reads each skill's SKILL.md from (NULL: it indexes the
 * text the database holds). The commands that run backfills set it. */
void sr_backfill_set_blobs(sr_blobs *b);

#endif
