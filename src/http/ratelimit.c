/*
 * ratelimit.c - see ratelimit.h.
 */
#include "http/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"

#define SLOTS 8192
#define STRIPES 64
#define PROBES 8
#define SECONDS (SR_RATELIMIT_WINDOW_S + 1)

/* One key's window: the count of each of the last SECONDS seconds, in a ring indexed by the
 * second modulo SECONDS, and their sum. `last` is the newest second the ring holds; the
 * seconds before last - SECONDS + 1 have left it. */
struct slot {
	uint64_t key;
	int64_t last;
	uint32_t total;
	uint32_t n[SECONDS];
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
	uint64_t h = sr_fnv1a(s, strlen(s));
	return h ? h : 1;
}

/* Moves the slot's window forward to second `now`, dropping the seconds that leave it. */
static void advance(struct slot *s, int64_t now)
{
	if (now <= s->last)
		return;
	if (now - s->last >= SECONDS) {
		memset(s->n, 0, sizeof(s->n));
		s->total = 0;
	} else {
		for (int64_t t = s->last + 1; t <= now; t++) {
			s->total -= s->n[t % SECONDS];
			s->n[t % SECONDS] = 0;
		}
	}
	s->last = now;
}

/* The slot of hash h in its run: its own, else an empty or expired one, else the one whose
 * last request is oldest, emptied for h. */
static struct slot *find(struct slot *run, uint64_t h, int64_t now)
{
	struct slot *victim = NULL;
	for (size_t i = 0; i < PROBES; i++) {
		struct slot *s = &run[i];
		if (s->key == h)
			return s;
		if (!victim || s->key == 0 || (victim->key != 0 && s->last < victim->last))
			victim = s;
	}
	memset(victim, 0, sizeof(*victim));
	victim->key = h;
	victim->last = now;
	return victim;
}

/* The second at which `room` more requests fit: the oldest seconds of the window leave one
 * by one, second t at t + SECONDS. */
static int64_t room_at(const struct slot *s, int64_t room)
{
	int64_t freed = 0;
	for (int64_t t = s->last - SECONDS + 1; t <= s->last; t++) {
		freed += s->n[((t % SECONDS) + SECONDS) % SECONDS];
		if (freed > 0 && freed >= room)
			return t + SECONDS;
	}
	return s->last + SECONDS;
}

void sr_ratelimit_hit(sr_ratelimit *r, const char *key, int64_t limit, int64_t now_ms,
		      sr_rate_result *res)
{
	uint64_t h = hash(key);
	int64_t now = now_ms / 1000;
	/* Probing stays inside one stripe's run of slots so one lock covers it. */
	size_t base = (size_t)(h % (SLOTS / PROBES)) * PROBES;
	pthread_mutex_t *lock = &r->locks[(base / PROBES) % STRIPES];
	pthread_mutex_lock(lock);
	struct slot *s = find(&r->slots[base], h, now);
	/* A clock that steps back counts into the newest second the window holds. */
	advance(s, now);
	res->allowed = (int64_t)s->total < limit;
	if (res->allowed) {
		s->n[s->last % SECONDS]++;
		s->total++;
	}
	res->count = s->total;
	/* Refused, the window is full: enough must leave for one more. */
	res->reset_epoch_s = room_at(s, res->allowed ? 1 : (int64_t)s->total - limit + 1);
	pthread_mutex_unlock(lock);
	res->limit = limit;
}
