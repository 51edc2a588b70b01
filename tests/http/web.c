/*
 * web.c - the web site as a browser sees it, for the HTTP tests: a password for a test user,
 * the cookies a response sets, a page's CSRF token, GETs and form POSTs with a cookie, and
 * signing in through the sign-in form.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/password.h"

void srt_set_password(srt_server *s, const char *handle)
{
	char hash[SR_PASSWORD_HASH_MAX];
	assert_int_equal(sr_password_hash(SRT_WEB_PASSWORD, hash, sizeof(hash)), 0);
	assert_int_equal(srt_sql(s, srt_fmt("INSERT INTO user_passwords(user_id, hash, updated_at) SELECT id, '%s', 1 "
					     "FROM users WHERE handle = '%s'",
					     hash, handle)),
			 1);
}

void srt_cookie_value(const srt_resp *r, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < r->nhdrs; i++) {
		const char *v = r->hdrs[i].value;
		if (strcasecmp(r->hdrs[i].name, "Set-Cookie") == 0 && strncmp(v, name, nl) == 0 && v[nl] == '=') {
			snprintf(out, n, "%.*s", (int)strcspn(v + nl + 1, ";"), v + nl + 1);
			return;
		}
	}
	fail_msg("no Set-Cookie for %s", name);
}

void srt_csrf_of(const srt_resp *r, char *out, size_t n)
{
	const char *p = strstr(r->body, "name=\"csrf\" value=\"");
	assert_non_null(p);
	p += strlen("name=\"csrf\" value=\"");
	snprintf(out, n, "%.*s", (int)strcspn(p, "\""), p);
}

int srt_page(srt_server *s, const char *cookie, const char *path, srt_resp *r)
{
	const char *h[] = {cookie ? srt_fmt("Cookie: %s", cookie) : NULL, NULL};
	return srt_request(s, "GET", path, h, NULL, 0, r);
}

int srt_post_form(srt_server *s, const char *cookie, const char *path, const char *form, srt_resp *r)
{
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", cookie ? srt_fmt("Cookie: %s", cookie) : NULL,
			   NULL};
	return srt_request(s, "POST", path, h, form, strlen(form), r);
}

void srt_web_signin(srt_server *s, const char *handle, const char *landing, char *cookie, size_t n, char *csrf,
		    size_t cn)
{
	srt_resp r;
	srt_page(s, NULL, "/signin", &r);
	SRT_EXPECT_STATUS(&r, 200);
	char pre[128], tok[80], v[80];
	srt_cookie_value(&r, "sr_pre", pre, sizeof(pre));
	srt_csrf_of(&r, tok, sizeof(tok));
	srt_resp_free(&r);
	srt_post_form(s, srt_fmt("sr_pre=%s", pre), "/signin",
		      srt_fmt("csrf=%s&handle=%s&password=%s&return_to=%%2F", tok, handle, srt_urlenc(SRT_WEB_PASSWORD)),
		      &r);
	SRT_EXPECT_STATUS(&r, 303);
	srt_cookie_value(&r, "sr_session", v, sizeof(v));
	srt_resp_free(&r);
	snprintf(cookie, n, "sr_session=%s", v);
	srt_page(s, cookie, landing, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_csrf_of(&r, csrf, cn);
	srt_resp_free(&r);
}

void srt_expect_page_at(srt_server *s, const char *cookie, const char *path, long status, const char *file, int line,
			const char *const *needles)
{
	srt_resp r;
	srt_page(s, cookie, path, &r);
	srt_expect_status_at(&r, status, file, line);
	for (; *needles; needles++)
		if (!strstr(r.body, *needles)) {
			print_error("%s lacks: %s\n", path, *needles);
			_fail(file, line);
		}
	srt_resp_free(&r);
}
