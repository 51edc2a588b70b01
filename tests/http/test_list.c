/*
 * test_list.c - list/explore (api-v1 section 3.2) and search (section 3.1): item shapes,
 * every sort, keyset pagination, cursor and parameter validation, prefix listing, the read
 * budget (rows read <= page size + 1, DESIGN.md section 4), and search matching including CJK.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static srt_server S;

/* Published in this order (alice, except other-one by bob). */
static const struct {
	const char *slug, *display, *summary;
} SKILLS[] = {
	{"demo-alpha", "Demo Alpha", "First demo skill for listing."},
	{"demo-beta", "Demo Beta", "Second demo skill for listing."},
	{"other-one", "Other One", "Builds a data pipeline for logs."},
	{"demo-gamma", "Demo Gamma", "Third demo skill for listing."},
	{"mid-skill", "Harbor Lighthouse Keeper", "Keeps watch over ships."},
	{"cjk-translator", "CJK Translator", "将网页内容翻译成中文"},
	{"zeta-tool", "Zeta Tool", "The last skill, deleted at the end."},
};
#define NSKILLS (sizeof SKILLS / sizeof SKILLS[0])

static const char *const SORTS[] = {"", "updated", "default", "recommended", "newest", "createdAt",
				    "created-at", "downloads", "installs", "install", "installsAllTime",
				    "stars", "rating", "name", "NAME", "trending"};
#define NSORTS (sizeof SORTS / sizeof SORTS[0])

static int group_setup(void **state)
{
	(void)state;
	return srt_server_start(&S);
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static json_t *get_json_resp(const char *path, long status, srt_resp *keep)
{
	srt_get(&S, path, NULL, keep);
	if (keep->status != status)
		print_error("GET %s\n", path);
	return SRT_EXPECT_JSON(keep, status);
}

static json_t *get_json(const char *path, long status)
{
	srt_resp r;
	json_t *j = get_json_resp(path, status, &r);
	srt_resp_free(&r);
	return j;
}

static void expect_text(const char *path, long status, const char *text)
{
	srt_resp r;
	srt_get(&S, path, NULL, &r);
	if (r.status != status || strcmp(r.body, text) != 0)
		print_error("GET %s\n", path);
	SRT_EXPECT_TEXT(&r, status, text);
	srt_resp_free(&r);
}

static int is_number(json_t *v)
{
	return json_is_integer(v) || json_is_real(v);
}

static void check_item(json_t *it, const char *ctx)
{
	const char *slug = json_string_value(json_object_get(it, "slug"));
	if (!slug || !json_is_string(json_object_get(it, "displayName")) ||
	    !json_object_get(it, "tags") || !json_object_get(it, "stats") ||
	    !is_number(json_object_get(it, "createdAt")) || !is_number(json_object_get(it, "updatedAt"))) {
		char *d = json_dumps(it, 0);
		print_error("%s: list item lacks a required key: %s\n", ctx, d);
		free(d);
		fail();
	}
	json_t *lv = json_object_get(it, "latestVersion");
	if (lv) {
		if (!json_is_object(lv) || !json_is_string(json_object_get(lv, "version")) ||
		    !is_number(json_object_get(lv, "createdAt")) ||
		    !json_is_string(json_object_get(lv, "changelog"))) {
			char *d = json_dumps(it, 0);
			print_error("%s: latestVersion must be absent or {version,createdAt,changelog}: %s\n", ctx, d);
			free(d);
			fail();
		}
		json_t *lic = json_object_get(lv, "license");
		assert_true(lic == NULL || json_is_null(lic) ||
			    (json_is_string(lic) && strcmp(json_string_value(lic), "MIT-0") == 0));
	}
	json_t *md = json_object_get(it, "metadata");
	assert_true(md == NULL || json_is_null(md) || json_is_array(json_object_get(md, "setup")));
	json_t *stats = json_object_get(it, "stats");
	if (json_is_object(stats)) {
		static const char *const k[] = {"downloads", "stars", "installs", "versions"};
		for (size_t i = 0; i < 4; i++)
			assert_true(is_number(json_object_get(stats, k[i])));
	}
	json_t *topics = json_object_get(it, "topics");
	assert_true(topics == NULL || json_is_array(topics));
}

/* Checks the page shape; returns items (borrowed from j). */
static json_t *check_page(json_t *j, const char *ctx)
{
	json_t *items = json_object_get(j, "items");
	assert_true(json_is_array(items));
	json_t *nc = json_object_get(j, "nextCursor");
	if (!nc || !(json_is_null(nc) || json_is_string(nc))) {
		print_error("%s: nextCursor must be present (string or null)\n", ctx);
		fail();
	}
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
		check_item(it, ctx);
	return items;
}

static void check_budget(const srt_resp *r, long limit, const char *ctx)
{
	long rows = -1, bytes = -1;
	if (srt_timing(r, &rows, &bytes) != 0) {
		const char *st = srt_header(r, "Server-Timing");
		print_error("%s: Server-Timing missing or malformed: %s\n", ctx, st ? st : "(absent)");
		fail();
	}
	if (rows > limit + 1) {
		print_error("%s: read %ld rows for a page of %ld (budget %ld)\n", ctx, rows, limit, limit + 1);
		fail();
	}
}

static int has_slug(json_t *items, const char *slug)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		const char *s = json_string_value(json_object_get(it, "slug"));
		if (s && strcmp(s, slug) == 0)
			return 1;
	}
	return 0;
}

