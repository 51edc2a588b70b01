/*
 * test_auth.c - bearer-token authentication (api-v1 section 1.1): the exact 401 texts,
 * whoami, banned users, revoked tokens, and invalid tokens on public routes.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static srt_server S;

#define MISSING "Unauthorized: API token is missing. Run `clawhub login` to authenticate."
#define INVALID "Unauthorized: API token is invalid or revoked. Run `clawhub login` again."
#define BANNED "Unauthorized: This ClawHub account is not in good standing"

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

static void get_with_header(const char *path, const char *header, srt_resp *r)
{
	const char *h[] = {"Accept: application/json", header, NULL};
	srt_request(&S, "GET", path, h, NULL, 0, r);
}

static void test_whoami_missing(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/api/v1/whoami", NULL, &r);
	SRT_EXPECT_TEXT(&r, 401, MISSING);
	srt_resp_free(&r);

	get_with_header("/api/v1/whoami", "Authorization: Bearer ", &r);
	SRT_EXPECT_STATUS(&r, 401);
	srt_resp_free(&r);

	get_with_header("/api/v1/whoami", "Authorization: Basic YWxpY2U6cHc=", &r);
	SRT_EXPECT_STATUS(&r, 401);
	srt_resp_free(&r);
}

static void test_whoami_invalid(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/api/v1/whoami", "clh_thisisnotarealtokenatallnopenopenopenopenope", &r);
	SRT_EXPECT_TEXT(&r, 401, INVALID);
	srt_resp_free(&r);

	srt_get(&S, "/api/v1/whoami", "garbage", &r);
	SRT_EXPECT_TEXT(&r, 401, INVALID);
	srt_resp_free(&r);

	/* A real token with one character changed. */
	char tok[128];
	snprintf(tok, sizeof tok, "%s", S.tok_alice);
	size_t n = strlen(tok);
	tok[n - 1] = tok[n - 1] == 'A' ? 'B' : 'A';
	srt_get(&S, "/api/v1/whoami", tok, &r);
	SRT_EXPECT_TEXT(&r, 401, INVALID);
	srt_resp_free(&r);
}

static void test_whoami_revoked(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/api/v1/whoami", S.tok_revoked, &r);
	SRT_EXPECT_TEXT(&r, 401, INVALID);
	srt_resp_free(&r);
}

static void test_whoami_banned(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/api/v1/whoami", S.tok_banned, &r);
	SRT_EXPECT_PREFIX(&r, 401, BANNED);
	srt_resp_free(&r);
}

