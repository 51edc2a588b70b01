/*
 * staff.c - the staff console at /staff, for moderators and admins (404 for everyone else,
 * signed out included, as the /admin pages): the scan queue, flagged and blocked skills with
 * their findings, reports, appeals and the audit log, each paged with a keyset cursor (one
 * index range a page, store/staff.h), a skill's moderation page with its actions, and the
 * accounts pages (staff_users.c).
 *
 * The actions (staff_post.c) run the domain functions the API's moderation routes run
 * (moderation.h's sr_moderate_noted, staff.h's decisions), so the browser and the API do the
 * same thing and write the same audit rows; the console adds a required reason to each.
 */
#include "web/staff.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/util.h"
#include "moderation/moderation.h"
#include "moderation/staff.h"
#include "registry/modstate.h"
#include "registry/registry.h"
#include "registry/slug.h"
#include "web/signin.h"

#define STAFF_PAGE 25
#define FINDINGS_SHOWN 5

const sr_user *sr__web_need_staff(sr_web_rq *rq)
{
	const sr_user *u = sr__web_viewer(rq);
	if (u && (u->role == SR_ROLE_MODERATOR || u->role == SR_ROLE_ADMIN))
		return u;
	rq->req->route = "web-not-found";
	sr__web_error(rq->req, rq->resp, 404, "Page not found", "There is no page at this address.");
	return NULL;
}

void sr__web_staff_begin(sr_page *p, const char *current, const char *heading, const char *message, int ok)
{
	static const struct {
		const char *key, *href, *label;
	} links[] = {
		{"queue", "/staff/queue", "Scan queue"},  {"flagged", "/staff/flagged", "Flagged"},
		{"blocked", "/staff/blocked", "Blocked"}, {"reports", "/staff/reports", "Reports"},
		{"appeals", "/staff/appeals", "Appeals"}, {"audit", "/staff/audit", "Audit log"},
		{"users", "/staff/users", "Users and orgs"},
	};
	sr__web_begin(p);
	sr_buf_puts(p->b, "<nav class=\"tabs staff-nav\" aria-label=\"Staff console\"><ul>");
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		sr_html_printf(p->b, "<li><a href=\"%s\"%R>%s</a></li>", links[i].href,
			       strcmp(links[i].key, current) == 0 ? " aria-current=\"page\"" : "", links[i].label);
	sr_html_printf(p->b, "</ul></nav><section class=\"staff\" aria-labelledby=\"staff-h\"><h1 id=\"staff-h\">%s</h1>",
		       heading);
	if (message)
		sr_html_printf(p->b, "<p class=\"notice %R\" role=\"%R\">%s</p>", ok ? "notice-ok" : "notice-error",
			       ok ? "status" : "alert", message);
}

void sr__web_staff_end(sr_page *p, sr_resp *resp, int status)
{
	sr_buf_puts(p->b, "</section>");
	sr__web_end(p, resp, status);
}

/* The link to the next page, when there is one. */
static void next_link(sr_buf *b, const char *path, const char *extra, int64_t before)
{
	sr_html_printf(b, "<p class=\"pager\"><a rel=\"next\" href=\"%R?%Rbefore=%L\">Older</a></p>", path, extra, before);
}

/* ---- /staff ---- */

static void index_page(sr_web_rq *rq)
{
	sr_page p = {&rq->resp->body, "Staff console", NULL, NULL};
	sr__web_staff_begin(&p, "", "Staff console", NULL, 0);
	sr_buf_puts(p.b, "<p class=\"lead\">Scans waiting, skills the scanners flagged or blocked, reports, appeals "
			 "and the audit log. Every action asks for a reason, which the audit log keeps.</p>"
			 "<form class=\"form\" method=\"get\" action=\"/staff/skill\"><p><label for=\"staff-find\">A skill "
			 "(owner/slug)</label><input id=\"staff-find\" name=\"q\" required maxlength=\"200\" "
			 "placeholder=\"owner/slug\"></p><p><button type=\"submit\">Open</button></p></form>");
	sr__web_staff_end(&p, rq->resp, 200);
}

