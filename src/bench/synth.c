/*
 * synth.c - a synthetic catalogue for benchmarks (`skillreg gen`).
 *
 * It writes, straight into a fresh database, the rows that years of real publishing would
 * have left: users, skills with their latest-version summary, versions with their files and
 * cold data, tags, stars, 90 days of daily stats, both search indexes, and the blobs the
 * versions name. The shape follows sr_publish (src/registry/publish.c) column by column, so
 * the real server answers every route on it; what differs is only the content of the files.
 *
 * Why it does not call sr_publish: a publish is a transaction, a zip build and a dozen
 * statements per version, about a millisecond; a million skills would take hours. Here the
 * bytes are content-addressed pools built once (a few hundred SKILL.md texts, other files
 * and zip bundles), every version points at one pool bundle and carries its real sizes and
 * hashes, and the rows go in through prepared statements in one transaction with the
 * journal off and the secondary indexes dropped and rebuilt after the load (100,000 skills
 * on a 2-core machine: 34 s with the indexes in place, 15 s rebuilt from sorted data).
 *
 * The words and the pools are corpus.c's. The pools are made with the registry's own zip,
 * fingerprint and frontmatter code, so a download is a real archive and latest_metadata has
 * exactly publish's shape; that is why the generator lives in src/bench, above the registry
 * and the blob store. It is a bench tool, not a path the server runs, and it writes its rows
 * with SQL and a SQLite connection of its own rather than through the store's catalogue (a
 * bulk load the server never does).
 *
 * Every random choice comes from a seeded splitmix64 stream, one per skill (synth.h), so a
 * seed and a "today" give the same catalogue byte for byte.
 */
#include "bench/bench.h"
#include "bench/synth.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "blob/blob.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/util.h"
#include "registry/registry.h"

#define DAY_MS 86400000LL
#define HISTORY_DAYS 730   /* skills were created over the last two years */
#define STATS_DAYS 90      /* daily stats kept for the last 90 days */
#define MAX_VERSIONS 20
#define MAX_STARS 2000
#define MAX_SAVED_INDEXES 64
#define PROGRESS_EVERY 100000

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Each version of a skill points at a bundle of its own, so its fingerprint is distinct. */
_Static_assert(SR__POOL_BUNDLES > MAX_VERSIONS, "a skill's versions need distinct bundles");

/* ---- uniqueness sets (64-bit hashes, open addressing) ---- */

typedef struct hset {
	uint64_t *slot;
	size_t mask;
} hset;

static uint64_t hash_str(uint64_t h, const char *s)
{
	h ^= 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	h ^= h >> 29;
	return h ? h : 1; /* 0 marks an empty slot */
}

static int hset_init(hset *h, size_t items)
{
	size_t n = 1024;
	while (n < items * 2)
		n <<= 1;
	h->slot = calloc(n, sizeof(uint64_t));
	h->mask = n - 1;
	return h->slot ? 0 : SR_ENOMEM;
}

static int hset_has(const hset *h, uint64_t k)
{
	for (size_t i = k & h->mask;; i = (i + 1) & h->mask) {
		if (h->slot[i] == k)
			return 1;
		if (!h->slot[i])
			return 0;
	}
}

static void hset_add(hset *h, uint64_t k)
{
	size_t i = k & h->mask;
	while (h->slot[i] && h->slot[i] != k)
		i = (i + 1) & h->mask;
	h->slot[i] = k;
}

/* ---- loading ---- */

enum {
	I_USER, I_SKILL, I_VERSION, I_FILE, I_COLD, I_TAG, I_DAILY, I_STAR, I_FTS, I_FTS_SHORT,
	I_COUNT
};

/* Bulk inserts with explicit ids and every column publish sets; generated columns compute
 * themselves. These never run in the server, so they are not in the store's catalogue. */
