/*
 * jwt.h - an OpenID Connect id_token checked properly (src/auth only): the JWS signature
 * against the provider's key set (RFC 7515, 7517, 7518), then the claims OpenID Connect Core
 * section 3.1.3.7 requires of it.
 *
 * Signatures: RS256, RS384, RS512 (RSA keys of 2048 bits or more) and ES256, ES384 (P-256,
 * P-384), through OpenSSL's libcrypto. "none" and the HMAC algorithms are refused: a token
 * signed with a shared secret proves nothing a provider's public key would. The key is the
 * one whose kid the header names; without a kid, the set's only signing key of the right type.
 */
#ifndef SR_AUTH_JWT_H
#define SR_AUTH_JWT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* How far a provider's clock may be from ours when exp and iat are checked. */
#define SR_JWT_SKEW_MS (120 * 1000)
/* The longest id_token read: far beyond any provider's, far below a memory problem. */
#define SR_JWT_MAX_LEN 16384

/* Checks the signature of the compact JWS `jwt` with the keys of `jwks` (a JWK Set document)
 * and hands back its payload as a JSON object (*claims, the caller's to json_decref).
 * SR_ENOTFOUND when no key of the set names the token's kid (the provider may have rotated
 * its keys: fetch the set again, once); SR_EPERM for a bad signature or a refused algorithm;
 * SR_EINVAL for a malformed token. *why says which, in words for the sign-in page. */
int sr__jwt_verify(const char *jwt, const json_t *jwks, json_t **claims, char *why, size_t nwhy);

/* The claims of a verified id_token against what this login expects: iss equal to the
 * issuer, aud the client id (or a list holding it, with azp the client id when the list
 * has more than one), exp not passed and iat not in the future (each with SR_JWT_SKEW_MS),
 * nonce the login's. 0, or SR_EPERM with *why naming the claim. */
int sr__jwt_check_claims(const json_t *claims, const char *issuer, const char *client_id, const char *nonce,
			 int64_t now_ms, char *why, size_t nwhy);

#endif
