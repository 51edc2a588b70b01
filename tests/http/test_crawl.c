/*
 * test_crawl.c - the web site crawled as a visitor, a publisher and an admin would click
 * through it (issue 16: the review's page crawl, kept in the suite): from the home page, every
 * link of every HTML page is followed, redirects included, breadth first. Every link must lead
 * to a page that answers 200 after at most two redirects inside the site: a link to a missing
 * page, a redirect loop, or any 5xx fails, with the page the link was found on.
 *
 * The catalogue is the demo's (`skillreg seed demo/catalog`, as `make run` has it) plus a
 * skill and an org of alice's, a deleted skill, a reported skill and a star, so that the
 * owner's and the staff's pages have something in every list. Forms are not sent; a GET never
 * changes anything, so following every link is safe, and the crawl checks that too:
 * every skill row (slug, latest version, deletion, stars, update time) reads the same before
 * and after each crawl.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PAGES 4000
#define MAX_REDIRECTS 2

static srt_server S;
static const char *const SERVE_ARGS[] = {"--no-rate-limit", NULL};

static int group_setup(void **state)
{
	(void)state;
	S.serve_args = SERVE_ARGS;
	if (srt_server_start(&S))
		return -1;
	char cwd[512], out[4096];
	if (!getcwd(cwd, sizeof cwd))
		return -1;
	const char *seed[] = {"seed", srt_fmt("%s/demo/catalog", cwd), NULL};
	if (srt_admin(&S, out, sizeof out, seed) != 0) {
		print_error("seed: %s\n", out);
		return -1;
	}
	srt_publish_ok(&S, S.tok_alice, "crawl-kit", "1.0.0", "Crawl Kit", "A skill for the crawler.");
	srt_publish_ok(&S, S.tok_alice, "crawl-kit", "1.1.0", "Crawl Kit", "A skill for the crawler, again.");
	srt_publish_ok(&S, S.tok_alice, "crawl-gone", "1.0.0", "Crawl Gone", "A deleted skill.");
	json_decref(srt_call(&S, "DELETE", "/api/v1/skills/crawl-gone", S.tok_alice, NULL, 200, NULL));
	json_decref(srt_call(&S, "POST", "/api/v1/publishers", S.tok_alice, "{\"handle\":\"crawlers\"}", 201, NULL));
	json_decref(srt_call(&S, "POST", "/api/v1/stars/crawl-kit", S.tok_bob, "{}", 200, NULL));
	json_decref(srt_call(&S, "POST", "/api/v1/skills/crawl-kit/report", S.tok_bob,
			     "{\"reason\":\"checking the staff pages\"}", 200, NULL));
	srt_set_password(&S, "alice");
	srt_set_password(&S, "boss");
	srt_wait_scans(&S);
	return srt_sync(&S);
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

/* ---- the crawl ---- */

typedef struct crawl {
	char *url[MAX_PAGES];
	char *from[MAX_PAGES]; /* the page the link was found on */
	int n, done;
	int pages, html, redirects, external, bad;
} crawl;

static int seen(const crawl *c, const char *url)
{
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->url[i], url) == 0)
			return 1;
	return 0;
}

/* Queues a link of page `from`: a path of this site without its fragment, HTML entities of
 * an attribute decoded. Links to other sites are counted, not followed. */
static void add(crawl *c, const char *from, const char *href, size_t len)
{
	char u[2048];
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < sizeof u; i++) {
		if (href[i] == '#')
			break;
		if (href[i] == '&' && len - i >= 5 && strncmp(href + i, "&amp;", 5) == 0) {
			u[o++] = '&';
			i += 4;
		} else {
			u[o++] = href[i];
		}
	}
	u[o] = '\0';
	const char *path = u;
	if (strncmp(u, S.base, strlen(S.base)) == 0)
		path = u + strlen(S.base);
	if (path[0] != '/' || path[1] == '/') {
		if (strncmp(u, "http", 4) == 0)
			c->external++;
		return;
	}
	if (seen(c, path) || c->n == MAX_PAGES)
		return;
	c->url[c->n] = strdup(path);
	c->from[c->n] = strdup(from);
	c->n++;
}

