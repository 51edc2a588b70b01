/*
 * test_ratelimit.c - rate-limit headers and 429 semantics (api-v1 section 4), which the CLI's
 * back-off relies on. Its own server, since exhausting a bucket would disturb other tests.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	assert_true(xr >= now && xr <= now + 61);
	assert_true(rs >= 1 && rs <= 60);
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
			assert_true(ra >= 1 && ra <= 60);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_write_bucket_429),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
