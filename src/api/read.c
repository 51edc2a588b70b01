/*
 * read.c - the read routes of one skill: detail, versions, one version, file, install
 * resolver, moderation, resolve by fingerprint, and the download archive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "api/error.h"
#include "api/internal.h"
#include "core/err.h"
#include "core/jw.h"
#include "moderation/moderation.h"
#include "core/seen.h"
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

struct version_copy {
	int found;
	int64_t id, created_at, soft_deleted_at;
	int changelog_source;
	char version[260];
	char *changelog;
	char fingerprint[65];
	char zip_sha256[65];
	int64_t zip_size;
	int scan_state, scan_verdict;
};

static int copy_version(void *ud, const void *row)
{
	const sr_version_row *v = row;
	struct version_copy *c = ud;
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
		if (sr_blob_read(app->blobs, d->md_sha256, &md) == 0)
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
	struct version_copy lv = {0};
	struct md_find mf = {"", 0, 0};
	if (d.skill.latest_version_id)
		c->rc = sr_store_version_by_id(req->store, d.skill.latest_version_id, copy_version, &lv);
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

/* How visible_skill answers: the ambiguity as JSON (detail routes) or text, and whether the
 * owner of a hidden skill gets the 403/410/423 diagnostics or, like everyone, a 404. */
enum { VIS_JSON_CONFLICT = 1, VIS_DIAGNOSTICS = 2, VIS_DOWNLOAD = 4 };

/* Applies the visibility rules to a skill found; writes the error when it fails. */
static int answer_visible(sr_resp *resp, const sr_skill *sk, const sr_user *caller, int how)
{
	sr_regerr err;
	if (sr_check_visible(sk, (how & VIS_DIAGNOSTICS) ? caller : NULL, &err)) {
		/* The archive of a hidden skill is refused in ClawHub's download words; malware,
		 * pending (423) and removed (410) keep their own. */
		if ((how & VIS_DOWNLOAD) && (err.why == SR_WHY_SKILL_HIDDEN || err.why == SR_WHY_SKILL_QUALITY_LOW))
			sr_resp_text(resp, 403, "This skill is currently unavailable.");
		else
			sr__regerr(resp, &err);
		return -1;
	}
	return 0;
}

/* Finds the skill and applies the visibility rules; writes the error when it fails. */
static int visible_skill(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, int how,
			 sr_user *ustore, const sr_user **caller, sr_skill *sk)
{
	*caller = sr__optional_user(req, ustore);
	if (sr__find_skill(app, req, resp, slug, sr__owner_param(req), *caller,
			   (how & VIS_JSON_CONFLICT) ? SR__CONFLICT_JSON : SR__CONFLICT_TEXT, sk))
		return -1;
	return answer_visible(resp, sk, *caller, how);
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
	    answer_visible(resp, &sk, caller, VIS_DIAGNOSTICS))
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
	    answer_visible(resp, &sk, caller, VIS_DIAGNOSTICS))
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
	if (visible_skill(app, req, resp, slug, VIS_JSON_CONFLICT | VIS_DIAGNOSTICS, &us, &caller, &sk))
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

static int file_item(void *ud, const void *row)
{
	const sr_file_row *f = row;
	sr_jw *w = ud;
	sr_jw_obj(w);
	sr_jw_kstr(w, "path", f->path);
	sr_jw_kint(w, "size", f->size);
	sr_jw_kstr(w, "sha256", f->sha256);
	sr_jw_kstr(w, "contentType", f->content_type);
	sr_jw_obj_end(w);
	return 0;
}

/* ---- scan results (version detail, moderation evidence) ---- */

/* How a finding is written: as a version's scan finding, or as moderation evidence for its
 * owner and staff or for the public. */
enum { FINDING_SCAN, FINDING_EVIDENCE, FINDING_EVIDENCE_PUBLIC };

struct findings_out {
	sr_jw *w;
	int n;
	int shape; /* FINDING_* */
};

/* ClawHub's evidence severities are info, warn and critical; the scanners' are finer. */
static const char *evidence_severity(const char *s)
{
	if (s && (strcmp(s, "info") == 0 || strcmp(s, "critical") == 0))
		return s;
	return "warn";
}

