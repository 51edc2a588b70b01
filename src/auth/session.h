/*
 * session.h - web sessions and the CSRF tokens tied to them.
 *
 * A session is a random 256-bit token the browser keeps in a cookie; the store keeps only its
 * SHA-256, with the user, an expiry, when it was last seen (written at most once a minute),
 * the browser's User-Agent and address. A session of a banned or deactivated account, or an
 * expired one, finds nobody. A form's CSRF token is derived from a secret only the browser and
 * the server know: the session token when signed in, else a random pre-session value the
 * sign-in forms set in a cookie of its own; a cross-site page can read neither.
 */
#ifndef SR_AUTH_SESSION_H
#define SR_AUTH_SESSION_H

#include <stdint.h>

#include "store/store.h"

#define SR_SESSION_TTL_MS (30LL * 24 * 3600 * 1000)
#define SR_SESSION_TOKEN_LEN 43 /* base64url of 32 random bytes */

typedef struct sr_session {
	int64_t id;
	int64_t expires_at;
	sr_user user;
} sr_session;

/* A new session for user_id: the token for the cookie into token (>= 44 bytes). */
int sr_session_start(sr_store *s, int64_t user_id, const char *user_agent, const char *ip, char *token,
		     int64_t *expires_at);
/* The live session of a token: 0 with *out; SR_ENOTFOUND when unknown or expired; SR_EPERM
 * when its account is banned or deactivated. */
int sr_session_find(sr_store *s, const char *token, sr_session *out);
/* Ends the session of a token (signing out); a token that names none is not an error. */
int sr_session_end_token(sr_store *s, const char *token);

/* A random secret of SR_SESSION_TOKEN_LEN characters into out (>= 44 bytes). */
int sr_session_random(char *out);
/* The CSRF token of a secret (a session token or a pre-session value): 64 hex characters. */
void sr_csrf_of(const char *secret, char out[65]);
/* 1 when two strings are equal, in time that depends only on their lengths. */
int sr_auth_equal(const char *a, const char *b);

#endif