static void test_publish_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < NSKILLS; i++) {
		const char *tok = strcmp(SKILLS[i].slug, "other-one") == 0 ? S.tok_bob : S.tok_alice;
		srt_publish_ok(&S, tok, SKILLS[i].slug, "1.0.0", SKILLS[i].display, SKILLS[i].summary);
		sleep_ms(15);
	}
	/* Browse eligibility may lag publish (scans); wait up to 10 s for all to be listed. */
	for (int tries = 0; tries < 100; tries++) {
		json_t *j = get_json("/api/v1/skills?sort=name&limit=100", 200);
		size_t n = json_array_size(json_object_get(j, "items"));
		json_decref(j);
		if (n == NSKILLS)
			return;
		sleep_ms(100);
	}
	json_t *j = get_json("/api/v1/skills?sort=name&limit=100", 200);
	char *d = json_dumps(j, 0);
	print_error("not all %zu published skills are listed: %s\n", NSKILLS, d);
	free(d);
	json_decref(j);
	fail();
}

static void test_every_sort_shape(void **state)
{
	(void)state;
	for (size_t s = 0; s < NSORTS; s++) {
		const char *path = SORTS[s][0] ? srt_fmt("/api/v1/skills?sort=%s", SORTS[s]) : "/api/v1/skills";
		srt_resp r;
		json_t *j = get_json_resp(path, 200, &r);
		json_t *items = check_page(j, path);
		if (strcmp(SORTS[s], "trending") != 0) {
			if (json_array_size(items) != NSKILLS) {
				print_error("%s: %zu items, expected all %zu\n", path, json_array_size(items), NSKILLS);
				fail();
			}
			for (size_t k = 0; k < NSKILLS; k++)
				assert_true(has_slug(items, SKILLS[k].slug));
		}
		check_budget(&r, 25, path);
		json_decref(j);
		srt_resp_free(&r);
	}
}

static void test_name_sort(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/skills?sort=name&limit=50", 200);
	json_t *items = check_page(j, "sort=name");
	assert_int_equal(json_array_size(items), NSKILLS);
	for (size_t i = 1; i < json_array_size(items); i++) {
		const char *a = json_string_value(json_object_get(json_array_get(items, i - 1), "slug"));
		const char *b = json_string_value(json_object_get(json_array_get(items, i), "slug"));
		if (strcmp(a, b) >= 0) {
			print_error("sort=name not ascending: %s before %s\n", a, b);
			fail();
		}
	}
	assert_true(json_is_null(json_object_get(j, "nextCursor")));
	json_decref(j);
}

static void test_newest_sort(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/skills?sort=newest&limit=50", 200);
	json_t *items = check_page(j, "sort=newest");
	assert_int_equal(json_array_size(items), NSKILLS);
	for (size_t i = 0; i < NSKILLS; i++) {
		const char *got = json_string_value(json_object_get(json_array_get(items, i), "slug"));
		const char *want = SKILLS[NSKILLS - 1 - i].slug;
		if (strcmp(got, want) != 0) {
			print_error("sort=newest position %zu: %s, expected %s\n", i, got, want);
			fail();
		}
	}
	json_decref(j);
}

