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
#include "http/multipart.h"
#include "moderation/worker.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/util.h"
#include "registry/upload.h"

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
	/* A ticket is bound to the user it was made for (api-v1 3.11): to anyone else it is
	 * missing, as the publish that names it says too, and whether it exists is not told. */
	if (rc == SR_ENOTFOUND || (!rc && (t.used_at || t.uploaded_at || t.expires_at <= now || t.user_id != u.id))) {
		sr_resp_text(resp, 400, "Skill upload ticket is missing, used, or expired");
		return;
	}
	if (rc) {
		sr__internal(resp, rc);
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
	/* For the publish that names it, when it comes here (publish_json). */
	if (sr_store_asserts(req->store)) {
		t.uploaded_at = now;
		sr_ticket_remember(&t);
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

/* Whether a publish failed for the server's sake (the database or the disk), not for anything
 * its request said: then running it again would not help, and its outcome may be unknown (a
 * COMMIT whose answer was lost). */
static int server_failure(int rc)
{
	return rc == SR_EUNAVAIL || rc == SR_EDB || rc == SR_EIO || rc == SR_ENOMEM || rc == SR_ENOSPC ||
	       rc == SR_ELIMIT;
}

/* Runs the publish described by payload (a JSON object) with the given files, and answers
 * it. With tickets_recalled (registry.h) a publish refused is not answered (it may have been
 * refused for a memory out of date): nonzero, and the caller reads the tickets and runs it
 * again with what they hold. */
static int run_publish(sr_app *app, sr_req *req, sr_resp *resp, const sr_user *u, json_t *payload,
		       sr_upload *files, int tickets_recalled)
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
		if (tickets_recalled)
			return SR_EINVAL;
		sr_regerr err = {0};
		sr_regerr_set(&err, SR_EINVAL, SR_WHY_DISPLAY_NAME_REQUIRED, NULL);
		sr__regerr(resp, &err);
		return 0;
	}
	json_t *lic = json_object_get(payload, "acceptLicenseTerms");
	json_t *cl = json_object_get(payload, "changelog");
	if (cl && !json_is_string(cl)) {
		if (tickets_recalled)
			return SR_EINVAL;
		sr_resp_text(resp, 400, "Changelog must be a string");
		return 0;
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
		.files = files->files,
		.nfiles = files->nfiles,
		.migrate_owner = json_is_true(json_object_get(payload, "migrateOwner")),
		.source_owner_handle = jstr(payload, "sourceOwnerHandle"),
		.tickets_recalled = tickets_recalled,
	};
	if (!pr.owner_handle || !pr.owner_handle[0])
		pr.owner_handle = sr__owner_param(req);
	sr_publish_result res;
	sr_regerr err = {0};
	int rc = sr_publish(req->store, app->blobs, &pr, &res, &err);
	if (rc && tickets_recalled && !server_failure(rc))
		return rc;
	if (rc) {
		sr__regerr_at(app, req, resp, &err);
		return 0;
	}
	sr_scan_worker_wake(app->scan_worker);
	respond_published(resp, &res);
	return 0;
}

/* The tickets a JSON publish names, read in one statement: found[i] says whether names[i] is
 * a ticket, and rows[i] holds it. */
struct ticket_pick {
	const char **names;
	size_t n;
	sr_ticket *rows;
	unsigned char *found;
};

static int take_ticket(void *ud, const void *row)
{
	const sr_ticket *t = row;
	struct ticket_pick *tp = ud;
	for (size_t i = 0; i < tp->n; i++)
		if (strcmp(tp->names[i], t->ticket) == 0) {
			tp->rows[i] = *t;
			tp->found[i] = 1;
		}
	return 0;
}

/* Whether this process remembers every ticket tp names (sr_ticket_recall): then their rows
 * are in tp, found. */
static int recall_tickets(struct ticket_pick *tp)
{
	for (size_t i = 0; i < tp->n; i++) {
		if (sr_ticket_recall(tp->names[i], &tp->rows[i]))
			return 0;
		tp->found[i] = 1;
	}
	return 1;
}

static void forget_tickets(struct ticket_pick *tp)
{
	for (size_t i = 0; i < tp->n; i++)
		sr_ticket_forget(tp->names[i]);
}

/* The file list of a JSON publish (fl) from its tickets (tp): each must be u's, uploaded,
 * unused and live at now, and named under the path it was issued for; the ticket, not the
 * client's restatement, says what was uploaded. A refusal is answered in resp, unless resp is
 * NULL (tickets recalled from memory: the caller reads them instead). */
