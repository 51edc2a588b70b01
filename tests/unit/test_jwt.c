/*
 * test_jwt.c - the id_token verifier (src/auth/jwt.c) and the pending login's cookie
 * (src/auth/idp.c), with keys this test generates.
 *
 * RSA 2048 and P-256 keys are made here with libcrypto, published as a JWK Set the way a
 * provider publishes them, and tokens are signed here; every refusal case breaks exactly one
 * thing of a good token: a payload changed after signing, a signature by another key under
 * the same kid, an unknown kid, "none" and HS256, and each claim (iss, aud, azp, exp, iat,
 * nonce, sub). The cookie tests run sr_idp_start and sr_idp_finish for a GitHub provider
 * whose URL is a closed loopback port: a finish that gets past the state checks fails at the
 * code exchange with SR_EIO, one that does not fails before it with SR_EPERM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/idp.h"
#include "auth/jwt.h"
#include "core/err.h"
#include "core/util.h"

static EVP_PKEY *rsa_a, *rsa_b, *ec_a;
static json_t *jwks;
static const int64_t NOW = 1796000000000LL; /* ms */

static void b64_bn(EVP_PKEY *k, const char *param, size_t width, char *out)
{
	BIGNUM *bn = NULL;
	assert_true(EVP_PKEY_get_bn_param(k, param, &bn));
	unsigned char raw[512];
	int n = width ? BN_bn2binpad(bn, raw, (int)width) : BN_bn2bin(bn, raw);
	assert_true(n > 0);
	sr_b64url_encode(raw, (size_t)n, out);
	BN_free(bn);
}

static json_t *rsa_jwk(EVP_PKEY *k, const char *kid)
{
	char n[400], e[16];
	b64_bn(k, OSSL_PKEY_PARAM_RSA_N, 0, n);
	b64_bn(k, OSSL_PKEY_PARAM_RSA_E, 0, e);
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "use", "sig", "kid", kid, "n", n, "e", e);
}

static json_t *ec_jwk(EVP_PKEY *k, const char *kid)
{
	char x[64], y[64];
	b64_bn(k, OSSL_PKEY_PARAM_EC_PUB_X, 32, x);
	b64_bn(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32, y);
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "kid", kid, "x", x, "y", y);
}

static int setup(void **state)
{
	(void)state;
	rsa_a = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa_b = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec_a = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(rsa_a);
	assert_non_null(rsa_b);
	assert_non_null(ec_a);
	jwks = json_pack("{s:[o, o]}", "keys", rsa_jwk(rsa_a, "rsa-1"), ec_jwk(ec_a, "ec-1"));
	assert_non_null(jwks);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa_a);
	EVP_PKEY_free(rsa_b);
	EVP_PKEY_free(ec_a);
	json_decref(jwks);
	return 0;
}

static void b64_json(const json_t *j, char *out)
{
	char *s = json_dumps(j, JSON_COMPACT);
	sr_b64url_encode((const unsigned char *)s, strlen(s), out);
	free(s);
}

/* header.payload.signature, signed with key (NULL: no signature, for "none"). */
static char *sign(EVP_PKEY *key, const char *alg, const char *kid, const json_t *claims)
{
	json_t *h = kid ? json_pack("{s:s, s:s, s:s}", "alg", alg, "typ", "JWT", "kid", kid)
			: json_pack("{s:s, s:s}", "alg", alg, "typ", "JWT");
	static char tok[8192];
	char hb[512], pb[4096];
	b64_json(h, hb);
	b64_json(claims, pb);
	json_decref(h);
	int n = snprintf(tok, sizeof(tok), "%s.%s", hb, pb);
	unsigned char sig[600];
	size_t ns = sizeof(sig);
	if (key) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
		assert_int_equal(EVP_DigestSign(ctx, sig, &ns, (unsigned char *)tok, (size_t)n), 1);
		EVP_MD_CTX_free(ctx);
		if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
			/* JWS carries r || s, 32 bytes each, not DER. */
			const unsigned char *p = sig;
			ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)ns);
			assert_non_null(es);
			BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32);
			BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32);
			ns = 64;
			ECDSA_SIG_free(es);
		}
	} else if (strcmp(alg, "HS256") == 0) {
		unsigned int len = 32;
		HMAC(EVP_sha256(), "secret", 6, (unsigned char *)tok, (size_t)n, sig, &len);
		ns = len;
	} else {
		ns = 0;
	}
	tok[n++] = '.';
	sr_b64url_encode(sig, ns, tok + n);
	return tok;
}

static json_t *good_claims(void)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "iss", "https://id.example.org", "sub", "user-42", "aud",
			 "skillreg", "exp", (json_int_t)(NOW / 1000 + 300), "iat", (json_int_t)(NOW / 1000), "nonce",
			 "n-1", "preferred_username", "alice");
}

static int verify(const char *tok, json_t **claims)
{
	char why[200];
	return sr__jwt_verify(tok, jwks, claims, why, sizeof(why));
}

