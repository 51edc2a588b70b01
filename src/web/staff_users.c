/*
 * staff_users.c - accounts in the staff console: /staff/users finds a person or an org by
 * handle and lists the banned accounts (the latest 50 bans), /staff/users/HANDLE shows the
 * account (kind, role, creation, ban, its orgs or its members) with the forms staff may use on it, and the posts those forms make: a ban and an
 * unban (moderators and admins), a role change (admins), and the platform admin's org tools
 * (ensure an org with a member and a role, remove a member).
 *
 * The actions run the domain functions the command line and the API run (moderation's
 * accounts.h for `skillreg user ban|unban|role`, registry's sr_publisher_ensure and
 * sr_publisher_member_remove for POST /api/v1/users/publisher[-member]), which check who may
 * act and audit the change in its transaction. Each page is one index lookup and one bounded
 * range (docs/staff.md).
 */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "moderation/accounts.h"
#include "moderation/staff.h"
#include "registry/registry.h"
#include "web/staff.h"

/* Memberships shown on an account's page; one more is read to say there are more. */
#define MEMBERS_SHOWN 25
#define HANDLE_MAX 128

static int is_admin(const sr_user *u)
{
	return u->role == SR_ROLE_ADMIN;
}

static void redirect_to_account(sr_web_rq *rq, const char *handle, const char *done)
{
	sr_buf loc;
	sr_buf_init(&loc, 1024);
	sr_html_printf(&loc, "/staff/users/%u%R%R", handle, done ? "?done=" : "", done ? done : "");
	sr__web_redirect(rq->resp, 303, loc.data && !loc.failed ? loc.data : "/staff/users");
	sr_buf_deinit(&loc);
}

/* The start of an org tool's form (action "ensure" or "remove") and its org: fixed on the
 * org's page, typed in on /staff/users (org NULL). */
static void org_form_begin(sr_buf *b, const char *csrf, const char *org, const char *action, const char *legend)
{
	sr_html_printf(b,
		       "<form class=\"form staff-action\" method=\"post\" action=\"/staff/orgs/%R\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><fieldset><legend>%R</legend>",
		       action, csrf, legend);
	if (org)
		sr_html_printf(b, "<input type=\"hidden\" name=\"org\" value=\"%s\">", org);
	else
		sr_html_printf(b, "<p><label for=\"%R-org\">Org handle</label><input id=\"%R-org\" name=\"org\" required "
				  "maxlength=\"40\"></p>",
			       action, action);
}

/* The org tools' two forms: ensure an org and a member, remove a member. */
static void org_forms(sr_buf *b, const char *csrf, const char *org)
{
	sr_buf_puts(b, "<h2>Org tools</h2>");
	org_form_begin(b, csrf, org, "ensure", "Ensure an org and a member");
	if (!org)
		sr_buf_puts(b, "<p><label for=\"org-name\">Display name (new orgs)</label>"
			       "<input id=\"org-name\" name=\"display_name\" maxlength=\"100\"></p>");
	sr_buf_puts(b, "<p><label for=\"org-member\">Member handle</label><input id=\"org-member\" name=\"member\" "
		       "maxlength=\"40\"></p><p><label for=\"org-role\">Member role</label>");
	sr__web_member_role_select(b, "org-role", SR_PUB_PUBLISHER);
	sr_buf_puts(b, "</p><p><button type=\"submit\">Ensure</button></p></fieldset></form>");
	org_form_begin(b, csrf, org, "remove", "Remove a member");
	sr_buf_puts(b, "<p><label for=\"rm-member\">Member handle</label><input id=\"rm-member\" name=\"member\" required "
		       "maxlength=\"40\"></p><p><button type=\"submit\">Remove</button></p></fieldset></form>");
}

/* ---- /staff/users ---- */

/* Banned accounts listed on /staff/users; one more is read to say there are more. */
#define BANNED_SHOWN 50

struct banned_ctx {
	sr_buf *b;
	int n;
};

