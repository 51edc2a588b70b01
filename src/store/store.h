/*
 * store.h - the storage interface: the only way skillreg reads or writes its database.
 *
 * A store is an opaque handle on one database connection, used by one thread at a time
 * (each HTTP worker has its own). The layers above see operations on users, skills,
 * versions, stats, scans and jobs, never SQL or a database engine's types; the SQL lives
 * behind this header, one statement per operation step, each with a comment naming the index
 * it reads through (src/store/catalogue.c). SQLite is the implementation today
 * (src/store/sqlite.c and the domain files beside it); another engine implements this same
 * header.
 *
 * Read accounting is part of the contract. Every row a read hands back is counted into the
 * connection's current read context (sr_reads): rows, bytes of the columns (8 for a number,
 * the stored size of text, 0 for NULL), and index ranges opened. When a context's limit is
 * passed the read fails with SR_ELIMIT and the request ends with an error that names the
 * figure. The tests pin these counts per route, so an implementation must count the same.
 *
 * Rows are passed to callbacks (sr_row_fn) as views (sr_skill_row and friends) whose strings
 * point into the engine's memory and are valid only during the callback: hot paths encode
 * straight from the database into the response without copying.
 */
#ifndef SR_STORE_H
#define SR_STORE_H

#include <stddef.h>
#include <stdint.h>

typedef struct sr_store sr_store;

/*
 * Every store read that returns rows hands them one at a time to a callback of this one
 * type (the convention of qsort and sqlite3_exec): row points to the row type the reading
 * function names (sr_skill_row, sr_version_row, ...), and it and its strings are valid only
 * during the call. A callback returns 0 to go on, a positive value to stop early (the read
 * then returns 0), or a negative SR_E* code to stop with that error.
 */
typedef int (*sr_row_fn)(void *ud, const void *row);

/* The tables reads are attributed to (by the table each column comes from), for /metrics. */
enum sr_table {
	SR_T_OTHER = 0, /* expressions, aggregates, full-text ranks */
	SR_T_USERS,
	SR_T_API_TOKENS,
	SR_T_SKILLS,
	SR_T_SKILL_VERSIONS,
	SR_T_VERSION_FILES,
	SR_T_VERSION_COLD,
	SR_T_SKILL_TAGS,
	SR_T_SKILL_ALIASES,
	SR_T_STARS,
	SR_T_UPLOAD_TICKETS,
	SR_T_RESERVED_SLUGS,
	SR_T_STAT_EVENTS,
	SR_T_DOWNLOAD_DEDUPES,
	SR_T_STAT_CURSORS,
	SR_T_SKILL_DAILY_STATS,
	SR_T_AUDIT_LOG,
	SR_T_SKILL_SEARCH,
	SR_T_SKILL_SEARCH_SHORT,
	SR_T_TRENDING_SNAPSHOTS,
	SR_T_TRENDING_ENTRIES,
	SR_T_BACKFILL_STATE,
	SR_T_SCAN_RESULTS,
	SR_T_SCAN_FINDINGS,
	SR_T_SCAN_HOLDS,
	SR_T_SKILL_REPORTS,
	SR_T_GLOBAL_STATS,
	SR_T_PUBLISHER_MEMBERS,
	SR_T_SKILL_TRANSFERS,
	SR_T_SCAN_JOBS,
	SR_T_SKILL_CARDS,
	SR_T_COUNT
};
const char *sr_table_name(int t);

#define SR_READS_SKILL_IDS 8

/* A request's database reads and their ceilings (DESIGN.md section 4). */
typedef struct sr_reads {
	int64_t rows, bytes, ranges;
	int64_t max_rows, max_bytes, max_ranges;
	int64_t db_ns;     /* time spent inside the database engine */
	int64_t trips;     /* round trips to a database server (PostgreSQL; 0 on SQLite) */
	int64_t prepares;  /* of those, a connection's once: a statement's PREPARE, its table names */
	int exceeded;      /* which limit was passed: 0, 'r' rows, 'b' bytes, 'g' ranges */
	int errors;        /* database errors met, including ones a caller chose to absorb */
	/* The same rows and bytes by table: a row counts once, for the table of its first
	 * column; each column's bytes count for the table it comes from. */
	int64_t table_rows[SR_T_COUNT], table_bytes[SR_T_COUNT];
	/* The skills whose rows were read (lookups, details): a cached answer depends on each. */
	int nskills, skills_overflow;
	int64_t skill_ids[SR_READS_SKILL_IDS];
} sr_reads;

#define SR_READS_DEFAULT_ROWS 32000
#define SR_READS_DEFAULT_BYTES (16 * 1024 * 1024)
#define SR_READS_DEFAULT_RANGES 4096

void sr_reads_init(sr_reads *r);
/* Adds src's reads (rows, bytes, ranges, time, errors, by table) to dst; limits untouched.
 * Jobs read in batches, each with a budget of its own, and report their sum. */
void sr_reads_add(sr_reads *dst, const sr_reads *src);

/* A read budget of its own for one unit of a job's work (a batch, one scan): reads from
 * sr_store_budget_begin to sr_store_budget_end count against fresh default limits, so a job
 * is never stopped by the per-request ceilings however much it reads in total. End adds
 * them to *sum (may be NULL) and directs reads back to the context that was current. */
typedef struct sr_budget {
	sr_reads reads;
	sr_reads *prev;
} sr_budget;
void sr_store_budget_begin(sr_store *s, sr_budget *b);
void sr_store_budget_end(sr_store *s, sr_budget *b, sr_reads *sum);

/* The engine's page cache per connection (KiB) and memory map (bytes) for connections
 * opened after the call; a negative value keeps the current setting, and an engine without
 * one of them ignores it. */
#define SR_STORE_DEFAULT_CACHE_KIB 65536
#define SR_STORE_DEFAULT_MMAP_BYTES ((int64_t)1 << 30)
void sr_store_tune(int64_t cache_kib, int64_t mmap_bytes);

/* Opens the database a target names: a postgres:// or postgresql:// URL opens PostgreSQL,
 * anything else is a SQLite file (created when missing). */
int sr_store_open(const char *target, sr_store **out);
void sr_store_close(sr_store *s);
/* Applies the migrations not yet recorded in schema_migrations. */
int sr_store_migrate(sr_store *s);
/* Directs read accounting to r (NULL: a scratch context with default limits). */
void sr_store_set_reads(sr_store *s, sr_reads *r);
/* The read context reads are directed to now (for code that swaps it and puts it back). */
sr_reads *sr_store_get_reads(sr_store *s);
const char *sr_store_errmsg(sr_store *s);

/* The engine's page-cache hits and misses on this connection since the last call. */
void sr_store_page_stats(sr_store *s, int64_t *hits, int64_t *misses);
/* 1 when those counts cover every page the connection reads (SQLite without a memory map),
 * 0 when they cannot: pages fetched through SQLite's memory map are counted nowhere, and
 * PostgreSQL's buffer cache belongs to the server, not to the connection (its buffers are
 * read from pg_stat_statements instead: bench/pg.sh). */
int sr_store_pages_complete(sr_store *s);

/* The generation counters this database's writes bump (store/gen.h). Each committed write
 * bumps them after COMMIT: statements that name their skill (by id or slug) bump that
 * skill's buckets, the others bump SR_GEN_DETAILS, and every write that can change an
 * answer bumps SR_GEN_CATALOG. */
