/*
 * test_ratelimit.c - rate-limit headers and 429 semantics (api-v1 section 4), which the CLI's
 * back-off relies on; the sliding window across a minute boundary, every route counted
 * (web pages, /healthz, /metrics), and /metrics open only to the operator's token (issue 16).
 * Its own servers, since exhausting a bucket would disturb other tests.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static srt_server S;

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

static long header_long(const srt_resp *r, const char *name)
{
	const char *v = srt_header(r, name);
	if (!v) {
		print_error("missing header %s (HTTP %ld)\n", name, r->status);
		return -1;
	}
	char *end;
	long n = strtol(v, &end, 10);
	if (end == v || *end) {
		print_error("header %s is not an integer: %s\n", name, v);
		return -1;
	}
	return n;
}

/* Returns the X-RateLimit-Limit, checking the header set of a successful response. */
static long check_headers(const srt_resp *r)
{
	long now = (long)time(NULL);
	long xl = header_long(r, "X-RateLimit-Limit");
	long xr = header_long(r, "X-RateLimit-Reset");
	long l = header_long(r, "RateLimit-Limit");
	long rs = header_long(r, "RateLimit-Reset");
	assert_true(xl > 0);
	assert_int_equal(l, xl);
	/* The window is the current second and the 60 before it: room comes back at most 61 s
	 * from now. */
	assert_true(xr >= now && xr <= now + 62);
	assert_true(rs >= 1 && rs <= 61);
	assert_null(srt_header(r, "X-RateLimit-Remaining"));
	assert_null(srt_header(r, "RateLimit-Remaining"));
	return xl;
}

static void test_headers(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/api/v1/skills", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	long anon = check_headers(&r);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills", S.tok_alice, &r);
	SRT_EXPECT_STATUS(&r, 200);
	long user = check_headers(&r);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills", S.tok_admin, &r);
	SRT_EXPECT_STATUS(&r, 200);
	long admin = check_headers(&r);
	srt_resp_free(&r);
	/* Defaults per section 4: 3000 / 12000 / 120000 reads a minute. */
	assert_true(user > anon);
	assert_true(admin > user);
	/* An invalid token is anonymous. */
	srt_get(&S, "/api/v1/skills", "clh_nope", &r);
	assert_int_equal(check_headers(&r), anon);
	srt_resp_free(&r);
}

static void test_write_bucket_429(void **state)
{
	(void)state;
	srt_resp r;
	int got429 = 0;
	for (int i = 0; i < 800 && !got429; i++) {
		srt_send(&S, "POST", "/api/v1/stars/some-skill", NULL, "{}", &r);
		if (r.status == 429) {
			got429 = 1;
			SRT_EXPECT_TEXT(&r, 429, "Rate limit exceeded");
			const char *a = srt_header(&r, "X-RateLimit-Remaining");
			const char *b = srt_header(&r, "RateLimit-Remaining");
			assert_non_null(a);
			assert_non_null(b);
			assert_string_equal(a, "0");
			assert_string_equal(b, "0");
			long ra = header_long(&r, "Retry-After");
			assert_true(ra >= 1 && ra <= 61);
			assert_non_null(srt_header(&r, "Access-Control-Allow-Origin"));
		} else {
			SRT_EXPECT_STATUS(&r, 401);
		}
		srt_resp_free(&r);
	}
	if (!got429) {
		print_error("800 anonymous writes within a minute never got a 429 (limit 300/min)\n");
		fail();
	}
	/* OPTIONS is free, reads use another bucket, and a token has its own bucket. */
	srt_request(&S, "OPTIONS", "/api/v1/stars/some-skill", NULL, NULL, 0, &r);
	SRT_EXPECT_STATUS(&r, 204);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_send(&S, "POST", "/api/v1/stars/some-skill", S.tok_alice, "{}", &r);
	SRT_EXPECT_TEXT(&r, 404, "Skill not found");
	srt_resp_free(&r);
}

