/*
 * import.c - `skillreg import ARCHIVE_DIR`: moves a ClawHub archive into this registry.
 *
 * The archive is ClawHub's own layout (the public `openclaw/skills` tree): ARCHIVE_DIR/OWNER/
 * SLUG/ holds the files of the skill's latest version as published, beside ClawHub's
 * `_meta.json` (owner, slug, displayName, the latest version with its publish time, older
 * versions in `history` without their files). Each owner becomes an account that nobody has
 * signed in to yet, with users.claim_github set to the owner's GitHub login, so that the first
 * GitHub sign-in with that login takes it over. Each skill is published through sr_publish, the
 * path the API takes, in its import mode: an operator's migration of what ClawHub already held,
 * so ClawHub's rules for new slugs (shape, reserved words, protected affixes, one owner per
 * slug) do not refuse it; everything else a publish checks still does.
 *
 * The archive's `_meta.json` is ClawHub's record of the skill, not a file of it, and stays out
 * of the version: the download carries the registry's own `_meta.json`, as every download does.
 * Every version is queued for the scan worker like any publish (the import does not wait for
 * the scanner, which runs in serve with its configuration); until scanned a skill is pending.
 *
 * Skills go in oldest first (by their first publish time), so that of two owners that ClawHub
 * let hold one slug before its one-owner rule the earlier holds it plainly. Each version is one
 * transaction: a run stopped at any point (SIGINT, SIGTERM, or kill -9) leaves whole versions,
 * and a second run skips every owner, slug and version already present, so it adds only what
 * the first did not. Progress goes to stderr once a second; the summary to stdout.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "api/error.h"
#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/util.h"
#include "registry/registry.h"

#define META_MAX_BYTES (1 << 20)  /* a _meta.json is a few hundred bytes */
#define MAX_SKILLS 1000000        /* skills one archive may hold */
#define MAX_REASONS 64            /* distinct refusal reasons the summary groups */
#define MAX_EXAMPLES 8            /* skills named per reason in the summary */

/* One skill of the archive, as its folder and _meta.json give it. */
struct entry {
	char *owner, *slug; /* folder names */
	int64_t first_at;   /* the earliest publish time _meta.json names: the import order */
};

/* The refusals, grouped by their text. */
struct reason {
	char text[512];
	int count;
	char examples[MAX_EXAMPLES][200];
};

struct run {
	sr_app *app;
	sr_store *s;
	const char *root;
	struct entry *v;
	size_t n, cap;
	int owners, owners_new, imported, skipped, refused, history_without_files;
	struct reason reasons[MAX_REASONS];
	int nreasons;
	struct timespec t0, last_progress;
};

static volatile sig_atomic_t stop_asked;

static void on_stop(int sig)
{
	(void)sig;
	stop_asked = 1;
}

static double seconds_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void refuse(struct run *r, const char *owner, const char *slug, const char *text)
{
	r->refused++;
	fprintf(stderr, "import: refused %s/%s: %s\n", owner, slug, text);
	struct reason *g = NULL;
	for (int i = 0; i < r->nreasons && !g; i++)
		if (strcmp(r->reasons[i].text, text) == 0)
			g = &r->reasons[i];
	if (!g && r->nreasons < MAX_REASONS) {
		g = &r->reasons[r->nreasons++];
		snprintf(g->text, sizeof(g->text), "%s", text);
	}
	if (!g)
		g = &r->reasons[MAX_REASONS - 1]; /* past the table: counted with the last reason */
	if (g->count < MAX_EXAMPLES)
		snprintf(g->examples[g->count], sizeof(g->examples[0]), "%s/%s", owner, slug);
	g->count++;
}

/* Reads DIR/_meta.json. 0, or a negative code with why filled. */
static int read_meta(const char *dir, json_t **meta, char *why, size_t whysz)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/_meta.json", dir);
	sr_buf b;
	sr_buf_init(&b, META_MAX_BYTES);
	int rc = sr_buf_read_file(&b, path);
	if (rc) {
		snprintf(why, whysz, "_meta.json cannot be read (%s)", sr_strerror(rc));
		sr_buf_deinit(&b);
		return rc;
	}
	json_error_t jerr;
	*meta = json_loadb(b.data ? b.data : "", b.len, 0, &jerr);
	sr_buf_deinit(&b);
	if (!*meta || !json_is_object(*meta)) {
		snprintf(why, whysz, "_meta.json is not a JSON object");
		json_decref(*meta);
		*meta = NULL;
		return SR_EINVAL;
	}
	return 0;
}

