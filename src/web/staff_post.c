/*
 * staff_post.c - a skill's page in the staff console (/staff/skill/OWNER/SLUG: its
 * moderation state, findings, appeals and action forms) and every action the console posts:
 * hide, unhide, remove, restore, set a verdict and rescan a skill; resolve or dismiss a
 * report; accept or reject an appeal.
 *
 * Each action needs a reason, refused with 400 on the page it came from when blank, and runs
 * the domain function the API runs for it, which audits it with the reason in the same
 * transaction. The forms carry the CSRF token, checked before any of this code runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "moderation/moderation.h"
#include "moderation/staff.h"
#include "moderation/worker.h"
#include "registry/modstate.h"
#include "registry/registry.h"
#include "registry/slug.h"
#include "web/staff.h"

#define REASON_MAX SR_WEB_STAFF_REASON_MAX

const char *sr__web_staff_refusal_text(const sr_regerr *err)
{
	switch (err->why) {
	case SR_WHY_SKILL_NOT_FOUND: return "There is no such skill.";
	case SR_WHY_NOT_HIDDEN: return "The skill is not hidden.";
	case SR_WHY_NOT_REMOVED: return "The skill is not removed.";
	case SR_WHY_VERDICT_INVALID: return "Choose a verdict: clean, suspicious or malicious.";
	case SR_WHY_VERSION_NOT_FOUND: return "The skill has no version to scan.";
	case SR_WHY_REPORT_NOT_FOUND: return "There is no such report.";
	case SR_WHY_APPEAL_NOT_FOUND: return "There is no such appeal.";
	case SR_WHY_CASE_TRANSITION: return "This case was decided already.";
	case SR_WHY_REVIEW_NOTE_REQUIRED:
	case SR_WHY_RESOLUTION_NOTE_REQUIRED: return "Give a reason: the audit log keeps it.";
	case SR_WHY_ACTION_UNKNOWN: return "There is no such action.";
	case SR_WHY_STAFF_REASON_REQUIRED: return "Give a reason for this action: the audit log keeps it.";
	case SR_WHY_USER_NOT_FOUND: return "There is no account with this handle.";
	case SR_WHY_ADMIN_REQUIRED: return "Only an admin may do this.";
	case SR_WHY_BAN_SELF: return "You cannot ban yourself.";
	case SR_WHY_ALREADY_BANNED: return "This account is banned already.";
	case SR_WHY_NOT_BANNED: return "This account is not banned.";
	case SR_WHY_DEMOTE_SELF: return "You cannot take away your own admin role; another admin can.";
	case SR_WHY_ROLE_INVALID: return "Choose a role: user, moderator or admin.";
	case SR_WHY_HANDLE_MISSING: return "Name the org by its handle.";
	case SR_WHY_HANDLE_INVALID:
	case SR_WHY_HANDLE_OPENCLAW:
	case SR_WHY_HANDLE_ROUTE: return "This handle cannot name an org.";
	case SR_WHY_HANDLE_USED_BY_USER: return "This handle is a person's, not an org's.";
	case SR_WHY_PUBLISHER_NOT_FOUND: return "There is no org with this handle.";
	case SR_WHY_LAST_OWNER: return "An org keeps at least one owner.";
	case SR_WHY_MEMBER_ROLE_INVALID: return "Choose a member role: publisher, admin or owner.";
	default: return NULL;
	}
}

int sr__web_staff_refusal_status(const sr_regerr *err)
{
	switch (err->code) {
	case SR_ENOTFOUND: return 404;
	case SR_EPERM: return 403;
	case SR_ECONFLICT:
	case SR_EEXIST: return 409;
	default: return 400;
	}
}

/* The skill a console address names, deleted and hidden ones included. */
static int find(sr_web_rq *rq, const char *owner, const char *slug_in, sr_skill *out)
{
	char slug[128];
	if (sr_slug_normalize(slug_in, slug, sizeof(slug)))
		return SR_ENOTFOUND;
	sr_lookup lk;
	int rc = sr_lookup_skill_any(rq->req->store, slug, owner, NULL, &lk);
	if (!rc)
		*out = lk.skill;
	return rc;
}

/* One action's form: its reason and, for a verdict, the choice. */
static void action_form(sr_buf *b, const sr_skill *sk, const char *csrf, const char *action, const char *label)
{
	sr_html_printf(b,
		       "<form class=\"form staff-action\" method=\"post\" action=\"/staff/skill/%u/%u/%R\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><fieldset><legend>%s</legend>",
		       sk->owner_handle, sk->slug, action, csrf, label);
	if (strcmp(action, "verdict") == 0)
		sr_buf_puts(b, "<p><label for=\"verdict-choice\">Verdict</label><select id=\"verdict-choice\" name=\"verdict\">"
			       "<option value=\"clean\">clean</option><option value=\"suspicious\">suspicious</option>"
			       "<option value=\"malicious\">malicious</option></select></p>");
	sr_html_printf(b,
		       "<p><label for=\"reason-%R\">Reason</label><input id=\"reason-%R\" name=\"reason\" maxlength=\"500\"></p>"
		       "<p><button type=\"submit\">%s</button></p></fieldset></form>",
		       action, action, label);
}

