/*
 * router.c - maps method and path to a handler, and the small helpers every handler uses:
 * bearer authentication, skill lookup with ClawHub's 404/409 answers, and the tiny routes
 * (health, discovery, whoami, CORS preflight, telemetry).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/log.h"
#include "core/util.h"
#include "http/cache.h"
#include "http/metrics.h"
#include "http/ratelimit.h"
#include "registry/slug.h"
#include "store/gen.h"
#include "web/web.h"

#define BODY_JSON_MAX (1u << 20)
#define BODY_PUBLISH_MAX (64u << 20)
#define BODY_UPLOAD_MAX ((size_t)SR_MAX_FILE_BYTES + 1)

size_t sr_api_body_limit(void *app, const char *method, const char *path)
{
	if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0 && strcmp(method, "DELETE") != 0)
		return 0;
	if (strncmp(path, "/api/v1/skills/-/upload/", 24) == 0)
		return BODY_UPLOAD_MAX;
	if (strcmp(path, "/api/v1/skills") == 0 || strcmp(path, "/api/v1/skills/") == 0)
		return BODY_PUBLISH_MAX;
	return BODY_JSON_MAX;
}

/* ---- authentication ---- */

static int auth_uncached(sr_req *req, sr_user *user);

/* The token is looked up once per request (the rate limiter and the handler share it). */
int sr__auth(sr_req *req, sr_user *user)
{
	if (!req->auth_done) {
		req->auth_state = auth_uncached(req, &req->auth_user);
		req->auth_done = 1;
	}
	*user = req->auth_user;
	return req->auth_state;
}

static int auth_uncached(sr_req *req, sr_user *user)
{
	memset(user, 0, sizeof(*user));
	const char *h = sr_req_header(req, "Authorization");
	if (!h)
		return SR_AUTH_NONE;
	while (isspace((unsigned char)*h))
		h++;
	if (strncasecmp(h, "bearer", 6) != 0 || !isspace((unsigned char)h[6]))
		return SR_AUTH_INVALID;
	h += 6;
	char *tok = sr_trim_dup(h, strlen(h));
	if (!tok)
		return SR_AUTH_INVALID;
	if (!tok[0]) {
		free(tok);
		return SR_AUTH_NONE;
	}
	char hash[65];
	sr_sha256_hex(tok, strlen(tok), hash);
	free(tok);
	int revoked = 0;
	int rc = sr_store_token_lookup(req->store, hash, user, &revoked);
	if (rc || revoked)
		return SR_AUTH_INVALID;
	if (user->deactivated_at)
		return SR_AUTH_BANNED;
	return SR_AUTH_OK;
}

int sr__require_user(sr_req *req, sr_resp *resp, sr_user *user)
{
	switch (sr__auth(req, user)) {
	case SR_AUTH_OK:
		return 0;
	case SR_AUTH_NONE:
		sr_resp_text(resp, 401, "Unauthorized: API token is missing. Run `clawhub login` to authenticate.");
		break;
	case SR_AUTH_BANNED:
		sr_resp_text(resp, 401, "Unauthorized: This ClawHub account is not in good standing and cannot "
					"use API tokens. Contact the registry's moderators if you believe this is a mistake.");
		break;
	default:
		sr_resp_text(resp, 401, "Unauthorized: API token is invalid or revoked. Run `clawhub login` again.");
		break;
	}
	return -1;
}

const sr_user *sr__optional_user(sr_req *req, sr_user *storage)
{
	return sr__auth(req, storage) == SR_AUTH_OK ? storage : NULL;
}

/* ---- helpers ---- */

