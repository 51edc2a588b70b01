/*
 * orgs.c - org publishers on the web site: /orgs (the orgs one belongs to, with one's role,
 * one's open invitations to accept or decline, and a form to make a new org), /orgs/{handle}
 * (its members and, for its admins, the forms to change a role, remove a member, invite a
 * person and revoke an open invitation; the org's skills in every state), and the forms'
 * POSTs (/orgs/create, /orgs/{handle}/member, /remove, /invite, /revoke, /accept, /decline).
 *
 * The rules are the registry's: a new org follows POST /api/v1/publishers
 * (sr_publisher_create), a member change the accounts reference's role table
 * (sr_org_member_set, sr_org_member_remove), people join by invitation as on ClawHub
 * (sr_org_invite_send, sr_org_invite_answer, sr_org_invite_revoke), and each write is
 * audited as the API's are. A
 * refusal is shown in the API's words and status (sr_app.refusal_text). Every form carries the
 * CSRF token and is refused without it before this code runs (web.c's handle_post). An org's
 * page is for its members: anyone else is answered 404, as a skill page one may not read is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "registry/cursor.h"
#include "registry/registry.h"
#include "web/internal.h"
#include "web/signin.h"

#define ORGS_SHOWN 100
#define MEMBERS_SHOWN 200

/* The API's words and status for a refusal. */
static int refusal(sr_web_rq *rq, sr_regerr *err, char *text, size_t n)
{
	if (rq->app->refusal_text)
		return rq->app->refusal_text(rq->app, rq->req, err, text, n);
	snprintf(text, n, "Internal Server Error");
	return 500;
}

/* ---- /orgs ---- */

struct orgs_ctx {
	sr_buf *b;
	int n;
};

static int org_row(void *ud, const void *row)
{
	const sr_member_row *r = row;
	struct orgs_ctx *c = ud;
	c->n++;
	return sr_html_printf(c->b, "<tr><td><a href=\"/orgs/%u\">@%s</a></td><td>%s</td><td>%s</td></tr>", r->handle,
			      r->handle, r->display_name ? r->display_name : "", sr_member_role_name(r->role));
}

/* ---- invitations ---- */

#define INVITES_SHOWN 50
#define INVITES_BYTES (256 * 1024) /* INVITES_SHOWN rows of escaped handles and names */

struct invite_ctx {
	sr_buf *b;
	const char *csrf, *org; /* org: the org page's (its pending invitations), else NULL */
	int admin, n;
};

/* One open invitation: to the invited person, the org with Accept and Decline; to an org's
 * admins, the person with Revoke. */
static int invite_row(void *ud, const void *row)
{
	const sr_org_invite *v = row;
	struct invite_ctx *c = ud;
	char expires[32];
	sr__web_date(v->expires_at, expires, sizeof(expires));
	c->n++;
	if (c->org) {
		sr_html_printf(c->b, "<tr><td><a href=\"/%u\">@%s</a></td><td>%s</td><td>@%s</td><td>%s</td><td>", v->handle,
			       v->handle, sr_member_role_name(v->role), v->inviter ? v->inviter : "-", expires);
		if (c->admin)
			sr_html_printf(c->b,
				       "<form class=\"inline\" method=\"post\" action=\"/orgs/%u/revoke\">"
				       "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><input type=\"hidden\" name=\"invite\" "
				       "value=\"%L\"><button type=\"submit\">Revoke</button></form>",
				       c->org, c->csrf, v->id);
		return sr_buf_puts(c->b, "</td></tr>");
	}
	sr_html_printf(c->b,
		       "<tr><td>@%s</td><td>%s</td><td>%s</td><td>@%s</td><td>%s</td><td>"
		       "<form class=\"inline\" method=\"post\" action=\"/orgs/%u/accept\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><input type=\"hidden\" name=\"invite\" value=\"%L\">"
		       "<button type=\"submit\">Accept</button></form>"
		       "<form class=\"inline\" method=\"post\" action=\"/orgs/%u/decline\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><input type=\"hidden\" name=\"invite\" value=\"%L\">"
		       "<button type=\"submit\">Decline</button></form></td></tr>",
		       v->handle, v->display_name ? v->display_name : "", sr_member_role_name(v->role),
		       v->inviter ? v->inviter : "-", expires, v->handle, c->csrf, v->id, v->handle, c->csrf,
		       v->id);
	return 0;
}

