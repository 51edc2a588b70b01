/*
 * appeals.c - an owner's appeals against a verdict or a hide: the panel on the skill page,
 * the page /settings/appeals/OWNER/SLUG (which a hidden or removed skill, absent from the
 * public pages, is appealed from; the dashboard links to it), and the form both post,
 * /settings/appeals/file. Staff decide appeals in the console (staff_post.c); the owner sees
 * each appeal's status and the decision's reason here.
 *
 * The rules are moderation/staff.c's (sr_appeal_file), the same the API's appeal route
 * follows; only the words of a refusal are this file's.
 */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "moderation/staff.h"
#include "registry/modstate.h"
#include "registry/registry.h"
#include "registry/slug.h"
#include "web/staff.h"

#define APPEALS_SHOWN 20

struct list_ctx {
	sr_buf *b;
	int n;
};

static int appeal_row(void *ud, const void *row)
{
	const sr_case_row *r = row;
	struct list_ctx *c = ud;
	c->n++;
	char when[32], decided[32] = "";
	sr__web_date(r->created_at, when, sizeof(when));
	if (r->decided_at)
		sr__web_date(r->decided_at, decided, sizeof(decided));
	return sr_html_printf(c->b,
			      "<tr><td>%s</td><td>%s</td><td><span class=\"badge badge-plain appeal-status\">%s</span></td>"
			      "<td class=\"case-text\">%s</td><td>%s%R%s</td></tr>",
			      r->version, when, sr_appeal_status_name(r->status), r->text, decided, decided[0] ? " " : "",
			      r->note ? r->note : "");
}

int sr__web_appeal_list(sr_store *s, sr_buf *b, int64_t skill_id)
{
	sr_buf_puts(b, "<div class=\"table-wrap\"><table class=\"table appeals\"><thead><tr><th>Version</th><th>Filed</th>"
		       "<th>Status</th><th>Message</th><th>Decision</th></tr></thead><tbody>");
	struct list_ctx c = {b, 0};
	int rc = sr_store_appeals_of_skill(s, skill_id, APPEALS_SHOWN, appeal_row, &c);
	sr_buf_puts(b, c.n ? "</tbody></table></div>" : "</tbody></table></div><p class=\"muted\">No appeals yet.</p>");
	return rc;
}

/* Whether there is anything to contest: what moderation/staff.c accepts an appeal for. */
static int appealable(const sr_skill *sk)
{
	return sk->moderation_status != SR_SKILL_ACTIVE || sk->moderation_flags != 0 ||
	       sk->moderation_verdict == SR_VERDICT_SUSPICIOUS || sk->moderation_verdict == SR_VERDICT_MALICIOUS;
}

static void appeal_form(sr_buf *b, const sr_skill *sk, const char *csrf)
{
	sr_html_printf(b,
		       "<form class=\"form appeal-form\" method=\"post\" action=\"/settings/appeals/file\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		       "<input type=\"hidden\" name=\"owner\" value=\"%s\"><input type=\"hidden\" name=\"slug\" value=\"%s\">"
		       "<p><label for=\"appeal-msg\">Why the verdict or the hide is wrong (version %s)</label>"
		       "<textarea id=\"appeal-msg\" name=\"message\" rows=\"4\" maxlength=\"2000\"></textarea></p>"
		       "<p><button type=\"submit\">Appeal</button></p></form>",
		       csrf, sk->owner_handle, sk->slug, sk->latest_version);
}

int sr__web_appeal_panel(sr_req *req, sr_buf *side, const sr_skill *sk)
{
	sr_web_rq *rq = sr__web_rq();
	const sr_user *u = rq ? sr__web_viewer(rq) : NULL;
	if (u && (u->role == SR_ROLE_MODERATOR || u->role == SR_ROLE_ADMIN))
		sr_html_printf(side,
			       "<p class=\"hint staff-link\"><a href=\"/staff/skill/%u/%u\">Moderate in the staff console</a></p>",
			       sk->owner_handle, sk->slug);
	if (!u || !appealable(sk))
		return 0;
	int ok = 0, rc = sr_may_act(req->store, sk->owner_id, u, SR_PUB_PUBLISHER, &ok);
	if (rc || !ok)
		return rc;
	sr_buf_puts(side, "<section class=\"panel\" aria-labelledby=\"h-appeal\"><h2 id=\"h-appeal\">Appeal</h2>"
			  "<p class=\"hint\">Moderators review appeals against a verdict or a hide.</p>");
	if ((rc = sr__web_appeal_list(req->store, side, sk->id)))
		return rc;
	appeal_form(side, sk, sr__web_csrf(rq));
	sr_buf_puts(side, "</section>");
	return 0;
}

/* The skill of an owner's appeal page or form: their own (or their org's), in any state. */
static int find_own(sr_web_rq *rq, const sr_user *u, const char *owner, const char *slug_in, sr_skill *out)
{
	char slug[128];
	if (sr_slug_normalize(slug_in, slug, sizeof(slug)))
		return SR_ENOTFOUND;
	sr_lookup lk;
	int rc = sr_lookup_skill_any(rq->req->store, slug, owner, u, &lk);
	if (rc)
		return rc;
	int ok = 0;
	if ((rc = sr_may_act(rq->req->store, lk.skill.owner_id, u, SR_PUB_PUBLISHER, &ok)))
		return rc;
	if (!ok)
		return SR_ENOTFOUND;
	*out = lk.skill;
	return 0;
}

