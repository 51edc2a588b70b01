/*
 * oidc.c - OpenID Connect's authorization code flow with PKCE (OpenID Connect Core 1.0
 * section 3.1, Discovery 1.0, RFC 7636): the discovery document, fetched at the first sign-in
 * and kept for an hour; the authorization URL; the code exchange at the token endpoint with
 * client_secret_basic (or _post when that is all the provider supports); the id_token's
 * signature (jwt.c) against the key set, fetched again at most once a minute when a token
 * names a key the cached set does not have (rotation); its claims; and the person's profile,
 * from the id_token and the userinfo endpoint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth/fetch.h"
#include "auth/internal.h"
#include "auth/jwt.h"
#include "core/err.h"
#include "core/util.h"

#define META_TTL_MS (60 * 60 * 1000)
#define JWKS_TTL_MS (60 * 60 * 1000)
#define JWKS_REFETCH_MS (60 * 1000)

static int say(char *why, size_t n, int rc, const char *fmt, const char *arg)
{
	snprintf(why, n, fmt, arg ? arg : "");
	return rc;
}

/* GETs url and parses the answer as a JSON object. */
static int get_json(const char *url, const char *bearer, json_t **out)
{
	sr_buf b;
	sr_buf_init(&b, SR_FETCH_MAX_BODY);
	long status = 0;
	sr__fetch_req rq = {.url = url, .bearer = bearer};
	int rc = sr__fetch(&rq, &status, &b);
	*out = NULL;
	if (!rc && status == 200)
		*out = json_loadb(b.data ? b.data : "", b.len, 0, NULL);
	sr_buf_deinit(&b);
	if (!rc && !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		rc = SR_EIO;
	}
	return rc;
}

/* An endpoint of the discovery document into a fixed field; it must be reachable too. */
static int endpoint(const json_t *doc, const char *key, char *dst, int required)
{
	const char *v = json_string_value(json_object_get(doc, key));
	if (!v)
		return required ? -1 : 0;
	if (strlen(v) >= SR__URL_MAX || !sr__url_allowed(v))
		return -1;
	snprintf(dst, SR__URL_MAX, "%s", v);
	return 0;
}

static int parse_meta(const sr_idp *p, const json_t *doc, sr__oidc_meta *m, char *why, size_t nwhy)
{
	memset(m, 0, sizeof(*m));
	const char *iss = json_string_value(json_object_get(doc, "issuer"));
	if (!iss || strcmp(iss, p->issuer) != 0)
		return say(why, nwhy, SR_EIO,
			   "The provider's discovery document names another issuer than %s (the issuer URL must "
			   "match it exactly).", p->issuer);
	if (endpoint(doc, "authorization_endpoint", m->authorize, 1) || endpoint(doc, "token_endpoint", m->token, 1) ||
	    endpoint(doc, "jwks_uri", m->jwks, 1) || endpoint(doc, "userinfo_endpoint", m->userinfo, 0))
		return say(why, nwhy, SR_EIO,
			   "The provider's discovery document lacks an endpoint, or names one that is not https.", NULL);
	/* client_secret_basic is the default (Discovery 1.0 section 3); _post only when the
	 * provider lists it and not basic. */
	const json_t *methods = json_object_get(doc, "token_endpoint_auth_methods_supported");
	int basic = !json_is_array(methods), post = 0;
	size_t i;
	json_t *v;
	json_array_foreach(methods, i, v) {
		const char *s = json_string_value(v);
		if (s && strcmp(s, "client_secret_basic") == 0)
			basic = 1;
		if (s && strcmp(s, "client_secret_post") == 0)
			post = 1;
	}
	if (!basic && !post)
		return say(why, nwhy, SR_EIO,
			   "The provider supports neither client_secret_basic nor client_secret_post at its token "
			   "endpoint.", NULL);
	m->auth_post = !basic;
	return 0;
}

