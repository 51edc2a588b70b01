/*
 * list.c - GET /api/v1/skills (browse, explore, prefix listing) and GET /api/v1/search.
 *
 * A list page is one range of a partial index over browse-eligible skills: it reads the
 * page plus one row (to know whether there is a next page) and never a row it then drops.
 * Search is src/registry/search.c; this file encodes its hits as ClawHub's result cards.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/util.h"
#include "registry/cursor.h"
#include "registry/search.h"
#include "registry/slug.h"
#include "registry/sort.h"

struct page {
	sr_app *app;
	sr_jw *w;
	int sort, limit, n, more;
	sr_cursor last;
};

static int page_row(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct page *p = ud;
	if (p->n == p->limit) {
		p->more = 1;
		return 1;
	}
	p->n++;
	sr__skill_item(p->app, p->w, r);
	sr_cursor_set_row(&p->last, p->sort, r);
	return 0;
}

/*
 * The order and slug prefix a list request asks for (prefix has room for 100 bytes); *trending
 * when it asks for the trending snapshot, whose fallback order *order then is. Non-zero
 * after writing the 400.
 *
 * As ClawHub reads them: both values are trimmed; a `prefix` that is present must be a
 * lower-cased slug start of at most 96 characters and a `sort` that is present a known name,
 * so an empty one of either is refused rather than taken for absent; the prefix is checked
 * first.
 */
static int list_order(sr_req *req, sr_resp *resp, const sr_sort_name **order, char *prefix, int *trending)
{
	char sort_b[32];
	const char *sort_s = sr__query_trimmed(req, "sort", sort_b, sizeof(sort_b));
	const char *prefix_s = sr__query_trimmed(req, "prefix", prefix, 100);
	if (prefix_s) {
		size_t n = strlen(prefix);
		int ok = n > 0 && n <= 96 && isalnum((unsigned char)prefix[0]);
		for (size_t i = 0; ok && i < n; i++) {
			char c = (char)tolower((unsigned char)prefix[i]);
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
				ok = 0;
			prefix[i] = c;
		}
		if (!ok) {
			sr_resp_text(resp, 400, "Invalid prefix query parameter");
			return -1;
		}
	} else {
		prefix[0] = '\0';
	}
	*order = sr_sort_find(sort_s ? sort_s : prefix_s ? "name" : "updated", SR_SORTS_API);
	if (!*order) {
		sr_resp_text(resp, 400, "Invalid sort query parameter");
		return -1;
	}
	if (prefix_s && (*order)->sort != SR_SORT_NAME) {
		sr_resp_text(resp, 400, "Prefix listing only supports name sort");
		return -1;
	}
	/* Trending is the newest leaderboard snapshot; like ClawHub's, it is one page with no
	 * cursor, and when the leaderboard has no browse-eligible skill yet it falls back to the
	 * recently updated ones (api-v1 section 3.2). */
	*trending = (*order)->sort == SR_SORT_TRENDING;
	if (*trending)
		*order = sr_sort_find("updated", SR_SORTS_API);
	return 0;
}

void sr__list(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "list";
	long limit = sr__query_limit(req, "limit", 25);
	if (limit < 1)
		limit = 1;
	if (limit > 200)
		limit = 200;
	const sr_sort_name *order;
	char prefix[100];
	int trending;
	if (list_order(req, resp, &order, prefix, &trending))
		return;
	int sort = order->sort, desc = order->desc;

	int family = sr_list_cursor_family(SR_SORTS_API, SR_FILTER_LISTED, prefix[0] != 0, 0);
	sr_list_query q = {.sort = sort, .filter = SR_FILTER_LISTED, .desc = desc, .limit = (int)limit,
			   .prefix = prefix[0] ? prefix : NULL};
	/* A cursor this list cannot read (garbled, or from another order or listing) starts
	 * over at the first page, as ClawHub's does. */
	sr_cursor cur;
	char cs_b[SR_CURSOR_MAX_LEN + 1];
	const char *cs = sr__query_trimmed(req, "cursor", cs_b, sizeof(cs_b));
	if (cs && cs[0] && !trending && sr_list_cursor_check(cs, sort, desc, family, 1, &cur) == 0)
		sr_list_query_after(&q, &cur);

	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_key(&w, "items");
	sr_jw_arr(&w);
	struct page p = {app, &w, sort, (int)limit, 0, 0, {0}};
	int rc = 0, shown = 0;
	if (trending)
		rc = sr__trending_items(app, req, &w, (int)limit, &shown);
	if (!rc && !shown) {
		/* The store reads limit + 1 rows to know about a next page; the trending fallback has
		 * none, so it reads `limit` rows and shows them all. */
		if (trending)
			q.limit = (int)limit - 1;
		rc = sr_store_list(req->store, &q, page_row, &p);
	}
	if (rc) {
		sr__internal(resp, rc);
		return;
	}
	sr_jw_arr_end(&w);
	sr_jw_key(&w, "nextCursor");
	if (p.more && !trending) {
		char enc[SR_CURSOR_MAX_LEN + 1];
		if (sr_list_cursor_encode(&p.last, sort, desc, family, enc, sizeof(enc))) {
			sr__internal(resp, SR_EINVAL);
			return;
		}
		sr_jw_str(&w, enc);
	} else {
		sr_jw_null(&w);
	}
	sr_jw_obj_end(&w);
	if (sr_jw_error(&w)) {
		sr__internal(resp, sr_jw_error(&w));
		return;
	}
	sr_resp_json(resp, 200);
}

