/*
 * engine.h - the table of calls a database engine implements under the store, and the
 * header every store handle and statement starts with.
 *
 * The store runs on more than one engine (SQLite in sqlite.c, PostgreSQL in pg.c). The
 * domain files speak only internal.h; engine.c implements those calls and the engine-level
 * calls of store.h once, over the table below: one indirect call per operation, on the
 * engine the handle carries. What every engine does alike lives in engine.c too: the
 * generation bookkeeping of writes (what a transaction touched and which counters its commit
 * bumps), the bind-format walk of sr__query, the read context, the error text.
 *
 * An engine's store is `struct { sr_store base; ... }` and its statement
 * `struct { sr__stmt base; ... }`: engine.c reads only the headers, the engine casts to its
 * own type. Nothing outside src/store includes this file.
 */
#ifndef SR_STORE_ENGINE_H
#define SR_STORE_ENGINE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "store/internal.h"

struct sr_buf;
struct sr_gens;
struct sr__token_memo;

#define SR__TOUCH_MAX 64 /* generation slots one transaction bumps before it counts as wide */

struct sr__engine {
	const char *name;
	/* The handle: close frees it (the engine's own struct). */
	void (*close)(sr_store *s);
	int (*migrate)(sr_store *s);
	int (*begin)(sr_store *s);
	int (*commit)(sr_store *s);
	void (*rollback)(sr_store *s);
	/* Ends the request's read snapshot if its first statements opened one. */
	void (*read_end)(sr_store *s);
	/* Whether the next statement may read other than the latest committed state: a read
	 * snapshot open, a replica the request's reads may go to, or the writes of an open
	 * transaction. NULL for an engine with no memory of tokens. */
	int (*reads_may_lag)(sr_store *s);
	void (*page_stats)(sr_store *s, int64_t *hits, int64_t *misses);
	int (*pages_complete)(sr_store *s);
	int (*explain)(sr_store *s, int i, struct sr_buf *out);
	/* The engine's catalogue and full-text syntax. */
	const char *(*sql)(int q);
	int (*match_expr)(struct sr_buf *b, int match, const char *const *tokens, int n);
	/* Statements: prepare returns statement q reset with no bindings, and sets its
	 * `readonly`; engine.c counts the range and notes the write. */
	sr__stmt *(*prepare)(sr_store *s, int q);
	int (*step)(sr_store *s, sr__stmt *st);
	void (*reset)(sr__stmt *st);
	int64_t (*changes)(sr_store *s);
	int64_t (*last_id)(sr_store *s);
	int (*search_refused)(sr_store *s);
	void (*bind_int64)(sr__stmt *st, int i, int64_t v);
	void (*bind_null)(sr__stmt *st, int i);
	/* Text that outlives the step (copy 0), or n bytes copied now (copy 1). */
	void (*bind_text)(sr__stmt *st, int i, const char *v, size_t n, int copy);
	int64_t (*col_int64)(sr__stmt *st, int i);
	double (*col_double)(sr__stmt *st, int i);
	const char *(*col_text)(sr__stmt *st, int i);
	int (*col_is_null)(sr__stmt *st, int i);
	int (*col_count)(sr__stmt *st);
};

/* What sr_store_read_begin (a request's reads) and sr_store_snapshot_begin (every read in
 * the snapshot) ask of the engine's first statement; an engine may use the values above
 * them for its own bookkeeping until the snapshot opens. */
enum { SR__READ_NONE = 0, SR__READ_REQUEST = 1, SR__READ_STRICT = 2, SR__READ_SECOND = 3 };

/* The header of every engine's store handle. */
struct sr_store {
	const struct sr__engine *eng;
	sr_reads *reads;
	sr_reads scratch;
	int read_want; /* a read snapshot was asked for and is not open yet: SR__READ_* */
	int replica_ok; /* the request's reads may go to a replica (sr_store_read_begin_replica) */
	struct sr_gens *gens;
	struct sr__token_memo *memo; /* good tokens looked up (token_memo.h); NULL: none */
	/* What the open transaction's writes will bump once it commits: dirty the catalog (wide:
	 * and the details, else the slots), auth the auth generation. */
	struct {
		int dirty, wide, auth, n;
		int slot[SR__TOUCH_MAX];
	} touch;
	char err[256];
};

/* The header of every engine's statement. */
struct sr__stmt {
	const struct sr__engine *eng;
	int q;        /* its number in the catalogue */
	int readonly; /* it writes nothing */
};

/* Fills the header of a new handle: reads go to its scratch context. */
void sr__store_init(sr_store *s, const struct sr__engine *eng);

/* The generation bookkeeping (engine.c). An engine calls sr__touch_clear when a transaction
 * starts or rolls back, and sr__touch_apply once a write it ran has committed (a commit, or
 * an autocommit statement done): it bumps the auth generation, the catalog, then the
 * buckets. */
void sr__touch_clear(sr_store *s);
void sr__touch_apply(sr_store *s);
/* The same bumps just before a transaction's COMMIT, keeping what it touched for the
 * sr__touch_apply after it: whoever sees the commit (another connection, the tests' SQL, a
 * client told by a job's other effects) finds the counters moved already, instead of in the
 * moment between the COMMIT and the bump after it. An answer cached between the two bumps
 * (from the state before the commit) is outdated by the second. */
void sr__touch_announce(sr_store *s);

/* After a row has been counted into r: whether the request is past one of its read limits,
 * noted in r->exceeded ('r' rows, 'b' bytes, 'g' index ranges) for the answer's text. Both
 * engines' step call it on every row, so it is inline. */
static inline int sr__reads_exceeded(sr_reads *r)
{
	if (r->rows > r->max_rows)
		r->exceeded = 'r';
	else if (r->bytes > r->max_bytes)
		r->exceeded = 'b';
	else if (r->ranges > r->max_ranges)
		r->exceeded = 'g';
	return r->exceeded != 0;
}

/* The engines (sqlite.c, pg.c): open the database a target names. */
int sr__sqlite_open(const char *path, sr_store **out);
int sr__pg_open(const char *url, sr_store **out);

#endif
