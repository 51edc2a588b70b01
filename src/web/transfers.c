/*
 * transfers.c - ownership transfers on the web site: /settings/transfers, where a signed-in
 * person answers the requests made to them (accept, reject), cancels their own, and reads
 * the history of both; the forms it and the skill page post (/settings/transfers/request,
 * /accept, /reject, /cancel); and the skill page's panel of owner actions.
 *
 * Every form carries the CSRF token (sr__web_csrf) and is refused before any of this code runs
 * without it (web.c's handle_post). The rules are the registry's (registry/transfer.c), the
 * same the API follows; only the words of a refusal are this file's, for a person reading a
 * page rather than a client reading a status.
 */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "registry/registry.h"
#include "registry/slug.h"
#include "web/internal.h"
#include "web/signin.h"

#define HISTORY_SHOWN 50

/* What a page says about a refusal. */
static const char *refusal_text(const sr_regerr *err)
{
	switch (err->why) {
	case SR_WHY_SKILL_NOT_FOUND: return "There is no such skill.";
	case SR_WHY_FORBIDDEN: return "You may not give this skill away: only its owner (or an admin of its org) may.";
	case SR_WHY_TO_USER_REQUIRED: return "Say who should take the skill.";
	case SR_WHY_USER_NOT_FOUND: return "There is no such user.";
	case SR_WHY_PUBLISHER_NOT_FOUND: return "There is no such publisher.";
	case SR_WHY_NO_ADMIN_ACCESS: return "You are not an admin of that org.";
	case SR_WHY_TRANSFER_PENDING: return "A transfer of this skill is already waiting for an answer.";
	case SR_WHY_NO_PENDING_TRANSFER: return "There is no transfer of this skill waiting for you.";
	case SR_WHY_ACCEPT_MODERATION:
	case SR_WHY_TRANSFER_MODERATION: return "The skill is under moderation and cannot change owner now.";
	case SR_WHY_TRANSFER_INVALID: return "The person who asked may no longer give this skill away; the request has ended.";
	case SR_WHY_DEST_HAS_SKILL:
	case SR_WHY_DEST_HAS_ALIAS:
	case SR_WHY_MIGRATE_DEST_HAS_SKILL: return "The new owner already has a skill or a redirect with this slug.";
	case SR_WHY_TRANSFER_MESSAGE_REQUIRED: return "Say why this deleted skill changes owner.";
	default: return NULL;
	}
}

/* ---- the forms ---- */

static void posted(sr_web_rq *rq, const char *action)
{
	static const char *const words[] = {"accept", "reject", "cancel"};
	char owner[64] = "", raw[128] = "", slug[128] = "", to[128] = "", message[1024] = "";
	sr__web_form(rq->req, "owner", owner, sizeof(owner));
	sr__web_form(rq->req, "slug", raw, sizeof(raw));
	const sr_user *u = sr__web_need_viewer(rq, "/settings/transfers");
	if (!u)
		return;
	sr_regerr err = {0};
	sr_skill sk;
	int rc = sr_slug_normalize(raw, slug, sizeof(slug)) ? sr_regerr_set(&err, SR_ENOTFOUND, SR_WHY_SKILL_NOT_FOUND, NULL)
							    : sr_transfer_lookup(rq->req->store, slug, owner[0] ? owner : NULL,
										 u, &sk, &err);
	if (!rc && strcmp(action, "request") == 0) {
		sr__web_form(rq->req, "to", to, sizeof(to));
		int has_message = sr__web_form(rq->req, "message", message, sizeof(message));
		sr_transfer_req tr = {to, 0, has_message ? message : NULL};
		sr_transfer_out out;
		rc = sr_transfer_request(rq->req->store, &sk, u, &tr, &out, &err);
	} else if (!rc) {
		int d = -1;
		for (int i = 0; i < 3; i++)
			if (strcmp(action, words[i]) == 0)
				d = i;
		rc = sr_transfer_decide(rq->req->store, &sk, u, d, &err);
	}
	if (!rc) {
		sr__web_redirect(rq->resp, 303, "/settings/transfers");
		return;
	}
	const char *text = refusal_text(&err);
	if (!text) {
		sr__web_fail(rq->req, rq->resp, err.code ? err.code : SR_EDB);
		return;
	}
	sr__web_error(rq->req, rq->resp, err.code == SR_ENOTFOUND ? 404 : err.code == SR_EPERM ? 403 : 400,
		      "Transfer not done", text);
}

void sr__web_transfer_post(sr_web_rq *rq, const char *action)
{
	static const char *const routes[][2] = {{"request", "web-transfer-request"},
						{"accept", "web-transfer-accept"},
						{"reject", "web-transfer-reject"},
						{"cancel", "web-transfer-cancel"}};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(action, routes[i][0]) == 0) {
			rq->req->route = routes[i][1];
			posted(rq, action);
			return;
		}
	rq->req->route = "web-not-found";
	sr__web_error(rq->req, rq->resp, 404, "Page not found", "There is no page at this address.");
}