struct sr_gens;
struct sr_gens *sr_store_gens(sr_store *s);
/* On PostgreSQL, the highest sync marker (a notification "nN" on the generation channel) this
 * process has applied: every write committed before it reached this process's counters.
 * SR_ENOTFOUND on SQLite, where a commit bumps the shared counters itself. */
int sr_store_sync_marker(sr_store *s, uint64_t *out);

/* A read snapshot for a whole request: the reads until sr_store_read_end see one database
 * state, and the engine takes its read lock once instead of per statement. On an engine where
 * opening a snapshot is work of its own (PostgreSQL) a request of one statement opens none,
 * and the first statement reads the committed state just before the snapshot the others
 * share. sr_store_begin ends it. */
int sr_store_read_begin(sr_store *s);
/* The same, with the first statement inside the snapshot too: for code that compares what
 * its reads saw (a recount against the stored count). */
int sr_store_snapshot_begin(sr_store *s);
/* The same as sr_store_read_begin for a request that may read a streaming replica: an
 * anonymous GET (docs/postgres.md, "Read replicas and failover"). On PostgreSQL with replicas
 * configured its reads go to one that has replayed every write this process knows of; a
 * write it makes still goes to the primary. Elsewhere it is sr_store_read_begin. */
int sr_store_read_begin_replica(sr_store *s);
void sr_store_read_end(sr_store *s);

/* Read replicas of the PostgreSQL database primary_url, for every store the process opens
 * (at most 8; a replica whose replay is more than max_lag_ms behind is skipped). Starts one
 * monitor thread; stop it after the last store is closed. SR_EINVAL for too many. */
struct sr_buf;
int sr_store_set_replicas(const char *primary_url, const char *const *urls, int n, int max_lag_ms);
void sr_store_replicas_stop(void);
/* The replicas' state for /metrics (nothing without replicas). */
void sr_store_replica_metrics(struct sr_buf *out);
int sr_store_begin(sr_store *s); /* a write transaction: it takes the write lock up front */
int sr_store_commit(sr_store *s);
void sr_store_rollback(sr_store *s);

/* ---- users and tokens ---- */

enum { SR_ROLE_USER = 0, SR_ROLE_MODERATOR = 1, SR_ROLE_ADMIN = 2 };

typedef struct sr_user {
	int64_t id;
	char handle[64];
	char display_name[128];
	char image[256];
	int role;
	int64_t deactivated_at; /* 0 when in good standing */
} sr_user;

int sr_store_user_add(sr_store *s, const char *handle, const char *display_name, int role,
		      int64_t *id_out);
/* An account nobody has signed in to yet (an imported archive's owner): a user whose
 * users.claim_github is the lower-cased GitHub login that takes it over at its first GitHub
 * sign-in (sql/sqlite/0013_account_claims.sql). SR_EEXIST when the handle or the login is
 * already an account's. */
int sr_store_user_add_claimable(sr_store *s, const char *handle, const char *display_name,
				const char *claim_github, int64_t *id_out);
int sr_store_user_by_handle(sr_store *s, const char *handle, sr_user *out);
int sr_store_user_by_id(sr_store *s, int64_t id, sr_user *out);
/* A ban: the account's deactivated_at and ban_reason, and each of its skills hidden
 * (moderation_reason 'user.banned') and soft-deleted, in one transaction of its own. What
 * each skill's moderation state was before is kept (ban_holds) for an unban. */
int sr_store_user_ban(sr_store *s, int64_t user_id, const char *reason);
/* The same writes in the caller's transaction, with the caller's clock. */
int sr_store_user_ban_in_tx(sr_store *s, int64_t user_id, const char *reason, int64_t now);
/* An unban, in the caller's transaction: the account in good standing again; each skill the
 * ban hid and nobody has changed since gets back the state the ban kept (a skill banned
 * before there were holds: active, 'restored.unban', undeleted if the ban deleted it, which
 * it did if soft_deleted_at is banned_at); the account's tokens revoked and its web sessions
 * ended, so it signs in afresh. SR_ENOTFOUND when the account is not banned. */
int sr_store_user_unban_in_tx(sr_store *s, int64_t user_id, int64_t banned_at, int64_t now);
int sr_store_token_add(sr_store *s, int64_t user_id, const char *label, const char *prefix,
		       const char *hash);
/* What a token's own row says, beside its user. */
typedef struct sr_token_state {
	int revoked;          /* revoked, or past its expiry: refused either way */
	int64_t id;
	int64_t last_used_at; /* 0: no use recorded yet */
	int64_t expires_at;   /* 0: never */
} sr_token_state;
/* SR_ENOTFOUND for unknown hashes; the token's row into *state (revoked ones too). On
 * PostgreSQL a good token this node looked up before may be answered from its memory, at no
 * round trip, while no write that changes the answer has been seen (store/token_memo.c). */
int sr_store_token_lookup(sr_store *s, const char *hash, sr_user *user, sr_token_state *state);
/* Records a use of token id at now, unless a use at or after `since` is recorded already: the
 * condition is in the statement, so nodes that see one token at once write its row once. */
int sr_store_token_touch(sr_store *s, int64_t id, int64_t now, int64_t since);
/* Revokes every live token whose display prefix starts with prefix; *n gets the count. */
int sr_store_token_revoke(sr_store *s, const char *prefix, int *n);

/* ---- skills ---- */

typedef struct sr_skill_row {
	int64_t id, owner_id;
	const char *slug, *display_name, *summary, *tags_json;
	int64_t latest_version_id; /* 0 when none */
	const char *latest_version, *latest_changelog, *latest_metadata;
	int64_t latest_created_at;
	int moderation_status;
	const char *moderation_reason;
	int moderation_flags;
	int moderation_verdict; /* SR_VERDICT_*, NONE when unset */
	int64_t soft_deleted_at;
	int64_t downloads, stars, installs, versions, comments;
	int64_t created_at, updated_at;
	int is_suspicious, is_public, is_listed;
	const char *owner_handle, *owner_display_name, *owner_image;
	double rank; /* search only */
} sr_skill_row;

/* A skill copied out of the database, for code that keeps it across statements. */
typedef struct sr_skill {
	int64_t id, owner_id;
	char slug[100];
	char display_name[256];
	char owner_handle[64];
	int64_t latest_version_id;
	char latest_version[260];
	int moderation_status;
	char moderation_reason[64];
	int moderation_flags;
	int moderation_verdict;
	int64_t soft_deleted_at;
	int is_suspicious, is_public, is_listed;
	int64_t stats_versions, created_at;
} sr_skill;

void sr_skill_copy(sr_skill *dst, const sr_skill_row *src);

/* The reads below hand their callback sr_skill_row rows. */

/* Every skill with this slug, any owner, deleted or not (at most max rows), whole rows. */
int sr_store_skills_by_slug(sr_store *s, const char *slug, int max, sr_row_fn fn, void *ud);

/* Lookups: the same rows, but carrying only what finding a skill and deciding who may see it
 * needs (ids, slug, display name, latest version, moderation fields, deletion, visibility,
 * version count, owner handle); every other field is NULL or 0. */
int sr_store_lookup_slug(sr_store *s, const char *slug, int max, sr_row_fn fn, void *ud);
int sr_store_lookup_owner_slug(sr_store *s, int64_t owner_id, const char *slug, sr_row_fn fn,
			       void *ud);
int sr_store_skill_by_id(sr_store *s, int64_t id, sr_row_fn fn, void *ud);