/* Walks a sort with limit=lim; every skill exactly once, budget per page. */
static void walk(const char *sort, long lim)
{
	int seen[NSKILLS] = {0};
	char cursor[2048] = "";
	int pages = 0;
	for (;;) {
		const char *path = cursor[0]
			? srt_fmt("/api/v1/skills?sort=%s&limit=%ld&cursor=%s", sort, lim, srt_urlenc(cursor))
			: srt_fmt("/api/v1/skills?sort=%s&limit=%ld", sort, lim);
		char ctx[256];
		snprintf(ctx, sizeof ctx, "sort=%s limit=%ld page %d", sort, lim, pages + 1);
		srt_resp r;
		json_t *j = get_json_resp(path, 200, &r);
		json_t *items = check_page(j, ctx);
		check_budget(&r, lim, ctx);
		if ((long)json_array_size(items) > lim) {
			print_error("%s: %zu items > limit\n", ctx, json_array_size(items));
			fail();
		}
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it) {
			const char *slug = json_string_value(json_object_get(it, "slug"));
			int found = 0;
			for (size_t k = 0; k < NSKILLS; k++) {
				if (strcmp(slug, SKILLS[k].slug) == 0) {
					seen[k]++;
					found = 1;
				}
			}
			assert_true(found);
		}
		json_t *nc = json_object_get(j, "nextCursor");
		int done = json_is_null(nc);
		if (!done)
			snprintf(cursor, sizeof cursor, "%s", json_string_value(nc));
		json_decref(j);
		srt_resp_free(&r);
		pages++;
		if (done)
			break;
		if (pages > (int)NSKILLS + 3) {
			print_error("sort=%s limit=%ld: pagination does not end\n", sort, lim);
			fail();
		}
	}
	for (size_t k = 0; k < NSKILLS; k++) {
		if (seen[k] != 1) {
			print_error("sort=%s limit=%ld: %s seen %d times\n", sort, lim, SKILLS[k].slug, seen[k]);
			fail();
		}
	}
}

static void test_pagination(void **state)
{
	(void)state;
	static const char *const sorts[] = {"updated", "recommended", "newest", "downloads", "installs",
					    "stars", "name"};
	for (size_t s = 0; s < sizeof sorts / sizeof sorts[0]; s++) {
		walk(sorts[s], 2);
		walk(sorts[s], 1);
		walk(sorts[s], 3);
	}
}

static void test_read_budget(void **state)
{
	(void)state;
	static const long limits[] = {1, 2, 3, 5, 25, 200};
	for (size_t s = 0; s < NSORTS; s++) {
		for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
			const char *path = srt_fmt("/api/v1/skills?sort=%s&limit=%ld",
						   SORTS[s][0] ? SORTS[s] : "updated", limits[l]);
			srt_resp r;
			json_t *j = get_json_resp(path, 200, &r);
			json_t *items = check_page(j, path);
			long want = limits[l] < (long)NSKILLS ? limits[l] : (long)NSKILLS;
			if (strcmp(SORTS[s], "trending") == 0)
				want = (long)json_array_size(items) <= want ? (long)json_array_size(items) : want;
			if ((long)json_array_size(items) != want) {
				print_error("%s: %zu items, expected %ld\n", path, json_array_size(items), want);
				fail();
			}
			check_budget(&r, limits[l], path);
			json_decref(j);
			srt_resp_free(&r);
		}
	}
	/* Prefix listing too. */
	srt_resp r;
	json_t *j = get_json_resp("/api/v1/skills?prefix=demo&limit=2", 200, &r);
	check_budget(&r, 2, "prefix=demo limit=2");
	json_decref(j);
	srt_resp_free(&r);
}

static void test_trending(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/skills?sort=trending&limit=2", 200);
	json_t *items = check_page(j, "trending");
	assert_true(json_array_size(items) <= 2);
	assert_true(json_is_null(json_object_get(j, "nextCursor")));
	json_decref(j);
}