void sr__origin(sr_app *app, sr_req *req, char *out, size_t n)
{
	if (app->public_url[0]) {
		snprintf(out, n, "%s", app->public_url);
		return;
	}
	const char *host = sr_req_header(req, "Host");
	int ok = host && host[0] && strlen(host) < 200;
	for (const char *p = host; ok && *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
			ok = 0;
	snprintf(out, n, "http://%s", ok ? host : "127.0.0.1");
}

const char *sr__owner_param(sr_req *req)
{
	const char *o = sr_req_query(req, "ownerHandle");
	if (!o || !o[0])
		o = sr_req_query(req, "owner");
	return o && o[0] ? o : NULL;
}

long sr__query_long(sr_req *req, const char *key, long def)
{
	const char *v = sr_req_query(req, key);
	if (!v || !v[0])
		return def;
	char *end;
	long n = strtol(v, &end, 10);
	while (*end && isspace((unsigned char)*end))
		end++;
	return *end ? def : n;
}

json_t *sr__body_object(sr_req *req, sr_resp *resp)
{
	if (!req->body->len)
		return json_object();
	json_error_t e;
	json_t *j = json_loadb(req->body->data, req->body->len, 0, &e);
	if (!json_is_object(j)) {
		json_decref(j);
		sr_resp_text(resp, 400, "Invalid JSON body");
		return NULL;
	}
	return j;
}

void sr__internal(sr_resp *resp, int rc)
{
	if (rc == SR_ELIMIT)
		sr_resp_text(resp, 500, "Read limit exceeded");
	else
		sr_resp_text(resp, 500, "Internal Server Error");
}

static void conflict_json(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, const sr_lookup *lk)
{
	char origin[600];
	sr__origin(app, req, origin, sizeof(origin));
	sr_jw w;
	sr_buf_reset(&resp->body);
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "code", "AMBIGUOUS_SKILL_SLUG");
	char msg[300];
	snprintf(msg, sizeof(msg), "Found multiple skills with the slug \"%s\"; specify which one you want to install:", slug);
	sr_jw_kstr(&w, "message", msg);
	sr_jw_kstr(&w, "slug", slug);
	sr_jw_key(&w, "matches");
	sr_jw_arr(&w);
	for (int i = 0; i < lk->nmatches; i++) {
		const sr_skill *m = &lk->matches[i];
		char ref[200], url[1000];
		snprintf(ref, sizeof(ref), "@%s/%s", m->owner_handle, m->slug);
		snprintf(url, sizeof(url), "%s/%s/%s", origin, m->owner_handle, m->slug);
		sr_jw_obj(&w);
		sr_jw_kstr(&w, "ownerHandle", m->owner_handle);
		sr_jw_kstr(&w, "slug", m->slug);
		sr_jw_kstr(&w, "ref", ref);
		sr_jw_kstr(&w, "url", url);
		sr_jw_obj_end(&w);
	}
	sr_jw_arr_end(&w);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 409);
}

int sr__find_skill(sr_app *app, sr_req *req, sr_resp *resp, const char *slug_in, const char *owner,
		   const sr_user *caller, int json_conflict, sr_skill *out)
{
	char slug[128];
	if (!slug_in || sr_slug_normalize(slug_in, slug, sizeof(slug)) || !sr_slug_is_plausible(slug)) {
		if (!slug_in || !slug_in[0])
			sr_resp_text(resp, 400, "Missing slug");
		else
			sr_resp_text(resp, 404, "Skill not found");
		return -1;
	}
	sr_lookup lk;
	int rc = sr_lookup_skill(req->store, slug, owner, caller, &lk);
	if (rc == 0) {
		*out = lk.skill;
		return 0;
	}
	if (rc == SR_ENOTFOUND) {
		sr_resp_text(resp, 404, "Skill not found");
	} else if (rc == SR_ECONFLICT) {
		if (json_conflict)
			conflict_json(app, req, resp, slug, &lk);
		else
			sr_resp_textf(resp, 409,
				      "Ambiguous skill slug \"%s\". Multiple publishers use this slug. Retry with "
				      "ownerHandle, for example: /api/v1/download?slug=%s&ownerHandle=<owner>.",
				      slug, slug);
	} else {
		sr__internal(resp, rc);
	}
	return -1;
}

/* ---- small routes ---- */

static void healthz(sr_req *req, sr_resp *resp)
{
	req->route = "healthz";
	sr_resp_text(resp, 200, "ok");
}

static void well_known(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "well-known";
	char origin[600];
	sr__origin(app, req, origin, sizeof(origin));
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "apiBase", origin);
	sr_jw_kstr(&w, "authBase", origin);
	sr_jw_kstr(&w, "minCliVersion", "0.1.0");
	sr_jw_kstr(&w, "registry", origin);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 200);
}

