/*
 * publish.c - the publishing routes: upload tickets, raw uploads, and POST /api/v1/skills in
 * its JSON (ticketed) and multipart forms (api-v1 section 3.11). The multipart form also
 * takes a part named `bundle` holding a zip of the skill's files.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "api/internal.h"
#include "api/multipart.h"
#include "moderation/worker.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/util.h"
#include "registry/bundle.h"

#define TICKET_TTL_MS (3600 * 1000)

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_t *parse_json_body(sr_req *req)
{
	if (!req->body->len)
		return json_object();
	json_error_t e;
	return json_loadb(req->body->data, req->body->len, JSON_REJECT_DUPLICATES, &e);
}

/* ---- upload-url and upload ---- */

void sr__upload_url(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "upload-url";
	sr_user u;
	if (sr__require_user(req, resp, &u))
		return;
	json_t *body = parse_json_body(req);
	if (!json_is_object(body)) {
		json_decref(body);
		sr_resp_text(resp, 400, "Invalid JSON body");
		return;
	}
	sr_ticket t;
	memset(&t, 0, sizeof(t));
	const char *path = jstr(body, "path"), *sha = jstr(body, "sha256"), *ct = jstr(body, "contentType");
	json_t *size = json_object_get(body, "size");
	if (!path || strlen(path) >= sizeof(t.path)) {
		sr_resp_text(resp, 400, "Invalid file path");
		goto out;
	}
	snprintf(t.path, sizeof(t.path), "%s", path);
	/* Unlike a publish's file list, an upload ticket's path must already be relative. */
	if (path[0] == '/' || sr_path_sanitize(t.path)) {
		sr_resp_text(resp, 400, "Invalid file path");
		goto out;
	}
	if (!json_is_integer(size) || json_integer_value(size) < 0) {
		sr_resp_text(resp, 400, "Invalid file size");
		goto out;
	}
	if (json_integer_value(size) > SR_MAX_FILE_BYTES) {
		sr_resp_textf(resp, 400, "File \"%s\" exceeds 10MB limit", t.path);
		goto out;
	}
	if (!sha || !sr_is_hex64(sha)) {
		sr_resp_text(resp, 400, "Invalid sha256");
		goto out;
	}
	t.size = json_integer_value(size);
	snprintf(t.sha256, sizeof(t.sha256), "%s", sha);
	sr_lower(t.sha256);
	if (ct && strlen(ct) < sizeof(t.content_type))
		snprintf(t.content_type, sizeof(t.content_type), "%s", ct);
	unsigned char rnd[18];
	char b64[32];
	sr_random_bytes(rnd, sizeof(rnd));
	sr_b64url_encode(rnd, sizeof(rnd), b64);
	snprintf(t.ticket, sizeof(t.ticket), "tkt_%s", b64);
	t.user_id = u.id;
	int64_t now = sr_now_ms();
	t.expires_at = now + TICKET_TTL_MS;
	sr_regerr err;
	if (sr_upload_ticket_issue(req->store, &t, now, app->upload_quota_bytes, &err)) {
		sr__regerr(resp, &err);
		goto out;
	}
	char origin[600];
	sr_app_origin(app, req, origin, sizeof(origin));
	char url[800];
	snprintf(url, sizeof(url), "%s/api/v1/skills/-/upload/%s", origin, t.ticket);
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "uploadUrl", url);
	sr_jw_kstr(&w, "uploadTicket", t.ticket);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 200);
out:
	json_decref(body);
}

void sr__upload(sr_app *app, sr_req *req, sr_resp *resp, const char *ticket)
{
	req->route = "upload";
	sr_user u;
	if (sr__require_user(req, resp, &u))
		return;
	sr_ticket t;
	int rc = strlen(ticket) < 64 ? sr_store_ticket_get(req->store, ticket, &t) : SR_ENOTFOUND;
	int64_t now = sr_now_ms();
	/* A ticket carries one upload: a second one, even of the same bytes, is refused. */
	if (rc == SR_ENOTFOUND || (!rc && (t.used_at || t.uploaded_at || t.expires_at <= now))) {
		sr_resp_text(resp, 400, "Skill upload ticket is missing, used, or expired");
		return;
	}
	if (rc) {
		sr__internal(resp, rc);
		return;
	}
	if (t.user_id != u.id) {
		sr_resp_text(resp, 403, "Forbidden");
		return;
	}
	if ((int64_t)req->body->len > t.size) {
		sr_resp_text(resp, 413, "Uploaded file exceeds its declared size");
		return;
	}
	if ((int64_t)req->body->len != t.size) {
		sr_resp_text(resp, 400, "Uploaded file size does not match its upload ticket");
		return;
	}
	char sha[65];
	sr_sha256_hex(req->body->data ? req->body->data : "", req->body->len, sha);
	if (strcmp(sha, t.sha256) != 0) {
		sr_resp_text(resp, 400, "Uploaded file SHA-256 does not match its upload ticket");
		return;
	}
	if ((rc = sr_blob_put(app->blobs, sha, req->body->data ? req->body->data : "", req->body->len)) ||
	    (rc = sr_store_ticket_mark_uploaded(req->store, ticket, now))) {
		sr__internal(resp, rc);
		return;
	}
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	char sid[80];
	snprintf(sid, sizeof(sid), "st_%s", sha);
	sr_jw_kstr(&w, "storageId", sid);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 200);
}