static void test_limit_parsing(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/skills?limit=abc", 200);
	assert_int_equal(json_array_size(check_page(j, "limit=abc")), NSKILLS);
	json_decref(j);
	j = get_json("/api/v1/skills?limit=0", 200);
	assert_int_equal(json_array_size(check_page(j, "limit=0")), 1);
	json_decref(j);
	j = get_json("/api/v1/skills?limit=-5", 200);
	assert_int_equal(json_array_size(check_page(j, "limit=-5")), 1);
	json_decref(j);
	j = get_json("/api/v1/skills?limit=100000", 200);
	assert_int_equal(json_array_size(check_page(j, "limit=100000")), NSKILLS);
	json_decref(j);
	/* As ClawHub's parseInt reads it: the leading digits count, the rest is ignored. */
	j = get_json("/api/v1/skills?limit=2abc", 200);
	assert_int_equal(json_array_size(check_page(j, "limit=2abc")), 2);
	json_decref(j);
	j = get_json("/api/v1/skills?limit=%202.9", 200);
	assert_int_equal(json_array_size(check_page(j, "limit= 2.9")), 2);
	json_decref(j);
	j = get_json("/api/v1/skills?limit=", 200);
	assert_int_equal(json_array_size(check_page(j, "limit=")), NSKILLS);
	json_decref(j);
	/* Unknown parameters are ignored. */
	j = get_json("/api/v1/skills?bogus=1&nonSuspiciousOnly=true", 200);
	assert_int_equal(json_array_size(check_page(j, "bogus")), NSKILLS);
	json_decref(j);
}

/* The first page of path with its cursor parameter left out: the answer ClawHub gives to a
 * cursor it cannot read. */
static void expect_first_page(const char *path, const char *first_path)
{
	json_t *first = get_json(first_path, 200);
	json_t *j = get_json(path, 200);
	if (!json_equal(json_object_get(j, "items"), json_object_get(first, "items")) ||
	    !json_equal(json_object_get(j, "nextCursor"), json_object_get(first, "nextCursor"))) {
		print_error("GET %s is not the first page of %s\n", path, first_path);
		fail();
	}
	json_decref(j);
	json_decref(first);
}

/* A cursor the list cannot read (garbled, or from another order) serves the first page, as
 * ClawHub does (it used to be a 400 here; issue 13). */
