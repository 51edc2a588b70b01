/*
 * github.c - GitHub's OAuth web flow, ClawHub's own sign-in: the authorize URL (scopes
 * read:user and user:email, state, PKCE), the code exchanged at /login/oauth/access_token,
 * then GET /user for the numeric id, login, name and avatar, and GET /user/emails for the
 * primary verified address when the profile shows none. The subject is GitHub's numeric id,
 * the one thing ClawHub links accounts by: a login can be renamed, the id cannot.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "auth/fetch.h"
#include "auth/internal.h"
#include "core/err.h"

static int say(char *why, size_t n, int rc, const char *fmt, const char *arg)
{
	snprintf(why, n, fmt, arg ? arg : "");
	return rc;
}

int sr__github_authorize(sr_idp *p, const char *redirect_uri, const sr__login *l, sr_buf *url)
{
	sr_buf_reset(url);
	sr_buf_printf(url, "%s/login/oauth/authorize?client_id=", p->github_url);
	sr__urlenc(url, p->client_id);
	sr_buf_puts(url, "&redirect_uri=");
	sr__urlenc(url, redirect_uri);
	sr_buf_printf(url, "&scope=read%%3Auser%%20user%%3Aemail&state=%s&code_challenge=%s&code_challenge_method=S256",
		      l->state, l->challenge);
	return url->failed ? SR_ETOOBIG : 0;
}

/* A request to GitHub answered with JSON: *out is the parsed answer, *status its status. */
static int call(const char *url, const char *form, const char *bearer, const char *accept, long *status, json_t **out)
{
	sr_buf b;
	sr_buf_init(&b, SR_FETCH_MAX_BODY);
	sr__fetch_req rq = {.url = url, .form = form, .bearer = bearer, .accept = accept};
	int rc = sr__fetch(&rq, status, &b);
	*out = rc ? NULL : json_loadb(b.data ? b.data : "", b.len, 0, NULL);
	sr_buf_deinit(&b);
	return rc;
}

/* The code for an access token. GitHub answers 200 with an "error" member on a refusal. */
static int access_token(sr_idp *p, const char *redirect_uri, const char *code, const sr__login *l, char *token,
			size_t ntoken, char *why, size_t nwhy)
{
	char url[SR__URL_MAX + 64];
	snprintf(url, sizeof(url), "%s/login/oauth/access_token", p->github_url);
	sr_buf form;
	sr_buf_init(&form, 8192);
	sr_buf_puts(&form, "client_id=");
	sr__urlenc(&form, p->client_id);
	sr_buf_puts(&form, "&client_secret=");
	sr__urlenc(&form, p->client_secret);
	sr_buf_puts(&form, "&code=");
	sr__urlenc(&form, code);
	sr_buf_puts(&form, "&redirect_uri=");
	sr__urlenc(&form, redirect_uri);
	sr_buf_printf(&form, "&code_verifier=%s", l->verifier);
	long status = 0;
	json_t *j = NULL;
	int rc = form.failed ? SR_ETOOBIG : call(url, form.data, NULL, "application/json", &status, &j);
	if (form.data)
		OPENSSL_cleanse(form.data, form.len);
	sr_buf_deinit(&form);
	const char *err = json_string_value(json_object_get(j, "error"));
	const char *tok = json_string_value(json_object_get(j, "access_token"));
	if (rc)
		rc = say(why, nwhy, SR_EIO, "GitHub did not answer the code exchange.", NULL);
	else if (err || status != 200)
		rc = say(why, nwhy, SR_EPERM, "GitHub refused the sign-in's code (%s). Start again.",
			 err ? err : "no reason given");
	else if (!tok || strlen(tok) >= ntoken)
		rc = say(why, nwhy, SR_EIO, "GitHub's answer to the code exchange held no access token.", NULL);
	else
		snprintf(token, ntoken, "%s", tok);
	json_decref(j);
	return rc;
}

/* The primary verified address of /user/emails, when the profile's is private. */
static void primary_email(sr_idp *p, const char *token, struct sr_identity *id)
{
	char url[SR__URL_MAX + 32];
	snprintf(url, sizeof(url), "%s/user/emails", p->github_api);
	long status = 0;
	json_t *list = NULL;
	if (call(url, NULL, token, "application/vnd.github+json", &status, &list) == 0 && status == 200) {
		size_t i;
		json_t *e;
		json_array_foreach(list, i, e) {
			if (json_is_true(json_object_get(e, "primary")) && json_is_true(json_object_get(e, "verified")))
				sr__copy_claim(id->email, sizeof(id->email), json_string_value(json_object_get(e, "email")));
		}
	}
	json_decref(list);
}

int sr__github_finish(sr_idp *p, const char *redirect_uri, const char *code, const sr__login *l,
		      struct sr_identity *id, char *why, size_t nwhy)
{
	char token[512];
	int rc = access_token(p, redirect_uri, code, l, token, sizeof(token), why, nwhy);
	if (rc)
		return rc;
	char url[SR__URL_MAX + 32];
	snprintf(url, sizeof(url), "%s/user", p->github_api);
	long status = 0;
	json_t *u = NULL;
	rc = call(url, NULL, token, "application/vnd.github+json", &status, &u);
	json_int_t gid = json_integer_value(json_object_get(u, "id"));
	const char *login = json_string_value(json_object_get(u, "login"));
	if (rc || status != 200)
		rc = say(why, nwhy, SR_EIO, "GitHub did not say who signed in (GET /user failed).", NULL);
	else if (!json_is_integer(json_object_get(u, "id")) || gid <= 0 || !login || !*login)
		rc = say(why, nwhy, SR_EIO, "GitHub's profile of the person signing in has no id or login.", NULL);
	if (!rc) {
		snprintf(id->provider, sizeof(id->provider), "github");
		snprintf(id->subject, sizeof(id->subject), "%lld", (long long)gid);
		sr__copy_claim(id->login, sizeof(id->login), login);
		sr__copy_claim(id->name, sizeof(id->name), json_string_value(json_object_get(u, "name")));
		sr__copy_claim(id->email, sizeof(id->email), json_string_value(json_object_get(u, "email")));
		const char *avatar = json_string_value(json_object_get(u, "avatar_url"));
		if (avatar && sr__url_allowed(avatar))
			sr__copy_claim(id->avatar, sizeof(id->avatar), avatar);
		if (!id->email[0])
			primary_email(p, token, id);
	}
	json_decref(u);
	OPENSSL_cleanse(token, sizeof(token));
	return rc;
}
