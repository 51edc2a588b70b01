/*
 * skill.c - the skill page (/{owner}/{slug}) and the file viewer (/{owner}/{slug}/file).
 *
 * A skill page reads what the API's detail and version routes read: the lookup by owner and
 * slug (one row of ux_skills_owner_slug, or the alias that names it), the skill's row by
 * primary key, one version by primary key or (skill, version), that version's file rows
 * (one primary-key range), one page of versions (ix_versions_skill_created) and SKILL.md's
 * bytes from the blob store. An old slug of a renamed skill answers with a redirect to the
 * skill's page under its current name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "blob/blob.h"
#include "moderation/moderation.h"
#include "core/err.h"
#include "registry/modstate.h"
#include "registry/registry.h"
#include "registry/slug.h"
#include "web/internal.h"
#include "web/markdown.h"

#define SKILL_MD_MAX (1024 * 1024)   /* SKILL.md rendered up to this size */
#define FILE_VIEW_MAX (1024 * 1024)  /* text files shown up to this size */
#define VERSIONS_SHOWN 10

/* Finds the skill a page names, as the API does, and applies the public visibility rules.
 * Writes the 404 page or the redirect to the canonical address and returns non-zero. */
static int find(sr_req *req, sr_resp *resp, const char *owner, const char *slug_in, const char *suffix,
		sr_skill *out)
{
	char slug[128];
	if (sr_slug_normalize(slug_in, slug, sizeof(slug)) || !sr_slug_is_plausible(slug)) {
		sr__web_error(req, resp, 404, "Skill not found", "There is no skill at this address.");
		return -1;
	}
	sr_lookup lk;
	int rc = sr_lookup_skill(req->store, slug, owner, NULL, &lk);
	sr_regerr err;
	if (rc == SR_ENOTFOUND || (rc == 0 && sr_check_visible(&lk.skill, NULL, &err))) {
		sr__web_error(req, resp, 404, "Skill not found",
			      "No public skill has this name. It may have been removed, hidden by moderation, "
			      "or never published.");
		return -1;
	}
	if (rc) {
		sr__web_fail(req, resp, rc);
		return -1;
	}
	if (strcmp(lk.skill.slug, slug_in) != 0 || strcmp(lk.skill.owner_handle, owner) != 0) {
		/* An old slug (renamed or merged) or another spelling: one canonical address. */
		req->route = "web-redirect";
		sr_buf loc;
		sr_buf_init(&loc, 4096);
		sr_html_printf(&loc, "/%u/%u%R", lk.skill.owner_handle, lk.skill.slug, suffix ? suffix : "");
		sr__web_redirect(resp, 301, loc.data ? loc.data : "/");
		sr_buf_deinit(&loc);
		return -1;
	}
	*out = lk.skill;
	return 0;
}

/* ---- the skill's row, copied out for a page that reads more after it ---- */

struct info {
	int found;
	char *display_name, *summary, *tags_json, *reason, *owner_display;
	int64_t downloads, installs, stars, versions, created_at, updated_at, latest_version_id;
	int is_suspicious, flags, verdict;
};

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

static int info_row(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct info *i = ud;
	i->found = 1;
	i->display_name = dup0(r->display_name);
	i->summary = dup0(r->summary);
	i->tags_json = dup0(r->tags_json);
	i->reason = dup0(r->moderation_reason);
	i->owner_display = dup0(r->owner_display_name ? r->owner_display_name : r->owner_handle);
	i->downloads = r->downloads;
	i->installs = r->installs;
	i->stars = r->stars;
	i->versions = r->versions;
	i->created_at = r->created_at;
	i->updated_at = r->updated_at;
	i->latest_version_id = r->latest_version_id;
	i->is_suspicious = r->is_suspicious;
	i->flags = r->moderation_flags;
	i->verdict = r->moderation_verdict;
	if (!i->display_name || !i->summary || !i->tags_json || !i->reason || !i->owner_display)
		return SR_ENOMEM;
	return 1;
}

static void info_free(struct info *i)
{
	free(i->display_name);
	free(i->summary);
	free(i->tags_json);
	free(i->reason);
	free(i->owner_display);
}