static int finding_item(void *ud, const void *row)
{
	const sr_finding_row *f = row;
	struct findings_out *o = ud;
	int evidence = o->shape != FINDING_SCAN;
	/* The public's view leaves the matched text out, as ClawHub's does. */
	const char *excerpt = o->shape == FINDING_EVIDENCE_PUBLIC ? "" : f->excerpt;
	o->n++;
	sr_jw_obj(o->w);
	sr_jw_kstr(o->w, "source", f->source);
	sr_jw_kstr(o->w, "code", f->rule_id);
	sr_jw_kstr(o->w, "severity", evidence ? evidence_severity(f->severity) : f->severity);
	sr_jw_kstr(o->w, "title", f->title);
	sr_jw_kstr(o->w, "file", evidence && !f->path ? "" : f->path);
	sr_jw_kint(o->w, "line", f->line);
	sr_jw_kstr(o->w, "excerpt", excerpt);
	/* ClawHub's names for the title and the excerpt, which the CLI's inspect checks. */
	if (evidence) {
		sr_jw_kstr(o->w, "message", f->title ? f->title : "");
		sr_jw_kstr(o->w, "evidence", excerpt ? excerpt : "");
	}
	sr_jw_obj_end(o->w);
	return 0;
}

/* Findings listed per answer: every scanner's, up to the built-in scanner's ceiling twice. */
#define FINDINGS_SHOWN (SR_SCAN_MAX_FINDINGS * 2)

/* `evidence` / `findings`: a version's findings as an array under key, in shape (FINDING_*). */
static int write_findings(sr_req *req, sr_jw *w, const char *key, int64_t version_id, int shape, int *n)
{
	struct findings_out o = {w, 0, shape};
	sr_jw_key(w, key);
	sr_jw_arr(w);
	int rc = version_id ? sr_store_scan_findings(req->store, version_id, FINDINGS_SHOWN, finding_item, &o) : 0;
	sr_jw_arr_end(w);
	if (n)
		*n = o.n;
	return rc;
}

struct scanner_out {
	sr_jw *w;
	int64_t checked_at;
	const char *engine_static;
};

static int scanner_item(void *ud, const void *row)
{
	const sr_scan_result_row *r = row;
	struct scanner_out *o = ud;
	if (r->checked_at > o->checked_at)
		o->checked_at = r->checked_at;
	sr_jw_key(o->w, r->source);
	sr_jw_obj(o->w);
	sr_jw_kstr(o->w, "status", r->status == SR_SCAN_RESULT_DONE ? "done" : "error");
	sr_jw_kstr(o->w, "verdict", sr_verdict_name(r->verdict));
	sr_jw_kint(o->w, "checkedAt", r->checked_at);
	sr_jw_kstr(o->w, "engine", r->engine);
	sr_jw_kstr(o->w, "summary", r->summary);
	sr_jw_obj_end(o->w);
	return 0;
}

/* The version's `security` block (api-v1 section 3.6), omitted when it was never queued
 * for a scan. status: pending while queued, else the joined verdict, else error. */
static int write_security(sr_req *req, sr_jw *w, const struct version_copy *v)
{
	if (v->scan_state == SR_SCAN_NONE)
		return 0;
	sr_jw_key(w, "security");
	sr_jw_obj(w);
	const char *verdict = sr_verdict_name(v->scan_verdict);
	const char *status = v->scan_state == SR_SCAN_PENDING ? "pending" : verdict ? verdict : "error";
	sr_jw_kstr(w, "status", status);
	sr_jw_kstr(w, "sha256hash", v->zip_sha256);
	sr_jw_knull(w, "virustotalUrl");
	sr_jw_kstr(w, "model", "skillreg-static/1");
	sr_jw_key(w, "scanners");
	sr_jw_obj(w);
	sr_jw_knull(w, "vt");
	sr_jw_knull(w, "skillspector");
	sr_jw_knull(w, "llm");
	struct scanner_out so = {w, 0, NULL};
	int rc = sr_store_scan_results(req->store, v->id, scanner_item, &so);
	sr_jw_obj_end(w);
	int n = 0;
	if (!rc)
		rc = write_findings(req, w, "findings", v->id, FINDING_SCAN, &n);
	sr_jw_kbool(w, "hasScanResult", so.checked_at > 0);
	sr_jw_kbool(w, "hasWarnings", n > 0);
	if (so.checked_at)
		sr_jw_kint(w, "checkedAt", so.checked_at);
	else
		sr_jw_knull(w, "checkedAt");
	sr_jw_obj_end(w);
	return rc;
}