static const char *const insert_sql[I_COUNT] = {
	[I_USER] = "INSERT INTO users(id, handle, display_name, image, role, created_at) "
		   "VALUES (?1, ?2, ?3, ?4, 0, ?5)",
	[I_SKILL] = "INSERT INTO skills(id, owner_id, slug, display_name, summary, tags_json, "
		    "latest_version_id, latest_version, latest_created_at, latest_changelog, latest_metadata, "
		    "moderation_status, moderation_reason, moderation_flags, moderation_verdict, soft_deleted_at, "
		    "stats_downloads, stats_stars, stats_installs, stats_versions, stats_comments, created_at, "
		    "updated_at, slug_shared) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, substr(?10, 1, 2000), ?11, "
		    "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, 0, ?21, ?22, ?23)",
	[I_VERSION] = "INSERT INTO skill_versions(id, skill_id, version, fingerprint, changelog, "
		      "changelog_source, created_by, created_at, soft_deleted_at, file_count, total_size, "
		      "zip_sha256, zip_size) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[I_FILE] = "INSERT INTO version_files(version_id, path, size, sha256, content_type, ord) "
		   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[I_COLD] = "INSERT INTO version_cold(version_id, frontmatter_json, metadata_json) VALUES (?1, ?2, ?3)",
	[I_TAG] = "INSERT INTO skill_tags(skill_id, tag, version_id) VALUES (?1, ?2, ?3)",
	[I_DAILY] = "INSERT INTO skill_daily_stats(skill_id, day, downloads, installs) VALUES (?1, ?2, ?3, ?4)",
	[I_STAR] = "INSERT INTO stars(skill_id, user_id, created_at) VALUES (?1, ?2, ?3)",
	[I_FTS] = "INSERT INTO skill_search(rowid, slug, display_name, summary) VALUES (?1, ?2, ?3, ?4)",
	[I_FTS_SHORT] = "INSERT INTO skill_search_short(rowid, text) VALUES (?1, ?2)",
};

/* The tables the load fills; their secondary indexes are dropped and rebuilt around it. */
static const char *const bulk_tables =
	"('users', 'skills', 'skill_versions', 'version_files', 'skill_daily_stats', 'stars')";

typedef struct loader {
	sqlite3 *db;
	sqlite3_stmt *ins[I_COUNT];
	char *index_sql[MAX_SAVED_INDEXES];
	int nindex;
	char err[256];
} loader;

static int db_err(loader *L, const char *what)
{
	snprintf(L->err, sizeof(L->err), "%s: %s", what, sqlite3_errmsg(L->db));
	return SR_EDB;
}

