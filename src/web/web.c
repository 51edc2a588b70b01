/*
 * web.c - the web site's routing, layout, error pages, security headers and static assets.
 * The pages themselves are in lists.c (home, browse, search, trending, owner) and skill.c
 * (skill page, file viewer).
 */
#include "web/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/err.h"
#include "http/cache.h"
#include "web/internal.h"
#include "web/signin.h"
#include "web_assets.h"

/* Nothing runs, nothing loads from elsewhere, nothing frames the site, forms post only here. */
#define CSP "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; " \
	    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "     \
	    "form-action 'self'; frame-ancestors 'none'"

static const char *const reserved[] = {
	"api", "static", "skills", "search", "trending", "metrics", "healthz", ".well-known",
	"favicon.ico", "robots.txt", "login", "logout", "settings", "admin", "about", "help",
	"docs", "new", "upload", "publish", "users", "owners", "stars", "dashboard", "auth",
	"cli", "download", "import", "signin", "signout", "invite", "staff", "orgs", "-",
};

int sr_web_reserved(const char *handle)
{
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcasecmp(handle, reserved[i]) == 0)
			return 1;
	return 0;
}

int sr_web_is_page(char **seg, int n)
{
	if (n == 0)
		return 1;
	const char *s = seg[0];
	return strcmp(s, "api") != 0 && strcmp(s, "healthz") != 0 && strcmp(s, "metrics") != 0 &&
	       strcmp(s, ".well-known") != 0;
}

/* The lists depend on the catalog like the API's lists; a skill page and its file viewer on
 * the skill's slug and the rows they read, like the API's detail. */
int sr_web_cache_class(char **seg, int n, const char **slug, const char **route)
{
	if (n == 0) {
		*route = "web-home";
		return SR_CACHE_LISTS;
	}
	const char *s0 = seg[0];
	if (n == 1 && (strcmp(s0, "skills") == 0 || strcmp(s0, "search") == 0 || strcmp(s0, "trending") == 0)) {
		*route = strcmp(s0, "skills") == 0 ? "web-browse" : strcmp(s0, "search") == 0 ? "web-search" : "web-trending";
		return SR_CACHE_LISTS;
	}
	if (sr_web_reserved(s0))
		return SR_CACHE_NONE;
	if (n == 1) {
		*route = "web-owner";
		return SR_CACHE_LISTS;
	}
	if (n == 2 || (n == 3 && strcmp(seg[2], "file") == 0)) {
		*slug = seg[1];
		*route = n == 2 ? "web-skill" : "web-file";
		return SR_CACHE_DETAIL;
	}
	return SR_CACHE_NONE;
}

void sr_web_headers(sr_resp *resp)
{
	sr_resp_header(resp, "Content-Security-Policy", "%s", CSP);
	sr_resp_header(resp, "X-Content-Type-Options", "nosniff");
	sr_resp_header(resp, "Referrer-Policy", "same-origin");
	sr_resp_header(resp, "X-Frame-Options", "DENY");
}

/* ---- layout ---- */

static const struct {
	const char *key, *href, *label;
} top_links[] = {
	{"skills", "/skills", "Browse"},
	{"trending", "/trending", "Trending"},
};

void sr__web_begin(sr_page *p)
{
	sr_buf *b = p->b;
	sr_buf_reset(b);
	sr_html_printf(b,
		       "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		       "<meta name=\"color-scheme\" content=\"light dark\">"
		       "<title>%s · skillreg</title>"
		       "<link rel=\"stylesheet\" href=\"/static/site.css\">"
		       "<link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\">"
		       "</head>\n<body>"
		       "<a class=\"skip\" href=\"#main\">Skip to content</a>"
		       "<header class=\"top\"><div class=\"wrap top-in\">"
		       "<a class=\"brand\" href=\"/\"%R><img src=\"/static/icon.svg\" alt=\"\" width=\"28\" height=\"28\">"
		       "<span>skillreg</span></a>"
		       "<nav class=\"top-nav\" aria-label=\"Main\"><ul>",
		       p->title, p->nav && strcmp(p->nav, "home") == 0 ? " aria-current=\"page\"" : "");
	for (size_t i = 0; i < sizeof(top_links) / sizeof(top_links[0]); i++)
		sr_html_printf(b, "<li><a href=\"%R\"%R>%R</a></li>", top_links[i].href,
			       p->nav && strcmp(p->nav, top_links[i].key) == 0 ? " aria-current=\"page\"" : "",
			       top_links[i].label);
	sr_html_printf(b,
		       "</ul></nav>"
		       "<form class=\"top-search\" role=\"search\" action=\"/search\" method=\"get\">"
		       "<label class=\"vh\" for=\"top-q\">Search skills</label>"
		       "<input id=\"top-q\" name=\"q\" type=\"search\" placeholder=\"Search skills\" value=\"%s\" "
		       "autocomplete=\"off\" maxlength=\"255\">"
		       "<button type=\"submit\">Search</button></form>",
		       p->query ? p->query : "");
	/* Who is signed in. A page answered from the response cache was built for an anonymous
	 * request: a request with a session cookie never reads the cache (sr_web_has_session). */
	sr_web_rq *rq = sr__web_rq();
	const sr_user *u = rq ? sr__web_viewer(rq) : NULL;
	if (u)
		sr_html_printf(b,
			       "<div class=\"top-user\">%R<a href=\"/dashboard\">@%s</a>"
			       "<form method=\"post\" action=\"/signout\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
			       "<button type=\"submit\">Sign out</button></form></div>",
			       u->role == SR_ROLE_MODERATOR || u->role == SR_ROLE_ADMIN ? "<a href=\"/staff\">Staff</a> " : "",
			       u->handle, sr__web_csrf(rq));
	else
		sr_html_printf(b, "<div class=\"top-user\"><a href=\"/signin\">Sign in</a></div>");
	sr_html_printf(b, "</div></header>\n<main id=\"main\" class=\"wrap\" tabindex=\"-1\">");
}