struct version {
	int found;
	int64_t id, created_at, soft_deleted_at;
	int scan_state, scan_verdict; /* SR_SCAN_*, SR_VERDICT_* */
	char version[260];
};

static int version_row(void *ud, const void *row)
{
	const sr_version_row *v = row;
	struct version *c = ud;
	c->found = 1;
	c->id = v->id;
	c->created_at = v->created_at;
	c->soft_deleted_at = v->soft_deleted_at;
	c->scan_state = v->scan_state;
	c->scan_verdict = v->scan_verdict;
	snprintf(c->version, sizeof(c->version), "%s", v->version);
	return 1;
}

/* The version a page shows: ?version=, else the one `latest` names. Writes 404/410 pages. */
static int pick_version(sr_req *req, sr_resp *resp, const sr_skill *sk, int64_t latest_id, struct version *v)
{
	memset(v, 0, sizeof(*v));
	const char *want = sr_req_query(req, "version");
	int rc;
	if (want && want[0])
		rc = sr_store_version_get(req->store, sk->id, want, version_row, v);
	else if (latest_id)
		rc = sr_store_version_by_id(req->store, latest_id, version_row, v);
	else
		return 0; /* no version yet: the page says so */
	if (rc) {
		sr__web_fail(req, resp, rc);
		return -1;
	}
	if (!v->found && want && want[0]) {
		sr__web_error(req, resp, 404, "No such version", "This skill has no version by that number.");
		return -1;
	}
	if (v->found && v->soft_deleted_at) {
		sr__web_error(req, resp, 410, "Version withdrawn", "The publisher withdrew this version.");
		return -1;
	}
	/* A version the scanners found malicious is never shown or served, whoever asks. */
	if (v->found && v->scan_verdict == SR_VERDICT_MALICIOUS) {
		sr__web_error(req, resp, 403, "Version blocked",
			      "The registry's scanners found malicious content in this version; it cannot be viewed "
			      "or downloaded.");
		return -1;
	}
	return 0;
}

/* ---- the file list of a version ---- */

struct files {
	sr_buf *b;
	const sr_skill *sk;
	const char *version;
	const char *current; /* the file being viewed, marked in the list */
	int n;
	char md_sha[65];
	int64_t md_size;
	int have_md;
	int rc;
	/* The viewed file's row, found while listing: exact path, else the first path equal
	 * ignoring case (as the API's file route falls back). */
	int exact, found;
	char sha[65], ctype[128];
	int64_t size;
};

static int file_row(void *ud, const void *row)
{
	const sr_file_row *f = row;
	struct files *k = ud;
	k->n++;
	if (strcasecmp(f->path, "SKILL.md") == 0 || (!k->have_md && strcasecmp(f->path, "skills.md") == 0)) {
		snprintf(k->md_sha, sizeof(k->md_sha), "%s", f->sha256);
		k->md_size = f->size;
		k->have_md = 1;
	}
	char size[32];
	sr__web_size(f->size, size, sizeof(size));
	int cur = k->current && strcmp(k->current, f->path) == 0;
	if (k->current && !k->exact && (cur || (!k->found && strcasecmp(k->current, f->path) == 0))) {
		k->found = 1;
		k->exact = cur;
		snprintf(k->sha, sizeof(k->sha), "%s", f->sha256);
		snprintf(k->ctype, sizeof(k->ctype), "%s", f->content_type ? f->content_type : "");
		k->size = f->size;
	}
	k->rc = sr_html_printf(k->b, "<li><a href=\"/%u/%u/file?version=%u&amp;path=%u\"%R>%s</a> "
				     "<span class=\"size\">%s</span></li>",
			       k->sk->owner_handle, k->sk->slug, k->version, f->path,
			       cur ? " aria-current=\"page\"" : "", f->path, size);
	return k->rc;
}

/* ---- versions ---- */

struct versions {
	sr_buf *b;
	const sr_skill *sk;
	const char *shown;
	int n, more;
	int rc;
};

