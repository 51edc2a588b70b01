/*
 * publish.c - publishing from the browser: /publish, the upload form (a folder or a .zip),
 * and its POST.
 *
 * The form posts multipart/form-data; its files are gathered by registry/upload.c, the code
 * the API's multipart publish uses, and published by sr_publish, the API's domain path, so the
 * limits, the slug rules, the scan and the refusals are one set. A refusal is shown on the
 * page in the words and with the status the API answers it (sr_app.refusal_text). The body
 * may be as large as the API's publish only for a session that is valid when the headers
 * arrive (the front controller's web_publish_limit); the CSRF token is checked before this
 * code runs (web.c's handle_post, reading the form's `csrf` part).
 *
 * Fields left blank are filled from the upload: the slug from the folder's (or the zip's)
 * name, else the SKILL.md frontmatter's `name` when it is slug-shaped; the display name from the frontmatter's
 * `name`; the version from the frontmatter's `version` (or `metadata.version`), else the
 * next patch of the skill's latest version, else 1.0.0. Without JavaScript a page cannot read
 * the files before they are sent, so this is the server's prefill: a refused form comes back
 * with the values it used.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/err.h"
#include "http/multipart.h"
#include "moderation/worker.h"
#include "registry/frontmatter.h"
#include "registry/registry.h"
#include "registry/semver.h"
#include "registry/slug.h"
#include "registry/upload.h"
#include "web/internal.h"
#include "web/signin.h"

#define ORGS_SHOWN 100
#define MAX_TAGS 64

/* The form's text fields (copies, NUL-terminated) and where its files came from. */
struct form {
	char *owner, *slug, *name, *version, *changelog, *tags;
	int license;
	char folder[128]; /* the uploaded folder's or zip's name, for a blank slug */
};

