/*
 * test_tokens.c - the API tokens pages over real HTTP: a token made on /settings/tokens with a
 * session and its CSRF token is shown once, stored hashed, and works with the API; a form
 * without the CSRF token is refused; a revocation is refused by the next request on this node
 * and on a second `serve` process on the same database; an expired token is refused like a
 * revoked one; the last use is written at most once per interval; an admin revokes anyone's
 * token from /admin/users/HANDLE/tokens, which answers 404 to everyone else. And the other pages
 * of one's account: /dashboard (every skill one publishes, in any state, with why) and /stars.
 *
 * Times in the database are moved by SQL (last_used_at, expires_at) instead of pinning the
 * server's clock, so the sessions and the interval run on the real clock.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/password.h"

static srt_server S;

#define PW "correct horse battery"
#define INTERVAL_MS (5 * 60 * 1000LL)

/* The session cookies ("sr_session=...") of the three people the tests act as. */
static char alice[128], bob[128], boss[128];

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_password(const char *handle)
{
	char hash[SR_PASSWORD_HASH_MAX];
	assert_int_equal(sr_password_hash(PW, hash, sizeof(hash)), 0);
	assert_int_equal(srt_sql(&S, srt_fmt("INSERT INTO user_passwords(user_id, hash, updated_at) SELECT id, '%s', 1 "
					      "FROM users WHERE handle = '%s'", hash, handle)),
			 1);
}

/* The value of the cookie a response sets into out ("" when it sets none). */
static void cookie_value(const srt_resp *r, const char *name, char *out, size_t n)
{
	out[0] = '\0';
	size_t nl = strlen(name);
	for (size_t i = 0; i < r->nhdrs; i++) {
		const char *h = r->hdrs[i].value;
		if (strcasecmp(r->hdrs[i].name, "Set-Cookie") == 0 && strncmp(h, name, nl) == 0 && h[nl] == '=') {
			h += nl + 1;
			size_t len = strcspn(h, ";");
			assert_true(len < n);
			memcpy(out, h, len);
			out[len] = '\0';
			return;
		}
	}
}

/* The first hidden csrf field of a page into out. */
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

static int get_on(srt_server *s, const char *cookie, const char *path, srt_resp *r)
{
	const char *h[] = {cookie ? srt_fmt("Cookie: %s", cookie) : NULL, NULL};
	return srt_request(s, "GET", path, h, NULL, 0, r);
}

static int post_on(srt_server *s, const char *cookie, const char *path, const char *form, srt_resp *r)
{
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", cookie ? srt_fmt("Cookie: %s", cookie) : NULL,
			   NULL};
	return srt_request(s, "POST", path, h, form, strlen(form), r);
}

/* Signs handle in through the form and keeps its session cookie in out. */
static void signin(const char *handle, char *out, size_t n)
{
	srt_resp r;
	get_on(&S, NULL, "/signin", &r);
	SRT_EXPECT_STATUS(&r, 200);
	char pre[128], csrf[80];
	cookie_value(&r, "sr_pre", pre, sizeof(pre));
	csrf_of(&r, csrf, sizeof(csrf));
	srt_resp_free(&r);
	post_on(&S, srt_fmt("sr_pre=%s", pre), "/signin",
		srt_fmt("csrf=%s&handle=%s&password=%s&return_to=/", csrf, handle, srt_urlenc(PW)), &r);
	SRT_EXPECT_STATUS(&r, 303);
	char v[80];
	cookie_value(&r, "sr_session", v, sizeof(v));
	assert_true(v[0]);
	snprintf(out, n, "sr_session=%s", v);
	srt_resp_free(&r);
}

/* The CSRF token of the session cookie, read from the tokens page. */
static void page_csrf(const char *cookie, char *out, size_t n)
{
	srt_resp r;
	get_on(&S, cookie, "/settings/tokens", &r);
	SRT_EXPECT_STATUS(&r, 200);
	csrf_of(&r, out, n);
	srt_resp_free(&r);
}

/* The secret a tokens page shows into out (48 bytes); "" when it shows none. */
static void shown_token(const srt_resp *r, char *out)
{
	out[0] = '\0';
	const char *p = strstr(r->body, "<code id=\"new-token\">");
	if (!p)
		return;
	p += strlen("<code id=\"new-token\">");
	size_t len = strcspn(p, "<");
	assert_int_equal(len, 47);
	memcpy(out, p, len);
	out[len] = '\0';
}

