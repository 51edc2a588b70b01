/*
 * idp.c - the sign-in routes of the identity providers (auth/idp.h):
 *   /auth/github/start, /auth/github/callback
 *   /auth/oidc/NAME/start, /auth/oidc/NAME/callback
 * A start sets the pending login's cookie (`sr_login`, HttpOnly, SameSite=Lax, Path /auth/,
 * ten minutes, Secure behind an https public URL) and redirects to the provider; a callback
 * hands the cookie, state and code to sr_idp_finish and ends in sr__web_signed_in. Every
 * refusal is a 400 page in words, never a 500.
 */
#include <stdio.h>
#include <string.h>

#include "auth/idp.h"
#include "web/internal.h"
#include "web/signin.h"

#define LOGIN_COOKIE "sr_login"

static sr_idp *find(sr_app *app, char **seg, int n, const char **step)
{
	int github = n == 3 && strcmp(seg[1], "github") == 0;
	int oidc = n == 4 && strcmp(seg[1], "oidc") == 0;
	if (strcmp(seg[0], "auth") != 0 || (!github && !oidc))
		return NULL;
	*step = seg[n - 1];
	for (int i = 0; i < app->nidps; i++) {
		sr_idp *p = app->idps[i];
		if (github ? sr_idp_is_github(p) : (!sr_idp_is_github(p) && strcmp(sr_idp_name(p), seg[2]) == 0))
			return p;
	}
	return NULL;
}

static void redirect_uri(sr_web_rq *rq, sr_idp *p, char *out, size_t n)
{
	char origin[600];
	sr_app_origin(rq->app, rq->req, origin, sizeof(origin));
	if (sr_idp_is_github(p))
		snprintf(out, n, "%s/auth/github/callback", origin);
	else
		snprintf(out, n, "%s/auth/oidc/%s/callback", origin, sr_idp_name(p));
}

int sr__web_idp(sr_web_rq *rq, char **seg, int n)
{
	const char *step = NULL;
	if (n < 3 || strcmp(seg[0], "auth") != 0)
		return 0;
	sr_idp *p = find(rq->app, seg, n, &step);
	if (!p || (strcmp(step, "start") != 0 && strcmp(step, "callback") != 0))
		return 0;
	char ruri[800], why[400];
	redirect_uri(rq, p, ruri, sizeof(ruri));
	int secure = strncmp(rq->app->public_url, "https://", 8) == 0;
	if (strcmp(step, "start") == 0) {
		rq->req->route = "web-auth-start";
		sr_buf url;
		sr_buf_init(&url, 4096);
		char cookie[SR_IDP_COOKIE_MAX];
		const char *ret = sr_req_query(rq->req, "return_to");
		if (sr_idp_start(p, ruri, ret, &url, cookie, sizeof(cookie), why, sizeof(why))) {
			sr__web_error(rq->req, rq->resp, 502, "Sign-in is unavailable", why);
		} else {
			sr_resp_header(rq->resp, "Set-Cookie", LOGIN_COOKIE "=%s; Path=/auth/; Max-Age=600; HttpOnly; SameSite=Lax%s",
				       cookie, secure ? "; Secure" : "");
			sr__web_redirect(rq->resp, 302, url.data);
		}
		sr_buf_deinit(&url);
		return 1;
	}
	rq->req->route = "web-auth-callback";
	char cookie[SR_IDP_COOKIE_MAX], ret[SR_IDP_RETURN_MAX + 1];
	int have = sr__web_cookie(rq->req, LOGIN_COOKIE, cookie, sizeof(cookie));
	/* The pending login is used once, whatever the outcome. */
	sr_resp_header(rq->resp, "Set-Cookie", LOGIN_COOKIE "=; Path=/auth/; Max-Age=0; HttpOnly; SameSite=Lax%s",
		       secure ? "; Secure" : "");
	const char *perr = sr_req_query(rq->req, "error");
	if (perr) {
		snprintf(why, sizeof(why), "The provider did not sign you in (%s).", perr);
		sr__web_error(rq->req, rq->resp, 400, "Sign-in failed", why);
		return 1;
	}
	struct sr_identity id;
	if (sr_idp_finish(p, ruri, have ? cookie : NULL, sr_req_query(rq->req, "state"), sr_req_query(rq->req, "code"),
			  &id, ret, sizeof(ret), why, sizeof(why))) {
		sr__web_error(rq->req, rq->resp, 400, "Sign-in failed", why);
		return 1;
	}
	sr__web_signed_in(rq, rq->app, &id, ret);
	return 1;
}
