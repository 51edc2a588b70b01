/*
 * legacy.c - the pre-PR read paths, replayed beside the current ones (skillreg bench-replay).
 *
 * DESIGN.md section 7 promises at least 95 % less database bandwidth than ClawHub's access
 * patterns before PR #572 on the same data. This file measures both sides on a generated
 * catalogue: the current side calls the store's real functions under an sr_reads context;
 * the legacy side runs the access patterns of clawhub-data-model.md section 3 on a
 * connection of its own:
 *   - lists walk an index in the sort order reading whole skill rows, filter moderation in
 *     code until a page is full, then read each row's whole latest version document
 *     (version row + its files + its parsed frontmatter, as Convex embedded them) and each
 *     owner's user row once per page;
 *   - search hydrates every candidate with its whole skill row and owner row, then runs
 *     the lexical fallback over the 500 most recently updated whole skill rows;
 *   - the cron jobs scan the whole table (or its creation-order prefix) and filter in code.
 * These statements scan on purpose, which is why they are here, with SQL and a SQLite
 * connection of their own (a benchmark tool replaying raw access patterns), and not in the
 * store's catalogue: tests/unit/test_queryplan.c fails any catalogue statement that scans.
 *
 * Two approximations, both in the legacy side's favour: Convex's base list indexes held every
 * non-deleted skill, hidden ones included, while here the walk uses the public partial
 * indexes (hidden and blocked skills are ~1.5 % of a catalogue, rows Convex read and dropped);
 * and search counts the candidate rowids from full-text search where Convex read
 * embeddingSkillMap documents of about the same size.
 *
 * Rows and bytes are counted the way the store's step() counts them (src/store/sqlite.c):
 * every row stepped out of SQLite, 8 bytes per integer or real, the stored size of text and
 * blobs, 0 for NULL.
 */
#include "bench/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/buf.h"
#include "core/err.h"

#define LIST_PAGE 25
#define HOME_PAGE 12
#define SEARCH_CAP 80        /* the API's candidate cap for limit=20 (4 x limit) */
#define LEXICAL_FALLBACK 500
#define JOB_PAGE 1000
#define RESCAN_BATCH 100
#define STALE_LIMIT 100
#define TRENDING_DAYS 7
#define TRENDING_TOP 200
#define LOOKUP_MAX 16
#define MAX_RUNS 1000

/* ---- the legacy connection ---- */

enum {
	L_SKILL,        /* primary key, whole row */
	L_USER,         /* primary key, whole row */
	L_VERSION,      /* primary key, whole row */
	L_VERSION_NAME, /* ux_versions_skill_version, whole row */
	L_FILES,        /* version_files primary key range, whole rows */
	L_COLD,         /* version_cold primary key, whole row */
	L_BY_SLUG,      /* ix_skills_slug, whole rows */
	L_RECENT,       /* the lexical fallback: 500 most recently updated */
	L_SCAN,         /* the whole table in creation (rowid) order */
	L_DAILY,        /* a day range of whole daily-stats rows */
	L_FTS_SHORT,    /* candidate ids from the word index */
	L_FTS,          /* candidate ids from the trigram index */
	L_LIST_FIRST,   /* + sort: list walk from the start */
	L_LIST_AFTER = L_LIST_FIRST + SR_SORT_COUNT, /* + sort: from a cursor */
	L_COUNT = L_LIST_AFTER + SR_SORT_COUNT
};

static const struct {
	const char *index, *k1, *k2;
	int desc;
} sorts[SR_SORT_COUNT] = {
	[SR_SORT_UPDATED] = {"updated", "updated_at", NULL, 1},
	[SR_SORT_CREATED] = {"created", "created_at", NULL, 1},
	[SR_SORT_NAME] = {"name", "slug", NULL, 0},
	[SR_SORT_DOWNLOADS] = {"downloads", "stats_downloads", "updated_at", 1},
	[SR_SORT_STARS] = {"stars", "stats_stars", "updated_at", 1},
	[SR_SORT_INSTALLS] = {"installs", "stats_installs", "updated_at", 1},
};

static const char *const fixed[L_LIST_FIRST] = {
	[L_SKILL] = "SELECT * FROM skills WHERE id = ?1",
	[L_USER] = "SELECT * FROM users WHERE id = ?1",
	[L_VERSION] = "SELECT * FROM skill_versions WHERE id = ?1",
	[L_VERSION_NAME] = "SELECT * FROM skill_versions WHERE skill_id = ?1 AND version = ?2",
	[L_FILES] = "SELECT * FROM version_files WHERE version_id = ?1",
	[L_COLD] = "SELECT * FROM version_cold WHERE version_id = ?1",
	[L_BY_SLUG] = "SELECT * FROM skills WHERE slug = ?1",
	[L_RECENT] = "SELECT * FROM skills INDEXED BY ix_pub_updated WHERE is_public "
		     "ORDER BY updated_at DESC, id DESC LIMIT 500",
	[L_SCAN] = "SELECT * FROM skills ORDER BY id",
	[L_DAILY] = "SELECT * FROM skill_daily_stats WHERE day >= ?1 AND day <= ?2",
	[L_FTS_SHORT] = "SELECT rowid FROM skill_search_short WHERE skill_search_short MATCH ?1 "
			"ORDER BY rank LIMIT ?2",
	[L_FTS] = "SELECT rowid FROM skill_search WHERE skill_search MATCH ?1 ORDER BY rank LIMIT ?2",
};