/* The earliest publish time _meta.json names (latest and history), 0 when it names none. */
static int64_t first_publish(json_t *meta)
{
	json_int_t first = json_integer_value(json_object_get(json_object_get(meta, "latest"), "publishedAt"));
	json_t *h = json_object_get(meta, "history"), *item;
	size_t i;
	json_array_foreach(h, i, item) {
		json_int_t t = json_integer_value(json_object_get(item, "publishedAt"));
		if (t > 0 && (first <= 0 || t < first))
			first = t;
	}
	return first > 0 ? (int64_t)first : 0;
}

/* Whether path is a directory, not following a symbolic link. */
static int is_dir(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int add_entry(struct run *r, const char *owner, const char *slug)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		if (cap > MAX_SKILLS)
			return SR_ETOOBIG;
		struct entry *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return SR_ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	struct entry *e = &r->v[r->n];
	e->owner = strdup(owner);
	e->slug = strdup(slug);
	e->first_at = 0;
	if (!e->owner || !e->slug) {
		free(e->owner);
		free(e->slug);
		return SR_ENOMEM;
	}
	char dir[4200];
	json_t *meta = NULL;
	char why[64];
	snprintf(dir, sizeof(dir), "%s/%s/%s", r->root, owner, slug);
	if (read_meta(dir, &meta, why, sizeof(why)) == 0)
		e->first_at = first_publish(meta);
	json_decref(meta);
	r->n++;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->first_at != y->first_at)
		return x->first_at < y->first_at ? -1 : 1;
	int c = strcmp(x->owner, y->owner);
	return c ? c : strcmp(x->slug, y->slug);
}

/* Lists ARCHIVE/OWNER/SLUG folders (names starting with '.' are not skills) in import order. */
static int list_archive(struct run *r)
{
	DIR *d = opendir(r->root);
	if (!d)
		return SR_EIO;
	struct dirent *o;
	int rc = 0;
	while (!rc && (o = readdir(d))) {
		char odir[4200];
		snprintf(odir, sizeof(odir), "%s/%s", r->root, o->d_name);
		if (o->d_name[0] == '.' || !is_dir(odir))
			continue;
		DIR *od = opendir(odir);
		if (!od)
			continue;
		r->owners++;
		struct dirent *sk;
		while (!rc && (sk = readdir(od))) {
			char sdir[4500];
			snprintf(sdir, sizeof(sdir), "%s/%s", odir, sk->d_name);
			if (sk->d_name[0] != '.' && is_dir(sdir))
				rc = add_entry(r, o->d_name, sk->d_name);
		}
		closedir(od);
	}
	closedir(d);
	if (!rc && r->n)
		qsort(r->v, r->n, sizeof(r->v[0]), cmp_entry);
	return rc;
}

/* The files of one skill folder, read into memory. */
struct files {
	sr_pub_file v[SR_MAX_FILES];
	unsigned char *data[SR_MAX_FILES];
	size_t n;
	int64_t total;
};

static void files_free(struct files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->data[i]);
	}
	f->n = 0;
	f->total = 0;
}

/* Reads every file under root/rel into f, except the archive's own root/_meta.json. A
 * symbolic link or a special file refuses the skill: the archive's bytes are hostile, and a
 * link would read something outside it. 0, or a negative code with why filled. */
