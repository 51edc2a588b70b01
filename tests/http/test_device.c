/*
 * test_device.c - the device login routes over HTTP (reference section 1): the code answer's
 * shape, every RFC 8628 answer of the token route (invalid_request, unsupported_grant_type,
 * authorization_pending, slow_down, access_denied, expired_token for unknown, expired and
 * consumed codes) and the one token an approved code gives, stored hashed. Approval goes
 * through /cli/device as a signed-in local user.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/password.h"

static srt_server S;
#define PW "correct horse battery"
#define GRANT "urn:ietf:params:oauth:grant-type:device_code"

static int group_setup(void **state)
{
	(void)state;
	if (srt_server_start(&S))
		return -1;
	char hash[SR_PASSWORD_HASH_MAX];
	if (sr_password_hash(PW, hash, sizeof(hash)))
		return -1;
	return srt_sql(&S, srt_fmt("INSERT INTO user_passwords(user_id, hash, updated_at) SELECT id, '%s', 1 FROM users "
				   "WHERE handle = 'alice'", hash)) == 1 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

static void value_after(const char *text, const char *marker, char *out, size_t n)
{
	const char *p = strstr(text, marker);
	assert_non_null(p);
	p += strlen(marker);
	size_t len = strcspn(p, "\";");
	assert_true(len < n);
	memcpy(out, p, len);
	out[len] = '\0';
}

/* A signed-in session of alice: "sr_session=..." into cookie. */
static void sign_in(char *cookie, size_t n)
{
	srt_resp r;
	srt_get(&S, "/signin", NULL, &r);
	char pre[64], csrf[80];
	for (size_t i = 0; i < r.nhdrs; i++)
		if (strcasecmp(r.hdrs[i].name, "Set-Cookie") == 0 && strncmp(r.hdrs[i].value, "sr_pre=", 7) == 0)
			value_after(r.hdrs[i].value, "sr_pre=", pre, sizeof(pre));
	value_after(r.body, "name=\"csrf\" value=\"", csrf, sizeof(csrf));
	srt_resp_free(&r);
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", srt_fmt("Cookie: sr_pre=%s", pre), NULL};
	const char *form = srt_fmt("csrf=%s&handle=alice&password=%s", csrf, srt_urlenc(PW));
	srt_request(&S, "POST", "/signin", h, form, strlen(form), &r);
	SRT_EXPECT_STATUS(&r, 303);
	for (size_t i = 0; i < r.nhdrs; i++)
		if (strcasecmp(r.hdrs[i].name, "Set-Cookie") == 0 && strncmp(r.hdrs[i].value, "sr_session=", 11) == 0) {
			char v[64];
			value_after(r.hdrs[i].value, "sr_session=", v, sizeof(v));
			snprintf(cookie, n, "sr_session=%s", v);
		}
	srt_resp_free(&r);
}

/* Authorizes (or denies) a user code on /cli/device as the session in cookie. */
static void decide(const char *cookie, const char *user_code, const char *action, long want)
{
	srt_resp r;
	const char *g[] = {srt_fmt("Cookie: %s", cookie), NULL};
	srt_request(&S, "GET", srt_fmt("/cli/device?user_code=%s", user_code), g, NULL, 0, &r);
	SRT_EXPECT_STATUS(&r, 200);
	char csrf[80];
	value_after(r.body, "name=\"csrf\" value=\"", csrf, sizeof(csrf));
	srt_resp_free(&r);
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", srt_fmt("Cookie: %s", cookie), NULL};
	const char *form = srt_fmt("csrf=%s&user_code=%s&action=%s", csrf, user_code, action);
	srt_request(&S, "POST", "/cli/device", h, form, strlen(form), &r);
	SRT_EXPECT_STATUS(&r, want);
	srt_resp_free(&r);
}