static void test_cursor_errors(void **state)
{
	(void)state;
	expect_first_page("/api/v1/skills?cursor=garbage", "/api/v1/skills");
	expect_first_page("/api/v1/skills?sort=name&cursor=%7B%22x%22%3A1%7D", "/api/v1/skills?sort=name");
	expect_first_page("/api/v1/skills?sort=newest&cursor=AAAAAAAAAAAAAAAAAAAA", "/api/v1/skills?sort=newest");
	expect_first_page("/api/v1/skills?cursor=%20%20", "/api/v1/skills");

	json_t *j = get_json("/api/v1/skills?sort=name&limit=2", 200);
	const char *c = json_string_value(json_object_get(j, "nextCursor"));
	assert_non_null(c);
	char cursor[2048];
	snprintf(cursor, sizeof cursor, "%s", c);
	json_decref(j);
	expect_first_page(srt_fmt("/api/v1/skills?sort=newest&limit=2&cursor=%s", srt_urlenc(cursor)),
			  "/api/v1/skills?sort=newest&limit=2");
	expect_first_page(srt_fmt("/api/v1/skills?sort=downloads&limit=2&cursor=%s", srt_urlenc(cursor)),
			  "/api/v1/skills?sort=downloads&limit=2");
	/* A tampered cursor. */
	size_t n = strlen(cursor);
	cursor[n / 2] = cursor[n / 2] == 'x' ? 'y' : 'x';
	srt_resp r;
	srt_get(&S, srt_fmt("/api/v1/skills?sort=name&limit=2&cursor=%s", srt_urlenc(cursor)), NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
}

static void test_cursor_filter_mismatch(void **state)
{
	(void)state;
	int bad = 0;
	json_t *nj = get_json("/api/v1/skills?sort=name&limit=2", 200);
	char ncursor[2048];
	snprintf(ncursor, sizeof ncursor, "%s", json_string_value(json_object_get(nj, "nextCursor")));
	json_decref(nj);
	/* A cursor from the prefix listing used without the prefix, and the other way round: a
	 * restart from the first page, never reinterpreted (DESIGN.md section 3) and never a 400
	 * (ClawHub serves the first page, issue 13). */
	json_t *j = get_json("/api/v1/skills?prefix=demo&limit=1", 200);
	const char *c = json_string_value(json_object_get(j, "nextCursor"));
	assert_non_null(c);
	char pcursor[2048];
	snprintf(pcursor, sizeof pcursor, "%s", c);
	json_decref(j);
	json_t *first = get_json("/api/v1/skills?sort=name&limit=2", 200);
	json_t *again = get_json(srt_fmt("/api/v1/skills?sort=name&limit=2&cursor=%s", srt_urlenc(pcursor)), 200);
	if (!json_equal(json_object_get(again, "items"), json_object_get(first, "items"))) {
		print_error("a prefix cursor reused without the prefix did not serve the first page\n");
		bad++;
	}
	json_decref(again);
	json_decref(first);
	first = get_json("/api/v1/skills?prefix=demo&limit=2", 200);
	again = get_json(srt_fmt("/api/v1/skills?prefix=demo&limit=2&cursor=%s", srt_urlenc(ncursor)), 200);
	if (!json_equal(json_object_get(again, "items"), json_object_get(first, "items"))) {
		print_error("a name cursor used with a prefix did not serve the prefix's first page\n");
		bad++;
	}
	json_decref(again);
	json_decref(first);

	assert_int_equal(bad, 0);
}

static void test_param_errors(void **state)
{
	(void)state;
	expect_text("/api/v1/skills?sort=bogus", 400, "Invalid sort query parameter");
	expect_text("/api/v1/skills?prefix=Bad%21", 400, "Invalid prefix query parameter");
	expect_text("/api/v1/skills?prefix=-abc", 400, "Invalid prefix query parameter");
	char longp[120];
	memset(longp, 'a', 97);
	longp[97] = '\0';
	expect_text(srt_fmt("/api/v1/skills?prefix=%s", longp), 400, "Invalid prefix query parameter");
	expect_text("/api/v1/skills?prefix=demo&sort=downloads", 400, "Prefix listing only supports name sort");
	expect_text("/api/v1/skills?prefix=demo&sort=newest", 400, "Prefix listing only supports name sort");
	/* Present but empty is not absent (ClawHub): both are refused; values are trimmed. */
	expect_text("/api/v1/skills?sort=", 400, "Invalid sort query parameter");
	expect_text("/api/v1/skills?sort=%20", 400, "Invalid sort query parameter");
	expect_text("/api/v1/skills?prefix=", 400, "Invalid prefix query parameter");
	expect_text("/api/v1/skills?prefix=%20", 400, "Invalid prefix query parameter");
	expect_text("/api/v1/skills?prefix=demo&sort=", 400, "Invalid sort query parameter");
	expect_first_page("/api/v1/skills?sort=%20Name%20", "/api/v1/skills?sort=name");
	expect_first_page("/api/v1/skills?prefix=%20demo%20", "/api/v1/skills?prefix=demo");
}

static void test_prefix(void **state)
{
	(void)state;
	static const char *const want[] = {"demo-alpha", "demo-beta", "demo-gamma"};
	static const char *const paths[] = {"/api/v1/skills?prefix=demo", "/api/v1/skills?prefix=DEMO",
					    "/api/v1/skills?prefix=demo&sort=name", "/api/v1/skills?prefix=demo-"};
	for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++) {
		json_t *j = get_json(paths[p], 200);
		json_t *items = check_page(j, paths[p]);
		assert_int_equal(json_array_size(items), 3);
		for (size_t i = 0; i < 3; i++)
			assert_string_equal(json_string_value(json_object_get(json_array_get(items, i), "slug")), want[i]);
		assert_true(json_is_null(json_object_get(j, "nextCursor")));
		json_decref(j);
	}
	/* Paged prefix listing. */
	char cursor[2048] = "";
	size_t got = 0;
	for (int page = 0; page < 6; page++) {
		const char *path = cursor[0]
			? srt_fmt("/api/v1/skills?prefix=demo&limit=1&cursor=%s", srt_urlenc(cursor))
			: "/api/v1/skills?prefix=demo&limit=1";
		srt_resp r;
		json_t *j = get_json_resp(path, 200, &r);
		check_budget(&r, 1, path);
		json_t *items = check_page(j, path);
		for (size_t i = 0; i < json_array_size(items); i++) {
			assert_true(got < 3);
			assert_string_equal(json_string_value(json_object_get(json_array_get(items, i), "slug")), want[got]);
			got++;
		}
		json_t *nc = json_object_get(j, "nextCursor");
		int done = json_is_null(nc);
		if (!done)
			snprintf(cursor, sizeof cursor, "%s", json_string_value(nc));
		json_decref(j);
		srt_resp_free(&r);
		if (done)
			break;
	}
	assert_int_equal(got, 3);
	/* No match. */
	json_t *j = get_json("/api/v1/skills?prefix=zzzz", 200);
	assert_int_equal(json_array_size(check_page(j, "prefix=zzzz")), 0);
	assert_true(json_is_null(json_object_get(j, "nextCursor")));
	json_decref(j);
}

