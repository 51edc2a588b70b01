/*
 * test_cache.c - the response cache for anonymous public GETs (src/http/cache.h).
 *
 * What must hold: a repeated anonymous list, search or detail is answered without reading
 * the database (Server-Timing rows=0, cache="hit") and with the same bytes; argument order
 * does not matter; a token holder's GET is never served from the cache; and every write
 * that can change an answer makes the next GET compute it again, from the moment the write
 * has returned. That includes writes made by another process on the same data directory
 * (`skillreg user ban`), and holds while readers keep refilling the cache during a burst of
 * writes. Writes to one skill leave the other skills' cached details alone.
 */
#include "harness.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static srt_server S;

/* The readers of test_no_stale_answer_after_a_write_returns read as fast as they can for as
 * long as the writes last: on a loaded machine that passes the anonymous read limit, and the
 * 429s that follow are not what these tests are about. */
static const char *const SERVE_ARGS[] = {"--no-rate-limit", NULL};

static int group_setup(void **state)
{
	(void)state;
	return srt_server_start_args(&S, SERVE_ARGS);
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

/* "hit", "miss" or "" from Server-Timing. */
static const char *cache_of(const srt_resp *r)
{
	const char *t = srt_header(r, "Server-Timing");
	if (!t)
		return "";
	const char *p = strstr(t, "cache;desc=\"");
	if (!p)
		return "";
	p += 12;
	return strncmp(p, "hit", 3) == 0 ? "hit" : strncmp(p, "miss", 4) == 0 ? "miss" : "?";
}

/* GETs path and checks the status and whether the cache answered. Body kept in *out. */
static void get_expect(const char *path, const char *token, long status, const char *cache, srt_resp *out,
		       const char *file, int line)
{
	srt_get(&S, path, token, out);
	if (out->status != status || strcmp(cache_of(out), cache) != 0) {
		print_error("%s:%d: GET %s: status %ld cache \"%s\", want %ld \"%s\"\n", file, line, path,
			       out->status, cache_of(out), status, cache);
		fail();
	}
	long rows = -1, bytes = -1;
	srt_timing(out, &rows, &bytes);
	if (strcmp(cache, "hit") == 0 && (rows != 0 || bytes != 0)) {
		print_error("%s:%d: GET %s: a hit read %ld rows, %ld bytes\n", file, line, path, rows, bytes);
		fail();
	}
}
#define GET_EXPECT(path, tok, st, cache, out) get_expect((path), (tok), (st), (cache), (out), __FILE__, __LINE__)

static long long stars_of(const srt_resp *r)
{
	json_t *j = srt_json(r);
	long long n = json_integer_value(json_object_get(json_object_get(json_object_get(j, "skill"), "stats"), "stars"));
	json_decref(j);
	return n;
}

static void call_ok(const char *method, const char *path, const char *token, const char *body)
{
	srt_resp r;
	srt_send(&S, method, path, token, body, &r);
	if (r.status != 200) {
		print_error("%s %s: %ld %s\n", method, path, r.status, r.body);
		fail();
	}
	srt_resp_free(&r);
}

static void test_fixtures(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "cache-alpha", "1.0.0", "Cache Alpha", "First skill of the cache tests.");
	srt_publish_ok(&S, S.tok_alice, "cache-beta", "1.0.0", "Cache Beta", "Second skill of the cache tests.");
	srt_publish_ok(&S, S.tok_bob, "cache-gamma", "1.0.0", "Cache Gamma", "Third skill, another owner.");
}

