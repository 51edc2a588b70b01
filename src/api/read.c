/*
 * read.c - the read routes of one skill as a whole: the list item every list shares, the
 * detail, the version list and resolve by fingerprint; and the visibility rules the routes of
 * its versions (version.c) apply too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/error.h"
#include "api/internal.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/util.h"
#include "registry/cursor.h"
#include "registry/modstate.h"

#define DESCRIPTION_MAX (200 * 1024)
#define CURSOR_KIND_VERSIONS 100

static void write_stats(sr_jw *w, const sr_skill_row *r)
{
	sr_jw_key(w, "stats");
	sr_jw_obj(w);
	sr_jw_kint(w, "downloads", r->downloads);
	sr_jw_kint(w, "stars", r->stars);
	sr_jw_kint(w, "installs", r->installs);
	sr_jw_kint(w, "versions", r->versions);
	sr_jw_kint(w, "comments", r->comments);
	sr_jw_obj_end(w);
}

/* A list row (api-v1 section 3.2): latestVersion is omitted, never null, when there is none. */
void sr__skill_item(sr_app *app, sr_jw *w, const sr_skill_row *r)
{
	sr_jw_obj(w);
	sr_jw_kstr(w, "slug", r->slug);
	sr_jw_kstr(w, "displayName", r->display_name);
	sr_jw_kstr(w, "summary", r->summary);
	sr_jw_kstr(w, "description", r->summary);
	sr_jw_kraw(w, "tags", r->tags_json);
	write_stats(w, r);
	sr_jw_kint(w, "createdAt", r->created_at);
	sr_jw_kint(w, "updatedAt", r->updated_at);
	if (r->latest_version) {
		sr_jw_key(w, "latestVersion");
		sr_jw_obj(w);
		sr_jw_kstr(w, "version", r->latest_version);
		sr_jw_kint(w, "createdAt", r->latest_created_at);
		sr_jw_kstr(w, "changelog", r->latest_changelog ? r->latest_changelog : "");
		sr_jw_kstr(w, "license", "MIT-0");
		sr_jw_obj_end(w);
	}
	sr_jw_kraw(w, "metadata", r->latest_metadata);
	sr_jw_kstr(w, "ownerHandle", r->owner_handle);
	sr_jw_obj_end(w);
}

static void moderation_obj(sr_jw *w, const sr_skill_row *r)
{
	int malware = sr_mod_is_blocked(r->moderation_flags, r->moderation_verdict);
	if (!r->is_suspicious && !malware) {
		sr_jw_null(w);
		return;
	}
	sr_jw_obj(w);
	sr_jw_kbool(w, "isSuspicious", r->is_suspicious);
	sr_jw_kbool(w, "isMalwareBlocked", malware);
	sr_jw_kstr(w, "verdict", sr_verdict_name(malware ? SR_VERDICT_MALICIOUS : SR_VERDICT_SUSPICIOUS));
	sr_jw_key(w, "reasonCodes");
	sr_jw_arr(w);
	if (r->moderation_reason)
		sr_jw_str(w, r->moderation_reason);
	sr_jw_arr_end(w);
	sr_jw_knull(w, "summary");
	sr_jw_knull(w, "engineVersion");
	sr_jw_knull(w, "updatedAt");
	sr_jw_obj_end(w);
}

/* ---- detail ---- */

struct one_row {
	sr_app *app;
	sr_req *req;
	sr_resp *resp;
	int found;
	int rc;
};

int sr__copy_version(void *ud, const void *row)
{
	const sr_version_row *v = row;
	struct sr__version_copy *c = ud;
	c->found = 1;
	c->id = v->id;
	c->created_at = v->created_at;
	c->soft_deleted_at = v->soft_deleted_at;
	c->changelog_source = v->changelog_source;
	snprintf(c->version, sizeof(c->version), "%s", v->version);
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s", v->fingerprint ? v->fingerprint : "");
	snprintf(c->zip_sha256, sizeof(c->zip_sha256), "%s", v->zip_sha256 ? v->zip_sha256 : "");
	c->zip_size = v->zip_size;
	c->scan_state = v->scan_state;
	c->scan_verdict = v->scan_verdict;
	free(c->changelog);
	c->changelog = strdup(v->changelog ? v->changelog : "");
	return 1;
}