static void post_ok(const char *method, const char *path, const char *token)
{
	srt_resp r;
	srt_send(&S, method, path, token, method[0] == 'P' ? "{}" : NULL, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	srt_resp_free(&r);
}

static void test_stars_and_updated_order(void **state)
{
	(void)state;
	post_ok("POST", "/api/v1/stars/demo-beta", S.tok_alice);
	post_ok("POST", "/api/v1/stars/demo-beta", S.tok_bob);
	post_ok("POST", "/api/v1/stars/demo-gamma", S.tok_bob);
	json_t *j = get_json("/api/v1/skills?sort=stars&limit=3", 200);
	json_t *items = check_page(j, "sort=stars");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "slug")), "demo-beta");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "slug")), "demo-gamma");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_array_get(items, 0), "stats"), "stars")), 2);
	json_decref(j);
	walk("stars", 2);

	/* A new version moves a skill to the top of sort=updated. */
	sleep_ms(15);
	srt_publish_ok(&S, S.tok_alice, "demo-alpha", "1.1.0", "Demo Alpha", "First demo skill for listing.");
	for (int tries = 0; tries < 50; tries++) {
		j = get_json("/api/v1/skills?limit=1", 200);
		items = check_page(j, "default sort");
		const char *first = json_string_value(json_object_get(json_array_get(items, 0), "slug"));
		int ok = first && strcmp(first, "demo-alpha") == 0;
		json_decref(j);
		if (ok)
			break;
		sleep_ms(100);
		if (tries == 49) {
			print_error("after a new version, demo-alpha is not first in the default (updated) sort\n");
			fail();
		}
	}
	/* The list's latestVersion may lag while the new version's scan is pending (api-v1
	 * section 3.2), but not for long. */
	for (int tries = 0;; tries++) {
		j = get_json("/api/v1/skills?prefix=demo-alpha&limit=1", 200);
		json_t *it0 = json_array_get(json_object_get(j, "items"), 0);
		assert_non_null(it0);
		SRT_EXPECT_STR(it0, "slug", "demo-alpha");
		json_t *lv = json_object_get(it0, "latestVersion");
		const char *v = lv ? json_string_value(json_object_get(lv, "version")) : NULL;
		int ok = !lv || (v && strcmp(v, "1.1.0") == 0);
		if (!ok && tries == 100) {
			print_error("list latestVersion of demo-alpha is still %s 10 s after 1.1.0 was published\n", v);
			fail();
		}
		json_decref(j);
		if (ok)
			break;
		sleep_ms(100);
	}
	walk("updated", 2);
}

/* ---------------------------------------------------------------- search */

static json_t *search(const char *query, srt_resp *keep)
{
	json_t *j = get_json_resp(srt_fmt("/api/v1/search?%s", query), 200, keep);
	json_t *res = json_object_get(j, "results");
	assert_true(json_is_array(res));
	size_t i;
	json_t *row;
	json_array_foreach(res, i, row) {
		if (!is_number(json_object_get(row, "score")) || !json_is_string(json_object_get(row, "slug")) ||
		    !json_is_string(json_object_get(row, "displayName"))) {
			char *d = json_dumps(row, 0);
			print_error("search %s: bad row %s\n", query, d);
			free(d);
			fail();
		}
		json_t *v = json_object_get(row, "version");
		json_t *o = json_object_get(row, "ownerHandle");
		assert_true(v && (json_is_string(v) || json_is_null(v)));
		assert_true(o && (json_is_string(o) || json_is_null(o)));
	}
	return j;
}

static int results_have(json_t *j, const char *slug)
{
	return has_slug(json_object_get(j, "results"), slug);
}

static void expect_found(const char *query, const char *slug)
{
	srt_resp r;
	json_t *j = search(query, &r);
	if (!results_have(j, slug)) {
		print_error("search %s does not find %s: %s\n", query, slug, r.body);
		fail();
	}
	json_decref(j);
	srt_resp_free(&r);
}

static void test_search_empty(void **state)
{
	(void)state;
	static const char *const paths[] = {"/api/v1/search", "/api/v1/search?q="};
	for (size_t i = 0; i < 2; i++) {
		srt_resp r;
		srt_get(&S, paths[i], NULL, &r);
		json_t *j = SRT_EXPECT_JSON(&r, 200);
		json_t *want = json_pack("{s:[]}", "results");
		if (!json_equal(j, want)) {
			print_error("GET %s: expected {\"results\":[]}, got %s\n", paths[i], r.body);
			fail();
		}
		json_decref(want);
		json_decref(j);
		srt_resp_free(&r);
	}
}

