/*
 * corpus.c - the words and the content of a generated catalogue (synth.h): word lists
 * ordered roughly by popularity, the slugs, names, summaries, changelogs and user names made
 * from them, and the content pools (SKILL.md texts, other files, zip bundles, frontmatter
 * metadata) built once per catalogue with the registry's own zip, fingerprint and
 * frontmatter code, so a download is a real archive and latest_metadata has publish's
 * exact shape. A bench tool, not a server path (see synth.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/synth.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/util.h"
#include "registry/bundle.h"
#include "registry/fingerprint.h"
#include "registry/frontmatter.h"

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
_Static_assert(COUNT(metadata_yaml) == SR__POOL_NMETA, "synth.h counts the metadata variants");

/* The search terms bench-replay uses: frequent, middling and rare words of the lists. */
static const char *const search_terms[] = {"pdf", "invoice", "mastodon"};

const char *sr_synth_search_term(int i)
{
	return i >= 0 && i < (int)COUNT(search_terms) ? search_terms[i] : NULL;
}

/* Index in [0, n) with early entries favoured: u^k concentrates toward 0. */
size_t sr__synth_pick_skewed(sr__rng *r, size_t n, double k)
{
	size_t i = (size_t)((double)n * pow(sr__rng_u01(r), k));
	return i < n ? i : n - 1;
}

static const char *pick(sr__rng *r, const char *const *list, size_t n)
{
	return list[sr__rng_below(r, n)];
}

/* A slug like "pdf-table-extract" in one of several shapes; *domain gets its domain word. */
void sr__synth_slug(sr__rng *r, char *out, size_t n, const char **domain)
{
	const char *d = domains[sr__synth_pick_skewed(r, COUNT(domains), 2.2)];
	const char *a = pick(r, actions, COUNT(actions));
	const char *o = pick(r, objects, COUNT(objects));
	unsigned shape = (unsigned)sr__rng_below(r, 10);
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
		const char *d2 = domains[sr__synth_pick_skewed(r, COUNT(domains), 1.5)];
		snprintf(out, n, "%s-%s-%s", d, d2 != d ? d2 : pick(r, suffixes, COUNT(suffixes)), a);
	}
}

