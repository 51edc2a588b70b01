/*
 * controller.c - the front controller's entry points and routing; see controller.h.
 *
 * A request goes: CORS preflight (any path) -> rate limit (every path) -> the path split into
 * segments -> the web's security headers on web pages -> the response cache for anonymous
 * GETs of cacheable routes (caching.c) -> dispatch: web pages to src/web, /healthz and
 * /metrics here, everything else to src/api.
 */
#include "app/controller.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "app/internal.h"
#include "http/cache.h"
#include "http/metrics.h"
#include "registry/registry.h"
#include "web/web.h"

#define BODY_JSON_MAX (1u << 20)
#define BODY_PUBLISH_MAX (64u << 20)
#define BODY_UPLOAD_MAX ((size_t)SR_MAX_FILE_BYTES + 1)

/* The ceiling of a route's body: a publish's multipart bundle, an upload's one file, a JSON
 * document for the rest of the writes. Reads carry none. */
static size_t route_body_limit(const char *method, const char *path)
{
	if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0 && strcmp(method, "DELETE") != 0)
		return 0;
	if (strncmp(path, "/api/v1/skills/-/upload/", 24) == 0)
		return BODY_UPLOAD_MAX;
	if (strcmp(path, "/api/v1/skills") == 0 || strcmp(path, "/api/v1/skills/") == 0 || strcmp(path, "/publish") == 0)
		return BODY_PUBLISH_MAX;
	return BODY_JSON_MAX;
}

/* The web's upload form (/publish) takes a publish's body from a browser whose session is
 * valid when the headers arrive, as the API takes one from a valid token; without one, the
 * ceiling of a form and, past it, 403 (503 when the session cannot be checked). */
static void web_publish_limit(sr_req *req, sr_body_grant *grant)
{
	int64_t uid = 0;
	int state = req->store ? sr_web_session_user(req, &uid) : SR_AUTH_UNAVAIL;
	if (state == SR_AUTH_OK) {
		grant->user = uid;
		return;
	}
	grant->limit = BODY_JSON_MAX;
	grant->refuse_status = state == SR_AUTH_UNAVAIL ? 503 : 403;
	grant->refuse_text = state == SR_AUTH_UNAVAIL ? "Service unavailable: the database is not answering"
						      : SR_WEB_SIGNIN_TO_PUBLISH;
}

/* A body larger than a JSON document (an upload, a publish) is for a caller whose token is
 * valid when the headers arrive: anyone else gets the JSON ceiling, and the API's 401 (or
 * 503 when the token cannot be checked) if the body passes it, before it is read when its
 * length is announced. The token is looked up here for every body a token comes with, so
 * the body is charged to its user; the handler reuses the answer. */
void sr_app_body_limit(void *ud, sr_req *req, sr_body_grant *grant)
{
	(void)ud;
	memset(grant, 0, sizeof(*grant));
	grant->limit = route_body_limit(req->method, req->path);
	if (!grant->limit)
		return;
	if (strcmp(req->path, "/publish") == 0) {
		web_publish_limit(req, grant);
		return;
	}
	sr_user u;
	int state = SR_AUTH_UNAVAIL;
	if (req->store)
		state = sr_req_auth(req, &u);
	else if (!sr_req_header(req, "Authorization"))
		state = SR_AUTH_NONE;
	if (state == SR_AUTH_OK) {
		grant->user = u.id;
		return;
	}
	if (grant->limit > BODY_JSON_MAX) {
		grant->limit = BODY_JSON_MAX;
		sr_api_auth_refusal(state, &grant->refuse_status, &grant->refuse_text);
	}
}

static int is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* A request header's value without the white space around it: its start, and its length in
 * *len; NULL when the header is absent or blank. */
static const char *trimmed_header(sr_req *req, const char *name, int *len)
{
	const char *h = sr_req_header(req, name);
	if (!h)
		return NULL;
	while (isspace((unsigned char)*h))
		h++;
	size_t n = strlen(h);
	while (n && isspace((unsigned char)h[n - 1]))
		n--;
	*len = n > 4096 ? 4096 : (int)n;
	return n ? h : NULL;
}

/* ClawHub's preflight answer: the methods, the headers asked for (else its list), a day's
 * max-age, and `Vary` naming the request headers the answer echoed or depends on, so a
 * shared cache keeps one answer per combination. */
static void preflight(sr_req *req, sr_resp *resp)
{
	req->route = "options";
	resp->status = 204;
	resp->no_store = 0;
	int hlen = 0, mlen = 0;
	const char *h = trimmed_header(req, "Access-Control-Request-Headers", &hlen);
	const char *m = trimmed_header(req, "Access-Control-Request-Method", &mlen);
	sr_resp_header(resp, "Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS, PATCH, HEAD");
	if (h)
		sr_resp_header(resp, "Access-Control-Allow-Headers", "%.*s", hlen, h);
	else
		sr_resp_header(resp, "Access-Control-Allow-Headers", "Content-Type, Authorization, Digest, X-Clawhub-Version");
	sr_resp_header(resp, "Access-Control-Max-Age", "86400");
	if (m || h)
		sr_resp_header(resp, "Vary", "%s%s%s", m ? "Access-Control-Request-Method" : "", m && h ? ", " : "",
			       h ? "Access-Control-Request-Headers" : "");
}