/* The viewer's open invitations, when there are any. */
static int my_invitations(sr_web_rq *rq, sr_buf *b, const sr_user *u)
{
	sr_buf rows;
	sr_buf_init(&rows, INVITES_BYTES);
	struct invite_ctx c = {&rows, sr__web_csrf(rq), NULL, 0, 0};
	int rc = sr_store_org_invites_of_user(rq->req->store, u->id, sr_now_ms(), INVITES_SHOWN, invite_row, &c);
	if (!rc && c.n)
		sr_html_printf(b,
			       "<h2 id=\"org-invites\">Invitations</h2><p>An org's admin invited you; you become a member "
			       "when you accept.</p><div class=\"table-wrap\"><table class=\"table tokens invites\"><thead><tr>"
			       "<th>Org</th><th>Name</th><th>Role</th><th>Invited by</th><th>Open until</th><th></th></tr>"
			       "</thead><tbody>%R</tbody></table></div>",
			       rows.data ? rows.data : "");
	sr_buf_deinit(&rows);
	return rc;
}

/* The list and the create form; error (the API's words) when a creation was refused. */
static void orgs_page(sr_web_rq *rq, const sr_user *u, int status, const char *error, const char *handle,
		      const char *name)
{
	rq->resp->no_cache = 1;
	sr_page p = {&rq->resp->body, "Your orgs", NULL, NULL};
	sr__web_begin(&p);
	sr_buf *b = p.b;
	sr__web_account_nav(b, "orgs");
	sr_html_printf(b,
		       "<section aria-labelledby=\"orgs-h\"><h1 id=\"orgs-h\">Your orgs</h1>"
		       "<p class=\"lead\">The org publishers you belong to, and your role in each. An org owns skills "
		       "like a person; its members publish for it by their role.</p>"
		       "<div class=\"table-wrap\"><table class=\"table tokens orgs\"><thead><tr><th>Org</th><th>Name</th>"
		       "<th>Your role</th></tr></thead><tbody>");
	struct orgs_ctx c = {b, 0};
	int rc = sr_store_user_orgs(rq->req->store, u->id, ORGS_SHOWN, org_row, &c);
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	if (!c.n)
		sr_buf_puts(b, "<tr><td colspan=\"3\">You belong to no org yet.</td></tr>");
	sr_buf_puts(b, "</tbody></table></div>");
	if ((rc = my_invitations(rq, b, u))) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr_buf_puts(b, "<h2 id=\"org-new\">Create an org</h2>");
	if (error)
		sr_html_printf(b, "<div class=\"alert\" role=\"alert\" id=\"org-error\"><p>%s</p></div>", error);
	sr_html_printf(b,
		       "<form class=\"form org-form\" method=\"post\" action=\"/orgs/create\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		       "<p><label for=\"org-handle\">Handle</label><input id=\"org-handle\" name=\"handle\" required "
		       "maxlength=\"64\" value=\"%s\" placeholder=\"my-team\"></p>"
		       "<p><label for=\"org-name\">Display name</label><input id=\"org-name\" name=\"displayName\" "
		       "maxlength=\"128\" value=\"%s\"></p>"
		       "<p><button type=\"submit\">Create org</button></p></form></section>",
		       sr__web_csrf(rq), handle ? handle : "", name ? name : "");
	sr__web_end(&p, rq->resp, status);
}

void sr__web_orgs(sr_web_rq *rq)
{
	rq->req->route = "web-orgs";
	const sr_user *u = sr__web_need_viewer(rq, NULL);
	if (u)
		orgs_page(rq, u, 200, NULL, NULL, NULL);
}