static void whoami(sr_req *req, sr_resp *resp)
{
	req->route = "whoami";
	sr_user u;
	if (sr__require_user(req, resp, &u))
		return;
	static const char *const roles[] = {"user", "moderator", "admin"};
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_key(&w, "user");
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "handle", u.handle);
	sr_jw_kstr(&w, "displayName", u.display_name[0] ? u.display_name : u.handle);
	sr_jw_kstr(&w, "image", u.image[0] ? u.image : NULL);
	sr_jw_kstr(&w, "role", roles[u.role >= 0 && u.role <= 2 ? u.role : 0]);
	sr_jw_obj_end(&w);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 200);
}

static void preflight(sr_req *req, sr_resp *resp)
{
	req->route = "options";
	resp->status = 204;
	resp->no_store = 0;
	const char *h = sr_req_header(req, "Access-Control-Request-Headers");
	sr_resp_header(resp, "Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS, PATCH, HEAD");
	sr_resp_header(resp, "Access-Control-Allow-Headers", "%s",
		       h && h[0] ? h : "Content-Type, Authorization, Digest, X-Clawhub-Version");
	sr_resp_header(resp, "Access-Control-Max-Age", "86400");
}

/* ---- dispatch ---- */

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

static int is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static void not_allowed(sr_req *req, sr_resp *resp)
{
	if (!req->route)
		req->route = "method-not-allowed";
	sr_resp_text(resp, 405, "Method not allowed");
}

static void skill_routes(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n)
{
	const char *m = req->method;
	/* seg[0..2] = api v1 skills */
	if (n == 3) {
		if (is(m, "GET"))
			sr__list(app, req, resp);
		else if (is(m, "POST"))
			sr__publish(app, req, resp);
		else
			not_allowed(req, resp);
		return;
	}
	const char *slug = seg[3];
	if (is(slug, "-")) {
		if (n == 5 && is(seg[4], "upload-url") && is(m, "POST"))
			sr__upload_url(app, req, resp);
		else if (n == 6 && is(seg[4], "upload") && is(m, "POST"))
			sr__upload(app, req, resp, seg[5]);
		else
			sr_resp_text(resp, 404, "Not found");
		return;
	}
	if (n == 4 && is(slug, "resolve") && is(m, "GET")) {
		sr__resolve(app, req, resp);
		return;
	}
	if (n == 4) {
		if (is(m, "GET"))
			sr__detail(app, req, resp, slug);
		else if (is(m, "DELETE"))
			sr__delete(app, req, resp, slug);
		else
			not_allowed(req, resp);
		return;
	}
	const char *sub = seg[4];
	if (n == 5 && is(sub, "versions") && is(m, "GET"))
		sr__versions(app, req, resp, slug);
	else if (n == 6 && is(sub, "versions") && is(m, "GET"))
		sr__version(app, req, resp, slug, seg[5]);
	else if (n == 6 && is(sub, "versions") && is(m, "DELETE"))
		sr__version_delete(app, req, resp, slug, seg[5], 0);
	else if (n == 7 && is(sub, "versions") && is(seg[6], "restore") && is(m, "POST"))
		sr__version_delete(app, req, resp, slug, seg[5], 1);
	else if (n == 5 && is(sub, "file") && is(m, "GET"))
		sr__file(app, req, resp, slug);
	else if (n == 5 && is(sub, "install") && is(m, "GET"))
		sr__install(app, req, resp, slug);
	else if (n == 5 && is(sub, "moderation") && is(m, "GET"))
		sr__moderation(app, req, resp, slug);
	else if (n == 6 && is(sub, "moderation") && is(m, "POST"))
		sr__moderate(app, req, resp, slug, seg[5]);
	else if (n == 5 && is(sub, "rescan") && is(m, "POST"))
		sr__moderate(app, req, resp, slug, "rescan");
	else if (n == 5 && is(sub, "report") && is(m, "POST"))
		sr__report(app, req, resp, slug);
	else if (n == 5 && is(sub, "undelete") && is(m, "POST"))
		sr__undelete(app, req, resp, slug);
	else if (n == 5 && (is(sub, "rename") || is(sub, "merge")) && is(m, "POST"))
		sr__rename(app, req, resp, slug, is(sub, "merge"));
	else if (n == 6 && is(sub, "tags") && is(m, "POST"))
		sr__tag(app, req, resp, slug, seg[5]);
	else
		sr_resp_text(resp, 404, "Not found");
}

