/*
 * mine.c - the pages of one's own work: /dashboard, every skill one publishes in whatever
 * state (public, flagged, pending its scan, hidden, removed, blocked, deleted) with the reason
 * in words, and /stars, the skills one starred. Both need a session; signed out they send
 * to the sign-in page and back.
 *
 * The reason a skill is not public comes from the same rule the API applies to its owner
 * (sr_check_visible), so the dashboard and `clawhub inspect` never disagree. Reads: one range
 * of ix_skills_owner_updated (every skill of the owner, DASH_PAGE + 1 rows, keyset pages), and
 * one range of ix_stars_user with each star's skill by key (STARS_SHOWN rows).
 */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "registry/cursor.h"
#include "registry/error.h"
#include "registry/modstate.h"
#include "registry/registry.h"
#include "web/internal.h"
#include "web/signin.h"

#define DASH_PAGE 25
#define DASH_CURSOR_KIND 61 /* the owner page's is 60 (lists.c) */
#define STARS_SHOWN 100

void sr__web_account_nav(sr_buf *b, const char *current)
{
	static const struct {
		const char *key, *href, *label;
	} links[] = {
		{"dashboard", "/dashboard", "Your skills"},
		{"stars", "/stars", "Stars"},
		{"orgs", "/orgs", "Orgs"},
		{"transfers", "/settings/transfers", "Transfers"},
		{"tokens", "/settings/tokens", "API tokens"},
		{"sessions", "/settings/sessions", "Sessions"},
	};
	sr_buf_puts(b, "<nav class=\"tabs account-nav\" aria-label=\"Your account\">");
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		sr_html_printf(b, "<a href=\"%s\"%R>%s</a>", links[i].href,
			       strcmp(links[i].key, current) == 0 ? " aria-current=\"page\"" : "", links[i].label);
	sr_buf_puts(b, "</nav>");
}

/* A skill's state for its owner: a short badge, its class, and a sentence saying why (with the
 * moderation reason code when one applies, into code). */
struct state {
	const char *badge, *cls, *why;
	char code[64];
};

static void state_of(const sr_skill_row *r, const sr_user *viewer, struct state *st)
{
	sr_skill sk;
	sr_skill_copy(&sk, r);
	sr_regerr err;
	memset(st, 0, sizeof(*st));
	st->cls = "badge-plain";
	if (sr_check_visible(&sk, viewer, &err) == 0) {
		st->badge = "Public";
		st->cls = "badge-ok";
		if (!r->is_suspicious && !r->is_listed && r->moderation_reason && sr_reason_is_pending(r->moderation_reason)) {
			st->badge = "Pending";
			st->cls = "badge-plain";
			st->why = "Public by its address; browse lists and search show it once its security scan finishes.";
		}
		if (r->is_suspicious) {
			st->badge = "Flagged";
			st->cls = "badge-warn";
			st->why = "Public, but flagged as suspicious: left out of browse lists and search, reachable by its "
				  "address.";
			snprintf(st->code, sizeof(st->code), "%s", r->moderation_reason ? r->moderation_reason : "");
		}
		return;
	}
	snprintf(st->code, sizeof(st->code), "%s", r->moderation_reason ? r->moderation_reason : "");
	switch (err.why) {
	case SR_WHY_SKILL_DELETED:
		st->badge = "Deleted";
		st->why = "Deleted by you or an admin. The CLI's undelete command restores it.";
		st->code[0] = '\0';
		break;
	case SR_WHY_SKILL_BLOCKED:
		st->badge = "Blocked";
		st->cls = "badge-warn";
		st->why = "Blocked: a security scan found malware. Nobody can install it.";
		break;
	case SR_WHY_SKILL_REMOVED:
		st->badge = "Removed";
		st->cls = "badge-warn";
		st->why = "Removed by moderation.";
		break;
	case SR_WHY_SKILL_SCAN_PENDING:
		st->badge = "Pending";
		st->why = "Hidden until its security scan finishes.";
		break;
	case SR_WHY_SKILL_QUALITY_LOW:
		st->badge = "Hidden";
		st->why = "Hidden: it did not pass the quality check.";
		break;
	default:
		st->badge = "Hidden";
		st->why = strcmp(st->code, "auto.reports") == 0 ? "Hidden after several reports, until a moderator reviews it."
			  : strncmp(st->code, "staff.", 6) == 0 || strncmp(st->code, "manual.", 7) == 0
			      ? "Hidden by a moderator."
			      : "Hidden by moderation.";
		break;
	}
}

