/*
 * jwt.c - see jwt.h. Keys are built from a JWK's parameters with OpenSSL 3's EVP_PKEY_fromdata,
 * so no deprecated RSA_* / EC_KEY_* call is needed; an ECDSA signature arrives as the raw
 * r || s pair JWS uses and is turned into the DER form libcrypto verifies.
 */
#include "auth/jwt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "core/err.h"
#include "core/util.h"

enum { KTY_RSA, KTY_EC };

struct alg {
	const char *name;
	int kty;
	const char *curve; /* EC only */
	int coord_len;      /* EC only: bytes of r and of s */
	const EVP_MD *(*md)(void);
};

static const struct alg algs[] = {
	{"RS256", KTY_RSA, NULL, 0, EVP_sha256},
	{"RS384", KTY_RSA, NULL, 0, EVP_sha384},
	{"RS512", KTY_RSA, NULL, 0, EVP_sha512},
	{"ES256", KTY_EC, "P-256", 32, EVP_sha256},
	{"ES384", KTY_EC, "P-384", 48, EVP_sha384},
};

static int say(char *why, size_t n, int rc, const char *text)
{
	snprintf(why, n, "%s", text);
	return rc;
}

/* A base64url member of a JWK into a big-endian byte string. */
static long jwk_bytes(const json_t *jwk, const char *key, unsigned char *out, size_t outsz)
{
	const char *s = json_string_value(json_object_get(jwk, key));
	return s ? sr_b64url_decode(s, strlen(s), out, outsz) : -1;
}

static EVP_PKEY *rsa_key(const json_t *jwk)
{
	unsigned char n[1024], e[16];
	long nn = jwk_bytes(jwk, "n", n, sizeof(n)), ne = jwk_bytes(jwk, "e", e, sizeof(e));
	if (nn < 256 || ne < 1) /* under 2048 bits is not a key to trust a login to */
		return NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn = BN_bin2bn(n, (int)nn, NULL), *be = BN_bin2bn(e, (int)ne, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (bn && be && bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) && (params = OSSL_PARAM_BLD_to_param(bld)) &&
	    EVP_PKEY_fromdata_init(ctx) > 0)
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(bn);
	BN_free(be);
	return pkey;
}

static EVP_PKEY *ec_key(const json_t *jwk, const struct alg *a)
{
	const char *crv = json_string_value(json_object_get(jwk, "crv"));
	if (!crv || strcmp(crv, a->curve) != 0)
		return NULL;
	unsigned char pt[1 + 2 * 48];
	pt[0] = 0x04; /* an uncompressed point: x then y */
	if (jwk_bytes(jwk, "x", pt + 1, (size_t)a->coord_len) != a->coord_len ||
	    jwk_bytes(jwk, "y", pt + 1 + a->coord_len, (size_t)a->coord_len) != a->coord_len)
		return NULL;
	char group[16];
	snprintf(group, sizeof(group), "%s", a->coord_len == 32 ? "prime256v1" : "secp384r1");
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, (size_t)(1 + 2 * a->coord_len)),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx && EVP_PKEY_fromdata_init(ctx) > 0)
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* The key of the set that signed: the one named by kid, else the only candidate. A key meant
 * for encryption ("use": "enc") or for another algorithm ("alg") never signs. */
static const json_t *find_key(const json_t *jwks, const struct alg *a, const char *kid)
{
	const json_t *keys = json_object_get(jwks, "keys"), *found = NULL;
	size_t i, candidates = 0;
	json_t *k;
	json_array_foreach(keys, i, k) {
		const char *kty = json_string_value(json_object_get(k, "kty"));
		const char *use = json_string_value(json_object_get(k, "use"));
		const char *kalg = json_string_value(json_object_get(k, "alg"));
		const char *kkid = json_string_value(json_object_get(k, "kid"));
		if (!kty || strcmp(kty, a->kty == KTY_RSA ? "RSA" : "EC") != 0 || (use && strcmp(use, "sig") != 0) ||
		    (kalg && strcmp(kalg, a->name) != 0))
			continue;
		if (kid ? (kkid && strcmp(kkid, kid) == 0) : 1) {
			found = k;
			candidates++;
		}
	}
	return candidates == 1 ? found : NULL;
}