void sr__skill_card(sr_jw *w, const sr_skill_row *r)
{
	char id[40], canonical[300], ref[300];
	snprintf(id, sizeof(id), "clawhub:sk_%lld", (long long)r->id);
	snprintf(canonical, sizeof(canonical), "/%s/skills/%s", r->owner_handle, r->slug);
	snprintf(ref, sizeof(ref), "%s/%s", r->owner_handle, r->slug);
	sr_jw_kstr(w, "id", id);
	sr_jw_kstr(w, "source", "clawhub");
	sr_jw_kstr(w, "slug", r->slug);
	sr_jw_kstr(w, "displayName", r->display_name);
	sr_jw_kstr(w, "summary", r->summary);
	sr_jw_knull(w, "icon");
	sr_jw_kstr(w, "version", r->latest_version);
	sr_jw_kint(w, "downloads", r->downloads);
	sr_jw_kint(w, "stars", r->stars);
	sr_jw_kint(w, "installs", r->installs);
	sr_jw_kint(w, "updatedAt", r->updated_at);
	sr_jw_kstr(w, "ownerHandle", r->owner_handle);
	sr_jw_key(w, "owner");
	sr_jw_obj(w);
	sr_jw_kstr(w, "handle", r->owner_handle);
	sr_jw_kstr(w, "displayName", r->owner_display_name ? r->owner_display_name : r->owner_handle);
	sr_jw_kstr(w, "image", r->owner_image);
	sr_jw_obj_end(w);
	sr_jw_kstr(w, "canonicalUrl", canonical);
	sr_jw_key(w, "install");
	sr_jw_obj(w);
	sr_jw_kstr(w, "kind", "clawhub");
	sr_jw_kstr(w, "reference", ref);
	sr_jw_knull(w, "sourceUrl");
	sr_jw_obj_end(w);
	sr_jw_kbool(w, "official", 0);
	sr_jw_kbool(w, "featured", 0);
}

/* ---- search ---- */

/* A hit is encoded without its closing brace; the score goes in once the order is known. */
static int encode_card(void *ud, const sr_skill_row *r, sr_buf *out)
{
	sr_jw w;
	sr_jw_init(&w, out);
	sr_jw_obj(&w);
	sr__skill_card(&w, r);
	return sr_jw_error(&w) == SR_EINVAL ? 0 : sr_jw_error(&w); /* open object expected */
}

void sr__search(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "search";
	const char *mode = sr_req_query(req, "mode");
	if (mode && mode[0] && strcmp(mode, "exact") != 0) {
		sr_resp_text(resp, 400, "Invalid search mode");
		return;
	}
	int exact = mode && mode[0];
	long limit = sr__query_limit(req, "limit", 10);
	if (limit < 1)
		limit = 1;
	if (limit > SR_SEARCH_LIMIT_MAX)
		limit = SR_SEARCH_LIMIT_MAX;
	/* highlightedOnly keeps staff-highlighted skills; skillreg has no highlight badges yet,
	 * so such a search honestly finds nothing rather than ignoring the filter. */
	const char *hl = sr_req_query(req, "highlightedOnly");
	int highlighted_only = hl && (strcmp(hl, "true") == 0 || strcmp(hl, "1") == 0);
	if (highlighted_only) {
		sr_buf_puts(&resp->body, "{\"results\":[]}");
		sr_resp_json(resp, 200);
		return;
	}
	sr_search_results res;
	int rc = sr_search_run(req->store, sr_req_query(req, "q"), exact, (int)limit, encode_card, NULL, &res);
	if (rc) {
		sr_search_results_free(&res);
		sr__internal(resp, rc);
		return;
	}
	sr_buf *b = &resp->body;
	sr_buf_puts(b, "{\"results\":[");
	for (int i = 0; i < res.n; i++) {
		if (i)
			sr_buf_putc(b, ',');
		sr_buf_append(b, res.hits[i].data, res.hits[i].len);
		sr_buf_printf(b, ",\"score\":%.4f}", sr_search_score(&res.hits[i]));
	}
	sr_buf_puts(b, "]}");
	sr_search_results_free(&res);
	sr_resp_json(resp, 200);
}