struct dash_rows {
	sr_buf *b;
	const sr_user *viewer;
	int n, more;
	int64_t last_updated, last_id;
	int rc;
};

static int dash_row(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct dash_rows *k = ud;
	if (k->n == DASH_PAGE) {
		k->more = 1;
		return 1;
	}
	k->n++;
	k->last_updated = r->updated_at;
	k->last_id = r->id;
	struct state st;
	state_of(r, k->viewer, &st);
	char date[32];
	sr__web_date(r->updated_at, date, sizeof(date));
	sr_buf *b = k->b;
	sr_html_printf(b, "<tr><td>");
	if (r->is_public)
		sr_html_printf(b, "<a href=\"/%u/%u\">%s</a>", r->owner_handle, r->slug, r->display_name);
	else
		sr_html_printf(b, "%s", r->display_name);
	sr_html_printf(b, "<br><span class=\"slug\">%s</span></td><td>%s</td><td><span class=\"badge %R\">%s</span>",
		       r->slug, r->latest_version ? r->latest_version : "", st.cls, st.badge);
	if (st.why)
		sr_html_printf(b, " %s", st.why);
	if (st.code[0])
		sr_html_printf(b, " <span class=\"muted\">Reason code: <code>%s</code></span>", st.code);
	/* What an appeal can contest (moderation/staff.c): a hide, a removal, a flag or a verdict. */
	if (!r->soft_deleted_at && (r->moderation_status != SR_SKILL_ACTIVE || r->moderation_flags ||
				    r->moderation_verdict == SR_VERDICT_SUSPICIOUS ||
				    r->moderation_verdict == SR_VERDICT_MALICIOUS))
		sr_html_printf(b, " <a class=\"appeal-link\" href=\"/settings/appeals/%u/%u\">Appeal or see appeals</a>",
			       r->owner_handle, r->slug);
	k->rc = sr_html_printf(b, "</td><td>%s</td><td>%G</td><td>%G</td></tr>", date, r->downloads, r->stars);
	return k->rc;
}

int sr__web_owned_cursor(sr_web_rq *rq, int *has_after, sr_cursor *cur)
{
	*has_after = 0;
	const char *cs = sr_req_query(rq->req, "cursor");
	if (!cs || !cs[0])
		return 0;
	if (sr_cursor_decode(cs, cur) || cur->kind != DASH_CURSOR_KIND || cur->dir != 1) {
		sr__web_error(rq->req, rq->resp, 400, "This page link is out of date", "Start again from the first page.");
		return -1;
	}
	*has_after = 1;
	return 0;
}

int sr__web_owned_skills(sr_web_rq *rq, sr_buf *b, const sr_user *owner, int has_after, const sr_cursor *cur,
			 const char *here, const char *empty)
{
	sr_buf_puts(b, "<div class=\"table-wrap\"><table class=\"table tokens dashboard\"><thead><tr><th>Skill</th>"
		       "<th>Version</th><th>State</th><th>Updated</th><th>Downloads</th><th>Stars</th></tr></thead><tbody>");
	struct dash_rows k = {b, owner, 0, 0, 0, 0, 0};
	int rc = sr_store_owner_all_skills(rq->req->store, owner->id, DASH_PAGE, has_after, has_after ? cur->k1 : 0,
					   has_after ? cur->id : 0, dash_row, &k);
	if (!rc)
		rc = k.rc;
	if (rc)
		return rc;
	sr_buf_puts(b, "</tbody></table></div>");
	if (!k.n)
		sr_html_printf(b, "<p class=\"empty\">%s</p>", empty);
	sr_buf_puts(b, "<nav class=\"pager\" aria-label=\"Pages\">");
	if (has_after)
		sr_html_printf(b, "<a class=\"first\" href=\"%s\">First page</a>", here);
	if (k.more) {
		sr_cursor next = {.version = SR_CURSOR_VERSION, .kind = DASH_CURSOR_KIND, .dir = 1, .k1 = k.last_updated,
				  .id = k.last_id};
		char enc[SR_CURSOR_MAX_LEN + 1];
		if (!sr_cursor_encode(&next, enc, sizeof(enc)))
			sr_html_printf(b, "<a rel=\"next\" class=\"next\" href=\"%s?cursor=%u\">Next page</a>", here, enc);
	}
	sr_buf_puts(b, "</nav>");
	return 0;
}

