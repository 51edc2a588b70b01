/*
 * test_budget.c - the read budget on a catalog big enough to tell an index range scan from a
 * scan-and-filter (DESIGN.md sections 4 and 7: rows read per list page <= page size + 1).
 *
 * 48 skills are published, a third of them are soft-deleted (interleaved, so a list that
 * reads deleted rows and drops them in C shows up as extra rows), some get stars and new
 * versions. Every sort and the prefix listing are then walked with small pages: each page
 * must stay within budget and the walk must visit every live skill exactly once.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static srt_server S;

#define NBULK 48
static char slugs[NBULK][32];
static int deleted[NBULK];

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

static json_t *call_ok(const char *method, const char *path, const char *token, const char *body)
{
	srt_resp r;
	srt_send(&S, method, path, token, body, &r);
	if (r.status != 200)
		print_error("%s %s\n", method, path);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	srt_resp_free(&r);
	return j;
}

static void test_fixtures(void **state)
{
	(void)state;
	for (int i = 0; i < NBULK; i++) {
		snprintf(slugs[i], sizeof slugs[i], "bulk-%03d", i);
		const char *tok = i % 4 == 0 ? S.tok_bob : S.tok_alice;
		srt_publish_ok(&S, tok, slugs[i], "1.0.0", srt_fmt("Bulk %d", i), "Bulk skill for the read budget.");
	}
	for (int i = 0; i < NBULK; i += 5)
		srt_publish_ok(&S, i % 4 == 0 ? S.tok_bob : S.tok_alice, slugs[i], "1.1.0", srt_fmt("Bulk %d", i),
			       "Bulk skill for the read budget.");
	for (int i = 1; i < NBULK; i += 7) {
		json_decref(call_ok("POST", srt_fmt("/api/v1/stars/%s", slugs[i]), S.tok_alice, "{}"));
		if (i % 2)
			json_decref(call_ok("POST", srt_fmt("/api/v1/stars/%s", slugs[i]), S.tok_bob, "{}"));
	}
	for (int i = 0; i < NBULK; i += 3) {
		const char *tok = i % 4 == 0 ? S.tok_bob : S.tok_alice;
		json_decref(call_ok("DELETE", srt_fmt("/api/v1/skills/%s", slugs[i]), tok, NULL));
		deleted[i] = 1;
	}
	/* Some downloads. They are folded into the counters asynchronously; the walks below need
	 * the downloads order to stay still, so wait until every one has been folded (a fold
	 * during a keyset walk moves a skill across the cursor, which no cursor can follow). */
	for (int i = 2; i < NBULK; i += 4) {
		if (deleted[i])
			continue;
		srt_resp r;
		srt_get(&S, srt_fmt("/api/v1/download?slug=%s", slugs[i]), NULL, &r);
		SRT_EXPECT_STATUS(&r, 200);
		srt_resp_free(&r);
	}
	for (int i = 2; i < NBULK; i += 4) {
		if (deleted[i])
			continue;
		long long downloads = -1;
		for (int tries = 0; tries < 200 && downloads != 1; tries++) {
			if (tries) {
				struct timespec ts = {0, 50000000L};
				nanosleep(&ts, NULL);
			}
			json_t *d = call_ok("GET", srt_fmt("/api/v1/skills/%s", slugs[i]), NULL, NULL);
			json_t *st = json_object_get(json_object_get(d, "skill"), "stats");
			downloads = json_integer_value(json_object_get(st, "downloads"));
			json_decref(d);
		}
		if (downloads != 1) {
			print_error("%s: downloads=%lld after one download (want 1)\n", slugs[i], downloads);
			fail();
		}
	}
}

static int live_count(void)
{
	int n = 0;
	for (int i = 0; i < NBULK; i++)
		n += !deleted[i];
	return n;
}

static int index_of(const char *slug)
{
	for (int i = 0; i < NBULK; i++)
		if (strcmp(slugs[i], slug) == 0)
			return i;
	return -1;
}

/* Walks a listing; returns the number of budget violations (also printed). */
static void walk(const char *base, long lim, int expect_all)
{
	int seen[NBULK] = {0};
	char cursor[2048] = "";
	int pages = 0, over = 0, heavy = 0;
	long worst = 0;
	for (;;) {
		const char *path = cursor[0] ? srt_fmt("%s&limit=%ld&cursor=%s", base, lim, srt_urlenc(cursor))
					     : srt_fmt("%s&limit=%ld", base, lim);
		srt_resp r;
		srt_get(&S, path, NULL, &r);
		if (r.status != 200)
			print_error("GET %s\n", path);
		json_t *j = SRT_EXPECT_JSON(&r, 200);
		long rows = -1, bytes = -1;
		assert_int_equal(srt_timing(&r, &rows, &bytes), 0);
		if (rows > lim + 1) {
			over++;
			if (rows > worst)
				worst = rows;
		}
		/* DESIGN.md section 7: bytes read per list page <= 1.5 x the JSON returned. */
		if ((double)bytes > 1.5 * (double)r.len) {
			print_error("%s: read %ld bytes for a %zu-byte page (> 1.5x)\n", path, bytes, r.len);
			heavy++;
		}
		json_t *items = json_object_get(j, "items");
		assert_true((long)json_array_size(items) <= lim);
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it) {
			const char *slug = json_string_value(json_object_get(it, "slug"));
			int k = index_of(slug);
			assert_true(k >= 0);
			if (deleted[k]) {
				print_error("%s lists deleted %s\n", base, slug);
				fail();
			}
			seen[k]++;
			json_t *lv = json_object_get(it, "latestVersion");
			assert_true(lv == NULL || json_is_object(lv));
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
		assert_true(pages <= NBULK + 2);
	}
	if (over) {
		print_error("%s limit=%ld: %d of %d pages read more than %ld rows (worst %ld)\n", base, lim, over,
			    pages, lim + 1, worst);
		fail();
	}
	assert_int_equal(heavy, 0);
	if (expect_all) {
		for (int k = 0; k < NBULK; k++) {
			if (!deleted[k] && seen[k] != 1) {
				print_error("%s limit=%ld: %s seen %d times\n", base, lim, slugs[k], seen[k]);
				fail();
			}
		}
	}
}

