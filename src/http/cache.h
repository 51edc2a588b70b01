/*
 * cache.h - a response cache for anonymous public GETs, bounded in bytes.
 *
 * An entry is a finished answer (status, content type, body) under a normalized request key,
 * with the generation counters (store/gen.h) it was computed under. It is served only while
 * every one of those counters is unchanged, so a write that can change the answer makes it
 * miss from the moment the write has committed: there is no expiry and no stale window.
 *
 * Filling follows one protocol (sr_cache_fill_begin/end), which is what makes that hold
 * while writes run concurrently:
 *   1. before the request reads anything, remember the catalog generation;
 *   2. compute the answer;
 *   3. read the generations the answer depends on, then the catalog generation again;
 *      store the entry only if the catalog did not move.
 * Writers bump the catalog before any bucket (store/sqlite.c), so an answer computed from a
 * snapshot older than a committed write either sees the catalog move (and is not stored) or
 * records a bucket value from before that write's bump (and misses once it lands).
 */
#ifndef SR_CACHE_H
#define SR_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "store/gen.h"

#define SR_CACHE_DEPS_MAX 12

typedef struct sr_cache sr_cache;

/* What an answer depends on, which decides the generations it is kept under. The faces say
 * which class each of their cacheable routes is (api.h, web.h). */
enum sr_cache_class {
	SR_CACHE_NONE = 0, /* not cached */
	SR_CACHE_LISTS,    /* lists and searches: the whole catalogue (SR_GEN_CATALOG) */
	SR_CACHE_DETAIL,   /* one skill's detail: its slug and the skill rows the answer read */
};

/* The generations an answer depends on (slots of store/gen.h) and their values. */
typedef struct sr_cache_deps {
	int n;
	int slot[SR_CACHE_DEPS_MAX];
	uint64_t gen[SR_CACHE_DEPS_MAX];
} sr_cache_deps;

/* max_bytes bounds keys, bodies and bookkeeping together; 0 makes a cache that stores
 * nothing. */
int sr_cache_new(size_t max_bytes, sr_cache **out);
void sr_cache_free(sr_cache *c);

/* 1 when a valid entry was copied into resp (status, content type, body); 0 on a miss. */
int sr_cache_get(sr_cache *c, const sr_gens *g, const char *key, size_t keylen, sr_resp *resp);

/* Stores resp's body under key with deps (whose gen values the caller filled). Bodies sent
 * from a file and bodies above an eighth of the cache are not stored. */
void sr_cache_put(sr_cache *c, const char *key, size_t keylen, const sr_cache_deps *deps,
		  const sr_resp *resp);

/* Drops every entry (tests, and the cache's own bound). */
void sr_cache_clear(sr_cache *c);

typedef struct sr_cache_stats {
	uint64_t entries, bytes, max_bytes, evictions, stale;
} sr_cache_stats;
void sr_cache_get_stats(sr_cache *c, sr_cache_stats *out);

#endif
