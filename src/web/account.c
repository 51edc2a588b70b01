/*
 * account.c - the pages of signing in and out: /signin (the local password form and the
 * other ways in), POST /signout, and /settings/sessions, where one sees one's signed-in
 * browsers and ends any of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "core/err.h"
#include "core/util.h"
#include "registry/registry.h"
#include "store/accounts.h"
#include "web/internal.h"
#include "web/signin.h"

/* The sign-in page; message (may be NULL) says why the last attempt failed. */
static void signin_page(sr_web_rq *rq, int status, const char *message, const char *handle, const char *return_to)
{
	sr_req *req = rq->req;
	req->route = "web-signin";
	sr_page p = {&rq->resp->body, "Sign in", NULL, NULL};
	const char *csrf = sr__web_csrf(rq);
	sr__web_begin(&p);
	sr_html_printf(p.b, "<section class=\"signin\" aria-labelledby=\"signin-h\"><h1 id=\"signin-h\">Sign in</h1>");
	if (message)
		sr_html_printf(p.b, "<p class=\"notice notice-error\" role=\"alert\">%s</p>", message);
	if (!rq->app->no_local_signin)
		sr_html_printf(p.b,
			       "<form class=\"form\" method=\"post\" action=\"/signin\">"
			       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
			       "<input type=\"hidden\" name=\"return_to\" value=\"%s\">"
			       "<p><label for=\"si-handle\">Handle</label>"
			       "<input id=\"si-handle\" name=\"handle\" autocomplete=\"username\" required maxlength=\"64\" value=\"%s\"></p>"
			       "<p><label for=\"si-pw\">Password</label>"
			       "<input id=\"si-pw\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required "
			       "maxlength=\"256\"></p>"
			       "<p><button type=\"submit\">Sign in</button></p></form>",
			       csrf, return_to, handle ? handle : "");
	sr_buf ways;
	sr_buf_init(&ways, 64 * 1024);
	sr__web_signin_ways(rq, &ways, return_to);
	if (ways.len)
		sr_html_printf(p.b, "<div class=\"signin-ways\">%R</div>", ways.data);
	else if (rq->app->no_local_signin)
		sr_html_printf(p.b, "<p>No way to sign in is configured on this registry.</p>");
	if (ways.failed)
		p.b->failed = 1;
	sr_buf_deinit(&ways);
	sr_html_printf(p.b, "</section>");
	sr__web_end(&p, rq->resp, status);
}

static const char *return_to_of(sr_web_rq *rq, char *buf, size_t n)
{
	const char *q = sr_req_query(rq->req, "return_to");
	if (strcmp(rq->req->method, "POST") == 0 && sr__web_form(rq->req, "return_to", buf, n))
		q = buf;
	return sr__web_local_path(q);
}

void sr__web_signin(sr_web_rq *rq)
{
	char rbuf[1024];
	const char *return_to = return_to_of(rq, rbuf, sizeof(rbuf));
	if (strcmp(rq->req->method, "GET") == 0) {
		if (sr__web_viewer(rq)) {
			rq->req->route = "web-signin";
			sr__web_redirect(rq->resp, 303, return_to);
			return;
		}
		signin_page(rq, 200, NULL, NULL, return_to);
		return;
	}
	if (rq->app->no_local_signin) {
		sr__web_error(rq->req, rq->resp, 404, "Page not found", "Local accounts are not enabled here.");
		return;
	}
	char raw[128] = "", handle[64], password[SR_PASSWORD_MAX + 2] = "";
	sr__web_form(rq->req, "handle", raw, sizeof(raw));
	sr__web_form(rq->req, "password", password, sizeof(password));
	sr_owner_normalize(raw, handle, sizeof(handle));
	rq->req->route = "web-signin";
	if (sr__web_signin_limited(rq, handle))
		return;
	sr_user u;
	char hash[SR_PASSWORD_HASH_MAX];
	int rc = handle[0] ? sr_store_user_by_handle(rq->req->store, handle, &u) : SR_ENOTFOUND;
	if (!rc)
		rc = sr_store_password_get(rq->req->store, u.id, hash, sizeof(hash));
	if (rc && rc != SR_ENOTFOUND) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	/* An unknown handle is checked against a dummy hash: the answer takes as long. */
	if (sr_password_verify(rc ? NULL : hash, password) != 0) {
		signin_page(rq, 401, "Wrong handle or password.", raw, return_to);
		return;
	}
	sr__web_session_start(rq, &u, return_to);
}