/* ---- publish ---- */

struct files {
	sr_pub_file *v;
	size_t n, cap;
	int too_many;
};

static sr_pub_file *files_add(struct files *f)
{
	if (f->n == SR_MAX_FILES + 1) {
		f->too_many = 1;
		return NULL;
	}
	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 16;
		sr_pub_file *nv = realloc(f->v, ncap * sizeof(*nv));
		if (!nv)
			return NULL;
		f->v = nv;
		f->cap = ncap;
	}
	sr_pub_file *p = &f->v[f->n++];
	memset(p, 0, sizeof(*p));
	return p;
}

static void files_free(struct files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].content_type);
	}
	free(f->v);
}

static void respond_published(sr_resp *resp, const sr_publish_result *r)
{
	char sid[32], vid[32];
	sr_public_id(sid, sizeof(sid), "sk", r->skill_id);
	sr_public_id(vid, sizeof(vid), "sv", r->version_id);
	sr_jw w;
	sr_buf_reset(&resp->body);
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kbool(&w, "ok", 1);
	sr_jw_kstr(&w, "skillId", sid);
	sr_jw_kstr(&w, "versionId", vid);
	sr_jw_kstr(&w, "status", "published");
	sr_jw_kstr(&w, "slug", r->slug);
	sr_jw_kstr(&w, "version", r->version);
	sr_jw_kstr(&w, "publicationStatus", "published");
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 200);
}

/* Runs the publish described by payload (a JSON object) with the given files. */
static void run_publish(sr_app *app, sr_req *req, sr_resp *resp, const sr_user *u, json_t *payload,
			struct files *files)
{
	json_t *tags = json_object_get(payload, "tags");
	const char *tagv[64];
	size_t ntags = 0;
	if (json_is_array(tags)) {
		size_t i;
		json_t *t;
		json_array_foreach(tags, i, t)
			if (json_is_string(t) && ntags < 64)
				tagv[ntags++] = json_string_value(t);
	}
	/* ClawHub trims the name and refuses an empty one, in these words. */
	const char *dn = jstr(payload, "displayName");
	size_t dn_at = 0;
	while (dn && isspace((unsigned char)dn[dn_at]))
		dn_at++;
	if (!dn || !dn[dn_at]) {
		sr_regerr err = {0};
		sr_regerr_set(&err, SR_EINVAL, SR_WHY_DISPLAY_NAME_REQUIRED, NULL);
		sr__regerr(resp, &err);
		return;
	}
	json_t *lic = json_object_get(payload, "acceptLicenseTerms");
	json_t *cl = json_object_get(payload, "changelog");
	if (cl && !json_is_string(cl)) {
		sr_resp_text(resp, 400, "Changelog must be a string");
		return;
	}
	sr_publish_req pr = {
		.actor = u,
		.owner_handle = jstr(payload, "ownerHandle"),
		.slug = jstr(payload, "slug"),
		.display_name = jstr(payload, "displayName"),
		.version = jstr(payload, "version"),
		.changelog = cl ? json_string_value(cl) : "",
		.accept_license = json_is_true(lic),
		.tags = tagv,
		.ntags = ntags,
		.files = files->v,
		.nfiles = files->n,
	};
	if (!pr.owner_handle || !pr.owner_handle[0])
		pr.owner_handle = sr__owner_param(req);
	sr_publish_result res;
	sr_regerr err = {0};
	int rc = sr_publish(req->store, app->blobs, &pr, &res, &err);
	if (rc) {
		sr__regerr_at(app, req, resp, &err);
		return;
	}
	sr_scan_worker_wake(app->scan_worker);
	respond_published(resp, &res);
}

