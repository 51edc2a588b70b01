/*
 * publish.c - publishing a version (api-v1 section 3.11); what follows a publish is in
 * lifecycle.c.
 *
 * A publish validates everything it can before it writes: the request, the file list, the
 * SKILL.md frontmatter, the owner. It then stores the file bytes and the download archive as
 * blobs (content-addressed, so a retry rewrites nothing) and makes every database change in
 * one transaction: a failed publish leaves no skill, version, tag or counter behind.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/jw.h"
#include "core/log.h"
#include "core/util.h"
#include "registry/bundle.h"
#include "registry/fingerprint.h"
#include "registry/frontmatter.h"
#include "registry/registry.h"
#include "registry/search.h"
#include "registry/semver.h"
#include "registry/slug.h"

/* Paths travel in JSON and zip headers as UTF-8, so bytes that are not UTF-8 are refused. */
static int utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	while (*s) {
		unsigned char c = *s;
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (!len || (len == 2 && c < 0xc2) || (len == 4 && c > 0xf4))
			return 0;
		for (size_t k = 1; k < len; k++)
			if ((s[k] & 0xc0) != 0x80)
				return 0;
		if (len == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0)))
			return 0; /* overlong form or a UTF-16 surrogate */
		if (len == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90)))
			return 0;
		s += len;
	}
	return 1;
}

int sr_path_sanitize(char *path)
{
	size_t n = strlen(path);
	size_t a = 0;
	/* Leading spaces and slashes in any mix, so that a sanitized path is its own result. */
	while (a < n && (isspace((unsigned char)path[a]) || path[a] == '/'))
		a++;
	while (n > a && isspace((unsigned char)path[n - 1]))
		n--;
	memmove(path, path + a, n - a);
	path[n - a] = '\0';
	if (!path[0] || strlen(path) > SR_MAX_PATH || strchr(path, '\\'))
		return SR_EINVAL;
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return SR_EINVAL;
	if (!utf8_valid(path))
		return SR_EINVAL;
	const char *seg = path;
	for (;;) {
		const char *end = strchr(seg, '/');
		size_t len = end ? (size_t)(end - seg) : strlen(seg);
		if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return SR_EINVAL;
		if (!end)
			break;
		seg = end + 1;
	}
	return 0;
}

int sr_path_is_junk(const char *path)
{
	if (strncmp(path, "__MACOSX/", 9) == 0 || strstr(path, "/__MACOSX/"))
		return 1;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return strcmp(base, ".DS_Store") == 0 || strncmp(base, "._", 2) == 0;
}

const char *sr_content_type_for(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".md", "text/markdown"},     {".markdown", "text/markdown"},
		{".txt", "text/plain"},       {".sh", "application/x-sh"},
		{".json", "application/json"}, {".yaml", "application/yaml"},
		{".yml", "application/yaml"},  {".py", "text/x-python"},
		{".js", "text/javascript"},    {".mjs", "text/javascript"},
		{".ts", "text/plain"},         {".html", "text/html"},
		{".css", "text/css"},          {".csv", "text/csv"},
		{".svg", "image/svg+xml"},     {".png", "image/png"},
		{".jpg", "image/jpeg"},        {".toml", "text/plain"},
	};
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

static int is_skill_md(const char *path)
{
	return strcasecmp(path, "SKILL.md") == 0 || strcasecmp(path, "skills.md") == 0;
}

/* A caller-supplied tag is kept when it is printable ASCII, does not start with '$' or '_'
 * and is not `latest` in any case (`latest` moves only by semver). */
