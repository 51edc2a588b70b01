/*
 * routes.c - maps method and path to an API handler, the tiny routes (discovery, whoami),
 * and which API answers the response cache may keep.
 */
#include <stdio.h>
#include <string.h>

#include "api/internal.h"
#include "http/cache.h"

/* ---- small routes ---- */

static void well_known(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "well-known";
	char origin[600];
	sr_app_origin(app, req, origin, sizeof(origin));
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

/* ---- dispatch ---- */

static int is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/*
 * ClawHub's API is a Convex HTTP router: each route is a method with an exact path or a path
 * prefix, and a wrong method is never a 405. A request one of its prefix routes takes reaches
 * ClawHub's handler for that prefix, which answers a path it does not know with 404 "Not
 * found"; a request no route takes (an unknown path, or a known one asked with a method it is
 * not served with) is answered by the router itself, 404 "No matching routes found". These
 * are ClawHub's prefix routes (convex/http.ts), OPTIONS aside (the controller answers it).
 */
static const struct {
	const char *method, *prefix;
} clawhub_prefixes[] = {
	{"GET", "/api/v1/skills/"},        {"POST", "/api/v1/skills/"},        {"DELETE", "/api/v1/skills/"},
	{"POST", "/api/v1/stars/"},        {"DELETE", "/api/v1/stars/"},       {"GET", "/api/v1/transfers/"},
	{"GET", "/api/v1/users/"},         {"POST", "/api/v1/users/"},         {"GET", "/api/v1/packages/"},
	{"POST", "/api/v1/packages/"},     {"DELETE", "/api/v1/packages/"},    {"GET", "/api/v1/plugins/"},
	{"GET", "/api/v1/promotions/"},    {"POST", "/api/v1/promotions/"},    {"GET", "/api/v1/skill-icons/"},
	{"GET", "/api/v1/agent-skills/"},  {"GET", "/api/v1/publish/attempts/"}, {"GET", "/api/v1/content-rights/"},
	{"POST", "/api/v1/content-rights/"}, {"GET", "/api/v1/skills-sh/"},    {"GET", "/api/npm/"},
};

static void not_found(const sr_req *req, sr_resp *resp)
{
	/* Outside /api (the discovery document) the web site answers, not the API's router. */
	if (strncmp(req->path, "/api/", 5) != 0) {
		sr_resp_text(resp, 404, "Not found");
		return;
	}
	for (size_t i = 0; i < sizeof(clawhub_prefixes) / sizeof(clawhub_prefixes[0]); i++) {
		const char *p = clawhub_prefixes[i].prefix;
		if (strcmp(req->method, clawhub_prefixes[i].method) == 0 && strncmp(req->path, p, strlen(p)) == 0) {
			sr_resp_text(resp, 404, "Not found");
			return;
		}
	}
	sr_resp_text(resp, 404, "No matching routes found");
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
			not_found(req, resp);
		return;
	}
	const char *slug = seg[3];
	if (is(slug, "-")) {
		if (n >= 5 && is(seg[4], "scan"))
			sr__scan_routes(app, req, resp, seg, n);
		else if (n >= 5 && is(seg[4], "appeals"))
			sr__appeal_routes(app, req, resp, seg, n);
		else if (n >= 5 && is(seg[4], "reports"))
			sr__report_routes(app, req, resp, seg, n);
		else if (n == 5 && is(seg[4], "upload-url") && is(m, "POST"))
			sr__upload_url(app, req, resp);
		else if (n == 6 && is(seg[4], "upload") && is(m, "POST"))
			sr__upload(app, req, resp, seg[5]);
		else
			not_found(req, resp);
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
			not_found(req, resp);
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
	else if (n == 5 && is(sub, "verify") && is(m, "GET"))
		sr__verify(app, req, resp, slug);
	else if (n == 5 && is(sub, "card") && is(m, "GET"))
		sr__card(app, req, resp, slug);
	else if (n == 5 && is(sub, "scan") && is(m, "GET"))
		sr__scan_evidence(app, req, resp, slug);
	else if (n == 5 && is(sub, "moderation") && is(m, "GET"))
		sr__moderation(app, req, resp, slug);
	else if (n == 6 && is(sub, "moderation") && is(m, "POST"))
		sr__moderate(app, req, resp, slug, seg[5]);
	else if (n == 5 && is(sub, "rescan") && is(m, "POST"))
		sr__moderate(app, req, resp, slug, "rescan");
	else if (n == 5 && is(sub, "report") && is(m, "POST"))
		sr__report(app, req, resp, slug);
	else if (n == 5 && is(sub, "appeal") && is(m, "POST"))
		sr__appeal(app, req, resp, slug);
	else if (n == 5 && is(sub, "undelete") && is(m, "POST"))
		sr__undelete(app, req, resp, slug);
	else if (n == 5 && (is(sub, "rename") || is(sub, "merge")) && is(m, "POST"))
		sr__rename(app, req, resp, slug, is(sub, "merge"));
	else if (n == 6 && is(sub, "tags") && is(m, "POST"))
		sr__tag(app, req, resp, slug, seg[5]);
	else if (n == 5 && is(sub, "transfer") && is(m, "POST"))
		sr__transfer_request(app, req, resp, slug);
	else if (n == 6 && is(sub, "transfer") && is(m, "POST"))
		sr__transfer_decide(app, req, resp, slug, seg[5]);
	else
		not_found(req, resp);
}

/* ---- response cache (src/http/cache.h) ---- */

/* Lists and search depend on the whole catalog, a skill's detail on its slug and the skill
 * rows it reads. The controller asks only for anonymous GETs. */
int sr_api_cache_class(const sr_req *req, char **seg, int n, const char **slug, const char **route)
{
	if (n == 3 && is(seg[0], "api") && is(seg[1], "v1") && is(seg[2], "skills")) {
		*route = "list";
		return SR_CACHE_LISTS;
	}
	if (n == 3 && is(seg[0], "api") && is(seg[1], "v1") && is(seg[2], "search")) {
		*route = "search";
		return SR_CACHE_LISTS;
	}
	if (n == 3 && is(seg[0], "api") && is(seg[1], "v1") && is(seg[2], "trending")) {
		*route = "trending";
		return SR_CACHE_LISTS;
	}
	if (n == 2 && is(seg[0], "api") && is(seg[1], "search")) {
		*route = "search";
		return SR_CACHE_LISTS;
	}
	if (n == 4 && is(seg[0], "api") && is(seg[1], "v1") && is(seg[2], "skills") && !is(seg[3], "-") &&
	    !is(seg[3], "resolve")) {
		*slug = seg[3];
		*route = "skill";
		return SR_CACHE_DETAIL;
	}
	if (n == 2 && is(seg[0], "api") && is(seg[1], "skill")) {
		*slug = sr_req_query(req, "slug");
		*route = "skill";
		return *slug ? SR_CACHE_DETAIL : SR_CACHE_NONE;
	}
	return SR_CACHE_NONE;
}

void sr_api_dispatch(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n)
{
	const char *m = req->method;
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
		else if (n == 3 && is(r, "publishers") && is(m, "POST"))
			sr__publisher_create(app, req, resp);
		else if (n == 4 && is(r, "users") && is(m, "POST") &&
			 (is(seg[3], "publisher") || is(seg[3], "publisher-member")))
			sr__admin_publisher(app, req, resp, is(seg[3], "publisher-member"));
		else if (n == 4 && is(r, "transfers") && is(m, "GET"))
			sr__transfers_list(app, req, resp, seg[3]);
		else if (n == 4 && is(r, "stars") && (is(m, "POST") || is(m, "DELETE")))
			sr__star(app, req, resp, seg[3], is(m, "POST"));
		else
			not_found(req, resp);
	} else if (n == 4 && is(seg[0], "api") && is(seg[1], "cli") && is(seg[2], "telemetry") &&
		   is(seg[3], "install") && is(m, "POST")) {
		sr__telemetry(app, req, resp);
	} else if (n == 4 && is(seg[0], "api") && is(seg[1], "cli") && is(seg[2], "device") && is(seg[3], "code") &&
		   is(m, "POST")) {
		sr__device_code(app, req, resp);
	} else if (n == 4 && is(seg[0], "api") && is(seg[1], "cli") && is(seg[2], "device") && is(seg[3], "token") &&
		   is(m, "POST")) {
		sr__device_token(app, req, resp);
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
		not_found(req, resp);
	}
	if (!req->route)
		req->route = "not-found";
}