struct md_find {
	char sha[65];
	int64_t size;
	int found;
};

static int find_md(void *ud, const void *row)
{
	const sr_file_row *f = row;
	struct md_find *m = ud;
	if (strcasecmp(f->path, "SKILL.md") == 0 || (!m->found && strcasecmp(f->path, "skills.md") == 0)) {
		snprintf(m->sha, sizeof(m->sha), "%s", f->sha256);
		m->size = f->size;
		m->found = 1;
	}
	return 0;
}

/* Writes the detail answer (api-v1 section 2.2) of d: the skill's row with its latest
 * version's fields and the SKILL.md, whose text is the description when it is small enough,
 * as ClawHub serves it. */
static int detail_write(sr_app *app, sr_resp *resp, const sr_detail_row *d)
{
	const sr_skill_row *r = &d->skill;
	sr_buf md;
	sr_buf_init(&md, DESCRIPTION_MAX);
	int have_md = 0;
	if (d->md_sha256 && d->md_size <= DESCRIPTION_MAX) {
		if (sr_blob_read_cached(app->blobs, d->md_sha256, &md) == 0)
			have_md = 1;
		else
			resp->no_cache = 1; /* the summary stands in until the blob reads */
	}
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_key(&w, "skill");
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "slug", r->slug);
	sr_jw_kstr(&w, "displayName", r->display_name);
	sr_jw_kstr(&w, "summary", r->summary);
	sr_jw_knull(&w, "icon");
	if (have_md) {
		sr_jw_key(&w, "description");
		sr_jw_strn(&w, md.data ? md.data : "", md.len);
	} else {
		sr_jw_kstr(&w, "description", r->summary);
	}
	sr_jw_kraw(&w, "tags", r->tags_json);
	write_stats(&w, r);
	sr_jw_kint(&w, "createdAt", r->created_at);
	sr_jw_kint(&w, "updatedAt", r->updated_at);
	sr_jw_obj_end(&w);
	sr_jw_key(&w, "latestVersion");
	if (d->version && !d->version_deleted_at) {
		sr_jw_obj(&w);
		sr_jw_kstr(&w, "version", d->version);
		sr_jw_kint(&w, "createdAt", d->version_created_at);
		sr_jw_kstr(&w, "changelog", d->changelog);
		sr_jw_kstr(&w, "license", "MIT-0");
		sr_jw_obj_end(&w);
	} else {
		sr_jw_null(&w);
	}
	sr_jw_kraw(&w, "metadata", r->latest_metadata);
	char uid[32];
	sr_public_id(uid, sizeof(uid), "us", r->owner_id);
	sr_jw_key(&w, "owner");
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "handle", r->owner_handle);
	sr_jw_kstr(&w, "userId", uid);
	sr_jw_kstr(&w, "displayName", r->owner_display_name ? r->owner_display_name : r->owner_handle);
	sr_jw_kstr(&w, "image", r->owner_image);
	sr_jw_obj_end(&w);
	sr_jw_key(&w, "moderation");
	moderation_obj(&w, r);
	sr_jw_obj_end(&w);
	sr_buf_deinit(&md);
	return 0;
}