static void test_search_matching(void **state)
{
	(void)state;
	expect_found("q=demo-gamma", "demo-gamma");
	expect_found("q=lighthouse", "mid-skill");
	expect_found("q=Lighthouse", "mid-skill");
	expect_found("q=harbor%20keeper", "mid-skill");
	expect_found("q=ipeli", "other-one");
	expect_found("q=pipeline", "other-one");
	expect_found(srt_fmt("q=%s", srt_urlenc("翻译")), "cjk-translator");
	expect_found(srt_fmt("q=%s", srt_urlenc("网页内容")), "cjk-translator");
	expect_found("q=demo", "demo-alpha");
	expect_found("q=demo", "demo-beta");

	/* Exact slug first. */
	srt_resp r;
	json_t *j = search("q=demo-beta", &r);
	json_t *first = json_array_get(json_object_get(j, "results"), 0);
	assert_non_null(first);
	SRT_EXPECT_STR(first, "slug", "demo-beta");
	SRT_EXPECT_STR(first, "ownerHandle", "alice");
	SRT_EXPECT_STR(first, "version", "1.0.0");
	json_decref(j);
	srt_resp_free(&r);

	/* Owner of other-one is bob. */
	j = search("q=other-one", &r);
	first = json_array_get(json_object_get(j, "results"), 0);
	SRT_EXPECT_STR(first, "slug", "other-one");
	SRT_EXPECT_STR(first, "ownerHandle", "bob");
	json_decref(j);
	srt_resp_free(&r);

	/* Scores are non-increasing (already sorted). */
	j = search("q=demo&limit=50", &r);
	json_t *res = json_object_get(j, "results");
	for (size_t i = 1; i < json_array_size(res); i++)
		assert_true(json_number_value(json_object_get(json_array_get(res, i - 1), "score")) >=
			    json_number_value(json_object_get(json_array_get(res, i), "score")));
	json_decref(j);
	srt_resp_free(&r);

	/* Nothing matches nonsense. */
	j = search("q=qqqxxxzzzwww", &r);
	assert_int_equal(json_array_size(json_object_get(j, "results")), 0);
	json_decref(j);
	srt_resp_free(&r);
}

static void test_search_modes_and_limit(void **state)
{
	(void)state;
	srt_resp r;
	json_t *j = search("q=demo-alpha&mode=exact", &r);
	json_t *res = json_object_get(j, "results");
	assert_true(json_array_size(res) >= 1);
	size_t i;
	json_t *row;
	json_array_foreach(res, i, row)
		SRT_EXPECT_STR(row, "slug", "demo-alpha");
	json_decref(j);
	srt_resp_free(&r);

	j = search("q=DEMO-ALPHA&mode=exact", &r);
	assert_int_equal(json_array_size(json_object_get(j, "results")), 1);
	json_decref(j);
	srt_resp_free(&r);

	j = search("q=demo&mode=exact", &r);
	assert_int_equal(json_array_size(json_object_get(j, "results")), 0);
	json_decref(j);
	srt_resp_free(&r);

	expect_text("/api/v1/search?q=demo&mode=bogus", 400, "Invalid search mode");

	j = search("q=demo&limit=1", &r);
	assert_int_equal(json_array_size(json_object_get(j, "results")), 1);
	json_decref(j);
	srt_resp_free(&r);
	j = search("q=demo&limit=0", &r);
	assert_true(json_array_size(json_object_get(j, "results")) <= 1);
	json_decref(j);
	srt_resp_free(&r);
	j = search("q=demo&limit=abc", &r);
	assert_true(json_array_size(json_object_get(j, "results")) >= 3);
	json_decref(j);
	srt_resp_free(&r);
}

