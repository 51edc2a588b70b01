/*
 * gen.h - generation counters: how a cached answer learns which writes it has missed.
 *
 * A generation is a counter that a committed write bumps. A cached answer remembers the
 * generations it was computed under; it is served only while they are all unchanged. The
 * counters live in a small file mapped shared next to the database (<db>-gen), so writes by
 * any process on this machine (the server's threads, `skillreg user ban`, a backfill)
 * invalidate the server's cache the moment they commit, without a read or a message.
 *
 * Slots:
 *   SR_GEN_CATALOG  bumped by every write that can change any answer (lists, search,
 *                   trending depend on it alone);
 *   SR_GEN_DETAILS  bumped by writes that cannot say which skills they changed (bulk updates);
 *   bucket slots    one per hash of a skill id or a slug: a write that names its skill bumps
 *                   only that skill's buckets, so a star on one skill keeps every other
 *                   skill's cached detail.
 *   SR_GEN_AUTH     bumped by writes that change what a token's lookup answers (a
 *                   revocation, a ban, a role, a user's names): the node's memory of tokens
 *                   (store/token_memo.h) depends on it alone.
 * Two keys sharing a bucket only cost a spurious miss, never a stale answer.
 */
#ifndef SR_GEN_H
#define SR_GEN_H

#include <stdint.h>

#define SR_GEN_BUCKETS 4096
enum { SR_GEN_CATALOG = SR_GEN_BUCKETS, SR_GEN_DETAILS, SR_GEN_AUTH, SR_GEN_SLOTS };

typedef struct sr_gens sr_gens;

/* Maps <db_path>-gen (created on first use); ":memory:" gets private memory. */
int sr_gens_open(const char *db_path, sr_gens **out);
void sr_gens_close(sr_gens *g);

uint64_t sr_gens_get(const sr_gens *g, int slot);
void sr_gens_bump(sr_gens *g, int slot);

int sr_gens_slot_id(int64_t skill_id);
int sr_gens_slot_slug(const char *slug);

#endif