static void new_code(char *device, char *user)
{
	srt_resp r;
	srt_send(&S, "POST", "/api/cli/device/code", NULL, "{\"site_url\":\"https://x.example/path\",\"label\":\"t\"}", &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	snprintf(device, 65, "%s", json_string_value(json_object_get(j, "device_code")));
	snprintf(user, 10, "%s", json_string_value(json_object_get(j, "user_code")));
	assert_int_equal(strlen(device), 64);
	assert_int_equal(strlen(user), 9);
	assert_string_equal(json_string_value(json_object_get(j, "verification_uri")),
			    srt_fmt("https://x.example/cli/device?user_code=%s", user));
	assert_int_equal(json_integer_value(json_object_get(j, "expires_in")), 900);
	assert_int_equal(json_integer_value(json_object_get(j, "interval")), 5);
	json_decref(j);
	srt_resp_free(&r);
}

static void poll_expect(const char *body, long status, const char *error)
{
	srt_resp r;
	srt_send(&S, "POST", "/api/cli/device/token", NULL, body, &r);
	json_t *j = SRT_EXPECT_JSON(&r, status);
	SRT_EXPECT_STR(j, "error", error);
	json_decref(j);
	srt_resp_free(&r);
}

static const char *poll_body(const char *device)
{
	return srt_fmt("{\"device_code\":\"%s\",\"grant_type\":\"" GRANT "\"}", device);
}

static void test_errors(void **state)
{
	(void)state;
	poll_expect("not json", 400, "invalid_request");
	poll_expect("{}", 400, "invalid_request");
	poll_expect("{\"device_code\":\"abc\",\"grant_type\":\"password\"}", 400, "unsupported_grant_type");
	poll_expect(poll_body("0000"), 400, "expired_token");
	char device[65], user[10];
	new_code(device, user);
	poll_expect(poll_body(device), 428, "authorization_pending");
	/* Polled again at once: slow down, five seconds more. */
	srt_resp r;
	srt_send(&S, "POST", "/api/cli/device/token", NULL, poll_body(device), &r);
	json_t *j = SRT_EXPECT_JSON(&r, 400);
	SRT_EXPECT_STR(j, "error", "slow_down");
	assert_int_equal(json_integer_value(json_object_get(j, "interval")), 10);
	json_decref(j);
	srt_resp_free(&r);
	/* Expired. */
	char hash[65];
	srt_sha256_hex(device, 64, hash);
	assert_int_equal(srt_sql(&S, srt_fmt("UPDATE device_codes SET expires_at = 1 WHERE device_hash = '%s'", hash)), 1);
	poll_expect(poll_body(device), 400, "expired_token");
	assert_int_equal(srt_sql_int(&S, srt_fmt("SELECT status FROM device_codes WHERE device_hash = '%s'", hash)), 3);
}

static void test_approve_and_deny(void **state)
{
	(void)state;
	char cookie[128] = "", device[65], user[10];
	sign_in(cookie, sizeof(cookie));
	new_code(device, user);
	decide(cookie, user, "approve", 200);
	srt_resp r;
	srt_send(&S, "POST", "/api/cli/device/token", NULL, poll_body(device), &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	SRT_EXPECT_STR(j, "token_type", "bearer");
	SRT_EXPECT_STR(j, "scope", "read write");
	char token[80];
	snprintf(token, sizeof(token), "%s", json_string_value(json_object_get(j, "access_token")));
	json_decref(j);
	srt_resp_free(&r);
	char hash[65];
	srt_sha256_hex(token, strlen(token), hash);
	assert_int_equal(srt_sql_int(&S, srt_fmt("SELECT count(*) FROM api_tokens WHERE token_hash = '%s' AND label = 't'",
						 hash)), 1);
	srt_get(&S, "/api/v1/whoami", token, &r);
	SRT_EXPECT_CONTAINS(&r, 200, "\"alice\"");
	srt_resp_free(&r);
	/* One token per code: the next poll finds it consumed. */
	poll_expect(poll_body(device), 400, "expired_token");
	decide(cookie, user, "approve", 410);
	/* Denied. */
	new_code(device, user);
	decide(cookie, user, "deny", 200);
	poll_expect(poll_body(device), 400, "access_denied");
	decide(cookie, user, "approve", 409);
	/* Unknown code and no code. */
	decide(cookie, "ZZZZ-ZZZZ", "approve", 404);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_approve_and_deny),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
