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
 * The pools are made with the registry's own zip, fingerprint and frontmatter code, so a
 * download is a real archive and latest_metadata has exactly publish's shape; that is why
 * this file lives in src/bench, above the registry and the blob store. It is a bench tool,
 * not a path the server runs, and it writes its rows with SQL and a SQLite connection of its
 * own rather than through the store's catalogue (a bulk load the server never does).
 *
 * Every random choice comes from a seeded splitmix64 stream, one per skill, so a seed and a
 * "today" give the same catalogue byte for byte.
 */
#include "bench/bench.h"

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
#include "registry/bundle.h"
#include "registry/fingerprint.h"
#include "registry/frontmatter.h"
#include "registry/registry.h"

#define DAY_MS 86400000LL
#define HISTORY_DAYS 730   /* skills were created over the last two years */
#define STATS_DAYS 90      /* daily stats kept for the last 90 days */
#define MAX_VERSIONS 20
#define MAX_EXTRA_FILES 4
#define MAX_STARS 2000
#define POOL_MD 256        /* distinct SKILL.md texts */
#define POOL_OTHER 256     /* distinct other files */
#define POOL_BUNDLES 512   /* distinct file sets with their zip; > MAX_VERSIONS */
#define MAX_SAVED_INDEXES 64
#define PROGRESS_EVERY 100000