static int versions_row(void *ud, const void *row)
{
	const sr_version_row *v = row;
	struct versions *k = ud;
	if (k->n == VERSIONS_SHOWN) {
		k->more = 1;
		return 1;
	}
	k->n++;
	char date[32];
	sr__web_date(v->created_at, date, sizeof(date));
	int cur = k->shown && strcmp(k->shown, v->version) == 0;
	k->rc = sr_html_printf(k->b, "<li%R><div class=\"v-head\"><a href=\"/%u/%u?version=%u\"%R>%s</a> "
				     "<time datetime=\"%s\">%s</time></div>",
			       cur ? " class=\"current\"" : "", k->sk->owner_handle, k->sk->slug, v->version,
			       cur ? " aria-current=\"page\"" : "", v->version, date, date);
	if (!k->rc && v->changelog && v->changelog[0])
		k->rc = sr_html_printf(k->b, "<p class=\"changelog\">%s</p>", v->changelog);
	if (!k->rc)
		k->rc = sr_buf_puts(k->b, "</li>");
	return k->rc;
}

/* ---- moderation ---- */

/*
 * The moderation state and the scanners' evidence for the version shown. Skills hidden,
 * removed or blocked as malware are not public and never reach a page; a suspicious one shows
 * a warning with every finding (rule, severity, file and line, excerpt). A clean version's
 * lesser findings, when it has any, stay available behind a disclosure. Reads: one primary-key
 * range of scan_findings, at most FINDINGS_SHOWN rows.
 */
#define FINDINGS_SHOWN 20

struct findings {
	sr_buf *b;
	const sr_skill *sk;
	const char *version;
	int n;
	int rc;
};

static int finding_row(void *ud, const void *row)
{
	const sr_finding_row *f = row;
	struct findings *k = ud;
	if (!k->n++)
		sr_buf_puts(k->b, "<ul class=\"findings\">");
	k->rc = sr_html_printf(k->b,
			       "<li><span class=\"badge sev-%u\">%s</span> <strong>%s</strong> "
			       "<a href=\"/%u/%u/file?version=%u&amp;path=%u\">%s:%d</a>",
			       f->severity, f->severity, f->title && f->title[0] ? f->title : f->rule_id,
			       k->sk->owner_handle, k->sk->slug, k->version, f->path, f->path, f->line);
	if (!k->rc && f->excerpt && f->excerpt[0])
		k->rc = sr_html_printf(k->b, "<pre class=\"excerpt\"><code>%s</code></pre>", f->excerpt);
	if (!k->rc)
		k->rc = sr_html_printf(k->b, " <span class=\"muted\">%s · %s</span></li>", f->rule_id, f->source);
	return k->rc;
}

static int render_findings(sr_req *req, sr_buf *b, const sr_skill *sk, const struct version *v, int *n)
{
	struct findings k = {b, sk, v->version, 0, 0};
	*n = 0;
	if (!v->found)
		return 0;
	int rc = sr_store_scan_findings(req->store, v->id, FINDINGS_SHOWN, finding_row, &k);
	if (k.n)
		sr_buf_puts(b, "</ul>");
	*n = k.n;
	return rc ? rc : k.rc;
}

