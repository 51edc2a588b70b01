/*
 * cache.c - the response cache; see cache.h for what it promises.
 *
 * The table is split into shards by key hash, each with its own lock, hash chains and LRU
 * list, and a byte budget of max_bytes / SHARDS. A lookup that finds an entry whose
 * generations moved drops it on the spot. Bodies are copied in and out under the shard
 * lock: a 14 KB list page copies in about a microsecond, far below what the request costs
 * around it, and nothing outside the lock ever points into an entry.
 */
#include "http/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"

#define SHARDS 16
#define CHAINS 1024 /* per shard */

struct entry {
	struct entry *chain;       /* next in the hash chain */
	struct entry *prev, *next; /* LRU list, most recent first */
	uint64_t hash;
	size_t keylen, bodylen, cost;
	int status;
	const char *content_type;  /* one of the program's literals */
	sr_cache_deps deps;
	char *key, *body;
};

struct shard {
	pthread_mutex_t lock;
	struct entry *chain[CHAINS];
	struct entry *head, *tail;
	size_t bytes, entries;
	uint64_t evictions, stale;
};

struct sr_cache {
	size_t max_bytes, shard_budget;
	struct shard shard[SHARDS];
};

static uint64_t hash_key(const char *k, size_t n)
{
	uint64_t h = sr_fnv1a(k, n);
	return h ^ (h >> 29);
}

int sr_cache_new(size_t max_bytes, sr_cache **out)
{
	sr_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return SR_ENOMEM;
	c->max_bytes = max_bytes;
	c->shard_budget = max_bytes / SHARDS;
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_init(&c->shard[i].lock, NULL);
	*out = c;
	return 0;
}

static void unlink_entry(struct shard *s, struct entry *e)
{
	struct entry **pp = &s->chain[e->hash % CHAINS];
	while (*pp != e)
		pp = &(*pp)->chain;
	*pp = e->chain;
	if (e->prev)
		e->prev->next = e->next;
	else
		s->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		s->tail = e->prev;
	s->bytes -= e->cost;
	s->entries--;
	free(e->key);
	free(e->body);
	free(e);
}

void sr_cache_clear(sr_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < SHARDS; i++) {
		struct shard *s = &c->shard[i];
		pthread_mutex_lock(&s->lock);
		while (s->head)
			unlink_entry(s, s->head);
		pthread_mutex_unlock(&s->lock);
	}
}

void sr_cache_free(sr_cache *c)
{
	if (!c)
		return;
	sr_cache_clear(c);
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_destroy(&c->shard[i].lock);
	free(c);
}

static struct entry *find(struct shard *s, uint64_t h, const char *key, size_t keylen)
{
	for (struct entry *e = s->chain[h % CHAINS]; e; e = e->chain)
		if (e->hash == h && e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
			return e;
	return NULL;
}

static int still_valid(const struct entry *e, const sr_gens *g)
{
	for (int i = 0; i < e->deps.n; i++)
		if (sr_gens_get(g, e->deps.slot[i]) != e->deps.gen[i])
			return 0;
	return 1;
}

int sr_cache_get(sr_cache *c, const sr_gens *g, const char *key, size_t keylen, sr_resp *resp)
{
	if (!c || !c->shard_budget)
		return 0;
	uint64_t h = hash_key(key, keylen);
	struct shard *s = &c->shard[h % SHARDS];
	int hit = 0;
	pthread_mutex_lock(&s->lock);
	struct entry *e = find(s, h, key, keylen);
	if (e && !still_valid(e, g)) {
		s->stale++;
		unlink_entry(s, e);
		e = NULL;
	}
	if (e) {
		sr_buf_reset(&resp->body);
		if (sr_buf_append(&resp->body, e->body, e->bodylen) == 0) {
			resp->status = e->status;
			resp->content_type = e->content_type;
			hit = 1;
			if (s->head != e) { /* move to the front of the LRU list */
				e->prev->next = e->next;
				if (e->next)
					e->next->prev = e->prev;
				else
					s->tail = e->prev;
				e->prev = NULL;
				e->next = s->head;
				s->head->prev = e;
				s->head = e;
			}
		}
	}
	pthread_mutex_unlock(&s->lock);
	return hit;
}

void sr_cache_put(sr_cache *c, const char *key, size_t keylen, const sr_cache_deps *deps,
		  const sr_resp *resp)
{
	if (!c || !c->shard_budget || resp->fd >= 0)
		return;
	size_t cost = sizeof(struct entry) + keylen + resp->body.len;
	if (cost > c->shard_budget / 8 + 1 || cost > c->max_bytes / 8)
		return;
	struct entry *e = calloc(1, sizeof(*e));
	char *k = malloc(keylen ? keylen : 1);
	char *b = malloc(resp->body.len ? resp->body.len : 1);
	if (!e || !k || !b) {
		free(e);
		free(k);
		free(b);
		return;
	}
	memcpy(k, key, keylen);
	if (resp->body.len)
		memcpy(b, resp->body.data, resp->body.len);
	e->key = k;
	e->body = b;
	e->keylen = keylen;
	e->bodylen = resp->body.len;
	e->cost = cost;
	e->status = resp->status;
	e->content_type = resp->content_type;
	e->deps = *deps;
	e->hash = hash_key(key, keylen);
	struct shard *s = &c->shard[e->hash % SHARDS];
	pthread_mutex_lock(&s->lock);
	struct entry *old = find(s, e->hash, key, keylen);
	if (old)
		unlink_entry(s, old);
	while (s->tail && s->bytes + cost > c->shard_budget) {
		unlink_entry(s, s->tail);
		s->evictions++;
	}
	e->chain = s->chain[e->hash % CHAINS];
	s->chain[e->hash % CHAINS] = e;
	e->next = s->head;
	if (s->head)
		s->head->prev = e;
	s->head = e;
	if (!s->tail)
		s->tail = e;
	s->bytes += cost;
	s->entries++;
	pthread_mutex_unlock(&s->lock);
}

void sr_cache_get_stats(sr_cache *c, sr_cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!c)
		return;
	out->max_bytes = c->max_bytes;
	for (int i = 0; i < SHARDS; i++) {
		struct shard *s = &c->shard[i];
		pthread_mutex_lock(&s->lock);
		out->entries += s->entries;
		out->bytes += s->bytes;
		out->evictions += s->evictions;
		out->stale += s->stale;
		pthread_mutex_unlock(&s->lock);
	}
}
