/*
 * idp.h - the identity providers a person signs in with: GitHub's OAuth web flow (ClawHub's
 * own sign-in) and any OpenID Connect provider by its issuer URL (GitLab, Google, Keycloak,
 * Authentik...), each configured with the client credentials the provider issued.
 *
 * A sign-in is two requests of the same browser. sr_idp_start makes the login's secrets
 * (state, nonce, PKCE verifier) and answers with the provider's authorization URL and the
 * value of a short-lived cookie that holds them; sr_idp_finish takes the provider's callback
 * (state and code) with that cookie, exchanges the code, checks what came back and says who
 * the person is as an sr_identity. Nothing here knows HTTP's server side: the web layer
 * carries the cookie and the redirects.
 *
 * Why a cookie and not a table: any node of a many-node registry must be able to finish a
 * login another node started. The pending login is sealed with an HMAC whose key is derived
 * from the provider's client secret, which every node already holds (they are configured
 * alike), so no node needs a row written by another, no new secret has to be distributed,
 * and abandoned logins leave nothing behind to collect. The cookie holds one random seed
 * (state, nonce and verifier are derived from it, so the state the provider echoes in a URL
 * reveals neither of the others), the local path to return to and an expiry ten minutes
 * ahead; it is HttpOnly, SameSite=Lax (the callback is a cross-site top-level GET) and Path
 * /auth/. A callback without the cookie of the browser that started it is refused, which is
 * what stops a login-CSRF (someone else's code planted in this browser). Replay of a code is
 * refused by the provider, which accepts a code once.
 */
#ifndef SR_AUTH_IDP_H
#define SR_AUTH_IDP_H

#include <stddef.h>

#include "auth/identity.h"
#include "core/buf.h"

#define SR_IDP_MAX 8          /* providers one server is configured with */
#define SR_IDP_NAME_MAX 32    /* an OIDC provider's NAME: letters, digits, '-' and '_' */
#define SR_IDP_COOKIE_MAX 512 /* the pending login's cookie value */
#define SR_IDP_RETURN_MAX 200 /* the local path to go back to after sign-in */
#define SR_IDP_PENDING_MS (10 * 60 * 1000)

typedef struct sr_idp sr_idp;

typedef struct sr_idp_config {
	const char *name;       /* "github" for GitHub; the NAME of --oidc NAME=ISSUER_URL otherwise */
	const char *issuer;     /* OpenID Connect: the issuer URL; NULL for GitHub */
	const char *github_url; /* GitHub: https://github.com, or a GitHub Enterprise Server's URL */
	const char *client_id;
	const char *client_secret;
} sr_idp_config;

/* Checks the configuration (a name routes can carry, https or loopback URLs, both
 * credentials) and makes the provider; nothing is fetched yet (discovery happens at the first
 * sign-in and is cached). SR_EINVAL with *why naming what is wrong. */
int sr_idp_new(const sr_idp_config *c, sr_idp **out, char *why, size_t nwhy);
void sr_idp_free(sr_idp *p);

/* "github" or the OIDC NAME: the routes' path segment and the button's label. */
const char *sr_idp_name(const sr_idp *p);
int sr_idp_is_github(const sr_idp *p);

/* Begins a sign-in that comes back to redirect_uri and then goes on to return_to (a local
 * path; anything else becomes "/"). Writes the provider's authorization URL into url and the
 * pending login's cookie value into cookie. For OpenID Connect the first call fetches the
 * discovery document. SR_EIO (provider unreachable or its discovery unusable) with *why. */
int sr_idp_start(sr_idp *p, const char *redirect_uri, const char *return_to, sr_buf *url, char *cookie,
		 size_t ncookie, char *why, size_t nwhy);

/* Finishes a sign-in: the cookie must be this provider's, unexpired and sealed by this
 * server, and its state the one the provider echoed; then the code is exchanged and the
 * answer checked (for OpenID Connect the id_token's signature and claims). Fills *id and
 * return_to. SR_EPERM (refused: state, cookie, provider's refusal, token checks) or SR_EIO
 * (provider unreachable or answering nonsense), with *why in words for the page. */
int sr_idp_finish(sr_idp *p, const char *redirect_uri, const char *cookie, const char *state, const char *code,
		  struct sr_identity *id, char *return_to, size_t nreturn, char *why, size_t nwhy);

#endif
