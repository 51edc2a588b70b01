/*
 * gen.c - generation counters in a shared mapping; see gen.h.
 *
 * Ordering: a writer bumps after its COMMIT, catalog first and buckets second; a reader
 * that fills the cache reads its buckets first and the catalog last (see src/http/cache.c).
 * All accesses are sequentially consistent atomics on the mapped words, which is what makes
 * that protocol hold between threads and between processes.
 */
#include "store/gen.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/util.h"

#define GEN_FILE_BYTES (SR_GEN_SLOTS * sizeof(uint64_t))

struct sr_gens {
	uint64_t *slot;
	int mapped; /* 1: munmap on close; 0: calloc'd */
};

int sr_gens_open(const char *db_path, sr_gens **out)
{
	sr_gens *g = calloc(1, sizeof(*g));
	if (!g)
		return SR_ENOMEM;
	if (!db_path[0] || strcmp(db_path, ":memory:") == 0) {
		g->slot = calloc(SR_GEN_SLOTS, sizeof(uint64_t));
		if (!g->slot) {
			free(g);
			return SR_ENOMEM;
		}
		*out = g;
		return 0;
	}
	char path[4096];
	if (snprintf(path, sizeof(path), "%s-gen", db_path) >= (int)sizeof(path)) {
		free(g);
		return SR_EINVAL;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 ||
	    ((size_t)st.st_size < GEN_FILE_BYTES && ftruncate(fd, (off_t)GEN_FILE_BYTES) != 0)) {
		sr_log_error("cannot open generation file %s", path);
		if (fd >= 0)
			close(fd);
		free(g);
		return SR_EIO;
	}
	void *m = mmap(NULL, GEN_FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		sr_log_error("cannot map generation file %s", path);
		free(g);
		return SR_EIO;
	}
	g->slot = m;
	g->mapped = 1;
	*out = g;
	return 0;
}

void sr_gens_close(sr_gens *g)
{
	if (!g)
		return;
	if (g->mapped)
		munmap(g->slot, GEN_FILE_BYTES);
	else
		free(g->slot);
	free(g);
}

uint64_t sr_gens_get(const sr_gens *g, int slot)
{
	return __atomic_load_n(&g->slot[slot], __ATOMIC_SEQ_CST);
}

void sr_gens_bump(sr_gens *g, int slot)
{
	__atomic_fetch_add(&g->slot[slot], 1, __ATOMIC_SEQ_CST);
}

static int bucket(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (int)(h % SR_GEN_BUCKETS);
}

int sr_gens_slot_id(int64_t skill_id)
{
	return bucket((uint64_t)skill_id * 2 + 1);
}

int sr_gens_slot_slug(const char *slug)
{
	return bucket(sr_fnv1a(slug, strlen(slug)) * 2);
}
