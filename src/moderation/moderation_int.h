/*
 * moderation_int.h - what the moderation files share among themselves (not for other
 * modules). moderation.c has a skill's moderation state and its writes, scanning a version
 * and staff actions; reports.c user reports (which may hide a skill); modjobs.c the moderation
 * jobs' batches (requeue, reason sync, health).
 */
#ifndef SR_MODERATION_INT_H
#define SR_MODERATION_INT_H

#include <stdint.h>

#include "moderation/moderation.h"

/* A skill copied out of a store callback (sr__mod_copy_skill); found is 0 when none came. */
struct sr__mod_skill {
	sr_skill sk;
	int found;
};
int sr__mod_copy_skill(void *ud, const void *row);

/* A skill's moderation fields as a state, and whether two states are the same. */
void sr__mod_of(const sr_skill *sk, sr_mod_state *m);
int sr__mod_equal(const sr_mod_state *a, const sr_mod_state *b);
/* Store callback of sr_store_scan_holds: each scanner's held verdict into int[SR_SRC_COUNT]. */
int sr__mod_take_hold(void *ud, const void *row);

/* sr_mod_after_scan for skill sk in the store: a verdict that would flag it suspicious reads
 * its owner's role (one primary-key read, only then), and staff's skills are left unflagged. */
int sr__mod_after_scan_in(sr_store *s, const sr_skill *sk, const sr_mod_state *cur, const int holds[SR_SRC_COUNT],
			  int now, sr_mod_state *next);
/* Writes skill sk's new moderation fields (when they changed) and the audit row, inside the
 * caller's transaction. */
int sr__mod_write(sr_store *s, const sr_skill *sk, const sr_mod_state *next, int64_t actor_id, const char *action,
		  const char *detail, int64_t now);

#endif