/* The candidates of a route that names a version, each with that version. */
struct version_cands {
	sr_skill skills[SR_LOOKUP_ROWS];
	struct version_copy versions[SR_LOOKUP_ROWS];
	int n;
};

static int keep_with_version(void *ud, const void *row)
{
	struct version_cands *vc = ud;
	const sr_lookup_version_row *r = row;
	for (int i = 0; i < vc->n; i++)
		if (vc->skills[i].id == r->skill.id)
			return 0; /* holding the slug and aliased by it: once */
	if (vc->n == SR_LOOKUP_ROWS)
		return 0;
	sr_skill_copy(&vc->skills[vc->n], &r->skill);
	if (r->version.id)
		copy_version(&vc->versions[vc->n], &r->version);
	vc->n++;
	return 0;
}

/* The skill and the version a route names (a download's ?version=, what `clawhub install`
 * sends, with the owner), in one statement: the skill rows with that version, then the
 * lookup's rules among them (json_conflict: SR__CONFLICT_*). 0 with sk and v filled
 * (v->found 0: no such version); -1 when the answer is written (bad slug, not found,
 * ambiguous); 1 when the route must look up the general way (the owner's skill of that slug
 * is deleted or missing: an alias of theirs may name one). */
static int find_with_version(sr_app *app, sr_req *req, sr_resp *resp, const char *slug_in,
			     const char *ver, const sr_user *caller, int json_conflict, sr_skill *sk,
			     struct version_copy *v)
{
	char slug[128];
	if (sr__slug_arg(resp, slug_in, slug, sizeof(slug)))
		return -1;
	struct version_cands *vc = calloc(1, sizeof(*vc));
	if (!vc) {
		sr__internal(resp, SR_ENOMEM);
		return -1;
	}
	const char *owner = sr__owner_param(req);
	sr_lookup lk;
	int way = 0, found;
	int rc;
	if (owner) {
		char handle[64];
		sr_owner_normalize(owner, handle, sizeof(handle));
		rc = sr_store_lookup_version_owned(req->store, handle, slug, ver, keep_with_version, vc);
		if (!rc && (vc->n != 1 || vc->skills[0].soft_deleted_at)) {
			way = 1;
			goto out;
		}
		memset(&lk, 0, sizeof(lk));
		lk.skill = vc->skills[0];
		found = 0;
	} else {
		rc = sr_store_lookup_version_any(req->store, slug, ver, SR_LOOKUP_ROWS, keep_with_version, vc);
		sr_skill picked[SR_LOOKUP_ROWS];
		memcpy(picked, vc->skills, sizeof(picked[0]) * (size_t)vc->n);
		found = rc ? rc : sr_lookup_pick(req->store, slug, picked, vc->n, caller, &lk);
	}
	if (rc) {
		sr__internal(resp, rc);
		way = -1;
		goto out;
	}
	if (sr__lookup_answer(app, req, resp, slug, found, &lk, json_conflict, sk)) {
		way = -1;
		goto out;
	}
	for (int i = 0; i < vc->n; i++)
		if (vc->skills[i].id == sk->id) {
			*v = vc->versions[i];
			vc->versions[i].changelog = NULL; /* v owns it now */
		}
out:
	for (int i = 0; i < vc->n; i++)
		free(vc->versions[i].changelog);
	free(vc);
	return way;
}

/* visible_skill for a route that names version ver: the skill and that version in one
 * statement where it can (find_with_version), else the lookup and then the version's read.
 * 0 with sk and v (v->found 0: the skill has no such version), -1 when answered. */
static int visible_skill_version(sr_app *app, sr_req *req, sr_resp *resp, const char *slug,
				 const char *ver, int how, const sr_user *caller, sr_skill *sk,
				 struct version_copy *v)
{
	int conflict = (how & VIS_JSON_CONFLICT) ? SR__CONFLICT_JSON : SR__CONFLICT_TEXT;
	int way = find_with_version(app, req, resp, slug, ver, caller, conflict, sk, v);
	if (way < 0)
		return -1;
	if (way == 0)
		return answer_visible(resp, sk, caller, how);
	if (sr__find_skill(app, req, resp, slug, sr__owner_param(req), caller, conflict, sk) ||
	    answer_visible(resp, sk, caller, how))
		return -1;
	int rc = sr_store_version_get(req->store, sk->id, ver, copy_version, v);
	if (rc) {
		sr__internal(resp, rc);
		return -1;
	}
	return 0;
}