static void publish_json(sr_app *app, sr_req *req, sr_resp *resp, const sr_user *u)
{
	json_error_t e;
	json_t *payload = json_loadb(req->body->data ? req->body->data : "", req->body->len, 0, &e);
	struct files files = {0};
	if (!json_is_object(payload)) {
		sr_resp_text(resp, 400, "Invalid JSON payload");
		goto out;
	}
	json_t *fl = json_object_get(payload, "files");
	if (!json_is_array(fl) || json_array_size(fl) == 0) {
		sr_resp_text(resp, 400, "At least one file is required");
		goto out;
	}
	if (json_array_size(fl) > SR_MAX_FILES) {
		sr_resp_textf(resp, 400, "Too many files (at most %d)", SR_MAX_FILES);
		goto out;
	}
	int64_t now = sr_now_ms();
	size_t i;
	json_t *f;
	json_array_foreach(fl, i, f) {
		const char *ticket = json_is_object(f) ? jstr(f, "uploadTicket") : NULL;
		if (!ticket) {
			sr_resp_text(resp, 400, "Every directly uploaded skill file requires an upload ticket");
			goto out;
		}
		sr_ticket t;
		int rc = strlen(ticket) < 64 ? sr_store_ticket_get(req->store, ticket, &t) : SR_ENOTFOUND;
		if (rc == SR_ENOTFOUND || (!rc && (t.used_at || !t.uploaded_at || t.expires_at <= now ||
						   t.user_id != u->id))) {
			sr_resp_text(resp, 400, "Skill upload ticket is missing, used, or expired");
			goto out;
		}
		if (rc) {
			sr__internal(resp, rc);
			goto out;
		}
		/* The ticket, not the client's restatement, says what was uploaded. */
		const char *path = jstr(f, "path");
		char clean[600];
		snprintf(clean, sizeof(clean), "%s", path ? path : "");
		if (!path || sr_path_sanitize(clean) || strcmp(clean, t.path) != 0) {
			sr_resp_text(resp, 400, "Invalid file paths");
			goto out;
		}
		sr_pub_file *pf = files_add(&files);
		if (!pf) {
			sr__internal(resp, SR_ENOMEM);
			goto out;
		}
		pf->path = strdup(t.path);
		pf->content_type = t.content_type[0] ? strdup(t.content_type) : NULL;
		snprintf(pf->sha256, sizeof(pf->sha256), "%s", t.sha256);
		pf->size = t.size;
		pf->ticket = jstr(f, "uploadTicket");
		if (!pf->path) {
			sr__internal(resp, SR_ENOMEM);
			goto out;
		}
	}
	run_publish(app, req, resp, u, payload, &files);
out:
	files_free(&files);
	json_decref(payload);
}

/* ---- multipart ---- */

struct bundle_ctx {
	struct files *files;
	int rc;
};

static int bundle_entry(void *ud, const char *path, const unsigned char *data, size_t len)
{
	struct bundle_ctx *b = ud;
	sr_pub_file *pf = files_add(b->files);
	if (!pf)
		return b->rc = b->files->too_many ? SR_ETOOBIG : SR_ENOMEM;
	pf->path = strdup(path);
	pf->size = (int64_t)len;
	pf->data = NULL;
	if (!pf->path)
		return b->rc = SR_ENOMEM;
	/* The zip's bytes live only during this callback: copy them. */
	unsigned char *copy = malloc(len ? len : 1);
	if (!copy)
		return b->rc = SR_ENOMEM;
	memcpy(copy, data, len);
	pf->data = copy;
	sr_sha256_hex(copy, len, pf->sha256);
	return 0;
}

/* What a multipart publish has gathered: the payload, the files, the copies of bundle
 * entries, which are freed with the request, and the bytes of every file so far (file parts
 * and inflated bundle entries alike), against which the next bundle is inflated. */
struct upload {
	json_t *payload;
	struct files files;
	unsigned char **owned;
	size_t nowned;
	size_t bytes;
};

static void upload_free(struct upload *up)
{
	for (size_t i = 0; i < up->nowned; i++)
		free(up->owned[i]);
	free(up->owned);
	files_free(&up->files);
	json_decref(up->payload);
}

/* A zip bundle's entries, added to the files. Non-zero after writing the 4xx or 500.
 *
 * The 50 MiB limit is the whole request's: each bundle is inflated against what the files
 * before it left of it, so a request of many small bundles stops at the first byte past the
 * limit, and a publish holds at most the limit in inflated files however many parts come. */