int sr_tag_valid(const char *t)
{
	if (!t[0] || t[0] == '$' || t[0] == '_' || strlen(t) > 64 || strcasecmp(t, "latest") == 0)
		return 0;
	for (const char *p = t; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			return 0;
	return 1;
}

struct latest_ctx {
	char version[260];
	int found;
};

static int take_version(void *ud, const void *row)
{
	const sr_version_row *v = row;
	struct latest_ctx *c = ud;
	snprintf(c->version, sizeof(c->version), "%s", v->version);
	c->found = 1;
	return 1;
}

static int cmp_files(const void *a, const void *b)
{
	const sr_pub_file *x = a, *y = b;
	return sr_path_collate(x->path, y->path);
}

/* _meta.json as ClawHub writes it: JSON.stringify(meta, null, 2). */
static int meta_json(sr_buf *out, const char *owner_id, const char *slug, const char *version,
		     int64_t published_at)
{
	int rc = sr_buf_puts(out, "{\n  \"ownerId\": \"");
	if (!rc)
		rc = sr_json_escape(out, owner_id, strlen(owner_id));
	if (!rc)
		rc = sr_buf_puts(out, "\",\n  \"slug\": \"");
	if (!rc)
		rc = sr_json_escape(out, slug, strlen(slug));
	if (!rc)
		rc = sr_buf_puts(out, "\",\n  \"version\": \"");
	if (!rc)
		rc = sr_json_escape(out, version, strlen(version));
	if (!rc)
		rc = sr_buf_printf(out, "\",\n  \"publishedAt\": %lld\n}", (long long)published_at);
	return rc;
}

/*
 * Loads every file's bytes (from the request or the blob store) and builds the archive.
 *
 * The archive's `_meta.json` is always the registry's own. A published folder may carry one
 * too (every installed copy does, from its download): ClawHub keeps it in the version's file
 * list and its fingerprint, and in the archive puts its own bytes under that name, at the
 * place the uploaded file sorts to. So does this; only without an uploaded one does the
 * registry's go last.
 */
static int build_zip(sr_blobs *b, sr_publish_req *req, const char *meta, size_t meta_len,
		     sr_buf *zip, sr_regerr *err)
{
	size_t n = req->nfiles, nentries = n;
	sr_zip_entry *entries = calloc(n + 1, sizeof(*entries));
	sr_buf *loaded = calloc(n, sizeof(*loaded));
	int rc = 0, has_meta = 0;
	if (!entries || !loaded) {
		rc = sr_regerr_internal(err, SR_ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		sr_pub_file *f = &req->files[i];
		entries[i].path = f->path;
		if (strcmp(f->path, SR_META_PATH) == 0) {
			entries[i].data = (const unsigned char *)meta;
			entries[i].len = meta_len;
			has_meta = 1;
			continue;
		}
		if (f->data) {
			entries[i].data = f->data;
			entries[i].len = (size_t)f->size;
			continue;
		}
		sr_buf_init(&loaded[i], SR_MAX_FILE_BYTES + 1);
		rc = sr_blob_read(b, f->sha256, &loaded[i]);
		if (rc || (int64_t)loaded[i].len != f->size) {
			rc = sr_regerr_set(err, SR_EINVAL, SR_WHY_FILE_NOT_STORED, f->path);
			goto out;
		}
		entries[i].data = (const unsigned char *)(loaded[i].data ? loaded[i].data : "");
		entries[i].len = loaded[i].len;
	}
	if (!has_meta) {
		entries[n].path = SR_META_PATH;
		entries[n].data = (const unsigned char *)meta;
		entries[n].len = meta_len;
		nentries = n + 1;
	}
	rc = sr_zip_write(entries, nentries, zip);
	if (rc)
		rc = sr_regerr_internal(err, rc);
out:
	if (loaded)
		for (size_t i = 0; i < n; i++)
			sr_buf_deinit(&loaded[i]);
	free(loaded);
	free(entries);
	return rc;
}

/*
 * Reads SKILL.md (from memory or the blob store) and parses its frontmatter.
 *
 * A frontmatter block that cannot be read (not YAML, not a mapping, never closed, or past the
 * parser's ceilings) does not refuse the publish: ClawHub publishes such a SKILL.md as one
 * without frontmatter, and many skills it holds have one (a `description:` with an unquoted
 * colon is the common case). The version then has no name, summary or metadata from it.
 */
static int read_frontmatter(sr_blobs *b, const sr_pub_file *f, sr_frontmatter *fm, sr_buf *body,
			    sr_regerr *err)
{
	sr_buf md;
	sr_buf_init(&md, SR_MAX_FILE_BYTES + 1);
	const char *text;
	size_t len;
	if (f->data) {
		text = (const char *)f->data;
		len = (size_t)f->size;
	} else {
		if (sr_blob_read(b, f->sha256, &md)) {
			sr_buf_deinit(&md);
			return sr_regerr_set(err, SR_EINVAL, SR_WHY_FILE_NOT_STORED, f->path);
		}
		text = md.data ? md.data : "";
		len = md.len;
	}
	char msg[256] = "";
	int rc = sr_frontmatter_parse(text, len, fm, msg, sizeof(msg));
	if (rc == SR_EINVAL || rc == SR_ETOOBIG) {
		sr_log_info("publish: %s frontmatter not read (%s); published without it", f->path, msg);
		rc = sr_frontmatter_parse("", 0, fm, msg, sizeof(msg));
	}
	if (!rc)
		rc = sr_search_body_text(text, len, body);
	sr_buf_deinit(&md);
	return rc ? sr_regerr_internal(err, rc) : 0;
}

/* Validates the request and the files; fills the normalized slug and version. */
static int validate(sr_publish_req *req, char *slug, size_t slugsz, char *version, size_t versz,
		    char **display_name, sr_regerr *err)
{
	if (!req->accept_license)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_LICENSE_NOT_ACCEPTED, NULL);
	if (!req->slug || sr_slug_normalize(req->slug, slug, slugsz))
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_SLUG_REQUIRED, NULL);
	char *v = req->version ? sr_trim_dup(req->version, strlen(req->version)) : NULL;
	if (!v || sr_semver_parse(v, NULL)) {
		free(v);
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_VERSION_NOT_SEMVER, NULL);
	}
	snprintf(version, versz, "%s", v);
	free(v);
	/* An absent name falls back to the frontmatter's, checked once that is parsed. */
	/* ClawHub sets no length limit on a display name. */
	*display_name = req->display_name ? sr_trim_dup(req->display_name, strlen(req->display_name)) : NULL;
	if (req->changelog && strlen(req->changelog) > 100000)
		return sr_regerr_set(err, SR_ETOOBIG, SR_WHY_CHANGELOG_TOO_LONG, NULL);

	/* Drop junk, sanitize paths, and check sizes. */
	size_t kept = 0;
	int64_t total = 0;
	for (size_t i = 0; i < req->nfiles; i++) {
		sr_pub_file *f = &req->files[i];
		if (!f->path || sr_path_sanitize(f->path))
			return sr_regerr_set(err, SR_EINVAL, SR_WHY_PATH_INVALID, NULL);
		if (sr_path_is_junk(f->path))
			continue;
		const char *base = strrchr(f->path, '/');
		if (strcasecmp(base ? base + 1 : f->path, "skill-card.md") == 0)
			return sr_regerr_set(err, SR_EINVAL, SR_WHY_SKILL_CARD_PUBLISHED, NULL);
		if (f->size < 0 || f->size > SR_MAX_FILE_BYTES)
			return sr_regerr_set(err, SR_ETOOBIG, SR_WHY_FILE_TOO_BIG, f->path);
		total += f->size;
		/* Swap rather than copy, so every string the caller owns stays in the array once. */
		sr_pub_file tmp = req->files[kept];
		req->files[kept++] = *f;
		*f = tmp;
	}
	req->nfiles = kept;
	if (total > SR_MAX_BUNDLE_BYTES)
		return sr_regerr_set(err, SR_ETOOBIG, SR_WHY_BUNDLE_TOO_BIG, NULL);
	if (kept == 0)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_SKILL_MD_REQUIRED, NULL);
	if (kept > SR_MAX_FILES)
		return sr_regerr_set(err, SR_ETOOBIG, SR_WHY_TOO_MANY_FILES, NULL);
	qsort(req->files, kept, sizeof(req->files[0]), cmp_files);
	int has_md = 0;
	for (size_t i = 0; i < kept; i++) {
		if (is_skill_md(req->files[i].path))
			has_md = 1;
		if (i && strcmp(req->files[i].path, req->files[i - 1].path) == 0)
			return sr_regerr_set(err, SR_EINVAL, SR_WHY_PATH_DUPLICATE, req->files[i].path);
	}
	if (!has_md)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_SKILL_MD_REQUIRED, NULL);
	return 0;
}

