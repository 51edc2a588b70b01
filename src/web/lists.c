/*
 * lists.c - the web pages that show lists of skills: home, browse, search, trending, owner.
 *
 * Each list is the same read as its API counterpart: one range of a partial index per list
 * (page size plus one row, to know whether another page follows), the bounded search, the
 * trending snapshot's rank range. Browse pages go both ways: a "previous" cursor reads the
 * same index in the opposite direction from the first row shown and reverses what it read.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/util.h"
#include "registry/cursor.h"
#include "registry/registry.h"
#include "registry/search.h"
#include "registry/slug.h"
#include "registry/sort.h"
#include "stats/trending.h"
#include "web/internal.h"

#define HOME_ROWS 6
#define PAGE_SIZES {10, 25, 50, 100}
#define PAGE_DEFAULT 25
#define TRENDING_PAGE 25
#define OWNER_PAGE 25
#define SEARCH_ROWS 25

/* The owner page's cursors: a kind of their own, beside the browse lists' (registry/sort.h). */
#define OWNER_CURSOR_KIND 60

/* ---- rows into cards ---- */

struct rows {
	sr_buf *b;
	int limit, n, more;
	int sort;
	sr_cursor first, last;
	int rc;
	/* Backwards pages arrive in reverse: their cards are kept and written reversed. */
	int reverse;
	char *cards[101];
};

static int card_row(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct rows *k = ud;
	if (k->n == k->limit) {
		k->more = 1;
		return 1;
	}
	if (k->n == 0)
		sr_cursor_set_row(&k->first, k->sort, r);
	sr_cursor_set_row(&k->last, k->sort, r);
	k->n++;
	if (!k->reverse) {
		k->rc = sr__web_card(k->b, r, NULL, 0, NULL);
		return k->rc;
	}
	sr_buf one;
	sr_buf_init(&one, 64 * 1024);
	k->rc = sr__web_card(&one, r, NULL, 0, NULL);
	k->cards[k->n - 1] = sr_buf_steal(&one, NULL);
	if (!k->rc && !k->cards[k->n - 1])
		k->rc = SR_ENOMEM;
	return k->rc;
}

static void free_cards(struct rows *k)
{
	for (int i = 0; i < k->n && i < 101; i++)
		free(k->cards[i]);
}

static int list_into(sr_req *req, sr_buf *b, int sort, int filter, int desc, int limit, struct rows *k)
{
	memset(k, 0, sizeof(*k));
	k->b = b;
	k->limit = limit;
	k->sort = sort;
	sr_list_query q = {.sort = sort, .filter = filter, .desc = desc, .limit = limit};
	int rc = sr_store_list(req->store, &q, card_row, k);
	return rc ? rc : k->rc;
}

/* ---- home ---- */

struct trend_cards {
	sr_buf *b;
};

static int trend_card(void *ud, const sr_skill_row *r, int rank, int64_t installs, int64_t downloads)
{
	struct trend_cards *t = ud;
	char extra[96];
	snprintf(extra, sizeof(extra), "<span class=\"rank\">#%d this week</span>", rank);
	return sr__web_card(t->b, r, NULL, 0, extra);
}

static int home_section(sr_req *req, sr_buf *b, const char *id, const char *heading, const char *more_href,
			int sort)
{
	sr_html_printf(b, "<section class=\"block\" aria-labelledby=\"%R\"><div class=\"block-head\">"
			  "<h2 id=\"%R\">%R</h2><a href=\"%R\">See all</a></div><ul class=\"cards\">",
		       id, id, heading, more_href);
	struct rows k;
	int rc = list_into(req, b, sort, SR_FILTER_LISTED, 1, HOME_ROWS, &k);
	if (!rc && k.n == 0)
		sr_buf_puts(b, "<li class=\"empty\">No skills yet.</li>");
	sr_buf_puts(b, "</ul></section>");
	return rc;
}