static int64_t wall_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void sleep_until(int64_t ms)
{
	for (int64_t now = wall_ms(); now < ms; now = wall_ms()) {
		struct timespec ts = {(ms - now) / 1000, ((ms - now) % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
}

/* The attack, on the write bucket (300 anonymous writes a minute, so that a burst
 * fits in well under a second): the limit spent in the last 0.8 s of a minute, then again
 * just after the minute turns. A fixed minute window lets the second burst through (600 in
 * about a second); the sliding window refuses all of it, with Retry-After counting to when
 * the first burst leaves the window. Waits for the wall clock's next second 59.2 (up to a
 * minute). */
static void test_no_double_burst_at_minute_boundary(void **state)
{
	(void)state;
	srt_server B;
	assert_int_equal(srt_server_start(&B), 0);
	int64_t now = wall_ms();
	int64_t start = now - now % 60000 + 59200;
	if (start < now)
		start += 60000;
	sleep_until(start);
	srt_resp r;
	int before = 0, after = 0, first_retry = -1;
	for (int i = 0; i < 300; i++) {
		srt_send(&B, "POST", "/api/v1/stars/some-skill", NULL, "{}", &r);
		before += r.status == 401;
		srt_resp_free(&r);
	}
	int64_t burst_end = wall_ms();
	if (burst_end >= start - start % 60000 + 60000)
		fail_msg("the first burst took %lld ms, past the minute boundary; the test cannot judge",
			 (long long)(burst_end - start));
	sleep_until(start + 900);
	for (int i = 0; i < 300; i++) {
		srt_send(&B, "POST", "/api/v1/stars/some-skill", NULL, "{}", &r);
		if (r.status == 429) {
			if (first_retry < 0)
				first_retry = (int)header_long(&r, "Retry-After");
		} else {
			after++;
		}
		srt_resp_free(&r);
	}
	int64_t end = wall_ms();
	print_message("    first burst %d of 300 admitted in %lld ms before the minute, second burst %d of 300 "
		      "admitted after it; %lld ms in all\n",
		      before, (long long)(burst_end - start), after, (long long)(end - start));
	assert_int_equal(before, 300);
	assert_int_equal(after, 0);
	/* The first burst is counted in second 59 of the minute, which leaves the window 61 s
	 * later: 60 s after the boundary, where the second burst began 0.1 s after it. */
	assert_int_equal(first_retry, 60);
	assert_int_equal(srt_server_stop(&B), 0);
}

/* Sends n requests; the status of the last, after checking every one before it was `ok`. */
static long burst(srt_server *s, const char *path, int n, long ok)
{
	srt_resp r;
	long st = 0;
	for (int i = 0; i < n; i++) {
		srt_get(s, path, NULL, &r);
		st = r.status;
		srt_resp_free(&r);
		if (i < n - 1 && st != ok)
			fail_msg("request %d of %d to %s answered %ld, not %ld", i + 1, n, path, st, ok);
	}
	return st;
}

/* The 200s of a route in /metrics' text. */
static long metric_count(const char *body, const char *route)
{
	char key[128];
	snprintf(key, sizeof key, "skillreg_http_requests_total{route=\"%s\",status=\"200\"} ", route);
	const char *p = strstr(body, key);
	return p ? strtol(p + strlen(key), NULL, 10) : 0;
}

/* Web pages, /healthz and /metrics carry the headers and are counted: pages in the address's
 * read bucket with the API's reads, the two probes in a bucket of their own (6,000 a minute
 * per address), so spending one never refuses the other. */
static void test_every_route_counted(void **state)
{
	(void)state;
	srt_server W;
	assert_int_equal(srt_server_start(&W), 0);
	srt_resp r;
	static const char *const paths[] = {"/", "/skills", "/healthz", "/metrics", "/api/v1/skills"};
	static const long limits[] = {3000, 3000, 6000, 6000, 3000};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		srt_get(&W, paths[i], NULL, &r);
		SRT_EXPECT_STATUS(&r, 200);
		assert_int_equal(check_headers(&r), limits[i]);
		srt_resp_free(&r);
	}
	/* 3,000 reads in all from this address: pages take the API's reads with them. */
	assert_int_equal(burst(&W, "/no-such-page", 2997 - 1, 404), 404);
	srt_get(&W, "/api/v1/skills", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_get(&W, "/", NULL, &r);
	SRT_EXPECT_TEXT(&r, 429, "Rate limit exceeded");
	assert_non_null(srt_header(&r, "Retry-After"));
	srt_resp_free(&r);
	srt_get(&W, "/api/v1/skills", NULL, &r);
	SRT_EXPECT_TEXT(&r, 429, "Rate limit exceeded");
	srt_resp_free(&r);
	/* The probes still answer; a token's reads are its own bucket. */
	srt_get(&W, "/healthz", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_get(&W, "/api/v1/skills", W.tok_alice, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	/* 6,000 probes in all: the harness's own /healthz polls while the server started, the
	 * probes above and this /metrics, as it counts them; then the next /healthz is refused. */
	srt_get(&W, "/metrics", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	long used = 1 + metric_count(r.body, "healthz") + metric_count(r.body, "metrics");
	srt_resp_free(&r);
	assert_int_equal(burst(&W, "/healthz", (int)(6000 - used), 200), 200);
	srt_get(&W, "/healthz", NULL, &r);
	SRT_EXPECT_TEXT(&r, 429, "Rate limit exceeded");
	srt_resp_free(&r);
	srt_get(&W, "/metrics", NULL, &r);
	SRT_EXPECT_TEXT(&r, 429, "Rate limit exceeded");
	srt_resp_free(&r);
	assert_int_equal(srt_server_stop(&W), 0);
}

/* /metrics answers the token of --metrics-token-file only (and is off without one); the
 * refusals say why, and an API token, even an admin's, does not open it. */
static void test_metrics_restricted(void **state)
{
	(void)state;
	srt_server M;
	assert_int_equal(srt_server_start(&M), 0);
	M.metrics_anonymous = 1;
	srt_resp r;
	srt_get(&M, "/metrics", NULL, &r);
	SRT_EXPECT_TEXT(&r, 401, "Unauthorized: /metrics needs the token of --metrics-token-file.");
	assert_string_equal(srt_header(&r, "WWW-Authenticate"), "Bearer realm=\"metrics\"");
	assert_null(strstr(r.body, "skillreg_"));
	srt_resp_free(&r);
	static const char *const wrong[] = {"srt-metrics-0123456789abcdeX", "srt-metrics-0123456789abcde",
					    "srt-metrics-0123456789abcdef0", ""};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		srt_get(&M, "/metrics", wrong[i], &r);
		SRT_EXPECT_STATUS(&r, 401);
		srt_resp_free(&r);
	}
	srt_get(&M, "/metrics", M.tok_admin, &r);
	SRT_EXPECT_STATUS(&r, 401);
	srt_resp_free(&r);
	srt_get(&M, "/metrics", SRT_METRICS_TOKEN, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_non_null(strstr(r.body, "skillreg_http_requests_total"));
	srt_resp_free(&r);
	/* The refusals are counted under routes of their own. */
	srt_get(&M, "/metrics", SRT_METRICS_TOKEN, &r);
	assert_non_null(strstr(r.body, "skillreg_http_requests_total{route=\"metrics-refused\",status=\"401\"} 6\n"));
	srt_resp_free(&r);
	assert_int_equal(srt_server_stop(&M), 0);

	srt_metrics_off = 1;
	int rc = srt_server_start(&M);
	srt_metrics_off = 0;
	assert_int_equal(rc, 0);
	srt_get(&M, "/metrics", SRT_METRICS_TOKEN, &r);
	SRT_EXPECT_TEXT(&r, 403, "Forbidden: /metrics is off; start serve with --metrics-token-file to scrape it.");
	srt_resp_free(&r);
	srt_get(&M, "/healthz", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	assert_int_equal(srt_server_stop(&M), 0);
}

/* An anonymous write from the address a trusted proxy names. */
static long write_from(srt_server *s, const char *addr)
{
	const char *h[] = {"Content-Type: application/json", srt_fmt("X-Forwarded-For: %s", addr), NULL};
	srt_resp r;
	srt_request(s, "POST", "/api/v1/stars/some-skill", h, "{}", 2, &r);
	long st = r.status;
	srt_resp_free(&r);
	return st;
}

/* An IPv6 client is counted by its /64: another address of the same block shares the bucket,
 * another block and an IPv4 client (mapped into IPv6 or not) do not. */
static void test_ipv6_by_block(void **state)
{
	(void)state;
	static const char *const args[] = {"--trusted-proxy", "127.0.0.1/32", NULL};
	srt_server P;
	assert_int_equal(srt_server_start_args(&P, args), 0);
	for (int i = 0; i < 300; i++)
		if (write_from(&P, srt_fmt("2001:db8:1:2::%x", i + 1)) != 401)
			fail_msg("write %d of the block's 300 was refused", i + 1);
	assert_int_equal(write_from(&P, "2001:db8:1:2:ffff:ffff:ffff:ffff"), 429);
	assert_int_equal(write_from(&P, "2001:db8:1:3::1"), 401);
	assert_int_equal(write_from(&P, "192.0.2.7"), 401);
	assert_int_equal(write_from(&P, "::ffff:192.0.2.8"), 401);
	assert_int_equal(srt_server_stop(&P), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_write_bucket_429),
		cmocka_unit_test(test_metrics_restricted),
		cmocka_unit_test(test_every_route_counted),
		cmocka_unit_test(test_ipv6_by_block),
		cmocka_unit_test(test_no_double_burst_at_minute_boundary),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
