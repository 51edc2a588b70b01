/*
 * version.c - the read routes of one version of a skill: the version with its files and scan,
 * a file's bytes, the install resolver, the moderation answer (its findings), and the
 * download archive. The skill is found and its visibility checked as read.c does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/error.h"
#include "api/internal.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/seen.h"
#include "core/util.h"
#include "moderation/moderation.h"
#include "registry/modstate.h"

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
static int write_security(sr_req *req, sr_jw *w, const struct sr__version_copy *v)
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
	struct sr__version_copy versions[SR_LOOKUP_ROWS];
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
		sr__copy_version(&vc->versions[vc->n], &r->version);
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
			     struct sr__version_copy *v)
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

/* sr__visible_skill for a route that names version ver: the skill and that version in one
 * statement where it can (find_with_version), else the lookup and then the version's read.
 * 0 with sk and v (v->found 0: the skill has no such version), -1 when answered. */
static int visible_skill_version(sr_app *app, sr_req *req, sr_resp *resp, const char *slug,
				 const char *ver, int how, const sr_user *caller, sr_skill *sk,
				 struct sr__version_copy *v)
{
	int conflict = (how & SR__VIS_JSON_CONFLICT) ? SR__CONFLICT_JSON : SR__CONFLICT_TEXT;
	int way = find_with_version(app, req, resp, slug, ver, caller, conflict, sk, v);
	if (way < 0)
		return -1;
	if (way == 0)
		return sr__answer_visible(resp, sk, caller, how);
	if (sr__find_skill(app, req, resp, slug, sr__owner_param(req), caller, conflict, sk) ||
	    sr__answer_visible(resp, sk, caller, how))
		return -1;
	int rc = sr_store_version_get(req->store, sk->id, ver, sr__copy_version, v);
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
	struct sr__version_copy v = {0};
	int rc;
	if (visible_skill_version(app, req, resp, slug, version, SR__VIS_JSON_CONFLICT | SR__VIS_DIAGNOSTICS, caller,
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
static int answer_version(sr_resp *resp, const struct sr__version_copy *v);

static int pick_version(sr_req *req, sr_resp *resp, const sr_skill *sk, struct sr__version_copy *v)
{
	const char *ver = sr_req_query(req, "version");
	const char *tag = sr_req_query(req, "tag");
	int rc;
	if (ver && ver[0]) {
		rc = sr_store_version_get(req->store, sk->id, ver, sr__copy_version, v);
	} else if (tag && tag[0]) {
		int64_t vid = 0;
		rc = sr_store_tag_get(req->store, sk->id, tag, &vid);
		if (rc == SR_ENOTFOUND) {
			sr_resp_text(resp, 404, "Version not found");
			return -1;
		}
		if (!rc)
			rc = sr_store_version_by_id(req->store, vid, sr__copy_version, v);
	} else if (sk->latest_version_id) {
		rc = sr_store_version_by_id(req->store, sk->latest_version_id, sr__copy_version, v);
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
static int answer_version(sr_resp *resp, const struct sr__version_copy *v)
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
			     struct sr__version_copy *v)
{
	if (ver && ver[0])
		return visible_skill_version(app, req, resp, slug, ver, how, caller, sk, v) ||
				       answer_version(resp, v)
			       ? -1
			       : 0;
	int conflict = (how & SR__VIS_JSON_CONFLICT) ? SR__CONFLICT_JSON : SR__CONFLICT_TEXT;
	return sr__find_skill(app, req, resp, slug, sr__owner_param(req), caller, conflict, sk) ||
			       sr__answer_visible(resp, sk, caller, how) || pick_version(req, resp, sk, v)
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
	struct sr__version_copy v = {0};
	const char *ver = sr_req_query(req, "version");
	int how = SR__VIS_JSON_CONFLICT | SR__VIS_DIAGNOSTICS;
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
	rc = sr_blob_read_cached(app->blobs, ff.sha, &resp->body);
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
	if (sr__visible_skill(app, req, resp, slug, SR__VIS_JSON_CONFLICT, &us, &caller, &sk))
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
	struct sr__version_copy v = {0};
	const char *ver = sr_req_query(req, "version");
	int how = SR__VIS_DIAGNOSTICS | SR__VIS_DOWNLOAD;
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