/* The rules a slug that an import brings must meet: only what every lookup needs (the
 * lookup shape of slug.h), since the catalogue it comes from already held it. */
static const char *import_slug_check(const char *slug)
{
	return sr_slug_is_plausible(slug) ? NULL : "Slug must be 1-96 lowercase letters, numbers and hyphens";
}

/* Whether a new skill of owner may take slug (st: its claims): valid for a new skill, not
 * held by another publisher's live skill or alias, nor reserved for another publisher after a
 * delete. An import is an operator's migration of what ClawHub already held: ClawHub's
 * current rules for new slugs (shape, reserved words, protected affixes) do not apply to it,
 * only the lookup shape, and it may share a slug another publisher holds (*shared is then 1). */
static int check_new_slug(const sr_slug_state *st, const sr_user *owner, const char *slug, int import,
			  int *shared, sr_regerr *err)
{
	const char *why = import ? import_slug_check(slug) : sr_slug_check_new(slug);
	if (why)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_SLUG_INVALID, why);
	if (st->held && !import)
		return sr_slug_refuse(&st->holder, err);
	*shared = st->held;
	if (st->reserved && st->reserver != owner->id)
		return sr_regerr_set(err, SR_EEXIST, SR_WHY_SLUG_HELD_AFTER_DELETE, slug);
	return 0;
}

/* Whether the existing skill sk takes version: not deleted nor removed, and without that
 * version yet (has_version: it has). *skill_id is then sk's and latest its current `latest`. */
static int check_existing(const sr_skill *sk, const char *version, int has_version, int64_t *skill_id,
			  char *latest, size_t latestsz, sr_regerr *err)
{
	if (sk->soft_deleted_at)
		return sr_regerr_set(err, SR_EGONE, SR_WHY_PUBLISH_TO_DELETED, sk->slug);
	if (sk->moderation_status == SR_SKILL_REMOVED)
		return sr_regerr_set(err, SR_EGONE, SR_WHY_PUBLISH_TO_REMOVED, NULL);
	if (has_version)
		return sr_regerr_set(err, SR_EEXIST, SR_WHY_VERSION_EXISTS, version);
	*skill_id = sk->id;
	snprintf(latest, latestsz, "%s", sk->latest_version);
	return 0;
}

/* check_existing for the skill a migration moves (it is not the owner's yet). */
static int check_moving(sr_store *s, const sr_skill *sk, const char *version, int64_t *skill_id, char *latest,
			size_t latestsz, sr_regerr *err)
{
	struct latest_ctx existing = {"", 0};
	int rc = sr_store_version_get(s, sk->id, version, take_version, &existing);
	if (rc)
		return sr_regerr_internal(err, rc);
	return check_existing(sk, version, existing.found, skill_id, latest, latestsz, err);
}

