/*
 * web.h - the web site: server-rendered HTML pages over the same registry and store calls
 * as the API (DESIGN.md section 1). No JavaScript; the stylesheet and icon are compiled in
 * and served from /static/. Every value reaches a page through html.h's one escape function,
 * and every page goes out with a Content-Security-Policy that allows nothing but this
 * origin's stylesheet and images (no script at all).
 *
 * Routes (GET and HEAD):
 *   /                       home: popular, newest and trending skills, the public count, search
 *   /skills                 browse: sort, direction, filter, page size, keyset pages both ways
 *   /search?q=&mode=        search results with the query marked; mode exact | prefix
 *   /trending               the newest trending leaderboard, paged by rank
 *   /{owner}                a publisher's public skills
 *   /{owner}/{slug}         a skill: SKILL.md, install command, versions, tags, files, stats,
 *                           moderation state; old slugs of renamed skills redirect (301)
 *   /{owner}/{slug}/file?path=&version=   one file of a version, as text
 *   /{owner}/skills/{slug}  the API's canonicalUrl form, redirected to /{owner}/{slug}
 *   /static/site.css, /static/icon.svg
 * Signed-in pages and their forms (POST, each with the CSRF token) are in account_route:
 * sign-in, sessions, tokens, /dashboard, /stars, /settings/transfers, /publish (a folder or a
 * zip), /orgs and /orgs/{org} (members, roles, the org's skills).
 * Names a handle cannot take (they are routes here or API paths) are in sr_web_reserved.
 */
#ifndef SR_WEB_H
#define SR_WEB_H

#include "http/context.h"

/* 1 when path segments name a web page (anything that is not an API, health, metrics or
 * discovery path); such responses get the web's security headers. */
int sr_web_is_page(char **seg, int n);
/* Which class of the response cache (http/cache.h) an anonymous GET of the page seg[0..n)
 * belongs to: SR_CACHE_LISTS for the lists (home, browse, search, trending, an owner's
 * skills), SR_CACHE_DETAIL for a skill page and its file viewer (with *slug, the slug it
 * depends on), else SR_CACHE_NONE. *route is the page's route name for the cache's metrics. */
int sr_web_cache_class(char **seg, int n, const char **slug, const char **route);
/* Adds the security headers every web response carries. */
void sr_web_headers(sr_resp *resp);
/* Answers a web page request (GET, or POST of a form; the controller answers any other
 * method with 405). */
void sr_web_handle(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n);
/* 1 when the request carries a session cookie: its pages show who is signed in, so the
 * response cache neither answers nor keeps them. */
int sr_web_has_session(const sr_req *req);
/* The signed-in user of the request's session cookie, looked up when the headers arrive (the
 * front controller lets the upload form's large body in only for a valid session): an
 * SR_AUTH_* state of http/context.h, with *user_id when SR_AUTH_OK. */
int sr_web_session_user(sr_req *req, int64_t *user_id);
/* The text of the answer to an upload form's body too large for a caller without a session. */
#define SR_WEB_SIGNIN_TO_PUBLISH "Sign in to publish: a body this large needs a signed-in session."
/* 1 when a user handle would collide with a route of the site or the API. */
int sr_web_reserved(const char *handle);

#endif