/* /staff/skill?q=owner/slug: to the skill's page. */
static void find_skill(sr_web_rq *rq)
{
	const char *q = sr_req_query(rq->req, "q");
	const char *slash = q ? strchr(q, '/') : NULL;
	if (!slash || slash == q || !slash[1]) {
		sr_page p = {&rq->resp->body, "Staff console", NULL, NULL};
		sr__web_staff_begin(&p, "", "Staff console", "Name the skill as owner/slug.", 0);
		sr__web_staff_end(&p, rq->resp, 400);
		return;
	}
	sr_buf loc;
	char owner[65];
	snprintf(owner, sizeof(owner), "%.*s", (int)(slash - q) < 64 ? (int)(slash - q) : 64, q);
	sr_buf_init(&loc, 1024);
	sr_html_printf(&loc, "/staff/skill/%u/%u", owner[0] == '@' ? owner + 1 : owner, slash + 1);
	sr__web_redirect(rq->resp, 303, loc.data && !loc.failed ? loc.data : "/staff");
	sr_buf_deinit(&loc);
}

/* ---- the scan queue ---- */

struct queue_ctx {
	sr_buf *b;
	int n, more;
	int64_t last_req, last_id, now;
};

static int queue_row(void *ud, const void *row)
{
	const sr_queue_row *r = row;
	struct queue_ctx *c = ud;
	if (c->n == STAFF_PAGE) {
		c->more = 1;
		return 1;
	}
	c->n++;
	c->last_req = r->requested_at;
	c->last_id = r->version_id;
	char when[32];
	sr__web_date(r->requested_at, when, sizeof(when));
	int running = r->claimed_at && r->claimed_at > c->now - SR_SCAN_LEASE_MS;
	return sr_html_printf(c->b,
			      "<tr><td><a href=\"/staff/skill/%u/%u\">%s/%s</a></td><td>%s</td><td>%s</td><td>%R</td></tr>",
			      r->owner, r->slug, r->owner, r->slug, r->version, when, running ? "running" : "pending");
}

static void queue_page(sr_web_rq *rq)
{
	struct queue_ctx c = {0};
	c.now = sr_now_ms();
	int64_t after_req = sr__web_param(rq->req, "after", -1, -1, INT64_MAX);
	int64_t after_id = sr__web_param(rq->req, "id", 0, 0, INT64_MAX);
	sr_page p = {&rq->resp->body, "Scan queue", NULL, NULL};
	sr__web_staff_begin(&p, "queue", "Scan queue", NULL, 0);
	c.b = p.b;
	sr_buf_puts(p.b, "<p class=\"lead\">Versions waiting for a scan, oldest request first; a running scan is one a "
			 "worker holds.</p><div class=\"table-wrap\"><table class=\"table staff-queue\"><thead><tr>"
			 "<th>Skill</th><th>Version</th><th>Requested</th><th>State</th></tr></thead><tbody>");
	int rc = sr_store_staff_queue(rq->req->store, after_req, after_id, STAFF_PAGE + 1, queue_row, &c);
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr_buf_puts(p.b, "</tbody></table></div>");
	if (!c.n)
		sr_buf_puts(p.b, "<p class=\"empty\">No scan is waiting.</p>");
	if (c.more)
		sr_html_printf(p.b, "<p class=\"pager\"><a rel=\"next\" href=\"/staff/queue?after=%L&amp;id=%L\">Later</a></p>",
			       c.last_req, c.last_id);
	sr__web_staff_end(&p, rq->resp, 200);
}

/* ---- flagged and blocked skills ---- */

struct flagged {
	int64_t skill_id, version_id, reports;
	int status;
	char slug[100], owner[64], name[256], reason[64], version[64];
};