static void org_create(sr_web_rq *rq, const sr_user *u)
{
	char raw[128] = "", handle[128] = "", name[256] = "";
	sr__web_form(rq->req, "handle", raw, sizeof(raw));
	sr__web_form(rq->req, "displayName", name, sizeof(name));
	sr_handle_normalize(raw, handle, sizeof(handle));
	sr_regerr err = {0};
	int64_t id = 0;
	int rc = handle[0] ? sr_publisher_create(rq->req->store, u, handle, name, &id, &err)
			   : sr_regerr_set(&err, SR_EINVAL, SR_WHY_HANDLE_MISSING, NULL);
	if (!rc) {
		char loc[160];
		snprintf(loc, sizeof(loc), "/orgs/%s", handle);
		sr__web_redirect(rq->resp, 303, loc);
		return;
	}
	char text[1024];
	int status = refusal(rq, &err, text, sizeof(text));
	orgs_page(rq, u, status, text, raw, name);
}

/* ---- /orgs/{handle} ---- */

/* The org a handle names and the viewer's role on it: 0, or non-zero after answering 404 (no
 * such org, or the viewer is not a member) or the failure. */
static int find_org(sr_web_rq *rq, const sr_user *u, const char *handle, sr_user *org, int *role)
{
	char h[128];
	sr_handle_normalize(handle, h, sizeof(h));
	int kind = SR_USER_PERSON;
	int rc = sr_store_user_by_handle(rq->req->store, h, org);
	if (!rc)
		rc = sr_store_user_kind(rq->req->store, org->id, &kind, NULL);
	if (!rc)
		rc = sr_publisher_role(rq->req->store, org->id, u, role);
	if (rc == SR_ENOTFOUND || (!rc && (kind != SR_USER_ORG || *role < SR_PUB_PUBLISHER))) {
		rq->req->route = "web-not-found";
		sr__web_error(rq->req, rq->resp, 404, "No such org",
			      "There is no org with this handle that you belong to.");
		return -1;
	}
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return -1;
	}
	return 0;
}

static const char *const roles[] = {"publisher", "admin", "owner"};

void sr__web_member_role_select(sr_buf *b, const char *id, int selected)
{
	sr_html_printf(b, "<select id=\"%s\" name=\"role\">", id);
	for (int r = SR_PUB_PUBLISHER; r <= SR_PUB_OWNER; r++)
		sr_html_printf(b, "<option value=\"%R\"%R>%R</option>", roles[r - 1], r == selected ? " selected" : "",
			       roles[r - 1]);
	sr_buf_puts(b, "</select>");
}

struct member_ctx {
	sr_buf *b;
	const char *org, *csrf;
	int admin;
};

static int member_row(void *ud, const void *row)
{
	const sr_member_row *r = row;
	struct member_ctx *c = ud;
	sr_html_printf(c->b, "<tr><td><a href=\"/%u\">@%s</a></td><td>%s</td><td>", r->handle, r->handle,
		       sr_member_role_name(r->role));
	if (c->admin) {
		char id[96];
		snprintf(id, sizeof(id), "role-%s", r->handle);
		sr_html_printf(c->b,
			       "<form class=\"inline\" method=\"post\" action=\"/orgs/%u/member\">"
			       "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><input type=\"hidden\" name=\"member\" "
			       "value=\"%s\"><label class=\"vh\" for=\"%s\">Role of @%s</label>",
			       c->org, c->csrf, r->handle, id, r->handle);
		sr__web_member_role_select(c->b, id, r->role);
		sr_html_printf(c->b,
			       "<button type=\"submit\">Change role</button></form>"
			       "<form class=\"inline\" method=\"post\" action=\"/orgs/%u/remove\">"
			       "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><input type=\"hidden\" name=\"member\" "
			       "value=\"%s\"><button type=\"submit\">Remove</button></form>",
			       c->org, c->csrf, r->handle);
	}
	return sr_buf_puts(c->b, "</td></tr>");
}

