/*
 * test_signin.c - web sign-in over real HTTP: the cookies' attributes, CSRF refusals (a
 * cross-site form), local passwords, return_to, sign-out, ending a session from the sessions
 * page, banned accounts, and the sign-in rate limits (per address and per account).
 *
 * The server runs behind a trusted proxy (127.0.0.1), so each test names its own client
 * address in X-Forwarded-For and the per-address limit of one test does not reach another.
 * Passwords are set as `skillreg user password` would: an argon2id hash in user_passwords.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/password.h"

static srt_server S;
static const char *const serve_args[] = {"--public-url", "https://skills.example", "--trusted-proxy", "127.0.0.1/32",
					 NULL};

#define PW "correct horse battery"

static void set_password(const char *handle, const char *pw)
{
	char hash[SR_PASSWORD_HASH_MAX];
	assert_int_equal(sr_password_hash(pw, hash, sizeof(hash)), 0);
	assert_int_equal(srt_sql(&S, srt_fmt("INSERT INTO user_passwords(user_id, hash, updated_at) SELECT id, '%s', 1 "
					      "FROM users WHERE handle = '%s'", hash, handle)),
			 1);
}

static int group_setup(void **state)
{
	(void)state;
	if (srt_server_start_args(&S, serve_args))
		return -1;
	set_password("alice", PW);
	set_password("bob", PW);
	set_password("mallory", PW);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

/* The Set-Cookie header that sets name (the first), or NULL. */
static const char *set_cookie(const srt_resp *r, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < r->nhdrs; i++)
		if (strcasecmp(r->hdrs[i].name, "Set-Cookie") == 0 && strncmp(r->hdrs[i].value, name, nl) == 0 &&
		    r->hdrs[i].value[nl] == '=')
			return r->hdrs[i].value;
	return NULL;
}

/* The cookie's value from a Set-Cookie header into out. */
static void cookie_value(const srt_resp *r, const char *name, char *out, size_t n)
{
	const char *h = set_cookie(r, name);
	assert_non_null(h);
	h += strlen(name) + 1;
	size_t len = strcspn(h, ";");
	assert_true(len < n);
	memcpy(out, h, len);
	out[len] = '\0';
}

/* The first hidden csrf field of a page. */
static void csrf_of(const srt_resp *r, char *out, size_t n)
{
	const char *p = strstr(r->body, "name=\"csrf\" value=\"");
	assert_non_null(p);
	p += strlen("name=\"csrf\" value=\"");
	size_t len = strcspn(p, "\"");
	assert_true(len < n);
	memcpy(out, p, len);
	out[len] = '\0';
}

static int get_as(const char *ip, const char *cookie, const char *path, srt_resp *r)
{
	const char *h[] = {srt_fmt("X-Forwarded-For: %s", ip), cookie ? srt_fmt("Cookie: %s", cookie) : NULL, NULL};
	return srt_request(&S, "GET", path, h, NULL, 0, r);
}

static int post_as(const char *ip, const char *cookie, const char *path, const char *form, srt_resp *r)
{
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", srt_fmt("X-Forwarded-For: %s", ip),
			   cookie ? srt_fmt("Cookie: %s", cookie) : NULL, NULL};
	return srt_request(&S, "POST", path, h, form, strlen(form), r);
}

/* Signs in through the form: the status, and the session cookie ("sr_session=...") in out
 * when the answer set one. */
static long signin(const char *ip, const char *handle, const char *pw, const char *return_to, char *out, size_t n)
{
	srt_resp r;
	get_as(ip, NULL, "/signin", &r);
	SRT_EXPECT_STATUS(&r, 200);
	char pre[128], csrf[80];
	cookie_value(&r, "sr_pre", pre, sizeof(pre));
	csrf_of(&r, csrf, sizeof(csrf));
	srt_resp_free(&r);
	const char *form = srt_fmt("csrf=%s&handle=%s&password=%s&return_to=%s", csrf, handle, srt_urlenc(pw),
				   srt_urlenc(return_to));
	post_as(ip, srt_fmt("sr_pre=%s", pre), "/signin", form, &r);
	long status = r.status;
	if (out) {
		out[0] = '\0';
		if (set_cookie(&r, "sr_session")) {
			char v[64];
			cookie_value(&r, "sr_session", v, sizeof(v));
			snprintf(out, n, "sr_session=%.63s", v);
		}
	}
	if (status == 303) {
		assert_string_equal(srt_header(&r, "Location"), return_to[0] == '/' && return_to[1] != '/' ? return_to : "/");
	}
	srt_resp_free(&r);
	return status;
}