static void test_walk_every_sort(void **state)
{
	(void)state;
	static const char *const sorts[] = {"updated", "recommended", "newest", "downloads", "installs",
					    "stars", "name"};
	for (size_t s = 0; s < sizeof sorts / sizeof sorts[0]; s++) {
		walk(srt_fmt("/api/v1/skills?sort=%s", sorts[s]), 4, 1);
		walk(srt_fmt("/api/v1/skills?sort=%s", sorts[s]), 7, 1);
	}
	walk("/api/v1/skills?prefix=bulk-0", 4, 0);
	walk("/api/v1/skills?prefix=bulk", 5, 1);
}

static void test_first_pages(void **state)
{
	(void)state;
	static const char *const sorts[] = {"updated", "recommended", "newest", "downloads", "installs",
					    "stars", "name", "trending"};
	static const long limits[] = {1, 2, 10, 25, 100, 200};
	for (size_t s = 0; s < sizeof sorts / sizeof sorts[0]; s++) {
		for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
			const char *path = srt_fmt("/api/v1/skills?sort=%s&limit=%ld", sorts[s], limits[l]);
			srt_resp r;
			srt_get(&S, path, NULL, &r);
			json_t *j = SRT_EXPECT_JSON(&r, 200);
			long rows = -1, bytes = -1;
			assert_int_equal(srt_timing(&r, &rows, &bytes), 0);
			if (rows > limits[l] + 1) {
				print_error("%s: read %ld rows (budget %ld)\n", path, rows, limits[l] + 1);
				fail();
			}
			size_t n = json_array_size(json_object_get(j, "items"));
			long want = limits[l] < live_count() ? limits[l] : live_count();
			if (strcmp(sorts[s], "trending") != 0 && (long)n != want) {
				print_error("%s: %zu items, expected %ld\n", path, n, want);
				fail();
			}
			json_decref(j);
			srt_resp_free(&r);
		}
	}
}

/* stars order holds across pages on the bigger catalog. */
static void test_stars_order(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/api/v1/skills?sort=stars&limit=200", NULL, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	json_t *items = json_object_get(j, "items");
	long prev = 1 << 30;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		long st = (long)json_integer_value(json_object_get(json_object_get(it, "stats"), "stars"));
		if (st > prev) {
			print_error("sort=stars not descending at %zu\n", i);
			fail();
		}
		prev = st;
	}
	json_decref(j);
	srt_resp_free(&r);
}

/* The per-request read cap: a second server with --max-rows 5 refuses a page that would read
 * more, cleanly, and keeps serving (DESIGN.md section 4). Its skills are published before the
 * cap: a publish reads a row per word it indexes (the vocabulary's counts), more than 5. */
static void test_read_cap(void **state)
{
	(void)state;
	static const char *args[] = {"--max-rows", "100000", NULL};
	srt_server s2;
	assert_int_equal(srt_server_start_args(&s2, (const char *const *)args), 0);
	for (int i = 0; i < 8; i++)
		srt_publish_ok(&s2, s2.tok_alice, srt_fmt("capped-%d", i), "1.0.0", NULL, NULL);
	args[1] = "5"; /* srt_server_restart reads the array again */
	assert_int_equal(srt_server_restart(&s2), 0);
	srt_resp r;
	srt_get(&s2, "/api/v1/skills?sort=name&limit=3", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_get(&s2, "/api/v1/skills?sort=name&limit=10", NULL, &r);
	if (r.status < 500 || r.status > 599 || !strcasestr(r.body, "limit")) {
		print_error("a page reading more than --max-rows: expected a 5xx naming the limit\n");
		srt_expect_status_at(&r, 500, __FILE__, __LINE__);
	}
	long rows = -1, bytes = -1;
	assert_int_equal(srt_timing(&r, &rows, &bytes), 0);
	assert_true(rows <= 6);
	srt_resp_free(&r);
	srt_get(&s2, "/healthz", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_get(&s2, "/api/v1/skills/capped-1", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	assert_int_equal(srt_server_stop(&s2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_walk_every_sort),
		cmocka_unit_test(test_first_pages),
		cmocka_unit_test(test_stars_order),
		cmocka_unit_test(test_read_cap),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
