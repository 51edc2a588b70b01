/*
 * global.h - the daily recount of the public-skill count (data-model section 3.4).
 *
 * The count itself is one row kept by triggers (store.h, sr_store_public_count). The recount
 * pages through the public skills' index (ix_pub_created, 16 bytes a skill, a read budget per
 * page) inside one read snapshot, reads the stored count in that same snapshot, and when the
 * two differ logs the drift and corrects it by adding the difference. Correcting by a delta
 * rather than by overwriting keeps any visibility change committed after the snapshot: its
 * trigger has already moved the row by exactly its own one.
 */
#ifndef SR_GLOBAL_H
#define SR_GLOBAL_H

#include <stdint.h>

#include "store/store.h"

#define SR_RECOUNT_PAGE 1000

typedef struct sr_recount {
	int64_t counted; /* public skills in the snapshot */
	int64_t stored;  /* the row's value in the same snapshot */
	int64_t drift;   /* stored - counted; corrected when not 0 */
} sr_recount;

/* Recounts and corrects. Reads are added to total (may be NULL); the store's read context is
 * the caller's again on return. */
int sr_public_recount(sr_store *s, int64_t now_ms, sr_reads *total, sr_recount *out);

#endif