/* Old slugs of renamed or merged skills: the skills they name now (lookup rows). */
int sr_store_lookup_alias(sr_store *s, const char *slug, int max, sr_row_fn fn, void *ud);
int sr_store_lookup_owner_alias(sr_store *s, int64_t owner_id, const char *slug, sr_row_fn fn,
				void *ud);
/* The skills a bare slug names in one statement: the first 16 skills holding it and the first
 * 8 it is an alias of (by id), in no set order, at most max rows; a skill both holding and
 * aliased by the slug comes twice (lookup rows). */
int sr_store_lookup_any(sr_store *s, const char *slug, int max, sr_row_fn fn, void *ud);
/* The skill of the owner with this handle that a slug names, as the owner's slug and as an
 * alias of theirs, in one statement: at most two rows in no set order (lookup rows); a skill
 * named both ways comes twice. */
int sr_store_lookup_owned(sr_store *s, const char *handle, const char *slug, sr_row_fn fn, void *ud);

/* What a publish decides a slug's claim by, in one statement (sr_store_slug_claims): rows of
 * these kinds, in no set order. */
enum {
	SR_CLAIM_OWN,       /* the owner's skill holding the slug */
	SR_CLAIM_OWN_ALIAS, /* the skill an alias of the owner's by the slug names */
	SR_CLAIM_HOLDER,    /* a skill holding the slug, any owner (the first 16 by id) */
	SR_CLAIM_ALIASED,   /* a skill the slug is an alias of, any owner (the first 16 by id) */
	SR_CLAIM_RESERVED,  /* a reservation of the slug (the first 4): skill.owner_id only */
	SR_CLAIM_VERSION,   /* the version asked for of an SR_CLAIM_OWN* skill: skill.id only */
	SR_CLAIM_IDS,       /* the last row, when asked for: next_skill_id and next_version_id */
};
typedef struct sr_slug_claim_row {
	int kind;           /* SR_CLAIM_* */
	sr_skill_row skill; /* a lookup row; for SR_CLAIM_RESERVED only owner_id and slug; the
			     * owner's rows (SR_CLAIM_OWN*) also downloads, installs and stars */
	int64_t next_skill_id, next_version_id; /* SR_CLAIM_IDS */
	const char *digest; /* SR_CLAIM_IDS: of the other rows, or NULL (SQLite) */
} sr_slug_claim_row;
/* The claims on slug as the owner with this handle publishes version to it at now: the
 * owner's skill (as sr_store_lookup_owned finds it), the skills holding the slug and those it
 * is an alias of (as sr_store_lookup_slug and sr_store_lookup_alias read them, 16 each), its
 * reservations not expired at now, and whether the owner's skills have that version. A last
 * row draws the ids the publish's skill and version are inserted with (sr_new_skill.id,
 * sr_new_version.id): then the inserts need no answer, which on PostgreSQL is a round trip
 * each. PostgreSQL draws them from sequences, good wherever they are drawn, and adds a digest
 * of the claims for sr_store_slug_claims_expect; SQLite gives the last ids plus one, good only
 * when read inside the write transaction, and no digest. */
int sr_store_slug_claims(sr_store *s, const char *handle, const char *slug, const char *version, int64_t now,
			 sr_row_fn fn, void *ud);
/* Inside a write transaction: that the same claims still have the digest an earlier
 * sr_store_slug_claims gave. Sent with the transaction's next exchange; when they changed,
 * that exchange (the commit, at the latest) fails with SR_ECONFLICT and the transaction is
 * rolled back. */
int sr_store_slug_claims_expect(sr_store *s, const char *handle, const char *slug, const char *version,
				int64_t now, const char *digest);

/* A skill's detail in one statement: whole skill rows, as sr_store_lookup_any finds them, each
 * with its latest version's fields and the SKILL.md the detail shows (api-v1 section 2.2). */
typedef struct sr_detail_row {
	sr_skill_row skill;
	const char *version, *changelog; /* version NULL: the skill has no latest version */
	int64_t version_created_at, version_deleted_at;
	const char *md_sha256; /* NULL: the version has no SKILL.md */
	int64_t md_size;
} sr_detail_row;

int sr_store_detail_any(sr_store *s, const char *slug, int max, sr_row_fn fn, void *ud);
/* The same for the skill of owner `handle` (normalized) holding the slug; no alias (at most
 * one row). */
int sr_store_detail_owned(sr_store *s, const char *handle, const char *slug, sr_row_fn fn, void *ud);
/* The same for the skill of that id (the search backfill reads its SKILL.md so). */
int sr_store_detail_by_id(sr_store *s, int64_t skill_id, sr_row_fn fn, void *ud);
int sr_store_alias_set(sr_store *s, int64_t owner_id, const char *slug, int64_t skill_id, int64_t now);
int sr_store_alias_remove(sr_store *s, int64_t owner_id, const char *slug);
/* Aliases of one skill now name another (a merge). */
int sr_store_aliases_repoint(sr_store *s, int64_t from_skill, int64_t to_skill);
int sr_store_skill_rename(sr_store *s, int64_t skill_id, const char *slug, int64_t now);
/* Soft-deletes and hides a skill merged into another (reason owner.merged). */
int sr_store_skill_mark_merged(sr_store *s, int64_t skill_id, int64_t now);

enum sr_sort {
	SR_SORT_UPDATED = 0,
	SR_SORT_CREATED,
	SR_SORT_NAME,
	SR_SORT_DOWNLOADS,
	SR_SORT_STARS,
	SR_SORT_INSTALLS,
	SR_SORT_COUNT
};
enum sr_filter { SR_FILTER_LISTED = 0, SR_FILTER_PUBLIC = 1, SR_FILTER_COUNT };

typedef struct sr_list_query {
	int sort, filter;
	int desc;           /* 1 descending */
	int limit;          /* rows wanted; the store reads limit + 1 to know if there is more */
	const char *prefix; /* name sort only: slugs starting with it */
	int has_after;      /* keyset position: rows strictly after this key */
	int64_t after_k1, after_k2, after_id;
	const char *after_text;
} sr_list_query;

/* Calls fn for up to limit + 1 rows in the query's order. */
int sr_store_list(sr_store *s, const sr_list_query *q, sr_row_fn fn, void *ud);

/* One owner's public skills, most recently updated first, keyset after (updated_at, id) when
 * has_after; limit + 1 rows (the web site's owner page). */
int sr_store_owner_skills(sr_store *s, int64_t owner_id, int limit, int has_after,
			  int64_t after_updated, int64_t after_id, sr_row_fn fn, void *ud);

/* Every skill of an owner, deleted, hidden and pending ones too (the owner's dashboard), in
 * the order and with the keyset of sr_store_owner_skills; limit + 1 rows. */
int sr_store_owner_all_skills(sr_store *s, int64_t owner_id, int limit, int has_after, int64_t after_updated,
			      int64_t after_id, sr_row_fn fn, void *ud);
/* The skills a user starred, the newest star first, in any state: at most limit rows. */
int sr_store_starred(sr_store *s, int64_t user_id, int limit, sr_row_fn fn, void *ud);

/* How a full-text read matches a query's tokens; every token must match. */
enum sr_match {
	SR_MATCH_NAMES = 0, /* inside the slug or the display name; tokens of 3+ characters */
	SR_MATCH_WORDS,     /* whole words of slug, name or summary; a CJK token matches its
			     * characters in a row */
	SR_MATCH_PREFIXES,  /* as SR_MATCH_WORDS, but a token other than a CJK one may start a
			     * word */
	SR_MATCH_INSIDE,    /* inside any word of slug, name or summary; tokens of 3+ characters */
	SR_MATCH_COUNT
};