static int banned_row(void *ud, const void *row)
{
	const sr_account_row *r = row;
	struct banned_ctx *c = ud;
	if (++c->n > BANNED_SHOWN)
		return 0;
	char when[32];
	sr__web_date(r->banned_at, when, sizeof(when));
	return sr_html_printf(c->b, "<tr><td><a href=\"/staff/users/%u\">@%s</a></td><td>%s</td><td>%s</td></tr>",
			      r->handle, r->handle, when, r->ban_reason ? r->ban_reason : "");
}

/* The banned accounts, the latest ban first, each linked to its page (where the unban is). */
static int banned_list(sr_web_rq *rq, sr_buf *b)
{
	struct banned_ctx c = {b, 0};
	sr_buf_puts(b, "<h2 id=\"banned-h\">Banned accounts</h2><div class=\"table-wrap\"><table class=\"table banned\">"
		       "<thead><tr><th>Account</th><th>Banned on</th><th>Reason</th></tr></thead><tbody>");
	int rc = sr_store_staff_banned(rq->req->store, BANNED_SHOWN + 1, banned_row, &c);
	if (rc)
		return rc;
	if (!c.n)
		sr_buf_puts(b, "<tr><td colspan=\"3\">No account is banned.</td></tr>");
	sr_buf_puts(b, "</tbody></table></div>");
	if (c.n > BANNED_SHOWN)
		sr_html_printf(b, "<p class=\"muted\">The latest %d bans; open an older one by its handle.</p>", BANNED_SHOWN);
	return 0;
}

static void users_page(sr_web_rq *rq, const sr_user *u, int status, const char *message)
{
	rq->req->route = "web-staff-users";
	const char *q = sr_req_query(rq->req, "q");
	char handle[HANDLE_MAX] = "";
	sr_handle_normalize(q ? q : "", handle, sizeof(handle));
	if (!message && handle[0]) {
		redirect_to_account(rq, handle, NULL);
		return;
	}
	if (!message && q) {
		message = "Name the account by its handle.";
		status = 400;
	}
	sr_page p = {&rq->resp->body, "Users and orgs", NULL, NULL};
	sr__web_staff_begin(&p, "users", "Users and orgs", message, 0);
	sr_buf_puts(p.b, "<form class=\"form\" method=\"get\" action=\"/staff/users\"><p><label for=\"user-find\">A user "
			 "or an org (handle)</label><input id=\"user-find\" name=\"q\" required maxlength=\"64\" "
			 "placeholder=\"@handle\"></p><p><button type=\"submit\">Open</button></p></form>");
	int rc = banned_list(rq, p.b);
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	if (is_admin(u))
		org_forms(p.b, sr__web_csrf(rq), NULL);
	sr__web_staff_end(&p, rq->resp, status);
}

/* ---- /staff/users/HANDLE ---- */

struct account_ctx {
	sr_buf *b;
	int64_t id;
	int role, kind, banned;
};

static int account_row(void *ud, const void *row)
{
	const sr_account_row *r = row;
	struct account_ctx *c = ud;
	char created[32], banned[32];
	c->id = r->id;
	c->role = r->role;
	c->kind = r->kind;
	c->banned = r->banned_at != 0;
	sr__web_date(r->created_at, created, sizeof(created));
	/* A banned account has no public page (it answers 404): its handle is not linked. */
	if (c->banned)
		sr_html_printf(c->b, "<dl class=\"staff-state\"><dt>Handle</dt><dd>@%s</dd>", r->handle);
	else
		sr_html_printf(c->b, "<dl class=\"staff-state\"><dt>Handle</dt><dd><a href=\"/%u\">@%s</a></dd>", r->handle,
			       r->handle);
	sr_html_printf(c->b,
		       "<dt>Display name</dt><dd>%s</dd><dt>Kind</dt><dd id=\"account-kind\">%R</dd><dt>Role</dt>"
		       "<dd id=\"account-role\">%R</dd><dt>Created</dt><dd>%s</dd><dt>Standing</dt><dd id=\"account-standing\">",
		       r->display_name ? r->display_name : "", r->kind == SR_USER_ORG ? "org" : "user", sr_role_name(r->role),
		       created);
	if (!c->banned)
		return sr_html_printf(c->b, "in good standing</dd></dl>");
	sr__web_date(r->banned_at, banned, sizeof(banned));
	return sr_html_printf(c->b, "banned on %s: %s</dd></dl>", banned, r->ban_reason ? r->ban_reason : "");
}