static int take_bundle(struct upload *up, sr_resp *resp, const char *data, size_t len)
{
	struct files *files = &up->files;
	struct bundle_ctx bc = {files, 0};
	size_t before = files->n;
	size_t room = up->bytes < SR_MAX_BUNDLE_BYTES ? SR_MAX_BUNDLE_BYTES - up->bytes : 0;
	/* The archive may hold directory entries too; the file count itself is checked as
	 * entries are added. */
	int rc = sr_zip_read((const unsigned char *)data, len, 2 * SR_MAX_FILES + 2, SR_MAX_FILE_BYTES, room,
			     bundle_entry, &bc);
	for (size_t i = before; i < files->n; i++)
		up->bytes += (size_t)files->v[i].size;
	/* Remember the copies so they are freed with the request. */
	unsigned char **no = realloc(up->owned, (up->nowned + files->n - before + 1) * sizeof(*up->owned));
	if (!no) {
		for (size_t i = before; i < files->n; i++) {
			free((unsigned char *)files->v[i].data);
			files->v[i].data = NULL;
		}
		sr__internal(resp, SR_ENOMEM);
		return -1;
	}
	up->owned = no;
	for (size_t i = before; i < files->n; i++)
		if (files->v[i].data)
			up->owned[up->nowned++] = (unsigned char *)files->v[i].data;
	if (files->too_many) {
		sr_resp_textf(resp, 400, "Too many files (at most %d)", SR_MAX_FILES);
		return -1;
	}
	if (rc == SR_ETOOBIG || bc.rc == SR_ETOOBIG) {
		sr_resp_text(resp, 400, "Skill bundle exceeds 50MB limit");
		return -1;
	}
	if (rc || bc.rc) {
		sr_resp_text(resp, 400, "Invalid zip bundle");
		return -1;
	}
	return 0;
}

/* One file part, added to the files (its bytes stay in the request's body). */
static int take_file(struct upload *up, sr_resp *resp, const sr__mp_part *pt)
{
	sr_pub_file *pf = files_add(&up->files);
	if (!pf) {
		if (up->files.too_many)
			sr_resp_textf(resp, 400, "Too many files (at most %d)", SR_MAX_FILES);
		else
			sr__internal(resp, SR_ENOMEM);
		return -1;
	}
	pf->path = strdup(pt->filename);
	pf->content_type = pt->ctype[0] ? strdup(pt->ctype) : NULL;
	pf->size = (int64_t)pt->len;
	pf->data = (const unsigned char *)pt->data;
	/* Its bytes are the body's, already bounded; they count against what bundles may add. */
	up->bytes += pt->len;
	sr_sha256_hex(pt->data, pt->len, pf->sha256);
	if (!pf->path) {
		sr__internal(resp, SR_ENOMEM);
		return -1;
	}
	return 0;
}

/* A part by its name: the JSON payload, a zip bundle, or one file. Other parts are skipped. */
static int take_part(struct upload *up, sr_resp *resp, const sr__mp_part *pt)
{
	if (strcmp(pt->name, "payload") == 0) {
		json_error_t e;
		json_decref(up->payload);
		up->payload = json_loadb(pt->data, pt->len, 0, &e);
		if (!json_is_object(up->payload)) {
			sr_resp_text(resp, 400, "Invalid JSON payload");
			return -1;
		}
		return 0;
	}
	if (strcmp(pt->name, "bundle") == 0)
		return take_bundle(up, resp, pt->data, pt->len);
	if (strcmp(pt->name, "files") == 0 || pt->has_filename)
		return take_file(up, resp, pt);
	return 0;
}

static void publish_multipart(sr_app *app, sr_req *req, sr_resp *resp, const sr_user *u, const char *ctype)
{
	sr__mp_reader rd;
	if (sr__mp_begin(&rd, ctype, req->body->data, req->body->len)) {
		sr_resp_text(resp, 400, "Invalid multipart body");
		return;
	}
	struct upload up = {0};
	sr__mp_part pt;
	int more;
	while ((more = sr__mp_next(&rd, &pt)) > 0)
		if (take_part(&up, resp, &pt))
			goto out;
	if (more < 0) {
		sr_resp_text(resp, 400, "Invalid multipart body");
		goto out;
	}
	if (!up.payload) {
		sr_resp_text(resp, 400, "Missing payload");
		goto out;
	}
	run_publish(app, req, resp, u, up.payload, &up.files);
out:
	upload_free(&up);
}

void sr__publish(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "publish";
	sr_user u;
	if (sr__require_user(req, resp, &u))
		return;
	const char *ct = sr_req_header(req, "Content-Type");
	if (ct && strncasecmp(ct, "application/json", 16) == 0)
		publish_json(app, req, resp, &u);
	else if (ct && strncasecmp(ct, "multipart/form-data", 19) == 0)
		publish_multipart(app, req, resp, &u, ct);
	else
		sr_resp_text(resp, 415, "Unsupported content type");
}