/* Full-text candidates: up to limit browse-eligible skills whose text matches every token
 * the way match says. The ranked kinds set row->rank (lower is better, bm25) over only the
 * `window` newest matches (by creation), so the work is bounded by the window, not by how
 * many skills match; ClawHub's own lexical fallback is bounded the same way, by the 500 most
 * recently updated skills. SR_MATCH_NAMES does not rank (rank 0): the newest `window`
 * matches, up to limit browse-eligible ones. SR_EINVAL when the full-text index cannot
 * parse the tokens (the caller may take it as no match). */
int sr_store_search(sr_store *s, int match, const char *const *tokens, int ntokens, int limit,
		    int window, sr_row_fn fn, void *ud);
/* The windows the API uses (words for SR_MATCH_WORDS and SR_MATCH_PREFIXES, trigrams for
 * the others). bm25 costs a few microseconds per match (more for trigram phrases), so an unbounded rank grows with the catalogue: on a generated 1,000,000-skill
 * catalogue a common word matched 74,000 skills and ranking them all took 400 ms, ranking the
 * newest 1,000 about 5 ms; these windows keep a search near a millisecond. */
#define SR_SEARCH_WINDOW_WORDS 500
#define SR_SEARCH_WINDOW_TRIGRAMS 200

/* ---- versions ---- */

typedef struct sr_version_row {
	int64_t id, skill_id;
	const char *version, *fingerprint, *changelog;
	int changelog_source; /* -1 unset */
	int64_t created_at, soft_deleted_at, created_by;
	int64_t file_count, total_size;
	const char *zip_sha256;
	int64_t zip_size;
	int scan_state;   /* SR_SCAN_* (store.h, scanning section) */
	int scan_verdict; /* -1 none */
} sr_version_row;

/* A lookup and one version in one statement, for the routes that name a version (download):
 * lookup rows with the skill's version `version` (version.id 0: the skill has no such
 * version). _any: the skills a bare slug names, as sr_store_lookup_any; _owned: the skill of
 * owner `handle` (normalized) holding the slug, no alias (at most one row). */
typedef struct sr_lookup_version_row {
	sr_skill_row skill;
	sr_version_row version;
} sr_lookup_version_row;

int sr_store_lookup_version_any(sr_store *s, const char *slug, const char *version, int max,
				sr_row_fn fn, void *ud);
int sr_store_lookup_version_owned(sr_store *s, const char *handle, const char *slug,
				  const char *version, sr_row_fn fn, void *ud);

typedef struct sr_file_row {
	const char *path, *sha256, *content_type;
	int64_t size;
	int ord;
} sr_file_row;

/* The version reads hand their callback sr_version_row rows, the file reads sr_file_row. */

int sr_store_version_get(sr_store *s, int64_t skill_id, const char *version, sr_row_fn fn,
			 void *ud);
int sr_store_version_by_id(sr_store *s, int64_t id, sr_row_fn fn, void *ud);
/* Live versions newest first, keyset after (created_at, id) when has_after; limit + 1 rows. */
int sr_store_versions_page(sr_store *s, int64_t skill_id, int limit, int has_after,
			   int64_t after_created, int64_t after_id, sr_row_fn fn, void *ud);
/* All versions of a skill (deleted too), for latest repointing; bounded by max. */
int sr_store_versions_all(sr_store *s, int64_t skill_id, int max, sr_row_fn fn, void *ud);
int sr_store_version_by_fingerprint(sr_store *s, int64_t skill_id, const char *fp,
				    sr_row_fn fn, void *ud);
int sr_store_version_files(sr_store *s, int64_t version_id, sr_row_fn fn, void *ud);
int sr_store_version_file(sr_store *s, int64_t version_id, const char *path, sr_row_fn fn,
			  void *ud);
/* frontmatter_json and metadata_json of a version (copies; free()). */
int sr_store_version_cold(sr_store *s, int64_t version_id, char **frontmatter, char **metadata);

/* ---- publish ---- */

typedef struct sr_new_file {
	const char *path, *sha256, *content_type;
	int64_t size;
} sr_new_file;

typedef struct sr_new_skill {
	int64_t owner_id;
	const char *slug, *display_name, *summary;
	int64_t now;
	int64_t id; /* drawn ahead (sr_store_slug_claims), or 0: the insert picks it */
} sr_new_skill;

/* SR_EEXIST when another live skill holds the slug (the unique index of migration 0009). */
int sr_store_skill_insert(sr_store *s, const sr_new_skill *n, int64_t *id_out);
/* The same for an import: the skill may share its slug with another publisher's live skill
 * (it is marked slug_shared, which the index skips). */
int sr_store_skill_insert_shared(sr_store *s, const sr_new_skill *n, int64_t *id_out);
int sr_store_reserved_slug_holder(sr_store *s, const char *slug, int64_t now, int64_t *owner_out);
int sr_store_reserve_slug(sr_store *s, const char *slug, int64_t owner_id, int64_t until);
/* Ends an owner's reservation (their skill came back). */
int sr_store_unreserve_slug(sr_store *s, const char *slug, int64_t owner_id);

typedef struct sr_new_version {
	int64_t skill_id, created_by, created_at;
	const char *version, *fingerprint, *changelog;
	int changelog_source;
	const sr_new_file *files; /* in localeCompare order */
	size_t nfiles;
	int64_t total_size;
	const char *zip_sha256;
	int64_t zip_size;
	const char *frontmatter_json, *metadata_json;
	int64_t id; /* drawn ahead (sr_store_slug_claims), or 0: the insert picks it */
} sr_new_version;

int sr_store_version_insert(sr_store *s, const sr_new_version *v, int64_t *id_out);

/* Points `latest` at a version and copies its summary onto the skill row (same
 * transaction as the caller's write). version_id 0 clears it. */
int sr_store_set_latest(sr_store *s, int64_t skill_id, int64_t version_id);
int sr_store_skill_set_identity(sr_store *s, int64_t skill_id, const char *display_name,
				const char *summary);
int sr_store_tag_set(sr_store *s, int64_t skill_id, const char *tag, int64_t version_id);
int sr_store_tag_get(sr_store *s, int64_t skill_id, const char *tag, int64_t *version_id);
/* Rebuilds skills.tags_json from skill_tags, leaving out tags on deleted versions. */
int sr_store_tags_refresh(sr_store *s, int64_t skill_id);
int sr_store_skill_touch(sr_store *s, int64_t skill_id, int64_t now, int versions_delta);
/* Rewrites the entries of the skill skill_id names in both search indexes from its row: the
 * full-text tables and the word index's postings, vocabulary counts and typo keys
 * (store/postings.c), in the caller's transaction; the word index also takes the body text
 * last set for the skill. Every write that changes a skill's slug, name, summary or body text
 * calls it, or sr_store_search_index_source. */
int sr_store_search_index(sr_store *s, int64_t skill_id);
/* What a skill's search index is made of: its fields as stored, the searchable text of its
 * SKILL.md as sr_store_search_text_set stored it (NULL when none), and its counters (the
 * postings' popularity). */
typedef struct sr_index_source {
	int64_t id;
	const char *slug, *display_name, *summary, *body;
	int64_t downloads, installs, stars;
} sr_index_source;
/* sr_store_search_index from a source the caller holds (a publish wrote it in this
 * transaction): the same writes without reading the skill back. */