/* Deleted skills disappear from lists and search. */
static void test_deleted_disappear(void **state)
{
	(void)state;
	expect_found("q=zeta-tool", "zeta-tool");
	post_ok("DELETE", "/api/v1/skills/zeta-tool", S.tok_alice);
	for (size_t s = 0; s < NSORTS; s++) {
		const char *path = SORTS[s][0] ? srt_fmt("/api/v1/skills?sort=%s", SORTS[s]) : "/api/v1/skills";
		json_t *j = get_json(path, 200);
		json_t *items = check_page(j, path);
		if (has_slug(items, "zeta-tool")) {
			print_error("%s still lists a deleted skill\n", path);
			fail();
		}
		if (strcmp(SORTS[s], "trending") != 0)
			assert_int_equal(json_array_size(items), NSKILLS - 1);
		json_decref(j);
	}
	json_t *j = get_json("/api/v1/skills?prefix=zeta", 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	srt_resp r;
	j = search("q=zeta-tool", &r);
	assert_false(results_have(j, "zeta-tool"));
	json_decref(j);
	srt_resp_free(&r);
	j = search("q=zeta", &r);
	assert_false(results_have(j, "zeta-tool"));
	json_decref(j);
	srt_resp_free(&r);

	/* Undelete brings it back. */
	post_ok("POST", "/api/v1/skills/zeta-tool/undelete", S.tok_alice);
	j = get_json("/api/v1/skills?sort=name&limit=50", 200);
	assert_true(has_slug(json_object_get(j, "items"), "zeta-tool"));
	json_decref(j);
	expect_found("q=zeta-tool", "zeta-tool");
}

/* Query syntax of the full-text engine must not leak through: every odd q is a 200. */
static void test_search_syntax_fuzz(void **state)
{
	(void)state;
	static const char *const qs[] = {
		"\"", "'", "*", "demo*", "NEAR(demo alpha)", "demo AND", "OR", "AND OR NOT", "-demo",
		"demo:", "slug:demo", "(", ")", "^demo", "{", "}", "%", "_", "\\", "a\"b", "demo\"",
		"\"demo", "demo-", "--", "-", "@", "@alice/", "alice/demo-alpha", "@alice/demo-alpha",
		"\xe7\xbf", "\xef\xbb\xbf", "..", "/", "?", "&", "+", "demo+alpha", "NEAR", "\"\"",
		"col : x", "x NOT y", "a*b*c", "\t\n", "SELECT * FROM skills", "1=1", "';--",
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		srt_resp r;
		srt_get(&S, srt_fmt("/api/v1/search?q=%s", srt_urlenc(qs[i])), NULL, &r);
		json_t *j = r.status == 200 ? srt_json(&r) : NULL;
		if (!j || !json_is_array(json_object_get(j, "results"))) {
			print_error("search q=%s: HTTP %ld %.200s\n", srt_urlenc(qs[i]), r.status, r.body);
			bad++;
		}
		json_decref(j);
		srt_resp_free(&r);
	}
	/* A long query. */
	char longq[3000];
	for (int i = 0; i < 2999; i++)
		longq[i] = (char)('a' + i % 26);
	longq[2999] = '\0';
	srt_resp r;
	srt_get(&S, srt_fmt("/api/v1/search?q=%s", longq), NULL, &r);
	if (r.status != 200 && r.status != 400) {
		print_error("search with a 3000-char q: HTTP %ld\n", r.status);
		bad++;
	}
	srt_resp_free(&r);
	/* Owner-qualified query finds the skill (tier 0: q equals owner/slug). */
	json_t *j = search("q=alice%2Fdemo-alpha", &r);
	if (!results_have(j, "demo-alpha")) {
		print_error("search q=alice/demo-alpha does not find demo-alpha: %.300s\n", r.body);
		bad++;
	}
	json_decref(j);
	srt_resp_free(&r);
	/* The optional filters are accepted. */
	j = search("q=demo&nonSuspiciousOnly=true&highlightedOnly=false", &r);
	json_decref(j);
	srt_resp_free(&r);
	j = search("q=demo&nonSuspicious=1", &r);
	json_decref(j);
	srt_resp_free(&r);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_fixtures),
		cmocka_unit_test(test_every_sort_shape),
		cmocka_unit_test(test_name_sort),
		cmocka_unit_test(test_newest_sort),
		cmocka_unit_test(test_pagination),
		cmocka_unit_test(test_read_budget),
		cmocka_unit_test(test_trending),
		cmocka_unit_test(test_limit_parsing),
		cmocka_unit_test(test_cursor_errors),
		cmocka_unit_test(test_cursor_filter_mismatch),
		cmocka_unit_test(test_param_errors),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_search_empty),
		cmocka_unit_test(test_search_matching),
		cmocka_unit_test(test_search_modes_and_limit),
		cmocka_unit_test(test_search_syntax_fuzz),
		cmocka_unit_test(test_stars_and_updated_order),
		cmocka_unit_test(test_deleted_disappear),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