typedef struct lg {
	sqlite3 *db;
	sqlite3_stmt *st[L_COUNT];
	int64_t rows, bytes, statements;
	/* Column positions in SELECT * FROM skills. */
	int c_owner, c_latest, c_status, c_reason, c_created, c_public, c_listed;
	int c_k1[SR_SORT_COUNT], c_k2[SR_SORT_COUNT];
} lg;

static int lg_prepare(lg *L, int q, const char *sql)
{
	if (sqlite3_prepare_v2(L->db, sql, -1, &L->st[q], NULL) != SQLITE_OK) {
		fprintf(stderr, "bench-replay: %s: %s\n", sqlite3_errmsg(L->db), sql);
		return SR_EDB;
	}
	return 0;
}

static int column_of(sqlite3_stmt *st, const char *name)
{
	for (int i = 0; i < sqlite3_column_count(st); i++)
		if (strcmp(sqlite3_column_name(st, i), name) == 0)
			return i;
	return -1;
}

static void lg_close(lg *L)
{
	for (int i = 0; i < L_COUNT; i++)
		sqlite3_finalize(L->st[i]);
	sqlite3_close(L->db);
}

static int lg_open(lg *L, const char *path)
{
	memset(L, 0, sizeof(*L));
	if (sqlite3_open_v2(path, &L->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return SR_EDB;
	/* The server's page cache size (src/store/sqlite.c) and no memory map: SQLite counts a
	 * page only when it goes through the page cache, and the replay reports the pages each
	 * side touched (`skillreg bench-replay` opens the store without a map too). */
	sqlite3_exec(L->db, "PRAGMA mmap_size=0; PRAGMA cache_size=-65536;", NULL, NULL, NULL);
	int rc = 0;
	for (int q = 0; !rc && q < L_LIST_FIRST; q++)
		rc = lg_prepare(L, q, fixed[q]);
	for (int s = 0; !rc && s < SR_SORT_COUNT; s++) {
		const char *dir = sorts[s].desc ? "DESC" : "ASC", *cmp = sorts[s].desc ? "<" : ">";
		char order[160], sql[512], after[160];
		if (sorts[s].k2) {
			snprintf(order, sizeof(order), "%s %s, %s %s, id %s", sorts[s].k1, dir, sorts[s].k2, dir, dir);
			snprintf(after, sizeof(after), "(%s, %s, id) %s (?1, ?2, ?3)", sorts[s].k1, sorts[s].k2, cmp);
		} else {
			snprintf(order, sizeof(order), "%s %s, id %s", sorts[s].k1, dir, dir);
			snprintf(after, sizeof(after), "(%s, id) %s (?1, ?3)", sorts[s].k1, cmp);
		}
		snprintf(sql, sizeof(sql), "SELECT * FROM skills INDEXED BY ix_pub_%s WHERE is_public ORDER BY %s",
			 sorts[s].index, order);
		rc = lg_prepare(L, L_LIST_FIRST + s, sql);
		snprintf(sql, sizeof(sql), "SELECT * FROM skills INDEXED BY ix_pub_%s WHERE is_public AND %s "
			 "ORDER BY %s", sorts[s].index, after, order);
		if (!rc)
			rc = lg_prepare(L, L_LIST_AFTER + s, sql);
	}
	if (rc)
		return rc;
	sqlite3_stmt *st = L->st[L_SKILL];
	L->c_owner = column_of(st, "owner_id");
	L->c_latest = column_of(st, "latest_version_id");
	L->c_status = column_of(st, "moderation_status");
	L->c_reason = column_of(st, "moderation_reason");
	L->c_created = column_of(st, "created_at");
	L->c_public = column_of(st, "is_public");
	L->c_listed = column_of(st, "is_listed");
	for (int s = 0; s < SR_SORT_COUNT; s++) {
		L->c_k1[s] = column_of(st, sorts[s].k1);
		L->c_k2[s] = sorts[s].k2 ? column_of(st, sorts[s].k2) : -1;
	}
	return L->c_listed < 0 ? SR_EDB : 0;
}

/* The statement q, reset, counted as one index range. */
static sqlite3_stmt *lg_stmt(lg *L, int q)
{
	sqlite3_stmt *st = L->st[q];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	L->statements++;
	return st;
}

/* SQLITE_ROW with the row counted, SQLITE_DONE, or SR_EDB. */
static int lg_step(lg *L, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return rc;
	if (rc != SQLITE_ROW)
		return SR_EDB;
	L->rows++;
	for (int i = 0, n = sqlite3_column_count(st); i < n; i++) {
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
		case SQLITE_FLOAT: L->bytes += 8; break;
		case SQLITE_NULL: break;
		default: L->bytes += sqlite3_column_bytes(st, i); break;
		}
	}
	return rc;
}

/* Steps every row of st (counted) and resets it. */
static int lg_drain(lg *L, sqlite3_stmt *st)
{
	int rc;
	while ((rc = lg_step(L, st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : rc;
}

static int lg_by_id(lg *L, int q, int64_t id)
{
	sqlite3_stmt *st = lg_stmt(L, q);
	sqlite3_bind_int64(st, 1, id);
	return lg_drain(L, st);
}

/* A Convex version document: the version row with its file list and parsed frontmatter. */
static int lg_version_doc(lg *L, int64_t vid)
{
	int rc = lg_by_id(L, L_VERSION, vid);
	if (!rc)
		rc = lg_by_id(L, L_FILES, vid);
	return rc ? rc : lg_by_id(L, L_COLD, vid);
}

/* ---- the replay ---- */

typedef struct replay {
	sr_store *s;
	lg L;
	sr_reads reads;
	/* fixtures, found once before timing */
	int64_t skill_id, latest_vid, owner_id;
	char slug[100], version[64];
	int64_t today;
	int64_t mid_created, mid_id;
	int64_t p5_k1, p5_k2, p5_id;
	/* candidates of one search */
	int64_t cand[SEARCH_CAP + 16];
	int ncand;
} replay;

typedef struct path {
	const char *name;
	int (*run)(replay *R, const struct path *p, int legacy);
	int sort, filter, limit, page;
	const char *term;
} path;

/* ---- lists ---- */

struct list_pos {
	int n, want;
	int64_t k1, k2, id;
};

static int note_pos(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct list_pos *p = ud;
	if (++p->n == p->want) {
		p->k1 = r->downloads;
		p->k2 = r->updated_at;
		p->id = r->id;
	}
	return 0;
}

/* Any row of any read: the replay counts reads, not what they return. */
static int ignore_row(void *ud, const void *row)
{
	return 0;
}

static int legacy_list(replay *R, const path *p, int after)
{
	lg *L = &R->L;
	sqlite3_stmt *st = lg_stmt(L, (after ? L_LIST_AFTER : L_LIST_FIRST) + p->sort);
	if (after) {
		sqlite3_bind_int64(st, 1, R->p5_k1);
		sqlite3_bind_int64(st, 2, R->p5_k2);
		sqlite3_bind_int64(st, 3, R->p5_id);
	}
	int64_t vid[LIST_PAGE], owner[LIST_PAGE];
	int n = 0, rc = SQLITE_DONE;
	while (n < p->limit && (rc = lg_step(L, st)) == SQLITE_ROW) {
		int keep = sqlite3_column_int(st, p->filter == SR_FILTER_LISTED ? L->c_listed : L->c_public);
		if (!keep)
			continue;
		vid[n] = sqlite3_column_int64(st, L->c_latest);
		owner[n] = sqlite3_column_int64(st, L->c_owner);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	rc = 0;
	for (int i = 0; !rc && i < n; i++) {
		if (vid[i])
			rc = lg_version_doc(L, vid[i]);
		int seen = 0;
		for (int k = 0; k < i; k++)
			seen |= owner[k] == owner[i];
		if (!rc && !seen)
			rc = lg_by_id(L, L_USER, owner[i]);
	}
	return rc;
}

static int run_list(replay *R, const path *p, int legacy)
{
	if (legacy)
		return legacy_list(R, p, p->page > 1);
	sr_list_query q = {.sort = p->sort, .filter = p->filter, .desc = sorts[p->sort].desc, .limit = p->limit};
	if (p->page > 1) {
		q.has_after = 1;
		q.after_k1 = R->p5_k1;
		q.after_k2 = R->p5_k2;
		q.after_id = R->p5_id;
	}
	return sr_store_list(R->s, &q, ignore_row, NULL);
}

/* ---- search ---- */

static int add_cand(replay *R, int64_t id)
{
	for (int i = 0; i < R->ncand; i++)
		if (R->cand[i] == id)
			return 0;
	if (R->ncand < (int)(sizeof(R->cand) / sizeof(R->cand[0])))
		R->cand[R->ncand++] = id;
	return 0;
}

/* The modern side stops reading once it holds a full set, as the API does. */
static int take_cand(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	replay *R = ud;
	add_cand(R, r->id);
	return R->ncand >= SEARCH_CAP;
}

/* Candidate ids from one full-text index (the legacy side's embedding lookup). */
static int legacy_fts(replay *R, int q, const char *match, int limit)
{
	sqlite3_stmt *st = lg_stmt(&R->L, q);
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit);
	int rc;
	while ((rc = lg_step(&R->L, st)) == SQLITE_ROW)
		add_cand(R, sqlite3_column_int64(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : rc;
}

static int run_search(replay *R, const path *p, int legacy)
{
	/* The full-text queries the store builds for one lower-case ASCII word, as the legacy
	 * side's own statements need them (src/store/catalogue.c, sr__match_expr). */
	char words[128], trigram[128];
	snprintf(words, sizeof(words), "\"%s\"*", p->term);
	snprintf(trigram, sizeof(trigram), "\"%s\"", p->term);
	R->ncand = 0;
	int rc;
	if (!legacy) {
		/* Names (up to half), whole word, word prefix, then trigrams, as the API does. */
		const char *tokens[1] = {p->term};
		rc = sr_store_skills_by_slug(R->s, p->term, 8, take_cand, R);
		if (!rc)
			rc = sr_store_search(R->s, SR_MATCH_NAMES, tokens, 1, SEARCH_CAP / 2, SR_SEARCH_WINDOW_TRIGRAMS,
					     take_cand, R);
		if (!rc && R->ncand < SEARCH_CAP)
			rc = sr_store_search(R->s, SR_MATCH_WORDS, tokens, 1, SEARCH_CAP, SR_SEARCH_WINDOW_WORDS,
					     take_cand, R);
		if (!rc && R->ncand < SEARCH_CAP)
			rc = sr_store_search(R->s, SR_MATCH_PREFIXES, tokens, 1, SEARCH_CAP, SR_SEARCH_WINDOW_WORDS,
					     take_cand, R);
		if (!rc && R->ncand < SEARCH_CAP)
			rc = sr_store_search(R->s, SR_MATCH_INSIDE, tokens, 1, SEARCH_CAP, SR_SEARCH_WINDOW_TRIGRAMS,
					     take_cand, R);
		return rc;
	}
	lg *L = &R->L;
	sqlite3_stmt *st = lg_stmt(L, L_BY_SLUG);
	sqlite3_bind_text(st, 1, p->term, -1, SQLITE_STATIC);
	if ((rc = lg_drain(L, st)))
		return rc;
	if ((rc = legacy_fts(R, L_FTS_SHORT, words, SEARCH_CAP)))
		return rc;
	if (R->ncand < SEARCH_CAP && (rc = legacy_fts(R, L_FTS, trigram, SEARCH_CAP - R->ncand)))
		return rc;
	/* Hydration: whole skill row, then its owner's row, for every candidate. */
	for (int i = 0; i < R->ncand; i++) {
		st = lg_stmt(L, L_SKILL);
		sqlite3_bind_int64(st, 1, R->cand[i]);
		int64_t owner = 0;
		if ((rc = lg_step(L, st)) == SQLITE_ROW)
			owner = sqlite3_column_int64(st, L->c_owner);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return rc;
		if (owner && (rc = lg_by_id(L, L_USER, owner)))
			return rc;
	}
	return lg_drain(L, lg_stmt(L, L_RECENT));
}

/* ---- one skill: detail, version, file, download ---- */

enum { ONE_DETAIL, ONE_VERSION, ONE_FILE, ONE_DOWNLOAD };

static int modern_one(replay *R, int what)
{
	sr_store *s = R->s;
	/* sr_lookup_skill without an owner: the slug's skills, then its aliases. */
	int rc = sr_store_lookup_slug(s, R->slug, LOOKUP_MAX, ignore_row, NULL);
	if (!rc)
		rc = sr_store_lookup_alias(s, R->slug, LOOKUP_MAX / 2, ignore_row, NULL);
	if (rc)
		return rc;
	switch (what) {
	case ONE_DETAIL:
		/* The detail row, its latest version and that version's file list (for SKILL.md). */
		if (!(rc = sr_store_skill_by_id(s, R->skill_id, ignore_row, NULL)) &&
		    !(rc = sr_store_version_by_id(s, R->latest_vid, ignore_row, NULL)))
			rc = sr_store_version_files(s, R->latest_vid, ignore_row, NULL);
		return rc;
	case ONE_VERSION:
		if (!(rc = sr_store_version_get(s, R->skill_id, R->version, ignore_row, NULL)))
			rc = sr_store_version_files(s, R->latest_vid, ignore_row, NULL);
		return rc;
	case ONE_FILE:
		if (!(rc = sr_store_version_by_id(s, R->latest_vid, ignore_row, NULL)))
			rc = sr_store_version_file(s, R->latest_vid, "SKILL.md", ignore_row, NULL);
		return rc;
	default:
		return sr_store_version_by_id(s, R->latest_vid, ignore_row, NULL);
	}
}

static int legacy_one(replay *R, int what)
{
	lg *L = &R->L;
	sqlite3_stmt *st = lg_stmt(L, L_BY_SLUG);
	sqlite3_bind_text(st, 1, R->slug, -1, SQLITE_STATIC);
	int rc = lg_drain(L, st);
	if (rc)
		return rc;
	if (what == ONE_VERSION) {
		st = lg_stmt(L, L_VERSION_NAME);
		sqlite3_bind_int64(st, 1, R->skill_id);
		sqlite3_bind_text(st, 2, R->version, -1, SQLITE_STATIC);
		if ((rc = lg_drain(L, st)) || (rc = lg_by_id(L, L_FILES, R->latest_vid)))
			return rc;
		return lg_by_id(L, L_COLD, R->latest_vid);
	}
	if ((rc = lg_version_doc(L, R->latest_vid)))
		return rc;
	return what == ONE_DETAIL ? lg_by_id(L, L_USER, R->owner_id) : 0;
}

static int run_one(replay *R, const path *p, int legacy)
{
	return legacy ? legacy_one(R, p->page) : modern_one(R, p->page);
}

/* ---- cron jobs ---- */

enum { CRON_QUEUE, CRON_RESCAN, CRON_STALE, CRON_TRENDING, CRON_COUNT };

struct keys {
	int n;
	int64_t last_key, last_id;
};

static int take_key(void *ud, const void *row)
{
	const sr_key_row *r = row;
	struct keys *k = ud;
	k->n++;
	k->last_key = r->key;
	k->last_id = r->id;
	return 0;
}

/* Every row of one (status, reason) range, in pages. */
static int moderation_all(replay *R, int status, const char *reason, int page)
{
	struct keys k = {page, -1, -1};
	int rc = 0;
	while (!rc && k.n == page) {
		k.n = 0;
		rc = sr_store_moderation_page(R->s, status, reason, k.last_key, k.last_id, page, take_key, &k);
	}
	return rc;
}

/* Trending: installs summed per skill over the last seven days, top 200 by installs then
 * downloads. The sums live in a small open-addressing table keyed by skill id. */
typedef struct trend {
	int64_t *id, *installs, *downloads;
	size_t mask, n;
} trend;

static int trend_init(trend *t, size_t items)
{
	size_t cap = 1024;
	while (cap < items * 2)
		cap <<= 1;
	t->id = calloc(cap, sizeof(int64_t));
	t->installs = calloc(cap, sizeof(int64_t));
	t->downloads = calloc(cap, sizeof(int64_t));
	t->mask = cap - 1;
	t->n = 0;
	return t->id && t->installs && t->downloads ? 0 : SR_ENOMEM;
}

static void trend_deinit(trend *t)
{
	free(t->id);
	free(t->installs);
	free(t->downloads);
}

static void trend_put(trend *t, int64_t skill_id, int64_t installs, int64_t downloads)
{
	size_t i = (size_t)skill_id * 0x9e3779b97f4a7c15ULL & t->mask;
	while (t->id[i] && t->id[i] != skill_id)
		i = (i + 1) & t->mask;
	if (!t->id[i]) {
		t->id[i] = skill_id;
		t->n++;
	}
	t->installs[i] += installs;
	t->downloads[i] += downloads;
}

static int trend_add(void *ud, int64_t skill_id, int64_t installs, int64_t downloads)
{
	trend *t = ud;
	if (t->n * 2 >= t->mask) {
		/* Half full: move everything into a table twice the size. */
		trend old = *t;
		if (trend_init(t, old.mask + 1)) {
			trend_deinit(t);
			*t = old;
			return SR_ENOMEM;
		}
		for (size_t i = 0; i <= old.mask; i++)
			if (old.id[i])
				trend_put(t, old.id[i], old.installs[i], old.downloads[i]);
		trend_deinit(&old);
	}
	trend_put(t, skill_id, installs, downloads);
	return 0;
}

struct trow {
	int64_t id, installs, downloads;
};

static int cmp_trow(const void *a, const void *b)
{
	const struct trow *x = a, *y = b;
	if (x->installs != y->installs)
		return x->installs > y->installs ? -1 : 1;
	if (x->downloads != y->downloads)
		return x->downloads > y->downloads ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The ids of the leaders (at most TRENDING_TOP) into top; returns how many. */
static int trend_top(const trend *t, int64_t *top, int *n)
{
	struct trow *all = malloc((t->n ? t->n : 1) * sizeof(*all));
	if (!all)
		return SR_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i <= t->mask; i++)
		if (t->id[i])
			all[k++] = (struct trow){t->id[i], t->installs[i], t->downloads[i]};
	qsort(all, k, sizeof(*all), cmp_trow);
	*n = k < TRENDING_TOP ? (int)k : TRENDING_TOP;
	for (int i = 0; i < *n; i++)
		top[i] = all[i].id;
	free(all);
	return 0;
}

/* One page of a day: its rows go into the sums; the last skill id starts the next page. */
struct day_page {
	trend *t;
	int64_t last;
	int n;
};

static int day_row(void *ud, const void *row)
{
	const sr_daily_row *d = row;
	struct day_page *pg = ud;
	pg->last = d->skill_id;
	pg->n++;
	return trend_add(pg->t, d->skill_id, d->installs, d->downloads);
}

static int cron_trending(replay *R, int legacy)
{
	trend t;
	int64_t top[TRENDING_TOP];
	int ntop = 0;
	int rc = trend_init(&t, 4096);
	if (!rc && legacy) {
		lg *L = &R->L;
		sqlite3_stmt *st = lg_stmt(L, L_DAILY);
		sqlite3_bind_int64(st, 1, R->today - (TRENDING_DAYS - 1));
		sqlite3_bind_int64(st, 2, R->today);
		int sid = column_of(st, "skill_id"), cin = column_of(st, "installs"), cdl = column_of(st, "downloads");
		int step_rc;
		while (!rc && (step_rc = lg_step(L, st)) == SQLITE_ROW)
			rc = trend_add(&t, sqlite3_column_int64(st, sid), sqlite3_column_int64(st, cin),
				       sqlite3_column_int64(st, cdl));
		sqlite3_reset(st);
		if (!rc && step_rc != SQLITE_DONE)
			rc = step_rc;
		if (!rc)
			rc = trend_top(&t, top, &ntop);
		/* The leaderboard then read each leader's whole skill row. */
		for (int i = 0; !rc && i < ntop; i++)
			rc = lg_by_id(L, L_SKILL, top[i]);
	} else if (!rc) {
		/* One keyset range per day, pages of 1,000 rows of index columns. */
		for (int64_t day = R->today - (TRENDING_DAYS - 1); !rc && day <= R->today; day++) {
			struct day_page pg = {&t, 0, JOB_PAGE};
			while (!rc && pg.n == JOB_PAGE) {
				pg.n = 0;
				rc = sr_store_daily_page(R->s, day, pg.last, JOB_PAGE, day_row, &pg);
			}
		}
		if (!rc)
			rc = trend_top(&t, top, &ntop);
	}
	trend_deinit(&t);
	return rc;
}

static int run_cron(replay *R, const path *p, int legacy)
{
	int rc = 0;
	if (!legacy) {
		switch (p->page) {
		case CRON_QUEUE:
			return moderation_all(R, 1, "pending.scan", JOB_PAGE);
		case CRON_RESCAN: {
			struct keys k = {0, 0, 0};
			return sr_store_moderation_page(R->s, 0, "scanner.llm.clean", R->mid_created, R->mid_id,
							3 * RESCAN_BATCH, take_key, &k);
		}
		case CRON_STALE: {
			struct keys k = {0, 0, 0};
			rc = sr_store_moderation_page(R->s, 0, "scanner.vt.pending", -1, -1, 2 * STALE_LIMIT, take_key, &k);
			if (!rc)
				rc = sr_store_moderation_page(R->s, 0, "pending.scan", -1, -1, 2 * STALE_LIMIT, take_key, &k);
			return rc;
		}
		case CRON_TRENDING:
			return cron_trending(R, 0);
		default: {
			struct keys k = {JOB_PAGE, -1, -1};
			while (!rc && k.n == JOB_PAGE) {
				k.n = 0;
				rc = sr_store_public_ids_page(R->s, k.last_key, k.last_id, JOB_PAGE, take_key, &k);
			}
			return rc;
		}
		}
	}
	if (p->page == CRON_TRENDING)
		return cron_trending(R, 1);
	/* The other jobs filtered a scan of whole skill rows in code. */
	lg *L = &R->L;
	sqlite3_stmt *st = lg_stmt(L, L_SCAN);
	int found = 0;
	while ((rc = lg_step(L, st)) == SQLITE_ROW) {
		int status = sqlite3_column_int(st, L->c_status);
		const char *reason = (const char *)sqlite3_column_text(st, L->c_reason);
		reason = reason ? reason : "";
		if (p->page == CRON_RESCAN) {
			/* .gt(_creationTime, cursor) without an index range: the prefix is read too. */
			int64_t created = sqlite3_column_int64(st, L->c_created);
			if (created > R->mid_created && status == SR_SKILL_ACTIVE && ++found == RESCAN_BATCH)
				break;
		} else if (p->page == CRON_STALE) {
			if (status == SR_SKILL_ACTIVE && (strcmp(reason, "scanner.vt.pending") == 0 || strcmp(reason, "pending.scan") == 0))
				found++;
		} else if (p->page == CRON_QUEUE) {
			found += status == SR_SKILL_HIDDEN && strcmp(reason, "pending.scan") == 0;
		} else {
			found += sqlite3_column_int(st, L->c_public);
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : rc;
}

/* ---- fixtures ---- */

static int fixture_int(sqlite3 *db, const char *sql, int64_t arg, int64_t *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return SR_EDB;
	sqlite3_bind_int64(st, 1, arg);
	int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : SR_ENOTFOUND;
	if (!rc)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc;
}

/* A skill of middling popularity with a slug no other skill has (an ambiguous slug would
 * answer 409) and at least two versions, the mid-table cursor for the rescan batch, the
 * stats' "today", and the keyset position at the end of page 4 of the downloads list. */
static int fixtures(replay *R)
{
	sqlite3 *db = R->L.db;
	int64_t max_id = 0;
	int rc = fixture_int(db, "SELECT max(id) FROM skills WHERE ?1 = ?1", 0, &max_id);
	if (rc || max_id < 1)
		return SR_ENOTFOUND;
	sqlite3_stmt *st;
	const char *pick = "SELECT s.id, s.slug, s.latest_version_id, s.latest_version, s.owner_id "
			   "FROM skills s INDEXED BY ix_list_downloads WHERE s.is_listed AND s.stats_versions >= 2 "
			   "AND (SELECT count(*) FROM skills t WHERE t.slug = s.slug) = 1 "
			   "ORDER BY s.stats_downloads DESC, s.updated_at DESC, s.id DESC LIMIT 1 OFFSET ?1";
	if (sqlite3_prepare_v2(db, pick, -1, &st, NULL) != SQLITE_OK)
		return SR_EDB;
	sqlite3_bind_int64(st, 1, max_id / 20);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, 0);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		R->skill_id = sqlite3_column_int64(st, 0);
		snprintf(R->slug, sizeof(R->slug), "%s", (const char *)sqlite3_column_text(st, 1));
		R->latest_vid = sqlite3_column_int64(st, 2);
		snprintf(R->version, sizeof(R->version), "%s", (const char *)sqlite3_column_text(st, 3));
		R->owner_id = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return SR_ENOTFOUND;
	R->mid_id = max_id / 2;
	if ((rc = fixture_int(db, "SELECT created_at FROM skills WHERE id >= ?1 ORDER BY id LIMIT 1", R->mid_id,
			      &R->mid_created)) ||
	    (rc = fixture_int(db, "SELECT day FROM skill_daily_stats INDEXED BY ix_daily_day WHERE ?1 = ?1 "
			      "ORDER BY day DESC LIMIT 1", 0, &R->today)))
		return rc;
	/* Pages 1-4 of the downloads list, to find where page 5 starts. */
	struct list_pos pos = {0, 4 * LIST_PAGE, 0, 0, 0};
	sr_list_query q = {.sort = SR_SORT_DOWNLOADS, .filter = SR_FILTER_LISTED, .desc = 1,
			   .limit = 4 * LIST_PAGE};
	sr_store_set_reads(R->s, NULL);
	if ((rc = sr_store_list(R->s, &q, note_pos, &pos)))
		return rc;
	R->p5_k1 = pos.k1;
	R->p5_k2 = pos.k2;
	R->p5_id = pos.id;
	return 0;
}

/* ---- driver ---- */

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static const char *const sort_names[SR_SORT_COUNT] = {
	[SR_SORT_UPDATED] = "updated", [SR_SORT_CREATED] = "created", [SR_SORT_NAME] = "name",
	[SR_SORT_DOWNLOADS] = "downloads", [SR_SORT_STARS] = "stars", [SR_SORT_INSTALLS] = "installs",
};

/* The pages one side touched since the last call (page-cache hits + misses: every B-tree
 * page its statements visited), or -1 when the store's connection cannot count them all
 * (a memory map, or PostgreSQL: sr_store_pages_complete). */
static int64_t side_pages(replay *R, int legacy)
{
	if (legacy) {
		int hit = 0, miss = 0, hi = 0;
		sqlite3_db_status(R->L.db, SQLITE_DBSTATUS_CACHE_HIT, &hit, &hi, 1);
		sqlite3_db_status(R->L.db, SQLITE_DBSTATUS_CACHE_MISS, &miss, &hi, 1);
		return (int64_t)hit + miss;
	}
	int64_t hit = 0, miss = 0;
	sr_store_page_stats(R->s, &hit, &miss);
	return sr_store_pages_complete(R->s) ? hit + miss : -1;
}

/* Runs one path runs times on one side and appends its line: rows, bytes, statements and
 * pages of the last run (the same every run), the median time. */
static int measure(replay *R, const path *p, int legacy, int runs, sr_buf *out)
{
	int64_t usec[MAX_RUNS];
	int64_t rows = 0, bytes = 0, statements = 0, pages = -1;
	for (int i = 0; i < runs; i++) {
		side_pages(R, legacy);
		sr_reads_init(&R->reads);
		/* Jobs read far past a request's budget on purpose; only the counts matter here. */
		R->reads.max_rows = R->reads.max_bytes = R->reads.max_ranges = INT64_MAX;
		sr_store_set_reads(R->s, &R->reads);
		R->L.rows = R->L.bytes = R->L.statements = 0;
		int64_t t0 = mono_us();
		int rc;
		if (legacy) {
			sqlite3_exec(R->L.db, "BEGIN", NULL, NULL, NULL);
			rc = p->run(R, p, 1);
			sqlite3_exec(R->L.db, "COMMIT", NULL, NULL, NULL);
		} else {
			rc = sr_store_read_begin(R->s);
			if (!rc)
				rc = p->run(R, p, 0);
			sr_store_read_end(R->s);
		}
		usec[i] = mono_us() - t0;
		pages = side_pages(R, legacy);
		sr_store_set_reads(R->s, NULL);
		if (rc) {
			fprintf(stderr, "bench-replay: %s (%s) failed: %d\n", p->name, legacy ? "legacy" : "modern", rc);
			return rc;
		}
		rows = legacy ? R->L.rows : R->reads.rows;
		bytes = legacy ? R->L.bytes : R->reads.bytes;
		statements = legacy ? R->L.statements : R->reads.ranges;
	}
	qsort(usec, (size_t)runs, sizeof(usec[0]), cmp_i64);
	int64_t median = runs % 2 ? usec[runs / 2] : (usec[runs / 2 - 1] + usec[runs / 2]) / 2;
	char pg[24] = "";
	if (pages >= 0)
		snprintf(pg, sizeof(pg), "%lld", (long long)pages);
	return sr_buf_printf(out, "%s\t%s\t%lld\t%lld\t%lld\t%lld\t%s\n", p->name, legacy ? "legacy" : "modern",
			     (long long)rows, (long long)bytes, (long long)statements, (long long)median, pg);
}

#define MAX_PATHS 64

int sr_bench_replay(sr_store *s, const char *db_path, int runs, sr_buf *out)
{
	if (runs < 1 || runs > MAX_RUNS)
		return SR_EINVAL;
	replay *R = calloc(1, sizeof(*R));
	if (!R)
		return SR_ENOMEM;
	R->s = s;
	int rc = lg_open(&R->L, db_path);
	if (!rc)
		rc = fixtures(R);
	if (rc) {
		lg_close(&R->L);
		free(R);
		return rc;
	}
	path paths[MAX_PATHS];
	char names[MAX_PATHS][48];
	int n = 0;
	paths[n++] = (path){"home", run_list, SR_SORT_DOWNLOADS, SR_FILTER_LISTED, HOME_PAGE, 1, NULL};
	static const int order[] = {SR_SORT_CREATED, SR_SORT_UPDATED, SR_SORT_NAME, SR_SORT_DOWNLOADS,
				    SR_SORT_STARS, SR_SORT_INSTALLS};
	for (int i = 0; i < SR_SORT_COUNT; i++)
		for (int f = 0; f < SR_FILTER_COUNT; f++) {
			snprintf(names[n], sizeof(names[n]), "browse-%s-%s", sort_names[order[i]],
				 f == SR_FILTER_LISTED ? "listed" : "public");
			paths[n] = (path){names[n], run_list, order[i], f, LIST_PAGE, 1, NULL};
			n++;
		}
	paths[n++] = (path){"browse-downloads-listed-p5", run_list, SR_SORT_DOWNLOADS, SR_FILTER_LISTED,
			    LIST_PAGE, 5, NULL};
	for (int t = 0; sr_synth_search_term(t); t++) {
		snprintf(names[n], sizeof(names[n]), "search-%s", sr_synth_search_term(t));
		paths[n] = (path){names[n], run_search, 0, 0, 0, 0, sr_synth_search_term(t)};
		n++;
	}
	paths[n++] = (path){"detail", run_one, 0, 0, 0, ONE_DETAIL, NULL};
	paths[n++] = (path){"version", run_one, 0, 0, 0, ONE_VERSION, NULL};
	paths[n++] = (path){"download", run_one, 0, 0, 0, ONE_DOWNLOAD, NULL};
	paths[n++] = (path){"file", run_one, 0, 0, 0, ONE_FILE, NULL};
	paths[n++] = (path){"cron-queue-health", run_cron, 0, 0, 0, CRON_QUEUE, NULL};
	paths[n++] = (path){"cron-rescan-batch", run_cron, 0, 0, 0, CRON_RESCAN, NULL};
	paths[n++] = (path){"cron-stale-reasons", run_cron, 0, 0, 0, CRON_STALE, NULL};
	paths[n++] = (path){"cron-trending", run_cron, 0, 0, 0, CRON_TRENDING, NULL};
	paths[n++] = (path){"cron-global-count", run_cron, 0, 0, 0, CRON_COUNT, NULL};
	for (int i = 0; !rc && i < n; i++) {
		rc = measure(R, &paths[i], 0, runs, out);
		if (!rc)
			rc = measure(R, &paths[i], 1, runs, out);
	}
	lg_close(&R->L);
	free(R);
	return rc;
}