/* The members, with the admin's forms. */
static int members(sr_web_rq *rq, sr_buf *b, const sr_user *org, int admin)
{
	const char *csrf = sr__web_csrf(rq);
	sr_html_printf(b, "<h2 id=\"org-members\">Members</h2><div class=\"table-wrap\"><table class=\"table tokens members\">"
			  "<thead><tr><th>Member</th><th>Role</th><th></th></tr></thead><tbody>");
	struct member_ctx c = {b, org->handle, csrf, admin};
	int rc = sr_store_members(rq->req->store, org->id, MEMBERS_SHOWN, member_row, &c);
	if (rc)
		return rc;
	sr_buf_puts(b, "</tbody></table></div>");
	if (!admin)
		return 0;
	sr_buf rows;
	sr_buf_init(&rows, INVITES_BYTES);
	struct invite_ctx ic = {&rows, csrf, org->handle, admin, 0};
	rc = sr_store_org_invites_of_org(rq->req->store, org->id, sr_now_ms(), INVITES_SHOWN, invite_row, &ic);
	if (!rc)
		sr_html_printf(b,
			       "<h3 id=\"org-pending\">Pending invitations</h3><div class=\"table-wrap\"><table class=\"table "
			       "tokens pending\"><thead><tr><th>Person</th><th>Role</th><th>Invited by</th><th>Open until</th>"
			       "<th></th></tr></thead><tbody>%R</tbody></table></div>%R",
			       rows.data ? rows.data : "", ic.n ? "" : "<p class=\"muted\">None.</p>");
	sr_buf_deinit(&rows);
	if (rc)
		return rc;
	sr_html_printf(b,
		       "<h3 id=\"org-add\">Invite a member</h3><p>The person joins when they accept the invitation on "
		       "their Orgs page; it stays open for 7 days.</p>"
		       "<form class=\"form org-form\" method=\"post\" action=\"/orgs/%u/invite\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		       "<p><label for=\"add-member\">Handle</label><input id=\"add-member\" name=\"member\" required "
		       "maxlength=\"64\" placeholder=\"@handle\"></p><p><label for=\"add-role\">Role</label>",
		       org->handle, csrf);
	sr__web_member_role_select(b, "add-role", SR_PUB_PUBLISHER);
	sr_buf_puts(b, "</p><p><button type=\"submit\">Invite</button></p></form>");
	return 0;
}

void sr__web_org(sr_web_rq *rq, const char *handle)
{
	rq->req->route = "web-org";
	const sr_user *u = sr__web_need_viewer(rq, NULL);
	if (!u)
		return;
	sr_user org;
	int role, has_after;
	sr_cursor cur;
	if (find_org(rq, u, handle, &org, &role) || sr__web_owned_cursor(rq, &has_after, &cur))
		return;
	rq->resp->no_cache = 1;
	char title[96];
	snprintf(title, sizeof(title), "@%s", org.handle);
	sr_page p = {&rq->resp->body, title, NULL, NULL};
	sr__web_begin(&p);
	sr_buf *b = p.b;
	sr__web_account_nav(b, "orgs");
	sr_html_printf(b,
		       "<section aria-labelledby=\"org-h\"><h1 id=\"org-h\">%s <span class=\"muted\">@%s</span></h1>"
		       "<p class=\"lead\">Your role: %s. <a href=\"/%u\">Public page</a> · "
		       "<a class=\"button\" href=\"/publish?owner=%u\">Publish under @%s</a></p>",
		       org.display_name, org.handle, sr_member_role_name(role), org.handle, org.handle, org.handle);
	int rc = members(rq, b, &org, role >= SR_PUB_ADMIN);
	if (!rc) {
		char here[128];
		snprintf(here, sizeof(here), "/orgs/%s", org.handle);
		sr_html_printf(b, "<h2 id=\"org-skills\">Skills</h2>");
		/* The org's skills with an owner's view of their states: the reader is a member. */
		rc = sr__web_owned_skills(rq, b, &org, has_after, &cur, here, "This org has published no skill yet.");
	}
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr_buf_puts(b, "</section>");
	sr__web_end(&p, rq->resp, 200);
}

/* ---- the forms ---- */

