/*
 * bench.h - the benchmark tools: a synthetic catalogue and the legacy access patterns.
 *
 * Neither is a path the server runs. `skillreg gen` fills a data directory with a generated
 * catalogue (synth.c) and `skillreg bench-replay` measures the current read paths beside
 * ClawHub's pre-PR ones on it (legacy.c). They sit above the registry because the generator
 * builds its files with the registry's own zip, fingerprint and frontmatter code, and both
 * keep SQL of their own: the generator bulk-loads rows, the replay runs access patterns that
 * scan on purpose and so have no place in the store's catalogue.
 */
#ifndef SR_BENCH_H
#define SR_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct sr_synth_opts {
	const char *data_dir; /* created; must not hold a database yet */
	int64_t skills;
	uint64_t seed;
	int64_t now_ms;       /* the catalogue's "now"; 0 takes the clock */
	int progress;         /* progress lines on stderr */
} sr_synth_opts;

typedef struct sr_synth_stats {
	int64_t skills, users, versions, files, daily_rows, stars;
	int64_t db_bytes;
	double seconds;
} sr_synth_stats;

/* Fills o->data_dir with a synthetic catalogue of o->skills skills (skillreg gen). On
 * failure err says why. */
int sr_synth_generate(const sr_synth_opts *o, sr_synth_stats *out, char *err, size_t errsz);
/* The i-th search term (0 frequent, 1 middling, 2 rare) of generated catalogues, or NULL. */
const char *sr_synth_search_term(int i);

struct sr_buf;
/* Replays the read paths of a generated catalogue with the current statements (through s)
 * and with the pre-PR access patterns (a connection of its own on db_path), runs times
 * each, and appends one TSV line per path and pattern to out:
 *   path  pattern  rows  bytes  statements  usec_median  pages
 * pages (page-cache hits + misses of the last run) is empty when s cannot count every page
 * it reads (opened with a memory map: sr_store_tune(-1, 0) before opening it). */
int sr_bench_replay(sr_store *s, const char *db_path, int runs, struct sr_buf *out);

#endif