/* ---- rate limits (api-v1 section 4) ---- */

enum { RL_READ, RL_WRITE, RL_DOWNLOAD };

static const int64_t rl_limits[3][3] = {
	/* anonymous, token, admin token, per minute */
	[RL_READ] = {3000, 12000, 120000},
	[RL_WRITE] = {300, 3000, 30000},
	[RL_DOWNLOAD] = {1200, 6000, 60000},
};

/* Counts the request once; 0 to go on, else the 429 is written. A valid token charges only
 * its user's bucket, anything else the client address's. */
static int rate_limit(sr_app *app, sr_req *req, sr_resp *resp)
{
	static const char *const names[] = {"read", "write", "download"};
	int cls = RL_READ;
	if (strcmp(req->path, "/api/v1/download") == 0 || strcmp(req->path, "/api/download") == 0)
		cls = RL_DOWNLOAD;
	else if (!is(req->method, "GET"))
		cls = RL_WRITE;
	sr_user u;
	int who = 0;
	char key[128];
	if (sr__auth(req, &u) == SR_AUTH_OK) {
		who = u.role == SR_ROLE_ADMIN ? 2 : 1;
		snprintf(key, sizeof(key), "%s:u:%lld", names[cls], (long long)u.id);
	} else {
		snprintf(key, sizeof(key), "%s:ip:%s", names[cls], req->client_ip);
	}
	int64_t now = sr_now_ms();
	sr_rate_result r;
	sr_ratelimit_hit(app->ratelimit, key, rl_limits[cls][who], now, &r);
	int64_t left = r.reset_epoch_s - now / 1000;
	if (left < 1)
		left = 1;
	sr_resp_header(resp, "X-RateLimit-Limit", "%lld", (long long)r.limit);
	sr_resp_header(resp, "X-RateLimit-Reset", "%lld", (long long)r.reset_epoch_s);
	sr_resp_header(resp, "RateLimit-Limit", "%lld", (long long)r.limit);
	sr_resp_header(resp, "RateLimit-Reset", "%lld", (long long)left);
	if (r.allowed)
		return 0;
	req->route = "rate-limited";
	sr_resp_header(resp, "X-RateLimit-Remaining", "0");
	sr_resp_header(resp, "RateLimit-Remaining", "0");
	sr_resp_header(resp, "Retry-After", "%lld", (long long)left);
	sr_resp_text(resp, 429, "Rate limit exceeded");
	return -1;
}

/* ---- response cache (src/http/cache.h) ---- */

enum { CACHE_NONE = 0, CACHE_LISTS, CACHE_DETAIL };

/* Which cached class a GET belongs to: lists and search depend on the whole catalog, a
 * skill's detail on its slug and the skill rows it reads. Only anonymous requests are
 * cached: a token holder may see owner-only answers, and is rate-limited on its own. */