/* The links of a page: anchors, stylesheets, images. Forms are not sent: a GET form needs the
 * words a person types. */
static void links(crawl *c, const char *from, const char *body)
{
	static const char *const attrs[] = {"href=\"", "src=\"", NULL};
	for (int a = 0; attrs[a]; a++)
		for (const char *p = strstr(body, attrs[a]); p; p = strstr(p + 1, attrs[a])) {
			const char *v = p + strlen(attrs[a]);
			const char *e = strchr(v, '"');
			if (!e)
				break;
			add(c, from, v, (size_t)(e - v));
		}
}

static void crawl_from(crawl *c, const char *cookie, const char *start)
{
	add(c, "(start)", start, strlen(start));
	for (; c->done < c->n; c->done++) {
		const char *url = c->url[c->done];
		char path[2048];
		snprintf(path, sizeof path, "%s", url);
		int hops = 0;
		srt_resp r;
		for (;;) {
			srt_page(&S, cookie, path, &r);
			c->pages++;
			const char *loc = r.status >= 300 && r.status < 400 ? srt_header(&r, "Location") : NULL;
			if (!loc || hops == MAX_REDIRECTS)
				break;
			c->redirects++;
			hops++;
			if (strncmp(loc, S.base, strlen(S.base)) == 0)
				loc += strlen(S.base);
			if (loc[0] != '/' || loc[1] == '/') {
				c->external++;
				r.status = 200; /* a sign-in provider's page: not this site's to answer */
				break;
			}
			snprintf(path, sizeof path, "%s", loc);
			srt_resp_free(&r);
		}
		if (r.status != 200) {
			c->bad++;
			print_error("%s (linked from %s): %ld after %d redirects, at %s\n  %.200s\n", url,
				    c->from[c->done], r.status, hops, path, r.body ? r.body : "");
		} else {
			const char *ct = srt_header(&r, "Content-Type");
			if (ct && strncmp(ct, "text/html", 9) == 0 && r.body) {
				c->html++;
				links(c, url, r.body);
			}
		}
		srt_resp_free(&r);
	}
}

static void crawl_free(crawl *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->url[i]);
		free(c->from[i]);
	}
}

static char *registry_text(void)
{
	return srt_db_text(S.db, "SELECT id, slug, latest_version_id, soft_deleted_at, stats_stars, updated_at "
				 "FROM skills ORDER BY id");
}

/* Crawls from the home page with cookie (NULL: a visitor), and checks the pages reached and the
 * registry unchanged. */
static void crawl_as(const char *who, const char *cookie, int min_html)
{
	crawl *c = calloc(1, sizeof *c);
	assert_non_null(c);
	char *before = registry_text();
	crawl_from(c, cookie, "/");
	char *after = registry_text();
	print_message("# crawl as %s: %d links, %d requests, %d html pages, %d redirects, %d external, %d bad\n",
		      who, c->n, c->pages, c->html, c->redirects, c->external, c->bad);
	assert_int_equal(c->bad, 0);
	/* The crawl reached the catalogue's pages, not only the home page. */
	if (c->html < min_html)
		fail_msg("crawl as %s reached %d html pages, want at least %d", who, c->html, min_html);
	assert_true(c->n < MAX_PAGES);
	assert_string_equal(before, after);
	free(before);
	free(after);
	crawl_free(c);
	free(c);
}

static void test_crawl_visitor(void **state)
{
	(void)state;
	crawl_as("a visitor", NULL, 60);
}

static void test_crawl_publisher(void **state)
{
	(void)state;
	char cookie[256], csrf[128];
	srt_web_signin(&S, "alice", "/dashboard", cookie, sizeof cookie, csrf, sizeof csrf);
	crawl_as("alice", cookie, 60);
}

static void test_crawl_admin(void **state)
{
	(void)state;
	char cookie[256], csrf[128];
	srt_web_signin(&S, "boss", "/staff", cookie, sizeof cookie, csrf, sizeof csrf);
	crawl_as("an admin", cookie, 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crawl_visitor),
		cmocka_unit_test(test_crawl_publisher),
		cmocka_unit_test(test_crawl_admin),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
