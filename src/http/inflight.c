/*
 * inflight.c - see inflight.h.
 *
 * Owners live in a fixed table, found by a hash of their key and linear probing within a run
 * of slots; a slot whose bytes came back to zero is free again. There are never more owners
 * with bytes in flight than connections, and the table has room for several times the
 * default connection cap, so a full run is a sign of a flood: its charge is refused as the
 * shared room being full. One lock covers the table; it is taken once per chunk of body,
 * which is cheap beside copying the chunk.
 */
#include "http/inflight.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"

#define SLOTS 16384
#define PROBES 32

struct owner {
	uint64_t key;
	size_t bytes;
};

struct sr__inflight {
	pthread_mutex_t lock;
	size_t total, anon_total, per_user, per_addr;
	size_t held, anon_held;
	struct owner slots[SLOTS];
};

int sr__inflight_new(size_t total, size_t per_user, sr__inflight **out)
{
	sr__inflight *f = calloc(1, sizeof(*f));
	if (!f)
		return SR_ENOMEM;
	pthread_mutex_init(&f->lock, NULL);
	f->total = total;
	f->anon_total = total / 4;
	f->per_addr = total / 32;
	f->per_user = per_user;
	*out = f;
	return 0;
}

void sr__inflight_free(sr__inflight *f)
{
	if (!f)
		return;
	pthread_mutex_destroy(&f->lock);
	free(f);
}

size_t sr__inflight_owner_max(const sr__inflight *f, int64_t user)
{
	return user > 0 ? f->per_user : f->per_addr;
}

/* FNV-1a of the owner's key; never 0, which marks a slot never used. */
static uint64_t owner_key(int64_t user, const char *addr)
{
	char k[96];
	if (user > 0)
		snprintf(k, sizeof(k), "u:%lld", (long long)user);
	else
		snprintf(k, sizeof(k), "a:%s", addr ? addr : "");
	uint64_t h = sr_fnv1a(k, strlen(k));
	return h ? h : 1;
}

/* The owner's slot, or a free one for it; NULL when the run is full of others. Under lock. */
static struct owner *find(sr__inflight *f, uint64_t key, int create)
{
	size_t base = (size_t)(key % SLOTS);
	struct owner *free_slot = NULL;
	for (size_t i = 0; i < PROBES; i++) {
		struct owner *o = &f->slots[(base + i) % SLOTS];
		if (o->key == key && o->bytes)
			return o;
		if (!free_slot && o->bytes == 0)
			free_slot = o;
	}
	if (free_slot && create)
		free_slot->key = key;
	return create ? free_slot : NULL;
}

int sr__inflight_take(sr__inflight *f, int64_t user, const char *addr, size_t n)
{
	if (!n)
		return SR_INFLIGHT_OK;
	int anon = user <= 0;
	size_t max = sr__inflight_owner_max(f, user);
	int rc = SR_INFLIGHT_OK;
	pthread_mutex_lock(&f->lock);
	struct owner *o = find(f, owner_key(user, addr), 1);
	if (!o || f->held + n > f->total || (anon && f->anon_held + n > f->anon_total))
		rc = SR_INFLIGHT_SHARED_FULL;
	else if (o->bytes + n > max)
		rc = SR_INFLIGHT_OWNER_FULL;
	if (rc == SR_INFLIGHT_OK) {
		o->bytes += n;
		f->held += n;
		if (anon)
			f->anon_held += n;
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

void sr__inflight_give(sr__inflight *f, int64_t user, const char *addr, size_t n)
{
	if (!n)
		return;
	pthread_mutex_lock(&f->lock);
	struct owner *o = find(f, owner_key(user, addr), 0);
	if (o)
		o->bytes -= n < o->bytes ? n : o->bytes;
	f->held -= n < f->held ? n : f->held;
	if (user <= 0)
		f->anon_held -= n < f->anon_held ? n : f->anon_held;
	pthread_mutex_unlock(&f->lock);
}