int sr_store_search_index_source(sr_store *s, const sr_index_source *src);
/* The searchable text of a skill's latest SKILL.md (registry/search.h makes it), kept for
 * sr_store_search_index; at most SR_SEARCH_TEXT_MAX bytes are kept. */
#define SR_SEARCH_TEXT_MAX 8192
int sr_store_search_text_set(sr_store *s, int64_t skill_id, const char *text);

/* ---- the word index a search reads (store/postings.c, docs/search.md) ---- */

typedef struct sr_posting_row {
	int64_t skill_id;
	int impact; /* text score << 4 | popularity bucket when indexed (terms.h) */
} sr_posting_row;
typedef struct sr_term_row {
	const char *term; /* as the postings hold it */
	const char *word; /* the word form it came from (typo keys); the term otherwise */
	int64_t df;       /* skills whose text holds it */
	int64_t titled;   /* times indexed from a slug, name or summary (sr_store_term_df only) */
} sr_term_row;
/* The skill rows of ids[0..n) that exist, in no particular order, SR_IDS_BATCH per statement
 * (one round trip each on PostgreSQL). */
#define SR_IDS_BATCH 8
int sr_store_skills_by_ids(sr_store *s, const int64_t *ids, int n, sr_row_fn fn, void *ud);
/* How many skills hold term (0 when none does or it is unknown), and how many times it was
 * indexed from a slug, name or summary (0: a word of bodies only, which has no typo keys). */
int sr_store_term_df(sr_store *s, const char *term, int64_t *df, int64_t *titled);
/* The best `limit` postings of term, highest impact first: rows sr_posting_row. */
int sr_store_postings(sr_store *s, const char *term, int limit, sr_row_fn fn, void *ud);
/* Up to limit terms held by some skill that start with prefix, in byte order: rows
 * sr_term_row. */
int sr_store_terms_prefix(sr_store *s, const char *prefix, int limit, sr_row_fn fn, void *ud);
/* Vocabulary words with one of the typo keys keys[0..n) (a word, or it with one letter
 * deleted), with their terms, up to limit per SR_TYPO_KEYS keys (one statement each): rows
 * sr_term_row. */
#define SR_TYPO_KEYS 16
int sr_store_typo_terms(sr_store *s, const char *const *keys, int n, int limit, sr_row_fn fn, void *ud);

/* ---- lifecycle ---- */

int sr_store_skill_soft_delete(sr_store *s, int64_t skill_id, int64_t now);
/* Clears the deletion; unhide also makes the moderation status active (staff). */
int sr_store_skill_undelete(sr_store *s, int64_t skill_id, int unhide);
/* Hides a skill by moderation with a reason (e.g. staff.hidden). */
int sr_store_skill_hide(sr_store *s, int64_t skill_id, const char *reason);
/* Drops the tags other than `latest` that name a version (it was withdrawn). */
int sr_store_tags_drop_version(sr_store *s, int64_t skill_id, int64_t version_id);
int sr_store_version_soft_delete(sr_store *s, int64_t version_id, int64_t now);
int sr_store_version_restore(sr_store *s, int64_t version_id);
int sr_store_audit(sr_store *s, int64_t actor_id, const char *action, int64_t skill_id,
		   const char *detail, int64_t now);

/* ---- stars, stats ---- */

/* *changed = 1 when a row was added/removed (and the counter moved). */
int sr_store_star(sr_store *s, int64_t skill_id, int64_t user_id, int64_t now, int *changed);
int sr_store_unstar(sr_store *s, int64_t skill_id, int64_t user_id, int *changed);
/* Appends a download event unless this identity already downloaded the skill today. */
int sr_store_download_event(sr_store *s, int64_t skill_id, const char *identity, int64_t now);
int sr_store_install_event(sr_store *s, int64_t skill_id, int64_t now);
/* Folds up to batch unprocessed events into counters and daily stats; *n = events folded. */
int sr_store_fold_events(sr_store *s, int batch, int *n);

/* ---- upload tickets ---- */

typedef struct sr_ticket {
	char ticket[64];
	int64_t user_id;
	char path[512];
	int64_t size;
	char sha256[65];
	char content_type[128];
	int64_t expires_at, uploaded_at, used_at;
} sr_ticket;

int sr_store_ticket_add(sr_store *s, const sr_ticket *t, int64_t now);
int sr_store_ticket_get(sr_store *s, const char *ticket, sr_ticket *out);
/* The tickets of the list that exist, in one statement, in no order: rows are sr_ticket.
 * SR_EINVAL for a name no ticket can have (one JSON would have to escape). */
int sr_store_tickets_get(sr_store *s, const char *const *tickets, size_t n, sr_row_fn fn, void *ud);
int sr_store_ticket_mark_uploaded(sr_store *s, const char *ticket, int64_t now);
/* SR_EEXIST when the ticket is used already or expired at now. */
int sr_store_ticket_mark_used(sr_store *s, const char *ticket, int64_t now);
/* Inside a write transaction on PostgreSQL, beside sr_store_slug_claims_expect: marks the n
 * distinct tickets used, and has the database assert that each was live at now. Sent with
 * the transaction's next exchange; when one was not, that exchange fails with SR_ECONFLICT
 * (the caller marks them one by one instead, which says which, or reads them again). */
int sr_store_tickets_use_expect(sr_store *s, const char *const *tickets, size_t n, int64_t now);
/* Whether the engine has the asserting statements (the *_expect above; PostgreSQL): where a
 * read made only to decide costs a round trip and an assertion in a write transaction none. */
int sr_store_asserts(sr_store *s);
/* Deletes at most limit tickets expired at now, oldest first; *deleted says how many. */
int sr_store_tickets_expire(sr_store *s, int64_t now, int limit, int64_t *deleted);
/* A user's upload tickets neither used nor expired at now (an upload quota): how many, at
 * most max_count of them read, and their declared bytes. */
int sr_store_tickets_pending(sr_store *s, int64_t user_id, int64_t now, int max_count, int64_t *count,
			     int64_t *bytes);

/* ---- blob references (the blob collector) ---- */

/* Whether a version's file, a version's download archive, a ticket not expired at now or a
 * publish in flight (a hold not expired at now) names the blob sha: four index lookups,
 * stopping at the first that answers. */
int sr_store_blob_referenced(sr_store *s, const char *sha, int64_t now, int *referenced);
/* Records that a publish in flight is about to store or reuse the blobs shas[0..n), under
 * the number hold (random, the publish's own), until expires_at: one statement of its own,
 * outside any transaction. On PostgreSQL it is sent with the next statement the store runs
 * (one round trip for both, both in one implicit transaction), which must be read before any
 * of those bytes is put: then the collector sees the holds first. A failure of the holds
 * fails that statement. On SQLite it is committed when this returns. */
int sr_store_blob_hold(sr_store *s, int64_t hold, const char *const *shas, size_t n, int64_t expires_at);
/* Ends the publish's holds (once its transaction committed or failed). */
int sr_store_blob_release(sr_store *s, int64_t hold);
/* Deletes at most limit holds expired at now (left by a process that died mid-publish). */
int sr_store_blob_holds_expire(sr_store *s, int64_t now, int limit, int64_t *deleted);

/* ---- batch reads for jobs (moderation, trending, global count) ---- */

/* One row of a keyset batch: an id and the key the batch is ordered by after it (or the
 * second value the read names). */