void sr__web_home(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "web-home";
	int64_t count = 0;
	int rc = sr_store_public_count(req->store, &count);
	if (rc) {
		sr__web_fail(req, resp, rc);
		return;
	}
	sr_page p = {&resp->body, "Find skills for your agents", NULL, "home"};
	sr__web_begin(&p);
	sr_buf *b = p.b;
	sr_html_printf(b,
		       "<section class=\"hero\" aria-labelledby=\"hero-h\"><h1 id=\"hero-h\">Skills for your agents</h1>"
		       "<p class=\"hero-sub\"><strong class=\"count\">%G</strong> public %R, ready to install with "
		       "<code>clawhub install</code>.</p>"
		       "<form class=\"big-search\" role=\"search\" action=\"/search\" method=\"get\">"
		       "<label for=\"home-q\">Search skills by name, slug or description</label>"
		       "<div class=\"row\"><input id=\"home-q\" name=\"q\" type=\"search\" maxlength=\"255\" "
		       "placeholder=\"e.g. pdf, calendar, git\"><button type=\"submit\">Search</button></div></form>"
		       "</section>",
		       count, count == 1 ? "skill" : "skills");
	sr_buf_puts(b, "<div class=\"columns\">");
	/* Trending: the newest snapshot's first browse-eligible entries, as sort=trending reads. */
	sr_buf_puts(b, "<section class=\"block\" aria-labelledby=\"h-trending\"><div class=\"block-head\">"
		       "<h2 id=\"h-trending\">Trending this week</h2><a href=\"/trending\">See all</a></div>"
		       "<ul class=\"cards\">");
	sr_trending_snapshot snap;
	int shown = 0, last = 0, more = 0;
	rc = sr_trending_newest(req->store, &snap);
	if (rc == SR_ENOTFOUND)
		rc = 0;
	else if (!rc && snap.entries) {
		struct trend_cards t = {b};
		rc = sr_trending_walk(req->store, snap.id, 0, HOME_ROWS, 0, trend_card, &t, &shown, &last, &more);
	}
	if (!rc && !shown)
		sr_buf_puts(b, "<li class=\"empty\">Nothing is trending yet: installs over the last seven days "
			       "make the leaderboard.</li>");
	sr_buf_puts(b, "</ul></section>");
	if (!rc)
		rc = home_section(req, b, "h-popular", "Most downloaded", "/skills?sort=downloads", SR_SORT_DOWNLOADS);
	if (!rc)
		rc = home_section(req, b, "h-newest", "Newest", "/skills?sort=newest", SR_SORT_CREATED);
	sr_buf_puts(b, "</div>");
	if (rc) {
		sr__web_fail(req, resp, rc);
		return;
	}
	sr__web_end(&p, resp, 200);
}

/* ---- browse ---- */

/* The query string of a browse link with the given cursor (NULL: first page). */
static void browse_href(sr_buf *b, const char *sort, int dir_given, int desc, int all, int limit,
			const char *prefix, const char *cursor)
{
	sr_html_printf(b, "/skills?sort=%u", sort);
	if (dir_given)
		sr_html_printf(b, "&amp;dir=%R", desc ? "desc" : "asc");
	if (all)
		sr_buf_puts(b, "&amp;filter=all");
	if (limit != PAGE_DEFAULT)
		sr_html_printf(b, "&amp;limit=%d", limit);
	if (prefix && prefix[0])
		sr_html_printf(b, "&amp;prefix=%u", prefix);
	if (cursor)
		sr_html_printf(b, "&amp;cursor=%u", cursor);
}

static int select_option(sr_buf *b, const char *value, const char *label, int selected)
{
	return sr_html_printf(b, "<option value=\"%s\"%R>%s</option>", value, selected ? " selected" : "", label);
}

/* A browse request as its query parameters ask for it. */
struct browse {
	const sr_sort_name *order;
	char prefix[100];
	int dir_given, desc;  /* dir_given: the link named a direction */
	int all, filter;      /* all: every public skill, suspicious ones too */
	int limit;
	int has_cursor, before; /* before: the cursor pages backwards */
	sr_cursor cur;
};

static const int page_sizes[] = PAGE_SIZES;
#define NPAGE_SIZES ((int)(sizeof(page_sizes) / sizeof(page_sizes[0])))