static int render_scan_findings(sr_req *req, sr_buf *b, const sr_skill *sk, const struct info *i,
				const struct version *v)
{
	int n = 0, rc = 0;
	if (i->is_suspicious) {
		const char *code = i->reason[0] ? i->reason
				   : (i->flags & SR_FLAG_SUSPICIOUS) ? sr_flag_name(SR_FLAG_SUSPICIOUS)
								     : "scanner.suspicious";
		sr_html_printf(b,
			       "<section class=\"moderation moderation-warn\" id=\"scan-findings\" "
			       "aria-labelledby=\"mod-h\"><h2 id=\"mod-h\">Flagged as suspicious</h2>"
			       "<p>The registry's security checks flagged this skill. It stays public but is left "
			       "out of browse lists and search by default. Read its files before you install it.</p>"
			       "<p class=\"reason\">Reason code: <code>%s</code></p>",
			       code);
		rc = render_findings(req, b, sk, v, &n);
		if (!rc && !n)
			sr_buf_puts(b, "<p class=\"muted\">No scanner findings are recorded for this version; "
				       "the flag was set by a moderator or by an earlier version.</p>");
		sr_buf_puts(b, "</section>");
		return rc;
	}
	/* The shown version's own scan decides the label; a version never queued (published
	 * before scanning existed) falls back to the skill's verdict. */
	int state_of = v->found ? v->scan_state : SR_SCAN_NONE;
	int verdict = state_of == SR_SCAN_DONE ? v->scan_verdict : state_of == SR_SCAN_NONE ? i->verdict : SR_VERDICT_NONE;
	const char *state = state_of == SR_SCAN_PENDING ? "Scan pending"
			    : state_of == SR_SCAN_ERROR ? "Scan failed (a moderator can rescan it)"
			    : verdict == SR_VERDICT_CLEAN ? "Scanned: clean"
			    : verdict > SR_VERDICT_CLEAN  ? "Scanner findings reviewed by a moderator"
							  : "Not scanned yet";
	const char *cls = verdict == SR_VERDICT_CLEAN ? "badge-ok" : "badge-plain";
	sr_html_printf(b, "<div class=\"moderation moderation-ok\" id=\"scan-findings\"><p><span class=\"badge %R\">%s</span></p>",
		       cls, state);
	sr_buf notes;
	sr_buf_init(&notes, 256 * 1024);
	rc = render_findings(req, &notes, sk, v, &n);
	if (!rc && n) {
		sr_html_printf(b, "<details><summary>%d scanner note%R below the flagging threshold</summary>", n,
			       n == 1 ? "" : "s");
		sr__web_append(b, &notes);
		sr_buf_puts(b, "</details>");
	}
	sr_buf_deinit(&notes);
	sr_buf_puts(b, "</div>");
	return rc;
}

/* ---- tags ---- */

static void render_tags(sr_buf *b, const sr_skill *sk, const char *tags_json)
{
	json_t *t = json_loads(tags_json, 0, NULL);
	const char *tag;
	json_t *v;
	int n = 0;
	sr_buf_puts(b, "<ul class=\"tags\">");
	if (json_is_object(t))
		json_object_foreach(t, tag, v) {
			if (!json_is_string(v))
				continue;
			n++;
			sr_html_printf(b, "<li><span class=\"tag\">%s</span> <a href=\"/%u/%u?version=%u\">%s</a></li>", tag,
				       sk->owner_handle, sk->slug, json_string_value(v), json_string_value(v));
		}
	if (!n)
		sr_buf_puts(b, "<li>No tags.</li>");
	sr_buf_puts(b, "</ul>");
	json_decref(t);
}

/* ---- the skill page ---- */

/* The side column: install, stats, tags, the shown version's files (into *fk, which also
 * learns where SKILL.md is) and the newest versions. */