static void check_whoami(const char *token, const char *handle, const char *role)
{
	srt_resp r;
	srt_get(&S, "/api/v1/whoami", token, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	json_t *u = json_object_get(j, "user");
	assert_true(json_is_object(u));
	SRT_EXPECT_STR(u, "handle", handle);
	SRT_EXPECT_STR(u, "role", role);
	json_t *dn = json_object_get(u, "displayName");
	json_t *img = json_object_get(u, "image");
	assert_non_null(dn);
	assert_true(json_is_string(dn) || json_is_null(dn));
	assert_non_null(img);
	assert_true(json_is_string(img) || json_is_null(img));
	json_decref(j);
	srt_resp_free(&r);
}

static void test_whoami_valid(void **state)
{
	(void)state;
	check_whoami(S.tok_alice, "alice", "user");
	check_whoami(S.tok_bob, "bob", "user");
	check_whoami(S.tok_admin, "boss", "admin");
}

static void test_scheme_and_trim(void **state)
{
	(void)state;
	char h[256];
	srt_resp r;
	snprintf(h, sizeof h, "Authorization: bearer %s", S.tok_alice);
	get_with_header("/api/v1/whoami", h, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);

	snprintf(h, sizeof h, "Authorization: BEARER   %s  ", S.tok_alice);
	get_with_header("/api/v1/whoami", h, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);

	/* Header name is case-insensitive too. */
	snprintf(h, sizeof h, "authorization: Bearer %s", S.tok_bob);
	get_with_header("/api/v1/whoami", h, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	SRT_EXPECT_STR(json_object_get(j, "user"), "handle", "bob");
	json_decref(j);
	srt_resp_free(&r);
}

/* An invalid or revoked token on a public read route is anonymous, never 401. */
static void test_invalid_token_public(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"/api/v1/skills",
		"/api/v1/skills?sort=name&limit=3",
		"/api/v1/search?q=anything",
		"/healthz",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		srt_resp r;
		srt_get(&S, paths[i], "clh_not_a_real_token", &r);
		SRT_EXPECT_STATUS(&r, 200);
		srt_resp_free(&r);
		srt_get(&S, paths[i], S.tok_revoked, &r);
		SRT_EXPECT_STATUS(&r, 200);
		srt_resp_free(&r);
	}
	/* And a 404 stays a 404, not a 401. */
	srt_resp r;
	srt_get(&S, "/api/v1/skills/no-such-skill", "clh_not_a_real_token", &r);
	SRT_EXPECT_TEXT(&r, 404, "Skill not found");
	srt_resp_free(&r);
}

/* Every write route demands a token, with the exact texts. */
static void test_write_routes_need_token(void **state)
{
	(void)state;
	static const struct {
		const char *method, *path, *body;
	} reqs[] = {
		{"POST", "/api/v1/skills/-/upload-url",
		 "{\"path\":\"SKILL.md\",\"size\":1,\"sha256\":\"0000000000000000000000000000000000000000000000000000000000000000\"}"},
		{"POST", "/api/v1/skills", "{}"},
		{"DELETE", "/api/v1/skills/some-skill", NULL},
		{"POST", "/api/v1/skills/some-skill/undelete", "{}"},
		{"DELETE", "/api/v1/skills/some-skill/versions/1.0.0", NULL},
		{"POST", "/api/v1/skills/some-skill/versions/1.0.0/restore", "{}"},
		{"POST", "/api/v1/stars/some-skill", "{}"},
		{"DELETE", "/api/v1/stars/some-skill", NULL},
		{"POST", "/api/cli/telemetry/install", "{\"event\":\"install\",\"slug\":\"some-skill\"}"},
	};
	for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
		srt_resp r;
		srt_send(&S, reqs[i].method, reqs[i].path, NULL, reqs[i].body, &r);
		if (r.status != 401 || strcmp(r.body, MISSING) != 0)
			print_error("%s %s without token:\n", reqs[i].method, reqs[i].path);
		SRT_EXPECT_TEXT(&r, 401, MISSING);
		srt_resp_free(&r);

		srt_send(&S, reqs[i].method, reqs[i].path, "clh_bogus_bogus", reqs[i].body, &r);
		if (r.status != 401 || strcmp(r.body, INVALID) != 0)
			print_error("%s %s with a bad token:\n", reqs[i].method, reqs[i].path);
		SRT_EXPECT_TEXT(&r, 401, INVALID);
		srt_resp_free(&r);

		srt_send(&S, reqs[i].method, reqs[i].path, S.tok_banned, reqs[i].body, &r);
		if (r.status != 401)
			print_error("%s %s with a banned user's token:\n", reqs[i].method, reqs[i].path);
		SRT_EXPECT_PREFIX(&r, 401, BANNED);
		srt_resp_free(&r);
	}
	/* The raw upload route too (any ticket). */
	srt_resp r;
	const char *h[] = {"Content-Type: text/plain", NULL};
	srt_request(&S, "POST", "/api/v1/skills/-/upload/whatever", h, "x", 1, &r);
	SRT_EXPECT_STATUS(&r, 401);
	srt_resp_free(&r);
}

/* A banned user's token on a public route: not a crash, no 5xx. */
static void test_banned_public(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/api/v1/skills", S.tok_banned, &r);
	assert_true(r.status == 200 || r.status == 401);
	srt_resp_free(&r);
}

/* A token created while the server runs works at once; one revoked while it runs stops. */
static void test_live_token_admin(void **state)
{
	(void)state;
	char tok[256], out[256];
	const char *c[] = {"token", "create", "bob", NULL};
	assert_int_equal(srt_admin(&S, tok, sizeof tok, c), 0);
	assert_memory_equal(tok, "clh_", 4);
	assert_int_equal(strlen(tok), 47);
	srt_resp r;
	srt_get(&S, "/api/v1/whoami", tok, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	char prefix[16];
	snprintf(prefix, sizeof prefix, "%.12s", tok);
	const char *rv[] = {"token", "revoke", prefix, NULL};
	assert_int_equal(srt_admin(&S, out, sizeof out, rv), 0);
	srt_get(&S, "/api/v1/whoami", tok, &r);
	SRT_EXPECT_TEXT(&r, 401, INVALID);
	srt_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whoami_missing),
		cmocka_unit_test(test_whoami_invalid),
		cmocka_unit_test(test_whoami_revoked),
		cmocka_unit_test(test_whoami_banned),
		cmocka_unit_test(test_whoami_valid),
		cmocka_unit_test(test_scheme_and_trim),
		cmocka_unit_test(test_invalid_token_public),
		cmocka_unit_test(test_write_routes_need_token),
		cmocka_unit_test(test_banned_public),
		cmocka_unit_test(test_live_token_admin),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