void sr__version(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, const char *version)
{
	req->route = "version";
	sr_user us;
	const sr_user *caller = sr__optional_user(req, &us);
	sr_skill sk;
	struct version_copy v = {0};
	int rc;
	if (visible_skill_version(app, req, resp, slug, version, VIS_JSON_CONFLICT | VIS_DIAGNOSTICS, caller,
				  &sk, &v))
		goto out;
	if (!v.found) {
		sr_resp_text(resp, 404, "Version not found");
		goto out;
	}
	if (v.soft_deleted_at) {
		sr_resp_text(resp, 410, "Version not available");
		goto out;
	}
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_key(&w, "skill");
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "slug", sk.slug);
	sr_jw_kstr(&w, "displayName", sk.display_name);
	sr_jw_obj_end(&w);
	sr_jw_key(&w, "version");
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "version", v.version);
	sr_jw_kint(&w, "createdAt", v.created_at);
	sr_jw_kstr(&w, "changelog", v.changelog);
	sr_jw_kstr(&w, "changelogSource", v.changelog_source == 1 ? "user" : v.changelog_source == 0 ? "auto" : NULL);
	sr_jw_kstr(&w, "license", "MIT-0");
	sr_jw_kstr(&w, "fingerprint", v.fingerprint);
	sr_jw_key(&w, "files");
	sr_jw_arr(&w);
	rc = sr_store_version_files(req->store, v.id, file_item, &w);
	if (rc) {
		sr__internal(resp, rc);
		goto out;
	}
	sr_jw_arr_end(&w);
	if ((rc = write_security(req, &w, &v))) {
		sr__internal(resp, rc);
		goto out;
	}
	sr_jw_obj_end(&w);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 200);
out:
	free(v.changelog);
}

/* Picks the version a request names: ?version= exactly, else ?tag= through the tag map,
 * else `latest`. Writes 404/410 itself. */
static int answer_version(sr_resp *resp, const struct version_copy *v);

static int pick_version(sr_req *req, sr_resp *resp, const sr_skill *sk, struct version_copy *v)
{
	const char *ver = sr_req_query(req, "version");
	const char *tag = sr_req_query(req, "tag");
	int rc;
	if (ver && ver[0]) {
		rc = sr_store_version_get(req->store, sk->id, ver, copy_version, v);
	} else if (tag && tag[0]) {
		int64_t vid = 0;
		rc = sr_store_tag_get(req->store, sk->id, tag, &vid);
		if (rc == SR_ENOTFOUND) {
			sr_resp_text(resp, 404, "Version not found");
			return -1;
		}
		if (!rc)
			rc = sr_store_version_by_id(req->store, vid, copy_version, v);
	} else if (sk->latest_version_id) {
		rc = sr_store_version_by_id(req->store, sk->latest_version_id, copy_version, v);
	} else {
		sr_resp_text(resp, 404, "Version not found");
		return -1;
	}
	if (rc) {
		sr__internal(resp, rc);
		return -1;
	}
	return answer_version(resp, v);
}

/* Whether version v (found or not) may be served; writes the refusal when not. */
static int answer_version(sr_resp *resp, const struct version_copy *v)
{
	if (!v->found) {
		sr_resp_text(resp, 404, "Version not found");
		return -1;
	}
	if (v->soft_deleted_at) {
		sr_resp_text(resp, 410, "Version not available");
		return -1;
	}
	/* A version the scanners found malicious is never served, whoever asks. */
	if (v->scan_verdict == SR_VERDICT_MALICIOUS) {
		sr_resp_text(resp, 403, SR_BLOCKED_TEXT);
		return -1;
	}
	return 0;
}

/* ---- file ---- */

struct file_find {
	const char *want;
	int exact;
	char path[600], sha[65], type[128];
	int64_t size;
	int found;
};

/* The skill and the version a file or a download serves: the one named by ver (one statement
 * where it can), else the one pick_version chooses; visibility checked as `how` says. 0 with
 * sk and v, -1 when the answer is written. */