static void test_hits_are_byte_identical_and_read_nothing(void **state)
{
	(void)state;
	srt_resp a, b, c;
	GET_EXPECT("/api/v1/skills?sort=name&limit=10", NULL, 200, "miss", &a);
	long rows = 0, bytes = 0;
	srt_timing(&a, &rows, &bytes);
	assert_true(rows > 0);
	GET_EXPECT("/api/v1/skills?sort=name&limit=10", NULL, 200, "hit", &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.body, b.body, a.len);
	/* The same arguments in another order are the same request. */
	GET_EXPECT("/api/v1/skills?limit=10&sort=name", NULL, 200, "hit", &c);
	assert_memory_equal(a.body, c.body, a.len);
	srt_resp_free(&a);
	srt_resp_free(&b);
	srt_resp_free(&c);
	/* A repeated argument keeps its order: handlers read the first value, so ?q=a&q=b and
	 * ?q=b&q=a are different questions. */
	GET_EXPECT("/api/v1/search?q=alpha&q=beta", NULL, 200, "miss", &a);
	GET_EXPECT("/api/v1/search?q=beta&q=alpha", NULL, 200, "miss", &b);
	assert_non_null(strstr(a.body, "cache-alpha"));
	assert_non_null(strstr(b.body, "cache-beta"));
	assert_null(strstr(b.body, "cache-alpha"));
	srt_resp_free(&a);
	srt_resp_free(&b);
	/* Different arguments are a different answer. */
	GET_EXPECT("/api/v1/skills?sort=name&limit=2", NULL, 200, "miss", &a);
	srt_resp_free(&a);

	GET_EXPECT("/api/v1/search?q=cache", NULL, 200, "miss", &a);
	GET_EXPECT("/api/v1/search?q=cache", NULL, 200, "hit", &b);
	assert_memory_equal(a.body, b.body, a.len);
	srt_resp_free(&a);
	srt_resp_free(&b);

	GET_EXPECT("/api/v1/skills/cache-alpha", NULL, 200, "miss", &a);
	GET_EXPECT("/api/v1/skills/cache-alpha", NULL, 200, "hit", &b);
	assert_memory_equal(a.body, b.body, a.len);
	srt_resp_free(&a);
	srt_resp_free(&b);
}

static void test_token_holders_bypass_the_cache(void **state)
{
	(void)state;
	srt_resp r;
	GET_EXPECT("/api/v1/skills/cache-alpha", S.tok_alice, 200, "", &r);
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/skills?sort=name&limit=10", S.tok_bob, 200, "", &r);
	srt_resp_free(&r);
	/* Routes outside the cached set are never marked. */
	GET_EXPECT("/api/v1/skills/cache-alpha/versions", NULL, 200, "", &r);
	srt_resp_free(&r);
}

static void test_publish_invalidates_lists_search_and_a_cached_404(void **state)
{
	(void)state;
	srt_resp r;
	GET_EXPECT("/api/v1/skills?sort=newest&limit=50", NULL, 200, "miss", &r);
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/skills?sort=newest&limit=50", NULL, 200, "hit", &r);
	assert_null(strstr(r.body, "cache-delta"));
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/search?q=delta", NULL, 200, "miss", &r);
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/skills/cache-delta", NULL, 404, "miss", &r);
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/skills/cache-delta", NULL, 404, "hit", &r);
	srt_resp_free(&r);

	srt_publish_ok(&S, S.tok_alice, "cache-delta", "1.0.0", "Cache Delta", "Published after the lists were cached.");

	GET_EXPECT("/api/v1/skills?sort=newest&limit=50", NULL, 200, "miss", &r);
	assert_non_null(strstr(r.body, "cache-delta"));
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/search?q=delta", NULL, 200, "miss", &r);
	assert_non_null(strstr(r.body, "cache-delta"));
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/skills/cache-delta", NULL, 200, "miss", &r);
	srt_resp_free(&r);
}

static void test_a_write_to_one_skill_keeps_the_others(void **state)
{
	(void)state;
	srt_resp r;
	GET_EXPECT("/api/v1/skills/cache-alpha", NULL, 200, "hit", &r);
	long long alpha_stars = stars_of(&r);
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/skills/cache-beta", NULL, 200, "miss", &r);
	long long beta_stars = stars_of(&r);
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/skills/cache-beta", NULL, 200, "hit", &r);
	srt_resp_free(&r);

	call_ok("POST", "/api/v1/stars/cache-beta", S.tok_bob, "{}");

	/* alpha's answer did not change, so it is still served from the cache. */
	GET_EXPECT("/api/v1/skills/cache-alpha", NULL, 200, "hit", &r);
	assert_int_equal(stars_of(&r), alpha_stars);
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/skills/cache-beta", NULL, 200, "miss", &r);
	assert_int_equal(stars_of(&r), beta_stars + 1);
	srt_resp_free(&r);
	/* The stars sort moved too. */
	GET_EXPECT("/api/v1/skills?sort=stars&limit=1", NULL, 200, "miss", &r);
	assert_non_null(strstr(r.body, "cache-beta"));
	srt_resp_free(&r);
}