struct membership_ctx {
	sr_buf *b;
	int n, more;
};

static int membership_row(void *ud, const void *row)
{
	const sr_member_row *r = row;
	struct membership_ctx *c = ud;
	if (c->n == MEMBERS_SHOWN) {
		c->more = 1;
		return 1;
	}
	c->n++;
	return sr_html_printf(c->b, "<li><a href=\"/staff/users/%u\">@%s</a> <span class=\"badge badge-plain\">%s</span></li>",
			      r->handle, r->handle, sr_member_role_name(r->role));
}

/* A person's orgs or an org's members: one range of the members' key, capped. */
static int memberships(sr_web_rq *rq, const struct account_ctx *a)
{
	struct membership_ctx c = {a->b, 0, 0};
	int org = a->kind == SR_USER_ORG;
	sr_html_printf(a->b, "<h2>%R</h2><ul class=\"staff-members\">", org ? "Members" : "Orgs");
	int rc = org ? sr_store_members(rq->req->store, a->id, MEMBERS_SHOWN + 1, membership_row, &c)
		     : sr_store_user_orgs(rq->req->store, a->id, MEMBERS_SHOWN + 1, membership_row, &c);
	sr_buf_puts(a->b, "</ul>");
	if (!rc && !c.n)
		sr_html_printf(a->b, "<p class=\"muted\">%R</p>", org ? "No members." : "No orgs.");
	if (!rc && c.more)
		sr_html_printf(a->b, "<p class=\"muted\">The first %d; there are more.</p>", MEMBERS_SHOWN);
	return rc;
}

static void ban_form(sr_buf *b, const char *csrf, const char *handle)
{
	sr_html_printf(b,
		       "<form class=\"form staff-action\" method=\"post\" action=\"/staff/users/%u/ban\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><fieldset><legend>Ban</legend>"
		       "<p class=\"muted\">Its tokens and sessions stop working and its skills are hidden.</p>"
		       "<p><label for=\"reason-ban\">Reason</label><input id=\"reason-ban\" name=\"reason\" maxlength=\"500\"></p>"
		       "<p><button type=\"submit\">Ban</button></p></fieldset></form>",
		       handle, csrf);
}

static void unban_form(sr_buf *b, const char *csrf, const char *handle)
{
	sr_html_printf(b,
		       "<form class=\"form staff-action\" method=\"post\" action=\"/staff/users/%u/unban\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><fieldset><legend>Unban</legend>"
		       "<p class=\"muted\">Its skills come back as they were before the ban. Its old tokens and "
		       "sessions stay revoked: the person signs in again.</p>"
		       "<p><label for=\"reason-unban\">Reason</label><input id=\"reason-unban\" name=\"reason\" "
		       "maxlength=\"500\"></p><p><button type=\"submit\">Unban</button></p></fieldset></form>",
		       handle, csrf);
}

static void role_form(sr_buf *b, const char *csrf, const char *handle, int current)
{
	sr_html_printf(b,
		       "<form class=\"form staff-action\" method=\"post\" action=\"/staff/users/%u/role\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><fieldset><legend>Change the role</legend>"
		       "<p><label for=\"role-choice\">Role</label><select id=\"role-choice\" name=\"role\">",
		       handle, csrf);
	for (int r = SR_ROLE_USER; r <= SR_ROLE_ADMIN; r++)
		sr_html_printf(b, "<option value=\"%R\"%R>%R</option>", sr_role_name(r), r == current ? " selected" : "",
			       sr_role_name(r));
	sr_buf_puts(b, "</select></p><p><label for=\"reason-role\">Reason</label><input id=\"reason-role\" name=\"reason\" "
		       "maxlength=\"500\"></p><p><button type=\"submit\">Change the role</button></p></fieldset></form>");
}