static int cache_class(sr_req *req, char **seg, int n, const char **slug, const char **route)
{
	if (!is(req->method, "GET") || sr_req_header(req, "Authorization"))
		return CACHE_NONE;
	if (n == 3 && is(seg[0], "api") && is(seg[1], "v1") && is(seg[2], "skills")) {
		*route = "list";
		return CACHE_LISTS;
	}
	if (n == 3 && is(seg[0], "api") && is(seg[1], "v1") && is(seg[2], "search")) {
		*route = "search";
		return CACHE_LISTS;
	}
	if (n == 3 && is(seg[0], "api") && is(seg[1], "v1") && is(seg[2], "trending")) {
		*route = "trending";
		return CACHE_LISTS;
	}
	if (n == 2 && is(seg[0], "api") && is(seg[1], "search")) {
		*route = "search";
		return CACHE_LISTS;
	}
	if (n == 4 && is(seg[0], "api") && is(seg[1], "v1") && is(seg[2], "skills") && !is(seg[3], "-") &&
	    !is(seg[3], "resolve")) {
		*slug = seg[3];
		*route = "skill";
		return CACHE_DETAIL;
	}
	if (n == 2 && is(seg[0], "api") && is(seg[1], "skill")) {
		*slug = sr_req_query(req, "slug");
		*route = "skill";
		return *slug ? CACHE_DETAIL : CACHE_NONE;
	}
	/* Web pages: the lists (home, browse, search, trending, an owner's skills) depend on the
	 * catalog like the API's lists; a skill page and its file viewer on the skill's slug and
	 * the rows they read, like the API's detail. */
	if (!sr_web_is_page(seg, n))
		return CACHE_NONE;
	if (n == 0) {
		*route = "web-home";
		return CACHE_LISTS;
	}
	if (n == 1 && (is(seg[0], "skills") || is(seg[0], "search") || is(seg[0], "trending"))) {
		*route = is(seg[0], "skills") ? "web-browse" : is(seg[0], "search") ? "web-search" : "web-trending";
		return CACHE_LISTS;
	}
	if (sr_web_reserved(seg[0]))
		return CACHE_NONE;
	if (n == 1) {
		*route = "web-owner";
		return CACHE_LISTS;
	}
	if (n == 2 || (n == 3 && is(seg[2], "file"))) {
		*slug = seg[1];
		*route = n == 2 ? "web-skill" : "web-file";
		return CACHE_DETAIL;
	}
	return CACHE_NONE;
}

static void dispatch(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n);

/* Answers a cacheable GET from the cache, or computes it and stores it following the fill
 * protocol of cache.h. */
static void cached(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n, int cls,
		   const char *slug, const char *route)
{
	sr_gens *g = sr_store_gens(req->store);
	char keymem[1024];
	sr_buf key;
	sr_buf_init_fixed(&key, keymem, sizeof(keymem));
	if (sr_req_cache_key(req, &key)) {
		dispatch(app, req, resp, seg, n);
		return;
	}
	uint64_t catalog = sr_gens_get(g, SR_GEN_CATALOG);
	if (sr_cache_get(app->cache, g, key.data, key.len, resp)) {
		req->route = route;
		resp->cache = "hit";
		sr_metrics_cache(route, 1);
		return;
	}
	sr_metrics_cache(route, 0);
	dispatch(app, req, resp, seg, n);
	resp->cache = "miss";
	/* Only complete answers are kept: not one cut short by a read limit or built around a
	 * database error or an unreadable blob. */
	if (req->reads.exceeded || req->reads.errors || resp->no_cache || resp->fd >= 0 ||
	    (resp->status != 200 && resp->status != 404 && resp->status != 409))
		return;
	sr_cache_deps d = {0};
	if (cls == CACHE_DETAIL) {
		char norm[128];
		if (req->reads.skills_overflow || sr_slug_normalize(slug, norm, sizeof(norm)))
			return;
		d.slot[d.n++] = SR_GEN_DETAILS;
		d.slot[d.n++] = sr_gens_slot_slug(norm);
		for (int i = 0; i < req->reads.nskills; i++)
			d.slot[d.n++] = sr_gens_slot_id(req->reads.skill_ids[i]);
	}
	for (int i = 0; i < d.n; i++)
		d.gen[i] = sr_gens_get(g, d.slot[i]);
	/* Read last: if any write committed while the answer was computed, it is not kept. */
	if (sr_gens_get(g, SR_GEN_CATALOG) != catalog)
		return;
	if (cls == CACHE_LISTS) {
		d.slot[d.n] = SR_GEN_CATALOG;
		d.gen[d.n++] = catalog;
	}
	sr_cache_put(app->cache, key.data, key.len, &d, resp);
}