typedef struct sr_key_row {
	int64_t id, key;
} sr_key_row;

/* Skills with this moderation status and reason in creation order, strictly after
 * (after_created, after_id) (pass -1, -1 to start), up to limit: rows sr_key_row, ids and
 * created_at only. */
int sr_store_moderation_page(sr_store *s, int status, const char *reason, int64_t after_created,
			     int64_t after_id, int limit, sr_row_fn fn, void *ud);
/* Public skills in creation order after (after_created, after_id), up to limit: rows
 * sr_key_row, id and created_at (the global count pages through these). */
int sr_store_public_ids_page(sr_store *s, int64_t after_created, int64_t after_id, int limit,
			     sr_row_fn fn, void *ud);

typedef struct sr_daily_row {
	int64_t skill_id, installs, downloads;
} sr_daily_row;
/* One UTC day's stats rows with skill_id > after_skill, up to limit, in skill order: rows
 * sr_daily_row. */
int sr_store_daily_page(sr_store *s, int64_t day, int64_t after_skill, int limit, sr_row_fn fn,
			void *ud);

/* ---- the public-skill count (data-model section 3.4) ---- */

/* The number of public skills, one primary-key row kept by triggers on skills.is_public in
 * the transaction of every write that changes it (sql/sqlite/0004_global_count.sql). */
int sr_store_public_count(sr_store *s, int64_t *n);
/* Adds delta to it: the daily recount's correction (src/stats/global.c), never a write
 * path's bookkeeping. */
int sr_store_public_count_adjust(sr_store *s, int64_t delta, int64_t now);

/* ---- trending leaderboard (data-model section 3.3) ---- */

typedef struct sr_trending_snapshot {
	int64_t id, computed_at;
	int64_t day; /* the UTC day bucket the 7-day window ends on */
	int entries;
} sr_trending_snapshot;

typedef struct sr_trending_entry {
	int64_t skill_id, installs, downloads;
} sr_trending_entry;

/* The newest snapshot, or SR_ENOTFOUND when none was written yet. */
int sr_store_trending_latest(sr_store *s, sr_trending_snapshot *out);
/* One snapshot by id, or SR_ENOTFOUND (never written, or deleted as older than the kept ones). */
int sr_store_trending_snapshot(sr_store *s, int64_t id, sr_trending_snapshot *out);
/* In one transaction: writes a snapshot of n entries ranked 1..n in the order given, then
 * deletes every snapshot but the newest keep. With only_if_none, writes nothing when a
 * snapshot exists by then (two cold starts racing) and *id_out gets that one's id. */
int sr_store_trending_write(sr_store *s, int64_t computed_at, int64_t day, const sr_trending_entry *e,
			    int n, int keep, int only_if_none, int64_t *id_out);
/* One leaderboard entry joined to its skill's whole list row (skill.rank is 0). */
typedef struct sr_trending_row {
	sr_skill_row skill;
	int rank;
	int64_t installs, downloads;
} sr_trending_row;
/* A snapshot's entries with rank > after_rank in rank order, up to limit, each joined to its
 * skills row (whole list rows, owner included): rows sr_trending_row. Entries whose skill row
 * is gone are absent. The caller drops the rows that are no longer browse-eligible. */
int sr_store_trending_page(sr_store *s, int64_t snapshot_id, int after_rank, int limit,
			   sr_row_fn fn, void *ud);
/* Whether a skill is browse-eligible, reading only that column; SR_ENOTFOUND when absent. */
int sr_store_skill_listed(sr_store *s, int64_t id, int *listed);

/* ---- scheduled jobs across nodes (src/cron/cron.c) ---- */

/*
 * Claims one run of the job called name for node (host:pid) at now_ms, on the claimant's
 * clock: *won = 1 when no node claimed it in the interval_ms before now_ms, and the claim
 * is then this node's; 0 when another node's (or this one's) last claim is younger. One
 * conditional write, so of any number of nodes that try within one interval exactly one
 * wins (sql/sqlite/0011_job_claims.sql).
 */
int sr_store_job_claim(sr_store *s, const char *name, const char *node, int64_t now_ms,
		       int64_t interval_ms, int *won);

/* ---- backfills (src/cron/backfill.c) ---- */

/* A backfill's progress, one row of backfill_state. A pass walks skills by id; last_id is
 * the last id done, finished_at 0 while the pass is under way. */
typedef struct sr_backfill_state {
	int64_t last_id, pass, started_at, finished_at, scanned, changed;
} sr_backfill_state;

/* SR_ENOTFOUND when the backfill never ran. */
int sr_store_backfill_state_get(sr_store *s, const char *name, sr_backfill_state *out);
int sr_store_backfill_state_put(sr_store *s, const char *name, const sr_backfill_state *in);
/* The highest skill id (0 when there are none), for progress. */
int sr_store_skills_max_id(sr_store *s, int64_t *id);

/* One skill: whether its latest_* columns differ from the version latest_version_id names
 * (as sr_store_set_latest would write them; a dangling id is stale too). */
typedef struct sr_bf_summary {
	int64_t id, latest_version_id;
	int stale;
} sr_bf_summary;
/* Skills with id > after in id order, up to limit (rows holds limit). */
int sr_store_backfill_summary_page(sr_store *s, int64_t after, int limit, sr_bf_summary *rows, int *n);

/* downloads, installs, stars, versions: the counters on skills and their recount. */
#define SR_BF_COUNTERS 4
typedef struct sr_bf_counters {
	int64_t id;
	int64_t have[SR_BF_COUNTERS], want[SR_BF_COUNTERS];
} sr_bf_counters;
int sr_store_backfill_counters_page(sr_store *s, int64_t after, int limit, sr_bf_counters *rows, int *n);
/* Sets the four counters (never updated_at). */
int sr_store_backfill_counters_set(sr_store *s, int64_t id, const int64_t v[SR_BF_COUNTERS]);
/* ---- scanning and moderation (src/moderation, migration 0005) ---- */

enum { SR_SCAN_NONE = 0, SR_SCAN_PENDING = 1, SR_SCAN_DONE = 2, SR_SCAN_ERROR = 3 };

/* The moderation columns' values, named once; their names for people and JSON are in
 * registry/modstate.h. skills.moderation_status: */
enum { SR_SKILL_ACTIVE = 0, SR_SKILL_HIDDEN = 1, SR_SKILL_REMOVED = 2 };
/* skills.moderation_flags, bits: */
enum { SR_FLAG_SUSPICIOUS = 1, SR_FLAG_MALWARE = 2 };
/* A verdict: skills.moderation_verdict, versions.scan_verdict, scan_results.verdict, and what
 * a scanner decides. NONE is the column's NULL. */
typedef enum sr_scan_verdict {
	SR_VERDICT_NONE = -1,
	SR_VERDICT_CLEAN = 0,
	SR_VERDICT_SUSPICIOUS = 1,
	SR_VERDICT_MALICIOUS = 2
} sr_scan_verdict;
/* scan_results.status: */
enum { SR_SCAN_RESULT_DONE = 1, SR_SCAN_RESULT_ERROR = 2 };

/* A version's scan state, copied out. verdict -1 when none. */
typedef struct sr_version_scan {
	int64_t id, skill_id;
	char version[260];
	char zip_sha256[65];
	int state, verdict;
	int64_t requested_at, scanned_at, soft_deleted_at;
	int64_t claimed_at; /* a worker's claim while it scans; 0 when none */
	int64_t created_by; /* who published it */
} sr_version_scan;