static void test_good_tokens_verify(void **state)
{
	(void)state;
	json_t *c = good_claims(), *out = NULL;
	assert_int_equal(verify(sign(rsa_a, "RS256", "rsa-1", c), &out), 0);
	assert_string_equal(json_string_value(json_object_get(out, "preferred_username")), "alice");
	json_decref(out);
	assert_int_equal(verify(sign(ec_a, "ES256", "ec-1", c), &out), 0);
	json_decref(out);
	/* Without a kid the set's only key of the token's type is the key. */
	assert_int_equal(verify(sign(ec_a, "ES256", NULL, c), &out), 0);
	json_decref(out);
	json_decref(c);
}

static void test_bad_signatures_refused(void **state)
{
	(void)state;
	json_t *c = good_claims(), *out = NULL;
	char *tok = strdup(sign(rsa_a, "RS256", "rsa-1", c));
	/* The payload changed after signing: sub "user-42" becomes another subject. */
	json_object_set_new(c, "sub", json_string("admin"));
	char *forged = strdup(sign(rsa_a, "RS256", "rsa-1", c));
	char spliced[8192];
	char *dot = strchr(tok, '.'), *fdot = strchr(forged, '.');
	snprintf(spliced, sizeof(spliced), "%.*s%.*s%s", (int)(dot - tok), tok, (int)(strrchr(forged, '.') - fdot), fdot,
		 strrchr(tok, '.'));
	assert_int_equal(verify(spliced, &out), SR_EPERM);
	assert_null(out);
	/* Another key under the provider's kid. */
	assert_int_equal(verify(sign(rsa_b, "RS256", "rsa-1", c), &out), SR_EPERM);
	/* An ES256 token whose signature was made by the RSA key's kid is no use either. */
	assert_int_equal(verify(sign(ec_a, "ES256", "rsa-1", c), &out), SR_ENOTFOUND);
	/* A kid the set does not have: the caller fetches the set again. */
	assert_int_equal(verify(sign(rsa_a, "RS256", "rsa-2", c), &out), SR_ENOTFOUND);
	assert_int_equal(verify(sign(NULL, "none", "rsa-1", c), &out), SR_EPERM);
	assert_int_equal(verify(sign(NULL, "HS256", "rsa-1", c), &out), SR_EPERM);
	assert_int_equal(verify("not.a.jwt.at-all", &out), SR_EINVAL);
	assert_int_equal(verify("nodots", &out), SR_EINVAL);
	free(tok);
	free(forged);
	json_decref(c);
}

static int check(json_t *c)
{
	char why[200];
	int rc = sr__jwt_check_claims(c, "https://id.example.org", "skillreg", "n-1", NOW, why, sizeof(why));
	json_decref(c);
	return rc;
}

static void test_claims(void **state)
{
	(void)state;
	assert_int_equal(check(good_claims()), 0);
	json_t *c = good_claims();
	json_object_set_new(c, "iss", json_string("https://id.example.org/"));
	assert_int_equal(check(c), SR_EPERM);
	c = good_claims();
	json_object_set_new(c, "aud", json_string("another-client"));
	assert_int_equal(check(c), SR_EPERM);
	c = good_claims();
	json_object_set_new(c, "aud", json_pack("[s, s]", "another-client", "skillreg"));
	assert_int_equal(check(c), SR_EPERM); /* several audiences and no azp */
	c = good_claims();
	json_object_set_new(c, "aud", json_pack("[s, s]", "another-client", "skillreg"));
	json_object_set_new(c, "azp", json_string("skillreg"));
	assert_int_equal(check(c), 0);
	c = good_claims();
	json_object_set_new(c, "exp", json_integer(NOW / 1000 - 121)); /* past the 120 s skew */
	assert_int_equal(check(c), SR_EPERM);
	c = good_claims();
	json_object_set_new(c, "exp", json_integer(NOW / 1000 - 60)); /* within it */
	assert_int_equal(check(c), 0);
	c = good_claims();
	json_object_set_new(c, "iat", json_integer(NOW / 1000 + 600));
	assert_int_equal(check(c), SR_EPERM);
	c = good_claims();
	json_object_set_new(c, "nonce", json_string("n-2"));
	assert_int_equal(check(c), SR_EPERM);
	c = good_claims();
	json_object_del(c, "nonce");
	assert_int_equal(check(c), SR_EPERM);
	c = good_claims();
	json_object_del(c, "sub");
	assert_int_equal(check(c), SR_EPERM);
}

/* A GitHub provider on a closed loopback port: the code exchange cannot succeed. */
static sr_idp *github(const char *secret)
{
	sr_idp_config cfg = {.github_url = "http://127.0.0.1:1", .client_id = "cid", .client_secret = secret};
	sr_idp *p = NULL;
	char why[200];
	assert_int_equal(sr_idp_new(&cfg, &p, why, sizeof(why)), 0);
	return p;
}