static int collect(const char *root, const char *rel, struct files *f, char *why, size_t whysz)
{
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s%s%s", root, rel[0] ? "/" : "", rel);
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(why, whysz, "folder %.400s cannot be read", rel[0] ? rel : ".");
		return SR_EIO;
	}
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!rel[0] && strcmp(e->d_name, SR_META_PATH) == 0)
			continue;
		char r[2048], full[6300];
		snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
		snprintf(full, sizeof(full), "%s/%s", root, r);
		struct stat st;
		if (lstat(full, &st)) {
			snprintf(why, whysz, "%.400s cannot be read (%s)", r, strerror(errno));
			rc = SR_EIO;
		} else if (S_ISDIR(st.st_mode)) {
			rc = collect(root, r, f, why, whysz);
		} else if (!S_ISREG(st.st_mode)) {
			snprintf(why, whysz, "%.400s is a symbolic link or a special file, not a file", r);
			rc = SR_EINVAL;
		} else if (f->n == SR_MAX_FILES) {
			snprintf(why, whysz, "more than %d files", SR_MAX_FILES);
			rc = SR_ETOOBIG;
		} else if (st.st_size > SR_MAX_FILE_BYTES || f->total + st.st_size > SR_MAX_BUNDLE_BYTES) {
			snprintf(why, whysz, "%.400s: over the file or bundle size limit", r);
			rc = SR_ETOOBIG;
		} else {
			sr_buf b;
			sr_buf_init(&b, SR_MAX_FILE_BYTES);
			if ((rc = sr_buf_read_file(&b, full))) {
				snprintf(why, whysz, "%.400s cannot be read (%s)", r, sr_strerror(rc));
				sr_buf_deinit(&b);
				break;
			}
			size_t len = 0;
			sr_pub_file *pf = &f->v[f->n];
			memset(pf, 0, sizeof(*pf));
			f->data[f->n] = (unsigned char *)sr_buf_steal(&b, &len);
			pf->path = strdup(r);
			pf->size = (int64_t)len;
			pf->data = f->data[f->n] ? f->data[f->n] : (const unsigned char *)"";
			sr_sha256_hex(pf->data, len, pf->sha256);
			f->n++;
			f->total += (int64_t)len;
			if (!pf->path)
				rc = SR_ENOMEM;
		}
	}
	closedir(d);
	return rc;
}

/* The owner's account: the one with that handle, else a new one the GitHub login claims. */
static int owner_account(struct run *r, const char *owner, sr_user *u, char *why, size_t whysz)
{
	char handle[64];
	sr_owner_normalize(owner, handle, sizeof(handle));
	int rc = sr_store_user_by_handle(r->s, handle, u);
	if (rc != SR_ENOTFOUND) {
		if (rc)
			snprintf(why, whysz, "owner account: %s", sr_strerror(rc));
		return rc;
	}
	int64_t id;
	rc = sr_store_user_add_claimable(r->s, handle, handle, handle, &id);
	if (rc == SR_EEXIST) {
		snprintf(why, whysz, "another account already waits for the GitHub login %s", handle);
		return rc;
	}
	if (!rc)
		rc = sr_store_user_by_id(r->s, id, u);
	if (rc)
		snprintf(why, whysz, "owner account: %s", sr_strerror(rc));
	else
		r->owners_new++;
	return rc;
}

/* What _meta.json says of the latest version; NULL members when it says nothing usable. */
struct meta_view {
	const char *slug, *display_name, *version;
	int64_t published_at;
	size_t history;
};

static void meta_view(json_t *meta, struct meta_view *m)
{
	json_t *latest = json_object_get(meta, "latest");
	m->slug = json_string_value(json_object_get(meta, "slug"));
	m->display_name = json_string_value(json_object_get(meta, "displayName"));
	m->version = json_string_value(json_object_get(latest, "version"));
	json_int_t t = json_integer_value(json_object_get(latest, "publishedAt"));
	m->published_at = t > 0 ? (int64_t)t : 0;
	m->history = json_array_size(json_object_get(meta, "history"));
}

/* Publishes the latest version of one archive skill through sr_publish's import mode. */
static void import_one(struct run *r, const struct entry *e, struct files *f)
{
	char dir[4200], why[600] = "";
	json_t *meta = NULL;
	snprintf(dir, sizeof(dir), "%s/%s/%s", r->root, e->owner, e->slug);
	if (read_meta(dir, &meta, why, sizeof(why))) {
		refuse(r, e->owner, e->slug, why);
		return;
	}
	struct meta_view m;
	meta_view(meta, &m);
	r->history_without_files += (int)m.history;
	sr_user u;
	if (!m.version || !m.published_at) {
		refuse(r, e->owner, e->slug, "_meta.json names no latest version with its publish time");
	} else if (m.slug && strcmp(m.slug, e->slug) != 0) {
		refuse(r, e->owner, e->slug, "_meta.json names another slug than its folder");
	} else if (collect(dir, "", f, why, sizeof(why)) || owner_account(r, e->owner, &u, why, sizeof(why))) {
		refuse(r, e->owner, e->slug, why);
	} else {
		sr_publish_req pr = {.actor = &u, .slug = e->slug, .display_name = m.display_name,
				     .version = m.version, .changelog = "", .accept_license = 1,
				     .files = f->v, .nfiles = f->n, .now = m.published_at, .import = 1};
		sr_publish_result res;
		sr_regerr err = {0};
		/* Each publish is one operation with its own read budget. */
		sr_store_set_reads(r->s, NULL);
		if (sr_publish(r->s, r->app->blobs, &pr, &res, &err) == 0) {
			r->imported++;
		} else if (err.why == SR_WHY_VERSION_EXISTS) {
			r->skipped++;
		} else {
			sr_api_error_text(&err, why, sizeof(why));
			refuse(r, e->owner, e->slug, why);
		}
	}
	files_free(f);
	json_decref(meta);
}