static void test_cookie_attributes(void **state)
{
	(void)state;
	srt_resp r;
	get_as("10.0.1.1", NULL, "/signin", &r);
	SRT_EXPECT_STATUS(&r, 200);
	const char *pre = set_cookie(&r, "sr_pre");
	assert_non_null(pre);
	assert_non_null(strstr(pre, "; Path=/"));
	assert_non_null(strstr(pre, "; HttpOnly"));
	assert_non_null(strstr(pre, "; SameSite=Lax"));
	assert_non_null(strstr(pre, "; Secure"));
	assert_non_null(strstr(r.body, "name=\"password\""));
	srt_resp_free(&r);

	char pre_v[128], csrf[80];
	get_as("10.0.1.1", NULL, "/signin", &r);
	cookie_value(&r, "sr_pre", pre_v, sizeof(pre_v));
	csrf_of(&r, csrf, sizeof(csrf));
	srt_resp_free(&r);
	post_as("10.0.1.1", srt_fmt("sr_pre=%s", pre_v), "/signin",
		srt_fmt("csrf=%s&handle=alice&password=%s&return_to=%%2Fskills", csrf, srt_urlenc(PW)), &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/skills");
	const char *ses = set_cookie(&r, "sr_session");
	assert_non_null(ses);
	/* 43 characters of base64url: 256 random bits. */
	assert_int_equal(strcspn(ses + strlen("sr_session="), ";"), 43);
	assert_non_null(strstr(ses, "; Path=/"));
	assert_non_null(strstr(ses, "; HttpOnly"));
	assert_non_null(strstr(ses, "; SameSite=Lax"));
	assert_non_null(strstr(ses, "; Secure"));
	assert_non_null(strstr(ses, "; Max-Age=2592000"));
	char tok[64];
	cookie_value(&r, "sr_session", tok, sizeof(tok));
	srt_resp_free(&r);
	/* Stored hashed: the token itself is nowhere in the table. */
	assert_int_equal(srt_sql_int(&S, srt_fmt("SELECT count(*) FROM web_sessions WHERE token_hash = '%s'", tok)), 0);
	char hash[65];
	srt_sha256_hex(tok, strlen(tok), hash);
	assert_int_equal(srt_sql_int(&S, srt_fmt("SELECT count(*) FROM web_sessions WHERE token_hash = '%s'", hash)), 1);
	/* The page shows who is signed in, and is not answered from the anonymous cache. */
	get_as("10.0.1.1", srt_fmt("sr_session=%s", tok), "/", &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_non_null(strstr(r.body, "@alice"));
	srt_resp_free(&r);
	get_as("10.0.1.1", NULL, "/", &r);
	assert_null(strstr(r.body, "@alice"));
	assert_non_null(strstr(r.body, "href=\"/signin\""));
	srt_resp_free(&r);
}

static void test_wrong_password_and_return_to(void **state)
{
	(void)state;
	char cookie[128];
	assert_int_equal(signin("10.0.2.1", "alice", "not the password", "/", cookie, sizeof(cookie)), 401);
	assert_string_equal(cookie, "");
	assert_int_equal(signin("10.0.2.1", "nobody-here", PW, "/", cookie, sizeof(cookie)), 401);
	/* Only a local path is a place to return to. */
	assert_int_equal(signin("10.0.2.1", "alice", PW, "//evil.example/x", cookie, sizeof(cookie)), 303);
	assert_int_equal(signin("10.0.2.1", "ALICE", PW, "https://evil.example/", cookie, sizeof(cookie)), 303);
	assert_int_equal(signin("10.0.2.1", "alice", PW, "/trending?x=1", cookie, sizeof(cookie)), 303);
}

static void test_csrf_refused(void **state)
{
	(void)state;
	char cookie[128];
	assert_int_equal(signin("10.0.3.1", "alice", PW, "/", cookie, sizeof(cookie)), 303);
	srt_resp r;
	/* A cross-site form: the browser sends the cookie (or, SameSite=Lax, not even that) but
	 * the other site cannot know the token. */
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", "X-Forwarded-For: 10.0.3.1",
			   srt_fmt("Cookie: %s", cookie), "Origin: https://evil.example", NULL};
	srt_request(&S, "POST", "/signout", h, "", 0, &r);
	SRT_EXPECT_CONTAINS(&r, 403, "Form expired");
	srt_resp_free(&r);
	post_as("10.0.3.1", cookie, "/signout", "csrf=0000000000000000000000000000000000000000000000000000000000000000",
		&r);
	SRT_EXPECT_STATUS(&r, 403);
	srt_resp_free(&r);
	/* A sign-in form posted without the pre-session cookie its token belongs to. */
	get_as("10.0.3.1", NULL, "/signin", &r);
	char csrf[80];
	csrf_of(&r, csrf, sizeof(csrf));
	srt_resp_free(&r);
	post_as("10.0.3.1", NULL, "/signin", srt_fmt("csrf=%s&handle=alice&password=%s", csrf, srt_urlenc(PW)), &r);
	SRT_EXPECT_STATUS(&r, 403);
	assert_null(set_cookie(&r, "sr_session"));
	srt_resp_free(&r);
	/* The session survived every refused post. */
	get_as("10.0.3.1", cookie, "/settings/sessions", &r);
	SRT_EXPECT_CONTAINS(&r, 200, "@alice");
	srt_resp_free(&r);
}

static void test_signout(void **state)
{
	(void)state;
	char cookie[128], csrf[80];
	assert_int_equal(signin("10.0.4.1", "alice", PW, "/", cookie, sizeof(cookie)), 303);
	srt_resp r;
	get_as("10.0.4.1", cookie, "/settings/sessions", &r);
	SRT_EXPECT_STATUS(&r, 200);
	csrf_of(&r, csrf, sizeof(csrf));
	srt_resp_free(&r);
	post_as("10.0.4.1", cookie, "/signout", srt_fmt("csrf=%s", csrf), &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/");
	const char *clear = set_cookie(&r, "sr_session");
	assert_non_null(clear);
	assert_non_null(strstr(clear, "sr_session=; "));
	assert_non_null(strstr(clear, "Max-Age=0"));
	srt_resp_free(&r);
	/* The old cookie names no session any more. */
	get_as("10.0.4.1", cookie, "/settings/sessions", &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/signin?return_to=%2Fsettings%2Fsessions");
	srt_resp_free(&r);
}

static void test_end_other_session(void **state)
{
	(void)state;
	char a[128], b[128], csrf[80];
	assert_int_equal(signin("10.0.5.1", "bob", PW, "/", a, sizeof(a)), 303);
	assert_int_equal(signin("10.0.5.2", "bob", PW, "/", b, sizeof(b)), 303);
	char hash[65];
	srt_sha256_hex(b + strlen("sr_session="), strlen(b) - strlen("sr_session="), hash);
	long long id_b = srt_sql_int(&S, srt_fmt("SELECT id FROM web_sessions WHERE token_hash = '%s'", hash));
	assert_true(id_b > 0);
	srt_resp r;
	get_as("10.0.5.1", a, "/settings/sessions", &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_non_null(strstr(r.body, "10.0.5.2"));
	assert_non_null(strstr(r.body, "this browser"));
	csrf_of(&r, csrf, sizeof(csrf));
	srt_resp_free(&r);
	/* Another user's session id is not one's own to end. */
	char c[128];
	assert_int_equal(signin("10.0.5.3", "alice", PW, "/", c, sizeof(c)), 303);
	get_as("10.0.5.3", c, "/settings/sessions", &r);
	char csrf_c[80];
	csrf_of(&r, csrf_c, sizeof(csrf_c));
	srt_resp_free(&r);
	post_as("10.0.5.3", c, "/settings/sessions/end", srt_fmt("csrf=%s&id=%lld", csrf_c, id_b), &r);
	SRT_EXPECT_STATUS(&r, 303);
	srt_resp_free(&r);
	get_as("10.0.5.2", b, "/settings/sessions", &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	/* Bob ends it from his other browser. */
	post_as("10.0.5.1", a, "/settings/sessions/end", srt_fmt("csrf=%s&id=%lld", csrf, id_b), &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/settings/sessions");
	srt_resp_free(&r);
	get_as("10.0.5.2", b, "/settings/sessions", &r);
	SRT_EXPECT_STATUS(&r, 303);
	srt_resp_free(&r);
	get_as("10.0.5.1", a, "/settings/sessions", &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
}

static void test_banned(void **state)
{
	(void)state;
	char cookie[128];
	/* mallory is banned by the harness: the right password still does not sign in. */
	assert_int_equal(signin("10.0.6.1", "mallory", PW, "/", cookie, sizeof(cookie)), 403);
	assert_string_equal(cookie, "");
	/* A signed-in account banned afterwards: its session stops working at once. */
	char out[256];
	const char *add[] = {"user", "add", "carol", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), add), 0);
	set_password("carol", PW);
	assert_int_equal(signin("10.0.6.2", "carol", PW, "/", cookie, sizeof(cookie)), 303);
	srt_resp r;
	get_as("10.0.6.2", cookie, "/settings/sessions", &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	const char *ban[] = {"user", "ban", "carol", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), ban), 0);
	get_as("10.0.6.2", cookie, "/settings/sessions", &r);
	SRT_EXPECT_STATUS(&r, 303);
	const char *clear = set_cookie(&r, "sr_session");
	assert_non_null(clear);
	assert_non_null(strstr(clear, "Max-Age=0"));
	srt_resp_free(&r);
}

static void test_rate_limits(void **state)
{
	(void)state;
	/* Per account: ten attempts a minute, from anywhere. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(signin(srt_fmt("10.0.7.%d", i + 1), "dave", "wrong password", "/", NULL, 0), 401);
	assert_int_equal(signin("10.0.7.100", "dave", "wrong password", "/", NULL, 0), 429);
	/* Per address: twenty attempts a minute, whatever the account. */
	for (int i = 0; i < 20; i++)
		assert_int_equal(signin("10.0.8.1", srt_fmt("user%d", i), "wrong password", "/", NULL, 0), 401);
	srt_resp r;
	char pre[128], csrf[80];
	get_as("10.0.8.1", NULL, "/signin", &r);
	cookie_value(&r, "sr_pre", pre, sizeof(pre));
	csrf_of(&r, csrf, sizeof(csrf));
	srt_resp_free(&r);
	post_as("10.0.8.1", srt_fmt("sr_pre=%s", pre), "/signin",
		srt_fmt("csrf=%s&handle=alice&password=%s", csrf, srt_urlenc(PW)), &r);
	SRT_EXPECT_CONTAINS(&r, 429, "Too many sign-in attempts");
	assert_non_null(srt_header(&r, "Retry-After"));
	assert_null(set_cookie(&r, "sr_session"));
	srt_resp_free(&r);
	/* Another address is not held back. */
	assert_int_equal(signin("10.0.8.2", "alice", PW, "/", NULL, 0), 303);
}

/* An invitation's token from the URL `skillreg user invite` prints. */
static void invite(const char *role, char *token, size_t n)
{
	char out[512];
	const char *args[] = {"user", "invite", "--role", role, "--public-url", "https://skills.example/", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), args), 0);
	const char *p = strstr(out, "https://skills.example/invite/");
	assert_ptr_equal(p, out);
	snprintf(token, n, "%s", p + strlen("https://skills.example/invite/"));
	assert_int_equal(strlen(token), 43);
}

/* Posts the invitation form: the answer in r. */
static void accept_invite(const char *ip, const char *token, const char *handle, const char *pw, const char *pw2,
			  srt_resp *r)
{
	srt_resp g;
	get_as(ip, NULL, srt_fmt("/invite/%s", token), &g);
	SRT_EXPECT_STATUS(&g, 200);
	char pre[128], csrf[80];
	cookie_value(&g, "sr_pre", pre, sizeof(pre));
	csrf_of(&g, csrf, sizeof(csrf));
	srt_resp_free(&g);
	post_as(ip, srt_fmt("sr_pre=%s", pre), srt_fmt("/invite/%s", token),
		srt_fmt("csrf=%s&handle=%s&password=%s&password2=%s", csrf, handle, srt_urlenc(pw), srt_urlenc(pw2)), r);
}

/* Whether the server's log (the harness keeps it in the data directory) holds text. */
static int log_holds(const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/server.log", S.dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[4096];
	int found = 0;
	while (!found && fgets(line, sizeof line, f))
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

static void test_invitation(void **state)
{
	(void)state;
	char token[128];
	invite("user", token, sizeof(token));
	/* Only its hash is stored. */
	assert_int_equal(srt_sql_int(&S, srt_fmt("SELECT count(*) FROM invites WHERE token_hash = '%s'", token)), 0);
	srt_resp r;
	accept_invite("10.0.9.1", token, "Bad Handle!", PW, PW, &r);
	SRT_EXPECT_CONTAINS(&r, 400, "A handle is 1 to 39");
	srt_resp_free(&r);
	accept_invite("10.0.9.1", token, "alice", PW, PW, &r);
	SRT_EXPECT_CONTAINS(&r, 400, "This handle is taken");
	srt_resp_free(&r);
	accept_invite("10.0.9.1", token, "settings", PW, PW, &r);
	SRT_EXPECT_CONTAINS(&r, 400, "This handle is reserved");
	srt_resp_free(&r);
	accept_invite("10.0.9.1", token, "erin", "short", "short", &r);
	SRT_EXPECT_CONTAINS(&r, 400, "at least 10 characters");
	srt_resp_free(&r);
	accept_invite("10.0.9.1", token, "erin", PW, "another password", &r);
	SRT_EXPECT_CONTAINS(&r, 400, "The two passwords differ");
	srt_resp_free(&r);
	accept_invite("10.0.9.1", token, "Erin", PW, PW, &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_non_null(set_cookie(&r, "sr_session"));
	srt_resp_free(&r);
	assert_int_equal(srt_sql_int(&S, "SELECT role FROM users WHERE handle = 'erin'"), 0);
	/* Once only. */
	get_as("10.0.9.1", NULL, srt_fmt("/invite/%s", token), &r);
	SRT_EXPECT_CONTAINS(&r, 410, "Invitation used");
	srt_resp_free(&r);
	get_as("10.0.9.1", NULL, "/invite/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r);
	SRT_EXPECT_STATUS(&r, 404);
	srt_resp_free(&r);
	/* The new account signs in with its password. */
	assert_int_equal(signin("10.0.9.2", "erin", PW, "/", NULL, 0), 303);
	/* The access log shows the invitation's address without its token. */
	assert_false(log_holds(token));
	assert_true(log_holds("GET /invite/- 410"));
	/* An expired invitation. */
	invite("admin", token, sizeof(token));
	char hash[65];
	srt_sha256_hex(token, strlen(token), hash);
	assert_int_equal(srt_sql(&S, srt_fmt("UPDATE invites SET expires_at = 1 WHERE token_hash = '%s'", hash)), 1);
	get_as("10.0.9.1", NULL, srt_fmt("/invite/%s", token), &r);
	SRT_EXPECT_CONTAINS(&r, 410, "Invitation expired");
	srt_resp_free(&r);
	/* An admin invitation makes an admin. */
	invite("admin", token, sizeof(token));
	accept_invite("10.0.9.3", token, "frank", PW, PW, &r);
	SRT_EXPECT_STATUS(&r, 303);
	srt_resp_free(&r);
	assert_int_equal(srt_sql_int(&S, "SELECT role FROM users WHERE handle = 'frank'"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie_attributes),
		cmocka_unit_test(test_wrong_password_and_return_to),
		cmocka_unit_test(test_csrf_refused),
		cmocka_unit_test(test_signout),
		cmocka_unit_test(test_end_other_session),
		cmocka_unit_test(test_banned),
		cmocka_unit_test(test_rate_limits),
		cmocka_unit_test(test_invitation),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
