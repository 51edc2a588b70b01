/*
 * synth.h - what the catalogue generator's two files share (synth.c, corpus.c) and nothing
 * else includes: the seeded random streams, the words names and texts are made of, and the
 * content pools every generated version points at.
 *
 * Every random choice comes from a splitmix64 stream; sr__rng_for gives each item (a skill,
 * a user, a pool entry) a stream of its own, so one item's draws do not shift another's and
 * a seed gives the same catalogue byte for byte. The order of draws within an item is part
 * of that promise: code that moves a draw changes the catalogue.
 */
#ifndef SR_BENCH_SYNTH_H
#define SR_BENCH_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "blob/blob.h"

/* ---- deterministic randomness ---- */

typedef struct sr__rng {
	uint64_t s;
} sr__rng;

static inline uint64_t sr__rng_next(sr__rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline double sr__rng_u01(sr__rng *r)
{
	return (double)(sr__rng_next(r) >> 11) * 0x1.0p-53;
}

static inline uint64_t sr__rng_below(sr__rng *r, uint64_t n)
{
	return n ? sr__rng_next(r) % n : 0;
}

/* A stream of its own for item i of a stream number (1-3 the pools, 10 skills, 20 users). */
static inline sr__rng sr__rng_for(uint64_t seed, uint64_t stream, uint64_t i)
{
	sr__rng r = {seed ^ (stream * 0xd1b54a32d192ed03ULL)};
	r.s ^= sr__rng_next(&r) + i * 0x9e3779b97f4a7c15ULL;
	sr__rng_next(&r);
	return r;
}

/* ---- words (corpus.c) ---- */

/* Index in [0, n) with early entries favoured: u^k concentrates toward 0. */
size_t sr__synth_pick_skewed(sr__rng *r, size_t n, double k);
/* A slug like "pdf-table-extract" in one of several shapes; *domain gets its domain word. */
void sr__synth_slug(sr__rng *r, char *out, size_t n, const char **domain);
/* Display name as publish derives it from a frontmatter name equal to the slug. */
void sr__synth_title(const char *slug, char *out, size_t n);
/* A summary of 60-200 characters about a domain, cut at a word boundary. */
void sr__synth_summary(sr__rng *r, const char *domain, char *out, size_t n);
/* A changelog line for a version after the first. */
void sr__synth_changelog(sr__rng *r, const char *domain, char *out, size_t n);
/* The i-th user's handle and display name, unique by construction. */
void sr__synth_person(int64_t i, char *handle, size_t hn, char *display, size_t dn);

/* ---- content pools (corpus.c) ---- */

#define SR__POOL_MD 256          /* distinct SKILL.md texts */
#define SR__POOL_OTHER 256       /* distinct other files */
#define SR__POOL_BUNDLES 512     /* distinct file sets with their zip; > the versions a skill has */
#define SR__POOL_EXTRA_FILES 4   /* files of a bundle besides SKILL.md, at most */
#define SR__POOL_NMETA 6         /* frontmatter metadata variants, the first "none" */

typedef struct sr__pool_blob {
	char sha[65];
	int64_t size;
	const char *path; /* other files only */
} sr__pool_blob;

typedef struct sr__pool_bundle {
	int nfiles;
	const char *path[1 + SR__POOL_EXTRA_FILES]; /* localeCompare order */
	const sr__pool_blob *blob[1 + SR__POOL_EXTRA_FILES];
	int64_t total_size, zip_size;
	char zip_sha[65], fingerprint[65];
} sr__pool_bundle;

typedef struct sr__pools {
	sr__pool_blob md[SR__POOL_MD], other[SR__POOL_OTHER];
	sr__pool_bundle bundle[SR__POOL_BUNDLES];
	char *meta_fm[SR__POOL_NMETA];   /* the metadata member of frontmatter_json, or NULL */
	char *meta_json[SR__POOL_NMETA]; /* latest_metadata / version_cold.metadata_json, or NULL */
} sr__pools;

/* Builds the pools for a seed, writing their blobs to b; at is the zips' timestamp. */
int sr__pools_build(uint64_t seed, int64_t at, sr_blobs *b, sr__pools *p);
void sr__pools_deinit(sr__pools *p);

#endif