static int render_side(sr_req *req, sr_buf *side, const sr_skill *sk, const struct info *in,
		       const struct version *v, struct files *fk)
{
	int rc = 0;
	sr_html_printf(side,
		       "<section class=\"panel\" aria-labelledby=\"h-install\"><h2 id=\"h-install\">Install</h2>"
		       "<pre class=\"install\"><code>clawhub install %s</code></pre>"
		       "<p class=\"hint\">With <code>CLAWHUB_SITE</code> pointing at this registry.</p></section>"
		       "<section class=\"panel\" aria-labelledby=\"h-stats\"><h2 id=\"h-stats\">Stats</h2><dl class=\"stats\">"
		       "<div><dt>Downloads</dt><dd>%G</dd></div><div><dt>Installs</dt><dd>%G</dd></div>"
		       "<div><dt>Stars</dt><dd>%G</dd></div><div><dt>Versions</dt><dd>%G</dd></div></dl></section>"
		       "<section class=\"panel\" aria-labelledby=\"h-tags\"><h2 id=\"h-tags\">Tags</h2>",
		       sk->slug, in->downloads, in->installs, in->stars, in->versions);
	render_tags(side, sk, in->tags_json);
	sr_buf_puts(side, "</section>");
	if (v->found) {
		sr_html_printf(side, "<section class=\"panel\" aria-labelledby=\"h-files\"><h2 id=\"h-files\">Files "
				     "<span class=\"muted\">in %s</span></h2><ul class=\"files\">", v->version);
		rc = sr_store_version_files(req->store, v->id, file_row, fk);
		if (!rc)
			rc = fk->rc;
		sr_buf_puts(side, "</ul></section>");
	}
	if (rc)
		return rc;
	struct versions vk = {side, sk, v->found ? v->version : NULL, 0, 0, 0};
	sr_buf_puts(side, "<section class=\"panel\" aria-labelledby=\"h-versions\"><h2 id=\"h-versions\">"
			  "Versions</h2><ol class=\"versions\">");
	rc = sr_store_versions_page(req->store, sk->id, VERSIONS_SHOWN, 0, 0, 0, versions_row, &vk);
	if (!rc)
		rc = vk.rc;
	if (!vk.n)
		sr_buf_puts(side, "<li>No versions yet.</li>");
	sr_buf_puts(side, "</ol>");
	if (vk.more)
		sr_html_printf(side, "<p class=\"hint\">Older versions: <a href=\"/api/v1/skills/%u/versions?ownerHandle=%u\">"
				     "the versions API</a>.</p>", sk->slug, sk->owner_handle);
	sr_buf_puts(side, "</section>");
	return rc;
}

/* SKILL.md, rendered into readme; relative links open the file viewer on this version. An
 * unreadable blob leaves readme empty and marks the answer not to be kept. */
static int render_readme(sr_app *app, sr_resp *resp, const sr_skill *sk, const struct version *v,
			 const struct files *fk, sr_buf *md, sr_buf *readme)
{
	if (!fk->have_md || fk->md_size > SKILL_MD_MAX)
		return 0;
	if (sr_blob_read_cached(app->blobs, fk->md_sha, md) != 0) {
		resp->no_cache = 1; /* the blob could not be read: correct now, not to be kept */
		return 0;
	}
	sr_buf base;
	sr_buf_init(&base, 4096);
	sr_html_printf(&base, "/%u/%u/file?version=%u&path=", sk->owner_handle, sk->slug, v->version);
	int rc = sr_markdown_render(md->data ? md->data : "", md->len, base.data, readme);
	sr_buf_deinit(&base);
	return rc;
}

/* The page's header: breadcrumbs, name, summary, publisher, version and dates. */
static void render_head(sr_buf *b, const sr_skill *sk, const struct info *in, const struct version *v)
{
	char created[32], updated[32];
	sr__web_date(in->created_at, created, sizeof(created));
	sr__web_date(in->updated_at, updated, sizeof(updated));
	sr_html_printf(b,
		       "<article class=\"skill\"><header class=\"skill-head\">"
		       "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"/skills\">Skills</a></li>"
		       "<li><a href=\"/%u\">@%s</a></li><li aria-current=\"page\">%s</li></ol></nav>"
		       "<h1>%s</h1><p class=\"lead\">%s</p>"
		       "<p class=\"meta\">by <a href=\"/%u\">%s</a> · <span class=\"slug\">%s</span>",
		       sk->owner_handle, sk->owner_handle, sk->slug, in->display_name,
		       in->summary[0] ? in->summary : "No summary.", sk->owner_handle, in->owner_display, sk->slug);
	if (v->found)
		sr_html_printf(b, " · version <strong>%s</strong>", v->version);
	sr_html_printf(b, " · created <time datetime=\"%s\">%s</time> · updated <time datetime=\"%s\">%s</time></p>",
		       created, created, updated, updated);
}

/* The skill named by the request, the version it asks for (?version=, else the latest) and
 * the skill's row; on failure the error page is written and -1 returned. */
