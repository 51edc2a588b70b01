/*
 * caching.c - the response cache applied to requests: which requests may be answered from
 * it, and the fill protocol of http/cache.h around the dispatch of the others.
 *
 * Only anonymous GETs are cached: a token holder may see owner-only answers, and is
 * rate-limited on its own; a web page requested with a session cookie shows who is signed in. Which routes are cacheable, and under which class, is each
 * face's own knowledge (sr_api_cache_class, sr_web_cache_class); this file turns a class
 * into the generation counters an answer is kept under.
 */
#include <stdint.h>
#include <string.h>

#include "api/api.h"
#include "app/internal.h"
#include "core/buf.h"
#include "http/cache.h"
#include "http/metrics.h"
#include "registry/slug.h"
#include "store/gen.h"
#include "web/web.h"

int sr__app_cache_class(const sr_req *req, char **seg, int n, int page, const char **slug,
			const char **route)
{
	if (strcmp(req->method, "GET") != 0 || sr_req_header(req, "Authorization") || (page && sr_web_has_session(req)))
		return SR_CACHE_NONE;
	return page ? sr_web_cache_class(seg, n, slug, route) : sr_api_cache_class(req, seg, n, slug, route);
}

/* The generations an answer of class cls depends on, beside the catalog's: for a detail, the
 * details bucket, its slug's and those of the skill rows it read. -1 when they cannot all be
 * named (then the answer is not kept). */
static int detail_deps(const sr_req *req, int cls, const char *slug, sr_cache_deps *d)
{
	if (cls != SR_CACHE_DETAIL)
		return 0;
	char norm[128];
	if (req->reads.skills_overflow || sr_slug_normalize(slug, norm, sizeof(norm)))
		return -1;
	d->slot[d->n++] = SR_GEN_DETAILS;
	d->slot[d->n++] = sr_gens_slot_slug(norm);
	for (int i = 0; i < req->reads.nskills; i++)
		d->slot[d->n++] = sr_gens_slot_id(req->reads.skill_ids[i]);
	return 0;
}

void sr__app_cached(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n, int cls,
		    const char *slug, const char *route)
{
	sr_gens *g = sr_store_gens(req->store);
	char keymem[1024];
	sr_buf key;
	sr_buf_init_fixed(&key, keymem, sizeof(keymem));
	if (sr_req_cache_key(req, &key)) {
		sr__app_dispatch(app, req, resp, seg, n);
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
	sr__app_dispatch(app, req, resp, seg, n);
	resp->cache = "miss";
	/* Only complete answers are kept: not one cut short by a read limit or built around a
	 * database error or an unreadable blob. */
	if (req->reads.exceeded || req->reads.errors || resp->no_cache || resp->fd >= 0 ||
	    (resp->status != 200 && resp->status != 404 && resp->status != 409))
		return;
	sr_cache_deps d = {0};
	if (detail_deps(req, cls, slug, &d))
		return;
	for (int i = 0; i < d.n; i++)
		d.gen[i] = sr_gens_get(g, d.slot[i]);
	/* Read last: if any write committed while the answer was computed, it is not kept. */
	if (sr_gens_get(g, SR_GEN_CATALOG) != catalog)
		return;
	if (cls == SR_CACHE_LISTS) {
		d.slot[d.n] = SR_GEN_CATALOG;
		d.gen[d.n++] = catalog;
	}
	sr_cache_put(app->cache, key.data, key.len, &d, resp);
}