/* The forms the viewer may use on this account, as the domain functions allow them. */
static void account_forms(sr_web_rq *rq, const sr_user *u, const struct account_ctx *a, const char *handle)
{
	const char *csrf = sr__web_csrf(rq);
	int self = a->id == u->id;
	int may_ban = !a->banned && !self && (is_admin(u) || a->role != SR_ROLE_ADMIN);
	int may_unban = a->banned && (is_admin(u) || a->role != SR_ROLE_ADMIN);
	int may_set_role = is_admin(u) && a->kind != SR_USER_ORG;
	sr_buf_puts(a->b, "<h2>Actions</h2><div class=\"staff-actions\">");
	if (may_ban)
		ban_form(a->b, csrf, handle);
	if (may_unban)
		unban_form(a->b, csrf, handle);
	if (may_set_role)
		role_form(a->b, csrf, handle, a->role);
	sr_buf_puts(a->b, "</div>");
	if (!may_ban && !may_unban && !may_set_role && !(is_admin(u) && a->kind == SR_USER_ORG))
		sr_buf_puts(a->b, "<p class=\"muted\">Nothing you may do here.</p>");
	if (is_admin(u) && a->kind == SR_USER_ORG)
		org_forms(a->b, csrf, handle);
}

static const char *done_text(const char *done)
{
	static const char *const words[][2] = {{"ban", "Banned."},
					       {"unban", "Unbanned."},
					       {"role", "Role changed."},
					       {"ensure", "The org is as asked."},
					       {"remove", "Member removed."},
					       {"kept", "Not a member: nothing removed."}};
	for (size_t i = 0; done && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(done, words[i][0]) == 0)
			return words[i][1];
	return NULL;
}

static void account_page(sr_web_rq *rq, const sr_user *u, const char *handle_in, int status, const char *message)
{
	rq->req->route = "web-staff-user";
	char handle[HANDLE_MAX];
	sr_handle_normalize(handle_in, handle, sizeof(handle));
	const char *done = message ? NULL : done_text(sr_req_query(rq->req, "done"));
	char heading[HANDLE_MAX + 1];
	snprintf(heading, sizeof(heading), "@%s", handle);
	sr_page p = {&rq->resp->body, heading, NULL, NULL};
	sr__web_staff_begin(&p, "users", heading, done ? done : message, done != NULL);
	struct account_ctx a = {p.b, 0, 0, 0, 0};
	int rc = sr_store_staff_account(rq->req->store, handle, account_row, &a);
	if (!rc)
		rc = memberships(rq, &a);
	if (rc == SR_ENOTFOUND) {
		sr__web_error(rq->req, rq->resp, 404, "Account not found", "No user or org has this handle.");
		return;
	}
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	account_forms(rq, u, &a, handle);
	sr__web_staff_end(&p, rq->resp, status);
}

/* ---- the posts ---- */

/* A refusal on a page with the form again: the account's (handle), or /staff/users (NULL: the
 * org tools, whose org may not exist). */
static void refused(sr_web_rq *rq, const sr_user *u, const char *handle, const sr_regerr *err)
{
	const char *text = sr__web_staff_refusal_text(err);
	if (!text)
		sr__web_fail(rq->req, rq->resp, err->code ? err->code : SR_EDB);
	else if (handle && err->why != SR_WHY_USER_NOT_FOUND)
		account_page(rq, u, handle, sr__web_staff_refusal_status(err), text);
	else
		users_page(rq, u, sr__web_staff_refusal_status(err), text);
}

/* An action's end: back to the account's page saying what was done, or the refusal on the
 * page of the form (refusal_page, as refused() takes it). */