static int take_tickets(json_t *fl, const struct ticket_pick *tp, const sr_user *u, int64_t now,
			sr_upload *files, sr_resp *resp)
{
	size_t i;
	json_t *f;
	json_array_foreach(fl, i, f) {
		const sr_ticket *t = &tp->rows[i];
		if (!tp->found[i] || t->used_at || !t->uploaded_at || t->expires_at <= now || t->user_id != u->id) {
			if (resp)
				sr_resp_text(resp, 400, "Skill upload ticket is missing, used, or expired");
			return SR_EINVAL;
		}
		const char *path = jstr(f, "path");
		char clean[600];
		snprintf(clean, sizeof(clean), "%s", path ? path : "");
		if (!path || sr_path_sanitize(clean) || strcmp(clean, t->path) != 0) {
			if (resp)
				sr_resp_text(resp, 400, "Invalid file paths");
			return SR_EINVAL;
		}
		sr_regerr err = {0};
		sr_pub_file *pf = sr_upload_slot(files, &err);
		if (pf) {
			pf->path = strdup(t->path);
			pf->content_type = t->content_type[0] ? strdup(t->content_type) : NULL;
			snprintf(pf->sha256, sizeof(pf->sha256), "%s", t->sha256);
			pf->size = t->size;
			pf->ticket = tp->names[i];
			if (!pf->path || (t->content_type[0] && !pf->content_type))
				sr_regerr_internal(&err, SR_ENOMEM);
		}
		if (err.code) {
			if (resp)
				sr__regerr(resp, &err);
			return err.code;
		}
	}
	return 0;
}

static void publish_json(sr_app *app, sr_req *req, sr_resp *resp, const sr_user *u)
{
	json_error_t e;
	json_t *payload = json_loadb(req->body->data ? req->body->data : "", req->body->len, 0, &e);
	sr_upload files;
	sr_upload_init(&files);
	struct ticket_pick tp = {NULL, 0, NULL, NULL};
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
	size_t i, n = json_array_size(fl);
	json_t *f;
	tp.n = n;
	tp.names = calloc(n, sizeof(*tp.names));
	tp.rows = calloc(n, sizeof(*tp.rows));
	tp.found = calloc(n, 1);
	if (!tp.names || !tp.rows || !tp.found) {
		sr__internal(resp, SR_ENOMEM);
		goto out;
	}
	int named = 1; /* every name one a ticket can have */
	json_array_foreach(fl, i, f) {
		const char *ticket = json_is_object(f) ? jstr(f, "uploadTicket") : NULL;
		if (!ticket) {
			sr_resp_text(resp, 400, "Every directly uploaded skill file requires an upload ticket");
			goto out;
		}
		tp.names[i] = ticket;
		named = named && strlen(ticket) < sizeof(tp.rows[0].ticket);
	}
	/* Where the database asserts them (PostgreSQL), tickets whose bytes this process took are
	 * recalled, not read (one round trip less): the clawhub CLI asks for its tickets, uploads
	 * and publishes through one server. The publish's transaction has the database assert
	 * that they are still good; when they are not (used meanwhile through another process),
	 * or the publish failed for any reason of its own, they are read and it runs again. */
	if (named && sr_store_asserts(req->store) && recall_tickets(&tp)) {
		int rc = take_tickets(fl, &tp, u, now, &files, NULL);
		if (!rc)
			rc = run_publish(app, req, resp, u, payload, &files, 1);
		forget_tickets(&tp); /* used now, or remembered out of date */
		if (!rc)
			goto out;
		sr_upload_deinit(&files);
		sr_upload_init(&files);
	}
	/* Every ticket in one statement; a name no ticket has is a missing ticket. (Not one row
	 * recalled above stays: some may be recalled when one is not.) */
	memset(tp.found, 0, n);
	int rc = named ? sr_store_tickets_get(req->store, tp.names, n, take_ticket, &tp) : 0;
	if (rc && rc != SR_EINVAL) {
		sr__internal(resp, rc);
		goto out;
	}
	if (take_tickets(fl, &tp, u, now, &files, resp) == 0) {
		run_publish(app, req, resp, u, payload, &files, 0);
		forget_tickets(&tp);
	}
out:
	free(tp.names);
	free(tp.rows);
	free(tp.found);
	sr_upload_deinit(&files);
	json_decref(payload);
}

/* ---- multipart ---- */

/* What a multipart publish has gathered: the payload and the files (registry/upload.h, the
 * same gathering as the web site's upload form). */
struct upload {
	json_t *payload;
	sr_upload files;
};

/* A part by its name: the JSON payload, a zip bundle, or one file. Other parts are skipped. */
static int take_part(struct upload *up, sr_resp *resp, const sr_mp_part *pt)
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
	sr_regerr err = {0};
	int rc = 0;
	if (strcmp(pt->name, "bundle") == 0)
		rc = sr_upload_add_bundle(&up->files, pt->data, pt->len, &err);
	else if (strcmp(pt->name, "files") == 0 || pt->has_filename)
		rc = sr_upload_add_file(&up->files, pt->filename, pt->ctype, pt->data, pt->len, &err);
	if (rc)
		sr__regerr(resp, &err);
	return rc;
}

static void publish_multipart(sr_app *app, sr_req *req, sr_resp *resp, const sr_user *u, const char *ctype)
{
	sr_mp_reader rd;
	if (sr_mp_begin(&rd, ctype, req->body->data, req->body->len)) {
		sr_resp_text(resp, 400, "Invalid multipart body");
		return;
	}
	struct upload up = {NULL, {0}};
	sr_upload_init(&up.files);
	sr_mp_part pt;
	int more;
	while ((more = sr_mp_next(&rd, &pt)) > 0)
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
	run_publish(app, req, resp, u, up.payload, &up.files, 0);
out:
	sr_upload_deinit(&up.files);
	json_decref(up.payload);
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