/* Reads the query into br; on a bad parameter writes the 400 page and returns -1. */
static int browse_parse(sr_req *req, sr_resp *resp, struct browse *br)
{
	memset(br, 0, sizeof(*br));
	const char *sort_s = sr_req_query(req, "sort");
	br->order = sr_sort_find(sort_s && sort_s[0] ? sort_s : "updated", SR_SORTS_WEB);
	if (!br->order) {
		sr__web_error(req, resp, 400, "Unknown sort order",
			      "Skills can be sorted by update, creation, downloads, installs, stars or name.");
		return -1;
	}
	const char *prefix_s = sr_req_query(req, "prefix");
	if (prefix_s && prefix_s[0]) {
		size_t n = strlen(prefix_s);
		int ok = n <= 96;
		for (size_t i = 0; ok && i < n; i++) {
			char c = (char)tolower((unsigned char)prefix_s[i]);
			ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
			br->prefix[i] = c;
		}
		br->prefix[ok ? n : 0] = '\0';
		if (!ok) {
			sr__web_error(req, resp, 400, "Not a slug prefix",
				      "A prefix is the start of a slug: letters, digits and dashes.");
			return -1;
		}
		br->order = sr_sort_find("name", SR_SORTS_WEB); /* prefixes are ranges of the name index */
	}
	const char *dir_s = sr_req_query(req, "dir");
	br->dir_given = dir_s && (strcmp(dir_s, "asc") == 0 || strcmp(dir_s, "desc") == 0);
	br->desc = br->dir_given ? strcmp(dir_s, "desc") == 0 : br->order->desc;
	const char *filter_s = sr_req_query(req, "filter");
	br->all = filter_s && strcmp(filter_s, "all") == 0;
	br->filter = br->all ? SR_FILTER_PUBLIC : SR_FILTER_LISTED;
	long limit = sr_req_query_long(req, "limit", PAGE_DEFAULT);
	br->limit = PAGE_DEFAULT;
	for (int i = 0; i < NPAGE_SIZES; i++)
		if (limit == page_sizes[i])
			br->limit = page_sizes[i];
	const char *cs = sr_req_query(req, "cursor");
	if (cs && cs[0]) {
		/* A forwards or a backwards cursor of this very list. */
		int family = sr_list_cursor_family(SR_SORTS_WEB, br->filter, br->prefix[0] != 0, 0);
		if (sr_list_cursor_check(cs, br->order->sort, br->desc, family, 2, &br->cur)) {
			sr__web_error(req, resp, 400, "This page link is out of date",
				      "The link does not fit this list's order or filter. Start again from the first page.");
			return -1;
		}
		br->has_cursor = 1;
		br->before = br->cur.filter == family + 1;
	}
	return 0;
}

/* The heading, the sort tabs, the form with every choice, and the filter's note. */
static void browse_controls(sr_buf *b, const struct browse *br)
{
	const char *prefix = br->prefix;
	sr_html_printf(b, "<h1>%s</h1>", prefix[0] ? "Skills by name" : "Browse skills");
	if (prefix[0])
		sr_html_printf(b, "<p class=\"lead\">Slugs starting with <code>%s</code>.</p>", prefix);
	/* Sort tabs: plain links, so every order is one click without a form. */
	sr_buf_puts(b, "<nav class=\"tabs\" aria-label=\"Sort order\"><ul>");
	for (int i = 0; i < sr_sort_names_count; i++) {
		const sr_sort_name *o = &sr_sort_names[i];
		if (!(o->faces & SR_SORTS_WEB))
			continue;
		sr_buf_puts(b, "<li><a href=\"");
		browse_href(b, o->name, 0, o->desc, br->all, br->limit, NULL, NULL);
		sr_html_printf(b, "\"%R>%s</a></li>", o == br->order && !prefix[0] ? " aria-current=\"page\"" : "",
			       o->label);
	}
	sr_buf_puts(b, "</ul></nav>");
	/* The same choices as a form (direction, filter and page size too). */
	sr_buf_puts(b, "<form class=\"controls\" action=\"/skills\" method=\"get\">"
		       "<div><label for=\"f-sort\">Sort</label><select id=\"f-sort\" name=\"sort\">");
	for (int i = 0; i < sr_sort_names_count; i++)
		if (sr_sort_names[i].faces & SR_SORTS_WEB)
			select_option(b, sr_sort_names[i].name, sr_sort_names[i].label, &sr_sort_names[i] == br->order);
	int name = br->order->sort == SR_SORT_NAME;
	sr_buf_puts(b, "</select></div><div><label for=\"f-dir\">Order</label><select id=\"f-dir\" name=\"dir\">");
	select_option(b, "desc", name ? "Z to A" : "Highest or latest first", br->desc);
	select_option(b, "asc", name ? "A to Z" : "Lowest or oldest first", !br->desc);
	sr_buf_puts(b, "</select></div><div><label for=\"f-filter\">Show</label><select id=\"f-filter\" name=\"filter\">");
	select_option(b, "safe", "Hide suspicious skills", !br->all);
	select_option(b, "all", "All public skills", br->all);
	sr_buf_puts(b, "</select></div><div><label for=\"f-limit\">Per page</label><select id=\"f-limit\" name=\"limit\">");
	for (int i = 0; i < NPAGE_SIZES; i++) {
		char v[8];
		snprintf(v, sizeof(v), "%d", page_sizes[i]);
		select_option(b, v, v, page_sizes[i] == br->limit);
	}
	sr_buf_puts(b, "</select></div>");
	if (prefix[0])
		sr_html_printf(b, "<input type=\"hidden\" name=\"prefix\" value=\"%s\">", prefix);
	sr_buf_puts(b, "<div><button type=\"submit\">Apply</button></div></form>");
	if (br->all)
		sr_buf_puts(b, "<p class=\"note\" role=\"note\">Showing every public skill, including ones the "
			       "scanner flagged as suspicious (marked). Read a flagged skill's files before you "
			       "install it.</p>");
}