/* One line on stderr: done of total, the rate and the time left. */
static void progress(struct run *r, size_t done, int last)
{
	double since = seconds_since(&r->last_progress);
	if (!last && since < 1.0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &r->last_progress);
	double elapsed = seconds_since(&r->t0);
	double rate = elapsed > 0 ? (double)done / elapsed : 0;
	double eta = rate > 0 ? (double)(r->n - done) / rate : 0;
	fprintf(stderr, "import: %zu/%zu skills (%.0f%%), %.1f/s, %.0f s elapsed, eta %.0f s\n", done, r->n,
		r->n ? 100.0 * (double)done / (double)r->n : 100.0, rate, elapsed, eta);
}

static void summary(const struct run *r, size_t done)
{
	double elapsed = seconds_since(&r->t0);
	printf("import: %s %zu of %zu skills of %d owners in %.1f s (%.1f skills/s)\n",
	       done < r->n ? "stopped after" : "went through", done, r->n, r->owners, elapsed,
	       elapsed > 0 ? (double)done / elapsed : 0.0);
	printf("imported: %d versions (%d new owner accounts, claimed at the first GitHub sign-in)\n", r->imported,
	       r->owners_new);
	printf("skipped (already present): %d\n", r->skipped);
	printf("refused: %d\n", r->refused);
	for (int i = 0; i < r->nreasons; i++) {
		const struct reason *g = &r->reasons[i];
		printf("  %d  %s:", g->count, g->text);
		for (int k = 0; k < g->count && k < MAX_EXAMPLES; k++)
			printf(" %s", g->examples[k]);
		printf("%s\n", g->count > MAX_EXAMPLES ? " ..." : "");
	}
	if (r->history_without_files)
		printf("not in the archive: %d older versions that _meta.json lists without their files\n",
		       r->history_without_files);
	if (done < r->n)
		printf("stopped: run the same command again to import the rest\n");
}

static int run_import(const sr_cmd_opts *o)
{
	struct run *r = calloc(1, sizeof(*r));
	struct files *f = calloc(1, sizeof(*f));
	sr_app app;
	int ret = 1;
	if (!r || !f)
		goto out;
	r->root = o->nargs == 2 ? o->args[1] : NULL;
	if (r->root && !is_dir(r->root)) {
		fprintf(stderr, "skillreg: %s: not a directory\n", r->root);
		goto out;
	}
	int early = sr__cmd_begin(o, 2, &app, &r->s);
	if (early) {
		ret = early;
		goto out;
	}
	r->app = &app;
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	r->last_progress = r->t0;
	int rc = list_archive(r);
	if (rc) {
		fprintf(stderr, "skillreg: %s: cannot list the archive: %s\n", r->root, sr_strerror(rc));
		sr__cmd_close_data(&app, r->s);
		goto out;
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	size_t done = 0;
	for (; done < r->n && !stop_asked; done++) {
		import_one(r, &r->v[done], f);
		progress(r, done + 1, done + 1 == r->n);
	}
	summary(r, done);
	ret = r->refused || done < r->n ? 1 : 0;
	if (done == r->n && sr__cmd_search_backfill(r->s, app.blobs))
		ret = 1;
	sr__cmd_close_data(&app, r->s);
out:
	if (r)
		for (size_t i = 0; i < r->n; i++) {
			free(r->v[i].owner);
			free(r->v[i].slug);
		}
	if (r)
		free(r->v);
	free(r);
	free(f);
	return ret;
}

const sr_cmd sr__cmd_import = {
	"import", "import a ClawHub archive (OWNER/SLUG/ folders with _meta.json) as an admin migration",
	"usage: skillreg import ARCHIVE_DIR [--data-dir DIR] [--db URL]\n"
	"  publishes the latest version of every ARCHIVE_DIR/OWNER/SLUG/ with its version and time;\n"
	"  each owner becomes an account that the GitHub sign-in of the same login claims. Stopped\n"
	"  (Ctrl-C) or killed, it is run again to finish: what is present is skipped. Exit status 0\n"
	"  when nothing was refused.\n",
	SR_O(DATA_DIR) | SR_O(DB),
	run_import,
};