/* Display name as publish derives it from a frontmatter name equal to the slug. */
void sr__synth_title(const char *slug, char *out, size_t n)
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
static void expand(sr__rng *r, const char *form, const char *slug_domain, char *out, size_t n)
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
			default: w = domains[sr__synth_pick_skewed(r, COUNT(domains), 1.5)]; break;
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
void sr__synth_summary(sr__rng *r, const char *domain, char *out, size_t n)
{
	expand(r, pick(r, summary_forms, COUNT(summary_forms)), domain, out, n);
	unsigned used = 0;
	while (strlen(out) < 60 || (strlen(out) < 140 && sr__rng_below(r, 2))) {
		size_t t = (size_t)sr__rng_below(r, COUNT(summary_tails)), len = strlen(out);
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

/* A changelog line for a version after the first. */
void sr__synth_changelog(sr__rng *r, const char *domain, char *out, size_t n)
{
	expand(r, pick(r, changelog_forms, COUNT(changelog_forms)), domain, out, n);
}

/* Mixed radix over (person, tag, number): unique by construction. */
void sr__synth_person(int64_t i, char *handle, size_t hn, char *display, size_t dn)
{
	size_t np = COUNT(people), nt = COUNT(person_tags) + 1;
	size_t p = (size_t)i % np, t = (size_t)i / np % nt;
	int64_t n = i / (int64_t)(np * nt);
	int len = snprintf(handle, hn, "%s%s%s", people[p], t ? "-" : "", t ? person_tags[t - 1] : "");
	if (n)
		snprintf(handle + len, hn - (size_t)len, "%lld", (long long)n);
	snprintf(display, dn, "%c%s", people[p][0] - 'a' + 'A', people[p] + 1);
}

/* ---- content pools ---- */

static int put_blob(sr_blobs *b, sr_buf *text, sr__pool_blob *out)
{
	sr_sha256_hex(text->data, text->len, out->sha);
	out->size = (int64_t)text->len;
	return sr_blob_put(b, out->sha, text->data, text->len);
}

static int make_md(sr__rng *r, sr_buf *t)
{
	char slug[96], summary[256], title[128], line[256];
	const char *domain;
	sr__synth_slug(r, slug, sizeof(slug), &domain);
	sr__synth_summary(r, domain, summary, sizeof(summary));
	sr__synth_title(slug, title, sizeof(title));
	size_t target = 1024 + (size_t)sr__rng_below(r, 7 * 1024);
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

static int make_other(sr__rng *r, const char *path, sr_buf *t)
{
	size_t target = 200 + (size_t)sr__rng_below(r, 6 * 1024);
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

static int build_bundle(sr__rng *r, sr__pools *p, sr_blobs *b, int i, sr_buf *texts, int64_t at)
{
	sr__pool_bundle *bu = &p->bundle[i];
	sr_zip_entry e[2 + SR__POOL_EXTRA_FILES];
	int md = (int)sr__rng_below(r, SR__POOL_MD);
	e[0].path = "SKILL.md";
	e[0].data = (const unsigned char *)texts[md].data;
	e[0].len = texts[md].len;
	const sr__pool_blob *blob_of[1 + SR__POOL_EXTRA_FILES];
	blob_of[0] = &p->md[md];
	int n = 1, extra = (int)sr__synth_pick_skewed(r, SR__POOL_EXTRA_FILES + 1, 1.6);
	unsigned used = 0;
	for (int k = 0; k < extra; k++) {
		int o = (int)sr__rng_below(r, SR__POOL_OTHER);
		unsigned bit = 1u << (o % (int)COUNT(other_paths));
		if (used & bit)
			continue; /* one file per path */
		used |= bit;
		e[n].path = p->other[o].path;
		e[n].data = (const unsigned char *)texts[SR__POOL_MD + o].data;
		e[n].len = texts[SR__POOL_MD + o].len;
		blob_of[n] = &p->other[o];
		n++;
	}
	/* Sort entries with their blobs: pair them through the data pointer. */
	sr_zip_entry sorted[2 + SR__POOL_EXTRA_FILES];
	memcpy(sorted, e, sizeof(e[0]) * (size_t)n);
	qsort(sorted, (size_t)n, sizeof(sorted[0]), cmp_entry);
	sr_fp_entry fp[1 + SR__POOL_EXTRA_FILES];
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

void sr__pools_deinit(sr__pools *p)
{
	for (size_t i = 0; i < SR__POOL_NMETA; i++) {
		free(p->meta_fm[i]);
		free(p->meta_json[i]);
	}
}

/* The metadata variants: what frontmatter_json holds for the block, and the derived
 * metadata publish copies into latest_metadata. */
static int build_metadata(sr__pools *p)
{
	for (size_t i = 1; i < SR__POOL_NMETA; i++) {
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

int sr__pools_build(uint64_t seed, int64_t at, sr_blobs *b, sr__pools *p)
{
	memset(p, 0, sizeof(*p));
	sr_buf texts[SR__POOL_MD + SR__POOL_OTHER];
	for (int i = 0; i < SR__POOL_MD + SR__POOL_OTHER; i++)
		sr_buf_init(&texts[i], 64 * 1024);
	int rc = build_metadata(p);
	for (int i = 0; !rc && i < SR__POOL_MD; i++) {
		sr__rng r = sr__rng_for(seed, 1, (uint64_t)i);
		if (!(rc = make_md(&r, &texts[i])))
			rc = put_blob(b, &texts[i], &p->md[i]);
	}
	for (int i = 0; !rc && i < SR__POOL_OTHER; i++) {
		sr__rng r = sr__rng_for(seed, 2, (uint64_t)i);
		p->other[i].path = other_paths[(size_t)i % COUNT(other_paths)];
		if (!(rc = make_other(&r, p->other[i].path, &texts[SR__POOL_MD + i])))
			rc = put_blob(b, &texts[SR__POOL_MD + i], &p->other[i]);
	}
	for (int i = 0; !rc && i < SR__POOL_BUNDLES; i++) {
		sr__rng r = sr__rng_for(seed, 3, (uint64_t)i);
		rc = build_bundle(&r, p, b, i, texts, at);
	}
	for (int i = 0; i < SR__POOL_MD + SR__POOL_OTHER; i++)
		sr_buf_deinit(&texts[i]);
	return rc;
}
