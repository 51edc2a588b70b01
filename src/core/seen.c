/*
 * seen.c - see seen.h. Keys are stored as their SHA-256 prefix (16 bytes), so a false
 * "seen" would need a 128-bit collision.
 */
#include "core/seen.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/err.h"

#define LOCKS 32

struct sr_seen {
	size_t slots;
	unsigned char (*keys)[16];
	pthread_mutex_t locks[LOCKS];
};

int sr_seen_new(size_t slots, sr_seen **out)
{
	sr_seen *s = calloc(1, sizeof(*s));
	if (!s || slots == 0)
		goto fail;
	s->slots = slots;
	s->keys = calloc(slots, sizeof(*s->keys));
	if (!s->keys)
		goto fail;
	for (int i = 0; i < LOCKS; i++)
		pthread_mutex_init(&s->locks[i], NULL);
	*out = s;
	return 0;
fail:
	if (s)
		free(s->keys);
	free(s);
	return SR_ENOMEM;
}

void sr_seen_free(sr_seen *s)
{
	if (!s)
		return;
	for (int i = 0; i < LOCKS; i++)
		pthread_mutex_destroy(&s->locks[i]);
	free(s->keys);
	free(s);
}

int sr_seen_check_add(sr_seen *s, const char *key)
{
	unsigned char md[32];
	unsigned int len = 0;
	EVP_Digest(key, strlen(key), md, &len, EVP_sha256(), NULL);
	uint64_t h;
	memcpy(&h, md + 16, sizeof(h));
	size_t slot = (size_t)(h % s->slots);
	pthread_mutex_t *lock = &s->locks[slot % LOCKS];
	pthread_mutex_lock(lock);
	int hit = memcmp(s->keys[slot], md, 16) == 0;
	if (!hit)
		memcpy(s->keys[slot], md, 16);
	pthread_mutex_unlock(lock);
	return hit;
}