/* One form with the skill's owner and slug, the CSRF token and one button. */
static void form(sr_buf *b, const char *action, const char *owner, const char *slug, const char *csrf,
		 const char *label)
{
	sr_html_printf(b,
		       "<form class=\"inline\" method=\"post\" action=\"/settings/transfers/%R\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		       "<input type=\"hidden\" name=\"owner\" value=\"%s\"><input type=\"hidden\" name=\"slug\" value=\"%s\">"
		       "<button type=\"submit\" name=\"do\" value=\"%R\">%s</button></form>",
		       action, csrf, owner, slug, action, label);
}

/* ---- /settings/transfers ---- */

struct live_ctx {
	sr_buf *b;
	sr_store *s;
	const char *csrf;
	int outgoing, n;
};

static int live_row(void *ud, const void *row)
{
	const sr_transfer_row *r = row;
	struct live_ctx *c = ud;
	char requested[32], expires[32];
	sr__web_date(r->created_at, requested, sizeof(requested));
	sr__web_date(r->expires_at, expires, sizeof(expires));
	c->n++;
	sr_html_printf(c->b, "<tr><td><a href=\"/%u/%u\">%s</a></td><td>@%s</td><td>%s</td><td>%s</td><td>%s</td><td>",
		       r->owner_handle, r->slug, r->display_name ? r->display_name : r->slug, r->other_handle,
		       r->message ? r->message : "", requested, expires);
	if (c->outgoing) {
		form(c->b, "cancel", r->owner_handle, r->slug, c->csrf, "Cancel");
	} else {
		form(c->b, "accept", r->owner_handle, r->slug, c->csrf, "Accept");
		form(c->b, "reject", r->owner_handle, r->slug, c->csrf, "Reject");
	}
	sr_buf_puts(c->b, "</td></tr>");
	return 0;
}

struct hist_ctx {
	sr_buf *b;
	int n;
};

static int hist_row(void *ud, const void *row)
{
	const sr_transfer_hist_row *r = row;
	struct hist_ctx *c = ud;
	char requested[32], ended[32] = "";
	sr__web_date(r->created_at, requested, sizeof(requested));
	if (r->resolved_at)
		sr__web_date(r->resolved_at, ended, sizeof(ended));
	/* A request past its time is marked expired only when next met; it reads as expired. */
	int status = r->status == SR_TRANSFER_PENDING && r->expires_at < sr_now_ms() ? SR_TRANSFER_EXPIRED : r->status;
	const char *by = status == SR_TRANSFER_EXPIRED ? "" : r->resolved_by == r->from_user_id ? r->from_handle
							   : r->resolved_by == r->to_user_id   ? r->to_handle
											       : "";
	c->n++;
	sr_html_printf(c->b,
		       "<tr><td>%s</td><td>@%s</td><td>@%s</td><td><span class=\"badge\">%s</span></td><td>%s</td>"
		       "<td>%s</td><td>%R%s</td></tr>",
		       r->slug, r->from_handle, r->to_handle, sr_transfer_status_name(status), requested, ended,
		       by && by[0] ? "@" : "", by ? by : "");
	return 0;
}

static const char *const hist_head = "<table class=\"table\"><thead><tr><th>Skill</th><th>From</th><th>To</th>"
				     "<th>State</th><th>Requested</th><th>Ended</th><th>By</th></tr></thead><tbody>";

static int history(sr_store *s, sr_buf *b, int which, int64_t id, const char *id_attr, const char *title)
{
	sr_html_printf(b, "<h2 id=\"%R\">%s</h2>%R", id_attr, title, hist_head);
	struct hist_ctx c = {b, 0};
	int rc = sr_store_transfer_history(s, which, id, HISTORY_SHOWN, hist_row, &c);
	if (!c.n)
		sr_buf_puts(b, "<tr><td colspan=\"7\">None.</td></tr>");
	sr_buf_puts(b, "</tbody></table>");
	return rc;
}

static int live(sr_store *s, sr_buf *b, int64_t user_id, int outgoing, const char *csrf)
{
	sr_html_printf(b,
		       "<h2 id=\"%R\">%R</h2><table class=\"table\"><thead><tr><th>Skill</th><th>%R</th><th>Message</th>"
		       "<th>Requested</th><th>Expires</th><th></th></tr></thead><tbody>",
		       outgoing ? "tr-out" : "tr-in", outgoing ? "Sent, waiting for an answer" : "Asked of you",
		       outgoing ? "To" : "From");
	struct live_ctx c = {b, s, csrf, outgoing, 0};
	int rc = sr_transfers_pending(s, user_id, outgoing, live_row, &c);
	if (!c.n)
		sr_html_printf(b, "<tr><td colspan=\"6\">%R</td></tr>",
			       outgoing ? "No outgoing transfers." : "No incoming transfers.");
	sr_buf_puts(b, "</tbody></table>");
	return rc;
}