static int skill_load(sr_req *req, sr_resp *resp, const char *owner, const char *slug, sr_skill *sk,
		      struct info *in, struct version *v)
{
	const char *ver_q = sr_req_query(req, "version");
	if (ver_q && strlen(ver_q) > 256) {
		sr__web_error(req, resp, 400, "Which version?", "That is not a version number.");
		return -1;
	}
	char suffix[3 * 256 + 16] = ""; /* ?version= percent-encoded at its longest */
	if (ver_q && ver_q[0]) {
		sr_buf sb;
		sr_buf_init_fixed(&sb, suffix, sizeof(suffix));
		sr_html_printf(&sb, "?version=%u", ver_q);
	}
	if (find(req, resp, owner, slug, suffix, sk))
		return -1;
	int rc = sr_store_skill_by_id(req->store, sk->id, info_row, in);
	if (rc || !in->found) {
		sr__web_fail(req, resp, rc ? rc : SR_ENOTFOUND);
		return -1;
	}
	return pick_version(req, resp, sk, in->latest_version_id, v) ? -1 : 0;
}

void sr__web_skill(sr_app *app, sr_req *req, sr_resp *resp, const char *owner, const char *slug)
{
	req->route = "web-skill";
	sr_skill sk;
	struct info in = {0};
	struct version v;
	sr_buf side, md, readme;
	sr_buf_init(&side, 4u << 20);
	sr_buf_init(&md, SKILL_MD_MAX);
	sr_buf_init(&readme, 8u << 20);
	if (skill_load(req, resp, owner, slug, &sk, &in, &v))
		goto out;
	struct files fk = {.b = &side, .sk = &sk, .version = v.version};
	int rc = render_side(req, &side, &sk, &in, &v, &fk);
	if (!rc)
		rc = sr__web_publish_link(&side, &sk);
	if (!rc)
		rc = sr__web_transfer_panel(req, &side, &sk);
	if (!rc)
		rc = sr__web_appeal_panel(req, &side, &sk);
	if (!rc)
		rc = render_readme(app, resp, &sk, &v, &fk, &md, &readme);
	if (rc) {
		sr__web_fail(req, resp, rc);
		goto out;
	}
	sr_page p = {&resp->body, in.display_name, NULL, NULL};
	sr__web_begin(&p);
	sr_buf *b = p.b;
	render_head(b, &sk, &in, &v);
	if ((rc = render_scan_findings(req, b, &sk, &in, &v))) {
		sr__web_fail(req, resp, rc);
		goto out;
	}
	sr_buf_puts(b, "</header><div class=\"skill-body\"><section class=\"readme\" aria-labelledby=\"h-readme\">"
		       "<h2 id=\"h-readme\" class=\"vh\">SKILL.md</h2>");
	if (readme.len)
		sr__web_append(b, &readme);
	else if (!v.found)
		sr_buf_puts(b, "<p class=\"empty\">No version has been published yet.</p>");
	else
		sr_buf_puts(b, "<p class=\"empty\">This version has no SKILL.md to show.</p>");
	sr_buf_puts(b, "</section><aside class=\"side\" aria-label=\"About this skill\">");
	sr__web_append(b, &side);
	sr_buf_puts(b, "</aside></div></article>");
	sr__web_end(&p, resp, 200);
out:
	info_free(&in);
	sr_buf_deinit(&side);
	sr_buf_deinit(&md);
	sr_buf_deinit(&readme);
}

/* ---- the file viewer ---- */