static int skill_and_version(sr_app *app, sr_req *req, sr_resp *resp, const char *slug,
			     const char *ver, int how, const sr_user *caller, sr_skill *sk,
			     struct version_copy *v)
{
	if (ver && ver[0])
		return visible_skill_version(app, req, resp, slug, ver, how, caller, sk, v) ||
				       answer_version(resp, v)
			       ? -1
			       : 0;
	int conflict = (how & VIS_JSON_CONFLICT) ? SR__CONFLICT_JSON : SR__CONFLICT_TEXT;
	return sr__find_skill(app, req, resp, slug, sr__owner_param(req), caller, conflict, sk) ||
			       answer_visible(resp, sk, caller, how) || pick_version(req, resp, sk, v)
		       ? -1
		       : 0;
}

static int take_file(void *ud, const void *row)
{
	const sr_file_row *f = row;
	struct file_find *ff = ud;
	if (ff->exact ? strcmp(f->path, ff->want) != 0 : strcasecmp(f->path, ff->want) != 0)
		return 0;
	snprintf(ff->path, sizeof(ff->path), "%s", f->path);
	snprintf(ff->sha, sizeof(ff->sha), "%s", f->sha256);
	snprintf(ff->type, sizeof(ff->type), "%s", f->content_type ? f->content_type : "");
	ff->size = f->size;
	ff->found = 1;
	return 1;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (!len || i + len > n || (len == 2 && c < 0xc2))
			return 0;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

static void file_headers(sr_resp *resp, const struct file_find *ff)
{
	resp->no_store = 0;
	sr_resp_header(resp, "Cache-Control", "private, max-age=60");
	sr_resp_header(resp, "ETag", "%s", ff->sha);
	sr_resp_header(resp, "X-Content-SHA256", "%s", ff->sha);
	sr_resp_header(resp, "X-Content-Size", "%lld", (long long)ff->size);
	sr_resp_header(resp, "X-Content-Type-Options", "nosniff");
	sr_resp_header(resp, "X-Frame-Options", "DENY");
	sr_resp_header(resp, "Content-Security-Policy",
		       "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
}

void sr__file(sr_app *app, sr_req *req, sr_resp *resp, const char *slug)
{
	req->route = "file";
	const char *path = sr_req_query(req, "path");
	if (!path || !path[0]) {
		sr_resp_text(resp, 400, "Missing path");
		return;
	}
	sr_user us;
	const sr_user *caller = sr__optional_user(req, &us);
	sr_skill sk;
	struct version_copy v = {0};
	const char *ver = sr_req_query(req, "version");
	int how = VIS_JSON_CONFLICT | VIS_DIAGNOSTICS;
	if (skill_and_version(app, req, resp, slug, ver, how, caller, &sk, &v))
		goto out;
	struct file_find ff = {.want = path, .exact = 1};
	int rc = sr_store_version_file(req->store, v.id, path, take_file, &ff);
	if (!rc && !ff.found) {
		ff.exact = 0;
		rc = sr_store_version_files(req->store, v.id, take_file, &ff);
	}
	if (rc) {
		sr__internal(resp, rc);
		goto out;
	}
	if (!ff.found) {
		sr_resp_text(resp, 404, "File not found");
		goto out;
	}
	int preview = sr_req_query(req, "preview") && strcmp(sr_req_query(req, "preview"), "1") == 0;
	if (preview && ff.size > 200 * 1024) {
		sr_resp_text(resp, 413, "File exceeds 200KB preview limit");
		goto out;
	}
	if (ff.size > SR_MAX_FILE_BYTES) {
		sr_resp_text(resp, 413, "File exceeds 10MB limit");
		goto out;
	}
	sr_buf_reset(&resp->body);
	rc = sr_blob_read(app->blobs, ff.sha, &resp->body);
	if (rc == SR_ENOTFOUND) {
		sr_resp_text(resp, 410, "File missing in storage");
		goto out;
	}
	if (rc) {
		sr__internal(resp, rc);
		goto out;
	}
	if (preview) {
		if (!valid_utf8((const unsigned char *)resp->body.data, resp->body.len)) {
			sr_resp_text(resp, 415, "File cannot be previewed as text");
			goto out;
		}
		resp->content_type = "text/plain; charset=utf-8";
	} else {
		/* The stored type without parameters, or octet-stream. */
		char *semi = strchr(ff.type, ';');
		if (semi)
			*semi = '\0';
		int ok = ff.type[0] != '\0';
		for (const char *p = ff.type; *p; p++)
			if (!(*p == '/' || *p == '.' || *p == '-' || *p == '+' || (*p >= 'a' && *p <= 'z') ||
			      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
				ok = 0;
		/* A header, copied into the response: resp->content_type may only name a literal, and
		 * ff is gone by the time the server writes the headers. */
		sr_resp_header(resp, "Content-Type", "%s", ok ? ff.type : "application/octet-stream");
		const char *base = strrchr(ff.path, '/');
		base = base ? base + 1 : ff.path;
		char enc[700];
		size_t o = 0;
		for (const unsigned char *p = (const unsigned char *)base; *p && o + 4 < sizeof(enc); p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    strchr("-._~", *p))
				enc[o++] = (char)*p;
			else
				o += (size_t)snprintf(enc + o, sizeof(enc) - o, "%%%02X", *p);
		}
		enc[o] = '\0';
		sr_resp_header(resp, "Content-Disposition", "attachment; filename*=UTF-8''%s", enc);
	}
	resp->status = 200;
	file_headers(resp, &ff);
out:
	free(v.changelog);
}

/* ---- install resolver ---- */

static void url_escape(sr_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p))
			sr_buf_putc(b, (char)*p);
		else
			sr_buf_printf(b, "%%%02X", *p);
	}
}