/* Reads the page's range and writes its cards in page order; k->first and k->last are then
 * the first and last rows shown. */
static int browse_cards(sr_req *req, sr_buf *b, const struct browse *br, struct rows *k)
{
	sr_list_query q = {.sort = br->order->sort, .filter = br->filter, .desc = br->desc,
			   .limit = br->limit, .prefix = br->prefix[0] ? br->prefix : NULL};
	if (br->has_cursor) {
		sr_list_query_after(&q, &br->cur);
		if (br->before)
			q.desc = !br->desc; /* read backwards from the first row of the page after */
	}
	memset(k, 0, sizeof(*k));
	k->b = b;
	k->limit = br->limit;
	k->sort = br->order->sort;
	k->reverse = br->before;
	int rc = sr_store_list(req->store, &q, card_row, k);
	if (!rc)
		rc = k->rc;
	if (!rc && br->before)
		for (int i = k->n - 1; i >= 0; i--)
			sr_buf_puts(b, k->cards[i]);
	if (br->before) {
		/* Shown in reverse: the first row on the page is the last one read. */
		sr_cursor t = k->first;
		k->first = k->last;
		k->last = t;
	}
	free_cards(k);
	return rc;
}

/* One pager link: a cursor from row c of this list, paging backwards or forwards. */
static void browse_link(sr_buf *b, const struct browse *br, sr_cursor *c, int before)
{
	char enc[SR_CURSOR_MAX_LEN + 1];
	int family = sr_list_cursor_family(SR_SORTS_WEB, br->filter, br->prefix[0] != 0, before);
	if (sr_list_cursor_encode(c, br->order->sort, br->desc, family, enc, sizeof(enc)))
		return;
	sr_buf_puts(b, before ? "<a rel=\"prev\" class=\"prev\" href=\"" : "<a rel=\"next\" class=\"next\" href=\"");
	browse_href(b, br->order->name, br->dir_given, br->desc, br->all, br->limit, br->prefix, enc);
	sr_buf_puts(b, before ? "\">Previous page</a>" : "\">Next page</a>");
}

static void browse_pager(sr_buf *b, const struct browse *br, struct rows *k)
{
	/* Previous: forwards pages that came from a cursor, and backwards pages that found more.
	 * Next: forwards pages that found more, and every backwards page (it came from one). */
	int has_prev = br->before ? k->more : br->has_cursor;
	int has_next = br->before ? k->n > 0 : k->more;
	sr_buf_puts(b, "<nav class=\"pager\" aria-label=\"Pages\">");
	if (has_prev && k->n > 0)
		browse_link(b, br, &k->first, 1);
	if (br->has_cursor) {
		sr_buf_puts(b, "<a class=\"first\" href=\"");
		browse_href(b, br->order->name, br->dir_given, br->desc, br->all, br->limit, br->prefix, NULL);
		sr_buf_puts(b, "\">First page</a>");
	}
	if (has_next && k->n > 0)
		browse_link(b, br, &k->last, 0);
	sr_buf_puts(b, "</nav>");
}