/* ---- deterministic randomness ---- */

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_u01(rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static uint64_t rng_below(rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

/* A stream of its own for item i, so one skill's draws do not shift every later skill's. */
static rng rng_for(uint64_t seed, uint64_t stream, uint64_t i)
{
	rng r = {seed ^ (stream * 0xd1b54a32d192ed03ULL)};
	r.s ^= rng_next(&r) + i * 0x9e3779b97f4a7c15ULL;
	rng_next(&r);
	return r;
}

/* ---- words ---- */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Roughly by popularity: slugs pick early entries more often (skewed draws). */
static const char *const domains[] = {
	"pdf", "github", "git", "slack", "email", "notion", "web", "docker", "csv", "json",
	"image", "calendar", "jira", "python", "sql", "postgres", "browser", "youtube", "video",
	"audio", "markdown", "excel", "google", "drive", "aws", "kubernetes", "linear", "discord",
	"telegram", "twitter", "reddit", "stripe", "shopify", "figma", "obsidian", "zotero",
	"arxiv", "weather", "news", "crypto", "stock", "finance", "spotify", "podcast", "rss",
	"seo", "wordpress", "openapi", "graphql", "redis", "mongo", "sqlite", "terraform",
	"ansible", "nginx", "linux", "bash", "ssh", "cron", "prometheus", "grafana", "sentry",
	"datadog", "vercel", "netlify", "cloudflare", "firebase", "supabase", "airtable",
	"trello", "asana", "todoist", "zoom", "outlook", "gmail", "whatsapp", "matrix",
	"mastodon", "bluesky", "hackernews", "wikipedia", "maps", "travel", "flight", "recipe",
	"fitness", "pubmed", "latex", "epub", "kindle", "ocr", "svg", "mermaid", "homeassistant",
};
static const char *const actions[] = {
	"extract", "convert", "summarize", "search", "scrape", "sync", "deploy", "review",
	"translate", "analyze", "generate", "monitor", "backup", "export", "import", "parse",
	"validate", "format", "lint", "test", "debug", "audit", "index", "compress", "merge",
	"split", "diff", "track", "schedule", "notify", "publish", "fetch", "clean", "classify",
	"tag", "rename", "render", "transcribe", "resize", "optimize", "plan", "draft", "query",
	"migrate", "archive", "watch", "report", "label", "triage", "scan",
};
static const char *const objects[] = {
	"table", "report", "invoice", "issue", "commit", "changelog", "transcript", "thumbnail",
	"schema", "receipt", "contract", "resume", "meeting", "note", "task", "ticket", "page",
	"post", "thread", "comment", "message", "inbox", "file", "folder", "photo", "chart",
	"dashboard", "metric", "alert", "incident", "release", "branch", "playlist", "subtitle",
	"caption", "citation", "paper", "dataset", "form", "survey", "lead", "contact", "event",
	"booking", "budget", "expense", "portfolio", "price", "quote", "article", "digest",
	"snippet", "template", "workflow", "pipeline", "secret", "config", "link", "bookmark",
	"feed",
};
static const char *const suffixes[] = {
	"helper", "tools", "kit", "pro", "agent", "assistant", "lite", "cli", "bot", "toolkit",
	"manager", "studio", "buddy", "plus",
};
static const char *const people[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
	"mallory", "nina", "oscar", "peggy", "quinn", "rupert", "sybil", "trent", "ursula",
	"victor", "wendy", "xavier", "yara", "zoe", "amir", "bea", "chen", "dmitri", "eszter",
	"farid", "gita", "hiro", "ines", "jonas", "kemal", "lena", "mateo", "noor", "olga",
	"priya", "rafael", "sana", "tomas", "uma", "vik", "wei", "yusuf", "zara", "kai", "leo",
};
static const char *const person_tags[] = {
	"dev", "labs", "ai", "io", "hq", "codes", "builds", "tools", "ops", "data", "works", "sh",
};
static const char *const summary_forms[] = {
	"%A %Os from %D and keep them in sync with %E.",
	"%A %D %Os with one command, including retries and rate limits.",
	"Use this skill to %a %D %Os, then export the results to %E.",
	"%A and review %D %Os without leaving the terminal.",
	"Turns %D %Os into tidy %E notes you can paste anywhere.",
	"Helps an agent %a %Os in %D: search, filter, and report what changed.",
	"Lets your agent %a %Os stored in %D and hand back a short digest.",
};
static const char *const summary_tails[] = {
	" Works offline once configured.", " Requires an API token.",
	" Supports pagination and incremental runs.", " Handles large inputs in batches.",
	" Outputs Markdown by default.", " Read-only unless you pass --write.",
	" Respects the provider's rate limits and retries politely.",
	" Keeps a local cache so repeated runs are fast.",
};
static const char *const changelog_forms[] = {
	"Fix %O parsing when %D returns an empty page.",
	"Add support for %D %Os.",
	"Faster %a on large %D exports; fewer API calls.",
	"Handle %D rate limits with exponential backoff.",
	"Document the %a command and add examples for %Os.",
	"Rename the %O option; the old name still works.",
	"Bump dependencies and tidy the %D client.",
};
static const char *const other_paths[] = {
	"README.md", "scripts/run.sh", "scripts/extract.py", "references/api.md",
	"examples/basic.json", "templates/report.md", "config.yaml", "scripts/helpers.js",
	"references/troubleshooting.md", "assets/schema.json",
};
/* Frontmatter metadata blocks; the first is "none". Each is parsed once with the registry's
 * frontmatter code so latest_metadata has exactly the shape publish stores. */
static const char *const metadata_yaml[] = {
	NULL,
	"metadata:\n  clawdbot:\n    requires:\n      env: [GITHUB_TOKEN]\n",
	"metadata:\n  openclaw:\n    requires:\n      env: [OPENAI_API_KEY]\n    os: [darwin, linux]\n",
	"metadata:\n  clawdis:\n    envVars:\n      - name: SLACK_BOT_TOKEN\n        required: true\n      - name: SLACK_TEAM\n",
	"metadata:\n  clawdbot:\n    os: [linux]\n    nix:\n      systems: [x86_64-linux, aarch64-linux]\n",
	"metadata:\n  clawdbot:\n    requires:\n      config: [browser.enabled]\n",
};
#define NMETA COUNT(metadata_yaml)

/* The search terms bench-replay uses: frequent, middling and rare words of the lists. */
static const char *const search_terms[] = {"pdf", "invoice", "mastodon"};

const char *sr_synth_search_term(int i)
{
	return i >= 0 && i < (int)COUNT(search_terms) ? search_terms[i] : NULL;
}

/* Index in [0, n) with early entries favoured: u^k concentrates toward 0. */
static size_t pick_skewed(rng *r, size_t n, double k)
{
	size_t i = (size_t)((double)n * pow(rng_u01(r), k));
	return i < n ? i : n - 1;
}

static const char *pick(rng *r, const char *const *list, size_t n)
{
	return list[rng_below(r, n)];
}

/* A slug like "pdf-table-extract" in one of several shapes; *domain gets its domain word. */
static void make_slug(rng *r, char *out, size_t n, const char **domain)
{
	const char *d = domains[pick_skewed(r, COUNT(domains), 2.2)];
	const char *a = pick(r, actions, COUNT(actions));
	const char *o = pick(r, objects, COUNT(objects));
	unsigned shape = (unsigned)rng_below(r, 10);
	*domain = d;
	if (shape < 3)
		snprintf(out, n, "%s-%s-%s", d, o, a);
	else if (shape < 5)
		snprintf(out, n, "%s-%s", d, a);
	else if (shape < 7)
		snprintf(out, n, "%s-%s-%s", a, d, o);
	else if (shape < 8)
		snprintf(out, n, "%s-%s", d, pick(r, suffixes, COUNT(suffixes)));
	else if (shape < 9)
		snprintf(out, n, "%s-%s", d, o);
	else {
		const char *d2 = domains[pick_skewed(r, COUNT(domains), 1.5)];
		snprintf(out, n, "%s-%s-%s", d, d2 != d ? d2 : pick(r, suffixes, COUNT(suffixes)), a);
	}
}

/* Display name as publish derives it from a frontmatter name equal to the slug. */
static void title_case(const char *slug, char *out, size_t n)
{
	snprintf(out, n, "%s", slug);
	for (char *p = out; *p; p++) {
		if (*p == '-')
			*p = ' ';
		if ((p == out || p[-1] == ' ') && *p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	}
}

/* Expands %A (Action), %a (action), %O (object), %D (domain), %E (another domain). */
static void expand(rng *r, const char *form, const char *slug_domain, char *out, size_t n)
{
	size_t len = 0;
	out[0] = '\0';
	for (const char *f = form; *f && len + 1 < n; f++) {
		const char *w = NULL;
		char one[2] = {*f, 0};
		int cap = 0;
		if (*f == '%' && f[1]) {
			f++;
			switch (*f) {
			case 'A': cap = 1; w = pick(r, actions, COUNT(actions)); break;
			case 'a': w = pick(r, actions, COUNT(actions)); break;
			case 'O': w = pick(r, objects, COUNT(objects)); break;
			case 'D': w = slug_domain; break;
			default: w = domains[pick_skewed(r, COUNT(domains), 1.5)]; break;
			}
		} else {
			w = one;
		}
		int k = snprintf(out + len, n - len, "%s", w);
		if (k < 0)
			break;
		if (cap && out[len] >= 'a' && out[len] <= 'z')
			out[len] = (char)(out[len] - 'a' + 'A');
		len += (size_t)k < n - len ? (size_t)k : n - len - 1;
	}
}

/* A summary of 60-200 characters about a domain, cut at a word boundary. */
static void make_summary(rng *r, const char *domain, char *out, size_t n)
{
	expand(r, pick(r, summary_forms, COUNT(summary_forms)), domain, out, n);
	unsigned used = 0;
	while (strlen(out) < 60 || (strlen(out) < 140 && rng_below(r, 2))) {
		size_t t = (size_t)rng_below(r, COUNT(summary_tails)), len = strlen(out);
		if (used & (1u << t))
			continue; /* each tail once */
		used |= 1u << t;
		snprintf(out + len, n - len, "%s", summary_tails[t]);
	}
	if (strlen(out) > 200) {
		out[200] = '\0';
		char *sp = strrchr(out, ' ');
		if (sp)
			*sp = '\0';
	}
}

/* ---- content pools ---- */

typedef struct pool_blob {
	char sha[65];
	int64_t size;
	const char *path; /* other files only */
} pool_blob;

typedef struct pool_bundle {
	int nfiles;
	const char *path[1 + MAX_EXTRA_FILES]; /* localeCompare order */
	const pool_blob *blob[1 + MAX_EXTRA_FILES];
	int64_t total_size, zip_size;
	char zip_sha[65], fingerprint[65];
} pool_bundle;

typedef struct pools {
	pool_blob md[POOL_MD], other[POOL_OTHER];
	pool_bundle bundle[POOL_BUNDLES];
	char *meta_fm[NMETA];   /* the metadata member of frontmatter_json, or NULL */
	char *meta_json[NMETA]; /* latest_metadata / version_cold.metadata_json, or NULL */
} pools;

static int put_blob(sr_blobs *b, sr_buf *text, pool_blob *out)
{
	sr_sha256_hex(text->data, text->len, out->sha);
	out->size = (int64_t)text->len;
	return sr_blob_put(b, out->sha, text->data, text->len);
}

static int make_md(rng *r, sr_buf *t)
{
	char slug[96], summary[256], title[128], line[256];
	const char *domain;
	make_slug(r, slug, sizeof(slug), &domain);
	make_summary(r, domain, summary, sizeof(summary));
	title_case(slug, title, sizeof(title));
	size_t target = 1024 + (size_t)rng_below(r, 7 * 1024);
	int rc = sr_buf_printf(t, "---\nname: %s\ndescription: %s\n---\n\n# %s\n\n%s\n", slug, summary,
			       title, summary);
	static const char *const sections[] = {"Usage", "Examples", "Configuration", "Notes",
					       "Troubleshooting", "Output"};
	int sec = 0;
	while (!rc && t->len < target) {
		if (sec % 3 == 0)
			rc = sr_buf_printf(t, "\n## %s\n\n", sections[(size_t)sec / 3 % COUNT(sections)]);
		expand(r, pick(r, changelog_forms, COUNT(changelog_forms)), slug, line, sizeof(line));
		if (!rc)
			rc = sr_buf_printf(t, "- %s\n", line);
		if (!rc && sec % 5 == 4)
			rc = sr_buf_printf(t, "\n```bash\n%s %s --%s ./%s\n```\n", slug,
					   pick(r, actions, COUNT(actions)), pick(r, objects, COUNT(objects)),
					   pick(r, objects, COUNT(objects)));
		sec++;
	}
	return rc;
}

static int make_other(rng *r, const char *path, sr_buf *t)
{
	size_t target = 200 + (size_t)rng_below(r, 6 * 1024);
	int rc = sr_buf_printf(t, "# %s\n", path);
	char line[256];
	while (!rc && t->len < target) {
		expand(r, pick(r, changelog_forms, COUNT(changelog_forms)), pick(r, domains, COUNT(domains)),
		       line, sizeof(line));
		rc = sr_buf_printf(t, "%s\n", line);
	}
	return rc;
}

/* _meta.json as publish writes it into the zip (JSON.stringify(meta, null, 2)). */
static int bundle_meta(sr_buf *out, int i, int64_t at)
{
	return sr_buf_printf(out, "{\n  \"ownerId\": \"us_%d\",\n  \"slug\": \"bundle-%d\",\n  \"version\": "
			     "\"1.0.0\",\n  \"publishedAt\": %lld\n}", i % 97 + 1, i, (long long)at);
}

static int cmp_entry(const void *a, const void *b)
{
	const sr_zip_entry *x = a, *y = b;
	return sr_path_collate(x->path, y->path);
}

static int build_bundle(rng *r, pools *p, sr_blobs *b, int i, sr_buf *texts, int64_t at)
{
	pool_bundle *bu = &p->bundle[i];
	sr_zip_entry e[2 + MAX_EXTRA_FILES];
	int md = (int)rng_below(r, POOL_MD);
	e[0].path = "SKILL.md";
	e[0].data = (const unsigned char *)texts[md].data;
	e[0].len = texts[md].len;
	const pool_blob *blob_of[1 + MAX_EXTRA_FILES];
	blob_of[0] = &p->md[md];
	int n = 1, extra = (int)pick_skewed(r, MAX_EXTRA_FILES + 1, 1.6);
	unsigned used = 0;
	for (int k = 0; k < extra; k++) {
		int o = (int)rng_below(r, POOL_OTHER);
		unsigned bit = 1u << (o % (int)COUNT(other_paths));
		if (used & bit)
			continue; /* one file per path */
		used |= bit;
		e[n].path = p->other[o].path;
		e[n].data = (const unsigned char *)texts[POOL_MD + o].data;
		e[n].len = texts[POOL_MD + o].len;
		blob_of[n] = &p->other[o];
		n++;
	}
	/* Sort entries with their blobs: pair them through the data pointer. */
	sr_zip_entry sorted[2 + MAX_EXTRA_FILES];
	memcpy(sorted, e, sizeof(e[0]) * (size_t)n);
	qsort(sorted, (size_t)n, sizeof(sorted[0]), cmp_entry);
	sr_fp_entry fp[1 + MAX_EXTRA_FILES];
	bu->nfiles = n;
	bu->total_size = 0;
	for (int k = 0; k < n; k++)
		for (int j = 0; j < n; j++)
			if (e[j].data == sorted[k].data && e[j].path == sorted[k].path) {
				bu->path[k] = sorted[k].path;
				bu->blob[k] = blob_of[j];
				bu->total_size += blob_of[j]->size;
				fp[k].path = bu->path[k];
				fp[k].sha256 = blob_of[j]->sha;
			}
	int rc = sr_fingerprint(fp, (size_t)n, bu->fingerprint);
	sr_buf meta, zip;
	sr_buf_init(&meta, 4096);
	sr_buf_init(&zip, 16 << 20);
	if (!rc)
		rc = bundle_meta(&meta, i, at);
	if (!rc) {
		sorted[n].path = "_meta.json";
		sorted[n].data = (const unsigned char *)meta.data;
		sorted[n].len = meta.len;
		rc = sr_zip_write(sorted, (size_t)n + 1, &zip);
	}
	if (!rc) {
		sr_sha256_hex(zip.data, zip.len, bu->zip_sha);
		bu->zip_size = (int64_t)zip.len;
		rc = sr_blob_put(b, bu->zip_sha, zip.data, zip.len);
	}
	sr_buf_deinit(&meta);
	sr_buf_deinit(&zip);
	return rc;
}

static void pools_deinit(pools *p)
{
	for (size_t i = 0; i < NMETA; i++) {
		free(p->meta_fm[i]);
		free(p->meta_json[i]);
	}
}

/* The metadata variants: what frontmatter_json holds for the block, and the derived
 * metadata publish copies into latest_metadata. */
static int build_metadata(pools *p)
{
	for (size_t i = 1; i < NMETA; i++) {
		char md[1024], err[128];
		int n = snprintf(md, sizeof(md), "---\n%s---\n", metadata_yaml[i]);
		sr_frontmatter fm;
		int rc = sr_frontmatter_parse(md, (size_t)n, &fm, err, sizeof(err));
		if (rc)
			return rc;
		/* frontmatter_json is {"metadata":{...}}: keep the member without the braces. */
		size_t len = strlen(fm.frontmatter_json);
		p->meta_fm[i] = len > 2 ? strndup(fm.frontmatter_json + 1, len - 2) : NULL;
		p->meta_json[i] = fm.metadata_json ? strdup(fm.metadata_json) : NULL;
		sr_frontmatter_deinit(&fm);
		if (!p->meta_fm[i])
			return SR_ENOMEM;
	}
	return 0;
}

static int build_pools(uint64_t seed, int64_t at, sr_blobs *b, pools *p)
{
	memset(p, 0, sizeof(*p));
	sr_buf texts[POOL_MD + POOL_OTHER];
	for (int i = 0; i < POOL_MD + POOL_OTHER; i++)
		sr_buf_init(&texts[i], 64 * 1024);
	int rc = build_metadata(p);
	for (int i = 0; !rc && i < POOL_MD; i++) {
		rng r = rng_for(seed, 1, (uint64_t)i);
		if (!(rc = make_md(&r, &texts[i])))
			rc = put_blob(b, &texts[i], &p->md[i]);
	}
	for (int i = 0; !rc && i < POOL_OTHER; i++) {
		rng r = rng_for(seed, 2, (uint64_t)i);
		p->other[i].path = other_paths[(size_t)i % COUNT(other_paths)];
		if (!(rc = make_other(&r, p->other[i].path, &texts[POOL_MD + i])))
			rc = put_blob(b, &texts[POOL_MD + i], &p->other[i]);
	}
	for (int i = 0; !rc && i < POOL_BUNDLES; i++) {
		rng r = rng_for(seed, 3, (uint64_t)i);
		rc = build_bundle(&r, p, b, i, texts, at);
	}
	for (int i = 0; i < POOL_MD + POOL_OTHER; i++)
		sr_buf_deinit(&texts[i]);
	return rc;
}

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
		    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, substr(?10, 1, 2000), ?11, ?12, ?13, "
		    "?14, ?15, ?16, ?17, ?18, ?19, ?20, 0, ?21, ?22)",
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
	pools P;
	hset slugs, owner_slugs;
	int64_t nusers, today_day, now, start;
	int64_t next_version_id;
	sr_synth_stats *st;
	sr_buf fm, text;
} gen;

static void next_semver(rng *r, int *maj, int *min, int *pat)
{
	unsigned k = (unsigned)rng_below(r, 100);
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

static void pick_moderation(rng *r, struct moderation *m)
{
	static const char *const hidden_reasons[] = {"pending.scan", "pending.scan", "quality.low",
						     "auto.reports", "staff.hidden"};
	unsigned k = (unsigned)rng_below(r, 1000);
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
		m->reason = hidden_reasons[rng_below(r, COUNT(hidden_reasons))];
	} else if (k < 45) { /* 1% soft-deleted */
		m->deleted = 1;
	} else if (k < 50) { /* 0.5% active but never scanned, for the stale-reason jobs */
		m->verdict = -1;
		m->reason = k < 48 ? "pending.scan" : "scanner.vt.pending";
	} else if (k < 100) {
		m->reason = "scanner.vt.clean";
	}
}

static int gen_skill(gen *g, int64_t id)
{
	loader *L = &g->L;
	rng r = rng_for(g->o->seed, 10, (uint64_t)id);
	int rc;

	/* Owner (skewed: a few publishers own many skills) and a slug unique for the owner and,
	 * retries permitting, across owners. */
	int64_t owner = 1 + (int64_t)pick_skewed(&r, (size_t)g->nusers, 1.8);
	char slug[96];
	const char *domain = domains[0];
	uint64_t hs = 0, ho = 0;
	for (int attempt = 0;; attempt++) {
		make_slug(&r, slug, sizeof(slug), &domain);
		if (attempt >= 6) {
			size_t len = strlen(slug);
			snprintf(slug + len, sizeof(slug) - len, "-%llu", (unsigned long long)rng_below(&r, 1000) + 2);
		}
		hs = hash_str(0, slug);
		ho = hash_str((uint64_t)owner * 0x9e3779b97f4a7c15ULL, slug);
		/* About one skill in a hundred shares a slug with another owner's. */
		int dup_ok = rng_below(&r, 100) == 0;
		if (!hset_has(&g->owner_slugs, ho) && (dup_ok || !hset_has(&g->slugs, hs)))
			break;
	}
	hset_add(&g->slugs, hs);
	hset_add(&g->owner_slugs, ho);
	char name[128], summary[256];
	title_case(slug, name, sizeof(name));
	make_summary(&r, domain, summary, sizeof(summary));

	/* Creation times grow denser toward today, as the catalogue did; ids follow them. */
	double x = ((double)id - 0.5) / (double)g->o->skills;
	int64_t span = g->now - g->start;
	int64_t created = g->start + (int64_t)((double)span * sqrt(x)) - (int64_t)rng_below(&r, 3600000);
	if (created < g->start)
		created = g->start;
	int64_t life = g->now - created;

	/* Versions: mostly one to three, a few up to twenty, semver increasing in time. */
	int nv = 1 + (int)((double)MAX_VERSIONS * pow(rng_u01(&r), 7.0));
	if (nv > MAX_VERSIONS)
		nv = MAX_VERSIONS;
	gen_version v[MAX_VERSIONS];
	int64_t times[MAX_VERSIONS];
	times[0] = created;
	for (int k = 1; k < nv; k++)
		times[k] = created + (int64_t)((double)life * rng_u01(&r));
	qsort(times + 1, (size_t)(nv - 1), sizeof(times[0]), cmp_i64);
	int maj = rng_below(&r, 4) == 0 ? 0 : 1, min = maj ? 0 : 1, pat = 0;
	int bundle0 = (int)rng_below(&r, POOL_BUNDLES);
	int live = 0;
	for (int k = 0; k < nv; k++) {
		if (k)
			next_semver(&r, &maj, &min, &pat);
		snprintf(v[k].version, sizeof(v[k].version), "%d.%d.%d", maj, min, pat);
		if (k == 0)
			snprintf(v[k].changelog, sizeof(v[k].changelog), "Initial release.");
		else
			expand(&r, pick(&r, changelog_forms, COUNT(changelog_forms)), domain, v[k].changelog,
			       sizeof(v[k].changelog));
		v[k].created_at = times[k];
		v[k].bundle = (bundle0 + k) % POOL_BUNDLES; /* distinct fingerprints per skill */
		/* A few older versions were withdrawn later (never the latest). */
		v[k].soft_deleted_at = 0;
		if (k < nv - 1 && rng_below(&r, 50) == 0)
			v[k].soft_deleted_at = times[k + 1];
		live += !v[k].soft_deleted_at;
	}
	int64_t updated = times[nv - 1];
	for (int k = 0; k < nv; k++)
		if (v[k].soft_deleted_at > updated)
			updated = v[k].soft_deleted_at;
	/* An extra "beta" tag on an older live version now and then. */
	int beta = -1;
	if (nv > 2 && rng_below(&r, 20) == 0) {
		beta = nv - 2;
		if (v[beta].soft_deleted_at)
			beta = -1;
	}
	size_t meta = rng_below(&r, 3) == 0 ? 1 + (size_t)rng_below(&r, NMETA - 1) : 0;

	struct moderation m;
	pick_moderation(&r, &m);
	int64_t deleted_at = m.deleted ? updated + (int64_t)((double)(g->now - updated) * rng_u01(&r)) : 0;

	/* Activity: heat u^20 keeps most skills to a handful of active days in 90 and the
	 * hottest few active nearly every day. */
	double heat = pow(rng_u01(&r), 20.0);
	int64_t first_day = created / DAY_MS;
	if (first_day < g->today_day - (STATS_DAYS - 1))
		first_day = g->today_day - (STATS_DAYS - 1);
	int64_t downloads = 0, installs = 0;
	int64_t dday[STATS_DAYS], ddl[STATS_DAYS], din[STATS_DAYS];
	int nd = 0;
	for (int64_t day = first_day; day <= g->today_day; day++) {
		if (rng_u01(&r) >= heat + 0.004)
			continue;
		int64_t dl = 1 + (int64_t)(heat * 400.0 * rng_u01(&r));
		int64_t in = (int64_t)((double)dl * (0.15 + 0.35 * rng_u01(&r)));
		dday[nd] = day;
		ddl[nd] = dl;
		din[nd] = in;
		nd++;
		downloads += dl;
		installs += in;
	}
	int64_t nstars = (int64_t)(heat * 120.0 * rng_u01(&r)) + (rng_below(&r, 8) == 0);
	if (nstars > g->nusers)
		nstars = g->nusers;
	if (nstars > MAX_STARS)
		nstars = MAX_STARS;

	int64_t vid0 = g->next_version_id;
	int64_t latest_id = vid0 + nv - 1;

	/* tags_json exactly as Q_TAGS_JSON builds it: json_group_object over skill_tags in
	 * primary-key (tag) order. */
	char tags[128];
	if (beta >= 0)
		snprintf(tags, sizeof(tags), "{\"beta\":\"%s\",\"latest\":\"%s\"}", v[beta].version, v[nv - 1].version);
	else
		snprintf(tags, sizeof(tags), "{\"latest\":\"%s\"}", v[nv - 1].version);

	sqlite3_stmt *st = L->ins[I_SKILL];
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, owner);
	bind_t(st, 3, slug);
	bind_t(st, 4, name);
	bind_t(st, 5, summary);
	bind_t(st, 6, tags);
	sqlite3_bind_int64(st, 7, latest_id);
	bind_t(st, 8, v[nv - 1].version);
	sqlite3_bind_int64(st, 9, v[nv - 1].created_at);
	bind_t(st, 10, v[nv - 1].changelog);
	bind_t(st, 11, g->P.meta_json[meta]);
	sqlite3_bind_int(st, 12, m.status);
	bind_t(st, 13, m.reason);
	sqlite3_bind_int(st, 14, m.flags);
	if (m.verdict >= 0)
		sqlite3_bind_int(st, 15, m.verdict);
	else
		sqlite3_bind_null(st, 15);
	if (deleted_at)
		sqlite3_bind_int64(st, 16, deleted_at);
	else
		sqlite3_bind_null(st, 16);
	sqlite3_bind_int64(st, 17, downloads);
	sqlite3_bind_int64(st, 18, nstars);
	sqlite3_bind_int64(st, 19, installs);
	sqlite3_bind_int64(st, 20, live);
	sqlite3_bind_int64(st, 21, created);
	sqlite3_bind_int64(st, 22, updated);
	if ((rc = run_ins(L, st)))
		return rc;

	for (int k = 0; k < nv; k++) {
		const pool_bundle *bu = &g->P.bundle[v[k].bundle];
		int64_t vid = vid0 + k;
		st = L->ins[I_VERSION];
		sqlite3_bind_int64(st, 1, vid);
		sqlite3_bind_int64(st, 2, id);
		bind_t(st, 3, v[k].version);
		bind_t(st, 4, bu->fingerprint);
		bind_t(st, 5, v[k].changelog);
		sqlite3_bind_int64(st, 6, owner);
		sqlite3_bind_int64(st, 7, v[k].created_at);
		if (v[k].soft_deleted_at)
			sqlite3_bind_int64(st, 8, v[k].soft_deleted_at);
		else
			sqlite3_bind_null(st, 8);
		sqlite3_bind_int(st, 9, bu->nfiles);
		sqlite3_bind_int64(st, 10, bu->total_size);
		bind_t(st, 11, bu->zip_sha);
		sqlite3_bind_int64(st, 12, bu->zip_size);
		if ((rc = run_ins(L, st)))
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
		sr_buf_reset(&g->fm);
		rc = sr_buf_puts(&g->fm, "{\"name\":\"");
		if (!rc)
			rc = sr_json_escape(&g->fm, slug, strlen(slug));
		if (!rc)
			rc = sr_buf_puts(&g->fm, "\",\"description\":\"");
		if (!rc)
			rc = sr_json_escape(&g->fm, summary, strlen(summary));
		if (!rc)
			rc = sr_buf_printf(&g->fm, "\"%s%s}", g->P.meta_fm[meta] ? "," : "",
					   g->P.meta_fm[meta] ? g->P.meta_fm[meta] : "");
		if (rc)
			return rc;
		st = L->ins[I_COLD];
		sqlite3_bind_int64(st, 1, vid);
		bind_t(st, 2, g->fm.data);
		bind_t(st, 3, g->P.meta_json[meta]);
		if ((rc = run_ins(L, st)))
			return rc;
		g->st->files += bu->nfiles;
	}
	g->next_version_id += nv;
	g->st->versions += nv;

	/* skill_tags in primary-key order. */
	if (beta >= 0) {
		st = L->ins[I_TAG];
		sqlite3_bind_int64(st, 1, id);
		bind_t(st, 2, "beta");
		sqlite3_bind_int64(st, 3, vid0 + beta);
		if ((rc = run_ins(L, st)))
			return rc;
	}
	st = L->ins[I_TAG];
	sqlite3_bind_int64(st, 1, id);
	bind_t(st, 2, "latest");
	sqlite3_bind_int64(st, 3, latest_id);
	if ((rc = run_ins(L, st)))
		return rc;

	for (int k = 0; k < nd; k++) {
		st = L->ins[I_DAILY];
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, dday[k]);
		sqlite3_bind_int64(st, 3, ddl[k]);
		sqlite3_bind_int64(st, 4, din[k]);
		if ((rc = run_ins(L, st)))
			return rc;
	}
	g->st->daily_rows += nd;

	/* Stars from consecutive users after a random one, in primary-key order. */
	if (nstars) {
		int64_t base = (int64_t)rng_below(&r, (uint64_t)g->nusers);
		int64_t wrap = base + nstars > g->nusers ? base + nstars - g->nusers : 0;
		for (int64_t k = 0; k < nstars; k++) {
			int64_t user = k < wrap ? 1 + k : 1 + base + (k - wrap);
			st = L->ins[I_STAR];
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int64(st, 2, user);
			sqlite3_bind_int64(st, 3, created + (int64_t)((double)(g->now - created) * rng_u01(&r)));
			if ((rc = run_ins(L, st)))
				return rc;
		}
		g->st->stars += nstars;
	}

	/* Both search indexes, with the text publish's sr_store_search_index writes (the text
	 * here is ASCII, which the single-character index takes unchanged). */
	st = L->ins[I_FTS];
	sqlite3_bind_int64(st, 1, id);
	bind_t(st, 2, slug);
	bind_t(st, 3, name);
	bind_t(st, 4, summary);
	if ((rc = run_ins(L, st)))
		return rc;
	sr_buf_reset(&g->text);
	rc = sr_buf_printf(&g->text, "%s %s %s", slug, name, summary);
	if (rc)
		return rc;
	for (size_t i = 0; i < strlen(slug); i++)
		if (g->text.data[i] == '-')
			g->text.data[i] = ' ';
	st = L->ins[I_FTS_SHORT];
	sqlite3_bind_int64(st, 1, id);
	bind_t(st, 2, g->text.data);
	return run_ins(L, st);
}

