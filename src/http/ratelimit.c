/*
 * ratelimit.c - see ratelimit.h.
 */
#include "http/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#define SLOTS 8192
#define STRIPES 64
#define PROBES 8

struct slot {
	uint64_t key;
	int64_t window;
	int64_t count;
};

struct sr_ratelimit {
	pthread_mutex_t locks[STRIPES];
	struct slot slots[SLOTS];
};

int sr_ratelimit_new(sr_ratelimit **out)
{
	sr_ratelimit *r = calloc(1, sizeof(*r));
	if (!r)
		return SR_ENOMEM;
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&r->locks[i], NULL);
	*out = r;
	return 0;
}

void sr_ratelimit_free(sr_ratelimit *r)
{
	if (!r)
		return;
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&r->locks[i]);
	free(r);
}

/* FNV-1a, 64-bit; the key is never 0 so an empty slot is recognisable. */
static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

void sr_ratelimit_hit(sr_ratelimit *r, const char *key, int64_t limit, int64_t now_ms,
		      sr_rate_result *res)
{
	uint64_t h = hash(key);
	int64_t window = now_ms / 60000;
	/* Probing stays inside one stripe's run of slots so one lock covers it. */
	size_t base = (size_t)(h % (SLOTS / PROBES)) * PROBES;
	pthread_mutex_t *lock = &r->locks[(base / PROBES) % STRIPES];
	pthread_mutex_lock(lock);
	struct slot *hit = NULL, *free_slot = NULL;
	for (size_t i = 0; i < PROBES; i++) {
		struct slot *s = &r->slots[base + i];
		if (s->key == h && s->window == window) {
			hit = s;
			break;
		}
		if (!free_slot && (s->key == 0 || s->window != window))
			free_slot = s;
	}
	if (!hit) {
		/* A full run evicts its last slot: the evicted key starts over, rather than a
		 * stranger inheriting its count and being refused for it. */
		hit = free_slot ? free_slot : &r->slots[base + PROBES - 1];
		hit->count = 0;
		hit->key = h;
		hit->window = window;
	}
	hit->count++;
	res->count = hit->count;
	pthread_mutex_unlock(lock);
	res->limit = limit;
	res->allowed = res->count <= limit;
	res->reset_epoch_s = (window + 1) * 60;
}
