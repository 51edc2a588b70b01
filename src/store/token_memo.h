/*
 * token_memo.h - a node's memory of the good API tokens it has looked up, so that a request
 * with a token it knows costs no round trip to the database before its own statements
 * (token_memo.c says when an entry answers). The PostgreSQL engine keeps one per database URL,
 * beside that URL's generation counters; a store without one (SQLite, a replica) always looks
 * its tokens up. Only store files include this.
 */
#ifndef SR_STORE_TOKEN_MEMO_H
#define SR_STORE_TOKEN_MEMO_H

#include <stdint.h>

#include "store/store.h"

/* The longest an entry answers, whatever the generations say. */
#define SR__TOKEN_MEMO_MS (60 * 1000)

typedef struct sr__token_memo sr__token_memo;

sr__token_memo *sr__token_memo_new(void);
void sr__token_memo_free(sr__token_memo *m);
/* Whether the memo may answer: 0 (the start) while the node may be missing notifications of
 * other nodes' writes. */
void sr__token_memo_live(sr__token_memo *m, int live);

/* Whether the memo of s knows token hash: 1 with its user and row. Either way *gen is the
 * auth generation as it was before the look, for the sr__token_memo_put that follows a
 * lookup; or SR__TOKEN_MEMO_NONE when a lookup now may read a state older than that
 * generation (engine.h, reads_may_lag), whose answer must not be kept. */
#define SR__TOKEN_MEMO_NONE UINT64_MAX
int sr__token_memo_get(sr_store *s, const char *hash, uint64_t *gen, sr_user *user, sr_token_state *state);
/* Keeps a lookup's answer made under generation gen (a good token only). */
void sr__token_memo_put(sr_store *s, const char *hash, uint64_t gen, const sr_user *user,
			const sr_token_state *state);
/* Token token_id's use at `at` was recorded. */
void sr__token_memo_used(sr_store *s, int64_t token_id, int64_t at);

#endif
