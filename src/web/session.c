/*
 * session.c - who is signed in, CSRF tokens, cookies, form fields, and the end of every
 * sign-in (signin.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/account.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "http/multipart.h"
#include "http/ratelimit.h"
#include "web/internal.h"
#include "web/signin.h"
#include "web/web.h"

/* Sign-in attempts a minute: from one address, and for one account (a password guessed from
 * many addresses). */
#define SIGNIN_PER_IP 20
#define SIGNIN_PER_ACCOUNT 10
#define PRE_TTL_S 3600

/* The request sr_web_handle is answering on this thread: the page layout, written by every
 * page through sr__web_begin, shows who is signed in without each page passing it along. */
static _Thread_local sr_web_rq *current;

void sr__web_rq_set(sr_web_rq *rq, sr_app *app, sr_req *req, sr_resp *resp)
{
	if (rq) {
		memset(rq, 0, sizeof(*rq));
		rq->app = app;
		rq->req = req;
		rq->resp = resp;
	}
	current = rq;
}

sr_web_rq *sr__web_rq(void)
{
	return current;
}

/* ---- cookies and form fields ---- */

int sr__web_cookie(const sr_req *req, const char *name, char *out, size_t n)
{
	const char *h = sr_req_header(req, "Cookie");
	size_t nl = strlen(name);
	for (const char *p = h; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			size_t vl = len - nl - 1;
			if (vl + 1 > n)
				return 0;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return 1;
		}
		p += len;
	}
	return 0;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes a form value (`+` a space, %XX a byte) into out; 0 when it did not fit. */
static int form_decode(const char *p, size_t len, char *out, size_t n)
{
	size_t j = 0;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)p[i];
		if (c == '+')
			c = ' ';
		else if (c == '%' && i + 2 < len && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
			c = hexval(p[i + 1]) * 16 + hexval(p[i + 2]);
			i += 2;
		}
		if (c == 0 || j + 1 >= n)
			return 0;
		out[j++] = (char)c;
	}
	out[j] = '\0';
	return 1;
}

/* A field (a part without a file name) of a multipart/form-data body, as it is. */
static int form_part(const sr_req *req, const char *ct, const char *key, char *out, size_t n)
{
	sr_mp_reader rd;
	sr_mp_part pt;
	if (sr_mp_begin(&rd, ct, req->body->data, req->body->len))
		return 0;
	while (sr_mp_next(&rd, &pt) > 0) {
		if (pt.has_filename || strcmp(pt.name, key) != 0)
			continue;
		if (pt.len + 1 > n || memchr(pt.data, 0, pt.len))
			return 0;
		memcpy(out, pt.data, pt.len);
		out[pt.len] = '\0';
		return 1;
	}
	return 0;
}

int sr__web_form(const sr_req *req, const char *key, char *out, size_t n)
{
	const char *ct = sr_req_header(req, "Content-Type");
	if (!req->body || !req->body->data || !ct)
		return 0;
	if (strncasecmp(ct, "multipart/form-data", 19) == 0)
		return form_part(req, ct, key, out, n);
	if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return 0;
	const char *p = req->body->data, *end = p + req->body->len;
	size_t kl = strlen(key);
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (eq && (size_t)(eq - p) == kl && memcmp(p, key, kl) == 0)
			return form_decode(eq + 1, (size_t)(stop - eq - 1), out, n);
		p = stop + 1;
	}
	return 0;
}

/* ---- the viewer and CSRF ---- */

static int secure(const sr_web_rq *rq)
{
	return strncmp(rq->app->public_url, "https:", 6) == 0;
}

static void set_cookie(sr_web_rq *rq, const char *name, const char *value, long max_age)
{
	sr_resp_header(rq->resp, "Set-Cookie", "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s", name, value,
		       max_age, secure(rq) ? "; Secure" : "");
}

static void look(sr_web_rq *rq)
{
	if (rq->looked)
		return;
	rq->looked = 1;
	char tok[64];
	if (!sr__web_cookie(rq->req, SR_WEB_SESSION_COOKIE, tok, sizeof(tok)))
		return;
	int rc = sr_session_find(rq->req->store, tok, &rq->session);
	if (rc == 0) {
		rq->signed_in = 1;
		snprintf(rq->secret, sizeof(rq->secret), "%s", tok);
	} else if (rc == SR_ENOTFOUND || rc == SR_EPERM) {
		/* A session that ended, expired or whose account was banned: the browser forgets it. */
		set_cookie(rq, SR_WEB_SESSION_COOKIE, "", 0);
	}
}

int sr_web_session_user(sr_req *req, int64_t *user_id)
{
	char tok[64];
	if (!sr__web_cookie(req, SR_WEB_SESSION_COOKIE, tok, sizeof(tok)))
		return SR_AUTH_NONE;
	sr_session sess;
	int rc = sr_session_find(req->store, tok, &sess);
	if (rc == 0) {
		*user_id = sess.user.id;
		return SR_AUTH_OK;
	}
	return rc == SR_EUNAVAIL ? SR_AUTH_UNAVAIL : rc == SR_EPERM ? SR_AUTH_BANNED : SR_AUTH_INVALID;
}