int sr_store_version_scan_get(sr_store *s, int64_t version_id, sr_version_scan *out);
/* A version a scanner found malicious, for the publisher's auto-ban (migration 0024); *added
 * 0 when the version had its finding already. */
int sr_store_malware_finding_add(sr_store *s, int64_t user_id, int64_t skill_id, int64_t version_id, int64_t now,
				 int *added);
/* Whether the account is one nobody has signed in to yet (an imported archive's owner). */
int sr_store_user_claimable(sr_store *s, int64_t user_id, int *claimable);
/* The publisher's latest `limit` findings, newest first: rows sr_key_row (skill id, version
 * id). */
int sr_store_malware_findings(sr_store *s, int64_t user_id, int limit, sr_row_fn fn, void *ud);
/* Takes back every finding of a skill's versions (staff judged it not malware); *n gets how
 * many there were. */
int sr_store_malware_findings_drop(sr_store *s, int64_t skill_id, int *n);
/* Puts a version (back) in the scan queue, requested at now. */
int sr_store_version_scan_request(sr_store *s, int64_t skill_id, int64_t version_id, int64_t now);
/* An active skill's reason becomes pending.scan (a publish); hidden skills keep theirs. */
int sr_store_skill_mark_pending(sr_store *s, int64_t skill_id);
/* Pending versions in request order after (after_req, after_id), up to limit: rows
 * sr_key_row (id, requested_at). */
int sr_store_scan_queue(sr_store *s, int64_t after_req, int64_t after_id, int limit, sr_row_fn fn,
			void *ud);
/* Claims a pending version for one scan (many nodes' workers share the queue): *won is 1
 * when the version took `claim` (an identifier unique to the claimant), that is when no
 * claim was held or the one held was taken lease_ms or more before now. */
int sr_store_version_scan_claim(sr_store *s, int64_t version_id, const char *claim, int64_t now,
				int64_t lease_ms, int *won);
/* Ends a scan: state and verdict (-1: none), unless the version was requested again since
 * requested_at (then it stays pending, to be scanned again) or, for a scan under a claim,
 * the version no longer holds `claim` (NULL: a scan by hand, which needs none). Drops the
 * claim. *finished (may be NULL) is 1 when the version's row was written. */
int sr_store_version_scan_finish(sr_store *s, int64_t skill_id, int64_t version_id, int state, int verdict,
				 int64_t now, int64_t requested_at, const char *claim, int *finished);

typedef struct sr_scan_result_row {
	const char *source;
	int status;  /* SR_SCAN_RESULT_* */
	int verdict; /* SR_VERDICT_*, NONE when none */
	int64_t checked_at;
	const char *engine, *summary;
} sr_scan_result_row;
int sr_store_scan_result_put(sr_store *s, int64_t version_id, const sr_scan_result_row *r);
/* A version's scanner results by source: rows sr_scan_result_row. */
int sr_store_scan_results(sr_store *s, int64_t version_id, sr_row_fn fn, void *ud);

typedef struct sr_finding_row {
	const char *source;
	int ord;
	const char *rule_id, *severity, *title, *path;
	int line;
	const char *excerpt;
} sr_finding_row;
int sr_store_scan_findings_clear(sr_store *s, int64_t version_id, const char *source);
int sr_store_scan_finding_add(sr_store *s, int64_t version_id, const sr_finding_row *f);
/* A version's findings by source and order, at most limit: rows sr_finding_row. */
int sr_store_scan_findings(sr_store *s, int64_t version_id, int limit, sr_row_fn fn, void *ud);

int sr_store_scan_hold_put(sr_store *s, int64_t skill_id, const char *source, int verdict,
			   int64_t version_id, int64_t now);
typedef struct sr_hold_row {
	const char *source;
	int verdict;
} sr_hold_row;
/* A skill's scan holds by source: rows sr_hold_row. */
int sr_store_scan_holds(sr_store *s, int64_t skill_id, sr_row_fn fn, void *ud);

/* Writes a skill's moderation status, reason (NULL clears), flags and verdict (-1: NULL). */
int sr_store_skill_moderate(sr_store *s, int64_t skill_id, int status, const char *reason, int flags,
			    int verdict);

/* Adds a report unless this user's report of the skill is open (one resolved or dismissed
 * is opened again): *added, and *report_id of the new or the existing report. */
int sr_store_report_add(sr_store *s, int64_t skill_id, int64_t user_id, const char *version,
			const char *reason, int64_t now, int64_t *report_id, int *added);
/* Adds one to the skill's report counter; *count gets the new value. */
int sr_store_reports_bump(sr_store *s, int64_t skill_id, int64_t *count);
int sr_store_reports_count(sr_store *s, int64_t skill_id, int64_t *count);
/* Staff reviewed the skill: later reports count from zero (earlier reporters stay unique). */
int sr_store_reports_reset(sr_store *s, int64_t skill_id);
int sr_store_user_set_role(sr_store *s, int64_t user_id, int role);

/* One row of a moderation job's batch: a skill in an ix_moderation range and the scan
 * state of its latest version (version_id 0 when it has none). */
typedef struct sr_mod_queue_row {
	int64_t skill_id, created_at, version_id;
	int scan_state;
	int64_t requested_at;
} sr_mod_queue_row;
/* Rows sr_mod_queue_row. */
int sr_store_moderation_queue_page(sr_store *s, int status, const char *reason, int64_t after_created,
				   int64_t after_id, int limit, sr_row_fn fn, void *ud);
/* Skills by id after after_id, up to limit: rows sr_key_row (id, latest_version_id or 0). */
int sr_store_skill_ids_page(sr_store *s, int64_t after_id, int limit, sr_row_fn fn, void *ud);

/* ---- statement catalogue (for the query-plan guard, tests/unit/test_queryplan.c) ---- */

/* The statements the store runs, by number, and the SQL text of each: SQLite's, and the
 * text of the engine a store runs on (SQLite or PostgreSQL). */
int sr_store_statement_count(void);
const char *sr_store_statement_sql(int i);
const char *sr_store_sql(sr_store *s, int i);
/* Appends the query plan of statement i as the engine explains it, one step per line. */
struct sr_buf;
int sr_store_explain(sr_store *s, int i, struct sr_buf *out);

/* ---- org publishers, ownership transfers, scan jobs (migration 0015) ---- */

/* users.kind: a person, or an org publisher (never signs in, owns skills, has members). */
enum { SR_USER_PERSON = 0, SR_USER_ORG = 1 };
/* A member's role in an org publisher; a higher role satisfies a lower one. A person holds
 * SR_PUB_OWNER on their own (personal) publisher. */
enum { SR_PUB_NONE = 0, SR_PUB_PUBLISHER = 1, SR_PUB_ADMIN = 2, SR_PUB_OWNER = 3 };

/* A user's kind and trusted flag; SR_ENOTFOUND when there is no such user. */
int sr_store_user_kind(sr_store *s, int64_t id, int *kind, int *trusted);
/* A new org publisher; SR_EEXIST when the handle is taken (by a person or an org). */
int sr_store_org_add(sr_store *s, const char *handle, const char *display_name, int trusted,
		     int64_t now, int64_t *id_out);