static int exec(loader *L, const char *sql)
{
	return sqlite3_exec(L->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : db_err(L, sql);
}

static int run_ins(loader *L, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(L, "insert");
}

static void bind_t(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Saves and drops the secondary indexes of the bulk tables (sqlite_master keeps the
 * migration's CREATE INDEX text verbatim, partial WHERE clauses included). */
static int drop_indexes(loader *L)
{
	char q[256];
	snprintf(q, sizeof(q), "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
		 "AND tbl_name IN %s ORDER BY name", bulk_tables);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(L->db, q, -1, &st, NULL) != SQLITE_OK)
		return db_err(L, "list indexes");
	char names[MAX_SAVED_INDEXES][64];
	int rc = 0;
	while (sqlite3_step(st) == SQLITE_ROW && L->nindex < MAX_SAVED_INDEXES) {
		snprintf(names[L->nindex], sizeof(names[0]), "%s", (const char *)sqlite3_column_text(st, 0));
		if (!(L->index_sql[L->nindex] = strdup((const char *)sqlite3_column_text(st, 1)))) {
			rc = SR_ENOMEM;
			break;
		}
		L->nindex++;
	}
	sqlite3_finalize(st);
	for (int i = 0; !rc && i < L->nindex; i++) {
		char drop[128];
		snprintf(drop, sizeof(drop), "DROP INDEX %.63s", names[i]);
		rc = exec(L, drop);
	}
	return rc;
}

static int create_indexes(loader *L)
{
	int rc = 0;
	for (int i = 0; !rc && i < L->nindex; i++)
		rc = exec(L, L->index_sql[i]);
	return rc;
}

static void loader_close(loader *L)
{
	for (int i = 0; i < I_COUNT; i++)
		sqlite3_finalize(L->ins[i]);
	for (int i = 0; i < L->nindex; i++)
		free(L->index_sql[i]);
	sqlite3_close(L->db);
}

static int loader_open(loader *L, const char *path)
{
	memset(L, 0, sizeof(*L));
	if (sqlite3_open_v2(path, &L->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return db_err(L, "open");
	/* Nothing reads the file until the load ends and a failed load is thrown away, so the
	 * journal and fsyncs buy nothing here. */
	int rc = exec(L, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE; "
		      "PRAGMA cache_size=-1048576; PRAGMA temp_store=MEMORY;");
	for (int i = 0; !rc && i < I_COUNT; i++)
		if (sqlite3_prepare_v3(L->db, insert_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &L->ins[i], NULL) !=
		    SQLITE_OK)
			rc = db_err(L, "prepare insert");
	return rc;
}

/* ---- one skill ---- */

typedef struct gen_version {
	char version[40];
	char changelog[320];
	int64_t created_at, soft_deleted_at;
	int bundle;
} gen_version;

typedef struct gen {
	const sr_synth_opts *o;
	loader L;
	sr__pools P;
	hset slugs, owner_slugs;
	int64_t nusers, today_day, now, start;
	int64_t next_version_id;
	sr_synth_stats *st;
	sr_buf fm, text;
} gen;

static void next_semver(sr__rng *r, int *maj, int *min, int *pat)
{
	unsigned k = (unsigned)sr__rng_below(r, 100);
	if (k < 5) {
		++*maj;
		*min = *pat = 0;
	} else if (k < 30) {
		++*min;
		*pat = 0;
	} else {
		++*pat;
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

struct moderation {
	int status, flags, verdict; /* verdict -1: NULL */
	const char *reason;
	int deleted;
};

static void pick_moderation(sr__rng *r, struct moderation *m)
{
	static const char *const hidden_reasons[] = {"pending.scan", "pending.scan", "quality.low",
						     "auto.reports", "staff.hidden"};
	unsigned k = (unsigned)sr__rng_below(r, 1000);
	memset(m, 0, sizeof(*m));
	m->verdict = 0;
	m->reason = "scanner.llm.clean";
	if (k < 5) { /* 0.5% malicious: hidden and blocked */
		m->status = 1;
		m->flags = 2;
		m->verdict = 2;
		m->reason = "scanner.llm.malicious";
	} else if (k < 15) { /* 1% flagged suspicious */
		m->flags = 1;
		m->verdict = 1;
		m->reason = "scanner.llm.suspicious";
	} else if (k < 25) { /* 1% suspicious by reason alone */
		m->verdict = 1;
		m->reason = "scanner.vt.suspicious";
	} else if (k < 35) { /* 1% hidden */
		m->status = 1;
		m->verdict = -1;
		m->reason = hidden_reasons[sr__rng_below(r, COUNT(hidden_reasons))];
	} else if (k < 45) { /* 1% soft-deleted */
		m->deleted = 1;
	} else if (k < 50) { /* 0.5% active but never scanned, for the stale-reason jobs */
		m->verdict = -1;
		m->reason = k < 48 ? "pending.scan" : "scanner.vt.pending";
	} else if (k < 100) {
		m->reason = "scanner.vt.clean";
	}
}

/*
 * One skill is drawn first (skill_plan, every random choice in a fixed order) and written
 * second; the stars' draws come last, while they are written, as they always have. Moving a
 * draw from one place to another changes every catalogue, so the parts below keep the
 * original order: identity, versions, moderation, activity, then the stars.
 */
typedef struct skill_plan {
	int64_t id, owner, created, updated, deleted_at;
	char slug[96], name[128], summary[256], tags[128];
	const char *domain;
	gen_version v[MAX_VERSIONS];
	int nv, live, beta; /* beta: the version with a "beta" tag, or -1 */
	int shared;         /* the slug was another owner's first (migration 0009's slug_shared) */
	size_t meta;        /* the metadata variant (synth.h) */
	struct moderation m;
	int64_t downloads, installs, nstars;
	int64_t dday[STATS_DAYS], ddl[STATS_DAYS], din[STATS_DAYS];
	int nd;
	int64_t vid0, latest_id;
} skill_plan;

/* Owner (skewed: a few publishers own many skills) and a slug unique for the owner and,
 * retries permitting, across owners; the name and summary that go with it. */
static void plan_identity(gen *g, sr__rng *r, skill_plan *p)
{
	p->owner = 1 + (int64_t)sr__synth_pick_skewed(r, (size_t)g->nusers, 1.8);
	p->domain = NULL; /* sr__synth_slug sets it */
	uint64_t hs = 0, ho = 0;
	for (int attempt = 0;; attempt++) {
		sr__synth_slug(r, p->slug, sizeof(p->slug), &p->domain);
		if (attempt >= 6) {
			size_t len = strlen(p->slug);
			snprintf(p->slug + len, sizeof(p->slug) - len, "-%llu", (unsigned long long)sr__rng_below(r, 1000) + 2);
		}
		hs = hash_str(0, p->slug);
		ho = hash_str((uint64_t)p->owner * 0x9e3779b97f4a7c15ULL, p->slug);
		/* About one skill in a hundred shares a slug with another owner's. */
		int dup_ok = sr__rng_below(r, 100) == 0;
		if (!hset_has(&g->owner_slugs, ho) && (dup_ok || !hset_has(&g->slugs, hs)))
			break;
	}
	/* A legacy catalogue's shared slug, as an import writes it: exempt from the one-owner
	 * index, which the first holder stays under. */
	p->shared = hset_has(&g->slugs, hs);
	hset_add(&g->slugs, hs);
	hset_add(&g->owner_slugs, ho);
	sr__synth_title(p->slug, p->name, sizeof(p->name));
	sr__synth_summary(r, p->domain, p->summary, sizeof(p->summary));
}

/* Creation time, then the versions: mostly one to three, a few up to twenty, semver
 * increasing in time; a beta tag now and then, and the metadata variant. */
static void plan_versions(gen *g, sr__rng *r, skill_plan *p)
{
	/* Creation times grow denser toward today, as the catalogue did; ids follow them. */
	double x = ((double)p->id - 0.5) / (double)g->o->skills;
	int64_t span = g->now - g->start;
	p->created = g->start + (int64_t)((double)span * sqrt(x)) - (int64_t)sr__rng_below(r, 3600000);
	if (p->created < g->start)
		p->created = g->start;
	int64_t life = g->now - p->created;

	int nv = 1 + (int)((double)MAX_VERSIONS * pow(sr__rng_u01(r), 7.0));
	if (nv > MAX_VERSIONS)
		nv = MAX_VERSIONS;
	gen_version *v = p->v;
	int64_t times[MAX_VERSIONS];
	times[0] = p->created;
	for (int k = 1; k < nv; k++)
		times[k] = p->created + (int64_t)((double)life * sr__rng_u01(r));
	qsort(times + 1, (size_t)(nv - 1), sizeof(times[0]), cmp_i64);
	int maj = sr__rng_below(r, 4) == 0 ? 0 : 1, min = maj ? 0 : 1, pat = 0;
	int bundle0 = (int)sr__rng_below(r, SR__POOL_BUNDLES);
	p->live = 0;
	for (int k = 0; k < nv; k++) {
		if (k)
			next_semver(r, &maj, &min, &pat);
		snprintf(v[k].version, sizeof(v[k].version), "%d.%d.%d", maj, min, pat);
		if (k == 0)
			snprintf(v[k].changelog, sizeof(v[k].changelog), "Initial release.");
		else
			sr__synth_changelog(r, p->domain, v[k].changelog, sizeof(v[k].changelog));
		v[k].created_at = times[k];
		v[k].bundle = (bundle0 + k) % SR__POOL_BUNDLES; /* distinct fingerprints per skill */
		/* A few older versions were withdrawn later (never the latest). */
		v[k].soft_deleted_at = 0;
		if (k < nv - 1 && sr__rng_below(r, 50) == 0)
			v[k].soft_deleted_at = times[k + 1];
		p->live += !v[k].soft_deleted_at;
	}
	p->nv = nv;
	p->updated = times[nv - 1];
	for (int k = 0; k < nv; k++)
		if (v[k].soft_deleted_at > p->updated)
			p->updated = v[k].soft_deleted_at;
	/* An extra "beta" tag on an older live version now and then. */
	p->beta = -1;
	if (nv > 2 && sr__rng_below(r, 20) == 0) {
		p->beta = nv - 2;
		if (v[p->beta].soft_deleted_at)
			p->beta = -1;
	}
	p->meta = sr__rng_below(r, 3) == 0 ? 1 + (size_t)sr__rng_below(r, SR__POOL_NMETA - 1) : 0;
}

/* Activity: heat u^20 keeps most skills to a handful of active days in 90 and the hottest
 * few active nearly every day; stars follow the heat. */
static void plan_activity(gen *g, sr__rng *r, skill_plan *p)
{
	double heat = pow(sr__rng_u01(r), 20.0);
	int64_t first_day = p->created / DAY_MS;
	if (first_day < g->today_day - (STATS_DAYS - 1))
		first_day = g->today_day - (STATS_DAYS - 1);
	p->downloads = p->installs = 0;
	p->nd = 0;
	for (int64_t day = first_day; day <= g->today_day; day++) {
		if (sr__rng_u01(r) >= heat + 0.004)
			continue;
		int64_t dl = 1 + (int64_t)(heat * 400.0 * sr__rng_u01(r));
		int64_t in = (int64_t)((double)dl * (0.15 + 0.35 * sr__rng_u01(r)));
		p->dday[p->nd] = day;
		p->ddl[p->nd] = dl;
		p->din[p->nd] = in;
		p->nd++;
		p->downloads += dl;
		p->installs += in;
	}
	p->nstars = (int64_t)(heat * 120.0 * sr__rng_u01(r)) + (sr__rng_below(r, 8) == 0);
	if (p->nstars > g->nusers)
		p->nstars = g->nusers;
	if (p->nstars > MAX_STARS)
		p->nstars = MAX_STARS;
}

static int write_skill_row(gen *g, const skill_plan *p)
{
	const gen_version *latest = &p->v[p->nv - 1];
	sqlite3_stmt *st = g->L.ins[I_SKILL];
	sqlite3_bind_int64(st, 1, p->id);
	sqlite3_bind_int64(st, 2, p->owner);
	bind_t(st, 3, p->slug);
	bind_t(st, 4, p->name);
	bind_t(st, 5, p->summary);
	bind_t(st, 6, p->tags);
	sqlite3_bind_int64(st, 7, p->latest_id);
	bind_t(st, 8, latest->version);
	sqlite3_bind_int64(st, 9, latest->created_at);
	bind_t(st, 10, latest->changelog);
	bind_t(st, 11, g->P.meta_json[p->meta]);
	sqlite3_bind_int(st, 12, p->m.status);
	bind_t(st, 13, p->m.reason);
	sqlite3_bind_int(st, 14, p->m.flags);
	if (p->m.verdict >= 0)
		sqlite3_bind_int(st, 15, p->m.verdict);
	else
		sqlite3_bind_null(st, 15);
	if (p->deleted_at)
		sqlite3_bind_int64(st, 16, p->deleted_at);
	else
		sqlite3_bind_null(st, 16);
	sqlite3_bind_int64(st, 17, p->downloads);
	sqlite3_bind_int64(st, 18, p->nstars);
	sqlite3_bind_int64(st, 19, p->installs);
	sqlite3_bind_int64(st, 20, p->live);
	sqlite3_bind_int64(st, 21, p->created);
	sqlite3_bind_int64(st, 22, p->updated);
	sqlite3_bind_int(st, 23, p->shared);
	return run_ins(&g->L, st);
}

/* One version's row, its files and its cold row (the frontmatter its SKILL.md declares). */
static int write_version(gen *g, const skill_plan *p, int k)
{
	loader *L = &g->L;
	const gen_version *v = &p->v[k];
	const sr__pool_bundle *bu = &g->P.bundle[v->bundle];
	int64_t vid = p->vid0 + k;
	sqlite3_stmt *st = L->ins[I_VERSION];
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_int64(st, 2, p->id);
	bind_t(st, 3, v->version);
	bind_t(st, 4, bu->fingerprint);
	bind_t(st, 5, v->changelog);
	sqlite3_bind_int64(st, 6, p->owner);
	sqlite3_bind_int64(st, 7, v->created_at);
	if (v->soft_deleted_at)
		sqlite3_bind_int64(st, 8, v->soft_deleted_at);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_int(st, 9, bu->nfiles);
	sqlite3_bind_int64(st, 10, bu->total_size);
	bind_t(st, 11, bu->zip_sha);
	sqlite3_bind_int64(st, 12, bu->zip_size);
	int rc = run_ins(L, st);
	if (rc)
		return rc;
	for (int f = 0; f < bu->nfiles; f++) {
		st = L->ins[I_FILE];
		sqlite3_bind_int64(st, 1, vid);
		bind_t(st, 2, bu->path[f]);
		sqlite3_bind_int64(st, 3, bu->blob[f]->size);
		bind_t(st, 4, bu->blob[f]->sha);
		bind_t(st, 5, sr_content_type_for(bu->path[f]));
		sqlite3_bind_int(st, 6, f);
		if ((rc = run_ins(L, st)))
			return rc;
	}
	/* The frontmatter the version's SKILL.md declares: name, description, metadata. */
	const char *meta_fm = g->P.meta_fm[p->meta];
	sr_buf_reset(&g->fm);
	rc = sr_buf_puts(&g->fm, "{\"name\":\"");
	if (!rc)
		rc = sr_json_escape(&g->fm, p->slug, strlen(p->slug));
	if (!rc)
		rc = sr_buf_puts(&g->fm, "\",\"description\":\"");
	if (!rc)
		rc = sr_json_escape(&g->fm, p->summary, strlen(p->summary));
	if (!rc)
		rc = sr_buf_printf(&g->fm, "\"%s%s}", meta_fm ? "," : "", meta_fm ? meta_fm : "");
	if (rc)
		return rc;
	st = L->ins[I_COLD];
	sqlite3_bind_int64(st, 1, vid);
	bind_t(st, 2, g->fm.data);
	bind_t(st, 3, g->P.meta_json[p->meta]);
	if ((rc = run_ins(L, st)))
		return rc;
	g->st->files += bu->nfiles;
	return 0;
}

static int write_tag(gen *g, int64_t skill_id, const char *tag, int64_t version_id)
{
	sqlite3_stmt *st = g->L.ins[I_TAG];
	sqlite3_bind_int64(st, 1, skill_id);
	bind_t(st, 2, tag);
	sqlite3_bind_int64(st, 3, version_id);
	return run_ins(&g->L, st);
}

/* skill_tags in primary-key order, then the daily stats rows. */
static int write_tags_and_days(gen *g, const skill_plan *p)
{
	int rc;
	if (p->beta >= 0 && (rc = write_tag(g, p->id, "beta", p->vid0 + p->beta)))
		return rc;
	if ((rc = write_tag(g, p->id, "latest", p->latest_id)))
		return rc;
	for (int k = 0; k < p->nd; k++) {
		sqlite3_stmt *st = g->L.ins[I_DAILY];
		sqlite3_bind_int64(st, 1, p->id);
		sqlite3_bind_int64(st, 2, p->dday[k]);
		sqlite3_bind_int64(st, 3, p->ddl[k]);
		sqlite3_bind_int64(st, 4, p->din[k]);
		if ((rc = run_ins(&g->L, st)))
			return rc;
	}
	g->st->daily_rows += p->nd;
	return 0;
}

/* Stars from consecutive users after a random one, in primary-key order: the skill's last
 * draws. */
static int write_stars(gen *g, sr__rng *r, const skill_plan *p)
{
	if (!p->nstars)
		return 0;
	int64_t base = (int64_t)sr__rng_below(r, (uint64_t)g->nusers);
	int64_t wrap = base + p->nstars > g->nusers ? base + p->nstars - g->nusers : 0;
	for (int64_t k = 0; k < p->nstars; k++) {
		int64_t user = k < wrap ? 1 + k : 1 + base + (k - wrap);
		sqlite3_stmt *st = g->L.ins[I_STAR];
		sqlite3_bind_int64(st, 1, p->id);
		sqlite3_bind_int64(st, 2, user);
		sqlite3_bind_int64(st, 3, p->created + (int64_t)((double)(g->now - p->created) * sr__rng_u01(r)));
		int rc = run_ins(&g->L, st);
		if (rc)
			return rc;
	}
	g->st->stars += p->nstars;
	return 0;
}

/* Both search indexes, with the text publish's sr_store_search_index writes (the text here
 * is ASCII, which the single-character index takes unchanged). */
static int write_search(gen *g, const skill_plan *p)
{
	sqlite3_stmt *st = g->L.ins[I_FTS];
	sqlite3_bind_int64(st, 1, p->id);
	bind_t(st, 2, p->slug);
	bind_t(st, 3, p->name);
	bind_t(st, 4, p->summary);
	int rc = run_ins(&g->L, st);
	if (rc)
		return rc;
	sr_buf_reset(&g->text);
	if ((rc = sr_buf_printf(&g->text, "%s %s %s", p->slug, p->name, p->summary)))
		return rc;
	for (size_t i = 0; i < strlen(p->slug); i++)
		if (g->text.data[i] == '-')
			g->text.data[i] = ' ';
	st = g->L.ins[I_FTS_SHORT];
	sqlite3_bind_int64(st, 1, p->id);
	bind_t(st, 2, g->text.data);
	return run_ins(&g->L, st);
}

static int gen_skill(gen *g, int64_t id)
{
	sr__rng r = sr__rng_for(g->o->seed, 10, (uint64_t)id);
	skill_plan p;
	p.id = id;
	plan_identity(g, &r, &p);
	plan_versions(g, &r, &p);
	pick_moderation(&r, &p.m);
	p.deleted_at = p.m.deleted ? p.updated + (int64_t)((double)(g->now - p.updated) * sr__rng_u01(&r)) : 0;
	plan_activity(g, &r, &p);
	p.vid0 = g->next_version_id;
	p.latest_id = p.vid0 + p.nv - 1;
	/* tags_json exactly as Q_TAGS_JSON builds it: json_group_object over skill_tags in
	 * primary-key (tag) order. */
	const char *latest = p.v[p.nv - 1].version;
	if (p.beta >= 0)
		snprintf(p.tags, sizeof(p.tags), "{\"beta\":\"%s\",\"latest\":\"%s\"}", p.v[p.beta].version, latest);
	else
		snprintf(p.tags, sizeof(p.tags), "{\"latest\":\"%s\"}", latest);

	int rc = write_skill_row(g, &p);
	for (int k = 0; !rc && k < p.nv; k++)
		rc = write_version(g, &p, k);
	if (rc)
		return rc;
	g->next_version_id += p.nv;
	g->st->versions += p.nv;
	if ((rc = write_tags_and_days(g, &p)) || (rc = write_stars(g, &r, &p)))
		return rc;
	return write_search(g, &p);
}

static int gen_users(gen *g)
{
	for (int64_t i = 0; i < g->nusers; i++) {
		sr__rng r = sr__rng_for(g->o->seed, 20, (uint64_t)i);
		char handle[64], display[96], image[128];
		sr__synth_person(i, handle, sizeof(handle), display, sizeof(display));
		snprintf(image, sizeof(image), "https://avatars.githubusercontent.com/u/%llu",
			 (unsigned long long)(1000 + sr__rng_below(&r, 9000000)));
		sqlite3_stmt *st = g->L.ins[I_USER];
		sqlite3_bind_int64(st, 1, i + 1);
		bind_t(st, 2, handle);
		bind_t(st, 3, display);
		bind_t(st, 4, sr__rng_below(&r, 3) ? image : NULL);
		sqlite3_bind_int64(st, 5, g->start - (int64_t)sr__rng_below(&r, (uint64_t)(90 * DAY_MS)));
		int rc = run_ins(&g->L, st);
		if (rc)
			return rc;
	}
	return 0;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sr_synth_generate(const sr_synth_opts *o, sr_synth_stats *out, char *err, size_t errsz)
{
	double t0 = mono_s();
	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (o->skills < 1 || o->skills > 100000000) {
		snprintf(err, errsz, "--skills must be between 1 and 100000000");
		return SR_EINVAL;
	}
	char db[4096], blobdir[4096];
	snprintf(db, sizeof(db), "%s/skillreg.db", o->data_dir);
	snprintf(blobdir, sizeof(blobdir), "%s/blobs", o->data_dir);
	struct stat sb;
	if (stat(db, &sb) == 0) {
		snprintf(err, errsz, "%s already holds a database; give a new directory", o->data_dir);
		return SR_EEXIST;
	}
	if (mkdir(o->data_dir, 0755) && errno != EEXIST) {
		snprintf(err, errsz, "cannot create %s: %s", o->data_dir, strerror(errno));
		return SR_EIO;
	}
	/* Schema through the store's own migrations, so the layout is the server's. */
	sr_store *s;
	int rc = sr_store_open(db, &s);
	if (!rc) {
		rc = sr_store_migrate(s);
		sr_store_close(s);
	}
	if (rc) {
		snprintf(err, errsz, "cannot create the database in %s", o->data_dir);
		return rc;
	}
	gen g;
	memset(&g, 0, sizeof(g));
	g.o = o;
	g.st = out;
	g.now = o->now_ms ? o->now_ms : sr_now_ms();
	g.today_day = g.now / DAY_MS;
	g.start = g.now - HISTORY_DAYS * DAY_MS;
	g.nusers = o->skills / 20 > 0 ? o->skills / 20 : 1;
	g.next_version_id = 1;
	sr_buf_init(&g.fm, 1 << 16);
	sr_buf_init(&g.text, 1 << 16);
	sr_blobs *blobs = NULL;
	if ((rc = sr_blobs_open(blobdir, &blobs)) || (rc = sr__pools_build(o->seed, g.start, blobs, &g.P))) {
		snprintf(err, errsz, "cannot write the blob pool under %s", blobdir);
		goto out;
	}
	if ((rc = hset_init(&g.slugs, (size_t)o->skills)) || (rc = hset_init(&g.owner_slugs, (size_t)o->skills))) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	if ((rc = loader_open(&g.L, db)) || (rc = drop_indexes(&g.L)) || (rc = exec(&g.L, "BEGIN")) ||
	    (rc = gen_users(&g)))
		goto db_out;
	out->users = g.nusers;
	for (int64_t id = 1; id <= o->skills; id++) {
		if ((rc = gen_skill(&g, id)))
			goto db_out;
		out->skills++;
		if (o->progress && id % PROGRESS_EVERY == 0)
			fprintf(stderr, "gen: %lld/%lld skills, %lld versions, %.1f s\n", (long long)id,
				(long long)o->skills, (long long)out->versions, mono_s() - t0);
	}
	if (o->progress)
		fprintf(stderr, "gen: rows in, %.1f s; building indexes\n", mono_s() - t0);
	if ((rc = create_indexes(&g.L)) || (rc = exec(&g.L, "COMMIT")))
		goto db_out;
	if (o->progress)
		fprintf(stderr, "gen: indexes built, %.1f s; analyzing\n", mono_s() - t0);
	/* The planner's statistics, then WAL as the server runs it. */
	if ((rc = exec(&g.L, "ANALYZE")) || (rc = exec(&g.L, "PRAGMA locking_mode=NORMAL; PRAGMA journal_mode=WAL")))
		goto db_out;
db_out:
	if (rc && g.L.err[0])
		snprintf(err, errsz, "%s", g.L.err);
	else if (rc && !err[0])
		snprintf(err, errsz, "generation failed (%d)", rc);
	loader_close(&g.L);
out:
	sr_blobs_close(blobs);
	sr__pools_deinit(&g.P);
	free(g.slugs.slot);
	free(g.owner_slugs.slot);
	sr_buf_deinit(&g.fm);
	sr_buf_deinit(&g.text);
	if (!rc && stat(db, &sb) == 0)
		out->db_bytes = (int64_t)sb.st_size;
	out->seconds = mono_s() - t0;
	return rc;
}