const sr_user *sr__web_viewer(sr_web_rq *rq)
{
	look(rq);
	return rq->signed_in ? &rq->session.user : NULL;
}

const char *sr__web_csrf(sr_web_rq *rq)
{
	look(rq);
	if (rq->csrf[0])
		return rq->csrf;
	if (!rq->secret[0]) {
		char pre[64];
		if (sr__web_cookie(rq->req, SR_WEB_PRE_COOKIE, pre, sizeof(pre)) && strlen(pre) == SR_SESSION_TOKEN_LEN) {
			snprintf(rq->secret, sizeof(rq->secret), "%s", pre);
		} else if (sr_session_random(rq->secret) == 0) {
			set_cookie(rq, SR_WEB_PRE_COOKIE, rq->secret, PRE_TTL_S);
		} else {
			return "";
		}
	}
	sr_csrf_of(rq->secret, rq->csrf);
	return rq->csrf;
}

int sr__web_csrf_ok(sr_web_rq *rq, const char *token)
{
	look(rq);
	char secret[64];
	if (rq->signed_in)
		snprintf(secret, sizeof(secret), "%s", rq->secret);
	else if (!sr__web_cookie(rq->req, SR_WEB_PRE_COOKIE, secret, sizeof(secret)) ||
		 strlen(secret) != SR_SESSION_TOKEN_LEN)
		return 0;
	char want[65];
	sr_csrf_of(secret, want);
	return token && sr_auth_equal(token, want);
}

/* ---- signing in ---- */

const char *sr__web_local_path(const char *return_to)
{
	if (!return_to || return_to[0] != '/' || return_to[1] == '/' || return_to[1] == '\\')
		return "/";
	for (const char *p = return_to; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "/";
	return return_to;
}

int sr__web_signin_limited(sr_web_rq *rq, const char *account)
{
	if (!rq->app->ratelimit)
		return 0;
	char key[160];
	sr_rate_result r, a = {1, 0, 0, 0};
	int64_t now = sr_now_ms();
	snprintf(key, sizeof(key), "signin:ip:%s", rq->req->client_ip);
	sr_ratelimit_hit(rq->app->ratelimit, key, SIGNIN_PER_IP, now, &r);
	if (account && account[0]) {
		snprintf(key, sizeof(key), "signin:acct:%.120s", account);
		sr_ratelimit_hit(rq->app->ratelimit, key, SIGNIN_PER_ACCOUNT, now, &a);
	}
	if (r.allowed && a.allowed)
		return 0;
	int64_t left = (r.allowed ? a.reset_epoch_s : r.reset_epoch_s) - now / 1000;
	sr_resp_header(rq->resp, "Retry-After", "%lld", (long long)(left < 1 ? 1 : left));
	rq->req->route = "web-signin-limited";
	sr__web_error(rq->req, rq->resp, 429, "Too many sign-in attempts",
		      "Too many sign-in attempts came from here or for this account. Wait a minute and try again.");
	return 1;
}

int sr__web_session_start(sr_web_rq *rq, const sr_user *u, const char *return_to)
{
	if (u->deactivated_at) {
		sr__web_error(rq->req, rq->resp, 403, "This account cannot sign in",
			      "This account is banned or deactivated.");
		return SR_EPERM;
	}
	char tok[48];
	int64_t expires;
	int rc = sr_session_start(rq->req->store, u->id, sr_req_header(rq->req, "User-Agent"), rq->req->client_ip,
				  tok, &expires);
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return rc;
	}
	set_cookie(rq, SR_WEB_SESSION_COOKIE, tok, (long)(SR_SESSION_TTL_MS / 1000));
	/* The pre-session value has done its work; a new one is made when next needed. */
	if (sr__web_cookie(rq->req, SR_WEB_PRE_COOKIE, rq->secret, sizeof(rq->secret)))
		set_cookie(rq, SR_WEB_PRE_COOKIE, "", 0);
	snprintf(rq->secret, sizeof(rq->secret), "%s", tok);
	rq->csrf[0] = '\0';
	sr_log_info("signed in: user %s (id %lld)", u->handle, (long long)u->id);
	sr__web_redirect(rq->resp, 303, sr__web_local_path(return_to));
	return 0;
}

int sr__web_signed_in(sr_web_rq *rq, sr_app *app, const struct sr_identity *id, const char *return_to)
{
	(void)app;
	if (sr__web_signin_limited(rq, NULL))
		return SR_EPERM;
	sr_user u;
	int rc = sr_account_from_identity(rq->req->store, id, sr_web_reserved, &u, NULL);
	if (rc == SR_EPERM || (!rc && u.deactivated_at)) {
		sr__web_error(rq->req, rq->resp, 403, "This account cannot sign in",
			      "This account is banned or deactivated.");
		return SR_EPERM;
	}
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return rc;
	}
	return sr__web_session_start(rq, &u, return_to);
}
