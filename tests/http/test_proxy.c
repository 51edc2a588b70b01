/*
 * test_proxy.c - the client address behind a balancer (--trusted-proxy, src/http/proxy.h).
 *
 * Every request of this test comes from 127.0.0.1 and names a client in X-Forwarded-For or
 * X-Real-IP, as a balancer would. Two servers answer the same requests:
 *
 *   - one that trusts 10.0.0.0/8 only: its peer is not a trusted proxy, so the headers are
 *     ignored and every client is 127.0.0.1: one anonymous write bucket (client B gets the
 *     429 client A earned) and one download identity (A and B download once between them);
 *   - one that trusts 127.0.0.1/32: each named client has its own bucket and identity
 *     (B is not limited after A's 429; A and B count two downloads), X-Real-IP names a
 *     client when X-Forwarded-For is absent, and a client that writes its own
 *     X-Forwarded-For cannot leave its bucket: the right-most untrusted entry is the one the
 *     proxy appended.
 *
 * The per-address connection cap stays on the TCP peer and is not tested here
 * (test_hostile.c covers it).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLIENT_A "198.51.100.1"
#define CLIENT_B "198.51.100.2"
#define CLIENT_C "203.0.113.7"

/* A fold every 200 ms: the counts show soon after the downloads. */
static const char *const untrusted_args[] = {"--fold-ms", "200", "--trusted-proxy", "10.0.0.0/8", NULL};
static const char *const trusted_args[] = {"--fold-ms", "200", "--trusted-proxy", "10.0.0.0/8",
					   "--trusted-proxy", "127.0.0.1/32", NULL};

/* An anonymous write (counted in the write bucket, 300 a minute) with one header. */
static long write_as(srt_server *s, const char *header)
{
	const char *h[] = {"Content-Type: application/json", header, NULL};
	srt_resp r;
	assert_int_equal(srt_request(s, "POST", "/api/v1/stars/no-such-skill", h, "{}", 2, &r), 0);
	long st = r.status;
	srt_resp_free(&r);
	return st;
}

/* Writes as client A until the write bucket answers 429; fails when it never does. */
static void exhaust(srt_server *s, const char *header)
{
	for (int i = 0; i < 400; i++)
		if (write_as(s, header) == 429)
			return;
	fail_msg("400 anonymous writes as %s never got a 429 (limit 300/min)", header);
}

static void download_as(srt_server *s, const char *slug, const char *header)
{
	const char *h[] = {header, NULL};
	srt_resp r;
	assert_int_equal(srt_request(s, "GET", srt_fmt("/api/v1/download?slug=%s", slug), h, NULL, 0, &r), 0);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
}

/* The skill's download count once the fold has caught up with `want`, or what it shows
 * after 10 s. */
static long long downloads(srt_server *s, const char *slug, long long want)
{
	long long n = -1;
	for (int tries = 0; tries < 100; tries++) {
		srt_resp r;
		assert_int_equal(srt_get(s, srt_fmt("/api/v1/skills/%s", slug), NULL, &r), 0);
		json_t *d = json_loadb(r.body, r.len, 0, NULL);
		srt_resp_free(&r);
		assert_non_null(d);
		n = json_integer_value(json_object_get(json_object_get(json_object_get(d, "skill"), "stats"), "downloads"));
		json_decref(d);
		if (n >= want)
			break;
		struct timespec ts = {0, 100000000L};
		nanosleep(&ts, NULL);
	}
	return n;
}

static void test_untrusted_peer_headers_ignored(void **state)
{
	(void)state;
	srt_server s;
	memset(&s, 0, sizeof(s));
	assert_int_equal(srt_server_start_args(&s, untrusted_args), 0);
	exhaust(&s, "X-Forwarded-For: " CLIENT_A);
	/* Another name changes nothing: the bucket is the peer's. */
	assert_int_equal(write_as(&s, "X-Forwarded-For: " CLIENT_B), 429);
	assert_int_equal(write_as(&s, "X-Real-IP: " CLIENT_C), 429);

	srt_publish_ok(&s, s.tok_alice, "proxy-count", "1.0.0", "Proxy Count", "Counted per client.");
	download_as(&s, "proxy-count", "X-Forwarded-For: " CLIENT_A);
	download_as(&s, "proxy-count", "X-Forwarded-For: " CLIENT_B);
	/* One counted; then five folds' time for a second that must not come. */
	long long n = downloads(&s, "proxy-count", 1);
	struct timespec ts = {1, 0};
	nanosleep(&ts, NULL);
	if (n == 1)
		n = downloads(&s, "proxy-count", 1);
	if (n != 1)
		fail_msg("untrusted peer: downloads as two named clients counted %lld, want 1 (one identity)", n);
	assert_int_equal(srt_server_stop(&s), 0);
}

static void test_trusted_peer_names_the_client(void **state)
{
	(void)state;
	srt_server s;
	memset(&s, 0, sizeof(s));
	assert_int_equal(srt_server_start_args(&s, trusted_args), 0);
	exhaust(&s, "X-Forwarded-For: " CLIENT_A);
	/* A spoofed entry left of the proxy's does not move A to another bucket. */
	assert_int_equal(write_as(&s, "X-Forwarded-For: " CLIENT_B ", " CLIENT_A), 429);
	/* A trusted hop right of A is skipped: still A. */
	assert_int_equal(write_as(&s, "X-Forwarded-For: " CLIENT_A ", 127.0.0.1"), 429);
	/* B and C (by X-Real-IP) have buckets of their own. */
	assert_int_equal(write_as(&s, "X-Forwarded-For: " CLIENT_B), 401);
	assert_int_equal(write_as(&s, "X-Real-IP: " CLIENT_C), 401);
	/* Without either header the client is the peer, whose bucket is untouched. */
	assert_int_equal(write_as(&s, "X-Nothing: 1"), 401);

	srt_publish_ok(&s, s.tok_alice, "proxy-count", "1.0.0", "Proxy Count", "Counted per client.");
	download_as(&s, "proxy-count", "X-Forwarded-For: " CLIENT_A);
	download_as(&s, "proxy-count", "X-Forwarded-For: " CLIENT_A);
	download_as(&s, "proxy-count", "X-Forwarded-For: " CLIENT_B);
	long long n = downloads(&s, "proxy-count", 2);
	if (n != 2)
		fail_msg("trusted peer: downloads as A, A, B counted %lld, want 2 (one per client)", n);
	assert_int_equal(srt_server_stop(&s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untrusted_peer_headers_ignored),
		cmocka_unit_test(test_trusted_peer_names_the_client),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