/* The detail of a skill named with its owner: its row, then its latest version and files. */
static int detail_row(void *ud, const void *row)
{
	struct one_row *c = ud;
	sr_req *req = c->req;
	sr_detail_row d = {.skill = *(const sr_skill_row *)row};
	c->found = 1;
	struct sr__version_copy lv = {0};
	struct md_find mf = {"", 0, 0};
	if (d.skill.latest_version_id)
		c->rc = sr_store_version_by_id(req->store, d.skill.latest_version_id, sr__copy_version, &lv);
	if (!c->rc && lv.found)
		c->rc = sr_store_version_files(req->store, lv.id, find_md, &mf);
	if (!c->rc) {
		if (lv.found) {
			d.version = lv.version;
			d.changelog = lv.changelog;
			d.version_created_at = lv.created_at;
			d.version_deleted_at = lv.soft_deleted_at;
		}
		if (mf.found) {
			d.md_sha256 = mf.sha;
			d.md_size = mf.size;
		}
		c->rc = detail_write(c->app, c->resp, &d);
	}
	free(lv.changelog);
	return c->rc ? c->rc : 1;
}

/* The candidates of a bare-slug detail, kept whole until the lookup's rules pick one: each
 * row's texts copied into one allocation of its own. */
struct detail_cands {
	sr_skill skills[SR_LOOKUP_ROWS];
	sr_detail_row rows[SR_LOOKUP_ROWS];
	char *texts[SR_LOOKUP_ROWS];
	int n, rc;
};

static int keep_candidate(void *ud, const void *row)
{
	struct detail_cands *dc = ud;
	const sr_detail_row *src = row;
	for (int i = 0; i < dc->n; i++)
		if (dc->rows[i].skill.id == src->skill.id)
			return 0; /* holding the slug and aliased by it: once */
	if (dc->n == SR_LOOKUP_ROWS)
		return 0;
	sr_detail_row *d = &dc->rows[dc->n];
	*d = *src;
	sr_skill_row *r = &d->skill;
	const char **text[] = {&r->slug, &r->display_name, &r->summary, &r->tags_json, &r->latest_version,
			       &r->latest_changelog, &r->latest_metadata, &r->moderation_reason,
			       &r->owner_handle, &r->owner_display_name, &r->owner_image, &d->version,
			       &d->changelog, &d->md_sha256};
	size_t total = 1;
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		total += *text[i] ? strlen(*text[i]) + 1 : 0;
	char *mem = malloc(total), *p = mem;
	if (!mem) {
		dc->rc = SR_ENOMEM;
		return 1;
	}
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		if (!*text[i])
			continue;
		size_t len = strlen(*text[i]) + 1;
		memcpy(p, *text[i], len);
		*text[i] = p;
		p += len;
	}
	dc->texts[dc->n] = mem;
	sr_skill_copy(&dc->skills[dc->n], r);
	dc->n++;
	return 0;
}

/* The visibility rules (internal.h). */
int sr__answer_visible(sr_resp *resp, const sr_skill *sk, const sr_user *caller, int how)
{
	sr_regerr err;
	if (sr_check_visible(sk, (how & SR__VIS_DIAGNOSTICS) ? caller : NULL, &err)) {
		/* The archive of a hidden skill is refused in ClawHub's download words; malware,
		 * pending (423) and removed (410) keep their own. */
		if ((how & SR__VIS_DOWNLOAD) && (err.why == SR_WHY_SKILL_HIDDEN || err.why == SR_WHY_SKILL_QUALITY_LOW))
			sr_resp_text(resp, 403, "This skill is currently unavailable.");
		else
			sr__regerr(resp, &err);
		return -1;
	}
	return 0;
}

int sr__visible_skill(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, int how,
		      sr_user *ustore, const sr_user **caller, sr_skill *sk)
{
	*caller = sr__optional_user(req, ustore);
	if (sr__find_skill(app, req, resp, slug, sr__owner_param(req), *caller,
			   (how & SR__VIS_JSON_CONFLICT) ? SR__CONFLICT_JSON : SR__CONFLICT_TEXT, sk))
		return -1;
	return sr__answer_visible(resp, sk, *caller, how);
}

/* A detail in one statement: the candidates with everything the answer shows (a bare slug:
 * sr_store_detail_any, then the lookup's choice among them; with an owner: that owner's skill
 * of the slug, sr_store_detail_owned), and the visibility rules. 1 when the route must take
 * the general way instead (the owner's skill of that slug is deleted or missing: an alias of
 * theirs may name another), else 0 with the answer written. */