/* Where a new version of slug by owner goes, decided by the slug's claims st: *skill_id is the
 * existing skill (0 for a new one, whose slug check_new_slug must allow) and latest its current
 * `latest`. Refuses deleted and removed skills and versions that already exist. */
static int decide_target(const sr_publish_req *req, const sr_user *owner, const char *slug, const char *version,
			 const sr_slug_state *st, int64_t *skill_id, int *shared, char *latest, size_t latestsz,
			 sr_regerr *err)
{
	*skill_id = 0;
	*shared = 0;
	latest[0] = '\0';
	if (!st->found)
		return check_new_slug(st, owner, slug, req->import, shared, err);
	return check_existing(&st->skill, version, st->has_version, skill_id, latest, latestsz, err);
}

/* decide_target on the slug's claims read now, in one statement (st), which also draws the
 * new rows' ids (sr_slug_state_read). */
static int check_target(sr_store *s, const sr_publish_req *req, const sr_user *owner, const char *slug,
			const char *version, int64_t now, sr_slug_state *st, int64_t *skill_id, int *shared,
			char *latest, size_t latestsz, sr_regerr *err)
{
	int rc = sr_slug_state_read(s, slug, version, owner, now, st);
	if (rc)
		return sr_regerr_internal(err, rc);
	return decide_target(req, owner, slug, version, st, skill_id, shared, latest, latestsz, err);
}

/* One publish's working state, filled by the steps of sr_publish in order. */
struct pub {
	sr_publish_req *req;
	int64_t now;
	char slug[100], version[260];
	char *display_name; /* owned */
	sr_user owner;
	sr_frontmatter fm;
	sr_buf body; /* SKILL.md's searchable text (sr_search_body_text) */
	char summary[1024];
	int64_t total; /* bytes of all files */
	char fingerprint[65];
	sr_buf zip; /* the download archive, built before the target is read */
	char zip_sha[65];
	int64_t zip_size;
	int64_t skill_id, version_id; /* once written */
	int64_t hold; /* its blob holds (store.h), 0 before any */
	int migrate;   /* the publish first moves moving to owner (`migrateOwner`) */
	sr_skill moving;
};

/* The owner: the actor, or a publisher the actor may publish as; in good standing. An org
 * takes a version from any member (a publisher or higher), a person's namespace only from that
 * person: as on ClawHub, a platform admin has no way around this (the accounts reference,
 * section 3, lists the commands staff may act through, and publishing is not one). The
 * actor's own handle (the clawhub CLI sends it unless told another) names the actor: no
 * read. */
static int resolve_owner(sr_store *s, struct pub *p, sr_regerr *err)
{
	const sr_publish_req *req = p->req;
	int named = req->owner_handle && req->owner_handle[0];
	char handle[64] = "";
	if (named)
		sr_owner_normalize(req->owner_handle, handle, sizeof(handle));
	if (named && strcmp(handle, req->actor->handle) != 0) {
		int rc = sr_store_user_by_handle(s, handle, &p->owner);
		if (rc == SR_ENOTFOUND)
			return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_PUBLISH_OWNER_NOT_FOUND, handle);
		if (rc)
			return sr_regerr_internal(err, rc);
		int ok = 0;
		if ((rc = sr_may_act(s, p->owner.id, req->actor, SR_PUB_PUBLISHER, &ok)))
			return sr_regerr_internal(err, rc);
		if (!ok)
			return sr_regerr_set(err, SR_EPERM, SR_WHY_NO_PUBLISH_ACCESS, handle);
	} else {
		p->owner = *req->actor;
	}
	if (p->owner.deactivated_at)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_PUBLISHER_NOT_IN_GOOD_STANDING, NULL);
	return 0;
}

/* Whether the publish moves a skill to its owner first: ClawHub counts the source only with
 * `migrateOwner` and when it is not the owner. The move's checks are the transfers'
 * (sr_migration_check); it is made in write_rows. */
static int plan_migration(sr_store *s, struct pub *p, sr_regerr *err)
{
	const sr_publish_req *req = p->req;
	char source[64];
	p->migrate = 0;
	if (!req->migrate_owner || !req->source_owner_handle)
		return 0;
	sr_owner_normalize(req->source_owner_handle, source, sizeof(source));
	if (!source[0] || strcasecmp(source, p->owner.handle) == 0)
		return 0;
	p->migrate = 1;
	return sr_migration_check(s, req->actor, source, &p->owner, p->slug, &p->moving, err);
}

/* The display name when the request gave none: the frontmatter's, or the slug title-cased
 * when the frontmatter's is missing or only the slug, as the CLI names a skill from its
 * folder ("pdf-tables" becomes "Pdf Tables"). */