/* Makes a token through the page as the person of cookie: the form's answer sends the browser
 * to the page, which shows the secret once. The secret into out (48 bytes). */
static void create_token(const char *cookie, const char *label, int days, char *out)
{
	char csrf[80];
	page_csrf(cookie, csrf, sizeof(csrf));
	srt_resp r;
	post_on(&S, cookie, "/settings/tokens", srt_fmt("csrf=%s&label=%s&expires_days=%d", csrf, srt_urlenc(label), days),
		&r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/settings/tokens");
	const char *set = srt_header(&r, "Set-Cookie");
	assert_non_null(set);
	assert_non_null(strstr(set, "; Path=/settings/tokens; HttpOnly; SameSite=Strict"));
	char flash[80];
	cookie_value(&r, "sr_new_token", flash, sizeof(flash));
	assert_int_equal(strlen(flash), 47);
	srt_resp_free(&r);
	get_on(&S, srt_fmt("%s; sr_new_token=%s", cookie, flash), "/settings/tokens", &r);
	SRT_EXPECT_STATUS(&r, 200);
	char cleared[8] = "x";
	cookie_value(&r, "sr_new_token", cleared, sizeof(cleared));
	assert_string_equal(cleared, "");
	assert_non_null(strstr(srt_header(&r, "Set-Cookie"), "Max-Age=0"));
	shown_token(&r, out);
	assert_string_equal(out, flash);
	assert_memory_equal(out, "clh_", 4);
	/* The page that shows the secret must not be kept by any cache. */
	const char *cc = srt_header(&r, "Cache-Control");
	assert_non_null(cc);
	assert_non_null(strstr(cc, "no-store"));
	srt_resp_free(&r);
}

/* The status of GET /api/v1/whoami on server s with token. */
static long whoami(srt_server *s, const char *token)
{
	srt_resp r;
	srt_get(s, "/api/v1/whoami", token, &r);
	long st = r.status;
	srt_resp_free(&r);
	return st;
}

/* The round trips to PostgreSQL of GET /api/v1/whoami on server s with a good token: none when
 * the node answers the token from memory (always none on SQLite). */
static long whoami_trips(srt_server *s, const char *token)
{
	srt_resp r;
	srt_get(s, "/api/v1/whoami", token, &r);
	SRT_EXPECT_STATUS(&r, 200);
	long trips = srt_trips(&r);
	srt_resp_free(&r);
	return trips;
}

/* The row id of a token, found by the hash the store keeps. */
static long long token_id(const char *token)
{
	char hash[65];
	srt_sha256_hex(token, strlen(token), hash);
	return srt_sql_int(&S, srt_fmt("SELECT id FROM api_tokens WHERE token_hash = '%s'", hash));
}

static int group_setup(void **state)
{
	(void)state;
	if (srt_server_start(&S))
		return -1;
	set_password("alice");
	set_password("bob");
	set_password("boss");
	signin("alice", alice, sizeof(alice));
	signin("bob", bob, sizeof(bob));
	signin("boss", boss, sizeof(boss));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

/* Made through the page: shown once, stored as its SHA-256 and prefix, works with the API. */
static void test_create_and_use(void **state)
{
	(void)state;
	char tok[64];
	create_token(alice, "  my laptop  ", 0, tok);
	char hash[65];
	srt_sha256_hex(tok, strlen(tok), hash);
	char *row = srt_db_text(S.db, srt_fmt("SELECT t.label, t.prefix, u.handle, coalesce(t.expires_at, 0), "
					      "coalesce(t.last_used_at, 0) FROM api_tokens t JOIN users u ON u.id = "
					      "t.user_id WHERE t.token_hash = '%s'", hash));
	assert_non_null(row);
	assert_string_equal(row, srt_fmt("my laptop|%.12s|alice|0|0\n", tok));
	free(row);
	/* Nothing stores the secret itself. */
	assert_int_equal(srt_sql_int(&S, srt_fmt("SELECT count(*) FROM api_tokens WHERE token_hash = '%s' OR label = '%s' "
						 "OR prefix = '%s'", tok, tok, tok)),
			 0);
	srt_resp r;
	srt_get(&S, "/api/v1/whoami", tok, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "user"), "handle")), "alice");
	json_decref(j);
	srt_resp_free(&r);
	/* The list shows the prefix and the label, never the secret again. */
	get_on(&S, alice, "/settings/tokens", &r);
	SRT_EXPECT_CONTAINS(&r, 200, srt_fmt("<code>%.12s...</code>", tok));
	assert_non_null(strstr(r.body, "my laptop"));
	assert_null(strstr(r.body, tok));
	assert_null(strstr(r.body, "new-token"));
	srt_resp_free(&r);
	/* The cookie shows a token only to its owner: planted in Bob's browser, it shows nothing. */
	get_on(&S, srt_fmt("%s; sr_new_token=%s", bob, tok), "/settings/tokens", &r);
	SRT_EXPECT_STATUS(&r, 200);
	char shown[64];
	shown_token(&r, shown);
	assert_string_equal(shown, "");
	assert_null(strstr(r.body, tok));
	srt_resp_free(&r);
	/* An empty label gets ClawHub's default. */
	create_token(alice, "", 0, tok);
	assert_int_equal(srt_sql_int(&S, srt_fmt("SELECT count(*) FROM api_tokens WHERE id = %lld AND label = 'CLI token'",
						 token_id(tok))),
			 1);
}