void sr__web_signout(sr_web_rq *rq)
{
	rq->req->route = "web-signout";
	char tok[64];
	if (sr__web_cookie(rq->req, SR_WEB_SESSION_COOKIE, tok, sizeof(tok))) {
		int rc = sr_session_end_token(rq->req->store, tok);
		if (rc) {
			sr__web_fail(rq->req, rq->resp, rc);
			return;
		}
	}
	sr_resp_header(rq->resp, "Set-Cookie", "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s", SR_WEB_SESSION_COOKIE,
		       strncmp(rq->app->public_url, "https:", 6) == 0 ? "; Secure" : "");
	sr__web_redirect(rq->resp, 303, "/");
}

const sr_user *sr__web_need_viewer(sr_web_rq *rq, const char *here)
{
	const sr_user *u = sr__web_viewer(rq);
	if (u)
		return u;
	sr_buf loc;
	sr_buf_init(&loc, 4096);
	sr_html_printf(&loc, "/signin?return_to=%u", here ? here : rq->req->path);
	sr__web_redirect(rq->resp, 303, loc.data && !loc.failed ? loc.data : "/signin");
	sr_buf_deinit(&loc);
	return NULL;
}

struct sessions_ctx {
	sr_buf *b;
	int64_t current;
	const char *csrf;
	int n;
};

static int session_row(void *ud, const void *row)
{
	struct sessions_ctx *c = ud;
	const sr_session_row *r = row;
	if (r->expires_at <= sr_now_ms())
		return 0;
	char created[32], seen[32];
	sr__web_date(r->created_at, created, sizeof(created));
	sr__web_date(r->last_seen_at, seen, sizeof(seen));
	c->n++;
	sr_html_printf(c->b, "<tr><td>%s%R</td><td>%s</td><td>%s</td><td>%s</td><td>",
		       r->user_agent && r->user_agent[0] ? r->user_agent : "Unknown browser",
		       r->id == c->current ? " <span class=\"badge\">this browser</span>" : "", r->ip ? r->ip : "", created,
		       seen);
	sr_html_printf(c->b,
		       "<form method=\"post\" action=\"/settings/sessions/end\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><input type=\"hidden\" name=\"id\" value=\"%L\">"
		       "<button type=\"submit\">End session</button></form></td></tr>",
		       c->csrf, r->id);
	return 0;
}

void sr__web_sessions(sr_web_rq *rq)
{
	rq->req->route = "web-sessions";
	const sr_user *u = sr__web_need_viewer(rq, NULL);
	if (!u)
		return;
	sr_page p = {&rq->resp->body, "Your sessions", NULL, NULL};
	sr__web_begin(&p);
	sr__web_account_nav(p.b, "sessions");
	sr_html_printf(p.b,
		       "<section aria-labelledby=\"ses-h\"><h1 id=\"ses-h\">Signed-in browsers</h1>"
		       "<p>You are signed in as <b>@%s</b> in these browsers. End a session to sign that browser out. "
		       "Programs sign in with <a href=\"/settings/tokens\">API tokens</a>.</p>"
		       "<table class=\"table\"><thead><tr><th>Browser</th><th>Address</th><th>Signed in</th>"
		       "<th>Last seen</th><th></th></tr></thead><tbody>",
		       u->handle);
	struct sessions_ctx c = {p.b, rq->session.id, sr__web_csrf(rq), 0};
	int rc = sr_store_sessions_of(rq->req->store, u->id, 100, session_row, &c);
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr_html_printf(p.b, "</tbody></table></section>");
	sr__web_end(&p, rq->resp, 200);
}

void sr__web_session_end(sr_web_rq *rq)
{
	rq->req->route = "web-session-end";
	const sr_user *u = sr__web_need_viewer(rq, NULL);
	if (!u)
		return;
	char id[32] = "";
	sr__web_form(rq->req, "id", id, sizeof(id));
	int n = 0;
	int rc = sr_store_session_end(rq->req->store, (int64_t)strtoll(id, NULL, 10), u->id, &n);
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr__web_redirect(rq->resp, 303, "/settings/sessions");
}
