/*
 * signin.h - the web site's sessions: who is signed in, CSRF tokens, and the one way every
 * sign-in ends (src/web only; the accounts themselves are src/auth's).
 *
 * Every way in (local passwords in signin.c, GitHub OAuth and OpenID Connect elsewhere) ends by
 * calling sr__web_signed_in with the identity it established: that links or creates the
 * account (sr_account_from_identity), refuses a banned one, starts a session, sets the cookie
 * and answers 303 to the local path to return to.
 *
 * The session cookie is `sr_session`: HttpOnly, SameSite=Lax, Path=/, Max-Age of the session,
 * and Secure when the public URL (--public-url) is https. Signed-out forms (sign-in,
 * invitations) get their CSRF token from a pre-session cookie `sr_pre` with the same
 * attributes. Every POST to a web page must carry the token in its `csrf` field, or it is
 * answered 403 before any page code runs (sr_web_handle).
 *
 * How the sign-in page lists the ways in: /signin (signin.c) shows the local password form
 * when local accounts are on, then calls sr__web_signin_ways, which prints one button (a
 * link or a form) per further provider; it lives alone in signin_ways.c and lists none until
 * a provider adds its button there. Its buttons carry return_to on to the provider's start.
 */
#ifndef SR_WEB_SIGNIN_H
#define SR_WEB_SIGNIN_H

#include "auth/identity.h"
#include "auth/session.h"
#include "core/buf.h"
#include "http/context.h"

#define SR_WEB_SESSION_COOKIE "sr_session"
#define SR_WEB_PRE_COOKIE "sr_pre"

/* One web request as the session code sees it. sr_web_handle makes one per request; a page
 * handler gets it from sr__web_rq(). */
typedef struct sr_web_rq {
	sr_app *app;
	sr_req *req;
	sr_resp *resp;
	int looked;         /* the session cookie was read */
	int signed_in;
	sr_session session; /* when signed_in */
	char secret[64];    /* the session token, or the pre-session value; "" when none yet */
	char csrf[65];      /* the CSRF token of secret; "" until asked for */
} sr_web_rq;

/* Makes rq the request being answered on this thread (sr_web_handle; NULL clears it). */
void sr__web_rq_set(sr_web_rq *rq, sr_app *app, sr_req *req, sr_resp *resp);
/* The request being answered on this thread, or NULL outside sr_web_handle. */
sr_web_rq *sr__web_rq(void);

/* The signed-in user (handle, role, id...) or NULL when signed out, banned or expired. */
const sr_user *sr__web_viewer(sr_web_rq *rq);
/* The CSRF token every form carries as a hidden `csrf` field. Signed out, this sets the
 * pre-session cookie when the browser has none. */
const char *sr__web_csrf(sr_web_rq *rq);
/* 1 when token is this request's CSRF token. */
int sr__web_csrf_ok(sr_web_rq *rq, const char *token);

/* Signs the person of id in (see the top of this file) and answers the request: 303 to
 * return_to when it is a local path ("/..." but not "//..."), else to "/"; a 403 page for a
 * banned account; 429 when sign-ins from this address or for this account come too fast.
 * Returns 0 when signed in, else the error (the page is answered either way). */
int sr__web_signed_in(sr_web_rq *rq, sr_app *app, const struct sr_identity *id, const char *return_to);
/* The same for an account already found (local sign-in). */
int sr__web_session_start(sr_web_rq *rq, const sr_user *u, const char *return_to);
/* Counts one sign-in attempt from this address and, when account is not NULL, for that
 * account; 1 (after answering 429) when either went over its limit a minute. */
int sr__web_signin_limited(sr_web_rq *rq, const char *account);
/* return_to made safe: itself when a local path, else "/". */
const char *sr__web_local_path(const char *return_to);

/* The hook: prints the sign-in page's buttons of the providers other than local passwords
 * (signin_ways.c). */
void sr__web_signin_ways(sr_web_rq *rq, sr_buf *b, const char *return_to);

/* A field of a POSTed application/x-www-form-urlencoded body, decoded into out, or of a
 * multipart/form-data body (a part without a file name, as sent): 1 when present (and it
 * fit), else 0. */
int sr__web_form(const sr_req *req, const char *key, char *out, size_t n);
/* A cookie's value into out: 1 when present (and it fit), else 0. */
int sr__web_cookie(const sr_req *req, const char *name, char *out, size_t n);

#endif