struct flagged_ctx {
	struct flagged rows[STAFF_PAGE];
	int n, more;
};

static int flagged_row(void *ud, const void *row)
{
	const sr_verdict_row *r = row;
	struct flagged_ctx *c = ud;
	if (c->n == STAFF_PAGE) {
		c->more = 1;
		return 1;
	}
	struct flagged *f = &c->rows[c->n++];
	f->skill_id = r->skill_id;
	f->version_id = r->latest_version_id;
	f->reports = r->reports;
	f->status = r->status;
	snprintf(f->slug, sizeof(f->slug), "%s", r->slug ? r->slug : "");
	snprintf(f->owner, sizeof(f->owner), "%s", r->owner ? r->owner : "");
	snprintf(f->name, sizeof(f->name), "%s", r->display_name ? r->display_name : f->slug);
	snprintf(f->reason, sizeof(f->reason), "%s", r->reason ? r->reason : "");
	snprintf(f->version, sizeof(f->version), "%s", r->latest_version ? r->latest_version : "");
	return 0;
}

struct findings_ctx {
	sr_buf *b;
	int n;
};

static int finding_item(void *ud, const void *row)
{
	const sr_finding_row *f = row;
	struct findings_ctx *c = ud;
	c->n++;
	return sr_html_printf(c->b, "<li><span class=\"badge badge-warn\">%s</span> <code>%s</code> %s <span class=\"muted\">"
				  "%s:%d (%s)</span></li>",
			      f->severity, f->rule_id, f->title ? f->title : "", f->path, f->line, f->source);
}

int sr__web_staff_findings(sr_store *s, sr_buf *b, int64_t version_id)
{
	struct findings_ctx c = {b, 0};
	sr_buf_puts(b, "<ul class=\"findings\">");
	int rc = version_id ? sr_store_scan_findings(s, version_id, FINDINGS_SHOWN, finding_item, &c) : 0;
	sr_buf_puts(b, c.n ? "</ul>" : "</ul><p class=\"muted\">No findings.</p>");
	return rc;
}

static void verdict_page(sr_web_rq *rq, int verdict)
{
	const char *key = verdict == SR_VERDICT_MALICIOUS ? "blocked" : "flagged";
	const char *title = verdict == SR_VERDICT_MALICIOUS ? "Blocked skills (malicious)" : "Flagged skills (suspicious)";
	int64_t before = sr__web_param(rq->req, "before", INT64_MAX, 1, INT64_MAX);
	struct flagged_ctx *c = calloc(1, sizeof(*c));
	if (!c) {
		sr__web_fail(rq->req, rq->resp, SR_ENOMEM);
		return;
	}
	int rc = sr_store_staff_verdict(rq->req->store, verdict, before, STAFF_PAGE + 1, flagged_row, c);
	sr_page p = {&rq->resp->body, title, NULL, NULL};
	sr__web_staff_begin(&p, key, title, NULL, 0);
	sr_buf_puts(p.b, "<div class=\"table-wrap\"><table class=\"table staff-flagged\"><thead><tr><th>Skill</th>"
			 "<th>State</th><th>Reports</th><th>Findings of the latest version</th></tr></thead><tbody>");
	for (int i = 0; !rc && i < c->n; i++) {
		struct flagged *f = &c->rows[i];
		sr_html_printf(p.b,
			       "<tr><td><a href=\"/staff/skill/%u/%u\">%s</a><br><span class=\"slug\">%s/%s %s</span></td>"
			       "<td>%s<br><code>%s</code></td><td>%L</td><td>",
			       f->owner, f->slug, f->name, f->owner, f->slug, f->version, sr_mod_status_name(f->status), f->reason,
			       f->reports);
		rc = sr__web_staff_findings(rq->req->store, p.b, f->version_id);
		sr_buf_puts(p.b, "</td></tr>");
	}
	if (rc) {
		free(c);
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr_buf_puts(p.b, "</tbody></table></div>");
	if (!c->n)
		sr_buf_puts(p.b, "<p class=\"empty\">No skill has this verdict.</p>");
	if (c->more) {
		char path[32];
		snprintf(path, sizeof(path), "/staff/%s", key);
		next_link(p.b, path, "", c->rows[c->n - 1].skill_id);
	}
	free(c);
	sr__web_staff_end(&p, rq->resp, 200);
}

/* ---- the audit log ---- */

/* "2026-12-05 11:57:03 UTC" for a millisecond time: staff read the log to the second. */
static void when_utc(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, n, "-");
}