static int default_display_name(struct pub *p, sr_regerr *err)
{
	free(p->display_name);
	p->display_name = p->fm.name ? sr_trim_dup(p->fm.name, strlen(p->fm.name)) : NULL;
	char *name = p->display_name;
	if (!name || !name[0] || strcmp(name, p->slug) == 0) {
		free(name);
		name = p->display_name = strdup(p->slug);
		for (char *c = name; c && *c; c++) {
			if (*c == '-')
				*c = ' ';
			if (c == name || c[-1] == ' ')
				*c = (char)toupper((unsigned char)*c);
		}
	}
	if (!name || !name[0])
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_DISPLAY_NAME_REQUIRED, NULL);
	return 0;
}

/* The summary: the frontmatter's description, trimmed and cut to the buffer. */
static void take_summary(struct pub *p)
{
	if (!p->fm.description)
		return;
	char *t = sr_trim_dup(p->fm.description, strlen(p->fm.description));
	if (!t)
		return;
	snprintf(p->summary, sizeof(p->summary), "%s", t);
	/* A cut must not split a UTF-8 sequence: back up to the start of the last character
	 * when the description was longer than the buffer. */
	size_t n = strlen(p->summary);
	if (n < strlen(t)) {
		size_t k = n;
		while (k > 0 && ((unsigned char)p->summary[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && (unsigned char)p->summary[k - 1] >= 0xc0)
			k--;
		p->summary[k] = '\0';
	}
	free(t);
}

/* SKILL.md's frontmatter, and the display name and summary that come from it. */
static int read_identity(sr_blobs *b, struct pub *p, sr_regerr *err)
{
	const sr_publish_req *req = p->req;
	const sr_pub_file *md = NULL;
	for (size_t i = 0; i < req->nfiles; i++)
		if (is_skill_md(req->files[i].path) && (!md || strcmp(req->files[i].path, "SKILL.md") == 0))
			md = &req->files[i];
	int rc = read_frontmatter(b, md, &p->fm, &p->body, err);
	if (rc)
		return rc;
	if ((!p->display_name || !p->display_name[0]) && (rc = default_display_name(p, err)))
		return rc;
	take_summary(p);
	return 0;
}

/* The CLI's fingerprint of the file list, in its path order (the files are sorted), and
 * the total size. */
static int fingerprint_files(struct pub *p, sr_regerr *err)
{
	const sr_publish_req *req = p->req;
	sr_fp_entry *fp = calloc(req->nfiles, sizeof(*fp));
	if (!fp)
		return sr_regerr_internal(err, SR_ENOMEM);
	p->total = 0;
	for (size_t i = 0; i < req->nfiles; i++) {
		fp[i].path = req->files[i].path;
		fp[i].sha256 = req->files[i].sha256;
		p->total += req->files[i].size;
	}
	int rc = sr_fingerprint(fp, req->nfiles, p->fingerprint);
	free(fp);
	return rc ? sr_regerr_internal(err, rc) : 0;
}

/* How long a publish's holds on its blobs protect them from the collector, at most: the
 * collector's default grace period. A publish takes seconds; a hold left by a process that
 * died mid-publish goes once this has passed. */
#define HOLD_MS (3600 * 1000)

/* Records that this publish is about to store or reuse shas[0..n) (store.h, blob holds),
 * before any of their bytes are put: the collector then leaves them alone until the version
 * that names them is committed and the holds released. */
static int hold_blobs(sr_store *s, struct pub *p, const char *const *shas, size_t n, sr_regerr *err)
{
	if (!p->hold) {
		uint64_t r;
		sr_random_bytes((unsigned char *)&r, sizeof(r));
		p->hold = (int64_t)(r >> 1) | 1;
	}
	int rc = sr_store_blob_hold(s, p->hold, shas, n, sr_now_ms() + HOLD_MS);
	return rc ? sr_regerr_internal(err, rc) : 0;
}

/* The download archive (with _meta.json), built in memory, and the holds of every file and
 * of the archive. A ticketed file it reads is stored already and named by its ticket, which
 * write_rows finds live at the commit (so it was live while the file was read and held). On
 * PostgreSQL the holds go with the next statement, the target's claims (store.h), which is
 * read before store_blobs puts a byte. */
static int hold_archive(sr_store *s, sr_blobs *b, struct pub *p, sr_regerr *err)
{
	const sr_publish_req *req = p->req;
	sr_buf meta;
	sr_buf_init(&meta, 4096);
	const char **shas = NULL;
	char owner_pid[32];
	sr_public_id(owner_pid, sizeof(owner_pid), "us", p->owner.id);
	int rc = meta_json(&meta, owner_pid, p->slug, p->version, p->now);
	if (rc) {
		rc = sr_regerr_internal(err, rc);
		goto out;
	}
	if ((rc = build_zip(b, p->req, meta.data, meta.len, &p->zip, err)))
		goto out;
	sr_sha256_hex(p->zip.data, p->zip.len, p->zip_sha);
	p->zip_size = (int64_t)p->zip.len;
	if (!(shas = calloc(req->nfiles + 1, sizeof(*shas)))) {
		rc = sr_regerr_internal(err, SR_ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < req->nfiles; i++)
		shas[i] = req->files[i].sha256;
	shas[req->nfiles] = p->zip_sha;
	rc = hold_blobs(s, p, shas, req->nfiles + 1, err);
out:
	free(shas);
	sr_buf_deinit(&meta);
	return rc;
}

/* The file bytes and the archive into the blob store, held already (hold_archive). The bytes
 * are content-addressed, so a failed transaction later leaves only bytes that a later publish
 * of the same content reuses. */
static int store_blobs(sr_blobs *b, struct pub *p, sr_regerr *err)
{
	const sr_publish_req *req = p->req;
	int rc;
	for (size_t i = 0; i < req->nfiles; i++)
		if (req->files[i].data &&
		    (rc = sr_blob_put(b, req->files[i].sha256, req->files[i].data, (size_t)req->files[i].size)))
			return sr_regerr_internal(err, rc);
	if ((rc = sr_blob_put(b, p->zip_sha, p->zip.data, p->zip.len)))
		return sr_regerr_internal(err, rc);
	return 0;
}

/* The version row with its file list, with the id its claims drew (id; 0: the insert picks
 * it). */
static int insert_version(sr_store *s, const struct pub *p, int64_t skill_id, int64_t id, int64_t *version_id,
			  sr_regerr *err)
{
	const sr_publish_req *req = p->req;
	sr_new_file *nf = calloc(req->nfiles, sizeof(*nf));
	if (!nf)
		return sr_regerr_internal(err, SR_ENOMEM);
	for (size_t i = 0; i < req->nfiles; i++) {
		nf[i].path = req->files[i].path;
		nf[i].sha256 = req->files[i].sha256;
		nf[i].size = req->files[i].size;
		nf[i].content_type = req->files[i].content_type && req->files[i].content_type[0]
					     ? req->files[i].content_type
					     : sr_content_type_for(req->files[i].path);
	}
	sr_new_version nv = {
		.skill_id = skill_id,
		.created_by = req->actor->id,
		.created_at = p->now,
		.version = p->version,
		.fingerprint = p->fingerprint,
		.changelog = req->changelog ? req->changelog : "",
		.changelog_source = req->changelog && req->changelog[0] ? 1 : -1,
		.files = nf,
		.nfiles = req->nfiles,
		.total_size = p->total,
		.zip_sha256 = p->zip_sha,
		.zip_size = p->zip_size,
		.frontmatter_json = p->fm.frontmatter_json,
		.metadata_json = p->fm.metadata_json,
		.id = id,
	};
	int rc = sr_store_version_insert(s, &nv, version_id);
	free(nf);
	/* The version's unique index (skill, version), the last word as for the slug (where the
	 * insert is answered at once: SQLite; PostgreSQL answers it at the commit). */
	if (rc == SR_EEXIST)
		return sr_regerr_set(err, SR_EEXIST, SR_WHY_VERSION_EXISTS, p->version);
	return rc ? sr_regerr_internal(err, rc) : 0;
}

/* `latest` (only to a version of higher precedence: backports keep it) and the caller's tags. */
static int set_tags(sr_store *s, const struct pub *p, int64_t skill_id, int64_t version_id,
		    const char *latest, int *became_latest, sr_regerr *err)
{
	const sr_publish_req *req = p->req;
	int rc = 0;
	*became_latest = !latest[0] || sr_semver_cmp_str(p->version, latest) > 0;
	if (*became_latest) {
		const char *summary = p->summary[0] ? p->summary : NULL;
		if ((rc = sr_store_tag_set(s, skill_id, "latest", version_id)) ||
		    (rc = sr_store_set_latest(s, skill_id, version_id)) ||
		    (rc = sr_store_search_text_set(s, skill_id, p->body.data ? p->body.data : "")) ||
		    (rc = sr_store_skill_set_identity(s, skill_id, p->display_name, summary)))
			return sr_regerr_internal(err, rc);
	}
	for (size_t i = 0; i < req->ntags; i++) {
		char *t = sr_trim_dup(req->tags[i], strlen(req->tags[i]));
		if (!t)
			return sr_regerr_internal(err, SR_ENOMEM);
		if (sr_tag_valid(t))
			rc = sr_store_tag_set(s, skill_id, t, version_id);
		free(t);
		if (rc)
			return sr_regerr_internal(err, rc);
	}
	return 0;
}

/* The skill's search index (its postings carry the skill's popularity as of now, so every
 * publish rewrites them). A version that became the latest is indexed from what the publish
 * holds: the slug the skill has (an alias names another), the name, summary and SKILL.md text
 * set_tags stored, and the counters the slug's claims read under the write lock. Another
 * version leaves those fields as they were, and the index reads them back (one statement). */
static int index_skill(sr_store *s, const struct pub *p, int64_t skill_id, int became_latest,
		       const sr_slug_state *st)
{
	if (!became_latest)
		return sr_store_search_index(s, skill_id);
	sr_index_source src = {
		.id = skill_id,
		.slug = st->found ? st->skill.slug : p->slug,
		.display_name = p->display_name,
		.summary = p->summary[0] ? p->summary : NULL,
		.body = p->body.data ? p->body.data : "",
		.downloads = st->found ? st->downloads : 0,
		.installs = st->found ? st->installs : 0,
		.stars = st->found ? st->stars : 0,
	};
	return sr_store_search_index_source(s, &src);
}

/* Marks the publish's tickets used, each live now: one by one, which says which one is not;
 * or (asserted: the transaction decides on claims the database asserts) all in one statement
 * whose count the database asserts, answered with the commit, a ticket that was not live
 * failing it as a conflict (the publish then runs again the first way). Tickets recalled
 * from memory (tickets_recalled) go in the one asserted statement either way; their conflict
 * ends the publish, and its caller reads them. */
static int use_tickets(sr_store *s, const sr_publish_req *req, int asserted, sr_regerr *err)
{
	int64_t now = sr_now_ms();
	int rc = 0;
	if (asserted || req->tickets_recalled) {
		const char **names = calloc(req->nfiles ? req->nfiles : 1, sizeof(*names));
		if (!names)
			return sr_regerr_internal(err, SR_ENOMEM);
		size_t n = 0;
		for (size_t i = 0; i < req->nfiles; i++)
			if (req->files[i].ticket)
				names[n++] = req->files[i].ticket;
		rc = n ? sr_store_tickets_use_expect(s, names, n, now) : 0;
		free(names);
		return rc ? sr_regerr_internal(err, rc) : 0;
	}
	for (size_t i = 0; i < req->nfiles; i++) {
		if (!req->files[i].ticket)
			continue;
		rc = sr_store_ticket_mark_used(s, req->files[i].ticket, now);
		if (rc == SR_EEXIST)
			return sr_regerr_set(err, SR_EINVAL, SR_WHY_TICKET_UNUSABLE, NULL);
		if (rc)
			return sr_regerr_internal(err, rc);
	}
	return 0;
}

/* Every database change of a publish, inside the caller's transaction: the skill (new or
 * existing, decided on the claims in decided, which the database asserts unchanged under the
 * write lock, or when NULL on the claims read again under it), the version, the tickets it
 * consumes, the tags, the scan request, the search index and the audit row. */
static int write_rows(sr_store *s, struct pub *p, const sr_slug_state *decided, sr_regerr *err)
{
	const sr_publish_req *req = p->req;
	int64_t skill_id = 0, version_id = 0;
	int shared = 0, became_latest = 0;
	char latest[260] = "";
	sr_slug_state st;
	int rc = 0;
	if (decided) {
		/* The claims read before the lock decide, with the ids drawn then; the database
		 * asserts that they are unchanged under the lock (sr_publish). */
		st = *decided;
		if ((rc = sr_store_slug_claims_expect(s, p->owner.handle, p->slug, p->version, p->now, st.digest)))
			return sr_regerr_internal(err, rc);
		rc = decide_target(req, &p->owner, p->slug, p->version, &st, &skill_id, &shared, latest,
				   sizeof(latest), err);
	} else {
		/* A migration is checked again under the write lock and made first: the skill is
		 * then the owner's, and the version goes to it as to any skill of the owner's. */
		rc = p->migrate ? plan_migration(s, p, err) : 0;
		if (!rc && p->migrate)
			rc = sr_migration_move(s, &p->moving, req->actor, &p->owner, p->now, err);
		if (!rc)
			rc = check_target(s, req, &p->owner, p->slug, p->version, p->now, &st, &skill_id, &shared,
					  latest, sizeof(latest), err);
	}
	if (rc)
		return rc;
	if (!skill_id) {
		/* The unique index of migration 0009 is the last word on who holds the slug: a
		 * claim that got past the check above still cannot make a second owner. The insert
		 * takes the id the claims drew, and needs no answer: PostgreSQL sends it with the
		 * commit, where a conflict fails the commit. */
		sr_new_skill ns = {p->owner.id, p->slug, p->display_name, p->summary[0] ? p->summary : NULL, p->now,
				   st.next_skill_id};
		sr_skill holder;
		rc = shared ? sr_store_skill_insert_shared(s, &ns, &skill_id) : sr_store_skill_insert(s, &ns, &skill_id);
		if (rc == SR_EEXIST && sr_slug_holder(s, p->slug, p->owner.id, &holder) == 0)
			return sr_slug_refuse(&holder, err);
		if (rc)
			return sr_regerr_internal(err, rc);
	}
	if ((rc = insert_version(s, p, skill_id, st.next_version_id, &version_id, err)))
		return rc;
	/* Ticketed uploads are consumed with the publish that uses them, live now, under the write
	 * lock: then they were live all along, and the collector left their bytes alone between
	 * store_blobs reading them and holding them. */
	if ((rc = use_tickets(s, req, decided != NULL, err)))
		return rc;
	if ((rc = set_tags(s, p, skill_id, version_id, latest, &became_latest, err)))
		return rc;
	/* Every new version waits for its scan (api-v1 section 1.5): the scan worker takes it
	 * from the queue. Until then a skill with only this version is not browse-eligible. */
	if ((rc = sr_store_version_scan_request(s, skill_id, version_id, p->now)) ||
	    (rc = sr_store_skill_mark_pending(s, skill_id)) || (rc = sr_store_tags_refresh(s, skill_id)) ||
	    (rc = sr_store_skill_touch(s, skill_id, p->now, 1)) ||
	    (rc = index_skill(s, p, skill_id, became_latest, &st)) ||
	    (rc = sr_store_audit(s, req->actor->id, req->import ? "skill.import" : "skill.publish", skill_id,
				 p->version, p->now)))
		return sr_regerr_internal(err, rc);
	p->skill_id = skill_id;
	p->version_id = version_id;
	return 0;
}

/* The publish's transaction: its rows (write_rows, deciding on the claims in decided, or on
 * those it reads under the lock when NULL), and the end of its blob holds. Committed, the
 * version names its blobs; on a failed commit the holds stay, and sr_publish ends them. */
static int commit_rows(sr_store *s, struct pub *p, const sr_slug_state *decided, sr_regerr *err)
{
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	if (!(rc = write_rows(s, p, decided, err)) && (rc = sr_store_blob_release(s, p->hold)))
		rc = sr_regerr_internal(err, rc);
	if (rc) {
		sr_store_rollback(s);
		return rc;
	}
	if ((rc = sr_store_commit(s)))
		return sr_regerr_internal(err, rc);
	return 0;
}

/*
 * A publish validates everything it can before it writes anything: the request and files,
 * the owner, SKILL.md, a migration's move; then it builds the archive and holds the blobs,
 * and reads the target (refused before any bytes are written; write_rows checks again under
 * the lock, or has the database assert the claims unchanged, since another publish may have
 * come in between). Then the bytes, then one transaction.
 */
int sr_publish(sr_store *s, sr_blobs *b, sr_publish_req *req, sr_publish_result *res,
	       sr_regerr *err)
{
	struct pub p = {.req = req};
	sr_buf_init(&p.body, SR_SEARCH_TEXT_MAX);
	sr_buf_init(&p.zip, SR_MAX_BUNDLE_BYTES + (8 << 20));
	int64_t id;
	int shared;
	char cur[260];
	sr_slug_state st;
	st.digest[0] = '\0';
	int rc = validate(req, p.slug, sizeof(p.slug), p.version, sizeof(p.version), &p.display_name, err);
	if (!rc) {
		p.now = req->now ? req->now : sr_now_ms();
		rc = resolve_owner(s, &p, err);
	}
	if (!rc)
		rc = read_identity(b, &p, err);
	if (!rc)
		rc = fingerprint_files(&p, err);
	if (!rc)
		rc = plan_migration(s, &p, err);
	if (!rc)
		rc = hold_archive(s, b, &p, err);
	/* Before a migration the version's skill is the source's. */
	if (!rc)
		rc = p.migrate ? check_moving(s, &p.moving, p.version, &id, cur, sizeof(cur), err)
			       : check_target(s, req, &p.owner, p.slug, p.version, p.now, &st, &id, &shared, cur,
					      sizeof(cur), err);
	if (!rc)
		rc = store_blobs(b, &p, err);
	sr_buf_deinit(&p.zip); /* stored: not held through the lock's wait */
	if (rc)
		goto out;
	/* The bytes are stored and nothing in the database names them yet but the holds: where
	 * a test runs the collector against this publish (tests/http/test_gc_race.c), or another
	 * publish changes the claims read above (tests/http/test_slug_race.c). */
	sr_fault_pause("publish-commit");
	/* Where the claims came with a digest (PostgreSQL), the transaction decides on them and
	 * has the database assert them under the lock, all in the round trip of its commit; when
	 * they changed, it runs again the way it does elsewhere, reading them under the lock
	 * (not with tickets recalled from memory: the caller reads them and starts again). */
	const sr_slug_state *decided = !p.migrate && st.digest[0] ? &st : NULL;
	rc = commit_rows(s, &p, decided, err);
	if (rc == SR_ECONFLICT && decided && !req->tickets_recalled)
		rc = commit_rows(s, &p, NULL, err);
	if (rc)
		goto out;
	p.hold = 0;
	res->skill_id = p.skill_id;
	res->version_id = p.version_id;
	snprintf(res->slug, sizeof(res->slug), "%s", p.slug);
	snprintf(res->version, sizeof(res->version), "%s", p.version);
out:
	/* Failed, the blobs are garbage again. A hold that cannot be ended here expires by
	 * itself. */
	if (p.hold && sr_store_blob_release(s, p.hold))
		sr_log_error("publish: the blob holds %lld were not released; they expire in an hour", (long long)p.hold);
	free(p.display_name);
	sr_frontmatter_deinit(&p.fm);
	sr_buf_deinit(&p.body);
	sr_buf_deinit(&p.zip);
	return rc;
}