static int gen_users(gen *g)
{
	size_t np = COUNT(people), nt = COUNT(person_tags) + 1;
	for (int64_t i = 0; i < g->nusers; i++) {
		rng r = rng_for(g->o->seed, 20, (uint64_t)i);
		/* Mixed radix over (person, tag, number): unique by construction. */
		char handle[64], display[96], image[128];
		size_t p = (size_t)i % np, t = (size_t)i / np % nt;
		int64_t n = i / (int64_t)(np * nt);
		int len = snprintf(handle, sizeof(handle), "%s%s%s", people[p], t ? "-" : "", t ? person_tags[t - 1] : "");
		if (n)
			snprintf(handle + len, sizeof(handle) - (size_t)len, "%lld", (long long)n);
		snprintf(display, sizeof(display), "%c%s", people[p][0] - 'a' + 'A', people[p] + 1);
		snprintf(image, sizeof(image), "https://avatars.githubusercontent.com/u/%llu",
			 (unsigned long long)(1000 + rng_below(&r, 9000000)));
		sqlite3_stmt *st = g->L.ins[I_USER];
		sqlite3_bind_int64(st, 1, i + 1);
		bind_t(st, 2, handle);
		bind_t(st, 3, display);
		bind_t(st, 4, rng_below(&r, 3) ? image : NULL);
		sqlite3_bind_int64(st, 5, g->start - (int64_t)rng_below(&r, (uint64_t)(90 * DAY_MS)));
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
	if ((rc = sr_blobs_open(blobdir, &blobs)) || (rc = build_pools(o->seed, g.start, blobs, &g.P))) {
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
	pools_deinit(&g.P);
	free(g.slugs.slot);
	free(g.owner_slugs.slot);
	sr_buf_deinit(&g.fm);
	sr_buf_deinit(&g.text);
	if (!rc && stat(db, &sb) == 0)
		out->db_bytes = (int64_t)sb.st_size;
	out->seconds = mono_s() - t0;
	return rc;
}