/* Sets an org's display name (NULL keeps it) and trusted flag (negative keeps it). */
int sr_store_org_update(sr_store *s, int64_t id, const char *display_name, int trusted);
/* A user's role in a publisher; SR_PUB_NONE when not a member. */
int sr_store_member_role(sr_store *s, int64_t publisher_id, int64_t user_id, int *role);
/* Adds a member or changes their role. */
int sr_store_member_set(sr_store *s, int64_t publisher_id, int64_t user_id, int role, int64_t now);
/* *removed = 1 when there was such a member. */
int sr_store_member_remove(sr_store *s, int64_t publisher_id, int64_t user_id, int *removed);
/* How many owners a publisher has. */
int sr_store_member_owners(sr_store *s, int64_t publisher_id, int64_t *n);
typedef struct sr_member_row {
	int64_t publisher_id, user_id;
	int role;
	const char *handle, *display_name; /* of the user (members), of the org (a user's orgs) */
} sr_member_row;
/* A publisher's members in user order, up to limit (rows sr_member_row, handle the member's). */
int sr_store_members(sr_store *s, int64_t publisher_id, int limit, sr_row_fn fn, void *ud);
/* The orgs a user belongs to, up to limit (rows sr_member_row, handle the org's). */
int sr_store_user_orgs(sr_store *s, int64_t user_id, int limit, sr_row_fn fn, void *ud);

/* An invitation to an org (migration 0022): the person becomes a member by accepting it. */
enum { SR_INVITE_PENDING = 0, SR_INVITE_ACCEPTED = 1, SR_INVITE_DECLINED = 2, SR_INVITE_REVOKED = 3, SR_INVITE_EXPIRED = 4 };
typedef struct sr_org_invite {
	int64_t id, publisher_id, user_id, invited_by, created_at, expires_at;
	int role, status;
	/* In the lists only: the org's (a person's invitations) or the person's (an org's), and
	 * who invited (NULL when that account is gone). */
	const char *handle, *display_name, *inviter;
} sr_org_invite;
/* Marks the pending invitation of user_id to the org expired if its time is past, so a new
 * one can take its place. */
int sr_store_org_invite_expire(sr_store *s, int64_t publisher_id, int64_t user_id, int64_t now);
/* A new pending invitation (publisher_id, user_id, role, invited_by, created_at, expires_at
 * of *inv); SR_EEXIST when the person has a pending one to the org already. */
int sr_store_org_invite_add(sr_store *s, const sr_org_invite *inv, int64_t *id_out);
/* One invitation by id (the lists' fields NULL); SR_ENOTFOUND when there is none. */
int sr_store_org_invite_get(sr_store *s, int64_t id, sr_org_invite *out);
/* A pending invitation's end (SR_INVITE_*); *changed = 0 when it was no longer pending. */
int sr_store_org_invite_decide(sr_store *s, int64_t id, int status, int64_t now, int *changed);
/* A person's open invitations (pending, not expired), newest first, up to limit (rows
 * sr_org_invite, handle the org's). */
int sr_store_org_invites_of_user(sr_store *s, int64_t user_id, int64_t now, int limit, sr_row_fn fn, void *ud);
/* An org's open invitations, the same way (handle the person's). */
int sr_store_org_invites_of_org(sr_store *s, int64_t publisher_id, int64_t now, int limit, sr_row_fn fn, void *ud);

/* A skill's owner becomes owner_id (transfers, migrations): SR_EEXIST when that owner already
 * has a skill with the slug. Its aliases move with it (SR_EEXIST when the new owner holds one
 * of those slugs as an alias already). */
int sr_store_skill_set_owner(sr_store *s, int64_t skill_id, int64_t owner_id, int64_t now);
int sr_store_aliases_move(sr_store *s, int64_t skill_id, int64_t owner_id);

enum { SR_TRANSFER_PENDING = 0, SR_TRANSFER_ACCEPTED, SR_TRANSFER_REJECTED, SR_TRANSFER_CANCELLED,
       SR_TRANSFER_EXPIRED };
typedef struct sr_transfer {
	int64_t id, skill_id, from_user_id, to_user_id, created_at, expires_at;
	int status;
} sr_transfer;
/* Marks a skill's pending request expired when its time (expires_at) is before now. */
int sr_store_transfer_expire(sr_store *s, int64_t skill_id, int64_t now);
/* SR_EEXIST when the skill has a pending request already. */
int sr_store_transfer_add(sr_store *s, const sr_transfer *t, const char *message, int64_t *id_out);
/* The skill's pending request (expired or not); SR_ENOTFOUND when none. */
int sr_store_transfer_pending(sr_store *s, int64_t skill_id, sr_transfer *out);
/* Ends a pending request with status, by the user by_id (migration 0017's resolved_by);
 * *changed = 0 when it was no longer pending (another request ended it first). */
int sr_store_transfer_finish(sr_store *s, int64_t id, int status, int64_t by_id, int64_t now, int *changed);
typedef struct sr_transfer_row {
	int64_t id, skill_id, other_id, created_at, expires_at;
	const char *slug, *display_name, *message;
	const char *other_handle, *other_display_name; /* the requester (incoming) or recipient */
	int64_t skill_deleted_at, other_deactivated_at;
	const char *owner_handle; /* the skill's owner now */
} sr_transfer_row;
/* A user's pending requests not expired at now (expires_at >= now), newest first, up to
 * limit: incoming (to them) or outgoing (by them). Rows sr_transfer_row. */
int sr_store_transfers_list(sr_store *s, int64_t user_id, int outgoing, int64_t now, int limit,
			    sr_row_fn fn, void *ud);
/* The history of requests in any state (migration 0017), newest first, up to limit: a user's
 * received (SR_TRANSFER_HIST_IN) or sent ones, or one skill's. Rows sr_transfer_hist_row. */
enum { SR_TRANSFER_HIST_IN = 0, SR_TRANSFER_HIST_OUT, SR_TRANSFER_HIST_SKILL };
typedef struct sr_transfer_hist_row {
	int64_t id, skill_id, from_user_id, to_user_id;
	int status;
	int64_t created_at, expires_at, resolved_at, resolved_by; /* 0 when NULL */
	const char *message, *slug, *from_handle, *to_handle;
} sr_transfer_hist_row;
int sr_store_transfer_history(sr_store *s, int which, int64_t id, int limit, sr_row_fn fn, void *ud);
/* The slugs of a skill's aliases, up to limit (rows: const char *). */
int sr_store_aliases_of_skill(sr_store *s, int64_t skill_id, int limit, sr_row_fn fn, void *ud);

typedef struct sr_scan_job {
	int64_t id, requester_id, skill_id, version_id, created_at;
	int update;
} sr_scan_job;
int sr_store_scan_job_add(sr_store *s, const sr_scan_job *j, int64_t *id_out);
/* SR_ENOTFOUND when there is no such job. */
int sr_store_scan_job_get(sr_store *s, int64_t id, sr_scan_job *out);

/* ---- skill cards (migration 0018) ---- */

/* A version's card: the SHA-256 (hex) and size of its text, and the text (NULL from
 * sr_store_card_meta, a copy to free() from sr_store_card_get). */
typedef struct sr_card {
	char sha256[65];
	int64_t size, created_at;
	char *content;
} sr_card;
/* Writes (or rewrites) a version's card. */
int sr_store_card_put(sr_store *s, int64_t version_id, const char *sha256, const char *content, int64_t size,
		      int64_t now);
/* SR_ENOTFOUND when the version has no card. */
int sr_store_card_get(sr_store *s, int64_t version_id, sr_card *out);
int sr_store_card_meta(sr_store *s, int64_t version_id, sr_card *out);

#endif
