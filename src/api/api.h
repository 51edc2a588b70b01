/*
 * api.h - the ClawHub API v1 face of the server, as the front controller (src/app) calls it.
 *
 * Everything under /api/, the discovery document (/.well-known/clawhub.json) and the CLI's
 * whoami is answered here, with ClawHub's statuses, JSON shapes and plain-text error wording
 * (api-v1 section 1). The controller has already answered CORS preflights, counted the
 * request against its rate limit and looked in the response cache; this face only routes
 * and answers. It knows nothing of the web pages.
 */
#ifndef SR_API_H
#define SR_API_H

#include "http/context.h"
#include "http/http.h"

/* Answers a request whose path, split on '/' (empty segments skipped), is seg[0..n): any
 * path that is not a web page, /healthz or /metrics. Unknown paths and methods a path does
 * not serve answer 404 "Not found", as ClawHub's router does. */
void sr_api_dispatch(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n);

/* Which class of the response cache (http/cache.h) an anonymous GET of seg[0..n) belongs
 * to: SR_CACHE_LISTS for the lists and searches, SR_CACHE_DETAIL for a skill's detail (with
 * *slug, the slug it depends on), else SR_CACHE_NONE. *route is the route's name for the
 * cache's metrics. */
int sr_api_cache_class(const sr_req *req, char **seg, int n, const char **slug, const char **route);

/* The API's answer to a caller whose token state (sr_req_auth's SR_AUTH_*, not SR_AUTH_OK)
 * does not let it do what it asked: 401 with ClawHub's words for a missing, invalid or banned
 * token, 503 when the token could not be checked. text is a string literal. */
void sr_api_auth_refusal(int auth_state, int *status, const char **text);

/* The status and words this API answers a domain refusal with (api/error.h; a refusal that
 * names another skill's page names its absolute URL, which rewrites err->arg). The web
 * site's upload form shows the same words through sr_app.refusal_text, which serve sets to
 * this function: the web may not include the API. */
struct sr_regerr;
int sr_api_refusal(sr_app *app, const sr_req *req, struct sr_regerr *err, char *text, size_t n);

#endif