void sr__web_staff_skill(sr_web_rq *rq, const char *owner, const char *slug, int status, const char *message, int ok)
{
	rq->req->route = "web-staff-skill";
	sr_skill sk;
	int rc = find(rq, owner, slug, &sk);
	if (rc) {
		if (rc == SR_ENOTFOUND || rc == SR_ECONFLICT)
			sr__web_error(rq->req, rq->resp, 404, "Skill not found", "No skill has this owner and slug.");
		else
			sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	const char *done = sr_req_query(rq->req, "done");
	char said[96];
	if (!message && done && sr_mod_action_parse(done) >= 0) {
		snprintf(said, sizeof(said), "Done: %s.", done);
		message = said;
		ok = 1;
	}
	sr_page p = {&rq->resp->body, sk.display_name, NULL, NULL};
	sr__web_staff_begin(&p, "", sk.display_name, message, ok);
	sr_buf *b = p.b;
	char deleted[32] = "";
	if (sk.soft_deleted_at)
		sr__web_date(sk.soft_deleted_at, deleted, sizeof(deleted));
	/* The public page answers 404 for a skill that is not public: named, not linked. */
	if (sk.is_public)
		sr_html_printf(b, "<dl class=\"staff-state\"><dt>Skill</dt><dd><a href=\"/%u/%u\">%s/%s</a> %s</dd>",
			       sk.owner_handle, sk.slug, sk.owner_handle, sk.slug, sk.latest_version);
	else
		sr_html_printf(b, "<dl class=\"staff-state\"><dt>Skill</dt><dd>%s/%s %s (no public page)</dd>",
			       sk.owner_handle, sk.slug, sk.latest_version);
	sr_html_printf(b,
		       "<dt>Status</dt><dd id=\"mod-status\">%s</dd><dt>Reason</dt><dd><code id=\"mod-reason\">%s</code></dd>"
		       "<dt>Verdict</dt><dd id=\"mod-verdict\">%s</dd><dt>Flags</dt><dd>%R%R</dd>",
		       sr_mod_status_name(sk.moderation_status),
		       sk.moderation_reason[0] ? sk.moderation_reason : "-",
		       sk.moderation_verdict == SR_VERDICT_NONE ? "none" : sr_verdict_name(sk.moderation_verdict),
		       sk.moderation_flags & SR_FLAG_SUSPICIOUS ? "flagged.suspicious " : "",
		       sk.moderation_flags & SR_FLAG_MALWARE ? "blocked.malware" : "");
	if (deleted[0])
		sr_html_printf(b, "<dt>Deleted</dt><dd>%s</dd>", deleted);
	sr_buf_puts(b, "</dl><h2>Findings of the latest version</h2>");
	rc = sr__web_staff_findings(rq->req->store, b, sk.latest_version_id);
	if (!rc) {
		sr_buf_puts(b, "<h2>Appeals</h2>");
		rc = sr__web_appeal_list(rq->req->store, b, sk.id);
	}
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	const char *csrf = sr__web_csrf(rq);
	sr_buf_puts(b, "<h2>Actions</h2><div class=\"staff-actions\">");
	if (sk.moderation_status == SR_SKILL_ACTIVE)
		action_form(b, &sk, csrf, "hide", "Hide");
	if (sk.moderation_status == SR_SKILL_HIDDEN)
		action_form(b, &sk, csrf, "unhide", "Unhide");
	if (sk.moderation_status != SR_SKILL_REMOVED)
		action_form(b, &sk, csrf, "remove", "Remove");
	else
		action_form(b, &sk, csrf, "restore", "Restore");
	action_form(b, &sk, csrf, "verdict", "Set the verdict");
	action_form(b, &sk, csrf, "rescan", "Rescan");
	sr_buf_puts(b, "</div>");
	if ((rc = sr__web_staff_skill_cases(rq, b, sk.id))) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr__web_staff_end(&p, rq->resp, status);
}

/* The posted reason, trimmed into out; 0 when blank. */
static int reason_of(sr_web_rq *rq, char *out, size_t n)
{
	char raw[REASON_MAX];
	if (!sr__web_form(rq->req, "reason", raw, sizeof(raw)))
		raw[0] = '\0';
	char *t = sr_trim_dup(raw, strlen(raw));
	snprintf(out, n, "%s", t ? t : "");
	free(t);
	return out[0] != '\0';
}

static void skill_action(sr_web_rq *rq, const sr_user *u, const char *owner, const char *slug, const char *action)
{
	rq->req->route = "web-staff-action";
	int act = sr_mod_action_parse(action);
	if (act < 0) {
		sr__web_error(rq->req, rq->resp, 404, "Page not found", "There is no such action.");
		return;
	}
	char reason[REASON_MAX], verdict[32] = "";
	if (!reason_of(rq, reason, sizeof(reason))) {
		sr__web_staff_skill(rq, owner, slug, 400, "Give a reason for this action: the audit log keeps it.", 0);
		return;
	}
	sr__web_form(rq->req, "verdict", verdict, sizeof(verdict));
	sr_skill sk;
	sr_regerr err = {0};
	int rc = find(rq, owner, slug, &sk);
	if (rc == SR_ENOTFOUND || rc == SR_ECONFLICT)
		rc = sr_regerr_set(&err, SR_ENOTFOUND, SR_WHY_SKILL_NOT_FOUND, NULL);
	else if (rc)
		rc = sr_regerr_internal(&err, rc);
	else
		rc = sr_moderate_noted(rq->req->store, &sk, u, act, act == SR_MOD_VERDICT ? verdict : NULL, NULL, reason,
				       &err);
	if (!rc) {
		if (act == SR_MOD_RESCAN && rq->app->scan_worker)
			sr_scan_worker_wake(rq->app->scan_worker);
		sr_buf loc;
		sr_buf_init(&loc, 1024);
		sr_html_printf(&loc, "/staff/skill/%u/%u?done=%R", sk.owner_handle, sk.slug, action);
		sr__web_redirect(rq->resp, 303, loc.data && !loc.failed ? loc.data : "/staff");
		sr_buf_deinit(&loc);
		return;
	}
	const char *text = sr__web_staff_refusal_text(&err);
	if (!text)
		sr__web_fail(rq->req, rq->resp, err.code ? err.code : SR_EDB);
	else if (err.why == SR_WHY_SKILL_NOT_FOUND)
		sr__web_error(rq->req, rq->resp, 404, "Skill not found", text);
	else
		sr__web_staff_skill(rq, owner, slug, sr__web_staff_refusal_status(&err), text, 0);
}

/* POST /staff/reports/ID/decide and /staff/appeals/ID/decide, `do` saying which way. */
static void case_action(sr_web_rq *rq, const sr_user *u, int appeals, const char *id_s)
{
	rq->req->route = appeals ? "web-staff-appeal" : "web-staff-report";
	char how[16] = "", reason[REASON_MAX];
	sr__web_form(rq->req, "do", how, sizeof(how));
	char *end;
	long long id = strtoll(id_s, &end, 10);
	int hide = !appeals && strcmp(how, "hide") == 0;
	int st = hide || strcmp(how, appeals ? "accept" : "resolve") == 0 ? SR_CASE_UPHELD
		 : strcmp(how, appeals ? "reject" : "dismiss") == 0	     ? SR_CASE_DISMISSED
									     : -1;
	if (*end || id <= 0 || st < 0) {
		sr__web_error(rq->req, rq->resp, 404, "Page not found", "There is no such case or decision.");
		return;
	}
	if (!reason_of(rq, reason, sizeof(reason))) {
		sr__web_staff_cases(rq, appeals, 400, "Give a reason for this decision: the audit log keeps it.", 0);
		return;
	}
	sr_regerr err = {0};
	int rc = appeals ? sr_appeal_decide(rq->req->store, id, u, st, reason, &err)
			 : sr_report_decide(rq->req->store, id, u, st, reason, hide, &err);
	if (!rc) {
		char loc[64];
		snprintf(loc, sizeof(loc), "/staff/%s?done=%s", appeals ? "appeals" : "reports", how);
		sr__web_redirect(rq->resp, 303, loc);
		return;
	}
	const char *text = sr__web_staff_refusal_text(&err);
	if (!text)
		sr__web_fail(rq->req, rq->resp, err.code ? err.code : SR_EDB);
	else
		sr__web_staff_cases(rq, appeals, sr__web_staff_refusal_status(&err), text, 0);
}

void sr__web_staff_post(sr_web_rq *rq, const sr_user *u, char **seg, int n)
{
	if (sr__web_staff_users(rq, u, seg, n, 1))
		return;
	if (n == 5 && strcmp(seg[1], "skill") == 0)
		skill_action(rq, u, seg[2], seg[3], seg[4]);
	else if (n == 4 && (strcmp(seg[1], "reports") == 0 || strcmp(seg[1], "appeals") == 0) &&
		 strcmp(seg[3], "decide") == 0)
		case_action(rq, u, strcmp(seg[1], "appeals") == 0, seg[2]);
	else
		sr__web_error(rq->req, rq->resp, 404, "Page not found", "There is no page at this address.");
}