/* Splits path into at most max segments (in place in buf). Returns the count, or -1 when
 * there are more. Empty segments (double or trailing slashes) are skipped. */
static int split(const char *path, char *buf, size_t bufsz, char **seg, int max)
{
	snprintf(buf, bufsz, "%s", path);
	int n = 0;
	char *save = NULL;
	for (char *p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (n == max)
			return -1;
		seg[n++] = p;
	}
	return n;
}

void sr_app_handle(void *ud, sr_req *req, sr_resp *resp)
{
	sr_app *app = ud;
	if (is(req->method, "OPTIONS")) {
		preflight(req, resp);
		return;
	}
	if (app->ratelimit && sr__app_rate_limit(app, req, resp))
		return;
	char buf[2048];
	char *seg[9];
	int n = strlen(req->path) < sizeof(buf) ? split(req->path, buf, sizeof(buf), seg, 9) : -1;
	if (n < 0) {
		req->route = "not-found";
		sr_resp_text(resp, 404, "Not found");
		return;
	}
	/* Set before the cache is asked, so that a page answered from it carries them too. */
	int page = sr_web_is_page(seg, n);
	if (page)
		sr_web_headers(resp);
	const char *slug = NULL, *route = NULL;
	int cls = app->cache ? sr__app_cache_class(req, seg, n, page, &slug, &route) : SR_CACHE_NONE;
	if (cls != SR_CACHE_NONE)
		sr__app_cached(app, req, resp, seg, n, cls, slug, route);
	else
		sr__app_dispatch(app, req, resp, seg, n);
}

/* Compares in time that depends on the lengths only, so the answer's timing does not tell
 * how much of a guess was right. */
static int same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;
	for (size_t i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/* /metrics tells request rates, routes, cache and database figures: the operator's, not the
 * public's. It answers only the bearer token of --metrics-token-file (what a Prometheus scrape
 * sends with `authorization: {credentials_file: ...}`); without that option it is off. */
static int metrics_allowed(const sr_app *app, sr_req *req, sr_resp *resp)
{
	if (!app->metrics_token) {
		req->route = "metrics-off";
		sr_resp_text(resp, 403, "Forbidden: /metrics is off; start serve with --metrics-token-file to scrape it.");
		return 0;
	}
	const char *h = sr_req_header(req, "Authorization");
	while (h && isspace((unsigned char)*h))
		h++;
	if (h && strncasecmp(h, "Bearer", 6) == 0 && isspace((unsigned char)h[6])) {
		const char *t = h + 7;
		while (isspace((unsigned char)*t))
			t++;
		char tok[512];
		snprintf(tok, sizeof(tok), "%s", t);
		size_t n = strlen(tok);
		while (n && isspace((unsigned char)tok[n - 1]))
			tok[--n] = '\0';
		if (same_secret(tok, app->metrics_token))
			return 1;
	}
	req->route = "metrics-refused";
	sr_resp_header(resp, "WWW-Authenticate", "Bearer realm=\"metrics\"");
	sr_resp_text(resp, 401, "Unauthorized: /metrics needs the token of --metrics-token-file.");
	return 0;
}

static void metrics(sr_app *app, sr_req *req, sr_resp *resp)
{
	if (!metrics_allowed(app, req, resp))
		return;
	req->route = "metrics";
	sr_metrics_render(&resp->body);
	int64_t public_skills;
	if (sr_store_public_count(req->store, &public_skills) == 0)
		sr_buf_printf(&resp->body,
			      "# HELP skillreg_public_skills Public skills (the global count row).\n"
			      "# TYPE skillreg_public_skills gauge\nskillreg_public_skills %lld\n",
			      (long long)public_skills);
	uint64_t marker;
	if (sr_store_sync_marker(req->store, &marker) == 0)
		sr_buf_printf(&resp->body,
			      "# HELP skillreg_gens_marker The highest sync marker (NOTIFY skillreg_gens, 'nN') this "
			      "node applied: writes committed before it are in its cache's generations.\n"
			      "# TYPE skillreg_gens_marker gauge\nskillreg_gens_marker %llu\n",
			      (unsigned long long)marker);
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void sr__app_dispatch(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n)
{
	const char *m = req->method;
	if (sr_web_is_page(seg, n)) {
		/* Everything outside /api, /healthz, /metrics and /.well-known is the web site; its
		 * forms post to it. */
		if (is(m, "GET") || is(m, "POST")) {
			sr_web_handle(app, req, resp, seg, n);
		} else {
			if (!req->route)
				req->route = "method-not-allowed";
			sr_resp_text(resp, 405, "Method not allowed");
		}
		return;
	}
	if (n == 1 && is(seg[0], "healthz") && is(m, "GET")) {
		req->route = "healthz";
		sr_resp_text(resp, 200, "ok");
		return;
	}
	if (n == 1 && is(seg[0], "metrics") && is(m, "GET")) {
		metrics(app, req, resp);
		return;
	}
	sr_api_dispatch(app, req, resp, seg, n);
}