void sr__web_dashboard(sr_web_rq *rq)
{
	sr_req *req = rq->req;
	req->route = "web-dashboard";
	const sr_user *u = sr__web_need_viewer(rq, NULL);
	if (!u)
		return;
	int has_after;
	sr_cursor cur;
	if (sr__web_owned_cursor(rq, &has_after, &cur))
		return;
	sr_page p = {&rq->resp->body, "Your skills", NULL, NULL};
	sr__web_begin(&p);
	sr_buf *b = p.b;
	sr__web_account_nav(b, "dashboard");
	sr_html_printf(b,
		       "<section aria-labelledby=\"dash-h\"><h1 id=\"dash-h\">Your skills</h1>"
		       "<p class=\"lead\">Every skill @%s publishes, most recently updated first, public or not. "
		       "Skills that are not public say why. <a class=\"button\" href=\"/publish\">Publish a skill</a></p>",
		       u->handle);
	int rc = sr__web_owned_skills(rq, b, u, has_after, &cur, "/dashboard",
				      "You have not published a skill yet: <a href=\"/publish\">publish one here</a> or run "
				      "<code>clawhub publish ./my-skill</code>.");
	if (rc) {
		sr__web_fail(req, rq->resp, rc);
		return;
	}
	sr_buf_puts(b, "</section>");
	sr__web_end(&p, rq->resp, 200);
}

struct star_rows {
	sr_buf *b;
	int n;
	int rc;
};

static int star_row(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct star_rows *k = ud;
	k->n++;
	if (r->is_public)
		k->rc = sr__web_card(k->b, r, NULL, 0, NULL);
	else
		/* Starred before it was hidden or deleted: the person knew it, so its slug is no
		 * secret, but nothing more of it is shown. */
		k->rc = sr_html_printf(k->b,
				       "<li class=\"card\"><h3 class=\"card-title\">%s</h3><p class=\"card-meta\">@%s "
				       "<span class=\"badge badge-plain\">No longer public</span></p></li>",
				       r->slug, r->owner_handle);
	return k->rc;
}

void sr__web_stars(sr_web_rq *rq)
{
	sr_req *req = rq->req;
	req->route = "web-stars";
	const sr_user *u = sr__web_need_viewer(rq, NULL);
	if (!u)
		return;
	sr_page p = {&rq->resp->body, "Your stars", NULL, NULL};
	sr__web_begin(&p);
	sr_buf *b = p.b;
	sr__web_account_nav(b, "stars");
	sr_html_printf(b,
		       "<section aria-labelledby=\"stars-h\"><h1 id=\"stars-h\">Your stars</h1>"
		       "<p class=\"lead\">The skills you starred, the newest star first (at most %d).</p>"
		       "<ul class=\"cards cards-list\">",
		       STARS_SHOWN);
	struct star_rows k = {b, 0, 0};
	int rc = sr_store_starred(req->store, u->id, STARS_SHOWN, star_row, &k);
	if (!rc)
		rc = k.rc;
	if (rc) {
		sr__web_fail(req, rq->resp, rc);
		return;
	}
	if (!k.n)
		sr_buf_puts(b, "<li class=\"empty\">No stars yet: <code>clawhub star SLUG</code> stars a skill.</li>");
	sr_buf_puts(b, "</ul></section>");
	sr__web_end(&p, rq->resp, 200);
}