static int detail_at_once(sr_app *app, sr_req *req, sr_resp *resp, const char *slug_in,
			  const char *owner, const sr_user *caller)
{
	char slug[128];
	if (sr__slug_arg(resp, slug_in, slug, sizeof(slug)))
		return 0;
	struct detail_cands *dc = calloc(1, sizeof(*dc));
	if (!dc) {
		sr__internal(resp, SR_ENOMEM);
		return 0;
	}
	int way = 0, rc;
	sr_lookup lk;
	sr_skill sk;
	if (owner) {
		char handle[64];
		sr_owner_normalize(owner, handle, sizeof(handle));
		rc = sr_store_detail_owned(req->store, handle, slug, keep_candidate, dc);
		if (!rc && !dc->rc && (dc->n != 1 || dc->skills[0].soft_deleted_at)) {
			way = 1;
			goto out;
		}
		memset(&lk, 0, sizeof(lk));
		lk.skill = dc->skills[0];
	} else {
		rc = sr_store_detail_any(req->store, slug, SR_LOOKUP_ROWS, keep_candidate, dc);
	}
	if (rc || dc->rc) {
		sr__internal(resp, rc ? rc : dc->rc);
		goto out;
	}
	int found = 0;
	if (!owner) {
		/* The pick reorders its copies; each is found again by id. */
		sr_skill picked[SR_LOOKUP_ROWS];
		memcpy(picked, dc->skills, sizeof(picked[0]) * (size_t)dc->n);
		found = sr_lookup_pick(req->store, slug, picked, dc->n, caller, &lk);
	}
	if (sr__lookup_answer(app, req, resp, slug, found, &lk, SR__CONFLICT_JSON, &sk) ||
	    sr__answer_visible(resp, &sk, caller, SR__VIS_DIAGNOSTICS))
		goto out;
	for (int i = 0; i < dc->n; i++) {
		if (dc->rows[i].skill.id != sk.id)
			continue;
		if ((rc = detail_write(app, resp, &dc->rows[i])))
			sr__internal(resp, rc);
		else
			sr_resp_json(resp, 200);
		goto out;
	}
	sr__internal(resp, SR_EDB);
out:
	for (int i = 0; i < dc->n; i++)
		free(dc->texts[i]);
	free(dc);
	return way;
}

void sr__detail(sr_app *app, sr_req *req, sr_resp *resp, const char *slug)
{
	req->route = "skill";
	sr_user us;
	const sr_user *caller = sr__optional_user(req, &us);
	if (!detail_at_once(app, req, resp, slug, sr__owner_param(req), caller))
		return;
	sr_skill sk;
	if (sr__find_skill(app, req, resp, slug, sr__owner_param(req), caller, SR__CONFLICT_JSON, &sk) ||
	    sr__answer_visible(resp, &sk, caller, SR__VIS_DIAGNOSTICS))
		return;
	struct one_row c = {app, req, resp, 0, 0};
	int rc = sr_store_skill_by_id(req->store, sk.id, detail_row, &c);
	if (rc || c.rc) {
		sr__internal(resp, rc ? rc : c.rc);
		return;
	}
	sr_resp_json(resp, 200);
}

/* ---- versions ---- */

struct vpage {
	sr_jw *w;
	int limit, n;
	int64_t last_created, last_id;
	int more;
};

static int version_item(void *ud, const void *row)
{
	const sr_version_row *v = row;
	struct vpage *p = ud;
	if (p->n == p->limit) {
		p->more = 1;
		return 1;
	}
	p->n++;
	p->last_created = v->created_at;
	p->last_id = v->id;
	sr_jw_obj(p->w);
	sr_jw_kstr(p->w, "version", v->version);
	sr_jw_kint(p->w, "createdAt", v->created_at);
	sr_jw_kstr(p->w, "changelog", v->changelog);
	sr_jw_kstr(p->w, "changelogSource", v->changelog_source == 1 ? "user" : v->changelog_source == 0 ? "auto" : NULL);
	sr_jw_kstr(p->w, "license", "MIT-0");
	sr_jw_obj_end(p->w);
	return 0;
}