/* Verifies sig over data with pkey; an ECDSA signature is converted from r || s to DER. */
static int verify_sig(EVP_PKEY *pkey, const struct alg *a, const unsigned char *sig, size_t nsig,
		      const char *data, size_t ndata)
{
	unsigned char der[160];
	const unsigned char *s = sig;
	size_t ns = nsig;
	if (a->kty == KTY_EC) {
		if (nsig != (size_t)(2 * a->coord_len))
			return 0;
		ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *r = BN_bin2bn(sig, a->coord_len, NULL), *t = BN_bin2bn(sig + a->coord_len, a->coord_len, NULL);
		if (!es || !r || !t || !ECDSA_SIG_set0(es, r, t)) {
			BN_free(r);
			BN_free(t);
			ECDSA_SIG_free(es);
			return 0;
		}
		unsigned char *p = der;
		int len = i2d_ECDSA_SIG(es, NULL);
		if (len > 0 && (size_t)len <= sizeof(der))
			len = i2d_ECDSA_SIG(es, &p);
		ECDSA_SIG_free(es);
		if (len <= 0 || (size_t)len > sizeof(der))
			return 0;
		s = der;
		ns = (size_t)len;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, a->md(), NULL, pkey) == 1 &&
		 EVP_DigestVerify(ctx, s, ns, (const unsigned char *)data, ndata) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* One base64url JSON part of the token as an object. */
static json_t *json_part(const char *p, size_t n)
{
	if (n > SR_JWT_MAX_LEN)
		return NULL;
	unsigned char *raw = malloc(n + 1);
	if (!raw)
		return NULL;
	long len = sr_b64url_decode(p, n, raw, n + 1);
	json_t *j = len > 0 ? json_loadb((const char *)raw, (size_t)len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	free(raw);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

int sr__jwt_verify(const char *jwt, const json_t *jwks, json_t **claims, char *why, size_t nwhy)
{
	*claims = NULL;
	size_t len = strnlen(jwt, SR_JWT_MAX_LEN + 1);
	const char *dot1 = memchr(jwt, '.', len);
	const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - jwt)) : NULL;
	if (len > SR_JWT_MAX_LEN || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - jwt)))
		return say(why, nwhy, SR_EINVAL, "the id_token is not a signed JWT");
	json_t *header = json_part(jwt, (size_t)(dot1 - jwt));
	const char *alg_name = json_string_value(json_object_get(header, "alg"));
	const char *kid = json_string_value(json_object_get(header, "kid"));
	const struct alg *a = NULL;
	for (size_t i = 0; alg_name && i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(alg_name, algs[i].name) == 0)
			a = &algs[i];
	int rc = 0;
	if (!header)
		rc = say(why, nwhy, SR_EINVAL, "the id_token's header is not JSON");
	else if (json_object_get(header, "crit"))
		rc = say(why, nwhy, SR_EPERM, "the id_token names critical extensions this server does not know");
	else if (!a)
		rc = say(why, nwhy, SR_EPERM, "the id_token is signed with an algorithm this server does not accept");
	const json_t *jwk = rc ? NULL : find_key(jwks, a, kid);
	if (!rc && !jwk)
		rc = say(why, nwhy, SR_ENOTFOUND, "no key of the provider's key set signed the id_token");
	EVP_PKEY *pkey = rc ? NULL : a->kty == KTY_RSA ? rsa_key(jwk) : ec_key(jwk, a);
	if (!rc && !pkey)
		rc = say(why, nwhy, SR_EPERM, "the provider's key for the id_token is not a usable key");
	unsigned char sig[1024];
	long nsig = rc ? -1 : sr_b64url_decode(dot2 + 1, strlen(dot2 + 1), sig, sizeof(sig));
	if (!rc && (nsig <= 0 || !verify_sig(pkey, a, sig, (size_t)nsig, jwt, (size_t)(dot2 - jwt))))
		rc = say(why, nwhy, SR_EPERM, "the id_token's signature does not verify");
	if (!rc && !(*claims = json_part(dot1 + 1, (size_t)(dot2 - dot1 - 1))))
		rc = say(why, nwhy, SR_EINVAL, "the id_token's claims are not a JSON object");
	EVP_PKEY_free(pkey);
	json_decref(header);
	return rc;
}

/* A NumericDate claim (seconds) in milliseconds; -1 when absent or not a number. */
static int64_t claim_ms(const json_t *claims, const char *key)
{
	const json_t *v = json_object_get(claims, key);
	if (!json_is_number(v))
		return -1;
	double s = json_number_value(v);
	return s < 0 || s > 1e12 ? -1 : (int64_t)(s * 1000);
}

int sr__jwt_check_claims(const json_t *claims, const char *issuer, const char *client_id, const char *nonce,
			 int64_t now_ms, char *why, size_t nwhy)
{
	const char *iss = json_string_value(json_object_get(claims, "iss"));
	if (!iss || strcmp(iss, issuer) != 0)
		return say(why, nwhy, SR_EPERM, "the id_token was issued by another issuer");
	const json_t *aud = json_object_get(claims, "aud");
	int ours = 0;
	if (json_is_string(aud)) {
		ours = strcmp(json_string_value(aud), client_id) == 0;
	} else if (json_is_array(aud)) {
		size_t i;
		json_t *v;
		json_array_foreach(aud, i, v) {
			if (json_is_string(v) && strcmp(json_string_value(v), client_id) == 0)
				ours = 1;
		}
		if (ours && json_array_size(aud) > 1) {
			const char *azp = json_string_value(json_object_get(claims, "azp"));
			ours = azp && strcmp(azp, client_id) == 0;
		}
	}
	if (!ours)
		return say(why, nwhy, SR_EPERM, "the id_token is meant for another client (aud)");
	int64_t exp = claim_ms(claims, "exp"), iat = claim_ms(claims, "iat");
	if (exp < 0 || exp + SR_JWT_SKEW_MS < now_ms)
		return say(why, nwhy, SR_EPERM, "the id_token has expired");
	if (iat < 0 || iat - SR_JWT_SKEW_MS > now_ms)
		return say(why, nwhy, SR_EPERM, "the id_token was issued in the future (iat)");
	const char *n = json_string_value(json_object_get(claims, "nonce"));
	if (!n || strcmp(n, nonce) != 0)
		return say(why, nwhy, SR_EPERM, "the id_token's nonce is not this sign-in's");
	const char *sub = json_string_value(json_object_get(claims, "sub"));
	if (!sub || !*sub)
		return say(why, nwhy, SR_EPERM, "the id_token names no subject (sub)");
	return 0;
}