void sr__web_append(sr_buf *dst, const sr_buf *src)
{
	sr_buf_append(dst, src->data ? src->data : "", src->len);
	if (src->failed)
		dst->failed = 1;
}

void sr__web_end(sr_page *p, sr_resp *resp, int status)
{
	sr_html_printf(p->b,
		       "</main>\n<footer class=\"foot\"><div class=\"wrap\">"
		       "<p>skillreg, a ClawHub-compatible skill registry. Install skills with the "
		       "<code>clawhub</code> CLI: <code>clawhub install &lt;slug&gt;</code>.</p>"
		       "<p><a href=\"/skills\">All skills</a> · <a href=\"/trending\">Trending</a> · "
		       "<a href=\"/api/v1/skills\">API</a> · <a href=\"/.well-known/clawhub.json\">Discovery</a></p>"
		       "</div></footer>\n</body></html>\n");
	if (p->b->failed) {
		/* A piece of the page did not fit or could not be written: never serve (or
		 * cache) a page with a hole in it as if it were whole. */
		resp->no_cache = 1;
		sr_buf_reset(p->b);
		sr_html_printf(p->b, "<!doctype html><title>500 Error</title><h1>Something went wrong</h1>"
				     "<p>This page could not be built. Try again in a moment.</p>\n");
		resp->status = 500;
		resp->content_type = "text/html; charset=utf-8";
		return;
	}
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
}

void sr__web_error(sr_req *req, sr_resp *resp, int status, const char *heading, const char *detail)
{
	if (!req->route)
		req->route = "web-error";
	char title[64];
	snprintf(title, sizeof(title), "%d %s", status,
		 status == 404 ? "Not found" : status == 400 ? "Bad request" : status == 410 ? "Gone"
		 : status == 403 ? "Forbidden" : status == 503 ? "Unavailable" : "Error");
	sr_page p = {&resp->body, title, NULL, NULL};
	sr__web_begin(&p);
	sr_html_printf(p.b,
		       "<section class=\"error\" aria-labelledby=\"err-h\">"
		       "<p class=\"error-code\">%d</p><h1 id=\"err-h\">%s</h1><p>%s</p>"
		       "<form class=\"big-search\" role=\"search\" action=\"/search\" method=\"get\">"
		       "<label for=\"err-q\">Search the registry</label>"
		       "<div class=\"row\"><input id=\"err-q\" name=\"q\" type=\"search\" maxlength=\"255\">"
		       "<button type=\"submit\">Search</button></div></form>"
		       "<p>Or go to <a href=\"/\">the home page</a>, <a href=\"/skills\">browse every skill</a> "
		       "or see <a href=\"/trending\">what is trending</a>.</p></section>",
		       status, heading, detail);
	sr__web_end(&p, resp, status);
}

void sr__web_fail(sr_req *req, sr_resp *resp, int rc)
{
	if (rc == SR_EUNAVAIL) {
		sr__web_error(req, resp, 503, "Service unavailable",
			      "The registry's database is not answering. Try again in a moment.");
		return;
	}
	sr__web_error(req, resp, 500, "Something went wrong",
		      rc == SR_ELIMIT ? "This page needed more database reads than a page may make."
				      : "The registry could not read what this page shows. Try again in a moment.");
}