/* Signed out, the page sends to sign-in; bad labels and expiries are refused with a 400. */
static void test_signed_out_and_bad_input(void **state)
{
	(void)state;
	srt_resp r;
	get_on(&S, NULL, "/settings/tokens", &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/signin?return_to=%2Fsettings%2Ftokens");
	srt_resp_free(&r);
	long long before = srt_sql_int(&S, "SELECT count(*) FROM api_tokens");
	char csrf[80];
	page_csrf(alice, csrf, sizeof(csrf));
	char longlabel[200];
	memset(longlabel, 'x', 121);
	longlabel[121] = '\0';
	post_on(&S, alice, "/settings/tokens", srt_fmt("csrf=%s&label=%s&expires_days=0", csrf, longlabel), &r);
	SRT_EXPECT_CONTAINS(&r, 400, "The label is too long");
	srt_resp_free(&r);
	post_on(&S, alice, "/settings/tokens", srt_fmt("csrf=%s&label=a%%01b&expires_days=0", csrf), &r);
	SRT_EXPECT_CONTAINS(&r, 400, "without control characters");
	srt_resp_free(&r);
	post_on(&S, alice, "/settings/tokens", srt_fmt("csrf=%s&label=x&expires_days=3", csrf), &r);
	SRT_EXPECT_CONTAINS(&r, 400, "Choose one of the offered expiries.");
	srt_resp_free(&r);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM api_tokens"), before);
}

/* A form without this browser's CSRF token makes nothing and revokes nothing. */
static void test_csrf_refused(void **state)
{
	(void)state;
	long long before = srt_sql_int(&S, "SELECT count(*) FROM api_tokens");
	srt_resp r;
	post_on(&S, alice, "/settings/tokens", "label=evil&expires_days=0", &r);
	SRT_EXPECT_CONTAINS(&r, 403, "Form expired");
	srt_resp_free(&r);
	/* Bob's CSRF token is not Alice's. */
	char bob_csrf[80];
	page_csrf(bob, bob_csrf, sizeof(bob_csrf));
	post_on(&S, alice, "/settings/tokens", srt_fmt("csrf=%s&label=evil&expires_days=0", bob_csrf), &r);
	SRT_EXPECT_STATUS(&r, 403);
	srt_resp_free(&r);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM api_tokens"), before);
	char tok[64];
	create_token(alice, "kept", 0, tok);
	post_on(&S, alice, "/settings/tokens/revoke", srt_fmt("id=%lld", token_id(tok)), &r);
	SRT_EXPECT_STATUS(&r, 403);
	srt_resp_free(&r);
	assert_int_equal(whoami(&S, tok), 200);
}

/* A revocation on one node is refused by the next request on it, and on another node once
 * the revocation's notification has reached it (srt_sync: on PostgreSQL a node answers tokens
 * it knows from memory until it hears of a write that changes them; both nodes know both
 * tokens here, having answered them: their second answers cost no round trip). */
static void test_revoke_every_node(void **state)
{
	(void)state;
	char tok[64], other[64];
	create_token(alice, "revoke me", 0, tok);
	create_token(alice, "keep me", 0, other);
	srt_server peer;
	assert_int_equal(srt_server_start_peer(&peer, &S), 0);
	/* The peer's listener is connected (a node that is not keeps nothing in memory). */
	assert_int_equal(srt_sync(&peer), 0);
	srt_server *nodes[] = {&S, &peer};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(whoami(nodes[i], tok), 200);
		assert_int_equal(whoami(nodes[i], other), 200);
		assert_int_equal(whoami_trips(nodes[i], tok), 0);
		assert_int_equal(whoami_trips(nodes[i], other), 0);
	}
	char csrf[80];
	page_csrf(alice, csrf, sizeof(csrf));
	srt_resp r;
	post_on(&S, alice, "/settings/tokens/revoke", srt_fmt("csrf=%s&id=%lld", csrf, token_id(tok)), &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/settings/tokens");
	srt_resp_free(&r);
	assert_int_equal(whoami(&S, tok), 401);
	assert_int_equal(whoami(&S, other), 200);
	assert_int_equal(srt_sync(&peer), 0);
	assert_int_equal(whoami(&peer, tok), 401);
	assert_int_equal(whoami(&peer, other), 200);
	/* And the other way: revoked through the second node, refused by it and by the first. */
	post_on(&peer, alice, "/settings/tokens/revoke", srt_fmt("csrf=%s&id=%lld", csrf, token_id(other)), &r);
	SRT_EXPECT_STATUS(&r, 303);
	srt_resp_free(&r);
	assert_int_equal(whoami(&peer, other), 401);
	assert_int_equal(srt_sync(&S), 0);
	assert_int_equal(whoami(&S, other), 401);
	assert_int_equal(srt_server_stop_peer(&peer), 0);
	/* The page lists it as revoked, with no revoke button. */
	get_on(&S, alice, "/settings/tokens", &r);
	SRT_EXPECT_CONTAINS(&r, 200, "Revoked and expired tokens");
	const char *row = strstr(r.body, srt_fmt("<code>%.12s...</code>", tok));
	assert_non_null(row);
	assert_non_null(strstr(row, "Revoked 20"));
	srt_resp_free(&r);
	/* Someone else's token id changes nothing. */
	char bobs[64], bob_csrf[80];
	create_token(bob, "bob's", 0, bobs);
	post_on(&S, alice, "/settings/tokens/revoke", srt_fmt("csrf=%s&id=%lld", csrf, token_id(bobs)), &r);
	SRT_EXPECT_STATUS(&r, 303);
	srt_resp_free(&r);
	assert_int_equal(whoami(&S, bobs), 200);
	page_csrf(bob, bob_csrf, sizeof(bob_csrf));
	post_on(&S, bob, "/settings/tokens/revoke", srt_fmt("csrf=%s&id=%lld", bob_csrf, token_id(bobs)), &r);
	srt_resp_free(&r);
	assert_int_equal(whoami(&S, bobs), 401);
}

/* An expiry is stored, and a token past it is refused like a revoked one, also when the
 * expiry was set by hand in the database (on PostgreSQL a trigger tells the nodes, which have
 * this token in memory: it was just answered). */
static void test_expiry(void **state)
{
	(void)state;
	char tok[64];
	long long t0 = now_ms();
	create_token(alice, "a week", 7, tok);
	long long t1 = now_ms();
	long long exp = srt_sql_int(&S, srt_fmt("SELECT expires_at FROM api_tokens WHERE id = %lld", token_id(tok)));
	assert_true(exp >= t0 + 7 * 86400000LL && exp <= t1 + 7 * 86400000LL);
	assert_int_equal(whoami(&S, tok), 200);
	assert_int_equal(srt_sql(&S, srt_fmt("UPDATE api_tokens SET expires_at = %lld WHERE id = %lld", now_ms() - 1000,
					     token_id(tok))),
			 1);
	assert_int_equal(srt_sync(&S), 0);
	assert_int_equal(whoami(&S, tok), 401);
	srt_resp r;
	get_on(&S, alice, "/settings/tokens", &r);
	const char *row = strstr(r.body, srt_fmt("<code>%.12s...</code>", tok));
	assert_non_null(row);
	assert_non_null(strstr(row, "Expired 20"));
	srt_resp_free(&r);
	/* A token that expires while the node has it in memory, with no write: refused once the
	 * moment has passed (the node checks the expiry at every answer). */
	char soon[64];
	create_token(alice, "soon", 7, soon);
	long long at = now_ms() + 3000;
	assert_int_equal(srt_sql(&S, srt_fmt("UPDATE api_tokens SET expires_at = %lld WHERE id = %lld", at, token_id(soon))),
			 1);
	assert_int_equal(srt_sync(&S), 0);
	assert_int_equal(whoami(&S, soon), 200);
	assert_int_equal(whoami(&S, soon), 200);
	while (now_ms() <= at + 50) {
		struct timespec nap = {0, 50 * 1000000L};
		nanosleep(&nap, NULL);
	}
	assert_int_equal(whoami(&S, soon), 401);
}

/* last_used_at: written by the first use, then not again until the interval has passed. */
static void test_last_used(void **state)
{
	(void)state;
	char tok[64];
	create_token(alice, "used", 0, tok);
	long long id = token_id(tok);
	const char *used = srt_fmt("SELECT coalesce(last_used_at, 0) FROM api_tokens WHERE id = %lld", id);
	assert_int_equal(srt_sql_int(&S, used), 0);
	long long t0 = now_ms();
	assert_int_equal(whoami(&S, tok), 200);
	long long first = srt_sql_int(&S, used);
	assert_true(first >= t0 && first <= now_ms());
	/* Within the interval: no write, however many requests. */
	long long recent = now_ms() - INTERVAL_MS + 60000;
	assert_int_equal(srt_sql(&S, srt_fmt("UPDATE api_tokens SET last_used_at = %lld WHERE id = %lld", recent, id)), 1);
	for (int i = 0; i < 5; i++)
		assert_int_equal(whoami(&S, tok), 200);
	srt_resp r;
	srt_send(&S, "POST", "/api/v1/stars/nonexistent-skill", tok, NULL, &r);
	SRT_EXPECT_STATUS(&r, 404);
	srt_resp_free(&r);
	assert_int_equal(srt_sql_int(&S, used), recent);
	/* Past the interval: the next use writes it once. The interval is longer than a node keeps
	 * a token in memory (which remembers the use it recorded), so a use after it is looked up
	 * again: the test makes the server forget, as the minutes it skips would. */
	long long old = now_ms() - INTERVAL_MS - 60000;
	assert_int_equal(srt_sql(&S, srt_fmt("UPDATE api_tokens SET last_used_at = %lld WHERE id = %lld", old, id)), 1);
	assert_int_equal(srt_forget_tokens(&S), 0);
	/* A POST looks its token up before its body is read (the body's ceiling depends on it);
	 * the use is recorded all the same. */
	t0 = now_ms();
	srt_send(&S, "POST", "/api/v1/stars/nonexistent-skill", tok, "{}", &r);
	SRT_EXPECT_STATUS(&r, 404);
	srt_resp_free(&r);
	long long second = srt_sql_int(&S, used);
	assert_true(second >= t0 && second <= now_ms());
	/* The page shows it. */
	get_on(&S, alice, "/settings/tokens", &r);
	const char *row = strstr(r.body, srt_fmt("<code>%.12s...</code>", tok));
	assert_non_null(row);
	char when[32];
	time_t t = (time_t)(second / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	char *end = strstr(row, "</tr>");
	assert_non_null(end);
	*end = '\0';
	assert_non_null(strstr(row, when));
	srt_resp_free(&r);
}

/* An admin sees another person's tokens and revokes one; it is audited. */
static void test_admin_revoke(void **state)
{
	(void)state;
	char tok[64];
	create_token(bob, "bob's laptop", 0, tok);
	srt_resp r;
	get_on(&S, boss, "/admin/users/bob/tokens", &r);
	SRT_EXPECT_CONTAINS(&r, 200, "API tokens of @bob");
	assert_non_null(strstr(r.body, srt_fmt("<code>%.12s...</code>", tok)));
	assert_non_null(strstr(r.body, "action=\"/admin/users/bob/tokens/revoke\""));
	char csrf[80];
	csrf_of(&r, csrf, sizeof(csrf));
	srt_resp_free(&r);
	/* A token id of another account changes nothing there. */
	char alices[64];
	create_token(alice, "alice's", 0, alices);
	post_on(&S, boss, "/admin/users/bob/tokens/revoke", srt_fmt("csrf=%s&id=%lld", csrf, token_id(alices)), &r);
	SRT_EXPECT_STATUS(&r, 303);
	srt_resp_free(&r);
	assert_int_equal(whoami(&S, alices), 200);
	assert_int_equal(whoami(&S, tok), 200);
	post_on(&S, boss, "/admin/users/bob/tokens/revoke", srt_fmt("csrf=%s&id=%lld", csrf, token_id(tok)), &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/admin/users/bob/tokens");
	srt_resp_free(&r);
	assert_int_equal(whoami(&S, tok), 401);
	assert_int_equal(srt_sql_int(&S, srt_fmt("SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id "
						 "WHERE u.handle = 'boss' AND a.action = 'token.revoke' AND a.detail = "
						 "'token %lld of @bob'", token_id(tok))),
			 1);
	get_on(&S, boss, "/admin/users/nobody-here/tokens", &r);
	SRT_EXPECT_CONTAINS(&r, 404, "No account has this handle.");
	srt_resp_free(&r);
}

/* /admin/tokens: a handle leads to that person's tokens; a token's 12-character prefix revokes
 * it (audited), and nothing shorter is taken. */
static void test_admin_prefix(void **state)
{
	(void)state;
	srt_resp r;
	get_on(&S, boss, "/admin/tokens", &r);
	SRT_EXPECT_CONTAINS(&r, 200, "Revoke the token that starts with");
	char csrf[80];
	csrf_of(&r, csrf, sizeof(csrf));
	srt_resp_free(&r);
	get_on(&S, boss, "/admin/tokens?user=Bob", &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/admin/users/bob/tokens");
	srt_resp_free(&r);
	char tok[64], other[64];
	create_token(bob, "leaked", 0, tok);
	create_token(bob, "not leaked", 0, other);
	const char *bad[] = {"clh_", srt_fmt("%.11s", tok), srt_fmt("%.11s%%25", tok), srt_fmt("%.13s", tok)};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		post_on(&S, boss, "/admin/tokens/revoke", srt_fmt("csrf=%s&prefix=%s", csrf, bad[i]), &r);
		SRT_EXPECT_CONTAINS(&r, 400, "Give the first 12 characters of the token");
		srt_resp_free(&r);
	}
	assert_int_equal(whoami(&S, tok), 200);
	post_on(&S, boss, "/admin/tokens/revoke", srt_fmt("csrf=%s&prefix=%.12s", csrf, tok), &r);
	SRT_EXPECT_CONTAINS(&r, 200, "Revoked 1 token.");
	srt_resp_free(&r);
	assert_int_equal(whoami(&S, tok), 401);
	assert_int_equal(whoami(&S, other), 200);
	assert_int_equal(srt_sql_int(&S, srt_fmt("SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id "
						 "WHERE u.handle = 'boss' AND a.action = 'token.revoke' AND a.detail = "
						 "'token prefix %.12s'", tok)),
			 1);
	post_on(&S, boss, "/admin/tokens/revoke", srt_fmt("csrf=%s&prefix=%.12s", csrf, tok), &r);
	SRT_EXPECT_CONTAINS(&r, 404, "No live token starts with these characters.");
	srt_resp_free(&r);
	/* Anyone else: 404, and the form revokes nothing. */
	get_on(&S, bob, "/admin/tokens", &r);
	SRT_EXPECT_STATUS(&r, 404);
	srt_resp_free(&r);
	char bob_csrf[80];
	page_csrf(bob, bob_csrf, sizeof(bob_csrf));
	post_on(&S, bob, "/admin/tokens/revoke", srt_fmt("csrf=%s&prefix=%.12s", bob_csrf, other), &r);
	SRT_EXPECT_STATUS(&r, 404);
	srt_resp_free(&r);
	assert_int_equal(whoami(&S, other), 200);
}

/* Anyone but an admin gets 404 from the staff pages, and their forms change nothing. */
static void test_non_staff_404(void **state)
{
	(void)state;
	char tok[64];
	create_token(alice, "not yours", 0, tok);
	srt_resp r;
	get_on(&S, bob, "/admin/users/alice/tokens", &r);
	SRT_EXPECT_STATUS(&r, 404);
	assert_null(strstr(r.body, srt_fmt("%.12s", tok)));
	srt_resp_free(&r);
	get_on(&S, NULL, "/admin/users/alice/tokens", &r);
	SRT_EXPECT_STATUS(&r, 404);
	srt_resp_free(&r);
	char csrf[80];
	page_csrf(bob, csrf, sizeof(csrf));
	post_on(&S, bob, "/admin/users/alice/tokens/revoke", srt_fmt("csrf=%s&id=%lld", csrf, token_id(tok)), &r);
	SRT_EXPECT_STATUS(&r, 404);
	srt_resp_free(&r);
	assert_int_equal(whoami(&S, tok), 200);
	/* A moderator is staff for skills, not for accounts. */
	assert_int_equal(srt_sql(&S, "UPDATE users SET role = 1 WHERE handle = 'bob'"), 1);
	get_on(&S, bob, "/admin/users/alice/tokens", &r);
	SRT_EXPECT_STATUS(&r, 404);
	srt_resp_free(&r);
	assert_int_equal(srt_sql(&S, "UPDATE users SET role = 0 WHERE handle = 'bob'"), 1);
}

/* A skill row of owner in a given state, made by SQL: the dashboard reads rows in every state,
 * which the publish path would need a scanner, a moderator and a deletion to reach. */
static void add_skill(const char *owner, const char *slug, long long updated, int status, const char *reason,
		      int flags, int deleted)
{
	assert_int_equal(srt_sql(&S, srt_fmt("INSERT INTO skills(owner_id, slug, display_name, summary, latest_version, "
					      "created_at, updated_at, moderation_status, moderation_reason, moderation_flags, "
					      "soft_deleted_at, stats_versions) SELECT id, '%s', 'Name of %s', 'About %s', '1.0.0', "
					      "%lld, %lld, %d, %s, %d, %s, 2 FROM users WHERE handle = '%s'",
					      slug, slug, slug, updated, updated, status,
					      reason ? srt_fmt("'%s'", reason) : "NULL", flags,
					      deleted ? srt_fmt("%lld", updated) : "NULL", owner)),
			 1);
}

/* The dashboard's table row of a slug, cut at its end (a rotating copy). */
static const char *dash_row(const srt_resp *r, const char *slug)
{
	const char *p = strstr(r->body, srt_fmt("<span class=\"slug\">%s</span>", slug));
	if (!p)
		return NULL;
	const char *end = strstr(p, "</tr>");
	assert_non_null(end);
	return srt_fmt("%.*s", (int)(end - p), p);
}

/* Every state of one's skills on /dashboard, with why; nobody else's; keyset pages. */
static void test_dashboard(void **state)
{
	(void)state;
	srt_resp r;
	get_on(&S, NULL, "/dashboard", &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/signin?return_to=%2Fdashboard");
	srt_resp_free(&r);
	long long t = now_ms() + 3600000; /* newer than anything else of alice's */
	add_skill("alice", "dash-public", t + 10, 0, "scanner.static.clean", 0, 0);
	add_skill("alice", "dash-flagged", t + 9, 0, "scanner.static.suspicious", 1, 0);
	add_skill("alice", "dash-pending", t + 8, 1, "pending.scan", 0, 0);
	add_skill("alice", "dash-reported", t + 7, 1, "auto.reports", 0, 0);
	add_skill("alice", "dash-hidden", t + 6, 1, "staff.hidden", 0, 0);
	add_skill("alice", "dash-removed", t + 5, 2, "manual.removed", 0, 0);
	add_skill("alice", "dash-blocked", t + 4, 0, "scanner.static.malicious", 2, 0);
	add_skill("alice", "dash-deleted", t + 3, 0, NULL, 0, 1);
	add_skill("alice", "dash-lowq", t + 2, 1, "quality.low", 0, 0);
	add_skill("bob", "dash-bobs", t + 20, 0, NULL, 0, 0);
	get_on(&S, alice, "/dashboard", &r);
	SRT_EXPECT_CONTAINS(&r, 200, "Your skills");
	const struct {
		const char *slug, *want;
	} rows[] = {
		{"dash-public", "<span class=\"badge badge-ok\">Public</span></td>"},
		{"dash-flagged", "<span class=\"badge badge-warn\">Flagged</span> Public, but flagged as suspicious"},
		{"dash-pending", "<span class=\"badge badge-plain\">Pending</span> Hidden until its security scan finishes."},
		{"dash-reported", "Hidden after several reports, until a moderator reviews it. <span class=\"muted\">Reason code: "
				  "<code>auto.reports</code>"},
		{"dash-hidden", "Hidden by a moderator."},
		{"dash-removed", "<span class=\"badge badge-warn\">Removed</span> Removed by moderation."},
		{"dash-blocked", "<span class=\"badge badge-warn\">Blocked</span> Blocked: a security scan found malware."},
		{"dash-deleted", "<span class=\"badge badge-plain\">Deleted</span> Deleted by you or an admin."},
		{"dash-lowq", "Hidden: it did not pass the quality check."},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *row = dash_row(&r, rows[i].slug);
		if (!row || !strstr(row, rows[i].want))
			fail_msg("dashboard row %s: want %s in %s", rows[i].slug, rows[i].want, row ? row : "(no row)");
	}
	/* Only a public skill links to its page; nobody else's skill is listed. */
	assert_non_null(strstr(r.body, "<a href=\"/alice/dash-public\">Name of dash-public</a>"));
	assert_null(strstr(r.body, "href=\"/alice/dash-hidden\""));
	assert_null(strstr(r.body, "dash-bobs"));
	/* Newest update first. */
	assert_true(strstr(r.body, "dash-public") < strstr(r.body, "dash-flagged"));
	assert_true(strstr(r.body, "dash-deleted") < strstr(r.body, "dash-lowq"));
	long rows_read = 0, bytes = 0;
	assert_int_equal(srt_timing(&r, &rows_read, &bytes), 0);
	srt_resp_free(&r);
	for (int i = 0; i < 30; i++)
		add_skill("alice", srt_fmt("dash-many-%02d", i), t - 1000 - i, 0, NULL, 0, 0);
	get_on(&S, alice, "/dashboard", &r);
	SRT_EXPECT_STATUS(&r, 200);
	long rows_many = 0;
	assert_int_equal(srt_timing(&r, &rows_many, &bytes), 0);
	/* The session's row, then the page's rows: all 9 skills, then 25 of 39 and one more. */
	assert_int_equal(rows_read, 1 + 9);
	assert_int_equal(rows_many, 1 + 25 + 1);
	assert_non_null(dash_row(&r, "dash-many-15"));
	assert_null(dash_row(&r, "dash-many-16"));
	const char *next = strstr(r.body, "href=\"/dashboard?cursor=");
	assert_non_null(next);
	next += strlen("href=\"");
	char path[512];
	snprintf(path, sizeof(path), "%.*s", (int)strcspn(next, "\""), next);
	srt_resp_free(&r);
	get_on(&S, alice, path, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_null(dash_row(&r, "dash-many-15"));
	assert_non_null(dash_row(&r, "dash-many-16"));
	assert_non_null(dash_row(&r, "dash-many-29"));
	srt_resp_free(&r);
	get_on(&S, alice, "/dashboard?cursor=nonsense", &r);
	SRT_EXPECT_CONTAINS(&r, 400, "This page link is out of date");
	srt_resp_free(&r);
}

/* /stars: one's stars, newest first; a skill no longer public shows its slug only. */
static void test_stars(void **state)
{
	(void)state;
	srt_resp r;
	get_on(&S, NULL, "/stars", &r);
	SRT_EXPECT_STATUS(&r, 303);
	srt_resp_free(&r);
	get_on(&S, bob, "/stars", &r);
	SRT_EXPECT_CONTAINS(&r, 200, "No stars yet");
	srt_resp_free(&r);
	long long t = now_ms();
	add_skill("alice", "star-one", t, 0, NULL, 0, 0);
	add_skill("alice", "star-two", t, 0, NULL, 0, 0);
	add_skill("alice", "star-gone", t, 1, "staff.hidden", 0, 0);
	add_skill("alice", "star-other", t, 0, NULL, 0, 0);
	const char *star = "INSERT INTO stars(skill_id, user_id, created_at) SELECT s.id, u.id, %lld FROM skills s, users u "
			   "WHERE s.slug = '%s' AND u.handle = '%s'";
	assert_int_equal(srt_sql(&S, srt_fmt(star, t + 1, "star-one", "bob")), 1);
	assert_int_equal(srt_sql(&S, srt_fmt(star, t + 3, "star-two", "bob")), 1);
	assert_int_equal(srt_sql(&S, srt_fmt(star, t + 2, "star-gone", "bob")), 1);
	assert_int_equal(srt_sql(&S, srt_fmt(star, t + 4, "star-other", "boss")), 1);
	get_on(&S, bob, "/stars", &r);
	SRT_EXPECT_CONTAINS(&r, 200, "Your stars");
	const char *two = strstr(r.body, "href=\"/alice/star-two\"");
	const char *gone = strstr(r.body, "<h3 class=\"card-title\">star-gone</h3>");
	const char *one = strstr(r.body, "href=\"/alice/star-one\"");
	assert_non_null(two);
	assert_non_null(gone);
	assert_non_null(one);
	assert_true(two < gone && gone < one);
	assert_null(strstr(r.body, "Name of star-gone"));
	assert_null(strstr(r.body, "href=\"/alice/star-gone\""));
	assert_non_null(strstr(gone, "No longer public"));
	assert_null(strstr(r.body, "star-other"));
	srt_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_use),
		cmocka_unit_test(test_signed_out_and_bad_input),
		cmocka_unit_test(test_csrf_refused),
		cmocka_unit_test(test_revoke_every_node),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_last_used),
		cmocka_unit_test(test_admin_revoke),
		cmocka_unit_test(test_admin_prefix),
		cmocka_unit_test(test_non_staff_404),
		cmocka_unit_test(test_dashboard),
		cmocka_unit_test(test_stars),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
