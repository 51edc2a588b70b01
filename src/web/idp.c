/*
 * idp.c - the sign-in routes of the identity providers (auth/idp.h):
 *   /auth/github/start, /auth/github/callback
 *   /auth/oidc/NAME/start, /auth/oidc/NAME/callback
 * A start sets the pending login's cookie (`sr_login`, HttpOnly, SameSite=Lax, Path /auth/,
 * ten minutes, Secure behind an https public URL) and redirects to the provider; a callback
 * hands the cookie, state and code to sr_idp_finish and ends in sr__web_signed_in. Every
 * refusal is a 400 page in words, never a 500.
 *
 * sr_idp_start and sr_idp_finish wait on the provider (its discovery document; its token
 * endpoint, key set and userinfo; up to seconds each): they run as deferred jobs
 * (sr_resp_defer), off the worker thread, whose other connections would otherwise wait with
 * them; the handler's second call answers.
 */
#include <stdio.h>
#include <stdlib.h>
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

/* A callback's exchange with the provider, run off the worker thread: the pending login's
 * cookie, state and code in; the identity, or why not, out. */
struct finish_job {
	sr_idp *p;
	char ruri[800], cookie[SR_IDP_COOKIE_MAX], state[64], code[2049];
	int have_cookie, have_state, have_code;
	struct sr_identity id;
	char ret[SR_IDP_RETURN_MAX + 1], why[400];
	int rc;
};

static void finish_run(void *arg)
{
	struct finish_job *j = arg;
	j->rc = sr_idp_finish(j->p, j->ruri, j->have_cookie ? j->cookie : NULL, j->have_state ? j->state : NULL,
			      j->have_code ? j->code : NULL, &j->id, j->ret, sizeof(j->ret), j->why, sizeof(j->why));
}

/* The job held the pending login's secrets and the code: they do not linger in freed memory. */
static void finish_free(void *arg)
{
	explicit_bzero(arg, sizeof(struct finish_job));
	free(arg);
}

/* Copies a query value into a fixed field: 0 when it fits (or is absent, *have = 0). */
static int take(char *dst, size_t n, const char *v, int *have)
{
	*have = v != NULL;
	if (!v)
		return 0;
	size_t len = strlen(v);
	if (len >= n)
		return -1;
	memcpy(dst, v, len + 1);
	return 0;
}

/* The answer once the job ran: a 400 page in words, or signed in. */
static int answer(sr_web_rq *rq, const struct finish_job *j)
{
	if (j->rc)
		sr__web_error(rq->req, rq->resp, 400, "Sign-in failed", j->why);
	else
		sr__web_signed_in(rq, rq->app, &j->id, j->ret);
	return 1;
}

static int callback(sr_web_rq *rq, sr_idp *p, const char *ruri, int secure)
{
	/* The pending login is used once, whatever the outcome (the second call's answer is the
	 * one that goes out, so both set it). */
	sr_resp_header(rq->resp, "Set-Cookie", LOGIN_COOKIE "=; Path=/auth/; Max-Age=0; HttpOnly; SameSite=Lax%s",
		       secure ? "; Secure" : "");
	if (rq->req->deferred)
		return answer(rq, rq->req->deferred);
	const char *perr = sr_req_query(rq->req, "error");
	if (perr) {
		char why[400];
		snprintf(why, sizeof(why), "The provider did not sign you in (%s).", perr);
		sr__web_error(rq->req, rq->resp, 400, "Sign-in failed", why);
		return 1;
	}
	struct finish_job *j = calloc(1, sizeof(*j));
	if (!j) {
		sr__web_error(rq->req, rq->resp, 503, "Sign-in is unavailable", "The server is out of memory. Try again.");
		return 1;
	}
	j->p = p;
	snprintf(j->ruri, sizeof(j->ruri), "%s", ruri);
	j->have_cookie = sr__web_cookie(rq->req, LOGIN_COOKIE, j->cookie, sizeof(j->cookie));
	/* A state or code too long for its field is no sign-in's: refused here, with no wait. */
	if (take(j->state, sizeof(j->state), sr_req_query(rq->req, "state"), &j->have_state) ||
	    take(j->code, sizeof(j->code), sr_req_query(rq->req, "code"), &j->have_code)) {
		j->rc = -1;
		snprintf(j->why, sizeof(j->why), "%s",
			 "The provider came back with a state or code this server did not send. Start again.");
		answer(rq, j);
		finish_free(j);
		return 1;
	}
	sr_resp_defer(rq->resp, finish_run, finish_free, j);
	return 1;
}

/* A start's authorization URL, made off the worker thread: the provider's discovery document
 * is fetched at the first sign-in and again once an hour. */
struct start_job {
	sr_idp *p;
	char ruri[800], ret[SR_IDP_RETURN_MAX + 1];
	int have_ret;
	sr_buf url;
	char cookie[SR_IDP_COOKIE_MAX], why[400];
	int rc;
};

static void start_run(void *arg)
{
	struct start_job *j = arg;
	j->rc = sr_idp_start(j->p, j->ruri, j->have_ret ? j->ret : NULL, &j->url, j->cookie, sizeof(j->cookie), j->why,
			     sizeof(j->why));
}

/* The job held the pending login's cookie, the key to its secrets. */
static void start_free(void *arg)
{
	struct start_job *j = arg;
	sr_buf_deinit(&j->url);
	explicit_bzero(j, sizeof(*j));
	free(j);
}

static int start(sr_web_rq *rq, sr_idp *p, const char *ruri, int secure)
{
	const struct start_job *done = rq->req->deferred;
	if (done && done->rc) {
		sr__web_error(rq->req, rq->resp, 502, "Sign-in is unavailable", done->why);
	} else if (done) {
		sr_resp_header(rq->resp, "Set-Cookie", LOGIN_COOKIE "=%s; Path=/auth/; Max-Age=600; HttpOnly; SameSite=Lax%s",
			       done->cookie, secure ? "; Secure" : "");
		sr__web_redirect(rq->resp, 302, done->url.data);
	}
	if (done)
		return 1;
	struct start_job *j = calloc(1, sizeof(*j));
	if (!j) {
		sr__web_error(rq->req, rq->resp, 503, "Sign-in is unavailable", "The server is out of memory. Try again.");
		return 1;
	}
	j->p = p;
	snprintf(j->ruri, sizeof(j->ruri), "%s", ruri);
	/* A return path too long for the field goes home, as sr_idp_start sends any it refuses. */
	if (take(j->ret, sizeof(j->ret), sr_req_query(rq->req, "return_to"), &j->have_ret))
		j->have_ret = 0;
	sr_buf_init(&j->url, 4096);
	sr_resp_defer(rq->resp, start_run, start_free, j);
	return 1;
}

int sr__web_idp(sr_web_rq *rq, char **seg, int n)
{
	const char *step = NULL;
	if (n < 3 || strcmp(seg[0], "auth") != 0)
		return 0;
	sr_idp *p = find(rq->app, seg, n, &step);
	if (!p || (strcmp(step, "start") != 0 && strcmp(step, "callback") != 0))
		return 0;
	char ruri[800];
	redirect_uri(rq, p, ruri, sizeof(ruri));
	int secure = strncmp(rq->app->public_url, "https://", 8) == 0;
	if (strcmp(step, "start") == 0) {
		rq->req->route = "web-auth-start";
		return start(rq, p, ruri, secure);
	}
	rq->req->route = "web-auth-callback";
	return callback(rq, p, ruri, secure);
}