/* Text a page can show: valid UTF-8 without NUL bytes. */
static int is_text(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		if (!len || c == 0 || i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

void sr__web_file(sr_app *app, sr_req *req, sr_resp *resp, const char *owner, const char *slug)
{
	req->route = "web-file";
	const char *path = sr_req_query(req, "path");
	const char *ver_q = sr_req_query(req, "version");
	if (!path || !path[0] || strlen(path) > SR_MAX_PATH || (ver_q && strlen(ver_q) > 256)) {
		sr__web_error(req, resp, 400, "Which file?", "Name a file of the skill with ?path= (and ?version=).");
		return;
	}
	/* What a redirect to the skill's current address keeps: room for both arguments
	 * percent-encoded at their longest, so neither is ever cut off. */
	char suffix[3 * (SR_MAX_PATH + 256) + 32] = "";
	{
		sr_buf sb;
		sr_buf_init_fixed(&sb, suffix, sizeof(suffix));
		int brc = sr_html_printf(&sb, "/file?path=%u", path);
		if (!brc && ver_q && ver_q[0])
			brc = sr_html_printf(&sb, "&version=%u", ver_q);
		if (brc) {
			sr__web_fail(req, resp, brc);
			return;
		}
	}
	sr_skill sk;
	if (find(req, resp, owner, slug, suffix, &sk))
		return;
	struct version v;
	if (pick_version(req, resp, &sk, sk.latest_version_id, &v))
		return;
	if (!v.found) {
		sr__web_error(req, resp, 404, "No such file", "This skill has no published version yet.");
		return;
	}
	/* One range over the version's files gives both the list beside the viewer and the
	 * viewed file's row. */
	sr_buf side, data;
	sr_buf_init(&side, 4u << 20);
	sr_buf_init(&data, FILE_VIEW_MAX);
	struct files fk = {.b = &side, .sk = &sk, .version = v.version, .current = path};
	int rc = sr_store_version_files(req->store, v.id, file_row, &fk);
	if (!rc)
		rc = fk.rc;
	if (rc) {
		sr__web_fail(req, resp, rc);
		goto out;
	}
	if (!fk.found) {
		sr__web_error(req, resp, 404, "No such file", "This version of the skill has no file by that name.");
		goto out;
	}
	int readable = 0;
	if (fk.size <= FILE_VIEW_MAX) {
		if (sr_blob_read_cached(app->blobs, fk.sha, &data) == 0)
			readable = 1;
		else
			resp->no_cache = 1;
	}
	char title[700], size[32];
	snprintf(title, sizeof(title), "%s · %s", path, sk.slug);
	sr__web_size(fk.size, size, sizeof(size));
	sr_page p = {&resp->body, title, NULL, NULL};
	sr__web_begin(&p);
	sr_buf *b = p.b;
	sr_html_printf(b,
		       "<article class=\"fileview\"><header class=\"skill-head\">"
		       "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"/%u\">@%s</a></li>"
		       "<li><a href=\"/%u/%u?version=%u\">%s</a></li><li>%s</li><li aria-current=\"page\">%s</li></ol></nav>"
		       "<h1 class=\"path\">%s</h1><p class=\"meta\">%s · %s · sha256 <code class=\"sha\">%s</code> · "
		       "<a href=\"/api/v1/skills/%u/file?ownerHandle=%u&amp;version=%u&amp;path=%u\">raw</a></p></header>"
		       "<div class=\"skill-body\"><section class=\"code-view\" aria-labelledby=\"h-code\">"
		       "<h2 id=\"h-code\" class=\"vh\">Contents</h2>",
		       sk.owner_handle, sk.owner_handle, sk.owner_handle, sk.slug, v.version, sk.slug, v.version, path,
		       path, size, fk.ctype[0] ? fk.ctype : "text/plain", fk.sha, sk.slug, sk.owner_handle, v.version, path);
	if (!readable && fk.size > FILE_VIEW_MAX)
		sr_buf_puts(b, "<p class=\"empty\">This file is too large to show here; use the raw link.</p>");
	else if (!readable)
		sr_buf_puts(b, "<p class=\"empty\">This file cannot be read right now.</p>");
	else if (!is_text((const unsigned char *)(data.data ? data.data : ""), data.len))
		sr_buf_puts(b, "<p class=\"empty\">This is a binary file; use the raw link to download it.</p>");
	else {
		sr_buf_puts(b, "<pre class=\"code\" tabindex=\"0\"><code>");
		sr_html_escn(b, data.data ? data.data : "", data.len);
		sr_buf_puts(b, "</code></pre>");
	}
	sr_html_printf(b, "</section><aside class=\"side\" aria-label=\"Files\"><section class=\"panel\" "
			  "aria-labelledby=\"h-files\"><h2 id=\"h-files\">Files <span class=\"muted\">in %s</span></h2>"
			  "<ul class=\"files\">", v.version);
	sr__web_append(b, &side);
	sr_buf_puts(b, "</ul></section></aside></div></article>");
	sr__web_end(&p, resp, 200);
out:
	sr_buf_deinit(&side);
	sr_buf_deinit(&data);
}