void sr__install(sr_app *app, sr_req *req, sr_resp *resp, const char *slug)
{
	req->route = "install";
	sr_user us;
	const sr_user *caller;
	sr_skill sk;
	/* The resolver is 404 for anything not publicly visible (api-v1 section 3.10). */
	if (visible_skill(app, req, resp, slug, VIS_JSON_CONFLICT, &us, &caller, &sk))
		return;
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	if (!sk.latest_version_id) {
		sr_jw_kbool(&w, "ok", 0);
		sr_jw_kstr(&w, "slug", sk.slug);
		sr_jw_kstr(&w, "reason", "archive_version_missing");
		sr_jw_kstr(&w, "message", "Hosted skill has no downloadable version.");
		sr_jw_kint(&w, "status", 409);
		sr_jw_obj_end(&w);
		sr_resp_json(resp, 409);
		return;
	}
	char origin[600];
	sr_app_origin(app, req, origin, sizeof(origin));
	sr_buf url;
	sr_buf_init(&url, 4096);
	sr_buf_printf(&url, "%s/api/v1/download?slug=", origin);
	url_escape(&url, sk.slug);
	sr_buf_puts(&url, "&ownerHandle=");
	url_escape(&url, sk.owner_handle);
	sr_buf_puts(&url, "&version=");
	url_escape(&url, sk.latest_version);
	sr_jw_kbool(&w, "ok", 1);
	sr_jw_kstr(&w, "slug", sk.slug);
	sr_jw_kstr(&w, "installKind", "archive");
	sr_jw_key(&w, "archive");
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "version", sk.latest_version);
	sr_jw_kstr(&w, "downloadUrl", url.data ? url.data : "");
	sr_jw_obj_end(&w);
	sr_jw_obj_end(&w);
	sr_buf_deinit(&url);
	sr_resp_json(resp, 200);
}

/* ---- moderation ---- */

struct mod_copy {
	sr_skill sk;
	int found;
};

static int moderation_row(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct mod_copy *c = ud;
	sr_skill_copy(&c->sk, r);
	c->found = 1;
	return 1;
}