struct audit_ctx {
	sr_buf *b;
	int n, more;
	int64_t last;
};

static int audit_row(void *ud, const void *row)
{
	const sr_audit_row *r = row;
	struct audit_ctx *c = ud;
	if (c->n == STAFF_PAGE) {
		c->more = 1;
		return 1;
	}
	c->n++;
	c->last = r->id;
	char when[40];
	when_utc(r->created_at, when, sizeof(when));
	sr_html_printf(c->b, "<tr><td>%s</td><td>%s</td><td><code>%s</code></td><td>", when,
		       r->actor ? r->actor : "system", r->action);
	if (r->slug)
		sr_html_printf(c->b, "<a href=\"/staff/skill/%u/%u\">%s/%s</a>", r->owner, r->slug, r->owner, r->slug);
	return sr_html_printf(c->b, "</td><td class=\"audit-detail\">%s</td></tr>", r->detail ? r->detail : "");
}

static void audit_page(sr_web_rq *rq)
{
	struct audit_ctx c = {0};
	int64_t before = sr__web_param(rq->req, "before", INT64_MAX, 1, INT64_MAX);
	sr_page p = {&rq->resp->body, "Audit log", NULL, NULL};
	sr__web_staff_begin(&p, "audit", "Audit log", NULL, 0);
	c.b = p.b;
	sr_buf_puts(p.b, "<div class=\"table-wrap\"><table class=\"table staff-audit\"><thead><tr><th>When</th><th>Who</th>"
			 "<th>Action</th><th>Skill</th><th>Detail</th></tr></thead><tbody>");
	int rc = sr_store_staff_audit(rq->req->store, before, STAFF_PAGE + 1, audit_row, &c);
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr_buf_puts(p.b, "</tbody></table></div>");
	if (c.more)
		next_link(p.b, "/staff/audit", "", c.last);
	sr__web_staff_end(&p, rq->resp, 200);
}

/* ---- reports and appeals ---- */

struct case_ctx {
	sr_buf *b;
	const char *csrf;
	int appeals, n, more;
	int64_t last;
};

/* The two decision forms of an open case, each with its required reason. */
static void case_forms(sr_buf *b, const char *csrf, int appeals, int64_t id)
{
	const char *kind = appeals ? "appeals" : "reports";
	const char *yes = appeals ? "accept" : "resolve", *no = appeals ? "reject" : "dismiss";
	sr_html_printf(b,
		       "<form class=\"form staff-action\" method=\"post\" action=\"/staff/%R/%L/decide\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		       "<p><label for=\"note-%R-%L\">Reason</label><input id=\"note-%R-%L\" name=\"reason\" maxlength=\"500\"></p>"
		       "<p><button type=\"submit\" name=\"do\" value=\"%R\">%R</button> %R"
		       "<button type=\"submit\" name=\"do\" value=\"%R\">%R</button></p></form>",
		       kind, id, csrf, kind, id, kind, id, yes, appeals ? "Accept" : "Resolve",
		       appeals ? "" : "<button type=\"submit\" name=\"do\" value=\"hide\">Resolve and hide the skill</button> ",
		       no, appeals ? "Reject" : "Dismiss");
}

