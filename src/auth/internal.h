/*
 * internal.h - what the files of src/auth share: the provider's fields and each protocol's
 * two steps, called by idp.c once the pending login is sealed or opened.
 */
#ifndef SR_AUTH_INTERNAL_H
#define SR_AUTH_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "auth/idp.h"

#define SR__URL_MAX 512

/* What an OpenID Connect provider's discovery document says, as much as a login needs. */
typedef struct sr__oidc_meta {
	char authorize[SR__URL_MAX], token[SR__URL_MAX], jwks[SR__URL_MAX], userinfo[SR__URL_MAX];
	int auth_post; /* client_secret_post rather than client_secret_basic */
	int64_t at;    /* when it was fetched; 0: never */
} sr__oidc_meta;

struct sr_idp {
	int github;
	char name[SR_IDP_NAME_MAX + 1];
	char issuer[SR__URL_MAX];     /* OIDC */
	char github_url[SR__URL_MAX]; /* GitHub: the web site (authorize, access_token) */
	char github_api[SR__URL_MAX]; /* GitHub: the REST API (user, emails) */
	char client_id[256];
	char client_secret[256];
	unsigned char seal_key[32]; /* the pending-login cookie's HMAC key, from the secret */
	pthread_mutex_t lock;        /* the caches below */
	sr__oidc_meta meta;
	char *jwks;                  /* the key set's text, malloc'd; NULL: not fetched */
	int64_t jwks_at;
};

/* The secrets of one login, derived from the cookie's seed. */
typedef struct sr__login {
	char state[44], nonce[44], verifier[44], challenge[44];
} sr__login;

int sr__oidc_authorize(sr_idp *p, const char *redirect_uri, const sr__login *l, sr_buf *url, char *why, size_t nwhy);
int sr__oidc_finish(sr_idp *p, const char *redirect_uri, const char *code, const sr__login *l,
		    struct sr_identity *id, char *why, size_t nwhy);
int sr__github_authorize(sr_idp *p, const char *redirect_uri, const sr__login *l, sr_buf *url);
int sr__github_finish(sr_idp *p, const char *redirect_uri, const char *code, const sr__login *l,
		      struct sr_identity *id, char *why, size_t nwhy);

/* Copies a JSON string member into a fixed field ("" when absent or not a string); a value
 * that does not fit is cut at a UTF-8 character boundary. */
void sr__copy_claim(char *dst, size_t n, const char *src);

#endif