void sr__moderation(sr_app *app, sr_req *req, sr_resp *resp, const char *slug)
{
	req->route = "moderation";
	sr_user us;
	const sr_user *caller = sr__optional_user(req, &us);
	sr_skill sk;
	if (sr__find_skill(app, req, resp, slug, sr__owner_param(req), caller, SR__CONFLICT_JSON, &sk))
		return;
	int staff = caller && caller->role != SR_ROLE_USER;
	int owner = caller && caller->id == sk.owner_id;
	int flagged = sk.is_suspicious || sr_mod_is_blocked(sk.moderation_flags, sk.moderation_verdict);
	/* As ClawHub: the owner and staff always see the moderation state, clean or hidden ones
	 * included; the public only that of a flagged skill that is still public, without the
	 * matched text or the moderation reason. */
	int insider = owner || staff;
	if (!insider && !(flagged && sk.is_public)) {
		sr_resp_text(resp, 404, "Moderation details unavailable");
		return;
	}
	struct mod_copy c = {.found = 0};
	int rc = sr_store_skill_by_id(req->store, sk.id, moderation_row, &c);
	if (rc || !c.found) {
		sr__internal(resp, rc ? rc : SR_ENOTFOUND);
		return;
	}
	const sr_skill *r = &c.sk;
	int malware = sr_mod_is_blocked(r->moderation_flags, r->moderation_verdict);
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_key(&w, "moderation");
	sr_jw_obj(&w);
	sr_jw_kbool(&w, "isSuspicious", r->is_suspicious);
	sr_jw_kbool(&w, "isMalwareBlocked", malware);
	sr_jw_kstr(&w, "verdict", sr_verdict_name(malware ? SR_VERDICT_MALICIOUS
						   : r->is_suspicious ? SR_VERDICT_SUSPICIOUS
								      : SR_VERDICT_CLEAN));
	sr_jw_key(&w, "reasonCodes");
	sr_jw_arr(&w);
	if (r->moderation_reason[0])
		sr_jw_str(&w, r->moderation_reason);
	if (r->moderation_flags & SR_FLAG_SUSPICIOUS)
		sr_jw_str(&w, sr_flag_name(SR_FLAG_SUSPICIOUS));
	if (r->moderation_flags & SR_FLAG_MALWARE)
		sr_jw_str(&w, sr_flag_name(SR_FLAG_MALWARE));
	sr_jw_arr_end(&w);
	/* The evidence: what the scanners found in the version `latest` points at. */
	if ((rc = write_findings(req, &w, "evidence", r->latest_version_id,
				 insider ? FINDING_EVIDENCE : FINDING_EVIDENCE_PUBLIC, NULL))) {
		sr__internal(resp, rc);
		return;
	}
	sr_jw_kstr(&w, "legacyReason", insider && r->moderation_reason[0] ? r->moderation_reason : NULL);
	sr_jw_kstr(&w, "status", sr_mod_status_name(r->moderation_status));
	sr_jw_knull(&w, "summary");
	sr_jw_obj_end(&w);
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
	if (visible_skill(app, req, resp, slug, 0, &us, &caller, &sk))
		return;
	struct version_copy m = {0};
	int rc = sr_store_version_by_fingerprint(req->store, sk.id, h, copy_version, &m);
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

/* ---- download ---- */

void sr__download(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "download";
	const char *slug = sr_req_query(req, "slug");
	if (!slug || !slug[0]) {
		sr_resp_text(resp, 400, "Missing slug");
		return;
	}
	sr_user us;
	const sr_user *caller = sr__optional_user(req, &us);
	sr_skill sk;
	struct version_copy v = {0};
	const char *ver = sr_req_query(req, "version");
	int how = VIS_DIAGNOSTICS | VIS_DOWNLOAD;
	if (skill_and_version(app, req, resp, slug, ver, how, caller, &sk, &v))
		goto out;
	int fd;
	size_t size;
	int rc = sr_blob_open(app->blobs, v.zip_sha256, &fd, &size);
	if (rc) {
		/* With PostgreSQL a blob not cached on this node is read from the database, which
		 * may not answer: sr__internal says so. */
		if (rc == SR_ENOTFOUND)
			sr_resp_text(resp, 410, "File missing in storage");
		else
			sr__internal(resp, rc);
		goto out;
	}
	/* One count per identity (user, else client address) per UTC day. */
	char identity[96];
	if (caller)
		snprintf(identity, sizeof(identity), "u:%lld", (long long)caller->id);
	else
		snprintf(identity, sizeof(identity), "ip:%s", req->client_ip);
	int64_t now = sr_now_ms();
	char seen_key[160];
	snprintf(seen_key, sizeof(seen_key), "%lld|%s|%lld", (long long)sk.id, identity,
		 (long long)(now / 86400000));
	/* HEAD asks about the archive without downloading it, so it is not counted. */
	if (!req->is_head && (!app->downloads_seen || !sr_seen_check_add(app->downloads_seen, seen_key)))
		sr_store_download_event(req->store, sk.id, identity, now);

	char req_slug[128];
	snprintf(req_slug, sizeof(req_slug), "%s", slug);
	sr_lower(req_slug);
	for (char *p = req_slug; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			*p = '-';
	resp->fd = fd;
	resp->fd_size = size;
	resp->status = 200;
	resp->content_type = "application/zip";
	resp->no_store = 0;
	sr_resp_header(resp, "Content-Disposition", "attachment; filename=\"%s-%s.zip\"", req_slug, v.version);
	sr_resp_header(resp, "Cache-Control", "private, max-age=60");
out:
	free(v.changelog);
}