static int case_row(void *ud, const void *row)
{
	const sr_case_row *r = row;
	struct case_ctx *c = ud;
	if (c->n == STAFF_PAGE) {
		c->more = 1;
		return 1;
	}
	c->n++;
	c->last = r->id;
	char when[32], decided[32];
	sr__web_date(r->created_at, when, sizeof(when));
	sr_html_printf(c->b,
		       "<tr id=\"%R-%L\"><td><a href=\"/staff/skill/%u/%u\">%s/%s</a> %s</td><td>@%s<br>%s</td>"
		       "<td class=\"case-text\">%s</td><td>",
		       c->appeals ? "appeal" : "report", r->id, r->owner, r->slug, r->owner, r->slug,
		       r->version ? r->version : "", r->author ? r->author : "?", when, r->text ? r->text : "");
	if (r->status == SR_CASE_OPEN) {
		case_forms(c->b, c->csrf, c->appeals, r->id);
	} else {
		sr__web_date(r->decided_at, decided, sizeof(decided));
		sr_html_printf(c->b, "<span class=\"badge badge-plain\">%s</span>%R by @%s on %s: %s",
			       c->appeals ? sr_appeal_status_name(r->status) : sr_report_status_name(r->status),
			       r->action && strcmp(r->action, "hide") == 0 ? " (skill hidden)" : "",
			       r->decider ? r->decider : "?", decided, r->note ? r->note : "");
	}
	return sr_html_printf(c->b, "</td></tr>");
}

void sr__web_staff_cases(sr_web_rq *rq, int appeals, int status, const char *message, int ok)
{
	const char *key = appeals ? "appeals" : "reports";
	const char *title = appeals ? "Appeals" : "Reports";
	int64_t before = sr__web_param(rq->req, "before", INT64_MAX, 1, INT64_MAX);
	const char *sname = sr_req_query(rq->req, "status");
	int st = sname && sname[0] ? (appeals ? sr_appeal_status_parse(sname) : sr_report_status_parse(sname)) : SR_CASE_OPEN;
	static const char *const done_words[][2] = {{"resolve", "Report resolved."}, {"dismiss", "Report dismissed."},
						     {"hide", "Report resolved and the skill hidden."},
						     {"accept", "Appeal accepted."}, {"reject", "Appeal rejected."}};
	const char *done = sr_req_query(rq->req, "done");
	for (size_t i = 0; !message && done && i < 5; i++)
		if (strcmp(done, done_words[i][0]) == 0) {
			message = done_words[i][1];
			ok = 1;
		}
	sr_page p = {&rq->resp->body, title, NULL, NULL};
	sr__web_staff_begin(&p, key, title, st < 0 ? "There is no such status." : message, st < 0 ? 0 : ok);
	if (st < 0) {
		sr__web_staff_end(&p, rq->resp, 400);
		return;
	}
	sr_buf_puts(p.b, "<nav class=\"tabs\" aria-label=\"Status\"><ul>");
	for (int i = 0; i < 3; i++) {
		const char *n = appeals ? sr_appeal_status_name(i) : sr_report_status_name(i);
		sr_html_printf(p.b, "<li><a href=\"/staff/%R?status=%R\"%R>%s</a></li>", key, n,
			       i == st ? " aria-current=\"page\"" : "", n);
	}
	sr_html_printf(p.b, "</ul></nav><div class=\"table-wrap\"><table class=\"table staff-%R\"><thead><tr><th>Skill</th>"
			    "<th>From</th><th>%R</th><th>Decision</th></tr></thead><tbody>",
		       key, appeals ? "Message" : "Reason");
	struct case_ctx c = {p.b, sr__web_csrf(rq), appeals, 0, 0, 0};
	int rc = appeals ? sr_store_staff_appeals(rq->req->store, st, before, STAFF_PAGE + 1, case_row, &c)
			 : sr_store_staff_reports(rq->req->store, st, before, STAFF_PAGE + 1, case_row, &c);
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr_buf_puts(p.b, "</tbody></table></div>");
	if (!c.n)
		sr_buf_puts(p.b, "<p class=\"empty\">Nothing here.</p>");
	if (c.more) {
		char path[32], extra[32];
		snprintf(path, sizeof(path), "/staff/%s", key);
		snprintf(extra, sizeof(extra), "status=%s&amp;", appeals ? sr_appeal_status_name(st) : sr_report_status_name(st));
		next_link(p.b, path, extra, c.last);
	}
	sr__web_staff_end(&p, rq->resp, status);
}

