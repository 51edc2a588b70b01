/*
 * test_webpub.c - publishing from the browser and one's orgs on the web site: /publish (a
 * folder's files or a zip, the fields the upload fills when left blank, the refusals in the
 * API's own words and statuses, checked against the API's answer to the same upload, the
 * body ceiling that needs a session when the headers arrive, the CSRF token), the skill page's
 * "Publish a new version" link, and /orgs: a new org by POST /api/v1/publishers's rules,
 * members added, re-roled and removed by the org's admins as the role table says, each write
 * audited, and a publish under the org.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static srt_server S;

#define SIGNIN_TO_PUBLISH "Sign in to publish: a body this large needs a signed-in session."

static int group_setup(void **state)
{
	(void)state;
	if (srt_server_start(&S))
		return -1;
	char out[256];
	const char *add[] = {"user", "add", "carol", NULL};
	return srt_admin(&S, out, sizeof(out), add);
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

/* ---- the browser's side ---- */

/* A person signed in through the form: the session cookie and its CSRF token. */
typedef struct who {
	char cookie[128], csrf[80];
} who;

/* Signs handle in through the form (with a password set first when it has none). */
static void web_signin(const char *handle, who *w)
{
	if (srt_sql_int(&S, srt_fmt("SELECT COUNT(*) FROM user_passwords p JOIN users u ON u.id = p.user_id "
				    "WHERE u.handle = '%s'", handle)) == 0)
		srt_set_password(&S, handle);
	srt_web_signin(&S, handle, "/publish", w->cookie, sizeof(w->cookie), w->csrf, sizeof(w->csrf));
}

/* POSTs the upload form's parts to /publish with cookie (may be NULL). */
static void post_publish_expect(const char *cookie, const srt_part *parts, size_t n, int expect, srt_resp *r)
{
	size_t len;
	char *body = srt_multipart_body(parts, n, &len);
	const char *h[4] = {"Content-Type: multipart/form-data; boundary=" SRT_MP_BOUNDARY};
	int nh = 1;
	if (expect)
		h[nh++] = "Expect: 100-continue";
	if (cookie)
		h[nh++] = srt_fmt("Cookie: %s", cookie);
	srt_request(&S, "POST", "/publish", h, body, len, r);
	free(body);
}

static void post_publish(const char *cookie, const srt_part *parts, size_t n, srt_resp *r)
{
	post_publish_expect(cookie, parts, n, 0, r);
}

#define FIELD(name, value) {(name), NULL, NULL, (value), strlen(value)}
#define FILE_PART(name, path, text) {(name), (path), "text/plain", (text), strlen(text)}

static void expect_body(const srt_resp *r, const char *needle)
{
	if (!strstr(r->body, needle))
		fail_msg("answer (%ld) lacks: %s", r->status, needle);
}

/* text as the page's one escape function writes it. */
static const char *html(const char *text)
{
	static char out[2048];
	size_t o = 0;
	for (const char *c = text; *c && o + 8 < sizeof(out); c++) {
		const char *rep = *c == '"' ? "&quot;" : *c == '\'' ? "&#39;" : *c == '&' ? "&amp;" : *c == '<' ? "&lt;"
				  : *c == '>' ? "&gt;" : NULL;
		if (rep)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", rep);
		else
			out[o++] = *c;
	}
	out[o] = '\0';
	return out;
}

static long long audit(const char *action, const char *detail)
{
	return srt_sql_int(&S, srt_fmt("SELECT COUNT(*) FROM audit_log WHERE action = '%s' AND detail = '%s'", action,
				       detail));
}

#define SKILL_MD "---\nname: Folder Friend\ndescription: A skill sent as a folder.\n---\n# Folder Friend\n"

/* ---- /publish ---- */