void sr__versions(sr_app *app, sr_req *req, sr_resp *resp, const char *slug)
{
	req->route = "versions";
	long limit = sr__query_limit(req, "limit", 20);
	if (limit < 1)
		limit = 1;
	if (limit > 50)
		limit = 50;
	/* As ClawHub's: the cursor is trimmed, and one this list cannot read (garbled, or from
	 * another list) ends the listing with an empty last page, so a client starts over. */
	sr_cursor cur;
	char cs_b[SR_CURSOR_MAX_LEN + 1];
	const char *cs = sr__query_trimmed(req, "cursor", cs_b, sizeof(cs_b));
	int has_after = 0, stale = 0;
	if (cs && cs[0]) {
		if (sr_cursor_decode(cs, &cur) || cur.kind != CURSOR_KIND_VERSIONS)
			stale = 1;
		else
			has_after = 1;
	}
	sr_user us;
	const sr_user *caller;
	sr_skill sk;
	if (sr__visible_skill(app, req, resp, slug, SR__VIS_JSON_CONFLICT | SR__VIS_DIAGNOSTICS, &us, &caller, &sk))
		return;
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_key(&w, "items");
	sr_jw_arr(&w);
	struct vpage p = {&w, (int)limit, 0, 0, 0, 0};
	int rc = stale ? 0
		       : sr_store_versions_page(req->store, sk.id, (int)limit, has_after, has_after ? cur.k1 : 0,
						has_after ? cur.id : 0, version_item, &p);
	if (rc) {
		sr__internal(resp, rc);
		return;
	}
	sr_jw_arr_end(&w);
	sr_jw_key(&w, "nextCursor");
	if (p.more) {
		sr_cursor next = {.version = SR_CURSOR_VERSION, .kind = CURSOR_KIND_VERSIONS, .dir = 1,
				  .k1 = p.last_created, .id = p.last_id};
		char enc[SR_CURSOR_MAX_LEN + 1];
		sr_cursor_encode(&next, enc, sizeof(enc));
		sr_jw_str(&w, enc);
	} else {
		sr_jw_null(&w);
	}
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 200);
}

/* ---- resolve ---- */

void sr__resolve(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "resolve";
	const char *slug = sr_req_query(req, "slug");
	const char *hash = sr_req_query(req, "hash");
	if (!slug || !slug[0] || !hash || !hash[0]) {
		sr_resp_text(resp, 400, "Missing slug or hash");
		return;
	}
	char h[65];
	if (!sr_is_hex64(hash)) {
		sr_resp_text(resp, 400, "Invalid hash");
		return;
	}
	snprintf(h, sizeof(h), "%s", hash);
	sr_lower(h);
	sr_user us;
	const sr_user *caller;
	sr_skill sk;
	/* Resolve answers a hidden skill with 404, which the CLI reads as "new skill". */
	if (sr__visible_skill(app, req, resp, slug, 0, &us, &caller, &sk))
		return;
	struct sr__version_copy m = {0};
	int rc = sr_store_version_by_fingerprint(req->store, sk.id, h, sr__copy_version, &m);
	if (rc) {
		sr__internal(resp, rc);
		free(m.changelog);
		return;
	}
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "slug", sk.slug);
	sr_jw_key(&w, "match");
	if (m.found) {
		sr_jw_obj(&w);
		sr_jw_kstr(&w, "version", m.version);
		sr_jw_obj_end(&w);
	} else {
		sr_jw_null(&w);
	}
	sr_jw_key(&w, "latestVersion");
	if (sk.latest_version_id) {
		sr_jw_obj(&w);
		sr_jw_kstr(&w, "version", sk.latest_version);
		sr_jw_obj_end(&w);
	} else {
		sr_jw_null(&w);
	}
	sr_jw_obj_end(&w);
	free(m.changelog);
	sr_resp_json(resp, 200);
}