static void appeal_page(sr_web_rq *rq, const sr_user *u, const char *owner, const char *slug, int status,
			const char *message, int ok)
{
	sr_skill sk;
	int rc = find_own(rq, u, owner, slug, &sk);
	if (rc == SR_ENOTFOUND || rc == SR_ECONFLICT) {
		sr__web_error(rq->req, rq->resp, 404, "Skill not found", "You publish no skill with this owner and slug.");
		return;
	}
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	const char *filed = sr_req_query(rq->req, "filed");
	if (!message && filed && filed[0]) {
		message = strcmp(filed, "again") == 0 ? "An appeal of this version is already open." : "Appeal filed.";
		ok = 1;
	}
	sr_page p = {&rq->resp->body, "Appeal", NULL, NULL};
	sr__web_begin(&p);
	sr_buf *b = p.b;
	sr__web_account_nav(b, "dashboard");
	sr_html_printf(b, "<section aria-labelledby=\"appeal-h\"><h1 id=\"appeal-h\">Appeal: %s</h1>", sk.display_name);
	if (message)
		sr_html_printf(b, "<p class=\"notice %R\" role=\"%R\">%s</p>", ok ? "notice-ok" : "notice-error",
			       ok ? "status" : "alert", message);
	sr_html_printf(b, "<p>Status <b>%s</b>, reason <code>%s</code>, verdict <b>%s</b>.</p>",
		       sr_mod_status_name(sk.moderation_status), sk.moderation_reason[0] ? sk.moderation_reason : "-",
		       sk.moderation_verdict == SR_VERDICT_NONE ? "none" : sr_verdict_name(sk.moderation_verdict));
	if ((rc = sr__web_appeal_list(rq->req->store, b, sk.id))) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	if (appealable(&sk))
		appeal_form(b, &sk, sr__web_csrf(rq));
	else
		sr_buf_puts(b, "<p class=\"empty\">Nothing to appeal: the skill is active and no scanner holds anything "
			       "against it.</p>");
	sr_buf_puts(b, "</section>");
	sr__web_end(&p, rq->resp, status);
}

static const char *refusal_text(const sr_regerr *err)
{
	switch (err->why) {
	case SR_WHY_APPEAL_MESSAGE_REQUIRED: return "Say why: an appeal needs a message.";
	case SR_WHY_NOT_APPEALABLE: return "Nothing to appeal: the skill is active and no scanner holds anything against it.";
	case SR_WHY_REPORT_VERSION_NOT_FOUND: return "The skill has no live version to appeal.";
	case SR_WHY_APPEAL_UNAUTHORIZED: return "Only the skill's publisher may appeal.";
	default: return NULL;
	}
}

/* GET /settings/appeals/OWNER/SLUG and POST /settings/appeals/file. */
void sr__web_appeal(sr_web_rq *rq, char **seg, int n, int post)
{
	rq->req->route = post ? "web-appeal-file" : "web-appeal";
	char owner[64] = "", slug[128] = "", message[2100] = "";
	if (post) {
		sr__web_form(rq->req, "owner", owner, sizeof(owner));
		sr__web_form(rq->req, "slug", slug, sizeof(slug));
	} else if (n == 4) {
		snprintf(owner, sizeof(owner), "%s", seg[2]);
		snprintf(slug, sizeof(slug), "%s", seg[3]);
	}
	const sr_user *u = sr__web_need_viewer(rq, post ? "/dashboard" : NULL);
	if (!u)
		return;
	if (!post) {
		appeal_page(rq, u, owner, slug, 200, NULL, 0);
		return;
	}
	sr__web_form(rq->req, "message", message, sizeof(message));
	sr_skill sk;
	sr_regerr err = {0};
	sr_appeal_result res;
	int rc = find_own(rq, u, owner, slug, &sk);
	if (rc == SR_ENOTFOUND || rc == SR_ECONFLICT) {
		sr__web_error(rq->req, rq->resp, 404, "Skill not found", "You publish no skill with this owner and slug.");
		return;
	}
	if (!rc)
		rc = sr_appeal_file(rq->req->store, &sk, u, message, NULL, &res, &err);
	else
		sr_regerr_internal(&err, rc);
	if (!rc) {
		sr_buf loc;
		sr_buf_init(&loc, 1024);
		sr_html_printf(&loc, "/settings/appeals/%u/%u?filed=%R", sk.owner_handle, sk.slug, res.submitted ? "1" : "again");
		sr__web_redirect(rq->resp, 303, loc.data && !loc.failed ? loc.data : "/dashboard");
		sr_buf_deinit(&loc);
		return;
	}
	const char *text = refusal_text(&err);
	if (!text)
		sr__web_fail(rq->req, rq->resp, err.code ? err.code : SR_EDB);
	else
		appeal_page(rq, u, owner, slug, err.code == SR_EPERM ? 403 : 400, text, 0);
}