static void test_publish_needs_a_session(void **state)
{
	(void)state;
	srt_resp r;
	srt_page(&S, NULL, "/publish", &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/signin?return_to=%2Fpublish");
	srt_resp_free(&r);
	/* A small form without a session or a token: the CSRF check refuses it. */
	srt_part parts[] = {FIELD("slug", "nobody"), FILE_PART("files", "x/SKILL.md", SKILL_MD)};
	post_publish(NULL, parts, 2, &r);
	SRT_EXPECT_STATUS(&r, 403);
	expect_body(&r, "Form expired");
	srt_resp_free(&r);
	/* A body past a form's ceiling is refused when the headers arrive, before it is read,
	 * without a session, or with one that is not valid. */
	size_t big = (1u << 20) + 4096;
	char *blob = malloc(big);
	memset(blob, 'a', big);
	srt_part bigp[] = {FIELD("slug", "nobody"), {"files", "x/big.txt", "text/plain", blob, big}};
	/* The client waits for "100 Continue" as curl does for a large body: the refusal comes
	 * instead, and none of the body is sent. */
	post_publish_expect(NULL, bigp, 2, 1, &r);
	SRT_EXPECT_TEXT(&r, 403, SIGNIN_TO_PUBLISH);
	srt_resp_free(&r);
	post_publish_expect("sr_session=not-a-session-at-all-000000000000000", bigp, 2, 1, &r);
	SRT_EXPECT_TEXT(&r, 403, SIGNIN_TO_PUBLISH);
	srt_resp_free(&r);
	/* With a valid session the same size is read and published. */
	who a;
	web_signin("alice", &a);
	srt_part okp[] = {FIELD("csrf", a.csrf), FIELD("acceptLicenseTerms", "true"),
			  FILE_PART("files", "big-one/SKILL.md", SKILL_MD), {"files", "big-one/big.txt", "text/plain", blob, big}};
	post_publish(a.cookie, okp, 4, &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/alice/big-one");
	srt_resp_free(&r);
	free(blob);
}

static void test_publish_folder_and_zip(void **state)
{
	(void)state;
	who a, b;
	web_signin("bob", &b);
	web_signin("alice", &a);
	srt_resp r;
	srt_page(&S, a.cookie, "/publish", &r);
	SRT_EXPECT_STATUS(&r, 200);
	expect_body(&r, "webkitdirectory");
	expect_body(&r, "enctype=\"multipart/form-data\"");
	srt_resp_free(&r);
	/* A folder: its name is the slug, SKILL.md's name the display name, 1.0.0 the version,
	 * and the files are what is inside the folder. */
	srt_part folder[] = {FIELD("csrf", a.csrf), FIELD("slug", ""), FIELD("version", ""), FIELD("tags", "latest, beta"),
			     FIELD("acceptLicenseTerms", "true"), FILE_PART("files", "folder-friend/SKILL.md", SKILL_MD),
			     FILE_PART("files", "folder-friend/docs/notes.txt", "notes\n"),
			     {"bundle", "", "application/octet-stream", "", 0}};
	/* Without the CSRF token, or with another person's, nothing is published. */
	post_publish(a.cookie, folder + 1, 7, &r);
	SRT_EXPECT_STATUS(&r, 403);
	srt_resp_free(&r);
	srt_part wrong = FIELD("csrf", b.csrf);
	srt_part saved = folder[0];
	folder[0] = wrong;
	post_publish(a.cookie, folder, 8, &r);
	SRT_EXPECT_STATUS(&r, 403);
	srt_resp_free(&r);
	folder[0] = saved;
	assert_int_equal(srt_sql_int(&S, "SELECT COUNT(*) FROM skills WHERE slug = 'folder-friend'"), 0);
	post_publish(a.cookie, folder, 8, &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/alice/folder-friend");
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/folder-friend", NULL, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	SRT_EXPECT_STR(json_object_get(j, "skill"), "displayName", "Folder Friend");
	SRT_EXPECT_STR(json_object_get(j, "latestVersion"), "version", "1.0.0");
	assert_non_null(json_object_get(json_object_get(json_object_get(j, "skill"), "tags"), "beta"));
	json_decref(j);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/folder-friend/file?path=docs/notes.txt", NULL, &r);
	SRT_EXPECT_TEXT(&r, 200, "notes\n");
	srt_resp_free(&r);
	/* A zip: the zip's name is the slug, SKILL.md's version the version. */
	const char *md = "---\nname: Zipped\nversion: 2.1.0\n---\n# Zipped\n";
	srt_file zf[] = {{"zipped-skill/SKILL.md", md, strlen(md), NULL}, {"zipped-skill/a.txt", "a\n", 2, NULL}};
	void *zip;
	size_t zlen;
	assert_int_equal(srt_zip_build(zf, 2, &zip, &zlen), 0);
	srt_part zp[] = {FIELD("csrf", a.csrf), FIELD("acceptLicenseTerms", "true"),
			 {"files", "", "application/octet-stream", "", 0}, {"bundle", "Zip-Pack.zip", "application/zip", zip, zlen}};
	post_publish(a.cookie, zp, 4, &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/alice/zip-pack");
	srt_resp_free(&r);
	free(zip);
	srt_get(&S, "/api/v1/skills/zip-pack", NULL, &r);
	j = SRT_EXPECT_JSON(&r, 200);
	SRT_EXPECT_STR(json_object_get(j, "latestVersion"), "version", "2.1.0");
	SRT_EXPECT_STR(json_object_get(j, "skill"), "displayName", "Zipped");
	json_decref(j);
	srt_resp_free(&r);
	assert_int_equal(srt_sql_int(&S, "SELECT COUNT(*) FROM audit_log WHERE action = 'skill.publish'") >= 2, 1);
	/* The skill page: the owner gets "Publish a new version" with the slug; bob does not. */
	srt_page(&S, a.cookie, "/alice/folder-friend", &r);
	SRT_EXPECT_STATUS(&r, 200);
	expect_body(&r, "href=\"/publish?owner=alice&amp;slug=folder-friend\"");
	srt_resp_free(&r);
	srt_page(&S, b.cookie, "/alice/folder-friend", &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_null(strstr(r.body, "Publish a new version"));
	srt_resp_free(&r);
	srt_page(&S, a.cookie, "/publish?owner=alice&slug=folder-friend", &r);
	SRT_EXPECT_STATUS(&r, 200);
	expect_body(&r, "name=\"slug\" maxlength=\"100\" value=\"folder-friend\"");
	srt_resp_free(&r);
	/* A new version with its version left blank: the next patch. */
	srt_part next[] = {FIELD("csrf", a.csrf), FIELD("owner", "alice"), FIELD("slug", "folder-friend"),
			   FIELD("acceptLicenseTerms", "true"), FILE_PART("files", "ff/SKILL.md", SKILL_MD)};
	post_publish(a.cookie, next, 5, &r);
	SRT_EXPECT_STATUS(&r, 303);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/folder-friend", NULL, &r);
	j = SRT_EXPECT_JSON(&r, 200);
	SRT_EXPECT_STR(json_object_get(j, "latestVersion"), "version", "1.0.1");
	json_decref(j);
	srt_resp_free(&r);
}

/* The page refuses an upload with the status and words the API answers the same upload with. */
static void same_refusal(const who *a, srt_part *web, size_t nweb, const char *payload, const srt_part *api,
			 size_t napi, long status, const char *text)
{
	srt_resp r;
	srt_part *all = calloc(napi + 1, sizeof(*all));
	all[0] = (srt_part){"payload", NULL, "application/json", payload, strlen(payload)};
	memcpy(all + 1, api, napi * sizeof(*api));
	srt_multipart(&S, S.tok_alice, all, napi + 1, &r);
	SRT_EXPECT_TEXT(&r, status, text);
	srt_resp_free(&r);
	free(all);
	post_publish(a->cookie, web, nweb, &r);
	SRT_EXPECT_STATUS(&r, status);
	expect_body(&r, srt_fmt("<div class=\"alert\" role=\"alert\" id=\"pub-error\"><p>%s</p></div>", html(text)));
	srt_resp_free(&r);
}

static void test_refusals_in_the_api_words(void **state)
{
	(void)state;
	who a;
	web_signin("alice", &a);
	srt_resp r;
	srt_part md = FILE_PART("files", "SKILL.md", SKILL_MD);
	/* No license. */
	srt_part nolic[] = {FIELD("csrf", a.csrf), FIELD("slug", "refused-one"), FIELD("displayName", "R"),
			    FIELD("version", "1.0.0"), md};
	same_refusal(&a, nolic, 5, "{\"slug\":\"refused-one\",\"displayName\":\"R\",\"version\":\"1.0.0\"}", &md, 1, 400,
		     "MIT-0 license terms must be accepted to publish skills");
	/* No SKILL.md. */
	srt_part other = FILE_PART("files", "readme.txt", "hi\n");
	srt_part nomd[] = {FIELD("csrf", a.csrf), FIELD("slug", "refused-two"), FIELD("displayName", "R"),
			   FIELD("version", "1.0.0"), FIELD("acceptLicenseTerms", "true"), other};
	same_refusal(&a, nomd, 6,
		     "{\"slug\":\"refused-two\",\"displayName\":\"R\",\"version\":\"1.0.0\",\"acceptLicenseTerms\":true}",
		     &other, 1, 400, "SKILL.md is required");
	/* A zip that is none. */
	static const char notzip[] = "PK\x03\x04 not a zip";
	srt_part badzip = {"bundle", "b.zip", "application/zip", notzip, sizeof(notzip) - 1};
	srt_part zipf[] = {FIELD("csrf", a.csrf), FIELD("slug", "refused-three"), FIELD("acceptLicenseTerms", "true"),
			   badzip};
	same_refusal(&a, zipf, 4,
		     "{\"slug\":\"refused-three\",\"displayName\":\"R\",\"version\":\"1.0.0\",\"acceptLicenseTerms\":true}",
		     &badzip, 1, 400, "Invalid zip bundle");
	/* More files than a publish takes, from a folder. */
	enum { TOO_MANY = 2001 };
	srt_part *many = calloc(TOO_MANY + 5, sizeof(*many));
	char (*names)[32] = calloc(TOO_MANY, sizeof(*names));
	many[0] = (srt_part)FIELD("csrf", a.csrf);
	many[1] = (srt_part)FIELD("slug", "refused-four");
	many[2] = (srt_part)FIELD("acceptLicenseTerms", "true");
	many[3] = md;
	for (int i = 0; i < TOO_MANY; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d.txt", i);
		many[4 + i] = (srt_part){"files", names[i], "text/plain", "x", 1};
	}
	same_refusal(&a, many, TOO_MANY + 4,
		     "{\"slug\":\"refused-four\",\"displayName\":\"R\",\"version\":\"1.0.0\",\"acceptLicenseTerms\":true}",
		     many + 3, TOO_MANY + 1, 400, "Too many files (at most 2000)");
	free(many);
	free(names);
	/* A slug the slug rules refuse: the rules' own sentence. */
	srt_part badslug[] = {FIELD("csrf", a.csrf), FIELD("slug", "Bad Slug!"), FIELD("displayName", "R"),
			      FIELD("version", "1.0.0"), FIELD("acceptLicenseTerms", "true"), md};
	srt_resp api;
	srt_part all[] = {{"payload", NULL, "application/json",
			   "{\"slug\":\"Bad Slug!\",\"displayName\":\"R\",\"version\":\"1.0.0\",\"acceptLicenseTerms\":true}", 0},
			  md};
	all[0].len = strlen(all[0].data);
	srt_multipart(&S, S.tok_alice, all, 2, &api);
	assert_int_equal(api.status, 400);
	same_refusal(&a, badslug, 6, all[0].data, &md, 1, 400, api.body);
	srt_resp_free(&api);
	/* A version that exists (zip-pack 2.1.0 from the test before). */
	srt_part again[] = {FIELD("csrf", a.csrf), FIELD("slug", "zip-pack"), FIELD("displayName", "Zipped"),
			    FIELD("version", "2.1.0"), FIELD("acceptLicenseTerms", "true"), md};
	same_refusal(&a, again, 6,
		     "{\"slug\":\"zip-pack\",\"displayName\":\"Zipped\",\"version\":\"2.1.0\",\"acceptLicenseTerms\":true}",
		     &md, 1, 400, "Version 2.1.0 already exists. Increment the version number and try again.");
	/* The refused form comes back with its values. */
	post_publish(a.cookie, badslug, 6, &r);
	expect_body(&r, "value=\"Bad Slug!\"");
	srt_resp_free(&r);
	assert_int_equal(srt_sql_int(&S, "SELECT COUNT(*) FROM skills WHERE slug LIKE 'refused-%'"), 0);
}

/* ---- /orgs ---- */

static void expect_post(const who *w, const char *path, const char *form, long status, const char *needle)
{
	srt_resp r;
	srt_post_form(&S, w ? w->cookie : NULL, path, form, &r);
	SRT_EXPECT_STATUS(&r, status);
	if (needle)
		expect_body(&r, needle);
	srt_resp_free(&r);
}

static void expect_page(const who *w, const char *path, long status, const char *needle, const char *absent)
{
	srt_resp r;
	srt_page(&S, w ? w->cookie : NULL, path, &r);
	SRT_EXPECT_STATUS(&r, status);
	if (needle)
		expect_body(&r, needle);
	if (absent && strstr(r.body, absent))
		fail_msg("%s has: %s", path, absent);
	srt_resp_free(&r);
}

static void test_orgs(void **state)
{
	(void)state;
	who a, b, c;
	srt_resp r;
	web_signin("alice", &a);
	web_signin("bob", &b);
	web_signin("carol", &c);
	srt_page(&S, NULL, "/orgs", &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/signin?return_to=%2Forgs");
	srt_resp_free(&r);
	/* Creating: CSRF, the API's handle rules and words, then the org. */
	expect_post(&a, "/orgs/create", "handle=web-team", 403, "Form expired");
	expect_post(&a, "/orgs/create", srt_fmt("csrf=%s&handle=skills", a.csrf), 400,
		    html("Handle \"@skills\" is reserved for ClawHub routes. Choose a different handle."));
	expect_post(&a, "/orgs/create", srt_fmt("csrf=%s&handle=", a.csrf), 400, "Missing handle");
	expect_post(&a, "/orgs/create", srt_fmt("csrf=%s&handle=%%40Web-Team&displayName=Web+Team", a.csrf), 303, NULL);
	expect_post(&b, "/orgs/create", srt_fmt("csrf=%s&handle=web-team", b.csrf), 409,
		    html("Publisher \"@web-team\" already exists"));
	assert_int_equal(audit("publisher.create", "web-team"), 1);
	expect_page(&a, "/orgs", 200, "<a href=\"/orgs/web-team\">@web-team</a></td><td>Web Team</td><td>owner</td>", NULL);
	expect_page(&a, "/orgs/web-team", 200, "Invite a member", NULL);
	/* Someone else's org is no page of theirs. */
	expect_page(&b, "/orgs/web-team", 404, "No such org", NULL);
	expect_post(&b, "/orgs/web-team/member", srt_fmt("csrf=%s&member=bob&role=owner", b.csrf), 404, NULL);
	expect_page(NULL, "/orgs/web-team", 303, NULL, NULL);
	/* People join by invitation (ClawHub's createMemberInvite): CSRF, an unknown handle, an
	 * org's, a banned account's, a member's, a role change of a non-member; then bob invited
	 * as a publisher and audited, but no member until he accepts. */
	expect_post(&a, "/orgs/web-team/invite", "member=bob&role=publisher", 403, "Form expired");
	expect_post(&a, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=nobody-here&role=publisher", a.csrf), 404,
		    "User not found");
	expect_post(&a, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=web-team&role=publisher", a.csrf), 404,
		    "User not found");
	expect_post(&a, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=mallory&role=publisher", a.csrf), 404,
		    "User not found");
	expect_post(&a, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=alice&role=publisher", a.csrf), 409,
		    "@alice is a member already: change their role instead.");
	expect_post(&a, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=bob&role=boss", a.csrf), 400,
		    "Invalid member role: use owner, admin or publisher");
	expect_post(&a, "/orgs/web-team/member", srt_fmt("csrf=%s&member=bob&role=publisher", a.csrf), 404,
		    "@bob is not a member of this org: invite them.");
	expect_post(&b, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=bob&role=owner", b.csrf), 404, "No such org");
	assert_int_equal(srt_sql_int(&S, "SELECT COUNT(*) FROM org_invites"), 0);
	expect_post(&a, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=%%40bob&role=publisher", a.csrf), 303, NULL);
	assert_int_equal(audit("publisher.invite", "web-team bob publisher"), 1);
	expect_post(&a, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=bob&role=admin", a.csrf), 409,
		    "@bob has a pending invitation to this org already.");
	expect_page(&a, "/orgs/web-team", 200, "<td><a href=\"/bob\">@bob</a></td><td>publisher</td><td>@alice</td>", NULL);
	expect_page(&b, "/orgs/web-team", 404, "No such org", NULL);
	expect_page(&b, "/orgs", 200, "<tr><td>@web-team</td><td>Web Team</td><td>publisher</td><td>@alice</td>", NULL);
	expect_page(&c, "/orgs", 200, NULL, "id=\"org-invites\"");
	long long inv = srt_sql_int(&S, "SELECT id FROM org_invites WHERE status = 0");
	/* Only bob answers it; then it is closed. */
	expect_post(&c, "/orgs/web-team/accept", srt_fmt("csrf=%s&invite=%lld", c.csrf, inv), 404, "Invitation not found");
	expect_post(&b, "/orgs/web-team/accept", srt_fmt("csrf=%s&invite=%lld", b.csrf, inv + 1000), 404,
		    "Invitation not found");
	expect_post(&b, "/orgs/web-team/accept", srt_fmt("csrf=%s&invite=%lld", b.csrf, inv), 303, NULL);
	assert_int_equal(audit("publisher.invite.accept", "web-team bob publisher"), 1);
	expect_post(&b, "/orgs/web-team/decline", srt_fmt("csrf=%s&invite=%lld", b.csrf, inv), 409,
		    "This invitation is no longer open");
	expect_page(&b, "/orgs/web-team", 200, "Your role: publisher", "Invite a member");
	expect_page(&b, "/orgs", 200, NULL, "id=\"org-invites\"");
	/* A publisher manages nobody; an admin invites publishers and admins, not owners. */
	expect_post(&b, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=carol&role=publisher", b.csrf), 403, "Forbidden");
	expect_post(&a, "/orgs/web-team/member", srt_fmt("csrf=%s&member=bob&role=admin", a.csrf), 303, NULL);
	expect_post(&b, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=carol&role=owner", b.csrf), 403, "Forbidden");
	expect_post(&b, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=carol&role=publisher", b.csrf), 303, NULL);
	inv = srt_sql_int(&S, "SELECT id FROM org_invites WHERE status = 0");
	expect_post(&c, "/orgs/web-team/accept", srt_fmt("csrf=%s&invite=%lld", c.csrf, inv), 303, NULL);
	assert_int_equal(audit("publisher.invite.accept", "web-team carol publisher"), 1);
	expect_post(&b, "/orgs/web-team/member", srt_fmt("csrf=%s&member=bob&role=owner", b.csrf), 403, "Forbidden");
	expect_post(&b, "/orgs/web-team/remove", srt_fmt("csrf=%s&member=alice", b.csrf), 403, "Forbidden");
	expect_post(&a, "/orgs/web-team/member", srt_fmt("csrf=%s&member=bob&role=boss", a.csrf), 400,
		    "Invalid member role: use owner, admin or publisher");
	/* An invitation declined, one revoked (an owner's: by an owner only), one expired. */
	who d;
	web_signin("boss", &d);
	expect_post(&a, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=boss&role=owner", a.csrf), 303, NULL);
	inv = srt_sql_int(&S, "SELECT id FROM org_invites WHERE status = 0");
	expect_post(&b, "/orgs/web-team/revoke", srt_fmt("csrf=%s&invite=%lld", b.csrf, inv), 403, "Forbidden");
	expect_post(&a, "/orgs/web-team/revoke", srt_fmt("csrf=%s&invite=%lld", a.csrf, inv), 303, NULL);
	assert_int_equal(audit("publisher.invite.revoke", "web-team boss owner"), 1);
	expect_post(&d, "/orgs/web-team/accept", srt_fmt("csrf=%s&invite=%lld", d.csrf, inv), 409,
		    "This invitation is no longer open");
	expect_post(&a, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=boss&role=publisher", a.csrf), 303, NULL);
	inv = srt_sql_int(&S, "SELECT id FROM org_invites WHERE status = 0");
	expect_post(&d, "/orgs/web-team/decline", srt_fmt("csrf=%s&invite=%lld", d.csrf, inv), 303, NULL);
	assert_int_equal(audit("publisher.invite.decline", "web-team boss publisher"), 1);
	expect_post(&a, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=boss&role=publisher", a.csrf), 303, NULL);
	inv = srt_sql_int(&S, "SELECT id FROM org_invites WHERE status = 0");
	assert_int_equal(srt_sql(&S, srt_fmt("UPDATE org_invites SET expires_at = 1 WHERE id = %lld", inv)), 1);
	expect_page(&d, "/orgs", 200, NULL, "id=\"org-invites\"");
	expect_post(&d, "/orgs/web-team/accept", srt_fmt("csrf=%s&invite=%lld", d.csrf, inv), 409,
		    "This invitation is no longer open");
	/* An expired invitation makes way for a new one. */
	expect_post(&a, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=boss&role=publisher", a.csrf), 303, NULL);
	assert_int_equal(srt_sql_int(&S, srt_fmt("SELECT status FROM org_invites WHERE id = %lld", inv)), 4);
	assert_int_equal(srt_sql_int(&S, "SELECT COUNT(*) FROM publisher_members m JOIN users u ON u.id = m.user_id "
					 "WHERE u.handle = 'boss'"),
			 0);
	/* Someone else's invitation is not found, open or closed (no probing of its state). */
	expect_post(&c, "/orgs/web-team/accept", srt_fmt("csrf=%s&invite=%lld", c.csrf, inv), 404, "Invitation not found");
	/* An admin inviting an owner: a member already (not a refusal of the owner's role). */
	expect_post(&b, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=alice&role=publisher", b.csrf), 409,
		    "@alice is a member already: change their role instead.");
	/* An invitation speaks for its inviter: bob, an admin, invites erin; demoted before she
	 * answers, his invitation no longer makes her a member. */
	char tok_erin[128];
	who e;
	srt_make_user(&S, "erin", "user", tok_erin, sizeof(tok_erin));
	web_signin("erin", &e);
	expect_post(&b, "/orgs/web-team/invite", srt_fmt("csrf=%s&member=erin&role=publisher", b.csrf), 303, NULL);
	inv = srt_sql_int(&S, "SELECT i.id FROM org_invites i JOIN users u ON u.id = i.user_id WHERE u.handle = 'erin'");
	expect_post(&a, "/orgs/web-team/member", srt_fmt("csrf=%s&member=bob&role=publisher", a.csrf), 303, NULL);
	expect_post(&e, "/orgs/web-team/accept", srt_fmt("csrf=%s&invite=%lld", e.csrf, inv), 409,
		    "This invitation is no longer open");
	expect_page(&e, "/orgs/web-team", 404, "No such org", NULL);
	expect_post(&a, "/orgs/web-team/member", srt_fmt("csrf=%s&member=bob&role=admin", a.csrf), 303, NULL);
	expect_post(&e, "/orgs/web-team/accept", srt_fmt("csrf=%s&invite=%lld", e.csrf, inv), 303, NULL);
	expect_page(&e, "/orgs/web-team", 200, "Your role: publisher", NULL);
	/* The last owner stays. */
	expect_post(&a, "/orgs/web-team/remove", srt_fmt("csrf=%s&member=alice", a.csrf), 400,
		    "Publisher must have at least one owner");
	expect_post(&a, "/orgs/web-team/member", srt_fmt("csrf=%s&member=alice&role=admin", a.csrf), 400,
		    "Publisher must have at least one owner");
	/* Publishing under the org from the upload form, by a member. */
	srt_part pub[] = {FIELD("csrf", c.csrf), FIELD("owner", "web-team"), FIELD("slug", "crew-helper"),
			  FIELD("acceptLicenseTerms", "true"), FILE_PART("files", "SKILL.md", SKILL_MD)};
	post_publish(c.cookie, pub, 5, &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/web-team/crew-helper");
	srt_resp_free(&r);
	expect_page(&a, "/orgs/web-team", 200, "<span class=\"slug\">crew-helper</span>", NULL);
	expect_page(&c, "/publish", 200, "<option value=\"web-team\">@web-team (publisher)</option>", NULL);
	/* Removed, carol may no longer publish for it: the API's words. */
	expect_post(&b, "/orgs/web-team/remove", srt_fmt("csrf=%s&member=carol", b.csrf), 303, NULL);
	assert_int_equal(audit("publisher.member.remove", "web-team carol"), 1);
	srt_part again[] = {FIELD("csrf", c.csrf), FIELD("owner", "web-team"), FIELD("slug", "crew-helper"),
			    FIELD("version", "1.0.1"), FIELD("acceptLicenseTerms", "true"),
			    FILE_PART("files", "SKILL.md", SKILL_MD)};
	post_publish(c.cookie, again, 6, &r);
	SRT_EXPECT_STATUS(&r, 400);
	expect_body(&r, html("You do not have publish access for \"@web-team\". Ask an owner or admin of \"@web-team\" to add you."));
	srt_resp_free(&r);
	expect_page(&c, "/orgs/web-team", 404, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_needs_a_session),
		cmocka_unit_test(test_publish_folder_and_zip),
		cmocka_unit_test(test_refusals_in_the_api_words),
		cmocka_unit_test(test_orgs),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