static void form_free(struct form *f)
{
	free(f->owner);
	free(f->slug);
	free(f->name);
	free(f->version);
	free(f->changelog);
	free(f->tags);
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* ---- the page ---- */

struct owner_ctx {
	sr_buf *b;
	const char *selected;
};

static int owner_option(void *ud, const void *row)
{
	const sr_member_row *r = row;
	struct owner_ctx *c = ud;
	if (r->role < SR_PUB_PUBLISHER)
		return 0;
	return sr_html_printf(c->b, "<option value=\"%s\"%R>@%s (%s)</option>", r->handle,
			      c->selected && strcasecmp(c->selected, r->handle) == 0 ? " selected" : "", r->handle,
			      sr_member_role_name(r->role));
}

/* The form, with the values given (a GET's query, or a refused POST's fields) and, when a
 * publish was refused, the API's words for it. */
static void page(sr_web_rq *rq, const sr_user *u, const struct form *f, int status, const char *error)
{
	rq->resp->no_cache = 1;
	sr_page p = {&rq->resp->body, "Publish a skill", NULL, NULL};
	sr__web_begin(&p);
	sr_buf *b = p.b;
	sr_html_printf(b,
		       "<section aria-labelledby=\"pub-h\"><h1 id=\"pub-h\">Publish a skill</h1>"
		       "<p class=\"lead\">Upload a skill's folder (with its SKILL.md) or a .zip of it. Fields left "
		       "blank are taken from the upload: the slug from the folder's name or SKILL.md's "
		       "<code>name</code>, the display name from SKILL.md, the version from SKILL.md or the next "
		       "patch of the latest one.</p>");
	if (error)
		sr_html_printf(b, "<div class=\"alert\" role=\"alert\" id=\"pub-error\"><p>%s</p></div>", error);
	sr_html_printf(b,
		       "<form class=\"form publish\" method=\"post\" action=\"/publish\" enctype=\"multipart/form-data\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		       "<p><label for=\"pub-owner\">Owner</label><select id=\"pub-owner\" name=\"owner\">"
		       "<option value=\"%s\">@%s (you)</option>",
		       sr__web_csrf(rq), u->handle, u->handle);
	struct owner_ctx oc = {b, f->owner};
	int rc = sr_store_user_orgs(rq->req->store, u->id, ORGS_SHOWN, owner_option, &oc);
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr_html_printf(b,
		       "</select></p>"
		       "<p><label for=\"pub-slug\">Slug</label><input id=\"pub-slug\" name=\"slug\" maxlength=\"100\" "
		       "value=\"%s\" placeholder=\"from the folder or SKILL.md\"></p>"
		       "<p><label for=\"pub-name\">Display name</label><input id=\"pub-name\" name=\"displayName\" "
		       "maxlength=\"1000\" value=\"%s\" placeholder=\"from SKILL.md\"></p>"
		       "<p><label for=\"pub-version\">Version</label><input id=\"pub-version\" name=\"version\" "
		       "maxlength=\"100\" value=\"%s\" placeholder=\"1.0.0\"></p>"
		       "<p><label for=\"pub-tags\">Tags (separated by commas)</label><input id=\"pub-tags\" name=\"tags\" "
		       "maxlength=\"1000\" value=\"%s\"></p>"
		       "<p><label for=\"pub-changelog\">Changelog</label><textarea id=\"pub-changelog\" name=\"changelog\" "
		       "rows=\"4\">%s</textarea></p>"
		       "<p><label for=\"pub-folder\">A folder</label><input id=\"pub-folder\" type=\"file\" name=\"files\" "
		       "webkitdirectory multiple></p>"
		       "<p><label for=\"pub-zip\">or a .zip</label><input id=\"pub-zip\" type=\"file\" name=\"bundle\" "
		       "accept=\".zip,application/zip\"></p>"
		       "<p><label class=\"check\"><input type=\"checkbox\" name=\"acceptLicenseTerms\" value=\"true\"%R> "
		       "I publish this skill under the MIT-0 license.</label></p>"
		       "<p><button type=\"submit\">Publish</button></p></form></section>",
		       or_empty(f->slug), or_empty(f->name), or_empty(f->version), f->tags ? f->tags : "latest",
		       or_empty(f->changelog), f->license ? " checked" : "");
	sr__web_end(&p, rq->resp, status);
}

void sr__web_publish(sr_web_rq *rq)
{
	rq->req->route = "web-publish";
	const sr_user *u = sr__web_need_viewer(rq, NULL);
	if (!u)
		return;
	struct form f = {0};
	const char *slug = sr_req_query(rq->req, "slug"), *owner = sr_req_query(rq->req, "owner");
	f.slug = slug ? strndup(slug, 100) : NULL;
	f.owner = owner ? strndup(owner, 64) : NULL;
	f.license = 1;
	page(rq, u, &f, 200, NULL);
	form_free(&f);
}

int sr__web_publish_link(sr_buf *side, const sr_skill *sk)
{
	sr_web_rq *rq = sr__web_rq();
	const sr_user *u = rq ? sr__web_viewer(rq) : NULL;
	int ok = 0;
	int rc = u ? sr_may_act(rq->req->store, sk->owner_id, u, SR_PUB_PUBLISHER, &ok) : 0;
	if (rc || !ok)
		return rc;
	sr_html_printf(side,
		       "<section class=\"panel\" aria-labelledby=\"h-publish\"><h2 id=\"h-publish\">Publish</h2>"
		       "<p><a class=\"button\" id=\"publish-version\" href=\"/publish?owner=%u&amp;slug=%u\">Publish a new "
		       "version</a></p></section>",
		       sk->owner_handle, sk->slug);
	return 0;
}

/* ---- reading the form ---- */

/* The name of the folder a browser sent (its files' paths start with it) or of the zip, as a
 * slug would have it: lower case, without ".zip". */
static void folder_name(struct form *f, const char *path, int zip)
{
	if (f->folder[0])
		return;
	size_t n = zip ? strlen(path) : strcspn(path, "/");
	if (zip && n > 4 && strcasecmp(path + n - 4, ".zip") == 0)
		n -= 4;
	if (!zip && !path[n])
		return;
	snprintf(f->folder, sizeof(f->folder), "%.*s", (int)(n < sizeof(f->folder) ? n : sizeof(f->folder) - 1), path);
	for (char *c = f->folder; *c; c++)
		*c = (char)tolower((unsigned char)*c);
}

static char **field_of(struct form *f, const char *name)
{
	static const char *const names[] = {"owner", "slug", "displayName", "version", "changelog", "tags"};
	char **slots[] = {&f->owner, &f->slug, &f->name, &f->version, &f->changelog, &f->tags};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return slots[i];
	return NULL;
}

/* One part: a field, a file of the folder, or the zip. A file input left empty sends a part
 * with no file name and no bytes, which is no file. Non-zero with err set when refused. */
static int take_part(struct form *f, sr_upload *up, const sr_mp_part *pt, sr_regerr *err)
{
	if (pt->has_filename && !pt->filename[0] && pt->len == 0)
		return 0;
	if (strcmp(pt->name, "bundle") == 0) {
		folder_name(f, pt->filename, 1);
		return sr_upload_add_bundle(up, pt->data, pt->len, err);
	}
	if (strcmp(pt->name, "files") == 0) {
		folder_name(f, pt->filename, 0);
		return sr_upload_add_file(up, pt->filename, pt->ctype, pt->data, pt->len, err);
	}
	if (strcmp(pt->name, "acceptLicenseTerms") == 0) {
		f->license = 1;
		return 0;
	}
	char **slot = pt->has_filename ? NULL : field_of(f, pt->name);
	if (!slot)
		return 0;
	free(*slot);
	*slot = strndup(pt->data, pt->len);
	return *slot ? 0 : sr_regerr_internal(err, SR_ENOMEM);
}

/* A folder sent from a browser, or zipped with its folder, has every path under one top
 * folder: the skill's files are what is inside it, as the CLI publishes them. */
static void strip_top_folder(sr_upload *up)
{
	if (!up->nfiles)
		return;
	const char *first = up->files[0].path;
	const char *slash = strchr(first, '/');
	if (!slash)
		return;
	size_t n = (size_t)(slash - first) + 1;
	for (size_t i = 1; i < up->nfiles; i++)
		if (strncmp(up->files[i].path, first, n) != 0)
			return;
	/* Copy the prefix first: the first path is rewritten too. */
	char prefix[SR_MAX_PATH + 2];
	if (n >= sizeof(prefix))
		return;
	memcpy(prefix, first, n);
	for (size_t i = 0; i < up->nfiles; i++) {
		char *p = up->files[i].path;
		memmove(p, p + n, strlen(p + n) + 1);
	}
}

/* ---- the prefill ---- */

static const sr_pub_file *skill_md(const sr_upload *up)
{
	for (size_t i = 0; i < up->nfiles; i++)
		if (up->files[i].data && (strcasecmp(up->files[i].path, "SKILL.md") == 0 ||
					  strcasecmp(up->files[i].path, "skills.md") == 0))
			return &up->files[i];
	return NULL;
}

static int blank(const char *s)
{
	while (s && isspace((unsigned char)*s))
		s++;
	return !s || !*s;
}

static void set_if_blank(char **slot, const char *value)
{
	if (!blank(*slot) || blank(value))
		return;
	char *copy = strdup(value);
	if (!copy)
		return;
	free(*slot);
	*slot = copy;
}

/* The frontmatter's version: a top-level `version`, else `metadata.version`, when a string. */
static const char *fm_version(json_t *fm)
{
	json_t *v = json_object_get(fm, "version");
	if (!json_is_string(v))
		v = json_object_get(json_object_get(fm, "metadata"), "version");
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The next patch of the skill's latest version, when it exists and the slug is the owner's. */
static void next_patch(sr_web_rq *rq, const sr_user *u, struct form *f)
{
	if (!blank(f->version) || blank(f->slug))
		return;
	char slug[128];
	sr_lookup lk;
	if (sr_slug_normalize(f->slug, slug, sizeof(slug)) ||
	    sr_lookup_skill(rq->req->store, slug, blank(f->owner) ? u->handle : f->owner, u, &lk) ||
	    !lk.skill.latest_version[0])
		return;
	sr_semver v;
	if (sr_semver_parse(lk.skill.latest_version, &v))
		return;
	char next[96];
	snprintf(next, sizeof(next), "%llu.%llu.%llu", (unsigned long long)v.major, (unsigned long long)v.minor,
		 (unsigned long long)v.patch + 1);
	set_if_blank(&f->version, next);
}

/* A frontmatter name that is a slug as it stands (lower-case letters, digits and hyphens): a
 * name like "My Skill" names the display, not the slug. */
static const char *slug_shaped(const char *name)
{
	if (!name || !name[0])
		return NULL;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
			return NULL;
	return name;
}

static void prefill(sr_web_rq *rq, const sr_user *u, struct form *f, const sr_upload *up)
{
	const sr_pub_file *md = skill_md(up);
	sr_frontmatter fm = {0};
	char msg[128];
	json_t *all = NULL;
	if (md && sr_frontmatter_parse((const char *)md->data, (size_t)md->size, &fm, msg, sizeof(msg)) == 0) {
		json_error_t e;
		all = fm.frontmatter_json ? json_loads(fm.frontmatter_json, 0, &e) : NULL;
	}
	set_if_blank(&f->slug, f->folder);
	set_if_blank(&f->slug, slug_shaped(fm.name));
	set_if_blank(&f->name, fm.name);
	set_if_blank(&f->version, fm_version(all));
	next_patch(rq, u, f);
	set_if_blank(&f->version, "1.0.0");
	json_decref(all);
	sr_frontmatter_deinit(&fm);
}

/* ---- the POST ---- */

/* The tags, split at commas and white space, into v (at most MAX_TAGS); the copy is cut in
 * place. "latest" when there is none. */
static size_t split_tags(char *tags, const char **v)
{
	size_t n = 0;
	char *save = NULL;
	for (char *t = tags ? strtok_r(tags, ", \t\r\n", &save) : NULL; t && n < MAX_TAGS; t = strtok_r(NULL, ", \t\r\n", &save))
		v[n++] = t;
	if (!n)
		v[n++] = "latest";
	return n;
}

/* Publishes; 0 after the 303 to the skill's page, else err says why. */
static int run(sr_web_rq *rq, const sr_user *u, struct form *f, sr_upload *up, sr_regerr *err)
{
	const char *tagv[MAX_TAGS];
	char *tags = f->tags ? strdup(f->tags) : NULL;
	size_t ntags = split_tags(tags, tagv);
	sr_publish_req pr = {
		.actor = u,
		.owner_handle = blank(f->owner) ? NULL : f->owner,
		.slug = or_empty(f->slug),
		.display_name = blank(f->name) ? NULL : f->name,
		.version = or_empty(f->version),
		.changelog = or_empty(f->changelog),
		.accept_license = f->license,
		.tags = tagv,
		.ntags = ntags,
		.files = up->files,
		.nfiles = up->nfiles,
	};
	sr_publish_result res;
	int rc = sr_publish(rq->req->store, rq->app->blobs, &pr, &res, err);
	free(tags);
	if (rc)
		return rc;
	sr_scan_worker_wake(rq->app->scan_worker);
	char owner[128];
	sr_handle_normalize(pr.owner_handle ? pr.owner_handle : u->handle, owner, sizeof(owner));
	sr_buf loc;
	sr_buf_init(&loc, 1024);
	sr_html_printf(&loc, "/%u/%u", owner, res.slug);
	sr__web_redirect(rq->resp, 303, loc.data ? loc.data : "/dashboard");
	sr_buf_deinit(&loc);
	return 0;
}

/* The form back with the API's words for the refusal, and its status. */
static void refused(sr_web_rq *rq, const sr_user *u, const struct form *f, sr_regerr *err)
{
	char text[1024];
	int status = 500;
	if (rq->app->refusal_text)
		status = rq->app->refusal_text(rq->app, rq->req, err, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "Internal Server Error");
	page(rq, u, f, status, text);
}

void sr__web_publish_post(sr_web_rq *rq)
{
	sr_req *req = rq->req;
	req->route = "web-publish-post";
	const sr_user *u = sr__web_need_viewer(rq, "/publish");
	if (!u)
		return;
	struct form f = {0};
	sr_upload up;
	sr_upload_init(&up);
	sr_regerr err = {0};
	const char *ct = sr_req_header(req, "Content-Type");
	sr_mp_reader rd;
	sr_mp_part pt;
	int more = -1;
	if (ct && strncasecmp(ct, "multipart/form-data", 19) == 0 && !sr_mp_begin(&rd, ct, req->body->data, req->body->len))
		while ((more = sr_mp_next(&rd, &pt)) > 0 && !take_part(&f, &up, &pt, &err))
			;
	if (more < 0 && !err.why) {
		sr__web_error(req, rq->resp, 400, "Bad request", "This form could not be read. Reload the page and send it again.");
		goto out;
	}
	if (!err.why) {
		strip_top_folder(&up);
		prefill(rq, u, &f, &up);
		if (!run(rq, u, &f, &up, &err))
			goto out;
	}
	refused(rq, u, &f, &err);
out:
	sr_upload_deinit(&up);
	form_free(&f);
}