/* The provider's discovery document, from the cache while it is fresh. */
static int get_meta(sr_idp *p, sr__oidc_meta *m, char *why, size_t nwhy)
{
	int64_t now = sr_now_ms();
	pthread_mutex_lock(&p->lock);
	int fresh = p->meta.at && now - p->meta.at < META_TTL_MS;
	if (fresh)
		*m = p->meta;
	pthread_mutex_unlock(&p->lock);
	if (fresh)
		return 0;
	char url[SR__URL_MAX + 64];
	size_t n = strlen(p->issuer);
	snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
		 (int)(n && p->issuer[n - 1] == '/' ? n - 1 : n), p->issuer);
	json_t *doc;
	if (get_json(url, NULL, &doc))
		return say(why, nwhy, SR_EIO, "The provider's discovery document could not be fetched from %s.", url);
	int rc = parse_meta(p, doc, m, why, nwhy);
	json_decref(doc);
	if (rc)
		return rc;
	m->at = now;
	pthread_mutex_lock(&p->lock);
	p->meta = *m;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int sr__oidc_authorize(sr_idp *p, const char *redirect_uri, const sr__login *l, sr_buf *url, char *why, size_t nwhy)
{
	sr__oidc_meta m;
	int rc = get_meta(p, &m, why, nwhy);
	if (rc)
		return rc;
	sr_buf_reset(url);
	sr_buf_puts(url, m.authorize);
	sr_buf_puts(url, strchr(m.authorize, '?') ? "&" : "?");
	sr_buf_puts(url, "response_type=code&scope=openid%20profile%20email&client_id=");
	sr__urlenc(url, p->client_id);
	sr_buf_puts(url, "&redirect_uri=");
	sr__urlenc(url, redirect_uri);
	sr_buf_printf(url, "&state=%s&nonce=%s&code_challenge=%s&code_challenge_method=S256", l->state, l->nonce,
		      l->challenge);
	return url->failed ? SR_ETOOBIG : 0;
}

/* base64 (standard, padded) of "urlenc(id):urlenc(secret)": RFC 6749 section 2.3.1. */
static int basic_auth(const sr_idp *p, char *out, size_t n)
{
	char raw[1600];
	sr_buf b;
	sr_buf_init_fixed(&b, raw, sizeof(raw));
	sr__urlenc(&b, p->client_id);
	sr_buf_putc(&b, ':');
	sr__urlenc(&b, p->client_secret);
	int rc = b.failed || (b.len + 2) / 3 * 4 + 1 > n ? SR_ETOOBIG : 0;
	if (!rc)
		EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)raw, (int)b.len);
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

/* POSTs the code to the token endpoint; *tokens is the answer's JSON object. */
static int exchange(sr_idp *p, const sr__oidc_meta *m, const char *redirect_uri, const char *code,
		    const sr__login *l, json_t **tokens, char *why, size_t nwhy)
{
	*tokens = NULL;
	sr_buf form, body;
	sr_buf_init(&form, 8192);
	sr_buf_init(&body, SR_FETCH_MAX_BODY);
	sr_buf_puts(&form, "grant_type=authorization_code&code=");
	sr__urlenc(&form, code);
	sr_buf_puts(&form, "&redirect_uri=");
	sr__urlenc(&form, redirect_uri);
	sr_buf_printf(&form, "&code_verifier=%s", l->verifier);
	char basic[2200] = "";
	if (m->auth_post) {
		sr_buf_puts(&form, "&client_id=");
		sr__urlenc(&form, p->client_id);
		sr_buf_puts(&form, "&client_secret=");
		sr__urlenc(&form, p->client_secret);
	}
	int rc = form.failed || (!m->auth_post && basic_auth(p, basic, sizeof(basic))) ? SR_ETOOBIG : 0;
	long status = 0;
	sr__fetch_req rq = {.url = m->token, .form = form.data, .basic = m->auth_post ? NULL : basic};
	if (!rc)
		rc = sr__fetch(&rq, &status, &body);
	OPENSSL_cleanse(basic, sizeof(basic));
	if (form.data)
		OPENSSL_cleanse(form.data, form.len);
	json_t *j = rc ? NULL : json_loadb(body.data ? body.data : "", body.len, 0, NULL);
	if (rc) {
		rc = say(why, nwhy, SR_EIO, "The provider's token endpoint did not answer.", NULL);
	} else if (status != 200) {
		const char *err = json_string_value(json_object_get(j, "error"));
		rc = say(why, nwhy, SR_EPERM, "The provider refused the sign-in's code (%s). Start again.",
			 err ? err : "no reason given");
	} else if (!json_is_object(j)) {
		rc = say(why, nwhy, SR_EIO, "The provider's token endpoint answered something that is not JSON.", NULL);
	} else {
		*tokens = j;
		j = NULL;
	}
	json_decref(j);
	sr_buf_deinit(&form);
	sr_buf_deinit(&body);
	return rc;
}