static const char *param(const char *url, const char *key, char *out, size_t n)
{
	char pat[32];
	snprintf(pat, sizeof(pat), "&%s=", key);
	const char *p = strstr(url, pat);
	assert_non_null(p);
	p += strlen(pat);
	snprintf(out, n, "%.*s", (int)strcspn(p, "&"), p);
	return out;
}

static void test_pending_cookie(void **state)
{
	(void)state;
	sr_idp *p = github("s3cret"), *other = github("other-secret");
	sr_buf url;
	sr_buf_init(&url, 4096);
	char cookie[SR_IDP_COOKIE_MAX], st[64], ret[256], why[300];
	struct sr_identity id;
	assert_int_equal(sr_idp_start(p, "http://127.0.0.1:9/auth/github/callback", "/skills?sort=stars", &url, cookie,
				      sizeof(cookie), why, sizeof(why)), 0);
	assert_non_null(strstr(url.data, "http://127.0.0.1:1/login/oauth/authorize?client_id=cid&"));
	assert_non_null(strstr(url.data, "&code_challenge_method=S256"));
	param(url.data, "state", st, sizeof(st));
	const char *cb = "http://127.0.0.1:9/auth/github/callback";
	/* Right cookie, right state: past the checks, to the (unreachable) code exchange. */
	assert_int_equal(sr_idp_finish(p, cb, cookie, st, "code", &id, ret, sizeof(ret), why, sizeof(why)), SR_EIO);
	assert_string_equal(ret, "/skills?sort=stars");
	/* A tampered state. */
	char bad[64];
	snprintf(bad, sizeof(bad), "%s", st);
	bad[0] = bad[0] == 'A' ? 'B' : 'A';
	assert_int_equal(sr_idp_finish(p, cb, cookie, bad, "code", &id, ret, sizeof(ret), why, sizeof(why)), SR_EPERM);
	assert_non_null(strstr(why, "state"));
	/* No cookie, another provider's key, a cookie changed by one byte. */
	assert_int_equal(sr_idp_finish(p, cb, NULL, st, "code", &id, ret, sizeof(ret), why, sizeof(why)), SR_EPERM);
	assert_int_equal(sr_idp_finish(other, cb, cookie, st, "code", &id, ret, sizeof(ret), why, sizeof(why)), SR_EPERM);
	char changed[SR_IDP_COOKIE_MAX];
	snprintf(changed, sizeof(changed), "%s", cookie);
	changed[3] = changed[3] == '9' ? '8' : '9'; /* the expiry */
	assert_int_equal(sr_idp_finish(p, cb, changed, st, "code", &id, ret, sizeof(ret), why, sizeof(why)), SR_EPERM);
	/* Ten minutes and a second later the cookie has expired. */
	sr_clock_set(sr_now_ms() + SR_IDP_PENDING_MS + 1000);
	assert_int_equal(sr_idp_finish(p, cb, cookie, st, "code", &id, ret, sizeof(ret), why, sizeof(why)), SR_EPERM);
	assert_non_null(strstr(why, "expired"));
	sr_clock_set(0);
	/* A return path to another host becomes the home page. */
	assert_int_equal(sr_idp_start(p, cb, "//evil.example/x", &url, cookie, sizeof(cookie), why, sizeof(why)), 0);
	param(url.data, "state", st, sizeof(st));
	assert_int_equal(sr_idp_finish(p, cb, cookie, st, "code", &id, ret, sizeof(ret), why, sizeof(why)), SR_EIO);
	assert_string_equal(ret, "/");
	sr_buf_deinit(&url);
	sr_idp_free(p);
	sr_idp_free(other);
}

static void test_config_refused(void **state)
{
	(void)state;
	sr_idp *p = NULL;
	char why[200];
	sr_idp_config plain = {.name = "corp", .issuer = "http://id.example.org", .client_id = "a", .client_secret = "b"};
	assert_int_equal(sr_idp_new(&plain, &p, why, sizeof(why)), SR_EINVAL);
	sr_idp_config name = {.name = "a/b", .issuer = "https://id.example.org", .client_id = "a", .client_secret = "b"};
	assert_int_equal(sr_idp_new(&name, &p, why, sizeof(why)), SR_EINVAL);
	sr_idp_config nosecret = {.name = "corp", .issuer = "https://id.example.org", .client_id = "a"};
	assert_int_equal(sr_idp_new(&nosecret, &p, why, sizeof(why)), SR_EINVAL);
	sr_idp_config loop = {.name = "corp", .issuer = "http://127.0.0.1:8080/realms/x", .client_id = "a", .client_secret = "b"};
	assert_int_equal(sr_idp_new(&loop, &p, why, sizeof(why)), 0);
	assert_string_equal(sr_idp_name(p), "corp");
	sr_idp_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_tokens_verify),
		cmocka_unit_test(test_bad_signatures_refused),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_pending_cookie),
		cmocka_unit_test(test_config_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