void sr__web_transfers(sr_web_rq *rq)
{
	rq->req->route = "web-transfers";
	const sr_user *u = sr__web_need_viewer(rq, NULL);
	if (!u)
		return;
	sr_page p = {&rq->resp->body, "Transfers", NULL, NULL};
	sr__web_begin(&p);
	sr_html_printf(p.b,
		       "<section aria-labelledby=\"tr-h\"><h1 id=\"tr-h\">Transfers</h1>"
		       "<p>Skills people ask you to take, and the skills you offered. A request ends when it is "
		       "answered, cancelled, or seven days after it was made.</p>");
	const char *csrf = sr__web_csrf(rq);
	sr_store *s = rq->req->store;
	int rc = live(s, p.b, u->id, 0, csrf);
	if (!rc)
		rc = live(s, p.b, u->id, 1, csrf);
	if (!rc)
		rc = history(s, p.b, SR_TRANSFER_HIST_IN, u->id, "tr-hist-in", "History: asked of you");
	if (!rc)
		rc = history(s, p.b, SR_TRANSFER_HIST_OUT, u->id, "tr-hist-out", "History: sent by you");
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr_buf_puts(p.b, "</section>");
	sr__web_end(&p, rq->resp, 200);
}

/* ---- the skill page's owner actions ---- */

int sr__web_transfer_panel(sr_req *req, sr_buf *side, const sr_skill *sk)
{
	sr_web_rq *rq = sr__web_rq();
	const sr_user *u = rq ? sr__web_viewer(rq) : NULL;
	if (!u)
		return 0;
	int manager = 0, rc = sr_may_act(req->store, sk->owner_id, u, SR_PUB_ADMIN, &manager);
	if (rc)
		return rc;
	int staff = u->role == SR_ROLE_ADMIN || u->role == SR_ROLE_MODERATOR;
	sr_transfer t;
	rc = sr_store_transfer_pending(req->store, sk->id, &t);
	if (rc && rc != SR_ENOTFOUND)
		return rc;
	int pending = rc == 0 && t.expires_at >= sr_now_ms();
	int mine = pending && (t.to_user_id == u->id || t.from_user_id == u->id);
	if (!manager && !staff && !mine && u->role != SR_ROLE_ADMIN)
		return 0;
	const char *csrf = sr__web_csrf(rq);
	sr_buf_puts(side, "<section class=\"panel\" aria-labelledby=\"h-owner\"><h2 id=\"h-owner\">Ownership</h2>");
	if (pending) {
		sr_user from, to;
		if ((rc = sr_store_user_by_id(req->store, t.from_user_id, &from)) ||
		    (rc = sr_store_user_by_id(req->store, t.to_user_id, &to)))
			return rc;
		char expires[32];
		sr__web_date(t.expires_at, expires, sizeof(expires));
		sr_html_printf(side, "<p class=\"transfer-pending\">@%s asked @%s to take this skill (until %s).</p>", from.handle,
			       to.handle, expires);
		if (t.to_user_id == u->id) {
			form(side, "accept", sk->owner_handle, sk->slug, csrf, "Accept");
			form(side, "reject", sk->owner_handle, sk->slug, csrf, "Reject");
		}
		if (t.from_user_id == u->id)
			form(side, "cancel", sk->owner_handle, sk->slug, csrf, "Cancel the transfer");
	} else if (manager || u->role == SR_ROLE_ADMIN) {
		sr_html_printf(side,
			       "<form class=\"form\" method=\"post\" action=\"/settings/transfers/request\">"
			       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
			       "<input type=\"hidden\" name=\"owner\" value=\"%s\"><input type=\"hidden\" name=\"slug\" value=\"%s\">"
			       "<p><label for=\"tr-to\">Transfer to (a user, or an org you administer)</label>"
			       "<input id=\"tr-to\" name=\"to\" required maxlength=\"64\" placeholder=\"@handle\"></p>"
			       "<p><label for=\"tr-msg\">Message</label><input id=\"tr-msg\" name=\"message\" maxlength=\"500\"></p>"
			       "<p><button type=\"submit\">Transfer ownership</button></p></form>",
			       csrf, sk->owner_handle, sk->slug);
	}
	if (manager || staff)
		rc = history(req->store, side, SR_TRANSFER_HIST_SKILL, sk->id, "h-owner-hist", "Transfer history");
	sr_html_printf(side, "<p class=\"hint\"><a href=\"/settings/transfers\">Your transfers</a></p></section>");
	return rc;
}