void sr__web_redirect(sr_resp *resp, int status, const char *location)
{
	sr_buf_reset(&resp->body);
	sr_html_printf(&resp->body, "<!doctype html><title>Moved</title><p>Moved to <a href=\"%s\">%s</a>.</p>\n",
		       location, location);
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	sr_resp_header(resp, "Location", "%s", location);
}

/* ---- shared pieces ---- */

void sr__web_date(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d", &tm);
}

void sr__web_size(int64_t bytes, char *out, size_t n)
{
	if (bytes < 1024)
		snprintf(out, n, "%lld B", (long long)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(out, n, "%.1f KB", (double)bytes / 1024);
	else
		snprintf(out, n, "%.1f MB", (double)bytes / (1024 * 1024));
}

long sr__web_param(sr_req *req, const char *key, long def, long lo, long hi)
{
	long v = sr_req_query_long(req, key, def);
	return v < lo ? lo : v > hi ? hi : v;
}

int sr__web_card(sr_buf *b, const sr_skill_row *r, char *const *tokens, int ntokens, const char *extra)
{
	char date[32];
	sr__web_date(r->updated_at, date, sizeof(date));
	int rc = sr_html_printf(b, "<li class=\"card\"><h3 class=\"card-title\"><a href=\"/%u/%u\">", r->owner_handle,
				r->slug);
	if (!rc)
		rc = sr_html_mark(b, r->display_name, tokens, ntokens);
	if (!rc)
		rc = sr_html_printf(b, "</a></h3><p class=\"card-meta\"><a class=\"owner\" href=\"/%u\">@%s</a> "
				    "<span class=\"slug\">", r->owner_handle, r->owner_handle);
	if (!rc)
		rc = sr_html_mark(b, r->slug, tokens, ntokens);
	if (!rc)
		rc = sr_buf_puts(b, "</span>");
	if (!rc && r->latest_version)
		rc = sr_html_printf(b, " <span class=\"ver\">v%s</span>", r->latest_version);
	if (!rc && r->is_suspicious)
		rc = sr_buf_puts(b, " <span class=\"badge badge-warn\">Suspicious</span>");
	if (!rc)
		rc = sr_buf_puts(b, "</p><p class=\"card-summary\">");
	if (!rc)
		rc = sr_html_mark(b, r->summary && r->summary[0] ? r->summary : "No summary.", tokens, ntokens);
	if (!rc)
		rc = sr_html_printf(b,
				    "</p><p class=\"card-stats\"><span><b>%G</b> downloads</span>"
				    "<span><b>%G</b> installs</span><span><b>%G</b> stars</span>"
				    "<span>updated <time datetime=\"%s\">%s</time></span>%R</p></li>",
				    r->downloads, r->installs, r->stars, date, date, extra ? extra : "");
	return rc;
}

/* ---- static assets ---- */

static void asset(sr_req *req, sr_resp *resp, const char *body, const char *type)
{
	req->route = "web-static";
	sr_buf_reset(&resp->body);
	sr_buf_puts(&resp->body, body);
	resp->status = 200;
	resp->content_type = type;
	resp->no_store = 0;
	sr_resp_header(resp, "Cache-Control", "public, max-age=3600");
}

/* ---- dispatch ---- */

int sr_web_has_session(const sr_req *req)
{
	char tok[64];
	return sr__web_cookie(req, SR_WEB_SESSION_COOKIE, tok, sizeof(tok));
}

static int is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* The pages that take a form (POST), and the GET pages of accounts. */
enum {
	PAGE_NONE,
	PAGE_SIGNIN,
	PAGE_SIGNOUT,
	PAGE_SESSIONS,
	PAGE_SESSION_END,
	PAGE_INVITE,
	PAGE_DEVICE,
	PAGE_CLI_AUTH,
	PAGE_TOKENS,
	PAGE_TOKEN_REVOKE,
	PAGE_ADMIN_TOKENS,
	PAGE_ADMIN_TOKEN_REVOKE,
	PAGE_DASHBOARD,
	PAGE_STARS,
	PAGE_ADMIN_TOKEN_INDEX,
	PAGE_ADMIN_TOKEN_PREFIX,
	PAGE_TRANSFERS,
	PAGE_TRANSFER_POST,
	PAGE_STAFF,
	PAGE_APPEAL,
	PAGE_PUBLISH,
	PAGE_PUBLISH_POST,
	PAGE_ORGS,
	PAGE_ORG_CREATE,
	PAGE_ORG,
	PAGE_ORG_POST
};

/* /orgs, /orgs/create (POST), /orgs/{handle}, /orgs/{handle}/{action} (POST). */
static int org_route(char **seg, int n, int post)
{
	if (n < 1 || !is(seg[0], "orgs"))
		return PAGE_NONE;
	if (!post && n == 1)
		return PAGE_ORGS;
	if (post && n == 2 && is(seg[1], "create"))
		return PAGE_ORG_CREATE;
	if (!post && n == 2)
		return PAGE_ORG;
	if (post && n == 3)
		return PAGE_ORG_POST;
	return PAGE_NONE;
}

static int account_route(char **seg, int n, int post)
{
	if (n == 1 && is(seg[0], "signin"))
		return PAGE_SIGNIN;
	if (n == 2 && is(seg[0], "invite"))
		return PAGE_INVITE;
	if (n == 2 && is(seg[0], "cli") && is(seg[1], "device"))
		return PAGE_DEVICE;
	if (!post && n == 2 && is(seg[0], "cli") && is(seg[1], "auth"))
		return PAGE_CLI_AUTH;
	if (post && n == 1 && is(seg[0], "signout"))
		return PAGE_SIGNOUT;
	if (!post && n == 2 && is(seg[0], "settings") && is(seg[1], "sessions"))
		return PAGE_SESSIONS;
	if (post && n == 3 && is(seg[0], "settings") && is(seg[1], "sessions") && is(seg[2], "end"))
		return PAGE_SESSION_END;
	if (n == 2 && is(seg[0], "settings") && is(seg[1], "tokens"))
		return PAGE_TOKENS;
	if (post && n == 3 && is(seg[0], "settings") && is(seg[1], "tokens") && is(seg[2], "revoke"))
		return PAGE_TOKEN_REVOKE;
	if (!post && n == 1 && is(seg[0], "dashboard"))
		return PAGE_DASHBOARD;
	if (!post && n == 1 && is(seg[0], "stars"))
		return PAGE_STARS;
	if (!post && n == 2 && is(seg[0], "admin") && is(seg[1], "tokens"))
		return PAGE_ADMIN_TOKEN_INDEX;
	if (post && n == 3 && is(seg[0], "admin") && is(seg[1], "tokens") && is(seg[2], "revoke"))
		return PAGE_ADMIN_TOKEN_PREFIX;
	if (n >= 4 && is(seg[0], "admin") && is(seg[1], "users") && is(seg[3], "tokens")) {
		if (!post && n == 4)
			return PAGE_ADMIN_TOKENS;
		if (post && n == 5 && is(seg[4], "revoke"))
			return PAGE_ADMIN_TOKEN_REVOKE;
	}
	if (!post && n == 2 && is(seg[0], "settings") && is(seg[1], "transfers"))
		return PAGE_TRANSFERS;
	if (post && n == 3 && is(seg[0], "settings") && is(seg[1], "transfers"))
		return PAGE_TRANSFER_POST;
	if (n >= 1 && is(seg[0], "staff"))
		return PAGE_STAFF;
	if (n >= 2 && is(seg[0], "settings") && is(seg[1], "appeals") &&
	    ((post && n == 3 && is(seg[2], "file")) || (!post && n == 4)))
		return PAGE_APPEAL;
	if (n == 1 && is(seg[0], "publish"))
		return post ? PAGE_PUBLISH_POST : PAGE_PUBLISH;
	return org_route(seg, n, post);
}

static void account_page(sr_web_rq *rq, int page, char **seg, int n, int post)
{
	switch (page) {
	case PAGE_SIGNIN: sr__web_signin(rq); break;
	case PAGE_SIGNOUT: sr__web_signout(rq); break;
	case PAGE_SESSIONS: sr__web_sessions(rq); break;
	case PAGE_SESSION_END: sr__web_session_end(rq); break;
	case PAGE_INVITE: sr__web_invite(rq, seg[1]); break;
	case PAGE_DEVICE: sr__web_device(rq); break;
	case PAGE_CLI_AUTH: sr__web_cli_auth(rq); break;
	case PAGE_TOKENS: sr__web_tokens(rq); break;
	case PAGE_TOKEN_REVOKE: sr__web_token_revoke(rq); break;
	case PAGE_ADMIN_TOKENS: sr__web_admin_tokens(rq, seg[2], 0); break;
	case PAGE_ADMIN_TOKEN_REVOKE: sr__web_admin_tokens(rq, seg[2], 1); break;
	case PAGE_DASHBOARD: sr__web_dashboard(rq); break;
	case PAGE_STARS: sr__web_stars(rq); break;
	case PAGE_ADMIN_TOKEN_INDEX: sr__web_admin_token_index(rq, 0); break;
	case PAGE_ADMIN_TOKEN_PREFIX: sr__web_admin_token_index(rq, 1); break;
	case PAGE_TRANSFERS: sr__web_transfers(rq); break;
	case PAGE_TRANSFER_POST: sr__web_transfer_post(rq, seg[2]); break;
	case PAGE_STAFF: sr__web_staff(rq, seg, n, post); break;
	case PAGE_APPEAL: sr__web_appeal(rq, seg, n, post); break;
	case PAGE_PUBLISH: sr__web_publish(rq); break;
	case PAGE_PUBLISH_POST: sr__web_publish_post(rq); break;
	case PAGE_ORGS: sr__web_orgs(rq); break;
	case PAGE_ORG_CREATE: sr__web_org_post(rq, NULL, "create"); break;
	case PAGE_ORG: sr__web_org(rq, seg[1]); break;
	case PAGE_ORG_POST: sr__web_org_post(rq, seg[1], seg[2]); break;
	}
}

/* A form posted to a page: refused (403) without this browser's CSRF token, which a page of
 * another site cannot know, before any page code runs. */
static void handle_post(sr_web_rq *rq, char **seg, int n)
{
	int page = account_route(seg, n, 1);
	if (page == PAGE_NONE) {
		rq->req->route = "method-not-allowed";
		sr_resp_text(rq->resp, 405, "Method not allowed");
		return;
	}
	char tok[80];
	if (!sr__web_form(rq->req, "csrf", tok, sizeof(tok)) || !sr__web_csrf_ok(rq, tok)) {
		rq->req->route = "web-csrf";
		sr__web_error(rq->req, rq->resp, 403, "Form expired",
			      "This form did not come from this site, or it is too old. Go back, reload the page and send it again.");
		return;
	}
	account_page(rq, page, seg, n, 1);
}

static void handle(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n);

void sr_web_handle(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n)
{
	sr_web_rq rq;
	sr__web_rq_set(&rq, app, req, resp);
	int page;
	if (is(req->method, "POST"))
		handle_post(&rq, seg, n);
	else if ((page = account_route(seg, n, 0)) != PAGE_NONE)
		account_page(&rq, page, seg, n, 0);
	else if (sr__web_idp(&rq, seg, n))
		;
	else
		handle(app, req, resp, seg, n);
	sr__web_rq_set(NULL, NULL, NULL, NULL);
}

static void handle(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n)
{
	if (n == 0) {
		sr__web_home(app, req, resp);
		return;
	}
	const char *s0 = seg[0];
	if (n == 2 && strcmp(s0, "static") == 0) {
		if (strcmp(seg[1], "site.css") == 0)
			asset(req, resp, sr__web_css, "text/css; charset=utf-8");
		else if (strcmp(seg[1], "icon.svg") == 0)
			asset(req, resp, sr__web_icon, "image/svg+xml");
		else
			sr__web_error(req, resp, 404, "No such file", "There is no such file here.");
		return;
	}
	if (n == 1 && strcmp(s0, "favicon.ico") == 0) {
		req->route = "web-static";
		sr__web_redirect(resp, 301, "/static/icon.svg");
		return;
	}
	if (n == 1 && strcmp(s0, "skills") == 0) {
		sr__web_browse(app, req, resp);
		return;
	}
	if (n == 1 && strcmp(s0, "search") == 0) {
		sr__web_search(app, req, resp);
		return;
	}
	if (n == 1 && strcmp(s0, "trending") == 0) {
		sr__web_trending(app, req, resp);
		return;
	}
	if (!sr_web_reserved(s0)) {
		if (n == 1) {
			sr__web_owner(app, req, resp, s0);
			return;
		}
		if (n == 2) {
			sr__web_skill(app, req, resp, s0, seg[1]);
			return;
		}
		if (n == 3 && strcmp(seg[2], "file") == 0) {
			sr__web_file(app, req, resp, s0, seg[1]);
			return;
		}
		if (n == 3 && strcmp(seg[1], "skills") == 0) {
			/* The API's canonicalUrl (/{owner}/skills/{slug}) names the skill page. */
			req->route = "web-redirect";
			sr_buf loc;
			sr_buf_init(&loc, 1024);
			sr_html_printf(&loc, "/%u/%u", s0, seg[2]);
			sr__web_redirect(resp, 301, loc.data ? loc.data : "/");
			sr_buf_deinit(&loc);
			return;
		}
	}
	req->route = "web-not-found";
	sr__web_error(req, resp, 404, "Page not found",
		      "There is no page at this address. The skill may have been renamed or removed.");
}