void sr__web_browse(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "web-browse";
	struct browse br;
	if (browse_parse(req, resp, &br))
		return;
	sr_page p = {&resp->body, "Browse skills", NULL, "skills"};
	sr__web_begin(&p);
	sr_buf *b = p.b;
	browse_controls(b, &br);
	sr_buf_puts(b, "<ul class=\"cards cards-list\">");
	struct rows k;
	int rc = browse_cards(req, b, &br, &k);
	if (rc) {
		sr__web_fail(req, resp, rc);
		return;
	}
	if (k.n == 0)
		sr_html_printf(b, "<li class=\"empty\">No skills here%R.</li>",
			       br.prefix[0] ? " with that prefix" : br.has_cursor ? " any more" : " yet");
	sr_buf_puts(b, "</ul>");
	browse_pager(b, &br, &k);
	sr__web_end(&p, resp, 200);
}

/* ---- search ---- */

struct search_ctx {
	char *tokens[SR_SEARCH_MARKS];
	int ntokens;
	sr_search_results *res;
};

/* The words marked in a card are the search's own (its stems, its typo corrections) when it
 * has them, which it fills before the first card; else the query's words as typed. */
static int search_card(void *ud, const sr_skill_row *r, sr_buf *out)
{
	struct search_ctx *c = ud;
	if (c->res->nmarks) {
		char *marks[SR_SEARCH_MARKS];
		for (int i = 0; i < c->res->nmarks; i++)
			marks[i] = c->res->marks[i];
		return sr__web_card(out, r, marks, c->res->nmarks, NULL);
	}
	return sr__web_card(out, r, c->tokens, c->ntokens, NULL);
}

void sr__web_search(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "web-search";
	const char *q = sr_req_query(req, "q");
	const char *mode = sr_req_query(req, "mode");
	int exact = mode && strcmp(mode, "exact") == 0;
	if (mode && strcmp(mode, "prefix") == 0) {
		/* A prefix lookup is a range of the name index: the browse page's name order. */
		char slug[128];
		const char *s = q ? q : "";
		while (*s == '@' || *s == ' ')
			s++;
		const char *slash = strchr(s, '/');
		if (sr_slug_normalize(slash ? slash + 1 : s, slug, sizeof(slug)) || !slug[0]) {
			sr__web_error(req, resp, 400, "Not a slug prefix",
				      "A prefix is the start of a slug: letters, digits and dashes.");
			return;
		}
		sr_buf loc;
		sr_buf_init(&loc, 1024);
		sr_html_printf(&loc, "/skills?sort=name&prefix=%u", slug);
		sr__web_redirect(resp, 303, loc.data ? loc.data : "/skills");
		sr_buf_deinit(&loc);
		return;
	}
	/* The words to mark are the normalized query's, split as the search splits them. */
	sr_search_results res;
	struct search_ctx ctx = {{0}, 0, &res};
	char norm[SR_SEARCH_QUERY_MAX + 1], tok[SR_SEARCH_QUERY_MAX + 1];
	sr_search_normalize(q, norm);
	memcpy(tok, norm, sizeof(tok));
	char *save = NULL;
	for (char *t = strtok_r(tok, " \t\r\n", &save); t && ctx.ntokens < SR_SEARCH_MARKS;
	     t = strtok_r(NULL, " \t\r\n", &save))
		ctx.tokens[ctx.ntokens++] = t;
	int rc = sr_search_run(req->store, q, exact, SEARCH_ROWS, search_card, &ctx, &res);
	if (rc) {
		sr_search_results_free(&res);
		sr__web_fail(req, resp, rc);
		return;
	}
	sr_page p = {&resp->body, res.query[0] ? res.query : "Search", res.query, NULL};
	sr__web_begin(&p);
	sr_buf *b = p.b;
	if (res.query[0])
		sr_html_printf(b, "<h1>Results for <q>%s</q></h1>", res.query);
	else
		sr_buf_puts(b, "<h1>Search skills</h1>");
	sr_html_printf(b,
		       "<form class=\"big-search\" role=\"search\" action=\"/search\" method=\"get\">"
		       "<label for=\"s-q\">Search by name, slug or description</label>"
		       "<div class=\"row\"><input id=\"s-q\" name=\"q\" type=\"search\" maxlength=\"255\" value=\"%s\">"
		       "<button type=\"submit\">Search</button></div>"
		       "<fieldset class=\"modes\"><legend>Match</legend>"
		       "<label><input type=\"radio\" name=\"mode\" value=\"\"%R> Anywhere</label>"
		       "<label><input type=\"radio\" name=\"mode\" value=\"exact\"%R> Exact slug</label>"
		       "<label><input type=\"radio\" name=\"mode\" value=\"prefix\"> Slug starts with</label>"
		       "</fieldset></form>",
		       res.query, exact ? "" : " checked", exact ? " checked" : "");
	if (res.query[0]) {
		sr_html_printf(b, "<p class=\"lead\" role=\"status\">%d %R%R.</p>", res.n,
			       res.n == 1 ? "skill matches" : "skills match",
			       res.n == SEARCH_ROWS ? " (the best ones shown)" : "");
		if (res.suggest[0])
			sr_html_printf(b, "<p class=\"suggest\">Did you mean <a href=\"/search?q=%u\">%s</a>?</p>",
				       res.suggest, res.suggest);
		sr_buf_puts(b, "<ul class=\"cards cards-list\">");
		for (int i = 0; i < res.n; i++)
			sr_buf_append(b, res.hits[i].data, res.hits[i].len);
		if (!res.n)
			sr_buf_puts(b, "<li class=\"empty\">No skill matches. Try fewer or shorter words, or "
				       "<a href=\"/skills\">browse every skill</a>.</li>");
		sr_buf_puts(b, "</ul>");
	}
	sr_search_results_free(&res);
	sr__web_end(&p, resp, 200);
}