static void test_delete_undelete_and_rename(void **state)
{
	(void)state;
	srt_resp r;
	GET_EXPECT("/api/v1/skills/cache-gamma", NULL, 200, "miss", &r);
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/skills/cache-gamma", NULL, 200, "hit", &r);
	srt_resp_free(&r);
	call_ok("DELETE", "/api/v1/skills/cache-gamma", S.tok_bob, NULL);
	GET_EXPECT("/api/v1/skills/cache-gamma", NULL, 404, "miss", &r);
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/skills/cache-gamma", NULL, 404, "hit", &r);
	srt_resp_free(&r);
	call_ok("POST", "/api/v1/skills/cache-gamma/undelete", S.tok_bob, "{}");
	GET_EXPECT("/api/v1/skills/cache-gamma", NULL, 200, "miss", &r);
	srt_resp_free(&r);

	/* A rename: the old slug's cached answer must now name the new slug (an alias). */
	GET_EXPECT("/api/v1/skills/cache-gamma", NULL, 200, "hit", &r);
	srt_resp_free(&r);
	call_ok("POST", "/api/v1/skills/cache-gamma/rename", S.tok_bob, "{\"newSlug\":\"cache-gamma-two\"}");
	GET_EXPECT("/api/v1/skills/cache-gamma", NULL, 200, "miss", &r);
	json_t *j = srt_json(&r);
	SRT_EXPECT_STR(json_object_get(j, "skill"), "slug", "cache-gamma-two");
	json_decref(j);
	srt_resp_free(&r);
}

static void test_another_process_invalidates(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_bob, "cache-epsilon", "1.0.0", "Cache Epsilon", "Owner gets banned from outside.");
	srt_resp r;
	GET_EXPECT("/api/v1/skills?sort=name&limit=50", NULL, 200, "miss", &r);
	assert_non_null(strstr(r.body, "cache-epsilon"));
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/skills/cache-epsilon", NULL, 200, "miss", &r);
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/skills/cache-epsilon", NULL, 200, "hit", &r);
	srt_resp_free(&r);

	char out[256];
	const char *args[] = {"user", "ban", "bob", "--reason", "cache test", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof out, args), 0);

	GET_EXPECT("/api/v1/skills?sort=name&limit=50", NULL, 200, "miss", &r);
	assert_null(strstr(r.body, "cache-epsilon"));
	srt_resp_free(&r);
	GET_EXPECT("/api/v1/skills/cache-epsilon", NULL, 404, "miss", &r);
	srt_resp_free(&r);
}

/* Readers keep filling the cache with alpha's detail while one writer stars and unstars it;
 * after each write returns, an anonymous GET must show the new count. */
#define READERS 4
#define WRITES 40

static volatile int writing;

static void *reader(void *arg)
{
	(void)arg;
	srt_server mine = S; /* own curl handle: one easy handle is not shared between threads */
	mine.curl = curl_easy_init();
	while (writing) {
		srt_resp r;
		srt_get(&mine, "/api/v1/skills/cache-alpha", NULL, &r);
		srt_resp_free(&r);
	}
	curl_easy_cleanup(mine.curl);
	return NULL;
}

static void test_no_stale_answer_after_a_write_returns(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/api/v1/skills/cache-alpha", NULL, &r);
	long long base = stars_of(&r);
	srt_resp_free(&r);
	writing = 1;
	pthread_t t[READERS];
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, NULL), 0);
	int stale = 0;
	for (int i = 0; i < WRITES; i++) {
		int on = i % 2 == 0;
		call_ok(on ? "POST" : "DELETE", "/api/v1/stars/cache-alpha", S.tok_alice, on ? "{}" : NULL);
		for (int k = 0; k < 3; k++) {
			srt_get(&S, "/api/v1/skills/cache-alpha", NULL, &r);
			if (stars_of(&r) != base + on) {
				print_error("write %d: stars %lld, want %lld (%s)\n", i, stars_of(&r), base + on,
					       cache_of(&r));
				stale++;
			}
			srt_resp_free(&r);
		}
	}
	writing = 0;
	for (int i = 0; i < READERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(stale, 0);
}