static void finish(sr_web_rq *rq, const sr_user *u, int rc, const sr_regerr *err, const char *refusal_page,
		   const char *handle, const char *done)
{
	if (rc)
		refused(rq, u, refusal_page, err);
	else
		redirect_to_account(rq, handle, done);
}

/* A handle posted in field key, normalized as the API normalizes one. */
static void form_handle(sr_web_rq *rq, const char *key, char *out, size_t n)
{
	char raw[HANDLE_MAX] = "";
	sr__web_form(rq->req, key, raw, sizeof(raw));
	sr_handle_normalize(raw, out, n);
}

/* POST /staff/users/HANDLE/ACTION, ACTION one of ban, unban and role. */
static void account_action(sr_web_rq *rq, const sr_user *u, const char *handle_in, const char *action)
{
	rq->req->route = "web-staff-user-action";
	char handle[HANDLE_MAX], reason[SR_WEB_STAFF_REASON_MAX] = "", role[16] = "";
	sr_handle_normalize(handle_in, handle, sizeof(handle));
	sr__web_form(rq->req, "reason", reason, sizeof(reason));
	sr__web_form(rq->req, "role", role, sizeof(role));
	sr_regerr err = {0};
	sr_store *s = rq->req->store;
	int rc = strcmp(action, "role") == 0  ? sr_account_set_role(s, u, handle, sr_role_parse(role), reason, &err)
		 : strcmp(action, "ban") == 0 ? sr_account_ban(s, u, handle, reason, &err)
					      : sr_account_unban(s, u, handle, reason, &err);
	finish(rq, u, rc, &err, handle, handle, action);
}

static int account_action_name(const char *a)
{
	return strcmp(a, "ban") == 0 || strcmp(a, "unban") == 0 || strcmp(a, "role") == 0;
}

/* POST /staff/orgs/ensure and /staff/orgs/remove: the admin routes' domain calls. */
static void org_action(sr_web_rq *rq, const sr_user *u, int remove)
{
	rq->req->route = "web-staff-org-action";
	char org[HANDLE_MAX], member[HANDLE_MAX], role[16] = "", name[256] = "";
	form_handle(rq, "org", org, sizeof(org));
	form_handle(rq, "member", member, sizeof(member));
	sr__web_form(rq->req, "role", role, sizeof(role));
	sr__web_form(rq->req, "display_name", name, sizeof(name));
	sr_regerr err = {0};
	int rc, removed = 0, created = 0;
	int64_t id = 0;
	if (remove) {
		rc = member[0] ? sr_publisher_member_remove(rq->req->store, u, org, member, &removed, &err)
			       : sr_regerr_set(&err, SR_ENOTFOUND, SR_WHY_USER_NOT_FOUND, NULL);
		finish(rq, u, rc, &err, NULL, org, removed ? "remove" : "kept");
		return;
	}
	sr_org_ensure e = {org, name[0] ? name : NULL, -1, member[0] ? member : NULL,
			   role[0] ? sr_member_role_parse(role) : SR_PUB_PUBLISHER};
	rc = sr_publisher_ensure(rq->req->store, u, &e, &id, &created, &err);
	finish(rq, u, rc, &err, NULL, org, "ensure");
}

int sr__web_staff_users(sr_web_rq *rq, const sr_user *u, char **seg, int n, int post)
{
	const char *s1 = n > 1 ? seg[1] : "";
	if (!post && n == 2 && strcmp(s1, "users") == 0)
		users_page(rq, u, 200, NULL);
	else if (!post && n == 3 && strcmp(s1, "users") == 0)
		account_page(rq, u, seg[2], 200, NULL);
	else if (post && n == 4 && strcmp(s1, "users") == 0 && account_action_name(seg[3]))
		account_action(rq, u, seg[2], seg[3]);
	else if (post && n == 3 && strcmp(s1, "orgs") == 0 && (strcmp(seg[2], "ensure") == 0 || strcmp(seg[2], "remove") == 0))
		org_action(rq, u, strcmp(seg[2], "remove") == 0);
	else
		return 0;
	return 1;
}