/* ---- trending ---- */

static int trend_row(void *ud, const sr_skill_row *r, int rank, int64_t installs, int64_t downloads)
{
	sr_buf *b = ud;
	char extra[200];
	snprintf(extra, sizeof(extra), "<span class=\"rank\">#%d</span><span><b>%lld</b> installs this week</span>",
		 rank, (long long)installs);
	return sr__web_card(b, r, NULL, 0, extra);
}

void sr__web_trending(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "web-trending";
	long after = sr__web_param(req, "after", 0, 0, SR_TRENDING_TOP);
	long sid = sr_req_query_long(req, "snapshot", 0);
	sr_trending_snapshot snap;
	int rc;
	if (sid > 0) {
		/* Later pages stay on the snapshot the first one showed. */
		rc = sr_store_trending_snapshot(req->store, sid, &snap);
		if (rc == SR_ENOTFOUND) {
			sr__web_error(req, resp, 410, "The leaderboard was rebuilt",
				      "This page belonged to an older leaderboard. Start again from the first page of "
				      "trending skills.");
			return;
		}
	} else {
		rc = sr_trending_newest(req->store, &snap);
	}
	if (rc && rc != SR_ENOTFOUND) {
		sr__web_fail(req, resp, rc);
		return;
	}
	int have = rc == 0;
	sr_page p = {&resp->body, "Trending skills", NULL, "trending"};
	sr__web_begin(&p);
	sr_buf *b = p.b;
	sr_buf_puts(b, "<h1>Trending skills</h1><p class=\"lead\">Ranked by installs over the last seven days, "
		       "ties by downloads; rebuilt every hour.</p><ol class=\"cards cards-list\">");
	int shown = 0, last = 0, more = 0;
	if (have && snap.entries)
		rc = sr_trending_walk(req->store, snap.id, (int)after, TRENDING_PAGE, 1, trend_row, b, &shown, &last, &more);
	else
		rc = 0;
	if (rc) {
		sr__web_fail(req, resp, rc);
		return;
	}
	if (!shown)
		sr_buf_puts(b, "<li class=\"empty\">Nothing is trending yet: a skill joins the leaderboard when "
			       "people install it.</li>");
	sr_buf_puts(b, "</ol><nav class=\"pager\" aria-label=\"Pages\">");
	if (after > 0)
		sr_buf_puts(b, "<a class=\"first\" href=\"/trending\">First page</a>");
	if (more)
		sr_html_printf(b, "<a rel=\"next\" class=\"next\" href=\"/trending?snapshot=%L&amp;after=%d\">Next page</a>",
			       snap.id, last);
	sr_buf_puts(b, "</nav>");
	sr__web_end(&p, resp, 200);
}

/* ---- owner ---- */