/* Fetches the key set into the cache when it is missing, old, or (force) may be stale. */
static int refresh_jwks(sr_idp *p, const sr__oidc_meta *m, int force)
{
	int64_t now = sr_now_ms();
	pthread_mutex_lock(&p->lock);
	int64_t age = p->jwks ? now - p->jwks_at : -1;
	pthread_mutex_unlock(&p->lock);
	if (age >= 0 && age < (force ? JWKS_REFETCH_MS : JWKS_TTL_MS))
		return force ? SR_EEXIST : 0;
	json_t *set;
	if (get_json(m->jwks, NULL, &set))
		return SR_EIO;
	char *text = json_dumps(set, JSON_COMPACT);
	json_decref(set);
	if (!text)
		return SR_ENOMEM;
	pthread_mutex_lock(&p->lock);
	free(p->jwks);
	p->jwks = text;
	p->jwks_at = now;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* The id_token's signature against the cached key set, fetching it again once for a new kid. */
static int verify_id_token(sr_idp *p, const sr__oidc_meta *m, const char *jwt, json_t **claims, char *why, size_t nwhy)
{
	for (int attempt = 0;; attempt++) {
		if (refresh_jwks(p, m, attempt > 0) == SR_EIO)
			return say(why, nwhy, SR_EIO, "The provider's key set could not be fetched.", NULL);
		pthread_mutex_lock(&p->lock);
		json_t *set = p->jwks ? json_loads(p->jwks, 0, NULL) : NULL;
		pthread_mutex_unlock(&p->lock);
		int rc = sr__jwt_verify(jwt, set, claims, why, nwhy);
		json_decref(set);
		if (rc != SR_ENOTFOUND || attempt > 0)
			return rc ? SR_EPERM : 0;
	}
}

/* The profile: the id_token's claims, completed by the userinfo endpoint's when it answers
 * for the same subject (OpenID Connect Core section 5.3.2). */
static void profile(const json_t *claims, const json_t *info, struct sr_identity *id)
{
	const char *keys[] = {"preferred_username", "email", "name", "picture"};
	const char *v[4];
	for (int i = 0; i < 4; i++) {
		v[i] = json_string_value(json_object_get(claims, keys[i]));
		if (!v[i] || !*v[i])
			v[i] = json_string_value(json_object_get(info, keys[i]));
	}
	sr__copy_claim(id->email, sizeof(id->email), v[1]);
	sr__copy_claim(id->name, sizeof(id->name), v[2]);
	if (v[3] && sr__url_allowed(v[3]))
		sr__copy_claim(id->avatar, sizeof(id->avatar), v[3]);
	if (v[0] && *v[0]) {
		sr__copy_claim(id->login, sizeof(id->login), v[0]);
	} else if (v[1] && strchr(v[1], '@')) {
		/* No username: the e-mail's local part, as ClawHub's handle base does. */
		size_t n = (size_t)(strchr(v[1], '@') - v[1]);
		snprintf(id->login, sizeof(id->login), "%.*s", (int)(n < sizeof(id->login) ? n : sizeof(id->login) - 1), v[1]);
	}
}

int sr__oidc_finish(sr_idp *p, const char *redirect_uri, const char *code, const sr__login *l,
		    struct sr_identity *id, char *why, size_t nwhy)
{
	sr__oidc_meta m;
	int rc = get_meta(p, &m, why, nwhy);
	json_t *tokens = NULL, *claims = NULL, *info = NULL;
	if (!rc)
		rc = exchange(p, &m, redirect_uri, code, l, &tokens, why, nwhy);
	const char *jwt = json_string_value(json_object_get(tokens, "id_token"));
	if (!rc && !jwt)
		rc = say(why, nwhy, SR_EIO, "The provider's token endpoint gave no id_token (is the scope openid allowed?).",
			 NULL);
	if (!rc)
		rc = verify_id_token(p, &m, jwt, &claims, why, nwhy);
	if (!rc)
		rc = sr__jwt_check_claims(claims, p->issuer, p->client_id, l->nonce, sr_now_ms(), why, nwhy);
	const char *access = json_string_value(json_object_get(tokens, "access_token"));
	const char *sub = json_string_value(json_object_get(claims, "sub"));
	if (!rc && access && m.userinfo[0] && get_json(m.userinfo, access, &info) == 0) {
		const char *isub = json_string_value(json_object_get(info, "sub"));
		if (!isub || strcmp(isub, sub) != 0) {
			json_decref(info);
			info = NULL;
		}
	}
	if (!rc) {
		if (strlen(sub) >= sizeof(id->subject)) {
			rc = say(why, nwhy, SR_EPERM, "The provider's subject identifier is too long.", NULL);
		} else {
			snprintf(id->provider, sizeof(id->provider), "oidc:%s", p->name);
			snprintf(id->subject, sizeof(id->subject), "%s", sub);
			profile(claims, info, id);
		}
	}
	json_decref(info);
	json_decref(claims);
	json_decref(tokens);
	return rc;
}
