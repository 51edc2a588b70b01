/*
 * token_memo.c - a node's memory of the good API tokens it has looked up; see token_memo.h.
 *
 * Every authenticated request starts with its token's lookup. On SQLite that is a B-tree read
 * in this process; on PostgreSQL it is a round trip to another machine, the first of every
 * publish, star or delete. So the PostgreSQL engine keeps what the lookups of good tokens
 * answered and answers from memory while nothing that can change those answers was written:
 *   - the writes that can (a revocation, a ban or unban, a role, a user's names or image)
 *     bump the auth generation SR_GEN_AUTH: on this node when they commit (effects.c marks
 *     them), on the other nodes when the notification of triggers on users and api_tokens
 *     arrives (sql/postgres/0018_auth_notify.sql; the triggers also see writes made by hand);
 *   - an entry keeps the generation read before its lookup and answers only while it is
 *     unchanged, so a write committed during the lookup is never missed; a lookup that may
 *     read an older state than the generation counts (in a read snapshot opened earlier, on
 *     a replica, inside a write transaction) is not kept;
 *   - an expiry is checked at every answer, against the row's expires_at;
 *   - nothing answers while the node's listener is not connected (it may be missing
 *     notifications), and an entry is forgotten after SR__TOKEN_MEMO_MS even so: the bound on
 *     how long a node whose listener lost notifications without noticing honours a revoked
 *     token.
 * Only good tokens are kept: an unknown, revoked, expired or banned token is looked up every
 * time. The last use an entry keeps is the last one this node recorded or read, so a node
 * records a token's use at most once per interval (http/context.h) as without the memo.
 *
 * The table is direct-mapped by the first hex digits of the token's SHA-256 (random), one
 * mutex around it: a lookup is a few hundred bytes copied, far below a round trip.
 */
#include "store/token_memo.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/engine.h"
#include "store/gen.h"

#define SLOTS 1024

struct entry {
	char hash[65]; /* "": empty */
	uint64_t gen;
	int64_t filled_ns; /* sr_mono_ns: the age bound holds whatever the wall clock does */
	sr_user user;
	sr_token_state state;
};

struct sr__token_memo {
	pthread_mutex_t lock;
	int live;
	struct entry slot[SLOTS];
};

sr__token_memo *sr__token_memo_new(void)
{
	sr__token_memo *m = calloc(1, sizeof(*m));
	if (m)
		pthread_mutex_init(&m->lock, NULL);
	return m;
}

void sr__token_memo_free(sr__token_memo *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void sr__token_memo_live(sr__token_memo *m, int live)
{
	pthread_mutex_lock(&m->lock);
	m->live = live;
	pthread_mutex_unlock(&m->lock);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
}

static struct entry *slot_of(sr__token_memo *m, const char *hash)
{
	unsigned k = 0;
	for (int i = 0; i < 3 && hash[i]; i++)
		k = k << 4 | (unsigned)hexval(hash[i]);
	return &m->slot[k % SLOTS];
}

int sr__token_memo_get(sr_store *s, const char *hash, uint64_t *gen, sr_user *user, sr_token_state *state)
{
	sr__token_memo *m = s->memo;
	*gen = SR__TOKEN_MEMO_NONE;
	if (!m || !s->gens)
		return 0;
	if (!s->eng->reads_may_lag || !s->eng->reads_may_lag(s))
		*gen = sr_gens_get(s->gens, SR_GEN_AUTH);
	int64_t now = sr_now_ms();
	int hit = 0;
	pthread_mutex_lock(&m->lock);
	struct entry *e = slot_of(m, hash);
	if (m->live && strcmp(e->hash, hash) == 0 && e->gen == sr_gens_get(s->gens, SR_GEN_AUTH) &&
	    sr_mono_ns() - e->filled_ns < SR__TOKEN_MEMO_MS * 1000000LL &&
	    (!e->state.expires_at || e->state.expires_at > now)) {
		*user = e->user;
		*state = e->state;
		hit = 1;
	}
	pthread_mutex_unlock(&m->lock);
	return hit;
}

void sr__token_memo_put(sr_store *s, const char *hash, uint64_t gen, const sr_user *user,
			const sr_token_state *state)
{
	sr__token_memo *m = s->memo;
	if (!m || !s->gens || gen == SR__TOKEN_MEMO_NONE || state->revoked || user->deactivated_at ||
	    !sr_is_hex64(hash))
		return;
	pthread_mutex_lock(&m->lock);
	struct entry *e = slot_of(m, hash);
	memcpy(e->hash, hash, 65);
	e->gen = gen;
	e->filled_ns = sr_mono_ns();
	e->user = *user;
	e->state = *state;
	pthread_mutex_unlock(&m->lock);
}

void sr__token_memo_used(sr_store *s, int64_t token_id, int64_t at)
{
	sr__token_memo *m = s->memo;
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < SLOTS; i++)
		if (m->slot[i].hash[0] && m->slot[i].state.id == token_id && m->slot[i].state.last_used_at < at)
			m->slot[i].state.last_used_at = at;
	pthread_mutex_unlock(&m->lock);
}