struct owner_rows {
	sr_buf *b;
	int limit, n, more;
	int64_t last_updated, last_id;
	int rc;
};

static int owner_row(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct owner_rows *k = ud;
	if (k->n == k->limit) {
		k->more = 1;
		return 1;
	}
	k->n++;
	k->last_updated = r->updated_at;
	k->last_id = r->id;
	k->rc = sr__web_card(k->b, r, NULL, 0, NULL);
	return k->rc;
}

void sr__web_owner(sr_app *app, sr_req *req, sr_resp *resp, const char *handle_in)
{
	req->route = "web-owner";
	char handle[64];
	sr_owner_normalize(handle_in, handle, sizeof(handle));
	sr_user u;
	int rc = handle[0] ? sr_store_user_by_handle(req->store, handle, &u) : SR_ENOTFOUND;
	if (rc == 0 && u.deactivated_at)
		rc = SR_ENOTFOUND;
	if (rc == SR_ENOTFOUND) {
		sr__web_error(req, resp, 404, "No such publisher",
			      "Nobody publishes under this name. Handles are lower case, like the ones on skill pages.");
		return;
	}
	if (rc) {
		sr__web_fail(req, resp, rc);
		return;
	}
	if (strcmp(handle, handle_in) != 0) {
		sr_buf loc;
		sr_buf_init(&loc, 1024);
		sr_html_printf(&loc, "/%u", handle);
		sr__web_redirect(resp, 301, loc.data ? loc.data : "/");
		sr_buf_deinit(&loc);
		return;
	}
	int has_after = 0;
	sr_cursor cur;
	const char *cs = sr_req_query(req, "cursor");
	if (cs && cs[0]) {
		if (sr_cursor_decode(cs, &cur) || cur.kind != OWNER_CURSOR_KIND || cur.dir != 1) {
			sr__web_error(req, resp, 400, "This page link is out of date",
				      "Start again from the publisher's first page.");
			return;
		}
		has_after = 1;
	}
	/* An org publisher's page says so (migration 0015); a person's says nothing more. */
	int kind = SR_USER_PERSON;
	if ((rc = sr_store_user_kind(req->store, u.id, &kind, NULL))) {
		sr__web_fail(req, resp, rc);
		return;
	}
	const char *display = u.display_name[0] ? u.display_name : u.handle;
	sr_page p = {&resp->body, display, NULL, NULL};
	sr__web_begin(&p);
	sr_buf *b = p.b;
	sr_html_printf(b, "<header class=\"owner-head\"><div class=\"avatar\" aria-hidden=\"true\">%s</div><div>"
			  "<h1>%s</h1><p class=\"lead\">%s@%s · skills most recently updated first</p></div></header>"
			  "<ul class=\"cards cards-list\">",
		       (char[]){(char)toupper((unsigned char)u.handle[0]), 0}, display,
		       kind == SR_USER_ORG ? "Organization · " : "", u.handle);
	struct owner_rows k = {b, OWNER_PAGE, 0, 0, 0, 0, 0};
	rc = sr_store_owner_skills(req->store, u.id, OWNER_PAGE, has_after, has_after ? cur.k1 : 0,
				   has_after ? cur.id : 0, owner_row, &k);
	if (!rc)
		rc = k.rc;
	if (rc) {
		sr__web_fail(req, resp, rc);
		return;
	}
	if (!k.n)
		sr_buf_puts(b, "<li class=\"empty\">No public skills here.</li>");
	sr_buf_puts(b, "</ul><nav class=\"pager\" aria-label=\"Pages\">");
	if (has_after)
		sr_html_printf(b, "<a class=\"first\" href=\"/%u\">First page</a>", u.handle);
	if (k.more) {
		sr_cursor next = {.version = SR_CURSOR_VERSION, .kind = OWNER_CURSOR_KIND, .dir = 1,
				  .k1 = k.last_updated, .id = k.last_id};
		char enc[SR_CURSOR_MAX_LEN + 1];
		if (!sr_cursor_encode(&next, enc, sizeof(enc)))
			sr_html_printf(b, "<a rel=\"next\" class=\"next\" href=\"/%u?cursor=%u\">Next page</a>", u.handle, enc);
	}
	sr_buf_puts(b, "</nav>");
	sr__web_end(&p, resp, 200);
}