static void member_post(sr_web_rq *rq, const sr_user *u, const char *handle, int remove)
{
	sr_user org;
	int role;
	if (find_org(rq, u, handle, &org, &role))
		return;
	char raw[128] = "", member[128] = "", rname[32] = "";
	sr__web_form(rq->req, "member", raw, sizeof(raw));
	sr__web_form(rq->req, "role", rname, sizeof(rname));
	sr_handle_normalize(raw, member, sizeof(member));
	sr_regerr err = {0};
	int rc = remove ? sr_org_member_remove(rq->req->store, u, org.handle, member, &err)
			: sr_org_member_set(rq->req->store, u, org.handle, member,
					    rname[0] ? sr_member_role_parse(rname) : SR_PUB_PUBLISHER, &err);
	if (!rc) {
		char loc[160];
		snprintf(loc, sizeof(loc), "/orgs/%s", org.handle);
		sr__web_redirect(rq->resp, 303, loc);
		return;
	}
	char text[1024];
	int status = refusal(rq, &err, text, sizeof(text));
	sr__web_error(rq->req, rq->resp, status, remove ? "Member not removed" : "Member not changed", text);
}

/* The invitation id a form posts. */
static int64_t form_invite(sr_web_rq *rq)
{
	char raw[32] = "";
	sr__web_form(rq->req, "invite", raw, sizeof(raw));
	char *end;
	long long id = strtoll(raw, &end, 10);
	return raw[0] && !*end && id > 0 ? (int64_t)id : 0;
}

/* POST /orgs/{org}/invite (an admin invites), /revoke (an admin withdraws an invitation), and
 * the invited person's /accept and /decline, who is no member yet: no membership needed. */
static void invite_post(sr_web_rq *rq, const sr_user *u, const char *handle, const char *action)
{
	sr_regerr err = {0};
	char loc[160], org_handle[128] = "";
	int rc;
	if (strcmp(action, "accept") == 0 || strcmp(action, "decline") == 0) {
		int accept = action[0] == 'a';
		rc = sr_org_invite_answer(rq->req->store, u, form_invite(rq), accept, org_handle, sizeof(org_handle), &err);
		snprintf(loc, sizeof(loc), accept ? "/orgs/%s" : "/orgs", org_handle);
	} else {
		sr_user org;
		int role;
		if (find_org(rq, u, handle, &org, &role))
			return;
		if (strcmp(action, "invite") == 0) {
			char raw[128] = "", member[128] = "", rname[32] = "";
			int64_t id = 0;
			sr__web_form(rq->req, "member", raw, sizeof(raw));
			sr__web_form(rq->req, "role", rname, sizeof(rname));
			sr_handle_normalize(raw, member, sizeof(member));
			rc = sr_org_invite_send(rq->req->store, u, org.handle, member,
						rname[0] ? sr_member_role_parse(rname) : SR_PUB_PUBLISHER, &id, &err);
		} else {
			rc = sr_org_invite_revoke(rq->req->store, u, org.handle, form_invite(rq), &err);
		}
		snprintf(loc, sizeof(loc), "/orgs/%s#org-pending", org.handle);
	}
	if (!rc) {
		sr__web_redirect(rq->resp, 303, loc);
		return;
	}
	char text[1024];
	int status = refusal(rq, &err, text, sizeof(text));
	sr__web_error(rq->req, rq->resp, status, "Invitation not changed", text);
}

void sr__web_org_post(sr_web_rq *rq, const char *handle, const char *action)
{
	static const char *const invites[] = {"invite", "revoke", "accept", "decline"};
	int create = !handle && strcmp(action, "create") == 0;
	int member = handle && strcmp(action, "member") == 0, remove = handle && strcmp(action, "remove") == 0;
	int invite = 0;
	for (size_t i = 0; handle && i < sizeof(invites) / sizeof(invites[0]); i++)
		invite |= strcmp(action, invites[i]) == 0;
	rq->req->route = create ? "web-org-create"
			 : member ? "web-org-member"
			 : remove ? "web-org-remove"
			 : invite ? "web-org-invite"
				  : "web-not-found";
	if (!create && !member && !remove && !invite) {
		sr__web_error(rq->req, rq->resp, 404, "Page not found", "There is no page at this address.");
		return;
	}
	const sr_user *u = sr__web_need_viewer(rq, "/orgs");
	if (!u)
		return;
	if (create)
		org_create(rq, u);
	else if (invite)
		invite_post(rq, u, handle, action);
	else
		member_post(rq, u, handle, remove);
}