void sr_api_handle(void *ud, sr_req *req, sr_resp *resp)
{
	sr_app *app = ud;
	const char *m = req->method;
	if (is(m, "OPTIONS")) {
		preflight(req, resp);
		return;
	}
	if (app->ratelimit && strncmp(req->path, "/api/", 5) == 0 && rate_limit(app, req, resp))
		return;
	char buf[2048];
	char *seg[9];
	int n = strlen(req->path) < sizeof(buf) ? split(req->path, buf, sizeof(buf), seg, 9) : -1;
	if (n < 0) {
		req->route = "not-found";
		sr_resp_text(resp, 404, "Not found");
		return;
	}
	if (sr_web_is_page(seg, n))
		sr_web_headers(resp);
	const char *slug = NULL, *route = NULL;
	int cls = app->cache ? cache_class(req, seg, n, &slug, &route) : CACHE_NONE;
	if (cls != CACHE_NONE)
		cached(app, req, resp, seg, n, cls, slug, route);
	else
		dispatch(app, req, resp, seg, n);
}

static void dispatch(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n)
{
	const char *m = req->method;
	if (sr_web_is_page(seg, n)) {
		/* Everything outside /api, /healthz, /metrics and /.well-known is the web site. */
		if (is(m, "GET"))
			sr_web_handle(app, req, resp, seg, n);
		else
			not_allowed(req, resp);
		return;
	}
	if (n == 1 && is(seg[0], "healthz") && is(m, "GET")) {
		healthz(req, resp);
		return;
	}
	if (n == 1 && is(seg[0], "metrics") && is(m, "GET")) {
		req->route = "metrics";
		sr_metrics_render(&resp->body);
		int64_t public_skills;
		if (sr_store_public_count(req->store, &public_skills) == 0)
			sr_buf_printf(&resp->body,
				      "# HELP skillreg_public_skills Public skills (the global count row).\n"
				      "# TYPE skillreg_public_skills gauge\nskillreg_public_skills %lld\n",
				      (long long)public_skills);
		resp->status = 200;
		resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
		return;
	}
	if (n == 2 && is(seg[0], ".well-known") && (is(seg[1], "clawhub.json") || is(seg[1], "clawdhub.json")) &&
	    is(m, "GET")) {
		well_known(app, req, resp);
		return;
	}
	if (n >= 3 && is(seg[0], "api") && is(seg[1], "v1")) {
		const char *r = seg[2];
		if (n == 3 && is(r, "whoami") && is(m, "GET"))
			whoami(req, resp);
		else if (n == 3 && is(r, "search") && is(m, "GET"))
			sr__search(app, req, resp);
		else if (n == 3 && is(r, "trending") && is(m, "GET"))
			sr__trending(app, req, resp);
		else if (n == 3 && is(r, "resolve") && is(m, "GET"))
			sr__resolve(app, req, resp);
		else if (n == 3 && is(r, "download") && is(m, "GET"))
			sr__download(app, req, resp);
		else if (is(r, "skills"))
			skill_routes(app, req, resp, seg, n);
		else if (n == 4 && is(r, "stars") && (is(m, "POST") || is(m, "DELETE")))
			sr__star(app, req, resp, seg[3], is(m, "POST"));
		else
			sr_resp_text(resp, 404, "Not found");
	} else if (n == 4 && is(seg[0], "api") && is(seg[1], "cli") && is(seg[2], "telemetry") &&
		   is(seg[3], "install") && is(m, "POST")) {
		sr__telemetry(app, req, resp);
	} else if (n == 3 && is(seg[0], "api") && is(seg[1], "cli") && is(seg[2], "whoami") && is(m, "GET")) {
		whoami(req, resp);
	} else if (n == 2 && is(seg[0], "api") && is(m, "GET") &&
		   (is(seg[1], "download") || is(seg[1], "search") || is(seg[1], "skill"))) {
		/* The pre-v1 read routes (deprecated by ClawHub, still mounted there). */
		if (is(seg[1], "download"))
			sr__download(app, req, resp);
		else if (is(seg[1], "search"))
			sr__search(app, req, resp);
		else
			sr__detail(app, req, resp, sr_req_query(req, "slug"));
	} else if (n == 3 && is(seg[0], "api") && is(seg[1], "skill") && is(seg[2], "resolve") && is(m, "GET")) {
		sr__resolve(app, req, resp);
	} else {
		sr_resp_text(resp, 404, "Not found");
	}
	if (!req->route)
		req->route = "not-found";
}