/* The value on the sample line that starts with line_prefix (not the HELP/TYPE lines). */
static long metric(const char *body, const char *line_prefix)
{
	char want[256];
	snprintf(want, sizeof want, "\n%s", line_prefix);
	const char *p = strstr(body, want);
	return p ? atol(p + strlen(want)) : -1;
}

static void test_metrics_count_hits_and_misses(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/metrics", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_true(metric(r.body, "skillreg_cache_hits_total{route=\"skill\"} ") > 0);
	assert_true(metric(r.body, "skillreg_cache_misses_total{route=\"list\"} ") > 0);
	assert_true(metric(r.body, "skillreg_http_requests_total{route=\"list\",status=\"200\"} ") > 0);
	assert_true(metric(r.body, "skillreg_db_table_rows_read_total{table=\"skills\"} ") > 0);
	assert_true(metric(r.body, "skillreg_cache_invalidations_total ") > 0);
	assert_non_null(strstr(r.body, "skillreg_http_request_duration_seconds_bucket{route=\"skill\",le=\"+Inf\"}"));
	srt_resp_free(&r);
}

/* A second server with a 1 MiB cache: many distinct answers stay within the bound. */
static void test_bound(void **state)
{
	(void)state;
	static const char *const args[] = {"--cache-mb", "1", NULL};
	srt_server small;
	memset(&small, 0, sizeof small);
	assert_int_equal(srt_server_start_args(&small, args), 0);
	for (int i = 0; i < 6; i++)
		srt_publish_ok(&small, small.tok_alice, srt_fmt("bound-%d", i), "1.0.0", srt_fmt("Bound %d", i),
			       "A skill with a summary long enough to make list pages a few kilobytes each, so that "
			       "a few hundred distinct answers need more than the one mebibyte the cache may hold.");
	srt_resp r;
	for (int limit = 1; limit <= 200; limit++) {
		for (int s = 0; s < 3; s++) {
			static const char *const sorts[] = {"name", "newest", "updated"};
			srt_get(&small, srt_fmt("/api/v1/skills?sort=%s&limit=%d", sorts[s], limit), NULL, &r);
			SRT_EXPECT_STATUS(&r, 200);
			srt_resp_free(&r);
		}
	}
	srt_get(&small, "/metrics", NULL, &r);
	/* The global public count follows publishes and deletions (the triggers of 0004). */
	assert_int_equal(metric(r.body, "skillreg_public_skills "), 6);
	long held = metric(r.body, "skillreg_cache_bytes ");
	long max = metric(r.body, "skillreg_cache_max_bytes ");
	long evicted = metric(r.body, "skillreg_cache_evictions_total ");
	srt_resp_free(&r);
	assert_int_equal(max, 1 << 20);
	assert_true(held > 0 && held <= max);
	assert_true(evicted > 0);
	srt_resp d;
	srt_send(&small, "DELETE", "/api/v1/skills/bound-2", small.tok_alice, NULL, &d);
	SRT_EXPECT_STATUS(&d, 200);
	srt_resp_free(&d);
	srt_get(&small, "/metrics", NULL, &r);
	assert_int_equal(metric(r.body, "skillreg_public_skills "), 5);
	srt_resp_free(&r);
	assert_int_equal(srt_server_stop(&small), 0);

	/* --cache-mb 0 turns the cache off: every answer is computed. */
	static const char *const off[] = {"--cache-mb", "0", NULL};
	memset(&small, 0, sizeof small);
	assert_int_equal(srt_server_start_args(&small, off), 0);
	for (int i = 0; i < 2; i++) {
		srt_get(&small, "/api/v1/skills?sort=name", NULL, &r);
		SRT_EXPECT_STATUS(&r, 200);
		assert_string_equal(cache_of(&r), "");
		srt_resp_free(&r);
	}
	assert_int_equal(srt_server_stop(&small), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_hits_are_byte_identical_and_read_nothing),
		cmocka_unit_test(test_token_holders_bypass_the_cache),
		cmocka_unit_test(test_publish_invalidates_lists_search_and_a_cached_404),
		cmocka_unit_test(test_a_write_to_one_skill_keeps_the_others),
		cmocka_unit_test(test_delete_undelete_and_rename),
		cmocka_unit_test(test_no_stale_answer_after_a_write_returns),
		cmocka_unit_test(test_metrics_count_hits_and_misses),
		cmocka_unit_test(test_another_process_invalidates),
		cmocka_unit_test(test_bound),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