/* ---- one skill's reports and history, on its console page ---- */

int sr__web_staff_skill_cases(sr_web_rq *rq, sr_buf *b, int64_t skill_id)
{
	struct case_ctx c = {b, sr__web_csrf(rq), 0, 0, 0, 0};
	sr_buf_puts(b, "<h2>Reports</h2><div class=\"table-wrap\"><table class=\"table staff-reports\"><thead><tr>"
		       "<th>Skill</th><th>From</th><th>Reason</th><th>Decision</th></tr></thead><tbody>");
	int rc = sr_store_staff_skill_reports(rq->req->store, skill_id, STAFF_PAGE + 1, case_row, &c);
	sr_buf_puts(b, "</tbody></table></div>");
	if (!rc && !c.n)
		sr_buf_puts(b, "<p class=\"muted\">No reports.</p>");
	if (!rc && c.more)
		sr_buf_puts(b, "<p class=\"muted\">The first 25 reports; the Reports tab has them all.</p>");
	if (rc)
		return rc;
	struct audit_ctx a = {b, 0, 0, 0};
	sr_buf_puts(b, "<h2>History</h2><div class=\"table-wrap\"><table class=\"table staff-audit\"><thead><tr><th>When</th>"
		       "<th>Who</th><th>Action</th><th>Skill</th><th>Detail</th></tr></thead><tbody>");
	rc = sr_store_staff_skill_audit(rq->req->store, skill_id, STAFF_PAGE + 1, audit_row, &a);
	sr_buf_puts(b, "</tbody></table></div>");
	if (!rc && a.more)
		sr_buf_puts(b, "<p class=\"muted\">The newest 25 entries; the Audit log tab has the rest.</p>");
	return rc;
}

/* ---- dispatch ---- */

void sr__web_staff(sr_web_rq *rq, char **seg, int n, int post)
{
	rq->req->route = "web-staff";
	const sr_user *u = sr__web_need_staff(rq);
	if (!u)
		return;
	if (post) {
		sr__web_staff_post(rq, u, seg, n);
		return;
	}
	const char *s1 = n > 1 ? seg[1] : "";
	if (sr__web_staff_users(rq, u, seg, n, 0))
		return;
	if (n == 1)
		index_page(rq);
	else if (n == 2 && strcmp(s1, "queue") == 0)
		queue_page(rq);
	else if (n == 2 && strcmp(s1, "flagged") == 0)
		verdict_page(rq, SR_VERDICT_SUSPICIOUS);
	else if (n == 2 && strcmp(s1, "blocked") == 0)
		verdict_page(rq, SR_VERDICT_MALICIOUS);
	else if (n == 2 && strcmp(s1, "reports") == 0)
		sr__web_staff_cases(rq, 0, 200, NULL, 0);
	else if (n == 2 && strcmp(s1, "appeals") == 0)
		sr__web_staff_cases(rq, 1, 200, NULL, 0);
	else if (n == 2 && strcmp(s1, "audit") == 0)
		audit_page(rq);
	else if (n == 2 && strcmp(s1, "skill") == 0)
		find_skill(rq);
	else if (n == 4 && strcmp(s1, "skill") == 0)
		sr__web_staff_skill(rq, seg[2], seg[3], 200, NULL, 0);
	else
		sr__web_error(rq->req, rq->resp, 404, "Page not found", "There is no page at this address.");
}
